//! A throwaway PostgreSQL cluster on 127.0.0.1 for the server's test suite.
//!
//! Made with Debian's `initdb` in a temporary folder and started with `pg_ctl` on a free
//! port; as root it runs as the `postgres` user (PostgreSQL refuses to run as root).
//! Dropping the guard stops it and removes the folder.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{Result, fail, free_port, info, is_root, run};

pub struct PgCluster {
    dir: PathBuf,
    bin: PathBuf,
    as_postgres: bool,
    pub url: String,
}

impl PgCluster {
    pub fn start() -> Result<PgCluster> {
        let bin = pg_bin_dir()?;
        let dir = std::env::temp_dir().join(format!("linkhub-pg-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir)?;
        let as_postgres = is_root();
        if as_postgres {
            run(Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&dir))?;
        }
        let port = free_port()?;
        let data = dir.join("data");
        let mut cluster = PgCluster {
            dir: dir.clone(),
            bin,
            as_postgres,
            url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
        };
        info("pg", &format!("initdb + pg_ctl start on 127.0.0.1:{port}"));
        let mut init = cluster.pg("initdb");
        init.arg("-D").arg(&data).args([
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
        ]);
        run(init.stdout(std::process::Stdio::null()))?;
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
            dir.display()
        );
        let mut start = cluster.pg("pg_ctl");
        start
            .arg("-D")
            .arg(&data)
            .args(["-o", &opts, "-l"])
            .arg(dir.join("log"))
            .args(["-w", "start"]);
        if let Err(e) = run(start.stdout(std::process::Stdio::null())) {
            let log = fs::read_to_string(dir.join("log")).unwrap_or_default();
            cluster.url.clear();
            return fail(format!("{e}\n{log}"));
        }
        Ok(cluster)
    }

    fn pg(&self, tool: &str) -> Command {
        let path = self.bin.join(tool);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        if !self.url.is_empty() {
            let mut stop = self.pg("pg_ctl");
            stop.arg("-D")
                .arg(self.dir.join("data"))
                .args(["-m", "immediate", "-w", "stop"])
                .stdout(std::process::Stdio::null());
            let _ = stop.status();
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Debian puts the server tools under /usr/lib/postgresql/<major>/bin.
fn pg_bin_dir() -> Result<PathBuf> {
    let root = Path::new("/usr/lib/postgresql");
    let mut majors: Vec<PathBuf> = fs::read_dir(root)
        .map_err(|_| {
            crate::util::Failure("PostgreSQL is not installed (run `cargo xtask setup`)".into())
        })?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    majors.sort();
    match majors.pop() {
        Some(p) => Ok(p),
        None => fail("no initdb under /usr/lib/postgresql/*/bin (run `cargo xtask setup`)"),
    }
}
