//! Extension: end-user onboarding, the owner's own accounts, and hand-offs.
//!
//! None of this is part of the StackOne protocol. A StackOne client never sends
//! `onboarding` and ignores the extra fields of the answers; the widget hides what a
//! backend does not announce in [`crate::hub::HubSettings::extensions`].
//!
//! A plan is an ordered list of [`OnboardingStep`]s set on a connect session. Its
//! progress is kept by the server per project, owner and plan (the same steps in the same
//! order are the same plan, whichever session carries them), so it survives closed tabs,
//! new devices and expired sessions. A step is `done` when the owner has an account of its
//! provider (or of any connector of its category); that account is the source of truth,
//! so disconnecting it turns the step back to `todo`.

use serde::{Deserialize, Serialize};

use crate::api::{AccountStatus, StatusReason};
use crate::secret::Secret;

/// The most steps a plan may have.
pub const MAX_STEPS: usize = 20;
/// The most hand-off links one session may make.
pub const MAX_HANDOFFS_PER_SESSION: u32 = 5;
/// Default lifetime of a hand-off link, in seconds (7 days).
pub const DEFAULT_HANDOFF_EXPIRES_IN: i64 = 7 * 24 * 3600;
/// The longest lifetime a hand-off link may ask for, in seconds (30 days).
pub const MAX_HANDOFF_EXPIRES_IN: i64 = 30 * 24 * 3600;

/// Names in [`crate::hub::HubSettings::extensions`].
pub mod extension {
    /// `GET /hub/onboarding`, `PATCH /hub/onboarding/steps/{index}`.
    pub const ONBOARDING: &str = "onboarding";
    /// `GET /hub/accounts`, `DELETE /hub/accounts/{id}` for the session's owner.
    pub const OWNER_ACCOUNTS: &str = "owner_accounts";
    /// `POST /hub/handoffs`.
    pub const HANDOFFS: &str = "handoffs";
    /// `POST`/`PATCH /hub/accounts` check credentials with the provider first.
    pub const CREDENTIAL_CHECKS: &str = "credential_checks";
    /// `GET /hub/connectors/{id}?lang=TAG` answers in that language
    /// ([`crate::hub::ConnectorDetailQuery`]), also to a hub on another origin.
    pub const CONNECTOR_LANG: &str = "connector_lang";
}

/// One step of a plan, as the host backend writes it on `POST /connect_sessions`:
/// exactly one of `provider` and `category`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OnboardingStep {
    /// A connector's provider key (`dagster`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// A category (`hris`): any one connector of it satisfies the step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// The user may skip this step (`false` when absent).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
    /// What the checklist calls the step ("Your contract tool"); the connector's or the
    /// category's name when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// Where a step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    Todo,
    /// The owner has an active account that satisfies it (`account_id`).
    Done,
    /// The owner's account for it is in `error` (a credential stopped working).
    NeedsAttention,
    /// An optional step the user chose to skip (it can be taken up again).
    Skipped,
    /// A colleague was sent a hand-off link for it that has not been used or expired.
    HandedOff,
}

impl StepState {
    pub fn as_str(self) -> &'static str {
        match self {
            StepState::Todo => "todo",
            StepState::Done => "done",
            StepState::NeedsAttention => "needs_attention",
            StepState::Skipped => "skipped",
            StepState::HandedOff => "handed_off",
        }
    }
}

/// A step with its state, in the session answer and `GET /hub/onboarding`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StepProgress {
    /// The step's position in the plan, from 0; `PATCH /hub/onboarding/steps/{index}`.
    pub index: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub state: StepState,
    /// The account that satisfies (or, in `needs_attention`, should satisfy) the step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// That account's provider (for a category step, the connector the user chose).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_provider: Option<String>,
    /// That account's display name: its label, else the connector's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_name: Option<String>,
    /// In `handed_off`: when the newest open hand-off link expires (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handoff_expires_at: Option<String>,
}

/// A plan with its progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OnboardingProgress {
    /// Stable id of the plan for this owner (the same steps give the same id).
    pub plan_id: String,
    pub steps: Vec<StepProgress>,
    /// Steps in `done`.
    pub done: u32,
    /// Every step of the plan.
    pub total: u32,
    /// Every required step is `done`.
    pub completed: bool,
    /// When the plan was first completed (RFC 3339); `connect_session.completed` is sent
    /// once, then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<String>,
}

/// `PATCH /hub/onboarding/steps/{index}` body: skip an optional step or take it up again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StepUpdate {
    pub skipped: bool,
}

/// One of the session owner's accounts in `GET /hub/accounts`. Never holds a secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OwnerAccount {
    pub id: String,
    pub provider: String,
    /// The connector's display name.
    pub provider_name: String,
    pub integration_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub status: AccountStatus,
    /// In the hub's language (`description`), with a stable `code`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub status_reasons: Vec<StatusReason>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_url: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// When the credentials were last checked with the provider (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_checked_at: Option<String>,
    /// The account was linked through a hand-off link.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub via_handoff: bool,
}

/// `GET /hub/accounts` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OwnerAccountList {
    pub accounts: Vec<OwnerAccount>,
}

/// `POST /hub/handoffs` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateHandoff {
    /// The one connector the colleague's session is limited to.
    pub provider: String,
    /// Seconds; [`DEFAULT_HANDOFF_EXPIRES_IN`] when absent, at most
    /// [`MAX_HANDOFF_EXPIRES_IN`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<i64>,
}

/// `POST /hub/handoffs` 201 response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Handoff {
    pub id: String,
    pub provider: String,
    /// The colleague's auth link (a new session for the same owner); it holds a token.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub auth_link_url: Secret<String>,
    pub created_at: String,
    pub expires_at: String,
    /// How many more hand-off links this session may make.
    pub remaining: u32,
}

/// Stable `code`s of [`crate::hub::ErrorBody`] (extension).
pub mod error_code {
    /// 400: the provider refused the credentials; `fields` says which.
    pub const CREDENTIALS_REFUSED: &str = "credentials_refused";
    /// 502/504: the provider could not be reached, timed out or answered 5xx; retrying may help.
    pub const PROVIDER_UNAVAILABLE: &str = "provider_unavailable";
    /// 429: the session made its last hand-off link.
    pub const HANDOFF_LIMIT: &str = "handoff_limit_reached";
}
