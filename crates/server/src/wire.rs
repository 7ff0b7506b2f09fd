//! Request and response bodies of the HTTP API, with their OpenAPI schemas.
//!
//! Field names follow `shared/protocol.md` exactly. These mirror `linkhub_protocol`'s
//! types (the integration tests parse our responses with the protocol crate's types to
//! keep the two in step); they live here because the schemas need `utoipa`, which the
//! protocol crate (shared with the wasm widget) deliberately does not depend on.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// Error body of every failed call.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// The HTTP status, always present.
    #[serde(rename = "statusCode")]
    pub status_code: u16,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_response: Option<Value>,
    /// Extension: a message per invalid field on a 400.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, String>>,
}

/// `POST /connect_sessions` request.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateConnectSession {
    pub origin_owner_id: String,
    pub origin_owner_name: String,
    #[serde(default)]
    pub origin_username: Option<String>,
    #[serde(default)]
    pub categories: Option<Vec<String>>,
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub account_id: Option<String>,
    /// Seconds; default 1800.
    #[serde(default)]
    pub expires_in: Option<i64>,
    #[serde(default)]
    pub multiple: Option<bool>,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
}

/// `POST /connect_sessions` response (201).
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct ConnectSession {
    pub id: String,
    pub organization_id: String,
    pub project_id: String,
    pub origin_owner_id: String,
    pub origin_owner_name: String,
    pub origin_username: Option<String>,
    pub categories: Option<Vec<String>>,
    pub provider: Option<String>,
    pub account_id: Option<String>,
    pub label: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    pub multiple: bool,
    /// The session token for the widget (`x-hub-session-token`).
    pub token: String,
    /// The standalone hub page; the token is in the URL fragment.
    pub auth_link_url: String,
    pub created_at: String,
    pub expires_at: String,
}

impl fmt::Debug for ConnectSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectSession")
            .field("id", &self.id)
            .field("origin_owner_id", &self.origin_owner_id)
            .field("token", &"**redacted**")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Account status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AccountStatus {
    Active,
    Inactive,
    Error,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::Inactive => "inactive",
            AccountStatus::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<AccountStatus> {
        match s {
            "active" => Some(AccountStatus::Active),
            "inactive" => Some(AccountStatus::Inactive),
            "error" => Some(AccountStatus::Error),
            _ => None,
        }
    }
}

/// An account as the host backend sees it (`GET /accounts…`). Never carries secrets.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Account {
    pub id: String,
    pub provider: String,
    pub provider_name: String,
    pub status: AccountStatus,
    pub status_reasons: Vec<String>,
    pub origin_owner_id: String,
    pub origin_owner_name: String,
    pub origin_username: Option<String>,
    pub label: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    #[schema(value_type = Object)]
    pub setup_information: BTreeMap<String, String>,
    pub created_at: String,
    pub updated_at: String,
}

/// `GET /accounts` query.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccountFilter {
    pub origin_owner_id: Option<String>,
    pub provider: Option<String>,
    /// `active`, `inactive` or `error`.
    pub status: Option<String>,
}

/// `GET /hub/settings` response.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HubSettings {
    pub enabled_features: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing_account_id: Option<String>,
    /// Extension: the session's provider, when it opens directly on one connector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Extension: when the session expires (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

/// One connector in `GET /hub/connectors`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ConnectorSummary {
    pub active: bool,
    pub name: String,
    pub provider: String,
    /// The category (`hris`, `crm`, …).
    #[serde(rename = "type")]
    pub category: String,
    pub version: Option<String>,
    pub authentication_config_key: Option<String>,
    pub environment: Option<String>,
    pub integration_id: String,
    pub logo_url: Option<String>,
}

/// `GET /hub/connectors` response.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ConnectorList {
    pub integrations: Vec<ConnectorSummary>,
}

/// `GET /hub/connectors` query.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConnectorQuery {
    pub provider: Option<String>,
}

/// `hub_settings` of a connector detail.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HubConnectorSettings {
    pub configured_webhook_events: Vec<String>,
    #[schema(value_type = Object)]
    pub project_settings: Value,
}

/// `GET /hub/connectors/{integration_id}` response.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ConnectorDetail {
    /// The connector's linking form (`shared/protocol.md`, "config").
    #[schema(value_type = Object)]
    pub config: Value,
    pub hub_settings: HubConnectorSettings,
}

/// `POST /hub/accounts` and `PATCH /hub/accounts/{id}` body.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateAccountRequest {
    pub integration_id: String,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub credentials: BTreeMap<String, Value>,
}

impl fmt::Debug for CreateAccountRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateAccountRequest")
            .field("integration_id", &self.integration_id)
            .field("credentials", &self.credentials.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// `POST /hub/accounts` response.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreatedAccount {
    pub id: String,
    pub provider: String,
}

/// `GET /hub/accounts/{id}` response: secrets redacted.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HubAccount {
    /// Same as `secureId`; lets `{id, provider}` clients read a PATCH response.
    pub id: String,
    #[serde(rename = "secureId")]
    pub secure_id: String,
    pub provider: String,
    #[serde(rename = "setupInformation")]
    #[schema(value_type = Object)]
    pub setup_information: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub secrets: Option<BTreeMap<String, String>>,
    pub version: i64,
    #[serde(rename = "integrationId")]
    pub integration_id: String,
}

/// Prefix of a redacted secret value.
pub const REDACTED_PREFIX: &str = "__secretvalue:**redacted**";

/// The redacted form of a secret: the prefix plus at most its last four characters
/// (none for short values, so a short secret is not half revealed).
pub fn redact(value: &str) -> String {
    let n = value.chars().count();
    let keep = if n >= 12 { 4 } else { 0 };
    let tail: String = value.chars().skip(n - keep).collect();
    format!("{REDACTED_PREFIX}{tail}")
}

/// Whether a value is a redacted placeholder sent back unchanged.
pub fn is_redacted(value: &str) -> bool {
    value.starts_with(REDACTED_PREFIX)
}

/// `POST /hub/connection_attempts` body.
#[derive(Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct CreateConnectionAttempt {
    /// The session token (optional when the header carries it).
    #[serde(default)]
    pub token: Option<String>,
    /// Extension: the connector this attempt is for.
    #[serde(default)]
    pub integration_id: Option<String>,
}

impl fmt::Debug for CreateConnectionAttempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateConnectionAttempt")
            .field("integration_id", &self.integration_id)
            .finish_non_exhaustive()
    }
}

/// `POST /hub/connection_attempts` response.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ConnectionAttemptCreated {
    pub id: String,
}

/// Status of an OAuth connection attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AttemptStatus {
    Pending,
    Authenticated,
    Error,
    Cancelled,
    Expired,
}

impl AttemptStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptStatus::Pending => "pending",
            AttemptStatus::Authenticated => "authenticated",
            AttemptStatus::Error => "error",
            AttemptStatus::Cancelled => "cancelled",
            AttemptStatus::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> AttemptStatus {
        match s {
            "authenticated" => AttemptStatus::Authenticated,
            "error" => AttemptStatus::Error,
            "cancelled" => AttemptStatus::Cancelled,
            "expired" => AttemptStatus::Expired,
            _ => AttemptStatus::Pending,
        }
    }
}

/// `{ id }` of the account an attempt produced.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AttemptAccount {
    pub id: String,
}

/// Why an attempt failed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AttemptError {
    pub code: String,
    pub description: String,
}

/// `GET /hub/connection_attempts/{id}` response.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ConnectionAttempt {
    pub id: String,
    pub status: AttemptStatus,
    pub account: Option<AttemptAccount>,
    pub error: Option<AttemptError>,
}

/// A webhook event body.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookEvent {
    /// `account.created`, `account.updated` or `account.deleted`.
    #[serde(rename = "type")]
    pub event_type: String,
    pub timestamp: String,
    pub data: WebhookAccount,
}

/// The account in a webhook event.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookAccount {
    pub id: String,
    pub account_id: String,
    pub provider: String,
    pub provider_name: String,
    pub status: AccountStatus,
    pub origin_owner_id: String,
    pub origin_owner_name: String,
    pub origin_username: Option<String>,
    pub label: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_keeps_at_most_four_chars_of_long_values() {
        assert_eq!(redact("abcdefghijkl1234"), "__secretvalue:**redacted**1234");
        assert_eq!(redact("short"), REDACTED_PREFIX);
        assert!(is_redacted(&redact("anything")));
    }
}
