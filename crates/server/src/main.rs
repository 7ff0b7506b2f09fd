//! `linkhub-server`: see `linkhub-server --help`.

fn main() -> std::process::ExitCode {
    linkhub_server::cli::main()
}
