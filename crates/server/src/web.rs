//! The widget's built files, the standalone auth-link page, and connector logos.

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The Content-Security-Policy of every hub HTML page.
pub fn csp(state: &AppState) -> String {
    let mut ancestors = vec!["'self'".to_string()];
    ancestors.extend(state.settings.allowed_origins.iter().cloned());
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; frame-ancestors {}; base-uri 'none'; \
         form-action 'self'",
        ancestors.join(" ")
    )
}

/// Trunk's content-hashed names (`app-0123456789abcdef_bg.wasm`) never change content.
fn is_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let stem = name.split('.').next().unwrap_or(name);
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-')
        .is_some_and(|(_, hash)| hash.len() >= 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn finish(state: &AppState, path: &str, mut response: Response) -> Response {
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let ok = response.status().is_success();
    let headers = response.headers_mut();
    if is_html {
        if let Ok(v) = HeaderValue::from_str(&csp(state)) {
            headers.insert(header::CONTENT_SECURITY_POLICY, v);
        }
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    } else if ok {
        let cache = if is_hashed(path) {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// Files of `--web-dir` (precompressed `.br`/`.gz` siblings are used when present).
pub async fn static_files(State(state): State<AppState>, req: Request) -> ApiResult<Response> {
    let Some(dir) = state.settings.web_dir.clone() else {
        return Err(ApiError::not_found("Not found"));
    };
    let path = req.uri().path().to_string();
    let service = ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip()
        .append_index_html_on_directories(true);
    let response = service
        .oneshot(req)
        .await
        .map_err(ApiError::internal)?
        .map(Body::new);
    if response.status() == StatusCode::NOT_FOUND {
        return Err(ApiError::not_found("Not found"));
    }
    Ok(finish(&state, &path, response))
}

/// `/link`: the standalone auth-link page (the widget's `index.html`).
pub async fn auth_link_page(State(state): State<AppState>, req: Request) -> ApiResult<Response> {
    let Some(dir) = state.settings.web_dir.clone() else {
        return Err(ApiError::not_found(
            "The hub page is not available: start the server with --web-dir",
        ));
    };
    let response = ServeFile::new(dir.join("index.html"))
        .oneshot(req)
        .await
        .map_err(ApiError::internal)?
        .map(Body::new);
    if response.status() == StatusCode::NOT_FOUND {
        return Err(ApiError::not_found("index.html is missing from --web-dir"));
    }
    Ok(finish(&state, "/link", response))
}

/// `/catalog/{key}/{file}`: a connector's logo.
pub async fn logo(
    State(state): State<AppState>,
    Path((key, file)): Path<(String, String)>,
) -> ApiResult<Response> {
    let connector = state
        .catalog
        .by_provider(&key)
        .filter(|c| c.logo_file() == Some(file.as_str()))
        .ok_or_else(|| ApiError::not_found("No such logo"))?;
    let Some(path) = &connector.logo_path else {
        return Err(ApiError::not_found("No such logo"));
    };
    let bytes = tokio::fs::read(path).await.map_err(ApiError::internal)?;
    let content_type = match path.extension().and_then(|e| e.to_str()) {
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("webp") => "image/webp",
        Some("jpg" | "jpeg") => "image/jpeg",
        _ => "application/octet-stream",
    };
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // An SVG opened directly must not run script.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::is_hashed;

    #[test]
    fn recognises_trunk_hashed_names() {
        assert!(is_hashed("/linkhub-4f9a2b1c3d5e6f70_bg.wasm"));
        assert!(is_hashed("/linkhub-4f9a2b1c3d5e6f70.js"));
        assert!(!is_hashed("/index.html"));
        assert!(!is_hashed("/linkhub.js"));
    }
}
