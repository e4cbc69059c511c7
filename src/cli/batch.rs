//! `warrant batch [INPUT]`: many profiles, one JSON line each, in parallel.

use std::io::{BufReader, IsTerminal};
use std::path::PathBuf;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use super::session::Session;
use super::{ExitStatus, KnowledgeBaseArgs, Output};
use crate::batch::{self, Options};
use crate::diagnostic::{Diagnostic, ErrorFormat};
use crate::span::SourceMap;

#[derive(Debug, Args)]
pub struct BatchArgs {
    /// JSON Lines file of profiles, one per line; `-` or nothing reads stdin.
    #[arg(value_name = "INPUT")]
    pub input: Option<PathBuf>,
    /// Stop at the first line that fails.
    #[arg(long)]
    pub fail_fast: bool,
    /// Add each profile's full report (the shape of `explain --format json`) to its line.
    #[arg(long)]
    pub explain: bool,
    /// Fail a line whose lists name anything no rule reads.
    #[arg(long)]
    pub strict: bool,
    /// Worker threads: at most one per core (the default) unless `--force-jobs`.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub jobs: Option<u32>,
    /// Allow `--jobs` beyond the number of cores; each thread costs memory and gains no speed.
    #[arg(long, requires = "jobs")]
    pub force_jobs: bool,
    #[command(flatten)]
    pub knowledge_base: KnowledgeBaseArgs,
}

pub fn run(args: &BatchArgs, output: &Output) -> ExitStatus {
    let Session { kb, .. } = match Session::open(&args.knowledge_base, output) {
        Ok(session) => session,
        Err(status) => return status,
    };
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    if let Some(jobs) = args.jobs.map(|n| n as usize).filter(|&n| n > cores && !args.force_jobs) {
        let error = Diagnostic::error(
            "E0706",
            format!("`--jobs {jobs}` asks for more worker threads than the {cores} core(s) of this machine"),
        )
        .help(format!("give `--jobs {cores}` or fewer, or add `--force-jobs` to start them anyway"));
        output.diagnostics(&SourceMap::new(), &[error]);
        return ExitStatus::Usage;
    }
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(jobs) = args.jobs {
        pool = pool.num_threads(jobs as usize);
    }
    let pool = match pool.build() {
        Ok(pool) => pool,
        Err(error) => {
            output.eprint(&format!("error: cannot start worker threads: {error}\n"));
            return ExitStatus::InputError;
        }
    };
    // The input, and what diagnostics call it.
    let (input, input_name): (Box<dyn std::io::BufRead>, String) = match &args.input {
        Some(path) if path.as_os_str() != "-" => match std::fs::File::open(path) {
            Ok(file) => (Box::new(BufReader::new(file)), path.display().to_string()),
            Err(error) => {
                output.eprint(&format!("error[E0701]: cannot read `{}`: {error}\n", path.display()));
                return ExitStatus::InputError;
            }
        },
        _ => (Box::new(std::io::stdin().lock()), String::from("<stdin>")),
    };
    // A progress line on stderr only when a person is watching it.
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {pos} profiles, {per_sec}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar
    });
    let progress = |done: usize| {
        if let Some(bar) = &bar {
            bar.set_position(done as u64);
        }
    };
    let options = Options {
        fail_fast: args.fail_fast,
        explain: args.explain,
        strict: args.strict,
        today: output.today(),
        limits: *output.limits(),
        format: match output.input_format() {
            super::InputFormat::Fhir => crate::profile::Format::Fhir,
            _ => crate::profile::Format::Json,
        },
        pool: &pool,
        progress: &progress,
        input_name: &input_name,
        error_format: output.error_format(),
        colour: output.stderr_colour(),
    };
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let mut stderr = std::io::stderr().lock();
    let result = batch::run(&kb, input, &mut stdout, &mut stderr, &options);
    drop(stdout);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    match result {
        Ok(summary) => {
            let stopped = if summary.stopped { ", stopped at the first failure" } else { "" };
            let sentence = format!(
                "batch: {} profile(s) evaluated, {} line(s) failed{stopped}",
                summary.evaluated, summary.failed
            );
            let line = match output.error_format() {
                ErrorFormat::Json => serde_json::json!({
                    "type": "summary",
                    "evaluated": summary.evaluated,
                    "failed": summary.failed,
                    "stopped": summary.stopped,
                    "message": sentence,
                })
                .to_string(),
                ErrorFormat::Human | ErrorFormat::Plain => sentence,
            };
            output.eprint(&format!("{line}\n"));
            if summary.failed > 0 { ExitStatus::InputError } else { ExitStatus::Success }
        }
        Err(error) => {
            output.eprint(&format!("error[E0701]: cannot read or write: {error}\n"));
            ExitStatus::InputError
        }
    }
}
