//! Credential checks (`[check]` of `connector.toml`): every declaration of the repository's
//! catalog is valid and complete, and each kind of broken declaration is refused at load
//! with a message naming the file and the problem.

use std::collections::BTreeMap;
use std::path::Path;

use linkhub_protocol::catalog::load_catalog;
use linkhub_protocol::check::{RenderError, failure_message, host_matches};

/// The locales every failure message is written in.
const LOCALES: [&str; 5] = ["fr", "de", "es", "ja", "ar"];

/// A logo the catalog's logo rules accept.
const LOGO: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 24 24\" role=\"img\"><title>Acme</title><rect width=\"24\" height=\"24\" fill=\"#4F43DD\"/></svg>";

const CONNECTOR: &str = r#"key = "acme"
name = "Acme"
category = "data"
auth_type = "custom"
logo = "logo.svg"

[[fields]]
key = "token"
label = "Token"
type = "password"
secret = true

[[fields]]
key = "org"
label = "Organization"
type = "text"
"#;

const CHECK: &str = r#"
[check]
method = "POST"
url = "https://{org}.acme.example/api/graphql"
hosts = ["*.acme.example"]
headers = { X-Token = "{token}" }
body = { query = "{ me }" }
pointer = "/data/me"

[[check.failures]]
status = [401, 403]
fields = ["token"]
key = "token_rejected"
message = "Acme rejected this token."

[translations.fr.check]
token_rejected = "Acme a refusé ce jeton."
"#;

/// Loads a catalog of one connector `acme` with this check and returns the problems.
fn problems(check: &str) -> Result<(), String> {
    load(CONNECTOR, check)
}

fn load(connector: &str, check: &str) -> Result<(), String> {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("acme");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("connector.toml"), format!("{connector}{check}")).expect("toml");
    std::fs::write(dir.join("logo.svg"), LOGO).expect("logo");
    load_catalog(tmp.path())
        .map(|_| ())
        .map_err(|e| e.to_string())
}

fn refused(check: &str, expected: &str) {
    let msg = problems(check).expect_err("the check should be refused");
    assert!(msg.contains("acme/connector.toml"), "names the file: {msg}");
    assert!(msg.contains(expected), "expected {expected:?} in: {msg}");
}

#[test]
fn a_valid_check_loads_and_speaks_each_language() {
    problems(CHECK).expect("loads");
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("acme");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("connector.toml"), format!("{CONNECTOR}{CHECK}")).expect("toml");
    std::fs::write(dir.join("logo.svg"), LOGO).expect("logo");
    let catalog = load_catalog(tmp.path()).expect("loads");
    let def = &catalog.get("acme").expect("acme").definition;
    let check = def.check.as_ref().expect("check");
    let t = &def.translations;
    assert_eq!(
        failure_message(check, t, "token_rejected", "fr-CA"),
        Some("Acme a refusé ce jeton.")
    );
    assert_eq!(
        failure_message(check, t, "token_rejected", "de"),
        Some("Acme rejected this token."),
        "English where a locale has no translation"
    );
    assert_eq!(failure_message(check, t, "nope", "en"), None);
    // The check is not part of what the widget is served.
    let served = serde_json::to_string(&catalog.get("acme").expect("acme").config).expect("json");
    assert!(!served.contains("Acme a refusé"), "{served}");
    assert!(!served.contains("/api/graphql"), "{served}");
}

#[test]
fn a_secret_in_the_url_is_refused() {
    refused(
        &CHECK.replace("/api/graphql", "/api/graphql?key={token}"),
        "`{token}` is a secret field",
    );
    // A password field is a secret even when `secret` is not written.
    let msg = load(
        &CONNECTOR.replace("secret = true\n", ""),
        &CHECK.replace("/api/graphql", "/api/graphql?key={token}"),
    )
    .expect_err("refused");
    assert!(msg.contains("`{token}` is a secret field"), "{msg}");
}

#[test]
fn placeholders_must_be_fields() {
    refused(
        &CHECK.replace("{org}.acme", "{orga}.acme"),
        "check.url: `{orga}` is not a field key",
    );
    refused(
        &CHECK.replace("X-Token = \"{token}\"", "X-Token = \"{tokn}\""),
        "check.headers.X-Token: `{tokn}` is not a field key",
    );
    refused(
        &CHECK.replace("\"{ me }\"", "\"{me}\""),
        "check.body: `{me}` is not a field key",
    );
}

#[test]
fn the_url_must_be_https_and_match_its_hosts() {
    refused(
        &CHECK.replace("https://", "ftp://"),
        "must start with https://",
    );
    // Plain http may be declared (a self-hosted provider); the server sends it only when
    // the operator allows it.
    problems(&CHECK.replace("https://", "http://")).expect("plain http loads");
    refused(
        &CHECK.replace("{org}.acme.example", "api.other.example"),
        "host `api.other.example` matches none of check.hosts",
    );
    refused(
        &CHECK.replace("hosts = [\"*.acme.example\"]", "hosts = []"),
        "check.hosts: declare the host pattern",
    );
    refused(
        &CHECK.replace("\"*.acme.example\"", "\"*\""),
        "`*` is not a host name",
    );
    refused(&CHECK.replace("/api/graphql", "/api#x"), "fragment");
}

#[test]
fn self_urls_only_reach_the_sandbox() {
    refused(
        &CHECK
            .replace("https://{org}.acme.example/api/graphql", "{self}/console")
            .replace("hosts = [\"*.acme.example\"]\n", ""),
        "may only reach `/sandbox/…`",
    );
    refused(
        &CHECK
            .replace(
                "https://{org}.acme.example/api/graphql",
                "{self}/sandbox/../console",
            )
            .replace("hosts = [\"*.acme.example\"]\n", ""),
        "may not hold `..`",
    );
    problems(
        &CHECK
            .replace(
                "https://{org}.acme.example/api/graphql",
                "{self}/sandbox/v1/me",
            )
            .replace("hosts = [\"*.acme.example\"]\n", ""),
    )
    .expect("a {self} check of the sandbox loads");
}

#[test]
fn answers_and_failures_are_checked() {
    refused(
        &CHECK.replace("method = \"POST\"", "method = \"GET\""),
        "a GET check has no body",
    );
    refused(
        &CHECK.replace("method = \"POST\"", "method = \"DELETE\""),
        "DELETE",
    );
    refused(
        &CHECK.replace("[check]\n", "[check]\ntimeout = 60\n"),
        "check.timeout: 60",
    );
    refused(
        &CHECK.replace("[check]\n", "[check]\nsuccess = [302]\n"),
        "302 is not a 2xx status",
    );
    refused(
        &CHECK.replace("pointer = \"/data/me\"", "pointer = \"data.me\""),
        "JSON pointer",
    );
    refused(
        &CHECK.replace("status = [401, 403]", "status = [500]"),
        "status 500 is not a 4xx",
    );
    refused(
        &CHECK.replace("fields = [\"token\"]", "fields = [\"secret\"]"),
        "`secret` is not a field key",
    );
    refused(
        &CHECK.replace("fields = [\"token\"]", "fields = []"),
        "name the field(s)",
    );
    refused(
        &CHECK.replace("token_rejected = \"Acme a", "token_refused = \"Acme a"),
        "translations.fr.check: `token_refused` is not a check failure key",
    );
    refused(
        &CHECK.replace("headers = { X-Token", "headers = { Host = \"x\", X-Token"),
        "`Host` is not a header name a check may set",
    );
    refused(
        &CHECK.replace("message = \"Acme rejected this token.\"", "mesage = \"x\""),
        "mesage",
    );
}

/// Field values that fit each connector's patterns, for rendering its check.
fn example_value(field: &linkhub_protocol::catalog::FieldDefinition) -> String {
    match field.key.as_str() {
        "organization" | "subdomain" => "acme".into(),
        "domain" => "acme.okta.com".into(),
        "site" => "acme.atlassian.net".into(),
        "deployment" => "prod".into(),
        k if k.contains("email") => "jane.doe@example.com".into(),
        _ => field
            .placeholder
            .clone()
            .filter(|p| !p.contains(' '))
            .unwrap_or_else(|| "example".into()),
    }
}

/// Every check of the repository's catalog: valid (it loads), reachable only over https at
/// one of its own hosts once built from real-looking values, holding no secret value in
/// its URL, and with every failure message in every language of the widget.
#[test]
fn every_check_of_the_catalog_is_complete() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog");
    let catalog = load_catalog(&dir).unwrap_or_else(|e| panic!("{e}"));
    let mut checked = Vec::new();
    for c in &catalog.connectors {
        let Some(check) = &c.definition.check else {
            continue;
        };
        let key = &c.key;
        checked.push(key.as_str());
        let values: BTreeMap<String, String> = c
            .definition
            .fields
            .iter()
            .map(|f| (f.key.clone(), example_value(f)))
            .collect();
        let rendered = check
            .render(&values, Some("http://127.0.0.1:8080"))
            .unwrap_or_else(|e| panic!("{key}: {e}"));
        if check.is_self() {
            assert!(
                rendered.url.starts_with("http://127.0.0.1:8080/sandbox/"),
                "{key}: {}",
                rendered.url
            );
        } else {
            let rest = rendered.url.strip_prefix("https://").expect("https");
            let host = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
            assert!(
                check.hosts.iter().any(|p| host_matches(p, host)),
                "{key}: {host} matches none of {:?}",
                check.hosts
            );
        }
        for f in c.definition.fields.iter().filter(|f| f.secret) {
            assert!(
                !rendered.url.contains(&values[&f.key]),
                "{key}: the secret {} is in the URL",
                f.key
            );
        }
        for failure in &check.failures {
            for locale in LOCALES {
                let text = c
                    .definition
                    .translations
                    .get(locale)
                    .and_then(|t| t.check.get(&failure.key));
                assert!(
                    text.is_some_and(|t| !t.trim().is_empty() && t != &failure.message),
                    "{key}: failure `{}` has no {locale} text",
                    failure.key
                );
            }
        }
    }
    for needed in ["dagster", "oneflow", "sandbox"] {
        assert!(
            checked.contains(&needed),
            "{needed} declares a check: {checked:?}"
        );
    }
}

#[test]
fn a_missing_value_is_named() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog");
    let catalog = load_catalog(&dir).unwrap_or_else(|e| panic!("{e}"));
    let dagster = catalog.get("dagster").expect("dagster");
    let check = dagster.definition.check.as_ref().expect("check");
    let values: BTreeMap<String, String> = [("user_token".to_owned(), "user:x".to_owned())].into();
    let err = check.render(&values, None).expect_err("incomplete");
    assert!(
        matches!(err, RenderError::Missing(ref f) if f == "organization"),
        "{err}"
    );
    assert_eq!(check.host_fields(), ["organization"]);
}
