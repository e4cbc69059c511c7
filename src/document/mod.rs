//! Reading YAML and JSON documents (profiles, evidence files) so that every
//! error points at its field: serde reads the values and, through
//! serde_path_to_error, names the path of whatever it could not read; the
//! YAML parser's own positions ([`spans`]) turn a path into a place.

mod spans;

use serde::de::DeserializeOwned;

use crate::diagnostic::Diagnostic;
use crate::span::{FileId, SourceFile, Span};
pub use spans::{Duplicate, Field, FieldPath, FieldSpans, Step};

/// Gives a struct a `Deserialize` that reads it from a mapping and nothing
/// else. serde's derived impls also read a struct from a list of its field
/// values in order, and serde_json offers them one, so that `["Bob", 54]`
/// was a profile named Bob aged 54 (serde-rs/serde#1587). The struct derives
/// `Deserialize` with `#[serde(remote = "Self")]`, which makes the derived
/// reader an inherent function; this is the trait impl around it, with
/// `Serialize` forwarded the same way for a struct that derives both. Every
/// struct read through [`deserialize`] uses it, which also names the struct
/// in words (`a lab value`) where serde would write `struct LabValue`.
macro_rules! mapping_only {
    ($ty:ty, $expecting:literal) => {
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Mapping;
                impl<'de> serde::de::Visitor<'de> for Mapping {
                    type Value = $ty;
                    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
                        formatter.write_str($expecting)
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<$ty, A::Error> {
                        <$ty>::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    }
                }
                deserializer.deserialize_map(Mapping)
            }
        }
    };
    ($ty:ty, $expecting:literal, and Serialize) => {
        $crate::document::mapping_only!($ty, $expecting);
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                <$ty>::serialize(self, serializer)
            }
        }
    };
}
pub(crate) use mapping_only;

/// The serialisation a document is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
    /// A FHIR R4 Bundle (JSON).
    Fhir,
}

impl Format {
    /// By extension: `.yaml`/`.yml` or `.json`. Standard input is read as
    /// YAML, of which JSON is a subset.
    pub fn from_path(path: &str) -> Option<Format> {
        if path == "-" {
            return Some(Format::Yaml);
        }
        let extension = std::path::Path::new(path).extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "yaml" | "yml" => Some(Format::Yaml),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    /// For text with no file name (from an embedding program): JSON when
    /// it starts with `{`, else YAML. A FHIR Bundle is JSON, and is read as
    /// one by its `resourceType`.
    pub fn of_text(text: &str) -> Format {
        if text.trim_start().starts_with('{') { Format::Json } else { Format::Yaml }
    }
}

/// Where a document is written: a file of its own, or a mapping inside a
/// larger document (a profile inside a rule-test case) at `root`.
#[derive(Debug, Clone)]
pub struct Written<'s> {
    pub file: FileId,
    pub source: &'s SourceFile,
    pub root: FieldPath,
}

impl<'s> Written<'s> {
    /// A document that is the whole of `source`.
    pub fn file(file: FileId, source: &'s SourceFile) -> Self {
        Written { file, source, root: FieldPath::root() }
    }
}

/// Finds where fields are written, indexing the text only when first asked:
/// documents that read cleanly never pay for it.
pub struct Locator<'s> {
    written: Written<'s>,
    spans: std::cell::OnceCell<FieldSpans>,
}

impl<'s> Locator<'s> {
    pub fn new(written: Written<'s>) -> Self {
        Locator { written, spans: std::cell::OnceCell::new() }
    }

    fn spans(&self) -> &FieldSpans {
        self.spans.get_or_init(|| FieldSpans::of(&self.written.source.text))
    }

    fn absolute(&self, path: &FieldPath) -> FieldPath {
        let mut steps = self.written.root.0.clone();
        steps.extend(path.0.iter().cloned());
        FieldPath(steps)
    }

    fn span(&self, range: std::ops::Range<usize>) -> Span {
        Span::new(self.written.file, range)
    }

    /// The field's key, or its value when it has no key (a list entry).
    pub fn field(&self, path: &FieldPath) -> Option<Span> {
        self.spans().key_or_value(&self.absolute(path), &self.written.source.text).map(|r| self.span(r))
    }

    /// The field's value.
    pub fn value(&self, path: &FieldPath) -> Option<Span> {
        self.spans().value(&self.absolute(path)).map(|r| self.span(r))
    }

    /// A key written twice directly inside `parent`, or failing that inside
    /// its parent (serde's path may already name the repeated key):
    /// (key, first, second).
    pub fn duplicate_in(&self, parent: &FieldPath) -> Option<(String, Span, Span)> {
        let parent = self.absolute(parent);
        let within = |outer: &[Step]| {
            self.spans().duplicates().iter().find_map(|d| match d.path.0.split_last()? {
                (Step::Key(key), inside) if inside == outer => {
                    Some((key.clone(), self.span(d.first.clone()), self.span(d.second.clone())))
                }
                _ => None,
            })
        };
        within(&parent.0).or_else(|| within(parent.0.split_last()?.1))
    }
}

/// What serde could not read, and where.
pub struct ReadError {
    /// The field serde was reading, e.g. `labs.ferritin.value`.
    path: FieldPath,
    /// serde's message, without its own path prefix and position suffix.
    message: String,
    /// Where the parser stopped, for syntax errors: a byte offset.
    position: Option<usize>,
    /// For a missing `:`, where the key it belongs to starts.
    key_start: Option<usize>,
    syntax: bool,
}

/// Deserializes YAML or JSON, keeping the path of a failure.
pub fn deserialize<T: DeserializeOwned>(text: &str, format: Format) -> Result<T, ReadError> {
    // Most documents read cleanly: read them without tracking paths, and
    // read a failing one again, tracking, to say where it failed.
    match format {
        Format::Yaml => serde_yaml::from_str(text).map_err(|plain| {
            let deserializer = serde_yaml::Deserializer::from_str(text);
            match serde_path_to_error::deserialize::<_, T>(deserializer) {
                Err(tracked) => yaml_error(text, convert_path(tracked.path()), tracked.inner()),
                Ok(_) => yaml_error(text, FieldPath::root(), &plain),
            }
        }),
        Format::Json | Format::Fhir => serde_json::from_str(text).map_err(|plain| {
            let mut deserializer = serde_json::Deserializer::from_str(text);
            match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
                Err(tracked) => json_error(text, convert_path(tracked.path()), tracked.inner()),
                // What only the whole-text read catches, such as text after the JSON.
                Ok(_) => json_error(text, FieldPath::root(), &plain),
            }
        }),
    }
}

fn yaml_error(text: &str, path: FieldPath, error: &serde_yaml::Error) -> ReadError {
    let raw = error.to_string();
    let position = error.location().map(|l| l.index());
    let key_start = simple_key_start(&raw).map(|(line, column)| offset_of(text, line, column));
    let syntax = is_yaml_syntax(&raw);
    ReadError { path, message: tidy(&raw), position, key_start, syntax }
}

fn json_error(text: &str, path: FieldPath, error: &serde_json::Error) -> ReadError {
    // serde_json counts columns in bytes.
    let position = (error.line() > 0).then(|| {
        let line_start = offset_of(text, error.line(), 1);
        floor_char_boundary(text, line_start + error.column().saturating_sub(1))
    });
    let message = tidy(&error.to_string());
    let (syntax, message) = match error.classify() {
        serde_json::error::Category::Syntax => (true, format!("not valid JSON ({message})")),
        serde_json::error::Category::Eof => (true, format!("the JSON ends too early ({message})")),
        _ => (false, message),
    };
    ReadError { path, message, position, key_start: None, syntax }
}

/// How diagnostics about one kind of document are worded.
#[derive(Debug, Clone, Copy)]
pub struct Vocabulary {
    /// The code of an unreadable document, e.g. `E0601`.
    pub code: &'static str,
    /// The code of a key given twice.
    pub duplicate_code: &'static str,
    /// What the document is, e.g. "profile".
    pub what: &'static str,
    /// Help for an unknown field: the fields there are.
    pub fields: &'static str,
    /// Help for particular messages, by what the message says.
    pub hints: &'static [(&'static str, &'static str)],
}

impl ReadError {
    /// The error as a diagnostic, at the field it is about.
    pub fn diagnose(&self, at: &Locator<'_>, words: &Vocabulary) -> Diagnostic {
        let (file, source) = (at.written.file, at.written.source);
        let message = &self.message;
        // An unknown field's path ends at the field, which the message names.
        let within = match self.path.0.split_last() {
            Some((_, parent)) if message.starts_with("unknown field") => FieldPath(parent.to_vec()),
            _ => self.path.clone(),
        };
        let field = within.to_string();
        let subject = if field.is_empty() || self.syntax { String::new() } else { format!("`{field}`: ") };
        let hint = words.hints.iter().find(|(said, _)| message.contains(said)).map(|(_, help)| *help);
        let suggestion = message.starts_with("unknown variant").then(|| nearest_variant(message)).flatten();
        let (help, label, span): (&str, &str, Option<Span>) = if let Some(key) = self.key_start {
            (
                "add `:` after the key, e.g. `name: value`",
                "this key has no `:`",
                Some(token_span(file, source, key)),
            )
        } else if self.syntax && message.contains("number out of range") {
            (
                "check the value: a number this large is beyond any count or measurement",
                "too large",
                self.position.map(|p| number_span(file, source, p)),
            )
        } else if self.syntax {
            ("check the syntax here", "here", self.position.map(|p| token_span(file, source, p)))
        } else if message.starts_with("duplicate field") || message.starts_with("duplicate entry") {
            if let Some((key, first, second)) = at.duplicate_in(&self.path) {
                return Diagnostic::error(words.duplicate_code, format!("{subject}`{key}` is given twice"))
                    .primary(second, "given again here")
                    .secondary(first, "first given here")
                    .help("keep one of them");
            }
            ("keep one of them", "here", at.field(&self.path))
        } else if message.starts_with("unknown field") {
            (hint.unwrap_or(words.fields), "unknown field", at.field(&self.path))
        } else if message.starts_with("missing field") {
            (hint.unwrap_or("add the missing field"), "in this entry", at.field(&self.path))
        } else if message.starts_with("unknown variant") {
            let help =
                suggestion.as_deref().or(hint).unwrap_or("use one of the values listed in the message");
            (help, "not one of them", at.value(&self.path))
        } else if let Some(written) = overflowing_number(message) {
            // YAML reads a number too large for a float as text, which serde
            // then calls a string: say what it really is.
            return Diagnostic::error(
                words.code,
                format!("invalid {}: {subject}`{written}` is too large a number", words.what),
            )
            .maybe_primary(
                at.value(&self.path).or_else(|| self.position.map(|p| token_span(file, source, p))),
                "too large",
            )
            .help("check the value: it is beyond any count or measurement");
        } else {
            let help = if message.contains("expected a number") || message.contains("expected a whole number")
            {
                "give a number, without quotes or a unit"
            } else {
                hint.unwrap_or("check the value's type here")
            };
            (help, "here", at.value(&self.path))
        };
        let span = span.or_else(|| self.position.map(|p| token_span(file, source, p)));
        let message = in_plain_words(message);
        Diagnostic::error(words.code, format!("invalid {}: {subject}{message}", words.what))
            .maybe_primary(span, label)
            .help(help)
    }
}

/// "Did you mean" for serde's `unknown variant `Low`, expected one of
/// `very_low`, `low`, ...`: the first quoted word is what was written, the
/// others the values there are.
fn nearest_variant(message: &str) -> Option<String> {
    let mut quoted = message.split('`').skip(1).step_by(2);
    let written = quoted.next()?;
    crate::suggest::did_you_mean(written, quoted)
}

/// The text of a number too large for a float, from serde's `invalid type:
/// string "1e400", expected a number`.
fn overflowing_number(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("invalid type: string \"")?;
    let (written, expected) = rest.split_once('"')?;
    let number = expected.contains("expected a number") || expected.contains("expected a whole number");
    (number && written.parse::<f64>().is_ok_and(f64::is_infinite)).then_some(written)
}

fn convert_path(path: &serde_path_to_error::Path) -> FieldPath {
    use serde_path_to_error::Segment;
    FieldPath(
        path.iter()
            .filter_map(|segment| match segment {
                Segment::Seq { index } => Some(Step::Index(*index)),
                Segment::Map { key } => Some(Step::Key(key.clone())),
                Segment::Enum { variant } => Some(Step::Key(variant.clone())),
                Segment::Unknown => None,
            })
            .collect(),
    )
}

/// serde_yaml writes "path: message at line L column C"; the path and place
/// are shown separately.
fn tidy(raw: &str) -> String {
    let message = match raw.find(" at line ") {
        Some(cut) => raw.get(..cut).unwrap_or(raw),
        None => raw,
    };
    // serde_yaml's path prefix ends at the first ": " when it names a field path.
    let message = match message.split_once(": ") {
        Some((prefix, rest)) if !prefix.contains(' ') && !prefix.is_empty() => rest,
        _ => message,
    };
    // Rust's type names mean nothing to the person writing the profile;
    // structs name themselves in words (`mapping_only!`).
    message.replace("expected f64", "expected a number").replace("expected u32", "expected a whole number")
}

/// serde's wording of a value of the wrong kind, as a person who writes
/// YAML or JSON would put it: `invalid type: string "low", expected a
/// number` is `expected a number, found the text "low"`, and `unknown
/// variant` is `unknown value`. Help and labels are chosen from serde's
/// own words first; this is only how the message reads.
pub(crate) fn in_plain_words(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        return format!("unknown value {rest}");
    }
    if let Some((count, expected)) =
        message.strip_prefix("invalid length ").and_then(|rest| rest.split_once(", expected "))
    {
        let entries = if count == "1" { "entry" } else { "entries" };
        return format!("expected {}, found {count} {entries}", expected_in_words(expected));
    }
    let Some((found, expected)) =
        message.strip_prefix("invalid type: ").and_then(|rest| rest.rsplit_once(", expected "))
    else {
        return message.to_string();
    };
    let expected = expected_in_words(expected);
    let found = match found {
        "map" => String::from("a mapping"),
        "sequence" => String::from("a list"),
        "unit value" => String::from("nothing"),
        other => match other.split_once(' ') {
            Some(("string", text)) => format!("the text {text}"),
            Some(("integer" | "floating", number)) => {
                format!("the number {}", number.trim_start_matches("point "))
            }
            Some(("boolean", value)) => value.to_string(),
            _ => other.to_string(),
        },
    };
    format!("expected {expected}, found {found}")
}

/// What serde says it expected, as `in_plain_words` puts it.
fn expected_in_words(expected: &str) -> &str {
    match expected {
        "a sequence" => "a list",
        "a map" => "a mapping",
        "a string" => "text",
        "a boolean" => "`true` or `false`",
        // A reference range, `[low, high]`, in JSON and in YAML.
        "an array of length 2" | "sequence of 2 elements" => "a list of 2 entries",
        other => other,
    }
}

/// libyaml's syntax errors, as opposed to type errors serde found.
fn is_yaml_syntax(raw: &str) -> bool {
    [
        "could not find expected",
        "did not find expected",
        "mapping values are not allowed",
        "found character that cannot start",
        "found unexpected end of stream",
        "found undefined tag handle",
        "found a tab character",
        "control characters are not allowed",
        "while scanning",
        "while parsing",
    ]
    .iter()
    .any(|phrase| raw.contains(phrase))
}

/// libyaml notices a missing `:` on the line after the key; it says where
/// the key began: "while scanning a simple key at line L column C".
fn simple_key_start(raw: &str) -> Option<(usize, usize)> {
    let (_, rest) = raw.split_once("while scanning a simple key at line ")?;
    let (line, rest) = rest.split_once(" column ")?;
    let column: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some((line.trim().parse().ok()?, column.parse().ok()?))
}

/// Byte offset of a one-based line and column.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum::<usize>();
    let rest = text.get(line_start..).unwrap_or("");
    line_start + rest.char_indices().nth(column.saturating_sub(1)).map_or(rest.len(), |(at, _)| at)
}

fn floor_char_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The whole number around byte `at`: serde_json places a number it
/// cannot hold at its last digit.
fn number_span(file: FileId, source: &SourceFile, at: usize) -> Span {
    let text = source.text.as_str();
    let at = at.min(text.len());
    let is_number = |c: char| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E');
    let start = text.get(..at).map_or(at, |before| {
        let mut chars = before.char_indices().rev();
        chars.find(|(_, c)| !is_number(*c)).map_or(0, |(i, c)| i + c.len_utf8())
    });
    let end =
        text.get(at..).map_or(at, |after| after.find(|c: char| !is_number(c)).map_or(text.len(), |n| at + n));
    Span::new(file, start..end.max(start))
}

/// The word or symbol at `at`, to underline.
fn token_span(file: FileId, source: &SourceFile, at: usize) -> Span {
    let at = at.min(source.text.len());
    let rest = source.text.get(at..).unwrap_or("");
    let len = rest
        .find(['\n', ',', '}', ':', ' '])
        .filter(|&n| n > 0)
        .unwrap_or_else(|| rest.chars().next().map_or(0, char::len_utf8));
    Span::new(file, at..at + len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_type_names_in_messages_are_put_in_words() {
        assert_eq!(
            tidy("invalid type: string \"x\", expected f64"),
            "invalid type: string \"x\", expected a number"
        );
    }

    #[test]
    fn serde_wording_is_put_as_a_person_would_say_it() {
        let cases = [
            (
                r#"invalid type: string "low", expected a number"#,
                r#"expected a number, found the text "low""#,
            ),
            ("invalid type: map, expected a sequence", "expected a list, found a mapping"),
            ("invalid type: sequence, expected a lab value", "expected a lab value, found a list"),
            ("invalid type: integer `5`, expected a string", "expected text, found the number `5`"),
            (
                "invalid type: floating point `1.5`, expected a boolean",
                "expected `true` or `false`, found the number `1.5`",
            ),
            ("invalid type: boolean `true`, expected a number", "expected a number, found `true`"),
            ("invalid type: unit value, expected a lab value", "expected a lab value, found nothing"),
            // A comma and `expected` inside the text given do not split it.
            (
                r#"invalid type: string "a, expected b", expected a number"#,
                r#"expected a number, found the text "a, expected b""#,
            ),
            (
                "unknown variant `femal`, expected one of `female`, `male`",
                "unknown value `femal`, expected one of `female`, `male`",
            ),
            ("missing field `unit`", "missing field `unit`"),
            (
                "invalid length 3, expected sequence of 2 elements",
                "expected a list of 2 entries, found 3 entries",
            ),
            (
                "invalid length 1, expected an array of length 2",
                "expected a list of 2 entries, found 1 entry",
            ),
            (
                "invalid type: integer `5`, expected an array of length 2",
                "expected a list of 2 entries, found the number `5`",
            ),
        ];
        for (serde, plain) in cases {
            assert_eq!(in_plain_words(serde), plain, "{serde}");
        }
    }

    #[test]
    fn an_unknown_value_near_a_known_one_is_suggested() {
        let message = "unknown variant `Low`, expected one of `very_low`, `low`, `moderate`, `high`";
        assert_eq!(nearest_variant(message).as_deref(), Some("did you mean `low`?"));
        let message = "unknown variant `verfied`, expected one of `verified`, `discrepancy`";
        assert_eq!(nearest_variant(message).as_deref(), Some("did you mean `verified`?"));
        assert_eq!(nearest_variant("unknown variant `zzz`, expected `a` or `b`"), None);
    }
}
