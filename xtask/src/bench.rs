//! `cargo xtask bench`: performance figures, printed, never asserted by timed tests.
//!
//! `bench server` builds the server with the release profile (what a user's `cargo build
//! --release` gives: opt-level 3, panics unwind), starts it on a free loopback
//! port with a throwaway data directory (SQLite, or PostgreSQL with `--postgres`) and runs
//! `linkhub-bench` against it: concurrent simulated end users creating sessions and linking
//! accounts, then a check that no account was lost or duplicated. Then, on a fresh server
//! whose webhook URL is a loopback receiver of `linkhub-bench --drain`, the outbox's drain
//! rate: events/s from N queued `account.created` until the receiver has every one.
//!
//! `bench widget` builds the release widget, serves it from the real server (release profile;
//! the demo catalog, and a synthetic 1,000-connector one) and measures it in headless Chromium
//! with `tests/bench/widget.mjs`.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::build;
use crate::util::{Failure, Result, cmd, fail, info, root, run, status, step};

const TAG: &str = "bench";

const USAGE: &str = "\
cargo xtask bench server [--postgres] [--drain 5000] [--clients 32] [--duration 10]
                         [--warmup 1] [--retry-every 4] [--threads 1] [--timeout 10]
    concurrent end users against the release build of the server on loopback, then the
    webhook outbox's drain rate: --drain N accounts' account.created to a loopback receiver
    on a fresh server (0: skip); every other option but --postgres goes to linkhub-bench
    (`target/release/linkhub-bench --help`)
cargo xtask bench widget [--loads 10] [--profiles loopback,mobile] [--no-stackone] [--no-synthetic]
    the release widget served by the real server, beside StackOne's @stackone/hub web component
    against the same server, in headless Chromium on loopback and a mobile profile (CDP);
    with the size budgets and a twiggy breakdown of each wasm file";

pub fn bench(args: &[String]) -> Result {
    match args.split_first() {
        Some((what, rest)) if what == "server" => server(rest),
        Some((what, rest)) if what == "widget" => widget(rest),
        _ => fail(format!("usage:\n{USAGE}")),
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
    // A catalog of N connectors holds exactly N: drop what an earlier, larger run wrote.
    if out.exists() {
        std::fs::remove_dir_all(&out)?;
    }
    run(cmd(server)
        .args(["catalog", "synthetic", "--count", &n.to_string(), "--out"])
        .arg(&out))?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// bench server

fn server(args: &[String]) -> Result {
    let mut postgres = false;
    let mut drain: usize = 5000;
    let mut forwarded = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--postgres" => postgres = true,
            "--drain" => {
                let n = it.next().map(String::as_str).unwrap_or("");
                drain = n
                    .parse()
                    .map_err(|_| Failure(format!("--drain wants a number, not `{n}`")))?;
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            _ => forwarded.push(a.clone()),
        }
    }

    step(
        "build",
        "server + load generator: cargo build --release -p linkhub-server --bins",
    );
    run(cmd("cargo").args(["build", "--release", "-p", "linkhub-server", "--bins"]))?;
    let bin_dir = build::target_dir().join("release");
    let server_bin = bin_dir.join("linkhub-server");
    let bench_bin = bin_dir.join("linkhub-bench");
    for b in [&server_bin, &bench_bin] {
        if !b.exists() {
            return fail(format!("the build finished but {} is missing", b.display()));
        }
    }

    let pg = temp_postgres(
        postgres,
        "starting a PostgreSQL cluster on a free loopback port",
    )?;
    let data_dir = TempDir::new("linkhub-bench")?;
    let api_key = format!("lh_bench_{}", random_hex(16));

    step(
        TAG,
        &format!(
            "starting linkhub-server ({}, data in {})",
            if postgres { "PostgreSQL" } else { "SQLite" },
            data_dir.0.display()
        ),
    );
    let mut c = cmd(&server_bin);
    c.arg("--data-dir")
        .arg(&data_dir.0)
        .arg("--catalog")
        .arg(root().join("catalog"))
        .args(["serve", "--port", "0"])
        .env("LINKHUB_API_KEY", &api_key)
        .env("LINKHUB_LOG", "warn")
        // Nothing from the caller's shell may point the bench elsewhere.
        .env_remove("LINKHUB_CONFIG")
        .env_remove("LINKHUB_WEBHOOK_URL")
        .env_remove("LINKHUB_PUBLIC_URL")
        .env_remove("LINKHUB_DATA_DIR");
    match &pg {
        Some(pg) => c.env("DATABASE_URL", &pg.url),
        None => c.env_remove("DATABASE_URL"),
    };
    let server = RunningServer::start(c)?;
    info(
        TAG,
        &format!("server {} (pid {})", server.url, server.pid()),
    );
    if let Some(load) = loadavg() {
        info(
            TAG,
            &format!(
                "load average before the run: {load} on {} cores (other work on the machine \
                 lowers the figures)",
                cores()
            ),
        );
    }

    let cpu_before = server.cpu_seconds();
    let started = Instant::now();
    let mut b = cmd(&bench_bin);
    b.args(["--url", &server.url])
        .args(["--backend", if postgres { "postgres" } else { "sqlite" }])
        .args(&forwarded)
        .env("LINKHUB_API_KEY", &api_key);
    let outcome = status(&mut b);
    let wall = started.elapsed().as_secs_f64();
    if let (Some(before), Some(after)) = (cpu_before, server.cpu_seconds()) {
        let used = after - before;
        println!(
            "  server process: {used:.1} CPU-seconds in {wall:.1} s = {:.2} of {} cores \
             (the load generator and any other work share the rest)",
            used / wall,
            cores()
        );
    }
    drop(server); // stops it by PID
    drop(pg);
    drop(data_dir);
    let outcome = outcome?;
    let drained = if drain > 0 {
        outbox_drain(&server_bin, &bench_bin, postgres, drain, &forwarded)
    } else {
        Ok(())
    };
    if !outcome.success() {
        return fail(format!(
            "linkhub-bench reported a failure ({outcome}): see the verification above"
        ));
    }
    drained
}

/// A throwaway PostgreSQL cluster on a free loopback port when `postgres` (saying `what` it
/// is for), else none: the bench then runs on SQLite.
fn temp_postgres(postgres: bool, what: &str) -> Result<Option<crate::pg::PgCluster>> {
    if !postgres {
        return Ok(None);
    }
    step(TAG, what);
    crate::pg::PgCluster::start_temp()
        .map(Some)
        .map_err(|e| Failure(format!("could not start PostgreSQL: {e}")))
}

/// The outbox's drain rate: a fresh server (data folder, and database on PostgreSQL) whose
/// webhook URL is the loopback receiver of `linkhub-bench --drain n`.
fn outbox_drain(
    server_bin: &Path,
    bench_bin: &Path,
    postgres: bool,
    n: usize,
    forwarded: &[String],
) -> Result {
    let pg = temp_postgres(postgres, "outbox drain: a fresh PostgreSQL cluster")?;
    let data_dir = TempDir::new("linkhub-bench-drain")?;
    let api_key = format!("lh_bench_{}", random_hex(16));
    let port = crate::pg::free_port()
        .map_err(|e| Failure(format!("no free port for the webhook receiver: {e}")))?;
    step(
        TAG,
        &format!("outbox drain: {n} account.created to a receiver on 127.0.0.1:{port}"),
    );
    let mut c = cmd(server_bin);
    c.arg("--data-dir")
        .arg(&data_dir.0)
        .arg("--catalog")
        .arg(root().join("catalog"))
        .args(["serve", "--port", "0"])
        .env("LINKHUB_API_KEY", &api_key)
        .env("LINKHUB_LOG", "warn")
        .env(
            "LINKHUB_WEBHOOK_URL",
            format!("http://127.0.0.1:{port}/hook"),
        )
        // A delivery held past its timeout while the accounts are linked comes back soon.
        .env("LINKHUB_WEBHOOK_RETRY_BASE_MS", "100")
        .env_remove("LINKHUB_CONFIG")
        .env_remove("LINKHUB_PUBLIC_URL")
        .env_remove("LINKHUB_DATA_DIR");
    match &pg {
        Some(pg) => c.env("DATABASE_URL", &pg.url),
        None => c.env_remove("DATABASE_URL"),
    };
    let server = RunningServer::start(c)?;
    // The load run's options that apply to linking (--clients, --timeout, --threads).
    let mut passed = Vec::new();
    let mut it = forwarded.iter();
    while let Some(a) = it.next() {
        if matches!(a.as_str(), "--clients" | "--timeout" | "--threads")
            && let Some(v) = it.next()
        {
            passed.push(a.clone());
            passed.push(v.clone());
        }
    }
    let mut b = cmd(bench_bin);
    b.args(["--url", &server.url])
        .args(["--backend", if postgres { "postgres" } else { "sqlite" }])
        .args([
            "--drain",
            &n.to_string(),
            "--receiver-port",
            &port.to_string(),
        ])
        .args(&passed)
        .env("LINKHUB_API_KEY", &api_key);
    let outcome = status(&mut b);
    drop(server);
    drop(pg);
    drop(data_dir);
    let outcome = outcome?;
    if !outcome.success() {
        return fail(format!(
            "linkhub-bench --drain reported a failure ({outcome}): see above"
        ));
    }
    Ok(())
}

/// A server process started here, stopped by its PID when dropped (also on failure).
struct RunningServer {
    child: Child,
    url: String,
}

impl RunningServer {
    /// Spawns the server and waits for `linkhub-server listening on http://…` on its stdout.
    fn start(mut c: Command) -> Result<RunningServer> {
        let mut child = c
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| {
                Failure(format!(
                    "could not start {}: {e}",
                    c.get_program().display()
                ))
            })?;
        let Some(stdout) = child.stdout.take() else {
            let _ = child.kill();
            let _ = child.wait();
            return fail("no stdout from the server");
        };
        let (tx, rx) = mpsc::channel();
        // Reads the listening line, then keeps draining stdout so the server never blocks.
        thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stdout).lines().map_while(|l| l.ok()) {
                if let Some(url) = line
                    .strip_prefix("linkhub-server listening on ")
                    .map(|u| u.trim().trim_end_matches('/').to_string())
                {
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(url);
                    }
                } else {
                    eprintln!("[server] {line}");
                }
            }
        });
        let mut server = RunningServer {
            child,
            url: String::new(),
        };
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(url) if url.starts_with("http://") => {
                server.url = url;
                Ok(server)
            }
            Ok(url) => fail(format!("the server listens on an unexpected URL: {url}")),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                fail("the server did not print its listening line within 60 s")
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let code = server.child.wait().ok();
                fail(format!(
                    "the server exited before listening ({}); its log is above",
                    code.map(|c| c.to_string()).unwrap_or_default()
                ))
            }
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// User + system CPU time of the server process so far (Linux `/proc`), in seconds.
    fn cpu_seconds(&self) -> Option<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).ok()?;
        // Fields after the `(comm)` part: state is field 3, utime 14, stime 15.
        let rest = stat.get(stat.rfind(')')? + 2..)?;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let utime: f64 = fields.get(11)?.parse().ok()?;
        let stime: f64 = fields.get(12)?.parse().ok()?;
        Some((utime + stime) / clock_ticks())
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        // SIGTERM by PID for a clean shutdown; SIGKILL (of this child only) after 10 s.
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                info(TAG, &format!("server (pid {}) stopped", self.pid()));
                return;
            }
            thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        info(TAG, &format!("server (pid {}) killed", self.pid()));
    }
}

/// A directory under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(prefix: &str) -> Result<TempDir> {
        let dir =
            std::env::temp_dir().join(format!("{prefix}-{}-{}", std::process::id(), random_hex(4)));
        std::fs::create_dir_all(&dir)?;
        Ok(TempDir(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `n` random bytes as hex, from the kernel (falls back to time and PID).
fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    let ok = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .is_ok();
    if !ok {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
            ^ u128::from(std::process::id());
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = (seed >> ((i % 16) * 8)) as u8;
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn loadavg() -> Option<String> {
    let s = std::fs::read_to_string("/proc/loadavg").ok()?;
    Some(s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
}

fn cores() -> usize {
    thread::available_parallelism().map_or(1, |n| n.get())
}

fn clock_ticks() -> f64 {
    crate::util::version_of("getconf", "CLK_TCK")
        .and_then(|s| s.parse().ok())
        .unwrap_or(100.0)
}

// ---------------------------------------------------------------------------------------
// bench widget

fn widget(args: &[String]) -> Result {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return Ok(());
    }
    crate::setup::setup()?;
    let dist = build::widget()?;
    crate::test::size_report(&dist)?;
    crate::budget::report(&dist)?;
    breakdown(&dist)?;
    // The optimised build serves the pages: a dev-profile server spends hundreds of
    // milliseconds compressing the wasm, which is not the widget's time.
    let server = build::server_with_profile(Some("release"))?;
    if !has_synthetic_catalog(&server) {
        return fail(
            "bench widget needs the synthetic 1,000-connector catalog, but this server has no \
             `linkhub-server catalog synthetic` subcommand yet",
        );
    }
    let synthetic = catalog(&["--synthetic".into(), "1000".into()])?;

    step(
        TAG,
        "widget in headless Chromium: node tests/bench/widget.mjs",
    );
    let mut c = cmd("node");
    c.current_dir(root().join("tests"))
        .arg("bench/widget.mjs")
        .args(args)
        .env("LINKHUB_SERVER_BIN", &server)
        .env("LINKHUB_DIST", &dist)
        .env("LINKHUB_CATALOG", root().join("catalog"))
        .env("LINKHUB_SYNTHETIC_CATALOG", &synthetic)
        .env("LINKHUB_ROOT", root())
        .env("LINKHUB_CHROMIUM", "/usr/bin/chromium")
        .env(
            "LINKHUB_CHROMIUM_ARGS",
            crate::test::CHROMIUM_ARGS.join(" "),
        );
    run(&mut c)
}

/// Whether the server binary knows `catalog synthetic` (a colleague's subcommand).
fn has_synthetic_catalog(server: &Path) -> bool {
    Command::new(server)
        .args(["catalog", "synthetic", "--help"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

// ---------------------------------------------------------------------------------------
// size breakdown

/// How many items of each wasm file the breakdown names.
const TOP: usize = 20;

/// Prints, for each wasm file of the release widget, its 20 largest items and its bytes per
/// crate, as measured by twiggy on a copy of the module optimised as the shipped one is
/// (`wasm-opt -Oz`) but keeping its function names (`-g`): so a size regression names its
/// cause. Sizes are of the uncompressed module (twiggy's shallow sizes).
fn breakdown(dist: &Path) -> Result {
    let named = build::named_dir();
    let Some(pkg) = std::fs::read_dir(dist)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            p.is_dir()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("pkg-"))
        })
    else {
        return fail(format!("no pkg-<hash>/ folder in {}", dist.display()));
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&pkg)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
        .collect();
    // Largest first: the first screen's module and the connector page's chunk lead.
    files.sort_by_key(|p| std::cmp::Reverse(std::fs::metadata(p).map_or(0, |m| m.len())));
    step(
        TAG,
        &format!(
            "size breakdown of {} wasm files: wasm-opt -Oz -g (names kept), twiggy top",
            files.len()
        ),
    );
    let out_dir = named.join("opt");
    std::fs::create_dir_all(&out_dir)?;
    for file in files {
        let Some(name) = file.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
            continue;
        };
        let source = named.join(&name);
        if !source.is_file() {
            return fail(format!(
                "{} is missing: the release build keeps each module's named copy there",
                source.display()
            ));
        }
        let optimised = out_dir.join(&name);
        info(TAG, &format!("{name}: wasm-opt -Oz -g"));
        run(cmd("wasm-opt")
            .args([
                "-Oz",
                "--reorder-functions-by-name",
                "-g",
                "--strip-producers",
            ])
            .args(build::WASM_FEATURES)
            .arg(&source)
            .arg("-o")
            .arg(&optimised))?;
        // twiggy refuses a module without code (a chunk of shared data only).
        let csv =
            match crate::util::output(cmd("twiggy").args(["top", "-f", "csv"]).arg(&optimised)) {
                Ok(csv) => csv,
                Err(e) => {
                    println!("\n{name}: twiggy could not read it ({e})");
                    continue;
                }
            };
        // The name section is only in the named copy: what ships is the rest.
        let items: Vec<(String, u64)> = parse_twiggy_csv(&csv)
            .into_iter()
            .filter(|(item, _)| !item.ends_with(" subsection"))
            .map(|(item, size)| (strip_disambiguators(&item), size))
            .collect();
        let (raw, gz) = crate::util::sizes(&file)?;
        let total: u64 = items.iter().map(|i| i.1).sum();
        println!(
            "\n{name}: {raw} B shipped ({gz} B gzip); twiggy on the named copy: {total} B in {} items",
            items.len()
        );
        println!("  {TOP} largest items (bytes, % of the module):");
        for (item, size) in items.iter().take(TOP) {
            println!(
                "    {size:>8} {:>5.1}%  {}",
                percent(*size, total),
                shorten(item, 110)
            );
        }
        let crates = by_crate(&items);
        println!("  bytes per crate (or section):");
        for (krate, size) in crates.iter().take(12) {
            println!("    {size:>8} {:>5.1}%  {krate}", percent(*size, total));
        }
    }
    Ok(())
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

/// `s` cut to `max` characters, with an ellipsis.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max - 1).collect();
    format!("{cut}…")
}

/// `(name, shallow bytes)` of each row of `twiggy top -f csv` (header `Name,ShallowSize,…`),
/// largest first as twiggy lists them. Fields may be quoted (names hold commas).
fn parse_twiggy_csv(csv: &str) -> Vec<(String, u64)> {
    csv.lines()
        .skip(1)
        .filter_map(|line| {
            let fields = csv_fields(line);
            let name = fields.first()?.clone();
            let size = fields.get(1)?.trim().parse().ok()?;
            Some((name, size))
        })
        .collect()
}

/// The fields of one CSV line (RFC 4180 quoting: `"a, b"`, `""` for a quote).
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    fields.push(cur);
    fields
}

/// The crate an item's demangled name belongs to: the first path segment of its type or
/// function (`<serde_json::de::Deserializer<R> as …>::x` → `serde_json`); items without a
/// path (`data[3]`, `"function names" subsection`, `code[12]`) go by their kind.
fn crate_of(item: &str) -> String {
    if item.starts_with("data[") || item.starts_with("data segment") {
        return "data segments".to_string();
    }
    if item.starts_with("code[") {
        return "(unnamed code)".to_string();
    }
    // twiggy prints a crate with its disambiguator: `linkhub[30a0a92185fe0838]::x`.
    let item = &strip_disambiguators(item);
    let s = item.trim_start_matches(['<', '&', '*', '(', '[']);
    let s = s
        .strip_prefix("mut ")
        .or_else(|| s.strip_prefix("dyn "))
        .or_else(|| s.strip_prefix("const "))
        .unwrap_or(s)
        .trim_start_matches(['<', '&']);
    match s.find("::") {
        Some(i) if s[..i].chars().all(|c| c.is_alphanumeric() || c == '_') && i > 0 => {
            s[..i].to_string()
        }
        _ => {
            let kind: String = s
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ' ')
                .collect();
            match kind.trim() {
                "" => "(other)".to_string(),
                k => k.to_string(),
            }
        }
    }
}

/// `name[0123abcd…]` → `name`: the hex in brackets right after a crate's name.
fn strip_disambiguators(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('[') {
        let (before, after) = rest.split_at(i);
        out.push_str(before);
        match after[1..].find(']') {
            Some(j) if j > 0 && after[1..1 + j].chars().all(|c| c.is_ascii_hexdigit()) => {
                rest = &after[j + 2..];
            }
            _ => {
                out.push('[');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Bytes per crate, largest first.
fn by_crate(items: &[(String, u64)]) -> Vec<(String, u64)> {
    let mut sums: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();
    for (item, size) in items {
        *sums.entry(crate_of(item)).or_default() += size;
    }
    let mut v: Vec<(String, u64)> = sums.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twiggy_csv_rows_are_read_with_quoted_names() {
        let csv = "Name,ShallowSize,ShallowSizePercent\n\
                   \"<serde_json::de::Deserializer<R> as serde_core::de::Deserializer>::deserialize_map, x\",1200,3.1\n\
                   data[0],800,2.0\n";
        let rows = parse_twiggy_csv(csv);
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0].0,
            "<serde_json::de::Deserializer<R> as serde_core::de::Deserializer>::deserialize_map, x"
        );
        assert_eq!(rows[0].1, 1200);
        assert_eq!(rows[1], ("data[0]".to_string(), 800));
    }

    #[test]
    fn items_are_counted_to_their_crate() {
        assert_eq!(
            crate_of("<serde_json::de::Deserializer<R> as serde_core::de::Deserializer>::x"),
            "serde_json"
        );
        assert_eq!(
            crate_of("linkhub::components::form_field::__component_form_field"),
            "linkhub"
        );
        assert_eq!(crate_of("&mut tachys::view::Render::build"), "tachys");
        assert_eq!(
            crate_of("linkhub[30a0a92185fe0838]::components::x::{closure#0}"),
            "linkhub"
        );
        assert_eq!(
            strip_disambiguators("<a[0f] as b[1e]::T>::f::<[u8]>"),
            "<a as b::T>::f::<[u8]>"
        );
        assert_eq!(crate_of("data[3]"), "data segments");
        assert_eq!(crate_of("code[12]"), "(unnamed code)");
        let sums = by_crate(&[("a::x".into(), 1), ("b::y".into(), 5), ("a::z".into(), 2)]);
        assert_eq!(sums, [("b".to_string(), 5), ("a".to_string(), 3)]);
    }
}
