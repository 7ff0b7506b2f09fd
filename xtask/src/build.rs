//! Builds the two artefacts everything else runs: the widget (`dist/`: its wasm by the
//! pipeline below, its page by Trunk) and the reference server binary.

use std::path::PathBuf;

use crate::util::{Result, cmd, fail, info, root, run, step};

/// Cargo profile of the server binary that demo and end-to-end tests run. The dev profile
/// shares its build with the native tests, so `cargo xtask test` compiles the server once.
pub const SERVER_PROFILE_DIR: &str = "debug";

/// The release widget in `dist/`, cut into a first-screen module and lazily loaded chunks.
///
/// Trunk 0.21 cannot split a wasm module (it runs wasm-bindgen straight after cargo), so the
/// wasm goes through its own pipeline here, as cargo-leptos does it:
/// 1. cargo builds the wasm (opt-level z; `.cargo/config.toml` keeps relocations in it);
/// 2. `wasm-split-cli` moves what only a `#[wasm_split]` function reaches into a chunk
///    (the connector page: see `src/app.rs`) and writes the JS that fetches it on first call;
/// 3. wasm-bindgen makes the JS glue of the main module;
/// 4. wasm-opt -Oz shrinks each module;
/// 5. Trunk builds the page (`index.html`, hashed CSS, static files), and the wasm files go
///    to `dist/pkg-<content hash>/`, the name `index.html` is rewritten to load.
pub fn widget() -> Result<PathBuf> {
    let pkg = wasm_modules(Flavor::Release)?;
    step(
        TAG,
        &format!("widget 5/{STEPS}: trunk build --release (page, styles, static files)"),
    );
    run(cmd("trunk").args(["build", "--release"]))?;
    let dist = root().join("dist");
    // The embedding loader that host pages include (`public/linkhub.js`, copied by Trunk).
    minify_js(&dist.join("linkhub.js"), false)?;
    let dest = place_modules(&dist, &pkg)?;
    precompress(&dist)?;
    precompress(&dest)?;
    Ok(dist)
}

/// The development widget of `cargo xtask dev` in `dist` (not `dist/`, which stays the
/// release widget the tests run): a debug build of the wasm with the `dev` feature (panic
/// messages in the browser console), split and bound like the release one, since the split
/// functions only link once `wasm-split-cli` has joined them, but not optimised, minified or
/// precompressed. An incremental rebuild takes seconds where the release one takes minutes.
pub fn dev_widget(dist: &std::path::Path) -> Result<PathBuf> {
    let pkg = wasm_modules(Flavor::Dev)?;
    step(
        TAG,
        &format!(
            "dev widget 4/4: trunk build (page, styles, static files) into {}",
            dist.strip_prefix(root()).unwrap_or(dist).display()
        ),
    );
    run(cmd("trunk").arg("build").arg("--dist").arg(dist))?;
    place_modules(dist, &pkg)?;
    Ok(dist.to_path_buf())
}

/// Which widget [`wasm_modules`] builds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flavor {
    /// `cargo xtask build`: the `widget` profile, everything that makes it small.
    Release,
    /// `cargo xtask dev`: the dev profile and the `dev` feature, no size steps.
    Dev,
}

impl Flavor {
    /// The cargo profile, and so the folder of `target/wasm32-unknown-unknown/` it builds to.
    fn profile(self) -> &'static str {
        match self {
            Flavor::Release => WIDGET_PROFILE,
            Flavor::Dev => "dev",
        }
    }

    fn profile_dir(self) -> &'static str {
        match self {
            Flavor::Release => WIDGET_PROFILE,
            Flavor::Dev => "debug",
        }
    }

    /// Where the modules are put together, apart for each flavour.
    fn work_dir(self) -> PathBuf {
        target_dir().join(match self {
            Flavor::Release => "widget",
            Flavor::Dev => "widget-dev",
        })
    }
}

/// The cargo profile of the release widget (`[profile.widget]` in the workspace's
/// Cargo.toml: opt-level z, LTO, one codegen unit, panics abort).
pub const WIDGET_PROFILE: &str = "widget";

/// The tag of this module's progress lines.
const TAG: &str = "build";
/// Steps of [`widget`], for its progress lines.
const STEPS: usize = 5;

/// Steps 1–4 of [`widget`] (1–3 for the development widget): the main module, its JS glue,
/// the chunks and their loader, all in `target/widget/pkg/` (`target/widget-dev/pkg/`).
fn wasm_modules(flavor: Flavor) -> Result<PathBuf> {
    let mut build = cmd("cargo");
    build.args(["build", "--profile", flavor.profile()]).args([
        "--target",
        "wasm32-unknown-unknown",
        "-p",
        "linkhub",
        "--bin",
        "linkhub",
    ]);
    match flavor {
        Flavor::Release => {
            step(
                TAG,
                &format!(
                    "widget 1/{STEPS}: cargo build --profile {WIDGET_PROFILE} --target \
                     wasm32-unknown-unknown (opt-level z, the standard library rebuilt with it)"
                ),
            );
            build
                // The stable compiler's unstable options (`-Z`), for this one build: see
                // SIZE_FLAGS.
                .env("RUSTC_BOOTSTRAP", "1")
                .args(["-Zbuild-std=std,panic_abort", "--config"])
                .arg(size_flags());
        }
        Flavor::Dev => {
            step(
                TAG,
                "dev widget 1/4: cargo build --target wasm32-unknown-unknown --features dev \
                 (debug, incremental)",
            );
            build.args(["--features", "dev"]);
        }
    }
    run(&mut build)?;
    let wasm = target_dir()
        .join("wasm32-unknown-unknown")
        .join(flavor.profile_dir())
        .join("linkhub.wasm");
    if !wasm.is_file() {
        return fail(format!(
            "cargo built the widget but {} is missing",
            wasm.display()
        ));
    }
    let work = flavor.work_dir();
    let (split, pkg) = (work.join("split"), work.join("pkg"));
    for dir in [&split, &pkg] {
        if dir.exists() {
            std::fs::remove_dir_all(dir)?;
        }
        std::fs::create_dir_all(dir)?;
    }

    let (what, of) = match flavor {
        Flavor::Release => ("widget", STEPS),
        Flavor::Dev => ("dev widget", 4),
    };
    step(
        TAG,
        &format!("{what} 2/{of}: wasm-split-cli (first-screen module and lazy chunks)"),
    );
    run(cmd("wasm-split-cli")
        .args(["--target", "web", "--out-name", "linkhub"])
        .arg(&wasm)
        .arg(&split))?;

    step(TAG, &format!("{what} 3/{of}: wasm-bindgen --target web"));
    run(cmd("wasm-bindgen")
        // The chunks import the main module's function table, an export LLD made.
        .args(["--target", "web", "--no-typescript", "--keep-lld-exports"])
        .args(["--out-name", "linkhub", "--out-dir"])
        .arg(&pkg)
        .arg(split.join("linkhub.wasm")))?;
    // The chunks and their loader (`__wasm_split.js`, imported by the glue) sit beside it.
    let (mut loader, mut chunks) = (false, 0);
    for entry in std::fs::read_dir(&split)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name == SPLIT_LOADER {
            let js = std::fs::read_to_string(&path)?;
            let js = sorted_shared_names(&js, &path)?;
            std::fs::write(pkg.join(name), own_module_first(&js, &path)?)?;
            loader = true;
        } else if name != "linkhub.wasm" {
            std::fs::copy(&path, pkg.join(name))?;
            chunks += usize::from(name.ends_with(".wasm"));
        }
    }
    if !loader || chunks == 0 {
        return fail(format!(
            "wasm-split-cli wrote {chunks} chunks and {} {SPLIT_LOADER} to {}; the build \
             expects the chunks of the `#[wasm_split]` functions of src/app.rs and their \
             loader: either the app no longer reaches those functions, or wasm-split-cli's \
             output changed; see `wasm_modules` in xtask/src/build.rs",
            if loader { "a" } else { "no" },
            split.display()
        ));
    }
    if flavor == Flavor::Dev {
        return Ok(pkg);
    }

    drop_stream_exports(&pkg.join("linkhub_bg.wasm"))?;
    let modules = files_with_ext(&pkg, "wasm")?;
    // Each module as it is before wasm-opt, with its function names: what `cargo xtask bench
    // widget` breaks the sizes down by (see `named_modules`).
    let named = named_dir();
    if named.exists() {
        std::fs::remove_dir_all(&named)?;
    }
    std::fs::create_dir_all(&named)?;
    for module in &modules {
        if let Some(name) = module.file_name() {
            std::fs::copy(module, named.join(name))?;
        }
    }
    let scripts = files_with_ext(&pkg, "js")?;
    step(
        TAG,
        &format!(
            "widget 4/{STEPS}: wasm-opt -Oz on {} modules, terser on {} scripts",
            modules.len(),
            scripts.len()
        ),
    );
    for module in &modules {
        // Functions ordered by name put the copies of one generic function side by side,
        // where gzip finds their likeness: 2.5 KB gzip off the first screen's wasm.
        run(cmd("wasm-opt")
            .args(["-Oz", "--reorder-functions-by-name"])
            .args(["--strip-debug", "--strip-producers"])
            .args(WASM_FEATURES)
            .arg(module)
            .arg("-o")
            .arg(module))?;
    }
    shorten_glue_names(&pkg.join("linkhub_bg.wasm"), &pkg.join("linkhub.js"))?;
    for script in &scripts {
        minify_js(script, true)?;
    }
    Ok(pkg)
}

/// Where the release build keeps a copy of each wasm module before wasm-opt, with its name
/// section (`target/widget/named/`).
pub fn named_dir() -> PathBuf {
    Flavor::Release.work_dir().join("named")
}

/// The module wasm-bindgen's glue gives the main module's imports under.
const GLUE_MODULE: &str = "./linkhub_bg.js";

/// Gives the names the JS glue and the main module share short ones, in both files.
///
/// wasm-bindgen names every import after the JS function and a 16-digit hash
/// (`__wbg_body_5f971cbc6950ca4f`, 144 of them) and every closure-call export after its
/// Rust types (up to 400 characters). The names appear in the wasm and again in the glue;
/// gzip cannot shrink the hashes. Short names take 4.0 KB gzip off the first screen.
///
/// The wasm is rewritten through binaryen's text format (`wasm-dis`, `wasm-as`): only the
/// names of import and export lines change. In the glue, each name must be found as a
/// whole identifier, or the build stops rather than ship a glue that does not match.
fn shorten_glue_names(wasm: &std::path::Path, glue: &std::path::Path) -> Result {
    let text = crate::util::output(cmd("wasm-dis").arg(wasm))?;
    let import_prefix = format!("(import \"{GLUE_MODULE}\" \"");
    let mut renames: Vec<(String, String)> = Vec::new();
    let mut out = String::with_capacity(text.len());
    let (mut imports, mut exports) = (0, 0);
    for line in text.lines() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        if let Some(rest) = trimmed.strip_prefix(&import_prefix) {
            let (name, tail) = rest.split_once('"').unwrap_or((rest, ""));
            let short = short_name('i', imports);
            imports += 1;
            out.push_str(&format!("{indent}(import \"a\" \"{short}\"{tail}\n"));
            renames.push((name.to_owned(), short));
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix("(export \"") {
            let (name, tail) = rest.split_once('"').unwrap_or((rest, ""));
            if name.starts_with("wasm_bindgen_") && name.contains("___convert__closures") {
                let short = short_name('x', exports);
                exports += 1;
                out.push_str(&format!("{indent}(export \"{short}\"{tail}\n"));
                renames.push((name.to_owned(), short));
                continue;
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    if imports == 0 || exports == 0 {
        return fail(format!(
            "shorten_glue_names found {imports} imports from `{GLUE_MODULE}` and {exports} \
             closure exports (`wasm_bindgen_…___convert__closures…`) in {}; it expects both \
             (wasm-bindgen names them so): wasm-bindgen's output changed; see \
             `shorten_glue_names` in xtask/src/build.rs",
            wasm.display()
        ));
    }
    let js = std::fs::read_to_string(glue)?;
    if js.matches(&format!("\"{GLUE_MODULE}\"")).count() != 1 {
        return fail(format!(
            "{} does not name the module `{GLUE_MODULE}` exactly once: wasm-bindgen's glue \
             changed; see `shorten_glue_names` in xtask/src/build.rs",
            glue.display()
        ));
    }
    let js = js.replace(&format!("\"{GLUE_MODULE}\""), "\"a\"");
    let js = rename_identifiers(&js, &renames, glue)?;
    let wat = wasm.with_extension("wat");
    std::fs::write(&wat, out)?;
    run(cmd("wasm-as")
        .args(WASM_FEATURES)
        .arg(&wat)
        .arg("-o")
        .arg(wasm))?;
    std::fs::remove_file(&wat)?;
    std::fs::write(glue, js)?;
    info(
        TAG,
        &format!("short names for {imports} imports and {exports} exports of the JS glue"),
    );
    Ok(())
}

/// `prefix` and `n` in base 36: `i0`, `i1`, … `iz`, `i10`, … (never a JS keyword).
fn short_name(prefix: char, mut n: usize) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut digits = Vec::new();
    loop {
        digits.push(DIGITS[n % 36] as char);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    std::iter::once(prefix)
        .chain(digits.into_iter().rev())
        .collect()
}

/// `js` with each whole identifier of `renames` replaced; fails if one is not there.
fn rename_identifiers(
    js: &str,
    renames: &[(String, String)],
    file: &std::path::Path,
) -> Result<String> {
    let map: std::collections::HashMap<&str, &str> = renames
        .iter()
        .map(|(from, to)| (from.as_str(), to.as_str()))
        .collect();
    let mut seen = std::collections::HashSet::new();
    let mut out = String::with_capacity(js.len());
    let mut rest = js;
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
    while let Some(start) = rest.find(is_ident) {
        out.push_str(&rest[..start]);
        let word_len = rest[start..]
            .find(|c: char| !is_ident(c))
            .unwrap_or(rest.len() - start);
        let word = &rest[start..start + word_len];
        match map.get(word) {
            Some(short) => {
                seen.insert(word);
                out.push_str(short);
            }
            None => out.push_str(word),
        }
        rest = &rest[start + word_len..];
    }
    out.push_str(rest);
    if let Some((missing, _)) = renames
        .iter()
        .find(|(from, _)| !seen.contains(from.as_str()))
    {
        return fail(format!(
            "{} never names `{missing}`, a name the wasm shares with it: wasm-bindgen's glue \
             changed; see `shorten_glue_names` in xtask/src/build.rs",
            file.display()
        ));
    }
    Ok(out)
}

/// The exports of `wasm-streams` that the widget never uses: JS classes wrapping Rust
/// streams (`IntoUnderlyingSource`, `…ByteSource`, `…Sink`). Leptos depends on it for server
/// functions, which a client-side widget does not have; as exports, they and the code they
/// reach stayed in the first screen's wasm (1.7 KB gzip).
const UNUSED_EXPORT_PREFIXES: [&str; 2] = ["intounderlying", "__wbg_intounderlying"];

/// Removes [`UNUSED_EXPORT_PREFIXES`]'s exports from the main module with binaryen's
/// `wasm-metadce` (the tool made to drop what JS never calls); `wasm-opt` then removes the
/// code only they reached. The JS glue still defines the classes, but only their methods
/// would call these exports, and nothing ever makes one (only Rust code that is gone did).
fn drop_stream_exports(module: &std::path::Path) -> Result {
    let text = crate::util::output(cmd("wasm-dis").arg(module))?;
    let exports: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("(export \"")?.split('"').next())
        .collect();
    if let Some(odd) = exports.iter().find(|n| {
        !n.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
    }) {
        return fail(format!(
            "unexpected export name `{odd}` in {}",
            module.display()
        ));
    }
    let (unused, kept): (Vec<&str>, Vec<&str>) = exports
        .iter()
        .partition(|n| UNUSED_EXPORT_PREFIXES.iter().any(|p| n.starts_with(p)));
    if unused.is_empty() {
        return fail(format!(
            "drop_stream_exports found no export starting with {} among the {} exports of \
             {}; it expects the `IntoUnderlying…` classes of wasm-streams (a dependency of \
             Leptos): if the widget no longer links wasm-streams, remove this step, else \
             wasm-bindgen's names changed; see `drop_stream_exports` in xtask/src/build.rs",
            UNUSED_EXPORT_PREFIXES.join(" or "),
            exports.len(),
            module.display()
        ));
    }
    // The graph: JS ("outside") reaches every export but the unused ones.
    let node = |i: usize, name: &str| format!(r#"{{"name":"e{i}","export":"{name}"}}"#);
    let reaches: Vec<String> = (0..kept.len()).map(|i| format!("\"e{i}\"")).collect();
    let mut nodes = vec![format!(
        r#"{{"name":"outside","root":true,"reaches":[{}]}}"#,
        reaches.join(",")
    )];
    nodes.extend(kept.iter().enumerate().map(|(i, n)| node(i, n)));
    nodes.extend(
        unused
            .iter()
            .enumerate()
            .map(|(i, n)| node(kept.len() + i, n)),
    );
    let graph = module.with_extension("dce.json");
    std::fs::write(&graph, format!("[{}]", nodes.join(",")))?;
    crate::util::output(
        cmd("wasm-metadce")
            .args(WASM_FEATURES)
            // Keep the function names: wasm-opt orders the functions by them (below).
            .arg("-g")
            .arg(module)
            .arg("--graph-file")
            .arg(&graph)
            .arg("-o")
            .arg(module),
    )?;
    std::fs::remove_file(&graph)?;
    let after = crate::util::output(cmd("wasm-dis").arg(module))?;
    if let Some(left) = unused
        .iter()
        .find(|n| after.contains(&format!("(export \"{n}\"")))
    {
        return fail(format!(
            "wasm-metadce left the export `{left}` in {}: drop_stream_exports did nothing; see \
             xtask/src/build.rs",
            module.display()
        ));
    }
    info(
        TAG,
        &format!("dropped {} unused wasm-streams exports", unused.len()),
    );
    Ok(())
}

/// Minifies a script in place with terser (from the npm packages of `tests/`): the JS glue
/// and the chunk loader are ES modules (their exports keep their names); the embedding
/// loader is a classic script. About a fifth off their gzip size.
fn minify_js(file: &std::path::Path, module: bool) -> Result {
    let out = file.with_extension("min.js");
    let mut c = cmd("terser");
    c.arg(file);
    if module {
        c.arg("--module");
    }
    run(c.args(["--compress", "--mangle", "--output"]).arg(&out))?;
    std::fs::rename(&out, file)?;
    Ok(())
}

/// Compiler options of the release wasm only, on top of `.cargo/config.toml`'s. The
/// standard library is rebuilt from source (`-Zbuild-std`, with the `rust-src` component
/// setup installs) so that it is compiled like the widget: at opt-level z, and with
/// - `-Cpanic=immediate-abort`: a panic is a trap at once, without formatting a message
///   (the `widget` profile has `panic = "abort"`, so nothing could catch it anyway);
/// - `-Zlocation-detail=none`: no file names and line numbers for panic locations;
/// - `-Zfmt-debug=none`: `{:?}` prints nothing (nothing the widget shows or sends uses it).
///
/// Together they take about a tenth off the first screen's wasm (198 → 179 KB gzip), most of
/// it the formatting code and strings that panics carried. These options are unstable, so
/// the build sets `RUSTC_BOOTSTRAP=1` for this one cargo call; the compiler they are known
/// to work with is the one `rust-toolchain.toml` pins.
const SIZE_FLAGS: [&str; 4] = [
    "-Zunstable-options",
    "-Cpanic=immediate-abort",
    "-Zlocation-detail=none",
    "-Zfmt-debug=none",
];

/// [`SIZE_FLAGS`] as a `--config` value (cargo appends them to the configured rustflags).
fn size_flags() -> String {
    let quoted: Vec<String> = SIZE_FLAGS.iter().map(|f| format!("\"{f}\"")).collect();
    format!(
        "target.wasm32-unknown-unknown.rustflags=[{}]",
        quoted.join(",")
    )
}

/// The JS that `wasm-split-cli` writes to fetch and instantiate the chunks.
const SPLIT_LOADER: &str = "__wasm_split.js";

/// `wasm-split-cli` lists the main module's exports that the chunks share in hash-set order,
/// so the same build could give another `__wasm_split.js`, and so another folder name (a
/// full download for returning users). This sorts the names in those lists; it fails when the
/// loader has no such list (`file` names the loader in the message), so a change of
/// wasm-split-cli's output stops the build instead of making it unstable again.
fn sorted_shared_names(js: &str, file: &std::path::Path) -> Result<String> {
    let mut out = String::with_capacity(js.len());
    let mut sorted = 0;
    for line in js.split_inclusive('\n') {
        let shared = line.contains("initSync(") || line.contains("sharedImports.__wasm_split, {");
        match (shared, line.find('{'), line.find('}')) {
            (true, Some(open), Some(close)) if open < close => {
                let mut names: Vec<&str> = line[open + 1..close]
                    .split(',')
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .collect();
                names.sort_unstable();
                out.push_str(&line[..=open]);
                out.push_str(&format!(" {}, ", names.join(", ")));
                out.push_str(&line[close..]);
                sorted += 1;
            }
            _ => out.push_str(line),
        }
    }
    if sorted == 0 {
        return fail(format!(
            "sorted_shared_names found no list of shared names in {} (a line with \
             `initSync(` or `sharedImports.__wasm_split, {{` and a `{{ … }}` list): \
             wasm-split-cli's loader changed; see `sorted_shared_names` in xtask/src/build.rs",
            file.display()
        ));
    }
    Ok(out)
}

/// The lines of `wasm-split-cli`'s loader that start loading a chunk: first the chunks it
/// depends on (the code it shares with other chunks), then its own module.
const DEPS_THEN_OWN: &str =
    "const parallelStuff = deps.map(d => d());\n        const instantiate = fetcher();\n";
/// The same two lines, the other way round.
const OWN_THEN_DEPS: &str =
    "const instantiate = fetcher();\n        const parallelStuff = deps.map(d => d());\n";

/// Makes the loader ask for a chunk's own module before the shared chunks it depends on.
///
/// The connector page's module is most of its bytes (130 KB gzip), the shared chunks it
/// needs are a dozen small files. Asked for last, the big one waited for one of the
/// browser's six connections to the server while the small ones took them in turns: on a
/// phone network (150 ms round trips) its first byte came 650 ms after it was asked for,
/// and the deep-linked form about half a second later than it needed to. Asked for first,
/// it downloads while the small ones do. (It is still instantiated after them: they are
/// awaited before it, as before.) Fails when the loader no longer has those two lines, so a
/// change of wasm-split-cli's output stops the build instead of quietly undoing this.
fn own_module_first(js: &str, file: &std::path::Path) -> Result<String> {
    if js.matches(DEPS_THEN_OWN).count() != 1 {
        return fail(format!(
            "own_module_first found no single `{}` in {}: wasm-split-cli's loader changed; \
             see `own_module_first` in xtask/src/build.rs",
            DEPS_THEN_OWN.replace('\n', " "),
            file.display()
        ));
    }
    Ok(js.replace(DEPS_THEN_OWN, OWN_THEN_DEPS))
}

/// Copies the modules of `pkg` to `dist/pkg-<content hash>/` (dropping earlier builds'
/// folders, which Trunk leaves) and points `dist/index.html` at it; returns the folder.
fn place_modules(dist: &std::path::Path, pkg: &std::path::Path) -> Result<PathBuf> {
    let index = dist.join("index.html");
    let Ok(html) = std::fs::read_to_string(&index) else {
        return fail("trunk finished but dist/index.html is missing");
    };
    if !html.contains(PKG_MARKER) {
        return fail(format!(
            "dist/index.html does not load the widget from {PKG_MARKER}"
        ));
    }
    // The page's one script: a file, not inline, so its policy needs no per-build hash.
    std::fs::write(pkg.join("boot.js"), BOOT)?;
    let name = format!("pkg-{:016x}", content_hash(pkg)?);
    for entry in std::fs::read_dir(dist)? {
        let path = entry?.path();
        let stale = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("pkg-"));
        if stale && path.is_dir() {
            std::fs::remove_dir_all(&path)?;
        }
    }
    let dest = dist.join(&name);
    std::fs::create_dir_all(&dest)?;
    for entry in std::fs::read_dir(pkg)? {
        let path = entry?.path();
        if let Some(file) = path.file_name() {
            std::fs::copy(&path, dest.join(file))?;
        }
    }
    let html = html.replace(PKG_MARKER, &format!("/{name}/"));
    std::fs::write(&index, &html)?;
    // `/link` and `/embed` from any static file server, which maps a folder to its
    // `index.html` (the reference server serves `index.html` there itself).
    for page in ["link", "embed"] {
        std::fs::create_dir_all(dist.join(page))?;
        std::fs::write(dist.join(page).join("index.html"), &html)?;
    }
    let shown = dist.strip_prefix(root()).unwrap_or(dist).display();
    info(
        TAG,
        &format!("widget: {shown}/index.html loads {shown}/{name}/"),
    );
    Ok(dest)
}

/// Starts the widget: `index.html` loads it from the hashed folder, and it loads the glue
/// and the wasm beside it.
const BOOT: &str = "import init from \"./linkhub.js\";\n\
                    init({ module_or_path: new URL(\"linkhub_bg.wasm\", import.meta.url) });\n";

/// Where `index.html` (the source) loads the widget's JS and wasm from; the build replaces
/// it with the content-hashed folder, so those files can be cached for good.
const PKG_MARKER: &str = "/pkg/";

/// The wasm features the Rust target emits (wasm-opt must keep them, not reject them).
pub const WASM_FEATURES: [&str; 6] = [
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];

fn files_with_ext(dir: &std::path::Path, ext: &str) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == ext) {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// FNV-1a over the names and contents of a folder's files: a folder name that changes
/// whenever one of them does (a cache key, not a security measure).
fn content_hash(dir: &std::path::Path) -> Result<u64> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    paths.sort();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for path in paths {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for byte in name.bytes().chain(std::fs::read(&path)?) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    Ok(hash)
}

/// Files worth compressing: text and wasm, larger than one TCP packet.
fn compressible(path: &std::path::Path) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    matches!(ext, "wasm" | "js" | "css" | "html" | "svg" | "json")
        && std::fs::metadata(path).is_ok_and(|m| m.len() > 1400)
}

/// Writes a `.gz` beside each compressible file of `dist/`, with zopfli: a gzip stream any
/// browser reads, about 5% smaller than gzip -9, deterministic, and worth its seconds for
/// files compressed once and sent on every load. The server sends these as they are instead
/// of compressing the wasm again for every page load, which took longer than the rest of the
/// first screen together (and far longer in the dev-profile server of the demo).
fn precompress(dist: &std::path::Path) -> Result {
    let files: Vec<PathBuf> = std::fs::read_dir(dist)
        .map_err(|e| crate::util::Failure(format!("cannot read {}: {e}", dist.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| compressible(p))
        .collect();
    if files.is_empty() {
        return fail(format!(
            "precompress found no file to compress in {} (wasm, js, css, html, svg or json \
             over 1400 bytes): the build wrote nothing there",
            dist.display()
        ));
    }
    info(
        TAG,
        &format!(
            "precompressing {} files of {} (zopfli, gzip format; a few seconds)",
            files.len(),
            dist.strip_prefix(root()).unwrap_or(dist).display()
        ),
    );
    run(cmd("zopfli").arg("--gzip").args(&files))
}

/// `cargo build -p linkhub-server` (dev profile) and the path of the binary.
pub fn server() -> Result<PathBuf> {
    server_with_profile(None)
}

/// Builds the server with a named cargo profile (`release` for benches).
pub fn server_with_profile(profile: Option<&str>) -> Result<PathBuf> {
    step(
        TAG,
        &format!(
            "server: cargo build -p linkhub-server ({})",
            profile.unwrap_or("dev")
        ),
    );
    let mut c = cmd("cargo");
    c.args(["build", "-p", "linkhub-server", "--bin", "linkhub-server"]);
    let dir = match profile {
        Some(p) => {
            c.args(["--profile", p]);
            if p == "dev" { SERVER_PROFILE_DIR } else { p }
        }
        None => SERVER_PROFILE_DIR,
    };
    run(&mut c)?;
    let bin = target_dir().join(dir).join("linkhub-server");
    if !bin.exists() {
        return fail(format!("built the server but {} is missing", bin.display()));
    }
    info(TAG, &format!("server binary: {}", bin.display()));
    Ok(bin)
}

pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

#[cfg(test)]
mod tests {
    use super::{
        WIDGET_PROFILE, own_module_first, rename_identifiers, short_name, sorted_shared_names,
    };

    #[test]
    fn short_names_are_distinct_identifiers() {
        let names: Vec<String> = (0..2000).map(|n| short_name('i', n)).collect();
        assert_eq!(&names[..3], ["i0", "i1", "i2"]);
        assert_eq!(names[36], "i10");
        let distinct: std::collections::HashSet<&String> = names.iter().collect();
        assert_eq!(distinct.len(), names.len());
    }

    #[test]
    fn only_whole_identifiers_are_renamed() {
        let renames = vec![("__wbg_body_5f97".to_owned(), "i0".to_owned())];
        let js = "({__wbg_body_5f97:function(n){return n.body}, __wbg_body_5f97x:1});";
        let out = rename_identifiers(js, &renames, std::path::Path::new("glue.js"))
            .expect("the name is there");
        assert_eq!(
            out,
            "({i0:function(n){return n.body}, __wbg_body_5f97x:1});"
        );
        let err = rename_identifiers("({})", &renames, std::path::Path::new("glue.js"))
            .expect_err("a name the glue lacks stops the build");
        assert!(err.0.contains("__wbg_body_5f97"), "{err}");
    }

    #[test]
    fn the_split_loader_lists_shared_names_in_one_order() {
        let a = "let x;\n        const { memory, __indirect_function_table, __wasm_split_shared0,  } = initSync(undefined, undefined);\n        Object.assign(sharedImports.__wasm_split, { memory, __indirect_function_table, __wasm_split_shared0,  });\nfoo({ b, a });\n";
        let b = "let x;\n        const { __wasm_split_shared0, memory, __indirect_function_table,  } = initSync(undefined, undefined);\n        Object.assign(sharedImports.__wasm_split, { __wasm_split_shared0, memory, __indirect_function_table,  });\nfoo({ b, a });\n";
        let loader = std::path::Path::new("__wasm_split.js");
        let sort = |js: &str| sorted_shared_names(js, loader).expect("the lists are there");
        assert_eq!(sort(a), sort(b));
        let sorted = sort(a);
        assert!(sorted.contains(
            "const { __indirect_function_table, __wasm_split_shared0, memory, } = initSync("
        ));
        // Other lines are left as they are.
        assert!(sorted.starts_with("let x;\n"));
        assert!(sorted.ends_with("foo({ b, a });\n"));
    }

    /// `key = value` lines of one `[section]` of the workspace's Cargo.toml.
    fn cargo_toml_section(name: &str) -> Vec<(String, String)> {
        let toml = std::fs::read_to_string(crate::util::root().join("Cargo.toml"))
            .expect("the workspace's Cargo.toml");
        let header = format!("[{name}]");
        toml.lines()
            .skip_while(|l| l.trim() != header)
            .skip(1)
            .take_while(|l| !l.trim_start().starts_with('['))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect()
    }

    #[test]
    fn release_is_a_server_profile_and_the_widget_has_its_own() {
        let release = cargo_toml_section("profile.release");
        assert!(
            release.contains(&("opt-level".into(), "3".into())),
            "{release:?}"
        );
        assert!(
            release.contains(&("panic".into(), "\"unwind\"".into())),
            "{release:?}"
        );
        let widget = cargo_toml_section(&format!("profile.{WIDGET_PROFILE}"));
        for (key, value) in [
            ("inherits", "\"release\""),
            ("opt-level", "\"z\""),
            ("lto", "true"),
            ("codegen-units", "1"),
            ("panic", "\"abort\""),
        ] {
            assert!(
                widget.contains(&(key.into(), value.into())),
                "[profile.widget] lacks {key} = {value}: {widget:?}"
            );
        }
    }

    #[test]
    fn a_loader_without_shared_names_stops_the_build() {
        let err = sorted_shared_names(
            "export function load() {}\n",
            std::path::Path::new("__wasm_split.js"),
        )
        .expect_err("nothing to sort is an error");
        assert!(err.0.contains("sorted_shared_names"), "{err}");
        assert!(err.0.contains("__wasm_split.js"), "{err}");
    }

    #[test]
    fn the_loader_asks_for_a_chunks_own_module_before_its_shared_ones() {
        let loader = std::path::Path::new("__wasm_split.js");
        let js = "function makeLoad(fetcher, deps) {\n    const loader = async () => {\n        const parallelStuff = deps.map(d => d());\n        const instantiate = fetcher();\n        await Promise.all(parallelStuff);\n";
        let out = own_module_first(js, loader).expect("the lines are there");
        let own = out.find("fetcher()").expect("fetcher");
        let deps = out.find("deps.map").expect("deps");
        assert!(own < deps, "{out}");
        assert!(
            out.contains("await Promise.all(parallelStuff);"),
            "still awaited: {out}"
        );
        let err = own_module_first("const x = 1;\n", loader).expect_err("no such lines");
        assert!(err.0.contains("own_module_first"), "{err}");
    }
}
