//! Credential checks through the real server: `POST` and `PATCH /hub/accounts` against a
//! fake provider each test starts on loopback (allowed explicitly with
//! `--verify-allow-private` and `--verify-allow-http`), what is stored and answered for
//! each way a provider can answer, idempotency across a retry, `--verify best-effort`, and
//! account health (`accounts verify`) flipping an account to `error` and back with signed
//! webhooks — with the fake provider and with the repository's sandbox connector.

mod support;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::Path as UrlPath;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use reqwest::Method;
use serde_json::{Value, json};
use support::webhooks::{receiver, verify, wait_for};
use support::{Options, TestApp};

const GOOD: &str = "tok_GOOD_s3cret_0123456789";
/// Refused with an answer that echoes the token (it must never reach the client).
const ECHO: &str = "tok_ECHO_s3cret_9876543210";

/// A provider on 127.0.0.1: `GET /v1/{org}/me` with the token in `X-Token`.
struct Provider {
    port: u16,
    hits: Arc<AtomicUsize>,
    /// While set, the good token is refused (a revoked credential).
    revoked: Arc<AtomicBool>,
    /// While set, every request gets a 500.
    down: Arc<AtomicBool>,
}

async fn serve(router: Router) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    port
}

async fn provider() -> Provider {
    // Where `tok_redirect` is sent: another port on loopback that must never be reached.
    let elsewhere_hits = Arc::new(AtomicUsize::new(0));
    let counted = elsewhere_hits.clone();
    let elsewhere = serve(Router::new().fallback(move || {
        counted.fetch_add(1, Ordering::SeqCst);
        async { "you should not be here" }
    }))
    .await;
    let hits = Arc::new(AtomicUsize::new(0));
    let revoked = Arc::new(AtomicBool::new(false));
    let down = Arc::new(AtomicBool::new(false));
    let (h, r, d) = (hits.clone(), revoked.clone(), down.clone());
    let router = Router::new().route(
        "/v1/{org}/me",
        get(move |UrlPath(org): UrlPath<String>, headers: HeaderMap| {
            let (h, r, d) = (h.clone(), r.clone(), d.clone());
            async move {
                h.fetch_add(1, Ordering::SeqCst);
                let token = headers
                    .get("x-token")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                if d.load(Ordering::SeqCst) {
                    return (StatusCode::INTERNAL_SERVER_ERROR, "<html>oops</html>")
                        .into_response();
                }
                if org == "missing" {
                    return (
                        StatusCode::NOT_FOUND,
                        axum::Json(json!({ "error": "no such organization" })),
                    )
                        .into_response();
                }
                match token.as_str() {
                    GOOD if !r.load(Ordering::SeqCst) => {
                        axum::Json(json!({ "me": { "org": org } })).into_response()
                    }
                    "tok_boom" => (StatusCode::BAD_GATEWAY, "upstream broke").into_response(),
                    "tok_hang" => {
                        tokio::time::sleep(Duration::from_secs(30)).await;
                        axum::Json(json!({ "me": "late" })).into_response()
                    }
                    "tok_huge" => {
                        // 50 MB of refusal: only the start may ever be read.
                        let body = vec![b'x'; 50 * 1024 * 1024];
                        (
                            StatusCode::UNAUTHORIZED,
                            [(header::CONTENT_TYPE, "text/plain")],
                            body,
                        )
                            .into_response()
                    }
                    "tok_redirect" => (
                        StatusCode::FOUND,
                        [(header::LOCATION, format!("http://127.0.0.1:{elsewhere}/me"))],
                    )
                        .into_response(),
                    _ => (
                        StatusCode::UNAUTHORIZED,
                        axum::Json(json!({ "error": "invalid token", "token": token })),
                    )
                        .into_response(),
                }
            }
        }),
    );
    let port = serve(router).await;
    assert_eq!(elsewhere_hits.load(Ordering::SeqCst), 0);
    Provider {
        port,
        hits,
        revoked,
        down,
    }
}

/// A catalog with the `fake` connector checked against `port`, and `gone` checked against a
/// port nothing listens on.
fn catalog(dir: &Path, port: u16) -> PathBuf {
    let gone = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    for (key, name, url) in [
        (
            "fake",
            "Fake Provider",
            format!("http://{{host}}:{port}/v1/{{org}}/me"),
        ),
        (
            "gone",
            "Gone Provider",
            format!("http://{{host}}:{gone}/v1/{{org}}/me"),
        ),
    ] {
        let folder = dir.join(key);
        std::fs::create_dir_all(&folder).expect("mkdir");
        std::fs::write(
            folder.join("logo.svg"),
            format!(
                r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" role="img"><title>{name}</title><rect width="24" height="24" fill="#36c"/></svg>"##
            ),
        )
        .expect("logo");
        std::fs::write(
            folder.join("connector.toml"),
            format!(
                r#"key = "{key}"
name = "{name}"
category = "hris"
auth_type = "custom"
logo = "logo.svg"

[[fields]]
key = "host"
label = "Host"
type = "text"
required = true

[[fields]]
key = "org"
label = "Organization"
type = "text"
required = true

[[fields]]
key = "token"
label = "Token"
type = "password"
required = true
secret = true

[check]
url = "{url}"
hosts = ["127.0.0.1"]
headers = {{ X-Token = "{{token}}" }}
timeout = 2

[[check.failures]]
status = [401, 403]
fields = ["token"]
key = "token_rejected"
message = "{name} rejected this token."

[[check.failures]]
status = [404]
fields = ["host", "org"]
key = "org_unknown"
message = "No such organization at this address."

[translations.fr.check]
token_rejected = "{name} a refusé ce jeton."
org_unknown = "Aucune organisation de ce nom à cette adresse."
"#
            ),
        )
        .expect("connector.toml");
    }
    dir.to_path_buf()
}

struct Setup {
    app: TestApp,
    provider: Provider,
    _catalog: tempfile::TempDir,
}

/// A server on the fake provider's catalog, `policy`, loopback and http allowed unless
/// `fenced`.
async fn setup(policy: &str, fenced: bool, webhook_url: Option<String>) -> Setup {
    let provider = provider().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let catalog = catalog(dir.path(), provider.port);
    let mut env = vec![
        ("LINKHUB_VERIFY".to_owned(), policy.to_owned()),
        ("LINKHUB_VERIFY_ALLOW_HTTP".to_owned(), "true".to_owned()),
    ];
    if !fenced {
        env.push(("LINKHUB_VERIFY_ALLOW_PRIVATE".to_owned(), "true".to_owned()));
    }
    let app = TestApp::spawn_with(Options {
        catalog: Some(catalog),
        webhook_url,
        env,
        ..Options::default()
    })
    .await;
    Setup {
        app,
        provider,
        _catalog: dir,
    }
}

fn creds(org: &str, token: &str) -> Value {
    json!({ "host": "127.0.0.1", "org": org, "token": token })
}

#[tokio::test]
async fn a_working_credential_is_stored_active_and_the_extension_is_offered() {
    let s = setup("required", false, None).await;
    let token = s.app.token("o-ok").await;
    let settings = s.app.hub_get("/hub/settings", &token).await;
    assert!(
        settings.body["extensions"]
            .as_array()
            .is_some_and(|e| e.contains(&json!("credential_checks"))),
        "{}",
        settings.body
    );
    let r = s.app.link(&token, "fake", creds("acme", GOOD)).send().await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(s.provider.hits.load(Ordering::SeqCst), 1);
    let account = s.app.api_get(&format!("/accounts/{}", r.id())).await.body;
    assert_eq!(account["status"], "active", "{account}");
    assert_eq!(account["status_reasons"], json!([]), "{account}");
}

#[tokio::test]
async fn refusals_name_the_wrong_fields_in_the_users_language_and_store_nothing() {
    let s = setup("required", false, None).await;
    let token = s.app.token("o-refused").await;

    let r = s
        .app
        .link(&token, "fake", creds("acme", "tok_wrong"))
        .language("fr")
        .send()
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.body["code"], "credentials_refused");
    assert_eq!(
        r.body["fields"]["token"],
        "Fake Provider a refusé ce jeton."
    );
    assert_eq!(r.body["provider_response"]["status"], 401);

    let r = s
        .app
        .link(&token, "fake", creds("missing", GOOD))
        .send()
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    let fields = r.body["fields"].as_object().expect("fields");
    assert_eq!(
        fields.keys().collect::<Vec<_>>(),
        ["host", "org"],
        "{}",
        r.body
    );
    assert_eq!(
        r.body["fields"]["org"],
        "No such organization at this address."
    );
    assert_eq!(r.body["provider_response"]["status"], 404);
    assert!(
        r.body["provider_response"]["excerpt"]
            .as_str()
            .is_some_and(|e| e.contains("no such organization")),
        "{}",
        r.body
    );

    // 50 MB of refusal: answered quickly with a short excerpt.
    let started = std::time::Instant::now();
    let r = s
        .app
        .link(&token, "fake", creds("acme", "tok_huge"))
        .send()
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(r.body.to_string().len() < 4096, "a short answer");

    assert!(
        s.app
            .list_accounts("?origin_owner_id=o-refused")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn a_provider_that_fails_or_hangs_or_redirects_is_unavailable_and_nothing_is_stored() {
    let s = setup("best-effort", false, None).await;
    let token = s.app.token("o-down").await;
    // A 5xx: 502, in every mode but off (best-effort here).
    let r = s
        .app
        .link(&token, "fake", creds("acme", "tok_boom"))
        .send()
        .await;
    assert_eq!(r.status, 502, "{}", r.body);
    assert_eq!(r.body["code"], "provider_unavailable");
    assert!(
        r.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("Fake Provider did not answer")),
        "{}",
        r.body
    );
    assert!(r.body.get("fields").is_none(), "{}", r.body);
    // A hang past the 2 s timeout: 504.
    let started = std::time::Instant::now();
    let r = s
        .app
        .link(&token, "fake", creds("acme", "tok_hang"))
        .send()
        .await;
    assert_eq!(
        (r.status, &r.body["code"]),
        (504, &json!("provider_unavailable"))
    );
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    // A redirect (to another port) is never followed.
    let r = s
        .app
        .link(&token, "fake", creds("acme", "tok_redirect"))
        .send()
        .await;
    assert_eq!(r.status, 502, "{}", r.body);
    assert_eq!(r.body["provider_response"]["status"], 302);
    assert!(
        s.app
            .list_accounts("?origin_owner_id=o-down")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn checks_never_leave_the_declared_hosts_nor_reach_private_addresses_unallowed() {
    // The operator's allowance is off: loopback is not a public address.
    let s = setup("best-effort", true, None).await;
    let token = s.app.token("o-fenced").await;
    let r = s.app.link(&token, "fake", creds("acme", GOOD)).send().await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.body["code"], "credentials_not_allowed");
    assert!(r.body["fields"]["host"].is_string(), "{}", r.body);
    // A host outside the declared pattern.
    let r = s
        .app
        .link(
            &token,
            "fake",
            json!({ "host": "example.com", "org": "acme", "token": GOOD }),
        )
        .send()
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.body["code"], "credentials_not_allowed");
    assert_eq!(s.provider.hits.load(Ordering::SeqCst), 0, "never contacted");
    assert!(
        s.app
            .list_accounts("?origin_owner_id=o-fenced")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn secrets_stay_out_of_answers_and_logs() {
    let s = setup("required", false, None).await;
    let token = s.app.token("o-secret").await;
    let r = s.app.link(&token, "fake", creds("acme", ECHO)).send().await;
    assert_eq!(r.status, 400, "{}", r.body);
    let text = r.body.to_string();
    assert!(!text.contains(ECHO), "{text}");
    assert!(
        text.contains("invalid token"),
        "the rest of the excerpt: {text}"
    );
    let ok = s.app.link(&token, "fake", creds("acme", GOOD)).send().await;
    assert_eq!(ok.status, 201, "{}", ok.body);
    let log = s.app.log();
    assert!(log.contains("credential check"), "checks are logged");
    for secret in [ECHO, GOOD] {
        assert!(!log.contains(secret), "{secret} in the log:\n{log}");
    }
}

#[tokio::test]
async fn best_effort_stores_an_unreachable_providers_account_unverified() {
    let s = setup("best-effort", false, None).await;
    let token = s.app.token("o-gone").await;
    let r = s.app.link(&token, "gone", creds("acme", GOOD)).send().await;
    assert_eq!(r.status, 201, "{}", r.body);
    let account = s.app.api_get(&format!("/accounts/{}", r.id())).await.body;
    assert_eq!(account["status"], "active");
    assert_eq!(
        account["status_reasons"][0]["code"], "unverified",
        "{account}"
    );
    assert!(
        account["status_reasons"][0]["description"]
            .as_str()
            .is_some_and(|d| d.contains("Gone Provider")),
        "{account}"
    );

    // `required`: the same link is refused, nothing stored.
    let strict = setup("required", false, None).await;
    let token = strict.app.token("o-gone").await;
    let r = strict
        .app
        .link(&token, "gone", creds("acme", GOOD))
        .send()
        .await;
    assert_eq!(
        (r.status, &r.body["code"]),
        (502, &json!("provider_unavailable"))
    );
    assert!(strict.app.list_accounts("").await.is_empty());

    // `off`: nothing is checked, nor offered to the widget.
    let off = setup("off", false, None).await;
    let token = off.app.token("o-off").await;
    let settings = off.app.hub_get("/hub/settings", &token).await;
    assert!(
        !settings.body.to_string().contains("credential_checks"),
        "{}",
        settings.body
    );
    let r = off
        .app
        .link(&token, "fake", creds("acme", "tok_wrong"))
        .send()
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(off.provider.hits.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_retry_under_the_same_key_checks_again_after_an_outage_and_replays_a_success() {
    let s = setup("required", false, None).await;
    let token = s.app.token("o-idem").await;
    s.provider.down.store(true, Ordering::SeqCst);
    let first = s
        .app
        .link(&token, "fake", creds("acme", GOOD))
        .idempotency_key("k-1")
        .send()
        .await;
    assert_eq!(first.status, 502, "{}", first.body);
    // The provider is back: the retry is checked again and links.
    s.provider.down.store(false, Ordering::SeqCst);
    let retry = s
        .app
        .link(&token, "fake", creds("acme", GOOD))
        .idempotency_key("k-1")
        .send()
        .await;
    assert_eq!(retry.status, 201, "{}", retry.body);
    let hits = s.provider.hits.load(Ordering::SeqCst);
    assert_eq!(hits, 2);
    // Another retry is the same answer, without another check nor another account.
    s.provider.revoked.store(true, Ordering::SeqCst);
    let again = s
        .app
        .link(&token, "fake", creds("acme", GOOD))
        .idempotency_key("k-1")
        .send()
        .await;
    assert_eq!((again.status, again.id()), (201, retry.id()));
    assert_eq!(s.provider.hits.load(Ordering::SeqCst), hits);
    assert_eq!(
        s.app.list_accounts("?origin_owner_id=o-idem").await.len(),
        1
    );
    // A refusal under a key is that key's answer.
    let bad = s
        .app
        .link(&token, "fake", creds("acme", "tok_wrong"))
        .idempotency_key("k-2")
        .send()
        .await;
    assert_eq!(bad.status, 400);
    let bad_again = s
        .app
        .link(&token, "fake", creds("acme", "tok_wrong"))
        .idempotency_key("k-2")
        .send()
        .await;
    assert_eq!((bad_again.status, &bad_again.body), (400, &bad.body));
}

#[tokio::test]
async fn an_edit_is_checked_with_the_stored_secret_when_it_is_left_untouched() {
    let s = setup("required", false, None).await;
    let token = s.app.token("o-edit").await;
    let id = s
        .app
        .link(&token, "fake", creds("acme", GOOD))
        .send()
        .await
        .id();
    let edit = s
        .app
        .token_for(json!({
            "origin_owner_id": "o-edit", "origin_owner_name": "o-edit Inc", "account_id": id
        }))
        .await;
    let shown = s.app.hub_get(&format!("/hub/accounts/{id}"), &edit).await;
    let redacted = shown.body["secrets"]["token"].clone();
    assert!(redacted.is_string(), "{}", shown.body);
    let patch = |credentials: Value| {
        s.app
            .hub(Method::PATCH, &format!("/hub/accounts/{id}"), &edit)
            .json(&json!({ "integration_id": "fake", "credentials": credentials }))
    };
    // The redacted token stands for the stored one, which works: the org changes.
    let r = support::send(patch(
        json!({ "host": "127.0.0.1", "org": "acme2", "token": redacted }),
    ))
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["setupInformation"]["org"], "acme2", "{}", r.body);
    // An unknown org with the stored token: refused, nothing changed.
    let r = support::send(patch(
        json!({ "host": "127.0.0.1", "org": "missing", "token": redacted }),
    ))
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.body["code"], "credentials_refused");
    let account = s.app.api_get(&format!("/accounts/{id}")).await.body;
    assert_eq!(account["setup_information"]["org"], "acme2");
}

fn verify_all(s: &TestApp, extra: &[&str]) -> Value {
    let mut args = vec![
        "accounts",
        "verify",
        "--all",
        "--json",
        "--public-url",
        &s.base,
    ];
    args.extend_from_slice(extra);
    let out = s.cli(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

/// The types and statuses of the signed webhooks received (checked against `secret`).
fn events(secret: &str, got: &[(HeaderMap, String)], never: &str) -> Vec<String> {
    got.iter()
        .map(|(headers, body)| {
            verify(secret, headers, body);
            assert!(!body.contains(never), "{body}");
            let v: Value = serde_json::from_str(body).expect("json");
            format!(
                "{} {}",
                v["type"].as_str().unwrap_or(""),
                v["data"]["status"].as_str().unwrap_or("")
            )
        })
        .collect()
}

// Several threads: the fake provider answers while the test waits for the CLI.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_flips_an_account_to_error_and_back_with_signed_webhooks() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    let got = receiver(listener).await;
    let s = setup("required", false, Some(url)).await;
    let secret = s.app.webhook_secret();
    let token = s.app.token("o-health").await;
    let id = s
        .app
        .link(&token, "fake", creds("acme", GOOD))
        .send()
        .await
        .id();
    let allow = ["--verify-allow-private", "--verify-allow-http"];
    let report = verify_all(&s.app, &allow);
    assert_eq!(
        (&report[0]["result"], &report[0]["changed"]),
        (&json!("ok"), &json!(false)),
        "{report}"
    );

    s.provider.revoked.store(true, Ordering::SeqCst);
    let report = verify_all(&s.app, &allow);
    assert_eq!(
        (
            &report[0]["result"],
            &report[0]["status"],
            &report[0]["changed"]
        ),
        (&json!("refused"), &json!("error"), &json!(true)),
        "{report}"
    );
    let account = s.app.api_get(&format!("/accounts/{id}")).await.body;
    assert_eq!(account["status"], "error");
    assert_eq!(account["status_reasons"][0]["code"], "credentials_refused");
    assert!(
        account["status_reasons"][0]["description"]
            .as_str()
            .is_some_and(|d| d.contains("no longer accepts")),
        "{account}"
    );
    // A provider that does not answer says nothing about the credential.
    s.provider.down.store(true, Ordering::SeqCst);
    let report = verify_all(&s.app, &allow);
    assert_eq!(
        (&report[0]["result"], &report[0]["changed"]),
        (&json!("failed"), &json!(false))
    );
    s.provider.down.store(false, Ordering::SeqCst);
    s.provider.revoked.store(false, Ordering::SeqCst);
    let report = verify_all(&s.app, &allow);
    assert_eq!(report[0]["status"], "active", "{report}");

    // The console shows each account's last check and its result.
    let console = s.app.console().await;
    let (status, _, page) = console.get("/console/accounts").await;
    assert_eq!(status, 200);
    assert!(page.contains(">Last check<"), "{page}");
    assert!(page.contains("lhc-check--ok"), "{page}");
    let (_, _, page) = console.get(&format!("/console/accounts/{id}")).await;
    assert!(page.contains("Last credential check"), "{page}");
    assert!(page.contains(">accepted<"), "{page}");

    let got = wait_for(&got, 3, 30).await;
    assert_eq!(
        events(&secret, &got, GOOD),
        [
            "account.created active",
            "account.updated error",
            "account.updated active",
        ],
        "{}",
        s.app.log()
    );
}

// ------------------------------------------------------------------ the sandbox connector

fn repo_catalog() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../catalog")
}

#[tokio::test]
async fn the_sandbox_refuses_its_bad_key_accepts_the_good_one_and_times_out_on_the_slow_one() {
    let s = TestApp::spawn_with(Options {
        catalog: Some(repo_catalog()),
        env: vec![("LINKHUB_VERIFY".into(), "best-effort".into())],
        ..Options::default()
    })
    .await;
    let token = s.token("o-sandbox").await;
    let key = |k: &str| json!({ "api_key": k });
    let bad = s.link(&token, "sandbox", key("sandbox_bad")).send().await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert_eq!(bad.body["code"], "credentials_refused");
    assert!(
        bad.body["fields"]["api_key"]
            .as_str()
            .is_some_and(|m| m.contains("sandbox_good")),
        "{}",
        bad.body
    );
    let slow = s.link(&token, "sandbox", key("sandbox_slow")).send().await;
    assert_eq!(
        (slow.status, &slow.body["code"]),
        (504, &json!("provider_unavailable")),
        "{}",
        slow.body
    );
    assert!(
        s.list_accounts("?origin_owner_id=o-sandbox")
            .await
            .is_empty()
    );
    let good = s.link(&token, "sandbox", key("sandbox_good")).send().await;
    assert_eq!(good.status, 201, "{}", good.body);
    // Dagster, unreachable from a test (its name does not resolve here, or is refused),
    // still links under best-effort, marked unverified.
    let dagster = s
        .link(
            &token,
            "dagster",
            json!({ "organization": "acme", "deployment": "prod", "user_token": "user:0123456789abcdef0123456789abcdef" }),
        )
        .send()
        .await;
    if dagster.status == 201 {
        let a = s.api_get(&format!("/accounts/{}", dagster.id())).await.body;
        assert_eq!(a["status_reasons"][0]["code"], "unverified", "{a}");
    } else {
        // A machine whose network answers for any name: the provider was reached.
        assert!(
            [400, 502, 504].contains(&dagster.status),
            "{}",
            dagster.body
        );
    }
}

#[tokio::test]
async fn accounts_verify_after_a_sandbox_revoke_turns_the_account_to_error_with_a_signed_webhook() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    let got = receiver(listener).await;
    let s = TestApp::spawn_with(Options {
        catalog: Some(repo_catalog()),
        webhook_url: Some(url),
        ..Options::default()
    })
    .await;
    let secret = s.webhook_secret();
    let token = s.token("o-revoke").await;
    let id = s
        .link(&token, "sandbox", json!({ "api_key": "sandbox_good" }))
        .send()
        .await
        .id();
    assert!(s.cli(&["sandbox", "revoke"]).status.success());
    let report = verify_all(&s, &[]);
    assert_eq!(
        (&report[0]["account_id"], &report[0]["status"]),
        (&json!(id), &json!("error")),
        "{report}"
    );
    assert_eq!(
        s.api_get(&format!("/accounts/{id}")).await.body["status"],
        "error"
    );
    let got = wait_for(&got, 2, 30).await;
    assert_eq!(
        events(&secret, &got, "sandbox_good"),
        ["account.created active", "account.updated error"],
        "{}",
        s.log()
    );
    assert!(s.cli(&["sandbox", "restore"]).status.success());
    assert_eq!(verify_all(&s, &[])[0]["status"], "active");
}

#[tokio::test]
async fn serve_verify_every_rechecks_in_the_background() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    let got = receiver(listener).await;
    let s = TestApp::spawn_with(Options {
        catalog: Some(repo_catalog()),
        webhook_url: Some(url),
        env: vec![("LINKHUB_VERIFY_EVERY".into(), "10s".into())],
        ..Options::default()
    })
    .await;
    let token = s.token("o-every").await;
    let id = s
        .link(&token, "sandbox", json!({ "api_key": "sandbox_good" }))
        .send()
        .await
        .id();
    assert!(s.cli(&["sandbox", "revoke"]).status.success());
    // The first pass comes 9 to 11 seconds after start.
    let events = wait_for(&got, 2, 25).await;
    assert_eq!(events.len(), 2, "{}", s.log());
    let v: Value = serde_json::from_str(&events[1].1).expect("json");
    assert_eq!(
        (v["type"].as_str(), v["data"]["status"].as_str()),
        (Some("account.updated"), Some("error"))
    );
    assert_eq!(
        s.api_get(&format!("/accounts/{id}")).await.body["status"],
        "error"
    );
}
