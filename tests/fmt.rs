//! `warrant fmt`: the canonical layout keeps the syntax tree and every
//! comment, is idempotent, and the bundled rules are already in it. Checked
//! on the bundled rules, on generated rule files, on the bundled rules with
//! their whitespace shuffled, on a messy fixture (snapshot) and through the
//! command line.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::warrant;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, TestCaseError};
use warrant::span::{FileId, SourceFile};
use warrant::syntax::parse;
use warrant::syntax::print::format_source;

// ---------------------------------------------------------------- helpers

fn fmt(text: &str) -> String {
    let source = SourceFile::new("test.warrant", text);
    format_source(FileId(0), &source).unwrap_or_else(|d| panic!("does not format: {d:?}\n{text}"))
}

/// The syntax tree with spans blanked (as in tests/grammar.rs), or the error.
fn tree(text: &str) -> String {
    let source = SourceFile::new("test.warrant", text);
    match parse(FileId(0), &source) {
        Ok(file) => warrant::syntax::shape(&file),
        Err(diagnostics) => format!("error: {diagnostics:?}"),
    }
}

/// Pieces of rule-file text, as a simple scanner sees them: strings and
/// comments whole, whitespace runs, and any other character. Independent of
/// the formatter's own comment finder (it does not know that a unit may
/// contain `//`, which the generated files never do).
#[derive(Debug, PartialEq)]
enum Piece<'a> {
    Comment(&'a str),
    Whitespace(&'a str),
    Other(&'a str),
}

fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let start = at;
        let piece = if text[at..].starts_with("//") {
            at = text[at..].find(['\n', '\r']).map_or(text.len(), |n| at + n);
            Piece::Comment(&text[start..at])
        } else if bytes[at] == b'"' {
            at += 1;
            while at < bytes.len() && bytes[at] != b'"' {
                at += if bytes[at] == b'\\' { 2 } else { 1 };
            }
            at = (at + 1).min(bytes.len());
            Piece::Other(&text[start..at])
        } else if matches!(bytes[at], b' ' | b'\t' | b'\n' | b'\r') {
            while at < bytes.len() && matches!(bytes[at], b' ' | b'\t' | b'\n' | b'\r') {
                at += 1;
            }
            Piece::Whitespace(&text[start..at])
        } else {
            at += text[at..].chars().next().map_or(1, char::len_utf8);
            Piece::Other(&text[start..at])
        };
        pieces.push(piece);
    }
    pieces
}

/// Every comment's text (without trailing whitespace), sorted.
fn comments(text: &str) -> Vec<String> {
    let mut found: Vec<String> = pieces(text)
        .into_iter()
        .filter_map(|piece| match piece {
            Piece::Comment(comment) => Some(comment.trim_end().to_string()),
            _ => None,
        })
        .collect();
    found.sort();
    found
}

/// The three properties every input must have.
fn assert_formats_faithfully(text: &str) -> Result<String, TestCaseError> {
    let once = fmt(text);
    prop_assert_eq!(&fmt(&once), &once, "not idempotent for\n{}", text);
    prop_assert_eq!(tree(&once), tree(text), "the tree changed:\n{}\n---\n{}", text, once);
    prop_assert_eq!(comments(&once), comments(text), "the comments changed:\n{}\n---\n{}", text, once);
    prop_assert!(once.is_empty() || (once.ends_with('\n') && !once.ends_with("\n\n")));
    Ok(once)
}

fn bundled_rules() -> Vec<(PathBuf, String)> {
    let mut paths: Vec<PathBuf> = fs::read_dir("rules")
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "warrant"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 8, "the bundled rules are missing");
    paths.into_iter().map(|path| (path.clone(), fs::read_to_string(path).unwrap())).collect()
}

/// `cases` cases, or `PROPTEST_CASES` to search harder; failures are
/// printed, not saved.
fn config(cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(cases);
    Config { cases, failure_persistence: None, ..Config::default() }
}

// ---------------------------------------------------------------- bundled rules

#[test]
fn bundled_rules_round_trip_and_are_idempotent() {
    for (path, text) in bundled_rules() {
        let once = assert_formats_faithfully(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(!comments(&text).is_empty(), "{}: the test should see comments", path.display());
        assert!(once.lines().all(|line| line == line.trim_end()), "{}: trailing spaces", path.display());
    }
}

/// CI runs this: after editing a rule file, run `cargo run -- fmt`.
#[test]
fn bundled_rules_are_formatted() {
    for (path, text) in bundled_rules() {
        assert!(fmt(&text) == text, "{} is not formatted: run `cargo run -- fmt`", path.display());
    }
}

// ---------------------------------------------------------------- layout

#[test]
fn messy_fixture_snapshot() {
    let text = fs::read_to_string("tests/fixtures/fmt/messy.warrant").unwrap();
    let formatted = assert_formats_faithfully(&text).unwrap();
    insta::with_settings!({ description => text.clone(), omit_expression => true }, {
        insta::assert_snapshot!("messy", formatted);
    });
}

#[test]
fn long_conditions_break_before_each_top_level_operator() {
    let long = "derive d \"D\" when aaaaaaaaaaaaaaaaaaaa or bbbbbbbbbbbbbbbbbbbbbbbbbbbb and cccccccccccccccccccc or ddddddddddddddddddddddd <= 1 mg\n";
    assert_eq!(
        fmt(long),
        "derive d \"D\"\n  when aaaaaaaaaaaaaaaaaaaa\n    or bbbbbbbbbbbbbbbbbbbbbbbbbbbb and cccccccccccccccccccc\n    or ddddddddddddddddddddddd <= 1 mg\n"
    );
    // A line of exactly 100 columns stays whole.
    let name = "n".repeat(100 - "  when x or ".len());
    let fits = format!("derive d \"D\"\n  when x or {name}\n");
    assert_eq!(fits.lines().nth(1).unwrap().chars().count(), 100);
    assert_eq!(fmt(&fits), fits);
}

#[test]
fn groups_fill_lines_to_one_hundred_columns() {
    let members: Vec<String> = (0..30).map(|i| format!("member_{i:02}")).collect();
    let text = format!("group g \"G\" = {}", members.join(", "));
    let formatted = fmt(&text);
    let lines: Vec<&str> = formatted.lines().collect();
    assert_eq!(lines[0], "group g \"G\" =");
    assert!(lines[1..].iter().all(|line| line.starts_with("  member_") && line.len() <= 100), "{formatted}");
    assert!(lines[1..lines.len() - 1].iter().all(|line| line.ends_with(',') && line.len() > 100 - 11));
    assert_eq!(fmt("group g \"G\" =\n  a,\n  b\n"), "group g \"G\" = a, b\n");
}

#[test]
fn blank_lines_follow_the_item_kinds() {
    let text = "input a: flag \"A\"\ninput b: flag \"B\"\n\n\n\ninput c: flag \"C\"\ngroup g \"G\" = a\n\
                derive d \"D\" when a\nrecommend r \"R\" when d\ntitle \"T\"\n";
    assert_eq!(
        fmt(text),
        "title \"T\"\n\ninput a: flag \"A\"\ninput b: flag \"B\"\n\ninput c: flag \"C\"\n\n\
         group g \"G\" = a\n\nderive d \"D\"\n  when a\n\nrecommend r \"R\"\n  when d\n"
    );
}

#[test]
fn comments_stay_beside_their_code() {
    let text = "// file\n\ninput a: flag \"A\"   // why a\n// before b\ninput b: flag \"B\"\n\
                derive d \"D\" // head\n// before when\n when a // after when\n // at the end\n";
    assert_eq!(
        fmt(text),
        "// file\n\ninput a: flag \"A\"  // why a\n// before b\ninput b: flag \"B\"\n\n\
         derive d \"D\"  // head\n  // before when\n  when a  // after when\n// at the end\n"
    );
}

#[test]
fn the_opening_comment_stays_on_top_when_metadata_moves_up() {
    let text = "// header\n\n// about a\ninput a: flag \"A\"\ntitle \"T\"\n";
    assert_eq!(fmt(text), "// header\n\ntitle \"T\"\n\n// about a\ninput a: flag \"A\"\n");
}

#[test]
fn crlf_and_trailing_whitespace_are_normalised() {
    assert_eq!(fmt("input a: flag \"A\"  \r\n// note  \r\n"), "input a: flag \"A\"\n// note\n");
}

#[test]
fn syntax_errors_are_reported_not_formatted() {
    let source = SourceFile::new("bad.warrant", "input a flag \"A\"");
    let diagnostics = format_source(FileId(0), &source).unwrap_err();
    assert_eq!(diagnostics[0].code, "E0101");
}

// ---------------------------------------------------------------- generated files

const KEYWORDS: &[&str] = &[
    "title",
    "version",
    "reviewed",
    "input",
    "flag",
    "list",
    "loinc",
    "molar_mass",
    "group",
    "derive",
    "recommend",
    "test",
    "warn",
    "limit",
    "when",
    "unless",
    "form",
    "dose",
    "to",
    "daily",
    "timing",
    "take_with",
    "separate_from",
    "by",
    "strength",
    "strong",
    "conditional",
    "cite",
    "supports",
    "refutes",
    "mixed",
    "caveat",
    "and",
    "or",
    "not",
    "known",
    "unknown",
    "has",
    "inform",
    "below",
    "above",
    "range",
    "slot",
    "at",
    "provides",
    "contains",
    "population",
    "for",
    "is",
    "older",
    "than",
    "aliases",
    "valid_for",
    "certainty",
    "plausible",
    "codes",
    "term",
];

/// Names, including some that start with a keyword (`notable`, `order`).
fn name() -> impl Strategy<Value = String> {
    let tricky = select(vec![
        "notable",
        "order",
        "android",
        "known_risk",
        "ranger",
        "to_do",
        "hashish",
        "a",
        "island",
        "format",
        "thanks",
    ]);
    let letters: Vec<char> = "abcdefghijklmnopqrstuvwxyz".chars().collect();
    let rest: Vec<char> = "abcdefghijklmnopqrstuvwxyz0123456789_".chars().collect();
    let random = (select(letters), prop::collection::vec(select(rest), 0..8))
        .prop_map(|(first, rest)| std::iter::once(first).chain(rest).collect::<String>())
        .prop_filter("not a keyword", |name| !KEYWORDS.contains(&name.as_str()));
    let long = random.clone().prop_map(|name| format!("{name}_with_a_long_name"));
    prop_oneof![2 => tricky.prop_map(String::from), 6 => random, 1 => long]
}

fn names(max: usize) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(name(), 1..=max)
}

/// Tokens of a comma-separated list of names.
fn list_tokens(names: Vec<String>) -> Vec<String> {
    let mut tokens = Vec::new();
    for (index, name) in names.into_iter().enumerate() {
        if index > 0 {
            tokens.push(String::from(","));
        }
        tokens.push(name);
    }
    tokens
}

fn unit() -> impl Strategy<Value = String> {
    select(vec!["ng/mL", "%", "mg", "h", "pmol/L", "µg/L", "g", "mg/dL", "IU", "mcg"]).prop_map(String::from)
}

/// A number as an author might write it: `75`, `075`, `1.50`, a long one.
fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u64..100_000).prop_map(|n| n.to_string()),
        (0u64..1000, 0u64..10_000).prop_map(|(whole, fraction)| format!("{whole}.{fraction}")),
        (0u64..100).prop_map(|n| format!("00{n}.500")),
        Just(String::from("123456789012345678901234567890.000000000000000000001")),
    ]
}

fn quantity(unit_required: bool) -> BoxedStrategy<Vec<String>> {
    let unit = if unit_required { unit().prop_map(Some).boxed() } else { prop::option::of(unit()).boxed() };
    (number(), unit).prop_map(|(number, unit)| std::iter::once(number).chain(unit).collect()).boxed()
}

/// A string literal: quotes, backslashes, `//` and non-ASCII inside.
fn string() -> impl Strategy<Value = String> {
    let chars: Vec<char> = "ab z\"\\/µé@.%-".chars().collect();
    prop::collection::vec(select(chars), 0..14).prop_map(|chars| {
        let text: String = chars.into_iter().collect();
        format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
    })
}

fn comment() -> impl Strategy<Value = String> {
    let chars: Vec<char> = "ab z\"\\/µé@\t.%-".chars().collect();
    prop::collection::vec(select(chars), 0..16)
        .prop_map(|chars| format!("//{}", chars.into_iter().collect::<String>()))
}

/// A condition tree; `bool` asks for optional parentheses around a compound.
#[derive(Debug, Clone)]
enum Cond {
    Leaf(Vec<String>),
    And(Vec<Cond>, bool),
    Or(Vec<Cond>, bool),
    Not(Box<Cond>),
}

fn condition() -> impl Strategy<Value = Cond> {
    let comparator = select(vec!["<", "<=", ">", ">="]);
    let leaf = prop_oneof![
        name().prop_map(|n| vec![n]),
        name().prop_map(|n| vec![String::from("known"), n]),
        name().prop_map(|n| vec![String::from("unknown"), n]),
        (name(), select(vec!["below", "above"])).prop_map(|(n, side)| vec![n, side.into(), "range".into()]),
        (name(), comparator, quantity(false)).prop_map(|(n, c, q)| [vec![n, c.into()], q].concat()),
        (name(), name()).prop_map(|(list, item)| vec![list, String::from("has"), item]),
        (name(), name()).prop_map(|(subject, value)| vec![subject, String::from("is"), value]),
        (name(), quantity(true)).prop_map(|(n, q)| [vec![n, "older".into(), "than".into()], q].concat()),
    ]
    .prop_map(Cond::Leaf);
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            (prop::collection::vec(inner.clone(), 2..5), any::<bool>()).prop_map(|(c, p)| Cond::And(c, p)),
            (prop::collection::vec(inner.clone(), 2..5), any::<bool>()).prop_map(|(c, p)| Cond::Or(c, p)),
            inner.prop_map(|c| Cond::Not(Box::new(c))),
        ]
    })
}

/// Tokens of a condition whose parent binds with `parent` (0 or, 1 and,
/// 2 not): parentheses where the precedence needs them, and where asked.
fn condition_tokens(cond: &Cond, parent: u8, tokens: &mut Vec<String>) {
    let (level, optional) = match cond {
        Cond::Leaf(leaf) => {
            tokens.extend(leaf.iter().cloned());
            return;
        }
        Cond::Or(_, optional) => (0, *optional),
        Cond::And(_, optional) => (1, *optional),
        Cond::Not(_) => (2, false),
    };
    let parenthesised = level < parent || (optional && level < 2);
    if parenthesised {
        tokens.push(String::from("("));
    }
    match cond {
        Cond::Or(operands, _) | Cond::And(operands, _) => {
            let operator = if level == 0 { "or" } else { "and" };
            for (index, operand) in operands.iter().enumerate() {
                if index > 0 {
                    tokens.push(String::from(operator));
                }
                condition_tokens(operand, level, tokens);
            }
        }
        Cond::Not(inner) => {
            tokens.push(String::from("not"));
            condition_tokens(inner, 2, tokens);
        }
        Cond::Leaf(_) => {}
    }
    if parenthesised {
        tokens.push(String::from(")"));
    }
}

fn clause() -> impl Strategy<Value = Vec<String>> {
    let stance = select(vec!["supports", "refutes", "mixed"]);
    let graded = prop::option::of(name().prop_map(|level| vec![String::from("certainty"), level]));
    let citation = (name(), stance, graded).prop_map(|(id, stance, graded)| {
        [vec![id, String::from(stance)], graded.unwrap_or_default()].concat()
    });
    prop_oneof![
        (select(vec!["when", "unless"]), condition()).prop_map(|(keyword, cond)| {
            let mut tokens = vec![String::from(keyword)];
            condition_tokens(&cond, 0, &mut tokens);
            tokens
        }),
        string().prop_map(|s| vec![String::from("form"), s]),
        (number(), number(), unit()).prop_map(|(low, high, unit)| {
            vec!["dose".into(), low, "to".into(), high, unit, "daily".into()]
        }),
        names(3).prop_map(|n| [vec![String::from("timing")], list_tokens(n)].concat()),
        names(3).prop_map(|n| [vec![String::from("take_with")], list_tokens(n)].concat()),
        names(3).prop_map(|n| [vec![String::from("contains")], list_tokens(n)].concat()),
        (names(4), quantity(false)).prop_map(|(n, gap)| {
            [vec![String::from("separate_from")], list_tokens(n), vec![String::from("by")], gap].concat()
        }),
        select(vec!["strong", "conditional"]).prop_map(|s| vec![String::from("strength"), s.into()]),
        prop::collection::vec(citation, 1..5).prop_map(|citations| {
            let mut tokens = vec![String::from("cite")];
            for (index, citation) in citations.into_iter().enumerate() {
                if index > 0 {
                    tokens.push(String::from(","));
                }
                tokens.extend(citation);
            }
            tokens
        }),
        string().prop_map(|s| vec![String::from("caveat"), s]),
        name().prop_map(|population| vec![String::from("for"), population]),
        (name(), select(vec!["<", "<=", ">", ">="]), quantity(false)).prop_map(|(n, c, q)| [
            vec![String::from("daily"), n, c.into()],
            q
        ]
        .concat()),
    ]
}

fn item() -> impl Strategy<Value = Vec<String>> {
    let kind = prop_oneof![
        Just(vec![String::from("flag")]),
        Just(vec![String::from("list")]),
        (name(), unit()).prop_map(|(dimension, unit)| vec![dimension, unit]),
    ];
    let loinc = prop::option::of(
        prop::collection::vec(string(), 1..3)
            .prop_map(|codes| [vec![String::from("loinc")], list_tokens(codes)].concat()),
    );
    let molar = prop::option::of(number().prop_map(|n| vec![String::from("molar_mass"), n, "g/mol".into()]));
    let aliases =
        prop::option::of(names(3).prop_map(|n| [vec![String::from("aliases")], list_tokens(n)].concat()));
    let valid_for =
        prop::option::of(quantity(true).prop_map(|q| [vec![String::from("valid_for")], q].concat()));
    let plausible = prop::option::of(
        (number(), number(), unit())
            .prop_map(|(low, high, unit)| vec!["plausible".into(), low, "to".into(), high, unit]),
    );
    let input_codes = prop::option::of(codes());
    let input =
        (name(), kind, string(), (loinc, molar, aliases, valid_for, plausible, input_codes), any::<bool>())
            .prop_map(|(name, kind, label, (loinc, molar, aliases, valid_for, plausible, codes), swap)| {
                let mut options = [
                    loinc.unwrap_or_default(),
                    molar.unwrap_or_default(),
                    aliases.unwrap_or_default(),
                    valid_for.unwrap_or_default(),
                    plausible.unwrap_or_default(),
                    codes.unwrap_or_default(),
                ];
                if swap {
                    options.reverse();
                }
                [vec![String::from("input"), name, String::from(":")], kind, vec![label], options.concat()]
                    .concat()
            });
    let term = (name(), string(), codes())
        .prop_map(|(name, label, codes)| [vec![String::from("term"), name, label], codes].concat());
    let group = (name(), string(), names(24)).prop_map(|(name, label, members)| {
        [vec![String::from("group"), name, label, String::from("=")], list_tokens(members)].concat()
    });
    let rule = (
        select(vec!["derive", "population", "recommend", "test", "warn", "limit", "inform"]),
        name(),
        string(),
        prop::collection::vec(clause(), 0..6),
    )
        .prop_map(|(kind, name, label, clauses)| {
            [vec![String::from(kind), name, label], clauses.concat()].concat()
        });
    let slot = (name(), string(), quantity(false), names(3)).prop_map(|(name, label, time, provides)| {
        [
            vec![String::from("slot"), name, label, String::from("at")],
            time,
            vec![String::from("provides")],
            list_tokens(provides),
        ]
        .concat()
    });
    prop_oneof![3 => input, 1 => group, 1 => term, 1 => slot, 4 => rule]
}

fn metadata() -> impl Strategy<Value = Vec<(usize, Vec<String>)>> {
    let date = (1000u16..10000, 1u8..=12, 1u8..=28).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"));
    (
        prop::option::of((any::<usize>(), string()).prop_map(|(at, s)| (at, vec![String::from("title"), s]))),
        prop::option::of(
            (any::<usize>(), string()).prop_map(|(at, s)| (at, vec![String::from("version"), s])),
        ),
        prop::option::of((any::<usize>(), date).prop_map(|(at, d)| (at, vec![String::from("reviewed"), d]))),
        // After a rule's header `for` is the rule's clause; the file's stands first.
        prop::option::of(name().prop_map(|n| (0, vec![String::from("for"), n]))),
    )
        .prop_map(|(title, version, reviewed, population)| {
            [title, version, reviewed, population].into_iter().flatten().collect()
        })
}

/// What goes between two tokens: whitespace, line breaks, blank lines and
/// comments on their own lines or after code.
fn separator() -> impl Strategy<Value = String> {
    prop_oneof![
        10 => Just(String::from(" ")),
        3 => Just(String::from("\n  ")),
        2 => Just(String::from("\n")),
        1 => Just(String::from("\n\n")),
        1 => Just(String::from(" \t  ")),
        1 => Just(String::from("\r\n")),
        1 => comment().prop_map(|c| format!(" {c}\n")),
        1 => comment().prop_map(|c| format!("\n{c}\n")),
        1 => (comment(), comment()).prop_map(|(a, b)| format!("\n\n    {a}\n\n{b}\n  ")),
    ]
}

/// A random but valid rule file, laid out at random.
/// `codes snomed "...", rxnorm "..."`: any names as systems (`check`
/// judges them, not the parser).
fn codes() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec((name(), string()), 1..3).prop_map(|codes| {
        let mut tokens = vec![String::from("codes")];
        for (index, (system, code)) in codes.into_iter().enumerate() {
            if index > 0 {
                tokens.push(String::from(","));
            }
            tokens.extend([system, code]);
        }
        tokens
    })
}

fn rule_file() -> impl Strategy<Value = String> {
    (prop::collection::vec(item(), 0..8), metadata())
        .prop_map(|(mut items, metadata)| {
            for (at, meta) in metadata {
                let at = at % (items.len() + 1);
                items.insert(at, meta);
            }
            items.concat()
        })
        .prop_flat_map(|tokens| {
            let count = tokens.len() + 1;
            (Just(tokens), prop::collection::vec(separator(), count))
        })
        .prop_map(|(tokens, separators)| {
            let mut text = String::new();
            for (separator, token) in separators.iter().zip(tokens.iter().map(Some).chain([None])) {
                text.push_str(separator);
                if let Some(token) = token {
                    text.push_str(token);
                }
            }
            text
        })
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn generated_files_round_trip_and_are_idempotent(text in rule_file()) {
        prop_assert!(!tree(&text).starts_with("error"), "the generator made an invalid file:\n{}\n{}", text, tree(&text));
        assert_formats_faithfully(&text)?;
    }
}

// ---------------------------------------------------------------- shuffled whitespace

/// The text with its whitespace between tokens changed (spaces and tabs
/// added or removed, lines broken, indentation changed, `\r\n` line ends),
/// but not what the layout reads from it: a comment after code stays after
/// code, an own-line comment stays on its own line, and a blank line stays
/// blank (and no new one appears).
fn shuffle_whitespace(text: &str, choices: &[u8]) -> String {
    let pieces = pieces(text);
    let mut choices = choices.iter().copied().cycle();
    let mut next = move || choices.next().unwrap_or(0);
    let spaces = |next: &mut dyn FnMut() -> u8, max: u8| -> String {
        (0..next() % (max + 1)).map(|_| if next() % 3 == 0 { '\t' } else { ' ' }).collect()
    };
    let mut out = String::new();
    for (index, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Whitespace(run) => {
                let breaks = run.matches('\n').count();
                let before_comment = matches!(pieces.get(index + 1), Some(Piece::Comment(_)));
                if breaks == 0 {
                    out.push(' ');
                    out.push_str(&spaces(&mut next, 3));
                    if !before_comment && index > 0 && next() % 4 == 0 {
                        out.push('\n');
                        out.push_str(&spaces(&mut next, 6));
                    }
                } else {
                    let breaks = if breaks == 1 { 1 } else { 2 + usize::from(next() % 2) };
                    for _ in 0..breaks {
                        out.push_str(&spaces(&mut next, 2));
                        out.push_str(if next() % 5 == 0 { "\r\n" } else { "\n" });
                    }
                    out.push_str(&spaces(&mut next, 6));
                }
            }
            Piece::Other(text)
                if [",", ":", "=", "(", ")"].contains(text)
                    && !matches!(pieces.get(index.wrapping_sub(1)), Some(Piece::Other("<" | ">"))) =>
            {
                // Spaces (never a line break) around punctuation written tight.
                if index > 0 && !matches!(pieces.get(index - 1), Some(Piece::Whitespace(_))) {
                    out.push_str(&spaces(&mut next, 2));
                }
                out.push_str(text);
                if matches!(pieces.get(index + 1), Some(Piece::Other(_))) {
                    out.push_str(&spaces(&mut next, 2));
                }
            }
            Piece::Comment(text) | Piece::Other(text) => out.push_str(text),
        }
    }
    out
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn bundled_rules_with_shuffled_whitespace_format_back(
        file in 0usize..8,
        choices in prop::collection::vec(any::<u8>(), 1..64),
    ) {
        let rules = bundled_rules();
        let (path, original) = &rules[file % rules.len()];
        let shuffled = shuffle_whitespace(original, &choices);
        prop_assert_eq!(tree(&shuffled), tree(original), "{}: the shuffle changed the tree", path.display());
        prop_assert_eq!(fmt(&shuffled), fmt(original), "{}:\n{}", path.display(), shuffled);
    }
}

// ---------------------------------------------------------------- command line

const UNFORMATTED: &str = "input a:flag \"A\"   // the flag\nderive d \"D\" when a cite x supports\n";

fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

#[test]
fn check_lists_the_files_that_would_change_and_changes_nothing() {
    let dir = dir_with(&[("a.warrant", UNFORMATTED), ("b.warrant", "input b: flag \"B\"\n")]);
    let path = dir.path().join("a.warrant");
    warrant()
        .arg("fmt")
        .arg("--check")
        .arg(dir.path())
        .assert()
        .code(3)
        .stdout(format!("{}\n", path.display()));
    assert_eq!(fs::read(&path).unwrap(), UNFORMATTED.as_bytes());
    assert_eq!(names_in(dir.path()), ["a.warrant", "b.warrant"]);
}

#[test]
fn fmt_rewrites_the_file_and_then_check_passes() {
    let dir = dir_with(&[("a.warrant", UNFORMATTED)]);
    let path = dir.path().join("a.warrant");
    warrant().arg("fmt").arg(&path).assert().code(0).stdout("");
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "input a: flag \"A\"  // the flag\n\nderive d \"D\"\n  when a\n  cite x supports\n"
    );
    assert_eq!(names_in(dir.path()), ["a.warrant"], "no temporary file is left behind");
    warrant().arg("fmt").arg("--check").arg(dir.path()).assert().code(0).stdout("");
}

#[test]
fn a_file_with_a_syntax_error_is_reported_and_left_alone() {
    let broken = "input a flag \"A\"\n";
    let dir = dir_with(&[("bad.warrant", broken), ("good.warrant", UNFORMATTED)]);
    for check in [true, false] {
        let mut command = warrant();
        command.arg("fmt");
        if check {
            command.arg("--check");
        }
        command.arg(dir.path()).assert().code(1).stderr(predicates::str::contains("error[E0101]"));
        assert_eq!(fs::read_to_string(dir.path().join("bad.warrant")).unwrap(), broken);
    }
    // The file that parses was still formatted.
    assert_eq!(fs::read_to_string(dir.path().join("good.warrant")).unwrap(), fmt(UNFORMATTED));
}

#[test]
fn without_a_path_fmt_formats_the_rules_directory() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("rules")).unwrap();
    fs::write(dir.path().join("rules/a.warrant"), UNFORMATTED).unwrap();
    warrant().current_dir(dir.path()).args(["fmt", "--check"]).assert().code(3).stdout("rules/a.warrant\n");
    warrant().current_dir(dir.path()).arg("fmt").assert().code(0);
    assert_eq!(fs::read_to_string(dir.path().join("rules/a.warrant")).unwrap(), fmt(UNFORMATTED));
    // The bundled rules are formatted.
    warrant().args(["fmt", "--check"]).assert().code(0).stdout("");
}

#[test]
fn a_missing_path_is_an_input_error() {
    warrant()
        .args(["fmt", "--check", "no/such/rules.warrant"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("cannot read `no/such/rules.warrant`"));
}
