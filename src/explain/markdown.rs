//! The report as Markdown, for notes, tickets and rendered documentation.

use std::fmt::Write as _;

use super::report::{Condition, Finding, Reference, Report};
use crate::infer::Truth;
use crate::units::format_number;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let profile = report.profile.as_deref().unwrap_or("unnamed profile");
    let _ = writeln!(out, "# Warrant report: {profile}\n");
    let _ = writeln!(out, "> **Not medical advice.** {}\n", report.disclaimer);
    for file in &report.knowledge_base {
        let title = file.title.unwrap_or(file.file);
        let version = file.version.as_ref().map(|v| format!(" {v}")).unwrap_or_default();
        let reviewed = file.reviewed.as_ref().map(|r| format!(", reviewed {r}")).unwrap_or_default();
        let _ = writeln!(out, "- Rules: {title}{version}{reviewed} (`{}`)", file.file);
    }
    let _ = writeln!(out, "- Report date: {}", report.report_date);
    if let Some(person) = report.person.describe() {
        let _ = writeln!(out, "- Person: {person}");
    }
    if !report.not_considered.is_empty() {
        let _ = writeln!(out, "\n## Not considered\n");
        let _ = writeln!(
            out,
            "No rule reads these entries of the profile, so nothing below takes them into account:\n"
        );
        for entry in &report.not_considered {
            let _ = writeln!(out, "- {}", entry.describe());
        }
    }
    if !report.labs.is_empty() {
        let _ = writeln!(out, "\n## Lab values read\n");
        for lab in &report.labs {
            let given = lab.given().map(|g| format!(" (given as {g})")).unwrap_or_default();
            let range = lab.range().map(|r| format!("; reference range {r}")).unwrap_or_default();
            let date = lab.date().map(|d| format!("; {d}")).unwrap_or_default();
            let missing = lab.counted_as_missing().map(|m| format!("; {m}")).unwrap_or_default();
            let _ = writeln!(
                out,
                "- `{}` ({}): {}{given}{range}{date}{missing}",
                lab.input, lab.label, lab.value
            );
        }
    }
    section(&mut out, "Suggestions", &report.suggestions, "No supplement is suggested for this profile.");
    section(&mut out, "Tests to consider", &report.tests, "No test is called for by the data given.");
    let _ = writeln!(out, "\n## Test first\n");
    if report.test_first.is_empty() {
        let _ = writeln!(out, "Nothing is left undecided by missing data.");
    }
    for (missing, outcomes) in report.test_first_by_missing() {
        let missing: Vec<String> = missing
            .iter()
            .map(|m| {
                format!(
                    "`{}` ({}, profile field {})",
                    m.input,
                    m.label,
                    m.fields_quoted(|f| format!("`{f}`"))
                )
            })
            .collect();
        let _ = writeln!(out, "- To decide these, give {}:", missing.join("; "));
        for undecided in outcomes {
            let _ = writeln!(out, "  - **{}** ({} `{}`)", undecided.label, undecided.kind, undecided.id);
        }
    }
    section(&mut out, "Cautions", &report.cautions, "No caution applies to the data given.");
    let _ = writeln!(out, "\n## Daily plan");
    plan_section(&mut out, &report.daily_plan);
    if !report.ruled_out.is_empty() {
        let _ = writeln!(out, "\n## Ruled out\n");
        for finding in &report.ruled_out {
            let _ =
                writeln!(out, "- **{}** ({} `{}`), ruled out by:", finding.label, finding.kind, finding.id);
            render_reason(&mut out, 1, finding.excluded_by.root());
        }
    }
    if !report.outside_population.is_empty() {
        let _ = writeln!(out, "\n## Not for this person\n");
        for finding in &report.outside_population {
            let _ = writeln!(out, "- **{}** ({} `{}`), for:", finding.label, finding.kind, finding.id);
            render_reason(&mut out, 1, finding.population.root());
        }
    }
    if !report.background.is_empty() {
        section(&mut out, "Background", &report.background, "");
    }
    if !report.references.is_empty() {
        let _ = writeln!(out, "\n## References\n");
        for reference in &report.references {
            render_reference(&mut out, reference);
        }
    }
    let _ = writeln!(out, "\n---\n\n*{}*", report.disclaimer);
    out
}

fn section(out: &mut String, title: &str, findings: &[Finding], empty: &str) {
    let _ = writeln!(out, "\n## {title}\n");
    if findings.is_empty() {
        let _ = writeln!(out, "{empty}");
    }
    for finding in findings {
        render_finding(out, finding);
    }
}

fn render_finding(out: &mut String, finding: &Finding) {
    let strength = finding
        .strength
        .map(|s| match s {
            crate::syntax::ast::Strength::Strong => " — strong recommendation",
            crate::syntax::ast::Strength::Conditional => " — conditional recommendation",
        })
        .unwrap_or("");
    let unsupported =
        if finding.verified_support { "" } else { " — rests only on citations that could not be verified" };
    let _ = writeln!(out, "### {}{strength}{unsupported}\n", finding.label);
    finding_body(out, finding);
}

/// A finding below its heading: the advice, who it is for, why, the
/// contraindications checked, the evidence, the caveats, the limits it can
/// pass and where the rule is.
pub(crate) fn finding_body(out: &mut String, finding: &Finding) {
    if let Some(advice) = &finding.advice {
        if let Some(form) = &advice.form {
            let _ = writeln!(out, "- **Form:** {form}");
        }
        if let Some(dose) = &advice.dose {
            let _ = writeln!(out, "- **Dose:** {dose}");
        }
        if !advice.timing.is_empty() {
            let _ = writeln!(out, "- **Timing:** {}", advice.timing.join(", ").replace('_', " "));
        }
        if !advice.take_with.is_empty() {
            let _ = writeln!(out, "- **Take with:** {}", advice.take_with.join(", ").replace('_', " "));
        }
        for separation in &advice.separate_from {
            let _ = writeln!(
                out,
                "- **Keep apart from:** {} (at least {} h)",
                separation.items.join(", ").replace('_', " "),
                format_number(separation.hours)
            );
        }
        out.push('\n');
    }
    if let Some(population) = &finding.population {
        let _ = writeln!(out, "**For**\n");
        render_reason(out, 0, population.root());
        out.push('\n');
    }
    if let Some(because) = &finding.because {
        let _ = writeln!(out, "**Why**\n");
        render_reason(out, 0, because.root());
        out.push('\n');
    }
    if let Some(contra) = &finding.contraindications {
        let _ = writeln!(out, "**Contraindications checked**\n");
        render_reason(out, 0, contra.root());
        out.push('\n');
    }
    if !finding.evidence.is_empty() {
        let _ = writeln!(out, "**Evidence**\n");
        for c in &finding.evidence {
            let n = c.n.map(|n| format!(", n = {n}")).unwrap_or_default();
            let checked = super::text::citation_status(c);
            let graded = if c.graded { " (its grade for this)" } else { "" };
            let _ = writeln!(
                out,
                "- [{}] {}: {}{n}; certainty {}{graded}; {}{checked}",
                c.reference,
                c.short,
                c.design,
                c.certainty,
                c.stance.keyword()
            );
        }
        out.push('\n');
    }
    if !finding.caveats.is_empty() {
        let _ = writeln!(out, "**Caveats**\n");
        for caveat in finding.caveats {
            let _ = writeln!(out, "- {caveat}");
        }
        out.push('\n');
    }
    if !finding.over_limits.is_empty() {
        let _ = writeln!(out, "**Caution: with this, a safety limit can be passed** (see Cautions)\n");
        for limit in &finding.over_limits {
            let _ = writeln!(out, "- {} (`{}`)", limit.label(), limit.id());
        }
        out.push('\n');
    }
    let _ = writeln!(out, "<sub>Rule `{}` at `{}`</sub>\n", finding.id, finding.source);
}

fn render_reason(out: &mut String, depth: usize, reason: Condition) {
    let mark = match reason.truth() {
        Truth::True => "yes",
        Truth::False => "no",
        Truth::Unknown => "unknown",
    };
    let value = reason.value().map(|v| format!(": {v}")).unwrap_or_default();
    let _ = writeln!(out, "{}- [{mark}] {}{value}", "  ".repeat(depth), super::text::describe_reason(reason));
    for part in reason.parts() {
        render_reason(out, depth + 1, part);
    }
}

/// One numbered reference: the record, its grade and its citation check.
pub(crate) fn render_reference(out: &mut String, reference: &Reference) {
    let number = reference.number;
    let Some(r) = &reference.record else {
        let _ = writeln!(out, "{number}. `{}`", reference.id);
        return;
    };
    let n = r.n.map(|n| format!(", n = {n}")).unwrap_or_default();
    let duration = r.duration.as_ref().map(|d| format!(", {d}")).unwrap_or_default();
    let _ = writeln!(out, "{number}. {} *{}{n}{duration}; certainty {}.*", r.citation, r.design, r.certainty);
    if let Some(population) = &r.population {
        let _ = writeln!(out, "   - Population: {population}");
    }
    let _ = writeln!(out, "   - Finding: {}", r.finding);
    if !r.limitations.is_empty() {
        let _ = writeln!(out, "   - Limitations: {}.", r.limitations.join("; "));
    }
    match &r.citation_check {
        Some(check) => {
            let _ = writeln!(out, "   - Article's citation {}: {check}", r.verification.describe());
        }
        None => {
            let _ = writeln!(out, "   - Source {}.", r.verification.describe());
        }
    }
    if !r.identifiers.is_empty() {
        let _ = writeln!(out, "   - {}", r.identifiers.join(", "));
    }
}

/// The why-not explanation as Markdown.
pub fn render_why_not(why: &super::why_not::WhyNot) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Why not: {}\n", why.label);
    let _ = writeln!(out, "> **Not medical advice.** {}\n", why.disclaimer);
    let _ = writeln!(
        out,
        "{} `{}` at `{}`: it is **{}**.\n",
        super::why_not::kind_words_of(why.kind),
        why.id,
        why.source,
        why.verdict.word()
    );
    if let Some(population) = &why.population {
        let _ = writeln!(out, "**For**\n");
        render_reason(&mut out, 0, population.root());
        out.push('\n');
    }
    if let Some(because) = &why.because {
        let _ = writeln!(out, "**Conditions**\n");
        render_reason(&mut out, 0, because.root());
        out.push('\n');
    }
    if let Some(contra) = &why.contraindications {
        let _ = writeln!(out, "**Contraindications**\n");
        render_reason(&mut out, 0, contra.root());
        out.push('\n');
    }
    if why.verdict != Truth::True && !why.possible {
        let _ = writeln!(
            out,
            "No change to the profile would make it apply: every way to meet its conditions breaks another of them."
        );
    } else if why.verdict != Truth::True {
        let _ = writeln!(out, "**Smallest change that would make it apply**\n");
        for change in &why.smallest_change {
            let _ = writeln!(
                out,
                "- {} *(a condition of `{}`; evidence: {})*",
                change.change,
                change.rule,
                change.evidence.join("; ")
            );
        }
        for (index, way) in why.alternatives.iter().enumerate() {
            let _ = writeln!(out, "\n**Other way {}**\n", index + 1);
            for change in way {
                let _ = writeln!(out, "- {} *(a condition of `{}`)*", change.change, change.rule);
            }
        }
    }
    out
}

/// The daily plan on its own, with the disclaimer.
pub fn render_plan(plan: &crate::plan::DailyPlan) -> String {
    let mut out = String::new();
    let profile = plan.profile.as_deref().unwrap_or("unnamed profile");
    let _ = writeln!(out, "# Daily plan: {profile}\n");
    let _ = writeln!(out, "> **Not medical advice.** {}", plan.disclaimer);
    plan_section(&mut out, plan);
    out
}

fn plan_section(out: &mut String, plan: &crate::plan::DailyPlan) {
    if plan.slots.is_empty() {
        let _ = writeln!(out, "\nNothing to place: no supplement is suggested or listed.");
        return;
    }
    for slot in &plan.slots {
        let _ = writeln!(out, "\n### {} {}\n", slot.time, slot.label);
        for placement in &slot.items {
            let placed: Vec<String> = placement.placed_by.iter().map(super::text::placed_by_text).collect();
            let placed = if placed.is_empty() {
                String::from("No rule constrains when to take it.")
            } else {
                format!("{}.", placed.join("; "))
            };
            let cautions: String =
                placement.cautions.iter().map(|caution| format!(" **Caution:** {caution}.")).collect();
            let _ = writeln!(out, "- **{}**{}. {placed}{cautions}", placement.label, placement.notes());
        }
    }
    if !plan.kept.is_empty() {
        let _ = writeln!(out, "\n**Constraints kept**\n");
        for constraint in &plan.kept {
            let _ = writeln!(out, "- {} (`{}`)", constraint.text, constraint.rule.rule);
        }
    }
    if !plan.broken.is_empty() {
        let _ = writeln!(out, "\n**Constraints no plan can keep together**\n");
        for constraint in &plan.broken {
            let _ = writeln!(
                out,
                "- {} (`{}`); conflicts with: {}",
                constraint.text,
                constraint.rule.rule,
                constraint.conflicts_with.join("; ")
            );
        }
    }
}
