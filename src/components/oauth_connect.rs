//! Linking an `oauth2` connector: a popup opened synchronously in the submit handler (so no
//! popup blocker stops it), pointed at the provider once the connection attempt exists (with
//! the form's values), and followed by polling the attempt.

use leptos::prelude::*;
use linkhub_protocol::hub::AttemptStatus;

use crate::api::{self, ApiError, encode_segment};
use crate::browser::{self, Popup};
use crate::components::error_screen::ErrorScreen;
use crate::components::success::{Linked, SuccessScreen};
use crate::config::HubConfig;
use crate::i18n::*;

/// Time between two polls of the attempt.
const POLL_MS: i32 = 1_500;
/// After this long, offer "having trouble? start over".
const TROUBLE_AFTER_MS: f64 = 8_000.0;
/// After this long the attempt is given up.
const TIMEOUT_MS: f64 = 5.0 * 60_000.0;

/// Where the OAuth flow is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OAuthState {
    Idle,
    /// The browser refused to open the popup.
    Blocked,
    /// Creating the attempt.
    Starting,
    /// The user is signing in; `trouble` once it has taken a while.
    Waiting {
        trouble: bool,
    },
    Linked(Linked),
    Failed(String),
    TimedOut,
    Closed,
    Cancelled,
    Expired,
    Network,
}

/// One OAuth flow: its state, the popup and the attempt being followed.
#[derive(Clone, Copy)]
pub struct OAuthFlow {
    /// Where the flow is.
    pub state: RwSignal<OAuthState>,
    generation: StoredValue<u32>,
    attempt_id: StoredValue<Option<String>>,
    popup: StoredValue<Option<Popup>, LocalStorage>,
    cfg: StoredValue<HubConfig>,
}

impl OAuthFlow {
    /// A flow for this session.
    pub fn new(cfg: HubConfig) -> Self {
        OAuthFlow {
            cfg: StoredValue::new(cfg),
            state: RwSignal::new(OAuthState::Idle),
            generation: StoredValue::new(0),
            attempt_id: StoredValue::new(None),
            popup: StoredValue::new_local(None),
        }
    }

    /// Whether an attempt is under way.
    pub fn is_busy(&self) -> bool {
        matches!(
            self.state.get(),
            OAuthState::Starting | OAuthState::Waiting { .. }
        )
    }

    /// Starts signing in with these form values. Must run synchronously in the user's click
    /// or submit handler: the popup is opened before anything is awaited.
    pub fn start(self, integration_id: String, provider: String, values: Vec<(String, String)>) {
        self.stop();
        let Some(opened) = Popup::open_blank() else {
            self.state.set(OAuthState::Blocked);
            return;
        };
        self.popup.set_value(Some(opened));
        self.state.set(OAuthState::Starting);
        let my_gen = self.generation.get_value();
        let cfg = self.cfg.get_value();
        let flow = self;
        leptos::task::spawn_local(async move {
            let current = move || flow.generation.try_get_value() == Some(my_gen);
            let next = follow(&cfg, &integration_id, &provider, &values, flow, current).await;
            if current() {
                if let Some(p) = flow.popup.try_update_value(Option::take).flatten() {
                    p.close();
                }
                if !matches!(next, OAuthState::TimedOut | OAuthState::Closed) {
                    flow.attempt_id.try_set_value(None);
                }
                flow.state.try_set(next);
            }
        });
    }

    /// Stops following, cancels the attempt on the server and closes the popup.
    pub fn stop(self) {
        self.generation.update_value(|g| *g += 1);
        if let Some(p) = self.popup.try_update_value(Option::take).flatten() {
            p.close();
        }
        if let Some(id) = self.attempt_id.try_update_value(Option::take).flatten() {
            let cfg = self.cfg.get_value();
            leptos::task::spawn_local(async move {
                let _ = api::cancel_attempt(&cfg, &id).await;
            });
        }
    }
}

/// The state of an OAuth flow under the form: progress, cancel, "having trouble?", the
/// blocked-popup retry, and the final screens.
#[component]
pub fn OAuthStatus(
    /// The flow shown.
    flow: OAuthFlow,
    /// The provider's display name.
    #[prop(into)]
    name: String,
    /// Starts again (runs in the click handler, so the popup may open).
    on_retry: Callback<()>,
) -> impl IntoView {
    let locale = crate::locale::use_locale();
    let name = StoredValue::new(name);
    on_cleanup(move || flow.stop());
    let cancel = move |_| {
        flow.stop();
        flow.state.set(OAuthState::Cancelled);
    };
    let start_over = move |_| {
        flow.stop();
        flow.state.set(OAuthState::Idle);
    };
    let retry = move |_| on_retry.run(());
    move || {
        let state = flow.state.get();
        let message = match &state {
            OAuthState::Idle | OAuthState::Linked(_) | OAuthState::Expired => None,
            OAuthState::Blocked => Some(td!(locale, oauth_blocked).into_any()),
            OAuthState::Starting => Some(td!(locale, oauth_starting).into_any()),
            OAuthState::Waiting { .. } => Some(
                td!(
                    locale,
                    oauth_waiting,
                    name = crate::text::isolated(name.get_value())
                )
                .into_any(),
            ),
            OAuthState::Failed(m) => Some(
                td!(
                    locale,
                    oauth_failed,
                    message = crate::text::isolated(m.clone())
                )
                .into_any(),
            ),
            OAuthState::TimedOut => Some(td!(locale, oauth_timeout).into_any()),
            OAuthState::Closed => Some(td!(locale, oauth_closed).into_any()),
            OAuthState::Cancelled => Some(td!(locale, oauth_cancelled).into_any()),
            OAuthState::Network => Some(td!(locale, submit_network).into_any()),
        };
        match state {
            OAuthState::Linked(linked) => view! { <SuccessScreen linked=linked /> }.into_any(),
            OAuthState::Expired => view! {
                <ErrorScreen error=ApiError::SessionExpired on_retry=Callback::new(|()| {}) />
            }
            .into_any(),
            OAuthState::Idle => ().into_any(),
            other => {
                let busy = matches!(other, OAuthState::Starting | OAuthState::Waiting { .. });
                let trouble = matches!(other, OAuthState::Waiting { trouble: true });
                let can_retry = matches!(
                    other,
                    OAuthState::Blocked
                        | OAuthState::Network
                        | OAuthState::Closed
                        | OAuthState::TimedOut
                );
                view! {
                    <div class="lh-oauth">
                        {message.map(|m| view! { <p class="lh-oauth__status" role="status">{m}</p> })}
                        {busy.then(|| view! {
                            <button type="button" class="lh-button" on:click=cancel>{td!(locale, oauth_cancel)}</button>
                        })}
                        {can_retry.then(|| view! {
                            <button type="button" class="lh-button lh-button--primary" on:click=retry>
                                {td!(locale, retry)}
                            </button>
                        })}
                        {trouble.then(|| view! {
                            <p class="lh-oauth__trouble">
                                {td!(locale, oauth_trouble)}
                                " "
                                <button type="button" class="lh-button" on:click=start_over>
                                    {td!(locale, oauth_start_over)}
                                </button>
                            </p>
                        })}
                    </div>
                }
                .into_any()
            }
        }
    }
}

/// The origin the API (and so the OAuth callback page) is served from.
fn api_origin(cfg: &HubConfig) -> String {
    if cfg.base_url.is_empty() {
        return page_origin();
    }
    // scheme://host[:port] of the base URL.
    match cfg.base_url.split_once("://") {
        Some((scheme, rest)) => {
            let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
            format!("{scheme}://{authority}")
        }
        None => page_origin(),
    }
}

/// Creates the attempt, points the popup at it and polls until it ends. Returns the final
/// state; stops early (returning `Idle`) when `current()` turns false.
async fn follow(
    cfg: &HubConfig,
    integration_id: &str,
    provider: &str,
    values: &[(String, String)],
    flow: OAuthFlow,
    current: impl Fn() -> bool,
) -> OAuthState {
    let OAuthFlow {
        state,
        attempt_id,
        popup,
        ..
    } = flow;
    let created = match api::create_attempt(cfg, integration_id).await {
        Ok(created) => created,
        Err(ApiError::SessionExpired) => return OAuthState::Expired,
        Err(ApiError::Network) => return OAuthState::Network,
        Err(other) => return OAuthState::Failed(other.to_string()),
    };
    if !current() {
        return OAuthState::Idle;
    }
    attempt_id.try_set_value(Some(created.id.clone()));
    let url = connect_url(cfg, integration_id, &created.id, values);
    let navigated = popup
        .try_with_value(|p| p.as_ref().is_some_and(|p| p.navigate(&url)))
        .unwrap_or(false);
    if !navigated {
        return OAuthState::Closed;
    }
    state.try_set(OAuthState::Waiting { trouble: false });
    let started = js_now();
    let mut closed_polls = 0;
    let callback_origin = api_origin(cfg);
    loop {
        browser::sleep_or_oauth_callback(POLL_MS, &callback_origin, &created.id).await;
        if !current() {
            return OAuthState::Idle;
        }
        let elapsed = js_now() - started;
        match api::attempt(cfg, &created.id).await {
            Ok(attempt) => match attempt.status {
                AttemptStatus::Authenticated => {
                    return OAuthState::Linked(Linked {
                        id: attempt.account.map(|a| a.id).unwrap_or_default(),
                        provider: provider.to_owned(),
                        updated: false,
                    });
                }
                AttemptStatus::Error => {
                    return OAuthState::Failed(
                        attempt.error.map(|e| e.description).unwrap_or_default(),
                    );
                }
                AttemptStatus::Cancelled => return OAuthState::Cancelled,
                AttemptStatus::Expired => return OAuthState::TimedOut,
                AttemptStatus::Pending => {}
            },
            Err(ApiError::SessionExpired) => return OAuthState::Expired,
            // A dropped poll is retried on the next tick.
            Err(_) => {}
        }
        if !current() {
            return OAuthState::Idle;
        }
        if elapsed > TIMEOUT_MS {
            let _ = api::cancel_attempt(cfg, &created.id).await;
            return OAuthState::TimedOut;
        }
        // The callback page may close the popup just before the attempt turns final: give
        // it two more polls before calling the window closed.
        if popup.try_with_value(|p| p.as_ref().is_none_or(Popup::is_closed)) == Some(true) {
            closed_polls += 1;
            if closed_polls > 2 {
                let _ = api::cancel_attempt(cfg, &created.id).await;
                return OAuthState::Closed;
            }
        }
        state.try_set(OAuthState::Waiting {
            trouble: elapsed > TROUBLE_AFTER_MS,
        });
    }
}

/// `{baseUrl}/connect/oauth2/{id}?token=…&connection_attempt_id=…`, absolute so the blank
/// popup resolves it against the widget's origin.
pub fn connect_url(
    cfg: &HubConfig,
    integration_id: &str,
    attempt_id: &str,
    values: &[(String, String)],
) -> String {
    let base = if cfg.base_url.is_empty() {
        page_origin()
    } else {
        cfg.base_url.clone()
    };
    let mut url = format!(
        "{base}/connect/oauth2/{}?token={}&connection_attempt_id={}",
        encode_segment(integration_id),
        encode_segment(&cfg.token),
        encode_segment(attempt_id)
    );
    for (k, v) in values {
        url.push_str(&format!("&{}={}", encode_segment(k), encode_segment(v)));
    }
    url
}

fn page_origin() -> String {
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default()
    }
    #[cfg(not(target_arch = "wasm32"))]
    String::new()
}

fn js_now() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(target_arch = "wasm32"))]
    0.0
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_callback_origin_is_the_api_origin() {
        let cfg = |base: &str| HubConfig {
            base_url: base.into(),
            ..HubConfig::default()
        };
        assert_eq!(
            api_origin(&cfg("https://hub.example.com:8443/api/v1")),
            "https://hub.example.com:8443"
        );
        assert_eq!(
            api_origin(&cfg("http://127.0.0.1:9000")),
            "http://127.0.0.1:9000"
        );
    }

    #[test]
    fn only_the_callback_report_for_this_attempt_wakes_the_poll() {
        use crate::browser::{OAuthReport, is_oauth_callback};
        let read = |v: serde_json::Value| serde_json::from_value::<OAuthReport>(v).ok();
        let ok = read(
            serde_json::json!({ "type": "linkhub:oauth", "attemptId": "att_1", "status": "authenticated" }),
        );
        assert!(is_oauth_callback(ok.as_ref(), "att_1"));
        assert!(!is_oauth_callback(ok.as_ref(), "att_2"));
        assert!(!is_oauth_callback(
            read(serde_json::json!({ "type": "other", "attemptId": "att_1" })).as_ref(),
            "att_1"
        ));
        assert!(!is_oauth_callback(
            read(serde_json::json!({ "type": "linkhub:oauth" })).as_ref(),
            "att_1"
        ));
        assert!(!is_oauth_callback(
            read(serde_json::json!("att_1")).as_ref(),
            "att_1"
        ));
    }

    use super::*;

    #[test]
    fn connect_url_carries_the_attempt_and_encodes_values() {
        let cfg = HubConfig {
            base_url: "https://hub.example".into(),
            token: "a+b/c".into(),
            ..HubConfig::default()
        };
        assert_eq!(
            connect_url(
                &cfg,
                "salesforce",
                "att_1",
                &[("environment".into(), "my domain".into())]
            ),
            "https://hub.example/connect/oauth2/salesforce?token=a%2Bb%2Fc&connection_attempt_id=att_1&environment=my%20domain"
        );
    }
}
