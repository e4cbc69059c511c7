//! What a change to a knowledge base does to people: one profile evaluated
//! against the knowledge base before and after, compared outcome by
//! outcome, and the changes over a corpus counted per outcome.
//!
//! An outcome (a suggestion, test, caution, limit or background note) can
//! appear (only the new rules have it), disappear, change truth (true,
//! false, unknown), or stay true with different details: its form, dose,
//! timing, strength, caveats or evidence (a citation added or dropped, its
//! certainty or verification changed). The daily plan is compared too. An
//! outcome that appears or disappears while false is not a change anyone
//! would see, so it is not listed.

mod render;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::explain::report::{CitationView, Finding, Report};
use crate::infer::{Evaluation, Truth};

pub use render::{Format, Writer};

/// What changed for one profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProfileDiff {
    /// Where the profile came from: its file, and line for JSON Lines.
    pub profile: String,
    pub changes: Vec<Change>,
    /// The daily plan's placements that went and came, when it changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub daily_plan: Option<PlanChange>,
}

impl ProfileDiff {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.daily_plan.is_none()
    }
}

/// One outcome's change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub id: String,
    /// `recommend`, `test`, `warn`, `limit` or `inform`.
    pub kind: &'static str,
    pub label: String,
    #[serde(flatten)]
    pub what: ChangeKind,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum ChangeKind {
    /// Only the new rules have it; true or unknown for this profile.
    Appeared {
        truth: &'static str,
    },
    /// Only the old rules had it; it was true or unknown.
    Disappeared {
        truth: &'static str,
    },
    Truth {
        before: &'static str,
        after: &'static str,
    },
    /// True before and after, with these differences.
    Details {
        fields: Vec<FieldChange>,
    },
}

impl ChangeKind {
    /// How the summary counts it: `false → true`, `appeared (true)`, ...
    pub fn transition(&self) -> String {
        match self {
            ChangeKind::Appeared { truth } => format!("appeared ({truth})"),
            ChangeKind::Disappeared { truth } => format!("disappeared ({truth})"),
            ChangeKind::Truth { before, after } => format!("{before} → {after}"),
            ChangeKind::Details { .. } => String::from("details"),
        }
    }
}

/// A field of an outcome that differs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    pub field: String,
    #[serde(flatten)]
    pub values: Altered,
}

/// Text before and after; either may be empty (absent).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Altered {
    pub before: String,
    pub after: String,
}

/// Placements of the daily plan (`07:00 On waking: Oral iron ...`) only
/// the old plan has, and only the new one has.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanChange {
    pub removed: Vec<String>,
    pub added: Vec<String>,
}

/// One side of a comparison: a profile's evaluation and its report.
pub struct Side<'a, 'k> {
    pub evaluation: &'a Evaluation<'k>,
    pub report: &'a Report<'k>,
}

/// Compares one profile's outcomes under the old and the new rules.
pub fn compare(profile: String, old: &Side<'_, '_>, new: &Side<'_, '_>) -> ProfileDiff {
    let before = outcomes(old.evaluation);
    let after = outcomes(new.evaluation);
    let old_findings = findings(old.report);
    let new_findings = findings(new.report);
    let mut changes = Vec::new();
    // New-rule order first, then what only the old rules had, so the
    // listing follows the rules as they now read.
    for (id, outcome) in &after.ordered {
        let what = match before.get(id) {
            None if outcome.truth == Truth::False => continue,
            None => ChangeKind::Appeared { truth: outcome.truth.word() },
            Some(was) if was.truth != outcome.truth => {
                ChangeKind::Truth { before: was.truth.word(), after: outcome.truth.word() }
            }
            Some(_) => match (old_findings.get(id.as_str()), new_findings.get(id.as_str())) {
                (Some(was), Some(now)) => {
                    let fields = finding_changes(was, now);
                    if fields.is_empty() {
                        continue;
                    }
                    ChangeKind::Details { fields }
                }
                _ => continue,
            },
        };
        changes.push(Change { id: id.clone(), kind: outcome.kind, label: outcome.label.to_string(), what });
    }
    for (id, outcome) in &before.ordered {
        if after.by_id.contains_key(id.as_str()) || outcome.truth == Truth::False {
            continue;
        }
        changes.push(Change {
            id: id.clone(),
            kind: outcome.kind,
            label: outcome.label.to_string(),
            what: ChangeKind::Disappeared { truth: outcome.truth.word() },
        });
    }
    let (was, now) = (placements(old.report), placements(new.report));
    let removed: Vec<String> = was.iter().filter(|p| !now.contains(p)).cloned().collect();
    let added: Vec<String> = now.iter().filter(|p| !was.contains(p)).cloned().collect();
    let daily_plan = (!removed.is_empty() || !added.is_empty()).then_some(PlanChange { removed, added });
    ProfileDiff { profile, changes, daily_plan }
}

struct Outcome<'p> {
    kind: &'static str,
    label: &'p str,
    truth: Truth,
}

struct Outcomes<'p> {
    ordered: Vec<(String, Outcome<'p>)>,
    by_id: BTreeMap<&'p str, usize>,
}

impl Outcomes<'_> {
    fn get(&self, id: &str) -> Option<&Outcome<'_>> {
        self.by_id.get(id).and_then(|&index| self.ordered.get(index)).map(|(_, outcome)| outcome)
    }
}

/// Every outcome rule's verdict, in declaration order.
fn outcomes<'p>(evaluation: &'p Evaluation<'_>) -> Outcomes<'p> {
    let program = &evaluation.graph.program;
    let mut ordered = Vec::new();
    let mut by_id = BTreeMap::new();
    for (id, rule) in program.outcomes() {
        by_id.insert(rule.name.as_str(), ordered.len());
        let outcome =
            Outcome { kind: rule.kind.keyword(), label: &rule.label, truth: evaluation.verdict(id) };
        ordered.push((rule.name.clone(), outcome));
    }
    Outcomes { ordered, by_id }
}

/// A report's findings (outcomes that hold) by rule id.
fn findings<'r, 'k>(report: &'r Report<'k>) -> BTreeMap<&'k str, &'r Finding<'k>> {
    [&report.suggestions, &report.tests, &report.cautions, &report.background]
        .into_iter()
        .flatten()
        .map(|finding| (finding.id, finding))
        .collect()
}

/// The fields of a finding that differ, each as text.
fn finding_changes(was: &Finding, now: &Finding) -> Vec<FieldChange> {
    let mut fields = Vec::new();
    let mut field = |name: &str, before: String, after: String| {
        if before != after {
            fields.push(FieldChange { field: name.to_string(), values: Altered { before, after } });
        }
    };
    let advice = |finding: &Finding, part: fn(&crate::explain::report::AdviceView) -> String| {
        finding.advice.as_ref().map(part).unwrap_or_default()
    };
    field("label", was.label.to_string(), now.label.to_string());
    field("strength", strength(was), strength(now));
    field(
        "form",
        advice(was, |a| a.form.unwrap_or_default().to_string()),
        advice(now, |a| a.form.unwrap_or_default().to_string()),
    );
    field(
        "dose",
        advice(was, |a| a.dose.clone().unwrap_or_default()),
        advice(now, |a| a.dose.clone().unwrap_or_default()),
    );
    field("timing", advice(was, |a| a.timing.join(", ")), advice(now, |a| a.timing.join(", ")));
    field("take with", advice(was, |a| a.take_with.join(", ")), advice(now, |a| a.take_with.join(", ")));
    field("keep apart from", advice(was, separations), advice(now, separations));
    field("caveats", was.caveats.join("\n"), now.caveats.join("\n"));
    // Evidence record by record: added, dropped, or graded or checked anew.
    let cited = |finding: &Finding| -> BTreeMap<String, String> {
        finding.evidence.iter().map(|c| (c.id.to_string(), citation_text(c))).collect()
    };
    let (before, after) = (cited(was), cited(now));
    let ids: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    for id in ids {
        let text = |side: &BTreeMap<String, String>| side.get(id).cloned().unwrap_or_default();
        field(&format!("evidence {id}"), text(&before), text(&after));
    }
    fields
}

fn strength(finding: &Finding) -> String {
    let words = |s: crate::syntax::ast::Strength| match s {
        crate::syntax::ast::Strength::Strong => "strong",
        crate::syntax::ast::Strength::Conditional => "conditional",
    };
    finding.strength.map(words).unwrap_or_default().to_string()
}

fn separations(advice: &crate::explain::report::AdviceView) -> String {
    let parts: Vec<String> = advice
        .separate_from
        .iter()
        .map(|s| format!("{} ({} h)", s.items.join(", "), crate::units::format_number(s.hours)))
        .collect();
    parts.join("; ")
}

/// A citation as a diff shows it: design, size, certainty, check, stance.
fn citation_text(citation: &CitationView) -> String {
    let n = citation.n.map(|n| format!(", n = {n}")).unwrap_or_default();
    let graded = if citation.graded { " (graded for this)" } else { "" };
    format!(
        "{}{n}; certainty {}{graded}; {}; {}",
        citation.design,
        citation.certainty,
        citation.verification.describe(),
        citation.stance.keyword()
    )
}

/// The daily plan, one line per placement.
fn placements(report: &Report) -> Vec<String> {
    let mut lines = Vec::new();
    for slot in &report.daily_plan.slots {
        for placement in &slot.items {
            lines.push(format!("{} {}: {}{}", slot.time, slot.label, placement.label, placement.notes()));
        }
    }
    lines
}

/// Changes over a corpus: profiles read, changed and refused, and per
/// outcome how many profiles changed and how.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub profiles: usize,
    pub changed: usize,
    /// Profiles that could not be read (their diagnostics went to stderr).
    pub refused: usize,
    /// Profiles whose daily plan changed.
    pub daily_plan: usize,
    pub outcomes: BTreeMap<String, OutcomeCount>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct OutcomeCount {
    pub label: String,
    pub profiles: usize,
    /// How: `false → true`, `details`, `appeared (unknown)` ...
    pub transitions: BTreeMap<String, usize>,
}

impl Summary {
    pub fn add(&mut self, diff: &ProfileDiff) {
        self.profiles += 1;
        if diff.is_empty() {
            return;
        }
        self.changed += 1;
        if diff.daily_plan.is_some() {
            self.daily_plan += 1;
        }
        for change in &diff.changes {
            let count = self.outcomes.entry(change.id.clone()).or_default();
            count.label.clone_from(&change.label);
            count.profiles += 1;
            *count.transitions.entry(change.what.transition()).or_default() += 1;
        }
    }

    pub fn add_refused(&mut self) {
        self.profiles += 1;
        self.refused += 1;
    }
}
