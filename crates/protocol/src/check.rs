//! A connector's credential check: the `[check]` table of `connector.toml`, one cheap
//! authenticated request to the provider that tells whether the submitted values work,
//! and, when they do not, which field is wrong.
//!
//! ```toml
//! [check]
//! method = "POST"                                   # GET (default) or POST
//! url = "https://{organization}.dagster.cloud/{deployment}/graphql"
//! hosts = ["*.dagster.cloud"]                       # the built URL's host must match one
//! headers = { Dagster-Cloud-Api-Token = "{user_token}" }
//! body = { query = "{ version }" }                  # optional, sent as JSON
//! success = [200]                                   # default [200]
//! pointer = "/data/version"                         # optional: must hold in the JSON answer
//! timeout = 10                                      # seconds, default 10, at most 30
//!
//! [[check.failures]]
//! status = [401, 403]
//! fields = ["user_token"]
//! key = "token_rejected"
//! message = "Dagster rejected this token."
//!
//! [translations.fr.check]
//! token_rejected = "Dagster a refusé ce jeton."
//! ```
//!
//! Every `{field}` is a field key. In the URL each value is percent-encoded into its place
//! (a value in the host may only hold letters, digits, dots and hyphens; a path value may
//! not be `.` or `..`), and a secret field may never appear there: secrets go in headers,
//! `basic_auth` or the body. `{self}` at the very start of the URL stands for the server's
//! own public URL (the sandbox connector checks against the reference server itself); such
//! a URL may only reach `/sandbox/…`.
//!
//! This module only describes and renders the request. Sending it, and refusing to send it
//! to an address that is not public, is the server's job.

use std::collections::{BTreeMap, HashSet};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::{Deserialize, Serialize};

use crate::catalog::{FieldDefinition, TranslationDefinition};
use crate::config::FieldType;

/// Seconds a check may take when the declaration says nothing.
pub const DEFAULT_TIMEOUT_SECS: u64 = 10;
/// The longest timeout a declaration may ask for.
pub const MAX_TIMEOUT_SECS: u64 = 30;
/// The placeholder for the server's own public URL.
pub const SELF_PLACEHOLDER: &str = "{self}";
/// The host pattern of a `{self}` check.
pub const SELF_HOST: &str = "{self}";
/// The only path prefix a `{self}` check may reach.
pub const SELF_PATH_PREFIX: &str = "/sandbox/";

/// Everything but RFC 3986's unreserved characters is encoded.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `[check]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckDefinition {
    #[serde(default)]
    pub method: CheckMethod,
    /// URL template: `https://…` with `{field}` placeholders, or `{self}/sandbox/…`.
    pub url: String,
    /// Host patterns: `api.example.com` exactly, or `*.example.com` (one more label).
    /// Omitted (or `["{self}"]`) for a `{self}` URL.
    #[serde(default)]
    pub hosts: Vec<String>,
    /// Header name → value template.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// HTTP Basic credentials (templates), encoded by the server.
    #[serde(default)]
    pub basic_auth: Option<BasicAuth>,
    /// A JSON body; every string in it is a template. Sent with `content-type: application/json`.
    #[serde(default)]
    pub body: Option<serde_json::Value>,
    /// The statuses that mean the credentials work.
    #[serde(default = "default_success")]
    pub success: Vec<u16>,
    /// A JSON pointer (RFC 6901) that must hold in a successful answer: present, neither
    /// `null` nor `false`. When it does not, the answer counts as a refusal with the
    /// answer's status.
    #[serde(default)]
    pub pointer: Option<String>,
    /// Seconds, 1 to [`MAX_TIMEOUT_SECS`].
    #[serde(default)]
    pub timeout: Option<u64>,
    /// What each refusal means.
    #[serde(default)]
    pub failures: Vec<CheckFailure>,
}

fn default_success() -> Vec<u16> {
    vec![200]
}

/// The request method of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum CheckMethod {
    #[default]
    Get,
    Post,
}

impl CheckMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckMethod::Get => "GET",
            CheckMethod::Post => "POST",
        }
    }
}

/// `basic_auth = { username = "{email}", password = "{api_token}" }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasicAuth {
    pub username: String,
    #[serde(default)]
    pub password: String,
}

/// `[[check.failures]]`: what a refusal with one of these statuses means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckFailure {
    pub status: Vec<u16>,
    /// The fields to put the message on.
    pub fields: Vec<String>,
    /// The message's key in `[translations.<locale>.check]`.
    pub key: String,
    /// The message in English.
    pub message: String,
}

impl CheckDefinition {
    /// The timeout in seconds.
    pub fn timeout_secs(&self) -> u64 {
        self.timeout
            .unwrap_or(DEFAULT_TIMEOUT_SECS)
            .clamp(1, MAX_TIMEOUT_SECS)
    }

    /// Whether the URL is the server's own (`{self}/…`).
    pub fn is_self(&self) -> bool {
        self.url.starts_with(SELF_PLACEHOLDER)
    }

    /// The failure declared for this status.
    pub fn failure_for(&self, status: u16) -> Option<&CheckFailure> {
        self.failures.iter().find(|f| f.status.contains(&status))
    }

    /// The fields whose values build the URL's host (the ones to blame when the host is
    /// refused).
    pub fn host_fields(&self) -> Vec<String> {
        let rest = self
            .url
            .split_once("://")
            .map_or(self.url.as_str(), |(_, r)| r);
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        placeholders(&rest[..end])
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    /// Builds the request for these values. `self_url` is the server's public base URL,
    /// used for a `{self}` URL.
    pub fn render<V: CheckValues + ?Sized>(
        &self,
        values: &V,
        self_url: Option<&str>,
    ) -> Result<RenderedCheck, RenderError> {
        let url = render_url(&self.url, values, self_url)?;
        let mut headers = Vec::with_capacity(self.headers.len());
        for (name, template) in &self.headers {
            headers.push((name.clone(), render_plain(template, values)?));
        }
        let basic_auth = match &self.basic_auth {
            Some(b) => Some((
                render_plain(&b.username, values)?,
                render_plain(&b.password, values)?,
            )),
            None => None,
        };
        let body = match &self.body {
            Some(b) => Some(render_json(b, values)?),
            None => None,
        };
        Ok(RenderedCheck {
            method: self.method,
            url,
            headers,
            basic_auth,
            body,
        })
    }
}

/// The submitted values a check is built from.
pub trait CheckValues {
    fn value(&self, key: &str) -> Option<&str>;
}

impl CheckValues for BTreeMap<String, String> {
    fn value(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }
}

/// A check made concrete for one set of values. Holds secrets: never log it.
#[derive(Clone, PartialEq)]
pub struct RenderedCheck {
    pub method: CheckMethod,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub basic_auth: Option<(String, String)>,
    pub body: Option<serde_json::Value>,
}

impl std::fmt::Debug for RenderedCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL never holds a secret (refused at load); everything else may.
        f.debug_struct("RenderedCheck")
            .field("method", &self.method)
            .field("url", &self.url)
            .field(
                "headers",
                &self.headers.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// Why a check cannot be built from the submitted values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    #[error("field `{0}` has no value")]
    Missing(String),
    /// A value that cannot go where the URL puts it (a host with a slash, a path of `..`).
    #[error("field `{0}` cannot be used in the provider's address")]
    BadValue(String),
    #[error("the server's own URL is not known")]
    NoSelfUrl,
}

impl RenderError {
    /// The field at fault, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            RenderError::Missing(f) | RenderError::BadValue(f) => Some(f),
            RenderError::NoSelfUrl => None,
        }
    }
}

/// The `{name}` placeholders of a template, in order (`name` a lowercase identifier; any
/// other brace is literal text).
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if is_identifier(&after[..close]) => {
                out.push(&after[..close]);
                rest = &after[close + 1..];
            }
            _ => rest = after,
        }
    }
    out
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Replaces each placeholder with `encode(field, value)`.
fn substitute<V: CheckValues + ?Sized>(
    template: &str,
    values: &V,
    mut encode: impl FnMut(&str, &str) -> Result<String, RenderError>,
) -> Result<String, RenderError> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if is_identifier(&after[..close]) => {
                let key = &after[..close];
                let value = values
                    .value(key)
                    .ok_or_else(|| RenderError::Missing(key.to_owned()))?;
                out.push_str(&rest[..open]);
                out.push_str(&encode(key, value)?);
                rest = &after[close + 1..];
            }
            _ => {
                out.push_str(&rest[..=open]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// A header, Basic credential or body string: the values as they are. A header value
/// with a line break is refused here rather than by the HTTP client.
fn render_plain<V: CheckValues + ?Sized>(
    template: &str,
    values: &V,
) -> Result<String, RenderError> {
    substitute(template, values, |key, value| {
        if value.contains(['\r', '\n', '\0']) {
            Err(RenderError::BadValue(key.to_owned()))
        } else {
            Ok(value.to_owned())
        }
    })
}

fn render_json<V: CheckValues + ?Sized>(
    body: &serde_json::Value,
    values: &V,
) -> Result<serde_json::Value, RenderError> {
    use serde_json::Value;
    Ok(match body {
        Value::String(s) => Value::String(substitute(s, values, |_, v| Ok(v.to_owned()))?),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| render_json(v, values))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), render_json(v, values)?)))
                .collect::<Result<_, RenderError>>()?,
        ),
        other => other.clone(),
    })
}

/// Where in a URL a piece of the template sits.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    Authority,
    Path,
    Query,
}

fn render_url<V: CheckValues + ?Sized>(
    template: &str,
    values: &V,
    self_url: Option<&str>,
) -> Result<String, RenderError> {
    let (prefix, rest) = match template.strip_prefix(SELF_PLACEHOLDER) {
        Some(rest) => (
            self_url
                .ok_or(RenderError::NoSelfUrl)?
                .trim_end_matches('/')
                .to_owned(),
            rest,
        ),
        None => match template.split_once("://") {
            Some((scheme, rest)) => (format!("{scheme}://"), rest),
            None => (String::new(), template),
        },
    };
    // Split the rest into authority, path and query, and encode each value for its part.
    let path_at = if prefix.ends_with("://") {
        rest.find(['/', '?', '#']).unwrap_or(rest.len())
    } else {
        0
    };
    let query_at = rest[path_at..]
        .find(['?', '#'])
        .map_or(rest.len(), |i| i + path_at);
    let mut out = prefix;
    for (part, piece) in [
        (Part::Authority, &rest[..path_at]),
        (Part::Path, &rest[path_at..query_at]),
        (Part::Query, &rest[query_at..]),
    ] {
        out.push_str(&substitute(piece, values, |key, value| {
            encode_value(part, key, value)
        })?);
    }
    Ok(out)
}

fn encode_value(part: Part, key: &str, value: &str) -> Result<String, RenderError> {
    let bad = || RenderError::BadValue(key.to_owned());
    match part {
        Part::Authority => {
            let ok = !value.is_empty()
                && value.len() <= 253
                && value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
                && !value.starts_with(['.', '-'])
                && !value.contains("..");
            if ok {
                Ok(value.to_ascii_lowercase())
            } else {
                Err(bad())
            }
        }
        // `.` and `..` (even encoded) would move up the path, never a value's meaning.
        Part::Path if value.is_empty() || value.chars().all(|c| c == '.') => Err(bad()),
        Part::Path | Part::Query => Ok(utf8_percent_encode(value, COMPONENT).to_string()),
    }
}

/// Whether `host` matches a host `pattern`: equal (ASCII case-insensitive), or for
/// `*.example.com` exactly one more non-empty label in front of `example.com`.
pub fn host_matches(pattern: &str, host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let pattern = pattern.to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(suffix) => host
            .strip_suffix(suffix)
            .and_then(|label| label.strip_suffix('.'))
            .is_some_and(|label| !label.is_empty() && !label.contains('.')),
        None => host == pattern,
    }
}

fn valid_host_pattern(pattern: &str) -> bool {
    let domain = pattern.strip_prefix("*.").unwrap_or(pattern);
    domain.contains('.')
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
}

/// A header name as HTTP allows it (a token), and not one the client must set itself.
fn valid_header_name(name: &str) -> bool {
    const RESERVED: [&str; 7] = [
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "content-type",
        "authorization-basic",
        "upgrade",
    ];
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c))
        && !RESERVED.contains(&name.to_ascii_lowercase().as_str())
}

/// The failure message `key` in `locale` (its primary subtag), else English.
pub fn failure_message<'a>(
    check: &'a CheckDefinition,
    translations: &'a BTreeMap<String, TranslationDefinition>,
    key: &str,
    locale: &str,
) -> Option<&'a str> {
    let failure = check.failures.iter().find(|f| f.key == key)?;
    let primary = locale.split(['-', '_']).next().unwrap_or_default();
    translations
        .iter()
        .find(|(l, _)| l.eq_ignore_ascii_case(primary))
        .and_then(|(_, t)| t.check.get(key))
        .map(String::as_str)
        .filter(|t| !t.trim().is_empty())
        .or(Some(failure.message.as_str()))
}

/// Every problem of a `[check]` table, each a sentence starting with `check`.
pub fn check_problems(
    check: &CheckDefinition,
    fields: &[FieldDefinition],
    translations: &BTreeMap<String, TranslationDefinition>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let field = |k: &str| fields.iter().find(|f| f.key == k);
    let known = |at: &str, template: &str, problems: &mut Vec<String>| {
        for p in placeholders(template) {
            if field(p).is_none() {
                problems.push(format!("check.{at}: `{{{p}}}` is not a field key"));
            }
        }
    };

    // URL.
    let url = check.url.as_str();
    if check.is_self() {
        let rest = &url[SELF_PLACEHOLDER.len()..];
        if !rest.starts_with(SELF_PATH_PREFIX) {
            problems.push(format!(
                "check.url: a `{{self}}` URL may only reach `{SELF_PATH_PREFIX}…`"
            ));
        }
        if rest.contains("..") || rest.contains('\\') || rest.contains('@') {
            problems.push("check.url: a `{self}` URL may not hold `..`, `\\` or `@`".to_owned());
        }
        if !(check.hosts.is_empty() || check.hosts == [SELF_HOST]) {
            problems.push("check.hosts: a `{self}` URL takes no other host".to_owned());
        }
        known("url", rest, &mut problems);
    } else {
        // Plain http is declared only for self-hosted providers and tests: the server
        // refuses to send it unless the operator allows it (`--verify-allow-http`).
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            problems.push(format!(
                "check.url `{url}` must start with https:// (or {{self}} for the server itself)"
            ));
        }
        if url.contains('#') || url.contains('@') || url.contains('\\') {
            problems.push(format!(
                "check.url `{url}` may not hold a fragment, user info or a backslash"
            ));
        }
        known("url", url, &mut problems);
        if check.hosts.is_empty() {
            problems.push("check.hosts: declare the host pattern(s) the URL may reach, such as \"*.example.com\"".to_owned());
        }
        for h in &check.hosts {
            if !valid_host_pattern(h) {
                problems.push(format!(
                    "check.hosts: `{h}` is not a host name or `*.` followed by one"
                ));
            }
        }
        // A literal host (no placeholder in it) must match one of its own patterns.
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .unwrap_or(url);
        let host_end = rest.find(['/', '?', '#', ':']).unwrap_or(rest.len());
        let host = &rest[..host_end];
        if placeholders(host).is_empty()
            && !host.is_empty()
            && !check.hosts.iter().any(|p| host_matches(p, host))
        {
            problems.push(format!(
                "check.url: host `{host}` matches none of check.hosts"
            ));
        }
    }
    for p in placeholders(url) {
        let secret = |f: &FieldDefinition| f.secret || f.field_type == FieldType::Password;
        if p != "self" && field(p).is_some_and(secret) {
            problems.push(format!(
                "check.url: `{{{p}}}` is a secret field; secrets go in headers, basic_auth or the body, never in the URL"
            ));
        }
    }
    if url[1..].contains(SELF_PLACEHOLDER) {
        problems.push("check.url: `{self}` may only start the URL".to_owned());
    }

    // Headers, Basic credentials, body.
    for (name, value) in &check.headers {
        if !valid_header_name(name) {
            problems.push(format!(
                "check.headers: `{name}` is not a header name a check may set"
            ));
        }
        known(&format!("headers.{name}"), value, &mut problems);
    }
    if let Some(b) = &check.basic_auth {
        known("basic_auth.username", &b.username, &mut problems);
        known("basic_auth.password", &b.password, &mut problems);
        if check
            .headers
            .keys()
            .any(|h| h.eq_ignore_ascii_case("authorization"))
        {
            problems.push(
                "check: basic_auth and an Authorization header cannot both be set".to_owned(),
            );
        }
    }
    if let Some(body) = &check.body {
        if check.method == CheckMethod::Get {
            problems.push("check.body: a GET check has no body (use method = \"POST\")".to_owned());
        }
        let mut strings = Vec::new();
        json_strings(body, &mut strings);
        for s in strings {
            known("body", s, &mut problems);
        }
    }

    // Answer.
    if check.success.is_empty() {
        problems.push("check.success: list at least one status".to_owned());
    }
    for s in &check.success {
        if !(200..=299).contains(s) {
            problems.push(format!("check.success: {s} is not a 2xx status"));
        }
    }
    if let Some(p) = &check.pointer
        && !p.starts_with('/')
    {
        problems.push(format!(
            "check.pointer `{p}` must be a JSON pointer starting with /"
        ));
    }
    if let Some(t) = check.timeout
        && !(1..=MAX_TIMEOUT_SECS).contains(&t)
    {
        problems.push(format!(
            "check.timeout: {t} is not between 1 and {MAX_TIMEOUT_SECS} seconds"
        ));
    }

    // Failures.
    let mut keys = HashSet::new();
    let mut statuses = HashSet::new();
    for f in &check.failures {
        let at = format!("check.failures `{}`", f.key);
        if !is_identifier(&f.key) {
            problems.push(format!("{at}: key must be snake_case"));
        }
        if !keys.insert(f.key.as_str()) {
            problems.push(format!("{at}: duplicate key"));
        }
        if f.message.trim().is_empty() {
            problems.push(format!("{at}: message is empty"));
        }
        if f.status.is_empty() {
            problems.push(format!("{at}: list at least one status"));
        }
        for s in &f.status {
            let pointer_refusal = check.pointer.is_some() && check.success.contains(s);
            if !((400..=499).contains(s) || pointer_refusal) {
                problems.push(format!(
                    "{at}: status {s} is not a 4xx (nor a success status with a pointer that did not hold)"
                ));
            }
            if !statuses.insert(*s) {
                problems.push(format!("{at}: status {s} is already declared"));
            }
        }
        if f.fields.is_empty() {
            problems.push(format!("{at}: name the field(s) to show the message on"));
        }
        for k in &f.fields {
            if field(k).is_none() {
                problems.push(format!("{at}: `{k}` is not a field key"));
            }
        }
    }
    for (locale, t) in translations {
        for key in t.check.keys() {
            if !check.failures.iter().any(|f| &f.key == key) {
                problems.push(format!(
                    "translations.{locale}.check: `{key}` is not a check failure key"
                ));
            }
        }
    }
    problems
}

fn json_strings<'a>(value: &'a serde_json::Value, out: &mut Vec<&'a str>) {
    match value {
        serde_json::Value::String(s) => out.push(s),
        serde_json::Value::Array(items) => items.iter().for_each(|v| json_strings(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| json_strings(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn dagster() -> CheckDefinition {
        CheckDefinition {
            method: CheckMethod::Post,
            url: "https://{organization}.dagster.cloud/{deployment}/graphql?q={deployment}".into(),
            hosts: vec!["*.dagster.cloud".into()],
            headers: [("Dagster-Cloud-Api-Token".into(), "{user_token}".into())].into(),
            basic_auth: None,
            body: Some(serde_json::json!({ "query": "{ version }", "who": "{organization}" })),
            success: vec![200],
            pointer: Some("/data/version".into()),
            timeout: None,
            failures: vec![],
        }
    }

    #[test]
    fn values_are_encoded_for_their_place() {
        let v = values(&[
            ("organization", "Acme"),
            ("deployment", "a b/c?d&e"),
            ("user_token", "user:abc"),
        ]);
        let r = dagster().render(&v, None).expect("renders");
        assert_eq!(
            r.url,
            "https://acme.dagster.cloud/a%20b%2Fc%3Fd%26e/graphql?q=a%20b%2Fc%3Fd%26e"
        );
        assert_eq!(
            r.headers,
            [("Dagster-Cloud-Api-Token".to_owned(), "user:abc".to_owned())]
        );
        // `{ version }` is not a placeholder; a JSON value is not encoded.
        assert_eq!(
            r.body,
            Some(serde_json::json!({ "query": "{ version }", "who": "Acme" }))
        );
    }

    #[test]
    fn a_host_value_cannot_leave_its_label_and_a_path_value_cannot_climb() {
        let check = dagster();
        for (org, dep) in [
            ("evil.com/x", "prod"),
            ("a@b", "prod"),
            ("", "prod"),
            ("acme", ".."),
            ("acme", "."),
        ] {
            let v = values(&[
                ("organization", org),
                ("deployment", dep),
                ("user_token", "t"),
            ]);
            let err = check.render(&v, None).expect_err(org);
            assert!(
                matches!(err, RenderError::BadValue(_)),
                "{org} {dep}: {err}"
            );
        }
        let v = values(&[("organization", "acme"), ("user_token", "t")]);
        assert_eq!(
            check.render(&v, None),
            Err(RenderError::Missing("deployment".into()))
        );
        let v = values(&[
            ("organization", "acme"),
            ("deployment", "p"),
            ("user_token", "a\r\nX: y"),
        ]);
        assert_eq!(
            check.render(&v, None),
            Err(RenderError::BadValue("user_token".into()))
        );
    }

    #[test]
    fn host_patterns_match_one_label() {
        assert!(host_matches("*.dagster.cloud", "acme.dagster.cloud"));
        assert!(host_matches("*.dagster.cloud", "ACME.dagster.cloud."));
        assert!(!host_matches("*.dagster.cloud", "dagster.cloud"));
        assert!(!host_matches("*.dagster.cloud", "a.b.dagster.cloud"));
        assert!(!host_matches("*.dagster.cloud", "evildagster.cloud"));
        assert!(!host_matches(
            "*.dagster.cloud",
            "acme.dagster.cloud.evil.com"
        ));
        assert!(host_matches("api.oneflow.com", "api.oneflow.com"));
        assert!(!host_matches("api.oneflow.com", "xapi.oneflow.com"));
    }

    #[test]
    fn self_urls_use_the_servers_url() {
        let check = CheckDefinition {
            url: "{self}/sandbox/v1/me".into(),
            hosts: vec![],
            headers: BTreeMap::new(),
            body: None,
            ..dagster()
        };
        let r = check
            .render(&values(&[]), Some("http://127.0.0.1:8080/"))
            .expect("renders");
        assert_eq!(r.url, "http://127.0.0.1:8080/sandbox/v1/me");
        assert_eq!(
            check.render(&values(&[]), None),
            Err(RenderError::NoSelfUrl)
        );
    }

    #[test]
    fn debug_output_holds_no_header_value() {
        let v = values(&[
            ("organization", "acme"),
            ("deployment", "p"),
            ("user_token", "user:s3cret"),
        ]);
        let r = dagster().render(&v, None).expect("renders");
        let shown = format!("{r:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("Dagster-Cloud-Api-Token"));
    }
}
