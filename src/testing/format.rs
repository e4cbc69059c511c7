//! The test-file format as serde reads it, before any id is checked.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::profile::Profile;

/// A test file: `cases:`, and the report date they are evaluated on.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct RawFile {
    /// `YYYY-MM-DD`; `--today` (or today) when absent.
    #[serde(default)]
    pub today: Option<String>,
    pub cases: Vec<RawCase>,
}

crate::document::mapping_only!(RawFile, "a mapping with `cases:`");

/// One case as written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct RawCase {
    pub name: String,
    /// The profile, inline.
    #[serde(default)]
    pub profile: Option<Profile>,
    /// A profile file, relative to the test file.
    #[serde(default)]
    pub profile_file: Option<String>,
    /// Outcomes that must be true.
    #[serde(default)]
    pub fires: Vec<String>,
    /// Outcomes that must be false (not merely undecided).
    #[serde(default)]
    pub does_not_fire: Vec<String>,
    /// Outcomes that missing data must leave unknown.
    #[serde(default)]
    pub undecided: Vec<String>,
    /// Outcome id -> evidence ids that must be among its citations.
    #[serde(default)]
    pub evidence: BTreeMap<String, Vec<String>>,
}

crate::document::mapping_only!(RawCase, "a case (a mapping with `name:`)");
