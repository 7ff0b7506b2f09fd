//! A connector's guide: collapsible sections of numbered steps, filtered by scope and
//! whitelabel, with the guide's action picker when it has one.
//!
//! Everything is rendered from the model as elements and text nodes, never as HTML, so a
//! guide cannot inject markup.

use leptos::prelude::*;
use linkhub_protocol::guide::{Block, CalloutKind, Guide, Inline, Section};

use crate::browser;
use crate::components::connector_page::is_safe_href;
use crate::config::use_config;
use crate::i18n::*;

/// The language a guide is written in: its `lang` when it is a translation (catalog/README.md),
/// else English. Guide content is marked with it, so a screen reader reading a French hub
/// over an English guide pronounces it as English and a right-to-left layout keeps its
/// punctuation in place; the widget's own words inside it (callout labels, copy buttons) are
/// marked back with the hub's language ([`HubLang`]).
fn guide_lang(guide: &Guide) -> (String, &'static str) {
    let lang = guide.lang.clone().unwrap_or_else(|| "en".to_owned());
    let dir = crate::locale::supported(&lang).map_or("ltr", crate::locale::dir);
    (lang, dir)
}

/// `lang` and `dir` of the hub's own words inside guide content.
#[derive(Clone, Copy)]
struct HubLang(Locale);

impl HubLang {
    fn lang(self) -> &'static str {
        self.0.as_str()
    }
    fn dir(self) -> &'static str {
        crate::locale::dir(self.0)
    }
}

/// The guide with its action picker and sections; the first section starts open.
#[component]
pub fn GuideView(
    /// `config.guide`.
    guide: Guide,
) -> impl IntoView {
    let locale = crate::locale::use_locale();
    let cfg = use_config();
    let whitelabel = cfg.whitelabel;
    // The host's scopes pick the steps until the user chooses an action of their own.
    let chosen = RwSignal::new((!cfg.scopes.is_empty()).then(|| cfg.scopes.clone()));
    let (lang, dir) = guide_lang(&guide);
    let guide = StoredValue::new(guide);
    let visible = Memo::new(move |_| {
        chosen.with(|c| guide.with_value(|g| g.visible(c.as_deref(), whitelabel)))
    });
    let picker = guide.with_value(|g| {
        (!g.actions.is_empty()).then(|| {
            let actions = g.actions.clone();
            let lang = lang.clone();
            view! {
                <fieldset class="lh-guide__actions">
                    <legend class="lh-guide__actions-label">{td!(locale, guide_actions_label)}</legend>
                    <label class="lh-guide__action">
                        <input
                            type="radio"
                            name="lh-guide-action"
                            value=""
                            prop:checked=move || chosen.with(Option::is_none)
                            on:change=move |_| chosen.set(None)
                        />
                        {td!(locale, guide_actions_all)}
                    </label>
                    {actions
                        .into_iter()
                        .map(|a| {
                            let scopes = a.scopes.clone();
                            let scopes2 = a.scopes.clone();
                            view! {
                                <label class="lh-guide__action">
                                    <input
                                        type="radio"
                                        name="lh-guide-action"
                                        value=a.id.clone()
                                        prop:checked=move || chosen.with(|c| c.as_ref() == Some(&scopes2))
                                        on:change=move |_| chosen.set(Some(scopes.clone()))
                                    />
                                    <span lang=lang.clone() dir=dir>{a.label.clone()}</span>
                                </label>
                            }
                        })
                        .collect_view()}
                </fieldset>
            }
        })
    });
    let title = guide.with_value(|g| g.title.clone());
    let summary = guide.with_value(|g| g.summary.clone());
    view! {
        <section class="lh-guide" aria-labelledby="lh-guide-heading">
            <h3 id="lh-guide-heading" class="lh-guide__heading">{td!(locale, guide_heading)}</h3>
            <p class="lh-guide__title" lang=lang.clone() dir=dir>{title}</p>
            {(!summary.is_empty()).then(|| view! {
                <p class="lh-guide__summary" lang=lang.clone() dir=dir>{summary}</p>
            })}
            {picker}
            <div class="lh-guide__sections" lang=lang.clone() dir=dir>
                {move || {
                    visible
                        .get()
                        .sections
                        .into_iter()
                        .enumerate()
                        .map(|(i, s)| view! { <GuideSection section=s index=i /> })
                        .collect_view()
                }}
            </div>
        </section>
    }
}

/// One collapsible section; `index` 0 starts open.
#[component]
fn GuideSection(
    /// The section.
    section: Section,
    /// Its position in the visible guide.
    index: usize,
) -> impl IntoView {
    let open = RwSignal::new(index == 0);
    let body_id = format!("lh-guide-section-{index}");
    let steps = (!section.steps.is_empty()).then(|| {
        view! {
            <ol class="lh-guide__steps">
                {section
                    .steps
                    .into_iter()
                    .map(|st| {
                        view! {
                            <li class="lh-guide__step">
                                <h5 class="lh-guide__step-title">{st.title}</h5>
                                {blocks(st.body)}
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        }
    });
    view! {
        <section class="lh-guide__section">
            <h4 class="lh-guide__section-heading">
                <button
                    type="button"
                    class="lh-guide__toggle"
                    aria-expanded=move || if open.get() { "true" } else { "false" }
                    aria-controls=body_id.clone()
                    on:click=move |_| open.update(|o| *o = !*o)
                >
                    {section.heading}
                </button>
            </h4>
            <div class="lh-guide__section-body" id=body_id hidden=move || !open.get()>
                {blocks(section.intro)}
                {steps}
                {blocks(section.outro)}
            </div>
        </section>
    }
}

/// Renders blocks (paragraphs, lists, callouts).
fn blocks(blocks: Vec<Block>) -> AnyView {
    blocks.into_iter().map(block).collect_view().into_any()
}

fn block(b: Block) -> AnyView {
    match b {
        Block::Paragraph(runs) => view! { <p>{inlines(runs)}</p> }.into_any(),
        Block::List(items) => view! {
            <ul>{items.into_iter().map(|runs| view! { <li>{inlines(runs)}</li> }).collect_view()}</ul>
        }
        .into_any(),
        Block::Callout { kind, body } => view! { <Callout kind=kind body=body /> }.into_any(),
    }
}

/// A callout box with a translated label saying what kind it is.
#[component]
fn Callout(
    /// Warning, note, tip or info.
    kind: CalloutKind,
    /// Its content.
    body: Vec<Block>,
) -> impl IntoView {
    let locale = crate::locale::use_locale();
    let hub = HubLang(locale);
    let (class, label) = match kind {
        CalloutKind::Warning => (
            "lh-callout lh-callout--warning",
            Signal::derive(move || td_string!(locale, callout_warning).to_string()),
        ),
        CalloutKind::Note => (
            "lh-callout lh-callout--note",
            Signal::derive(move || td_string!(locale, callout_note).to_string()),
        ),
        CalloutKind::Tip => (
            "lh-callout lh-callout--tip",
            Signal::derive(move || td_string!(locale, callout_tip).to_string()),
        ),
        CalloutKind::Info => (
            "lh-callout lh-callout--info",
            Signal::derive(move || td_string!(locale, callout_info).to_string()),
        ),
    };
    view! {
        <aside class=class role="note">
            <strong class="lh-callout__label" lang=hub.lang() dir=hub.dir()>{label}</strong>
            {blocks(body)}
        </aside>
    }
}

/// Renders inline runs as text nodes and elements.
fn inlines(runs: Vec<Inline>) -> AnyView {
    runs.into_iter().map(inline).collect_view().into_any()
}

fn inline(run: Inline) -> AnyView {
    match run {
        Inline::Text(text) => text.into_any(),
        Inline::Strong(children) => view! { <strong>{inlines(children)}</strong> }.into_any(),
        Inline::Code(code) => view! { <CopyCode code=code /> }.into_any(),
        Inline::Link { href, children } if is_safe_href(&href) => {
            view! { <GuideLink href=href children=children /> }.into_any()
        }
        Inline::Link { children, .. } => inlines(children),
    }
}

/// A link that opens in a new tab, saying so to screen readers.
#[component]
fn GuideLink(
    /// An http, https or mailto URL.
    href: String,
    /// The link text.
    children: Vec<Inline>,
) -> impl IntoView {
    let locale = crate::locale::use_locale();
    let hub = HubLang(locale);
    view! {
        <a href=href target="_blank" rel="noopener noreferrer">
            {inlines(children)}
            <span class="lh-visually-hidden" lang=hub.lang()>" " {td!(locale, opens_new_tab)}</span>
        </a>
    }
}

/// What the copy button last did.
#[derive(Clone, Copy, PartialEq, Eq)]
enum CopyState {
    Idle,
    Copied,
    Failed,
}

/// Inline code with a button copying it to the clipboard.
#[component]
pub fn CopyCode(
    /// The code shown and copied.
    code: String,
) -> impl IntoView {
    let locale = crate::locale::use_locale();
    let hub = HubLang(locale);
    let state = RwSignal::new(CopyState::Idle);
    let text = StoredValue::new(code.clone());
    let copy = move |_| {
        let text = text.get_value();
        leptos::task::spawn_local(async move {
            let ok = browser::copy_text(&text).await;
            state.try_set(if ok {
                CopyState::Copied
            } else {
                CopyState::Failed
            });
        });
    };
    view! {
        <span class="lh-code">
            <code class="lh-code__text">{code.clone()}</code>
            <button type="button" class="lh-code__copy" on:click=copy lang=hub.lang() dir=hub.dir()>
                {move || match state.get() {
                    CopyState::Idle => td_string!(locale, copy).to_string(),
                    CopyState::Copied => td_string!(locale, copied).to_string(),
                    CopyState::Failed => td_string!(locale, copy_failed).to_string(),
                }}
                // The button's accessible name says what it copies.
                <span class="lh-visually-hidden">" " {code.clone()}</span>
            </button>
            // Present from the start, so the outcome of a copy is announced.
            <span class="lh-visually-hidden" role="status">
                {move || match state.get() {
                    CopyState::Idle => String::new(),
                    CopyState::Copied => td_string!(locale, copied).to_string(),
                    CopyState::Failed => td_string!(locale, copy_failed).to_string(),
                }}
            </span>
        </span>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{HubConfig, provide_config};
    use crate::test_support::render;
    use linkhub_protocol::guide::{GuideAction, Step};

    fn guide() -> Guide {
        let step = |title: &str, scopes: &[&str], body: Vec<Block>| Step {
            title: title.into(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            body,
        };
        Guide {
            lang: None,
            title: "Connect Acme".into(),
            summary: String::new(),
            actions: vec![GuideAction {
                id: "read".into(),
                label: "Read contracts".into(),
                scopes: vec!["read".into()],
            }],
            sections: vec![
                Section {
                    heading: "Create a token".into(),
                    steps: vec![
                        step(
                            "Open settings",
                            &[],
                            vec![Block::Paragraph(vec![
                                Inline::text("Go to "),
                                Inline::link(
                                    "https://acme.example/settings",
                                    vec![Inline::text("settings")],
                                ),
                                Inline::text(" and copy "),
                                Inline::code("user:<hex>"),
                            ])],
                        ),
                        step("Grant write access", &["write"], vec![]),
                    ],
                    ..Section::default()
                },
                Section {
                    heading: "Linking from the Hub".into(),
                    whitelabel_hide: true,
                    steps: vec![step(
                        "Careful",
                        &[],
                        vec![Block::Callout {
                            kind: CalloutKind::Warning,
                            body: vec![Block::Paragraph(vec![Inline::link(
                                "javascript:alert(1)",
                                vec![Inline::text("<script>alert(1)</script>")],
                            )])],
                        }],
                    )],
                    ..Section::default()
                },
            ],
        }
    }

    fn render_guide(cfg: HubConfig) -> String {
        render(move || {
            provide_config(cfg);
            view! { <GuideView guide=guide() /> }
        })
    }

    #[test]
    fn renders_numbered_steps_with_the_first_section_open() {
        let html = render_guide(HubConfig::default());
        assert!(html.contains("<ol class=\"lh-guide__steps\">"), "{html}");
        assert!(html.contains("Open settings"));
        let first = html
            .find("aria-expanded=\"true\"")
            .expect("an open section");
        let second = html
            .find("aria-expanded=\"false\"")
            .expect("a closed section");
        assert!(first < second, "{html}");
        assert!(html.contains("class=\"lh-callout lh-callout--warning\""));
        assert!(html.contains("Read contracts"), "the action picker");
    }

    #[test]
    fn guide_content_is_marked_english_and_the_hubs_words_in_it_are_not() {
        let html = render_guide(HubConfig::default());
        assert!(
            html.contains("<div lang=\"en\" dir=\"ltr\" class=\"lh-guide__sections\">"),
            "{html}"
        );
        // The callout's label is the hub's word: it carries the hub's language back.
        assert!(
            html.contains("dir=\"ltr\" class=\"lh-callout__label\""),
            "{html}"
        );
        assert!(
            html.contains("dir=\"ltr\" class=\"lh-code__copy\""),
            "{html}"
        );
    }

    #[test]
    fn links_open_in_a_new_tab_and_code_has_a_copy_button() {
        let html = render_guide(HubConfig::default());
        assert!(
            html.contains(
                "href=\"https://acme.example/settings\" target=\"_blank\" rel=\"noopener noreferrer\""
            ),
            "{html}"
        );
        assert!(
            html.contains("<code class=\"lh-code__text\">user:&lt;hex&gt;</code>"),
            "{html}"
        );
        assert!(html.contains("class=\"lh-code__copy\""));
    }

    /// Guards against markup injection: guide text is text, and unsafe links lose their href.
    #[test]
    fn guide_text_is_never_markup_and_unsafe_links_are_dropped() {
        let html = render_guide(HubConfig::default());
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
    }

    #[test]
    fn host_scopes_and_whitelabel_filter_the_guide() {
        let html = render_guide(HubConfig {
            scopes: vec!["read".into()],
            whitelabel: true,
            ..HubConfig::default()
        });
        assert!(html.contains("Open settings"));
        assert!(!html.contains("Grant write access"), "{html}");
        assert!(!html.contains("Linking from the Hub"), "{html}");
    }
}
