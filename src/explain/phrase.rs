//! A piece of a report's wording. Most of it is not the report's own: a
//! rule's or an input's words are borrowed from the knowledge base, and a
//! lab's value is written once and shared by every condition that shows
//! it. Only what is said in one place is made for that place.

use std::fmt;
use std::ops::Deref;
use std::rc::Rc;

use serde::{Serialize, Serializer};

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
}

impl Deref for Phrase<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            Phrase::Borrowed(words) => words,
            Phrase::Shared(words) => words,
            Phrase::Owned(words) => words,
        }
    }
}

impl fmt::Display for Phrase<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self)
    }
}

impl Serialize for Phrase<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self)
    }
}

impl PartialEq<&str> for Phrase<'_> {
    fn eq(&self, other: &&str) -> bool {
        **self == **other
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
        let phrases = [
            Phrase::from("32 ng/mL"),
            Phrase::Shared(Rc::from("32 ng/mL")),
            Phrase::from(String::from("32 ng/mL")),
        ];
        for phrase in phrases {
            assert_eq!(&*phrase, "32 ng/mL");
            assert_eq!(phrase.to_string(), "32 ng/mL");
            assert_eq!(serde_json::to_string(&phrase).unwrap(), "\"32 ng/mL\"");
            assert!(phrase == "32 ng/mL" && phrase != "32");
        }
    }
}
