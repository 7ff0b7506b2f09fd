//! Catalog loading: a valid catalog loads into served types, and each invalid case is
//! refused with a message naming the file and the problem.

use std::path::Path;

use linkhub_protocol::catalog::{load_catalog, synthetic_catalog};
use linkhub_protocol::config::{ConnectorConfig, ConnectorType, FieldType};

const DAGSTER_TOML: &str = r#"key = "dagster"
name = "Dagster"
category = "data"
auth_type = "custom"
version = "1"
logo = "logo.svg"
preview = "https://{organization}.dagster.cloud/{deployment}"

[support]
link = "https://docs.dagster.io"
description = "Dagster docs"

[[fields]]
key = "user_token"
label = "User Token"
type = "password"
required = true
secret = true
placeholder = "user:…"
validation = { type = "html-pattern", pattern = "user:[0-9a-f]{32}", error = "user: and 32 hex characters" }

[[fields]]
key = "organization"
label = "Organization slug"
type = "text"
required = true

[[fields]]
key = "deployment"
label = "Deployment"
type = "text"
required = true
value = "prod"

[[notices]]
key = "admin"
type = "warning"
description = "Tokens carry your permissions."
position = "bottom"
anchor = "user_token"
"#;

fn write_connector(root: &Path, key: &str, toml: &str, guide: Option<&str>) {
    let dir = root.join(key);
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("connector.toml"), toml).expect("write toml");
    std::fs::write(dir.join("logo.svg"), logo(&name_of(toml))).expect("logo");
    if let Some(g) = guide {
        std::fs::write(dir.join("guide.mdx"), g).expect("guide");
    }
}

/// A logo following the README's rules, titled with the connector's name.
fn logo(name: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 24 24\" role=\"img\"><title>{name}</title><rect width=\"24\" height=\"24\" rx=\"5\" fill=\"#4F43DD\"/></svg>"
    )
}

/// The `name = "…"` of a definition (empty when it has none).
fn name_of(toml: &str) -> String {
    toml.lines()
        .find_map(|l| l.strip_prefix("name = \""))
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_owned()
}

fn dagster_guide() -> String {
    let path = format!(
        "{}/tests/fixtures/dagster-user-token.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path).expect("seed")
}

/// Load a catalog holding only a Dagster connector with `edit` applied to its TOML, and
/// return the error message.
fn refused(edit: impl FnOnce(&str) -> String) -> String {
    let tmp = tempfile::tempdir().expect("tempdir");
    write_connector(
        tmp.path(),
        "dagster",
        &edit(DAGSTER_TOML),
        Some(&dagster_guide()),
    );
    match load_catalog(tmp.path()) {
        Ok(_) => panic!("catalog should be refused"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn valid_catalog_loads() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write_connector(tmp.path(), "dagster", DAGSTER_TOML, Some(&dagster_guide()));
    let catalog = load_catalog(tmp.path()).expect("loads");
    let c = catalog.get("dagster").expect("dagster");
    assert_eq!(c.summary.integration_id, "dagster");
    assert_eq!(c.summary.category, "data");
    assert!(c.summary.active);
    assert_eq!(
        c.summary.logo_url.as_deref(),
        Some("/catalog/dagster/logo.svg")
    );
    assert_eq!(c.config.connector_type, ConnectorType::Custom);
    assert_eq!(c.config.config_fields.len(), 3);
    assert_eq!(c.config.config_fields[0].field_type, FieldType::Password);
    assert!(c.config.config_fields[0].secret);
    let guide = c.config.guide.as_ref().expect("guide embedded");
    assert_eq!(guide.sections.len(), 3);
    assert!(c.logo_path.ends_with("dagster/logo.svg"));
    assert!(c.oauth2.is_none());
    // The config serializes to the wire shape.
    let json = serde_json::to_value(&c.config).expect("ser");
    assert_eq!(json["configFields"][0]["readOnly"], false);
    assert_eq!(
        json["preview"],
        "https://{organization}.dagster.cloud/{deployment}"
    );
}

#[test]
fn oauth_connector_loads_with_settings() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write_connector(
        tmp.path(),
        "hubspot",
        r#"key = "hubspot"
name = "HubSpot"
category = "crm"
auth_type = "oauth2"
logo = "logo.svg"
active = false
[oauth2]
authorize_url = "https://app.hubspot.com/oauth/authorize"
token_url = "https://api.hubapi.com/oauth/v1/token"
scopes = ["crm.objects.contacts.read"]
client_id = "abc"
client_secret_env = "LINKHUB_OAUTH_HUBSPOT_SECRET"
"#,
        None,
    );
    let catalog = load_catalog(tmp.path()).expect("loads");
    let c = &catalog.connectors[0];
    assert_eq!(c.config.grant_type.as_deref(), Some("authorization_code"));
    assert!(!c.summary.active);
    let o = c.oauth2.as_ref().expect("oauth2");
    assert_eq!(
        o.client_secret_env.as_deref(),
        Some("LINKHUB_OAUTH_HUBSPOT_SECRET")
    );
    assert!(c.config.guide.is_none(), "no guide.mdx: no guide");
}

#[test]
fn toml_syntax_error_names_file_and_line() {
    let msg = refused(|t| t.replace("name = \"Dagster\"", "name = \"Dagster"));
    assert!(
        msg.contains("dagster/connector.toml: invalid TOML: line 2"),
        "{msg}"
    );
}

#[test]
fn key_must_equal_folder() {
    let msg = refused(|t| t.replace("key = \"dagster\"", "key = \"dagster2\""));
    assert!(
        msg.contains("dagster/connector.toml: key `dagster2` must equal the folder name `dagster`"),
        "{msg}"
    );
    let msg = refused(|t| t.replace("key = \"dagster\"", "key = \"Dag ster\""));
    assert!(msg.contains("must match [a-z0-9_-]+"), "{msg}");
}

#[test]
fn bad_pattern_is_refused() {
    let msg = refused(|t| t.replace("user:[0-9a-f]{32}", "["));
    assert!(
        msg.contains("dagster/connector.toml: field `user_token`: pattern `[` does not compile:"),
        "{msg}"
    );
}

#[test]
fn select_without_options_is_refused() {
    let msg = refused(|t| {
        format!("{t}\n[[fields]]\nkey = \"region\"\nlabel = \"Region\"\ntype = \"select\"\n")
    });
    assert!(
        msg.contains("field `region`: a select field needs options"),
        "{msg}"
    );
}

#[test]
fn condition_on_missing_field_is_refused() {
    let msg = refused(|t| {
        format!(
            "{t}\n[[fields]]\nkey = \"eu\"\nlabel = \"EU\"\ntype = \"text\"\ncondition = {{ field = \"region\", equals = \"eu\" }}\n"
        )
    });
    assert!(
        msg.contains("field `eu`: condition refers to unknown field `region`"),
        "{msg}"
    );
    let msg = refused(|t| {
        format!(
            "{t}\n[[fields]]\nkey = \"eu\"\nlabel = \"EU\"\ntype = \"text\"\ncondition = {{ when = \"x\" }}\n"
        )
    });
    assert!(msg.contains("field `eu`: condition must be"), "{msg}");
}

#[test]
fn notice_anchor_must_exist() {
    let msg = refused(|t| t.replace("anchor = \"user_token\"", "anchor = \"token\""));
    assert!(
        msg.contains("notice `admin`: anchor `token` is not a field key"),
        "{msg}"
    );
}

#[test]
fn preview_placeholders_must_be_fields() {
    let msg = refused(|t| t.replace("{deployment}", "{deploy}"));
    assert!(
        msg.contains("preview placeholder `{deploy}` is not a field key"),
        "{msg}"
    );
}

#[test]
fn missing_logo_is_refused() {
    let msg = refused(|t| t.replace("logo = \"logo.svg\"", "logo = \"missing.svg\""));
    assert!(
        msg.contains("dagster/connector.toml: logo `missing.svg` does not exist"),
        "{msg}"
    );
    let msg = refused(|t| t.replace("logo = \"logo.svg\"", "logo = \"../other/logo.svg\""));
    assert!(
        msg.contains("must be a file name in the connector folder"),
        "{msg}"
    );
}

#[test]
fn guide_fields_must_exist_in_the_form() {
    let msg = refused(|t| t.replace("label = \"Deployment\"", "label = \"Deployment name\""));
    assert!(
        msg.contains("dagster/guide.mdx: the linking section lists field `Deployment`, but connector.toml has no field with that label"),
        "{msg}"
    );
}

#[test]
fn broken_guide_is_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write_connector(tmp.path(), "dagster", DAGSTER_TOML, Some("no title here"));
    let msg = load_catalog(tmp.path()).expect_err("refused").to_string();
    assert!(
        msg.contains("dagster/guide.mdx: guide does not import: no `# Title` line"),
        "{msg}"
    );
}

#[test]
fn oauth_settings_must_match_auth_type() {
    let msg = refused(|t| t.replace("auth_type = \"custom\"", "auth_type = \"oauth2\""));
    assert!(
        msg.contains("auth_type = \"oauth2\" needs an [oauth2] table"),
        "{msg}"
    );
}

#[test]
fn unknown_keys_and_types_are_refused() {
    let msg = refused(|t| {
        t.replace(
            "category = \"data\"",
            "category = \"data\"\ncatgory = \"x\"",
        )
    });
    assert!(
        msg.contains("invalid TOML") && msg.contains("catgory"),
        "{msg}"
    );
    let msg = refused(|t| t.replacen("type = \"text\"", "type = \"textbox\"", 1));
    assert!(msg.contains("field `organization`: unknown type"), "{msg}");
}

#[test]
fn missing_definition_and_all_problems_reported() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(tmp.path().join("empty")).expect("mkdir");
    write_connector(
        tmp.path(),
        "dagster",
        &DAGSTER_TOML
            .replace("[0-9a-f]", "[")
            .replace("{deployment}", "{x}"),
        None,
    );
    let err = load_catalog(tmp.path()).expect_err("refused");
    assert_eq!(err.problems.len(), 3, "{err}\n{:?}", err.problems);
    let msg = err.to_string();
    assert!(msg.contains("empty/connector.toml: cannot read"), "{msg}");
    assert_eq!(msg.lines().count(), 3);
}

#[test]
fn synthetic_catalog_is_valid() {
    let tmp = tempfile::tempdir().expect("tempdir");
    synthetic_catalog(30, tmp.path()).expect("writes");
    let catalog = load_catalog(tmp.path()).expect("synthetic catalog loads");
    assert_eq!(catalog.connectors.len(), 30);
    let categories: std::collections::BTreeSet<_> = catalog
        .connectors
        .iter()
        .map(|c| c.summary.category.clone())
        .collect();
    assert_eq!(
        categories.len(),
        linkhub_protocol::catalog::SYNTHETIC_CATEGORIES.len()
    );
    assert!(catalog.connectors.iter().any(|c| c.oauth2.is_some()));
    assert_eq!(catalog.summaries().len(), 30);
}

const FRENCH: &str = r#"
[translations.fr]
support_description = "Documentation de Dagster"
fields.user_token = { label = "Jeton utilisateur", error = "user: et 32 caractères hexadécimaux" }
notices.admin = "Les jetons ont vos droits."
"#;

#[test]
fn translations_are_served_with_the_config() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let toml = format!("{DAGSTER_TOML}{FRENCH}");
    write_connector(tmp.path(), "dagster", &toml, Some(&dagster_guide()));
    let catalog = load_catalog(tmp.path()).expect("loads");
    let c = catalog.get("dagster").expect("dagster");
    let json = serde_json::to_value(&c.config).expect("ser");
    let fr = &json["translations"]["fr"];
    assert_eq!(fr["fields"]["user_token"]["label"], "Jeton utilisateur");
    assert_eq!(fr["notices"]["admin"], "Les jetons ont vos droits.");
    let mut config = c.config.clone();
    config.localize("fr");
    assert_eq!(config.config_fields[0].label, "Jeton utilisateur");
    assert_eq!(config.config_fields[1].label, "Organization slug");
}

#[test]
fn a_translated_guide_beside_the_guide_replaces_it_in_that_language() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let toml = format!("{DAGSTER_TOML}{FRENCH}");
    write_connector(tmp.path(), "dagster", &toml, Some(&dagster_guide()));
    let french = dagster_guide()
        .replacen(
            "Connect Dagster with",
            "Guide en français : Connect Dagster with",
            1,
        )
        .replace("User Token", "Jeton utilisateur");
    let dir = tmp.path().join("dagster");
    std::fs::write(dir.join("guide.fr.mdx"), &french).expect("write");
    let catalog = load_catalog(tmp.path()).expect("loads");
    let c = catalog.get("dagster").expect("dagster");
    let guide = |c: &ConnectorConfig| c.guide.clone().expect("a guide");

    let mut fr = c.config.clone();
    fr.localize("fr-CA");
    assert!(
        guide(&fr).title.starts_with("Guide en français"),
        "{}",
        guide(&fr).title
    );
    assert_eq!(guide(&fr).lang.as_deref(), Some("fr"));
    let mut de = c.config.clone();
    de.localize("de");
    assert_eq!(
        guide(&de).lang,
        None,
        "no German guide: the English one stays"
    );
    assert_eq!(guide(&de).title, guide(&c.config).title);

    // Its linking section is checked against the French labels: an English-only label
    // that the translation renamed is refused there.
    let broken = french.replace("Jeton utilisateur", "User Token");
    std::fs::write(dir.join("guide.fr.mdx"), broken).expect("write");
    let msg = load_catalog(tmp.path()).expect_err("refused").to_string();
    assert!(
        msg.contains("guide.fr.mdx") && msg.contains("`User Token`"),
        "{msg}"
    );

    // A file name that is not a locale is named, not ignored.
    std::fs::remove_file(dir.join("guide.fr.mdx")).expect("rm");
    std::fs::write(dir.join("guide.French.mdx"), &french).expect("write");
    let msg = load_catalog(tmp.path()).expect_err("refused").to_string();
    assert!(msg.contains("guide.French.mdx"), "{msg}");
}

#[test]
fn translations_must_name_existing_fields_notices_and_known_keys() {
    let msg = refused(|t| format!("{t}{}", FRENCH.replace("fields.user_token", "fields.token")));
    assert!(
        msg.contains("translations.fr: `token` is not a field key"),
        "{msg}"
    );
    let msg = refused(|t| format!("{t}{}", FRENCH.replace("notices.admin", "notices.owner")));
    assert!(
        msg.contains("translations.fr: `owner` is not a notice key"),
        "{msg}"
    );
    let msg = refused(|t| format!("{t}{}", FRENCH.replace("label =", "lable =")));
    assert!(msg.contains("lable"), "a typo is refused: {msg}");
    let msg = refused(|t| {
        format!(
            "{t}{}",
            FRENCH.replace("translations.fr", "translations.French")
        )
    });
    assert!(
        msg.contains("`French` is not a lowercase language code"),
        "{msg}"
    );
}

/// The repository's catalog: Dagster's and Oneflow's forms read fully in every language of
/// the widget (labels, descriptions and validation messages), not half in English.
#[test]
fn dagster_and_oneflow_are_translated_into_every_widget_language() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog");
    let catalog = load_catalog(&dir).unwrap_or_else(|e| panic!("{e}"));
    for key in ["dagster", "oneflow"] {
        let config = &catalog.get(key).expect(key).config;
        for locale in ["fr", "de", "es", "ja", "ar"] {
            let t = config
                .translations
                .get(locale)
                .unwrap_or_else(|| panic!("{key}: no {locale}"));
            assert!(t.support_description.is_some(), "{key} {locale}: support");
            for field in &config.config_fields {
                let at = format!("{key} {locale} {}", field.key);
                let ft = t.fields.get(&field.key).unwrap_or_else(|| panic!("{at}"));
                assert!(ft.label.is_some(), "{at}: label");
                assert!(ft.description.is_some(), "{at}: description");
                assert_eq!(
                    ft.tooltip.is_some(),
                    field.tooltip.is_some(),
                    "{at}: tooltip"
                );
                assert!(ft.error.is_some(), "{at}: validation error");
            }
        }
    }
}

/// The repository's catalog in French, the widget's second complete language: every
/// connector's form (labels, descriptions, tooltips, validation messages, option labels),
/// its notices, its support line and its guide, wherever English has that text.
#[test]
fn every_connector_is_translated_into_french() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog");
    let catalog = load_catalog(&dir).unwrap_or_else(|e| panic!("{e}"));
    let mut keys = 0;
    for entry in &catalog.connectors {
        keys += 1;
        let config = &entry.config;
        let key = &entry.key;
        let fr = config
            .translations
            .get("fr")
            .unwrap_or_else(|| panic!("{key}: no [translations.fr]"));
        assert!(fr.support_description.is_some(), "{key}: support");
        let guide = fr
            .guide
            .as_ref()
            .unwrap_or_else(|| panic!("{key}: no guide.fr.mdx"));
        assert_eq!(guide.lang.as_deref(), Some("fr"), "{key}: guide language");
        for field in &config.config_fields {
            let at = format!("{key} fr {}", field.key);
            let ft = fr.fields.get(&field.key).unwrap_or_else(|| panic!("{at}"));
            assert!(ft.label.is_some(), "{at}: label");
            assert_eq!(
                ft.description.is_some(),
                field.description.is_some(),
                "{at}: description"
            );
            assert_eq!(
                ft.tooltip.is_some(),
                field.tooltip.is_some(),
                "{at}: tooltip"
            );
            let has_error = field.validation.as_ref().is_some_and(|v| v.error.is_some());
            assert_eq!(ft.error.is_some(), has_error, "{at}: validation error");
            for option in field.options.iter().flatten() {
                assert!(
                    ft.options.contains_key(&option.value),
                    "{at}: option {}",
                    option.value
                );
            }
        }
        for notice in &config.config_notices {
            assert!(
                fr.notices.contains_key(&notice.key),
                "{key} fr: notice {}",
                notice.key
            );
        }
    }
    assert!(
        keys >= 16,
        "the whole demo catalog was read ({keys} connectors)"
    );
}

// --- The rules of catalog/README.md, each refused at load with the file and the line
// (issue #17: the catalog check accepted all of these and the server started with them).

/// The 1-based line of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("`{needle}` not found"))
        + 1
}

#[test]
fn an_unknown_category_is_refused_with_its_line() {
    let msg = refused(|t| t.replace("category = \"data\"", "category = \"wizardry\""));
    assert!(
        msg.contains(
            "dagster/connector.toml: line 3: category `wizardry` is not one of hris, ats, crm"
        ),
        "{msg}"
    );
    for category in linkhub_protocol::catalog::CATEGORIES {
        let tmp = tempfile::tempdir().expect("tempdir");
        let toml = DAGSTER_TOML.replace("\"data\"", &format!("\"{category}\""));
        write_connector(tmp.path(), "dagster", &toml, Some(&dagster_guide()));
        load_catalog(tmp.path()).unwrap_or_else(|e| panic!("{category}: {e}"));
    }
}

#[test]
fn a_support_link_must_be_https_or_mailto() {
    for link in [
        "javascript:alert(1)",
        "JavaScript:alert(document.domain)",
        "http://docs.dagster.io",
        "data:text/html,<script>alert(1)</script>",
        "/catalog/dagster",
        "https://",
        "https://docs.dagster.io/ x",
    ] {
        let msg = refused(|t| t.replace("https://docs.dagster.io", link));
        let line = line_of(DAGSTER_TOML, "link = ");
        assert!(
            msg.contains(&format!(
                "dagster/connector.toml: line {line}: support link"
            )),
            "{link}: {msg}"
        );
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let toml = DAGSTER_TOML.replace("https://docs.dagster.io", "mailto:help@dagster.io");
    write_connector(tmp.path(), "dagster", &toml, Some(&dagster_guide()));
    load_catalog(tmp.path()).unwrap_or_else(|e| panic!("mailto: {e}"));
}

#[test]
fn a_name_over_the_limit_is_refused_in_every_language() {
    let limit = linkhub_protocol::catalog::MAX_NAME_CHARS;
    let long = "D".repeat(limit + 1);
    let msg = refused(|t| t.replace("name = \"Dagster\"", &format!("name = \"{long}\"")));
    assert!(
        msg.contains(&format!(
            "dagster/connector.toml: line 2: the name is {} characters long; at most {limit} are allowed",
            limit + 1
        )),
        "{msg}"
    );
    let msg = refused(|t| {
        format!(
            "{t}\n[translations.fr]\nname = \"{}\"\n",
            "é".repeat(20_000)
        )
    });
    assert!(msg.contains("the name is 20000 characters long"), "{msg}");
    // At the limit it loads (the logo's title names it).
    let tmp = tempfile::tempdir().expect("tempdir");
    let name = "Ð".repeat(limit);
    let toml = DAGSTER_TOML.replace("name = \"Dagster\"", &format!("name = \"{name}\""));
    write_connector(tmp.path(), "dagster", &toml, Some(&dagster_guide()));
    load_catalog(tmp.path()).unwrap_or_else(|e| panic!("{e}"));
}

/// Loads the Dagster connector with `svg` as its logo; the catalog's message.
fn logo_refused(svg: &str) -> String {
    let tmp = tempfile::tempdir().expect("tempdir");
    write_connector(tmp.path(), "dagster", DAGSTER_TOML, Some(&dagster_guide()));
    std::fs::write(tmp.path().join("dagster/logo.svg"), svg).expect("logo");
    match load_catalog(tmp.path()) {
        Ok(_) => panic!("logo should be refused: {svg}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_logo_with_scripts_handlers_or_outside_references_is_refused_naming_the_line() {
    let head = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 24 24\" role=\"img\">\n<title>Dagster</title>\n";
    for (body, expected) in [
        (
            "<script>alert(1)</script>",
            "<script> is not allowed in a logo",
        ),
        (
            "<rect onload=\"alert(1)\"/>",
            "event handler attribute `onload`",
        ),
        (
            "<rect ONCLICK=\"alert(1)\"/>",
            "event handler attribute `onclick`",
        ),
        (
            "<a href=\"javascript:alert(1)\"><rect/></a>",
            "<a> is not allowed",
        ),
        (
            "<use href=\"javascript:alert(1)\"/>",
            "refers outside the logo",
        ),
        (
            "<use xlink:href=\"https://evil.example/x.svg#a\"/>",
            "refers outside the logo",
        ),
        (
            "<use href=\"&#106;avascript:alert(1)\"/>",
            "refers outside the logo",
        ),
        (
            "<image href=\"data:image/png;base64,AAAA\"/>",
            "<image> is not allowed",
        ),
        (
            "<foreignObject><p>x</p></foreignObject>",
            "<foreignobject> is not allowed",
        ),
        (
            "<rect fill=\"url(https://evil.example/p.svg#g)\"/>",
            "refers outside the logo",
        ),
        ("<rect style=\"fill:url(#g)\"/>", "style attribute"),
        (
            "<style>@import url(https://evil.example/x.css);</style>",
            "<style> is not allowed",
        ),
        (
            "<set attributeName=\"href\" to=\"javascript:alert(1)\"/>",
            "<set> is not allowed",
        ),
    ] {
        let msg = logo_refused(&format!("{head}{body}\n</svg>\n"));
        assert!(
            msg.contains("dagster/logo.svg: line 3: ") && msg.contains(expected),
            "{body}: {msg}"
        );
    }
    let msg = logo_refused(
        "<!DOCTYPE svg [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 24 24\" role=\"img\"><title>Dagster</title></svg>",
    );
    assert!(msg.contains("line 1: a DOCTYPE is not allowed"), "{msg}");
    // A local reference (a gradient by #id) is fine.
    let tmp = tempfile::tempdir().expect("tempdir");
    write_connector(tmp.path(), "dagster", DAGSTER_TOML, Some(&dagster_guide()));
    std::fs::write(
        tmp.path().join("dagster/logo.svg"),
        format!("{head}<defs><linearGradient id=\"g\"><stop offset=\"0\" stop-color=\"#000\"/></linearGradient></defs><rect fill=\"url(#g)\" width=\"24\" height=\"24\"/><use href=\"#g\"/></svg>"),
    )
    .expect("logo");
    load_catalog(tmp.path()).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn a_logo_needs_the_view_box_role_and_a_title_naming_the_provider() {
    let msg = logo_refused(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 32 32\"><title>Dagster</title></svg>",
    );
    assert!(
        msg.contains("dagster/logo.svg: line 1: <svg> needs viewBox=\"0 0 24 24\""),
        "{msg}"
    );
    assert!(msg.contains("<svg> needs role=\"img\""), "{msg}");
    let msg = logo_refused("<svg viewBox=\"0 0 24 24\" role=\"img\"><rect/></svg>");
    assert!(msg.contains("the logo has no <title>"), "{msg}");
    let msg = logo_refused("<svg viewBox=\"0 0 24 24\" role=\"img\">\n<title>Other</title></svg>");
    assert!(
        msg.contains("line 2: the logo's <title> `other` does not name `Dagster`"),
        "{msg}"
    );
    let msg = logo_refused("<html><body>not a logo</body></html>");
    assert!(
        msg.contains("the logo's first element is <html>, not <svg>"),
        "{msg}"
    );
}

#[test]
fn the_demo_logos_follow_the_rules() {
    // The real catalog loads with every rule on (its logos included).
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog");
    let catalog = load_catalog(&dir).unwrap_or_else(|e| panic!("{e}"));
    assert!(catalog.connectors.len() >= 16);
}

/// Loads the Dagster connector with `guide` as its guide; the catalog's message.
fn guide_refused(guide: &str) -> String {
    let tmp = tempfile::tempdir().expect("tempdir");
    write_connector(tmp.path(), "dagster", DAGSTER_TOML, Some(guide));
    match load_catalog(tmp.path()) {
        Ok(_) => panic!("guide should be refused"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_guide_without_its_linking_section_is_refused() {
    let guide = dagster_guide();
    let cut = guide
        .find("<div data-whitelabel-hide>")
        .expect("linking section");
    let msg = guide_refused(&guide[..cut]);
    assert!(
        msg.contains("dagster/guide.mdx: line ")
            && msg.contains("the guide has no linking section"),
        "{msg}"
    );
}

#[test]
fn a_linking_section_must_list_exactly_the_form_labels_in_order() {
    let guide = dagster_guide();
    let missing = guide.replace("        <li><strong>Deployment</strong></li>\n", "");
    let msg = guide_refused(&missing);
    assert!(
        msg.contains("the linking section must list exactly the form's field labels, in form order: User Token, Organization slug, Deployment"),
        "{msg}"
    );
    let swapped = guide
        .replace(
            "<li><strong>User Token</strong></li>",
            "<li><strong>@@</strong></li>",
        )
        .replace(
            "<li><strong>Deployment</strong></li>",
            "<li><strong>User Token</strong></li>",
        )
        .replace(
            "<li><strong>@@</strong></li>",
            "<li><strong>Deployment</strong></li>",
        );
    let msg = guide_refused(&swapped);
    assert!(msg.contains("in form order"), "{msg}");
}

#[test]
fn unclosed_raw_markup_that_swallows_the_guide_is_refused_naming_its_line() {
    let guide = dagster_guide();
    for tag in [
        "<iframe src=\"https://evil.example\">",
        "<svg>",
        "<script>",
        "<!-- a note",
        "<strong>",
    ] {
        // Before the first section: everything after it, linking section included, is lost.
        let at = guide.find("<section").expect("a section");
        let broken = format!("{}{tag}\n{}", &guide[..at], &guide[at..]);
        let line = line_of(&broken, tag);
        let msg = guide_refused(&broken);
        assert!(
            msg.contains(&format!("dagster/guide.mdx: line {line}: ")) && msg.contains("swallows"),
            "{tag}: {msg}"
        );
    }
    // Inside a section, an unclosed tag swallows the rest of it.
    let at = guide.find("<h2>Generate").expect("heading");
    let broken = format!("{}<iframe>\n{}", &guide[..at], &guide[at..]);
    let line = line_of(&broken, "<iframe>");
    let msg = guide_refused(&broken);
    assert!(
        msg.contains(&format!(
            "line {line}: <iframe> is not closed before </section>"
        )),
        "{msg}"
    );
}

#[test]
fn form_and_notice_rules_of_the_readme_are_held() {
    let cases: Vec<(String, &str)> = vec![
        (
            DAGSTER_TOML.replace("key = \"organization\"", "key = \"Organization-Slug\""),
            "field key `Organization-Slug` must be snake_case",
        ),
        (
            DAGSTER_TOML.replace("label = \"Deployment\"", "label = \"organization slug\""),
            "label `organization slug` is another field's label too",
        ),
        (
            DAGSTER_TOML.replace(", error = \"user: and 32 hex characters\"", ""),
            "field `user_token`: the validation needs an `error`",
        ),
        (
            DAGSTER_TOML.replace("user:[0-9a-f]{32}", "(?P<kind>user):[0-9a-f]{32}"),
            "field `user_token`: pattern `(?P<kind>user):[0-9a-f]{32}` uses a named group",
        ),
        (
            format!(
                "{DAGSTER_TOML}\n[[notices]]\nkey = \"admin\"\ntype = \"info\"\ndescription = \"x\"\nposition = \"top\"\n"
            ),
            "notice `admin`: another notice has this key",
        ),
        (
            DAGSTER_TOML.replace("type = \"warning\"", "type = \"danger\""),
            "notice `admin`: type `danger` is not info or warning",
        ),
        (
            format!(
                "{DAGSTER_TOML}\n[[fields]]\nkey = \"region\"\nlabel = \"Region\"\ntype = \"select\"\nvalue = \"Europe\"\noptions = [{{ label = \"Europe\", value = \"eu\" }}]\n"
            ),
            "field `region`: value `Europe` is not one of its option values",
        ),
        (
            format!(
                "{DAGSTER_TOML}\n[[fields]]\nkey = \"region\"\nlabel = \"Region\"\ntype = \"select\"\noptions = [{{ label = \"Europe\", value = \"eu\" }}]\n\n[[fields]]\nkey = \"site\"\nlabel = \"Site\"\ntype = \"text\"\ncondition = {{ field = \"region\", equals = \"Europe\" }}\n"
            ),
            "field `site`: condition value `Europe` is not an option value of `region`",
        ),
    ];
    for (toml, expected) in cases {
        let msg = refused(|_| toml.clone());
        assert!(
            msg.contains("dagster/connector.toml: line ") && msg.contains(expected),
            "{expected}: {msg}"
        );
    }
}

#[test]
fn an_oauth_client_secret_variable_follows_the_naming_rule() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let toml = r#"key = "hub-spot"
name = "HubSpot"
category = "crm"
auth_type = "oauth2"
logo = "logo.svg"
[oauth2]
authorize_url = "https://app.hubspot.com/oauth/authorize"
token_url = "https://api.hubapi.com/oauth/v1/token"
client_id = "abc"
client_secret_env = "HUBSPOT_SECRET"
"#;
    write_connector(tmp.path(), "hub-spot", toml, None);
    let msg = load_catalog(tmp.path()).expect_err("refused").to_string();
    assert!(
        msg.contains("hub-spot/connector.toml: line 10: client_secret_env `HUBSPOT_SECRET` must be `LINKHUB_OAUTH_HUB_SPOT_SECRET`"),
        "{msg}"
    );
}

/// The e2e tier's hostile fixture (tests/fixtures/hostile-catalog, written by
/// `hostile-catalog.mjs`) passes every rule, and really is hostile: every text slot of the
/// connector and its guide carries markup, a bidi override and a 20,000-character word.
#[test]
fn the_hostile_fixture_catalog_passes_the_rules_and_is_hostile_in_every_text_slot() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/hostile-catalog");
    let catalog = load_catalog(&dir).unwrap_or_else(|e| panic!("{e}"));
    let c = catalog.get("hostile").expect("hostile");
    assert!(c.config.name.contains('\u{202E}') && c.config.name.contains("<img"));
    let hostile = |what: &str, text: &str| {
        assert!(
            text.contains("<script>") && text.contains('\u{202E}'),
            "{what}: markup and a bidi override"
        );
        let longest = text.split_whitespace().map(|w| w.chars().count()).max();
        assert!(longest >= Some(20_000), "{what}: a 20,000-character word");
    };
    let support = c.config.support.as_ref().expect("support");
    hostile("support", &support.description);
    assert!(support.link.contains("javascript:"));
    for f in &c.config.config_fields {
        hostile(&f.key, &f.label);
        hostile(&f.key, f.description.as_deref().unwrap_or_default());
        if let Some(p) = &f.placeholder {
            hostile(&f.key, p);
        }
        if let Some(t) = &f.tooltip {
            hostile(&f.key, t);
        }
        if let Some(e) = f.validation.as_ref().and_then(|v| v.error.as_deref()) {
            hostile(&f.key, e);
        }
        for o in f.options.iter().flatten() {
            hostile(&o.value, &o.label);
        }
    }
    for n in &c.config.config_notices {
        hostile(&n.key, &n.description);
    }
    let ar = c.config.translations.get("ar").expect("Arabic");
    for (key, t) in &ar.fields {
        hostile(key, t.label.as_deref().unwrap_or_default());
    }
    let guide = c.config.guide.as_ref().expect("guide");
    hostile("guide title", &guide.title);
    hostile("guide summary", &guide.summary);
    for a in &guide.actions {
        hostile("scope action", &a.label);
    }
    let json = serde_json::to_string(guide).expect("json");
    assert!(
        !json.contains("javascript:window.__pwned=1\","),
        "script links are dropped"
    );
    for s in &guide.sections {
        hostile(
            "section",
            &format!(
                "{} {}",
                s.heading,
                serde_json::to_string(s)
                    .expect("json")
                    .replace("\\u003c", "<")
            ),
        );
    }
}
