//! `warrant diff`: what a rule change does to a corpus of profiles.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use common::warrant;
use serde_json::Value;

/// A copy of the bundled rules with the adult iron threshold lowered from
/// 75 to 50 ng/mL.
fn lowered_threshold(dir: &Path) -> std::path::PathBuf {
    let rules = dir.join("rules");
    fs::create_dir_all(&rules).unwrap();
    for entry in fs::read_dir("rules").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "warrant") {
            let mut text = fs::read_to_string(&path).unwrap();
            if path.ends_with("iron.warrant") {
                let before = "when rls and (ferritin <= 75 ng/mL or tsat < 20 %)";
                assert!(text.contains(before), "the iron threshold moved: update this test");
                text = text.replace(before, "when rls and (ferritin <= 50 ng/mL or tsat < 20 %)");
            }
            fs::write(rules.join(path.file_name().unwrap()), text).unwrap();
        }
    }
    rules
}

/// Adults with RLS, TSAT 30% and no iron overload, at these ferritins.
fn ferritin_corpus(dir: &Path, ferritins: &[u32]) -> std::path::PathBuf {
    let corpus = dir.join("corpus");
    fs::create_dir_all(&corpus).unwrap();
    for ferritin in ferritins {
        let profile = format!(
            "name: ferritin {ferritin}\nage: 45\nlabs:\n  ferritin: {{ value: {ferritin}, unit: ng/mL, date: 2026-11-01 }}\n  \
             tsat: {{ value: 30, unit: \"%\", date: 2026-11-01 }}\nconditions: [rls]\nmedications: []\nsupplements: []\n"
        );
        fs::write(corpus.join(format!("ferritin_{ferritin:03}.yaml")), profile).unwrap();
    }
    corpus
}

fn diff_json(args: &[&str]) -> (Option<i32>, Value) {
    let output = warrant().arg("diff").args(args).args(["--format", "json"]).output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let json = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}\n{stderr}"));
    (output.status.code(), json)
}

#[test]
fn a_knowledge_base_against_itself_changes_nothing() {
    let (status, json) = diff_json(&[
        "--base-rules",
        "rules",
        "--base-evidence",
        "evidence",
        "--profiles",
        "tests/fixtures/profiles",
        "tests/fixtures/fhir",
        "--fail-on-change",
    ]);
    assert_eq!(status, Some(0), "{json}");
    assert_eq!(json["summary"]["changed"], 0);
    assert!(json["summary"]["profiles"].as_u64().unwrap() > 60);
    assert_eq!(json["profiles"], serde_json::json!([]));
}

#[test]
fn a_lowered_threshold_changes_exactly_the_profiles_between_the_two() {
    let dir = tempfile::tempdir().unwrap();
    let rules = lowered_threshold(dir.path());
    let corpus = ferritin_corpus(dir.path(), &[30, 49, 50, 51, 60, 75, 76, 90]);
    let (status, json) = diff_json(&[
        "--base-rules",
        "rules",
        "--rules",
        rules.to_str().unwrap(),
        "--profiles",
        corpus.to_str().unwrap(),
        "--fail-on-change",
    ]);
    assert_eq!(status, Some(3), "--fail-on-change exits 3 on a change");
    let changed: Vec<&str> =
        json["profiles"].as_array().unwrap().iter().map(|p| p["profile"].as_str().unwrap()).collect();
    let names: Vec<String> =
        changed.iter().map(|p| Path::new(p).file_stem().unwrap().to_str().unwrap().to_string()).collect();
    assert_eq!(names, ["ferritin_051", "ferritin_060", "ferritin_075"]);
    let oral_iron = &json["summary"]["outcomes"]["oral_iron"];
    assert_eq!(oral_iron["profiles"], 3);
    assert_eq!(oral_iron["transitions"]["true → false"], 3);
    for profile in json["profiles"].as_array().unwrap() {
        let change = profile["changes"].as_array().unwrap().iter().find(|c| c["id"] == "oral_iron").unwrap();
        assert_eq!((change["change"].as_str(), change["before"].as_str()), (Some("truth"), Some("true")));
        assert!(profile["daily_plan"]["removed"][0].as_str().unwrap().contains("Oral iron"), "{profile}");
    }
    // Without --fail-on-change a change is not a failure.
    let plain = warrant()
        .args(["diff", "--base-rules", "rules", "--rules", rules.to_str().unwrap(), "--profiles"])
        .arg(&corpus)
        .output()
        .unwrap();
    assert_eq!(plain.status.code(), Some(0));
}

#[test]
fn every_format_of_a_threshold_change() {
    let dir = tempfile::tempdir().unwrap();
    // Paths relative to the temporary directory, so the output is the same on every run.
    lowered_threshold(dir.path());
    ferritin_corpus(dir.path(), &[49, 60]);
    for format in ["text", "markdown", "json"] {
        let output = warrant()
            .current_dir(dir.path())
            .args(["diff", "--format", format, "--base-rules"])
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("rules"))
            .args(["--rules", "rules", "--profiles", "corpus"])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
        insta::assert_snapshot!(format!("diff_{format}"), String::from_utf8(output.stdout).unwrap());
    }
}

/// The outcomes a `batch` line says are true and unknown (the rest false).
fn batch_truths(rules: Option<&Path>, lines: &str) -> Vec<BTreeMap<String, &'static str>> {
    let mut command = warrant();
    command.arg("batch");
    if let Some(rules) = rules {
        command.arg("--rules").arg(rules);
    }
    let output = command.write_stdin(lines.to_string()).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let line: Value = serde_json::from_str(line).unwrap();
            let mut truths = BTreeMap::new();
            for (key, truth) in [("fired", "true"), ("undecided", "unknown")] {
                for id in line[key].as_array().unwrap() {
                    truths.insert(id.as_str().unwrap().to_string(), truth);
                }
            }
            truths
        })
        .collect()
}

#[test]
fn the_counts_equal_two_batch_runs_compared_line_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let rules = lowered_threshold(dir.path());
    // Every fixture profile, plus ferritins around the threshold, as JSON Lines.
    let mut lines = String::new();
    let mut paths: Vec<_> =
        fs::read_dir("tests/fixtures/profiles").unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    for path in paths.iter().filter(|p| p.extension().is_some_and(|e| e == "yaml")) {
        let profile: Value = serde_yaml::from_str(&fs::read_to_string(path).unwrap()).unwrap();
        lines.push_str(&serde_json::to_string(&profile).unwrap());
        lines.push('\n');
    }
    for ferritin in [40, 55, 70, 80] {
        lines.push_str(&format!(
            "{{\"age\": 50, \"labs\": {{\"ferritin\": {{\"value\": {ferritin}, \"unit\": \"ng/mL\"}}}}, \"conditions\": [\"rls\"]}}\n"
        ));
    }
    let corpus = dir.path().join("corpus.jsonl");
    fs::write(&corpus, &lines).unwrap();
    let (_, json) = diff_json(&[
        "--base-rules",
        "rules",
        "--rules",
        rules.to_str().unwrap(),
        "--profiles",
        corpus.to_str().unwrap(),
    ]);

    let before = batch_truths(None, &lines);
    let after = batch_truths(Some(&rules), &lines);
    assert_eq!(before.len(), after.len());
    let mut expected: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for (was, now) in before.iter().zip(&after) {
        let ids: BTreeSet<&String> = was.keys().chain(now.keys()).collect();
        for id in ids {
            let (a, b) = (was.get(id).copied().unwrap_or("false"), now.get(id).copied().unwrap_or("false"));
            if a != b {
                *expected.entry(id.clone()).or_default().entry(format!("{a} → {b}")).or_default() += 1;
            }
        }
    }
    let mut counted: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for (id, outcome) in json["summary"]["outcomes"].as_object().unwrap() {
        for (how, n) in outcome["transitions"].as_object().unwrap() {
            if how.contains('→') {
                counted.entry(id.clone()).or_default().insert(how.clone(), n.as_u64().unwrap());
            }
        }
    }
    assert!(!expected.is_empty(), "the change should change something");
    assert_eq!(counted, expected);
    assert_eq!(json["summary"]["profiles"].as_u64().unwrap() as usize, before.len());
}

#[test]
fn base_from_a_git_revision() {
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git")
            .current_dir(dir.path())
            .args(["-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false"])
            .args(args)
            .output()
            .unwrap();
        assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    };
    git(&["init", "-q"]);
    let kb = dir.path().join("kb");
    fs::create_dir_all(kb.join("evidence")).unwrap();
    for entry in fs::read_dir("rules").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "warrant") {
            fs::create_dir_all(kb.join("rules")).unwrap();
            fs::copy(&path, kb.join("rules").join(path.file_name().unwrap())).unwrap();
        }
    }
    for entry in fs::read_dir("evidence").unwrap() {
        let path = entry.unwrap().path();
        fs::copy(&path, kb.join("evidence").join(path.file_name().unwrap())).unwrap();
    }
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "rules"]);
    // The working tree lowers the threshold; HEAD still has 75.
    fs::remove_dir_all(kb.join("rules")).unwrap();
    lowered_threshold(&kb);
    let corpus = ferritin_corpus(dir.path(), &[60, 90]);
    let output = warrant()
        .current_dir(dir.path())
        .args([
            "diff",
            "--base",
            "HEAD",
            "--rules",
            "kb/rules",
            "--evidence",
            "kb/evidence",
            "--format",
            "json",
        ])
        .arg("--profiles")
        .arg(&corpus)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["summary"]["changed"], 1, "{json}");
    assert_eq!(json["summary"]["outcomes"]["oral_iron"]["transitions"]["true → false"], 1);
    // A revision that does not exist is a clear error.
    let output = warrant()
        .current_dir(dir.path())
        .args([
            "diff",
            "--base",
            "no-such-rev",
            "--rules",
            "kb/rules",
            "--evidence",
            "kb/evidence",
            "--profiles",
        ])
        .arg(&corpus)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("E0708"));
}

#[test]
fn a_bad_profile_is_reported_and_the_others_still_compared() {
    let dir = tempfile::tempdir().unwrap();
    let rules = lowered_threshold(dir.path());
    let corpus = ferritin_corpus(dir.path(), &[60]);
    fs::write(corpus.join("broken.yaml"), "labs:\n  ferritin: { value: 60, unit: furlongs }\n").unwrap();
    let output = warrant()
        .args(["diff", "--base-rules", "rules", "--rules", rules.to_str().unwrap(), "--profiles"])
        .arg(&corpus)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("furlongs") && stderr.contains("1 of 2 profiles could not be read"), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("ferritin_060.yaml"), "{stdout}");
}

#[test]
fn an_outcome_that_stays_true_shows_what_changed_inside_it() {
    let dir = tempfile::tempdir().unwrap();
    let rules = lowered_threshold(dir.path());
    let iron = rules.join("iron.warrant");
    let text = fs::read_to_string(&iron).unwrap();
    let text = text.replace("when rls and (ferritin <= 50 ng/mL", "when rls and (ferritin <= 75 ng/mL");
    assert!(text.contains("  dose 65 to 130 mg daily\n"), "the oral iron dose moved: update this test");
    fs::write(&iron, text.replacen("  dose 65 to 130 mg daily\n", "  dose 65 to 100 mg daily\n", 1)).unwrap();
    let corpus = ferritin_corpus(dir.path(), &[40]);
    let (_, json) = diff_json(&[
        "--base-rules",
        "rules",
        "--rules",
        rules.to_str().unwrap(),
        "--profiles",
        corpus.to_str().unwrap(),
    ]);
    let changes = json["profiles"][0]["changes"].as_array().unwrap();
    let oral_iron = changes.iter().find(|c| c["id"] == "oral_iron").unwrap();
    assert_eq!(oral_iron["change"], "details");
    let dose = &oral_iron["fields"].as_array().unwrap().iter().find(|f| f["field"] == "dose").unwrap();
    assert_eq!(
        (dose["before"].as_str(), dose["after"].as_str()),
        (Some("65 to 130 mg a day"), Some("65 to 100 mg a day"))
    );
    assert_eq!(json["summary"]["outcomes"]["oral_iron"]["transitions"]["details"], 1);
}
