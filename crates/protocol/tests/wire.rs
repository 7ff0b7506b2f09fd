//! Round-trip tests on JSON shaped like StackOne's responses: every fixture must parse
//! into our types and serialize back to the same JSON, so a field renamed by accident
//! (camelCase vs snake_case) fails here rather than in a customer's client.

use linkhub_protocol::api::{
    Account, AccountFilter, AccountStatus, ConnectSession, CreateConnectSession, WebhookEvent,
    WebhookEventType,
};
use linkhub_protocol::config::{
    Condition, ConnectorType, FieldType, NoticePosition, ValidationKind,
};
use linkhub_protocol::hub::{
    AttemptStatus, ConnectionAttempt, ConnectorDetail, ConnectorList, CreateAccountRequest,
    CreateConnectionAttempt, ErrorBody, HubAccount, HubSettings, REDACTED_PREFIX, is_redacted,
    redact,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("fixture readable");
    serde_json::from_str(&text).expect("fixture is JSON")
}

/// Parse a fixture into `T`, check it serializes back to the same JSON, return it.
fn round_trip<T: DeserializeOwned + Serialize>(name: &str) -> T {
    let original = fixture(name);
    let parsed: T = serde_json::from_value(original.clone()).expect("fixture parses");
    let back = serde_json::to_value(&parsed).expect("serializes");
    assert_eq!(back, original, "{name} does not round-trip");
    parsed
}

#[test]
fn connector_list_round_trips() {
    let list: ConnectorList = round_trip("connector_list.json");
    assert_eq!(list.integrations.len(), 2);
    assert_eq!(list.integrations[0].category, "data");
    assert!(!list.integrations[1].active);
}

#[test]
fn connector_detail_round_trips_with_every_field_attribute() {
    let detail: ConnectorDetail = round_trip("connector_detail.json");
    let c = &detail.config;
    assert_eq!(c.connector_type, ConnectorType::Custom);
    let token = c.field("user_token").expect("field");
    assert_eq!(token.field_type, FieldType::Password);
    assert!(token.secret && token.required && !token.read_only);
    let v = token.validation.as_ref().expect("validation");
    assert_eq!(v.kind, ValidationKind::HtmlPattern);
    assert_eq!(
        c.field("notes").map(|f| f.field_type),
        Some(FieldType::TextArea)
    );
    assert!(matches!(
        c.field("eu_cluster").and_then(|f| f.condition.as_ref()),
        Some(Condition::Equals { field, .. }) if field == "region"
    ));
    assert_eq!(c.config_notices[1].position, NoticePosition::Bottom);
    assert_eq!(c.config_notices[1].anchor.as_deref(), Some("user_token"));
    assert_eq!(detail.hub_settings.configured_webhook_events.len(), 2);
}

#[test]
fn oauth_connector_detail_round_trips() {
    let detail: ConnectorDetail = round_trip("connector_detail_oauth.json");
    assert_eq!(detail.config.connector_type, ConnectorType::Oauth2);
    assert_eq!(
        detail.config.grant_type.as_deref(),
        Some("authorization_code")
    );
    assert_eq!(
        detail.config.preview.as_deref(),
        Some("https://app.hubspot.com/{portal}")
    );
}

#[test]
fn hub_account_is_camel_case() {
    let acc: HubAccount = round_trip("hub_account.json");
    assert_eq!(acc.secure_id, "acc_2a9f7c");
    assert_eq!(acc.integration_id, "dagster");
    let secret = acc
        .secrets
        .as_ref()
        .and_then(|s| s.get("user_token"))
        .expect("secret");
    assert!(is_redacted(secret));
}

#[test]
fn hub_account_accepts_a_numeric_version() {
    let acc: HubAccount = serde_json::from_value(json!({
        "secureId": "a", "provider": "p", "setupInformation": {}, "version": 2, "integrationId": "p"
    }))
    .expect("parses");
    assert_eq!(acc.version.as_deref(), Some("2"));
    assert_eq!(acc.secrets, None);
}

#[test]
fn connect_session_request_round_trips_and_defaults() {
    let req: CreateConnectSession = round_trip("connect_session_request.json");
    assert!(req.multiple());
    assert_eq!(req.expires_in_or_default(), 3600);
    let minimal: CreateConnectSession =
        serde_json::from_value(json!({"origin_owner_id": "42", "origin_owner_name": "Acme"}))
            .expect("parses");
    assert!(!minimal.multiple());
    assert_eq!(minimal.expires_in_or_default(), 1800);
    // Optional fields stay off the wire when unset.
    assert_eq!(
        serde_json::to_value(&minimal).expect("serializes"),
        json!({"origin_owner_id": "42", "origin_owner_name": "Acme"})
    );
    let missing = serde_json::from_value::<CreateConnectSession>(json!({"origin_owner_id": "42"}));
    assert!(missing.is_err(), "origin_owner_name is required");
}

#[test]
fn connect_session_request_takes_stackone_scopes_relink_and_shared() {
    let base = json!({"origin_owner_id": "42", "origin_owner_name": "Acme"});
    let with = |k: &str, v: Value| {
        let mut body = base.clone();
        body[k] = v;
        serde_json::from_value::<CreateConnectSession>(body)
    };
    let scoped = with("scopes", json!(["employees:read"])).expect("a list of scopes");
    assert_eq!(scoped.scopes, Some(vec!["employees:read".to_string()]));
    // StackOne documents a boolean: accepted, read as no scopes.
    assert_eq!(with("scopes", json!(true)).expect("boolean").scopes, None);
    assert_eq!(with("scopes", Value::Null).expect("null").scopes, None);
    assert!(with("scopes", json!("employees:read")).is_err());
    assert_eq!(
        with("relink", json!(true)).expect("relink").relink,
        Some(true)
    );
    assert_eq!(
        with("shared", json!(false)).expect("shared").shared,
        Some(false)
    );
    assert!(
        !with("multiple", Value::Null)
            .expect("null multiple")
            .multiple()
    );
    // Anything else is refused, by name (a typo must not be silently ignored).
    let typo = with("scopez", json!(["a"])).expect_err("unknown field");
    assert!(typo.to_string().contains("scopez"), "{typo}");
}

#[test]
fn debug_output_never_shows_tokens_or_credentials() {
    let session: ConnectSession = round_trip("connect_session.json");
    let token = session.token.expose().clone();
    assert!(!format!("{session:?}").contains(&token));
    let request: CreateAccountRequest = serde_json::from_value(json!({
        "integration_id": "dagster", "credentials": {"user_token": "user:0afb128e5708"}
    }))
    .expect("parses");
    let shown = format!("{request:?}");
    assert!(
        !shown.contains("0afb128e5708") && shown.contains("user_token"),
        "{shown}"
    );
    let attempt: CreateConnectionAttempt =
        serde_json::from_value(json!({"token": "tok_secret_value", "integration_id": "hubspot"}))
            .expect("parses");
    assert!(!format!("{attempt:?}").contains("tok_secret_value"));
}

#[test]
fn connect_session_response_round_trips_with_nulls() {
    let s: ConnectSession = round_trip("connect_session.json");
    assert_eq!(s.origin_username, None);
    assert!(s.auth_link_url.expose().contains('#'));
}

#[test]
fn account_round_trips_and_filters() {
    let acc: Account = round_trip("account.json");
    assert_eq!(acc.status, AccountStatus::Error);
    assert_eq!(
        acc.status_reasons[0].description.as_deref(),
        Some("Token revoked")
    );
    let mut f = AccountFilter {
        provider: Some("dagster".into()),
        ..AccountFilter::default()
    };
    assert!(f.matches(&acc));
    f.status = Some(AccountStatus::Active);
    assert!(!f.matches(&acc));
    assert_eq!(
        "inactive".parse::<AccountStatus>(),
        Ok(AccountStatus::Inactive)
    );
    assert!("gone".parse::<AccountStatus>().is_err());
}

#[test]
fn connection_attempts_round_trip() {
    let p: ConnectionAttempt = round_trip("connection_attempt_pending.json");
    assert_eq!(p.status, AttemptStatus::Pending);
    assert!(!p.status.is_final());
    let e: ConnectionAttempt = round_trip("connection_attempt_error.json");
    assert_eq!(e.error.map(|e| e.code).as_deref(), Some("access_denied"));
    let d: ConnectionAttempt = round_trip("connection_attempt_done.json");
    assert_eq!(d.account.map(|a| a.id).as_deref(), Some("acc_2a9f7c"));
    for s in ["cancelled", "expired"] {
        let a: ConnectionAttempt =
            serde_json::from_value(json!({"status": s, "account": null, "error": null})).expect(s);
        assert!(a.status.is_final());
    }
}

#[test]
fn error_bodies_round_trip() {
    let e: ErrorBody = round_trip("error_400.json");
    assert_eq!(e.status_code, 400);
    let p: ErrorBody = round_trip("error_provider.json");
    assert!(p.provider_response.is_some());
    assert_eq!(
        serde_json::to_value(ErrorBody {
            status_code: 401,
            message: "Session expired".into(),
            provider_response: None,
            fields: None,
            code: None
        })
        .expect("serializes"),
        json!({"statusCode": 401, "message": "Session expired"})
    );
}

#[test]
fn webhook_event_round_trips() {
    let w: WebhookEvent = round_trip("webhook_account_created.json");
    assert_eq!(w.event_type, WebhookEventType::AccountCreated);
    assert_eq!(w.event_type.as_str(), "account.created");
    let deleted = json!({"id": "e", "type": "account.deleted", "timestamp": "t",
        "data": {"id": "a", "provider": "p", "origin_owner_id": "o", "origin_owner_name": "n"}});
    let d: WebhookEvent = serde_json::from_value(deleted.clone()).expect("parses");
    assert_eq!(d.event_type, WebhookEventType::AccountDeleted);
    assert_eq!(serde_json::to_value(&d).expect("serializes"), deleted);
}

#[test]
fn connect_session_completed_is_its_own_event_shape() {
    let completed = json!({"id": "msg_1", "type": "connect_session.completed", "timestamp": "t",
        "data": {"id": "ses_1", "origin_owner_id": "o", "origin_owner_name": "n",
            "plan_id": "plan_1", "accounts": [{"id": "acc_1", "provider": "dagster"}],
            "completed_at": "t"}});
    let e: linkhub_protocol::api::SessionWebhookEvent =
        serde_json::from_value(completed.clone()).expect("parses");
    assert_eq!(e.event_type, WebhookEventType::ConnectSessionCompleted);
    assert_eq!(e.event_type.as_str(), "connect_session.completed");
    assert_eq!(serde_json::to_value(&e).expect("serializes"), completed);
    // An account event reader does not mistake it for an account event.
    assert!(serde_json::from_value::<WebhookEvent>(completed).is_err());
}

#[test]
fn settings_and_create_account_round_trip() {
    let s: HubSettings = round_trip("hub_settings.json");
    assert_eq!(s.existing_account_id.as_deref(), Some("acc_2a9f7c"));
    let empty: HubSettings =
        serde_json::from_value(json!({"enabled_features": []})).expect("parses");
    assert_eq!(
        serde_json::to_value(&empty).expect("ser"),
        json!({"enabled_features": []})
    );
    let c: CreateAccountRequest = round_trip("create_account.json");
    assert_eq!(c.credentials.get("port"), Some(&json!(8080)));
}

#[test]
fn unknown_field_types_and_conditions_degrade() {
    let field: linkhub_protocol::config::ConfigField = serde_json::from_value(json!({
        "key": "k", "label": "K", "type": "date_picker",
        "condition": "region == 'eu'",
        "options": [{"label": "One", "value": 1}]
    }))
    .expect("lenient");
    assert_eq!(field.field_type, FieldType::Unknown);
    assert!(matches!(field.condition, Some(Condition::Other(_))));
    assert!(
        field.is_visible(&[("region", "us")][..]),
        "unknown condition shows the field"
    );
    assert_eq!(
        field.options.map(|o| o[0].value.clone()).as_deref(),
        Some("1")
    );
}

#[test]
fn redaction_keeps_at_most_four_characters_of_long_secrets() {
    assert_eq!(
        redact("user:0afb128e57084fce8fd15c62d75e4bd6"),
        format!("{REDACTED_PREFIX}4bd6")
    );
    assert_eq!(redact("12345678901"), REDACTED_PREFIX, "11 chars: no tail");
    assert_eq!(redact("123456789012"), format!("{REDACTED_PREFIX}9012"));
    assert_eq!(redact(""), REDACTED_PREFIX);
    assert_eq!(
        redact("ééééééééééé€"),
        format!("{REDACTED_PREFIX}ééé€"),
        "counts characters"
    );
    assert!(is_redacted("__secretvalue:**redacted**abcd"));
    assert!(!is_redacted("user:0afb"));
}
