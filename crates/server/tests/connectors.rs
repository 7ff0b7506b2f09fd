//! The connectors a session sees (`/hub/connectors…`).
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
async fn hub_connectors_filter_by_category_provider_and_active() {
    let s = TestApp::spawn().await;
    let token = s.token("o1").await;
    let r = s
        .hub(Method::GET, "/hub/connectors", &token)
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 200);
    let list: linkhub_protocol::hub::ConnectorList = r.json().await.expect("protocol shape");
    let keys: Vec<_> = list
        .integrations
        .iter()
        .map(|c| c.provider.as_str())
        .collect();
    assert_eq!(
        keys,
        ["acme_hr", "docsign", "oauthy"],
        "inactive legacy hidden"
    );
    for c in &list.integrations {
        assert!(c.active);
        let logo = c.logo_url.clone().expect("logo_url");
        let r = s.http.get(&logo).send().await.expect("logo");
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "image/svg+xml");
    }
    let r = s
        .hub(Method::GET, "/hub/connectors?provider=docsign", &token)
        .send()
        .await
        .expect("req");
    assert_eq!(
        body(r).await["integrations"].as_array().map(Vec::len),
        Some(1)
    );

    let v = s
        .create_session(
            json!({"origin_owner_id": "1", "origin_owner_name": "A", "categories": ["hris"]}),
        )
        .await;
    let t = v["token"].as_str().expect("token");
    let v = s.hub_get("/hub/connectors", t).await.body;
    assert_eq!(v["integrations"].as_array().map(Vec::len), Some(1));
    assert_eq!(v["integrations"][0]["provider"], "acme_hr");
    assert_eq!(v["integrations"][0]["type"], "hris");
    // Out of the session's filter: not found.
    let r = s
        .hub(Method::GET, "/hub/connectors/docsign", t)
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 404);

    let v = s
        .create_session(
            json!({"origin_owner_id": "1", "origin_owner_name": "A", "provider": "docsign"}),
        )
        .await;
    let t = v["token"].as_str().expect("token");
    let v = s.hub_get("/hub/connectors", t).await.body;
    assert_eq!(v["integrations"].as_array().map(Vec::len), Some(1));
    let v = s.hub_get("/hub/settings", t).await.body;
    assert_eq!(v["enabled_features"], json!([]));
}

#[tokio::test]
async fn hub_connector_detail_with_lang_is_in_that_language_without_translations() {
    let s = TestApp::spawn().await;
    let token = s.token("o1").await;
    let get = |path: &'static str| {
        let (s, token) = (&s, &token);
        async move {
            let r = s.hub(Method::GET, path, token).send().await.expect("req");
            assert_eq!(r.status(), 200, "{path}");
            body(r).await
        }
    };
    let all = get("/hub/connectors/acme_hr").await;
    assert!(all["config"]["translations"]["fr"].is_object(), "{all}");
    let subdomain = |v: &serde_json::Value| {
        v["config"]["configFields"]
            .as_array()
            .and_then(|f| f.iter().find(|f| f["key"] == "subdomain"))
            .cloned()
            .unwrap_or_default()
    };
    // A regional tag, in any case, gets its primary language's text, applied by the server.
    let fr = get("/hub/connectors/acme_hr?lang=FR-ca").await;
    assert!(fr["config"].get("translations").is_none(), "{fr}");
    assert_eq!(subdomain(&fr)["label"], "Sous-domaine", "{fr}");
    assert_eq!(
        subdomain(&fr)["validation"]["error"],
        "Lettres minuscules, chiffres et tirets.",
        "{fr}"
    );
    // What the translation leaves out stays English: only the translated texts differ.
    let mut english = all.clone();
    if let Some(config) = english["config"].as_object_mut() {
        config.remove("translations");
    }
    assert_ne!(subdomain(&english)["label"], "Sous-domaine");
    let mut fr_back = fr.clone();
    if let Some(fields) = fr_back["config"]["configFields"].as_array_mut() {
        for (f, e) in fields.iter_mut().zip(
            english["config"]["configFields"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        ) {
            if f["key"] == "subdomain" {
                *f = e;
            }
        }
    }
    assert_eq!(fr_back, english);
    // A language the connector has no translation for (English is the catalog's own) gets
    // the English text, without translations.
    for path in [
        "/hub/connectors/acme_hr?lang=en",
        "/hub/connectors/acme_hr?lang=de",
    ] {
        assert_eq!(get(path).await, english, "{path}");
    }
}

#[tokio::test]
async fn hub_settings_offers_connector_lang() {
    let s = TestApp::spawn().await;
    let token = s.token("o1").await;
    let r = s
        .hub(Method::GET, "/hub/settings", &token)
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 200);
    let v = body(r).await;
    let offered: Vec<&str> = v["extensions"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e.as_str()).collect())
        .unwrap_or_default();
    assert!(
        offered.contains(&linkhub_protocol::onboarding::extension::CONNECTOR_LANG),
        "{v}"
    );
}

#[tokio::test]
async fn hub_connector_detail_and_unknown_connector() {
    let s = TestApp::spawn().await;
    let token = s.token("o1").await;
    let r = s
        .hub(Method::GET, "/hub/connectors/acme_hr", &token)
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 200);
    let v = body(r).await;
    assert_eq!(v["config"]["key"], "acme_hr");
    assert_eq!(v["config"]["type"], "custom");
    assert!(
        v["config"]["configFields"]
            .as_array()
            .is_some_and(|f| f.len() == 3)
    );
    assert!(v["hub_settings"]["configured_webhook_events"].is_array());
    assert!(v["hub_settings"]["project_settings"].is_object());
    // The catalog's translations are passed through for the widget to pick from.
    assert_eq!(
        v["config"]["translations"]["fr"]["fields"]["subdomain"]["label"],
        "Sous-domaine"
    );
    assert_eq!(v["config"]["configFields"][0]["label"], "Subdomain");
    // Issue #17: `config.assets.icon` was a path (`/catalog/…`), which StackOne's client
    // resolves against the host page; it is absolute like `logo_url`, and it is served.
    let icon = v["config"]["assets"]["icon"].as_str().expect("an icon");
    assert_eq!(icon, format!("{}/catalog/acme_hr/logo.svg", s.base));
    let r = s.http.get(icon).send().await.expect("icon");
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/svg+xml");
    for id in ["nope", "legacy"] {
        let r = s
            .hub(Method::GET, &format!("/hub/connectors/{id}"), &token)
            .send()
            .await
            .expect("req");
        assert_eq!(r.status(), 404, "{id}");
        assert_error(&body(r).await, 404);
    }
}

#[tokio::test]
async fn catalog_synthetic_writes_a_catalog_that_serve_accepts() {
    let out = tempfile::tempdir().expect("dir");
    let dir = out.path().join("synthetic");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_linkhub-server"))
        .args(["catalog", "synthetic", "--count", "25", "--out"])
        .arg(&dir)
        .env("LINKHUB_DATA_DIR", out.path().join("unused"))
        .output()
        .expect("run");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    assert!(
        !out.path().join("unused").exists(),
        "no data directory needed"
    );
    let s = TestApp::spawn_with(Options {
        catalog: Some(dir),
        ..Options::default()
    })
    .await;
    let v = body(
        s.hub(Method::GET, "/hub/connectors", &s.token("o1").await)
            .send()
            .await
            .expect("req"),
    )
    .await;
    let list = v["integrations"].as_array().expect("list");
    assert_eq!(list.len(), 25, "{v}");
    assert!(list.iter().any(|c| c["provider"] == "synthetic-00024"));
}
