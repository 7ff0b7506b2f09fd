//! What the server tells an end user about a check, in their language: the per-field
//! messages (the connector's own, from its catalog `[check]`), the form-level message and
//! a stable code the widget can act on, and the status reasons of an account.

use std::collections::BTreeMap;

use linkhub_protocol::catalog::ConnectorDefinition;

use super::{NotSent, Outcome};
use crate::i18n::Lang;

/// The error code of a refusal (400): messages are on the fields.
pub const CODE_REFUSED: &str = linkhub_protocol::onboarding::error_code::CREDENTIALS_REFUSED;
/// The error code of values that lead somewhere a check may not go (400).
pub const CODE_NOT_ALLOWED: &str = "credentials_not_allowed";
/// The error code of a provider that did not answer (nothing stored; retry later).
pub const CODE_UNAVAILABLE: &str = linkhub_protocol::onboarding::error_code::PROVIDER_UNAVAILABLE;
/// The status reason code of an account stored without a check (best-effort).
pub const REASON_UNVERIFIED: &str = "unverified";
/// The status reason code of an account whose credential the provider no longer accepts.
pub const REASON_REFUSED: &str = "credentials_refused";

/// An outcome in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Words {
    pub code: &'static str,
    /// The form-level message.
    pub message: String,
    /// Messages by field key.
    pub fields: BTreeMap<String, String>,
}

/// The connector's name in `lang`.
pub fn provider_name(connector: &ConnectorDefinition, lang: Lang) -> String {
    connector
        .translations
        .get(lang.code())
        .and_then(|t| t.name.clone())
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| connector.name.clone())
}

fn text(lang: Lang, key: &str, provider: &str) -> String {
    lang.text(key).replace("{{ provider }}", provider)
}

impl Outcome {
    /// What to tell the user about this outcome; `None` for a success.
    pub fn words(&self, connector: &ConnectorDefinition, lang: Lang) -> Option<Words> {
        let provider = provider_name(connector, lang);
        let words = match self {
            Outcome::Ok { .. } => return None,
            Outcome::Refused(r) => {
                let declared = r.message(connector, lang.code());
                let fallback = text(lang, "server_check_refused", &provider);
                Words {
                    code: CODE_REFUSED,
                    fields: r
                        .fields
                        .iter()
                        .map(|f| (f.clone(), declared.clone().unwrap_or(fallback.clone())))
                        .collect(),
                    message: declared.unwrap_or(fallback),
                }
            }
            Outcome::NotSent {
                reason: NotSent::NoSelfUrl,
                ..
            }
            | Outcome::Unreachable { .. }
            | Outcome::Failed { .. } => Words {
                code: CODE_UNAVAILABLE,
                message: text(lang, "server_check_unavailable", &provider),
                fields: BTreeMap::new(),
            },
            Outcome::NotSent { fields, .. } => {
                let message = text(lang, "server_check_not_allowed", &provider);
                Words {
                    code: CODE_NOT_ALLOWED,
                    fields: fields
                        .iter()
                        .map(|f| (f.clone(), message.clone()))
                        .collect(),
                    message,
                }
            }
        };
        Some(words)
    }
}

/// The status reason of an account stored without a check (best-effort, provider
/// unreachable).
pub fn unverified_reason(connector: &ConnectorDefinition, lang: Lang) -> String {
    text(
        lang,
        "server_status_unverified",
        &provider_name(connector, lang),
    )
}

/// The status reason of an account whose credential stopped working.
pub fn refused_reason(connector: &ConnectorDefinition, lang: Lang) -> String {
    text(
        lang,
        "server_status_refused",
        &provider_name(connector, lang),
    )
}

/// A stored status reason's words in `lang`, by its `code` (the server writes reasons in
/// the language of whoever caused them; this says them again in the reader's); `None` for
/// a code the server does not write.
pub fn reason_text(code: &str, connector: &ConnectorDefinition, lang: Lang) -> Option<String> {
    match code {
        REASON_REFUSED => Some(refused_reason(connector, lang)),
        REASON_UNVERIFIED => Some(unverified_reason(connector, lang)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::{Failure, Refusal};

    fn sandbox() -> ConnectorDefinition {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../catalog/sandbox/connector.toml"
        );
        let text = std::fs::read_to_string(path).expect("the sandbox connector");
        toml::from_str(&text).expect("parses")
    }

    #[test]
    fn refusals_put_the_connectors_message_on_its_fields() {
        let c = sandbox();
        let refused = Outcome::Refused(Refusal {
            status: 401,
            fields: vec!["api_key".into()],
            key: Some("key_rejected".into()),
            excerpt: None,
        });
        let fr = Lang::from_tag("fr").expect("fr");
        let w = refused.words(&c, fr).expect("words");
        assert_eq!(w.code, CODE_REFUSED);
        assert!(w.fields["api_key"].contains("bac à sable"), "{w:?}");
        // An undeclared refusal gets the generic sentence, with the provider's name.
        let other = Outcome::Refused(Refusal {
            status: 418,
            fields: vec![],
            key: None,
            excerpt: None,
        });
        let w = other.words(&c, Lang::default()).expect("words");
        assert_eq!(w.message, "linkhub Sandbox refused these details.");
        assert!(w.fields.is_empty());
    }

    #[test]
    fn an_unanswering_provider_has_its_own_code() {
        let c = sandbox();
        let ja = Lang::from_tag("ja").expect("ja");
        let w = Outcome::Failed {
            reason: Failure::Timeout,
        }
        .words(&c, ja)
        .expect("words");
        assert_eq!(w.code, CODE_UNAVAILABLE);
        assert!(
            w.message.starts_with("linkhub サンドボックス"),
            "{}",
            w.message
        );
        assert!(!w.message.contains("{{"), "{}", w.message);
        assert!(Outcome::Ok { status: 200 }.words(&c, ja).is_none());
        assert!(unverified_reason(&c, Lang::default()).contains("linkhub Sandbox"));
        assert!(refused_reason(&c, Lang::default()).contains("Reconnect"));
    }
}
