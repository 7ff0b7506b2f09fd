//! The linkhub widget: a Leptos (CSR) single-page app that lists the connectors a session
//! allows, walks the user through each connector's guide, and links the account.
//!
//! Layout: `config` (what the widget was opened with), `api` (the one HTTP client and its
//! error type; no view code), `app` (screens), `components/` (one file per component).

// The macro form keeps the build free of ICU data crates; its build.rs successor pulls them in.
#[allow(deprecated)]
mod i18n_gen {
    leptos_i18n::load_locales!();
}
pub use i18n_gen::i18n;

pub mod api;
pub mod app;
pub mod components;
pub mod config;

/// Mounts the widget into `<body>`; called once by `main` in the browser.
#[cfg(target_arch = "wasm32")]
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
