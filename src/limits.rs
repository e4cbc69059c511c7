//! The bounds that keep hostile input from crashing Warrant, running it for
//! minutes or filling memory. Each is enforced where the input is read, with
//! a coded error that names the limit and the flag that raises it; none
//! truncates anything silently. The README's "Limits" table lists them.

use std::io::{BufRead, Read};
use std::path::Path;

use crate::diagnostic::Diagnostic;
use crate::span::{SourceFile, Span};

/// Nesting depth of one condition: every parenthesis and every `not`
/// counts. Conditions are walked recursively, so this bounds the stack.
pub const CONDITION_DEPTH: usize = 32;

/// Derived facts, populations and outcomes that build on one another in
/// one chain (`a` when `b`, `b` when `c`, ...). Explanations follow chains
/// recursively, so this bounds the stack together with [`CONDITION_DEPTH`].
pub const CHAIN_DEPTH: usize = 32;

/// The limits a caller can raise: what one person or one knowledge base
/// could plausibly need, with a wide margin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes in one file (rules, evidence, profile, rule tests) or in
    /// standard input.
    pub input_bytes: u64,
    /// Bytes in one line of `batch` input.
    pub line_bytes: u64,
    /// Entries in each of a profile's lists, and labs in its `labs`.
    pub list_items: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { input_bytes: 16 * MIB, line_bytes: MIB, list_items: 500 }
    }
}

const MIB: u64 = 1024 * 1024;

/// `16MiB`, `512KiB`, `1GiB` or a number of bytes, for flags; also `16M`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (digits, suffix) = text.split_at(split);
    let multiplier = match suffix.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1024,
        "m" | "mb" | "mib" => MIB,
        "g" | "gb" | "gib" => 1024 * MIB,
        other => {
            return Err(format!("unknown size unit `{other}`: use a number of bytes, or KiB, MiB or GiB"));
        }
    };
    let number: u64 = digits.parse().map_err(|_| format!("`{text}` is not a size such as `16MiB`"))?;
    number
        .checked_mul(multiplier)
        .filter(|&bytes| bytes > 0)
        .ok_or_else(|| format!("`{text}` is not a usable size"))
}

/// `16 MiB`, `1.5 KiB`, `300 bytes`: a size for messages.
pub fn describe_size(bytes: u64) -> String {
    match bytes {
        b if b >= MIB && b % MIB == 0 => format!("{} MiB", b / MIB),
        b if b >= 1024 && b % 1024 == 0 => format!("{} KiB", b / 1024),
        b => format!("{b} bytes"),
    }
}

/// Reads a whole file as UTF-8 text, refusing one larger than
/// `limits.input_bytes` before reading it all. `what` names the kind of
/// file for messages: "profile", "rule file", ...
pub fn read_file(path: &Path, what: &str, limits: &Limits) -> Result<SourceFile, Diagnostic> {
    let name = path.display().to_string();
    let cannot = |error: std::io::Error| {
        Diagnostic::error("E0701", format!("cannot read {what} `{name}`: {error}"))
            .help("check that the file exists and can be read")
    };
    let file = std::fs::File::open(path).map_err(cannot)?;
    if file.metadata().is_ok_and(|meta| meta.is_dir()) {
        return Err(Diagnostic::error("E0701", format!("cannot read {what} `{name}`: it is a directory"))
            .help(format!("give the {what}'s own path, not a directory's")));
    }
    read_limited(file, &name, limits).map_err(|problem| problem.into_diagnostic(cannot))
}

/// Reads standard input as UTF-8 text, refusing more than
/// `limits.input_bytes`.
pub fn read_stdin(limits: &Limits) -> Result<SourceFile, Diagnostic> {
    let name = "<stdin>";
    read_limited(std::io::stdin().lock(), name, limits).map_err(|problem| {
        problem.into_diagnostic(|error| {
            Diagnostic::error("E0701", format!("cannot read standard input: {error}"))
                .help("pipe a profile in, or give its path instead of `-`")
        })
    })
}

/// Why text could not be read.
enum ReadProblem {
    Io(std::io::Error),
    TooLarge { name: String, limit: u64 },
    NotUtf8(Diagnostic),
}

impl ReadProblem {
    fn into_diagnostic(self, io: impl Fn(std::io::Error) -> Diagnostic) -> Diagnostic {
        match self {
            ReadProblem::Io(error) => io(error),
            ReadProblem::TooLarge { name, limit } => too_large(&name, "file", limit, "--max-input-size"),
            ReadProblem::NotUtf8(diagnostic) => diagnostic,
        }
    }
}

fn read_limited(reader: impl Read, name: &str, limits: &Limits) -> Result<SourceFile, ReadProblem> {
    let mut bytes = Vec::new();
    // One byte more than allowed tells "exactly at the limit" from "over it".
    reader.take(limits.input_bytes.saturating_add(1)).read_to_end(&mut bytes).map_err(ReadProblem::Io)?;
    if bytes.len() as u64 > limits.input_bytes {
        return Err(ReadProblem::TooLarge { name: name.to_string(), limit: limits.input_bytes });
    }
    text_of(bytes, name, 1).map_err(ReadProblem::NotUtf8)
}

/// The error for a file over `--max-input-size`, read some other way
/// than from disk (from git, say).
pub fn too_large_file(name: &str, limit: u64) -> Diagnostic {
    too_large(name, "file", limit, "--max-input-size")
}

/// The error for input over a size limit.
fn too_large(name: &str, what: &str, limit: u64, flag: &str) -> Diagnostic {
    Diagnostic::error(
        "E0704",
        format!("`{name}`: the {what} is larger than the limit of {}", describe_size(limit)),
    )
    .help(format!("if the input is genuine, raise the limit with `{flag}`, e.g. `{flag} 64MiB`"))
}

/// Bytes as text, or an error at the first byte that is not UTF-8. The
/// text is `line_of` the file named `name` when it is one line of it.
pub fn text_of(bytes: Vec<u8>, name: &str, line: usize) -> Result<SourceFile, Diagnostic> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::line_of(name, text, line)),
        Err(error) => {
            let valid = error.utf8_error().valid_up_to();
            let bytes = error.into_bytes();
            let before = String::from_utf8_lossy(bytes.get(..valid).unwrap_or_default()).into_owned();
            let at_line = line + before.matches('\n').count();
            let column = before.rsplit('\n').next().map_or(0, |last| last.chars().count()) + 1;
            Err(Diagnostic::error(
                "E0705",
                format!("`{name}` is not UTF-8 text: the byte at line {at_line}, column {column} is not valid UTF-8"),
            )
            .help("save the file as UTF-8"))
        }
    }
}

/// One line read by [`read_line`].
pub enum Line {
    /// The line's bytes, without its line break.
    Bytes(Vec<u8>),
    /// The line was longer than the limit; it was read past, not kept.
    TooLong,
}

/// Reads one line (up to `\n`) keeping at most `limit` bytes of it, so a
/// gigabyte line costs no more memory than the limit. `None` at the end.
pub fn read_line(reader: &mut impl BufRead, limit: u64) -> std::io::Result<Option<Line>> {
    let mut line = Vec::new();
    let mut too_long = false;
    let mut read_any = false;
    loop {
        let buffer = match reader.fill_buf() {
            Ok(buffer) => buffer,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        if buffer.is_empty() {
            break;
        }
        read_any = true;
        let (chunk, done) = match memchr::memchr(b'\n', buffer) {
            Some(end) => (buffer.get(..end).unwrap_or_default(), Some(end + 1)),
            None => (buffer, None),
        };
        if !too_long {
            if (line.len() + chunk.len()) as u64 > limit {
                too_long = true;
                line = Vec::new();
            } else {
                line.extend_from_slice(chunk);
            }
        }
        let used = done.unwrap_or(buffer.len());
        reader.consume(used);
        if done.is_some() {
            break;
        }
    }
    if !read_any {
        return Ok(None);
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(Some(if too_long { Line::TooLong } else { Line::Bytes(line) }))
}

/// The error for a batch line over the limit.
pub fn line_too_long(name: &str, line: usize, limit: u64) -> Diagnostic {
    too_large(&format!("{name}:{line}"), "line", limit, "--max-line-size")
}

/// The error for a profile list over the limit, at the list.
pub fn too_many_items(field: &str, count: usize, limit: usize, at: Option<Span>) -> Diagnostic {
    Diagnostic::error("E0609", format!("`{field}` has {count} entries, more than the limit of {limit}"))
        .maybe_primary(at, "this list")
        .help(format!(
            "check that the profile describes one person; if it does, raise the limit with `--max-list-items {}`",
            count
        ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_read_with_their_units() {
        assert_eq!(parse_size("16MiB"), Ok(16 * MIB));
        assert_eq!(parse_size("512 KiB"), Ok(512 * 1024));
        assert_eq!(parse_size("300"), Ok(300));
        assert_eq!(parse_size("1g"), Ok(1024 * MIB));
        assert!(parse_size("0").is_err());
        assert!(parse_size("12 parsecs").is_err());
        assert!(parse_size("99999999999999999999").is_err());
        assert_eq!(describe_size(16 * MIB), "16 MiB");
        assert_eq!(describe_size(1536), "1536 bytes");
    }

    #[test]
    fn a_long_line_is_skipped_without_being_kept() {
        let input = b"short\r\nthis one is far too long\nlast";
        let mut reader = std::io::BufReader::with_capacity(4, &input[..]);
        let mut lines = Vec::new();
        while let Some(line) = read_line(&mut reader, 8).unwrap() {
            lines.push(match line {
                Line::Bytes(bytes) => String::from_utf8(bytes).unwrap(),
                Line::TooLong => String::from("<too long>"),
            });
        }
        assert_eq!(lines, ["short", "<too long>", "last"]);
    }

    #[test]
    fn a_file_at_the_limit_is_read_and_one_byte_more_is_refused() {
        let limits = Limits { input_bytes: 4, ..Limits::default() };
        assert!(read_limited(&b"abcd"[..], "f", &limits).is_ok());
        assert!(matches!(read_limited(&b"abcde"[..], "f", &limits), Err(ReadProblem::TooLarge { .. })));
    }

    #[test]
    fn bad_utf8_is_placed_at_its_line_and_column() {
        let error = text_of(b"ok\nab\xffc".to_vec(), "p.yaml", 1).err().unwrap();
        assert_eq!(error.code, "E0705");
        assert!(error.message.contains("line 2, column 3"), "{}", error.message);
    }
}
