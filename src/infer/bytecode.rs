//! The compiled evaluation plan: every rule's conditions as one flat list
//! of instructions in topological order, over facts indexed by input, with
//! thresholds already in canonical units. Running it allocates nothing: the
//! operand stack and the verdicts are buffers the caller reuses.
//!
//! `and` and `or` short-circuit as Kleene's logic allows: once a conjunction
//! is false (or a disjunction true) nothing after it can change it.

use crate::check::{Expr, InputId, Program, RuleId};
use crate::profile::{Facts, Value};
use crate::syntax::ast::{Comparator, RangeSide};
use crate::units::{self, Unit};

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
    /// Decide a whole rule from its conditions in conjunctive normal form
    /// (`clauses[start..start + count]`) and store its verdict: tight loops
    /// instead of one dispatch per operator. Most rules compile to this.
    Clauses {
        rule: u32,
        start: u32,
        count: u32,
    },
}

/// An `or` of literals, `literals[start..start + len]`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Clause {
    start: u32,
    len: u32,
}

/// A condition that is read, not combined: a comparison (already negated
/// where a `not` stood before it), or a rule's verdict or a rarer
/// condition, possibly negated.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Literal {
    Less { input: u32, threshold: f64 },
    LessEqual { input: u32, threshold: f64 },
    Greater { input: u32, threshold: f64 },
    GreaterEqual { input: u32, threshold: f64 },
    Fact { rule: u32, negated: bool },
    Leaf { leaf: u32, negated: bool },
}

#[derive(Debug, Clone, PartialEq)]
enum Leaf {
    Known(u32),
    Unknown(u32),
    Flag(u32),
    Has { input: u32, members: Vec<String> },
    Range { input: u32, side: RangeSide },
    Daily { members: Vec<String>, bound: Comparator, limit_mg: Option<f64> },
}

/// A knowledge base's rules, compiled.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bytecode {
    ops: Vec<Op>,
    leaves: Vec<Leaf>,
    clauses: Vec<Clause>,
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
            if compiler.clauses_of(id.0 as u32, rule.when.as_ref(), rule.unless.as_ref()) {
                continue;
            }
            match &rule.when {
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
            clauses: compiler.clauses,
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
                Op::Leaf(leaf) => self.leaves.get(*leaf as usize).map_or(Truth::Unknown, |l| l.truth(facts)),
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
                Op::Clauses { rule, start, count } => {
                    let verdict = self.decide(*start, *count, numbers, facts, verdicts);
                    if let Some(slot) = verdicts.get_mut(*rule as usize) {
                        *slot = verdict;
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
    /// `and` of the clauses, each an `or` of its literals, stopping as soon
    /// as the answer is settled.
    fn decide(&self, start: u32, count: u32, numbers: &[f64], facts: &Facts, verdicts: &[Truth]) -> Truth {
        let number = |input: &u32| numbers.get(*input as usize).copied().unwrap_or(f64::NAN);
        let compare =
            |value: f64, holds: bool| if value.is_nan() { Truth::Unknown } else { Truth::from(holds) };
        let negate = |truth: Truth, negated: bool| if negated { truth.not() } else { truth };
        let clauses = self.clauses.get(start as usize..(start + count) as usize).unwrap_or_default();
        let mut all = Truth::True;
        for clause in clauses {
            let literals = self
                .literals
                .get(clause.start as usize..(clause.start + clause.len) as usize)
                .unwrap_or_default();
            let mut any = Truth::False;
            for literal in literals {
                let truth = match literal {
                    Literal::Less { input, threshold } => {
                        let value = number(input);
                        compare(value, value < *threshold)
                    }
                    Literal::LessEqual { input, threshold } => {
                        let value = number(input);
                        compare(value, value <= *threshold)
                    }
                    Literal::Greater { input, threshold } => {
                        let value = number(input);
                        compare(value, value > *threshold)
                    }
                    Literal::GreaterEqual { input, threshold } => {
                        let value = number(input);
                        compare(value, value >= *threshold)
                    }
                    Literal::Fact { rule, negated } => {
                        negate(verdicts.get(*rule as usize).copied().unwrap_or(Truth::Unknown), *negated)
                    }
                    Literal::Leaf { leaf, negated } => negate(
                        self.leaves.get(*leaf as usize).map_or(Truth::Unknown, |l| l.truth(facts)),
                        *negated,
                    ),
                };
                any = any.or(truth);
                if any == Truth::True {
                    break;
                }
            }
            all = all.and(any);
            if all == Truth::False {
                break;
            }
        }
        all
    }
}

impl Leaf {
    fn truth(&self, facts: &Facts) -> Truth {
        let value = |input: &u32| facts.value(InputId(*input as usize));
        match self {
            Leaf::Known(input) => value(input).is_some().into(),
            Leaf::Unknown(input) => value(input).is_none().into(),
            Leaf::Flag(input) => match value(input) {
                Some(Value::Flag(set)) => (*set).into(),
                _ => Truth::Unknown,
            },
            Leaf::Has { input, members } => match value(input) {
                Some(Value::List(items)) => items.iter().any(|item| members.contains(item)).into(),
                _ => Truth::Unknown,
            },
            Leaf::Range { input, side } => match value(input) {
                Some(Value::Quantity { canonical, range: Some((low, high)), .. }) => match side {
                    RangeSide::Below => (canonical < low).into(),
                    RangeSide::Above => (canonical > high).into(),
                },
                _ => Truth::Unknown,
            },
            Leaf::Daily { members, bound, limit_mg } => match (&facts.intakes, limit_mg) {
                (Some(intakes), Some(limit)) => {
                    let total: f64 =
                        intakes.iter().filter(|i| members.contains(&i.name)).map(|i| i.milligrams).sum();
                    (!bound.holds(total, *limit)).into()
                }
                _ => Truth::Unknown,
            },
        }
    }
}

#[derive(Default)]
struct Compiler {
    ops: Vec<Op>,
    leaves: Vec<Leaf>,
    clauses: Vec<Clause>,
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

    /// Compiles `when and not unless` to one [`Op::Clauses`] if it is in
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
        let start = self.clauses.len() as u32;
        for (clause, negated) in cnf.iter().zip(&negations) {
            let literal_start = self.literals.len() as u32;
            for (expr, negated) in clause.iter().zip(negated) {
                let literal = self.literal(expr, *negated);
                self.literals.push(literal);
            }
            self.clauses.push(Clause { start: literal_start, len: clause.len() as u32 });
        }
        self.ops.push(Op::Clauses { rule, start, count: cnf.len() as u32 });
        true
    }

    /// One literal of a clause; `expr` is one [`conjunction`] accepted.
    fn literal(&mut self, expr: &Expr, negated: bool) -> Literal {
        let index = |input: &InputId| input.0 as u32;
        match expr {
            Expr::Compare { input, comparator, threshold, .. } => {
                let (input, threshold) = (index(input), *threshold);
                match if negated { comparator.negated() } else { *comparator } {
                    Comparator::Less => Literal::Less { input, threshold },
                    Comparator::LessEqual => Literal::LessEqual { input, threshold },
                    Comparator::Greater => Literal::Greater { input, threshold },
                    Comparator::GreaterEqual => Literal::GreaterEqual { input, threshold },
                }
            }
            Expr::Fact(rule, _) => Literal::Fact { rule: rule.0 as u32, negated },
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
                    Expr::DailyIntake { members, bound, limit, .. } => Leaf::Daily {
                        members: members.clone(),
                        bound: *bound,
                        limit_mg: units::convert(limit.value, limit.unit, Unit::MILLIGRAM, None).ok(),
                    },
                    // `conjunction` passes only literals here.
                    _ => Leaf::Unknown(u32::MAX),
                };
                let leaf_index = self.leaves.len() as u32;
                self.leaves.push(leaf);
                Literal::Leaf { leaf: leaf_index, negated }
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
            Expr::Fact(rule, _) => self.push(Op::Fact(rule.0 as u32), 1),
            Expr::DailyIntake { members, bound, limit, .. } => {
                // The bound is converted to milligrams once, here.
                let limit_mg = units::convert(limit.value, limit.unit, Unit::MILLIGRAM, None).ok();
                self.leaf(Leaf::Daily { members: members.clone(), bound: *bound, limit_mg });
            }
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
