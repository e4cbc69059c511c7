//! `warrant lint`: warnings about a knowledge base that checks clean.

use clap::Args;

use super::{ExitStatus, KnowledgeBaseArgs, Output};
use crate::diagnostic::{self, Diagnostic};
use crate::knowledge_base::{self, Files};
use crate::lint::{self, LintOptions};
use crate::span::{SourceFile, SourceMap};
use crate::syntax::ast::Date;

#[derive(Debug, Args)]
pub struct LintArgs {
    #[command(flatten)]
    pub knowledge_base: KnowledgeBaseArgs,
    /// Exit with status 3 when there is any warning.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Report rule files last reviewed more than this many days ago.
    #[arg(long, value_name = "DAYS", default_value_t = 365)]
    pub max_age_days: u32,
    /// Measure review ages to this date (YYYY-MM-DD) instead of today, for reproducible runs.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub today: Option<Date>,
}

fn parse_date(text: &str) -> Result<Date, String> {
    let source = SourceFile::new("--today", format!("reviewed {text}"));
    crate::syntax::parse(crate::span::FileId(0), &source)
        .ok()
        .and_then(|file| file.reviewed)
        .map(|date| date.node)
        .ok_or_else(|| format!("`{text}` is not a date in the form YYYY-MM-DD"))
}

pub fn run(args: &LintArgs, output: &Output) -> ExitStatus {
    let kb_args = &args.knowledge_base;
    let files = match Files::from_dirs(kb_args.rules.as_deref(), kb_args.evidence.as_deref()) {
        Ok(files) => files,
        Err(error) => {
            output.diagnostics(&SourceMap::new(), &[error]);
            return ExitStatus::InputError;
        }
    };
    let (sources, compiled) = knowledge_base::compile(files);
    let kb = match compiled {
        Ok(kb) => kb,
        Err(errors) => {
            output.diagnostics(&sources, &errors);
            output.summary(&errors, &format!("lint stopped: {}", diagnostic::summary(&errors)));
            return ExitStatus::InputError;
        }
    };
    let options = LintOptions {
        max_age_days: i64::from(args.max_age_days),
        today: args.today.unwrap_or_else(lint::today),
    };
    let warnings: Vec<Diagnostic> = lint::lint(&kb, &options);
    output.diagnostics(&sources, &warnings);
    output.summary(&warnings, &format!("lint: {}", diagnostic::summary(&warnings)));
    if args.deny_warnings && !warnings.is_empty() { ExitStatus::CheckFailed } else { ExitStatus::Success }
}
