//! What the host backend calls with the API key: list, read and delete accounts.

use axum::Json;
use axum::extract::{Path, State};

use super::{link, store};
use crate::auth::ApiKeyAuth;
use crate::error::{ApiError, ApiQuery, ApiResult};
use crate::state::AppState;
use linkhub_protocol::api::{Account, AccountFilter};
use linkhub_protocol::hub::ErrorBody;

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
    let rows = store::list(
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
    let account = store::by_id(&state.db, &state.project.id, &id)
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
    let account = link::delete(&state, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("Account not found"))?;
    Ok(Json(account.to_account(&state.catalog)))
}
