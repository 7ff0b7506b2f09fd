//! An OAuth2 provider on loopback, owned by the tests (no npm package, no other process):
//! the authorization-code grant of RFC 6749 §4.1 with PKCE (RFC 7636, S256), as strict as a
//! real provider about what the flow checks. `/authorize` checks the client and its redirect
//! URI (a wrong one gets an error page, never a redirect), then the request, and redirects back
//! with a one-time code and the state; `/token` authenticates the client (secret in the form
//! or HTTP Basic, when the client has one) and exchanges a code once, for the same client and
//! redirect URI, when the PKCE verifier matches the challenge. The end-to-end tests have the
//! same provider in JavaScript (`tests/e2e/oauth-provider.mjs`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::json;
use sha2::{Digest, Sha256};

const CODE_LIFETIME: Duration = Duration::from_secs(60);

/// A running provider; stopped when dropped.
pub struct OAuthProvider {
    /// `http://127.0.0.1:<port>`: `/authorize` and `/token` are under it.
    pub base: String,
    inner: Arc<Inner>,
    task: tokio::task::JoinHandle<()>,
}

struct Inner {
    client_id: String,
    client_secret: Option<String>,
    /// The one redirect URI registered for the client (any, until one is set).
    redirect_uri: Mutex<Option<String>>,
    codes: Mutex<HashMap<String, Grant>>,
    log: Mutex<Vec<(&'static str, String)>>,
}

struct Grant {
    client_id: String,
    redirect_uri: String,
    challenge: String,
    scope: String,
    expires: Instant,
}

impl OAuthProvider {
    /// Starts the provider on 127.0.0.1 with a free port, for one registered client.
    pub async fn start(client_id: &str, client_secret: Option<&str>) -> OAuthProvider {
        let inner = Arc::new(Inner {
            client_id: client_id.to_owned(),
            client_secret: client_secret.map(str::to_owned),
            redirect_uri: Mutex::new(None),
            codes: Mutex::new(HashMap::new()),
            log: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the OAuth provider");
        let base = format!(
            "http://{}",
            listener.local_addr().expect("the provider's address")
        );
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("OAuth provider");
        });
        OAuthProvider { base, inner, task }
    }

    /// Registers the client's one redirect URI: any other is refused from now on.
    pub fn register_redirect_uri(&self, uri: &str) {
        *self.inner.redirect_uri.lock().expect("lock") = Some(uri.to_owned());
    }

    /// What each request got, in order: (`"authorize"` or `"token"`, `"code"`, `"tokens"` or
    /// the OAuth error code).
    pub fn outcomes(&self) -> Vec<(&'static str, String)> {
        self.inner.log.lock().expect("lock").clone()
    }
}

impl Drop for OAuthProvider {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Inner {
    fn note(&self, endpoint: &'static str, outcome: &str) {
        self.log
            .lock()
            .expect("lock")
            .push((endpoint, outcome.to_owned()));
    }
}

fn error_page(inner: &Inner, outcome: &str, text: &str) -> Response {
    inner.note("authorize", outcome);
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        format!("<!doctype html><title>Test provider</title><p>{text}</p>"),
    )
        .into_response()
}

fn redirect(to: &url::Url) -> Response {
    (
        StatusCode::FOUND,
        [(header::LOCATION, to.as_str().to_owned())],
    )
        .into_response()
}

async fn authorize(
    State(inner): State<Arc<Inner>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let param = |k: &str| q.get(k).map(String::as_str).unwrap_or_default();
    // §4.1.2.1: an unknown client or redirect URI is told to the user, not redirected to.
    if param("client_id") != inner.client_id {
        return error_page(&inner, "unknown_client", "Unknown client.");
    }
    let registered = inner.redirect_uri.lock().expect("lock").clone();
    let back = match url::Url::parse(param("redirect_uri")) {
        Ok(url)
            if registered
                .as_deref()
                .is_none_or(|r| r == param("redirect_uri")) =>
        {
            url
        }
        _ => return error_page(&inner, "bad_redirect_uri", "Unregistered redirect URI."),
    };
    let refuse = |error: &str| {
        inner.note("authorize", error);
        let mut to = back.clone();
        to.query_pairs_mut().append_pair("error", error);
        if !param("state").is_empty() {
            to.query_pairs_mut().append_pair("state", param("state"));
        }
        redirect(&to)
    };
    if param("response_type") != "code" {
        return refuse("unsupported_response_type");
    }
    let challenge = param("code_challenge");
    let challenge_ok = challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if param("state").is_empty() || param("code_challenge_method") != "S256" || !challenge_ok {
        return refuse("invalid_request");
    }
    let code = uuid::Uuid::new_v4().simple().to_string();
    inner.codes.lock().expect("lock").insert(
        code.clone(),
        Grant {
            client_id: inner.client_id.clone(),
            redirect_uri: param("redirect_uri").to_owned(),
            challenge: challenge.to_owned(),
            scope: param("scope").to_owned(),
            expires: Instant::now() + CODE_LIFETIME,
        },
    );
    inner.note("authorize", "code");
    let mut to = back;
    to.query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", param("state"));
    redirect(&to)
}

async fn token(State(inner): State<Arc<Inner>>, headers: HeaderMap, body: String) -> Response {
    let refuse = |status: StatusCode, error: &str| {
        inner.note("token", error);
        (status, axum::Json(json!({ "error": error }))).into_response()
    };
    let form_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form_type {
        return refuse(StatusCode::BAD_REQUEST, "invalid_request");
    }
    let form: HashMap<String, String> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let field = |k: &str| form.get(k).cloned().unwrap_or_default();
    // §2.3.1: the client's credentials in HTTP Basic, or in the form.
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok());
    let (id, secret) = match basic.as_deref().and_then(|b| b.split_once(':')) {
        Some((id, secret)) => (id.to_owned(), Some(secret.to_owned())),
        None => (field("client_id"), form.get("client_secret").cloned()),
    };
    let secret_ok = match &inner.client_secret {
        Some(expected) => secret.as_deref() == Some(expected.as_str()),
        None => true,
    };
    if id != inner.client_id || !secret_ok {
        return refuse(StatusCode::UNAUTHORIZED, "invalid_client");
    }
    if field("grant_type") != "authorization_code" {
        return refuse(StatusCode::BAD_REQUEST, "unsupported_grant_type");
    }
    // A code is used once, whatever the outcome (§4.1.2).
    let grant = inner.codes.lock().expect("lock").remove(&field("code"));
    let Some(grant) = grant.filter(|g| g.expires > Instant::now() && g.client_id == id) else {
        return refuse(StatusCode::BAD_REQUEST, "invalid_grant");
    };
    let verifier = field("code_verifier");
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    if field("redirect_uri") != grant.redirect_uri
        || verifier.is_empty()
        || challenge != grant.challenge
    {
        return refuse(StatusCode::BAD_REQUEST, "invalid_grant");
    }
    inner.note("token", "tokens");
    let token = |prefix: &str| format!("{prefix}-{}", uuid::Uuid::new_v4().simple());
    (
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(json!({
            "access_token": token("at"),
            "refresh_token": token("rt"),
            "token_type": "Bearer",
            "expires_in": 3600,
            "scope": grant.scope,
        })),
    )
        .into_response()
}
