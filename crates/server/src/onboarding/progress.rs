//! Where a plan stands for its owner, derived from the owner's accounts (the source of
//! truth), the steps skipped and the open hand-off links; and the one moment a plan is
//! first complete, recorded once with its `connect_session.completed` webhook.

use super::store::{self, ProgressRow};
use crate::accounts::store::{self as accounts, AccountRow};
use crate::catalog::Catalog;
use crate::clock::{now, rfc3339};
use crate::db::{Db, Written};
use crate::error::ApiResult;
use crate::handoffs::store::{self as handoffs, HandoffRow};
use crate::sessions::store::Session;
use crate::webhooks::store::Event;
use linkhub_protocol::api::{
    AccountStatus, CompletedAccount, ConnectSessionCompletedData, SessionWebhookEvent,
    WebhookEventType,
};
use linkhub_protocol::onboarding::{OnboardingProgress, OnboardingStep, StepProgress, StepState};

/// Whether `account` satisfies `step`: its provider, or any connector of its category.
fn satisfies(catalog: &Catalog, step: &OnboardingStep, provider: &str) -> bool {
    match (&step.provider, &step.category) {
        (Some(p), _) => p == provider,
        (None, Some(c)) => catalog
            .by_provider(provider)
            .is_some_and(|k| &k.summary.category == c),
        (None, None) => false,
    }
}

fn account_name(catalog: &Catalog, a: &AccountRow) -> String {
    a.label.clone().unwrap_or_else(|| {
        catalog
            .by_provider(&a.provider)
            .map(|c| c.summary.name.clone())
            .unwrap_or_else(|| a.provider.clone())
    })
}

/// The progress of `row`'s plan, given the owner's accounts (newest first), the skipped
/// step indexes and the owner's open hand-offs (newest first).
pub fn derive(
    catalog: &Catalog,
    row: &ProgressRow,
    accounts: &[AccountRow],
    skipped: &[i64],
    open_handoffs: &[HandoffRow],
) -> OnboardingProgress {
    let mut steps = Vec::with_capacity(row.steps.len());
    for (i, step) in row.steps.iter().enumerate() {
        let index = u32::try_from(i).unwrap_or(u32::MAX);
        let matching: Vec<&AccountRow> = accounts
            .iter()
            .filter(|a| satisfies(catalog, step, &a.provider))
            .collect();
        let active = matching.iter().find(|a| a.status == AccountStatus::Active);
        let broken = matching.iter().find(|a| a.status == AccountStatus::Error);
        let handoff = open_handoffs
            .iter()
            .find(|h| satisfies(catalog, step, &h.provider));
        let (state, account) = if let Some(a) = active {
            (StepState::Done, Some(*a))
        } else if let Some(a) = broken {
            (StepState::NeedsAttention, Some(*a))
        } else if skipped.contains(&i64::from(index)) {
            (StepState::Skipped, None)
        } else if handoff.is_some() {
            (StepState::HandedOff, None)
        } else {
            (StepState::Todo, None)
        };
        steps.push(StepProgress {
            index,
            provider: step.provider.clone(),
            category: step.category.clone(),
            optional: step.optional,
            label: step.label.clone(),
            state,
            account_id: account.map(|a| a.id.clone()),
            account_provider: account.map(|a| a.provider.clone()),
            account_name: account.map(|a| account_name(catalog, a)),
            handoff_expires_at: (state == StepState::HandedOff)
                .then(|| handoff.map(|h| rfc3339(h.expires_at)))
                .flatten(),
        });
    }
    let done = steps.iter().filter(|s| s.state == StepState::Done).count();
    let completed = steps
        .iter()
        .all(|s| s.optional || s.state == StepState::Done);
    OnboardingProgress {
        plan_id: row.plan_id.clone(),
        done: u32::try_from(done).unwrap_or(u32::MAX),
        total: u32::try_from(steps.len()).unwrap_or(u32::MAX),
        steps,
        completed,
        completed_at: row.completed_at.map(rfc3339),
    }
}

/// Reads what [`derive`] needs for one owner and derives each of `rows`.
async fn derive_all(
    db: &Db,
    catalog: &Catalog,
    project_id: &str,
    owner_id: &str,
    rows: &[ProgressRow],
) -> ApiResult<Vec<OnboardingProgress>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let owned = accounts::list(db, project_id, Some(owner_id), None, None).await?;
    let open = handoffs::open_for_owner(db, project_id, owner_id, now()).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let skipped = store::skipped(db, project_id, owner_id, &row.plan_id).await?;
        out.push(derive(catalog, row, &owned, &skipped, &open));
    }
    Ok(out)
}

/// Records `progress` as completed when it is complete for the first time, with its
/// webhook (about `session`; the delivery is filed under `account_id`, the account whose
/// link completed it, else the session). Exactly one write wins, in any number of
/// processes; `progress.completed_at` is set from the stored value.
async fn record_completion(
    db: &Db,
    session: &Session,
    progress: &mut OnboardingProgress,
    account_id: Option<&str>,
) -> ApiResult<bool> {
    if !progress.completed || progress.completed_at.is_some() {
        return Ok(false);
    }
    let at = now();
    let mut accounts = Vec::<CompletedAccount>::new();
    for s in &progress.steps {
        if let (Some(id), Some(provider)) = (&s.account_id, &s.account_provider)
            && s.state == StepState::Done
            && !accounts.iter().any(|a| &a.id == id)
        {
            accounts.push(CompletedAccount {
                id: id.clone(),
                provider: provider.clone(),
            });
        }
    }
    let id = Event::new_id();
    let body = SessionWebhookEvent {
        id: id.clone(),
        event_type: WebhookEventType::ConnectSessionCompleted,
        timestamp: rfc3339(at),
        data: ConnectSessionCompletedData {
            id: session.id.clone(),
            origin_owner_id: session.origin_owner_id.clone(),
            origin_owner_name: session.origin_owner_name.clone(),
            origin_username: session.origin_username.clone(),
            metadata: session.metadata.clone(),
            plan_id: progress.plan_id.clone(),
            accounts,
            completed_at: rfc3339(at),
        },
    };
    let event = Event::new(
        id,
        &session.project_id,
        account_id.unwrap_or(&session.id),
        WebhookEventType::ConnectSessionCompleted.as_str(),
        serde_json::to_string(&body).unwrap_or_default(),
    );
    let w = store::complete(
        &session.project_id,
        &session.origin_owner_id,
        &progress.plan_id,
        at,
        &event,
    );
    match db.write(w).await? {
        Written::Done(_) => {
            progress.completed_at = Some(rfc3339(at));
            Ok(true)
        }
        Written::Refused(_) => {
            // Another write recorded it first: show its time.
            if let Some(row) = store::get(
                db,
                &session.project_id,
                &session.origin_owner_id,
                &progress.plan_id,
            )
            .await?
            {
                progress.completed_at = row.completed_at.map(rfc3339);
            }
            Ok(false)
        }
    }
}

/// The progress of `session`'s plan (`None` without one), completion recorded if due.
/// The second value: whether a webhook was queued.
pub async fn for_session(
    db: &Db,
    catalog: &Catalog,
    session: &Session,
) -> ApiResult<(Option<OnboardingProgress>, bool)> {
    let (Some(plan_id), Some(steps)) = (&session.plan_id, &session.onboarding) else {
        return Ok((None, false));
    };
    let row = match store::get(db, &session.project_id, &session.origin_owner_id, plan_id).await? {
        Some(row) => row,
        None => {
            // Made with the session; only a hand-edited database lacks it.
            db.write(store::ensure(
                &session.project_id,
                &session.origin_owner_id,
                plan_id,
                steps,
            ))
            .await?;
            ProgressRow {
                plan_id: plan_id.clone(),
                steps: steps.clone(),
                completed_at: None,
            }
        }
    };
    let mut progress = derive_all(
        db,
        catalog,
        &session.project_id,
        &session.origin_owner_id,
        std::slice::from_ref(&row),
    )
    .await?
    .pop();
    let mut queued = false;
    if let Some(p) = progress.as_mut() {
        queued = record_completion(db, session, p, None).await?;
    }
    Ok((progress, queued))
}

/// After `account_id` of `session`'s owner was written: records every plan of the owner
/// that is now complete for the first time. Whether a webhook was queued.
pub async fn after_account_change(
    db: &Db,
    catalog: &Catalog,
    session: &Session,
    account_id: &str,
) -> ApiResult<bool> {
    let rows = store::incomplete(db, &session.project_id, &session.origin_owner_id).await?;
    let mut queued = false;
    for mut progress in derive_all(
        db,
        catalog,
        &session.project_id,
        &session.origin_owner_id,
        &rows,
    )
    .await?
    {
        queued |= record_completion(db, session, &mut progress, Some(account_id)).await?;
    }
    Ok(queued)
}
