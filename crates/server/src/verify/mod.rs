//! Credential checks: before an account is stored (and again for account health), the
//! server makes the connector's declared `[check]` request (see
//! [`linkhub_protocol::check`]) with the submitted values and reads what the provider
//! says.
//!
//! The request can be aimed by whoever submits the form, so it is fenced in: the URL's
//! host must match the connector's declared patterns; it must be `https` unless the
//! operator allows plain http; the name is resolved once and every non-public address
//! (loopback, private, link-local, unique-local, multicast, CGNAT, documentation…) is
//! refused unless the operator allows private addresses, and the connection goes to
//! exactly the addresses checked; redirects are never followed; at most
//! [`BODY_LIMIT`] bytes of the answer are read; the whole check has a timeout. Submitted
//! values travel in [`Values`], whose `Debug` shows secret ones redacted, and nothing here
//! logs a value or a header.

mod excerpt;
pub mod gate;
pub mod health;
pub mod net;
pub mod words;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::Duration;

use linkhub_protocol::catalog::{ConnectorDefinition, FieldDefinition};
use linkhub_protocol::check::{
    CheckDefinition, CheckMethod, CheckValues, RenderError, SELF_PLACEHOLDER, failure_message,
    host_matches, placeholders,
};
use linkhub_protocol::config::FieldType;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};

pub use excerpt::excerpt;

/// The most of a provider's answer that is read.
pub const BODY_LIMIT: usize = 64 * 1024;

/// What the server does with a project's new and edited accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Policy {
    /// Every account is checked; nothing is stored unless the provider accepts it.
    #[default]
    Required,
    /// As `required`, except that a provider that cannot be connected to at all (no DNS,
    /// connection refused: a machine without internet) lets the account be stored, marked
    /// `unverified`.
    BestEffort,
    /// No check is made.
    Off,
}

impl Policy {
    /// What to do with an account after its check.
    pub fn verdict(self, outcome: &Outcome) -> Verdict {
        match (self, outcome) {
            (Policy::Off, _) | (_, Outcome::Ok { .. }) => Verdict::Store { unverified: false },
            (Policy::BestEffort, Outcome::Unreachable { .. }) => {
                Verdict::Store { unverified: true }
            }
            _ => Verdict::Reject,
        }
    }
}

/// The decision a [`Policy`] makes from an [`Outcome`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Store the account (`unverified`: with that status reason).
    Store { unverified: bool },
    /// Store nothing; tell the user the outcome.
    Reject,
}

/// Credential-check flags of `serve` (also `verify…` keys of `linkhub.toml`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct VerifyArgs {
    /// Check credentials with the provider before storing them: required (default),
    /// best-effort (store as unverified when the provider cannot be reached at all) or off.
    #[arg(long = "verify", env = "LINKHUB_VERIFY", value_enum)]
    pub policy: Option<Policy>,
    /// Let credential checks reach loopback and private addresses (tests, self-hosted
    /// providers). Off by default: a check may only reach public addresses.
    #[arg(long = "verify-allow-private", env = "LINKHUB_VERIFY_ALLOW_PRIVATE")]
    pub allow_private: bool,
    /// Let credential checks use plain http (tests). Off by default: https only.
    #[arg(long = "verify-allow-http", env = "LINKHUB_VERIFY_ALLOW_HTTP")]
    pub allow_http: bool,
    /// Re-check stored accounts in the background this often (e.g. 30m, 6h, 1d).
    #[arg(long = "verify-every", env = "LINKHUB_VERIFY_EVERY", value_parser = parse_duration)]
    pub every: Option<Duration>,
}

/// The same settings in `linkhub.toml` (`verify = "best-effort"`, `verify_allow_private`,
/// `verify_allow_http`, `verify_every = "6h"`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct VerifyFileConfig {
    pub verify: Option<Policy>,
    pub verify_allow_private: Option<bool>,
    pub verify_allow_http: Option<bool>,
    pub verify_every: Option<String>,
}

/// Resolved credential-check settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifySettings {
    pub policy: Policy,
    pub allow_private: bool,
    pub allow_http: bool,
    pub every: Option<Duration>,
}

impl VerifySettings {
    /// Flags first, then the file, then defaults.
    pub fn resolve(args: &VerifyArgs, file: &VerifyFileConfig) -> Result<VerifySettings, String> {
        let every = match (args.every, &file.verify_every) {
            (Some(d), _) => Some(d),
            (None, Some(text)) => {
                Some(parse_duration(text).map_err(|e| format!("verify_every: {e}"))?)
            }
            (None, None) => None,
        };
        Ok(VerifySettings {
            policy: args.policy.or(file.verify).unwrap_or_default(),
            allow_private: args.allow_private || file.verify_allow_private.unwrap_or(false),
            allow_http: args.allow_http || file.verify_allow_http.unwrap_or(false),
            every,
        })
    }
}

/// `90s`, `30m`, `6h`, `1d` (at least ten seconds).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration such as 30m, 6h or 1d"))?;
    let secs = match unit {
        "s" => n,
        "m" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        "d" => n.saturating_mul(86_400),
        _ => return Err(format!("`{text}` is not a duration such as 30m, 6h or 1d")),
    };
    if secs < 10 {
        return Err(format!("`{text}` is shorter than ten seconds"));
    }
    Ok(Duration::from_secs(secs))
}

/// The values a check is made with: each field's value, secret ones marked. `Debug`
/// shows secret values redacted.
#[derive(Clone, Default)]
pub struct Values {
    values: BTreeMap<String, String>,
    secret: BTreeSet<String>,
}

impl Values {
    /// The submitted values, secret where the connector's field is (or is a password).
    pub fn new(fields: &[FieldDefinition], values: BTreeMap<String, String>) -> Values {
        let secret = fields
            .iter()
            .filter(|f| f.secret || f.field_type == FieldType::Password)
            .map(|f| f.key.clone())
            .collect();
        Values { values, secret }
    }

    /// The non-empty values of secret fields (to scrub from anything shown).
    pub fn secrets(&self) -> impl Iterator<Item = &str> {
        self.values
            .iter()
            .filter(|(k, v)| self.secret.contains(*k) && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }
}

impl CheckValues for Values {
    fn value(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }
}

impl fmt::Debug for Values {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.values.iter().map(|(k, v)| {
                let shown = if self.secret.contains(k) {
                    "**redacted**"
                } else {
                    v.as_str()
                };
                (k, shown)
            }))
            .finish()
    }
}

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The provider accepted the credentials.
    Ok { status: u16 },
    /// The provider refused them.
    Refused(Refusal),
    /// The check was not sent: a value cannot go where the check puts it, or the address
    /// it leads to is not one a check may reach. `fields` are the ones to blame.
    NotSent {
        reason: NotSent,
        fields: Vec<String>,
    },
    /// The provider could not be connected to at all (its name does not resolve, the
    /// connection was refused).
    Unreachable { reason: String },
    /// The provider was reached but gave no usable answer: a timeout, a 5xx, a redirect.
    Failed { reason: Failure },
}

/// A provider's refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    /// The fields the connector's failure map blames (empty for an undeclared status).
    pub fields: Vec<String>,
    /// The failure's message key (see [`Refusal::message`]).
    pub key: Option<String>,
    /// A short excerpt of the answer: JSON or text only, every submitted secret removed.
    pub excerpt: Option<String>,
}

impl Refusal {
    /// The declared message for this refusal in `locale`, if the connector declares one.
    pub fn message(&self, connector: &ConnectorDefinition, locale: &str) -> Option<String> {
        let check = connector.check.as_ref()?;
        let key = self.key.as_deref()?;
        failure_message(check, &connector.translations, key, locale).map(str::to_owned)
    }
}

/// Why a check was not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotSent {
    /// A value is missing or cannot be used where the check puts it.
    BadValue,
    /// The built URL's host matches none of the connector's patterns.
    HostNotAllowed,
    /// The host resolves only to non-public addresses.
    NonPublicAddress,
    /// Plain http where https is required.
    InsecureScheme,
    /// A `{self}` check, but the server's own URL is unknown.
    NoSelfUrl,
}

/// Why a reached provider gave no usable answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    Timeout,
    /// A 5xx.
    ServerError(u16),
    /// A 3xx (redirects are never followed).
    Redirect(u16),
    /// The connection broke, or the answer could not be read.
    Broken,
}

/// What the API tells the client about the provider's answer (`provider_response`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProviderResponse {
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<String>,
}

impl Outcome {
    /// A short name for logs and the console (`ok`, `refused`, `not_sent`, `unreachable`,
    /// `failed`).
    pub fn kind(&self) -> &'static str {
        match self {
            Outcome::Ok { .. } => "ok",
            Outcome::Refused(_) => "refused",
            Outcome::NotSent { .. } => "not_sent",
            Outcome::Unreachable { .. } => "unreachable",
            Outcome::Failed { .. } => "failed",
        }
    }

    /// The provider's status and excerpt, where it answered.
    pub fn provider_response(&self) -> Option<ProviderResponse> {
        match self {
            Outcome::Ok { status } => Some(ProviderResponse {
                status: *status,
                excerpt: None,
            }),
            Outcome::Refused(r) => Some(ProviderResponse {
                status: r.status,
                excerpt: r.excerpt.clone(),
            }),
            Outcome::Failed {
                reason: Failure::ServerError(s) | Failure::Redirect(s),
            } => Some(ProviderResponse {
                status: *s,
                excerpt: None,
            }),
            _ => None,
        }
    }
}

/// Makes checks. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Checker {
    pub settings: VerifySettings,
    /// The server's public base URL, for `{self}` checks (the sandbox).
    pub self_url: Option<String>,
    /// Overrides every check's timeout (tests).
    pub timeout_override: Option<Duration>,
}

impl Checker {
    pub fn new(settings: VerifySettings, self_url: Option<String>) -> Checker {
        Checker {
            settings,
            self_url,
            timeout_override: None,
        }
    }

    /// Makes `check` with `values`. Never fails: every way a check can go is an [`Outcome`].
    pub async fn check(
        &self,
        connector: &str,
        check: &CheckDefinition,
        values: &Values,
    ) -> Outcome {
        let timeout = self
            .timeout_override
            .unwrap_or(Duration::from_secs(check.timeout_secs()));
        let outcome = match tokio::time::timeout(timeout, self.run(check, values, timeout)).await {
            Ok(outcome) => outcome,
            Err(_) => Outcome::Failed {
                reason: Failure::Timeout,
            },
        };
        tracing::info!(
            connector,
            outcome = outcome.kind(),
            status = outcome.provider_response().map(|r| r.status),
            "credential check"
        );
        outcome
    }

    async fn run(&self, check: &CheckDefinition, values: &Values, timeout: Duration) -> Outcome {
        let rendered = match check.render(values, self.self_url.as_deref()) {
            Ok(r) => r,
            Err(e) => {
                let reason = match e {
                    RenderError::NoSelfUrl => NotSent::NoSelfUrl,
                    _ => NotSent::BadValue,
                };
                return Outcome::NotSent {
                    reason,
                    fields: e.field().map(str::to_owned).into_iter().collect(),
                };
            }
        };
        let not_sent = |reason| Outcome::NotSent {
            reason,
            fields: check.host_fields(),
        };
        let Ok(url) = url::Url::parse(&rendered.url) else {
            return not_sent(NotSent::BadValue);
        };
        let Some(host) = url.host_str().map(str::to_owned) else {
            return not_sent(NotSent::BadValue);
        };
        let port = url.port_or_known_default().unwrap_or(443);

        // Where the check may go: the server itself for `{self}`, else the declared hosts,
        // over https, at public addresses (unless the operator allows otherwise).
        let (allow_private, allow_http) = if check.is_self() {
            let own = self
                .self_url
                .as_deref()
                .and_then(|u| url::Url::parse(u).ok());
            let same = own.is_some_and(|own| {
                own.host_str() == Some(host.as_str()) && own.port_or_known_default() == Some(port)
            });
            if !same {
                return not_sent(NotSent::HostNotAllowed);
            }
            (true, true)
        } else {
            if !check.hosts.iter().any(|p| host_matches(p, &host)) {
                return not_sent(NotSent::HostNotAllowed);
            }
            (self.settings.allow_private, self.settings.allow_http)
        };
        match url.scheme() {
            "https" => {}
            "http" if allow_http => {}
            _ => return not_sent(NotSent::InsecureScheme),
        }
        // A name that does not resolve in time is as unreachable as one that does not
        // resolve (an offline machine whose resolver does not answer).
        let half = timeout / 2;
        let resolved = tokio::time::timeout(half, net::resolve(&host, port, allow_private))
            .await
            .unwrap_or(Err(net::ResolveError::NotFound));
        let addrs = match resolved {
            Ok(a) => a,
            Err(net::ResolveError::NotFound) => {
                return Outcome::Unreachable {
                    reason: "the provider's name does not resolve".to_owned(),
                };
            }
            Err(net::ResolveError::NonPublic(_)) => return not_sent(NotSent::NonPublicAddress),
        };

        // The request, to exactly those addresses.
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .https_only(!allow_http)
            .resolve_to_addrs(&host, &addrs)
            .connect_timeout(half)
            .timeout(timeout)
            .user_agent(concat!(
                "linkhub-server/",
                env!("CARGO_PKG_VERSION"),
                " (credential check)"
            ))
            .build();
        let Ok(client) = client else {
            return Outcome::Failed {
                reason: Failure::Broken,
            };
        };
        let mut headers = HeaderMap::new();
        // `rendered.headers` is in the order of `check.headers` (both by name).
        for ((name, value), template) in rendered.headers.iter().zip(check.headers.values()) {
            match (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                (Ok(n), Ok(mut v)) => {
                    v.set_sensitive(true);
                    headers.insert(n, v);
                }
                _ => {
                    return Outcome::NotSent {
                        reason: NotSent::BadValue,
                        fields: placeholders(template)
                            .into_iter()
                            .map(str::to_owned)
                            .collect(),
                    };
                }
            }
        }
        let method = match rendered.method {
            CheckMethod::Get => reqwest::Method::GET,
            CheckMethod::Post => reqwest::Method::POST,
        };
        let mut request = client.request(method, url).headers(headers);
        if let Some((user, password)) = &rendered.basic_auth {
            request = request.basic_auth(user, Some(password));
        }
        if let Some(body) = &rendered.body {
            request = request.json(body);
        }
        let response = match request.send().await {
            Ok(r) => r,
            // Never connected (refused, no route, no answer to the connection attempt).
            Err(e) if e.is_connect() => {
                return Outcome::Unreachable {
                    reason: "the provider could not be connected to".to_owned(),
                };
            }
            Err(e) if e.is_timeout() => {
                return Outcome::Failed {
                    reason: Failure::Timeout,
                };
            }
            Err(_) => {
                return Outcome::Failed {
                    reason: Failure::Broken,
                };
            }
        };
        let status = response.status().as_u16();
        if (300..400).contains(&status) {
            return Outcome::Failed {
                reason: Failure::Redirect(status),
            };
        }
        if status >= 500 {
            return Outcome::Failed {
                reason: Failure::ServerError(status),
            };
        }
        let success = check.success.contains(&status);
        if success && check.pointer.is_none() {
            return Outcome::Ok { status };
        }
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = match read_capped(response).await {
            Ok(b) => b,
            Err(e) if e.is_timeout() => {
                return Outcome::Failed {
                    reason: Failure::Timeout,
                };
            }
            Err(_) => {
                return Outcome::Failed {
                    reason: Failure::Broken,
                };
            }
        };
        if success && pointer_holds(check.pointer.as_deref(), &body) {
            return Outcome::Ok { status };
        }
        let failure = check.failure_for(status);
        Outcome::Refused(Refusal {
            status,
            fields: failure.map(|f| f.fields.clone()).unwrap_or_default(),
            key: failure.map(|f| f.key.clone()),
            excerpt: excerpt(
                &body,
                content_type.as_deref(),
                &scrub_list(values, &rendered),
            ),
        })
    }
}

/// Reads at most [`BODY_LIMIT`] bytes, then stops (the rest is never downloaded).
async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = BODY_LIMIT - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= BODY_LIMIT {
            break;
        }
    }
    Ok(body)
}

/// Whether the JSON `pointer` holds in `body`: present, neither `null` nor `false`.
fn pointer_holds(pointer: Option<&str>, body: &[u8]) -> bool {
    let Some(pointer) = pointer else {
        return true;
    };
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.pointer(pointer).cloned())
        .is_some_and(|v| !(v.is_null() || v == serde_json::Value::Bool(false)))
}

/// Everything that must never be shown from an answer: each secret value, in the forms a
/// provider might echo it (as sent, JSON-escaped, percent-encoded, inside the Basic
/// credentials).
fn scrub_list(values: &Values, rendered: &linkhub_protocol::check::RenderedCheck) -> Vec<String> {
    use base64::Engine;
    let mut out: Vec<String> = Vec::new();
    for secret in values.secrets() {
        out.push(secret.to_owned());
        if let Ok(json) = serde_json::to_string(secret) {
            out.push(json.trim_matches('"').to_owned());
        }
        out.push(url::form_urlencoded::byte_serialize(secret.as_bytes()).collect());
    }
    if let Some((user, password)) = &rendered.basic_auth {
        out.push(base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")));
    }
    out.retain(|s| !s.is_empty());
    // Longest first, so a secret inside another is not replaced piecemeal.
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out.dedup();
    out
}

/// Whether a check URL names the server itself (for callers that need to know before
/// checking, such as a health run that skips the sandbox when the server is not serving).
pub fn is_self_check(check: &CheckDefinition) -> bool {
    check.url.starts_with(SELF_PLACEHOLDER)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_decide_what_is_stored() {
        let unreachable = Outcome::Unreachable {
            reason: String::new(),
        };
        let timeout = Outcome::Failed {
            reason: Failure::Timeout,
        };
        let refused = Outcome::Refused(Refusal {
            status: 401,
            fields: vec![],
            key: None,
            excerpt: None,
        });
        let ok = Outcome::Ok { status: 200 };
        use Verdict::*;
        assert_eq!(Policy::Required.verdict(&ok), Store { unverified: false });
        assert_eq!(Policy::Required.verdict(&unreachable), Reject);
        assert_eq!(
            Policy::BestEffort.verdict(&unreachable),
            Store { unverified: true }
        );
        assert_eq!(Policy::BestEffort.verdict(&timeout), Reject);
        assert_eq!(Policy::BestEffort.verdict(&refused), Reject);
        assert_eq!(Policy::Off.verdict(&refused), Store { unverified: false });
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("6h"), Ok(Duration::from_secs(21_600)));
        assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_duration("1d"), Ok(Duration::from_secs(86_400)));
        assert!(parse_duration("5s").is_err());
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("10 parsecs").is_err());
    }

    #[test]
    fn settings_come_from_flags_then_file() {
        let file = VerifyFileConfig {
            verify: Some(Policy::BestEffort),
            verify_allow_private: Some(true),
            verify_allow_http: None,
            verify_every: Some("1h".into()),
        };
        let s = VerifySettings::resolve(&VerifyArgs::default(), &file).expect("valid");
        assert_eq!(s.policy, Policy::BestEffort);
        assert!(s.allow_private);
        assert_eq!(s.every, Some(Duration::from_secs(3600)));
        let args = VerifyArgs {
            policy: Some(Policy::Off),
            ..VerifyArgs::default()
        };
        assert_eq!(
            VerifySettings::resolve(&args, &file).expect("valid").policy,
            Policy::Off
        );
        assert_eq!(
            VerifySettings::resolve(&VerifyArgs::default(), &VerifyFileConfig::default())
                .expect("valid"),
            VerifySettings::default()
        );
        let bad = VerifyFileConfig {
            verify_every: Some("often".into()),
            ..VerifyFileConfig::default()
        };
        assert!(VerifySettings::resolve(&VerifyArgs::default(), &bad).is_err());
    }

    #[test]
    fn values_show_secrets_redacted() {
        let fields: Vec<FieldDefinition> = serde_json::from_value(serde_json::json!([
            { "key": "token", "label": "Token", "type": "password", "secret": true },
            { "key": "org", "label": "Org", "type": "text" }
        ]))
        .expect("fields");
        let values = Values::new(
            &fields,
            [
                ("token".to_owned(), "s3cr3t-value".to_owned()),
                ("org".to_owned(), "acme".to_owned()),
            ]
            .into(),
        );
        let shown = format!("{values:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.contains("acme"), "{shown}");
        assert_eq!(values.secrets().collect::<Vec<_>>(), ["s3cr3t-value"]);
    }
}
