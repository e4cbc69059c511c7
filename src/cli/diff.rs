//! `warrant diff`: what a change to the rules or evidence does to a corpus
//! of profiles, profile by profile, with a count per outcome.

use std::io::{BufReader, IsTerminal};
use std::path::{Path, PathBuf};

use clap::Args;
use rayon::prelude::*;

use super::session::{Session, fail};
use super::{ExitStatus, InputFormat, KnowledgeBaseArgs, Output};
use crate::diagnostic::{self, Diagnostic};
use crate::diff::{self, Format, Side, Writer};
use crate::knowledge_base::{self, Files, KnowledgeBase};
use crate::limits::{self, Line};
use crate::profile;
use crate::span::{SourceFile, SourceMap};

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

/// One profile to compare: where it came from and its text.
struct Item {
    name: String,
    source: SourceFile,
    format: profile::Format,
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
    let old_report = crate::explain::build(&before, &old.evidence, &old.sources);
    let new_report = crate::explain::build(&after, &new.evidence, &new.sources);
    let old_side = Side { evaluation: &before, report: &old_report };
    let new_side = Side { evaluation: &after, report: &new_report };
    Ok(diff::compare(item.name, &old_side, &new_side))
}

/// The corpus: profile files, and JSON Lines files of profiles.
struct Corpus {
    files: Vec<PathBuf>,
}

impl Corpus {
    /// Every profile file under `paths`, in name order. A directory's
    /// other files are skipped, and said so on stderr; a file named
    /// directly must be a profile.
    fn list(paths: &[PathBuf], output: &Output) -> Result<Corpus, ExitStatus> {
        let mut files = Vec::new();
        let mut skipped = 0usize;
        for path in paths {
            if path.is_dir() {
                walk(path, &mut files, &mut skipped)
                    .map_err(|error| fail(output, &SourceMap::new(), &[error]))?;
            } else if is_profile(path) || is_lines(path) {
                files.push(path.clone());
            } else {
                let error = Diagnostic::error("E0605", format!("`{}` is not a profile file", path.display()))
                    .help("give `.yaml`, `.yml`, `.json` or `.jsonl` files, or directories of them");
                return Err(fail(output, &SourceMap::new(), &[error]));
            }
        }
        if skipped > 0 {
            output.eprint(&format!(
                "diff: skipped {skipped} files that are not profiles (not .yaml, .yml, .json or .jsonl)\n"
            ));
        }
        Ok(Corpus { files })
    }

    /// Reads each profile in turn and hands it to `visit`: one file at a
    /// time, JSON Lines line by line, so memory stays bounded.
    fn items(
        &self,
        limits: &limits::Limits,
        input_format: InputFormat,
        visit: &mut dyn FnMut(Result<Item, Diagnostic>) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        for path in &self.files {
            let name = path.display().to_string();
            if is_lines(path) {
                let file = match std::fs::File::open(path) {
                    Ok(file) => file,
                    Err(error) => {
                        visit(Err(Diagnostic::error("E0701", format!("cannot read `{name}`: {error}"))))?;
                        continue;
                    }
                };
                let mut reader = BufReader::new(file);
                let mut number = 0;
                while let Some(line) = limits::read_line(&mut reader, limits.line_bytes)? {
                    number += 1;
                    let item = match line {
                        Line::TooLong => Err(limits::line_too_long(&name, number, limits.line_bytes)),
                        Line::Bytes(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => continue,
                        Line::Bytes(bytes) => limits::text_of(bytes, &name, number).map(|source| Item {
                            name: format!("{name}:{number}"),
                            source,
                            format: input_format.for_path("line.json").unwrap_or(profile::Format::Json),
                        }),
                    };
                    visit(item)?;
                }
            } else {
                let format = input_format.for_path(&name).unwrap_or(profile::Format::Yaml);
                let item =
                    limits::read_file(path, "profile", limits).map(|source| Item { name, source, format });
                visit(item)?;
            }
        }
        Ok(())
    }
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>, skipped: &mut usize) -> Result<(), Diagnostic> {
    let cannot = |error: std::io::Error| {
        Diagnostic::error("E0701", format!("cannot read `{}`: {error}", dir.display()))
            .help("give a directory that exists and can be read")
    };
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(dir).map_err(cannot)?.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, files, skipped)?;
        } else if is_profile(&path) || is_lines(&path) {
            files.push(path);
        } else {
            *skipped += 1;
        }
    }
    Ok(())
}

fn is_profile(path: &Path) -> bool {
    profile::Format::from_path(&path.display().to_string()).is_some()
}

fn is_lines(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| matches!(e, "jsonl" | "ndjson"))
}
