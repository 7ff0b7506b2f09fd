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
        tokio::select! {
            _ = state.webhook_wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(250)) => {}
            _ = shutdown.changed() => return,
        }
        if *shutdown.borrow() {
            return;
        }
    }
}

/// Sends every due delivery once.
pub async fn deliver_due(state: &AppState) -> Result<(), sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, payload, attempts, next_attempt_ms FROM webhook_deliveries \
         WHERE status = 'pending' AND next_attempt_ms <= $1 ORDER BY next_attempt_ms LIMIT 32",
    )
    .bind(now_ms())
    .fetch_all(&state.db.pool)
    .await?;
    for row in rows {
        let id: String = row.try_get("id")?;
        let payload: String = row.try_get("payload")?;
        let attempts: i64 = row.try_get("attempts")?;
        let due: i64 = row.try_get("next_attempt_ms")?;
        let Some(url) = state.settings.webhook_url.clone() else {
            sqlx::query(
                "UPDATE webhook_deliveries SET status = 'skipped', \
                 last_error = 'no webhook URL configured' WHERE id = $1 AND status = 'pending'",
            )
            .bind(&id)
            .execute(&state.db.pool)
            .await?;
            continue;
        };
        let claimed = sqlx::query(
            "UPDATE webhook_deliveries SET next_attempt_ms = $1 \
             WHERE id = $2 AND status = 'pending' AND next_attempt_ms = $3",
        )
        .bind(now_ms() + LEASE_MS)
        .bind(&id)
        .bind(due)
        .execute(&state.db.pool)
        .await?
        .rows_affected()
            == 1;
        if !claimed {
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
                .execute(&state.db.pool)
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
                .execute(&state.db.pool)
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
