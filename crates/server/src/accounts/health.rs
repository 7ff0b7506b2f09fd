//! Account health: stored accounts re-checked with their connector's credential check
//! (`linkhub-server accounts verify`, `serve --verify-every`). A credential the provider now
//! refuses turns its account to `error` with a status reason; one that works again turns it
//! back to `active`; each change is written with its `account.updated` event. A provider
//! that does not answer changes nothing but the record of the last check.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use super::store::{self, AccountRow};
use crate::catalog::Catalog;
use crate::clock::{now, rfc3339};
use crate::crypto::SecretKey;
use crate::db::{Db, Written};
use crate::error::ApiResult;
use crate::i18n::Lang;
use crate::verify::health::{HealthItem, Transition, check_all, transition};
use crate::verify::words::{REASON_REFUSED, refused_reason};
use crate::verify::{Checker, Values};
use linkhub_protocol::api::{AccountStatus, StatusReason, WebhookEventType};

/// How many accounts are checked at once.
pub const CONCURRENCY: usize = 4;

/// What a health run did to one account.
#[derive(Debug, Clone, Serialize)]
pub struct Checked {
    pub account_id: String,
    pub provider: String,
    /// `ok`, `refused`, `not_sent`, `unreachable` or `failed`.
    pub result: &'static str,
    /// The account's status after the run.
    pub status: &'static str,
    /// Whether the status changed (and `account.updated` was queued).
    pub changed: bool,
}

/// Re-checks the project's accounts (only `account` when given) whose connector declares a
/// check; inactive accounts are left alone. The status reasons are written in `lang`.
pub async fn verify(
    db: &Db,
    key: &SecretKey,
    catalog: &Catalog,
    project_id: &str,
    checker: &Checker,
    account: Option<&str>,
) -> ApiResult<Vec<Checked>> {
    let lang = Lang::default();
    let rows = match account {
        Some(id) => store::by_id(db, project_id, id)
            .await?
            .into_iter()
            .collect(),
        None => store::list(db, project_id, None, None, None).await?,
    };
    let mut items = Vec::new();
    let mut accounts: BTreeMap<String, AccountRow> = BTreeMap::new();
    for row in rows {
        if row.status == AccountStatus::Inactive {
            continue;
        }
        let Some(c) = catalog.by_provider(&row.provider) else {
            continue;
        };
        let Some(check) = c.definition.check.clone() else {
            continue;
        };
        let mut values = row.setup_information.clone();
        values.extend(row.open_secrets(key)?);
        items.push(HealthItem {
            account_id: row.id.clone(),
            connector: row.provider.clone(),
            check: Arc::new(check),
            values: Values::new(&c.definition.fields, values),
        });
        accounts.insert(row.id.clone(), row);
    }
    let mut report = Vec::new();
    for (item, outcome) in check_all(checker, items, CONCURRENCY).await {
        let (Some(row), Some(c)) = (
            accounts.remove(&item.account_id),
            catalog.by_provider(&item.connector),
        ) else {
            continue;
        };
        let t = now();
        let next = match transition(&outcome) {
            Transition::Healthy
                if row.status != AccountStatus::Active || !row.status_reasons.is_empty() =>
            {
                Some((AccountStatus::Active, Vec::new()))
            }
            Transition::Broken if row.status != AccountStatus::Error => Some((
                AccountStatus::Error,
                vec![StatusReason {
                    code: Some(REASON_REFUSED.to_owned()),
                    description: Some(refused_reason(&c.definition, lang)),
                    timestamp: Some(rfc3339(t)),
                    extra: BTreeMap::new(),
                }],
            )),
            _ => None,
        };
        let changed = next.is_some();
        let (status, status_reasons) = next.unwrap_or((row.status, row.status_reasons.clone()));
        let updated = AccountRow {
            status,
            status_reasons,
            updated_at: if changed { t } else { row.updated_at },
            last_checked_at: Some(t),
            last_check: Some(outcome.kind().to_owned()),
            ..row.clone()
        };
        let event = changed.then(|| updated.event(catalog, WebhookEventType::AccountUpdated));
        let written = db
            .write(store::record_check(&updated, event.as_ref()))
            .await?;
        // Refused: edited or deleted meanwhile; its new values are checked next time.
        let (status, changed) = match written {
            Written::Done(_) => (updated.status, changed),
            Written::Refused(_) => (row.status, false),
        };
        report.push(Checked {
            account_id: row.id.clone(),
            provider: row.provider.clone(),
            result: outcome.kind(),
            status: status.as_str(),
            changed,
        });
    }
    Ok(report)
}
