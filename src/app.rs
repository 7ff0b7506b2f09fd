//! The widget's top level: reads the config, provides it and the translations, and shows
//! the screen the session calls for.

use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::components::connector_list::ConnectorList;
use crate::components::status::StatusScreen;
use crate::config::{HubConfig, provide_config, use_config};
use crate::i18n::*;

/// The whole widget.
#[component]
pub fn App() -> impl IntoView {
    let config = read_config();
    view! {
        <I18nContextProvider>
            <Hub config=config />
        </I18nContextProvider>
    }
}

#[cfg(target_arch = "wasm32")]
fn read_config() -> Option<HubConfig> {
    crate::config::from_location()
}

#[cfg(not(target_arch = "wasm32"))]
fn read_config() -> Option<HubConfig> {
    None
}

/// Chooses the locale from the config and shows the session's screens.
#[component]
pub fn Hub(config: Option<HubConfig>) -> impl IntoView {
    let i18n = use_i18n();
    if let Some(locale) = config
        .as_ref()
        .and_then(|c| c.locale.as_deref())
        .and_then(|l| l.parse::<Locale>().ok())
    {
        i18n.set_locale(locale);
    }
    let Some(config) = config else {
        return view! {
            <main class="lh-hub">
                <StatusScreen
                    title=move || t_string!(i18n, no_session_title).to_string()
                    body=move || t_string!(i18n, no_session_body).to_string()
                />
            </main>
        }
        .into_any();
    };
    provide_config(config);
    view! {
        <main class="lh-hub">
            <header class="lh-hub__header">
                <h1 class="lh-hub__title">{t!(i18n, app_title)}</h1>
            </header>
            <ConnectorsScreen />
            <footer class="lh-hub__footer">{t!(i18n, powered_by)}</footer>
        </main>
    }
    .into_any()
}

/// Loads the session's connectors and lists them, or says why it can't.
#[component]
fn ConnectorsScreen() -> impl IntoView {
    let i18n = use_i18n();
    let cfg = use_config();
    let connectors = LocalResource::new(move || {
        let cfg = cfg.clone();
        async move { api::connectors(&cfg).await }
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
                connectors
                    .get()
                    .map(|result| match result {
                        Ok(list) => view! { <ConnectorList connectors=list.integrations /> }.into_any(),
                        Err(err) => view! { <ErrorScreen error=err on_retry=move || connectors.refetch() /> }.into_any(),
                    })
            }}
        </Transition>
    }
}

/// A failed load: an expired session, or a retry for what may pass on a second try.
#[component]
fn ErrorScreen(error: ApiError, on_retry: impl Fn() + Send + Sync + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let kind = match error {
        ApiError::SessionExpired => Failure::Expired,
        ApiError::Network => Failure::Network,
        _ => Failure::Server,
    };
    let title = move || match kind {
        Failure::Expired => t_string!(i18n, session_expired_title).to_string(),
        Failure::Network => t_string!(i18n, network_error_title).to_string(),
        Failure::Server => t_string!(i18n, server_error_title).to_string(),
    };
    let body = move || match kind {
        Failure::Expired => t_string!(i18n, session_expired_body).to_string(),
        Failure::Network => t_string!(i18n, network_error_body).to_string(),
        Failure::Server => t_string!(i18n, server_error_body).to_string(),
    };
    let retry = error.is_retryable().then(|| {
        view! {
            <button type="button" class="lh-button lh-button--primary" on:click=move |_| on_retry()>
                {t!(i18n, retry)}
            </button>
        }
    });
    view! {
        <StatusScreen title=title body=body>
            {retry}
        </StatusScreen>
    }
}

/// What kind of failure a screen reports.
#[derive(Clone, Copy)]
enum Failure {
    Expired,
    Network,
    Server,
}
