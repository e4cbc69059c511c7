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

use crate::diagnostic::Diagnostic;
use crate::span::{FileId, SourceFile};
use parser::{Rule, WarrantParser};

/// Parses one rule file. Returns the syntax tree, or the diagnostics that
/// stopped it: every syntax error (one per item that has one), or every
/// slip found while lowering.
pub fn parse(file: FileId, source: &SourceFile) -> Result<ast::RuleFile, Vec<Diagnostic>> {
    parser::check_bounds(file, &source.text).map_err(|d| vec![d])?;
    let mut pairs = WarrantParser::parse(Rule::file, &source.text)
        .map_err(|error| every_syntax_error(file, &source.text, &error))?;
    let Some(root) = pairs.next() else {
        return Err(vec![Diagnostic::error("E0901", "internal error: the parser returned nothing")]);
    };
    let (rule_file, diagnostics) = lower::lower_file(root, file);
    if diagnostics.is_empty() { Ok(rule_file) } else { Err(diagnostics) }
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
    let pieces = item_starts(text);
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

/// Where each top-level item starts: offset 0, and each line that begins
/// with an item keyword followed by a space.
fn item_starts(text: &str) -> Vec<usize> {
    const ITEMS: [&str; 14] = [
        "title",
        "version",
        "reviewed",
        "for",
        "population",
        "input",
        "group",
        "slot",
        "derive",
        "recommend",
        "test",
        "warn",
        "limit",
        "inform",
    ];
    let mut starts = vec![0];
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let starts_item = ITEMS
            .iter()
            .any(|keyword| line.strip_prefix(keyword).is_some_and(|rest| rest.starts_with([' ', '\t'])));
        if starts_item && offset > 0 {
            starts.push(offset);
        }
        offset += line.len();
    }
    starts
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
