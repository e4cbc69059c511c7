//! Binding a parsed profile to one program's inputs, on one report date:
//! names normalised, lab values converted to each input's unit and dated,
//! the person's age worked out, and every list entry no rule reads listed.
//! Every problem is reported, each naming its field.

use std::borrow::Cow;
use std::collections::BTreeSet;

use super::builder::{FactsBuilder, LabSlot, SlotError};
use super::read::check_sizes;
use super::{Facts, Intake, NotConsidered, Person, Profile, Sex, StaleLab, SupplementEntry, Value};
use crate::check::{Builtin, Input, InputId, InputKind, Plausible, ProfileList, Program};
use crate::dates::{self, Date};
use crate::diagnostic::Diagnostic;
use crate::document::FieldPath;
use crate::document::{Locator, Written};
use crate::escape::escape_controls;
use crate::limits::Limits;
use crate::suggest::{closest, did_you_mean};
use crate::units::{self, ConversionError, Dimension, Unit, format_number};

/// What a profile's `conditions` may say for `pregnant` and `lactating`.
const PREGNANCY_WORDS: [&str; 2] = ["pregnant", "pregnancy"];
const LACTATION_WORDS: [&str; 3] = ["lactating", "lactation", "breastfeeding"];

/// The oldest age a profile may give, in years.
pub(crate) const MAX_AGE: f64 = 150.0;

/// Lower-case, with spaces and hyphens as `_`: "Vitamin B6" → `vitamin_b6`.
/// Control characters are escaped: the name may be shown.
pub fn normalise_name(name: &str) -> String {
    normalised(name).into_owned()
}

/// [`normalise_name`], borrowing a name that is normal already, as most are.
fn normalised(name: &str) -> Cow<'_, str> {
    let normal = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_';
    if !name.is_empty() && name.chars().all(normal) {
        return Cow::Borrowed(name);
    }
    let lowered: String =
        name.trim().to_lowercase().chars().map(|c| if c == ' ' || c == '-' { '_' } else { c }).collect();
    Cow::Owned(escape_controls(&lowered).into_owned())
}

/// Binds a profile to a program's inputs on the report date `today`,
/// reporting every problem, each at the field it is about.
pub fn bind(
    profile: &Profile,
    program: &Program,
    written: Written<'_>,
    today: Date,
    limits: &Limits,
) -> Result<Facts, Vec<Diagnostic>> {
    let at = Locator::new(written);
    check_sizes(profile, &at, limits)?;
    let mut binder = Binder {
        program,
        at,
        today,
        problems: Vec::new(),
        builder: FactsBuilder::new(program, today),
        stale: Vec::new(),
    };
    let conditions = profile.conditions.as_ref().map(|l| normalise_all(l));
    let person = binder.person(profile, conditions.as_deref());
    binder.labs(profile);
    let intakes = profile.supplements.as_ref().map(|entries| binder.intakes(entries));
    let supplements = intakes.as_ref().map(|i| i.iter().map(|s| s.name.clone()).collect());
    for (list, names) in [
        (ProfileList::Conditions, conditions.as_ref()),
        (ProfileList::Medications, profile.medications.as_ref()),
        (ProfileList::Diet, profile.diet.as_ref()),
        (ProfileList::Supplements, supplements.as_ref()),
    ] {
        if let Some(names) = names {
            binder.builder.list(list, names);
        }
    }
    let not_considered = not_considered(program, profile, &person_words(program));
    let Binder { problems, mut builder, stale, .. } = binder;
    if !problems.is_empty() {
        return Err(problems);
    }
    builder.person(&person);
    let name = profile.name.as_deref().map(|name| escape_controls(name).into_owned());
    Ok(Facts { name, intakes, stale, not_considered, ..builder.finish() })
}

struct Binder<'a> {
    program: &'a Program,
    at: Locator<'a>,
    today: Date,
    problems: Vec<Diagnostic>,
    builder: FactsBuilder<'a>,
    stale: Vec<StaleLab>,
}

/// `labs.ferritin`, written into a message only when there is one.
struct LabField<'a>(&'a str);

impl std::fmt::Display for LabField<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "labs.{}", self.0)
    }
}

/// `age`, `labs`, ...: a top-level field.
fn top(field: &str) -> FieldPath {
    FieldPath::root().key(field)
}

impl Binder<'_> {
    /// A date field: `YYYY-MM-DD`, not after the report date.
    fn date(&mut self, path: &FieldPath, text: &str) -> Option<Date> {
        let field = path.to_string();
        let Some(date) = dates::parse(text) else {
            self.problems.push(
                Diagnostic::error("E0604", format!("`{field}` is `{text}`, which is not a calendar date"))
                    .maybe_primary(self.at.value(path), "not a date")
                    .help("write the date as YYYY-MM-DD, e.g. `2026-01-31`"),
            );
            return None;
        };
        if date > self.today {
            self.problems.push(
                Diagnostic::error(
                    "E0604",
                    format!("`{field}` is {date}, after the report date {}", self.today),
                )
                .maybe_primary(self.at.value(path), "in the future")
                .help("check the date; to report on another day, give `--today YYYY-MM-DD`"),
            );
            return None;
        }
        Some(date)
    }

    /// Age, sex, pregnancy and breastfeeding, bound to the built-in inputs
    /// the rules use.
    fn person(&mut self, profile: &Profile, conditions: Option<&[String]>) -> Person {
        let mut person = Person { sex: profile.sex, ..Person::default() };
        if let Some(age) = profile.age {
            if !age.is_finite() || !(0.0..=MAX_AGE).contains(&age) {
                self.problems.push(
                    Diagnostic::error(
                        "E0604",
                        format!("`age` is {}, which is not an age", format_number(age)),
                    )
                    .maybe_primary(self.at.value(&top("age")), "not an age")
                    .help(format!("give the age in years, a number from 0 to {MAX_AGE}")),
                );
            } else {
                person.age = Some(age);
            }
        }
        if let Some(text) = &profile.birth_date {
            person.birth_date = self.date(&top("birth_date"), text);
        }
        if let Some(birth) = person.birth_date {
            let worked_out = dates::age_in_years(birth, self.today);
            match (person.age, worked_out) {
                (Some(given), Some(actual)) if (given - actual).abs() >= 1.0 => {
                    self.problems.push(
                        Diagnostic::error(
                            "E0606",
                            format!(
                                "`age` is {given}, but `birth_date` {birth} makes the person {} on {}",
                                actual.floor(),
                                self.today
                            ),
                        )
                        .maybe_primary(self.at.value(&top("age")), "disagrees with the birth date")
                        .maybe_secondary(self.at.value(&top("birth_date")), "the birth date")
                        .help("give one of them, or correct the one that is wrong"),
                    );
                }
                (_, actual) => person.age = actual.or(person.age),
            }
        }
        let said = |words: &[&str]| conditions.is_some_and(|c| c.iter().any(|n| words.contains(&n.as_str())));
        let not_for_males = |field: Option<bool>, words: &[&str]| match (field, said(words)) {
            (Some(value), _) => Some(value),
            (None, true) => Some(true),
            (None, false) if profile.sex == Some(Sex::Male) => Some(false),
            (None, false) => None,
        };
        for (field, value, words) in [
            ("pregnant", profile.pregnant, &PREGNANCY_WORDS[..]),
            ("lactating", profile.lactating, &LACTATION_WORDS[..]),
        ] {
            if value == Some(false) && said(words) {
                self.problems.push(
                    Diagnostic::error(
                        "E0606",
                        format!("`{field}` is false, but `conditions` says otherwise"),
                    )
                    .maybe_primary(self.at.value(&top(field)), "says no")
                    .maybe_secondary(self.at.field(&top("conditions")), "says yes")
                    .help(format!(
                        "remove `{}` from `conditions`, or set `{field}: true`",
                        words.join("`/`")
                    )),
                );
            }
        }
        person.pregnant = not_for_males(profile.pregnant, &PREGNANCY_WORDS);
        person.lactating = not_for_males(profile.lactating, &LACTATION_WORDS);
        person
    }

    /// Every lab, converted to its input's unit, with its range and date.
    fn labs(&mut self, profile: &Profile) {
        // How each lab the rules read was first written: a second spelling
        // of the same lab is an error. (Unknown labs are errors anyway.)
        let mut seen: Vec<Option<&str>> = vec![None; self.program.inputs.len()];
        for (written, lab) in profile.labs.iter().flatten() {
            let name = normalised(written);
            let found = self.program.find_input(&name);
            if let Some(first) =
                found.and_then(|id| seen.get_mut(id.0)).and_then(|slot| slot.replace(written))
            {
                self.problems.push(
                    Diagnostic::error(
                        "E0608",
                        format!("`labs` gives `{name}` twice, as `{first}` and as `{written}`"),
                    )
                    .maybe_primary(self.at.field(&top("labs").key(written)), "second one here")
                    .maybe_secondary(self.at.field(&top("labs").key(first)), "first one here")
                    .help("names are compared in lower case with spaces and hyphens as `_`: keep one"),
                );
                continue;
            }
            let program = self.program;
            let declared = found.and_then(|id| match program.input(id) {
                Some(input @ Input { kind: InputKind::Lab { .. }, .. }) => Some((id, input)),
                _ => None,
            });
            let Some((id, input)) = declared else {
                let known: Vec<&str> = program
                    .inputs
                    .iter()
                    .filter(|i| matches!(i.kind, InputKind::Lab { .. }))
                    .map(|i| i.name.as_str())
                    .collect();
                self.problems.push(
                    Diagnostic::error(
                        "E0602",
                        format!("`labs.{written}`: no rule uses a lab called `{name}`"),
                    )
                    .maybe_primary(self.at.field(&top("labs").key(written)), "unknown lab")
                    .help(did_you_mean(&name, known.iter().copied()).unwrap_or_else(
                        || {
                            format!(
                                "the labs are {}",
                                known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
                            )
                        },
                    )),
                );
                continue;
            };
            self.lab(id, input, written, lab);
        }
    }

    /// One lab value, `written` under that key. Paths and field names are
    /// made only for a problem: most values have none.
    fn lab(&mut self, id: InputId, input: &Input, written: &str, lab: &super::LabValue) {
        let InputKind::Lab { unit: canonical, molar_mass } = input.kind else { return };
        let name = &input.name;
        let field = LabField(written);
        let at = |key: &str| top("labs").key(written).key(key);
        if !lab.value.is_finite() || lab.value < 0.0 {
            self.problems.push(
                Diagnostic::error(
                    "E0604",
                    format!("`{field}.value` is {}, which cannot be a lab result", format_number(lab.value)),
                )
                .maybe_primary(self.at.value(&at("value")), "here")
                .help("give the measured value: a finite number of zero or more"),
            );
            return;
        }
        let accepted = || accepted_units(canonical.dimension, molar_mass);
        let Some(unit) = Unit::parse(&lab.unit) else {
            self.problems.push(
                Diagnostic::error("E0603", format!("`{field}.unit`: unknown unit `{}`", lab.unit))
                    .maybe_primary(self.at.value(&at("unit")), "unknown unit")
                    .help(format!("{name} accepts {}", accepted())),
            );
            return;
        };
        let implausible = |binder: &mut Self| {
            let (message, help) = match input.plausible {
                Plausible::Declared(low, high) => (
                    format!(
                        "the plausible range of {} ({} to {})",
                        input.label,
                        units::format_quantity(low, canonical),
                        units::format_quantity(high, canonical)
                    ),
                    "check the value and its unit; if the result is real, widen the input's `plausible` range in the rules",
                ),
                Plausible::Dimension(..) | Plausible::Any => {
                    let (low, high, bound_unit) = canonical.dimension.plausible();
                    (
                        format!(
                            "what any {} can be ({} to {})",
                            canonical.dimension.describe(),
                            units::format_quantity(low, bound_unit),
                            units::format_quantity(high, bound_unit)
                        ),
                        "check the value and its unit",
                    )
                }
            };
            binder.problems.push(
                Diagnostic::error(
                    "E0611",
                    format!("`{field}` is {}, outside {message}", units::format_quantity(lab.value, unit)),
                )
                .maybe_primary(binder.at.value(&at("value")), "not a plausible result")
                .help(help),
            );
        };
        let slot = match LabSlot::of(self.program, id, unit) {
            Ok(slot) => slot,
            Err(SlotError::UnitDoesNotFit(error)) => {
                let why = match error {
                    ConversionError::NeedsMolarMass => format!(
                        "`{}` is a molar unit and `{name}` declares no molar mass to convert it",
                        unit.symbol
                    ),
                    ConversionError::Incompatible { .. } | ConversionError::OutOfRange => format!(
                        "`{}` is a {}, but `{name}` is a {}",
                        unit.symbol,
                        unit.dimension.describe(),
                        canonical.dimension.describe()
                    ),
                };
                self.problems.push(
                    Diagnostic::error("E0603", format!("`{field}.unit`: {why}"))
                        .maybe_primary(self.at.value(&at("unit")), "unit does not fit")
                        .help(format!("{name} accepts {}", accepted())),
                );
                return;
            }
            // `id` is a lab the program declares: nothing else can go wrong.
            Err(SlotError::UnknownLab | SlotError::UnknownUnit) => return,
        };
        // The value is a measurement (checked above): only plausibility is left.
        let Ok(value) = slot.convert(lab.value) else { return implausible(self) };
        let range = match lab.range {
            None => None,
            Some([low, high]) if low.is_finite() && high.is_finite() && 0.0 <= low && low <= high => {
                // The range is in the value's unit, so it converts like the value.
                match (slot.convert_bound(low), slot.convert_bound(high)) {
                    (Some(low), Some(high)) => Some((low, high)),
                    _ => {
                        self.problems.push(
                            Diagnostic::error(
                                "E0604",
                                format!("`{field}.range` is too large to convert to {}", canonical.symbol),
                            )
                            .maybe_primary(self.at.value(&at("range")), "here")
                            .help("give `range: [low, high]` in the value's unit"),
                        );
                        return;
                    }
                }
            }
            Some([low, high]) => {
                self.problems.push(
                    Diagnostic::error(
                        "E0604",
                        format!(
                            "`{field}.range` is [{}, {}], which is not a reference range",
                            format_number(low),
                            format_number(high)
                        ),
                    )
                    .maybe_primary(self.at.value(&at("range")), "here")
                    .help("give `range: [low, high]` in the value's unit, with 0 <= low <= high"),
                );
                return;
            }
        };
        let date = match &lab.date {
            Some(text) => match self.date(&at("date"), text) {
                Some(date) => Some(date),
                None => return,
            },
            None => None,
        };
        let cutoff = input.valid_for.and_then(|age| dates::before(self.today, age.amount, age.period));
        if let (Some(date), Some(cutoff), Some(valid_for)) = (date, cutoff, input.valid_for) {
            if date < cutoff {
                self.stale.push(StaleLab {
                    input: id,
                    date,
                    valid_for: valid_for.to_string(),
                    given: units::format_quantity(lab.value, unit),
                });
                return;
            }
        }
        self.builder
            .set(id, Value::Quantity { canonical: value, given: lab.value, given_unit: unit, range, date });
    }

    fn intakes(&mut self, entries: &[SupplementEntry]) -> Vec<Intake> {
        let mut intakes = Vec::new();
        for (index, entry) in entries.iter().enumerate() {
            let path = top("supplements").index(index);
            let field = path.to_string();
            let unit = Unit::parse(&entry.unit).filter(|u| u.dimension == Dimension::Mass);
            let Some(unit) = unit else {
                self.problems.push(
                    Diagnostic::error(
                        "E0603",
                        format!("`{field}.unit`: `{}` is not a unit of mass", entry.unit),
                    )
                    .maybe_primary(self.at.value(&path.key("unit")), "not a unit of mass")
                    .help(format!("write the dose in {}", Unit::symbols_of(Dimension::Mass).join(", "))),
                );
                continue;
            };
            let (low, high, bound_unit) = Dimension::Mass.plausible();
            let milligrams = units::convert(entry.dose, unit, Unit::MILLIGRAM, None).ok().filter(|mg| {
                let in_bound_unit =
                    units::convert(*mg, Unit::MILLIGRAM, bound_unit, None).unwrap_or(f64::NAN);
                (low..=high).contains(&in_bound_unit)
            });
            let Some(milligrams) = milligrams.filter(|_| entry.dose.is_finite()) else {
                self.problems.push(
                    Diagnostic::error(
                        "E0611",
                        format!(
                            "`{field}.dose` is {}, which is not a plausible daily dose",
                            units::format_quantity(entry.dose, unit)
                        ),
                    )
                    .maybe_primary(self.at.value(&path.key("dose")), "not a plausible dose")
                    .help(format!(
                        "give the daily dose: from {} to {}",
                        units::format_quantity(low, bound_unit),
                        units::format_quantity(high, bound_unit)
                    )),
                );
                continue;
            };
            intakes.push(Intake {
                name: normalise_name(&entry.name),
                milligrams,
                given: entry.dose,
                given_unit: unit,
                time: entry.time.as_deref().map(|time| escape_controls(time).into_owned()),
            });
        }
        intakes
    }
}

/// The condition words that set the built-in flags the program uses.
fn person_words(program: &Program) -> Vec<&'static str> {
    let used = |builtin: Builtin| program.inputs.iter().any(|i| i.builtin == Some(builtin));
    let mut words = Vec::new();
    if used(Builtin::Pregnant) {
        words.extend(PREGNANCY_WORDS);
    }
    if used(Builtin::Lactating) {
        words.extend(LACTATION_WORDS);
    }
    words
}

/// Every list entry that no rule reads, each with the nearest name the
/// knowledge base does read: in the same list, or failing that in another.
fn not_considered(program: &Program, profile: &Profile, person_words: &[&str]) -> Vec<NotConsidered> {
    let supplements: Option<Vec<String>> =
        profile.supplements.as_ref().map(|entries| entries.iter().map(|e| e.name.clone()).collect());
    let written = [
        (ProfileList::Conditions, profile.conditions.as_deref()),
        (ProfileList::Medications, profile.medications.as_deref()),
        (ProfileList::Supplements, supplements.as_deref()),
        (ProfileList::Diet, profile.diet.as_deref()),
    ];
    not_considered_in(program, &written, person_words)
}

/// Every entry of `written`'s lists that no rule reads; `person_words` are
/// the condition words that set the person's built-in flags.
pub(crate) fn not_considered_in(
    program: &Program,
    written: &[(ProfileList, Option<&[String]>)],
    person_words: &[&str],
) -> Vec<NotConsidered> {
    let empty = BTreeSet::new();
    let considered = |list: ProfileList| program.considered.get(&list).unwrap_or(&empty);
    let mut found = Vec::new();
    let mut seen = BTreeSet::new();
    for &(list, entries) in written {
        for (index, entry) in entries.into_iter().flatten().enumerate() {
            let name = normalise_name(entry);
            let read = considered(list).contains(&name)
                || (list == ProfileList::Conditions && person_words.contains(&name.as_str()));
            if read || !seen.insert((list, name.clone())) {
                continue;
            }
            let same_list = considered(list)
                .iter()
                .map(String::as_str)
                .chain(person_words.iter().copied().filter(|_| list == ProfileList::Conditions));
            let did_you_mean = closest(&name, same_list).map(|near| format!("`{near}`")).or_else(|| {
                ProfileList::ALL.into_iter().filter(|other| *other != list).find_map(|other| {
                    let near = if considered(other).contains(&name) {
                        Some(name.as_str())
                    } else {
                        closest(&name, considered(other).iter().map(String::as_str))
                    };
                    near.map(|near| format!("`{near}` in `{}`", other.name()))
                })
            });
            let name = escape_controls(entry).into_owned();
            found.push(NotConsidered { list: list.name(), name, index, did_you_mean });
        }
    }
    found
}

fn normalise_all(names: &[String]) -> Vec<String> {
    names.iter().map(|n| normalise_name(n)).collect()
}

/// "ng/mL, µg/L, ..." for a help line.
fn accepted_units(dimension: Dimension, molar_mass: Option<f64>) -> String {
    let mut symbols = Unit::symbols_of(dimension);
    let bridged = match dimension {
        Dimension::MassConcentration => Some(Dimension::MolarConcentration),
        Dimension::MolarConcentration => Some(Dimension::MassConcentration),
        _ => None,
    };
    if let (Some(other), Some(_)) = (bridged, molar_mass) {
        symbols.extend(Unit::symbols_of(other));
    }
    symbols.join(", ")
}
