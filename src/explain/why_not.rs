//! Why-not: for an outcome that did not fire, what stood in its way and the
//! smallest change to the profile that would make it fire.
//!
//! The condition is walked with the truth each part needs: an `and` needs
//! every part, an `or` any one (the cheapest is chosen), `not` flips what is
//! needed, a derived fact is opened up into its own conditions, and each
//! comparison that is in the way says what the value would have to be,
//! converted to the unit the threshold was written in.

use serde::Serialize;

use super::report::{Reason, explain_condition, short_citation};
use crate::check::{Expr, InputKind, Program, Rule, RuleId};
use crate::evidence::EvidenceBase;
use crate::infer::{Evaluation, Truth};
use crate::profile::Value;
use crate::span::SourceMap;
use crate::syntax::ast::RangeSide;
use crate::units::{self, format_quantity};

/// The why-not explanation of one outcome.
#[derive(Debug, Clone, Serialize)]
pub struct WhyNot {
    pub schema_version: u32,
    pub id: String,
    pub kind: &'static str,
    pub label: String,
    pub verdict: Truth,
    /// The `when` condition, evaluated.
    pub because: Option<Reason>,
    /// The `unless` condition, evaluated.
    pub contraindications: Option<Reason>,
    /// The fewest changes that would make the outcome fire, each with the
    /// evidence behind its threshold. Empty when it fires already.
    pub smallest_change: Vec<Change>,
    /// Other ways, when there is a choice.
    pub alternatives: Vec<Vec<Change>>,
    pub source: String,
    pub disclaimer: &'static str,
}

/// One change to the profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// `ferritin would have to be <= 75 ng/mL; it is 120 ng/mL`
    pub change: String,
    /// The rule whose condition this is.
    pub rule: String,
    /// Short citations of that rule's evidence: what the threshold rests on.
    pub evidence: Vec<String>,
}

/// What has to change: nothing, one change, all of several, or any one of several.
#[derive(Debug, Clone)]
enum Need {
    Nothing,
    Change(Change),
    All(Vec<Need>),
    Any(Vec<Need>),
}

impl Need {
    /// The cheapest set of changes that meets the need.
    fn cheapest(&self) -> Vec<Change> {
        match self {
            Need::Nothing => Vec::new(),
            Need::Change(change) => vec![change.clone()],
            Need::All(parts) => {
                // The same change can be needed by several rules (a derived
                // fact and the outcome that reads it): keep the first, which
                // names the rule the threshold comes from.
                let mut changes: Vec<Change> = Vec::new();
                for change in parts.iter().flat_map(Need::cheapest) {
                    if !changes.iter().any(|c| c.change == change.change) {
                        changes.push(change);
                    }
                }
                changes
            }
            Need::Any(options) => options.iter().map(Need::cheapest).min_by_key(Vec::len).unwrap_or_default(),
        }
    }

    /// Every way to meet the need, cheapest first, at most `limit`.
    fn ways(&self, limit: usize) -> Vec<Vec<Change>> {
        let mut ways = match self {
            Need::Any(options) => options.iter().flat_map(|o| o.ways(limit)).collect(),
            other => vec![other.cheapest()],
        };
        ways.sort_by_key(Vec::len);
        // A way that does everything a smaller way does, and more, is no alternative.
        let mut distinct: Vec<Vec<Change>> = Vec::new();
        for way in ways {
            let covers =
                |smaller: &Vec<Change>| smaller.iter().all(|c| way.iter().any(|w| w.change == c.change));
            if !distinct.iter().any(covers) {
                distinct.push(way);
            }
        }
        distinct.truncate(limit);
        distinct
    }
}

/// Explains why `rule` did (not) fire for this evaluation.
pub fn why_not(
    evaluation: &Evaluation<'_>,
    evidence: &EvidenceBase,
    sources: &SourceMap,
    id: RuleId,
) -> Option<WhyNot> {
    let program = &evaluation.graph.program;
    let rule = program.rule(id)?;
    let finder = Finder { evaluation, program, evidence };
    let need = finder.rule_needs(rule, true);
    let ways = need.ways(4);
    let smallest_change = ways.first().cloned().unwrap_or_default();
    Some(WhyNot {
        schema_version: super::report::SCHEMA_VERSION,
        id: rule.name.clone(),
        kind: rule.kind.keyword(),
        label: rule.label.clone(),
        verdict: evaluation.verdict(id),
        because: rule.when.as_ref().map(|w| explain_condition(evaluation, evidence, sources, w)),
        contraindications: rule.unless.as_ref().map(|u| explain_condition(evaluation, evidence, sources, u)),
        smallest_change,
        alternatives: ways.into_iter().skip(1).collect(),
        source: sources.locate(rule.span),
        disclaimer: super::report::DISCLAIMER,
    })
}

struct Finder<'a> {
    evaluation: &'a Evaluation<'a>,
    program: &'a Program,
    evidence: &'a EvidenceBase,
}

impl Finder<'_> {
    /// What it takes for a rule to hold (`want`) or not: its `when` and no `unless`.
    fn rule_needs(&self, rule: &Rule, want: bool) -> Need {
        let when = rule.when.as_ref().map_or(Need::Nothing, |w| self.needs(rule, w, want));
        let unless = rule.unless.as_ref().map_or(Need::Nothing, |u| self.needs(rule, u, !want));
        if want { simplify(Need::All(vec![when, unless])) } else { simplify(Need::Any(vec![when, unless])) }
    }

    /// What it takes for `expr`, a condition of `rule`, to have truth `want`.
    fn needs(&self, rule: &Rule, expr: &Expr, want: bool) -> Need {
        let wanted = Truth::from(want);
        if self.evaluation.truth(expr) == wanted {
            return Need::Nothing;
        }
        let change = |text: String| {
            Need::Change(Change {
                change: text,
                rule: rule.name.clone(),
                evidence: rule
                    .citations
                    .iter()
                    .filter_map(|c| self.evidence.get(&c.evidence))
                    .map(|r| {
                        format!(
                            "{} ({}, certainty {})",
                            short_citation(&r.record),
                            r.record.kind.describe(),
                            r.record.certainty.describe()
                        )
                    })
                    .collect(),
            })
        };
        match expr {
            Expr::And(parts) | Expr::Or(parts) => {
                let needs: Vec<Need> = parts.iter().map(|p| self.needs(rule, p, want)).collect();
                // An `and` made true, or an `or` made false, needs every part.
                if matches!(expr, Expr::And(_)) == want {
                    simplify(Need::All(needs))
                } else {
                    simplify(Need::Any(needs))
                }
            }
            Expr::Not(inner) => self.needs(rule, inner, !want),
            Expr::Compare { input, comparator, written, .. } => {
                let name = self.input_name(*input);
                let comparator = if want { *comparator } else { comparator.negated() };
                change(format!(
                    "{name} would have to be {} {}; {}",
                    comparator.symbol(),
                    format_quantity(written.value, written.unit),
                    self.current(*input, Some(written.unit))
                ))
            }
            Expr::Known(input, _) | Expr::Unknown(input, _) => {
                let give = matches!(expr, Expr::Known(..)) == want;
                let name = self.input_name(*input);
                change(if give {
                    format!("{name} would have to be given")
                } else {
                    format!("{name} would have to be left out")
                })
            }
            Expr::Has { input, item, .. } => {
                let list = self.input_name(*input);
                change(match self.evaluation.facts.value(*input) {
                    None => format!(
                        "the profile would have to give its {list}, {} {item}",
                        if want { "including" } else { "without" }
                    ),
                    Some(_) if want => format!("{list} would have to include {item}"),
                    Some(_) => format!("{list} would have to leave out {item}"),
                })
            }
            Expr::Flag(input, _) => {
                let name = self.input_name(*input);
                change(match self.evaluation.facts.value(*input) {
                    None => format!(
                        "the profile would have to give its conditions, {} {name}",
                        if want { "including" } else { "without" }
                    ),
                    Some(_) if want => format!("conditions would have to list {name}"),
                    Some(_) => format!("conditions would have to leave out {name}"),
                })
            }
            Expr::OutsideRange { input, side, .. } => {
                let name = self.input_name(*input);
                let where_ = match (side, want) {
                    (RangeSide::Below, true) => "below its reference range",
                    (RangeSide::Above, true) => "above its reference range",
                    (RangeSide::Below, false) => "at or above the bottom of its reference range",
                    (RangeSide::Above, false) => "at or below the top of its reference range",
                };
                let has_range = matches!(
                    self.evaluation.facts.value(*input),
                    Some(Value::Quantity { range: Some(_), .. })
                );
                change(if self.evaluation.facts.value(*input).is_some() && !has_range {
                    format!("{name} would have to come with the lab's reference range (and be {where_})")
                } else {
                    format!("{name} would have to be {where_}; {}", self.current(*input, None))
                })
            }
            Expr::Fact(fact, _) => match self.program.rule(*fact) {
                // Open a derived fact or outcome up into its own conditions.
                Some(other) => self.rule_needs(other, want),
                None => Need::Nothing,
            },
            Expr::DailyIntake { name, members, bound, limit, .. } => {
                let total = self.evaluation.daily_milligrams(members);
                let current = total.map_or(String::from("no supplements are listed"), |t| {
                    format!("it is {} mg", units::format_number(t))
                });
                let bound = if want { bound.negated() } else { *bound };
                change(format!(
                    "daily {name} would have to be {} {}; {current}",
                    bound.symbol(),
                    format_quantity(limit.value, limit.unit)
                ))
            }
            Expr::Invalid(_) => Need::Nothing,
        }
    }

    fn input_name(&self, input: crate::check::InputId) -> &str {
        self.program.input(input).map_or("?", |i| i.name.as_str())
    }

    /// `it is 120 ng/mL`, in the threshold's unit, or `it is not in the profile`.
    fn current(&self, input: crate::check::InputId, unit: Option<crate::units::Unit>) -> String {
        let Some(Value::Quantity { canonical, range, .. }) = self.evaluation.facts.value(input) else {
            return String::from("it is not in the profile");
        };
        let Some(InputKind::Lab { unit: canonical_unit, molar_mass }) =
            self.program.input(input).map(|i| i.kind)
        else {
            return String::new();
        };
        let shown = unit.unwrap_or(canonical_unit);
        let value = units::convert(*canonical, canonical_unit, shown, molar_mass).unwrap_or(*canonical);
        let range = range.map(|(low, high)| {
            format!(
                ", reference range {}-{}",
                units::format_number(low),
                format_quantity(high, canonical_unit)
            )
        });
        format!("it is {}{}", format_quantity(value, shown), range.unwrap_or_default())
    }
}

/// Drops parts already met and unwraps single parts.
fn simplify(need: Need) -> Need {
    match need {
        Need::All(parts) => {
            let mut parts: Vec<Need> = parts.into_iter().filter(|p| !matches!(p, Need::Nothing)).collect();
            match parts.len() {
                0 => Need::Nothing,
                1 => parts.pop().unwrap_or(Need::Nothing),
                _ => Need::All(parts),
            }
        }
        // Any part already met meets the whole.
        Need::Any(parts) if parts.iter().any(|p| matches!(p, Need::Nothing)) => Need::Nothing,
        Need::Any(mut parts) if parts.len() == 1 => parts.pop().unwrap_or(Need::Nothing),
        other => other,
    }
}

/// A rule kind's keyword in words, for headings: `recommend` → `Suggestion`.
pub fn kind_words_of(keyword: &str) -> &'static str {
    match keyword {
        "recommend" => "Suggestion",
        "test" => "Test",
        "warn" => "Caution",
        "limit" => "Safety limit",
        "inform" => "Background",
        _ => "Derived fact",
    }
}
