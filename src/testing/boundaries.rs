//! Boundary probes: every comparison threshold and daily bound is tried
//! just below, at and just above its value in each case whose profile gives
//! that input, and the outcomes that change there are compared with the
//! sides of the boundary the cases test.

use super::Suite;
use crate::check::{Expr, InputId, InputKind, Program, RuleId};
use crate::dates::Date;
use crate::infer::{self, Truth};
use crate::knowledge_base::KnowledgeBase;
use crate::limits::Limits;
use crate::profile::{self, Facts, LabValue, Profile, SupplementEntry, Value, Written, normalise_name};
use crate::span::{FileId, SourceFile};
use crate::syntax::ast::Comparator;
use crate::units::{self, Unit, format_quantity};

/// What a threshold is compared with.
#[derive(Debug, Clone, PartialEq)]
pub enum Subject {
    /// A lab value or the person's age, in the input's canonical unit.
    Quantity(InputId),
    /// The daily milligrams of a supplement or group.
    Daily { name: String, members: Vec<String> },
}

/// Which side of the boundary a value is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Side {
    Low,
    High,
}

/// One threshold, shared by every rule that compares the same subject with
/// the same value the same way.
#[derive(Debug, Clone, PartialEq)]
pub struct Boundary {
    pub subject: Subject,
    /// In `unit`.
    pub threshold: f64,
    /// The input's canonical unit; milligrams for a daily intake.
    pub unit: Unit,
    /// Whether the threshold itself is on the low side (`<=`, `>`) or the
    /// high side (`<`, `>=`).
    pub at_is_low: bool,
    /// The first comparison as written: `ferritin <= 75 ng/mL`.
    pub condition: String,
    /// `ferritin`, or `daily vitamin_b6`.
    pub subject_name: String,
    /// `75 ng/mL`, as written.
    pub written: String,
    /// Rules that compare at this boundary, in declaration order.
    pub rules: Vec<String>,
    /// The values tried: just below, at and just above.
    pub probes: Vec<f64>,
    /// Cases whose profile gives the subject.
    pub cases_tried: usize,
    /// Outcomes that changed at the boundary in at least one case.
    pub changes: Vec<RuleId>,
}

impl Boundary {
    /// `above 75 ng/mL`, `at or below 75 ng/mL`.
    pub fn side_text(&self, side: Side) -> String {
        let words = match (side, self.at_is_low) {
            (Side::Low, true) => "at or below",
            (Side::Low, false) => "below",
            (Side::High, true) => "above",
            (Side::High, false) => "at or above",
        };
        format!("{words} {}", self.written)
    }

    fn side_of(&self, value: f64) -> Side {
        let low = if self.at_is_low { value <= self.threshold } else { value < self.threshold };
        if low { Side::Low } else { Side::High }
    }
}

/// An outcome that changes at a boundary the cases do not test on both sides.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundaryFinding {
    /// Index into [`BoundaryReport::boundaries`].
    pub boundary: usize,
    pub outcome: RuleId,
    pub outcome_name: String,
    /// The sides no case of the outcome that turns on the boundary is on.
    pub missing: Vec<Side>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct BoundaryReport {
    pub boundaries: Vec<Boundary>,
    pub findings: Vec<BoundaryFinding>,
}

/// Probes every threshold of the program against every case.
pub fn boundaries(kb: &KnowledgeBase, suite: &Suite) -> BoundaryReport {
    let program = &kb.graph.program;
    let mut boundaries = collect(program);
    let outcomes: Vec<RuleId> = program.outcomes().map(|(id, _)| id).collect();
    let mut findings = Vec::new();
    for (index, boundary) in boundaries.iter_mut().enumerate() {
        // Per outcome: changed anywhere, and the sides of the cases of that
        // outcome in which it changed.
        let mut changed = vec![false; outcomes.len()];
        let mut sides: Vec<Vec<Side>> = vec![Vec::new(); outcomes.len()];
        for (_, case) in suite.cases() {
            let Some(value) = current_value(&boundary.subject, &case.facts) else { continue };
            boundary.cases_tried += 1;
            let verdicts: Vec<Vec<Truth>> = boundary
                .probes
                .iter()
                .filter_map(|&probe| {
                    let varied = vary(
                        program,
                        &case.profile,
                        case.facts.today,
                        &suite.limits,
                        &boundary.subject,
                        probe,
                    )?;
                    let evaluation = infer::evaluate(&kb.graph, varied);
                    Some(outcomes.iter().map(|&o| evaluation.verdict(o)).collect())
                })
                .collect();
            for (slot, &outcome) in outcomes.iter().enumerate() {
                let mut seen = verdicts.iter().filter_map(|v| v.get(slot));
                let first = seen.next();
                if !seen.all(|v| Some(v) == first) {
                    if let Some(flag) = changed.get_mut(slot) {
                        *flag = true;
                    }
                    if case.checks(outcome) {
                        if let Some(list) = sides.get_mut(slot) {
                            list.push(boundary.side_of(value));
                        }
                    }
                }
            }
        }
        for ((slot, &outcome), covered) in outcomes.iter().enumerate().zip(&sides) {
            if !changed.get(slot).copied().unwrap_or(false) {
                continue;
            }
            boundary.changes.push(outcome);
            let missing: Vec<Side> =
                [Side::Low, Side::High].into_iter().filter(|side| !covered.contains(side)).collect();
            if !missing.is_empty() {
                let outcome_name = program.rule(outcome).map_or_else(String::new, |r| r.name.clone());
                findings.push(BoundaryFinding { boundary: index, outcome, outcome_name, missing });
            }
        }
    }
    BoundaryReport { boundaries, findings }
}

/// Every distinct threshold, in the order rules are declared.
fn collect(program: &Program) -> Vec<Boundary> {
    let mut boundaries: Vec<Boundary> = Vec::new();
    for rule in &program.rules {
        for expr in [&rule.when, &rule.unless].into_iter().flatten() {
            for atom in super::coverage::atoms_of(expr) {
                let Some(found) = boundary_of(program, atom) else { continue };
                let same = |b: &Boundary| {
                    b.subject == found.subject
                        && b.threshold == found.threshold
                        && b.at_is_low == found.at_is_low
                };
                let index = match boundaries.iter().position(same) {
                    Some(index) => index,
                    None => {
                        boundaries.push(found);
                        boundaries.len() - 1
                    }
                };
                let Some(target) = boundaries.get_mut(index) else { continue };
                if !target.rules.contains(&rule.name) {
                    target.rules.push(rule.name.clone());
                }
            }
        }
    }
    boundaries
}

/// The boundary a comparison or daily bound draws.
fn boundary_of(program: &Program, expr: &Expr) -> Option<Boundary> {
    let (subject, threshold, unit, comparator, subject_name, written) = match expr {
        Expr::Compare { input, comparator, threshold, written, .. } => {
            let declared = program.input(*input)?;
            let (unit, _) = declared.kind.quantity_unit()?;
            let written = format_quantity(written.value, written.unit);
            (Subject::Quantity(*input), *threshold, unit, *comparator, declared.name.clone(), written)
        }
        Expr::DailyIntake { name, members, bound, limit, .. } => {
            let milligrams = units::convert(limit.value, limit.unit, Unit::MILLIGRAM, None).ok()?;
            let subject = Subject::Daily { name: name.clone(), members: members.clone() };
            let written = format_quantity(limit.value, limit.unit);
            (subject, milligrams, Unit::MILLIGRAM, *bound, format!("daily {name}"), written)
        }
        _ => return None,
    };
    let at_is_low = matches!(comparator, Comparator::LessEqual | Comparator::Greater);
    let step = (threshold.abs() * 0.01).max(0.01);
    let probes = [threshold - step, threshold, threshold + step].into_iter().filter(|v| *v >= 0.0).collect();
    let condition = match expr {
        Expr::DailyIntake { name, bound, .. } => format!("daily {name} {} {written}", bound.symbol()),
        _ => program.describe(expr),
    };
    Some(Boundary {
        subject,
        threshold,
        unit,
        at_is_low,
        condition,
        subject_name,
        written,
        rules: Vec::new(),
        probes,
        cases_tried: 0,
        changes: Vec::new(),
    })
}

/// The case's value of the subject, when its profile gives it.
fn current_value(subject: &Subject, facts: &Facts) -> Option<f64> {
    match subject {
        Subject::Quantity(input) => match facts.value(*input)? {
            Value::Quantity { canonical, .. } => Some(*canonical),
            _ => None,
        },
        Subject::Daily { members, .. } => {
            let intakes = facts.intakes.as_ref()?;
            Some(intakes.iter().filter(|i| members.contains(&i.name)).map(|i| i.milligrams).sum())
        }
    }
}

/// The profile with the subject set to `value` (in the boundary's unit),
/// bound again on the same report date. A lab keeps its date and its
/// reference range, converted to the canonical unit with the value; an age
/// replaces the birth date.
fn vary(
    program: &Program,
    profile: &Profile,
    today: Date,
    limits: &Limits,
    subject: &Subject,
    value: f64,
) -> Option<Facts> {
    let source = SourceFile::new("", "");
    let rebind = |varied: &Profile| {
        profile::bind(varied, program, Written::file(FileId::default(), &source), today, limits).ok()
    };
    let mut varied = profile.clone();
    match subject {
        Subject::Quantity(input) => {
            let declared = program.input(*input)?;
            if declared.kind == InputKind::Age {
                varied.age = Some(value);
                varied.birth_date = None;
                return rebind(&varied);
            }
            let InputKind::Lab { unit: canonical, molar_mass } = declared.kind else { return None };
            let labs = varied.labs.as_mut()?;
            let lab =
                labs.iter_mut().find(|(key, _)| normalise_name(key) == declared.name).map(|(_, lab)| lab)?;
            let given = Unit::parse(&lab.unit)?;
            let to_canonical = |v: f64| units::convert(v, given, canonical, molar_mass).ok();
            let range = match lab.range {
                Some([low, high]) => Some([to_canonical(low)?, to_canonical(high)?]),
                None => None,
            };
            *lab = LabValue { value, unit: canonical.symbol.to_string(), date: lab.date.clone(), range };
        }
        Subject::Daily { name, members } => {
            let entries = varied.supplements.as_mut()?;
            entries.retain(|entry| !members.contains(&normalise_name(&entry.name)));
            entries.push(SupplementEntry {
                name: name.clone(),
                dose: value,
                unit: String::from("mg"),
                time: None,
            });
        }
    }
    // Only values the original profile bound without error are varied, so
    // binding again cannot fail; if it did, the probe is skipped.
    rebind(&varied)
}
