//! What the syntax tree leaves out: comments, and where each item and clause
//! sits in the text. The formatter needs both to put comments back.
//!
//! The grammar skips `//` comments, so they are recovered here from the gaps
//! between the parse tree's tokens. A gap holds only whitespace, punctuation
//! (`:`, `=`, `,`, parentheses, `g/mol`) and comments: never a string, nor
//! a unit, which may itself contain `//` (`ng//mL`). So every `//` in a gap
//! starts a comment, and no `//` outside a gap does.

use std::ops::Range;

use pest::Parser as _;
use pest::iterators::Pair;

use super::parser::{Rule, WarrantParser};

/// One `//` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Comment {
    /// Byte offset of the `//`.
    pub start: usize,
    /// Byte offset just past the comment, before its line break.
    pub end: usize,
    /// The comment from `//` on, without trailing whitespace.
    pub text: String,
    /// Only whitespace stands before it on its line.
    pub own_line: bool,
}

/// Which kind of top-level item a [`Shape`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ShapeKind {
    Title,
    Version,
    Reviewed,
    /// The file's `for`.
    For,
    Input,
    Group,
    Term,
    Slot,
    Rule,
}

/// Where one top-level item and its clauses sit in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Shape {
    pub kind: ShapeKind,
    pub span: Range<usize>,
    /// The end of a rule's header (`recommend name "label"`); the end of the
    /// item for anything else.
    pub head_end: usize,
    /// A rule's clauses, in order.
    pub clauses: Vec<Range<usize>>,
}

/// Every item's place and every comment, in text order.
#[derive(Debug, Clone, Default)]
pub(super) struct Skeleton {
    pub shapes: Vec<Shape>,
    pub comments: Vec<Comment>,
}

/// Reads the items' places and the comments of a file that parses. The
/// error is a description for an internal diagnostic: the caller has parsed
/// the same text already.
pub(super) fn skeleton(text: &str) -> Result<Skeleton, String> {
    let mut pairs = WarrantParser::parse(Rule::file, text).map_err(|error| error.to_string())?;
    let root = pairs.next().ok_or_else(|| String::from("the parser returned nothing"))?;
    let mut shapes = Vec::new();
    for item in root.clone().into_inner() {
        let kind = match item.as_rule() {
            Rule::title_decl => ShapeKind::Title,
            Rule::version_decl => ShapeKind::Version,
            Rule::reviewed_decl => ShapeKind::Reviewed,
            Rule::for_decl => ShapeKind::For,
            Rule::input_decl => ShapeKind::Input,
            Rule::group_decl => ShapeKind::Group,
            Rule::term_decl => ShapeKind::Term,
            Rule::slot_decl => ShapeKind::Slot,
            Rule::derive_decl | Rule::population_decl | Rule::outcome_decl => ShapeKind::Rule,
            Rule::EOI => continue,
            other => return Err(format!("unexpected {other:?} at top level")),
        };
        shapes.push(shape(kind, item));
    }
    Ok(Skeleton { shapes, comments: comments_between_tokens(text, root) })
}

/// Where a pair's tokens start and end. A pair's own span may run on over
/// the whitespace and comments after its last token (pest skips them while
/// looking for one more `input_option*` or `clause*`), so the end is taken
/// from its last token.
fn range_of(pair: &Pair<'_, Rule>) -> Range<usize> {
    let span = pair.as_span();
    let end = pair
        .clone()
        .into_inner()
        .flatten()
        .filter(is_token)
        .map(|token| token.as_span().end())
        .max()
        .unwrap_or(span.end());
    span.start()..end
}

fn shape(kind: ShapeKind, item: Pair<'_, Rule>) -> Shape {
    let span = range_of(&item);
    let mut head_end = span.end;
    let mut clauses = Vec::new();
    if kind == ShapeKind::Rule {
        // `derive name label clause*`, `population name label clause*` or
        // `outcome_kind name label clause*`.
        let mut seen_label = false;
        for child in item.into_inner() {
            if seen_label {
                clauses.push(range_of(&child));
            } else if child.as_rule() == Rule::label {
                head_end = range_of(&child).end;
                seen_label = true;
            }
        }
    }
    Shape { kind, span, head_end, clauses }
}

/// A token: a string with its quotes, or a leaf of the tree (a keyword,
/// name, number, unit, comparator or date).
fn is_token(pair: &Pair<'_, Rule>) -> bool {
    pair.as_rule() == Rule::string || pair.clone().into_inner().next().is_none()
}

/// The comments in the gaps between the tokens (the leaves of the tree).
fn comments_between_tokens(text: &str, root: Pair<'_, Rule>) -> Vec<Comment> {
    let mut comments = Vec::new();
    let mut at = 0;
    for pair in root.into_inner().flatten().filter(is_token) {
        let token = range_of(&pair);
        if token.start > at {
            comments_in_gap(text, at..token.start, &mut comments);
        }
        at = at.max(token.end);
    }
    comments_in_gap(text, at..text.len(), &mut comments);
    comments
}

fn comments_in_gap(text: &str, gap: Range<usize>, comments: &mut Vec<Comment>) {
    let mut at = gap.start;
    while let Some(found) = text.get(at..gap.end).and_then(|rest| rest.find("//")) {
        let start = at + found;
        let end =
            text.get(start..gap.end).and_then(|rest| rest.find(['\n', '\r'])).map_or(gap.end, |n| start + n);
        let line_start = text.get(..start).and_then(|before| before.rfind(['\n', '\r'])).map_or(0, |n| n + 1);
        let own_line = text.get(line_start..start).is_some_and(|before| before.trim().is_empty());
        let body = text.get(start..end).unwrap_or("//").trim_end();
        comments.push(Comment { start, end, text: body.to_string(), own_line });
        at = end.max(start + 2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(source: &str) -> Vec<(String, bool)> {
        match skeleton(source) {
            Ok(skeleton) => skeleton.comments.into_iter().map(|c| (c.text, c.own_line)).collect(),
            Err(error) => vec![(error, false)],
        }
    }

    #[test]
    fn comments_are_found_outside_strings_and_units() {
        let source = "// one  \ninput a: lab ng//mL \"x // no\" // two\n  // three\n";
        assert_eq!(
            texts(source),
            [
                (String::from("// one"), true),
                (String::from("// two"), false),
                (String::from("// three"), true)
            ]
        );
    }

    #[test]
    fn rules_know_where_their_header_and_clauses_end() {
        let source = "derive d \"D\" // c\n  when a\n  cite x supports\n";
        let skeleton = skeleton(source).unwrap_or_default();
        let rule = skeleton.shapes.first().cloned();
        assert_eq!(rule.as_ref().map(|r| r.head_end), Some(12));
        assert_eq!(rule.map(|r| r.clauses), Some(vec![20..26, 29..44]));
    }
}
