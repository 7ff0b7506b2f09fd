//! The list of connectors a session allows: search as you type and a category filter.

use leptos::prelude::*;
use linkhub_protocol::hub::ConnectorSummary;

use crate::i18n::*;
use crate::locale::fill;

/// Whether `c` matches a search query (case-insensitive, on name, provider and category).
pub fn matches(c: &ConnectorSummary, query: &str) -> bool {
    search_text(c).contains(&lowercase(query.trim()))
}

/// `s` lower-cased with the full Unicode mapping.
///
/// In the browser this is JavaScript's `toLowerCase` (the same mapping as
/// `str::to_lowercase`), so the first screen's wasm does not carry Rust's case tables
/// (~14 KB).
fn lowercase(s: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        String::from(js_sys::JsString::from(s).to_lower_case())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        s.to_lowercase()
    }
}

/// What a search query is matched against: name, provider and category, lower-cased, made
/// once per connector rather than on every keystroke.
fn search_text(c: &ConnectorSummary) -> String {
    lowercase(&format!("{}\n{}\n{}", c.name, c.provider, c.category))
}

/// How many matching connectors are shown at first, and added by each "show more": a
/// keystroke then redraws at most this many rows whatever the size of the catalog, and
/// the first screen of a large catalog appears sooner.
pub const PAGE: usize = 60;

/// The first `limit` connectors of `all` in `category` (all when empty) matching `query`,
/// and how many match in all.
pub fn page<'a>(
    all: &'a [(ConnectorSummary, String)],
    category: &str,
    query: &str,
    limit: usize,
) -> (Vec<&'a ConnectorSummary>, usize) {
    let q = lowercase(query.trim());
    let mut shown = Vec::new();
    let mut total = 0;
    for (c, text) in all {
        if (category.is_empty() || c.category == category) && text.contains(&q) {
            if total < limit {
                shown.push(c);
            }
            total += 1;
        }
    }
    (shown, total)
}

/// The DOM id of a connector's button in the list.
fn item_id(c: &ConnectorSummary) -> String {
    format!("lh-connector-{}", c.integration_id)
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

/// A category's name in `locale`; a category this version does not know is shown as the
/// server sent it.
pub fn category_name(locale: Locale, code: &str) -> String {
    let name = match code {
        "hris" => td_string!(locale, category_hris),
        "ats" => td_string!(locale, category_ats),
        "crm" => td_string!(locale, category_crm),
        "ticketing" => td_string!(locale, category_ticketing),
        "documents" => td_string!(locale, category_documents),
        "iam" => td_string!(locale, category_iam),
        "lms" => td_string!(locale, category_lms),
        "marketing" => td_string!(locale, category_marketing),
        "accounting" => td_string!(locale, category_accounting),
        "messaging" => td_string!(locale, category_messaging),
        "scheduling" => td_string!(locale, category_scheduling),
        "screening" => td_string!(locale, category_screening),
        "data" => td_string!(locale, category_data),
        other => return other.to_owned(),
    };
    name.to_string()
}

/// The distinct categories of a list as (code, name in `locale`), in the order of their
/// names, so the filter reads alphabetically in every language.
///
/// Each category goes in at its place as it is met (a handful of them): no sort routine in
/// the first screen's wasm.
pub fn categories(locale: Locale, list: &[ConnectorSummary]) -> Vec<(String, String)> {
    let mut cats: Vec<(String, String)> = Vec::new();
    for c in list {
        if cats.iter().any(|(code, _)| *code == c.category) {
            continue;
        }
        let name = category_name(locale, &c.category);
        let at = cats.partition_point(|(_, n)| *n <= name);
        cats.insert(at, (c.category.clone(), name));
    }
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
    /// The category filter (`""`: all), when the hub sets it too (a checklist's category step).
    #[prop(optional)]
    category: Option<RwSignal<String>>,
) -> impl IntoView {
    // The list is written once in the hub's language, which is set before the connectors
    // arrive and does not change while the hub is open: no text of it is reactive.
    let locale = crate::locale::use_locale();
    let all: Vec<ConnectorSummary> = connectors.into_iter().filter(|c| c.active).collect();
    let cats = categories(locale, &all);
    let count = all.len();
    let all: Vec<(ConnectorSummary, String)> = all
        .into_iter()
        .map(|c| {
            let text = search_text(&c);
            (c, text)
        })
        .collect();
    let all = StoredValue::new(all);
    let (query, set_query) = signal(String::new());
    let category = category.unwrap_or_else(|| RwSignal::new(String::new()));
    let (limit, set_limit) = signal(PAGE);
    // (shown, how many match in all)
    let visible = Memo::new(move |_| {
        let (q, cat, limit) = (query.get(), category.get(), limit.get());
        all.with_value(|all| {
            let (shown, total) = page(all, &cat, &q, limit);
            (shown.into_iter().cloned().collect::<Vec<_>>(), total)
        })
    });
    // After "show more", focus goes to the first connector it added.
    let (focus_item, set_focus_item) = signal(None::<String>);
    Effect::new(move |_| {
        visible.track();
        if let Some(id) = focus_item.get() {
            set_focus_item.set(None);
            focus_by_id(&id);
        }
    });
    let show_more = move |_| {
        let next = visible.with(|(shown, _)| shown.len());
        set_limit.set(next + PAGE);
        let added = all.with_value(|all| {
            page(
                all,
                &category.get_untracked(),
                &query.get_untracked(),
                next + 1,
            )
            .0
            .get(next)
            .map(|c| item_id(c))
        });
        set_focus_item.set(added);
    };
    let remaining = move || visible.with(|(shown, total)| total - shown.len());

    if count == 0 {
        return view! { <p class="lh-list__empty" role="status">{td_string!(locale, no_connectors)}</p> }
            .into_any();
    }
    let filter = (cats.len() > 1).then(|| {
        view! {
            <label class="lh-field lh-list__category">
                <span class="lh-field__label">{td_string!(locale, category_label)}</span>
                <select
                    class="lh-input"
                    on:change=move |ev| {
                        set_limit.set(PAGE);
                        category.set(event_target_value(&ev));
                    }
                    prop:value=category
                >
                    <option value="">{td_string!(locale, category_all)}</option>
                    {cats
                        .into_iter()
                        .map(|(value, name)| view! { <option value=value>{name}</option> })
                        .collect_view()}
                </select>
            </label>
        }
    });
    view! {
        <section class="lh-list" aria-labelledby="lh-list-heading">
            <h2 id="lh-list-heading" class="lh-list__heading" tabindex="-1">{td_string!(locale, connectors_heading)}</h2>
            <p class="lh-list__count">{fill(td_string!(locale, connectors_count), "count", &count.to_string())}</p>
            <div class="lh-list__tools">
                <label class="lh-field lh-list__search">
                    <span class="lh-field__label">{td_string!(locale, search_label)}</span>
                    <input
                        class="lh-input"
                        type="search"
                        autocomplete="off"
                        spellcheck="false"
                        placeholder=td_string!(locale, search_placeholder)
                        prop:value=query
                        on:input=move |ev| {
                            set_limit.set(PAGE);
                            set_query.set(event_target_value(&ev));
                        }
                    />
                </label>
                {filter}
            </div>
            <Show
                when=move || visible.with(|(_, total)| *total > 0)
                fallback=move || {
                    view! {
                        <p class="lh-list__empty" role="status">
                            {move || fill(td_string!(locale, no_match), "query", &query.get())}
                        </p>
                    }
                }
            >
                <ul class="lh-list__items">
                    <For
                        each=move || visible.get().0
                        key=|c| c.integration_id.clone()
                        children=move |c| view! { <ConnectorItem connector=c on_select=on_select /> }
                    />
                </ul>
                <Show when=move || { remaining() > 0 }>
                    <button type="button" class="lh-button lh-list__more" on:click=show_more>
                        {move || fill(td_string!(locale, show_more), "count", &remaining().min(PAGE).to_string())}
                    </button>
                </Show>
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
    let locale = crate::locale::use_locale();
    let initial = initial_mark(&connector.name);
    let category = connector.category.clone();
    // The lettered mark is always there, shown by the style sheet when there is no logo or
    // the logo failed to load (then the image is hidden): no view is swapped in and out.
    let (logo_failed, set_logo_failed) = signal(false);
    let logo = connector.logo_url.clone().map(|src| {
        view! {
            <img
                src=src
                alt=""
                width="32"
                height="32"
                loading="lazy"
                decoding="async"
                on:error=move |_| set_logo_failed.set(true)
            />
        }
    });
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
                id=item_id(&connector)
                data-provider=connector.provider.clone()
                on:click=open
            >
                <span
                    class="lh-connector__logo"
                    class:lh-connector__logo--failed=logo_failed
                    aria-hidden="true"
                >
                    {logo}
                    <span class="lh-connector__mark">{initial}</span>
                </span>
                <span class="lh-connector__name">{connector.name.clone()}</span>
                <span class="lh-connector__category">{category_name(locale, &category)}</span>
            </button>
        </li>
    }
}

/// Moves focus to the element with this id, if it is there.
fn focus_by_id(id: &str) {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        let el = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(id))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(el) = el {
            let _ = el.focus();
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = id;
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
    fn a_page_shows_the_first_matches_and_counts_them_all() {
        let all: Vec<(ConnectorSummary, String)> = (0..150)
            .map(|i| {
                connector(
                    &format!("Tool {i}"),
                    if i % 2 == 0 { "crm" } else { "hris" },
                )
            })
            .map(|c| {
                let text = search_text(&c);
                (c, text)
            })
            .collect();
        let (shown, total) = page(&all, "", "", PAGE);
        assert_eq!((shown.len(), total), (PAGE, 150));
        assert_eq!(shown[0].name, "Tool 0");
        let (shown, total) = page(&all, "crm", "tool 1", PAGE);
        // Tool 10, 12, …, 18, 100, 102, …, 148 in crm.
        assert_eq!(total, 5 + 25);
        assert!(shown.iter().all(|c| c.category == "crm"));
        let (shown, total) = page(&all, "", "TOOL 149 ", 1);
        assert_eq!((shown.len(), total), (1, 1));
    }

    #[test]
    fn categories_are_distinct_and_in_the_order_of_their_names() {
        let list = [
            connector("B", "hris"),
            connector("A", "crm"),
            connector("C", "hris"),
            connector("D", "ats"),
            connector("E", "zz-new"),
        ];
        let codes = |locale| -> Vec<String> {
            categories(locale, &list)
                .into_iter()
                .map(|(code, _)| code)
                .collect()
        };
        // CRM, HR, Recruiting, then zz-new (an unknown code shows as sent).
        assert_eq!(codes(Locale::en), ["crm", "hris", "ats", "zz-new"]);
        let named = categories(Locale::fr, &list);
        let names: Vec<&str> = named.iter().map(|(_, n)| n.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted, "French names in order");
        assert_eq!(names.len(), 4);
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
