//! Shared state of a running server and the two ways a caller proves who it is.

use std::ops::Deref;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use linkhub_protocol::SESSION_HEADER;
use tokio::sync::Notify;

use crate::catalog::Catalog;
use crate::crypto::{self, SecretKey};
use crate::db::{Db, Project};
use crate::error::ApiError;
use crate::store::{self, Session};

/// Run-time settings (from flags, env and `linkhub.toml`).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Base URL the server is reached at; used for `auth_link_url`, logos and OAuth redirects.
    pub public_url: String,
    /// Origins allowed to call `/hub/*` and to frame the hub.
    pub allowed_origins: Vec<String>,
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
    /// The catalog's `/hub/connectors…` answers, serialized once (see [`CatalogJson`]).
    pub catalog_json: std::sync::OnceLock<CatalogJson>,
}

/// Each connector's summary and detail as JSON, made on first use: the catalog and the
/// settings they depend on don't change while the server runs, and serializing a
/// connector's whole config (fields, guide) on every request was the largest share of the
/// request threads' time under load.
#[derive(Debug, Default)]
pub struct CatalogJson {
    /// By catalog position: the [`crate::wire::ConnectorSummary`] as JSON.
    pub summaries: Vec<String>,
    /// By catalog position: the [`crate::wire::ConnectorDetail`] as JSON.
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

/// A request authenticated by a session token (`x-hub-session-token`).
#[derive(Debug, Clone)]
pub struct HubSession(pub Session);

impl FromRequestParts<AppState> for HubSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = session_token(&parts.headers)
            .ok_or_else(|| ApiError::unauthorized("Missing x-hub-session-token header"))?;
        let session = store::session_by_token(&state.db, token).await?;
        if session.project_id != state.project.id {
            return Err(ApiError::unauthorized("Invalid session token"));
        }
        Ok(HubSession(session))
    }
}

fn session_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// A request authenticated with the project API key (HTTP Basic, key as user name).
#[derive(Debug, Clone, Copy)]
pub struct ApiKeyAuth;

impl FromRequestParts<AppState> for ApiKeyAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let unauthorized = || ApiError::unauthorized("Invalid or missing API key (HTTP Basic)");
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(unauthorized)?;
        let encoded = value
            .strip_prefix("Basic ")
            .or_else(|| value.strip_prefix("basic "))
            .ok_or_else(unauthorized)?;
        let decoded = STANDARD
            .decode(encoded.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(unauthorized)?;
        let user = decoded.split_once(':').map_or(decoded.as_str(), |(u, _)| u);
        if crypto::constant_time_eq(&crypto::sha256_hex(user), &state.project.api_key_hash) {
            Ok(ApiKeyAuth)
        } else {
            Err(unauthorized())
        }
    }
}
