//! Delivers queued webhook events (the `webhook_deliveries` outbox), Standard Webhooks style.
//! No routes: events are queued by the writes of the other features ([`store::enqueue`]).
//!
//! Each due row is claimed by moving its `next_attempt_ms` forward (so two servers on one
//! database do not both send it), POSTed with `webhook-id`, `webhook-timestamp` and
//! `webhook-signature`, then marked delivered or rescheduled with exponential backoff.
//! Rows survive restarts; nothing is dropped until `webhook_max_attempts` failures.

pub mod store;

use std::time::Duration;

use tokio::sync::watch;

use crate::clock::{now, now_ms};
use crate::crypto;
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
    let db = &state.db;
    let Some(url) = state.settings.webhook_url.clone() else {
        let t = now_ms();
        if store::any_due(db, t).await? {
            store::skip_due(db, t).await?;
        }
        return Ok(());
    };
    let t = now_ms();
    let due = store::due(db, t, 32).await?;
    if due.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = due.iter().map(|d| d.id.clone()).collect();
    let claimed = store::claim(db, &ids, t, now_ms() + LEASE_MS).await?;
    for d in due {
        if !claimed.contains(&d.id) {
            continue;
        }
        let attempts = d.attempts + 1;
        match send(state, &url, &d.id, &d.payload).await {
            Ok(code) => {
                store::delivered(db, &d.id, attempts, code).await?;
                tracing::info!(delivery = %d.id, "webhook delivered");
            }
            Err((code, error)) => {
                let given_up = attempts >= state.settings.webhook_max_attempts;
                let exp = u32::try_from(attempts - 1).unwrap_or(u32::MAX).min(20);
                let delay = state
                    .settings
                    .webhook_retry_base_ms
                    .saturating_mul(1u64 << exp)
                    .min(3_600_000);
                let next = now_ms() + i64::try_from(delay).unwrap_or(i64::MAX);
                store::failed(db, &d.id, attempts, code, &error, given_up, next).await?;
                tracing::warn!(delivery = %d.id, attempts, %error, "webhook delivery failed");
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
