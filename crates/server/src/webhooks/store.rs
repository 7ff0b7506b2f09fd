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
             status, attempts, next_attempt_ms, created_at, created_ms) VALUES (:event_id, \
             :event_project_id, :event_account_id, :event_type, :event_payload, 'pending', 0, \
             :event_due_ms, :event_created_at, :event_due_ms)",
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

/// The condition (on the row `w`) that no older delivery about the same account is still
/// pending: an account's events go out one after the other, in the order they were made.
const FIRST_OF_ITS_ACCOUNT: &str = "NOT EXISTS (SELECT 1 FROM webhook_deliveries e \
     WHERE e.account_id = w.account_id AND e.status = 'pending' AND e.created_ms < w.created_ms)";

/// Up to `limit` deliveries due at `t_ms`, oldest first, each the oldest pending one of its
/// account.
pub async fn due(db: &Db, t_ms: i64, limit: i64) -> Result<Vec<Due>, sqlx::Error> {
    sqlx::query_as::<_, Due>(&format!(
        "SELECT w.id, w.payload, w.attempts FROM webhook_deliveries w \
         WHERE w.status = 'pending' AND w.next_attempt_ms <= $1 AND {FIRST_OF_ITS_ACCOUNT} \
         ORDER BY w.next_attempt_ms LIMIT $2"
    ))
    .bind(t_ms)
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// On PostgreSQL: claims up to `limit` deliveries due at `t_ms` in one statement, moving
/// them to `lease_until_ms`; rows another server is claiming at the same moment are skipped
/// rather than waited for. The deliveries claimed.
pub async fn claim_due_postgres(
    db: &Db,
    t_ms: i64,
    limit: i64,
    lease_until_ms: i64,
) -> Result<Vec<Due>, sqlx::Error> {
    sqlx::query_as::<_, Due>(&format!(
        "UPDATE webhook_deliveries SET next_attempt_ms = $1 WHERE id IN (SELECT w.id FROM \
         webhook_deliveries w WHERE w.status = 'pending' AND w.next_attempt_ms <= $2 \
         AND {FIRST_OF_ITS_ACCOUNT} ORDER BY w.next_attempt_ms LIMIT $3 \
         FOR UPDATE OF w SKIP LOCKED) RETURNING id, payload, attempts"
    ))
    .bind(lease_until_ms)
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

/// Most rows one write of the worker touches: every statement of a write names its rows
/// `:id_0`…, so a bounded chunk keeps the SQL texts few (each is prepared once per
/// connection and cached).
pub const CHUNK: usize = 16;

/// Runs `per_row` writes of at most [`CHUNK`] statements each (concurrently: on SQLite the
/// writer thread groups them into one transaction), and answers, per row in order, whether
/// its statement changed it. A write that fails counts its rows as unchanged.
async fn per_row<T>(
    db: &Db,
    rows: &[T],
    base: impl Fn() -> Write,
    stmt: impl Fn(usize, &T, Write) -> Write,
) -> Result<Vec<bool>, sqlx::Error> {
    let mut set = tokio::task::JoinSet::new();
    for (n, chunk) in rows.chunks(CHUNK).enumerate() {
        let mut w = base();
        for (i, row) in chunk.iter().enumerate() {
            w = stmt(i, row, w);
        }
        let db = db.clone();
        let len = chunk.len();
        set.spawn(async move { (n, len, db.write(w).await) });
    }
    let mut changed = vec![false; rows.len()];
    let mut first_error = None;
    while let Some(joined) = set.join_next().await {
        let Ok((n, len, written)) = joined else {
            continue;
        };
        match written {
            Ok(Written::Done(changes)) => {
                for (i, c) in changes.into_iter().enumerate().take(len) {
                    if let Some(slot) = changed.get_mut(n * CHUNK + i) {
                        *slot = c == 1;
                    }
                }
            }
            Ok(Written::Refused(_)) => {}
            Err(e) => first_error = first_error.or(Some(e)),
        }
    }
    match first_error {
        // Nothing at all was written: say why.
        Some(e) if !changed.contains(&true) => Err(e),
        Some(e) => {
            tracing::warn!(error = %e, "a webhook outbox write failed");
            Ok(changed)
        }
        None => Ok(changed),
    }
}

/// Claims deliveries that were due at `t_ms` by moving them to `lease_until_ms` (the lease:
/// no other worker takes them before); the ones another worker claimed (or that changed)
/// meanwhile are left out. The ids claimed.
pub async fn claim(
    db: &Db,
    ids: &[String],
    t_ms: i64,
    lease_until_ms: i64,
) -> Result<Vec<String>, sqlx::Error> {
    let changed = per_row(
        db,
        ids,
        || Write::new().bind("lease", lease_until_ms).bind("t", t_ms),
        |i, id, w| {
            w.run(format!(
                "UPDATE webhook_deliveries SET next_attempt_ms = :lease \
                 WHERE id = :id_{i} AND status = 'pending' AND next_attempt_ms <= :t"
            ))
            .bind(format!("id_{i}"), id)
        },
    )
    .await?;
    Ok(ids
        .iter()
        .zip(changed)
        .filter(|(_, c)| *c)
        .map(|(id, _)| id.clone())
        .collect())
}

/// Moves the leases of deliveries still being sent from their current end (`(id,
/// lease_ms)`) to `lease_until_ms`. Per row, whether it was still ours to extend (false: it
/// was recorded meanwhile, or its lease ran out and another worker claimed it).
pub async fn extend_leases(
    db: &Db,
    leases: &[(String, i64)],
    lease_until_ms: i64,
) -> Result<Vec<bool>, sqlx::Error> {
    per_row(
        db,
        leases,
        || Write::new().bind("lease", lease_until_ms),
        |i, (id, old), w| {
            w.run(format!(
                "UPDATE webhook_deliveries SET next_attempt_ms = :lease \
                 WHERE id = :id_{i} AND status = 'pending' AND next_attempt_ms = :old_{i}"
            ))
            .bind(format!("id_{i}"), id)
            .bind(format!("old_{i}"), *old)
        },
    )
    .await
}

/// What one attempt of a delivery came to.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub id: String,
    /// Attempts so far, this one included.
    pub attempts: i64,
    /// The receiver's status code, if it answered.
    pub code: Option<u16>,
    /// `None`: delivered. Otherwise why it failed, and whether it is given up (`failed`) or
    /// retried at `next_ms`.
    pub failure: Option<Failure>,
}

/// Why an attempt failed and what follows.
#[derive(Debug, Clone)]
pub struct Failure {
    pub error: String,
    pub given_up: bool,
    pub next_ms: i64,
}

/// Records attempts: delivered ones as such, failed ones retried later or given up. A
/// failure is recorded only while the delivery is pending (another worker that took it over
/// after the lease ran out may have delivered it meanwhile).
pub async fn record(db: &Db, attempts: &[Attempt]) -> Result<(), sqlx::Error> {
    per_row(
        db,
        attempts,
        || Write::new().bind("at", now()),
        |i, a, w| {
            let w = match &a.failure {
                None => w.run(format!(
                    "UPDATE webhook_deliveries SET status = 'delivered', \
                     attempts = :attempts_{i}, last_status_code = :code_{i}, \
                     last_error = NULL, delivered_at = :at WHERE id = :id_{i}"
                )),
                Some(f) => w
                    .run(format!(
                        "UPDATE webhook_deliveries SET status = :status_{i}, \
                         attempts = :attempts_{i}, last_status_code = :code_{i}, \
                         last_error = :error_{i}, next_attempt_ms = :next_{i} \
                         WHERE id = :id_{i} AND status = 'pending'"
                    ))
                    .bind(
                        format!("status_{i}"),
                        if f.given_up { "failed" } else { "pending" },
                    )
                    .bind(format!("error_{i}"), f.error.as_str())
                    .bind(format!("next_{i}"), f.next_ms),
            };
            w.bind(format!("id_{i}"), a.id.as_str())
                .bind(format!("attempts_{i}"), a.attempts)
                .bind(format!("code_{i}"), a.code.map(i64::from))
        },
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
