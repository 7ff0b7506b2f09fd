//! The source layout keeps its shape: no two files of the server import each other, even
//! through others (a circle means two features, or a feature and the infrastructure under
//! it, can no longer be changed or read apart).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `src/` by module path (`accounts::store` for
/// `src/accounts/store.rs`, `accounts` for `src/accounts/mod.rs`, `` for `lib.rs`).
fn modules() -> BTreeMap<String, PathBuf> {
    fn walk(dir: &Path, prefix: &[String], out: &mut BTreeMap<String, PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("src") {
            let path = entry.expect("entry").path();
            let name = path
                .file_stem()
                .and_then(|s| s.to_str())
                .expect("name")
                .to_string();
            if path.is_dir() {
                if name == "bin" {
                    continue;
                }
                let mut p = prefix.to_vec();
                p.push(name);
                walk(&path, &p, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let mut p = prefix.to_vec();
                if !matches!(name.as_str(), "mod" | "lib" | "main") {
                    p.push(name);
                }
                out.insert(p.join("::"), path);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &[],
        &mut out,
    );
    out
}

/// The files a file refers to through `crate::…` and `super::…` paths (comments left out).
fn imports(module: &str, path: &Path, known: &BTreeMap<String, PathBuf>) -> BTreeSet<String> {
    let text = std::fs::read_to_string(path).expect("read");
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    // `super` of module `a::b` (file `a/b.rs` or `a/b/mod.rs`) is `a`.
    let own: Vec<&str> = module.split("::").filter(|s| !s.is_empty()).collect();
    let mut found = BTreeSet::new();
    let mut parent = own.clone();
    parent.pop();
    for (prefix, base) in [("crate::", Vec::new()), ("super::", parent)] {
        let mut rest = code.as_str();
        while let Some(i) = rest.find(prefix) {
            let before = rest[..i].chars().last();
            rest = &rest[i + prefix.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let segments: Vec<&str> = rest
                .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .next()
                .unwrap_or_default()
                .split("::")
                .filter(|s| !s.is_empty())
                .collect();
            let mut full: Vec<&str> = base.iter().map(|s| &**s).collect();
            full.extend(segments);
            // The longest prefix that is a file.
            let target = (0..=full.len())
                .rev()
                .map(|n| full[..n].join("::"))
                .find(|m| known.contains_key(m));
            if let Some(t) = target
                && t != module
                && !t.is_empty()
            {
                found.insert(t);
            }
        }
    }
    found
}

#[test]
fn no_file_of_the_server_imports_itself_through_others() {
    let known = modules();
    let graph: BTreeMap<String, BTreeSet<String>> = known
        .iter()
        .map(|(m, p)| (m.clone(), imports(m, p, &known)))
        .collect();
    // The infrastructure imports no feature.
    for (m, uses) in &graph {
        if [
            "db",
            "db::write",
            "error",
            "i18n",
            "crypto",
            "clock",
            "memo",
            "catalog",
            "idempotency",
            "project",
            "wire",
        ]
        .contains(&m.as_str())
        {
            for u in uses {
                assert!(
                    ![
                        "sessions",
                        "connectors",
                        "accounts",
                        "attempts",
                        "webhooks",
                        "console",
                        "state",
                        "auth",
                        "app",
                        "cli"
                    ]
                    .iter()
                    .any(|f| u == f || u.starts_with(&format!("{f}::"))),
                    "infrastructure module {m} imports {u}"
                );
            }
        }
    }
    // No circle: depth-first search for a back edge.
    fn visit(
        m: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) {
        if done.contains(m) {
            return;
        }
        if let Some(i) = path.iter().position(|p| p == m) {
            let mut circle = path[i..].to_vec();
            circle.push(m.to_string());
            panic!("import circle: {}", circle.join(" → "));
        }
        path.push(m.to_string());
        for next in graph.get(m).into_iter().flatten() {
            visit(next, graph, path, done);
        }
        path.pop();
        done.insert(m.to_string());
    }
    let mut done = BTreeSet::new();
    for m in graph.keys() {
        visit(m, &graph, &mut Vec::new(), &mut done);
    }
    // The check sees imports at all.
    assert!(
        graph["accounts::store"].contains("db"),
        "{:?}",
        graph["accounts::store"]
    );
    assert!(graph["accounts::hub"].contains("accounts"));
}
