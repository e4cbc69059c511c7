//! `warrant check`: every problem in the rules and evidence, then a summary.

use clap::Args;

use super::{ExitStatus, KnowledgeBaseArgs, Output};
use crate::diagnostic;
use crate::knowledge_base::{self, Files};
use crate::span::SourceMap;

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub knowledge_base: KnowledgeBaseArgs,
}

pub fn run(args: &CheckArgs, output: &Output) -> ExitStatus {
    let kb = &args.knowledge_base;
    let files = match Files::from_dirs(kb.rules.as_deref(), kb.evidence.as_deref(), output.limits()) {
        Ok(files) => files,
        Err(error) => {
            output.diagnostics(&SourceMap::new(), &[error]);
            return ExitStatus::InputError;
        }
    };
    let (rule_count, evidence_count) = (files.rules.len(), files.evidence.len());
    let (sources, result) = knowledge_base::compile(files);
    match result {
        Ok(_) => {
            output.summary(
                &[],
                &format!(
                    "checked {rule_count} rule file(s) and {evidence_count} evidence file(s): no problems"
                ),
            );
            ExitStatus::Success
        }
        Err(diagnostics) => {
            output.diagnostics(&sources, &diagnostics);
            output.summary(&diagnostics, &format!("check failed: {}", diagnostic::summary(&diagnostics)));
            ExitStatus::InputError
        }
    }
}
