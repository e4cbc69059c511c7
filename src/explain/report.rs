//! The report model: what `explain` says about one profile, built from an
//! [`Evaluation`] and the evidence base, before any rendering. Its serde
//! shape is the documented JSON output (see `schema_version`).
//!
//! A report borrows its names, labels, caveats and record texts from the
//! knowledge base (`'k`) and lives no longer than it: building one writes
//! only what this profile makes new, such as its values in words.

use std::cell::{OnceCell, RefCell};
use std::cmp::Reverse;
use std::rc::Rc;

use serde::Serialize;

use super::Phrase;
use crate::check::{Citation, Expr, InputId, InputKind, Program, Rule, RuleId};

use crate::dates::Date;
use crate::evidence::{
    Certainty, EvidenceBase, EvidenceRecord, LocatedRecord, Verification, citation_check, citation_line,
};
use crate::infer::{Evaluation, Truth};
use crate::profile::{NotConsidered, Person, Sex, Value};
use crate::syntax::ast::{RuleKind, Stance, Strength};
use crate::units::{format_number, format_quantity, push_quantity};

/// Bumped whenever the JSON shape changes incompatibly.
pub const SCHEMA_VERSION: u32 = 1;

pub const DISCLAIMER: &str = "This report is not medical advice. It is generated from rules and the evidence they cite, \
and cannot weigh your full history. Talk to a qualified clinician before starting, stopping or changing any supplement \
or medicine, and before acting on any lab result.";

#[derive(Debug, Clone, Serialize)]
pub struct Report<'k> {
    pub schema_version: u32,
    pub profile: Option<String>,
    /// The date ages and lab ages are measured to: `--today`, or the day
    /// the report was made.
    #[serde(serialize_with = "serialize_date")]
    pub report_date: Date,
    pub knowledge_base: Vec<RuleFileInfo<'k>>,
    /// Who the person is, as the profile says.
    pub person: PersonView,
    /// Entries of the profile's lists that no rule reads, with the nearest
    /// name the knowledge base knows.
    pub not_considered: Vec<NotConsidered>,
    /// The profile's lab values as the rules read them, in canonical units.
    pub labs: Vec<LabReading<'k>>,
    /// Recommendations whose conditions hold.
    pub suggestions: Vec<Finding<'k>>,
    /// Tests whose conditions hold.
    pub tests: Vec<Finding<'k>>,
    /// Outcomes that could not be decided, with the data they need.
    pub test_first: Vec<Undecided<'k>>,
    /// Cautions and exceeded safety limits.
    pub cautions: Vec<Finding<'k>>,
    /// Recommendations whose conditions hold but which a contraindication blocks.
    pub ruled_out: Vec<RuledOut<'k>>,
    /// Outcomes whose conditions hold, for a population the person is not in.
    pub outside_population: Vec<OutsidePopulation<'k>>,
    /// Background statements (`inform`) with their evidence.
    pub background: Vec<Finding<'k>>,
    /// When to take each suggested supplement and each one the profile lists.
    pub daily_plan: crate::plan::DailyPlan,
    /// Every record cited above, numbered in order of first citation.
    pub references: Vec<Reference<'k>>,
    pub disclaimer: &'static str,
}

/// The person, as the profile describes them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PersonView {
    /// `54 years`, on the report date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sex: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pregnant: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lactating: Option<bool>,
}

impl<'k> Report<'k> {
    /// The undecided outcomes grouped by what they are missing, each group
    /// in the order its first outcome is reported: one line of missing data
    /// for every outcome it holds up.
    pub fn test_first_by_missing(&self) -> Vec<(&[MissingInput<'k>], Vec<&Undecided<'k>>)> {
        let mut groups: Vec<(&[MissingInput<'k>], Vec<&Undecided<'k>>)> = Vec::new();
        for undecided in &self.test_first {
            let fields =
                |missing: &[MissingInput]| missing.iter().map(|m| m.field.clone()).collect::<Vec<_>>();
            match groups.iter_mut().find(|(missing, _)| fields(missing) == fields(&undecided.missing)) {
                Some((_, outcomes)) => outcomes.push(undecided),
                None => groups.push((&undecided.missing, vec![undecided])),
            }
        }
        groups
    }
}

impl PersonView {
    /// `54 years (born 1972-03-01), female, not pregnant`, or `None` when
    /// the profile says nothing about the person.
    pub fn describe(&self) -> Option<String> {
        let mut parts = Vec::new();
        match (&self.age, &self.birth_date) {
            (Some(age), Some(born)) => parts.push(format!("{age} (born {born})")),
            (Some(age), None) => parts.push(age.clone()),
            _ => {}
        }
        parts.extend(self.sex.map(str::to_string));
        for (value, yes, no) in [
            (self.pregnant, "pregnant", "not pregnant"),
            (self.lactating, "breastfeeding", "not breastfeeding"),
        ] {
            parts.extend(value.map(|set| String::from(if set { yes } else { no })));
        }
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

/// An outcome whose conditions hold, not applied because the person is
/// outside its population.
#[derive(Debug, Clone, Serialize)]
pub struct OutsidePopulation<'k> {
    pub id: &'k str,
    pub kind: &'static str,
    pub label: &'k str,
    /// The population, evaluated: false here.
    pub population: Reason<'k>,
    pub source: &'k str,
}

/// One lab value from the profile, converted to its input's unit.
#[derive(Debug, Clone, Serialize)]
pub struct LabReading<'k> {
    pub input: &'k str,
    pub label: &'k str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loinc: Option<&'k str>,
    /// `243.97 pg/mL`
    pub value: Phrase<'k>,
    /// What else the profile says of it, when it says anything.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub notes: Option<Box<LabNotes>>,
}

/// The rarer things said of a lab reading, apart so that a reading stays
/// small: a report moves fifty of them, and at 176 bytes each that copying
/// was a tenth of a report's time.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LabNotes {
    /// As written in the profile, when its unit differs: `180 pmol/L`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given: Option<String>,
    /// `200-900 pg/mL`, when the profile gives a reference range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Why the value is not used, when it is not: too old on the report date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counted_as_missing: Option<String>,
}

impl LabReading<'_> {
    /// As written in the profile, when its unit differs.
    pub fn given(&self) -> Option<&str> {
        self.notes.as_ref()?.given.as_deref()
    }

    /// The profile's reference range, in the lab's unit.
    pub fn range(&self) -> Option<&str> {
        self.notes.as_ref()?.range.as_deref()
    }

    /// When the lab was taken, as the profile gives it.
    pub fn date(&self) -> Option<&str> {
        self.notes.as_ref()?.date.as_deref()
    }

    /// Why the value is not used, when it is not.
    pub fn counted_as_missing(&self) -> Option<&str> {
        self.notes.as_ref()?.counted_as_missing.as_deref()
    }
}

/// A rule file the report was made with, in the file's own words.
#[derive(Debug, Clone, Serialize)]
pub struct RuleFileInfo<'k> {
    pub file: &'k str,
    pub title: Option<&'k str>,
    pub version: Option<&'k str>,
    /// Written `YYYY-MM-DD`.
    #[serde(serialize_with = "serialize_optional_date")]
    pub reviewed: Option<Date>,
}

/// A date as its text, `YYYY-MM-DD`, written straight into the output.
fn serialize_date<S: serde::Serializer>(date: &Date, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(date)
}

fn serialize_optional_date<S: serde::Serializer>(
    date: &Option<Date>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match date {
        Some(date) => serialize_date(date, serializer),
        None => serializer.serialize_none(),
    }
}

/// One outcome, explained.
#[derive(Debug, Clone, Serialize)]
pub struct Finding<'k> {
    pub id: &'k str,
    pub kind: &'static str,
    pub label: &'k str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strength: Option<Strength>,
    /// False when no supporting record is `verified` or `discrepancy` (a
    /// real source): the finding rests only on citations that could not be
    /// checked.
    pub verified_support: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advice: Option<AdviceView<'k>>,
    /// Who it is for: its population, evaluated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub population: Option<Reason<'k>>,
    /// Why it applies: the `when` condition, evaluated.
    pub because: Option<Reason<'k>>,
    /// Contraindications checked, evaluated.
    pub contraindications: Option<Reason<'k>>,
    pub evidence: Vec<CitationView<'k>>,
    pub caveats: &'k [String],
    /// For a suggestion: the safety limits its dose, with what the person
    /// takes, can pass (each is among the cautions).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub over_limits: Vec<FactRef<'k>>,
    /// `file:line:col` of the rule.
    pub source: &'k str,
}

#[derive(Debug, Clone, Serialize)]
pub struct AdviceView<'k> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub form: Option<&'k str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dose: Option<String>,
    pub timing: &'k [String],
    pub take_with: &'k [String],
    pub separate_from: Vec<SeparationView<'k>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SeparationView<'k> {
    pub items: &'k [String],
    pub hours: f64,
}

/// One evaluated condition with its parts, at any depth: the conditions in
/// one list, each before its parts, so that a condition is one allocation
/// however deep it goes, and a finding holding three stays small. Read it
/// through [`Reason::root`].
#[derive(Debug, Clone)]
pub struct Reason<'k> {
    nodes: Box<[ReasonNode<'k>]>,
}

#[derive(Debug, Clone)]
struct ReasonNode<'k> {
    truth: Truth,
    /// How many conditions this one and its parts take in the list.
    size: u32,
    fact: Option<FactRef<'k>>,
    condition: Phrase<'k>,
    value: Option<Phrase<'k>>,
}

/// One condition of a [`Reason`], the root or one of its parts.
#[derive(Debug, Clone, Copy)]
pub struct Condition<'r, 'k> {
    node: &'r ReasonNode<'k>,
    /// Its parts and theirs, in the order of the list.
    below: &'r [ReasonNode<'k>],
}

impl<'k> Reason<'k> {
    /// The condition the whole tree explains.
    pub fn root(&self) -> Condition<'_, 'k> {
        Condition::first_of(&self.nodes).unwrap_or(Condition { node: &UNKNOWN, below: &[] })
    }
}

/// The root of a reason with no conditions, which no builder makes: the
/// builder's every step adds one.
const UNKNOWN: ReasonNode<'static> =
    ReasonNode { truth: Truth::Unknown, size: 1, fact: None, condition: Phrase::Borrowed("?"), value: None };

impl<'r, 'k> Condition<'r, 'k> {
    /// The condition at the start of `nodes`, with its parts.
    fn first_of(nodes: &'r [ReasonNode<'k>]) -> Option<Self> {
        let (node, rest) = nodes.split_first()?;
        let below = rest.get(..(node.size as usize).saturating_sub(1)).unwrap_or(rest);
        Some(Condition { node, below })
    }

    pub fn truth(&self) -> Truth {
        self.node.truth
    }

    /// The derived fact or outcome this condition names, if it names one.
    pub fn fact(&self) -> Option<FactRef<'k>> {
        self.node.fact
    }

    /// The condition in words, e.g. `ferritin <= 75 ng/mL` or `any of`.
    pub fn condition(&self) -> &'r Phrase<'k> {
        &self.node.condition
    }

    /// What the profile says, e.g. `32 ng/mL (given as 32 µg/L)`.
    pub fn value(&self) -> Option<&'r Phrase<'k>> {
        self.node.value.as_ref()
    }

    /// The conditions it combines, in order.
    pub fn parts(&self) -> impl Iterator<Item = Condition<'r, 'k>> + use<'r, 'k> {
        let mut rest = self.below;
        std::iter::from_fn(move || {
            let part = Condition::first_of(rest)?;
            rest = rest.get(part.below.len() + 1..).unwrap_or(&[]);
            Some(part)
        })
    }

    pub fn has_parts(&self) -> bool {
        !self.below.is_empty()
    }
}

/// Written as the tree it stands for: `{truth, fact, condition, value, parts}`.
impl Serialize for Reason<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.root().serialize(serializer)
    }
}

impl Serialize for Condition<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let node = self.node;
        let fields = 2 + usize::from(node.fact.is_some()) + usize::from(node.value.is_some());
        let mut out = serializer.serialize_struct("Reason", fields + usize::from(self.has_parts()))?;
        out.serialize_field("truth", &node.truth)?;
        if let Some(fact) = &node.fact {
            out.serialize_field("fact", fact)?;
        }
        out.serialize_field("condition", &node.condition)?;
        if let Some(value) = &node.value {
            out.serialize_field("value", value)?;
        }
        if self.has_parts() {
            out.serialize_field("parts", &Parts(*self))?;
        }
        out.end()
    }
}

/// A condition's parts, written as a list.
struct Parts<'r, 'k>(Condition<'r, 'k>);

impl Serialize for Parts<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.parts())
    }
}

/// A rule named in a condition, written as its id and label. It holds the
/// rule itself: one pointer in every reason, not two strings.
#[derive(Debug, Clone, Copy)]
pub struct FactRef<'k>(&'k Rule);

impl<'k> FactRef<'k> {
    pub fn id(&self) -> &'k str {
        &self.0.name
    }

    pub fn label(&self) -> &'k str {
        &self.0.label
    }
}

impl Serialize for FactRef<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut fact = serializer.serialize_struct("FactRef", 2)?;
        fact.serialize_field("id", self.id())?;
        fact.serialize_field("label", self.label())?;
        fact.end()
    }
}

/// A finding's citation of one record, pointing into [`Report::references`].
#[derive(Debug, Clone)]
pub struct CitationView<'k> {
    /// The record's number in the reference list.
    pub reference: usize,
    pub id: &'k str,
    pub stance: Stance,
    /// `Trenkwalder et al. 2017`
    pub short: &'k str,
    pub design: &'static str,
    pub n: Option<u32>,
    /// The certainty of what it backs here: the source's grade for this
    /// recommendation when `graded`, else the record's.
    pub certainty: &'static str,
    pub graded: bool,
    pub verification: Verification,
    /// Whether the source article cited this record; `verification` is
    /// then about the article's citation, else about the record alone.
    pub cited_by_article: bool,
    /// Written without the record's own facts (`short`, `design`, `n`,
    /// `verification`, `cited_by_article`): see [`Citing::ById`].
    pub by_id: bool,
    /// The record, for the reference list, without looking it up again.
    located: &'k LocatedRecord,
}

/// Written by hand so that a citation by id leaves out the record's facts
/// while keeping the fields in the order the full citation has them.
impl Serialize for CitationView<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = serializer.serialize_struct("CitationView", 10)?;
        out.serialize_field("reference", &self.reference)?;
        out.serialize_field("id", self.id)?;
        out.serialize_field("stance", &self.stance)?;
        if !self.by_id {
            out.serialize_field("short", self.short)?;
            out.serialize_field("design", self.design)?;
            if let Some(n) = self.n {
                out.serialize_field("n", &n)?;
            }
        }
        out.serialize_field("certainty", self.certainty)?;
        if self.graded {
            out.serialize_field("graded", &true)?;
        }
        if !self.by_id {
            out.serialize_field("verification", &self.verification)?;
            out.serialize_field("cited_by_article", &self.cited_by_article)?;
        }
        out.end()
    }
}

/// One cited record: its number in this report, its id and, unless
/// cited by id (see [`Citing`]), the record in full.
#[derive(Debug, Clone, Serialize)]
pub struct Reference<'k> {
    pub number: usize,
    pub id: &'k str,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub record: Option<ReferenceRecord<'k>>,
}

impl Reference<'_> {
    /// The record's address: its DOI, else its PubMed entry.
    pub fn url(&self) -> Option<String> {
        let identifiers = &self.record.as_ref()?.identifiers;
        let doi = identifiers.iter().find_map(|id| id.strip_prefix("doi:"));
        let pmid = identifiers.iter().find_map(|id| id.strip_prefix("PMID "));
        doi.map(|doi| format!("https://doi.org/{doi}"))
            .or_else(|| pmid.map(|pmid| format!("https://pubmed.ncbi.nlm.nih.gov/{pmid}/")))
    }
}

/// What a report shows of a cited record.
#[derive(Debug, Clone, Serialize)]
pub struct ReferenceRecord<'k> {
    pub citation: String,
    pub design: &'static str,
    pub certainty: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<&'k str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub population: Option<&'k str>,
    pub finding: &'k str,
    pub limitations: &'k [String],
    pub verification: Verification,
    /// How the article's citation differs from the source, when it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub citation_check: Option<String>,
    pub identifiers: Vec<String>,
}

/// A recommendation whose conditions hold, blocked by a contraindication.
#[derive(Debug, Clone, Serialize)]
pub struct RuledOut<'k> {
    pub id: &'k str,
    pub kind: &'static str,
    pub label: &'k str,
    /// The `unless` condition, evaluated: true here.
    pub excluded_by: Reason<'k>,
    pub source: &'k str,
}

/// An outcome left unknown by missing data.
#[derive(Debug, Clone, Serialize)]
pub struct Undecided<'k> {
    pub id: &'k str,
    pub kind: &'static str,
    pub label: &'k str,
    pub missing: Vec<MissingInput<'k>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MissingInput<'k> {
    pub input: &'k str,
    pub label: &'k str,
    /// Where in a profile it goes, e.g. `labs.ferritin`, or `age or
    /// birth_date` when either will do.
    pub field: String,
}

impl MissingInput<'_> {
    /// The profile fields that would give it, any one of them, each written
    /// by `quote` (in backticks, or as HTML code) and joined with `or`:
    /// `` `age` or `birth_date` ``.
    pub fn fields_quoted(&self, quote: impl Fn(&str) -> String) -> String {
        self.field.split(" or ").map(quote).collect::<Vec<_>>().join(" or ")
    }
}

/// A reason being written: its conditions so far, and the derived facts
/// explained in it, with the truth each was explained with.
#[derive(Default)]
struct Tree<'k> {
    nodes: Vec<ReasonNode<'k>>,
    expanded: foldhash::HashMap<RuleId, Truth>,
}

/// What a derived fact explained earlier in the same reason shows.
const EXPLAINED_ABOVE: &str = "explained above";

/// What a condition shows for an input the profile does not give.
const NOT_IN_PROFILE: &str = "not in profile";

/// How a report cites the records its findings rest on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Citing {
    /// Each reference with its record, each citation with the record's
    /// facts: what `explain` shows.
    InFull,
    /// References by number and id, citations without the record's facts:
    /// for `batch --explain`, whose every line would otherwise repeat the
    /// same records (`warrant evidence --format json` lists them once).
    ById,
}

/// Builds the report for one evaluation, citing its records in full.
pub fn build<'k>(evaluation: &Evaluation<'k>, evidence: &'k EvidenceBase) -> Report<'k> {
    build_citing(evaluation, evidence, Citing::InFull)
}

/// Builds the report for one evaluation, citing its records as `citing` says.
pub fn build_citing<'k>(
    evaluation: &Evaluation<'k>,
    evidence: &'k EvidenceBase,
    citing: Citing,
) -> Report<'k> {
    let program = &evaluation.graph.program;
    let builder = Builder::new(evaluation, evidence);
    let mut report = Report {
        schema_version: SCHEMA_VERSION,
        profile: evaluation.facts.name.clone(),
        report_date: evaluation.facts.today,
        person: person_view(&evaluation.facts.person),
        not_considered: evaluation.facts.not_considered.clone(),
        knowledge_base: program
            .files
            .iter()
            .map(|f| RuleFileInfo {
                file: &f.name,
                title: f.title.as_deref(),
                version: f.version.as_deref(),
                reviewed: f.reviewed.as_ref().map(|d| d.node),
            })
            .collect(),
        labs: builder.lab_readings(),
        suggestions: Vec::new(),
        tests: Vec::new(),
        test_first: Vec::new(),
        cautions: Vec::new(),
        ruled_out: Vec::new(),
        outside_population: Vec::new(),
        background: Vec::new(),
        daily_plan: crate::plan::build(evaluation, evidence),
        references: Vec::new(),
        disclaimer: DISCLAIMER,
    };
    // The outcomes that hold, placed and put in order before their findings
    // are built, so that each section is built once at its final size.
    let (mut suggestions, mut tests, mut cautions, mut background) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (id, rule) in program.outcomes() {
        match evaluation.verdict(id) {
            Truth::True => match rule.kind {
                RuleKind::Recommend => suggestions.push((id, rule)),
                RuleKind::Test => tests.push((id, rule)),
                RuleKind::Warn | RuleKind::Limit => cautions.push((id, rule)),
                RuleKind::Inform => background.push((id, rule)),
                RuleKind::Derive | RuleKind::Population => {}
            },
            // Background is not advice: missing data for it calls for no test.
            Truth::Unknown if rule.kind == RuleKind::Inform => {}
            Truth::Unknown => report.test_first.push(builder.undecided(id, rule)),
            Truth::False if evaluation.in_population(rule) == Truth::False => {
                if let (Some(population), Truth::True) = (rule.population, evaluation.applies(rule)) {
                    report.outside_population.push(OutsidePopulation {
                        id: &rule.name,
                        kind: rule.kind.keyword(),
                        label: &rule.label,
                        population: builder.fact_reason(population.rule),
                        source: &rule.location,
                    });
                }
            }
            // Only a suggestion with a contraindication can be ruled out:
            // walking the conditions of every other rule would be wasted.
            Truth::False if rule.kind == RuleKind::Recommend && rule.unless.is_some() => {
                let applies = rule.when.as_ref().map_or(Truth::True, |w| evaluation.truth(w));
                let excluded_by = rule.unless.as_ref().filter(|u| evaluation.truth(u) == Truth::True);
                if let (Truth::True, Some(unless)) = (applies, excluded_by) {
                    report.ruled_out.push(RuledOut {
                        id: &rule.name,
                        kind: rule.kind.keyword(),
                        label: &rule.label,
                        excluded_by: builder.reason(unless),
                        source: &rule.location,
                    });
                }
            }
            Truth::False => {}
        }
    }
    // Best-supported suggestions first, then as declared; exceeded safety
    // limits before other cautions. Rule ids make every key distinct.
    suggestions.sort_by_cached_key(|&(id, rule)| {
        let (verified, strongest) = builder.support(rule);
        (Reverse(verified), Reverse(strongest), id)
    });
    cautions.sort_unstable_by_key(|&(id, rule)| (rule.kind != RuleKind::Limit, id));
    let findings = |outcomes: Vec<(RuleId, &'k Rule)>| -> Vec<Finding<'k>> {
        outcomes.into_iter().map(|(id, rule)| builder.finding(id, rule)).collect()
    };
    report.suggestions = findings(suggestions);
    report.tests = findings(tests);
    report.cautions = findings(cautions);
    report.background = findings(background);
    report.references = number_references(&mut report, citing);
    report
}

/// Builds a report's parts; they borrow names, labels and texts from the
/// knowledge base (`'k`) rather than copying them.
pub(super) struct Builder<'e, 'k> {
    evaluation: &'e Evaluation<'k>,
    program: &'k Program,
    evidence: &'k EvidenceBase,
    /// Each input's value in words, as conditions show it: the lab reading's
    /// own when given in the lab's unit, else made when first shown.
    lab_values: Vec<OnceCell<Option<Rc<str>>>>,
    /// Where each reason is written before it is moved out at its size.
    scratch: RefCell<Tree<'k>>,
}

impl<'e, 'k> Builder<'e, 'k> {
    pub(super) fn new(evaluation: &'e Evaluation<'k>, evidence: &'k EvidenceBase) -> Self {
        let program = &evaluation.graph.program;
        let lab_values = std::iter::repeat_with(OnceCell::new).take(program.inputs.len()).collect();
        Builder { evaluation, program, evidence, lab_values, scratch: RefCell::default() }
    }

    /// `32 ng/mL (given as 32 µg/L)`, or `None` when the profile does not give it.
    fn lab_value(&self, input: InputId) -> Option<&Rc<str>> {
        let cell = self.lab_values.get(input.0)?;
        cell.get_or_init(|| lab_value_text(self.evaluation, input).map(Rc::from)).as_ref()
    }

    /// Every lab the profile gives, in declaration order, with those too
    /// old to use. A value given in the lab's own unit is also how the
    /// conditions that read it show it: written once, for both.
    fn lab_readings(&self) -> Vec<LabReading<'k>> {
        // Each value is written here, then copied once into its shared string.
        let mut words = String::with_capacity(32);
        // Room for every input at once: grown by doubling, the readings were
        // copied four times over.
        let mut readings = Vec::with_capacity(self.program.inputs.len());
        for id in (0..self.program.inputs.len()).map(InputId) {
            self.push_lab_reading(id, &mut words, &mut readings);
        }
        readings
    }

    /// Adds the reading of input `id`, when it is a lab the profile gives.
    /// Each reading is written where it is pushed: handed from function to
    /// function by value, a reading was copied through memory the processor
    /// had not finished writing, which stalled it for most of a reading's
    /// cost.
    fn push_lab_reading(&self, id: InputId, words: &mut String, readings: &mut Vec<LabReading<'k>>) {
        let (evaluation, program) = (self.evaluation, self.program);
        let facts = &evaluation.facts;
        let Some(input) = program.input(id) else { return };
        let InputKind::Lab { unit, .. } = input.kind else { return };
        let (name, label, loinc) = (&input.name, &input.label, input.loinc.first().map(String::as_str));
        if let Some(stale) = facts.stale.iter().find(|s| s.input == id) {
            let notes = LabNotes {
                date: Some(stale.date.to_string()),
                counted_as_missing: Some(format!(
                    "older than {} on the report date {}: counted as missing",
                    stale.valid_for, facts.today
                )),
                ..LabNotes::default()
            };
            readings.push(LabReading {
                input: name,
                label,
                loinc,
                value: Phrase::Owned(stale.given.clone()),
                notes: Some(Box::new(notes)),
            });
            return;
        }
        let Some(Value::Quantity { canonical, given, given_unit, date, .. }) = facts.value(id) else {
            return;
        };
        words.clear();
        push_quantity(words, *canonical, unit);
        let value: Rc<str> = Rc::from(words.as_str());
        if *given_unit == unit {
            if let Some(shown) = self.lab_values.get(id.0) {
                // Nothing has read it yet: readings come before findings.
                let _ = shown.set(Some(Rc::clone(&value)));
            }
        }
        let given = (*given_unit != unit).then(|| format_quantity(*given, *given_unit));
        let range = lab_range_text(evaluation, id);
        let date = date.map(|d| d.to_string());
        let notes = (given.is_some() || range.is_some() || date.is_some())
            .then(|| Box::new(LabNotes { given, range, date, counted_as_missing: None }));
        readings.push(LabReading { input: name, label, loinc, value: Phrase::Shared(value), notes });
    }

    fn finding(&self, id: RuleId, rule: &'k Rule) -> Finding<'k> {
        let mut evidence = Vec::with_capacity(rule.citations.len());
        // What `support` says, from the records looked up here.
        let mut verified_support = false;
        for citation in &rule.citations {
            let Some(located) = self.evidence.get(&citation.evidence) else { continue };
            let record = &located.record;
            verified_support |= is_real_support(citation, record);
            evidence.push(CitationView {
                // Numbered once every section is in its final order.
                reference: 0,
                id: &record.id,
                stance: citation.stance,
                short: &located.short,
                design: record.kind.describe(),
                n: record.n,
                certainty: citation.certainty.describe(),
                graded: citation.graded,
                verification: record.verification,
                cited_by_article: record.as_cited.is_some(),
                by_id: false,
                located,
            });
        }
        Finding {
            id: &rule.name,
            kind: rule.kind.keyword(),
            label: &rule.label,
            strength: rule.strength,
            verified_support,
            advice: (rule.kind == RuleKind::Recommend).then(|| advice_view(rule)),
            population: rule.population.map(|p| self.fact_reason(p.rule)),
            because: rule.when.as_ref().map(|w| self.reason(w)),
            contraindications: rule.unless.as_ref().map(|u| self.reason(u)),
            evidence,
            caveats: &rule.caveats,
            over_limits: over_limits(self.evaluation, id),
            source: &rule.location,
        }
    }

    /// Whether any supporting record is a real source (`verified` or
    /// `discrepancy`), and the highest certainty its citations give those
    /// that are.
    fn support(&self, rule: &Rule) -> (bool, Option<Certainty>) {
        let mut real = rule
            .citations
            .iter()
            .filter(|c| self.evidence.get(&c.evidence).is_some_and(|r| is_real_support(c, &r.record)))
            .map(|c| c.certainty)
            .peekable();
        (real.peek().is_some(), real.max())
    }

    fn undecided(&self, id: RuleId, rule: &'k Rule) -> Undecided<'k> {
        let missing = self
            .evaluation
            .missing_inputs(id)
            .into_iter()
            .filter_map(|input| self.program.input(input))
            .map(|input| MissingInput {
                input: &input.name,
                label: &input.label,
                field: input.profile_field(
                    self.program
                        .find_input(&input.name)
                        .and_then(|i| self.evaluation.facts.value(i))
                        .is_some(),
                ),
            })
            .collect();
        Undecided { id: &rule.name, kind: rule.kind.keyword(), label: &rule.label, missing }
    }

    /// Explains a condition: its truth, its words, the profile's value.
    pub(super) fn reason(&self, expr: &'k Expr) -> Reason<'k> {
        self.explained(|builder, nodes| {
            builder.push_reason(nodes, expr);
        })
    }

    /// Explains a named fact or outcome: a derived fact by its own
    /// condition, an outcome (explained where it is reported) by its verdict.
    pub(super) fn fact_reason(&self, rule: RuleId) -> Reason<'k> {
        self.explained(|builder, nodes| {
            builder.push_fact_reason(nodes, rule);
        })
    }

    /// The reason `push` writes, made in the builder's scratch list and
    /// moved out at its final size.
    fn explained(&self, push: impl FnOnce(&Self, &mut Tree<'k>)) -> Reason<'k> {
        // Borrowed, not taken: taking it put a new tree in its place, and
        // seeded a new hash map, for every reason.
        let (mut borrowed, mut fresh) = (self.scratch.try_borrow_mut(), None);
        let tree = match &mut borrowed {
            Ok(scratch) => &mut **scratch,
            // Only were a reason to be explained while writing another.
            Err(_) => fresh.insert(Tree::default()),
        };
        tree.nodes.clear();
        tree.expanded.clear();
        push(self, tree);
        // Moved out in one copy: collecting the nodes moved them one by one.
        let mut nodes = Vec::with_capacity(tree.nodes.len());
        nodes.append(&mut tree.nodes);
        Reason { nodes: nodes.into_boxed_slice() }
    }

    /// Adds the explanation of `expr`, then of its parts, to `nodes`, and
    /// returns its truth.
    fn push_reason(&self, tree: &mut Tree<'k>, expr: &'k Expr) -> Truth {
        let leaf = |nodes: &mut Vec<ReasonNode<'k>>, condition: Phrase<'k>, value: Option<Phrase<'k>>| {
            let truth = self.evaluation.truth(expr);
            nodes.push(ReasonNode { truth, size: 1, fact: None, condition, value });
            truth
        };
        // A leaf's words are the program's own way of writing it.
        let described = || Phrase::Owned(self.program.describe(expr));
        let not_in_profile = || Phrase::Borrowed(NOT_IN_PROFILE);
        match expr {
            // A combination's truth comes from its parts as they are
            // explained, rather than by evaluating the whole subtree again
            // at every level.
            Expr::And(parts) => self.push_combination(tree, "all of", parts, Truth::True, Truth::and),
            Expr::Or(parts) => self.push_combination(tree, "any of", parts, Truth::False, Truth::or),
            Expr::Not(inner) => {
                // The commonest negation's words are the knowledge base's own.
                if let Expr::Compare { input, words, .. } = &**inner {
                    return leaf(
                        &mut tree.nodes,
                        Phrase::Borrowed(words.negated()),
                        Some(self.compared_value(*input)),
                    );
                }
                let at = tree.nodes.len();
                let truth = self.push_reason(tree, inner).not();
                let size = tree.nodes.len() - at;
                match tree.nodes.get_mut(at) {
                    // A plain condition is negated in its own words.
                    Some(node) if size == 1 && node.fact.is_none() => {
                        node.condition = Phrase::Owned(format!("not {}", node.condition));
                        node.truth = truth;
                    }
                    _ => tree.nodes.insert(at, composite(truth, "not", size + 1)),
                }
                truth
            }
            Expr::Compare { input, words, .. } => {
                leaf(&mut tree.nodes, Phrase::Borrowed(words.positive()), Some(self.compared_value(*input)))
            }
            Expr::OutsideRange { input, .. } => {
                let value = match (self.lab_value(*input), lab_range_text(self.evaluation, *input)) {
                    (Some(value), Some(range)) => Phrase::Owned(format!("{value}; reference range {range}")),
                    (Some(value), None) => Phrase::Owned(format!("{value}; no reference range given")),
                    (None, _) => not_in_profile(),
                };
                leaf(&mut tree.nodes, described(), Some(value))
            }
            Expr::Known(input, _) | Expr::Unknown(input, _) => {
                let value =
                    if self.evaluation.facts.value(*input).is_some() { "in profile" } else { NOT_IN_PROFILE };
                leaf(&mut tree.nodes, described(), Some(Phrase::Borrowed(value)))
            }
            Expr::Has { input, members, .. } => {
                let name = self.input_name(*input);
                let value = match self.evaluation.facts.value(*input) {
                    Some(Value::List(items)) => {
                        let matched: Vec<&str> =
                            items.iter().filter(|i| members.contains(i)).map(String::as_str).collect();
                        if matched.is_empty() {
                            Phrase::Borrowed("none listed")
                        } else {
                            Phrase::Owned(format!("lists {}", matched.join(", ")))
                        }
                    }
                    _ => Phrase::Owned(format!("no {name} in profile")),
                };
                leaf(&mut tree.nodes, described(), Some(value))
            }
            Expr::Flag(input, _) => {
                let name = self.input_name(*input);
                let builtin = self.program.input(*input).and_then(|i| i.builtin);
                let value = match (self.evaluation.facts.value(*input), builtin) {
                    (Some(Value::Flag(true)), None) => Phrase::Borrowed("listed in conditions"),
                    (Some(_), None) => Phrase::Borrowed("not listed in conditions"),
                    (None, None) => Phrase::Borrowed("no conditions in profile"),
                    (Some(Value::Flag(set)), Some(_)) => Phrase::Borrowed(if *set { "yes" } else { "no" }),
                    (_, Some(builtin)) => {
                        Phrase::Owned(format!("the profile does not say (`{}`)", builtin.field()))
                    }
                };
                leaf(&mut tree.nodes, Phrase::Borrowed(name), Some(value))
            }
            Expr::Is { input, .. } => {
                let value = match self.evaluation.facts.value(*input) {
                    Some(Value::Choice(given)) => Phrase::Borrowed(given),
                    _ => not_in_profile(),
                };
                leaf(&mut tree.nodes, described(), Some(value))
            }
            Expr::OlderThan { input, .. } => {
                let value = match self.evaluation.facts.value(*input) {
                    Some(Value::Quantity { date: Some(date), .. }) => {
                        Phrase::Owned(format!("dated {date}; report date {}", self.evaluation.facts.today))
                    }
                    Some(_) => Phrase::Borrowed("no date given"),
                    None => not_in_profile(),
                };
                leaf(&mut tree.nodes, described(), Some(value))
            }
            Expr::Fact(rule, _) => self.push_fact_reason(tree, *rule),
            Expr::DailyIntake { members, suggested, .. } => {
                let taken = match (self.evaluation.daily_milligrams(members), &self.evaluation.facts.intakes)
                {
                    (Some(total), Some(intakes)) => {
                        let sources: Vec<String> = intakes
                            .iter()
                            .filter(|i| members.contains(&i.name))
                            .map(|i| format!("{} {}", i.name, format_quantity(i.given, i.given_unit)))
                            .collect();
                        if sources.is_empty() {
                            String::from("none taken")
                        } else {
                            format!("{} mg a day ({})", format_number(total), sources.join(", "))
                        }
                    }
                    _ => String::from("no supplements in profile"),
                };
                let doses = self.evaluation.suggested_doses(suggested);
                let value = if doses.is_empty() {
                    taken
                } else {
                    let added: Vec<String> = doses
                        .iter()
                        .map(|dose| {
                            let rule = self.program.rule(dose.rule).map_or("?", |r| r.name.as_str());
                            format!("`{rule}` up to {} mg", format_number(dose.milligrams))
                        })
                        .collect();
                    format!("{taken}; with this report's suggestions ({})", added.join(", "))
                };
                leaf(&mut tree.nodes, described(), Some(Phrase::Owned(value)))
            }
            Expr::Invalid(_) => leaf(&mut tree.nodes, Phrase::Borrowed("(invalid condition)"), None),
        }
    }

    /// Adds an `all of` or `any of` with its parts; its truth folds theirs.
    fn push_combination(
        &self,
        tree: &mut Tree<'k>,
        condition: &'static str,
        parts: &'k [Expr],
        mut truth: Truth,
        combine: fn(Truth, Truth) -> Truth,
    ) -> Truth {
        let at = tree.nodes.len();
        tree.nodes.push(composite(Truth::Unknown, condition, 1));
        for part in parts {
            truth = combine(truth, self.push_reason(tree, part));
        }
        let size = tree.nodes.len() - at;
        if let Some(node) = tree.nodes.get_mut(at) {
            *node = composite(truth, condition, size);
        }
        truth
    }

    /// A compared lab's value as the condition shows it.
    fn compared_value(&self, input: InputId) -> Phrase<'k> {
        self.lab_value(input).map_or(Phrase::Borrowed(NOT_IN_PROFILE), |text| Phrase::Shared(Rc::clone(text)))
    }

    /// Adds the explanation of a named fact or outcome (see
    /// [`Builder::fact_reason`]) and returns its truth. A derived fact is
    /// explained once in a tree and shown by its verdict after that: a fact
    /// read twice by the fact above it, and so on down a chain, would
    /// otherwise double the tree at every step.
    fn push_fact_reason(&self, tree: &mut Tree<'k>, rule: RuleId) -> Truth {
        let verdict_only = |condition: &'static str| composite(self.evaluation.verdict(rule), condition, 1);
        let Some(fact) = self.program.rule(rule) else {
            let node = verdict_only("?");
            let truth = node.truth;
            tree.nodes.push(node);
            return truth;
        };
        let node = match (&fact.when, fact.kind) {
            (Some(when), RuleKind::Derive | RuleKind::Population) => match tree.expanded.get(&rule) {
                // Shown with the truth it was explained with.
                Some(&truth) => composite(truth, EXPLAINED_ABOVE, 1),
                None => {
                    let at = tree.nodes.len();
                    let truth = self.push_reason(tree, when);
                    if let Some(node) = tree.nodes.get_mut(at) {
                        node.fact = Some(FactRef(fact));
                    }
                    tree.expanded.insert(rule, truth);
                    return truth;
                }
            },
            _ => verdict_only("applies"),
        };
        let node = ReasonNode { fact: Some(FactRef(fact)), ..node };
        let truth = node.truth;
        tree.nodes.push(node);
        truth
    }

    fn input_name(&self, input: crate::check::InputId) -> &'k str {
        self.program.input(input).map_or("?", |i| i.name.as_str())
    }
}

/// Whether `citation` supports its rule with a real source (`verified` or
/// `discrepancy`).
fn is_real_support(citation: &Citation, record: &EvidenceRecord) -> bool {
    citation.stance == Stance::Supports && !record.verification.is_unsupported()
}

/// A condition made of others (or a bare verdict), with no value of its
/// own; `size` counts it and its parts at any depth.
fn composite<'k>(truth: Truth, condition: &'static str, size: usize) -> ReasonNode<'k> {
    ReasonNode { truth, size: size as u32, fact: None, condition: Phrase::Borrowed(condition), value: None }
}

/// The limits that fire and count `suggestion`'s dose.
pub(crate) fn over_limits<'k>(evaluation: &Evaluation<'k>, suggestion: RuleId) -> Vec<FactRef<'k>> {
    let program = &evaluation.graph.program;
    program
        .limits_counting(suggestion)
        .iter()
        .copied()
        .filter(|limit| evaluation.verdict(*limit) == Truth::True)
        .filter_map(|limit| program.rule(limit))
        .map(FactRef)
        .collect()
}

/// `32 ng/mL`, or `32 ng/mL (given as 32 µg/L)` when converted.
fn lab_value_text(evaluation: &Evaluation<'_>, input: InputId) -> Option<String> {
    let Some(Value::Quantity { canonical, given, given_unit, .. }) = evaluation.facts.value(input) else {
        return None;
    };
    if evaluation.graph.program.input(input)?.kind == InputKind::Age {
        return Some(age_text(*canonical));
    }
    let unit = lab_unit(evaluation, input)?;
    let mut shown = String::with_capacity(24);
    push_quantity(&mut shown, *canonical, unit);
    if *given_unit != unit {
        shown.push_str(" (given as ");
        push_quantity(&mut shown, *given, *given_unit);
        shown.push(')');
    }
    Some(shown)
}

/// `200-900 pg/mL`, in the input's unit.
fn lab_range_text(evaluation: &Evaluation<'_>, input: InputId) -> Option<String> {
    let Some(Value::Quantity { range: Some((low, high)), .. }) = evaluation.facts.value(input) else {
        return None;
    };
    let unit = lab_unit(evaluation, input)?;
    Some(format!("{}-{}", format_number(*low), format_quantity(*high, unit)))
}

/// The unit a quantity input (a lab, or the age) is shown in.
fn lab_unit(evaluation: &Evaluation<'_>, input: InputId) -> Option<crate::units::Unit> {
    evaluation.graph.program.input(input)?.kind.quantity_unit().map(|(unit, _)| unit)
}

/// An age as people say it: `8 years`, `17 years 11 months`, `7 months`.
fn age_text(years: f64) -> String {
    let whole = years.floor();
    let months = ((years - whole) * 12.0).floor();
    match (whole, months) {
        (0.0, months) => format!("{months} months"),
        (whole, 0.0) => format!("{whole} years"),
        (whole, months) => format!("{whole} years {months} months"),
    }
}

fn person_view(person: &Person) -> PersonView {
    PersonView {
        age: person.age.map(age_text),
        birth_date: person.birth_date.map(|d| d.to_string()),
        sex: person.sex.map(Sex::word),
        pregnant: person.pregnant,
        lactating: person.lactating,
    }
}

fn advice_view(rule: &Rule) -> AdviceView<'_> {
    let advice = &rule.advice;
    AdviceView {
        form: advice.form.as_deref(),
        dose: advice.dose.as_ref().map(|d| {
            format!("{} to {} {} a day", format_number(d.low), format_number(d.high), d.unit.symbol)
        }),
        timing: &advice.timing,
        take_with: &advice.take_with,
        separate_from: advice
            .separate_from
            .iter()
            .map(|s| SeparationView { items: &s.items, hours: s.hours })
            .collect(),
    }
}

/// Numbers every cited record in the order a reader meets it, fills in each
/// citation's number, and returns the reference list, cited as `citing`
/// says: by id, no record is written out only to be dropped.
fn number_references<'k>(report: &mut Report<'k>, citing: Citing) -> Vec<Reference<'k>> {
    let by_id = citing == Citing::ById;
    let mut references: Vec<Reference<'k>> = Vec::new();
    // Each record's number by id: searching the list instead made a report
    // citing thousands of records quadratic in them.
    let mut numbers: foldhash::HashMap<&'k str, usize> = foldhash::HashMap::default();
    let sections = [&mut report.suggestions, &mut report.tests, &mut report.cautions, &mut report.background];
    for finding in sections.into_iter().flat_map(|section| section.iter_mut()) {
        for citation in &mut finding.evidence {
            citation.by_id = by_id;
            if let Some(number) = numbers.get(citation.id) {
                citation.reference = *number;
                continue;
            }
            let record = &citation.located.record;
            citation.reference = references.len() + 1;
            numbers.insert(&record.id, citation.reference);
            references.push(Reference {
                number: citation.reference,
                id: &record.id,
                record: (!by_id).then(|| ReferenceRecord {
                    citation: citation_line(record),
                    design: record.kind.describe(),
                    certainty: record.certainty.describe(),
                    n: record.n,
                    duration: record.duration.as_deref(),
                    population: record.population.as_deref(),
                    finding: &record.finding,
                    limitations: &record.limitations,
                    verification: record.verification,
                    citation_check: citation_check(record),
                    identifiers: record.ids.listed(),
                }),
            });
        }
    }
    references
}
