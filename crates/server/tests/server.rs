//! End-to-end tests of the real `linkhub-server` binary over HTTP, on SQLite, or on
//! PostgreSQL when `LINKHUB_TEST_POSTGRES_URL` is set (each test gets its own database).

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Sha256;
use support::{API_KEY, Options, Server, cli, receiver, wait_for};

async fn start() -> Server {
    Server::start(Options::default()).await
}

async fn body(r: reqwest::Response) -> Value {
    r.json().await.expect("JSON body")
}

fn assert_error(v: &Value, status: u16) {
    assert_eq!(v["statusCode"], status, "{v}");
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
}

// ---------------------------------------------------------------- connect sessions

#[tokio::test]
async fn connect_session_has_every_field_and_a_fragment_token() {
    let s = start().await;
    let v = s
        .session(json!({"origin_owner_id": "42", "origin_owner_name": "Acme",
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
    let s = start().await;
    let url = s.url("/connect_sessions");
    let ok = json!({"origin_owner_id": "1", "origin_owner_name": "A"});
    // No auth, wrong key.
    let r = s.http.post(&url).json(&ok).send().await.expect("req");
    assert_eq!(r.status(), 401);
    assert_error(&body(r).await, 401);
    let r = s
        .http
        .post(&url)
        .basic_auth("nope", Some(""))
        .json(&ok)
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 401);
    // Bad JSON.
    let r = s
        .api(Method::POST, "/connect_sessions")
        .header("content-type", "application/json")
        .body("{nope")
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 400);
    assert_error(&body(r).await, 400);
    // Wrong types: the message must not echo the value.
    let r = s.api(Method::POST, "/connect_sessions")
        .json(&json!({"origin_owner_id": "1", "origin_owner_name": "A", "expires_in": "sekrit-value"}))
        .send().await.expect("req");
    assert_eq!(r.status(), 400);
    let v = body(r).await;
    assert_error(&v, 400);
    assert!(!v.to_string().contains("sekrit-value"), "{v}");
    // Missing field.
    let r = s
        .api(Method::POST, "/connect_sessions")
        .json(&json!({"origin_owner_id": "1"}))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 400);
    // Not JSON.
    let r = s
        .api(Method::POST, "/connect_sessions")
        .body("a=b")
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 415);
    assert_error(&body(r).await, 415);
    // Oversized.
    let big = json!({"origin_owner_id": "1", "origin_owner_name": "x".repeat(70 * 1024)});
    let r = s
        .api(Method::POST, "/connect_sessions")
        .json(&big)
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 413);
    assert_error(&body(r).await, 413);
    // Bad expires_in value.
    let r = s
        .api(Method::POST, "/connect_sessions")
        .json(&json!({"origin_owner_id": "1", "origin_owner_name": "A", "expires_in": 0}))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 400);
    assert!(body(r).await["fields"]["expires_in"].is_string());
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

// ---------------------------------------------------------------- hub: settings, connectors

#[tokio::test]
async fn hub_rejects_missing_unknown_and_expired_tokens() {
    let s = start().await;
    let r = s
        .http
        .get(s.url("/hub/connectors"))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 401);
    assert_error(&body(r).await, 401);
    let r = s
        .hub(Method::GET, "/hub/connectors", "not-a-token")
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 401);
    let v = s
        .session(json!({"origin_owner_id": "1", "origin_owner_name": "A", "expires_in": 2}))
        .await;
    let token = v["token"].as_str().expect("token");
    // (2 s, not 1: expiry is in whole seconds, so a 1 s session can lapse at once.)
    // Used once while valid, so the server has it in its session memo: expiry must still
    // be enforced on the remembered session.
    let r = s
        .hub(Method::GET, "/hub/settings", token)
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 200);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let r = s
        .hub(Method::GET, "/hub/settings", token)
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 401);
    assert_eq!(body(r).await["message"], "Session expired");
}

#[tokio::test]
async fn hub_connectors_filter_by_category_provider_and_active() {
    let s = start().await;
    let token = s.token("o1").await;
    let r = s
        .hub(Method::GET, "/hub/connectors", &token)
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 200);
    let list: linkhub_protocol::hub::ConnectorList = r.json().await.expect("protocol shape");
    let keys: Vec<_> = list
        .integrations
        .iter()
        .map(|c| c.provider.as_str())
        .collect();
    assert_eq!(
        keys,
        ["acme_hr", "docsign", "oauthy"],
        "inactive legacy hidden"
    );
    for c in &list.integrations {
        assert!(c.active);
        let logo = c.logo_url.clone().expect("logo_url");
        let r = s.http.get(&logo).send().await.expect("logo");
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "image/svg+xml");
    }
    let r = s
        .hub(Method::GET, "/hub/connectors?provider=docsign", &token)
        .send()
        .await
        .expect("req");
    assert_eq!(
        body(r).await["integrations"].as_array().map(Vec::len),
        Some(1)
    );

    let v = s
        .session(json!({"origin_owner_id": "1", "origin_owner_name": "A", "categories": ["hris"]}))
        .await;
    let t = v["token"].as_str().expect("token");
    let v = body(
        s.hub(Method::GET, "/hub/connectors", t)
            .send()
            .await
            .expect("req"),
    )
    .await;
    assert_eq!(v["integrations"].as_array().map(Vec::len), Some(1));
    assert_eq!(v["integrations"][0]["provider"], "acme_hr");
    assert_eq!(v["integrations"][0]["type"], "hris");
    // Out of the session's filter: not found.
    let r = s
        .hub(Method::GET, "/hub/connectors/docsign", t)
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 404);

    let v = s
        .session(json!({"origin_owner_id": "1", "origin_owner_name": "A", "provider": "docsign"}))
        .await;
    let t = v["token"].as_str().expect("token");
    let v = body(
        s.hub(Method::GET, "/hub/connectors", t)
            .send()
            .await
            .expect("req"),
    )
    .await;
    assert_eq!(v["integrations"].as_array().map(Vec::len), Some(1));
    let v = body(
        s.hub(Method::GET, "/hub/settings", t)
            .send()
            .await
            .expect("req"),
    )
    .await;
    assert_eq!(v["enabled_features"], json!([]));
}

#[tokio::test]
async fn hub_connector_detail_and_unknown_connector() {
    let s = start().await;
    let token = s.token("o1").await;
    let r = s
        .hub(Method::GET, "/hub/connectors/acme_hr", &token)
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 200);
    let v = body(r).await;
    assert_eq!(v["config"]["key"], "acme_hr");
    assert_eq!(v["config"]["type"], "custom");
    assert!(
        v["config"]["configFields"]
            .as_array()
            .is_some_and(|f| f.len() == 3)
    );
    assert!(v["hub_settings"]["configured_webhook_events"].is_array());
    assert!(v["hub_settings"]["project_settings"].is_object());
    // The catalog's translations are passed through for the widget to pick from.
    assert_eq!(
        v["config"]["translations"]["fr"]["fields"]["subdomain"]["label"],
        "Sous-domaine"
    );
    assert_eq!(v["config"]["configFields"][0]["label"], "Subdomain");
    for id in ["nope", "legacy"] {
        let r = s
            .hub(Method::GET, &format!("/hub/connectors/{id}"), &token)
            .send()
            .await
            .expect("req");
        assert_eq!(r.status(), 404, "{id}");
        assert_error(&body(r).await, 404);
    }
}

// ---------------------------------------------------------------- hub: accounts

#[tokio::test]
async fn link_validate_read_redacted_and_patch() {
    let s = start().await;
    let token = s.token("o1").await;
    // Invalid credentials: a message per field, in the language the request asks for.
    let refused = async |language: &str| {
        let r = s
            .hub(Method::POST, "/hub/accounts", &token)
            .header("accept-language", language)
            .json(&json!({"integration_id": "acme_hr",
                "credentials": {"subdomain": "Not Valid!", "region": "mars", "bogus": "x"}}))
            .send()
            .await
            .expect("req");
        assert_eq!(r.status(), 400);
        let v = body(r).await;
        assert_error(&v, 400);
        for k in ["subdomain", "api_key", "region", "bogus"] {
            assert!(v["fields"][k].is_string(), "{k}: {v}");
        }
        // The connector's own message for its pattern stays as the connector wrote it.
        assert_eq!(
            v["fields"]["subdomain"],
            "Use lowercase letters, digits and dashes."
        );
        v
    };
    let v = refused("en-US").await;
    assert_eq!(v["fields"]["api_key"], "This field is required.");
    // The widget sends its own language; the server answers with the widget's words.
    let v = refused("fr").await;
    assert_eq!(v["message"], "Certains identifiants ne sont pas valides.");
    assert_eq!(v["fields"]["api_key"], "Ce champ est obligatoire.");
    assert_eq!(
        v["fields"]["region"],
        "Choisissez l'une des options proposées."
    );
    assert_eq!(v["fields"]["bogus"], "Ce connecteur n'a pas de tel champ.");
    // Unknown connector, wrong value type.
    let r = s
        .hub(Method::POST, "/hub/accounts", &token)
        .json(&json!({"integration_id": "nope", "credentials": {}}))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 400);
    assert!(body(r).await["fields"]["integration_id"].is_string());
    let r = s
        .hub(Method::POST, "/hub/accounts", &token)
        .json(&json!({"integration_id": "acme_hr", "credentials": {"subdomain": ["a"]}}))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 400);
    let r = s
        .hub(Method::POST, "/hub/accounts", &token)
        .json(&json!({"integration_id": 5}))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 400);

    let (status, created) = s.link(&token, "sk_live_abcdefgh1234").await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("id").to_string();
    assert_eq!(created["provider"], "acme_hr");

    let v = body(
        s.hub(Method::GET, &format!("/hub/accounts/{id}"), &token)
            .send()
            .await
            .expect("req"),
    )
    .await;
    assert_eq!(v["secureId"], id.as_str());
    assert_eq!(v["integrationId"], "acme_hr");
    assert_eq!(v["setupInformation"]["subdomain"], "acme");
    assert_eq!(v["secrets"]["api_key"], "__secretvalue:**redacted**1234");
    assert!(!v.to_string().contains("sk_live_abcdefgh1234"));

    // PATCH: the untouched redacted secret is kept; the changed field is stored.
    let r = s
        .hub(Method::PATCH, &format!("/hub/accounts/{id}"), &token)
        .json(&json!({"integration_id": "acme_hr", "credentials": {
            "subdomain": "acme-2", "api_key": "__secretvalue:**redacted**1234"}}))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 200);
    let v = body(r).await;
    assert_eq!(v["setupInformation"]["subdomain"], "acme-2");
    assert_eq!(v["secrets"]["api_key"], "__secretvalue:**redacted**1234");
    let r = s.hub(Method::PATCH, &format!("/hub/accounts/{id}"), &token)
        .json(&json!({"integration_id": "acme_hr", "credentials": {"api_key": "new-secret-value-9999"}}))
        .send().await.expect("req");
    assert_eq!(
        body(r).await["secrets"]["api_key"],
        "__secretvalue:**redacted**9999"
    );
    let r = s
        .hub(Method::PATCH, &format!("/hub/accounts/{id}"), &token)
        .json(&json!({"integration_id": "acme_hr", "credentials": {"subdomain": "BAD BAD"}}))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 400);

    // Host view: no secrets anywhere.
    let v = body(
        s.api(Method::GET, &format!("/accounts/{id}"))
            .send()
            .await
            .expect("req"),
    )
    .await;
    assert_eq!(v["status"], "active");
    assert_eq!(v["setup_information"]["subdomain"], "acme-2");
    assert!(!v.to_string().contains("9999"));
    // Secrets never in the log either.
    assert!(!s.log().contains("new-secret-value"));
    assert!(!s.log().contains("sk_live_abcdefgh1234"));
}

#[tokio::test]
async fn foreign_tokens_cannot_see_or_change_other_owners_accounts() {
    let s = start().await;
    let mine = s.token("alice").await;
    let theirs = s.token("bob").await;
    let (_, created) = s.link(&mine, "alice-secret-000000").await;
    let id = created["id"].as_str().expect("id");
    let r = s
        .hub(Method::GET, &format!("/hub/accounts/{id}"), &theirs)
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 404);
    assert_error(&body(r).await, 404);
    let r = s
        .hub(Method::PATCH, &format!("/hub/accounts/{id}"), &theirs)
        .json(&json!({"integration_id": "acme_hr", "credentials": {"api_key": "x"}}))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 404);
    // An edit session cannot be made for another owner's account.
    let r = s
        .api(Method::POST, "/connect_sessions")
        .json(&json!({"origin_owner_id": "bob", "origin_owner_name": "B", "account_id": id}))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn duplicate_links_update_without_multiple_and_add_with_it() {
    let s = start().await;
    let t1 = s.token("o1").await;
    let (st1, a) = s.link(&t1, "first-secret-aaaa").await;
    let t2 = s.token("o1").await;
    let (st2, b) = s.link(&t2, "second-secret-bbbb").await;
    assert_eq!((st1, st2), (201, 200));
    assert_eq!(
        a["id"], b["id"],
        "multiple=false updates the existing account"
    );
    let v = s
        .session(json!({"origin_owner_id": "o1", "origin_owner_name": "O", "multiple": true}))
        .await;
    let (st3, c) = s
        .link(v["token"].as_str().expect("t"), "third-secret-cccc")
        .await;
    assert_eq!(st3, 201);
    assert_ne!(a["id"], c["id"]);
    let list = body(
        s.api(Method::GET, "/accounts?origin_owner_id=o1")
            .send()
            .await
            .expect("req"),
    )
    .await;
    assert_eq!(list.as_array().map(Vec::len), Some(2));
    // Another owner is separate.
    let (st4, _) = s.link(&s.token("o2").await, "fourth-secret-dddd").await;
    assert_eq!(st4, 201);
}

#[tokio::test]
async fn concurrent_links_without_multiple_make_one_account() {
    let s = start().await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let token = s.token("racer").await;
        let http = s.http.clone();
        let url = s.url("/hub/accounts");
        tasks.push(tokio::spawn(async move {
            http.post(url).header("x-hub-session-token", token)
                .json(&json!({"integration_id": "docsign", "credentials": {"api_token": format!("tok-{i}")}}))
                .send().await.expect("req").status().as_u16()
        }));
    }
    for t in tasks {
        let st = t.await.expect("join");
        assert!(st == 200 || st == 201, "{st}");
    }
    let list = body(
        s.api(Method::GET, "/accounts?origin_owner_id=racer")
            .send()
            .await
            .expect("req"),
    )
    .await;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn idempotent_retries_return_the_first_result() {
    let s = start().await;
    let token = s.token("o1").await;
    let v = s
        .session(json!({"origin_owner_id": "o1", "origin_owner_name": "O", "multiple": true}))
        .await;
    let token_multi = v["token"].as_str().expect("t").to_string();
    let post = |key: &'static str, tok: String, secret: &'static str| {
        let http = s.http.clone();
        let url = s.url("/hub/accounts");
        async move {
            let r = http
                .post(url)
                .header("x-hub-session-token", tok)
                .header("idempotency-key", key)
                .json(&json!({"integration_id": "docsign", "credentials": {"api_token": secret}}))
                .send()
                .await
                .expect("req");
            (r.status().as_u16(), r.json::<Value>().await.expect("json"))
        }
    };
    let (s1, a) = post("k-1", token_multi.clone(), "secret-one").await;
    let (s2, b) = post("k-1", token_multi.clone(), "secret-one").await;
    assert_eq!((s1, s2), (201, 201));
    assert_eq!(a, b);
    // Same key, different body.
    let (s3, e) = post("k-1", token_multi.clone(), "other").await;
    assert_eq!(s3, 422);
    assert_error(&e, 422);
    // Concurrent duplicates with multiple=true still make one account.
    let futs: Vec<_> = (0..8)
        .map(|_| tokio::spawn(post("k-2", token_multi.clone(), "secret-two")))
        .collect();
    let mut ids = BTreeSet::new();
    for f in futs {
        let (st, v) = f.await.expect("join");
        assert_eq!(st, 201, "{v}");
        ids.insert(v["id"].as_str().expect("id").to_string());
    }
    assert_eq!(ids.len(), 1);
    let list = body(
        s.api(Method::GET, "/accounts?provider=docsign")
            .send()
            .await
            .expect("req"),
    )
    .await;
    assert_eq!(list.as_array().map(Vec::len), Some(2), "k-1 and k-2 only");
    // A validation error is a final answer too.
    let r = s
        .hub(Method::POST, "/hub/accounts", &token)
        .header("idempotency-key", "k-3")
        .json(&json!({"integration_id": "docsign", "credentials": {}}))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn edit_session_reports_and_updates_the_existing_account() {
    let s = start().await;
    let (_, a) = s.link(&s.token("o1").await, "original-secret-1111").await;
    let id = a["id"].as_str().expect("id");
    let v = s.session(json!({"origin_owner_id": "o1", "origin_owner_name": "O", "account_id": id, "multiple": true})).await;
    let t = v["token"].as_str().expect("t");
    let settings = body(
        s.hub(Method::GET, "/hub/settings", t)
            .send()
            .await
            .expect("req"),
    )
    .await;
    assert_eq!(settings["existing_account_id"], id);
    let (st, b) = s.link(t, "replaced-secret-2222").await;
    assert_eq!(st, 200);
    assert_eq!(b["id"], id);
}

// ---------------------------------------------------------------- accounts API

#[tokio::test]
async fn accounts_api_lists_filters_gets_and_deletes() {
    let s = start().await;
    let (_, a) = s.link(&s.token("o1").await, "secret-aaaa-aaaa").await;
    let (_, _b) = s.link(&s.token("o2").await, "secret-bbbb-bbbb").await;
    let r = s.http.get(s.url("/accounts")).send().await.expect("req");
    assert_eq!(r.status(), 401);
    let all: Vec<linkhub_protocol::api::Account> = s
        .api(Method::GET, "/accounts")
        .send()
        .await
        .expect("req")
        .json()
        .await
        .expect("protocol shape");
    assert_eq!(all.len(), 2);
    let v = body(
        s.api(
            Method::GET,
            "/accounts?origin_owner_id=o1&provider=acme_hr&status=active",
        )
        .send()
        .await
        .expect("req"),
    )
    .await;
    assert_eq!(v.as_array().map(Vec::len), Some(1));
    let v = body(
        s.api(Method::GET, "/accounts?status=error")
            .send()
            .await
            .expect("req"),
    )
    .await;
    assert_eq!(v.as_array().map(Vec::len), Some(0));
    let r = s
        .api(Method::GET, "/accounts?status=bogus")
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 400);
    let id = a["id"].as_str().expect("id");
    let v = body(
        s.api(Method::GET, &format!("/accounts/{id}"))
            .send()
            .await
            .expect("req"),
    )
    .await;
    assert_eq!(v["provider_name"], "Acme HR");
    assert_eq!(v["origin_owner_name"], "o1 Inc");
    let r = s
        .api(Method::DELETE, &format!("/accounts/{id}"))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 200);
    let r = s
        .api(Method::GET, &format!("/accounts/{id}"))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 404);
    let r = s
        .api(Method::DELETE, &format!("/accounts/{id}"))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 404);
}

// ---------------------------------------------------------------- CORS, errors, static

#[tokio::test]
async fn cors_only_on_hub_for_allowed_origins_including_errors() {
    let origin = "http://host.example:3000";
    let s = Server::start(Options {
        allowed_origins: vec![origin.into()],
        ..Options::default()
    })
    .await;
    let r = s
        .http
        .request(Method::OPTIONS, s.url("/hub/accounts"))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,x-hub-session-token,x-hub-version,idempotency-key",
        )
        .send()
        .await
        .expect("req");
    assert!(r.status().is_success(), "{}", r.status());
    assert_eq!(r.headers()["access-control-allow-origin"], origin);
    let headers = r.headers()["access-control-allow-headers"]
        .to_str()
        .expect("str")
        .to_string();
    for h in [
        "content-type",
        "x-hub-session-token",
        "x-hub-version",
        "idempotency-key",
    ] {
        assert!(headers.contains(h), "{headers}");
    }
    let methods = r.headers()["access-control-allow-methods"]
        .to_str()
        .expect("str")
        .to_string();
    for m in ["GET", "POST", "PATCH", "DELETE"] {
        assert!(methods.contains(m), "{methods}");
    }
    // Error responses carry the header too.
    let r = s
        .http
        .get(s.url("/hub/connectors"))
        .header("origin", origin)
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["access-control-allow-origin"], origin);
    let r = s
        .http
        .post(s.url("/hub/accounts"))
        .header("origin", origin)
        .header("x-hub-session-token", s.token("o").await)
        .header("content-type", "application/json")
        .body("{bad")
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["access-control-allow-origin"], origin);
    // Another origin gets nothing.
    let r = s
        .http
        .get(s.url("/hub/connectors"))
        .header("origin", "http://evil.example")
        .send()
        .await
        .expect("req");
    assert!(r.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_json() {
    let s = start().await;
    let r = s.http.get(s.url("/nope")).send().await.expect("req");
    assert_eq!(r.status(), 404);
    assert_error(&body(r).await, 404);
    let r = s
        .http
        .put(s.url("/hub/settings"))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 405);
    assert_error(&body(r).await, 405);
    let r = s.http.post(s.url("/nope")).send().await.expect("req");
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn static_files_auth_link_page_and_csp() {
    let web = tempfile::tempdir().expect("dir");
    std::fs::write(
        web.path().join("index.html"),
        "<!doctype html><title>hub</title>",
    )
    .expect("write");
    let wasm = "linkhub-0123456789abcdef_bg.wasm";
    std::fs::write(web.path().join(wasm), vec![0u8; 4096]).expect("write");
    std::fs::write(
        web.path().join("linkhub.js"),
        "console.log('x');".repeat(100),
    )
    .expect("write");
    let origin = "http://host.example:3000";
    let s = Server::start(Options {
        web_dir: Some(web.path().into()),
        allowed_origins: vec![origin.into()],
        ..Options::default()
    })
    .await;
    let r = s.http.get(s.url("/link")).send().await.expect("req");
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(h["cache-control"], "no-store");
    assert!(
        h["content-type"]
            .to_str()
            .expect("s")
            .starts_with("text/html")
    );
    let csp = h["content-security-policy"].to_str().expect("s");
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval'"),
        "{csp}"
    );
    assert!(
        csp.contains(&format!("frame-ancestors 'self' {origin}")),
        "{csp}"
    );
    // /embed, the page the loader frames: the same page and the same policy.
    let r = s.http.get(s.url("/embed")).send().await.expect("req");
    assert_eq!(r.status(), 200);
    let e = r.headers().clone();
    for name in [
        "referrer-policy",
        "cache-control",
        "content-security-policy",
    ] {
        assert_eq!(e[name], h[name], "{name}");
    }
    assert!(
        e["content-security-policy"]
            .to_str()
            .expect("s")
            .contains(&format!("frame-ancestors 'self' {origin};"))
    );
    assert_eq!(
        r.text().await.expect("html"),
        "<!doctype html><title>hub</title>"
    );
    let r = s.http.get(s.url("/")).send().await.expect("req");
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("content-security-policy").is_some());
    let r = s
        .http
        .get(s.url(&format!("/{wasm}")))
        .send()
        .await
        .expect("req");
    assert_eq!(r.headers()["content-type"], "application/wasm");
    assert!(
        r.headers()["cache-control"]
            .to_str()
            .expect("s")
            .contains("immutable")
    );
    let r = s
        .http
        .get(s.url("/linkhub.js"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect("req");
    assert_eq!(r.headers()["content-encoding"], "gzip");
    // The loader: JavaScript, cached briefly (its name never changes), no CORS needed.
    assert_eq!(
        r.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert_eq!(r.headers()["cache-control"], "public, max-age=300");
    assert!(r.headers().get("access-control-allow-origin").is_none());
    assert!(r.headers().get("content-security-policy").is_none());
    let r = s.http.get(s.url("/missing.js")).send().await.expect("req");
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn examples_dir_is_served_with_a_host_page_policy() {
    let examples = tempfile::tempdir().expect("dir");
    std::fs::write(
        examples.path().join("host.html"),
        "<!doctype html><title>host</title><script src=\"/linkhub.js\"></script>",
    )
    .expect("write");
    std::fs::write(examples.path().join("host.js"), "void 0;").expect("write");
    std::fs::write(examples.path().join("host.css"), "body{}").expect("write");
    let public = "http://hub.example:8080";
    let s = Server::start(Options {
        examples_dir: Some(examples.path().into()),
        env: vec![("LINKHUB_PUBLIC_URL".into(), public.into())],
        ..Options::default()
    })
    .await;
    let r = s
        .http
        .get(s.url("/examples/host.html"))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .expect("s")
        .to_string();
    assert!(csp.contains("script-src 'self';"), "{csp}");
    assert!(
        csp.contains(&format!("frame-src 'self' {public};")),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert!(r.text().await.expect("html").contains("/linkhub.js"));
    let r = s
        .http
        .get(s.url("/examples/host.js"))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    let r = s
        .http
        .get(s.url("/examples/host.css"))
        .send()
        .await
        .expect("req");
    assert!(
        r.headers()["content-type"]
            .to_str()
            .expect("s")
            .starts_with("text/css")
    );
    let r = s.http.get(s.url("/examples/")).send().await.expect("req");
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/examples/host.html");
    for missing in ["/examples/nope.html", "/examples/../Cargo.toml"] {
        let r = s.http.get(s.url(missing)).send().await.expect("req");
        assert_eq!(r.status(), 404, "{missing}");
    }
    // Without --examples-dir there is nothing there.
    let plain = start().await;
    let r = plain
        .http
        .get(plain.url("/examples/host.html"))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn catalog_synthetic_writes_a_catalog_that_serve_accepts() {
    let out = tempfile::tempdir().expect("dir");
    let dir = out.path().join("synthetic");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_linkhub-server"))
        .args(["catalog", "synthetic", "--count", "25", "--out"])
        .arg(&dir)
        .env("LINKHUB_DATA_DIR", out.path().join("unused"))
        .output()
        .expect("run");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    assert!(
        !out.path().join("unused").exists(),
        "no data directory needed"
    );
    let s = Server::start(Options {
        catalog: Some(dir),
        ..Options::default()
    })
    .await;
    let v = body(
        s.hub(Method::GET, "/hub/connectors", &s.token("o1").await)
            .send()
            .await
            .expect("req"),
    )
    .await;
    let list = v["integrations"].as_array().expect("list");
    assert_eq!(list.len(), 25, "{v}");
    assert!(list.iter().any(|c| c["provider"] == "synthetic-00024"));
}

#[tokio::test]
async fn openapi_document_matches_the_routes() {
    let s = start().await;
    let doc = body(
        s.http
            .get(s.url("/openapi.json"))
            .send()
            .await
            .expect("req"),
    )
    .await;
    assert_eq!(doc["openapi"], "3.1.0");
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("item").keys() {
            documented.insert(format!("{} {path}", method.to_uppercase()));
        }
    }
    // Every route of the API, as the router serves it (static files, /link, logos,
    // /healthz and /openapi.json itself are not part of the API).
    let expected: BTreeSet<String> = [
        "POST /connect_sessions",
        "GET /accounts",
        "GET /accounts/{id}",
        "DELETE /accounts/{id}",
        "GET /hub/settings",
        "GET /hub/connectors",
        "GET /hub/connectors/{integration_id}",
        "POST /hub/accounts",
        "GET /hub/accounts/{id}",
        "PATCH /hub/accounts/{id}",
        "POST /hub/connection_attempts",
        "GET /hub/connection_attempts/{id}",
        "DELETE /hub/connection_attempts/{id}",
        "GET /connect/oauth2/{integration_id}",
        "GET /connect/oauth2/callback",
        "GET /connect/oauth2/callback.js",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(documented, expected);
    // And each documented operation is routed: no "No such endpoint" 404 and no 405.
    for op in &documented {
        let (method, path) = op.split_once(' ').expect("op");
        let path = path.replace("{id}", "x").replace("{integration_id}", "x");
        let r = s
            .http
            .request(method.parse().expect("method"), s.url(&path))
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .expect("req");
        assert_ne!(r.status(), 405, "{op}");
        let st = r.status();
        let text = r.text().await.unwrap_or_default();
        assert!(
            !(st == 404 && text.contains("No such endpoint")),
            "{op} not routed"
        );
    }
}

// ---------------------------------------------------------------- webhooks

fn webhook_secret(s: &Server) -> String {
    let out = cli(s, &["project", "show", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    v["webhook_secret"].as_str().expect("secret").to_string()
}

fn verify(secret: &str, headers: &axum::http::HeaderMap, body: &str) {
    let id = headers["webhook-id"].to_str().expect("id");
    let ts = headers["webhook-timestamp"].to_str().expect("ts");
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").expect("prefix"))
        .expect("b64");
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key).expect("key");
    mac.update(format!("{id}.{ts}.{body}").as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    let sig = headers["webhook-signature"].to_str().expect("sig");
    assert!(sig.split(' ').any(|s| s == expected), "bad signature {sig}");
    let age = time_now() - ts.parse::<i64>().expect("int");
    assert!(age.abs() < 300);
}

fn time_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[tokio::test]
async fn webhooks_are_signed_and_cover_create_update_delete() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    let got = receiver(listener).await;
    let s = Server::start(Options {
        webhook_url: Some(url),
        ..Options::default()
    })
    .await;
    let secret = webhook_secret(&s);
    let (_, a) = s.link(&s.token("o1").await, "hook-secret-1111").await;
    let id = a["id"].as_str().expect("id");
    s.link(&s.token("o1").await, "hook-secret-2222").await;
    s.api(Method::DELETE, &format!("/accounts/{id}"))
        .send()
        .await
        .expect("req");
    let events = wait_for(&got, 3, 20).await;
    assert_eq!(events.len(), 3, "{}", s.log());
    let mut types = Vec::new();
    for (headers, body) in &events {
        verify(&secret, headers, body);
        let v: Value = serde_json::from_str(body).expect("json");
        assert_eq!(v["data"]["id"], id);
        assert_eq!(v["data"]["origin_owner_id"], "o1");
        assert_eq!(v["data"]["provider"], "acme_hr");
        assert!(!body.contains("hook-secret"));
        types.push(v["type"].as_str().expect("type").to_string());
    }
    types.sort();
    assert_eq!(
        types,
        ["account.created", "account.deleted", "account.updated"]
    );
}

#[tokio::test]
async fn webhook_is_delivered_after_receiver_comes_back_and_across_restart() {
    // Reserve a port, then leave it closed: the receiver is down.
    let port = linkhub_server::testing::free_port().expect("port");
    let url = format!("http://127.0.0.1:{port}/hook");
    let mut s = Server::start(Options {
        webhook_url: Some(url),
        ..Options::default()
    })
    .await;
    let secret = webhook_secret(&s);
    s.link(&s.token("o1").await, "late-secret-1111").await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    // Restart while the event is still pending: it must survive.
    s.restart();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind");
    let got = receiver(listener).await;
    let events = wait_for(&got, 1, 30).await;
    assert_eq!(events.len(), 1, "{}", s.log());
    verify(&secret, &events[0].0, &events[0].1);
    assert!(
        s.log().contains("webhook delivery failed"),
        "it did fail first"
    );
}

// ---------------------------------------------------------------- persistence, CLI

/// Guards the in-memory answer memo: a retry that reaches a process which never gave the
/// first answer (here, the same server after a restart) must still get it, from the
/// database, and a different request under the key must still be refused.
#[tokio::test]
async fn idempotent_retry_after_a_restart_is_answered_from_the_database() {
    let mut s = start().await;
    let v = s
        .session(json!({"origin_owner_id": "o-r", "origin_owner_name": "O", "multiple": true}))
        .await;
    let token = v["token"].as_str().expect("token").to_string();
    let post = |s: &Server, secret: &str| {
        s.hub(Method::POST, "/hub/accounts", &token)
            .header("idempotency-key", "k-restart")
            .json(&json!({"integration_id": "docsign", "credentials": {"api_token": secret}}))
    };
    let r = post(&s, "secret-r").send().await.expect("req");
    assert_eq!(r.status(), 201);
    let first = body(r).await;
    s.restart();
    let r = post(&s, "secret-r").send().await.expect("req");
    assert_eq!(r.status(), 201);
    assert_eq!(body(r).await, first);
    let r = post(&s, "another-secret").send().await.expect("req");
    assert_eq!(r.status(), 422);
    let list = body(
        s.api(Method::GET, "/accounts?origin_owner_id=o-r")
            .send()
            .await
            .expect("req"),
    )
    .await;
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
}

#[tokio::test]
async fn data_survives_a_restart() {
    let mut s = start().await;
    let token = s.token("o1").await;
    let (_, a) = s.link(&token, "persisted-secret-7777").await;
    let id = a["id"].as_str().expect("id").to_string();
    s.restart();
    let v = body(
        s.api(Method::GET, &format!("/accounts/{id}"))
            .send()
            .await
            .expect("req"),
    )
    .await;
    assert_eq!(v["id"], id.as_str());
    // The old token still works and the sealed secret still opens.
    let v = body(
        s.hub(Method::GET, &format!("/hub/accounts/{id}"), &token)
            .send()
            .await
            .expect("req"),
    )
    .await;
    assert_eq!(v["secrets"]["api_key"], "__secretvalue:**redacted**7777");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(s.data_dir.path().join("secret.key"))
            .expect("key")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[tokio::test]
async fn cli_session_create_accounts_list_and_project_show() {
    let s = start().await;
    let out = cli(
        &s,
        &[
            "session",
            "create",
            "--owner-id",
            "c1",
            "--owner-name",
            "Cli Co",
            "--category",
            "hris",
            "--expires-in",
            "3600",
            "--json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let token = v["token"].as_str().expect("token");
    assert_eq!(v["categories"], json!(["hris"]));
    assert!(
        v["auth_link_url"]
            .as_str()
            .expect("link")
            .contains("/link#token=")
    );
    // The running server accepts a token made by the CLI.
    let (st, _) = s.link(token, "cli-secret-5555").await;
    assert_eq!(st, 201);
    let out = cli(
        &s,
        &[
            "session",
            "create",
            "--owner-id",
            "c2",
            "--owner-name",
            "Two",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("token: ") && text.contains("auth link: "),
        "{text}"
    );
    let out = cli(&s, &["accounts", "list", "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v.as_array().map(Vec::len), Some(1));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("5555"));
    let out = cli(&s, &["accounts", "list"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("acme_hr"));
    let out = cli(&s, &["project", "show"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("webhook_secret: whsec_"));
    let out = cli(
        &s,
        &["session", "create", "--owner-id", "", "--owner-name", "x"],
    );
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test]
async fn serve_refuses_an_invalid_catalog_with_exit_code_2() {
    let bad = tempfile::tempdir().expect("dir");
    let dir = bad.path().join("broken");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("connector.toml"), "key = \"broken\"\nname = 5\n").expect("write");
    let s = start().await;
    let mut cmd = s.command();
    cmd.env("LINKHUB_CATALOG", bad.path())
        .args(["serve", "--port", "0"]);
    let out = cmd.output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("connector.toml"), "{err}");
}

#[tokio::test]
async fn guide_import_prints_json_and_checks() {
    let s = start().await;
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../protocol/tests/fixtures/dagster-user-token.txt");
    let out = cli(&s, &["guide", "import", file.to_str().expect("path")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("guide json");
    assert!(v.is_object());
    let out = cli(
        &s,
        &["guide", "import", "--check", file.to_str().expect("path")],
    );
    assert!(out.status.code().is_some_and(|c| c == 0 || c == 1));
    let broken = s.data_dir.path().join("broken.mdx");
    std::fs::write(&broken, "no title here\n").expect("write");
    let out = cli(
        &s,
        &["guide", "import", "--check", broken.to_str().expect("path")],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains(":1:"));
}

#[tokio::test]
async fn api_key_only_stored_as_hash() {
    let s = start().await;
    drop(s.token("o").await);
    if s.database_url.is_none() {
        let db = std::fs::read(s.data_dir.path().join("linkhub.db")).expect("db");
        let hay = String::from_utf8_lossy(&db);
        assert!(!hay.contains(API_KEY));
    }
}

// ---------------------------------------------------------------- OAuth

/// `oauth2-mock-server` from npm: `LINKHUB_OAUTH_MOCK_BIN`, else `tests/node_modules` of
/// the workspace (installed by `cargo xtask setup`).
fn oauth_mock_bin() -> std::path::PathBuf {
    if let Some(p) = std::env::var_os("LINKHUB_OAUTH_MOCK_BIN") {
        return p.into();
    }
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/node_modules/.bin/oauth2-mock-server")
}

struct Mock(std::process::Child);

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_oauth_mock() -> (Mock, String) {
    use std::io::BufRead;
    let bin = std::fs::canonicalize(oauth_mock_bin()).unwrap_or_else(|_| oauth_mock_bin());
    assert!(
        bin.exists(),
        "{} is missing: run `cargo xtask setup` (npm ci in tests/)",
        bin.display()
    );
    let port = linkhub_server::testing::free_port().expect("port");
    let mut child = std::process::Command::new(&bin)
        .args(["-a", "127.0.0.1", "-p", &port.to_string()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .expect("spawn oauth2-mock-server");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if line.contains("listening") {
                let _ = tx.send(());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(30))
        .expect("oauth2-mock-server did not start");
    (Mock(child), format!("http://127.0.0.1:{port}"))
}

fn copy_catalog_with_oauth(base: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("dir");
    for entry in std::fs::read_dir(support::test_catalog()).expect("catalog") {
        let entry = entry.expect("entry");
        let to = dir.path().join(entry.file_name());
        std::fs::create_dir_all(&to).expect("mkdir");
        for f in std::fs::read_dir(entry.path()).expect("dir") {
            let f = f.expect("file");
            let text = std::fs::read_to_string(f.path())
                .expect("read")
                .replace("http://127.0.0.1:1", base);
            std::fs::write(to.join(f.file_name()), text).expect("write");
        }
    }
    dir
}

#[tokio::test]
async fn oauth_flow_against_oauth2_mock_server() {
    let (_mock, base) = start_oauth_mock();
    let catalog = copy_catalog_with_oauth(&base);
    let s = Server::start(Options {
        catalog: Some(catalog.path().into()),
        ..Options::default()
    })
    .await;
    let token = s.token("o-oauth").await;
    // Attempt lifecycle: create, read, cancel.
    let r = s
        .hub(Method::POST, "/hub/connection_attempts", &token)
        .json(&json!({"token": token}))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 201);
    let cancelled = body(r).await["id"].as_str().expect("id").to_string();
    let v = body(
        s.hub(
            Method::GET,
            &format!("/hub/connection_attempts/{cancelled}"),
            &token,
        )
        .send()
        .await
        .expect("req"),
    )
    .await;
    assert_eq!(v["status"], "pending");
    assert_eq!(v["account"], Value::Null);
    let v = body(
        s.hub(
            Method::DELETE,
            &format!("/hub/connection_attempts/{cancelled}"),
            &token,
        )
        .send()
        .await
        .expect("req"),
    )
    .await;
    assert_eq!(v["status"], "cancelled");
    // Another owner's token cannot see it.
    let other = s.token("someone-else").await;
    let r = s
        .hub(
            Method::GET,
            &format!("/hub/connection_attempts/{cancelled}"),
            &other,
        )
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 404);
    // A cancelled attempt cannot be started.
    let r = s
        .http
        .get(s.url(&format!(
            "/connect/oauth2/oauthy?token={token}&connection_attempt_id={cancelled}"
        )))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 404);
    // OAuth connectors do not take credentials directly.
    let r = s
        .hub(Method::POST, "/hub/accounts", &token)
        .json(&json!({"integration_id": "oauthy", "credentials": {}}))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 400);

    // The real flow, the body token alone is enough to create the attempt. The widget
    // speaks French: the result page will too.
    let r = s
        .http
        .post(s.url("/hub/connection_attempts"))
        .header("accept-language", "fr")
        .json(&json!({"token": token}))
        .send()
        .await
        .expect("req");
    let attempt = body(r).await["id"].as_str().expect("id").to_string();
    let r = s
        .http
        .get(s.url(&format!(
            "/connect/oauth2/oauthy?token={token}&connection_attempt_id={attempt}"
        )))
        .send()
        .await
        .expect("req");
    assert!(r.status().is_redirection(), "{}", r.status());
    let authorize = r.headers()["location"].to_str().expect("loc").to_string();
    let url = url::Url::parse(&authorize).expect("url");
    assert!(authorize.starts_with(&format!("{base}/authorize")));
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["scope"], "read write");
    assert!(q["state"].len() >= 40);
    // The provider redirects back with a code.
    let r = s.http.get(&authorize).send().await.expect("authorize");
    assert!(
        r.status().is_redirection(),
        "mock authorize: {}",
        r.status()
    );
    let callback = r.headers()["location"].to_str().expect("loc").to_string();
    assert!(
        callback.starts_with(&s.url("/connect/oauth2/callback?")),
        "{callback}"
    );
    let r = s
        .http
        .get(&callback)
        .header("accept-language", "en-US,en;q=0.9")
        .send()
        .await
        .expect("callback");
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_string();
    assert!(csp.contains("script-src 'self'"));
    let html = r.text().await.expect("html");
    assert!(
        html.contains("data-status=\"authenticated\""),
        "{html}\n{}",
        s.log()
    );
    assert!(!html.contains("<script>"), "no inline script");
    assert!(
        html.contains("lang=\"fr\" dir=\"ltr\"")
            && html.contains("Votre compte est connecté. Vous pouvez fermer cette fenêtre."),
        "the attempt's language, not the popup's: {html}"
    );
    let v = body(
        s.hub(
            Method::GET,
            &format!("/hub/connection_attempts/{attempt}"),
            &token,
        )
        .send()
        .await
        .expect("req"),
    )
    .await;
    assert_eq!(v["status"], "authenticated", "{v}");
    let account = v["account"]["id"].as_str().expect("account id");
    let v = body(
        s.api(Method::GET, &format!("/accounts/{account}"))
            .send()
            .await
            .expect("req"),
    )
    .await;
    assert_eq!(v["provider"], "oauthy");
    assert_eq!(v["origin_owner_id"], "o-oauth");
    // The callback cannot be replayed. The attempt is no longer known: the popup's own
    // languages decide.
    let r = s
        .http
        .get(&callback)
        .header("accept-language", "ar-EG, en;q=0.5")
        .send()
        .await
        .expect("replay");
    assert_eq!(r.status(), 400);
    let html = r.text().await.expect("html");
    assert!(
        html.contains("lang=\"ar\" dir=\"rtl\"")
            && html.contains("رابط تسجيل الدخول هذا غير معروف"),
        "{html}"
    );
    let r = s
        .http
        .get(s.url("/connect/oauth2/callback.js"))
        .send()
        .await
        .expect("js");
    assert!(
        r.headers()["content-type"]
            .to_str()
            .expect("ct")
            .contains("javascript")
    );
}
