//! The entry of the onboarding chunk (`app::onboarding_part`): the checklist, "Your
//! connections", and the links above the connector list that lead to them.

use leptos::prelude::*;
use linkhub_protocol::onboarding::extension;

use crate::api;
use crate::components::checklist::Checklist;
use crate::components::connections::Connections;
use crate::config::use_config;
use crate::i18n::*;
use crate::nav::{Part, Screen, use_nav};

/// The view of one part.
pub fn view(part: Part) -> AnyView {
    match part {
        Part::Checklist => view! { <Checklist /> }.into_any(),
        Part::Connections => view! { <Connections /> }.into_any(),
        Part::ListHeader => view! { <ListHeader /> }.into_any(),
    }
}

/// Above the connector list: back to the checklist (with a plan), and "Your connections"
/// once the owner has an account (checked again each time the list is shown).
#[component]
pub fn ListHeader() -> impl IntoView {
    let locale = crate::locale::use_locale();
    let Some(nav) = use_nav() else {
        return ().into_any();
    };
    let cfg = StoredValue::new(use_config());
    let has_accounts = RwSignal::new(false);
    if nav.offers(extension::OWNER_ACCOUNTS) {
        Effect::new(move |_| {
            if nav.screen.with(|s| *s == Screen::List) {
                let cfg = cfg.get_value();
                leptos::task::spawn_local(async move {
                    if let Ok(list) = api::owner_accounts(&cfg).await {
                        has_accounts.try_set(!list.accounts.is_empty());
                    }
                });
            }
        });
    }
    let back = nav.onboarding.then(|| {
        view! {
            <button type="button" class="lh-button lh-page__back" on:click=move |_| nav.home()>
                <span class="lh-icon--flip" aria-hidden="true">"←"</span>
                " "
                {td!(locale, onb_back_checklist)}
            </button>
        }
    });
    view! {
        <nav class="lh-hub__nav" aria-label=td_string!(locale, onb_nav_label)>
            {back}
            <Show when=move || has_accounts.get()>
                <button type="button" class="lh-button" on:click=move |_| nav.open_connections()>
                    {td!(locale, onb_connections_link)}
                </button>
            </Show>
        </nav>
    }
    .into_any()
}
