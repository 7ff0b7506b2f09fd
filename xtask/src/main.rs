//! linkhub's developer commands, run as `cargo xtask <command>`.
//!
//! `setup` installs every tool the project needs (idempotent), `demo` builds and runs the
//! reference server with the demo catalog, `test` runs every check, `bench` measures, and
//! `catalog` generates large catalogs for performance tests.

mod bench;
mod build;
mod demo;
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
  build                    build the release widget into dist/ and print its sizes
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
        "build" => build::widget().and_then(|dist| test::size_report(&dist).map(|_| ())),
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
