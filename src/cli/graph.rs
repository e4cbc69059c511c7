//! `warrant graph`: the knowledge graph, or the subgraph behind one rule, as
//! DOT, Mermaid or JSON; with a profile, annotated with its values and truth.

use std::io::Read;
use std::path::PathBuf;

use clap::Args;

use super::{ExitStatus, KnowledgeBaseArgs, Output};
use crate::diagnostic::Diagnostic;
use crate::graph::export::{self, Format};
use crate::infer;
use crate::knowledge_base::{self, Files};
use crate::profile;
use crate::span::{SourceFile, SourceMap};

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
    let kb_args = &args.knowledge_base;
    let files = match Files::from_dirs(kb_args.rules.as_deref(), kb_args.evidence.as_deref()) {
        Ok(files) => files,
        Err(error) => return fail(output, &SourceMap::new(), &[error]),
    };
    let (sources, compiled) = knowledge_base::compile(files);
    let kb = match compiled {
        Ok(kb) => kb,
        Err(diagnostics) => {
            output.eprint("the knowledge base has errors; run `warrant check` for the full list\n");
            return fail(output, &sources, &diagnostics);
        }
    };
    let focus = match args.for_rule.as_deref().map(|id| export::find_rule(&kb.graph.program, id)) {
        None => None,
        Some(Ok(rule)) => Some(rule),
        Some(Err(error)) => return fail(output, &sources, &[error]),
    };
    let Some(path) = args.profile.as_ref().map(|p| p.display().to_string()) else {
        let graph = export::export(&kb.graph, &kb.evidence, None, focus);
        output.print(&export::render(&graph, args.format));
        return ExitStatus::Success;
    };
    let Some(format) = profile::Format::from_path(&path) else {
        let error = Diagnostic::error("E0605", format!("cannot tell the format of profile `{path}`"))
            .help("name the file `.yaml`, `.yml` or `.json`, or pass `-` to read standard input");
        return fail(output, &sources, &[error]);
    };
    let source = match read_profile(&path) {
        Ok(source) => source,
        Err(error) => return fail(output, &sources, &[error]),
    };
    let mut sources = sources;
    let file = sources.add(source.clone());
    let parsed = match profile::parse(file, &source, format) {
        Ok(parsed) => parsed,
        Err(error) => return fail(output, &sources, &[error]),
    };
    let facts = match profile::bind(&parsed, &kb.graph.program, file, &source) {
        Ok(facts) => facts,
        Err(diagnostics) => return fail(output, &sources, &diagnostics),
    };
    let evaluation = infer::evaluate(&kb.graph, facts);
    let graph = export::export(&kb.graph, &kb.evidence, Some(&evaluation), focus);
    output.print(&export::render(&graph, args.format));
    ExitStatus::Success
}

/// Reads a profile file, or standard input for `-`; as `warrant explain` does.
fn read_profile(path: &str) -> Result<SourceFile, Diagnostic> {
    let mut text = String::new();
    let read = if path == "-" {
        std::io::stdin().read_to_string(&mut text).map(|_| ())
    } else {
        std::fs::read_to_string(path).map(|t| text = t)
    };
    let name = if path == "-" { "<stdin>" } else { path };
    read.map_err(|error| {
        Diagnostic::error("E0701", format!("cannot read profile `{name}`: {error}"))
            .help("check the path; profiles are YAML or JSON files")
    })?;
    Ok(SourceFile::new(name, text))
}

fn fail(output: &Output, sources: &SourceMap, diagnostics: &[Diagnostic]) -> ExitStatus {
    output.diagnostics(sources, diagnostics);
    ExitStatus::InputError
}
