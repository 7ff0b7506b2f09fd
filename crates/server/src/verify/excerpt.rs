//! The short excerpt of a provider's refusal shown to the client (`provider_response`):
//! JSON or plain text only (never HTML), every submitted secret removed, control
//! characters and runs of white space folded, at most [`EXCERPT_CHARS`] characters.

/// The longest excerpt, in characters.
pub const EXCERPT_CHARS: usize = 300;

/// What replaces a secret found in an answer.
pub const SCRUBBED: &str = "[redacted]";

/// The excerpt of `body` (declared as `content_type`), with each of `secrets` removed; `None`
/// for HTML, binary or an empty answer.
pub fn excerpt(body: &[u8], content_type: Option<&str>, secrets: &[String]) -> Option<String> {
    let media = content_type
        .and_then(|c| c.split(';').next())
        .map(|c| c.trim().to_ascii_lowercase());
    let textual = match media.as_deref() {
        None => true,
        Some(m) => {
            m == "text/plain"
                || m == "application/json"
                || m == "application/problem+json"
                || (m.starts_with("application/") && m.ends_with("+json"))
        }
    };
    if !textual {
        return None;
    }
    let text = match std::str::from_utf8(body) {
        Ok(t) => t,
        // The body limit may cut the last character in two; anything else is not text.
        Err(e) if body.len() >= super::BODY_LIMIT && body.len() - e.valid_up_to() < 4 => {
            std::str::from_utf8(&body[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return None,
    };
    let trimmed = text.trim_start();
    if trimmed.starts_with('<') {
        // HTML (or XML) served as text: never shown.
        return None;
    }
    let mut clean = text.to_owned();
    for secret in secrets {
        if !secret.is_empty() {
            clean = clean.replace(secret.as_str(), SCRUBBED);
        }
    }
    let folded: String = clean
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if folded.is_empty() {
        return None;
    }
    let mut out: String = folded.chars().take(EXCERPT_CHARS).collect();
    if folded.chars().count() > EXCERPT_CHARS {
        out.push('…');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_removed_before_cutting() {
        let secret = "tok_0123456789".to_owned();
        let body = format!("{{\"error\":\"bad token {secret}\",\n\n\"hint\":\"x\"}}");
        let e = excerpt(
            body.as_bytes(),
            Some("application/json; charset=utf-8"),
            &[secret],
        )
        .expect("json is shown");
        assert_eq!(e, "{\"error\":\"bad token [redacted]\", \"hint\":\"x\"}");
        // A secret straddling the cut is removed whole first.
        let long = format!("{}tok_0123456789", "a".repeat(EXCERPT_CHARS - 5));
        let e = excerpt(
            long.as_bytes(),
            Some("text/plain"),
            &["tok_0123456789".into()],
        )
        .expect("text");
        assert!(!e.contains("tok_"), "{e}");
    }

    #[test]
    fn html_and_binary_are_never_shown() {
        assert_eq!(
            excerpt(b"<html><body>Login</body></html>", Some("text/html"), &[]),
            None
        );
        assert_eq!(
            excerpt(b"  <!doctype html><p>x", Some("text/plain"), &[]),
            None
        );
        assert_eq!(excerpt(b"  <!doctype html><p>x", None, &[]), None);
        assert_eq!(
            excerpt(&[0xff, 0xfe, 0x00, 0x41], Some("text/plain"), &[]),
            None
        );
        assert_eq!(excerpt(b"{}", Some("image/png"), &[]), None);
        assert_eq!(excerpt(b"   ", Some("text/plain"), &[]), None);
    }

    #[test]
    fn long_answers_are_cut() {
        let e = excerpt("é".repeat(1000).as_bytes(), Some("text/plain"), &[]).expect("text");
        assert_eq!(e.chars().count(), EXCERPT_CHARS + 1);
        assert!(e.ends_with('…'));
    }
}
