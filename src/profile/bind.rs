//! Binding a parsed profile to one program's inputs, on one report date:
//! names normalised, lab values converted to each input's unit and dated,
//! the person's age worked out, and every list entry no rule reads listed.
//! Every problem is reported, each naming its field.

use std::collections::{BTreeMap, BTreeSet};

use super::{
    Facts, Intake, NotConsidered, Person, Profile, Sex, StaleLab, SupplementEntry, Value, number_of,
};
use crate::check::{Builtin, Input, InputId, InputKind, ProfileList, Program};
use crate::dates::{self, Date};
use crate::diagnostic::Diagnostic;
use crate::span::{FileId, SourceFile, Span};
use crate::suggest::{closest, did_you_mean};
use crate::units::{self, ConversionError, Dimension, Unit};

/// What a profile's `conditions` may say for `pregnant` and `lactating`.
const PREGNANCY_WORDS: [&str; 2] = ["pregnant", "pregnancy"];
const LACTATION_WORDS: [&str; 3] = ["lactating", "lactation", "breastfeeding"];

/// The oldest age a profile may give, in years.
const MAX_AGE: f64 = 150.0;

/// Lower-case, with spaces and hyphens as `_`: "Vitamin B6" → `vitamin_b6`.
pub fn normalise_name(name: &str) -> String {
    name.trim().to_lowercase().chars().map(|c| if c == ' ' || c == '-' { '_' } else { c }).collect()
}

/// Binds a profile to a program's inputs on the report date `today`,
/// reporting every problem.
pub fn bind(
    profile: &Profile,
    program: &Program,
    file: FileId,
    source: &SourceFile,
    today: Date,
) -> Result<Facts, Vec<Diagnostic>> {
    let mut binder = Binder {
        program,
        file,
        source,
        today,
        problems: Vec::new(),
        values: vec![None; program.inputs.len()],
        stale: Vec::new(),
    };
    let conditions = profile.conditions.as_ref().map(|l| normalise_all(l));
    let person = binder.person(profile, conditions.as_deref());
    binder.labs(profile);
    let intakes = profile.supplements.as_ref().map(|entries| binder.intakes(entries));
    let lists: BTreeMap<ProfileList, Option<Vec<String>>> = [
        (ProfileList::Conditions, conditions),
        (ProfileList::Medications, profile.medications.as_ref().map(|l| normalise_all(l))),
        (ProfileList::Diet, profile.diet.as_ref().map(|l| normalise_all(l))),
        (ProfileList::Supplements, intakes.as_ref().map(|i| i.iter().map(|s| s.name.clone()).collect())),
    ]
    .into_iter()
    .collect();
    binder.lists_and_flags(&lists);
    let not_considered = not_considered(program, profile, &person_words(program));
    let Binder { problems, values, stale, .. } = binder;
    if !problems.is_empty() {
        return Err(problems);
    }
    let numbers = values.iter().map(Option::as_ref).map(number_of).collect();
    Ok(Facts { name: profile.name.clone(), today, person, values, numbers, intakes, stale, not_considered })
}

struct Binder<'a> {
    program: &'a Program,
    file: FileId,
    source: &'a SourceFile,
    today: Date,
    problems: Vec<Diagnostic>,
    values: Vec<Option<Value>>,
    stale: Vec<StaleLab>,
}

impl Binder<'_> {
    fn at_key(&self, key: &str) -> Option<Span> {
        locate_key(self.file, self.source, key)
    }

    fn set(&mut self, input: InputId, value: Value) {
        if let Some(slot) = self.values.get_mut(input.0) {
            *slot = Some(value);
        }
    }

    fn builtin(&self, builtin: Builtin) -> Option<InputId> {
        self.program
            .find_input(builtin.name())
            .filter(|id| self.program.input(*id).is_some_and(|input| input.builtin == Some(builtin)))
    }

    /// A date field: `YYYY-MM-DD`, not after the report date.
    fn date(&mut self, field: &str, key: &str, text: &str) -> Option<Date> {
        let Some(date) = dates::parse(text) else {
            self.problems.push(
                Diagnostic::error("E0604", format!("`{field}` is `{text}`, which is not a calendar date"))
                    .maybe_primary(self.at_key(key), "not a date")
                    .help("write the date as YYYY-MM-DD, e.g. `2026-10-01`"),
            );
            return None;
        };
        if date > self.today {
            self.problems.push(
                Diagnostic::error(
                    "E0604",
                    format!("`{field}` is {date}, after the report date {}", self.today),
                )
                .maybe_primary(self.at_key(key), "in the future")
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
                    Diagnostic::error("E0604", format!("`age` is {age}, which is not an age"))
                        .maybe_primary(self.at_key("age"), "not an age")
                        .help(format!("give the age in years, a number from 0 to {MAX_AGE}")),
                );
            } else {
                person.age = Some(age);
            }
        }
        if let Some(text) = &profile.birth_date {
            person.birth_date = self.date("birth_date", "birth_date", text);
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
                        .maybe_primary(self.at_key("age"), "disagrees with the birth date")
                        .maybe_secondary(self.at_key("birth_date"), "the birth date")
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
                    .maybe_primary(self.at_key(field), "says no")
                    .maybe_secondary(self.at_key("conditions"), "says yes")
                    .help(format!(
                        "remove `{}` from `conditions`, or set `{field}: true`",
                        words.join("`/`")
                    )),
                );
            }
        }
        person.pregnant = not_for_males(profile.pregnant, &PREGNANCY_WORDS);
        person.lactating = not_for_males(profile.lactating, &LACTATION_WORDS);

        if let (Some(id), Some(age)) = (self.builtin(Builtin::Age), person.age) {
            let value = Value::Quantity {
                canonical: age,
                given: age,
                given_unit: Unit::YEAR,
                range: None,
                date: None,
            };
            self.set(id, value);
        }
        if let (Some(id), Some(sex)) = (self.builtin(Builtin::Sex), person.sex) {
            self.set(id, Value::Choice(sex.word()));
        }
        for (builtin, value) in [(Builtin::Pregnant, person.pregnant), (Builtin::Lactating, person.lactating)]
        {
            if let (Some(id), Some(value)) = (self.builtin(builtin), value) {
                self.set(id, Value::Flag(value));
            }
        }
        person
    }

    /// Every lab, converted to its input's unit, with its range and date.
    fn labs(&mut self, profile: &Profile) {
        let mut seen: BTreeMap<String, &str> = BTreeMap::new();
        for (written, lab) in profile.labs.iter().flatten() {
            let name = normalise_name(written);
            if let Some(first) = seen.insert(name.clone(), written) {
                self.problems.push(
                    Diagnostic::error(
                        "E0608",
                        format!("`labs` gives `{name}` twice, as `{first}` and as `{written}`"),
                    )
                    .maybe_primary(self.at_key(written), "second one here")
                    .maybe_secondary(self.at_key(first), "first one here")
                    .help("names are compared in lower case with spaces and hyphens as `_`: keep one"),
                );
                continue;
            }
            let field = format!("labs.{written}");
            let program = self.program;
            let declared = program.find_input(&name).and_then(|id| match program.input(id) {
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
                    Diagnostic::error("E0602", format!("`{field}`: no rule uses a lab called `{name}`"))
                        .maybe_primary(self.at_key(written), "unknown lab")
                        .help(did_you_mean(&name, known.iter().copied()).unwrap_or_else(|| {
                            format!(
                                "the labs are {}",
                                known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
                            )
                        })),
                );
                continue;
            };
            self.lab(id, input, written, &field, lab);
        }
    }

    fn lab(&mut self, id: InputId, input: &Input, key: &str, field: &str, lab: &super::LabValue) {
        let InputKind::Lab { unit: canonical, molar_mass } = input.kind else { return };
        let name = &input.name;
        if !lab.value.is_finite() || lab.value < 0.0 {
            self.problems.push(
                Diagnostic::error(
                    "E0604",
                    format!("`{field}.value` is {}, which cannot be a lab result", lab.value),
                )
                .maybe_primary(self.at_key(key), "here")
                .help("give the measured value: a finite number of zero or more"),
            );
            return;
        }
        let accepted = || accepted_units(canonical.dimension, molar_mass);
        let Some(unit) = Unit::parse(&lab.unit) else {
            self.problems.push(
                Diagnostic::error("E0603", format!("`{field}.unit`: unknown unit `{}`", lab.unit))
                    .maybe_primary(self.at_key(key), "here")
                    .help(format!("{name} accepts {}", accepted())),
            );
            return;
        };
        let value = match units::convert(lab.value, unit, canonical, molar_mass) {
            Ok(value) => value,
            Err(error) => {
                let why = match error {
                    ConversionError::NeedsMolarMass => format!(
                        "`{}` is a molar unit and `{name}` declares no molar mass to convert it",
                        unit.symbol
                    ),
                    ConversionError::Incompatible { .. } => format!(
                        "`{}` is a {}, but `{name}` is a {}",
                        unit.symbol,
                        unit.dimension.describe(),
                        canonical.dimension.describe()
                    ),
                };
                self.problems.push(
                    Diagnostic::error("E0603", format!("`{field}.unit`: {why}"))
                        .maybe_primary(self.at_key(key), "unit does not fit")
                        .help(format!("{name} accepts {}", accepted())),
                );
                return;
            }
        };
        let range = match lab.range {
            None => None,
            Some([low, high]) if low.is_finite() && high.is_finite() && 0.0 <= low && low <= high => {
                // The range is in the value's unit, so it converts like the value.
                let low = units::convert(low, unit, canonical, molar_mass).unwrap_or(low);
                let high = units::convert(high, unit, canonical, molar_mass).unwrap_or(high);
                Some((low, high))
            }
            Some([low, high]) => {
                self.problems.push(
                    Diagnostic::error(
                        "E0604",
                        format!("`{field}.range` is [{low}, {high}], which is not a reference range"),
                    )
                    .maybe_primary(self.at_key(key), "here")
                    .help("give `range: [low, high]` in the value's unit, with 0 <= low <= high"),
                );
                return;
            }
        };
        let date = match &lab.date {
            Some(text) => match self.date(&format!("{field}.date"), key, text) {
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
        self.set(id, Value::Quantity { canonical: value, given: lab.value, given_unit: unit, range, date });
    }

    fn intakes(&mut self, entries: &[SupplementEntry]) -> Vec<Intake> {
        let mut intakes = Vec::new();
        for (index, entry) in entries.iter().enumerate() {
            let field = format!("supplements[{index}]");
            let unit = Unit::parse(&entry.unit).filter(|u| u.dimension == Dimension::Mass);
            match unit {
                _ if !entry.dose.is_finite() || entry.dose < 0.0 => self.problems.push(
                    Diagnostic::error(
                        "E0604",
                        format!("`{field}.dose` is {}, which is not a dose", entry.dose),
                    )
                    .maybe_primary(locate_text(self.file, self.source, &entry.name), "in this supplement")
                    .help("give the daily dose: a finite number of zero or more"),
                ),
                None => self.problems.push(
                    Diagnostic::error(
                        "E0603",
                        format!("`{field}.unit`: `{}` is not a unit of mass", entry.unit),
                    )
                    .maybe_primary(locate_text(self.file, self.source, &entry.unit), "not a unit of mass")
                    .help(format!("write the dose in {}", Unit::symbols_of(Dimension::Mass).join(", "))),
                ),
                Some(unit) => {
                    let milligrams =
                        units::convert(entry.dose, unit, Unit::MILLIGRAM, None).unwrap_or(entry.dose);
                    intakes.push(Intake {
                        name: normalise_name(&entry.name),
                        milligrams,
                        given: entry.dose,
                        given_unit: unit,
                        time: entry.time.clone(),
                    });
                }
            }
        }
        intakes
    }

    /// The profile's lists, and the flags its `conditions` set.
    fn lists_and_flags(&mut self, lists: &BTreeMap<ProfileList, Option<Vec<String>>>) {
        let conditions = lists.get(&ProfileList::Conditions).cloned().flatten();
        for (index, input) in self.program.inputs.iter().enumerate() {
            let value = match (input.kind, input.builtin) {
                (InputKind::List(list), _) => lists.get(&list).cloned().flatten().map(Value::List),
                (InputKind::Flag, None) => conditions.as_ref().map(|listed| {
                    Value::Flag(listed.iter().any(|c| *c == input.name || input.aliases.contains(c)))
                }),
                _ => continue,
            };
            if let (Some(slot), Some(value)) = (self.values.get_mut(index), value) {
                *slot = Some(value);
            }
        }
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
    let empty = BTreeSet::new();
    let considered = |list: ProfileList| program.considered.get(&list).unwrap_or(&empty);
    let supplements: Option<Vec<String>> =
        profile.supplements.as_ref().map(|entries| entries.iter().map(|e| e.name.clone()).collect());
    let written = [
        (ProfileList::Conditions, profile.conditions.as_ref()),
        (ProfileList::Medications, profile.medications.as_ref()),
        (ProfileList::Supplements, supplements.as_ref()),
        (ProfileList::Diet, profile.diet.as_ref()),
    ];
    let mut found = Vec::new();
    let mut seen = BTreeSet::new();
    for (list, entries) in written {
        for entry in entries.into_iter().flatten() {
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
            found.push(NotConsidered { list: list.name(), name: entry.clone(), did_you_mean });
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

/// The first place `text` is written, for labelling a value.
fn locate_text(file: FileId, source: &SourceFile, text: &str) -> Option<Span> {
    let start = source.text.find(text).filter(|_| !text.is_empty())?;
    Some(Span::new(file, start..start + text.len()))
}

/// The first place `key:` (or `"key":`) is written, for labelling a field.
fn locate_key(file: FileId, source: &SourceFile, key: &str) -> Option<Span> {
    let text = &source.text;
    let mut from = 0;
    while let Some(found) = text.get(from..).and_then(|rest| rest.find(key)) {
        let start = from + found;
        let end = start + key.len();
        let before = text.get(..start).and_then(|b| b.chars().next_back());
        let after = text.get(end..).unwrap_or("").trim_start_matches(['"', '\'']).trim_start();
        let boundary = before.is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        if boundary && after.starts_with(':') {
            return Some(Span::new(file, start..end));
        }
        from = end;
    }
    None
}
