//! The database: SQLite (default, a WAL file in the data dir) or PostgreSQL.
//!
//! Both go through sqlx's `Any` driver with the same SQL (`$n` placeholders, TEXT and
//! BIGINT columns only), so every query is written once; each backend has its own
//! migration folder so the schemas can diverge when one needs to.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::sync::Arc;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, ConnectOptions, Connection, Executor, Row, Transaction};
use tokio::sync::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard, mpsc, oneshot};

use crate::crypto::{self, SecretKey};

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The pools and their backend.
///
/// On SQLite every write goes through one connection, held behind a fair (FIFO) async
/// mutex: SQLite runs one writer at a time anyway, and writers queueing in order for that
/// connection beat writers racing for the file lock and sleeping in SQLite's busy handler
/// (whose back-off made the tail latencies). It is not in a pool because sqlx's pool pings a
/// connection (a round trip to its worker thread) from a spawned task each time it is
/// returned, which is dead time for the next writer. Reads use `pool`, which WAL lets run
/// beside the writer. On PostgreSQL everything uses `pool`.
#[derive(Clone)]
pub struct Db {
    /// Reads (and, on PostgreSQL, everything).
    pub pool: AnyPool,
    writer: Writer,
    /// The SQLite writer thread's queue (see [`Db::write`]).
    jobs: Option<mpsc::UnboundedSender<WriteJob>>,
    pub backend: Backend,
}

/// A future borrowing the writer connection.
pub type WriteFuture<'c, T> = Pin<Box<dyn Future<Output = T> + Send + 'c>>;

/// A write run alone on the writer connection.
type ClosureJob = Box<dyn for<'c> FnOnce(&'c mut AnyConnection) -> WriteFuture<'c, ()> + Send>;

/// Work for the SQLite writer thread.
enum WriteJob {
    /// Any write, run alone.
    Closure(ClosureJob),
    /// Statements that may share a transaction with the jobs queued next to them.
    Batch(Batch, oneshot::Sender<Result<Option<i64>, sqlx::Error>>),
}

/// Gives a closure the higher-ranked signature of a [`WriteJob::Closure`].
fn job<F>(f: F) -> F
where
    F: for<'c> FnOnce(&'c mut AnyConnection) -> WriteFuture<'c, ()> + Send + 'static,
{
    f
}

/// A value bound to a [`Batch`] statement.
#[derive(Debug, Clone)]
pub enum BatchArg {
    Text(String),
    OptText(Option<String>),
    Int(i64),
}

/// One write as SQLite statements (`;`-separated, parameters `$1`…`$n` numbered for this
/// write alone) that run inside a transaction the writer thread opens: several queued
/// writes share one transaction and one round trip to the connection's thread (group
/// commit). The statements must not fail but for a broken database (conflicts are
/// `ON CONFLICT DO NOTHING`), must not begin or end a transaction, and may end with a
/// `SELECT` of one integer row, which is the write's answer. `changes()` in a statement
/// refers to the statement before it in the same write (the first statement must not use
/// it).
#[derive(Debug, Clone)]
pub struct Batch {
    pub sql: String,
    pub args: Vec<BatchArg>,
    /// Whether the last statement is a `SELECT` of one row and one integer column.
    pub returns_row: bool,
}

/// Most writes to group in one transaction.
const GROUP_MAX: usize = 64;

/// Starts the SQLite writer thread: it runs queued writes on the writer connection, on a
/// single-threaded runtime of its own. Each statement sent to a sqlx SQLite connection is
/// a round trip to that connection's own thread, and on a busy machine every such hand-off
/// costs far more than the SQLite work. So the writes queued together ([`Batch`]es) are
/// sent as one statement batch in one transaction — one round trip and one commit for all
/// of them — and the round trips of other writes are direct hand-offs between two threads
/// instead of waits in the server runtime's queue with the write lock held. The thread
/// ends when the last [`Db`] clone is dropped.
fn start_writer_thread(
    conn: Arc<Mutex<Option<AnyConnection>>>,
) -> std::io::Result<mpsc::UnboundedSender<WriteJob>> {
    let (tx, mut rx) = mpsc::unbounded_channel::<WriteJob>();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::Builder::new()
        .name("linkhub-sqlite-writer".into())
        .spawn(move || {
            runtime.block_on(async move {
                let mut next = None;
                loop {
                    let job = match next.take() {
                        Some(job) => job,
                        None => match rx.recv().await {
                            Some(job) => job,
                            None => break,
                        },
                    };
                    let mut guard = conn.lock().await;
                    let Some(conn) = guard.as_mut() else {
                        // Closed: dropping the job (and its answer channel) tells its caller.
                        continue;
                    };
                    match job {
                        WriteJob::Closure(f) => f(conn).await,
                        WriteJob::Batch(batch, answer) => {
                            let mut group = vec![(batch, answer)];
                            while group.len() < GROUP_MAX {
                                match rx.try_recv() {
                                    Ok(WriteJob::Batch(b, a)) => group.push((b, a)),
                                    Ok(other) => {
                                        next = Some(other);
                                        break;
                                    }
                                    Err(_) => break,
                                }
                            }
                            run_group(conn, group).await;
                        }
                    }
                }
            });
        })?;
    Ok(tx)
}

type Answer = oneshot::Sender<Result<Option<i64>, sqlx::Error>>;

/// Runs batches in one transaction and answers each. If the transaction fails, nothing of
/// it was written: each batch is then run in a transaction of its own, so one broken write
/// fails alone.
async fn run_group(conn: &mut AnyConnection, group: Vec<(Batch, Answer)>) {
    let batches: Vec<&Batch> = group.iter().map(|(b, _)| b).collect();
    match run_batches(conn, &batches).await {
        Ok(rows) => {
            for ((_, answer), row) in group.into_iter().zip(rows) {
                let _ = answer.send(Ok(row));
            }
        }
        Err(e) if group.len() == 1 => {
            if let Some((_, answer)) = group.into_iter().next() {
                let _ = answer.send(Err(e));
            }
        }
        Err(_) => {
            for (batch, answer) in group {
                let result = run_batches(conn, &[&batch])
                    .await
                    .map(|rows| rows.into_iter().next().flatten());
                let _ = answer.send(result);
            }
        }
    }
}

/// `BEGIN IMMEDIATE; <each batch, its parameters renumbered>; COMMIT` in one round trip:
/// the answer row of each batch (in order), or the error (after a rollback).
async fn run_batches(
    conn: &mut AnyConnection,
    batches: &[&Batch],
) -> Result<Vec<Option<i64>>, sqlx::Error> {
    let mut sql = String::from("BEGIN IMMEDIATE;\n");
    let mut offset = 0;
    for b in batches {
        renumber_into(&mut sql, &b.sql, offset);
        sql.push_str(";\n");
        offset += b.args.len();
    }
    sql.push_str("COMMIT;");
    let mut query = sqlx::query(&sql);
    for b in batches {
        for arg in &b.args {
            query = match arg {
                BatchArg::Text(v) => query.bind(v),
                BatchArg::OptText(v) => query.bind(v),
                BatchArg::Int(v) => query.bind(*v),
            };
        }
    }
    // Not cached: the statement text changes with the group (SQLite prepares it quickly).
    let rows = match query.persistent(false).fetch_all(&mut *conn).await {
        Ok(rows) => rows,
        Err(e) => {
            // The batch stopped at the failing statement, inside its transaction.
            let _ = conn.execute("ROLLBACK").await;
            return Err(e);
        }
    };
    let mut rows = rows.into_iter();
    let mut answers = Vec::with_capacity(batches.len());
    for b in batches {
        answers.push(if b.returns_row {
            match rows.next() {
                Some(row) => Some(row.try_get::<i64, _>(0)?),
                None => None,
            }
        } else {
            None
        });
    }
    Ok(answers)
}

/// Appends `sql` with every parameter `$n` turned into `$(n + offset)`.
fn renumber_into(out: &mut String, sql: &str, offset: usize) {
    let mut chars = sql.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        out.push(c);
        if c != '$' {
            continue;
        }
        let mut n: usize = 0;
        let mut digits = false;
        while let Some(&(_, d)) = chars.peek() {
            let Some(v) = d.to_digit(10) else { break };
            n = n * 10 + v as usize;
            digits = true;
            chars.next();
        }
        if digits {
            out.push_str(&(n + offset).to_string());
        }
    }
}

#[derive(Clone)]
enum Writer {
    /// Pool connections (PostgreSQL; SQLite in memory, where the pool has one connection).
    Pool(AnyPool),
    /// The SQLite writer connection.
    Conn(Arc<Mutex<Option<AnyConnection>>>),
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.backend)
            .field("pool", &self.pool)
            .finish_non_exhaustive()
    }
}

/// The connection writes go through, for as long as it is held (see [`Db::writer`]).
pub struct WriteConn {
    conn: WriteConnInner,
    backend: Backend,
}

enum WriteConnInner {
    Pool(PoolConnection<Any>),
    Owned(OwnedMappedMutexGuard<Option<AnyConnection>, AnyConnection>),
}

impl Deref for WriteConn {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        match &self.conn {
            WriteConnInner::Pool(c) => c,
            WriteConnInner::Owned(c) => c,
        }
    }
}

impl DerefMut for WriteConn {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match &mut self.conn {
            WriteConnInner::Pool(c) => c,
            WriteConnInner::Owned(c) => c,
        }
    }
}

impl WriteConn {
    /// Starts a write transaction (see [`begin_write`]).
    pub async fn begin(&mut self) -> Result<Transaction<'_, Any>, sqlx::Error> {
        let backend = self.backend;
        begin_write(self, backend).await
    }
}

/// Starts a write transaction on `conn`. On SQLite it takes the write lock at once
/// (`BEGIN IMMEDIATE`), so a transaction that reads before it writes can never fail to
/// upgrade its lock because another process wrote in between.
pub async fn begin_write(
    conn: &mut AnyConnection,
    backend: Backend,
) -> Result<Transaction<'_, Any>, sqlx::Error> {
    match backend {
        Backend::Sqlite => Connection::begin_with(conn, "BEGIN IMMEDIATE").await,
        Backend::Postgres => Connection::begin(conn).await,
    }
}

impl Db {
    /// The connection for writes: `.execute(&mut *db.writer().await?)` for one statement,
    /// `db.writer().await?.begin()` for a transaction. Hold it only for the write.
    pub async fn writer(&self) -> Result<WriteConn, sqlx::Error> {
        let conn = match &self.writer {
            Writer::Pool(pool) => WriteConnInner::Pool(pool.acquire().await?),
            Writer::Conn(conn) => WriteConnInner::Owned(
                OwnedMutexGuard::try_map(conn.clone().lock_owned().await, Option::as_mut)
                    .map_err(|_| sqlx::Error::PoolClosed)?,
            ),
        };
        Ok(WriteConn {
            conn,
            backend: self.backend,
        })
    }

    /// Runs `f` with the writer connection and returns its result: on SQLite on the writer
    /// thread (see [`start_writer_thread`]), otherwise here with a pool connection. `f` runs
    /// to its end even if the caller stops waiting (a client that went away).
    pub async fn write<T, F>(&self, f: F) -> Result<T, sqlx::Error>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut AnyConnection) -> WriteFuture<'c, T> + Send + 'static,
    {
        let Some(jobs) = &self.jobs else {
            let mut conn = self.writer().await?;
            return Ok(f(&mut conn).await);
        };
        let (tx, rx) = oneshot::channel();
        let queued = WriteJob::Closure(Box::new(job(move |conn| {
            Box::pin(async move {
                let _ = tx.send(f(conn).await);
            })
        })));
        jobs.send(queued).map_err(|_| sqlx::Error::PoolClosed)?;
        rx.await.map_err(|_| sqlx::Error::PoolClosed)
    }

    /// Runs a [`Batch`] (SQLite only): on the writer thread, in a transaction shared with
    /// the batches queued beside it; its answer row, if it has one.
    pub async fn write_batch(&self, batch: Batch) -> Result<Option<i64>, sqlx::Error> {
        let Some(jobs) = &self.jobs else {
            let mut conn = self.writer().await?;
            return run_batches(&mut conn, &[&batch])
                .await
                .map(|rows| rows.into_iter().next().flatten());
        };
        let (tx, rx) = oneshot::channel();
        jobs.send(WriteJob::Batch(batch, tx))
            .map_err(|_| sqlx::Error::PoolClosed)?;
        rx.await.map_err(|_| sqlx::Error::PoolClosed)?
    }

    /// Runs one write statement on the writer.
    pub async fn execute_write<'q>(
        &self,
        query: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
    ) -> Result<sqlx::any::AnyQueryResult, sqlx::Error> {
        query.execute(&mut *self.writer().await?).await
    }

    /// Closes the connections.
    pub async fn close(&self) {
        if let Writer::Conn(conn) = &self.writer {
            // After the write in progress, if any; later writes fail.
            let taken = conn.lock().await.take();
            if let Some(conn) = taken {
                let _ = conn.close().await;
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
    // An in-memory database exists once per connection: one connection does everything.
    let in_memory = url.contains(":memory:") || url.contains("mode=memory");
    let db = match backend {
        Backend::Sqlite if in_memory => {
            let pool = AnyPoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(options)
                .await?;
            Db {
                writer: Writer::Pool(pool.clone()),
                jobs: None,
                pool,
                backend,
            }
        }
        Backend::Sqlite => {
            // The writer first: it creates the file and switches it to WAL.
            let mut writer = options.connect().await?;
            writer.execute(SQLITE_PRAGMAS).await?;
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
            let writer = Arc::new(Mutex::new(Some(writer)));
            Db {
                pool,
                jobs: Some(start_writer_thread(writer.clone()).map_err(sqlx::Error::Io)?),
                writer: Writer::Conn(writer),
                backend,
            }
        }
        Backend::Postgres => {
            let pool = AnyPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(options)
                .await?;
            Db {
                writer: Writer::Pool(pool.clone()),
                jobs: None,
                pool,
                backend,
            }
        }
    };
    let mut conn = db.writer().await?;
    match backend {
        Backend::Sqlite => sqlx::migrate!("migrations/sqlite").run(&mut *conn).await?,
        Backend::Postgres => {
            sqlx::migrate!("migrations/postgres")
                .run(&mut *conn)
                .await?
        }
    }
    drop(conn);
    Ok(db)
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
                    .execute(&mut *db.writer().await?)
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
    .execute(&mut *db.writer().await?)
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
