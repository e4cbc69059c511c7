//! The compiled evaluation plan: every rule's conditions as one flat list
//! of instructions in topological order, over facts indexed by input, with
//! thresholds already in canonical units. Running it allocates nothing: the
//! operand stack and the verdicts are buffers the caller reuses.
//!
//! Most rules are in conjunctive normal form and are decided without
//! branches: every literal is read and combined as a byte (`min` for `and`,
//! `max` for `or`). Across many profiles the outcomes of conditions are
//! unpredictable, and a mispredicted branch costs more than the few
//! comparisons short-circuiting would skip (see BENCHMARKS.md). The general
//! instructions, for the other rules, short-circuit as Kleene's logic
//! allows.

use crate::check::{Expr, InputId, LabAge, Program, RuleId, SuggestedDose};
use crate::profile::{Facts, Value};
use crate::syntax::ast::{Comparator, RangeSide};

use super::Truth;

/// One instruction: 16 bytes, so the plan stays dense in cache. Those that
/// read a fact make it the new top of the stack; the rest combine or jump.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    /// `fact < threshold`, unknown when the value is missing; likewise below.
    Less {
        input: u32,
        threshold: f64,
    },
    LessEqual {
        input: u32,
        threshold: f64,
    },
    Greater {
        input: u32,
        threshold: f64,
    },
    GreaterEqual {
        input: u32,
        threshold: f64,
    },
    /// The truth of one of the rarer conditions (lists, flags, ranges,
    /// intakes), kept apart in [`Bytecode::leaves`].
    Leaf(u32),
    /// Another rule's verdict.
    Fact(u32),
    /// A fixed truth: `true` for a rule with no `when`.
    Constant(Truth),
    Not,
    /// Combine the top two with Kleene's `and` (the lesser).
    And,
    /// Combine the top two with Kleene's `or` (the greater).
    Or,
    /// `And`, then jump when the result is false: one dispatch, not two.
    AndJumpIfFalse(u32),
    /// `Or`, then jump when the result is true.
    OrJumpIfTrue(u32),
    /// Jump when the top is false, leaving it.
    JumpIfFalse(u32),
    /// Jump when the top is true, leaving it.
    JumpIfTrue(u32),
    /// Store `when and not unless` as the rule's verdict, popping both (the
    /// `unless` is on top when the rule has one).
    Store {
        rule: u32,
        has_unless: bool,
    },
    /// Decide the rules `clause_rules[first..last]`, each from its
    /// conditions in conjunctive normal form, and store their verdicts:
    /// tight loops instead of one dispatch per operator, or per rule. Most
    /// rules compile to this, in runs of consecutive rules.
    Clauses {
        first: u32,
        last: u32,
    },
}

/// A rule decided by its clauses: `literals[start..end]`, clause after
/// clause.
#[derive(Debug, Clone, Copy, PartialEq)]
struct ClauseRule {
    rule: u32,
    start: u32,
    end: u32,
}

/// What a [`Literal`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// An input's value, compared with the threshold.
    Number,
    /// Another rule's verdict.
    Fact,
    /// One of the rarer conditions in [`Bytecode::leaves`].
    Leaf,
}

/// One condition of a clause, 16 bytes. Every comparison is stored as
/// `value < bound` on the value or on its negation (`x >= 50` is
/// `-x < next_up(-50)`), so reading one is a sign flip and one compare, with
/// a `not` before it already folded in. A missing value is NaN, which
/// compares false and makes the literal unknown. A fact or leaf may be
/// negated.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Literal {
    source: Source,
    /// Compare the negated value (for `>` and `>=`).
    flip: bool,
    negated: bool,
    /// The last literal of its clause: the clause's `or` is settled here.
    ends_clause: bool,
    /// The input, rule or leaf read.
    index: u32,
    bound: f64,
}

impl Literal {
    /// A comparison of `input` with `threshold`, as `value < bound`.
    fn comparison(input: u32, comparator: Comparator, threshold: f64) -> Literal {
        let (flip, bound) = as_bound(comparator, threshold);
        Literal { source: Source::Number, flip, negated: false, ends_clause: false, index: input, bound }
    }

    /// Reads another rule's verdict or a leaf, negated when `negated`.
    fn read(source: Source, index: u32, negated: bool) -> Literal {
        Literal { source, flip: false, negated, ends_clause: false, index, bound: f64::NAN }
    }

    /// A comparison's code for `value`, NaN when missing.
    #[inline(always)]
    fn compare(&self, value: f64) -> u8 {
        let signed = f64::from_bits(value.to_bits() ^ (u64::from(self.flip) << 63));
        2 * u8::from(signed < self.bound) + u8::from(value.is_nan())
    }

    /// The literal's truth as a code (0 false, 1 unknown, 2 true; see
    /// [`Truth::code`]), so that `or` and `and` are `max` and `min` on bytes
    /// and a comparison needs no branch: 2 when it holds, 1 when the value
    /// is missing, else 0.
    #[inline(always)]
    fn code(&self, numbers: &[f64], facts: &Facts, verdicts: &[Truth], leaves: &[Leaf]) -> u8 {
        let negate = |code: u8| if self.negated { 2 - code } else { code };
        match self.source {
            Source::Number => self.compare(numbers.get(self.index as usize).copied().unwrap_or(f64::NAN)),
            Source::Fact => {
                negate(verdicts.get(self.index as usize).map_or(Truth::Unknown.code(), |t| t.code()))
            }
            Source::Leaf => negate(
                leaves.get(self.index as usize).map_or(Truth::Unknown, |l| l.truth(facts, verdicts)).code(),
            ),
        }
    }
}

/// `value <comparator> threshold` as `value < bound` on the value, or on
/// its negation when the first is true: `x >= 50` is `-x < next_up(-50)`.
pub(super) fn as_bound(comparator: Comparator, threshold: f64) -> (bool, f64) {
    match comparator {
        Comparator::Less => (false, threshold),
        Comparator::LessEqual => (false, threshold.next_up()),
        Comparator::Greater => (true, -threshold),
        Comparator::GreaterEqual => (true, (-threshold).next_up()),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Leaf {
    Known(u32),
    Unknown(u32),
    Flag(u32),
    Has { input: u32, members: Vec<String> },
    Range { input: u32, side: RangeSide },
    Is { input: u32, value: String },
    OlderThan { input: u32, age: LabAge },
    Daily { members: Vec<String>, bound: Comparator, limit_mg: f64, suggested: Vec<SuggestedDose> },
}

/// A knowledge base's rules, compiled.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bytecode {
    ops: Vec<Op>,
    leaves: Vec<Leaf>,
    clause_rules: Vec<ClauseRule>,
    literals: Vec<Literal>,
    /// The deepest the operand stack gets, so buffers are sized once.
    max_stack: usize,
}

impl Bytecode {
    /// Compiles every rule of `program`, in the evaluation `order`.
    pub fn compile(program: &Program, order: &[RuleId]) -> Bytecode {
        let mut compiler = Compiler::default();
        for &id in order {
            let Some(rule) = program.rule(id) else { continue };
            let gated = super::gated_when(rule);
            let when = gated.as_deref();
            if compiler.clauses_of(id.0 as u32, when, rule.unless.as_ref()) {
                continue;
            }
            match when {
                Some(when) => compiler.expr(when),
                None => compiler.push(Op::Constant(Truth::True), 1),
            }
            if let Some(unless) = &rule.unless {
                compiler.expr(unless);
            }
            compiler.emit(
                Op::Store { rule: id.0 as u32, has_unless: rule.unless.is_some() },
                -1 - i32::from(rule.unless.is_some()),
            );
        }
        Bytecode {
            ops: compiler.ops,
            leaves: compiler.leaves,
            clause_rules: compiler.clause_rules,
            literals: compiler.literals,
            max_stack: compiler.max_depth,
        }
    }

    /// Evaluates every rule for `facts` into `verdicts` (one per rule),
    /// using `stack` as the operand stack. The top of the stack lives in a
    /// local, so most instructions touch no memory but the fact they read.
    pub fn run(&self, facts: &Facts, verdicts: &mut [Truth], stack: &mut Vec<Truth>) {
        stack.clear();
        stack.reserve(self.max_stack);
        let numbers = facts.numbers();
        let number = |input: &u32| numbers.get(*input as usize).copied().unwrap_or(f64::NAN);
        let compare =
            |value: f64, holds: bool| if value.is_nan() { Truth::Unknown } else { Truth::from(holds) };
        let mut top = Truth::Unknown;
        let mut pc = 0;
        while let Some(op) = self.ops.get(pc) {
            pc += 1;
            let new_top = match op {
                Op::Less { input, threshold } => {
                    let value = number(input);
                    compare(value, value < *threshold)
                }
                Op::LessEqual { input, threshold } => {
                    let value = number(input);
                    compare(value, value <= *threshold)
                }
                Op::Greater { input, threshold } => {
                    let value = number(input);
                    compare(value, value > *threshold)
                }
                Op::GreaterEqual { input, threshold } => {
                    let value = number(input);
                    compare(value, value >= *threshold)
                }
                Op::Leaf(leaf) => {
                    self.leaves.get(*leaf as usize).map_or(Truth::Unknown, |l| l.truth(facts, verdicts))
                }
                Op::Fact(rule) => verdicts.get(*rule as usize).copied().unwrap_or(Truth::Unknown),
                Op::Constant(truth) => *truth,
                Op::Not => {
                    top = top.not();
                    continue;
                }
                Op::And => {
                    top = stack.pop().unwrap_or(Truth::Unknown).and(top);
                    continue;
                }
                Op::Or => {
                    top = stack.pop().unwrap_or(Truth::Unknown).or(top);
                    continue;
                }
                Op::AndJumpIfFalse(target) => {
                    top = stack.pop().unwrap_or(Truth::Unknown).and(top);
                    if top == Truth::False {
                        pc = *target as usize;
                    }
                    continue;
                }
                Op::OrJumpIfTrue(target) => {
                    top = stack.pop().unwrap_or(Truth::Unknown).or(top);
                    if top == Truth::True {
                        pc = *target as usize;
                    }
                    continue;
                }
                Op::JumpIfFalse(target) => {
                    if top == Truth::False {
                        pc = *target as usize;
                    }
                    continue;
                }
                Op::JumpIfTrue(target) => {
                    if top == Truth::True {
                        pc = *target as usize;
                    }
                    continue;
                }
                Op::Store { rule, has_unless } => {
                    let (when, unless) = if *has_unless {
                        (stack.pop().unwrap_or(Truth::Unknown), top)
                    } else {
                        (top, Truth::False)
                    };
                    if let Some(slot) = verdicts.get_mut(*rule as usize) {
                        *slot = when.and(unless.not());
                    }
                    // The stack is empty between rules.
                    top = stack.pop().unwrap_or(Truth::Unknown);
                    continue;
                }
                Op::Clauses { first, last } => {
                    let rules = self.clause_rules.get(*first as usize..*last as usize).unwrap_or_default();
                    for rule in rules {
                        let verdict = self.decide(rule.start, rule.end, numbers, facts, verdicts);
                        if let Some(slot) = verdicts.get_mut(rule.rule as usize) {
                            *slot = verdict;
                        }
                    }
                    continue;
                }
            };
            // A reading op pushes: the old top goes to the stack.
            stack.push(top);
            top = new_top;
        }
    }
}

impl Bytecode {
    /// `and` of the clauses, each an `or` of its literals. Every literal is
    /// read, with no early exit: the branch an exit needs is mispredicted
    /// often enough to cost more than the comparisons it saves.
    #[inline(always)]
    fn decide(&self, start: u32, end: u32, numbers: &[f64], facts: &Facts, verdicts: &[Truth]) -> Truth {
        let literals = self.literals.get(start as usize..end as usize).unwrap_or_default();
        let (false_, true_) = (Truth::False.code(), Truth::True.code());
        let mut all = true_;
        let mut any = false_;
        for literal in literals {
            any = any.max(literal.code(numbers, facts, verdicts, &self.leaves));
            if literal.ends_clause {
                all = all.min(any);
                any = false_;
            }
        }
        Truth::from_code(all)
    }
}

impl Leaf {
    /// The leaf's truth; `verdicts` are the rules decided so far, which a
    /// daily limit reads for the suggestions that count towards it.
    fn truth(&self, facts: &Facts, verdicts: &[Truth]) -> Truth {
        let value = |input: &u32| facts.value(InputId(*input as usize));
        match self {
            Leaf::Known(input) => value(input).is_some().into(),
            Leaf::Unknown(input) => value(input).is_none().into(),
            Leaf::Flag(input) => super::flag(value(input)),
            Leaf::Has { input, members } => super::has(value(input), members),
            Leaf::Is { input, value: wanted } => super::is(value(input), wanted),
            Leaf::OlderThan { input, age } => super::older_than(facts, InputId(*input as usize), *age),
            Leaf::Range { input, side } => match value(input) {
                Some(Value::Quantity { canonical, range: Some((low, high)), .. }) => match side {
                    RangeSide::Below => (canonical < low).into(),
                    RangeSide::Above => (canonical > high).into(),
                },
                _ => Truth::Unknown,
            },
            Leaf::Daily { members, bound, limit_mg, suggested } => {
                let taken = facts.intakes.as_ref().map(|intakes| {
                    intakes.iter().filter(|i| members.contains(&i.name)).map(|i| i.milligrams).sum()
                });
                let verdict = |rule: RuleId| verdicts.get(rule.0).copied().unwrap_or(Truth::Unknown);
                super::daily_breaks(taken, suggested, verdict, *bound, *limit_mg)
            }
        }
    }
}

#[derive(Default)]
struct Compiler {
    ops: Vec<Op>,
    leaves: Vec<Leaf>,
    clause_rules: Vec<ClauseRule>,
    literals: Vec<Literal>,
    depth: i32,
    max_depth: usize,
}

impl Compiler {
    /// Appends an op that changes the stack depth by `delta`.
    fn emit(&mut self, op: Op, delta: i32) {
        self.ops.push(op);
        self.depth += delta;
        self.max_depth = self.max_depth.max(usize::try_from(self.depth).unwrap_or(0));
    }

    fn push(&mut self, op: Op, delta: i32) {
        self.emit(op, delta);
    }

    /// Compiles `when and not unless` to a [`ClauseRule`] if it is in
    /// conjunctive normal form once `not` is pushed down to the literals
    /// (Kleene's logic keeps De Morgan's laws). Returns false, adding
    /// nothing, for a rule that needs the general instructions.
    fn clauses_of(&mut self, rule: u32, when: Option<&Expr>, unless: Option<&Expr>) -> bool {
        let mut cnf: Vec<Vec<&Expr>> = Vec::new();
        let mut negations: Vec<Vec<bool>> = Vec::new();
        let parts = when.map(|w| (w, false)).into_iter().chain(unless.map(|u| (u, true)));
        for (expr, negated) in parts {
            let Some(clauses) = conjunction(expr, negated) else { return false };
            for clause in clauses {
                negations.push(clause.iter().map(|(_, n)| *n).collect());
                cnf.push(clause.into_iter().map(|(e, _)| e).collect());
            }
        }
        let start = self.literals.len() as u32;
        for (clause, negated) in cnf.iter().zip(&negations) {
            for (position, (expr, negated)) in clause.iter().zip(negated).enumerate() {
                let mut literal = self.literal(expr, *negated);
                literal.ends_clause = position + 1 == clause.len();
                self.literals.push(literal);
            }
        }
        let end = self.literals.len() as u32;
        let index = self.clause_rules.len() as u32;
        self.clause_rules.push(ClauseRule { rule, start, end });
        match self.ops.last_mut() {
            // The previous op decides the rules just before: one run.
            Some(Op::Clauses { last, .. }) if *last == index => *last += 1,
            _ => self.ops.push(Op::Clauses { first: index, last: index + 1 }),
        }
        true
    }

    /// One literal of a clause; `expr` is one [`conjunction`] accepted.
    fn literal(&mut self, expr: &Expr, negated: bool) -> Literal {
        let index = |input: &InputId| input.0 as u32;
        match expr {
            Expr::Compare { input, comparator, threshold, .. } => {
                let comparator = if negated { comparator.negated() } else { *comparator };
                Literal::comparison(index(input), comparator, *threshold)
            }
            Expr::Fact(rule, _) => Literal::read(Source::Fact, rule.0 as u32, negated),
            other => {
                let leaf = match other {
                    Expr::Known(input, _) => Leaf::Known(index(input)),
                    Expr::Unknown(input, _) => Leaf::Unknown(index(input)),
                    Expr::Flag(input, _) => Leaf::Flag(index(input)),
                    Expr::Has { input, members, .. } => {
                        Leaf::Has { input: index(input), members: members.clone() }
                    }
                    Expr::OutsideRange { input, side, .. } => {
                        Leaf::Range { input: index(input), side: *side }
                    }
                    Expr::Is { input, value, .. } => Leaf::Is { input: index(input), value: value.clone() },
                    Expr::OlderThan { input, age, .. } => Leaf::OlderThan { input: index(input), age: *age },
                    Expr::DailyIntake { members, bound, limit_mg, suggested, .. } => Leaf::Daily {
                        members: members.clone(),
                        bound: *bound,
                        limit_mg: *limit_mg,
                        suggested: suggested.clone(),
                    },
                    // `conjunction` passes only literals here.
                    _ => Leaf::Unknown(u32::MAX),
                };
                let leaf_index = self.leaves.len() as u32;
                self.leaves.push(leaf);
                Literal::read(Source::Leaf, leaf_index, negated)
            }
        }
    }

    fn compare(&mut self, input: u32, comparator: Comparator, threshold: f64) {
        let op = match comparator {
            Comparator::Less => Op::Less { input, threshold },
            Comparator::LessEqual => Op::LessEqual { input, threshold },
            Comparator::Greater => Op::Greater { input, threshold },
            Comparator::GreaterEqual => Op::GreaterEqual { input, threshold },
        };
        self.push(op, 1);
    }

    fn leaf(&mut self, leaf: Leaf) {
        let index = self.leaves.len() as u32;
        self.leaves.push(leaf);
        self.push(Op::Leaf(index), 1);
    }

    fn expr(&mut self, expr: &Expr) {
        let index = |input: &InputId| input.0 as u32;
        match expr {
            Expr::And(parts) | Expr::Or(parts) => {
                // p0; jump-if-decided; p1; combine-and-jump; ...; pN; combine.
                let is_and = matches!(expr, Expr::And(_));
                let mut jumps = Vec::new();
                for (position, part) in parts.iter().enumerate() {
                    self.expr(part);
                    let last = position + 1 == parts.len();
                    let op = match (position, last, is_and) {
                        (0, true, _) => None,
                        (0, false, true) => Some(Op::JumpIfFalse(0)),
                        (0, false, false) => Some(Op::JumpIfTrue(0)),
                        (_, true, true) => Some(Op::And),
                        (_, true, false) => Some(Op::Or),
                        (_, false, true) => Some(Op::AndJumpIfFalse(0)),
                        (_, false, false) => Some(Op::OrJumpIfTrue(0)),
                    };
                    if let Some(op) = op {
                        let jumps_away = !last;
                        if jumps_away {
                            jumps.push(self.ops.len());
                        }
                        self.emit(op, if position == 0 { 0 } else { -1 });
                    }
                }
                if parts.is_empty() {
                    // An empty `and` is true, an empty `or` false; the
                    // grammar never makes one, but the plan stays total.
                    self.push(Op::Constant(Truth::from(is_and)), 1);
                }
                let end = self.ops.len() as u32;
                for jump in jumps {
                    if let Some(
                        Op::JumpIfFalse(target)
                        | Op::JumpIfTrue(target)
                        | Op::AndJumpIfFalse(target)
                        | Op::OrJumpIfTrue(target),
                    ) = self.ops.get_mut(jump)
                    {
                        *target = end;
                    }
                }
            }
            // `not (x < t)` is `x >= t` in Kleene's logic too: both are
            // unknown when x is missing. One comparison, no `not`.
            Expr::Not(inner) => match inner.as_ref() {
                Expr::Compare { input, comparator, threshold, .. } => {
                    self.compare(index(input), comparator.negated(), *threshold);
                }
                other => {
                    self.expr(other);
                    self.emit(Op::Not, 0);
                }
            },
            Expr::Compare { input, comparator, threshold, .. } => {
                self.compare(index(input), *comparator, *threshold)
            }
            Expr::Known(input, _) => self.leaf(Leaf::Known(index(input))),
            Expr::Unknown(input, _) => self.leaf(Leaf::Unknown(index(input))),
            Expr::Flag(input, _) => self.leaf(Leaf::Flag(index(input))),
            Expr::Has { input, members, .. } => {
                self.leaf(Leaf::Has { input: index(input), members: members.clone() })
            }
            Expr::OutsideRange { input, side, .. } => {
                self.leaf(Leaf::Range { input: index(input), side: *side })
            }
            Expr::Is { input, value, .. } => {
                self.leaf(Leaf::Is { input: index(input), value: value.clone() })
            }
            Expr::OlderThan { input, age, .. } => {
                self.leaf(Leaf::OlderThan { input: index(input), age: *age })
            }
            Expr::Fact(rule, _) => self.push(Op::Fact(rule.0 as u32), 1),
            Expr::DailyIntake { members, bound, limit_mg, suggested, .. } => self.leaf(Leaf::Daily {
                members: members.clone(),
                bound: *bound,
                limit_mg: *limit_mg,
                suggested: suggested.clone(),
            }),
            // Never compiled: check refuses programs with invalid parts.
            Expr::Invalid(_) => self.push(Op::Constant(Truth::Unknown), 1),
        }
    }
}

/// `expr` (negated when `negated`) as clauses of literals, each literal an
/// expression with its own negation; `None` when that would need
/// distributing `or` over `and`.
fn conjunction(expr: &Expr, negated: bool) -> Option<Vec<Vec<(&Expr, bool)>>> {
    match (expr, negated) {
        (Expr::Not(inner), _) => conjunction(inner, !negated),
        (Expr::And(parts), false) | (Expr::Or(parts), true) => {
            let mut clauses = Vec::new();
            for part in parts {
                clauses.extend(conjunction(part, negated)?);
            }
            Some(clauses)
        }
        (Expr::Or(parts), false) | (Expr::And(parts), true) => {
            let mut literals = Vec::new();
            for part in parts {
                literals.extend(disjunction(part, negated)?);
            }
            Some(vec![literals])
        }
        (Expr::Invalid(_), _) => None,
        (literal, _) => Some(vec![vec![(literal, negated)]]),
    }
}

/// `expr` as one clause (an `or` of literals), if it is one.
fn disjunction(expr: &Expr, negated: bool) -> Option<Vec<(&Expr, bool)>> {
    let mut clauses = conjunction(expr, negated)?;
    (clauses.len() == 1).then(|| clauses.pop()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every comparison, stored as `value < bound` on the value or its
    /// negation, must agree with the comparator itself just below, at and
    /// just above its threshold, and be unknown for a missing value.
    #[test]
    fn comparisons_as_bounds_agree_with_the_comparators_at_the_threshold() {
        let comparators =
            [Comparator::Less, Comparator::LessEqual, Comparator::Greater, Comparator::GreaterEqual];
        for threshold in [-3.5_f64, 0.0, 20.0, 75.0, 1e-9, 123_456.789] {
            let values =
                [threshold.next_down(), threshold, threshold.next_up(), threshold - 1.0, threshold + 1.0];
            for comparator in comparators {
                for comparator in [comparator, comparator.negated()] {
                    let literal = Literal::comparison(0, comparator, threshold);
                    for value in values {
                        let want = Truth::from(comparator.holds(value, threshold)).code();
                        assert_eq!(literal.compare(value), want, "{value} {comparator:?} {threshold}");
                    }
                    assert_eq!(literal.compare(f64::NAN), Truth::Unknown.code(), "missing value");
                }
            }
        }
    }

    #[test]
    fn truth_codes_round_trip_and_negate() {
        for truth in [Truth::False, Truth::Unknown, Truth::True] {
            assert_eq!(Truth::from_code(truth.code()), truth);
            assert_eq!(Truth::from_code(2 - truth.code()), truth.not());
        }
    }
}
