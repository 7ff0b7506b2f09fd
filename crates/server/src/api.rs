//! Server-to-server API, authenticated with the project API key: connect sessions and accounts.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use crate::crypto;
use crate::db::{Db, Project, now, rfc3339};
use crate::error::{ApiError, ApiJson, ApiQuery, ApiResult};
use crate::state::{ApiKeyAuth, AppState};
use crate::store::{self, NewSession, Session};
use linkhub_protocol::api::{Account, AccountFilter, ConnectSession, CreateConnectSession};
use linkhub_protocol::hub::ErrorBody;

/// Default lifetime of a connect session.
pub const DEFAULT_EXPIRES_IN: i64 = 1800;
/// Longest allowed lifetime (90 days).
pub const MAX_EXPIRES_IN: i64 = 90 * 24 * 3600;

/// Creates a session; shared by the endpoint and `linkhub-server session create`.
pub async fn create_session(
    db: &Db,
    project: &Project,
    public_url: &str,
    req: CreateConnectSession,
) -> ApiResult<ConnectSession> {
    let mut problems = std::collections::BTreeMap::new();
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
        let account = store::account_by_id(db, &project.id, account_id).await?;
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
        created_at,
        expires_at: created_at + expires_in,
    };
    store::insert_session(
        db,
        NewSession {
            session: session.clone(),
            token_hash: crypto::sha256_hex(&token),
        },
    )
    .await?;
    Ok(ConnectSession {
        auth_link_url: format!("{}/link#token={token}", public_url.trim_end_matches('/')).into(),
        token: token.into(),
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
        scopes: session.scopes,
        created_at: rfc3339(session.created_at),
        expires_at: rfc3339(session.expires_at),
    })
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
    let session =
        create_session(&state.db, &state.project, &state.settings.public_url, req).await?;
    Ok((StatusCode::CREATED, Json(session)))
}

#[utoipa::path(get, path = "/accounts", tag = "api", params(AccountFilter),
    security(("api_key" = [])),
    responses((status = 200, body = Vec<Account>), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody)))]
pub async fn list_accounts(
    State(state): State<AppState>,
    _auth: ApiKeyAuth,
    filter: Result<ApiQuery<AccountFilter>, ApiError>,
) -> ApiResult<Json<Vec<Account>>> {
    // The only value that can fail to parse is `status`; the message names the choices
    // rather than echoing what was sent.
    let ApiQuery(filter) = filter.map_err(|_| {
        ApiError::bad_request("Invalid query string: status must be active, inactive or error")
    })?;
    let rows = store::list_accounts(
        &state.db,
        &state.project.id,
        filter.origin_owner_id.as_deref(),
        filter.provider.as_deref(),
        filter.status.map(|s| s.as_str()),
    )
    .await?;
    Ok(Json(
        rows.iter().map(|a| a.to_account(&state.catalog)).collect(),
    ))
}

#[utoipa::path(get, path = "/accounts/{id}", tag = "api", params(("id" = String, Path)),
    security(("api_key" = [])),
    responses((status = 200, body = Account), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_account(
    State(state): State<AppState>,
    _auth: ApiKeyAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<Account>> {
    let account = store::account_by_id(&state.db, &state.project.id, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("Account not found"))?;
    Ok(Json(account.to_account(&state.catalog)))
}

#[utoipa::path(delete, path = "/accounts/{id}", tag = "api", params(("id" = String, Path)),
    security(("api_key" = [])),
    responses((status = 200, body = Account, description = "The deleted account"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_account(
    State(state): State<AppState>,
    _auth: ApiKeyAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<Account>> {
    let account = store::delete_account(&state.db, &state.catalog, &state.project.id, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("Account not found"))?;
    state.webhook_wake.notify_one();
    Ok(Json(account.to_account(&state.catalog)))
}
