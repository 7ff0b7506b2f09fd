//! The OAuth 2 authorization-code flow (with `state` and PKCE S256) for `oauth2` connectors.
//!
//! The widget opens `/connect/oauth2/{integration_id}` in a popup for a connection attempt;
//! we redirect to the provider, take the code at `/connect/oauth2/callback`, exchange it at
//! the token URL, and in one write store the account (tokens sealed) and mark the attempt
//! `authenticated`; then a page tells the opener and says the window can close. When any
//! of that fails, the attempt is marked `error` (or, when even that cannot be written, the
//! failure is logged) and the page says the account could not be linked.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::Value;

use super::store::{self, PendingAttempt};
use crate::accounts::credentials::refuse_broken_rules;
use crate::accounts::link::{self, Linked};
use crate::auth::session_by_token;
use crate::clock::now;
use crate::connectors::visible;
use crate::crypto;
use crate::error::{ApiError, ApiResult};
use crate::i18n::{self, Lang};
use crate::sessions;
use crate::state::AppState;
use linkhub_protocol::hub::ErrorBody;

/// What an attempt's sealed setup values are bound to (their AES-GCM associated data).
pub(crate) fn values_context(attempt_id: &str) -> String {
    format!("attempt/{attempt_id}/values")
}

/// What an attempt's sealed PKCE verifier is bound to.
pub(crate) fn verifier_context(attempt_id: &str) -> String {
    format!("attempt/{attempt_id}/verifier")
}

const RESERVED: [&str; 2] = ["token", "connection_attempt_id"];

fn redirect_uri(state: &AppState) -> String {
    format!(
        "{}/connect/oauth2/callback",
        state.settings.public_url.trim_end_matches('/')
    )
}

#[utoipa::path(get, path = "/connect/oauth2/{integration_id}", tag = "oauth",
    params(("integration_id" = String, Path),
        ("token" = String, Query, description = "Session token"),
        ("connection_attempt_id" = String, Query)),
    responses((status = 303, description = "Redirect to the provider's authorize URL"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn start(
    State(state): State<AppState>,
    Path(integration_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let token = query
        .get("token")
        .ok_or_else(|| ApiError::unauthorized("Missing token"))?;
    let session = session_by_token(&state, token).await?;
    let attempt_id = query
        .get("connection_attempt_id")
        .ok_or_else(|| ApiError::bad_request("Missing connection_attempt_id"))?;
    let connector = state
        .catalog
        .get(&integration_id)
        .filter(|c| visible(&session, c))
        .ok_or_else(|| ApiError::not_found("Unknown connector"))?;
    let oauth = connector
        .oauth2
        .as_ref()
        .ok_or_else(|| ApiError::bad_request("This connector does not use OAuth"))?;
    let values: BTreeMap<String, String> = query
        .iter()
        .filter(|(k, _)| !RESERVED.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    refuse_broken_rules(connector.validate(&values))?;
    let oauth_state = crypto::random_token(32);
    let verifier = crypto::random_token(48);
    let sealed_values = state.key.seal(
        &values_context(attempt_id),
        &serde_json::to_string(&values).unwrap_or_default(),
    );
    let started = store::start(
        &state.db,
        attempt_id,
        &session.id,
        &crypto::sha256_hex(&oauth_state),
        &state.key.seal(&verifier_context(attempt_id), &verifier),
        &sealed_values,
        &connector.summary.integration_id,
    )
    .await?;
    if !started {
        return Err(ApiError::not_found(
            "Connection attempt not found, finished or expired",
        ));
    }
    let mut url = url::Url::parse(&oauth.authorize_url)
        .map_err(|e| ApiError::internal(format!("authorize_url: {e}")))?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &oauth.client_id)
        .append_pair("redirect_uri", &redirect_uri(&state))
        .append_pair("state", &oauth_state)
        .append_pair("code_challenge", &crypto::pkce_challenge(&verifier))
        .append_pair("code_challenge_method", "S256");
    if !oauth.scopes.is_empty() {
        url.query_pairs_mut()
            .append_pair("scope", &oauth.scopes.join(" "));
    }
    let mut response = Redirect::to(url.as_str()).into_response();
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Why a callback failed, recorded on the attempt.
struct Failure {
    code: &'static str,
    description: String,
    /// A fault of the server (logged as an error), not of the provider or the user.
    internal: bool,
}

fn fail(code: &'static str, description: impl Into<String>) -> Failure {
    Failure {
        code,
        description: description.into(),
        internal: false,
    }
}

/// A server fault: `cause` goes to the log, the attempt says only that it failed.
fn internal(attempt_id: &str, cause: impl std::fmt::Display) -> Failure {
    tracing::error!(attempt = %attempt_id, %cause, "oauth callback: could not finish the attempt");
    Failure {
        code: "internal",
        description: "The server could not save the linked account".into(),
        internal: true,
    }
}

#[utoipa::path(get, path = "/connect/oauth2/callback", tag = "oauth",
    params(("code" = Option<String>, Query), ("state" = Option<String>, Query),
        ("error" = Option<String>, Query)),
    responses((status = 200, description = "HTML page that reports the result to the opener")))]
pub async fn callback(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    // Until the attempt is known, the popup's own languages decide.
    let lang = i18n::current();
    let Some(oauth_state) = query.get("state") else {
        return page(
            StatusCode::BAD_REQUEST,
            "",
            "error",
            lang,
            "oauth_page_incomplete",
        );
    };
    let attempt = match store::pending_by_state(&state.db, &crypto::sha256_hex(oauth_state)).await {
        Ok(Some(attempt)) => attempt,
        Ok(None) => {
            return page(
                StatusCode::BAD_REQUEST,
                "",
                "error",
                lang,
                "oauth_page_unknown",
            );
        }
        Err(e) => {
            tracing::error!(error = %e, "oauth callback lookup failed");
            return page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "",
                "error",
                lang,
                "server_error_title",
            );
        }
    };
    // The widget's language, recorded when it created the attempt.
    let lang = attempt
        .locale
        .as_deref()
        .and_then(Lang::from_tag)
        .unwrap_or(lang);
    match finish(&state, &attempt, &query).await {
        Ok(_) => page(
            StatusCode::OK,
            &attempt.id,
            "authenticated",
            lang,
            "oauth_page_linked",
        ),
        Err(f) => {
            if !f.internal {
                tracing::warn!(attempt = %attempt.id, code = f.code, "oauth attempt failed");
            }
            if let Err(e) = store::failed(&state.db, &attempt.id, f.code, &f.description).await {
                tracing::error!(attempt = %attempt.id, error = %e,
                    "oauth callback: could not record the attempt's failure");
            }
            let status = if f.internal {
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                StatusCode::OK
            };
            page(status, &attempt.id, "error", lang, "oauth_page_failed")
        }
    }
}

/// Exchanges the code, then links the account and marks the attempt authenticated in one
/// write: the linked account's id.
async fn finish(
    state: &AppState,
    attempt: &PendingAttempt,
    query: &HashMap<String, String>,
) -> Result<String, Failure> {
    let attempt_id = attempt.id.as_str();
    if let Some(error) = query.get("error") {
        return Err(fail(
            "provider_error",
            format!(
                "The provider refused: {error} {}",
                query.get("error_description").map_or("", String::as_str)
            )
            .trim()
            .to_string(),
        ));
    }
    let code = query
        .get("code")
        .ok_or_else(|| fail("missing_code", "The provider sent no code"))?;
    if attempt.expires_at <= now() {
        return Err(fail("expired", "The attempt expired"));
    }
    let verifier = state
        .key
        .open(
            &verifier_context(attempt_id),
            attempt.code_verifier.as_deref().unwrap_or_default(),
        )
        .map_err(|e| internal(attempt_id, format!("verifier: {e}")))?;
    let values: BTreeMap<String, String> = match &attempt.setup_values {
        Some(sealed) => {
            let json = state
                .key
                .open(&values_context(attempt_id), sealed)
                .map_err(|e| internal(attempt_id, format!("values: {e}")))?;
            serde_json::from_str(&json).map_err(|e| internal(attempt_id, format!("values: {e}")))?
        }
        None => BTreeMap::new(),
    };
    let session = match sessions::store::by_id(&state.db, &attempt.session_id).await {
        Ok(Some(s)) if s.expires_at > now() => s,
        Ok(_) => return Err(fail("session_expired", "The session expired")),
        Err(e) => return Err(internal(attempt_id, e)),
    };
    let connector = attempt
        .integration_id
        .as_deref()
        .and_then(|id| state.catalog.get(id))
        .ok_or_else(|| fail("unknown_connector", "The connector is gone"))?;
    let oauth = connector
        .oauth2
        .as_ref()
        .ok_or_else(|| fail("unknown_connector", "The connector has no OAuth settings"))?;
    let mut form = vec![
        ("grant_type", "authorization_code".to_string()),
        ("code", code.clone()),
        ("redirect_uri", redirect_uri(state)),
        ("code_verifier", verifier),
        ("client_id", oauth.client_id.clone()),
    ];
    if let Some(secret) = oauth
        .client_secret_env
        .as_deref()
        .and_then(|name| std::env::var(name).ok())
    {
        form.push(("client_secret", secret));
    }
    let response = state
        .http
        .post(&oauth.token_url)
        .header(header::ACCEPT, "application/json")
        .form(&form)
        .send()
        .await
        .map_err(|e| {
            fail(
                "token_exchange_failed",
                format!("Token endpoint unreachable: {e}"),
            )
        })?;
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        let reason = body
            .get("error")
            .and_then(Value::as_str)
            .unwrap_or("unknown error")
            .to_string();
        return Err(fail(
            "token_exchange_failed",
            format!("Token endpoint answered {status}: {reason}"),
        ));
    }
    let mut tokens = BTreeMap::new();
    for k in [
        "access_token",
        "refresh_token",
        "token_type",
        "scope",
        "id_token",
    ] {
        if let Some(v) = body.get(k).and_then(Value::as_str) {
            tokens.insert(k.to_string(), v.to_string());
        }
    }
    if let Some(secs) = body.get("expires_in").and_then(Value::as_i64) {
        tokens.insert("expires_at".into(), (now() + secs).to_string());
    }
    if !tokens.contains_key("access_token") {
        return Err(fail(
            "token_exchange_failed",
            "The token response had no access_token",
        ));
    }
    let authenticated = |account_id: &str| store::authenticated(attempt_id, account_id);
    match link::link(
        state,
        &session,
        connector,
        &values,
        &tokens,
        &link::LinkCheck::default(),
        None,
        Some(&authenticated),
    )
    .await
    {
        Ok(Linked::Account { account, .. }) => Ok(account.id),
        Ok(Linked::FollowUpRefused) => Err(fail(
            "attempt_finished",
            "The attempt was finished or cancelled meanwhile",
        )),
        Ok(Linked::KeyTaken) => Err(internal(attempt_id, "a link without a key was refused")),
        Err(ApiError::Internal(cause)) => Err(internal(attempt_id, cause)),
        Err(e) => Err(fail("link_failed", e.body().message)),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The small result page, saying the catalog's `message` in `lang`. No inline script:
/// `callback.js` reads the data attributes.
fn page(status: StatusCode, attempt_id: &str, result: &str, lang: Lang, message: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"{}\" dir=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>linkhub</title><script src=\"/connect/oauth2/callback.js\" defer></script></head>\
         <body data-attempt-id=\"{}\" data-status=\"{}\"><main><p role=\"status\">{}</p></main>\
         </body></html>",
        lang.code(),
        lang.dir(),
        escape(attempt_id),
        escape(result),
        escape(&lang.text(message))
    );
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; base-uri 'none'; form-action 'none'; \
             frame-ancestors 'none'",
        ),
    );
    response
}

const CALLBACK_JS: &str = r#"// Tells the hub window that opened this popup how the OAuth attempt ended.
(function () {
  var body = document.body;
  var message = {
    type: "linkhub:oauth",
    attemptId: body.getAttribute("data-attempt-id"),
    status: body.getAttribute("data-status")
  };
  if (window.opener && message.attemptId) {
    try { window.opener.postMessage(message, window.location.origin); } catch (e) {}
  }
  if (message.status === "authenticated") {
    setTimeout(function () { try { window.close(); } catch (e) {} }, 1500);
  }
})();
"#;

#[utoipa::path(get, path = "/connect/oauth2/callback.js", tag = "oauth",
    responses((status = 200, description = "Script of the callback page", content_type = "text/javascript")))]
pub async fn callback_js() -> Response {
    let mut response = CALLBACK_JS.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    response
}
