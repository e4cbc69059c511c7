//! FHIR R4 Bundles in: the same answer as the same person in Warrant's own
//! form, the FHIR rules that decide what counts, and every command that
//! reads a profile reading a Bundle too.

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
use serde_json::Value;

fn report(path: &Path) -> Value {
    let output = warrant().args(["explain", "--format", "json"]).arg(path).output().unwrap();
    assert!(output.status.success(), "{}: {}", path.display(), String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

/// What a report concludes: every section's ids, the person, the labs read.
fn findings(report: &Value) -> Value {
    let ids = |section: &str| -> Vec<Value> {
        report[section].as_array().unwrap().iter().map(|finding| finding["id"].clone()).collect()
    };
    serde_json::json!({
        "suggestions": ids("suggestions"),
        "tests": ids("tests"),
        "cautions": ids("cautions"),
        "test_first": ids("test_first"),
        "ruled_out": ids("ruled_out"),
        "outside_population": ids("outside_population"),
        "background": ids("background"),
        // FHIR gives a birth date where YAML may give only an age.
        "person": { "age": report["person"]["age"], "sex": report["person"]["sex"],
                    "pregnant": report["person"]["pregnant"], "lactating": report["person"]["lactating"] },
        "labs": report["labs"],
    })
}

#[test]
fn every_fhir_fixture_gives_the_findings_of_its_yaml_twin() {
    let mut twins = 0;
    for entry in fs::read_dir("tests/fixtures/fhir").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let twin = path.with_extension("yaml");
            assert!(twin.exists(), "{} has no YAML twin", path.display());
            assert_eq!(findings(&report(&path)), findings(&report(&twin)), "{}", path.display());
            twins += 1;
        }
    }
    assert!(twins >= 35, "only {twins} twins: scripts/fhir-twins.py writes them");
}

/// A Bundle whose one MedicationStatement is `code`, in `system`.
fn bundle_with_medication_code(system: &str, code: &str) -> String {
    serde_json::json!({
        "resourceType": "Bundle", "type": "collection",
        "entry": [
            { "resource": { "resourceType": "Patient", "birthDate": "1980-01-01", "gender": "female" } },
            { "resource": { "resourceType": "Condition",
                "code": { "coding": [ { "system": "http://snomed.info/sct", "code": "32914008" } ] } } },
            { "resource": { "resourceType": "MedicationStatement", "status": "active",
                "medicationCodeableConcept": { "coding": [ { "system": system, "code": code } ] } } }
        ]
    })
    .to_string()
}

fn test_first(bundle: String) -> Vec<String> {
    let output = warrant().args(["explain", "--format", "json", "-"]).write_stdin(bundle).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    report["test_first"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_string()).collect()
}

#[test]
fn no_known_medications_answers_the_medicine_questions_and_no_information_leaves_them_open() {
    const IPS: &str = "http://hl7.org/fhir/uv/ips/CodeSystem/absent-unknown-uv-ips";
    let medicine_question = String::from("antidepressants_and_rls");
    for (system, code) in [("http://snomed.info/sct", "787481004"), (IPS, "no-known-medications")] {
        let open = test_first(bundle_with_medication_code(system, code));
        assert!(!open.contains(&medicine_question), "{code}: {open:?}");
    }
    let open = test_first(bundle_with_medication_code(IPS, "no-medication-info"));
    assert!(open.contains(&medicine_question), "no information is unknown, not none: {open:?}");
}

#[test]
fn what_counts_in_a_bundle() {
    let report = report(Path::new("tests/fixtures/fhir/low_ferritin_sertraline.json"));
    let labs = report["labs"].as_array().unwrap();
    let ferritin = labs.iter().find(|lab| lab["input"] == "ferritin").unwrap();
    assert_eq!(ferritin["value"], "32 ng/mL", "the newest of two ferritins, not the older 80 µg/L");
    assert_eq!(ferritin["range"], "15-150 ng/mL", "its reference range");
    let tsat = labs.iter().find(|lab| lab["input"] == "tsat").unwrap();
    assert_eq!(tsat["value"], "24%", "the entered-in-error TSAT is not a result");
    let cautions: Vec<&str> =
        report["cautions"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert!(cautions.contains(&"antidepressants_and_rls"), "sertraline by its RxNorm code: {cautions:?}");
    let suggestions: Vec<&str> =
        report["suggestions"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert!(
        suggestions.contains(&"oral_iron"),
        "the refuted haemochromatosis does not stop iron: {suggestions:?}"
    );
    let not_considered: Vec<&str> =
        report["not_considered"].as_array().unwrap().iter().map(|n| n["name"].as_str().unwrap()).collect();
    assert!(not_considered.contains(&"Encounter resource"), "{not_considered:?}");
    assert!(not_considered.iter().any(|n| n.contains("entered-in-error")), "{not_considered:?}");
}

#[test]
fn a_code_the_rules_do_not_know_is_listed_as_not_considered() {
    let bundle = serde_json::json!({
        "resourceType": "Bundle", "type": "collection",
        "entry": [
            { "resource": { "resourceType": "Condition",
                "code": { "coding": [ { "system": "http://snomed.info/sct", "code": "44054006", "display": "Diabetes mellitus type 2" } ] } } },
            { "resource": { "resourceType": "MedicationStatement", "status": "active",
                "medicationCodeableConcept": { "coding": [ { "system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "6809" } ], "text": "metformin" } } },
            { "resource": { "resourceType": "Observation", "status": "final",
                "code": { "coding": [ { "system": "http://loinc.org", "code": "4548-4", "display": "Hemoglobin A1c" } ] },
                "valueQuantity": { "value": 6.1, "system": "http://unitsofmeasure.org", "code": "%" } } }
        ]
    });
    let output = warrant()
        .args(["explain", "--format", "json", "-"])
        .write_stdin(bundle.to_string())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let listed: Vec<(String, String)> = report["not_considered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["list"].as_str().unwrap().to_string(), n["name"].as_str().unwrap().to_string()))
        .collect();
    for expected in
        [("conditions", "Diabetes mellitus type 2"), ("medications", "metformin"), ("labs", "Hemoglobin A1c")]
    {
        assert!(listed.contains(&(expected.0.into(), expected.1.into())), "{expected:?} in {listed:?}");
    }
    // With --strict, a code no rule reads is refused.
    let strict =
        warrant().args(["explain", "--strict", "-"]).write_stdin(bundle.to_string()).output().unwrap();
    assert_eq!(strict.status.code(), Some(1));
}

#[test]
fn batch_reads_bundles_line_by_line_beside_profiles() {
    let bundle: Value = serde_json::from_str(
        &fs::read_to_string("tests/fixtures/fhir/low_ferritin_sertraline.json").unwrap(),
    )
    .unwrap();
    let input = format!("{}\n{{\"age\": 40}}\n", bundle);
    let output = warrant().arg("batch").write_stdin(input).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let lines: Vec<Value> =
        String::from_utf8(output.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(lines[0]["fired"].as_array().unwrap().iter().any(|id| id == "oral_iron"));
    assert!(lines[1]["fired"].as_array().unwrap().iter().all(|id| id != "oral_iron"));
}

/// A Bundle of a woman of 35 and these resources.
fn woman_with(resources: Vec<Value>) -> String {
    let mut entries = vec![
        serde_json::json!({ "resource": { "resourceType": "Patient", "gender": "female", "birthDate": "1991-05-01" } }),
    ];
    entries.extend(resources.into_iter().map(|resource| serde_json::json!({ "resource": resource })));
    serde_json::json!({ "resourceType": "Bundle", "type": "collection", "entry": entries }).to_string()
}

fn pregnancy_status(value: (&str, &str), date: &str) -> Value {
    serde_json::json!({ "resourceType": "Observation", "status": "final", "effectiveDateTime": date,
        "code": { "coding": [ { "system": "http://loinc.org", "code": "82810-3" } ] },
        "valueCodeableConcept": { "coding": [ { "system": value.0, "code": value.1 } ] } })
}

fn person_of(bundle: String) -> Value {
    let output = warrant().args(["explain", "--format", "json", "-"]).write_stdin(bundle).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    serde_json::json!({ "pregnant": report["person"]["pregnant"], "not_considered": report["not_considered"] })
}

#[test]
fn pregnancy_from_a_status_observation_or_a_condition() {
    const SNOMED: &str = "http://snomed.info/sct";
    let not_pregnant = person_of(woman_with(vec![pregnancy_status((SNOMED, "60001007"), "2026-11-01")]));
    assert_eq!(not_pregnant["pregnant"], false);
    // The newest status counts.
    let newest = person_of(woman_with(vec![
        pregnancy_status((SNOMED, "77386006"), "2026-11-20"),
        pregnancy_status((SNOMED, "60001007"), "2026-06-01"),
    ]));
    assert_eq!(newest["pregnant"], true);
    // "Unknown" leaves it unknown; a value Warrant does not know is listed.
    let unknown = person_of(woman_with(vec![pregnancy_status((SNOMED, "261665006"), "2026-11-01")]));
    assert_eq!(unknown["pregnant"], Value::Null);
    let other = person_of(woman_with(vec![pregnancy_status((SNOMED, "1234567"), "2026-11-01")]));
    assert_eq!(other["pregnant"], Value::Null);
    assert_eq!(other["not_considered"][0]["list"], "pregnancy status", "{other}");
    // A pregnancy recorded as a Condition, by its SNOMED CT code.
    let condition = serde_json::json!({ "resourceType": "Condition",
        "code": { "coding": [ { "system": SNOMED, "code": "77386006" } ] } });
    assert_eq!(person_of(woman_with(vec![condition]))["pregnant"], true);
}
