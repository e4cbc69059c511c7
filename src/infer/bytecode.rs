//! The compiled evaluation plan: every rule's conditions as one flat list
//! of instructions in topological order, over facts indexed by input, with
//! thresholds already in canonical units. Running it allocates nothing: the
//! operand stack and the value slots are buffers the caller reuses.
//!
//! Most rules are in conjunctive normal form and are decided without
//! branches: every literal is read and combined as a byte (`min` for `and`,
//! `max` for `or`). Across many profiles the outcomes of conditions are
//! unpredictable, and a mispredicted branch costs more than the few
//! comparisons short-circuiting would skip (see BENCHMARKS.md). Such rules
//! are scheduled in groups of one shape (how many literals, where each
//! clause ends), each decided by a loop compiled for that shape, so nothing
//! about the shape is looked up per literal. Every literal is one `<` on
//! one `f64` slot: an input's value or its negation, or a verdict or rare
//! condition stored as a number (see [`truth_as_numbers`]). The general
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
    /// Store `when and not unless` as the rule's verdict, and in its slots,
    /// popping both (the `unless` is on top when the rule has one).
    Store {
        rule: u32,
        has_unless: bool,
    },
    /// Decide the groups `groups[first..last]` of rules in conjunctive
    /// normal form and store their verdicts: a loop per group instead of
    /// one dispatch per operator, or per rule. Most rules compile to this.
    Clauses {
        first: u32,
        last: u32,
    },
}

/// How a rule's literals make its clauses: `len` literals, and bit `i` of
/// `ends` set where a clause ends after literal `i`. Rules of up to
/// [`MAX_FIXED`] literals are decided by a loop compiled for their shape;
/// longer ones by the general loop, which reads where clauses end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Shape {
    Fixed { len: u8, ends: u8 },
    General,
}

const MAX_FIXED: usize = 4;

/// Rules of one shape, none reading another's verdict: `fixed[rules]`
/// for a fixed shape, with each rule's `len` literals in turn in
/// `literals[literals]`, or `general[rules]` for the general shape.
#[derive(Debug, Clone, PartialEq)]
struct Group {
    shape: Shape,
    rules: std::ops::Range<u32>,
    literals: std::ops::Range<u32>,
}

/// One condition of a clause: `value < bound` on a slot's value. A
/// comparison reads its input's value, or the negated value for `>` and
/// `>=` (`x >= 50` is `-x < next_up(-50)`), with a `not` before it already
/// folded in. A missing value is NaN, which compares false and makes the
/// literal unknown. Verdicts and the rarer conditions are read the same
/// way, from the pair of slots holding [`truth_as_numbers`].
#[derive(Debug, Clone, Copy, PartialEq)]
struct Literal {
    slot: u32,
    bound: f64,
}

impl Literal {
    /// A comparison of `input` with `threshold`, as `value < bound`.
    fn comparison(slots: Slots, input: u32, comparator: Comparator, threshold: f64) -> Literal {
        let (negated, bound) = as_bound(comparator, threshold);
        Literal { slot: slots.input(input, negated), bound }
    }

    /// Reads a truth stored in the pair of slots at `slot` by [`store`]:
    /// the first holds the truth, the second its negation.
    fn truth(slot: u32, negated: bool) -> Literal {
        Literal { slot: slot + u32::from(negated), bound: TRUE_BELOW }
    }

    /// The literal's truth as a code (0 false, 1 unknown, 2 true; see
    /// [`Truth::code`]), so that `or` and `and` are `max` and `min` on bytes
    /// and reading needs no branch: both tests hold when the literal holds,
    /// neither when it fails, and only the second for NaN, a missing value.
    #[inline(always)]
    #[expect(clippy::neg_cmp_op_on_partial_ord, reason = "`!(v >= b)` is meant to hold for NaN")]
    fn code(&self, values: &[f64]) -> u8 {
        let value = values.get(self.slot as usize).copied().unwrap_or(f64::NAN);
        u8::from(value < self.bound) + u8::from(!(value >= self.bound))
    }
}

/// A truth as the values of a pair of slots, the truth and its negation,
/// each read by a literal `value < TRUE_BELOW`: 0 for true, 1 for false,
/// and NaN for unknown, read as a missing number is. One lookup, so that
/// storing a verdict needs no branch.
#[inline(always)]
fn truth_as_numbers(code: u8) -> [f64; 2] {
    const BY_CODE: [[f64; 2]; 4] = [[1.0, 0.0], [f64::NAN, f64::NAN], [0.0, 1.0], [0.0, 1.0]];
    BY_CODE.get(usize::from(code & 3)).copied().unwrap_or([0.0, 1.0])
}

const TRUE_BELOW: f64 = 0.5;

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
    /// The rarer conditions the general instructions read, when they reach them.
    leaves: Vec<Leaf>,
    /// The rarer conditions clauses read, decided into their slots before
    /// anything else: none of them reads a verdict.
    slotted_leaves: Vec<Leaf>,
    groups: Vec<Group>,
    /// The rules of fixed shapes, group after group.
    fixed: Vec<u32>,
    /// The rules of general shape: where each one's literals are.
    general: Vec<(u32, std::ops::Range<u32>)>,
    literals: Vec<Literal>,
    /// Whether a clause ends after each literal, for the general loop.
    clause_ends: Vec<bool>,
    slots: Slots,
    /// The deepest the operand stack gets, so buffers are sized once.
    max_stack: usize,
}

/// Where values live in a run's slots: first a pair for each rule's
/// verdict, the truth and its negation (so a rule's pair is found from
/// its id alone, see [`rule_slot`]); then a pair that stays unknown; then
/// each input's number, and each negated, so that every comparison is a
/// `<`; then a pair for each slotted leaf.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Slots {
    inputs: u32,
    rules: u32,
    leaves: u32,
}

impl Slots {
    /// The first of the pair that stays unknown.
    fn unknown(self) -> u32 {
        rule_slot(self.rules)
    }

    fn input(self, input: u32, negated: bool) -> u32 {
        self.unknown() + 2 + input + if negated { self.inputs } else { 0 }
    }

    /// The first of the slotted leaf's pair.
    fn leaf(self, leaf: u32) -> u32 {
        self.unknown() + 2 + 2 * self.inputs + 2 * leaf
    }

    fn len(self) -> usize {
        self.leaf(self.leaves) as usize
    }
}

/// The first of rule `rule`'s pair of slots.
fn rule_slot(rule: u32) -> u32 {
    2 * rule
}

/// The buffers a run reuses: the operand stack and the value slots.
#[derive(Debug, Clone, Default)]
pub struct Scratch {
    stack: Vec<Truth>,
    values: Vec<f64>,
}

impl Bytecode {
    /// Compiles every rule of `program`, in the evaluation `order`, which
    /// lists each rule after those it reads.
    pub fn compile(program: &Program, order: &[RuleId]) -> Bytecode {
        let slots =
            Slots { inputs: program.inputs.len() as u32, rules: program.rules.len() as u32, leaves: 0 };
        let mut compiler =
            Compiler { slots, decided_so_far: vec![false; program.rules.len()], ..Compiler::default() };
        for &id in order {
            let Some(rule) = program.rule(id) else { continue };
            let gated = super::gated_when(rule);
            let when = gated.as_deref();
            if compiler.clauses_of(id.0 as u32, when, rule.unless.as_ref()) {
                continue;
            }
            compiler.schedule_clauses();
            match when {
                Some(when) => compiler.expr(when),
                None => compiler.emit(Op::Constant(Truth::True), 1),
            }
            if let Some(unless) = &rule.unless {
                compiler.expr(unless);
            }
            let has_unless = rule.unless.is_some();
            let rule = id.0 as u32;
            compiler.emit(Op::Store { rule, has_unless }, -1 - i32::from(has_unless));
            compiler.mark_decided(rule);
        }
        compiler.schedule_clauses();
        let slots = Slots { leaves: compiler.slotted_leaves.len() as u32, ..slots };
        Bytecode {
            ops: compiler.ops,
            leaves: compiler.leaves,
            slotted_leaves: compiler.slotted_leaves,
            groups: compiler.groups,
            fixed: compiler.fixed,
            general: compiler.general,
            literals: compiler.literals,
            clause_ends: compiler.clause_ends,
            slots,
            max_stack: compiler.max_depth,
        }
    }

    /// Evaluates every rule for `facts` into `verdicts` (one per rule),
    /// with `scratch`'s buffers. The top of the operand stack lives in a
    /// local, so most instructions touch no memory but the fact they read.
    pub fn run(&self, facts: &Facts, verdicts: &mut [Truth], scratch: &mut Scratch) {
        let Scratch { stack, values } = scratch;
        stack.clear();
        stack.reserve(self.max_stack);
        self.fill_slots(facts, verdicts, values);
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
                    store(*rule, when.and(unless.not()).code(), values, verdicts);
                    // The stack is empty between rules.
                    top = stack.pop().unwrap_or(Truth::Unknown);
                    continue;
                }
                Op::Clauses { first, last } => {
                    for group in self.groups.get(*first as usize..*last as usize).unwrap_or_default() {
                        self.decide(group, values, verdicts);
                    }
                    continue;
                }
            };
            // A reading op pushes: the old top goes to the stack.
            stack.push(top);
            top = new_top;
        }
    }

    /// Sets the slots a run starts from: the pair that stays unknown, the
    /// inputs' numbers and their negations, and the slotted leaves. A
    /// rule's pair is written before any literal reads it (see
    /// [`Compiler::mark_decided`]), so the rules' pairs are left as they
    /// are.
    fn fill_slots(&self, facts: &Facts, verdicts: &[Truth], values: &mut Vec<f64>) {
        values.resize(self.slots.len(), f64::NAN);
        let inputs = self.slots.inputs as usize;
        let rest = values.get_mut(self.slots.unknown() as usize..).unwrap_or_default();
        let Some((unknown, rest)) = rest.split_at_mut_checked(2) else { return };
        unknown.fill(f64::NAN);
        let Some((numbers, rest)) = rest.split_at_mut_checked(inputs) else { return };
        let Some((negated, leaves)) = rest.split_at_mut_checked(inputs) else { return };
        let given = facts.numbers();
        let given = given.get(..inputs).unwrap_or(given);
        let Some((known, missing)) = numbers.split_at_mut_checked(given.len()) else { return };
        known.copy_from_slice(given);
        missing.fill(f64::NAN);
        for (negated, value) in negated.iter_mut().zip(numbers.iter()) {
            *negated = -*value;
        }
        for (pair, leaf) in leaves.chunks_exact_mut(2).zip(&self.slotted_leaves) {
            let code = leaf.truth(facts, verdicts).code();
            pair.copy_from_slice(&truth_as_numbers(code));
        }
    }

    /// Decides one group's rules with the loop compiled for its shape.
    fn decide(&self, group: &Group, values: &mut [f64], verdicts: &mut [Truth]) {
        let literals = self.literals.get(range(&group.literals)).unwrap_or_default();
        let Shape::Fixed { len, ends } = group.shape else {
            let rules = self.general.get(range(&group.rules)).unwrap_or_default();
            return self.decide_general(rules, values, verdicts);
        };
        let rules = self.fixed.get(range(&group.rules)).unwrap_or_default();
        let run: Kernel = match (len, ends) {
            (1, 0b1) => decide_fixed::<1, 0b1>,
            (2, 0b10) => decide_fixed::<2, 0b10>,
            (2, 0b11) => decide_fixed::<2, 0b11>,
            (3, 0b100) => decide_fixed::<3, 0b100>,
            (3, 0b101) => decide_fixed::<3, 0b101>,
            (3, 0b110) => decide_fixed::<3, 0b110>,
            (3, 0b111) => decide_fixed::<3, 0b111>,
            (4, 0b1000) => decide_fixed::<4, 0b1000>,
            (4, 0b1001) => decide_fixed::<4, 0b1001>,
            (4, 0b1010) => decide_fixed::<4, 0b1010>,
            (4, 0b1011) => decide_fixed::<4, 0b1011>,
            (4, 0b1100) => decide_fixed::<4, 0b1100>,
            (4, 0b1101) => decide_fixed::<4, 0b1101>,
            (4, 0b1110) => decide_fixed::<4, 0b1110>,
            (4, 0b1111) => decide_fixed::<4, 0b1111>,
            // No other fixed shape is made (see `PendingRule::shape`); were
            // one made, its rules would stay unknown rather than keep a
            // verdict from an earlier run in their slots.
            _ => |rules: &[u32], _: &[Literal], values: &mut [f64], verdicts: &mut [Truth]| {
                for rule in rules {
                    store(*rule, Truth::Unknown.code(), values, verdicts);
                }
            },
        };
        run(rules, literals, values, verdicts);
    }

    /// `and` of the clauses, each an `or` of its literals, for rules of any
    /// shape: where a clause ends is read per literal.
    fn decide_general(
        &self,
        rules: &[(u32, std::ops::Range<u32>)],
        values: &mut [f64],
        verdicts: &mut [Truth],
    ) {
        for (rule, literals) in rules {
            let ends = self.clause_ends.get(range(literals)).unwrap_or_default();
            let literals = self.literals.get(range(literals)).unwrap_or_default();
            let codes = literals.iter().zip(ends).map(|(literal, ends)| (literal.code(values), *ends));
            store(*rule, all_clauses(codes), values, verdicts);
        }
    }
}

/// A loop deciding one group's rules, compiled for their shape.
type Kernel = fn(&[u32], &[Literal], &mut [f64], &mut [Truth]);

/// `and` of the clauses, each an `or` of its literals, for rules of `LEN`
/// literals with clauses ending where `ENDS` has bits: the shape is known
/// when this is compiled, so the loop over literals unrolls with no test of
/// where clauses end. Every literal is read, with no early exit: the branch
/// an exit needs is mispredicted often enough to cost more than the
/// comparisons it saves.
fn decide_fixed<const LEN: usize, const ENDS: u8>(
    rules: &[u32],
    literals: &[Literal],
    values: &mut [f64],
    verdicts: &mut [Truth],
) {
    for (rule, literals) in rules.iter().zip(literals.chunks_exact(LEN)) {
        let Ok(literals) = <&[Literal; LEN]>::try_from(literals) else { continue };
        let codes =
            literals.iter().enumerate().map(|(at, literal)| (literal.code(values), ENDS >> at & 1 == 1));
        store(*rule, all_clauses(codes), values, verdicts);
    }
}

/// `and` of the clauses, each an `or` of its literals, from each literal's
/// code and whether a clause ends after it (true for a rule with no
/// clause). The first literal of a clause and the first clause are taken
/// as they are: `max` with false or `min` with true would be compiled as a
/// branch on the value. In a fixed shape's loop, where clauses end is known
/// when it is compiled, and the tests of it fold away.
#[inline(always)]
fn all_clauses(codes: impl Iterator<Item = (u8, bool)>) -> u8 {
    let (mut all, mut any) = (Truth::True.code(), Truth::False.code());
    let (mut starts_clause, mut first_clause) = (true, true);
    for (code, ends_clause) in codes {
        any = if starts_clause { code } else { any.max(code) };
        if ends_clause {
            all = if first_clause { any } else { all.min(any) };
            first_clause = false;
        }
        starts_clause = ends_clause;
    }
    all
}

/// Writes a rule's verdict, and into its pair of slots for the literals
/// that read it: the truth, then its negation.
#[inline(always)]
fn store(rule: u32, code: u8, values: &mut [f64], verdicts: &mut [Truth]) {
    if let Some(verdict) = verdicts.get_mut(rule as usize) {
        *verdict = Truth::from_code(code);
    }
    let slot = rule_slot(rule) as usize;
    if let Some(pair) = values.get_mut(slot..slot + 2) {
        pair.copy_from_slice(&truth_as_numbers(code));
    }
}

fn range(range: &std::ops::Range<u32>) -> std::ops::Range<usize> {
    range.start as usize..range.end as usize
}

impl Leaf {
    /// The rarer condition `expr` is, if it is one: not a comparison, a
    /// fact, a combination or an invalid part.
    fn of(expr: &Expr) -> Option<Leaf> {
        let index = |input: &InputId| input.0 as u32;
        Some(match expr {
            Expr::Known(input, _) => Leaf::Known(index(input)),
            Expr::Unknown(input, _) => Leaf::Unknown(index(input)),
            Expr::Flag(input, _) => Leaf::Flag(index(input)),
            Expr::Has { input, members, .. } => Leaf::Has { input: index(input), members: members.clone() },
            Expr::OutsideRange { input, side, .. } => Leaf::Range { input: index(input), side: *side },
            Expr::Is { input, value, .. } => Leaf::Is { input: index(input), value: value.clone() },
            Expr::OlderThan { input, age, .. } => Leaf::OlderThan { input: index(input), age: *age },
            Expr::DailyIntake { members, bound, limit_mg, suggested, .. } => Leaf::Daily {
                members: members.clone(),
                bound: *bound,
                limit_mg: *limit_mg,
                suggested: suggested.clone(),
            },
            Expr::And(_)
            | Expr::Or(_)
            | Expr::Not(_)
            | Expr::Compare { .. }
            | Expr::Fact(..)
            | Expr::Invalid(_) => {
                return None;
            }
        })
    }

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

/// A rule in conjunctive normal form, waiting to be scheduled with the
/// rest of its run.
struct PendingRule {
    rule: u32,
    literals: Vec<Literal>,
    clause_ends: Vec<bool>,
    /// The rules whose verdicts its literals read.
    reads: Vec<u32>,
}

impl PendingRule {
    fn shape(&self) -> Shape {
        // No literals (a rule with no conditions) is true; the general loop
        // says so.
        if self.literals.is_empty() || self.literals.len() > MAX_FIXED {
            return Shape::General;
        }
        let ends = self.clause_ends.iter().rev().fold(0u8, |ends, end| ends << 1 | u8::from(*end));
        let len = self.literals.len() as u8;
        // The last literal ends the last clause: `decide` has a loop for
        // every such shape, and the general loop takes any other.
        if ends >> (len - 1) != 1 {
            return Shape::General;
        }
        Shape::Fixed { len, ends }
    }
}

#[derive(Default)]
struct Compiler {
    ops: Vec<Op>,
    leaves: Vec<Leaf>,
    slotted_leaves: Vec<Leaf>,
    groups: Vec<Group>,
    fixed: Vec<u32>,
    general: Vec<(u32, std::ops::Range<u32>)>,
    literals: Vec<Literal>,
    clause_ends: Vec<bool>,
    slots: Slots,
    /// Consecutive rules in conjunctive normal form not yet scheduled.
    pending: Vec<PendingRule>,
    /// Whether each rule's verdict is written before what is compiled next.
    decided_so_far: Vec<bool>,
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

    /// Notes that `rule`'s verdict is written by now: a literal that reads
    /// its slot may follow. A literal reading a rule not yet decided (which
    /// a topological order rules out) reads the unknown slot instead, so no
    /// slot is read before it is written in the same run.
    fn mark_decided(&mut self, rule: u32) {
        if let Some(decided) = self.decided_so_far.get_mut(rule as usize) {
            *decided = true;
        }
    }

    /// Takes `when and not unless` as a rule to decide by its clauses if it
    /// is in conjunctive normal form once `not` is pushed down to the
    /// literals (Kleene's logic keeps De Morgan's laws) and no literal is a
    /// daily limit, which reads verdicts. Returns false, adding nothing, for
    /// a rule that needs the general instructions.
    fn clauses_of(&mut self, rule: u32, when: Option<&Expr>, unless: Option<&Expr>) -> bool {
        let mut clauses = Vec::new();
        let parts = when.map(|w| (w, false)).into_iter().chain(unless.map(|u| (u, true)));
        for (expr, negated) in parts {
            let Some(more) = conjunction(expr, negated) else { return false };
            clauses.extend(more);
        }
        if clauses.iter().flatten().any(|(expr, _)| matches!(expr, Expr::DailyIntake { .. })) {
            return false;
        }
        let mut pending =
            PendingRule { rule, literals: Vec::new(), clause_ends: Vec::new(), reads: Vec::new() };
        for clause in clauses {
            let last = clause.len().saturating_sub(1);
            for (position, (expr, negated)) in clause.into_iter().enumerate() {
                let literal = self.literal(expr, negated, &mut pending.reads);
                pending.literals.push(literal);
                pending.clause_ends.push(position == last);
            }
        }
        self.pending.push(pending);
        self.mark_decided(rule);
        true
    }

    /// One literal of a clause; `expr` is one [`conjunction`] accepted.
    /// Notes in `reads` the rule it reads, if any.
    fn literal(&mut self, expr: &Expr, negated: bool, reads: &mut Vec<u32>) -> Literal {
        let index = |input: &InputId| input.0 as u32;
        let leaf = match expr {
            Expr::Compare { input, comparator, threshold, .. } => {
                let comparator = if negated { comparator.negated() } else { *comparator };
                return Literal::comparison(self.slots, index(input), comparator, *threshold);
            }
            Expr::Fact(rule, _) => {
                let rule = rule.0 as u32;
                let decided = self.decided_so_far.get(rule as usize).copied().unwrap_or(false);
                let slot = if decided { rule_slot(rule) } else { self.slots.unknown() };
                reads.push(rule);
                return Literal::truth(slot, negated);
            }
            // `clauses_of` passes no daily limit here, and `conjunction`
            // nothing but literals.
            Expr::DailyIntake { .. } => return Literal::truth(self.slots.unknown(), negated),
            other => match Leaf::of(other) {
                Some(leaf) => leaf,
                None => return Literal::truth(self.slots.unknown(), negated),
            },
        };
        let slot = self.slots.leaf(self.slotted_leaves.len() as u32);
        self.slotted_leaves.push(leaf);
        Literal::truth(slot, negated)
    }

    /// Schedules the pending run of rules: each goes one level after the
    /// deepest rule of the run it reads, and each level's rules are grouped
    /// by shape, so every group is decided by one loop with no rule reading
    /// a verdict of its own group.
    fn schedule_clauses(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        if pending.is_empty() {
            return;
        }
        let mut levels: Vec<u32> = Vec::with_capacity(pending.len());
        let mut level_of = std::collections::HashMap::new();
        for rule in &pending {
            let level = rule.reads.iter().filter_map(|read| level_of.get(read)).map(|l| l + 1).max();
            let level = level.unwrap_or(0);
            level_of.insert(rule.rule, level);
            levels.push(level);
        }
        let mut order: Vec<(u32, Shape, usize)> = pending
            .iter()
            .zip(&levels)
            .enumerate()
            .map(|(i, (rule, level))| (*level, rule.shape(), i))
            .collect();
        order.sort_unstable();
        let first = self.groups.len() as u32;
        let mut current = None;
        for (level, shape, index) in order {
            let Some(rule) = pending.get(index) else { continue };
            if current != Some((level, shape)) {
                current = Some((level, shape));
                let rules = match shape {
                    Shape::General => self.general.len() as u32,
                    Shape::Fixed { .. } => self.fixed.len() as u32,
                };
                let literals = self.literals.len() as u32;
                self.groups.push(Group { shape, rules: rules..rules, literals: literals..literals });
            }
            let start = self.literals.len() as u32;
            self.literals.extend(&rule.literals);
            self.clause_ends.extend(&rule.clause_ends);
            let end = self.literals.len() as u32;
            match shape {
                Shape::General => self.general.push((rule.rule, start..end)),
                Shape::Fixed { .. } => self.fixed.push(rule.rule),
            }
            if let Some(group) = self.groups.last_mut() {
                group.rules.end += 1;
                group.literals.end = end;
            }
        }
        self.ops.push(Op::Clauses { first, last: self.groups.len() as u32 });
    }

    fn compare(&mut self, input: u32, comparator: Comparator, threshold: f64) {
        let op = match comparator {
            Comparator::Less => Op::Less { input, threshold },
            Comparator::LessEqual => Op::LessEqual { input, threshold },
            Comparator::Greater => Op::Greater { input, threshold },
            Comparator::GreaterEqual => Op::GreaterEqual { input, threshold },
        };
        self.emit(op, 1);
    }

    fn leaf(&mut self, leaf: Leaf) {
        let index = self.leaves.len() as u32;
        self.leaves.push(leaf);
        self.emit(Op::Leaf(index), 1);
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
                    self.emit(Op::Constant(Truth::from(is_and)), 1);
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
            Expr::Fact(rule, _) => self.emit(Op::Fact(rule.0 as u32), 1),
            // Never compiled: check refuses programs with invalid parts.
            Expr::Invalid(_) => self.emit(Op::Constant(Truth::Unknown), 1),
            leaf => match Leaf::of(leaf) {
                Some(leaf) => self.leaf(leaf),
                // `Leaf::of` takes every other kind of condition.
                None => self.emit(Op::Constant(Truth::Unknown), 1),
            },
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
                    let slots = Slots { inputs: 1, rules: 0, leaves: 0 };
                    let literal = Literal::comparison(slots, 0, comparator, threshold);
                    // The pair that stays unknown, then the input and its negation.
                    let run = |value: f64| [f64::NAN, f64::NAN, value, -value];
                    for value in values {
                        let want = Truth::from(comparator.holds(value, threshold)).code();
                        assert_eq!(literal.code(&run(value)), want, "{value} {comparator:?} {threshold}");
                    }
                    let missing = literal.code(&run(f64::NAN));
                    assert_eq!(missing, Truth::Unknown.code(), "missing value");
                }
            }
        }
    }

    /// Each rule's shape names a loop `decide` has, or the general one.
    #[test]
    fn shapes_are_fixed_only_where_a_loop_is_compiled_for_them() {
        let shape = |ends: &[bool]| {
            let literal = Literal { slot: 0, bound: 0.0 };
            let literals = vec![literal; ends.len()];
            PendingRule { rule: 0, literals, clause_ends: ends.to_vec(), reads: Vec::new() }.shape()
        };
        assert_eq!(shape(&[true]), Shape::Fixed { len: 1, ends: 0b1 });
        // `a or b`, then `c`: clauses end after the second and third.
        assert_eq!(shape(&[false, true, true]), Shape::Fixed { len: 3, ends: 0b110 });
        assert_eq!(shape(&[true, true, true, true]), Shape::Fixed { len: 4, ends: 0b1111 });
        assert_eq!(shape(&[]), Shape::General, "no condition: true, by the general loop");
        assert_eq!(shape(&[true; 5]), Shape::General, "longer than any fixed loop");
        assert_eq!(shape(&[true, false]), Shape::General, "the last clause does not end");
    }

    #[test]
    fn truth_codes_round_trip_and_negate() {
        for truth in [Truth::False, Truth::Unknown, Truth::True] {
            assert_eq!(Truth::from_code(truth.code()), truth);
            assert_eq!(Truth::from_code(2 - truth.code()), truth.not());
        }
    }
}
