//! Secrets at rest and the random values the server hands out.
//!
//! Credentials are sealed one value at a time with AES-256-GCM: a fresh 96-bit nonce per
//! value, and the account id plus field key as associated data, so a sealed value copied
//! into another account or field fails to open instead of leaking.

use std::fmt;
use std::io::Write;
use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Prefix of a generated project API key.
pub const API_KEY_PREFIX: &str = "lh_sk_";
/// Prefix of a webhook signing secret (Standard Webhooks).
pub const WEBHOOK_SECRET_PREFIX: &str = "whsec_";

/// Errors while loading the keys or opening a sealed value. None of them shows a key.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("encryption key file {path}: {message}")]
    KeyFile { path: String, message: String },
    #[error("{source_name}: {message}")]
    KeyText {
        source_name: String,
        message: String,
    },
    #[error(
        "a stored secret is sealed with encryption key {id}, which is not among this \
         server's keys ({known})"
    )]
    UnknownKey { id: String, known: String },
    #[error("a stored secret could not be decrypted (wrong key or tampered data)")]
    Open,
}

/// One AEAD key (32 bytes) and its id.
#[derive(Clone)]
struct Key {
    id: String,
    cipher: Aes256Gcm,
}

impl Key {
    fn new(raw: &[u8; 32]) -> Key {
        Key {
            id: key_id(raw),
            cipher: Aes256Gcm::new(raw.into()),
        }
    }
}

/// The encryption keys, newest first: the first seals, every one opens. Several keys are
/// how a key is rotated: the new one is put first, every stored secret is sealed again
/// with it (`linkhub-server keys re-encrypt`), then the old one can go. Its `Debug` never
/// shows a key.
#[derive(Clone)]
pub struct SecretKey {
    current: Key,
    older: Vec<Key>,
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretKey")
            .field("current", &self.current.id)
            .field(
                "older",
                &self.older.iter().map(|k| &k.id).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// Marks a value sealed by a key of a known id: `k1:<key id>:<base64>`. A value without it
/// was sealed before keys had ids (plain base64, which has no `:`) and is opened by trying
/// each key.
const SEALED_PREFIX: &str = "k1:";

/// A key's id: 12 hex digits of a SHA-256 of the key (domain-separated), stored beside each
/// value it seals so that a server knows which key opens it, and so that operators can
/// tell keys apart without seeing them.
fn key_id(raw: &[u8; 32]) -> String {
    let digest = Sha256::new()
        .chain_update(b"linkhub encryption key id\0")
        .chain_update(raw)
        .finalize();
    digest[..6].iter().map(|b| format!("{b:02x}")).collect()
}

impl SecretKey {
    /// Reads the keys from `path`, creating it (mode 0600) with one random key on first use
    /// (the data folder's `secret.key`).
    pub fn load_or_create(path: &Path) -> Result<SecretKey, CryptoError> {
        let err = |message: String| CryptoError::KeyFile {
            path: path.display().to_string(),
            message,
        };
        match std::fs::read(path) {
            Ok(_) => SecretKey::load_file(path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut raw = [0u8; 32];
                rand::rng().fill_bytes(&mut raw);
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                let mut file = options.open(path).map_err(|e| err(e.to_string()))?;
                file.write_all(STANDARD.encode(raw).as_bytes())
                    .and_then(|()| file.sync_all())
                    .map_err(|e| err(e.to_string()))?;
                Ok(SecretKey::from_bytes(&raw))
            }
            Err(e) => Err(err(e.to_string())),
        }
    }

    /// Reads the keys from a file that must exist: see [`SecretKey::parse`] for its form;
    /// 32 raw bytes are read as one key too (the first form of `secret.key`).
    pub fn load_file(path: &Path) -> Result<SecretKey, CryptoError> {
        let err = |message: String| CryptoError::KeyFile {
            path: path.display().to_string(),
            message,
        };
        let bytes = std::fs::read(path).map_err(|e| err(e.to_string()))?;
        if let Ok(raw) = <[u8; 32]>::try_from(bytes.as_slice())
            && std::str::from_utf8(&bytes).map_or(true, |t| STANDARD.decode(t.trim()).is_err())
        {
            return Ok(SecretKey::from_bytes(&raw));
        }
        let text =
            std::str::from_utf8(&bytes).map_err(|_| err("neither 32 raw bytes nor text".into()))?;
        SecretKey::parse(text).map_err(err)
    }

    /// Keys from text (a key file or `LINKHUB_SECRET_KEY`): each key 32 bytes in base64
    /// (44 characters), separated by newlines, commas or spaces, newest first; blank lines
    /// and lines starting with `#` are skipped. The message of an error names the position
    /// of a bad key, never its text.
    pub fn parse(text: &str) -> Result<SecretKey, String> {
        let mut keys: Vec<Key> = Vec::new();
        let words = text
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .flat_map(|l| l.split(|c: char| c == ',' || c.is_whitespace()))
            .filter(|w| !w.is_empty());
        for (i, word) in words.enumerate() {
            let raw = STANDARD
                .decode(word)
                .ok()
                .and_then(|raw| <[u8; 32]>::try_from(raw.as_slice()).ok())
                .ok_or_else(|| {
                    format!(
                        "key {} is not 32 bytes in base64 (44 characters; make one with \
                         `linkhub-server keys generate`)",
                        i + 1
                    )
                })?;
            let key = Key::new(&raw);
            if !keys.iter().any(|k| k.id == key.id) {
                keys.push(key);
            }
        }
        let mut keys = keys.into_iter();
        let current = keys.next().ok_or("no key given")?;
        Ok(SecretKey {
            current,
            older: keys.collect(),
        })
    }

    /// A key from raw bytes (tests).
    pub fn from_bytes(raw: &[u8; 32]) -> SecretKey {
        SecretKey {
            current: Key::new(raw),
            older: Vec::new(),
        }
    }

    /// The id of the key that seals.
    pub fn current_id(&self) -> &str {
        &self.current.id
    }

    /// The ids of all keys, newest first.
    pub fn ids(&self) -> Vec<&str> {
        std::iter::once(&self.current)
            .chain(&self.older)
            .map(|k| k.id.as_str())
            .collect()
    }

    /// Seals `plain`, bound to `context` (e.g. `"account-id/field-key"`), with the current
    /// key. Output: `k1:<key id>:` then base64 of nonce ‖ ciphertext ‖ tag.
    pub fn seal(&self, context: &str, plain: &str) -> String {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .current
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .unwrap_or_default(); // AES-GCM only fails for messages > 64 GiB.
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!(
            "{SEALED_PREFIX}{}:{}",
            self.current.id,
            STANDARD.encode(out)
        )
    }

    /// Opens a value made by [`SecretKey::seal`] with the same `context`, by the key whose
    /// id it carries (or, for a value sealed before keys had ids, by whichever key opens it).
    pub fn open(&self, context: &str, sealed: &str) -> Result<String, CryptoError> {
        let keys = std::iter::once(&self.current).chain(&self.older);
        match sealed_key_id(sealed) {
            Some(id) => {
                let body = &sealed[SEALED_PREFIX.len() + id.len() + 1..];
                let key = std::iter::once(&self.current)
                    .chain(&self.older)
                    .find(|k| k.id == id)
                    .ok_or_else(|| CryptoError::UnknownKey {
                        id: id.to_string(),
                        known: self.ids().join(", "),
                    })?;
                open_with(key, context, body)
            }
            None => keys
                .filter_map(|k| open_with(k, context, sealed).ok())
                .next()
                .ok_or(CryptoError::Open),
        }
    }

    /// Whether `sealed` is sealed with the current key (nothing to do on re-encryption).
    pub fn is_current(&self, sealed: &str) -> bool {
        sealed_key_id(sealed) == Some(self.current.id.as_str())
    }

    /// `sealed` sealed again with the current key, or `None` when it already is.
    pub fn reseal(&self, context: &str, sealed: &str) -> Result<Option<String>, CryptoError> {
        if self.is_current(sealed) {
            return Ok(None);
        }
        let plain = self.open(context, sealed)?;
        Ok(Some(self.seal(context, &plain)))
    }
}

/// The id of the key a value was sealed with, `None` for a value sealed before keys had ids.
pub fn sealed_key_id(sealed: &str) -> Option<&str> {
    sealed
        .strip_prefix(SEALED_PREFIX)?
        .split_once(':')
        .map(|(id, _)| id)
}

fn open_with(key: &Key, context: &str, body: &str) -> Result<String, CryptoError> {
    let bytes = STANDARD.decode(body).map_err(|_| CryptoError::Open)?;
    if bytes.len() < 12 + 16 {
        return Err(CryptoError::Open);
    }
    let (nonce, body) = bytes.split_at(12);
    let plain = key
        .cipher
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: body,
                aad: context.as_bytes(),
            },
        )
        .map_err(|_| CryptoError::Open)?;
    String::from_utf8(plain).map_err(|_| CryptoError::Open)
}

/// A new random encryption key, as a key file line (base64 of 32 bytes).
pub fn new_key_text() -> String {
    let mut raw = [0u8; 32];
    rand::rng().fill_bytes(&mut raw);
    STANDARD.encode(raw)
}

/// `n` random bytes as unpadded base64url.
pub fn random_token(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A session token: 256 random bits.
pub fn new_session_token() -> String {
    random_token(32)
}

/// A new project API key.
pub fn new_api_key() -> String {
    format!("{API_KEY_PREFIX}{}", random_token(32))
}

/// A new Standard Webhooks secret: `whsec_` + base64 of 24 random bytes.
pub fn new_webhook_secret() -> String {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    format!("{WEBHOOK_SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

/// Hex SHA-256, used to store tokens and keys (all high-entropy) without the value itself.
pub fn sha256_hex(value: &str) -> String {
    let digest = Sha256::digest(value.as_bytes());
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// PKCE S256 challenge of a code verifier.
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Compares two strings in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Standard Webhooks signature header value: `v1,<base64 HMAC-SHA256>` of
/// `"{id}.{timestamp}.{body}"`, keyed by the base64-decoded part of `whsec_…`.
pub fn webhook_signature(secret: &str, id: &str, timestamp: i64, body: &str) -> String {
    use hmac::{Hmac, Mac};
    let encoded = secret.strip_prefix(WEBHOOK_SECRET_PREFIX).unwrap_or(secret);
    let key = STANDARD
        .decode(encoded)
        .unwrap_or_else(|_| encoded.as_bytes().to_vec());
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(&key) else {
        return String::new(); // HMAC accepts any key length; unreachable.
    };
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_context_binding() {
        let key = SecretKey::from_bytes(&[7; 32]);
        let sealed = key.seal("acc/api_key", "hunter2");
        assert_eq!(
            key.open("acc/api_key", &sealed).ok().as_deref(),
            Some("hunter2")
        );
        assert!(key.open("other/api_key", &sealed).is_err());
        assert_ne!(
            sealed,
            key.seal("acc/api_key", "hunter2"),
            "nonce is random"
        );
    }

    /// A value sealed before keys had ids: base64 of nonce ‖ ciphertext ‖ tag, no prefix.
    fn legacy_seal(raw: &[u8; 32], context: &str, plain: &str) -> String {
        let cipher = Aes256Gcm::new(raw.into());
        let nonce = [3u8; 12];
        let mut out = nonce.to_vec();
        out.extend(
            cipher
                .encrypt(
                    Nonce::from_slice(&nonce),
                    Payload {
                        msg: plain.as_bytes(),
                        aad: context.as_bytes(),
                    },
                )
                .expect("encrypt"),
        );
        STANDARD.encode(out)
    }

    #[test]
    fn sealed_values_name_their_key_and_old_keys_still_open() {
        let (old_raw, new_raw) = ([1u8; 32], [2u8; 32]);
        let old = SecretKey::from_bytes(&old_raw);
        let sealed_old = old.seal("ctx", "s3cret");
        assert_eq!(sealed_key_id(&sealed_old), Some(old.current_id()));
        let legacy = legacy_seal(&old_raw, "ctx", "legacy value");
        assert_eq!(sealed_key_id(&legacy), None);
        assert_eq!(
            old.open("ctx", &legacy).ok().as_deref(),
            Some("legacy value")
        );

        // Rotated: the new key first, the old one kept.
        let ring = SecretKey::parse(&format!(
            "{}\n{}",
            STANDARD.encode(new_raw),
            STANDARD.encode(old_raw)
        ))
        .expect("ring");
        assert_eq!(
            ring.ids(),
            vec![key_id(&new_raw).as_str(), old.current_id()]
        );
        assert_eq!(
            ring.open("ctx", &sealed_old).ok().as_deref(),
            Some("s3cret")
        );
        assert_eq!(
            ring.open("ctx", &legacy).ok().as_deref(),
            Some("legacy value")
        );
        let sealed_new = ring.seal("ctx", "fresh");
        assert!(ring.is_current(&sealed_new) && !ring.is_current(&sealed_old));
        assert!(!ring.is_current(&legacy));
        let resealed = ring
            .reseal("ctx", &sealed_old)
            .expect("reseal")
            .expect("changed");
        assert!(ring.is_current(&resealed));
        assert_eq!(ring.open("ctx", &resealed).ok().as_deref(), Some("s3cret"));
        assert!(ring.reseal("ctx", &resealed).expect("reseal").is_none());

        // The old key alone cannot open what the new one sealed, and says which key it needs.
        let err = old.open("ctx", &sealed_new).expect_err("unknown key");
        let text = err.to_string();
        assert!(text.contains(ring.current_id()), "{text}");
        assert!(matches!(err, CryptoError::UnknownKey { .. }));
        // A tampered id does not pick another key's ciphertext open.
        let forged = sealed_old.replacen(old.current_id(), ring.current_id(), 1);
        assert!(ring.open("ctx", &forged).is_err());
        // Debug shows ids, never keys.
        let debug = format!("{ring:?}");
        assert!(debug.contains(ring.current_id()) && !debug.contains(&STANDARD.encode(new_raw)));
    }

    #[test]
    fn pkce_matches_rfc7636_example() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn webhook_signature_matches_standard_webhooks_example() {
        // Test vector from the Standard Webhooks reference implementation.
        let sig = webhook_signature(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }
}
