//! Running the cases: each profile evaluated, each expectation compared
//! with the verdict.

use super::{Case, Suite};
use crate::check::{Expr, RuleId};
use crate::infer::{self, Evaluation, Truth};
use crate::knowledge_base::KnowledgeBase;

/// What a case expects of an outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    Fires,
    DoesNotFire,
    Undecided,
}

impl Expected {
    pub const ALL: [Expected; 3] = [Expected::Fires, Expected::DoesNotFire, Expected::Undecided];

    pub fn truth(self) -> Truth {
        match self {
            Expected::Fires => Truth::True,
            Expected::DoesNotFire => Truth::False,
            Expected::Undecided => Truth::Unknown,
        }
    }

    /// The test file's key for it.
    pub fn key(self) -> &'static str {
        match self {
            Expected::Fires => "fires",
            Expected::DoesNotFire => "does_not_fire",
            Expected::Undecided => "undecided",
        }
    }

    /// `expected to fire`
    pub fn describe(self) -> &'static str {
        match self {
            Expected::Fires => "expected to fire",
            Expected::DoesNotFire => "expected not to fire",
            Expected::Undecided => "expected to be undecided",
        }
    }
}

/// One expectation that did not hold.
#[derive(Debug, Clone, PartialEq)]
pub enum Mismatch {
    /// The outcome's verdict is not the one expected.
    Verdict {
        rule: RuleId,
        expected: Expected,
        actual: Truth,
        /// Profile fields whose absence leaves it undecided.
        missing: Vec<String>,
        /// When its conditions hold but a contraindication blocks it: the
        /// parts of `unless` that hold, worded as reports word them.
        blocked_by: Vec<String>,
    },
    /// The outcome fired, but does not cite this record.
    NotCited { rule: RuleId, evidence: String, cited: Vec<String> },
    /// Evidence was expected, but the outcome did not fire, so the report cites nothing for it.
    NotFired { rule: RuleId, actual: Truth, evidence: Vec<String> },
}

/// The outcome of one case.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseResult {
    /// Index into [`Suite::files`].
    pub file: usize,
    /// Index into that file's cases.
    pub case: usize,
    pub mismatches: Vec<Mismatch>,
}

impl CaseResult {
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty()
    }
}

/// Runs every case, files in order and cases in file order.
pub fn run(kb: &KnowledgeBase, suite: &Suite) -> Vec<CaseResult> {
    let mut results = Vec::new();
    for (file_index, file) in suite.files.iter().enumerate() {
        for (case_index, case) in file.cases.iter().enumerate() {
            results.push(CaseResult { file: file_index, case: case_index, mismatches: check(kb, case) });
        }
    }
    results
}

/// Every expectation of one case that does not hold, in the order written.
pub fn check(kb: &KnowledgeBase, case: &Case) -> Vec<Mismatch> {
    let evaluation = infer::evaluate(&kb.graph, case.facts.clone());
    let program = &kb.graph.program;
    let mut mismatches = Vec::new();
    for expected in Expected::ALL {
        let rules = match expected {
            Expected::Fires => &case.fires,
            Expected::DoesNotFire => &case.does_not_fire,
            Expected::Undecided => &case.undecided,
        };
        for &rule in rules {
            let actual = evaluation.verdict(rule);
            if actual == expected.truth() {
                continue;
            }
            mismatches.push(Mismatch::Verdict {
                rule,
                expected,
                actual,
                missing: if actual == Truth::Unknown {
                    missing_fields(&evaluation, rule)
                } else {
                    Vec::new()
                },
                blocked_by: if actual == Truth::False { blocked_by(&evaluation, rule) } else { Vec::new() },
            });
        }
    }
    for (rule, wanted) in &case.evidence {
        let actual = evaluation.verdict(*rule);
        if actual != Truth::True {
            mismatches.push(Mismatch::NotFired { rule: *rule, actual, evidence: wanted.clone() });
            continue;
        }
        let cited: Vec<String> = program
            .rule(*rule)
            .map(|r| r.citations.iter().map(|c| c.evidence.clone()).collect())
            .unwrap_or_default();
        for id in wanted.iter().filter(|id| !cited.contains(id)) {
            mismatches.push(Mismatch::NotCited { rule: *rule, evidence: id.clone(), cited: cited.clone() });
        }
    }
    mismatches
}

/// When `when` holds and `unless` does too: the parts of `unless` that hold.
fn blocked_by(evaluation: &Evaluation<'_>, rule: RuleId) -> Vec<String> {
    let program = &evaluation.graph.program;
    let Some(rule) = program.rule(rule) else { return Vec::new() };
    let applies = rule.when.as_ref().map_or(Truth::True, |w| evaluation.truth(w));
    let Some(unless) = rule.unless.as_ref().filter(|u| evaluation.truth(u) == Truth::True) else {
        return Vec::new();
    };
    if applies != Truth::True {
        return Vec::new();
    }
    let mut holding = Vec::new();
    collect_holding(evaluation, unless, &mut holding);
    holding
}

/// The parts of a condition that hold, a negation as a whole.
fn collect_holding(evaluation: &Evaluation<'_>, expr: &Expr, into: &mut Vec<String>) {
    match expr {
        Expr::And(parts) | Expr::Or(parts) => {
            for part in parts {
                collect_holding(evaluation, part, into);
            }
        }
        _ if evaluation.truth(expr) == Truth::True => into.push(evaluation.graph.program.describe(expr)),
        _ => {}
    }
}

/// The profile fields whose absence leaves a rule undecided, named as the
/// report names them: `labs.ferritin`, `conditions`, `age or birth_date`.
pub fn missing_fields(evaluation: &Evaluation<'_>, rule: RuleId) -> Vec<String> {
    let program = &evaluation.graph.program;
    evaluation
        .missing_inputs(rule)
        .into_iter()
        .filter_map(|id| Some((id, program.input(id)?)))
        .map(|(id, input)| input.profile_field(evaluation.facts.value(id).is_some()))
        .fold(Vec::new(), |mut fields, field| {
            if !fields.contains(&field) {
                fields.push(field);
            }
            fields
        })
}
