//! `HubConfig`: everything the widget was opened with.
//!
//! On the standalone auth-link page it comes from the URL fragment (`#token=…`), which is
//! never sent to a server; the page strips it from the address bar as soon as it is read so
//! the token does not linger in history or leak through a copied URL.

use leptos::prelude::*;

use crate::theme::ThemeInput;

/// What one widget instance works with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HubConfig {
    /// Base URL of the Hub API (no trailing slash); empty means this page's own origin.
    pub base_url: String,
    /// The connect-session token, sent as `x-hub-session-token`.
    pub token: String,
    /// The locale (`en`, `fr`, …): the one the host asked for, when it named one; once the
    /// hub has chosen (see `Hub`), the one the widget speaks, which requests carry as
    /// `Accept-Language` so the server's messages match it.
    pub locale: Option<String>,
    /// Scopes the host needs, filtering the guides.
    pub scopes: Vec<String>,
    /// Hide linkhub branding and white-label-hidden guide sections.
    pub whitelabel: bool,
    /// The colour scheme and tokens asked for (validated when applied).
    pub theme: ThemeInput,
    /// The host's name, shown instead of linkhub's.
    pub brand_name: Option<String>,
    /// The host's logo (an `https:` or `data:image` URL), shown with its name.
    pub brand_logo: Option<String>,
    /// Shown in the loader's modal (the frame's close button sits at the top corner).
    pub modal: bool,
}

impl HubConfig {
    /// Reads a config from a URL fragment such as `#token=abc&locale=fr`.
    /// Returns `None` when there is no token.
    ///
    /// Theme tokens have a compact form, one parameter each: `theme=dark&primary=%230b6e4f&
    /// radius=4px&font=Inter&spacing=6px`; the brand is `brand_name=…&brand_logo=…`.
    pub fn from_fragment(fragment: &str) -> Option<HubConfig> {
        let mut cfg = HubConfig::default();
        for pair in fragment.trim_start_matches('#').split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_decode(value);
            match key {
                "token" => cfg.token = value,
                "locale" => cfg.locale = Some(value).filter(|v| !v.is_empty()),
                "scopes" => {
                    cfg.scopes = value
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(String::from)
                        .collect();
                }
                "whitelabel" => cfg.whitelabel = matches!(value.as_str(), "1" | "true"),
                "theme" => cfg.theme.mode = Some(value).filter(|v| !v.is_empty()),
                "primary" | "radius" | "font" | "spacing" => {
                    cfg.theme.tokens.push((key.to_string(), value));
                }
                "brand_name" => cfg.brand_name = Some(value),
                "brand_logo" => cfg.brand_logo = Some(value),
                "base" => cfg.base_url = value.trim_end_matches('/').to_string(),
                _ => {}
            }
        }
        (!cfg.token.is_empty()).then_some(cfg)
    }

    /// Full URL of an API path such as `/hub/connectors`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}

/// Decodes `%XX` escapes and `+`; invalid escapes are kept as they are.
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The config as context; a newtype so no other `HubConfig`-typed context can replace it.
#[derive(Clone, Copy)]
pub struct ConfigContext(pub StoredValue<HubConfig>);

/// Provides the config to every component below.
pub fn provide_config(cfg: HubConfig) {
    provide_context(ConfigContext(StoredValue::new(cfg)));
}

/// The config provided by `App`; a default (empty) one outside it, which makes every API
/// call fail as an expired session rather than panicking.
pub fn use_config() -> HubConfig {
    use_context::<ConfigContext>()
        .map(|c| c.0.get_value())
        .unwrap_or_default()
}

/// Reads the config from this page's URL fragment and removes the fragment from the address
/// bar (`history.replaceState`), so the token is not kept in history.
#[cfg(target_arch = "wasm32")]
pub fn from_location() -> Option<HubConfig> {
    let window = web_sys::window()?;
    let location = window.location();
    let hash = location.hash().ok()?;
    let cfg = HubConfig::from_fragment(&hash);
    if !hash.is_empty() {
        let clean = format!(
            "{}{}",
            location.pathname().unwrap_or_default(),
            location.search().unwrap_or_default()
        );
        if let Ok(history) = window.history() {
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&clean));
        }
    }
    cfg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_token_and_options_from_fragment() {
        let cfg = HubConfig::from_fragment("#token=abc%2Bdef&locale=fr&scopes=a,+b&whitelabel=1")
            .expect("token present");
        assert_eq!(cfg.token, "abc+def");
        assert_eq!(cfg.locale.as_deref(), Some("fr"));
        assert_eq!(cfg.scopes, vec!["a", "b"]);
        assert!(cfg.whitelabel);
    }

    #[test]
    fn reads_theme_tokens_and_brand_in_compact_form() {
        let cfg = HubConfig::from_fragment(
            "#token=t&theme=dark&primary=%230b6e4f&radius=4px&brand_name=Acme+Inc",
        )
        .expect("token present");
        assert_eq!(cfg.theme.mode.as_deref(), Some("dark"));
        assert_eq!(
            cfg.theme.tokens,
            vec![
                ("primary".to_string(), "#0b6e4f".to_string()),
                ("radius".to_string(), "4px".to_string())
            ]
        );
        assert_eq!(cfg.brand_name.as_deref(), Some("Acme Inc"));
    }

    #[test]
    fn no_token_means_no_config() {
        assert_eq!(HubConfig::from_fragment(""), None);
        assert_eq!(HubConfig::from_fragment("#locale=fr"), None);
        assert_eq!(HubConfig::from_fragment("#token="), None);
    }

    #[test]
    fn broken_escapes_are_kept_not_panicked_on() {
        let cfg = HubConfig::from_fragment("#token=a%zz%4").expect("token present");
        assert_eq!(cfg.token, "a%zz%4");
    }
}
