//! The sandbox provider: an API the reference server plays itself, so the `sandbox`
//! connector's credential check and account health can be tried offline (in the manner of
//! Plaid's sandbox). `GET /sandbox/v1/me` with the key in `X-Sandbox-Key`:
//!
//! | key | answer |
//! |---|---|
//! | `sandbox_good` | 200, or 403 once revoked (`linkhub-server sandbox revoke`) |
//! | `sandbox_bad`, anything else | 401 |
//! | `sandbox_slow` | 200, but only after [`SLOW_DELAY`], past any check's timeout |
//!
//! The revocation is a small JSON file in the data folder, read on every request, so a
//! revocation made by the command line reaches a running server at once.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The header carrying the key.
pub const KEY_HEADER: &str = "x-sandbox-key";
/// The key that works until it is revoked.
pub const GOOD_KEY: &str = "sandbox_good";
/// The key that is always refused.
pub const BAD_KEY: &str = "sandbox_bad";
/// The key that answers too late.
pub const SLOW_KEY: &str = "sandbox_slow";
/// How long `sandbox_slow` takes: longer than the longest timeout a check may declare.
pub const SLOW_DELAY: Duration = Duration::from_secs(linkhub_protocol::check::MAX_TIMEOUT_SECS + 5);
/// The state file inside the data folder.
pub const STATE_FILE: &str = "sandbox.json";

/// `sandbox.json`.
#[derive(Debug, Default, Serialize, Deserialize)]
struct SandboxState {
    #[serde(default)]
    revoked: Vec<String>,
}

/// The sandbox of one data folder.
#[derive(Debug, Clone)]
pub struct Sandbox {
    state_file: PathBuf,
    slow_delay: Duration,
}

impl Sandbox {
    pub fn new(data_dir: &Path) -> Sandbox {
        Sandbox {
            state_file: data_dir.join(STATE_FILE),
            slow_delay: SLOW_DELAY,
        }
    }

    /// The same sandbox with another delay for `sandbox_slow` (tests).
    pub fn with_slow_delay(mut self, delay: Duration) -> Sandbox {
        self.slow_delay = delay;
        self
    }

    fn read(&self) -> io::Result<SandboxState> {
        match std::fs::read_to_string(&self.state_file) {
            Ok(text) => serde_json::from_str(&text).map_err(io::Error::other),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(SandboxState::default()),
            Err(e) => Err(e),
        }
    }

    fn write(&self, state: &SandboxState) -> io::Result<()> {
        let text = serde_json::to_string_pretty(state).map_err(io::Error::other)?;
        // Written beside and renamed, so a reader never sees half a file.
        let tmp = self.state_file.with_extension("json.tmp");
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, &self.state_file)
    }

    /// Whether `sandbox_good` is revoked.
    pub fn is_revoked(&self) -> io::Result<bool> {
        Ok(self.read()?.revoked.iter().any(|k| k == GOOD_KEY))
    }

    /// Revokes (`true`) or restores (`false`) `sandbox_good`.
    pub fn set_revoked(&self, revoked: bool) -> io::Result<()> {
        let mut state = self.read()?;
        state.revoked.retain(|k| k != GOOD_KEY);
        if revoked {
            state.revoked.push(GOOD_KEY.to_owned());
        }
        self.write(&state)
    }

    /// The sandbox's routes (`/sandbox/v1/me`), with their own state: merge into any app.
    pub fn router<S>(self) -> Router<S> {
        Router::new()
            .route("/sandbox/v1/me", get(me))
            .with_state(Arc::new(self))
    }
}

async fn me(State(sandbox): State<Arc<Sandbox>>, headers: HeaderMap) -> Response {
    let key = headers
        .get(KEY_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .unwrap_or_default();
    let refused = |status: StatusCode, error: &str, message: &str| {
        (
            status,
            axum::Json(json!({ "error": error, "message": message })),
        )
            .into_response()
    };
    match key {
        GOOD_KEY => match sandbox.is_revoked() {
            Ok(false) => me_answer(),
            Ok(true) => refused(
                StatusCode::FORBIDDEN,
                "revoked",
                "This key has been revoked.",
            ),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the sandbox state");
                refused(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "The sandbox cannot read its state.",
                )
            }
        },
        SLOW_KEY => {
            tokio::time::sleep(sandbox.slow_delay).await;
            me_answer()
        }
        _ => refused(
            StatusCode::UNAUTHORIZED,
            "invalid_key",
            "This key is not a sandbox key.",
        ),
    }
}

fn me_answer() -> Response {
    axum::Json(json!({
        "id": "sandbox-user-1",
        "name": "Sandbox User",
        "email": "user@sandbox.invalid",
    }))
    .into_response()
}

/// `linkhub-server sandbox …`.
#[derive(Debug, clap::Subcommand)]
pub enum SandboxCommand {
    /// Revoke the sandbox_good key: checks with it are refused from now on.
    Revoke,
    /// Make sandbox_good work again.
    Restore,
    /// Say whether sandbox_good is revoked.
    Status,
}

impl SandboxCommand {
    /// Runs the command on the sandbox of `data_dir` and returns what to print.
    pub fn run(&self, data_dir: &Path) -> io::Result<String> {
        std::fs::create_dir_all(data_dir)?;
        let sandbox = Sandbox::new(data_dir);
        match self {
            SandboxCommand::Revoke => {
                sandbox.set_revoked(true)?;
                Ok(format!("{GOOD_KEY} is revoked"))
            }
            SandboxCommand::Restore => {
                sandbox.set_revoked(false)?;
                Ok(format!("{GOOD_KEY} works again"))
            }
            SandboxCommand::Status => Ok(if sandbox.is_revoked()? {
                format!("{GOOD_KEY} is revoked")
            } else {
                format!("{GOOD_KEY} works")
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revocation_survives_in_the_data_folder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = Sandbox::new(dir.path());
        assert!(!a.is_revoked().expect("reads"));
        SandboxCommand::Revoke.run(dir.path()).expect("revokes");
        // Another process (a new Sandbox on the same folder) sees it.
        assert!(Sandbox::new(dir.path()).is_revoked().expect("reads"));
        assert_eq!(
            SandboxCommand::Status.run(dir.path()).expect("status"),
            "sandbox_good is revoked"
        );
        SandboxCommand::Restore.run(dir.path()).expect("restores");
        assert!(!a.is_revoked().expect("reads"));
    }
}
