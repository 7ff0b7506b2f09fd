//! Encoding edge cases in every kind of input: U+0000 (which PostgreSQL cannot store), lone
//! surrogates escaped in JSON, overlong UTF-8 bytes, very long values, bodies that are not
//! JSON objects. A client's mistake is a 4xx with the JSON error body (an HTML page on the
//! console), never a 500, on SQLite and (with `LINKHUB_TEST_POSTGRES_URL`) PostgreSQL alike.

mod support;

use reqwest::Method;
use serde_json::{Value, json};
use support::{Reply, TestApp, send};

const NUL: &str = "a\u{0}b";

/// A valid session body with `value` put at the JSON pointer `at`.
fn session_with(at: &str, value: Value) -> Value {
    let mut body = json!({
        "origin_owner_id": "o1",
        "origin_owner_name": "O1 Inc",
        "origin_username": "u",
        "categories": ["hris"],
        "provider": "acme_hr",
        "label": "l",
        "metadata": {"note": "n"},
        "scopes": ["read"],
    });
    *body.pointer_mut(at).expect("pointer") = value;
    body
}

/// A 400 that names `field` with the JSON error body.
fn assert_names(r: &Reply, field: &str) {
    r.assert_error(400);
    assert!(
        r.body["fields"][field].is_string(),
        "{field} not named: {}",
        r.body
    );
}

/// Not a 500, and any error has the JSON error body.
fn assert_no_fault(what: &str, r: &Reply) {
    assert!(r.status < 500, "{what}: {} {}", r.status, r.body);
    if r.status >= 400 {
        assert_eq!(r.body["statusCode"], r.status, "{what}: {}", r.body);
        assert!(r.body["message"].is_string(), "{what}: {}", r.body);
    }
}

/// A raw body with `Content-Type: application/json`.
async fn raw(req: reqwest::RequestBuilder, bytes: Vec<u8>) -> Reply {
    send(req.header("content-type", "application/json").body(bytes)).await
}

#[tokio::test]
async fn nul_in_any_session_field_is_a_400_naming_it() {
    let app = TestApp::spawn().await;
    for (at, field) in [
        ("/origin_owner_id", "origin_owner_id"),
        ("/origin_owner_name", "origin_owner_name"),
        ("/origin_username", "origin_username"),
        ("/categories/0", "categories[0]"),
        ("/provider", "provider"),
        ("/label", "label"),
        ("/metadata/note", "metadata.note"),
        ("/scopes/0", "scopes[0]"),
    ] {
        let r = app.post_session(&session_with(at, json!(NUL))).await;
        assert_names(&r, field);
    }
    let mut body = session_with("/label", json!("l"));
    body["account_id"] = json!(NUL);
    assert_names(&app.post_session(&body).await, "account_id");
    // A key holding U+0000 is named by where it is.
    let r = app
        .post_session(&session_with("/metadata", json!({"k\u{0}": 1})))
        .await;
    assert_names(&r, "metadata");
    // Nothing was stored, and the server still works.
    let r = app.post_session(&session_with("/label", json!("ok"))).await;
    assert_eq!(r.status, 201, "{}", r.body);
}

#[tokio::test]
async fn nul_in_a_link_request_is_a_400_naming_the_field() {
    let app = TestApp::spawn().await;
    let token = app.token("o1").await;
    let r = app.link(&token, NUL, json!({"api_key": "k"})).send().await;
    assert_names(&r, "integration_id");
    for field in ["subdomain", "api_key"] {
        let mut credentials = json!({"subdomain": "acme", "api_key": "k"});
        credentials[field] = json!(NUL);
        let r = app.link(&token, "acme_hr", credentials).send().await;
        assert_names(&r, field);
    }
    // Updating an account's credentials holds the same rule.
    let id = app.linked_account("o2", "key-1").await;
    let token = app
        .token_for(json!({"origin_owner_id": "o2", "origin_owner_name": "O2", "account_id": id}))
        .await;
    let r = send(
        app.hub(Method::PATCH, &format!("/hub/accounts/{id}"), &token)
            .json(&json!({"integration_id": "acme_hr",
                "credentials": {"subdomain": "acme", "api_key": NUL}})),
    )
    .await;
    assert_names(&r, "api_key");
    // A connection attempt's body too.
    let r = send(
        app.hub(Method::POST, "/hub/connection_attempts", &token)
            .json(&json!({"integration_id": NUL})),
    )
    .await;
    assert_names(&r, "integration_id");
}

#[tokio::test]
async fn nul_in_a_path_id_is_a_404() {
    let app = TestApp::spawn().await;
    let token = app.token("o1").await;
    for path in [
        "/hub/accounts/%00",
        "/hub/accounts/acc_%00x",
        "/hub/connection_attempts/%00",
        "/hub/connectors/%00",
        "/connect/oauth2/%00",
    ] {
        for method in [Method::GET, Method::DELETE, Method::PATCH] {
            let r = send(app.hub(method.clone(), path, &token)).await;
            assert_no_fault(&format!("{method} {path}"), &r);
            if method == Method::GET {
                r.assert_error(404);
            }
        }
    }
    for method in [Method::GET, Method::DELETE] {
        let r = send(app.api(method.clone(), "/accounts/%00")).await;
        r.assert_error(404);
    }
    // Elsewhere too: static files and logos.
    for path in ["/catalog/%00/logo.svg", "/examples/%00", "/%00"] {
        app.get(path).await.assert_error(404);
    }
}

#[tokio::test]
async fn nul_in_a_query_value_is_a_400_naming_the_parameter() {
    let app = TestApp::spawn().await;
    let token = app.token("o1").await;
    for name in ["origin_owner_id", "provider", "status"] {
        let r = app.api_get(&format!("/accounts?{name}=%00")).await;
        assert_names(&r, name);
    }
    let r = app.hub_get("/hub/connectors?provider=x%00", &token).await;
    assert_names(&r, "provider");
    // The OAuth start and callback.
    let r = app.open_popup(&token, "oauthy", "%00").await;
    assert_names(&Reply::from(r).await, "connection_attempt_id");
    let r = app
        .get(&format!(
            "/connect/oauth2/oauthy?token={token}%00&connection_attempt_id=a"
        ))
        .await;
    assert_names(&r, "token");
    let r = app.get("/connect/oauth2/callback?state=%00&code=c").await;
    assert_names(&r, "state");
}

#[tokio::test]
async fn nul_in_the_console_is_a_page_not_a_fault() {
    let app = TestApp::spawn().await;
    let console = app.console().await;
    let (status, headers, html) = console.get("/console/accounts/%00").await;
    assert_eq!(status, 404, "{html}");
    assert!(
        headers["content-type"]
            .to_str()
            .is_ok_and(|t| t.starts_with("text/html"))
    );
    let (status, _, html) = console.get("/console/accounts?owner_id=%00").await;
    assert_eq!(status, 400, "{html}");
    assert!(html.contains("NUL"), "{html}");
    let (status, html) = console
        .post(
            "/console/link/review",
            &[
                ("csrf", console.csrf.as_str()),
                ("owner_id", NUL),
                ("owner_name", "O"),
                ("username", ""),
                ("category", ""),
                ("expires_days", "7"),
            ],
        )
        .await;
    assert_eq!(status, 400, "{html}");
    // Signed out, the same.
    let r = app.http.get(app.url("/console/accounts/%00")).send().await;
    assert_eq!(r.expect("GET").status(), 404);
}

#[tokio::test]
async fn lone_surrogates_and_overlong_utf8_are_a_400() {
    let app = TestApp::spawn().await;
    let token = app.token("o1").await;
    let bodies: [&[u8]; 4] = [
        br#"{"origin_owner_id": "\ud800", "origin_owner_name": "x"}"#,
        br#"{"origin_owner_id": "\udc00x", "origin_owner_name": "x"}"#,
        b"{\"origin_owner_id\": \"\xc0\xaf\", \"origin_owner_name\": \"x\"}",
        b"{\"origin_owner_id\": \"\xed\xa0\x80\", \"origin_owner_name\": \"x\"}",
    ];
    for body in bodies {
        let r = raw(app.api(Method::POST, "/connect_sessions"), body.to_vec()).await;
        r.assert_error(400);
        // The same value as a credential.
        let text = String::from_utf8_lossy(body).into_owned();
        let bad = body.split(|&b| b == b'"').nth(3).expect("value");
        let mut link = br#"{"integration_id": "acme_hr", "credentials": {"api_key": ""#.to_vec();
        link.extend_from_slice(bad);
        link.extend_from_slice(br#"", "subdomain": "acme"}}"#);
        let r = raw(app.hub(Method::POST, "/hub/accounts", &token), link).await;
        assert!(r.status == 400, "{text}: {} {}", r.status, r.body);
        r.assert_error(400);
        let mut attempt = br#"{"integration_id": ""#.to_vec();
        attempt.extend_from_slice(bad);
        attempt.extend_from_slice(br#""}"#);
        let r = raw(
            app.hub(Method::POST, "/hub/connection_attempts", &token),
            attempt,
        )
        .await;
        r.assert_error(400);
    }
    // Overlong or invalid bytes percent-encoded in a path or a query are refused, not 500.
    for path in ["/accounts/%C0%AF", "/accounts/%ED%A0%80"] {
        let r = app.api_get(path).await;
        r.assert_error(if r.status == 404 { 404 } else { 400 });
    }
    // In a query, invalid bytes decode to U+FFFD (as url-encoded forms do): no fault.
    let r = app.api_get("/accounts?origin_owner_id=%C0%AF").await;
    assert_no_fault("query %C0%AF", &r);
    let r = app.hub_get("/hub/accounts/%FF", &token).await;
    assert_no_fault("/hub/accounts/%FF", &r);
}

#[tokio::test]
async fn very_long_values_are_never_a_fault() {
    let app = TestApp::spawn().await;
    let long = "x".repeat(10_000);
    for at in [
        "/origin_owner_id",
        "/origin_owner_name",
        "/origin_username",
        "/categories/0",
        "/provider",
        "/label",
        "/metadata/note",
        "/scopes/0",
    ] {
        let r = app.post_session(&session_with(at, json!(long))).await;
        assert_no_fault(at, &r);
    }
    let token = app.token("o1").await;
    let r = app
        .link(
            &token,
            "acme_hr",
            json!({"subdomain": "acme", "api_key": long}),
        )
        .send()
        .await;
    assert_no_fault("long api_key", &r);
    let r = app.link(&token, &long, json!({})).send().await;
    assert_no_fault("long integration_id", &r);
    for path in [
        format!("/hub/accounts/{long}"),
        format!("/hub/connection_attempts/{long}"),
        format!("/hub/connectors/{long}"),
    ] {
        let r = app.hub_get(&path, &token).await;
        assert_no_fault("long id", &r);
    }
    let r = app.api_get(&format!("/accounts/{long}")).await;
    assert_no_fault("long account id", &r);
    let r = app
        .api_get(&format!("/accounts?origin_owner_id={long}"))
        .await;
    assert_no_fault("long filter", &r);
}

#[tokio::test]
async fn a_json_body_must_be_an_object() {
    let app = TestApp::spawn().await;
    let token = app.token("o1").await;
    for body in ["[]", "[{}]", "null", "1", "\"x\"", " \n[]"] {
        let r = raw(
            app.hub(Method::POST, "/hub/connection_attempts", &token),
            body.into(),
        )
        .await;
        r.assert_error(400);
        let r = raw(app.api(Method::POST, "/connect_sessions"), body.into()).await;
        r.assert_error(400);
        let r = raw(app.hub(Method::POST, "/hub/accounts", &token), body.into()).await;
        r.assert_error(400);
    }
    // An object still works.
    let r = raw(
        app.hub(Method::POST, "/hub/connection_attempts", &token),
        b"{}".to_vec(),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
}
