//! `warrant::symbols`: what a name in a rule file refers to, for editors.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

use warrant::knowledge_base::{self, Files};
use warrant::symbols::{self, SymbolKind};

#[test]
fn the_word_under_a_cursor() {
    let text = "when rls and ferritin <= 75 ng/mL";
    assert_eq!(symbols::word_at(text, 15), Some((13..21, "ferritin")));
    assert_eq!(symbols::word_at(text, 13), Some((13..21, "ferritin")), "at its start");
    assert_eq!(symbols::word_at(text, 21), Some((13..21, "ferritin")), "just after its end");
    assert_eq!(symbols::word_at(text, 23), None, "on an operator");
    assert_eq!(symbols::word_at(text, 26), None, "a number is no name");
    assert_eq!(symbols::word_at(text, 1_000), Some((31..33, "mL")), "past the end is the end");
    assert_eq!(symbols::word_at("ferritin é", 11), None, "inside a character");
}

#[test]
fn names_resolve_to_their_kind_definition_and_description() {
    let (sources, kb) = knowledge_base::compile(Files::bundled());
    let kb = kb.unwrap();
    let located = |symbol: &symbols::Symbol| sources.locate(symbol.definition.unwrap());

    let rule = symbols::lookup(&kb, "oral_iron").unwrap();
    assert_eq!(rule.kind, SymbolKind::Rule("recommend"));
    assert!(located(&rule).starts_with("rules/iron.warrant:"), "{}", located(&rule));
    assert!(rule.description.contains("`aasm_2025_rls_guideline`"), "{}", rule.description);

    let input = symbols::lookup(&kb, "tsat").unwrap();
    assert_eq!(input.kind, SymbolKind::Input);
    assert!(input.description.contains("LOINC: 2502-3, 14801-5"), "{}", input.description);

    let evidence = symbols::lookup(&kb, "trenkwalder_2017_fcm").unwrap();
    assert_eq!(evidence.kind, SymbolKind::Evidence);
    assert!(located(&evidence).starts_with("evidence/iron.yaml:"), "{}", located(&evidence));
    assert!(
        evidence.description.contains("The article cites it as: The Lancet Neurology, 2011"),
        "{}",
        evidence.description
    );

    let group = symbols::lookup(&kb, "ssri").unwrap();
    assert_eq!(group.kind, SymbolKind::Group);
    assert!(group.description.contains("sertraline"), "{}", group.description);

    assert_eq!(symbols::lookup(&kb, "no_such_name"), None);
}

#[test]
fn a_files_definitions_in_the_order_written() {
    let (sources, kb) = knowledge_base::compile(Files::bundled());
    let kb = kb.unwrap();
    let (file, _) = sources.files().find(|(_, s)| s.name == "rules/iron.warrant").unwrap();
    let names: Vec<String> = symbols::defined_in(&kb, file).into_iter().map(|s| s.name).collect();
    let position =
        |name: &str| names.iter().position(|n| n == name).unwrap_or_else(|| panic!("{name} in {names:?}"));
    assert!(position("ferritin") < position("iron_low_for_rls"));
    assert!(position("iron_low_for_rls") < position("oral_iron"));
    assert!(!names.contains(&String::from("magnesium_rbc")), "only this file's");
}

#[test]
fn the_keyword_list_is_the_grammars() {
    let grammar = std::fs::read_to_string("grammar/warrant.pest").unwrap();
    let start = grammar.find("keyword = _{").unwrap();
    let block = &grammar[start..start + grammar[start..].find("\n}").unwrap()];
    // One line per first letter, `"a" ~ ("nd" | "t" | ...)`, between the
    // lines that open and close each band of letters.
    let mut words: Vec<String> = block
        .lines()
        .filter_map(|line| {
            let quoted: Vec<&str> = line.split('"').skip(1).step_by(2).collect();
            let (first, rest) = quoted.split_first()?;
            Some(rest.iter().map(move |suffix| format!("{first}{suffix}")).collect::<Vec<_>>())
        })
        .flatten()
        .collect();
    words.sort_unstable();
    words.dedup();
    let mut listed = symbols::KEYWORDS.to_vec();
    listed.sort_unstable();
    assert_eq!(listed, words);
}

#[test]
fn occurrences_skip_comments_strings_and_longer_names() {
    let text = "derive iron_low \"iron_low\" when x // iron_low\nrecommend a when iron_low and iron_lower\n";
    let found: Vec<&str> = symbols::occurrences(text, "iron_low").into_iter().map(|r| &text[r]).collect();
    assert_eq!(found, ["iron_low", "iron_low"]);
    assert_eq!(symbols::occurrences(text, "iron_low")[1].start, text.find("when iron_low").unwrap() + 5);
}
