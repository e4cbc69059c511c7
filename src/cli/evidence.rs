//! `warrant evidence [ID]`: the evidence records and their verification
//! status, as a listing or as bibliography entries.

use std::path::PathBuf;

use clap::Args;

use super::{ExitStatus, Output};
use crate::diagnostic::{self, Diagnostic};
use crate::evidence::{self, export};
use crate::knowledge_base::Files;
use crate::span::SourceMap;

#[derive(Debug, Args)]
pub struct EvidenceArgs {
    /// Show only the record with this id.
    #[arg(value_name = "ID")]
    pub id: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = export::Format::Text)]
    pub format: export::Format,
    /// Directory of `*.yaml` evidence files to use instead of the bundled evidence.
    #[arg(long, value_name = "DIR")]
    pub evidence: Option<PathBuf>,
}

pub fn run(args: &EvidenceArgs, output: &Output) -> ExitStatus {
    let files = match Files::from_dirs(None, args.evidence.as_deref(), output.limits()) {
        Ok(files) => files,
        Err(error) => return fail(output, &SourceMap::new(), &[error]),
    };
    // Only the evidence half: a rule problem is no reason not to list evidence.
    let mut sources = SourceMap::new();
    let ids: Vec<_> = files.evidence.into_iter().map(|file| sources.add(file)).collect();
    let (base, mut diagnostics) = evidence::load(&sources, &ids);
    diagnostic::sort(&mut diagnostics);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return fail(output, &sources, &diagnostics);
    }
    if !diagnostics.is_empty() {
        output.diagnostics(&sources, &diagnostics);
    }
    match export::select(&base, args.id.as_deref()) {
        Ok(records) => {
            output.print(&export::render(&records, args.format, output.stdout_colour()));
            ExitStatus::Success
        }
        Err(error) => fail(output, &sources, &[error]),
    }
}

fn fail(output: &Output, sources: &SourceMap, diagnostics: &[Diagnostic]) -> ExitStatus {
    output.diagnostics(sources, diagnostics);
    ExitStatus::InputError
}
