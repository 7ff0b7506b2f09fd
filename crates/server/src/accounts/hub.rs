//! What the widget calls with a session token: link an account (`POST /hub/accounts`,
//! idempotent under an `Idempotency-Key`), read it with its secrets redacted, edit it.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::Value;

use super::created_body;
use super::credentials::{check_fields, credential_text, link_connector, prepare_link};
use super::link::{self, Linked};
use super::store::{self, AccountRow};
use crate::auth::HubSession;
use crate::db::Written;
use crate::error::{ApiError, ApiJson, ApiResult, json_response};
use crate::idempotency::{self, IdemKey, Stored, StoredAnswer};
use crate::sessions::store::Session;
use crate::state::AppState;
use linkhub_protocol::hub::{
    CreateAccountRequest, CreatedAccount, ErrorBody, HubAccount, is_redacted, redact,
};

/// Stores a refusal as the key's final answer (its body made here, in the request's
/// language). `None` when the key was claimed already.
async fn refuse_under_key(
    state: &AppState,
    idem: &IdemKey,
    e: &ApiError,
) -> ApiResult<Option<(StatusCode, Value)>> {
    let body = serde_json::to_value(e.body()).unwrap_or_default();
    Ok(match state.db.write(idem.claim(e.status(), &body)).await? {
        Written::Done(_) => Some((e.status(), body)),
        Written::Refused(_) => None,
    })
}

/// One try of a link under a key: the final answer, or `None` when the key is taken.
async fn link_under_key(
    state: &AppState,
    session: &Session,
    idem: &IdemKey,
    req: &CreateAccountRequest,
) -> ApiResult<Option<(StatusCode, Value)>> {
    let linked = match prepare_link(state, session, req) {
        Ok((c, values)) => {
            link::link(
                state,
                session,
                c,
                &values,
                &BTreeMap::new(),
                Some(idem),
                None,
            )
            .await
        }
        Err(e) => Err(e),
    };
    match linked {
        Ok(Linked::Account { status, account }) => Ok(Some((status, created_body(&account)))),
        Ok(Linked::KeyTaken) => Ok(None),
        Ok(Linked::FollowUpRefused) => {
            Err(ApiError::internal("a link without follow-up was refused"))
        }
        // Nothing was written: a retry runs again.
        Err(e @ ApiError::Internal(_)) => Err(e),
        // A final answer, kept under the key like a success.
        Err(e) => refuse_under_key(state, idem, &e).await,
    }
}

#[utoipa::path(post, path = "/hub/accounts", tag = "hub", request_body = CreateAccountRequest,
    params(("Idempotency-Key" = Option<String>, Header,
        description = "A retry with the same key returns the first result")),
    responses((status = 201, body = CreatedAccount, description = "Created"),
        (status = 200, body = CreatedAccount, description = "Updated the owner's existing account"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "Idempotency-Key reused with another body")))]
pub async fn create_account(
    State(state): State<AppState>,
    HubSession(session): HubSession,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CreateAccountRequest>,
) -> ApiResult<Response> {
    let request = format!(
        "{}\n{}",
        req.integration_id,
        serde_json::to_string(&req.credentials).unwrap_or_default()
    );
    let Some(idem) = IdemKey::from_headers(&headers, &session.id, &request)? else {
        let (c, values) = prepare_link(&state, &session, &req)?;
        return match link::link(&state, &session, c, &values, &BTreeMap::new(), None, None).await? {
            Linked::Account { status, account } => {
                Ok(json_response(status, &created_body(&account)))
            }
            Linked::KeyTaken | Linked::FollowUpRefused => Err(ApiError::internal(
                "a link without key or follow-up was refused",
            )),
        };
    };
    // A retry of a request this process answered is answered again from memory. Any other
    // request goes to the write, which finds a key claimed before (by this or another
    // process) and then reads its stored answer.
    let memo_key = idem.memo_key();
    if let Some(stored) = state.answers.get(&memo_key) {
        return stored.answer(&idem);
    }
    for _ in 0..2 {
        if let Some((status, body)) = link_under_key(&state, &session, &idem, &req).await? {
            let response = json_response(status, &body);
            let stored = StoredAnswer {
                request_hash: idem.request_hash.clone(),
                status,
                body,
            };
            state.answers.put(memo_key, stored);
            return Ok(response);
        }
        // Someone has this key: their answer, or wait for it.
        for _ in 0..200 {
            match idempotency::stored(&state.db, &idem).await? {
                Stored::Unknown => break,
                Stored::Answered(answer) => return Ok(answer),
                Stored::InProgress => tokio::time::sleep(Duration::from_millis(25)).await,
            }
        }
    }
    Err(ApiError::conflict(
        "A request with this Idempotency-Key is still in progress; retry later",
    ))
}

async fn owned_account(state: &AppState, session: &Session, id: &str) -> ApiResult<AccountRow> {
    store::by_id(&state.db, &session.project_id, id)
        .await?
        .filter(|a| a.origin_owner_id == session.origin_owner_id)
        .ok_or_else(|| ApiError::not_found("Account not found"))
}

fn hub_account(state: &AppState, account: &AccountRow) -> ApiResult<HubAccount> {
    let connector = state.catalog.by_provider(&account.provider);
    let field_secrets: BTreeMap<String, String> = account
        .open_secrets(&state.key)?
        .into_iter()
        .filter(|(k, _)| connector.is_none_or(|c| c.fields.iter().any(|f| &f.key == k)))
        .map(|(k, v)| (k, redact(&v)))
        .collect();
    Ok(HubAccount {
        id: Some(account.id.clone()),
        secure_id: account.id.clone(),
        provider: account.provider.clone(),
        setup_information: account
            .setup_information
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
        secrets: (!field_secrets.is_empty()).then_some(field_secrets),
        version: Some(account.version.to_string()),
        integration_id: account.integration_id.clone(),
    })
}

#[utoipa::path(get, path = "/hub/accounts/{id}", tag = "hub", params(("id" = String, Path)),
    responses((status = 200, body = HubAccount), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_account(
    State(state): State<AppState>,
    HubSession(session): HubSession,
    Path(id): Path<String>,
) -> ApiResult<Json<HubAccount>> {
    let account = owned_account(&state, &session, &id).await?;
    Ok(Json(hub_account(&state, &account)?))
}

#[utoipa::path(patch, path = "/hub/accounts/{id}", tag = "hub", params(("id" = String, Path)),
    request_body = CreateAccountRequest,
    responses((status = 200, body = HubAccount), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn patch_account(
    State(state): State<AppState>,
    HubSession(session): HubSession,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<CreateAccountRequest>,
) -> ApiResult<Json<HubAccount>> {
    let account = owned_account(&state, &session, &id).await?;
    let c = link_connector(&state, &session, &req.integration_id)?;
    if c.key != account.provider {
        return Err(ApiError::bad_request(
            "integration_id does not match the account's connector",
        ));
    }
    let opened = account.open_secrets(&state.key)?;
    let (field_secrets, extra): (BTreeMap<_, _>, BTreeMap<_, _>) = opened
        .into_iter()
        .partition(|(k, _)| c.fields.iter().any(|f| &f.key == k));
    let mut values = account.setup_information.clone();
    values.extend(field_secrets);
    for (k, v) in credential_text(&req.credentials)? {
        if !is_redacted(&v) {
            values.insert(k, v);
        }
    }
    check_fields(c, &values)?;
    let updated = link::update(&state, &session, account, c, &values, &extra)
        .await?
        .ok_or_else(|| {
            ApiError::not_found("Account not found for this session's owner and connector")
        })?;
    Ok(Json(hub_account(&state, &updated)?))
}
