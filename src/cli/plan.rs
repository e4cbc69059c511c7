//! `warrant plan PROFILE`: when to take each suggested supplement and each
//! one the profile lists, with every placement's rule and evidence.

use std::path::PathBuf;

use clap::Args;

use super::session::{self, Session};
use super::{ExitStatus, KnowledgeBaseArgs, Output};
use crate::explain::{self, Format};
use crate::plan;

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Profile file (`.yaml`, `.yml` or `.json`), or `-` to read YAML or JSON from stdin.
    #[arg(value_name = "PROFILE")]
    pub profile: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Refuse a profile whose lists name anything no rule reads (exit 1), instead of listing it.
    #[arg(long)]
    pub strict: bool,
    #[command(flatten)]
    pub knowledge_base: KnowledgeBaseArgs,
}

pub fn run(args: &PlanArgs, output: &Output) -> ExitStatus {
    let Session { kb, mut sources } = match Session::open(&args.knowledge_base, output) {
        Ok(session) => session,
        Err(status) => return status,
    };
    let evaluation = match session::evaluate(&kb, &mut sources, &args.profile, args.strict, output) {
        Ok(evaluation) => evaluation,
        Err(status) => return status,
    };
    let daily = plan::build(&evaluation, &kb.evidence);
    output.print(&explain::render_plan(&daily, args.format, output.stdout_colour()));
    ExitStatus::Success
}
