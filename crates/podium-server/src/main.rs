//! The `podium` binary: everything lives in the library; this only hands over the arguments.

/// jemalloc instead of glibc's malloc, for both of issue 12's measures. Memory: a participant
/// id of 14 bytes takes a 16-byte block instead of glibc's 32, so the rank index takes 113
/// bytes of resident memory per entry instead of 128 (1,000,000 entries). Speed: a request
/// allocates and frees dozens of small blocks, and jemalloc's thread caches make them cheaper:
/// `/healthz` 19 % and a rank read 20 % fewer instructions (release build, callgrind). mimalloc
/// was as fast but took 176 bytes per entry. See docs/architecture.md, "The request path".
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    podium::cli::main()
}
