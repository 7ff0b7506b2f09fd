//! The layers of the widget's calls (`/hub/*`): CORS for the allowed origins, and JSON
//! error bodies (also for the answers axum makes itself). Each feature wraps its own
//! `/hub/*` routes with [`hub`].

use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware;
use tower_http::cors::{AllowOrigin, CorsLayer};
use utoipa_axum::router::OpenApiRouter;

use crate::error::json_errors;
use crate::state::AppState;

/// `routes` (all under `/hub/`) with the hub's layers.
pub fn hub(routes: OpenApiRouter<AppState>, state: &AppState) -> OpenApiRouter<AppState> {
    routes
        .layer(middleware::from_fn(json_errors))
        .layer(cors(state))
}

fn cors(state: &AppState) -> CorsLayer {
    let origins: Vec<HeaderValue> = state
        .settings
        .allowed_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PATCH,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allow_headers([
            header::CONTENT_TYPE,
            // The widget's language (safelisted by CORS for plain tags; allowed for any).
            header::ACCEPT_LANGUAGE,
            HeaderName::from_static("x-hub-session-token"),
            HeaderName::from_static("x-hub-version"),
            HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([HeaderName::from_static("idempotent-replayed")])
        .max_age(Duration::from_secs(600))
}
