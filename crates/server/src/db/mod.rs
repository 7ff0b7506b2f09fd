//! The database: SQLite (default, a WAL file in the data dir) or PostgreSQL.
//!
//! Reads go through sqlx's `Any` driver with the same SQL on both (`$n` placeholders, TEXT
//! and BIGINT columns only) into typed rows (`sqlx::FromRow`); every change is a
//! [`Write`] (see [`write`]). The schema is one migration folder: the two dialects don't
//! differ in it (a test keeps them in step by migrating both and comparing the tables).

mod write;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, ConnectOptions, Connection, Executor};
use tokio::sync::{mpsc, oneshot};

pub use self::write::{Arg, Write, Written};

/// The schema, for both databases.
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The read pool and the way to write.
#[derive(Clone)]
pub struct Db {
    /// Reads (on SQLite beside the writer, which WAL allows).
    pub pool: AnyPool,
    pub backend: Backend,
    /// The SQLite writer thread's queue; `None` on PostgreSQL.
    writer: Option<mpsc::UnboundedSender<write::Job>>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.backend)
            .field("pool", &self.pool)
            .finish_non_exhaustive()
    }
}

impl Db {
    /// Runs a write: on SQLite on the writer thread, grouped with the writes queued beside
    /// it (it runs to its end even if the caller stops waiting); on PostgreSQL in a
    /// transaction of its own.
    pub async fn write(&self, w: Write) -> Result<Written, sqlx::Error> {
        let Some(writer) = &self.writer else {
            return write::run_on_pool(&self.pool, &w).await;
        };
        let (tx, rx) = oneshot::channel();
        writer
            .send(write::Job::Write(w, tx))
            .map_err(|_| sqlx::Error::PoolClosed)?;
        rx.await.map_err(|_| sqlx::Error::PoolClosed)?
    }

    /// Closes the connections, after the writes already queued; later writes fail.
    pub async fn close(&self) {
        if let Some(writer) = &self.writer {
            let (tx, rx) = oneshot::channel();
            if writer.send(write::Job::Stop(tx)).is_ok() {
                let _ = rx.await;
            }
        }
        self.pool.close().await;
    }
}

/// Settings of every SQLite connection. `synchronous = NORMAL` is the safe choice with WAL
/// (a commit is durable once the WAL is synced at a checkpoint; a power cut can lose the
/// last commits, never corrupt the file); `busy_timeout` covers other processes (the CLI)
/// writing to the same file.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
     PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; \
     PRAGMA cache_size = -16384;";

/// What SQLite opens for a `sqlite:` `DATABASE_URL` (`sqlite://path?mode=rwc`,
/// `sqlite:path`): the same as a `file:` URI.
fn sqlite_uri(url: &str) -> String {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    format!("file:{rest}")
}

/// Opens the database and runs the migrations.
/// `database_url` (`postgres://…`) wins; otherwise `<data_dir>/linkhub.db`.
///
/// Two processes may open one database at once: on PostgreSQL the migrations take an
/// advisory lock; on SQLite the caller holds the data folder's lock
/// ([`crate::project::DataDirLock`]), since SQLite migrations take none.
pub async fn connect(database_url: Option<&str>, data_dir: &Path) -> Result<Db, sqlx::Error> {
    sqlx::any::install_default_drivers();
    // `sqlite_file`: the same database for the writer thread, a plain path or a `file:` URI.
    let mut sqlite_file = data_dir.join("linkhub.db").display().to_string();
    let (url, backend) = match database_url.filter(|u| !u.is_empty()) {
        Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => {
            (u.to_string(), Backend::Postgres)
        }
        Some(u) if u.starts_with("sqlite:") => {
            sqlite_file = sqlite_uri(u);
            (u.to_string(), Backend::Sqlite)
        }
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
    if backend == Backend::Sqlite && (url.contains(":memory:") || url.contains("mode=memory")) {
        return Err(sqlx::Error::Configuration(
            "an in-memory SQLite database would lose every account when the server stops; \
             give DATABASE_URL a file (sqlite:///path/to/linkhub.db) or leave it unset"
                .into(),
        ));
    }
    match backend {
        Backend::Sqlite => {
            // A connection of its own for the migrations: it creates the file and switches
            // it to WAL before anything else opens it.
            let mut conn = options.connect().await?;
            conn.execute(SQLITE_PRAGMAS).await?;
            MIGRATOR.run(&mut conn).await?;
            conn.close().await?;
            let pool = AnyPoolOptions::new()
                .max_connections(4)
                .acquire_timeout(Duration::from_secs(30))
                // A local file does not lose its connection: no ping before each use.
                .test_before_acquire(false)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        conn.execute(SQLITE_PRAGMAS).await?;
                        Ok(())
                    })
                })
                .connect_with(options)
                .await?;
            Ok(Db {
                pool,
                backend,
                writer: Some(write::start_writer(&sqlite_file, SQLITE_PRAGMAS)?),
            })
        }
        Backend::Postgres => {
            let pool = AnyPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(options)
                .await?;
            MIGRATOR.run(&pool).await?;
            Ok(Db {
                pool,
                backend,
                writer: None,
            })
        }
    }
}
