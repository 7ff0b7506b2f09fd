//! The connectors a session may link (`/hub/connectors`, `/hub/connectors/{id}`), answered
//! from the catalog as JSON made once.

use axum::extract::{Path, State};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::HubSession;
use crate::catalog::Connector;
use crate::error::{ApiError, ApiQuery, ApiResult};
use crate::sessions::store::Session;
use crate::state::{AppState, CatalogJson};
use linkhub_protocol::hub::{
    ConnectorDetail, ConnectorDetailQuery, ConnectorList, ConnectorQuery, ConnectorSummary,
    ErrorBody, HubConnectorSettings,
};

/// Webhook events the server sends.
pub const WEBHOOK_EVENTS: [&str; 3] = ["account.created", "account.updated", "account.deleted"];

/// The feature's routes.
pub fn router(state: &AppState) -> OpenApiRouter<AppState> {
    crate::cors::hub(
        OpenApiRouter::new()
            .routes(routes!(list_connectors))
            .routes(routes!(get_connector)),
        state,
    )
}

/// Whether the session may see this connector.
pub fn visible(session: &Session, c: &Connector) -> bool {
    c.summary.active
        && session
            .categories
            .as_ref()
            .is_none_or(|cats| cats.is_empty() || cats.iter().any(|k| k == &c.summary.category))
        && session.provider.as_ref().is_none_or(|p| p == &c.key)
}

/// The connector `integration_id` and its catalog position, if the session may see it.
pub fn connector_for<'a>(
    state: &'a AppState,
    session: &Session,
    integration_id: &str,
) -> Option<(usize, &'a Connector)> {
    let i = state.catalog.position(integration_id)?;
    let c = &state.catalog.connectors[i];
    visible(session, c).then_some((i, c))
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
    // The catalog's icon is a path on this server: a client on another origin (StackOne's
    // own, in a host page) would resolve it against that page, so it is made absolute.
    if config
        .assets
        .icon
        .as_deref()
        .is_none_or(|icon| icon.starts_with('/'))
        && let Some(url) = state.logo_url(&c.key, c.logo_file())
    {
        config.assets.icon = Some(url);
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
        credential_check: c.definition.check.is_some()
            && state.settings.verify.policy != crate::verify::Policy::Off,
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
    params(("integration_id" = String, Path), ConnectorDetailQuery),
    responses((status = 200, body = ConnectorDetail), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_connector(
    State(state): State<AppState>,
    HubSession(session): HubSession,
    Path(integration_id): Path<String>,
    ApiQuery(query): ApiQuery<ConnectorDetailQuery>,
) -> ApiResult<Response> {
    let (i, c) = connector_for(&state, &session, &integration_id)
        .ok_or_else(|| ApiError::not_found("Unknown connector"))?;
    // In the hub's language: the translations are most of a catalog connector's answer
    // (Dagster's: 11 of 18 KB), and applying one is then the server's work, not the widget's
    // (whose wasm carries no code for it).
    if let Some(lang) = query.lang {
        let mut detail = detail(&state, c);
        detail.config.localize(&lang);
        return Ok(json_bytes(serde_json::to_vec(&detail).unwrap_or_default()));
    }
    let detail = catalog_json(&state)
        .details
        .get(i)
        .cloned()
        .unwrap_or_default();
    Ok(json_bytes(detail))
}
