//! `cargo xtask dev`: the quick development loop. Builds a debug widget (incremental, with
//! panic messages in the browser console), serves it from the reference server on
//! `127.0.0.1` like `demo`, and rebuilds it whenever a file of the widget changes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use notify::{EventKind, RecursiveMode, Watcher};

use crate::build;
use crate::util::{Failure, Result, fail, info, root, step};

const TAG: &str = "dev";

/// The folders of the widget's sources, watched with everything in them.
const WATCHED_DIRS: [&str; 3] = ["src", "style", "locales"];
/// The widget's files at the root of the workspace.
const WATCHED_FILES: [&str; 1] = ["index.html"];

/// How long the watcher waits for a quiet moment before it rebuilds: an editor saves a file
/// in several steps (a temporary file, a rename), and one save should be one rebuild.
const QUIET: Duration = Duration::from_millis(200);

pub fn dev(args: &[String]) -> Result {
    let port = crate::demo::parse_port(args, "dev")?;
    crate::setup::setup()?;
    let dist = build::target_dir().join("dev-dist");
    let started = Instant::now();
    build::dev_widget(&dist)?;
    info(
        TAG,
        &format!(
            "development widget built in {:.1} s",
            started.elapsed().as_secs_f64()
        ),
    );
    let server = build::server()?;

    // Watching starts before the server, so no change made while it starts is missed.
    let (tx, rx) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(tx)
        .map_err(|e| Failure(format!("cannot watch the widget's files: {e}")))?;
    for dir in WATCHED_DIRS {
        let path = root().join(dir);
        watcher
            .watch(&path, RecursiveMode::Recursive)
            .map_err(|e| Failure(format!("cannot watch {}: {e}", path.display())))?;
    }
    // A file is watched through its folder: editors often replace a file by renaming a new
    // one over it, which a watch on the file itself would not follow.
    watcher
        .watch(&root(), RecursiveMode::NonRecursive)
        .map_err(|e| Failure(format!("cannot watch {}: {e}", root().display())))?;

    let mut serve = crate::demo::prepare(&server, port, &dist)?;
    let child = serve
        .spawn()
        .map_err(|e| Failure(format!("could not start the server: {e}")))?;
    let mut server = StopOnDrop(child);
    info(
        TAG,
        &format!(
            "serving the development widget from {} (server pid {}); watching {}/ and {} \
             (Ctrl-C stops both)",
            dist.strip_prefix(root()).unwrap_or(&dist).display(),
            server.0.id(),
            WATCHED_DIRS.join("/, "),
            WATCHED_FILES.join(", ")
        ),
    );

    loop {
        // Waits for a change, looking every second whether the server still runs: the loop
        // ends with it (Ctrl-C stops both).
        let first = loop {
            match rx.recv_timeout(Duration::from_secs(1)) {
                Ok(event) => break event,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Some(status) = server.0.try_wait()? {
                        info(
                            TAG,
                            &format!("the server stopped ({status}); so does the loop"),
                        );
                        return if status.success() {
                            Ok(())
                        } else {
                            fail(format!("the server stopped ({status})"))
                        };
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return fail("the file watcher stopped");
                }
            }
        };
        let mut changed = BTreeSet::new();
        note_change(first, &mut changed);
        while let Ok(event) = rx.recv_timeout(QUIET) {
            note_change(event, &mut changed);
        }
        if changed.is_empty() {
            continue;
        }
        let names: Vec<String> = changed
            .iter()
            .map(|p| p.strip_prefix(root()).unwrap_or(p).display().to_string())
            .collect();
        step(
            TAG,
            &format!("changed: {}; rebuilding the widget", names.join(", ")),
        );
        let started = Instant::now();
        match build::dev_widget(&dist) {
            Ok(_) => info(
                TAG,
                &format!(
                    "rebuilt in {:.1} s; reload the page",
                    started.elapsed().as_secs_f64()
                ),
            ),
            Err(e) => info(
                TAG,
                &format!(
                    "the rebuild failed after {:.1} s: {e}\n[{TAG}] fix it and save again; \
                     the server keeps serving what was built last",
                    started.elapsed().as_secs_f64()
                ),
            ),
        }
    }
}

/// Adds the widget's files that `event` created, changed or removed to `changed`.
fn note_change(event: notify::Result<notify::Event>, changed: &mut BTreeSet<PathBuf>) {
    let event = match event {
        Ok(event) => event,
        Err(e) => {
            info(TAG, &format!("file watcher: {e}"));
            return;
        }
    };
    if matches!(event.kind, EventKind::Access(_)) {
        return;
    }
    changed.extend(
        event
            .paths
            .into_iter()
            .filter(|p| is_widget_source(&root(), p)),
    );
}

/// A file of the widget under `root`, not an editor's swap or backup file.
fn is_widget_source(root: &Path, path: &Path) -> bool {
    let Ok(relative) = path.strip_prefix(root) else {
        return false;
    };
    let name = relative
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    if name.is_empty()
        || name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        // vim probes whether it may write a folder with this file.
        || name == "4913"
    {
        return false;
    }
    let mut parts = relative.components();
    let first = parts
        .next()
        .and_then(|c| c.as_os_str().to_str())
        .unwrap_or_default();
    if parts.next().is_none() {
        WATCHED_FILES.contains(&first)
    } else {
        WATCHED_DIRS.contains(&first)
    }
}

/// The server of the loop, stopped with the xtask (by its own PID) when the loop ends.
struct StopOnDrop(Child);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_widgets_sources_trigger_a_rebuild() {
        let root = Path::new("/w");
        for yes in [
            "/w/src/app.rs",
            "/w/src/components/list.rs",
            "/w/style/hub.css",
            "/w/locales/fr.json",
            "/w/index.html",
        ] {
            assert!(is_widget_source(root, Path::new(yes)), "{yes}");
        }
        for no in [
            "/w/Cargo.lock",
            "/w/target/debug/x",
            "/w/dist/index.html",
            "/w/src/.app.rs.swp",
            "/w/src/app.rs~",
            "/w/src/4913",
            "/w/crates/server/src/main.rs",
            "/elsewhere/src/app.rs",
            "/w/src",
        ] {
            assert!(!is_widget_source(root, Path::new(no)), "{no}");
        }
    }
}
