//! Storage of accounts: typed rows, and the statements of the one account write path
//! (every write of an account row binds its columns through [`bind_account`], with the
//! webhook event that announces it in the same write).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::catalog::{Catalog, Connector};
use crate::clock::{now, rfc3339};
use crate::crypto::SecretKey;
use crate::db::{Db, Write};
use crate::error::{ApiError, ApiResult};
use crate::webhooks::store::Event;
use linkhub_protocol::api::{
    Account, AccountStatus, StatusReason, WebhookAccountData, WebhookEvent, WebhookEventType,
};
use linkhub_protocol::secret::SecretMap;

/// An account.
#[derive(Debug, Clone)]
pub struct AccountRow {
    pub id: String,
    pub project_id: String,
    pub provider: String,
    pub integration_id: String,
    pub origin_owner_id: String,
    pub origin_owner_name: String,
    pub origin_username: Option<String>,
    pub label: Option<String>,
    pub metadata: Option<Value>,
    pub status: AccountStatus,
    pub status_reasons: Vec<StatusReason>,
    pub setup_information: BTreeMap<String, String>,
    /// Field key → sealed value.
    pub secrets: SecretMap<String>,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// Extension: the hand-off link it was linked through, if any.
    pub handoff_id: Option<String>,
    /// When the credentials were last checked with the provider (never: `None`).
    pub last_checked_at: Option<i64>,
    /// What that check found ([`crate::verify::Outcome::kind`]).
    pub last_check: Option<String>,
}

/// An `accounts` row as stored (JSON columns as text).
#[derive(sqlx::FromRow)]
struct AccountRecord {
    id: String,
    project_id: String,
    provider: String,
    integration_id: String,
    origin_owner_id: String,
    origin_owner_name: String,
    origin_username: Option<String>,
    label: Option<String>,
    metadata: Option<String>,
    status: String,
    status_reasons: String,
    setup_information: String,
    secrets: String,
    version: i64,
    created_at: i64,
    updated_at: i64,
    handoff_id: Option<String>,
    last_checked_at: Option<i64>,
    last_check: Option<String>,
}

const ACCOUNT_COLUMNS: &str = "id, project_id, provider, integration_id, origin_owner_id, \
    origin_owner_name, origin_username, label, metadata, status, status_reasons, \
    setup_information, secrets, version, created_at, updated_at, handoff_id, last_checked_at, \
    last_check";

impl TryFrom<AccountRecord> for AccountRow {
    type Error = ApiError;

    /// A column that does not hold what the server writes is an error naming the account
    /// and the column (logged by whoever answers it), never a silent empty value.
    fn try_from(r: AccountRecord) -> ApiResult<AccountRow> {
        fn parse<T: serde::de::DeserializeOwned>(
            id: &str,
            column: &str,
            text: &str,
        ) -> ApiResult<T> {
            serde_json::from_str(text).map_err(|_| {
                ApiError::internal(format!(
                    "account {id}: the stored {column} column is corrupt (not the JSON the \
                     server writes)"
                ))
            })
        }
        let metadata = match &r.metadata {
            Some(m) => Some(parse(&r.id, "metadata", m)?),
            None => None,
        };
        Ok(AccountRow {
            metadata,
            status: r.status.parse().map_err(|_| {
                ApiError::internal(format!("account {}: unknown stored status", r.id))
            })?,
            status_reasons: parse(&r.id, "status_reasons", &r.status_reasons)?,
            setup_information: parse(&r.id, "setup_information", &r.setup_information)?,
            secrets: parse(&r.id, "secrets", &r.secrets)?,
            id: r.id,
            project_id: r.project_id,
            provider: r.provider,
            integration_id: r.integration_id,
            origin_owner_id: r.origin_owner_id,
            origin_owner_name: r.origin_owner_name,
            origin_username: r.origin_username,
            label: r.label,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
            handoff_id: r.handoff_id,
            last_checked_at: r.last_checked_at,
            last_check: r.last_check,
        })
    }
}

impl AccountRow {
    /// The host-facing form (no secrets).
    pub fn to_account(&self, catalog: &Catalog) -> Account {
        Account {
            id: self.id.clone(),
            provider: self.provider.clone(),
            provider_name: provider_name(catalog, &self.provider),
            status: self.status,
            status_reasons: self.status_reasons.clone(),
            origin_owner_id: self.origin_owner_id.clone(),
            origin_owner_name: self.origin_owner_name.clone(),
            origin_username: self.origin_username.clone(),
            label: self.label.clone(),
            metadata: self.metadata.clone(),
            setup_information: self
                .setup_information
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect(),
            created_at: rfc3339(self.created_at),
            updated_at: rfc3339(self.updated_at),
        }
    }

    /// Opens the sealed secrets.
    pub fn open_secrets(&self, key: &SecretKey) -> ApiResult<BTreeMap<String, String>> {
        self.secrets
            .iter()
            .map(|(k, sealed)| {
                key.open(&secret_context(&self.id, k), sealed)
                    .map(|v| (k.clone(), v))
                    .map_err(|e| {
                        ApiError::internal(format!("account {}: secret {k}: {e}", self.id))
                    })
            })
            .collect()
    }

    /// The `event_type` webhook event about this account, as it is now.
    pub fn event(&self, catalog: &Catalog, event_type: WebhookEventType) -> Event {
        // One id for the body and the delivery (sent as `webhook-id`): a receiver
        // de-duplicates retries by either.
        let id = Event::new_id();
        let body = WebhookEvent {
            id: id.clone(),
            event_type,
            timestamp: rfc3339(now()),
            data: WebhookAccountData {
                id: self.id.clone(),
                account_id: Some(self.id.clone()),
                provider: self.provider.clone(),
                provider_name: Some(provider_name(catalog, &self.provider)),
                status: Some(self.status),
                origin_owner_id: self.origin_owner_id.clone(),
                origin_owner_name: self.origin_owner_name.clone(),
                origin_username: self.origin_username.clone(),
                label: self.label.clone(),
                metadata: self.metadata.clone(),
            },
        };
        Event::new(
            id,
            &self.project_id,
            &self.id,
            event_type.as_str(),
            serde_json::to_string(&body).unwrap_or_default(),
        )
    }
}

fn provider_name(catalog: &Catalog, provider: &str) -> String {
    catalog
        .by_provider(provider)
        .map(|c| c.summary.name.clone())
        .unwrap_or_else(|| provider.to_string())
}

/// What a sealed account secret is bound to (its AES-GCM associated data).
pub(crate) fn secret_context(account_id: &str, field: &str) -> String {
    format!("account/{account_id}/{field}")
}

/// Splits values into plain setup information and sealed secrets, per the connector's fields.
pub fn seal_values(
    key: &SecretKey,
    connector: &Connector,
    account_id: &str,
    values: &BTreeMap<String, String>,
    extra_secrets: &BTreeMap<String, String>,
) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let mut setup = BTreeMap::new();
    let mut secrets = BTreeMap::new();
    for f in &connector.fields {
        let value = values
            .get(&f.key)
            .cloned()
            .or_else(|| f.fixed_value.clone());
        let Some(value) = value.filter(|v| !v.is_empty()) else {
            continue;
        };
        if f.secret {
            secrets.insert(
                f.key.clone(),
                key.seal(&secret_context(account_id, &f.key), &value),
            );
        } else {
            setup.insert(f.key.clone(), value);
        }
    }
    for (k, v) in extra_secrets {
        secrets.insert(k.clone(), key.seal(&secret_context(account_id, k), v));
    }
    (setup, secrets)
}

// ------------------------------------------------------------------ reads

/// An account of the project.
pub async fn by_id(db: &Db, project_id: &str, id: &str) -> ApiResult<Option<AccountRow>> {
    sqlx::query_as::<_, AccountRecord>(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1 AND project_id = $2"
    ))
    .bind(id)
    .bind(project_id)
    .fetch_optional(&db.pool)
    .await?
    .map(AccountRow::try_from)
    .transpose()
}

/// The owner's newest account for this provider.
pub async fn owner_account(
    db: &Db,
    project_id: &str,
    owner_id: &str,
    provider: &str,
) -> ApiResult<Option<AccountRow>> {
    sqlx::query_as::<_, AccountRecord>(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE project_id = $1 AND origin_owner_id = $2 \
         AND provider = $3 ORDER BY created_at DESC, id LIMIT 1"
    ))
    .bind(project_id)
    .bind(owner_id)
    .bind(provider)
    .fetch_optional(&db.pool)
    .await?
    .map(AccountRow::try_from)
    .transpose()
}

/// Accounts of a project, newest first, with optional filters.
pub async fn list(
    db: &Db,
    project_id: &str,
    owner: Option<&str>,
    provider: Option<&str>,
    status: Option<&str>,
) -> ApiResult<Vec<AccountRow>> {
    let mut sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE project_id = $1");
    let mut n = 1;
    for (column, value) in [
        ("origin_owner_id", owner),
        ("provider", provider),
        ("status", status),
    ] {
        if value.is_some() {
            n += 1;
            sql.push_str(&format!(" AND {column} = ${n}"));
        }
    }
    sql.push_str(" ORDER BY created_at DESC, id");
    let mut query = sqlx::query_as::<_, AccountRecord>(&sql).bind(project_id);
    for value in [owner, provider, status].into_iter().flatten() {
        query = query.bind(value);
    }
    query
        .fetch_all(&db.pool)
        .await?
        .into_iter()
        .map(AccountRow::try_from)
        .collect()
}

// ------------------------------------------------------------------ the account write path

/// The account's columns as the named parameters every account statement uses.
fn bind_account(w: Write, a: &AccountRow, single_key: Option<String>) -> Write {
    w.bind("id", &a.id)
        .bind("project_id", &a.project_id)
        .bind("provider", &a.provider)
        .bind("integration_id", &a.integration_id)
        .bind("origin_owner_id", &a.origin_owner_id)
        .bind("origin_owner_name", &a.origin_owner_name)
        .bind("origin_username", &a.origin_username)
        .bind("label", &a.label)
        .bind("metadata", a.metadata.as_ref().map(Value::to_string))
        .bind("status", a.status.as_str())
        .bind(
            "status_reasons",
            serde_json::to_string(&a.status_reasons).unwrap_or_default(),
        )
        .bind(
            "setup_information",
            serde_json::to_string(&a.setup_information).unwrap_or_default(),
        )
        .bind(
            "secrets",
            serde_json::to_string(&a.secrets).unwrap_or_default(),
        )
        .bind("version", a.version)
        .bind("created_at", a.created_at)
        .bind("updated_at", a.updated_at)
        .bind("last_checked_at", a.last_checked_at)
        .bind("last_check", &a.last_check)
        .bind("single_key", single_key)
        .bind("handoff_id", &a.handoff_id)
}

const INSERT_COLUMNS: &str = "INSERT INTO accounts (id, project_id, provider, integration_id, \
    origin_owner_id, origin_owner_name, origin_username, label, metadata, status, \
    status_reasons, setup_information, secrets, version, created_at, updated_at, single_key, \
    handoff_id, last_checked_at, last_check) ";
const INSERT_VALUES: &str = ":id, :project_id, :provider, :integration_id, :origin_owner_id, \
    :origin_owner_name, :origin_username, :label, :metadata, :status, :status_reasons, \
    :setup_information, :secrets, :version, :created_at, :updated_at, :single_key, :handoff_id, \
    :last_checked_at, :last_check";

/// Inserts a new account with its `account.created` event. The insert is required: with
/// `multiple`, always made; without, only when the owner has no account for the provider
/// (checked in the same statement; the unique `single_key` settles two concurrent first
/// links), so a refusal means "update the owner's account instead".
pub fn insert(account: &AccountRow, multiple: bool, event: &Event) -> Write {
    let (sql, single_key) = if multiple {
        (format!("{INSERT_COLUMNS}VALUES ({INSERT_VALUES})"), None)
    } else {
        (
            format!(
                "{INSERT_COLUMNS}SELECT {INSERT_VALUES} WHERE NOT EXISTS (SELECT 1 FROM accounts \
                 WHERE project_id = :project_id AND origin_owner_id = :origin_owner_id \
                 AND provider = :provider) ON CONFLICT (single_key) DO NOTHING"
            ),
            Some(format!(
                "{}|{}|{}",
                account.project_id, account.origin_owner_id, account.provider
            )),
        )
    };
    bind_account(Write::new().require(sql), account, single_key)
        .then(crate::webhooks::store::enqueue(event))
}

/// Replaces an account's values with `account`'s (same id, owner and provider), with its
/// `account.updated` event. Required: refused when the account is gone.
pub fn update(account: &AccountRow, event: &Event) -> Write {
    bind_account(
        Write::new().require(
            "UPDATE accounts SET integration_id = :integration_id, status = :status, \
             status_reasons = :status_reasons, setup_information = :setup_information, \
             secrets = :secrets, version = version + 1, updated_at = :updated_at, \
             handoff_id = COALESCE(:handoff_id, handoff_id), \
             last_checked_at = :last_checked_at, last_check = :last_check \
             WHERE id = :id AND project_id = :project_id AND origin_owner_id = :origin_owner_id \
             AND provider = :provider",
        ),
        account,
        None,
    )
    .then(crate::webhooks::store::enqueue(event))
}

/// A health check's finding about an account: its status and status reasons changed,
/// with the `account.updated` event that announces it (`event`: `None` when the status did
/// not change, and only the check's time and result are recorded). Required: refused when
/// the account is gone or was changed since it was read at `account.version`, so a health
/// run never overwrites an edit made meanwhile.
pub fn record_check(account: &AccountRow, event: Option<&Event>) -> Write {
    let w = Write::new()
        .require(
            "UPDATE accounts SET status = :status, status_reasons = :status_reasons, \
             updated_at = :updated_at, last_checked_at = :last_checked_at, \
             last_check = :last_check WHERE id = :id AND project_id = :project_id \
             AND version = :version",
        )
        .bind("status", account.status.as_str())
        .bind(
            "status_reasons",
            serde_json::to_string(&account.status_reasons).unwrap_or_default(),
        )
        .bind("updated_at", account.updated_at)
        .bind("last_checked_at", account.last_checked_at)
        .bind("last_check", &account.last_check)
        .bind("id", &account.id)
        .bind("project_id", &account.project_id)
        .bind("version", account.version);
    match event {
        Some(e) => w.then(crate::webhooks::store::enqueue(e)),
        None => w,
    }
}

/// Deletes an account, with its `account.deleted` event and a tombstone naming its owner
/// (so the owner's repeated delete is told apart from a stranger's). Required: refused
/// when it is gone.
pub fn delete(account: &AccountRow, event: &Event) -> Write {
    Write::new()
        .require("DELETE FROM accounts WHERE id = :id AND project_id = :project_id")
        .run(
            "INSERT INTO account_tombstones (id, project_id, origin_owner_id, deleted_at) \
             VALUES (:id, :project_id, :origin_owner_id, :deleted_at) ON CONFLICT DO NOTHING",
        )
        .bind("id", &account.id)
        .bind("project_id", &account.project_id)
        .bind("origin_owner_id", &account.origin_owner_id)
        .bind("deleted_at", now())
        .then(crate::webhooks::store::enqueue(event))
}

/// Whether this owner deleted the account `id`.
pub async fn deleted_by(db: &Db, project_id: &str, owner_id: &str, id: &str) -> ApiResult<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM account_tombstones WHERE id = $1 AND project_id = $2 \
         AND origin_owner_id = $3",
    )
    .bind(id)
    .bind(project_id)
    .bind(owner_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(found.is_some())
}
