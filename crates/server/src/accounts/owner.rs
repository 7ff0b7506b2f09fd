//! Extension: the session owner's own accounts, for the widget's "Your connections": list
//! them (`GET /hub/accounts`, never a secret) and disconnect one (`DELETE
//! /hub/accounts/{id}`). Both are scoped to the session's owner, whatever connectors the
//! session itself may link (the owner's connections are theirs to see and manage from any
//! of their links): an account of another owner is answered exactly like one that does not
//! exist. A hand-off session is a colleague's, for one provider: it sees and disconnects
//! only the owner's accounts of that provider.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use super::link;
use super::store::{self, AccountRow};
use crate::auth::HubSession;
use crate::catalog::Catalog;
use crate::clock::rfc3339;
use crate::error::{ApiError, ApiResult};
use crate::i18n::{self, Lang};
use crate::sessions::store::Session;
use crate::state::AppState;
use crate::verify::words::reason_text;
use linkhub_protocol::api::StatusReason;
use linkhub_protocol::catalog::ConnectorDefinition;
use linkhub_protocol::hub::ErrorBody;
use linkhub_protocol::onboarding::{OwnerAccount, OwnerAccountList};

/// Status reasons with their `description` in `lang` where the server knows the code; any
/// other reason is kept as stored.
fn localized_reasons(
    reasons: &[StatusReason],
    connector: Option<&ConnectorDefinition>,
    lang: Lang,
) -> Vec<StatusReason> {
    reasons
        .iter()
        .map(|r| {
            let description = r
                .code
                .as_deref()
                .zip(connector)
                .and_then(|(code, c)| reason_text(code, c, lang))
                .or_else(|| r.description.clone());
            StatusReason {
                description,
                ..r.clone()
            }
        })
        .collect()
}

fn owner_account(state: &AppState, catalog: &Catalog, a: &AccountRow, lang: Lang) -> OwnerAccount {
    let connector = catalog.by_provider(&a.provider);
    let provider_name = connector
        .map(|c| c.summary.name.clone())
        .unwrap_or_else(|| a.provider.clone());
    OwnerAccount {
        id: a.id.clone(),
        provider: a.provider.clone(),
        status_reasons: localized_reasons(
            &a.status_reasons,
            connector.map(|c| c.definition.as_ref()),
            lang,
        ),
        provider_name,
        integration_id: a.integration_id.clone(),
        label: a.label.clone(),
        status: a.status,
        logo_url: connector.and_then(|c| state.logo_url(&c.key, c.logo_file())),
        created_at: rfc3339(a.created_at),
        updated_at: rfc3339(a.updated_at),
        last_checked_at: a.last_checked_at.map(rfc3339),
        via_handoff: a.handoff_id.is_some(),
    }
}

/// Whether `session` may see and disconnect `account`.
fn in_reach(session: &Session, account: &AccountRow) -> bool {
    account.origin_owner_id == session.origin_owner_id
        && (session.handoff_id.is_none() || session.provider.as_deref() == Some(&account.provider))
}

#[utoipa::path(get, path = "/hub/accounts", tag = "hub",
    params(("x-hub-session-token" = String, Header, description = "Session token")),
    responses((status = 200, body = OwnerAccountList), (status = 401, body = ErrorBody)))]
pub async fn list_owner_accounts(
    State(state): State<AppState>,
    HubSession(session): HubSession,
) -> ApiResult<Json<OwnerAccountList>> {
    let rows = store::list(
        &state.db,
        &session.project_id,
        Some(&session.origin_owner_id),
        None,
        None,
    )
    .await?;
    let lang = i18n::current();
    Ok(Json(OwnerAccountList {
        accounts: rows
            .iter()
            .filter(|a| in_reach(&session, a))
            .map(|a| owner_account(&state, &state.catalog, a, lang))
            .collect(),
    }))
}

#[utoipa::path(delete, path = "/hub/accounts/{id}", tag = "hub", params(("id" = String, Path)),
    responses((status = 204, description = "Deleted (or deleted before by this owner)"),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such account for this owner")))]
pub async fn delete_owner_account(
    State(state): State<AppState>,
    HubSession(session): HubSession,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let owned = store::by_id(&state.db, &session.project_id, &id)
        .await?
        .is_some_and(|a| in_reach(&session, &a));
    // `link::delete` fires `account.deleted` in the write that deletes; a concurrent
    // delete of the same account finds it gone, and the tombstone then answers it.
    if owned && link::delete(&state, &id).await?.is_some() {
        return Ok(StatusCode::NO_CONTENT);
    }
    if store::deleted_by(
        &state.db,
        &session.project_id,
        &session.origin_owner_id,
        &id,
    )
    .await?
    {
        return Ok(StatusCode::NO_CONTENT);
    }
    Err(ApiError::not_found("Account not found"))
}
