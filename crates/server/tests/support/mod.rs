//! The test client every server test file shares: [`TestApp`] starts the real
//! `linkhub-server` binary on 127.0.0.1 with a free port, on SQLite or (with
//! `LINKHUB_TEST_POSTGRES_URL`) on a fresh PostgreSQL database, and speaks its API in the
//! suite's terms (`app.create_session(…)`, `app.link_account(…)`, `app.hub_get(…)`), so a
//! test says what it does rather than spelling out the same requests again.

#![allow(dead_code)]

pub mod console;
pub mod oauth;
pub mod pg;
pub mod webhooks;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

#[allow(unused_imports)]
pub use self::console::{Console, csrf_field, set_cookie};
#[allow(unused_imports)]
pub use self::webhooks::{Received, receiver, wait_for};

pub const API_KEY: &str = "lh_sk_test_key";

/// The test catalog shipped with the tests.
pub fn test_catalog() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/catalog")
}

/// How to start a server.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub catalog: Option<PathBuf>,
    pub webhook_url: Option<String>,
    pub web_dir: Option<PathBuf>,
    pub examples_dir: Option<PathBuf>,
    pub allowed_origins: Vec<String>,
    pub env: Vec<(String, String)>,
    /// Start without `LINKHUB_API_KEY` (the project's stored key stays).
    pub without_api_key: bool,
}

/// An answer: status, headers and the body as JSON (`Null` when it is not JSON).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    pub async fn from(r: reqwest::Response) -> Reply {
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await.expect("body");
        Reply {
            status,
            headers,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    }

    /// The body's `id`.
    pub fn id(&self) -> String {
        self.body["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no id in {}", self.body))
            .to_string()
    }

    /// Status and body.
    pub fn pair(self) -> (u16, Value) {
        (self.status, self.body)
    }

    /// Asserts an error answer of this status with a message.
    pub fn assert_error(&self, status: u16) {
        assert_eq!(self.status, status, "{}", self.body);
        assert_error(&self.body, status);
    }
}

/// Asserts an error body (`{statusCode, message}`).
pub fn assert_error(v: &Value, status: u16) {
    assert_eq!(v["statusCode"], status, "{v}");
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
}

/// Sends a request: its [`Reply`].
pub async fn send(r: reqwest::RequestBuilder) -> Reply {
    Reply::from(r.send().await.expect("request")).await
}

/// The JSON body of a response.
pub async fn body(r: reqwest::Response) -> Value {
    r.json().await.expect("JSON body")
}

/// A fresh PostgreSQL database when the suite runs on PostgreSQL, else `None` (SQLite in
/// the data folder).
pub async fn new_database() -> Option<String> {
    match pg::server_url() {
        Some(server) => Some(pg::create_database(&server).await),
        None => None,
    }
}

/// A running server; killed (by its PID) when dropped.
pub struct TestApp {
    child: Option<Child>,
    pub base: String,
    pub data_dir: tempfile::TempDir,
    pub database_url: Option<String>,
    pub options: Options,
    pub http: reqwest::Client,
    pub stderr_log: PathBuf,
}

/// A link request (`POST /hub/accounts`) being built.
pub struct Link<'a> {
    app: &'a TestApp,
    token: String,
    body: Value,
    language: Option<String>,
    key: Option<String>,
}

impl Link<'_> {
    /// Sends `Accept-Language`.
    pub fn language(mut self, language: &str) -> Self {
        self.language = Some(language.to_string());
        self
    }

    /// Sends an `Idempotency-Key`.
    pub fn idempotency_key(mut self, key: &str) -> Self {
        self.key = Some(key.to_string());
        self
    }

    pub async fn send(self) -> Reply {
        let mut r = self
            .app
            .hub(Method::POST, "/hub/accounts", &self.token)
            .json(&self.body);
        if let Some(l) = &self.language {
            r = r.header("accept-language", l);
        }
        if let Some(k) = &self.key {
            r = r.header("idempotency-key", k);
        }
        Reply::from(r.send().await.expect("POST /hub/accounts")).await
    }
}

impl TestApp {
    /// A server with the test catalog and default settings.
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(Options::default()).await
    }

    pub async fn spawn_with(options: Options) -> TestApp {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let database_url = new_database().await;
        TestApp::spawn_in(data_dir, database_url, options)
    }

    /// A server whose webhooks go to a receiver of the test's own, and what it receives.
    pub async fn spawn_with_receiver() -> (TestApp, Received) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        let got = receiver(listener).await;
        let app = TestApp::spawn_with(Options {
            webhook_url: Some(url),
            ..Options::default()
        })
        .await;
        (app, got)
    }

    /// A server on a given data folder and database.
    pub fn spawn_in(
        data_dir: tempfile::TempDir,
        database_url: Option<String>,
        options: Options,
    ) -> TestApp {
        let stderr_log = data_dir.path().join("server.log");
        let mut app = TestApp {
            child: None,
            base: String::new(),
            data_dir,
            database_url,
            options,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            stderr_log,
        };
        app.start();
        app
    }

    /// The command line of this server's binary, data folder and database (no subcommand).
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_linkhub-server"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("LINKHUB_DATA_DIR", self.data_dir.path())
            .env(
                "LINKHUB_CATALOG",
                self.options.catalog.clone().unwrap_or_else(test_catalog),
            )
            .env("LINKHUB_WEBHOOK_RETRY_BASE_MS", "200")
            .env("LINKHUB_LOG", "info,sqlx=warn");
        if !self.options.without_api_key {
            cmd.env("LINKHUB_API_KEY", API_KEY);
        }
        if let Some(url) = &self.database_url {
            cmd.env("DATABASE_URL", url);
        }
        if let Some(url) = &self.options.webhook_url {
            cmd.env("LINKHUB_WEBHOOK_URL", url);
        }
        if !self.options.allowed_origins.is_empty() {
            cmd.env(
                "LINKHUB_ALLOWED_ORIGINS",
                self.options.allowed_origins.join(","),
            );
        }
        for (k, v) in &self.options.env {
            cmd.env(k, v);
        }
        cmd
    }

    fn start(&mut self) {
        let mut cmd = self.command();
        cmd.args(["serve", "--port", "0"]);
        if let Some(dir) = &self.options.web_dir {
            cmd.arg("--web-dir").arg(dir);
        }
        if let Some(dir) = &self.options.examples_dir {
            cmd.arg("--examples-dir").arg(dir);
        }
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.stderr_log)
            .expect("log file");
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("spawn linkhub-server");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if !sent && let Some(url) = line.strip_prefix("linkhub-server listening on ") {
                    let _ = tx.send(url.to_string());
                    sent = true;
                }
            }
        });
        self.child = Some(child);
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(url) => self.base = url,
            Err(_) => panic!(
                "server did not start; log:\n{}",
                std::fs::read_to_string(&self.stderr_log).unwrap_or_default()
            ),
        }
    }

    /// Stops (SIGTERM, then waits) and starts again on the same data and database.
    pub fn restart(&mut self) {
        self.stop();
        self.start();
    }

    /// Kills the server with SIGKILL (no shutdown of any kind), by its PID.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same data folder and database (after [`Self::kill`]
    /// or [`Self::stop`]); it listens on a new port.
    pub fn start_again(&mut self) {
        self.start();
    }

    /// Graceful stop by PID.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            for _ in 0..100 {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// What the server wrote to stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.stderr_log).unwrap_or_default()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Runs a CLI subcommand against this server's data folder and database.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        self.command()
            .args(args)
            .output()
            .expect("run linkhub-server")
    }

    /// The project's webhook signing secret (`project show --json`).
    pub fn webhook_secret(&self) -> String {
        let out = self.cli(&["project", "show", "--json"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).expect("json");
        v["webhook_secret"].as_str().expect("secret").to_string()
    }

    // ------------------------------------------------------------ raw requests

    /// A request with the session token.
    pub fn hub(&self, method: Method, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .header("x-hub-session-token", token)
    }

    /// A request with the project API key.
    pub fn api(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .basic_auth(API_KEY, Some(""))
    }

    pub async fn hub_get(&self, path: &str, token: &str) -> Reply {
        Reply::from(
            self.hub(Method::GET, path, token)
                .send()
                .await
                .expect("GET"),
        )
        .await
    }

    pub async fn api_get(&self, path: &str) -> Reply {
        Reply::from(self.api(Method::GET, path).send().await.expect("GET")).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        Reply::from(self.http.get(self.url(path)).send().await.expect("GET")).await
    }

    // ------------------------------------------------------------ sessions

    /// `POST /connect_sessions` with the API key, whatever it answers.
    pub async fn post_session(&self, body: &Value) -> Reply {
        send(self.api(Method::POST, "/connect_sessions").json(body)).await
    }

    /// `POST /connect_sessions` with the API key; panics unless 201.
    pub async fn create_session(&self, body: Value) -> Value {
        let r = self.post_session(&body).await;
        assert_eq!(r.status, 201, "create session: {}", r.body);
        r.body
    }

    /// A session token for an owner (named `<owner> Inc`).
    pub async fn token(&self, owner: &str) -> String {
        self.token_for(
            json!({"origin_owner_id": owner, "origin_owner_name": format!("{owner} Inc")}),
        )
        .await
    }

    /// The token of a session made from `body`.
    pub async fn token_for(&self, body: Value) -> String {
        let s = self.create_session(body).await;
        s["token"].as_str().expect("token").to_string()
    }

    // ------------------------------------------------------------ accounts

    /// A link request of `integration_id` with these credentials, to adjust and send.
    pub fn link(&self, token: &str, integration_id: &str, credentials: Value) -> Link<'_> {
        Link {
            app: self,
            token: token.to_string(),
            body: json!({"integration_id": integration_id, "credentials": credentials}),
            language: None,
            key: None,
        }
    }

    /// Links an Acme HR account (subdomain `acme`) with this API key.
    pub async fn link_account(&self, token: &str, api_key: &str) -> Reply {
        self.link(
            token,
            "acme_hr",
            json!({"subdomain": "acme", "api_key": api_key}),
        )
        .send()
        .await
    }

    /// Links an Acme HR account and returns its id (panics unless 201).
    pub async fn linked_account(&self, owner: &str, api_key: &str) -> String {
        let r = self.link_account(&self.token(owner).await, api_key).await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.id()
    }

    /// `GET /accounts` with a query (`""` for all): the accounts.
    pub async fn list_accounts(&self, query: &str) -> Vec<Value> {
        let r = self.api_get(&format!("/accounts{query}")).await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body.as_array().expect("a list").clone()
    }

    // ------------------------------------------------------------ OAuth attempts

    /// `POST /hub/connection_attempts`; its id (panics unless 201).
    pub async fn create_attempt(&self, token: &str, language: Option<&str>) -> String {
        let mut r = self
            .hub(Method::POST, "/hub/connection_attempts", token)
            .json(&json!({"token": token}));
        if let Some(l) = language {
            r = r.header("accept-language", l);
        }
        let r = Reply::from(r.send().await.expect("POST attempt")).await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.id()
    }

    // ------------------------------------------------------------ the database

    /// The database URL the server uses.
    pub fn db_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}",
                self.data_dir.path().join("linkhub.db").display()
            )
        })
    }

    /// Runs SQL statements on the server's database, behind its back (to break things).
    pub async fn sql(&self, statements: &[&str]) {
        use sqlx::{Connection, Executor};
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(&self.db_url())
            .await
            .expect("connect to the server's database");
        if self.database_url.is_none() {
            conn.execute("PRAGMA busy_timeout = 10000")
                .await
                .expect("pragma");
        }
        for s in statements {
            conn.execute(*s)
                .await
                .unwrap_or_else(|e| panic!("{s}: {e}"));
        }
        let _ = conn.close().await;
    }

    /// Whether the server runs on PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.database_url.is_some()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
