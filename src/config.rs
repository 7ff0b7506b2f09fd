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
    /// Base URL of the Hub API (no trailing slash): empty means this page's own origin, else
    /// a URL [`parse_base`] accepted (the host's `baseUrl`, an auth link's `base`).
    pub base_url: String,
    /// The base URL asked for was not one [`parse_base`] accepts: the widget sends nothing
    /// (no token, no credentials) and says the backend is not allowed.
    pub base_refused: bool,
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
    /// The backend checks credentials with the provider before it stores them
    /// (`credential_checks` in `GET /hub/settings`'s `extensions`), set once the settings
    /// are loaded.
    pub credential_checks: bool,
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
                "base" => cfg.set_base(&value),
                _ => {}
            }
        }
        (!cfg.token.is_empty()).then_some(cfg)
    }

    /// Full URL of an API path such as `/hub/connectors`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Takes the base URL a host or a link asked for: an empty one keeps this page's own
    /// origin, an invalid one refuses every call (never a fallback to somewhere else).
    pub fn set_base(&mut self, raw: &str) {
        if raw.trim().is_empty() {
            return;
        }
        match parse_base(raw) {
            Some(base) => self.base_url = base,
            None => {
                self.base_url.clear();
                self.base_refused = true;
            }
        }
    }

    /// `scheme://host[:port]` of the API base; empty for this page's own origin.
    pub fn api_origin(&self) -> &str {
        origin_of(&self.base_url)
    }
}

/// `scheme://host[:port]` of a URL [`parse_base`] returned.
pub fn origin_of(base: &str) -> &str {
    let Some(at) = base.find("://") else {
        return "";
    };
    match base[at + 3..].find('/') {
        Some(slash) => &base[..at + 3 + slash],
        None => base,
    }
}

/// The API base URL a host (`baseUrl`) or an auth link (`base`) names, checked and written
/// in one canonical form: an absolute `https:` URL, or `http:` on a loopback host
/// (`localhost`, `127.x.x.x`, `[::1]`), with an ASCII host, an optional port and an optional
/// plain path; no user name or password, query or fragment, nothing the browser would read
/// differently from this check (backslashes, `.`/`..` segments, escapes). `None` for
/// anything else: the widget then sends nothing anywhere.
///
/// What a page may reach is enforced by the browser, from the Content-Security-Policy's
/// `connect-src`; this check makes sure the origin the policy judges is the one the host or
/// link wrote, and that the token never travels over plain HTTP off the machine.
pub fn parse_base(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let (scheme, rest) = raw.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "https" && scheme != "http" {
        return None;
    }
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => {
            let (inner, after) = v6.split_once(']')?;
            let ok = !inner.is_empty()
                && inner
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.'));
            if !ok {
                return None;
            }
            (format!("[{}]", inner.to_ascii_lowercase()), after)
        }
        None => {
            let (host, port) = match authority.find(':') {
                Some(i) => authority.split_at(i),
                None => (authority, ""),
            };
            let labels_ok = !host.is_empty()
                && host.split('.').all(|l| {
                    !l.is_empty()
                        && !l.starts_with('-')
                        && !l.ends_with('-')
                        && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                });
            if !labels_ok {
                return None;
            }
            (host.to_ascii_lowercase(), port)
        }
    };
    let port = match port.strip_prefix(':') {
        None if port.is_empty() => None,
        None => return None,
        Some(p) => {
            let n: u16 = (!p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| p.parse().ok())
                .flatten()?;
            (n != 0).then_some(n)?;
            // The browser drops a scheme's default port from the origin: so does this.
            let default = if scheme == "https" { 443 } else { 80 };
            (n != default).then_some(n)
        }
    };
    let path = path.trim_end_matches('/');
    let path_ok = path.split('/').skip(1).all(|seg| {
        !seg.is_empty()
            && seg != "."
            && seg != ".."
            && seg
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
    });
    if !path_ok {
        return None;
    }
    if scheme == "http" && !is_loopback(&host) {
        return None;
    }
    let port = port.map(|p| format!(":{p}")).unwrap_or_default();
    Some(format!("{scheme}://{host}{port}{path}"))
}

/// A host name or address that never leaves the machine.
fn is_loopback(host: &str) -> bool {
    if host == "localhost" || host.ends_with(".localhost") || host == "[::1]" {
        return true;
    }
    let parts: Vec<&str> = host.split('.').collect();
    parts.len() == 4
        && parts[0] == "127"
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.parse::<u8>().is_ok())
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
    fn a_base_is_an_https_url_or_http_on_loopback_in_canonical_form() {
        for (raw, want) in [
            ("https://api.example.com", "https://api.example.com"),
            ("https://API.Example.com/", "https://api.example.com"),
            (
                "HTTPS://api.example.com:443/v1/",
                "https://api.example.com/v1",
            ),
            (
                "https://api.example.com:8443/hub-proxy",
                "https://api.example.com:8443/hub-proxy",
            ),
            ("http://127.0.0.1:5000", "http://127.0.0.1:5000"),
            ("http://localhost:80", "http://localhost"),
            ("http://[::1]:9000/", "http://[::1]:9000"),
            ("  https://a.example ", "https://a.example"),
        ] {
            assert_eq!(parse_base(raw).as_deref(), Some(want), "{raw}");
        }
    }

    #[test]
    fn a_base_that_could_send_the_token_elsewhere_is_refused() {
        for raw in [
            "",
            "api.example.com",
            "//api.example.com",
            "/hub",
            "javascript:alert(1)",
            "data:text/plain,x",
            "ftp://api.example.com",
            // Plain HTTP off the machine: the token would cross the network in clear.
            "http://api.example.com",
            "http://10.0.0.1",
            "http://127.0.0.1.evil.example",
            "http://localhost.evil.example",
            // Credentials or look-alikes: the browser's origin would differ from this one's.
            "https://api.example.com@evil.example",
            "https://user:pw@api.example.com",
            "https://evil.example\\@api.example.com",
            "https://api.example.com?x=1",
            "https://api.example.com#x",
            "https://api.example.com/%2e%2e/x",
            "https://api.example.com/a/../b",
            "https://api.example.com//x",
            "https://api.example.com:",
            "https://api.example.com:99999",
            "https://api.example.com:0",
            "https://-bad.example",
            "https://exa mple.com",
            "https://bücher.example",
            "https://[::1",
        ] {
            assert_eq!(parse_base(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn an_auth_link_s_base_is_checked_and_a_bad_one_refuses_everything() {
        let cfg = HubConfig::from_fragment("#token=t&base=https%3A%2F%2Fapi.example.com%2F")
            .expect("token present");
        assert_eq!(cfg.base_url, "https://api.example.com");
        assert!(!cfg.base_refused);
        assert_eq!(cfg.api_origin(), "https://api.example.com");
        assert_eq!(
            cfg.url("/hub/settings"),
            "https://api.example.com/hub/settings"
        );

        let own = HubConfig::from_fragment("#token=t&base=").expect("token present");
        assert_eq!((own.base_url.as_str(), own.base_refused), ("", false));

        let bad = HubConfig::from_fragment("#token=t&base=http%3A%2F%2Fevil.example")
            .expect("token present");
        assert_eq!(bad.base_url, "");
        assert!(
            bad.base_refused,
            "an invalid base never falls back to another origin"
        );
        // A valid base after an invalid one does not undo the refusal.
        let mixed = HubConfig::from_fragment("#token=t&base=javascript:x&base=https://a.example")
            .expect("token present");
        assert!(mixed.base_refused);
    }

    #[test]
    fn origin_of_a_base_drops_its_path() {
        assert_eq!(
            origin_of("https://a.example:8443/v1/x"),
            "https://a.example:8443"
        );
        assert_eq!(origin_of("http://127.0.0.1:5"), "http://127.0.0.1:5");
        assert_eq!(origin_of(""), "");
    }

    #[test]
    fn broken_escapes_are_kept_not_panicked_on() {
        let cfg = HubConfig::from_fragment("#token=a%zz%4").expect("token present");
        assert_eq!(cfg.token, "a%zz%4");
    }
}
