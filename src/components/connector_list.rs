//! The list of connectors a session allows: search as you type and a category filter.

use leptos::prelude::*;
use linkhub_protocol::hub::ConnectorSummary;

use crate::i18n::*;

/// Whether `c` matches a search query (case-insensitive, on name, provider and category).
pub fn matches(c: &ConnectorSummary, query: &str) -> bool {
    let q = query.trim().to_lowercase();
    q.is_empty()
        || c.name.to_lowercase().contains(&q)
        || c.provider.to_lowercase().contains(&q)
        || c.category.to_lowercase().contains(&q)
}

/// The lettered mark of a connector without a logo: the first letter of its name, upper-cased.
///
/// In the browser this uses JavaScript's `toUpperCase` (the same Unicode mapping as
/// `char::to_uppercase`), so the wasm does not carry Rust's upper-case table (~12 KB).
pub fn initial_mark(name: &str) -> String {
    let Some(c) = name.chars().next() else {
        return String::new();
    };
    #[cfg(target_arch = "wasm32")]
    {
        let mut buf = [0; 4];
        String::from(js_sys::JsString::from(&*c.encode_utf8(&mut buf)).to_upper_case())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        c.to_uppercase().to_string()
    }
}

/// A category's name in the current locale; a category this version does not know is shown
/// as the server sent it.
pub fn category_name(i18n: leptos_i18n::I18nContext<Locale>, code: &str) -> String {
    let name = match code {
        "hris" => t_string!(i18n, category_hris),
        "ats" => t_string!(i18n, category_ats),
        "crm" => t_string!(i18n, category_crm),
        "ticketing" => t_string!(i18n, category_ticketing),
        "documents" => t_string!(i18n, category_documents),
        "iam" => t_string!(i18n, category_iam),
        "lms" => t_string!(i18n, category_lms),
        "marketing" => t_string!(i18n, category_marketing),
        "accounting" => t_string!(i18n, category_accounting),
        "messaging" => t_string!(i18n, category_messaging),
        "scheduling" => t_string!(i18n, category_scheduling),
        "screening" => t_string!(i18n, category_screening),
        "data" => t_string!(i18n, category_data),
        other => return other.to_owned(),
    };
    name.to_string()
}

/// The distinct categories of a list, sorted.
pub fn categories(list: &[ConnectorSummary]) -> Vec<String> {
    let mut cats: Vec<String> = list.iter().map(|c| c.category.clone()).collect();
    cats.sort();
    cats.dedup();
    cats
}

/// The searchable, filterable connector list. Only `active` connectors are shown.
#[component]
pub fn ConnectorList(
    /// The connectors from `GET /hub/connectors`.
    connectors: Vec<ConnectorSummary>,
    /// Called with the connector the user picked (click, or Enter/Space on its button).
    #[prop(optional, into)]
    on_select: Option<Callback<ConnectorSummary>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let all: Vec<ConnectorSummary> = connectors.into_iter().filter(|c| c.active).collect();
    let cats = categories(&all);
    let count = all.len();
    let all = StoredValue::new(all);
    let (query, set_query) = signal(String::new());
    let (category, set_category) = signal(String::new());
    let visible = Memo::new(move |_| {
        let q = query.get();
        let cat = category.get();
        all.with_value(|all| {
            all.iter()
                .filter(|c| cat.is_empty() || c.category == cat)
                .filter(|c| matches(c, &q))
                .cloned()
                .collect::<Vec<_>>()
        })
    });

    if count == 0 {
        return view! { <p class="lh-list__empty" role="status">{t!(i18n, no_connectors)}</p> }
            .into_any();
    }
    let filter = (cats.len() > 1).then(|| {
        view! {
            <label class="lh-field lh-list__category">
                <span class="lh-field__label">{t!(i18n, category_label)}</span>
                <select
                    class="lh-input"
                    on:change=move |ev| set_category.set(event_target_value(&ev))
                >
                    <option value="">{t!(i18n, category_all)}</option>
                    {cats
                        .into_iter()
                        .map(|c| {
                            let value = c.clone();
                            let name = move || category_name(i18n, &c);
                            view! { <option value=value>{name}</option> }
                        })
                        .collect_view()}
                </select>
            </label>
        }
    });
    view! {
        <section class="lh-list" aria-labelledby="lh-list-heading">
            <h2 id="lh-list-heading" class="lh-list__heading">{t!(i18n, connectors_heading)}</h2>
            <p class="lh-list__count">{t!(i18n, connectors_count, count = count)}</p>
            <div class="lh-list__tools">
                <label class="lh-field lh-list__search">
                    <span class="lh-field__label">{t!(i18n, search_label)}</span>
                    <input
                        class="lh-input"
                        type="search"
                        autocomplete="off"
                        spellcheck="false"
                        placeholder=move || t_string!(i18n, search_placeholder).to_string()
                        prop:value=query
                        on:input=move |ev| set_query.set(event_target_value(&ev))
                    />
                </label>
                {filter}
            </div>
            <Show
                when=move || !visible.with(Vec::is_empty)
                fallback=move || {
                    view! {
                        <p class="lh-list__empty" role="status">
                            {t!(i18n, no_match, query = move || query.get())}
                        </p>
                    }
                }
            >
                <ul class="lh-list__items">
                    <For
                        each=move || visible.get()
                        key=|c| c.integration_id.clone()
                        children=move |c| view! { <ConnectorItem connector=c on_select=on_select /> }
                    />
                </ul>
            </Show>
        </section>
    }
    .into_any()
}

/// One connector: its logo (or a lettered mark when there is none), name and category.
#[component]
fn ConnectorItem(
    /// The connector shown.
    connector: ConnectorSummary,
    /// Called when the user opens it.
    on_select: Option<Callback<ConnectorSummary>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let initial = initial_mark(&connector.name);
    let category = connector.category.clone();
    let (logo_failed, set_logo_failed) = signal(connector.logo_url.is_none());
    let logo = connector.logo_url.clone().unwrap_or_default();
    let picked = connector.clone();
    let open = move |_| {
        if let Some(cb) = on_select {
            cb.run(picked.clone());
        }
    };
    view! {
        <li class="lh-list__item">
            <button
                type="button"
                class="lh-connector"
                data-provider=connector.provider.clone()
                on:click=open
            >
                <span class="lh-connector__logo" aria-hidden="true">
                    <Show
                        when=move || !logo_failed.get()
                        fallback=move || view! { <span class="lh-connector__mark">{initial.clone()}</span> }
                    >
                        <img src=logo.clone() alt="" width="32" height="32" on:error=move |_| set_logo_failed.set(true) />
                    </Show>
                </span>
                <span class="lh-connector__name">{connector.name.clone()}</span>
                <span class="lh-connector__category">{move || category_name(i18n, &category)}</span>
            </button>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn search_matches_name_provider_and_category_ignoring_case() {
        let c = connector("Dagster", "data");
        assert!(matches(&c, "dag"));
        assert!(matches(&c, "  DAG "));
        assert!(matches(&c, "data"));
        assert!(matches(&c, ""));
        assert!(!matches(&c, "oneflow"));
    }

    #[test]
    fn categories_are_distinct_and_sorted() {
        let list = [
            connector("B", "hris"),
            connector("A", "crm"),
            connector("C", "hris"),
        ];
        assert_eq!(categories(&list), vec!["crm", "hris"]);
    }

    #[test]
    fn renders_the_names_of_active_connectors_only() {
        let html = crate::test_support::render(|| {
            let mut hidden = connector("Hidden", "crm");
            hidden.active = false;
            let list = vec![
                connector("Dagster", "data"),
                connector("Oneflow", "documents"),
                hidden,
            ];
            view! { <ConnectorList connectors=list /> }
        });
        assert!(html.contains("Dagster"), "{html}");
        assert!(html.contains("Oneflow"), "{html}");
        assert!(!html.contains("Hidden"), "{html}");
    }

    #[test]
    fn categories_show_by_name_and_unknown_ones_as_sent() {
        let html = crate::test_support::render(|| {
            let list = vec![
                connector("Personio", "hris"),
                connector("Acme", "gardening"),
            ];
            view! { <ConnectorList connectors=list /> }
        });
        assert!(html.contains(">HR<"), "{html}");
        assert!(!html.contains(">hris<"), "{html}");
        assert!(html.contains(">gardening<"), "{html}");
    }
}
