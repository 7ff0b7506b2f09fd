//! The linking form's rules, without view code: initial values (defaults, or the account
//! being edited), which errors to show, what to send, and when to reuse an
//! `Idempotency-Key`. Pure, so it is tested natively.

use std::collections::{BTreeMap, BTreeSet};

use linkhub_protocol::config::{ConfigField, ConnectorConfig, json_as_text};
use linkhub_protocol::hub::{CreateAccountRequest, HubAccount, is_redacted};
use linkhub_protocol::validate::{FieldError, PatternMatcher, validate_field};

/// Form values by field key, as the inputs hold them.
pub type Values = BTreeMap<String, String>;

/// The values a form starts with: each field's default, overridden by the stored account's
/// setup information and (redacted) secrets in edit mode.
pub fn initial_values(config: &ConnectorConfig, account: Option<&HubAccount>) -> Values {
    let mut values = Values::new();
    for field in &config.config_fields {
        if let Some(v) = field.default_value() {
            values.insert(field.key.clone(), v.into_owned());
        }
    }
    if let Some(account) = account {
        for (k, v) in &account.setup_information {
            if let Some(text) = json_as_text(v) {
                values.insert(k.clone(), text.into_owned());
            }
        }
        for (k, v) in account.secrets.iter().flatten() {
            values.insert(k.clone(), v.clone());
        }
    }
    values
}

/// Whether a field takes part in the form for these values: its condition holds. Fields
/// with `display: false` are not shown but still take part (their fixed value is sent).
pub fn is_active(field: &ConfigField, values: &Values) -> bool {
    field.condition.as_ref().is_none_or(|c| c.holds(values))
}

/// Whether a field is shown: not `display: false`, and its condition holds.
pub fn is_shown(field: &ConfigField, values: &Values) -> bool {
    field.is_visible(values)
}

/// The error of one field for these values, if any. Hidden fields and untouched redacted
/// secrets (edit mode) always pass.
pub fn field_error(
    field: &ConfigField,
    values: &Values,
    matcher: &dyn PatternMatcher,
) -> Option<FieldError> {
    if !is_shown(field, values) {
        return None;
    }
    let value = values.get(&field.key).map(String::as_str);
    if value.is_some_and(is_redacted) {
        return None;
    }
    validate_field(field, value, matcher).err()
}

/// Every shown field's error: the form-level check run before submit.
pub fn form_errors(
    config: &ConnectorConfig,
    values: &Values,
    matcher: &dyn PatternMatcher,
) -> BTreeMap<String, FieldError> {
    config
        .config_fields
        .iter()
        .filter_map(|f| field_error(f, values, matcher).map(|e| (f.key.clone(), e)))
        .collect()
}

/// The body to send. Creating: every active field with a non-blank value. Editing (`initial`
/// given): only values that changed, never an untouched redacted secret.
pub fn request_body(
    config: &ConnectorConfig,
    integration_id: &str,
    values: &Values,
    initial: Option<&Values>,
) -> CreateAccountRequest {
    let credentials = config
        .config_fields
        .iter()
        .filter(|f| is_active(f, values))
        .filter_map(|f| {
            let v = values.get(&f.key)?;
            if is_redacted(v) {
                return None;
            }
            match initial {
                Some(initial) if initial.get(&f.key) == Some(v) => None,
                Some(_) => Some((f.key.clone(), v.trim().to_owned())),
                None if v.trim().is_empty() => None,
                None => Some((f.key.clone(), v.trim().to_owned())),
            }
        })
        .map(|(k, v)| (k, serde_json::Value::String(v)))
        .collect();
    CreateAccountRequest {
        integration_id: integration_id.to_owned(),
        credentials,
    }
}

/// Keys of fields whose errors should show: touched ones (after their first blur), or all
/// once the user tried to submit.
pub fn shows_error(key: &str, touched: &BTreeSet<String>, submitted: bool) -> bool {
    submitted || touched.contains(key)
}

/// Chooses the `Idempotency-Key` of each submit: a retry of the very same body after a
/// network error or a 5xx reuses the previous key, so the server links the account once
/// even if the first request did reach it; anything else gets a fresh key.
#[derive(Clone, Debug, Default)]
pub struct IdempotencyKeys {
    last: Option<(String, String)>,
    retryable: bool,
}

impl IdempotencyKeys {
    /// The key for a submit of `body`; `fresh` makes a new random key.
    pub fn key_for(&mut self, body: &str, fresh: impl FnOnce() -> String) -> String {
        if let Some((last_body, key)) = &self.last
            && self.retryable
            && last_body == body
        {
            return key.clone();
        }
        let key = fresh();
        self.last = Some((body.to_owned(), key.clone()));
        self.retryable = false;
        key
    }

    /// Records how the last submit ended: `true` when it may be retried with the same key.
    pub fn finished(&mut self, retryable: bool) {
        self.retryable = retryable;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linkhub_protocol::config::{Condition, FieldType, FieldValidation, ValidationKind};
    use linkhub_protocol::validate::AcceptAllPatterns;

    fn config(fields: Vec<ConfigField>) -> ConnectorConfig {
        serde_json::from_value(serde_json::json!({
            "key": "x", "name": "X", "type": "custom", "configFields": fields
        }))
        .expect("config")
    }

    fn zendesk_like() -> ConnectorConfig {
        let mut method = ConfigField::new("auth_method", "Method", FieldType::Select);
        method.required = true;
        method.value = Some("api_token".into());
        method.options = Some(vec![
            linkhub_protocol::config::SelectOption {
                label: "Token".into(),
                value: "api_token".into(),
            },
            linkhub_protocol::config::SelectOption {
                label: "Password".into(),
                value: "password".into(),
            },
        ]);
        let mut token = ConfigField::new("api_token", "Token", FieldType::Password);
        token.required = true;
        token.secret = true;
        token.condition = Some(Condition::Equals {
            field: "auth_method".into(),
            equals: "api_token".into(),
        });
        let mut password = ConfigField::new("password", "Password", FieldType::Password);
        password.required = true;
        password.condition = Some(Condition::Equals {
            field: "auth_method".into(),
            equals: "password".into(),
        });
        let mut region = ConfigField::new("region", "Region", FieldType::Text);
        region.display = Some(false);
        region.value = Some("eu".into());
        config(vec![method, token, password, region])
    }

    #[test]
    fn defaults_then_account_values_fill_the_form() {
        let cfg = zendesk_like();
        let fresh = initial_values(&cfg, None);
        assert_eq!(
            fresh.get("auth_method").map(String::as_str),
            Some("api_token")
        );
        let account: HubAccount = serde_json::from_value(serde_json::json!({
            "secureId": "acc_1", "provider": "zendesk", "integrationId": "zendesk",
            "setupInformation": {"auth_method": "password"},
            "secrets": {"password": "__secretvalue:**redacted**"}
        }))
        .expect("account");
        let edit = initial_values(&cfg, Some(&account));
        assert_eq!(
            edit.get("auth_method").map(String::as_str),
            Some("password")
        );
        assert!(is_redacted(&edit["password"]));
    }

    #[test]
    fn hidden_conditional_fields_are_neither_checked_nor_sent() {
        let cfg = zendesk_like();
        let mut values = initial_values(&cfg, None);
        let errors = form_errors(&cfg, &values, &AcceptAllPatterns);
        assert_eq!(errors.keys().collect::<Vec<_>>(), vec!["api_token"]);
        values.insert("api_token".into(), "tok".into());
        values.insert("password".into(), "left over".into());
        assert!(form_errors(&cfg, &values, &AcceptAllPatterns).is_empty());
        let body = request_body(&cfg, "zendesk", &values, None);
        let keys: Vec<_> = body.credentials.keys().cloned().collect();
        // `region` is display:false but has a fixed value: it is sent; `password` is not.
        assert_eq!(keys, vec!["api_token", "auth_method", "region"]);
    }

    #[test]
    fn edit_mode_sends_only_changed_values_and_never_redacted_ones() {
        let cfg = zendesk_like();
        let mut initial = initial_values(&cfg, None);
        initial.insert("api_token".into(), "__secretvalue:**redacted**abcd".into());
        let mut values = initial.clone();
        assert!(
            request_body(&cfg, "zendesk", &values, Some(&initial))
                .credentials
                .is_empty()
        );
        assert!(form_errors(&cfg, &values, &AcceptAllPatterns).is_empty());
        values.insert("api_token".into(), "new-token".into());
        let body = request_body(&cfg, "zendesk", &values, Some(&initial));
        assert_eq!(
            body.credentials.get("api_token"),
            Some(&serde_json::Value::String("new-token".into()))
        );
        assert_eq!(body.credentials.len(), 1);
    }

    #[test]
    fn pattern_errors_come_from_the_matcher() {
        struct Never;
        impl PatternMatcher for Never {
            fn whole_match(&self, _: &str, _: &str) -> Result<bool, String> {
                Ok(false)
            }
        }
        let mut f = ConfigField::new("t", "T", FieldType::Text);
        f.validation = Some(FieldValidation {
            kind: ValidationKind::HtmlPattern,
            pattern: "x".into(),
            error: Some("Nope".into()),
        });
        let values = Values::from([("t".to_string(), "y".to_string())]);
        assert_eq!(
            field_error(&f, &values, &Never),
            Some(FieldError::Pattern {
                message: Some("Nope".into())
            })
        );
        assert_eq!(
            field_error(&f, &Values::new(), &Never),
            None,
            "blank optional passes"
        );
    }

    #[test]
    fn errors_show_after_blur_or_submit() {
        let touched = BTreeSet::from(["a".to_string()]);
        assert!(shows_error("a", &touched, false));
        assert!(!shows_error("b", &touched, false));
        assert!(shows_error("b", &touched, true));
    }

    /// Guards the duplicate-account bug: a retry after a dropped connection must reuse the
    /// key, while a changed body or a definitive answer gets a new one.
    #[test]
    fn idempotency_key_is_reused_only_for_a_retry_of_the_same_body() {
        let mut n = 0;
        let mut fresh = || {
            n += 1;
            format!("k{n}")
        };
        let mut keys = IdempotencyKeys::default();
        assert_eq!(keys.key_for("a", &mut fresh), "k1");
        keys.finished(true);
        assert_eq!(keys.key_for("a", &mut fresh), "k1", "network retry reuses");
        keys.finished(true);
        assert_eq!(keys.key_for("b", &mut fresh), "k2", "changed values");
        keys.finished(false);
        assert_eq!(
            keys.key_for("b", &mut fresh),
            "k3",
            "after a definitive answer"
        );
    }
}
