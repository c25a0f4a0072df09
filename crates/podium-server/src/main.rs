//! The `podium` binary: everything lives in the library; this only hands over the arguments.

/// mimalloc instead of the system allocator: a request allocates and frees dozens of small
/// blocks (headers, the response, the log line), and glibc's malloc and free were 38 % of the
/// instructions of a `/healthz` (see docs/architecture.md, "The request path").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    podium::cli::main()
}
