//! Columnar evaluation must give, for every profile of a batch, exactly the
//! verdicts the row-wise evaluator gives for the same values bound one
//! profile at a time: on generated synthetic bases, on generated rules with
//! nested `and`, `or`, `not`, `known` and flags, and on the bundled base
//! with labs, ages, sexes, pregnancy and lists. Batches span several blocks
//! and end in a partial one.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

mod common;

use proptest::prelude::*;
use warrant::check::{Builtin, InputId, InputKind, ProfileList};
use warrant::infer::columnar::{BLOCK, ColumnError, ColumnKind, ColumnarEvaluator, Columns};
use warrant::infer::{Evaluator, Truth};
use warrant::knowledge_base::{self, Files, KnowledgeBase};
use warrant::profile::{FactsBuilder, FlagSlot, LabSlot, Person, Sex, ValueError};
use warrant::span::SourceFile;
use warrant::synthetic::{self, SplitMix64};

/// One profile's values for a base whose inputs are all labs or flags.
#[derive(Debug, Clone)]
struct Row {
    labs: Vec<Option<f64>>,
    flags: Vec<Option<bool>>,
}

/// Row-wise verdicts: each profile built by slot and evaluated alone.
fn row_wise(kb: &KnowledgeBase, labs: &[LabSlot], flags: &[FlagSlot], rows: &[Row]) -> Vec<Truth> {
    let program = &kb.graph.program;
    let mut builder = FactsBuilder::new(program, common::TODAY);
    let mut evaluator = Evaluator::new(&kb.graph);
    let mut all = Vec::new();
    for row in rows {
        for (slot, value) in labs.iter().zip(&row.labs) {
            if let Some(value) = value {
                builder.lab(*slot, *value).unwrap();
            }
        }
        for (slot, value) in flags.iter().zip(&row.flags) {
            if let Some(value) = value {
                builder.flag(*slot, *value);
            }
        }
        all.extend_from_slice(evaluator.run(&builder.finish()));
    }
    all
}

/// Columnar verdicts for the same rows, in the same layout.
fn columnar(kb: &KnowledgeBase, labs: &[LabSlot], flags: &[FlagSlot], rows: &[Row]) -> Vec<Truth> {
    let mut columns = Columns::new(&kb.graph.program, rows.len());
    for (index, slot) in labs.iter().enumerate() {
        let column: Vec<Option<f64>> = rows.iter().map(|row| row.labs[index]).collect();
        columns.lab(*slot, &column).unwrap();
    }
    for (index, slot) in flags.iter().enumerate() {
        let column: Vec<Option<bool>> = rows.iter().map(|row| row.flags[index]).collect();
        columns.flag(*slot, &column).unwrap();
    }
    ColumnarEvaluator::new(&kb.graph).verdicts(&columns).unwrap()
}

fn compile(rules: &str, evidence: Vec<SourceFile>) -> KnowledgeBase {
    let files = Files { rules: vec![SourceFile::new("generated.warrant", rules)], evidence };
    match knowledge_base::compile(files) {
        (_, Ok(kb)) => kb,
        (sources, Err(diagnostics)) => {
            panic!(
                "{}\n{rules}",
                warrant::diagnostic::render_as(&sources, &diagnostics, Default::default(), false)
            )
        }
    }
}

/// Rows of random values in 0..100, a `missing` share of them unknown.
fn random_rows(random: &mut SplitMix64, count: usize, labs: usize, flags: usize, missing: u64) -> Vec<Row> {
    (0..count)
        .map(|_| Row {
            labs: (0..labs)
                .map(|_| (random.below(100) >= missing).then(|| random.below(10_000) as f64 / 100.0))
                .collect(),
            flags: (0..flags).map(|_| (random.below(100) >= missing).then(|| random.below(2) == 1)).collect(),
        })
        .collect()
}

fn assert_same(kb: &KnowledgeBase, want: &[Truth], got: &[Truth]) {
    let rules = kb.graph.program.rules.len();
    assert_eq!(want.len(), got.len());
    for (index, (want, got)) in want.iter().zip(got).enumerate() {
        let rule = &kb.graph.program.rules[index % rules];
        assert_eq!(want, got, "profile {}, rule {}", index / rules, rule.name);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// The benchmarks' workload: chains of derived facts, `or` with a fact,
    /// `and not`.
    #[test]
    fn synthetic_bases_agree(count in 4_usize..400, seed in any::<u64>(), rows in 1_usize..700, missing in 0_u64..60) {
        let kb = compile(
            &synthetic::warrant_rules(&synthetic::rules(count, seed)),
            vec![SourceFile::new("s.yaml", synthetic::WARRANT_EVIDENCE)],
        );
        let program = &kb.graph.program;
        let labs: Vec<LabSlot> = (0..synthetic::FIELDS)
            .filter_map(|field| LabSlot::resolve(program, &format!("f{field}"), "mg/L").ok())
            .collect();
        let rows = random_rows(&mut SplitMix64::new(seed), rows, labs.len(), 0, missing);
        assert_same(&kb, &row_wise(&kb, &labs, &[], &rows), &columnar(&kb, &labs, &[], &rows));
    }

    /// Rules of any shape: nested `and`, `or` and `not` over comparisons,
    /// flags, `known`, `unknown` and earlier rules, with `unless`.
    #[test]
    fn rules_of_any_shape_agree(
        conditions in proptest::collection::vec(condition(), 2..12),
        seed in any::<u64>(),
        rows in 1_usize..600,
    ) {
        let mut text = String::from(
            "input a: mass_concentration g/L \"A\"\ninput b: mass_concentration g/L \"B\"\n\
             input c: mass_concentration g/L \"C\"\ninput f: flag \"F\"\ninput g: flag \"G\"\n",
        );
        for (index, condition) in conditions.iter().enumerate() {
            // Later rules may read earlier ones as facts.
            let previous = if index == 0 { "f".to_owned() } else { format!("r{}", index - 1) };
            let condition = condition.replace("RULE", &previous);
            if index == 0 || index % 3 != 0 {
                text += &format!("derive r{index} \"r{index}\" when {condition}\n");
            } else {
                text += &format!(
                    "warn r{index} \"r{index}\" when r{} unless {condition} cite wang_2009_oral_iron supports\n",
                    index - 1
                );
            }
        }
        let kb = compile(&text, Files::bundled().evidence);
        let program = &kb.graph.program;
        let labs: Vec<LabSlot> =
            ["a", "b", "c"].iter().map(|name| LabSlot::resolve(program, name, "g/L").unwrap()).collect();
        let flags: Vec<FlagSlot> = ["f", "g"].iter().map(|name| FlagSlot::resolve(program, name).unwrap()).collect();
        let mut rows = random_rows(&mut SplitMix64::new(seed), rows, 3, 2, 30);
        for row in &mut rows {
            for value in row.labs.iter_mut().flatten() {
                *value = (*value / 20.0).floor();
            }
        }
        assert_same(&kb, &row_wise(&kb, &labs, &flags, &rows), &columnar(&kb, &labs, &flags, &rows));
    }
}

/// A condition's text; `RULE` stands for the previous rule.
fn condition() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        (0_usize..3, 0_usize..4, 0_u32..6).prop_map(|(input, op, threshold)| {
            format!("{} {} {threshold} g/L", ["a", "b", "c"][input], ["<", "<=", ">", ">="][op])
        }),
        Just("f".to_owned()),
        Just("g".to_owned()),
        Just("known a".to_owned()),
        Just("unknown b".to_owned()),
        Just("RULE".to_owned()),
    ];
    leaf.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 2..4)
                .prop_map(|parts| format!("({})", parts.join(" and "))),
            proptest::collection::vec(inner.clone(), 2..4)
                .prop_map(|parts| format!("({})", parts.join(" or "))),
            inner.prop_map(|part| format!("not ({part})")),
        ]
    })
}

/// The bundled base, with every kind of column a batch can give: labs in
/// their own units, age, sex, pregnancy, breastfeeding and the four lists,
/// each sometimes missing.
#[test]
fn the_bundled_base_agrees_with_every_kind_of_column() {
    let kb = common::bundled();
    let program = &kb.graph.program;
    let labs: Vec<(LabSlot, f64)> = program
        .inputs
        .iter()
        .enumerate()
        .filter_map(|(index, input)| match input.kind {
            InputKind::Lab { unit, .. } if input.builtin.is_none() => {
                let slot = LabSlot::of(program, InputId(index), unit).unwrap();
                Some((slot, input.plausible.range().1.min(500.0)))
            }
            _ => None,
        })
        .collect();
    assert!(labs.len() >= 8, "the bundled base reads many labs");
    let considered = |list: ProfileList| -> Vec<String> {
        let mut names: Vec<String> = program.considered.get(&list).into_iter().flatten().cloned().collect();
        names.push("something_no_rule_reads".to_owned());
        names
    };
    let lists: Vec<(ProfileList, Vec<String>)> =
        ProfileList::ALL.iter().map(|l| (*l, considered(*l))).collect();

    let mut random = SplitMix64::new(17);
    let rows = 3 * BLOCK + 11;
    let mut lab_columns: Vec<Vec<Option<f64>>> = vec![Vec::new(); labs.len()];
    let mut people: Vec<Person> = Vec::new();
    let mut list_columns: Vec<Vec<Option<Vec<String>>>> = vec![Vec::new(); lists.len()];
    for _ in 0..rows {
        for ((_, high), column) in labs.iter().zip(&mut lab_columns) {
            column.push((random.below(4) != 0).then(|| random.below(1_000) as f64 / 1_000.0 * high));
        }
        let sex = [None, Some(Sex::Female), Some(Sex::Male), Some(Sex::Other)][random.below(4) as usize];
        let maybe = |random: &mut SplitMix64| [None, Some(false), Some(true)][random.below(3) as usize];
        people.push(Person {
            age: (random.below(5) != 0).then(|| random.below(90) as f64),
            sex,
            pregnant: maybe(&mut random),
            lactating: maybe(&mut random),
            birth_date: None,
        });
        for ((_, names), column) in lists.iter().zip(&mut list_columns) {
            column
                .push((random.below(4) != 0).then(|| {
                    names.iter().filter(|_| random.below(8) == 0).cloned().collect::<Vec<String>>()
                }));
        }
    }

    let mut builder = FactsBuilder::new(program, common::TODAY);
    let mut evaluator = Evaluator::new(&kb.graph);
    let mut want = Vec::new();
    for row in 0..rows {
        for ((slot, _), column) in labs.iter().zip(&lab_columns) {
            if let Some(value) = column[row] {
                builder.lab(*slot, value).unwrap();
            }
        }
        builder.person(&people[row]);
        for ((list, _), column) in lists.iter().zip(&list_columns) {
            if let Some(names) = &column[row] {
                builder.list(*list, names);
            }
        }
        want.extend_from_slice(evaluator.run(&builder.finish()));
    }

    let mut columns = Columns::new(program, rows);
    for ((slot, _), column) in labs.iter().zip(&lab_columns) {
        columns.lab(*slot, column).unwrap();
    }
    columns.age(&people.iter().map(|p| p.age).collect::<Vec<_>>()).unwrap();
    columns.sex(&people.iter().map(|p| p.sex).collect::<Vec<_>>()).unwrap();
    columns.person_flag(Builtin::Pregnant, &people.iter().map(|p| p.pregnant).collect::<Vec<_>>()).unwrap();
    columns.person_flag(Builtin::Lactating, &people.iter().map(|p| p.lactating).collect::<Vec<_>>()).unwrap();
    for ((list, _), column) in lists.iter().zip(&list_columns) {
        columns.list(*list, column).unwrap();
    }
    let got = ColumnarEvaluator::new(&kb.graph).verdicts(&columns).unwrap();
    assert_same(&kb, &want, &got);
    assert!(got.contains(&Truth::True) && got.contains(&Truth::Unknown) && got.contains(&Truth::False));
}

#[test]
fn a_bad_column_is_refused_with_its_row() {
    let kb = common::bundled();
    let program = &kb.graph.program;
    let ferritin = LabSlot::resolve(program, "ferritin", "ng/mL").unwrap();
    let mut columns = Columns::new(program, 3);
    assert_eq!(columns.lab(ferritin, &[Some(1.0)]), Err(ColumnError::Length { expected: 3, got: 1 }));
    assert_eq!(
        columns.lab(ferritin, &[Some(30.0), None, Some(-4.0)]),
        Err(ColumnError::Value { row: 2, error: ValueError::NotAMeasurement })
    );
    assert_eq!(
        columns.lab(ferritin, &[Some(f64::NAN), None, None]),
        Err(ColumnError::Value { row: 0, error: ValueError::NotAMeasurement })
    );
    assert_eq!(
        columns.age(&[None, Some(400.0), None]),
        Err(ColumnError::Value { row: 1, error: ValueError::Implausible })
    );
    let message = columns.age(&[None, Some(400.0), None]).unwrap_err().to_string();
    assert!(message.contains("profile 1"), "{message}");

    // Columns made for one base are refused by another's evaluator.
    let other = common::bundled();
    let result = ColumnarEvaluator::new(&other.graph).run(&Columns::new(program, 1), |_| {});
    assert_eq!(result, Err(ColumnError::OtherKnowledgeBase));
}

#[test]
fn blocks_come_in_row_order_and_cover_every_profile() {
    let kb = common::bundled();
    let rows = 2 * BLOCK + 5;
    let columns = Columns::new(&kb.graph.program, rows);
    let mut seen = Vec::new();
    ColumnarEvaluator::new(&kb.graph)
        .run(&columns, |block| seen.push((block.first_row, block.rows)))
        .unwrap();
    assert_eq!(seen, vec![(0, BLOCK), (BLOCK, BLOCK), (2 * BLOCK, 5)]);
}

#[test]
fn columns_are_found_by_name_and_unread_list_entries_are_named() {
    let kb = common::bundled();
    let program = &kb.graph.program;
    assert!(matches!(ColumnKind::of(program, "Ferritin"), Some(ColumnKind::Lab { .. })));
    assert_eq!(ColumnKind::of(program, "age"), Some(ColumnKind::Age));
    assert_eq!(ColumnKind::of(program, "pregnant"), Some(ColumnKind::Person(Builtin::Pregnant)));
    assert_eq!(ColumnKind::of(program, "conditions"), Some(ColumnKind::List(ProfileList::Conditions)));
    assert!(matches!(ColumnKind::of(program, "rls"), Some(ColumnKind::Flag(_))));
    assert_eq!(ColumnKind::of(program, "favourite_colour"), None);

    let mut columns = Columns::new(program, 2);
    let conditions = [Some(vec!["rls".to_owned(), "hemochromatosys".to_owned()]), None];
    columns.list(ProfileList::Conditions, &conditions).unwrap();
    let unread = columns.not_considered(0);
    assert_eq!(unread.len(), 1, "{unread:?}");
    assert_eq!(unread[0].name, "hemochromatosys");
    assert!(unread[0].describe().contains("hemochromatosis"), "{}", unread[0].describe());
    assert!(columns.not_considered(1).is_empty(), "an unknown list names nothing");
}

#[test]
fn a_list_longer_than_a_profile_may_have_is_refused_with_its_row() {
    let kb = common::bundled();
    let limit = warrant::limits::Limits::default().list_items;
    let mut columns = Columns::new(&kb.graph.program, 2);
    let long: Vec<String> = (0..=limit).map(|i| format!("condition_{i}")).collect();
    let error =
        columns.list(ProfileList::Conditions, &[Some(vec!["rls".to_owned()]), Some(long)]).unwrap_err();
    assert_eq!(error, ColumnError::TooManyItems { row: 1, items: limit + 1, limit });
    assert!(error.to_string().contains("profile 1 has 501 entries"), "{error}");
}
