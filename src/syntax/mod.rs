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

pub use parser::{MAX_FILE_BYTES, MAX_NESTING};

/// Parses one rule file. Returns the syntax tree, or the diagnostics that
/// stopped it: one syntax error (pest does not recover), or every slip
/// found while lowering.
pub fn parse(file: FileId, source: &SourceFile) -> Result<ast::RuleFile, Vec<Diagnostic>> {
    parser::check_bounds(file, &source.text).map_err(|d| vec![d])?;
    let mut pairs = WarrantParser::parse(Rule::file, &source.text)
        .map_err(|error| vec![parser::syntax_error(file, &source.text, &error)])?;
    let Some(root) = pairs.next() else {
        return Err(vec![Diagnostic::error("E0901", "internal error: the parser returned nothing")]);
    };
    let (rule_file, diagnostics) = lower::lower_file(root, file);
    if diagnostics.is_empty() { Ok(rule_file) } else { Err(diagnostics) }
}

/// Parses a single condition, for tests of the condition grammar.
pub fn parse_condition(file: FileId, text: &str) -> Result<ast::Condition, Diagnostic> {
    let mut pairs = WarrantParser::parse(Rule::eof_condition, text)
        .map_err(|error| parser::syntax_error(file, text, &error))?;
    let root = pairs
        .next()
        .ok_or_else(|| Diagnostic::error("E0901", "internal error: the parser returned nothing"))?;
    lower::lower_eof_condition(root, file)
}
