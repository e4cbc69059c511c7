//! `warrant lint`: warnings about a knowledge base that checks clean.

use clap::Args;

use super::{ExitStatus, KnowledgeBaseArgs, Output};
use crate::diagnostic::{self, Diagnostic};
use crate::knowledge_base::{self, Files};
use crate::lint::{self, LintOptions};
use crate::span::SourceMap;

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
}

pub fn run(args: &LintArgs, output: &Output) -> ExitStatus {
    let kb_args = &args.knowledge_base;
    let files = match Files::from_dirs(kb_args.rules.as_deref(), kb_args.evidence.as_deref(), output.limits())
    {
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
    let options = LintOptions { max_age_days: i64::from(args.max_age_days), today: output.today() };
    let warnings: Vec<Diagnostic> = lint::lint(&kb, &options);
    output.diagnostics(&sources, &warnings);
    output.summary(&warnings, &format!("lint: {}", diagnostic::summary(&warnings)));
    if args.deny_warnings && !warnings.is_empty() { ExitStatus::CheckFailed } else { ExitStatus::Success }
}
