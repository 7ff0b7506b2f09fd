//! The connector catalog the server offers: `linkhub_protocol::catalog::load_catalog`
//! (which checks every file) plus what serving needs at hand — the served `config` as JSON,
//! which fields are secret, and credential validation with each connector's patterns
//! compiled once, at load.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use linkhub_protocol::catalog::{self as pcatalog, OAuth2Settings};
use linkhub_protocol::config::ValidationKind;
use linkhub_protocol::config::{ConnectorConfig, ConnectorType, FieldType};
use linkhub_protocol::hub::ConnectorSummary;
use linkhub_protocol::validate::{FieldError, PatternMatcher, RegexMatcher, validate_credentials};
use serde_json::Value;

/// A catalog that cannot be served: every problem, each naming its file.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct CatalogError(pub String);

/// What the server needs to store a field's value.
#[derive(Debug, Clone)]
pub struct FieldSpec {
    pub key: String,
    /// Sealed at rest and only ever returned redacted.
    pub secret: bool,
    /// The field's default (or fixed, when read-only) value.
    pub fixed_value: Option<String>,
}

/// One connector, ready to serve.
#[derive(Debug, Clone)]
pub struct Connector {
    pub key: String,
    pub summary: ConnectorSummary,
    /// The `config` served by `/hub/connectors/{id}` (with the logo's URL added).
    pub model: ConnectorConfig,
    pub fields: Vec<FieldSpec>,
    pub is_oauth2: bool,
    pub logo_path: Option<PathBuf>,
    pub oauth2: Option<OAuth2Settings>,
    /// The form's `html-pattern`s, compiled when the catalog is loaded.
    pub patterns: Patterns,
    /// The definition as written (its credential `[check]` and the check's messages).
    pub definition: Arc<pcatalog::ConnectorDefinition>,
}

/// A connector's `html-pattern` validations, compiled once (HTML whole-value anchoring)
/// and shared read-only, so validating credentials neither compiles nor locks.
#[derive(Debug, Clone, Default)]
pub struct Patterns(Arc<HashMap<String, Result<regex::Regex, String>>>);

impl Patterns {
    /// Compiles every `html-pattern` of the form.
    pub fn compile(config: &ConnectorConfig) -> Patterns {
        let compiled = config
            .config_fields
            .iter()
            .filter_map(|f| f.validation.as_ref())
            .filter(|v| v.kind == ValidationKind::HtmlPattern)
            .map(|v| (v.pattern.clone(), RegexMatcher::compile(&v.pattern)))
            .collect();
        Patterns(Arc::new(compiled))
    }

    /// How many distinct patterns are compiled.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the form has no pattern.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl PatternMatcher for Patterns {
    fn whole_match(&self, pattern: &str, value: &str) -> Result<bool, String> {
        match self.0.get(pattern) {
            Some(Ok(re)) => Ok(re.is_match(value)),
            Some(Err(e)) => Err(e.clone()),
            // Only the form's own patterns are ever asked for; compile a stranger rather
            // than fail, without caching it.
            None => RegexMatcher::compile(pattern).map(|re| re.is_match(value)),
        }
    }
}

/// All connectors.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub connectors: Vec<Connector>,
}

impl Catalog {
    /// Loads and checks `dir`.
    pub fn load(dir: &Path) -> Result<Catalog, CatalogError> {
        let loaded = pcatalog::load_catalog(dir).map_err(|e| CatalogError(e.to_string()))?;
        let connectors = loaded
            .connectors
            .into_iter()
            .map(Connector::from_catalog)
            .collect::<Result<_, _>>()?;
        Ok(Catalog { connectors })
    }

    /// The connector with this integration id (or key).
    pub fn get(&self, integration_id: &str) -> Option<&Connector> {
        self.position(integration_id).map(|i| &self.connectors[i])
    }

    /// Where [`Catalog::get`]'s connector is in `connectors`.
    pub fn position(&self, integration_id: &str) -> Option<usize> {
        let connectors = &self.connectors;
        connectors
            .iter()
            .position(|c| c.summary.integration_id == integration_id)
            .or_else(|| connectors.iter().position(|c| c.key == integration_id))
    }

    /// The connector for a provider key.
    pub fn by_provider(&self, provider: &str) -> Option<&Connector> {
        self.connectors.iter().find(|c| c.key == provider)
    }
}

impl Connector {
    fn from_catalog(c: pcatalog::CatalogConnector) -> Result<Connector, CatalogError> {
        let fields = c
            .config
            .config_fields
            .iter()
            .map(|f| FieldSpec {
                key: f.key.clone(),
                secret: f.secret || f.field_type == FieldType::Password,
                fixed_value: f.default_value().map(|v| v.into_owned()),
            })
            .collect();
        Ok(Connector {
            patterns: Patterns::compile(&c.config),
            key: c.key,
            summary: c.summary,
            is_oauth2: c.config.connector_type == ConnectorType::Oauth2,
            model: c.config,
            fields,
            logo_path: Some(c.logo_path),
            oauth2: c.oauth2,
            definition: Arc::new(c.definition),
        })
    }

    /// The logo's file name, if any.
    pub fn logo_file(&self) -> Option<&str> {
        self.logo_path
            .as_ref()
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str())
    }

    /// Checks submitted values against the form; the broken rule of each bad field.
    pub fn validate(&self, values: &BTreeMap<String, String>) -> BTreeMap<String, FieldError> {
        let json: BTreeMap<String, Value> = values
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        validate_credentials(&self.model, &json, &self.patterns)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use linkhub_protocol::validate::PatternMatcher;

    use super::Catalog;

    fn test_catalog() -> Catalog {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/catalog");
        Catalog::load(&dir).expect("test catalog loads")
    }

    #[test]
    fn patterns_are_compiled_once_at_load_with_html_anchoring() {
        let catalog = test_catalog();
        let c = catalog.by_provider("acme_hr").expect("acme_hr");
        assert!(!c.patterns.is_empty(), "acme_hr has html-pattern fields");
        assert!(
            c.patterns.0.get("[a-z0-9-]+").is_some_and(Result::is_ok),
            "compiled at load"
        );
        // Whole-value semantics: a match inside the value is not enough.
        assert_eq!(c.patterns.whole_match("[a-z0-9-]+", "acme"), Ok(true));
        assert_eq!(c.patterns.whole_match("[a-z0-9-]+", "Acme corp"), Ok(false));
        assert_eq!(c.patterns.whole_match("[a-z]+", "abc"), Ok(true));
        assert_eq!(c.patterns.whole_match("[a-z]+", "abc1"), Ok(false));
        assert!(c.patterns.whole_match("(", "x").is_err());
    }

    #[test]
    fn validation_uses_the_compiled_patterns() {
        let catalog = test_catalog();
        let c = catalog.by_provider("acme_hr").expect("acme_hr");
        let bad = BTreeMap::from([("subdomain".to_string(), "!!".to_string())]);
        assert!(!c.validate(&bad).is_empty());
    }
}
