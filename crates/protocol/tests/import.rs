//! The guide importer on both seed documents (exact structure), on a synthetic document
//! exercising what real guide pages add, and on arbitrary input (never panics).
//!
//! The seeds in `tests/fixtures/` (`dagster-user-token.txt`, `oneflow-api-token.txt`) are
//! the reference documents themselves, kept in the repository as they were published: these
//! tests read nothing outside it.

use linkhub_protocol::guide::{
    Block, CalloutKind, Guide, GuideAction, Inline, Section, plain_text,
};
use linkhub_protocol::import::{ImportError, check_guide, import_guide};
use proptest::prelude::*;

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path).expect("fixture readable")
}

fn seed(name: &str) -> Guide {
    import_guide(&fixture(name)).expect("seed imports")
}

fn headings(g: &Guide) -> Vec<&str> {
    g.sections.iter().map(|s| s.heading.as_str()).collect()
}

fn step_titles(s: &Section) -> Vec<&str> {
    s.steps.iter().map(|s| s.title.as_str()).collect()
}

fn text(s: &str) -> Inline {
    Inline::text(s)
}

fn strong(s: &str) -> Inline {
    Inline::Strong(vec![Inline::text(s)])
}

/// Every link href anywhere in the guide.
fn hrefs(g: &Guide) -> Vec<String> {
    fn inl(i: &[Inline], out: &mut Vec<String>) {
        for x in i {
            match x {
                Inline::Link { href, children } => {
                    out.push(href.clone());
                    inl(children, out);
                }
                Inline::Strong(c) => inl(c, out),
                _ => {}
            }
        }
    }
    fn blocks(b: &[Block], out: &mut Vec<String>) {
        for x in b {
            match x {
                Block::Paragraph(i) => inl(i, out),
                Block::List(items) => items.iter().for_each(|i| inl(i, out)),
                Block::Callout { body, .. } => blocks(body, out),
            }
        }
    }
    let mut out = Vec::new();
    for s in &g.sections {
        blocks(&s.intro, &mut out);
        s.steps.iter().for_each(|st| blocks(&st.body, &mut out));
        blocks(&s.outro, &mut out);
    }
    out
}

#[test]
fn dagster_seed_structure() {
    let g = seed("dagster-user-token.txt");
    assert_eq!(g.title, "Connect Dagster with User Token – StackOne Hub");
    assert!(
        g.summary
            .starts_with("Link a Dagster account in the StackOne Hub using User Token.")
    );
    assert!(g.actions.is_empty());
    assert_eq!(
        headings(&g),
        [
            "Generate a User Token in Dagster+",
            "Find your organization and deployment",
            "Linking the Account from the Hub"
        ]
    );
    assert_eq!(
        step_titles(&g.sections[0]),
        [
            "Sign in to Dagster+",
            "Open Organization Settings",
            "Open the Tokens tab",
            "Create a user token",
            "Reveal and copy the token",
            "(Optional) Name the token"
        ]
    );
    assert_eq!(
        step_titles(&g.sections[1]),
        ["Identify the organization slug", "Identify the deployment"]
    );
    assert_eq!(
        step_titles(&g.sections[2]),
        ["Navigate to the Hub", "Fill out the fields", "Connect"]
    );
    for s in &g.sections {
        assert!(s.scopes.is_empty(), "empty data-guide-scopes means all");
        assert!(s.steps.iter().all(|st| st.scopes.is_empty()));
    }
    assert_eq!(
        g.sections
            .iter()
            .map(|s| s.whitelabel_hide)
            .collect::<Vec<_>>(),
        [false, false, true]
    );
    assert_eq!(
        g.sections.iter().map(|s| s.linking).collect::<Vec<_>>(),
        [false, false, true]
    );
    assert_eq!(
        g.sections[2].fields,
        ["User Token", "Organization slug", "Deployment"]
    );

    // Intro paragraph with its external link.
    assert_eq!(
        g.sections[0].intro,
        [Block::Paragraph(vec![
            text(
                "A User Token authenticates requests to Dagster+ on behalf of your user account. It grants access to every deployment your user has permissions for. See "
            ),
            Inline::link(
                "https://docs.dagster.io/deployment/dagster-plus/management/tokens/user-tokens",
                vec![text("Dagster+ user token docs")]
            ),
            text(" for details."),
        ])]
    );

    // Backtick code keeps `<hex>` literally.
    let reveal = &g.sections[0].steps[4];
    assert_eq!(
        reveal.body[0],
        Block::Paragraph(vec![text(
            "The new token is hidden by default. On the new row:"
        )])
    );
    let Block::List(items) = &reveal.body[1] else {
        panic!("expected a list: {:?}", reveal.body)
    };
    assert_eq!(items.len(), 3);
    assert_eq!(
        items[0],
        vec![
            text("Click "),
            strong("Reveal token"),
            text(" (or "),
            strong("Hide token"),
            text(" to toggle back) — the token value appears as "),
            Inline::code("user:<hex>"),
            text(" (e.g. "),
            Inline::code("user:0afb128e57084fce8fd15c62d75e4bd6"),
            text(")."),
        ]
    );
    assert!(items[2].contains(&Inline::code("user:")));

    assert_eq!(
        g.sections[1].intro,
        [Block::Paragraph(vec![
            text("The connector URL is built from "),
            Inline::code("https://{organization}.dagster.cloud/{deployment}"),
            text(". You can read both values straight from the Dagster+ UI."),
        ])]
    );

    // Relative links are dropped but keep their text.
    assert_eq!(
        hrefs(&g),
        [
            "https://docs.dagster.io/deployment/dagster-plus/management/tokens/user-tokens",
            "https://dagster.cloud"
        ]
    );
    let linking = &g.sections[2];
    assert_eq!(
        linking.steps[0].body,
        [Block::Paragraph(vec![text(
            "Use one of the three Linking Account Methods to access the Hub."
        )])]
    );
    assert_eq!(
        linking.outro,
        [Block::Paragraph(vec![text(
            "If the account linking is successful, you will see the newly linked account in your Accounts page."
        )])]
    );
    // The Connect step is a bare list.
    assert!(matches!(&linking.steps[2].body[..], [Block::List(items)] if items.len() == 3));
}

#[test]
fn oneflow_seed_structure() {
    let g = seed("oneflow-api-token.txt");
    assert_eq!(g.title, "Connect Oneflow with API Token – StackOne Hub");
    assert_eq!(
        headings(&g),
        [
            "Enable the Custom Integration",
            "Generate your Oneflow API token",
            "Find your user email",
            "Linking the Account from the Hub"
        ]
    );
    assert_eq!(
        step_titles(&g.sections[0]),
        ["Sign in to Oneflow", "Enable the integration"]
    );
    assert_eq!(
        step_titles(&g.sections[1]),
        [
            "Open the Custom Integration",
            "Generate a new token",
            "Copy the API token"
        ]
    );
    assert!(
        g.sections[2].steps.is_empty(),
        "the email section has no steps"
    );
    assert_eq!(
        step_titles(&g.sections[3]),
        ["Navigate to the Hub", "Fill out the fields", "Connect"]
    );
    assert!(
        g.sections
            .iter()
            .all(|s| !s.whitelabel_hide && s.scopes.is_empty())
    );
    assert_eq!(
        g.sections.iter().map(|s| s.linking).collect::<Vec<_>>(),
        [false, false, false, true]
    );
    assert_eq!(g.sections[3].fields, ["API Token", "User Email"]);

    let email = &g.sections[2];
    assert_eq!(email.intro.len(), 2);
    assert!(
        matches!(&email.intro[0], Block::Paragraph(p) if plain_text(p).starts_with("In most cases this is simply"))
    );
    let Block::List(items) = &email.intro[1] else {
        panic!("expected a list")
    };
    assert_eq!(
        items.iter().map(|i| plain_text(i)).collect::<Vec<_>>(),
        [
            "Use the email address you sign in to Oneflow with, or any other active user in the same Oneflow account.",
            "The user must be active in the same Oneflow account.",
            "The user's permissions govern which contracts and workspaces the integration can access.",
        ]
    );

    // A raw `>` between strongs stays text.
    assert_eq!(
        g.sections[1].steps[0].body[0],
        Block::Paragraph(vec![
            text("In the left sidebar, go to "),
            strong("Admin"),
            text(" > "),
            strong("Integrations"),
            text(" and open "),
            strong("Custom Integration"),
            text("."),
        ])
    );
    // <code> elements.
    let Block::List(items) = &g.sections[1].steps[1].body[1] else {
        panic!("expected a list")
    };
    assert_eq!(
        items[1],
        vec![
            text("Enter a token name (required, for example "),
            Inline::code("StackOne"),
            text(").")
        ]
    );

    assert_eq!(hrefs(&g), ["https://app.oneflow.com/login"]);
    // Content after the markdown `</Steps>` belongs to the linking section.
    assert_eq!(g.sections[3].outro.len(), 1);
}

#[test]
fn check_reports_dropped_links_with_lines() {
    let problems = check_guide(&fixture("oneflow-api-token.txt"));
    let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, [96, 117], "{problems:?}");
    assert!(
        problems[0]
            .message
            .contains("/guides/accounts-section#linking-accounts")
    );
}

#[test]
fn synthetic_document_variants() {
    let g = import_guide(&fixture("synthetic-guide.mdx")).expect("imports");
    assert_eq!(g.title, "Connect Acme HR with an API key");
    assert_eq!(
        g.summary,
        "Link an Acme HR account & start syncing employees."
    );
    assert_eq!(
        g.actions,
        [
            GuideAction {
                id: "read".into(),
                label: "Read employees".into(),
                scopes: vec!["hris:read".into()]
            },
            GuideAction {
                id: "write".into(),
                label: "Write employees".into(),
                scopes: vec!["hris:read".into(), "hris:write".into()]
            },
        ]
    );
    assert_eq!(
        headings(&g),
        [
            "Create the key",
            "Only for recruiting",
            "About Acme's partner program",
            "Linking the Account from the Hub",
            "Troubleshooting"
        ]
    );
    let create = &g.sections[0];
    assert_eq!(create.scopes, ["hris:read", "hris:write"]);
    assert_eq!(
        create.intro,
        [
            Block::Callout {
                kind: CalloutKind::Warning,
                body: vec![Block::Paragraph(vec![
                    text("Only an "),
                    strong("admin"),
                    text(" can create keys.")
                ])]
            },
            Block::Paragraph(vec![text("Before you start:")]),
            Block::List(vec![
                vec![text("an admin account")],
                vec![text("the "), Inline::code("API"), text(" add-on")]
            ]),
        ]
    );
    assert_eq!(create.steps[0].scopes, ["hris:read"]);
    assert_eq!(create.steps[1].scopes, ["hris:write", "other:scope"]);
    assert_eq!(
        create.steps[0].body,
        [
            Block::Paragraph(vec![
                text("Go to Settings > Users > API and read "),
                Inline::link("https://acme.example/docs", vec![strong("the docs")]),
                text("."),
            ]),
            Block::Callout {
                kind: CalloutKind::Note,
                body: vec![Block::Paragraph(vec![text("Keys expire after 90 days.")])]
            },
        ]
    );
    assert_eq!(
        create.steps[1].body,
        [Block::Paragraph(vec![
            text("Tick allow writes or mail "),
            Inline::link("mailto:help@acme.example", vec![text("support")]),
            text("."),
        ])]
    );
    assert_eq!(g.sections[1].scopes, ["ats:read"]);
    let partner = &g.sections[2];
    assert!(partner.whitelabel_hide);
    assert_eq!(
        partner.intro,
        [Block::Callout {
            kind: CalloutKind::Tip,
            body: vec![Block::Paragraph(vec![text("Partners get a discount.")])]
        }]
    );
    assert!(g.sections[3].linking);
    assert_eq!(g.sections[3].fields, ["API Key"]);
    assert!(!g.sections[4].linking);
    assert_eq!(
        g.sections[4].intro,
        [Block::Paragraph(vec![
            text("Still stuck? "),
            Inline::link("https://acme.example/help", vec![text("Contact Acme")]),
            text("."),
        ])]
    );
    assert!(!hrefs(&g).iter().any(|h| h.starts_with("javascript")));
    let problems = check_guide(&fixture("synthetic-guide.mdx"));
    assert!(
        problems
            .iter()
            .any(|p| p.message.contains("javascript:alert(1)")),
        "{problems:?}"
    );
}

#[test]
fn scopes_filter_sections_and_steps() {
    let g = import_guide(&fixture("synthetic-guide.mdx")).expect("imports");
    let all = g.visible(None, false);
    assert_eq!(all.sections.len(), 5);
    let read = ["hris:read".to_owned()];
    let v = g.visible(Some(&read), false);
    assert_eq!(
        headings(&v),
        [
            "Create the key",
            "About Acme's partner program",
            "Linking the Account from the Hub",
            "Troubleshooting"
        ]
    );
    assert_eq!(step_titles(&v.sections[0]), ["Open the settings"]);
    let ats = ["ats:read".to_owned()];
    let v = g.visible(Some(&ats), true);
    assert_eq!(
        headings(&v),
        [
            "Only for recruiting",
            "Linking the Account from the Hub",
            "Troubleshooting"
        ]
    );
    let d = seed("dagster-user-token.txt").visible(Some(&read), true);
    assert_eq!(d.sections.len(), 2, "whitelabel hides the linking section");
}

#[test]
fn fatal_problems() {
    assert_eq!(import_guide(""), Err(ImportError::NoTitle));
    assert_eq!(
        import_guide("# Title only\n\n> summary\n"),
        Err(ImportError::NoSections)
    );
    let p = check_guide("<section data-guide-section><h2>X</h2>");
    assert!(
        p.iter().any(|p| p.message.contains("no `# Title`")),
        "{p:?}"
    );
    assert!(
        p.iter().any(|p| p.message.contains("never closed")),
        "{p:?}"
    );
}

#[test]
fn markup_is_never_kept_as_text_tags() {
    let g = import_guide(
        "# T\n\n## S\n\n<p>Hi <script>alert(1)</script><img src=x onerror=alert(1)> <Foo bar=\"1\">kept</Foo> &lt;b&gt;</p>\n",
    )
    .expect("imports");
    assert_eq!(
        g.sections[0].intro,
        [Block::Paragraph(vec![text("Hi kept <b>")])]
    );
}

#[test]
fn deep_nesting_does_not_overflow() {
    let mut src = String::from("# T\n\n## S\n\n");
    for _ in 0..5000 {
        src.push_str("<div><span>");
    }
    src.push_str("deep");
    let g = import_guide(&src).expect("imports");
    assert_eq!(
        plain_text(match &g.sections[0].intro[0] {
            Block::Paragraph(p) => p,
            other => panic!("{other:?}"),
        }),
        "deep"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_on_arbitrary_strings(src in "\\PC*") {
        let _ = import_guide(&src);
        let _ = check_guide(&src);
    }

    #[test]
    fn never_panics_on_markup_soup(parts in prop::collection::vec(prop::sample::select(vec![
        "<section data-guide-section data-guide-scopes=\"a, b\">", "</section>", "<h2>", "</h2>",
        "<Steps>", "</Steps>", "<Step title=\"x\">", "</Step>", "<div data-guide-step>", "</div>",
        "<div data-whitelabel-hide>", "<ul>", "<li>", "</li>", "</ul>", "<p>", "</p>", "<br />",
        "- item", "`code <x>`", "`", "<a href=\"javascript:x\">", "<a href=\"https://e.x\">", "</a>",
        "<strong>", "</strong>", "<Warning>", "</Warning>", "# Title\n", "## Head\n", "> quote\n",
        "\n", "\n\n", "text", " > ", "&amp;", "&#x", "<", ">", "{", "}", "<Panel><div data-guides-scope-selector data-guide-actions-json=\"[{&quot;id&quot;:1}]\"></div></Panel>",
    ]), 0..80)) {
        let src: String = parts.concat();
        let _ = import_guide(&src);
        let _ = check_guide(&src);
    }

    #[test]
    fn never_panics_on_mutated_seeds(
        which in 0usize..2,
        cuts in prop::collection::vec((0usize..10_000, 0usize..200, "\\PC{0,8}"), 1..6),
    ) {
        let name = ["dagster-user-token.txt", "oneflow-api-token.txt"][which];
        let mut chars: Vec<char> = fixture(name).chars().collect();
        for (at, len, insert) in cuts {
            let at = at % (chars.len() + 1);
            let end = (at + len).min(chars.len());
            chars.splice(at..end, insert.chars());
        }
        let src: String = chars.into_iter().collect();
        let _ = import_guide(&src);
        let _ = check_guide(&src);
    }
}

/// Issue #17: `guide import --check` exited 0 for a guide without its linking section.
#[test]
fn check_reports_a_missing_linking_section() {
    let src = "# Connect Acme with API Key – linkhub\n\n> Summary.\n\n## Create a key\n\n<p>Open the settings.</p>\n";
    let problems = check_guide(src);
    assert!(
        problems
            .iter()
            .any(|p| p.lost && p.line == 7 && p.message.contains("no linking section")),
        "{problems:?}"
    );
    // The seeds have theirs.
    for seed in ["dagster-user-token.txt", "oneflow-api-token.txt"] {
        assert!(
            !check_guide(&fixture(seed))
                .iter()
                .any(|p| p.message.contains("linking section")),
            "{seed}"
        );
    }
}

/// Issue #17: an unclosed raw `<iframe>` or `<svg>` silently swallowed the rest of the guide,
/// linking section included.
#[test]
fn unclosed_markup_that_swallows_content_is_reported_as_lost_with_its_line() {
    let seed = fixture("dagster-user-token.txt");
    for tag in ["<iframe src=\"https://example.com\">", "<svg>", "<!--"] {
        let at = seed
            .find("<div data-whitelabel-hide>")
            .expect("linking section");
        let src = format!("{}{tag}\n{}", &seed[..at], &seed[at..]);
        let line = src[..at].matches('\n').count() + 1;
        let problems = check_guide(&src);
        assert!(
            problems
                .iter()
                .any(|p| p.lost && p.line == line && p.message.contains("swallows")),
            "{tag}: line {line}: {problems:?}"
        );
        // What it swallowed is gone from the guide: the linking section.
        let g = import_guide(&src).expect("imports");
        assert!(g.linking_section().is_none(), "{tag}");
    }
    // Repairs that lose nothing are not marked lost.
    let problems = check_guide(&fixture("oneflow-api-token.txt"));
    assert!(problems.iter().all(|p| !p.lost), "{problems:?}");
}
