//! The canonical layout of a rule file, for `warrant fmt`.
//!
//! The file is parsed, then printed from its syntax tree, so the printed
//! text parses to the same tree (up to spans). Comments, which the tree does
//! not hold, are recovered from the text ([`super::comments`]) and put back
//! beside the item or clause they belong to.
//!
//! The layout:
//!
//! - metadata (`title`, `version`, `reviewed`, `for`) first, in the order written,
//!   then the items in source order;
//! - one blank line between the metadata and the first item, and before
//!   every rule (`population`, `derive`, `recommend`, `test`, `warn`, `limit`, `inform`)
//!   and every item that follows an item of another kind; consecutive
//!   `input`s stay together, as do consecutive `group`s, unless the source
//!   had a blank line between them;
//! - an `input` on one line; a `group` on one line if it fits in
//!   [`WIDTH`] columns, else its members on indented lines filled to
//!   [`WIDTH`];
//! - a rule's header on one line, then each clause on its own line indented
//!   two spaces, in the author's order; a `cite` of several citations puts
//!   one per line, aligned under the first; a `when` or `unless` line longer
//!   than [`WIDTH`] is broken before each top-level `or` (or `and`);
//! - conditions with the fewest parentheses that keep the tree, numbers in
//!   their shortest form, strings re-escaped, one newline at the end.
//!
//! Comments: an own-line comment is printed above the next item or clause,
//! at its indentation, and a comment after code is printed after the item or
//! clause that ends on its line, two spaces away. A comment written inside
//! an item or clause (after code that does not end it) moves above it.
//! The file's opening comments (up to a blank line) stay at the top, and
//! comments after the last item stay at the end. Blank lines between
//! comments are kept (one at most), as is a blank line between a comment
//! block and the item below it.

use super::ast::{
    Clause, Condition, GroupDecl, InputDecl, InputKind, Item, Quantity, RuleDecl, RuleFile, SlotDecl,
    TermDecl,
};
use super::comments::{self, Comment, Shape, ShapeKind};
use crate::diagnostic::Diagnostic;
use crate::span::{FileId, SourceFile, Span};

/// The column a line should not pass, where the layout has a choice.
pub const WIDTH: usize = 100;
/// How far clauses and group members are indented.
const INDENT: &str = "  ";
/// How far a broken condition's continuation lines are indented.
const CONTINUATION: &str = "    ";

/// The rule file in canonical layout, or the diagnostics that stop it from
/// parsing.
pub fn format_source(file: FileId, source: &SourceFile) -> Result<String, Vec<Diagnostic>> {
    let tree = super::parse(file, source)?;
    // Line breaks are `\n` from here on; `\r` cannot stand in a string or a
    // comment, so this changes nothing but the layout.
    let text = source.text.replace("\r\n", "\n").replace('\r', "\n");
    let internal = |detail: String| {
        vec![
            Diagnostic::error("E0901", "internal error: the formatter could not read the file's layout")
                .primary(Span::new(file, 0..0), "in this file")
                .note(detail)
                .help("this is a bug in Warrant; please report it with the file that triggered it"),
        ]
    };
    let skeleton = comments::skeleton(&text).map_err(internal)?;
    let items = place(&tree, &skeleton.shapes)
        .ok_or_else(|| internal(String::from("the items found twice do not match")))?;
    let mut printer = Printer::new(&text, &items, &skeleton.comments);
    printer.print();
    Ok(printer.finish())
}

/// One top-level item, with its place in the text.
struct Placed<'a> {
    node: Node<'a>,
    shape: &'a Shape,
}

enum Node<'a> {
    Title(&'a str),
    Version(&'a str),
    Reviewed(String),
    For(&'a str),
    Input(&'a InputDecl),
    Group(&'a GroupDecl),
    Term(&'a TermDecl),
    Slot(&'a SlotDecl),
    Rule(&'a RuleDecl),
}

impl Node<'_> {
    fn is_metadata(&self) -> bool {
        matches!(self, Node::Title(_) | Node::Version(_) | Node::Reviewed(_) | Node::For(_))
    }
}

/// Pairs each item of the tree with its shape, in text order.
fn place<'a>(tree: &'a RuleFile, shapes: &'a [Shape]) -> Option<Vec<Placed<'a>>> {
    let mut items = tree.items.iter();
    let mut placed = Vec::with_capacity(shapes.len());
    for shape in shapes {
        let node = match shape.kind {
            ShapeKind::Title => Node::Title(&tree.title.as_ref()?.node),
            ShapeKind::Version => Node::Version(&tree.version.as_ref()?.node),
            ShapeKind::Reviewed => Node::Reviewed(tree.reviewed.as_ref()?.node.to_string()),
            ShapeKind::For => Node::For(&tree.population.as_ref()?.node),
            ShapeKind::Input => match items.next()? {
                Item::Input(input) => Node::Input(input),
                _ => return None,
            },
            ShapeKind::Group => match items.next()? {
                Item::Group(group) => Node::Group(group),
                _ => return None,
            },
            ShapeKind::Term => match items.next()? {
                Item::Term(term) => Node::Term(term),
                _ => return None,
            },
            ShapeKind::Slot => match items.next()? {
                Item::Slot(slot) => Node::Slot(slot),
                _ => return None,
            },
            ShapeKind::Rule => match items.next()? {
                Item::Rule(rule) if rule.clauses.len() == shape.clauses.len() => Node::Rule(rule),
                _ => return None,
            },
        };
        placed.push(Placed { node, shape });
    }
    items.next().is_none().then_some(placed)
}

/// Something a comment can be attached to: an item, or a rule's header or
/// one of its clauses.
struct Anchor {
    start: usize,
    end: usize,
}

/// The comments of each anchor.
#[derive(Default, Clone)]
struct Attached {
    /// Printed above the anchor.
    leading: Vec<usize>,
    /// Printed after the anchor's last line.
    trailing: Option<usize>,
}

struct Printer<'a> {
    text: &'a str,
    items: &'a [Placed<'a>],
    comments: &'a [Comment],
    /// Every anchor in text order; item `i`'s first anchor is `first_anchor[i]`.
    anchors: Vec<Anchor>,
    first_anchor: Vec<usize>,
    attached: Vec<Attached>,
    /// The file's opening comments: those before the first anchor that a
    /// blank line separates from it. They stay at the top of the file.
    head: Vec<usize>,
    /// Comments after the last anchor.
    at_end: Vec<usize>,
    lines: Vec<String>,
}

impl<'a> Printer<'a> {
    fn new(text: &'a str, items: &'a [Placed<'a>], comments: &'a [Comment]) -> Self {
        let mut anchors = Vec::new();
        let mut first_anchor = Vec::with_capacity(items.len());
        for item in items {
            first_anchor.push(anchors.len());
            let shape = item.shape;
            anchors.push(Anchor { start: shape.span.start, end: shape.head_end });
            for clause in &shape.clauses {
                anchors.push(Anchor { start: clause.start, end: clause.end });
            }
        }
        let mut printer = Printer {
            text,
            items,
            comments,
            attached: vec![Attached::default(); anchors.len()],
            anchors,
            first_anchor,
            head: Vec::new(),
            at_end: Vec::new(),
            lines: Vec::new(),
        };
        printer.attach();
        printer
    }

    /// A comment after code, on the line where an anchor ends, trails that
    /// anchor; any other comment leads the anchor it is in or precedes.
    fn attach(&mut self) {
        for (index, comment) in self.comments.iter().enumerate() {
            let ended = self.anchors.partition_point(|anchor| anchor.end <= comment.start);
            if !comment.own_line {
                if let Some(previous) = ended.checked_sub(1) {
                    let same_line = self
                        .anchors
                        .get(previous)
                        .and_then(|anchor| self.text.get(anchor.end..comment.start))
                        .is_some_and(|between| !between.contains('\n'));
                    if let Some(attached) = self.attached.get_mut(previous) {
                        if same_line && attached.trailing.is_none() {
                            attached.trailing = Some(index);
                            continue;
                        }
                    }
                }
            }
            match self.attached.get_mut(ended) {
                Some(attached) => attached.leading.push(index),
                None => self.at_end.push(index),
            }
        }
        self.split_head();
    }

    /// Moves the first anchor's leading comments, up to the last one that a
    /// blank line follows, to the head of the file: a file's opening comment
    /// stays on top even when metadata written later moves up.
    fn split_head(&mut self) {
        let (Some(first), Some(anchor)) = (self.attached.first(), self.anchors.first()) else { return };
        let mut split = 0;
        for (position, &index) in first.leading.iter().enumerate() {
            let Some(comment) = self.comment(index) else { continue };
            let next_start = first
                .leading
                .get(position + 1)
                .and_then(|&next| self.comment(next))
                .map_or(anchor.start, |next| next.start);
            if comment.end <= next_start && self.blank_between(comment.end, next_start) {
                split = position + 1;
            }
        }
        if let Some(first) = self.attached.first_mut() {
            self.head = first.leading.drain(..split).collect();
        }
    }

    /// Whether the source has a blank line between two offsets.
    fn blank_between(&self, from: usize, to: usize) -> bool {
        let Some(between) = self.text.get(from..to) else { return false };
        let lines: Vec<&str> = between.split('\n').collect();
        let inner = lines.len().saturating_sub(2);
        lines.iter().skip(1).take(inner).any(|line| line.trim().is_empty())
    }

    fn blank(&mut self) {
        if self.lines.last().is_some_and(|line| !line.is_empty()) {
            self.lines.push(String::new());
        }
    }

    fn comment(&self, index: usize) -> Option<&'a Comment> {
        self.comments.get(index)
    }

    fn print(&mut self) {
        let items = self.items;
        let (metadata, rest): (Vec<usize>, Vec<usize>) =
            (0..items.len()).partition(|&index| items.get(index).is_some_and(|item| item.node.is_metadata()));
        self.head_comments();
        let mut previous: Option<&Placed<'_>> = None;
        for index in metadata.into_iter().chain(rest) {
            let (Some(item), Some(&anchor)) = (items.get(index), self.first_anchor.get(index)) else {
                continue;
            };
            if let Some(previous) = previous {
                if self.blank_before(previous, item, anchor) {
                    self.blank();
                }
            }
            self.item(item, anchor);
            previous = Some(item);
        }
        self.end_comments();
    }

    /// Whether a blank line separates `item` from the item printed before it.
    fn blank_before(&self, previous: &Placed<'_>, item: &Placed<'_>, anchor: usize) -> bool {
        match (&previous.node, &item.node) {
            (before, now) if before.is_metadata() => !now.is_metadata(),
            (Node::Input(_), Node::Input(_))
            | (Node::Group(_), Node::Group(_))
            | (Node::Term(_), Node::Term(_))
            | (Node::Slot(_), Node::Slot(_)) => {
                let first_comment = self
                    .attached
                    .get(anchor)
                    .and_then(|attached| attached.leading.first())
                    .and_then(|&index| self.comment(index))
                    .map_or(usize::MAX, |comment| comment.start);
                let block_start = item.shape.span.start.min(first_comment);
                self.blank_between(previous.shape.span.end, block_start)
            }
            _ => true,
        }
    }

    fn item(&mut self, item: &Placed<'_>, anchor: usize) {
        let body = match &item.node {
            Node::Title(title) => vec![format!("title {}", string(title))],
            Node::Version(version) => vec![format!("version {}", string(version))],
            Node::Reviewed(date) => vec![format!("reviewed {date}")],
            Node::For(population) => vec![format!("for {population}")],
            Node::Input(input) => input_lines(input),
            Node::Group(group) => group_lines(group),
            Node::Term(term) => {
                vec![format!("term {} {} {}", term.name.node, string(&term.label.node), codes(&term.codes))]
            }
            Node::Slot(slot) => vec![format!(
                "slot {} {} at {} provides {}",
                slot.name.node,
                string(&slot.label.node),
                quantity(&slot.time),
                names(&slot.provides)
            )],
            Node::Rule(rule) => {
                vec![format!("{} {} {}", rule.kind.keyword(), rule.name.node, string(&rule.label.node))]
            }
        };
        self.anchor(anchor, "", true, body);
        if let Node::Rule(rule) = &item.node {
            for (offset, clause) in rule.clauses.iter().enumerate() {
                self.anchor(anchor + 1 + offset, INDENT, false, clause_lines(clause));
            }
        }
    }

    /// Prints an anchor's leading comments, its lines and its trailing comment.
    fn anchor(&mut self, anchor: usize, indent: &str, item_level: bool, body: Vec<String>) {
        let Some(attached) = self.attached.get(anchor).cloned() else { return };
        let start = self.anchors.get(anchor).map_or(0, |a| a.start);
        let comments = self.comments;
        let mut previous: Option<&Comment> = None;
        for comment in attached.leading.iter().filter_map(|&index| comments.get(index)) {
            if previous.is_some_and(|previous| self.blank_between(previous.end, comment.start)) {
                self.blank();
            }
            self.lines.push(format!("{indent}{}", comment.text));
            previous = Some(comment);
        }
        if let Some(last) = previous {
            if item_level && last.end <= start && self.blank_between(last.end, start) {
                self.blank();
            }
        }
        self.lines.extend(body);
        if let Some(comment) = attached.trailing.and_then(|index| self.comment(index)) {
            if let Some(line) = self.lines.last_mut() {
                line.push_str("  ");
                line.push_str(&comment.text);
            }
        }
    }

    fn head_comments(&mut self) {
        let mut previous_end: Option<usize> = None;
        for index in self.head.clone() {
            let Some(comment) = self.comment(index) else { continue };
            if previous_end.is_some_and(|end| self.blank_between(end, comment.start)) {
                self.blank();
            }
            self.lines.push(comment.text.clone());
            previous_end = Some(comment.end);
        }
        if !self.head.is_empty() && !self.items.is_empty() {
            self.lines.push(String::new());
        }
    }

    fn end_comments(&mut self) {
        let last_end = self.anchors.last().map_or(0, |anchor| anchor.end);
        let mut previous_end = last_end;
        for index in self.at_end.clone() {
            let Some(comment) = self.comment(index) else { continue };
            if self.blank_between(previous_end, comment.start) {
                self.blank();
            }
            self.lines.push(comment.text.clone());
            previous_end = comment.end;
        }
    }

    fn finish(self) -> String {
        let mut out = self.lines.join("\n");
        if !out.is_empty() {
            out.push('\n');
        }
        out
    }
}

/// A string literal: `"` and `\` escaped.
fn string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The shortest decimal that reads back as the same number.
fn number(value: f64) -> String {
    // `Display` for f64 writes the shortest round-tripping digits, never an
    // exponent, and no `.0` for whole numbers.
    format!("{value}")
}

fn quantity(quantity: &Quantity) -> String {
    match &quantity.unit {
        Some(unit) => format!("{} {}", number(quantity.value.node), unit.node),
        None => number(quantity.value.node),
    }
}

fn names(names: &[crate::syntax::ast::Name]) -> String {
    names.iter().map(|name| name.node.as_str()).collect::<Vec<_>>().join(", ")
}

fn width(line: &str) -> usize {
    line.chars().count()
}

/// `input name: kind "label" options...` on one line if it fits, else each
/// option on an indented line of its own.
fn input_lines(input: &InputDecl) -> Vec<String> {
    let kind = match &input.kind {
        InputKind::Flag => String::from("flag"),
        InputKind::List => String::from("list"),
        InputKind::Lab { dimension, unit } => format!("{} {}", dimension.node, unit.node),
    };
    let head = format!("input {}: {kind} {}", input.name.node, string(&input.label.node));
    let mut options = Vec::new();
    if !input.loinc.is_empty() {
        let codes: Vec<String> = input.loinc.iter().map(|code| string(&code.node)).collect();
        options.push(format!("loinc {}", codes.join(", ")));
    }
    if let Some(grams) = &input.molar_mass {
        options.push(format!("molar_mass {} g/mol", number(grams.node)));
    }
    if !input.aliases.is_empty() {
        options.push(format!("aliases {}", names(&input.aliases)));
    }
    if let Some(period) = &input.valid_for {
        options.push(format!("valid_for {}", quantity(period)));
    }
    if let Some(range) = &input.plausible {
        options.push(format!(
            "plausible {} to {} {}",
            number(range.low.node),
            number(range.high.node),
            range.unit.node
        ));
    }
    if !input.codes.is_empty() {
        options.push(codes(&input.codes));
    }
    let one_line = std::iter::once(head.clone()).chain(options.iter().cloned()).collect::<Vec<_>>().join(" ");
    if width(&one_line) <= WIDTH {
        return vec![one_line];
    }
    std::iter::once(head).chain(options.into_iter().map(|option| format!("{INDENT}{option}"))).collect()
}

/// `codes snomed "...", icd10 "..."`
fn codes(codes: &[crate::syntax::ast::Code]) -> String {
    let each: Vec<String> =
        codes.iter().map(|c| format!("{} {}", c.system.node, string(&c.code.node))).collect();
    format!("codes {}", each.join(", "))
}

/// `group name "label" = a, b` on one line if it fits, else the members
/// filled onto indented lines.
fn group_lines(group: &GroupDecl) -> Vec<String> {
    let head = format!("group {} {} =", group.name.node, string(&group.label.node));
    let one_line = format!("{head} {}", names(&group.members));
    if width(&one_line) <= WIDTH {
        return vec![one_line];
    }
    let mut lines = vec![head];
    let mut line = String::new();
    let count = group.members.len();
    for (index, member) in group.members.iter().enumerate() {
        let comma = usize::from(index + 1 < count);
        if line.is_empty() {
            line = format!("{INDENT}{}", member.node);
        } else if width(&line) + 2 + width(&member.node) + comma <= WIDTH {
            line.push_str(", ");
            line.push_str(&member.node);
        } else {
            line.push(',');
            lines.push(std::mem::replace(&mut line, format!("{INDENT}{}", member.node)));
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn clause_lines(clause: &Clause) -> Vec<String> {
    let one = |text: String| vec![format!("{INDENT}{text}")];
    match clause {
        Clause::When(condition) => condition_lines("when", condition),
        Clause::Unless(condition) => condition_lines("unless", condition),
        Clause::Form(form) => one(format!("form {}", string(&form.node))),
        Clause::Dose(dose) => one(format!(
            "dose {} to {} {} daily",
            number(dose.low.node),
            number(dose.high.node),
            dose.unit.node
        )),
        Clause::Timing(times) => one(format!("timing {}", names(times))),
        Clause::TakeWith(items) => one(format!("take_with {}", names(items))),
        Clause::SeparateFrom { items, gap } => {
            one(format!("separate_from {} by {}", names(items), quantity(gap)))
        }
        Clause::Strength(strength) => one(format!(
            "strength {}",
            match strength.node {
                crate::syntax::ast::Strength::Strong => "strong",
                crate::syntax::ast::Strength::Conditional => "conditional",
            }
        )),
        Clause::Cite(citations) => {
            let lead = format!("{INDENT}cite ");
            let align = " ".repeat(width(&lead));
            let count = citations.len();
            citations
                .iter()
                .enumerate()
                .map(|(index, citation)| {
                    let prefix = if index == 0 { lead.as_str() } else { align.as_str() };
                    let comma = if index + 1 < count { "," } else { "" };
                    let graded = citation
                        .graded
                        .as_ref()
                        .map(|level| format!(" certainty {}", level.node))
                        .unwrap_or_default();
                    format!("{prefix}{} {}{graded}{comma}", citation.evidence.node, citation.stance.keyword())
                })
                .collect()
        }
        Clause::Caveat(caveat) => one(format!("caveat {}", string(&caveat.node))),
        Clause::Contains(items) => one(format!("contains {}", names(items))),
        Clause::For(population) => one(format!("for {}", population.node)),
        Clause::Daily(bound) => one(format!(
            "daily {} {} {}",
            bound.supplement.node,
            bound.comparator.node.symbol(),
            quantity(&bound.bound)
        )),
    }
}

/// `when <condition>` on one line, or broken before each top-level `or`
/// (`and`) when the line would be too long.
fn condition_lines(keyword: &str, condition: &Condition) -> Vec<String> {
    let line = format!("{INDENT}{keyword} {}", render(condition));
    let (operator, operands) = match condition {
        Condition::Or(operands, _) => ("or", operands),
        Condition::And(operands, _) => ("and", operands),
        _ => return vec![line],
    };
    if width(&line) <= WIDTH || operands.len() < 2 {
        return vec![line];
    }
    operands
        .iter()
        .enumerate()
        .map(|(index, operand)| {
            let text = operand_of(condition, operand);
            if index == 0 {
                format!("{INDENT}{keyword} {text}")
            } else {
                format!("{CONTINUATION}{operator} {text}")
            }
        })
        .collect()
}

/// A condition with the fewest parentheses that keep its tree: `or` binds
/// loosest, then `and`, then `not`.
pub fn render(condition: &Condition) -> String {
    match condition {
        Condition::Or(operands, _) => join(condition, operands, " or "),
        Condition::And(operands, _) => join(condition, operands, " and "),
        Condition::Not(inner, _) => match inner.as_ref() {
            Condition::Or(..) | Condition::And(..) => format!("not ({})", render(inner)),
            _ => format!("not {}", render(inner)),
        },
        Condition::Compare { subject, comparator, threshold, .. } => {
            format!("{} {} {}", subject.node, comparator.node.symbol(), quantity(threshold))
        }
        Condition::Known(name, _) => format!("known {}", name.node),
        Condition::Unknown(name, _) => format!("unknown {}", name.node),
        Condition::Has { list, item, .. } => format!("{} has {}", list.node, item.node),
        Condition::OutsideRange { subject, side, .. } => format!("{} {} range", subject.node, side.keyword()),
        Condition::Is { subject, value, .. } => format!("{} is {}", subject.node, value.node),
        Condition::OlderThan { subject, age, .. } => format!("{} older than {}", subject.node, quantity(age)),
        Condition::Fact(name) => name.node.clone(),
    }
}

fn join(parent: &Condition, operands: &[Condition], separator: &str) -> String {
    operands.iter().map(|operand| operand_of(parent, operand)).collect::<Vec<_>>().join(separator)
}

/// An operand of `and` or `or`, in parentheses when it is itself an `or`,
/// or an `and` under an `and`: without them it would merge into its parent.
fn operand_of(parent: &Condition, operand: &Condition) -> String {
    let grouped =
        matches!((parent, operand), (_, Condition::Or(..)) | (Condition::And(..), Condition::And(..)));
    if grouped { format!("({})", render(operand)) } else { render(operand) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(text: &str) -> String {
        let source = SourceFile::new("test.warrant", text);
        format_source(FileId(0), &source).unwrap_or_else(|d| format!("{d:?}"))
    }

    #[test]
    fn numbers_are_printed_in_their_shortest_form() {
        assert_eq!(number(75.0), "75");
        assert_eq!(number(1355.37), "1355.37");
        assert_eq!(number(0.1), "0.1");
        assert_eq!(number(1e21), "1000000000000000000000");
    }

    #[test]
    fn parentheses_only_where_the_tree_needs_them() {
        let check = |text: &str| {
            let condition = crate::syntax::parse_condition(FileId(0), text).map(|c| render(&c));
            condition.unwrap_or_else(|d| d.message)
        };
        assert_eq!(check("(a and b) or c"), "a and b or c");
        assert_eq!(check("a and (b or c)"), "a and (b or c)");
        assert_eq!(check("(a or b) or c"), "(a or b) or c");
        assert_eq!(check("not (not a)"), "not not a");
        assert_eq!(check("not (a and b)"), "not (a and b)");
        assert_eq!(check("x<=5ng/mL"), "x <= 5 ng/mL");
    }

    #[test]
    fn a_unit_may_hold_what_looks_like_a_comment() {
        assert_eq!(fmt("input a: lab ng//mL \"x\"// c"), "input a: lab ng//mL \"x\"  // c\n");
    }

    #[test]
    fn an_empty_file_stays_empty() {
        assert_eq!(fmt(""), "");
        assert_eq!(fmt("\n\n  \n"), "");
        assert_eq!(fmt("// only a comment"), "// only a comment\n");
    }
}
