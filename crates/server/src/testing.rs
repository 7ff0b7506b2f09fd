//! Test support usable outside this crate (the xtask includes this file with `#[path]`):
//! a throwaway PostgreSQL cluster on 127.0.0.1. Standard library only on purpose.
//!
//! `initdb` into a folder, `pg_ctl start` on a free loopback port with the socket in the
//! same folder; as root everything runs as the `postgres` user (PostgreSQL refuses root).
//! Dropping the [`PgCluster`] stops the server and removes the folder.

use std::io;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A running PostgreSQL cluster.
#[derive(Debug)]
pub struct PgCluster {
    dir: PathBuf,
    bin: PathBuf,
    as_postgres: bool,
    /// Superuser URL, e.g. `postgres://postgres@127.0.0.1:PORT/postgres`.
    pub url: String,
    pub port: u16,
}

/// Debian's `/usr/lib/postgresql/<newest>/bin`, or the folder of `initdb` on PATH.
pub fn pg_bin_dir() -> io::Result<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter_map(|e| {
                    let v = e.file_name().to_str()?.parse::<u32>().ok()?;
                    let bin = e.path().join("bin");
                    bin.join("initdb").is_file().then_some((v, bin))
                })
                .collect()
        })
        .unwrap_or_default();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .find(|p| p.join("initdb").is_file())
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                "PostgreSQL is not installed (apt-get install -y postgresql)",
            )
        })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// A free TCP port on 127.0.0.1 (free now; a race with other processes is possible).
pub fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn check(cmd: &mut Command, what: &str) -> io::Result<()> {
    let out = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).output()?;
    if out.status.success() {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "{what} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

impl PgCluster {
    /// Creates and starts a cluster in `dir` (created; must not hold another cluster).
    pub fn start(dir: &Path) -> io::Result<PgCluster> {
        let bin = pg_bin_dir()?;
        std::fs::create_dir_all(dir)?;
        let as_postgres = is_root();
        if as_postgres {
            check(
                Command::new("chown")
                    .args(["-R", "postgres:postgres"])
                    .arg(dir),
                "chown",
            )?;
        }
        let port = free_port()?;
        let cluster = PgCluster {
            dir: dir.to_path_buf(),
            bin,
            as_postgres,
            url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
            port,
        };
        let data = dir.join("data");
        check(
            cluster.pg("initdb").arg("-D").arg(&data).args([
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
            ]),
            "initdb",
        )?;
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off \
             -c synchronous_commit=off -c full_page_writes=off -c max_connections=300",
            dir.display()
        );
        let started = check(
            cluster
                .pg("pg_ctl")
                .arg("-D")
                .arg(&data)
                .args(["-o", &opts, "-l"])
                .arg(dir.join("log"))
                .args(["-w", "-t", "60", "start"]),
            "pg_ctl start",
        );
        if let Err(e) = started {
            let log = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
            return Err(io::Error::other(format!("{e}\n{log}")));
        }
        Ok(cluster)
    }

    /// A new cluster in a fresh folder under the system temp dir.
    pub fn start_temp() -> io::Result<PgCluster> {
        let dir = std::env::temp_dir().join(format!(
            "linkhub-pg-{}-{}",
            std::process::id(),
            free_port()?
        ));
        let _ = std::fs::remove_dir_all(&dir);
        PgCluster::start(&dir)
    }

    fn pg(&self, tool: &str) -> Command {
        let exe = self.bin.join(tool);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(exe);
            c
        } else {
            Command::new(exe)
        }
    }

    /// Stops the server (fast shutdown).
    pub fn stop(&self) -> io::Result<()> {
        check(
            self.pg("pg_ctl")
                .arg("-D")
                .arg(self.dir.join("data"))
                .args(["-m", "fast", "-w", "stop"]),
            "pg_ctl stop",
        )
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let _ = self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
