//! Three-valued logic through the whole pipeline: for every pair of
//! true / false / unknown facts, `and`, `or` and `not` in a rule file give
//! Kleene's truth tables, and a missing lab value is unknown, never false.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

mod common;

use warrant::infer::{self, Truth};
use warrant::knowledge_base::{self, Files, KnowledgeBase};
use warrant::profile::{self, Format};
use warrant::span::{FileId, SourceFile};

const RULES: &str = r#"
input a: mass_concentration g/L "A"
input b: mass_concentration g/L "B"
derive pa "a is low" when a < 1 g/L
derive pb "b is low" when b < 1 g/L
warn both "both" when pa and pb cite wang_2009_oral_iron supports
warn either "either" when pa or pb cite wang_2009_oral_iron supports
warn neither "not a" when not pa cite wang_2009_oral_iron supports
warn knows "known a" when known a cite wang_2009_oral_iron supports
"#;

fn knowledge_base() -> KnowledgeBase {
    let files =
        Files { rules: vec![SourceFile::new("logic.warrant", RULES)], evidence: Files::bundled().evidence };
    knowledge_base::compile(files).1.expect("the logic rules check clean")
}

/// A lab line that makes the fact true (0 g/L), false (2 g/L) or unknown (absent).
fn lab(name: &str, truth: Truth) -> String {
    match truth {
        Truth::True => format!("  {name}: {{ value: 0, unit: g/L }}\n"),
        Truth::False => format!("  {name}: {{ value: 2, unit: g/L }}\n"),
        Truth::Unknown => String::new(),
    }
}

/// A profile bound to `kb`.
fn bind(kb: &KnowledgeBase, text: &str, format: Format) -> profile::Facts {
    let source = SourceFile::new("p.yaml", text);
    let parsed = profile::parse(FileId(99), &source, format).unwrap();
    let written = profile::Written::file(FileId(99), &source);
    profile::bind(&parsed, &kb.graph.program, written, common::TODAY, &Default::default()).unwrap()
}

fn verdicts(kb: &KnowledgeBase, a: Truth, b: Truth) -> [Truth; 4] {
    let text = format!("labs:\n{}{}", lab("a", a), lab("b", b));
    let facts = bind(kb, &text, Format::Yaml);
    let evaluation = infer::evaluate(&kb.graph, facts);
    let verdict = |name: &str| evaluation.verdict(kb.graph.program.find_rule(name).unwrap());
    [verdict("both"), verdict("either"), verdict("neither"), verdict("knows")]
}

#[test]
fn kleene_truth_tables_hold_end_to_end() {
    let kb = knowledge_base();
    let all = [Truth::False, Truth::Unknown, Truth::True];
    for a in all {
        for b in all {
            let [both, either, neither, knows] = verdicts(&kb, a, b);
            assert_eq!(both, a.and(b), "{a:?} and {b:?}");
            assert_eq!(either, a.or(b), "{a:?} or {b:?}");
            assert_eq!(neither, a.not(), "not {a:?}");
            assert_eq!(knows, Truth::from(a != Truth::Unknown), "known a when a is {a:?}");
        }
    }
}

#[test]
fn the_tables_are_the_standard_kleene_ones() {
    use Truth::{False as F, True as T, Unknown as U};
    assert_eq!([F.and(U), U.and(U), T.and(U)], [F, U, U]);
    assert_eq!([F.or(U), U.or(U), T.or(U)], [U, U, T]);
}

#[test]
fn a_missing_value_is_unknown_and_named_as_missing() {
    let kb = knowledge_base();
    let facts = bind(&kb, "labs:\n  b: { value: 2, unit: g/L }\n", Format::Yaml);
    let evaluation = infer::evaluate(&kb.graph, facts);
    let either = kb.graph.program.find_rule("either").unwrap();
    assert_eq!(evaluation.verdict(either), Truth::Unknown);
    let missing: Vec<&str> = evaluation
        .missing_inputs(either)
        .into_iter()
        .map(|input| kb.graph.program.input(input).unwrap().name.as_str())
        .collect();
    assert_eq!(missing, ["a"], "b is known, so only a is missing");
}

/// The compiled plan must agree with walking each rule's conditions, for
/// every fixture profile and for synthetic profiles of a synthetic base.
#[test]
fn the_compiled_plan_agrees_with_walking_the_conditions() {
    let check = |kb: &KnowledgeBase, name: &str, text: &str, format: Format| {
        let facts = bind(kb, text, format);
        let evaluation = infer::evaluate(&kb.graph, facts);
        for (id, rule) in kb.graph.program.rule_ids().zip(&kb.graph.program.rules) {
            assert_eq!(evaluation.verdict(id), evaluation.verdict_by_walking(rule), "{name}: {}", rule.name);
        }
    };
    let bundled = knowledge_base::compile(Files::bundled()).1.unwrap();
    for entry in std::fs::read_dir("tests/fixtures/profiles").unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let format = Format::from_path(&name).unwrap();
        check(&bundled, &name, &std::fs::read_to_string(&path).unwrap(), format);
    }
    let rules = warrant::synthetic::rules(300, 9);
    let synthetic = knowledge_base::compile(Files {
        rules: vec![SourceFile::new("s.warrant", warrant::synthetic::warrant_rules(&rules))],
        evidence: vec![SourceFile::new("s.yaml", warrant::synthetic::WARRANT_EVIDENCE)],
    })
    .1
    .unwrap();
    for (index, line) in warrant::synthetic::profiles(50, 9).enumerate() {
        // Drop some fields so unknowns flow through the chains too.
        let mut json: serde_json::Value = serde_json::from_str(&line).unwrap();
        let labs = json["labs"].as_object_mut().unwrap();
        labs.retain(|field, _| (field.len() + index) % 5 != 0);
        check(&synthetic, "synthetic.json", &json.to_string(), Format::Json);
    }
}

// ------------------------------------------------ generated rules and profiles

/// A condition, generated: compiled, it takes every path the plan has
/// (clauses of every fixed shape, the general clause loop, the short-
/// circuiting instructions for what is not in conjunctive normal form,
/// negated facts and rarer conditions).
#[derive(Debug, Clone)]
enum Condition {
    Atom(u8),
    /// A derived fact earlier in the file (an atom for the first rule).
    Fact(u8),
    Not(Box<Condition>),
    And(Vec<Condition>),
    Or(Vec<Condition>),
}

const ATOMS: [&str; 9] = [
    "a < 1 g/L",
    "a >= 2 g/L",
    "b > 1 g/L",
    "b <= 2 g/L",
    "c < 2 g/L",
    "f",
    "known a",
    "unknown b",
    "c > 0 g/L",
];

fn condition() -> impl proptest::strategy::Strategy<Value = Condition> {
    use proptest::prelude::*;
    let leaf = prop_oneof![(0u8..9).prop_map(Condition::Atom), any::<u8>().prop_map(Condition::Fact)];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|c| Condition::Not(Box::new(c))),
            prop::collection::vec(inner.clone(), 2..5).prop_map(Condition::And),
            prop::collection::vec(inner, 2..5).prop_map(Condition::Or),
        ]
    })
}

/// The condition as rule text, reading only the facts `d0` to `d{facts - 1}`.
fn condition_text(condition: &Condition, facts: usize) -> String {
    let joined = |parts: &[Condition], word: &str| {
        let parts: Vec<String> = parts.iter().map(|p| format!("({})", condition_text(p, facts))).collect();
        parts.join(word)
    };
    match condition {
        Condition::Atom(atom) => ATOMS[usize::from(*atom) % ATOMS.len()].to_string(),
        Condition::Fact(fact) if facts > 0 => format!("d{}", usize::from(*fact) % facts),
        Condition::Fact(atom) => ATOMS[usize::from(*atom) % ATOMS.len()].to_string(),
        Condition::Not(inner) => format!("not ({})", condition_text(inner, facts)),
        Condition::And(parts) => joined(parts, " and "),
        Condition::Or(parts) => joined(parts, " or "),
    }
}

/// A lab line for `name`: absent, or one of a few values around the
/// thresholds the atoms use.
fn generated_lab(name: &str, choice: u8) -> String {
    match choice % 5 {
        0 => String::new(),
        value => format!("  {name}: {{ value: {}, unit: g/L }}\n", value - 1),
    }
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(128),
        failure_persistence: None,
        ..Default::default()
    })]

    /// For generated rules and profiles with values missing, the compiled
    /// plan agrees with walking each rule's conditions, whether its buffers
    /// are new or kept from the profile before.
    #[test]
    fn the_compiled_plan_agrees_with_walking_generated_rules(
        derived in proptest::collection::vec(condition(), 1..10),
        outcomes in proptest::collection::vec((condition(), proptest::option::of(condition())), 1..6),
        profiles in proptest::collection::vec(proptest::array::uniform4(0u8..15), 1..8),
    ) {
        let mut text = String::from(
            "input a: mass_concentration g/L \"A\"\ninput b: mass_concentration g/L \"B\"\n\
             input c: mass_concentration g/L \"C\"\ninput f: flag \"F\"\n",
        );
        for (index, when) in derived.iter().enumerate() {
            text += &format!("derive d{index} \"D {index}\" when {}\n", condition_text(when, index));
        }
        for (index, (when, unless)) in outcomes.iter().enumerate() {
            text += &format!("warn o{index} \"O {index}\" when {}\n", condition_text(when, derived.len()));
            if let Some(unless) = unless {
                text += &format!("  unless {}\n", condition_text(unless, derived.len()));
            }
            text += "  cite wang_2009_oral_iron supports\n";
        }
        let files = Files { rules: vec![SourceFile::new("generated.warrant", &text)], evidence: Files::bundled().evidence };
        let kb = knowledge_base::compile(files)
            .1
            .unwrap_or_else(|diagnostics| panic!("the generated rules do not check:\n{text}\n{diagnostics:?}"));
        // One evaluator for every profile, as `batch` keeps one: nothing
        // of one profile may leak into the next.
        let mut evaluator = infer::Evaluator::new(&kb.graph);
        for [a, b, c, f] in profiles {
            let conditions = match f % 3 {
                0 => "",
                1 => "conditions: [f]\n",
                _ => "conditions: []\n",
            };
            let profile = format!("labs:\n{}{}{}{conditions}", generated_lab("a", a), generated_lab("b", b), generated_lab("c", c));
            let facts = bind(&kb, &profile, Format::Yaml);
            let reused = evaluator.evaluate(facts.clone());
            let evaluation = infer::evaluate(&kb.graph, facts);
            proptest::prop_assert_eq!(reused.verdicts(), evaluation.verdicts(), "a reused evaluator for\n{}", profile);
            for (id, rule) in kb.graph.program.rule_ids().zip(&kb.graph.program.rules) {
                proptest::prop_assert_eq!(
                    evaluation.verdict(id),
                    evaluation.verdict_by_walking(rule),
                    "rule {} for\n{}\nin\n{}", rule.name, profile, text
                );
            }
        }
    }
}
