//! Widget → API types (browser side, authenticated by a session token).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::secret::{Secret, SecretMap};

/// One connector in `GET /hub/connectors`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// Query string of `GET /hub/connectors`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ConnectorQuery {
    /// Only this connector (by provider key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

/// Query string of `GET /hub/connectors/{integration_id}` (a linkhub extension).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ConnectorDetailQuery {
    /// The hub's language (a BCP 47 tag; its primary subtag counts): the answer's text is
    /// then in that language where the catalog has it ([`ConnectorConfig::localize`] applied
    /// by the server) and carries no `translations`. Without it, the English text and every
    /// translation are sent, as a StackOne-style client that knows nothing of them expects.
    ///
    /// [`ConnectorConfig::localize`]: crate::config::ConnectorConfig::localize
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
}

/// `GET /hub/connectors` response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConnectorList {
    pub integrations: Vec<ConnectorSummary>,
}

/// Error body of every failed call: `statusCode` is always present.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    #[serde(rename = "statusCode")]
    pub status_code: u16,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub provider_response: Option<serde_json::Value>,
    /// Extension: per-field messages on a 400.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<std::collections::BTreeMap<String, String>>,
    /// Extension: a stable code for errors a client may handle specially (see
    /// [`crate::onboarding::error_code`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// `GET /hub/settings` response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HubSettings {
    #[serde(default)]
    pub enabled_features: Vec<String>,
    /// Set when the session edits an existing account (`account_id` on the connect session).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing_account_id: Option<String>,
    /// Extension: the session's provider, when it opens directly on one connector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Extension: when the session expires (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// Extension: the guide scopes the host backend set on the connect session (`scopes`);
    /// empty: none set. The widget combines them with its own `scopes` option.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// Extension: what this backend offers beyond the StackOne protocol (see
    /// [`crate::onboarding::extension`]); empty: nothing, so the widget hides it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extensions: Vec<String>,
    /// Extension: the session's onboarding plan with its progress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onboarding: Option<crate::onboarding::OnboardingProgress>,
}

/// `GET /hub/connectors/{integration_id}` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConnectorDetail {
    pub config: crate::config::ConnectorConfig,
    /// (The widget, this crate's one wasm32 reader, has no use for them and carries no code
    /// to read them.)
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", serde(skip_deserializing))]
    pub hub_settings: HubConnectorSettings,
    /// Extension: this backend checks this connector's credentials with the provider before
    /// it stores them (it offers `credential_checks` in `/hub/settings`, and the connector
    /// declares a check). Absent, a client assumes no check.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub credential_check: bool,
}

/// Project-level settings sent with a connector's config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HubConnectorSettings {
    #[serde(default)]
    pub configured_webhook_events: Vec<String>,
    /// Opaque to the widget; StackOne puts per-project switches here.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub project_settings: serde_json::Value,
}

/// Body of `POST /hub/accounts` and `PATCH /hub/accounts/{id}`.
///
/// Values are JSON values rather than strings because StackOne-style clients may send
/// numbers or booleans; `validate` reads them through [`crate::config::FieldValues`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateAccountRequest {
    pub integration_id: String,
    /// The form's values by field key; never printed (see [`SecretMap`]).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub credentials: SecretMap,
}

/// `POST /hub/accounts` response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedAccount {
    pub id: String,
    pub provider: String,
}

/// `GET /hub/accounts/{id}` (and the `PATCH` response): camelCase on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct HubAccount {
    /// Extension: the same as `secureId`, so a client that reads `{ id, provider }` (the
    /// `POST` answer) also reads the `PATCH` answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub secure_id: String,
    pub provider: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub setup_information: BTreeMap<String, serde_json::Value>,
    /// Secret values, always in [`redact`]ed form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrets: Option<BTreeMap<String, String>>,
    /// The account's revision (linkhub counts 1, 2, … as text); some backends send a
    /// number here, which is kept as text.
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateConnectionAttempt {
    /// The session token; may be left out when the `x-hub-session-token` header carries it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub token: Option<Secret<String>>,
    /// Extension: the connector the attempt is for (the OAuth popup's URL names it too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration_id: Option<String>,
}

/// `POST /hub/connection_attempts` response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConnectionAttemptCreated {
    pub id: String,
}

/// State of an OAuth connection attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

    /// Whether polling can stop.
    pub fn is_final(self) -> bool {
        !matches!(self, AttemptStatus::Pending)
    }
}

impl std::str::FromStr for AttemptStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            AttemptStatus::Pending,
            AttemptStatus::Authenticated,
            AttemptStatus::Error,
            AttemptStatus::Cancelled,
            AttemptStatus::Expired,
        ]
        .into_iter()
        .find(|status| status.as_str() == s)
        .ok_or_else(|| format!("unknown attempt status `{s}`"))
    }
}

/// `GET /hub/connection_attempts/{id}` response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConnectionAttempt {
    /// Extension: the attempt's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub status: AttemptStatus,
    /// `null` on the wire until authenticated (serialized, not skipped: clients test for null).
    #[serde(default)]
    pub account: Option<AccountRef>,
    #[serde(default)]
    pub error: Option<AttemptError>,
}

/// The account an authenticated attempt produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountRef {
    pub id: String,
}

/// Why an attempt failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttemptError {
    pub code: String,
    pub description: String,
}
