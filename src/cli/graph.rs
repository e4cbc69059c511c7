//! `warrant graph`: the knowledge graph, or the subgraph behind one rule, as
//! DOT, Mermaid or JSON; with a profile, annotated with its values and truth.

use std::path::PathBuf;

use clap::Args;

use super::session::{self, Session};
use super::{ExitStatus, KnowledgeBaseArgs, Output};
use crate::graph::export::{self, Format};

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Dot)]
    pub format: Format,
    /// Only the outcome or derived fact with this id, and everything it depends on.
    #[arg(long = "for", value_name = "ID")]
    pub for_rule: Option<String>,
    /// Annotate the graph with a profile (`.yaml`, `.yml` or `.json`, or `-` for stdin): values and truth.
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<PathBuf>,
    #[command(flatten)]
    pub knowledge_base: KnowledgeBaseArgs,
}

pub fn run(args: &GraphArgs, output: &Output) -> ExitStatus {
    let Session { kb, mut sources } = match Session::open(&args.knowledge_base, output) {
        Ok(session) => session,
        Err(status) => return status,
    };
    let focus = match args.for_rule.as_deref().map(|id| export::find_rule(&kb.graph.program, id)) {
        None => None,
        Some(Ok(rule)) => Some(rule),
        Some(Err(error)) => return session::fail(output, &sources, &[error]),
    };
    let evaluation = match &args.profile {
        None => None,
        Some(path) => match session::evaluate(&kb, &mut sources, path, false, output) {
            Ok(evaluation) => Some(evaluation),
            Err(status) => return status,
        },
    };
    let graph = export::export(&kb.graph, &kb.evidence, evaluation.as_ref(), focus);
    output.print(&export::render(&graph, args.format));
    ExitStatus::Success
}
