//! Storage of operator console sessions.

use crate::db::{Db, Write};

/// A `console_sessions` row, as a signed-in request checks it.
#[derive(sqlx::FromRow)]
pub struct ConsoleSession {
    pub csrf_token: String,
    pub key_hash: String,
    pub expires_at: i64,
}

/// The session with this id hash in the project.
pub async fn by_id_hash(
    db: &Db,
    id_hash: &str,
    project_id: &str,
) -> Result<Option<ConsoleSession>, sqlx::Error> {
    sqlx::query_as::<_, ConsoleSession>(
        "SELECT csrf_token, key_hash, expires_at FROM console_sessions \
         WHERE id_hash = $1 AND project_id = $2",
    )
    .bind(id_hash)
    .bind(project_id)
    .fetch_optional(&db.pool)
    .await
}

/// Stores a new session (and clears out expired ones while here).
pub async fn insert(
    db: &Db,
    id_hash: &str,
    project_id: &str,
    key_hash: &str,
    csrf_token: &str,
    created_at: i64,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    db.write(
        Write::new()
            .run("DELETE FROM console_sessions WHERE expires_at <= :created_at")
            .run(
                "INSERT INTO console_sessions (id_hash, project_id, key_hash, csrf_token, \
                 created_at, expires_at) VALUES (:id_hash, :project_id, :key_hash, :csrf_token, \
                 :created_at, :expires_at)",
            )
            .bind("id_hash", id_hash)
            .bind("project_id", project_id)
            .bind("key_hash", key_hash)
            .bind("csrf_token", csrf_token)
            .bind("created_at", created_at)
            .bind("expires_at", expires_at),
    )
    .await?;
    Ok(())
}

/// Ends a session.
pub async fn delete(db: &Db, id_hash: &str) -> Result<(), sqlx::Error> {
    db.write(
        Write::new()
            .run("DELETE FROM console_sessions WHERE id_hash = :id_hash")
            .bind("id_hash", id_hash),
    )
    .await?;
    Ok(())
}
