//! `explain --why-not`: what stood in an outcome's way, and the smallest
//! change that would make it fire.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

mod common;

use common::warrant;
use predicates::prelude::*;

fn why_not(profile: &str, id: &str, format: &str) -> String {
    let output = warrant()
        .args(["explain", &format!("tests/fixtures/profiles/{profile}"), "--why-not", id, "--format", format])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// (profile, outcome) pairs whose explanations are snapshotted.
const CASES: [(&str, &str); 6] = [
    ("high_ferritin.yaml", "oral_iron"),
    ("empty.yaml", "oral_iron"),
    ("b6_over_eu_limit.yaml", "b6_above_us_upper_level"),
    ("magnesium_above_range.yaml", "magnesium_evening"),
    ("b12_without_range.yaml", "methylcobalamin"),
    ("low_ferritin.yaml", "oral_iron"),
];

#[test]
fn why_not_snapshots() {
    for (profile, id) in CASES {
        let text = why_not(profile, id, "text");
        insta::assert_snapshot!(format!("{id}@{profile}"), text);
    }
}

#[test]
fn the_smallest_change_names_the_threshold_in_its_own_unit() {
    let json: serde_json::Value =
        serde_json::from_str(&why_not("high_ferritin.yaml", "oral_iron", "json")).unwrap();
    let changes: Vec<&str> =
        json["smallest_change"].as_array().unwrap().iter().map(|c| c["change"].as_str().unwrap()).collect();
    assert_eq!(changes, ["ferritin would have to be <= 75 ng/mL; it is 250 ng/mL"]);
    assert_eq!(json["verdict"], "false");
    assert_eq!(json["smallest_change"][0]["rule"], "iron_low_for_rls");
}

#[test]
fn an_outcome_that_fires_needs_no_change() {
    let json: serde_json::Value =
        serde_json::from_str(&why_not("low_ferritin.yaml", "oral_iron", "json")).unwrap();
    assert_eq!(json["verdict"], "true");
    assert!(json["smallest_change"].as_array().unwrap().is_empty());
}

#[test]
fn an_unknown_id_is_an_error_with_a_suggestion() {
    warrant()
        .args(["explain", "tests/fixtures/profiles/low_ferritin.yaml", "--why-not", "oral_irn"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            predicate::str::contains("error[E0212]")
                .and(predicate::str::contains("did you mean `oral_iron`?")),
        );
}
