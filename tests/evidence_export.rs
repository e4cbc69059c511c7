//! `warrant evidence`: the listing, its exit statuses, and the BibTeX and
//! CSL-JSON exports read back by real parsers.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

mod common;

use std::collections::BTreeSet;

use biblatex::{Bibliography, ChunksExt, EntryType};
use common::warrant;
use predicates::prelude::*;
use serde::Deserialize;
use warrant::evidence::export::{self, Format};
use warrant::evidence::{self, EvidenceBase, EvidenceRecord};
use warrant::knowledge_base::Files;
use warrant::span::SourceMap;

/// The bundled evidence, loaded on its own; it must load clean.
fn bundled() -> EvidenceBase {
    let mut sources = SourceMap::new();
    let ids: Vec<_> = Files::bundled().evidence.into_iter().map(|file| sources.add(file)).collect();
    let (base, diagnostics) = evidence::load(&sources, &ids);
    assert!(diagnostics.is_empty(), "the bundled evidence loads clean: {diagnostics:?}");
    assert!(!base.is_empty());
    base
}

fn records(base: &EvidenceBase) -> Vec<&EvidenceRecord> {
    base.iter().map(|located| &located.record).collect()
}

/// White space collapsed, as BibTeX reads it.
fn collapsed(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

// ---------------------------------------------------------------------------
// BibTeX, parsed back with the `biblatex` crate

#[test]
fn bibtex_export_parses_back_with_every_record_doi_and_title() {
    let base = bundled();
    let records = records(&base);
    let bibtex = export::render(&records, Format::Bibtex, false);
    let bibliography = Bibliography::parse(&bibtex).unwrap_or_else(|e| panic!("{e:?}\n{bibtex}"));
    assert_eq!(bibliography.len(), records.len(), "one entry per record");

    for record in &records {
        let entry = bibliography.get(&record.id).unwrap_or_else(|| panic!("no entry `{}`", record.id));
        let expected_type =
            if record.journal.is_some() { EntryType::Article } else { entry.entry_type.clone() };
        assert_eq!(entry.entry_type, expected_type, "{}", record.id);
        assert!(
            matches!(entry.entry_type, EntryType::Article | EntryType::TechReport | EntryType::Misc),
            "{}: {:?}",
            record.id,
            entry.entry_type
        );

        // Titles round-trip through the parser's own unescaping.
        let title = entry.title().unwrap().format_verbatim();
        assert_eq!(title, collapsed(&record.title), "{}", record.id);

        match &record.ids.doi {
            Some(doi) => assert_eq!(&entry.doi().unwrap(), doi, "{}", record.id),
            None => assert!(entry.get("doi").is_none(), "{}: no DOI, no doi field", record.id),
        }
        match &record.ids.pmid {
            Some(pmid) => assert_eq!(&entry.get("pmid").unwrap().format_verbatim(), pmid),
            None => assert!(entry.get("pmid").is_none()),
        }
        match &record.journal {
            Some(journal) => assert_eq!(&entry.get("journal").unwrap().format_verbatim(), journal),
            None => assert!(entry.get("journal").is_none()),
        }
        match record.year {
            Some(year) => assert_eq!(entry.get("year").unwrap().format_verbatim(), year.to_string()),
            None => assert!(entry.get("year").is_none()),
        }

        // Every author comes back as one person, surname and initials apart.
        if record.authors.is_empty() {
            assert!(entry.get("author").is_none(), "{}: no authors, no author field", record.id);
        } else {
            let people = entry.author().unwrap();
            assert_eq!(people.len(), record.authors.len(), "{}", record.id);
            for (person, author) in people.iter().zip(&record.authors) {
                let family = format!("{} {}", person.prefix, person.name);
                assert!(author.starts_with(family.trim()), "{}: {person:?} from {author}", record.id);
                // A corporate author such as "EFSA NDA Panel" has no given name.
                assert_eq!(
                    !person.given_name.is_empty(),
                    has_initials(author),
                    "{}: {person:?} from {author}",
                    record.id
                );
            }
        }

        let note = entry.get("note").unwrap().format_verbatim();
        assert!(note.contains(&format!("Warrant verification: {}", record.verification.describe())));
        if let Some(cited) = &record.as_cited {
            assert!(note.contains(&collapsed(&cited.text)), "{}: {note}", record.id);
        }
    }
}

#[test]
fn bibtex_volume_splits_into_volume_number_and_pages_or_goes_to_the_note() {
    let base = bundled();
    let bibtex = export::render(&records(&base), Format::Bibtex, false);
    let bibliography = Bibliography::parse(&bibtex).unwrap();

    let trenkwalder = bibliography.get("trenkwalder_2017_fcm").unwrap();
    assert_eq!(trenkwalder.get("volume").unwrap().format_verbatim(), "32");
    assert_eq!(trenkwalder.get("number").unwrap().format_verbatim(), "10");
    // `1478--1482` is read back as one page range.
    let biblatex::PermissiveType::Typed(pages) = trenkwalder.pages().unwrap() else {
        panic!("pages are a range");
    };
    assert_eq!((pages.len(), pages.first()), (1, Some(&(1478..1482))));

    // `V:P`, without an issue.
    let geng = bibliography.get("geng_2022_b12_rls").unwrap();
    assert_eq!(geng.get("volume").unwrap().format_verbatim(), "223");
    assert!(geng.get("number").is_none());
    assert_eq!(geng.get("pages").unwrap().format_verbatim(), "107477");

    // Neither form: kept whole in the note, never guessed at.
    let cochrane = bibliography.get("trotti_2019_cochrane_iron").unwrap();
    assert!(cochrane.get("volume").is_none() && cochrane.get("pages").is_none());
    assert!(cochrane.get("note").unwrap().format_verbatim().starts_with("CD007834.pub3. "));
}

#[test]
fn bibtex_escapes_special_characters_so_they_round_trip() {
    let nasty = r"Braces {x} and a lone { or }, back\slash, 50% & $5, #1, snake_case, a~b, x^2 -- and ÄÖü";
    let record: EvidenceRecord = serde_json::from_value(serde_json::json!({
        "id": "nasty_2020",
        "kind": "rct",
        "title": nasty,
        "authors": ["Müller-Lüdenscheidt HJ", "de la Cruz M", "Smith_Jones A"],
        "journal": "Journal of R&D {Studies} 100%",
        "year": 2020,
        "volume": "Suppl 1, e12_3",
        "finding": "none",
        "certainty": "low",
        "ids": { "doi": "10.1000/a_b%c~d" },
        "as_cited": { "text": "J. R&D #5 {wrong} ~2019" },
        "verification": "discrepancy",
        "note": "wrong journal"
    }))
    .unwrap();
    let bibtex = export::render(&[&record], Format::Bibtex, false);
    let bibliography = Bibliography::parse(&bibtex).unwrap_or_else(|e| panic!("{e:?}\n{bibtex}"));
    let entry = bibliography.get("nasty_2020").unwrap();
    assert_eq!(entry.title().unwrap().format_verbatim(), nasty, "{bibtex}");
    assert_eq!(entry.get("journal").unwrap().format_verbatim(), "Journal of R&D {Studies} 100%");
    assert_eq!(entry.doi().unwrap(), "10.1000/a_b%c~d");
    assert_eq!(
        entry.get("note").unwrap().format_verbatim(),
        "Suppl 1, e12_3. Warrant verification: discrepancy. Cited by the source article as: J. R&D #5 {wrong} ~2019"
    );
    let people = entry.author().unwrap();
    assert_eq!(people.len(), 3);
    assert_eq!((people[0].name.as_str(), people[0].given_name.as_str()), ("Müller-Lüdenscheidt", "H. J."));
    assert_eq!(people[2].name, "Smith_Jones");
}

// ---------------------------------------------------------------------------
// CSL-JSON, read back into exactly the fields we emit

/// The CSL item types the export uses.
const CSL_TYPES: [&str; 3] = ["article-journal", "report", "document"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CslItem {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    title: String,
    #[serde(default)]
    author: Vec<CslName>,
    #[serde(rename = "container-title")]
    container_title: Option<String>,
    publisher: Option<String>,
    issued: Option<CslDate>,
    volume: Option<String>,
    issue: Option<String>,
    page: Option<String>,
    #[serde(rename = "DOI")]
    doi: Option<String>,
    #[serde(rename = "PMID")]
    pmid: Option<String>,
    #[serde(rename = "PMCID")]
    pmcid: Option<String>,
    note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CslName {
    family: String,
    given: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CslDate {
    #[serde(rename = "date-parts")]
    date_parts: Vec<Vec<i64>>,
}

#[test]
fn csl_json_export_reads_back_into_the_csl_fields() {
    let base = bundled();
    let records = records(&base);
    let json = export::render(&records, Format::CslJson, false);
    let items: Vec<CslItem> = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}\n{json}"));
    assert_eq!(items.len(), records.len());

    let ids: BTreeSet<&str> = items.iter().map(|item| item.id.as_str()).collect();
    assert_eq!(ids.len(), items.len(), "ids are unique");

    // `issued` date-parts are JSON integers, not strings or floats.
    let raw: serde_json::Value = serde_json::from_str(&json).unwrap();
    for item in raw.as_array().unwrap() {
        if let Some(parts) = item.get("issued").and_then(|i| i.get("date-parts")) {
            let parts = parts.as_array().unwrap();
            assert!(parts.iter().all(|part| part.as_array().unwrap().iter().all(serde_json::Value::is_u64)));
        }
    }

    for (item, record) in items.iter().zip(&records) {
        assert_eq!(item.id, record.id, "items in id order");
        assert!(CSL_TYPES.contains(&item.kind.as_str()), "{}: type {}", item.id, item.kind);
        assert_eq!(item.kind == "article-journal", record.journal.is_some(), "{}", item.id);
        assert!(!item.title.trim().is_empty(), "{}: every item has a title", item.id);
        assert_eq!(item.title, record.title);
        assert_eq!(item.container_title, record.journal);
        assert_eq!(item.publisher, record.publisher);
        match record.year {
            Some(year) => assert_eq!(item.issued.as_ref().unwrap().date_parts, vec![vec![i64::from(year)]]),
            None => assert!(item.issued.is_none(), "{}: no year, no issued", item.id),
        }
        assert_eq!(item.author.len(), record.authors.len());
        for (name, author) in item.author.iter().zip(&record.authors) {
            assert!(author.starts_with(&name.family), "{}: {name:?} from {author}", item.id);
            assert_eq!(name.given.is_some(), has_initials(author), "{}: {name:?} from {author}", item.id);
        }
        assert_eq!(item.doi, record.ids.doi);
        assert_eq!(item.pmid, record.ids.pmid);
        assert_eq!(item.pmcid, record.ids.pmcid);
        // Split volumes never leave an issue or page behind without a volume.
        assert!(item.volume.is_some() || (item.issue.is_none() && item.page.is_none()), "{}", item.id);
        let note = item.note.as_deref().unwrap();
        assert!(note.contains(&format!("Warrant verification: {}", record.verification.describe())));
    }

    let trenkwalder = items.iter().find(|item| item.id == "trenkwalder_2017_fcm").unwrap();
    assert_eq!(
        (trenkwalder.volume.as_deref(), trenkwalder.issue.as_deref(), trenkwalder.page.as_deref()),
        (Some("32"), Some("10"), Some("1478-1482"))
    );
    assert_eq!(
        trenkwalder.note.as_deref(),
        Some("Warrant verification: discrepancy. Cited by the source article as: The Lancet Neurology, 2011")
    );
}

// ---------------------------------------------------------------------------
// The command

#[test]
fn evidence_lists_every_record_and_exits_zero() {
    let base = bundled();
    let output = warrant().arg("evidence").output().unwrap();
    assert!(output.status.success());
    assert!(output.stderr.is_empty(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8(output.stdout).unwrap();
    for id in base.ids() {
        assert!(stdout.lines().any(|line| line == id), "`{id}` is listed");
    }
    let summary = stdout.lines().last().unwrap();
    assert!(summary.starts_with(&format!("{} records: ", base.len())), "{summary}");
}

#[test]
fn evidence_with_an_id_prints_only_that_record() {
    let assert = warrant()
        .args(["evidence", "trenkwalder_2017_fcm"])
        .assert()
        .success()
        .stdout(predicate::str::contains("discrepancy"))
        .stdout(predicate::str::contains("The Lancet Neurology"))
        .stdout(predicate::str::ends_with(
            "1 record: 0 verified, 1 discrepancy, 0 not found, 0 unverified\n",
        ));
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    let ids: Vec<&str> = stdout.lines().filter(|line| !line.starts_with(' ') && !line.is_empty()).collect();
    assert_eq!(
        ids,
        ["trenkwalder_2017_fcm", "1 record: 0 verified, 1 discrepancy, 0 not found, 0 unverified"]
    );
}

#[test]
fn an_unknown_id_exits_one_with_nothing_on_stdout() {
    warrant()
        .args(["evidence", "no_such_id"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("E0504"))
        .stderr(predicate::str::contains("no evidence record has the id `no_such_id`"));
    warrant()
        .args(["evidence", "trenkwaldr_2017_fcm"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("did you mean `trenkwalder_2017_fcm`?"));
}

#[test]
fn an_unknown_format_is_a_usage_error() {
    warrant().args(["evidence", "--format", "xml"]).assert().code(2).stdout("");
}

#[test]
fn bad_evidence_files_exit_one_with_nothing_on_stdout() {
    warrant()
        .args(["evidence", "--evidence", "tests/fixtures/evidence_invalid"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("error[E05"));
}

#[test]
fn every_format_matches_the_library_and_json_carries_the_schema_version() {
    let base = bundled();
    let records = records(&base);
    for (name, format) in [
        ("text", Format::Text),
        ("json", Format::Json),
        ("bibtex", Format::Bibtex),
        ("csl-json", Format::CslJson),
    ] {
        let output = warrant().args(["evidence", "--format", name]).output().unwrap();
        assert!(output.status.success(), "{name}");
        assert_eq!(
            String::from_utf8(output.stdout).unwrap(),
            export::render(&records, format, false),
            "{name}"
        );
    }
    let json: serde_json::Value =
        serde_json::from_str(&export::render(&records, Format::Json, false)).unwrap();
    assert_eq!(json["schema_version"], 1);
    let listed = json["records"].as_array().unwrap();
    assert_eq!(listed.len(), records.len());
    let back: Vec<EvidenceRecord> = serde_json::from_value(json["records"].clone()).unwrap();
    assert_eq!(back, records.into_iter().cloned().collect::<Vec<_>>(), "records serialise as they are");
}

// ---------------------------------------------------------------------------
// Snapshots

#[test]
fn trenkwalder_snapshots() {
    let base = bundled();
    let record = export::select(&base, Some("trenkwalder_2017_fcm")).unwrap();
    insta::assert_snapshot!("trenkwalder_bibtex", export::render(&record, Format::Bibtex, false));
    insta::assert_snapshot!("trenkwalder_text", export::render(&record, Format::Text, false));
}

/// `Trenkwalder C` ends in initials; `EFSA NDA Panel` is a corporate author.
fn has_initials(author: &str) -> bool {
    author.rsplit_once(' ').is_some_and(|(_, last)| last.chars().all(|c| c.is_ascii_uppercase() || c == '-'))
}
