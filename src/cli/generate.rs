//! `warrant generate` (hidden): synthetic knowledge bases and profiles for
//! the benchmarks, deterministic for a seed.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{ExitStatus, Output};
use crate::synthetic;

#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[command(subcommand)]
    pub what: What,
}

#[derive(Debug, Subcommand)]
pub enum What {
    /// Write `DIR/rules/synthetic.warrant` and `DIR/evidence/synthetic.yaml`.
    Rules {
        #[arg(long)]
        count: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Print profiles as JSON Lines, one per line.
    Profiles {
        #[arg(long)]
        count: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

pub fn run(args: &GenerateArgs, output: &Output) -> ExitStatus {
    match &args.what {
        What::Rules { count, seed, out } => {
            let rules = synthetic::rules(*count, *seed);
            let written = std::fs::create_dir_all(out.join("rules"))
                .and_then(|()| std::fs::create_dir_all(out.join("evidence")))
                .and_then(|()| {
                    std::fs::write(out.join("rules/synthetic.warrant"), synthetic::warrant_rules(&rules))
                })
                .and_then(|()| {
                    std::fs::write(out.join("evidence/synthetic.yaml"), synthetic::WARRANT_EVIDENCE)
                });
            match written {
                Ok(()) => ExitStatus::Success,
                Err(error) => {
                    output.eprint(&format!("error: cannot write to `{}`: {error}\n", out.display()));
                    ExitStatus::InputError
                }
            }
        }
        What::Profiles { count, seed } => {
            // Streamed line by line: a million profiles never sit in memory.
            let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
            for line in synthetic::profiles(*count, *seed) {
                if writeln!(stdout, "{line}").is_err() {
                    return ExitStatus::Success;
                }
            }
            let _ = stdout.flush();
            ExitStatus::Success
        }
    }
}
