//! The baseline: a plain Rust loop over the `SyntheticRule`s, with the
//! profile as `[f64; 50]` and two reused buffers of booleans. No engine, no
//! three-valued logic (every field is present), no allocation per profile.

use warrant::synthetic::{FIELDS, SyntheticRule};

use crate::workload::holds;

pub struct HandLoop<'r> {
    rules: &'r [SyntheticRule],
    derived: Vec<bool>,
    outcomes: Vec<bool>,
}

impl<'r> HandLoop<'r> {
    pub fn new(rules: &'r [SyntheticRule]) -> Self {
        let derived = rules.iter().filter(|r| matches!(r, SyntheticRule::Derived { .. })).count();
        HandLoop { rules, derived: vec![false; derived], outcomes: vec![false; rules.len() - derived] }
    }

    /// Every outcome's truth for one profile, indexed by outcome number.
    /// Derived facts come first in the rule list and each reads only an
    /// earlier one, so one pass in list order settles everything.
    pub fn run(&mut self, profile: &[f64; FIELDS]) -> &[bool] {
        for rule in self.rules {
            match rule {
                SyntheticRule::Derived { index, previous, tests } => {
                    let chained = previous.is_none_or(|p| self.derived[p]);
                    self.derived[*index] = chained && tests.iter().all(|t| holds(t, profile[t.field]));
                }
                SyntheticRule::Outcome { index, fact, either, not } => {
                    let first = fact.is_some_and(|f| self.derived[f]) || holds(either, profile[either.field]);
                    self.outcomes[*index] = first && !holds(not, profile[not.field]);
                }
            }
        }
        &self.outcomes
    }

    pub fn fired(&mut self, profile: &[f64; FIELDS]) -> Vec<usize> {
        self.run(profile).iter().enumerate().filter(|(_, fired)| **fired).map(|(i, _)| i).collect()
    }
}
