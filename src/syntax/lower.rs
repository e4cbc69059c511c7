//! Lowering: pest pairs become the typed AST, one `lower_<rule>` per grammar
//! rule. Each function consumes its pair's children in grammar order and
//! reports a mismatch as an internal diagnostic, never a panic.

use std::iter::Peekable;

use pest::iterators::{Pair, Pairs};

use super::ast::*;
use super::parser::Rule;
use crate::dates::Date;
use crate::diagnostic::Diagnostic;
use crate::escape::is_hidden;
use crate::limits::CONDITION_DEPTH;
use crate::span::{FileId, Span, Spanned};

type Lowered<T> = Result<T, Diagnostic>;

/// The children of one pair, consumed front to back.
struct Children<'i> {
    parent: Rule,
    span: Span,
    pairs: Peekable<Pairs<'i, Rule>>,
}

impl<'i> Children<'i> {
    fn of(pair: Pair<'i, Rule>, origin: Origin) -> Self {
        let span = span_of(&pair, origin);
        Children { parent: pair.as_rule(), span, pairs: pair.into_inner().peekable() }
    }

    /// The next child, which the grammar guarantees is a `rule`.
    fn presume(&mut self, rule: Rule) -> Lowered<Pair<'i, Rule>> {
        match self.pairs.next() {
            Some(pair) if pair.as_rule() == rule => Ok(pair),
            other => Err(internal(
                self.span,
                format!("in {:?}, expected {rule:?} but found {:?}", self.parent, other.map(|p| p.as_rule())),
            )),
        }
    }

    /// The next child if it is a `rule`.
    fn optional(&mut self, rule: Rule) -> Option<Pair<'i, Rule>> {
        self.pairs.next_if(|pair| pair.as_rule() == rule)
    }

    /// The next child, whatever it is.
    fn presume_any(&mut self) -> Lowered<Pair<'i, Rule>> {
        self.pairs
            .next()
            .ok_or_else(|| internal(self.span, format!("in {:?}, a child is missing", self.parent)))
    }

    /// Asserts that every child was consumed.
    fn finish(mut self) -> Lowered<()> {
        match self.pairs.next() {
            None => Ok(()),
            Some(extra) => {
                Err(internal(self.span, format!("in {:?}, {:?} was left over", self.parent, extra.as_rule())))
            }
        }
    }
}

fn internal(span: Span, detail: String) -> Diagnostic {
    Diagnostic::error("E0901", "internal error: the grammar and the syntax tree disagree")
        .primary(span, "while reading this")
        .note(detail)
        .help("this is a bug in Warrant; please report it with the file that triggered it")
}

/// Where the text pest parsed sits: a file, and the offset in it of the
/// text's start (not 0 when a large file is parsed in pieces).
#[derive(Debug, Clone, Copy)]
pub(super) struct Origin {
    pub file: FileId,
    pub offset: usize,
}

fn span_of(pair: &Pair<'_, Rule>, origin: Origin) -> Span {
    let span = pair.as_span();
    Span::new(origin.file, origin.offset + span.start()..origin.offset + span.end())
}

/// Lowers a whole file. Semantic slips found here (a bad date, a repeated
/// `title`) are collected; the file is still returned.
pub(super) fn lower_file(pair: Pair<'_, Rule>, origin: Origin) -> (RuleFile, Vec<Diagnostic>) {
    let mut lowering = Lowering { origin, diagnostics: Vec::new(), depth: 0 };
    let mut rule_file = RuleFile::default();
    for child in pair.into_inner() {
        let rule = child.as_rule();
        let result = match rule {
            Rule::EOI => Ok(()),
            Rule::title_decl => lowering.lower_metadata(child, &mut rule_file.title, "title"),
            Rule::version_decl => lowering.lower_metadata(child, &mut rule_file.version, "version"),
            Rule::reviewed_decl => lowering.lower_reviewed(child, &mut rule_file.reviewed),
            Rule::for_decl => lowering.lower_file_population(child, &mut rule_file.population),
            Rule::input_decl => lowering.lower_input(child).map(|i| rule_file.items.push(Item::Input(i))),
            Rule::group_decl => lowering.lower_group(child).map(|g| rule_file.items.push(Item::Group(g))),
            Rule::term_decl => lowering.lower_term_decl(child).map(|t| rule_file.items.push(Item::Term(t))),
            Rule::slot_decl => lowering.lower_slot(child).map(|s| rule_file.items.push(Item::Slot(s))),
            Rule::derive_decl | Rule::population_decl | Rule::outcome_decl => {
                lowering.lower_rule(child).map(|r| rule_file.items.push(Item::Rule(r)))
            }
            _ => Err(internal(span_of(&child, origin), format!("unexpected {rule:?} at top level"))),
        };
        if let Err(diagnostic) = result {
            lowering.diagnostics.push(diagnostic);
        }
    }
    (rule_file, lowering.diagnostics)
}

struct Lowering {
    origin: Origin,
    diagnostics: Vec<Diagnostic>,
    /// Parentheses and `not`s around the condition being lowered.
    depth: usize,
}

impl Lowering {
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        span_of(pair, self.origin)
    }

    fn children<'i>(&self, pair: Pair<'i, Rule>) -> Children<'i> {
        Children::of(pair, self.origin)
    }

    /// A parenthesis or `not` one level past [`CONDITION_DEPTH`]: every
    /// later stage walks conditions recursively, so depth is bounded here.
    fn too_deep(&self, at: usize) -> Diagnostic {
        Diagnostic::error(
            "E0102",
            format!("the condition nests more than {CONDITION_DEPTH} deep (each parenthesis and each `not` counts)"),
        )
        .primary(Span::new(self.origin.file, at..at + 1), "too deep here")
        .help("name inner parts of the condition with `derive` and refer to them by name; `not not x` is `x`")
    }

    fn lower_metadata(
        &mut self,
        pair: Pair<'_, Rule>,
        slot: &mut Option<Spanned<String>>,
        keyword: &str,
    ) -> Lowered<()> {
        let span = self.span(&pair);
        let mut children = self.children(pair);
        children.presume_any()?;
        let value = self.lower_string(children.presume(Rule::string)?)?;
        children.finish()?;
        self.set_once(slot, value, keyword, span);
        Ok(())
    }

    fn lower_reviewed(&mut self, pair: Pair<'_, Rule>, slot: &mut Option<Spanned<Date>>) -> Lowered<()> {
        let span = self.span(&pair);
        let mut children = self.children(pair);
        children.presume(Rule::KW_REVIEWED)?;
        let date_pair = children.presume(Rule::date)?;
        children.finish()?;
        let date_span = self.span(&date_pair);
        match crate::dates::parse(date_pair.as_str()) {
            Some(date) => self.set_once(slot, Spanned::new(date, date_span), "reviewed", span),
            None => self.diagnostics.push(
                Diagnostic::error("E0103", format!("`{}` is not a calendar date", date_pair.as_str()))
                    .primary(date_span, "no such date")
                    .help("write the date as YYYY-MM-DD, e.g. `2026-01-31`"),
            ),
        }
        Ok(())
    }

    fn lower_file_population(&mut self, pair: Pair<'_, Rule>, slot: &mut Option<Name>) -> Lowered<()> {
        let span = self.span(&pair);
        let mut children = self.children(pair);
        children.presume(Rule::KW_FOR)?;
        let name = self.lower_ident(children.presume(Rule::ident)?);
        children.finish()?;
        self.set_once(slot, name, "for", span);
        Ok(())
    }

    /// Stores a metadata value, reporting a second one.
    fn set_once<T>(&mut self, slot: &mut Option<Spanned<T>>, value: Spanned<T>, keyword: &str, span: Span) {
        match slot {
            Some(first) => self.diagnostics.push(
                Diagnostic::error("E0105", format!("`{keyword}` is given twice"))
                    .primary(span, "second one here")
                    .secondary(first.span, "first one here")
                    .help(format!("keep one `{keyword}` per file")),
            ),
            None => *slot = Some(value),
        }
    }

    fn lower_input(&mut self, pair: Pair<'_, Rule>) -> Lowered<InputDecl> {
        let span = self.span(&pair);
        let mut children = self.children(pair);
        children.presume(Rule::KW_INPUT)?;
        let name = self.lower_ident(children.presume(Rule::ident)?);
        let type_pair = children.presume_any()?;
        let kind = match type_pair.as_rule() {
            Rule::flag_type => InputKind::Flag,
            Rule::list_type => InputKind::List,
            Rule::lab_type => {
                let mut lab = self.children(type_pair);
                let dimension = self.lower_ident(lab.presume(Rule::ident)?);
                let unit = self.lower_ident(lab.presume(Rule::unit)?);
                lab.finish()?;
                InputKind::Lab { dimension, unit }
            }
            other => return Err(internal(span, format!("unexpected input type {other:?}"))),
        };
        let label = self.lower_label(children.presume(Rule::label)?)?;
        let mut loinc: Option<Spanned<Vec<Spanned<String>>>> = None;
        let mut codes: Option<Spanned<Vec<Code>>> = None;
        let mut molar_mass = None;
        let mut aliases: Option<Spanned<Vec<Name>>> = None;
        let mut valid_for = None;
        let mut plausible = None;
        for option in children.pairs.by_ref() {
            let option_span = self.span(&option);
            match option.as_rule() {
                Rule::loinc => {
                    let mut inner = self.children(option);
                    inner.presume(Rule::KW_LOINC)?;
                    let mut found = Vec::new();
                    while let Some(code) = inner.optional(Rule::string) {
                        found.push(self.lower_string(code)?);
                    }
                    inner.finish()?;
                    self.set_once(&mut loinc, Spanned::new(found, option_span), "loinc", option_span);
                }
                Rule::codes => {
                    let found = self.lower_codes(option)?;
                    self.set_once(&mut codes, Spanned::new(found, option_span), "codes", option_span);
                }
                Rule::molar_mass => {
                    let mut inner = self.children(option);
                    inner.presume(Rule::KW_MOLAR_MASS)?;
                    let grams = self.lower_number(inner.presume(Rule::number)?)?;
                    inner.finish()?;
                    self.set_once(&mut molar_mass, grams, "molar_mass", option_span);
                }
                Rule::aliases => {
                    let mut inner = self.children(option);
                    inner.presume(Rule::KW_ALIASES)?;
                    let names = self.lower_ident_list(inner.presume(Rule::ident_list)?)?;
                    inner.finish()?;
                    self.set_once(&mut aliases, Spanned::new(names, option_span), "aliases", option_span);
                }
                Rule::valid_for => {
                    let mut inner = self.children(option);
                    inner.presume(Rule::KW_VALID_FOR)?;
                    let period = self.lower_quantity(inner.presume(Rule::quantity)?)?;
                    inner.finish()?;
                    self.set_once(
                        &mut valid_for,
                        Spanned::new(period, option_span),
                        "valid_for",
                        option_span,
                    );
                }
                Rule::plausible => {
                    let mut inner = self.children(option);
                    inner.presume(Rule::KW_PLAUSIBLE)?;
                    let low = self.lower_number(inner.presume(Rule::number)?)?;
                    inner.presume(Rule::KW_TO)?;
                    let high = self.lower_number(inner.presume(Rule::number)?)?;
                    let unit = self.lower_ident(inner.presume(Rule::unit)?);
                    inner.finish()?;
                    let range = ValueRange { low, high, unit, span: option_span };
                    self.set_once(&mut plausible, Spanned::new(range, option_span), "plausible", option_span);
                }
                other => {
                    return Err(internal(option_span, format!("unexpected input option {other:?}")));
                }
            }
        }
        Ok(InputDecl {
            name,
            kind,
            label,
            loinc: loinc.map(|l| l.node).unwrap_or_default(),
            codes: codes.map(|c| c.node).unwrap_or_default(),
            molar_mass,
            aliases: aliases.map(|a| a.node).unwrap_or_default(),
            valid_for: valid_for.map(|v| v.node),
            plausible: plausible.map(|p| Box::new(p.node)),
            span,
        })
    }

    /// `codes snomed "...", icd10 "..."`
    fn lower_codes(&mut self, pair: Pair<'_, Rule>) -> Lowered<Vec<Code>> {
        let mut children = self.children(pair);
        children.presume(Rule::KW_CODES)?;
        let mut codes = Vec::new();
        while let Some(coded) = children.optional(Rule::coded) {
            let mut inner = self.children(coded);
            let system = self.lower_ident(inner.presume(Rule::ident)?);
            let code = self.lower_string(inner.presume(Rule::string)?)?;
            inner.finish()?;
            codes.push(Code { system, code });
        }
        children.finish()?;
        Ok(codes)
    }

    fn lower_term_decl(&mut self, pair: Pair<'_, Rule>) -> Lowered<TermDecl> {
        let span = self.span(&pair);
        let mut children = self.children(pair);
        children.presume(Rule::KW_TERM)?;
        let name = self.lower_ident(children.presume(Rule::ident)?);
        let label = self.lower_label(children.presume(Rule::label)?)?;
        let codes = self.lower_codes(children.presume(Rule::codes)?)?;
        children.finish()?;
        Ok(TermDecl { name, label, codes, span })
    }

    fn lower_group(&mut self, pair: Pair<'_, Rule>) -> Lowered<GroupDecl> {
        let span = self.span(&pair);
        let mut children = self.children(pair);
        children.presume(Rule::KW_GROUP)?;
        let name = self.lower_ident(children.presume(Rule::ident)?);
        let label = self.lower_label(children.presume(Rule::label)?)?;
        let members = self.lower_ident_list(children.presume(Rule::ident_list)?)?;
        children.finish()?;
        Ok(GroupDecl { name, label, members, span })
    }

    fn lower_slot(&mut self, pair: Pair<'_, Rule>) -> Lowered<SlotDecl> {
        let span = self.span(&pair);
        let mut children = self.children(pair);
        children.presume(Rule::KW_SLOT)?;
        let name = self.lower_ident(children.presume(Rule::ident)?);
        let label = self.lower_label(children.presume(Rule::label)?)?;
        children.presume(Rule::KW_AT)?;
        let time = self.lower_quantity(children.presume(Rule::quantity)?)?;
        children.presume(Rule::KW_PROVIDES)?;
        let provides = self.lower_ident_list(children.presume(Rule::ident_list)?)?;
        children.finish()?;
        Ok(SlotDecl { name, label, time, provides, span })
    }

    fn lower_rule(&mut self, pair: Pair<'_, Rule>) -> Lowered<RuleDecl> {
        let span = self.span(&pair);
        let mut children = self.children(pair);
        let head = children.presume_any()?;
        let kind = match head.as_rule() {
            Rule::KW_DERIVE => RuleKind::Derive,
            Rule::KW_POPULATION => RuleKind::Population,
            Rule::outcome_kind => {
                let mut inner = self.children(head);
                let keyword = inner.presume_any()?;
                let kind = match keyword.as_rule() {
                    Rule::KW_RECOMMEND => RuleKind::Recommend,
                    Rule::KW_TEST => RuleKind::Test,
                    Rule::KW_WARN => RuleKind::Warn,
                    Rule::KW_LIMIT => RuleKind::Limit,
                    Rule::KW_INFORM => RuleKind::Inform,
                    other => {
                        return Err(internal(span, format!("unexpected outcome keyword {other:?}")));
                    }
                };
                inner.finish()?;
                kind
            }
            other => return Err(internal(span, format!("unexpected rule head {other:?}"))),
        };
        let name = self.lower_ident(children.presume(Rule::ident)?);
        let label = self.lower_label(children.presume(Rule::label)?)?;
        let mut clauses = Vec::new();
        for clause in children.pairs.by_ref() {
            clauses.push(self.lower_clause(clause)?);
        }
        Ok(RuleDecl { kind, name, label, clauses, span })
    }

    fn lower_clause(&mut self, pair: Pair<'_, Rule>) -> Lowered<Clause> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut children = self.children(pair);
        children.presume_any()?; // the clause keyword
        let clause = match rule {
            Rule::when_clause => Clause::When(self.lower_condition(children.presume(Rule::condition)?)?),
            Rule::unless_clause => Clause::Unless(self.lower_condition(children.presume(Rule::condition)?)?),
            Rule::form_clause => Clause::Form(self.lower_string(children.presume(Rule::string)?)?),
            Rule::dose_clause => {
                let low = self.lower_number(children.presume(Rule::number)?)?;
                children.presume(Rule::KW_TO)?;
                let high = self.lower_number(children.presume(Rule::number)?)?;
                let unit = self.lower_ident(children.presume(Rule::unit)?);
                children.presume(Rule::KW_DAILY)?;
                Clause::Dose(Dose { low, high, unit, span })
            }
            Rule::timing_clause => {
                Clause::Timing(self.lower_ident_list(children.presume(Rule::ident_list)?)?)
            }
            Rule::take_with_clause => {
                Clause::TakeWith(self.lower_ident_list(children.presume(Rule::ident_list)?)?)
            }
            Rule::separate_clause => {
                let items = self.lower_ident_list(children.presume(Rule::ident_list)?)?;
                children.presume(Rule::KW_BY)?;
                let gap = self.lower_quantity(children.presume(Rule::quantity)?)?;
                Clause::SeparateFrom { items, gap }
            }
            Rule::strength_clause => {
                let strength_pair = children.presume(Rule::strength)?;
                let strength_span = self.span(&strength_pair);
                let mut inner = self.children(strength_pair);
                let strength = match inner.presume_any()?.as_rule() {
                    Rule::KW_STRONG => Strength::Strong,
                    _ => Strength::Conditional,
                };
                inner.finish()?;
                Clause::Strength(Spanned::new(strength, strength_span))
            }
            Rule::cite_clause => {
                let mut citations = Vec::new();
                while let Some(citation) = children.optional(Rule::citation) {
                    citations.push(self.lower_citation(citation)?);
                }
                Clause::Cite(citations)
            }
            Rule::caveat_clause => Clause::Caveat(self.lower_string(children.presume(Rule::string)?)?),
            Rule::contains_clause => {
                Clause::Contains(self.lower_ident_list(children.presume(Rule::ident_list)?)?)
            }
            Rule::for_clause => Clause::For(self.lower_ident(children.presume(Rule::ident)?)),
            Rule::daily_clause => {
                let supplement = self.lower_ident(children.presume(Rule::ident)?);
                let comparator = self.lower_comparator(children.presume(Rule::comparator)?)?;
                let bound = self.lower_quantity(children.presume(Rule::quantity)?)?;
                Clause::Daily(DailyBound { supplement, comparator, bound, span })
            }
            other => return Err(internal(span, format!("unexpected clause {other:?}"))),
        };
        children.finish()?;
        Ok(clause)
    }

    fn lower_citation(&mut self, pair: Pair<'_, Rule>) -> Lowered<Citation> {
        let mut children = self.children(pair);
        let evidence = self.lower_ident(children.presume(Rule::ident)?);
        let mut stance_children = self.children(children.presume(Rule::stance)?);
        let stance = match stance_children.presume_any()?.as_rule() {
            Rule::KW_SUPPORTS => Stance::Supports,
            Rule::KW_REFUTES => Stance::Refutes,
            _ => Stance::Mixed,
        };
        stance_children.finish()?;
        let graded = match children.optional(Rule::graded) {
            Some(pair) => {
                let mut inner = self.children(pair);
                inner.presume(Rule::KW_CERTAINTY)?;
                let level = self.lower_ident(inner.presume(Rule::ident)?);
                inner.finish()?;
                Some(level)
            }
            None => None,
        };
        children.finish()?;
        Ok(Citation { evidence, stance, graded })
    }

    /// `a or b or c`: a single operand is returned as itself.
    pub(super) fn lower_condition(&mut self, pair: Pair<'_, Rule>) -> Lowered<Condition> {
        let span = self.span(&pair);
        let mut operands = Vec::new();
        for child in pair.into_inner() {
            match child.as_rule() {
                Rule::conjunction => operands.push(self.lower_conjunction(child)?),
                Rule::KW_OR => {}
                other => {
                    return Err(internal(span, format!("unexpected {other:?} in a condition")));
                }
            }
        }
        Ok(collapse(operands, span, Condition::Or))
    }

    fn lower_conjunction(&mut self, pair: Pair<'_, Rule>) -> Lowered<Condition> {
        let span = self.span(&pair);
        let mut operands = Vec::new();
        for child in pair.into_inner() {
            match child.as_rule() {
                Rule::negation => operands.push(self.lower_negation(child)?),
                Rule::KW_AND => {}
                other => {
                    return Err(internal(span, format!("unexpected {other:?} in a conjunction")));
                }
            }
        }
        Ok(collapse(operands, span, Condition::And))
    }

    fn lower_negation(&mut self, pair: Pair<'_, Rule>) -> Lowered<Condition> {
        let span = self.span(&pair);
        let mut children = self.children(pair);
        let mut nots = Vec::new();
        while let Some(not) = children.optional(Rule::not_op) {
            nots.push(self.span(&not).start);
        }
        let room = CONDITION_DEPTH.saturating_sub(self.depth);
        if let Some(&first_too_deep) = nots.get(room) {
            return Err(self.too_deep(first_too_deep));
        }
        let term = children.presume_any()?;
        children.finish()?;
        self.depth += nots.len();
        let condition = self.lower_term(term);
        self.depth -= nots.len();
        let mut condition = condition?;
        for start in nots.into_iter().rev() {
            let not_span = Span::new(self.origin.file, start..span.end);
            condition = Condition::Not(Box::new(condition), not_span);
        }
        Ok(condition)
    }

    fn lower_term(&mut self, pair: Pair<'_, Rule>) -> Lowered<Condition> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        if rule == Rule::condition {
            if self.depth >= CONDITION_DEPTH {
                return Err(self.too_deep(span.start));
            }
            self.depth += 1;
            let condition = self.lower_condition(pair);
            self.depth -= 1;
            return condition;
        }
        let mut children = self.children(pair);
        let term = match rule {
            Rule::known_test | Rule::unknown_test => {
                children.presume_any()?;
                let name = self.lower_ident(children.presume(Rule::ident)?);
                if rule == Rule::known_test {
                    Condition::Known(name, span)
                } else {
                    Condition::Unknown(name, span)
                }
            }
            Rule::comparison => {
                let subject = self.lower_ident(children.presume(Rule::subject)?);
                let comparator = self.lower_comparator(children.presume(Rule::comparator)?)?;
                let threshold = self.lower_quantity(children.presume(Rule::quantity)?)?;
                Condition::Compare { subject, comparator, threshold, span }
            }
            Rule::membership => {
                let list = self.lower_ident(children.presume(Rule::subject)?);
                children.presume(Rule::KW_HAS)?;
                let item = self.lower_ident(children.presume(Rule::ident)?);
                Condition::Has { list, item, span }
            }
            Rule::range_test => {
                let subject = self.lower_ident(children.presume(Rule::subject)?);
                let side = match children.presume_any()?.as_rule() {
                    Rule::KW_BELOW => RangeSide::Below,
                    _ => RangeSide::Above,
                };
                children.presume(Rule::KW_RANGE)?;
                Condition::OutsideRange { subject, side, span }
            }
            Rule::age_test => {
                let subject = self.lower_ident(children.presume(Rule::subject)?);
                children.presume(Rule::KW_OLDER)?;
                children.presume(Rule::KW_THAN)?;
                let age = self.lower_quantity(children.presume(Rule::quantity)?)?;
                Condition::OlderThan { subject, age, span }
            }
            Rule::choice_test => {
                let subject = self.lower_ident(children.presume(Rule::subject)?);
                children.presume(Rule::KW_IS)?;
                let value = self.lower_ident(children.presume(Rule::ident)?);
                Condition::Is { subject, value, span }
            }
            Rule::fact => Condition::Fact(self.lower_ident(children.presume(Rule::subject)?)),
            other => {
                return Err(internal(span, format!("unexpected condition term {other:?}")));
            }
        };
        children.finish()?;
        Ok(term)
    }

    fn lower_comparator(&mut self, pair: Pair<'_, Rule>) -> Lowered<Spanned<Comparator>> {
        let span = self.span(&pair);
        let comparator = match pair.as_str() {
            "<" => Comparator::Less,
            "<=" => Comparator::LessEqual,
            ">" => Comparator::Greater,
            ">=" => Comparator::GreaterEqual,
            other => return Err(internal(span, format!("unexpected comparator {other:?}"))),
        };
        Ok(Spanned::new(comparator, span))
    }

    pub(super) fn lower_quantity(&mut self, pair: Pair<'_, Rule>) -> Lowered<Quantity> {
        let span = self.span(&pair);
        let mut children = self.children(pair);
        let value = self.lower_number(children.presume(Rule::number)?)?;
        let unit = children.optional(Rule::unit).map(|u| self.lower_ident(u));
        children.finish()?;
        Ok(Quantity { value, unit, span })
    }

    fn lower_number(&mut self, pair: Pair<'_, Rule>) -> Lowered<Spanned<f64>> {
        let span = self.span(&pair);
        match pair.as_str().parse::<f64>() {
            Ok(value) if value.is_finite() => Ok(Spanned::new(value, span)),
            _ => Err(Diagnostic::error("E0104", format!("the number `{}` is too large", pair.as_str()))
                .primary(span, "too large")
                .help("numbers must fit in a 64-bit float")),
        }
    }

    fn lower_ident(&self, pair: Pair<'_, Rule>) -> Spanned<String> {
        Spanned::new(pair.as_str().to_string(), self.span(&pair))
    }

    fn lower_ident_list(&mut self, pair: Pair<'_, Rule>) -> Lowered<Vec<Name>> {
        let mut children = self.children(pair);
        let mut names = Vec::new();
        while let Some(ident) = children.optional(Rule::ident) {
            names.push(self.lower_ident(ident));
        }
        children.finish()?;
        Ok(names)
    }

    fn lower_label(&mut self, pair: Pair<'_, Rule>) -> Lowered<Spanned<String>> {
        let mut children = self.children(pair);
        let text = self.lower_string(children.presume(Rule::string)?)?;
        children.finish()?;
        Ok(text)
    }

    fn lower_string(&mut self, pair: Pair<'_, Rule>) -> Lowered<Spanned<String>> {
        let span = self.span(&pair);
        let mut children = self.children(pair);
        let inner = children.presume(Rule::string_inner)?;
        children.finish()?;
        let text = unescape(inner.as_str());
        // Strings reach every report: one that would act on a terminal, or
        // reorder the text around it, is refused here.
        if let Some((at, c)) = inner.as_str().char_indices().find(|&(_, c)| is_hidden(c)) {
            let start = span_of(&inner, self.origin).start + at;
            return Err(Diagnostic::error(
                "E0106",
                format!(
                    "a string holds the {} character {}",
                    if c.is_control() { "control" } else { "direction-changing" },
                    c.escape_unicode()
                ),
            )
            .primary(Span::new(self.origin.file, start..start + c.len_utf8()), "here")
            .help("remove it: strings are shown in reports, where it would act on the screen instead of showing"));
        }
        Ok(Spanned::new(text, span))
    }
}

/// A string's text with its escapes, `\"` and `\\`, undone in one pass:
/// the grammar allows no others, so a backslash always stands before the
/// character it escapes.
fn unescape(raw: &str) -> String {
    if !raw.contains('\\') {
        return raw.to_string();
    }
    let mut text = String::with_capacity(raw.len());
    let mut escaped = false;
    for c in raw.chars() {
        if c == '\\' && !escaped {
            escaped = true;
        } else {
            text.push(c);
            escaped = false;
        }
    }
    text
}

/// One operand stands for itself; several are joined by `join`.
fn collapse(
    mut operands: Vec<Condition>,
    span: Span,
    join: fn(Vec<Condition>, Span) -> Condition,
) -> Condition {
    if operands.len() == 1 {
        if let Some(only) = operands.pop() {
            return only;
        }
    }
    join(operands, span)
}

/// Lowers a pair produced by one of the `eof_*` test entry rules.
pub(super) fn lower_eof_condition(pair: Pair<'_, Rule>, file: FileId) -> Lowered<Condition> {
    let origin = Origin { file, offset: 0 };
    let mut lowering = Lowering { origin, diagnostics: Vec::new(), depth: 0 };
    let mut children = Children::of(pair, origin);
    let condition = lowering.lower_condition(children.presume(Rule::condition)?)?;
    children.presume(Rule::EOI)?;
    children.finish()?;
    Ok(condition)
}
