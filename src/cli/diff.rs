//! `warrant diff`: what a change to the rules or evidence does to a corpus
//! of profiles, profile by profile, with a count per outcome.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;
use rayon::prelude::*;

use super::corpus::{Corpus, Item};
use super::session::{Session, fail};
use super::{ExitStatus, KnowledgeBaseArgs, Output};
use crate::diagnostic::{self, Diagnostic};
use crate::diff::{self, Format, Side, Writer};
use crate::knowledge_base::{self, Files, KnowledgeBase};
use crate::span::SourceMap;

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Profiles to compare on: files (`.yaml`, `.yml`, `.json`, FHIR Bundles, `.jsonl` with a profile per line) or directories of them, read recursively.
    #[arg(long, value_name = "PATH", required = true, num_args = 1..)]
    pub profiles: Vec<PathBuf>,
    /// The knowledge base before the change: `--rules` and `--evidence` (or `rules/` and `evidence/`) as they were at this git revision.
    #[arg(long, value_name = "REV", conflicts_with_all = ["base_rules", "base_evidence"], required_unless_present_any = ["base_rules", "base_evidence"])]
    pub base: Option<String>,
    /// Directory of the rule files before the change (the bundled rules if only `--base-evidence` is given).
    #[arg(long, value_name = "DIR")]
    pub base_rules: Option<PathBuf>,
    /// Directory of the evidence files before the change (the bundled evidence if only `--base-rules` is given).
    #[arg(long, value_name = "DIR")]
    pub base_evidence: Option<PathBuf>,
    /// Output format; `markdown` is meant for a pull-request comment.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit with status 3 when any profile's outcomes or daily plan changed.
    #[arg(long)]
    pub fail_on_change: bool,
    /// With `--format markdown`, how many changed profiles to show in detail.
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub max_details: usize,
    /// The knowledge base after the change (the bundled one by default).
    #[command(flatten)]
    pub knowledge_base: KnowledgeBaseArgs,
}

/// Profiles evaluated together, on every core, before their diffs are written.
const CHUNK: usize = 256;

pub fn run(args: &DiffArgs, output: &Output) -> ExitStatus {
    let Session { kb: new, .. } = match Session::open(&args.knowledge_base, output) {
        Ok(session) => session,
        Err(status) => return status,
    };
    let old = match open_base(args, output) {
        Ok(kb) => kb,
        Err(status) => return status,
    };
    let corpus = match Corpus::list(&args.profiles, output) {
        Ok(corpus) => corpus,
        Err(status) => return status,
    };
    let progress = (std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_message("profiles compared");
        bar
    });
    let stdout = std::io::stdout();
    let mut writer = match Writer::new(std::io::BufWriter::new(stdout.lock()), args.format, args.max_details)
    {
        Ok(writer) => writer,
        Err(error) => return write_failed(output, &error),
    };
    let mut chunk = Vec::with_capacity(CHUNK);
    let flush = |chunk: &mut Vec<Item>, writer: &mut Writer<_>| -> std::io::Result<()> {
        let count = chunk.len() as u64;
        let results: Vec<Result<diff::ProfileDiff, String>> =
            chunk.par_drain(..).map(|item| compare(&old, &new, item, output)).collect();
        for result in results {
            match result {
                Ok(diff) => writer.profile(&diff)?,
                Err(rendered) => {
                    output.eprint(&rendered);
                    writer.refused();
                }
            }
        }
        if let Some(bar) = &progress {
            bar.inc(count);
        }
        Ok(())
    };
    // Each profile read is queued; a full chunk is compared and written.
    let walked = {
        let mut visit = |item: Result<Item, Diagnostic>| -> std::io::Result<()> {
            match item {
                Ok(item) => {
                    chunk.push(item);
                    if chunk.len() == CHUNK {
                        flush(&mut chunk, &mut writer)?;
                    }
                }
                Err(error) => {
                    output.diagnostics(&SourceMap::new(), &[error]);
                    writer.refused();
                }
            }
            Ok(())
        };
        corpus.items(output.limits(), output.input_format(), &mut visit)
    };
    let finished = walked.and_then(|()| flush(&mut chunk, &mut writer)).and_then(|()| writer.finish());
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    let summary = match finished {
        Ok(summary) => summary,
        Err(error) => return write_failed(output, &error),
    };
    if summary.refused > 0 {
        output.eprint(&format!(
            "diff: {} of {} profiles could not be read; their diagnostics are above\n",
            summary.refused, summary.profiles
        ));
        ExitStatus::InputError
    } else if args.fail_on_change && summary.changed > 0 {
        ExitStatus::CheckFailed
    } else {
        ExitStatus::Success
    }
}

fn write_failed(output: &Output, error: &std::io::Error) -> ExitStatus {
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        return ExitStatus::Success;
    }
    let error = Diagnostic::error("E0703", format!("cannot write the diff: {error}"));
    fail(output, &SourceMap::new(), &[error])
}

/// The knowledge base before the change: from git, or from directories.
fn open_base(args: &DiffArgs, output: &Output) -> Result<KnowledgeBase, ExitStatus> {
    let files = match &args.base {
        Some(rev) => Files::at_revision(
            rev,
            args.knowledge_base.rules.as_deref(),
            args.knowledge_base.evidence.as_deref(),
            output.limits(),
        ),
        None => Files::from_dirs(args.base_rules.as_deref(), args.base_evidence.as_deref(), output.limits()),
    }
    .map_err(|error| fail(output, &SourceMap::new(), &[error]))?;
    let (sources, compiled) = knowledge_base::compile(files);
    compiled.map_err(|diagnostics| {
        output.eprint("the base knowledge base (before the change) has errors:\n");
        fail(output, &sources, &diagnostics)
    })
}

/// The profile's diff, or its diagnostics rendered for stderr.
fn compare(
    old: &KnowledgeBase,
    new: &KnowledgeBase,
    item: Item,
    output: &Output,
) -> Result<diff::ProfileDiff, String> {
    let mut sources = SourceMap::new();
    let file = sources.add(item.source.clone());
    let render = |sources: &SourceMap, diagnostics: &[Diagnostic]| {
        diagnostic::render_as(sources, diagnostics, output.error_format(), output.stderr_colour())
    };
    let (today, limits) = (output.today(), output.limits());
    let after = crate::evaluate_profile(new, file, &item.source, item.format, today, limits)
        .map_err(|d| render(&sources, &d))?;
    let before = crate::evaluate_profile(old, file, &item.source, item.format, today, limits)
        .map_err(|d| format!("under the base rules (before the change):\n{}", render(&sources, &d)))?;
    let old_report = crate::explain::build(&before, &old.evidence);
    let new_report = crate::explain::build(&after, &new.evidence);
    let old_side = Side { evaluation: &before, report: &old_report };
    let new_side = Side { evaluation: &after, report: &new_report };
    Ok(diff::compare(item.name, &old_side, &new_side))
}
