//! "Your connections": the session owner's linked accounts (extension `GET /hub/accounts`),
//! with their status and last update, a Reconnect for an account in error (the connector
//! page in edit mode), Disconnect behind a confirmation dialog, and Connect another.

use leptos::prelude::*;
use linkhub_protocol::api::AccountStatus;
use linkhub_protocol::onboarding::OwnerAccount;

use crate::api::{self, ApiError};
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::error_screen::ErrorScreen;
use crate::config::use_config;
use crate::i18n::*;
use crate::nav::use_nav;
use crate::text::isolated;

/// An account's name as the screen shows it: its label, else its connector's name.
pub fn account_name(account: &OwnerAccount) -> String {
    account
        .label
        .clone()
        .filter(|l| !l.trim().is_empty())
        .unwrap_or_else(|| account.provider_name.clone())
}

/// The screen: loads the owner's accounts, and again after a disconnect.
#[component]
pub fn Connections() -> impl IntoView {
    let locale = crate::locale::use_locale();
    let nav = use_nav();
    let cfg = StoredValue::new(use_config());
    let accounts = RwSignal::new(None::<Result<Vec<OwnerAccount>, ApiError>>);
    let reload = Callback::new(move |()| {
        let cfg = cfg.get_value();
        leptos::task::spawn_local(async move {
            let answer = api::owner_accounts(&cfg).await.map(|l| l.accounts);
            accounts.try_set(Some(answer));
        });
    });
    reload.run(());
    // Said after a disconnect (or its failure).
    let said = RwSignal::new(String::new());
    let asking = RwSignal::new(None::<OwnerAccount>);
    let busy = RwSignal::new(false);
    let heading = NodeRef::<leptos::html::H2>::new();
    Effect::new(move |_| {
        if let Some(h) = heading.get() {
            request_animation_frame(move || {
                let _ = h.focus();
            });
        }
    });
    let confirm = Callback::new(move |()| {
        let Some(account) = asking.get_untracked() else {
            return;
        };
        busy.set(true);
        let cfg = cfg.get_value();
        leptos::task::spawn_local(async move {
            let answer = api::disconnect_account(&cfg, &account.id).await;
            busy.try_set(false);
            let name = account_name(&account);
            let message = match answer {
                Ok(()) => td_string!(locale, onb_disconnected).replace("{name}", &name),
                Err(_) => td_string!(locale, onb_disconnect_failed).replace("{name}", &name),
            };
            said.try_set(message);
            asking.try_set(None);
            reload.run(());
            if let Some(h) = heading.get_untracked() {
                let _ = h.focus();
            }
        });
    });
    let cancel = Callback::new(move |()| {
        let opener = asking.get_untracked().map(|a| disconnect_id(&a.id));
        asking.set(None);
        if let Some(id) = opener {
            focus_id(id);
        }
    });
    let dialog_title = Signal::derive(move || {
        asking.with(|a| {
            a.as_ref()
                .map(|a| {
                    td_string!(locale, onb_disconnect_title).replace("{name}", &account_name(a))
                })
                .unwrap_or_default()
        })
    });
    let back = nav.map(|n| {
        view! {
            <button type="button" class="lh-button lh-page__back" on:click=move |_| n.home()>
                <span class="lh-icon--flip" aria-hidden="true">"←"</span>
                " "
                {if n.onboarding {
                    td!(locale, onb_back_checklist).into_any()
                } else {
                    td!(locale, back).into_any()
                }}
            </button>
        }
    });
    let list = move || {
        accounts.get().map(|answer| match answer {
            Ok(list) if list.is_empty() => {
                view! { <p class="lh-list__empty">{td!(locale, onb_no_accounts)}</p> }.into_any()
            }
            Ok(list) => view! {
                <ul class="lh-accounts">
                    {list
                        .into_iter()
                        .map(|a| view! { <AccountRow account=a on_disconnect=Callback::new(move |a| asking.set(Some(a))) /> })
                        .collect_view()}
                </ul>
            }
            .into_any(),
            Err(err) => view! { <ErrorScreen error=err on_retry=reload /> }.into_any(),
        })
    };
    view! {
        <section class="lh-connections" aria-labelledby="lh-connections-heading">
            <header class="lh-page__header">
                {back}
                <h2 id="lh-connections-heading" class="lh-page__title" tabindex="-1" node_ref=heading>
                    {td!(locale, onb_connections_heading)}
                </h2>
            </header>
            <p class="lh-checklist__progress" role="status" aria-live="polite">{said}</p>
            {move || {
                accounts
                    .with(Option::is_none)
                    .then(|| view! { <p class="lh-hub__loading">{td!(locale, loading_connectors)}</p> })
            }}
            {list}
            {nav.map(|n| view! {
                <p class="lh-checklist__more">
                    <button type="button" class="lh-button lh-button--primary" on:click=move |_| {
                        n.open_list();
                        crate::app::focus_on_next_frame("lh-list-heading");
                    }>
                        {td!(locale, onb_connect_another)}
                    </button>
                </p>
            })}
            <ConfirmDialog
                open=Signal::derive(move || asking.with(Option::is_some))
                title=dialog_title
                body=Signal::derive(move || td_string!(locale, onb_disconnect_body).to_string())
                confirm=td_string!(locale, onb_disconnect).to_string()
                on_confirm=confirm
                on_cancel=cancel
                busy=busy
            />
        </section>
    }
}

/// The DOM id of an account's Disconnect button (focus returns there when the dialog is
/// cancelled).
fn disconnect_id(account_id: &str) -> String {
    format!("lh-disconnect-{account_id}")
}

/// Focuses the element with this id, if it is there.
fn focus_id(id: String) {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(&id))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = id;
}

/// One account: connector, label, status (with its reasons), last update and actions.
#[component]
pub fn AccountRow(
    /// The account.
    account: OwnerAccount,
    /// Asks to disconnect it.
    on_disconnect: Callback<OwnerAccount>,
) -> impl IntoView {
    let locale = crate::locale::use_locale();
    let nav = use_nav();
    let (status_text, status_class) = match account.status {
        AccountStatus::Active => (td_string!(locale, onb_status_active), "active"),
        AccountStatus::Inactive => (td_string!(locale, onb_status_inactive), "inactive"),
        AccountStatus::Error => (td_string!(locale, onb_status_error), "error"),
    };
    let updated = crate::browser::format_date_time(&account.updated_at, locale.as_str());
    let name_id = format!("lh-account-{}", account.id);
    let reasons = (account.status == AccountStatus::Error).then(|| {
        account
            .status_reasons
            .iter()
            .filter_map(|r| r.description.clone())
            .map(|d| view! { <li>{d}</li> })
            .collect_view()
    });
    let reconnect = (account.status == AccountStatus::Error)
        .then(|| {
            nav.and_then(|n| {
                n.connector(&account.provider, Some(&account.integration_id))
                    .map(|c| (n, c))
            })
        })
        .flatten()
        .map(|(n, connector)| {
            let id = account.id.clone();
            view! {
                <button
                    type="button"
                    class="lh-button lh-button--primary"
                    aria-describedby=name_id.clone()
                    on:click=move |_| n.open_page(&connector, Some(id.clone()))
                >
                    {td!(locale, onb_reconnect)}
                </button>
            }
        });
    let label = account
        .label
        .clone()
        .filter(|l| !l.trim().is_empty())
        .map(|l| view! { <p class="lh-account__label">{l}</p> });
    let asked = account.clone();
    view! {
        <li class="lh-account" data-provider=account.provider.clone()>
            <div class="lh-step__text">
                <h3 class="lh-step__title" id=name_id.clone()>{account.provider_name.clone()}</h3>
                {label}
                <p class=format!("lh-step__state lh-step__state--{status_class}")>{status_text}</p>
                {reasons.map(|r| view! { <ul class="lh-account__reasons">{r}</ul> })}
                <p class="lh-step__detail">{td!(locale, onb_updated, date = isolated(updated))}</p>
            </div>
            <div class="lh-step__actions">
                {reconnect}
                <button
                    type="button"
                    class="lh-button"
                    id=disconnect_id(&account.id)
                    aria-describedby=name_id
                    on:click=move |_| on_disconnect.run(asked.clone())
                >
                    {td!(locale, onb_disconnect)}
                </button>
            </div>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use linkhub_protocol::api::StatusReason;
    use linkhub_protocol::hub::ConnectorSummary;

    use super::*;
    use crate::nav::Nav;
    use crate::test_support::render;

    fn account(status: AccountStatus) -> OwnerAccount {
        OwnerAccount {
            id: "acc_7".into(),
            provider: "dagster".into(),
            provider_name: "Dagster".into(),
            integration_id: "int_dagster".into(),
            label: Some("Prod".into()),
            status,
            status_reasons: vec![StatusReason {
                code: Some("credentials_refused".into()),
                description: Some("Dagster no longer accepts these credentials.".into()),
                timestamp: None,
                extra: Default::default(),
            }],
            logo_url: None,
            created_at: "2026-12-01T10:00:00Z".into(),
            updated_at: "2026-12-02T10:00:00Z".into(),
            last_checked_at: None,
            via_handoff: false,
        }
    }

    fn row(status: AccountStatus, with_connector: bool) -> String {
        render(move || {
            let connectors = with_connector
                .then(|| ConnectorSummary {
                    active: true,
                    name: "Dagster".into(),
                    provider: "dagster".into(),
                    category: "iam".into(),
                    version: None,
                    authentication_config_key: None,
                    environment: None,
                    integration_id: "int_dagster".into(),
                    logo_url: None,
                })
                .into_iter()
                .collect();
            provide_context(Nav::new(connectors, vec![], false, None));
            view! { <AccountRow account=account(status) on_disconnect=Callback::new(|_| {}) /> }
        })
    }

    #[test]
    fn an_account_in_error_shows_its_reasons_and_a_reconnect() {
        let html = row(AccountStatus::Error, true);
        assert!(html.contains("Needs attention"), "{html}");
        assert!(
            html.contains("Dagster no longer accepts these credentials."),
            "{html}"
        );
        assert!(html.contains(">Reconnect<"), "{html}");
        assert!(html.contains("id=\"lh-disconnect-acc_7\""), "{html}");
        assert!(html.contains("Prod"), "the label: {html}");
        assert!(html.contains("Updated"), "{html}");
        // Without its connector in this session there is no page to reconnect on.
        assert!(!row(AccountStatus::Error, false).contains(">Reconnect<"));
    }

    #[test]
    fn an_active_account_shows_no_reasons_and_no_reconnect() {
        let html = row(AccountStatus::Active, true);
        assert!(html.contains(">Active<"), "{html}");
        assert!(!html.contains("no longer accepts"), "{html}");
        assert!(!html.contains(">Reconnect<"), "{html}");
        assert_eq!(account_name(&account(AccountStatus::Active)), "Prod");
    }
}
