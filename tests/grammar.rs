//! The grammar's tricky corners: quantities with units, keyword boundaries,
//! precedence and comments. Conditions are printed as S-expressions so each
//! test states the tree it expects.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

use warrant::span::{FileId, SourceFile};
use warrant::syntax::ast::{Clause, Condition, Item};
use warrant::syntax::{parse, parse_condition};

fn sexpr(condition: &Condition) -> String {
    let join = |op: &str, parts: &[Condition]| {
        let inner: Vec<String> = parts.iter().map(sexpr).collect();
        format!("({op} {})", inner.join(" "))
    };
    match condition {
        Condition::And(parts, _) => join("and", parts),
        Condition::Or(parts, _) => join("or", parts),
        Condition::Not(inner, _) => format!("(not {})", sexpr(inner)),
        Condition::Compare { subject, comparator, threshold, .. } => {
            let unit = threshold.unit.as_ref().map_or("<no unit>", |u| u.node.as_str());
            format!("({} {} {} {unit})", comparator.node.symbol(), subject.node, threshold.value.node)
        }
        Condition::Known(name, _) => format!("(known {})", name.node),
        Condition::Unknown(name, _) => format!("(unknown {})", name.node),
        Condition::Has { list, item, .. } => format!("(has {} {})", list.node, item.node),
        Condition::OutsideRange { subject, side, .. } => {
            format!("({} {} range)", subject.node, side.keyword())
        }
        Condition::Is { subject, value, .. } => format!("(is {} {})", subject.node, value.node),
        Condition::OlderThan { subject, age, .. } => {
            let unit = age.unit.as_ref().map_or("<no unit>", |u| u.node.as_str());
            format!("(older {} {} {unit})", subject.node, age.value.node)
        }
        Condition::Fact(name) => name.node.clone(),
    }
}

fn condition(text: &str) -> String {
    match parse_condition(FileId(0), text) {
        Ok(condition) => sexpr(&condition),
        Err(diagnostic) => format!("error {}: {}", diagnostic.code, diagnostic.message),
    }
}

#[test]
fn quantities_carry_their_units() {
    assert_eq!(condition("ferritin <= 75 ng/mL"), "(<= ferritin 75 ng/mL)");
    assert_eq!(condition("ferritin<=75ng/mL"), "(<= ferritin 75 ng/mL)");
    assert_eq!(condition("tsat < 20 %"), "(< tsat 20 %)");
    assert_eq!(condition("tsat < 20%"), "(< tsat 20 %)");
    assert_eq!(condition("b12 > 1.5 µg/L"), "(> b12 1.5 µg/L)");
    assert_eq!(condition("b12 >= 150 pmol/L"), "(>= b12 150 pmol/L)");
}

#[test]
fn the_person_and_the_age_of_a_result_have_their_own_forms() {
    assert_eq!(condition("age >= 18 years and not pregnant"), "(and (>= age 18 years) (not pregnant))");
    assert_eq!(condition("sex is female"), "(is sex female)");
    assert_eq!(condition("ferritin older than 12 months"), "(older ferritin 12 months)");
    assert_eq!(condition("not ferritin older than 90 days"), "(not (older ferritin 90 days))");
    assert_eq!(condition("egfr < 30 mL/min/1.73m2"), "(< egfr 30 mL/min/1.73m2)");
    // `is`, `older` and `than` are words of the language, not names.
    assert!(condition("is").starts_with("error E0101"), "{}", condition("is"));
    assert!(condition("ferritin older 12 months").starts_with("error E0101"));
}

#[test]
fn range_tests_read_the_labs_own_reference_range() {
    assert_eq!(condition("vitamin_b12 below range"), "(vitamin_b12 below range)");
    assert_eq!(condition("not folate above range"), "(not (folate above range))");
    assert_eq!(condition("ranger"), "ranger");
    assert!(condition("folate below").starts_with("error E0101"));
}

#[test]
fn a_missing_unit_parses_and_is_left_to_check() {
    assert_eq!(condition("ferritin <= 75"), "(<= ferritin 75 <no unit>)");
    // A keyword after the number is not taken for a unit.
    assert_eq!(condition("ferritin < 75 and low"), "(and (< ferritin 75 <no unit>) low)");
}

#[test]
fn keywords_need_a_word_boundary() {
    assert_eq!(condition("notable"), "notable");
    assert_eq!(condition("not able"), "(not able)");
    assert_eq!(condition("known_risk or unknown ferritin"), "(or known_risk (unknown ferritin))");
    assert_eq!(condition("android and oracle"), "(and android oracle)");
    assert_eq!(condition("medications has hashish"), "(has medications hashish)");
}

#[test]
fn every_keyword_is_refused_as_a_name_but_longer_and_shorter_words_are_names() {
    for keyword in warrant::symbols::KEYWORDS {
        assert!(condition(keyword).starts_with("error E0101"), "`{keyword}` taken for a name");
        for name in [format!("{keyword}s"), format!("{keyword}_1"), format!("{keyword}9")] {
            assert_eq!(condition(&name), name);
        }
        // The keyword rule matches a first letter, then the rest: a prefix
        // of a keyword must not be mistaken for one.
        for end in 1..keyword.len() {
            let prefix = &keyword[..end];
            if !warrant::symbols::KEYWORDS.contains(&prefix) {
                assert_eq!(condition(prefix), prefix);
            }
        }
    }
}

#[test]
fn and_binds_tighter_than_or_and_parentheses_override() {
    assert_eq!(condition("a or b and c"), "(or a (and b c))");
    assert_eq!(condition("(a or b) and c"), "(and (or a b) c)");
    assert_eq!(condition("not a and b"), "(and (not a) b)");
    assert_eq!(condition("not (a and b)"), "(not (and a b))");
    assert_eq!(condition("not not a"), "(not (not a))");
}

#[test]
fn malformed_conditions_are_syntax_errors() {
    assert!(condition("ferritin <= ").starts_with("error E0101"));
    assert!(condition("a and").starts_with("error E0101"));
    assert!(condition("(a or b").starts_with("error E0101"));
    assert!(condition("a && b").starts_with("error E0101"));
    assert!(condition("ferritin = 75 ng/mL").starts_with("error E0101"));
}

fn parse_file(text: &str) -> warrant::syntax::ast::RuleFile {
    let source = SourceFile::new("test.warrant", text);
    parse(FileId(0), &source).map_err(|d| format!("{d:?}")).expect("the test input parses")
}

#[test]
fn comments_run_to_the_end_of_the_line_but_not_inside_strings() {
    let file = parse_file(
        "// leading comment\n\
         input a: flag \"A\" // trailing comment\n\
         derive d \"See https://example.org // not a comment\"\n\
           when a // comment inside a condition\n\
             and a\n\
         // comment at the end without a newline",
    );
    assert_eq!(file.items.len(), 2);
    let Item::Rule(rule) = &file.items[1] else { panic!("expected a rule") };
    assert_eq!(rule.label.node, "See https://example.org // not a comment");
    let Clause::When(when) = &rule.clauses[0] else { panic!("expected when") };
    assert_eq!(sexpr(when), "(and a a)");
}

#[test]
fn strings_keep_their_escapes() {
    let file = parse_file(r#"title "A \"quoted\" word and a \\ backslash""#);
    assert_eq!(file.title.unwrap().node, r#"A "quoted" word and a \ backslash"#);
    // An escaped backslash, then an escaped quote; then two backslashes.
    let file = parse_file(r#"title "a \\\" b \\\\""#);
    assert_eq!(file.title.unwrap().node, r#"a \" b \\"#);
}

#[test]
fn layout_does_not_change_the_tree() {
    let compact = parse_file("input a: flag \"A\" derive d \"D\" when a cite x supports");
    let spread =
        parse_file("input a:\n  flag\n  \"A\"\n\nderive d \"D\"\n    when\n      a\n    cite x supports\n");
    assert_ne!(format!("{compact:?}"), format!("{spread:?}"), "the spans differ");
    assert_eq!(warrant::syntax::shape(&compact), warrant::syntax::shape(&spread));
}

#[test]
fn metadata_and_every_clause_parse() {
    let file = parse_file(
        r#"title "T" version "1.0" reviewed 2026-01-31
input ferritin: mass_concentration ng/mL "Ferritin" loinc "2276-4" molar_mass 1.5 g/mol
group g "G" = a, b
recommend r "R"
  when ferritin <= 75 ng/mL
  unless ferritin > 300 ng/mL
  form "tablet"
  dose 10 to 50 mg daily
  timing morning, empty_stomach
  take_with vitamin_c
  contains iron
  separate_from calcium, dairy by 2 h
  strength conditional
  cite x supports, y refutes, z mixed
  caveat "c"
limit l "L" daily g <= 100 mg cite x supports
slot on_waking "On waking" at 7 h provides morning, empty_stomach
"#,
    );
    assert_eq!(file.version.unwrap().node, "1.0");
    assert_eq!(file.reviewed.unwrap().node.to_string(), "2026-01-31");
    let keywords: Vec<&str> = file
        .items
        .iter()
        .filter_map(|item| match item {
            Item::Rule(rule) => Some(rule.clauses.iter().map(Clause::keyword)),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(
        keywords,
        [
            "when",
            "unless",
            "form",
            "dose",
            "timing",
            "take_with",
            "contains",
            "separate_from",
            "strength",
            "cite",
            "caveat",
            "daily",
            "cite"
        ]
    );
}
