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
    /// The deepest the operand stack gets, so buffers are sized once.
    max_stack: usize,
}

impl Bytecode {
    /// Compiles every rule of `program`, in the evaluation `order`.
    pub fn compile(program: &Program, order: &[RuleId]) -> Bytecode {
        let mut compiler = Compiler::default();
        for &id in order {
            let Some(rule) = program.rule(id) else { continue };
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
        Bytecode { ops: compiler.ops, leaves: compiler.leaves, max_stack: compiler.max_depth }
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
            };
            // A reading op pushes: the old top goes to the stack.
            stack.push(top);
            top = new_top;
        }
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

    fn leaf(&mut self, leaf: Leaf) {
        let index = self.leaves.len() as u32;
        self.leaves.push(leaf);
        self.push(Op::Leaf(index), 1);
    }

    fn expr(&mut self, expr: &Expr) {
        let index = |input: &InputId| input.0 as u32;
        match expr {
            Expr::And(parts) | Expr::Or(parts) => {
                let is_and = matches!(expr, Expr::And(_));
                let mut jumps = Vec::new();
                for (position, part) in parts.iter().enumerate() {
                    self.expr(part);
                    if position > 0 {
                        self.emit(if is_and { Op::And } else { Op::Or }, -1);
                    }
                    if position + 1 < parts.len() {
                        jumps.push(self.ops.len());
                        self.emit(if is_and { Op::JumpIfFalse(0) } else { Op::JumpIfTrue(0) }, 0);
                    }
                }
                if parts.is_empty() {
                    // An empty `and` is true, an empty `or` false; the
                    // grammar never makes one, but the plan stays total.
                    self.push(Op::Constant(Truth::from(is_and)), 1);
                }
                let end = self.ops.len() as u32;
                for jump in jumps {
                    if let Some(Op::JumpIfFalse(target) | Op::JumpIfTrue(target)) = self.ops.get_mut(jump) {
                        *target = end;
                    }
                }
            }
            Expr::Not(inner) => {
                self.expr(inner);
                self.emit(Op::Not, 0);
            }
            Expr::Compare { input, comparator, threshold, .. } => {
                let (input, threshold) = (index(input), *threshold);
                let op = match comparator {
                    Comparator::Less => Op::Less { input, threshold },
                    Comparator::LessEqual => Op::LessEqual { input, threshold },
                    Comparator::Greater => Op::Greater { input, threshold },
                    Comparator::GreaterEqual => Op::GreaterEqual { input, threshold },
                };
                self.push(op, 1);
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
