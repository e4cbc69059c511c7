//! `warrant evidence`: the evidence records as a listing for people, as JSON,
//! and as bibliography entries (BibTeX, CSL-JSON) for reference managers.
//!
//! Every renderer takes the records in the order given (the command passes
//! them in id order) and returns the whole output as one string, so nothing
//! depends on map iteration order and a failure never leaves half a file.
//!
//! Both bibliography formats share two decisions:
//!
//! - `volume` holds volume, issue and pages in one string. `V(N):P` and `V:P`
//!   (volume digits only) are split into volume, issue/number and pages; any
//!   other form (`CD007834.pub3`, `NAP record 6015, pp. 185-187`) goes whole
//!   into the note, so nothing is dropped and nothing is guessed.
//! - Authors are written `Surname Initials` (`Sarma GRK`, `van Hunsel F`).
//!   The last word, when it is upper-case letters (and hyphens), is the
//!   initials and becomes the given name with a full stop after each letter
//!   (`G. R. K.`), so styles that abbreviate given names keep every initial.
//!   A name without such a last word is kept whole as a family name.

use std::fmt::Write as _;

use anstyle::Style;
use serde::Serialize;

use super::{EvidenceBase, EvidenceRecord, StudyKind, Verification, citation_check, citation_line};
use crate::diagnostic::Diagnostic;
use crate::suggest;

/// The output formats of `warrant evidence`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A listing for reading, with a summary of verification statuses.
    Text,
    /// `{"schema_version": 1, "records": [...]}`, each record as written.
    Json,
    /// One BibTeX entry per record, keyed by id.
    Bibtex,
    /// A CSL-JSON array (CSL 1.0.2), for Zotero, pandoc and citeproc.
    CslJson,
}

/// The version of the JSON layout; raised when a field changes meaning or goes.
pub const SCHEMA_VERSION: u32 = 1;

/// Width the text listing wraps at, as in `warrant explain`.
const WIDTH: usize = 88;

/// All records in id order, or the one named by `id`. An unknown id is
/// error E0504, with the closest id as a suggestion.
pub fn select<'a>(base: &'a EvidenceBase, id: Option<&str>) -> Result<Vec<&'a EvidenceRecord>, Diagnostic> {
    let Some(id) = id else {
        return Ok(base.iter().map(|located| &located.record).collect());
    };
    match base.get(id) {
        Some(located) => Ok(vec![&located.record]),
        None => Err(Diagnostic::error("E0504", format!("no evidence record has the id `{id}`")).help(
            suggest::did_you_mean(id, base.ids())
                .unwrap_or_else(|| String::from("run `warrant evidence` to list every id")),
        )),
    }
}

/// Renders `records` in `format`. `colour` applies to text only.
pub fn render(records: &[&EvidenceRecord], format: Format, colour: bool) -> String {
    match format {
        Format::Text => text(records, colour),
        Format::Json => json(records),
        Format::Bibtex => bibtex(records),
        Format::CslJson => csl_json(records),
    }
}

// ---------------------------------------------------------------------------
// Text

fn text(records: &[&EvidenceRecord], colour: bool) -> String {
    let mut out = String::new();
    for record in records {
        let id = if colour {
            let style = Style::new().bold();
            format!("{style}{}{style:#}", record.id)
        } else {
            record.id.clone()
        };
        let _ = writeln!(out, "{id}");
        field(&mut out, "citation", &citation_line(record));
        field(&mut out, "design", record.kind.describe());
        if let Some(n) = record.n {
            field(&mut out, "n", &n.to_string());
        }
        field(&mut out, "certainty", record.certainty.describe());
        field(&mut out, "verification", record.verification.describe());
        if let Some(check) = citation_check(record) {
            field(&mut out, "check", &check);
        }
        let ids = record.ids.listed();
        if !ids.is_empty() {
            field(&mut out, "identifiers", &ids.join(", "));
        }
        if let Some(remarks) = &record.remarks {
            field(&mut out, "remarks", remarks);
        }
        out.push('\n');
    }
    out.push_str(&summary(records));
    out.push('\n');
    out
}

/// `33 records: 20 verified, 6 discrepancy, 3 not found, 4 unverified`.
fn summary(records: &[&EvidenceRecord]) -> String {
    let count = |status: Verification| records.iter().filter(|r| r.verification == status).count();
    let noun = if records.len() == 1 { "record" } else { "records" };
    let statuses =
        [Verification::Verified, Verification::Discrepancy, Verification::NotFound, Verification::Unverified]
            .map(|status| format!("{} {}", count(status), status.describe()));
    format!("{} {noun}: {}", records.len(), statuses.join(", "))
}

/// One `label  value` line, the value word-wrapped under itself.
fn field(out: &mut String, label: &str, value: &str) {
    const LABEL_WIDTH: usize = 14;
    let indent = 2 + LABEL_WIDTH;
    let mut line = format!("  {label:<LABEL_WIDTH$}");
    let mut empty = true;
    for word in value.split_whitespace() {
        if !empty && line.chars().count() + 1 + word.chars().count() > WIDTH {
            out.push_str(line.trim_end());
            out.push('\n');
            line = " ".repeat(indent);
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

// ---------------------------------------------------------------------------
// JSON

#[derive(Serialize)]
struct JsonExport<'a> {
    schema_version: u32,
    records: &'a [&'a EvidenceRecord],
}

fn json(records: &[&EvidenceRecord]) -> String {
    let export = JsonExport { schema_version: SCHEMA_VERSION, records };
    crate::escape::json_document(&export)
}

// ---------------------------------------------------------------------------
// Shared by BibTeX and CSL-JSON

/// Volume, issue and pages split out of a record's `volume` string.
#[derive(Debug, PartialEq)]
struct Locator<'a> {
    volume: &'a str,
    issue: Option<&'a str>,
    pages: &'a str,
}

/// Splits `V(N):P` or `V:P`; `None` for any other form.
fn split_volume(text: &str) -> Option<Locator<'_>> {
    let (head, pages) = text.trim().split_once(':')?;
    let pages_ok = !pages.is_empty() && !pages.contains(|c: char| c.is_whitespace() || c == ':');
    let (volume, issue) = match head.split_once('(') {
        Some((volume, rest)) => {
            let issue = rest.strip_suffix(')')?;
            if issue.is_empty() || issue.contains(['(', ')']) {
                return None;
            }
            (volume, Some(issue))
        }
        None => (head, None),
    };
    let volume_ok = !volume.is_empty() && volume.chars().all(|c| c.is_ascii_digit());
    (volume_ok && pages_ok).then_some(Locator { volume, issue, pages })
}

/// An author's family name and, when the name ends in initials, the
/// initials as a given name: `Sarma GRK` is `("Sarma", Some("G. R. K."))`.
fn split_name(author: &str) -> (&str, Option<String>) {
    let author = author.trim();
    let Some((family, initials)) = author.rsplit_once(' ') else {
        return (author, None);
    };
    let is_initials = initials.chars().all(|c| c.is_uppercase() || c == '-')
        && initials.chars().any(char::is_uppercase)
        && !initials.starts_with('-')
        && !initials.ends_with('-')
        && !initials.contains("--");
    if !is_initials || family.trim().is_empty() {
        return (author, None);
    }
    // `GRK` is `G. R. K.`; a hyphen joins two initials of one name: `J-P` is `J.-P.`.
    let mut given = String::new();
    for c in initials.chars() {
        if c == '-' {
            given.pop();
            given.push('-');
        } else {
            given.push(c);
            given.push_str(". ");
        }
    }
    (family.trim(), Some(given.trim_end().to_string()))
}

/// The note both bibliography formats carry: the volume string when it
/// could not be split, the verification status and the article's citation.
fn note(record: &EvidenceRecord, unsplit_volume: Option<&str>) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(volume) = unsplit_volume {
        parts.push(volume.trim().to_string());
    }
    parts.push(format!("Warrant verification: {}", record.verification.describe()));
    if let Some(cited) = &record.as_cited {
        parts.push(format!("Cited by the source article as: {}", cited.text.trim()));
    }
    let mut note = String::new();
    for part in parts {
        if !note.is_empty() {
            note.push_str(if note.ends_with('.') { " " } else { ". " });
        }
        note.push_str(&part);
    }
    note
}

/// The locator when `volume` splits, else the raw string for the note.
fn locate(record: &EvidenceRecord) -> (Option<Locator<'_>>, Option<&str>) {
    match record.volume.as_deref() {
        Some(volume) => match split_volume(volume) {
            Some(locator) => (Some(locator), None),
            None => (None, Some(volume)),
        },
        None => (None, None),
    }
}

// ---------------------------------------------------------------------------
// BibTeX

/// Entry type: `@article` whenever the record names a journal, whatever the
/// design (guidelines, trials and reviews alike are published as articles);
/// without one, `@techreport` for a guideline or risk assessment (an
/// agency's or society's report) and `@misc` for everything else (agency
/// statements, sources the article cites but that could not be found).
fn bibtex_type(record: &EvidenceRecord) -> &'static str {
    match (&record.journal, record.kind) {
        (Some(_), _) => "article",
        (None, StudyKind::Guideline | StudyKind::RiskAssessment) => "techreport",
        (None, _) => "misc",
    }
}

fn bibtex(records: &[&EvidenceRecord]) -> String {
    let mut out = String::new();
    for (index, record) in records.iter().enumerate() {
        if index > 0 {
            out.push('\n');
        }
        out.push_str(&bibtex_entry(record));
    }
    out
}

fn bibtex_entry(record: &EvidenceRecord) -> String {
    let (locator, unsplit) = locate(record);
    let mut fields: Vec<(&str, String)> = vec![("title", bibtex_title(&record.title))];
    if !record.authors.is_empty() {
        let authors: Vec<String> = record.authors.iter().map(|a| bibtex_name(a)).collect();
        fields.push(("author", authors.join(" and ")));
    }
    if let Some(journal) = &record.journal {
        fields.push(("journal", bibtex_escape(journal)));
    }
    if let Some(publisher) = &record.publisher {
        // A report names its issuing body as `institution`.
        let field = if bibtex_type(record) == "techreport" { "institution" } else { "publisher" };
        fields.push((field, bibtex_escape(publisher)));
    }
    if let Some(year) = record.year {
        fields.push(("year", year.to_string()));
    }
    if let Some(locator) = &locator {
        fields.push(("volume", bibtex_escape(locator.volume)));
        if let Some(issue) = locator.issue {
            fields.push(("number", bibtex_escape(issue)));
        }
        fields.push(("pages", bibtex_pages(locator.pages)));
    }
    if let Some(doi) = &record.ids.doi {
        fields.push(("doi", bibtex_verbatim(doi)));
    }
    if let Some(pmid) = &record.ids.pmid {
        fields.push(("pmid", bibtex_escape(pmid)));
    }
    fields.push(("note", bibtex_escape(&note(record, unsplit))));

    let mut entry = format!("@{}{{{},\n", bibtex_type(record), record.id);
    let last = fields.len().saturating_sub(1);
    for (index, (name, value)) in fields.iter().enumerate() {
        let comma = if index < last { "," } else { "" };
        let _ = writeln!(entry, "  {name} = {{{value}}}{comma}");
    }
    entry.push_str("}\n");
    entry
}

/// Escapes text for a BibTeX field read by LaTeX. Braces become
/// `\textbraceleft{}`/`\textbraceright{}` rather than `\{`/`\}`, because
/// BibTeX counts every brace, escaped or not, and one lone brace would
/// break the file; `~` and `^` become `\textasciitilde{}` and
/// `\textasciicircum{}` because `\~` and `\^` are accents; `\` becomes
/// `\textbackslash{}` because `\\` is a line break. A second hyphen in a row
/// is written `-{}-`, so `--` stays two hyphens instead of a dash. White
/// space is collapsed to single spaces; other characters, non-ASCII
/// included, are written as they are (UTF-8).
fn bibtex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, &text.split_whitespace().collect::<Vec<_>>().join(" "));
    out
}

/// [`bibtex_escape`] without the white-space collapsing.
fn escape_into(out: &mut String, text: &str) {
    let mut previous = None;
    for c in text.chars() {
        match c {
            '{' => out.push_str("\\textbraceleft{}"),
            '}' => out.push_str("\\textbraceright{}"),
            '\\' => out.push_str("\\textbackslash{}"),
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            '%' | '&' | '$' | '#' | '_' => {
                out.push('\\');
                out.push(c);
            }
            '-' if previous == Some('-') => out.push_str("{}-"),
            _ => out.push(c),
        }
        previous = Some(c);
    }
}

/// A title, escaped, with every word that has a capital letter where a
/// style's sentence-casing would lower it (acronyms, proper names, `B12`)
/// protected by braces: `{RLS}:`, `({FCM})`. A word is a run of letters and
/// digits, joined by a hyphen or apostrophe between two of them
/// (`Willis-Ekbom`, `O'Hara`). The title's first word keeps an initial
/// capital unbraced, since styles keep it.
fn bibtex_title(title: &str) -> String {
    let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
    let chars: Vec<char> = title.chars().collect();
    let alphanumeric = |at: Option<usize>| at.and_then(|i| chars.get(i)).is_some_and(|c| c.is_alphanumeric());
    let in_word = |at: usize| match chars.get(at) {
        Some(c) if c.is_alphanumeric() => true,
        Some('-' | '\'' | '\u{2019}') => alphanumeric(at.checked_sub(1)) && alphanumeric(Some(at + 1)),
        _ => false,
    };
    let mut out = String::with_capacity(title.len());
    let mut first_word = true;
    let mut at = 0;
    while at < chars.len() {
        let start = at;
        let word = in_word(at);
        while at < chars.len() && in_word(at) == word {
            at += 1;
        }
        let run: String = chars.get(start..at).unwrap_or_default().iter().collect();
        let capital = run.chars().any(char::is_uppercase);
        let initial_capital_only = first_word && !run.chars().skip(1).any(char::is_uppercase);
        if word && capital && !initial_capital_only {
            out.push('{');
            escape_into(&mut out, &run);
            out.push('}');
        } else {
            escape_into(&mut out, &run);
        }
        first_word &= !word;
    }
    out
}

/// `Sarma GRK` as `Sarma, G. R. K.`. A family name that BibTeX would misread
/// (one with a comma or the word `and`, or a whole name with no initials, such
/// as a committee) is braced so it stays one name.
fn bibtex_name(author: &str) -> String {
    let (family, given) = split_name(author);
    let escaped = bibtex_escape(family);
    let misread = family.contains(',') || family.split_whitespace().any(|w| w.eq_ignore_ascii_case("and"));
    let multiword_literal = given.is_none() && family.contains(char::is_whitespace);
    let family = if misread || multiword_literal { format!("{{{escaped}}}") } else { escaped };
    match given {
        Some(given) => format!("{family}, {}", bibtex_escape(&given)),
        None => family,
    }
}

/// `1478-1482` as the BibTeX range `1478--1482`; other pages escaped as they are.
fn bibtex_pages(pages: &str) -> String {
    match pages.split_once('-') {
        Some((first, last)) if !first.is_empty() && !last.is_empty() && !last.contains('-') => {
            format!("{}--{}", bibtex_escape(first), bibtex_escape(last))
        }
        _ => bibtex_escape(pages),
    }
}

/// A value for a verbatim field (`doi`), which LaTeX escapes do not apply
/// to. DOIs may contain any printable character; the three that cannot stand
/// in a BibTeX verbatim field (`{`, `}`, `\`) are percent-encoded, as in a
/// DOI URL.
fn bibtex_verbatim(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim().chars() {
        match c {
            '{' => out.push_str("%7B"),
            '}' => out.push_str("%7D"),
            '\\' => out.push_str("%5C"),
            c if c.is_whitespace() => out.push_str("%20"),
            _ => out.push(c),
        }
    }
    out
}

// ---------------------------------------------------------------------------
// CSL-JSON

/// One CSL-JSON item (CSL 1.0.2 schema); absent fields are left out.
#[derive(Serialize)]
struct CslItem<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    author: Vec<CslName<'a>>,
    #[serde(rename = "container-title", skip_serializing_if = "Option::is_none")]
    container_title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    publisher: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    issued: Option<CslDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    volume: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    issue: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    page: Option<&'a str>,
    #[serde(rename = "DOI", skip_serializing_if = "Option::is_none")]
    doi: Option<&'a str>,
    #[serde(rename = "PMID", skip_serializing_if = "Option::is_none")]
    pmid: Option<&'a str>,
    #[serde(rename = "PMCID", skip_serializing_if = "Option::is_none")]
    pmcid: Option<&'a str>,
    note: String,
}

#[derive(Serialize)]
struct CslName<'a> {
    family: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    given: Option<String>,
}

#[derive(Serialize)]
struct CslDate {
    #[serde(rename = "date-parts")]
    date_parts: [[u16; 1]; 1],
}

/// Item type: `article-journal` whenever the record names a journal;
/// without one, `report` for a guideline or risk assessment and `document`
/// for everything else, mirroring [`bibtex_type`].
fn csl_type(record: &EvidenceRecord) -> &'static str {
    match (&record.journal, record.kind) {
        (Some(_), _) => "article-journal",
        (None, StudyKind::Guideline | StudyKind::RiskAssessment) => "report",
        (None, _) => "document",
    }
}

fn csl_item(record: &EvidenceRecord) -> CslItem<'_> {
    let (locator, unsplit) = locate(record);
    let ids = &record.ids;
    CslItem {
        id: &record.id,
        kind: csl_type(record),
        title: &record.title,
        author: record
            .authors
            .iter()
            .map(|author| {
                let (family, given) = split_name(author);
                CslName { family, given }
            })
            .collect(),
        container_title: record.journal.as_deref(),
        publisher: record.publisher.as_deref(),
        issued: record.year.map(|year| CslDate { date_parts: [[year]] }),
        volume: locator.as_ref().map(|l| l.volume),
        issue: locator.as_ref().and_then(|l| l.issue),
        page: locator.as_ref().map(|l| l.pages),
        doi: ids.doi.as_deref(),
        pmid: ids.pmid.as_deref(),
        pmcid: ids.pmcid.as_deref(),
        note: note(record, unsplit),
    }
}

fn csl_json(records: &[&EvidenceRecord]) -> String {
    let items: Vec<CslItem<'_>> = records.iter().map(|record| csl_item(record)).collect();
    crate::escape::json_document(&items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volumes_split_only_when_the_form_is_known() {
        let split = |v| split_volume(v).map(|l| (l.volume, l.issue, l.pages));
        assert_eq!(split("32(10):1478-1482"), Some(("32", Some("10"), "1478-1482")));
        assert_eq!(split("45(4):zsab276"), Some(("45", Some("4"), "zsab276")));
        assert_eq!(split("223:107477"), Some(("223", None, "107477")));
        assert_eq!(split("CD007834.pub3"), None);
        assert_eq!(split("NAP record 6015, pp. 185-187"), None);
        assert_eq!(split("32(10:1478"), None);
        assert_eq!(split("32():1478"), None);
        assert_eq!(split("32(10):"), None);
    }

    #[test]
    fn names_split_into_family_and_initials() {
        assert_eq!(split_name("Sarma GRK"), ("Sarma", Some(String::from("G. R. K."))));
        assert_eq!(split_name("van de Koppel S"), ("van de Koppel", Some(String::from("S."))));
        assert_eq!(split_name("Dupont J-P"), ("Dupont", Some(String::from("J.-P."))));
        assert_eq!(split_name("Food and Nutrition Board"), ("Food and Nutrition Board", None));
        assert_eq!(split_name("Ondo"), ("Ondo", None));
        assert_eq!(bibtex_name("Food and Nutrition Board"), "{Food and Nutrition Board}");
        assert_eq!(bibtex_name("O'Reilly B"), "O'Reilly, B.");
    }

    #[test]
    fn bibtex_escapes_every_special_character() {
        assert_eq!(
            bibtex_escape(r"a{b}c\d%e&f$g#h_i~j^k--l"),
            r"a\textbraceleft{}b\textbraceright{}c\textbackslash{}d\%e\&f\$g\#h\_i\textasciitilde{}j\textasciicircum{}k-{}-l"
        );
        assert_eq!(bibtex_title("Iron in RLS: a B12 Review"), "Iron in {RLS}: a {B12} {Review}");
        assert_eq!(
            bibtex_title("IV FCM (FCM) 'Patient Odyssey'"),
            "{IV} {FCM} ({FCM}) '{Patient} {Odyssey}'"
        );
        assert_eq!(bibtex_title("syndrome/Willis-Ekbom and O'Hara"), "syndrome/{Willis-Ekbom} and {O'Hara}");
        assert_eq!(bibtex_title("The R&D  of 50%"), "The {R}\\&{D} of 50\\%");
        assert_eq!(bibtex_title("NINDS statement"), "{NINDS} statement");
        assert_eq!(bibtex_pages("1068-71"), "1068--71");
        assert_eq!(bibtex_pages("e08006"), "e08006");
    }
}
