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
