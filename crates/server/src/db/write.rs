//! The one way the server changes the database: a [`Write`], a few SQL statements with
//! named parameters (`:name`) that are kept all together or not at all.
//!
//! On SQLite every write goes to one thread that owns the only writing connection and
//! runs the writes queued together in one transaction, one savepoint each, with one commit
//! for all of them (group commit): SQLite runs one writer at a time anyway, and queueing in
//! order beats racing for the file lock in SQLite's busy handler. The thread talks to
//! SQLite directly (rusqlite, prepared statements cached): a sqlx SQLite connection would
//! make every statement a round trip to that connection's own thread, context switches that
//! cost far more than the SQLite work on a busy two-core machine. On PostgreSQL a write is
//! a transaction on a pool connection, with the same statements (named parameters become
//! `$n`).
//!
//! A statement added with [`Write::require`] must change a row: when it changes none, the
//! write stops there and nothing of it is kept ([`Written::Refused`]). That is how a write
//! says "only if the key was not claimed yet" or "only if the owner has no account yet"
//! without a read in between, on both databases.

use std::borrow::Cow;
use std::fmt;

use sqlx::AnyPool;
use tokio::sync::{mpsc, oneshot};

/// A value bound to a named parameter.
#[derive(Clone, PartialEq, Eq)]
pub enum Arg {
    Text(String),
    OptText(Option<String>),
    Int(i64),
    OptInt(Option<i64>),
}

impl From<String> for Arg {
    fn from(v: String) -> Arg {
        Arg::Text(v)
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Arg {
        Arg::Text(v.clone())
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Arg {
        Arg::Text(v.to_string())
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Arg {
        Arg::OptText(v)
    }
}
impl From<&Option<String>> for Arg {
    fn from(v: &Option<String>) -> Arg {
        Arg::OptText(v.clone())
    }
}
impl From<i64> for Arg {
    fn from(v: i64) -> Arg {
        Arg::Int(v)
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Arg {
        Arg::OptInt(v)
    }
}

#[derive(Debug, Clone)]
struct Stmt {
    sql: Cow<'static, str>,
    /// Stop (and keep nothing) when it changes no row.
    required: bool,
}

/// Statements run in order in one transaction, all kept or none. See the module doc.
#[derive(Clone, Default)]
pub struct Write {
    stmts: Vec<Stmt>,
    args: Vec<(Cow<'static, str>, Arg)>,
}

/// Its statements, never its values (they may hold sealed secrets or answers).
impl fmt::Debug for Write {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Write")
            .field("statements", &self.stmts)
            .finish_non_exhaustive()
    }
}

/// What a [`Write`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    /// Every statement ran: the rows each one changed, in order.
    Done(Vec<u64>),
    /// The statement at this index (from 0) was required to change a row and changed none:
    /// nothing of the write was kept.
    Refused(usize),
}

impl Write {
    pub fn new() -> Write {
        Write::default()
    }

    /// Adds a statement.
    pub fn run(mut self, sql: impl Into<Cow<'static, str>>) -> Write {
        self.stmts.push(Stmt {
            sql: sql.into(),
            required: false,
        });
        self
    }

    /// Adds a statement that must change a row (see [`Written::Refused`]).
    pub fn require(mut self, sql: impl Into<Cow<'static, str>>) -> Write {
        self.stmts.push(Stmt {
            sql: sql.into(),
            required: true,
        });
        self
    }

    /// Binds `:name` (in every statement of the write that uses it).
    pub fn bind(mut self, name: impl Into<Cow<'static, str>>, value: impl Into<Arg>) -> Write {
        let name = name.into();
        let value = value.into();
        match self.args.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.args.push((name, value)),
        }
        self
    }

    /// This write, then `other`'s statements (their parameters share one namespace).
    pub fn then(mut self, other: Write) -> Write {
        self.stmts.extend(other.stmts);
        for (name, value) in other.args {
            self = self.bind(name, value);
        }
        self
    }

    /// How many statements it has (the index the next one will get).
    pub fn len(&self) -> usize {
        self.stmts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.stmts.is_empty()
    }

    fn arg(&self, name: &str) -> Option<&Arg> {
        self.args.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

// ------------------------------------------------------------------ SQLite: the writer thread

/// Most writes to group in one transaction.
const GROUP_MAX: usize = 64;

type Answer = oneshot::Sender<Result<Written, sqlx::Error>>;

/// Work for the SQLite writer thread.
pub(super) enum Job {
    Write(Write, Answer),
    /// Finish what was queued before, close the connection, say so.
    Stop(oneshot::Sender<()>),
}

/// A rusqlite error as the sqlx error the rest of the server handles.
fn sqlite_error(e: rusqlite::Error) -> sqlx::Error {
    sqlx::Error::Io(std::io::Error::other(e))
}

/// Starts the writer thread on the SQLite database at `path` (a path or a `file:` URI),
/// with `pragmas`. It ends after a [`Job::Stop`] or when every sender is gone.
pub(super) fn start_writer(
    path: &str,
    pragmas: &str,
) -> Result<mpsc::UnboundedSender<Job>, sqlx::Error> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
            | rusqlite::OpenFlags::SQLITE_OPEN_URI
            | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .and_then(|c| {
        c.execute_batch(pragmas)?;
        c.set_prepared_statement_cache_capacity(256);
        Ok(c)
    })
    .map_err(sqlite_error)?;
    let (tx, mut rx) = mpsc::unbounded_channel::<Job>();
    std::thread::Builder::new()
        .name("linkhub-sqlite-writer".into())
        .spawn(move || {
            let mut stopped = None;
            while stopped.is_none() {
                let Some(job) = rx.blocking_recv() else { break };
                let mut group = Vec::new();
                match job {
                    Job::Write(w, answer) => group.push((w, answer)),
                    Job::Stop(done) => stopped = Some(done),
                }
                while stopped.is_none() && group.len() < GROUP_MAX {
                    match rx.try_recv() {
                        Ok(Job::Write(w, answer)) => group.push((w, answer)),
                        Ok(Job::Stop(done)) => stopped = Some(done),
                        Err(_) => break,
                    }
                }
                if !group.is_empty() {
                    run_group(&conn, group);
                }
            }
            // Later writes find the channel closed; closing the connection checkpoints.
            drop(rx);
            drop(conn);
            if let Some(done) = stopped {
                let _ = done.send(());
            }
        })?;
    Ok(tx)
}

/// One statement through the statement cache.
fn exec(conn: &rusqlite::Connection, sql: &str) -> Result<usize, rusqlite::Error> {
    conn.prepare_cached(sql)?.raw_execute()
}

/// Runs the writes in one transaction, each in a savepoint of its own (so one failing or
/// refused write leaves the others), commits once, then answers each.
fn run_group(conn: &rusqlite::Connection, group: Vec<(Write, Answer)>) {
    if let Err(e) = exec(conn, "BEGIN IMMEDIATE") {
        let message = e.to_string();
        for (_, answer) in group {
            let _ = answer.send(Err(sqlx::Error::Io(std::io::Error::other(message.clone()))));
        }
        return;
    }
    let mut results = Vec::with_capacity(group.len());
    for (w, _) in &group {
        let result = exec(conn, "SAVEPOINT w")
            .and_then(|_| run_write(conn, w))
            .and_then(|written| {
                match written {
                    Written::Done(_) => exec(conn, "RELEASE w")?,
                    Written::Refused(_) => {
                        exec(conn, "ROLLBACK TO w")?;
                        exec(conn, "RELEASE w")?
                    }
                };
                Ok(written)
            });
        if result.is_err() && !conn.is_autocommit() {
            let _ = exec(conn, "ROLLBACK TO w").and_then(|_| exec(conn, "RELEASE w"));
        }
        results.push(result);
        if conn.is_autocommit() {
            // An error ended the whole transaction: nothing of the group was kept.
            break;
        }
    }
    let committed = if conn.is_autocommit() {
        Err("the transaction was rolled back by an error".to_string())
    } else {
        exec(conn, "COMMIT").map(|_| ()).map_err(|e| {
            let _ = exec(conn, "ROLLBACK");
            e.to_string()
        })
    };
    let mut results = results.into_iter();
    for (_, answer) in group {
        let result = match (&committed, results.next()) {
            (Ok(()), Some(result)) => result.map_err(sqlite_error),
            (Ok(()), None) => Err(sqlx::Error::Io(std::io::Error::other(
                "the write was not run",
            ))),
            (Err(why), Some(Err(e))) => Err(sqlx::Error::Io(std::io::Error::other(format!(
                "{e} ({why})"
            )))),
            (Err(why), _) => Err(sqlx::Error::Io(std::io::Error::other(why.clone()))),
        };
        let _ = answer.send(result);
    }
}

/// The statements of one write, each prepared once per connection (cached); parameters are
/// bound by name.
fn run_write(conn: &rusqlite::Connection, w: &Write) -> Result<Written, rusqlite::Error> {
    let mut changes = Vec::with_capacity(w.stmts.len());
    for (i, s) in w.stmts.iter().enumerate() {
        let mut stmt = conn.prepare_cached(&s.sql)?;
        for index in 1..=stmt.parameter_count() {
            let name = stmt.parameter_name(index).unwrap_or("?");
            let arg = name
                .strip_prefix(':')
                .and_then(|n| w.arg(n))
                .ok_or_else(|| rusqlite::Error::InvalidParameterName(name.to_string()))?;
            match arg {
                Arg::Text(v) => stmt.raw_bind_parameter(index, v)?,
                Arg::OptText(v) => stmt.raw_bind_parameter(index, v)?,
                Arg::Int(v) => stmt.raw_bind_parameter(index, v)?,
                Arg::OptInt(v) => stmt.raw_bind_parameter(index, v)?,
            }
        }
        let changed = stmt.raw_execute()?;
        if s.required && changed == 0 {
            return Ok(Written::Refused(i));
        }
        changes.push(changed as u64);
    }
    Ok(Written::Done(changes))
}

// ------------------------------------------------------------------ PostgreSQL: a transaction

/// Runs a write in a transaction of its own on a pool connection.
pub(super) async fn run_on_pool(pool: &AnyPool, w: &Write) -> Result<Written, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let mut changes = Vec::with_capacity(w.stmts.len());
    for (i, s) in w.stmts.iter().enumerate() {
        let (sql, names) = positional(&s.sql);
        let mut query = sqlx::query(&sql);
        for name in &names {
            let arg = w.arg(name).ok_or_else(|| {
                sqlx::Error::Protocol(format!("no value for the parameter :{name}"))
            })?;
            query = match arg {
                Arg::Text(v) => query.bind(v.clone()),
                Arg::OptText(v) => query.bind(v.clone()),
                Arg::Int(v) => query.bind(*v),
                Arg::OptInt(v) => query.bind(*v),
            };
        }
        let changed = query.execute(&mut *tx).await?.rows_affected();
        if s.required && changed == 0 {
            tx.rollback().await?;
            return Ok(Written::Refused(i));
        }
        changes.push(changed);
    }
    tx.commit().await?;
    Ok(Written::Done(changes))
}

/// `:name` parameters as `$1`, `$2`… (a name used twice gets the same number), and the
/// names in number order. Quoted text and `::` casts are left alone.
fn positional(sql: &str) -> (String, Vec<String>) {
    let mut out = String::with_capacity(sql.len());
    let mut names: Vec<String> = Vec::new();
    let mut chars = sql.char_indices().peekable();
    let mut quoted = false;
    while let Some((_, c)) = chars.next() {
        if c == '\'' {
            quoted = !quoted;
            out.push(c);
            continue;
        }
        if quoted || c != ':' {
            out.push(c);
            continue;
        }
        if chars.peek().is_some_and(|&(_, n)| n == ':') {
            out.push_str("::");
            chars.next();
            continue;
        }
        let mut name = String::new();
        while let Some(&(_, n)) = chars.peek() {
            if n.is_ascii_alphanumeric() || n == '_' {
                name.push(n);
                chars.next();
            } else {
                break;
            }
        }
        if name.is_empty() {
            out.push(':');
            continue;
        }
        let number = match names.iter().position(|n| *n == name) {
            Some(i) => i + 1,
            None => {
                names.push(name);
                names.len()
            }
        };
        out.push('$');
        out.push_str(&number.to_string());
    }
    (out, names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_parameters_become_numbered_ones() {
        let (sql, names) = positional(
            "INSERT INTO t (a, b, c) SELECT :a, :b, 'x:y' WHERE :a IS NOT NULL AND c::text = :c_2",
        );
        assert_eq!(
            sql,
            "INSERT INTO t (a, b, c) SELECT $1, $2, 'x:y' WHERE $1 IS NOT NULL AND c::text = $3"
        );
        assert_eq!(names, ["a", "b", "c_2"]);
    }

    fn sqlite() -> rusqlite::Connection {
        let conn = rusqlite::Connection::open_in_memory().expect("open");
        conn.execute_batch("CREATE TABLE t (k TEXT PRIMARY KEY, n BIGINT)")
            .expect("schema");
        conn
    }

    fn count(conn: &rusqlite::Connection) -> i64 {
        conn.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .expect("count")
    }

    fn insert(k: &str) -> Write {
        Write::new()
            .require("INSERT INTO t (k, n) VALUES (:k, :n) ON CONFLICT DO NOTHING")
            .bind("k", k)
            .bind("n", 1)
    }

    #[tokio::test]
    async fn a_group_keeps_each_write_or_none_of_it() {
        let conn = sqlite();
        let (mut answers, mut group) = (Vec::new(), Vec::new());
        for w in [
            insert("a"),
            // Refused at its second statement: its first is not kept either.
            insert("b").require("UPDATE t SET n = 0 WHERE k = 'nowhere'"),
            // Fails (no such table): alone.
            insert("c").run("INSERT INTO nowhere VALUES (1)"),
            insert("d").run("UPDATE t SET n = n + 1 WHERE k = :k"),
        ] {
            let (tx, rx) = oneshot::channel();
            group.push((w, tx));
            answers.push(rx);
        }
        run_group(&conn, group);
        let mut got = Vec::new();
        for rx in answers {
            got.push(rx.await.expect("answered"));
        }
        assert_eq!(got[0].as_ref().ok(), Some(&Written::Done(vec![1])));
        assert_eq!(got[1].as_ref().ok(), Some(&Written::Refused(1)));
        assert!(got[2].is_err());
        assert_eq!(got[3].as_ref().ok(), Some(&Written::Done(vec![1, 1])));
        assert_eq!(count(&conn), 2, "a and d");
        let n: i64 = conn
            .query_row("SELECT n FROM t WHERE k = 'd'", [], |r| r.get(0))
            .expect("d");
        assert_eq!(n, 2);
    }

    #[test]
    fn an_unbound_parameter_is_an_error_not_a_null() {
        let conn = sqlite();
        let w = Write::new()
            .run("INSERT INTO t (k, n) VALUES (:k, :missing)")
            .bind("k", "x");
        assert!(run_write(&conn, &w).is_err());
    }
}
