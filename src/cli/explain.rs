//! `warrant explain PROFILE`: the report for one profile.

use std::io::Read;
use std::path::PathBuf;

use clap::Args;

use super::{ExitStatus, KnowledgeBaseArgs, Output};
use crate::diagnostic::Diagnostic;
use crate::explain::{self, Format, why_not};
use crate::knowledge_base::{self, Files};
use crate::profile;
use crate::span::{SourceFile, SourceMap};

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Profile file (`.yaml`, `.yml` or `.json`), or `-` to read YAML or JSON from stdin.
    #[arg(value_name = "PROFILE")]
    pub profile: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Instead of the report, explain why this outcome did not fire and the smallest change that would make it.
    #[arg(long, value_name = "ID")]
    pub why_not: Option<String>,
    #[command(flatten)]
    pub knowledge_base: KnowledgeBaseArgs,
}

pub fn run(args: &ExplainArgs, output: &Output) -> ExitStatus {
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
    let path = args.profile.display().to_string();
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
    let evaluation = match crate::evaluate_profile(&kb, file, &source, format) {
        Ok(evaluation) => evaluation,
        Err(diagnostics) => return fail(output, &sources, &diagnostics),
    };
    let colour = output.stdout_colour();
    let text = match &args.why_not {
        None => explain::render(&explain::build(&evaluation, &kb.evidence, &kb.sources), args.format, colour),
        Some(id) => {
            let program = &kb.graph.program;
            let Some(rule) = program.find_rule(id) else {
                let names = program.rules.iter().map(|r| r.name.as_str());
                let error = Diagnostic::error("E0212", format!("no rule has the id `{id}`"))
                    .maybe_help(crate::suggest::did_you_mean(id, names))
                    .note("`--why-not` takes the id of an outcome or derived fact, as written after its keyword");
                return fail(output, &sources, &[error]);
            };
            match why_not::why_not(&evaluation, &kb.evidence, &kb.sources, rule) {
                Some(why) => explain::render_why_not(&why, args.format, colour),
                None => {
                    return fail(
                        output,
                        &sources,
                        &[Diagnostic::error("E0901", "internal error: a found rule vanished")],
                    );
                }
            }
        }
    };
    output.print(&text);
    ExitStatus::Success
}

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
