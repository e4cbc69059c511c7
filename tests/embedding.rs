//! The embedding API: labs resolved to slots once, values set by slot. It
//! must give the facts the YAML path gives for the same person, refuse
//! what binding refuses, and start each profile empty.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

mod common;

use warrant::check::ProfileList;
use warrant::infer::{self, Truth};
use warrant::profile::{self, FactsBuilder, FlagSlot, LabSlot, Person, SlotError, ValueError};
use warrant::span::{FileId, SourceFile};
use warrant::units::ConversionError;

fn verdicts(kb: &warrant::knowledge_base::KnowledgeBase, facts: profile::Facts) -> Vec<Truth> {
    let evaluation = infer::evaluate(&kb.graph, facts);
    kb.graph.program.rule_ids().map(|id| evaluation.verdict(id)).collect()
}

#[test]
fn facts_built_by_slot_match_the_same_profile_read_from_yaml() {
    let kb = common::bundled();
    let program = &kb.graph.program;
    let text = "age: 45\nlabs:\n  ferritin: { value: 32, unit: ng/mL }\n  tsat: { value: 24, unit: \"%\" }\n\
                conditions: [rls]\n";
    let source = SourceFile::new("p.yaml", text);
    let parsed = profile::parse(FileId(0), &source, profile::Format::Yaml).unwrap();
    let written = profile::Written::file(FileId(0), &source);
    let from_yaml = profile::bind(&parsed, program, written, common::TODAY, &Default::default()).unwrap();

    // Ferritin in µg/L (the same as ng/mL), TSAT in percent.
    let ferritin = LabSlot::resolve(program, "Ferritin", "ug/L").unwrap();
    let tsat = LabSlot::resolve(program, "tsat", "%").unwrap();
    let mut builder = FactsBuilder::new(program, common::TODAY);
    builder.lab(ferritin, 32.0).unwrap();
    builder.lab(tsat, 24.0).unwrap();
    builder.list(ProfileList::Conditions, &["restless legs syndrome"]);
    builder.person(&Person { age: Some(45.0), ..Person::default() });
    let built = builder.finish();

    let bits = |facts: &profile::Facts| facts.numbers().iter().map(|n| n.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&built), bits(&from_yaml), "the same numbers, NaN for the same missing values");
    let expected = verdicts(&kb, from_yaml);
    assert_eq!(verdicts(&kb, built), expected);
    let oral_iron = program.find_rule("oral_iron").unwrap();
    assert_eq!(expected[oral_iron.0], Truth::True, "the profile is one oral iron is suggested for");
}

#[test]
fn a_flag_set_alone_leaves_the_other_conditions_unknown() {
    let kb = common::bundled();
    let program = &kb.graph.program;
    let mut builder = FactsBuilder::new(program, common::TODAY);
    builder.flag(FlagSlot::resolve(program, "rls").unwrap(), true);
    let facts = builder.finish();
    let hemochromatosis = program.find_input("hemochromatosis").unwrap();
    assert_eq!(facts.value(hemochromatosis), None, "not said, so unknown");
    builder.list(ProfileList::Conditions, &["rls"]);
    let facts = builder.finish();
    assert_eq!(facts.value(hemochromatosis), Some(&profile::Value::Flag(false)), "a whole list says no");
}

#[test]
fn slots_are_refused_for_what_binding_refuses() {
    let kb = common::bundled();
    let program = &kb.graph.program;
    assert_eq!(LabSlot::resolve(program, "ferritn", "ng/mL"), Err(SlotError::UnknownLab));
    assert_eq!(LabSlot::resolve(program, "rls", "ng/mL"), Err(SlotError::UnknownLab), "a flag is no lab");
    assert_eq!(LabSlot::resolve(program, "ferritin", "ng/mm"), Err(SlotError::UnknownUnit));
    assert!(matches!(
        LabSlot::resolve(program, "ferritin", "%"),
        Err(SlotError::UnitDoesNotFit(ConversionError::Incompatible { .. }))
    ));
    assert_eq!(
        LabSlot::resolve(program, "ferritin", "nmol/L"),
        Err(SlotError::UnitDoesNotFit(ConversionError::NeedsMolarMass))
    );
    // B12 declares a molar mass, so molar units convert.
    let b12 = LabSlot::resolve(program, "vitamin_b12", "pmol/L").unwrap();
    let mut builder = FactsBuilder::new(program, common::TODAY);
    builder.lab(b12, 100.0).unwrap();
    let facts = builder.finish();
    let pg_per_ml = facts.numbers()[b12.input.0];
    assert!((pg_per_ml - 135.537).abs() < 1e-9, "{pg_per_ml}");
    assert!(FlagSlot::resolve(program, "no_such_condition").is_none());
    assert!(FlagSlot::resolve(program, "haemochromatosis").is_some(), "an alias names its flag");
}

#[test]
fn values_that_are_no_measurement_or_implausible_are_refused() {
    let kb = common::bundled();
    let program = &kb.graph.program;
    let ferritin = LabSlot::resolve(program, "ferritin", "ng/mL").unwrap();
    let mut builder = FactsBuilder::new(program, common::TODAY);
    for bad in [-1.0, f64::NAN, f64::INFINITY] {
        assert_eq!(builder.lab(ferritin, bad), Err(ValueError::NotAMeasurement), "{bad}");
    }
    assert_eq!(builder.lab(ferritin, 1e308), Err(ValueError::Implausible));
    let molar = LabSlot::resolve(program, "vitamin_b12", "mol/L").unwrap();
    assert_eq!(builder.lab(molar, 1e306), Err(ValueError::Implausible), "too large to convert");
    assert!(builder.finish().numbers().iter().all(|n| n.is_nan()), "nothing refused was kept");
}

#[test]
fn each_profile_starts_empty() {
    let kb = common::bundled();
    let program = &kb.graph.program;
    let ferritin = LabSlot::resolve(program, "ferritin", "ng/mL").unwrap();
    let mut builder = FactsBuilder::new(program, common::TODAY);
    builder.lab(ferritin, 32.0).unwrap();
    builder.person(&Person { age: Some(45.0), ..Person::default() });
    let first = builder.finish();
    let second = builder.finish();
    assert_eq!(first.numbers()[ferritin.input.0], 32.0);
    assert!(second.numbers()[ferritin.input.0].is_nan(), "missing, not the last profile's value");
    assert_eq!(second.person, Person::default());
}
