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
/// words wrapping (CSS), and `baseUrl` in the loader. Moved again on 2026-12-06 by the
/// onboarding extensions (issue #14): the first screen carries the navigation between the
/// list, the checklist and "Your connections" and their styles (first screen 114.2 → 117.0
/// KB gzip, wasm 104285 → 106475); the screens themselves are the `split_onboarding` chunk,
/// and wasm-split-cli numbers the shared chunks anew (`chunk_4` is gone, 8 to 11 are new).
pub const BUDGETS: &[(&str, u64)] = &[
    // The auth link's first screen.
    ("index.html", 875),             // 849
    ("hub.css", 4699),               // 4562
    ("pkg/linkhub.js", 4536),        // 4403
    ("pkg/__wasm_split.js", 574),    // 557
    ("pkg/boot.js", 126),            // 122 (starts the wasm; no inline script, for static hosts)
    ("pkg/linkhub_bg.wasm", 109670), // 106475
    // Chunks, fetched when needed (numbered by wasm-split-cli, the same on every build).
    ("pkg/split_connector_page.wasm", 179195), // 173975
    ("pkg/split_embed_handshake.wasm", 6430),  // 6242
    ("pkg/split_host_theme.wasm", 6256),       // 6073
    ("pkg/split_onboarding.wasm", 44033), // 42750 (checklist, Your connections; only with the extensions)
    ("pkg/chunk_5.wasm", 752),            // 730
    ("pkg/chunk_6.wasm", 289),            // 280
    ("pkg/chunk_7.wasm", 8581),           // 8331
    ("pkg/chunk_8.wasm", 597),            // 579
    ("pkg/chunk_9.wasm", 204),            // 198
    ("pkg/chunk_10.wasm", 25713),         // 24964
    ("pkg/chunk_11.wasm", 348),           // 337
    // The embedding loader host pages include.
    ("linkhub.js", 2601), // 2525
];

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

/// Measures `dist/`, prints the budget table (file, gzip bytes, budget, ok/over) and returns
/// its lines; [`Line::ok`] tells which passed.
pub fn report(dist: &Path) -> Result<Vec<Line>> {
    let mut measured = Vec::new();
    for file in widget_files(dist)? {
        let (_, gz) = sizes(&dist.join(&file))?;
        measured.push((file, gz));
    }
    let lines = check(&measured, BUDGETS);
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
