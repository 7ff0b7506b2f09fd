//! One connector's page: its guide beside the linking form (custom or OAuth), with the
//! connector's notices and support link.

use leptos::prelude::*;
use linkhub_protocol::config::NoticePosition;
use linkhub_protocol::hub::{ConnectorDetail, ConnectorSummary, HubAccount};

use crate::api::{self, ApiError};
use crate::components::error_screen::ErrorScreen;
use crate::components::guide::GuideView;
use crate::components::linking_form::LinkingForm;
use crate::components::notice::NoticeView;
use crate::config::use_config;
use crate::i18n::*;

/// Loads `GET /hub/connectors/{id}` (and, in edit mode, the account) and shows the page.
#[component]
pub fn ConnectorPage(
    /// The connector picked in the list (or the session's only one).
    connector: ConnectorSummary,
    /// Edit mode: the account this session edits.
    existing_account_id: Option<String>,
    /// Back to the list; `None` when there is no list (one-connector session).
    #[prop(optional)]
    on_back: Option<Callback<()>>,
    /// The connector's `GET /hub/connectors/{id}`, sent when the page opened (before this
    /// code was fetched).
    request: api::ConnectorRequest,
) -> impl IntoView {
    let locale = crate::locale::use_locale();
    let cfg = use_config();
    provide_context(crate::host::SelectedProvider(connector.provider.clone()));
    crate::host::emit(crate::host::HostEvent::SelectConnector {
        provider: connector.provider.clone(),
    });
    let page_id = StoredValue::new(connector.integration_id.clone());
    let handoff_panel = use_context::<crate::app::HandoffPanelSlot>();
    let args = StoredValue::new_local((cfg, existing_account_id, request));
    // The connector's own text (labels, descriptions, its validation messages) comes in the
    // widget's language where the catalog has it (the request's `?lang=`); English otherwise.
    // `None` while loading.
    let loaded = RwSignal::new(None::<Result<(ConnectorDetail, Option<HubAccount>), ApiError>>);
    let retry = crate::app::view_task(move || {
        loaded.set(None);
        let (cfg, account_id, request) = args.get_value();
        let id = page_id.get_value();
        async move {
            let answer = load(&cfg, &id, account_id.as_deref(), &request).await;
            loaded.set(Some(answer));
        }
    });
    let back = on_back.map(|cb| view! { <BackButton on_back=cb /> });
    let heading = NodeRef::<leptos::html::H2>::new();
    // Moving focus to the heading tells screen-reader and keyboard users the screen changed.
    // On the next frame: the page is built before it is put in the document (it arrives
    // from its wasm chunk before the view shows it), and a detached heading cannot take focus.
    Effect::new(move |_| {
        if let Some(h) = heading.get() {
            request_animation_frame(move || {
                let _ = h.focus();
            });
        }
    });
    let logo = connector.logo_url.clone();
    view! {
        <article class="lh-page" aria-labelledby="lh-page-title">
            <header class="lh-page__header">
                {back}
                <div class="lh-page__title-row">
                    {logo.map(|src| view! { <img class="lh-page__logo" src=src alt="" width="40" height="40" /> })}
                    <h2 id="lh-page-title" class="lh-page__title" tabindex="-1" node_ref=heading>
                        {connector.name.clone()}
                    </h2>
                </div>
            </header>
            {move || match loaded.get() {
                None => crate::app::loading(td!(locale, loading_connector)).into_any(),
                Some(Ok((detail, account))) => {
                    // Extension: a link for a colleague who holds the credentials (not when
                    // editing).
                    let handoff = handoff_panel
                        .filter(|_| account.is_none())
                        .map(|panel| (panel.0)(detail.config.key.clone(), detail.config.name.clone()));
                    view! {
                        <ConnectorBody detail=detail integration_id=page_id.get_value() account=account />
                        {handoff}
                    }
                        .into_any()
                }
                Some(Err(err)) => view! { <ErrorScreen error=err on_retry=retry /> }.into_any(),
            }}
        </article>
    }
}

/// "Back to providers" (or to the checklist, or to "Your connections": the screen the page
/// was opened from, which is where it returns).
#[component]
pub fn BackButton(
    /// Called on click.
    on_back: Callback<()>,
) -> impl IntoView {
    let locale = crate::locale::use_locale();
    let to = crate::nav::use_nav().map_or(crate::nav::Screen::List, |n| n.back_screen());
    let label = match to {
        crate::nav::Screen::Checklist => td_string!(locale, onb_back_checklist),
        crate::nav::Screen::Connections => td_string!(locale, onb_back_connections),
        _ => td_string!(locale, back),
    };
    view! {
        <button type="button" class="lh-button lh-page__back" on:click=move |_| on_back.run(())>
            <span class="lh-icon--flip" aria-hidden="true">"←"</span>
            " "
            {label}
        </button>
    }
}

/// The connector's detail and, when this session edits an account of this connector, the
/// account (both asked for at once).
async fn load(
    cfg: &crate::config::HubConfig,
    integration_id: &str,
    account_id: Option<&str>,
    request: &api::ConnectorRequest,
) -> Result<(ConnectorDetail, Option<HubAccount>), ApiError> {
    let account = async {
        match account_id {
            Some(id) => api::account(cfg, id).await.map(Some),
            None => Ok(None),
        }
    };
    let (detail, account) = futures_util::future::join(api::connector(cfg, request), account).await;
    let detail = detail?;
    let account =
        account?.filter(|a| a.integration_id == integration_id || a.provider == detail.config.key);
    Ok((detail, account))
}

/// The loaded page: notices, guide, form, support.
#[component]
pub fn ConnectorBody(
    /// `GET /hub/connectors/{id}`.
    detail: ConnectorDetail,
    /// The id the connector was listed under (sent back when linking).
    #[prop(into)]
    integration_id: String,
    /// The account being edited, if any.
    account: Option<HubAccount>,
) -> impl IntoView {
    let locale = crate::locale::use_locale();
    let config = detail.config;
    let unanchored = |position: NoticePosition| {
        config
            .config_notices
            .iter()
            .filter(|n| n.anchor.is_none() && n.position == position)
            .cloned()
            .map(|n| view! { <NoticeView notice=n /> })
            .collect_view()
    };
    let top = unanchored(NoticePosition::Top);
    let bottom = unanchored(NoticePosition::Bottom);
    let guide = config
        .guide
        .clone()
        .map(|g| view! { <GuideView guide=g /> });
    let support = config
        .support
        .clone()
        .filter(|s| is_safe_href(&s.link))
        .map(|s| {
            let name = config.name.clone();
            view! {
                <p class="lh-page__support">
                    <a href=s.link target="_blank" rel="noopener noreferrer">
                        {td!(locale, support_link, name = crate::text::isolated(name.clone()))}
                        <span class="lh-visually-hidden">" " {td!(locale, opens_new_tab)}</span>
                    </a>
                    " "
                    <span class="lh-page__support-text">{s.description}</span>
                </p>
            }
        });
    // One form for both kinds: an `oauth2` connector's fields go with it to the provider.
    let action = view! {
        <LinkingForm
            config=config.clone()
            integration_id=integration_id
            account=account
            checked=detail.credential_check
        />
    };
    view! {
        <div class="lh-page__body">
            {top}
            <div class="lh-page__columns">
                {guide}
                <div class="lh-page__action">{action}</div>
            </div>
            {bottom}
            {support}
        </div>
    }
}

/// Links the widget renders: http, https and mailto only (the importer already drops the
/// rest; this guards configs from other sources).
pub fn is_safe_href(href: &str) -> bool {
    let lower = href.trim().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("mailto:")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_and_mail_links_are_safe() {
        assert!(is_safe_href("https://docs.dagster.io"));
        assert!(is_safe_href("mailto:help@example.com"));
        assert!(!is_safe_href("javascript:alert(1)"));
        assert!(!is_safe_href(" JavaScript:alert(1)"));
        assert!(!is_safe_href("data:text/html,x"));
    }
}
