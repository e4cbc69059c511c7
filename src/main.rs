//! The `warrant` command line; see `warrant --help`.

/// Explanations and batch lines make and free many small strings, which
/// mimalloc serves from per-thread free lists (see Cargo.toml).
#[cfg(all(feature = "mimalloc", not(target_family = "wasm")))]
#[global_allocator]
static ALLOCATOR: warrant::Allocator = warrant::Allocator;

fn main() -> std::process::ExitCode {
    warrant::cli::run()
}
