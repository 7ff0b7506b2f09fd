//! Credential checks against a fake provider each test starts on loopback (which the
//! tests allow explicitly), and against the sandbox provider: what each answer means, and
//! every fence of the checker (host patterns, non-public addresses, redirects, body cap,
//! timeout, secrets kept out of answers and logs).

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use linkhub_protocol::catalog::{FieldDefinition, load_catalog};
use linkhub_protocol::check::CheckDefinition;
use linkhub_server::sandbox::Sandbox;
use linkhub_server::verify::{Checker, Failure, NotSent, Outcome, Policy, Values, VerifySettings};
use serde_json::json;

const TOKEN: &str = "tok_S3CRET_0123456789";

/// A provider on 127.0.0.1 that counts the requests it gets.
struct Provider {
    base: String,
    port: u16,
    hits: Arc<AtomicUsize>,
}

async fn start(router: Router) -> (String, u16) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (format!("http://127.0.0.1:{port}"), port)
}

async fn provider(redirect_to: Option<u16>) -> Provider {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let token_of = |h: &HeaderMap| {
        h.get("x-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let router = Router::new()
        .route(
            "/graphql",
            post(move |h: HeaderMap| async move {
                if token_of(&h) == TOKEN {
                    axum::Json(json!({ "data": { "version": "1.9" } })).into_response()
                } else {
                    axum::Json(json!({ "data": null, "errors": [{ "message": "no" }] }))
                        .into_response()
                }
            }),
        )
        .route("/ok", get(|| async { axum::Json(json!({ "id": 1 })) }))
        .route(
            "/401",
            get(move |h: HeaderMap| async move {
                // A provider that echoes what it was sent, secret included.
                (
                    StatusCode::UNAUTHORIZED,
                    axum::Json(json!({ "error": format!("invalid token {}", token_of(&h)) })),
                )
            }),
        )
        .route(
            "/401html",
            get(|| async {
                (
                    StatusCode::UNAUTHORIZED,
                    [(header::CONTENT_TYPE, "text/html")],
                    "<html><body><script>alert(1)</script>Sign in</body></html>",
                )
            }),
        )
        .route(
            "/404",
            get(|| async { (StatusCode::NOT_FOUND, "no such org") }),
        )
        .route("/500", get(|| async { StatusCode::INTERNAL_SERVER_ERROR }))
        .route(
            "/hang",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                "late"
            }),
        )
        .route(
            "/redirect",
            get(move || async move {
                let to = format!("http://127.0.0.1:{}/ok", redirect_to.unwrap_or(1));
                (StatusCode::FOUND, [(header::LOCATION, to)])
            }),
        )
        .layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                let counter = counter.clone();
                async move {
                    counter.fetch_add(1, Ordering::SeqCst);
                    next.run(req).await
                }
            },
        ));
    let (base, port) = start(router).await;
    Provider { base, port, hits }
}

/// A provider that answers every request with a 401 of 50 MB of text, written 64 KiB at
/// a time until the client hangs up; returns its base URL and the bytes it got to write.
async fn huge_provider() -> (String, Arc<AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let written = Arc::new(AtomicUsize::new(0));
    let count = written.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let count = count.clone();
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                let total = 50 * 1024 * 1024;
                let head = format!(
                    "HTTP/1.1 401 Unauthorized\r\ncontent-type: text/plain\r\ncontent-length: {total}\r\n\r\n"
                );
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = vec![b'a'; 64 * 1024];
                let mut left: usize = total;
                while left > 0 {
                    let n = left.min(chunk.len());
                    if socket.write_all(&chunk[..n]).await.is_err() {
                        return;
                    }
                    count.fetch_add(n, Ordering::SeqCst);
                    left -= n;
                }
            });
        }
    });
    (format!("http://127.0.0.1:{port}"), written)
}

fn fields() -> Vec<FieldDefinition> {
    serde_json::from_value(json!([
        { "key": "token", "label": "Token", "type": "password", "secret": true },
        { "key": "org", "label": "Organization", "type": "text" }
    ]))
    .expect("fields")
}

fn values(token: &str) -> Values {
    Values::new(
        &fields(),
        [
            ("token".to_owned(), token.to_owned()),
            ("org".to_owned(), "acme".to_owned()),
        ]
        .into(),
    )
}

/// A check of `url` on `hosts`, the token in a header, with a failure map.
fn check(url: &str, hosts: &[&str]) -> CheckDefinition {
    serde_json::from_value(json!({
        "url": url,
        "hosts": hosts,
        "headers": { "X-Token": "{token}" },
        "failures": [
            { "status": [401, 403], "fields": ["token"], "key": "token_rejected",
              "message": "Rejected." },
            { "status": [404], "fields": ["org"], "key": "org_unknown", "message": "No such org." }
        ]
    }))
    .expect("check")
}

/// The tests' checker: loopback and http allowed explicitly, a short timeout.
fn checker() -> Checker {
    let mut c = Checker::new(
        VerifySettings {
            policy: Policy::Required,
            allow_private: true,
            allow_http: true,
            every: None,
        },
        None,
    );
    c.timeout_override = Some(Duration::from_secs(2));
    c
}

#[tokio::test]
async fn success_refusals_and_failures_mean_what_they_say() {
    let p = provider(None).await;
    let hosts = ["127.0.0.1"];
    let c = checker();
    let v = values(TOKEN);

    let ok = c
        .check("acme", &check(&format!("{}/ok", p.base), &hosts), &v)
        .await;
    assert_eq!(ok, Outcome::Ok { status: 200 });

    let Outcome::Refused(r) = c
        .check("acme", &check(&format!("{}/401", p.base), &hosts), &v)
        .await
    else {
        panic!("401 is a refusal");
    };
    assert_eq!(
        (r.status, r.fields.as_slice()),
        (401, ["token".to_owned()].as_slice())
    );
    assert_eq!(r.key.as_deref(), Some("token_rejected"));

    let Outcome::Refused(r) = c
        .check("acme", &check(&format!("{}/404", p.base), &hosts), &v)
        .await
    else {
        panic!("404 is a refusal");
    };
    assert_eq!(r.fields, ["org"]);
    assert_eq!(r.excerpt.as_deref(), Some("no such org"));

    assert_eq!(
        c.check("acme", &check(&format!("{}/500", p.base), &hosts), &v)
            .await,
        Outcome::Failed {
            reason: Failure::ServerError(500)
        }
    );
}

#[tokio::test]
async fn a_json_pointer_must_hold() {
    let p = provider(None).await;
    let mut def: CheckDefinition = serde_json::from_value(json!({
        "method": "POST",
        "url": format!("{}/graphql", p.base),
        "hosts": ["127.0.0.1"],
        "headers": { "X-Token": "{token}" },
        "body": { "query": "{ version }" },
        "pointer": "/data/version",
        "failures": [{ "status": [200], "fields": ["token"], "key": "no_access", "message": "No." }]
    }))
    .expect("check");
    let c = checker();
    assert_eq!(
        c.check("acme", &def, &values(TOKEN)).await,
        Outcome::Ok { status: 200 }
    );
    let Outcome::Refused(r) = c.check("acme", &def, &values("wrong")).await else {
        panic!("a GraphQL error is a refusal");
    };
    assert_eq!((r.status, r.key.as_deref()), (200, Some("no_access")));
    def.pointer = Some("/data/missing".into());
    assert!(matches!(
        c.check("acme", &def, &values(TOKEN)).await,
        Outcome::Refused(_)
    ));
}

#[tokio::test]
async fn a_provider_that_hangs_times_out() {
    let p = provider(None).await;
    let mut c = checker();
    c.timeout_override = Some(Duration::from_millis(500));
    let started = Instant::now();
    let outcome = c
        .check(
            "acme",
            &check(&format!("{}/hang", p.base), &["127.0.0.1"]),
            &values(TOKEN),
        )
        .await;
    assert_eq!(
        outcome,
        Outcome::Failed {
            reason: Failure::Timeout
        }
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_huge_answer_is_read_only_up_to_the_cap() {
    let (base, written) = huge_provider().await;
    let started = Instant::now();
    let Outcome::Refused(r) = checker()
        .check(
            "acme",
            &check(&format!("{base}/big"), &["127.0.0.1"]),
            &values(TOKEN),
        )
        .await
    else {
        panic!("a 401 is a refusal, however long");
    };
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let excerpt = r.excerpt.expect("text is excerpted");
    assert!(excerpt.chars().count() <= 301, "{}", excerpt.len());
    // The connection was dropped long before 50 MB went through it.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let written = written.load(Ordering::SeqCst);
    assert!(written < 16 * 1024 * 1024, "{written} bytes were written");
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let elsewhere = provider(None).await;
    let p = provider(Some(elsewhere.port)).await;
    let outcome = checker()
        .check(
            "acme",
            &check(&format!("{}/redirect", p.base), &["127.0.0.1"]),
            &values(TOKEN),
        )
        .await;
    assert_eq!(
        outcome,
        Outcome::Failed {
            reason: Failure::Redirect(302)
        }
    );
    assert_eq!(
        elsewhere.hits.load(Ordering::SeqCst),
        0,
        "nothing reached the other port"
    );
}

#[tokio::test]
async fn a_host_outside_the_declared_pattern_is_never_contacted() {
    let p = provider(None).await;
    let outcome = checker()
        .check(
            "acme",
            &check(&format!("{}/ok", p.base), &["*.dagster.cloud"]),
            &values(TOKEN),
        )
        .await;
    assert_eq!(
        outcome,
        Outcome::NotSent {
            reason: NotSent::HostNotAllowed,
            fields: vec![]
        }
    );
    // A value that tries to leave its label is refused before anything is sent.
    let templated = check("http://{org}.dagster.cloud/x", &["*.dagster.cloud"]);
    let evil = Values::new(
        &fields(),
        [
            ("token".to_owned(), TOKEN.to_owned()),
            ("org".to_owned(), "127.0.0.1:1/".to_owned()),
        ]
        .into(),
    );
    assert_eq!(
        checker().check("acme", &templated, &evil).await,
        Outcome::NotSent {
            reason: NotSent::BadValue,
            fields: vec!["org".into()]
        }
    );
    assert_eq!(p.hits.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn private_addresses_and_plain_http_need_the_operators_allowance() {
    let p = provider(None).await;
    let strict = Checker::new(VerifySettings::default(), None);
    let lenient_http = Checker::new(
        VerifySettings {
            allow_http: true,
            ..VerifySettings::default()
        },
        None,
    );
    // A name that resolves to loopback, and a loopback literal.
    for url in [
        format!("http://localhost:{}/ok", p.port),
        format!("{}/ok", p.base),
    ] {
        let def = check(&url, &["localhost", "127.0.0.1"]);
        assert_eq!(
            strict.check("acme", &def, &values(TOKEN)).await,
            Outcome::NotSent {
                reason: NotSent::InsecureScheme,
                fields: vec![]
            },
            "{url}"
        );
        assert_eq!(
            lenient_http.check("acme", &def, &values(TOKEN)).await,
            Outcome::NotSent {
                reason: NotSent::NonPublicAddress,
                fields: vec![]
            },
            "{url}"
        );
    }
    assert_eq!(p.hits.load(Ordering::SeqCst), 0, "nothing was sent");
    // With the allowance, the same name works.
    let def = check(&format!("http://localhost:{}/ok", p.port), &["localhost"]);
    assert_eq!(
        checker().check("acme", &def, &values(TOKEN)).await,
        Outcome::Ok { status: 200 }
    );
}

#[tokio::test]
async fn an_unreachable_provider_is_told_apart() {
    // A port nobody listens on: bound, then closed.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let def = check(&format!("http://127.0.0.1:{port}/ok"), &["127.0.0.1"]);
    assert!(matches!(
        checker().check("acme", &def, &values(TOKEN)).await,
        Outcome::Unreachable { .. }
    ));
    let def = check(
        "http://acme.no-such-name.invalid/ok",
        &["*.no-such-name.invalid"],
    );
    assert!(matches!(
        checker().check("acme", &def, &values(TOKEN)).await,
        Outcome::Unreachable { .. }
    ));
    assert_eq!(
        Policy::BestEffort.verdict(&checker().check("acme", &def, &values(TOKEN)).await),
        linkhub_server::verify::Verdict::Store { unverified: true }
    );
}

/// A tracing writer into a shared buffer.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn secrets_stay_out_of_answers_and_logs() {
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let p = provider(None).await;
    let c = checker();
    let mut shown = String::new();
    for path in ["/401", "/401html", "/ok", "/500"] {
        let outcome = c
            .check(
                "acme",
                &check(&format!("{}{path}", p.base), &["127.0.0.1"]),
                &values(TOKEN),
            )
            .await;
        shown.push_str(&format!("{outcome:?}\n"));
        if let Some(r) = outcome.provider_response() {
            shown.push_str(&serde_json::to_string(&r).expect("json"));
        }
    }
    shown.push_str(&format!("{:?}", values(TOKEN)));
    assert!(!shown.contains(TOKEN), "{shown}");
    assert!(
        shown.contains("invalid token [redacted]"),
        "the echo is scrubbed: {shown}"
    );
    assert!(!shown.contains("<script>"), "no HTML: {shown}");
    let logged = String::from_utf8(logs.0.lock().expect("logs").clone()).expect("utf-8");
    assert!(
        logged.contains("credential check"),
        "the checks were logged: {logged}"
    );
    assert!(!logged.contains(TOKEN), "{logged}");
}

fn catalog_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog")
}

#[tokio::test]
async fn the_sandbox_answers_its_documented_keys() {
    let data = tempfile::tempdir().expect("tempdir");
    let sandbox = Sandbox::new(data.path()).with_slow_delay(Duration::from_secs(3));
    let (base, _) = start(sandbox.router()).await;
    let catalog = load_catalog(&catalog_dir()).unwrap_or_else(|e| panic!("{e}"));
    let connector = &catalog.get("sandbox").expect("sandbox").definition;
    let def = connector.check.as_ref().expect("a check");
    // No allowance at all: the server's own URL is the one place a {self} check goes.
    let mut c = Checker::new(VerifySettings::default(), Some(base.clone()));
    c.timeout_override = Some(Duration::from_secs(1));
    let key = |k: &str| {
        Values::new(
            &connector.fields,
            [("api_key".to_owned(), k.to_owned())].into(),
        )
    };

    assert_eq!(
        c.check("sandbox", def, &key("sandbox_good")).await,
        Outcome::Ok { status: 200 }
    );
    let Outcome::Refused(r) = c.check("sandbox", def, &key("sandbox_bad")).await else {
        panic!("sandbox_bad is refused");
    };
    assert_eq!(
        (r.status, r.fields.as_slice()),
        (401, ["api_key".to_owned()].as_slice())
    );
    assert!(
        r.message(connector, "fr")
            .is_some_and(|m| m.contains("bac à sable")),
        "{:?}",
        r.message(connector, "fr")
    );
    assert_eq!(
        c.check("sandbox", def, &key("sandbox_slow")).await,
        Outcome::Failed {
            reason: Failure::Timeout
        }
    );

    linkhub_server::sandbox::SandboxCommand::Revoke
        .run(data.path())
        .expect("revoke");
    let Outcome::Refused(r) = c.check("sandbox", def, &key("sandbox_good")).await else {
        panic!("a revoked key is refused");
    };
    assert_eq!((r.status, r.key.as_deref()), (403, Some("key_revoked")));
    linkhub_server::sandbox::SandboxCommand::Restore
        .run(data.path())
        .expect("restore");
    assert_eq!(
        c.check("sandbox", def, &key("sandbox_good")).await,
        Outcome::Ok { status: 200 }
    );

    // A {self} check goes to the server's own URL, whatever it is: nobody listens here.
    let other = Checker::new(VerifySettings::default(), Some("http://127.0.0.1:1".into()));
    assert!(matches!(
        other.check("sandbox", def, &key("sandbox_good")).await,
        Outcome::Unreachable { .. }
    ));
}

#[tokio::test]
async fn health_checks_run_a_few_at_a_time_and_keep_their_order() {
    use linkhub_server::verify::health::{HealthItem, Transition, check_all, transition};
    let in_flight = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (now, max) = (in_flight.clone(), most.clone());
    let router = Router::new().route(
        "/slow",
        get(move |h: HeaderMap| {
            let (now, max) = (now.clone(), max.clone());
            async move {
                let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                max.fetch_max(n, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(150)).await;
                now.fetch_sub(1, Ordering::SeqCst);
                let ok = h.get("x-token").is_some_and(|v| v == TOKEN);
                if ok {
                    StatusCode::OK
                } else {
                    StatusCode::UNAUTHORIZED
                }
            }
        }),
    );
    let (base, _) = start(router).await;
    let def = Arc::new(check(&format!("{base}/slow"), &["127.0.0.1"]));
    let items: Vec<HealthItem> = (0..6)
        .map(|i| HealthItem {
            account_id: format!("acc-{i}"),
            connector: "acme".into(),
            check: def.clone(),
            values: values(if i % 2 == 0 { TOKEN } else { "revoked" }),
        })
        .collect();
    let results = check_all(&checker(), items, 2).await;
    assert_eq!(most.load(Ordering::SeqCst), 2, "at most two checks at once");
    let ids: Vec<&str> = results.iter().map(|(i, _)| i.account_id.as_str()).collect();
    assert_eq!(ids, ["acc-0", "acc-1", "acc-2", "acc-3", "acc-4", "acc-5"]);
    let transitions: Vec<Transition> = results.iter().map(|(_, o)| transition(o)).collect();
    assert_eq!(
        transitions,
        [
            Transition::Healthy,
            Transition::Broken,
            Transition::Healthy,
            Transition::Broken,
            Transition::Healthy,
            Transition::Broken
        ]
    );
}

#[tokio::test]
async fn the_policy_decides_what_is_stored() {
    use linkhub_server::i18n::Lang;
    use linkhub_server::verify::gate::{Gate, Rejection, gate};
    let data = tempfile::tempdir().expect("tempdir");
    let sandbox = Sandbox::new(data.path()).with_slow_delay(Duration::from_secs(3));
    let (base, _) = start(sandbox.router()).await;
    let catalog = load_catalog(&catalog_dir()).unwrap_or_else(|e| panic!("{e}"));
    let connector = &catalog.get("sandbox").expect("sandbox").definition;
    let key = |k: &str| [("api_key".to_owned(), k.to_owned())].into();
    let checker_with = |policy| {
        let mut c = Checker::new(
            VerifySettings {
                policy,
                ..VerifySettings::default()
            },
            Some(base.clone()),
        );
        c.timeout_override = Some(Duration::from_secs(1));
        c
    };
    let fr = Lang::from_tag("fr").expect("fr");

    let required = checker_with(Policy::Required);
    assert!(matches!(
        gate(&required, connector, &key("sandbox_good"), fr).await,
        Gate::Store {
            unverified: None,
            ..
        }
    ));
    let Gate::Reject(r) = gate(&required, connector, &key("sandbox_bad"), fr).await else {
        panic!("sandbox_bad is not stored");
    };
    assert_eq!((r.status, r.words.code), (400, "credentials_refused"));
    assert!(r.words.fields["api_key"].contains("bac à sable"), "{r:?}");
    assert_eq!(r.provider_response.map(|p| p.status), Some(401));
    let Gate::Reject(r) = gate(&required, connector, &key("sandbox_slow"), fr).await else {
        panic!("a provider that does not answer in time stores nothing");
    };
    assert_eq!((r.status, r.words.code), (504, "provider_unavailable"));
    assert!(r.words.fields.is_empty());

    // best-effort: a timeout still stores nothing…
    let best_effort = checker_with(Policy::BestEffort);
    assert!(matches!(
        gate(&best_effort, connector, &key("sandbox_slow"), fr).await,
        Gate::Reject(_)
    ));
    // …but a provider that cannot be connected to at all is stored, unverified.
    let mut offline: linkhub_protocol::catalog::ConnectorDefinition = connector.clone();
    offline.name = "Offline".into();
    offline.check = Some(
        serde_json::from_value(json!({
            "url": "https://acme.no-such-name.invalid/me",
            "hosts": ["*.no-such-name.invalid"],
            "headers": { "X-Key": "{api_key}" }
        }))
        .expect("check"),
    );
    offline.translations.clear();
    let Gate::Store {
        unverified: Some(reason),
        ..
    } = gate(&best_effort, &offline, &key("anything"), Lang::default()).await
    else {
        panic!("best-effort stores an unreachable provider's account");
    };
    assert!(reason.contains("Offline"), "{reason}");
    assert!(matches!(
        gate(&required, &offline, &key("anything"), Lang::default()).await,
        Gate::Reject(Rejection { status: 502, .. })
    ));

    // off: nothing is checked.
    assert!(matches!(
        gate(
            &checker_with(Policy::Off),
            connector,
            &key("sandbox_bad"),
            fr
        )
        .await,
        Gate::Store {
            unverified: None,
            outcome: None
        }
    ));
}
