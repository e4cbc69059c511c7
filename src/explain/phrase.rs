//! A piece of a report's wording. Most of it is not the report's own: a
//! rule's or an input's words are borrowed from the knowledge base, a
//! lab's value is kept as its number and unit and written only where the
//! report is rendered, and a converted value's words are written once and
//! shared by every condition that shows it. Only what is said in one place
//! is made for that place.

use std::borrow::Cow;
use std::fmt;
use std::rc::Rc;

use serde::{Serialize, Serializer};

use crate::units::{Unit, write_quantity};

#[derive(Debug, Clone)]
pub enum Phrase<'k> {
    /// Words of the knowledge base, or fixed words such as `all of`.
    Borrowed(&'k str),
    /// Written once per report and shown in many places. Counted without
    /// atomics: a report is built and rendered on one thread, and an
    /// atomic count on every lab value a condition shows cost a few
    /// percent of an explanation.
    Shared(Rc<str>),
    /// Written for this place alone.
    Owned(String),
    /// A value in a unit of the knowledge base, `40.15 mg/L`: a report
    /// shows fifty of them, and formatting each into a string of its own,
    /// to be copied again when rendered, was a fifth of building one.
    Quantity(f64, &'k Unit),
}

impl Phrase<'_> {
    /// The words as one string: borrowed, except for a quantity.
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            Phrase::Borrowed(words) => Cow::Borrowed(words),
            Phrase::Shared(words) => Cow::Borrowed(words),
            Phrase::Owned(words) => Cow::Borrowed(words),
            Phrase::Quantity(..) => Cow::Owned(self.to_string()),
        }
    }
}

impl fmt::Display for Phrase<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Phrase::Borrowed(words) => f.write_str(words),
            Phrase::Shared(words) => f.write_str(words),
            Phrase::Owned(words) => f.write_str(words),
            Phrase::Quantity(value, unit) => write_quantity(f, *value, unit),
        }
    }
}

impl Serialize for Phrase<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Phrase::Quantity(..) => serializer.collect_str(self),
            words => serializer.serialize_str(&words.text()),
        }
    }
}

impl PartialEq<&str> for Phrase<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.text() == *other
    }
}

impl<'k> From<&'k str> for Phrase<'k> {
    fn from(words: &'k str) -> Self {
        Phrase::Borrowed(words)
    }
}

impl From<String> for Phrase<'_> {
    fn from(words: String) -> Self {
        Phrase::Owned(words)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_and_serializes_as_its_words() {
        let unit = Unit::parse("ng/mL").unwrap();
        let phrases = [
            Phrase::from("32 ng/mL"),
            Phrase::Shared(Rc::from("32 ng/mL")),
            Phrase::from(String::from("32 ng/mL")),
            Phrase::Quantity(32.0, &unit),
        ];
        for phrase in phrases {
            assert_eq!(phrase.text(), "32 ng/mL");
            assert_eq!(phrase.to_string(), "32 ng/mL");
            assert_eq!(serde_json::to_string(&phrase).unwrap(), "\"32 ng/mL\"");
            assert!(phrase == "32 ng/mL" && phrase != "32");
        }
    }
}
