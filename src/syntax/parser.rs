//! The pest parser for `grammar/warrant.pest`, and the translation of its
//! errors into diagnostics written in words rather than grammar rule names.

use pest::error::{ErrorVariant, InputLocation};
use pest_derive::Parser;

use crate::diagnostic::Diagnostic;
use crate::limits::CONDITION_DEPTH;
use crate::span::{FileId, Span};
use crate::suggest::did_you_mean;

#[derive(Parser)]
#[grammar = "grammar/warrant.pest"]
pub(super) struct WarrantParser;

/// Refuses parentheses nested deeper than [`CONDITION_DEPTH`] before
/// parsing: pest descends once per parenthesis, so hostile input could
/// exhaust its stack. (Lowering counts `not`s too.)
pub(super) fn check_bounds(file: FileId, text: &str) -> Result<(), Diagnostic> {
    let mut depth = 0usize;
    let mut in_string = false;
    // Bytes, not chars: every byte looked at is ASCII, and in UTF-8 an
    // ASCII byte is never part of a longer character.
    let mut bytes = text.bytes().enumerate().peekable();
    while let Some((at, byte)) = bytes.next() {
        match byte {
            b'"' => in_string = !in_string,
            b'\\' if in_string => {
                bytes.next();
            }
            b'/' if !in_string && bytes.peek().is_some_and(|&(_, next)| next == b'/') => {
                while bytes.next_if(|&(_, next)| next != b'\n').is_some() {}
            }
            b'(' if !in_string => {
                depth += 1;
                if depth > CONDITION_DEPTH {
                    return Err(Diagnostic::error(
                        "E0102",
                        format!("conditions are nested more than {CONDITION_DEPTH} parentheses deep"),
                    )
                    .primary(Span::new(file, at..at + 1), "too deep here")
                    .help("name inner parts of the condition with `derive` and refer to them by name"));
                }
            }
            b')' if !in_string => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// A pest error as a diagnostic: where, what was expected, what was found.
/// The error is from parsing `text` from `offset` on.
pub(super) fn syntax_error(
    file: FileId,
    text: &str,
    offset: usize,
    error: &pest::error::Error<Rule>,
) -> Diagnostic {
    let at = offset
        + match error.location {
            InputLocation::Pos(at) => at,
            InputLocation::Span((start, _)) => start,
        };
    // At the end of the text, point just after its last word, not at the
    // blank line after it.
    let at_end = text.get(at..).is_some_and(|rest| rest.trim().is_empty());
    let at = if at_end { text.get(..at).map_or(at, |before| before.trim_end().len()) } else { at };
    let found = if at_end { "" } else { token_at(text, at) };
    let expected = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => describe_expected(positives),
        ErrorVariant::CustomError { message } => message.clone(),
    };
    let found_words =
        if found.is_empty() { String::from("the end of the file") } else { format!("`{found}`") };
    let span = Span::new(file, at..at + found.len());
    let keywords: Vec<&str> = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            positives.iter().filter_map(|r| keyword_of(*r)).collect()
        }
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    let help = number_hint(text, at)
        .map(String::from)
        .or_else(|| did_you_mean(found, keywords.iter().copied()))
        .or_else(|| hint_for(found).map(String::from));
    let label =
        if expected.len() <= 40 { format!("expected {expected}") } else { String::from("not expected here") };
    Diagnostic::error("E0101", format!("expected {expected}, found {found_words}"))
        .primary(span, label)
        .maybe_help(help)
}

/// A hint for common slips that the expected-token list does not explain.
fn hint_for(found: &str) -> Option<&'static str> {
    if found == "\"" {
        Some("a string must end with `\"` on the same line")
    } else if found.starts_with('#') {
        Some("comments start with `//`")
    } else if found.starts_with('\'') {
        Some("strings are written in double quotes")
    } else if found == "&&" || found == "||" || found == "!" {
        Some("write `and`, `or` and `not` as words")
    } else if found == "≤" || found == "=<" {
        Some("write less than or equal as `<=`")
    } else if found == "≥" || found == "=>" {
        Some("write greater than or equal as `>=`")
    } else if found == "=" || found == "==" || found == "!=" || found == "≠" {
        Some("compare quantities with `<`, `<=`, `>` or `>=`; test list membership with `has`")
    } else {
        None
    }
}

/// A hint for a number written in a way the language does not read, when
/// the error at `at` is in or just after one.
fn number_hint(text: &str, at: usize) -> Option<&'static str> {
    let digit_at = |offset: Option<usize>| {
        offset
            .and_then(|offset| text.get(offset..))
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
    };
    if exponent_around(text, at) {
        Some(super::WRITE_NUMBERS_IN_FULL)
    } else if text.get(at..).is_some_and(|rest| rest.starts_with(','))
        && digit_at(at.checked_sub(1))
        && digit_at(Some(at + 1))
    {
        Some("write decimals with a point: `75.5`, not `75,5`")
    } else {
        None
    }
}

/// Whether the word at `at`, or the one before it, is a number written
/// with an exponent: `1e4 ng/mL` fails at the unit after the `e4` read as
/// one, and `1e-4` at its `-`.
fn exponent_around(text: &str, at: usize) -> bool {
    let ends_word = |c: char| c.is_whitespace() || matches!(c, '(' | ')' | ',');
    let (before, after) = (text.get(..at).unwrap_or(""), text.get(at..).unwrap_or(""));
    let here = before.rsplit(ends_word).next().unwrap_or("").to_owned()
        + after.split(ends_word).next().unwrap_or("");
    let previous = before.trim_end().rsplit(ends_word).next().unwrap_or("");
    // A name such as `e4` is not a number.
    let number =
        |word: &str| word.starts_with(|c: char| c.is_ascii_digit()) && super::written_with_exponent(word);
    number(&here) || number(previous)
}

/// The word, number or symbol that starts at `at`.
fn token_at(text: &str, at: usize) -> &str {
    let rest = text.get(at..).unwrap_or("");
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '.' || c == '/' || c == 'µ';
    let end = match rest.chars().next() {
        None => 0,
        Some(c) if is_word(c) => rest.find(|c: char| !is_word(c)).unwrap_or(rest.len()),
        Some(_) => rest
            .find(|c: char| c.is_alphanumeric() || c.is_whitespace() || c == '"')
            .filter(|&end| end > 0)
            .unwrap_or_else(|| rest.chars().next().map_or(0, char::len_utf8)),
    };
    rest.get(..end).unwrap_or("")
}

/// What a file may start with: any item's keyword, or its end.
const FILE_START: [Rule; 16] = [
    Rule::KW_TITLE,
    Rule::KW_VERSION,
    Rule::KW_REVIEWED,
    Rule::KW_FOR,
    Rule::KW_POPULATION,
    Rule::KW_INPUT,
    Rule::KW_GROUP,
    Rule::KW_TERM,
    Rule::KW_DERIVE,
    Rule::KW_RECOMMEND,
    Rule::KW_TEST,
    Rule::KW_WARN,
    Rule::KW_LIMIT,
    Rule::KW_INFORM,
    Rule::KW_SLOT,
    Rule::EOI,
];

const ITEM_KEYWORDS: &[Rule] = match FILE_START.split_last() {
    Some((_end, items)) => items,
    None => &[],
};

const CLAUSE_KEYWORDS: [Rule; 13] = [
    Rule::KW_WHEN,
    Rule::KW_UNLESS,
    Rule::KW_FORM,
    Rule::KW_DOSE,
    Rule::KW_TIMING,
    Rule::KW_TAKE_WITH,
    Rule::KW_SEPARATE_FROM,
    Rule::KW_STRENGTH,
    Rule::KW_CITE,
    Rule::KW_CAVEAT,
    Rule::KW_DAILY,
    Rule::KW_CONTAINS,
    Rule::KW_FOR,
];

/// The keyword rules a rule starts with, so that a failed item or clause
/// is described by its keyword and families of them can be recognised.
fn leading_keywords(rule: Rule) -> &'static [Rule] {
    match rule {
        Rule::title_decl => &[Rule::KW_TITLE],
        Rule::version_decl => &[Rule::KW_VERSION],
        Rule::reviewed_decl => &[Rule::KW_REVIEWED],
        Rule::for_decl | Rule::for_clause => &[Rule::KW_FOR],
        Rule::population_decl => &[Rule::KW_POPULATION],
        Rule::input_decl => &[Rule::KW_INPUT],
        Rule::group_decl => &[Rule::KW_GROUP],
        Rule::derive_decl => &[Rule::KW_DERIVE],
        Rule::outcome_decl | Rule::outcome_kind => {
            &[Rule::KW_RECOMMEND, Rule::KW_TEST, Rule::KW_WARN, Rule::KW_LIMIT, Rule::KW_INFORM]
        }
        Rule::when_clause => &[Rule::KW_WHEN],
        Rule::unless_clause => &[Rule::KW_UNLESS],
        Rule::form_clause => &[Rule::KW_FORM],
        Rule::dose_clause => &[Rule::KW_DOSE],
        Rule::timing_clause => &[Rule::KW_TIMING],
        Rule::take_with_clause => &[Rule::KW_TAKE_WITH],
        Rule::separate_clause => &[Rule::KW_SEPARATE_FROM],
        Rule::strength_clause => &[Rule::KW_STRENGTH],
        Rule::cite_clause => &[Rule::KW_CITE],
        Rule::caveat_clause => &[Rule::KW_CAVEAT],
        Rule::daily_clause => &[Rule::KW_DAILY],
        Rule::contains_clause => &[Rule::KW_CONTAINS],
        Rule::slot_decl => &[Rule::KW_SLOT],
        Rule::term_decl => &[Rule::KW_TERM],
        // At the very start pest reports the whole file: any item or the end.
        Rule::file => &FILE_START,
        _ => &[],
    }
}

/// The rules pest expected, with items and clauses replaced by their keywords.
fn expected_rules(positives: &[Rule]) -> Vec<Rule> {
    let mut rules = Vec::new();
    for &rule in positives {
        let keywords = leading_keywords(rule);
        let replaced: &[Rule] = if keywords.is_empty() { std::slice::from_ref(&rule) } else { keywords };
        for &r in replaced {
            if !rules.contains(&r) {
                rules.push(r);
            }
        }
    }
    rules
}

/// "a clause (`when`, `cite`, ...), a new item (...) or the end of the file".
fn describe_expected(positives: &[Rule]) -> String {
    let expected = expected_rules(positives);
    let has_all = |family: &[Rule]| family.iter().all(|r| expected.contains(r));
    let mut phrases: Vec<String> = Vec::new();
    let mut covered: Vec<Rule> = Vec::new();
    if has_all(&CLAUSE_KEYWORDS) {
        phrases.push(String::from("a clause (`when`, `unless`, `cite`, `caveat`, ...)"));
        covered.extend(CLAUSE_KEYWORDS);
    }
    if has_all(ITEM_KEYWORDS) {
        phrases.push(String::from("a new item (`input`, `derive`, `recommend`, ...)"));
        covered.extend_from_slice(ITEM_KEYWORDS);
    }
    for rule in expected {
        if covered.contains(&rule) {
            continue;
        }
        let phrase = describe(rule).to_string();
        if !phrases.contains(&phrase) {
            phrases.push(phrase);
        }
    }
    match phrases.as_slice() {
        [] => String::from("something else"),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The keyword a keyword rule matches, for did-you-mean.
fn keyword_of(rule: Rule) -> Option<&'static str> {
    let phrase = describe(rule);
    phrase
        .strip_prefix('`')
        .and_then(|p| p.strip_suffix('`'))
        .filter(|p| p.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
}

/// A grammar rule in words.
fn describe(rule: Rule) -> &'static str {
    match rule {
        Rule::EOI => "the end of the file",
        Rule::ident | Rule::subject | Rule::fact => "a name",
        Rule::ident_list => "a list of names",
        Rule::string | Rule::string_inner | Rule::label => "a quoted string",
        Rule::number => "a number",
        Rule::unit => "a unit such as `ng/mL`",
        Rule::quantity | Rule::eof_quantity => "a quantity such as `75 ng/mL`",
        Rule::comparator => "a comparison (`<`, `<=`, `>` or `>=`)",
        Rule::date => "a date such as `2026-01-31`",
        Rule::condition | Rule::conjunction | Rule::negation | Rule::eof_condition => "a condition",
        Rule::comparison => "a comparison such as `ferritin <= 75 ng/mL`",
        Rule::membership => "a membership test such as `medications has ssri`",
        Rule::strength => "`strong` or `conditional`",
        Rule::stance => "`supports`, `refutes` or `mixed`",
        Rule::citation => "an evidence id and its stance",
        Rule::outcome_kind => "`recommend`, `test`, `warn`, `limit` or `inform`",
        Rule::range_test => "a range test such as `vitamin_b12 below range`",
        Rule::age_test => "a lab's age such as `ferritin older than 12 months`",
        Rule::choice_test => "a test such as `sex is female`",
        Rule::flag_type | Rule::list_type | Rule::lab_type => {
            "an input type (`flag`, `list`, or a dimension and a unit)"
        }
        Rule::KW_TITLE => "`title`",
        Rule::KW_VERSION => "`version`",
        Rule::KW_REVIEWED => "`reviewed`",
        Rule::KW_INPUT => "`input`",
        Rule::KW_FLAG => "`flag`",
        Rule::KW_LIST => "`list`",
        Rule::KW_LOINC => "`loinc`",
        Rule::KW_MOLAR_MASS => "`molar_mass`",
        Rule::KW_GROUP => "`group`",
        Rule::KW_DERIVE => "`derive`",
        Rule::KW_RECOMMEND => "`recommend`",
        Rule::KW_TEST => "`test`",
        Rule::KW_WARN => "`warn`",
        Rule::KW_LIMIT => "`limit`",
        Rule::KW_WHEN => "`when`",
        Rule::KW_UNLESS => "`unless`",
        Rule::KW_FORM => "`form`",
        Rule::KW_DOSE => "`dose`",
        Rule::KW_TO => "`to`",
        Rule::KW_DAILY => "`daily`",
        Rule::KW_TIMING => "`timing`",
        Rule::KW_TAKE_WITH => "`take_with`",
        Rule::KW_SEPARATE_FROM => "`separate_from`",
        Rule::KW_BY => "`by`",
        Rule::KW_STRENGTH => "`strength`",
        Rule::KW_STRONG => "`strong`",
        Rule::KW_CONDITIONAL => "`conditional`",
        Rule::KW_CITE => "`cite`",
        Rule::KW_SUPPORTS => "`supports`",
        Rule::KW_REFUTES => "`refutes`",
        Rule::KW_MIXED => "`mixed`",
        Rule::KW_CAVEAT => "`caveat`",
        Rule::KW_AND => "`and`",
        Rule::KW_OR => "`or`",
        Rule::KW_NOT | Rule::not_op => "`not`",
        Rule::KW_KNOWN | Rule::known_test => "`known`",
        Rule::KW_UNKNOWN | Rule::unknown_test => "`unknown`",
        Rule::KW_HAS => "`has`",
        Rule::KW_INFORM => "`inform`",
        Rule::KW_BELOW => "`below`",
        Rule::KW_ABOVE => "`above`",
        Rule::KW_RANGE => "`range`",
        Rule::KW_SLOT => "`slot`",
        Rule::KW_AT => "`at`",
        Rule::KW_PROVIDES => "`provides`",
        Rule::KW_CONTAINS => "`contains`",
        Rule::KW_POPULATION => "`population`",
        Rule::KW_FOR => "`for`",
        Rule::KW_IS => "`is`",
        Rule::KW_OLDER => "`older`",
        Rule::KW_THAN => "`than`",
        Rule::KW_ALIASES => "`aliases`",
        Rule::KW_VALID_FOR => "`valid_for`",
        Rule::KW_CERTAINTY | Rule::graded => "`certainty`",
        Rule::KW_PLAUSIBLE => "`plausible`",
        Rule::KW_CODES | Rule::codes => "`codes`",
        Rule::KW_TERM => "`term`",
        Rule::coded => "a code system and a code, such as `snomed \"32914008\"`",
        Rule::plausible => "`plausible ... to ...`",
        Rule::loinc => "`loinc \"...\"`",
        Rule::molar_mass => "`molar_mass ... g/mol`",
        Rule::aliases => "`aliases ...`",
        Rule::valid_for => "`valid_for ...`",
        _ => "something else",
    }
}
