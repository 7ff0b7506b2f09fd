//! The on-disk connector catalog: `catalog/<key>/connector.toml`, the connector's guide
//! (`guide.mdx`, in the seed markup) and its logo.
//!
//! [`load_catalog`] checks everything a running server would otherwise trip over later
//! (patterns that do not compile, conditions on missing fields, a guide naming a field
//! the form lacks…) and reports every problem at once, each prefixed with the file it is
//! in, so a catalog author can fix them in one pass. The server refuses to start on any.
//!
//! `connector.toml` (snake_case; unknown keys are refused, so a typo is not silently ignored):
//!
//! ```toml
//! key = "dagster"            # must equal the folder name; [a-z0-9_-]+
//! name = "Dagster"
//! category = "data"          # the protocol's `type`
//! auth_type = "custom"       # "custom" | "oauth2"
//! active = true              # default true
//! version = "1"              # optional
//! logo = "logo.svg"          # a file in the folder
//! preview = "https://{organization}.dagster.cloud/{deployment}"  # optional
//! guide = "guide.mdx"        # optional; default guide.mdx when present
//! [support]                  # optional
//! link = "https://example.com/help"
//! description = "Help"
//! [oauth2]                   # required iff auth_type = "oauth2"
//! authorize_url = "https://example.com/authorize"
//! token_url = "https://example.com/token"
//! scopes = ["read"]
//! client_id = "abc"
//! client_secret_env = "LINKHUB_OAUTH_DAGSTER_SECRET"  # optional
//! [[fields]]
//! key = "organization"
//! label = "Organization slug"
//! type = "text"              # text | password | number | select | text_area
//! required = true
//! # secret, read_only, placeholder, description, tooltip, options = [{label, value}],
//! # value, display, condition = {field = "x", equals = "y"} or {field = "x", in = ["a"]},
//! # validation = {type = "html-pattern" | "domain", pattern = "…", error = "…"},
//! # guide = {description, tooltip}
//! [[notices]]                # key, type (warning|info), description, position (top|bottom), anchor
//! [translations.fr]          # optional, per locale: name, support_description,
//! fields.<key> = {label, description, placeholder, tooltip, error, options = {value = "label"}}
//! notices.<key> = "description"
//! check.<failure key> = "message"
//! [check]                    # optional: the credential check, see `crate::check`
//! ```

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::check::{CheckDefinition, check_problems};
use crate::config::{
    Assets, Condition, ConfigField, ConnectorConfig, ConnectorTranslation, ConnectorType,
    FieldGuide, FieldTranslation, FieldType, FieldValidation, Notice, SelectOption, Support,
    ValidationKind, preview_placeholders,
};
use crate::guide::Guide;
use crate::hub::ConnectorSummary;
use crate::validate::RegexMatcher;

mod rules;
pub use rules::{CATEGORIES, MAX_NAME_CHARS};

/// The file name of a connector's definition inside its folder.
pub const DEFINITION_FILE: &str = "connector.toml";
/// The guide file used when the definition names none.
pub const DEFAULT_GUIDE_FILE: &str = "guide.mdx";

/// A loaded, checked catalog.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Sorted by key.
    pub connectors: Vec<CatalogConnector>,
}

impl Catalog {
    /// The connector with this key.
    pub fn get(&self, key: &str) -> Option<&CatalogConnector> {
        self.connectors.iter().find(|c| c.key == key)
    }

    /// Every connector's list entry, in key order.
    pub fn summaries(&self) -> Vec<ConnectorSummary> {
        self.connectors.iter().map(|c| c.summary.clone()).collect()
    }
}

/// One catalog connector, ready to serve.
#[derive(Debug, Clone)]
pub struct CatalogConnector {
    pub key: String,
    /// The definition as written.
    pub definition: ConnectorDefinition,
    /// The `config` served by `GET /hub/connectors/{key}`, guide embedded.
    pub config: ConnectorConfig,
    /// The entry in `GET /hub/connectors` (`integration_id` = key,
    /// `logo_url` = `/catalog/<key>/<logo>`).
    pub summary: ConnectorSummary,
    /// The logo file on disk.
    pub logo_path: PathBuf,
    pub oauth2: Option<OAuth2Settings>,
}

/// `connector.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectorDefinition {
    pub key: String,
    pub name: String,
    pub category: String,
    pub auth_type: ConnectorType,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub version: Option<String>,
    pub logo: String,
    #[serde(default)]
    pub preview: Option<String>,
    #[serde(default)]
    pub guide: Option<String>,
    #[serde(default)]
    pub support: Option<Support>,
    #[serde(default)]
    pub oauth2: Option<OAuth2Settings>,
    #[serde(default)]
    pub fields: Vec<FieldDefinition>,
    #[serde(default)]
    pub notices: Vec<Notice>,
    /// Display text in other languages, by locale (served as the config's `translations`).
    #[serde(default)]
    pub translations: BTreeMap<String, TranslationDefinition>,
    /// The credential check (see [`crate::check`]); never served to the widget.
    #[serde(default)]
    pub check: Option<CheckDefinition>,
}

/// `[translations.<locale>]`: [`ConnectorTranslation`], refusing unknown keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TranslationDefinition {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub support_description: Option<String>,
    #[serde(default)]
    pub fields: BTreeMap<String, FieldTranslationDefinition>,
    #[serde(default)]
    pub notices: BTreeMap<String, String>,
    /// Check failure messages, by failure key (see [`crate::check`]); the server words
    /// refusals with them, so they are not part of the served translation.
    #[serde(default)]
    pub check: BTreeMap<String, String>,
}

/// `[translations.<locale>.fields.<key>]`: [`FieldTranslation`], refusing unknown keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FieldTranslationDefinition {
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub placeholder: Option<String>,
    #[serde(default)]
    pub tooltip: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub options: BTreeMap<String, String>,
}

impl TranslationDefinition {
    /// The wire form.
    pub fn to_translation(&self) -> ConnectorTranslation {
        ConnectorTranslation {
            name: self.name.clone(),
            support_description: self.support_description.clone(),
            fields: self
                .fields
                .iter()
                .map(|(k, f)| {
                    let f = FieldTranslation {
                        label: f.label.clone(),
                        description: f.description.clone(),
                        placeholder: f.placeholder.clone(),
                        tooltip: f.tooltip.clone(),
                        error: f.error.clone(),
                        options: f.options.clone(),
                    };
                    (k.clone(), f)
                })
                .collect(),
            notices: self.notices.clone(),
            guide: None,
        }
    }
}

fn yes() -> bool {
    true
}

/// OAuth2 endpoints and client of an `oauth2` connector. The client secret is never in the
/// file: `client_secret_env` names the environment variable holding it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuth2Settings {
    pub authorize_url: String,
    pub token_url: String,
    #[serde(default)]
    pub scopes: Vec<String>,
    pub client_id: String,
    #[serde(default)]
    pub client_secret_env: Option<String>,
}

/// A `[[fields]]` entry: [`ConfigField`] in snake_case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDefinition {
    pub key: String,
    pub label: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub secret: bool,
    #[serde(default)]
    pub read_only: bool,
    #[serde(default)]
    pub placeholder: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub tooltip: Option<String>,
    #[serde(default)]
    pub guide: Option<FieldGuide>,
    #[serde(default)]
    pub options: Option<Vec<SelectOption>>,
    #[serde(default)]
    pub value: Option<serde_json::Value>,
    #[serde(default)]
    pub display: Option<bool>,
    #[serde(default)]
    pub condition: Option<Condition>,
    #[serde(default)]
    pub validation: Option<FieldValidation>,
}

impl FieldDefinition {
    /// The wire form of this field.
    pub fn to_config_field(&self) -> ConfigField {
        ConfigField {
            key: self.key.clone(),
            label: self.label.clone(),
            field_type: self.field_type,
            required: self.required,
            read_only: self.read_only,
            secret: self.secret,
            placeholder: self.placeholder.clone(),
            description: self.description.clone(),
            tooltip: self.tooltip.clone(),
            guide: self.guide.clone(),
            options: self.options.clone(),
            value: self.value.clone(),
            condition: self.condition.clone(),
            validation: self.validation.clone(),
            display: self.display,
        }
    }
}

/// One catalog problem: the file and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogProblem {
    pub path: PathBuf,
    pub message: String,
}

impl fmt::Display for CatalogProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

/// Every problem of a catalog that cannot be served; `Display` prints one per line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogError {
    pub problems: Vec<CatalogProblem>,
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CatalogError {}

/// Load and check the catalog in `dir` (one folder per connector). Hidden folders
/// (`.name`) and plain files at the top are skipped.
pub fn load_catalog(dir: &Path) -> Result<Catalog, CatalogError> {
    let mut problems = Vec::new();
    let mut folders: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .map(|e| e.path())
            .collect(),
        Err(e) => {
            return Err(CatalogError {
                problems: vec![CatalogProblem {
                    path: dir.to_owned(),
                    message: format!("cannot read the catalog folder: {e}"),
                }],
            });
        }
    };
    folders.sort();

    let matcher = RegexMatcher::new();
    let mut connectors = Vec::new();
    let mut seen = HashSet::new();
    for folder in folders {
        if let Some(c) = load_connector(&folder, &matcher, &mut problems) {
            if seen.insert(c.key.clone()) {
                connectors.push(c);
            } else {
                problems.push(CatalogProblem {
                    path: folder.join(DEFINITION_FILE),
                    message: format!("duplicate connector key `{}`", c.key),
                });
            }
        }
    }
    if problems.is_empty() {
        Ok(Catalog { connectors })
    } else {
        Err(CatalogError { problems })
    }
}

/// Imports a guide and checks it: markup that swallows content (an unclosed tag or
/// comment) is an error naming its line, and the linking section lists only fields of the
/// connector (`labels`: their labels in the guide's language, in form order). The English
/// guide (`english`) must have a linking section listing exactly those labels, in order; a
/// translated one is found by its English wording, so it is not held to that.
fn load_guide(
    path: &Path,
    labels: &[&str],
    english: bool,
    report: &mut impl FnMut(&Path, String),
) -> Option<Guide> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| report(path, format!("cannot read the guide: {e}")))
        .ok()?;
    let (result, problems) = crate::import::import_with_problems(&text);
    // First what swallowed content: it is often why the rest does not import.
    let mut lost = false;
    for p in problems.iter().filter(|p| p.lost) {
        lost = true;
        report(path, format!("line {}: {}", p.line, p.message));
    }
    let guide = result
        .map_err(|e| report(path, format!("guide does not import: {e}")))
        .ok()?;
    let Some(linking) = guide.linking_section() else {
        if english && !lost {
            report(
                path,
                format!(
                    "line {}: {}",
                    text.lines().count().max(1),
                    crate::import::NO_LINKING_SECTION
                ),
            );
        }
        return (!english).then_some(guide);
    };
    let known = |label: &str| {
        labels
            .iter()
            .any(|l| l.trim().eq_ignore_ascii_case(label.trim()))
    };
    for label in &linking.fields {
        if !known(label) {
            report(
                path,
                format!(
                    "the linking section lists field `{label}`, but {DEFINITION_FILE} has no field with that label"
                ),
            );
        }
    }
    if english && linking.fields.iter().all(|l| known(l)) {
        let listed: Vec<String> = linking
            .fields
            .iter()
            .map(|l| l.trim().to_lowercase())
            .collect();
        let expected: Vec<String> = labels.iter().map(|l| l.trim().to_lowercase()).collect();
        if listed != expected {
            report(
                path,
                format!(
                    "the linking section must list exactly the form's field labels, in form order: {}",
                    labels.join(", ")
                ),
            );
        }
    }
    Some(guide)
}

/// The rules of `catalog/README.md` that the definition's types do not hold. Each message
/// starts with the line of the value it is about, after the file's path.
fn check_rules(
    def: &ConnectorDefinition,
    src: &str,
    path: &Path,
    report: &mut impl FnMut(&Path, String),
) {
    let lines = rules::Lines::parse(src);
    let mut problem =
        |at: &str, message: String| report(path, format!("{}{message}", lines.at(at)));
    if !CATEGORIES.contains(&def.category.as_str()) {
        problem(
            "category",
            format!(
                "category `{}` is not one of {}",
                def.category,
                CATEGORIES.join(", ")
            ),
        );
    }
    let names = std::iter::once(("name".to_owned(), def.name.as_str())).chain(
        def.translations.iter().filter_map(|(locale, t)| {
            t.name
                .as_deref()
                .map(|n| (format!("translations.{locale}.name"), n))
        }),
    );
    for (at, name) in names {
        let n = name.chars().count();
        if n > MAX_NAME_CHARS {
            problem(
                &at,
                format!("the name is {n} characters long; at most {MAX_NAME_CHARS} are allowed"),
            );
        }
    }
    if let Some(p) = def
        .support
        .as_ref()
        .and_then(|s| rules::support_link_problem(&s.link))
    {
        problem("support.link", p);
    }
    if let Some(env) = def
        .oauth2
        .as_ref()
        .and_then(|o| o.client_secret_env.as_ref())
    {
        let expected = format!(
            "LINKHUB_OAUTH_{}_SECRET",
            def.key.to_ascii_uppercase().replace('-', "_")
        );
        if env != &expected {
            problem(
                "oauth2.client_secret_env",
                format!("client_secret_env `{env}` must be `{expected}`"),
            );
        }
    }
    let mut labels = HashSet::new();
    for (i, f) in def.fields.iter().enumerate() {
        let at = |k: &str| format!("fields.{i}.{k}");
        let key = &f.key;
        if !rules::snake_case(key) {
            problem(
                &at("key"),
                format!("field key `{key}` must be snake_case ([a-z][a-z0-9_]*)"),
            );
        }
        if !labels.insert(f.label.trim().to_lowercase()) {
            problem(
                &at("label"),
                format!(
                    "field `{key}`: label `{}` is another field's label too (the guide names fields by label)",
                    f.label
                ),
            );
        }
        if f.field_type == FieldType::Select
            && let Some(value) = &f.value
            && !is_option(f, value)
        {
            problem(
                &at("value"),
                format!(
                    "field `{key}`: value `{}` is not one of its option values",
                    json_text(value)
                ),
            );
        }
        if let Some(v) = &f.validation {
            if v.error.as_deref().is_none_or(|e| e.trim().is_empty()) {
                problem(
                    &at("validation"),
                    format!(
                        "field `{key}`: the validation needs an `error` saying what a correct value looks like"
                    ),
                );
            }
            if v.kind == ValidationKind::HtmlPattern
                && let Some(p) = rules::pattern_problem(&v.pattern)
            {
                problem(&at("validation"), format!("field `{key}`: {p}"));
            }
        }
        let target = f
            .condition
            .as_ref()
            .and_then(Condition::field)
            .and_then(|k| def.fields.iter().find(|t| t.key == k))
            .filter(|t| t.field_type == FieldType::Select);
        if let (Some(target), Some(condition)) = (target, &f.condition) {
            let values: Vec<&serde_json::Value> = match condition {
                Condition::Equals { equals, .. } => vec![equals],
                Condition::In { any_of, .. } => any_of.iter().collect(),
                Condition::Other(_) => Vec::new(),
            };
            for value in values.into_iter().filter(|v| !is_option(target, v)) {
                problem(
                    &at("condition"),
                    format!(
                        "field `{key}`: condition value `{}` is not an option value of `{}` (use option values, not labels)",
                        json_text(value),
                        target.key
                    ),
                );
            }
        }
    }
    let mut notice_keys = HashSet::new();
    for (i, n) in def.notices.iter().enumerate() {
        if !notice_keys.insert(n.key.as_str()) {
            problem(
                &format!("notices.{i}.key"),
                format!("notice `{}`: another notice has this key", n.key),
            );
        }
        for (name, allowed) in [
            ("type", ["info", "warning"]),
            ("position", ["top", "bottom"]),
        ] {
            let at = format!("notices.{i}.{name}");
            if let Some(given) = lines.text(&at).filter(|v| !allowed.contains(v)) {
                problem(
                    &at,
                    format!(
                        "notice `{}`: {name} `{given}` is not {} or {}",
                        n.key, allowed[0], allowed[1]
                    ),
                );
            }
        }
    }
}

/// Whether `value` is one of a select field's option values.
fn is_option(field: &FieldDefinition, value: &serde_json::Value) -> bool {
    let text = json_text(value);
    field.options.iter().flatten().any(|o| o.value == text)
}

/// A TOML value as its text: a string as is, anything else as written.
fn json_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The translations of a guide file beside it: `guide.<locale>.mdx` for `guide.mdx`.
fn translated_guide_files(guide: &Path) -> Vec<(String, PathBuf)> {
    let (Some(dir), Some(stem), Some(ext)) = (
        guide.parent(),
        guide.file_stem().and_then(|s| s.to_str()),
        guide.extension().and_then(|e| e.to_str()),
    ) else {
        return Vec::new();
    };
    let mut found: Vec<(String, PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?;
            let locale = name
                .strip_prefix(stem)?
                .strip_prefix('.')?
                .strip_suffix(ext)?
                .strip_suffix('.')?;
            (!locale.is_empty() && !locale.contains('.')).then(|| (locale.to_owned(), p.clone()))
        })
        .collect();
    found.sort();
    found
}

/// A language code as the widget's locales are named: 2–3 lowercase letters.
fn valid_locale(locale: &str) -> bool {
    (2..=3).contains(&locale.len()) && locale.chars().all(|c| c.is_ascii_lowercase())
}

fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// Line and column (1-based) of a byte offset.
fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let before = src.get(..offset).unwrap_or(src);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn load_connector(
    folder: &Path,
    matcher: &RegexMatcher,
    problems: &mut Vec<CatalogProblem>,
) -> Option<CatalogConnector> {
    let def_path = folder.join(DEFINITION_FILE);
    let start = problems.len();
    let mut report = |path: &Path, message: String| {
        problems.push(CatalogProblem {
            path: path.to_owned(),
            message,
        });
    };

    let src = match std::fs::read_to_string(&def_path) {
        Ok(s) => s,
        Err(e) => {
            report(&def_path, format!("cannot read: {e}"));
            return None;
        }
    };
    let def: ConnectorDefinition = match toml::from_str(&src) {
        Ok(d) => d,
        Err(e) => {
            let at = e.span().map(|s| line_col(&src, s.start));
            let message = match at {
                Some((line, col)) => format!("line {line}, column {col}: {}", e.message()),
                None => e.message().to_owned(),
            };
            report(&def_path, format!("invalid TOML: {message}"));
            return None;
        }
    };

    let folder_name = folder
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !valid_key(&def.key) {
        report(
            &def_path,
            format!("key `{}` must match [a-z0-9_-]+", def.key),
        );
    }
    if def.key != folder_name {
        report(
            &def_path,
            format!(
                "key `{}` must equal the folder name `{folder_name}`",
                def.key
            ),
        );
    }
    if def.name.trim().is_empty() {
        report(&def_path, "name is empty".to_owned());
    }
    check_rules(&def, &src, &def_path, &mut report);

    // Fields.
    let mut keys = HashSet::new();
    for field in &def.fields {
        let at = format!("field `{}`", field.key);
        if !keys.insert(field.key.as_str()) {
            report(&def_path, format!("{at}: duplicate field key"));
        }
        if field.field_type == FieldType::Unknown {
            report(
                &def_path,
                format!("{at}: unknown type (use text, password, number, select or text_area)"),
            );
        }
        if field.field_type == FieldType::Select
            && field.options.as_ref().is_none_or(|o| o.is_empty())
        {
            report(&def_path, format!("{at}: a select field needs options"));
        }
        if let Some(v) = &field.validation {
            match v.kind {
                ValidationKind::HtmlPattern => {
                    if let Err(e) = RegexMatcher::compile(&v.pattern) {
                        report(
                            &def_path,
                            format!("{at}: pattern `{}` does not compile: {e}", v.pattern),
                        );
                    }
                }
                ValidationKind::Domain if v.pattern.trim().is_empty() => {
                    report(
                        &def_path,
                        format!("{at}: domain validation needs a domain in `pattern`"),
                    );
                }
                ValidationKind::Domain => {}
                ValidationKind::Unknown => report(
                    &def_path,
                    format!("{at}: unknown validation type (use html-pattern or domain)"),
                ),
            }
        }
    }
    let field_exists = |k: &str| def.fields.iter().any(|f| f.key == k);
    for field in &def.fields {
        match &field.condition {
            Some(Condition::Other(_)) => report(
                &def_path,
                format!(
                    "field `{}`: condition must be {{field = \"…\", equals = \"…\"}} or {{field = \"…\", in = [\"…\"]}}",
                    field.key
                ),
            ),
            Some(c) => {
                let target = c.field().unwrap_or("");
                if target == field.key {
                    report(
                        &def_path,
                        format!("field `{}`: condition refers to itself", field.key),
                    );
                } else if !field_exists(target) {
                    report(
                        &def_path,
                        format!(
                            "field `{}`: condition refers to unknown field `{target}`",
                            field.key
                        ),
                    );
                }
            }
            None => {}
        }
    }
    for notice in &def.notices {
        if let Some(anchor) = &notice.anchor
            && !field_exists(anchor)
        {
            report(
                &def_path,
                format!(
                    "notice `{}`: anchor `{anchor}` is not a field key",
                    notice.key
                ),
            );
        }
    }
    for (locale, t) in &def.translations {
        let at = format!("translations.{locale}");
        if !valid_locale(locale) {
            report(
                &def_path,
                format!("{at}: `{locale}` is not a lowercase language code such as `fr`"),
            );
        }
        for (key, ft) in &t.fields {
            let Some(field) = def.fields.iter().find(|f| &f.key == key) else {
                report(&def_path, format!("{at}: `{key}` is not a field key"));
                continue;
            };
            for value in ft.options.keys() {
                let known = field.options.iter().flatten().any(|o| &o.value == value);
                if !known {
                    report(
                        &def_path,
                        format!("{at}.fields.{key}: `{value}` is not an option value"),
                    );
                }
            }
            if ft.error.is_some() && field.validation.as_ref().is_none_or(|v| v.error.is_none()) {
                report(
                    &def_path,
                    format!(
                        "{at}.fields.{key}: `error` translates a validation error the field does not have"
                    ),
                );
            }
        }
        for key in t.notices.keys() {
            if !def.notices.iter().any(|n| &n.key == key) {
                report(&def_path, format!("{at}: `{key}` is not a notice key"));
            }
        }
    }
    if let Some(preview) = &def.preview {
        for p in preview_placeholders(preview) {
            if !field_exists(p) {
                report(
                    &def_path,
                    format!("preview placeholder `{{{p}}}` is not a field key"),
                );
            }
        }
    }

    if let Some(check) = &def.check {
        for problem in check_problems(check, &def.fields, &def.translations) {
            report(&def_path, problem);
        }
    }

    // OAuth2 settings.
    match (def.auth_type, &def.oauth2) {
        (ConnectorType::Oauth2, None) => {
            report(
                &def_path,
                "auth_type = \"oauth2\" needs an [oauth2] table".to_owned(),
            );
        }
        (ConnectorType::Custom, Some(_)) => {
            report(
                &def_path,
                "[oauth2] is only allowed with auth_type = \"oauth2\"".to_owned(),
            );
        }
        (ConnectorType::Oauth2, Some(o)) => {
            for (name, url) in [
                ("authorize_url", &o.authorize_url),
                ("token_url", &o.token_url),
            ] {
                if !(url.starts_with("https://") || url.starts_with("http://")) {
                    report(
                        &def_path,
                        format!("oauth2.{name} `{url}` is not an http(s) URL"),
                    );
                }
            }
        }
        (ConnectorType::Custom, None) => {}
    }

    // Logo: a plain file name, so a definition cannot point outside its folder.
    let logo_path = folder.join(&def.logo);
    if def.logo.is_empty() || def.logo.contains(['/', '\\']) || def.logo.starts_with('.') {
        report(
            &def_path,
            format!(
                "logo `{}` must be a file name in the connector folder",
                def.logo
            ),
        );
    } else if !logo_path.is_file() {
        report(&def_path, format!("logo `{}` does not exist", def.logo));
    } else {
        match std::fs::read_to_string(&logo_path) {
            Ok(svg) => {
                for (line, problem) in rules::logo_problems(&svg, &def.name) {
                    report(&logo_path, format!("line {line}: {problem}"));
                }
            }
            Err(e) => report(&logo_path, format!("cannot read the logo: {e}")),
        }
    }

    // Guide.
    let guide_file = match &def.guide {
        Some(g) if g.contains(['/', '\\']) || g.starts_with('.') => {
            report(
                &def_path,
                format!("guide `{g}` must be a file name in the connector folder"),
            );
            None
        }
        Some(g) => Some(folder.join(g)),
        None => Some(folder.join(DEFAULT_GUIDE_FILE)).filter(|p| p.is_file()),
    };
    let english_labels: Vec<&str> = def.fields.iter().map(|f| f.label.as_str()).collect();
    let guide = guide_file
        .as_deref()
        .and_then(|path| load_guide(path, &english_labels, true, &mut report));
    // Translated guides: `guide.fr.mdx` beside `guide.mdx`, checked against that locale's
    // field labels (English where the locale has none).
    let mut guides: BTreeMap<String, Guide> = BTreeMap::new();
    if let Some(path) = guide_file.as_deref().filter(|_| guide.is_some()) {
        for (locale, file) in translated_guide_files(path) {
            if !valid_locale(&locale) {
                report(
                    &file,
                    format!("`{locale}` is not a lowercase language code such as `fr`"),
                );
                continue;
            }
            let translated = def.translations.get(&locale);
            let labels: Vec<&str> = def
                .fields
                .iter()
                .map(|f| {
                    translated
                        .and_then(|t| t.fields.get(&f.key))
                        .and_then(|t| t.label.as_deref())
                        .unwrap_or(&f.label)
                })
                .collect();
            if let Some(mut g) = load_guide(&file, &labels, false, &mut report) {
                g.lang = Some(locale.clone());
                guides.insert(locale, g);
            }
        }
    }
    // Keep the matcher warm for the server: compiling here is what the check needed anyway.
    let _ = matcher;

    if problems.len() > start {
        return None;
    }

    let logo_url = format!("/catalog/{}/{}", def.key, def.logo);
    let config = ConnectorConfig {
        key: def.key.clone(),
        name: def.name.clone(),
        connector_type: def.auth_type,
        grant_type: (def.auth_type == ConnectorType::Oauth2)
            .then(|| "authorization_code".to_owned()),
        config_fields: def
            .fields
            .iter()
            .map(FieldDefinition::to_config_field)
            .collect(),
        config_notices: def.notices.clone(),
        assets: Assets {
            icon: Some(logo_url.clone()),
        },
        support: def.support.clone(),
        guide,
        preview: def.preview.clone(),
        translations: {
            let mut translations: BTreeMap<String, ConnectorTranslation> = def
                .translations
                .iter()
                .map(|(locale, t)| (locale.clone(), t.to_translation()))
                .collect();
            for (locale, g) in guides {
                translations.entry(locale).or_default().guide = Some(g);
            }
            translations
        },
    };
    let summary = ConnectorSummary {
        active: def.active,
        name: def.name.clone(),
        provider: def.key.clone(),
        category: def.category.clone(),
        version: def.version.clone(),
        authentication_config_key: Some(
            match def.auth_type {
                ConnectorType::Oauth2 => "oauth2",
                ConnectorType::Custom => "custom",
            }
            .to_owned(),
        ),
        environment: Some("production".to_owned()),
        integration_id: def.key.clone(),
        logo_url: Some(logo_url),
    };
    Some(CatalogConnector {
        key: def.key.clone(),
        oauth2: def.oauth2.clone(),
        definition: def,
        config,
        summary,
        logo_path,
    })
}

/// The categories synthetic connectors are spread over: the allowed ones, whichever
/// [`CATEGORIES`] lists (so a synthetic catalog always passes the category rule).
pub const SYNTHETIC_CATEGORIES: &[&str] = &CATEGORIES;

/// Write `n` valid connectors into `dir` (for performance tests): keys `synthetic-00000`…,
/// spread over [`SYNTHETIC_CATEGORIES`], every tenth one OAuth2, each with a guide whose
/// linking section matches its form.
pub fn synthetic_catalog(n: usize, dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for i in 0..n {
        let key = format!("synthetic-{i:05}");
        let folder = dir.join(&key);
        std::fs::create_dir_all(&folder)?;
        let category = SYNTHETIC_CATEGORIES[i % SYNTHETIC_CATEGORIES.len()];
        let oauth = i % 10 == 9;
        let mut toml = format!(
            "key = \"{key}\"\nname = \"Synthetic {i}\"\ncategory = \"{category}\"\n\
             auth_type = \"{}\"\nversion = \"1\"\nlogo = \"logo.svg\"\n\
             preview = \"https://{{subdomain}}.example.com/\"\n\n\
             [support]\nlink = \"https://example.com/support/{key}\"\ndescription = \"Synthetic connector support\"\n\n",
            if oauth { "oauth2" } else { "custom" }
        );
        if oauth {
            toml.push_str(&format!(
                "[oauth2]\nauthorize_url = \"https://example.com/{key}/authorize\"\n\
                 token_url = \"https://example.com/{key}/token\"\nscopes = [\"read\"]\n\
                 client_id = \"{key}-client\"\n\n"
            ));
        }
        toml.push_str(
            "[[fields]]\nkey = \"api_key\"\nlabel = \"API Key\"\ntype = \"password\"\nrequired = true\n\
             secret = true\nvalidation = { type = \"html-pattern\", pattern = \"[A-Za-z0-9]{32}\", error = \"32 letters or digits\" }\n\n\
             [[fields]]\nkey = \"subdomain\"\nlabel = \"Subdomain\"\ntype = \"text\"\nrequired = true\n\
             validation = { type = \"html-pattern\", pattern = \"[a-z0-9\\\\-]+\", error = \"lowercase letters, digits and dashes\" }\n\n\
             [[fields]]\nkey = \"region\"\nlabel = \"Region\"\ntype = \"select\"\nvalue = \"eu\"\n\
             options = [{ label = \"Europe\", value = \"eu\" }, { label = \"United States\", value = \"us\" }]\n\n\
             [[notices]]\nkey = \"scopes\"\ntype = \"info\"\ndescription = \"Use a key with read access.\"\nposition = \"top\"\nanchor = \"api_key\"\n",
        );
        std::fs::write(folder.join(DEFINITION_FILE), toml)?;
        std::fs::write(
            folder.join("logo.svg"),
            format!(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 24 24\" role=\"img\"><title>Synthetic {i}</title><rect width=\"24\" height=\"24\" rx=\"5\" fill=\"hsl({} 60% 45%)\"/></svg>\n",
                (i * 37) % 360
            ),
        )?;
        std::fs::write(
            folder.join(DEFAULT_GUIDE_FILE),
            format!(
                "# Connect Synthetic {i}\n\n> Link a Synthetic {i} account with an API key.\n\n\
                 <section data-guide-section data-guide-scopes=\"\">\n  <h2>Create an API key</h2>\n\n  <Steps>\n\
                 \x20   <Step title=\"Open the settings\">\n      <div data-guide-step data-guide-scopes=\"\">\n\
                 \x20       <p>Open <strong>Settings</strong> > <strong>API</strong>.</p>\n      </div>\n    </Step>\n\
                 \x20   <Step title=\"Copy the key\">\n      <div data-guide-step data-guide-scopes=\"\">\n\
                 \x20       <p>Click <strong>New key</strong> and copy it.</p>\n      </div>\n    </Step>\n  </Steps>\n</section>\n\n\
                 ## Linking the Account from the Hub\n\n<Steps>\n  <Step title=\"Fill out the fields\">\n\
                 \x20   Fill out the following fields using details from your provider:\n\n    <ul>\n\
                 \x20     <li><strong>API Key</strong></li>\n      <li><strong>Subdomain</strong></li>\n      <li><strong>Region</strong></li>\n    </ul>\n  </Step>\n</Steps>\n"
            ),
        )?;
    }
    Ok(())
}
