//! Text from outside the widget (the catalog, the server, the host) made safe to show.
//!
//! Explicit bidirectional formatting characters (embeddings, overrides, isolates and their
//! terminators) can make `invoice\u{202E}fdp.exe` read as "invoiceexe.pdf"; no connector
//! name, label, guide or message needs them, so they are removed from every API answer and
//! from the host's texts before anything is shown. What is left is laid out in its own
//! direction and isolated from the hub's sentences: `unicode-bidi: plaintext` on the
//! elements that hold such text (`style/hub.css`) and [`isolated`] inside a sentence.

/// Whether `c` is an explicit bidirectional formatting character (U+202A–U+202E,
/// U+2066–U+2069). Marks (LRM, RLM, ALM) are kept: they only add a direction to a spot.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` without explicit bidirectional formatting characters.
pub fn without_bidi_controls(text: &str) -> String {
    text.chars().filter(|&c| !is_bidi_control(c)).collect()
}

/// A JSON text without explicit bidirectional formatting characters, whether written as
/// they are or as `\u202e` escapes (an escaped backslash before a `u` is left alone).
pub fn json_without_bidi_controls(text: String) -> String {
    if !text.contains(is_bidi_control) && !text.contains("\\u20") {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(c) = rest.chars().next() {
        if c == '\\' {
            let escaped = rest
                .get(2..6)
                .filter(|_| rest[1..].starts_with('u'))
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .and_then(char::from_u32);
            if escaped.is_some_and(is_bidi_control) {
                rest = &rest[6..];
                continue;
            }
            // The backslash and what it escapes, so `\\` never pairs with the next one.
            let len = 1 + rest[1..].chars().next().map_or(0, char::len_utf8);
            out.push_str(&rest[..len]);
            rest = &rest[len..];
            continue;
        }
        if !is_bidi_control(c) {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Text from outside inside one of the hub's sentences ("Link your {name} account"), in a
/// `<bdi>`: laid out in its own direction without reordering the words around it.
pub fn isolated(
    text: String,
) -> impl Fn() -> leptos::prelude::AnyView + Clone + Send + Sync + 'static {
    use leptos::prelude::*;
    move || view! { <bdi>{text.clone()}</bdi> }.into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_are_removed_so_a_file_name_reads_as_written() {
        // Issue #17: `invoice\u202Efdp.exe` showed as "invoiceexe.pdf".
        assert_eq!(
            without_bidi_controls("invoice\u{202E}fdp.exe"),
            "invoicefdp.exe"
        );
        let all =
            "a\u{202A}b\u{202B}c\u{202C}d\u{202D}e\u{202E}f\u{2066}g\u{2067}h\u{2068}i\u{2069}j";
        assert_eq!(without_bidi_controls(all), "abcdefghij");
        // Marks and right-to-left text stay.
        assert_eq!(
            without_bidi_controls("ربط \u{200F}Dagster"),
            "ربط \u{200F}Dagster"
        );
    }

    #[test]
    fn json_answers_lose_raw_and_escaped_controls_and_nothing_else() {
        let raw = "{\"name\":\"invoice\u{202E}fdp.exe\"}".to_owned();
        assert_eq!(
            json_without_bidi_controls(raw),
            r#"{"name":"invoicefdp.exe"}"#
        );
        let escaped = r#"{"name":"invoice\u202Efdp.exe","b":"\u2066x\u2069","c":"\u202e"}"#;
        assert_eq!(
            json_without_bidi_controls(escaped.to_owned()),
            r#"{"name":"invoicefdp.exe","b":"x","c":""}"#
        );
        // An escaped backslash followed by the letters `u202e` is text, not a control.
        let text = r#"{"a":"\\u202e","b":"\u00e9\u2019","c":"\"\\"}"#;
        assert_eq!(json_without_bidi_controls(text.to_owned()), text);
        let parsed: serde_json::Value =
            serde_json::from_str(&json_without_bidi_controls(text.to_owned())).expect("json");
        assert_eq!(parsed["a"], "\\u202e");
        // Cut short (a broken answer) it never panics.
        for cut in ["\\", "\\u", "\\u202", "é\\", "\\é"] {
            let _ = json_without_bidi_controls(cut.to_owned());
        }
    }
}
