//! `explain` on every profile in `fixtures/profiles/`: the text and JSON
//! reports are snapshotted, and determinism and unit equivalence are checked.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

mod common;

use std::fs;

use warrant::explain::Format;

#[test]
fn explain_snapshots() {
    let kb = common::bundled();
    insta::glob!("fixtures/profiles/*.{yaml,json}", |path| {
        let name = common::file_name(path);
        let text = fs::read_to_string(path).unwrap();
        let report =
            common::explain(&kb, &name, &text, Format::Text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let json = common::explain(&kb, &name, &text, Format::Json).unwrap();
        insta::with_settings!({ description => text.clone(), omit_expression => true }, {
            insta::assert_snapshot!("text", report);
            insta::assert_snapshot!("json", json);
        });
    });
}

#[test]
fn markdown_report_has_every_section_and_the_disclaimer() {
    let kb = common::bundled();
    let text = fs::read_to_string("tests/fixtures/profiles/ppi_user.yaml").unwrap();
    let markdown = common::explain(&kb, "ppi_user.yaml", &text, Format::Markdown).unwrap();
    insta::assert_snapshot!("markdown_ppi_user", markdown);
}

#[test]
fn output_is_identical_across_runs() {
    let kb = common::bundled();
    let text = fs::read_to_string("tests/fixtures/profiles/ppi_user.yaml").unwrap();
    for format in [Format::Text, Format::Json, Format::Markdown] {
        let first = common::explain(&kb, "ppi_user.yaml", &text, format).unwrap();
        let second = common::explain(&common::bundled(), "ppi_user.yaml", &text, format).unwrap();
        assert_eq!(first, second, "{format:?}");
    }
}

#[test]
fn the_same_ferritin_in_any_unit_gives_the_same_report() {
    let kb = common::bundled();
    let read = |name: &str| fs::read_to_string(format!("tests/fixtures/profiles/{name}")).unwrap();
    let in_ng = common::explain(&kb, "a.yaml", &read("low_ferritin.yaml"), Format::Json).unwrap();
    let in_ug = common::explain(&kb, "a.yaml", &read("low_ferritin_ug_per_l.yaml"), Format::Json).unwrap();
    let in_mg = common::explain(&kb, "a.json", &read("low_ferritin.json"), Format::Json).unwrap();
    let outcomes = |json: &str| {
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        let ids = |key: &str| {
            value[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["id"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        };
        (ids("suggestions"), ids("tests"), ids("test_first"), ids("cautions"))
    };
    assert_eq!(outcomes(&in_ng), outcomes(&in_ug));
    assert_eq!(outcomes(&in_ng), outcomes(&in_mg));
    assert!(outcomes(&in_ng).0.contains(&String::from("oral_iron")));
}

/// Pairs of fixtures that give the same lab in different units.
const UNIT_TWINS: [(&str, &str); 3] = [
    ("b12_low_pmol_per_l.yaml", "b12_low_pg_per_ml.yaml"),
    ("vitamin_d_nmol_per_l.yaml", "vitamin_d_ng_per_ml.yaml"),
    ("magnesium_mmol_per_l.yaml", "magnesium_mg_per_dl.yaml"),
];

#[test]
fn molar_and_mass_units_give_the_same_outcomes() {
    let kb = common::bundled();
    let outcomes = |name: &str| {
        let text = fs::read_to_string(format!("tests/fixtures/profiles/{name}")).unwrap();
        let json: serde_json::Value =
            serde_json::from_str(&common::explain(&kb, name, &text, Format::Json).unwrap()).unwrap();
        let ids = |key: &str| -> Vec<String> {
            json[key].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_string()).collect()
        };
        let labs: Vec<String> = json["labs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["value"].as_str().unwrap().to_string())
            .collect();
        (ids("suggestions"), ids("tests"), ids("test_first"), ids("cautions"), ids("ruled_out"), labs)
    };
    for (molar, mass) in UNIT_TWINS {
        let (molar, mass) = (outcomes(molar), outcomes(mass));
        assert_eq!(molar.0, mass.0, "suggestions");
        assert_eq!(molar.1, mass.1, "tests");
        assert_eq!(molar.2, mass.2, "test first");
        assert_eq!(molar.3, mass.3, "cautions");
        assert_eq!(molar.4, mass.4, "ruled out");
        // Both are shown in the input's canonical unit, equal to two decimals.
        assert_eq!(molar.5, mass.5, "lab values");
    }
}

#[test]
fn every_report_carries_the_disclaimer_and_a_schema_version() {
    let kb = common::bundled();
    for entry in fs::read_dir("tests/fixtures/profiles").unwrap() {
        let path = entry.unwrap().path();
        let name = common::file_name(&path);
        let text = fs::read_to_string(&path).unwrap();
        let report = common::explain(&kb, &name, &text, Format::Text).unwrap();
        assert!(report.contains("This report is not medical advice."), "{name}");
        let json: serde_json::Value =
            serde_json::from_str(&common::explain(&kb, &name, &text, Format::Json).unwrap()).unwrap();
        assert_eq!(json["schema_version"], 1, "{name}");
        assert!(json["disclaimer"].as_str().unwrap().contains("not medical advice"), "{name}");
    }
}
