//! `warrant fmt`: rewrite rule files in the canonical layout
//! ([`crate::syntax::print`]), or with `--check` list those that would change.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::Args;

use super::{ExitStatus, Output};
use crate::diagnostic::Diagnostic;
use crate::span::{SourceFile, SourceMap};
use crate::syntax::print::format_source;

#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Change nothing: list the files that would change, and exit with status 3 if there are any.
    #[arg(long)]
    pub check: bool,
    /// Rule files, or directories whose `*.warrant` files to format. Default: `rules/`.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

pub fn run(args: &FmtArgs, output: &Output) -> ExitStatus {
    let mut sources = SourceMap::new();
    let mut problems: Vec<Diagnostic> = Vec::new();
    let default = [PathBuf::from("rules")];
    let roots = if args.paths.is_empty() { &default[..] } else { &args.paths[..] };
    let mut files = Vec::new();
    for root in roots {
        match rule_files(root) {
            Ok(found) => files.extend(found),
            Err(problem) => problems.push(problem),
        }
    }
    files.sort();
    files.dedup();

    let mut changed: Vec<String> = Vec::new();
    let mut unparsed = 0usize;
    for path in &files {
        let name = path.display().to_string();
        let text = match fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) => {
                problems.push(cannot_read(path, &error));
                continue;
            }
        };
        let file = sources.add(SourceFile::new(name.clone(), text.clone()));
        let Some(source) = sources.get(file) else { continue };
        let formatted = match format_source(file, source) {
            Ok(formatted) => formatted,
            Err(diagnostics) => {
                unparsed += 1;
                problems.extend(diagnostics);
                continue;
            }
        };
        if formatted == text {
            continue;
        }
        if !args.check {
            if let Err(error) = write_atomically(path, &formatted) {
                problems.push(
                    Diagnostic::error("E0703", format!("cannot write `{name}`: {error}"))
                        .help("check that the file and its directory can be written; the file is unchanged"),
                );
                continue;
            }
        }
        changed.push(name);
    }
    changed.sort();

    if args.check && !changed.is_empty() {
        output.print(&changed.iter().map(|name| format!("{name}\n")).collect::<String>());
    }
    output.diagnostics(&sources, &problems);
    let verb = if args.check { "would reformat" } else { "reformatted" };
    let mut sentence = format!("fmt: {verb} {} of {} file(s)", changed.len(), files.len());
    if unparsed > 0 {
        sentence.push_str(&format!("; {unparsed} file(s) do not parse and were left unchanged"));
    }
    output.summary(&problems, &sentence);

    if !problems.is_empty() {
        ExitStatus::InputError
    } else if args.check && !changed.is_empty() {
        ExitStatus::CheckFailed
    } else {
        ExitStatus::Success
    }
}

fn cannot_read(path: &Path, error: &std::io::Error) -> Diagnostic {
    Diagnostic::error("E0701", format!("cannot read `{}`: {error}", path.display()))
        .help("give a rule file or a directory of `*.warrant` files that exists and can be read")
}

/// A file as itself; a directory as its `*.warrant` files (not those of
/// its subdirectories, as with `--rules DIR`).
fn rule_files(path: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
    let metadata = fs::metadata(path).map_err(|error| cannot_read(path, &error))?;
    if !metadata.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let entries = fs::read_dir(path).map_err(|error| cannot_read(path, &error))?;
    let files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|file| file.extension().is_some_and(|extension| extension == "warrant") && file.is_file())
        .collect();
    if files.is_empty() {
        return Err(Diagnostic::error("E0702", format!("`{}` holds no `*.warrant` files", path.display()))
            .help("point at the directory that holds the rule files"));
    }
    Ok(files)
}

/// Replaces `path` with `text` through a temporary file in the same
/// directory, renamed over it, so a failure never leaves half a file.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().map_or_else(|| String::from("rules"), |n| n.to_string_lossy().into_owned());
    let permissions = fs::metadata(path)?.permissions();
    let mut attempt = 0u32;
    let (temporary, mut file) = loop {
        let candidate = directory.join(format!(".{name}.fmt-{}-{attempt}.tmp", std::process::id()));
        match fs::OpenOptions::new().write(true).create_new(true).open(&candidate) {
            Ok(file) => break (candidate, file),
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => attempt += 1,
            Err(error) => return Err(error),
        }
    };
    let written = file
        .write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .and_then(|()| fs::set_permissions(&temporary, permissions))
        .and_then(|()| fs::rename(&temporary, path));
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
}
