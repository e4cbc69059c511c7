//! The daily plan: snapshots for every fixture profile, a knowledge base
//! whose constraints cannot all be kept, and properties of the solver: every
//! constraint it claims to keep holds, and no assignment breaks fewer or,
//! breaking as few, uses fewer slots.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

mod common;

use std::collections::BTreeSet;
use std::fs;

use proptest::prelude::*;
use warrant::explain::{self, Format};
use warrant::plan::{self, solve};
use warrant::span::SourceFile;

#[test]
fn plan_snapshots() {
    let kb = common::bundled();
    insta::glob!("fixtures/profiles/*.{yaml,json}", |path| {
        let name = common::file_name(path);
        let text = fs::read_to_string(path).unwrap();
        let mut sources = kb.sources.clone();
        let source = SourceFile::new(name.clone(), text.clone());
        let file = sources.add(source.clone());
        let format = warrant::profile::Format::from_path(&name).unwrap();
        let evaluation =
            warrant::evaluate_profile(&kb, file, &source, format, common::TODAY, &Default::default())
                .unwrap();
        let daily = plan::build(&evaluation, &kb.evidence);
        for kept in &daily.kept {
            assert!(kept.conflicts_with.is_empty(), "{name}");
        }
        insta::with_settings!({ description => text, omit_expression => true }, {
            insta::assert_snapshot!(explain::render_plan(&daily, Format::Text, false));
        });
    });
}

fn plan_command(args: &[&str]) -> std::process::Output {
    common::warrant().arg("plan").args(args).output().unwrap()
}

#[test]
fn constraints_that_cannot_all_be_kept_are_named_with_what_they_conflict_with() {
    let output = plan_command(&[
        "tests/fixtures/plan/conflict_profile.yaml",
        "--rules",
        "tests/fixtures/plan/conflict_rules",
        "--format",
        "json",
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let broken = json["broken"].as_array().unwrap();
    assert_eq!(broken.len(), 1, "the best plan breaks one constraint: {broken:#?}");
    assert!(!broken[0]["conflicts_with"].as_array().unwrap().is_empty());
    let text = plan_command(&[
        "tests/fixtures/plan/conflict_profile.yaml",
        "--rules",
        "tests/fixtures/plan/conflict_rules",
    ]);
    insta::assert_snapshot!("conflict", String::from_utf8(text.stdout).unwrap());
}

#[test]
fn the_plan_is_part_of_the_explain_report() {
    let kb = common::bundled();
    let text = fs::read_to_string("tests/fixtures/profiles/everything.yaml").unwrap();
    let report = common::explain(&kb, "everything.yaml", &text, Format::Text).unwrap();
    assert!(
        report.contains("DAILY PLAN") && report.contains("07:00  On waking, before breakfast"),
        "{report}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&common::explain(&kb, "everything.yaml", &text, Format::Json).unwrap()).unwrap();
    assert!(!json["daily_plan"]["slots"].as_array().unwrap().is_empty());
}

#[test]
fn every_placement_names_its_rule_and_evidence() {
    let output = plan_command(&["tests/fixtures/profiles/everything.yaml", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    for slot in json["slots"].as_array().unwrap() {
        for placement in slot["items"].as_array().unwrap() {
            let rules = placement["placed_by"].as_array().unwrap();
            if placement["origin"] == "suggested" {
                // The rule that suggested it comes first, with its evidence.
                assert_eq!(rules[0]["role"], "suggested", "{placement}");
                assert_eq!(rules[0]["rule"], placement["item"], "{placement}");
                assert!(!rules[0]["evidence"].as_array().unwrap().is_empty(), "{placement}");
            }
            // Another rule's evidence is never shown beside an item it only moves.
            for rule in rules.iter().filter(|r| r["role"] == "constraint") {
                assert!(rule["evidence"].as_array().unwrap().is_empty(), "{placement}");
            }
        }
    }
}

// ---------------------------------------------------------------- properties

const TIMINGS: [&str; 4] = ["morning", "evening", "empty_stomach", "with_food"];
const NAMES: [&str; 4] = ["iron", "calcium", "magnesium", "vitamin_c"];

fn slots() -> impl Strategy<Value = Vec<solve::Slot>> {
    prop::collection::vec(
        (0u32..24, prop::collection::btree_set(prop::sample::select(&TIMINGS[..]), 0..3)),
        1..4,
    )
    .prop_map(|raw| {
        raw.into_iter()
            .enumerate()
            .map(|(i, (hour, provides))| solve::Slot {
                id: format!("s{i}"),
                label: format!("slot {i}"),
                hour: f64::from(hour),
                provides: provides.into_iter().map(String::from).collect(),
            })
            .collect()
    })
}

fn items() -> impl Strategy<Value = Vec<solve::Item>> {
    let item = (
        prop::collection::btree_set(prop::sample::select(&TIMINGS[..]), 0..2),
        prop::sample::select(&NAMES[..]),
        prop::collection::vec(prop::sample::select(&NAMES[..]), 0..2),
        prop::collection::vec((prop::sample::select(&NAMES[..]), 0u32..8), 0..2),
    );
    prop::collection::vec(item, 1..5).prop_map(|raw| {
        raw.into_iter()
            .enumerate()
            .map(|(i, (timing, contains, take_with, apart))| solve::Item {
                id: format!("i{i}"),
                timing: timing.into_iter().map(String::from).collect(),
                contains: BTreeSet::from([contains.to_string()]),
                take_with: take_with.into_iter().map(String::from).collect(),
                apart: apart
                    .into_iter()
                    .map(|(what, hours)| solve::Apart {
                        what: vec![what.to_string()],
                        hours: f64::from(hours),
                    })
                    .collect(),
            })
            .collect()
    })
}

/// Every assignment of `items` items to `slots` slots.
fn all_assignments(items: usize, slots: usize) -> Vec<Vec<usize>> {
    let mut all = vec![Vec::new()];
    for _ in 0..items {
        all = all.into_iter().flat_map(|a| (0..slots).map(move |s| [a.clone(), vec![s]].concat())).collect();
    }
    all
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn every_claimed_constraint_holds_and_the_plan_is_optimal(slots in slots(), items in items()) {
        let solution = solve::solve(&slots, &items);
        prop_assert_eq!(solution.slot_of.len(), items.len());
        for kept in &solution.kept {
            prop_assert!(kept.holds(&slots, &solution.slot_of), "claims to keep {:?}", kept);
        }
        for broken in &solution.broken {
            prop_assert!(!broken.holds(&slots, &solution.slot_of), "claims to break {:?}", broken);
        }
        prop_assert!(solution.proven_best);
        // No assignment breaks fewer constraints, or as few in fewer slots.
        let constraints = solve::constraints(&items);
        let score = |assignment: &[usize]| {
            let broken = constraints.iter().filter(|c| !c.holds(&slots, assignment)).count();
            let used = assignment.iter().collect::<BTreeSet<_>>().len();
            (broken, used)
        };
        let best = all_assignments(items.len(), slots.len()).iter().map(|a| score(a)).min().unwrap();
        prop_assert_eq!(score(&solution.slot_of), best);
        // Same input, same plan.
        prop_assert_eq!(solve::solve(&slots, &items), solution);
    }
}
