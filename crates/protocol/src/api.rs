//! Host backend → API types (server to server, HTTP Basic with the project's API key).
//!
//! Timestamps are RFC 3339 strings: this crate also ships to the widget, where a date
//! library would only add size, and the server formats them itself.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::secret::Secret;

/// Default lifetime of an embedded connect session, in seconds.
pub const DEFAULT_SESSION_EXPIRES_IN: i64 = 1800;

/// `POST /connect_sessions` body. A field this version does not know is refused (a typo
/// would otherwise be silently ignored), naming the field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
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
    /// Allow several accounts per owner + provider (`null` and absent mean `false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiple: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Echoed back on the account and in webhooks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub metadata: Option<serde_json::Value>,
    /// The guide sections and steps to show (a guide section or step tagged with other
    /// scopes is hidden). StackOne's own API documents a boolean here: a boolean is
    /// accepted and ignored (read as no scopes).
    #[serde(
        default,
        deserialize_with = "crate::de::scope_list",
        skip_serializing_if = "Option::is_none"
    )]
    pub scopes: Option<Vec<String>>,
    /// Accepted for StackOne compatibility, stored with the session, and otherwise
    /// ignored: linkhub re-links an existing account through `account_id` (edit mode) or
    /// by owner and provider when `multiple` is false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relink: Option<bool>,
    /// Accepted for StackOne compatibility, stored with the session, and otherwise
    /// ignored: every account of a linkhub project belongs to its owner alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared: Option<bool>,
    /// Extension: an onboarding plan, the ordered steps the owner should connect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onboarding: Option<Vec<crate::onboarding::OnboardingStep>>,
}

impl CreateConnectSession {
    /// The requested lifetime, or the default one.
    pub fn expires_in_or_default(&self) -> i64 {
        self.expires_in.unwrap_or(DEFAULT_SESSION_EXPIRES_IN)
    }

    /// Whether several accounts per owner + provider are allowed.
    pub fn multiple(&self) -> bool {
        self.multiple.unwrap_or(false)
    }
}

/// `POST /connect_sessions` 201 response. Optional request fields come back as `null`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub metadata: Option<serde_json::Value>,
    /// Extension: whether the session may add accounts beside the owner's existing one
    /// (absent: `false`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub multiple: bool,
    /// Extension: the guide scopes the session was created with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// Extension: the onboarding plan with each step's state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onboarding: Option<crate::onboarding::OnboardingProgress>,
    /// The session token the widget sends as `x-hub-session-token`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub token: Secret<String>,
    /// Opens the standalone hub page for this session (it holds the token, so it is a
    /// secret too).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub auth_link_url: Secret<String>,
    pub created_at: String,
    pub expires_at: String,
}

/// Status of a linked account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusReason {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// `GET /accounts` item and `GET /accounts/{id}`. Secrets are never part of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Account {
    pub id: String,
    pub provider: String,
    /// The connector's display name (the provider key when the catalog has no such
    /// connector any more).
    #[serde(default)]
    pub provider_name: String,
    pub status: AccountStatus,
    #[serde(default)]
    pub status_reasons: Vec<StatusReason>,
    pub origin_owner_id: String,
    pub origin_owner_name: String,
    #[serde(default)]
    pub origin_username: Option<String>,
    #[serde(default)]
    pub label: Option<String>,
    /// The account's non-secret values (a linking form's plain fields), by field key.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub setup_information: BTreeMap<String, serde_json::Value>,
    /// Extension: the connect session's metadata, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub metadata: Option<serde_json::Value>,
    pub created_at: String,
    pub updated_at: String,
}

/// Query string of `GET /accounts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum WebhookEventType {
    #[serde(rename = "account.created")]
    AccountCreated,
    #[serde(rename = "account.updated")]
    AccountUpdated,
    #[serde(rename = "account.deleted")]
    AccountDeleted,
    /// Extension: every required step of an onboarding plan is done (sent once per owner
    /// and plan, as a [`SessionWebhookEvent`]).
    #[serde(rename = "connect_session.completed")]
    ConnectSessionCompleted,
}

impl WebhookEventType {
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookEventType::AccountCreated => "account.created",
            WebhookEventType::AccountUpdated => "account.updated",
            WebhookEventType::AccountDeleted => "account.deleted",
            WebhookEventType::ConnectSessionCompleted => "connect_session.completed",
        }
    }
}

/// A webhook delivery body. Signing (Standard Webhooks headers) is the server's job;
/// the `id` is also sent as the `webhook-id` header, so receivers can de-duplicate retries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookAccountData {
    /// The account id.
    pub id: String,
    /// Extension: the account id again, under the name the account API filters use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    pub provider: String,
    /// Extension: the connector's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_name: Option<String>,
    pub origin_owner_id: String,
    pub origin_owner_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<AccountStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub metadata: Option<serde_json::Value>,
}

/// Extension: a webhook about a connect session rather than an account
/// (`connect_session.completed`). Signed and delivered like [`WebhookEvent`], whose shape
/// (`account.*`) is unchanged for StackOne clients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionWebhookEvent {
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: WebhookEventType,
    /// RFC 3339.
    pub timestamp: String,
    pub data: ConnectSessionCompletedData,
}

/// `data` of `connect_session.completed`: the session whose link completed the plan, its
/// owner, the plan, and the accounts that satisfy its steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConnectSessionCompletedData {
    /// The connect session's id.
    pub id: String,
    pub origin_owner_id: String,
    pub origin_owner_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub metadata: Option<serde_json::Value>,
    /// The plan's id ([`crate::onboarding::OnboardingProgress::plan_id`]).
    pub plan_id: String,
    /// The accounts of the done steps, in plan order, each once.
    pub accounts: Vec<CompletedAccount>,
    /// RFC 3339.
    pub completed_at: String,
}

/// One account of a completed plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompletedAccount {
    pub id: String,
    pub provider: String,
}
