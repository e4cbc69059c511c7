//! Name resolution, unit checking and clause checking.

use std::collections::BTreeMap;

use super::program::*;
use crate::diagnostic::Diagnostic;
use crate::evidence::{Certainty, EvidenceBase};
use crate::span::{FileId, SourceMap, Span, Spanned};
use crate::suggest::did_you_mean;
use crate::syntax::ast::{self, Clause, Comparator, Condition, Item, RuleKind, Strength};
use crate::units::{self, ConversionError, Dimension, Unit};

/// The timing words a recommendation may use.
pub const TIMINGS: [&str; 5] = ["morning", "evening", "bedtime", "empty_stomach", "with_food"];

/// Checks parsed rule files against the evidence base. Always returns the
/// program it could build, with every diagnostic found; the program is fit
/// to evaluate only when no diagnostic is an error.
pub fn check(
    sources: &SourceMap,
    files: &[(FileId, ast::RuleFile)],
    evidence: &EvidenceBase,
) -> (Program, Vec<Diagnostic>) {
    let mut checker = Checker {
        evidence,
        diagnostics: Vec::new(),
        names: BTreeMap::new(),
        groups: BTreeMap::new(),
        rules_declared: 0,
        program: Program::default(),
    };
    for (file, rule_file) in files {
        checker.program.files.push(FileMeta {
            file: *file,
            name: sources.get(*file).map(|f| f.name.clone()).unwrap_or_default(),
            title: rule_file.title.as_ref().map(|t| t.node.clone()),
            version: rule_file.version.as_ref().map(|v| v.node.clone()),
            reviewed: rule_file.reviewed.clone(),
        });
    }
    // Declarations first, so rules may refer to names declared later or in
    // other files.
    for (_, rule_file) in files {
        for item in &rule_file.items {
            checker.declare(item);
        }
    }
    for (_, rule_file) in files {
        for item in &rule_file.items {
            if let Item::Rule(rule) = item {
                let checked = checker.check_rule(rule);
                checker.program.rules.push(checked);
            }
        }
    }
    // The daily plan walks the slots in the order of the day.
    checker.program.slots.sort_by(|a, b| a.hour.total_cmp(&b.hour));
    (checker.program, checker.diagnostics)
}

/// What a top-level name refers to.
#[derive(Debug, Clone, Copy)]
enum Declared {
    Input(InputId),
    Group,
    Slot,
    Rule(RuleId),
}

struct Group {
    members: Vec<String>,
}

struct Checker<'e> {
    evidence: &'e EvidenceBase,
    diagnostics: Vec<Diagnostic>,
    /// Every top-level name with where it was declared.
    names: BTreeMap<String, (Declared, Span)>,
    groups: BTreeMap<String, Group>,
    rules_declared: usize,
    program: Program,
}

impl Checker<'_> {
    fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// Registers a name, reporting a duplicate with both places.
    fn claim(&mut self, name: &Spanned<String>, declared: Declared) -> bool {
        if let Some((_, first)) = self.names.get(&name.node) {
            let first = *first;
            self.report(
                Diagnostic::error("E0202", format!("`{}` is declared twice", name.node))
                    .primary(name.span, "declared again here")
                    .secondary(first, "first declared here")
                    .help("inputs, groups and rules share one namespace; rename one of them"),
            );
            return false;
        }
        self.names.insert(name.node.clone(), (declared, name.span));
        true
    }

    fn declare(&mut self, item: &Item) {
        match item {
            Item::Input(input) => {
                if let Some(kind) = self.check_input_kind(input) {
                    let id = InputId(self.program.inputs.len());
                    if self.claim(&input.name, Declared::Input(id)) {
                        self.program.input_index.insert(input.name.node.clone(), id);
                        self.program.inputs.push(Input {
                            name: input.name.node.clone(),
                            label: input.label.node.clone(),
                            kind,
                            loinc: input.loinc.as_ref().map(|l| l.node.clone()),
                            span: input.name.span,
                        });
                    }
                }
            }
            Item::Group(group) => {
                if self.claim(&group.name, Declared::Group) {
                    let members: Vec<String> = group.members.iter().map(|m| m.node.clone()).collect();
                    self.program.groups.insert(group.name.node.clone(), members.clone());
                    self.groups.insert(group.name.node.clone(), Group { members });
                }
            }
            Item::Slot(slot) => {
                if let Some(checked) = self.check_slot(slot) {
                    if self.claim(&slot.name, Declared::Slot) {
                        self.program.slots.push(checked);
                    }
                }
            }
            Item::Rule(rule) => {
                // `check` pushes every rule in this same order, duplicates
                // included, so this is the index the rule will have.
                let id = RuleId(self.rules_declared);
                self.rules_declared += 1;
                self.claim(&rule.name, Declared::Rule(id));
            }
        }
    }

    fn check_input_kind(&mut self, input: &ast::InputDecl) -> Option<InputKind> {
        match &input.kind {
            ast::InputKind::Flag => Some(InputKind::Flag),
            ast::InputKind::List => {
                let list = ProfileList::ALL.into_iter().find(|l| l.name() == input.name.node);
                if list.is_none() {
                    self.report(
                        Diagnostic::error(
                            "E0208",
                            format!("`{}` is not a list in a profile", input.name.node),
                        )
                        .primary(input.name.span, "no such profile list")
                        .maybe_help(did_you_mean(&input.name.node, ProfileList::ALL.map(ProfileList::name)))
                        .note(
                            "profiles have the lists `conditions`, `medications`, `supplements` and `diet`",
                        ),
                    );
                }
                list.map(InputKind::List)
            }
            ast::InputKind::Lab { dimension, unit } => {
                let Some(dim) = Dimension::from_name(&dimension.node) else {
                    self.report(
                        Diagnostic::error("E0304", format!("unknown dimension `{}`", dimension.node))
                            .primary(dimension.span, "not a dimension")
                            .maybe_help(did_you_mean(&dimension.node, Dimension::ALL.map(Dimension::name)))
                            .note(format!(
                                "the dimensions are {}",
                                Dimension::ALL.map(|d| format!("`{}`", d.name())).join(", ")
                            )),
                    );
                    return None;
                };
                let canonical = self.parse_unit(unit)?;
                if canonical.dimension != dim {
                    self.report(
                        Diagnostic::error(
                            "E0302",
                            format!(
                                "`{}` measures {}, not {}",
                                canonical.symbol,
                                canonical.dimension.describe(),
                                dim.describe()
                            ),
                        )
                        .primary(unit.span, "unit of another dimension")
                        .help(format!("use one of {}", quote_list(&Unit::symbols_of(dim)))),
                    );
                    return None;
                }
                if let Some(mass) = &input.molar_mass {
                    if mass.node <= 0.0 {
                        self.report(
                            Diagnostic::error("E0305", "a molar mass must be greater than zero")
                                .primary(mass.span, "not a molar mass")
                                .help(
                                    "give the analyte's molar mass in g/mol, e.g. `molar_mass 1355.37 g/mol`",
                                ),
                        );
                    }
                }
                Some(InputKind::Lab {
                    unit: canonical,
                    molar_mass: input.molar_mass.as_ref().map(|m| m.node).filter(|m| *m > 0.0),
                })
            }
        }
    }

    fn check_slot(&mut self, slot: &ast::SlotDecl) -> Option<Slot> {
        let unit = self.quantity_unit(&slot.time)?;
        let Ok(hour) = units::convert(slot.time.value.node, unit, Unit::HOUR, None) else {
            self.report(
                Diagnostic::error(
                    "E0302",
                    format!(
                        "a slot's time is a time of day, but `{}` is a {}",
                        unit.symbol,
                        unit.dimension.describe()
                    ),
                )
                .primary(slot.time.span, "not a time")
                .help("give the hours after midnight, e.g. `at 7 h` or `at 19.5 h`"),
            );
            return None;
        };
        if !(0.0..24.0).contains(&hour) {
            self.report(
                Diagnostic::error("E0306", format!("`{}` is not a time of day", units::format_number(hour)))
                    .primary(slot.time.value.span, "outside the day")
                    .help("slot times run from 0 h up to, but not including, 24 h"),
            );
            return None;
        }
        let provides = self.check_timing(&slot.provides);
        Some(Slot {
            name: slot.name.node.clone(),
            label: slot.label.node.clone(),
            hour,
            provides,
            span: slot.name.span,
        })
    }

    fn parse_unit(&mut self, unit: &Spanned<String>) -> Option<Unit> {
        let parsed = Unit::parse(&unit.node);
        if parsed.is_none() {
            self.report(
                Diagnostic::error("E0301", format!("unknown unit `{}`", unit.node))
                    .primary(unit.span, "not a unit Warrant knows")
                    .maybe_help(did_you_mean(&unit.node, Unit::all_symbols())),
            );
        }
        parsed
    }

    fn check_rule(&mut self, rule: &ast::RuleDecl) -> Rule {
        let mut checked = Rule {
            kind: rule.kind,
            name: rule.name.node.clone(),
            label: rule.label.node.clone(),
            when: None,
            unless: None,
            advice: Advice::default(),
            strength: None,
            citations: Vec::new(),
            caveats: Vec::new(),
            span: rule.name.span,
        };
        let mut seen: BTreeMap<&'static str, Span> = BTreeMap::new();
        let mut daily = None;
        for clause in &rule.clauses {
            let span = clause_span(clause);
            if !self.clause_allowed(rule, clause, span) {
                continue;
            }
            let repeatable =
                matches!(clause, Clause::Caveat(_) | Clause::Cite(_) | Clause::SeparateFrom { .. });
            if !repeatable {
                if let Some(first) = seen.get(clause.keyword()) {
                    let first = *first;
                    self.report(
                        Diagnostic::error(
                            "E0207",
                            format!("`{}` is given twice in `{}`", clause.keyword(), rule.name.node),
                        )
                        .primary(span, "second one here")
                        .secondary(first, "first one here")
                        .help(match clause {
                            Clause::When(_) | Clause::Unless(_) => "join the conditions with `and` or `or`",
                            _ => "keep one of them",
                        }),
                    );
                    continue;
                }
                seen.insert(clause.keyword(), span);
            }
            match clause {
                Clause::When(condition) => checked.when = Some(self.check_condition(condition)),
                Clause::Unless(condition) => checked.unless = Some(self.check_condition(condition)),
                Clause::Form(form) => checked.advice.form = Some(form.node.clone()),
                Clause::Dose(dose) => checked.advice.dose = self.check_dose(dose),
                Clause::Timing(words) => checked.advice.timing = self.check_timing(words),
                Clause::TakeWith(items) => checked.advice.take_with = names_of(items),
                Clause::SeparateFrom { items, gap } => {
                    if let Some(hours) = self.check_gap(gap) {
                        checked.advice.separate_from.push(Separation { items: names_of(items), hours });
                    }
                }
                Clause::Strength(strength) => checked.strength = Some(strength.node),
                Clause::Cite(citations) => {
                    for citation in citations {
                        self.check_citation(&rule.name.node, citation, &mut checked.citations);
                    }
                }
                Clause::Caveat(text) => checked.caveats.push(text.node.clone()),
                Clause::Daily(bound) => daily = self.check_daily(bound),
                Clause::Contains(items) => checked.advice.contains = names_of(items),
            }
        }
        // A limit fires when its daily bound is broken (and `when` holds).
        if let Some(intake) = daily {
            checked.when = Some(match checked.when.take() {
                Some(when) => Expr::And(vec![when, intake]),
                None => intake,
            });
        }
        self.check_required_clauses(rule, &checked, &seen);
        checked
    }

    /// Reports a clause that this kind of rule cannot have.
    fn clause_allowed(&mut self, rule: &ast::RuleDecl, clause: &Clause, span: Span) -> bool {
        let advice = matches!(
            clause,
            Clause::Form(_)
                | Clause::Dose(_)
                | Clause::Timing(_)
                | Clause::TakeWith(_)
                | Clause::SeparateFrom { .. }
        );
        let allowed = match clause {
            _ if advice => rule.kind == RuleKind::Recommend,
            Clause::Strength(_) => rule.kind == RuleKind::Recommend,
            Clause::Daily(_) => rule.kind == RuleKind::Limit,
            Clause::Unless(_) => rule.kind != RuleKind::Derive,
            _ => true,
        };
        if !allowed {
            let only = match clause {
                Clause::Daily(_) => "only a `limit` has a daily bound",
                Clause::Unless(_) => "a derived fact has no contraindications; put the condition in `when`",
                _ => "only a `recommend` says what to take and how firmly",
            };
            self.report(
                Diagnostic::error(
                    "E0207",
                    format!("a `{}` cannot have a `{}` clause", rule.kind.keyword(), clause.keyword()),
                )
                .primary(span, "not allowed here")
                .help(only),
            );
        }
        allowed
    }

    fn check_required_clauses(
        &mut self,
        rule: &ast::RuleDecl,
        checked: &Rule,
        seen: &BTreeMap<&'static str, Span>,
    ) {
        let head = rule.name.span;
        // A limit is decided by its daily bound; background applies always.
        let needs_when =
            !matches!(rule.kind, RuleKind::Limit | RuleKind::Inform) && !seen.contains_key("when");
        if needs_when {
            self.report(
                Diagnostic::error("E0205", format!("`{}` has no `when` clause", rule.name.node))
                    .primary(head, "says nothing about when it applies")
                    .help("add `when <condition>`, e.g. `when ferritin <= 75 ng/mL`"),
            );
        }
        if rule.kind == RuleKind::Limit && !seen.contains_key("daily") {
            self.report(
                Diagnostic::error("E0205", format!("limit `{}` has no `daily` bound", rule.name.node))
                    .primary(head, "no bound to check")
                    .help("add e.g. `daily vitamin_b6 <= 100 mg`"),
            );
        }
        if rule.kind == RuleKind::Recommend && !seen.contains_key("strength") {
            self.report(
                Diagnostic::error("E0205", format!("recommendation `{}` has no `strength`", rule.name.node))
                    .primary(head, "how firm is this recommendation?")
                    .help("add `strength strong` or `strength conditional`"),
            );
        }
        let cited = rule.clauses.iter().any(|c| matches!(c, Clause::Cite(_)));
        if rule.kind != RuleKind::Derive && !cited {
            self.report(
                Diagnostic::error("E0206", format!("`{}` cites no evidence", rule.name.node))
                    .primary(head, "no `cite` clause")
                    .help("every suggestion, test, caution and limit cites at least one evidence record: add `cite <id> supports`"),
            );
        }
        let strong = checked.strength == Some(Strength::Strong);
        let best =
            checked.citations.iter().filter(|c| c.stance == ast::Stance::Supports).map(|c| c.certainty).max();
        if strong && best.is_some_and(|b| b <= Certainty::Low) {
            self.report(
                Diagnostic::error(
                    "E0209",
                    format!("`{}` is a strong recommendation, but its supporting evidence is at best of low certainty", rule.name.node),
                )
                .primary(head, "strong on weak evidence")
                .help("make it `strength conditional`, or cite evidence of moderate or high certainty"),
            );
        }
    }

    fn check_citation(&mut self, rule: &str, citation: &ast::Citation, into: &mut Vec<Citation>) {
        let id = &citation.evidence;
        if let Some(previous) = into.iter().find(|c| c.evidence == id.node) {
            let first = previous.span;
            self.report(
                Diagnostic::error("E0202", format!("`{rule}` cites `{}` twice", id.node))
                    .primary(id.span, "cited again here")
                    .secondary(first, "first cited here")
                    .help("cite each record once"),
            );
            return;
        }
        match self.evidence.get(&id.node) {
            Some(located) => into.push(Citation {
                evidence: id.node.clone(),
                stance: citation.stance,
                certainty: located.record.certainty,
                span: id.span,
            }),
            None if !self.evidence.is_complete() => {}
            None => self.report(
                Diagnostic::error("E0203", format!("unknown evidence id `{}`", id.node))
                    .primary(id.span, "no evidence record has this id")
                    .maybe_help(did_you_mean(&id.node, self.evidence.ids()))
                    .note("evidence records live in `evidence/*.yaml`"),
            ),
        }
    }

    fn check_dose(&mut self, dose: &ast::Dose) -> Option<DoseRange> {
        let unit = self.parse_unit(&dose.unit)?;
        if unit.dimension != Dimension::Mass {
            self.report(
                Diagnostic::error(
                    "E0302",
                    format!(
                        "a daily dose is a mass, but `{}` is a {}",
                        unit.symbol,
                        unit.dimension.describe()
                    ),
                )
                .primary(dose.unit.span, "not a mass")
                .help(format!("use one of {}", quote_list(&Unit::symbols_of(Dimension::Mass)))),
            );
            return None;
        }
        if dose.low.node > dose.high.node {
            self.report(
                Diagnostic::error("E0210", "the dose range runs backwards")
                    .primary(dose.span, "low end above high end")
                    .help(format!(
                        "write `dose {} to {} {} daily`",
                        dose.high.node, dose.low.node, unit.symbol
                    )),
            );
            return None;
        }
        Some(DoseRange { low: dose.low.node, high: dose.high.node, unit })
    }

    fn check_timing(&mut self, words: &[Spanned<String>]) -> Vec<String> {
        let mut timing = Vec::new();
        for word in words {
            if TIMINGS.contains(&word.node.as_str()) {
                timing.push(word.node.clone());
            } else {
                self.report(
                    Diagnostic::error("E0211", format!("unknown timing `{}`", word.node))
                        .primary(word.span, "not a timing")
                        .maybe_help(did_you_mean(&word.node, TIMINGS))
                        .note(format!("the timings are {}", quote_list(&TIMINGS))),
                );
            }
        }
        timing
    }

    fn check_gap(&mut self, gap: &ast::Quantity) -> Option<f64> {
        let unit = self.quantity_unit(gap)?;
        match units::convert(gap.value.node, unit, Unit::HOUR, None) {
            Ok(hours) => Some(hours),
            Err(_) => {
                self.report(
                    Diagnostic::error(
                        "E0302",
                        format!(
                            "a gap between doses is a time, but `{}` is a {}",
                            unit.symbol,
                            unit.dimension.describe()
                        ),
                    )
                    .primary(gap.span, "not a time")
                    .help("write the gap in hours, e.g. `by 2 h`"),
                );
                None
            }
        }
    }

    /// The unit of a written quantity, reporting a missing or unknown one.
    fn quantity_unit(&mut self, quantity: &ast::Quantity) -> Option<Unit> {
        match &quantity.unit {
            Some(unit) => self.parse_unit(unit),
            None => {
                self.report(
                    Diagnostic::error(
                        "E0303",
                        format!("`{}` has no unit", units::format_number(quantity.value.node)),
                    )
                    .primary(quantity.value.span, "which unit?")
                    .help("write the unit after the number, e.g. `75 ng/mL` or `20 %`"),
                );
                None
            }
        }
    }

    fn check_daily(&mut self, bound: &ast::DailyBound) -> Option<Expr> {
        let supplements = self.supplements_input(bound.span);
        let members = self.members_of(&bound.supplement.node);
        let unit = self.quantity_unit(&bound.bound)?;
        if unit.dimension != Dimension::Mass {
            self.report(
                Diagnostic::error(
                    "E0302",
                    format!(
                        "a daily intake is a mass, but `{}` is a {}",
                        unit.symbol,
                        unit.dimension.describe()
                    ),
                )
                .primary(bound.bound.span, "not a mass")
                .help(format!("use one of {}", quote_list(&Unit::symbols_of(Dimension::Mass)))),
            );
            return None;
        }
        Some(Expr::DailyIntake {
            supplements: supplements?,
            name: bound.supplement.node.clone(),
            members,
            bound: bound.comparator.node,
            limit: Written { value: bound.bound.value.node, unit },
            span: bound.span,
        })
    }

    fn supplements_input(&mut self, span: Span) -> Option<InputId> {
        let found =
            self.program.inputs.iter().position(|i| i.kind == InputKind::List(ProfileList::Supplements));
        if found.is_none() {
            self.report(
                Diagnostic::error(
                    "E0201",
                    "a daily bound needs the profile's `supplements` list, which is not declared",
                )
                .primary(span, "reads `supplements`")
                .help("declare it: `input supplements: list \"Supplements taken\"`"),
            );
        }
        found.map(InputId)
    }

    /// A group's members, or the name alone when it is not a group.
    fn members_of(&self, name: &str) -> Vec<String> {
        match self.groups.get(name) {
            Some(group) => std::iter::once(name.to_string()).chain(group.members.iter().cloned()).collect(),
            None => vec![name.to_string()],
        }
    }

    fn check_condition(&mut self, condition: &Condition) -> Expr {
        match condition {
            Condition::And(parts, _) => Expr::And(parts.iter().map(|p| self.check_condition(p)).collect()),
            Condition::Or(parts, _) => Expr::Or(parts.iter().map(|p| self.check_condition(p)).collect()),
            Condition::Not(inner, _) => Expr::Not(Box::new(self.check_condition(inner))),
            Condition::Compare { subject, comparator, threshold, span } => {
                self.check_comparison(subject, comparator.node, threshold, *span)
            }
            Condition::Known(name, span) | Condition::Unknown(name, span) => {
                let Some(input) = self.expect_input(name, "`known` and `unknown` test inputs") else {
                    return Expr::Invalid(*span);
                };
                if matches!(condition, Condition::Known(..)) {
                    Expr::Known(input, *span)
                } else {
                    Expr::Unknown(input, *span)
                }
            }
            Condition::OutsideRange { subject, side, span } => {
                let Some(input) = self.expect_input(subject, "range tests read lab values") else {
                    return Expr::Invalid(*span);
                };
                if !matches!(self.program.input(input).map(|i| i.kind), Some(InputKind::Lab { .. })) {
                    self.report(
                        Diagnostic::error(
                            "E0204",
                            format!("`{}` is not a lab value and has no reference range", subject.node),
                        )
                        .primary(subject.span, "not a lab value")
                        .help("range tests apply to inputs declared with a dimension and unit"),
                    );
                    return Expr::Invalid(*span);
                }
                Expr::OutsideRange { input, side: *side, span: *span }
            }
            Condition::Has { list, item, span } => {
                let Some(input) = self.expect_input(list, "`has` tests a list") else {
                    return Expr::Invalid(*span);
                };
                if !matches!(self.program.input(input).map(|i| i.kind), Some(InputKind::List(_))) {
                    self.report(
                        Diagnostic::error("E0204", format!("`{}` is not a list", list.node))
                            .primary(list.span, "`has` needs a list here")
                            .help("declare it with `input <name>: list`, or test a flag by name alone"),
                    );
                    return Expr::Invalid(*span);
                }
                Expr::Has {
                    input,
                    item: item.node.clone(),
                    members: self.members_of(&item.node),
                    span: *span,
                }
            }
            Condition::Fact(name) => self.check_fact(name),
        }
    }

    fn check_fact(&mut self, name: &Spanned<String>) -> Expr {
        match self.names.get(&name.node).map(|(d, _)| *d) {
            Some(Declared::Rule(rule)) => Expr::Fact(rule, name.span),
            Some(Declared::Input(input)) => match self.program.input(input).map(|i| i.kind) {
                Some(InputKind::Flag) => Expr::Flag(input, name.span),
                Some(InputKind::Lab { unit, .. }) => {
                    self.report(
                        Diagnostic::error(
                            "E0204",
                            format!("`{}` is a lab value, not a yes/no fact", name.node),
                        )
                        .primary(name.span, "needs a comparison")
                        .help(format!(
                            "compare it with a threshold, e.g. `{} < 50 {}`",
                            name.node, unit.symbol
                        )),
                    );
                    Expr::Invalid(name.span)
                }
                _ => {
                    self.report(
                        Diagnostic::error("E0204", format!("`{}` is a list, not a yes/no fact", name.node))
                            .primary(name.span, "needs `has`")
                            .help(format!("test membership, e.g. `{} has <item>`", name.node)),
                    );
                    Expr::Invalid(name.span)
                }
            },
            Some(Declared::Group) => {
                self.report(
                    Diagnostic::error("E0204", format!("`{}` is a group, not a yes/no fact", name.node))
                        .primary(name.span, "a group of list items")
                        .help(format!("test a list for it, e.g. `medications has {}`", name.node)),
                );
                Expr::Invalid(name.span)
            }
            Some(Declared::Slot) => {
                self.report(
                    Diagnostic::error(
                        "E0204",
                        format!("`{}` is a slot of the daily plan, not a yes/no fact", name.node),
                    )
                    .primary(name.span, "a time of day")
                    .help("conditions can name flags, derived facts and outcomes"),
                );
                Expr::Invalid(name.span)
            }
            None => {
                self.unknown_name(name, "a flag, derived fact or outcome");
                Expr::Invalid(name.span)
            }
        }
    }

    fn check_comparison(
        &mut self,
        subject: &Spanned<String>,
        comparator: Comparator,
        threshold: &ast::Quantity,
        span: Span,
    ) -> Expr {
        let Some(input) = self.expect_input(subject, "comparisons test lab values") else {
            return Expr::Invalid(span);
        };
        let Some(InputKind::Lab { unit: canonical, molar_mass }) = self.program.input(input).map(|i| i.kind)
        else {
            self.report(
                Diagnostic::error(
                    "E0204",
                    format!("`{}` is not a lab value and cannot be compared with a quantity", subject.node),
                )
                .primary(subject.span, "not a lab value")
                .help("compare only inputs declared with a dimension and unit"),
            );
            return Expr::Invalid(span);
        };
        let Some(unit) = self.quantity_unit(threshold) else {
            return Expr::Invalid(span);
        };
        match units::convert(threshold.value.node, unit, canonical, molar_mass) {
            Ok(value) => Expr::Compare {
                input,
                comparator,
                threshold: value,
                written: Written { value: threshold.value.node, unit },
                span,
            },
            Err(error) => {
                let unit_span = threshold.unit.as_ref().map_or(threshold.span, |u| u.span);
                let (message, help) = match error {
                    ConversionError::NeedsMolarMass => (
                        format!(
                            "`{}` is molar but `{}` has no molar mass to convert it with",
                            unit.symbol, subject.node
                        ),
                        format!(
                            "add `molar_mass <g/mol>` to the input, or write the threshold in {}",
                            canonical.symbol
                        ),
                    ),
                    ConversionError::Incompatible { .. } => (
                        format!(
                            "`{}` is a {} but `{}` is a {}",
                            unit.symbol,
                            unit.dimension.describe(),
                            subject.node,
                            canonical.dimension.describe()
                        ),
                        format!(
                            "write the threshold in a unit of {}, e.g. {}",
                            canonical.dimension.describe(),
                            canonical.symbol
                        ),
                    ),
                };
                self.report(
                    Diagnostic::error("E0302", message)
                        .primary(unit_span, "unit does not fit the input")
                        .help(help),
                );
                Expr::Invalid(span)
            }
        }
    }

    /// Resolves a name that must be an input.
    fn expect_input(&mut self, name: &Spanned<String>, why: &str) -> Option<InputId> {
        match self.names.get(&name.node).map(|(d, _)| *d) {
            Some(Declared::Input(id)) => Some(id),
            Some(_) => {
                self.report(
                    Diagnostic::error("E0204", format!("`{}` is not an input", name.node))
                        .primary(name.span, "an input is needed here")
                        .help(format!("{why}; refer to a derived fact or outcome by name alone")),
                );
                None
            }
            None => {
                self.unknown_name(name, "an input");
                None
            }
        }
    }

    fn unknown_name(&mut self, name: &Spanned<String>, wanted: &str) {
        let candidates: Vec<&str> = self.names.keys().map(String::as_str).collect();
        let help = did_you_mean(&name.node, candidates.iter().copied());
        self.report(
            Diagnostic::error("E0201", format!("unknown name `{}`", name.node))
                .primary(name.span, format!("expected {wanted}"))
                .maybe_help(help.or_else(|| {
                    Some(format!("declare it with `input {}: ...` or `derive {} ...`", name.node, name.node))
                })),
        );
    }
}

fn clause_span(clause: &Clause) -> Span {
    match clause {
        Clause::When(c) | Clause::Unless(c) => c.span(),
        Clause::Form(s) | Clause::Caveat(s) => s.span,
        Clause::Dose(d) => d.span,
        Clause::Timing(names) | Clause::TakeWith(names) | Clause::Contains(names) => span_of_names(names),
        Clause::SeparateFrom { items, gap } => span_of_names(items).to(gap.span),
        Clause::Strength(s) => s.span,
        Clause::Cite(citations) => {
            citations.iter().map(|c| c.evidence.span).reduce(Span::to).unwrap_or_default()
        }
        Clause::Daily(d) => d.span,
    }
}

fn span_of_names(names: &[Spanned<String>]) -> Span {
    names.iter().map(|n| n.span).reduce(Span::to).unwrap_or_default()
}

fn names_of(names: &[Spanned<String>]) -> Vec<String> {
    names.iter().map(|n| n.node.clone()).collect()
}

fn quote_list(items: &[&str]) -> String {
    items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
}
