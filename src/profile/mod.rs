//! A person's profile in, [`Facts`] for one checked program out.
//!
//! Profiles are YAML or JSON (chosen by file extension). Binding checks every
//! lab against the program's inputs and converts its value to the input's
//! canonical unit, so evaluation compares plain numbers. A field that is
//! absent stays unknown; it is never read as false or zero.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::check::{InputId, InputKind, ProfileList, Program};
use crate::diagnostic::Diagnostic;
use crate::span::{FileId, SourceFile, Span};
use crate::suggest::did_you_mean;
use crate::units::{self, ConversionError, Dimension, Unit};

/// A profile as written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labs: Option<BTreeMap<String, LabValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medications: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplements: Option<Vec<SupplementEntry>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diet: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    Female,
    Male,
    Other,
}

/// `{ value: 32, unit: ng/mL, date: 2026-10-01 }`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabValue {
    pub value: f64,
    pub unit: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The lab's reference range, `[low, high]` in the value's unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<[f64; 2]>,
}

/// `{ name: vitamin_b6, dose: 50, unit: mg, time: morning }`: one daily dose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupplementEntry {
    pub name: String,
    pub dose: f64,
    pub unit: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
}

/// The serialisation a profile is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
}

impl Format {
    /// By extension: `.yaml`/`.yml` or `.json`. Standard input is read as
    /// YAML, of which JSON is a subset.
    pub fn from_path(path: &str) -> Option<Format> {
        if path == "-" {
            return Some(Format::Yaml);
        }
        let extension = std::path::Path::new(path).extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "yaml" | "yml" => Some(Format::Yaml),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

/// Parses profile text, pointing any error at its line and column.
pub fn parse(file: FileId, source: &SourceFile, format: Format) -> Result<Profile, Diagnostic> {
    let result = match format {
        Format::Yaml => serde_yaml::from_str::<Profile>(&source.text).map_err(|e| {
            let location = e.location().map(|l| l.index());
            (strip_location(&e.to_string()), location)
        }),
        Format::Json => serde_json::from_str::<Profile>(&source.text).map_err(|e| {
            let location = (e.line() > 0).then(|| source.offset_of(e.line(), e.column()));
            let message = strip_location(&e.to_string());
            // serde's syntax messages ("expected ident") need saying what broke.
            let message = match e.classify() {
                serde_json::error::Category::Syntax => format!("not valid JSON ({message})"),
                serde_json::error::Category::Eof => format!("the JSON ends too early ({message})"),
                _ => message,
            };
            (message, location)
        }),
    };
    result.map_err(|(message, location)| {
        let help = if message.contains("unknown field") {
            "a profile has `name`, `age`, `sex`, `labs`, `conditions`, `medications`, `supplements` and `diet`; a lab has `value`, `unit` and `date`; a supplement has `name`, `dose`, `unit` and `time`"
        } else if message.contains("missing field `unit`") {
            "every lab value and supplement dose needs its unit, e.g. `unit: ng/mL`"
        } else if message.contains("missing field") {
            "add the missing field"
        } else {
            "check the profile's syntax here"
        };
        let diagnostic = Diagnostic::error("E0601", format!("invalid profile: {message}")).help(help);
        match location {
            Some(at) => diagnostic.primary(span_from(file, source, at), "here"),
            None => diagnostic,
        }
    })
}

/// serde appends " at line L column C"; the label shows that already.
fn strip_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(cut) => message.get(..cut).unwrap_or(message).to_string(),
        None => message.to_string(),
    }
}

fn span_from(file: FileId, source: &SourceFile, at: usize) -> Span {
    let at = at.min(source.text.len());
    let rest = source.text.get(at..).unwrap_or("");
    let len = rest.find(['\n', ',', '}']).filter(|&n| n > 0).unwrap_or(rest.len().min(1));
    Span::new(file, at..at + len)
}

/// A profile value bound to one input.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A lab value: `canonical` is in the input's unit; `given` is as written.
    Quantity {
        canonical: f64,
        given: f64,
        given_unit: Unit,
        /// The reference range in the canonical unit, when the profile gives one.
        range: Option<(f64, f64)>,
        date: Option<String>,
    },
    Flag(bool),
    /// Normalised names.
    List(Vec<String>),
}

/// One supplement dose, converted to milligrams.
#[derive(Debug, Clone, PartialEq)]
pub struct Intake {
    pub name: String,
    pub milligrams: f64,
    pub given: f64,
    pub given_unit: Unit,
    pub time: Option<String>,
}

/// A profile's values, indexed by the program's inputs; `None` is unknown.
#[derive(Debug, Clone)]
pub struct Facts {
    pub name: Option<String>,
    values: Vec<Option<Value>>,
    /// Each input's value in its canonical unit for a lab, NaN when it is
    /// missing or not a lab: what compiled comparisons read.
    numbers: Vec<f64>,
    /// The profile's supplements with their doses, when it lists them.
    pub intakes: Option<Vec<Intake>>,
}

impl Facts {
    pub fn value(&self, input: InputId) -> Option<&Value> {
        self.values.get(input.0).and_then(Option::as_ref)
    }

    /// Every input's lab value in its canonical unit, NaN where missing.
    pub fn numbers(&self) -> &[f64] {
        &self.numbers
    }
}

/// Lower-case, with spaces and hyphens as `_`: "Vitamin B6" → `vitamin_b6`.
pub fn normalise_name(name: &str) -> String {
    name.trim().to_lowercase().chars().map(|c| if c == ' ' || c == '-' { '_' } else { c }).collect()
}

/// Binds a profile to a program's inputs, reporting every problem.
pub fn bind(
    profile: &Profile,
    program: &Program,
    file: FileId,
    source: &SourceFile,
) -> Result<Facts, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    let at_key = |key: &str| locate_key(file, source, key);
    let mut values: Vec<Option<Value>> = vec![None; program.inputs.len()];

    if let Some(age) = profile.age {
        if !age.is_finite() || age < 0.0 {
            problems.push(
                Diagnostic::error("E0604", format!("`age` is {age}, which is not an age"))
                    .maybe_primary(at_key("age"), "not an age")
                    .help("give the age in years, a number of zero or more"),
            );
        }
    }

    let labs = profile.labs.as_ref();
    for (name, lab) in labs.into_iter().flatten() {
        // Messages are only built for the labs that have a problem.
        let field = || format!("labs.{name}");
        let input = program.find_input(name);
        let lab_input = input.and_then(|id| match program.input(id).map(|i| i.kind) {
            Some(InputKind::Lab { unit, molar_mass }) => Some((id, unit, molar_mass)),
            _ => None,
        });
        let Some((id, canonical, molar_mass)) = lab_input else {
            let lab_names = program
                .inputs
                .iter()
                .filter(|i| matches!(i.kind, InputKind::Lab { .. }))
                .map(|i| i.name.as_str());
            let known: Vec<&str> = lab_names.collect();
            problems.push(
                Diagnostic::error("E0602", format!("`{}`: no rule uses a lab called `{name}`", field()))
                    .maybe_primary(at_key(name), "unknown lab")
                    .help(did_you_mean(name, known.iter().copied()).unwrap_or_else(|| {
                        format!(
                            "the labs are {}",
                            known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
                        )
                    })),
            );
            continue;
        };
        if !lab.value.is_finite() || lab.value < 0.0 {
            problems.push(
                Diagnostic::error(
                    "E0604",
                    format!("`{}.value` is {}, which cannot be a lab result", field(), lab.value),
                )
                .maybe_primary(at_key(name), "here")
                .help("give the measured value: a finite number of zero or more"),
            );
            continue;
        }
        let accepted = || accepted_units(canonical.dimension, molar_mass);
        let Some(unit) = Unit::parse(&lab.unit) else {
            problems.push(
                Diagnostic::error("E0603", format!("`{}.unit`: unknown unit `{}`", field(), lab.unit))
                    .maybe_primary(at_key(name), "here")
                    .help(format!("{name} accepts {}", accepted())),
            );
            continue;
        };
        match units::convert(lab.value, unit, canonical, molar_mass) {
            Ok(value) => {
                let range = match lab.range {
                    None => None,
                    Some([low, high]) if low.is_finite() && high.is_finite() && 0.0 <= low && low <= high => {
                        // The range is in the value's unit, so it converts like the value.
                        let low = units::convert(low, unit, canonical, molar_mass).unwrap_or(low);
                        let high = units::convert(high, unit, canonical, molar_mass).unwrap_or(high);
                        Some((low, high))
                    }
                    Some([low, high]) => {
                        problems.push(
                            Diagnostic::error(
                                "E0604",
                                format!(
                                    "`{}.range` is [{low}, {high}], which is not a reference range",
                                    field()
                                ),
                            )
                            .maybe_primary(at_key(name), "here")
                            .help("give `range: [low, high]` in the value's unit, with 0 <= low <= high"),
                        );
                        continue;
                    }
                };
                if let Some(slot) = values.get_mut(id.0) {
                    *slot = Some(Value::Quantity {
                        canonical: value,
                        given: lab.value,
                        given_unit: unit,
                        range,
                        date: lab.date.clone(),
                    });
                }
            }
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
                problems.push(
                    Diagnostic::error("E0603", format!("`{}.unit`: {why}", field()))
                        .maybe_primary(at_key(name), "unit does not fit")
                        .help(format!("{name} accepts {}", accepted())),
                );
            }
        }
    }

    let intakes = profile.supplements.as_ref().map(|entries| {
        let mut intakes = Vec::new();
        for (index, entry) in entries.iter().enumerate() {
            let field = format!("supplements[{index}]");
            let unit = Unit::parse(&entry.unit).filter(|u| u.dimension == Dimension::Mass);
            match unit {
                _ if !entry.dose.is_finite() || entry.dose < 0.0 => problems.push(
                    Diagnostic::error(
                        "E0604",
                        format!("`{field}.dose` is {}, which is not a dose", entry.dose),
                    )
                    .maybe_primary(locate_text(file, source, &entry.name), "in this supplement")
                    .help("give the daily dose: a finite number of zero or more"),
                ),
                None => problems.push(
                    Diagnostic::error(
                        "E0603",
                        format!("`{field}.unit`: `{}` is not a unit of mass", entry.unit),
                    )
                    .maybe_primary(locate_text(file, source, &entry.unit), "not a unit of mass")
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
    });

    let lists: BTreeMap<ProfileList, Option<Vec<String>>> = [
        (ProfileList::Conditions, profile.conditions.as_ref().map(|l| normalise_all(l))),
        (ProfileList::Medications, profile.medications.as_ref().map(|l| normalise_all(l))),
        (ProfileList::Diet, profile.diet.as_ref().map(|l| normalise_all(l))),
        (ProfileList::Supplements, intakes.as_ref().map(|i| i.iter().map(|s| s.name.clone()).collect())),
    ]
    .into_iter()
    .collect();
    for (index, input) in program.inputs.iter().enumerate() {
        let value = match input.kind {
            InputKind::Lab { .. } => continue,
            InputKind::List(list) => lists.get(&list).cloned().flatten().map(Value::List),
            InputKind::Flag => lists
                .get(&ProfileList::Conditions)
                .cloned()
                .flatten()
                .map(|conditions| Value::Flag(conditions.contains(&input.name))),
        };
        if let Some(slot) = values.get_mut(index) {
            *slot = value;
        }
    }

    if problems.is_empty() {
        let numbers = values
            .iter()
            .map(|value| match value {
                Some(Value::Quantity { canonical, .. }) => *canonical,
                _ => f64::NAN,
            })
            .collect();
        Ok(Facts { name: profile.name.clone(), values, numbers, intakes })
    } else {
        Err(problems)
    }
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
