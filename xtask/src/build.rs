//! Builds the two artefacts everything else runs: the widget (`dist/`, by Trunk) and the
//! reference server binary.

use std::path::PathBuf;

use crate::util::{Result, cmd, fail, info, root, run, step};

/// Cargo profile of the server binary that demo and end-to-end tests run. The dev profile
/// shares its build with the native tests, so `cargo xtask test` compiles the server once.
pub const SERVER_PROFILE_DIR: &str = "debug";

/// `trunk build --release` into `dist/`.
pub fn widget() -> Result<PathBuf> {
    step(
        "build",
        "widget: trunk build --release (wasm, opt-level z, wasm-opt)",
    );
    run(cmd("trunk").args(["build", "--release"]))?;
    let dist = root().join("dist");
    if !dist.join("index.html").exists() {
        return fail("trunk finished but dist/index.html is missing");
    }
    precompress(&dist)?;
    Ok(dist)
}

/// Files worth compressing: text and wasm, larger than one TCP packet.
fn compressible(path: &std::path::Path) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    matches!(ext, "wasm" | "js" | "css" | "html" | "svg" | "json")
        && std::fs::metadata(path).is_ok_and(|m| m.len() > 1400)
}

/// Writes a `.gz` beside each compressible file of `dist/` (gzip -9, no name or time, so
/// the same build gives the same bytes). The server sends these as they are instead of
/// compressing the 800 KB wasm again for every page load, which took longer than the rest
/// of the first screen together (and far longer in the dev-profile server of the demo).
fn precompress(dist: &std::path::Path) -> Result {
    let files: Vec<PathBuf> = std::fs::read_dir(dist)
        .map_err(|e| crate::util::Failure(format!("cannot read {}: {e}", dist.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| compressible(p))
        .collect();
    if files.is_empty() {
        return Ok(());
    }
    info(
        "build",
        &format!("precompressing {} files of dist/ (gzip -9)", files.len()),
    );
    let mut c = cmd("gzip");
    c.args(["-9", "-n", "-k", "-f"]).args(&files);
    run(&mut c)
}

/// `cargo build -p linkhub-server` (dev profile) and the path of the binary.
pub fn server() -> Result<PathBuf> {
    server_with_profile(None)
}

/// Builds the server with a named cargo profile (`server` for benches).
pub fn server_with_profile(profile: Option<&str>) -> Result<PathBuf> {
    step(
        "build",
        &format!(
            "server: cargo build -p linkhub-server ({})",
            profile.unwrap_or("dev")
        ),
    );
    let mut c = cmd("cargo");
    c.args(["build", "-p", "linkhub-server", "--bin", "linkhub-server"]);
    let dir = match profile {
        Some(p) => {
            c.args(["--profile", p]);
            p
        }
        None => SERVER_PROFILE_DIR,
    };
    run(&mut c)?;
    let bin = target_dir().join(dir).join("linkhub-server");
    if !bin.exists() {
        return fail(format!("built the server but {} is missing", bin.display()));
    }
    info("build", &format!("server binary: {}", bin.display()));
    Ok(bin)
}

pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}
