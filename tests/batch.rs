//! `warrant batch`: JSON Lines in, JSON Lines out, in input order, bad lines
//! reported by number without stopping the rest.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

mod common;

use std::fs;

use common::warrant;

fn one_line(path: &str) -> String {
    let text = fs::read_to_string(path).unwrap();
    let value: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    serde_json::to_string(&value).unwrap()
}

#[test]
fn results_come_in_input_order_and_bad_lines_are_reported_by_number() {
    let input = [
        one_line("tests/fixtures/profiles/low_ferritin.yaml"),
        String::new(),
        String::from("{\"labs\": {\"ferritin\": {\"value\": 32}}}"),
        one_line("tests/fixtures/profiles/hemochromatosis.yaml"),
        String::from("not json"),
    ]
    .join("\n");
    let output = warrant().arg("batch").write_stdin(input).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "a failed line makes the batch fail");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let results: Vec<serde_json::Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(results.iter().map(|r| r["line"].as_u64().unwrap()).collect::<Vec<_>>(), [1, 4]);
    assert!(results[0]["fired"].as_array().unwrap().iter().any(|id| id == "oral_iron"));
    assert!(results[1]["fired"].as_array().unwrap().iter().all(|id| id != "oral_iron"));
    let stderr = String::from_utf8(output.stderr).unwrap();
    // Each bad line is named by its number in the input, as a file:line:col.
    assert!(stderr.contains("<stdin>:3:") && stderr.contains("missing field `unit`"), "{stderr}");
    assert!(stderr.contains("<stdin>:5:") && stderr.contains("not valid JSON"), "{stderr}");
    assert!(stderr.trim_end().ends_with("batch: 2 profile(s) evaluated, 2 line(s) failed"), "{stderr}");
}

/// `--error-format json` holds for a batch too: one object per bad line,
/// with the input's path and the line's number, then a summary object.
#[test]
fn bad_lines_follow_the_error_format() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("profiles.jsonl");
    let good = one_line("tests/fixtures/profiles/low_ferritin.yaml");
    fs::write(
        &path,
        format!("{good}\n{good}\n{{\"labs\": {{\"ferritin\": {{\"value\": -1, \"unit\": \"ng/mL\"}}}}}}\n"),
    )
    .unwrap();
    let output = warrant().args(["batch", "--error-format", "json"]).arg(&path).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    let objects: Vec<serde_json::Value> = stderr.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(objects.len(), 2, "{stderr}");
    assert_eq!(objects[0]["code"], "E0604");
    assert_eq!(objects[0]["file"], path.display().to_string());
    assert_eq!(objects[0]["line"], 3);
    assert_eq!(objects[1]["type"], "summary");
    assert_eq!((objects[1]["evaluated"].as_u64(), objects[1]["failed"].as_u64()), (Some(2), Some(1)));
}

#[test]
fn fail_fast_stops_at_the_first_bad_line() {
    let input = format!("not json\n{}\n", one_line("tests/fixtures/profiles/low_ferritin.yaml"));
    let output = warrant().args(["batch", "--fail-fast"]).write_stdin(input).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8(output.stderr).unwrap().contains("stopped at the first failure"));
}

#[test]
fn the_outcomes_match_explain() {
    let line = one_line("tests/fixtures/profiles/everything.yaml");
    let batch = warrant().arg("batch").write_stdin(line).output().unwrap();
    let result: serde_json::Value = serde_json::from_slice(&batch.stdout).unwrap();
    let explain = warrant()
        .args(["explain", "tests/fixtures/profiles/everything.yaml", "--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&explain.stdout).unwrap();
    let mut expected: Vec<&str> = ["suggestions", "tests", "cautions", "background"]
        .iter()
        .flat_map(|key| report[*key].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()))
        .collect();
    let mut fired: Vec<&str> =
        result["fired"].as_array().unwrap().iter().map(|id| id.as_str().unwrap()).collect();
    expected.sort_unstable();
    fired.sort_unstable();
    assert_eq!(fired, expected);
}

/// `--explain` adds, per line, the report `explain --format json` gives for
/// the same profile, its references cited by number and id only and each
/// finding's citations without the record's facts (the records would
/// repeat on every line); without it there is no report.
#[test]
fn explain_adds_the_same_report_as_explain_json() {
    let path = "tests/fixtures/profiles/everything.yaml";
    let input = format!("{}\n{}\n", one_line(path), one_line("tests/fixtures/profiles/empty.yaml"));
    let batch = warrant().args(["batch", "--explain"]).write_stdin(input.clone()).output().unwrap();
    assert!(batch.status.success());
    let lines: Vec<serde_json::Value> =
        String::from_utf8(batch.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let explain = warrant().args(["explain", path, "--format", "json"]).output().unwrap();
    let mut report: serde_json::Value = serde_json::from_slice(&explain.stdout).unwrap();
    for reference in report["references"].as_array_mut().unwrap() {
        let (number, id) = (reference["number"].clone(), reference["id"].clone());
        *reference = serde_json::json!({ "number": number, "id": id });
    }
    assert!(report["references"].as_array().unwrap().len() > 3, "the profile cites several records");
    let mut graded = 0;
    for section in ["suggestions", "tests", "cautions", "background"] {
        for finding in report[section].as_array_mut().unwrap() {
            for citation in finding["evidence"].as_array_mut().unwrap() {
                let citation = citation.as_object_mut().unwrap();
                graded += usize::from(citation.contains_key("graded"));
                citation.retain(|field, _| {
                    ["reference", "id", "stance", "certainty", "graded"].contains(&field.as_str())
                });
            }
        }
    }
    assert!(graded > 0, "a citation graded for its recommendation keeps its own certainty");
    assert_eq!(lines[0]["report"], report);
    assert!(lines[1]["report"]["disclaimer"].as_str().unwrap().contains("not medical advice"));
    let plain = warrant().arg("batch").write_stdin(input).output().unwrap();
    let first: serde_json::Value =
        serde_json::from_str(String::from_utf8(plain.stdout).unwrap().lines().next().unwrap()).unwrap();
    assert!(first.get("report").is_none());
}

#[test]
fn one_or_two_workers_give_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().display().to_string();
    warrant().args(["generate", "rules", "--count", "200", "--out", &base]).assert().success();
    let profiles = warrant().args(["generate", "profiles", "--count", "9000"]).output().unwrap().stdout;
    let run = |jobs: &str| {
        let output = warrant()
            .args([
                "batch",
                "--jobs",
                jobs,
                "--rules",
                &format!("{base}/rules"),
                "--evidence",
                &format!("{base}/evidence"),
            ])
            .write_stdin(profiles.clone())
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        output.stdout
    };
    let (one, two) = (run("1"), run("2"));
    assert_eq!(one, two);
    let lines: Vec<u64> = String::from_utf8(one)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, (1..=9000).collect::<Vec<u64>>(), "every line, in order, across chunk boundaries");
}
