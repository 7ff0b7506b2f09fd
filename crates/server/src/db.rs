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
    /// Sessions already read, by token hash. Safe to keep because a stored session never
    /// changes: expiry is checked by the caller on every use, and a session made by another
    /// process (the CLI) is simply read from the database the first time.
    pub(crate) sessions: Arc<Memo<crate::store::Session>>,
    /// Answers of finished `POST /hub/accounts` under an `Idempotency-Key`, by session id
    /// and key, so a retry is answered without a database round trip. A miss is always safe:
    /// the write path finds a claimed key and reads its stored answer.
    pub(crate) answers: Arc<Memo<crate::hub::StoredAnswer>>,
}

/// A bounded map of values that never change once stored, so that the requests of one end
/// user don't each read the same row (on SQLite a read is a round trip to a connection's
/// thread). When full it starts over, which only costs the next reads a database trip.
#[derive(Debug)]
pub(crate) struct Memo<V> {
    map: std::sync::Mutex<std::collections::HashMap<String, V>>,
}

impl<V> Default for Memo<V> {
    fn default() -> Self {
        Memo {
            map: Default::default(),
        }
    }
}

/// Most entries of a [`Memo`].
const MEMO_MAX: usize = 16_384;

impl<V: Clone> Memo<V> {
    pub(crate) fn get(&self, key: &str) -> Option<V> {
        self.map.lock().ok()?.get(key).cloned()
    }

    pub(crate) fn put(&self, key: String, value: V) {
        let Ok(mut map) = self.map.lock() else { return };
        if map.len() >= MEMO_MAX {
            map.clear();
        }
        map.insert(key, value);
    }
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
    OptInt(Option<i64>),
}

/// One write as SQLite statements, each ending with `;` and a line break (the last may
/// omit them), with parameters `$1`…`$n` indexing `args`. The writer thread runs it inside
/// a transaction it opens, shared with the writes queued beside it (group commit). The
/// statements must not fail but for a broken database (conflicts are
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

/// Starts the SQLite writer thread. It owns the two writer connections and runs queued
/// writes one after the other, on a single-threaded runtime of its own:
///
/// - [`WriteJob::Batch`]es, the hot path (new sessions and accounts), run on a rusqlite
///   connection right here on the thread: the batches queued together share one
///   transaction and one commit (group commit), and their statements are prepared once and
///   cached. A sqlx SQLite connection would instead make every statement a round trip to
///   that connection's own thread — context switches that cost far more than the SQLite
///   work on a busy two-core machine.
/// - [`WriteJob::Closure`]s, every other write, run on the sqlx writer connection `conn`.
///
/// Only this thread writes, so the two connections never wait for each other's lock (other
/// processes, such as the CLI, are covered by `busy_timeout`). The thread ends when the
/// last [`Db`] clone is dropped.
fn start_writer_thread(
    conn: Arc<Mutex<Option<AnyConnection>>>,
    path: &str,
) -> Result<mpsc::UnboundedSender<WriteJob>, sqlx::Error> {
    let (tx, mut rx) = mpsc::unbounded_channel::<WriteJob>();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let batch_conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
            | rusqlite::OpenFlags::SQLITE_OPEN_URI
            | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .and_then(|c| {
        c.execute_batch(SQLITE_PRAGMAS)?;
        c.set_prepared_statement_cache_capacity(64);
        Ok(c)
    })
    .map_err(sqlite_error)?;
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
                            run_group(&batch_conn, group);
                        }
                    }
                }
            });
        })?;
    Ok(tx)
}

/// A rusqlite error as the sqlx error the rest of the server handles.
fn sqlite_error(e: rusqlite::Error) -> sqlx::Error {
    sqlx::Error::Io(std::io::Error::other(e))
}

type Answer = oneshot::Sender<Result<Option<i64>, sqlx::Error>>;

/// Runs batches in one transaction and answers each. If the transaction fails, nothing of
/// it was written: each batch is then run in a transaction of its own, so one broken write
/// fails alone.
fn run_group(conn: &rusqlite::Connection, group: Vec<(Batch, Answer)>) {
    let batches: Vec<&Batch> = group.iter().map(|(b, _)| b).collect();
    match run_batches(conn, &batches) {
        Ok(rows) => {
            for ((_, answer), row) in group.into_iter().zip(rows) {
                let _ = answer.send(Ok(row));
            }
        }
        Err(e) if group.len() == 1 => {
            if let Some((_, answer)) = group.into_iter().next() {
                let _ = answer.send(Err(sqlite_error(e)));
            }
        }
        Err(_) => {
            for (batch, answer) in group {
                let result = run_batches(conn, &[&batch])
                    .map(|rows| rows.into_iter().next().flatten())
                    .map_err(sqlite_error);
                let _ = answer.send(result);
            }
        }
    }
}

/// `BEGIN IMMEDIATE`, every statement of every batch, `COMMIT`: the answer row of each
/// batch (in order), or the error (after a rollback).
fn run_batches(
    conn: &rusqlite::Connection,
    batches: &[&Batch],
) -> Result<Vec<Option<i64>>, rusqlite::Error> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let answers = batches
        .iter()
        .map(|b| run_batch(conn, b))
        .collect::<Result<Vec<_>, _>>()
        .and_then(|answers| conn.execute_batch("COMMIT").map(|()| answers));
    if answers.is_err() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    answers
}

/// The statements of one batch, each prepared once per connection (cached); parameters are
/// bound by their `$n` names.
fn run_batch(conn: &rusqlite::Connection, batch: &Batch) -> Result<Option<i64>, rusqlite::Error> {
    let statements: Vec<&str> = batch
        .sql
        .split(";\n")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let last = statements.len().saturating_sub(1);
    let mut answer = None;
    for (i, sql) in statements.into_iter().enumerate() {
        let mut stmt = conn.prepare_cached(sql)?;
        for index in 1..=stmt.parameter_count() {
            let arg = stmt
                .parameter_name(index)
                .and_then(|name| name.strip_prefix('$'))
                .and_then(|n| n.parse::<usize>().ok())
                .and_then(|n| batch.args.get(n.checked_sub(1)?))
                .ok_or(rusqlite::Error::InvalidParameterCount(
                    index,
                    batch.args.len(),
                ))?;
            match arg {
                BatchArg::Text(v) => stmt.raw_bind_parameter(index, v)?,
                BatchArg::OptText(v) => stmt.raw_bind_parameter(index, v)?,
                BatchArg::Int(v) => stmt.raw_bind_parameter(index, v)?,
                BatchArg::OptInt(v) => stmt.raw_bind_parameter(index, v)?,
            }
        }
        if i == last && batch.returns_row {
            let mut rows = stmt.raw_query();
            answer = match rows.next()? {
                Some(row) => Some(row.get::<_, i64>(0)?),
                None => None,
            };
        } else {
            stmt.raw_execute()?;
        }
    }
    Ok(answer)
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
            return Err(sqlx::Error::Configuration(
                "statement batches need the SQLite writer thread".into(),
            ));
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
pub async fn connect(database_url: Option<&str>, data_dir: &Path) -> Result<Db, sqlx::Error> {
    sqlx::any::install_default_drivers();
    // `sqlite_file`: the same database for the writer thread's rusqlite connection, a plain
    // path or a `file:` URI.
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
    let db = match backend {
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
                jobs: Some(start_writer_thread(writer.clone(), &sqlite_file)?),
                writer: Writer::Conn(writer),
                backend,
                sessions: Arc::default(),
                answers: Arc::default(),
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
                sessions: Arc::default(),
                answers: Arc::default(),
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
