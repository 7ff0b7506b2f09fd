//! The widget's top level: reads the config, provides it and the translations, and shows
//! the screen the session calls for.

use leptos::prelude::*;

use linkhub_protocol::hub::ConnectorSummary;

use crate::api;
use crate::components::connector_list::ConnectorList;
use crate::components::connector_page::ConnectorPage;
use crate::components::error_screen::ErrorScreen;
use crate::components::status::StatusScreen;
use crate::config::{HubConfig, provide_config, use_config};
use crate::i18n::*;

/// The whole widget.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <I18nContextProvider>
            <Boot />
        </I18nContextProvider>
    }
}

/// How this page was opened.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // native builds are never embedded
enum Start {
    /// The standalone auth-link page: the config is in the URL fragment (or missing).
    Standalone(Option<HubConfig>),
    /// In the loader's iframe (`/embed#origin=…`): the config arrives from that origin.
    Embedded(String),
}

#[cfg(target_arch = "wasm32")]
fn start() -> Start {
    let location = web_sys::window().map(|w| w.location());
    let path = location
        .as_ref()
        .and_then(|l| l.pathname().ok())
        .unwrap_or_default();
    if path.trim_end_matches('/').ends_with("/embed") {
        let hash = location.and_then(|l| l.hash().ok()).unwrap_or_default();
        if let Some(origin) = crate::host::origin_from_fragment(&hash) {
            return Start::Embedded(origin);
        }
        return Start::Standalone(None);
    }
    Start::Standalone(crate::config::from_location())
}

#[cfg(not(target_arch = "wasm32"))]
fn start() -> Start {
    Start::Standalone(None)
}

/// Waits for the host's options when embedded, then shows the hub.
#[component]
fn Boot() -> impl IntoView {
    let i18n = use_i18n();
    match start() {
        Start::Standalone(config) => view! { <Hub config=config /> }.into_any(),
        Start::Embedded(origin) => {
            #[cfg(target_arch = "wasm32")]
            let config = LocalResource::new(move || crate::host::handshake(origin.clone()));
            #[cfg(not(target_arch = "wasm32"))]
            let config = {
                let _ = origin;
                LocalResource::new(|| async { None::<HubConfig> })
            };
            on_escape_close();
            view! {
                <Suspense fallback=move || {
                    view! {
                        <p class="lh-hub__loading" role="status">
                            {t!(i18n, loading_connectors)}
                        </p>
                    }
                }>{move || config.get().map(|config| view! { <Hub config=config /> })}</Suspense>
            }
            .into_any()
        }
    }
}

/// Embedded, Esc inside the frame closes the hub like Esc on the host page does.
fn on_escape_close() {
    #[cfg(target_arch = "wasm32")]
    {
        let handle = window_event_listener(leptos::ev::keydown, |ev| {
            if ev.key() == "Escape" && !ev.default_prevented() {
                crate::host::emit(crate::host::HostEvent::Exit);
                crate::host::request_close();
            }
        });
        on_cleanup(move || handle.remove());
    }
}

/// Chooses the locale from the config and shows the session's screens.
#[component]
pub fn Hub(config: Option<HubConfig>) -> impl IntoView {
    let i18n = use_i18n();
    let locale = crate::locale::choose(
        config.as_ref().and_then(|c| c.locale.as_deref()),
        crate::locale::browser_languages()
            .iter()
            .map(String::as_str),
    );
    // In an effect: the provider's own first effect sets its initial (browser) locale, and
    // this one, created after it, runs after it. The provider mirrors the locale into
    // `<html lang dir>`; the root below carries it too, so the widget's markup states its
    // language and direction on its own (and a style sheet can key off the root).
    Effect::new(move |_| i18n.set_locale(locale));
    let lang = move || i18n.get_locale().as_str();
    let dir = move || crate::locale::dir(i18n.get_locale());
    let Some(config) = config else {
        return view! {
            <main class="lh-hub" lang=lang dir=dir>
                <StatusScreen
                    title=move || t_string!(i18n, no_session_title).to_string()
                    body=move || t_string!(i18n, no_session_body).to_string()
                />
            </main>
        }
        .into_any();
    };
    apply_theme(config.theme.as_deref());
    // White-label: no linkhub branding (guides also drop their white-label-hidden sections).
    let whitelabel = config.whitelabel;
    provide_config(config);
    crate::host::emit(crate::host::HostEvent::Open);
    view! {
        <main class="lh-hub" lang=lang dir=dir>
            <header class="lh-hub__header">
                <h1 class="lh-hub__title">{t!(i18n, app_title)}</h1>
            </header>
            <ConnectorsScreen />
            {(!whitelabel).then(|| view! { <footer class="lh-hub__footer">{t!(i18n, powered_by)}</footer> })}
        </main>
    }
    .into_any()
}

/// Loads the session's connectors (and, at the same time, its settings) and shows the list,
/// or the one connector directly when the session allows only one.
#[component]
fn ConnectorsScreen() -> impl IntoView {
    let i18n = use_i18n();
    let cfg = use_config();
    let cfg2 = cfg.clone();
    let connectors = LocalResource::new(move || {
        let cfg = cfg.clone();
        async move { api::connectors(&cfg).await }
    });
    let settings = LocalResource::new(move || {
        let cfg = cfg2.clone();
        async move { api::settings(&cfg).await }
    });
    let retry = Callback::new(move |()| {
        connectors.refetch();
        settings.refetch();
    });
    view! {
        <Transition fallback=move || {
            view! {
                <p class="lh-hub__loading" role="status">
                    {t!(i18n, loading_connectors)}
                </p>
            }
        }>
            {move || {
                let list = connectors.get()?;
                let settings = settings.get()?;
                Some(match (list, settings) {
                    (Ok(list), Ok(settings)) => {
                        view! {
                            <Navigator
                                connectors=list.integrations
                                existing_account_id=settings.existing_account_id
                            />
                        }
                            .into_any()
                    }
                    (Err(err), _) | (_, Err(err)) => {
                        view! { <ErrorScreen error=err on_retry=retry /> }.into_any()
                    }
                })
            }}
        </Transition>
    }
}

/// List → connector page. The list stays mounted (hidden) while a connector is open, so the
/// search and filter are as the user left them on the way back.
#[component]
fn Navigator(
    /// Every connector of the session.
    connectors: Vec<ConnectorSummary>,
    /// Edit mode: the account this session edits.
    existing_account_id: Option<String>,
) -> impl IntoView {
    let active: Vec<ConnectorSummary> = connectors.iter().filter(|c| c.active).cloned().collect();
    if let [only] = active.as_slice() {
        // A session for one provider: no list to go back to.
        return view! {
            <ConnectorPage connector=only.clone() existing_account_id=existing_account_id />
        }
        .into_any();
    }
    let selected = RwSignal::new(None::<ConnectorSummary>);
    let on_select = Callback::new(move |c: ConnectorSummary| selected.set(Some(c)));
    let on_back = Callback::new(move |()| selected.set(None));
    let existing = StoredValue::new(existing_account_id);
    view! {
        <div class="lh-hub__list" style:display=move || selected.with(Option::is_some).then_some("none")>
            <ConnectorList connectors=connectors on_select=on_select />
        </div>
        {move || {
            selected
                .get()
                .map(|c| {
                    view! {
                        <ConnectorPage
                            connector=c
                            existing_account_id=existing.get_value()
                            on_back=on_back
                        />
                    }
                })
        }}
    }
    .into_any()
}

/// The theme a host or link asked for: `light` or `dark` pin the colour scheme (the style
/// sheet keys off `data-theme` on the root); `system`, nothing, or an unknown name follow the
/// system setting — an invalid value is ignored, never fatal.
pub fn theme_attribute(theme: Option<&str>) -> Option<&'static str> {
    match theme {
        Some("light") => Some("light"),
        Some("dark") => Some("dark"),
        _ => None,
    }
}

fn apply_theme(theme: Option<&str>) {
    #[cfg(target_arch = "wasm32")]
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = match theme_attribute(theme) {
            Some(t) => root.set_attribute("data-theme", t),
            None => root.remove_attribute("data-theme"),
        };
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = theme_attribute(theme);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::render_in;

    #[test]
    fn the_root_states_the_locale_and_arabic_runs_right_to_left() {
        let html = render_in(Locale::ar, || view! { <Hub config=None /> });
        assert!(html.contains("lang=\"ar\""), "{html}");
        assert!(html.contains("dir=\"rtl\""), "{html}");
        assert!(html.contains("هذا الرابط غير مكتمل"), "{html}");
        let html = render_in(Locale::ja, || view! { <Hub config=None /> });
        assert!(html.contains("lang=\"ja\""), "{html}");
        assert!(html.contains("dir=\"ltr\""), "{html}");
    }

    #[test]
    fn only_known_theme_names_pin_the_scheme() {
        assert_eq!(theme_attribute(Some("dark")), Some("dark"));
        assert_eq!(theme_attribute(Some("light")), Some("light"));
        assert_eq!(theme_attribute(Some("system")), None);
        assert_eq!(theme_attribute(Some("<script>")), None);
        assert_eq!(theme_attribute(None), None);
    }
}
