//! The widget's built files, the hub pages (`/link` for auth links, `/embed` for the
//! loader's iframe), the example host pages of `--examples-dir`, and connector logos.

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::ServeDir;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The Content-Security-Policy of every hub HTML page. `script_hashes` are the
/// `'sha256-…'` sources of the page's inline scripts, if any, so exactly those run and no
/// other inline script can.
///
/// `connect-src` is the one list of APIs the hub may send a session token and credentials
/// to: this server and the operator's `--api-origin`s. A host's `baseUrl` or an auth link's
/// `base` elsewhere is refused by the browser, and the widget says so. Those APIs may also
/// serve the connector logos they list (`img-src`; any `https:` image already may).
pub fn csp(state: &AppState, script_hashes: &[String]) -> String {
    let mut ancestors = vec!["'self'".to_string()];
    ancestors.extend(state.settings.allowed_origins.iter().cloned());
    let mut scripts = vec!["'self'".to_string(), "'wasm-unsafe-eval'".to_string()];
    scripts.extend(script_hashes.iter().cloned());
    let mut connect = vec!["'self'".to_string()];
    connect.extend(state.settings.api_origins.iter().cloned());
    let mut images = vec!["'self'".to_string(), "data:".into(), "https:".into()];
    images.extend(
        state
            .settings
            .api_origins
            .iter()
            .filter(|o| o.starts_with("http:"))
            .cloned(),
    );
    format!(
        "default-src 'self'; script-src {}; style-src 'self'; img-src {}; connect-src {}; \
         frame-ancestors {}; base-uri 'none'; form-action 'self'",
        scripts.join(" "),
        images.join(" "),
        connect.join(" "),
        ancestors.join(" ")
    )
}

/// CSP hash sources (`'sha256-<base64>'`) of the inline `<script>` elements of an HTML page
/// the widget build wrote (Trunk puts its module loader inline). A script with a `src`
/// attribute is not inline and needs no hash.
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else {
            break;
        };
        let tag = &after[..open_end];
        let body_and_more = &after[open_end + 1..];
        let Some(close) = body_and_more.find("</script") else {
            break;
        };
        if !tag.contains("src=") {
            let digest = Sha256::digest(&body_and_more.as_bytes()[..close]);
            let b64 = base64::engine::general_purpose::STANDARD.encode(digest);
            hashes.push(format!("'sha256-{b64}'"));
        }
        rest = &body_and_more[close..];
    }
    hashes
}

/// The Content-Security-Policy of a host page of `--examples-dir`: its scripts (the
/// loader and its own) come from this origin, and it frames the hub, which is here too or
/// at the public URL.
pub fn host_csp(state: &AppState) -> String {
    let public = url::Url::parse(&state.settings.public_url)
        .ok()
        .map(|u| u.origin().ascii_serialization())
        .filter(|o| o != "null");
    let mut frames = vec!["'self'".to_string()];
    frames.extend(public);
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; frame-src {}; object-src 'none'; base-uri 'none'; \
         form-action 'self'",
        frames.join(" ")
    )
}

/// The loader host pages include by a fixed name: cached briefly, so a fix reaches every
/// host within minutes without a request per page view.
const LOADER: &str = "/linkhub.js";

/// Content-hashed names never change content: Trunk's files (`app-0123456789abcdef.css`)
/// and everything in the build's hashed wasm folder (`pkg-0123456789abcdef/linkhub.js`).
fn is_hashed(path: &str) -> bool {
    path.split('/').any(|segment| {
        let stem = segment.split('.').next().unwrap_or(segment);
        let stem = stem.strip_suffix("_bg").unwrap_or(stem);
        stem.rsplit_once('-').is_some_and(|(_, hash)| {
            hash.len() >= 16 && hash.bytes().all(|b| b.is_ascii_hexdigit())
        })
    })
}

/// Which kind of page a response is, for its policy headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Page {
    /// The widget: `/link`, `/embed` and the files of `--web-dir`.
    Hub,
    /// A host page of `--examples-dir`.
    Host,
}

fn finish(state: &AppState, page: Page, path: &str, response: Response) -> Response {
    finish_with(state, page, path, &[], response)
}

fn finish_with(
    state: &AppState,
    page: Page,
    path: &str,
    script_hashes: &[String],
    mut response: Response,
) -> Response {
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let ok = response.status().is_success();
    let headers = response.headers_mut();
    let is_js = path.ends_with(".js") || path.ends_with(".mjs");
    if ok && is_js {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/javascript; charset=utf-8"),
        );
    }
    if is_html {
        let policy = match page {
            Page::Hub => csp(state, script_hashes),
            Page::Host => host_csp(state),
        };
        if let Ok(v) = HeaderValue::from_str(&policy) {
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
        } else if page == Page::Hub && path == LOADER {
            "public, max-age=300"
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
    Ok(finish(&state, Page::Hub, &path, response))
}

/// `/link` (the standalone auth-link page) and `/embed` (the page the loader frames): both
/// are the widget's `index.html`, which tells them apart by its path.
pub async fn hub_page(State(state): State<AppState>, req: Request) -> ApiResult<Response> {
    let path = req.uri().path().to_string();
    let Some(dir) = state.settings.web_dir.clone() else {
        return Err(ApiError::not_found(
            "The hub page is not available: start the server with --web-dir",
        ));
    };
    let html = tokio::fs::read_to_string(dir.join("index.html"))
        .await
        .map_err(|_| ApiError::not_found("index.html is missing from --web-dir"))?;
    let hashes = inline_script_hashes(&html);
    let mut response = html.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    Ok(finish_with(&state, Page::Hub, &path, &hashes, response))
}

/// `/examples` and `/examples/`: the example host page.
pub async fn examples_index(State(state): State<AppState>) -> ApiResult<Response> {
    if state.settings.examples_dir.is_none() {
        return Err(ApiError::not_found("Not found"));
    }
    Ok(axum::response::Redirect::to("/examples/host.html").into_response())
}

/// `/examples/{*path}`: the files of `--examples-dir`, with the host-page policy.
pub async fn examples(
    State(state): State<AppState>,
    Path(file): Path<String>,
    req: Request,
) -> ApiResult<Response> {
    let Some(dir) = state.settings.examples_dir.clone() else {
        return Err(ApiError::not_found("Not found"));
    };
    let (mut parts, body) = req.into_parts();
    // The folder is served at its root: `/examples/host.js` is `<dir>/host.js`.
    parts.uri = format!("/{file}")
        .parse()
        .map_err(|_| ApiError::not_found("Not found"))?;
    let response = ServeDir::new(dir)
        .oneshot(Request::from_parts(parts, body))
        .await
        .map_err(ApiError::internal)?
        .map(Body::new);
    if !response.status().is_success() && response.status() != StatusCode::NOT_MODIFIED {
        return Err(ApiError::not_found("Not found"));
    }
    Ok(finish(&state, Page::Host, &file, response))
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
    use super::{inline_script_hashes, is_hashed};

    #[test]
    fn hashes_inline_scripts_only() {
        let html = "<head><script type=\"module\">import init from '/a.js';</script>\
                    <script src=\"/x.js\"></script><script>\n</script></head>";
        let hashes = inline_script_hashes(html);
        assert_eq!(hashes.len(), 2, "{hashes:?}");
        // `printf %s "import init from '/a.js';" | openssl dgst -sha256 -binary | base64`
        assert_eq!(
            hashes[0],
            "'sha256-aOee+rvEUMphqlepW7nBjXpcT6aM6jxNXbtEv0XP738='"
        );
        assert_ne!(hashes[0], hashes[1]);
        assert!(inline_script_hashes("<script>unterminated").is_empty());
    }

    #[test]
    fn recognises_trunk_hashed_names() {
        assert!(is_hashed("/linkhub-4f9a2b1c3d5e6f70_bg.wasm"));
        assert!(is_hashed("/linkhub-4f9a2b1c3d5e6f70.js"));
        assert!(is_hashed("/pkg-4f9a2b1c3d5e6f70/split_connector_page.wasm"));
        assert!(!is_hashed("/pkg/linkhub.js"));
        assert!(!is_hashed("/index.html"));
        assert!(!is_hashed("/linkhub.js"));
    }
}
