//! Stage four: a [`KnowledgeGraph`] and a profile's [`Facts`] in, an
//! [`Evaluation`] out: the truth of every rule under three-valued logic.
//!
//! Rules are evaluated in the graph's topological order, so a derived fact
//! is settled before anything that refers to it. A missing value makes the
//! conditions that read it unknown, never false.

pub mod bytecode;
pub mod columnar;
pub mod truth;

use std::borrow::Cow;

use crate::check::{Expr, InputId, LabAge, Rule, RuleId, SuggestedDose};
use crate::graph::KnowledgeGraph;
use crate::profile::{Facts, Value};
use crate::syntax::ast::Comparator;
use crate::syntax::ast::RangeSide;
use bytecode::Scratch;
pub use truth::Truth;

/// The truth of every rule for one profile.
#[derive(Debug, Clone)]
pub struct Evaluation<'g> {
    pub graph: &'g KnowledgeGraph,
    pub facts: Facts,
    verdicts: Vec<Truth>,
}

/// Evaluates every rule for one profile with the compiled plan.
pub fn evaluate(graph: &KnowledgeGraph, facts: Facts) -> Evaluation<'_> {
    let mut evaluator = Evaluator::new(graph);
    evaluator.run(&facts);
    Evaluation { graph, facts, verdicts: evaluator.verdicts }
}

/// Evaluates many profiles, reusing its buffers: no allocation per profile
/// or per condition.
#[derive(Debug)]
pub struct Evaluator<'g> {
    graph: &'g KnowledgeGraph,
    verdicts: Vec<Truth>,
    scratch: Scratch,
}

impl<'g> Evaluator<'g> {
    pub fn new(graph: &'g KnowledgeGraph) -> Self {
        Evaluator {
            graph,
            verdicts: vec![Truth::Unknown; graph.program.rules.len()],
            scratch: Scratch::default(),
        }
    }

    /// Every rule's verdict for `facts`, indexed by rule.
    pub fn run(&mut self, facts: &Facts) -> &[Truth] {
        self.verdicts.fill(Truth::Unknown);
        self.graph.bytecode.run(facts, &mut self.verdicts, &mut self.scratch);
        &self.verdicts
    }

    /// What [`evaluate`] gives, with this evaluator's buffers: the verdicts
    /// together with the facts, to explain them.
    pub fn evaluate(&mut self, facts: Facts) -> Evaluation<'g> {
        self.run(&facts);
        Evaluation { graph: self.graph, facts, verdicts: self.verdicts.clone() }
    }
}

impl Evaluation<'_> {
    /// Every rule's verdict, indexed by rule.
    pub fn verdicts(&self) -> &[Truth] {
        &self.verdicts
    }

    /// Whether a rule holds for this profile.
    pub fn verdict(&self, rule: RuleId) -> Truth {
        self.verdicts.get(rule.0).copied().unwrap_or(Truth::Unknown)
    }

    /// The person is in the rule's population, `when` holds and no
    /// contraindication (`unless`) does, read by walking the rule's
    /// conditions: what explanations show, and a check on the compiled
    /// plan, which must agree with it.
    pub fn verdict_by_walking(&self, rule: &Rule) -> Truth {
        self.in_population(rule).and(self.applies(rule))
    }

    /// Whether the person is in the rule's population: true for a rule
    /// without one.
    pub fn in_population(&self, rule: &Rule) -> Truth {
        rule.population.map_or(Truth::True, |population| self.verdict(population.rule))
    }

    /// `when` holds and no `unless` does, whoever the person is.
    pub fn applies(&self, rule: &Rule) -> Truth {
        let applies = rule.when.as_ref().map_or(Truth::True, |when| self.truth(when));
        let blocked = rule.unless.as_ref().map_or(Truth::False, |unless| self.truth(unless));
        applies.and(blocked.not())
    }

    /// The truth of one condition, given settled verdicts for the facts it reads.
    pub fn truth(&self, expr: &Expr) -> Truth {
        match expr {
            Expr::And(parts) => parts.iter().fold(Truth::True, |acc, p| acc.and(self.truth(p))),
            Expr::Or(parts) => parts.iter().fold(Truth::False, |acc, p| acc.or(self.truth(p))),
            Expr::Not(inner) => self.truth(inner).not(),
            Expr::Compare { input, comparator, threshold, .. } => match self.facts.value(*input) {
                Some(Value::Quantity { canonical, .. }) => comparator.holds(*canonical, *threshold).into(),
                _ => Truth::Unknown,
            },
            Expr::Known(input, _) => self.facts.value(*input).is_some().into(),
            Expr::Unknown(input, _) => self.facts.value(*input).is_none().into(),
            Expr::OutsideRange { input, side, .. } => match self.facts.value(*input) {
                Some(Value::Quantity { canonical, range: Some((low, high)), .. }) => match side {
                    RangeSide::Below => (*canonical < *low).into(),
                    RangeSide::Above => (*canonical > *high).into(),
                },
                _ => Truth::Unknown,
            },
            Expr::Has { input, members, .. } => has(self.facts.value(*input), members),
            Expr::Flag(input, _) => flag(self.facts.value(*input)),
            Expr::Is { input, value, .. } => is(self.facts.value(*input), value),
            Expr::OlderThan { input, age, .. } => older_than(&self.facts, *input, *age),
            Expr::Fact(rule, _) => self.verdict(*rule),
            Expr::DailyIntake { members, bound, limit_mg, suggested, .. } => {
                let verdict = |rule| self.verdict(rule);
                daily_breaks(self.daily_milligrams(members), suggested, verdict, *bound, *limit_mg)
            }
            Expr::Invalid(_) => Truth::Unknown,
        }
    }

    /// The suggestions that fire and count towards a daily limit.
    pub fn suggested_doses<'e>(&self, suggested: &'e [SuggestedDose]) -> Vec<&'e SuggestedDose> {
        suggested.iter().filter(|s| self.verdict(s.rule) == Truth::True).collect()
    }

    /// Total daily milligrams of the named supplements, when the profile
    /// lists its supplements at all.
    pub fn daily_milligrams(&self, members: &[String]) -> Option<f64> {
        let intakes = self.facts.intakes.as_ref()?;
        Some(intakes.iter().filter(|i| members.contains(&i.name)).map(|i| i.milligrams).sum())
    }

    /// The inputs whose absence leaves a rule unknown, in declaration order.
    /// Only unknown parts of a condition are followed, so an input that
    /// could not change the verdict is not named.
    pub fn missing_inputs(&self, rule: RuleId) -> Vec<InputId> {
        let mut missing = Vec::new();
        let mut visited = Vec::new();
        self.collect_missing_for_rule(rule, &mut missing, &mut visited);
        missing.sort();
        missing.dedup();
        missing
    }

    fn collect_missing_for_rule(&self, id: RuleId, missing: &mut Vec<InputId>, visited: &mut Vec<RuleId>) {
        if visited.contains(&id) {
            return;
        }
        visited.push(id);
        let Some(rule) = self.graph.program.rule(id) else {
            return;
        };
        if let Some(population) = rule.population.filter(|p| self.verdict(p.rule) == Truth::Unknown) {
            self.collect_missing_for_rule(population.rule, missing, visited);
        }
        for expr in rule.when.iter().chain(rule.unless.iter()) {
            self.collect_missing(expr, missing, visited);
        }
    }

    fn collect_missing(&self, expr: &Expr, missing: &mut Vec<InputId>, visited: &mut Vec<RuleId>) {
        if self.truth(expr) != Truth::Unknown {
            return;
        }
        match expr {
            Expr::And(parts) | Expr::Or(parts) => {
                for part in parts {
                    self.collect_missing(part, missing, visited);
                }
            }
            Expr::Not(inner) => self.collect_missing(inner, missing, visited),
            Expr::Compare { input, .. }
            | Expr::Has { input, .. }
            | Expr::OutsideRange { input, .. }
            | Expr::Flag(input, _)
            | Expr::Is { input, .. }
            | Expr::OlderThan { input, .. }
            | Expr::DailyIntake { supplements: input, .. } => missing.push(*input),
            Expr::Known(..) | Expr::Unknown(..) | Expr::Invalid(_) => {}
            Expr::Fact(rule, _) => self.collect_missing_for_rule(*rule, missing, visited),
        }
        // A suggestion left undecided may carry the intake over a limit.
        if let Expr::DailyIntake { suggested, .. } = expr {
            for dose in suggested.iter().filter(|s| self.verdict(s.rule) == Truth::Unknown) {
                self.collect_missing_for_rule(dose.rule, missing, visited);
            }
        }
    }
}

/// What decides a rule's `when`: an outcome for a population holds only
/// for the people in it, so membership is its first condition.
pub(crate) fn gated_when(rule: &Rule) -> Option<Cow<'_, Expr>> {
    let Some(population) = rule.population else { return rule.when.as_ref().map(Cow::Borrowed) };
    let member = Expr::Fact(population.rule, population.span);
    Some(Cow::Owned(match &rule.when {
        Some(when) => Expr::And(vec![member, when.clone()]),
        None => member,
    }))
}

/// A flag's truth: unknown when the profile does not say.
pub(crate) fn flag(value: Option<&Value>) -> Truth {
    match value {
        Some(Value::Flag(set)) => (*set).into(),
        _ => Truth::Unknown,
    }
}

/// Whether a list holds one of `members`: unknown when the profile gives
/// no list.
pub(crate) fn has(value: Option<&Value>, members: &[String]) -> Truth {
    match value {
        Some(Value::List(items)) => items.iter().any(|item| members.contains(item)).into(),
        _ => Truth::Unknown,
    }
}

/// `sex is female`: unknown when the profile does not say.
pub(crate) fn is(value: Option<&Value>, wanted: &str) -> Truth {
    match value {
        Some(Value::Choice(given)) => (*given == wanted).into(),
        _ => Truth::Unknown,
    }
}

/// Whether a lab result is dated more than `age` before the report date:
/// unknown for a missing or undated result.
pub(crate) fn older_than(facts: &Facts, input: InputId, age: LabAge) -> Truth {
    let Some(Value::Quantity { date: Some(date), .. }) = facts.value(input) else {
        return Truth::Unknown;
    };
    match crate::dates::before(facts.today, age.amount, age.period) {
        Some(cutoff) => (*date < cutoff).into(),
        None => Truth::Unknown,
    }
}

/// Whether a day's intake breaks a limit: what the person takes (`None`
/// when the profile lists no supplements) plus the high end of each
/// suggestion's dose. Suggestions that fire count; undecided ones and
/// unlisted supplements may, so they leave the answer unknown only when
/// they could tip it.
pub(crate) fn daily_breaks(
    taken: Option<f64>,
    suggested: &[SuggestedDose],
    verdict_of: impl Fn(RuleId) -> Truth,
    bound: Comparator,
    limit_mg: f64,
) -> Truth {
    let verdict = |dose: &SuggestedDose| verdict_of(dose.rule);
    let sum = |truths: &[Truth]| -> f64 {
        suggested.iter().filter(|dose| truths.contains(&verdict(dose))).map(|dose| dose.milligrams).sum()
    };
    let least = taken.unwrap_or(0.0) + sum(&[Truth::True]);
    let most = taken.map_or(f64::INFINITY, |t| t + sum(&[Truth::True, Truth::Unknown]));
    let breaks = |total: f64| !bound.holds(total, limit_mg);
    // An upper bound breaks as the total grows; a lower bound as it shrinks.
    let (surely, possibly) = match bound {
        Comparator::Less | Comparator::LessEqual => (breaks(least), breaks(most)),
        Comparator::Greater | Comparator::GreaterEqual => (breaks(most), breaks(least)),
    };
    match (surely, possibly) {
        (true, _) => Truth::True,
        (false, false) => Truth::False,
        (false, true) => Truth::Unknown,
    }
}
