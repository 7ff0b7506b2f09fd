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
            ApiError::Status { status, .. } => *status,
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
            },
            ApiError::Fields { message, fields } => ErrorBody {
                status_code,
                message: message.clone(),
                provider_response: None,
                fields: Some(fields.clone()),
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
                }
            }
            ApiError::Internal(_) => ErrorBody {
                status_code,
                message: "Internal server error".into(),
                provider_response: None,
                fields: None,
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
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
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
