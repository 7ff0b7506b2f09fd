//! The two ways a caller proves who it is: a connect session's token (the widget) and the
//! project API key (the host backend).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use linkhub_protocol::SESSION_HEADER;

use crate::clock::now;
use crate::crypto;
use crate::error::{ApiError, ApiResult};
use crate::sessions::store::{self, Session};
use crate::state::AppState;

/// The live session of this project for a token. Sessions are remembered by token hash
/// once read: a stored session never changes, and expiry is checked on every use.
pub async fn session_by_token(state: &AppState, token: &str) -> ApiResult<Session> {
    let token_hash = crypto::sha256_hex(token);
    let session = match state.sessions.get(&token_hash) {
        Some(session) => session,
        None => {
            let session = store::by_token_hash(&state.db, &token_hash)
                .await?
                .ok_or_else(|| ApiError::unauthorized("Invalid session token"))?;
            state.sessions.put(token_hash, session.clone());
            session
        }
    };
    if session.expires_at <= now() {
        return Err(ApiError::unauthorized("Session expired"));
    }
    if session.project_id != state.project.id {
        return Err(ApiError::unauthorized("Invalid session token"));
    }
    Ok(session)
}

/// The session token of a request's `x-hub-session-token` header.
pub fn session_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// A request authenticated by a session token (`x-hub-session-token`).
#[derive(Debug, Clone)]
pub struct HubSession(pub Session);

impl FromRequestParts<AppState> for HubSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = session_token(&parts.headers)
            .ok_or_else(|| ApiError::unauthorized("Missing x-hub-session-token header"))?;
        Ok(HubSession(session_by_token(state, token).await?))
    }
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
