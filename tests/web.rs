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
    let root = container();
    let list = vec![
        connector("Dagster", "data"),
        connector("Oneflow", "documents"),
        connector("BambooHR", "hris"),
    ];
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        view! {
            <I18nContextProvider>
                <ConnectorList connectors=list />
            </I18nContextProvider>
        }
    });
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
    input.dispatch_event(&web_sys::Event::new("input").expect("event")).expect("dispatch");
    leptos::task::tick().await;
    assert!(names(&root).is_empty());
    let empty = root
        .query_selector(".lh-list__empty")
        .expect("query")
        .and_then(|e| e.text_content())
        .unwrap_or_default();
    assert!(empty.contains("zzz"), "no-match message names the query: {empty}");
}

#[wasm_bindgen_test]
fn reads_the_session_from_the_fragment() {
    let cfg = linkhub::config::HubConfig::from_fragment("#token=t0k&locale=fr").expect("config");
    assert_eq!(cfg.token, "t0k");
    assert_eq!(cfg.locale.as_deref(), Some("fr"));
}
