//! `/hub/*`: what the widget calls with a session token.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use linkhub_protocol::SESSION_HEADER;
use linkhub_protocol::validate::FieldError;
use serde_json::Value;
use sqlx::Row;

use crate::catalog::Connector;
use crate::crypto;
use crate::db::{self, Backend, now, rfc3339};
use crate::error::{ApiError, ApiJson, ApiQuery, ApiResult, json_response};
use crate::i18n::{self, Text};
use crate::state::{AppState, CatalogJson, HubSession};
use crate::store::{self, Session};
use linkhub_protocol::hub::{
    AccountRef, AttemptError, AttemptStatus, ConnectionAttempt, ConnectionAttemptCreated,
    ConnectorDetail, ConnectorList, ConnectorQuery, ConnectorSummary, CreateAccountRequest,
    CreateConnectionAttempt, CreatedAccount, ErrorBody, HubAccount, HubConnectorSettings,
    HubSettings, is_redacted, redact,
};

/// Webhook events the server sends.
pub const WEBHOOK_EVENTS: [&str; 3] = ["account.created", "account.updated", "account.deleted"];

/// Whether the session may see this connector.
pub fn visible(session: &Session, c: &Connector) -> bool {
    c.summary.active
        && session
            .categories
            .as_ref()
            .is_none_or(|cats| cats.is_empty() || cats.iter().any(|k| k == &c.summary.category))
        && session.provider.as_ref().is_none_or(|p| p == &c.key)
}

fn summary(state: &AppState, c: &Connector) -> ConnectorSummary {
    ConnectorSummary {
        logo_url: state.logo_url(&c.key, c.logo_file()),
        ..c.summary.clone()
    }
}

/// A connector's config as `/hub/connectors/{id}` answers it.
fn detail(state: &AppState, c: &Connector) -> ConnectorDetail {
    let mut config = c.model.clone();
    if config.assets.icon.is_none() {
        config.assets.icon = state.logo_url(&c.key, c.logo_file());
    }
    let events = if state.settings.webhook_url.is_some() {
        WEBHOOK_EVENTS.iter().map(|e| e.to_string()).collect()
    } else {
        Vec::new()
    };
    ConnectorDetail {
        config,
        hub_settings: HubConnectorSettings {
            configured_webhook_events: events,
            project_settings: Value::Object(Default::default()),
        },
    }
}

/// The catalog's answers as JSON, made on first use.
fn catalog_json(state: &AppState) -> &CatalogJson {
    state.catalog_json.get_or_init(|| {
        let connectors = &state.catalog.connectors;
        CatalogJson {
            summaries: connectors
                .iter()
                .map(|c| serde_json::to_string(&summary(state, c)).unwrap_or_default())
                .collect(),
            details: connectors
                .iter()
                .map(|c| {
                    serde_json::to_vec(&detail(state, c))
                        .unwrap_or_default()
                        .into()
                })
                .collect(),
        }
    })
}

/// A JSON answer made of bytes already serialized.
fn json_bytes(body: impl Into<axum::body::Body>) -> Response {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body.into(),
    )
        .into_response()
}

fn connector_for<'a>(
    state: &'a AppState,
    session: &Session,
    integration_id: &str,
) -> Option<(usize, &'a Connector)> {
    let i = state.catalog.position(integration_id)?;
    let c = &state.catalog.connectors[i];
    visible(session, c).then_some((i, c))
}

#[utoipa::path(get, path = "/hub/settings", tag = "hub",
    params(("x-hub-session-token" = String, Header, description = "Session token")),
    responses((status = 200, body = HubSettings), (status = 401, body = ErrorBody)))]
pub async fn settings(HubSession(session): HubSession) -> Json<HubSettings> {
    Json(HubSettings {
        enabled_features: Vec::new(),
        existing_account_id: session.account_id.clone(),
        provider: session.provider.clone(),
        expires_at: Some(rfc3339(session.expires_at)),
        scopes: session.scopes.clone().unwrap_or_default(),
    })
}

#[utoipa::path(get, path = "/hub/connectors", tag = "hub", params(ConnectorQuery),
    responses((status = 200, body = ConnectorList), (status = 401, body = ErrorBody)))]
pub async fn list_connectors(
    State(state): State<AppState>,
    HubSession(session): HubSession,
    ApiQuery(query): ApiQuery<ConnectorQuery>,
) -> Response {
    let json = catalog_json(&state);
    let mut body = String::from(r#"{"integrations":["#);
    let shown = state
        .catalog
        .connectors
        .iter()
        .zip(&json.summaries)
        .filter(|(c, _)| visible(&session, c))
        .filter(|(c, _)| query.provider.as_ref().is_none_or(|p| p == &c.key));
    for (i, (_, summary)) in shown.enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(summary);
    }
    body.push_str("]}");
    json_bytes(body)
}

#[utoipa::path(get, path = "/hub/connectors/{integration_id}", tag = "hub",
    params(("integration_id" = String, Path)),
    responses((status = 200, body = ConnectorDetail), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_connector(
    State(state): State<AppState>,
    HubSession(session): HubSession,
    Path(integration_id): Path<String>,
) -> ApiResult<Response> {
    let (i, _) = connector_for(&state, &session, &integration_id)
        .ok_or_else(|| ApiError::not_found("Unknown connector"))?;
    let detail = catalog_json(&state)
        .details
        .get(i)
        .cloned()
        .unwrap_or_default();
    Ok(json_bytes(detail))
}

/// Turns submitted credential values into text, naming the ones that are not scalars.
fn credential_text(credentials: &BTreeMap<String, Value>) -> ApiResult<BTreeMap<String, String>> {
    let mut values = BTreeMap::new();
    let mut errors = BTreeMap::new();
    for (k, v) in credentials {
        match v {
            Value::String(s) => {
                values.insert(k.clone(), s.clone());
            }
            Value::Number(n) => {
                values.insert(k.clone(), n.to_string());
            }
            Value::Bool(b) => {
                values.insert(k.clone(), b.to_string());
            }
            Value::Null => {}
            _ => {
                errors.insert(k.clone(), Text::Key("server_not_text_value"));
            }
        }
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(ApiError::UserFields {
            message: Text::Key("server_invalid_credentials"),
            fields: errors,
        })
    }
}

fn check_fields(c: &Connector, values: &BTreeMap<String, String>) -> ApiResult<()> {
    refuse_broken_rules(c.validate(values))
}

/// `Ok` when no field broke a rule, else the 400 that names each one.
pub fn refuse_broken_rules(errors: BTreeMap<String, FieldError>) -> ApiResult<()> {
    if errors.is_empty() {
        return Ok(());
    }
    Err(ApiError::UserFields {
        message: Text::Key("server_invalid_credentials"),
        fields: errors
            .into_iter()
            .map(|(k, e)| (k, Text::Field(e)))
            .collect(),
    })
}

fn link_connector<'a>(
    state: &'a AppState,
    session: &Session,
    integration_id: &str,
) -> ApiResult<&'a Connector> {
    let (_, c) =
        connector_for(state, session, integration_id).ok_or_else(|| ApiError::UserFields {
            message: Text::Key("server_unknown_connector"),
            fields: BTreeMap::from([(
                "integration_id".to_string(),
                Text::Key("server_unknown_connector"),
            )]),
        })?;
    if c.is_oauth2 {
        return Err(ApiError::bad_request(
            "This connector links through OAuth: start a connection attempt instead",
        ));
    }
    Ok(c)
}

/// A link request, validated (no database): the connector (its index in the catalog) and
/// the credential values.
type Prepared = ApiResult<(usize, BTreeMap<String, String>)>;

fn prepare_link(state: &AppState, session: &Session, req: &CreateAccountRequest) -> Prepared {
    let c = link_connector(state, session, &req.integration_id)?;
    let values = credential_text(&req.credentials)?;
    check_fields(c, &values)?;
    let index = state
        .catalog
        .connectors
        .iter()
        .position(|x| std::ptr::eq(x, c))
        .ok_or_else(|| ApiError::internal("connector not in the catalog"))?;
    Ok((index, values))
}

/// The answer to a link.
fn link_answer(linked: store::Linked) -> (StatusCode, CreatedAccount) {
    let status = if linked.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    (
        status,
        CreatedAccount {
            id: linked.account.id,
            provider: linked.account.provider,
        },
    )
}

/// An `Idempotency-Key` and the hash of the request it came with.
#[derive(Debug, Clone)]
struct IdemKey {
    key: String,
    request_hash: String,
}

/// The answer stored under an `Idempotency-Key` (see [`crate::db::Db`]'s `answers`).
#[derive(Debug, Clone)]
pub struct StoredAnswer {
    request_hash: String,
    status: StatusCode,
    body: Value,
}

impl StoredAnswer {
    /// The answer again for a retry, or the error for a different request under the key.
    fn answer(&self, idem: &IdemKey) -> ApiResult<Response> {
        if self.request_hash != idem.request_hash {
            return Err(key_reused());
        }
        Ok(json_response(self.status, &self.body))
    }
}

fn key_reused() -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Idempotency-Key was already used with a different request",
    )
}

/// What a link transaction answered: status, body, and whether an account was written.
type LinkOutcome = (StatusCode, Value, bool);

/// One link as one write transaction on `conn`: claims the idempotency key (if any), links
/// the account with its webhook event, stores the answer under the key, commits.
/// `Ok(None)`: the key was already claimed (nothing written). A final error (a validation
/// error, an unknown account) is the stored answer under a key, and an `Err` without one;
/// an internal error rolls everything back, so a retry runs again.
async fn link_transaction(
    state: &AppState,
    conn: &mut sqlx::AnyConnection,
    session: &Session,
    idem: Option<&IdemKey>,
    prepared: &Prepared,
) -> ApiResult<Option<LinkOutcome>> {
    let mut tx = db::begin_write(conn, state.db.backend).await?;
    if let Some(idem) = idem {
        // The key first: a concurrent request with the same key then waits for this
        // transaction (SQLite: the write lock; PostgreSQL: the uncommitted key row) and
        // finds its answer.
        let claimed = sqlx::query(
            "INSERT INTO idempotency_keys (session_id, idem_key, request_hash, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(&session.id)
        .bind(&idem.key)
        .bind(&idem.request_hash)
        .bind(now())
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !claimed {
            tx.rollback().await?;
            return Ok(None);
        }
    }
    let result = match prepared {
        Ok((index, values)) => {
            let c = state
                .catalog
                .connectors
                .get(*index)
                .ok_or_else(|| ApiError::internal("connector not in the catalog"))?;
            store::link_account_tx(
                &mut tx,
                &state.key,
                &state.catalog,
                session,
                c,
                values,
                &BTreeMap::new(),
            )
            .await
            .map(link_answer)
        }
        Err(e) => Err(e.clone()),
    };
    let (status, body, linked) = match result {
        Ok((status, body)) => (status, serde_json::to_value(body).unwrap_or_default(), true),
        // Dropping `tx` rolls back.
        Err(e @ ApiError::Internal(_)) => return Err(e),
        Err(e) if idem.is_none() => return Err(e),
        Err(e) => (
            e.status(),
            serde_json::to_value(e.body()).unwrap_or_default(),
            false,
        ),
    };
    if let Some(idem) = idem {
        sqlx::query(
            "UPDATE idempotency_keys SET status_code = $1, response = $2 \
             WHERE session_id = $3 AND idem_key = $4",
        )
        .bind(i64::from(status.as_u16()))
        .bind(body.to_string())
        .bind(&session.id)
        .bind(&idem.key)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(Some((status, body, linked)))
}

/// Runs a link as a write of its own (on SQLite, on the writer thread): the one-round-trip
/// [`store::insert_account_batch`] when it applies, else [`link_transaction`].
async fn link_write(
    state: &AppState,
    session: &Session,
    idem: Option<IdemKey>,
    prepared: Prepared,
) -> ApiResult<Option<LinkOutcome>> {
    if let Some(outcome) = link_batch(state, session, idem.as_ref(), &prepared).await? {
        state.webhook_wake.notify_one();
        return Ok(Some(outcome));
    }
    let st = state.clone();
    let session = session.clone();
    let outcome = state
        .db
        .write(move |conn| {
            Box::pin(async move {
                link_transaction(&st, conn, &session, idem.as_ref(), &prepared).await
            })
        })
        .await??;
    if outcome.as_ref().is_some_and(|(_, _, linked)| *linked) {
        state.webhook_wake.notify_one();
    }
    Ok(outcome)
}

/// SQLite, a new account (not an edit session): everything but the write is done here, and
/// the write is one statement batch. `None` when it did not create the account (the key
/// was claimed already, or the owner has an account for this provider): nothing was
/// written and the general path takes over.
async fn link_batch(
    state: &AppState,
    session: &Session,
    idem: Option<&IdemKey>,
    prepared: &Prepared,
) -> ApiResult<Option<LinkOutcome>> {
    let Ok((index, values)) = prepared else {
        return Ok(None);
    };
    if state.db.backend != Backend::Sqlite || session.account_id.is_some() {
        return Ok(None);
    }
    let c = state
        .catalog
        .connectors
        .get(*index)
        .ok_or_else(|| ApiError::internal("connector not in the catalog"))?;
    let new = store::new_account(
        &state.key,
        &state.catalog,
        session,
        c,
        values,
        &BTreeMap::new(),
    );
    let body = serde_json::to_value(CreatedAccount {
        id: new.account.id.clone(),
        provider: new.account.provider.clone(),
    })
    .unwrap_or_default();
    let claim = idem.map(|idem| store::IdemClaim {
        session_id: session.id.clone(),
        key: idem.key.clone(),
        request_hash: idem.request_hash.clone(),
        status: i64::from(StatusCode::CREATED.as_u16()),
        answer: body.to_string(),
    });
    let batch = store::account_batch(&new, session.multiple, claim.as_ref());
    let created = state.db.write_batch(batch).await? == Some(1);
    Ok(created.then_some((StatusCode::CREATED, body, true)))
}

/// The stored answer for an idempotency key: `Ok(None)` when the key is unknown or its
/// request is still running; an error when it was used with another request.
async fn stored_answer(
    state: &AppState,
    session: &Session,
    idem: &IdemKey,
) -> ApiResult<Option<Option<Response>>> {
    let row = sqlx::query(
        "SELECT request_hash, status_code, response FROM idempotency_keys \
         WHERE session_id = $1 AND idem_key = $2",
    )
    .bind(&session.id)
    .bind(&idem.key)
    .fetch_optional(&state.db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let hash: String = row.try_get("request_hash")?;
    if hash != idem.request_hash {
        return Err(key_reused());
    }
    let status: Option<i64> = row.try_get("status_code")?;
    let response: Option<String> = row.try_get("response")?;
    Ok(Some(match (status, response) {
        (Some(status), Some(response)) => Some(stored_response(status, &response)),
        _ => None,
    }))
}

fn stored_response(status: i64, body: &str) -> Response {
    let status = u16::try_from(status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let value: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let mut response = json_response(status, &value);
    response
        .headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
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
    let Some(idem) = headers.get("idempotency-key") else {
        let prepared = prepare_link(&state, &session, &req)?;
        let (status, body, _) = link_write(&state, &session, None, Ok(prepared))
            .await?
            .ok_or_else(|| ApiError::internal("link without a key was not run"))?;
        return Ok(json_response(status, &body));
    };
    let idem = idem
        .to_str()
        .ok()
        .filter(|k| !k.is_empty() && k.len() <= 255)
        .ok_or_else(|| {
            ApiError::bad_request("Idempotency-Key must be 1 to 255 visible characters")
        })?;
    let idem = IdemKey {
        key: idem.to_string(),
        request_hash: crypto::sha256_hex(&format!(
            "{}\n{}",
            req.integration_id,
            serde_json::to_string(&req.credentials).unwrap_or_default()
        )),
    };
    // A retry of a request this process answered is answered again from memory. Any other
    // request goes straight to the write, which finds a key claimed before (by this or
    // another process) and then reads its stored answer below.
    let memo_key = format!("{}\n{}", session.id, idem.key);
    if let Some(stored) = state.db.answers.get(&memo_key) {
        return stored.answer(&idem);
    }
    // Validation needs no database: done before the write.
    let prepared = prepare_link(&state, &session, &req);
    for _ in 0..2 {
        if let Some((status, body, _)) =
            link_write(&state, &session, Some(idem.clone()), prepared.clone()).await?
        {
            let response = json_response(status, &body);
            let stored = StoredAnswer {
                request_hash: idem.request_hash,
                status,
                body,
            };
            state.db.answers.put(memo_key, stored);
            return Ok(response);
        }
        // Someone has this key: their answer, or wait for it (a request in flight in
        // another process that claims keys outside its link transaction).
        for _ in 0..200 {
            match stored_answer(&state, &session, &idem).await? {
                None => break,
                Some(Some(answer)) => return Ok(answer),
                Some(None) => tokio::time::sleep(Duration::from_millis(25)).await,
            }
        }
    }
    Err(ApiError::conflict(
        "A request with this Idempotency-Key is still in progress; retry later",
    ))
}

async fn owned_account(
    state: &AppState,
    session: &Session,
    id: &str,
) -> ApiResult<store::AccountRow> {
    store::account_by_id(&state.db, &session.project_id, id)
        .await?
        .filter(|a| a.origin_owner_id == session.origin_owner_id)
        .ok_or_else(|| ApiError::not_found("Account not found"))
}

fn hub_account(state: &AppState, account: &store::AccountRow) -> ApiResult<HubAccount> {
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
    let updated = store::update_account(
        &state.db,
        &state.key,
        &state.catalog,
        &session,
        c,
        &account.id,
        &values,
        &extra,
    )
    .await?;
    state.webhook_wake.notify_one();
    Ok(Json(hub_account(&state, &updated)?))
}

/// The session for a connection-attempt call: the header, or `token` in the body.
async fn attempt_session(
    state: &AppState,
    headers: &HeaderMap,
    body_token: Option<&str>,
) -> ApiResult<Session> {
    let token = headers
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .or(body_token)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::unauthorized("Missing x-hub-session-token header"))?;
    let session = store::session_by_token(&state.db, token).await?;
    if session.project_id != state.project.id {
        return Err(ApiError::unauthorized("Invalid session token"));
    }
    Ok(session)
}

/// How long an OAuth attempt may stay pending.
pub const ATTEMPT_TTL_SECS: i64 = 900;

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
    sqlx::query(
        "INSERT INTO connection_attempts (id, session_id, integration_id, status, created_at, \
         expires_at, locale) VALUES ($1, $2, $3, 'pending', $4, $5, $6)",
    )
    .bind(&id)
    .bind(&session.id)
    .bind(&req.integration_id)
    .bind(t)
    .bind(t + ATTEMPT_TTL_SECS.min(session.expires_at - t).max(1))
    // The OAuth result page speaks the widget's language, whatever the popup's browser asks.
    .bind(i18n::current().code())
    .execute(&mut *state.db.writer().await?)
    .await?;
    Ok((StatusCode::CREATED, Json(ConnectionAttemptCreated { id })))
}

/// Loads an attempt of this session.
pub async fn load_attempt(
    state: &AppState,
    session_id: &str,
    id: &str,
) -> ApiResult<ConnectionAttempt> {
    let row = sqlx::query(
        "SELECT status, account_id, error_code, error_description, expires_at \
         FROM connection_attempts WHERE id = $1 AND session_id = $2",
    )
    .bind(id)
    .bind(session_id)
    .fetch_optional(&state.db.pool)
    .await?
    .ok_or_else(|| ApiError::not_found("Connection attempt not found"))?;
    // A status this version does not know is still running, as far as a client can tell.
    let mut status = row
        .try_get::<String, _>("status")?
        .parse()
        .unwrap_or(AttemptStatus::Pending);
    let expires_at: i64 = row.try_get("expires_at")?;
    if status == AttemptStatus::Pending && expires_at <= now() {
        status = AttemptStatus::Expired;
    }
    let account: Option<String> = row.try_get("account_id")?;
    let code: Option<String> = row.try_get("error_code")?;
    let description: Option<String> = row.try_get("error_description")?;
    Ok(ConnectionAttempt {
        id: Some(id.to_string()),
        status,
        account: account.map(|id| AccountRef { id }),
        error: code.map(|code| AttemptError {
            code,
            description: description.unwrap_or_default(),
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
    sqlx::query(
        "UPDATE connection_attempts SET status = 'cancelled' \
         WHERE id = $1 AND session_id = $2 AND status = 'pending'",
    )
    .bind(&id)
    .bind(&session.id)
    .execute(&mut *state.db.writer().await?)
    .await?;
    Ok(Json(load_attempt(&state, &session.id, &id).await?))
}

/// `OPTIONS` fallback so a preflight to any `/hub/*` path answers 2xx even for
/// origins the CORS layer does not allow (it then simply has no CORS headers).
pub async fn preflight() -> impl IntoResponse {
    StatusCode::NO_CONTENT
}
