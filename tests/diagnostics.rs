//! Every invalid rule, evidence and profile fixture: the rendered
//! diagnostics are snapshotted, and each fixture yields at least one error
//! with a stable code.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

mod common;

use std::fs;

use warrant::diagnostic;
use warrant::evidence;
use warrant::explain::Format;
use warrant::span::{SourceFile, SourceMap};

fn snapshot(stage: &str, source: &str, rendered: &str) {
    insta::with_settings!({ description => source.to_string(), omit_expression => true }, {
        insta::assert_snapshot!(stage, rendered);
    });
}

#[test]
fn invalid_rule_files() {
    insta::glob!("fixtures/rules_invalid/*.warrant", |path| {
        let name = common::file_name(path);
        let text = fs::read_to_string(path).unwrap();
        let (sources, diagnostics) = common::check_rules(&name, &text);
        assert!(!diagnostics.is_empty(), "{name} should not check clean");
        assert!(diagnostics.iter().all(|d| d.code.starts_with('E')), "{name}");
        assert!(diagnostics.iter().all(|d| d.code != "E0901"), "{name} hit an internal error");
        snapshot("rules", &text, &diagnostic::render(&sources, &diagnostics, false));
    });
}

#[test]
fn invalid_evidence_files() {
    insta::glob!("fixtures/evidence_invalid/*.yaml", |path| {
        let name = common::file_name(path);
        let text = fs::read_to_string(path).unwrap();
        let mut sources = SourceMap::new();
        let file = sources.add(SourceFile::new(name.clone(), text.clone()));
        let (_, diagnostics) = evidence::load(&sources, &[file]);
        assert!(!diagnostics.is_empty(), "{name} should not load clean");
        assert!(diagnostics.iter().all(|d| d.code.starts_with("E05")), "{name}");
        snapshot("evidence", &text, &diagnostic::render(&sources, &diagnostics, false));
    });
}

#[test]
fn invalid_profiles() {
    let kb = common::bundled();
    insta::glob!("fixtures/profiles_invalid/*.{yaml,json}", |path| {
        let name = common::file_name(path);
        let text = fs::read_to_string(path).unwrap();
        let rendered =
            common::explain(&kb, &name, &text, Format::Text).expect_err("an invalid profile must be refused");
        assert!(rendered.contains("error[E06"), "{name}: {rendered}");
        snapshot("profile", &text, &rendered);
    });
}

#[test]
fn all_problems_in_a_file_are_reported_together() {
    let text = fs::read_to_string("tests/fixtures/rules_invalid/many_problems.warrant").unwrap();
    let (_, diagnostics) = common::check_rules("many_problems.warrant", &text);
    assert_eq!(
        common::codes(&diagnostics),
        vec!["E0202", "E0205", "E0201", "E0201", "E0203"],
        "duplicate input, no strength, unknown `ferritn`, unknown `tsat`, unknown evidence id"
    );
}

#[test]
fn errors_point_at_the_offending_text() {
    let cases = [
        ("unknown_name.warrant", "E0201", "ferritn"),
        ("unknown_evidence.warrant", "E0203", "aasm_2025_rls_guidline"),
        ("unit_dimension_mismatch.warrant", "E0302", "ng/mL"),
        ("missing_unit.warrant", "E0303", "75"),
        ("misspelled_keyword.warrant", "E0101", "whenn"),
        ("no_citation.warrant", "E0206", "oral_iron"),
    ];
    for (fixture, code, underlined) in cases {
        let text = fs::read_to_string(format!("tests/fixtures/rules_invalid/{fixture}")).unwrap();
        let (sources, diagnostics) = common::check_rules(fixture, &text);
        let diagnostic =
            diagnostics.iter().find(|d| d.code == code).unwrap_or_else(|| panic!("{fixture}: no {code}"));
        let span = diagnostic.primary_span().unwrap();
        assert_eq!(sources.snippet(span), underlined, "{fixture}");
    }
}

#[test]
fn cycles_are_shown_as_a_path() {
    let text = fs::read_to_string("tests/fixtures/rules_invalid/cycle.warrant").unwrap();
    let (_, diagnostics) = common::check_rules("cycle.warrant", &text);
    let messages: Vec<&str> = diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(messages, vec!["facts depend on each other in a cycle: a -> b -> c -> a"]);
}
