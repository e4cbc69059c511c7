//! CDS Hooks cards from the engine, without a server: what each card says,
//! its indicator, its id, and what a request's prefetch counts as.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

use serde_json::{Value, json};
use warrant::cds_hooks::{self, Card, Indicator};
use warrant::knowledge_base::{self, Files, KnowledgeBase};
use warrant::limits::Limits;
use warrant::span::{SourceFile, SourceMap};

fn person_rules() -> KnowledgeBase {
    let text = std::fs::read_to_string("tests/fixtures/person/rules/person.warrant").unwrap();
    let long_label = format!("Iron {}", "and more iron ".repeat(15));
    let text = text
        .replace("\"Oral iron\"", &format!("\"{long_label}\""))
        .replace("\"Serum ferritin\" valid_for", "\"Serum ferritin\" loinc \"2276-4\" valid_for");
    let files =
        Files { rules: vec![SourceFile::new("person.warrant", text)], evidence: Files::bundled().evidence };
    knowledge_base::compile(files).1.unwrap_or_else(|d| panic!("{d:?}"))
}

fn respond(kb: &KnowledgeBase, request: &Value) -> Result<Vec<Card>, String> {
    let mut sources = SourceMap::new();
    let source = SourceFile::new("request", request.to_string());
    let file = sources.add(source.clone());
    let today = warrant::dates::parse_argument("2026-11-29").unwrap();
    cds_hooks::respond(kb, file, &source, today, &Limits::default())
        .map(|cards| cards.cards)
        .map_err(|diagnostics| diagnostics.iter().map(|d| format!("{}: {}", d.code, d.message)).collect())
}

fn request(hook_instance: &str, prefetch: Value) -> Value {
    json!({ "hook": "patient-view", "hookInstance": hook_instance,
            "context": { "patientId": "p1" }, "prefetch": prefetch })
}

fn adult_with_ferritin(ferritin: f64) -> Value {
    json!({
        "patient": { "resourceType": "Patient", "id": "p1", "gender": "male", "birthDate": "1970-05-01" },
        "ferritin": { "resourceType": "Bundle", "type": "searchset", "entry": [
            { "resource": { "resourceType": "Observation", "status": "final", "subject": { "reference": "Patient/p1" },
                "code": { "coding": [ { "system": "http://loinc.org", "code": "2276-4" } ] },
                "valueQuantity": { "value": ferritin, "system": "http://unitsofmeasure.org", "code": "ng/mL" },
                "effectiveDateTime": "2026-11-01" } },
            { "resource": { "resourceType": "Observation", "status": "final",
                "code": { "coding": [ { "system": "http://loinc.org", "code": "4548-4", "display": "Hemoglobin A1c" } ] },
                "valueQuantity": { "value": 5.4, "system": "http://unitsofmeasure.org", "code": "%" } } }
        ] },
        "conditions": { "resourceType": "Bundle", "type": "searchset", "entry": [
            { "resource": { "resourceType": "Condition",
                "code": { "coding": [ { "system": "http://snomed.info/sct", "code": "160245001" } ] } } }
        ] },
        "medications": null
    })
}

fn card<'c>(cards: &'c [Card], summary_start: &str) -> &'c Card {
    cards.iter().find(|card| card.summary.starts_with(summary_start)).unwrap_or_else(|| {
        panic!("no card `{summary_start}` in {:#?}", cards.iter().map(|c| &c.summary).collect::<Vec<_>>())
    })
}

#[test]
fn cards_say_what_fired_with_the_right_indicator_and_a_summary_under_140_characters() {
    let kb = person_rules();
    let cards = respond(&kb, &request("a", adult_with_ferritin(30.0))).unwrap();
    let iron = card(&cards, "Suggestion: Iron and more iron");
    assert!(iron.summary.chars().count() < 140 && iron.summary.ends_with('…'), "{}", iron.summary);
    assert_eq!(iron.indicator, Indicator::Info);
    // A suggestion whose dose passes a safety limit warns, like the limit.
    let b6 = card(&cards, "Suggestion: Vitamin B6");
    assert_eq!(b6.indicator, Indicator::Warning, "{}", b6.detail);
    assert!(b6.detail.contains("a safety limit can be passed"), "{}", b6.detail);
    // What is unknown is a card that names it, not silence.
    let ssri = card(&cards, "Needs Medicines taken: SSRIs and RLS");
    assert_eq!(ssri.indicator, Indicator::Info);
    // The lab no rule reads is listed.
    let unread = card(&cards, "Not considered: 1 entry");
    assert!(unread.detail.contains("Hemoglobin A1c"), "{}", unread.detail);
    for card in &cards {
        assert!(card.detail.contains("not medical advice"), "{}", card.summary);
    }
}

#[test]
fn card_ids_are_the_same_for_the_same_hook_instance_and_unique_within_an_answer() {
    let kb = person_rules();
    let ids = |instance: &str| -> Vec<String> {
        respond(&kb, &request(instance, adult_with_ferritin(30.0)))
            .unwrap()
            .into_iter()
            .map(|c| c.uuid)
            .collect()
    };
    let first = ids("a");
    assert_eq!(first, ids("a"));
    let mut unique = first.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), first.len());
    assert!(ids("b").iter().all(|id| !first.contains(id)));
}

#[test]
fn a_request_for_one_patient_with_another_patients_data_is_refused() {
    let kb = person_rules();
    let mut prefetch = adult_with_ferritin(30.0);
    prefetch["ferritin"]["entry"][0]["resource"]["subject"]["reference"] =
        json!("https://ehr.example/fhir/Patient/p2");
    let error = respond(&kb, &request("a", prefetch)).unwrap_err();
    assert!(error.contains("E0624: `prefetch.ferritin.entry[0].resource.subject.reference`"), "{error}");
    assert!(error.contains("patient `p2`, not `p1`"), "{error}");
}

#[test]
fn only_patient_view_is_answered() {
    let kb = person_rules();
    let mut call = request("a", json!({}));
    call["hook"] = json!("order-sign");
    assert!(respond(&kb, &call).unwrap_err().starts_with("E0631"));
    let missing = json!({ "hook": "patient-view", "hookInstance": "a", "context": {} });
    let error = respond(&kb, &missing).unwrap_err();
    assert!(error.contains("patientId"), "{error}");
}

/// serde_json would read a struct from a list of its fields in order: a
/// request or its context written as a list is refused, not read by
/// position.
#[test]
fn a_request_written_as_a_list_is_refused() {
    let kb = person_rules();
    let as_list = json!(["patient-view", "a", { "patientId": "p1" }]);
    let error = respond(&kb, &as_list).unwrap_err();
    assert_eq!(error, "E0630: invalid CDS Hooks request: expected a CDS Hooks request, found a list");
    let context_as_list = json!({ "hook": "patient-view", "hookInstance": "a", "context": ["p1"] });
    let error = respond(&kb, &context_as_list).unwrap_err();
    assert_eq!(
        error,
        "E0630: invalid CDS Hooks request: `context`: expected the hook's context, found a list"
    );
}

#[test]
fn discovery_asks_for_each_coded_lab() {
    let kb = person_rules();
    let discovery = cds_hooks::discovery(&kb);
    let service = &discovery.services[0];
    assert_eq!(service.hook, "patient-view");
    assert_eq!(
        service.prefetch["lab-egfr"],
        "Observation?patient={{context.patientId}}&code=http://loinc.org|98979-8"
    );
    assert!(!service.prefetch.contains_key("lab-tsat"), "these rules give TSAT no LOINC code");
}
