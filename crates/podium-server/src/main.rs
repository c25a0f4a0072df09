//! The `podium` binary: everything lives in the library; this only hands over the arguments.
//!
//! The system allocator stays: mimalloc cut a `/healthz` from 71,897 to about 50,000
//! instructions, but the rank index then took 176 bytes of resident memory per entry instead
//! of 128 (measured on 300,000 entries; see docs/architecture.md, "The request path").

fn main() -> std::process::ExitCode {
    podium::cli::main()
}
