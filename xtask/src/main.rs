//! linkhub's developer commands, run as `cargo xtask <command>`.
//!
//! `setup` installs every tool the project needs (idempotent), `demo` builds and runs the
//! reference server with the demo catalog, `dev` does the same with a debug widget rebuilt on
//! every change, `test` runs every check, `bench` measures, and `catalog` generates large
//! catalogs for performance tests.

mod bench;
mod budget;
mod build;
mod demo;
mod dev;
mod pg;
mod setup;
mod test;
mod util;

use std::process::ExitCode;

const HELP: &str = "\
cargo xtask <command>

commands:
  setup                    install what is missing (wasm32 target, Trunk, wasm-bindgen and
                           wasm-split CLIs, npm packages of tests/, Chromium, PostgreSQL,
                           zopfli); a no-op when warm
  demo [--port 8080]       set up, build the widget and server, start the server on
                           127.0.0.1 with the demo catalog and print an auth link
  dev [--port 8080]        set up, build a debug widget (panic messages in the browser
                           console) and serve it like demo; rebuild it whenever src/, style/,
                           locales/ or index.html change
  build                    build the release widget into dist/ and print its sizes against
                           the budgets of xtask/src/budget.rs (`test` fails on one over)
  test [--tier NAME]...    set up, then run the tiers fmt, clippy, native, browser, e2e
                           (all of them unless --tier names some)
  bench server|widget      measure the server under load / the widget in headless Chromium
  catalog --synthetic N    write a catalog of N generated connectors to target/synthetic-catalog
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, rest) = match args.split_first() {
        Some((c, rest)) => (c.as_str(), rest),
        None => ("help", &[][..]),
    };
    let result = match command {
        "setup" => setup::setup(),
        "demo" => demo::demo(rest),
        "dev" => dev::dev(rest),
        "build" => build::widget().and_then(|dist| {
            test::size_report(&dist)?;
            // Printed here; `cargo xtask test` is the gate that fails on a line not ok.
            budget::report(&dist).map(|_| ())
        }),
        "test" => test::test(rest),
        "bench" => bench::bench(rest),
        "catalog" => bench::catalog(rest).map(|_| ()),
        "help" | "--help" | "-h" => {
            print!("{HELP}");
            Ok(())
        }
        other => util::fail(format!("unknown command `{other}`\n\n{HELP}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nerror: {e}");
            ExitCode::FAILURE
        }
    }
}
