//! `cargo xtask setup`: installs every tool the project needs, skipping what is already right.
//!
//! Versions are pinned where a mismatch breaks the build (see `shared/toolchain.md`): Trunk
//! 0.21 (0.22 needs a newer rustc), the wasm-bindgen CLI equal to the `=0.2.130` crate, and
//! binaryen 132 from npm for wasm-opt (Debian's older one produces wasm the browser rejects).

use std::fs;
use std::path::Path;

use crate::util::{Result, cmd, fail, info, is_root, root, run, step, version_of};

pub const TRUNK_VERSION: &str = "0.21.14";
pub const WASM_BINDGEN_VERSION: &str = "0.2.130";
/// The wasm-split CLI of the `wasm_split_helpers` version Leptos uses (0.2.x).
pub const WASM_SPLIT_VERSION: &str = "0.2.3";
/// twiggy, the wasm code size profiler `cargo xtask bench widget` names the largest parts of
/// each wasm file with.
pub const TWIGGY_VERSION: &str = "0.8.0";
const TAG: &str = "setup";

/// Debian packages the build and tests need: the browser, its driver, PostgreSQL, and
/// zopfli (precompresses the widget's files).
const APT_PACKAGES: &[(&str, &str)] = &[
    ("chromium", "/usr/bin/chromium"),
    ("chromium-driver", "/usr/bin/chromedriver"),
    ("postgresql", "/usr/lib/postgresql"),
    ("zopfli", "/usr/bin/zopfli"),
];

/// One set-up step: what it installs, and how.
type Step = (&'static str, fn() -> Result);

pub fn setup() -> Result {
    let steps: [Step; 9] = [
        ("free disk space", disk_space),
        ("wasm32 target and rust-src", wasm_target),
        ("Trunk", trunk),
        ("wasm-bindgen CLI", wasm_bindgen),
        ("wasm-split CLI", wasm_split),
        ("twiggy (wasm size profiler)", twiggy),
        ("npm packages of tests/", npm_packages),
        ("Debian packages", apt_packages),
        ("crate sources", cargo_fetch),
    ];
    let n = steps.len();
    for (i, (name, f)) in steps.iter().enumerate() {
        step(TAG, &format!("{}/{n} {name}", i + 1));
        f()?;
    }
    info(TAG, "everything is installed");
    Ok(())
}

/// What a full `cargo xtask test` leaves under `target/` on a fresh clone: the debug builds
/// of the workspace for the tests, the server's bench profile, the wasm test builds and the
/// release widget with its rebuilt standard library.
const BUILD_GIB: u64 = 8;

/// Warns, before hours of building, when the disk holding `target/` is nearly full: a build
/// that runs out of space fails late, deep in a linker, with "Bus error" or "No space left".
fn disk_space() -> Result {
    let target = root().join("target");
    let probe = if target.exists() { target } else { root() };
    let out = crate::util::output(cmd("df").args(["-Pk"]).arg(&probe))?;
    let free_kib = out
        .lines()
        .nth(1)
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|n| n.parse::<u64>().ok());
    let Some(free_kib) = free_kib else {
        info(TAG, "could not read the free space from `df`; carrying on");
        return Ok(());
    };
    let free_gib = free_kib as f64 / (1024.0 * 1024.0);
    if free_kib < BUILD_GIB * 1024 * 1024 {
        info(
            TAG,
            &format!(
                "WARNING: {free_gib:.1} GiB free under {}; a full build and test run needs about \
                 {BUILD_GIB} GiB there. If it fails with \"No space left on device\", free some \
                 space (`cargo clean` removes this checkout's builds) and run it again.",
                probe.display()
            ),
        );
    } else {
        info(
            TAG,
            &format!("{free_gib:.1} GiB free under {}", probe.display()),
        );
    }
    Ok(())
}

/// The wasm target, and the standard library's source (the release widget rebuilds it), of
/// the toolchain `rust-toolchain.toml` pins (rustup installs what that file lists the first
/// time a cargo command runs in the checkout; this checks it is there).
fn wasm_target() -> Result {
    let installed = crate::util::output(cmd("rustup").args(["target", "list", "--installed"]))?;
    if installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        info(TAG, "wasm32-unknown-unknown already installed");
    } else {
        run(cmd("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    let components = crate::util::output(cmd("rustup").args(["component", "list", "--installed"]))?;
    if components.lines().any(|l| l.trim() == "rust-src") {
        info(TAG, "rust-src already installed");
        return Ok(());
    }
    run(cmd("rustup").args(["component", "add", "rust-src"]))
}

fn trunk() -> Result {
    let want = format!("trunk {TRUNK_VERSION}");
    if version_of("trunk", "--version").as_deref() == Some(want.as_str()) {
        info(TAG, &format!("{want} already installed"));
        return Ok(());
    }
    info(
        TAG,
        &format!("installing {want} with cargo (about 8 minutes on 2 cores; cargo shows progress)"),
    );
    run(cmd("cargo").args(["install", "--locked", "trunk", "--version", TRUNK_VERSION]))
}

fn wasm_bindgen() -> Result {
    let want = format!("wasm-bindgen {WASM_BINDGEN_VERSION}");
    if version_of("wasm-bindgen", "--version").as_deref() == Some(want.as_str()) {
        info(TAG, &format!("{want} already installed"));
        return Ok(());
    }
    info(
        TAG,
        &format!("installing {want} CLI with cargo (about 3 minutes; cargo shows progress)"),
    );
    // Not `--locked`: the CLI's own lock file names a crate version the registry lacks.
    run(cmd("cargo").args([
        "install",
        "wasm-bindgen-cli",
        "--version",
        WASM_BINDGEN_VERSION,
    ]))
}

/// `wasm-split-cli` (crate `wasm_split_cli_support`), which cuts the widget's wasm into
/// lazily loaded chunks. It has no `--version`, so cargo's list of installs tells.
fn wasm_split() -> Result {
    let crate_name = "wasm_split_cli_support";
    let want = format!("{crate_name} v{WASM_SPLIT_VERSION}:");
    let installed = crate::util::output(cmd("cargo").args(["install", "--list"]))?;
    if installed.lines().any(|l| l.trim() == want) {
        info(
            TAG,
            &format!("wasm-split-cli {WASM_SPLIT_VERSION} already installed"),
        );
        return Ok(());
    }
    info(
        TAG,
        &format!(
            "installing wasm-split-cli {WASM_SPLIT_VERSION} with cargo (about 1 minute; cargo shows progress)"
        ),
    );
    run(cmd("cargo").args([
        "install",
        "--locked",
        crate_name,
        "--version",
        WASM_SPLIT_VERSION,
        "--features",
        "build-binary",
    ]))
}

fn twiggy() -> Result {
    // Its `--version` says `twiggy-opt 0.8.0`.
    let want = format!("twiggy {TWIGGY_VERSION}");
    let reports = format!("twiggy-opt {TWIGGY_VERSION}");
    if version_of("twiggy", "--version").as_deref() == Some(reports.as_str()) {
        info(TAG, &format!("{want} already installed"));
        return Ok(());
    }
    info(
        TAG,
        &format!("installing {want} with cargo (about 4 minutes on 2 cores; cargo shows progress)"),
    );
    run(cmd("cargo").args(["install", "--locked", "twiggy", "--version", TWIGGY_VERSION]))
}

/// `npm ci` when `node_modules` is missing or was installed from another lock file.
fn npm_packages() -> Result {
    let tests = root().join("tests");
    let lock = fs::read(tests.join("package-lock.json"))?;
    let stamp_path = tests.join("node_modules/.linkhub-lock");
    let stamp = fingerprint(&lock);
    if fs::read_to_string(&stamp_path).ok().as_deref() == Some(stamp.as_str()) {
        info(TAG, "tests/node_modules matches package-lock.json");
        return Ok(());
    }
    if version_of("npm", "--version").is_none() {
        return fail(missing_apt("npm"));
    }
    info(TAG, "npm ci (playwright-core, binaryen, terser, axe-core)");
    run(cmd("npm")
        .current_dir(&tests)
        .args(["ci", "--no-audit", "--no-fund"]))?;
    fs::write(stamp_path, stamp)?;
    Ok(())
}

fn apt_packages() -> Result {
    let missing: Vec<&str> = APT_PACKAGES
        .iter()
        .filter(|(_, path)| !Path::new(path).exists())
        .map(|(pkg, _)| *pkg)
        .collect();
    if missing.is_empty() {
        let names: Vec<&str> = APT_PACKAGES.iter().map(|(pkg, _)| *pkg).collect();
        info(TAG, &format!("{} already installed", names.join(", ")));
        return Ok(());
    }
    if !is_root() {
        return fail(format!(
            "these Debian packages are missing and installing them needs root; run:\n    sudo \
             apt-get update && sudo apt-get install -y {}\nthen run this command again",
            missing.join(" ")
        ));
    }
    info(
        TAG,
        &format!("apt-get install {} (about 30 seconds)", missing.join(" ")),
    );
    run(cmd("apt-get").arg("update"))?;
    run(cmd("apt-get")
        .args(["install", "-y", "--no-install-recommends"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

/// Every crate source, ahead of the builds (Trunk runs offline and never downloads).
fn cargo_fetch() -> Result {
    run(cmd("cargo").args(["fetch", "--locked"]))
}

fn missing_apt(pkg: &str) -> String {
    format!("`{pkg}` is missing; run: sudo apt-get install -y {pkg}")
}

/// A cheap content fingerprint (FNV-1a) to notice a changed lock file.
fn fingerprint(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}
