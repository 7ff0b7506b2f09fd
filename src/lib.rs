//! The linkhub widget: a Leptos (CSR) single-page app that lists the connectors a session
//! allows, walks the user through each connector's guide, and links the account.
//!
//! Layout: `config` (what the widget was opened with), `api` (the one HTTP client and its
//! error type; no view code), `host` (all messaging with an embedding page), `locale` (which language to show), `form` (the linking form's rules; no view code), `browser`
//! (panic-free wrappers over browser APIs), `app` (screens), `components/` (one file per
//! component).

#![recursion_limit = "256"]

// The macro form keeps the build free of ICU data crates; its build.rs successor pulls them in.
#[allow(deprecated)]
mod i18n_gen {
    leptos_i18n::load_locales!();
}
pub use i18n_gen::i18n;

pub mod api;
pub mod app;
pub mod browser;
pub mod components;
pub mod config;
pub mod form;
pub mod host;
pub mod locale;
pub mod nav;
pub mod text;
pub mod theme;

#[cfg(test)]
mod test_support;

/// Mounts the widget into `<body>`; called once by `main` in the browser. (No panic hook:
/// the release build panics with `-Cpanic=immediate-abort`, which traps without calling
/// one; see `SIZE_FLAGS` in `xtask/src/build.rs`.)
#[cfg(target_arch = "wasm32")]
pub fn start() {
    leptos::mount::mount_to_body(app::App);
}

#[cfg(test)]
mod locale_tests {
    /// Every locale must have exactly the keys of English. `build.rs` already fails the build
    /// otherwise; this keeps the rule visible (and checked) in the test suite too.
    #[test]
    fn every_locale_has_the_same_keys() {
        use leptos_i18n::Locale as _;
        let read = |name: &str| -> std::collections::BTreeSet<String> {
            let path = format!("{}/locales/{name}.json", env!("CARGO_MANIFEST_DIR"));
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            let map: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
            map.keys().cloned().collect()
        };
        for locale in crate::i18n::Locale::get_all() {
            assert_eq!(
                read("en"),
                read(locale.as_str()),
                "locales/{}.json",
                locale.as_str()
            );
        }
    }
}
