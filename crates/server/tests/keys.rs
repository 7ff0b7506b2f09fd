//! Keys replicas share and key rotation (#17 defect 7): servers on one database with the
//! same keys from the environment or a file read each other's secrets; a server with other
//! keys stops with a message naming what to set; after a rotation old secrets still open,
//! and `keys re-encrypt` (run beside a serving server) leaves none on the old key.
//! Against the real binary, on SQLite or (with `LINKHUB_TEST_POSTGRES_URL`) PostgreSQL.

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use linkhub_protocol::hub::redact;
use linkhub_server::crypto::{new_key_text, new_webhook_secret};
use serde_json::Value;
use support::{API_KEY, Options, TestApp};

/// Options with `LINKHUB_SECRET_KEY` set.
fn with_env(pairs: &[(&str, &str)]) -> Options {
    Options {
        env: pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Options::default()
    }
}

/// Runs `cmd` to its end (at most 60 s: a server that should have refused to start but
/// serves fails the test instead of hanging it): status and stderr.
fn run_to_end(mut cmd: Command) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().expect("dir");
    let err_path = dir.path().join("stderr");
    let err = std::fs::File::create(&err_path).expect("stderr file");
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::from(err))
        .spawn()
        .expect("spawn");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "still running after 60 s: {}",
                std::fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    (
        status.code(),
        std::fs::read_to_string(&err_path).unwrap_or_default(),
    )
}

/// The stdout of a CLI subcommand that must succeed.
fn cli_ok(app: &TestApp, args: &[&str]) -> String {
    let out = app.cli(args);
    assert!(
        out.status.success(),
        "{args:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `keys status --json`: key id → count of stored secrets, and the current key's id.
fn census(app: &TestApp) -> (Value, String) {
    let v: Value = serde_json::from_str(&cli_ok(app, &["keys", "status", "--json"])).expect("JSON");
    let current = v["current"].as_str().expect("current").to_string();
    (v["by_key"].clone(), current)
}

/// What `GET /hub/accounts/{id}` shows of the account's API key (it must open the secret).
async fn shown_secret(app: &TestApp, owner: &str, id: &str) -> String {
    let token = app.token(owner).await;
    let r = app.hub_get(&format!("/hub/accounts/{id}"), &token).await;
    assert_eq!(r.status, 200, "{}\n{}", r.body, app.log());
    r.body["secrets"]["api_key"]
        .as_str()
        .unwrap_or_else(|| panic!("no api_key secret: {}", r.body))
        .to_string()
}

#[tokio::test]
async fn replicas_with_the_same_keys_read_each_other_s_secrets_and_a_wrong_key_stops_clearly() {
    let key = new_key_text();
    let a = TestApp::spawn_with(with_env(&[("LINKHUB_SECRET_KEY", &key)])).await;
    let on_a = a.linked_account("owner-a", "sk_live_shared_1234").await;

    // A second server with its own data folder, the keys from a file, the same database.
    let folder = tempfile::tempdir().expect("dir");
    let key_file = folder.path().join("keys.txt");
    std::fs::write(&key_file, format!("{key}\n")).expect("key file");
    let b = TestApp::spawn_in(
        tempfile::tempdir().expect("dir"),
        Some(a.db_url()),
        with_env(&[("LINKHUB_SECRET_KEY_FILE", &key_file.display().to_string())]),
    );
    let on_b = b.linked_account("owner-b", "sk_live_shared_5678").await;
    assert_eq!(
        shown_secret(&b, "owner-a", &on_a).await,
        redact("sk_live_shared_1234")
    );
    assert_eq!(
        shown_secret(&a, "owner-b", &on_b).await,
        redact("sk_live_shared_5678")
    );
    for app in [&a, &b] {
        assert!(
            !app.data_dir.path().join("secret.key").exists(),
            "no key of its own is made when keys are configured"
        );
    }

    // A third server on the database with another key, or with none (its own secret.key):
    // it stops, saying what to set, and shows no key.
    let other = new_key_text();
    for env in [Some(other.as_str()), None] {
        let mut cmd = b.command();
        cmd.env_remove("LINKHUB_SECRET_KEY_FILE")
            .env("LINKHUB_DATA_DIR", folder.path().join("third"))
            .args(["serve", "--port", "0"]);
        if let Some(k) = env {
            cmd.env("LINKHUB_SECRET_KEY", k);
        }
        let (code, stderr) = run_to_end(cmd);
        assert_eq!(code, Some(2), "{stderr}");
        for needle in ["LINKHUB_SECRET_KEY", "docs/deploy.md", "same keys"] {
            assert!(stderr.contains(needle), "{needle} in {stderr}");
        }
        assert!(
            !stderr.contains(&key) && !stderr.contains(&other),
            "{stderr}"
        );
    }
    // Both keys in two places at once: refused, naming both.
    let mut cmd = b.command();
    cmd.env("LINKHUB_SECRET_KEY", &key)
        .args(["serve", "--port", "0"]);
    let (code, stderr) = run_to_end(cmd);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("LINKHUB_SECRET_KEY") && stderr.contains("--secret-key-file"),
        "{stderr}"
    );
    // The running servers never logged a key.
    assert!(!a.log().contains(&key) && !b.log().contains(&key));
}

#[tokio::test]
async fn api_key_and_webhook_secret_come_from_files_or_the_environment() {
    let folder = tempfile::tempdir().expect("dir");
    let api_key_file = folder.path().join("api-key");
    std::fs::write(&api_key_file, format!("{API_KEY}\n")).expect("write");
    let secret = new_webhook_secret();
    let a = TestApp::spawn_with(Options {
        without_api_key: true,
        ..with_env(&[
            ("LINKHUB_API_KEY_FILE", &api_key_file.display().to_string()),
            ("LINKHUB_WEBHOOK_SECRET", &secret),
        ])
    })
    .await;
    assert_eq!(
        a.api_get("/accounts").await.status,
        200,
        "API key from the file"
    );
    let shown: Value =
        serde_json::from_str(&cli_ok(&a, &["project", "show", "--json"])).expect("JSON");
    assert_eq!(shown["webhook_secret"], secret.as_str());
    assert!(!a.log().contains(&secret), "the secret is never logged");
    // A second server given the secret by file keeps it; a malformed one is refused.
    let secret_file = folder.path().join("whsec");
    std::fs::write(&secret_file, &secret).expect("write");
    let mut cmd = a.command();
    cmd.env_remove("LINKHUB_WEBHOOK_SECRET")
        .env(
            "LINKHUB_WEBHOOK_SECRET_FILE",
            secret_file.display().to_string(),
        )
        .args(["project", "show", "--json"]);
    let out = cmd.output().expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut cmd = a.command();
    cmd.env("LINKHUB_WEBHOOK_SECRET", "whsec_dG9vLXNob3J0")
        .args(["project", "show"]);
    let out = cmd.output().expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("LINKHUB_WEBHOOK_SECRET") && !stderr.contains("dG9vLXNob3J0"),
        "{stderr}"
    );
}

#[tokio::test]
async fn after_a_rotation_old_secrets_open_and_re_encrypt_leaves_none_on_the_old_key() {
    let provider = support::oauth::Provider::start().await;
    let catalog = provider.catalog();
    let folder = tempfile::tempdir().expect("dir");
    let key_file = folder.path().join("keys.txt");
    std::fs::write(&key_file, format!("{}\n", new_key_text())).expect("key file");
    let mut app = TestApp::spawn_with(Options {
        catalog: Some(catalog.path().into()),
        ..with_env(&[("LINKHUB_SECRET_KEY_FILE", &key_file.display().to_string())])
    })
    .await;
    let mut accounts = Vec::new();
    for i in 0..7 {
        let owner = format!("owner-{i}");
        let secret = format!("sk_before_rotation_{i:04}");
        accounts.push((
            owner.clone(),
            app.linked_account(&owner, &secret).await,
            secret,
        ));
    }
    // An OAuth attempt left half way: its verifier and values are sealed too.
    let oauth_token = app.token("o-oauth").await;
    let attempt = app.create_attempt(&oauth_token, None).await;
    let r = app.open_popup(&oauth_token, "oauthy", &attempt).await;
    assert!(r.status().is_redirection(), "{}", r.status());
    let authorize = r.headers()["location"].to_str().expect("loc").to_string();
    let r = app.http.get(&authorize).send().await.expect("authorize");
    let callback = r.headers()["location"].to_str().expect("loc").to_string();
    // The path and query: the server listens on another port after each restart.
    let callback = callback
        .strip_prefix(&app.base)
        .expect("a callback to the server")
        .to_string();
    let (before, old_id) = census(&app);
    assert_eq!(before.as_object().map(|m| m.len()), Some(1), "{before}");
    assert!(
        before[&old_id].as_u64().is_some_and(|n| n >= 7 + 3),
        "{before}"
    );

    // Rotate: a new key first in the file; restart; old secrets still open.
    app.stop();
    let out = cli_ok(&app, &["keys", "rotate"]);
    assert!(out.contains("re-encrypt"), "{out}");
    app.restart();
    for (owner, id, secret) in &accounts {
        assert_eq!(shown_secret(&app, owner, id).await, redact(secret));
    }
    let (mixed, new_id) = census(&app);
    assert_ne!(new_id, old_id);
    let fresh = app
        .linked_account("owner-new", "sk_after_rotation_0001")
        .await;
    let (mixed_after, _) = census(&app);
    assert_eq!(
        mixed_after[&new_id].as_u64(),
        Some(1),
        "{mixed} → {mixed_after}"
    );

    // Re-encrypt while the server serves and keeps linking.
    let linking = {
        let app = &app;
        async move {
            let mut ids = Vec::new();
            for i in 0..10 {
                let owner = format!("during-{i}");
                ids.push((
                    owner.clone(),
                    app.linked_account(&owner, "sk_during_0001").await,
                ));
            }
            ids
        }
    };
    let re_encrypt = async {
        let mut cmd = app.command();
        cmd.args(["keys", "re-encrypt", "--batch", "2"]);
        tokio::task::spawn_blocking(move || cmd.output())
            .await
            .expect("join")
            .expect("re-encrypt")
    };
    let (during, out) = tokio::join!(linking, re_encrypt);
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let (after, current) = census(&app);
    assert_eq!(current, new_id);
    assert_eq!(
        after
            .as_object()
            .map(|m| m.keys().cloned().collect::<Vec<_>>()),
        Some(vec![new_id.clone()]),
        "nothing left on the old key: {after}"
    );
    // Run again: nothing to do.
    let again = cli_ok(&app, &["keys", "re-encrypt"]);
    assert!(again.contains(": 0;"), "{again}");

    // The old key can go: with the new one alone every secret opens, the half-way OAuth
    // attempt finishes, and the accounts linked during re-encryption are whole.
    app.stop();
    let ring = std::fs::read_to_string(&key_file).expect("read");
    let newest = ring
        .lines()
        .find(|l| !l.starts_with('#') && !l.trim().is_empty())
        .expect("a key");
    std::fs::write(&key_file, format!("{newest}\n")).expect("write");
    app.restart();
    for (owner, id, secret) in &accounts {
        assert_eq!(shown_secret(&app, owner, id).await, redact(secret));
    }
    assert_eq!(
        shown_secret(&app, "owner-new", &fresh).await,
        redact("sk_after_rotation_0001")
    );
    for (owner, id) in &during {
        assert_eq!(
            shown_secret(&app, owner, id).await,
            redact("sk_during_0001")
        );
    }
    let r = app
        .http
        .get(app.url(&callback))
        .send()
        .await
        .expect("callback");
    assert_eq!(r.status(), 200);
    let html = r.text().await.expect("html");
    assert!(
        html.contains("data-status=\"authenticated\""),
        "{html}\n{}",
        app.log()
    );
    let v = app.get_attempt(&oauth_token, &attempt).await.body;
    assert_eq!(v["status"], "authenticated", "{v}");
}

/// A value sealed the way the server did before sealed values named their key: base64 of
/// nonce ‖ ciphertext ‖ tag.
fn legacy_seal(key_b64: &str, context: &str, plain: &str) -> String {
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    use aes_gcm::{Aes256Gcm, Nonce};
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    let raw = STANDARD.decode(key_b64).expect("key");
    let cipher = Aes256Gcm::new_from_slice(&raw).expect("32 bytes");
    let nonce = [9u8; 12];
    let mut out = nonce.to_vec();
    out.extend(
        cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .expect("seal"),
    );
    STANDARD.encode(out)
}

#[tokio::test]
async fn secrets_sealed_before_key_ids_still_open_and_are_re_encrypted() {
    let key = new_key_text();
    let mut app = TestApp::spawn_with(with_env(&[("LINKHUB_SECRET_KEY", &key)])).await;
    let id = app
        .linked_account("owner-legacy", "sk_legacy_value_1234")
        .await;
    let shown: Value =
        serde_json::from_str(&cli_ok(&app, &["project", "show", "--json"])).expect("JSON");
    let project = shown["project_id"]
        .as_str()
        .expect("project id")
        .to_string();
    let webhook_secret = shown["webhook_secret"]
        .as_str()
        .expect("secret")
        .to_string();
    app.stop();
    // The database as a server before this change left it.
    let account_secrets = serde_json::json!({
        "api_key": legacy_seal(&key, &format!("account/{id}/api_key"), "sk_legacy_value_1234")
    })
    .to_string();
    let project_secret = legacy_seal(
        &key,
        &format!("project/{project}/webhook_secret"),
        &webhook_secret,
    );
    app.sql(&[
        &format!("UPDATE accounts SET secrets = '{account_secrets}' WHERE id = '{id}'"),
        &format!(
            "UPDATE projects SET webhook_secret_enc = '{project_secret}' WHERE id = '{project}'"
        ),
    ])
    .await;
    app.restart();
    let (census_before, current) = census(&app);
    assert_eq!(census_before["legacy"].as_u64(), Some(2), "{census_before}");
    assert_eq!(
        shown_secret(&app, "owner-legacy", &id).await,
        redact("sk_legacy_value_1234")
    );
    let out = cli_ok(&app, &["keys", "re-encrypt"]);
    assert!(out.contains(": 2;"), "{out}");
    let (after, _) = census(&app);
    assert_eq!(
        after
            .as_object()
            .map(|m| m.keys().cloned().collect::<Vec<_>>()),
        Some(vec![current]),
        "{after}"
    );
    assert_eq!(
        shown_secret(&app, "owner-legacy", &id).await,
        redact("sk_legacy_value_1234")
    );
    let shown: Value =
        serde_json::from_str(&cli_ok(&app, &["project", "show", "--json"])).expect("JSON");
    assert_eq!(shown["webhook_secret"], webhook_secret.as_str());
}
