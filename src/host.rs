//! All messaging with an embedding host page; no view code.
//!
//! Embedded, the widget runs at `/embed#origin=<host origin>` inside the loader's iframe.
//! It posts `ready` to exactly that origin and waits for the loader's `init`, which carries
//! the session token and options, so the token never appears in a URL. Every message it
//! accepts must come from that origin, from the parent window, and have the expected shape;
//! anything else is ignored. Events go back the same way, in the manner of Plaid Link.

use serde::{Deserialize, Serialize};

use crate::config::HubConfig;

/// Tag on every message, in both directions, so unrelated `postMessage` traffic is ignored.
pub const SOURCE: &str = "linkhub";

/// Something the host is told about, with the fields the loader's `LinkHubEvent` names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostEvent {
    Open,
    SelectConnector {
        provider: String,
    },
    Submit {
        provider: String,
    },
    Success {
        account_id: String,
        provider: String,
    },
    Error {
        code: String,
        message: String,
    },
    SessionExpired,
    Exit,
}

/// Extension: an event of the session's onboarding plan. Sent by the onboarding chunk only
/// ([`emit_onboarding`]), so its wire shape is not part of the first screen's code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OnboardingEvent {
    /// A step of the plan turned `done` (`step`: its index).
    StepCompleted {
        step: u32,
        provider: String,
        account_id: String,
    },
    /// Every required step of the plan is done; the accounts that satisfy the done steps.
    Completed { accounts: Vec<EventAccount> },
}

impl OnboardingEvent {
    pub fn name(&self) -> &'static str {
        match self {
            OnboardingEvent::StepCompleted { .. } => "STEP_COMPLETED",
            OnboardingEvent::Completed { .. } => "ONBOARDING_COMPLETED",
        }
    }

    /// The event as the loader receives it.
    pub fn to_wire(&self, session_id: &str, timestamp: &str) -> OnboardingWireEvent {
        let mut ev = OnboardingWireEvent {
            name: self.name(),
            session_id: session_id.to_string(),
            timestamp: timestamp.to_string(),
            step: None,
            provider: None,
            account_id: None,
            accounts: None,
        };
        match self {
            OnboardingEvent::StepCompleted {
                step,
                provider,
                account_id,
            } => {
                ev.step = Some(*step);
                ev.provider = Some(provider.clone());
                ev.account_id = Some(account_id.clone());
            }
            OnboardingEvent::Completed { accounts } => ev.accounts = Some(accounts.clone()),
        }
        ev
    }
}

/// An onboarding event on the wire: the fields of [`WireEvent`] it uses, and its own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OnboardingWireEvent {
    pub name: &'static str,
    pub session_id: String,
    pub timestamp: String,
    /// `STEP_COMPLETED`: the step's index in the plan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// `ONBOARDING_COMPLETED`: the accounts of the plan's done steps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accounts: Option<Vec<EventAccount>>,
}

/// An account named by `ONBOARDING_COMPLETED`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EventAccount {
    pub id: String,
    pub provider: String,
}

impl HostEvent {
    pub fn name(&self) -> &'static str {
        match self {
            HostEvent::Open => "OPEN",
            HostEvent::SelectConnector { .. } => "SELECT_CONNECTOR",
            HostEvent::Submit { .. } => "SUBMIT",
            HostEvent::Success { .. } => "SUCCESS",
            HostEvent::Error { .. } => "ERROR",
            HostEvent::SessionExpired => "SESSION_EXPIRED",
            HostEvent::Exit => "EXIT",
        }
    }

    /// The event as the loader receives it (`event` of a `{source, type: "event"}` message).
    pub fn to_wire(&self, session_id: &str, timestamp: &str) -> WireEvent {
        let mut ev = WireEvent {
            name: self.name().to_string(),
            session_id: session_id.to_string(),
            timestamp: timestamp.to_string(),
            ..WireEvent::default()
        };
        match self {
            HostEvent::SelectConnector { provider } | HostEvent::Submit { provider } => {
                ev.provider = Some(provider.clone());
            }
            HostEvent::Success {
                account_id,
                provider,
            } => {
                ev.provider = Some(provider.clone());
                ev.account_id = Some(account_id.clone());
            }
            HostEvent::Error { code, message } => {
                ev.code = Some(code.clone());
                ev.message = Some(message.clone());
            }
            HostEvent::Open | HostEvent::SessionExpired | HostEvent::Exit => {}
        }
        ev
    }
}

/// An event on the wire.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct WireEvent {
    pub name: String,
    pub session_id: String,
    pub timestamp: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A message to the host: `{ source, type }`, with the event for `type: "event"`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Outgoing<'a, E = WireEvent> {
    pub source: &'static str,
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<&'a E>,
}

impl Outgoing<'_> {
    /// A message without an event (`ready`, `close`).
    pub fn plain(kind: &'static str) -> Outgoing<'static> {
        Outgoing {
            source: SOURCE,
            kind,
            event: None,
        }
    }
}

/// The loader's `init` message.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct InitMessage {
    pub source: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub token: String,
    #[serde(default)]
    pub options: InitOptions,
}

/// Options a host passes to `LinkHub.open` / `LinkHub.mount`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct InitOptions {
    #[serde(default)]
    pub locale: Option<String>,
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
    #[serde(default)]
    pub whitelabel: bool,
    /// A mode name or `{ mode, tokens }`, validated by `theme::resolve` (never fatal).
    #[serde(default)]
    pub theme: serde_json::Value,
    /// `{ name, logo }`: the host's brand; anything else is ignored with a warning.
    #[serde(default)]
    pub brand: serde_json::Value,
    /// `modal` or `inline`.
    #[serde(default)]
    pub mode: Option<String>,
    /// The host's `baseUrl`: the StackOne-style API the widget calls (checked by
    /// `config::parse_base`; absent means this page's own origin).
    #[serde(default, rename = "baseUrl")]
    pub base_url: Option<String>,
}

impl InitMessage {
    /// Parses a message's data; `None` for anything that is not a well-formed `init`.
    #[cfg(test)]
    pub fn parse(data: &serde_json::Value) -> Option<InitMessage> {
        serde_json::from_value::<InitMessage>(data.clone())
            .ok()?
            .checked()
    }

    /// The message, if it is a well-formed `init` from the loader.
    #[cfg_attr(not(any(test, target_arch = "wasm32")), allow(dead_code))]
    fn checked(self) -> Option<InitMessage> {
        (self.source == SOURCE && self.kind == "init" && !self.token.is_empty()).then_some(self)
    }

    /// The widget config this message describes (the API at the host's `baseUrl` when it
    /// named a valid one, on this page's own origin when it named none).
    pub fn into_config(self) -> HubConfig {
        let mut cfg = HubConfig {
            base_url: String::new(),
            base_refused: false,
            token: self.token,
            locale: self.options.locale,
            scopes: self.options.scopes.unwrap_or_default(),
            whitelabel: self.options.whitelabel,
            theme: crate::theme::ThemeInput::from_json(&self.options.theme),
            brand_name: text(&self.options.brand, "name"),
            brand_logo: text(&self.options.brand, "logo"),
            modal: self.options.mode.as_deref() == Some("modal"),
            credential_checks: false,
        };
        cfg.set_base(self.options.base_url.as_deref().unwrap_or_default());
        cfg
    }
}

/// A string field of a JSON object option.
fn text(value: &serde_json::Value, field: &str) -> Option<String> {
    value.get(field)?.as_str().map(String::from)
}

/// The host origin named in an `/embed#origin=…` fragment, when it is a plain http(s)
/// origin (scheme, host, optional port; nothing else).
pub fn origin_from_fragment(fragment: &str) -> Option<String> {
    let value = fragment
        .trim_start_matches('#')
        .split('&')
        .find_map(|p| p.strip_prefix("origin="))?;
    let origin = crate::config::percent_decode(value);
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))?;
    let valid = !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    valid.then_some(origin)
}

#[cfg(target_arch = "wasm32")]
mod browser {
    //! The `postMessage` plumbing, browser only.
    use std::cell::RefCell;

    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::*;

    use super::*;

    thread_local! {
        static PARENT: RefCell<Option<(String, String)>> = const { RefCell::new(None) };
    }

    /// Posts `ready` to the host and resolves with the first valid `init` from it.
    pub async fn handshake(origin: String) -> Option<HubConfig> {
        let window = web_sys::window()?;
        let parent = window.parent().ok().flatten()?;
        let (tx, rx) = futures_channel::oneshot::channel::<InitMessage>();
        let expected = origin.clone();
        let parent_for_check = parent.clone();
        let tx = RefCell::new(Some(tx));
        let listener =
            Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                if ev.origin() != expected {
                    return;
                }
                // Compare identities: a cross-origin WindowProxy fails `instanceof Window`.
                let from_parent = ev
                    .source()
                    .is_some_and(|s| js_sys::Object::is(&s, parent_for_check.as_ref()));
                if !from_parent {
                    return;
                }
                // The structured-clone data read as the message, field by field (anything
                // else, including data that is not plain JSON-like, is ignored).
                let msg = serde_wasm_bindgen::from_value::<InitMessage>(ev.data()).ok();
                if let Some(msg) = msg.and_then(InitMessage::checked)
                    && let Some(tx) = tx.borrow_mut().take()
                {
                    let _ = tx.send(msg);
                }
            });
        window
            .add_event_listener_with_callback("message", listener.as_ref().unchecked_ref())
            .ok()?;
        post(&parent, &origin, &Outgoing::plain("ready"));
        let msg = rx.await.ok();
        let _ = window
            .remove_event_listener_with_callback("message", listener.as_ref().unchecked_ref());
        drop(listener);
        let msg = msg?;
        let session_id = random_id();
        PARENT.with(|p| *p.borrow_mut() = Some((origin, session_id)));
        Some(msg.into_config())
    }

    /// Sends an event to the host, when embedded; a no-op on the standalone page.
    pub fn emit(event: HostEvent) {
        send(|session_id, timestamp| event.to_wire(session_id, timestamp));
    }

    /// Sends an onboarding event to the host, when embedded.
    pub fn emit_onboarding(event: OnboardingEvent) {
        send(|session_id, timestamp| event.to_wire(session_id, timestamp));
    }

    /// Posts the event `wire` makes of the session id and the time, when embedded.
    fn send<W: Serialize>(wire: impl FnOnce(&str, &str) -> W) {
        let Some((origin, session_id)) = PARENT.with(|p| p.borrow().clone()) else {
            return;
        };
        let Some(parent) = web_sys::window().and_then(|w| w.parent().ok().flatten()) else {
            return;
        };
        let timestamp = js_sys::Date::new_0()
            .to_iso_string()
            .as_string()
            .unwrap_or_default();
        let wire = wire(&session_id, &timestamp);
        let msg = Outgoing {
            source: SOURCE,
            kind: "event",
            event: Some(&wire),
        };
        post(&parent, &origin, &msg);
    }

    /// Asks the host to close the widget (Esc inside the frame, "Done" after success).
    pub fn request_close() {
        let Some((origin, _)) = PARENT.with(|p| p.borrow().clone()) else {
            return;
        };
        if let Some(parent) = web_sys::window().and_then(|w| w.parent().ok().flatten()) {
            post(&parent, &origin, &Outgoing::plain("close"));
        }
    }

    pub fn is_embedded() -> bool {
        PARENT.with(|p| p.borrow().is_some())
    }

    /// Posts `msg` as a plain object (what `JSON.parse` would make of its JSON).
    fn post<E: Serialize>(target: &web_sys::Window, origin: &str, msg: &Outgoing<'_, E>) {
        let plain = serde_wasm_bindgen::Serializer::json_compatible();
        if let Ok(value) = msg.serialize(&plain) {
            let _ = target.post_message(&value, origin);
        }
    }

    fn random_id() -> String {
        let mut bytes = [0u8; 16];
        let ok = web_sys::window()
            .and_then(|w| w.crypto().ok())
            .and_then(|c| c.get_random_values_with_u8_array(&mut bytes).ok())
            .is_some();
        if !ok {
            return String::from("unknown");
        }
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[cfg(target_arch = "wasm32")]
pub use browser::{emit, emit_onboarding, handshake, is_embedded, request_close};

/// The provider key of the connector on screen, for the events that name it.
#[derive(Clone, Debug)]
pub struct SelectedProvider(pub String);

/// The provider key of the connector on screen, when there is one.
pub fn selected_provider() -> String {
    leptos::prelude::use_context::<SelectedProvider>()
        .map(|p| p.0)
        .unwrap_or_default()
}

/// Native builds have no host page.
#[cfg(not(target_arch = "wasm32"))]
pub fn emit(_event: HostEvent) {}

#[cfg(not(target_arch = "wasm32"))]
pub fn emit_onboarding(_event: OnboardingEvent) {}

#[cfg(not(target_arch = "wasm32"))]
pub fn request_close() {}

#[cfg(not(target_arch = "wasm32"))]
pub fn is_embedded() -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_only_well_formed_init_messages() {
        let good = serde_json::json!({
            "source": "linkhub", "type": "init", "token": "t",
            "options": { "locale": "fr", "scopes": ["a"], "whitelabel": true, "theme": { "tokens": { "primary": "#f00" } },
                         "brand": { "name": "Acme" }, "mode": "modal" }
        });
        let msg = InitMessage::parse(&good).expect("valid init");
        let cfg = msg.into_config();
        assert_eq!(cfg.token, "t");
        assert_eq!(cfg.locale.as_deref(), Some("fr"));
        assert_eq!(cfg.scopes, vec!["a"]);
        assert!(cfg.whitelabel);
        assert!(cfg.modal);
        assert_eq!(cfg.brand_name.as_deref(), Some("Acme"));
        assert_eq!(cfg.theme.mode, None, "an object without a mode names none");
        assert_eq!(
            cfg.theme.tokens,
            vec![("primary".to_string(), "#f00".to_string())]
        );
        assert_eq!(cfg.base_url, "", "no baseUrl: this page's own origin");
        assert!(!cfg.base_refused);

        for bad in [
            serde_json::json!({ "source": "other", "type": "init", "token": "t" }),
            serde_json::json!({ "source": "linkhub", "type": "event", "token": "t" }),
            serde_json::json!({ "source": "linkhub", "type": "init", "token": "" }),
            serde_json::json!({ "source": "linkhub", "type": "init" }),
            serde_json::json!("init"),
        ] {
            assert_eq!(InitMessage::parse(&bad), None, "{bad}");
        }
    }

    #[test]
    fn the_host_s_base_url_is_checked_before_anything_is_sent() {
        let init = |base: serde_json::Value| {
            let msg = serde_json::json!({
                "source": "linkhub", "type": "init", "token": "t", "options": { "baseUrl": base }
            });
            InitMessage::parse(&msg).expect("valid init").into_config()
        };
        let cfg = init(serde_json::json!("https://api.stackone.example/"));
        assert_eq!(cfg.base_url, "https://api.stackone.example");
        assert!(!cfg.base_refused);
        for bad in [
            serde_json::json!("http://api.example.com"),
            serde_json::json!("javascript:alert(1)"),
            serde_json::json!("https://a@b.example"),
        ] {
            let cfg = init(bad.clone());
            assert!(cfg.base_refused && cfg.base_url.is_empty(), "{bad}");
        }
        // Not a string: the message is not a well-formed init at all.
        let msg = serde_json::json!({
            "source": "linkhub", "type": "init", "token": "t", "options": { "baseUrl": 5 }
        });
        assert_eq!(InitMessage::parse(&msg), None);
    }

    #[test]
    fn host_origin_must_be_a_plain_http_origin() {
        assert_eq!(
            origin_from_fragment("#origin=http%3A%2F%2F127.0.0.1%3A5000").as_deref(),
            Some("http://127.0.0.1:5000")
        );
        assert_eq!(
            origin_from_fragment("#origin=https://app.example.com").as_deref(),
            Some("https://app.example.com")
        );
        assert_eq!(origin_from_fragment("#origin=*"), None);
        assert_eq!(origin_from_fragment("#origin=javascript:alert(1)"), None);
        assert_eq!(origin_from_fragment("#origin=https://a.com/path"), None);
        assert_eq!(origin_from_fragment("#token=x"), None);
    }

    #[test]
    fn events_carry_their_fields() {
        let ev = HostEvent::Success {
            account_id: "acc_1".into(),
            provider: "dagster".into(),
        }
        .to_wire("s1", "2026-11-22T00:00:00Z");
        let json = serde_json::to_value(&ev).expect("serializes");
        assert_eq!(json["name"], "SUCCESS");
        assert_eq!(json["account_id"], "acc_1");
        assert_eq!(json["provider"], "dagster");
        assert_eq!(json["session_id"], "s1");
        assert!(json.get("code").is_none());

        let msg = Outgoing {
            source: SOURCE,
            kind: "event",
            event: Some(&ev),
        };
        let json = serde_json::to_value(&msg).expect("serializes");
        assert_eq!(json["source"], "linkhub");
        assert_eq!(json["type"], "event");
        assert_eq!(json["event"]["name"], "SUCCESS");
        let step = OnboardingEvent::StepCompleted {
            step: 2,
            provider: "oneflow".into(),
            account_id: "acc_3".into(),
        }
        .to_wire("s1", "t");
        let json = serde_json::to_value(&step).expect("serializes");
        assert_eq!(json["name"], "STEP_COMPLETED");
        assert_eq!(json["step"], 2);
        assert_eq!(json["account_id"], "acc_3");
        assert!(json.get("accounts").is_none());
        let done = OnboardingEvent::Completed {
            accounts: vec![EventAccount {
                id: "acc_3".into(),
                provider: "oneflow".into(),
            }],
        }
        .to_wire("s1", "t");
        let json = serde_json::to_value(&done).expect("serializes");
        assert_eq!(json["name"], "ONBOARDING_COMPLETED");
        assert_eq!(
            json["accounts"],
            serde_json::json!([{ "id": "acc_3", "provider": "oneflow" }])
        );
        let ready = serde_json::to_value(Outgoing::plain("ready")).expect("serializes");
        assert_eq!(
            ready,
            serde_json::json!({ "source": "linkhub", "type": "ready" }),
            "no `event` key on plain messages"
        );
    }
}
