//! Starts the real `linkhub-server` binary on 127.0.0.1 with a free port, on SQLite or
//! (with `LINKHUB_TEST_POSTGRES_URL`) on a fresh PostgreSQL database, and talks to it.

#![allow(dead_code)]

pub mod oauth_provider;
pub mod pg;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use serde_json::{Value, json};

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
}

/// A running server; killed (by its PID) when dropped.
pub struct Server {
    child: Option<Child>,
    pub base: String,
    pub data_dir: tempfile::TempDir,
    pub database_url: Option<String>,
    pub options: Options,
    pub http: reqwest::Client,
    pub stderr_log: PathBuf,
}

impl Server {
    pub async fn start(options: Options) -> Server {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let database_url = match pg::server_url() {
            Some(server) => Some(pg::create_database(&server).await),
            None => None,
        };
        let stderr_log = data_dir.path().join("server.log");
        let mut server = Server {
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
        server.spawn();
        server
    }

    pub fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_linkhub-server"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("LINKHUB_DATA_DIR", self.data_dir.path())
            .env("LINKHUB_API_KEY", API_KEY)
            .env(
                "LINKHUB_CATALOG",
                self.options.catalog.clone().unwrap_or_else(test_catalog),
            )
            .env("LINKHUB_WEBHOOK_RETRY_BASE_MS", "200")
            .env("LINKHUB_LOG", "info,sqlx=warn");
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

    fn spawn(&mut self) {
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
        self.spawn();
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

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.stderr_log).unwrap_or_default()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// POST /connect_sessions with the API key; panics unless 201.
    pub async fn session(&self, body: Value) -> Value {
        let r = self
            .http
            .post(self.url("/connect_sessions"))
            .basic_auth(API_KEY, Some(""))
            .json(&body)
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), 201, "create session");
        r.json().await.expect("json")
    }

    /// A session token for an owner.
    pub async fn token(&self, owner: &str) -> String {
        let s = self
            .session(json!({"origin_owner_id": owner, "origin_owner_name": format!("{owner} Inc")}))
            .await;
        s["token"].as_str().expect("token").to_string()
    }

    pub fn hub(&self, method: reqwest::Method, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .header("x-hub-session-token", token)
    }

    pub fn api(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .basic_auth(API_KEY, Some(""))
    }

    /// Links an Acme HR account; returns the response status and body.
    pub async fn link(&self, token: &str, api_key: &str) -> (u16, Value) {
        let r = self
            .hub(reqwest::Method::POST, "/hub/accounts", token)
            .json(&json!({"integration_id": "acme_hr",
                "credentials": {"subdomain": "acme", "api_key": api_key}}))
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        (status, r.json().await.expect("json"))
    }
}

/// What a test webhook receiver got: headers and body of each POST.
pub type Received = Arc<Mutex<Vec<(axum::http::HeaderMap, String)>>>;

/// A webhook receiver on `listener` answering 204 to `POST /hook`.
pub async fn receiver(listener: tokio::net::TcpListener) -> Received {
    let got: Received = Arc::default();
    let store = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let store = store.clone();
            async move {
                store.lock().expect("lock").push((headers, body));
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    got
}

/// Waits up to `secs` for `n` webhooks.
pub async fn wait_for(got: &Received, n: usize, secs: u64) -> Vec<(axum::http::HeaderMap, String)> {
    for _ in 0..secs * 20 {
        if got.lock().expect("lock").len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    got.lock().expect("lock").clone()
}

/// The value a response's `Set-Cookie` gives to `name`, with the cookie's attributes.
pub fn set_cookie(r: &reqwest::Response, name: &str) -> Option<(String, String)> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            let (pair, attrs) = v.split_once(';').unwrap_or((v, ""));
            let (k, value) = pair.split_once('=')?;
            (k.trim() == name).then(|| (value.trim().to_string(), attrs.trim().to_string()))
        })
}

/// The value of the hidden `csrf` field of a console page.
pub fn csrf_field(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("a csrf field") + marker.len();
    html[start..]
        .split('"')
        .next()
        .expect("csrf value")
        .to_string()
}

/// An operator signed in to the console.
pub struct Console<'a> {
    pub server: &'a Server,
    /// `Cookie` header value.
    pub cookie: String,
    pub csrf: String,
}

impl Server {
    /// Signs in to the console with the project API key.
    pub async fn console(&self) -> Console<'_> {
        let r = self
            .http
            .get(self.url("/console"))
            .send()
            .await
            .expect("GET /console");
        assert_eq!(r.status(), 200);
        let (pre, _) = set_cookie(&r, "lh_console_sign_in").expect("sign-in cookie");
        let form_token = csrf_field(&r.text().await.expect("html"));
        let r = self
            .http
            .post(self.url("/console"))
            .header("cookie", format!("lh_console_sign_in={pre}"))
            .form(&[("csrf", form_token.as_str()), ("api_key", API_KEY)])
            .send()
            .await
            .expect("POST /console");
        assert_eq!(r.status(), 303, "signed in");
        let (session, _) = set_cookie(&r, "lh_console").expect("session cookie");
        let cookie = format!("lh_console={session}");
        let r = self
            .http
            .get(self.url("/console/link"))
            .header("cookie", &cookie)
            .send()
            .await
            .expect("GET /console/link");
        assert_eq!(r.status(), 200);
        let csrf = csrf_field(&r.text().await.expect("html"));
        Console {
            server: self,
            cookie,
            csrf,
        }
    }
}

impl Console<'_> {
    /// GET a console page: status and HTML.
    pub async fn get(&self, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
        let r = self
            .server
            .http
            .get(self.server.url(path))
            .header("cookie", &self.cookie)
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        (status, headers, r.text().await.expect("html"))
    }

    /// POST a console form as given (add `csrf` yourself): status and HTML.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let r = self
            .server
            .http
            .post(self.server.url(path))
            .header("cookie", &self.cookie)
            .form(form)
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        (status, r.text().await.expect("html"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Runs a CLI subcommand against a server's data dir and database.
pub fn cli(server: &Server, args: &[&str]) -> std::process::Output {
    server
        .command()
        .args(args)
        .output()
        .expect("run linkhub-server")
}
