//! Test results for machines: JSON, and JUnit XML that CI systems show as
//! test reports. Both carry the same failure wording as the text output.

use std::fmt::Write as _;

use serde::Serialize;

use super::Suite;
use super::coverage::Coverage;
use super::render::failure_lines;
use super::run::CaseResult;
use crate::check::Program;

#[derive(Serialize)]
struct JsonResults<'a> {
    schema_version: u32,
    passed: usize,
    failed: usize,
    cases: Vec<JsonCase<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    coverage: Option<JsonCoverage>,
}

#[derive(Serialize)]
struct JsonCase<'a> {
    file: &'a str,
    name: &'a str,
    passed: bool,
    /// `expected to fire: - oral_iron: expected to fire, but it is false`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    failures: Vec<String>,
}

#[derive(Serialize)]
struct JsonCoverage {
    cases: usize,
    rules: Share,
    conditions: Share,
    evidence: Share,
}

#[derive(Serialize)]
struct Share {
    covered: usize,
    total: usize,
    percent: usize,
}

impl Share {
    fn of((covered, total): (usize, usize)) -> Share {
        Share { covered, total, percent: super::coverage::percent(covered, total) }
    }
}

/// One case's failures as single lines: heading, then what happened.
fn failures(program: &Program, result: &CaseResult) -> Vec<String> {
    failure_lines(program, result)
        .into_iter()
        .map(|(header, line)| format!("{header}: {}", line.trim_start_matches("- ")))
        .collect()
}

/// The results (and coverage, when computed) as one JSON document.
pub fn json(program: &Program, suite: &Suite, results: &[CaseResult], coverage: Option<&Coverage>) -> String {
    let cases: Vec<JsonCase<'_>> = results
        .iter()
        .filter_map(|result| {
            let file = suite.files.get(result.file)?;
            let case = file.cases.get(result.case)?;
            Some(JsonCase {
                file: &file.display,
                name: &case.name,
                passed: result.passed(),
                failures: failures(program, result),
            })
        })
        .collect();
    let passed = results.iter().filter(|r| r.passed()).count();
    let coverage = coverage.map(|c| JsonCoverage {
        cases: c.cases,
        rules: Share::of(c.rule_counts()),
        conditions: Share::of(c.condition_counts()),
        evidence: Share::of(c.evidence_counts()),
    });
    let document = JsonResults { schema_version: 1, passed, failed: results.len() - passed, cases, coverage };
    crate::escape::json_document(&document)
}

/// The results as JUnit XML: a `testsuite` per test file, a `testcase` per
/// case, a `failure` with the wording of the text output for each failed
/// one. No timings, so the same run gives the same bytes.
pub fn junit(program: &Program, suite: &Suite, results: &[CaseResult]) -> String {
    let failed = results.iter().filter(|r| !r.passed()).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ =
        writeln!(out, "<testsuites name=\"warrant test\" tests=\"{}\" failures=\"{failed}\">", results.len());
    for (index, file) in suite.files.iter().enumerate() {
        let in_file: Vec<&CaseResult> = results.iter().filter(|r| r.file == index).collect();
        let file_failed = in_file.iter().filter(|r| !r.passed()).count();
        let name = xml(&file.display);
        let _ = writeln!(
            out,
            "  <testsuite name=\"{name}\" tests=\"{}\" failures=\"{file_failed}\">",
            in_file.len()
        );
        for result in in_file {
            let Some(case) = file.cases.get(result.case) else { continue };
            let case_name = xml(&case.name);
            if result.passed() {
                let _ = writeln!(out, "    <testcase classname=\"{name}\" name=\"{case_name}\"/>");
                continue;
            }
            let lines = failures(program, result);
            let first = lines.first().map(String::as_str).unwrap_or("failed");
            let _ = writeln!(out, "    <testcase classname=\"{name}\" name=\"{case_name}\">");
            let _ = writeln!(
                out,
                "      <failure message=\"{}\">{}</failure>",
                xml(first),
                xml(&lines.join("\n"))
            );
            let _ = writeln!(out, "    </testcase>");
        }
        let _ = writeln!(out, "  </testsuite>");
    }
    out.push_str("</testsuites>\n");
    out
}

/// Text in XML content or an attribute: markup characters escaped, and
/// characters XML 1.0 cannot hold at all written out as `\u{..}`.
fn xml(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            '\n' | '\t' => escaped.push(c),
            c if crate::escape::is_hidden(c) => escaped.push_str(&c.escape_unicode().to_string()),
            c => escaped.push(c),
        }
    }
    escaped
}
