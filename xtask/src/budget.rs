//! Size budgets of the release widget: the gzip bytes each of its files may take.
//!
//! The build is deterministic, so a file's size is too: `cargo xtask test` checks every file
//! of `dist/` against its budget before the e2e tier (a byte gate, not a timed test) and
//! fails when one is over, when a file has no budget, or when a budget names a file the build
//! no longer writes. The budgets are the sizes measured when they were set plus about 3%:
//! a change that grows a file past that is seen in review, and either shrinks again or moves
//! the budget here, on purpose.

use std::path::Path;

use crate::util::{Result, sizes};

/// Gzip bytes (as served: the zopfli `.gz` beside each file) per file of `dist/`, named
/// without their content hashes (`pkg/` is `pkg-<hash>/`, `hub.css` is `hub-<hash>.css`).
///
/// Set on 2026-12-06 from a build with rustc 1.95.0 (rust-toolchain.toml): measured size
/// in the comment, budget = measured × 1.03, rounded up. Moved the same day, on purpose, by
/// the features that grew the first screen: the API base URL option and its CSP refusal
/// screen (six languages), bidi controls stripped from answers, the session's scopes, long
/// words wrapping (CSS), and `baseUrl` in the loader; then set again from the build where
/// no module reads JSON with serde_json any more (the connector page chunk 14 KB smaller;
/// the first screen over its old budget by the onboarding types of `HubSettings`); then on
/// 2026-12-07 from the build with the onboarding screens (issue #14): the first screen
/// carries the navigation between the list, the checklist and "Your connections" and their
/// styles, the screens themselves are `split_onboarding`, and wasm-split-cli numbers the
/// shared chunks anew (`chunk_4` is gone, 8 to 11 are new). Set again the same day from the
/// build that cut the connector page (issue #16): no async resource, transition or action
/// machinery in it, no translations read or applied (the server answers `?lang=`), the
/// hand-off panel a chunk of its own (`split_handoff`, asked for after the form) and so
/// the shared chunks numbered anew (6 to 17); the first screen is 1.8 KB larger by the
/// connector request it now sends itself as a page opens, the back button's destination and
/// the hand-off panel's slot it gives a page.
pub const BUDGETS: &[(&str, u64)] = &[
    // The auth link's first screen.
    ("index.html", 874),             // 848
    ("hub.css", 4812),               // 4671
    ("pkg/linkhub.js", 4523),        // 4391
    ("pkg/__wasm_split.js", 631),    // 612
    ("pkg/boot.js", 126),            // 122 (starts the wasm; no inline script, for static hosts)
    ("pkg/linkhub_bg.wasm", 111949), // 108688 (113778 at ed9cfcc with the onboarding types on the first screen; the widget now only asks whether a plan is there)
    // Chunks, fetched when needed (numbered by wasm-split-cli, the same on every build).
    ("pkg/split_connector_page.wasm", 143034), // 138867 (170461 before the cuts of #16; 181457 with serde_json)
    ("pkg/split_embed_handshake.wasm", 4935),  // 4791
    ("pkg/split_handoff.wasm", 14581),         // 14156
    ("pkg/split_host_theme.wasm", 6246),       // 6064
    ("pkg/split_onboarding.wasm", 43054), // 41800 (checklist, Your connections; only with the extensions)
    ("pkg/chunk_6.wasm", 2112),           // 2050
    ("pkg/chunk_7.wasm", 267),            // 259
    ("pkg/chunk_8.wasm", 6783),           // 6585
    ("pkg/chunk_9.wasm", 224),            // 217
    ("pkg/chunk_10.wasm", 2682),          // 2603
    ("pkg/chunk_11.wasm", 4125),          // 4004
    ("pkg/chunk_12.wasm", 3901),          // 3787
    ("pkg/chunk_13.wasm", 593),           // 575
    ("pkg/chunk_14.wasm", 205),           // 199
    ("pkg/chunk_15.wasm", 11154),         // 10829
    ("pkg/chunk_16.wasm", 350),           // 339
    ("pkg/chunk_17.wasm", 2344),          // 2275
    // The embedding loader host pages include.
    ("linkhub.js", 2601), // 2525
];

/// The files a user who opens a deep link (a session with `provider`, the host's "Connect
/// Dagster" button) downloads before the linking form is there: the page, its styles and
/// scripts, the first screen's wasm, the connector page's chunk and the chunks it shares
/// with others (as `__wasm_split.js` loads them: see [`connector_page_chunks`]).
pub const DEEP_LINK_PATH: &[&str] = &[
    "index.html",
    "hub.css",
    "pkg/linkhub.js",
    "pkg/__wasm_split.js",
    "pkg/boot.js",
    "pkg/linkhub_bg.wasm",
    "pkg/split_connector_page.wasm",
    "pkg/chunk_6.wasm",
    "pkg/chunk_7.wasm",
    "pkg/chunk_8.wasm",
    "pkg/chunk_9.wasm",
    "pkg/chunk_10.wasm",
    "pkg/chunk_11.wasm",
    "pkg/chunk_12.wasm",
    "pkg/chunk_13.wasm",
    "pkg/chunk_14.wasm",
    "pkg/chunk_15.wasm",
];

/// Gzip bytes the files of [`DEEP_LINK_PATH`] may take together: measured 289307 B on
/// 2026-12-07 (rustc 1.95.0), + 1% (tighter than a file's margin: it is the figure users
/// pay). It was 315613 B that morning (296477 B before the onboarding chunk), before the
/// connector page's cuts listed at [`BUDGETS`]. The goal is 165 KB (Nango's whole connect
/// UI): see the bench's breakdown for what stands in the way.
pub const DEEP_LINK_BUDGET: (&str, u64) = ("deep link → form (total)", 292201);

/// The margin over the measured size that [`budget_for`] gives, in percent.
pub const MARGIN_PERCENT: u64 = 3;

/// The budget to set for a file measured at `gzip` bytes: [`MARGIN_PERCENT`] more, rounded up.
pub fn budget_for(gzip: u64) -> u64 {
    (gzip * (100 + MARGIN_PERCENT)).div_ceil(100)
}

/// One line of the budget table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The file's name in [`BUDGETS`] (no content hash), or the budget's when no file is.
    pub file: String,
    pub gzip: Option<u64>,
    pub budget: Option<u64>,
}

impl Line {
    /// Within its budget: a file that has one and is not over it.
    pub fn ok(&self) -> bool {
        matches!((self.gzip, self.budget), (Some(g), Some(b)) if g <= b)
    }

    fn verdict(&self) -> String {
        match (self.gzip, self.budget) {
            (Some(g), Some(b)) if g <= b => "ok".into(),
            (Some(g), Some(b)) => format!("OVER by {} B", g - b),
            (Some(_), None) => "NO BUDGET (add it to BUDGETS in xtask/src/budget.rs)".into(),
            (None, _) => "MISSING (the build no longer writes it; update BUDGETS)".into(),
        }
    }
}

/// A file's name with its content hash taken out: `pkg-0123abcd…/x.wasm` → `pkg/x.wasm`,
/// `hub-89ab…cdef.css` → `hub.css`. Only a dash and 8 or more hex digits count as a hash.
pub fn budget_name(path: &str) -> String {
    path.split('/')
        .map(|part| {
            let (stem, ext) = match part.rsplit_once('.') {
                Some((s, e)) => (s, Some(e)),
                None => (part, None),
            };
            let stem = match stem.rsplit_once('-') {
                Some((base, hash))
                    if !base.is_empty()
                        && hash.len() >= 8
                        && hash.chars().all(|c| c.is_ascii_hexdigit()) =>
                {
                    base
                }
                _ => stem,
            };
            match ext {
                Some(e) => format!("{stem}.{e}"),
                None => stem.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Every measured file (`(path in dist, gzip bytes)`) against `budgets`, in the order of
/// `budgets`, then the files without one; a budget with no file is a line too.
pub fn check(measured: &[(String, u64)], budgets: &[(&str, u64)]) -> Vec<Line> {
    let named: Vec<(String, u64)> = measured
        .iter()
        .map(|(path, gz)| (budget_name(path), *gz))
        .collect();
    let mut lines: Vec<Line> = budgets
        .iter()
        .map(|(file, budget)| Line {
            file: (*file).to_string(),
            gzip: named.iter().find(|(n, _)| n == file).map(|(_, gz)| *gz),
            budget: Some(*budget),
        })
        .collect();
    for (name, gz) in &named {
        if !budgets.iter().any(|(file, _)| file == name) {
            lines.push(Line {
                file: name.clone(),
                gzip: Some(*gz),
                budget: None,
            });
        }
    }
    lines
}

/// The files of the release widget a budget applies to: the page, styles, scripts and wasm
/// of `dist/` and its `pkg-<hash>/` folder (not the `.gz` copies, which are what is measured).
pub fn widget_files(dist: &Path) -> Result<Vec<String>> {
    let mut files = Vec::new();
    let is_asset = |name: &str| {
        [".wasm", ".js", ".css", ".html"]
            .iter()
            .any(|ext| name.ends_with(ext))
    };
    for entry in std::fs::read_dir(dist)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if path.is_dir() && name.starts_with("pkg-") {
            for inner in std::fs::read_dir(&path)? {
                let inner = inner?.file_name().to_string_lossy().into_owned();
                if is_asset(&inner) {
                    files.push(format!("{name}/{inner}"));
                }
            }
        } else if path.is_file() && is_asset(&name) {
            files.push(name);
        }
    }
    files.sort();
    Ok(files)
}

/// The chunks `__wasm_split.js` loads with the connector page's (`chunk_N.wasm` as
/// `pkg/chunk_N.wasm`), read from wasm-split-cli's loader before it is minified:
///
/// ```text
/// export const __wasm_split_load_connector_page = wrapAsyncCb(makeLoad(() => {
///     const src = fetch(new URL("./split_connector_page.wasm", import.meta.url));
///     …
/// }
/// , [__chunk_4, __chunk_5, __chunk_6]));
/// ```
///
/// `None` when the loader has no such export or no list after it.
pub fn connector_page_chunks(loader: &str) -> Option<Vec<String>> {
    let start = loader.find("export const __wasm_split_load_connector_page")?;
    let rest = &loader[start..];
    let list = &rest[rest.find(", [")? + 3..];
    let list = &list[..list.find(']')?];
    Some(
        list.split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|c| format!("pkg/{}.wasm", c.trim_start_matches("__")))
            .collect(),
    )
}

/// The [`DEEP_LINK_PATH`] line: the sum of its files' gzip bytes against
/// [`DEEP_LINK_BUDGET`]; no size (a failed line) when a file is missing, or when `loader`
/// (the unminified `__wasm_split.js`, if at hand) loads other chunks with the connector
/// page than the path names.
pub fn deep_link_line(lines: &[Line], loader: Option<&str>) -> (Line, Option<String>) {
    let (name, budget) = DEEP_LINK_BUDGET;
    let mut total = Some(0u64);
    let mut problem = None;
    for file in DEEP_LINK_PATH {
        match lines.iter().find(|l| l.file == *file).and_then(|l| l.gzip) {
            Some(gz) => total = total.map(|t| t + gz),
            None => {
                total = None;
                problem = Some(format!("{file} of DEEP_LINK_PATH is not in dist/"));
            }
        }
    }
    if let Some(chunks) = loader.and_then(connector_page_chunks) {
        let named: Vec<&str> = DEEP_LINK_PATH
            .iter()
            .copied()
            .filter(|f| f.starts_with("pkg/chunk_"))
            .collect();
        if chunks.iter().map(String::as_str).ne(named.iter().copied()) {
            total = None;
            problem = Some(format!(
                "the connector page loads {chunks:?} but DEEP_LINK_PATH names {named:?}: update it"
            ));
        }
    }
    let line = Line {
        file: name.to_string(),
        gzip: total,
        budget: Some(budget),
    };
    (line, problem)
}

/// Measures `dist/`, prints the budget table (file, gzip bytes, budget, ok/over) and returns
/// its lines, the deep link's total last; [`Line::ok`] tells which passed.
pub fn report(dist: &Path) -> Result<Vec<Line>> {
    let mut measured = Vec::new();
    for file in widget_files(dist)? {
        let (_, gz) = sizes(&dist.join(&file))?;
        measured.push((file, gz));
    }
    let mut lines = check(&measured, BUDGETS);
    let loader =
        std::fs::read_to_string(crate::build::target_dir().join("widget/split/__wasm_split.js"))
            .ok();
    let (deep, problem) = deep_link_line(&lines, loader.as_deref());
    if let Some(problem) = problem {
        println!("  {problem}");
    }
    lines.push(deep);
    println!("\nSize budgets (gzip bytes per file; xtask/src/budget.rs):");
    println!("  {:<34} {:>10} {:>10}  verdict", "file", "gzip", "budget");
    let show = |n: Option<u64>| n.map_or_else(|| "-".to_string(), |n| n.to_string());
    for line in &lines {
        println!(
            "  {:<34} {:>10} {:>10}  {}",
            line.file,
            show(line.gzip),
            show(line.budget),
            line.verdict()
        );
    }
    let over = lines.iter().filter(|l| !l.ok()).count();
    if over == 0 {
        println!("  every file is within its budget");
    } else {
        println!(
            "  {over} of {} lines not ok; if a file is meant to grow (or is new), its budget at \
             today's size + {MARGIN_PERCENT}% is:",
            lines.len()
        );
        for line in lines.iter().filter(|l| !l.ok()) {
            if let Some(gzip) = line.gzip {
                println!("    (\"{}\", {}),", line.file, budget_for(gzip));
            }
        }
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_their_content_hashes() {
        assert_eq!(
            budget_name("pkg-00ff12ab34cd56ef/linkhub_bg.wasm"),
            "pkg/linkhub_bg.wasm"
        );
        assert_eq!(budget_name("hub-8f3c1e2a9b0d4e5f.css"), "hub.css");
        assert_eq!(budget_name("index.html"), "index.html");
        // Not hashes: too short, or not hex, or nothing before the dash.
        assert_eq!(budget_name("split-connector.wasm"), "split-connector.wasm");
        assert_eq!(budget_name("a-bad.js"), "a-bad.js");
        assert_eq!(budget_name("-0123456789.js"), "-0123456789.js");
        assert_eq!(budget_name("pkg-zz/x.js"), "pkg-zz/x.js");
    }

    #[test]
    fn a_file_over_its_budget_fails_and_one_at_it_passes() {
        let budgets = [("pkg/a.wasm", 1000), ("hub.css", 500)];
        let measured = vec![
            ("pkg-0123456789abcdef/a.wasm".to_string(), 1000),
            ("hub-0123456789abcdef.css".to_string(), 501),
        ];
        let lines = check(&measured, &budgets);
        assert_eq!(lines.len(), 2);
        assert!(lines[0].ok(), "at the budget is within it");
        assert_eq!(lines[0].gzip, Some(1000));
        assert!(!lines[1].ok(), "one byte over fails");
        assert_eq!(lines[1].verdict(), "OVER by 1 B");
    }

    #[test]
    fn a_file_without_a_budget_and_a_budget_without_a_file_fail() {
        let budgets = [("pkg/a.wasm", 1000), ("pkg/gone.wasm", 10)];
        let measured = vec![
            ("pkg-0123456789abcdef/a.wasm".to_string(), 10),
            ("pkg-0123456789abcdef/new_chunk.wasm".to_string(), 10),
        ];
        let lines = check(&measured, &budgets);
        let by_name = |n: &str| lines.iter().find(|l| l.file == n).expect("a line");
        assert!(by_name("pkg/a.wasm").ok());
        let gone = by_name("pkg/gone.wasm");
        assert!(!gone.ok());
        assert_eq!(gone.gzip, None);
        assert!(gone.verdict().starts_with("MISSING"));
        let new = by_name("pkg/new_chunk.wasm");
        assert!(!new.ok());
        assert_eq!(new.budget, None);
        assert!(new.verdict().starts_with("NO BUDGET"));
    }

    const LOADER: &str = r#"
export const __wasm_split_load_embed_handshake = wrapAsyncCb(makeLoad(() => {
    const src = fetch(new URL("./split_embed_handshake.wasm", import.meta.url));
}
, [__chunk_4, __chunk_5, __chunk_7]));
export const __wasm_split_load_connector_page = wrapAsyncCb(makeLoad(() => {
    const src = fetch(new URL("./split_connector_page.wasm", import.meta.url));
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, [__chunk_4, __chunk_5, __chunk_6]));
"#;

    #[test]
    fn the_connector_pages_chunks_are_read_from_the_loader() {
        assert_eq!(
            connector_page_chunks(LOADER).expect("a list"),
            ["pkg/chunk_4.wasm", "pkg/chunk_5.wasm", "pkg/chunk_6.wasm"]
        );
        assert_eq!(connector_page_chunks("export const x = 1;"), None);
    }

    /// A loader whose connector page loads the chunks [`DEEP_LINK_PATH`] names.
    fn loader_of_the_deep_link() -> String {
        let chunks: Vec<String> = DEEP_LINK_PATH
            .iter()
            .filter_map(|f| f.strip_prefix("pkg/chunk_"))
            .map(|c| format!("__chunk_{}", c.trim_end_matches(".wasm")))
            .collect();
        format!(
            "export const __wasm_split_load_connector_page = wrapAsyncCb(makeLoad(() => {{\n}}\n, [{}]));\n",
            chunks.join(", ")
        )
    }

    #[test]
    fn the_deep_link_total_sums_its_files_and_fails_on_a_missing_one_or_another_chunk() {
        let loader = loader_of_the_deep_link();
        let all: Vec<Line> = DEEP_LINK_PATH
            .iter()
            .map(|f| Line {
                file: (*f).to_string(),
                gzip: Some(10),
                budget: Some(10),
            })
            .collect();
        let (line, problem) = deep_link_line(&all, Some(&loader));
        assert_eq!(line.gzip, Some(10 * DEEP_LINK_PATH.len() as u64));
        assert_eq!(problem, None);
        assert_eq!(line.ok(), line.gzip <= Some(DEEP_LINK_BUDGET.1));

        let missing: Vec<Line> = all
            .iter()
            .filter(|l| l.file != "pkg/split_connector_page.wasm")
            .cloned()
            .collect();
        let (line, problem) = deep_link_line(&missing, None);
        assert!(!line.ok());
        assert!(problem.is_some_and(|p| p.contains("split_connector_page")));

        let other = loader.replace("]));", ", __chunk_99]));");
        let (line, problem) = deep_link_line(&all, Some(&other));
        assert!(!line.ok());
        assert!(problem.is_some_and(|p| p.contains("chunk_99")));
    }

    #[test]
    fn budgets_are_the_measure_plus_three_percent_rounded_up() {
        assert_eq!(budget_for(100_000), 103_000);
        assert_eq!(budget_for(1), 2);
        assert_eq!(budget_for(0), 0);
    }

    #[test]
    fn every_budget_is_set_and_named_once() {
        let mut names = std::collections::HashSet::new();
        for (file, budget) in BUDGETS {
            assert!(*budget > 0, "the budget of {file} is not set");
            assert!(names.insert(*file), "{file} has two budgets");
            assert_eq!(budget_name(file), *file, "{file} is named without a hash");
        }
    }

    #[test]
    fn widget_files_lists_assets_of_dist_and_its_pkg_folder() {
        let dir = std::env::temp_dir().join(format!("linkhub-budget-{}", std::process::id()));
        let pkg = dir.join("pkg-0123456789abcdef");
        std::fs::create_dir_all(&pkg).expect("mkdir");
        for f in [
            dir.join("index.html"),
            dir.join("index.html.gz"),
            dir.join("hub-0123456789abcdef.css"),
            dir.join("logo.svg"),
            pkg.join("linkhub_bg.wasm"),
            pkg.join("linkhub_bg.wasm.gz"),
            pkg.join("linkhub.js"),
        ] {
            std::fs::write(f, "x").expect("write");
        }
        let files = widget_files(&dir).expect("list");
        std::fs::remove_dir_all(&dir).expect("clean up");
        assert_eq!(
            files,
            [
                "hub-0123456789abcdef.css",
                "index.html",
                "pkg-0123456789abcdef/linkhub.js",
                "pkg-0123456789abcdef/linkhub_bg.wasm",
            ]
        );
    }
}
