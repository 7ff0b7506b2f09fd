//! The widget's top level: reads the config, provides it and the translations, and shows
//! the screen the session calls for.

use leptos::prelude::*;

use linkhub_protocol::guide::combine_scopes;
use linkhub_protocol::hub::{ConnectorList, ConnectorSummary};
use linkhub_protocol::onboarding::extension;

use crate::api;
use crate::components::connector_list::ConnectorList;
use crate::components::connector_page::{BackButton, ConnectorPage};
use crate::components::error_screen::ErrorScreen;
use crate::components::status::StatusScreen;
use crate::config::{ConfigContext, HubConfig, provide_config, use_config};
use crate::i18n::*;
use crate::nav::{Nav, Part, Screen};
use crate::theme::{Brand, Mode, ThemeInput};

/// The whole widget.
#[component]
pub fn App() -> impl IntoView {
    view! { <Boot /> }
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
    // `/embed` as the reference server serves it, or as a static host does: `/embed/`
    // (`embed/index.html`), `/embed.html`.
    let page = path
        .trim_end_matches("index.html")
        .trim_end_matches(".html")
        .trim_end_matches('/');
    if page.ends_with("/embed") {
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
    // Until the hub knows its config, the browser's languages decide (the embedded frame's
    // "Loading…" and its errors).
    let locale = crate::locale::for_browser(None);
    provide_context(locale);
    crate::locale::mark_document(locale);
    match start() {
        Start::Standalone(config) => view! { <Hub config=config /> }.into_any(),
        Start::Embedded(origin) => {
            // `None` until the host has answered (or the handshake gave up).
            let config = RwSignal::new(None::<Result<Option<HubConfig>, ChunkError>>);
            let origin = StoredValue::new(origin);
            let retry = view_task(move || {
                config.set(None);
                async move {
                    let answer = match embed_handshake(origin.get_value()).await {
                        Ok(handshake) => Ok(handshake.await),
                        Err(err) => Err(err),
                    };
                    config.set(Some(answer));
                }
            });
            on_escape_close();
            (move || match config.get() {
                None => loading(td!(locale, loading_connectors)).into_any(),
                Some(Ok(config)) => view! { <Hub config=config /> }.into_any(),
                Some(Err(ChunkError)) => {
                    view! { <ErrorScreen error=api::ApiError::Network on_retry=retry /> }.into_any()
                }
            })
            .into_any()
        }
    }
}

/// The host's options, once it has sent them. Only an embedded widget talks to a host, so
/// this code (reading the loader's `init` message and its JSON options) is a chunk of its
/// own that the standalone page never fetches.
#[leptos::wasm_split::wasm_split(
    embed_handshake,
    wasm_split_path = ::leptos::wasm_split,
    fallible
)]
fn embed_handshake(
    origin: String,
) -> Result<std::pin::Pin<Box<dyn Future<Output = Option<HubConfig>>>>, ChunkError> {
    #[cfg(target_arch = "wasm32")]
    return Ok(Box::pin(crate::host::handshake(origin)));
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = origin;
        Ok(Box::pin(async { None }))
    }
}

/// Starts the work a view waits for (`start` resets what it shows and returns the task),
/// and returns the callback that starts it again (a "Try again" button).
///
/// Every run belongs to the view that called this, also a run started from an event handler
/// later: when that view goes away, the task stops and its requests are aborted (their
/// futures are dropped).
///
/// (The widget's one way of loading what a view shows: no async resources, transitions or
/// actions, whose machinery would be one more thing in every wasm module that used it.)
pub(crate) fn view_task<F, Fut>(start: F) -> Callback<()>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + 'static,
{
    let owner = Owner::current();
    let run = Callback::new(move |()| {
        let task = start();
        match &owner {
            Some(owner) => owner.with(|| leptos::task::spawn_local_scoped_with_cancellation(task)),
            None => leptos::task::spawn_local(task),
        }
    });
    run.run(());
    run
}

/// The status line shown while something loads (announced politely by screen readers).
pub(crate) fn loading(text: impl IntoView + 'static) -> impl IntoView {
    view! { <p class="lh-hub__loading" role="status">{text}</p> }
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
    let locale = crate::locale::for_browser(config.as_ref().and_then(|c| c.locale.as_deref()));
    // The hub's language is chosen once, here: every text below is written in it, without
    // reactive text. The page (`<html lang dir>`) and the root below both state it, so the
    // widget's markup carries its language and direction on its own (and a style sheet can
    // key off the root).
    provide_context(locale);
    crate::locale::mark_document(locale);
    let (lang, dir) = (locale.as_str(), crate::locale::dir(locale));
    let Some(mut config) = config else {
        return view! {
            <main class="lh-hub" lang=lang dir=dir>
                <StatusScreen
                    title=move || td_string!(locale, no_session_title).to_string()
                    body=move || td_string!(locale, no_session_body).to_string()
                />
            </main>
        }
        .into_any();
    };
    apply_host_theme(&config.theme);
    let (brand, warnings) =
        crate::theme::brand(config.brand_name.as_deref(), config.brand_logo.as_deref());
    for warning in &warnings {
        leptos::logging::warn!("linkhub: {warning}");
    }
    // White-label: no linkhub branding (guides also drop their white-label-hidden sections).
    let whitelabel = config.whitelabel;
    let class = if config.modal {
        "lh-hub lh-hub--modal"
    } else {
        "lh-hub"
    };
    config.locale = Some(locale.as_str().to_string());
    provide_config(config);
    crate::host::emit(crate::host::HostEvent::Open);
    view! {
        <main class=class lang=lang dir=dir>
            <header class="lh-hub__header">
                <BrandMark brand=brand whitelabel=whitelabel />
                <h1 class="lh-hub__title">{td!(locale, app_title)}</h1>
            </header>
            <ConnectorsScreen />
            {(!whitelabel).then(|| view! { <footer class="lh-hub__footer">{td!(locale, powered_by)}</footer> })}
        </main>
    }
    .into_any()
}

/// Whose hub this is: the host's logo and name when it gave them, else linkhub's mark
/// (nothing when white-labelled). The logo is decorative next to the visible name.
#[component]
fn BrandMark(
    /// The host's validated brand.
    brand: Option<Brand>,
    /// No linkhub branding.
    whitelabel: bool,
) -> impl IntoView {
    let locale = crate::locale::use_locale();
    match brand {
        Some(Brand { name, logo }) => Some(
            view! {
                <p class="lh-brand">
                    {logo.map(|src| view! { <img class="lh-brand__logo" src=src alt="" /> })}
                    <span class="lh-brand__name">{name}</span>
                </p>
            }
            .into_any(),
        ),
        None if whitelabel => None,
        None => Some(
            view! {
                <p class="lh-brand">
                    <svg class="lh-brand__logo lh-brand__logo--ours" viewBox="0 0 32 32" aria-hidden="true">
                        <rect width="32" height="32" rx="8" />
                        <path d="M11 9v14h10" />
                    </svg>
                    <span class="lh-brand__name">{td!(locale, linkhub_name)}</span>
                </p>
            }
            .into_any(),
        ),
    }
}

/// Loads the session's connectors (and, at the same time, its settings) and shows the list,
/// or the one connector directly when the session allows only one. The requests are aborted
/// if the screen goes away first.
#[component]
fn ConnectorsScreen() -> impl IntoView {
    let locale = crate::locale::use_locale();
    let cfg = StoredValue::new(use_config());
    let shared_cfg = use_context::<ConfigContext>();
    // `None` while loading.
    let loaded = RwSignal::new(None::<Result<(ConnectorList, api::Settings), api::ApiError>>);
    let retry = view_task(move || {
        loaded.set(None);
        async move {
            let cfg = cfg.get_value();
            let (list, settings) =
                futures_util::future::join(api::connectors(&cfg), api::settings(&cfg)).await;
            // The host backend's scopes (on the connect session) join the page's own, before
            // any guide is shown: the guides read them from the config.
            if let (Some(ctx), Ok(settings)) = (shared_cfg, &settings)
                && !settings.scopes.is_empty()
            {
                ctx.0
                    .update_value(|c| c.scopes = combine_scopes(&c.scopes, &settings.scopes));
            }
            // Whether the backend checks credentials with the provider (the form says so).
            if let (Some(ctx), Ok(settings)) = (shared_cfg, &settings) {
                let checks = settings
                    .extensions
                    .iter()
                    .any(|e| e == linkhub_protocol::onboarding::extension::CREDENTIAL_CHECKS);
                ctx.0.update_value(|c| c.credential_checks = checks);
            }
            loaded.set(Some(list.and_then(|list| Ok((list, settings?)))));
        }
    });
    // Opening a connector is what nearly every user came for, and a deep link opens one at
    // once: the connector page's code is fetched from the start, beside the session's
    // requests rather than after them (on a phone network, a click or a deep link then
    // waits for a chunk already on its way, not for one just asked for). Asked for after
    // those requests, so they go first on the browser's few connections to the server.
    #[cfg(target_arch = "wasm32")]
    preload_page();
    move || match loaded.get() {
        None => loading(td!(locale, loading_connectors)).into_any(),
        Some(Ok((list, settings))) => view! {
            <Navigator connectors=list.integrations settings=settings />
        }
        .into_any(),
        Some(Err(err)) => view! { <ErrorScreen error=err on_retry=retry /> }.into_any(),
    }
}

/// The hub's screens: the list and a connector's page, and with a backend's extensions the
/// onboarding checklist and the owner's connections. The list (and the checklist) stay
/// mounted, hidden, while another screen is on show, so the search and filter are as the
/// user left them on the way back. A backend without extensions gets exactly the list and
/// the connector page.
#[component]
fn Navigator(
    /// Every connector of the session.
    connectors: Vec<ConnectorSummary>,
    /// `GET /hub/settings` as the first screen reads it.
    settings: api::Settings,
) -> impl IntoView {
    let active: Vec<ConnectorSummary> = connectors.iter().filter(|c| c.active).cloned().collect();
    // A session for one provider (a colleague's hand-off link among them) opens on it, plan
    // or not: there is nothing else to connect.
    let plan = settings.has_plan() && active.len() != 1;
    let existing = settings.existing_account_id.clone();
    let nav = Nav::new(
        connectors.clone(),
        settings.extensions,
        plan,
        settings.existing_account_id,
    );
    provide_context(nav);
    if nav.offers(extension::HANDOFFS) {
        provide_context(HandoffPanelSlot(|provider, name| {
            lazy_handoff(provider, name).into_any()
        }));
    }
    if let [only] = active.as_slice() {
        // A session for one provider: no list to go back to.
        return lazy_page(only.clone(), existing, None).into_any();
    }
    let on_select = Callback::new(move |c: ConnectorSummary| nav.open_page(&c, None));
    let on_back = Callback::new(move |()| {
        nav.back();
        // Back on the list (shown again on the next frame): focus its heading.
        if nav.screen.with_untracked(|s| *s == Screen::List) {
            focus_on_next_frame("lh-list-heading");
        }
    });
    // (The connector page's code is on its way since the hub started: see `ConnectorsScreen`.
    // Pointer and focus on the list ask again if that fetch failed.)
    let hidden_unless =
        move |screen: Screen| move || nav.screen.with(|s| *s != screen).then_some("none");
    // The way to the checklist and to "Your connections", above the list (from the
    // onboarding chunk, fetched only when the backend offers them).
    let list_header =
        (plan || nav.offers(extension::OWNER_ACCOUNTS)).then(|| lazy_part(Part::ListHeader, true));
    view! {
        <div
            class="lh-hub__list"
            style:display=hidden_unless(Screen::List)
            on:pointerover=move |_| preload_page()
            on:focusin=move |_| preload_page()
        >
            {list_header}
            <ConnectorList connectors=connectors on_select=on_select category=nav.category />
        </div>
        {plan.then(|| view! {
            <div class="lh-hub__checklist" style:display=hidden_unless(Screen::Checklist)>
                {lazy_part(Part::Checklist, false)}
            </div>
        })}
        // Redrawn on every change of screen, which is always to another one.
        {move || match nav.screen.get() {
            Screen::Page { connector, account } => nav
                .connector_at(connector)
                .map(|c| lazy_page(c, account, Some(on_back)).into_any()),
            Screen::Connections => Some(lazy_part(Part::Connections, false).into_any()),
            Screen::Checklist | Screen::List => None,
        }}
    }
    .into_any()
}

/// Moves focus to the element with this id on the next frame (once a screen shown again
/// is laid out).
pub fn focus_on_next_frame(id: &'static str) {
    #[cfg(target_arch = "wasm32")]
    request_animation_frame(move || {
        use wasm_bindgen::JsCast;
        if let Some(h) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(id))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = h.focus();
        }
    });
    #[cfg(not(target_arch = "wasm32"))]
    let _ = id;
}

/// The connector page. Its code (guide, linking form, OAuth, the connector definition's
/// deserializers) is a separate wasm chunk that the release build splits off (see
/// `xtask/src/build.rs`), so the first screen loads only what the list needs. The chunk is
/// fetched as the hub starts, beside the session's first requests (again when the pointer
/// or keyboard focus reaches the list if that failed: [`preload_page`]), or at the latest
/// when a connector opens. If it cannot be fetched, the network-error screen offers a retry
/// (which fetches it again) and the way back to the list.
fn lazy_page(
    connector: ConnectorSummary,
    existing_account_id: Option<String>,
    on_back: Option<Callback<()>>,
) -> impl IntoView {
    // The connector's answer is asked for now, while the chunk is fetched, not after it.
    let request = api::ConnectorRequest::start(
        &use_config(),
        &connector.integration_id,
        crate::locale::use_locale().as_str(),
        crate::nav::use_nav().is_some_and(|n| n.offers(extension::CONNECTOR_LANG)),
    );
    let args = StoredValue::new_local((connector, existing_account_id, request));
    lazy_view(
        std::sync::Arc::new(move || {
            let (connector, existing, request) = args.get_value();
            Box::pin(connector_page(connector, existing, on_back, request))
        }),
        Some(td_string!(crate::locale::use_locale(), loading_connector)),
        on_back,
    )
}

/// A part of the onboarding screens, from their chunk (the checklist, "Your connections",
/// the list's header links). `quiet`: a header link shows nothing while it loads or when
/// its code cannot be fetched.
fn lazy_part(part: Part, quiet: bool) -> impl IntoView {
    let loading = (!quiet).then(|| td_string!(crate::locale::use_locale(), loading_connectors));
    lazy_view(
        std::sync::Arc::new(move || Box::pin(onboarding_part(part))),
        loading,
        None,
    )
}

/// Fetches a chunk and builds its view (one type for every chunk: one copy of the loader).
type ChunkLoader = std::sync::Arc<
    dyn Fn() -> std::pin::Pin<Box<dyn Future<Output = Result<AnyView, ChunkError>>>> + Send + Sync,
>;

/// A view from a wasm chunk: "loading" (`loading`'s text) until `load` has fetched it; if
/// it cannot be fetched, the network-error screen offers a retry (which fetches it again)
/// and the way back (`on_back`). Without a loading text nothing shows until it is ready,
/// nor when it fails.
fn lazy_view(
    load: ChunkLoader,
    loading_text: Option<&'static str>,
    on_back: Option<Callback<()>>,
) -> impl IntoView {
    #[derive(Clone, Copy, PartialEq)]
    enum Stage {
        Loading,
        Failed,
        Ready,
    }
    let stage = RwSignal::new(Stage::Loading);
    // The view, from its chunk: taken by the view once it is ready.
    let page = StoredValue::new_local(None::<AnyView>);
    let retry = view_task(move || {
        stage.set(Stage::Loading);
        let fut = load();
        async move {
            match fut.await {
                Ok(view) => {
                    page.set_value(Some(view));
                    stage.set(Stage::Ready);
                }
                Err(ChunkError) => stage.set(Stage::Failed),
            }
        }
    });
    move || match (stage.get(), loading_text) {
        (Stage::Ready, _) => page.try_update_value(Option::take).flatten().into_any(),
        (_, None) => ().into_any(),
        (Stage::Loading, Some(text)) => loading(text).into_any(),
        (Stage::Failed, Some(_)) => view! {
            {on_back.map(|cb| view! { <BackButton on_back=cb /> })}
            <ErrorScreen error=api::ApiError::Network on_retry=retry />
        }
        .into_any(),
    }
}

/// Starts fetching the connector page's chunk without waiting for it (a user about to
/// choose a connector). Calls while it is in flight or loaded do nothing; after a failed
/// fetch, the next call tries again.
pub fn preload_page() {
    use std::sync::atomic::{AtomicU8, Ordering};
    const IDLE: u8 = 0;
    const BUSY: u8 = 1;
    static STATE: AtomicU8 = AtomicU8::new(IDLE);
    if STATE
        .compare_exchange(IDLE, BUSY, Ordering::Relaxed, Ordering::Relaxed)
        .is_err()
    {
        return;
    }
    leptos::task::spawn_local(async {
        // Success leaves the state busy for good: the chunk is there.
        if preload_connector_page().await.is_err() {
            STATE.store(IDLE, Ordering::Relaxed);
        }
    });
}

/// A chunk of the widget's code could not be fetched.
#[derive(Clone, Copy, Debug)]
pub struct ChunkError;

impl From<leptos::wasm_split::SplitLoaderError> for ChunkError {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        ChunkError
    }
}

/// The split point: everything only this function reaches goes to the `connector_page` chunk.
/// (`fallible`: a failed fetch is an `Err`, never a panic.)
#[leptos::wasm_split::wasm_split(
    connector_page,
    wasm_split_path = ::leptos::wasm_split,
    fallible,
    preload(preload_connector_page)
)]
fn connector_page(
    connector: ConnectorSummary,
    existing_account_id: Option<String>,
    on_back: Option<Callback<()>>,
    request: api::ConnectorRequest,
) -> Result<AnyView, ChunkError> {
    Ok(match on_back {
        Some(on_back) => view! {
            <ConnectorPage connector=connector existing_account_id=existing_account_id on_back=on_back request=request />
        }
        .into_any(),
        None => view! {
            <ConnectorPage connector=connector existing_account_id=existing_account_id request=request />
        }
        .into_any(),
    })
}

/// How a connector page gets its hand-off panel (`provider`, `name`): given by the hub when
/// the backend offers hand-offs. The page's own code never names the panel's chunk: a build
/// that is not split (the browser tests') has no loader for one.
#[derive(Clone, Copy)]
pub struct HandoffPanelSlot(pub fn(String, String) -> AnyView);

/// A connector page's hand-off panel (extension `handoffs`: a link for a colleague who holds
/// the credentials), from a chunk of its own. The page asks for it once it shows its form,
/// so a user who links the account themselves never waits for it; nothing shows while it
/// loads, or if it cannot be fetched.
fn lazy_handoff(provider: String, name: String) -> impl IntoView {
    let args = StoredValue::new((provider, name));
    lazy_view(
        std::sync::Arc::new(move || {
            let (provider, name) = args.get_value();
            Box::pin(handoff_panel(provider, name))
        }),
        None,
        None,
    )
}

/// The split point of the hand-off panel (see [`lazy_handoff`]).
#[leptos::wasm_split::wasm_split(handoff, wasm_split_path = ::leptos::wasm_split, fallible)]
fn handoff_panel(provider: String, name: String) -> Result<AnyView, ChunkError> {
    Ok(
        view! { <crate::components::handoff::HandoffPanel provider=provider name=name /> }
            .into_any(),
    )
}

/// The split point of the onboarding screens (checklist, "Your connections", the list's
/// header links): a chunk that only sessions of a backend with these extensions fetch.
#[leptos::wasm_split::wasm_split(onboarding, wasm_split_path = ::leptos::wasm_split, fallible)]
fn onboarding_part(part: Part) -> Result<AnyView, ChunkError> {
    Ok(crate::components::onboarding::view(part))
}

/// The host's theme, when the config has one (a plain auth link has none). The code that
/// validates and applies it is a chunk of its own, fetched only then (5.3 KB gzip off the
/// first screen). The page stays invisible until the theme is applied, so the hub never
/// shows in the default colours first; but for at most a second, and if the chunk cannot be
/// fetched the hub shows in the default look (the console says why).
fn apply_host_theme(theme: &ThemeInput) {
    if *theme == ThemeInput::default() {
        return;
    }
    conceal_page(true);
    let theme = theme.clone();
    leptos::task::spawn_local(async move {
        if apply_theme(theme).await.is_err() {
            leptos::logging::warn!(
                "linkhub: the theme code could not be loaded; showing the default look"
            );
        }
        conceal_page(false);
    });
    set_timeout(|| conceal_page(false), std::time::Duration::from_secs(1));
}

/// Hides (or shows again) the hub's page while its theme is being applied.
fn conceal_page(hidden: bool) {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        let root = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(root) = root {
            let style = root.style();
            let _ = if hidden {
                style.set_property("visibility", "hidden")
            } else {
                style.remove_property("visibility").map(|_| ())
            };
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = hidden;
}

/// Applies the theme to the widget root (the document element of the hub's own page): the
/// scheme as `data-theme`, each validated token with `style.setProperty`. Every option that
/// was dropped is reported on the console, naming it; none is fatal.
#[leptos::wasm_split::wasm_split(host_theme, wasm_split_path = ::leptos::wasm_split, fallible)]
fn apply_theme(input: ThemeInput) -> Result<(), ChunkError> {
    let theme = crate::theme::resolve(&input);
    for warning in &theme.warnings {
        leptos::logging::warn!("linkhub: {warning}");
    }
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        else {
            return Ok(());
        };
        let _ = match theme.mode.and_then(Mode::attribute) {
            Some(t) => root.set_attribute("data-theme", t),
            None => root.remove_attribute("data-theme"),
        };
        if let Ok(root) = root.dyn_into::<web_sys::HtmlElement>() {
            let style = root.style();
            for (property, value) in &theme.properties {
                let _ = style.set_property(property, value);
            }
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = theme.mode.map(Mode::attribute);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{render, render_in};

    #[test]
    fn the_root_states_the_host_s_locale_and_arabic_runs_right_to_left() {
        let hub = |locale: &str| {
            let config = HubConfig {
                token: "t".into(),
                locale: Some(locale.into()),
                ..HubConfig::default()
            };
            render(move || view! { <Hub config=Some(config) /> })
        };
        let html = hub("ar");
        assert!(html.contains("lang=\"ar\" dir=\"rtl\""), "{html}");
        assert!(
            html.contains("ربط"),
            "the hub's own words are Arabic: {html}"
        );
        let html = hub("ja-JP");
        assert!(html.contains("lang=\"ja\" dir=\"ltr\""), "{html}");
        // A language the widget does not have: the browser's (none natively), then English.
        let html = hub("tlh");
        assert!(html.contains("lang=\"en\" dir=\"ltr\""), "{html}");
    }

    #[test]
    fn without_a_session_the_page_says_so_in_the_browser_s_language() {
        // Natively there is no browser language: English, whatever the surrounding context.
        let html = render_in(Locale::ar, || view! { <Hub config=None /> });
        assert!(html.contains("lang=\"en\""), "{html}");
        assert!(html.contains("This link is incomplete"), "{html}");
    }

    #[test]
    fn a_host_brand_replaces_linkhub_s_mark_with_a_decorative_logo() {
        let brand = Brand {
            name: "Acme Inc".into(),
            logo: Some("https://acme.example/logo.svg".into()),
        };
        let html = render(move || view! { <BrandMark brand=Some(brand) whitelabel=false /> });
        assert!(html.contains("Acme Inc"), "{html}");
        assert!(
            html.contains("src=\"https://acme.example/logo.svg\" alt=\"\""),
            "the visible name is the text alternative: {html}"
        );
        assert!(!html.contains("lh-brand__logo--ours"), "{html}");

        let ours = render(|| view! { <BrandMark brand=None whitelabel=false /> });
        assert!(
            ours.contains("lh-brand__logo--ours") && ours.contains(">linkhub<"),
            "{ours}"
        );

        let none = render(|| view! { <BrandMark brand=None whitelabel=true /> });
        assert!(
            !none.contains("lh-brand"),
            "white-label shows no mark: {none}"
        );
    }
}
