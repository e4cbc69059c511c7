//! Stage two: syntax trees and evidence in, a checked [`Program`] out.
//!
//! Resolves every name (inputs, groups, facts, evidence ids), converts every
//! threshold to its input's canonical unit, and checks that each rule has
//! the clauses its kind needs. It collects every problem rather than
//! stopping at the first. Cycles among facts are found later, on the graph.

mod program;
mod resolve;

pub use program::*;
pub use resolve::{TIMINGS, check};
