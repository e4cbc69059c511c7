//! The report as plain text for a terminal, with optional ANSI colour.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};

use crate::text_out::TextOut;

use super::report::{
    AdviceView, CitationView, Condition, Finding, OutsidePopulation, Reference, Report, RuledOut,
};
use super::why_not::{self, Change, WhyNot};
use crate::evidence::Verification;
use crate::infer::Truth;
use crate::plan::DailyPlan;

/// Renders the report; `colour` adds ANSI styles.
pub fn render(report: &Report, colour: bool) -> String {
    let mut out = TextOut::new(colour);
    // Room for about the whole report: grown by doubling from nothing, the
    // text was copied a dozen times over.
    let findings = [&report.suggestions, &report.tests, &report.cautions, &report.background].map(Vec::len);
    out.text.reserve(2048 + 64 * report.labs.len() + 512 * findings.iter().sum::<usize>());
    let profile = report.profile.as_deref().unwrap_or("unnamed profile");
    out.heading(&format!("Warrant report: {profile}"));
    for file in &report.knowledge_base {
        let title = file.title.unwrap_or(file.file);
        let version = file.version.as_ref().map(|v| format!(" {v}")).unwrap_or_default();
        let reviewed = file.reviewed.as_ref().map(|r| format!(", reviewed {r}")).unwrap_or_default();
        out.line(0, &format!("Rules: {title}{version}{reviewed}"));
    }
    out.line(0, &format!("Report date: {}", report.report_date));
    if let Some(person) = report.person.describe() {
        out.wrapped(0, "", &format!("Person: {person}"));
    }
    out.blank();
    out.wrapped(0, "", "Not medical advice: read the note at the end before acting on anything here.");
    if !report.not_considered.is_empty() {
        out.blank();
        out.heading("Not considered");
        out.wrapped(
            2,
            "",
            "No rule reads these entries of the profile, so nothing below takes them into account:",
        );
        for entry in &report.not_considered {
            out.wrapped(2, "- ", &entry.describe());
        }
    }
    if !report.labs.is_empty() {
        out.blank();
        out.heading("Lab values read");
        for lab in &report.labs {
            let given = lab.given().map(|g| format!(" (given as {g})")).unwrap_or_default();
            let range = lab.range().map(|r| format!("; reference range {r}")).unwrap_or_default();
            let date = lab.date().map(|d| format!("; {d}")).unwrap_or_default();
            let missing = lab.counted_as_missing().map(|m| format!("; {m}")).unwrap_or_default();
            out.wrapped(
                2,
                "- ",
                &format!("{} ({}): {}{given}{range}{date}{missing}", lab.input, lab.label, lab.value),
            );
        }
    }

    section(&mut out, "Suggestions", &report.suggestions, "No supplement is suggested for this profile.");
    section(&mut out, "Tests to consider", &report.tests, "No test is called for by the data given.");
    out.blank();
    out.heading("Test first");
    if report.test_first.is_empty() {
        out.line(2, "Nothing is left undecided by missing data.");
    }
    for (missing, outcomes) in report.test_first_by_missing() {
        let missing: Vec<String> = missing
            .iter()
            .map(|m| {
                format!("{} ({}, profile field {})", m.input, m.label, m.fields_quoted(|f| format!("`{f}`")))
            })
            .collect();
        out.wrapped(2, "", &format!("To decide these, give {}:", missing.join("; ")));
        for undecided in outcomes {
            out.wrapped(4, "- ", &format!("{} [{} `{}`]", undecided.label, undecided.kind, undecided.id));
        }
    }
    section(&mut out, "Cautions", &report.cautions, "No caution applies to the data given.");
    out.blank();
    out.heading("Daily plan");
    plan_section(&mut out, &report.daily_plan);
    if !report.ruled_out.is_empty() {
        out.blank();
        out.heading("Ruled out");
        for finding in &report.ruled_out {
            render_ruled_out(&mut out, finding);
        }
    }
    if !report.outside_population.is_empty() {
        out.blank();
        out.heading("Not for this person");
        for finding in &report.outside_population {
            render_outside_population(&mut out, finding);
        }
    }
    if !report.background.is_empty() {
        section(&mut out, "Background", &report.background, "");
    }
    if !report.references.is_empty() {
        out.blank();
        out.heading("References");
        for reference in &report.references {
            render_reference(&mut out, reference);
        }
    }
    out.blank();
    out.heading("Not medical advice");
    out.wrapped(2, "", report.disclaimer);
    out.text
}

fn section(out: &mut TextOut, title: &str, findings: &[Finding], empty: &str) {
    out.blank();
    out.heading(title);
    if findings.is_empty() {
        out.line(2, empty);
    }
    for (index, finding) in findings.iter().enumerate() {
        if index > 0 {
            out.blank();
        }
        render_finding(out, index + 1, finding);
    }
}

fn render_finding(out: &mut TextOut, number: usize, finding: &Finding) {
    let strength = finding
        .strength
        .map(|s| match s {
            crate::syntax::ast::Strength::Strong => " [strong recommendation]",
            crate::syntax::ast::Strength::Conditional => " [conditional recommendation]",
        })
        .unwrap_or("");
    let unsupported =
        if finding.verified_support { "" } else { " [rests only on citations that could not be verified]" };
    let heading = format!("{number}. {}{strength}{unsupported}", finding.label);
    let styled = out.paint(&heading, Style::new().bold());
    out.text.push_str(&format!("  {styled}\n"));
    if let Some(advice) = &finding.advice {
        render_advice(out, advice);
    }
    if let Some(population) = &finding.population {
        out.line(4, "For:");
        render_reason(out, 6, population.root());
    }
    if let Some(because) = &finding.because {
        out.line(4, "Why:");
        render_reason(out, 6, because.root());
    }
    if let Some(contra) = &finding.contraindications {
        let verdict = match contra.root().truth() {
            Truth::False => "none apply",
            Truth::True => "one applies",
            Truth::Unknown => "could not all be ruled out",
        };
        out.line(4, &format!("Contraindications checked ({verdict}):"));
        render_reason(out, 6, contra.root());
    }
    if !finding.evidence.is_empty() {
        out.line(4, "Evidence:");
        for citation in &finding.evidence {
            render_citation(out, citation);
        }
    }
    if !finding.caveats.is_empty() {
        out.line(4, "Caveats:");
        for caveat in finding.caveats {
            out.wrapped(6, "- ", caveat);
        }
    }
    if !finding.over_limits.is_empty() {
        out.line(4, "Caution: with this, a safety limit can be passed (see Cautions):");
        for limit in &finding.over_limits {
            out.wrapped(6, "- ", &format!("{} (`{}`)", limit.label(), limit.id()));
        }
    }
    out.line(4, &format!("Rule: {} ({})", finding.id, finding.source));
}

fn render_advice(out: &mut TextOut, advice: &AdviceView) {
    let says_something = advice.form.is_some()
        || advice.dose.is_some()
        || !advice.timing.is_empty()
        || !advice.take_with.is_empty()
        || !advice.separate_from.is_empty();
    if !says_something {
        return;
    }
    out.line(4, "What to do:");
    if let Some(form) = &advice.form {
        out.wrapped(6, "", &format!("Form: {form}"));
    }
    if let Some(dose) = &advice.dose {
        out.wrapped(6, "", &format!("Dose: {dose}"));
    }
    if !advice.timing.is_empty() {
        let words: Vec<String> = advice.timing.iter().map(|t| t.replace('_', " ")).collect();
        out.wrapped(6, "", &format!("Timing: {}", words.join(", ")));
    }
    if !advice.take_with.is_empty() {
        out.wrapped(6, "", &format!("Take with: {}", human_list(advice.take_with)));
    }
    for separation in &advice.separate_from {
        out.wrapped(
            6,
            "",
            &format!(
                "Keep apart from: {} (at least {} h)",
                human_list(separation.items),
                crate::units::format_number(separation.hours)
            ),
        );
    }
}

fn human_list(items: &[String]) -> String {
    items.iter().map(|i| i.replace('_', " ")).collect::<Vec<_>>().join(", ")
}

fn render_reason(out: &mut TextOut, indent: usize, reason: Condition) {
    let (prefix, colour) = match reason.truth() {
        Truth::True => ("[yes] ", AnsiColor::Green),
        Truth::False => ("[no] ", AnsiColor::Red),
        Truth::Unknown => ("[unknown] ", AnsiColor::Yellow),
    };
    let mark = prefix.trim_end();
    let mut words = describe_reason(reason);
    if let Some(value) = reason.value() {
        words.push_str(": ");
        words.push_str(value);
    }
    // Wrap with the plain mark, so colour codes do not count towards the width.
    let start = out.text.len();
    out.wrapped(indent, prefix, &words);
    if out.colour {
        let painted = out.paint(mark, Style::new().fg_color(Some(colour.into())));
        let line = out.text.split_off(start);
        out.text.push_str(&line.replacen(mark, &painted, 1));
    }
    for part in reason.parts() {
        render_reason(out, indent + 2, part);
    }
}

/// `[2] Trotti & Becker 2019: systematic review and meta-analysis, n = 428; certainty moderate; supports`
fn render_citation(out: &mut TextOut, citation: &CitationView) {
    let n = citation.n.map(|n| format!(", n = {n}")).unwrap_or_default();
    let checked = citation_status(citation);
    let graded = if citation.graded { " (its grade for this)" } else { "" };
    out.wrapped(
        6,
        &format!("[{}] ", citation.reference),
        &format!(
            "{}: {}{n}; certainty {}{graded}; {}{checked}",
            citation.short,
            citation.design,
            citation.certainty,
            citation.stance.keyword()
        ),
    );
}

/// `; article's citation: discrepancy`, or `; source unverified` for a
/// record the article did not cite; nothing when all is verified.
pub(super) fn citation_status(citation: &CitationView) -> String {
    match (citation.verification, citation.cited_by_article) {
        (Verification::Verified, _) => String::new(),
        (other, true) => format!("; article's citation: {}", other.describe()),
        (other, false) => format!("; source {}", other.describe()),
    }
}

/// A recommendation whose conditions hold but which an exclusion blocks.
fn render_ruled_out(out: &mut TextOut, finding: &RuledOut) {
    out.wrapped(2, "- ", &format!("{} [{} `{}`]", finding.label, finding.kind, finding.id));
    out.line(4, "Ruled out by:");
    render_reason(out, 6, finding.excluded_by.root());
    out.line(4, &format!("Rule: {}", finding.source));
}

/// An outcome whose conditions hold, for people the person is not.
fn render_outside_population(out: &mut TextOut, finding: &OutsidePopulation) {
    out.wrapped(2, "- ", &format!("{} [{} `{}`]", finding.label, finding.kind, finding.id));
    out.line(4, "Its conditions hold, but it is for:");
    render_reason(out, 6, finding.population.root());
    out.line(4, &format!("Rule: {}", finding.source));
}

fn render_reference(out: &mut TextOut, reference: &Reference) {
    let prefix = format!("[{}] ", reference.number);
    let Some(reference) = &reference.record else {
        return out.wrapped(2, &prefix, reference.id);
    };
    out.wrapped(2, &prefix, &reference.citation);
    let indent = 2 + prefix.len();
    let mut design = reference.design.to_string();
    if let Some(n) = reference.n {
        let _ = write!(design, ", n = {n}");
    }
    if let Some(duration) = &reference.duration {
        let _ = write!(design, ", {duration}");
    }
    out.wrapped(indent, "", &format!("{design}; certainty {}.", reference.certainty));
    if let Some(population) = &reference.population {
        out.wrapped(indent, "", &format!("Population: {population}"));
    }
    out.wrapped(indent, "", &format!("Finding: {}", reference.finding));
    if !reference.limitations.is_empty() {
        out.wrapped(indent, "", &format!("Limitations: {}.", reference.limitations.join("; ")));
    }
    let check = match &reference.citation_check {
        Some(check) => format!("Article's citation {}: {check}", reference.verification.describe()),
        None => format!("Source {}.", reference.verification.describe()),
    };
    out.wrapped(indent, "", &check);
    if !reference.identifiers.is_empty() {
        out.wrapped(indent, "", &reference.identifiers.join(", "));
    }
}

/// `Label (id): any of`, `Label (id) applies`, or the bare condition.
pub(super) fn describe_reason(reason: Condition) -> String {
    match reason.fact() {
        Some(fact) if *reason.condition() == "applies" => format!("{} ({}) applies", fact.label(), fact.id()),
        Some(fact) => format!("{} ({}): {}", fact.label(), fact.id(), reason.condition()),
        None => reason.condition().to_string(),
    }
}

/// The why-not explanation as text.
pub fn render_why_not(why: &WhyNot, colour: bool) -> String {
    let mut out = TextOut::new(colour);
    out.heading(&format!("Why not: {}", why.label));
    out.line(0, &format!("{} `{}` ({})", why_not::kind_words_of(why.kind), why.id, why.source));
    let status = match why.verdict {
        Truth::True => "it applies to this profile",
        Truth::False => "it does not apply to this profile",
        Truth::Unknown => "it cannot be decided yet: data is missing",
    };
    out.line(0, &format!("Status: {status}."));
    if let Some(population) = &why.population {
        out.blank();
        out.line(0, "For:");
        render_reason(&mut out, 2, population.root());
    }
    if let Some(because) = &why.because {
        out.blank();
        out.line(0, "Conditions:");
        render_reason(&mut out, 2, because.root());
    }
    if let Some(contra) = &why.contraindications {
        out.blank();
        out.line(0, "Contraindications:");
        render_reason(&mut out, 2, contra.root());
    }
    if why.verdict != Truth::True && !why.possible {
        out.blank();
        out.wrapped(
            0,
            "",
            "No change to the profile would make it apply: every way to meet its conditions breaks another of them.",
        );
    } else if why.verdict != Truth::True {
        out.blank();
        out.line(0, "Smallest change that would make it apply:");
        render_changes(&mut out, 2, &why.smallest_change);
        if !why.alternatives.is_empty() {
            out.blank();
            out.line(0, "Other ways:");
            for (index, way) in why.alternatives.iter().enumerate() {
                out.line(2, &format!("{}.", index + 1));
                render_changes(&mut out, 4, way);
            }
        }
    }
    out.blank();
    out.heading("Not medical advice");
    out.wrapped(2, "", why.disclaimer);
    out.text
}

fn render_changes(out: &mut TextOut, indent: usize, changes: &[Change]) {
    for change in changes {
        out.wrapped(indent, "- ", &change.change);
        let evidence = if change.evidence.is_empty() {
            String::from("no cited evidence")
        } else {
            change.evidence.join("; ")
        };
        out.wrapped(
            indent + 2,
            "",
            &format!("(a condition of `{}`, which rests on: {evidence})", change.rule),
        );
    }
}

/// `suggested by `oral_iron`: <evidence>`, or `placed to suit `evening_minerals``.
pub(super) fn placed_by_text(rule: &crate::plan::RuleRef) -> String {
    if rule.role == "constraint" {
        return format!("placed to suit `{}`", rule.rule);
    }
    let evidence =
        if rule.evidence.is_empty() { String::from("no cited evidence") } else { rule.evidence.join("; ") };
    format!("suggested by `{}`: {evidence}", rule.rule)
}

/// The daily plan on its own, with the disclaimer.
pub fn render_plan(plan: &DailyPlan, colour: bool) -> String {
    let mut out = TextOut::new(colour);
    let profile = plan.profile.as_deref().unwrap_or("unnamed profile");
    out.heading(&format!("Daily plan: {profile}"));
    plan_section(&mut out, plan);
    out.blank();
    out.heading("Not medical advice");
    out.wrapped(2, "", plan.disclaimer);
    out.text
}

/// The slots used, what goes in each and why, then the constraints.
fn plan_section(out: &mut TextOut, plan: &DailyPlan) {
    if plan.slots.is_empty() {
        out.line(2, "Nothing to place: no supplement is suggested or listed.");
        return;
    }
    for slot in &plan.slots {
        let heading = out.paint(&format!("{}  {}", slot.time, slot.label), Style::new().bold());
        out.text.push_str(&format!("  {heading}\n"));
        for placement in &slot.items {
            out.wrapped(4, "- ", &format!("{}{}", placement.label, placement.notes()));
            for caution in &placement.cautions {
                out.wrapped(8, "", &format!("caution: {caution}"));
            }
            if placement.placed_by.is_empty() {
                out.wrapped(8, "", "no rule constrains when to take it");
            }
            for rule in &placement.placed_by {
                out.wrapped(8, "", &placed_by_text(rule));
            }
        }
    }
    if !plan.kept.is_empty() {
        out.line(2, "Constraints kept:");
        for constraint in &plan.kept {
            out.wrapped(4, "- ", &format!("{} (`{}`)", constraint.text, constraint.rule.rule));
        }
    }
    if !plan.broken.is_empty() {
        out.line(2, "Constraints no plan can keep together (broken as few as possible):");
        for constraint in &plan.broken {
            out.wrapped(4, "- ", &format!("{} (`{}`)", constraint.text, constraint.rule.rule));
            for other in &constraint.conflicts_with {
                out.wrapped(8, "", &format!("conflicts with: {other}"));
            }
        }
    }
    if !plan.proven_best {
        out.line(2, "(With this many items the search stopped early: this is the best plan found.)");
    }
}
