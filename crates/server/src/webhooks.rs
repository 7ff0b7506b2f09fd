//! Delivers queued webhook events (the `webhook_deliveries` outbox), Standard Webhooks style.
//!
//! Each due row is claimed by moving its `next_attempt_ms` forward (so two servers on one
//! database do not both send it), POSTed with `webhook-id`, `webhook-timestamp` and
//! `webhook-signature`, then marked delivered or rescheduled with exponential backoff.
//! Rows survive restarts; nothing is dropped until `webhook_max_attempts` failures.

use std::time::Duration;

use sqlx::Row;
use tokio::sync::watch;

use crate::crypto;
use crate::db::{now, now_ms};
use crate::state::AppState;

/// How long a claimed delivery is reserved before another worker may retry it.
const LEASE_MS: i64 = 30_000;

/// Runs until `shutdown` turns true.
pub async fn run(state: AppState, mut shutdown: watch::Receiver<bool>) {
    loop {
        if let Err(e) = deliver_due(&state).await {
            tracing::warn!(error = %e, "webhook worker pass failed");
        }
        if state.settings.webhook_url.is_some() {
            tokio::select! {
                _ = state.webhook_wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_millis(250)) => {}
                _ = shutdown.changed() => return,
            }
        } else {
            // Nothing to send: events are only marked skipped, once a second, in one write
            // (not one pass per queued event, which would take the writer from the requests).
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                _ = shutdown.changed() => return,
            }
        }
        if *shutdown.borrow() {
            return;
        }
    }
}

/// Sends every due delivery once.
pub async fn deliver_due(state: &AppState) -> Result<(), sqlx::Error> {
    let Some(url) = state.settings.webhook_url.clone() else {
        let due = sqlx::query(
            "SELECT 1 FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_ms <= $1 \
             LIMIT 1",
        )
        .bind(now_ms())
        .fetch_optional(&state.db.pool)
        .await?;
        if due.is_some() {
            sqlx::query(
                "UPDATE webhook_deliveries SET status = 'skipped', \
                 last_error = 'no webhook URL configured' \
                 WHERE status = 'pending' AND next_attempt_ms <= $1",
            )
            .bind(now_ms())
            .execute(&mut *state.db.writer().await?)
            .await?;
        }
        return Ok(());
    };
    let t = now_ms();
    let rows = sqlx::query(
        "SELECT id, payload, attempts, next_attempt_ms FROM webhook_deliveries \
         WHERE status = 'pending' AND next_attempt_ms <= $1 ORDER BY next_attempt_ms LIMIT 32",
    )
    .bind(t)
    .fetch_all(&state.db.pool)
    .await?;
    if rows.is_empty() {
        return Ok(());
    }
    let mut due = Vec::with_capacity(rows.len());
    for row in &rows {
        let id: String = row.try_get("id")?;
        let payload: String = row.try_get("payload")?;
        let attempts: i64 = row.try_get("attempts")?;
        due.push((id, payload, attempts));
    }
    // Claims them in one statement by moving `next_attempt_ms` past a lease; a row that
    // another worker claimed (or that changed) meanwhile is no longer due and is left out.
    let list = (0..due.len())
        .map(|i| format!("${}", i + 3))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "UPDATE webhook_deliveries SET next_attempt_ms = $1 \
         WHERE status = 'pending' AND next_attempt_ms <= $2 AND id IN ({list}) RETURNING id"
    );
    let mut claim = sqlx::query_scalar::<_, String>(&sql)
        .bind(now_ms() + LEASE_MS)
        .bind(t);
    for (id, _, _) in &due {
        claim = claim.bind(id);
    }
    let claimed: std::collections::HashSet<String> = claim
        .fetch_all(&mut *state.db.writer().await?)
        .await?
        .into_iter()
        .collect();
    for (id, payload, attempts) in due {
        if !claimed.contains(&id) {
            continue;
        }
        let outcome = send(state, &url, &id, &payload).await;
        let attempts = attempts + 1;
        match outcome {
            Ok(code) => {
                sqlx::query(
                    "UPDATE webhook_deliveries SET status = 'delivered', attempts = $1, \
                     last_status_code = $2, last_error = NULL, delivered_at = $3 WHERE id = $4",
                )
                .bind(attempts)
                .bind(i64::from(code))
                .bind(now())
                .bind(&id)
                .execute(&mut *state.db.writer().await?)
                .await?;
                tracing::info!(delivery = %id, "webhook delivered");
            }
            Err((code, error)) => {
                let failed = attempts >= state.settings.webhook_max_attempts;
                let exp = u32::try_from(attempts - 1).unwrap_or(u32::MAX).min(20);
                let delay = state
                    .settings
                    .webhook_retry_base_ms
                    .saturating_mul(1u64 << exp)
                    .min(3_600_000);
                sqlx::query(
                    "UPDATE webhook_deliveries SET status = $1, attempts = $2, \
                     last_status_code = $3, last_error = $4, next_attempt_ms = $5 WHERE id = $6",
                )
                .bind(if failed { "failed" } else { "pending" })
                .bind(attempts)
                .bind(code.map(i64::from))
                .bind(&error)
                .bind(now_ms() + i64::try_from(delay).unwrap_or(i64::MAX))
                .bind(&id)
                .execute(&mut *state.db.writer().await?)
                .await?;
                tracing::warn!(delivery = %id, attempts, %error, "webhook delivery failed");
            }
        }
    }
    Ok(())
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
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| (None, format!("request failed: {}", e.without_url())))?;
    let status = response.status();
    if status.is_success() {
        Ok(status.as_u16())
    } else {
        Err((Some(status.as_u16()), format!("receiver answered {status}")))
    }
}
