//! One error type for every handler, rendered as `{statusCode, message, fields?}`.
//!
//! Client mistakes get a 4xx with a message that names the problem but never echoes a
//! submitted value (it might be a secret); server faults get a bare 500 and the cause
//! goes to the log only.

use std::collections::BTreeMap;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderValue, StatusCode, header, request::Parts};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::i18n::{self, Text};
use linkhub_protocol::hub::ErrorBody;

/// A failed request.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    Status { status: StatusCode, message: String },
    /// A developer's request refused field by field (English).
    #[error("invalid request fields")]
    Fields {
        message: String,
        fields: BTreeMap<String, String>,
    },
    /// An end user's values refused field by field, told in the request's language.
    #[error("invalid credentials")]
    UserFields {
        message: Text,
        fields: BTreeMap<String, Text>,
    },
    /// A refusal with a stable `code` (extension of the error body) the widget acts on.
    #[error("{message}")]
    Coded {
        status: StatusCode,
        code: &'static str,
        message: String,
    },
    #[error("internal error: {0}")]
    Internal(String),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError::Status {
            status,
            message: message.into(),
        }
    }
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }
    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, message)
    }
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }
    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, message)
    }
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        ApiError::Internal(cause.to_string())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Status { status, .. } | ApiError::Coded { status, .. } => *status,
            ApiError::Fields { .. } | ApiError::UserFields { .. } => StatusCode::BAD_REQUEST,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn body(&self) -> ErrorBody {
        let status_code = self.status().as_u16();
        match self {
            ApiError::Status { message, .. } => ErrorBody {
                status_code,
                message: message.clone(),
                provider_response: None,
                fields: None,
                code: None,
            },
            ApiError::Coded { message, code, .. } => ErrorBody {
                status_code,
                message: message.clone(),
                provider_response: None,
                fields: None,
                code: Some(code.to_string()),
            },
            ApiError::Fields { message, fields } => ErrorBody {
                status_code,
                message: message.clone(),
                provider_response: None,
                fields: Some(fields.clone()),
                code: None,
            },
            ApiError::UserFields { message, fields } => {
                let lang = i18n::current();
                ErrorBody {
                    status_code,
                    message: message.localize(lang),
                    provider_response: None,
                    fields: Some(
                        fields
                            .iter()
                            .map(|(k, t)| (k.clone(), t.localize(lang)))
                            .collect(),
                    ),
                    code: None,
                }
            }
            ApiError::Internal(_) => ErrorBody {
                status_code,
                message: "Internal server error".into(),
                provider_response: None,
                fields: None,
                code: None,
            },
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> ApiError {
        ApiError::Internal(format!("database: {e}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(cause) = &self {
            tracing::error!(%cause, "request failed");
        }
        json_response(self.status(), &self.body())
    }
}

/// A JSON response with the given status.
pub fn json_response<T: serde::Serialize>(status: StatusCode, body: &T) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// A JSON body extractor whose rejections are [`ApiError`]s with safe messages.
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| {
                let v = v.trim().to_ascii_lowercase();
                v == "application/json" || v.ends_with("+json")
            })
            .unwrap_or(false);
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Expected a body with Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                ApiError::bad_request("Could not read the request body")
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses a JSON body, describing problems without quoting submitted values.
///
/// Every body of the API is a JSON object (serde would take `[]` for a struct of optional
/// fields), and no text in it may hold U+0000: PostgreSQL cannot store that character, so
/// it is refused here, for both databases alike, naming the field.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    let first = bytes
        .iter()
        .copied()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
    if first.is_some_and(|b| b != b'{') {
        return Err(ApiError::bad_request(
            "Invalid request body: expected a JSON object",
        ));
    }
    // JSON can only carry U+0000 escaped (a raw control character is malformed).
    if contains(bytes, br"\u0000")
        && let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes)
        && let Some(field) = nul_field(&value, String::new())
    {
        return Err(nul_error(field));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        use serde_json::error::Category;
        match e.classify() {
            Category::Data => ApiError::bad_request(format!(
                "Invalid request body: {}",
                scrub_serde_message(&e.to_string())
            )),
            Category::Syntax | Category::Eof | Category::Io => ApiError::bad_request(format!(
                "Malformed JSON at line {} column {}",
                e.line(),
                e.column()
            )),
        }
    })
}

/// serde quotes offending values (`invalid type: string "hunter2"`): drop the quoted part.
fn scrub_serde_message(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut in_quote = false;
    let mut chars = message.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if !in_quote => {
                in_quote = true;
                out.push_str("\"…\"");
            }
            '"' => in_quote = false,
            '\\' if in_quote => {
                chars.next();
            }
            _ if in_quote => {}
            _ => out.push(c),
        }
    }
    out
}

/// U+0000, which no stored text may hold.
pub const NUL_MESSAGE: &str = "Must not contain the NUL character (U+0000)";

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The path (`metadata.note`, `categories[1]`; a credential by its key) of the first text
/// holding U+0000, in a key or a value.
fn nul_field(value: &serde_json::Value, at: String) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::String(s) if s.contains('\0') => Some(at),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| nul_field(v, format!("{at}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            // A credential is named by its own key (`api_key`), as the credential checks
            // name them, so the widget shows the error at its input.
            let here = if at.is_empty() || at == "credentials" {
                k.clone()
            } else {
                format!("{at}.{k}")
            };
            if k.contains('\0') {
                // The key itself cannot be named: name where it is.
                Some(if at.is_empty() {
                    "body".into()
                } else {
                    at.clone()
                })
            } else {
                nul_field(v, here)
            }
        }),
        _ => None,
    }
}

fn nul_error(field: String) -> ApiError {
    let field = field.replace('\0', "");
    ApiError::Fields {
        message: format!("Invalid request: `{field}` contains the NUL character (U+0000)"),
        fields: BTreeMap::from([(field, NUL_MESSAGE.to_string())]),
    }
}

/// Where a request's URI holds U+0000 (`%00`; a raw NUL cannot be in a URI).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NulInUri {
    /// In the path: it names nothing that can exist.
    Path,
    /// In the query string, under this parameter.
    Query(String),
}

/// Finds U+0000 in a URI's path or query.
pub fn nul_in_uri(uri: &axum::http::Uri) -> Option<NulInUri> {
    if uri.path().contains("%00") {
        return Some(NulInUri::Path);
    }
    let query = uri.query().filter(|q| q.contains("%00"))?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, v)| k.contains('\0') || v.contains('\0'))
        .map(|(k, _)| NulInUri::Query(k.replace('\0', "")))
}

/// Middleware: a path holding U+0000 is a 404 and a query value holding one a 400 that
/// names the parameter, before any handler (and any database) sees them. The console
/// has its own, answering with pages.
pub async fn refuse_nul(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path == "/console" || path.starts_with("/console/") {
        return next.run(req).await;
    }
    match nul_in_uri(req.uri()) {
        None => next.run(req).await,
        Some(NulInUri::Path) => ApiError::not_found("Not found").into_response(),
        Some(NulInUri::Query(name)) => ApiError::Fields {
            message: format!("Invalid query string: `{name}` contains the NUL character (U+0000)"),
            fields: BTreeMap::from([(name, NUL_MESSAGE.to_string())]),
        }
        .into_response(),
    }
}

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "Request body too large (limit 64 KiB)",
    )
}

/// A query-string extractor with JSON errors.
#[derive(Debug, Clone)]
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        serde_urlencoded_from_str(query)
            .map(ApiQuery)
            .map_err(|e| ApiError::bad_request(format!("Invalid query string: {e}")))
    }
}

fn serde_urlencoded_from_str<T: DeserializeOwned>(query: &str) -> Result<T, String> {
    axum::extract::Query::<T>::try_from_uri(
        &format!("/?{query}")
            .parse()
            .map_err(|_| "malformed query".to_string())?,
    )
    .map(|q| q.0)
    .map_err(|e| scrub_serde_message(&e.body_text()))
}

/// Middleware: any error response that is not already JSON (axum's own rejections,
/// 405, the body limit's 413…) is rewritten as an [`ErrorBody`]. HTML pages (the
/// operator console's error pages) are left as they are.
pub async fn json_errors(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json_or_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("text/html"));
    if is_json_or_html {
        return response;
    }
    let message = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "Request body too large (limit 64 KiB)".to_string(),
        StatusCode::METHOD_NOT_ALLOWED => "Method not allowed for this path".to_string(),
        StatusCode::NOT_FOUND => "Not found".to_string(),
        s if s.is_server_error() => "Internal server error".to_string(),
        s => s.canonical_reason().unwrap_or("Bad request").to_string(),
    };
    let (mut parts, _) = response.into_parts();
    let mut rebuilt = json_response(
        status,
        &ErrorBody {
            status_code: status.as_u16(),
            message,
            provider_response: None,
            fields: None,
            code: None,
        },
    );
    // Keep CORS and other headers, but not the old body's length or type.
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_TYPE);
    for (name, value) in parts.headers.drain().filter_map(|(n, v)| n.map(|n| (n, v))) {
        rebuilt.headers_mut().entry(name).or_insert(value);
    }
    rebuilt
}

#[cfg(test)]
mod tests {
    use super::scrub_serde_message;

    #[test]
    fn serde_messages_lose_quoted_values() {
        let m = scrub_serde_message(r#"invalid type: string "hunter2", expected a map"#);
        assert!(!m.contains("hunter2"), "{m}");
        assert!(m.contains("expected a map"));
    }
}
