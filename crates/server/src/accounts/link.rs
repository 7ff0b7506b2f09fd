//! The one account write path: a link (a new account, or the owner's account updated) or
//! an edit, each one [`Write`] with its webhook event, optionally after an idempotency
//! claim and before a follow-up statement (an OAuth attempt's result), all kept together.

use std::collections::BTreeMap;

use axum::http::StatusCode;

use super::store::{self, AccountRow};
use crate::catalog::Connector;
use crate::clock::now;
use crate::db::{Write, Written};
use crate::error::{ApiError, ApiResult};
use crate::idempotency::IdemKey;
use crate::sessions::store::Session;
use crate::state::AppState;
use linkhub_protocol::api::{AccountStatus, WebhookEventType};

/// A statement to run in the link's write after the account's, given the account id; it
/// must change a row, else nothing of the link is kept.
pub type FollowUp<'a> = &'a (dyn Fn(&str) -> Write + Send + Sync);

/// What a link ended in.
#[derive(Debug)]
pub enum Linked {
    /// Written: 201 for a new account, 200 for the owner's account updated.
    Account {
        status: StatusCode,
        account: Box<AccountRow>,
    },
    /// The idempotency key was claimed already: nothing written.
    KeyTaken,
    /// The follow-up statement changed nothing: nothing written.
    FollowUpRefused,
}

/// Which account a link writes.
enum Target {
    New,
    /// The owner's account for the connector (a link without `multiple`).
    Owner,
    /// The session's account (an edit session).
    Id(String),
}

/// How often a link looks again when the account it aimed at changed meanwhile.
const TRIES: usize = 5;

/// Links an account for `session`: a new one, or (edit session, or the owner's account for
/// this connector without `multiple`) the existing one updated.
pub async fn link(
    state: &AppState,
    session: &Session,
    connector: &Connector,
    values: &BTreeMap<String, String>,
    extra_secrets: &BTreeMap<String, String>,
    idem: Option<&IdemKey>,
    follow_up: Option<FollowUp<'_>>,
) -> ApiResult<Linked> {
    let mut target = match &session.account_id {
        Some(id) => Target::Id(id.clone()),
        None => Target::New,
    };
    for _ in 0..TRIES {
        let existing = match &target {
            Target::New => None,
            Target::Owner => {
                let found = store::owner_account(
                    &state.db,
                    &session.project_id,
                    &session.origin_owner_id,
                    &connector.key,
                )
                .await?;
                if found.is_none() {
                    // Deleted meanwhile: a new one.
                    target = Target::New;
                    continue;
                }
                found
            }
            Target::Id(id) => Some(
                store::by_id(&state.db, &session.project_id, id)
                    .await?
                    .filter(|a| {
                        a.origin_owner_id == session.origin_owner_id && a.provider == connector.key
                    })
                    .ok_or_else(not_found)?,
            ),
        };
        let (status, account, account_write) = match existing {
            None => {
                let account = new_account(state, session, connector, values, extra_secrets);
                let event = account.event(&state.catalog, WebhookEventType::AccountCreated);
                let w = store::insert(&account, session.multiple, &event);
                (StatusCode::CREATED, account, w)
            }
            Some(old) => {
                let mut account = updated(state, old, connector, values, extra_secrets);
                // Re-linked by a colleague's hand-off: it came through that hand-off now.
                if session.handoff_id.is_some() {
                    account.handoff_id = session.handoff_id.clone();
                }
                let event = account.event(&state.catalog, WebhookEventType::AccountUpdated);
                let w = store::update(&account, &event);
                (StatusCode::OK, account, w)
            }
        };
        let mut w = Write::new();
        if let Some(idem) = idem {
            w = w.then(idem.claim(status, &super::created_body(&account)));
        }
        let account_at = w.len();
        w = w.then(account_write);
        if let Some(handoff_id) = &session.handoff_id {
            w = w.then(crate::handoffs::store::mark_used(handoff_id, &account.id));
        }
        let follow_up_at = w.len();
        if let Some(f) = follow_up {
            w = w.then(f(&account.id));
        }
        match state.db.write(w).await? {
            Written::Done(_) => {
                onboarding_after_write(state, session, &account.id).await;
                state.webhook_wake.notify_one();
                return Ok(Linked::Account {
                    status,
                    account: Box::new(account),
                });
            }
            Written::Refused(i) if i < account_at => return Ok(Linked::KeyTaken),
            Written::Refused(i) if i >= follow_up_at => return Ok(Linked::FollowUpRefused),
            Written::Refused(_) => {
                target = match target {
                    // The owner has an account for this connector (or a concurrent link
                    // just made it): update that one.
                    Target::New | Target::Owner => Target::Owner,
                    Target::Id(_) => return Err(not_found()),
                };
            }
        }
    }
    Err(ApiError::conflict(
        "The account changed while it was being linked; retry",
    ))
}

/// Extension: records every onboarding plan of the session's owner that this write
/// completed. The account is written whatever happens here: a failure is logged, and the
/// next read of the plan's progress records the completion instead.
async fn onboarding_after_write(state: &AppState, session: &Session, account_id: &str) {
    if let Err(e) = crate::onboarding::progress::after_account_change(
        &state.db,
        &state.catalog,
        session,
        account_id,
    )
    .await
    {
        tracing::warn!(error = %e, session = %session.id, "onboarding completion not recorded");
    }
}

/// Replaces an account's values (merged and validated by the caller), with its event.
/// `Ok(None)` when the account is gone.
pub async fn update(
    state: &AppState,
    session: &Session,
    old: AccountRow,
    connector: &Connector,
    values: &BTreeMap<String, String>,
    extra_secrets: &BTreeMap<String, String>,
) -> ApiResult<Option<AccountRow>> {
    let account = updated(state, old, connector, values, extra_secrets);
    let event = account.event(&state.catalog, WebhookEventType::AccountUpdated);
    match state.db.write(store::update(&account, &event)).await? {
        Written::Done(_) => {
            onboarding_after_write(state, session, &account.id).await;
            state.webhook_wake.notify_one();
            Ok(Some(account))
        }
        Written::Refused(_) => Ok(None),
    }
}

/// Deletes an account with its event; `Ok(None)` when there is none.
pub async fn delete(state: &AppState, id: &str) -> ApiResult<Option<AccountRow>> {
    let Some(account) = store::by_id(&state.db, &state.project.id, id).await? else {
        return Ok(None);
    };
    let event = account.event(&state.catalog, WebhookEventType::AccountDeleted);
    match state.db.write(store::delete(&account, &event)).await? {
        Written::Done(_) => {
            state.webhook_wake.notify_one();
            Ok(Some(account))
        }
        Written::Refused(_) => Ok(None),
    }
}

fn not_found() -> ApiError {
    ApiError::not_found("Account not found for this session's owner and connector")
}

/// A new account of `session`'s owner (sealed before the write, so no CPU work is done in
/// the writer).
fn new_account(
    state: &AppState,
    session: &Session,
    connector: &Connector,
    values: &BTreeMap<String, String>,
    extra_secrets: &BTreeMap<String, String>,
) -> AccountRow {
    let id = format!("acc_{}", uuid::Uuid::new_v4().simple());
    let (setup, secrets) = store::seal_values(&state.key, connector, &id, values, extra_secrets);
    let t = now();
    AccountRow {
        id,
        project_id: session.project_id.clone(),
        provider: connector.key.clone(),
        integration_id: connector.summary.integration_id.clone(),
        origin_owner_id: session.origin_owner_id.clone(),
        origin_owner_name: session.origin_owner_name.clone(),
        origin_username: session.origin_username.clone(),
        label: session.label.clone(),
        metadata: session.metadata.clone(),
        status: AccountStatus::Active,
        status_reasons: Vec::new(),
        setup_information: setup,
        secrets: secrets.into(),
        version: 1,
        created_at: t,
        updated_at: t,
        handoff_id: session.handoff_id.clone(),
    }
}

/// `old` with new values, active again, one version later.
fn updated(
    state: &AppState,
    old: AccountRow,
    connector: &Connector,
    values: &BTreeMap<String, String>,
    extra_secrets: &BTreeMap<String, String>,
) -> AccountRow {
    let (setup, secrets) =
        store::seal_values(&state.key, connector, &old.id, values, extra_secrets);
    AccountRow {
        integration_id: connector.summary.integration_id.clone(),
        status: AccountStatus::Active,
        status_reasons: Vec::new(),
        setup_information: setup,
        secrets: secrets.into(),
        version: old.version + 1,
        updated_at: now(),
        ..old
    }
}
