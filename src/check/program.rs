//! The checked program: names resolved to indices, thresholds converted to
//! each input's canonical unit, citations resolved to evidence records.

use std::collections::{BTreeMap, BTreeSet};

use crate::codes::CodeSystem;
use crate::dates::{Date, Period};
use crate::evidence::Certainty;
use crate::span::{FileId, Span, Spanned};
use crate::syntax::ast::{Comparator, RangeSide, RuleKind, Stance, Strength};
use crate::units::Unit;

/// Index of an input in [`Program::inputs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InputId(pub usize);

/// Index of a rule in [`Program::rules`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleId(pub usize);

/// A rule file's metadata.
#[derive(Debug, Clone)]
pub struct FileMeta {
    pub file: FileId,
    pub name: String,
    pub title: Option<String>,
    pub version: Option<String>,
    pub reviewed: Option<Spanned<Date>>,
}

/// The checked knowledge base.
///
/// Invariant: every `InputId` and `RuleId` inside indexes into `inputs` and
/// `rules`; every cited evidence id exists in the evidence base it was
/// checked against. `Expr::Invalid` appears only in a program whose check
/// reported errors, which [`crate::compile`] never lets past.
#[derive(Debug, Clone, Default)]
pub struct Program {
    pub files: Vec<FileMeta>,
    pub inputs: Vec<Input>,
    pub rules: Vec<Rule>,
    /// Groups of list items by name, with their members.
    pub groups: BTreeMap<String, Vec<String>>,
    /// The times of day the daily plan can use, earliest first.
    pub slots: Vec<Slot>,
    /// Inputs by name, so binding a profile does not scan them all.
    pub input_index: foldhash::HashMap<String, InputId>,
    /// For each of a profile's lists, the names some rule reads: a flag or
    /// its alias (`conditions`), an item of a `has` test, a limit's daily
    /// intake, or an item the daily plan keeps a suggestion with or apart
    /// from. A profile's other entries are reported as not considered.
    pub considered: BTreeMap<ProfileList, BTreeSet<String>>,
    /// For each rule, the limits that count its dose: see
    /// [`Program::limits_counting`].
    pub counted_by_limits: Vec<Vec<RuleId>>,
    /// Names a profile's lists may hold, with the codes coded records give them.
    pub terms: Vec<Term>,
    /// Every code the rules give, and what it means.
    pub coded: BTreeMap<(CodeSystem, String), Coded>,
}

/// `term omeprazole "Omeprazole" codes rxnorm "7646"`, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub name: String,
    pub label: String,
    pub codes: Vec<(CodeSystem, String)>,
    pub span: Span,
}

/// What a code means in the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coded {
    /// A lab or a flag.
    Input(InputId),
    /// One of [`Program::terms`], by index.
    Term(usize),
}

impl Program {
    /// What `code` in `system` means in these rules, if anything.
    pub fn meaning_of(&self, system: CodeSystem, code: &str) -> Option<Coded> {
        self.coded.get(&(system, code.to_string())).copied()
    }
}

/// A time of day for the daily plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    pub name: String,
    pub label: String,
    /// Hours after midnight.
    pub hour: f64,
    /// The timings it satisfies (`morning`, `empty_stomach`, ...).
    pub provides: Vec<String>,
    pub span: Span,
}

impl Program {
    pub fn input(&self, id: InputId) -> Option<&Input> {
        self.inputs.get(id.0)
    }

    pub fn rule(&self, id: RuleId) -> Option<&Rule> {
        self.rules.get(id.0)
    }

    pub fn rule_ids(&self) -> impl Iterator<Item = RuleId> + '_ {
        (0..self.rules.len()).map(RuleId)
    }

    /// The outcomes (what a report shows: suggestions, tests, cautions,
    /// limits, background) with their ids, in the order rules declare them.
    pub fn outcomes(&self) -> impl Iterator<Item = (RuleId, &Rule)> + '_ {
        self.rule_ids().zip(&self.rules).filter(|(_, rule)| rule.is_outcome())
    }

    pub fn find_input(&self, name: &str) -> Option<InputId> {
        self.input_index.get(name).copied()
    }

    /// The input the program gave a person attribute, if its rules use it.
    pub fn builtin_input(&self, builtin: Builtin) -> Option<InputId> {
        self.find_input(builtin.name())
            .filter(|id| self.input(*id).is_some_and(|i| i.builtin == Some(builtin)))
    }

    pub fn find_rule(&self, name: &str) -> Option<RuleId> {
        self.rules.iter().position(|r| r.name == name).map(RuleId)
    }

    /// The limits whose daily intake counts the dose `suggestion` suggests.
    pub fn limits_counting(&self, suggestion: RuleId) -> &[RuleId] {
        self.counted_by_limits.get(suggestion.0).map_or(&[], Vec::as_slice)
    }

    /// A condition in words, as reports, lints and graphs write it:
    /// `ferritin <= 75 ng/mL`, `daily vitamin_b6 breaks the limit <= 12 mg`,
    /// an `and` or `or` in parentheses.
    pub fn describe(&self, expr: &Expr) -> String {
        let input = |id: &InputId| self.input(*id).map_or("?", |i| i.name.as_str());
        let join = |parts: &[Expr], op: &str| {
            let parts: Vec<String> = parts.iter().map(|p| self.describe(p)).collect();
            format!("({})", parts.join(&format!(" {op} ")))
        };
        match expr {
            Expr::And(parts) => join(parts, "and"),
            Expr::Or(parts) => join(parts, "or"),
            Expr::Not(inner) => format!("not {}", self.describe(inner)),
            Expr::Compare { words, .. } => words.positive().to_string(),
            Expr::Known(id, _) => format!("known {}", input(id)),
            Expr::Unknown(id, _) => format!("unknown {}", input(id)),
            Expr::Has { input: id, item, .. } => format!("{} has {item}", input(id)),
            Expr::Flag(id, _) => input(id).to_string(),
            Expr::Is { input: id, value, .. } => format!("{} is {value}", input(id)),
            Expr::OlderThan { input: id, age, .. } => format!("{} older than {age}", input(id)),
            Expr::OutsideRange { input: id, side, .. } => format!("{} {} range", input(id), side.keyword()),
            Expr::Fact(rule, _) => self.rule(*rule).map_or("?", |r| r.name.as_str()).to_string(),
            Expr::DailyIntake { name, bound, limit, .. } => format!(
                "daily {name} breaks the limit {} {}",
                bound.symbol(),
                crate::units::format_quantity(limit.value, limit.unit)
            ),
            Expr::Invalid(_) => String::from("(invalid condition)"),
        }
    }
}

/// A declared input, or one of the person's [`Builtin`] attributes.
#[derive(Debug, Clone)]
pub struct Input {
    pub name: String,
    pub label: String,
    pub kind: InputKind,
    /// Its LOINC codes (labs): what coded lab results (FHIR) are matched by.
    pub loinc: Vec<String>,
    /// Its other codes (a flag's SNOMED CT and ICD-10-CM codes).
    pub codes: Vec<(CodeSystem, String)>,
    /// Other names a profile's `conditions` may give a flag.
    pub aliases: Vec<String>,
    /// A lab result older than this on the report date counts as missing.
    pub valid_for: Option<LabAge>,
    /// The values a profile may give it, in its unit.
    pub plausible: Plausible,
    /// Set for the person's attributes, which rules use without declaring.
    pub builtin: Option<Builtin>,
    /// Where it is declared; for a built-in, where it is first used.
    pub span: Span,
}

/// The values an input accepts, worked out once when it is declared.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Plausible {
    /// `plausible LOW to HIGH UNIT`, in the input's unit.
    Declared(f64, f64),
    /// The bounds of the input's dimension, in the input's unit.
    Dimension(f64, f64),
    /// Not a quantity.
    Any,
}

impl Plausible {
    /// What `kind` accepts: the `declared` bounds, else its dimension's.
    pub fn of(kind: InputKind, declared: Option<(f64, f64)>) -> Plausible {
        if let Some((low, high)) = declared {
            return Plausible::Declared(low, high);
        }
        let Some((unit, molar_mass)) = kind.quantity_unit() else {
            return Plausible::Any;
        };
        let (low, high, bound_unit) = unit.dimension.plausible();
        let convert = |v: f64| crate::units::convert(v, bound_unit, unit, molar_mass).unwrap_or(v);
        Plausible::Dimension(convert(low), convert(high))
    }

    /// The bounds, inclusive.
    pub fn range(self) -> (f64, f64) {
        match self {
            Plausible::Declared(low, high) | Plausible::Dimension(low, high) => (low, high),
            Plausible::Any => (f64::NEG_INFINITY, f64::INFINITY),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum InputKind {
    /// Read from the profile's `conditions` (or, for `pregnant` and
    /// `lactating`, from the profile's fields of those names).
    Flag,
    /// One of the profile's lists.
    List(ProfileList),
    /// A lab value from the profile's `labs`, converted to `unit`.
    Lab { unit: Unit, molar_mass: Option<f64> },
    /// The person's age in years, from `age` or `birth_date`.
    Age,
    /// The person's sex, one of [`SEXES`].
    Sex,
}

impl InputKind {
    /// The unit a quantity input's values and thresholds are compared in.
    pub fn quantity_unit(self) -> Option<(Unit, Option<f64>)> {
        match self {
            InputKind::Lab { unit, molar_mass } => Some((unit, molar_mass)),
            InputKind::Age => Some((Unit::YEAR, None)),
            _ => None,
        }
    }
}

/// The values `sex is ...` can test, as a profile's `sex` gives them.
pub const SEXES: [&str; 3] = ["female", "male", "other"];

/// What rules know about the person without a declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Builtin {
    Age,
    Sex,
    Pregnant,
    Lactating,
}

impl Builtin {
    pub const ALL: [Builtin; 4] = [Builtin::Age, Builtin::Sex, Builtin::Pregnant, Builtin::Lactating];

    /// The name rules use.
    pub fn name(self) -> &'static str {
        match self {
            Builtin::Age => "age",
            Builtin::Sex => "sex",
            Builtin::Pregnant => "pregnant",
            Builtin::Lactating => "lactating",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Builtin::Age => "Age",
            Builtin::Sex => "Sex",
            Builtin::Pregnant => "Pregnant",
            Builtin::Lactating => "Breastfeeding",
        }
    }

    pub fn kind(self) -> InputKind {
        match self {
            Builtin::Age => InputKind::Age,
            Builtin::Sex => InputKind::Sex,
            Builtin::Pregnant | Builtin::Lactating => InputKind::Flag,
        }
    }

    /// What it is, for messages: `whether the person is pregnant`.
    pub fn meaning(self) -> &'static str {
        match self {
            Builtin::Age => "the person's age in years",
            Builtin::Sex => "the person's sex",
            Builtin::Pregnant => "whether the person is pregnant",
            Builtin::Lactating => "whether the person is breastfeeding",
        }
    }

    /// Where a profile gives it.
    pub fn field(self) -> &'static str {
        match self {
            Builtin::Age => "age or birth_date",
            Builtin::Sex => "sex",
            Builtin::Pregnant => "pregnant",
            Builtin::Lactating => "lactating",
        }
    }

    pub fn from_name(name: &str) -> Option<Builtin> {
        Builtin::ALL.into_iter().find(|b| b.name() == name)
    }
}

/// How old a lab result may be: a whole number of calendar periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LabAge {
    pub amount: u32,
    pub period: Period,
}

impl Input {
    /// Where a profile gives this input, as reports name a missing one:
    /// `labs.ferritin`, `conditions`, `age or birth_date`. A lab that has a
    /// value can only be missing its reference range or its date.
    pub fn profile_field(&self, has_value: bool) -> String {
        match (self.kind, self.builtin) {
            (_, Some(builtin)) => builtin.field().to_string(),
            (InputKind::Lab { .. }, _) if has_value => {
                format!("labs.{}.range or labs.{}.date", self.name, self.name)
            }
            (InputKind::Lab { .. }, _) => format!("labs.{}", self.name),
            (InputKind::List(list), _) => list.name().to_string(),
            (InputKind::Flag | InputKind::Age | InputKind::Sex, _) => String::from("conditions"),
        }
    }
}

impl std::fmt::Display for LabAge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.amount, self.period.word())
    }
}

/// The lists a profile can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProfileList {
    Conditions,
    Medications,
    Supplements,
    Diet,
}

impl ProfileList {
    pub const ALL: [ProfileList; 4] =
        [ProfileList::Conditions, ProfileList::Medications, ProfileList::Supplements, ProfileList::Diet];

    pub fn name(self) -> &'static str {
        match self {
            ProfileList::Conditions => "conditions",
            ProfileList::Medications => "medications",
            ProfileList::Supplements => "supplements",
            ProfileList::Diet => "diet",
        }
    }
}

/// A derived fact or an outcome.
#[derive(Debug, Clone)]
pub struct Rule {
    pub kind: RuleKind,
    pub name: String,
    pub label: String,
    pub when: Option<Expr>,
    pub unless: Option<Expr>,
    pub advice: Advice,
    pub strength: Option<Strength>,
    pub citations: Vec<Citation>,
    pub caveats: Vec<String>,
    /// Who an outcome is for: its `for`, or its file's.
    pub population: Option<PopulationUse>,
    /// `rules/iron.warrant:12:8`, where its name is: written once here, as
    /// every report citing the rule shows it.
    pub location: String,
    pub span: Span,
}

impl Rule {
    /// Outcomes are what a report shows; derived facts and populations only
    /// feed them.
    pub fn is_outcome(&self) -> bool {
        !matches!(self.kind, RuleKind::Derive | RuleKind::Population)
    }
}

/// An outcome's population: the `population` rule, and the `for` naming it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PopulationUse {
    pub rule: RuleId,
    pub span: Span,
}

/// What to take and how: form, dose, timing and spacing.
#[derive(Debug, Clone, Default)]
pub struct Advice {
    pub form: Option<String>,
    pub dose: Option<DoseRange>,
    pub timing: Vec<String>,
    pub take_with: Vec<String>,
    pub separate_from: Vec<Separation>,
    /// What the supplement is (`iron`), for others' `take_with` and
    /// `separate_from` in the daily plan.
    pub contains: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DoseRange {
    pub low: f64,
    pub high: f64,
    pub unit: Unit,
    /// Where the `dose` clause is written.
    pub span: Span,
}

impl DoseRange {
    /// The high end in milligrams: what a limit counts for a suggestion.
    pub fn high_milligrams(&self) -> f64 {
        crate::units::convert(self.high, self.unit, Unit::MILLIGRAM, None).unwrap_or(self.high)
    }
}

/// Keep apart from these by at least `hours`.
#[derive(Debug, Clone, PartialEq)]
pub struct Separation {
    pub items: Vec<String>,
    pub hours: f64,
}

#[derive(Debug, Clone)]
pub struct Citation {
    pub evidence: String,
    pub stance: Stance,
    /// The certainty of what this citation backs: the source's own grade
    /// for the recommendation when the rule gives one (`certainty
    /// moderate`), else the record's. Lints and reports read it here.
    pub certainty: Certainty,
    /// Whether `certainty` is the source's grade for this recommendation.
    pub graded: bool,
    pub span: Span,
}

/// A quantity as the author wrote it, kept for explanations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Written {
    pub value: f64,
    pub unit: Unit,
}

/// A recommendation whose dose counts towards a daily limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SuggestedDose {
    pub rule: RuleId,
    /// The high end of its dose range.
    pub milligrams: f64,
}

/// A comparison in words, `ferritin <= 75 ng/mL`, kept after `not ` so
/// that a negated comparison's words are a borrow too, not a new string in
/// every report that shows one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComparisonWords(Box<str>);

impl ComparisonWords {
    const NOT: &'static str = "not ";

    /// The words `write` puts down, with room for about `len` bytes of them.
    pub fn write(len: usize, write: impl FnOnce(&mut String)) -> Self {
        let mut words = String::with_capacity(Self::NOT.len() + len);
        words.push_str(Self::NOT);
        write(&mut words);
        ComparisonWords(words.into_boxed_str())
    }

    /// `ferritin <= 75 ng/mL`
    pub fn positive(&self) -> &str {
        self.0.get(Self::NOT.len()..).unwrap_or_default()
    }

    /// `not ferritin <= 75 ng/mL`
    pub fn negated(&self) -> &str {
        &self.0
    }
}

/// A resolved condition.
#[derive(Debug, Clone)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    /// A lab value against a threshold in the input's canonical unit.
    Compare {
        input: InputId,
        comparator: Comparator,
        threshold: f64,
        written: Written,
        /// `ferritin <= 75 ng/mL`: made once when the rules are checked,
        /// as every report that explains the comparison shows it.
        words: ComparisonWords,
        span: Span,
    },
    Known(InputId, Span),
    Unknown(InputId, Span),
    /// The list holds the item or one of its group's members.
    Has {
        input: InputId,
        item: String,
        members: Vec<String>,
        span: Span,
    },
    Flag(InputId, Span),
    /// `sex is female`
    Is {
        input: InputId,
        value: String,
        span: Span,
    },
    /// The lab result is dated more than `age` before the report date.
    OlderThan {
        input: InputId,
        age: LabAge,
        span: Span,
    },
    /// A lab value outside the reference range the profile gives with it.
    OutsideRange {
        input: InputId,
        side: RangeSide,
        span: Span,
    },
    Fact(RuleId, Span),
    /// Total daily intake of the named supplements breaks the bound: what
    /// the profile's `supplements` take plus the high end of the dose of
    /// each suggestion that fires and contains one of them.
    DailyIntake {
        supplements: InputId,
        name: String,
        members: Vec<String>,
        bound: Comparator,
        limit: Written,
        /// The limit in milligrams.
        limit_mg: f64,
        /// The recommendations whose doses count towards it.
        suggested: Vec<SuggestedDose>,
        span: Span,
    },
    /// A condition that failed to check; never evaluated.
    Invalid(Span),
}

impl Expr {
    /// Where the condition is written: an `and` or `or` covers its parts.
    pub fn span(&self) -> Option<Span> {
        match self {
            Expr::Compare { span, .. }
            | Expr::Known(_, span)
            | Expr::Unknown(_, span)
            | Expr::Has { span, .. }
            | Expr::Flag(_, span)
            | Expr::Is { span, .. }
            | Expr::OlderThan { span, .. }
            | Expr::OutsideRange { span, .. }
            | Expr::Fact(_, span)
            | Expr::DailyIntake { span, .. }
            | Expr::Invalid(span) => Some(*span),
            Expr::Not(inner) => inner.span(),
            Expr::And(parts) | Expr::Or(parts) => parts.iter().filter_map(Expr::span).reduce(Span::to),
        }
    }
}
