//! Thin, panic-free wrappers over the browser APIs the views use: timers, random keys, the
//! clipboard, OAuth popups and `RegExp`. No view code here.
//!
//! Every function degrades instead of panicking (the release build aborts on panic, which
//! would kill the whole widget); native builds get inert stand-ins so views can be rendered
//! to HTML in `#[test]`s.

use linkhub_protocol::validate::PatternMatcher;

/// [`PatternMatcher`] on the browser's own `RegExp`, with HTML `pattern` semantics: the
/// pattern is compiled as `^(?:p)$` with the `v` flag (what browsers use for the `pattern`
/// attribute), falling back to `u` where `v` is not supported. The wasm carries no regex
/// engine this way.
#[derive(Clone, Copy, Debug, Default)]
pub struct BrowserPatterns;

#[cfg(target_arch = "wasm32")]
impl PatternMatcher for BrowserPatterns {
    fn whole_match(&self, pattern: &str, value: &str) -> Result<bool, String> {
        let source = format!("^(?:{pattern})$");
        let compiled = compile(&source, "v").or_else(|_| compile(&source, "u"))?;
        Ok(compiled.test(value))
    }
}

/// `new RegExp(source, flags)`, catching the `SyntaxError` a bad pattern throws.
#[cfg(target_arch = "wasm32")]
fn compile(source: &str, flags: &str) -> Result<js_sys::RegExp, String> {
    use wasm_bindgen::JsCast;
    let ctor: js_sys::Function = js_sys::Reflect::get(&js_sys::global(), &"RegExp".into())
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or_else(|| "no RegExp".to_owned())?;
    let args = js_sys::Array::of2(&source.into(), &flags.into());
    js_sys::Reflect::construct(&ctor, &args)
        .map_err(|e| {
            js_sys::Reflect::get(&e, &"message".into())
                .ok()
                .and_then(|m| m.as_string())
                .unwrap_or_else(|| "invalid pattern".to_owned())
        })
        .and_then(|r| r.dyn_into().map_err(|_| "not a RegExp".to_owned()))
}

/// Natively there is no `RegExp`: patterns are left to the server (views rendered in tests
/// only need the other rules).
#[cfg(not(target_arch = "wasm32"))]
impl PatternMatcher for BrowserPatterns {
    fn whole_match(&self, _pattern: &str, _value: &str) -> Result<bool, String> {
        Ok(true)
    }
}

/// Waits `ms` milliseconds (a `setTimeout` promise); returns at once outside a browser.
pub async fn sleep(ms: i32) {
    #[cfg(target_arch = "wasm32")]
    {
        let promise = js_sys::Promise::new(&mut |resolve, _reject| {
            if let Some(w) = web_sys::window() {
                let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
            }
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = ms;
}

/// What the widget reads of a `message` event's data: the OAuth callback page reports
/// `{type: "linkhub:oauth", attemptId, status}`. (Read into this struct, not a JSON value:
/// the connector page's chunk carries no JSON value type.)
#[derive(Debug, Default, serde::Deserialize)]
pub struct OAuthReport {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default, rename = "attemptId")]
    attempt_id: Option<String>,
}

/// Whether a `message` event's data (read as [`OAuthReport`]; `None` when it is not an
/// object) is the OAuth callback page's report for `attempt_id`.
pub fn is_oauth_callback(data: Option<&OAuthReport>, attempt_id: &str) -> bool {
    data.is_some_and(|d| {
        d.kind.as_deref() == Some("linkhub:oauth") && d.attempt_id.as_deref() == Some(attempt_id)
    })
}

/// Waits `ms`, or less when the OAuth callback page (served from `origin`) reports on
/// `attempt_id`. The message only wakes the next poll early: the server stays the one source
/// of truth, so a forged message gains nothing.
pub async fn sleep_or_oauth_callback(ms: i32, origin: &str, attempt_id: &str) {
    #[cfg(target_arch = "wasm32")]
    {
        use std::cell::RefCell;
        use std::rc::Rc;
        use wasm_bindgen::JsCast;
        use wasm_bindgen::prelude::*;

        let Some(window) = web_sys::window() else {
            return;
        };
        let resolver: Rc<RefCell<Option<js_sys::Function>>> = Rc::new(RefCell::new(None));
        let on_message = {
            let resolver = resolver.clone();
            let origin = origin.to_owned();
            let attempt_id = attempt_id.to_owned();
            Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                if ev.origin() != origin {
                    return;
                }
                let data = serde_wasm_bindgen::from_value::<OAuthReport>(ev.data()).ok();
                if is_oauth_callback(data.as_ref(), &attempt_id)
                    && let Some(resolve) = resolver.borrow().as_ref()
                {
                    let _ = resolve.call0(&JsValue::NULL);
                }
            })
        };
        let listening = window
            .add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref())
            .is_ok();
        let promise = js_sys::Promise::new(&mut |resolve, _reject| {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
            *resolver.borrow_mut() = Some(resolve);
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        if listening {
            let _ = window.remove_event_listener_with_callback(
                "message",
                on_message.as_ref().unchecked_ref(),
            );
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (ms, origin, attempt_id);
}

/// A fresh random key (a UUID from `crypto.randomUUID`, else from `Math.random`), used as an
/// `Idempotency-Key`.
pub fn random_key() -> String {
    #[cfg(target_arch = "wasm32")]
    {
        if let Some(uuid) = web_sys::window()
            .and_then(|w| w.crypto().ok())
            .map(|c| c.random_uuid())
        {
            return uuid;
        }
        let part = || format!("{:012x}", (js_sys::Math::random() * 2f64.powi(48)) as u64);
        format!("lh-{}{}{}", part(), part(), part())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(1);
        format!("native-{}", NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// Copies text to the clipboard; `false` when the browser refused.
pub async fn copy_text(text: &str) -> bool {
    #[cfg(target_arch = "wasm32")]
    {
        let Some(window) = web_sys::window() else {
            return false;
        };
        let promise = window.navigator().clipboard().write_text(text);
        wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = text;
        false
    }
}

/// An OAuth popup window. Opened blank in the click handler (so no popup blocker stops it),
/// pointed at the provider once the attempt exists.
#[derive(Clone, Debug)]
pub struct Popup {
    #[cfg(target_arch = "wasm32")]
    window: web_sys::Window,
}

impl Popup {
    /// Opens `about:blank` in a popup; `None` when the browser blocked it. Must be called
    /// synchronously from a user gesture.
    pub fn open_blank() -> Option<Popup> {
        #[cfg(target_arch = "wasm32")]
        {
            let window = web_sys::window()?
                .open_with_url_and_target_and_features(
                    "about:blank",
                    "linkhub-oauth",
                    "popup,width=600,height=720",
                )
                .ok()
                .flatten()?;
            Some(Popup { window })
        }
        #[cfg(not(target_arch = "wasm32"))]
        None
    }

    /// Sends the popup to `url`; `false` when it is gone.
    pub fn navigate(&self, url: &str) -> bool {
        #[cfg(target_arch = "wasm32")]
        {
            self.window.location().set_href(url).is_ok()
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            let _ = url;
            false
        }
    }

    /// Whether the user (or the callback page) closed it.
    pub fn is_closed(&self) -> bool {
        #[cfg(target_arch = "wasm32")]
        {
            self.window.closed().unwrap_or(true)
        }
        #[cfg(not(target_arch = "wasm32"))]
        true
    }

    /// Closes it, if still open.
    pub fn close(&self) {
        #[cfg(target_arch = "wasm32")]
        {
            let _ = self.window.close();
        }
    }
}

/// An RFC 3339 time as a date and time in `locale`'s words (`Intl.DateTimeFormat`, medium
/// date and short time), in the browser's time zone. The text as given when the browser
/// cannot read it (and natively, in tests).
pub fn format_date_time(iso: &str, locale: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(iso));
        if date.get_time().is_nan() {
            return iso.to_owned();
        }
        let options = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into());
        let _ = js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into());
        let locales = js_sys::Array::of1(&locale.into());
        let format = js_sys::Intl::DateTimeFormat::new(&locales, &options).format();
        format
            .call1(&wasm_bindgen::JsValue::UNDEFINED, &date)
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_else(|| iso.to_owned())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = locale;
        iso.to_owned()
    }
}

/// Whether the page is on screen (`document.visibilityState == "visible"`); `true` natively.
pub fn page_visible() -> bool {
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::window()
            .and_then(|w| w.document())
            .is_none_or(|d| d.visibility_state() == web_sys::VisibilityState::Visible)
    }
    #[cfg(not(target_arch = "wasm32"))]
    true
}

/// `encodeURIComponent`: a value for a `mailto:` query.
pub fn encode_uri_component(s: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        String::from(js_sys::encode_uri_component(s))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let mut out = String::with_capacity(s.len());
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    }
}
