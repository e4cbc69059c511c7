//! A person's profile in, [`Facts`] for one checked program out.
//!
//! Profiles are YAML or JSON (chosen by file extension). Binding ([`bind`])
//! checks every lab against the program's inputs and converts its value to
//! the input's canonical unit, so evaluation compares plain numbers; works
//! out the person's age on the report date; and lists every entry of the
//! profile's lists that no rule reads. A field that is absent stays unknown;
//! it is never read as false or zero.

mod bind;
mod builder;
mod read;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::check::InputId;
use crate::dates::Date;
use crate::diagnostic::Diagnostic;
use crate::document::FieldPath;
use crate::units::Unit;

pub use crate::document::{Locator, Written};
pub(crate) use bind::{MAX_AGE, not_considered_in};
pub use bind::{bind, normalise_name};
pub(crate) use builder::list_value;
pub use builder::{FactsBuilder, FlagSlot, LabSlot, SlotError, ValueError};
pub use read::parse;

/// A profile as written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Profile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Age in years; with `birth_date` too, the two must agree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age: Option<f64>,
    /// `YYYY-MM-DD`: the age is worked out on the report date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pregnant: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "breastfeeding")]
    pub lactating: Option<bool>,
    /// A lab named twice is an error, not the last value silently kept.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "unique_keys")]
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

crate::document::mapping_only!(Profile, "a profile", and Serialize);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    Female,
    Male,
    Other,
}

impl Sex {
    /// As rules write it: `sex is female`.
    pub fn word(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
            Sex::Other => "other",
        }
    }
}

/// `{ value: 32, unit: ng/mL, date: 2026-10-01 }`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct LabValue {
    pub value: f64,
    pub unit: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The lab's reference range, `[low, high]` in the value's unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<[f64; 2]>,
}

crate::document::mapping_only!(LabValue, "a lab value", and Serialize);

/// `{ name: vitamin_b6, dose: 50, unit: mg, time: morning }`: one daily dose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct SupplementEntry {
    pub name: String,
    pub dose: f64,
    pub unit: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
}

crate::document::mapping_only!(SupplementEntry, "a supplement entry", and Serialize);

/// The serialisation a profile is written in.
pub use crate::document::Format;

/// Every field a profile and its entries can have.
pub const FIELDS_HELP: &str = "a profile has `name`, `age`, `birth_date`, `sex`, `pregnant`, `lactating`, `labs`, \
`conditions`, `medications`, `supplements` and `diet`; a lab has `value`, `unit`, `date` and `range`; a supplement \
has `name`, `dose`, `unit` and `time`";

/// A profile value bound to one input.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A lab value (or the person's age): `canonical` is in the input's
    /// unit; `given` is as written.
    Quantity {
        canonical: f64,
        given: f64,
        given_unit: Unit,
        /// The reference range in the canonical unit, when the profile gives one.
        range: Option<(f64, f64)>,
        date: Option<Date>,
    },
    Flag(bool),
    /// The person's sex, as rules write it.
    Choice(&'static str),
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

/// Who the person is, as the profile says: the report states it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Person {
    /// In years on the report date.
    pub age: Option<f64>,
    pub birth_date: Option<Date>,
    pub sex: Option<Sex>,
    pub pregnant: Option<bool>,
    pub lactating: Option<bool>,
}

/// A lab result too old to use: it counts as missing.
#[derive(Debug, Clone, PartialEq)]
pub struct StaleLab {
    pub input: InputId,
    pub date: Date,
    /// How old a result may be, e.g. `12 months`.
    pub valid_for: String,
    /// The value as given, e.g. `32 ng/mL`.
    pub given: String,
}

/// An entry of one of the profile's lists that no rule reads.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct NotConsidered {
    /// `conditions`, `medications`, `supplements` or `diet`.
    pub list: &'static str,
    /// As written in the profile.
    pub name: String,
    /// Its place in the list, for pointing at it.
    #[serde(skip)]
    pub index: usize,
    /// A name the knowledge base reads that is close to it, and its list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub did_you_mean: Option<String>,
}

impl NotConsidered {
    /// `` `hemochromatosys` (conditions): did you mean `hemochromatosis`? ``
    pub fn describe(&self) -> String {
        let hint = self.did_you_mean.as_ref().map(|d| format!(": did you mean {d}?")).unwrap_or_default();
        format!("`{}` ({}){hint}", self.name, self.list)
    }
}

/// A profile's values, indexed by the program's inputs; `None` is unknown.
#[derive(Debug, Clone)]
pub struct Facts {
    pub name: Option<String>,
    /// The date ages and lab ages are measured to.
    pub today: Date,
    pub person: Person,
    values: Vec<Option<Value>>,
    /// Each input's value in its canonical unit for a lab or the age, NaN
    /// when it is missing or not a quantity: what compiled comparisons read.
    numbers: Vec<f64>,
    /// The profile's supplements with their doses, when it lists them.
    pub intakes: Option<Vec<Intake>>,
    /// Lab results older than their input's `valid_for`.
    pub stale: Vec<StaleLab>,
    /// List entries no rule reads, in list order then as written.
    pub not_considered: Vec<NotConsidered>,
}

impl Facts {
    pub fn value(&self, input: InputId) -> Option<&Value> {
        self.values.get(input.0).and_then(Option::as_ref)
    }

    /// Every input's quantity in its canonical unit, NaN where missing.
    pub fn numbers(&self) -> &[f64] {
        &self.numbers
    }

    /// These facts with one input's value replaced, for asking what a
    /// different profile would get.
    pub fn with_value(&self, input: InputId, value: Option<Value>) -> Facts {
        let mut changed = self.clone();
        if let Some(number) = changed.numbers.get_mut(input.0) {
            *number = number_of(value.as_ref());
        }
        if let Some(slot) = changed.values.get_mut(input.0) {
            *slot = value;
        }
        changed
    }

    /// These facts with other supplements, for the same reason.
    pub fn with_intakes(&self, intakes: Option<Vec<Intake>>) -> Facts {
        Facts { intakes, ..self.clone() }
    }
}

/// With `--strict`: one error per list entry no rule reads, at the entry.
pub fn refuse_not_considered(facts: &Facts, written: Written<'_>) -> Result<(), Vec<Diagnostic>> {
    if facts.not_considered.is_empty() {
        return Ok(());
    }
    let locator = Locator::new(written);
    Err(facts
        .not_considered
        .iter()
        .map(|entry| {
            let mut path = FieldPath::root().key(entry.list).index(entry.index);
            if entry.list == "supplements" {
                path = path.key("name");
            }
            let at = locator.value(&path);
            let help = match &entry.did_you_mean {
                Some(near) => format!("did you mean {near}?"),
                None => String::from(
                    "remove it, or add a rule that reads it; without `--strict` the report lists it",
                ),
            };
            Diagnostic::error("E0607", format!("no rule reads `{}` in `{}`", entry.name, entry.list))
                .maybe_primary(at, "not considered")
                .help(help)
        })
        .collect())
}

/// A mapping whose keys must all differ: serde would keep the last value.
fn unique_keys<'de, D, V>(deserializer: D) -> Result<Option<BTreeMap<String, V>>, D::Error>
where
    D: serde::Deserializer<'de>,
    V: Deserialize<'de>,
{
    struct Unique<V>(BTreeMap<String, V>);

    impl<'de, V: Deserialize<'de>> Deserialize<'de> for Unique<V> {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct Keys<V>(std::marker::PhantomData<V>);
            impl<'de, V: Deserialize<'de>> serde::de::Visitor<'de> for Keys<V> {
                type Value = BTreeMap<String, V>;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("a mapping from names to values")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    mut map: A,
                ) -> Result<Self::Value, A::Error> {
                    let mut entries = BTreeMap::new();
                    while let Some(key) = map.next_key::<String>()? {
                        if entries.contains_key(&key) {
                            return Err(serde::de::Error::custom(format!("duplicate entry `{key}`")));
                        }
                        let value = map.next_value()?;
                        entries.insert(key, value);
                    }
                    Ok(entries)
                }
            }
            deserializer.deserialize_map(Keys(std::marker::PhantomData)).map(Unique)
        }
    }

    Option::<Unique<V>>::deserialize(deserializer).map(|unique| unique.map(|u| u.0))
}

/// What a compiled comparison reads for a value.
fn number_of(value: Option<&Value>) -> f64 {
    match value {
        Some(Value::Quantity { canonical, .. }) => *canonical,
        _ => f64::NAN,
    }
}
