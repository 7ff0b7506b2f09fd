//! Field validation shared by the server and the widget, so both give the same verdict.
//!
//! Regular expressions are behind [`PatternMatcher`]: the server uses [`RegexMatcher`]
//! (feature `regex`), the widget the browser's own `RegExp`, which keeps the regex crate
//! out of the wasm bundle and gives exactly the browser's HTML `pattern` behaviour.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::config::{
    ConfigField, ConnectorConfig, FieldType, FieldValues, ValidationKind, json_as_text,
};

/// Whole-value regular-expression matching with HTML `pattern` semantics: the pattern
/// must match the entire value, as if written `^(?:pattern)$`.
pub trait PatternMatcher {
    /// `Ok(matched)`, or `Err(reason)` when the pattern does not compile.
    fn whole_match(&self, pattern: &str, value: &str) -> Result<bool, String>;
}

/// A matcher that accepts every value: for callers that leave pattern checks to the
/// other side (the backend always checks again).
#[derive(Debug, Clone, Copy, Default)]
pub struct AcceptAllPatterns;

impl PatternMatcher for AcceptAllPatterns {
    fn whole_match(&self, _pattern: &str, _value: &str) -> Result<bool, String> {
        Ok(true)
    }
}

/// Why a field's value was refused. The widget translates by variant; `Display` is the
/// plain English message the server sends in `fields`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum FieldError {
    #[error("This field is required.")]
    Required,
    /// `message` is the connector's own `validation.error`, when it has one.
    #[error("{}", message.as_deref().unwrap_or("The value does not have the expected format."))]
    Pattern { message: Option<String> },
    #[error("The value must contain {domain}.")]
    Domain { domain: String },
    #[error("Choose one of the listed options.")]
    NotAnOption,
    #[error("Enter a number.")]
    NotANumber,
    /// The connector's pattern itself is broken; not the user's fault.
    #[error("This field cannot be checked: its pattern is invalid.")]
    InvalidPattern,
    #[error("This connector has no such field.")]
    UnknownField,
}

/// Check one field's value. `None` or a blank value passes unless the field is required.
pub fn validate_field(
    field: &ConfigField,
    value: Option<&str>,
    matcher: &dyn PatternMatcher,
) -> Result<(), FieldError> {
    let value = value.unwrap_or("");
    if value.trim().is_empty() {
        return if field.required {
            Err(FieldError::Required)
        } else {
            Ok(())
        };
    }
    match field.field_type {
        FieldType::Number => {
            // Finite only: "NaN" and "inf" parse as f64 but are not numbers to a user.
            if !value.trim().parse::<f64>().is_ok_and(f64::is_finite) {
                return Err(FieldError::NotANumber);
            }
        }
        FieldType::Select => {
            let options = field.options.as_deref().unwrap_or_default();
            if !options.iter().any(|o| o.value == value) {
                return Err(FieldError::NotAnOption);
            }
        }
        FieldType::Text | FieldType::Password | FieldType::TextArea | FieldType::Unknown => {}
    }
    if let Some(validation) = &field.validation {
        match validation.kind {
            ValidationKind::HtmlPattern => match matcher.whole_match(&validation.pattern, value) {
                Ok(true) => {}
                Ok(false) => {
                    return Err(FieldError::Pattern {
                        message: validation.error.clone(),
                    });
                }
                Err(_) => return Err(FieldError::InvalidPattern),
            },
            ValidationKind::Domain => {
                let domain = validation.pattern.trim();
                if !value.to_lowercase().contains(&domain.to_lowercase()) {
                    return Err(FieldError::Domain {
                        domain: domain.to_owned(),
                    });
                }
            }
            ValidationKind::Unknown => {}
        }
    }
    Ok(())
}

/// Check a whole credentials map against a connector's form. Returns one error per bad
/// key (empty when all is well).
///
/// Hidden fields (`display: false` or a condition that does not hold) are not checked,
/// since the user could not fill them; keys that are not fields are refused so a typo
/// cannot silently drop a credential. Conditions read the submitted values, falling
/// back to each field's default.
pub fn validate_credentials(
    config: &ConnectorConfig,
    credentials: &BTreeMap<String, serde_json::Value>,
    matcher: &dyn PatternMatcher,
) -> BTreeMap<String, FieldError> {
    let mut effective: BTreeMap<String, String> = BTreeMap::new();
    for field in &config.config_fields {
        if let Some(v) = field.default_value() {
            effective.insert(field.key.clone(), v.into_owned());
        }
    }
    for (key, value) in credentials {
        match json_as_text(value) {
            Some(v) => {
                effective.insert(key.clone(), v.into_owned());
            }
            None => {
                effective.remove(key);
            }
        }
    }

    let mut errors = BTreeMap::new();
    for key in credentials.keys() {
        if config.field(key).is_none() {
            errors.insert(key.clone(), FieldError::UnknownField);
        }
    }
    for field in &config.config_fields {
        if !field.is_visible(&effective) {
            continue;
        }
        let value = credentials.value_of(&field.key);
        if let Err(e) = validate_field(field, value.as_deref(), matcher) {
            errors.insert(field.key.clone(), e);
        }
    }
    errors
}

#[cfg(feature = "regex")]
pub use regex_matcher::RegexMatcher;

#[cfg(feature = "regex")]
mod regex_matcher {
    use std::collections::HashMap;
    use std::sync::Mutex;

    use super::PatternMatcher;

    /// Compiled patterns are bounded so a hostile catalog entry cannot eat memory.
    const SIZE_LIMIT: usize = 1 << 20;
    /// Connectors have a handful of patterns; past this the cache is simply cleared.
    const CACHE_LIMIT: usize = 4096;

    /// [`PatternMatcher`] on the `regex` crate, caching compiled patterns (the server
    /// checks the same few patterns on every request).
    ///
    /// The regex crate has no look-around or back-references; a pattern using them is
    /// reported as not compiling, which the catalog check turns into a clear error.
    #[derive(Debug, Default)]
    pub struct RegexMatcher {
        cache: Mutex<HashMap<String, Result<regex::Regex, String>>>,
    }

    impl RegexMatcher {
        pub fn new() -> Self {
            Self::default()
        }

        /// Compile with HTML `pattern` anchoring; `Err` says why it does not compile.
        pub fn compile(pattern: &str) -> Result<regex::Regex, String> {
            // Compiled alone first: `a)|(b` is invalid by itself but would compile once
            // wrapped, silently dropping the anchors.
            regex::RegexBuilder::new(pattern)
                .size_limit(SIZE_LIMIT)
                .build()
                .map_err(one_line)?;
            regex::RegexBuilder::new(&format!("^(?:{pattern})$"))
                .size_limit(SIZE_LIMIT)
                .build()
                .map_err(one_line)
        }
    }

    /// regex's errors draw a caret under the pattern over several lines; one line reads
    /// better in a log and in a `fields` message.
    fn one_line(e: regex::Error) -> String {
        e.to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    impl PatternMatcher for RegexMatcher {
        fn whole_match(&self, pattern: &str, value: &str) -> Result<bool, String> {
            // A poisoned lock only means another thread panicked mid-insert; the map
            // itself is still a valid cache.
            let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            if cache.len() >= CACHE_LIMIT && !cache.contains_key(pattern) {
                cache.clear();
            }
            let compiled = cache
                .entry(pattern.to_owned())
                .or_insert_with(|| Self::compile(pattern));
            match compiled {
                Ok(re) => Ok(re.is_match(value)),
                Err(e) => Err(e.clone()),
            }
        }
    }
}
