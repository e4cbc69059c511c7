//! `warrant serve`: hands over to the `warrant-serve` program, a crate of
//! its own so the command line's build never pulls in a web server. It is
//! looked for beside this executable, then on `PATH`.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;

use clap::Args;

use super::{ExitStatus, Output};
use crate::diagnostic::Diagnostic;

const PROGRAM: &str = "warrant-serve";

#[derive(Debug, Args)]
#[command(disable_help_flag = true)]
pub struct ServeArgs {
    /// Options for the server: `warrant serve --help` lists them.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "OPTIONS")]
    pub args: Vec<OsString>,
}

pub fn run(args: &ServeArgs, output: &Output, today_given: bool) -> ExitStatus {
    let program = beside_this_executable().unwrap_or_else(|| PathBuf::from(PROGRAM));
    let mut command = Command::new(&program);
    command.args(&args.args);
    if today_given {
        command.env("WARRANT_TODAY", output.today().to_string());
    }
    match hand_over(&mut command) {
        Ok(status) => status,
        Err(error) => {
            let diagnostic = Diagnostic::error("E0707", format!("cannot start `{}`: {error}", program.display()))
                .help("`warrant serve` runs the warrant-serve program: install it with `cargo install --path crates/warrant-serve`, beside `warrant` or on PATH");
            output.diagnostics(&crate::span::SourceMap::new(), &[diagnostic]);
            ExitStatus::InputError
        }
    }
}

fn beside_this_executable() -> Option<PathBuf> {
    let candidate =
        std::env::current_exe().ok()?.with_file_name(format!("{PROGRAM}{}", std::env::consts::EXE_SUFFIX));
    candidate.is_file().then_some(candidate)
}

/// On Unix the server replaces this process, so signals (SIGTERM for a
/// graceful stop) reach it directly; elsewhere it runs as a child.
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
