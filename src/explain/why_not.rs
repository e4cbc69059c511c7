//! Why-not: for an outcome that did not fire, what stood in its way and the
//! smallest change to the profile that would make it fire.
//!
//! The condition is walked with the truth each part needs: an `and` needs
//! every part, an `or` any one, `not` flips what is needed, a population or
//! derived fact is opened up into its own conditions, and each condition in
//! the way says what would have to change. That gives candidate sets of
//! changes; each is then tried: the changes are made to a copy of the
//! profile and every rule is evaluated again. A set that breaks another
//! condition of the same rule (a ferritin lowered to 75 for a rule that
//! needs it above 75) is repaired with the changes the new profile still
//! needs, or dropped. Only sets that make the outcome fire are offered;
//! when none does, the explanation says that no change would.

use serde::Serialize;

use super::report::{Builder, Reason};
use crate::check::{Expr, InputId, InputKind, Program, Rule, RuleId, SEXES};
use crate::evidence::EvidenceBase;
use crate::infer::{self, Evaluation, Truth};
use crate::profile::{Facts, Intake, Value};
use crate::syntax::ast::{Comparator, RangeSide};
use crate::units::{self, Unit, format_quantity};

/// How many candidate sets are tried at each round, and how many rounds of
/// repair a set gets: enough for the conditions of real rules, and bounded.
const CANDIDATES: usize = 12;
const REPAIRS: usize = 2;
/// How many ways are offered.
const WAYS: usize = 4;

/// The why-not explanation of one outcome.
#[derive(Debug, Clone, Serialize)]
pub struct WhyNot<'k> {
    pub schema_version: u32,
    pub id: String,
    pub kind: &'static str,
    pub label: String,
    pub verdict: Truth,
    /// Its population, evaluated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub population: Option<Reason<'k>>,
    /// The `when` condition, evaluated.
    pub because: Option<Reason<'k>>,
    /// The `unless` condition, evaluated.
    pub contraindications: Option<Reason<'k>>,
    /// The fewest changes that make the outcome fire, each with the evidence
    /// behind its threshold. Empty when it fires already, or when no change
    /// would (see `possible`).
    pub smallest_change: Vec<Change>,
    /// Other ways, when there is a choice.
    pub alternatives: Vec<Vec<Change>>,
    /// False when no change to the profile would make it fire.
    pub possible: bool,
    pub source: String,
    pub disclaimer: &'static str,
}

/// One change to the profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// `ferritin would have to be <= 75 ng/mL; it is 120 ng/mL`
    pub change: String,
    /// The rule whose condition this is.
    pub rule: String,
    /// Short citations of that rule's evidence: what the threshold rests on.
    pub evidence: Vec<String>,
}

/// A change as an edit that can be made to the facts, to try it.
#[derive(Debug, Clone, PartialEq)]
enum Edit {
    /// A lab value or the age, into `comparator threshold` (canonical unit).
    Bound {
        input: InputId,
        comparator: Comparator,
        threshold: f64,
    },
    Give(InputId),
    Omit(InputId),
    Include {
        input: InputId,
        item: String,
    },
    Exclude {
        input: InputId,
        members: Vec<String>,
    },
    Flag {
        input: InputId,
        set: bool,
    },
    Sex {
        input: InputId,
        value: String,
        is: bool,
    },
    Range {
        input: InputId,
        side: RangeSide,
        outside: bool,
    },
    Dated {
        input: InputId,
        older: bool,
        cutoff: Option<crate::dates::Date>,
    },
    Daily {
        name: String,
        members: Vec<String>,
        breaks: bool,
        limit_mg: f64,
        bound: Comparator,
    },
}

/// What has to change: nothing, one change, all of several, or any one of several.
#[derive(Debug, Clone)]
enum Need {
    Nothing,
    Change(Change, Edit),
    All(Vec<Need>),
    Any(Vec<Need>),
}

/// A candidate set of changes.
type Way = Vec<(Change, Edit)>;

impl Need {
    /// Every way to meet the need, fewest changes first, at most `limit`.
    fn ways(&self, limit: usize) -> Vec<Way> {
        let mut ways: Vec<Way> = match self {
            Need::Nothing => vec![Vec::new()],
            Need::Change(change, edit) => vec![vec![(change.clone(), edit.clone())]],
            Need::Any(options) => options.iter().flat_map(|o| o.ways(limit)).collect(),
            Need::All(parts) => {
                // The product of the parts' ways, pruned to `limit` at each step.
                let mut product: Vec<Way> = vec![Vec::new()];
                for part in parts {
                    let mut next = Vec::new();
                    for way in &product {
                        for extra in part.ways(limit) {
                            next.push(merge(way, &extra));
                        }
                    }
                    next.sort_by_key(Vec::len);
                    next.truncate(limit);
                    product = next;
                }
                product
            }
        };
        ways.sort_by_key(Vec::len);
        // A way that does everything a smaller way does, and more, is no alternative.
        let mut distinct: Vec<Way> = Vec::new();
        for way in ways {
            if !distinct.iter().any(|smaller| covers(&way, smaller)) {
                distinct.push(way);
            }
        }
        distinct.truncate(limit);
        distinct
    }
}

/// `way` with the changes of `extra` it lacks; the same change can be
/// needed by several rules (a derived fact and the outcome that reads it):
/// the first, naming the rule the threshold comes from, is kept.
fn merge(way: &Way, extra: &Way) -> Way {
    let mut merged = way.clone();
    for (change, edit) in extra {
        if !merged.iter().any(|(c, _)| c.change == change.change) {
            merged.push((change.clone(), edit.clone()));
        }
    }
    merged
}

fn covers(way: &Way, smaller: &Way) -> bool {
    smaller.iter().all(|(c, _)| way.iter().any(|(w, _)| w.change == c.change))
}

/// Explains why `rule` did (not) fire for this evaluation.
pub fn why_not<'k>(
    evaluation: &Evaluation<'k>,
    evidence: &'k EvidenceBase,
    id: RuleId,
) -> Option<WhyNot<'k>> {
    let program = &evaluation.graph.program;
    let rule = program.rule(id)?;
    let verdict = evaluation.verdict(id);
    let ways =
        if verdict == Truth::True { Vec::new() } else { verified_ways(evaluation, evidence, id, rule) };
    let mut ways = ways.into_iter().map(|way| way.into_iter().map(|(change, _)| change).collect::<Vec<_>>());
    let smallest_change = ways.next().unwrap_or_default();
    let explain = Builder::new(evaluation, evidence);
    Some(WhyNot {
        schema_version: super::report::SCHEMA_VERSION,
        id: rule.name.clone(),
        kind: rule.kind.keyword(),
        label: rule.label.clone(),
        verdict,
        population: rule.population.map(|p| explain.fact_reason(p.rule)),
        because: rule.when.as_ref().map(|when| explain.reason(when)),
        contraindications: rule.unless.as_ref().map(|unless| explain.reason(unless)),
        possible: verdict == Truth::True || !smallest_change.is_empty(),
        smallest_change,
        alternatives: ways.collect(),
        source: rule.location.clone(),
        disclaimer: super::report::DISCLAIMER,
    })
}

/// The candidate ways that, tried on a copy of the profile, make the
/// outcome fire: fewest changes first.
fn verified_ways(evaluation: &Evaluation<'_>, evidence: &EvidenceBase, id: RuleId, rule: &Rule) -> Vec<Way> {
    let graph = evaluation.graph;
    let finder = Finder { evaluation, program: &graph.program, evidence };
    let mut found: Vec<Way> = Vec::new();
    let mut candidates = finder.rule_needs(rule, true).ways(CANDIDATES);
    for _ in 0..=REPAIRS {
        let mut repairs = Vec::new();
        for way in candidates {
            let Some(facts) = apply(&evaluation.facts, &graph.program, &way) else { continue };
            let tried = infer::evaluate(graph, facts);
            if tried.verdict(id) == Truth::True {
                found.push(way);
                continue;
            }
            // What the changed profile still lacks, added to the way.
            let again = Finder { evaluation: &tried, program: &graph.program, evidence };
            for extra in again.rule_needs(rule, true).ways(CANDIDATES) {
                if !extra.is_empty() {
                    repairs.push(merge(&way, &extra));
                }
            }
        }
        repairs.sort_by_key(Vec::len);
        repairs.truncate(CANDIDATES);
        candidates = repairs;
    }
    found.sort_by_key(Vec::len);
    let mut distinct: Vec<Way> = Vec::new();
    for way in found {
        if !distinct.iter().any(|smaller| covers(&way, smaller)) {
            distinct.push(way);
        }
    }
    distinct.truncate(WAYS);
    distinct
}

/// The facts with every edit of `way` made; `None` when two edits cannot
/// both hold (a value both above and below a threshold).
fn apply(facts: &Facts, program: &Program, way: &Way) -> Option<Facts> {
    let mut changed = facts.clone();
    let edits: Vec<&Edit> = way.iter().map(|(_, edit)| edit).collect();
    for edit in &edits {
        changed = match edit {
            Edit::Bound { input, .. } => {
                let value = witness(&changed, program, *input, &edits)?;
                changed.with_value(*input, Some(value))
            }
            Edit::Give(input) if changed.value(*input).is_none() => {
                let value = present_value(&changed, program, *input, &edits)?;
                changed.with_value(*input, Some(value))
            }
            Edit::Give(_) => changed,
            Edit::Omit(input) => changed.with_value(*input, None),
            Edit::Include { input, item } => {
                let mut items = match changed.value(*input) {
                    Some(Value::List(items)) => items.clone(),
                    _ => Vec::new(),
                };
                items.push(item.clone());
                changed.with_value(*input, Some(Value::List(items)))
            }
            Edit::Exclude { input, members } => {
                let items = match changed.value(*input) {
                    Some(Value::List(items)) => {
                        items.iter().filter(|i| !members.contains(i)).cloned().collect()
                    }
                    _ => Vec::new(),
                };
                changed.with_value(*input, Some(Value::List(items)))
            }
            Edit::Flag { input, set } => changed.with_value(*input, Some(Value::Flag(*set))),
            Edit::Sex { input, value, is } => {
                let chosen = SEXES.into_iter().find(|s| (*s == value) == *is)?;
                changed.with_value(*input, Some(Value::Choice(chosen)))
            }
            Edit::Range { input, side, outside } => {
                let value = ranged(changed.value(*input), *side, *outside)?;
                changed.with_value(*input, Some(value))
            }
            Edit::Dated { input, older, cutoff } => {
                let date = if *older { cutoff.and_then(|c| c.yesterday().ok()) } else { Some(changed.today) };
                let value = match changed.value(*input) {
                    Some(Value::Quantity { canonical, given, given_unit, range, .. }) => Value::Quantity {
                        canonical: *canonical,
                        given: *given,
                        given_unit: *given_unit,
                        range: *range,
                        date,
                    },
                    _ => match present_value(&changed, program, *input, &edits)? {
                        Value::Quantity { canonical, given, given_unit, range, .. } => {
                            Value::Quantity { canonical, given, given_unit, range, date }
                        }
                        other => other,
                    },
                };
                changed.with_value(*input, Some(value))
            }
            Edit::Daily { name, members, breaks, limit_mg, bound } => {
                let mut intakes: Vec<Intake> = changed.intakes.clone().unwrap_or_default();
                intakes.retain(|i| !members.contains(&i.name));
                if *breaks {
                    // Just past the limit, whichever way it points.
                    let past = if matches!(bound, Comparator::Less | Comparator::LessEqual) {
                        limit_mg.next_up().max(limit_mg + 1.0)
                    } else {
                        0.0
                    };
                    intakes.push(Intake {
                        name: name.clone(),
                        milligrams: past,
                        given: past,
                        given_unit: Unit::MILLIGRAM,
                        time: None,
                    });
                }
                changed.with_intakes(Some(intakes))
            }
        };
    }
    Some(changed)
}

/// A value meeting every bound the way puts on `input`: the current value
/// when it does, else the nearest value that does. `None` when the bounds
/// leave no value.
fn witness(facts: &Facts, program: &Program, input: InputId, edits: &[&Edit]) -> Option<Value> {
    let (mut low, mut high) = (f64::NEG_INFINITY, f64::INFINITY);
    for edit in edits {
        if let Edit::Bound { input: bound_input, comparator, threshold } = edit {
            if *bound_input != input {
                continue;
            }
            match comparator {
                Comparator::Less => high = high.min(threshold.next_down()),
                Comparator::LessEqual => high = high.min(*threshold),
                Comparator::Greater => low = low.max(threshold.next_up()),
                Comparator::GreaterEqual => low = low.max(*threshold),
            }
        }
    }
    let low = low.max(0.0);
    if low > high {
        return None;
    }
    let (current, range, date) = match facts.value(input) {
        Some(Value::Quantity { canonical, range, date, .. }) => (Some(*canonical), *range, *date),
        _ => (None, None, None),
    };
    let value = match current {
        Some(value) => value.clamp(low, high),
        None if low.is_finite() => low,
        None => high.min(1.0),
    };
    let (unit, _) = program.input(input)?.kind.quantity_unit()?;
    Some(Value::Quantity { canonical: value, given: value, given_unit: unit, range, date })
}

/// Some value for an input a change says must be given.
fn present_value(facts: &Facts, program: &Program, input: InputId, edits: &[&Edit]) -> Option<Value> {
    Some(match program.input(input)?.kind {
        InputKind::Lab { .. } | InputKind::Age => witness(facts, program, input, edits)?,
        InputKind::Flag => Value::Flag(false),
        InputKind::List(_) => Value::List(Vec::new()),
        InputKind::Sex => Value::Choice("other"),
    })
}

/// A lab value moved to one side of its reference range, or inside it;
/// without a range, one is given that puts the value where it must be.
fn ranged(value: Option<&Value>, side: RangeSide, outside: bool) -> Option<Value> {
    let Value::Quantity { canonical, given, given_unit, range, date } = value?.clone() else { return None };
    let (low, high) = range.unwrap_or_else(|| {
        let v = canonical.max(1.0);
        match (side, outside) {
            (RangeSide::Below, true) => (v * 2.0, v * 3.0),
            (RangeSide::Above, true) => (0.0, v / 2.0),
            _ => (0.0, v * 2.0),
        }
    });
    let canonical = match (side, outside) {
        _ if range.is_none() => canonical,
        (RangeSide::Below, true) => low.next_down().max(0.0),
        (RangeSide::Above, true) => high.next_up(),
        (RangeSide::Below, false) => canonical.max(low),
        (RangeSide::Above, false) => canonical.min(high),
    };
    Some(Value::Quantity { canonical, given, given_unit, range: Some((low, high)), date })
}

struct Finder<'a> {
    evaluation: &'a Evaluation<'a>,
    program: &'a Program,
    evidence: &'a EvidenceBase,
}

impl Finder<'_> {
    /// What it takes for a rule to hold (`want`) or not: its population, its
    /// `when` and no `unless`.
    fn rule_needs(&self, rule: &Rule, want: bool) -> Need {
        let population = rule.population.map_or(Need::Nothing, |p| {
            self.program.rule(p.rule).map_or(Need::Nothing, |population| self.rule_needs(population, want))
        });
        let when = rule.when.as_ref().map_or(Need::Nothing, |w| self.needs(rule, w, want));
        let unless = rule.unless.as_ref().map_or(Need::Nothing, |u| self.needs(rule, u, !want));
        if want {
            simplify(Need::All(vec![population, when, unless]))
        } else {
            simplify(Need::Any(vec![population, when, unless]))
        }
    }

    /// What it takes for `expr`, a condition of `rule`, to have truth `want`.
    fn needs(&self, rule: &Rule, expr: &Expr, want: bool) -> Need {
        let wanted = Truth::from(want);
        if self.evaluation.truth(expr) == wanted {
            return Need::Nothing;
        }
        let change = |text: String, edit: Edit| {
            Need::Change(
                Change {
                    change: text,
                    rule: rule.name.clone(),
                    evidence: rule
                        .citations
                        .iter()
                        .filter_map(|c| self.evidence.get(&c.evidence))
                        .map(|r| {
                            format!(
                                "{} ({}, certainty {})",
                                r.short.clone(),
                                r.record.kind.describe(),
                                r.record.certainty.describe()
                            )
                        })
                        .collect(),
                },
                edit,
            )
        };
        match expr {
            Expr::And(parts) | Expr::Or(parts) => {
                let needs: Vec<Need> = parts.iter().map(|p| self.needs(rule, p, want)).collect();
                // An `and` made true, or an `or` made false, needs every part.
                if matches!(expr, Expr::And(_)) == want {
                    simplify(Need::All(needs))
                } else {
                    simplify(Need::Any(needs))
                }
            }
            Expr::Not(inner) => self.needs(rule, inner, !want),
            Expr::Compare { input, comparator, threshold, written, .. } => {
                let name = self.input_name(*input);
                let comparator = if want { *comparator } else { comparator.negated() };
                change(
                    format!(
                        "{name} would have to be {} {}; {}",
                        comparator.symbol(),
                        format_quantity(written.value, written.unit),
                        self.current(*input, Some(written.unit))
                    ),
                    Edit::Bound { input: *input, comparator, threshold: *threshold },
                )
            }
            Expr::Known(input, _) | Expr::Unknown(input, _) => {
                let give = matches!(expr, Expr::Known(..)) == want;
                let name = self.input_name(*input);
                if give {
                    change(format!("{name} would have to be given"), Edit::Give(*input))
                } else {
                    change(format!("{name} would have to be left out"), Edit::Omit(*input))
                }
            }
            Expr::Has { input, item, members, .. } => {
                let list = self.input_name(*input);
                let text = match self.evaluation.facts.value(*input) {
                    None => format!(
                        "the profile would have to give its {list}, {} {item}",
                        if want { "including" } else { "without" }
                    ),
                    Some(_) if want => format!("{list} would have to include {item}"),
                    Some(_) => format!("{list} would have to leave out {item}"),
                };
                let edit = if want {
                    Edit::Include { input: *input, item: item.clone() }
                } else {
                    Edit::Exclude { input: *input, members: members.clone() }
                };
                change(text, edit)
            }
            Expr::Flag(input, _) => {
                let name = self.input_name(*input);
                let builtin = self.program.input(*input).and_then(|i| i.builtin);
                let text = match (self.evaluation.facts.value(*input), builtin) {
                    (_, Some(builtin)) => {
                        format!("the profile would have to say `{}: {want}`", builtin.field())
                    }
                    (None, None) => format!(
                        "the profile would have to give its conditions, {} {name}",
                        if want { "including" } else { "without" }
                    ),
                    (Some(_), None) if want => format!("conditions would have to list {name}"),
                    (Some(_), None) => format!("conditions would have to leave out {name}"),
                };
                change(text, Edit::Flag { input: *input, set: want })
            }
            Expr::Is { input, value, .. } => {
                let name = self.input_name(*input);
                let text = if want {
                    format!("{name} would have to be {value}; {}", self.current_choice(*input))
                } else {
                    format!("{name} would have to be other than {value}; {}", self.current_choice(*input))
                };
                change(text, Edit::Sex { input: *input, value: value.clone(), is: want })
            }
            Expr::OlderThan { input, age, .. } => {
                let name = self.input_name(*input);
                let cutoff = crate::dates::before(self.evaluation.facts.today, age.amount, age.period);
                let text = if want {
                    format!("{name} would have to be dated more than {age} before the report date")
                } else {
                    format!("{name} would have to be dated within {age} of the report date")
                };
                change(text, Edit::Dated { input: *input, older: want, cutoff })
            }
            Expr::OutsideRange { input, side, .. } => {
                let name = self.input_name(*input);
                let where_ = match (side, want) {
                    (RangeSide::Below, true) => "below its reference range",
                    (RangeSide::Above, true) => "above its reference range",
                    (RangeSide::Below, false) => "at or above the bottom of its reference range",
                    (RangeSide::Above, false) => "at or below the top of its reference range",
                };
                let has_range = matches!(
                    self.evaluation.facts.value(*input),
                    Some(Value::Quantity { range: Some(_), .. })
                );
                let text = if self.evaluation.facts.value(*input).is_some() && !has_range {
                    format!("{name} would have to come with the lab's reference range (and be {where_})")
                } else {
                    format!("{name} would have to be {where_}; {}", self.current(*input, None))
                };
                let edit = if self.evaluation.facts.value(*input).is_some() {
                    Edit::Range { input: *input, side: *side, outside: want }
                } else {
                    Edit::Give(*input)
                };
                change(text, edit)
            }
            Expr::Fact(fact, _) => match self.program.rule(*fact) {
                // Open a derived fact or outcome up into its own conditions.
                Some(other) => self.rule_needs(other, want),
                None => Need::Nothing,
            },
            Expr::DailyIntake { name, members, bound, limit, .. } => {
                let total = self.evaluation.daily_milligrams(members);
                let current = total.map_or(String::from("no supplements are listed"), |t| {
                    format!("it is {} mg", units::format_number(t))
                });
                let shown = if want { bound.negated() } else { *bound };
                let limit_mg =
                    units::convert(limit.value, limit.unit, Unit::MILLIGRAM, None).unwrap_or(limit.value);
                change(
                    format!(
                        "daily {name} would have to be {} {}; {current}",
                        shown.symbol(),
                        format_quantity(limit.value, limit.unit)
                    ),
                    Edit::Daily {
                        name: name.clone(),
                        members: members.clone(),
                        breaks: want,
                        limit_mg,
                        bound: *bound,
                    },
                )
            }
            Expr::Invalid(_) => Need::Nothing,
        }
    }

    fn input_name(&self, input: InputId) -> &str {
        self.program.input(input).map_or("?", |i| i.name.as_str())
    }

    /// `it is female`, or `it is not in the profile`.
    fn current_choice(&self, input: InputId) -> String {
        match self.evaluation.facts.value(input) {
            Some(Value::Choice(given)) => format!("it is {given}"),
            _ => String::from("it is not in the profile"),
        }
    }

    /// `it is 120 ng/mL`, in the threshold's unit, or `it is not in the profile`.
    fn current(&self, input: InputId, unit: Option<Unit>) -> String {
        let Some(Value::Quantity { canonical, range, .. }) = self.evaluation.facts.value(input) else {
            return String::from("it is not in the profile");
        };
        let Some((canonical_unit, molar_mass)) =
            self.program.input(input).and_then(|i| i.kind.quantity_unit())
        else {
            return String::new();
        };
        let shown = unit.unwrap_or(canonical_unit);
        let value = units::convert(*canonical, canonical_unit, shown, molar_mass).unwrap_or(*canonical);
        let range = range.map(|(low, high)| {
            format!(
                ", reference range {}-{}",
                units::format_number(low),
                format_quantity(high, canonical_unit)
            )
        });
        format!("it is {}{}", format_quantity(value, shown), range.unwrap_or_default())
    }
}

/// Drops parts already met and unwraps single parts.
fn simplify(need: Need) -> Need {
    match need {
        Need::All(parts) => {
            let mut parts: Vec<Need> = parts.into_iter().filter(|p| !matches!(p, Need::Nothing)).collect();
            match parts.len() {
                0 => Need::Nothing,
                1 => parts.pop().unwrap_or(Need::Nothing),
                _ => Need::All(parts),
            }
        }
        // Any part already met meets the whole.
        Need::Any(parts) if parts.iter().any(|p| matches!(p, Need::Nothing)) => Need::Nothing,
        Need::Any(mut parts) if parts.len() == 1 => parts.pop().unwrap_or(Need::Nothing),
        other => other,
    }
}

/// A rule kind's keyword in words, for headings: `recommend` → `Suggestion`.
pub fn kind_words_of(keyword: &str) -> &'static str {
    match keyword {
        "recommend" => "Suggestion",
        "test" => "Test",
        "warn" => "Caution",
        "limit" => "Safety limit",
        "inform" => "Background",
        "population" => "Population",
        _ => "Derived fact",
    }
}
