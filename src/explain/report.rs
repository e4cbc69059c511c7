//! The report model: what `explain` says about one profile, built from an
//! [`Evaluation`] and the evidence base, before any rendering. Its serde
//! shape is the documented JSON output (see `schema_version`).

use serde::Serialize;

use crate::check::{Expr, InputKind, Program, Rule, RuleId};
use crate::evidence::{EvidenceBase, EvidenceRecord, Verification};
use crate::infer::{Evaluation, Truth};
use crate::profile::Value;
use crate::span::SourceMap;
use crate::syntax::ast::{RuleKind, Stance, Strength};
use crate::units::{format_number, format_quantity};

/// Bumped whenever the JSON shape changes incompatibly.
pub const SCHEMA_VERSION: u32 = 1;

pub const DISCLAIMER: &str = "This report is not medical advice. It is generated from rules and the evidence they cite, \
and cannot weigh your full history. Talk to a qualified clinician before starting, stopping or changing any supplement \
or medicine, and before acting on any lab result.";

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub profile: Option<String>,
    pub knowledge_base: Vec<RuleFileInfo>,
    /// Recommendations whose conditions hold.
    pub suggestions: Vec<Finding>,
    /// Tests whose conditions hold.
    pub tests: Vec<Finding>,
    /// Outcomes that could not be decided, with the data they need.
    pub test_first: Vec<Undecided>,
    /// Cautions and exceeded safety limits.
    pub cautions: Vec<Finding>,
    /// Recommendations whose conditions hold but which a contraindication blocks.
    pub ruled_out: Vec<RuledOut>,
    /// Every record cited above, numbered in order of first citation.
    pub references: Vec<Reference>,
    pub disclaimer: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleFileInfo {
    pub file: String,
    pub title: Option<String>,
    pub version: Option<String>,
    pub reviewed: Option<String>,
}

/// One outcome, explained.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub id: String,
    pub kind: &'static str,
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strength: Option<Strength>,
    /// False when every cited record is `not_found` or `unverified`.
    pub verified_support: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advice: Option<AdviceView>,
    /// Why it applies: the `when` condition, evaluated.
    pub because: Option<Reason>,
    /// Contraindications checked, evaluated.
    pub contraindications: Option<Reason>,
    pub evidence: Vec<CitationView>,
    pub caveats: Vec<String>,
    /// `file:line:col` of the rule.
    pub source: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AdviceView {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub form: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dose: Option<String>,
    pub timing: Vec<String>,
    pub take_with: Vec<String>,
    pub separate_from: Vec<SeparationView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SeparationView {
    pub items: Vec<String>,
    pub hours: f64,
}

/// One evaluated condition, with the profile's value and the threshold.
#[derive(Debug, Clone, Serialize)]
pub struct Reason {
    pub truth: Truth,
    /// The derived fact or outcome this condition names, if it names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fact: Option<FactRef>,
    /// The condition in words, e.g. `ferritin <= 75 ng/mL` or `any of`.
    pub condition: String,
    /// What the profile says, e.g. `32 ng/mL (given as 32 µg/L)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Reason>,
}

/// A rule named in a condition.
#[derive(Debug, Clone, Serialize)]
pub struct FactRef {
    pub id: String,
    pub label: String,
}

/// A finding's citation of one record, pointing into [`Report::references`].
#[derive(Debug, Clone, Serialize)]
pub struct CitationView {
    /// The record's number in the reference list.
    pub reference: usize,
    pub id: String,
    pub stance: Stance,
    /// `Trenkwalder et al. 2017`
    pub short: String,
    pub design: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n: Option<u32>,
    pub certainty: &'static str,
    pub verification: Verification,
}

/// One cited record in full.
#[derive(Debug, Clone, Serialize)]
pub struct Reference {
    pub number: usize,
    pub id: String,
    pub citation: String,
    pub design: &'static str,
    pub certainty: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub population: Option<String>,
    pub finding: String,
    pub limitations: Vec<String>,
    pub verification: Verification,
    /// How the article's citation differs from the source, when it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub citation_check: Option<String>,
    pub identifiers: Vec<String>,
}

/// A recommendation whose conditions hold, blocked by a contraindication.
#[derive(Debug, Clone, Serialize)]
pub struct RuledOut {
    pub id: String,
    pub kind: &'static str,
    pub label: String,
    /// The `unless` condition, evaluated: true here.
    pub excluded_by: Reason,
    pub source: String,
}

/// An outcome left unknown by missing data.
#[derive(Debug, Clone, Serialize)]
pub struct Undecided {
    pub id: String,
    pub kind: &'static str,
    pub label: String,
    pub missing: Vec<MissingInput>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MissingInput {
    pub input: String,
    pub label: String,
    /// Where in a profile it goes, e.g. `labs.ferritin`.
    pub field: String,
}

/// Builds the report for one evaluation.
pub fn build(evaluation: &Evaluation<'_>, evidence: &EvidenceBase, sources: &SourceMap) -> Report {
    let program = &evaluation.graph.program;
    let mut builder = Builder { evaluation, program, evidence, sources, references: Vec::new() };
    let mut report = Report {
        schema_version: SCHEMA_VERSION,
        profile: evaluation.facts.name.clone(),
        knowledge_base: program
            .files
            .iter()
            .map(|f| RuleFileInfo {
                file: f.name.clone(),
                title: f.title.clone(),
                version: f.version.clone(),
                reviewed: f.reviewed.map(|d| d.to_string()),
            })
            .collect(),
        suggestions: Vec::new(),
        tests: Vec::new(),
        test_first: Vec::new(),
        cautions: Vec::new(),
        ruled_out: Vec::new(),
        references: Vec::new(),
        disclaimer: DISCLAIMER,
    };
    for (id, rule) in program.rule_ids().zip(&program.rules) {
        if !rule.is_outcome() {
            continue;
        }
        match evaluation.verdict(id) {
            Truth::True => {
                let finding = builder.finding(rule);
                match rule.kind {
                    RuleKind::Recommend => report.suggestions.push(finding),
                    RuleKind::Test => report.tests.push(finding),
                    RuleKind::Warn | RuleKind::Limit => report.cautions.push(finding),
                    RuleKind::Derive => {}
                }
            }
            Truth::Unknown => report.test_first.push(builder.undecided(id, rule)),
            Truth::False => {
                let applies = rule.when.as_ref().map_or(Truth::True, |w| evaluation.truth(w));
                let excluded_by = rule.unless.as_ref().filter(|u| evaluation.truth(u) == Truth::True);
                if let (RuleKind::Recommend, Truth::True, Some(unless)) = (rule.kind, applies, excluded_by) {
                    report.ruled_out.push(RuledOut {
                        id: rule.name.clone(),
                        kind: rule.kind.keyword(),
                        label: rule.label.clone(),
                        excluded_by: builder.reason(unless),
                        source: sources.locate(rule.span),
                    });
                }
            }
        }
    }
    report.references = builder.references;
    report
}

struct Builder<'a> {
    evaluation: &'a Evaluation<'a>,
    program: &'a Program,
    evidence: &'a EvidenceBase,
    sources: &'a SourceMap,
    references: Vec<Reference>,
}

impl Builder<'_> {
    /// The record's number in the reference list, adding it on first use.
    fn reference(&mut self, record: &EvidenceRecord) -> usize {
        if let Some(existing) = self.references.iter().find(|r| r.id == record.id) {
            return existing.number;
        }
        let number = self.references.len() + 1;
        self.references.push(Reference {
            number,
            id: record.id.clone(),
            citation: citation_line(record),
            design: record.kind.describe(),
            certainty: record.certainty.describe(),
            n: record.n,
            duration: record.duration.clone(),
            population: record.population.clone(),
            finding: record.finding.clone(),
            limitations: record.limitations.clone(),
            verification: record.verification,
            citation_check: citation_check(record),
            identifiers: identifiers(record),
        });
        number
    }

    fn finding(&mut self, rule: &Rule) -> Finding {
        let mut evidence = Vec::new();
        for citation in &rule.citations {
            let Some(located) = self.evidence.get(&citation.evidence) else { continue };
            let record = &located.record;
            evidence.push(CitationView {
                reference: self.reference(record),
                id: record.id.clone(),
                stance: citation.stance,
                short: short_citation(record),
                design: record.kind.describe(),
                n: record.n,
                certainty: record.certainty.describe(),
                verification: record.verification,
            });
        }
        let verified_support = evidence.iter().any(|e| !e.verification.is_unsupported());
        Finding {
            id: rule.name.clone(),
            kind: rule.kind.keyword(),
            label: rule.label.clone(),
            strength: rule.strength,
            verified_support,
            advice: (rule.kind == RuleKind::Recommend).then(|| advice_view(rule)),
            because: rule.when.as_ref().map(|w| self.reason(w)),
            contraindications: rule.unless.as_ref().map(|u| self.reason(u)),
            evidence,
            caveats: rule.caveats.clone(),
            source: self.sources.locate(rule.span),
        }
    }

    fn undecided(&self, id: RuleId, rule: &Rule) -> Undecided {
        let missing = self
            .evaluation
            .missing_inputs(id)
            .into_iter()
            .filter_map(|input| self.program.input(input))
            .map(|input| MissingInput {
                input: input.name.clone(),
                label: input.label.clone(),
                field: match input.kind {
                    InputKind::Lab { .. } => format!("labs.{}", input.name),
                    InputKind::Flag => String::from("conditions"),
                    InputKind::List(list) => list.name().to_string(),
                },
            })
            .collect();
        Undecided { id: rule.name.clone(), kind: rule.kind.keyword(), label: rule.label.clone(), missing }
    }

    /// Explains a condition: its truth, its words, the profile's value.
    fn reason(&self, expr: &Expr) -> Reason {
        let truth = self.evaluation.truth(expr);
        let leaf = |condition: String, value: Option<String>| Reason {
            truth,
            fact: None,
            condition,
            value,
            parts: Vec::new(),
        };
        match expr {
            Expr::And(parts) | Expr::Or(parts) => Reason {
                parts: parts.iter().map(|p| self.reason(p)).collect(),
                ..leaf(String::from(if matches!(expr, Expr::And(_)) { "all of" } else { "any of" }), None)
            },
            Expr::Not(inner) => {
                let inner = self.reason(inner);
                if inner.parts.is_empty() && inner.fact.is_none() {
                    leaf(format!("not {}", inner.condition), inner.value)
                } else {
                    Reason { parts: vec![inner], ..leaf(String::from("not"), None) }
                }
            }
            Expr::Compare { input, comparator, written, .. } => {
                let name = self.input_name(*input);
                let condition = format!(
                    "{name} {} {}",
                    comparator.symbol(),
                    format_quantity(written.value, written.unit)
                );
                let value =
                    match (self.evaluation.facts.value(*input), self.program.input(*input).map(|i| i.kind)) {
                        (
                            Some(Value::Quantity { canonical, given, given_unit }),
                            Some(InputKind::Lab { unit, .. }),
                        ) => {
                            let shown = format_quantity(*canonical, unit);
                            let written = format_quantity(*given, *given_unit);
                            Some(if *given_unit == unit {
                                shown
                            } else {
                                format!("{shown} (given as {written})")
                            })
                        }
                        _ => Some(String::from("not in profile")),
                    };
                leaf(condition, value)
            }
            Expr::Known(input, _) | Expr::Unknown(input, _) => {
                let word = if matches!(expr, Expr::Known(..)) { "known" } else { "unknown" };
                let name = self.input_name(*input);
                let value = if self.evaluation.facts.value(*input).is_some() {
                    "in profile"
                } else {
                    "not in profile"
                };
                leaf(format!("{word} {name}"), Some(value.to_string()))
            }
            Expr::Has { input, item, members, .. } => {
                let name = self.input_name(*input);
                let value = match self.evaluation.facts.value(*input) {
                    Some(Value::List(items)) => {
                        let matched: Vec<&str> =
                            items.iter().filter(|i| members.contains(i)).map(String::as_str).collect();
                        if matched.is_empty() {
                            String::from("none listed")
                        } else {
                            format!("lists {}", matched.join(", "))
                        }
                    }
                    _ => format!("no {name} in profile"),
                };
                leaf(format!("{name} has {item}"), Some(value))
            }
            Expr::Flag(input, _) => {
                let name = self.input_name(*input);
                let value = match self.evaluation.facts.value(*input) {
                    Some(Value::Flag(true)) => "listed in conditions",
                    Some(_) => "not listed in conditions",
                    None => "no conditions in profile",
                };
                leaf(name.to_string(), Some(value.to_string()))
            }
            Expr::Fact(rule, _) => {
                let Some(fact) = self.program.rule(*rule) else {
                    return leaf(String::from("?"), None);
                };
                let fact_ref = Some(FactRef { id: fact.name.clone(), label: fact.label.clone() });
                // Derived facts are expanded into their own reasons; outcomes
                // are explained where they are reported.
                match (&fact.when, fact.kind) {
                    (Some(when), RuleKind::Derive) => Reason { fact: fact_ref, ..self.reason(when) },
                    _ => Reason { fact: fact_ref, ..leaf(String::from("applies"), None) },
                }
            }
            Expr::DailyIntake { name, members, bound, limit, .. } => {
                let condition =
                    format!("daily {name} {} {}", bound.symbol(), format_quantity(limit.value, limit.unit));
                let value = match (self.evaluation.daily_milligrams(members), &self.evaluation.facts.intakes)
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
                leaf(condition, Some(value))
            }
            Expr::Invalid(_) => leaf(String::from("(invalid condition)"), None),
        }
    }

    fn input_name(&self, input: crate::check::InputId) -> &str {
        self.program.input(input).map_or("?", |i| i.name.as_str())
    }
}

fn advice_view(rule: &Rule) -> AdviceView {
    let advice = &rule.advice;
    AdviceView {
        form: advice.form.clone(),
        dose: advice.dose.as_ref().map(|d| {
            format!("{} to {} {} a day", format_number(d.low), format_number(d.high), d.unit.symbol)
        }),
        timing: advice.timing.clone(),
        take_with: advice.take_with.clone(),
        separate_from: advice
            .separate_from
            .iter()
            .map(|s| SeparationView { items: s.items.clone(), hours: s.hours })
            .collect(),
    }
}

/// `Trenkwalder et al. 2017`, or the title's start when there are no authors.
pub fn short_citation(record: &EvidenceRecord) -> String {
    let surname = |author: &String| author.split_whitespace().next().unwrap_or(author).to_string();
    let who = match record.authors.as_slice() {
        [] => record.journal.clone().unwrap_or_else(|| record.title.clone()),
        [one] => surname(one),
        [first, second] => format!("{} & {}", surname(first), surname(second)),
        [first, ..] => format!("{} et al.", surname(first)),
    };
    match record.year {
        Some(year) => format!("{who} {year}"),
        None => who,
    }
}

/// `Trenkwalder C et al. (2017). Title. Movement Disorders.`
pub fn citation_line(record: &EvidenceRecord) -> String {
    let authors = match record.authors.as_slice() {
        [] => None,
        [one] => Some(one.clone()),
        [first, second] => Some(format!("{first}, {second}")),
        [first, ..] => Some(format!("{first} et al.")),
    };
    let journal = record.journal.as_ref().map(|j| format!(" {j}.")).unwrap_or_default();
    let year = record.year.map_or(String::from("n.d."), |y| y.to_string());
    let title = record.title.trim_end_matches('.');
    match authors {
        Some(authors) => format!("{authors} ({year}). {title}.{journal}"),
        // Without authors the title leads, as in most citation styles.
        None => format!("{title} ({year}).{journal}"),
    }
}

/// What the article's citation got wrong, in one sentence.
pub fn citation_check(record: &EvidenceRecord) -> Option<String> {
    let cited = record.as_cited.as_ref()?;
    let first_author = record.authors.first().map(|a| a.split_whitespace().next().unwrap_or(a));
    let year = record.year.map(|y| format!(" {y}")).unwrap_or_default();
    let source = match (first_author, &record.journal) {
        (Some(author), Some(journal)) => format!("{author} et al., {journal}{year}"),
        (None, Some(journal)) => format!("{journal}{year}"),
        (Some(author), None) => format!("{author} et al.{year}"),
        (None, None) => format!("an unnamed source{year}"),
    };
    let note = record.note.as_ref().map(|n| format!(" {n}")).unwrap_or_default();
    Some(match record.verification {
        Verification::Verified => format!("cited as \"{}\"; the citation checks out.{note}", cited.text),
        Verification::Discrepancy => {
            format!("cited as \"{}\"; the source is {source}.{note}", cited.text)
        }
        Verification::NotFound => format!("cited as \"{}\"; no such source was found.{note}", cited.text),
        Verification::Unverified => {
            format!("cited as \"{}\"; not checked against public records.{note}", cited.text)
        }
    })
}

fn identifiers(record: &EvidenceRecord) -> Vec<String> {
    let ids = &record.ids;
    [
        ids.doi.as_ref().map(|d| format!("doi:{d}")),
        ids.pmid.as_ref().map(|p| format!("PMID {p}")),
        ids.pmcid.clone(),
        ids.registration.clone(),
    ]
    .into_iter()
    .flatten()
    .collect()
}
