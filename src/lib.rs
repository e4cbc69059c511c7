//! Warrant: a rule-driven evidence knowledge engine.
//!
//! The pipeline, one module per stage:
//!
//! ```text
//! rules/*.warrant ──syntax──▶ AST ──check──▶ Program ──graph──▶ KnowledgeGraph
//! evidence/*.yaml ──evidence──▶ EvidenceBase ──┘                      │
//! profile.yaml ──profile──▶ Facts ──────────────────infer──▶ Evaluation ──explain──▶ report
//! ```
//!
//! [`knowledge_base::compile`] runs the first three stages and collects every
//! diagnostic; [`explain_profile`] runs the rest for one profile.

// The pest parser's generated code names `alloc` (pest is built without
// `std`: see Cargo.toml).
extern crate alloc;

pub mod batch;
pub mod cds_hooks;
pub mod check;
pub mod cli;
pub mod codes;
pub mod dates;
pub mod diagnostic;
pub mod diff;
pub mod document;
pub mod escape;
pub mod evidence;
pub mod explain;
pub mod fhir;
pub mod graph;
pub mod infer;
pub mod knowledge_base;
pub mod limits;
pub mod lint;
pub mod plan;
pub mod profile;
pub mod span;
pub mod suggest;
pub mod symbols;
pub mod syntax;
pub mod synthetic;
pub mod testing;
pub mod text_out;
pub mod units;

/// The allocator the `warrant` binary installs (default feature `mimalloc`;
/// its settings are in Cargo.toml), for another binary that should run as
/// the CLI does, such as the side-by-side benchmark:
/// `#[global_allocator] static A: warrant::Allocator = warrant::Allocator;`.
/// The library itself installs none.
#[cfg(all(feature = "mimalloc", not(target_family = "wasm")))]
pub use mimalloc::MiMalloc as Allocator;

use dates::Date;
use diagnostic::Diagnostic;
use knowledge_base::KnowledgeBase;
use limits::Limits;
use span::{FileId, SourceFile};

/// Parses a profile, binds it to the knowledge base on the report date
/// `today` and evaluates every rule. Errors point into `source`, registered
/// as `file` in the caller's map.
pub fn evaluate_profile<'k>(
    kb: &'k KnowledgeBase,
    file: FileId,
    source: &SourceFile,
    format: profile::Format,
    today: Date,
    limits: &Limits,
) -> Result<infer::Evaluation<'k>, Vec<Diagnostic>> {
    let facts = read_profile(&kb.graph.program, file, source, format, today, limits)?;
    Ok(infer::evaluate(&kb.graph, facts))
}

/// Reads a profile (Warrant's YAML or JSON form, or a FHIR R4 Bundle,
/// which JSON text is read as when it has a `resourceType`) and binds it
/// to `program` on the report date `today`.
pub fn read_profile(
    program: &check::Program,
    file: FileId,
    source: &SourceFile,
    format: profile::Format,
    today: Date,
    limits: &Limits,
) -> Result<profile::Facts, Vec<Diagnostic>> {
    let (parsed, not_considered) = parse_profile(program, file, source, format)?;
    let mut facts = profile::bind(&parsed, program, profile::Written::file(file, source), today, limits)?;
    facts.not_considered.extend(not_considered);
    Ok(facts)
}

/// Profile text as a [`profile::Profile`]: Warrant's own YAML or JSON form,
/// or a FHIR R4 Bundle (read as one when `format` says so, or when JSON text
/// has a `resourceType`), with what the Bundle holds that no rule reads.
pub fn parse_profile(
    program: &check::Program,
    file: FileId,
    source: &SourceFile,
    format: profile::Format,
) -> Result<(profile::Profile, Vec<profile::NotConsidered>), Vec<Diagnostic>> {
    let fhir = format == profile::Format::Fhir
        || (format != profile::Format::Yaml || source.text.trim_start().starts_with('{'))
            && fhir::looks_like_fhir(&source.text);
    if fhir {
        let read = fhir::read(file, source, program)?;
        Ok((read.profile, read.not_considered))
    } else {
        Ok((profile::parse(file, source, format).map_err(|d| vec![d])?, Vec::new()))
    }
}

/// Evaluates a profile and builds its report.
pub fn explain_profile<'k>(
    kb: &'k KnowledgeBase,
    file: FileId,
    source: &SourceFile,
    format: profile::Format,
    today: Date,
    limits: &Limits,
) -> Result<explain::Report<'k>, Vec<Diagnostic>> {
    let evaluation = evaluate_profile(kb, file, source, format, today, limits)?;
    Ok(explain::build(&evaluation, &kb.evidence))
}
