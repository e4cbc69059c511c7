//! `warrant snapshot`: reviewed reports kept in files, checked without Rust.

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

fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Two fixture profiles and a JSON Lines file of one more, in `dir/corpus`.
fn corpus(dir: &Path) {
    let corpus = dir.join("corpus");
    fs::create_dir_all(corpus.join("more")).unwrap();
    for name in ["low_ferritin.yaml", "threshold_exact.yaml"] {
        fs::copy(Path::new("tests/fixtures/profiles").join(name), corpus.join(name)).unwrap();
    }
    let line = "{\"age\": 50, \"labs\": {\"ferritin\": {\"value\": 60, \"unit\": \"ng/mL\"}}, \"conditions\": [\"rls\"]}";
    fs::write(corpus.join("more/lines.jsonl"), format!("\n{line}\n")).unwrap();
}

/// The bundled rules with the adult iron threshold at 50 ng/mL, in `dir/new`.
fn changed_rules(dir: &Path) {
    let rules = dir.join("new");
    fs::create_dir_all(&rules).unwrap();
    for entry in fs::read_dir("rules").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "warrant") {
            let text = fs::read_to_string(&path)
                .unwrap()
                .replace("when rls and (ferritin <= 75 ng/mL", "when rls and (ferritin <= 50 ng/mL");
            fs::write(rules.join(path.file_name().unwrap()), text).unwrap();
        }
    }
}

fn snapshot(dir: &Path, args: &[&str]) -> std::process::Output {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut command = warrant();
    command.current_dir(dir).args(["snapshot", "--profiles", "corpus", "--snapshots", "snaps"]).args(args);
    if !args.contains(&"--rules") {
        command.arg("--rules").arg(rules);
    }
    command.output().unwrap()
}

#[test]
fn accept_writes_one_insta_snapshot_per_profile_and_check_then_passes() {
    let dir = tempfile::tempdir().unwrap();
    corpus(dir.path());
    let check = snapshot(dir.path(), &["--check"]);
    assert_eq!(check.status.code(), Some(1), "no snapshot directory yet: {}", stderr_of(&check));

    let accept = snapshot(dir.path(), &["--accept"]);
    assert_eq!(accept.status.code(), Some(0), "{}", stderr_of(&accept));
    assert!(
        stderr_of(&accept).contains("3 profiles: 0 unchanged, 0 changed, 3 new"),
        "{}",
        stderr_of(&accept)
    );
    let snap = fs::read_to_string(dir.path().join("snaps/low_ferritin.yaml.snap")).unwrap();
    assert!(
        snap.starts_with(
            "---\nsource: \"low_ferritin.yaml\"\nexpression: \"warrant explain --format text\"\n---\nWARRANT REPORT: LOW FERRITIN\n"
        ),
        "{snap}"
    );
    assert!(dir.path().join("snaps/more/lines.jsonl@2.snap").is_file(), "JSON Lines profiles by line");

    let check = snapshot(dir.path(), &["--check"]);
    assert_eq!(check.status.code(), Some(0), "{}", stderr_of(&check));
    assert!(check.stdout.is_empty());
}

#[test]
fn check_shows_a_unified_diff_for_each_changed_report_and_exits_three() {
    let dir = tempfile::tempdir().unwrap();
    corpus(dir.path());
    changed_rules(dir.path());
    assert_eq!(snapshot(dir.path(), &["--accept"]).status.code(), Some(0));
    let check = snapshot(dir.path(), &["--check", "--rules", "new"]);
    assert_eq!(check.status.code(), Some(3), "{}", stderr_of(&check));
    let stdout = String::from_utf8(check.stdout.clone()).unwrap();
    // Ferritin 60 loses oral iron under the new threshold; ferritin 32 keeps it.
    assert!(
        stdout.contains("changed: corpus/more/lines.jsonl:2 (snaps/more/lines.jsonl@2.snap)"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "--- snaps/more/lines.jsonl@2.snap (snapshot)\n+++ snaps/more/lines.jsonl@2.snap (report now)\n@@"
        ),
        "{stdout}"
    );
    assert!(
        stdout.lines().any(|l| l.starts_with('-') && l.contains("Oral iron: ferrous sulfate")),
        "{stdout}"
    );
    assert!(stderr_of(&check).contains("warrant snapshot --review"), "{}", stderr_of(&check));
    // --check writes nothing.
    let again = snapshot(dir.path(), &["--check", "--rules", "new"]);
    assert_eq!(again.status.code(), Some(3));
}

#[test]
fn review_accepts_and_rejects_one_by_one() {
    let dir = tempfile::tempdir().unwrap();
    corpus(dir.path());
    changed_rules(dir.path());
    assert_eq!(snapshot(dir.path(), &["--accept"]).status.code(), Some(0));
    let before = fs::read_to_string(dir.path().join("snaps/threshold_exact.yaml.snap")).unwrap();
    // Three changed reports (every source line moved): accept the first, reject the second, skip the third.
    let rules = dir.path().join("new");
    let review = warrant()
        .current_dir(dir.path())
        .args(["snapshot", "--profiles", "corpus", "--snapshots", "snaps", "--review", "--rules"])
        .arg(&rules)
        .write_stdin("a\nr\ns\n")
        .output()
        .unwrap();
    assert_eq!(review.status.code(), Some(3), "two are still pending: {}", stderr_of(&review));
    assert!(stderr_of(&review).contains("1 accepted"), "{}", stderr_of(&review));
    let low = fs::read_to_string(dir.path().join("snaps/low_ferritin.yaml.snap")).unwrap();
    assert!(low.contains(&rules.display().to_string()), "the first was accepted");
    assert_eq!(fs::read_to_string(dir.path().join("snaps/threshold_exact.yaml.snap")).unwrap(), before);
}

#[test]
fn a_snapshot_without_a_profile_is_obsolete_and_accept_removes_it() {
    let dir = tempfile::tempdir().unwrap();
    corpus(dir.path());
    assert_eq!(snapshot(dir.path(), &["--accept"]).status.code(), Some(0));
    fs::remove_file(dir.path().join("corpus/threshold_exact.yaml")).unwrap();
    let check = snapshot(dir.path(), &["--check"]);
    assert_eq!(check.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&check.stdout).contains("obsolete: snaps/threshold_exact.yaml.snap"));
    let accept = snapshot(dir.path(), &["--accept"]);
    assert_eq!(accept.status.code(), Some(0), "{}", stderr_of(&accept));
    assert!(!dir.path().join("snaps/threshold_exact.yaml.snap").exists());
    assert_eq!(snapshot(dir.path(), &["--check"]).status.code(), Some(0));
}

#[test]
fn one_mode_is_required() {
    let dir = tempfile::tempdir().unwrap();
    corpus(dir.path());
    assert_eq!(snapshot(dir.path(), &[]).status.code(), Some(2));
    assert_eq!(snapshot(dir.path(), &["--check", "--accept"]).status.code(), Some(2));
}
