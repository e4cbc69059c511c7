//! `warrant completions SHELL` and `warrant man`: shell completions and a
//! man page, both generated from the clap definitions so they never drift.

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::{Cli, ExitStatus, Output};

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn completions(args: &CompletionsArgs, output: &Output) -> ExitStatus {
    let mut buffer = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "warrant", &mut buffer);
    output.print(&String::from_utf8_lossy(&buffer));
    ExitStatus::Success
}

/// Writes the man page (roff) for `warrant` to stdout.
pub fn man(output: &Output) -> ExitStatus {
    let mut buffer = Vec::new();
    match clap_mangen::Man::new(Cli::command()).render(&mut buffer) {
        Ok(()) => {
            output.print(&String::from_utf8_lossy(&buffer));
            ExitStatus::Success
        }
        Err(error) => {
            output.eprint(&format!("error: cannot render the man page: {error}\n"));
            ExitStatus::InputError
        }
    }
}
