//! Browser tests: components mounted into a real headless Chromium page.
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use linkhub::components::connector_list::ConnectorList;
use linkhub::i18n::I18nContextProvider;
use linkhub_protocol::hub::ConnectorSummary;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn connector(name: &str, category: &str) -> ConnectorSummary {
    ConnectorSummary {
        active: true,
        name: name.into(),
        provider: name.to_lowercase(),
        category: category.into(),
        version: None,
        authentication_config_key: None,
        environment: None,
        integration_id: name.to_lowercase(),
        logo_url: None,
    }
}

fn container() -> web_sys::HtmlElement {
    let doc = document();
    let el = doc
        .create_element("div")
        .expect("create div")
        .dyn_into::<web_sys::HtmlElement>()
        .expect("div is an HtmlElement");
    doc.body().expect("body").append_child(&el).expect("append");
    el
}

/// A connector list with these connectors, mounted for the rest of the test.
fn mount_list(list: Vec<ConnectorSummary>) -> web_sys::HtmlElement {
    let root = container();
    let handle = leptos::mount::mount_to(root.clone(), move || {
        view! {
            <I18nContextProvider>
                <ConnectorList connectors=list />
            </I18nContextProvider>
        }
    });
    handle.forget();
    root
}

fn names(root: &web_sys::HtmlElement) -> Vec<String> {
    let nodes = root
        .query_selector_all(".lh-connector__name")
        .expect("query");
    (0..nodes.length())
        .filter_map(|i| nodes.item(i))
        .filter_map(|n| n.text_content())
        .collect()
}

#[wasm_bindgen_test]
async fn lists_connector_names_and_filters_as_you_type() {
    let root = mount_list(vec![
        connector("Dagster", "data"),
        connector("Oneflow", "documents"),
        connector("BambooHR", "hris"),
    ]);
    leptos::task::tick().await;
    assert_eq!(names(&root), vec!["Dagster", "Oneflow", "BambooHR"]);

    let input: web_sys::HtmlInputElement = root
        .query_selector("input[type=search]")
        .expect("query")
        .expect("a search box")
        .dyn_into()
        .expect("an input");
    input.set_value("dag");
    let ev = web_sys::Event::new("input").expect("event");
    input.dispatch_event(&ev).expect("dispatch");
    leptos::task::tick().await;
    assert_eq!(names(&root), vec!["Dagster"]);

    input.set_value("zzz");
    input
        .dispatch_event(&web_sys::Event::new("input").expect("event"))
        .expect("dispatch");
    leptos::task::tick().await;
    assert!(names(&root).is_empty());
    let empty = root
        .query_selector(".lh-list__empty")
        .expect("query")
        .and_then(|e| e.text_content())
        .unwrap_or_default();
    assert!(
        empty.contains("zzz"),
        "no-match message names the query: {empty}"
    );
}

#[wasm_bindgen_test]
async fn a_long_list_shows_a_page_and_more_on_request_with_focus_on_the_first_added() {
    use linkhub::components::connector_list::PAGE;
    let root = mount_list(
        (0..PAGE + 7)
            .map(|i| connector(&format!("Tool {i:03}"), "data"))
            .collect(),
    );
    leptos::task::tick().await;
    assert_eq!(names(&root).len(), PAGE);
    let more: web_sys::HtmlElement = root
        .query_selector(".lh-list__more")
        .expect("query")
        .expect("a show-more button")
        .dyn_into()
        .expect("a button");
    assert_eq!(more.text_content().unwrap_or_default(), "Show 7 more");
    more.click();
    leptos::task::tick().await;
    leptos::task::tick().await;
    assert_eq!(names(&root).len(), PAGE + 7);
    assert!(
        root.query_selector(".lh-list__more")
            .expect("query")
            .is_none()
    );
    let focused = document()
        .active_element()
        .and_then(|e| e.text_content())
        .unwrap_or_default();
    assert!(
        focused.contains(&format!("Tool {PAGE:03}")),
        "focus on the first connector added, not {focused:?}"
    );
}

#[wasm_bindgen_test]
fn reads_the_session_from_the_fragment() {
    let cfg = linkhub::config::HubConfig::from_fragment("#token=t0k&locale=fr").expect("config");
    assert_eq!(cfg.token, "t0k");
    assert_eq!(cfg.locale.as_deref(), Some("fr"));
}

// ---------------------------------------------------------------------------------------
// The linking form: rules and states in a real browser (the browser's own RegExp).

use linkhub::browser::BrowserPatterns;
use linkhub::components::linking_form::LinkingForm;
use linkhub_protocol::config::ConnectorConfig;
use linkhub_protocol::hub::HubAccount;
use linkhub_protocol::validate::PatternMatcher;

fn zendesk_config() -> ConnectorConfig {
    serde_json::from_value(serde_json::json!({
        "key": "zendesk", "name": "Zendesk", "type": "custom",
        "preview": "https://{subdomain}.zendesk.com",
        "configFields": [
            {"key": "subdomain", "label": "Subdomain", "type": "text", "required": true,
             "validation": {"type": "html-pattern", "pattern": "[a-z0-9]([a-z0-9\\-]{0,61}[a-z0-9])?",
                            "error": "Only the subdomain, in lowercase."}},
            {"key": "auth_method", "label": "Method", "type": "select", "required": true,
             "value": "api_token",
             "options": [{"label": "API token", "value": "api_token"}, {"label": "Password", "value": "password"}]},
            {"key": "api_token", "label": "API token", "type": "password", "required": true, "secret": true,
             "condition": {"field": "auth_method", "equals": "api_token"}},
            {"key": "password", "label": "Password", "type": "password", "required": true, "secret": true,
             "condition": {"field": "auth_method", "equals": "password"}},
            {"key": "region", "label": "Region", "type": "text", "display": false, "value": "eu"}
        ],
        "configNotices": [
            {"key": "pw", "type": "warning", "description": "Passwords are deprecated.", "position": "top", "anchor": "auth_method"}
        ]
    }))
    .expect("config")
}

fn mount_form(account: Option<HubAccount>) -> web_sys::HtmlElement {
    let root = container();
    let config = zendesk_config();
    let handle = leptos::mount::mount_to(root.clone(), move || {
        view! {
            <I18nContextProvider>
                <LinkingForm config=config integration_id="zendesk" account=account />
            </I18nContextProvider>
        }
    });
    handle.forget();
    root
}

fn el(root: &web_sys::HtmlElement, selector: &str) -> web_sys::HtmlElement {
    root.query_selector(selector)
        .expect("query")
        .unwrap_or_else(|| panic!("no {selector}"))
        .dyn_into()
        .expect("an HtmlElement")
}

fn attr(root: &web_sys::HtmlElement, selector: &str, name: &str) -> Option<String> {
    el(root, selector).get_attribute(name)
}

async fn type_into(root: &web_sys::HtmlElement, selector: &str, value: &str) {
    let input: web_sys::HtmlInputElement = el(root, selector).dyn_into().expect("input");
    input.set_value(value);
    input
        .dispatch_event(&web_sys::Event::new("input").expect("event"))
        .expect("dispatch");
    leptos::task::tick().await;
}

async fn blur(root: &web_sys::HtmlElement, selector: &str) {
    el(root, selector)
        .dispatch_event(&web_sys::Event::new("blur").expect("event"))
        .expect("dispatch");
    leptos::task::tick().await;
}

fn text(root: &web_sys::HtmlElement, selector: &str) -> String {
    el(root, selector).text_content().unwrap_or_default()
}

fn is_hidden(root: &web_sys::HtmlElement, selector: &str) -> bool {
    el(root, selector).has_attribute("hidden")
}

#[wasm_bindgen_test]
fn browser_regexp_has_html_pattern_semantics() {
    let m = BrowserPatterns;
    assert_eq!(
        m.whole_match("user:[0-9a-f]{32}", "user:0afb128e57084fce8fd15c62d75e4bd6"),
        Ok(true)
    );
    assert_eq!(
        m.whole_match("[a-z]+", "abc1"),
        Ok(false),
        "anchored at the end"
    );
    assert_eq!(
        m.whole_match("[a-z]+", "1abc"),
        Ok(false),
        "anchored at the start"
    );
    assert_eq!(
        m.whole_match("a|b", "ab"),
        Ok(false),
        "alternation is grouped before anchoring"
    );
    assert!(
        m.whole_match("(", "x").is_err(),
        "a broken pattern is an error, not a panic"
    );
}

#[wasm_bindgen_test]
async fn errors_show_after_blur_and_clear_while_typing() {
    let root = mount_form(None);
    leptos::task::tick().await;
    let input = "#lh-field-subdomain";
    type_into(&root, input, "Acme Corp").await;
    assert!(
        is_hidden(&root, "#lh-field-subdomain-error"),
        "no error before the first blur"
    );
    blur(&root, input).await;
    assert_eq!(
        text(&root, "#lh-field-subdomain-error"),
        "Only the subdomain, in lowercase."
    );
    assert_eq!(attr(&root, input, "aria-invalid").as_deref(), Some("true"));
    assert!(
        attr(&root, input, "aria-describedby")
            .unwrap_or_default()
            .contains("lh-field-subdomain-error")
    );
    type_into(&root, input, "acme").await;
    assert!(is_hidden(&root, "#lh-field-subdomain-error"));
    assert_eq!(attr(&root, input, "aria-invalid").as_deref(), Some("false"));
    assert_eq!(
        text(&root, ".lh-preview__value"),
        "https://acme.zendesk.com"
    );
}

#[wasm_bindgen_test]
async fn submit_shows_every_required_error_without_a_request() {
    let root = mount_form(None);
    leptos::task::tick().await;
    let form = el(&root, "form");
    form.dispatch_event(&web_sys::Event::new("submit").expect("event"))
        .expect("dispatch");
    leptos::task::tick().await;
    assert_eq!(
        text(&root, "#lh-field-subdomain-error"),
        "This field is required."
    );
    assert_eq!(
        text(&root, "#lh-field-api_token-error"),
        "This field is required."
    );
    // The hidden conditional field is not checked.
    assert!(is_hidden(&root, "[data-field=password]"));
    assert!(text(&root, ".lh-form__banner").contains("need your attention"));
}

#[wasm_bindgen_test]
async fn conditional_fields_follow_the_select_and_hidden_fields_never_show() {
    let root = mount_form(None);
    leptos::task::tick().await;
    assert!(!is_hidden(&root, "[data-field=api_token]"));
    assert!(is_hidden(&root, "[data-field=password]"));
    assert!(is_hidden(&root, "[data-field=region]"), "display:false");
    let select: web_sys::HtmlSelectElement = el(&root, "#lh-field-auth_method")
        .dyn_into()
        .expect("select");
    select.set_value("password");
    select
        .dispatch_event(&web_sys::Event::new("change").expect("event"))
        .expect("dispatch");
    leptos::task::tick().await;
    assert!(is_hidden(&root, "[data-field=api_token]"));
    assert!(!is_hidden(&root, "[data-field=password]"));
    // The anchored notice sits in its field and describes it.
    assert!(text(&root, "[data-field=auth_method]").contains("Passwords are deprecated."));
    assert!(
        attr(&root, "#lh-field-auth_method", "aria-describedby")
            .unwrap_or_default()
            .contains("lh-notice-pw")
    );
}

#[wasm_bindgen_test]
async fn secrets_are_masked_with_a_labelled_toggle() {
    let root = mount_form(None);
    leptos::task::tick().await;
    let input = "#lh-field-api_token";
    assert_eq!(attr(&root, input, "type").as_deref(), Some("password"));
    assert_eq!(
        attr(&root, input, "autocomplete").as_deref(),
        Some("new-password")
    );
    assert_eq!(attr(&root, input, "spellcheck").as_deref(), Some("false"));
    let toggle = "button[aria-controls=lh-field-api_token]";
    assert_eq!(
        attr(&root, toggle, "aria-label").as_deref(),
        Some("Show API token"),
        "the toggle names its field, its visible word first"
    );
    assert_eq!(text(&root, toggle), "Show");
    el(&root, toggle).click();
    leptos::task::tick().await;
    assert_eq!(attr(&root, input, "type").as_deref(), Some("text"));
    assert_eq!(text(&root, toggle), "Hide");
    assert_eq!(
        attr(&root, toggle, "aria-label").as_deref(),
        Some("Hide API token")
    );
}

#[wasm_bindgen_test]
async fn edit_mode_shows_redacted_secrets_until_edit() {
    let account: HubAccount = serde_json::from_value(serde_json::json!({
        "secureId": "acc_1", "provider": "zendesk", "integrationId": "zendesk",
        "setupInformation": {"subdomain": "acme", "auth_method": "api_token"},
        "secrets": {"api_token": "__secretvalue:**redacted**x9Z2"}
    }))
    .expect("account");
    let root = mount_form(Some(account));
    leptos::task::tick().await;
    let field = "[data-field=api_token]";
    assert!(text(&root, field).contains("Saved value ending in x9Z2"));
    assert!(is_hidden(&root, &format!("{field} .lh-field__control")));
    el(&root, &format!("{field} .lh-field__redacted button")).click();
    leptos::task::tick().await;
    assert!(!is_hidden(&root, &format!("{field} .lh-field__control")));
    let input: web_sys::HtmlInputElement =
        el(&root, "#lh-field-api_token").dyn_into().expect("input");
    assert_eq!(
        input.value(),
        "",
        "the redacted placeholder is never put in an input"
    );
    assert_eq!(text(&root, "button[type=submit]"), "Save changes");
}

// ---------------------------------------------------------------------------------------
// Hostile text (issue #17): long unbroken words wrap in every slot, and text from outside
// is laid out in its own direction, isolated from the hub's. With the hub's own style sheet.

use linkhub::components::connector_page::ConnectorBody;
use linkhub_protocol::guide::{Block, Guide, GuideAction, Inline, Section, Step};
use linkhub_protocol::hub::ConnectorDetail;

/// Puts `style/hub.css` in the page once.
fn with_hub_css() {
    let doc = document();
    if doc.get_element_by_id("lh-test-css").is_some() {
        return;
    }
    let style = doc.create_element("style").expect("style");
    style.set_id("lh-test-css");
    style.set_text_content(Some(include_str!("../style/hub.css")));
    doc.body()
        .expect("body")
        .append_child(&style)
        .expect("append");
}

/// A word of `n` letters after `slot`.
fn word(slot: &str, n: usize) -> String {
    format!("{slot}{}", "W".repeat(n))
}

/// A connector whose every text slot holds a 20,000-letter word, with a guide (scope picker
/// included) whose every text does too.
fn long_word_detail() -> ConnectorDetail {
    let w = |slot: &str| word(slot, 20_000);
    let mut config: ConnectorConfig = serde_json::from_value(serde_json::json!({
        "key": "long", "name": word("N", 60), "type": "custom",
        "support": {"link": format!("https://example.com/{}", w("p")), "description": w("support")},
        "configFields": [
            {"key": "token", "label": word("L", 60), "type": "password", "required": true,
             "placeholder": w("placeholder"), "description": w("description"), "tooltip": w("tooltip"),
             "validation": {"type": "html-pattern", "pattern": "tok_[a-z]{4}", "error": w("error")}},
            {"key": "region", "label": w("label"), "type": "select", "required": true,
             "options": [{"label": w("option"), "value": "eu"}]}
        ],
        "configNotices": [
            {"key": "top", "type": "warning", "description": w("notice"), "position": "top"},
            {"key": "near", "type": "info", "description": w("anchored"), "position": "top", "anchor": "token"}
        ]
    }))
    .expect("config");
    let para = |s: &str| Block::Paragraph(vec![Inline::Text(w(s))]);
    config.guide = Some(Guide {
        lang: None,
        title: w("title"),
        summary: w("summary"),
        actions: vec![GuideAction {
            id: "read".into(),
            label: w("action"),
            scopes: vec!["employees:read".into()],
        }],
        sections: vec![Section {
            heading: w("heading"),
            intro: vec![
                para("intro"),
                Block::List(vec![vec![Inline::Code(w("code"))]]),
            ],
            steps: vec![Step {
                title: w("step"),
                scopes: Vec::new(),
                body: vec![para("body")],
            }],
            ..Section::default()
        }],
    });
    ConnectorDetail {
        config,
        hub_settings: Default::default(),
        credential_check: false,
    }
}

/// The connector page's body in a container `width` px wide (in `dir`), every tooltip open
/// and the validation errors shown.
async fn mount_long_page(width: u32, dir: &str) -> web_sys::HtmlElement {
    with_hub_css();
    let root = container();
    root.set_attribute("style", &format!("width: {width}px"))
        .expect("style");
    root.set_attribute("dir", dir).expect("dir");
    let detail = long_word_detail();
    let handle = leptos::mount::mount_to(root.clone(), move || {
        view! {
            <I18nContextProvider>
                <ConnectorBody detail=detail integration_id="long" account=None />
            </I18nContextProvider>
        }
    });
    handle.forget();
    leptos::task::tick().await;
    let details = root.query_selector_all("details").expect("query");
    for i in 0..details.length() {
        if let Some(d) = details
            .item(i)
            .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
        {
            d.set_attribute("open", "").expect("open");
        }
    }
    el(&root, ".lh-form__submit").click();
    leptos::task::tick().await;
    root
}

/// Every element of `root` that reaches past its sides.
fn overflowing(root: &web_sys::HtmlElement) -> Vec<String> {
    let edge = root.get_bounding_client_rect();
    let all = root.query_selector_all("*").expect("query");
    (0..all.length())
        .filter_map(|i| all.item(i))
        .filter_map(|n| n.dyn_into::<web_sys::Element>().ok())
        .filter(|e| {
            let r = e.get_bounding_client_rect();
            r.width() > 0.0 && (r.left() < edge.left() - 1.0 || r.right() > edge.right() + 1.0)
        })
        .map(|e| {
            format!(
                "<{} class={:?}> {:.0} px",
                e.tag_name(),
                e.class_name(),
                e.get_bounding_client_rect().width()
            )
        })
        .collect()
}

#[wasm_bindgen_test]
async fn a_20000_letter_word_wraps_in_every_slot_of_the_connector_page_both_ways() {
    for (width, dir) in [(360, "ltr"), (360, "rtl"), (1000, "ltr")] {
        let root = mount_long_page(width, dir).await;
        assert!(
            root.query_selector(".lh-field__error:not([hidden])")
                .expect("query")
                .is_some(),
            "the validation errors are shown"
        );
        assert!(
            root.scroll_width() <= root.client_width(),
            "{width} px {dir}: {} px of content",
            root.scroll_width()
        );
        assert_eq!(overflowing(&root), Vec::<String>::new(), "{width} px {dir}");
        root.remove();
    }
}

#[wasm_bindgen_test]
async fn the_scope_picker_stays_inside_the_guide_column() {
    let root = mount_long_page(1000, "ltr").await;
    let picker = el(&root, ".lh-guide__actions").get_bounding_client_rect();
    let guide = el(&root, ".lh-guide").get_bounding_client_rect();
    assert!(
        picker.width() <= guide.width() + 1.0,
        "the scope picker is {} px wide in a {} px column",
        picker.width(),
        guide.width()
    );
    root.remove();
}

#[wasm_bindgen_test]
async fn text_from_outside_is_isolated_in_its_own_direction() {
    with_hub_css();
    let root = mount_form(None);
    leptos::task::tick().await;
    let window = web_sys::window().expect("window");
    for selector in [".lh-field__label", ".lh-notice__text", ".lh-field__error"] {
        let style = window
            .get_computed_style(&el(&root, selector))
            .expect("style")
            .expect("a computed style");
        assert_eq!(
            style
                .get_property_value("unicode-bidi")
                .expect("unicode-bidi"),
            "plaintext",
            "{selector}"
        );
    }
    // Inside the hub's own sentence, the connector's name is a `<bdi>`.
    assert_eq!(text(&root, "#lh-form-heading bdi"), "Zendesk");
    root.remove();
}

// ---- Onboarding (extension): the checklist and the confirmation dialog ----

use linkhub::components::checklist::ChecklistView;
use linkhub::components::confirm_dialog::ConfirmDialog;
use linkhub_protocol::onboarding::{OnboardingProgress, StepProgress, StepState};

fn step(
    index: u32,
    provider: Option<&str>,
    category: Option<&str>,
    state: StepState,
) -> StepProgress {
    StepProgress {
        index,
        provider: provider.map(String::from),
        category: category.map(String::from),
        optional: false,
        label: None,
        state,
        account_id: None,
        account_provider: None,
        account_name: None,
        handoff_expires_at: None,
    }
}

/// A five-step plan with one step in each state.
fn plan() -> OnboardingProgress {
    let mut hris = step(0, None, Some("hris"), StepState::Done);
    hris.account_id = Some("acc_1".into());
    hris.account_provider = Some("bamboohr".into());
    hris.account_name = Some("BambooHR (Acme)".into());
    let mut dagster = step(1, Some("dagster"), None, StepState::NeedsAttention);
    dagster.account_id = Some("acc_2".into());
    dagster.account_name = Some("Dagster".into());
    let mut oneflow = step(2, Some("oneflow"), None, StepState::Todo);
    oneflow.optional = true;
    oneflow.label = Some("Your contract tool".into());
    let mut skipped = step(3, Some("slack"), None, StepState::Skipped);
    skipped.optional = true;
    let mut handed = step(4, Some("greenhouse"), None, StepState::HandedOff);
    handed.handoff_expires_at = Some("2030-01-02T03:04:05Z".into());
    OnboardingProgress {
        plan_id: "plan_1".into(),
        steps: vec![hris, dagster, oneflow, skipped, handed],
        done: 1,
        total: 5,
        completed: false,
        completed_at: None,
    }
}

type Progress = RwSignal<Option<Result<OnboardingProgress, linkhub::api::ApiError>>>;

fn mount_checklist(progress: Progress) -> web_sys::HtmlElement {
    let root = container();
    let handle = leptos::mount::mount_to(root.clone(), move || {
        view! {
            <I18nContextProvider>
                <ChecklistView progress=progress on_reload=Callback::new(|()| {}) />
            </I18nContextProvider>
        }
    });
    handle.forget();
    root
}

#[wasm_bindgen_test]
async fn the_checklist_shows_each_step_s_state_and_the_next_step_s_primary_button() {
    let progress: Progress = RwSignal::new(None);
    let root = mount_checklist(progress);
    leptos::task::tick().await;
    assert_eq!(
        text(&root, "[data-testid=onb-progress]"),
        "",
        "nothing counted while loading"
    );
    assert!(
        root.query_selector(".lh-hub__loading")
            .expect("query")
            .is_some()
    );

    progress.set(Some(Ok(plan())));
    leptos::task::tick().await;
    let live = el(&root, "[data-testid=onb-progress]");
    assert_eq!(live.get_attribute("aria-live").as_deref(), Some("polite"));
    assert_eq!(live.text_content().as_deref(), Some("1 of 5 connected"));
    let states: Vec<String> = (0..5)
        .map(|i| attr(&root, &format!("#lh-step-{i}"), "data-state").unwrap_or_default())
        .collect();
    assert_eq!(
        states,
        ["done", "needs_attention", "todo", "skipped", "handed_off"]
    );
    // A category step is named after its category; the account that satisfies it is named.
    assert!(
        text(&root, "#lh-step-0").contains("HR"),
        "{}",
        text(&root, "#lh-step-0")
    );
    assert!(text(&root, "#lh-step-0").contains("Connected as BambooHR (Acme)"));
    assert!(
        root.query_selector("#lh-step-0-action")
            .expect("query")
            .is_none(),
        "a done step has nothing to do"
    );
    // The next step is the first to do or to fix: its button is the primary one, and only it.
    assert_eq!(text(&root, "#lh-step-1-action"), "Reconnect");
    assert!(
        el(&root, "#lh-step-1-action")
            .class_name()
            .contains("lh-button--primary")
    );
    assert_eq!(
        root.query_selector_all(".lh-checklist__steps .lh-button--primary")
            .expect("query")
            .length(),
        1
    );
    // Labels win; optional steps can be skipped, and skipped ones taken up again.
    assert_eq!(
        text(&root, "#lh-step-2-action"),
        "Connect Your contract tool"
    );
    assert!(text(&root, "#lh-step-2").contains("(optional)"));
    assert_eq!(text(&root, "#lh-step-2-skip"), "Skip");
    assert_eq!(text(&root, "#lh-step-3-action"), "Take up again");
    assert!(
        root.query_selector("#lh-step-3-skip")
            .expect("query")
            .is_none()
    );
    assert!(text(&root, "#lh-step-4").contains("Waiting for a colleague"));
    assert!(text(&root, "#lh-step-4").contains("The link sent works until"));
    assert!(root.query_selector("#lh-all-set").expect("query").is_none());

    // Everything required done: "All set", and the count changes in the same live region.
    let mut done = plan();
    for s in &mut done.steps {
        if !s.optional {
            s.state = StepState::Done;
            s.account_id = Some(format!("acc_{}", s.index));
        }
    }
    done.done = 3;
    done.completed = true;
    progress.set(Some(Ok(done)));
    leptos::task::tick().await;
    assert_eq!(text(&root, "#lh-all-set"), "All set");
    assert_eq!(
        text(&root, "[data-testid=onb-progress]"),
        "3 of 5 connected"
    );
    assert_eq!(
        root.query_selector_all(".lh-checklist__steps .lh-button--primary")
            .expect("query")
            .length(),
        0,
        "no next step once all set"
    );
}

#[wasm_bindgen_test]
async fn the_confirmation_dialog_is_modal_opens_on_cancel_and_reports_how_it_closed() {
    let open = RwSignal::new(false);
    let confirmed = RwSignal::new(0);
    let cancelled = RwSignal::new(0);
    let root = container();
    let handle = leptos::mount::mount_to(root.clone(), move || {
        view! {
            <I18nContextProvider>
                <ConfirmDialog
                    open=open
                    title="Disconnect Dagster?".to_string()
                    body="The app will no longer use it.".to_string()
                    confirm="Disconnect"
                    on_confirm=Callback::new(move |()| confirmed.update(|n| *n += 1))
                    on_cancel=Callback::new(move |()| {
                        cancelled.update(|n| *n += 1);
                        open.set(false);
                    })
                />
            </I18nContextProvider>
        }
    });
    handle.forget();
    leptos::task::tick().await;
    let dialog: web_sys::HtmlDialogElement = el(&root, "dialog").dyn_into().expect("a dialog");
    assert!(!dialog.open());

    open.set(true);
    leptos::task::tick().await;
    assert!(dialog.open(), "shown");
    assert!(
        dialog.matches(":modal").expect("matches"),
        "as a modal (focus stays inside)"
    );
    assert_eq!(
        dialog.get_attribute("aria-labelledby").as_deref(),
        Some("lh-dialog-title")
    );
    let active = document().active_element().expect("focus");
    assert_eq!(
        active.text_content().as_deref(),
        Some("Cancel"),
        "opens on the harmless choice"
    );

    // Confirm reports, and leaves closing to the caller.
    let buttons = dialog.query_selector_all("button").expect("query");
    let confirm: web_sys::HtmlElement = buttons
        .item(1)
        .expect("confirm")
        .dyn_into()
        .expect("button");
    confirm.click();
    assert_eq!(confirmed.get_untracked(), 1);
    assert!(dialog.open());

    // The browser closing it (as Escape does) counts as cancelling.
    dialog.close();
    // `close` is a task of its own.
    wasm_bindgen_futures::JsFuture::from(js_sys::Promise::new(&mut |resolve, _| {
        let _ = web_sys::window()
            .expect("window")
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 20);
    }))
    .await
    .expect("timer");
    assert_eq!(cancelled.get_untracked(), 1);
    assert!(!open.get_untracked());

    // Cancel closes it too.
    open.set(true);
    leptos::task::tick().await;
    assert!(dialog.open());
    let cancel: web_sys::HtmlElement = buttons.item(0).expect("cancel").dyn_into().expect("button");
    cancel.click();
    leptos::task::tick().await;
    assert_eq!(cancelled.get_untracked(), 2);
    assert!(!dialog.open(), "closed");

    // Escape cancels the dialog and is marked handled, so an embedded hub stays open.
    open.set(true);
    leptos::task::tick().await;
    let init = web_sys::KeyboardEventInit::new();
    init.set_key("Escape");
    init.set_bubbles(true);
    init.set_cancelable(true);
    let esc =
        web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).expect("event");
    dialog.dispatch_event(&esc).expect("dispatch");
    leptos::task::tick().await;
    assert!(esc.default_prevented(), "handled");
    assert_eq!(cancelled.get_untracked(), 3);
    assert!(!dialog.open(), "closed by Escape");
}
