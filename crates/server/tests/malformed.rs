//! Requests the HTTP layer refuses before the router sees them (#17 defect 8): a NUL in a
//! header value, more than 100 headers, a 1 MB header, a URI too long. Each gets its status
//! with the JSON error body (`{"statusCode", "message"}`), not an empty one; and the
//! server's own answers on the same connection are left as they are. Raw bytes over TCP, as
//! no well-behaved client sends these.

mod support;

use std::time::Duration;

use serde_json::Value;
use support::TestApp;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// An answer read off the socket.
#[derive(Debug)]
struct Raw {
    status: u16,
    head: String,
    body: String,
}

/// Sends `request` on a new connection and reads until the server closes it: the answers.
async fn raw(app: &TestApp, request: &[u8]) -> Vec<Raw> {
    let addr = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request).await.expect("write");
    let mut bytes = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut bytes)).await;
    assert!(
        read.is_ok(),
        "the server closes the connection after refusing"
    );
    let mut text = String::from_utf8_lossy(&bytes).into_owned();
    let mut answers = Vec::new();
    while !text.is_empty() {
        let (head, rest) = text.split_once("\r\n\r\n").expect("a whole head");
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("no status line: {head:?}"));
        let length: usize = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length: ")
                    .and_then(|n| n.trim().parse().ok())
            })
            .unwrap_or_else(|| panic!("no content-length: {head:?}"));
        answers.push(Raw {
            status,
            head: head.to_string(),
            body: rest[..length].to_string(),
        });
        text = rest[length..].to_string();
    }
    answers
}

/// Asserts the JSON error body of `status`.
fn assert_json_error(answer: &Raw, status: u16) {
    assert_eq!(answer.status, status, "{answer:?}");
    assert!(
        answer
            .head
            .to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{answer:?}"
    );
    let v: Value = serde_json::from_str(&answer.body).unwrap_or_else(|_| panic!("{answer:?}"));
    support::assert_error(&v, status);
}

fn head_with(extra: &str) -> String {
    format!("GET /hub/connectors HTTP/1.1\r\nhost: x\r\n{extra}\r\n")
}

#[tokio::test]
async fn a_nul_in_a_header_value_is_a_400_with_the_json_body() {
    let app = TestApp::spawn().await;
    for value in ["a\0b", "tok\0", "a\u{1}b"] {
        let answers = raw(
            &app,
            head_with(&format!("x-hub-session-token: {value}\r\n")).as_bytes(),
        )
        .await;
        assert_eq!(answers.len(), 1, "{answers:?}");
        assert_json_error(&answers[0], 400);
        assert!(answers[0].body.contains("NUL"), "{answers:?}");
    }
    // Behind a request the router answers, on the same connection: that answer is the
    // router's own (a 401 with its message), then the 400.
    let mut pipelined = head_with("connection: keep-alive\r\n").into_bytes();
    pipelined.extend_from_slice(head_with("x-a: \0\r\n").as_bytes());
    let answers = raw(&app, &pipelined).await;
    assert_eq!(answers.len(), 2, "{answers:?}");
    assert_json_error(&answers[0], 401);
    assert!(!answers[0].body.contains("NUL"), "{answers:?}");
    assert_json_error(&answers[1], 400);
    assert_eq!(app.get("/healthz").await.status, 200, "still serving");
}

#[tokio::test]
async fn too_many_or_too_large_headers_are_a_431_with_the_json_body() {
    let app = TestApp::spawn().await;
    // 101 headers (hyper's limit: its own answer, replaced).
    let many: String = (0..101).map(|i| format!("x-filler-{i}: v\r\n")).collect();
    let answers = raw(&app, head_with(&many).as_bytes()).await;
    assert_json_error(&answers[0], 431);
    // One header of 1 MB, read whole and refused by the router.
    let big = format!(
        "connection: close\r\nx-big: {}\r\n",
        "a".repeat(1024 * 1024)
    );
    let answers = raw(&app, head_with(&big).as_bytes()).await;
    assert_json_error(&answers[0], 431);
    // Through a plain client too, and many headers adding up to more than 64 KiB.
    let mut r = app.http.get(app.url("/healthz"));
    for i in 0..90 {
        r = r.header(format!("x-filler-{i}"), "b".repeat(1000));
    }
    support::send(r).await.assert_error(431);
    // Within the limits, a request is served.
    let mut r = app.http.get(app.url("/healthz"));
    for i in 0..90 {
        r = r.header(format!("x-filler-{i}"), "c".repeat(100));
    }
    assert_eq!(support::send(r).await.status, 200);
    // A URI past hyper's limit: a 414, with the JSON body.
    let long = format!(
        "GET /hub/connectors?q={} HTTP/1.1\r\nhost: x\r\n\r\n",
        "u".repeat(70_000)
    );
    let answers = raw(&app, long.as_bytes()).await;
    assert_json_error(&answers[0], 414);
}
