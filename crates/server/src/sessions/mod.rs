//! Connect sessions: made by the host backend with the API key (`POST /connect_sessions`,
//! or the CLI and the console, which share [`create_session`]), read by the widget with
//! their token (`GET /hub/settings`).

pub mod store;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use self::store::Session;
use crate::auth::{ApiKeyAuth, HubSession};
use crate::catalog::Catalog;
use crate::clock::{now, rfc3339};
use crate::crypto;
use crate::db::{Db, Write};
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::memo::Memo;
use crate::onboarding::{plan, progress};
use crate::project::Project;
use crate::state::AppState;
use linkhub_protocol::api::{ConnectSession, CreateConnectSession};
use linkhub_protocol::hub::{ErrorBody, HubSettings};
use linkhub_protocol::onboarding::{OnboardingProgress, extension};

/// Default lifetime of a connect session.
pub const DEFAULT_EXPIRES_IN: i64 = 1800;
/// Longest allowed lifetime (90 days).
pub const MAX_EXPIRES_IN: i64 = 90 * 24 * 3600;

/// The feature's routes: `/connect_sessions` (API key), `/hub/settings` (session token).
pub fn router(state: &AppState) -> OpenApiRouter<AppState> {
    let hub = OpenApiRouter::new().routes(routes!(settings));
    OpenApiRouter::new()
        .routes(routes!(connect_sessions))
        .merge(crate::cors::hub(hub, state))
}

/// Creates a session; shared by the endpoint, the console and `linkhub-server session
/// create`. `memo`: where a running server remembers sessions by token hash.
pub async fn create_session(
    db: &Db,
    memo: Option<&Memo<Session>>,
    catalog: &Catalog,
    project: &Project,
    public_url: &str,
    req: CreateConnectSession,
) -> ApiResult<ConnectSession> {
    let mut problems = std::collections::BTreeMap::new();
    let plan = match req
        .onboarding
        .as_deref()
        .map(|steps| plan::check(catalog, steps))
    {
        None => None,
        Some(Ok(plan)) => Some(plan),
        Some(Err(plan_problems)) => {
            problems.extend(plan_problems);
            None
        }
    };
    if req.origin_owner_id.trim().is_empty() {
        problems.insert(
            "origin_owner_id".to_string(),
            "Must not be empty".to_string(),
        );
    }
    if req.origin_owner_name.trim().is_empty() {
        problems.insert(
            "origin_owner_name".to_string(),
            "Must not be empty".to_string(),
        );
    }
    let expires_in = req.expires_in.unwrap_or(DEFAULT_EXPIRES_IN);
    if !(1..=MAX_EXPIRES_IN).contains(&expires_in) {
        problems.insert(
            "expires_in".to_string(),
            format!("Must be between 1 and {MAX_EXPIRES_IN} seconds"),
        );
    }
    if req.metadata.as_ref().is_some_and(|m| !m.is_object()) {
        problems.insert("metadata".to_string(), "Must be an object".to_string());
    }
    if req
        .scopes
        .as_ref()
        .is_some_and(|s| s.iter().any(|scope| scope.trim().is_empty()))
    {
        problems.insert(
            "scopes".to_string(),
            "Must be a list of scope names (none empty)".to_string(),
        );
    }
    if !problems.is_empty() {
        return Err(ApiError::Fields {
            message: "Invalid connect session request".into(),
            fields: problems,
        });
    }
    if let Some(account_id) = &req.account_id {
        let account = crate::accounts::store::by_id(db, &project.id, account_id).await?;
        if account.is_none_or(|a| a.origin_owner_id != req.origin_owner_id) {
            return Err(ApiError::Fields {
                message: "Invalid connect session request".into(),
                fields: [(
                    "account_id".to_string(),
                    "No such account for this origin_owner_id".to_string(),
                )]
                .into(),
            });
        }
    }
    let token = crypto::new_session_token();
    let created_at = now();
    let (onboarding, plan_id) = match plan {
        Some(p) => (Some(p.steps), Some(p.id)),
        None => (None, None),
    };
    let multiple = req.multiple();
    let session = Session {
        id: format!("ses_{}", uuid::Uuid::new_v4().simple()),
        project_id: project.id.clone(),
        origin_owner_id: req.origin_owner_id,
        origin_owner_name: req.origin_owner_name,
        origin_username: req.origin_username,
        categories: req.categories,
        provider: req.provider,
        account_id: req.account_id,
        label: req.label,
        metadata: req.metadata,
        multiple,
        scopes: req.scopes,
        relink: req.relink,
        shared: req.shared,
        onboarding,
        plan_id,
        handoff_id: None,
        created_at,
        expires_at: created_at + expires_in,
    };
    let token_hash = crypto::sha256_hex(&token);
    db.write(insert_with_plan(&session, &token_hash)).await?;
    if let Some(memo) = memo {
        memo.put(token_hash, session.clone());
    }
    let (progress, _) = progress::for_session(db, catalog, &session).await?;
    Ok(answer(project, public_url, &token, session, progress))
}

/// The statements that store a new session, and its plan's progress row if there is none.
pub fn insert_with_plan(session: &Session, token_hash: &str) -> Write {
    let w = store::insert_write(session, token_hash);
    match (&session.plan_id, &session.onboarding) {
        (Some(plan_id), Some(steps)) => w.then(crate::onboarding::store::ensure(
            &session.project_id,
            &session.origin_owner_id,
            plan_id,
            steps,
        )),
        _ => w,
    }
}

/// The auth link of a session token.
pub fn auth_link(public_url: &str, token: &str) -> String {
    format!("{}/link#token={token}", public_url.trim_end_matches('/'))
}

/// A stored session as `POST /connect_sessions` answers it.
pub fn answer(
    project: &Project,
    public_url: &str,
    token: &str,
    session: Session,
    progress: Option<OnboardingProgress>,
) -> ConnectSession {
    ConnectSession {
        auth_link_url: auth_link(public_url, token).into(),
        token: token.to_string().into(),
        id: session.id,
        organization_id: project.organization_id.clone(),
        project_id: project.id.clone(),
        origin_owner_id: session.origin_owner_id,
        origin_owner_name: session.origin_owner_name,
        origin_username: session.origin_username,
        categories: session.categories,
        provider: session.provider,
        account_id: session.account_id,
        label: session.label,
        metadata: session.metadata,
        multiple: session.multiple,
        scopes: session.scopes.clone(),
        onboarding: progress,
        created_at: rfc3339(session.created_at),
        expires_at: rfc3339(session.expires_at),
    }
}

#[utoipa::path(post, path = "/connect_sessions", tag = "api", request_body = CreateConnectSession,
    security(("api_key" = [])),
    responses((status = 201, body = ConnectSession), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody)))]
pub async fn connect_sessions(
    State(state): State<AppState>,
    _auth: ApiKeyAuth,
    ApiJson(req): ApiJson<CreateConnectSession>,
) -> ApiResult<(StatusCode, Json<ConnectSession>)> {
    let session = create_session(
        &state.db,
        Some(&state.sessions),
        &state.catalog,
        &state.project,
        &state.settings.public_url,
        req,
    )
    .await?;
    // A plan the owner had already finished was recorded complete, with its webhook.
    if session.onboarding.as_ref().is_some_and(|p| p.completed) {
        state.webhook_wake.notify_one();
    }
    Ok((StatusCode::CREATED, Json(session)))
}

#[utoipa::path(get, path = "/hub/settings", tag = "hub",
    params(("x-hub-session-token" = String, Header, description = "Session token")),
    responses((status = 200, body = HubSettings), (status = 401, body = ErrorBody)))]
pub async fn settings(
    State(state): State<AppState>,
    HubSession(session): HubSession,
) -> ApiResult<Json<HubSettings>> {
    // What this server offers beyond StackOne's protocol; the widget hides the rest.
    let mut extensions = vec![
        extension::ONBOARDING.to_string(),
        extension::OWNER_ACCOUNTS.to_string(),
        extension::CONNECTOR_LANG.to_string(),
    ];
    // A hand-off session makes no further hand-offs.
    if session.handoff_id.is_none() {
        extensions.push(extension::HANDOFFS.to_string());
    }
    if state.settings.verify.policy != crate::verify::Policy::Off {
        extensions.push(extension::CREDENTIAL_CHECKS.to_owned());
    }
    let onboarding = crate::onboarding::session_progress(&state, &session).await?;
    Ok(Json(HubSettings {
        enabled_features: Vec::new(),
        existing_account_id: session.account_id.clone(),
        provider: session.provider.clone(),
        expires_at: Some(rfc3339(session.expires_at)),
        scopes: session.scopes.clone().unwrap_or_default(),
        extensions,
        onboarding,
    }))
}
