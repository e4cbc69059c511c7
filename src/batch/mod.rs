//! Batch evaluation: JSON Lines profiles in, JSON Lines results out, in
//! input order, in fixed-size chunks so memory does not grow with the
//! number of profiles, each chunk spread over the available cores.

use std::io::{BufRead, Write};

use rayon::prelude::*;
use serde::Serialize;

use crate::check::RuleId;
use crate::dates::Date;
use crate::diagnostic::{self, Diagnostic, ErrorFormat};
use crate::explain::{self, Report};
use crate::infer::{self, Evaluator, Truth};
use crate::knowledge_base::KnowledgeBase;
use crate::limits::{self, Limits, Line};
use crate::profile::{self, Written};
use crate::span::{FileId, SourceMap};

/// Profiles read and evaluated together; bounds memory and keeps order.
pub const CHUNK: usize = 4096;

/// One profile's outcomes: what fired, what stayed undecided, the entries
/// of its lists that no rule reads and, when asked for, the whole report
/// `warrant explain --format json` gives.
#[derive(Debug, Serialize)]
struct Outcome<'a> {
    line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    profile: Option<String>,
    fired: Vec<&'a str>,
    undecided: Vec<&'a str>,
    not_considered: Vec<profile::NotConsidered>,
    #[serde(skip_serializing_if = "Option::is_none")]
    report: Option<Report<'a>>,
}

/// What a batch run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub evaluated: usize,
    pub failed: usize,
    /// Stopped at the first failure (`--fail-fast`).
    pub stopped: bool,
}

/// Settings of a batch run.
pub struct Options<'a> {
    /// Stop at the first line that fails.
    pub fail_fast: bool,
    /// Add each profile's full report to its result line.
    pub explain: bool,
    /// A list entry that no rule reads fails its line.
    pub strict: bool,
    /// The report date.
    pub today: Date,
    /// Bounds on each line and on each profile's lists.
    pub limits: Limits,
    /// How lines are read: JSON profiles (FHIR Bundles among them, by their
    /// `resourceType`), or FHIR only.
    pub format: profile::Format,
    /// The worker threads.
    pub pool: &'a rayon::ThreadPool,
    /// Called after each chunk with the number of lines done so far.
    pub progress: &'a (dyn Fn(usize) + Sync),
    /// What diagnostics call the input: its path, or `<stdin>`.
    pub input_name: &'a str,
    /// How a bad line's diagnostics are written, and whether in colour.
    pub error_format: ErrorFormat,
    pub colour: bool,
}

/// Reads profiles from `input`, writes one result line per good profile to
/// `results` and one rendered diagnostic per bad line to `errors`.
pub fn run(
    kb: &KnowledgeBase,
    input: impl BufRead,
    results: &mut impl Write,
    errors: &mut impl Write,
    options: &Options<'_>,
) -> std::io::Result<Summary> {
    let mut summary = Summary::default();
    // Outcomes are a small part of the rules; each line looks only at them.
    let outcomes: Vec<(RuleId, &str)> =
        kb.graph.program.outcomes().map(|(id, rule)| (id, rule.name.as_str())).collect();
    let mut input = input;
    let mut number = 0;
    loop {
        let mut chunk: Vec<(usize, Line)> = Vec::with_capacity(CHUNK);
        while chunk.len() < CHUNK {
            let Some(line) = limits::read_line(&mut input, options.limits.line_bytes)? else { break };
            number += 1;
            chunk.push((number, line));
        }
        if chunk.is_empty() {
            break;
        }
        let evaluated: Vec<Result<String, String>> = options.pool.install(|| {
            chunk
                .into_par_iter()
                .map_init(
                    || Evaluator::new(&kb.graph),
                    |evaluator, (number, line)| {
                        evaluate_line(kb, &outcomes, evaluator, options, number, line)
                    },
                )
                .collect()
        });
        for result in evaluated {
            match result {
                Ok(line) if line.is_empty() => {}
                Ok(line) => {
                    summary.evaluated += 1;
                    results.write_all(line.as_bytes())?;
                    results.write_all(b"\n")?;
                }
                Err(rendered) => {
                    summary.failed += 1;
                    errors.write_all(rendered.as_bytes())?;
                    if options.fail_fast {
                        summary.stopped = true;
                        return Ok(summary);
                    }
                }
            }
        }
        (options.progress)(number);
    }
    Ok(summary)
}

/// One line's result as JSON, "" for a blank line, or its diagnostics.
fn evaluate_line<'k>(
    kb: &'k KnowledgeBase,
    outcomes: &[(RuleId, &'k str)],
    evaluator: &mut Evaluator<'_>,
    options: &Options<'_>,
    number: usize,
    line: Line,
) -> Result<String, String> {
    let mut sources = SourceMap::new();
    let render = |sources: &SourceMap, diagnostics: Vec<Diagnostic>| {
        diagnostic::render_as(sources, &diagnostics, options.error_format, options.colour)
    };
    let bytes = match line {
        Line::Bytes(bytes) => bytes,
        Line::TooLong => {
            let error = limits::line_too_long(options.input_name, number, options.limits.line_bytes);
            return Err(render(&sources, vec![error]));
        }
    };
    let source = limits::text_of(bytes, options.input_name, number).map_err(|e| render(&sources, vec![e]))?;
    if source.text.trim().is_empty() {
        return Ok(String::new());
    }
    let file: FileId = sources.add(source.clone());
    let report = |diagnostics: Vec<Diagnostic>| render(&sources, diagnostics);
    let written = || Written::file(file, &source);
    let program = &kb.graph.program;
    let facts = crate::read_profile(program, file, &source, options.format, options.today, &options.limits)
        .map_err(report)?;
    if options.strict {
        profile::refuse_not_considered(&facts, written()).map_err(report)?;
    }
    let verdicts = evaluator.run(&facts);
    let (mut fired, mut undecided) = (Vec::new(), Vec::new());
    for &(id, name) in outcomes {
        match verdicts.get(id.0) {
            Some(Truth::True) => fired.push(name),
            Some(Truth::Unknown) => undecided.push(name),
            _ => {}
        }
    }
    let outcome = if options.explain {
        let (profile, not_considered) = (facts.name.clone(), facts.not_considered.clone());
        // Explaining needs an `Evaluation` that owns the facts; evaluating
        // again costs little next to building the report.
        let mut report = explain::build(&infer::evaluate(&kb.graph, facts), &kb.evidence);
        report.cite_by_id();
        Outcome { line: number, profile, fired, undecided, not_considered, report: Some(report) }
    } else {
        let (profile, not_considered) = (facts.name, facts.not_considered);
        Outcome { line: number, profile, fired, undecided, not_considered, report: None }
    };
    crate::escape::json_line(&outcome)
        .map_err(|error| format!("{}:{number}: internal error: {error}\n", options.input_name))
}
