//! The results as text: one line per case, a readable diff under each
//! failure, the optional coverage and boundary sections, and the closing
//! `N passed, M failed` line that CI tooling reads.

use anstyle::{AnsiColor, Style};

use super::boundaries::{BoundaryReport, Subject};
use super::coverage::Coverage;
use super::run::{CaseResult, Mismatch};
use super::{Case, Suite, TestFile};
use crate::check::Program;
use crate::graph::Role;
use crate::infer::Truth;
use crate::text_out::TextOut;
use crate::units::{format_number, format_quantity};

/// Renders the results, then coverage and boundaries when given, then the
/// summary line. `colour` adds ANSI styles to `ok`, `FAIL` and headings.
pub fn render(
    program: &Program,
    suite: &Suite,
    results: &[CaseResult],
    coverage: Option<&Coverage>,
    boundaries: Option<&BoundaryReport>,
    colour: bool,
) -> String {
    let mut out = TextOut::new(colour);
    for result in results {
        let Some(file) = suite.files.get(result.file) else { continue };
        let Some(case) = file.cases.get(result.case) else { continue };
        render_case(&mut out, program, file, case, result);
    }
    if let Some(coverage) = coverage {
        out.blank();
        render_coverage(&mut out, coverage);
    }
    if let Some(report) = boundaries {
        out.blank();
        render_boundaries(&mut out, program, report);
    }
    out.blank();
    out.line(0, &summary_line(results));
    out.text
}

/// `N passed, M failed`: the last line of every run.
pub fn summary_line(results: &[CaseResult]) -> String {
    let passed = results.iter().filter(|r| r.passed()).count();
    format!("{passed} passed, {} failed", results.len() - passed)
}

fn render_case(out: &mut TextOut, program: &Program, file: &TestFile, case: &Case, result: &CaseResult) {
    let name = format!("{}: {}", file.display, case.name);
    if result.passed() {
        let ok = out.paint("ok  ", Style::new().fg_color(Some(AnsiColor::Green.into())));
        out.line(0, &format!("{ok} {name}"));
        return;
    }
    let fail = out.paint("FAIL", Style::new().bold().fg_color(Some(AnsiColor::Red.into())));
    out.line(0, &format!("{fail} {name}"));
    let mut header = String::new();
    for (this_header, line) in failure_lines(program, result) {
        if this_header != header {
            out.line(2, &this_header);
            header = this_header;
        }
        out.line(4, &line);
    }
}

/// Each mismatch of a failed case as a heading (what was expected of which
/// outcome) and a line saying what happened instead.
pub fn failure_lines(program: &Program, result: &CaseResult) -> Vec<(String, String)> {
    let rule_name = |rule| program.rule(rule).map_or("?", |r| r.name.as_str());
    result
        .mismatches
        .iter()
        .map(|mismatch| {
            let header = match mismatch {
                Mismatch::Verdict { expected, .. } => expected.key().to_string(),
                Mismatch::NotCited { rule, .. } | Mismatch::NotFired { rule, .. } => {
                    format!("evidence for {}", rule_name(*rule))
                }
            };
            let line = match mismatch {
                Mismatch::Verdict { rule, expected, actual, missing, blocked_by } => {
                    let actual = match actual {
                        Truth::True => String::from("it fires"),
                        Truth::False if !blocked_by.is_empty() => {
                            format!(
                                "it is false: its conditions hold, but `unless` rules it out ({})",
                                blocked_by.join(", ")
                            )
                        }
                        Truth::False => String::from("it is false"),
                        Truth::Unknown if missing.is_empty() => String::from("it is undecided"),
                        Truth::Unknown => format!("it is undecided (missing: {})", missing.join(", ")),
                    };
                    format!("- {}: {}, but {actual}", rule_name(*rule), expected.describe())
                }
                Mismatch::NotCited { evidence, cited, .. } => {
                    format!("- {evidence}: expected among the citations; they are: {}", cited.join(", "))
                }
                Mismatch::NotFired { rule, actual, evidence } => {
                    let state = match actual {
                        Truth::Unknown => "undecided",
                        _ => "false",
                    };
                    format!(
                        "- {}: expected among the citations, but {} is {state}, so the report cites nothing for it",
                        evidence.join(", "),
                        rule_name(*rule)
                    )
                }
            };
            (header, line)
        })
        .collect()
}

/// `83%`, rounded down so that only complete coverage reads 100%.
fn percent(covered: usize, total: usize) -> String {
    format!("{}%", super::coverage::percent(covered, total))
}

fn list(out: &mut TextOut, title: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    out.line(4, &format!("{title}:"));
    for item in items {
        out.line(6, &format!("- {item}"));
    }
}

fn render_coverage(out: &mut TextOut, coverage: &Coverage) {
    let plural = if coverage.cases == 1 { "" } else { "s" };
    out.heading(&format!("Coverage of {} case{plural}", coverage.cases));

    let (covered, total) = coverage.rule_counts();
    out.line(
        2,
        &format!("rules: {covered} of {total} seen both true and false ({})", percent(covered, total)),
    );
    let mut rules: Vec<_> = coverage.rules.iter().collect();
    rules.sort_by(|a, b| a.name.cmp(&b.name));
    let never = |pick: fn(&&super::coverage::RuleCoverage) -> bool| -> Vec<String> {
        rules.iter().filter(|r| pick(r)).map(|r| r.name.clone()).collect()
    };
    list(out, "never true", &never(|r| !r.seen_true));
    list(out, "never false", &never(|r| !r.seen_false));
    if !coverage.unconditional.is_empty() {
        let mut names = coverage.unconditional.clone();
        names.sort();
        out.line(4, &format!("not counted (no conditions, always true): {}", names.join(", ")));
    }

    let (covered, total) = coverage.condition_counts();
    out.line(
        2,
        &format!("conditions: {covered} of {total} seen both true and false ({})", percent(covered, total)),
    );
    let mut conditions: Vec<_> = coverage.conditions.iter().collect();
    conditions
        .sort_by(|a, b| (&a.rule_name, a.role, &a.condition).cmp(&(&b.rule_name, b.role, &b.condition)));
    let word = |c: &&super::coverage::ConditionCoverage| {
        let role = match c.role {
            Role::For => "for",
            Role::When => "when",
            Role::Unless => "unless",
        };
        format!("{} ({role}): {}", c.rule_name, c.condition)
    };
    let never_true: Vec<String> = conditions.iter().filter(|c| !c.seen_true).map(word).collect();
    let never_false: Vec<String> = conditions.iter().filter(|c| !c.seen_false).map(word).collect();
    list(out, "never true", &never_true);
    list(out, "never false", &never_false);

    let (covered, total) = coverage.evidence_counts();
    out.line(
        2,
        &format!(
            "evidence: {covered} of {total} records cited by an outcome that fired ({})",
            percent(covered, total)
        ),
    );
    let unexercised: Vec<String> = coverage
        .evidence
        .iter()
        .filter(|e| !e.exercised && !e.cited_by.is_empty())
        .map(|e| format!("{} (cited by {})", e.id, e.cited_by.join(", ")))
        .collect();
    let uncited: Vec<String> =
        coverage.evidence.iter().filter(|e| e.cited_by.is_empty()).map(|e| e.id.clone()).collect();
    list(out, "never cited by an outcome that fired", &unexercised);
    list(out, "cited by no rule", &uncited);
}

fn render_boundaries(out: &mut TextOut, program: &Program, report: &BoundaryReport) {
    out.heading("Boundaries");
    out.line(
        2,
        "Each threshold was tried just below, at and just above its value, in every test case whose profile gives that value:",
    );
    for boundary in &report.boundaries {
        let rules = rules_text(&boundary.rules);
        let what = if boundary.cases_tried == 0 {
            match boundary.subject {
                Subject::Quantity(_) => format!("no test case gives {}", boundary.subject_name),
                Subject::Daily { .. } => String::from("no test case lists supplements"),
            }
        } else {
            // `74.25, 75 and 75.75 ng/mL`: the unit once, after the last value.
            let count = boundary.probes.len();
            let values: Vec<String> = boundary
                .probes
                .iter()
                .enumerate()
                .map(
                    |(i, v)| {
                        if i + 1 == count { format_quantity(*v, boundary.unit) } else { format_number(*v) }
                    },
                )
                .collect();
            let tried = match values.split_last() {
                Some((last, [])) => last.clone(),
                Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
                None => String::new(),
            };
            let plural = if boundary.cases_tried == 1 { "" } else { "s" };
            let changes: Vec<&str> =
                boundary.changes.iter().filter_map(|&r| program.rule(r)).map(|r| r.name.as_str()).collect();
            let changes = if changes.is_empty() {
                String::from("no outcome changes")
            } else {
                format!("changes {}", changes.join(", "))
            };
            format!("tried {tried} in {} case{plural}; {changes}", boundary.cases_tried)
        };
        out.line(2, &format!("- {} ({rules}): {what}", boundary.condition));
    }
    out.blank();
    if report.findings.is_empty() {
        if report.boundaries.iter().all(|b| b.cases_tried > 0) {
            out.line(2, "Every outcome that changes at a threshold is tested on both sides of it.");
        } else {
            out.line(
                2,
                "Every outcome that changes at a threshold the cases reach is tested on both sides of it; \
                 the thresholds no test case reaches (above) are untested.",
            );
        }
        return;
    }
    out.line(
        2,
        &format!(
            "Untested boundaries ({}): an outcome changes at the threshold, but its test cases do not cover both sides.",
            report.findings.len()
        ),
    );
    out.line(
        2,
        "(A test case of an outcome names it; it turns on a threshold when moving its value across the threshold changes the outcome.)",
    );
    for finding in &report.findings {
        let Some(boundary) = report.boundaries.get(finding.boundary) else { continue };
        let outcome = &finding.outcome_name;
        let gap = match finding.missing.as_slice() {
            [side] => format!(
                "no test case of {outcome} that turns on it has {} {}",
                boundary.subject_name,
                boundary.side_text(*side)
            ),
            _ => format!("no test case of {outcome} turns on it"),
        };
        out.line(
            2,
            &format!(
                "- {} ({}): {outcome} changes at the boundary, but {gap}",
                boundary.condition,
                rules_text(&boundary.rules)
            ),
        );
    }
}

fn rules_text(rules: &[String]) -> String {
    match rules {
        [one] => format!("rule {one}"),
        _ => format!("rules {}", rules.join(", ")),
    }
}
