//! Widget → API types (browser side, authenticated by a session token).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One connector in `GET /hub/connectors`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorSummary {
    pub active: bool,
    pub name: String,
    pub provider: String,
    /// The connector's category (`hris`, `crm`, …).
    #[serde(rename = "type")]
    pub category: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub authentication_config_key: Option<String>,
    #[serde(default)]
    pub environment: Option<String>,
    pub integration_id: String,
    #[serde(default)]
    pub logo_url: Option<String>,
}

/// `GET /hub/connectors` response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ConnectorList {
    pub integrations: Vec<ConnectorSummary>,
}

/// Error body of every failed call: `statusCode` is always present.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    #[serde(rename = "statusCode")]
    pub status_code: u16,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_response: Option<serde_json::Value>,
    /// Extension: per-field messages on a 400.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<std::collections::BTreeMap<String, String>>,
}

/// `GET /hub/settings` response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct HubSettings {
    #[serde(default)]
    pub enabled_features: Vec<String>,
    /// Set when the session edits an existing account (`account_id` on the connect session).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing_account_id: Option<String>,
}

/// `GET /hub/connectors/{integration_id}` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectorDetail {
    pub config: crate::config::ConnectorConfig,
    #[serde(default)]
    pub hub_settings: HubConnectorSettings,
}

/// Project-level settings sent with a connector's config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct HubConnectorSettings {
    #[serde(default)]
    pub configured_webhook_events: Vec<String>,
    /// Opaque to the widget; StackOne puts per-project switches here.
    #[serde(default)]
    pub project_settings: serde_json::Value,
}

/// Body of `POST /hub/accounts` and `PATCH /hub/accounts/{id}`.
///
/// Values are JSON values rather than strings because StackOne-style clients may send
/// numbers or booleans; `validate` reads them through [`crate::config::FieldValues`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateAccountRequest {
    pub integration_id: String,
    #[serde(default)]
    pub credentials: BTreeMap<String, serde_json::Value>,
}

/// `POST /hub/accounts` response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedAccount {
    pub id: String,
    pub provider: String,
}

/// `GET /hub/accounts/{id}` (and the `PATCH` response): camelCase on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HubAccount {
    pub secure_id: String,
    pub provider: String,
    #[serde(default)]
    pub setup_information: BTreeMap<String, serde_json::Value>,
    /// Secret values, always in [`redact`]ed form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrets: Option<BTreeMap<String, String>>,
    /// Some backends send a number here; it is kept as text.
    #[serde(
        default,
        deserialize_with = "crate::de::opt_string_like",
        skip_serializing_if = "Option::is_none"
    )]
    pub version: Option<String>,
    pub integration_id: String,
}

/// Prefix of every redacted secret value on the wire.
pub const REDACTED_PREFIX: &str = "__secretvalue:**redacted**";

/// Secrets shorter than this get no visible tail: showing 4 of 8 characters would give away half.
const REDACT_TAIL_MIN_LEN: usize = 12;
const REDACT_TAIL_LEN: usize = 4;

/// The redacted form of a secret: [`REDACTED_PREFIX`] plus its last 4 characters when the
/// secret has at least 12, so a user can recognise which token is stored.
///
/// ```
/// use linkhub_protocol::hub::{redact, is_redacted};
/// assert_eq!(redact("user:0afb128e57084fce8fd15c62d75e4bd6"), "__secretvalue:**redacted**4bd6");
/// assert_eq!(redact("short"), "__secretvalue:**redacted**");
/// assert!(is_redacted(&redact("anything")));
/// ```
pub fn redact(secret: &str) -> String {
    let count = secret.chars().count();
    if count >= REDACT_TAIL_MIN_LEN {
        let tail: String = secret.chars().skip(count - REDACT_TAIL_LEN).collect();
        format!("{REDACTED_PREFIX}{tail}")
    } else {
        REDACTED_PREFIX.to_owned()
    }
}

/// Whether a value is a redacted placeholder (the user left a stored secret untouched).
pub fn is_redacted(value: &str) -> bool {
    value.starts_with(REDACTED_PREFIX)
}

/// `POST /hub/connection_attempts` body (starts an OAuth attempt).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateConnectionAttempt {
    pub token: String,
}

/// `POST /hub/connection_attempts` response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionAttemptCreated {
    pub id: String,
}

/// State of an OAuth connection attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttemptStatus {
    Pending,
    Authenticated,
    Error,
    Cancelled,
    Expired,
}

impl AttemptStatus {
    /// Whether polling can stop.
    pub fn is_final(self) -> bool {
        !matches!(self, AttemptStatus::Pending)
    }
}

/// `GET /hub/connection_attempts/{id}` response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionAttempt {
    pub status: AttemptStatus,
    /// `null` on the wire until authenticated (serialized, not skipped: clients test for null).
    #[serde(default)]
    pub account: Option<AccountRef>,
    #[serde(default)]
    pub error: Option<AttemptError>,
}

/// The account an authenticated attempt produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRef {
    pub id: String,
}

/// Why an attempt failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptError {
    pub code: String,
    pub description: String,
}
