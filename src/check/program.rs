//! The checked program: names resolved to indices, thresholds converted to
//! each input's canonical unit, citations resolved to evidence records.

use std::collections::BTreeMap;

use crate::dates::Date;
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
    pub input_index: BTreeMap<String, InputId>,
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

    pub fn find_input(&self, name: &str) -> Option<InputId> {
        self.input_index.get(name).copied()
    }

    pub fn find_rule(&self, name: &str) -> Option<RuleId> {
        self.rules.iter().position(|r| r.name == name).map(RuleId)
    }
}

/// A declared input.
#[derive(Debug, Clone)]
pub struct Input {
    pub name: String,
    pub label: String,
    pub kind: InputKind,
    pub loinc: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum InputKind {
    /// Read from the profile's `conditions`.
    Flag,
    /// One of the profile's lists.
    List(ProfileList),
    /// A lab value from the profile's `labs`, converted to `unit`.
    Lab { unit: Unit, molar_mass: Option<f64> },
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
    pub span: Span,
}

impl Rule {
    /// Outcomes are what a report shows; derived facts only feed them.
    pub fn is_outcome(&self) -> bool {
        self.kind != RuleKind::Derive
    }
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
    /// Copied from the record, so lints and reports need not look it up.
    pub certainty: Certainty,
    pub span: Span,
}

/// A quantity as the author wrote it, kept for explanations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Written {
    pub value: f64,
    pub unit: Unit,
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
    /// A lab value outside the reference range the profile gives with it.
    OutsideRange {
        input: InputId,
        side: RangeSide,
        span: Span,
    },
    Fact(RuleId, Span),
    /// Total daily intake of the named supplements, from the profile's
    /// `supplements`, breaks the bound.
    DailyIntake {
        supplements: InputId,
        name: String,
        members: Vec<String>,
        bound: Comparator,
        limit: Written,
        span: Span,
    },
    /// A condition that failed to check; never evaluated.
    Invalid(Span),
}
