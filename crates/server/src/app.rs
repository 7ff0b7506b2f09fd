//! The router: which paths exist, which layers wrap them, and the OpenAPI document.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{Method, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::error::{ApiError, json_errors};
use crate::state::AppState;
use crate::{accounts, attempts, connectors, console, handoffs, onboarding, sessions, web};

/// Largest request body accepted.
pub const BODY_LIMIT: usize = 64 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "linkhub",
        description = "StackOne-style Hub API of the linkhub reference server.",
        license(name = "Apache-2.0")
    ),
    modifiers(&Security),
    // The webhook body is not the answer of any path (it is what the server POSTs to the
    // webhook URL); a guide's blocks and runs nest, so they are listed rather than found.
    components(schemas(
        linkhub_protocol::api::WebhookEvent,
        linkhub_protocol::api::SessionWebhookEvent,
        linkhub_protocol::guide::Block,
        linkhub_protocol::guide::Inline,
        linkhub_protocol::guide::CalloutKind
    )),
    tags(
        (name = "api", description = "Server to server, HTTP Basic with the project API key"),
        (name = "hub", description = "Widget to server, `x-hub-session-token`"),
        (name = "oauth", description = "OAuth 2 popup flow")
    )
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Basic)),
        );
    }
}

/// The documented routes, and the document.
pub fn api_routes(state: &AppState) -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(sessions::router(state))
        .merge(connectors::router(state))
        .merge(accounts::router(state))
        .merge(attempts::router(state))
        .merge(onboarding::router(state))
        .merge(handoffs::router(state))
        .split_for_parts()
}

/// The complete application.
pub fn router(state: AppState) -> Router {
    let (api, doc) = api_routes(&state);
    let doc_json = doc.to_pretty_json().unwrap_or_default();
    api.route(
        "/openapi.json",
        get(move || async move {
            ([(header::CONTENT_TYPE, "application/json")], doc_json).into_response()
        }),
    )
    .route("/healthz", get(|| async { "ok" }))
    .route("/", get(web::hub_page))
    .route("/index.html", get(web::hub_page))
    .route("/link", get(web::hub_page))
    .route("/embed", get(web::hub_page))
    .route("/examples", get(web::examples_index))
    .route("/examples/", get(web::examples_index))
    .route("/examples/{*file}", get(web::examples))
    .route("/catalog/{key}/{file}", get(web::logo))
    .merge(console::router())
    .fallback(fallback)
    .layer(DefaultBodyLimit::max(BODY_LIMIT))
    .layer(middleware::from_fn(limit_body))
    .layer(middleware::from_fn(crate::error::refuse_nul))
    .layer(middleware::from_fn(json_errors))
    .layer(middleware::from_fn(crate::i18n::negotiate))
    .layer(CompressionLayer::new())
    .layer(
        // Paths only: query strings can carry a session token or an OAuth code.
        TraceLayer::new_for_http().make_span_with(|req: &Request| {
            tracing::info_span!("http", method = %req.method(), path = %req.uri().path())
        }),
    )
    .with_state(state)
}

async fn fallback(state: State<AppState>, req: Request) -> Response {
    if req.method() == Method::GET || req.method() == Method::HEAD {
        return match web::static_files(state, req).await {
            Ok(r) => r,
            Err(e) => e.into_response(),
        };
    }
    ApiError::not_found("No such endpoint").into_response()
}

/// Refuses a declared oversized body with a JSON 413. A moderately large body is read and
/// dropped first, so the client (still sending) gets the answer rather than a reset
/// connection; bodies without a length are capped by `DefaultBodyLimit` in the extractor.
async fn limit_body(req: Request, next: middleware::Next) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if let Some(len) = declared.filter(|&l| l > BODY_LIMIT) {
        const DRAIN_LIMIT: usize = 1024 * 1024;
        if len <= DRAIN_LIMIT {
            let _ = axum::body::to_bytes(req.into_body(), DRAIN_LIMIT).await;
        }
        return ApiError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "Request body too large (limit 64 KiB)",
        )
        .into_response();
    }
    next.run(req).await
}
