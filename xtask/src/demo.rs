//! `cargo xtask demo`: set up, build, and run the reference server with the demo catalog.

use std::path::Path;

use crate::build;
use crate::util::{Result, cmd, fail, info, output, root, step};

const TAG: &str = "demo";

pub fn demo(args: &[String]) -> Result {
    let port = parse_port(args, "demo")?;
    crate::setup::setup()?;
    let dist = build::widget()?;
    let server = build::server()?;
    let serve = prepare(&server, port, &dist)?;
    info(TAG, "starting the server (Ctrl-C stops it)");
    exec(serve)
}

/// Makes the demo's data folder, project API key and connect sessions, prints the links,
/// and returns the command that serves the widget in `web_dir` on `127.0.0.1:port` (for
/// `demo`, and for `dev` with its development widget).
pub fn prepare(server: &Path, port: u16, web_dir: &Path) -> Result<std::process::Command> {
    let data_dir = root().join(".linkhub");
    std::fs::create_dir_all(&data_dir)?;
    let public_url = format!("http://127.0.0.1:{port}");

    let key_file = demo_api_key(&data_dir)?;
    step(TAG, "creating connect sessions for the demo user");
    let link = demo_session(server, &data_dir, &public_url, "demo-user", &[])?;
    let onboarding = demo_session(
        server,
        &data_dir,
        &public_url,
        "demo-onboarding-user",
        ONBOARDING_PLAN,
    )?;
    let embed = demo_session(server, &data_dir, &public_url, "demo-embed-user", &[])?;
    let embed_token = embed
        .split_once("#token=")
        .map(|(_, t)| t.to_string())
        .unwrap_or_default();

    println!();
    println!("  linkhub demo — data in {}", data_dir.display());
    println!();
    println!("  Auth link (valid 24 hours; open it in a browser):");
    println!("    {link}");
    println!();
    println!("  Onboarding link (a three-step checklist: an HRIS, Dagster, Oneflow;");
    println!("  its progress is kept for the user across visits):");
    println!("    {onboarding}");
    println!();
    println!("  Embedding demo (a host page opening the Hub as a modal or inline):");
    println!("    {public_url}/examples/host.html#token={embed_token}");
    println!();
    println!("  Operator console (sign in with the demo project's API key, kept in");
    println!("  {}):", key_file.display());
    println!("    {public_url}/console");
    println!("  API description: {public_url}/openapi.json");
    println!("  Stop with Ctrl-C; a second run reuses the data.");
    println!();

    let mut serve = server_cmd(server, &data_dir, &public_url);
    serve
        .args(["serve", "--port", &port.to_string()])
        .arg("--web-dir")
        .arg(web_dir)
        .arg("--examples-dir")
        .arg(root().join("examples"));
    Ok(serve)
}

/// The demo's onboarding plan, as `session create --step` takes it: any HRIS connector,
/// then Dagster, then Oneflow.
const ONBOARDING_PLAN: &[&str] = &["category:hris", "provider:dagster", "provider:oneflow"];

/// Creates a 24-hour connect session (with these onboarding `steps`, if any) and returns
/// its auth link.
fn demo_session(
    server: &Path,
    data_dir: &Path,
    public_url: &str,
    owner: &str,
    steps: &[&str],
) -> Result<String> {
    let mut command = server_cmd(server, data_dir, public_url);
    command
        .args(["session", "create", "--owner-id", owner])
        .args(["--owner-name", "Demo Company"])
        .args(["--username", "demo@example.com"])
        .args(["--expires-in", "86400"]);
    for step in steps {
        command.args(["--step", step]);
    }
    let session = output(&mut command)?;
    auth_link_of(&session)
        .ok_or_else(|| crate::util::Failure("the session answer had no auth link".into()))
}

/// The demo project's API key: made once from the OS's random source and kept in the data
/// folder with owner-only permissions, so the console can be signed into on every run.
fn demo_api_key(data_dir: &Path) -> Result<std::path::PathBuf> {
    use std::io::Read;
    let path = data_dir.join("demo-api-key");
    if !path.exists() {
        let mut bytes = [0u8; 24];
        std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
        let key: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        write_private(&path, &format!("lh_demo_{key}\n"))?;
    }
    Ok(path)
}

#[cfg(unix)]
fn write_private(path: &Path, content: &str) -> Result {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(content.as_bytes())?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &Path, content: &str) -> Result {
    Ok(std::fs::write(path, content)?)
}

/// The server command with the demo's data directory, catalog and API key.
fn server_cmd(bin: &Path, data_dir: &Path, public_url: &str) -> std::process::Command {
    let key = std::fs::read_to_string(data_dir.join("demo-api-key")).unwrap_or_default();
    let mut c = cmd(bin);
    c.env("LINKHUB_API_KEY", key.trim());
    c.arg("--data-dir")
        .arg(data_dir)
        .arg("--catalog")
        .arg(root().join("catalog"))
        .args(["--public-url", public_url]);
    c
}

#[cfg(unix)]
fn exec(mut c: std::process::Command) -> Result {
    use std::os::unix::process::CommandExt;
    // Replacing this process hands Ctrl-C straight to the server, which shuts down cleanly.
    let err = c.exec();
    fail(format!("could not start the server: {err}"))
}

#[cfg(not(unix))]
fn exec(mut c: std::process::Command) -> Result {
    crate::util::run(&mut c)
}

/// `--port N` (8080 when not given), the one option of `demo` and `dev` (`command`).
pub fn parse_port(args: &[String], command: &str) -> Result<u16> {
    let mut port = 8080;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--port" => {
                let v = it.next().map(String::as_str).unwrap_or("");
                port = v.parse().map_err(|_| {
                    crate::util::Failure(format!("--port wants a number, not `{v}`"))
                })?;
            }
            other => {
                return fail(format!("unknown {command} option `{other}` (try --port N)"));
            }
        }
    }
    Ok(port)
}

/// The `auth link: …` line of `linkhub-server session create`'s plain output.
fn auth_link_of(output: &str) -> Option<String> {
    output
        .lines()
        .find_map(|l| l.strip_prefix("auth link:"))
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_auth_link_from_session_create() {
        let out = "token: abc\nauth link: http://127.0.0.1:8080/link#token=abc\nexpires: x\n";
        assert_eq!(
            auth_link_of(out).as_deref(),
            Some("http://127.0.0.1:8080/link#token=abc")
        );
        assert_eq!(auth_link_of("token: abc\n"), None);
        assert_eq!(auth_link_of("auth link:   \n"), None);
    }

    #[test]
    fn port_must_be_a_number() {
        assert!(parse_port(&["--port".into(), "x".into()], "demo").is_err());
        assert_eq!(
            parse_port(&["--port".into(), "9000".into()], "demo").ok(),
            Some(9000)
        );
        assert_eq!(parse_port(&[], "dev").ok(), Some(8080));
        let err = parse_port(&["--verbose".into()], "dev").expect_err("unknown option");
        assert!(err.0.contains("unknown dev option `--verbose`"), "{err}");
    }
}
