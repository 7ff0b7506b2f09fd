//! Small process and file helpers shared by the xtask commands.
//!
//! Every long step announces itself before it starts (`step`) and streams the tool's own
//! progress, so nobody stares at a silent terminal.

use std::ffi::OsStr;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

/// An xtask failure: a message for the person at the terminal.
#[derive(Debug)]
pub struct Failure(pub String);

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure(e.to_string())
    }
}

pub type Result<T = ()> = std::result::Result<T, Failure>;

pub fn fail<T>(msg: impl Into<String>) -> Result<T> {
    Err(Failure(msg.into()))
}

/// The workspace root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
}

/// Prints a step banner in a recognisable colour-free format.
pub fn step(tag: &str, msg: &str) {
    eprintln!("\n[{tag}] {msg}");
}

pub fn info(tag: &str, msg: &str) {
    eprintln!("[{tag}] {msg}");
}

/// `PATH` with the npm tools of `tests/node_modules/.bin` and cargo's bin dir first, so that
/// the widget build finds the pinned wasm-opt, wasm-bindgen and wasm-split rather than any
/// other on the machine.
pub fn tool_path() -> String {
    let mut parts = vec![root().join("tests/node_modules/.bin").display().to_string()];
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        parts.push(PathBuf::from(home).join("bin").display().to_string());
    } else if let Some(home) = std::env::var_os("HOME") {
        parts.push(PathBuf::from(home).join(".cargo/bin").display().to_string());
    }
    if let Ok(path) = std::env::var("PATH") {
        parts.push(path);
    }
    parts.join(":")
}

/// A command run from the workspace root with the tool PATH.
///
/// Under CI (`CI` set), cargo builds without incremental caches: a fresh clone builds once
/// and never reuses them, and they would double what the build writes to disk.
pub fn cmd(program: impl AsRef<OsStr>) -> Command {
    let mut c = Command::new(program);
    c.current_dir(root()).env("PATH", tool_path());
    if std::env::var_os("CI").is_some() && std::env::var_os("CARGO_INCREMENTAL").is_none() {
        c.env("CARGO_INCREMENTAL", "0");
    }
    c
}

/// Runs a command with inherited output; fails with the command line on a non-zero exit.
pub fn run(c: &mut Command) -> Result {
    let status = status(c)?;
    if status.success() {
        Ok(())
    } else {
        fail(format!("`{}` failed ({status})", describe(c)))
    }
}

pub fn status(c: &mut Command) -> Result<ExitStatus> {
    c.status()
        .map_err(|e| Failure(format!("could not start `{}`: {e}", describe(c))))
}

/// Runs a command, capturing stdout (stderr passes through); fails on non-zero exit.
pub fn output(c: &mut Command) -> Result<String> {
    let out = c
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| Failure(format!("could not start `{}`: {e}", describe(c))))?;
    if !out.status.success() {
        return fail(format!("`{}` failed ({})", describe(c), out.status));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The first line a tool prints for `--version`, or None when it is not installed.
pub fn version_of(program: &str, arg: &str) -> Option<String> {
    let out = Command::new(program)
        .arg(arg)
        .env("PATH", tool_path())
        .current_dir(root())
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .map(|l| l.trim().to_string())
}

pub fn describe(c: &Command) -> String {
    let mut s = c.get_program().to_string_lossy().into_owned();
    for a in c.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

pub fn is_root() -> bool {
    // `id -u` avoids unsafe libc calls; the answer is needed once per run.
    version_of("id", "-u").as_deref() == Some("0")
}

/// Raw and gzip size of a file, in bytes: its precompressed `.gz` sibling if there is one,
/// else gzip -9.
pub fn sizes(path: &Path) -> Result<(u64, u64)> {
    let raw = std::fs::metadata(path)?.len();
    // What the server sends: the precompressed sibling when the build wrote one.
    let mut gz_name = path.as_os_str().to_owned();
    gz_name.push(".gz");
    if let Ok(meta) = std::fs::metadata(&gz_name) {
        return Ok((raw, meta.len()));
    }
    let mut child = Command::new("gzip")
        .args(["-9", "-c"])
        .arg(path)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| Failure(format!("could not run gzip: {e}")))?;
    let mut buf = Vec::new();
    if let Some(mut out) = child.stdout.take() {
        out.read_to_end(&mut buf)?;
    }
    child.wait()?;
    Ok((raw, buf.len() as u64))
}
