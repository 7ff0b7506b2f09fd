//! The server's words for end users, in their language: the per-field messages of a refused
//! link and the OAuth result page. Developer-facing answers (the API-key endpoints, most
//! error messages) stay English.
//!
//! The texts come from the widget's own catalog (`locales/*.json`, every key in every
//! locale, checked when the widget builds), so the server and the widget say the same thing
//! in the same words. The language is the request's `Accept-Language` (the widget sends its
//! own), matched like the widget matches the browser's: by primary subtag, else English.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use linkhub_protocol::validate::FieldError;

/// A language of the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Lang(usize);

/// The catalog's locales, English (the fallback) first.
const LOCALES: [(&str, &str); 6] = [
    ("en", include_str!("../../../locales/en.json")),
    ("fr", include_str!("../../../locales/fr.json")),
    ("de", include_str!("../../../locales/de.json")),
    ("es", include_str!("../../../locales/es.json")),
    ("ja", include_str!("../../../locales/ja.json")),
    ("ar", include_str!("../../../locales/ar.json")),
];

/// Each locale's messages by key (a file that does not parse is empty: English is used).
static CATALOG: LazyLock<Vec<BTreeMap<String, String>>> = LazyLock::new(|| {
    LOCALES
        .iter()
        .map(|(_, json)| serde_json::from_str(json).unwrap_or_default())
        .collect()
});

impl Lang {
    /// The catalog's language for one tag (`fr-CA` → French), if it has it.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?;
        LOCALES
            .iter()
            .position(|(code, _)| code.eq_ignore_ascii_case(primary))
            .map(Lang)
    }

    /// The first language of an `Accept-Language` value the catalog has, else English.
    pub fn negotiate(accept_language: &str) -> Lang {
        accept_language::parse(accept_language)
            .iter()
            .find_map(|tag| Lang::from_tag(tag))
            .unwrap_or_default()
    }

    /// Its code (`en`, `fr`, …), as `<html lang>` and the database store it.
    pub fn code(self) -> &'static str {
        LOCALES[self.0].0
    }

    /// `dir` for its script.
    pub fn dir(self) -> &'static str {
        if self.code() == "ar" { "rtl" } else { "ltr" }
    }

    /// The message `key` in this language (English when it lacks it; the key itself when
    /// English lacks it too, which the widget's build forbids).
    pub fn text(self, key: &str) -> String {
        let catalog = &*CATALOG;
        catalog[self.0]
            .get(key)
            .or_else(|| catalog[0].get(key))
            .cloned()
            .unwrap_or_else(|| key.to_string())
    }

    /// What to tell a user whose value broke a field's rule: the widget's message for it.
    pub fn field_error(self, error: &FieldError) -> String {
        match error {
            FieldError::Required => self.text("err_required"),
            // The connector's own message, as the widget shows it.
            FieldError::Pattern { message: Some(m) } => m.clone(),
            FieldError::Pattern { message: None } => self.text("err_pattern"),
            FieldError::Domain { domain } => self.text("err_domain").replace("{domain}", domain),
            FieldError::NotAnOption => self.text("err_not_an_option"),
            FieldError::NotANumber => self.text("err_not_a_number"),
            FieldError::InvalidPattern => self.text("server_invalid_pattern"),
            FieldError::UnknownField => self.text("err_unknown_field"),
        }
    }
}

tokio::task_local! {
    /// The `Accept-Language` of the request being answered.
    static ACCEPT_LANGUAGE: Option<HeaderValue>;
}

/// Middleware: keeps the request's `Accept-Language` for [`current`]. It is only parsed
/// when an answer has words for a user in it, not for every file and API call.
pub async fn negotiate(req: Request, next: Next) -> Response {
    let accept = req.headers().get(header::ACCEPT_LANGUAGE).cloned();
    ACCEPT_LANGUAGE.scope(accept, next.run(req)).await
}

/// The language of the request being answered (English outside one, or when it asks for
/// none the catalog has).
pub fn current() -> Lang {
    ACCEPT_LANGUAGE
        .try_with(|v| {
            v.as_ref()
                .and_then(|v| v.to_str().ok())
                .map(Lang::negotiate)
        })
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// A message for an end user, put in their language when the answer is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Text {
    /// A key of the catalog.
    Key(&'static str),
    /// A field's broken rule.
    Field(FieldError),
}

impl Text {
    pub fn localize(&self, lang: Lang) -> String {
        match self {
            Text::Key(key) => lang.text(key),
            Text::Field(error) => lang.field_error(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_language_the_catalog_has_wins() {
        assert_eq!(Lang::negotiate("fr-CA,fr;q=0.9,en;q=0.8").code(), "fr");
        assert_eq!(Lang::negotiate("pt-BR, de;q=0.5, en;q=0.3").code(), "de");
        assert_eq!(
            Lang::negotiate("en;q=0.2, ja;q=0.9").code(),
            "ja",
            "by quality"
        );
        assert_eq!(
            Lang::negotiate("pt-BR").code(),
            "en",
            "none we have: English"
        );
        assert_eq!(Lang::negotiate("").code(), "en");
        assert_eq!(Lang::negotiate("*;q=x,,;").code(), "en");
        assert_eq!(Lang::from_tag("AR-eg").map(Lang::dir), Some("rtl"));
    }

    #[test]
    fn every_locale_has_the_server_s_messages() {
        for (i, (code, _)) in LOCALES.iter().enumerate() {
            let catalog = &CATALOG[i];
            for key in [
                "err_required",
                "err_pattern",
                "err_domain",
                "err_not_an_option",
                "err_not_a_number",
                "err_unknown_field",
                "server_invalid_pattern",
                "server_invalid_credentials",
                "server_not_text_value",
                "server_unknown_connector",
                "server_error_title",
                "oauth_page_linked",
                "oauth_page_failed",
                "oauth_page_unknown",
                "oauth_page_incomplete",
            ] {
                assert!(
                    catalog.get(key).is_some_and(|t| !t.is_empty()),
                    "{code}: {key}"
                );
            }
        }
    }

    #[test]
    fn field_errors_read_as_the_widget_writes_them() {
        let fr = Lang::from_tag("fr").expect("fr");
        assert_eq!(
            fr.field_error(&FieldError::Required),
            "Ce champ est obligatoire."
        );
        assert_eq!(
            fr.field_error(&FieldError::Domain {
                domain: "example.com".into()
            }),
            "La valeur doit contenir example.com."
        );
        assert_eq!(
            Lang::default().field_error(&FieldError::Pattern {
                message: Some("Use lowercase letters.".into())
            }),
            "Use lowercase letters."
        );
    }
}
