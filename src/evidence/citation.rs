//! How a record is named in words: the short citation a finding shows,
//! the full line a reference list shows, and what the article's citation
//! got wrong.

use super::record::{EvidenceRecord, StudyKind, Verification};

/// The surname of an author written `Surname Initials` (`van Hunsel F`).
/// A corporate author (no initials at the end) is its whole name.
fn surname(author: &str) -> &str {
    match author.rsplit_once(' ') {
        Some((surname, initials)) if initials.chars().all(|c| c.is_ascii_uppercase() || c == '-') => surname,
        _ => author,
    }
}

/// `Trenkwalder et al. 2017`, or the title's start when there are no authors.
pub(super) fn short_citation(record: &EvidenceRecord) -> String {
    if let (StudyKind::Unidentified, Some(cited)) = (record.kind, &record.as_cited) {
        return format!("{} (as cited by the article)", cited.text);
    }
    let who = match record.authors.as_slice() {
        [] => record.journal.clone().unwrap_or_else(|| record.title.clone()),
        [one] => surname(one).to_string(),
        [first, second] => format!("{} & {}", surname(first), surname(second)),
        [first, ..] => format!("{} et al.", surname(first)),
    };
    match record.year {
        Some(year) => format!("{who} {year}"),
        None => who,
    }
}

/// `Trenkwalder C et al. (2017). Title. Movement Disorders.`
pub fn citation_line(record: &EvidenceRecord) -> String {
    let authors = match record.authors.as_slice() {
        [] => None,
        [one] => Some(one.clone()),
        [first, second] => Some(format!("{first}, {second}")),
        [first, ..] => Some(format!("{first} et al.")),
    };
    let journal =
        record.journal.as_ref().or(record.publisher.as_ref()).map(|j| format!(" {j}.")).unwrap_or_default();
    let year = record.year.map_or(String::from("n.d."), |y| y.to_string());
    let title = record.title.trim_end_matches('.');
    match authors {
        Some(authors) => format!("{authors} ({year}). {title}.{journal}"),
        // Without authors the title leads, as in most citation styles.
        None => format!("{title} ({year}).{journal}"),
    }
}

/// What the article's citation got wrong, in one sentence.
pub fn citation_check(record: &EvidenceRecord) -> Option<String> {
    let cited = record.as_cited.as_ref()?;
    let first_author = record.authors.first().map(|a| surname(a));
    let year = record.year.map(|y| format!(" {y}")).unwrap_or_default();
    let source = match (first_author, &record.journal) {
        (Some(author), Some(journal)) => format!("{author} et al., {journal}{year}"),
        (None, Some(journal)) => format!("{journal}{year}"),
        (Some(author), None) => format!("{author} et al.{year}"),
        (None, None) => format!("an unnamed source{year}"),
    };
    let note = record.note.as_ref().map(|n| format!(" {n}")).unwrap_or_default();
    Some(match record.verification {
        Verification::Verified => format!("cited as \"{}\"; the citation checks out.{note}", cited.text),
        Verification::Discrepancy => {
            format!("cited as \"{}\"; the source is {source}.{note}", cited.text)
        }
        Verification::NotFound => format!("cited as \"{}\"; no such source was found.{note}", cited.text),
        Verification::Unverified => {
            format!("cited as \"{}\"; not checked against public records.{note}", cited.text)
        }
    })
}
