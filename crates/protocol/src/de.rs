//! Lenient deserializers for values StackOne-style backends send in more than one shape.

use serde::{Deserialize, Deserializer};

/// A string, or a number / boolean kept as its text.
pub(crate) fn string_like<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        S(String),
        N(serde_json::Number),
        B(bool),
    }
    Ok(match Raw::deserialize(d)? {
        Raw::S(s) => s,
        Raw::N(n) => n.to_string(),
        Raw::B(b) => b.to_string(),
    })
}

/// `Option<String>` via [`string_like`]; `null` is `None`.
pub(crate) fn opt_string_like<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    struct Wrap(#[serde(deserialize_with = "string_like")] String);
    Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
}

/// `scopes` of a connect session: a list of scope names, or a boolean (the shape StackOne's
/// own API documents, which has no scope names to filter by) read as no scopes.
pub(crate) fn scope_list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        List(Vec<String>),
        // Only its shape matters: the value is not used.
        Flag(#[allow(dead_code)] bool),
    }
    Ok(match Option::<Raw>::deserialize(d)? {
        Some(Raw::List(list)) => Some(list),
        Some(Raw::Flag(_)) | None => None,
    })
}
