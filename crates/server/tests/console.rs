//! The operator console (`/console`) against the real binary, on SQLite or PostgreSQL:
//! sign-in, CSRF, the "Link account" flow, the accounts pages and their webhook deliveries.

mod support;

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use support::{API_KEY, Console, TestApp, csrf_field, set_cookie, wait_for};

const CONSOLE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// A page holds no inline script or style and no event-handler attribute.
fn assert_no_inline_code(html: &str) {
    for tag in html.split("<script").skip(1) {
        let open = &tag[..tag.find('>').expect("tag end")];
        assert!(open.contains(" src=\"/"), "inline script: <script{open}>");
        assert!(
            tag[open.len() + 1..].starts_with("</script>"),
            "script body"
        );
    }
    assert!(!html.contains("<style"), "inline style sheet");
    assert!(!html.contains(" style="), "style attribute");
    for attr in [
        " onclick=",
        " onload=",
        " onerror=",
        " onsubmit=",
        "javascript:",
    ] {
        assert!(!html.contains(attr), "{attr}");
    }
}

fn assert_console_headers(h: &reqwest::header::HeaderMap) {
    assert_eq!(h["content-security-policy"], CONSOLE_CSP);
    assert_eq!(h["cache-control"], "no-store");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert!(
        h["content-type"]
            .to_str()
            .expect("s")
            .starts_with("text/html")
    );
}

/// Every visible control has a `<label for>` naming its id.
fn assert_labelled(html: &str) {
    for tag in ["<input", "<select"] {
        for chunk in html.split(tag).skip(1) {
            let open = &chunk[..chunk.find('>').expect("tag end")];
            if open.contains("type=\"hidden\"") {
                continue;
            }
            let id = open
                .split(" id=\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .unwrap_or_else(|| panic!("control without an id: {open}"));
            assert!(
                html.contains(&format!("<label for=\"{id}\"")),
                "no label for #{id}"
            );
        }
    }
}

/// The auth link shown on the result page.
fn auth_link(html: &str) -> String {
    let marker = "id=\"auth-link\"";
    let tag_start = html.find(marker).expect("auth link field");
    let tag = &html[tag_start..];
    let value = tag.split("value=\"").nth(1).expect("value");
    value.split('"').next().expect("end").replace("&amp;", "&")
}

async fn sign_in_page(s: &TestApp) -> (String, String) {
    let r = s.http.get(s.url("/console")).send().await.expect("req");
    assert_eq!(r.status(), 200);
    assert_console_headers(r.headers());
    let (pre, attrs) = set_cookie(&r, "lh_console_sign_in").expect("sign-in cookie");
    assert!(
        attrs.contains("HttpOnly") && attrs.contains("SameSite=Strict"),
        "{attrs}"
    );
    let html = r.text().await.expect("html");
    assert_labelled(&html);
    assert_no_inline_code(&html);
    (pre, csrf_field(&html))
}

#[tokio::test]
async fn console_sign_in_refuses_a_wrong_key_and_sets_a_strict_session_cookie() {
    let s = TestApp::spawn().await;
    let (pre, token) = sign_in_page(&s).await;
    let post = |form: Vec<(&'static str, String)>, cookie: Option<String>| {
        let mut req = s.http.post(s.url("/console")).form(&form);
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        req.send()
    };
    let cookie = format!("lh_console_sign_in={pre}");

    // Wrong key: 401 and a message saying so, no session.
    let r = post(
        vec![("csrf", token.clone()), ("api_key", "lh_sk_wrong".into())],
        Some(cookie.clone()),
    )
    .await
    .expect("req");
    assert_eq!(r.status(), 401);
    assert_console_headers(r.headers());
    assert!(set_cookie(&r, "lh_console").is_none());
    let html = r.text().await.expect("html");
    assert!(
        html.contains("not this project&#39;s key") || html.contains("not this project's key"),
        "{html}"
    );
    assert!(html.contains("role=\"alert\""));

    // The sign-in form's token must match its cookie.
    let r = post(
        vec![("csrf", "forged".into()), ("api_key", API_KEY.into())],
        Some(cookie.clone()),
    )
    .await
    .expect("req");
    assert_eq!(r.status(), 403);
    let r = post(vec![("api_key", API_KEY.into())], None)
        .await
        .expect("req");
    assert_eq!(r.status(), 403);

    // Right key: a redirect and a strict session cookie.
    let r = post(
        vec![("csrf", token.clone()), ("api_key", API_KEY.into())],
        Some(cookie),
    )
    .await
    .expect("req");
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/console/link");
    let (session, attrs) = set_cookie(&r, "lh_console").expect("session cookie");
    assert!(session.len() >= 43, "256 random bits");
    for a in ["HttpOnly", "SameSite=Strict", "Path=/console", "Max-Age="] {
        assert!(attrs.contains(a), "{a} in {attrs}");
    }
    // Stored hashed only.
    if s.database_url.is_none() {
        let mut hay = Vec::new();
        for f in ["linkhub.db", "linkhub.db-wal"] {
            hay.extend(std::fs::read(s.data_dir.path().join(f)).unwrap_or_default());
        }
        assert!(!String::from_utf8_lossy(&hay).contains(&session));
    }

    // Signed in, /console goes on to the console; signed out, pages go back to sign-in.
    let console = Console {
        server: &s,
        cookie: format!("lh_console={session}"),
        csrf: String::new(),
    };
    let r = s
        .http
        .get(s.url("/console"))
        .header("cookie", &console.cookie)
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 303);
    let (status, _, html) = console.get("/console/accounts").await;
    assert_eq!(status, 200);
    let csrf = csrf_field(&html);
    let r = s
        .http
        .get(s.url("/console/accounts"))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/console");
    let (status, _) = console.post("/console/sign-out", &[]).await;
    assert_eq!(status, 403, "sign-out needs the CSRF token too");
    let (status, _) = console
        .post("/console/sign-out", &[("csrf", csrf.as_str())])
        .await;
    assert_eq!(status, 303);
    let (status, _, _) = console.get("/console/accounts").await;
    assert_eq!(status, 303, "the session ended");
}

#[tokio::test]
async fn console_forms_without_this_sessions_csrf_token_are_refused() {
    let s = TestApp::spawn().await;
    let c = s.console().await;
    let form = |csrf: Option<&'static str>| {
        let mut f = vec![("owner_id", "o-csrf"), ("owner_name", "CSRF Inc")];
        if let Some(t) = csrf {
            f.push(("csrf", t));
        }
        f
    };
    for path in [
        "/console/link/review",
        "/console/link/generate",
        "/console/link",
    ] {
        let (status, html) = c.post(path, &form(None)).await;
        assert_eq!(status, 403, "{path} without a token");
        assert!(html.contains("Form refused"), "{html}");
        let (status, _) = c.post(path, &form(Some("not-the-token"))).await;
        assert_eq!(status, 403, "{path} with another token");
    }
    // Another operator's token does not fit this session either.
    let other = s.console().await;
    let (status, _) = c
        .post(
            "/console/link/generate",
            &[
                ("csrf", other.csrf.as_str()),
                ("owner_id", "x"),
                ("owner_name", "y"),
            ],
        )
        .await;
    assert_eq!(status, 403);
    // Nothing was made.
    let (_, _, html) = c.get("/console/accounts").await;
    assert!(!html.contains("o-csrf"));
}

#[tokio::test]
async fn console_link_flow_makes_a_working_auth_link() {
    let s = TestApp::spawn().await;
    let c = s.console().await;
    let (status, headers, html) = c.get("/console/link").await;
    assert_eq!(status, 200);
    assert_console_headers(&headers);
    assert_no_inline_code(&html);
    assert_labelled(&html);
    for label in [
        "Origin owner ID",
        "Origin owner name",
        "Origin username",
        "Category",
    ] {
        assert!(html.contains(label), "{label}");
    }
    // Only categories with active connectors (legacy, inactive, is not counted).
    assert!(
        html.contains("<option value=\"hris\">HRIS (1)</option>"),
        "{html}"
    );
    assert!(
        html.contains("<option value=\"crm\">CRM (1)</option>"),
        "{html}"
    );

    // Next with missing fields: the form again, with errors tied to the fields.
    let csrf = c.csrf.as_str();
    let (status, html) = c
        .post(
            "/console/link/review",
            &[
                ("csrf", csrf),
                ("owner_id", ""),
                ("owner_name", "Acme & Co"),
                ("expires_days", "500"),
            ],
        )
        .await;
    assert_eq!(status, 400);
    assert!(html.contains("Enter the origin owner ID."), "{html}");
    assert!(
        html.contains("aria-describedby=\"owner_id-hint owner_id-error\""),
        "{html}"
    );
    assert!(html.contains("from 1 to 90"), "{html}");
    assert!(html.contains("value=\"Acme &amp; Co\""), "kept and escaped");

    // Next: the review step shows what will be made, and makes nothing yet.
    let fields = [
        ("csrf", csrf),
        ("owner_id", "cust-42"),
        ("owner_name", "Acme <Payroll>"),
        ("username", "ops@acme.test"),
        ("category", "hris"),
        ("expires_days", ""),
    ];
    let (status, html) = c.post("/console/link/review", &fields).await;
    assert_eq!(status, 200);
    assert_no_inline_code(&html);
    assert!(html.contains("Acme &lt;Payroll&gt;"), "escaped: {html}");
    assert!(html.contains("30 days"));
    assert!(html.contains("Only the HRIS category"));
    assert!(
        html.contains("formaction=\"/console/link\""),
        "an Edit button"
    );
    assert!(!html.contains("#token="));
    // Edit: the form again, filled in.
    let (status, html) = c.post("/console/link", &fields).await;
    assert_eq!(status, 200);
    assert!(html.contains("value=\"cust-42\""));
    assert!(html.contains("<option value=\"hris\" selected>"), "{html}");

    // Generate: the link, a copy button for the script to show, and the expiry.
    let (status, html) = c.post("/console/link/generate", &fields).await;
    assert_eq!(status, 200);
    assert_no_inline_code(&html);
    assert_labelled(&html);
    assert!(html.contains("<script src=\"/console/static/console.js\" defer></script>"));
    assert!(html.contains("data-copy-target=\"auth-link\""));
    let link = auth_link(&html);
    let token = link
        .strip_prefix(&format!("{}/link#token=", s.base))
        .unwrap_or_else(|| panic!("auth link {link}"));
    let expiry = html
        .split("Expires on <time datetime=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("expiry shown");

    // The link works: its session is the one described, for 30 days.
    let r = s
        .hub(Method::GET, "/hub/connectors", token)
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.expect("json");
    let keys: Vec<&str> = v["integrations"]
        .as_array()
        .expect("list")
        .iter()
        .map(|c| c["provider"].as_str().expect("provider"))
        .collect();
    assert_eq!(keys, ["acme_hr"], "only the chosen category");
    let settings: Value = s
        .hub(Method::GET, "/hub/settings", token)
        .send()
        .await
        .expect("req")
        .json()
        .await
        .expect("json");
    assert_eq!(settings["expires_at"], expiry);
    let (status, _) = s.link_account(token, "console-secret-1234").await.pair();
    assert_eq!(status, 201);
    let accounts: Value = s
        .api(Method::GET, "/accounts?origin_owner_id=cust-42")
        .send()
        .await
        .expect("req")
        .json()
        .await
        .expect("json");
    assert_eq!(accounts[0]["origin_owner_name"], "Acme <Payroll>");
    assert_eq!(accounts[0]["origin_username"], "ops@acme.test");

    // A shorter expiry when the operator asks for one.
    let mut short = fields.to_vec();
    short.retain(|(k, _)| *k != "expires_days" && *k != "category");
    short.push(("expires_days", "7"));
    let (status, html) = c.post("/console/link/generate", &short).await;
    assert_eq!(status, 200);
    let link = auth_link(&html);
    let token = link.split("#token=").nth(1).expect("token");
    let settings: Value = s
        .hub(Method::GET, "/hub/settings", token)
        .send()
        .await
        .expect("req")
        .json()
        .await
        .expect("json");
    let expires = settings["expires_at"].as_str().expect("expires_at");
    let days = (parse_rfc3339(expires) - support_now()) as f64 / 86_400.0;
    assert!((6.9..=7.0).contains(&days), "{days}");
}

fn parse_rfc3339(s: &str) -> i64 {
    // YYYY-MM-DDTHH:MM:SSZ, enough for the server's own output.
    let d: Vec<i64> = s
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .map(|p| p.parse().expect("digits"))
        .collect();
    let (y, m, day) = (d[0], d[1], d[2]);
    // Days from civil (Howard Hinnant).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + d[3] * 3600 + d[4] * 60 + d[5]
}

fn support_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[tokio::test]
async fn console_lists_accounts_with_filters_and_their_webhook_deliveries() {
    let (s, got) = TestApp::spawn_with_receiver().await;
    let (status, a) = s
        .link_account(&s.token("owner-a").await, "acct-secret-aaaa1111")
        .await
        .pair();
    assert_eq!(status, 201);
    let id_a = a["id"].as_str().expect("id").to_string();
    let token_b = s
        .token_for(
            json!({"origin_owner_id": "owner-b", "origin_owner_name": "B <Ltd>",
            "origin_username": "b@b.test"}),
        )
        .await;
    let r = s
        .hub(Method::POST, "/hub/accounts", &token_b)
        .json(&json!({"integration_id": "docsign", "credentials": {"api_token": "tok-bbbb2222"}}))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 201);
    let events = wait_for(&got, 2, 20).await;
    assert_eq!(events.len(), 2, "{}", s.log());

    let c = s.console().await;
    let (status, headers, html) = c.get("/console/accounts").await;
    assert_eq!(status, 200);
    assert_console_headers(&headers);
    assert_no_inline_code(&html);
    assert_labelled(&html);
    assert!(
        html.contains("<caption>Linked accounts (2)</caption>"),
        "{html}"
    );
    assert!(html.contains("<th scope=\"col\">Provider</th>"));
    assert!(html.contains(&format!("href=\"/console/accounts/{id_a}\"")));
    assert!(html.contains("Acme HR") && html.contains("owner-a"));
    assert!(html.contains("B &lt;Ltd&gt;") && html.contains("b@b.test"));

    // Filters by owner, provider and status, from the query string.
    let (_, _, html) = c.get("/console/accounts?owner_id=owner-a").await;
    assert!(
        html.contains("owner-a") && !html.contains("owner-b"),
        "{html}"
    );
    assert!(html.contains("matching the filters (1)"));
    let (_, _, html) = c.get("/console/accounts?provider=docsign").await;
    assert!(
        html.contains("owner-b") && !html.contains(">owner-a<"),
        "{html}"
    );
    let (_, _, html) = c.get("/console/accounts?status=error").await;
    assert!(html.contains("No linked account matches these filters."));
    let (status, _, html) = c.get("/console/accounts?status=bogus").await;
    assert_eq!(status, 400);
    assert!(html.contains("Unknown status"));

    // The account page: its fields, never its secret, and its deliveries with status.
    let mut html = String::new();
    for _ in 0..100 {
        let (status, _, page) = c.get(&format!("/console/accounts/{id_a}")).await;
        assert_eq!(status, 200);
        html = page;
        if html.contains("lhc-status--delivered") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_no_inline_code(&html);
    assert!(html.contains(&id_a));
    assert!(html.contains("acme"), "setup information (subdomain)");
    assert!(
        !html.contains("acct-secret") && !html.contains("aaaa1111"),
        "no secret"
    );
    assert!(
        html.contains("<caption>Webhook deliveries (1)</caption>"),
        "{html}"
    );
    assert!(html.contains("<code>account.created</code>"));
    assert!(
        html.contains("<span class=\"lhc-status lhc-status--delivered\">delivered</span>"),
        "{html}"
    );
    assert!(html.contains("<td>204</td>"), "last status code");

    let (status, headers, html) = c.get("/console/accounts/acc_missing").await;
    assert_eq!(status, 404);
    assert_console_headers(&headers);
    assert!(html.contains("Not found"));
}

#[tokio::test]
async fn console_assets_come_from_this_origin() {
    let s = TestApp::spawn().await;
    let r = s
        .http
        .get(s.url("/console/static/console.css"))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .expect("s")
            .starts_with("text/css")
    );
    let r = s
        .http
        .get(s.url("/console/static/console.js"))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .expect("s")
            .starts_with("text/javascript")
    );
    assert!(r.text().await.expect("js").contains("clipboard"));
    let r = s
        .http
        .get(s.url("/console/static/other.js"))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 404);
    // A form that is not a form is a page, not a 500.
    let c = s.console().await;
    let r = s
        .http
        .post(s.url("/console/link/review"))
        .header("cookie", &c.cookie)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .expect("req");
    assert_eq!(r.status(), 400);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .expect("s")
            .starts_with("text/html")
    );
}
