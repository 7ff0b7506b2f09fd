//! Signed webhooks from the outbox: what is sent, and that it survives a receiver being down and a restart.
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
use support::webhooks::{receiver, verify, wait_for};
#[allow(unused_imports)]
use support::{API_KEY, Options, Reply, TestApp, assert_error, body};

#[tokio::test]
async fn webhooks_are_signed_and_cover_create_update_delete() {
    let (s, got) = TestApp::spawn_with_receiver().await;
    let secret = s.webhook_secret();
    let (_, a) = s
        .link_account(&s.token("o1").await, "hook-secret-1111")
        .await
        .pair();
    let id = a["id"].as_str().expect("id");
    s.link_account(&s.token("o1").await, "hook-secret-2222")
        .await
        .pair();
    s.api(Method::DELETE, &format!("/accounts/{id}"))
        .send()
        .await
        .expect("req");
    let events = wait_for(&got, 3, 20).await;
    assert_eq!(events.len(), 3, "{}", s.log());
    let mut types = Vec::new();
    for (headers, body) in &events {
        verify(&secret, headers, body);
        let v: Value = serde_json::from_str(body).expect("json");
        assert_eq!(v["data"]["id"], id);
        assert_eq!(v["data"]["origin_owner_id"], "o1");
        assert_eq!(v["data"]["provider"], "acme_hr");
        assert!(!body.contains("hook-secret"));
        types.push(v["type"].as_str().expect("type").to_string());
    }
    types.sort();
    assert_eq!(
        types,
        ["account.created", "account.deleted", "account.updated"]
    );
}

#[tokio::test]
async fn an_accounts_webhooks_arrive_in_the_order_they_were_made() {
    // The outbox sends many deliveries at once; those about one account still go one after
    // the other, so a receiver never sees `account.deleted` before `account.created`. The
    // receiver is down while the events are made, so they are all due together when it is up.
    let port = linkhub_server::testing::free_port().expect("port");
    let s = TestApp::spawn_with(Options {
        webhook_url: Some(format!("http://127.0.0.1:{port}/hook")),
        env: vec![("LINKHUB_WEBHOOK_RETRY_BASE_MS".into(), "300".into())],
        ..Options::default()
    })
    .await;
    let mut ids = Vec::new();
    for owner in ["o1", "o2"] {
        let (_, a) = s
            .link_account(&s.token(owner).await, "order-secret-0000")
            .await
            .pair();
        ids.push(a["id"].as_str().expect("id").to_string());
    }
    for n in 1..=6 {
        for owner in ["o1", "o2"] {
            s.link_account(&s.token(owner).await, &format!("order-secret-{n:04}"))
                .await
                .pair();
        }
    }
    for id in &ids {
        s.api(Method::DELETE, &format!("/accounts/{id}"))
            .send()
            .await
            .expect("req");
    }
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind");
    let got = receiver(listener).await;
    let events = wait_for(&got, 16, 30).await;
    assert_eq!(events.len(), 16, "{}", s.log());
    for id in &ids {
        let types: Vec<String> = events
            .iter()
            .map(|(_, body)| serde_json::from_str::<Value>(body).expect("json"))
            .filter(|v| v["data"]["id"] == id.as_str())
            .map(|v| v["type"].as_str().expect("type").to_string())
            .collect();
        let mut expected = vec!["account.created".to_string()];
        expected.extend(std::iter::repeat_n("account.updated".to_string(), 6));
        expected.push("account.deleted".to_string());
        assert_eq!(types, expected, "account {id}");
    }
}

#[tokio::test]
async fn webhook_is_delivered_after_receiver_comes_back_and_across_restart() {
    // Reserve a port, then leave it closed: the receiver is down.
    let port = linkhub_server::testing::free_port().expect("port");
    let url = format!("http://127.0.0.1:{port}/hook");
    let mut s = TestApp::spawn_with(Options {
        webhook_url: Some(url),
        ..Options::default()
    })
    .await;
    let secret = s.webhook_secret();
    s.link_account(&s.token("o1").await, "late-secret-1111")
        .await
        .pair();
    tokio::time::sleep(Duration::from_millis(800)).await;
    // Restart while the event is still pending: it must survive.
    s.restart();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind");
    let got = receiver(listener).await;
    let events = wait_for(&got, 1, 30).await;
    assert_eq!(events.len(), 1, "{}", s.log());
    verify(&secret, &events[0].0, &events[0].1);
    assert!(
        s.log().contains("webhook delivery failed"),
        "it did fail first"
    );
}
