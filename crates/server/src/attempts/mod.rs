//! OAuth connection attempts: the widget creates one, polls it and may cancel it
//! (`/hub/connection_attempts…`); the popup runs the OAuth flow ([`oauth`]).

pub mod oauth;
pub mod store;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{HubSession, session_by_token, session_token};
use crate::clock::now;
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::i18n;
use crate::sessions::store::Session;
use crate::state::AppState;
use linkhub_protocol::hub::{
    AccountRef, AttemptError, AttemptStatus, ConnectionAttempt, ConnectionAttemptCreated,
    CreateConnectionAttempt, ErrorBody,
};

/// How long an OAuth attempt may stay pending.
pub const ATTEMPT_TTL_SECS: i64 = 900;

/// The feature's routes: the widget's (`/hub/connection_attempts…`) and the popup's
/// (`/connect/oauth2/…`).
pub fn router(state: &AppState) -> OpenApiRouter<AppState> {
    let hub = OpenApiRouter::new()
        .routes(routes!(create_attempt))
        .routes(routes!(get_attempt, delete_attempt));
    OpenApiRouter::new()
        .routes(routes!(oauth::start))
        .routes(routes!(oauth::callback))
        .routes(routes!(oauth::callback_js))
        .merge(crate::cors::hub(hub, state))
}

/// The session for a connection-attempt call: the header, or `token` in the body.
async fn attempt_session(
    state: &AppState,
    headers: &HeaderMap,
    body_token: Option<&str>,
) -> ApiResult<Session> {
    let token = session_token(headers)
        .or(body_token)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::unauthorized("Missing x-hub-session-token header"))?;
    session_by_token(state, token).await
}

#[utoipa::path(post, path = "/hub/connection_attempts", tag = "hub",
    request_body = CreateConnectionAttempt,
    responses((status = 201, body = ConnectionAttemptCreated), (status = 401, body = ErrorBody)))]
pub async fn create_attempt(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CreateConnectionAttempt>,
) -> ApiResult<(StatusCode, Json<ConnectionAttemptCreated>)> {
    let body_token = req.token.as_ref().map(|t| t.expose().as_str());
    let session = attempt_session(&state, &headers, body_token).await?;
    let id = format!("att_{}", uuid::Uuid::new_v4().simple());
    let t = now();
    store::insert(
        &state.db,
        &id,
        &session.id,
        req.integration_id.as_deref(),
        t + ATTEMPT_TTL_SECS.min(session.expires_at - t).max(1),
        // The OAuth result page speaks the widget's language, whatever the popup's browser
        // asks.
        i18n::current().code(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(ConnectionAttemptCreated { id })))
}

/// Loads an attempt of this session.
pub async fn load_attempt(
    state: &AppState,
    session_id: &str,
    id: &str,
) -> ApiResult<ConnectionAttempt> {
    let row = store::by_id(&state.db, session_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("Connection attempt not found"))?;
    // A status this version does not know is still running, as far as a client can tell.
    let mut status = row.status.parse().unwrap_or(AttemptStatus::Pending);
    if status == AttemptStatus::Pending && row.expires_at <= now() {
        status = AttemptStatus::Expired;
    }
    Ok(ConnectionAttempt {
        id: Some(id.to_string()),
        status,
        account: row.account_id.map(|id| AccountRef { id }),
        error: row.error_code.map(|code| AttemptError {
            code,
            description: row.error_description.unwrap_or_default(),
        }),
    })
}

#[utoipa::path(get, path = "/hub/connection_attempts/{id}", tag = "hub",
    params(("id" = String, Path)),
    responses((status = 200, body = ConnectionAttempt), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_attempt(
    State(state): State<AppState>,
    HubSession(session): HubSession,
    Path(id): Path<String>,
) -> ApiResult<Json<ConnectionAttempt>> {
    Ok(Json(load_attempt(&state, &session.id, &id).await?))
}

#[utoipa::path(delete, path = "/hub/connection_attempts/{id}", tag = "hub",
    params(("id" = String, Path)),
    responses((status = 200, body = ConnectionAttempt, description = "Cancelled (or already finished)"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_attempt(
    State(state): State<AppState>,
    HubSession(session): HubSession,
    Path(id): Path<String>,
) -> ApiResult<Json<ConnectionAttempt>> {
    store::cancel(&state.db, &session.id, &id).await?;
    Ok(Json(load_attempt(&state, &session.id, &id).await?))
}
