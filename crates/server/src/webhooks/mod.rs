//! Delivers queued webhook events (the `webhook_deliveries` outbox), Standard Webhooks style.
//! No routes: events are queued by the writes of the other features ([`store::enqueue`]).
//!
//! The worker claims due rows by moving their `next_attempt_ms` forward (a lease, so two
//! servers on one database do not both send them), POSTs each with `webhook-id` (the
//! event's id, the same on every attempt), `webhook-timestamp` and `webhook-signature`, and
//! records it delivered or rescheduled with exponential backoff. Rows survive restarts;
//! nothing is dropped until `webhook_max_attempts` failures (at-least-once: a receiver may
//! see an event twice, always under the same `webhook-id`).
//!
//! Throughput: up to [`CONCURRENCY`] deliveries are in flight to the receiver at once, over
//! the pooled keep-alive connections of the shared HTTP client; the worker claims more as
//! soon as a slot frees (it waits for a wake-up or a poll only when nothing is due), and
//! records outcomes in batches. Leases: a heartbeat moves the lease of every delivery still
//! in flight forward, so a receiver that answers slowly is not sent the event again by
//! another server meanwhile.

pub mod store;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::Rng;
use tokio::sync::{Semaphore, mpsc, watch};

use crate::clock::{now, now_ms};
use crate::crypto;
use crate::db::Backend;
use crate::state::AppState;

/// How long a claimed delivery is reserved before another worker may retry it; the
/// heartbeat extends it every third of that while the delivery is in flight.
/// `LINKHUB_WEBHOOK_LEASE_MS` (at least 300) overrides it, for tests of slow receivers.
const LEASE_MS: i64 = 30_000;
/// Most deliveries in flight to the receiver at once.
pub const CONCURRENCY: usize = 32;
/// Most rows claimed in one pass.
const BATCH: usize = 64;
/// Free slots a pass waits for (a quarter of [`CONCURRENCY`]).
const MIN_ROOM: u32 = 8;
/// How long one POST may take before it counts as failed.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the outbox is looked at when nothing woke the worker.
const POLL: Duration = Duration::from_millis(250);

/// Deliveries in flight: id → the end of its lease as stored.
type Leases = Arc<Mutex<HashMap<String, i64>>>;

/// The lease in milliseconds (see [`LEASE_MS`]).
fn lease_ms() -> i64 {
    std::env::var("LINKHUB_WEBHOOK_LEASE_MS")
        .ok()
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|ms| *ms >= 300)
        .unwrap_or(LEASE_MS)
}

/// A lease end from now: `lease` plus up to a thirtieth of it at random, so that two
/// workers rarely hold the same value for one row (the heartbeat extends a lease only if
/// the row still holds the value it set).
fn lease_end(lease: i64) -> i64 {
    now_ms() + lease + rand::rng().random_range(0..(lease / 30).max(1))
}

/// Runs until `shutdown` turns true (then lets the deliveries in flight finish and records
/// them).
pub async fn run(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let Some(url) = state.settings.webhook_url.clone() else {
        // Nothing to send: events are only marked skipped, once a second, in one write
        // (not one pass per queued event, which would take the writer from the requests).
        loop {
            if let Err(e) = skip_due(&state).await {
                tracing::warn!(error = %e, "webhook worker pass failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                _ = shutdown.changed() => return,
            }
            if *shutdown.borrow() {
                return;
            }
        }
    };
    let lease = lease_ms();
    let leases: Leases = Arc::default();
    let slots = Arc::new(Semaphore::new(CONCURRENCY));
    let (done_tx, done_rx) = mpsc::unbounded_channel::<store::Attempt>();
    let recorder = tokio::spawn(record(state.clone(), done_rx, leases.clone()));
    let (beat_stop_tx, beat_stop) = watch::channel(false);
    let heartbeat = tokio::spawn(heartbeat(state.clone(), leases.clone(), lease, beat_stop));
    loop {
        if *shutdown.borrow() {
            break;
        }
        // Free slots first (claiming rows nobody can send yet would only hold their lease),
        // at least a quarter of them: a busy worker claims in batches, not a row per answer.
        let room = tokio::select! {
            permits = slots.clone().acquire_many_owned(MIN_ROOM) => permits,
            _ = shutdown.changed() => break,
        };
        let Ok(mut room) = room else { break };
        let more = slots
            .available_permits()
            .min(BATCH.saturating_sub(room.num_permits()));
        if more > 0
            && let Ok(p) = slots
                .clone()
                .try_acquire_many_owned(u32::try_from(more).unwrap_or(0))
        {
            room.merge(p);
        }
        let limit = room.num_permits();
        let (found, claimed) = match claim_due(&state, limit, lease).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "webhook worker could not claim deliveries");
                (0, Vec::new())
            }
        };
        // A full pass (even if another server claimed part of it): there may be more due,
        // so go on as soon as slots are free.
        let full = found == limit;
        for (due, lease) in claimed {
            // One slot per delivery, freed when it is answered (`limit` ≥ claimed).
            let Some(permit) = room.split(1) else { break };
            if let Ok(mut l) = leases.lock() {
                l.insert(due.id.clone(), lease);
            }
            let state = state.clone();
            let url = url.clone();
            let done = done_tx.clone();
            tokio::spawn(async move {
                let attempt = attempt(&state, &url, due).await;
                drop(permit);
                // The recorder outlives every sender; if it is gone the row stays leased and
                // is sent again after the lease (at-least-once).
                let _ = done.send(attempt);
            });
        }
        // The slots not used.
        drop(room);
        if !full {
            tokio::select! {
                _ = state.webhook_wake.notified() => {}
                _ = tokio::time::sleep(POLL) => {}
                _ = shutdown.changed() => break,
            }
        }
    }
    // Stop claiming; the sends in flight end within their timeout and are recorded.
    drop(done_tx);
    let _ = recorder.await;
    let _ = beat_stop_tx.send(true);
    let _ = heartbeat.await;
}

/// Marks what is due `skipped` (no webhook URL is configured).
async fn skip_due(state: &AppState) -> Result<(), sqlx::Error> {
    let t = now_ms();
    if store::any_due(&state.db, t).await? {
        store::skip_due(&state.db, t).await?;
    }
    Ok(())
}

/// Claims up to `limit` due deliveries: how many were due (up to `limit`), and the ones
/// claimed, each with the end of its lease. On PostgreSQL in one statement (`FOR UPDATE
/// SKIP LOCKED`); on SQLite, whose one writer never races itself, by a read and a write
/// that takes only the rows still due.
async fn claim_due(
    state: &AppState,
    limit: usize,
    lease: i64,
) -> Result<(usize, Vec<(store::Due, i64)>), sqlx::Error> {
    let t = now_ms();
    let limit_sql = i64::try_from(limit).unwrap_or(64);
    if state.db.backend == Backend::Postgres {
        let lease = lease_end(lease);
        let claimed = store::claim_due_postgres(&state.db, t, limit_sql, lease).await?;
        return Ok((
            claimed.len(),
            claimed.into_iter().map(|d| (d, lease)).collect(),
        ));
    }
    let due = store::due(&state.db, t, limit_sql).await?;
    if due.is_empty() {
        return Ok((0, Vec::new()));
    }
    let found = due.len();
    let ids: Vec<String> = due.iter().map(|d| d.id.clone()).collect();
    let lease = lease_end(lease);
    let claimed = store::claim(&state.db, &ids, t, lease).await?;
    Ok((
        found,
        due.into_iter()
            .filter(|d| claimed.contains(&d.id))
            .map(|d| (d, lease))
            .collect(),
    ))
}

/// Sends one delivery; what came of it.
async fn attempt(state: &AppState, url: &str, due: store::Due) -> store::Attempt {
    let attempts = due.attempts + 1;
    match send(state, url, &due.id, &due.payload).await {
        Ok(code) => store::Attempt {
            id: due.id,
            attempts,
            code: Some(code),
            failure: None,
        },
        Err((code, error)) => {
            let given_up = attempts >= state.settings.webhook_max_attempts;
            let exp = u32::try_from(attempts - 1).unwrap_or(u32::MAX).min(20);
            let delay = state
                .settings
                .webhook_retry_base_ms
                .saturating_mul(1u64 << exp)
                .min(3_600_000);
            let next_ms = now_ms().saturating_add(i64::try_from(delay).unwrap_or(i64::MAX));
            tracing::warn!(delivery = %due.id, attempts, %error, "webhook delivery failed");
            store::Attempt {
                id: due.id,
                attempts,
                code,
                failure: Some(store::Failure {
                    error,
                    given_up,
                    next_ms,
                }),
            }
        }
    }
}

/// Records outcomes as they come, as many at once as are ready, until every sender is gone.
async fn record(
    state: AppState,
    mut done: mpsc::UnboundedReceiver<store::Attempt>,
    leases: Leases,
) {
    let mut batch = Vec::with_capacity(BATCH);
    while done.recv_many(&mut batch, BATCH).await > 0 {
        match store::record(&state.db, &batch).await {
            Ok(()) => {
                for a in &batch {
                    if a.failure.is_none() {
                        tracing::debug!(delivery = %a.id, "webhook delivered");
                    }
                }
            }
            // The rows stay leased: they are sent again when the lease runs out.
            Err(e) => tracing::warn!(error = %e, "webhook outcomes could not be recorded"),
        }
        if let Ok(mut l) = leases.lock() {
            for a in &batch {
                l.remove(&a.id);
            }
        }
        batch.clear();
    }
}

/// Every third of the lease (`lease_ms`), moves the lease of each delivery in flight
/// forward, until `stop`.
async fn heartbeat(
    state: AppState,
    leases: Leases,
    lease_ms: i64,
    mut stop: watch::Receiver<bool>,
) {
    let every = Duration::from_millis(u64::try_from(lease_ms / 3).unwrap_or(10_000));
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
        let held: Vec<(String, i64)> = match leases.lock() {
            Ok(l) => l.iter().map(|(id, lease)| (id.clone(), *lease)).collect(),
            Err(_) => return,
        };
        if held.is_empty() {
            continue;
        }
        let lease = lease_end(lease_ms);
        match store::extend_leases(&state.db, &held, lease).await {
            Ok(kept) => {
                if let Ok(mut l) = leases.lock() {
                    for ((id, old), kept) in held.iter().zip(kept) {
                        match l.get_mut(id) {
                            // Still in flight and still ours: its lease now ends later.
                            Some(current) if kept && *current == *old => *current = lease,
                            // Lost to another worker (its lease had run out): keep sending,
                            // the receiver may see it twice under the same webhook-id.
                            Some(_) if !kept => {
                                tracing::warn!(delivery = %id, "webhook lease lost while sending");
                                l.remove(id);
                            }
                            _ => {}
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "webhook leases could not be extended"),
        }
    }
}

async fn send(
    state: &AppState,
    url: &str,
    id: &str,
    payload: &str,
) -> Result<u16, (Option<u16>, String)> {
    let timestamp = now();
    let signature =
        crypto::webhook_signature(&state.project.webhook_secret, id, timestamp, payload);
    let response = state
        .http
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(payload.to_string())
        .timeout(SEND_TIMEOUT)
        .send()
        .await
        .map_err(|e| (None, format!("request failed: {}", e.without_url())))?;
    let status = response.status();
    // Read the answer to its end, so the keep-alive connection goes back to the pool.
    let _ = response.bytes().await;
    if status.is_success() {
        Ok(status.as_u16())
    } else {
        Err((Some(status.as_u16()), format!("receiver answered {status}")))
    }
}
