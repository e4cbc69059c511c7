//! `warrant snapshot`: a reviewed report per profile, kept in files, and
//! checked in CI without Rust. The files are insta's `.snap` format (a
//! small YAML header between `---` lines, then the report), so `cargo
//! insta` can read them too.

use std::collections::BTreeSet;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use clap::{ArgGroup, Args};

use super::corpus::{Corpus, Item};
use super::session::{Session, fail};
use super::{ExitStatus, KnowledgeBaseArgs, Output};
use crate::diagnostic::{self, Diagnostic};
use crate::explain::{self, Format};
use crate::knowledge_base::KnowledgeBase;
use crate::span::SourceMap;

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("mode").required(true).args(["check", "accept", "review"])))]
pub struct SnapshotArgs {
    /// Profiles: files (`.yaml`, `.yml`, `.json`, FHIR Bundles, `.jsonl`) or directories of them, read recursively.
    #[arg(long, value_name = "PATH", required = true, num_args = 1..)]
    pub profiles: Vec<PathBuf>,
    /// Directory of the snapshot files, one `NAME.snap` per profile, named after its path below `--profiles`.
    #[arg(long, value_name = "DIR")]
    pub snapshots: PathBuf,
    /// Compare every report with its snapshot; print a unified diff for each that changed, and exit 3 if any did, is new or has no profile any more.
    #[arg(long)]
    pub check: bool,
    /// Write every new and changed report as its snapshot, and remove snapshots that have no profile any more.
    #[arg(long)]
    pub accept: bool,
    /// Show each new or changed report's diff and ask whether to accept it (answers are read from standard input).
    #[arg(long)]
    pub review: bool,
    /// The report format kept.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    pub knowledge_base: KnowledgeBaseArgs,
}

/// What happened to the snapshots, for the closing line and the exit status.
#[derive(Default)]
struct Tally {
    profiles: usize,
    unchanged: usize,
    changed: usize,
    new: usize,
    obsolete: usize,
    accepted: usize,
    removed: usize,
    refused: usize,
}

impl Tally {
    /// Differences still standing after the run.
    fn pending(&self) -> usize {
        (self.changed + self.new + self.obsolete).saturating_sub(self.accepted + self.removed)
    }
}

pub fn run(args: &SnapshotArgs, output: &Output) -> ExitStatus {
    let Session { kb, .. } = match Session::open(&args.knowledge_base, output) {
        Ok(session) => session,
        Err(status) => return status,
    };
    let corpus = match Corpus::list(&args.profiles, output) {
        Ok(corpus) => corpus,
        Err(status) => return status,
    };
    if args.check && !args.snapshots.is_dir() {
        let error = Diagnostic::error("E0701", format!("`{}` is not a directory", args.snapshots.display()))
            .help("create the snapshots first with `warrant snapshot --accept`");
        return fail(output, &SourceMap::new(), &[error]);
    }
    let mut tally = Tally::default();
    let mut seen = BTreeSet::new();
    let mut answers = std::io::stdin().lock();
    let mut quit = false;
    let mut visit = |item: Result<Item, Diagnostic>| -> std::io::Result<()> {
        let item = match item {
            Ok(item) => item,
            Err(error) => {
                output.diagnostics(&SourceMap::new(), &[error]);
                tally.refused += 1;
                return Ok(());
            }
        };
        tally.profiles += 1;
        let path = snapshot_path(&args.snapshots, &item.relative);
        seen.insert(path.clone());
        let report = match report(&kb, &item, args.format, output) {
            Ok(report) => report,
            Err(rendered) => {
                output.eprint(&rendered);
                tally.refused += 1;
                return Ok(());
            }
        };
        let old = read_snapshot(&path)?;
        if old.as_deref().map(str::trim_end) == Some(report.trim_end()) {
            tally.unchanged += 1;
            return Ok(());
        }
        let status = if old.is_some() { "changed" } else { "new" };
        if old.is_some() {
            tally.changed += 1;
        } else {
            tally.new += 1;
        }
        let shown = unified_diff(old.as_deref().unwrap_or(""), &report, &path);
        let accept = if args.accept {
            true
        } else if args.check || quit {
            print(&format!("{status}: {} ({})\n{shown}\n", item.name, path.display()))?;
            false
        } else {
            print(&format!("{status}: {} ({})\n{shown}\n", item.name, path.display()))?;
            match ask(
                &mut answers,
                "accept this report as the snapshot? [a]ccept, [r]eject, [s]kip, [q]uit: ",
            )? {
                Answer::Accept => true,
                Answer::Quit => {
                    quit = true;
                    false
                }
                Answer::Reject | Answer::Skip => false,
            }
        };
        if accept {
            write_snapshot(&path, &item.relative, args.format, &report)?;
            tally.accepted += 1;
        }
        Ok(())
    };
    let walked = corpus.items(output.limits(), output.input_format(), &mut visit);
    let swept = walked.and_then(|()| sweep_obsolete(args, &seen, &mut tally, &mut answers, quit));
    // A closed pipe (`| head`) ends the listing, not the run's verdict.
    if let Err(error) =
        swept.or_else(|e| if e.kind() == std::io::ErrorKind::BrokenPipe { Ok(()) } else { Err(e) })
    {
        let error = Diagnostic::error("E0703", format!("snapshot: {error}"))
            .help("check that the snapshot directory can be written");
        return fail(output, &SourceMap::new(), &[error]);
    }
    output.eprint(&format!(
        "snapshot: {} profiles: {} unchanged, {} changed, {} new, {} obsolete; {} accepted, {} removed{}\n",
        tally.profiles,
        tally.unchanged,
        tally.changed,
        tally.new,
        tally.obsolete,
        tally.accepted,
        tally.removed,
        if tally.refused > 0 { format!("; {} could not be read", tally.refused) } else { String::new() }
    ));
    if tally.refused > 0 {
        ExitStatus::InputError
    } else if tally.pending() > 0 {
        if args.check {
            output.eprint("snapshot: review the changes with `warrant snapshot --review`, or take them all with `--accept`\n");
        }
        ExitStatus::CheckFailed
    } else {
        ExitStatus::Success
    }
}

/// Snapshots in the directory that no profile made this run.
fn sweep_obsolete(
    args: &SnapshotArgs,
    seen: &BTreeSet<PathBuf>,
    tally: &mut Tally,
    answers: &mut impl BufRead,
    quit: bool,
) -> std::io::Result<()> {
    if !args.snapshots.is_dir() {
        return Ok(());
    }
    let mut obsolete = Vec::new();
    collect_snapshots(&args.snapshots, &mut obsolete)?;
    obsolete.retain(|path| !seen.contains(path));
    obsolete.sort();
    for path in obsolete {
        tally.obsolete += 1;
        let remove = if args.accept {
            true
        } else {
            print(&format!("obsolete: {} has no profile any more\n", path.display()))?;
            args.review
                && !quit
                && ask(answers, "remove this snapshot? [a]ccept the removal, [r]eject, [s]kip, [q]uit: ")?
                    == Answer::Accept
        };
        if remove {
            std::fs::remove_file(&path)?;
            tally.removed += 1;
        }
    }
    Ok(())
}

fn collect_snapshots(dir: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_snapshots(&path, found)?;
        } else if path.extension().is_some_and(|e| e == "snap") {
            found.push(path);
        }
    }
    Ok(())
}

/// `DIR/sub/profile.yaml.snap`; a JSON Lines profile `DIR/many.jsonl@12.snap`.
fn snapshot_path(dir: &Path, relative: &str) -> PathBuf {
    let name = match relative.rsplit_once(':') {
        Some((file, line)) if line.chars().all(|c| c.is_ascii_digit()) => format!("{file}@{line}.snap"),
        _ => format!("{relative}.snap"),
    };
    dir.join(name)
}

/// The report for one profile, or its diagnostics rendered for stderr.
fn report(kb: &KnowledgeBase, item: &Item, format: Format, output: &Output) -> Result<String, String> {
    let mut sources = SourceMap::new();
    let file = sources.add(item.source.clone());
    crate::explain_profile(kb, file, &item.source, item.format, output.today(), output.limits())
        .map(|report| explain::render(&report, format, false))
        .map_err(|diagnostics| {
            diagnostic::render_as(&sources, &diagnostics, output.error_format(), output.stderr_colour())
        })
}

/// A snapshot's report, without its header; `None` if there is none.
fn read_snapshot(path: &Path) -> std::io::Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(body_of(&text).to_string())),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error),
    }
}

/// What follows the `---` header, as insta writes it.
fn body_of(text: &str) -> &str {
    text.strip_prefix("---\n").and_then(|rest| rest.split_once("\n---\n")).map_or(text, |(_, body)| body)
}

/// Writes a snapshot whole or not at all: a temporary file, then a rename.
fn write_snapshot(path: &Path, relative: &str, format: Format, report: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let format = match format {
        Format::Text => "text",
        Format::Json => "json",
        Format::Markdown => "markdown",
        Format::Html => "html",
    };
    let quoted = serde_json::to_string(relative).unwrap_or_default();
    let text = format!(
        "---\nsource: {quoted}\nexpression: \"warrant explain --format {format}\"\n---\n{}\n",
        report.trim_end()
    );
    let temporary = path.with_extension("snap.tmp");
    std::fs::write(&temporary, text)?;
    std::fs::rename(&temporary, path)
}

/// The snapshot against the new report, three lines of context.
fn unified_diff(old: &str, new: &str, path: &Path) -> String {
    let diff = similar::TextDiff::from_lines(old, new);
    let name = path.display().to_string();
    diff.unified_diff()
        .context_radius(3)
        .header(&format!("{name} (snapshot)"), &format!("{name} (report now)"))
        .to_string()
}

fn print(text: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(crate::escape::escape_controls_in_lines(text).as_bytes())?;
    stdout.flush()
}

#[derive(Debug, PartialEq, Eq)]
enum Answer {
    Accept,
    Reject,
    Skip,
    Quit,
}

/// Asks on stderr and reads the answer from `answers`; the end of input is
/// `quit`, an answer it does not know asks again.
fn ask(answers: &mut impl BufRead, question: &str) -> std::io::Result<Answer> {
    loop {
        eprint!("{question}");
        let mut line = String::new();
        if answers.read_line(&mut line)? == 0 {
            eprintln!();
            return Ok(Answer::Quit);
        }
        match line.trim() {
            "a" | "accept" => return Ok(Answer::Accept),
            "r" | "reject" => return Ok(Answer::Reject),
            "s" | "skip" => return Ok(Answer::Skip),
            "q" | "quit" => return Ok(Answer::Quit),
            _ => eprintln!("answer a, r, s or q"),
        }
    }
}
