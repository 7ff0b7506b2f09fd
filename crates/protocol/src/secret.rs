//! Values that must never reach a log: session tokens and submitted credentials.
//!
//! [`Secret`] and [`SecretMap`] are transparent on the wire (they serialize exactly as the
//! value they hold) but print `[redacted]` through `Debug` and `Display`, so a struct holding
//! one can simply derive `Debug` and a stray `{:?}` in a log line, a panic message or a test
//! failure shows nothing secret. Reading the value is explicit: [`Secret::expose`].
//!
//! ```
//! use linkhub_protocol::secret::{Secret, SecretMap};
//! let token = Secret::new("tok_live_1234".to_string());
//! assert_eq!(format!("{token:?} {token}"), "[redacted] [redacted]");
//! assert_eq!(token.expose(), "tok_live_1234");
//! assert_eq!(serde_json::to_string(&token).unwrap(), r#""tok_live_1234""#);
//!
//! let credentials: SecretMap = serde_json::from_str(r#"{"api_key":"k-123"}"#).unwrap();
//! assert_eq!(format!("{credentials:?}"), r#"{"api_key": [redacted]}"#);
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::ops::{Deref, DerefMut};

use serde::{Deserialize, Serialize};

/// What `Debug` and `Display` print instead of a secret.
pub const REDACTED: &str = "[redacted]";

/// A value that is sent and received as itself but never printed.
#[derive(Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    /// Wraps a value.
    pub fn new(value: T) -> Self {
        Secret(value)
    }

    /// The value itself, for the one place that needs it (a header, a hash, a comparison).
    pub fn expose(&self) -> &T {
        &self.0
    }

    /// Unwraps the value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> From<T> for Secret<T> {
    fn from(value: T) -> Self {
        Secret(value)
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<T> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// Prints as `[redacted]` inside a `debug_map`.
struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// A map of secret values by key (submitted credentials, sealed secrets): transparent on
/// the wire; `Debug` shows the keys, never the values.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretMap<V = serde_json::Value>(BTreeMap<String, V>);

impl<V> SecretMap<V> {
    /// An empty map.
    pub fn new() -> Self {
        SecretMap(BTreeMap::new())
    }

    /// Unwraps the map.
    pub fn into_inner(self) -> BTreeMap<String, V> {
        self.0
    }
}

impl<V> Default for SecretMap<V> {
    fn default() -> Self {
        SecretMap(BTreeMap::new())
    }
}

impl<V> Deref for SecretMap<V> {
    type Target = BTreeMap<String, V>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<V> DerefMut for SecretMap<V> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl<V> From<BTreeMap<String, V>> for SecretMap<V> {
    fn from(map: BTreeMap<String, V>) -> Self {
        SecretMap(map)
    }
}

impl<V> FromIterator<(String, V)> for SecretMap<V> {
    fn from_iter<I: IntoIterator<Item = (String, V)>>(iter: I) -> Self {
        SecretMap(iter.into_iter().collect())
    }
}

impl<V> IntoIterator for SecretMap<V> {
    type Item = (String, V);
    type IntoIter = std::collections::btree_map::IntoIter<String, V>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a, V> IntoIterator for &'a SecretMap<V> {
    type Item = (&'a String, &'a V);
    type IntoIter = std::collections::btree_map::Iter<'a, String, V>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<V> fmt::Debug for SecretMap<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.keys().map(|k| (k, Redacted)))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_debug_output_never_shows_the_values() {
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Holder {
            token: Secret<String>,
            maybe: Option<Secret<String>>,
            credentials: SecretMap,
        }
        let holder = Holder {
            token: Secret::new("tok-AAAA".into()),
            maybe: Some("tok-BBBB".to_string().into()),
            credentials: [("user_token".to_string(), serde_json::json!("tok-CCCC"))]
                .into_iter()
                .collect(),
        };
        for text in [format!("{holder:?}"), format!("{holder:#?}")] {
            assert!(!text.contains("tok-"), "{text}");
            assert!(text.contains("user_token"), "keys stay visible: {text}");
            assert!(text.contains(REDACTED), "{text}");
        }
    }

    #[test]
    fn the_wire_form_is_the_value_itself() {
        let map: SecretMap<String> = serde_json::from_str(r#"{"a":"1","b":"2"}"#).expect("map");
        assert_eq!(map.get("b").map(String::as_str), Some("2"));
        assert_eq!(
            serde_json::to_string(&map).expect("json"),
            r#"{"a":"1","b":"2"}"#
        );
        let s: Option<Secret<String>> = serde_json::from_str("null").expect("null");
        assert!(s.is_none());
    }
}
