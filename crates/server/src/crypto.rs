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

/// Errors while loading the key or opening a sealed value.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("encryption key file {path}: {message}")]
    KeyFile { path: String, message: String },
    #[error("a stored secret could not be decrypted (wrong key or tampered data)")]
    Open,
}

/// The AEAD key (32 bytes). Its `Debug` never shows the key.
#[derive(Clone)]
pub struct SecretKey(Aes256Gcm);

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(**redacted**)")
    }
}

impl SecretKey {
    /// Reads the key from `path`, creating it (mode 0600) with 32 random bytes on first use.
    pub fn load_or_create(path: &Path) -> Result<SecretKey, CryptoError> {
        let err = |message: String| CryptoError::KeyFile {
            path: path.display().to_string(),
            message,
        };
        match std::fs::read(path) {
            Ok(bytes) => {
                let raw = decode_key_file(&bytes).ok_or_else(|| {
                    err("expected 32 raw bytes or 44 characters of base64".into())
                })?;
                Ok(SecretKey::from_bytes(&raw))
            }
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

    /// A key from raw bytes (tests, or `LINKHUB_ENCRYPTION_KEY`).
    pub fn from_bytes(raw: &[u8; 32]) -> SecretKey {
        SecretKey(Aes256Gcm::new(raw.into()))
    }

    /// Seals `plain`, bound to `context` (e.g. `"account-id/field-key"`).
    /// Output: base64 of nonce ‖ ciphertext ‖ tag.
    pub fn seal(&self, context: &str, plain: &str) -> String {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .0
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
        STANDARD.encode(out)
    }

    /// Opens a value made by [`SecretKey::seal`] with the same `context`.
    pub fn open(&self, context: &str, sealed: &str) -> Result<String, CryptoError> {
        let bytes = STANDARD.decode(sealed).map_err(|_| CryptoError::Open)?;
        if bytes.len() < 12 + 16 {
            return Err(CryptoError::Open);
        }
        let (nonce, body) = bytes.split_at(12);
        let plain = self
            .0
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
}

fn decode_key_file(bytes: &[u8]) -> Option<[u8; 32]> {
    if let Ok(raw) = <[u8; 32]>::try_from(bytes) {
        return Some(raw);
    }
    let text = std::str::from_utf8(bytes).ok()?.trim();
    let raw = STANDARD.decode(text).ok()?;
    <[u8; 32]>::try_from(raw.as_slice()).ok()
}

/// Decodes a base64 key given in configuration.
pub fn key_from_base64(text: &str) -> Option<SecretKey> {
    decode_key_file(text.as_bytes()).map(|raw| SecretKey::from_bytes(&raw))
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
