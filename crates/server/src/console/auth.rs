//! Who is signed in to the console, and proof that a form came from the console.
//!
//! Signing in with the project API key starts a console session: a random cookie value
//! (HttpOnly, SameSite=Strict, Path=/console) of which only a hash is stored, with an
//! expiry and the key's hash at sign-in, so replacing the API key signs everyone out.
//! Every POST form carries the session's CSRF token in a hidden field; the sign-in form,
//! before there is a session, carries a token that must match a short-lived cookie.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};

use super::{ConsoleError, store};
use crate::clock::now;
use crate::crypto;
use crate::state::AppState;

/// The session cookie.
pub const SESSION_COOKIE: &str = "lh_console";
/// The sign-in form's token cookie (before there is a session).
pub const SIGN_IN_COOKIE: &str = "lh_console_sign_in";
/// How long a console sign-in lasts.
pub const SESSION_TTL_SECS: i64 = 12 * 3600;
/// How long the sign-in form may stay open.
pub const SIGN_IN_TTL_SECS: i64 = 3600;

/// The value of a request cookie.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` value scoped to the console; `max_age` 0 deletes the cookie.
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if state.settings.public_url.starts_with("https:") {
        "; Secure"
    } else {
        ""
    };
    let text = format!(
        "{name}={value}; Path=/console; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    );
    // Names are constants and values base64url, so this never fails; an empty cookie
    // (which signs nobody in) is the harmless fallback.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("lh_console="))
}

/// Whether `api_key` is the project's key (compared as hashes, in constant time).
pub fn is_project_key(state: &AppState, api_key: &str) -> bool {
    crypto::constant_time_eq(
        &crypto::sha256_hex(api_key.trim()),
        &state.project.api_key_hash,
    )
}

/// A started console session: the cookie value to set.
pub async fn start_session(state: &AppState) -> Result<String, ConsoleError> {
    let token = crypto::random_token(32);
    let t = now();
    store::insert(
        &state.db,
        &crypto::sha256_hex(&token),
        &state.project.id,
        &state.project.api_key_hash,
        &crypto::random_token(32),
        t,
        t + SESSION_TTL_SECS,
    )
    .await?;
    Ok(token)
}

/// A request from a signed-in operator. Rejected with a redirect to the sign-in page.
#[derive(Debug, Clone)]
pub struct Operator {
    id_hash: String,
    /// The token every POST form of this session must carry.
    pub csrf: String,
}

impl Operator {
    /// Refuses a form whose CSRF token is missing or not this session's.
    pub fn check_csrf(&self, submitted: &str) -> Result<(), ConsoleError> {
        if !submitted.is_empty() && crypto::constant_time_eq(submitted, &self.csrf) {
            Ok(())
        } else {
            Err(ConsoleError::Csrf)
        }
    }

    /// Ends this session.
    pub async fn sign_out(&self, state: &AppState) -> Result<(), ConsoleError> {
        store::delete(&state.db, &self.id_hash).await?;
        Ok(())
    }
}

impl FromRequestParts<AppState> for Operator {
    type Rejection = ConsoleError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Operator, ConsoleError> {
        operator(&parts.headers, state)
            .await?
            .ok_or(ConsoleError::SignIn)
    }
}

/// The operator signed in by these headers' cookie, if any.
pub async fn operator(
    headers: &HeaderMap,
    state: &AppState,
) -> Result<Option<Operator>, ConsoleError> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let id_hash = crypto::sha256_hex(token);
    let Some(row) = store::by_id_hash(&state.db, &id_hash, &state.project.id).await? else {
        return Ok(None);
    };
    if row.expires_at <= now() || row.key_hash != state.project.api_key_hash {
        return Ok(None);
    }
    Ok(Some(Operator {
        id_hash,
        csrf: row.csrf_token,
    }))
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue, header};

    use super::cookie;

    #[test]
    fn reads_one_cookie_among_several_headers_and_pairs() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; lh_console_x=2"),
        );
        h.append(
            header::COOKIE,
            HeaderValue::from_static("lh_console=tok; b=3"),
        );
        assert_eq!(cookie(&h, "lh_console"), Some("tok"));
        assert_eq!(cookie(&h, "lh_console_x"), Some("2"));
        assert_eq!(cookie(&h, "missing"), None);
    }
}
