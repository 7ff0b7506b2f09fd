//! The project a data folder serves: created (with its API key and webhook secret) by the
//! first process that opens the folder, loaded by every later one.

use std::fs::File;
use std::path::Path;

use crate::clock::now;
use crate::crypto::{self, CryptoError, SecretKey};
use crate::db::{Db, Write, Written};

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

/// A `projects` row.
#[derive(sqlx::FromRow)]
struct ProjectRecord {
    id: String,
    organization_id: String,
    name: String,
    api_key_hash: String,
    webhook_secret_enc: String,
    created_at: i64,
}

/// What [`bootstrap`] did.
#[derive(Debug)]
pub struct Bootstrap {
    pub project: Project,
    /// A freshly generated API key, to be shown once.
    pub generated_api_key: Option<String>,
}

/// The data folder's lock (`<data dir>/linkhub.lock`), held while a process creates or
/// opens what the folder holds (encryption key, SQLite migrations, the project), so that
/// two processes starting on one empty folder do it one after the other: the second finds
/// what the first made.
#[derive(Debug)]
pub struct DataDirLock(File);

impl DataDirLock {
    /// Waits for the lock.
    pub fn acquire(data_dir: &Path) -> std::io::Result<DataDirLock> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(data_dir.join("linkhub.lock"))?;
        file.lock()?;
        Ok(DataDirLock(file))
    }
}

impl Drop for DataDirLock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

/// Why the project could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    /// The stored webhook secret does not open with this server's keys: the first sealed
    /// value every start reads, so a server given the wrong keys stops here.
    #[error("the project's webhook secret: {0}")]
    Key(#[from] CryptoError),
}

/// Secrets the operator configured (environment, files, `linkhub.toml`) rather than left to
/// the first start to generate.
#[derive(Debug, Clone, Copy, Default)]
pub struct Configured<'a> {
    /// The project API key.
    pub api_key: Option<&'a str>,
    /// The webhook signing secret (`whsec_…`).
    pub webhook_secret: Option<&'a str>,
}

/// What the sealed webhook secret is bound to (its AES-GCM associated data).
pub(crate) fn webhook_secret_context(project_id: &str) -> String {
    format!("project/{project_id}/webhook_secret")
}

async fn load(db: &Db, key: &SecretKey) -> Result<Option<Project>, ProjectError> {
    let row = sqlx::query_as::<_, ProjectRecord>(
        "SELECT id, organization_id, name, api_key_hash, webhook_secret_enc, created_at \
         FROM projects ORDER BY created_at, id LIMIT 1",
    )
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let webhook_secret = key.open(&webhook_secret_context(&row.id), &row.webhook_secret_enc)?;
    Ok(Some(Project {
        id: row.id,
        organization_id: row.organization_id,
        name: row.name,
        api_key_hash: row.api_key_hash,
        webhook_secret,
        created_at: row.created_at,
    }))
}

/// Loads the project, creating it (and its API key and webhook secret) on first use.
/// A given `api_key` becomes the project's key (its hash replaces the stored one). Only the
/// process that created the project gets a generated key back: one that finds a project
/// made meanwhile by another process uses it as it is.
pub async fn bootstrap(
    db: &Db,
    key: &SecretKey,
    api_key: Option<&str>,
) -> Result<Bootstrap, ProjectError> {
    bootstrap_with(
        db,
        key,
        Configured {
            api_key,
            webhook_secret: None,
        },
    )
    .await
}

/// [`bootstrap`] with every configured secret: a configured webhook secret, like the API
/// key, becomes the project's (sealed with the current key) when it differs from the
/// stored one.
pub async fn bootstrap_with(
    db: &Db,
    key: &SecretKey,
    configured: Configured<'_>,
) -> Result<Bootstrap, ProjectError> {
    let api_key = configured.api_key;
    if let Some(mut project) = load(db, key).await? {
        if let Some(secret) = configured.webhook_secret
            && secret != project.webhook_secret
        {
            db.write(
                Write::new()
                    .run("UPDATE projects SET webhook_secret_enc = :sealed WHERE id = :id")
                    .bind(
                        "sealed",
                        key.seal(&webhook_secret_context(&project.id), secret),
                    )
                    .bind("id", &project.id),
            )
            .await?;
            tracing::info!("project webhook secret replaced by the configured one");
            project.webhook_secret = secret.to_string();
        }
        if let Some(api_key) = api_key {
            let hash = crypto::sha256_hex(api_key);
            if hash != project.api_key_hash {
                db.write(
                    Write::new()
                        .run("UPDATE projects SET api_key_hash = :hash WHERE id = :id")
                        .bind("hash", &hash)
                        .bind("id", &project.id),
                )
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
    let project = Project {
        id: format!("proj_{}", uuid::Uuid::new_v4().simple()),
        organization_id: format!("org_{}", uuid::Uuid::new_v4().simple()),
        name: "Default project".into(),
        api_key_hash: crypto::sha256_hex(&api_key),
        webhook_secret: configured
            .webhook_secret
            .map_or_else(crypto::new_webhook_secret, str::to_string),
        created_at: now(),
    };
    let sealed = key.seal(
        &webhook_secret_context(&project.id),
        &project.webhook_secret,
    );
    let written = db
        .write(
            Write::new()
                .require(
                    "INSERT INTO projects (id, organization_id, name, api_key_hash, \
                     webhook_secret_enc, created_at) \
                     SELECT :id, :organization_id, :name, :api_key_hash, :sealed, :created_at \
                     WHERE NOT EXISTS (SELECT 1 FROM projects)",
                )
                .bind("id", &project.id)
                .bind("organization_id", &project.organization_id)
                .bind("name", &project.name)
                .bind("api_key_hash", &project.api_key_hash)
                .bind("sealed", sealed)
                .bind("created_at", project.created_at),
        )
        .await?;
    if written != Written::Done(vec![1]) {
        // Another process created it first: theirs, with its key, unless one was given.
        // (A generated key of ours was never shown and must not replace theirs.)
        return Box::pin(bootstrap_with(
            db,
            key,
            Configured {
                api_key: generated.is_none().then_some(api_key.as_str()),
                webhook_secret: configured.webhook_secret,
            },
        ))
        .await;
    }
    Ok(Bootstrap {
        project,
        generated_api_key: generated,
    })
}
