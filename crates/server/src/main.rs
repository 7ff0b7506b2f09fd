//! `linkhub-server`: see `linkhub-server --help`.

/// mimalloc instead of the system allocator: request handling allocates many small,
/// short-lived buffers from two worker threads, and glibc's malloc showed up as an eighth
/// of the server's time under load (`cargo xtask bench server`).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    linkhub_server::cli::main()
}
