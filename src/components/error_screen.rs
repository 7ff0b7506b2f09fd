//! A failed load or submit shown in place of a screen: an expired session, or a retry for
//! what may pass on a second try.

use leptos::prelude::*;

use crate::api::ApiError;
use crate::components::status::StatusScreen;
use crate::i18n::*;

/// What kind of failure a screen reports.
#[derive(Clone, Copy)]
enum Failure {
    Expired,
    Network,
    NotFound,
    Server,
    Refused,
}

/// The message for `error`, with a retry button when trying again may help.
#[component]
pub fn ErrorScreen(
    /// What went wrong.
    error: ApiError,
    /// Called by the retry button (shown only for network and server errors).
    on_retry: Callback<()>,
) -> impl IntoView {
    // Written once, in the hub's language: it is set before any request can fail (only the
    // embed code failing to load comes earlier, and is told in the browser's language).
    let locale = crate::locale::use_locale();
    let kind = match error {
        ApiError::SessionExpired => Failure::Expired,
        ApiError::Network => Failure::Network,
        ApiError::NotFound(_) => Failure::NotFound,
        ApiError::Refused(_) => Failure::Refused,
        _ => Failure::Server,
    };
    let title = match kind {
        Failure::Expired => td_string!(locale, session_expired_title).to_string(),
        Failure::Network => td_string!(locale, network_error_title).to_string(),
        Failure::NotFound => td_string!(locale, not_found_title).to_string(),
        Failure::Server => td_string!(locale, server_error_title).to_string(),
        Failure::Refused => td_string!(locale, backend_refused_title).to_string(),
    };
    let body = match kind {
        Failure::Expired => td_string!(locale, session_expired_body).to_string(),
        Failure::Network => td_string!(locale, network_error_body).to_string(),
        Failure::NotFound => td_string!(locale, not_found_body).to_string(),
        Failure::Server => td_string!(locale, server_error_body).to_string(),
        Failure::Refused => td_string!(locale, backend_refused_body).to_string(),
    };
    // The backend this page may not reach, for whoever is asked to fix the link or the
    // hub's policy (empty when the base was not a valid URL: nothing of it is echoed).
    let refused_origin = match &error {
        ApiError::Refused(origin) if !origin.is_empty() => {
            Some(view! { <p class="lh-status__body"><code>{origin.clone()}</code></p> })
        }
        _ => None,
    };
    if matches!(kind, Failure::Expired) {
        crate::host::emit(crate::host::HostEvent::SessionExpired);
    }
    // Embedded, the host can make a new session: hand control back to it.
    let restart = (matches!(kind, Failure::Expired) && crate::host::is_embedded()).then(|| {
        view! {
            <button
                type="button"
                class="lh-button lh-button--primary"
                on:click=move |_| {
                    crate::host::emit(crate::host::HostEvent::Exit);
                    crate::host::request_close();
                }
            >
                {td_string!(locale, session_expired_restart)}
            </button>
        }
    });
    let action = (matches!(kind, Failure::Expired) && !crate::host::is_embedded()).then(
        || view! { <p class="lh-status__body">{td_string!(locale, session_expired_action)}</p> },
    );
    let retry = error.is_retryable().then(|| {
        view! {
            <button type="button" class="lh-button lh-button--primary" on:click=move |_| on_retry.run(())>
                {td_string!(locale, retry)}
            </button>
        }
    });
    view! {
        <StatusScreen title=title body=body>
            {refused_origin}
            {action}
            {retry}
            {restart}
        </StatusScreen>
    }
}
