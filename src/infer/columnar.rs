//! Columnar evaluation: many profiles at once, each rule decided for a
//! whole block of profiles before the next rule. Values arrive column by
//! column (one column per input, as Arrow and Parquet hold them), so a
//! comparison is one tight loop over a column, which the compiler
//! vectorises, and each instruction is dispatched once per block instead
//! of once per profile. The verdicts are the row-wise [`super::Evaluator`]'s
//! for the same values; tests/columnar.rs checks that on generated
//! knowledge bases and on the bundled one.
//!
//! ```text
//! let mut columns = Columns::new(&kb.graph.program, rows);
//! columns.lab(LabSlot::resolve(program, "ferritin", "ng/mL")?, &ferritin)?;
//! let mut evaluator = ColumnarEvaluator::new(&kb.graph);
//! evaluator.run(&columns, |block| { /* block.verdict(rule, row) */ })?;
//! ```

use super::Truth;
use crate::check::{Builtin, Expr, InputId, InputKind, ProfileList, Program, RuleId};
use crate::graph::KnowledgeGraph;
use crate::profile::{FlagSlot, LabSlot, NotConsidered, Sex, Value, ValueError, list_value, normalise_name};
use crate::units::Unit;

/// Profiles decided together: a rule's truths for a block are 64 bytes, a
/// cache line.
pub const BLOCK: usize = 256;

/// Why a column or a batch was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnError {
    /// The column has `got` values for a batch of `expected` profiles.
    Length { expected: usize, got: usize },
    /// The value in profile `row` was refused.
    Value { row: usize, error: ValueError },
    /// Profile `row`'s list has more entries than a profile's list may
    /// (the profile reader's default limit).
    TooManyItems { row: usize, items: usize, limit: usize },
    /// The columns were made for another knowledge base's inputs.
    OtherKnowledgeBase,
}

impl std::fmt::Display for ColumnError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ColumnError::Length { expected, got } => {
                write!(f, "the column has {got} values, but the batch has {expected} profiles")
            }
            ColumnError::Value { row, error: ValueError::NotAMeasurement } => write!(
                f,
                "the value of profile {row} is not a finite number of zero or more; give the measured value, \
                 or null when it is unknown"
            ),
            ColumnError::Value { row, error: ValueError::Implausible } => write!(
                f,
                "the value of profile {row} is outside the plausible range; check the value, and that the \
                 column's unit is the one its values are in"
            ),
            ColumnError::TooManyItems { row, items, limit } => write!(
                f,
                "the list of profile {row} has {items} entries, more than the limit of {limit}; check that the \
                 row describes one person"
            ),
            ColumnError::OtherKnowledgeBase => write!(f, "the columns were made for another knowledge base"),
        }
    }
}

impl std::error::Error for ColumnError {}

impl ColumnError {
    /// The code of the error, the profile reader's for the same fault: a
    /// value that is no measurement (`E0604`) or implausible (`E0611`), a
    /// list too long (`E0609`); a column of the wrong length is `E0641`,
    /// columns of another knowledge base `E0642`.
    pub fn code(&self) -> &'static str {
        match self {
            ColumnError::Value { error: ValueError::NotAMeasurement, .. } => "E0604",
            ColumnError::Value { error: ValueError::Implausible, .. } => "E0611",
            ColumnError::TooManyItems { .. } => "E0609",
            ColumnError::Length { .. } => "E0641",
            ColumnError::OtherKnowledgeBase => "E0642",
        }
    }
}

/// What a batch's column gives, found by its name.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ColumnKind {
    /// A lab's values, in `unit` (the input's own) unless the column says
    /// which unit it holds.
    Lab { input: InputId, unit: Unit },
    /// The age in years.
    Age,
    /// `female`, `male` or `other`.
    Sex,
    /// `pregnant` or `lactating`.
    Person(Builtin),
    /// Whether a condition holds.
    Flag(FlagSlot),
    /// `conditions`, `medications`, `supplements` or `diet`.
    List(ProfileList),
}

impl ColumnKind {
    /// The kind of the column `name` (compared as a profile's names are),
    /// or `None` when the knowledge base reads nothing of that name.
    pub fn of(program: &Program, name: &str) -> Option<ColumnKind> {
        let name = normalise_name(name);
        if let Some(builtin) = Builtin::ALL.into_iter().find(|b| b.name() == name) {
            return Some(match builtin {
                Builtin::Age => ColumnKind::Age,
                Builtin::Sex => ColumnKind::Sex,
                other => ColumnKind::Person(other),
            });
        }
        if let Some(list) = ProfileList::ALL.into_iter().find(|list| list.name() == name) {
            return Some(ColumnKind::List(list));
        }
        if let Some(id) = program.find_input(&name) {
            if let Some(InputKind::Lab { unit, .. }) = program.input(id).map(|input| input.kind) {
                return Some(ColumnKind::Lab { input: id, unit });
            }
        }
        FlagSlot::resolve(program, &name).map(ColumnKind::Flag)
    }
}

/// Many profiles' values, column by column. An input with no column is
/// unknown for every profile; a missing entry in a column (`None`) is
/// unknown for that profile. Columns carry values only: no lab dates,
/// reference ranges or supplement doses, so the conditions that read those
/// are unknown, as they are for a profile that does not give them.
#[derive(Debug, Clone)]
pub struct Columns<'p> {
    program: &'p Program,
    rows: usize,
    /// Labs and the age, in the input's own unit; NaN is unknown.
    numbers: Vec<Option<Vec<f64>>>,
    /// Flags, the sex and lists.
    values: Vec<Option<Vec<Option<Value>>>>,
    /// The lists as given, for naming the entries no rule reads.
    lists: Vec<(ProfileList, Vec<Option<Vec<String>>>)>,
}

impl<'p> Columns<'p> {
    /// `rows` profiles for `program`, every value unknown until a column
    /// sets it.
    pub fn new(program: &'p Program, rows: usize) -> Self {
        let inputs = program.inputs.len();
        Columns { program, rows, numbers: vec![None; inputs], values: vec![None; inputs], lists: Vec::new() }
    }

    /// The program whose inputs the columns are.
    pub fn program(&self) -> &'p Program {
        self.program
    }

    /// A lab's values, given in the slot's unit: converted with the factor
    /// the slot worked out, and refused as [`LabSlot::convert`] refuses a
    /// single value.
    pub fn lab(&mut self, slot: LabSlot, values: &[Option<f64>]) -> Result<(), ColumnError> {
        self.check_length(values.len())?;
        let converted = convert_all(values, |value| slot.convert(value))?;
        self.set_numbers(slot.input, converted);
        Ok(())
    }

    /// The people's ages in years, for the rules that read the age.
    pub fn age(&mut self, values: &[Option<f64>]) -> Result<(), ColumnError> {
        self.check_length(values.len())?;
        let converted = convert_all(values, |age| {
            if age.is_finite() && (0.0..=crate::profile::MAX_AGE).contains(&age) {
                Ok(age)
            } else {
                Err(ValueError::Implausible)
            }
        })?;
        if let Some(input) = self.program.builtin_input(Builtin::Age) {
            self.set_numbers(input, converted);
        }
        Ok(())
    }

    /// Whether each person has the condition.
    pub fn flag(&mut self, slot: FlagSlot, values: &[Option<bool>]) -> Result<(), ColumnError> {
        self.check_length(values.len())?;
        self.set_values(slot.input(), values.iter().map(|value| value.map(Value::Flag)).collect());
        Ok(())
    }

    /// Pregnancy or breastfeeding, for the rules that read them.
    pub fn person_flag(&mut self, builtin: Builtin, values: &[Option<bool>]) -> Result<(), ColumnError> {
        self.check_length(values.len())?;
        if let Some(input) = self.program.builtin_input(builtin) {
            self.set_values(input, values.iter().map(|value| value.map(Value::Flag)).collect());
        }
        Ok(())
    }

    /// The people's sex, for the rules that read it.
    pub fn sex(&mut self, values: &[Option<Sex>]) -> Result<(), ColumnError> {
        self.check_length(values.len())?;
        if let Some(input) = self.program.builtin_input(Builtin::Sex) {
            self.set_values(input, values.iter().map(|sex| sex.map(|s| Value::Choice(s.word()))).collect());
        }
        Ok(())
    }

    /// One of the profiles' lists, as [`crate::profile::FactsBuilder::list`]
    /// sets it: conditions also settle every flag, true when listed (by name
    /// or alias) and false when not. A missing list leaves them unknown.
    pub fn list(&mut self, list: ProfileList, rows: &[Option<Vec<String>>]) -> Result<(), ColumnError> {
        self.check_length(rows.len())?;
        // Bounded as a profile's lists are: each entry no rule reads is
        // named, with the nearest name that is read.
        let limit = crate::limits::Limits::default().list_items;
        let too_long = rows.iter().enumerate().find_map(|(row, names)| {
            let items = names.as_ref()?.len();
            (items > limit).then_some(ColumnError::TooManyItems { row, items, limit })
        });
        if let Some(error) = too_long {
            return Err(error);
        }
        self.lists.retain(|(given, _)| *given != list);
        self.lists.push((list, rows.to_vec()));
        let rows: Vec<Option<Vec<String>>> = rows
            .iter()
            .map(|names| names.as_ref().map(|names| names.iter().map(|n| normalise_name(n)).collect()))
            .collect();
        let program = self.program;
        for (index, input) in program.inputs.iter().enumerate() {
            let column: Vec<Option<Value>> =
                rows.iter().map(|names| list_value(input, list, names.as_deref()?)).collect();
            if column.iter().any(Option::is_some) {
                self.set_values(InputId(index), column);
            }
        }
        Ok(())
    }

    /// The entries of profile `row`'s lists that no rule reads, as a
    /// profile's report lists them. Condition words such as `pregnant` are
    /// among them: here they set nothing, so they are not considered.
    pub fn not_considered(&self, row: usize) -> Vec<NotConsidered> {
        let written: Vec<(ProfileList, Option<&[String]>)> = ProfileList::ALL
            .into_iter()
            .filter_map(|list| {
                let (_, rows) = self.lists.iter().find(|(given, _)| *given == list)?;
                Some((list, rows.get(row)?.as_deref()))
            })
            .collect();
        crate::profile::not_considered_in(self.program, &written, &[])
    }

    fn check_length(&self, got: usize) -> Result<(), ColumnError> {
        if got == self.rows { Ok(()) } else { Err(ColumnError::Length { expected: self.rows, got }) }
    }

    fn set_numbers(&mut self, input: InputId, column: Vec<f64>) {
        if let Some(slot) = self.numbers.get_mut(input.0) {
            *slot = Some(column);
        }
    }

    /// Sets an input's values; a missing one keeps what another column
    /// gave (a `rls` column and a `conditions` column both set `rls`).
    fn set_values(&mut self, input: InputId, mut column: Vec<Option<Value>>) {
        let Some(slot) = self.values.get_mut(input.0) else { return };
        if let Some(earlier) = slot.take() {
            for (value, earlier) in column.iter_mut().zip(earlier) {
                if value.is_none() {
                    *value = earlier;
                }
            }
        }
        *slot = Some(column);
    }

    fn number_column(&self, input: u32) -> Option<&[f64]> {
        self.numbers.get(input as usize).and_then(Option::as_deref)
    }

    fn value(&self, input: InputId, row: usize) -> Option<&Value> {
        self.values
            .get(input.0)
            .and_then(Option::as_ref)
            .and_then(|column| column.get(row))
            .and_then(Option::as_ref)
    }

    fn known(&self, input: InputId, row: usize) -> bool {
        match self.number_column(input.0 as u32) {
            Some(column) => column.get(row).is_some_and(|value| !value.is_nan()),
            None => self.value(input, row).is_some(),
        }
    }
}

/// Every value through `convert`, NaN for a missing one; the first refusal
/// names its row.
fn convert_all(
    values: &[Option<f64>],
    convert: impl Fn(f64) -> Result<f64, ValueError>,
) -> Result<Vec<f64>, ColumnError> {
    values
        .iter()
        .enumerate()
        .map(|(row, value)| match value {
            None => Ok(f64::NAN),
            Some(value) => convert(*value).map_err(|error| ColumnError::Value { row, error }),
        })
        .collect()
}

/// One step of the columnar plan: a postfix program over registers, each
/// register the truth of one condition for every profile of the block.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    /// `sign × value < bound` for every profile of the block: see
    /// `bytecode::as_bound`.
    Compare {
        input: u32,
        sign: f64,
        bound: f64,
    },
    /// The same, combined into the top register with `and`.
    AndCompare {
        input: u32,
        sign: f64,
        bound: f64,
    },
    /// The same, combined with `or`.
    OrCompare {
        input: u32,
        sign: f64,
        bound: f64,
    },
    /// A rule decided earlier.
    Fact(u32),
    AndFact(u32),
    OrFact(u32),
    /// One of the rarer conditions, decided profile by profile.
    Leaf(u32),
    Constant(Truth),
    Not,
    /// Combine the top two registers.
    And,
    Or,
    /// `when and not unless` as the rule's verdict, from the top one or two.
    Store {
        rule: u32,
        has_unless: bool,
    },
}

/// 64-bit words per mask of a block.
const WORDS: usize = BLOCK / 64;

/// Truths for a block of profiles as two bit sets, one bit per profile:
/// those for whom it holds and those for whom it fails; the others are
/// unknown. Kleene's logic is then plain bitwise logic on whole words: for
/// `and`, it holds where both hold and fails where either fails; `not`
/// swaps the sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Masks {
    holds: [u64; WORDS],
    fails: [u64; WORDS],
}

impl Masks {
    fn all(truth: Truth) -> Masks {
        let set = |yes: bool| if yes { [u64::MAX; WORDS] } else { [0; WORDS] };
        Masks { holds: set(truth == Truth::True), fails: set(truth == Truth::False) }
    }

    /// `sign × value < bound` for each value of `column`; `known` has the
    /// bits of the values that are not missing, for which the comparison
    /// fails where it does not hold. A missing value is NaN, which compares
    /// false, so it lands in neither set.
    #[inline(always)]
    fn compare(column: &[f64], known: &[u64; WORDS], sign: f64, bound: f64) -> Masks {
        let holds = below(column, sign, bound);
        let mut fails = *known;
        for (fails, holds) in fails.iter_mut().zip(holds) {
            *fails &= !holds;
        }
        Masks { holds, fails }
    }

    #[inline(always)]
    fn and(self, other: Masks) -> Masks {
        let mut out = self;
        for (word, other) in out.holds.iter_mut().zip(other.holds) {
            *word &= other;
        }
        for (word, other) in out.fails.iter_mut().zip(other.fails) {
            *word |= other;
        }
        out
    }

    #[inline(always)]
    fn or(self, other: Masks) -> Masks {
        self.not().and(other.not()).not()
    }

    #[inline(always)]
    fn not(self) -> Masks {
        Masks { holds: self.fails, fails: self.holds }
    }

    fn set(&mut self, row: usize, truth: Truth) {
        let (word, bit) = (row / 64, row % 64);
        if let (Some(holds), Some(fails)) = (self.holds.get_mut(word), self.fails.get_mut(word)) {
            *holds |= u64::from(truth == Truth::True) << bit;
            *fails |= u64::from(truth == Truth::False) << bit;
        }
    }

    #[inline]
    fn truth(&self, row: usize) -> Truth {
        self.truth_at(row / 64, row % 64)
    }

    /// The truth for the profile at bit `bit` of word `word`.
    #[inline]
    fn truth_at(&self, word: usize, bit: usize) -> Truth {
        let set = |words: &[u64; WORDS]| words.get(word).is_some_and(|w| w >> bit & 1 == 1);
        match (set(&self.holds), set(&self.fails)) {
            (true, _) => Truth::True,
            (false, true) => Truth::False,
            (false, false) => Truth::Unknown,
        }
    }
}

/// Evaluates blocks of profiles with a plan compiled once per knowledge
/// base, reusing its buffers from block to block.
#[derive(Debug)]
pub struct ColumnarEvaluator<'g> {
    graph: &'g KnowledgeGraph,
    plan: Vec<Op>,
    leaves: Vec<Expr>,
    /// The operand registers.
    registers: Vec<Masks>,
    /// Every rule's truths for the block.
    verdicts: Vec<Masks>,
    /// The column of an input no column gives.
    unknown: Vec<f64>,
    /// For each input, which of the block's values are not missing.
    known: Vec<[u64; WORDS]>,
}

/// One block's verdicts, handed to the caller before the next block.
#[derive(Debug, Clone, Copy)]
pub struct Block<'a> {
    /// The batch row of the block's first profile.
    pub first_row: usize,
    /// Profiles in the block.
    pub rows: usize,
    verdicts: &'a [Masks],
}

impl<'a> Block<'a> {
    /// The verdict of `rule` for the block's profile `row` (from 0).
    #[inline]
    pub fn verdict(&self, rule: RuleId, row: usize) -> Truth {
        self.row(row).verdict(rule)
    }

    /// The verdicts of the block's profile `row` (from 0), for reading many
    /// rules of one profile.
    #[inline]
    pub fn row(&self, row: usize) -> RowVerdicts<'a> {
        // Past the block's rows, every verdict is unknown.
        let verdicts = if row < self.rows { self.verdicts } else { &[] };
        RowVerdicts { verdicts, word: row / 64, bit: row % 64 }
    }
}

/// One profile's verdicts within a [`Block`].
#[derive(Debug, Clone, Copy)]
pub struct RowVerdicts<'a> {
    verdicts: &'a [Masks],
    word: usize,
    bit: usize,
}

impl RowVerdicts<'_> {
    #[inline]
    pub fn verdict(&self, rule: RuleId) -> Truth {
        self.verdicts.get(rule.0).map_or(Truth::Unknown, |masks| masks.truth_at(self.word, self.bit))
    }
}

impl<'g> ColumnarEvaluator<'g> {
    pub fn new(graph: &'g KnowledgeGraph) -> Self {
        let mut compiler = Compiler::default();
        for &id in &graph.order {
            let Some(rule) = graph.program.rule(id) else { continue };
            match super::gated_when(rule) {
                Some(when) => compiler.expr(&when),
                None => compiler.emit(Op::Constant(Truth::True), 1),
            }
            if let Some(unless) = &rule.unless {
                compiler.expr(unless);
            }
            let has_unless = rule.unless.is_some();
            compiler.emit(Op::Store { rule: id.0 as u32, has_unless }, -1 - i32::from(has_unless));
        }
        ColumnarEvaluator {
            graph,
            plan: compiler.plan,
            leaves: compiler.leaves,
            registers: vec![Masks::default(); compiler.max_depth.max(1)],
            verdicts: vec![Masks::all(Truth::Unknown); graph.program.rules.len()],
            unknown: vec![f64::NAN; BLOCK],
            known: vec![[0; WORDS]; graph.program.inputs.len()],
        }
    }

    /// Decides every rule for every profile of `columns`, a block at a
    /// time, calling `each_block` with each block's verdicts in row order.
    pub fn run(
        &mut self,
        columns: &Columns<'_>,
        mut each_block: impl FnMut(&Block<'_>),
    ) -> Result<(), ColumnError> {
        if !std::ptr::eq(columns.program, &self.graph.program) {
            return Err(ColumnError::OtherKnowledgeBase);
        }
        let mut first_row = 0;
        while first_row < columns.rows {
            let rows = BLOCK.min(columns.rows - first_row);
            self.run_block(columns, first_row, rows);
            each_block(&Block { first_row, rows, verdicts: &self.verdicts });
            first_row += rows;
        }
        Ok(())
    }

    /// Every rule's verdict for every profile, profile after profile: rule
    /// `r` of profile `p` is at `p × rules + r`.
    pub fn verdicts(&mut self, columns: &Columns<'_>) -> Result<Vec<Truth>, ColumnError> {
        let rules = self.graph.program.rules.len();
        let mut all = Vec::with_capacity(columns.rows * rules);
        self.run(columns, |block| {
            for row in 0..block.rows {
                all.extend((0..rules).map(|rule| block.verdict(RuleId(rule), row)));
            }
        })?;
        Ok(all)
    }

    fn run_block(&mut self, columns: &Columns<'_>, first_row: usize, rows: usize) {
        let span = first_row..first_row + rows;
        let column = |input: u32| -> &[f64] {
            columns.number_column(input).and_then(|c| c.get(span.clone())).unwrap_or(&self.unknown)
        };
        for (input, known) in self.known.iter_mut().enumerate() {
            *known = columns
                .number_column(input as u32)
                .and_then(|c| c.get(span.clone()))
                .map_or([0; WORDS], known_bits);
        }
        let known = |input: u32| self.known.get(input as usize).copied().unwrap_or([0; WORDS]);
        // The stack never underflows: the compiler counted its depth.
        let mut stack = Stack { registers: &mut self.registers, depth: 0 };
        for op in &self.plan {
            match *op {
                Op::Compare { input, sign, bound } => {
                    stack.push(Masks::compare(column(input), &known(input), sign, bound))
                }
                Op::AndCompare { input, sign, bound } => {
                    stack.combine(|top| top.and(Masks::compare(column(input), &known(input), sign, bound)))
                }
                Op::OrCompare { input, sign, bound } => {
                    stack.combine(|top| top.or(Masks::compare(column(input), &known(input), sign, bound)))
                }
                Op::Fact(rule) => stack.push(fact(&self.verdicts, rule)),
                Op::AndFact(rule) => stack.combine(|top| top.and(fact(&self.verdicts, rule))),
                Op::OrFact(rule) => stack.combine(|top| top.or(fact(&self.verdicts, rule))),
                Op::Leaf(leaf) => {
                    let mut masks = Masks::default();
                    if let Some(leaf) = self.leaves.get(leaf as usize) {
                        for row in 0..rows {
                            let verdict = |rule: RuleId| {
                                self.verdicts.get(rule.0).map_or(Truth::Unknown, |masks| masks.truth(row))
                            };
                            masks.set(row, leaf_truth(leaf, columns, first_row + row, verdict));
                        }
                    }
                    stack.push(masks);
                }
                Op::Constant(truth) => stack.push(Masks::all(truth)),
                Op::Not => stack.combine(Masks::not),
                Op::And => {
                    let top = stack.pop();
                    stack.combine(|lower| lower.and(top));
                }
                Op::Or => {
                    let top = stack.pop();
                    stack.combine(|lower| lower.or(top));
                }
                Op::Store { rule, has_unless } => {
                    let unless = if has_unless { stack.pop() } else { Masks::all(Truth::False) };
                    let when = stack.pop();
                    if let Some(verdict) = self.verdicts.get_mut(rule as usize) {
                        *verdict = when.and(unless.not());
                    }
                }
            }
        }
    }
}

/// The bits of the values of `column` with `sign × value < bound`: the
/// one loop columnar evaluation spends its time in. With AVX2 it packs
/// four comparisons per instruction (`vmovmskpd`), five times as fast as
/// the SSE2 every x86-64 has, so it is compiled both ways and the CPU
/// picks.
#[inline(always)]
fn below(column: &[f64], sign: f64, bound: f64) -> [u64; WORDS] {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        #[allow(unsafe_code, reason = "calling a function compiled for AVX2")]
        // SAFETY: this CPU has AVX2, as just detected; the function needs
        // nothing else.
        return unsafe { below_avx2(column, sign, bound) };
    }
    below_portable(column, sign, bound)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn below_avx2(column: &[f64], sign: f64, bound: f64) -> [u64; WORDS] {
    below_portable(column, sign, bound)
}

/// No branch on a value, and a fixed 64 comparisons per word, so the
/// compiler vectorises it.
#[inline(always)]
fn below_portable(column: &[f64], sign: f64, bound: f64) -> [u64; WORDS] {
    let pack = |values: &[f64]| {
        values.iter().enumerate().fold(0, |word, (bit, value)| word | u64::from(value * sign < bound) << bit)
    };
    let mut bits = [0; WORDS];
    for (word, values) in bits.iter_mut().zip(column.chunks(64)) {
        // A full word has a length the compiler knows: it unrolls it.
        *word = match <&[f64; 64]>::try_from(values) {
            Ok(full) => pack(full),
            Err(_) => pack(values),
        };
    }
    bits
}

/// The bits of the values of `column` that are not missing.
fn known_bits(column: &[f64]) -> [u64; WORDS] {
    let mut bits = [0; WORDS];
    for (word, values) in bits.iter_mut().zip(column.chunks(64)) {
        for (bit, value) in values.iter().enumerate() {
            *word |= u64::from(!value.is_nan()) << bit;
        }
    }
    bits
}

/// A rule's truths, decided earlier in the block.
fn fact(verdicts: &[Masks], rule: u32) -> Masks {
    verdicts.get(rule as usize).copied().unwrap_or(Masks::all(Truth::Unknown))
}

/// The operand registers in use.
struct Stack<'a> {
    registers: &'a mut [Masks],
    depth: usize,
}

impl Stack<'_> {
    fn push(&mut self, masks: Masks) {
        if let Some(register) = self.registers.get_mut(self.depth) {
            *register = masks;
        }
        self.depth += 1;
    }

    fn pop(&mut self) -> Masks {
        self.depth = self.depth.saturating_sub(1);
        self.registers.get(self.depth).copied().unwrap_or(Masks::all(Truth::Unknown))
    }

    /// Replaces the top register with `change` of it.
    fn combine(&mut self, change: impl FnOnce(Masks) -> Masks) {
        if let Some(top) = self.depth.checked_sub(1).and_then(|top| self.registers.get_mut(top)) {
            *top = change(*top);
        }
    }
}

/// A condition the plan does not compile to column operations, for one
/// profile. `verdict` gives the rules decided so far.
fn leaf_truth(leaf: &Expr, columns: &Columns<'_>, row: usize, verdict: impl Fn(RuleId) -> Truth) -> Truth {
    match leaf {
        Expr::Known(input, _) => columns.known(*input, row).into(),
        Expr::Unknown(input, _) => (!columns.known(*input, row)).into(),
        Expr::Flag(input, _) => super::flag(columns.value(*input, row)),
        Expr::Has { input, members, .. } => super::has(columns.value(*input, row), members),
        Expr::Is { input, value, .. } => super::is(columns.value(*input, row), value),
        // Columns hold no intakes: the people's supplements are not known.
        Expr::DailyIntake { suggested, bound, limit_mg, .. } => {
            super::daily_breaks(None, suggested, verdict, *bound, *limit_mg)
        }
        // Columns carry no lab dates or reference ranges; the compiler
        // turns every other expression into operations.
        _ => Truth::Unknown,
    }
}

#[derive(Default)]
struct Compiler {
    plan: Vec<Op>,
    leaves: Vec<Expr>,
    depth: i32,
    max_depth: usize,
}

impl Compiler {
    fn emit(&mut self, op: Op, delta: i32) {
        self.plan.push(op);
        self.depth += delta;
        self.max_depth = self.max_depth.max(usize::try_from(self.depth).unwrap_or(0));
    }

    fn expr(&mut self, expr: &Expr) {
        if let Some((input, sign, bound)) = comparison_of(expr) {
            return self.emit(Op::Compare { input, sign, bound }, 1);
        }
        match expr {
            Expr::And(parts) | Expr::Or(parts) => {
                let is_and = matches!(expr, Expr::And(_));
                let Some((first, rest)) = parts.split_first() else {
                    // An empty `and` is true, an empty `or` false; the
                    // grammar never makes one, but the plan stays total.
                    return self.emit(Op::Constant(Truth::from(is_and)), 1);
                };
                self.expr(first);
                for part in rest {
                    self.combine(part, is_and);
                }
            }
            Expr::Not(inner) => {
                self.expr(inner);
                self.emit(Op::Not, 0);
            }
            Expr::Fact(rule, _) => self.emit(Op::Fact(rule.0 as u32), 1),
            Expr::Invalid(_) => self.emit(Op::Constant(Truth::Unknown), 1),
            leaf => {
                let index = self.leaves.len() as u32;
                self.leaves.push(leaf.clone());
                self.emit(Op::Leaf(index), 1);
            }
        }
    }

    /// `top and part` (or `or`), in place when `part` is a comparison or a
    /// fact: one pass over the block instead of two.
    fn combine(&mut self, part: &Expr, is_and: bool) {
        if let Some((input, sign, bound)) = comparison_of(part) {
            let op = if is_and {
                Op::AndCompare { input, sign, bound }
            } else {
                Op::OrCompare { input, sign, bound }
            };
            return self.emit(op, 0);
        }
        if let Expr::Fact(rule, _) = part {
            let rule = rule.0 as u32;
            return self.emit(if is_and { Op::AndFact(rule) } else { Op::OrFact(rule) }, 0);
        }
        self.expr(part);
        self.emit(if is_and { Op::And } else { Op::Or }, -1);
    }
}

/// A comparison, or the negation of one (`not (x < t)` is `x >= t` in
/// Kleene's logic too: both are unknown when x is missing), as the input,
/// sign and bound of `sign × value < bound`.
fn comparison_of(expr: &Expr) -> Option<(u32, f64, f64)> {
    let (input, comparator, threshold) = match expr {
        Expr::Compare { input, comparator, threshold, .. } => (*input, *comparator, *threshold),
        Expr::Not(inner) => match inner.as_ref() {
            Expr::Compare { input, comparator, threshold, .. } => (*input, comparator.negated(), *threshold),
            _ => return None,
        },
        _ => return None,
    };
    let (flip, bound) = super::bytecode::as_bound(comparator, threshold);
    Some((input.0 as u32, if flip { -1.0 } else { 1.0 }, bound))
}
