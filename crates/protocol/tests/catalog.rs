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
    std::fs::write(
        dir.join("logo.svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    )
    .expect("logo");
    if let Some(g) = guide {
        std::fs::write(dir.join("guide.mdx"), g).expect("guide");
    }
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
    assert_eq!(categories.len(), 12);
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
