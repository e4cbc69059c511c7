//! What the cases exercised: which rules were seen true and false, which
//! atomic conditions were seen true and false, and which evidence records
//! were cited by an outcome that fired.

use super::Suite;
use crate::check::{Expr, RuleId};
use crate::graph::Role;
use crate::infer::{self, Truth};
use crate::knowledge_base::KnowledgeBase;

/// Coverage of one rule's verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleCoverage {
    pub rule: RuleId,
    pub name: String,
    pub seen_true: bool,
    pub seen_false: bool,
}

/// Coverage of one atomic condition of one rule.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionCoverage {
    pub rule: RuleId,
    pub rule_name: String,
    pub role: Role,
    /// Worded as reports word it: `ferritin <= 75 ng/mL`.
    pub condition: String,
    pub seen_true: bool,
    pub seen_false: bool,
}

/// Coverage of one evidence record.
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceCoverage {
    pub id: String,
    /// Rules citing it, in declaration order.
    pub cited_by: Vec<String>,
    /// Cited by an outcome that fired in at least one case.
    pub exercised: bool,
}

/// Everything the cases exercised, and what they did not.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Coverage {
    pub cases: usize,
    /// Rules with conditions; a rule without any is always true.
    pub rules: Vec<RuleCoverage>,
    /// Rules without conditions, which cannot be false.
    pub unconditional: Vec<String>,
    pub conditions: Vec<ConditionCoverage>,
    pub evidence: Vec<EvidenceCoverage>,
}

impl Coverage {
    /// `(covered, total)` rules seen both true and false.
    pub fn rule_counts(&self) -> (usize, usize) {
        (self.rules.iter().filter(|r| r.seen_true && r.seen_false).count(), self.rules.len())
    }

    /// `(covered, total)` conditions seen both true and false.
    pub fn condition_counts(&self) -> (usize, usize) {
        (self.conditions.iter().filter(|c| c.seen_true && c.seen_false).count(), self.conditions.len())
    }

    /// `(exercised, total)` evidence records.
    pub fn evidence_counts(&self) -> (usize, usize) {
        (self.evidence.iter().filter(|e| e.exercised).count(), self.evidence.len())
    }
}

/// A share in whole percent, rounded down so that only complete coverage
/// is 100; nothing to cover is complete.
pub fn percent(covered: usize, total: usize) -> usize {
    (covered * 100).checked_div(total).unwrap_or(100)
}

impl Coverage {
    /// The three shares `--min-coverage` holds to: rules, conditions and
    /// evidence, each with its name.
    pub fn shares(&self) -> [(&'static str, usize); 3] {
        let share = |(covered, total)| percent(covered, total);
        [
            ("rules", share(self.rule_counts())),
            ("conditions", share(self.condition_counts())),
            ("evidence", share(self.evidence_counts())),
        ]
    }
}

/// Evaluates every case and records what it exercised.
pub fn coverage(kb: &KnowledgeBase, suite: &Suite) -> Coverage {
    let program = &kb.graph.program;
    let mut rules = Vec::new();
    let mut unconditional = Vec::new();
    for (id, rule) in program.rule_ids().zip(&program.rules) {
        if rule.when.is_none() && rule.unless.is_none() && rule.population.is_none() {
            unconditional.push(rule.name.clone());
        } else {
            rules.push(RuleCoverage {
                rule: id,
                name: rule.name.clone(),
                seen_true: false,
                seen_false: false,
            });
        }
    }
    let mut atoms: Vec<(RuleId, Role, &Expr)> = Vec::new();
    for (id, rule) in program.rule_ids().zip(&program.rules) {
        for (role, expr) in [(Role::When, &rule.when), (Role::Unless, &rule.unless)] {
            if let Some(expr) = expr {
                for atom in atoms_of(expr) {
                    atoms.push((id, role, atom));
                }
            }
        }
    }
    let mut seen_atoms = vec![(false, false); atoms.len()];
    let mut exercised: Vec<&str> = Vec::new();

    for (_, case) in suite.cases() {
        let evaluation = infer::evaluate(&kb.graph, case.facts.clone());
        for rule in &mut rules {
            match evaluation.verdict(rule.rule) {
                Truth::True => rule.seen_true = true,
                Truth::False => rule.seen_false = true,
                Truth::Unknown => {}
            }
        }
        for ((_, _, atom), seen) in atoms.iter().zip(seen_atoms.iter_mut()) {
            match evaluation.truth(atom) {
                Truth::True => seen.0 = true,
                Truth::False => seen.1 = true,
                Truth::Unknown => {}
            }
        }
        for (id, rule) in program.outcomes() {
            if evaluation.verdict(id) == Truth::True {
                exercised.extend(rule.citations.iter().map(|c| c.evidence.as_str()));
            }
        }
    }

    let conditions = atoms
        .iter()
        .zip(seen_atoms)
        .map(|((rule, role, atom), (seen_true, seen_false))| ConditionCoverage {
            rule: *rule,
            rule_name: program.rule(*rule).map_or_else(String::new, |r| r.name.clone()),
            role: *role,
            condition: program.describe(atom),
            seen_true,
            seen_false,
        })
        .collect();
    let evidence = kb
        .evidence
        .iter()
        .map(|located| {
            let id = located.record.id.clone();
            let cited_by = program
                .rules
                .iter()
                .filter(|r| r.citations.iter().any(|c| c.evidence == id))
                .map(|r| r.name.clone())
                .collect();
            let exercised = exercised.contains(&id.as_str());
            EvidenceCoverage { id, cited_by, exercised }
        })
        .collect();
    Coverage { cases: suite.case_count(), rules, unconditional, conditions, evidence }
}

/// The atomic conditions of a condition, in the order written.
pub(crate) fn atoms_of(expr: &Expr) -> Vec<&Expr> {
    match expr {
        Expr::And(parts) | Expr::Or(parts) => parts.iter().flat_map(atoms_of).collect(),
        Expr::Not(inner) => atoms_of(inner),
        Expr::Invalid(_) => Vec::new(),
        atom => vec![atom],
    }
}
