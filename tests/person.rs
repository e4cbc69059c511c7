//! Advice for the person in front of it: populations, age (given or worked
//! out from a birth date on the report date), sex, pregnancy, how old a lab
//! result is, kidney function, list entries no rule reads, suggested doses
//! held against limits, and why-not answers that are tried before they are
//! given. On the small knowledge base in `fixtures/person/rules`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

mod common;

use common::warrant;
use serde_json::Value;

const RULES: &str = "tests/fixtures/person/rules";

/// `warrant explain --format json` on an inline YAML profile, with the
/// person rules; the report as JSON.
fn explain(profile: &str) -> Value {
    let output = warrant()
        .args(["explain", "-", "--format", "json", "--rules", RULES])
        .write_stdin(profile)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The ids in one section of a report.
fn ids(report: &Value, section: &str) -> Vec<String> {
    report[section].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_string()).collect()
}

fn fired(report: &Value) -> Vec<String> {
    ["suggestions", "tests", "cautions"].iter().flat_map(|section| ids(report, section)).collect()
}

/// The missing profile fields of one undecided outcome.
fn missing(report: &Value, id: &str) -> Vec<String> {
    let undecided = report["test_first"].as_array().unwrap().iter().find(|u| u["id"] == id);
    let undecided = undecided.unwrap_or_else(|| panic!("`{id}` is not undecided: {report:#}"));
    undecided["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["field"].as_str().unwrap().to_string())
        .collect()
}

/// stderr of a run that must fail with status 1 and print nothing on stdout.
fn refused(args: &[&str], stdin: &str) -> String {
    let output = warrant().args(args).write_stdin(stdin).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.stdout.is_empty(), "nothing on stdout");
    String::from_utf8(output.stderr).unwrap()
}

#[test]
fn adult_outcomes_never_reach_a_child_and_the_report_says_which() {
    let child = explain("age: 9\nlabs: { ferritin: { value: 40, unit: ng/mL } }\nconditions: []\n");
    assert!(!fired(&child).contains(&String::from("oral_iron")));
    assert!(fired(&child).contains(&String::from("child_iron")));
    let outside = &child["outside_population"];
    let oral_iron = outside.as_array().unwrap().iter().find(|o| o["id"] == "oral_iron").unwrap();
    assert_eq!(oral_iron["population"]["fact"]["id"], "adults");
    assert_eq!(oral_iron["population"]["truth"], "false");
    assert_eq!(oral_iron["population"]["value"], "9 years");

    let adult = explain("age: 40\nlabs: { ferritin: { value: 40, unit: ng/mL } }\nconditions: []\n");
    assert!(fired(&adult).contains(&String::from("oral_iron")));
    assert!(!fired(&adult).contains(&String::from("child_iron")));
    assert_eq!(ids(&adult, "outside_population"), ["child_iron"]);
    let suggestion =
        adult["suggestions"].as_array().unwrap().iter().find(|f| f["id"] == "oral_iron").unwrap();
    assert_eq!(suggestion["population"]["fact"]["label"], "Adults, 18 and over");
}

#[test]
fn an_unknown_age_is_unknown_not_adult() {
    let report = explain("labs: { ferritin: { value: 40, unit: ng/mL } }\nconditions: []\n");
    assert!(!fired(&report).contains(&String::from("oral_iron")));
    assert_eq!(missing(&report, "oral_iron"), ["age or birth_date"]);
    assert!(ids(&report, "outside_population").is_empty(), "no one is outside a population of unknown age");
    // `for everyone` needs no age.
    let pregnant = explain("sex: female\npregnant: true\n");
    assert!(fired(&pregnant).contains(&String::from("pregnancy_review")));
}

#[test]
fn age_is_worked_out_from_the_birth_date_on_the_report_date() {
    let profile = |born: &str| {
        format!("birth_date: {born}\nlabs: {{ ferritin: {{ value: 40, unit: ng/mL }} }}\nconditions: []\n")
    };
    // The report date is 2026-11-29: eighteen on that day is an adult.
    let eighteenth_birthday = explain(&profile("2008-11-29"));
    assert!(fired(&eighteenth_birthday).contains(&String::from("oral_iron")));
    assert_eq!(eighteenth_birthday["person"]["age"], "18 years");
    assert_eq!(eighteenth_birthday["report_date"], "2026-11-29");
    let day_before = explain(&profile("2008-11-30"));
    assert!(fired(&day_before).contains(&String::from("child_iron")));
    assert_eq!(day_before["person"]["age"], "17 years 11 months");
    // Another report date, another age.
    let output = warrant()
        .args(["--today", "2027-01-01", "explain", "-", "--format", "json", "--rules", RULES])
        .write_stdin(profile("2008-11-30"))
        .output()
        .unwrap();
    let later: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(later["report_date"], "2027-01-01");
    assert!(fired(&later).contains(&String::from("oral_iron")));
}

#[test]
fn bad_or_contradictory_person_fields_are_errors_at_their_field() {
    let stderr = refused(&["explain", "-", "--rules", RULES], "age: 54\nbirth_date: 1990-01-01\n");
    assert!(
        stderr.contains("error[E0606]") && stderr.contains("makes the person 36 on 2026-11-29"),
        "{stderr}"
    );
    let stderr = refused(&["explain", "-", "--rules", RULES], "birth_date: 2027-02-01\n");
    assert!(
        stderr.contains("error[E0604]") && stderr.contains("after the report date 2026-11-29"),
        "{stderr}"
    );
    let stderr = refused(&["explain", "-", "--rules", RULES], "pregnant: false\nconditions: [pregnancy]\n");
    assert!(stderr.contains("error[E0606]") && stderr.contains("`pregnant` is false"), "{stderr}");
    let stderr = refused(
        &["explain", "-", "--rules", RULES],
        "labs: { ferritin: { value: 40, unit: ng/mL, date: 2026-13-45 } }\n",
    );
    assert!(stderr.contains("error[E0604]") && stderr.contains("not a calendar date"), "{stderr}");
    // A bad `--today` is a usage error, like any bad argument.
    let output =
        warrant().args(["--today", "29-11-2026", "explain", "-", "--rules", RULES]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("not a calendar date in the form YYYY-MM-DD"), "{stderr}");
}

#[test]
fn pregnancy_and_breastfeeding_are_read_from_fields_or_conditions() {
    let by_field = explain("sex: female\npregnant: true\n");
    assert!(fired(&by_field).contains(&String::from("pregnancy_review")));
    assert_eq!(by_field["person"]["pregnant"], true);
    let by_condition = explain("conditions: [Breastfeeding]\n");
    assert!(fired(&by_condition).contains(&String::from("pregnancy_review")));
    assert!(by_condition["not_considered"].as_array().unwrap().is_empty(), "breastfeeding is read");
    // Not said is unknown for a woman; a man is neither pregnant nor breastfeeding.
    let woman = explain("age: 30\nsex: female\n");
    assert_eq!(missing(&woman, "pregnancy_review"), ["pregnant", "lactating"]);
    assert!(fired(&woman).contains(&String::from("for_women")));
    let for_women = woman["cautions"].as_array().unwrap().iter().find(|c| c["id"] == "for_women").unwrap();
    assert_eq!(for_women["because"]["condition"], "sex is female");
    assert_eq!(for_women["because"]["value"], "female");
    let man = explain("age: 30\nsex: male\n");
    assert!(!fired(&man).contains(&String::from("pregnancy_review")));
    assert!(ids(&man, "test_first").iter().all(|id| id != "pregnancy_review"));
    assert!(!fired(&man).contains(&String::from("for_women")));
}

#[test]
fn a_result_older_than_its_validity_counts_as_missing_and_the_report_says_so() {
    let old = explain(
        "age: 40\nlabs: { ferritin: { value: 40, unit: ng/mL, date: 2025-10-01 } }\nconditions: []\n",
    );
    assert_eq!(missing(&old, "oral_iron"), ["labs.ferritin", "labs.tsat"]);
    let lab = &old["labs"][0];
    assert_eq!(lab["input"], "ferritin");
    assert_eq!(lab["date"], "2025-10-01");
    assert_eq!(
        lab["counted_as_missing"],
        "older than 12 months on the report date 2026-11-29: counted as missing"
    );
}

#[test]
fn rules_can_ask_how_old_a_result_is() {
    let ferritin =
        |date: &str| explain(&format!("age: 40\nlabs: {{ ferritin: {{ value: 40, unit: ng/mL{date} }} }}\n"));
    assert!(fired(&ferritin(", date: 2026-03-01")).contains(&String::from("ferritin_repeat")));
    // Six months before the report date is not older than six months.
    assert!(!fired(&ferritin(", date: 2026-05-29")).contains(&String::from("ferritin_repeat")));
    assert!(fired(&ferritin(", date: 2026-05-28")).contains(&String::from("ferritin_repeat")));
    // An undated result has an unknown age.
    let undated = ferritin("");
    assert_eq!(missing(&undated, "ferritin_repeat"), ["labs.ferritin.range or labs.ferritin.date"]);
}

#[test]
fn kidney_function_is_a_lab_and_kidney_disease_a_condition_by_any_of_its_names() {
    let by_egfr = explain("age: 60\nlabs: { egfr: { value: 25, unit: mL/min/1.73 m2 } }\nconditions: []\n");
    assert!(fired(&by_egfr).contains(&String::from("kidney")));
    let ucum =
        explain("age: 60\nlabs: { egfr: { value: 45, unit: \"mL/min/{1.73_m2}\" } }\nconditions: []\n");
    assert!(!fired(&ucum).contains(&String::from("kidney")));
    let by_alias = explain("age: 60\nconditions: [Chronic Kidney Disease]\n");
    assert!(fired(&by_alias).contains(&String::from("kidney")));
}

#[test]
fn nothing_in_a_profile_is_silently_ignored() {
    let profile = "age: 40\nconditions: [hemochromatosys]\nmedications: [sertralin]\nsupplements: [{ name: sertraline, dose: 50, unit: mg }]\ndiet: [vegetarian]\n";
    let report = explain(profile);
    let listed: Vec<(String, String, Option<String>)> = report["not_considered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            (
                entry["list"].as_str().unwrap().to_string(),
                entry["name"].as_str().unwrap().to_string(),
                entry["did_you_mean"].as_str().map(String::from),
            )
        })
        .collect();
    let entry =
        |list: &str, name: &str, near: Option<&str>| (list.into(), name.into(), near.map(String::from));
    assert_eq!(
        listed,
        [
            entry("conditions", "hemochromatosys", Some("`hemochromatosis`")),
            entry("medications", "sertralin", Some("`sertraline`")),
            entry("supplements", "sertraline", Some("`sertraline` in `medications`")),
            entry("diet", "vegetarian", None),
        ]
    );
    // The text report says it too, near the top.
    let output = warrant().args(["explain", "-", "--rules", RULES]).write_stdin(profile).output().unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("NOT CONSIDERED"), "{text}");
    assert!(text.contains("- `hemochromatosys` (conditions): did you mean `hemochromatosis`?"), "{text}");
    // An alias is a name the rules read.
    let alias = explain("age: 40\nconditions: [haemochromatosis]\n");
    assert!(alias["not_considered"].as_array().unwrap().is_empty());
}

#[test]
fn strict_refuses_a_profile_with_entries_no_rule_reads() {
    let stderr =
        refused(&["explain", "-", "--strict", "--rules", RULES], "age: 40\nconditions: [hemochromatosys]\n");
    assert!(stderr.contains("error[E0607]: no rule reads `hemochromatosys` in `conditions`"), "{stderr}");
    assert!(stderr.contains("did you mean `hemochromatosis`?"), "{stderr}");
    let clean = warrant()
        .args(["explain", "-", "--strict", "--rules", RULES])
        .write_stdin("age: 40\nconditions: [hemochromatosis]\n")
        .output()
        .unwrap();
    assert!(clean.status.success());
}

#[test]
fn batch_lines_carry_what_was_not_considered() {
    let input =
        "{\"age\": 40, \"medications\": [\"sertralin\"]}\n{\"age\": 40, \"medications\": [\"sertraline\"]}\n";
    let output = warrant().args(["batch", "--rules", RULES]).write_stdin(input).output().unwrap();
    assert!(output.status.success());
    let lines: Vec<Value> =
        String::from_utf8(output.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines[0]["not_considered"][0]["name"], "sertralin");
    assert_eq!(lines[0]["not_considered"][0]["did_you_mean"], "`sertraline`");
    assert!(lines[1]["not_considered"].as_array().unwrap().is_empty());
    assert!(lines[1]["fired"].as_array().unwrap().iter().any(|id| id == "ssri_caution"));
    let strict = warrant().args(["batch", "--strict", "--rules", RULES]).write_stdin(input).output().unwrap();
    assert_eq!(strict.status.code(), Some(1));
    let stderr = String::from_utf8(strict.stderr).unwrap();
    assert!(stderr.contains("<stdin>:1:") && stderr.contains("E0607"), "{stderr}");
    assert_eq!(String::from_utf8(strict.stdout).unwrap().lines().count(), 1, "the clean line still runs");
}

#[test]
fn a_limit_counts_what_the_report_suggests() {
    let report = explain("age: 40\nlabs: { ferritin: { value: 90, unit: ng/mL } }\nsupplements: []\n");
    assert!(fired(&report).contains(&String::from("b6")));
    let caution = report["cautions"].as_array().unwrap().iter().find(|c| c["id"] == "b6_limit").unwrap();
    assert_eq!(caution["because"]["value"], "none taken; with this report's suggestions (`b6` up to 50 mg)");
    let suggestion = report["suggestions"].as_array().unwrap().iter().find(|f| f["id"] == "b6").unwrap();
    assert_eq!(suggestion["over_limits"][0]["id"], "b6_limit");
    let placement = &report["daily_plan"]["slots"][0]["items"][0];
    assert_eq!(placement["item"], "b6");
    assert_eq!(placement["cautions"][0], "can pass Vitamin B6 above 12 mg a day (`b6_limit`)");
    // Without the suggestion, 10 mg taken keeps to the limit.
    let taken = explain("age: 40\nsupplements: [{ name: pyridoxine, dose: 10, unit: mg }]\n");
    assert!(!fired(&taken).contains(&String::from("b6_limit")));
    // Supplements not listed: unknown.
    let unknown = explain("age: 40\n");
    assert_eq!(missing(&unknown, "b6_limit"), ["supplements"]);
}

#[test]
fn lint_finds_a_dose_that_can_pass_a_limit_on_its_own_at_both_places() {
    let output = warrant().args(["lint", "--rules", RULES, "--error-format", "plain"]).output().unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains(
            "person.warrant:74:3: warning[W0111]: `b6` suggests up to 50 mg a day of vitamin_b6, over the limit `b6_limit` (<= 12 mg)"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("see also: tests/fixtures/person/rules/person.warrant:80:3: `daily vitamin_b6 <= 12 mg`: the limit"), "{stderr}");
}

/// `--why-not` on the person rules: the JSON explanation.
fn why_not(profile: &str, id: &str) -> Value {
    let output = warrant()
        .args(["explain", "-", "--format", "json", "--rules", RULES, "--why-not", id])
        .write_stdin(profile)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn changes(way: &Value) -> Vec<String> {
    way.as_array().unwrap().iter().map(|c| c["change"].as_str().unwrap().to_string()).collect()
}

#[test]
fn why_not_never_proposes_a_change_that_breaks_another_condition() {
    // Ferritin 90 and TSAT 28%: the band needs ferritin above 75 and
    // iron_low, which ferritin <= 75 would give but the band forbids.
    let why = why_not(
        "age: 40\nlabs: { ferritin: { value: 90, unit: ng/mL }, tsat: { value: 28, unit: \"%\" } }\n",
        "iv_iron_band",
    );
    assert_eq!(why["possible"], true);
    assert_eq!(changes(&why["smallest_change"]), ["tsat would have to be < 20%; it is 28%"]);
    let every_way: Vec<String> = std::iter::once(&why["smallest_change"])
        .chain(why["alternatives"].as_array().unwrap())
        .flat_map(changes)
        .collect();
    assert!(every_way.iter().all(|c| !c.starts_with("ferritin would have to be <= 75")), "{every_way:?}");
}

#[test]
fn why_not_gives_the_smallest_set_when_one_change_is_not_enough() {
    let why = why_not("labs: { ferritin: { value: 90, unit: ng/mL } }\nconditions: []\n", "oral_iron");
    assert_eq!(
        changes(&why["smallest_change"]),
        [
            "age would have to be >= 18 years; it is not in the profile",
            "ferritin would have to be <= 75 ng/mL; it is 90 ng/mL"
        ]
    );
}

#[test]
fn why_not_says_when_nothing_would_make_an_outcome_apply() {
    let why = why_not("age: 40\nlabs: { ferritin: { value: 40, unit: ng/mL } }\n", "never");
    assert_eq!(why["possible"], false);
    assert!(why["smallest_change"].as_array().unwrap().is_empty());
    let output = warrant()
        .args(["explain", "-", "--rules", RULES, "--why-not", "never"])
        .write_stdin("age: 40\nlabs: { ferritin: { value: 40, unit: ng/mL } }\n")
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("No change to the profile would make it apply"), "{text}");
}

#[test]
fn the_compiled_plan_agrees_with_walking_the_person_rules() {
    let (_, compiled) = warrant::knowledge_base::compile(
        warrant::knowledge_base::Files::from_dirs(
            Some(std::path::Path::new(RULES)),
            None,
            &Default::default(),
        )
        .unwrap(),
    );
    let kb = compiled.unwrap();
    let profiles = [
        "age: 9\nsex: female\nlabs: { ferritin: { value: 40, unit: ng/mL, date: 2026-01-01 } }\n",
        "birth_date: 2008-11-29\nsex: male\npregnant: false\nconditions: [ckd]\nsupplements: []\n",
        "labs: { tsat: { value: 15, unit: \"%\" }, egfr: { value: 20, unit: mL/min/1.73m2 } }\nmedications: [fluoxetine]\n",
        "conditions: [lactation]\nsupplements: [{ name: vitamin_b6, dose: 20, unit: mg }]\n",
    ];
    for text in profiles {
        let source = warrant::span::SourceFile::new("p.yaml", text);
        let file = warrant::span::FileId(99);
        let parsed = warrant::profile::parse(file, &source, warrant::profile::Format::Yaml).unwrap();
        let facts = warrant::profile::bind(
            &parsed,
            &kb.graph.program,
            warrant::profile::Written::file(file, &source),
            common::TODAY,
            &Default::default(),
        )
        .unwrap();
        let evaluation = warrant::infer::evaluate(&kb.graph, facts);
        for (id, rule) in kb.graph.program.rule_ids().zip(&kb.graph.program.rules) {
            assert_eq!(evaluation.verdict(id), evaluation.verdict_by_walking(rule), "{text}: {}", rule.name);
        }
    }
}

#[test]
fn rule_tests_can_be_written_for_the_person_aware_language() {
    let output = warrant()
        .args(["test", "--rules", RULES, "--boundaries", "tests/fixtures/person/rule_tests"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("13 passed, 0 failed"), "{stdout}");
    // `age` is a threshold like any lab value, probed on both sides.
    assert!(
        stdout.contains("  - age >= 18 years (rules adults, children): tried 17.82, 18 and 18.18 years"),
        "{stdout}"
    );
}
