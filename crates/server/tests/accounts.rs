//! Accounts: linking (with its refusals and its idempotency), reading, editing, listing and deleting.
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
async fn link_validate_read_redacted_and_patch() {
    let s = TestApp::spawn().await;
    let token = s.token("o1").await;
    // Invalid credentials: a message per field, in the language the request asks for.
    let refused = async |language: &str| {
        let r = s
            .link(
                &token,
                "acme_hr",
                json!({"subdomain": "Not Valid!", "region": "mars", "bogus": "x"}),
            )
            .language(language)
            .send()
            .await;
        r.assert_error(400);
        for k in ["subdomain", "api_key", "region", "bogus"] {
            assert!(r.body["fields"][k].is_string(), "{k}: {}", r.body);
        }
        // The connector's own message for its pattern stays as the connector wrote it.
        assert_eq!(
            r.body["fields"]["subdomain"],
            "Use lowercase letters, digits and dashes."
        );
        r.body
    };
    let v = refused("en-US").await;
    assert_eq!(v["fields"]["api_key"], "This field is required.");
    // The widget sends its own language; the server answers with the widget's words.
    let v = refused("fr").await;
    assert_eq!(v["message"], "Certains identifiants ne sont pas valides.");
    assert_eq!(v["fields"]["api_key"], "Ce champ est obligatoire.");
    assert_eq!(
        v["fields"]["region"],
        "Choisissez l'une des options proposées."
    );
    assert_eq!(v["fields"]["bogus"], "Ce connecteur n'a pas de tel champ.");
    // Unknown connector, wrong value type.
    let r = s.link(&token, "nope", json!({})).send().await;
    r.assert_error(400);
    assert!(r.body["fields"]["integration_id"].is_string());
    let r = s
        .link(&token, "acme_hr", json!({"subdomain": ["a"]}))
        .send()
        .await;
    r.assert_error(400);
    let r = s
        .hub(Method::POST, "/hub/accounts", &token)
        .json(&json!({"integration_id": 5}))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 400);

    let (status, created) = s.link_account(&token, "sk_live_abcdefgh1234").await.pair();
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("id").to_string();
    assert_eq!(created["provider"], "acme_hr");

    let v = s.hub_get(&format!("/hub/accounts/{id}"), &token).await.body;
    assert_eq!(v["secureId"], id.as_str());
    assert_eq!(v["integrationId"], "acme_hr");
    assert_eq!(v["setupInformation"]["subdomain"], "acme");
    assert_eq!(v["secrets"]["api_key"], "__secretvalue:**redacted**1234");
    assert!(!v.to_string().contains("sk_live_abcdefgh1234"));

    // PATCH: the untouched redacted secret is kept; the changed field is stored.
    let r = s
        .hub(Method::PATCH, &format!("/hub/accounts/{id}"), &token)
        .json(&json!({"integration_id": "acme_hr", "credentials": {
            "subdomain": "acme-2", "api_key": "__secretvalue:**redacted**1234"}}))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 200);
    let v = body(r).await;
    assert_eq!(v["setupInformation"]["subdomain"], "acme-2");
    assert_eq!(v["secrets"]["api_key"], "__secretvalue:**redacted**1234");
    let r = s.hub(Method::PATCH, &format!("/hub/accounts/{id}"), &token)
        .json(&json!({"integration_id": "acme_hr", "credentials": {"api_key": "new-secret-value-9999"}}))
        .send().await.expect("req");
    assert_eq!(
        body(r).await["secrets"]["api_key"],
        "__secretvalue:**redacted**9999"
    );
    let r = s
        .hub(Method::PATCH, &format!("/hub/accounts/{id}"), &token)
        .json(&json!({"integration_id": "acme_hr", "credentials": {"subdomain": "BAD BAD"}}))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 400);

    // Host view: no secrets anywhere.
    let v = s.api_get(&format!("/accounts/{id}")).await.body;
    assert_eq!(v["status"], "active");
    assert_eq!(v["setup_information"]["subdomain"], "acme-2");
    assert!(!v.to_string().contains("9999"));
    // Secrets never in the log either.
    assert!(!s.log().contains("new-secret-value"));
    assert!(!s.log().contains("sk_live_abcdefgh1234"));
}

#[tokio::test]
async fn foreign_tokens_cannot_see_or_change_other_owners_accounts() {
    let s = TestApp::spawn().await;
    let mine = s.token("alice").await;
    let theirs = s.token("bob").await;
    let (_, created) = s.link_account(&mine, "alice-secret-000000").await.pair();
    let id = created["id"].as_str().expect("id");
    s.hub_get(&format!("/hub/accounts/{id}"), &theirs)
        .await
        .assert_error(404);
    let r = s
        .hub(Method::PATCH, &format!("/hub/accounts/{id}"), &theirs)
        .json(&json!({"integration_id": "acme_hr", "credentials": {"api_key": "x"}}))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 404);
    // An edit session cannot be made for another owner's account.
    let r = s
        .api(Method::POST, "/connect_sessions")
        .json(&json!({"origin_owner_id": "bob", "origin_owner_name": "B", "account_id": id}))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn duplicate_links_update_without_multiple_and_add_with_it() {
    let s = TestApp::spawn().await;
    let t1 = s.token("o1").await;
    let (st1, a) = s.link_account(&t1, "first-secret-aaaa").await.pair();
    let t2 = s.token("o1").await;
    let (st2, b) = s.link_account(&t2, "second-secret-bbbb").await.pair();
    assert_eq!((st1, st2), (201, 200));
    assert_eq!(
        a["id"], b["id"],
        "multiple=false updates the existing account"
    );
    let v = s
        .create_session(
            json!({"origin_owner_id": "o1", "origin_owner_name": "O", "multiple": true}),
        )
        .await;
    let (st3, c) = s
        .link_account(v["token"].as_str().expect("t"), "third-secret-cccc")
        .await
        .pair();
    assert_eq!(st3, 201);
    assert_ne!(a["id"], c["id"]);
    let list = s.api_get("/accounts?origin_owner_id=o1").await.body;
    assert_eq!(list.as_array().map(Vec::len), Some(2));
    // Another owner is separate.
    let (st4, _) = s
        .link_account(&s.token("o2").await, "fourth-secret-dddd")
        .await
        .pair();
    assert_eq!(st4, 201);
}

#[tokio::test]
async fn concurrent_links_without_multiple_make_one_account() {
    let s = TestApp::spawn().await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let token = s.token("racer").await;
        let http = s.http.clone();
        let url = s.url("/hub/accounts");
        tasks.push(tokio::spawn(async move {
            http.post(url).header("x-hub-session-token", token)
                .json(&json!({"integration_id": "docsign", "credentials": {"api_token": format!("tok-{i}")}}))
                .send().await.expect("req").status().as_u16()
        }));
    }
    for t in tasks {
        let st = t.await.expect("join");
        assert!(st == 200 || st == 201, "{st}");
    }
    let list = s.api_get("/accounts?origin_owner_id=racer").await.body;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn idempotent_retries_return_the_first_result() {
    let s = TestApp::spawn().await;
    let token = s.token("o1").await;
    let token_multi = s
        .token_for(json!({"origin_owner_id": "o1", "origin_owner_name": "O", "multiple": true}))
        .await;
    let post = |key: &'static str, tok: String, secret: &'static str| {
        let http = s.http.clone();
        let url = s.url("/hub/accounts");
        async move {
            let r = http
                .post(url)
                .header("x-hub-session-token", tok)
                .header("idempotency-key", key)
                .json(&json!({"integration_id": "docsign", "credentials": {"api_token": secret}}))
                .send()
                .await
                .expect("req");
            (r.status().as_u16(), r.json::<Value>().await.expect("json"))
        }
    };
    let link = |key: &str, secret: &str| {
        s.link(&token_multi, "docsign", json!({"api_token": secret}))
            .idempotency_key(key)
    };
    let a = link("k-1", "secret-one").send().await;
    let b = link("k-1", "secret-one").send().await;
    assert_eq!((a.status, b.status), (201, 201));
    assert_eq!(a.body, b.body);
    // Same key, different body.
    link("k-1", "other").send().await.assert_error(422);
    // Concurrent duplicates with multiple=true still make one account.
    let futs: Vec<_> = (0..8)
        .map(|_| tokio::spawn(post("k-2", token_multi.clone(), "secret-two")))
        .collect();
    let mut ids = BTreeSet::new();
    for f in futs {
        let (st, v) = f.await.expect("join");
        assert_eq!(st, 201, "{v}");
        ids.insert(v["id"].as_str().expect("id").to_string());
    }
    assert_eq!(ids.len(), 1);
    let list = s.api_get("/accounts?provider=docsign").await.body;
    assert_eq!(list.as_array().map(Vec::len), Some(2), "k-1 and k-2 only");
    // A validation error is a final answer too.
    let refused = s
        .link(&token, "docsign", json!({}))
        .idempotency_key("k-3")
        .send()
        .await;
    refused.assert_error(400);
    let again = s
        .link(&token, "docsign", json!({}))
        .idempotency_key("k-3")
        .send()
        .await;
    assert_eq!((again.status, again.body), (400, refused.body));
}

#[tokio::test]
async fn edit_session_reports_and_updates_the_existing_account() {
    let s = TestApp::spawn().await;
    let (_, a) = s
        .link_account(&s.token("o1").await, "original-secret-1111")
        .await
        .pair();
    let id = a["id"].as_str().expect("id");
    let v = s.create_session(json!({"origin_owner_id": "o1", "origin_owner_name": "O", "account_id": id, "multiple": true})).await;
    let t = v["token"].as_str().expect("t");
    let settings = s.hub_get("/hub/settings", t).await.body;
    assert_eq!(settings["existing_account_id"], id);
    let (st, b) = s.link_account(t, "replaced-secret-2222").await.pair();
    assert_eq!(st, 200);
    assert_eq!(b["id"], id);
}

#[tokio::test]
async fn accounts_api_lists_filters_gets_and_deletes() {
    let s = TestApp::spawn().await;
    let (_, a) = s
        .link_account(&s.token("o1").await, "secret-aaaa-aaaa")
        .await
        .pair();
    let (_, _b) = s
        .link_account(&s.token("o2").await, "secret-bbbb-bbbb")
        .await
        .pair();
    let r = s.http.get(s.url("/accounts")).send().await.expect("req");
    assert_eq!(r.status(), 401);
    let all: Vec<linkhub_protocol::api::Account> = s
        .api(Method::GET, "/accounts")
        .send()
        .await
        .expect("req")
        .json()
        .await
        .expect("protocol shape");
    assert_eq!(all.len(), 2);
    let v = body(
        s.api(
            Method::GET,
            "/accounts?origin_owner_id=o1&provider=acme_hr&status=active",
        )
        .send()
        .await
        .expect("req"),
    )
    .await;
    assert_eq!(v.as_array().map(Vec::len), Some(1));
    let v = s.api_get("/accounts?status=error").await.body;
    assert_eq!(v.as_array().map(Vec::len), Some(0));
    let r = s
        .api(Method::GET, "/accounts?status=bogus")
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 400);
    let id = a["id"].as_str().expect("id");
    let v = s.api_get(&format!("/accounts/{id}")).await.body;
    assert_eq!(v["provider_name"], "Acme HR");
    assert_eq!(v["origin_owner_name"], "o1 Inc");
    let r = s
        .api(Method::DELETE, &format!("/accounts/{id}"))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 200);
    let r = s
        .api(Method::GET, &format!("/accounts/{id}"))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 404);
    let r = s
        .api(Method::DELETE, &format!("/accounts/{id}"))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 404);
}

/// Guards the in-memory answer memo: a retry that reaches a process which never gave the
/// first answer (here, the same server after a restart) must still get it, from the
/// database, and a different request under the key must still be refused.
#[tokio::test]
async fn idempotent_retry_after_a_restart_is_answered_from_the_database() {
    let mut s = TestApp::spawn().await;
    let v = s
        .create_session(
            json!({"origin_owner_id": "o-r", "origin_owner_name": "O", "multiple": true}),
        )
        .await;
    let token = v["token"].as_str().expect("token").to_string();
    let post = |s: &TestApp, secret: &str| {
        s.hub(Method::POST, "/hub/accounts", &token)
            .header("idempotency-key", "k-restart")
            .json(&json!({"integration_id": "docsign", "credentials": {"api_token": secret}}))
    };
    let r = post(&s, "secret-r").send().await.expect("req");
    assert_eq!(r.status(), 201);
    let first = body(r).await;
    s.restart();
    let r = post(&s, "secret-r").send().await.expect("req");
    assert_eq!(r.status(), 201);
    assert_eq!(body(r).await, first);
    let r = post(&s, "another-secret").send().await.expect("req");
    assert_eq!(r.status(), 422);
    let list = s.api_get("/accounts?origin_owner_id=o-r").await.body;
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
}

#[tokio::test]
async fn data_survives_a_restart() {
    let mut s = TestApp::spawn().await;
    let token = s.token("o1").await;
    let (_, a) = s.link_account(&token, "persisted-secret-7777").await.pair();
    let id = a["id"].as_str().expect("id").to_string();
    s.restart();
    let v = s.api_get(&format!("/accounts/{id}")).await.body;
    assert_eq!(v["id"], id.as_str());
    // The old token still works and the sealed secret still opens.
    let v = s.hub_get(&format!("/hub/accounts/{id}"), &token).await.body;
    assert_eq!(v["secrets"]["api_key"], "__secretvalue:**redacted**7777");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(s.data_dir.path().join("secret.key"))
            .expect("key")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

/// A refused link under an `Idempotency-Key` (the widget always sends one) is told in the
/// request's language, and so is its replay. (On SQLite the write runs on the writer
/// thread, where the request's language once was unknown: the answer was English.)
#[tokio::test]
async fn a_refusal_under_an_idempotency_key_speaks_the_request_s_language() {
    let app = TestApp::spawn().await;
    let token = app.token("o-fr").await;
    let link = || {
        app.link(
            &token,
            "acme_hr",
            json!({"subdomain": "Not Valid!", "region": "mars"}),
        )
        .language("fr")
        .idempotency_key("widget-key-1")
    };
    let r = link().send().await;
    r.assert_error(400);
    assert_eq!(
        r.body["message"], "Certains identifiants ne sont pas valides.",
        "{}",
        r.body
    );
    assert_eq!(r.body["fields"]["api_key"], "Ce champ est obligatoire.");
    assert_eq!(
        r.body["fields"]["region"],
        "Choisissez l'une des options proposées."
    );
    // The retry gets the first answer, as it was given.
    let again = link().send().await;
    assert_eq!(again.status, 400);
    assert_eq!(again.body, r.body);
}

/// A `secrets` column that is not what the server wrote is an error the operator sees
/// (in the log, as a 500 to the widget, as a failing CLI), never an empty map.
#[tokio::test]
async fn a_corrupt_secrets_column_is_an_error_not_an_empty_map() {
    let app = TestApp::spawn().await;
    let token = app.token("o-corrupt").await;
    let r = app.link_account(&token, "sk_live_corrupt_0001").await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.id();
    app.sql(&[&format!(
        "UPDATE accounts SET secrets = 'not a map' WHERE id = '{id}'"
    )])
    .await;
    let r = app.hub_get(&format!("/hub/accounts/{id}"), &token).await;
    r.assert_error(500);
    assert_eq!(r.body["message"], "Internal server error");
    let log = app.log();
    assert!(
        log.lines()
            .any(|l| l.contains("ERROR") && l.contains(&id) && l.contains("secrets")),
        "the log names the account and the column:\n{log}"
    );
    let out = app.cli(&["accounts", "list"]);
    assert!(!out.status.success(), "the CLI fails");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&id) && stderr.contains("secrets"),
        "{stderr}"
    );
}
