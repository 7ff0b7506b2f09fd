//! Storage of connect sessions.

use serde_json::Value;

use crate::db::{Db, Write};
use crate::error::{ApiError, ApiResult};
use linkhub_protocol::onboarding::OnboardingStep;

/// A connect session.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub project_id: String,
    pub origin_owner_id: String,
    pub origin_owner_name: String,
    pub origin_username: Option<String>,
    pub categories: Option<Vec<String>>,
    pub provider: Option<String>,
    pub account_id: Option<String>,
    pub label: Option<String>,
    pub metadata: Option<Value>,
    pub multiple: bool,
    /// The guide scopes the host backend set (`scopes`), shown to the widget.
    pub scopes: Option<Vec<String>>,
    /// StackOne's `relink` and `shared`: stored as sent, with no effect here
    /// (docs/protocol.md says why).
    pub relink: Option<bool>,
    pub shared: Option<bool>,
    /// Extension: the onboarding plan's normalized steps and its id.
    pub onboarding: Option<Vec<OnboardingStep>>,
    pub plan_id: Option<String>,
    /// Extension: set on a session made by a hand-off link (the hand-off's id).
    pub handoff_id: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
}

/// A `connect_sessions` row.
#[derive(sqlx::FromRow)]
struct SessionRecord {
    id: String,
    project_id: String,
    origin_owner_id: String,
    origin_owner_name: String,
    origin_username: Option<String>,
    categories: Option<String>,
    provider: Option<String>,
    account_id: Option<String>,
    label: Option<String>,
    metadata: Option<String>,
    multiple: i64,
    scopes: Option<String>,
    relink: Option<i64>,
    shared: Option<i64>,
    onboarding: Option<String>,
    plan_id: Option<String>,
    handoff_id: Option<String>,
    created_at: i64,
    expires_at: i64,
}

const SESSION_COLUMNS: &str = "id, project_id, origin_owner_id, origin_owner_name, \
    origin_username, categories, provider, account_id, label, metadata, multiple, scopes, \
    relink, shared, onboarding, plan_id, handoff_id, created_at, expires_at";

impl TryFrom<SessionRecord> for Session {
    type Error = ApiError;

    fn try_from(r: SessionRecord) -> ApiResult<Session> {
        let corrupt = |column: &str| {
            ApiError::internal(format!(
                "session {}: the stored {column} is not what the server writes",
                r.id
            ))
        };
        let categories = match &r.categories {
            Some(c) => Some(serde_json::from_str(c).map_err(|_| corrupt("categories"))?),
            None => None,
        };
        let metadata = match &r.metadata {
            Some(m) => Some(serde_json::from_str(m).map_err(|_| corrupt("metadata"))?),
            None => None,
        };
        let scopes = match &r.scopes {
            Some(c) => Some(serde_json::from_str(c).map_err(|_| corrupt("scopes"))?),
            None => None,
        };
        let onboarding = match &r.onboarding {
            Some(c) => Some(serde_json::from_str(c).map_err(|_| corrupt("onboarding"))?),
            None => None,
        };
        Ok(Session {
            onboarding,
            plan_id: r.plan_id,
            handoff_id: r.handoff_id,
            categories,
            scopes,
            relink: r.relink.map(|v| v != 0),
            shared: r.shared.map(|v| v != 0),
            metadata,
            id: r.id,
            project_id: r.project_id,
            origin_owner_id: r.origin_owner_id,
            origin_owner_name: r.origin_owner_name,
            origin_username: r.origin_username,
            provider: r.provider,
            account_id: r.account_id,
            label: r.label,
            multiple: r.multiple != 0,
            created_at: r.created_at,
            expires_at: r.expires_at,
        })
    }
}

/// The stored session with this token hash (expired or not).
pub async fn by_token_hash(db: &Db, token_hash: &str) -> ApiResult<Option<Session>> {
    sqlx::query_as::<_, SessionRecord>(&format!(
        "SELECT {SESSION_COLUMNS} FROM connect_sessions WHERE token_hash = $1"
    ))
    .bind(token_hash)
    .fetch_optional(&db.pool)
    .await?
    .map(Session::try_from)
    .transpose()
}

/// The stored session with this id (expired or not).
pub async fn by_id(db: &Db, id: &str) -> ApiResult<Option<Session>> {
    sqlx::query_as::<_, SessionRecord>(&format!(
        "SELECT {SESSION_COLUMNS} FROM connect_sessions WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?
    .map(Session::try_from)
    .transpose()
}

/// The statement that stores a new session under the hash of its token (parameters named
/// after its columns).
pub fn insert_write(s: &Session, token_hash: &str) -> Write {
    let categories = s
        .categories
        .as_ref()
        .map(|c| Value::from(c.clone()).to_string());
    Write::new()
        .run(
            "INSERT INTO connect_sessions (id, project_id, token_hash, origin_owner_id, \
                 origin_owner_name, origin_username, categories, provider, account_id, label, \
                 metadata, multiple, scopes, relink, shared, onboarding, plan_id, handoff_id, \
                 created_at, expires_at) \
                 VALUES (:id, :project_id, :token_hash, :origin_owner_id, :origin_owner_name, \
                 :origin_username, :categories, :provider, :account_id, :label, :metadata, \
                 :multiple, :scopes, :relink, :shared, :onboarding, :plan_id, :handoff_id, \
                 :created_at, :expires_at)",
        )
        .bind("id", &s.id)
        .bind("project_id", &s.project_id)
        .bind("token_hash", token_hash)
        .bind("origin_owner_id", &s.origin_owner_id)
        .bind("origin_owner_name", &s.origin_owner_name)
        .bind("origin_username", &s.origin_username)
        .bind("categories", categories)
        .bind("provider", &s.provider)
        .bind("account_id", &s.account_id)
        .bind("label", &s.label)
        .bind("metadata", s.metadata.as_ref().map(Value::to_string))
        .bind("multiple", i64::from(s.multiple))
        .bind(
            "scopes",
            s.scopes
                .as_ref()
                .map(|c| Value::from(c.clone()).to_string()),
        )
        .bind("relink", s.relink.map(i64::from))
        .bind("shared", s.shared.map(i64::from))
        .bind(
            "onboarding",
            s.onboarding
                .as_ref()
                .map(|steps| serde_json::to_string(steps).unwrap_or_default()),
        )
        .bind("plan_id", &s.plan_id)
        .bind("handoff_id", &s.handoff_id)
        .bind("created_at", s.created_at)
        .bind("expires_at", s.expires_at)
}
