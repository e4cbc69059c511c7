//! Lints: each fixture in `fixtures/lint/` is named after the warning it
//! must produce; its warnings of that code are snapshotted.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

mod common;

use std::fs;

use warrant::dates::Date;
use warrant::diagnostic;
use warrant::knowledge_base::{self, Files};
use warrant::lint::{self, LintOptions};
use warrant::span::SourceFile;

const TODAY: Date = jiff::civil::date(2026, 11, 27);

/// Lints one rule file against the small fixture evidence base.
fn lint_fixture(name: &str, text: &str) -> (warrant::span::SourceMap, Vec<warrant::diagnostic::Diagnostic>) {
    let evidence = fs::read_to_string("tests/fixtures/lint/evidence.yaml").unwrap();
    let files = Files {
        rules: vec![SourceFile::new(name, text)],
        evidence: vec![SourceFile::new("evidence.yaml", evidence)],
    };
    let (sources, compiled) = knowledge_base::compile(files);
    let kb = compiled.map_err(|d| diagnostic::render(&sources, &d, false)).expect("the fixture checks clean");
    let warnings = lint::lint(&kb, &LintOptions { max_age_days: 365, today: TODAY });
    (sources, warnings)
}

#[test]
fn each_fixture_produces_its_warning() {
    insta::glob!("fixtures/lint/*.warrant", |path| {
        let name = common::file_name(path);
        let code = name.split('_').next().unwrap().to_uppercase();
        let text = fs::read_to_string(path).unwrap();
        let (sources, warnings) = lint_fixture(&name, &text);
        let matching: Vec<_> = warnings.into_iter().filter(|w| w.code == code).collect();
        assert!(!matching.is_empty(), "{name} produced no {code}");
        insta::with_settings!({ description => text.clone(), omit_expression => true }, {
            insta::assert_snapshot!(diagnostic::render(&sources, &matching, false));
        });
    });
}

#[test]
fn a_possible_condition_is_not_reported() {
    let text = fs::read_to_string("tests/fixtures/lint/w0106_never_true.warrant").unwrap();
    let (_, warnings) = lint_fixture("w0106_never_true.warrant", &text);
    let flagged: Vec<&str> =
        warnings.iter().filter(|w| w.code == "W0106").map(|w| w.message.as_str()).collect();
    assert_eq!(flagged.len(), 4, "{flagged:#?}");
    assert!(flagged.iter().all(|m| !m.contains("`fine`")), "{flagged:#?}");
}

#[test]
fn a_recently_reviewed_file_is_not_stale() {
    let text = fs::read_to_string("tests/fixtures/lint/w0108_stale_review.warrant").unwrap();
    let text = text.replace("2020-01-01", "2026-01-01");
    let (_, warnings) = lint_fixture("fresh.warrant", &text);
    assert!(warnings.iter().all(|w| w.code != "W0108"));
}

#[test]
fn deny_warnings_turns_warnings_into_exit_status_three() {
    let dir = tempfile::tempdir().unwrap();
    fs::copy("tests/fixtures/lint/w0105_unused_input.warrant", dir.path().join("r.warrant")).unwrap();
    let evidence = tempfile::tempdir().unwrap();
    fs::copy("tests/fixtures/lint/evidence.yaml", evidence.path().join("e.yaml")).unwrap();
    let run = |deny: bool| {
        let mut command = common::warrant();
        command.arg("lint").arg("--rules").arg(dir.path()).arg("--evidence").arg(evidence.path());
        command.args(["--today", "2026-11-27"]);
        if deny {
            command.arg("--deny-warnings");
        }
        command.output().unwrap()
    };
    let lenient = run(false);
    assert_eq!(lenient.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&lenient.stderr);
    assert!(stderr.contains("warning[W0105]") && stderr.trim_end().ends_with("warnings"), "{stderr}");
    assert_eq!(run(true).status.code(), Some(3));
}

#[test]
fn lint_refuses_a_knowledge_base_with_errors() {
    let dir = tempfile::tempdir().unwrap();
    fs::copy("tests/fixtures/rules_invalid/unknown_name.warrant", dir.path().join("r.warrant")).unwrap();
    common::warrant().arg("lint").arg("--rules").arg(dir.path()).assert().code(1);
}

#[test]
fn the_bundled_knowledge_base_lints_without_structural_warnings() {
    // Weak evidence (W0101, W0103) is the honest state of the RLS evidence;
    // anything else would be a mistake in the bundled rules.
    let kb = common::bundled();
    let warnings = lint::lint(&kb, &LintOptions { max_age_days: 365, today: TODAY });
    let structural: Vec<_> = warnings.iter().filter(|w| !matches!(w.code, "W0101" | "W0103")).collect();
    assert!(structural.is_empty(), "{structural:#?}");
}
