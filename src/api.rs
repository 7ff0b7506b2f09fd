//! The widget's one HTTP client: `request<T>()` over the protocol crate's types.
//!
//! Every call carries the session token in `x-hub-session-token` (never in a URL or a
//! cookie). Errors are sorted into `ApiError` so a view can tell an expired session from a
//! dropped connection from a form the server rejected. A request whose future is dropped
//! (its view went away, or a newer request replaced it) is aborted.

use std::collections::BTreeMap;

use linkhub_protocol::hub::{
    ConnectionAttempt, ConnectionAttemptCreated, CreateAccountRequest, CreateConnectionAttempt,
    CreatedAccount, HubAccount,
};
use linkhub_protocol::onboarding::{
    CreateHandoff, Handoff, OnboardingProgress, OwnerAccountList, StepUpdate,
};
use serde::de::DeserializeOwned;

use crate::config::HubConfig;

/// Why a call failed, in the terms a screen needs.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// The server could not be reached (offline, DNS, CORS, aborted).
    #[error("the server could not be reached")]
    Network,
    /// 401/403: the session token is expired, unknown or not allowed here.
    #[error("the session has expired")]
    SessionExpired,
    /// 400/422: the server rejected the input; `fields` has a message per field key.
    #[error("{message}")]
    Invalid {
        message: String,
        fields: FieldMessages,
    },
    /// 404: the thing asked for does not exist (for this session).
    #[error("{0}")]
    NotFound(String),
    /// 409/502 with a message from the provider behind the connector.
    #[error("{0}")]
    Provider(String),
    /// 502/504 `provider_unavailable`: the server could not check the credentials with the
    /// provider (it did not answer); nothing was stored, the same request may be retried.
    #[error("{0}")]
    Unavailable(String),
    /// 5xx or anything else unexpected.
    #[error("server error {status}: {message}")]
    Server { status: u16, message: String },
    /// The answer was not what the protocol says.
    #[error("the server sent an answer the widget does not understand")]
    Decode,
    /// This page may not call the API base it was given (the origin named): the base is not
    /// a valid one (nothing was sent), or the page's Content-Security-Policy does not list
    /// it (the browser sent nothing).
    #[error("this page may not connect to {0}")]
    Refused(String),
}

impl ApiError {
    /// Sorts a failed response into a variant from its status and (JSON) body.
    pub fn from_response(status: u16, body: &str) -> ApiError {
        let parsed: Option<ErrorAnswer> = decode(body);
        let message = parsed
            .as_ref()
            .map(|b| b.message.clone())
            .unwrap_or_default();
        match status {
            401 | 403 => ApiError::SessionExpired,
            400 | 422 => ApiError::Invalid {
                message,
                fields: FieldMessages(body.to_owned()),
            },
            404 => ApiError::NotFound(message),
            // The extension `code`, found in the body as sent rather than deserialized: an
            // `Option<String>` field here would move a deserializer into the first screen.
            502 | 504
                if parsed.is_some()
                    && body.contains(
                        linkhub_protocol::onboarding::error_code::PROVIDER_UNAVAILABLE,
                    ) =>
            {
                ApiError::Unavailable(message)
            }
            409 | 424 | 502
                if parsed
                    .as_ref()
                    .is_some_and(|b| b.provider_response.is_some()) =>
            {
                ApiError::Provider(message)
            }
            _ => ApiError::Server { status, message },
        }
    }

    /// A stable code for the host's `ERROR` event.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Network => "NETWORK_ERROR",
            ApiError::SessionExpired => "SESSION_EXPIRED",
            ApiError::Invalid { .. } => "INVALID_CREDENTIALS",
            ApiError::NotFound(_) => "NOT_FOUND",
            ApiError::Provider(_) => "PROVIDER_ERROR",
            ApiError::Unavailable(_) => "PROVIDER_UNAVAILABLE",
            ApiError::Server { .. } => "SERVER_ERROR",
            ApiError::Decode => "INVALID_RESPONSE",
            ApiError::Refused(_) => "BACKEND_NOT_ALLOWED",
        }
    }

    /// Whether trying the same request again may succeed. An answer that does not decode
    /// is most often one cut short (a dropped connection, a proxy), so it is retried too.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ApiError::Network
                | ApiError::Server { .. }
                | ApiError::Decode
                | ApiError::Unavailable(_)
        )
    }
}

/// What the widget reads of an [`ErrorBody`](linkhub_protocol::hub::ErrorBody) at once: its
/// `message`, and whether it has a `statusCode` and a `provider_response` (only checked for
/// presence: reading them as a number and a `serde_json::Value` would put a JSON tree and
/// number formatting on the first screen, for fields the widget never shows). The per-field
/// messages are read later, by the form ([`FieldMessages`]).
#[derive(serde::Deserialize)]
struct ErrorAnswer {
    #[serde(rename = "statusCode")]
    _status_code: serde::de::IgnoredAny,
    message: String,
    #[serde(default)]
    provider_response: Option<serde::de::IgnoredAny>,
}

/// The server's message per field key of a refused form (`fields` of the error body), read
/// when the form asks for them: the body is kept as sent, so the first screen's wasm does not
/// carry a map's deserializer for a form that lives in the connector page's chunk.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldMessages(String);

impl FieldMessages {
    /// Field key → message; empty when the body has none (or is not an error body).
    pub fn read(&self) -> BTreeMap<String, String> {
        #[derive(serde::Deserialize)]
        struct Fields {
            #[serde(default)]
            fields: Option<BTreeMap<String, String>>,
        }
        decode::<Fields>(&self.0)
            .and_then(|f| f.fields)
            .unwrap_or_default()
    }
}

/// HTTP methods the protocol uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// One call to the Hub API: `path` is relative to the config's base URL, `body` is JSON.
/// The answer is read by the browser's `JSON.parse` and mapped onto `T` by
/// serde-wasm-bindgen ([`decode`]), as the first screen's are: no wasm module of the widget
/// carries a JSON parser. (serde_json's parser, monomorphised for every type of a
/// connector's definition, was a quarter of the connector page's chunk.)
pub async fn request<T: DeserializeOwned>(
    cfg: &HubConfig,
    method: Method,
    path: &str,
    body: Option<String>,
    idempotency_key: Option<&str>,
) -> Result<T, ApiError> {
    let text = send(cfg, method, path, body, idempotency_key).await?;
    read(&text)
}

/// An answer's text read as `T` ([`decode`]); an empty body reads as `null`.
fn read<T: DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    let text = if text.is_empty() { "null" } else { text };
    decode(text).ok_or(ApiError::Decode)
}

/// A `GET` of the first screen (the same reading as [`request`], one copy per answer type).
async fn get_small<T: DeserializeOwned>(cfg: &HubConfig, path: &str) -> Result<T, ApiError> {
    request(cfg, Method::Get, path, None, None).await
}

/// `value` as JSON text, as a request body (or an idempotency key's input). In the browser
/// serde-wasm-bindgen makes a plain object of it and the browser's `JSON.stringify` writes
/// it, so no serde_json serializer (and its number formatting) is in the wasm; natively
/// (tests) serde_json does the same.
pub fn to_json<T: serde::Serialize>(value: &T) -> Option<String> {
    #[cfg(target_arch = "wasm32")]
    {
        let plain = serde_wasm_bindgen::Serializer::json_compatible();
        let value = value.serialize(&plain).ok()?;
        js_sys::JSON::stringify(&value).ok()?.as_string()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        serde_json::to_string(value).ok()
    }
}

/// The request itself: the answer's text on a 2xx status, else the error it describes.
/// (Not generic, so one copy of it serves every call.)
#[cfg(target_arch = "wasm32")]
async fn send(
    cfg: &HubConfig,
    method: Method,
    path: &str,
    body: Option<String>,
    idempotency_key: Option<&str>,
) -> Result<String, ApiError> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;

    if cfg.base_refused {
        return Err(ApiError::Refused(String::new()));
    }
    let window = web_sys::window().ok_or(ApiError::Network)?;
    let cross_origin = cross_origin(cfg);
    if cross_origin {
        csp::watch(&window);
    }
    let abort = AbortOnDrop(web_sys::AbortController::new().ok());
    let headers = web_sys::Headers::new().map_err(|_| ApiError::Network)?;
    let _ = headers.set(linkhub_protocol::SESSION_HEADER, &cfg.token);
    let _ = headers.set("accept", "application/json");
    if body.is_some() {
        let _ = headers.set("content-type", "application/json");
    }
    // Only to the hub's own origin: StackOne's client never sends this header, so a
    // StackOne-style backend's CORS need not allow it, and a refused preflight would fail
    // the submit. (Our server allows it cross-origin too; there a retried submit relies on
    // the same owner and provider updating one account.)
    if let Some(key) = idempotency_key.filter(|_| !cross_origin) {
        let _ = headers.set("idempotency-key", key);
    }
    // The server words its messages for the user (a refused field, the OAuth result page)
    // in the widget's language rather than the browser's.
    if let Some(locale) = &cfg.locale {
        let _ = headers.set("accept-language", locale);
    }
    let init = web_sys::RequestInit::new();
    init.set_method(method.as_str());
    init.set_headers(&headers);
    init.set_mode(web_sys::RequestMode::Cors);
    if let Some(body) = &body {
        init.set_body(&wasm_bindgen::JsValue::from_str(body));
    }
    if let Some(ctrl) = &abort.0 {
        init.set_signal(Some(&ctrl.signal()));
    }
    let url = cfg.url(path);
    let response = match JsFuture::from(window.fetch_with_str_and_init(&url, &init)).await {
        Ok(response) => response,
        Err(_) if cross_origin && csp::refused(cfg.api_origin()).await => {
            return Err(ApiError::Refused(cfg.api_origin().to_owned()));
        }
        Err(_) => return Err(ApiError::Network),
    };
    let response: web_sys::Response = response.dyn_into().map_err(|_| ApiError::Network)?;
    let text = match response.text() {
        Ok(p) => JsFuture::from(p)
            .await
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default(),
        Err(_) => String::new(),
    };
    drop(abort);
    // No bidi override from the server's text reaches the screen (see `text`).
    let text = crate::text::json_without_bidi_controls(text);
    let status = response.status();
    if !(200..300).contains(&status) {
        return Err(ApiError::from_response(status, &text));
    }
    Ok(text)
}

/// Whether the API is on another origin than the hub's page: a backend that may be
/// StackOne's, which is sent nothing StackOne's own client does not send.
fn cross_origin(cfg: &HubConfig) -> bool {
    #[cfg(target_arch = "wasm32")]
    {
        !cfg.base_url.is_empty()
            && web_sys::window()
                .and_then(|w| w.location().origin().ok())
                .as_deref()
                != Some(cfg.api_origin())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        !cfg.base_url.is_empty()
    }
}

/// Requests the page's Content-Security-Policy refused (`connect-src`), told apart from a
/// dropped connection: the browser rejects both with the same `TypeError`, but reports a
/// refusal as a `securitypolicyviolation` event. This works wherever the policy comes from
/// (the reference server, a static host's header, a `<meta>` tag), without the widget
/// having to be told the list of allowed backends.
#[cfg(target_arch = "wasm32")]
mod csp {
    use std::cell::RefCell;

    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::*;

    thread_local! {
        /// The `blockedURI`s of `connect-src` violations seen; `None` until watched.
        static BLOCKED: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
    }

    /// Starts recording the page's `connect-src` violations (once; before the first request).
    pub fn watch(window: &web_sys::Window) {
        if BLOCKED.with(|b| b.borrow().is_some()) {
            return;
        }
        let Some(document) = window.document() else {
            return;
        };
        let listener = Closure::<dyn Fn(web_sys::Event)>::new(|ev: web_sys::Event| {
            let field = |name: &str| {
                js_sys::Reflect::get(&ev, &JsValue::from_str(name))
                    .ok()
                    .and_then(|v| v.as_string())
                    .unwrap_or_default()
            };
            if field("effectiveDirective") == "connect-src" {
                let blocked = field("blockedURI");
                BLOCKED.with(|b| b.borrow_mut().get_or_insert_with(Vec::new).push(blocked));
            }
        });
        let added = document.add_event_listener_with_callback(
            "securitypolicyviolation",
            listener.as_ref().unchecked_ref(),
        );
        if added.is_ok() {
            BLOCKED.with(|b| *b.borrow_mut() = Some(Vec::new()));
            // Lives as long as the page.
            listener.forget();
        }
    }

    /// Whether a request to `origin` was refused by the policy. The violation event is a
    /// task of its own, queued when the browser refused the request: a failed fetch waits
    /// for it a moment before calling the failure a network error.
    pub async fn refused(origin: &str) -> bool {
        let seen = || {
            BLOCKED.with(|b| {
                b.borrow().as_ref().is_some_and(|list| {
                    list.iter().any(|uri| {
                        uri == origin
                            || uri
                                .strip_prefix(origin)
                                .is_some_and(|rest| rest.starts_with('/'))
                    })
                })
            })
        };
        for _ in 0..3 {
            if seen() {
                return true;
            }
            crate::browser::sleep(20).await;
        }
        seen()
    }
}

/// A JSON text read as `T`. In the browser the browser's own `JSON.parse` reads it and
/// serde-wasm-bindgen maps the result onto `T` (for the first screen's small answers and
/// error bodies); natively (tests) serde_json does the same.
fn decode<T: DeserializeOwned>(text: &str) -> Option<T> {
    #[cfg(target_arch = "wasm32")]
    {
        let value = js_sys::JSON::parse(text).ok()?;
        serde_wasm_bindgen::from_value(value).ok()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        serde_json::from_str(text).ok()
    }
}

/// Outside the browser there is no fetch; native builds exist for tests of pure logic and of
/// views rendered to HTML, which never call this.
#[cfg(not(target_arch = "wasm32"))]
async fn send(
    _cfg: &HubConfig,
    _method: Method,
    _path: &str,
    _body: Option<String>,
    _idempotency_key: Option<&str>,
) -> Result<String, ApiError> {
    Err(ApiError::Network)
}

/// Aborts the fetch when the request future is dropped before it finished.
#[cfg(target_arch = "wasm32")]
struct AbortOnDrop(Option<web_sys::AbortController>);

#[cfg(target_arch = "wasm32")]
impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(ctrl) = self.0.take() {
            ctrl.abort();
        }
    }
}

/// `GET /hub/connectors`.
pub async fn connectors(cfg: &HubConfig) -> Result<linkhub_protocol::hub::ConnectorList, ApiError> {
    get_small(cfg, "/hub/connectors").await
}

/// What the widget reads of `GET /hub/settings` ([`HubSettings`]) on its first screen.
/// The onboarding progress is only checked for presence: the checklist, in a chunk of its
/// own, loads it from `GET /hub/onboarding` (reading it here would put its deserializers on
/// the first screen of every link).
///
/// [`HubSettings`]: linkhub_protocol::hub::HubSettings
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
pub struct Settings {
    /// Edit mode: the account this session edits.
    #[serde(default)]
    pub existing_account_id: Option<String>,
    /// The host backend's guide scopes.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The extensions the backend offers (`linkhub_protocol::onboarding::extension`).
    #[serde(default)]
    pub extensions: Vec<String>,
    #[serde(default, rename = "onboarding")]
    plan: Option<serde::de::IgnoredAny>,
}

impl Settings {
    /// The session carries an onboarding plan.
    pub fn has_plan(&self) -> bool {
        self.plan.is_some()
    }
}

/// `GET /hub/settings`: features and, in edit mode, the account being edited. A backend
/// without this endpoint (404) has no settings to give: that is not an error.
pub async fn settings(cfg: &HubConfig) -> Result<Settings, ApiError> {
    settings_or_none(get_small(cfg, "/hub/settings").await)
}

/// A 404 from `/hub/settings` read as "no settings".
fn settings_or_none(answer: Result<Settings, ApiError>) -> Result<Settings, ApiError> {
    match answer {
        Err(ApiError::NotFound(_)) => Ok(Settings::default()),
        other => other,
    }
}

/// Extension `GET /hub/onboarding`: the session's plan with its progress.
pub async fn onboarding(cfg: &HubConfig) -> Result<OnboardingProgress, ApiError> {
    request(cfg, Method::Get, "/hub/onboarding", None, None).await
}

/// Extension `PATCH /hub/onboarding/steps/{index}`: skip an optional step, or take it up again.
pub async fn update_step(cfg: &HubConfig, index: u32, skipped: bool) -> Result<(), ApiError> {
    let body = to_json(&StepUpdate { skipped }).ok_or(ApiError::Decode)?;
    let path = format!("/hub/onboarding/steps/{index}");
    send(cfg, Method::Patch, &path, Some(body), None)
        .await
        .map(|_| ())
}

/// Extension `GET /hub/accounts`: the session owner's accounts (no secrets).
pub async fn owner_accounts(cfg: &HubConfig) -> Result<OwnerAccountList, ApiError> {
    request(cfg, Method::Get, "/hub/accounts", None, None).await
}

/// Extension `DELETE /hub/accounts/{id}`: disconnects one of the owner's accounts (a second
/// call for the same account also succeeds).
pub async fn disconnect_account(cfg: &HubConfig, id: &str) -> Result<(), ApiError> {
    let path = format!("/hub/accounts/{}", encode_segment(id));
    match send(cfg, Method::Delete, &path, None, None).await {
        Ok(_) | Err(ApiError::NotFound(_)) => Ok(()),
        Err(err) => Err(err),
    }
}

/// Extension `POST /hub/handoffs`: a link for a colleague to connect `provider`.
pub async fn create_handoff(cfg: &HubConfig, provider: &str) -> Result<Handoff, ApiError> {
    let body = CreateHandoff {
        provider: provider.to_owned(),
        expires_in: None,
    };
    let body = to_json(&body).ok_or(ApiError::Decode)?;
    request(cfg, Method::Post, "/hub/handoffs", Some(body), None).await
}

/// `GET /hub/connectors/{id}`: one connector's form and guide. The first read of a
/// [`ConnectorRequest`] takes the answer it asked for when the page opened; a reload (the
/// error screen's "Try again") asks again.
pub async fn connector(
    cfg: &HubConfig,
    request: &ConnectorRequest,
) -> Result<linkhub_protocol::hub::ConnectorDetail, ApiError> {
    let text = match request.early.take() {
        Some(answer) => answer.await.unwrap_or(Err(ApiError::Network))?,
        None => send(cfg, Method::Get, &request.path, None, None).await?,
    };
    read(&text)
}

/// One connector page's `GET /hub/connectors/{id}`, sent as the page opens
/// ([`ConnectorRequest::start`]) while its wasm chunk is still on the way, rather than by
/// the chunk's code once it runs: one round trip less between a click (or a deep link) and
/// the form. Cloning shares it.
#[derive(Clone)]
pub struct ConnectorRequest {
    path: std::rc::Rc<str>,
    /// The first answer, until [`connector`] takes it.
    early: std::rc::Rc<std::cell::Cell<Option<AnswerText>>>,
}

/// The text of an answer on its way (see [`ConnectorRequest`]).
type AnswerText = futures_channel::oneshot::Receiver<Result<String, ApiError>>;

impl std::fmt::Debug for ConnectorRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectorRequest")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl ConnectorRequest {
    /// Sends the request for this connector now, in the hub's language `lang` where the
    /// backend answers in it (see [`connector_path`]; `lang_offered`: it says so in
    /// `/hub/settings`).
    pub fn start(cfg: &HubConfig, integration_id: &str, lang: &str, lang_offered: bool) -> Self {
        let path: std::rc::Rc<str> = connector_path(cfg, integration_id, lang, lang_offered).into();
        let (tx, rx) = futures_channel::oneshot::channel();
        let (cfg, sent) = (cfg.clone(), path.clone());
        leptos::task::spawn_local(async move {
            // Nobody waits any more when the page was closed first: the answer is dropped.
            let _ = tx.send(send(&cfg, Method::Get, &sent, None, None).await);
        });
        Self {
            path,
            early: std::rc::Rc::new(std::cell::Cell::new(Some(rx))),
        }
    }
}

/// The path of a connector's answer, with `?lang=` (linkhub's extension: the answer in the
/// hub's language, without the catalog's other translations, a third of the bytes of a
/// catalog connector's answer) when the API is the hub's own origin or says it offers it
/// (`lang_offered`); plain to any other backend, which may be StackOne's and is sent nothing
/// its own client does not send.
fn connector_path(cfg: &HubConfig, integration_id: &str, lang: &str, lang_offered: bool) -> String {
    let path = format!("/hub/connectors/{}", encode_segment(integration_id));
    if lang.is_empty() || (cross_origin(cfg) && !lang_offered) {
        path
    } else {
        format!("{path}?lang={}", encode_segment(lang))
    }
}

/// `GET /hub/accounts/{id}`: the account being edited (secrets redacted).
pub async fn account(cfg: &HubConfig, id: &str) -> Result<HubAccount, ApiError> {
    let path = format!("/hub/accounts/{}", encode_segment(id));
    request(cfg, Method::Get, &path, None, None).await
}

/// `POST /hub/accounts` with an `Idempotency-Key`, so a retry of the same submit links once.
pub async fn create_account(
    cfg: &HubConfig,
    body: &CreateAccountRequest,
    idempotency_key: &str,
) -> Result<CreatedAccount, ApiError> {
    let body = to_json(body).ok_or(ApiError::Decode)?;
    request(
        cfg,
        Method::Post,
        "/hub/accounts",
        Some(body),
        Some(idempotency_key),
    )
    .await
}

/// `PATCH /hub/accounts/{id}` with only the changed values.
pub async fn update_account(
    cfg: &HubConfig,
    id: &str,
    body: &CreateAccountRequest,
) -> Result<HubAccount, ApiError> {
    let body = to_json(body).ok_or(ApiError::Decode)?;
    let path = format!("/hub/accounts/{}", encode_segment(id));
    request(cfg, Method::Patch, &path, Some(body), None).await
}

/// `POST /hub/connection_attempts`: starts an OAuth attempt for a connector.
pub async fn create_attempt(
    cfg: &HubConfig,
    integration_id: &str,
) -> Result<ConnectionAttemptCreated, ApiError> {
    let body = CreateConnectionAttempt {
        token: Some(cfg.token.clone().into()),
        integration_id: Some(integration_id.to_owned()),
    };
    let body = to_json(&body).ok_or(ApiError::Decode)?;
    request(
        cfg,
        Method::Post,
        "/hub/connection_attempts",
        Some(body),
        None,
    )
    .await
}

/// `GET /hub/connection_attempts/{id}`.
pub async fn attempt(cfg: &HubConfig, id: &str) -> Result<ConnectionAttempt, ApiError> {
    let path = format!("/hub/connection_attempts/{}", encode_segment(id));
    request(cfg, Method::Get, &path, None, None).await
}

/// `DELETE /hub/connection_attempts/{id}`: the user gave up on this attempt.
pub async fn cancel_attempt(cfg: &HubConfig, id: &str) -> Result<(), ApiError> {
    let path = format!("/hub/connection_attempts/{}", encode_segment(id));
    request::<serde::de::IgnoredAny>(cfg, Method::Delete, &path, None, None)
        .await
        .map(|_| ())
}

/// Percent-encodes a path segment or query value (everything but unreserved characters).
pub fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_connector_is_asked_in_the_hub_language_of_a_backend_that_answers_in_it() {
        let own = HubConfig::default();
        assert_eq!(
            connector_path(&own, "dagster", "fr", false),
            "/hub/connectors/dagster?lang=fr"
        );
        assert_eq!(
            connector_path(&own, "a b", "", false),
            "/hub/connectors/a%20b"
        );
        // Another origin may be StackOne's backend: it gets the request StackOne's client
        // sends, unless it says in `/hub/settings` that it answers `?lang=`.
        let other = HubConfig {
            base_url: "https://api.stackone.com".into(),
            ..HubConfig::default()
        };
        assert_eq!(
            connector_path(&other, "dagster", "fr", false),
            "/hub/connectors/dagster"
        );
        assert_eq!(
            connector_path(&other, "dagster", "fr", true),
            "/hub/connectors/dagster?lang=fr"
        );
    }

    #[test]
    fn sorts_errors_by_status() {
        assert_eq!(ApiError::from_response(401, ""), ApiError::SessionExpired);
        assert_eq!(ApiError::from_response(403, "{}"), ApiError::SessionExpired);
        let invalid = ApiError::from_response(
            400,
            r#"{"statusCode":400,"message":"Invalid credentials","fields":{"user_token":"bad"}}"#,
        );
        match invalid {
            ApiError::Invalid { message, fields } => {
                assert_eq!(message, "Invalid credentials");
                let fields = fields.read();
                assert_eq!(fields.get("user_token").map(String::as_str), Some("bad"));
                assert_eq!(fields.len(), 1);
            }
            other => panic!("expected Invalid, got {other:?}"),
        }
        assert!(ApiError::from_response(503, "not json").is_retryable());
        match ApiError::from_response(422, r#"{"statusCode":422,"message":"m"}"#) {
            ApiError::Invalid { fields, .. } => assert!(fields.read().is_empty()),
            other => panic!("expected Invalid, got {other:?}"),
        }
        assert!(!ApiError::from_response(400, "").is_retryable());
        // Issue #17: a `200` whose body is cut short showed no way to try again.
        assert!(ApiError::Decode.is_retryable());
        assert!(!ApiError::SessionExpired.is_retryable());
    }

    #[test]
    fn a_provider_that_did_not_answer_a_credential_check_is_its_own_retryable_error() {
        // Issue #15: a 502/504 `provider_unavailable` (even with the provider's status in
        // `provider_response`) is neither the provider's refusal nor a fault of the server.
        for (status, extra) in [(504, ""), (502, r#","provider_response":{"status":503}"#)] {
            let body = format!(
                r#"{{"statusCode":{status},"message":"Dagster did not answer","code":"provider_unavailable"{extra}}}"#
            );
            let err = ApiError::from_response(status, &body);
            assert_eq!(err, ApiError::Unavailable("Dagster did not answer".into()));
            assert!(err.is_retryable());
            assert_eq!(err.code(), "PROVIDER_UNAVAILABLE");
        }
        // Without the code, a 504 stays a server error.
        assert!(matches!(
            ApiError::from_response(504, r#"{"statusCode":504,"message":"m"}"#),
            ApiError::Server { status: 504, .. }
        ));
    }

    #[test]
    fn a_provider_answer_is_told_apart_by_its_provider_response() {
        let body = |provider: &str| {
            format!(r#"{{"statusCode":502,"message":"Bad token","provider_response":{provider}}}"#)
        };
        assert_eq!(
            ApiError::from_response(502, &body(r#"{"status":401,"detail":["x"]}"#)),
            ApiError::Provider("Bad token".into())
        );
        assert_eq!(
            ApiError::from_response(409, &body(r#""text""#)),
            ApiError::Provider("Bad token".into())
        );
        // `null` is no provider answer: a server error like any other.
        assert_eq!(
            ApiError::from_response(502, &body("null")),
            ApiError::Server {
                status: 502,
                message: "Bad token".into()
            }
        );
        // The protocol's `statusCode` is required: without it the body is not an error body.
        assert_eq!(
            ApiError::from_response(502, r#"{"message":"m","provider_response":{}}"#),
            ApiError::Server {
                status: 502,
                message: String::new()
            }
        );
    }

    #[test]
    fn a_backend_without_hub_settings_is_not_an_error() {
        let missing = ApiError::from_response(404, r#"{"statusCode":404,"message":"Cannot GET"}"#);
        assert_eq!(settings_or_none(Err(missing)), Ok(Settings::default()));
        assert_eq!(
            settings_or_none(Err(ApiError::SessionExpired)),
            Err(ApiError::SessionExpired)
        );
    }

    #[test]
    fn stackone_shaped_answers_with_unknown_fields_are_read() {
        let settings: Settings =
            decode(r#"{"enabled_features":["x"],"future":{"a":1},"existing_account_id":null}"#)
                .expect("settings");
        assert_eq!(settings.existing_account_id, None);
        assert!(!settings.has_plan() && settings.extensions.is_empty());
        // Our backend's extensions, and a plan read only for its presence.
        let settings: Settings = decode(
            r#"{"extensions":["onboarding","handoffs"],"onboarding":{"plan_id":"p","steps":[],"done":0,"total":0,"completed":false}}"#,
        )
        .expect("settings");
        assert!(settings.has_plan());
        assert_eq!(settings.extensions, ["onboarding", "handoffs"]);
        let list: linkhub_protocol::hub::ConnectorList = decode(
            r#"{"integrations":[{"active":true,"name":"Dagster","provider":"dagster","type":"iam",
                "integration_id":"i1","logo_url":"https://x/l.png","new_field":[1,2]}],"total":1}"#,
        )
        .expect("list");
        assert_eq!(list.integrations[0].integration_id, "i1");
        // An error body without `fields`: its message, and no field messages.
        match ApiError::from_response(400, r#"{"statusCode":400,"message":"Bad token","x":1}"#) {
            ApiError::Invalid { message, fields } => {
                assert_eq!(message, "Bad token");
                assert!(fields.read().is_empty());
            }
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn a_refused_backend_is_neither_retried_nor_a_network_error() {
        let err = ApiError::Refused("https://api.example.com".into());
        assert!(!err.is_retryable());
        assert_eq!(err.code(), "BACKEND_NOT_ALLOWED");
    }

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(encode_segment("dagster"), "dagster");
        assert_eq!(encode_segment("a/b c?"), "a%2Fb%20c%3F");
    }
}
