//! Storage of OAuth connection attempts.

use crate::clock::now;
use crate::db::{Db, Write, Written};
use crate::error::ApiResult;

/// An attempt as the widget polls it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttemptRecord {
    pub status: String,
    pub account_id: Option<String>,
    pub error_code: Option<String>,
    pub error_description: Option<String>,
    pub expires_at: i64,
}

/// An attempt of this session.
pub async fn by_id(db: &Db, session_id: &str, id: &str) -> ApiResult<Option<AttemptRecord>> {
    Ok(sqlx::query_as::<_, AttemptRecord>(
        "SELECT status, account_id, error_code, error_description, expires_at \
         FROM connection_attempts WHERE id = $1 AND session_id = $2",
    )
    .bind(id)
    .bind(session_id)
    .fetch_optional(&db.pool)
    .await?)
}

/// A pending attempt as the OAuth callback finds it by its `state`.
#[derive(Clone, sqlx::FromRow)]
pub struct PendingAttempt {
    pub id: String,
    pub session_id: String,
    pub integration_id: Option<String>,
    /// Sealed.
    pub code_verifier: Option<String>,
    /// Sealed.
    pub setup_values: Option<String>,
    pub expires_at: i64,
    pub locale: Option<String>,
}

impl std::fmt::Debug for PendingAttempt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingAttempt")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// The pending attempt whose OAuth `state` has this hash.
pub async fn pending_by_state(
    db: &Db,
    state_hash: &str,
) -> Result<Option<PendingAttempt>, sqlx::Error> {
    sqlx::query_as::<_, PendingAttempt>(
        "SELECT id, session_id, integration_id, code_verifier, setup_values, expires_at, \
         locale FROM connection_attempts WHERE state_hash = $1 AND status = 'pending'",
    )
    .bind(state_hash)
    .fetch_optional(&db.pool)
    .await
}

/// A new pending attempt.
pub async fn insert(
    db: &Db,
    id: &str,
    session_id: &str,
    integration_id: Option<&str>,
    expires_at: i64,
    locale: &str,
) -> ApiResult<()> {
    db.write(
        Write::new()
            .run(
                "INSERT INTO connection_attempts (id, session_id, integration_id, status, \
                 created_at, expires_at, locale) VALUES (:id, :session_id, :integration_id, \
                 'pending', :created_at, :expires_at, :locale)",
            )
            .bind("id", id)
            .bind("session_id", session_id)
            .bind("integration_id", integration_id.map(str::to_string))
            .bind("created_at", now())
            .bind("expires_at", expires_at)
            .bind("locale", locale),
    )
    .await?;
    Ok(())
}

/// Cancels a pending attempt of this session (nothing when it is not pending).
pub async fn cancel(db: &Db, session_id: &str, id: &str) -> ApiResult<()> {
    db.write(
        Write::new()
            .run(
                "UPDATE connection_attempts SET status = 'cancelled' \
                 WHERE id = :id AND session_id = :session_id AND status = 'pending'",
            )
            .bind("id", id)
            .bind("session_id", session_id),
    )
    .await?;
    Ok(())
}

/// Records the start of the OAuth flow on a pending, unexpired attempt of this session:
/// `false` when there is none.
pub async fn start(
    db: &Db,
    id: &str,
    session_id: &str,
    state_hash: &str,
    sealed_verifier: &str,
    sealed_values: &str,
    integration_id: &str,
) -> ApiResult<bool> {
    let written = db
        .write(
            Write::new()
                .require(
                    "UPDATE connection_attempts SET state_hash = :state_hash, \
                     code_verifier = :verifier, setup_values = :setup_values, \
                     integration_id = :integration_id WHERE id = :id AND session_id = :session_id \
                     AND status = 'pending' AND expires_at > :now",
                )
                .bind("state_hash", state_hash)
                .bind("verifier", sealed_verifier)
                .bind("setup_values", sealed_values)
                .bind("integration_id", integration_id)
                .bind("id", id)
                .bind("session_id", session_id)
                .bind("now", now()),
        )
        .await?;
    Ok(matches!(written, Written::Done(_)))
}

/// The statement that marks a pending attempt authenticated with its account (to run in
/// the link's write; parameters `:attempt_…`).
pub fn authenticated(attempt_id: &str, account_id: &str) -> Write {
    Write::new()
        .require(
            "UPDATE connection_attempts SET status = 'authenticated', \
             account_id = :attempt_account_id, code_verifier = NULL, setup_values = NULL \
             WHERE id = :attempt_id AND status = 'pending'",
        )
        .bind("attempt_account_id", account_id)
        .bind("attempt_id", attempt_id)
}

/// Marks an attempt failed, with why.
pub async fn failed(
    db: &Db,
    attempt_id: &str,
    code: &str,
    description: &str,
) -> Result<(), sqlx::Error> {
    db.write(
        Write::new()
            .run(
                "UPDATE connection_attempts SET status = 'error', error_code = :code, \
                 error_description = :description, code_verifier = NULL, setup_values = NULL \
                 WHERE id = :id",
            )
            .bind("code", code)
            .bind("description", description)
            .bind("id", attempt_id),
    )
    .await?;
    Ok(())
}
