//! Evidence records in, a checked [`EvidenceBase`] out.
//!
//! Each `evidence/*.yaml` file holds a list of [`EvidenceRecord`]s. Loading
//! reports bad YAML, unknown, missing and repeated fields at the field, and
//! checks what serde cannot: id spelling, duplicate ids across files,
//! identifier formats and plausible years.

mod citation;
pub mod export;
mod record;

use std::collections::BTreeMap;

pub use citation::{citation_check, citation_line};
pub use record::{AsCited, Certainty, EvidenceRecord, Identifiers, StudyKind, Verification};

use crate::diagnostic::Diagnostic;
use crate::document::{FieldPath, Format, Locator, Vocabulary, Written, deserialize};
use crate::escape::is_hidden;
use crate::span::{FileId, SourceMap, Span};

/// A record with the place it was written.
#[derive(Debug, Clone)]
pub struct LocatedRecord {
    pub record: EvidenceRecord,
    pub span: Span,
    /// `Trenkwalder et al. 2017`: made once here, as every report citing
    /// the record shows it.
    pub short: String,
}

/// Every loaded record, by id.
#[derive(Debug, Clone, Default)]
pub struct EvidenceBase {
    records: BTreeMap<String, LocatedRecord>,
    /// False when a file could not be read, so a missing id may live there.
    complete: bool,
}

impl EvidenceBase {
    /// Whether every evidence file was read; if not, an unknown id may only
    /// be one in the unreadable file, and is not worth reporting.
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    pub fn get(&self, id: &str) -> Option<&LocatedRecord> {
        self.records.get(id)
    }

    /// Records in id order.
    pub fn iter(&self) -> impl Iterator<Item = &LocatedRecord> {
        self.records.values()
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.records.keys().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

/// How evidence-file errors are worded.
const EVIDENCE: Vocabulary = Vocabulary {
    code: "E0501",
    duplicate_code: "E0505",
    what: "evidence file",
    fields: "remove the field or correct its spelling; the fields are listed in README.md",
    hints: &[
        (
            "invalid type: map, expected a sequence",
            "an evidence file is a list of records: start each record with `- id: ...`",
        ),
        (
            "expected a mapping of identifiers",
            "give each identifier by its kind, e.g. `ids: { doi: 10.1002/mds.27040, pmid: \"28643901\" }`",
        ),
        (
            "expected a mapping with `text`",
            "give the article's citation as `as_cited: { text: ..., claim: ... }`",
        ),
    ],
};

/// Loads every evidence file already added to `sources`. Returns every
/// record that could be read, with all problems in all files, each at the
/// field it is about.
pub fn load(sources: &SourceMap, files: &[FileId]) -> (EvidenceBase, Vec<Diagnostic>) {
    let mut base = EvidenceBase { records: BTreeMap::new(), complete: true };
    let mut diagnostics = Vec::new();
    for &file in files {
        let Some(source) = sources.get(file) else {
            continue;
        };
        let at = Locator::new(Written::file(file, source));
        let records = match deserialize::<Vec<EvidenceRecord>>(&source.text, Format::Yaml) {
            Ok(records) => records,
            Err(error) => {
                base.complete = false;
                diagnostics.push(error.diagnose(&at, &EVIDENCE));
                continue;
            }
        };
        for (index, record) in records.into_iter().enumerate() {
            let path = FieldPath::root().index(index);
            let span = at.value(&path.key("id")).unwrap_or(Span::new(file, 0..0));
            diagnostics.extend(validate(&record, &path, &at, span));
            if let Some(first) = base.records.get(&record.id) {
                diagnostics.push(
                    Diagnostic::error("E0502", format!("evidence id `{}` is defined twice", record.id))
                        .primary(span, "second definition")
                        .secondary(first.span, "first definition")
                        .help("give each record its own id, or merge the two records"),
                );
                continue;
            }
            base.records.insert(
                record.id.clone(),
                LocatedRecord { short: citation::short_citation(&record), record, span },
            );
        }
    }
    (base, diagnostics)
}

/// Checks what serde cannot, each problem at its field (`record` is the
/// record's own span, for problems with no one field).
fn validate(
    record: &EvidenceRecord,
    path: &FieldPath,
    at: &Locator<'_>,
    record_span: Span,
) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    let mut bad = |field: &[&str], message: String, help: &str| {
        let field_path = field.iter().fold(path.clone(), |p, key| p.key(key));
        let span = at.value(&field_path).unwrap_or(record_span);
        problems.push(Diagnostic::error("E0503", message).primary(span, "here").help(help.to_string()));
    };
    let id_ok = record.id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && record.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !id_ok {
        bad(
            &["id"],
            format!("evidence id `{}` is not a valid name", record.id),
            "ids use lower-case letters, digits and `_`, starting with a letter",
        );
    }
    if let Some(year) = record.year.filter(|y| !(1800..=2100).contains(y)) {
        bad(
            &["year"],
            format!("`year: {year}` of `{}` is not a plausible publication year", record.id),
            "give the year of publication, e.g. `2017`",
        );
    }
    if let Some(doi) = &record.ids.doi {
        if !doi.starts_with("10.") || !doi.contains('/') {
            bad(
                &["ids", "doi"],
                format!("`doi: {doi}` of `{}` is not a DOI", record.id),
                "a DOI looks like `10.1002/mds.27040`",
            );
        }
    }
    if let Some(pmid) = &record.ids.pmid {
        if pmid.is_empty() || !pmid.chars().all(|c| c.is_ascii_digit()) {
            bad(
                &["ids", "pmid"],
                format!("`pmid: {pmid}` of `{}` is not a PubMed id", record.id),
                "a PMID is digits only, e.g. `28643901`",
            );
        }
    }
    if let Some(pmcid) = &record.ids.pmcid {
        let digits = pmcid.strip_prefix("PMC").unwrap_or("");
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            bad(
                &["ids", "pmcid"],
                format!("`pmcid: {pmcid}` of `{}` is not a PMC id", record.id),
                "a PMCID looks like `PMC5655783`",
            );
        }
    }
    if record.n == Some(0) {
        bad(
            &["n"],
            format!("`n: 0` in `{}`", record.id),
            "give the number of participants, or leave `n` out",
        );
    }
    let needs_as_cited = matches!(record.verification, Verification::Discrepancy | Verification::NotFound);
    if needs_as_cited && record.as_cited.is_none() {
        bad(
            &["verification"],
            format!(
                "`{}` is marked `{}` but does not say how the article cited it",
                record.id,
                record.verification.describe()
            ),
            "add `as_cited: {text: \"...\"}` with the article's citation",
        );
    }
    if needs_as_cited && record.note.is_none() {
        bad(
            &["verification"],
            format!(
                "`{}` is marked `{}` but has no `note` saying what differs",
                record.id,
                record.verification.describe()
            ),
            "add a `note` that says what the article got wrong",
        );
    }
    hidden_characters(record, path, at, record_span, &mut problems);
    problems
}

/// Record text reaches every report: a control character (but a line break
/// or tab, which YAML block text holds) or a direction-changing character
/// in it is an error at its field.
fn hidden_characters(
    record: &EvidenceRecord,
    path: &FieldPath,
    at: &Locator<'_>,
    record_span: Span,
    problems: &mut Vec<Diagnostic>,
) {
    let Ok(value) = serde_json::to_value(record) else { return };
    let mut pending = vec![(path.clone(), &value)];
    while let Some((field, value)) = pending.pop() {
        match value {
            serde_json::Value::String(text) => {
                let hidden = text.chars().find(|&c| is_hidden(c) && c != '\n' && c != '\t');
                if let Some(c) = hidden {
                    problems.push(
                        Diagnostic::error(
                            "E0506",
                            format!(
                                "`{field}` of `{}` holds the character {}",
                                record.id,
                                c.escape_unicode()
                            ),
                        )
                        .primary(at.value(&field).unwrap_or(record_span), "here")
                        .help("remove it: record text is shown in reports, where it would act on the screen"),
                    );
                }
            }
            serde_json::Value::Array(items) => {
                pending.extend(items.iter().enumerate().map(|(i, item)| (field.index(i), item)));
            }
            serde_json::Value::Object(fields) => {
                pending.extend(fields.iter().map(|(key, item)| (field.key(key), item)));
            }
            _ => {}
        }
    }
}
