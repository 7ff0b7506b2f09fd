//! The `linkhub-server` command line. Every subcommand works on the same data directory,
//! whether or not a server is running on it.
//!
//! Settings come from flags, then environment variables, then `linkhub.toml` in the data
//! directory (or `--config`), then defaults.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use serde::Deserialize;
use tokio::sync::watch;

use crate::catalog::Catalog;
use crate::crypto::SecretKey;
use crate::db::{self, Db};
use crate::project::{self, DataDirLock, Project};
use crate::state::{AppState, Inner, Settings};
use crate::{accounts, app, clock, sessions, webhooks};
use linkhub_protocol::api::CreateConnectSession;
use linkhub_protocol::onboarding::OnboardingStep;

/// `--step provider:KEY`, `--step category:KEY`, either with `:optional` after it.
fn parse_step(text: &str) -> Result<OnboardingStep, String> {
    let mut parts = text.split(':');
    let kind = parts.next().unwrap_or_default();
    let key = parts.next().unwrap_or_default().trim();
    let optional = match parts.next() {
        None => false,
        Some("optional") => true,
        Some(_) => return Err("only `:optional` may follow the key".into()),
    };
    if key.is_empty() || parts.next().is_some() {
        return Err("write provider:KEY or category:KEY (then :optional if it is)".into());
    }
    let mut step = OnboardingStep {
        optional,
        ..OnboardingStep::default()
    };
    match kind {
        "provider" => step.provider = Some(key.to_string()),
        "category" => step.category = Some(key.to_string()),
        _ => return Err("a step is provider:KEY or category:KEY".into()),
    }
    Ok(step)
}

/// linkhub reference server: connect sessions, the Hub API, accounts and signed webhooks.
#[derive(Debug, Parser)]
#[command(name = "linkhub-server", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options shared by every subcommand.
#[derive(Debug, Args)]
pub struct Global {
    /// Data directory: SQLite database, encryption key (secret.key) and optional linkhub.toml.
    #[arg(
        long,
        env = "LINKHUB_DATA_DIR",
        global = true,
        default_value = ".linkhub"
    )]
    pub data_dir: PathBuf,
    /// Config file [default: <data-dir>/linkhub.toml when it exists].
    #[arg(long, env = "LINKHUB_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Use PostgreSQL (postgres://…) instead of the SQLite file in the data directory.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// The project API key. Creates the project with this key, or replaces the stored key;
    /// without it a first run generates one and prints it once.
    #[arg(long, env = "LINKHUB_API_KEY", global = true, hide_env_values = true)]
    pub api_key: Option<String>,
    /// Connector catalog folder [default: catalog].
    #[arg(long, env = "LINKHUB_CATALOG", global = true)]
    pub catalog: Option<PathBuf>,
    /// Base URL end users reach the server at, for auth links, logos and OAuth redirects
    /// [default: http://<host>:<port>].
    #[arg(long, env = "LINKHUB_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// An origin allowed to call /hub/* and to frame the hub (repeatable; env: comma-separated)
    /// [default: the public URL's origin].
    #[arg(
        long = "allowed-origin",
        env = "LINKHUB_ALLOWED_ORIGINS",
        value_delimiter = ',',
        global = true
    )]
    pub allowed_origins: Vec<String>,
    /// The origin of another StackOne-style API the hub pages may send sessions and
    /// credentials to (a host's `baseUrl`, an auth link's `base`): added to their
    /// Content-Security-Policy's `connect-src` (repeatable; env: comma-separated). An https:
    /// origin, or http: on a loopback host. [default: none; the hub calls this server]
    #[arg(
        long = "api-origin",
        env = "LINKHUB_API_ORIGINS",
        value_delimiter = ',',
        global = true
    )]
    pub api_origins: Vec<String>,
    /// Where account.created/updated/deleted webhooks are POSTed.
    #[arg(long, env = "LINKHUB_WEBHOOK_URL", global = true)]
    pub webhook_url: Option<String>,
    /// First webhook retry delay in milliseconds; doubles per failure [default: 5000].
    #[arg(long, env = "LINKHUB_WEBHOOK_RETRY_BASE_MS", global = true)]
    pub webhook_retry_base_ms: Option<u64>,
    /// Failed attempts before a webhook delivery is given up [default: 15].
    #[arg(long, env = "LINKHUB_WEBHOOK_MAX_ATTEMPTS", global = true)]
    pub webhook_max_attempts: Option<i64>,
    /// Log filter (tracing EnvFilter syntax), written to stderr [default: info].
    #[arg(long, env = "LINKHUB_LOG", global = true)]
    pub log: Option<String>,
    /// Shared secrets: encryption keys, API key and webhook secret from files or env.
    #[command(flatten)]
    pub secrets: crate::keys::SecretArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server: the API, the hub pages (/link, /embed), the loader
    /// (/linkhub.js) and the operator console (/console, signed in with the API key).
    Serve(ServeArgs),
    /// Connect sessions.
    #[command(subcommand)]
    Session(SessionCommand),
    /// Linked accounts.
    #[command(subcommand)]
    Accounts(AccountsCommand),
    /// The project of this data directory.
    #[command(subcommand)]
    Project(ProjectCommand),
    /// Connector guides.
    #[command(subcommand)]
    Guide(GuideCommand),
    /// Connector catalogs.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// The sandbox provider (the `sandbox` connector's test keys).
    #[command(subcommand)]
    Sandbox(crate::sandbox::SandboxCommand),
    /// Encryption keys: generate, rotate, re-encrypt stored secrets, status.
    #[command(subcommand)]
    Keys(crate::keys::KeysCommand),
}

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Write a catalog of generated connectors (for benches and performance tests):
    /// keys synthetic-00000…, spread over twelve categories, every tenth one OAuth2.
    Synthetic {
        /// How many connectors.
        #[arg(long)]
        count: usize,
        /// The folder to write (created; existing connectors of the same keys are replaced).
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// TCP port; 0 picks a free one (the "listening on" line tells which) [default: 8080].
    #[arg(long, env = "LINKHUB_PORT")]
    pub port: Option<u16>,
    /// Address to listen on [default: 127.0.0.1].
    #[arg(long, env = "LINKHUB_HOST")]
    pub host: Option<String>,
    /// The widget's built files (Trunk's dist/), served at /, /link, /embed and /linkhub.js.
    #[arg(long, env = "LINKHUB_WEB_DIR")]
    pub web_dir: Option<PathBuf>,
    /// Example host pages (the repository's examples/), served at /examples/ with a
    /// host-page Content-Security-Policy that lets them frame the hub.
    #[arg(long, env = "LINKHUB_EXAMPLES_DIR")]
    pub examples_dir: Option<PathBuf>,
    #[command(flatten)]
    pub verify: crate::verify::VerifyArgs,
}

#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// Create a connect session and print its token and auth link.
    Create(SessionCreate),
}

#[derive(Debug, Args)]
pub struct SessionCreate {
    /// The end user's id in your system.
    #[arg(long)]
    pub owner_id: String,
    /// The end user's (or their company's) name.
    #[arg(long)]
    pub owner_name: String,
    /// The person connecting, e.g. an email address.
    #[arg(long)]
    pub username: Option<String>,
    /// Only show connectors of this category (repeatable).
    #[arg(long = "category")]
    pub categories: Vec<String>,
    /// Open directly on this connector.
    #[arg(long)]
    pub provider: Option<String>,
    /// Edit / re-authenticate this existing account.
    #[arg(long)]
    pub account_id: Option<String>,
    /// Lifetime in seconds [default: 2592000, 30 days, as for a dashboard-made link].
    #[arg(long)]
    pub expires_in: Option<i64>,
    /// Allow several accounts for the same owner and connector.
    #[arg(long)]
    pub multiple: bool,
    /// A label for the account.
    #[arg(long)]
    pub label: Option<String>,
    /// An onboarding plan step (repeatable, in order): `provider:KEY` or `category:KEY`,
    /// with `:optional` after it for a step the user may skip.
    #[arg(long = "step", value_parser = parse_step)]
    pub steps: Vec<OnboardingStep>,
    /// Print the whole session as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// List linked accounts (never their secrets).
    List {
        #[arg(long)]
        owner_id: Option<String>,
        #[arg(long)]
        provider: Option<String>,
        /// active, inactive or error.
        #[arg(long)]
        status: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check stored accounts with their providers again: a credential that stopped working
    /// turns its account to error, one that works again back to active, each with an
    /// account.updated webhook (delivered by the running server).
    Verify {
        /// The account to check.
        #[arg(long, conflicts_with = "all", required_unless_present = "all")]
        account: Option<String>,
        /// Every account whose connector declares a check.
        #[arg(long)]
        all: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Let the checks reach loopback and private addresses (as `serve`'s flag).
        #[arg(long = "verify-allow-private", env = "LINKHUB_VERIFY_ALLOW_PRIVATE")]
        allow_private: bool,
        /// Let the checks use plain http (as `serve`'s flag).
        #[arg(long = "verify-allow-http", env = "LINKHUB_VERIFY_ALLOW_HTTP")]
        allow_http: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProjectCommand {
    /// Show the project: ids, webhook secret and settings.
    Show {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum GuideCommand {
    /// Convert a guide document to the Guide JSON the widget renders.
    Import {
        /// The guide file (seed markup).
        file: PathBuf,
        /// Only report problems (with line numbers); exit 1 if there are any.
        #[arg(long)]
        check: bool,
    },
}

/// `linkhub.toml`: the same settings as the flags, in snake_case.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    database_url: Option<String>,
    api_key: Option<String>,
    catalog: Option<PathBuf>,
    public_url: Option<String>,
    allowed_origins: Option<Vec<String>>,
    api_origins: Option<Vec<String>>,
    webhook_url: Option<String>,
    webhook_retry_base_ms: Option<u64>,
    webhook_max_attempts: Option<i64>,
    log: Option<String>,
    port: Option<u16>,
    host: Option<String>,
    web_dir: Option<PathBuf>,
    examples_dir: Option<PathBuf>,
    secret_key_file: Option<PathBuf>,
    api_key_file: Option<PathBuf>,
    webhook_secret_file: Option<PathBuf>,
    verify: Option<crate::verify::Policy>,
    verify_allow_private: Option<bool>,
    verify_allow_http: Option<bool>,
    verify_every: Option<String>,
}

impl FileConfig {
    fn secrets(&self) -> crate::keys::FileSecrets {
        crate::keys::FileSecrets {
            secret_key_file: self.secret_key_file.clone(),
            api_key_file: self.api_key_file.clone(),
            webhook_secret_file: self.webhook_secret_file.clone(),
        }
    }

    /// The credential-check keys of the file.
    fn verify(&self) -> crate::verify::VerifyFileConfig {
        crate::verify::VerifyFileConfig {
            verify: self.verify,
            verify_allow_private: self.verify_allow_private,
            verify_allow_http: self.verify_allow_http,
            verify_every: self.verify_every.clone(),
        }
    }
}

/// A failure with its exit code (2: configuration or catalog, 1: anything else).
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

fn fail(code: u8, message: impl Into<String>) -> Failure {
    Failure {
        code,
        message: message.into(),
    }
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("linkhub-server: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(f) => {
            eprintln!("linkhub-server: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

struct Resolved {
    file: FileConfig,
    data_dir: PathBuf,
}

fn load_file_config(g: &Global) -> Result<Resolved, Failure> {
    let path = g
        .config
        .clone()
        .unwrap_or_else(|| g.data_dir.join("linkhub.toml"));
    let file = match std::fs::read_to_string(&path) {
        Ok(text) => {
            toml::from_str(&text).map_err(|e| fail(2, format!("{}: {e}", path.display())))?
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && g.config.is_none() => {
            FileConfig::default()
        }
        Err(e) => return Err(fail(2, format!("{}: {e}", path.display()))),
    };
    Ok(Resolved {
        file,
        data_dir: g.data_dir.clone(),
    })
}

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}

/// Opens the data directory: key, database, project. Under the folder's lock, so that of
/// two processes starting on an empty folder one creates it all and the other uses it.
async fn open(g: &Global, r: &Resolved) -> Result<(SecretKey, Db, Project), Failure> {
    std::fs::create_dir_all(&r.data_dir)
        .map_err(|e| fail(2, format!("data dir {}: {e}", r.data_dir.display())))?;
    let lock = DataDirLock::acquire(&r.data_dir)
        .map_err(|e| fail(2, format!("data dir {}: lock: {e}", r.data_dir.display())))?;
    let file_secrets = r.file.secrets();
    let env = |name: &str| std::env::var(name).ok();
    let keys = crate::keys::encryption_keys(&g.secrets, &file_secrets, env, &r.data_dir)
        .map_err(|e| fail(2, e))?;
    let api_key = crate::keys::api_key(
        g.api_key.as_deref(),
        &g.secrets,
        r.file.api_key.as_deref(),
        &file_secrets,
    )
    .map_err(|e| fail(2, e))?;
    let webhook_secret =
        crate::keys::webhook_secret(&g.secrets, &file_secrets, env).map_err(|e| fail(2, e))?;
    let url = g
        .database_url
        .clone()
        .or_else(|| r.file.database_url.clone());
    let db = db::connect(url.as_deref(), &r.data_dir)
        .await
        .map_err(|e| fail(1, format!("database: {e}")))?;
    if db.backend == db::Backend::Postgres && keys.from_data_dir {
        tracing::warn!(
            "the encryption key is this data folder's own secret.key: every server on this \
             database needs the same keys (set LINKHUB_SECRET_KEY or LINKHUB_SECRET_KEY_FILE; \
             see docs/deploy.md)"
        );
    }
    let configured = project::Configured {
        api_key: api_key.as_deref(),
        webhook_secret: webhook_secret.as_deref(),
    };
    let boot = project::bootstrap_with(&db, &keys.key, configured)
        .await
        .map_err(|e| match e {
            project::ProjectError::Key(_) => fail(2, crate::keys::wrong_key_message(&e, &keys)),
            project::ProjectError::Db(e) => fail(1, format!("project: {e}")),
        })?;
    drop(lock);
    if let Some(generated) = boot.generated_api_key {
        // Shown once: only its hash is stored.
        eprintln!(
            "linkhub-server: created a project; its API key (shown only now) is:\n  {generated}"
        );
    }
    Ok((keys.key, db, boot.project))
}

/// `linkhub-server keys …`.
async fn keys_command(
    g: &Global,
    r: &Resolved,
    command: &crate::keys::KeysCommand,
) -> Result<ExitCode, Failure> {
    use crate::keys::{self, KeysCommand};
    match command {
        KeysCommand::Generate { webhook_secret } => {
            println!("{}", keys::generate(*webhook_secret));
        }
        KeysCommand::Rotate => {
            let env = |name: &str| std::env::var(name).ok();
            if env(keys::SECRET_KEY_ENV).is_some_and(|v| !v.trim().is_empty()) {
                return Err(fail(
                    2,
                    format!(
                        "the keys come from {}: put a new key (`linkhub-server keys generate`) \
                         first in it on every server, restart them, then run `keys re-encrypt`",
                        keys::SECRET_KEY_ENV
                    ),
                ));
            }
            let path = g
                .secrets
                .secret_key_file
                .clone()
                .or_else(|| r.file.secret_key_file.clone())
                .unwrap_or_else(|| r.data_dir.join("secret.key"));
            let id = keys::rotate_file(&path).map_err(|e| fail(2, e.to_string()))?;
            println!(
                "key {id} is now first in {}: restart every server with this file, then run \
                 `linkhub-server keys re-encrypt`",
                path.display()
            );
        }
        KeysCommand::ReEncrypt { batch } => {
            let (key, db, _) = open(g, r).await?;
            let report = keys::re_encrypt(&db, &key, *batch)
                .await
                .map_err(|e| fail(1, format!("database: {e}")));
            db.close().await;
            let report = report?;
            println!(
                "sealed again with key {}: {}; already with it: {}; rows retried: {}",
                key.current_id(),
                report.resealed,
                report.current,
                report.retried
            );
            if !report.unreadable.is_empty() {
                for place in &report.unreadable {
                    eprintln!("not opened: {place}");
                }
                return Err(fail(
                    1,
                    format!(
                        "{} stored secrets could not be opened with this server's keys and were \
                         left as they are",
                        report.unreadable.len()
                    ),
                ));
            }
        }
        KeysCommand::Status { json } => {
            let (key, db, _) = open(g, r).await?;
            let census = keys::census(&db, &key).await;
            db.close().await;
            let census = census.map_err(|e| fail(1, format!("database: {e}")))?;
            if *json {
                print_json(&census)?;
            } else {
                let known = key.ids();
                for (id, count) in &census.by_key {
                    let note = if *id == census.current {
                        " (current)"
                    } else if known.contains(&id.as_str()) {
                        " (older: run `keys re-encrypt`)"
                    } else if id == "legacy" {
                        " (sealed before key ids: run `keys re-encrypt`)"
                    } else {
                        " (NOT among this server's keys)"
                    };
                    println!("{id}: {count}{note}");
                }
                if census.by_key.is_empty() {
                    println!("no stored secrets; current key {}", census.current);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// An `--api-origin`: an http(s) origin (scheme, host, optional port, nothing else) in the
/// form the browser compares (`https://api.example.com`), http: only on a loopback host (the
/// widget sends a token over plain HTTP nowhere else).
fn api_origin(raw: &str) -> Result<String, String> {
    let bad = |why: &str| format!("--api-origin {raw:?}: {why}");
    let url = url::Url::parse(raw.trim()).map_err(|e| bad(&e.to_string()))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => return Err(bad("plain http: is allowed only on a loopback host")),
        _ => return Err(bad("not an http(s) origin")),
    }
    if !url.username().is_empty()
        || url.password().is_some()
        || url.path() != "/"
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return Err(bad(
            "an origin is a scheme, a host and an optional port, nothing else",
        ));
    }
    Ok(url.origin().ascii_serialization())
}

fn origin_of(url: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()
        .map(|u| u.origin().ascii_serialization())
        .filter(|o| o != "null")
}

async fn run(cli: Cli) -> Result<ExitCode, Failure> {
    let g = &cli.global;
    let r = load_file_config(g)?;
    init_logging(
        g.log
            .as_deref()
            .or(r.file.log.as_deref())
            .unwrap_or("info,sqlx=warn,tower_http=info"),
    );
    match &cli.command {
        Command::Guide(GuideCommand::Import { file, check }) => guide_import(file, *check),
        Command::Catalog(CatalogCommand::Synthetic { count, out }) => {
            linkhub_protocol::catalog::synthetic_catalog(*count, out)
                .map_err(|e| fail(1, format!("{}: {e}", out.display())))?;
            println!("wrote {count} connectors to {}", out.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve(args) => serve(g, &r, args).await,
        Command::Keys(command) => keys_command(g, &r, command).await,
        Command::Sandbox(cmd) => {
            println!(
                "{}",
                cmd.run(&r.data_dir).map_err(|e| fail(1, e.to_string()))?
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Session(SessionCommand::Create(args)) => {
            let (_, db, project) = open(g, &r).await?;
            let public_url = g
                .public_url
                .clone()
                .or_else(|| r.file.public_url.clone())
                .unwrap_or_else(|| {
                    format!(
                        "http://{}:{}",
                        r.file.host.as_deref().unwrap_or("127.0.0.1"),
                        r.file.port.unwrap_or(8080)
                    )
                });
            let catalog_dir = catalog_dir(g, &r);
            let catalog = if args.steps.is_empty() {
                Catalog::default()
            } else {
                Catalog::load(&catalog_dir)
                    .map_err(|e| fail(2, format!("invalid catalog:\n{e}")))?
            };
            let req = CreateConnectSession {
                onboarding: (!args.steps.is_empty()).then(|| args.steps.clone()),
                origin_owner_id: args.owner_id.clone(),
                origin_owner_name: args.owner_name.clone(),
                origin_username: args.username.clone(),
                categories: (!args.categories.is_empty()).then(|| args.categories.clone()),
                provider: args.provider.clone(),
                account_id: args.account_id.clone(),
                expires_in: Some(args.expires_in.unwrap_or(30 * 24 * 3600)),
                multiple: Some(args.multiple),
                label: args.label.clone(),
                ..CreateConnectSession::default()
            };
            let session = sessions::create_session(&db, None, &catalog, &project, &public_url, req)
                .await
                .map_err(|e| {
                    let body = e.body();
                    let mut message = body.message;
                    for (k, v) in body.fields.unwrap_or_default() {
                        message.push_str(&format!("\n  {k}: {v}"));
                    }
                    fail(if e.status().is_client_error() { 2 } else { 1 }, message)
                })?;
            if args.json {
                print_json(&session)?;
            } else {
                println!("token: {}", session.token.expose());
                println!("auth link: {}", session.auth_link_url.expose());
                println!("expires: {}", session.expires_at);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Accounts(AccountsCommand::List {
            owner_id,
            provider,
            status,
            json,
        }) => {
            let (_, db, project) = open(g, &r).await?;
            let catalog_dir = catalog_dir(g, &r);
            let catalog = Catalog::load(&catalog_dir).unwrap_or_default();
            let rows = accounts::store::list(
                &db,
                &project.id,
                owner_id.as_deref(),
                provider.as_deref(),
                status.as_deref(),
            )
            .await
            .map_err(|e| fail(1, e.to_string()))?;
            let accounts: Vec<_> = rows.iter().map(|a| a.to_account(&catalog)).collect();
            if *json {
                print_json(&accounts)?;
            } else if accounts.is_empty() {
                println!("no accounts");
            } else {
                println!(
                    "{:<36}  {:<14}  {:<20}  {:<20}  {:<8}  CREATED",
                    "ID", "PROVIDER", "OWNER ID", "OWNER NAME", "STATUS"
                );
                for a in &accounts {
                    println!(
                        "{:<36}  {:<14}  {:<20}  {:<20}  {:<8}  {}",
                        a.id,
                        a.provider,
                        a.origin_owner_id,
                        a.origin_owner_name,
                        a.status.as_str(),
                        a.created_at
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Accounts(AccountsCommand::Verify {
            account,
            all: _,
            json,
            allow_private,
            allow_http,
        }) => {
            let (key, db, project) = open(g, &r).await?;
            let f = &r.file;
            let catalog_dir = catalog_dir(g, &r);
            let catalog = Catalog::load(&catalog_dir)
                .map_err(|e| fail(2, format!("invalid catalog:\n{e}")))?;
            let args = crate::verify::VerifyArgs {
                allow_private: *allow_private,
                allow_http: *allow_http,
                ..crate::verify::VerifyArgs::default()
            };
            let settings = crate::verify::VerifySettings::resolve(&args, &f.verify())
                .map_err(|e| fail(2, e))?;
            // `{self}` checks (the sandbox) go to the running server.
            let public_url = g
                .public_url
                .clone()
                .or_else(|| f.public_url.clone())
                .unwrap_or_else(|| {
                    format!(
                        "http://{}:{}",
                        f.host.as_deref().unwrap_or("127.0.0.1"),
                        f.port.unwrap_or(8080)
                    )
                });
            let checker = crate::verify::Checker::new(settings, Some(public_url));
            let report = accounts::health::verify(
                &db,
                &key,
                &catalog,
                &project.id,
                &checker,
                account.as_deref(),
            )
            .await
            .map_err(|e| fail(1, e.to_string()))?;
            db.close().await;
            if *json {
                print_json(&report)?;
            } else if report.is_empty() {
                println!("no account to check");
            } else {
                for c in &report {
                    println!(
                        "{:<36}  {:<14}  {:<12}  {:<8}{}",
                        c.account_id,
                        c.provider,
                        c.result,
                        c.status,
                        if c.changed { "  (changed)" } else { "" }
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Project(ProjectCommand::Show { json }) => {
            let (_, db, project) = open(g, &r).await?;
            let info = serde_json::json!({
                "project_id": project.id,
                "organization_id": project.organization_id,
                "name": project.name,
                "created_at": clock::rfc3339(project.created_at),
                "webhook_secret": project.webhook_secret,
                "webhook_url": g.webhook_url.clone().or_else(|| r.file.webhook_url.clone()),
                "database": match db.backend { db::Backend::Sqlite => "sqlite", db::Backend::Postgres => "postgres" },
                "data_dir": r.data_dir.display().to_string(),
            });
            if *json {
                print_json(&info)?;
            } else if let Some(map) = info.as_object() {
                for (k, v) in map {
                    match v {
                        serde_json::Value::String(s) => println!("{k}: {s}"),
                        serde_json::Value::Null => println!("{k}: (not set)"),
                        other => println!("{k}: {other}"),
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value).map_err(|e| fail(1, e.to_string()))?;
    println!("{text}");
    Ok(())
}

fn guide_import(file: &Path, check: bool) -> Result<ExitCode, Failure> {
    let src =
        std::fs::read_to_string(file).map_err(|e| fail(2, format!("{}: {e}", file.display())))?;
    if check {
        let problems = linkhub_protocol::import::check_guide(&src);
        for p in &problems {
            println!("{}:{}: {}", file.display(), p.line, p.message);
        }
        return Ok(if problems.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    let guide = linkhub_protocol::import::import_guide(&src)
        .map_err(|e| fail(1, format!("{}: {e}", file.display())))?;
    print_json(&guide)?;
    Ok(ExitCode::SUCCESS)
}

/// The catalog folder: `--catalog`, else `catalog` in `linkhub.toml`, else `./catalog`.
fn catalog_dir(g: &Global, r: &Resolved) -> PathBuf {
    g.catalog
        .clone()
        .or_else(|| r.file.catalog.clone())
        .unwrap_or_else(|| PathBuf::from("catalog"))
}

async fn serve(g: &Global, r: &Resolved, args: &ServeArgs) -> Result<ExitCode, Failure> {
    let f = &r.file;
    let catalog_dir = catalog_dir(g, r);
    // Check the catalog before touching anything else: a broken one must not half-start.
    let catalog =
        Catalog::load(&catalog_dir).map_err(|e| fail(2, format!("invalid catalog:\n{e}")))?;
    let api_origins = if g.api_origins.is_empty() {
        f.api_origins.clone().unwrap_or_default()
    } else {
        g.api_origins.clone()
    };
    let api_origins = api_origins
        .iter()
        .filter(|o| !o.trim().is_empty())
        .map(|o| api_origin(o))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| fail(2, e))?;
    let (key, db, project) = open(g, r).await?;
    let host = args
        .host
        .clone()
        .or_else(|| f.host.clone())
        .unwrap_or_else(|| "127.0.0.1".into());
    let port = args.port.or(f.port).unwrap_or(8080);
    let listener = tokio::net::TcpListener::bind((host.as_str(), port))
        .await
        .map_err(|e| fail(1, format!("cannot listen on {host}:{port}: {e}")))?;
    let local: SocketAddr = listener.local_addr().map_err(|e| fail(1, e.to_string()))?;
    let shown_host = if local.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else if local.is_ipv6() {
        format!("[{}]", local.ip())
    } else {
        local.ip().to_string()
    };
    let own_url = format!("http://{shown_host}:{}", local.port());
    let public_url = g
        .public_url
        .clone()
        .or_else(|| f.public_url.clone())
        .unwrap_or_else(|| own_url.clone())
        .trim_end_matches('/')
        .to_string();
    let mut allowed_origins = if g.allowed_origins.is_empty() {
        f.allowed_origins.clone().unwrap_or_default()
    } else {
        g.allowed_origins.clone()
    };
    allowed_origins.retain(|o| !o.trim().is_empty());
    if allowed_origins.is_empty() {
        allowed_origins.extend(origin_of(&public_url));
    }
    let web_dir = args.web_dir.clone().or_else(|| f.web_dir.clone());
    if let Some(dir) = &web_dir
        && !dir.join("index.html").is_file()
    {
        tracing::warn!(dir = %dir.display(), "--web-dir has no index.html");
    }
    let examples_dir = args.examples_dir.clone().or_else(|| f.examples_dir.clone());
    if let Some(dir) = &examples_dir
        && !dir.is_dir()
    {
        return Err(fail(
            2,
            format!("--examples-dir {} is not a folder", dir.display()),
        ));
    }
    let verify = crate::verify::VerifySettings::resolve(&args.verify, &f.verify())
        .map_err(|e| fail(2, e))?;
    let settings = Settings {
        verify,
        public_url,
        allowed_origins,
        api_origins,
        webhook_url: g
            .webhook_url
            .clone()
            .or_else(|| f.webhook_url.clone())
            .filter(|u| !u.is_empty()),
        web_dir,
        examples_dir,
        webhook_retry_base_ms: g
            .webhook_retry_base_ms
            .or(f.webhook_retry_base_ms)
            .unwrap_or(5000)
            .max(1),
        webhook_max_attempts: g
            .webhook_max_attempts
            .or(f.webhook_max_attempts)
            .unwrap_or(15)
            .max(1),
    };
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(15))
        .user_agent(concat!("linkhub-server/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| fail(1, format!("http client: {e}")))?;
    let state = AppState(Arc::new(Inner::new(
        db, key, catalog, project, settings, http,
    )));
    let (stop_tx, stop_rx) = watch::channel(false);
    let health = state
        .settings
        .verify
        .every
        .map(|every| tokio::spawn(health_every(state.clone(), every, stop_rx.clone())));
    let worker = tokio::spawn(webhooks::run(state.clone(), stop_rx));
    let router =
        app::router(state.clone()).merge(crate::sandbox::Sandbox::new(&r.data_dir).router());
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "linkhub-server listening on {own_url}");
        let _ = out.flush();
    }
    tracing::info!(
        connectors = state.catalog.connectors.len(),
        public_url = %state.settings.public_url,
        "serving"
    );
    crate::serve::serve(listener, router, shutdown_signal()).await;
    let _ = stop_tx.send(true);
    let _ = worker.await;
    if let Some(health) = health {
        let _ = health.await;
    }
    state.db.close().await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// `serve --verify-every`: account health passes on a jittered interval until the server
/// stops.
async fn health_every(state: AppState, every: std::time::Duration, stop: watch::Receiver<bool>) {
    crate::verify::health::run_every(every, stop, move || {
        let st = state.clone();
        async move {
            let run = accounts::health::verify(
                &st.db,
                &st.key,
                &st.catalog,
                &st.project.id,
                &st.checker,
                None,
            )
            .await;
            match run {
                Ok(report) => {
                    let changed = report.iter().filter(|c| c.changed).count();
                    if changed > 0 {
                        st.webhook_wake.notify_one();
                    }
                    tracing::info!(checked = report.len(), changed, "account health");
                }
                Err(e) => tracing::warn!(error = %e, "account health run failed"),
            }
        }
    })
    .await;
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

#[cfg(test)]
mod tests {
    use super::api_origin;

    #[test]
    fn api_origins_are_https_origins_or_http_on_loopback() {
        for (raw, want) in [
            ("https://api.example.com", "https://api.example.com"),
            ("https://API.example.com:443/", "https://api.example.com"),
            (
                "https://api.example.com:8443",
                "https://api.example.com:8443",
            ),
            ("http://127.0.0.1:9000", "http://127.0.0.1:9000"),
            ("http://localhost:3000/", "http://localhost:3000"),
            ("http://[::1]:4000", "http://[::1]:4000"),
        ] {
            assert_eq!(api_origin(raw).as_deref(), Ok(want), "{raw}");
        }
        for raw in [
            "api.example.com",
            "http://api.example.com",
            "https://api.example.com/v1",
            "https://user@api.example.com",
            "https://api.example.com?x",
            "ftp://api.example.com",
            "*",
        ] {
            let err = api_origin(raw).expect_err(raw);
            assert!(err.starts_with("--api-origin"), "{err}");
        }
    }
}
