//! The one diagnostic type every stage reports through, and its rendering.
//!
//! Stages build [`Diagnostic`]s (code, message, labelled spans, help); the CLI
//! renders them with codespan-reporting. Codes are stable: `E01xx` syntax,
//! `E02xx` names, `E03xx` units, `E04xx` graph, `E05xx` evidence, `E06xx`
//! profile, `E07xx` input/output, `E09xx` internal.

mod excerpt;

use std::borrow::Cow;

use codespan_reporting::diagnostic as cs;
use codespan_reporting::term;
use serde::Serialize;

use crate::escape::escape_controls;
use crate::span::{FileId, SourceMap, Span};
use excerpt::Excerpts;

/// Text longer than this many characters is cut in rendered diagnostics:
/// a message quoting a 5 MB value stays readable.
const LONGEST_TEXT: usize = 300;

/// `text` as a diagnostic shows it: control characters escaped, and cut
/// short with a count of what was left out.
fn shown(text: &str) -> Cow<'_, str> {
    let text = escape_controls(text);
    match text.char_indices().nth(LONGEST_TEXT) {
        None => text,
        Some((cut, _)) => {
            let left = text.get(cut..).map_or(0, |rest| rest.chars().count());
            Cow::Owned(format!("{}… ({left} more characters)", text.get(..cut).unwrap_or("")))
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A span with a short message under it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Label {
    #[serde(skip)]
    pub span: Span,
    pub message: String,
    /// The primary label marks the offending text; secondary ones give context.
    pub primary: bool,
}

/// One problem found in the user's input.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub labels: Vec<Label>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            labels: Vec::new(),
            help: None,
            note: None,
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(code, message) }
    }

    /// Marks the offending text.
    pub fn primary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label { span, message: message.into(), primary: true });
        self
    }

    /// Marks the offending text when its place is known.
    pub fn maybe_primary(self, span: Option<Span>, message: impl Into<String>) -> Self {
        match span {
            Some(span) => self.primary(span, message),
            None => self,
        }
    }

    /// Points at related text, such as the first of two duplicates.
    pub fn secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label { span, message: message.into(), primary: false });
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a help line only when there is one to give.
    pub fn maybe_secondary(self, span: Option<Span>, message: impl Into<String>) -> Self {
        match span {
            Some(span) => self.secondary(span, message),
            None => self,
        }
    }

    pub fn maybe_help(self, help: Option<String>) -> Self {
        match help {
            Some(help) => self.help(help),
            None => self,
        }
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The span of the primary label, if any: what sorting and `file:line:col` use.
    pub fn primary_span(&self) -> Option<Span> {
        self.labels.iter().find(|l| l.primary).map(|l| l.span)
    }
}

/// Sorts diagnostics by file, position and code, so output is stable.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        let key = |d: &Diagnostic| d.primary_span().map(|s| (s.file, s.start, s.end));
        key(a).cmp(&key(b)).then_with(|| a.code.cmp(b.code)).then_with(|| a.message.cmp(&b.message))
    });
}

/// How diagnostics are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ErrorFormat {
    /// Source excerpts with the offending text underlined.
    #[default]
    Human,
    /// One plain sentence per fact, no drawing characters: for screen readers and logs.
    Plain,
    /// One JSON object per line: for editors and CI.
    Json,
}

/// Renders diagnostics in the chosen format; `colour` applies to `human`.
pub fn render_as(
    sources: &SourceMap,
    diagnostics: &[Diagnostic],
    format: ErrorFormat,
    colour: bool,
) -> String {
    match format {
        ErrorFormat::Human => render(sources, diagnostics, colour),
        ErrorFormat::Plain => diagnostics.iter().map(|d| render_plain(sources, d)).collect(),
        ErrorFormat::Json => diagnostics
            .iter()
            .map(|d| {
                let mut line = crate::escape::json_line(&JsonDiagnostic::new(sources, d)).unwrap_or_default();
                line.push('\n');
                line
            })
            .collect(),
    }
}

/// Diagnostics as JSON values, each as `--error-format json` writes it:
/// for a front end that sends them inside a larger document (an HTTP
/// error body).
pub fn json_values(sources: &SourceMap, diagnostics: &[Diagnostic]) -> Vec<serde_json::Value> {
    diagnostics.iter().filter_map(|d| serde_json::to_value(JsonDiagnostic::new(sources, d)).ok()).collect()
}

/// `file:line:col: error[E0201]: message`, then each label, help and note on
/// its own line.
fn render_plain(sources: &SourceMap, diagnostic: &Diagnostic) -> String {
    let location =
        diagnostic.primary_span().map(|s| format!("{}: ", shown(&sources.locate(s)))).unwrap_or_default();
    let mut out = format!(
        "{location}{}[{}]: {}\n",
        severity_word(diagnostic.severity),
        diagnostic.code,
        shown(&diagnostic.message)
    );
    for label in &diagnostic.labels {
        let role = if label.primary { "here" } else { "see also" };
        out.push_str(&format!(
            "  {role}: {}: `{}`: {}\n",
            shown(&sources.locate(label.span)),
            shown(sources.snippet(label.span).trim()),
            shown(&label.message)
        ));
    }
    if let Some(help) = &diagnostic.help {
        out.push_str(&format!("  help: {}\n", shown(help)));
    }
    if let Some(note) = &diagnostic.note {
        out.push_str(&format!("  note: {}\n", shown(note)));
    }
    out
}

/// A diagnostic with its places resolved to lines and columns.
#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    code: &'static str,
    severity: Severity,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<usize>,
    labels: Vec<JsonLabel<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    file: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    /// The text the label underlines, cut short when long.
    text: Cow<'a, str>,
    message: &'a str,
    primary: bool,
}

impl<'a> JsonDiagnostic<'a> {
    fn new(sources: &'a SourceMap, diagnostic: &'a Diagnostic) -> Self {
        let labels: Vec<JsonLabel<'a>> = diagnostic
            .labels
            .iter()
            .filter_map(|label| {
                let file = sources.get(label.span.file)?;
                let (line, column) = file.location(label.span.start);
                let (end_line, end_column) = file.location(label.span.end);
                Some(JsonLabel {
                    file: file.name.clone(),
                    line,
                    column,
                    end_line,
                    end_column,
                    text: cut(sources.snippet(label.span)),
                    message: &label.message,
                    primary: label.primary,
                })
            })
            .collect();
        let primary = labels.iter().find(|l| l.primary);
        JsonDiagnostic {
            kind: "diagnostic",
            code: diagnostic.code,
            severity: diagnostic.severity,
            message: &diagnostic.message,
            file: primary.map(|l| l.file.clone()),
            line: primary.map(|l| l.line),
            column: primary.map(|l| l.column),
            labels,
            help: diagnostic.help.as_deref(),
            note: diagnostic.note.as_deref(),
        }
    }
}

/// A label's text in JSON: whole unless very long. (JSON escapes control
/// characters itself.)
fn cut(text: &str) -> Cow<'_, str> {
    match text.char_indices().nth(LONGEST_TEXT) {
        None => Cow::Borrowed(text),
        Some((cut, _)) => Cow::Owned(format!("{}…", text.get(..cut).unwrap_or(""))),
    }
}

/// Renders diagnostics as codespan-reporting does on a terminal, with or
/// without ANSI colour, showing each only the excerpts of source it needs.
pub fn render(sources: &SourceMap, diagnostics: &[Diagnostic], colour: bool) -> String {
    let config = term::Config::default();
    let mut buffer = if colour { termcolor::Buffer::ansi() } else { termcolor::Buffer::no_color() };
    for diagnostic in diagnostics {
        let excerpts = Excerpts::new(sources, diagnostic.labels.iter().map(|l| l.span));
        let rendered =
            term::emit_to_write_style(&mut buffer, &config, &excerpts, &to_codespan(diagnostic, &excerpts));
        if rendered.is_err() {
            // A label outside its file is our bug; still say what went wrong.
            let plain = format!(
                "{}[{}]: {}\n",
                severity_word(diagnostic.severity),
                diagnostic.code,
                shown(&diagnostic.message)
            );
            let _ = std::io::Write::write_all(&mut buffer, plain.as_bytes());
        }
    }
    String::from_utf8_lossy(buffer.as_slice()).into_owned()
}

fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// `N errors, M warnings`, for the end of a `check` run.
pub fn summary(diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!("{}, {}", plural(errors, "error"), plural(warnings, "warning"))
}

fn to_codespan(diagnostic: &Diagnostic, excerpts: &Excerpts<'_>) -> cs::Diagnostic<FileId> {
    let severity = match diagnostic.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
    };
    let labels = diagnostic
        .labels
        .iter()
        .map(|label| {
            let style = if label.primary { cs::LabelStyle::Primary } else { cs::LabelStyle::Secondary };
            cs::Label::new(style, label.span.file, excerpts.range(label.span))
                .with_message(shown(&label.message))
        })
        .collect();
    let notes = diagnostic
        .help
        .iter()
        .map(|h| format!("help: {}", shown(h)))
        .chain(diagnostic.note.iter().map(|n| format!("note: {}", shown(n))))
        .collect();
    cs::Diagnostic::new(severity)
        .with_code(diagnostic.code)
        .with_message(shown(&diagnostic.message))
        .with_labels(labels)
        .with_notes(notes)
}
