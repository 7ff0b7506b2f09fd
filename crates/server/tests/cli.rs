//! The command line on a server's data folder, and the project it creates.
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
async fn cli_session_create_accounts_list_and_project_show() {
    let s = TestApp::spawn().await;
    let out = s.cli(&[
        "session",
        "create",
        "--owner-id",
        "c1",
        "--owner-name",
        "Cli Co",
        "--category",
        "hris",
        "--expires-in",
        "3600",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let token = v["token"].as_str().expect("token");
    assert_eq!(v["categories"], json!(["hris"]));
    assert!(
        v["auth_link_url"]
            .as_str()
            .expect("link")
            .contains("/link#token=")
    );
    // The running server accepts a token made by the CLI.
    let (st, _) = s.link_account(token, "cli-secret-5555").await.pair();
    assert_eq!(st, 201);
    let out = s.cli(&[
        "session",
        "create",
        "--owner-id",
        "c2",
        "--owner-name",
        "Two",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("token: ") && text.contains("auth link: "),
        "{text}"
    );
    let out = s.cli(&["accounts", "list", "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v.as_array().map(Vec::len), Some(1));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("5555"));
    let out = s.cli(&["accounts", "list"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("acme_hr"));
    let out = s.cli(&["project", "show"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("webhook_secret: whsec_"));
    let out = s.cli(&["session", "create", "--owner-id", "", "--owner-name", "x"]);
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test]
async fn serve_refuses_an_invalid_catalog_with_exit_code_2() {
    let bad = tempfile::tempdir().expect("dir");
    let dir = bad.path().join("broken");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("connector.toml"), "key = \"broken\"\nname = 5\n").expect("write");
    let s = TestApp::spawn().await;
    let mut cmd = s.command();
    cmd.env("LINKHUB_CATALOG", bad.path())
        .args(["serve", "--port", "0"]);
    let out = cmd.output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("connector.toml"), "{err}");
}

#[tokio::test]
async fn guide_import_prints_json_and_checks() {
    let s = TestApp::spawn().await;
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../protocol/tests/fixtures/dagster-user-token.txt");
    let out = s.cli(&["guide", "import", file.to_str().expect("path")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("guide json");
    assert!(v.is_object());
    let out = s.cli(&["guide", "import", "--check", file.to_str().expect("path")]);
    assert!(out.status.code().is_some_and(|c| c == 0 || c == 1));
    let broken = s.data_dir.path().join("broken.mdx");
    std::fs::write(&broken, "no title here\n").expect("write");
    let out = s.cli(&["guide", "import", "--check", broken.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains(":1:"));
}

#[tokio::test]
async fn api_key_only_stored_as_hash() {
    let s = TestApp::spawn().await;
    drop(s.token("o").await);
    if s.database_url.is_none() {
        let db = std::fs::read(s.data_dir.path().join("linkhub.db")).expect("db");
        let hay = String::from_utf8_lossy(&db);
        assert!(!hay.contains(API_KEY));
    }
}

/// Two processes starting on one empty data folder: one makes the project and prints its
/// key, the other uses that project; the printed key works.
#[tokio::test]
async fn two_processes_on_an_empty_data_folder_end_with_one_working_api_key() {
    for round in 0..5 {
        let dir = tempfile::tempdir().expect("dir");
        let database_url = support::new_database().await;
        let start = || {
            let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_linkhub-server"));
            cmd.env_clear()
                .env("PATH", std::env::var_os("PATH").unwrap_or_default())
                .env("LINKHUB_DATA_DIR", dir.path())
                .env("LINKHUB_LOG", "warn")
                .args(["project", "show", "--json"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            if let Some(url) = &database_url {
                cmd.env("DATABASE_URL", url);
            }
            cmd.spawn().expect("spawn")
        };
        let (a, b) = (start(), start());
        let mut printed = Vec::new();
        for child in [a, b] {
            let out = child.wait_with_output().expect("wait");
            let stderr = String::from_utf8_lossy(&out.stderr).to_string();
            assert!(out.status.success(), "round {round}: {stderr}");
            printed.extend(
                stderr
                    .lines()
                    .map(str::trim)
                    .filter(|l| l.starts_with("lh_sk_"))
                    .map(str::to_string),
            );
        }
        assert_eq!(printed.len(), 1, "round {round}: exactly one key printed");
        let app = TestApp::spawn_in(
            dir,
            database_url,
            Options {
                without_api_key: true,
                ..Options::default()
            },
        );
        let r = app
            .http
            .get(app.url("/accounts"))
            .basic_auth(&printed[0], Some(""))
            .send()
            .await
            .expect("GET /accounts");
        assert_eq!(r.status(), 200, "round {round}: the printed key works");
    }
}
