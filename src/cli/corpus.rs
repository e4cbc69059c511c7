//! A corpus of profiles for `diff` and `snapshot`: files and directories
//! of YAML, JSON and FHIR profiles and JSON Lines files, read one profile
//! at a time so a corpus of any size takes bounded memory.

use std::io::BufReader;
use std::path::{Path, PathBuf};

use super::session::fail;
use super::{ExitStatus, InputFormat, Output};
use crate::diagnostic::Diagnostic;
use crate::limits::{self, Line};
use crate::profile;
use crate::span::{SourceFile, SourceMap};

/// One profile: where it came from and its text.
pub struct Item {
    /// Its path, with `:LINE` for a JSON Lines profile.
    pub name: String,
    /// Its path below the directory named on the command line (its file
    /// name when the file itself was named), with `:LINE` likewise: what a
    /// snapshot is named after.
    pub relative: String,
    pub source: SourceFile,
    pub format: profile::Format,
}

/// The corpus: profile files, and JSON Lines files of profiles, each with
/// the name it has below the path it was found under.
pub struct Corpus {
    files: Vec<(PathBuf, String)>,
}

impl Corpus {
    /// Every profile file under `paths`, in name order. A directory's
    /// other files are skipped, and said so on stderr; a file named
    /// directly must be a profile.
    pub fn list(paths: &[PathBuf], output: &Output) -> Result<Corpus, ExitStatus> {
        let mut files = Vec::new();
        let mut skipped = 0usize;
        for path in paths {
            if path.is_dir() {
                walk(path, path, &mut files, &mut skipped)
                    .map_err(|error| fail(output, &SourceMap::new(), &[error]))?;
            } else if is_profile(path) || is_lines(path) {
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                files.push((path.clone(), name));
            } else {
                let error = Diagnostic::error("E0605", format!("`{}` is not a profile file", path.display()))
                    .help("give `.yaml`, `.yml`, `.json` or `.jsonl` files, or directories of them");
                return Err(fail(output, &SourceMap::new(), &[error]));
            }
        }
        if skipped > 0 {
            output.eprint(&format!(
                "skipped {skipped} files that are not profiles (not .yaml, .yml, .json or .jsonl)\n"
            ));
        }
        Ok(Corpus { files })
    }

    /// Reads each profile in turn and hands it to `visit`: one file at a
    /// time, JSON Lines line by line.
    pub fn items(
        &self,
        limits: &limits::Limits,
        input_format: InputFormat,
        visit: &mut dyn FnMut(Result<Item, Diagnostic>) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        for (path, relative) in &self.files {
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
                            relative: format!("{relative}:{number}"),
                            source,
                            format: input_format.for_path("line.json").unwrap_or(profile::Format::Json),
                        }),
                    };
                    visit(item)?;
                }
            } else {
                let format = input_format.for_path(&name).unwrap_or(profile::Format::Yaml);
                let item = limits::read_file(path, "profile", limits).map(|source| Item {
                    name,
                    relative: relative.clone(),
                    source,
                    format,
                });
                visit(item)?;
            }
        }
        Ok(())
    }
}

fn walk(
    root: &Path,
    dir: &Path,
    files: &mut Vec<(PathBuf, String)>,
    skipped: &mut usize,
) -> Result<(), Diagnostic> {
    let cannot = |error: std::io::Error| {
        Diagnostic::error("E0701", format!("cannot read `{}`: {error}", dir.display()))
            .help("give a directory that exists and can be read")
    };
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(dir).map_err(cannot)?.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(root, &path, files, skipped)?;
        } else if is_profile(&path) || is_lines(&path) {
            let relative = path.strip_prefix(root).unwrap_or(&path);
            let relative =
                relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
            files.push((path, relative));
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
