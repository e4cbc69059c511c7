//! The typed syntax tree of a rule file, as written: names are still strings
//! and units still symbols. Every node carries its span.

use crate::dates::Date;
use crate::span::{Span, Spanned};

pub type Name = Spanned<String>;

/// One parsed rule file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RuleFile {
    pub title: Option<Spanned<String>>,
    pub version: Option<Spanned<String>>,
    pub reviewed: Option<Spanned<Date>>,
    /// `for adults`: the population every outcome of the file is for.
    pub population: Option<Name>,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Input(InputDecl),
    Group(GroupDecl),
    Term(TermDecl),
    Slot(SlotDecl),
    Rule(RuleDecl),
}

/// `slot on_waking "On waking" at 7 h provides morning, empty_stomach`
#[derive(Debug, Clone, PartialEq)]
pub struct SlotDecl {
    pub name: Name,
    pub label: Spanned<String>,
    /// The time of day, as a quantity of time since midnight.
    pub time: Quantity,
    pub provides: Vec<Name>,
    pub span: Span,
}

/// A code system's name (`snomed`) and a code in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Code {
    pub system: Name,
    pub code: Spanned<String>,
}

/// `term omeprazole "Omeprazole" codes rxnorm "7646"`
#[derive(Debug, Clone, PartialEq)]
pub struct TermDecl {
    pub name: Name,
    pub label: Spanned<String>,
    pub codes: Vec<Code>,
    pub span: Span,
}

/// `input ferritin: mass_concentration ng/mL "Serum ferritin" loinc "2276-4"`
#[derive(Debug, Clone, PartialEq)]
pub struct InputDecl {
    pub name: Name,
    pub kind: InputKind,
    pub label: Spanned<String>,
    /// `loinc "2276-4", ...`: the lab's LOINC codes.
    pub loinc: Vec<Spanned<String>>,
    /// `codes snomed "...", ...`: what coded records call it.
    pub codes: Vec<Code>,
    pub molar_mass: Option<Spanned<f64>>,
    /// `aliases ckd, chronic_renal_disease`: other names a profile may use.
    pub aliases: Vec<Name>,
    /// `valid_for 12 months`: a lab result older than this counts as missing.
    pub valid_for: Option<Quantity>,
    /// `plausible 0 to 100000 ng/mL`: values outside are refused.
    pub plausible: Option<Box<ValueRange>>,
    pub span: Span,
}

/// `0 to 100000 ng/mL`
#[derive(Debug, Clone, PartialEq)]
pub struct ValueRange {
    pub low: Spanned<f64>,
    pub high: Spanned<f64>,
    pub unit: Spanned<String>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum InputKind {
    Flag,
    List,
    Lab { dimension: Name, unit: Spanned<String> },
}

/// `group ssri "SSRI antidepressants" = sertraline, fluoxetine`
#[derive(Debug, Clone, PartialEq)]
pub struct GroupDecl {
    pub name: Name,
    pub label: Spanned<String>,
    pub members: Vec<Name>,
    pub span: Span,
}

/// What a rule is: a derived fact, a population, or one of the outcome kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RuleKind {
    Derive,
    /// Who outcomes are for: a named condition that `for` refers to.
    Population,
    Recommend,
    Test,
    Warn,
    Limit,
    /// Background the report states with its evidence, not advice.
    Inform,
}

impl RuleKind {
    pub fn keyword(self) -> &'static str {
        match self {
            RuleKind::Derive => "derive",
            RuleKind::Population => "population",
            RuleKind::Recommend => "recommend",
            RuleKind::Test => "test",
            RuleKind::Warn => "warn",
            RuleKind::Limit => "limit",
            RuleKind::Inform => "inform",
        }
    }
}

/// A `derive`, `population` or outcome with its clauses.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleDecl {
    pub kind: RuleKind,
    pub name: Name,
    pub label: Spanned<String>,
    pub clauses: Vec<Clause>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Clause {
    When(Condition),
    Unless(Condition),
    Form(Spanned<String>),
    Dose(Dose),
    Timing(Vec<Name>),
    TakeWith(Vec<Name>),
    SeparateFrom {
        items: Vec<Name>,
        gap: Quantity,
    },
    Strength(Spanned<Strength>),
    Cite(Vec<Citation>),
    Caveat(Spanned<String>),
    Daily(DailyBound),
    /// `contains iron, vitamin_c`
    Contains(Vec<Name>),
    /// `for adults`
    For(Name),
}

impl Clause {
    /// The clause keyword, for messages about misplaced or repeated clauses.
    pub fn keyword(&self) -> &'static str {
        match self {
            Clause::When(_) => "when",
            Clause::Unless(_) => "unless",
            Clause::Form(_) => "form",
            Clause::Dose(_) => "dose",
            Clause::Timing(_) => "timing",
            Clause::TakeWith(_) => "take_with",
            Clause::SeparateFrom { .. } => "separate_from",
            Clause::Strength(_) => "strength",
            Clause::Cite(_) => "cite",
            Clause::Caveat(_) => "caveat",
            Clause::Daily(_) => "daily",
            Clause::Contains(_) => "contains",
            Clause::For(_) => "for",
        }
    }
}

/// `dose 10 to 50 mg daily`
#[derive(Debug, Clone, PartialEq)]
pub struct Dose {
    pub low: Spanned<f64>,
    pub high: Spanned<f64>,
    pub unit: Spanned<String>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Strength {
    Strong,
    Conditional,
}

/// `aasm_2025 supports`, or `aasm_2025 supports certainty moderate`
#[derive(Debug, Clone, PartialEq)]
pub struct Citation {
    pub evidence: Name,
    pub stance: Stance,
    /// The certainty the source itself gives what the rule says, as written.
    pub graded: Option<Name>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stance {
    Supports,
    Refutes,
    Mixed,
}

impl Stance {
    pub fn keyword(self) -> &'static str {
        match self {
            Stance::Supports => "supports",
            Stance::Refutes => "refutes",
            Stance::Mixed => "mixed",
        }
    }
}

/// `daily vitamin_b6 <= 100 mg`
#[derive(Debug, Clone, PartialEq)]
pub struct DailyBound {
    pub supplement: Name,
    pub comparator: Spanned<Comparator>,
    pub bound: Quantity,
    pub span: Span,
}

/// A number with the unit it was written in; `unit` is `None` when omitted.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    pub value: Spanned<f64>,
    pub unit: Option<Spanned<String>>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Comparator {
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
}

impl Comparator {
    pub fn symbol(self) -> &'static str {
        match self {
            Comparator::Less => "<",
            Comparator::LessEqual => "<=",
            Comparator::Greater => ">",
            Comparator::GreaterEqual => ">=",
        }
    }

    /// The comparison that holds exactly when this one fails on a known
    /// value: `<` and `>=`, `<=` and `>`.
    pub fn negated(self) -> Comparator {
        match self {
            Comparator::Less => Comparator::GreaterEqual,
            Comparator::LessEqual => Comparator::Greater,
            Comparator::Greater => Comparator::LessEqual,
            Comparator::GreaterEqual => Comparator::Less,
        }
    }

    pub fn holds(self, left: f64, right: f64) -> bool {
        match self {
            Comparator::Less => left < right,
            Comparator::LessEqual => left <= right,
            Comparator::Greater => left > right,
            Comparator::GreaterEqual => left >= right,
        }
    }
}

/// Which side of a lab's reference range a `range` test looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RangeSide {
    Below,
    Above,
}

impl RangeSide {
    pub fn keyword(self) -> &'static str {
        match self {
            RangeSide::Below => "below",
            RangeSide::Above => "above",
        }
    }
}

/// A boolean condition as written.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    And(Vec<Condition>, Span),
    Or(Vec<Condition>, Span),
    Not(Box<Condition>, Span),
    /// `ferritin <= 75 ng/mL`
    Compare {
        subject: Name,
        comparator: Spanned<Comparator>,
        threshold: Quantity,
        span: Span,
    },
    /// `known ferritin`
    Known(Name, Span),
    /// `unknown ferritin`
    Unknown(Name, Span),
    /// `medications has ssri`
    Has {
        list: Name,
        item: Name,
        span: Span,
    },
    /// `vitamin_b12 below range`: outside the lab's reference range.
    OutsideRange {
        subject: Name,
        side: RangeSide,
        span: Span,
    },
    /// `sex is female`
    Is {
        subject: Name,
        value: Name,
        span: Span,
    },
    /// `ferritin older than 12 months`: the result's date, against the
    /// report date.
    OlderThan {
        subject: Name,
        age: Quantity,
        span: Span,
    },
    /// A flag, derived fact or outcome by name.
    Fact(Name),
}

impl Condition {
    pub fn span(&self) -> Span {
        match self {
            Condition::And(_, span)
            | Condition::Or(_, span)
            | Condition::Not(_, span)
            | Condition::Compare { span, .. }
            | Condition::Known(_, span)
            | Condition::Unknown(_, span)
            | Condition::Has { span, .. }
            | Condition::OutsideRange { span, .. }
            | Condition::Is { span, .. }
            | Condition::OlderThan { span, .. } => *span,
            Condition::Fact(name) => name.span,
        }
    }
}
