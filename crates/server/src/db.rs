//! The database: SQLite (default, a WAL file in the data dir) or PostgreSQL.
//!
//! Both go through sqlx's `Any` driver with the same SQL (`$n` placeholders, TEXT and
//! BIGINT columns only), so every query is written once; each backend has its own
//! migration folder so the schemas can diverge when one needs to.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor, Row};

use crate::crypto::{self, SecretKey};

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The pool and its backend.
#[derive(Debug, Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

/// Opens the database and runs the migrations.
/// `database_url` (`postgres://…`) wins; otherwise `<data_dir>/linkhub.db`.
pub async fn connect(database_url: Option<&str>, data_dir: &Path) -> Result<Db, sqlx::Error> {
    sqlx::any::install_default_drivers();
    let (url, backend) = match database_url.filter(|u| !u.is_empty()) {
        Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => {
            (u.to_string(), Backend::Postgres)
        }
        Some(u) if u.starts_with("sqlite:") => (u.to_string(), Backend::Sqlite),
        Some(u) => {
            return Err(sqlx::Error::Configuration(
                format!(
                    "DATABASE_URL must start with postgres:// or sqlite: (got a {}-character value)",
                    u.len()
                )
                .into(),
            ));
        }
        None => (
            format!(
                "sqlite://{}?mode=rwc",
                data_dir.join("linkhub.db").display()
            ),
            Backend::Sqlite,
        ),
    };
    let options = AnyConnectOptions::from_str(&url)?;
    let pool = match backend {
        Backend::Sqlite => {
            AnyPoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(30))
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;",
                        )
                        .await?;
                        Ok(())
                    })
                })
                .connect_with(options)
                .await?
        }
        Backend::Postgres => {
            AnyPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(options)
                .await?
        }
    };
    match backend {
        Backend::Sqlite => sqlx::migrate!("migrations/sqlite").run(&pool).await?,
        Backend::Postgres => sqlx::migrate!("migrations/postgres").run(&pool).await?,
    }
    Ok(Db { pool, backend })
}

/// The project this data dir serves.
#[derive(Clone)]
pub struct Project {
    pub id: String,
    pub organization_id: String,
    pub name: String,
    pub api_key_hash: String,
    pub webhook_secret: String,
    pub created_at: i64,
}

impl std::fmt::Debug for Project {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Project")
            .field("id", &self.id)
            .field("organization_id", &self.organization_id)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// What [`bootstrap`] did.
#[derive(Debug)]
pub struct Bootstrap {
    pub project: Project,
    /// A freshly generated API key, to be shown once.
    pub generated_api_key: Option<String>,
}

/// Loads the project, creating it (and its API key and webhook secret) on first use.
/// A given `api_key` becomes the project's key (its hash replaces the stored one).
pub async fn bootstrap(
    db: &Db,
    key: &SecretKey,
    api_key: Option<&str>,
) -> Result<Bootstrap, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, organization_id, name, api_key_hash, webhook_secret_enc, created_at \
         FROM projects ORDER BY created_at LIMIT 1",
    )
    .fetch_optional(&db.pool)
    .await?;
    if let Some(row) = row {
        let id: String = row.try_get("id")?;
        let sealed: String = row.try_get("webhook_secret_enc")?;
        let webhook_secret = key
            .open(&format!("project/{id}/webhook_secret"), &sealed)
            .map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        let mut project = Project {
            id,
            organization_id: row.try_get("organization_id")?,
            name: row.try_get("name")?,
            api_key_hash: row.try_get("api_key_hash")?,
            webhook_secret,
            created_at: row.try_get("created_at")?,
        };
        if let Some(api_key) = api_key {
            let hash = crypto::sha256_hex(api_key);
            if hash != project.api_key_hash {
                sqlx::query("UPDATE projects SET api_key_hash = $1 WHERE id = $2")
                    .bind(&hash)
                    .bind(&project.id)
                    .execute(&db.pool)
                    .await?;
                tracing::info!("project API key replaced by the configured one");
                project.api_key_hash = hash;
            }
        }
        return Ok(Bootstrap {
            project,
            generated_api_key: None,
        });
    }
    let (api_key, generated) = match api_key {
        Some(k) => (k.to_string(), None),
        None => {
            let k = crypto::new_api_key();
            (k.clone(), Some(k))
        }
    };
    let id = format!("proj_{}", uuid::Uuid::new_v4().simple());
    let project = Project {
        organization_id: format!("org_{}", uuid::Uuid::new_v4().simple()),
        name: "Default project".into(),
        api_key_hash: crypto::sha256_hex(&api_key),
        webhook_secret: crypto::new_webhook_secret(),
        created_at: now(),
        id,
    };
    let sealed = key.seal(
        &format!("project/{}/webhook_secret", project.id),
        &project.webhook_secret,
    );
    let inserted = sqlx::query(
        "INSERT INTO projects (id, organization_id, name, api_key_hash, webhook_secret_enc, created_at) \
         SELECT $1, $2, $3, $4, $5, $6 WHERE NOT EXISTS (SELECT 1 FROM projects)",
    )
    .bind(&project.id)
    .bind(&project.organization_id)
    .bind(&project.name)
    .bind(&project.api_key_hash)
    .bind(&sealed)
    .bind(project.created_at)
    .execute(&db.pool)
    .await?;
    if inserted.rows_affected() == 0 {
        // Another process created it first: use theirs.
        return Box::pin(bootstrap(db, key, Some(&api_key))).await;
    }
    Ok(Bootstrap {
        project,
        generated_api_key: generated,
    })
}

/// Unix seconds now.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// RFC 3339 of Unix seconds.
pub fn rfc3339(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}
