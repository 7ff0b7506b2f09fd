//! Shared state of a running server.

use std::ops::Deref;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::Notify;

use crate::catalog::Catalog;
use crate::crypto::SecretKey;
use crate::db::Db;
use crate::idempotency::StoredAnswer;
use crate::memo::Memo;
use crate::project::Project;
use crate::sessions::store::Session;

/// Run-time settings (from flags, env and `linkhub.toml`).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Base URL the server is reached at; used for `auth_link_url`, logos and OAuth redirects.
    pub public_url: String,
    /// Origins allowed to call `/hub/*` and to frame the hub.
    pub allowed_origins: Vec<String>,
    /// Other StackOne-style APIs the hub pages may call (`baseUrl`, an auth link's `base`):
    /// listed in their Content-Security-Policy's `connect-src`, as origins.
    pub api_origins: Vec<String>,
    pub webhook_url: Option<String>,
    pub web_dir: Option<PathBuf>,
    /// Example host pages, served at `/examples/`.
    pub examples_dir: Option<PathBuf>,
    /// First retry delay of a failed webhook; doubles per attempt (capped at one hour).
    pub webhook_retry_base_ms: u64,
    /// Attempts before a delivery is marked failed.
    pub webhook_max_attempts: i64,
    /// Credential checks: policy, network allowances, health interval.
    pub verify: crate::verify::VerifySettings,
}

/// Everything a handler needs.
#[derive(Debug)]
pub struct Inner {
    pub db: Db,
    pub key: SecretKey,
    pub catalog: Catalog,
    pub project: Project,
    pub settings: Settings,
    /// Woken when an event is queued, so delivery does not wait for the next poll.
    pub webhook_wake: Notify,
    pub http: reqwest::Client,
    /// Makes credential checks (see [`crate::verify`]).
    pub checker: crate::verify::Checker,
    /// The catalog's `/hub/connectors…` answers, serialized once (see [`CatalogJson`]).
    pub catalog_json: std::sync::OnceLock<CatalogJson>,
    /// Sessions already read, by token hash (see [`crate::auth::session_by_token`]).
    pub sessions: Memo<Session>,
    /// Answers of finished `POST /hub/accounts` under an `Idempotency-Key`, by session id
    /// and key, so a retry is answered without a database round trip. A miss is always
    /// safe: the write finds the key claimed and the stored answer is read.
    pub answers: Memo<StoredAnswer>,
}

impl Inner {
    /// The state of a server on this database, key, catalog and project.
    pub fn new(
        db: Db,
        key: SecretKey,
        catalog: Catalog,
        project: Project,
        settings: Settings,
        http: reqwest::Client,
    ) -> Inner {
        let checker =
            crate::verify::Checker::new(settings.verify.clone(), Some(settings.public_url.clone()));
        Inner {
            checker,
            db,
            key,
            catalog,
            project,
            settings,
            webhook_wake: Notify::new(),
            http,
            catalog_json: Default::default(),
            sessions: Memo::default(),
            answers: Memo::default(),
        }
    }
}

/// Each connector's summary and detail as JSON, made on first use: the catalog and the
/// settings they depend on don't change while the server runs, and serializing a
/// connector's whole config (fields, guide) on every request was the largest share of the
/// request threads' time under load.
#[derive(Debug, Default)]
pub struct CatalogJson {
    /// By catalog position: the [`linkhub_protocol::hub::ConnectorSummary`] as JSON.
    pub summaries: Vec<String>,
    /// By catalog position: the [`linkhub_protocol::hub::ConnectorDetail`] as JSON.
    pub details: Vec<axum::body::Bytes>,
}

/// Cheap-to-clone handle on [`Inner`].
#[derive(Debug, Clone)]
pub struct AppState(pub Arc<Inner>);

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// The public URL of a logo, if the connector has one.
    pub fn logo_url(&self, key: &str, file: Option<&str>) -> Option<String> {
        file.map(|f| format!("{}/catalog/{key}/{f}", self.settings.public_url))
    }
}
