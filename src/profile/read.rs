//! Profile text in, a [`Profile`] out, every error at its field; and the
//! size of each list held to the limit.

use super::{FIELDS_HELP, Profile};
use crate::diagnostic::Diagnostic;
use crate::document::{FieldPath, Format, Locator, Vocabulary, Written, deserialize};
use crate::limits::{self, Limits};
use crate::span::{FileId, SourceFile};

/// How profile errors are worded.
const PROFILE: Vocabulary = Vocabulary {
    code: "E0601",
    duplicate_code: "E0610",
    what: "profile",
    fields: FIELDS_HELP,
    hints: &[
        ("missing field `unit`", "every lab value and supplement dose needs its unit, e.g. `unit: ng/mL`"),
        (
            "expected a lab value",
            "give the value and the unit as separate named fields, e.g. `ferritin: { value: 32, unit: ng/mL }`",
        ),
        ("expected a sequence", "write a list: `[a, b]`, or one entry a line, each after `- `"),
        (
            "missing field `value`",
            "give the measured value beside its unit, e.g. `ferritin: { value: 32, unit: ng/mL }`",
        ),
        ("missing field `dose`", SUPPLEMENT_HELP),
        ("missing field `name`", SUPPLEMENT_HELP),
        ("expected a supplement entry", SUPPLEMENT_HELP),
        // A reference range: YAML and JSON say it differently.
        ("sequence of 2 elements", RANGE_HELP),
        ("array of length 2", RANGE_HELP),
        ("expected a boolean", "write `true` or `false`"),
        ("expected a profile", FIELDS_HELP),
    ],
};

const SUPPLEMENT_HELP: &str =
    "give each supplement its name, daily dose and unit, e.g. `- { name: magnesium, dose: 200, unit: mg }`";

const RANGE_HELP: &str =
    "give the lab's reference range as `[low, high]` in the value's unit, e.g. `range: [30, 400]`";

/// Parses profile text, pointing any error at its field.
pub fn parse(file: FileId, source: &SourceFile, format: Format) -> Result<Profile, Diagnostic> {
    deserialize(&source.text, format)
        .map_err(|error| error.diagnose(&Locator::new(Written::file(file, source)), &PROFILE))
}

/// Refuses lists longer than the limit, each at its key.
pub(super) fn check_sizes(
    profile: &Profile,
    at: &Locator<'_>,
    limits: &Limits,
) -> Result<(), Vec<Diagnostic>> {
    let lengths = [
        ("labs", profile.labs.as_ref().map(|l| l.len())),
        ("conditions", profile.conditions.as_ref().map(Vec::len)),
        ("medications", profile.medications.as_ref().map(Vec::len)),
        ("supplements", profile.supplements.as_ref().map(Vec::len)),
        ("diet", profile.diet.as_ref().map(Vec::len)),
    ];
    let problems: Vec<Diagnostic> = lengths
        .into_iter()
        .filter_map(|(field, length)| {
            let length = length.filter(|&n| n > limits.list_items)?;
            Some(limits::too_many_items(
                field,
                length,
                limits.list_items,
                at.field(&FieldPath::root().key(field)),
            ))
        })
        .collect();
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}
