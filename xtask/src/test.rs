//! `cargo xtask test`: every check the project has, in tiers, with one summary at the end.
//!
//! Tiers: `fmt`, `clippy` (native and wasm32), `native` (nextest, on SQLite and on a real
//! PostgreSQL started here), `browser` (wasm-bindgen-test in headless Chromium), `e2e`
//! (Playwright against the release widget served by the real server). Every tier runs even
//! when an earlier one failed, so one run shows everything that is wrong. A tier that ran no
//! test counts as failed.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;

use crate::build;
use crate::pg::PgCluster;
use crate::util::{Failure, Result, cmd, fail, root, sizes, step};

const TIERS: &[&str] = &["fmt", "clippy", "native", "browser", "e2e"];

/// Chromium flags for a machine with no outside network, run as root.
pub const CHROMIUM_ARGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// What one tier did.
struct Outcome {
    tier: &'static str,
    passed: u64,
    failed: u64,
    note: String,
}

pub fn test(args: &[String]) -> Result {
    let only = parse_tiers(args)?;
    crate::setup::setup()?;
    let mut outcomes = Vec::new();
    for &tier in TIERS {
        if !only.is_empty() && !only.iter().any(|t| t == tier) {
            continue;
        }
        step("test", &format!("tier {tier}"));
        let outcome = match tier {
            "fmt" => check("fmt", cmd("cargo").args(["fmt", "--all", "--check"])),
            "clippy" => clippy(),
            "native" => native(),
            "browser" => browser(),
            _ => e2e(),
        };
        outcomes.push(outcome.unwrap_or_else(|e| Outcome {
            tier,
            passed: 0,
            failed: 1,
            note: e.0,
        }));
    }

    let (mut passed, mut failed) = (0, 0);
    println!("\n== linkhub test summary ==");
    for o in &outcomes {
        let bad = o.failed > 0 || o.passed == 0;
        let failed_here = if o.failed == 0 && o.passed == 0 {
            1
        } else {
            o.failed
        };
        passed += o.passed;
        failed += failed_here;
        let verdict = if bad { "FAILED" } else { "ok" };
        println!(
            "{:<8} {verdict:<6} {} passed, {} failed{}",
            o.tier,
            o.passed,
            failed_here,
            if o.note.is_empty() {
                String::new()
            } else {
                format!(" — {}", o.note)
            }
        );
    }
    println!("{passed} passed, {failed} failed");
    let _ = std::io::stdout().flush();
    if failed > 0 {
        return fail(format!("{failed} failed"));
    }
    Ok(())
}

fn parse_tiers(args: &[String]) -> Result<Vec<String>> {
    let mut tiers = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--tier" => match it.next() {
                Some(t) if TIERS.contains(&t.as_str()) => tiers.push(t.clone()),
                other => {
                    return fail(format!(
                        "--tier wants one of {}, not `{}`",
                        TIERS.join(", "),
                        other.map(String::as_str).unwrap_or("")
                    ));
                }
            },
            other => return fail(format!("unknown test option `{other}` (try --tier NAME)")),
        }
    }
    Ok(tiers)
}

/// A check with no test count of its own (fmt, clippy) counts as one passed or failed check.
fn check(tier: &'static str, c: &mut Command) -> Result<Outcome> {
    let (ok, _) = tee(c)?;
    Ok(Outcome {
        tier,
        passed: u64::from(ok),
        failed: u64::from(!ok),
        note: String::new(),
    })
}

fn clippy() -> Result<Outcome> {
    let native = check(
        "clippy",
        cmd("cargo").args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    let wasm = check(
        "clippy",
        cmd("cargo").args([
            "clippy",
            // The widget's targets, and with them the protocol crate's library as compiled
            // for the browser (the protocol's own tests are native: proptest needs an OS).
            "-p",
            "linkhub",
            "--target",
            "wasm32-unknown-unknown",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    Ok(Outcome {
        tier: "clippy",
        passed: native.passed + wasm.passed,
        failed: native.failed + wasm.failed,
        note: "native + wasm32".into(),
    })
}

/// Everything native on SQLite, then the server's suite again on a real PostgreSQL.
fn native() -> Result<Outcome> {
    let mut all = cmd("cargo");
    all.args([
        "nextest",
        "run",
        "--workspace",
        "--all-features",
        "--no-fail-fast",
    ])
    .env("NEXTEST_HIDE_PROGRESS_BAR", "1");
    let (ok_sqlite, out) = tee(&mut all)?;
    let (p1, f1) = nextest_counts(&out);

    crate::util::info(
        "pg",
        "starting a PostgreSQL cluster on a free loopback port",
    );
    let pg = PgCluster::start_temp().map_err(|e| {
        Failure(format!(
            "could not start PostgreSQL for the server tests: {e}"
        ))
    })?;
    let mut server = cmd("cargo");
    server
        .args(["nextest", "run", "-p", "linkhub-server", "--no-fail-fast"])
        .env("LINKHUB_TEST_POSTGRES_URL", &pg.url)
        .env("NEXTEST_HIDE_PROGRESS_BAR", "1");
    let (ok_pg, out) = tee(&mut server)?;
    drop(pg);
    let (p2, f2) = nextest_counts(&out);
    let failed = f1 + f2 + u64::from(!ok_sqlite && f1 == 0) + u64::from(!ok_pg && f2 == 0);
    let note = if p2 == 0 {
        "server suite ran no test on PostgreSQL".to_string()
    } else {
        format!("{p1} on SQLite + {p2} server tests on PostgreSQL")
    };
    Ok(Outcome {
        tier: "native",
        passed: p1 + p2,
        failed: failed + u64::from(p2 == 0),
        note,
    })
}

fn browser() -> Result<Outcome> {
    let webdriver = root().join("webdriver.json");
    if !webdriver.exists() {
        return fail("webdriver.json (Chromium flags for wasm-bindgen-test) is missing");
    }
    let mut c = cmd("cargo");
    c.args([
        "test",
        "-p",
        "linkhub",
        "--target",
        "wasm32-unknown-unknown",
        "--test",
        "web",
    ])
    .env("CHROMEDRIVER", "/usr/bin/chromedriver")
    .env("WASM_BINDGEN_TEST_TIMEOUT", "60");
    let (ok, out) = tee(&mut c)?;
    let (passed, failed) = libtest_counts(&out);
    Ok(Outcome {
        tier: "browser",
        passed,
        failed: if ok { failed } else { failed.max(1) },
        note: "headless Chromium".into(),
    })
}

fn e2e() -> Result<Outcome> {
    let dist = build::widget()?;
    size_report(&dist)?;
    // A byte gate, not a timed test: each file of the widget within its budget counts as one
    // passed check, each over (or without a budget, or budgeted but not built) as one failed.
    let budgets = crate::budget::report(&dist)?;
    let over = budgets.iter().filter(|l| !l.ok()).count() as u64;
    let within = budgets.len() as u64 - over;
    let server = build::server()?;
    let mut c = cmd("node");
    c.current_dir(root().join("tests"))
        .args(["--test", "--test-reporter=spec", "--test-concurrency=1"])
        .arg("e2e/")
        .env("LINKHUB_SERVER_BIN", &server)
        .env("LINKHUB_DIST", &dist)
        .env("LINKHUB_CATALOG", root().join("catalog"))
        .env("LINKHUB_ROOT", root())
        .env("LINKHUB_CHROMIUM", "/usr/bin/chromium")
        .env("LINKHUB_CHROMIUM_ARGS", CHROMIUM_ARGS.join(" "));
    let (ok, out) = tee(&mut c)?;
    let (passed, failed) = node_counts(&out);
    Ok(Outcome {
        tier: "e2e",
        passed: passed + within,
        failed: if ok { failed } else { failed.max(1) } + over,
        note: if over == 0 {
            format!("Playwright + real server; {within} files within their size budgets")
        } else {
            format!("Playwright + real server; {over} size budget lines not ok (see the table)")
        },
    })
}

/// Raw and gzip bytes of every file the hub page loads (the HTML and what it references).
pub fn size_report(dist: &std::path::Path) -> Result<u64> {
    let html = std::fs::read_to_string(dist.join("index.html"))?;
    let mut files = vec!["index.html".to_string()];
    for attr in ["src=\"", "href=\""] {
        for part in html.split(attr).skip(1) {
            let Some(end) = part.find('"') else { continue };
            let url = part[..end].trim_start_matches('/');
            if url.is_empty() || url.contains("://") || files.iter().any(|f| f == url) {
                continue;
            }
            if dist.join(url).is_file() {
                files.push(url.to_string());
            }
        }
    }
    // The JS glue fetches the main wasm itself (the page preloads it); count it in any case.
    let pkg = files
        .iter()
        .find_map(|f| f.split_once('/').map(|(dir, _)| dir.to_string()));
    let mut chunks = Vec::new();
    if let Some(pkg) = &pkg {
        for entry in std::fs::read_dir(dist.join(pkg))? {
            let name = entry?.file_name().to_string_lossy().into_owned();
            let path = format!("{pkg}/{name}");
            if name == "linkhub_bg.wasm" && !files.contains(&path) {
                files.push(path);
            } else if name.ends_with(".wasm") && name != "linkhub_bg.wasm" {
                chunks.push(path);
            }
        }
    }
    println!("\nSize of the hub page (what a browser loads):");
    println!("  {:<44} {:>10} {:>10}", "file", "raw", "gzip");
    let (mut raw_total, mut gz_total) = (0, 0);
    for f in &files {
        let (raw, gz) = sizes(&dist.join(f))?;
        raw_total += raw;
        gz_total += gz;
        println!("  {f:<44} {raw:>10} {gz:>10}");
    }
    println!("  {:<44} {raw_total:>10} {gz_total:>10}", "total");
    if !chunks.is_empty() {
        chunks.sort();
        println!("Chunks, fetched when needed (not on the auth-link page's first screen):");
        for f in &chunks {
            let (raw, gz) = sizes(&dist.join(f))?;
            println!("  {f:<44} {raw:>10} {gz:>10}  {}", chunk_role(f));
        }
    }
    Ok(gz_total)
}

/// What a chunk of the widget's code is for, from the name `wasm-split-cli` gave it.
fn chunk_role(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path);
    match name.strip_suffix(".wasm") {
        Some("split_connector_page") => "connector page, fetched as the hub starts",
        Some("split_embed_handshake") => "embedded only: reads the host's options",
        Some("split_host_theme") => "only with a host theme: applies it",
        Some("split_onboarding") => "only with onboarding extensions: checklist, connections",
        Some("split_handoff") => "a connector page's hand-off panel, after its form",
        Some(n) if n.starts_with("chunk_") => "code the chunks share",
        _ => "",
    }
}

/// Runs a command, echoing its output live while keeping a copy to read the counts from.
fn tee(c: &mut Command) -> Result<(bool, String)> {
    let mut child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            Failure(format!(
                "could not start `{}`: {e}",
                crate::util::describe(c)
            ))
        })?;
    let buf = Arc::new(Mutex::new(String::new()));
    let mut readers = Vec::new();
    if let Some(out) = child.stdout.take() {
        readers.push(pump(out, buf.clone(), false));
    }
    if let Some(err) = child.stderr.take() {
        readers.push(pump(err, buf.clone(), true));
    }
    for r in readers {
        let _ = r.join();
    }
    let status = child.wait()?;
    let text = buf.lock().map(|b| b.clone()).unwrap_or_default();
    Ok((status.success(), text))
}

fn pump(
    stream: impl Read + Send + 'static,
    buf: Arc<Mutex<String>>,
    is_err: bool,
) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(|l| l.ok()) {
            if is_err {
                eprintln!("{line}");
            } else {
                println!("{line}");
            }
            if let Ok(mut b) = buf.lock() {
                b.push_str(&line);
                b.push('\n');
            }
        }
    })
}

/// The number before `word` in `line` (`"12 passed"` → 12).
fn count_before(line: &str, word: &str) -> Option<u64> {
    let words: Vec<&str> = line
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == ':')
        .filter(|w| !w.is_empty())
        .collect();
    words
        .windows(2)
        .find(|w| w[1] == word)
        .and_then(|w| w[0].parse().ok())
}

/// nextest: `Summary [ 3.2s] 42 tests run: 41 passed, 1 failed, 0 skipped`.
fn nextest_counts(out: &str) -> (u64, u64) {
    out.lines()
        .rev()
        .find(|l| l.contains("tests run:") || l.contains("test run:"))
        .map(|l| {
            let failed =
                count_before(l, "failed").unwrap_or(0) + count_before(l, "timed").unwrap_or(0);
            (count_before(l, "passed").unwrap_or(0), failed)
        })
        .unwrap_or((0, 0))
}

/// libtest / wasm-bindgen-test: `test result: ok. 3 passed; 0 failed; …`, once per binary.
fn libtest_counts(out: &str) -> (u64, u64) {
    out.lines()
        .filter(|l| l.contains("test result:"))
        .fold((0, 0), |(p, f), l| {
            (
                p + count_before(l, "passed").unwrap_or(0),
                f + count_before(l, "failed").unwrap_or(0),
            )
        })
}

/// node --test spec reporter: `ℹ pass 4` / `ℹ fail 0` (TAP: `# pass 4`).
fn node_counts(out: &str) -> (u64, u64) {
    let find = |word: &str| {
        out.lines()
            .rev()
            .find_map(|l| {
                let l = l.trim_start_matches(['ℹ', '#', ' ']);
                l.strip_prefix(word)
                    .and_then(|rest| rest.trim().parse::<u64>().ok())
            })
            .unwrap_or(0)
    };
    (find("pass "), find("fail "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_nextest_summary() {
        let out = "noise\n     Summary [   3.210s] 42 tests run: 40 passed, 2 failed, 0 skipped\n";
        assert_eq!(nextest_counts(out), (40, 2));
        assert_eq!(nextest_counts("no summary"), (0, 0));
    }

    #[test]
    fn sums_libtest_results_over_binaries() {
        let out = "test result: ok. 3 passed; 0 failed; 0 ignored\n\
                   test result: FAILED. 1 passed; 2 failed; 0 ignored\n";
        assert_eq!(libtest_counts(out), (4, 2));
    }

    #[test]
    fn reads_node_test_summary() {
        let out = "ℹ tests 5\nℹ suites 0\nℹ pass 4\nℹ fail 1\nℹ cancelled 0\n";
        assert_eq!(node_counts(out), (4, 1));
        assert_eq!(node_counts("# pass 2\n# fail 0\n"), (2, 0));
    }

    #[test]
    fn rejects_unknown_tiers() {
        assert!(parse_tiers(&["--tier".into(), "nope".into()]).is_err());
        assert_eq!(
            parse_tiers(&["--tier".into(), "e2e".into()]).ok(),
            Some(vec!["e2e".to_string()])
        );
    }
}
