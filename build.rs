//! Fails the widget's build when a locale's catalog does not match English.
//!
//! `leptos_i18n::load_locales!()` only warns about a missing key (and falls back to the
//! default locale at run time), so a half-translated release could ship unnoticed. Here every
//! `locales/*.json` must have exactly the keys of `en.json`, and each message the same
//! `{{ variables }}`. Plural variants (`key_one`, `key_few`, …) count as their base key, since
//! languages need different plural forms.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const PLURAL_SUFFIXES: [&str; 6] = ["_zero", "_one", "_two", "_few", "_many", "_other"];

fn main() {
    println!("cargo:rerun-if-changed=locales");
    let dir = Path::new("locales");
    let problems = match check_dir(dir) {
        Ok(problems) => problems,
        Err(e) => vec![e],
    };
    if !problems.is_empty() {
        for p in &problems {
            println!("cargo:warning={p}");
            eprintln!("error: {p}");
        }
        eprintln!(
            "error: {} translation problem(s) in locales/: every locale needs every key of en.json",
            problems.len()
        );
        std::process::exit(1);
    }
}

/// Every problem of every locale file in `dir`, compared with `en.json`.
fn check_dir(dir: &Path) -> Result<Vec<String>, String> {
    let english = read(&dir.join("en.json"))?;
    let mut problems = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    for path in paths {
        println!("cargo:rerun-if-changed={}", path.display());
        let locale = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if locale == "en" {
            continue;
        }
        let other = read(&path)?;
        problems.extend(compare(&locale, &english, &other));
    }
    Ok(problems)
}

/// A locale's messages by base key (plural variants merged), with their variables.
fn read(path: &Path) -> Result<BTreeMap<String, BTreeSet<String>>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (key, value) in map {
        let base = PLURAL_SUFFIXES
            .iter()
            .find_map(|s| key.strip_suffix(s))
            .unwrap_or(&key)
            .to_owned();
        let vars = out.entry(base).or_default();
        if let Some(text) = value.as_str() {
            vars.extend(variables(text));
        }
    }
    Ok(out)
}

/// The placeholders of a message: `{{ name }}` (leptos_i18n interpolation) as `name`, and
/// `{name}` (replaced by the widget itself in plain strings) as `{name}`.
fn variables(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        if let Some(inner) = after.strip_prefix('{') {
            let Some(end) = inner.find("}}") else { break };
            out.push(inner[..end].trim().to_owned());
            rest = &inner[end + 2..];
        } else {
            let Some(end) = after.find('}') else { break };
            out.push(format!("{{{}}}", &after[..end]));
            rest = &after[end + 1..];
        }
    }
    out
}

fn compare(
    locale: &str,
    english: &BTreeMap<String, BTreeSet<String>>,
    other: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (key, vars) in english {
        match other.get(key) {
            None => problems.push(format!("locales/{locale}.json: missing key `{key}`")),
            Some(theirs) if theirs != vars => problems.push(format!(
                "locales/{locale}.json: `{key}` uses variables {theirs:?}, en.json {vars:?}"
            )),
            Some(_) => {}
        }
    }
    for key in other.keys().filter(|k| !english.contains_key(*k)) {
        problems.push(format!(
            "locales/{locale}.json: extra key `{key}` (not in en.json)"
        ));
    }
    problems
}
