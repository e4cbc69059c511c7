//! Facts built from values a program already holds, without profile text:
//! the fast path for embedding Warrant (`batch`, the Python and HTTP front
//! ends). A lab and the unit its values come in are resolved once, into a
//! [`LabSlot`]; each profile then sets values by slot, converted and
//! checked with no lookup, parsing or allocation per value, and
//! [`FactsBuilder::finish`] hands over the [`Facts`] and starts the next
//! profile in the same buffers.
//!
//! `bind`, the YAML and JSON path, sets its lab values through the same
//! slots, so both paths convert and check values alike.
//!
//! ```text
//! let ferritin = LabSlot::resolve(program, "ferritin", "ng/mL")?;   // once
//! let mut builder = FactsBuilder::new(program, today);
//! for row in rows {
//!     builder.lab(ferritin, row.ferritin)?;
//!     builder.flag(FlagSlot::resolve(program, "rls")?, true);
//!     let facts = builder.finish();
//!     evaluator.run(&facts);
//! }
//! ```

use super::{Facts, Person, Value, number_of};
use crate::check::{Builtin, Input, InputId, InputKind, Plausible, ProfileList, Program};
use crate::dates::Date;
use crate::units::{self, ConversionError, Unit};

/// A lab input, resolved for values in one unit: what converting and
/// checking a value needs, worked out once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LabSlot {
    pub input: InputId,
    /// The unit values are given in.
    pub unit: Unit,
    /// The input's own unit, which rules compare in.
    pub canonical: Unit,
    molar_mass: Option<f64>,
    plausible: Plausible,
}

/// Why a lab and unit have no slot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SlotError {
    /// No rule reads a lab of this name.
    UnknownLab,
    /// Not a unit Warrant knows.
    UnknownUnit,
    /// A unit of another dimension, or a molar unit for an input without a
    /// molar mass.
    UnitDoesNotFit(ConversionError),
}

/// Why a value was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueError {
    /// Not a finite number of zero or more.
    NotAMeasurement,
    /// Outside the input's plausible range, or too large to convert.
    Implausible,
}

impl LabSlot {
    /// The slot of the lab `name` (compared as profiles' lab names are) for
    /// values in `unit`.
    pub fn resolve(program: &Program, name: &str, unit: &str) -> Result<LabSlot, SlotError> {
        let id = program.find_input(&super::normalise_name(name)).ok_or(SlotError::UnknownLab)?;
        let unit = Unit::parse(unit).ok_or(SlotError::UnknownUnit)?;
        LabSlot::of(program, id, unit)
    }

    /// The slot of input `id` for values in `unit`.
    pub fn of(program: &Program, id: InputId, unit: Unit) -> Result<LabSlot, SlotError> {
        let input = program.input(id).ok_or(SlotError::UnknownLab)?;
        let InputKind::Lab { unit: canonical, molar_mass } = input.kind else {
            return Err(SlotError::UnknownLab);
        };
        units::convertible(unit, canonical, molar_mass).map_err(SlotError::UnitDoesNotFit)?;
        Ok(LabSlot { input: id, unit, canonical, molar_mass, plausible: input.plausible })
    }

    /// A measurement in the slot's unit, in the input's unit: refused when
    /// it is not a measurement, or outside the plausible range.
    pub fn convert(&self, value: f64) -> Result<f64, ValueError> {
        if !value.is_finite() || value < 0.0 {
            return Err(ValueError::NotAMeasurement);
        }
        let converted = units::convert(value, self.unit, self.canonical, self.molar_mass)
            .map_err(|_| ValueError::Implausible)?;
        let (low, high) = self.plausible.range();
        if (low..=high).contains(&converted) { Ok(converted) } else { Err(ValueError::Implausible) }
    }

    /// A bound given in the slot's unit (a reference range's end), in the
    /// input's unit.
    pub fn convert_bound(&self, value: f64) -> Option<f64> {
        units::convert(value, self.unit, self.canonical, self.molar_mass).ok()
    }

    /// The molar mass that bridges mass and molar units, if the input has one.
    pub fn molar_mass(&self) -> Option<f64> {
        self.molar_mass
    }
}

/// A flag input (a condition such as `hemochromatosis`), resolved once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlagSlot(InputId);

impl FlagSlot {
    /// The flag `name` (compared as profiles' names are), or the flag it is
    /// an alias of; `None` when no rule reads it.
    pub fn resolve(program: &Program, name: &str) -> Option<FlagSlot> {
        let name = super::normalise_name(name);
        program
            .inputs
            .iter()
            .position(|input| {
                input.kind == InputKind::Flag
                    && input.builtin.is_none()
                    && (input.name == name || input.aliases.contains(&name))
            })
            .map(|index| FlagSlot(InputId(index)))
    }

    /// The flag's input.
    pub fn input(self) -> InputId {
        self.0
    }
}

/// Facts for one program, built value by value; reused from profile to
/// profile.
#[derive(Debug)]
pub struct FactsBuilder<'p> {
    program: &'p Program,
    today: Date,
    values: Vec<Option<Value>>,
    person: Person,
}

impl<'p> FactsBuilder<'p> {
    /// An empty profile for `program`, reported on `today`: every input
    /// unknown until set.
    pub fn new(program: &'p Program, today: Date) -> Self {
        FactsBuilder { program, today, values: vec![None; program.inputs.len()], person: Person::default() }
    }

    pub fn program(&self) -> &'p Program {
        self.program
    }

    /// Sets a lab value given in the slot's unit, undated, with no
    /// reference range.
    pub fn lab(&mut self, slot: LabSlot, value: f64) -> Result<(), ValueError> {
        self.lab_reading(slot, value, None, None)
    }

    /// Sets a lab value with its reference range (in the slot's unit) and
    /// date, when known.
    pub fn lab_reading(
        &mut self,
        slot: LabSlot,
        value: f64,
        range: Option<(f64, f64)>,
        date: Option<Date>,
    ) -> Result<(), ValueError> {
        let canonical = slot.convert(value)?;
        let range = match range {
            None => None,
            Some((low, high)) => Some((
                slot.convert_bound(low).ok_or(ValueError::Implausible)?,
                slot.convert_bound(high).ok_or(ValueError::Implausible)?,
            )),
        };
        self.set(slot.input, Value::Quantity { canonical, given: value, given_unit: slot.unit, range, date });
        Ok(())
    }

    /// Sets a flag: whether the condition holds.
    pub fn flag(&mut self, slot: FlagSlot, holds: bool) {
        self.set(slot.0, Value::Flag(holds));
    }

    /// Sets one of the profile's lists (`conditions`, `medications`,
    /// `supplements`, `diet`) for the rules that read it. Conditions also
    /// settle every flag: true when listed, by name or alias, and false
    /// when not, since the list is the person's whole list.
    pub fn list<S: AsRef<str>>(&mut self, list: ProfileList, names: &[S]) {
        let names: Vec<String> = names.iter().map(|name| super::normalise_name(name.as_ref())).collect();
        for (index, input) in self.program.inputs.iter().enumerate() {
            if let Some(value) = list_value(input, list, &names) {
                self.set(InputId(index), value);
            }
        }
    }

    /// Who the person is: their age, sex, pregnancy and breastfeeding, for
    /// the rules that ask (what is `None` stays unknown).
    pub fn person(&mut self, person: &Person) {
        if let (Some(id), Some(age)) = (self.program.builtin_input(Builtin::Age), person.age) {
            let value = Value::Quantity {
                canonical: age,
                given: age,
                given_unit: Unit::YEAR,
                range: None,
                date: None,
            };
            self.set(id, value);
        }
        if let (Some(id), Some(sex)) = (self.program.builtin_input(Builtin::Sex), person.sex) {
            self.set(id, Value::Choice(sex.word()));
        }
        for (builtin, value) in [(Builtin::Pregnant, person.pregnant), (Builtin::Lactating, person.lactating)]
        {
            if let (Some(id), Some(value)) = (self.program.builtin_input(builtin), value) {
                self.set(id, Value::Flag(value));
            }
        }
        self.person = person.clone();
    }

    /// Sets any input's value; the caller has checked it.
    pub(super) fn set(&mut self, input: InputId, value: Value) {
        if let Some(slot) = self.values.get_mut(input.0) {
            *slot = Some(value);
        }
    }

    /// The facts set so far; the builder is empty again, ready for the
    /// next profile.
    pub fn finish(&mut self) -> Facts {
        let values = std::mem::replace(&mut self.values, vec![None; self.program.inputs.len()]);
        let numbers = values.iter().map(Option::as_ref).map(number_of).collect();
        Facts {
            name: None,
            today: self.today,
            person: std::mem::take(&mut self.person),
            values,
            numbers,
            intakes: None,
            stale: Vec::new(),
            not_considered: Vec::new(),
        }
    }
}

/// What `input` takes from a profile's `list` of (normalised) `names`: the
/// list itself for an input reading that list; for a flag, from the
/// conditions, whether it is listed by name or alias (the list is the
/// person's whole list, so not listed is false); `None` for other inputs.
pub(crate) fn list_value(input: &Input, list: ProfileList, names: &[String]) -> Option<Value> {
    match (input.kind, input.builtin) {
        (InputKind::List(of), _) if of == list => Some(Value::List(names.to_vec())),
        (InputKind::Flag, None) if list == ProfileList::Conditions => {
            Some(Value::Flag(names.iter().any(|c| *c == input.name || input.aliases.contains(c))))
        }
        _ => None,
    }
}
