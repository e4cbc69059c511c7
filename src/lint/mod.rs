//! Lints: a checked knowledge base in, warnings out.
//!
//! `check` refuses what is wrong; lints point at what is legal but likely a
//! mistake or a weakness: thin evidence, unused inputs and records,
//! conditions that can never hold, rules that duplicate others, and files
//! whose review is out of date. Every lint has a stable `W` code.

mod satisfiable;

pub use satisfiable::never_holds;

use std::collections::BTreeSet;

use crate::check::{Expr, InputId, Program, Rule};
use crate::dates::{Date, days_between};
use crate::diagnostic::Diagnostic;
use crate::evidence::{Certainty, EvidenceBase};
use crate::knowledge_base::KnowledgeBase;
use crate::span::Span;
use crate::syntax::ast::{Comparator, RuleKind, Stance};
use crate::units::format_quantity;

/// Settings of a lint run.
#[derive(Debug, Clone, Copy)]
pub struct LintOptions {
    /// A file reviewed longer ago than this many days is reported.
    pub max_age_days: i64,
    /// The date the review age is measured to.
    pub today: Date,
}

/// Every lint warning for a knowledge base, sorted by place.
pub fn lint(kb: &KnowledgeBase, options: &LintOptions) -> Vec<Diagnostic> {
    let program = &kb.graph.program;
    let mut warnings = Vec::new();
    for rule in &program.rules {
        warnings.extend(weak_evidence(rule, &kb.evidence));
        warnings.extend(unsupported(rule, &kb.evidence));
        for expr in rule.when.iter().chain(rule.unless.iter()) {
            warnings.extend(satisfiable::never_true(program, rule, expr));
        }
    }
    warnings.extend(doses_over_limits(program));
    warnings.extend(shadowed(program));
    warnings.extend(program.rules.iter().filter_map(|rule| blocked_by_own_unless(program, rule)));
    warnings.extend(unused_inputs(program));
    warnings.extend(uncited_records(program, &kb.evidence));
    warnings.extend(stale_reviews(program, options));
    crate::diagnostic::sort(&mut warnings);
    warnings
}

/// W0101: nothing behind the rule reaches moderate certainty.
fn weak_evidence(rule: &Rule, evidence: &EvidenceBase) -> Option<Diagnostic> {
    if rule.citations.is_empty() {
        return None;
    }
    let best = rule
        .citations
        .iter()
        .filter(|c| c.stance == Stance::Supports)
        .filter(|c| evidence.get(&c.evidence).is_some_and(|r| !r.record.verification.is_unsupported()))
        .map(|c| c.certainty)
        .max();
    let supporting_unverified = rule.citations.iter().any(|c| c.stance == Stance::Supports);
    // Resting only on unchecked citations is W0103's finding, not this one.
    if best.is_some_and(|b| b >= Certainty::Moderate) || (best.is_none() && supporting_unverified) {
        return None;
    }
    let best_words = best.map_or("no supporting evidence", |b| match b {
        Certainty::Low => "low-certainty evidence at best",
        _ => "very-low-certainty evidence at best",
    });
    Some(
        Diagnostic::warning("W0101", format!("`{}` rests on {best_words}", rule.name))
            .primary(rule.span, "no evidence of moderate or high certainty")
            .help(
                "cite stronger evidence if there is some, and say how weak it is in a caveat if there is not",
            ),
    )
}

/// W0103: every supporting citation is `not_found` or `unverified`.
fn unsupported(rule: &Rule, evidence: &EvidenceBase) -> Option<Diagnostic> {
    let supporting: Vec<_> = rule
        .citations
        .iter()
        .filter(|c| c.stance == Stance::Supports)
        .filter_map(|c| evidence.get(&c.evidence).map(|r| (c, r)))
        .collect();
    let all_unsupported =
        !supporting.is_empty() && supporting.iter().all(|(_, r)| r.record.verification.is_unsupported());
    if !all_unsupported || rule.kind == RuleKind::Derive {
        return None;
    }
    let mut diagnostic = Diagnostic::warning(
        "W0103",
        format!("`{}` rests only on citations that are not found or unverified", rule.name),
    )
    .primary(rule.span, "reports will say so in its heading")
    .help("cite a source that was found and checked, or keep the rule and its plain warning");
    for (citation, _) in supporting {
        diagnostic = diagnostic.secondary(citation.span, "not a checked source");
    }
    Some(diagnostic)
}

/// W0111: a recommendation whose dose, on its own, can pass a daily limit
/// on what it contains; reported at the dose, with the limit beside it.
fn doses_over_limits(program: &Program) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for limit in program.rules.iter().filter(|r| r.kind == RuleKind::Limit) {
        let mut stack: Vec<&Expr> = limit.when.iter().collect();
        while let Some(expr) = stack.pop() {
            match expr {
                Expr::And(parts) | Expr::Or(parts) => stack.extend(parts),
                Expr::Not(inner) => stack.push(inner),
                Expr::DailyIntake { name, bound, limit: written, limit_mg, suggested, span, .. }
                    if matches!(bound, Comparator::Less | Comparator::LessEqual) =>
                {
                    for dose in suggested.iter().filter(|dose| !bound.holds(dose.milligrams, *limit_mg)) {
                        let Some(suggestion) = program.rule(dose.rule) else { continue };
                        let Some(range) = &suggestion.advice.dose else { continue };
                        if !can_meet(program, suggestion, limit) {
                            continue;
                        }
                        let bound_text =
                            format!("{} {}", bound.symbol(), format_quantity(written.value, written.unit));
                        found.push(
                            Diagnostic::warning(
                                "W0111",
                                format!(
                                    "`{}` suggests up to {} a day of {name}, over the limit `{}` ({bound_text})",
                                    suggestion.name,
                                    format_quantity(range.high, range.unit),
                                    limit.name
                                ),
                            )
                            .primary(range.span, "can pass the limit on its own")
                            .secondary(*span, "the limit")
                            .help(format!(
                                "keep the dose's high end within the limit ({bound_text}), or say in the rules why it may pass it"
                            )),
                        );
                    }
                }
                _ => {}
            }
        }
    }
    found
}

/// Whether one person can be in both rules' populations and meet both
/// rules' conditions at once, as far as comparing their parts can tell: a
/// suggestion for adults never meets a limit for ages 1 to 3.
fn can_meet(program: &Program, first: &Rule, second: &Rule) -> bool {
    let population =
        |rule: &Rule| rule.population.and_then(|p| program.rule(p.rule)).and_then(|p| p.when.clone());
    let parts: Vec<Expr> = [population(first), first.when.clone(), population(second), second.when.clone()]
        .into_iter()
        .flatten()
        .collect();
    !never_holds(program, &Expr::And(parts))
}

/// W0105: an input no condition reads.
fn unused_inputs(program: &Program) -> Vec<Diagnostic> {
    let mut used = BTreeSet::new();
    for rule in &program.rules {
        for expr in rule.when.iter().chain(rule.unless.iter()) {
            collect_inputs(expr, &mut used);
        }
    }
    (0..program.inputs.len())
        .map(InputId)
        .filter(|id| !used.contains(id))
        .filter_map(|id| program.input(id))
        .map(|input| {
            Diagnostic::warning("W0105", format!("input `{}` is never used", input.name))
                .primary(input.span, "no condition reads it")
                .help("use it in a condition, or remove the declaration")
        })
        .collect()
}

fn collect_inputs(expr: &Expr, used: &mut BTreeSet<InputId>) {
    match expr {
        Expr::And(parts) | Expr::Or(parts) => parts.iter().for_each(|p| collect_inputs(p, used)),
        Expr::Not(inner) => collect_inputs(inner, used),
        Expr::Compare { input, .. }
        | Expr::Known(input, _)
        | Expr::Unknown(input, _)
        | Expr::Has { input, .. }
        | Expr::Flag(input, _)
        | Expr::Is { input, .. }
        | Expr::OlderThan { input, .. }
        | Expr::OutsideRange { input, .. }
        | Expr::DailyIntake { supplements: input, .. } => {
            used.insert(*input);
        }
        Expr::Fact(..) | Expr::Invalid(_) => {}
    }
}

/// W0104: an evidence record that no rule cites.
fn uncited_records(program: &Program, evidence: &EvidenceBase) -> Vec<Diagnostic> {
    let cited: BTreeSet<&str> =
        program.rules.iter().flat_map(|r| r.citations.iter().map(|c| c.evidence.as_str())).collect();
    evidence
        .iter()
        .filter(|r| !cited.contains(r.record.id.as_str()))
        .map(|r| {
            Diagnostic::warning(
                "W0104",
                format!("evidence record `{}` is not cited by any rule", r.record.id),
            )
            .primary(r.span, "never cited")
            .help("cite it where it bears on a rule, or remove it if it bears on none")
        })
        .collect()
}

/// W0107: a rule that adds nothing, because another rule of the same kind
/// and subject (label or form) applies whenever it does: its `when` holds
/// every part of the other's `when`, and the other has no `unless` it lacks.
fn shadowed(program: &Program) -> Vec<Diagnostic> {
    let mut warnings = Vec::new();
    for (index, rule) in program.rules.iter().enumerate() {
        let shadow = program.rules.iter().enumerate().find(|&(other_index, other)| {
            other_index != index
                && other.kind == rule.kind
                && same_subject(rule, other)
                && conjuncts(program, &rule.when).is_superset(&conjuncts(program, &other.when))
                && (other.unless.is_none() || conjuncts(program, &other.unless) == conjuncts(program, &rule.unless))
                // Of two identical rules, report only the later one.
                && (other_index < index || conjuncts(program, &rule.when) != conjuncts(program, &other.when))
        });
        if let Some((_, other)) = shadow {
            warnings.push(
                Diagnostic::warning(
                    "W0107",
                    format!(
                        "`{}` is shadowed by `{}`, which applies whenever it does",
                        rule.name, other.name
                    ),
                )
                .primary(rule.span, "adds nothing to the other rule")
                .secondary(other.span, "the rule that shadows it")
                .help("merge the two rules, or remove the narrower one"),
            );
        }
    }
    warnings
}

fn same_subject(a: &Rule, b: &Rule) -> bool {
    a.label.eq_ignore_ascii_case(&b.label) || (a.advice.form.is_some() && a.advice.form == b.advice.form)
}

/// The parts of a condition that must all hold, as text.
fn conjuncts(program: &Program, expr: &Option<Expr>) -> BTreeSet<String> {
    fn flatten(program: &Program, expr: &Expr, out: &mut BTreeSet<String>) {
        match expr {
            Expr::And(parts) => parts.iter().for_each(|p| flatten(program, p, out)),
            other => {
                out.insert(program.describe(other));
            }
        }
    }
    let mut out = BTreeSet::new();
    if let Some(expr) = expr {
        flatten(program, expr, &mut out);
    }
    out
}

/// W0110: a rule whose contraindication holds whenever it applies, so it can
/// never fire.
fn blocked_by_own_unless(program: &Program, rule: &Rule) -> Option<Diagnostic> {
    let (Some(when), Some(unless)) = (&rule.when, &rule.unless) else { return None };
    // `when and not unless`, with `not (a or b)` spread as `not a and not b`.
    let negated: Vec<Expr> = match unless {
        Expr::Or(parts) => parts.iter().map(|p| Expr::Not(Box::new(p.clone()))).collect(),
        other => vec![Expr::Not(Box::new(other.clone()))],
    };
    let mut parts = vec![when.clone()];
    parts.extend(negated);
    satisfiable::is_unsatisfiable(program, &Expr::And(parts)).then(|| {
        Diagnostic::warning(
            "W0110",
            format!("`{}` can never fire: whenever it applies, its `unless` holds", rule.name),
        )
        .primary(rule.span, "always ruled out")
        .help("narrow the `unless`, or remove the rule")
    })
}

/// W0108 / W0109: a rule file not reviewed recently, or never.
fn stale_reviews(program: &Program, options: &LintOptions) -> Vec<Diagnostic> {
    let mut warnings = Vec::new();
    for file in &program.files {
        match &file.reviewed {
            None => warnings.push(
                Diagnostic::warning("W0109", format!("`{}` has no `reviewed` date", file.name))
                    .primary(Span::new(file.file, 0..0), "in this file")
                    .help("add `reviewed YYYY-MM-DD` with the date the rules were last checked against their sources"),
            ),
            Some(reviewed) => {
                let age = days_between(reviewed.node, options.today);
                if age > options.max_age_days {
                    warnings.push(
                        Diagnostic::warning(
                            "W0108",
                            format!(
                                "`{}` was last reviewed {age} days ago, more than the limit of {}",
                                file.name, options.max_age_days
                            ),
                        )
                        .primary(reviewed.span, "reviewed on this date")
                        .help("review the rules against their sources, then update the date"),
                    );
                }
            }
        }
    }
    warnings
}
