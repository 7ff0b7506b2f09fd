//! The end of a successful link: which provider, which account.

use leptos::prelude::*;

use crate::i18n::*;

/// A linked (or updated) account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Linked {
    /// The account id the server gave it.
    pub id: String,
    /// The provider's display name.
    pub provider: String,
    /// An existing account was updated (edit mode) rather than created.
    pub updated: bool,
}

/// The success screen, announced to screen readers.
#[component]
pub fn SuccessScreen(
    /// What was linked.
    linked: Linked,
) -> impl IntoView {
    let locale = crate::locale::use_locale();
    let Linked {
        id,
        provider,
        updated,
    } = linked;
    crate::host::emit(crate::host::HostEvent::Success {
        account_id: id.clone(),
        provider: crate::host::selected_provider(),
    });
    // With a plan (or after a reconnect from "Your connections") the hub goes back there.
    if let Some(nav) = crate::nav::use_nav() {
        nav.linked();
    }
    let provider2 = provider.clone();
    let heading = NodeRef::<leptos::html::H3>::new();
    // The form is gone: focus the result's heading.
    Effect::new(move |_| {
        if let Some(h) = heading.get() {
            let _ = h.focus();
        }
    });
    view! {
        <section class="lh-status lh-status--success" role="status" aria-live="polite">
            <h3 class="lh-status__title" tabindex="-1" node_ref=heading>
                {move || {
                    if updated {
                        td_string!(locale, updated_title).to_string()
                    } else {
                        td_string!(locale, success_title).to_string()
                    }
                }}
            </h3>
            <p class="lh-status__body">
                {if updated {
                    td!(locale, updated_body, provider = crate::text::isolated(provider.clone())).into_any()
                } else {
                    td!(locale, success_body, provider = crate::text::isolated(provider.clone())).into_any()
                }}
            </p>
            <dl class="lh-status__facts">
                <dt>{td!(locale, provider_label)}</dt>
                <dd>{provider2}</dd>
                <dt>{td!(locale, account_id_label)}</dt>
                <dd><code data-testid="account-id">{id}</code></dd>
            </dl>
        </section>
    }
}
