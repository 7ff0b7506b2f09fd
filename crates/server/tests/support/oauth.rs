//! An OAuth 2 provider owned by the test (authorization code with PKCE S256), on a free
//! loopback port: `/authorize` sends the browser back with a code, `/token` exchanges it
//! once, checking the verifier. No external mock server to install.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Form, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;
use sha2::{Digest, Sha256};

#[derive(Default)]
struct Codes {
    /// Code → its PKCE challenge.
    issued: HashMap<String, String>,
}

type Shared = Arc<Mutex<Codes>>;

/// A running provider; its base URL is `base`.
pub struct Provider {
    pub base: String,
}

impl Provider {
    pub async fn start() -> Provider {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let app = axum::Router::new()
            .route("/authorize", axum::routing::get(authorize))
            .route("/token", axum::routing::post(token))
            .with_state(Shared::default());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Provider { base }
    }

    /// A copy of the test catalog whose OAuth connector points here.
    pub fn catalog(&self) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("dir");
        for entry in std::fs::read_dir(super::test_catalog()).expect("catalog") {
            let entry = entry.expect("entry");
            let to = dir.path().join(entry.file_name());
            std::fs::create_dir_all(&to).expect("mkdir");
            for f in std::fs::read_dir(entry.path()).expect("dir") {
                let f = f.expect("file");
                let text = std::fs::read_to_string(f.path())
                    .expect("read")
                    .replace("http://127.0.0.1:1", &self.base);
                std::fs::write(to.join(f.file_name()), text).expect("write");
            }
        }
        dir
    }
}

async fn authorize(
    State(codes): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (Some(redirect), Some(state), Some(challenge)) = (
        q.get("redirect_uri"),
        q.get("state"),
        q.get("code_challenge"),
    ) else {
        return (StatusCode::BAD_REQUEST, "missing parameters").into_response();
    };
    if q.get("code_challenge_method").map(String::as_str) != Some("S256") {
        return (StatusCode::BAD_REQUEST, "S256 only").into_response();
    }
    let code = format!("code-{}", uuid::Uuid::new_v4().simple());
    codes
        .lock()
        .expect("lock")
        .issued
        .insert(code.clone(), challenge.clone());
    let mut url = url::Url::parse(redirect).expect("redirect_uri");
    url.query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", state);
    (StatusCode::FOUND, [(header::LOCATION, url.to_string())]).into_response()
}

async fn token(State(codes): State<Shared>, Form(f): Form<HashMap<String, String>>) -> Response {
    let challenge = f
        .get("code")
        .and_then(|c| codes.lock().expect("lock").issued.remove(c));
    let verified = match (challenge, f.get("code_verifier")) {
        (Some(challenge), Some(verifier)) => {
            URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
        }
        _ => false,
    };
    if f.get("grant_type").map(String::as_str) != Some("authorization_code") || !verified {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant"})),
        )
            .into_response();
    }
    Json(json!({
        "access_token": format!("at-{}", uuid::Uuid::new_v4().simple()),
        "refresh_token": "rt-test",
        "token_type": "Bearer",
        "expires_in": 3600,
        "scope": "read write"
    }))
    .into_response()
}

impl super::TestApp {
    /// What the popup opens for an attempt: `GET /connect/oauth2/{connector}` with the
    /// session token and the attempt id.
    pub async fn open_popup(
        &self,
        token: &str,
        connector: &str,
        attempt: &str,
    ) -> reqwest::Response {
        self.http
            .get(self.url(&format!(
                "/connect/oauth2/{connector}?token={token}&connection_attempt_id={attempt}"
            )))
            .send()
            .await
            .expect("open the popup")
    }

    /// The popup through the provider: the provider's authorize URL it is sent to, and the
    /// callback URL the provider sends it back to (with a code).
    pub async fn through_provider(
        &self,
        token: &str,
        connector: &str,
        attempt: &str,
    ) -> (String, String) {
        let r = self.open_popup(token, connector, attempt).await;
        assert!(r.status().is_redirection(), "start: {}", r.status());
        let authorize = location(&r);
        let r = self.http.get(&authorize).send().await.expect("authorize");
        assert!(r.status().is_redirection(), "authorize: {}", r.status());
        (authorize, location(&r))
    }

    /// `GET /hub/connection_attempts/{id}`.
    pub async fn get_attempt(&self, token: &str, id: &str) -> super::Reply {
        self.hub_get(&format!("/hub/connection_attempts/{id}"), token)
            .await
    }
}

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"]
        .to_str()
        .expect("location")
        .to_string()
}
