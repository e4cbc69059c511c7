//! Stage one: rule-file text in, typed syntax tree ([`ast::RuleFile`]) out.
//!
//! Only this module names pest's `Pair` and `Rule`; everything downstream
//! works on the AST, whose nodes carry byte spans into the source.

pub mod ast;
mod comments;
mod lower;
mod parser;
pub mod print;

use pest::Parser as _;
use rayon::prelude::*;

use crate::diagnostic::Diagnostic;
use crate::span::{FileId, SourceFile};
use lower::Origin;
use parser::{Rule, WarrantParser};

/// Parses one rule file. Returns the syntax tree, or the diagnostics that
/// stopped it: every syntax error (one per item that has one), or every
/// slip found while lowering.
pub fn parse(file: FileId, source: &SourceFile) -> Result<ast::RuleFile, Vec<Diagnostic>> {
    parser::check_bounds(file, &source.text).map_err(|d| vec![d])?;
    let text = &source.text;
    let (rule_file, diagnostics) = match parse_in_pieces(file, text) {
        Some(parsed) => parsed,
        None => parse_whole(file, text)?,
    };
    if diagnostics.is_empty() { Ok(rule_file) } else { Err(diagnostics) }
}

/// The file parsed as one: its syntax errors, or its tree with the slips
/// lowering found.
fn parse_whole(file: FileId, text: &str) -> Result<(ast::RuleFile, Vec<Diagnostic>), Vec<Diagnostic>> {
    let mut pairs =
        WarrantParser::parse(Rule::file, text).map_err(|error| every_syntax_error(file, text, &error))?;
    let Some(root) = pairs.next() else {
        return Err(vec![Diagnostic::error("E0901", "internal error: the parser returned nothing")]);
    };
    Ok(lower::lower_file(root, Origin { file, offset: 0 }))
}

/// Files at least this long are parsed in pieces, spread over the cores.
const PARALLEL_FROM: usize = 256 * 1024;
/// About how long a piece is. Many small pieces rather than one per core:
/// pest's token queue for a piece then stays small, and the memory one
/// piece freed serves the next instead of fresh pages being faulted in.
const PIECE: usize = 64 * 1024;

/// A large file, parsed in pieces on every core: cut before items (never
/// before `for`, which after a rule is that rule's clause), each piece
/// parsed and lowered alone, the items joined in order. `None` when the
/// file is small, or when a piece does not parse or the pieces share what
/// only one file-level line may say: the whole file is then parsed as one,
/// so its errors are exactly those of a file parsed whole.
fn parse_in_pieces(file: FileId, text: &str) -> Option<(ast::RuleFile, Vec<Diagnostic>)> {
    if text.len() < PARALLEL_FROM || rayon::current_num_threads() < 2 {
        return None;
    }
    let mut cuts = vec![0];
    let (_for, item_keywords) = ITEMS.split_last()?;
    for start in item_starts(text, item_keywords) {
        if cuts.last().is_some_and(|&last| start >= last + PIECE) {
            cuts.push(start);
        }
    }
    let ends = cuts.iter().skip(1).copied().chain(std::iter::once(text.len()));
    let ranges: Vec<std::ops::Range<usize>> = cuts.iter().copied().zip(ends).map(|(s, e)| s..e).collect();
    let pieces: Option<Vec<(ast::RuleFile, Vec<Diagnostic>)>> = ranges
        .into_par_iter()
        .map(|range| {
            let root = WarrantParser::parse(Rule::file, text.get(range.clone())?).ok()?.next()?;
            Some(lower::lower_file(root, Origin { file, offset: range.start }))
        })
        .collect();
    let mut merged = ast::RuleFile::default();
    let mut diagnostics = Vec::new();
    for (index, (piece, problems)) in pieces?.into_iter().enumerate() {
        let once = |slot: bool, value: bool| !(slot && value);
        let fits = once(merged.title.is_some(), piece.title.is_some())
            && once(merged.version.is_some(), piece.version.is_some())
            && once(merged.reviewed.is_some(), piece.reviewed.is_some())
            && (index == 0 || piece.population.is_none());
        if !fits {
            return None;
        }
        merged.title = merged.title.or(piece.title);
        merged.version = merged.version.or(piece.version);
        merged.reviewed = merged.reviewed.or(piece.reviewed);
        merged.population = merged.population.or(piece.population);
        merged.items.extend(piece.items);
        diagnostics.extend(problems);
    }
    Some((merged, diagnostics))
}

/// The debug form of a syntax tree with every span blanked: equal for
/// trees parsed from text laid out differently, so it is what formatting
/// must keep. (A span prints as `file@start..end`.)
pub fn shape(tree: &impl std::fmt::Debug) -> String {
    let debug = format!("{tree:?}");
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug.as_str();
    while let Some((before, after)) = rest.split_once('@') {
        let range_len = after.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(after.len());
        if range_len == 0 {
            // An `@` that is not a span, inside a string.
            out.push_str(before);
            out.push('@');
        } else {
            out.push_str(before.trim_end_matches(|c: char| c.is_ascii_digit()));
            out.push('_');
        }
        rest = after.get(range_len..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// pest stops at the first error. To report the others, the file is cut
/// before each line that starts (unindented) with an item's keyword, and
/// each piece is parsed alone: one error per broken item. Strings cannot
/// span lines, so no cut falls inside one.
fn every_syntax_error(file: FileId, text: &str, first: &pest::error::Error<Rule>) -> Vec<Diagnostic> {
    let pieces = item_starts(text, &ITEMS);
    let ends = pieces.iter().skip(1).copied().chain(std::iter::once(text.len()));
    let errors: Vec<Diagnostic> = pieces
        .iter()
        .zip(ends)
        .filter_map(|(&start, end)| {
            let piece = text.get(start..end)?;
            let error = WarrantParser::parse(Rule::file, piece).err()?;
            Some(parser::syntax_error(file, text, start, &error))
        })
        .collect();
    // Cutting can only hide an error, never invent one; if it hid them all,
    // the whole file's error stands.
    if errors.is_empty() { vec![parser::syntax_error(file, text, 0, first)] } else { errors }
}

/// The keywords that start a top-level item; `for` last.
const ITEMS: [&str; 15] = [
    "title",
    "version",
    "reviewed",
    "population",
    "input",
    "group",
    "term",
    "slot",
    "derive",
    "recommend",
    "test",
    "warn",
    "limit",
    "inform",
    "for",
];

/// Where each top-level item starts: offset 0, and each line that begins
/// with one of `keywords` followed by a space.
fn item_starts(text: &str, keywords: &[&str]) -> Vec<usize> {
    let mut starts = vec![0];
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        // Most lines are indented clauses or blank: one byte rules them out.
        let starts_item = line.starts_with(|c: char| c.is_ascii_lowercase())
            && keywords
                .iter()
                .any(|keyword| line.strip_prefix(keyword).is_some_and(|rest| rest.starts_with([' ', '\t'])));
        if starts_item && offset > 0 {
            starts.push(offset);
        }
        offset += line.len();
    }
    starts
}

/// The help for a number written with an exponent, which the language does
/// not read: `1e4` is the number 1 in a unit `e4`.
pub(crate) const WRITE_NUMBERS_IN_FULL: &str =
    "write numbers in full, without an exponent: `10000`, not `1e4`";

/// Whether `text` is a number written with an exponent (`1e4`, `2.5E-3`),
/// or the exponent alone (`e4`) as it is left when read as a unit.
pub(crate) fn written_with_exponent(text: &str) -> bool {
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    let Some((mantissa, exponent)) = text.split_once(['e', 'E']) else { return false };
    let mantissa_fits = mantissa.is_empty()
        || mantissa.split_once('.').map_or(digits(mantissa), |(whole, part)| digits(whole) && digits(part));
    mantissa_fits && digits(exponent.strip_prefix(['+', '-']).unwrap_or(exponent))
}

/// Parses a single condition, for tests of the condition grammar.
pub fn parse_condition(file: FileId, text: &str) -> Result<ast::Condition, Diagnostic> {
    let mut pairs = WarrantParser::parse(Rule::eof_condition, text)
        .map_err(|error| parser::syntax_error(file, text, 0, &error))?;
    let root = pairs
        .next()
        .ok_or_else(|| Diagnostic::error("E0901", "internal error: the parser returned nothing"))?;
    lower::lower_eof_condition(root, file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_file_parsed_in_pieces_is_the_file_parsed_whole() {
        let mut text = crate::synthetic::warrant_rules(&crate::synthetic::rules(4_000, 3));
        // A clause `for` at the start of a line stays with its rule.
        text.push_str("population grown \"Grown\" when x0 > 1 mg/L\nderive late \"Late\"\nfor grown\n  when x0 > 2 mg/L\n");
        assert!(text.len() >= PARALLEL_FROM, "{}", text.len());
        let pieces = rayon::ThreadPoolBuilder::new().num_threads(4).build().unwrap();
        let in_pieces = pieces.install(|| parse_in_pieces(FileId(3), &text)).expect("parsed in pieces");
        let whole = parse_whole(FileId(3), &text).unwrap();
        // Spans included: every position is the same.
        assert_eq!(format!("{in_pieces:?}"), format!("{whole:?}"));
    }

    #[test]
    fn a_large_file_with_two_titles_is_parsed_whole_to_report_them() {
        let rules = crate::synthetic::warrant_rules(&crate::synthetic::rules(4_000, 3));
        let text = format!("{rules}\ntitle \"Again\"\n");
        let pieces = rayon::ThreadPoolBuilder::new().num_threads(4).build().unwrap();
        assert!(pieces.install(|| parse_in_pieces(FileId(0), &text)).is_none());
        let errors = parse(FileId(0), &SourceFile::new("f", text.as_str())).unwrap_err();
        assert_eq!(errors.iter().map(|d| d.code).collect::<Vec<_>>(), ["E0105"]);
    }

    #[test]
    fn numbers_written_with_an_exponent_are_told_apart_from_units_and_plain_numbers() {
        for written in ["1e4", "2.5E-3", "1e+10", "e4", "E-2"] {
            assert!(written_with_exponent(written), "{written}");
        }
        for other in ["e", "1e", "1.e4", "1e4.5", "1.5", "75", "ng/mL", "e4x", "mg", ""] {
            assert!(!written_with_exponent(other), "{other}");
        }
    }
}
