//! The webhook outbox (`webhook_deliveries`): events are queued in the write that makes
//! the change they announce, then claimed, sent and marked by the worker.

use crate::clock::{now, now_ms};
use crate::db::{Db, Write, Written};
use crate::error::ApiResult;

/// A webhook event to queue.
#[derive(Debug, Clone)]
pub struct Event {
    pub id: String,
    pub project_id: String,
    pub account_id: String,
    pub event_type: String,
    /// The body to POST (a [`linkhub_protocol::api::WebhookEvent`] as JSON).
    pub payload: String,
    pub created_at: i64,
}

impl Event {
    /// A new delivery id (`msg_…`): the body's `id` and the `webhook-id` header.
    pub fn new_id() -> String {
        format!("msg_{}", uuid::Uuid::new_v4().simple())
    }

    /// A new event, due now, under `id` (from [`Event::new_id`]).
    pub fn new(
        id: String,
        project_id: &str,
        account_id: &str,
        event_type: &str,
        payload: String,
    ) -> Event {
        Event {
            id,
            project_id: project_id.to_string(),
            account_id: account_id.to_string(),
            event_type: event_type.to_string(),
            payload,
            created_at: now(),
        }
    }
}

/// The statement that queues `event` (parameters `:event_…`), to add to the change's write.
pub fn enqueue(event: &Event) -> Write {
    Write::new()
        .run(
            "INSERT INTO webhook_deliveries (id, project_id, account_id, event_type, payload, \
             status, attempts, next_attempt_ms, created_at) VALUES (:event_id, \
             :event_project_id, :event_account_id, :event_type, :event_payload, 'pending', 0, \
             :event_due_ms, :event_created_at)",
        )
        .bind("event_id", &event.id)
        .bind("event_project_id", &event.project_id)
        .bind("event_account_id", &event.account_id)
        .bind("event_type", &event.event_type)
        .bind("event_payload", &event.payload)
        .bind("event_due_ms", now_ms())
        .bind("event_created_at", event.created_at)
}

/// A delivery that is due.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Due {
    pub id: String,
    pub payload: String,
    pub attempts: i64,
}

/// Up to `limit` deliveries due at `t_ms`, oldest first.
pub async fn due(db: &Db, t_ms: i64, limit: i64) -> Result<Vec<Due>, sqlx::Error> {
    sqlx::query_as::<_, Due>(
        "SELECT id, payload, attempts FROM webhook_deliveries \
         WHERE status = 'pending' AND next_attempt_ms <= $1 ORDER BY next_attempt_ms LIMIT $2",
    )
    .bind(t_ms)
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// Whether any delivery is due at `t_ms`.
pub async fn any_due(db: &Db, t_ms: i64) -> Result<bool, sqlx::Error> {
    let due: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_ms <= $1 \
         LIMIT 1",
    )
    .bind(t_ms)
    .fetch_optional(&db.pool)
    .await?;
    Ok(due.is_some())
}

/// Marks every due delivery `skipped` (no webhook URL is configured).
pub async fn skip_due(db: &Db, t_ms: i64) -> Result<(), sqlx::Error> {
    db.write(
        Write::new()
            .run(
                "UPDATE webhook_deliveries SET status = 'skipped', \
                 last_error = 'no webhook URL configured' \
                 WHERE status = 'pending' AND next_attempt_ms <= :t",
            )
            .bind("t", t_ms),
    )
    .await?;
    Ok(())
}

/// Claims deliveries that were due at `t_ms` by moving them to `lease_until_ms`; the ones
/// another worker claimed (or that changed) meanwhile are left out. The ids claimed.
pub async fn claim(
    db: &Db,
    ids: &[String],
    t_ms: i64,
    lease_until_ms: i64,
) -> Result<Vec<String>, sqlx::Error> {
    let mut w = Write::new().bind("lease", lease_until_ms).bind("t", t_ms);
    for (i, id) in ids.iter().enumerate() {
        w = w
            .run(format!(
                "UPDATE webhook_deliveries SET next_attempt_ms = :lease \
                 WHERE id = :id_{i} AND status = 'pending' AND next_attempt_ms <= :t"
            ))
            .bind(format!("id_{i}"), id);
    }
    Ok(match db.write(w).await? {
        Written::Done(changes) => ids
            .iter()
            .zip(changes)
            .filter(|(_, n)| *n == 1)
            .map(|(id, _)| id.clone())
            .collect(),
        Written::Refused(_) => Vec::new(),
    })
}

/// Records a delivery the receiver accepted.
pub async fn delivered(db: &Db, id: &str, attempts: i64, code: u16) -> Result<(), sqlx::Error> {
    db.write(
        Write::new()
            .run(
                "UPDATE webhook_deliveries SET status = 'delivered', attempts = :attempts, \
                 last_status_code = :code, last_error = NULL, delivered_at = :at WHERE id = :id",
            )
            .bind("attempts", attempts)
            .bind("code", i64::from(code))
            .bind("at", now())
            .bind("id", id),
    )
    .await?;
    Ok(())
}

/// Records a failed attempt: retried at `next_ms`, or given up (`failed`).
pub async fn failed(
    db: &Db,
    id: &str,
    attempts: i64,
    code: Option<u16>,
    error: &str,
    given_up: bool,
    next_ms: i64,
) -> Result<(), sqlx::Error> {
    db.write(
        Write::new()
            .run(
                "UPDATE webhook_deliveries SET status = :status, attempts = :attempts, \
                 last_status_code = :code, last_error = :error, next_attempt_ms = :next \
                 WHERE id = :id",
            )
            .bind("status", if given_up { "failed" } else { "pending" })
            .bind("attempts", attempts)
            .bind("code", code.map(i64::from))
            .bind("error", error)
            .bind("next", next_ms)
            .bind("id", id),
    )
    .await?;
    Ok(())
}

/// One webhook delivery of the outbox, as the operator console shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: String,
    pub event_type: String,
    /// `pending`, `delivered`, `failed` or `skipped`.
    pub status: String,
    pub attempts: i64,
    pub next_attempt_ms: i64,
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
}

/// The webhook deliveries about an account, newest first.
pub async fn for_account(
    db: &Db,
    project_id: &str,
    account_id: &str,
) -> ApiResult<Vec<DeliveryRow>> {
    Ok(sqlx::query_as::<_, DeliveryRow>(
        "SELECT id, event_type, status, attempts, next_attempt_ms, last_status_code, \
         last_error, created_at, delivered_at FROM webhook_deliveries \
         WHERE project_id = $1 AND account_id = $2 ORDER BY created_at DESC, id",
    )
    .bind(project_id)
    .bind(account_id)
    .fetch_all(&db.pool)
    .await?)
}
