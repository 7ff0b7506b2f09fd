//! Storage of hand-off links (`handoffs`): who made one, for which provider, which session
//! it made, and whether an account was linked through it.

use crate::clock::now;
use crate::db::{Db, Write};
use crate::error::ApiResult;

/// A hand-off link.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HandoffRow {
    pub id: String,
    pub project_id: String,
    pub origin_owner_id: String,
    pub provider: String,
    /// The session that made it, and who that session was for.
    pub from_session_id: String,
    pub seq: i64,
    pub from_owner_name: String,
    pub from_username: Option<String>,
    /// The colleague's session.
    pub session_id: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub account_id: Option<String>,
}

const COLUMNS: &str = "id, project_id, origin_owner_id, provider, from_session_id, seq, \
    from_owner_name, from_username, session_id, created_at, expires_at, used_at, account_id";

/// How many hand-off links a session made.
pub async fn count_from(db: &Db, session_id: &str) -> ApiResult<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM handoffs WHERE from_session_id = $1")
            .bind(session_id)
            .fetch_one(&db.pool)
            .await?,
    )
}

/// The owner's hand-off links not used yet and not expired at `t`, newest first.
pub async fn open_for_owner(
    db: &Db,
    project_id: &str,
    owner_id: &str,
    t: i64,
) -> ApiResult<Vec<HandoffRow>> {
    Ok(sqlx::query_as::<_, HandoffRow>(&format!(
        "SELECT {COLUMNS} FROM handoffs WHERE project_id = $1 AND origin_owner_id = $2 \
         AND used_at IS NULL AND expires_at > $3 ORDER BY expires_at DESC, id"
    ))
    .bind(project_id)
    .bind(owner_id)
    .bind(t)
    .fetch_all(&db.pool)
    .await?)
}

/// One hand-off.
pub async fn by_id(db: &Db, project_id: &str, id: &str) -> ApiResult<Option<HandoffRow>> {
    Ok(sqlx::query_as::<_, HandoffRow>(&format!(
        "SELECT {COLUMNS} FROM handoffs WHERE id = $1 AND project_id = $2"
    ))
    .bind(id)
    .bind(project_id)
    .fetch_optional(&db.pool)
    .await?)
}

/// The hand-offs with these ids (for a page of accounts), in one query.
pub async fn by_ids(db: &Db, project_id: &str, ids: &[String]) -> ApiResult<Vec<HandoffRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (2..ids.len() + 2).map(|n| format!("${n}")).collect();
    let sql = format!(
        "SELECT {COLUMNS} FROM handoffs WHERE project_id = $1 AND id IN ({})",
        placeholders.join(", ")
    );
    let mut query = sqlx::query_as::<_, HandoffRow>(&sql).bind(project_id);
    for id in ids {
        query = query.bind(id);
    }
    Ok(query.fetch_all(&db.pool).await?)
}

/// Inserts a hand-off as its session's `seq`-th. Required: refused when the session has
/// made `max` already, or when a concurrent hand-off took this number (the unique
/// `(from_session_id, seq)`), so the limit holds across processes.
pub fn insert(h: &HandoffRow, max: i64) -> Write {
    Write::new()
        .require(
            "INSERT INTO handoffs (id, project_id, origin_owner_id, provider, from_session_id, \
             seq, from_owner_name, from_username, session_id, created_at, expires_at, used_at, \
             account_id) SELECT :handoff_id, :handoff_project_id, :handoff_owner_id, \
             :handoff_provider, :handoff_from, :handoff_seq, :handoff_from_owner_name, \
             :handoff_from_username, :handoff_session_id, :handoff_created_at, \
             :handoff_expires_at, NULL, NULL \
             WHERE :handoff_seq <= :handoff_max ON CONFLICT DO NOTHING",
        )
        .bind("handoff_id", &h.id)
        .bind("handoff_project_id", &h.project_id)
        .bind("handoff_owner_id", &h.origin_owner_id)
        .bind("handoff_provider", &h.provider)
        .bind("handoff_from", &h.from_session_id)
        .bind("handoff_seq", h.seq)
        .bind("handoff_from_owner_name", &h.from_owner_name)
        .bind("handoff_from_username", &h.from_username)
        .bind("handoff_session_id", &h.session_id)
        .bind("handoff_created_at", h.created_at)
        .bind("handoff_expires_at", h.expires_at)
        .bind("handoff_max", max)
}

/// The statement that marks a hand-off used by the account just linked through it (to add
/// to the link's write; changes nothing when it was used before).
pub fn mark_used(handoff_id: &str, account_id: &str) -> Write {
    Write::new()
        .run(
            "UPDATE handoffs SET used_at = :handoff_used_at, account_id = :handoff_account_id \
             WHERE id = :handoff_used_id AND used_at IS NULL",
        )
        .bind("handoff_used_at", now())
        .bind("handoff_account_id", account_id)
        .bind("handoff_used_id", handoff_id)
}
