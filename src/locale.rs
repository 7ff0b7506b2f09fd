//! Which language the widget speaks: the host's `locale` option, else the first of the
//! browser's languages the widget has, else English. Pure matching here (tested natively);
//! reading `navigator.languages` is the one browser call.

use leptos_i18n::Locale as _;

use crate::i18n::Locale;

/// The locale for a requested option and the browser's preferred languages (most preferred
/// first). Tags match by their primary subtag, case-insensitively (`de-AT` → `de`,
/// `pt_BR` → nothing). An option the widget does not have is ignored, never fatal: the
/// browser's languages decide, then English.
pub fn choose<'a>(
    requested: Option<&'a str>,
    browser: impl IntoIterator<Item = &'a str>,
) -> Locale {
    requested
        .into_iter()
        .chain(browser)
        .find_map(supported)
        .unwrap_or_default()
}

/// [`choose`] with this browser's languages.
pub fn for_browser(requested: Option<&str>) -> Locale {
    let browser = browser_languages();
    choose(requested, browser.iter().map(String::as_str))
}

/// The hub's language, as the nearest `Hub` (or, before it, `Boot`) chose it; English
/// outside them.
///
/// A hub's language never changes while it is shown, so the widget writes its words once
/// (`td!`/`td_string!`) instead of through leptos_i18n's reactive context: no reactive text
/// node per message, and no browser-language detection the widget does on its own anyway
/// (together 19.6 KB gzip of the first screen's wasm).
pub fn use_locale() -> Locale {
    leptos::prelude::use_context::<Locale>().unwrap_or_default()
}

/// States the hub's language and direction on the page itself (`<html lang dir>`), for
/// screen readers and the browser's own text handling outside the hub's root.
pub fn mark_document(locale: Locale) {
    #[cfg(target_arch = "wasm32")]
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("lang", locale.as_str());
        let _ = root.set_attribute("dir", dir(locale));
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = locale;
}

/// The widget's locale for one language tag, if it has one.
pub fn supported(tag: &str) -> Option<Locale> {
    let primary = tag.trim().split(['-', '_']).next()?;
    Locale::get_all()
        .iter()
        .copied()
        .find(|l| l.as_str().eq_ignore_ascii_case(primary))
}

/// A catalog message with its `{name}` placeholder filled in.
///
/// The first screen's messages with a value in them (`{count}`, `{query}`, and a field's
/// `{domain}`) are plain strings filled here rather than leptos_i18n `{{ name }}`
/// interpolations, which turn each message into a reactive view of its own and add about
/// 4 KB gzip to the first screen's wasm (plain-string interpolation needs the library's
/// `interpolate_display` option, which `load_locales!` cannot enable). `build.rs` checks
/// that every locale has the placeholders English has.
pub fn fill(message: &str, name: &str, value: &str) -> String {
    message.replace(&format!("{{{name}}}"), value)
}

/// `dir` for a locale: `rtl` for right-to-left scripts (Arabic), else `ltr`.
pub fn dir(locale: Locale) -> &'static str {
    match locale.direction() {
        leptos_i18n::Direction::RightToLeft => "rtl",
        _ => "ltr",
    }
}

/// The browser's preferred languages (`navigator.languages`, else `navigator.language`);
/// empty outside a browser.
pub fn browser_languages() -> Vec<String> {
    #[cfg(target_arch = "wasm32")]
    {
        let Some(navigator) = web_sys::window().map(|w| w.navigator()) else {
            return Vec::new();
        };
        let mut tags: Vec<String> = navigator
            .languages()
            .iter()
            .filter_map(|v| v.as_string())
            .collect();
        if tags.is_empty() {
            tags.extend(navigator.language());
        }
        tags
    }
    #[cfg(not(target_arch = "wasm32"))]
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_puts_the_value_in_its_placeholder_only() {
        assert_eq!(fill("Show {count} more", "count", "12"), "Show 12 more");
        assert_eq!(
            fill("No provider matches “{query}”.", "query", "{count}"),
            "No provider matches “{count}”.",
            "a value is not read again"
        );
        assert_eq!(fill("{count} of {count}", "count", "3"), "3 of 3");
        assert_eq!(fill("Nothing to fill", "count", "3"), "Nothing to fill");
    }

    #[test]
    fn the_option_wins_over_the_browser() {
        assert_eq!(choose(Some("ja"), ["de-DE", "en"]), Locale::ja);
    }

    #[test]
    fn regional_tags_match_by_primary_subtag() {
        assert_eq!(choose(None, ["de-AT"]), Locale::de);
        assert_eq!(choose(Some("FR-ca"), []), Locale::fr);
        assert_eq!(choose(None, ["es_419"]), Locale::es);
        assert_eq!(choose(None, ["ar-EG"]), Locale::ar);
    }

    #[test]
    fn unsupported_languages_fall_through_to_the_next() {
        assert_eq!(choose(None, ["pt-BR", "pt", "es-MX", "en"]), Locale::es);
    }

    #[test]
    fn an_unknown_option_is_ignored_not_fatal() {
        assert_eq!(choose(Some("klingon"), ["fr-FR"]), Locale::fr);
        assert_eq!(choose(Some(""), ["ja-JP"]), Locale::ja);
        assert_eq!(choose(Some("x-"), []), Locale::en);
    }

    #[test]
    fn english_when_nothing_matches() {
        assert_eq!(choose(None, []), Locale::en);
        assert_eq!(choose(Some("pt"), ["zh-Hant", "ko"]), Locale::en);
    }

    #[test]
    fn arabic_is_right_to_left_and_the_others_are_not() {
        assert_eq!(dir(Locale::ar), "rtl");
        for l in [Locale::en, Locale::fr, Locale::de, Locale::es, Locale::ja] {
            assert_eq!(dir(l), "ltr", "{l:?}");
        }
    }
}
