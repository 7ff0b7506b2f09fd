//! `cargo xtask bench`: performance figures, printed, never asserted by timed tests.

use std::path::PathBuf;

use crate::build;
use crate::util::{Result, cmd, fail, root, run, step};

pub fn bench(args: &[String]) -> Result {
    match args.first().map(String::as_str) {
        Some("server") => fail("bench server: not implemented yet (issue 3, item 5)"),
        Some("widget") => fail("bench widget: not implemented yet (issue 5, item 9)"),
        _ => fail("usage: cargo xtask bench server|widget"),
    }
}

/// `cargo xtask catalog --synthetic N`: a generated catalog for performance tests.
pub fn catalog(args: &[String]) -> Result<PathBuf> {
    let n = match args {
        [flag, n] if flag == "--synthetic" => n
            .parse::<usize>()
            .map_err(|_| crate::util::Failure(format!("--synthetic wants a number, not `{n}`")))?,
        _ => return fail("usage: cargo xtask catalog --synthetic N"),
    };
    let server = build::server()?;
    let out = root().join("target/synthetic-catalog");
    step(
        "catalog",
        &format!("writing {n} connectors to {}", out.display()),
    );
    run(cmd(server)
        .args(["catalog", "synthetic", "--count", &n.to_string(), "--out"])
        .arg(&out))?;
    Ok(out)
}
