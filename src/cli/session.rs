//! What `explain`, `plan` and `graph --profile` share: compiling the
//! knowledge base and reading one profile for it, with every failure
//! reported as diagnostics and turned into an exit status.

use std::path::Path;

use super::{ExitStatus, KnowledgeBaseArgs, Output};
use crate::diagnostic::Diagnostic;
use crate::infer::Evaluation;
use crate::knowledge_base::{self, Files, KnowledgeBase};
use crate::limits;
use crate::profile::{self, Written};
use crate::span::SourceMap;

/// A compiled knowledge base and the sources its diagnostics point into.
pub struct Session {
    pub kb: KnowledgeBase,
    pub sources: SourceMap,
}

impl Session {
    /// Compiles the bundled knowledge base, or the directories given.
    pub fn open(args: &KnowledgeBaseArgs, output: &Output) -> Result<Session, ExitStatus> {
        let files = Files::from_dirs(args.rules.as_deref(), args.evidence.as_deref(), output.limits())
            .map_err(|error| fail(output, &SourceMap::new(), &[error]))?;
        let (sources, compiled) = knowledge_base::compile(files);
        match compiled {
            Ok(kb) => Ok(Session { kb, sources }),
            Err(diagnostics) => {
                output.eprint("the knowledge base has errors; run `warrant check` for the full list\n");
                Err(fail(output, &sources, &diagnostics))
            }
        }
    }
}

/// Reads a profile (`-` for stdin), adds it to `sources` and evaluates every
/// rule of `kb` for it. With `strict`, an entry of its lists that no rule
/// reads is an error.
pub fn evaluate<'k>(
    kb: &'k KnowledgeBase,
    sources: &mut SourceMap,
    path: &Path,
    strict: bool,
    output: &Output,
) -> Result<Evaluation<'k>, ExitStatus> {
    let path = path.display().to_string();
    // Read first: a path that is missing or a directory is told so, not
    // that its format cannot be told.
    let source = if path == "-" {
        limits::read_stdin(output.limits())
    } else {
        limits::read_file(Path::new(&path), "profile", output.limits())
    }
    .map_err(|error| fail(output, sources, &[error]))?;
    let Some(format) = output.input_format().for_path(&path) else {
        let error = Diagnostic::error("E0605", format!("cannot tell the format of profile `{path}`"))
            .help("name the file `.yaml`, `.yml` or `.json`, or pass `-` to read standard input");
        return Err(fail(output, sources, &[error]));
    };
    let file = sources.add(source.clone());
    let evaluation = crate::evaluate_profile(kb, file, &source, format, output.today(), output.limits())
        .map_err(|diagnostics| fail(output, sources, &diagnostics))?;
    if strict {
        profile::refuse_not_considered(&evaluation.facts, Written::file(file, &source))
            .map_err(|diagnostics| fail(output, sources, &diagnostics))?;
    }
    Ok(evaluation)
}

/// Reports diagnostics that point into `sources`: an input error.
pub fn fail(output: &Output, sources: &SourceMap, diagnostics: &[Diagnostic]) -> ExitStatus {
    output.diagnostics(sources, diagnostics);
    ExitStatus::InputError
}
