//! Sessions, accounts and the webhook outbox: every SQL statement the handlers share.
//!
//! An account change and its webhook event are written in one transaction, so an event
//! is never lost or sent for a change that did not happen. Transactions start with their
//! write or as `BEGIN IMMEDIATE` (see [`crate::db::WriteConn::begin`]), which keeps SQLite from failing a
//! lock upgrade under load.

use std::collections::BTreeMap;

use serde_json::Value;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::catalog::{Catalog, Connector};
use crate::crypto::{self, SecretKey};
use crate::db::{Backend, Batch, BatchArg, Db, now, now_ms, rfc3339};
use crate::error::{ApiError, ApiResult};
use linkhub_protocol::api::{
    Account, AccountStatus, StatusReason, WebhookAccountData, WebhookEvent, WebhookEventType,
};
use linkhub_protocol::secret::{Secret, SecretMap};

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
    /// The guide scopes the host backend set (`scopes`), shown to the widget.
    pub scopes: Option<Vec<String>>,
    /// StackOne's `relink` and `shared`: stored as sent, with no effect here
    /// (docs/protocol.md says why).
    pub relink: Option<bool>,
    pub shared: Option<bool>,
    pub created_at: i64,
    pub expires_at: i64,
}

/// The session for a token, if the token is known and not expired.
pub async fn session_by_token(db: &Db, token: &str) -> ApiResult<Session> {
    let token_hash = crypto::sha256_hex(token);
    let session = match db.sessions.get(&token_hash) {
        Some(session) => session,
        None => {
            let session = session_by_token_hash(db, &token_hash).await?;
            db.sessions.put(token_hash, session.clone());
            session
        }
    };
    if session.expires_at <= now() {
        return Err(ApiError::unauthorized("Session expired"));
    }
    Ok(session)
}

/// The stored session for a token hash (expired or not).
async fn session_by_token_hash(db: &Db, token_hash: &str) -> ApiResult<Session> {
    let row = sqlx::query(
        "SELECT id, project_id, origin_owner_id, origin_owner_name, origin_username, categories, \
         provider, account_id, label, metadata, multiple, scopes, relink, shared, created_at, \
         expires_at \
         FROM connect_sessions WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else {
        return Err(ApiError::unauthorized("Invalid session token"));
    };
    session_from_row(&row)
}

fn session_from_row(row: &AnyRow) -> ApiResult<Session> {
    let categories: Option<String> = row.try_get("categories")?;
    let metadata: Option<String> = row.try_get("metadata")?;
    let multiple: i64 = row.try_get("multiple")?;
    let scopes: Option<String> = row.try_get("scopes")?;
    let relink: Option<i64> = row.try_get("relink")?;
    let shared: Option<i64> = row.try_get("shared")?;
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
        scopes: scopes.and_then(|s| serde_json::from_str(&s).ok()),
        relink: relink.map(|r| r != 0),
        shared: shared.map(|s| s != 0),
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

const INSERT_SESSION: &str = "INSERT INTO connect_sessions (id, project_id, token_hash, \
    origin_owner_id, origin_owner_name, origin_username, categories, provider, account_id, \
    label, metadata, multiple, scopes, relink, shared, created_at, expires_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)";

/// Stores a new session (on SQLite as a [`Batch`] of the writer thread).
pub async fn insert_session(db: &Db, new: NewSession) -> ApiResult<()> {
    let cached = (new.token_hash.clone(), new.session.clone());
    insert_session_row(db, new).await?;
    db.sessions.put(cached.0, cached.1);
    Ok(())
}

async fn insert_session_row(db: &Db, new: NewSession) -> ApiResult<()> {
    let s = new.session;
    let categories = s
        .categories
        .as_ref()
        .map(|c| Value::from(c.clone()).to_string());
    let metadata = s.metadata.as_ref().map(Value::to_string);
    let scopes = s
        .scopes
        .as_ref()
        .map(|c| Value::from(c.clone()).to_string());
    let relink = s.relink.map(i64::from);
    let shared = s.shared.map(i64::from);
    if db.backend == Backend::Sqlite {
        db.write_batch(Batch {
            sql: INSERT_SESSION.to_string(),
            args: vec![
                BatchArg::Text(s.id),
                BatchArg::Text(s.project_id),
                BatchArg::Text(new.token_hash),
                BatchArg::Text(s.origin_owner_id),
                BatchArg::Text(s.origin_owner_name),
                BatchArg::OptText(s.origin_username),
                BatchArg::OptText(categories),
                BatchArg::OptText(s.provider),
                BatchArg::OptText(s.account_id),
                BatchArg::OptText(s.label),
                BatchArg::OptText(metadata),
                BatchArg::Int(i64::from(s.multiple)),
                BatchArg::OptText(scopes),
                BatchArg::OptInt(relink),
                BatchArg::OptInt(shared),
                BatchArg::Int(s.created_at),
                BatchArg::Int(s.expires_at),
            ],
            returns_row: false,
        })
        .await?;
        return Ok(());
    }
    sqlx::query(INSERT_SESSION)
        .bind(&s.id)
        .bind(&s.project_id)
        .bind(&new.token_hash)
        .bind(&s.origin_owner_id)
        .bind(&s.origin_owner_name)
        .bind(&s.origin_username)
        .bind(categories)
        .bind(&s.provider)
        .bind(&s.account_id)
        .bind(&s.label)
        .bind(metadata)
        .bind(i64::from(s.multiple))
        .bind(scopes)
        .bind(relink)
        .bind(shared)
        .bind(s.created_at)
        .bind(s.expires_at)
        .execute(&mut *db.writer().await?)
        .await?;
    Ok(())
}

/// An account row.
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
        status: status.parse().unwrap_or(AccountStatus::Error),
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
                    .map_err(ApiError::internal)
            })
            .collect()
    }

    fn webhook(&self, catalog: &Catalog) -> WebhookAccountData {
        WebhookAccountData {
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

/// A write transaction (from [`crate::db::WriteConn::begin`]).
pub type WriteTx<'c> = sqlx::Transaction<'c, sqlx::Any>;

/// Links an account for a session in its own write transaction; see [`link_account_tx`].
pub async fn link_account(
    db: &Db,
    key: &SecretKey,
    catalog: &Catalog,
    session: &Session,
    connector: &Connector,
    values: &BTreeMap<String, String>,
    extra_secrets: &BTreeMap<String, String>,
) -> ApiResult<Linked> {
    let mut conn = db.writer().await?;
    let mut tx = conn.begin().await?;
    let linked = link_account_tx(
        &mut tx,
        key,
        catalog,
        session,
        connector,
        values,
        extra_secrets,
    )
    .await?;
    tx.commit().await?;
    Ok(linked)
}

/// Links an account for a session inside `tx`: creates one, or updates the one it replaces
/// (edit mode, or `multiple = false` with an account for the same owner and provider).
/// The account and its webhook event are written together; the caller commits.
pub async fn link_account_tx(
    tx: &mut WriteTx<'_>,
    key: &SecretKey,
    catalog: &Catalog,
    session: &Session,
    connector: &Connector,
    values: &BTreeMap<String, String>,
    extra_secrets: &BTreeMap<String, String>,
) -> ApiResult<Linked> {
    if let Some(existing) = &session.account_id {
        let account = update_account_tx(
            tx,
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
    let new = new_account(key, catalog, session, connector, values, extra_secrets);
    let inserted = bind_account(
        sqlx::query(&insert_account_sql(session.multiple, false)),
        &new,
    )
    .execute(&mut **tx)
    .await?;
    if inserted.rows_affected() == 0 {
        // The owner has an account for this provider (or a concurrent link just made it):
        // update that one.
        let existing: String = sqlx::query(
            "SELECT id FROM accounts WHERE project_id = $1 AND origin_owner_id = $2 \
             AND provider = $3 ORDER BY created_at DESC LIMIT 1",
        )
        .bind(&session.project_id)
        .bind(&session.origin_owner_id)
        .bind(&connector.key)
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?;
        let account = update_account_tx(
            tx,
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
    insert_event(tx, &new.event).await?;
    Ok(Linked {
        account: new.account,
        created: true,
    })
}

/// A new account prepared before its write (so no CPU work is done while holding the
/// writer): id, sealed secrets, its columns as text and its `account.created` event.
#[derive(Debug)]
pub struct NewAccount {
    pub account: AccountRow,
    single_key: Option<String>,
    metadata: Option<String>,
    setup_information: String,
    secrets: Secret<String>,
    event: Event,
}

/// Prepares a new account of `session`'s owner.
pub fn new_account(
    key: &SecretKey,
    catalog: &Catalog,
    session: &Session,
    connector: &Connector,
    values: &BTreeMap<String, String>,
    extra_secrets: &BTreeMap<String, String>,
) -> NewAccount {
    let provider = connector.key.as_str();
    let id = format!("acc_{}", uuid::Uuid::new_v4().simple());
    let (setup, secrets) = seal_values(key, connector, &id, values, extra_secrets);
    let t = now();
    let account = AccountRow {
        id,
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
        secrets: secrets.into(),
        version: 1,
        created_at: t,
        updated_at: t,
    };
    NewAccount {
        single_key: (!session.multiple).then(|| {
            format!(
                "{}|{}|{}",
                session.project_id, session.origin_owner_id, provider
            )
        }),
        metadata: account.metadata.as_ref().map(Value::to_string),
        setup_information: serde_json::to_string(&account.setup_information).unwrap_or_default(),
        secrets: serde_json::to_string(&account.secrets)
            .unwrap_or_default()
            .into(),
        event: Event::new(catalog, &account, WebhookEventType::AccountCreated),
        account,
    }
}

/// The insert of a [`NewAccount`] (`$1`…`$17`). Without `multiple`, an owner's existing
/// account for this provider is updated instead: the insert only happens when there is
/// none (checked in the same statement), and the unique `single_key` settles two
/// concurrent first links. `after_claim`: only if the previous statement wrote a row.
fn insert_account_sql(multiple: bool, after_claim: bool) -> String {
    let mut sql = String::from(
        "INSERT INTO accounts (id, project_id, provider, integration_id, origin_owner_id, \
         origin_owner_name, origin_username, label, metadata, status, status_reasons, \
         setup_information, secrets, version, created_at, updated_at, single_key) ",
    );
    const VALUES: &str =
        "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17";
    if multiple && !after_claim {
        sql.push_str(&format!("VALUES ({VALUES})"));
        return sql;
    }
    let mut conditions = Vec::new();
    if after_claim {
        conditions.push("changes() = 1");
    }
    if !multiple {
        conditions.push(
            "NOT EXISTS (SELECT 1 FROM accounts WHERE project_id = $2 \
             AND origin_owner_id = $5 AND provider = $3)",
        );
    }
    sql.push_str(&format!(
        "SELECT {VALUES} WHERE {}",
        conditions.join(" AND ")
    ));
    if !multiple {
        sql.push_str(" ON CONFLICT (single_key) DO NOTHING");
    }
    sql
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

fn bind_account<'q>(query: AnyQuery<'q>, new: &'q NewAccount) -> AnyQuery<'q> {
    let a = &new.account;
    query
        .bind(&a.id)
        .bind(&a.project_id)
        .bind(&a.provider)
        .bind(&a.integration_id)
        .bind(&a.origin_owner_id)
        .bind(&a.origin_owner_name)
        .bind(&a.origin_username)
        .bind(&a.label)
        .bind(&new.metadata)
        .bind(a.status.as_str())
        .bind("[]")
        .bind(&new.setup_information)
        .bind(new.secrets.expose())
        .bind(a.version)
        .bind(a.created_at)
        .bind(a.updated_at)
        .bind(&new.single_key)
}

/// An `Idempotency-Key` claimed together with a new account, with the answer to store.
#[derive(Debug, Clone)]
pub struct IdemClaim {
    pub session_id: String,
    pub key: String,
    pub request_hash: String,
    pub status: i64,
    pub answer: String,
}

/// SQLite only: a [`NewAccount`], its event and (optionally) the idempotency key with its
/// answer as one [`Batch`] for the writer thread (one round trip, a shared commit). It only
/// does the common case; its answer is 1 when the account was created, 0 when nothing was
/// written because the key was already claimed or the owner already has an account for
/// this provider; the caller then takes the general path ([`link_account_tx`]).
pub fn account_batch(new: &NewAccount, multiple: bool, idem: Option<&IdemClaim>) -> Batch {
    // `changes()` is the number of rows the previous statement wrote: each insert happens
    // only when the one before it did.
    let mut sql = String::new();
    if idem.is_some() {
        sql.push_str(
            "INSERT INTO idempotency_keys (session_id, idem_key, request_hash, created_at, \
             status_code, response) VALUES ($23, $24, $25, $15, $26, $27) \
             ON CONFLICT DO NOTHING;\n",
        );
    }
    sql.push_str(&insert_account_sql(multiple, idem.is_some()));
    sql.push_str(
        ";\nINSERT INTO webhook_deliveries (id, project_id, account_id, event_type, payload, \
         status, attempts, next_attempt_ms, created_at) \
         SELECT $18, $2, $1, $19, $20, 'pending', 0, $21, $22 WHERE changes() = 1;\n",
    );
    if idem.is_some() {
        // The claim is undone when the account was not created: the general path redoes it.
        sql.push_str(
            "DELETE FROM idempotency_keys WHERE session_id = $23 AND idem_key = $24 \
             AND response = $27 AND NOT EXISTS (SELECT 1 FROM accounts WHERE id = $1);\n",
        );
    }
    sql.push_str("SELECT EXISTS (SELECT 1 FROM accounts WHERE id = $1)");
    let a = &new.account;
    let mut args = vec![
        BatchArg::Text(a.id.clone()),
        BatchArg::Text(a.project_id.clone()),
        BatchArg::Text(a.provider.clone()),
        BatchArg::Text(a.integration_id.clone()),
        BatchArg::Text(a.origin_owner_id.clone()),
        BatchArg::Text(a.origin_owner_name.clone()),
        BatchArg::OptText(a.origin_username.clone()),
        BatchArg::OptText(a.label.clone()),
        BatchArg::OptText(new.metadata.clone()),
        BatchArg::Text(a.status.as_str().to_string()),
        BatchArg::Text("[]".to_string()),
        BatchArg::Text(new.setup_information.clone()),
        BatchArg::Text(new.secrets.expose().clone()),
        BatchArg::Int(a.version),
        BatchArg::Int(a.created_at),
        BatchArg::Int(a.updated_at),
        BatchArg::OptText(new.single_key.clone()),
        BatchArg::Text(new.event.id.clone()),
        BatchArg::Text(new.event.event_type.clone()),
        BatchArg::Text(new.event.payload.clone()),
        BatchArg::Int(new.event.due_ms),
        BatchArg::Int(new.event.created_at),
    ];
    if let Some(idem) = idem {
        args.extend([
            BatchArg::Text(idem.session_id.clone()),
            BatchArg::Text(idem.key.clone()),
            BatchArg::Text(idem.request_hash.clone()),
            BatchArg::Int(idem.status),
            BatchArg::Text(idem.answer.clone()),
        ]);
    }
    Batch {
        sql,
        args,
        returns_row: true,
    }
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
    let mut conn = db.writer().await?;
    let mut tx = conn.begin().await?;
    let account = update_account_tx(
        &mut tx,
        key,
        catalog,
        session,
        connector,
        account_id,
        values,
        extra_secrets,
    )
    .await?;
    tx.commit().await?;
    Ok(account)
}

#[allow(clippy::too_many_arguments)]
async fn update_account_tx(
    tx: &mut WriteTx<'_>,
    key: &SecretKey,
    catalog: &Catalog,
    session: &Session,
    connector: &Connector,
    account_id: &str,
    values: &BTreeMap<String, String>,
    extra_secrets: &BTreeMap<String, String>,
) -> ApiResult<AccountRow> {
    let (setup, secrets) = seal_values(key, connector, account_id, values, extra_secrets);
    let row = sqlx::query(&format!(
        "UPDATE accounts SET setup_information = $1, secrets = $2, version = version + 1, \
         updated_at = $3, status = 'active', status_reasons = '[]', integration_id = $4 \
         WHERE id = $5 AND project_id = $6 AND origin_owner_id = $7 AND provider = $8 \
         RETURNING {ACCOUNT_COLUMNS}"
    ))
    .bind(serde_json::to_string(&setup).unwrap_or_default())
    .bind(serde_json::to_string(&secrets).unwrap_or_default())
    .bind(now())
    .bind(&connector.summary.integration_id)
    .bind(account_id)
    .bind(&session.project_id)
    .bind(&session.origin_owner_id)
    .bind(&connector.key)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| {
        ApiError::not_found("Account not found for this session's owner and connector")
    })?;
    let account = account_from_row(&row)?;
    enqueue_event(tx, catalog, &account, WebhookEventType::AccountUpdated).await?;
    Ok(account)
}

/// Deletes an account and queues `account.deleted`.
pub async fn delete_account(
    db: &Db,
    catalog: &Catalog,
    project_id: &str,
    id: &str,
) -> ApiResult<Option<AccountRow>> {
    let mut conn = db.writer().await?;
    let mut tx = conn.begin().await?;
    let row = sqlx::query(&format!(
        "DELETE FROM accounts WHERE id = $1 AND project_id = $2 RETURNING {ACCOUNT_COLUMNS}"
    ))
    .bind(id)
    .bind(project_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let account = account_from_row(&row)?;
    enqueue_event(&mut tx, catalog, &account, WebhookEventType::AccountDeleted).await?;
    tx.commit().await?;
    Ok(Some(account))
}

/// A webhook event to queue.
#[derive(Debug, Clone)]
struct Event {
    id: String,
    project_id: String,
    account_id: String,
    event_type: String,
    payload: String,
    due_ms: i64,
    created_at: i64,
}

impl Event {
    fn new(catalog: &Catalog, account: &AccountRow, event_type: WebhookEventType) -> Event {
        let t = now();
        // One id for the body and the delivery (sent as `webhook-id`): a receiver
        // de-duplicates retries by either.
        let id = format!("msg_{}", uuid::Uuid::new_v4().simple());
        let event = WebhookEvent {
            id: id.clone(),
            event_type,
            timestamp: rfc3339(t),
            data: account.webhook(catalog),
        };
        Event {
            id,
            project_id: account.project_id.clone(),
            account_id: account.id.clone(),
            event_type: event_type.as_str().to_string(),
            payload: serde_json::to_string(&event).unwrap_or_default(),
            due_ms: now_ms(),
            created_at: t,
        }
    }
}

async fn enqueue_event(
    tx: &mut WriteTx<'_>,
    catalog: &Catalog,
    account: &AccountRow,
    event_type: WebhookEventType,
) -> ApiResult<()> {
    insert_event(tx, &Event::new(catalog, account, event_type)).await
}

async fn insert_event(tx: &mut WriteTx<'_>, event: &Event) -> ApiResult<()> {
    sqlx::query(
        "INSERT INTO webhook_deliveries (id, project_id, account_id, event_type, payload, status, \
         attempts, next_attempt_ms, created_at) VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $7)",
    )
    .bind(&event.id)
    .bind(&event.project_id)
    .bind(&event.account_id)
    .bind(&event.event_type)
    .bind(&event.payload)
    .bind(event.due_ms)
    .bind(event.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A session by id (for the OAuth callback, which has no token); expiry enforced.
pub async fn session_by_id(db: &Db, id: &str) -> ApiResult<Session> {
    let row = sqlx::query(
        "SELECT id, project_id, origin_owner_id, origin_owner_name, origin_username, categories, \
         provider, account_id, label, metadata, multiple, scopes, relink, shared, created_at, \
         expires_at \
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
