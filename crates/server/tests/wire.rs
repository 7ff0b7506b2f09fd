//! The wire model, end to end: every JSON answer of the server (and a webhook body as a
//! receiver gets it) is read with `linkhub_protocol`'s types, without a field left over;
//! the OpenAPI document, the router and `docs/protocol.md` name the same calls; and the
//! connect session's StackOne fields (`scopes`, `relink`, `shared`) are accepted.

mod support;

use std::collections::BTreeSet;

use linkhub_protocol::api::{
    Account, AccountStatus, ConnectSession, WebhookEvent, WebhookEventType,
};
use linkhub_protocol::hub::{
    AttemptStatus, ConnectionAttempt, ConnectionAttemptCreated, ConnectorDetail, ConnectorList,
    CreateAccountRequest, CreateConnectionAttempt, CreatedAccount, ErrorBody, HubAccount,
    HubSettings,
};
use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use support::{Options, TestApp, wait_for};

/// Every key of `sent` (recursively) is in `kept`, except `null`s the type leaves out.
fn assert_covers(sent: &Value, kept: &Value, at: &str) {
    match (sent, kept) {
        (Value::Object(sent), Value::Object(kept)) => {
            for (k, v) in sent {
                match kept.get(k) {
                    Some(w) => assert_covers(v, w, &format!("{at}.{k}")),
                    None => assert!(v.is_null(), "{at}.{k} is not in the protocol type"),
                }
            }
        }
        (Value::Array(sent), Value::Array(kept)) => {
            assert_eq!(sent.len(), kept.len(), "{at}");
            for (i, (v, w)) in sent.iter().zip(kept).enumerate() {
                assert_covers(v, w, &format!("{at}[{i}]"));
            }
        }
        _ => {}
    }
}

/// `text` read as `T`, which must keep every field the server sent.
fn exact<T: DeserializeOwned + Serialize>(text: &str, what: &str) -> T {
    let sent: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{what}: {e}: {text}"));
    let parsed: T = serde_json::from_value(sent.clone())
        .unwrap_or_else(|e| panic!("{what} does not parse as the protocol type: {e}: {text}"));
    let kept = serde_json::to_value(&parsed).expect("serializes");
    assert_covers(&sent, &kept, what);
    parsed
}

/// Sends `req`, checks the status, reads the answer as `T`.
async fn answer<T: DeserializeOwned + Serialize>(req: reqwest::RequestBuilder, status: u16) -> T {
    let r = req.send().await.expect("request");
    let what = format!("{} {}", r.status(), r.url().path());
    assert_eq!(r.status().as_u16(), status, "{what}");
    exact(&r.text().await.expect("body"), &what)
}

#[tokio::test]
async fn every_answer_and_a_real_webhook_parse_with_the_protocol_types() {
    let (s, got) = TestApp::spawn_with_receiver().await;

    let session: ConnectSession = answer(
        s.api(Method::POST, "/connect_sessions").json(&json!({
            "origin_owner_id": "w1", "origin_owner_name": "Wire Inc",
            "origin_username": "jane@wire.example", "label": "Production",
            "metadata": {"plan": "pro"}, "scopes": ["employees:read"], "multiple": false,
        })),
        201,
    )
    .await;
    let token = session.token.expose().clone();
    assert!(
        !format!("{session:?}").contains(&token),
        "Debug hides the token"
    );

    let settings: HubSettings = answer(s.hub(Method::GET, "/hub/settings", &token), 200).await;
    assert_eq!(settings.scopes, ["employees:read"]);
    let list: ConnectorList = answer(s.hub(Method::GET, "/hub/connectors", &token), 200).await;
    assert!(list.integrations.iter().any(|c| c.provider == "acme_hr"));
    for id in ["acme_hr", "oauthy"] {
        let detail: ConnectorDetail = answer(
            s.hub(Method::GET, &format!("/hub/connectors/{id}"), &token),
            200,
        )
        .await;
        assert_eq!(detail.config.key, id);
        assert!(
            detail.config.assets.icon.is_some(),
            "the logo's URL is added"
        );
    }

    let refused: ErrorBody = answer(
        s.hub(Method::POST, "/hub/accounts", &token).json(&json!({
            "integration_id": "acme_hr", "credentials": {"subdomain": "Not a subdomain!"}
        })),
        400,
    )
    .await;
    assert!(refused.fields.is_some_and(|f| f.contains_key("subdomain")));

    let body = CreateAccountRequest {
        integration_id: "acme_hr".into(),
        credentials: [
            ("subdomain".to_string(), json!("acme")),
            ("api_key".to_string(), json!("wire-secret-1111")),
        ]
        .into_iter()
        .collect(),
    };
    assert!(
        !format!("{body:?}").contains("wire-secret"),
        "Debug hides credentials"
    );
    let created: CreatedAccount = answer(
        s.hub(Method::POST, "/hub/accounts", &token)
            .header("idempotency-key", "wire-1")
            .json(&body),
        201,
    )
    .await;
    let path = format!("/hub/accounts/{}", created.id);
    let account: HubAccount = answer(s.hub(Method::GET, &path, &token), 200).await;
    assert_eq!(account.secure_id, created.id);
    assert_eq!(account.version.as_deref(), Some("1"));
    assert!(
        account
            .secrets
            .as_ref()
            .is_some_and(|m| m.values().all(|v| linkhub_protocol::hub::is_redacted(v)))
    );
    let patched: HubAccount = answer(
        s.hub(Method::PATCH, &path, &token).json(&json!({
            "integration_id": "acme_hr", "credentials": {"subdomain": "acme-2"}
        })),
        200,
    )
    .await;
    assert_eq!(patched.version.as_deref(), Some("2"));
    assert_eq!(patched.setup_information["subdomain"], "acme-2");

    let attempt: ConnectionAttemptCreated = answer(
        s.hub(Method::POST, "/hub/connection_attempts", &token)
            .json(&CreateConnectionAttempt {
                token: Some(token.clone().into()),
                integration_id: Some("oauthy".into()),
            }),
        201,
    )
    .await;
    let attempt_path = format!("/hub/connection_attempts/{}", attempt.id);
    let pending: ConnectionAttempt = answer(s.hub(Method::GET, &attempt_path, &token), 200).await;
    assert_eq!(pending.status, AttemptStatus::Pending);
    assert_eq!(pending.id.as_deref(), Some(attempt.id.as_str()));
    let cancelled: ConnectionAttempt =
        answer(s.hub(Method::DELETE, &attempt_path, &token), 200).await;
    assert_eq!(cancelled.status, AttemptStatus::Cancelled);

    let accounts: Vec<Account> =
        answer(s.api(Method::GET, "/accounts?origin_owner_id=w1"), 200).await;
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0].provider_name, "Acme HR");
    let one: Account = answer(
        s.api(Method::GET, &format!("/accounts/{}", created.id)),
        200,
    )
    .await;
    assert_eq!(one.status, AccountStatus::Active);
    assert_eq!(one.setup_information["subdomain"], "acme-2");
    let deleted: Account = answer(
        s.api(Method::DELETE, &format!("/accounts/{}", created.id)),
        200,
    )
    .await;
    assert_eq!(deleted.id, created.id);

    // Error answers are error bodies too.
    let _: ErrorBody = answer(s.hub(Method::GET, "/hub/settings", "no-such-token"), 401).await;
    let _: ErrorBody = answer(s.api(Method::GET, "/accounts/acc_missing"), 404).await;
    let _: ErrorBody = answer(s.api(Method::GET, "/accounts?status=bogus"), 400).await;

    // The webhooks a receiver got: created, updated, deleted, each with its id.
    let events = wait_for(&got, 3, 20).await;
    assert_eq!(events.len(), 3, "{}", s.log());
    let mut types = Vec::new();
    for (headers, body) in &events {
        let event: WebhookEvent = exact(body, "webhook body");
        assert_eq!(
            headers["webhook-id"].to_str().expect("id"),
            event.id,
            "the body's id is the webhook-id header"
        );
        assert_eq!(event.data.id, created.id);
        assert_eq!(event.data.origin_owner_id, "w1");
        assert_eq!(event.data.metadata, Some(json!({"plan": "pro"})));
        types.push(event.event_type);
    }
    types.sort_by_key(|t| t.as_str());
    assert_eq!(
        types,
        [
            WebhookEventType::AccountCreated,
            WebhookEventType::AccountDeleted,
            WebhookEventType::AccountUpdated
        ]
    );
}

#[tokio::test]
async fn connect_sessions_accept_stackone_scopes_relink_and_shared() {
    let s = TestApp::spawn_with(Options::default()).await;
    let base = json!({"origin_owner_id": "sc1", "origin_owner_name": "Scoped Inc"});
    let with = |extra: Value| {
        let mut body = base.clone();
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        body
    };

    // Scopes set by the host backend reach the widget through /hub/settings.
    let scoped = s
        .create_session(with(
            json!({"scopes": ["employees:read"], "relink": true, "shared": false}),
        ))
        .await;
    assert_eq!(scoped["scopes"], json!(["employees:read"]));
    let token = scoped["token"].as_str().expect("token");
    let settings: HubSettings = answer(s.hub(Method::GET, "/hub/settings", token), 200).await;
    assert_eq!(settings.scopes, ["employees:read"]);

    // Without scopes (or with StackOne's boolean form) the widget gets none.
    for extra in [json!({}), json!({"scopes": true}), json!({"scopes": null})] {
        let plain = s.create_session(with(extra.clone())).await;
        let token = plain["token"].as_str().expect("token");
        let r = s
            .hub(Method::GET, "/hub/settings", token)
            .send()
            .await
            .expect("req");
        let v: Value = r.json().await.expect("json");
        assert!(v.get("scopes").is_none(), "{extra}: {v}");
    }

    // A field this version does not know is still refused, by name.
    let r = s
        .api(Method::POST, "/connect_sessions")
        .json(&with(json!({"scopez": ["employees:read"]})))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 400);
    let e: ErrorBody = r.json().await.expect("error body");
    assert!(e.message.contains("scopez"), "{}", e.message);

    // Scopes must be names; relink and shared must be booleans.
    let r = s
        .api(Method::POST, "/connect_sessions")
        .json(&with(json!({"scopes": ["employees:read", " "]})))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 400);
    let e: ErrorBody = r.json().await.expect("error body");
    assert!(e.fields.is_some_and(|f| f.contains_key("scopes")));
    for bad in [json!({"relink": "yes"}), json!({"shared": 1})] {
        let r = s
            .api(Method::POST, "/connect_sessions")
            .json(&with(bad.clone()))
            .send()
            .await
            .expect("req");
        assert_eq!(r.status(), 400, "{bad}");
    }

    // They survive a restart (stored with the session, not only cached).
    let mut s = s;
    s.restart();
    let settings: HubSettings = answer(s.hub(Method::GET, "/hub/settings", token), 200).await;
    assert_eq!(settings.scopes, ["employees:read"]);
}

/// `METHOD /path` of every call `docs/protocol.md` describes (written in backticks there).
fn calls_in_protocol_doc() -> BTreeSet<String> {
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/protocol.md"),
    )
    .expect("docs/protocol.md");
    let call = regex::Regex::new(r"`(GET|POST|PATCH|DELETE|PUT) (/[^`?\s]*)").expect("regex");
    call.captures_iter(&doc)
        .map(|c| format!("{} {}", &c[1], &c[2]))
        .collect()
}

#[tokio::test]
async fn the_openapi_document_the_router_and_the_protocol_doc_agree() {
    let s = TestApp::spawn_with(Options::default()).await;
    let token = s.token("oa1").await;
    let doc: Value = s
        .http
        .get(s.url("/openapi.json"))
        .send()
        .await
        .expect("req")
        .json()
        .await
        .expect("json");
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("item").keys() {
            documented.insert(format!("{} {path}", method.to_uppercase()));
        }
    }
    assert_eq!(
        documented,
        calls_in_protocol_doc(),
        "the OpenAPI document and docs/protocol.md name the same calls"
    );

    // Every schema a path refers to is in the document, and the webhook body is too.
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    let text = doc.to_string();
    for r in regex::Regex::new(r"#/components/schemas/([A-Za-z0-9_]+)")
        .expect("regex")
        .captures_iter(&text)
    {
        assert!(
            schemas.contains_key(&r[1]),
            "{} is referred to but missing",
            &r[1]
        );
    }
    for name in [
        "WebhookEvent",
        "ConnectSession",
        "HubAccount",
        "ConnectorConfig",
    ] {
        assert!(schemas.contains_key(name), "{name} schema");
    }

    // Each documented operation is routed, and on a documented path every method the
    // router answers is documented.
    let paths: BTreeSet<&str> = documented
        .iter()
        .filter_map(|op| op.split_once(' ').map(|(_, p)| p))
        .collect();
    for path in paths {
        let concrete = path
            .replace("{id}", "nope")
            .replace("{integration_id}", "nope")
            .replace("{index}", "0");
        for method in ["GET", "POST", "PATCH", "DELETE", "PUT"] {
            let r = s
                .http
                .request(method.parse().expect("method"), s.url(&concrete))
                .basic_auth(support::API_KEY, Some(""))
                .header("x-hub-session-token", &token)
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .expect("req");
            let status = r.status().as_u16();
            let message = r
                .json::<ErrorBody>()
                .await
                .map(|e| e.message)
                .unwrap_or_default();
            let routed = status != 405
                && !(status == 404 && (message == "No such endpoint" || message == "Not found"));
            let op = format!("{method} {path}");
            assert_eq!(
                routed,
                documented.contains(&op),
                "{op}: answered {status} {message:?}"
            );
        }
    }
}
