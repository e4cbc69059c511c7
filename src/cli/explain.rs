//! `warrant explain PROFILE`: the report for one profile.

use std::path::PathBuf;

use clap::Args;

use super::session::{self, Session};
use super::{ExitStatus, KnowledgeBaseArgs, Output};
use crate::diagnostic::Diagnostic;
use crate::explain::{self, Format, why_not};

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Profile file (`.yaml`, `.yml` or `.json`), or `-` to read YAML or JSON from stdin.
    #[arg(value_name = "PROFILE")]
    pub profile: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Refuse a profile whose lists name anything no rule reads (exit 1), instead of listing it.
    #[arg(long)]
    pub strict: bool,
    /// Instead of the report, explain why this outcome did not fire and the smallest change that would make it.
    #[arg(long, value_name = "ID")]
    pub why_not: Option<String>,
    #[command(flatten)]
    pub knowledge_base: KnowledgeBaseArgs,
}

pub fn run(args: &ExplainArgs, output: &Output) -> ExitStatus {
    let Session { kb, mut sources } = match Session::open(&args.knowledge_base, output) {
        Ok(session) => session,
        Err(status) => return status,
    };
    let evaluation = match session::evaluate(&kb, &mut sources, &args.profile, args.strict, output) {
        Ok(evaluation) => evaluation,
        Err(status) => return status,
    };
    let colour = output.stdout_colour();
    let text = match &args.why_not {
        None => {
            let report = explain::build(&evaluation, &kb.evidence);
            match args.format {
                Format::Html => explain::render_html_with_figures(&report, &evaluation, &kb.evidence),
                format => explain::render(&report, format, colour),
            }
        }
        Some(id) => {
            let program = &kb.graph.program;
            let Some(rule) = program.find_rule(id) else {
                let names = program.rules.iter().map(|r| r.name.as_str());
                let error = Diagnostic::error("E0212", format!("no rule has the id `{id}`"))
                    .maybe_help(crate::suggest::did_you_mean(id, names))
                    .note("`--why-not` takes the id of an outcome or derived fact, as written after its keyword");
                return session::fail(output, &sources, &[error]);
            };
            match why_not::why_not(&evaluation, &kb.evidence, rule) {
                Some(why) => explain::render_why_not(&why, args.format, colour),
                None => {
                    let error = Diagnostic::error("E0901", "internal error: a found rule vanished");
                    return session::fail(output, &sources, &[error]);
                }
            }
        }
    };
    output.print(&text);
    ExitStatus::Success
}
