//! `linkhub-bench`: a load generator for a running `linkhub-server` (`cargo xtask bench server`
//! starts both).
//!
//! N concurrent clients each play one simulated end user after another: the host backend
//! creates a connect session for a new owner (`POST /connect_sessions`, HTTP Basic), the
//! widget lists the connectors, opens Dagster and links an account with valid credentials
//! and an `Idempotency-Key` (`POST /hub/accounts`); every few users the widget "retries" the
//! same POST, which must answer the same account id. Afterwards `GET /accounts` must list
//! every account created exactly once: none lost, none duplicated.
//!
//! The client is a minimal HTTP/1.1 client over tokio's `TcpStream` (one keep-alive
//! connection per simulated client, like a browser tab): on a 2-core machine the load
//! generator shares the CPU with the server, so it should cost as little as possible.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use base64::Engine as _;
use clap::Parser;
use rand::RngCore;
use serde_json::Value;
use tokio::net::TcpStream;

/// Load generator for linkhub-server: concurrent end users creating sessions and linking
/// Dagster accounts; prints throughput and latency per endpoint, then checks that no
/// account was lost or duplicated (exit status 1 when one was, or when a request failed).
#[derive(Debug, Parser)]
#[command(name = "linkhub-bench", version)]
struct Args {
    /// Base URL of the running server (plain http on loopback), e.g. http://127.0.0.1:8080.
    #[arg(long)]
    url: String,
    /// The project API key (HTTP Basic user name for /connect_sessions and /accounts).
    #[arg(long, env = "LINKHUB_API_KEY", hide_env_values = true)]
    api_key: String,
    /// Concurrent simulated clients, each with its own keep-alive connection.
    #[arg(long, default_value_t = 32)]
    clients: usize,
    /// Measured duration in seconds (after the warm-up).
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Warm-up in seconds: load runs, but neither latencies nor rates are counted (its
    /// accounts are still verified).
    #[arg(long, default_value_t = 1.0)]
    warmup: f64,
    /// Every Nth end user retries its account POST with the same Idempotency-Key (0: never).
    #[arg(long, default_value_t = 4)]
    retry_every: u64,
    /// Connector to link (must have the Dagster fields: user_token, organization, deployment).
    #[arg(long, default_value = "dagster")]
    connector: String,
    /// Worker threads of the load generator (1 leaves the most CPU to the server).
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Per-request timeout in seconds.
    #[arg(long, default_value_t = 10.0)]
    timeout: f64,
    /// Storage backend of the server, for the report only (sqlite or postgres).
    #[arg(long, default_value = "sqlite")]
    backend: String,
    /// Instead of the load run: measure the webhook outbox. Links this many accounts while
    /// a loopback receiver (on --receiver-port, the server's LINKHUB_WEBHOOK_URL) holds every
    /// delivery, then lets it answer and times until each account's `account.created` came.
    #[arg(long, requires = "receiver_port")]
    drain: Option<usize>,
    /// Port of the loopback webhook receiver (POST /hook) for --drain.
    #[arg(long)]
    receiver_port: Option<u16>,
}

const EP_SESSION: usize = 0;
const EP_CONNECTORS: usize = 1;
const EP_CONNECTOR: usize = 2;
const EP_ACCOUNT: usize = 3;
const EP_RETRY: usize = 4;
const EP_COUNT: usize = 5;

/// Goals of issue 3, item 5 (printed, not asserted).
const GOAL_CREATIONS_PER_S: f64 = 2000.0;
const GOAL_P99_MS: f64 = 20.0;
const GOAL_CLIENTS: usize = 32;

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = if args.threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(args.threads)
            .enable_all()
            .build()
    };
    let runtime = match runtime {
        Ok(r) => r,
        Err(e) => {
            eprintln!("linkhub-bench: could not start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = match args.drain {
        Some(n) => runtime.block_on(drain::run(args, n)),
        None => runtime.block_on(run(args)),
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("linkhub-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Everything one client observed.
#[derive(Default)]
struct ClientReport {
    /// Latency in microseconds of each request inside the measured window, per endpoint.
    latencies: [Vec<u32>; EP_COUNT],
    /// Requests (inside the window) that failed, per endpoint.
    errors: [u64; EP_COUNT],
    /// Failed requests during the warm-up or after the window (they still count as errors).
    other_errors: u64,
    /// Account POSTs that returned a new account (201) inside the measured window.
    creations_in_window: u64,
    /// owner id → account id, for every account this client created.
    created: Vec<(String, String)>,
    /// Owners whose account POST never got an answer (the account may or may not exist).
    unknown: Vec<String>,
    /// Idempotent retries that answered a different id or status.
    idempotency_violations: u64,
    retries_checked: u64,
    /// A few error messages to show.
    samples: Vec<String>,
}

impl ClientReport {
    fn error(&mut self, ep: usize, in_window: bool, msg: String) {
        if in_window {
            self.errors[ep] += 1;
        } else {
            self.other_errors += 1;
        }
        if self.samples.len() < 3 {
            self.samples.push(format!("{}: {msg}", EP_NAMES[ep]));
        }
    }
}

const EP_NAMES: [&str; EP_COUNT] = [
    "POST /connect_sessions",
    "GET /hub/connectors",
    "GET /hub/connectors/{id}",
    "POST /hub/accounts",
    "POST /hub/accounts (retry)",
];

struct Plan {
    host: String,
    addr: String,
    basic: String,
    connector: String,
    warmup_end: Instant,
    deadline: Instant,
    retry_every: u64,
    timeout: Duration,
    nonce: String,
}

async fn run(args: Args) -> Result<bool, String> {
    let (addr, host) = parse_url(&args.url)?;
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{}:", args.api_key))
    );
    let mut nonce = [0u8; 4];
    rand::rng().fill_bytes(&mut nonce);
    let start = Instant::now();
    let warmup = Duration::from_secs_f64(args.warmup.max(0.0));
    let measured = Duration::from_secs_f64(args.duration.max(0.1));
    let plan = std::sync::Arc::new(Plan {
        host,
        addr,
        basic,
        connector: args.connector.clone(),
        warmup_end: start + warmup,
        deadline: start + warmup + measured,
        retry_every: args.retry_every,
        timeout: Duration::from_secs_f64(args.timeout.max(0.1)),
        nonce: hex(&nonce),
    });
    eprintln!(
        "[bench] {} clients against {} for {:.1} s (+{:.1} s warm-up), connector {}",
        args.clients,
        args.url,
        measured.as_secs_f64(),
        warmup.as_secs_f64(),
        args.connector
    );

    let mut tasks = Vec::with_capacity(args.clients);
    for c in 0..args.clients {
        let plan = plan.clone();
        tasks.push(tokio::spawn(client(c, plan)));
    }
    let mut reports = Vec::with_capacity(tasks.len());
    for t in tasks {
        reports.push(t.await.map_err(|e| format!("a client task failed: {e}"))?);
    }
    let window = measured.as_secs_f64();

    // Merge.
    let mut latencies: [Vec<u32>; EP_COUNT] = Default::default();
    let mut errors = [0u64; EP_COUNT];
    let mut other_errors = 0;
    let mut creations = 0;
    let mut created: Vec<(String, String)> = Vec::new();
    let mut unknown: Vec<String> = Vec::new();
    let mut violations = 0;
    let mut retries_checked = 0;
    let mut samples = Vec::new();
    for r in reports {
        for ep in 0..EP_COUNT {
            latencies[ep].extend_from_slice(&r.latencies[ep]);
            errors[ep] += r.errors[ep];
        }
        other_errors += r.other_errors;
        creations += r.creations_in_window;
        created.extend(r.created);
        unknown.extend(r.unknown);
        violations += r.idempotency_violations;
        retries_checked += r.retries_checked;
        samples.extend(r.samples);
    }

    println!();
    println!(
        "linkhub-server under load: {} clients, {:.1} s measured after {:.1} s warm-up, {} storage",
        args.clients,
        window,
        warmup.as_secs_f64(),
        backend_name(&args.backend)
    );
    println!();
    println!(
        "  {:<28} {:>9} {:>9} {:>8} {:>8} {:>8} {:>7}",
        "endpoint", "requests", "req/s", "p50 ms", "p99 ms", "max ms", "errors"
    );
    let mut all: Vec<u32> = Vec::new();
    let mut worst_p99 = (0.0f64, "");
    for ep in 0..EP_COUNT {
        let v = &mut latencies[ep];
        v.sort_unstable();
        all.extend_from_slice(v);
        let p99 = ms(percentile(v, 0.99));
        if !v.is_empty() && p99 > worst_p99.0 {
            worst_p99 = (p99, EP_NAMES[ep]);
        }
        print_row(EP_NAMES[ep], v, window, errors[ep]);
    }
    all.sort_unstable();
    print_row("all requests", &all, window, errors.iter().sum());
    let rate = creations as f64 / window;
    println!();
    println!("  account creations: {creations} in {window:.1} s = {rate:.0}/s");
    if let Some(cpu) = own_cpu_seconds() {
        let wall = start.elapsed().as_secs_f64();
        println!(
            "  load generator: {cpu:.1} CPU-seconds in {wall:.1} s = {:.2} cores",
            cpu / wall
        );
    }
    println!(
        "  (each simulated end user: 1 session + 2 catalog reads + 1 account POST{})",
        if args.retry_every > 0 {
            format!(", every {} user a retried POST", ordinal(args.retry_every))
        } else {
            String::new()
        }
    );
    println!();
    let sqlite = backend_name(&args.backend) == "SQLite";
    println!(
        "  goal: ≥ 2,000 account creations/s with SQLite ......... {}{}",
        met(rate >= GOAL_CREATIONS_PER_S),
        if sqlite {
            format!(" ({rate:.0}/s)")
        } else {
            format!(
                " ({rate:.0}/s on {}; the goal is stated for SQLite)",
                backend_name(&args.backend)
            )
        }
    );
    println!(
        "  goal: p99 < 20 ms at 32 clients (worst endpoint) ...... {} ({:.2} ms, {}){}",
        met(!all.is_empty() && worst_p99.0 < GOAL_P99_MS),
        worst_p99.0,
        if worst_p99.1.is_empty() {
            "no requests"
        } else {
            worst_p99.1
        },
        if args.clients == GOAL_CLIENTS {
            String::new()
        } else {
            format!(" — measured at {} clients", args.clients)
        }
    );

    // Verification through the host API.
    eprintln!(
        "\n[bench] verifying {} accounts through GET /accounts",
        created.len()
    );
    let mut conn = Conn::new(&plan.addr, &plan.host);
    let listing = conn
        .request(
            "GET",
            "/accounts",
            &[("authorization", &plan.basic)],
            None,
            Duration::from_secs(120),
        )
        .await
        .map_err(|e| format!("GET /accounts failed: {e}"))?;
    if listing.status != 200 {
        return Err(format!(
            "GET /accounts answered {}: {}",
            listing.status,
            String::from_utf8_lossy(&listing.body)
        ));
    }
    let listed: Value = serde_json::from_slice(&listing.body)
        .map_err(|e| format!("GET /accounts: not JSON: {e}"))?;
    let listed = listed
        .as_array()
        .ok_or("GET /accounts did not answer an array")?;
    let v = verify(&created, &unknown, listed, &plan.nonce);
    println!();
    println!(
        "  verification: {} accounts created, {} listed for this run; {} lost, {} duplicated, \
         {} unexpected; {} idempotent retries, {} answered differently",
        created.len(),
        v.listed_ours,
        v.lost,
        v.duplicated,
        v.unexpected,
        retries_checked,
        violations
    );
    if !unknown.is_empty() {
        println!(
            "  {} end users never got an answer to their account POST ({} of them have an account)",
            unknown.len(),
            v.unknown_present
        );
    }
    let total_errors: u64 = errors.iter().sum::<u64>() + other_errors;
    if total_errors > 0 {
        println!("  {total_errors} requests failed, for example:");
        for s in samples.iter().take(5) {
            println!("    {s}");
        }
    }
    for p in v.problems.iter().take(10) {
        println!("    {p}");
    }
    let ok = v.lost == 0
        && v.duplicated == 0
        && v.unexpected == 0
        && violations == 0
        && total_errors == 0
        && !created.is_empty();
    println!(
        "  result: {}",
        if ok {
            "OK — no account lost or duplicated, no request failed"
        } else if created.is_empty() {
            "FAILED — no account was created"
        } else {
            "FAILED"
        }
    );
    Ok(ok)
}

#[derive(Default)]
struct Verification {
    listed_ours: usize,
    lost: usize,
    duplicated: usize,
    unexpected: usize,
    unknown_present: usize,
    problems: Vec<String>,
}

/// Compares what the clients created with what `GET /accounts` lists: every created id listed
/// exactly once, each owner of this run with exactly one account (its created id), nothing
/// else listed for the owners of this run.
fn verify(
    created: &[(String, String)],
    unknown: &[String],
    listed: &[Value],
    nonce: &str,
) -> Verification {
    let mut v = Verification::default();
    let prefix = format!("bench-{nonce}-");
    let mut by_owner: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut id_count: HashMap<&str, usize> = HashMap::new();
    for a in listed {
        let id = a.get("id").and_then(Value::as_str).unwrap_or("");
        let owner = a
            .get("origin_owner_id")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !owner.starts_with(&prefix) {
            continue; // another run's account in the same data dir
        }
        v.listed_ours += 1;
        by_owner.entry(owner).or_default().push(id);
        *id_count.entry(id).or_default() += 1;
    }
    for (id, n) in &id_count {
        if *n > 1 {
            v.duplicated += n - 1;
            v.problems.push(format!("account id {id} listed {n} times"));
        }
    }
    let mut ours: HashSet<&str> = HashSet::new();
    for (owner, id) in created {
        ours.insert(owner);
        match by_owner.get(owner.as_str()).map(Vec::as_slice) {
            None | Some([]) => {
                v.lost += 1;
                v.problems
                    .push(format!("owner {owner}: account {id} is missing"));
            }
            Some([only]) if *only == id => {}
            Some([other]) => {
                v.lost += 1;
                v.unexpected += 1;
                v.problems
                    .push(format!("owner {owner}: created {id} but {other} is listed"));
            }
            Some(many) => {
                v.duplicated += many.len() - 1;
                if !many.contains(&id.as_str()) {
                    v.lost += 1;
                }
                v.problems.push(format!(
                    "owner {owner}: {} accounts listed ({}), created {id}",
                    many.len(),
                    many.join(", ")
                ));
            }
        }
    }
    for owner in unknown {
        ours.insert(owner);
        match by_owner.get(owner.as_str()).map(Vec::len).unwrap_or(0) {
            0 => {}
            1 => v.unknown_present += 1,
            n => {
                v.duplicated += n - 1;
                v.problems
                    .push(format!("owner {owner}: {n} accounts after a failed POST"));
            }
        }
    }
    let strangers: BTreeMap<&str, usize> = by_owner
        .iter()
        .filter(|(o, _)| !ours.contains(*o))
        .map(|(o, ids)| (*o, ids.len()))
        .collect();
    for (owner, n) in strangers {
        v.unexpected += n;
        v.problems.push(format!(
            "owner {owner}: {n} accounts listed that no client created"
        ));
    }
    v
}

async fn client(c: usize, plan: std::sync::Arc<Plan>) -> ClientReport {
    let mut r = ClientReport::default();
    let mut conn = Conn::new(&plan.addr, &plan.host);
    let mut n: u64 = 0;
    while Instant::now() < plan.deadline {
        n += 1;
        end_user(c, n, &plan, &mut conn, &mut r).await;
    }
    r
}

/// One request: method, path, headers, body.
type Req<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], Option<&'a [u8]>);

/// Times one request; records its latency when it started inside the measured window.
async fn timed(
    conn: &mut Conn,
    plan: &Plan,
    r: &mut ClientReport,
    ep: usize,
    req: Req<'_>,
) -> Option<Response> {
    let t0 = Instant::now();
    let in_window = t0 >= plan.warmup_end && t0 < plan.deadline;
    let res = conn.request(req.0, req.1, req.2, req.3, plan.timeout).await;
    let us = u32::try_from(t0.elapsed().as_micros()).unwrap_or(u32::MAX);
    match res {
        Ok(resp) => {
            if in_window {
                r.latencies[ep].push(us);
            }
            Some(resp)
        }
        Err(e) => {
            r.error(ep, in_window, e.to_string());
            None
        }
    }
}

fn in_window(plan: &Plan, t: Instant) -> bool {
    t >= plan.warmup_end && t < plan.deadline
}

async fn end_user(c: usize, n: u64, plan: &Plan, conn: &mut Conn, r: &mut ClientReport) {
    let owner = format!("bench-{}-c{c}-u{n}", plan.nonce);
    let started = Instant::now();
    let win = in_window(plan, started);

    // 1. The host backend creates a connect session.
    let body = serde_json::json!({
        "origin_owner_id": owner,
        "origin_owner_name": format!("Bench Company {c}-{n}"),
        "origin_username": format!("user{n}@client{c}.bench.example"),
    })
    .to_string();
    let headers = [
        ("authorization", plan.basic.as_str()),
        ("content-type", "application/json"),
    ];
    let Some(resp) = timed(
        conn,
        plan,
        r,
        EP_SESSION,
        ("POST", "/connect_sessions", &headers, Some(body.as_bytes())),
    )
    .await
    else {
        return;
    };
    if resp.status != 201 {
        r.error(EP_SESSION, win, resp.describe());
        return;
    }
    let token = match json_str(&resp.body, "token") {
        Some(t) => t,
        None => {
            r.error(EP_SESSION, win, "no token in the answer".into());
            return;
        }
    };
    let hub = [("x-hub-session-token", token.as_str())];

    // 2. The widget lists the connectors, 3. opens one.
    if let Some(resp) = timed(
        conn,
        plan,
        r,
        EP_CONNECTORS,
        ("GET", "/hub/connectors", &hub, None),
    )
    .await
    {
        let needle = format!("\"{}\"", plan.connector);
        if resp.status != 200 {
            r.error(EP_CONNECTORS, win, resp.describe());
        } else if n == 1 && !contains(&resp.body, needle.as_bytes()) {
            r.error(
                EP_CONNECTORS,
                win,
                format!("{} is not in the connector list", plan.connector),
            );
        }
    }
    let path = format!("/hub/connectors/{}", plan.connector);
    if let Some(resp) = timed(conn, plan, r, EP_CONNECTOR, ("GET", &path, &hub, None)).await
        && resp.status != 200
    {
        r.error(EP_CONNECTOR, win, resp.describe());
    }

    // 4. The user submits valid credentials; the widget sends an Idempotency-Key.
    let mut secret = [0u8; 16];
    rand::rng().fill_bytes(&mut secret);
    let body = serde_json::json!({
        "integration_id": plan.connector,
        "credentials": {
            "user_token": format!("user:{}", hex(&secret)),
            "organization": format!("org-{c}-{n}"),
            "deployment": "prod",
        }
    })
    .to_string();
    let key = format!("{owner}-submit");
    let headers = [
        ("x-hub-session-token", token.as_str()),
        ("content-type", "application/json"),
        ("idempotency-key", key.as_str()),
    ];
    let req = ("POST", "/hub/accounts", &headers[..], Some(body.as_bytes()));
    // A request without an answer (timeout, reset, 5xx, 409 in progress) is retried with the
    // same key, as the widget would: the account must still exist exactly once.
    let mut first: Option<(u16, String)> = None;
    for _attempt in 0..3 {
        let Some(resp) = timed(conn, plan, r, EP_ACCOUNT, req).await else {
            continue;
        };
        match resp.status {
            201 => match json_str(&resp.body, "id") {
                Some(id) => {
                    if in_window(plan, Instant::now()) {
                        r.creations_in_window += 1;
                    }
                    first = Some((201, id));
                    break;
                }
                None => {
                    r.error(EP_ACCOUNT, win, "201 without an id".into());
                    break;
                }
            },
            s if s >= 500 || s == 409 => r.error(EP_ACCOUNT, win, resp.describe()),
            _ => {
                r.error(EP_ACCOUNT, win, resp.describe());
                break;
            }
        }
    }
    let Some((status, id)) = first else {
        r.unknown.push(owner);
        return;
    };
    r.created.push((owner, id.clone()));

    // 5. Sometimes the same POST again (a double click, a retry after a lost answer).
    if plan.retry_every > 0
        && n.is_multiple_of(plan.retry_every)
        && let Some(resp) = timed(conn, plan, r, EP_RETRY, req).await
    {
        r.retries_checked += 1;
        let again = json_str(&resp.body, "id");
        if resp.status != status || again.as_deref() != Some(id.as_str()) {
            r.idempotency_violations += 1;
            r.error(
                EP_RETRY,
                win,
                format!(
                    "retry answered {} with id {:?}, the first answer was {status} with {id}",
                    resp.status, again
                ),
            );
        }
    }
}

/// User + system CPU time of this process (Linux `/proc/self/stat`, 100 ticks a second).
fn own_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

fn json_str(body: &[u8], field: &str) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    v.get(field)?.as_str().map(str::to_string)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn backend_name(b: &str) -> &'static str {
    if b.eq_ignore_ascii_case("postgres") || b.eq_ignore_ascii_case("postgresql") {
        "PostgreSQL"
    } else {
        "SQLite"
    }
}

fn met(ok: bool) -> &'static str {
    if ok { "MET" } else { "NOT MET" }
}

fn ordinal(n: u64) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

fn percentile(sorted: &[u32], p: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn ms(us: u32) -> f64 {
    f64::from(us) / 1000.0
}

fn print_row(name: &str, sorted: &[u32], window: f64, errors: u64) {
    if sorted.is_empty() {
        println!(
            "  {name:<28} {:>9} {:>9} {:>8} {:>8} {:>8} {errors:>7}",
            0, "-", "-", "-", "-"
        );
        return;
    }
    println!(
        "  {name:<28} {:>9} {:>9.0} {:>8.2} {:>8.2} {:>8.2} {errors:>7}",
        sorted.len(),
        sorted.len() as f64 / window,
        ms(percentile(sorted, 0.50)),
        ms(percentile(sorted, 0.99)),
        ms(sorted.last().copied().unwrap_or(0)),
    );
}

/// `http://127.0.0.1:8080[/]` → ("127.0.0.1:8080", "127.0.0.1:8080").
fn parse_url(url: &str) -> Result<(String, String), String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("--url must start with http:// (got {url})"))?;
    let hostport = rest.split('/').next().unwrap_or("");
    if hostport.is_empty() {
        return Err(format!("--url has no host: {url}"));
    }
    let addr = if hostport.contains(':') {
        hostport.to_string()
    } else {
        format!("{hostport}:80")
    };
    Ok((addr, hostport.to_string()))
}

// ---------------------------------------------------------------------------------------
// A minimal HTTP/1.1 keep-alive client (Content-Length and chunked bodies), std + tokio net.

struct Response {
    status: u16,
    body: Vec<u8>,
}

impl Response {
    fn describe(&self) -> String {
        let body = String::from_utf8_lossy(&self.body);
        let body: String = body.chars().take(200).collect();
        format!("HTTP {}: {body}", self.status)
    }
}

struct Conn {
    addr: String,
    host: String,
    stream: Option<TcpStream>,
    buf: Vec<u8>,
    /// Start of the unread part of `buf`.
    pos: usize,
}

impl Conn {
    fn new(addr: &str, host: &str) -> Conn {
        Conn {
            addr: addr.to_string(),
            host: host.to_string(),
            stream: None,
            buf: Vec::with_capacity(16 * 1024),
            pos: 0,
        }
    }

    async fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
        timeout: Duration,
    ) -> io::Result<Response> {
        let mut req = Vec::with_capacity(256 + body.map_or(0, <[u8]>::len));
        req.extend_from_slice(
            format!("{method} {path} HTTP/1.1\r\nhost: {}\r\n", self.host).as_bytes(),
        );
        for (k, v) in headers {
            req.extend_from_slice(k.as_bytes());
            req.extend_from_slice(b": ");
            req.extend_from_slice(v.as_bytes());
            req.extend_from_slice(b"\r\n");
        }
        if let Some(b) = body {
            req.extend_from_slice(format!("content-length: {}\r\n\r\n", b.len()).as_bytes());
            req.extend_from_slice(b);
        } else {
            req.extend_from_slice(b"\r\n");
        }
        let result = tokio::time::timeout(timeout, async {
            // A reused keep-alive connection the server closed meanwhile fails before any
            // answer byte: reconnect once and send again.
            let reused = self.stream.is_some();
            match self.exchange(&req).await {
                Err(e) if reused && e.kind() == io::ErrorKind::ConnectionAborted => {
                    self.exchange(&req).await
                }
                other => other,
            }
        })
        .await;
        match result {
            Ok(Ok(resp)) => Ok(resp),
            Ok(Err(e)) => {
                self.reset();
                Err(e)
            }
            Err(_) => {
                self.reset();
                Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("no answer in {:.1} s", timeout.as_secs_f64()),
                ))
            }
        }
    }

    fn reset(&mut self) {
        self.stream = None;
        self.buf.clear();
        self.pos = 0;
    }

    async fn exchange(&mut self, req: &[u8]) -> io::Result<Response> {
        if self.stream.is_none() {
            let s = TcpStream::connect(&self.addr).await?;
            s.set_nodelay(true)?;
            self.stream = Some(s);
            self.buf.clear();
            self.pos = 0;
        }
        self.write_all(req).await?;
        let mut got_any = false;
        // Head.
        let head_end = loop {
            if let Some(i) = find(&self.buf[self.pos..], b"\r\n\r\n") {
                break self.pos + i + 4;
            }
            if self.fill().await? == 0 {
                self.reset();
                return Err(io::Error::new(
                    if got_any {
                        io::ErrorKind::UnexpectedEof
                    } else {
                        io::ErrorKind::ConnectionAborted
                    },
                    "connection closed before the answer",
                ));
            }
            got_any = true;
        };
        let head = String::from_utf8_lossy(&self.buf[self.pos..head_end]).into_owned();
        self.pos = head_end;
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse::<u16>().ok())
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "bad status line"))?;
        let (mut length, mut chunked, mut close) = (None, false, false);
        for l in lines {
            let Some((k, v)) = l.split_once(':') else {
                continue;
            };
            let v = v.trim();
            if k.eq_ignore_ascii_case("content-length") {
                length = v.parse::<usize>().ok();
            } else if k.eq_ignore_ascii_case("transfer-encoding") {
                chunked = v.to_ascii_lowercase().contains("chunked");
            } else if k.eq_ignore_ascii_case("connection") {
                close = v.eq_ignore_ascii_case("close");
            }
        }
        let body = if chunked {
            self.read_chunked().await?
        } else if let Some(n) = length {
            self.read_exact(n).await?
        } else {
            // Until the server closes the connection.
            while self.fill().await? > 0 {}
            close = true;
            let b = self.buf[self.pos..].to_vec();
            self.pos = self.buf.len();
            b
        };
        if close {
            self.reset();
        } else if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        }
        Ok(Response { status, body })
    }

    async fn write_all(&mut self, mut data: &[u8]) -> io::Result<()> {
        let stream = self
            .stream
            .as_ref()
            .ok_or_else(|| io::Error::other("not connected"))?;
        while !data.is_empty() {
            stream.writable().await?;
            match stream.try_write(data) {
                Ok(0) => return Err(io::Error::new(io::ErrorKind::WriteZero, "write zero")),
                Ok(n) => data = &data[n..],
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e)
                    if e.kind() == io::ErrorKind::BrokenPipe
                        || e.kind() == io::ErrorKind::ConnectionReset =>
                {
                    return Err(io::Error::new(io::ErrorKind::ConnectionAborted, e));
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Reads more bytes into the buffer; 0 at end of stream.
    async fn fill(&mut self) -> io::Result<usize> {
        let stream = self
            .stream
            .as_ref()
            .ok_or_else(|| io::Error::other("not connected"))?;
        if self.pos > 0 && self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        }
        let len = self.buf.len();
        self.buf.resize(len + 64 * 1024, 0);
        loop {
            if let Err(e) = stream.readable().await {
                self.buf.truncate(len);
                return Err(e);
            }
            match stream.try_read(&mut self.buf[len..]) {
                Ok(n) => {
                    self.buf.truncate(len + n);
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => {
                    self.buf.truncate(len);
                    return Err(if e.kind() == io::ErrorKind::ConnectionReset {
                        io::Error::new(io::ErrorKind::ConnectionAborted, e)
                    } else {
                        e
                    });
                }
            }
        }
    }

    async fn read_exact(&mut self, n: usize) -> io::Result<Vec<u8>> {
        while self.buf.len() - self.pos < n {
            if self.fill().await? == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "connection closed in the body",
                ));
            }
        }
        let out = self.buf[self.pos..self.pos + n].to_vec();
        self.pos += n;
        Ok(out)
    }

    async fn read_line(&mut self) -> io::Result<String> {
        loop {
            if let Some(i) = find(&self.buf[self.pos..], b"\r\n") {
                let line = String::from_utf8_lossy(&self.buf[self.pos..self.pos + i]).into_owned();
                self.pos += i + 2;
                return Ok(line);
            }
            if self.fill().await? == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "connection closed in a chunk",
                ));
            }
        }
    }

    async fn read_chunked(&mut self) -> io::Result<Vec<u8>> {
        let mut body = Vec::new();
        loop {
            let line = self.read_line().await?;
            let size = line.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size, 16)
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad chunk size"))?;
            if size == 0 {
                // Trailers, up to the empty line.
                while !self.read_line().await?.is_empty() {}
                return Ok(body);
            }
            body.extend_from_slice(&self.read_exact(size).await?);
            self.read_line().await?;
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let v: Vec<u32> = (1..=100).collect();
        assert_eq!(percentile(&v, 0.50), 50);
        assert_eq!(percentile(&v, 0.99), 99);
        assert_eq!(percentile(&[], 0.99), 0);
        assert_eq!(percentile(&[7], 0.99), 7);
    }

    #[test]
    fn verification_finds_lost_duplicated_and_strangers() {
        let created = vec![
            ("bench-n-c0-u1".to_string(), "a1".to_string()),
            ("bench-n-c0-u2".to_string(), "a2".to_string()),
            ("bench-n-c0-u3".to_string(), "a3".to_string()),
        ];
        let listed = vec![
            serde_json::json!({"id": "a1", "origin_owner_id": "bench-n-c0-u1"}),
            serde_json::json!({"id": "a3", "origin_owner_id": "bench-n-c0-u3"}),
            serde_json::json!({"id": "a4", "origin_owner_id": "bench-n-c0-u3"}),
            serde_json::json!({"id": "a5", "origin_owner_id": "bench-n-c9-u9"}),
            serde_json::json!({"id": "x", "origin_owner_id": "someone-else"}),
        ];
        let v = verify(&created, &[], &listed, "n");
        assert_eq!(v.listed_ours, 4);
        assert_eq!(v.lost, 1);
        assert_eq!(v.duplicated, 1);
        assert_eq!(v.unexpected, 1);

        let clean = verify(&created[..1], &[], &listed[..1], "n");
        assert_eq!((clean.lost, clean.duplicated, clean.unexpected), (0, 0, 0));
    }

    #[test]
    fn urls_are_parsed_to_an_address() {
        assert_eq!(
            parse_url("http://127.0.0.1:8080/").ok(),
            Some(("127.0.0.1:8080".to_string(), "127.0.0.1:8080".to_string()))
        );
        assert!(parse_url("https://x").is_err());
    }
}

// ---------------------------------------------------------------------------------------
// --drain: the webhook outbox's drain rate.

mod drain {
    use std::collections::{HashMap, HashSet};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    use base64::Engine as _;
    use rand::RngCore;
    use serde_json::Value;
    use tokio::sync::watch;

    use super::{Args, Conn, hex, json_str, met, parse_url};

    /// Goal of issue 17, item 6 (printed, not asserted).
    const GOAL_EVENTS_PER_S: f64 = 2000.0;

    /// One POST the receiver answered: webhook-id, event type, account id, when.
    struct Got {
        webhook_id: String,
        event_type: String,
        account: String,
        at: Instant,
    }

    type Log = Arc<Mutex<Vec<Got>>>;

    /// Listens on 127.0.0.1:`port`; every `POST /hook` waits until `gate` opens, then is
    /// logged and answered 204.
    async fn receiver(port: u16, gate: watch::Receiver<bool>) -> Result<Log, String> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|e| format!("the webhook receiver could not listen on port {port}: {e}"))?;
        let log: Log = Arc::default();
        let store = log.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
                let store = store.clone();
                let mut gate = gate.clone();
                async move {
                    let _ = gate.wait_for(|open| *open).await;
                    let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                    let got = Got {
                        webhook_id: headers
                            .get("webhook-id")
                            .and_then(|h| h.to_str().ok())
                            .unwrap_or("")
                            .to_string(),
                        event_type: v["type"].as_str().unwrap_or("").to_string(),
                        account: v["data"]["id"].as_str().unwrap_or("").to_string(),
                        at: Instant::now(),
                    };
                    if let Ok(mut l) = store.lock() {
                        l.push(got);
                    }
                    axum::http::StatusCode::NO_CONTENT
                }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(log)
    }

    /// Links one account for a new owner: its id.
    async fn link(
        conn: &mut Conn,
        basic: &str,
        connector: &str,
        owner: &str,
        timeout: Duration,
    ) -> Result<String, String> {
        let body =
            serde_json::json!({"origin_owner_id": owner, "origin_owner_name": owner}).to_string();
        let headers = [
            ("authorization", basic),
            ("content-type", "application/json"),
        ];
        let r = conn
            .request(
                "POST",
                "/connect_sessions",
                &headers,
                Some(body.as_bytes()),
                timeout,
            )
            .await
            .map_err(|e| e.to_string())?;
        if r.status != 201 {
            return Err(r.describe());
        }
        let token = json_str(&r.body, "token").ok_or("no token")?;
        let mut secret = [0u8; 16];
        rand::rng().fill_bytes(&mut secret);
        let body = serde_json::json!({
            "integration_id": connector,
            "credentials": {
                "user_token": format!("user:{}", hex(&secret)),
                "organization": owner,
                "deployment": "prod",
            }
        })
        .to_string();
        let key = format!("{owner}-submit");
        let headers = [
            ("x-hub-session-token", token.as_str()),
            ("content-type", "application/json"),
            ("idempotency-key", key.as_str()),
        ];
        let mut last = String::new();
        for _ in 0..3 {
            match conn
                .request(
                    "POST",
                    "/hub/accounts",
                    &headers,
                    Some(body.as_bytes()),
                    timeout,
                )
                .await
            {
                Ok(r) if r.status == 201 => {
                    return json_str(&r.body, "id").ok_or_else(|| "201 without an id".into());
                }
                Ok(r) if r.status >= 500 || r.status == 409 => last = r.describe(),
                Ok(r) => return Err(r.describe()),
                Err(e) => last = e.to_string(),
            }
        }
        Err(last)
    }

    pub async fn run(args: Args, n: usize) -> Result<bool, String> {
        let port = args.receiver_port.ok_or("--drain needs --receiver-port")?;
        let (addr, host) = parse_url(&args.url)?;
        let basic = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{}:", args.api_key))
        );
        let timeout = Duration::from_secs_f64(args.timeout.max(0.1));
        let (gate_tx, gate) = watch::channel(false);
        let log = receiver(port, gate).await?;
        let mut nonce = [0u8; 4];
        rand::rng().fill_bytes(&mut nonce);
        let nonce = hex(&nonce);
        eprintln!(
            "[bench] outbox drain: linking {n} accounts with {} clients while the receiver holds every webhook",
            args.clients
        );

        let next = Arc::new(AtomicUsize::new(0));
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..args.clients.max(1) {
            let (next, addr, host, basic, connector, nonce) = (
                next.clone(),
                addr.clone(),
                host.clone(),
                basic.clone(),
                args.connector.clone(),
                nonce.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let mut conn = Conn::new(&addr, &host);
                let mut ids = Vec::new();
                let mut errors = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    let owner = format!("drain-{nonce}-{i}");
                    match link(&mut conn, &basic, &connector, &owner, timeout).await {
                        Ok(id) => ids.push(id),
                        Err(e) => errors.push(e),
                    }
                }
                (ids, errors)
            }));
        }
        let mut created = HashSet::new();
        let mut errors = Vec::new();
        for t in tasks {
            let (ids, errs) = t.await.map_err(|e| format!("a client task failed: {e}"))?;
            created.extend(ids);
            errors.extend(errs);
        }
        let linking = started.elapsed().as_secs_f64();
        let answered_early = log.lock().map(|l| l.len()).unwrap_or(0);

        // Let the receiver answer; time until every account's account.created came.
        let opened = Instant::now();
        let _ = gate_tx.send(true);
        let patience = Duration::from_secs(60) + Duration::from_millis(n as u64 * 10);
        loop {
            let seen: HashSet<String> = log
                .lock()
                .map(|l| {
                    l.iter()
                        .filter(|g| g.event_type == "account.created")
                        .map(|g| g.account.clone())
                        .collect()
                })
                .unwrap_or_default();
            if created.iter().all(|id| seen.contains(id)) || opened.elapsed() > patience {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let log = log.lock().map_err(|_| "the receiver's log is poisoned")?;
        let mut first_at: HashMap<&str, Instant> = HashMap::new();
        let mut ids_per_account: HashMap<&str, HashSet<&str>> = HashMap::new();
        for g in log.iter().filter(|g| g.event_type == "account.created") {
            ids_per_account
                .entry(&g.account)
                .or_default()
                .insert(&g.webhook_id);
            let at = first_at.entry(&g.account).or_insert(g.at);
            *at = (*at).min(g.at);
        }
        let delivered = created
            .iter()
            .filter(|id| first_at.contains_key(id.as_str()))
            .count();
        let last = created
            .iter()
            .filter_map(|id| first_at.get(id.as_str()))
            .max()
            .copied()
            .unwrap_or(opened);
        let secs = last
            .saturating_duration_since(opened)
            .as_secs_f64()
            .max(1e-3);
        let rate = delivered as f64 / secs;
        let repeated = log.len().saturating_sub(first_at.len());
        let unstable = ids_per_account.values().filter(|s| s.len() != 1).count();

        println!();
        println!(
            "webhook outbox drain: {} storage, {} accounts linked in {linking:.1} s ({:.0}/s) while \
             the receiver held every delivery",
            super::backend_name(&args.backend),
            created.len(),
            created.len() as f64 / linking.max(1e-3)
        );
        println!(
            "  drained: {delivered} of {} account.created in {secs:.2} s after the receiver \
             began answering = {rate:.0} events/s",
            created.len()
        );
        println!(
            "  {repeated} deliveries repeated (same webhook-id, at-least-once), {unstable} \
             accounts with other than one webhook-id, {answered_early} answered before the gate \
             opened"
        );
        println!(
            "  goal: ≥ 2,000 events/s to a loopback receiver ......... {} ({rate:.0}/s)",
            met(rate >= GOAL_EVENTS_PER_S)
        );
        for e in errors.iter().take(5) {
            println!("    link failed: {e}");
        }
        let ok = errors.is_empty()
            && !created.is_empty()
            && delivered == created.len()
            && unstable == 0
            && answered_early == 0;
        println!(
            "  result: {}",
            if ok {
                "OK — every account's account.created arrived, under one webhook-id"
            } else {
                "FAILED"
            }
        );
        Ok(ok)
    }
}
