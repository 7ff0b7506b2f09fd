//! Host backend → API types (server to server, HTTP Basic with the project's API key).
//!
//! Timestamps are RFC 3339 strings: this crate also ships to the widget, where a date
//! library would only add size, and the server formats them itself.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Default lifetime of an embedded connect session, in seconds.
pub const DEFAULT_SESSION_EXPIRES_IN: i64 = 1800;

/// `POST /connect_sessions` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateConnectSession {
    /// The end user's id in the host's own system.
    pub origin_owner_id: String,
    pub origin_owner_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<String>>,
    /// Open directly on one connector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Edit / re-authenticate an existing account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// Seconds; [`DEFAULT_SESSION_EXPIRES_IN`] when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<i64>,
    /// Allow several accounts per owner + provider.
    #[serde(default)]
    pub multiple: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Echoed back on the account and in webhooks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Value>,
}

impl CreateConnectSession {
    /// The requested lifetime, or the default one.
    pub fn expires_in_or_default(&self) -> i64 {
        self.expires_in.unwrap_or(DEFAULT_SESSION_EXPIRES_IN)
    }
}

/// `POST /connect_sessions` 201 response. Optional request fields come back as `null`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectSession {
    pub id: String,
    pub organization_id: String,
    pub project_id: String,
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
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub metadata: Option<serde_json::Value>,
    /// The session token the widget sends as `x-hub-session-token`.
    pub token: String,
    /// Opens the standalone hub page for this session.
    pub auth_link_url: String,
    pub created_at: String,
    pub expires_at: String,
}

/// Status of a linked account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
}

impl std::str::FromStr for AccountStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "active" => Ok(AccountStatus::Active),
            "inactive" => Ok(AccountStatus::Inactive),
            "error" => Ok(AccountStatus::Error),
            other => Err(format!("unknown account status `{other}`")),
        }
    }
}

/// One entry of `status_reasons`. StackOne sends objects; unknown fields are kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct StatusReason {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// `GET /accounts` item and `GET /accounts/{id}`. Secrets are never part of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    pub provider: String,
    #[serde(default)]
    pub provider_name: Option<String>,
    pub status: AccountStatus,
    #[serde(default)]
    pub status_reasons: Vec<StatusReason>,
    pub origin_owner_id: String,
    pub origin_owner_name: String,
    #[serde(default)]
    pub origin_username: Option<String>,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub setup_information: BTreeMap<String, serde_json::Value>,
    /// Extension: the connect session's metadata, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Value>,
    pub created_at: String,
    pub updated_at: String,
}

/// Query string of `GET /accounts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct AccountFilter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_owner_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<AccountStatus>,
}

impl AccountFilter {
    /// Whether an account passes every filter that is set.
    pub fn matches(&self, account: &Account) -> bool {
        self.origin_owner_id
            .as_ref()
            .is_none_or(|o| *o == account.origin_owner_id)
            && self
                .provider
                .as_ref()
                .is_none_or(|p| *p == account.provider)
            && self.status.is_none_or(|s| s == account.status)
    }
}

/// Webhook event types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WebhookEventType {
    #[serde(rename = "account.created")]
    AccountCreated,
    #[serde(rename = "account.updated")]
    AccountUpdated,
    #[serde(rename = "account.deleted")]
    AccountDeleted,
}

impl WebhookEventType {
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookEventType::AccountCreated => "account.created",
            WebhookEventType::AccountUpdated => "account.updated",
            WebhookEventType::AccountDeleted => "account.deleted",
        }
    }
}

/// A webhook delivery body. Signing (Standard Webhooks headers) is the server's job;
/// the `id` doubles as the `webhook-id` header so receivers can de-duplicate retries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookEvent {
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: WebhookEventType,
    /// RFC 3339.
    pub timestamp: String,
    pub data: WebhookAccountData,
}

/// The account a webhook is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookAccountData {
    /// The account id.
    pub id: String,
    pub provider: String,
    pub origin_owner_id: String,
    pub origin_owner_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<AccountStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Value>,
}
