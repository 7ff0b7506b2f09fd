//! Field validation: the same verdicts the server and the widget give.

use std::collections::BTreeMap;

use linkhub_protocol::config::{
    Condition, ConfigField, ConnectorConfig, FieldType, FieldValidation, SelectOption,
    ValidationKind, render_preview,
};
use linkhub_protocol::hub::ConnectorDetail;
use linkhub_protocol::validate::{
    AcceptAllPatterns, FieldError, PatternMatcher, RegexMatcher, validate_credentials,
    validate_field,
};
use serde_json::json;

fn pattern_field(pattern: &str) -> ConfigField {
    let mut f = ConfigField::new("user_token", "User Token", FieldType::Password);
    f.required = true;
    f.validation = Some(FieldValidation {
        kind: ValidationKind::HtmlPattern,
        pattern: pattern.into(),
        error: Some("Expected user: and 32 hex characters".into()),
    });
    f
}

fn dagster() -> ConnectorConfig {
    let path = format!(
        "{}/tests/fixtures/connector_detail.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path).expect("fixture");
    serde_json::from_str::<ConnectorDetail>(&text)
        .expect("parses")
        .config
}

#[test]
fn html_pattern_matches_the_whole_value() {
    let m = RegexMatcher::new();
    let f = pattern_field("user:[0-9a-f]{32}");
    let good = "user:0afb128e57084fce8fd15c62d75e4bd6";
    assert_eq!(validate_field(&f, Some(good), &m), Ok(()));
    // Regression: an unanchored search accepted trailing and leading junk.
    for bad in [
        "user:0afb128e57084fce8fd15c62d75e4bd6 junk",
        "xuser:0afb128e57084fce8fd15c62d75e4bd6",
        "user:0afb128e57084fce8fd15c62d75e4bd6\n",
        "user:0AFB128E57084FCE8FD15C62D75E4BD6",
    ] {
        assert_eq!(
            validate_field(&f, Some(bad), &m),
            Err(FieldError::Pattern {
                message: Some("Expected user: and 32 hex characters".into())
            }),
            "{bad:?}"
        );
    }
}

#[test]
fn alternation_stays_anchored() {
    let m = RegexMatcher::new();
    // HTML wraps the pattern in `^(?:…)$`, so both alternatives are anchored.
    assert_eq!(m.whole_match("a|b", "ab"), Ok(false));
    assert_eq!(m.whole_match("a|b", "b"), Ok(true));
    // A pattern that only compiles once wrapped is refused, not silently unanchored.
    assert!(m.whole_match("a)|(b", "a").is_err());
}

#[test]
fn invalid_patterns_are_reported_not_matched() {
    let m = RegexMatcher::new();
    assert!(m.whole_match("[", "x").is_err());
    assert!(
        m.whole_match("[", "x").is_err(),
        "cached failures stay failures"
    );
    assert_eq!(
        validate_field(&pattern_field("["), Some("x"), &m),
        Err(FieldError::InvalidPattern)
    );
}

#[test]
fn required_and_optional_empty_values() {
    let m = RegexMatcher::new();
    let f = pattern_field("user:[0-9a-f]{32}");
    assert_eq!(validate_field(&f, None, &m), Err(FieldError::Required));
    assert_eq!(
        validate_field(&f, Some("   "), &m),
        Err(FieldError::Required)
    );
    let mut optional = f.clone();
    optional.required = false;
    assert_eq!(
        validate_field(&optional, Some(""), &m),
        Ok(()),
        "empty optional field passes"
    );
    assert_eq!(validate_field(&optional, None, &m), Ok(()));
}

#[test]
fn domain_validation() {
    let mut f = ConfigField::new("url", "URL", FieldType::Text);
    f.validation = Some(FieldValidation {
        kind: ValidationKind::Domain,
        pattern: "oneflow.com".into(),
        error: None,
    });
    let m = AcceptAllPatterns;
    assert_eq!(
        validate_field(&f, Some("https://app.OneFlow.com/x"), &m),
        Ok(())
    );
    let err = validate_field(&f, Some("https://evil.example"), &m);
    assert_eq!(
        err,
        Err(FieldError::Domain {
            domain: "oneflow.com".into()
        })
    );
    assert_eq!(
        err.map_err(|e| e.to_string()),
        Err("The value must contain oneflow.com.".into())
    );
}

#[test]
fn select_and_number() {
    let m = AcceptAllPatterns;
    let mut s = ConfigField::new("region", "Region", FieldType::Select);
    s.options = Some(vec![
        SelectOption {
            label: "Europe".into(),
            value: "eu".into(),
        },
        SelectOption {
            label: "US".into(),
            value: "us".into(),
        },
    ]);
    assert_eq!(validate_field(&s, Some("eu"), &m), Ok(()));
    assert_eq!(
        validate_field(&s, Some("Europe"), &m),
        Err(FieldError::NotAnOption)
    );
    let n = ConfigField::new("port", "Port", FieldType::Number);
    assert_eq!(validate_field(&n, Some("8080"), &m), Ok(()));
    assert_eq!(validate_field(&n, Some(" -1.5e3 "), &m), Ok(()));
    for bad in ["12a", "NaN", "inf", "0x10"] {
        assert_eq!(
            validate_field(&n, Some(bad), &m),
            Err(FieldError::NotANumber),
            "{bad}"
        );
    }
}

#[test]
fn field_errors_serialize_with_a_code() {
    assert_eq!(
        serde_json::to_value(FieldError::Required).expect("ser"),
        json!({"code": "required"})
    );
    assert_eq!(
        serde_json::to_value(FieldError::Pattern { message: None }).expect("ser"),
        json!({"code": "pattern", "message": null})
    );
    assert_eq!(
        FieldError::Pattern { message: None }.to_string(),
        "The value does not have the expected format."
    );
    assert_eq!(
        FieldError::Pattern {
            message: Some("Custom".into())
        }
        .to_string(),
        "Custom"
    );
    assert_eq!(
        FieldError::UnknownField.to_string(),
        "This connector has no such field."
    );
}

#[test]
fn credentials_are_checked_as_a_form() {
    let config = dagster();
    let m = RegexMatcher::new();
    let ok = BTreeMap::from([
        (
            "user_token".to_owned(),
            json!("user:0afb128e57084fce8fd15c62d75e4bd6"),
        ),
        ("organization".to_owned(), json!("acme")),
        ("eu_cluster".to_owned(), json!("eu-1")),
    ]);
    assert_eq!(validate_credentials(&config, &ok, &m), BTreeMap::new());

    let bad = BTreeMap::from([
        ("user_token".to_owned(), json!("user:nothex")),
        ("typo_field".to_owned(), json!("x")),
        ("region".to_owned(), json!("mars")),
    ]);
    let errors = validate_credentials(&config, &bad, &m);
    assert!(matches!(
        errors.get("user_token"),
        Some(FieldError::Pattern { .. })
    ));
    assert_eq!(errors.get("typo_field"), Some(&FieldError::UnknownField));
    assert_eq!(errors.get("organization"), Some(&FieldError::Required));
    assert_eq!(errors.get("region"), Some(&FieldError::NotAnOption));
    // region = mars: the eu_cluster condition does not hold, so it is not required.
    assert_eq!(errors.get("eu_cluster"), None);
    // display: false hides api_url (domain example.com): a wrong value is not checked.
    assert_eq!(errors.get("api_url"), None);
}

#[test]
fn conditions_fall_back_to_defaults() {
    let config = dagster();
    let m = RegexMatcher::new();
    // No region sent: its default "eu" makes eu_cluster visible and required.
    let creds = BTreeMap::from([
        (
            "user_token".to_owned(),
            json!("user:0afb128e57084fce8fd15c62d75e4bd6"),
        ),
        ("organization".to_owned(), json!("acme")),
    ]);
    let errors = validate_credentials(&config, &creds, &m);
    assert_eq!(errors.get("eu_cluster"), Some(&FieldError::Required));
}

#[test]
fn visibility_rules() {
    let mut f = ConfigField::new("k", "K", FieldType::Text);
    assert!(f.is_visible(&BTreeMap::<String, String>::new()));
    f.display = Some(false);
    assert!(!f.is_visible(&BTreeMap::<String, String>::new()));
    f.display = None;
    f.condition = Some(Condition::In {
        field: "plan".into(),
        any_of: vec![json!("pro"), json!(2)],
    });
    assert!(f.is_visible(&[("plan", "pro")][..]));
    assert!(
        f.is_visible(&[("plan", "2")][..]),
        "numbers compare as text"
    );
    assert!(!f.is_visible(&[("plan", "free")][..]));
    assert!(!f.is_visible(&[][..]));
}

#[test]
fn preview_needs_every_placeholder() {
    let t = "https://{organization}.dagster.cloud/{deployment}";
    assert_eq!(render_preview(t, &[("organization", "acme")][..]), None);
    assert_eq!(
        render_preview(t, &[("organization", "acme"), ("deployment", " ")][..]),
        None
    );
    assert_eq!(
        render_preview(t, &[("organization", " acme "), ("deployment", "prod")][..]).as_deref(),
        Some("https://acme.dagster.cloud/prod")
    );
    assert_eq!(
        render_preview("no placeholders", &[][..]).as_deref(),
        Some("no placeholders")
    );
    assert_eq!(
        render_preview("open { brace", &[][..]).as_deref(),
        Some("open { brace")
    );
    assert_eq!(
        linkhub_protocol::config::preview_placeholders(t),
        vec!["organization", "deployment"]
    );
}
