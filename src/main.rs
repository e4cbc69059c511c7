//! The `warrant` command line; see `warrant --help`.

fn main() -> std::process::ExitCode {
    warrant::cli::run()
}
