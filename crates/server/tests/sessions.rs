//! Connect sessions: made with the API key, read and refused with their token.
//! Against the real binary, on SQLite or (with `LINKHUB_TEST_POSTGRES_URL`) PostgreSQL.

mod support;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

#[allow(unused_imports)]
use std::collections::BTreeSet;
#[allow(unused_imports)]
use std::time::Duration;

#[allow(unused_imports)]
use reqwest::Method;
#[allow(unused_imports)]
use serde_json::{Value, json};
#[allow(unused_imports)]
use support::{API_KEY, Options, Reply, TestApp, assert_error, body, send};

#[tokio::test]
async fn connect_session_has_every_field_and_a_fragment_token() {
    let s = TestApp::spawn().await;
    let v = s
        .create_session(json!({"origin_owner_id": "42", "origin_owner_name": "Acme",
            "origin_username": "a@acme.test", "categories": ["hris"], "label": "main",
            "metadata": {"plan": "pro"}, "expires_in": 600}))
        .await;
    for k in [
        "id",
        "organization_id",
        "project_id",
        "origin_owner_id",
        "origin_owner_name",
        "origin_username",
        "categories",
        "provider",
        "account_id",
        "label",
        "metadata",
        "token",
        "auth_link_url",
        "created_at",
        "expires_at",
    ] {
        assert!(v.get(k).is_some(), "missing {k} in {v}");
    }
    let token = v["token"].as_str().expect("token");
    assert_eq!(
        STANDARD.decode(token).map(|b| b.len()).ok(),
        None,
        "base64url, not base64"
    );
    assert_eq!(
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token)
            .expect("b64url")
            .len(),
        32
    );
    let link = v["auth_link_url"].as_str().expect("link");
    assert_eq!(link, format!("{}/link#token={token}", s.base));
    assert!(!link.contains('?'));
    assert_eq!(v["metadata"]["plan"], "pro");
}

#[tokio::test]
async fn connect_sessions_rejects_bad_auth_json_types_and_size() {
    let s = TestApp::spawn().await;
    let url = s.url("/connect_sessions");
    let ok = json!({"origin_owner_id": "1", "origin_owner_name": "A"});
    // No auth, wrong key.
    send(s.http.post(&url).json(&ok)).await.assert_error(401);
    send(s.http.post(&url).basic_auth("nope", Some("")).json(&ok))
        .await
        .assert_error(401);
    // Bad JSON.
    send(
        s.api(Method::POST, "/connect_sessions")
            .header("content-type", "application/json")
            .body("{nope"),
    )
    .await
    .assert_error(400);
    // Wrong types: the message must not echo the value.
    let r = s
        .post_session(
            &json!({"origin_owner_id": "1", "origin_owner_name": "A", "expires_in": "sekrit-value"}),
        )
        .await;
    r.assert_error(400);
    assert!(!r.body.to_string().contains("sekrit-value"), "{}", r.body);
    // Missing field.
    s.post_session(&json!({"origin_owner_id": "1"}))
        .await
        .assert_error(400);
    // Not JSON.
    send(s.api(Method::POST, "/connect_sessions").body("a=b"))
        .await
        .assert_error(415);
    // Oversized.
    let big = json!({"origin_owner_id": "1", "origin_owner_name": "x".repeat(70 * 1024)});
    s.post_session(&big).await.assert_error(413);
    // Bad expires_in value.
    let r = s
        .post_session(&json!({"origin_owner_id": "1", "origin_owner_name": "A", "expires_in": 0}))
        .await;
    r.assert_error(400);
    assert!(r.body["fields"]["expires_in"].is_string());
    // No CORS on the server-to-server API.
    let r = s
        .api(Method::POST, "/connect_sessions")
        .header("origin", s.base.clone())
        .json(&ok)
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 201);
    assert!(r.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn hub_rejects_missing_unknown_and_expired_tokens() {
    let s = TestApp::spawn().await;
    s.get("/hub/connectors").await.assert_error(401);
    s.hub_get("/hub/connectors", "not-a-token")
        .await
        .assert_error(401);
    let v = s
        .create_session(json!({"origin_owner_id": "1", "origin_owner_name": "A", "expires_in": 2}))
        .await;
    let token = v["token"].as_str().expect("token");
    // (2 s, not 1: expiry is in whole seconds, so a 1 s session can lapse at once.)
    // Used once while valid, so the server has it in its session memo: expiry must still
    // be enforced on the remembered session.
    assert_eq!(s.hub_get("/hub/settings", token).await.status, 200);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let r = s.hub_get("/hub/settings", token).await;
    r.assert_error(401);
    assert_eq!(r.body["message"], "Session expired");
}
