//! Evidence records in, a checked [`EvidenceBase`] out.
//!
//! Each `evidence/*.yaml` file holds a list of [`EvidenceRecord`]s. Loading
//! reports bad YAML and unknown fields with file, line and column, and checks
//! what serde cannot: id spelling, duplicate ids across files, identifier
//! formats and plausible years.

pub mod export;
mod record;

use std::collections::BTreeMap;

pub use record::{AsCited, Certainty, EvidenceRecord, Identifiers, StudyKind, Verification};

use crate::diagnostic::Diagnostic;
use crate::span::{FileId, SourceFile, SourceMap, Span};

/// A record with the place it was written.
#[derive(Debug, Clone)]
pub struct LocatedRecord {
    pub record: EvidenceRecord,
    pub span: Span,
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

/// Loads every evidence file already added to `sources`. Returns every
/// record that could be read, with all problems in all files.
pub fn load(sources: &SourceMap, files: &[FileId]) -> (EvidenceBase, Vec<Diagnostic>) {
    let mut base = EvidenceBase { records: BTreeMap::new(), complete: true };
    let mut diagnostics = Vec::new();
    for &file in files {
        let Some(source) = sources.get(file) else {
            continue;
        };
        match serde_yaml::from_str::<Vec<EvidenceRecord>>(&source.text) {
            Ok(records) => {
                let mut seen: BTreeMap<String, usize> = BTreeMap::new();
                for record in records {
                    let occurrence = seen.entry(record.id.clone()).or_insert(0);
                    let span = locate_id(file, source, &record.id, *occurrence);
                    *occurrence += 1;
                    diagnostics.extend(validate(&record, span));
                    if let Some(first) = base.records.get(&record.id) {
                        diagnostics.push(
                            Diagnostic::error(
                                "E0502",
                                format!("evidence id `{}` is defined twice", record.id),
                            )
                            .primary(span, "second definition")
                            .secondary(first.span, "first definition")
                            .help("give each record its own id, or merge the two records"),
                        );
                        continue;
                    }
                    base.records.insert(record.id.clone(), LocatedRecord { record, span });
                }
            }
            Err(error) => {
                base.complete = false;
                diagnostics.push(yaml_error(file, source, &error));
            }
        }
    }
    (base, diagnostics)
}

/// A serde_yaml error, pointed at its line and column when it has one.
pub(crate) fn yaml_error(file: FileId, source: &SourceFile, error: &serde_yaml::Error) -> Diagnostic {
    let message = error.to_string();
    // serde_yaml appends " at line L column C" to the message; the label shows it.
    let message = match message.find(" at line ") {
        Some(cut) => message.get(..cut).unwrap_or(&message).to_string(),
        None => message,
    };
    let span = match error.location() {
        Some(location) => {
            let at = location.index().min(source.text.len());
            let end = source.text.get(at..).map_or(at, |rest| {
                at + rest.find(['\n', ':', ',']).filter(|&n| n > 0).unwrap_or(rest.len().min(1))
            });
            Span::new(file, at..end)
        }
        None => Span::new(file, 0..0),
    };
    let help = if message.contains("unknown field") {
        "remove the field or correct its spelling; the fields are listed in README.md"
    } else if message.contains("unknown variant") {
        "use one of the values listed in the message"
    } else if message.contains("missing field") {
        "add the field to the record"
    } else {
        "check the YAML syntax here"
    };
    Diagnostic::error("E0501", format!("invalid evidence file: {message}")).primary(span, "here").help(help)
}

/// The `id: ...` line of a record (its `occurrence`-th, counting from 0,
/// when the id is written more than once), so diagnostics can point at it.
fn locate_id(file: FileId, source: &SourceFile, id: &str, occurrence: usize) -> Span {
    let mut offset = 0;
    let mut found = 0;
    for line in source.text.split_inclusive('\n') {
        let trimmed = line.trim_start().trim_start_matches('-').trim_start();
        if let Some(value) = trimmed.strip_prefix("id:") {
            if value.trim().trim_matches(['"', '\'']) == id && found < occurrence {
                found += 1;
            } else if value.trim().trim_matches(['"', '\'']) == id {
                let start = offset + line.find(id).unwrap_or(0);
                return Span::new(file, start..start + id.len());
            }
        }
        offset += line.len();
    }
    Span::new(file, 0..0)
}

fn validate(record: &EvidenceRecord, span: Span) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    let mut bad = |message: String, help: &str| {
        problems
            .push(Diagnostic::error("E0503", message).primary(span, "in this record").help(help.to_string()));
    };
    let id_ok = record.id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && record.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !id_ok {
        bad(
            format!("evidence id `{}` is not a valid name", record.id),
            "ids use lower-case letters, digits and `_`, starting with a letter",
        );
    }
    if let Some(year) = record.year.filter(|y| !(1800..=2100).contains(y)) {
        bad(
            format!("`year: {year}` of `{}` is not a plausible publication year", record.id),
            "give the year of publication, e.g. `2017`",
        );
    }
    if let Some(doi) = &record.ids.doi {
        if !doi.starts_with("10.") || !doi.contains('/') {
            bad(
                format!("`doi: {doi}` of `{}` is not a DOI", record.id),
                "a DOI looks like `10.1002/mds.27040`",
            );
        }
    }
    if let Some(pmid) = &record.ids.pmid {
        if pmid.is_empty() || !pmid.chars().all(|c| c.is_ascii_digit()) {
            bad(
                format!("`pmid: {pmid}` of `{}` is not a PubMed id", record.id),
                "a PMID is digits only, e.g. `28643901`",
            );
        }
    }
    if let Some(pmcid) = &record.ids.pmcid {
        let digits = pmcid.strip_prefix("PMC").unwrap_or("");
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            bad(
                format!("`pmcid: {pmcid}` of `{}` is not a PMC id", record.id),
                "a PMCID looks like `PMC5655783`",
            );
        }
    }
    if record.n == Some(0) {
        bad(format!("`n: 0` in `{}`", record.id), "give the number of participants, or leave `n` out");
    }
    let needs_as_cited = matches!(record.verification, Verification::Discrepancy | Verification::NotFound);
    if needs_as_cited && record.as_cited.is_none() {
        bad(
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
            format!(
                "`{}` is marked `{}` but has no `note` saying what differs",
                record.id,
                record.verification.describe()
            ),
            "add a `note` that says what the article got wrong",
        );
    }
    problems
}
