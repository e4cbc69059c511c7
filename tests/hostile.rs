//! Hostile input: every input that once crashed Warrant, ran it for
//! minutes, filled memory or gave a wrong answer with exit 0, generated
//! here at the size that did it. What is asserted is the outcome (a coded
//! error at the right place, the exit status, output that stays small),
//! never a time: speed is measured in `crates/warrant-bench`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

mod common;

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use common::warrant;

/// A knowledge base of `rules` with one evidence record, in `dir`.
fn knowledge_base(dir: &Path, rules: &str) {
    fs::create_dir_all(dir.join("rules")).unwrap();
    fs::create_dir_all(dir.join("evidence")).unwrap();
    fs::write(dir.join("rules/a.warrant"), rules).unwrap();
    fs::write(
        dir.join("evidence/a.yaml"),
        "- id: source\n  kind: cohort\n  title: A study\n  year: 2020\n  finding: It was found.\n  certainty: low\n  verification: verified\n",
    )
    .unwrap();
}

fn kb_args(dir: &Path) -> [String; 4] {
    let path = |p: &str| dir.join(p).display().to_string();
    ["--rules".into(), path("rules"), "--evidence".into(), path("evidence")]
}

fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// A profile listing `count` supplements, as YAML.
fn many_supplements(count: usize) -> String {
    let mut text = String::from("age: 40\nsupplements:\n");
    for i in 0..count {
        let _ = writeln!(text, "  - {{name: supplement_{}, dose: 100, unit: mg, time: evening}}", i % 7);
    }
    text
}

#[test]
fn forty_thousand_supplements_are_refused_at_the_limit_and_planned_when_it_is_raised() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("p.yaml");
    fs::write(&profile, many_supplements(40_000)).unwrap();
    let refused = warrant().args(["explain"]).arg(&profile).output().unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let stderr = stderr_of(&refused);
    assert!(
        stderr.contains("error[E0609]: `supplements` has 40000 entries, more than the limit of 500"),
        "{stderr}"
    );
    assert!(stderr.contains("--max-list-items 40000"), "{stderr}");
    // Raised, the daily plan places every one without recursing per item.
    let planned = warrant().args(["plan", "--max-list-items", "40000"]).arg(&profile).output().unwrap();
    assert_eq!(planned.status.code(), Some(0), "{}", stderr_of(&planned));
    let plan = String::from_utf8(planned.stdout).unwrap();
    assert_eq!(
        plan.matches("- supplement 3 (your supplement)").count(),
        (0..40_000).filter(|i| i % 7 == 3).count(),
        "every entry is placed"
    );
}

#[test]
fn one_huge_line_in_a_batch_fails_that_line_only() {
    let json =
        serde_json::to_string(&serde_yaml::from_str::<serde_json::Value>(&many_supplements(5_000)).unwrap())
            .unwrap();
    let input = format!("{{\"age\": 40}}\n{json}\n{{\"age\": 50}}\n");
    let output = warrant().args(["batch", "--explain"]).write_stdin(input.clone()).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.iter().map(|l| l["line"].as_u64().unwrap()).collect::<Vec<_>>(), [1, 3]);
    assert!(stderr_of(&output).contains("<stdin>:2"), "{}", stderr_of(&output));
    let raised = warrant()
        .args(["batch", "--explain", "--max-list-items", "5000"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(raised.status.code(), Some(0), "{}", stderr_of(&raised));
}

#[test]
fn a_condition_of_forty_thousand_nots_is_refused_and_not_reprinted() {
    let dir = tempfile::tempdir().unwrap();
    let rules = format!(
        "input x: flag \"X\"\nrecommend r \"R\"\n  when {}x\n  strength conditional\n  cite source supports\n",
        "not ".repeat(40_000)
    );
    knowledge_base(dir.path(), &rules);
    let output = warrant().arg("check").args(kb_args(dir.path())).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("error[E0102]: the condition nests more than 32 deep"), "{stderr}");
    assert!(stderr.len() < 2_000, "the 160 KB line is shown as a window: {} bytes", stderr.len());
    assert!(stderr.contains("a.warrant:3:136"), "at the 33rd `not`: {stderr}");
}

/// `d0` when `x`, `d1` when `d0`, ..., and an outcome on the last.
fn chain(length: usize) -> String {
    let mut rules = String::from("input x: flag \"X\"\nderive d0 \"Step\" when x\n");
    for i in 1..length {
        let _ = writeln!(rules, "derive d{i} \"Step\" when d{}", i - 1);
    }
    let _ =
        writeln!(rules, "recommend r \"R\" when d{} strength conditional cite source supports", length - 1);
    rules
}

#[test]
fn a_chain_of_twenty_thousand_derived_facts_is_refused_by_every_command() {
    let dir = tempfile::tempdir().unwrap();
    knowledge_base(dir.path(), &chain(20_000));
    let profile = dir.path().join("p.yaml");
    fs::write(&profile, "conditions: [x]\n").unwrap();
    let check = warrant().arg("check").args(kb_args(dir.path())).output().unwrap();
    assert_eq!(check.status.code(), Some(1));
    let stderr = stderr_of(&check);
    assert_eq!(stderr.matches("error[E0402]").count(), 1, "one error for the chain: {stderr}");
    assert!(
        stderr.contains("`d32` ends a chain of more than 32 rules built on one another, from `d0`"),
        "{stderr}"
    );
    for extra in [&["explain"][..], &["explain", "--why-not", "r"], &["plan"]] {
        let output = warrant().args(extra).args(kb_args(dir.path())).arg(&profile).output().unwrap();
        assert_eq!(output.status.code(), Some(1), "{extra:?}");
        assert!(stderr_of(&output).contains("E0402"), "{extra:?}");
    }
    let batch = warrant()
        .args(["batch", "--explain"])
        .args(kb_args(dir.path()))
        .write_stdin("{}\n")
        .output()
        .unwrap();
    assert_eq!(batch.status.code(), Some(1));
}

#[test]
fn the_deepest_chain_allowed_with_the_deepest_condition_is_explained() {
    // At both limits at once: 32 rules in the chain, the last with a
    // condition 32 deep. Explanations and why-not recurse through both.
    let dir = tempfile::tempdir().unwrap();
    let mut rules = chain(31);
    let deep = format!("{}d30 and x{}", "(".repeat(31), ")".repeat(31));
    rules = rules.replace("recommend r \"R\" when d30", &format!("recommend r \"R\" when not {deep}"));
    knowledge_base(dir.path(), &rules);
    let profile = dir.path().join("p.yaml");
    fs::write(&profile, "conditions: [x]\n").unwrap();
    for extra in [&["explain"][..], &["explain", "--why-not", "r"], &["explain", "--format", "json"]] {
        let output = warrant().args(extra).args(kb_args(dir.path())).arg(&profile).output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{extra:?}: {}", stderr_of(&output));
    }
}

#[test]
fn ten_thousand_evidence_records_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    knowledge_base(dir.path(), "input x: flag \"X\"\ninform i \"I\" when x cite source supports\n");
    let mut records = String::new();
    for i in 0..10_000 {
        let _ = write!(
            records,
            "- id: record_{i}\n  kind: cohort\n  title: \"Study {i}\"\n  year: 2020\n  finding: Found.\n  certainty: low\n  verification: verified\n"
        );
    }
    // One more record, with a wrong year: the error is at that field, 70,000 lines down.
    records.push_str("- id: last\n  kind: cohort\n  title: Last\n  year: 20\n  finding: Found.\n  certainty: low\n  verification: verified\n");
    fs::write(dir.path().join("evidence/many.yaml"), records).unwrap();
    let output = warrant().arg("check").args(kb_args(dir.path())).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("`year: 20` of `last` is not a plausible publication year"), "{stderr}");
    assert!(stderr.contains("many.yaml:70004:9"), "at the `year` field: {stderr}");
}

#[test]
fn thousands_of_unknown_labs_on_one_line_cost_a_short_excerpt_each() {
    let labs: serde_json::Map<String, serde_json::Value> =
        (0..5_000).map(|i| (format!("lab{i}"), serde_json::json!({"value": 1, "unit": "ng/mL"}))).collect();
    let line = serde_json::json!({ "labs": labs }).to_string();
    assert!(line.len() > 150_000);
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("p.json");
    fs::write(&profile, &line).unwrap();
    let output = warrant().args(["explain", "--max-list-items", "10000"]).arg(&profile).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = stderr_of(&output);
    assert_eq!(stderr.matches("error[E0602]").count(), 5_000);
    let longest = stderr.lines().map(|l| l.chars().count()).max().unwrap();
    assert!(longest < 250, "no line of the profile is reprinted whole: {longest} characters");
}

#[test]
fn a_batch_line_over_the_size_limit_fails_alone_without_being_kept() {
    let long = format!("{{\"name\": \"{}\"}}", "a".repeat(3 * 1024 * 1024));
    let input = format!("{{\"age\": 40}}\n{long}\n{{\"age\": 50}}\n");
    let output = warrant().arg("batch").write_stdin(input.clone()).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(String::from_utf8(output.stdout.clone()).unwrap().lines().count(), 2);
    let stderr = stderr_of(&output);
    assert!(
        stderr.contains("error[E0704]: `<stdin>:2`: the line is larger than the limit of 1 MiB"),
        "{stderr}"
    );
    let raised = warrant().args(["batch", "--max-line-size", "4MiB"]).write_stdin(input).output().unwrap();
    assert_eq!(raised.status.code(), Some(0), "{}", stderr_of(&raised));
}

#[test]
fn a_batch_line_that_is_not_utf8_fails_alone() {
    let mut input = b"{\"age\": 40}\n{\"name\": \"".to_vec();
    input.extend_from_slice(b"\xff\xfe\"}\n{\"age\": 50}\n");
    let output = warrant().arg("batch").write_stdin(input).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(output.stdout.clone()).unwrap().lines().count(),
        2,
        "lines 1 and 3 are evaluated"
    );
    let stderr = stderr_of(&output);
    assert!(
        stderr.contains("error[E0705]: `<stdin>` is not UTF-8 text: the byte at line 2, column 11"),
        "{stderr}"
    );
}

#[test]
fn a_profile_file_that_is_not_utf8_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("p.yaml");
    fs::write(&profile, b"age: 40\nname: \xc3\x28\n").unwrap();
    let output = warrant().arg("explain").arg(&profile).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr_of(&output).contains("line 2, column 7"), "{}", stderr_of(&output));
}

#[test]
fn lint_on_a_conjunction_of_twenty_thousand_terms_finds_the_contradiction() {
    let dir = tempfile::tempdir().unwrap();
    let mut rules = String::new();
    for i in 0..50 {
        let _ = writeln!(rules, "input x{i}: flag \"X{i}\"");
    }
    let terms: Vec<String> = (0..20_000).map(|i| format!("x{}", i % 50)).collect();
    let _ = writeln!(
        rules,
        "reviewed 2026-11-29\nrecommend r \"R\" when {} and not x7 strength conditional cite source supports",
        terms.join(" and ")
    );
    knowledge_base(dir.path(), &rules);
    let output = warrant().arg("lint").args(kb_args(dir.path())).output().unwrap();
    let stderr = stderr_of(&output);
    assert!(
        stderr.contains("warning[W0106]: a condition of `r` can never be true: `x7` and `not x7`"),
        "{stderr}"
    );
}

#[test]
fn endless_standard_input_stops_at_the_size_limit() {
    let zeros = vec![0u8; 17 * 1024 * 1024];
    let output = warrant().args(["explain", "-"]).write_stdin(zeros).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr_of(&output).contains("error[E0704]: `<stdin>`: the file is larger than the limit of 16 MiB")
    );
    let small = warrant()
        .args(["explain", "--max-input-size", "10", "tests/fixtures/profiles/low_ferritin.yaml"])
        .output()
        .unwrap();
    assert_eq!(small.status.code(), Some(1));
    assert!(stderr_of(&small).contains("the file is larger than the limit of 10 bytes"));
}

#[test]
fn more_worker_threads_than_cores_need_forcing() {
    let output = warrant().args(["batch", "--jobs", "100000"]).write_stdin("{}\n").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("error[E0706]: `--jobs 100000` asks for more worker threads"));
    let forced =
        warrant().args(["batch", "--jobs", "3", "--force-jobs"]).write_stdin("{}\n").output().unwrap();
    assert_eq!(forced.status.code(), Some(0), "{}", stderr_of(&forced));
}

#[test]
fn numbers_that_overflow_are_errors_not_infinities() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("p.yaml");
    fs::write(
        &profile,
        "labs:\n  vitamin_b12: {value: 1e306, unit: mmol/L}\nsupplements:\n  - {name: vitamin_b6, dose: 1e308, unit: mg}\n  - {name: vitamin_b6, dose: 1e308, unit: mg}\n",
    )
    .unwrap();
    let output = warrant().arg("explain").arg(&profile).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = stderr_of(&output);
    assert_eq!(stderr.matches("error[E0611]").count(), 3, "{stderr}");
    assert!(!stderr.contains("inf"), "{stderr}");
    assert!(
        !stderr.chars().collect::<String>().contains("0000000000000000"),
        "no 309-digit numbers: {stderr}"
    );
}

#[test]
fn a_declared_plausible_range_is_enforced_and_named() {
    let dir = tempfile::tempdir().unwrap();
    knowledge_base(
        dir.path(),
        "input ferritin: mass_concentration ng/mL \"Serum ferritin\" plausible 0 to 100000 ng/mL\n\
         inform i \"I\" when ferritin > 300 ng/mL cite source supports\n",
    );
    let profile = dir.path().join("p.yaml");
    fs::write(&profile, "labs:\n  ferritin: {value: 250, unit: mg/L}\n").unwrap();
    let output = warrant().arg("explain").args(kb_args(dir.path())).arg(&profile).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr_of(&output).contains(
            "`labs.ferritin` is 250 mg/L, outside the plausible range of Serum ferritin (0 ng/mL to 100000 ng/mL)"
        ),
        "{}",
        stderr_of(&output)
    );
    fs::write(&profile, "labs:\n  ferritin: {value: 90000, unit: ng/mL}\n").unwrap();
    let inside = warrant().arg("explain").args(kb_args(dir.path())).arg(&profile).output().unwrap();
    assert_eq!(inside.status.code(), Some(0), "{}", stderr_of(&inside));
}

/// Bytes a terminal would act on: C0 controls but line feed, and DEL.
fn has_raw_controls(bytes: &[u8]) -> bool {
    bytes.iter().any(|&b| (b < 0x20 && b != b'\n') || b == 0x7f)
}

#[test]
fn control_characters_in_a_profile_never_reach_the_terminal_raw() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("p.yaml");
    fs::write(
        &profile,
        "name: \"Ann\\0\\e[2J\\e]0;owned\\a\"\nage: 40\nconditions: [\"rls\\e[31m\"]\nsupplements:\n  - {name: \"iron\\b\\b\", dose: 65, unit: mg, time: \"morning\\r\"}\n",
    )
    .unwrap();
    for format in ["text", "markdown", "json"] {
        let output = warrant().args(["explain", "--format", format]).arg(&profile).output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
        assert!(!has_raw_controls(&output.stdout), "{format}: {}", String::from_utf8_lossy(&output.stdout));
        let shown = String::from_utf8_lossy(&output.stdout).to_lowercase();
        // JSON escapes the escape's backslash once more.
        let wanted = if format == "json" { "ann\\\\u{0}\\\\u{1b}[2j" } else { "ann\\u{0}\\u{1b}[2j" };
        assert!(shown.contains(wanted), "{format}: {shown}");
    }
    let plan = warrant().arg("plan").arg(&profile).output().unwrap();
    assert!(!has_raw_controls(&plan.stdout), "{}", String::from_utf8_lossy(&plan.stdout));
    // In a diagnostic: the message and the source excerpt.
    fs::write(&profile, "labs:\n  ferritin: {value: 32, unit: \"ng\\e[2J\"}\n").unwrap();
    let error = warrant().args(["--color", "never", "explain"]).arg(&profile).output().unwrap();
    assert_eq!(error.status.code(), Some(1));
    assert!(!has_raw_controls(&error.stderr), "{}", stderr_of(&error));
    assert!(stderr_of(&error).contains("unknown unit `ng\\u{1b}[2J`"), "{}", stderr_of(&error));
}

/// Found by the `fhir` fuzz target: what a Bundle holds that no rule reads
/// is listed after binding, which escapes a profile's own entries.
#[test]
fn control_characters_in_a_fhir_bundle_never_reach_the_terminal_raw() {
    let bundle = serde_json::json!({
        "resourceType": "Bundle", "type": "collection",
        "entry": [
            { "resource": { "resourceType": "Enc\u{7f}\u{1b}[2Jounter" } },
            { "resource": { "resourceType": "Observation", "status": "final",
                "code": { "text": "HbA1c\u{1b}]0;owned\u{7}" } } }
        ]
    });
    for format in ["text", "markdown", "json"] {
        let output = warrant()
            .args(["explain", "--input-format", "fhir", "--format", format, "-"])
            .write_stdin(bundle.to_string())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
        assert!(!has_raw_controls(&output.stdout), "{format}: {}", String::from_utf8_lossy(&output.stdout));
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("HbA1c"),
            "{format}: listed as not considered"
        );
    }
}

#[test]
fn an_error_on_a_five_megabyte_rule_line_is_shown_as_a_window() {
    let dir = tempfile::tempdir().unwrap();
    let long_label = "x".repeat(5 * 1024 * 1024);
    knowledge_base(dir.path(), &format!("input x: flag \"{long_label}\" loinc 12\n"));
    let output = warrant().arg("check").args(kb_args(dir.path())).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("error[E0101]"), "{}", &stderr[..stderr.len().min(2_000)]);
    assert!(stderr.len() < 2_000, "{} bytes of stderr", stderr.len());
}

#[test]
fn every_broken_item_of_a_rule_file_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    knowledge_base(
        dir.path(),
        "input x: flag \"X\"\nrecommend a \"A\" when x and strength conditional cite source supports\n\
         recommend b \"B\" when x strength strongly cite source supports\n\
         inform c \"C\" when x cite source supports\n\
         inform d \"D\" when x cite source\n",
    );
    let output = warrant().arg("check").args(kb_args(dir.path())).output().unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(stderr.matches("error[E0101]").count(), 3, "{stderr}");
    for place in ["a.warrant:2:28", "a.warrant:3:33", "a.warrant:5:32"] {
        assert!(stderr.contains(place), "{place}: {stderr}");
    }
}

/// Thirty derived facts, each reading the one below it twice, under one
/// outcome (as long a chain as the limit allows) in `dir`, and a profile
/// for which all of them hold.
fn chain_reading_each_fact_twice(dir: &Path) -> std::path::PathBuf {
    let mut rules = String::from(
        "input level: mass_concentration mg/L \"Level\"\n\nderive d0 \"D0\"\n  when level > 1 mg/L\n",
    );
    for k in 1..31 {
        let _ =
            write!(rules, "\nderive d{k} \"D{k}\"\n  when d{} and (d{} or level > 2 mg/L)\n", k - 1, k - 1);
    }
    rules.push_str("\nwarn top \"Top\"\n  when d30\n  cite source supports\n");
    knowledge_base(dir, &rules);
    let profile = dir.join("p.yaml");
    fs::write(&profile, "labs:\n  level: {value: 5, unit: mg/L}\n").unwrap();
    profile
}

/// The chain of [`chain_reading_each_fact_twice`]: explained in full at
/// every mention, the reason doubled at every step (22 steps took 41 s and
/// 17 GB). Each fact is explained once in a reason and shown by its
/// verdict after that, with the truth it was explained with.
#[test]
fn a_chain_reading_each_fact_twice_is_explained_once_per_fact() {
    let dir = tempfile::tempdir().unwrap();
    let profile = chain_reading_each_fact_twice(dir.path());
    let output = warrant()
        .args(["explain", "--format", "json"])
        .arg(&profile)
        .args(kb_args(dir.path()))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let because = &report["cautions"][0]["because"];
    // Down the first part of each `all of`, every fact is explained; the
    // second part's `any of` shows the same fact as explained above.
    let mut reason = because;
    for k in (1..31).rev() {
        assert_eq!(reason["fact"]["id"], format!("d{k}"));
        assert_eq!(reason["condition"], "all of");
        let again = &reason["parts"][1]["parts"][0];
        assert_eq!(again["fact"]["id"], format!("d{}", k - 1));
        assert_eq!((&again["condition"], &again["truth"]), (&"explained above".into(), &"true".into()));
        assert!(again.get("parts").is_none());
        reason = &reason["parts"][0];
    }
    assert_eq!(reason["fact"]["id"], "d0");
    // Doubling at every step, it would run to gigabytes.
    assert!(output.stdout.len() < 256 * 1024, "{} bytes", output.stdout.len());
}

/// The chain of [`chain_reading_each_fact_twice`] drawn: layout-rs checks
/// for cycles by walking every path, two more per step here, and never
/// finished. A graph with more paths than it can walk is not laid out, and
/// the figure says so.
#[test]
fn a_graph_with_too_many_paths_is_not_laid_out() {
    let dir = tempfile::tempdir().unwrap();
    let profile = chain_reading_each_fact_twice(dir.path());
    let graph = warrant().args(["graph", "--format", "svg"]).args(kb_args(dir.path())).output().unwrap();
    assert_eq!(graph.status.code(), Some(0), "{}", stderr_of(&graph));
    assert!(String::from_utf8(graph.stdout).unwrap().contains("too many paths to lay out"));
    let html = warrant()
        .args(["explain", "--format", "html"])
        .arg(&profile)
        .args(kb_args(dir.path()))
        .output()
        .unwrap();
    assert_eq!(html.status.code(), Some(0), "{}", stderr_of(&html));
    assert!(String::from_utf8(html.stdout).unwrap().contains("too many paths to lay out"));
}
