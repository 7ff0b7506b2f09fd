//! The connector config (`config` in `GET /hub/connectors/{id}`): the linking form's
//! fields, notices, support link, and our extensions `guide` and `preview`.
//!
//! Deserialization is lenient where StackOne-style backends vary (unknown field types,
//! condition shapes, numeric option values): the widget must still render a usable form.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::guide::Guide;

/// One connector's linking form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConnectorConfig {
    pub key: String,
    pub name: String,
    #[serde(rename = "type")]
    pub connector_type: ConnectorType,
    #[serde(rename = "grantType", default, skip_serializing_if = "Option::is_none")]
    pub grant_type: Option<String>,
    #[serde(rename = "configFields", default)]
    pub config_fields: Vec<ConfigField>,
    #[serde(rename = "configNotices", default)]
    pub config_notices: Vec<Notice>,
    #[serde(default)]
    pub assets: Assets,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support: Option<Support>,
    /// Extension: the step-by-step guide as structured data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guide: Option<Guide>,
    /// Extension: a URL template such as `https://{organization}.dagster.cloud/{deployment}`
    /// shown live as the user types; see [`render_preview`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<String>,
    /// Extension: display text in other languages, by locale (`fr`, `de`, …); see
    /// [`ConnectorConfig::localize`]. Anything a translation leaves out stays as above
    /// (English).
    ///
    /// The widget (this crate's one wasm32 reader) never reads them: it asks for its
    /// language with `?lang=` and gets the text already translated, so its wasm carries no
    /// code to read or apply one.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[cfg_attr(target_arch = "wasm32", serde(skip_deserializing))]
    pub translations: BTreeMap<String, ConnectorTranslation>,
}

impl ConnectorConfig {
    /// The field with this key.
    pub fn field(&self, key: &str) -> Option<&ConfigField> {
        self.config_fields.iter().find(|f| f.key == key)
    }

    /// Keeps only the translation `locale` uses (matched by its primary subtag,
    /// case-insensitively: `fr-CA` keeps `fr`), or none: what a hub showing that language
    /// needs of them (`GET /hub/connectors/{id}?lang=`).
    ///
    /// ```
    /// use linkhub_protocol::config::ConnectorConfig;
    /// let mut c: ConnectorConfig = serde_json::from_value(serde_json::json!({
    ///     "key": "acme", "name": "Acme", "type": "custom", "configFields": [],
    ///     "translations": { "de": { "name": "Acme DE" }, "fr": { "name": "Acme FR" } }
    /// })).unwrap();
    /// c.keep_translation("FR-ca");
    /// assert_eq!(c.translations.keys().collect::<Vec<_>>(), ["fr"]);
    /// c.keep_translation("en");
    /// assert!(c.translations.is_empty());
    /// ```
    pub fn keep_translation(&mut self, locale: &str) {
        let primary = locale.split(['-', '_']).next().unwrap_or_default();
        self.translations
            .retain(|k, _| !primary.is_empty() && k.eq_ignore_ascii_case(primary));
    }

    /// Replaces the display text with this locale's translation, where it has one: the name,
    /// the support description, field labels, descriptions, placeholders, tooltips,
    /// validation messages and option labels, notices, and the whole guide (which then
    /// carries its `lang`). Everything else (and everything
    /// the translation leaves out) stays English. The locale matches a translation by its
    /// primary subtag, case-insensitively (`fr-CA` uses `fr`). The translations are dropped
    /// afterwards: the config now speaks one language.
    ///
    /// ```
    /// use linkhub_protocol::config::ConnectorConfig;
    /// let mut c: ConnectorConfig = serde_json::from_value(serde_json::json!({
    ///     "key": "acme", "name": "Acme", "type": "custom",
    ///     "configFields": [{ "key": "token", "label": "Token", "type": "password" }],
    ///     "translations": { "de": { "fields": { "token": { "label": "Schlüssel" } } } }
    /// })).unwrap();
    /// c.localize("de-AT");
    /// assert_eq!(c.config_fields[0].label, "Schlüssel");
    /// assert_eq!(c.name, "Acme");
    /// ```
    pub fn localize(&mut self, locale: &str) {
        self.keep_translation(locale);
        let Some(t) = std::mem::take(&mut self.translations).into_values().next() else {
            return;
        };
        set(&mut self.name, t.name);
        if let (Some(support), Some(d)) = (self.support.as_mut(), t.support_description) {
            support.description = d;
        }
        for field in &mut self.config_fields {
            let Some(ft) = t.fields.get(&field.key) else {
                continue;
            };
            set(&mut field.label, ft.label.clone());
            set_opt(&mut field.description, ft.description.clone());
            set_opt(&mut field.placeholder, ft.placeholder.clone());
            set_opt(&mut field.tooltip, ft.tooltip.clone());
            if let Some(v) = field.validation.as_mut() {
                set_opt(&mut v.error, ft.error.clone());
            }
            for option in field.options.iter_mut().flatten() {
                if let Some(label) = ft.options.get(&option.value) {
                    option.label.clone_from(label);
                }
            }
        }
        for notice in &mut self.config_notices {
            if let Some(d) = t.notices.get(&notice.key) {
                notice.description.clone_from(d);
            }
        }
        if let Some(guide) = t.guide {
            self.guide = Some(guide);
        }
    }

    /// The preview URL for these values (see [`render_preview`]).
    pub fn render_preview<V: FieldValues + ?Sized>(&self, values: &V) -> Option<String> {
        self.preview
            .as_deref()
            .and_then(|t| render_preview(t, values))
    }
}

/// Overwrites `target` with a non-blank translation.
fn set(target: &mut String, text: Option<String>) {
    if let Some(text) = text.filter(|t| !t.trim().is_empty()) {
        *target = text;
    }
}

/// Overwrites an optional text that exists with a non-blank translation (a translation
/// never adds a description the English text does not have).
fn set_opt(target: &mut Option<String>, text: Option<String>) {
    if let Some(target) = target.as_mut() {
        set(target, text);
    }
}

/// One locale's display text for a connector (`translations.<locale>` of a config, or
/// `[translations.<locale>]` of `connector.toml`). Every part is optional.
///
/// Lenient like the rest of the config: a part this version does not know is ignored. (The
/// catalog's `connector.toml` is strict instead, so a typo there is refused.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConnectorTranslation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `support.description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support_description: Option<String>,
    /// By field key.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, FieldTranslation>,
    /// Notice descriptions, by notice key.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub notices: BTreeMap<String, String>,
    /// The whole guide in this language (`guide.<locale>.mdx` in the catalog).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guide: Option<Guide>,
}

/// One locale's text for one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldTranslation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placeholder: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tooltip: Option<String>,
    /// `validation.error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Option labels, by option value.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, String>,
}

/// How a connector authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ConnectorType {
    Oauth2,
    Custom,
}

/// `assets` of a config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assets {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
}

/// `support` of a config: where a stuck user can get help.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Support {
    #[serde(default)]
    pub link: String,
    #[serde(default)]
    pub description: String,
}

/// The kind of input a field renders as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    Password,
    Number,
    Select,
    TextArea,
    /// Any type this version does not know; rendered as a text input.
    #[serde(other)]
    Unknown,
}

/// One field of the linking form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConfigField {
    pub key: String,
    pub label: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    #[serde(default)]
    pub required: bool,
    #[serde(rename = "readOnly", default)]
    pub read_only: bool,
    /// Masked in the form and never echoed back by the API.
    #[serde(default)]
    pub secret: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placeholder: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tooltip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guide: Option<FieldGuide>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<SelectOption>>,
    /// Default (or fixed, when `readOnly`) value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation: Option<FieldValidation>,
    /// `false` hides the field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<bool>,
}

impl ConfigField {
    /// A plain field of this type; the rest at defaults (handy in tests and generators).
    pub fn new(key: impl Into<String>, label: impl Into<String>, field_type: FieldType) -> Self {
        ConfigField {
            key: key.into(),
            label: label.into(),
            field_type,
            required: false,
            read_only: false,
            secret: false,
            placeholder: None,
            description: None,
            tooltip: None,
            guide: None,
            options: None,
            value: None,
            condition: None,
            validation: None,
            display: None,
        }
    }

    /// Whether the field shows for these form values: not `display: false`, and its
    /// condition (if any) holds. Conditions this version cannot read show the field,
    /// since hiding a field the backend needs would block the user.
    pub fn is_visible<V: FieldValues + ?Sized>(&self, values: &V) -> bool {
        if self.display == Some(false) {
            return false;
        }
        self.condition.as_ref().is_none_or(|c| c.holds(values))
    }

    /// The default value as text.
    pub fn default_value(&self) -> Option<Cow<'_, str>> {
        self.value.as_ref().and_then(json_as_text)
    }
}

/// `guide` of a field: extra help next to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldGuide {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tooltip: Option<String>,
}

/// One choice of a select field. Numbers and booleans are accepted as values and kept as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SelectOption {
    #[serde(deserialize_with = "crate::de::string_like")]
    pub label: String,
    #[serde(deserialize_with = "crate::de::string_like")]
    pub value: String,
}

/// When a field shows, based on another field's current value.
///
/// Two shapes are understood: `{ "field": "region", "equals": "eu" }` and
/// `{ "field": "region", "in": ["eu", "us"] }`. Anything else is kept as [`Condition::Other`]
/// (so it round-trips) and treated as always true.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum Condition {
    Equals {
        field: String,
        equals: serde_json::Value,
    },
    In {
        field: String,
        #[serde(rename = "in")]
        any_of: Vec<serde_json::Value>,
    },
    Other(serde_json::Value),
}

impl Condition {
    /// The field key this condition reads, when understood.
    pub fn field(&self) -> Option<&str> {
        match self {
            Condition::Equals { field, .. } | Condition::In { field, .. } => Some(field),
            Condition::Other(_) => None,
        }
    }

    /// Whether the condition holds; an absent value compares as the empty string.
    pub fn holds<V: FieldValues + ?Sized>(&self, values: &V) -> bool {
        let current = |field: &str| values.value_of(field).unwrap_or(Cow::Borrowed(""));
        let same = |expected: &serde_json::Value, actual: &str| {
            json_as_text(expected).is_some_and(|e| e == actual)
        };
        match self {
            Condition::Equals { field, equals } => same(equals, &current(field)),
            Condition::In { field, any_of } => {
                let actual = current(field);
                any_of.iter().any(|e| same(e, &actual))
            }
            Condition::Other(_) => true,
        }
    }
}

/// How a field's value is checked (see [`crate::validate`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldValidation {
    #[serde(rename = "type")]
    pub kind: ValidationKind,
    /// A regular expression for `html-pattern`; the required domain for `domain`.
    pub pattern: String,
    /// Message shown instead of the generic one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `validation.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum ValidationKind {
    /// HTML `pattern` semantics: the whole value must match.
    HtmlPattern,
    /// The value must contain this domain.
    Domain,
    /// A kind this version does not know: not checked (the backend still checks).
    #[serde(other)]
    Unknown,
}

/// A notice shown above/below the form or next to a field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notice {
    pub key: String,
    #[serde(rename = "type")]
    pub kind: NoticeKind,
    pub description: String,
    #[serde(default)]
    pub position: NoticePosition,
    /// Key of the field the notice sits next to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchor: Option<String>,
}

/// `type` of a notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum NoticeKind {
    Warning,
    #[serde(other)]
    Info,
}

/// `position` of a notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum NoticePosition {
    #[default]
    Top,
    Bottom,
}

/// Read access to form values, whatever map the caller keeps them in.
pub trait FieldValues {
    /// The value of a field as text; `None` when absent or JSON `null`.
    fn value_of(&self, key: &str) -> Option<Cow<'_, str>>;
}

impl FieldValues for BTreeMap<String, String> {
    fn value_of(&self, key: &str) -> Option<Cow<'_, str>> {
        self.get(key).map(|v| Cow::Borrowed(v.as_str()))
    }
}

impl<S: std::hash::BuildHasher> FieldValues for HashMap<String, String, S> {
    fn value_of(&self, key: &str) -> Option<Cow<'_, str>> {
        self.get(key).map(|v| Cow::Borrowed(v.as_str()))
    }
}

impl FieldValues for BTreeMap<String, serde_json::Value> {
    fn value_of(&self, key: &str) -> Option<Cow<'_, str>> {
        self.get(key).and_then(json_as_text)
    }
}

impl<S: std::hash::BuildHasher> FieldValues for HashMap<String, serde_json::Value, S> {
    fn value_of(&self, key: &str) -> Option<Cow<'_, str>> {
        self.get(key).and_then(json_as_text)
    }
}

impl FieldValues for [(&str, &str)] {
    fn value_of(&self, key: &str) -> Option<Cow<'_, str>> {
        self.iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| Cow::Borrowed(*v))
    }
}

/// A JSON value as the text a form would hold: strings as-is, numbers and booleans
/// printed, `null` as absent.
pub fn json_as_text(value: &serde_json::Value) -> Option<Cow<'_, str>> {
    match value {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(Cow::Borrowed(s)),
        other => Some(Cow::Owned(other.to_string())),
    }
}

/// The `{name}` placeholders of a preview template, in order. A `{` without a closing `}`
/// is plain text.
pub fn preview_placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                out.push(&after[..close]);
                rest = &after[close + 1..];
            }
            None => break,
        }
    }
    out
}

/// Fill a preview template (`https://{organization}.dagster.cloud/{deployment}`) with
/// form values. `None` until every placeholder has a non-blank value, so the widget never
/// shows a half-built URL.
///
/// ```
/// use linkhub_protocol::config::render_preview;
/// let t = "https://{organization}.dagster.cloud/{deployment}";
/// let v = [("organization", "acme"), ("deployment", "prod")];
/// assert_eq!(render_preview(t, &v[..]).as_deref(), Some("https://acme.dagster.cloud/prod"));
/// assert_eq!(render_preview(t, &v[..1]), None);
/// ```
pub fn render_preview<V: FieldValues + ?Sized>(template: &str, values: &V) -> Option<String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        out.push_str(&rest[..open]);
        let value = values.value_of(&after[..close])?;
        let value = value.trim();
        if value.is_empty() {
            return None;
        }
        out.push_str(value);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acme() -> ConnectorConfig {
        serde_json::from_value(serde_json::json!({
            "key": "acme", "name": "Acme", "type": "custom",
            "support": { "link": "https://acme.example/help", "description": "Acme help" },
            "configFields": [
                { "key": "token", "label": "Token", "type": "password",
                  "description": "Your token.", "placeholder": "tok_…",
                  "validation": { "type": "html-pattern", "pattern": "tok_.+", "error": "Starts with tok_." } },
                { "key": "region", "label": "Region", "type": "select",
                  "options": [{ "label": "Europe", "value": "eu" }, { "label": "United States", "value": "us" }] },
                { "key": "site", "label": "Site", "type": "text" }
            ],
            "configNotices": [{ "key": "once", "type": "warning", "description": "Shown once." }],
            "translations": {
                "fr": {
                    "support_description": "Aide d'Acme",
                    "fields": {
                        "token": { "label": "Jeton", "error": "Commence par tok_.", "tooltip": "ignored: no English tooltip" },
                        "region": { "options": { "eu": "Europe (UE)" } },
                        "site": { "label": "  " }
                    },
                    "notices": { "once": "Affiché une seule fois." },
                    "a_future_part": true
                },
                "ar": { "name": "أكمي" }
            }
        }))
        .expect("config")
    }

    #[test]
    fn a_translation_replaces_the_text_it_has_and_keeps_english_for_the_rest() {
        let mut c = acme();
        c.localize("fr");
        let token = c.field("token").expect("token");
        assert_eq!(token.label, "Jeton");
        assert_eq!(
            token.description.as_deref(),
            Some("Your token."),
            "not translated: English"
        );
        assert_eq!(token.placeholder.as_deref(), Some("tok_…"));
        assert_eq!(
            token.tooltip, None,
            "a translation never adds text English lacks"
        );
        let error = token.validation.as_ref().and_then(|v| v.error.as_deref());
        assert_eq!(error, Some("Commence par tok_."));
        let region = c
            .field("region")
            .and_then(|f| f.options.clone())
            .expect("options");
        assert_eq!(region[0].label, "Europe (UE)");
        assert_eq!(region[1].label, "United States");
        assert_eq!(
            c.field("site").map(|f| f.label.as_str()),
            Some("Site"),
            "blank: English"
        );
        assert_eq!(c.config_notices[0].description, "Affiché une seule fois.");
        assert_eq!(
            c.support.as_ref().map(|s| s.description.as_str()),
            Some("Aide d'Acme")
        );
        assert_eq!(c.name, "Acme");
        assert!(c.translations.is_empty(), "dropped once applied");
    }

    #[test]
    fn a_locale_without_a_translation_keeps_english() {
        let english = {
            let mut c = acme();
            c.translations.clear();
            c
        };
        for locale in ["de", "en", "", "pt-BR"] {
            let mut c = acme();
            c.localize(locale);
            assert_eq!(c, english, "{locale}");
        }
    }

    #[test]
    fn regional_locales_use_the_language_translation() {
        let mut c = acme();
        c.localize("AR-eg");
        assert_eq!(c.name, "أكمي");
        assert_eq!(c.field("token").map(|f| f.label.as_str()), Some("Token"));
    }

    #[test]
    fn configs_without_translations_serialize_as_before() {
        let mut c = acme();
        c.translations.clear();
        let json = serde_json::to_value(&c).expect("json");
        assert!(json.get("translations").is_none(), "{json}");
    }
}
