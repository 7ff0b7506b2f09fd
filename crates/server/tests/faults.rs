//! Crashes during concurrent linking, against the real binary: a server killed with SIGKILL
//! mid-way and started again on the same data, and two servers on one PostgreSQL database
//! with one of them killed. Afterwards every answered `Idempotency-Key` maps to exactly one
//! stored account, a request whose answer was lost is answered when sent again, and every
//! account's `account.created` reaches the receiver signed, under one stable `webhook-id`
//! (at-least-once: the same id may come twice, a second id never).
//!
//! On SQLite or (with `LINKHUB_TEST_POSTGRES_URL`) PostgreSQL; the two-server test always
//! runs on PostgreSQL and starts a cluster of its own when the suite gives it none.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use support::webhooks::{Received, receiver, verify};
use support::{Options, TestApp};

/// Linking requests in flight at once.
const CONCURRENCY: usize = 12;

/// One end user's link request: its session token, Idempotency-Key and credentials, and
/// the server it goes through.
#[derive(Debug, Clone)]
struct Request {
    owner: String,
    token: String,
    key: String,
    api_key: String,
    via: usize,
}

/// Sends a link request to `base`: the account id of a 201, `None` when the answer was
/// lost (the connection failed). Any other answer fails the test.
async fn post_link(http: &reqwest::Client, base: &str, r: &Request) -> Option<String> {
    let resp = http
        .post(format!("{base}/hub/accounts"))
        .header("x-hub-session-token", &r.token)
        .header("idempotency-key", &r.key)
        .json(&json!({
            "integration_id": "acme_hr",
            "credentials": {"subdomain": "acme", "api_key": r.api_key},
        }))
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .ok()?;
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.ok()?;
    assert_eq!(status, 201, "{} answered {status}: {body}", r.owner);
    Some(body["id"].as_str().expect("an id").to_string())
}

/// Sends every request through `bases[r.via]`, [`CONCURRENCY`] at once; calls `kill` (which
/// kills a server) once `kill_after` answers came. Per request, the answered account id.
async fn link_all(
    bases: &[String],
    requests: &[Request],
    kill_after: usize,
    kill: impl FnOnce(),
) -> Vec<Option<String>> {
    let http = reqwest::Client::new();
    let next = Arc::new(AtomicUsize::new(0));
    let answered = Arc::new(AtomicUsize::new(0));
    let answers: Arc<std::sync::Mutex<Vec<Option<String>>>> =
        Arc::new(std::sync::Mutex::new(vec![None; requests.len()]));
    let requests = Arc::new(requests.to_vec());
    let bases = Arc::new(bases.to_vec());
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENCY {
        let (http, next, answered, answers, requests, bases) = (
            http.clone(),
            next.clone(),
            answered.clone(),
            answers.clone(),
            requests.clone(),
            bases.clone(),
        );
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(r) = requests.get(i) else { break };
                if let Some(id) = post_link(&http, &bases[r.via], r).await {
                    answers.lock().expect("lock")[i] = Some(id);
                    answered.fetch_add(1, Ordering::SeqCst);
                }
            }
        }));
    }
    // Kill mid-way: while requests are in flight.
    for _ in 0..1200 {
        if answered.load(Ordering::SeqCst) >= kill_after {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(
        answered.load(Ordering::SeqCst) >= kill_after,
        "only {} requests were answered in 30 s",
        answered.load(Ordering::SeqCst)
    );
    kill();
    for t in tasks {
        t.await.expect("a linking task");
    }
    answers.lock().expect("lock").clone()
}

/// Sends every request again through `base` (the answered ones too): each is answered 201
/// with the account it was answered before, if it was. The account id per request.
async fn resend_all(base: &str, requests: &[Request], answers: &[Option<String>]) -> Vec<String> {
    let http = reqwest::Client::new();
    let mut ids = Vec::new();
    for (r, before) in requests.iter().zip(answers) {
        let id = post_link(&http, base, r)
            .await
            .unwrap_or_else(|| panic!("{} got no answer from a running server", r.owner));
        if let Some(before) = before {
            assert_eq!(
                &id, before,
                "{}: the same key answered another account",
                r.key
            );
        }
        ids.push(id);
    }
    ids
}

/// Every request's key maps to exactly one stored account: as many accounts as requests,
/// one per owner, each the one its key answered.
async fn assert_one_account_per_key(app: &TestApp, requests: &[Request], ids: &[String]) {
    let accounts = app.list_accounts("").await;
    assert_eq!(
        accounts.len(),
        requests.len(),
        "accounts stored vs requests sent (none lost, none duplicated)"
    );
    let mut by_owner: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for a in &accounts {
        by_owner
            .entry(a["origin_owner_id"].as_str().expect("owner").to_string())
            .or_default()
            .push(a["id"].as_str().expect("id").to_string());
    }
    for (r, id) in requests.iter().zip(ids) {
        assert_eq!(
            by_owner.get(&r.owner),
            Some(&vec![id.clone()]),
            "{}: exactly the account its key answered",
            r.owner
        );
    }
    let distinct: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(
        distinct.len(),
        ids.len(),
        "no two keys answered one account"
    );
}

/// Waits (up to `secs`) until each account's `account.created` was received, then checks
/// each is signed and that each account's came under exactly one webhook-id.
async fn assert_each_created_once(got: &Received, secret: &str, ids: &[String], secs: u64) {
    let wanted: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
    let mut per_account: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for _ in 0..secs * 10 {
        per_account.clear();
        for (headers, body) in got.lock().expect("lock").iter() {
            let v: Value = serde_json::from_str(body).expect("a JSON event");
            if v["type"] != "account.created" {
                continue;
            }
            per_account
                .entry(v["data"]["id"].as_str().expect("data.id").to_string())
                .or_default()
                .insert(headers["webhook-id"].to_str().expect("id").to_string());
        }
        if wanted.iter().all(|id| per_account.contains_key(*id)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let missing: Vec<&&str> = wanted
        .iter()
        .filter(|id| !per_account.contains_key(**id))
        .collect();
    assert!(
        missing.is_empty(),
        "{} of {} accounts got no account.created in {secs} s: {:?}",
        missing.len(),
        wanted.len(),
        missing.iter().take(5).collect::<Vec<_>>()
    );
    for (account, webhook_ids) in &per_account {
        assert!(
            wanted.contains(account.as_str()),
            "an account.created for {account}, which no request made"
        );
        assert_eq!(
            webhook_ids.len(),
            1,
            "{account}: account.created under several webhook-ids {webhook_ids:?}"
        );
    }
    for (headers, body) in got.lock().expect("lock").iter() {
        verify(secret, headers, body);
    }
}

/// A webhook receiver of the test's own: its URL and what it got.
async fn hook() -> (String, Received) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    (url, receiver(listener).await)
}

/// `n` end users, each with a session made on server `made_on(i)` and a request through
/// server `via(i)`.
async fn requests(
    apps: &[&TestApp],
    n: usize,
    made_on: impl Fn(usize) -> usize,
    via: impl Fn(usize) -> usize,
) -> Vec<Request> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let owner = format!("fault-owner-{i:04}");
        out.push(Request {
            token: apps[made_on(i)].token(&owner).await,
            key: format!("fault-key-{i:04}"),
            api_key: format!("fault-secret-{i:04}"),
            owner,
            via: via(i),
        });
    }
    out
}

#[tokio::test]
async fn sigkill_during_concurrent_linking_loses_and_duplicates_nothing() {
    let (url, got) = hook().await;
    let mut app = TestApp::spawn_with(Options {
        webhook_url: Some(url),
        ..Options::default()
    })
    .await;
    let secret = app.webhook_secret();
    let requests = requests(&[&app], 240, |_| 0, |_| 0).await;

    let base = app.base.clone();
    let answers = link_all(&[base], &requests, 80, || app.kill()).await;
    let lost = answers.iter().filter(|a| a.is_none()).count();
    assert!(
        lost > 0,
        "the kill came after every request was answered: nothing was tested"
    );

    app.start_again();
    let ids = resend_all(&app.base, &requests, &answers).await;
    assert_one_account_per_key(&app, &requests, &ids).await;
    // Deliveries leased by the killed process are sent once their lease (30 s) runs out.
    assert_each_created_once(&got, &secret, &ids, 90).await;
}

#[tokio::test]
async fn two_servers_on_one_postgres_with_one_killed_lose_and_duplicate_nothing() {
    // Always on PostgreSQL: the suite's cluster, or one of this test's own (which fails the
    // test where PostgreSQL cannot be started, rather than passing without running).
    let own_cluster;
    let server = match support::pg::server_url() {
        Some(url) => url,
        None => {
            own_cluster = support::pg::start_cluster();
            own_cluster.url.clone()
        }
    };
    let database = support::pg::create_database(&server).await;
    let (url, got) = hook().await;
    let options = Options {
        webhook_url: Some(url),
        ..Options::default()
    };
    let a = TestApp::spawn_in(
        tempfile::tempdir().expect("temp dir"),
        Some(database.clone()),
        options.clone(),
    );
    // The second server has a data folder of its own with the first one's encryption key
    // (what every replica needs to read the secrets the others stored).
    let b_dir = tempfile::tempdir().expect("temp dir");
    std::fs::copy(
        a.data_dir.path().join("secret.key"),
        b_dir.path().join("secret.key"),
    )
    .expect("copy secret.key");
    let mut b = TestApp::spawn_in(b_dir, Some(database), options);
    let secret = a.webhook_secret();

    // Sessions made on one server are used through the other; half the links go to each.
    let requests = requests(&[&a, &b], 300, |i| i % 2, |i| (i + 1) % 2).await;
    let bases = [a.base.clone(), b.base.clone()];
    let answers = link_all(&bases, &requests, 100, || b.kill()).await;
    let lost: Vec<&Request> = requests
        .iter()
        .zip(&answers)
        .filter(|(_, a)| a.is_none())
        .map(|(r, _)| r)
        .collect();
    assert!(
        !lost.is_empty(),
        "the kill came after every request was answered: nothing was tested"
    );
    assert!(
        lost.iter().all(|r| r.via == 1),
        "only requests through the killed server may lose their answer"
    );

    // Every lost request again, through the server that survived.
    let ids = resend_all(&a.base, &requests, &answers).await;
    assert_one_account_per_key(&a, &requests, &ids).await;
    assert_each_created_once(&got, &secret, &ids, 90).await;
}

#[tokio::test]
async fn a_slow_receiver_keeps_its_deliveries_leased_and_is_not_sent_them_twice() {
    // The receiver answers each POST 3 s after it came: three times the lease below. Each
    // arrival is logged as it comes, so a second send while the first is held shows.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    let arrivals: Received = Arc::default();
    let answered = Arc::new(AtomicUsize::new(0));
    let (log, done) = (arrivals.clone(), answered.clone());
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let (log, done) = (log.clone(), done.clone());
            async move {
                log.lock().expect("lock").push((headers, body));
                tokio::time::sleep(Duration::from_secs(3)).await;
                done.fetch_add(1, Ordering::SeqCst);
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    let server = TestApp::spawn_with(Options {
        webhook_url: Some(url),
        env: vec![("LINKHUB_WEBHOOK_LEASE_MS".into(), "900".into())],
        ..Options::default()
    })
    .await;
    let secret = server.webhook_secret();
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(
            server
                .linked_account(&format!("slow-owner-{i}"), &format!("slow-secret-{i}"))
                .await,
        );
    }
    for _ in 0..200 {
        if answered.load(Ordering::SeqCst) >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(answered.load(Ordering::SeqCst) >= 3, "{}", server.log());
    // Longer than a lease after the answers: a delivery not recorded would come again.
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let got = arrivals.lock().expect("lock").clone();
    let mut per_id: BTreeMap<String, usize> = BTreeMap::new();
    for (headers, body) in &got {
        verify(&secret, headers, body);
        *per_id
            .entry(headers["webhook-id"].to_str().expect("id").to_string())
            .or_default() += 1;
    }
    assert_eq!(
        got.len(),
        3,
        "each account.created sent once while the receiver was answering: {per_id:?}\n{}",
        server.log()
    );
    assert_eq!(per_id.len(), 3);
    assert_each_created_once(&arrivals, &secret, &ids, 1).await;
}
