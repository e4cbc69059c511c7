//! `warrant test`: declarative rule tests for rule authors.
//!
//! A test file is YAML, loaded with unknown fields refused:
//!
//! ```yaml
//! today: 2026-11-29                  # the report date; `--today` (or today) when absent
//! cases:
//!   - name: low ferritin gets oral iron
//!     profile: { labs: { ferritin: { value: 32, unit: ng/mL } }, conditions: [rls] }
//!     fires: [oral_iron, iron_rich_food]
//!     does_not_fire: [iv_iron]
//!     undecided: [magnesium]
//!     evidence: { oral_iron: [aasm_2025_rls_guideline] }
//!   - name: haemochromatosis rules out iron
//!     profile_file: ../fixtures/profiles/hemochromatosis.yaml   # relative to the test file
//!     does_not_fire: [oral_iron]
//! ```
//!
//! [`load`] reads and checks the files (every id must exist in the knowledge
//! base; profiles go through [`profile::parse`](crate::profile::parse) and
//! [`profile::bind`](crate::profile::bind) as in `explain`), [`run`] evaluates
//! each case, [`coverage`] and [`boundaries`] measure what the cases
//! exercise, and [`render`] lays it all out as text.
//!
//! Diagnostic codes: `E0801` a test file that is not valid YAML or not in
//! the format, `E0802` a case without exactly one of `profile` and
//! `profile_file`, `E0803` an unknown outcome id, `E0804` an unknown
//! evidence id, `E0805` a `profile_file` that cannot be read, `E0806` two
//! cases with one name, `E0807` an outcome expected two ways in one case,
//! the warning `E0808` for a case that expects nothing, and `E0809` a
//! `today:` that is not a date.

mod boundaries;
mod coverage;
mod export;
mod format;
mod load;
mod render;
mod run;

pub use boundaries::{Boundary, BoundaryFinding, BoundaryReport, Side, Subject, boundaries};
pub use coverage::{ConditionCoverage, Coverage, EvidenceCoverage, RuleCoverage, coverage};
pub use export::{json, junit};
pub use format::{RawCase, RawFile};
pub use load::{DEFAULT_DIR, load};
pub use render::{render, summary_line};
pub use run::{CaseResult, Expected, Mismatch, run};

use crate::check::RuleId;
use crate::limits::Limits;
use crate::profile::{Facts, Profile};
use crate::span::FileId;

/// Every case of every test file, bound to one knowledge base.
#[derive(Debug, Clone, Default)]
pub struct Suite {
    /// In sorted path order.
    pub files: Vec<TestFile>,
    /// The limits its profiles were read within.
    pub limits: Limits,
}

impl Suite {
    /// Every case with its file, files in order and cases in file order.
    pub fn cases(&self) -> impl Iterator<Item = (&TestFile, &Case)> {
        self.files.iter().flat_map(|file| file.cases.iter().map(move |case| (file, case)))
    }

    pub fn case_count(&self) -> usize {
        self.files.iter().map(|f| f.cases.len()).sum()
    }
}

/// One loaded test file.
#[derive(Debug, Clone)]
pub struct TestFile {
    /// How the file is named in the results: its path relative to the
    /// directory it was found in, or the path as given.
    pub display: String,
    /// The file in the source map, for diagnostics.
    pub file: FileId,
    pub cases: Vec<Case>,
}

/// One test case: a profile and what it should and should not trigger.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    /// The profile as written, kept so boundary probes can vary it.
    pub profile: Profile,
    /// The profile bound to the knowledge base.
    pub facts: Facts,
    pub fires: Vec<RuleId>,
    pub does_not_fire: Vec<RuleId>,
    pub undecided: Vec<RuleId>,
    /// Evidence ids that must be among each outcome's citations.
    pub evidence: Vec<(RuleId, Vec<String>)>,
}

impl Case {
    /// Whether the case says anything about `rule`.
    pub fn checks(&self, rule: RuleId) -> bool {
        self.fires.contains(&rule)
            || self.does_not_fire.contains(&rule)
            || self.undecided.contains(&rule)
            || self.evidence.iter().any(|(r, _)| *r == rule)
    }
}
