//! What every route shares: CORS, JSON errors, the static files and pages, the OpenAPI document.
//! Against the real binary, on SQLite or (with `LINKHUB_TEST_POSTGRES_URL`) PostgreSQL.

mod support;

#[allow(unused_imports)]
use std::collections::BTreeSet;
#[allow(unused_imports)]
use std::time::Duration;

#[allow(unused_imports)]
use reqwest::Method;
#[allow(unused_imports)]
use serde_json::{Value, json};
#[allow(unused_imports)]
use support::{API_KEY, Options, Reply, TestApp, assert_error, body};

#[tokio::test]
async fn cors_only_on_hub_for_allowed_origins_including_errors() {
    let origin = "http://host.example:3000";
    let s = TestApp::spawn_with(Options {
        allowed_origins: vec![origin.into()],
        ..Options::default()
    })
    .await;
    let r = s
        .http
        .request(Method::OPTIONS, s.url("/hub/accounts"))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,x-hub-session-token,x-hub-version,idempotency-key",
        )
        .send()
        .await
        .expect("req");
    assert!(r.status().is_success(), "{}", r.status());
    assert_eq!(r.headers()["access-control-allow-origin"], origin);
    let headers = r.headers()["access-control-allow-headers"]
        .to_str()
        .expect("str")
        .to_string();
    for h in [
        "content-type",
        "x-hub-session-token",
        "x-hub-version",
        "idempotency-key",
    ] {
        assert!(headers.contains(h), "{headers}");
    }
    let methods = r.headers()["access-control-allow-methods"]
        .to_str()
        .expect("str")
        .to_string();
    for m in ["GET", "POST", "PATCH", "DELETE"] {
        assert!(methods.contains(m), "{methods}");
    }
    // Error responses carry the header too.
    let r = s
        .http
        .get(s.url("/hub/connectors"))
        .header("origin", origin)
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["access-control-allow-origin"], origin);
    let r = s
        .http
        .post(s.url("/hub/accounts"))
        .header("origin", origin)
        .header("x-hub-session-token", s.token("o").await)
        .header("content-type", "application/json")
        .body("{bad")
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["access-control-allow-origin"], origin);
    // Another origin gets nothing.
    let r = s
        .http
        .get(s.url("/hub/connectors"))
        .header("origin", "http://evil.example")
        .send()
        .await
        .expect("req");
    assert!(r.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_json() {
    let s = TestApp::spawn().await;
    let r = s.http.get(s.url("/nope")).send().await.expect("req");
    assert_eq!(r.status(), 404);
    assert_error(&body(r).await, 404);
    let r = s
        .http
        .put(s.url("/hub/settings"))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 405);
    assert_error(&body(r).await, 405);
    let r = s.http.post(s.url("/nope")).send().await.expect("req");
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn static_files_auth_link_page_and_csp() {
    let web = tempfile::tempdir().expect("dir");
    std::fs::write(
        web.path().join("index.html"),
        "<!doctype html><title>hub</title>",
    )
    .expect("write");
    let wasm = "linkhub-0123456789abcdef_bg.wasm";
    std::fs::write(web.path().join(wasm), vec![0u8; 4096]).expect("write");
    std::fs::write(
        web.path().join("linkhub.js"),
        "console.log('x');".repeat(100),
    )
    .expect("write");
    let origin = "http://host.example:3000";
    let s = TestApp::spawn_with(Options {
        web_dir: Some(web.path().into()),
        allowed_origins: vec![origin.into()],
        ..Options::default()
    })
    .await;
    let r = s.http.get(s.url("/link")).send().await.expect("req");
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(h["cache-control"], "no-store");
    assert!(
        h["content-type"]
            .to_str()
            .expect("s")
            .starts_with("text/html")
    );
    let csp = h["content-security-policy"].to_str().expect("s");
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval'"),
        "{csp}"
    );
    assert!(
        csp.contains(&format!("frame-ancestors 'self' {origin}")),
        "{csp}"
    );
    // /embed, the page the loader frames: the same page and the same policy.
    let r = s.http.get(s.url("/embed")).send().await.expect("req");
    assert_eq!(r.status(), 200);
    let e = r.headers().clone();
    for name in [
        "referrer-policy",
        "cache-control",
        "content-security-policy",
    ] {
        assert_eq!(e[name], h[name], "{name}");
    }
    assert!(
        e["content-security-policy"]
            .to_str()
            .expect("s")
            .contains(&format!("frame-ancestors 'self' {origin};"))
    );
    assert_eq!(
        r.text().await.expect("html"),
        "<!doctype html><title>hub</title>"
    );
    let r = s.http.get(s.url("/")).send().await.expect("req");
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("content-security-policy").is_some());
    let r = s
        .http
        .get(s.url(&format!("/{wasm}")))
        .send()
        .await
        .expect("req");
    assert_eq!(r.headers()["content-type"], "application/wasm");
    assert!(
        r.headers()["cache-control"]
            .to_str()
            .expect("s")
            .contains("immutable")
    );
    let r = s
        .http
        .get(s.url("/linkhub.js"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect("req");
    assert_eq!(r.headers()["content-encoding"], "gzip");
    // The loader: JavaScript, cached briefly (its name never changes), no CORS needed.
    assert_eq!(
        r.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert_eq!(r.headers()["cache-control"], "public, max-age=300");
    assert!(r.headers().get("access-control-allow-origin").is_none());
    assert!(r.headers().get("content-security-policy").is_none());
    let r = s.http.get(s.url("/missing.js")).send().await.expect("req");
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn examples_dir_is_served_with_a_host_page_policy() {
    let examples = tempfile::tempdir().expect("dir");
    std::fs::write(
        examples.path().join("host.html"),
        "<!doctype html><title>host</title><script src=\"/linkhub.js\"></script>",
    )
    .expect("write");
    std::fs::write(examples.path().join("host.js"), "void 0;").expect("write");
    std::fs::write(examples.path().join("host.css"), "body{}").expect("write");
    let public = "http://hub.example:8080";
    let s = TestApp::spawn_with(Options {
        examples_dir: Some(examples.path().into()),
        env: vec![("LINKHUB_PUBLIC_URL".into(), public.into())],
        ..Options::default()
    })
    .await;
    let r = s
        .http
        .get(s.url("/examples/host.html"))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .expect("s")
        .to_string();
    assert!(csp.contains("script-src 'self';"), "{csp}");
    assert!(
        csp.contains(&format!("frame-src 'self' {public};")),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert!(r.text().await.expect("html").contains("/linkhub.js"));
    let r = s
        .http
        .get(s.url("/examples/host.js"))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    let r = s
        .http
        .get(s.url("/examples/host.css"))
        .send()
        .await
        .expect("req");
    assert!(
        r.headers()["content-type"]
            .to_str()
            .expect("s")
            .starts_with("text/css")
    );
    let r = s.http.get(s.url("/examples/")).send().await.expect("req");
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/examples/host.html");
    for missing in ["/examples/nope.html", "/examples/../Cargo.toml"] {
        let r = s.http.get(s.url(missing)).send().await.expect("req");
        assert_eq!(r.status(), 404, "{missing}");
    }
    // Without --examples-dir there is nothing there.
    let plain = TestApp::spawn().await;
    let r = plain
        .http
        .get(plain.url("/examples/host.html"))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn openapi_document_matches_the_routes() {
    let s = TestApp::spawn().await;
    let doc = body(
        s.http
            .get(s.url("/openapi.json"))
            .send()
            .await
            .expect("req"),
    )
    .await;
    assert_eq!(doc["openapi"], "3.1.0");
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("item").keys() {
            documented.insert(format!("{} {path}", method.to_uppercase()));
        }
    }
    // Every route of the API, as the router serves it (static files, /link, logos,
    // /healthz and /openapi.json itself are not part of the API).
    let expected: BTreeSet<String> = [
        "POST /connect_sessions",
        "GET /accounts",
        "GET /accounts/{id}",
        "DELETE /accounts/{id}",
        "GET /hub/settings",
        "GET /hub/connectors",
        "GET /hub/connectors/{integration_id}",
        "POST /hub/accounts",
        "GET /hub/accounts/{id}",
        "PATCH /hub/accounts/{id}",
        "POST /hub/connection_attempts",
        "GET /hub/connection_attempts/{id}",
        "DELETE /hub/connection_attempts/{id}",
        "GET /connect/oauth2/{integration_id}",
        "GET /connect/oauth2/callback",
        "GET /connect/oauth2/callback.js",
        // Extensions (issue #14): onboarding, the owner's accounts, hand-offs.
        "GET /hub/onboarding",
        "PATCH /hub/onboarding/steps/{index}",
        "GET /hub/accounts",
        "DELETE /hub/accounts/{id}",
        "POST /hub/handoffs",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(documented, expected);
    // And each documented operation is routed: no "No such endpoint" 404 and no 405.
    for op in &documented {
        let (method, path) = op.split_once(' ').expect("op");
        let path = path
            .replace("{id}", "x")
            .replace("{integration_id}", "x")
            .replace("{index}", "0");
        let r = s
            .http
            .request(method.parse().expect("method"), s.url(&path))
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .expect("req");
        assert_ne!(r.status(), 405, "{op}");
        let st = r.status();
        let text = r.text().await.unwrap_or_default();
        assert!(
            !(st == 404 && text.contains("No such endpoint")),
            "{op} not routed"
        );
    }
}

#[tokio::test]
async fn the_hub_s_csp_lists_the_operator_s_api_origins_and_refuses_bad_ones() {
    let web = tempfile::tempdir().expect("dir");
    std::fs::write(web.path().join("index.html"), "<!doctype html>").expect("write");
    let s = TestApp::spawn_with(Options {
        web_dir: Some(web.path().into()),
        env: vec![(
            "LINKHUB_API_ORIGINS".into(),
            "https://api.stackone.example/,http://127.0.0.1:9".into(),
        )],
        ..Options::default()
    })
    .await;
    for path in ["/link", "/embed"] {
        let r = s.http.get(s.url(path)).send().await.expect("req");
        let csp = r.headers()["content-security-policy"]
            .to_str()
            .expect("s")
            .to_owned();
        assert!(
            csp.contains("connect-src 'self' https://api.stackone.example http://127.0.0.1:9;"),
            "{csp}"
        );
        assert!(
            csp.contains("img-src 'self' data: https: http://127.0.0.1:9;"),
            "{csp}"
        );
    }
    // Without the option only this server is reachable.
    let plain = TestApp::spawn_with(Options {
        web_dir: Some(web.path().into()),
        ..Options::default()
    })
    .await;
    let r = plain
        .http
        .get(plain.url("/link"))
        .send()
        .await
        .expect("req");
    let csp = r.headers()["content-security-policy"].to_str().expect("s");
    assert!(csp.contains("connect-src 'self';"), "{csp}");

    // An origin the widget would never call (plain http off the machine, a path) stops the
    // server at start with the reason, exit code 2.
    for bad in ["http://api.example.com", "https://api.example.com/v1"] {
        let out = s
            .command()
            .args(["serve", "--port", "0", "--api-origin", bad])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("--api-origin"), "{err}");
    }
}
