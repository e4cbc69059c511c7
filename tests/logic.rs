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
