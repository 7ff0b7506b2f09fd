//! Wire types shared by the linkhub widget and the reference server, plus the pure
//! logic both sides need: field validation, the guide model and (feature `import`) the
//! guide importer and catalog loader.
//!
//! Field names follow the StackOne-style Hub protocol exactly (see `docs/protocol.md`):
//! compatibility with StackOne-style clients and servers is a feature, so every rename
//! here is deliberate.
//!
//! Features: the default set is tiny (serde, serde_json, thiserror) because this crate
//! ships in the wasm widget. `regex` adds [`validate::RegexMatcher`]; `import` adds
//! [`import`], [`catalog`] and [`check`] (native only); `openapi` derives `utoipa::ToSchema` for every
//! wire type, so the server's OpenAPI document describes these very types (never on in
//! the widget).
//!
//! Secrets (session tokens, submitted credentials) are held in [`secret::Secret`] and
//! [`secret::SecretMap`]: every type here derives `Debug`, and none prints one.

pub mod api;
pub mod config;
pub mod guide;
pub mod hub;
pub mod onboarding;
pub mod secret;
pub mod validate;

#[cfg(feature = "import")]
pub mod catalog;
#[cfg(feature = "import")]
pub mod check;
#[cfg(feature = "import")]
pub mod import;

pub(crate) mod de;

/// Header carrying the session token on every widget → API call.
pub const SESSION_HEADER: &str = "x-hub-session-token";
