//! Extension (issue #14): onboarding plans on connect sessions, the owner's own accounts,
//! hand-off links and `connect_session.completed`. Against the real binary, on SQLite or
//! (with `LINKHUB_TEST_POSTGRES_URL`) PostgreSQL.

mod support;

use std::path::Path;

use reqwest::Method;
use serde_json::{Value, json};
use support::webhooks::{Received, receiver, verify};
use support::{Options, Reply, TestApp, send};

/// The test catalog plus a second HRIS connector (`peoplebase`), so a category step can be
/// satisfied by either.
struct Catalog(tempfile::TempDir);

impl Catalog {
    fn new() -> Catalog {
        let dir = tempfile::tempdir().expect("dir");
        let from = support::test_catalog();
        for entry in std::fs::read_dir(&from).expect("test catalog") {
            let entry = entry.expect("entry");
            copy_dir(&entry.path(), &dir.path().join(entry.file_name()));
        }
        let people = dir.path().join("peoplebase");
        copy_dir(&from.join("acme_hr"), &people);
        let toml = std::fs::read_to_string(people.join("connector.toml")).expect("toml");
        std::fs::write(
            people.join("connector.toml"),
            toml.replacen("key = \"acme_hr\"", "key = \"peoplebase\"", 1)
                .replacen("name = \"Acme HR\"", "name = \"PeopleBase\"", 1),
        )
        .expect("write");
        let logo = std::fs::read_to_string(people.join("logo.svg")).expect("logo");
        std::fs::write(
            people.join("logo.svg"),
            logo.replace("Acme HR", "PeopleBase")
                .replace("acme hr", "PeopleBase"),
        )
        .expect("write logo");
        Catalog(dir)
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
    }
}

/// A server on the onboarding catalog, with a webhook receiver.
async fn spawn() -> (TestApp, Received, Catalog) {
    let catalog = Catalog::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    let got = receiver(listener).await;
    let app = TestApp::spawn_with(Options {
        catalog: Some(catalog.0.path().to_path_buf()),
        webhook_url: Some(url),
        ..Options::default()
    })
    .await;
    (app, got, catalog)
}

/// The plan most tests use: any HRIS connector, DocSign, and an optional OAuthy.
fn plan() -> Value {
    json!([
        {"category": "hris"},
        {"provider": "docsign", "label": "Your contract tool"},
        {"provider": "oauthy", "optional": true}
    ])
}

/// A session of `owner` with `plan`: (token, answer).
async fn session_with(s: &TestApp, owner: &str, plan: Value) -> (String, Value) {
    let answer = s
        .create_session(json!({
            "origin_owner_id": owner, "origin_owner_name": format!("{owner} Inc"),
            "origin_username": format!("{owner}@example.com"), "onboarding": plan
        }))
        .await;
    (answer["token"].as_str().expect("token").to_string(), answer)
}

async fn link_hris(s: &TestApp, token: &str, provider: &str) -> Reply {
    s.link(
        token,
        provider,
        json!({"subdomain": "acme", "api_key": "hr-secret-1234"}),
    )
    .send()
    .await
}

async fn link_docsign(s: &TestApp, token: &str) -> Reply {
    s.link(token, "docsign", json!({"api_token": "doc-secret-1234"}))
        .send()
        .await
}

async fn onboarding(s: &TestApp, token: &str) -> Value {
    let r = s.hub_get("/hub/onboarding", token).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

fn states(progress: &Value) -> Vec<String> {
    progress["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| s["state"].as_str().expect("state").to_string())
        .collect()
}

async fn skip(s: &TestApp, token: &str, index: &str, skipped: bool) -> Reply {
    send(
        s.hub(
            Method::PATCH,
            &format!("/hub/onboarding/steps/{index}"),
            token,
        )
        .json(&json!({ "skipped": skipped })),
    )
    .await
}

fn of_type(got: &Received, event_type: &str) -> Vec<(axum::http::HeaderMap, Value)> {
    got.lock()
        .expect("lock")
        .iter()
        .filter_map(|(h, b)| {
            let v: Value = serde_json::from_str(b).ok()?;
            (v["type"] == event_type).then(|| (h.clone(), v))
        })
        .collect()
}

/// The webhooks of this type a receiver got: waits for `at_least`, then a moment more, so
/// that anything sent twice would be there too.
async fn events_of(
    got: &Received,
    event_type: &str,
    at_least: usize,
) -> Vec<(axum::http::HeaderMap, Value)> {
    for _ in 0..100 {
        if of_type(got, event_type).len() >= at_least {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    of_type(got, event_type)
}

#[tokio::test]
async fn each_step_of_a_plan_is_checked_against_the_catalog() {
    let (s, _, _c) = spawn().await;
    let r = s
        .post_session(&json!({
            "origin_owner_id": "v1", "origin_owner_name": "V Inc",
            "onboarding": [
                {"provider": "nope"},
                {"category": "hris", "provider": "docsign"},
                {"category": "ats"},
                {"provider": "legacy"},
                {},
                {"provider": "docsign", "label": "   "}
            ]
        }))
        .await;
    r.assert_error(400);
    let fields = &r.body["fields"];
    assert!(
        fields["onboarding[0].provider"].as_str().is_some(),
        "{fields}"
    );
    assert!(fields["onboarding[1]"].as_str().is_some(), "{fields}");
    assert!(
        fields["onboarding[2].category"].as_str().is_some(),
        "{fields}"
    );
    assert!(
        fields["onboarding[3].provider"]
            .as_str()
            .is_some_and(|m| m.contains("not active")),
        "{fields}"
    );
    assert!(fields["onboarding[4]"].as_str().is_some(), "{fields}");
    assert!(fields["onboarding[5].label"].as_str().is_some(), "{fields}");
    let too_many: Vec<Value> = (0..21).map(|_| json!({"provider": "docsign"})).collect();
    let r = s
        .post_session(
            &json!({"origin_owner_id": "v1", "origin_owner_name": "V", "onboarding": too_many}),
        )
        .await;
    r.assert_error(400);
    assert!(
        r.body["fields"]["onboarding"].as_str().is_some(),
        "{}",
        r.body
    );
    // An unknown step field is named too.
    let r = s
        .post_session(&json!({"origin_owner_id": "v1", "origin_owner_name": "V",
            "onboarding": [{"provider": "docsign", "colour": "red"}]}))
        .await;
    r.assert_error(400);
}

#[tokio::test]
async fn a_session_without_a_plan_answers_as_before() {
    let (s, _, _c) = spawn().await;
    let answer = s
        .create_session(json!({"origin_owner_id": "so1", "origin_owner_name": "S Inc"}))
        .await;
    assert!(answer.get("onboarding").is_none(), "{answer}");
    let token = answer["token"].as_str().expect("token");
    let settings = s.hub_get("/hub/settings", token).await;
    assert_eq!(settings.status, 200);
    assert!(
        settings.body.get("onboarding").is_none(),
        "{}",
        settings.body
    );
    let extensions = settings.body["extensions"].as_array().expect("extensions");
    for name in ["onboarding", "owner_accounts", "handoffs"] {
        assert!(extensions.contains(&json!(name)), "{name}");
    }
    let r = s.hub_get("/hub/onboarding", token).await;
    r.assert_error(404);
    assert!(
        r.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("no onboarding plan")),
        "{}",
        r.body
    );
    skip(&s, token, "0", true).await.assert_error(404);
    // Linking works as ever, and answers `{id, provider}` only.
    let linked = link_docsign(&s, token).await;
    assert_eq!(linked.status, 201, "{}", linked.body);
    assert_eq!(
        linked.body.as_object().map(|o| o.len()),
        Some(2),
        "{}",
        linked.body
    );
}

#[tokio::test]
async fn a_category_step_is_done_by_any_connector_of_it_and_progress_outlives_the_session() {
    let (s, _, _c) = spawn().await;
    let (t1, answer) = session_with(&s, "c1", plan()).await;
    let progress = &answer["onboarding"];
    assert_eq!(states(progress), ["todo", "todo", "todo"], "{progress}");
    assert_eq!(progress["total"], 3);
    assert_eq!(progress["done"], 0);
    assert_eq!(progress["completed"], false);
    assert_eq!(progress["steps"][1]["label"], "Your contract tool");
    let plan_id = progress["plan_id"].as_str().expect("plan id").to_string();

    // PeopleBase is the category's second connector: it satisfies the HRIS step.
    let linked = link_hris(&s, &t1, "peoplebase").await;
    assert_eq!(linked.status, 201, "{}", linked.body);
    let p = onboarding(&s, &t1).await;
    assert_eq!(states(&p), ["done", "todo", "todo"], "{p}");
    assert_eq!(p["steps"][0]["account_id"], linked.body["id"]);
    assert_eq!(p["steps"][0]["account_provider"], "peoplebase");
    assert_eq!(p["steps"][0]["account_name"], "PeopleBase");
    assert_eq!(p["done"], 1);

    // A new session (another device, the first one expired) for the same owner and plan
    // shows the progress so far; the same steps written differently are the same plan.
    let (t2, answer) = session_with(
        &s,
        "c1",
        json!([
            {"category": " HRIS "},
            {"provider": "docsign", "label": "Your contract tool"},
            {"provider": "oauthy", "optional": true}
        ]),
    )
    .await;
    assert_eq!(answer["onboarding"]["plan_id"], plan_id.as_str());
    assert_eq!(states(&answer["onboarding"]), ["done", "todo", "todo"]);
    let settings = s.hub_get("/hub/settings", &t2).await;
    assert_eq!(
        states(&settings.body["onboarding"]),
        ["done", "todo", "todo"]
    );

    // Another owner with the same plan starts from nothing.
    let (_, other) = session_with(&s, "c2", plan()).await;
    assert_eq!(states(&other["onboarding"]), ["todo", "todo", "todo"]);

    // The account is the source of truth: an account in error needs attention, and a
    // deleted one turns the step back to do.
    let id = linked.id();
    s.sql(&[&format!(
        "UPDATE accounts SET status = 'error' WHERE id = '{id}'"
    )])
    .await;
    let p = onboarding(&s, &t2).await;
    assert_eq!(states(&p), ["needs_attention", "todo", "todo"], "{p}");
    assert_eq!(p["steps"][0]["account_id"], id.as_str());
    let r = send(s.hub(Method::DELETE, &format!("/hub/accounts/{id}"), &t2)).await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(states(&onboarding(&s, &t2).await), ["todo", "todo", "todo"]);
}

#[tokio::test]
async fn optional_steps_can_be_skipped_and_taken_up_again() {
    let (s, _, _c) = spawn().await;
    let (token, _) = session_with(&s, "k1", plan()).await;
    let r = skip(&s, &token, "2", true).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(states(&r.body), ["todo", "todo", "skipped"]);
    // Skipping is remembered for the owner, not the session.
    let (other, _) = session_with(&s, "k1", plan()).await;
    assert_eq!(
        states(&onboarding(&s, &other).await),
        ["todo", "todo", "skipped"]
    );
    // A required step cannot be skipped; an unknown step is not found.
    let r = skip(&s, &token, "0", true).await;
    r.assert_error(400);
    assert!(r.body["fields"]["skipped"].as_str().is_some(), "{}", r.body);
    skip(&s, &token, "3", true).await.assert_error(404);
    skip(&s, &token, "x", true).await.assert_error(404);
    let r = send(
        s.hub(Method::PATCH, "/hub/onboarding/steps/2", &token)
            .json(&json!({"skipped": "yes"})),
    )
    .await;
    r.assert_error(400);
    // Taken up again.
    let r = skip(&s, &token, "2", false).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(states(&r.body), ["todo", "todo", "todo"]);
}

#[tokio::test]
async fn completing_a_plan_sends_one_signed_connect_session_completed() {
    let (s, got, _c) = spawn().await;
    let secret = s.webhook_secret();
    let (t1, _) = session_with(&s, "w1", plan()).await;
    let hr = link_hris(&s, &t1, "acme_hr").await;
    assert_eq!(hr.status, 201);
    // Completed on another session of the same owner and plan (the optional step left).
    let (t2, _) = session_with(&s, "w1", plan()).await;
    let doc = link_docsign(&s, &t2).await;
    assert_eq!(doc.status, 201);
    let p = onboarding(&s, &t1).await;
    assert_eq!(p["completed"], true, "{p}");
    assert_eq!(p["done"], 2);
    let completed_at = p["completed_at"].clone();
    assert!(completed_at.is_string(), "{p}");
    // More links, reads and sessions do not complete it again.
    assert_eq!(link_docsign(&s, &t1).await.status, 200);
    let (_, again) = session_with(&s, "w1", plan()).await;
    assert_eq!(again["onboarding"]["completed_at"], completed_at);
    onboarding(&s, &t2).await;

    let events = events_of(&got, "connect_session.completed", 1).await;
    assert_eq!(events.len(), 1, "{events:?}");
    let (headers, body) = &events[0];
    let raw = got
        .lock()
        .expect("lock")
        .iter()
        .find(|(h, _)| h["webhook-id"] == headers["webhook-id"])
        .map(|(_, b)| b.clone())
        .expect("raw body");
    verify(&secret, headers, &raw);
    assert_eq!(body["id"], headers["webhook-id"].to_str().expect("id"));
    let data = &body["data"];
    assert_eq!(data["origin_owner_id"], "w1");
    assert_eq!(data["origin_username"], "w1@example.com");
    assert_eq!(data["plan_id"], p["plan_id"]);
    assert!(
        data["id"].as_str().is_some_and(|id| id.starts_with("ses_")),
        "{data}"
    );
    assert_eq!(
        data["accounts"],
        json!([
            {"id": hr.id(), "provider": "acme_hr"},
            {"id": doc.id(), "provider": "docsign"}
        ])
    );
    // An owner who already has every account finds the plan complete at once: recorded
    // by the first session that shows it, with one webhook.
    let plain = s.token("pre1").await;
    assert_eq!(link_hris(&s, &plain, "peoplebase").await.status, 201);
    assert_eq!(link_docsign(&s, &plain).await.status, 201);
    let (_, first) = session_with(&s, "pre1", plan()).await;
    assert_eq!(first["onboarding"]["completed"], true, "{first}");
    assert!(first["onboarding"]["completed_at"].is_string());
    let (_, second) = session_with(&s, "pre1", plan()).await;
    assert_eq!(
        second["onboarding"]["completed_at"],
        first["onboarding"]["completed_at"]
    );
    let all = events_of(&got, "connect_session.completed", 2).await;
    let pre: Vec<_> = all
        .iter()
        .filter(|(_, b)| b["data"]["origin_owner_id"] == "pre1")
        .collect();
    assert_eq!(pre.len(), 1, "{all:?}");
    assert_eq!(pre[0].1["data"]["id"], first["id"]);

    // The account events are unchanged for StackOne clients.
    let created = events_of(&got, "account.created", 4).await;
    assert_eq!(created.len(), 4);
    assert!(
        created
            .iter()
            .all(|(_, b)| b["data"]["provider"].is_string())
    );
}

#[tokio::test]
async fn steps_finished_at_the_same_time_complete_a_plan_once() {
    let (s, got, _c) = spawn().await;
    // On PostgreSQL, a second server on the same database (its own data folder holding the
    // same encryption key) takes half the links: two processes race for each completion.
    // SQLite's data folder is one process's alone, so there both halves go to the one.
    let second = if s.is_postgres() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::copy(
            s.data_dir.path().join("secret.key"),
            dir.path().join("secret.key"),
        )
        .expect("copy the key");
        Some(TestApp::spawn_in(
            dir,
            s.database_url.clone(),
            s.options.clone(),
        ))
    } else {
        None
    };
    let other = second.as_ref().unwrap_or(&s);
    let owners = ["r1", "r2", "r3", "r4", "r5", "r6"];
    let mut tasks = Vec::new();
    for owner in owners {
        let (ta, _) = session_with(&s, owner, plan()).await;
        let (tb, _) = session_with(&s, owner, plan()).await;
        tasks.push((ta, tb));
    }
    // Both last steps of each owner in flight at once (on PostgreSQL, concurrent
    // transactions), every owner at the same time.
    let mut handles = Vec::new();
    for (ta, tb) in &tasks {
        for (server, token, body) in [
            (
                &s,
                ta,
                json!({"integration_id": "acme_hr", "credentials": {"subdomain": "acme", "api_key": "hr-secret-1234"}}),
            ),
            (
                other,
                tb,
                json!({"integration_id": "docsign", "credentials": {"api_token": "doc-secret-1234"}}),
            ),
        ] {
            let request = server.hub(Method::POST, "/hub/accounts", token).json(&body);
            handles.push(tokio::spawn(async move { send(request).await }));
        }
    }
    for h in handles {
        let r = h.await.expect("task");
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let events = events_of(&got, "connect_session.completed", owners.len()).await;
    let mut completed: Vec<String> = events
        .iter()
        .map(|(_, b)| {
            b["data"]["origin_owner_id"]
                .as_str()
                .expect("owner")
                .to_string()
        })
        .collect();
    completed.sort();
    assert_eq!(completed, owners, "one completion per owner");
}

#[tokio::test]
async fn the_owner_lists_and_disconnects_only_its_own_accounts() {
    let (s, got, _c) = spawn().await;
    let secret = s.webhook_secret();
    let (mine, _) = session_with(&s, "o1", plan()).await;
    let (theirs, _) = session_with(&s, "o2", plan()).await;
    let my_account = link_docsign(&s, &mine).await.id();
    let their_account = link_hris(&s, &theirs, "acme_hr").await.id();
    s.sql(&[&format!(
        "UPDATE accounts SET status = 'error', status_reasons = \
         '[{{\"code\":\"credentials_refused\",\"description\":\"refused\"}}]' \
         WHERE id = '{my_account}'"
    )])
    .await;

    // The list: the owner's accounts only, no secret, reasons in the hub's language.
    let r = send(
        s.hub(Method::GET, "/hub/accounts", &mine)
            .header("accept-language", "fr"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let accounts = r.body["accounts"].as_array().expect("accounts");
    assert_eq!(accounts.len(), 1, "{}", r.body);
    let a = &accounts[0];
    assert_eq!(a["id"], my_account.as_str());
    assert_eq!(a["provider"], "docsign");
    assert_eq!(a["provider_name"], "DocSign");
    assert_eq!(a["status"], "error");
    let reason = a["status_reasons"][0]["description"]
        .as_str()
        .expect("reason");
    assert!(
        reason.contains("DocSign") && !reason.contains("{{"),
        "{reason}"
    );
    assert_ne!(reason, "refused", "translated");
    assert!(a["updated_at"].is_string());
    assert!(a.get("via_handoff").is_none());
    assert!(!r.body.to_string().contains("doc-secret"), "no secret");

    // Another owner's account is answered exactly like a missing one.
    let foreign = send(s.hub(
        Method::DELETE,
        &format!("/hub/accounts/{their_account}"),
        &mine,
    ))
    .await;
    let missing = send(s.hub(Method::DELETE, "/hub/accounts/acc_missing", &mine)).await;
    foreign.assert_error(404);
    assert_eq!(foreign.body, missing.body);
    assert_eq!(
        s.list_accounts("?origin_owner_id=o2").await.len(),
        1,
        "still there"
    );
    // Another owner's onboarding does not count this owner's accounts.
    assert_eq!(
        states(&onboarding(&s, &theirs).await),
        ["done", "todo", "todo"]
    );
    assert_eq!(
        states(&onboarding(&s, &mine).await),
        ["todo", "needs_attention", "todo"]
    );
    // Unauthenticated calls are refused.
    send(s.http.get(s.url("/hub/accounts")))
        .await
        .assert_error(401);
    send(s.http.delete(s.url(&format!("/hub/accounts/{my_account}"))))
        .await
        .assert_error(401);
    send(s.http.get(s.url("/hub/onboarding")))
        .await
        .assert_error(401);
    send(
        s.http
            .post(s.url("/hub/handoffs"))
            .json(&json!({"provider": "docsign"})),
    )
    .await
    .assert_error(401);

    // Disconnect: 204, again 204, and one signed account.deleted.
    let path = format!("/hub/accounts/{my_account}");
    assert_eq!(send(s.hub(Method::DELETE, &path, &mine)).await.status, 204);
    assert_eq!(send(s.hub(Method::DELETE, &path, &mine)).await.status, 204);
    // The other owner cannot tell it ever existed.
    send(s.hub(Method::DELETE, &path, &theirs))
        .await
        .assert_error(404);
    let r = s.hub_get("/hub/accounts", &mine).await;
    assert_eq!(r.body["accounts"], json!([]));
    let deleted = events_of(&got, "account.deleted", 1).await;
    assert_eq!(deleted.len(), 1, "{deleted:?}");
    assert_eq!(deleted[0].1["data"]["id"], my_account.as_str());
    let raw = got
        .lock()
        .expect("lock")
        .iter()
        .find(|(h, _)| h["webhook-id"] == deleted[0].0["webhook-id"])
        .map(|(_, b)| b.clone())
        .expect("raw");
    verify(&secret, &deleted[0].0, &raw);
}

#[tokio::test]
async fn a_step_handed_to_a_colleague_is_waited_for_then_done() {
    let (s, _, _c) = spawn().await;
    let (token, _) = session_with(&s, "h1", plan()).await;

    // Only a connector of the session or its plan; a sane lifetime.
    let bad = send(
        s.hub(Method::POST, "/hub/handoffs", &token)
            .json(&json!({"provider": "legacy"})),
    )
    .await;
    bad.assert_error(400);
    assert!(bad.body["fields"]["provider"].is_string(), "{}", bad.body);
    send(
        s.hub(Method::POST, "/hub/handoffs", &token)
            .json(&json!({"provider": "docsign", "expires_in": 0})),
    )
    .await
    .assert_error(400);
    let r = send(
        s.hub(Method::POST, "/hub/handoffs", &token)
            .json(&json!({"provider": "docsign", "expires_in": 30 * 24 * 3600 + 1})),
    )
    .await;
    r.assert_error(400);
    assert!(r.body["fields"]["expires_in"].is_string(), "{}", r.body);

    let r = send(
        s.hub(Method::POST, "/hub/handoffs", &token)
            .json(&json!({"provider": "docsign"})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["provider"], "docsign");
    assert_eq!(r.body["remaining"], 4);
    let at = |field: &str| {
        time::OffsetDateTime::parse(
            r.body[field].as_str().expect("time"),
            &time::format_description::well_known::Rfc3339,
        )
        .expect("RFC 3339")
        .unix_timestamp()
    };
    assert_eq!(at("expires_at") - at("created_at"), 7 * 24 * 3600, "7 days");
    let link = r.body["auth_link_url"].as_str().expect("link");
    let colleague = link.split_once("#token=").expect("token").1.to_string();
    let p = onboarding(&s, &token).await;
    assert_eq!(states(&p), ["todo", "handed_off", "todo"], "{p}");
    assert!(p["steps"][1]["handoff_expires_at"].is_string());

    // The colleague's session: same owner and plan, one provider, no further hand-offs.
    let settings = s.hub_get("/hub/settings", &colleague).await;
    assert_eq!(settings.body["provider"], "docsign");
    assert_eq!(settings.body["onboarding"]["plan_id"], p["plan_id"]);
    assert!(
        !settings.body["extensions"]
            .as_array()
            .expect("extensions")
            .contains(&json!("handoffs"))
    );
    let r = send(
        s.hub(Method::POST, "/hub/handoffs", &colleague)
            .json(&json!({"provider": "docsign"})),
    )
    .await;
    r.assert_error(400);
    let r = s.hub_get("/hub/connectors", &colleague).await;
    assert_eq!(r.body["integrations"].as_array().map(Vec::len), Some(1));

    // The colleague links it: done for the owner, and marked as through a hand-off.
    let linked = link_docsign(&s, &colleague).await;
    assert_eq!(linked.status, 201, "{}", linked.body);
    assert_eq!(
        states(&onboarding(&s, &token).await),
        ["todo", "done", "todo"]
    );
    let list = s.hub_get("/hub/accounts", &token).await;
    assert_eq!(
        list.body["accounts"][0]["via_handoff"], true,
        "{}",
        list.body
    );

    // The limit: five per session, then 429 with its code.
    for left in (0..4).rev() {
        let r = send(
            s.hub(Method::POST, "/hub/handoffs", &token)
                .json(&json!({"provider": "acme_hr"})),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.body["remaining"], left);
    }
    let r = send(
        s.hub(Method::POST, "/hub/handoffs", &token)
            .json(&json!({"provider": "acme_hr"})),
    )
    .await;
    r.assert_error(429);
    assert_eq!(r.body["code"], "handoff_limit_reached");
    assert!(r.body["message"].as_str().is_some_and(|m| m.contains('5')));
    // Another session of the same owner has its own allowance.
    let (other, _) = session_with(&s, "h1", plan()).await;
    let r = send(
        s.hub(Method::POST, "/hub/handoffs", &other)
            .json(&json!({"provider": "acme_hr"})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    // Another owner's hand-offs do not show in this owner's plan.
    let (stranger, _) = session_with(&s, "h2", plan()).await;
    assert_eq!(
        states(&onboarding(&s, &stranger).await),
        ["todo", "todo", "todo"]
    );
}

#[tokio::test]
async fn the_console_builds_a_plan_and_shows_hand_offs() {
    let (s, _, _c) = spawn().await;
    let c = s.console().await;
    let csrf = c.csrf.clone();
    let base = [
        ("csrf", csrf.as_str()),
        ("owner_id", "cons-1"),
        ("owner_name", "Console Co"),
        ("username", "ops@console.test"),
        ("category", ""),
        ("expires_days", ""),
    ];
    // "Add a step" shows the form again with a row to fill in, labelled.
    let mut form = base.to_vec();
    form.push(("step_action", "add"));
    let (status, html) = c.post("/console/link", &form).await;
    assert_eq!(status, 200);
    assert!(html.contains("<label for=\"step0_target\">"), "{html}");
    assert!(html.contains("Move step 1 up"));
    // Three steps, the last moved first and back again.
    let mut form = base.to_vec();
    form.extend([
        ("step0_target", "provider:docsign"),
        ("step0_label", ""),
        ("step1_target", "category:hris"),
        ("step1_label", "Your HR system"),
        ("step2_target", "provider:oauthy"),
        ("step2_optional", "on"),
        ("step2_label", ""),
        ("step_action", "up:1"),
    ]);
    let (status, html) = c.post("/console/link", &form).await;
    assert_eq!(status, 200);
    let hris = html
        .find("value=\"category:hris\" selected")
        .expect("hris chosen");
    let docsign = html
        .find("value=\"provider:docsign\" selected")
        .expect("docsign chosen");
    assert!(hris < docsign, "moved up");
    let steps = [
        ("step0_target", "category:hris"),
        ("step0_label", "Your HR system"),
        ("step1_target", "provider:docsign"),
        ("step1_label", ""),
        ("step2_target", "provider:oauthy"),
        ("step2_optional", "on"),
        ("step2_label", ""),
    ];
    let mut form = base.to_vec();
    form.extend(steps);
    let (status, html) = c.post("/console/link/review", &form).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("HRIS (any connector)"), "{html}");
    assert!(
        html.contains("name=\"step2_optional\""),
        "carried to Generate"
    );
    // An inactive connector is refused, naming the row.
    let mut bad = base.to_vec();
    bad.extend([("step0_target", "provider:legacy"), ("step0_label", "")]);
    let (status, html) = c.post("/console/link/review", &bad).await;
    assert_eq!(status, 400);
    assert!(
        html.contains("Step 1: This connector is not active"),
        "{html}"
    );

    let (status, html) = c.post("/console/link/generate", &form).await;
    assert_eq!(status, 200, "{html}");
    let token = html
        .split("#token=")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("auth link")
        .to_string();
    let p = onboarding(&s, &token).await;
    assert_eq!(states(&p), ["todo", "todo", "todo"]);
    assert_eq!(p["steps"][0]["category"], "hris");
    assert_eq!(p["steps"][0]["label"], "Your HR system");
    assert_eq!(p["steps"][2]["optional"], true);

    // An account linked through a hand-off shows who handed it off.
    let r = send(
        s.hub(Method::POST, "/hub/handoffs", &token)
            .json(&json!({"provider": "docsign"})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let colleague = r.body["auth_link_url"]
        .as_str()
        .and_then(|l| l.split_once("#token="))
        .map(|(_, t)| t.to_string())
        .expect("token");
    let id = link_docsign(&s, &colleague).await.id();
    let (_, _, html) = c.get("/console/accounts").await;
    assert!(html.contains("via hand-off from"), "{html}");
    assert!(html.contains("ops@console.test"), "{html}");
    let (_, _, html) = c.get(&format!("/console/accounts/{id}")).await;
    assert!(html.contains("via hand-off from"), "{html}");
}

#[tokio::test]
async fn the_cli_makes_a_session_with_a_plan() {
    let (s, _, _c) = spawn().await;
    let out = s.cli(&[
        "session",
        "create",
        "--owner-id",
        "cli-1",
        "--owner-name",
        "Cli Co",
        "--step",
        "category:hris",
        "--step",
        "provider:docsign:optional",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(states(&v["onboarding"]), ["todo", "todo"]);
    assert_eq!(v["onboarding"]["steps"][1]["optional"], true);
    // The same plan through the API is the same plan.
    let (_, answer) = session_with(
        &s,
        "cli-1",
        json!([{"category": "hris"}, {"provider": "docsign", "optional": true}]),
    )
    .await;
    assert_eq!(answer["onboarding"]["plan_id"], v["onboarding"]["plan_id"]);
    // A step the catalog lacks is refused with the step named (exit 2).
    let out = s.cli(&[
        "session",
        "create",
        "--owner-id",
        "cli-1",
        "--owner-name",
        "Cli Co",
        "--step",
        "provider:nope",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("onboarding[0].provider"));
}
