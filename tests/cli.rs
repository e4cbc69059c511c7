//! The `warrant` binary: exit statuses, streams, colour, and that no invalid
//! input of any kind makes it panic.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

mod common;

use std::fs;
use std::path::Path;

use common::warrant;
use predicates::prelude::*;

const LOW_FERRITIN: &str = "tests/fixtures/profiles/low_ferritin.yaml";

#[test]
fn explain_prints_the_report_and_exits_zero() {
    warrant()
        .args(["explain", LOW_FERRITIN])
        .assert()
        .success()
        .stdout(predicate::str::contains("Oral iron"))
        .stdout(predicate::str::contains("This report is not medical advice."))
        .stderr("");
}

#[test]
fn explain_reads_json_and_stdin() {
    warrant()
        .args(["explain", "tests/fixtures/profiles/low_ferritin.json", "--format", "json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"schema_version\": 1"));
    warrant()
        .args(["explain", "-"])
        .write_stdin(fs::read_to_string(LOW_FERRITIN).unwrap())
        .assert()
        .success()
        .stdout(predicate::str::contains("Oral iron"));
}

#[test]
fn explain_with_explicit_directories_matches_the_bundled_default() {
    let bundled = warrant().args(["explain", LOW_FERRITIN]).output().unwrap();
    let explicit = warrant()
        .args(["explain", LOW_FERRITIN, "--rules", "rules", "--evidence", "evidence"])
        .output()
        .unwrap();
    assert!(explicit.status.success());
    // Only the rule locations differ: the bundled files are named `rules/…`
    // too, so the whole report must match.
    assert_eq!(String::from_utf8_lossy(&bundled.stdout), String::from_utf8_lossy(&explicit.stdout));
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let escape = predicate::str::contains("\u{1b}[");
    warrant().args(["explain", LOW_FERRITIN]).assert().stdout(escape.clone().not());
    warrant().args(["--color", "always", "explain", LOW_FERRITIN]).assert().stdout(escape);
}

#[test]
fn a_bad_profile_exits_one_with_nothing_on_stdout() {
    warrant()
        .args(["explain", "tests/fixtures/profiles_invalid/wrong_unit.yaml"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("error[E0603]"))
        .stderr(predicate::str::contains("labs.ferritin.unit"));
}

#[test]
fn unreadable_or_unrecognised_profiles_exit_one() {
    warrant()
        .args(["explain", "no/such/profile.yaml"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("cannot read profile"));
    warrant()
        .args(["explain", "README.md"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot tell the format"));
    // A directory is said to be one, not a file of unknown format.
    warrant()
        .args(["explain", "tests/fixtures"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("cannot read profile `tests/fixtures`: it is a directory"));
}

#[test]
fn usage_errors_exit_two() {
    warrant().assert().code(2);
    warrant().args(["explain"]).assert().code(2);
    warrant().args(["explain", LOW_FERRITIN, "--format", "xml"]).assert().code(2);
    warrant().args(["frobnicate"]).assert().code(2);
}

#[test]
fn check_passes_on_the_bundled_knowledge_base() {
    warrant().arg("check").assert().success().stderr(predicate::str::contains("no problems"));
}

#[test]
fn check_reports_every_problem_then_a_summary_and_exits_one() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["cycle.warrant", "unknown_name.warrant"] {
        fs::copy(format!("tests/fixtures/rules_invalid/{name}"), dir.path().join(name)).unwrap();
    }
    let output = warrant().arg("check").arg("--rules").arg(dir.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Both files declare `ferritin`: the duplicate is shown in both files.
    for code in ["error[E0401]", "error[E0201]", "error[E0202]"] {
        assert!(stderr.contains(code), "{code} missing from {stderr}");
    }
    assert!(stderr.contains("cycle.warrant:1:7") && stderr.contains("unknown_name.warrant:1:7"), "{stderr}");
    assert!(stderr.trim_end().ends_with("check failed: 3 errors, 0 warnings"), "{stderr}");
    assert!(output.stdout.is_empty());
}

#[test]
fn a_missing_directory_is_an_input_error() {
    warrant()
        .args(["check", "--rules", "no/such/dir"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot read `no/such/dir`"));
}

/// Runs the binary on every invalid fixture; each must fail cleanly.
#[test]
fn no_invalid_fixture_makes_the_binary_panic() {
    let mut runs = 0;
    for (dir, kind) in [
        ("tests/fixtures/rules_invalid", "rules"),
        ("tests/fixtures/evidence_invalid", "evidence"),
        ("tests/fixtures/profiles_invalid", "profile"),
    ] {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let output = if kind == "profile" {
                warrant().arg("explain").arg(&path).output().unwrap()
            } else {
                let single = tempfile::tempdir().unwrap();
                fs::copy(&path, single.path().join(path.file_name().unwrap())).unwrap();
                warrant().arg("check").arg(format!("--{kind}")).arg(single.path()).output().unwrap()
            };
            assert_fails_cleanly(&path, &output);
            runs += 1;
        }
    }
    assert!(runs >= 30, "only {runs} fixtures were run");
}

fn assert_fails_cleanly(path: &Path, output: &std::process::Output) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{}: {stderr}", path.display());
    assert!(!stderr.contains("panicked"), "{}: {stderr}", path.display());
    assert!(stderr.contains("error["), "{}: {stderr}", path.display());
    assert!(output.stdout.is_empty(), "{}", path.display());
}

#[test]
fn completions_and_man_page_come_from_the_clap_definitions() {
    for (shell, marker) in
        [("bash", "_warrant"), ("zsh", "#compdef warrant"), ("fish", "complete -c warrant")]
    {
        warrant()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains(marker).and(predicate::str::contains("explain")));
    }
    warrant()
        .arg("man")
        .assert()
        .success()
        .stdout(predicate::str::contains(".TH warrant 1").and(predicate::str::contains("Exit statuses")));
    warrant().args(["completions", "tcsh"]).assert().code(2);
}

fn check_invalid(format: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    fs::copy("tests/fixtures/rules_invalid/unknown_name.warrant", dir.path().join("r.warrant")).unwrap();
    let output =
        warrant().args(["--error-format", format, "check", "--rules"]).arg(dir.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    String::from_utf8(output.stderr).unwrap().replace(&dir.path().display().to_string(), "DIR")
}

#[test]
fn json_diagnostics_are_one_object_per_line_then_a_summary() {
    let stderr = check_invalid("json");
    let lines: Vec<serde_json::Value> = stderr.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let (summary, diagnostics) = lines.split_last().unwrap();
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["errors"], 1);
    let diagnostic = &diagnostics[0];
    assert_eq!(diagnostic["code"], "E0201");
    assert_eq!((diagnostic["line"].as_u64(), diagnostic["column"].as_u64()), (Some(4), Some(16)));
    assert_eq!(diagnostic["labels"][0]["text"], "ferritn");
    assert_eq!(diagnostic["help"], "did you mean `ferritin`?");
}

#[test]
fn plain_diagnostics_have_no_drawing_characters() {
    let stderr = check_invalid("plain");
    assert!(stderr.starts_with("DIR/r.warrant:4:16: error[E0201]: unknown name `ferritn`"), "{stderr}");
    assert!(stderr.contains("help: did you mean `ferritin`?"), "{stderr}");
    assert!(!stderr.contains('│') && !stderr.contains('^'), "{stderr}");
}
