//! The command line: clap definitions, dispatch and exit statuses.
//!
//! Exit statuses: 0 success; 1 the input was bad (rule, evidence or profile
//! errors, unreadable files); 2 a usage error (clap's own status); 3 a check
//! the command was asked to make found something (`fmt --check`, `lint
//! --deny-warnings`, failing `test` cases).

mod batch;
mod check;
mod completions;
mod corpus;
mod diff;
mod evidence;
mod explain;
mod fmt;
mod front_end;
mod generate;
mod graph;
mod lint;
mod plan;
mod session;
mod snapshot;
mod test;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::dates::{self, Date};
use crate::diagnostic::{self, Diagnostic, ErrorFormat};
use crate::limits::{self, Limits};
use crate::span::SourceMap;

/// Shown after `--help` and in the man page.
const EXIT_STATUSES: &str = "Exit statuses:
  0  success
  1  bad input: rule, evidence, profile or test-file errors, or an unreadable file; nothing on stdout
  2  usage error: unknown command or option, missing argument
  3  a check you asked for found something: `fmt --check` would change files,
     `lint --deny-warnings` found warnings, `test` had failing cases

Reports are not medical advice.";

#[derive(Debug, Parser)]
#[command(
    name = "warrant",
    version,
    about = "Check health rules, evaluate a profile and explain every suggestion with its evidence",
    after_help = EXIT_STATUSES
)]
pub struct Cli {
    /// When to colour output.
    #[arg(long, global = true, value_enum, default_value_t = ColourChoice::Auto)]
    pub color: ColourChoice,
    /// How to write diagnostics: `human` (excerpts, underlines), `plain` (screen readers, logs), `json` (one object per line).
    #[arg(long, global = true, value_enum, default_value_t = ErrorFormat::Human, env = "WARRANT_ERROR_FORMAT")]
    pub error_format: ErrorFormat,
    /// The report date (YYYY-MM-DD): ages, lab ages and review ages are measured to it. Today by default; set it for reproducible output.
    #[arg(long, global = true, value_name = "DATE", value_parser = dates::parse_argument, env = "WARRANT_TODAY")]
    pub today: Option<Date>,
    /// How profiles are written: by the file's extension and content (a JSON file with a `resourceType` is FHIR), or as given.
    #[arg(long, global = true, value_enum, default_value_t = InputFormat::Auto)]
    pub input_format: InputFormat,
    #[command(flatten)]
    pub limits: LimitArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate a profile and explain every suggestion, test and caution.
    Explain(explain::ExplainArgs),
    /// Check rule and evidence files and report every problem.
    Check(check::CheckArgs),
    /// Rewrite rule files in the canonical layout, keeping every comment; `--check` only lists those that would change.
    Fmt(fmt::FmtArgs),
    /// List evidence records and their verification status, as text, JSON, BibTeX or CSL-JSON.
    Evidence(evidence::EvidenceArgs),
    /// Export the knowledge graph, or the subgraph behind one rule, as DOT, Mermaid or JSON.
    Graph(graph::GraphArgs),
    /// Warn about weak evidence, unused inputs and records, conditions that can never hold, duplicate rules and stale reviews.
    Lint(lint::LintArgs),
    /// Run declarative YAML rule tests; `--coverage` and `--boundaries` show what they leave untested.
    Test(test::TestArgs),
    /// Place each suggested supplement, and those the profile lists, into the slots of the day.
    Plan(plan::PlanArgs),
    /// Evaluate JSON Lines profiles in parallel: one JSON line of outcomes per profile, in input order.
    Batch(batch::BatchArgs),
    /// Show what a change to the rules or evidence does to a corpus of profiles: outcomes that appear, disappear, change truth or details.
    Diff(diff::DiffArgs),
    /// Keep a reviewed report per profile: `--check` diffs them in CI, `--accept` and `--review` update them.
    Snapshot(snapshot::SnapshotArgs),
    /// Serve the knowledge base as a CDS Hooks 2.0 HTTP service (runs the `warrant-serve` program).
    Serve(front_end::PassedOn),
    /// The Language Server Protocol for rule files, on stdio, for editors (runs the `warrant-lsp` program).
    Lsp(front_end::PassedOn),
    /// Print shell completions for bash, zsh, fish, elvish or PowerShell.
    Completions(completions::CompletionsArgs),
    /// Print the man page (roff), e.g. `warrant man > warrant.1`.
    Man,
    /// Synthetic knowledge bases and profiles, for benchmarks.
    #[command(hide = true)]
    Generate(generate::GenerateArgs),
}

/// Where the knowledge base comes from; the bundled one by default.
#[derive(Debug, Args)]
pub struct KnowledgeBaseArgs {
    /// Directory of `*.warrant` rule files to use instead of the bundled rules.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// Directory of `*.yaml` evidence files to use instead of the bundled evidence.
    #[arg(long, value_name = "DIR")]
    pub evidence: Option<PathBuf>,
}

/// How a profile is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    /// By extension (`.yaml`, `.yml`, `.json`; stdin as YAML), and JSON with a `resourceType` as FHIR.
    Auto,
    Yaml,
    Json,
    /// A FHIR R4 Bundle (JSON).
    Fhir,
}

impl InputFormat {
    /// The profile format for a path, unless the flag settles it.
    pub fn for_path(self, path: &str) -> Option<crate::profile::Format> {
        use crate::profile::Format;
        match self {
            InputFormat::Auto => Format::from_path(path),
            InputFormat::Yaml => Some(Format::Yaml),
            InputFormat::Json => Some(Format::Json),
            InputFormat::Fhir => Some(Format::Fhir),
        }
    }
}

/// Raising the limits on input size (see the README's "Limits").
#[derive(Debug, Args)]
pub struct LimitArgs {
    /// Largest file (rules, evidence, profile, rule tests) or standard input read, e.g. `64MiB` [default: 16MiB].
    #[arg(long, global = true, value_name = "SIZE", value_parser = limits::parse_size)]
    pub max_input_size: Option<u64>,
    /// Longest line of `batch` input [default: 1MiB].
    #[arg(long, global = true, value_name = "SIZE", value_parser = limits::parse_size)]
    pub max_line_size: Option<u64>,
    /// Most entries in one list of a profile, or labs in its `labs` [default: 500].
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_list_items: Option<u32>,
}

impl LimitArgs {
    fn limits(&self) -> Limits {
        let default = Limits::default();
        Limits {
            input_bytes: self.max_input_size.unwrap_or(default.input_bytes),
            line_bytes: self.max_line_size.unwrap_or(default.line_bytes),
            list_items: self.max_list_items.map_or(default.list_items, |n| n as usize),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColourChoice {
    /// Colour when writing to a terminal and `NO_COLOR` is not set.
    Auto,
    Always,
    Never,
}

impl ColourChoice {
    fn enabled(self, terminal: bool) -> bool {
        match self {
            ColourChoice::Always => true,
            ColourChoice::Never => false,
            ColourChoice::Auto => terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }
}

/// The documented exit statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Success = 0,
    /// Rules, evidence, a profile or a file was bad.
    InputError = 1,
    /// The command line asked for something that cannot be done, as clap's
    /// own usage errors do.
    Usage = 2,
    /// A check the command was asked to make found something: files that
    /// `fmt --check` would change, warnings under `lint --deny-warnings`,
    /// failing `test` cases.
    CheckFailed = 3,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(status as u8)
    }
}

/// Parses arguments and runs one command.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let output = Output {
        colour: cli.color,
        error_format: cli.error_format,
        today: cli.today.unwrap_or_else(dates::today),
        limits: cli.limits.limits(),
        input_format: cli.input_format,
    };
    let status = match &cli.command {
        Command::Explain(args) => explain::run(args, &output),
        Command::Check(args) => check::run(args, &output),
        Command::Fmt(args) => fmt::run(args, &output),
        Command::Lint(args) => lint::run(args, &output),
        Command::Plan(args) => plan::run(args, &output),
        Command::Batch(args) => batch::run(args, &output),
        Command::Completions(args) => completions::completions(args, &output),
        Command::Man => completions::man(&output),
        Command::Generate(args) => generate::run(args, &output),
        Command::Evidence(args) => evidence::run(args, &output),
        Command::Graph(args) => graph::run(args, &output),
        Command::Test(args) => test::run(args, &output),
        Command::Diff(args) => diff::run(args, &output),
        Command::Snapshot(args) => snapshot::run(args, &output),
        Command::Serve(args) => front_end::run("warrant-serve", args, &output, cli.today.is_some()),
        Command::Lsp(args) => front_end::run("warrant-lsp", args, &output, cli.today.is_some()),
    };
    status.into()
}

/// Where commands write, whether in colour, the date they report on and
/// the limits on what they read.
pub struct Output {
    colour: ColourChoice,
    error_format: ErrorFormat,
    today: Date,
    limits: Limits,
    input_format: InputFormat,
}

impl Output {
    pub fn input_format(&self) -> InputFormat {
        self.input_format
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The report date: `--today`, or the machine's date.
    pub fn today(&self) -> Date {
        self.today
    }

    pub fn stdout_colour(&self) -> bool {
        self.colour.enabled(std::io::stdout().is_terminal())
    }

    /// Writes all of `text` to stdout at once; a closed pipe is not an error.
    pub fn print(&self, text: &str) {
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush());
    }

    pub fn error_format(&self) -> ErrorFormat {
        self.error_format
    }

    /// Whether diagnostics on stderr are coloured.
    pub fn stderr_colour(&self) -> bool {
        self.colour.enabled(std::io::stderr().is_terminal())
    }

    /// Renders diagnostics to stderr.
    pub fn diagnostics(&self, sources: &SourceMap, diagnostics: &[Diagnostic]) {
        let text = diagnostic::render_as(sources, diagnostics, self.error_format, self.stderr_colour());
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }

    pub fn eprint(&self, text: &str) {
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }

    /// The closing line of a checking command: a sentence, or with
    /// `--error-format json` an object `{"type": "summary", ...}`.
    pub fn summary(&self, diagnostics: &[Diagnostic], sentence: &str) {
        let line = match self.error_format {
            ErrorFormat::Json => {
                let errors = diagnostics.iter().filter(|d| d.is_error()).count();
                let summary = serde_json::json!({
                    "type": "summary",
                    "errors": errors,
                    "warnings": diagnostics.len() - errors,
                    "message": sentence,
                });
                format!("{summary}\n")
            }
            ErrorFormat::Human | ErrorFormat::Plain => format!("{sentence}\n"),
        };
        self.eprint(&line);
    }
}
