//! Sessions, accounts and the webhook outbox: every SQL statement the handlers share.
//!
//! An account change and its webhook event are written in one transaction, so an event
//! is never lost or sent for a change that did not happen. Transactions start with their
//! write (never read-then-write), which keeps SQLite from failing a lock upgrade under load.

use std::collections::BTreeMap;

use serde_json::Value;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::catalog::{Catalog, Connector};
use crate::crypto::{self, SecretKey};
use crate::db::{Db, now, now_ms, rfc3339};
use crate::error::{ApiError, ApiResult};
use crate::wire::{Account, AccountStatus, WebhookAccount, WebhookEvent};

/// A connect session, loaded from its token.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub project_id: String,
    pub origin_owner_id: String,
    pub origin_owner_name: String,
    pub origin_username: Option<String>,
    pub categories: Option<Vec<String>>,
    pub provider: Option<String>,
    pub account_id: Option<String>,
    pub label: Option<String>,
    pub metadata: Option<Value>,
    pub multiple: bool,
    pub created_at: i64,
    pub expires_at: i64,
}

/// The session for a token, if the token is known and not expired.
pub async fn session_by_token(db: &Db, token: &str) -> ApiResult<Session> {
    let row = sqlx::query(
        "SELECT id, project_id, origin_owner_id, origin_owner_name, origin_username, categories, \
         provider, account_id, label, metadata, multiple, created_at, expires_at \
         FROM connect_sessions WHERE token_hash = $1",
    )
    .bind(crypto::sha256_hex(token))
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else {
        return Err(ApiError::unauthorized("Invalid session token"));
    };
    let session = session_from_row(&row)?;
    if session.expires_at <= now() {
        return Err(ApiError::unauthorized("Session expired"));
    }
    Ok(session)
}

fn session_from_row(row: &AnyRow) -> ApiResult<Session> {
    let categories: Option<String> = row.try_get("categories")?;
    let metadata: Option<String> = row.try_get("metadata")?;
    let multiple: i64 = row.try_get("multiple")?;
    Ok(Session {
        id: row.try_get("id")?,
        project_id: row.try_get("project_id")?,
        origin_owner_id: row.try_get("origin_owner_id")?,
        origin_owner_name: row.try_get("origin_owner_name")?,
        origin_username: row.try_get("origin_username")?,
        categories: categories.and_then(|c| serde_json::from_str(&c).ok()),
        provider: row.try_get("provider")?,
        account_id: row.try_get("account_id")?,
        label: row.try_get("label")?,
        metadata: metadata.and_then(|m| serde_json::from_str(&m).ok()),
        multiple: multiple != 0,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
    })
}

/// A new session to store.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub session: Session,
    pub token_hash: String,
}

pub async fn insert_session(db: &Db, new: &NewSession) -> ApiResult<()> {
    let s = &new.session;
    sqlx::query(
        "INSERT INTO connect_sessions (id, project_id, token_hash, origin_owner_id, \
         origin_owner_name, origin_username, categories, provider, account_id, label, metadata, \
         multiple, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&s.id)
    .bind(&s.project_id)
    .bind(&new.token_hash)
    .bind(&s.origin_owner_id)
    .bind(&s.origin_owner_name)
    .bind(&s.origin_username)
    .bind(
        s.categories
            .as_ref()
            .map(|c| Value::from(c.clone()).to_string()),
    )
    .bind(&s.provider)
    .bind(&s.account_id)
    .bind(&s.label)
    .bind(s.metadata.as_ref().map(Value::to_string))
    .bind(i64::from(s.multiple))
    .bind(s.created_at)
    .bind(s.expires_at)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// An account row.
#[derive(Clone)]
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
    pub status_reasons: Vec<String>,
    pub setup_information: BTreeMap<String, String>,
    /// Field key → sealed value.
    pub secrets: BTreeMap<String, String>,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl std::fmt::Debug for AccountRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountRow")
            .field("id", &self.id)
            .field("provider", &self.provider)
            .field("secrets", &self.secrets.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

const ACCOUNT_COLUMNS: &str = "id, project_id, provider, integration_id, origin_owner_id, \
    origin_owner_name, origin_username, label, metadata, status, status_reasons, \
    setup_information, secrets, version, created_at, updated_at";

fn account_from_row(row: &AnyRow) -> ApiResult<AccountRow> {
    let metadata: Option<String> = row.try_get("metadata")?;
    let status: String = row.try_get("status")?;
    let reasons: String = row.try_get("status_reasons")?;
    let setup: String = row.try_get("setup_information")?;
    let secrets: String = row.try_get("secrets")?;
    Ok(AccountRow {
        id: row.try_get("id")?,
        project_id: row.try_get("project_id")?,
        provider: row.try_get("provider")?,
        integration_id: row.try_get("integration_id")?,
        origin_owner_id: row.try_get("origin_owner_id")?,
        origin_owner_name: row.try_get("origin_owner_name")?,
        origin_username: row.try_get("origin_username")?,
        label: row.try_get("label")?,
        metadata: metadata.and_then(|m| serde_json::from_str(&m).ok()),
        status: AccountStatus::parse(&status).unwrap_or(AccountStatus::Error),
        status_reasons: serde_json::from_str(&reasons).unwrap_or_default(),
        setup_information: serde_json::from_str(&setup).unwrap_or_default(),
        secrets: serde_json::from_str(&secrets).unwrap_or_default(),
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
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
            setup_information: self.setup_information.clone(),
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
                    .map_err(ApiError::internal)
            })
            .collect()
    }

    fn webhook(&self, catalog: &Catalog) -> WebhookAccount {
        WebhookAccount {
            id: self.id.clone(),
            account_id: self.id.clone(),
            provider: self.provider.clone(),
            provider_name: provider_name(catalog, &self.provider),
            status: self.status,
            origin_owner_id: self.origin_owner_id.clone(),
            origin_owner_name: self.origin_owner_name.clone(),
            origin_username: self.origin_username.clone(),
            label: self.label.clone(),
            metadata: self.metadata.clone(),
        }
    }
}

fn provider_name(catalog: &Catalog, provider: &str) -> String {
    catalog
        .by_provider(provider)
        .map(|c| c.summary.name.clone())
        .unwrap_or_else(|| provider.to_string())
}

fn secret_context(account_id: &str, field: &str) -> String {
    format!("account/{account_id}/{field}")
}

pub async fn account_by_id(db: &Db, project_id: &str, id: &str) -> ApiResult<Option<AccountRow>> {
    let row = sqlx::query(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1 AND project_id = $2"
    ))
    .bind(id)
    .bind(project_id)
    .fetch_optional(&db.pool)
    .await?;
    row.as_ref().map(account_from_row).transpose()
}

/// Accounts of a project, newest first, with optional filters.
pub async fn list_accounts(
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
    let mut query = sqlx::query(&sql).bind(project_id);
    for value in [owner, provider, status].into_iter().flatten() {
        query = query.bind(value);
    }
    let rows = query.fetch_all(&db.pool).await?;
    rows.iter().map(account_from_row).collect()
}

/// Splits values into plain setup information and sealed secrets, per the connector's fields.
fn seal_values(
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

/// What a link wrote.
#[derive(Debug, Clone)]
pub struct Linked {
    pub account: AccountRow,
    pub created: bool,
}

/// Links an account for a session: creates one, or updates the one it replaces
/// (edit mode, or `multiple = false` with an account for the same owner and provider).
pub async fn link_account(
    db: &Db,
    key: &SecretKey,
    catalog: &Catalog,
    session: &Session,
    connector: &Connector,
    values: &BTreeMap<String, String>,
    extra_secrets: &BTreeMap<String, String>,
) -> ApiResult<Linked> {
    if let Some(existing) = &session.account_id {
        let account = update_account(
            db,
            key,
            catalog,
            session,
            connector,
            existing,
            values,
            extra_secrets,
        )
        .await?;
        return Ok(Linked {
            account,
            created: false,
        });
    }
    let provider = connector.key.as_str();
    if !session.multiple {
        let existing: Option<String> = sqlx::query(
            "SELECT id FROM accounts WHERE project_id = $1 AND origin_owner_id = $2 \
             AND provider = $3 ORDER BY created_at DESC LIMIT 1",
        )
        .bind(&session.project_id)
        .bind(&session.origin_owner_id)
        .bind(provider)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| r.try_get("id"))
        .transpose()?;
        if let Some(id) = existing {
            let account = update_account(
                db,
                key,
                catalog,
                session,
                connector,
                &id,
                values,
                extra_secrets,
            )
            .await?;
            return Ok(Linked {
                account,
                created: false,
            });
        }
    }
    let id = format!("acc_{}", uuid::Uuid::new_v4().simple());
    let (setup, secrets) = seal_values(key, connector, &id, values, extra_secrets);
    let t = now();
    let account = AccountRow {
        id: id.clone(),
        project_id: session.project_id.clone(),
        provider: provider.to_string(),
        integration_id: connector.summary.integration_id.clone(),
        origin_owner_id: session.origin_owner_id.clone(),
        origin_owner_name: session.origin_owner_name.clone(),
        origin_username: session.origin_username.clone(),
        label: session.label.clone(),
        metadata: session.metadata.clone(),
        status: AccountStatus::Active,
        status_reasons: Vec::new(),
        setup_information: setup,
        secrets,
        version: 1,
        created_at: t,
        updated_at: t,
    };
    let single_key = (!session.multiple).then(|| {
        format!(
            "{}|{}|{}",
            session.project_id, session.origin_owner_id, provider
        )
    });
    let mut tx = db.pool.begin().await?;
    let inserted = sqlx::query(&format!(
        "INSERT INTO accounts ({ACCOUNT_COLUMNS}, single_key) VALUES \
         ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) \
         ON CONFLICT (single_key) DO NOTHING"
    ))
    .bind(&account.id)
    .bind(&account.project_id)
    .bind(&account.provider)
    .bind(&account.integration_id)
    .bind(&account.origin_owner_id)
    .bind(&account.origin_owner_name)
    .bind(&account.origin_username)
    .bind(&account.label)
    .bind(account.metadata.as_ref().map(Value::to_string))
    .bind(account.status.as_str())
    .bind("[]")
    .bind(serde_json::to_string(&account.setup_information).unwrap_or_default())
    .bind(serde_json::to_string(&account.secrets).unwrap_or_default())
    .bind(account.version)
    .bind(account.created_at)
    .bind(account.updated_at)
    .bind(&single_key)
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        // A concurrent link for the same owner+provider won: update that account instead.
        tx.rollback().await?;
        let existing: String = sqlx::query("SELECT id FROM accounts WHERE single_key = $1")
            .bind(&single_key)
            .fetch_one(&db.pool)
            .await?
            .try_get("id")?;
        let account = update_account(
            db,
            key,
            catalog,
            session,
            connector,
            &existing,
            values,
            extra_secrets,
        )
        .await?;
        return Ok(Linked {
            account,
            created: false,
        });
    }
    enqueue_event(&mut tx, catalog, &account, "account.created").await?;
    tx.commit().await?;
    Ok(Linked {
        account,
        created: true,
    })
}

/// Replaces an account's values (the caller has merged and validated them).
#[allow(clippy::too_many_arguments)]
pub async fn update_account(
    db: &Db,
    key: &SecretKey,
    catalog: &Catalog,
    session: &Session,
    connector: &Connector,
    account_id: &str,
    values: &BTreeMap<String, String>,
    extra_secrets: &BTreeMap<String, String>,
) -> ApiResult<AccountRow> {
    let (setup, secrets) = seal_values(key, connector, account_id, values, extra_secrets);
    let mut tx = db.pool.begin().await?;
    let updated = sqlx::query(
        "UPDATE accounts SET setup_information = $1, secrets = $2, version = version + 1, \
         updated_at = $3, status = 'active', status_reasons = '[]', integration_id = $4 \
         WHERE id = $5 AND project_id = $6 AND origin_owner_id = $7 AND provider = $8",
    )
    .bind(serde_json::to_string(&setup).unwrap_or_default())
    .bind(serde_json::to_string(&secrets).unwrap_or_default())
    .bind(now())
    .bind(&connector.summary.integration_id)
    .bind(account_id)
    .bind(&session.project_id)
    .bind(&session.origin_owner_id)
    .bind(&connector.key)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(ApiError::not_found(
            "Account not found for this session's owner and connector",
        ));
    }
    let row = sqlx::query(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1"
    ))
    .bind(account_id)
    .fetch_one(&mut *tx)
    .await?;
    let account = account_from_row(&row)?;
    enqueue_event(&mut tx, catalog, &account, "account.updated").await?;
    tx.commit().await?;
    Ok(account)
}

/// Deletes an account and queues `account.deleted`.
pub async fn delete_account(
    db: &Db,
    catalog: &Catalog,
    project_id: &str,
    id: &str,
) -> ApiResult<Option<AccountRow>> {
    let Some(account) = account_by_id(db, project_id, id).await? else {
        return Ok(None);
    };
    let mut tx = db.pool.begin().await?;
    let deleted = sqlx::query("DELETE FROM accounts WHERE id = $1 AND project_id = $2")
        .bind(id)
        .bind(project_id)
        .execute(&mut *tx)
        .await?;
    if deleted.rows_affected() == 0 {
        return Ok(None);
    }
    enqueue_event(&mut tx, catalog, &account, "account.deleted").await?;
    tx.commit().await?;
    Ok(Some(account))
}

async fn enqueue_event(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    catalog: &Catalog,
    account: &AccountRow,
    event_type: &str,
) -> ApiResult<()> {
    let event = WebhookEvent {
        event_type: event_type.to_string(),
        timestamp: rfc3339(now()),
        data: account.webhook(catalog),
    };
    sqlx::query(
        "INSERT INTO webhook_deliveries (id, project_id, account_id, event_type, payload, status, \
         attempts, next_attempt_ms, created_at) VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $7)",
    )
    .bind(format!("msg_{}", uuid::Uuid::new_v4().simple()))
    .bind(&account.project_id)
    .bind(&account.id)
    .bind(event_type)
    .bind(serde_json::to_string(&event).unwrap_or_default())
    .bind(now_ms())
    .bind(now())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A session by id (for the OAuth callback, which has no token); expiry enforced.
pub async fn session_by_id(db: &Db, id: &str) -> ApiResult<Session> {
    let row = sqlx::query(
        "SELECT id, project_id, origin_owner_id, origin_owner_name, origin_username, categories, \
         provider, account_id, label, metadata, multiple, created_at, expires_at \
         FROM connect_sessions WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or_else(|| ApiError::unauthorized("Invalid session"))?;
    let session = session_from_row(&row)?;
    if session.expires_at <= now() {
        return Err(ApiError::unauthorized("Session expired"));
    }
    Ok(session)
}

/// One webhook delivery of the outbox, as the operator console shows it.
#[derive(Debug, Clone)]
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
pub async fn deliveries_for_account(
    db: &Db,
    project_id: &str,
    account_id: &str,
) -> ApiResult<Vec<DeliveryRow>> {
    let rows = sqlx::query(
        "SELECT id, event_type, status, attempts, next_attempt_ms, last_status_code, \
         last_error, created_at, delivered_at FROM webhook_deliveries \
         WHERE project_id = $1 AND account_id = $2 ORDER BY created_at DESC, id",
    )
    .bind(project_id)
    .bind(account_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(DeliveryRow {
                id: row.try_get("id")?,
                event_type: row.try_get("event_type")?,
                status: row.try_get("status")?,
                attempts: row.try_get("attempts")?,
                next_attempt_ms: row.try_get("next_attempt_ms")?,
                last_status_code: row.try_get("last_status_code")?,
                last_error: row.try_get("last_error")?,
                created_at: row.try_get("created_at")?,
                delivered_at: row.try_get("delivered_at")?,
            })
        })
        .collect()
}
