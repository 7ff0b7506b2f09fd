//! Keys and secrets shared by every server of a deployment, and key rotation.
//!
//! Every replica on one database needs the same encryption keys (stored secrets are sealed
//! with them), the same API key and the same webhook signing secret. They come from the
//! environment or from files ([`SecretArgs`]), never only from the command line, where
//! other users of the machine could read them. Without any, a server uses (and on first
//! start creates) `secret.key` in its data folder, which suits one server only.
//!
//! Rotation: the key file or `LINKHUB_SECRET_KEY` lists several keys, newest first; the
//! newest seals, all open (each sealed value carries its key's id, see
//! [`crate::crypto`]). `linkhub-server keys re-encrypt` then seals every stored secret again
//! with the newest key, in batches, each row only if it did not change meanwhile, so it is
//! safe beside running servers and may be run again; `keys status` counts what each key
//! still seals. `docs/deploy.md` walks through it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use clap::{Args, Subcommand};
use serde::Serialize;

use crate::crypto::{self, CryptoError, SecretKey, sealed_key_id};
use crate::db::{Db, Write, Written};

/// Environment variable holding the encryption keys themselves (newest first).
pub const SECRET_KEY_ENV: &str = "LINKHUB_SECRET_KEY";
/// Environment variable holding the webhook signing secret itself.
pub const WEBHOOK_SECRET_ENV: &str = "LINKHUB_WEBHOOK_SECRET";

/// Where the shared secrets come from (flattened into the global options). The values
/// themselves may be given in the environment (`LINKHUB_SECRET_KEY`, `LINKHUB_API_KEY`,
/// `LINKHUB_WEBHOOK_SECRET`) or in files named here; never as a flag's value.
#[derive(Debug, Clone, Default, Args)]
pub struct SecretArgs {
    /// File of encryption keys, base64 of 32 bytes each, one per line, newest first: the
    /// first seals, all open. The keys themselves may be given in LINKHUB_SECRET_KEY
    /// (comma-separated) instead. Every server on one database needs the same keys.
    /// [default: <data-dir>/secret.key, created on first use]
    #[arg(long, env = "LINKHUB_SECRET_KEY_FILE", global = true)]
    pub secret_key_file: Option<PathBuf>,
    /// File holding the project API key (instead of --api-key / LINKHUB_API_KEY).
    #[arg(long, env = "LINKHUB_API_KEY_FILE", global = true)]
    pub api_key_file: Option<PathBuf>,
    /// File holding the webhook signing secret (whsec_…); the secret itself may be given in
    /// LINKHUB_WEBHOOK_SECRET instead. Replaces the stored one. [default: generated on the
    /// project's creation and stored, sealed]
    #[arg(long, env = "LINKHUB_WEBHOOK_SECRET_FILE", global = true)]
    pub webhook_secret_file: Option<PathBuf>,
}

/// The same settings in `linkhub.toml` (file names only: a key does not belong in a
/// config file that is often checked in or copied around).
#[derive(Debug, Clone, Default)]
pub struct FileSecrets {
    pub secret_key_file: Option<PathBuf>,
    pub api_key_file: Option<PathBuf>,
    pub webhook_secret_file: Option<PathBuf>,
}

/// The encryption keys and where they came from (for messages; never the keys).
#[derive(Debug, Clone)]
pub struct Keys {
    pub key: SecretKey,
    pub source: String,
    /// Whether they are the data folder's own `secret.key` (no keys configured).
    pub from_data_dir: bool,
}

/// Reads a secret's file: its text without surrounding whitespace, not empty.
fn read_secret_file(what: &str, path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{what} file {}: {e}", path.display()))?;
    let text = text.trim();
    if text.is_empty() {
        return Err(format!("{what} file {} is empty", path.display()));
    }
    Ok(text.to_string())
}

/// The encryption keys: `--secret-key-file` / `LINKHUB_SECRET_KEY_FILE`, else
/// `LINKHUB_SECRET_KEY`, else `secret_key_file` of `linkhub.toml`, else the data folder's
/// `secret.key` (created on first use). `env` is the process environment (a parameter for
/// tests).
pub fn encryption_keys(
    args: &SecretArgs,
    file: &FileSecrets,
    env: impl Fn(&str) -> Option<String>,
    data_dir: &Path,
) -> Result<Keys, String> {
    let from_env = env(SECRET_KEY_ENV).filter(|v| !v.trim().is_empty());
    if args.secret_key_file.is_some() && from_env.is_some() {
        return Err(format!(
            "both {SECRET_KEY_ENV} and --secret-key-file (LINKHUB_SECRET_KEY_FILE) are set: \
             set one"
        ));
    }
    let load_file = |path: &Path| {
        SecretKey::load_file(path)
            .map(|key| Keys {
                key,
                source: format!("the key file {}", path.display()),
                from_data_dir: false,
            })
            .map_err(|e| e.to_string())
    };
    if let Some(path) = &args.secret_key_file {
        return load_file(path);
    }
    if let Some(text) = from_env {
        return SecretKey::parse(&text)
            .map(|key| Keys {
                key,
                source: SECRET_KEY_ENV.to_string(),
                from_data_dir: false,
            })
            .map_err(|e| format!("{SECRET_KEY_ENV}: {e}"));
    }
    if let Some(path) = &file.secret_key_file {
        return load_file(path);
    }
    let path = data_dir.join("secret.key");
    SecretKey::load_or_create(&path)
        .map(|key| Keys {
            key,
            source: format!("the data folder's key file {}", path.display()),
            from_data_dir: true,
        })
        .map_err(|e| e.to_string())
}

/// The configured API key: `--api-key` / `LINKHUB_API_KEY` (given as `flag`), else
/// `--api-key-file` / `LINKHUB_API_KEY_FILE`, else `linkhub.toml`'s `api_key`, then
/// `api_key_file`.
pub fn api_key(
    flag: Option<&str>,
    args: &SecretArgs,
    file_value: Option<&str>,
    file: &FileSecrets,
) -> Result<Option<String>, String> {
    let flag = flag.filter(|k| !k.is_empty());
    if flag.is_some() && args.api_key_file.is_some() {
        return Err(
            "both LINKHUB_API_KEY (--api-key) and LINKHUB_API_KEY_FILE (--api-key-file) are \
             set: set one"
                .into(),
        );
    }
    if let Some(k) = flag {
        return Ok(Some(k.to_string()));
    }
    if let Some(path) = &args.api_key_file {
        return read_secret_file("API key", path).map(Some);
    }
    if let Some(k) = file_value.filter(|k| !k.is_empty()) {
        return Ok(Some(k.to_string()));
    }
    file.api_key_file
        .as_deref()
        .map(|path| read_secret_file("API key", path))
        .transpose()
}

/// The configured webhook signing secret: `LINKHUB_WEBHOOK_SECRET`, else
/// `--webhook-secret-file` / `LINKHUB_WEBHOOK_SECRET_FILE`, else `linkhub.toml`'s
/// `webhook_secret_file`. It must be a Standard Webhooks secret: `whsec_` and base64 of 24
/// to 64 bytes.
pub fn webhook_secret(
    args: &SecretArgs,
    file: &FileSecrets,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<String>, String> {
    let from_env = env(WEBHOOK_SECRET_ENV).filter(|v| !v.trim().is_empty());
    if from_env.is_some() && args.webhook_secret_file.is_some() {
        return Err(format!(
            "both {WEBHOOK_SECRET_ENV} and --webhook-secret-file \
             (LINKHUB_WEBHOOK_SECRET_FILE) are set: set one"
        ));
    }
    let (secret, what) = if let Some(s) = from_env {
        (s.trim().to_string(), WEBHOOK_SECRET_ENV.to_string())
    } else if let Some(path) = args
        .webhook_secret_file
        .as_deref()
        .or(file.webhook_secret_file.as_deref())
    {
        (
            read_secret_file("webhook secret", path)?,
            format!("the webhook secret file {}", path.display()),
        )
    } else {
        return Ok(None);
    };
    let valid = secret
        .strip_prefix(crypto::WEBHOOK_SECRET_PREFIX)
        .and_then(|b| STANDARD.decode(b).ok())
        .is_some_and(|raw| (24..=64).contains(&raw.len()));
    if !valid {
        return Err(format!(
            "{what}: a webhook secret is whsec_ and base64 of 24 to 64 random bytes (make one \
             with `linkhub-server keys generate --webhook-secret`)"
        ));
    }
    Ok(Some(secret))
}

/// What to tell the operator of a server whose keys do not open the stored secrets.
pub fn wrong_key_message(error: &dyn std::fmt::Display, keys: &Keys) -> String {
    format!(
        "{error}.\n  This server's encryption keys come from {} (key ids: {}). Every server \
         on one database needs the same keys: set {SECRET_KEY_ENV} (or \
         LINKHUB_SECRET_KEY_FILE / --secret-key-file) to the keys the other servers use, \
         newest first (see docs/deploy.md).",
        keys.source,
        keys.key.ids().join(", ")
    )
}

// ------------------------------------------------------------------ commands

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Print a new random encryption key (base64 of 32 bytes) for a key file or
    /// LINKHUB_SECRET_KEY.
    Generate {
        /// Print a new webhook signing secret (whsec_…) instead.
        #[arg(long)]
        webhook_secret: bool,
    },
    /// Put a new key first in the key file in use (secret.key or --secret-key-file),
    /// keeping the older ones for opening. Restart the servers, then run `keys re-encrypt`.
    Rotate,
    /// Seal every stored secret again with the newest key, in batches; safe while servers
    /// run (a row changed meanwhile is taken again), and again after an interruption.
    ReEncrypt {
        /// Rows per batch.
        #[arg(long, default_value_t = 500)]
        batch: i64,
    },
    /// Count the stored secrets each key seals.
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `keys generate`: no data folder, database or key needed.
pub fn generate(webhook_secret: bool) -> String {
    if webhook_secret {
        crypto::new_webhook_secret()
    } else {
        crypto::new_key_text()
    }
}

/// Runs `keys rotate` on the key file at `path`: a new key first, the file's keys after it.
/// Returns the new key's id.
pub fn rotate_file(path: &Path) -> Result<String, CryptoError> {
    let err = |message: String| CryptoError::KeyFile {
        path: path.display().to_string(),
        message,
    };
    SecretKey::load_file(path)?;
    let text = std::fs::read(path).map_err(|e| err(e.to_string()))?;
    let old_lines = match std::str::from_utf8(&text) {
        Ok(t) if SecretKey::parse(t).is_ok() => t.to_string(),
        // The first form of secret.key, 32 raw bytes, becomes a base64 line.
        _ => STANDARD.encode(&text),
    };
    let new = crypto::new_key_text();
    let body = format!(
        "# linkhub encryption keys, newest first: the first seals, all open.\n{new}\n{}\n",
        old_lines
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n")
    );
    // A new file renamed over the old one: a crash leaves one or the other, never half.
    let tmp = path.with_extension("key.new");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let write = || -> std::io::Result<()> {
        use std::io::Write as _;
        let mut f = options.open(&tmp)?;
        f.write_all(body.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| err(e.to_string()))?;
    Ok(SecretKey::load_file(path)?.current_id().to_string())
}

/// One sealed value found in the database: where (never what).
struct Sealed {
    /// `table/row id/column[/field]`, for reports.
    place: String,
    /// The AEAD context it is bound to.
    context: String,
    value: String,
}

/// How many stored secrets each key seals.
#[derive(Debug, Default, Serialize)]
pub struct Census {
    /// The key that seals now.
    pub current: String,
    /// Key id (`legacy` for values sealed before keys had ids) → count.
    pub by_key: BTreeMap<String, u64>,
}

/// What `keys re-encrypt` did.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    /// Values sealed again with the current key.
    pub resealed: u64,
    /// Values already sealed with it.
    pub current: u64,
    /// Rows found changed by a server between read and write (taken again).
    pub retried: u64,
    /// Places (`table/id/column`) whose value no key opens: left as they are.
    pub unreadable: Vec<String>,
}

/// A page of rows of one table with sealed columns, in id order after `after`.
#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    a: Option<String>,
    b: Option<String>,
}

/// The tables that hold sealed values: how to read a page and what each value's context is.
#[derive(Debug, Clone, Copy)]
enum Table {
    /// `projects.webhook_secret_enc`.
    Projects,
    /// `accounts.secrets`: a JSON object of field → sealed value.
    Accounts,
    /// `connection_attempts.code_verifier` and `.setup_values` (OAuth in progress).
    Attempts,
}

const TABLES: [Table; 3] = [Table::Projects, Table::Accounts, Table::Attempts];

impl Table {
    fn select(self) -> &'static str {
        match self {
            Table::Projects => {
                "SELECT id, webhook_secret_enc AS a, NULL AS b FROM projects \
                 WHERE id > $1 ORDER BY id LIMIT $2"
            }
            Table::Accounts => {
                "SELECT id, secrets AS a, NULL AS b FROM accounts \
                 WHERE id > $1 ORDER BY id LIMIT $2"
            }
            Table::Attempts => {
                "SELECT id, code_verifier AS a, setup_values AS b FROM connection_attempts \
                 WHERE id > $1 AND (code_verifier IS NOT NULL OR setup_values IS NOT NULL) \
                 ORDER BY id LIMIT $2"
            }
        }
    }

    /// The sealed values of a row. The contexts are those the features seal with
    /// (`project.rs`, `accounts/store.rs`, `attempts/oauth.rs`): a mismatch would fail to
    /// open, never reseal wrongly.
    fn values(self, row: &Row) -> Result<Vec<Sealed>, String> {
        let id = &row.id;
        let one = |place: &str, context: String, value: &Option<String>| {
            value.as_ref().map(|v| Sealed {
                place: place.to_string(),
                context,
                value: v.clone(),
            })
        };
        Ok(match self {
            Table::Projects => one(
                &format!("projects/{id}/webhook_secret_enc"),
                crate::project::webhook_secret_context(id),
                &row.a,
            )
            .into_iter()
            .collect(),
            Table::Accounts => {
                let map: BTreeMap<String, String> =
                    serde_json::from_str(row.a.as_deref().unwrap_or("{}")).map_err(|_| {
                        format!("accounts/{id}/secrets (not the JSON the server writes)")
                    })?;
                map.into_iter()
                    .map(|(field, value)| Sealed {
                        place: format!("accounts/{id}/secrets/{field}"),
                        context: crate::accounts::store::secret_context(id, &field),
                        value,
                    })
                    .collect()
            }
            Table::Attempts => [
                one(
                    &format!("connection_attempts/{id}/code_verifier"),
                    crate::attempts::oauth::verifier_context(id),
                    &row.a,
                ),
                one(
                    &format!("connection_attempts/{id}/setup_values"),
                    crate::attempts::oauth::values_context(id),
                    &row.b,
                ),
            ]
            .into_iter()
            .flatten()
            .collect(),
        })
    }

    /// The statement that stores a row's new values if the row still holds the old ones.
    fn update(self, i: usize) -> String {
        match self {
            Table::Projects => format!(
                "UPDATE projects SET webhook_secret_enc = :a{i} \
                 WHERE id = :id{i} AND webhook_secret_enc = :old_a{i}"
            ),
            Table::Accounts => format!(
                "UPDATE accounts SET secrets = :a{i} WHERE id = :id{i} AND secrets = :old_a{i}"
            ),
            Table::Attempts => format!(
                "UPDATE connection_attempts SET code_verifier = :a{i}, setup_values = :b{i} \
                 WHERE id = :id{i} AND COALESCE(code_verifier, '') = COALESCE(:old_a{i}, '') \
                 AND COALESCE(setup_values, '') = COALESCE(:old_b{i}, '')"
            ),
        }
    }

    /// The row's columns with `resealed` (context → new value) put in.
    fn rebuilt(
        self,
        row: &Row,
        resealed: &BTreeMap<String, String>,
    ) -> (Option<String>, Option<String>) {
        let id = &row.id;
        let pick = |context: String, old: &Option<String>| {
            resealed.get(&context).cloned().or_else(|| old.clone())
        };
        match self {
            Table::Projects => (
                pick(crate::project::webhook_secret_context(id), &row.a),
                None,
            ),
            Table::Accounts => {
                let mut map: BTreeMap<String, String> =
                    serde_json::from_str(row.a.as_deref().unwrap_or("{}")).unwrap_or_default();
                for (field, value) in map.iter_mut() {
                    if let Some(new) =
                        resealed.get(&crate::accounts::store::secret_context(id, field))
                    {
                        value.clone_from(new);
                    }
                }
                (serde_json::to_string(&map).ok(), None)
            }
            Table::Attempts => (
                pick(crate::attempts::oauth::verifier_context(id), &row.a),
                pick(crate::attempts::oauth::values_context(id), &row.b),
            ),
        }
    }
}

async fn page(db: &Db, table: Table, after: &str, batch: i64) -> Result<Vec<Row>, sqlx::Error> {
    sqlx::query_as::<_, Row>(table.select())
        .bind(after.to_string())
        .bind(batch)
        .fetch_all(&db.pool)
        .await
}

/// Counts the stored secrets by the key that seals them.
pub async fn census(db: &Db, key: &SecretKey) -> Result<Census, sqlx::Error> {
    let mut census = Census {
        current: key.current_id().to_string(),
        by_key: BTreeMap::new(),
    };
    for table in TABLES {
        let mut after = String::new();
        loop {
            let rows = page(db, table, &after, 1000).await?;
            let Some(last) = rows.last() else { break };
            after.clone_from(&last.id);
            for row in &rows {
                for sealed in table.values(row).unwrap_or_default() {
                    let id = sealed_key_id(&sealed.value).unwrap_or("legacy");
                    *census.by_key.entry(id.to_string()).or_default() += 1;
                }
            }
        }
    }
    Ok(census)
}

/// Seals every stored secret not sealed with the current key again with it, `batch` rows
/// per transaction. A row a server changed between the read and the write is left to the
/// next pass (passes repeat, a few times, while some were); values no key opens are
/// reported, not touched.
pub async fn re_encrypt(db: &Db, key: &SecretKey, batch: i64) -> Result<Report, sqlx::Error> {
    let batch = batch.clamp(1, 10_000);
    let mut report = Report::default();
    for _pass in 0..5 {
        let mut conflicts = 0;
        report.unreadable.clear();
        report.current = 0;
        for table in TABLES {
            let mut after = String::new();
            loop {
                let rows = page(db, table, &after, batch).await?;
                let Some(last) = rows.last() else { break };
                after.clone_from(&last.id);
                let mut write = Write::new();
                let mut changed = 0u64;
                for row in &rows {
                    let values = match table.values(row) {
                        Ok(v) => v,
                        Err(place) => {
                            report.unreadable.push(place);
                            continue;
                        }
                    };
                    let mut resealed = BTreeMap::new();
                    for sealed in values {
                        match key.reseal(&sealed.context, &sealed.value) {
                            Ok(None) => report.current += 1,
                            Ok(Some(new)) => {
                                resealed.insert(sealed.context, new);
                            }
                            Err(e) => report.unreadable.push(format!("{}: {e}", sealed.place)),
                        }
                    }
                    if resealed.is_empty() {
                        continue;
                    }
                    let i = write.len();
                    let (a, b) = table.rebuilt(row, &resealed);
                    changed += resealed.len() as u64;
                    write = write
                        .run(table.update(i))
                        .bind(format!("a{i}"), a)
                        .bind(format!("b{i}"), b)
                        .bind(format!("id{i}"), &row.id)
                        .bind(format!("old_a{i}"), &row.a)
                        .bind(format!("old_b{i}"), &row.b);
                }
                if write.is_empty() {
                    continue;
                }
                match db.write(write).await? {
                    Written::Done(counts) => {
                        let missed = counts.iter().filter(|&&n| n == 0).count() as u64;
                        conflicts += missed;
                        report.retried += missed;
                        if missed == 0 {
                            report.resealed += changed;
                        } else {
                            // Which values of the batch landed is not worth tracking: the
                            // next pass finds what is left.
                            report.resealed += changed.saturating_sub(missed);
                        }
                    }
                    Written::Refused(_) => conflicts += 1,
                }
            }
        }
        if conflicts == 0 {
            break;
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn keys_come_from_the_file_flag_the_environment_or_the_data_folder() {
        let dir = tempfile::tempdir().expect("dir");
        let (k1, k2) = (crypto::new_key_text(), crypto::new_key_text());
        // Environment: newest first, comma-separated.
        let keys = encryption_keys(
            &SecretArgs::default(),
            &FileSecrets::default(),
            env_of(&[(SECRET_KEY_ENV, &format!("{k1},{k2}"))]),
            dir.path(),
        )
        .expect("env keys");
        assert_eq!(keys.key.ids().len(), 2);
        assert_eq!(keys.source, SECRET_KEY_ENV);
        assert!(!dir.path().join("secret.key").exists(), "no key file made");
        // A file: the same ring.
        let path = dir.path().join("keys");
        std::fs::write(&path, format!("# comment\n{k1}\n\n{k2}\n")).expect("write");
        let from_file = encryption_keys(
            &SecretArgs {
                secret_key_file: Some(path.clone()),
                ..SecretArgs::default()
            },
            &FileSecrets::default(),
            env_of(&[]),
            dir.path(),
        )
        .expect("file keys");
        assert_eq!(from_file.key.ids(), keys.key.ids());
        // Both: refused, naming both.
        let err = encryption_keys(
            &SecretArgs {
                secret_key_file: Some(path),
                ..SecretArgs::default()
            },
            &FileSecrets::default(),
            env_of(&[(SECRET_KEY_ENV, &k1)]),
            dir.path(),
        )
        .expect_err("both");
        assert!(
            err.contains(SECRET_KEY_ENV) && err.contains("--secret-key-file"),
            "{err}"
        );
        // A bad key: its position, never its text.
        let err = encryption_keys(
            &SecretArgs::default(),
            &FileSecrets::default(),
            env_of(&[(SECRET_KEY_ENV, &format!("{k1},not-a-key-hunter2"))]),
            dir.path(),
        )
        .expect_err("bad key");
        assert!(err.contains("key 2") && !err.contains("hunter2"), "{err}");
        // Nothing configured: the data folder's key, created once, then the same.
        let a = encryption_keys(
            &SecretArgs::default(),
            &FileSecrets::default(),
            env_of(&[]),
            dir.path(),
        )
        .expect("created");
        let b = encryption_keys(
            &SecretArgs::default(),
            &FileSecrets::default(),
            env_of(&[]),
            dir.path(),
        )
        .expect("read");
        assert_eq!(a.key.ids(), b.key.ids());
        assert!(a.source.contains("secret.key"), "{}", a.source);
    }

    #[test]
    fn api_key_and_webhook_secret_come_from_files_and_are_checked() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("api");
        std::fs::write(&path, "lh_sk_from_file\n").expect("write");
        let args = SecretArgs {
            api_key_file: Some(path),
            ..SecretArgs::default()
        };
        assert_eq!(
            api_key(None, &args, None, &FileSecrets::default()),
            Ok(Some("lh_sk_from_file".to_string()))
        );
        assert!(api_key(Some("lh_sk_flag"), &args, None, &FileSecrets::default()).is_err());
        let secret = crypto::new_webhook_secret();
        assert_eq!(
            webhook_secret(
                &SecretArgs::default(),
                &FileSecrets::default(),
                env_of(&[(WEBHOOK_SECRET_ENV, &secret)])
            ),
            Ok(Some(secret.clone()))
        );
        let err = webhook_secret(
            &SecretArgs::default(),
            &FileSecrets::default(),
            env_of(&[(WEBHOOK_SECRET_ENV, "whsec_c2hvcnQ=")]),
        )
        .expect_err("too short");
        assert!(
            err.contains(WEBHOOK_SECRET_ENV) && !err.contains("c2hvcnQ"),
            "{err}"
        );
    }

    #[test]
    fn rotate_puts_a_new_key_first_and_keeps_the_old_ones() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("secret.key");
        let old = SecretKey::load_or_create(&path).expect("created");
        let sealed = old.seal("ctx", "value");
        let new_id = rotate_file(&path).expect("rotated");
        let ring = SecretKey::load_file(&path).expect("ring");
        assert_eq!(ring.current_id(), new_id);
        assert_eq!(ring.ids(), vec![new_id.as_str(), old.current_id()]);
        assert_eq!(ring.open("ctx", &sealed).ok().as_deref(), Some("value"));
        assert!(ring.seal("ctx", "v").contains(&new_id));
    }
}
