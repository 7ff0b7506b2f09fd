//! The OAuth 2 authorization-code flow (with `state` and PKCE S256) for `oauth2` connectors.
//!
//! The widget opens `/connect/oauth2/{integration_id}` in a popup for a connection attempt;
//! we redirect to the provider, take the code at `/connect/oauth2/callback`, exchange it at
//! the token URL, store the tokens sealed, mark the attempt `authenticated`, and show a page
//! that tells the opener and says the window can close.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::Value;
use sqlx::Row;

use crate::crypto;
use crate::db::now;
use crate::error::{ApiError, ApiResult};
use crate::hub::visible;
use crate::i18n::{self, Lang};
use crate::state::AppState;
use crate::store;
use linkhub_protocol::hub::ErrorBody;

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
    let session = store::session_by_token(&state.db, token).await?;
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
    crate::hub::refuse_broken_rules(connector.validate(&values))?;
    let oauth_state = crypto::random_token(32);
    let verifier = crypto::random_token(48);
    let sealed_values = state.key.seal(
        &format!("attempt/{attempt_id}/values"),
        &serde_json::to_string(&values).unwrap_or_default(),
    );
    let updated = sqlx::query(
        "UPDATE connection_attempts SET state_hash = $1, code_verifier = $2, setup_values = $3, \
         integration_id = $4 WHERE id = $5 AND session_id = $6 AND status = 'pending' \
         AND expires_at > $7",
    )
    .bind(crypto::sha256_hex(&oauth_state))
    .bind(
        state
            .key
            .seal(&format!("attempt/{attempt_id}/verifier"), &verifier),
    )
    .bind(sealed_values)
    .bind(&connector.summary.integration_id)
    .bind(attempt_id)
    .bind(&session.id)
    .bind(now())
    .execute(&mut *state.db.writer().await?)
    .await?;
    if updated.rows_affected() == 0 {
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
    let row = match sqlx::query(
        "SELECT id, session_id, integration_id, code_verifier, setup_values, expires_at, \
         locale FROM connection_attempts WHERE state_hash = $1 AND status = 'pending'",
    )
    .bind(crypto::sha256_hex(oauth_state))
    .fetch_optional(&state.db.pool)
    .await
    {
        Ok(Some(row)) => row,
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
    let attempt_id: String = row.try_get("id").unwrap_or_default();
    // The widget's language, recorded when it created the attempt.
    let lang = row
        .try_get::<Option<String>, _>("locale")
        .ok()
        .flatten()
        .and_then(|code| Lang::from_tag(&code))
        .unwrap_or(lang);
    let result = finish(&state, &row, &attempt_id, &query).await;
    match result {
        Ok(account_id) => {
            let _ = state
                .db
                .execute_write(
                    sqlx::query(
                        "UPDATE connection_attempts SET status = 'authenticated', \
                         account_id = $1, code_verifier = NULL, setup_values = NULL \
                         WHERE id = $2",
                    )
                    .bind(&account_id)
                    .bind(&attempt_id),
                )
                .await;
            state.webhook_wake.notify_one();
            page(
                StatusCode::OK,
                &attempt_id,
                "authenticated",
                lang,
                "oauth_page_linked",
            )
        }
        Err(f) => {
            tracing::warn!(attempt = %attempt_id, code = f.code, "oauth attempt failed");
            let _ = state
                .db
                .execute_write(
                    sqlx::query(
                        "UPDATE connection_attempts SET status = 'error', error_code = $1, \
                         error_description = $2, code_verifier = NULL, setup_values = NULL \
                         WHERE id = $3",
                    )
                    .bind(f.code)
                    .bind(&f.description)
                    .bind(&attempt_id),
                )
                .await;
            page(
                StatusCode::OK,
                &attempt_id,
                "error",
                lang,
                "oauth_page_failed",
            )
        }
    }
}

async fn finish(
    state: &AppState,
    row: &sqlx::any::AnyRow,
    attempt_id: &str,
    query: &HashMap<String, String>,
) -> Result<String, Failure> {
    let fail = |code: &'static str, description: String| Failure { code, description };
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
        .ok_or_else(|| fail("missing_code", "The provider sent no code".into()))?;
    let expires_at: i64 = row.try_get("expires_at").unwrap_or(0);
    if expires_at <= now() {
        return Err(fail("expired", "The attempt expired".into()));
    }
    let internal = |what: &str| fail("internal", format!("Could not read the attempt ({what})"));
    let session_id: String = row.try_get("session_id").map_err(|_| internal("session"))?;
    let integration_id: Option<String> = row
        .try_get("integration_id")
        .map_err(|_| internal("integration"))?;
    let verifier: Option<String> = row
        .try_get("code_verifier")
        .map_err(|_| internal("verifier"))?;
    let values: Option<String> = row
        .try_get("setup_values")
        .map_err(|_| internal("values"))?;
    let verifier = state
        .key
        .open(
            &format!("attempt/{attempt_id}/verifier"),
            &verifier.unwrap_or_default(),
        )
        .map_err(|_| internal("verifier"))?;
    let values: BTreeMap<String, String> = values
        .and_then(|v| {
            state
                .key
                .open(&format!("attempt/{attempt_id}/values"), &v)
                .ok()
        })
        .and_then(|v| serde_json::from_str(&v).ok())
        .unwrap_or_default();
    let session = store::session_by_id(&state.db, &session_id)
        .await
        .map_err(|_| fail("session_expired", "The session expired".into()))?;
    let connector = integration_id
        .as_deref()
        .and_then(|id| state.catalog.get(id))
        .ok_or_else(|| fail("unknown_connector", "The connector is gone".into()))?;
    let oauth = connector.oauth2.as_ref().ok_or_else(|| {
        fail(
            "unknown_connector",
            "The connector has no OAuth settings".into(),
        )
    })?;
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
            "The token response had no access_token".into(),
        ));
    }
    let linked = store::link_account(
        &state.db,
        &state.key,
        &state.catalog,
        &session,
        connector,
        &values,
        &tokens,
    )
    .await
    .map_err(|e| fail("link_failed", e.body().message))?;
    Ok(linked.account.id)
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
