//! The playground's call, natively: what the page gets for good and bad
//! input.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "a test fails by panicking")]

const RULES: &str = include_str!("../../../tests/fixtures/person/rules/person.warrant");
const PROFILE: &str = "age: 40\nlabs:\n  ferritin: { value: 30, unit: ng/mL, date: 2026-11-01 }\n  tsat: { value: 25, unit: \"%\", date: 2026-11-01 }\nconditions: []\n";

#[test]
fn good_input_gives_the_report_and_no_diagnostics() {
    let answer = warrant_wasm::run(RULES, "", PROFILE, "2026-11-29");
    assert_eq!(answer["diagnostics"], serde_json::json!([]));
    let report = answer["report"].as_str().unwrap();
    assert!(report.starts_with("<!DOCTYPE html>") && report.contains("Oral iron"), "{report:.200}");
}

#[test]
fn a_typo_in_the_rules_is_a_diagnostic_at_its_line() {
    let broken = RULES.replacen("when iron_low\n", "when iron_lo\n", 1);
    assert_ne!(broken, RULES);
    let answer = warrant_wasm::run(&broken, "", PROFILE, "2026-11-29");
    let first = &answer["diagnostics"][0];
    let line = first["line"].as_u64().unwrap() as usize;
    assert!(broken.lines().nth(line - 1).unwrap().contains("iron_lo"), "{first}");
    assert!(answer.get("report").is_none());
}

#[test]
fn a_bad_profile_and_a_bad_date_are_diagnostics_too() {
    let answer =
        warrant_wasm::run(RULES, "", "labs:\n  ferritin: { value: 30, unit: furlongs }\n", "2026-11-29");
    assert_eq!(answer["diagnostics"][0]["file"], "profile.yaml");
    let answer = warrant_wasm::run(RULES, "", PROFILE, "yesterday");
    assert!(answer["diagnostics"][0]["message"].as_str().unwrap().contains("not a date"));
}
