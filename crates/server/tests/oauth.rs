//! OAuth connection attempts and the OAuth flow, against a provider owned by the test.
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
async fn oauth_flow_against_a_provider_owned_by_the_test() {
    let provider = support::oauth::Provider::start().await;
    let base = provider.base.clone();
    let catalog = provider.catalog();
    let s = TestApp::spawn_with(Options {
        catalog: Some(catalog.path().into()),
        ..Options::default()
    })
    .await;
    let token = s.token("o-oauth").await;
    // Attempt lifecycle: create, read, cancel.
    let cancelled = s.create_attempt(&token, None).await;
    let v = s.get_attempt(&token, &cancelled).await.body;
    assert_eq!(v["status"], "pending");
    assert_eq!(v["account"], Value::Null);
    let r = s
        .hub(
            Method::DELETE,
            &format!("/hub/connection_attempts/{cancelled}"),
            &token,
        )
        .send()
        .await
        .expect("req");
    assert_eq!(body(r).await["status"], "cancelled");
    // Another owner's token cannot see it.
    let other = s.token("someone-else").await;
    s.get_attempt(&other, &cancelled).await.assert_error(404);
    // A cancelled attempt cannot be started.
    let r = s.open_popup(&token, "oauthy", &cancelled).await;
    assert_eq!(r.status(), 404);
    // OAuth connectors do not take credentials directly.
    s.link(&token, "oauthy", json!({}))
        .send()
        .await
        .assert_error(400);

    // The real flow, the body token alone is enough to create the attempt. The widget
    // speaks French: the result page will too.
    let r = s
        .http
        .post(s.url("/hub/connection_attempts"))
        .header("accept-language", "fr")
        .json(&json!({"token": token}))
        .send()
        .await
        .expect("req");
    let attempt = body(r).await["id"].as_str().expect("id").to_string();
    let r = s.open_popup(&token, "oauthy", &attempt).await;
    assert!(r.status().is_redirection(), "{}", r.status());
    let authorize = r.headers()["location"].to_str().expect("loc").to_string();
    let url = url::Url::parse(&authorize).expect("url");
    assert!(authorize.starts_with(&format!("{base}/authorize")));
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["scope"], "read write");
    assert!(q["state"].len() >= 40);
    // The provider redirects back with a code.
    let r = s.http.get(&authorize).send().await.expect("authorize");
    assert!(
        r.status().is_redirection(),
        "provider authorize: {}",
        r.status()
    );
    let callback = r.headers()["location"].to_str().expect("loc").to_string();
    assert!(
        callback.starts_with(&s.url("/connect/oauth2/callback?")),
        "{callback}"
    );
    let r = s
        .http
        .get(&callback)
        .header("accept-language", "en-US,en;q=0.9")
        .send()
        .await
        .expect("callback");
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_string();
    assert!(csp.contains("script-src 'self'"));
    let html = r.text().await.expect("html");
    assert!(
        html.contains("data-status=\"authenticated\""),
        "{html}\n{}",
        s.log()
    );
    assert!(!html.contains("<script>"), "no inline script");
    assert!(
        html.contains("lang=\"fr\" dir=\"ltr\"")
            && html.contains("Votre compte est connecté. Vous pouvez fermer cette fenêtre."),
        "the attempt's language, not the popup's: {html}"
    );
    let v = s.get_attempt(&token, &attempt).await.body;
    assert_eq!(v["status"], "authenticated", "{v}");
    let account = v["account"]["id"].as_str().expect("account id");
    let v = s.api_get(&format!("/accounts/{account}")).await.body;
    assert_eq!(v["provider"], "oauthy");
    assert_eq!(v["origin_owner_id"], "o-oauth");
    // The callback cannot be replayed. The attempt is no longer known: the popup's own
    // languages decide.
    let r = s
        .http
        .get(&callback)
        .header("accept-language", "ar-EG, en;q=0.5")
        .send()
        .await
        .expect("replay");
    assert_eq!(r.status(), 400);
    let html = r.text().await.expect("html");
    assert!(
        html.contains("lang=\"ar\" dir=\"rtl\"")
            && html.contains("رابط تسجيل الدخول هذا غير معروف"),
        "{html}"
    );
    let r = s
        .http
        .get(s.url("/connect/oauth2/callback.js"))
        .send()
        .await
        .expect("js");
    assert!(
        r.headers()["content-type"]
            .to_str()
            .expect("ct")
            .contains("javascript")
    );
}

/// When the attempt cannot be marked authenticated, the callback says the link failed
/// (not "linked"), the attempt ends in `error`, no account is left half-linked, and the
/// failure is in the log.
#[tokio::test]
async fn an_oauth_callback_that_cannot_record_its_result_says_so() {
    let provider = support::oauth::Provider::start().await;
    let catalog = provider.catalog();
    let app = TestApp::spawn_with(Options {
        catalog: Some(catalog.path().into()),
        ..Options::default()
    })
    .await;
    if app.is_postgres() {
        app.sql(&[
            "CREATE FUNCTION lh_refuse() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$",
            "CREATE TRIGGER lh_refuse BEFORE UPDATE ON connection_attempts FOR EACH ROW \
             WHEN (NEW.status = 'authenticated') EXECUTE FUNCTION lh_refuse()",
        ])
        .await;
    } else {
        app.sql(&[
            "CREATE TRIGGER lh_refuse BEFORE UPDATE ON connection_attempts \
             WHEN NEW.status = 'authenticated' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
        ])
        .await;
    }
    let token = app.token("o-oauth-broken").await;
    let attempt = app.create_attempt(&token, Some("fr")).await;
    let (_, callback) = app.through_provider(&token, "oauthy", &attempt).await;
    let r = app.http.get(&callback).send().await.expect("callback");
    let html = r.text().await.expect("html");
    assert!(html.contains("data-status=\"error\""), "{html}");
    assert!(
        html.contains("Le compte n&#39;a pas pu être connecté."),
        "{html}"
    );
    let v = app.get_attempt(&token, &attempt).await;
    assert_eq!(v.body["status"], "error", "{}", v.body);
    assert!(
        app.list_accounts("?origin_owner_id=o-oauth-broken")
            .await
            .is_empty(),
        "no account linked by a failed attempt"
    );
    let log = app.log();
    assert!(
        log.lines()
            .any(|l| l.contains("ERROR") && l.contains(&attempt)),
        "{log}"
    );
}
