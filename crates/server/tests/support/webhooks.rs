//! A webhook receiver owned by the test, and the Standard Webhooks signature check.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// What a test webhook receiver got: headers and body of each POST.
pub type Received = Arc<Mutex<Vec<(axum::http::HeaderMap, String)>>>;

/// A webhook receiver on `listener` answering 204 to `POST /hook`.
pub async fn receiver(listener: tokio::net::TcpListener) -> Received {
    let got: Received = Arc::default();
    let store = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let store = store.clone();
            async move {
                store.lock().expect("lock").push((headers, body));
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    got
}

/// Waits up to `secs` for `n` webhooks.
pub async fn wait_for(got: &Received, n: usize, secs: u64) -> Vec<(axum::http::HeaderMap, String)> {
    for _ in 0..secs * 20 {
        if got.lock().expect("lock").len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    got.lock().expect("lock").clone()
}

/// Checks a delivery's `webhook-signature` (Standard Webhooks) against the project's
/// `whsec_…` secret, and that its timestamp is recent.
pub fn verify(secret: &str, headers: &axum::http::HeaderMap, body: &str) {
    let id = headers["webhook-id"].to_str().expect("id");
    let ts = headers["webhook-timestamp"].to_str().expect("ts");
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").expect("prefix"))
        .expect("b64");
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key).expect("key");
    mac.update(format!("{id}.{ts}.{body}").as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    let sig = headers["webhook-signature"].to_str().expect("sig");
    assert!(sig.split(' ').any(|s| s == expected), "bad signature {sig}");
    let age = time_now() - ts.parse::<i64>().expect("int");
    assert!(age.abs() < 300);
}

fn time_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
