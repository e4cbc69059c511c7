//! The daily plan: an [`Evaluation`] in, a [`DailyPlan`] out.
//!
//! Each suggested supplement (a fired `recommend` that says what it
//! `contains`) and each supplement the profile lists becomes an item; the
//! slots of the day come from `slot` declarations in the rules. Timing,
//! take-with and separate-from clauses become hard constraints, and
//! [`solve`] finds the placement that keeps the most of them in the fewest
//! slots. Every placement and constraint names the rule behind it and that
//! rule's evidence.

pub mod solve;

use std::collections::BTreeSet;

use serde::Serialize;

use crate::check::{Program, Rule};
use crate::evidence::EvidenceBase;
use crate::infer::{Evaluation, Truth};
use crate::profile::normalise_name;
use crate::syntax::ast::RuleKind;
use crate::units::format_number;
use solve::{Apart, Constraint, Item, Slot, Solution};

/// Bumped whenever the JSON shape changes incompatibly.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize)]
pub struct DailyPlan {
    pub schema_version: u32,
    pub profile: Option<String>,
    /// The slots used, in the order of the day, with what goes in each.
    pub slots: Vec<SlotPlan>,
    /// Constraints the plan keeps.
    pub kept: Vec<ConstraintView>,
    /// Constraints no plan could keep together, broken as few as possible.
    pub broken: Vec<ConstraintView>,
    /// False if the search stopped at its limit (very many items) before
    /// proving this the best plan.
    pub proven_best: bool,
    pub disclaimer: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct SlotPlan {
    pub id: String,
    pub label: String,
    /// `07:00`
    pub time: String,
    pub items: Vec<Placement>,
}

/// One item in its slot, with where it came from.
#[derive(Debug, Clone, Serialize)]
pub struct Placement {
    pub item: String,
    pub label: String,
    /// Form and dose for a suggestion; the dose taken for a supplement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// `suggested` (by a rule) or `taken` (in the profile's supplements).
    pub origin: &'static str,
    /// The rules whose clauses placed it, each with its evidence.
    pub placed_by: Vec<RuleRef>,
    pub take_with: Vec<String>,
    /// For a suggestion: the safety limits its dose, with what the person
    /// takes, can pass.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cautions: Vec<String>,
}

impl Placement {
    /// What follows the label in a rendered plan: `: 50 mg; take with vitamin c`.
    pub fn notes(&self) -> String {
        let detail = self.detail.as_ref().map(|d| format!(": {d}")).unwrap_or_default();
        if self.take_with.is_empty() {
            detail
        } else {
            format!("{detail}; take with {}", self.take_with.join(", "))
        }
    }
}

/// A rule behind a placement or a constraint. In a placement, the rule that
/// suggested the item is `suggested` and carries its evidence; the others
/// only constrain where it goes (`constraint`), and their evidence is for
/// their own suggestion, so it is not repeated beside the item.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RuleRef {
    pub rule: String,
    pub role: &'static str,
    pub evidence: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConstraintView {
    /// `Oral iron at least 2 h apart from Magnesium (magnesium): 12 h apart`
    pub text: String,
    pub rule: RuleRef,
    /// For a broken constraint: the kept constraints on the same items that
    /// leave no slot to keep it in.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conflicts_with: Vec<String>,
    #[serde(flatten)]
    pub constraint: Constraint,
}

/// Where an item came from: the rule that suggested it, or the profile.
enum Source<'a> {
    Suggested(&'a Rule),
    Taken { dose: String },
}

/// Builds the daily plan for one evaluation.
pub fn build(evaluation: &Evaluation<'_>, evidence: &EvidenceBase) -> DailyPlan {
    let program = &evaluation.graph.program;
    let slots: Vec<Slot> = program
        .slots
        .iter()
        .map(|s| Slot {
            id: s.name.clone(),
            label: s.label.clone(),
            hour: s.hour,
            provides: s.provides.iter().cloned().collect(),
        })
        .collect();
    let (items, sources, labels) = items(evaluation, program);
    let solution = solve::solve(&slots, &items);
    let rule_ref = |rule: &Rule| RuleRef {
        rule: rule.name.clone(),
        role: "suggested",
        evidence: rule
            .citations
            .iter()
            .filter_map(|c| evidence.get(&c.evidence))
            .map(|r| r.short.clone())
            .collect(),
    };
    // The rule behind each constraint: the item's own rule, or for a
    // supplement the profile lists, the rule on the other side.
    let owner = |constraint: &Constraint| -> Option<&Rule> {
        constraint.items().into_iter().find_map(|i| match sources.get(i) {
            Some(Source::Suggested(rule)) => Some(*rule),
            _ => None,
        })
    };
    let view = |constraint: &Constraint| -> Option<ConstraintView> {
        let rule = owner(constraint)?;
        Some(ConstraintView {
            text: describe(constraint, &labels, &slots, &solution),
            rule: rule_ref(rule),
            conflicts_with: Vec::new(),
            constraint: constraint.clone(),
        })
    };
    let kept: Vec<ConstraintView> = solution.kept.iter().filter_map(view).collect();
    let broken: Vec<ConstraintView> = solution
        .broken
        .iter()
        .filter_map(|constraint| {
            let mut broken = view(constraint)?;
            broken.conflicts_with = entangled(constraint, &solution.kept)
                .into_iter()
                .map(|kept| describe(kept, &labels, &slots, &solution))
                .collect();
            Some(broken)
        })
        .collect();

    let mut slot_plans: Vec<SlotPlan> = Vec::new();
    for (slot_index, slot) in slots.iter().enumerate() {
        let placements: Vec<Placement> = (0..items.len())
            .filter(|i| solution.slot_of.get(*i) == Some(&slot_index))
            .filter_map(|i| {
                let item = items.get(i)?;
                let own = match sources.get(i)? {
                    Source::Suggested(rule) => Some(rule.name.as_str()),
                    Source::Taken { .. } => None,
                };
                let mut placed_by: Vec<RuleRef> = Vec::new();
                for constraint in
                    solution.kept.iter().chain(&solution.broken).filter(|c| c.items().contains(&i))
                {
                    if let Some(rule) = owner(constraint).filter(|rule| Some(rule.name.as_str()) != own) {
                        let reference =
                            RuleRef { rule: rule.name.clone(), role: "constraint", evidence: Vec::new() };
                        if !placed_by.contains(&reference) {
                            placed_by.push(reference);
                        }
                    }
                }
                let (origin, detail, cautions) = match sources.get(i)? {
                    Source::Suggested(rule) => {
                        placed_by.insert(0, rule_ref(rule));
                        let cautions = program
                            .find_rule(&rule.name)
                            .map(|id| crate::explain::report::over_limits(evaluation, id))
                            .unwrap_or_default()
                            .into_iter()
                            .map(|limit| format!("can pass {} (`{}`)", limit.label(), limit.id()))
                            .collect();
                        ("suggested", suggestion_detail(rule), cautions)
                    }
                    Source::Taken { dose } => ("taken", Some(dose.clone()), Vec::new()),
                };
                Some(Placement {
                    item: item.id.clone(),
                    label: labels.get(i).cloned().unwrap_or_default(),
                    detail,
                    origin,
                    placed_by,
                    take_with: item.take_with.iter().map(|t| t.replace('_', " ")).collect(),
                    cautions,
                })
            })
            .collect();
        if !placements.is_empty() {
            slot_plans.push(SlotPlan {
                id: slot.id.clone(),
                label: slot.label.clone(),
                time: clock(slot.hour),
                items: placements,
            });
        }
    }
    DailyPlan {
        schema_version: SCHEMA_VERSION,
        profile: evaluation.facts.name.clone(),
        slots: slot_plans,
        kept,
        broken,
        proven_best: solution.proven_best,
        disclaimer: crate::explain::report::DISCLAIMER,
    }
}

/// The kept constraints linked to `broken` through shared items, directly
/// or through other kept constraints: together they leave it no slot.
fn entangled<'c>(broken: &Constraint, kept: &'c [Constraint]) -> Vec<&'c Constraint> {
    let mut items: BTreeSet<usize> = broken.items().into_iter().collect();
    let mut linked: Vec<&Constraint> = Vec::new();
    loop {
        let before = linked.len();
        for constraint in kept {
            let touches = constraint.items().iter().any(|i| items.contains(i));
            if touches && !linked.contains(&constraint) {
                items.extend(constraint.items());
                linked.push(constraint);
            }
        }
        if linked.len() == before {
            break;
        }
    }
    // In the order the constraints were made, for stable output.
    kept.iter().filter(|c| linked.contains(c)).collect()
}

/// The items to place, where each came from, and their labels.
fn items<'p>(evaluation: &Evaluation<'_>, program: &'p Program) -> (Vec<Item>, Vec<Source<'p>>, Vec<String>) {
    let mut items = Vec::new();
    let mut sources = Vec::new();
    let mut labels = Vec::new();
    for (id, rule) in program.rule_ids().zip(&program.rules) {
        let suggested = rule.kind == RuleKind::Recommend && evaluation.verdict(id) == Truth::True;
        if !suggested || rule.advice.contains.is_empty() {
            continue;
        }
        items.push(Item {
            id: rule.name.clone(),
            timing: rule.advice.timing.iter().cloned().collect(),
            contains: rule.advice.contains.iter().cloned().collect(),
            take_with: rule.advice.take_with.clone(),
            apart: rule
                .advice
                .separate_from
                .iter()
                .map(|s| Apart { what: s.items.clone(), hours: s.hours })
                .collect(),
        });
        sources.push(Source::Suggested(rule));
        labels.push(rule.label.clone());
    }
    for intake in evaluation.facts.intakes.iter().flatten() {
        let mut contains: BTreeSet<String> = BTreeSet::from([intake.name.clone()]);
        contains.extend(
            program
                .groups
                .iter()
                .filter(|(_, members)| members.contains(&intake.name))
                .map(|(g, _)| g.clone()),
        );
        // Only the rules constrain it: the time the person takes it now is
        // shown beside the placement, not kept as a constraint.
        items.push(Item {
            id: intake.name.clone(),
            timing: BTreeSet::new(),
            contains,
            take_with: Vec::new(),
            apart: Vec::new(),
        });
        let dose = crate::units::format_quantity(intake.given, intake.given_unit);
        let dose = match &intake.time {
            Some(time) => format!("{dose}, taken now: {}", normalise_name(time).replace('_', " ")),
            None => dose,
        };
        sources.push(Source::Taken { dose });
        labels.push(format!("{} (your supplement)", intake.name.replace('_', " ")));
    }
    (items, sources, labels)
}

fn suggestion_detail(rule: &Rule) -> Option<String> {
    let dose =
        rule.advice.dose.as_ref().map(|d| {
            format!("{} to {} {} a day", format_number(d.low), format_number(d.high), d.unit.symbol)
        });
    match (&rule.advice.form, dose) {
        (Some(form), Some(dose)) => Some(format!("{form}, {dose}")),
        (Some(form), None) => Some(form.clone()),
        (None, dose) => dose,
    }
}

/// A constraint in words, with how the plan fares on it.
fn describe(constraint: &Constraint, labels: &[String], slots: &[Slot], solution: &Solution) -> String {
    let label = |i: &usize| labels.get(*i).cloned().unwrap_or_default();
    let slot_of = |i: &usize| solution.slot_of.get(*i).and_then(|s| slots.get(*s));
    match constraint {
        Constraint::Timing { item, timing } => {
            let at =
                slot_of(item).map_or(String::new(), |s| format!(": placed at {}", s.label.to_lowercase()));
            format!("{} needs {}{at}", label(item), timing_words(timing))
        }
        Constraint::TakeWith { item, with, because } => {
            format!("{} together with {} ({})", label(item), label(with), because.replace('_', " "))
        }
        Constraint::Apart { item, from, hours, because } => {
            let gap = match (slot_of(item), slot_of(from)) {
                (Some(a), Some(b)) => format!(": {} h apart", format_number((a.hour - b.hour).abs())),
                _ => String::new(),
            };
            format!(
                "{} at least {} h apart from {} ({}){gap}",
                label(item),
                format_number(*hours),
                label(from),
                because.replace('_', " ")
            )
        }
    }
}

/// A timing as a phrase: `empty_stomach` → `an empty stomach`.
fn timing_words(timing: &str) -> String {
    match timing {
        "morning" => String::from("the morning"),
        "evening" => String::from("the evening"),
        "empty_stomach" => String::from("an empty stomach"),
        "with_food" => String::from("food"),
        other => other.replace('_', " "),
    }
}

/// `7.5` → `07:30`.
fn clock(hour: f64) -> String {
    let minutes = (hour * 60.0).round() as i64;
    format!("{:02}:{:02}", minutes.div_euclid(60), minutes.rem_euclid(60))
}
