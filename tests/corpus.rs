//! The bundled knowledge base checks clean, and what it cites exists.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

mod common;

use warrant::knowledge_base::Files;

#[test]
fn bundled_knowledge_base_checks_clean() {
    let kb = common::bundled();
    assert!(!kb.graph.program.rules.is_empty());
    assert!(!kb.evidence.is_empty());
}

#[test]
fn bundled_files_are_embedded() {
    let files = Files::bundled();
    assert!(files.rules.iter().any(|f| f.name == "rules/iron.warrant"));
    assert!(files.evidence.iter().any(|f| f.name == "evidence/iron.yaml"));
}

#[test]
fn every_outcome_cites_evidence_that_exists() {
    let kb = common::bundled();
    for rule in kb.graph.program.rules.iter().filter(|r| r.is_outcome()) {
        assert!(!rule.citations.is_empty(), "{} cites nothing", rule.name);
        for citation in &rule.citations {
            assert!(kb.evidence.get(&citation.evidence).is_some(), "{}", citation.evidence);
        }
    }
}

/// Every citation the source article makes, and the record that audits it.
const ARTICLE_CITATIONS: [(&str, &str); 9] = [
    ("NINDS, 5-10% of adults", "ninds_rls_prevalence"),
    ("2012 study in Sleep Medicine (magnesium)", "abbasi_2012_magnesium_insomnia"),
    ("AASM: ferritin above 50 ng/mL", "aasm_2025_rls_guideline"),
    ("2009 study in Sleep Medicine Reviews (iron)", "wang_2009_oral_iron"),
    ("2018 study in J Clin Sleep Med (calcium, magnesium)", "article_2018_jcsm_calcium_magnesium"),
    ("2020 study in Neurological Research and Practice (B12)", "article_2020_b12_rls"),
    ("2021 meta-analysis in Sleep Health (magnesium)", "article_2021_sleep_health_magnesium"),
    ("2017 RLS Foundation study (relationships)", "ondo_2018_patient_odyssey"),
    ("Lancet Neurology 2011 trial (IV iron)", "trenkwalder_2017_fcm"),
];

#[test]
fn every_citation_in_the_article_has_an_audited_record() {
    use warrant::evidence::Verification;
    let kb = common::bundled();
    for (claim, id) in ARTICLE_CITATIONS {
        let record = &kb.evidence.get(id).unwrap_or_else(|| panic!("{claim}: no record `{id}`")).record;
        assert!(record.as_cited.is_some(), "{claim}: `{id}` does not say how the article cited it");
        if record.verification != Verification::Verified {
            assert!(record.note.is_some(), "{claim}: `{id}` does not say what differs");
        }
    }
}

#[test]
fn the_fabricated_b12_study_is_recorded_as_not_found() {
    use warrant::evidence::Verification;
    let kb = common::bundled();
    let record = &kb.evidence.get("article_2020_b12_rls").unwrap().record;
    assert_eq!(record.verification, Verification::NotFound);
    assert!(record.ids.doi.is_none() && record.ids.pmid.is_none(), "a source not found has no identifiers");
}

#[test]
fn every_rule_file_has_metadata() {
    let kb = common::bundled();
    for file in &kb.graph.program.files {
        assert!(file.title.is_some() && file.version.is_some() && file.reviewed.is_some(), "{}", file.name);
    }
}
