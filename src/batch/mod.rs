//! Batch evaluation: JSON Lines profiles in, JSON Lines results out, in
//! input order, in fixed-size chunks so memory does not grow with the
//! number of profiles, each chunk spread over the available cores.

use std::io::{BufRead, Write};

use rayon::prelude::*;
use serde::Serialize;

use crate::dates::Date;
use crate::diagnostic::{self, Diagnostic, ErrorFormat};
use crate::escape::{escape_json, json_needs_escape};
use crate::explain::{self, Report};
use crate::infer::{Evaluator, Truth};
use crate::knowledge_base::KnowledgeBase;
use crate::limits::{self, Limits, Line};
use crate::profile::{self, Written};
use crate::span::{FileId, SourceMap};

/// The most profiles read and evaluated together: chunks bound memory and
/// keep input order.
const CHUNK: usize = 4096;

/// The fewest: enough lines to keep every worker busy.
const MIN_CHUNK: usize = 64;

/// About how many bytes of result lines a chunk holds before they are
/// written. A line with its full report runs to 160 KB on a 1,000-rule
/// base, so a chunk of 4,096 of them would hold most of a gigabyte.
const CHUNK_RESULT_BYTES: usize = 32 << 20;

/// How many lines the next chunk reads, given that the last one wrote
/// `bytes` of results for `lines` lines: as many as fit the byte budget at
/// that rate, within [`MIN_CHUNK`, `CHUNK`].
fn next_chunk_len(bytes: usize, lines: usize) -> usize {
    let per_line = (bytes / lines.max(1)).max(1);
    (CHUNK_RESULT_BYTES / per_line).clamp(MIN_CHUNK, CHUNK)
}

/// One profile's outcomes: what fired, what stayed undecided, the entries
/// of its lists that no rule reads and, when asked for, the whole report
/// `warrant explain --format json` gives.
struct Outcome<'a> {
    line: usize,
    profile: Option<String>,
    outcomes: &'a Outcomes,
    /// Every rule's verdict, by id.
    verdicts: &'a [Truth],
    not_considered: Vec<profile::NotConsidered>,
    report: Option<Report<'a>>,
}

impl Outcome<'_> {
    /// The result line: `{"line":…,"profile":…,"fired":[…],"undecided":[…],
    /// "not_considered":[…],"report":…}`, `profile` and `report` only when
    /// there is one, ending in its line break: written apart, the break
    /// left standard output's line buffering to search the whole line for
    /// one. Written by hand around serde because the outcome names come
    /// quoted already: quoting each name again on every line was a fifth of
    /// a line's cost. The line is built in buffers each worker keeps from
    /// line to line, and copied out at its exact length: one allocation per
    /// line instead of one per doubling, and no slack held while the chunk
    /// waits to be written.
    fn json_line(&self, buffers: &mut LineBuffers) -> Result<String, serde_json::Error> {
        let LineBuffers { line, fired, undecided } = buffers;
        line.clear();
        line.extend_from_slice(b"{\"line\":");
        line.extend_from_slice(itoa::Buffer::new().format(self.line).as_bytes());
        // Only what serde writes can need escaping (the names were escaped
        // when quoted), so only that is scanned.
        let mut escape = false;
        if let Some(profile) = &self.profile {
            escape |= write_field(line, b",\"profile\":", profile)?;
        }
        // Which outcomes fired and which are undecided is as good as random
        // from one profile to the next, so a branch per outcome choosing the
        // list is often mispredicted. One pass without branches notes the
        // places of both (each written before it is read, so the buffers
        // are only ever sized, never cleared), then each list is written
        // from its places.
        let Outcomes { rules, names } = self.outcomes;
        fired.resize(rules.len(), 0);
        undecided.resize(rules.len(), 0);
        // As slices, their lengths stay in registers: through the vectors,
        // each store made the next check read the length from memory again.
        let (fired, undecided) = (fired.as_mut_slice(), undecided.as_mut_slice());
        let (mut fired_len, mut undecided_len) = (0, 0);
        for (at, rule) in (0u32..).zip(rules) {
            let code = self.verdicts.get(*rule as usize).map_or(Truth::False, |truth| *truth).code();
            if let Some(place) = fired.get_mut(fired_len) {
                *place = at;
            }
            if let Some(place) = undecided.get_mut(undecided_len) {
                *place = at;
            }
            fired_len += usize::from(code == Truth::True.code());
            undecided_len += usize::from(code == Truth::Unknown.code());
        }
        let lists: [(&[u8], &[u32]); 2] = [
            (b",\"fired\":", fired.get(..fired_len).unwrap_or_default()),
            (b",\"undecided\":", undecided.get(..undecided_len).unwrap_or_default()),
        ];
        for (key, places) in lists {
            line.extend_from_slice(key);
            let start = line.len();
            for name in places.iter().filter_map(|at| names.get(*at as usize)) {
                line.extend_from_slice(name.as_bytes());
            }
            close_list(line, start);
        }
        escape |= write_field(line, b",\"not_considered\":", &self.not_considered)?;
        if let Some(report) = &self.report {
            escape |= write_field(line, b",\"report\":", report)?;
        }
        line.extend_from_slice(b"}\n");
        // Every piece is UTF-8: serde's output, the quoted names and ASCII.
        let line =
            String::from_utf8(line.to_vec()).map_err(|error| serde::ser::Error::custom(error.to_string()))?;
        Ok(if escape { escape_json(line) } else { line })
    }
}

/// Writes `key` and `value` as JSON into `line`; true when what serde
/// wrote holds a character [`escape_json`] escapes.
fn write_field<T: Serialize + ?Sized>(
    line: &mut Vec<u8>,
    key: &[u8],
    value: &T,
) -> Result<bool, serde_json::Error> {
    line.extend_from_slice(key);
    let start = line.len();
    serde_json::to_writer(&mut *line, value)?;
    Ok(line.get(start..).is_some_and(json_needs_escape))
}

/// What a worker writes result lines into, kept from line to line.
#[derive(Default)]
struct LineBuffers {
    line: Vec<u8>,
    /// The places, among the outcomes, of those that fired.
    fired: Vec<u32>,
    /// The places of those left undecided.
    undecided: Vec<u32>,
}

/// Every outcome's rule and its name as a JSON string after a comma
/// (`,"oral_iron"`), quoted once per run. Apart, so that the pass over
/// every outcome on every line reads four bytes an outcome, not a rule id
/// and a string.
#[derive(Debug, Default)]
struct Outcomes {
    rules: Vec<u32>,
    names: Vec<String>,
}

impl Outcomes {
    fn of(kb: &KnowledgeBase) -> Result<Outcomes, serde_json::Error> {
        let mut outcomes = Outcomes::default();
        for (id, rule) in kb.graph.program.outcomes() {
            let quoted = serde_json::to_string(&rule.name)?;
            outcomes.rules.push(id.0 as u32);
            outcomes.names.push(format!(",{}", escape_json(quoted)));
        }
        Ok(outcomes)
    }
}

/// Makes the names written since `start`, each after a comma, a JSON
/// array: the first comma becomes `[`.
fn close_list(line: &mut Vec<u8>, start: usize) {
    match line.get_mut(start) {
        Some(comma) => {
            *comma = b'[';
            line.push(b']');
        }
        None => line.extend_from_slice(b"[]"),
    }
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
    // Outcomes are a small part of the rules; each line looks only at them,
    // and writes their names as quoted here.
    let outcomes = Outcomes::of(kb).map_err(std::io::Error::other)?;
    let mut input = input;
    let mut number = 0;
    // The first chunk is small, until the size of a result line is known.
    let mut chunk_len = MIN_CHUNK;
    loop {
        let mut chunk: Vec<(usize, Line)> = Vec::with_capacity(chunk_len);
        while chunk.len() < chunk_len {
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
                    || (Evaluator::new(&kb.graph), LineBuffers::default()),
                    |(evaluator, buffers), (number, line)| {
                        evaluate_line(kb, &outcomes, evaluator, buffers, options, number, line)
                    },
                )
                .collect()
        });
        let (lines, bytes) = (
            evaluated.len(),
            evaluated.iter().map(|r| r.as_ref().map_or_else(String::len, String::len)).sum(),
        );
        chunk_len = next_chunk_len(bytes, lines);
        for result in evaluated {
            match result {
                Ok(line) if line.is_empty() => {}
                Ok(line) => {
                    summary.evaluated += 1;
                    results.write_all(line.as_bytes())?;
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
    outcomes: &'k Outcomes,
    evaluator: &mut Evaluator<'_>,
    buffers: &mut LineBuffers,
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
    // The map holds the line for diagnostics; it is read from there, not
    // copied.
    let file: FileId = sources.add(source);
    let Some(source) = sources.get(file) else {
        return Err(format!("{}:{number}: internal error: the line was not kept\n", options.input_name));
    };
    let report = |diagnostics: Vec<Diagnostic>| render(&sources, diagnostics);
    let written = || Written::file(file, source);
    let program = &kb.graph.program;
    let facts = crate::read_profile(program, file, source, options.format, options.today, &options.limits)
        .map_err(report)?;
    if options.strict {
        profile::refuse_not_considered(&facts, written()).map_err(report)?;
    }
    let mut explained;
    let outcome = if options.explain {
        explained = evaluator.evaluate(facts);
        let report = explain::build_citing(&explained, &kb.evidence, explain::Citing::ById);
        let profile = explained.facts.name.take();
        let not_considered = std::mem::take(&mut explained.facts.not_considered);
        let verdicts = explained.verdicts();
        Outcome { line: number, profile, outcomes, verdicts, not_considered, report: Some(report) }
    } else {
        let verdicts = evaluator.run(&facts);
        let (profile, not_considered) = (facts.name, facts.not_considered);
        Outcome { line: number, profile, outcomes, verdicts, not_considered, report: None }
    };
    outcome
        .json_line(buffers)
        .map_err(|error| format!("{}:{number}: internal error: {error}\n", options.input_name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_hold_about_the_byte_budget_of_results() {
        // Plain result lines of a few hundred bytes: the most lines.
        assert_eq!(next_chunk_len(64 * 300, 64), CHUNK);
        // Full reports of 160 KB: 209 lines, about 32 MiB.
        assert_eq!(next_chunk_len(64 * 160_000, 64), 209);
        // Lines larger than the budget allows still come in useful numbers.
        assert_eq!(next_chunk_len(64 << 20, 64), MIN_CHUNK);
        // A chunk of blank lines writes nothing.
        assert_eq!(next_chunk_len(0, 64), CHUNK);
        assert_eq!(next_chunk_len(0, 0), CHUNK);
    }

    #[test]
    fn a_result_line_has_its_fields_in_order_and_every_string_escaped() {
        let names = ["oral_iron", "check_ferritin", "avoid_b6"];
        let outcomes = Outcomes {
            rules: (0..names.len() as u32).collect(),
            names: names.iter().map(|name| format!(",\"{name}\"")).collect(),
        };
        let verdicts = [Truth::True, Truth::Unknown, Truth::False];
        let not_considered = vec![profile::NotConsidered {
            list: "conditions",
            name: String::from("anemia \"mild\""),
            index: 0,
            did_you_mean: Some(String::from("anaemia")),
        }];
        let outcome = Outcome {
            line: 7,
            // A right-to-left override would reorder the text around it.
            profile: Some(String::from("p \u{202e}1")),
            outcomes: &outcomes,
            verdicts: &verdicts,
            not_considered,
            report: None,
        };
        assert_eq!(
            outcome.json_line(&mut LineBuffers::default()).unwrap(),
            concat!(
                r#"{"line":7,"profile":"p \u202e1","fired":["oral_iron"],"undecided":["check_ferritin"],"not_considered":[{"list":"conditions","name":"anemia \"mild\"","did_you_mean":"anaemia"}]}"#,
                "\n"
            )
        );
        let nameless =
            Outcome { profile: None, not_considered: Vec::new(), verdicts: &[Truth::False; 3], ..outcome };
        assert_eq!(
            nameless.json_line(&mut LineBuffers::default()).unwrap(),
            concat!(r#"{"line":7,"fired":[],"undecided":[],"not_considered":[]}"#, "\n")
        );
        let hidden = Outcome {
            not_considered: vec![profile::NotConsidered {
                list: "diet",
                name: String::from("tea\u{7f}"),
                index: 0,
                did_you_mean: None,
            }],
            ..nameless
        };
        assert_eq!(
            hidden.json_line(&mut LineBuffers::default()).unwrap(),
            concat!(
                r#"{"line":7,"fired":[],"undecided":[],"not_considered":[{"list":"diet","name":"tea\u007f"}]}"#,
                "\n"
            )
        );
        let several = Outcome {
            not_considered: Vec::new(),
            verdicts: &[Truth::True, Truth::True, Truth::Unknown],
            ..hidden
        };
        assert_eq!(
            several.json_line(&mut LineBuffers::default()).unwrap(),
            concat!(
                r#"{"line":7,"fired":["oral_iron","check_ferritin"],"undecided":["avoid_b6"],"not_considered":[]}"#,
                "\n"
            )
        );
    }
}
