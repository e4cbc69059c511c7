//! `warrant serve` and `warrant lsp`: hand over to the `warrant-serve` and
//! `warrant-lsp` programs, crates of their own so the command line's build
//! never pulls in a web server or a language server. Each is looked for
//! beside this executable, then on `PATH`.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;

use clap::Args;

use super::{ExitStatus, Output};
use crate::diagnostic::Diagnostic;

/// Everything after the command, passed on as it is.
#[derive(Debug, Args)]
#[command(disable_help_flag = true)]
pub struct PassedOn {
    /// Options for the program: `--help` lists them.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "OPTIONS")]
    pub args: Vec<OsString>,
}

/// Runs `program` (`warrant-serve`, `warrant-lsp`) with the arguments, the
/// report date passed on when `--today` was given.
pub fn run(program: &str, args: &PassedOn, output: &Output, today_given: bool) -> ExitStatus {
    let crate_dir = program;
    let program = beside_this_executable(program).unwrap_or_else(|| PathBuf::from(program));
    let mut command = Command::new(&program);
    command.args(&args.args);
    if today_given {
        command.env("WARRANT_TODAY", output.today().to_string());
    }
    match hand_over(&mut command) {
        Ok(status) => status,
        Err(error) => {
            let diagnostic =
                Diagnostic::error("E0707", format!("cannot start `{}`: {error}", program.display())).help(
                    format!(
                        "install it beside `warrant` or on PATH: `cargo install --path crates/{crate_dir}`"
                    ),
                );
            output.diagnostics(&crate::span::SourceMap::new(), &[diagnostic]);
            ExitStatus::InputError
        }
    }
}

fn beside_this_executable(program: &str) -> Option<PathBuf> {
    let candidate =
        std::env::current_exe().ok()?.with_file_name(format!("{program}{}", std::env::consts::EXE_SUFFIX));
    candidate.is_file().then_some(candidate)
}

/// On Unix the program replaces this process, so signals (SIGTERM for a
/// graceful stop) and an editor's pipes reach it directly; elsewhere it
/// runs as a child.
#[cfg(unix)]
fn hand_over(command: &mut Command) -> std::io::Result<ExitStatus> {
    use std::os::unix::process::CommandExt;
    Err(command.exec())
}

#[cfg(not(unix))]
fn hand_over(command: &mut Command) -> std::io::Result<ExitStatus> {
    let status = command.status()?;
    Ok(if status.success() { ExitStatus::Success } else { ExitStatus::InputError })
}
