//! The report as one self-contained HTML page, for people who are not
//! programmers: no script, no network (styles inline), each reason tree a
//! `<details>` that opens with a click or the keyboard, truth shown by a
//! symbol and a word as well as a colour, certainty as GRADE's four
//! circles, the daily plan as the day's timeline, and a print style. The
//! markup is well-formed XML, so it can be checked with an XML parser, and
//! the same report gives the same bytes.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::report::{CitationView, Condition, Finding, Reference, Report};
use crate::infer::Truth;
use crate::units::format_number;

const STYLE: &str = "
:root { --yes: #1b6e20; --no: #a61b1b; --unknown: #6b5900; --ink: #1d1d1f; --muted: #5a5a60; --line: #d8d8de; }
body { font: 16px/1.5 system-ui, sans-serif; color: var(--ink); max-width: 56rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
h1 { font-size: 1.6rem; margin-bottom: .25rem; } h2 { border-bottom: 1px solid var(--line); padding-bottom: .2rem; margin-top: 2.2rem; }
h3 { margin-bottom: .3rem; } .muted { color: var(--muted); } .note { border-left: 4px solid var(--no); padding: .5rem 1rem; background: #fbf3f3; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
article { border: 1px solid var(--line); border-radius: .5rem; padding: .3rem 1rem .8rem; margin: 1rem 0; }
details > summary { cursor: pointer; font-weight: 600; } details { margin: .4rem 0; }
ul.tree, ul.tree ul { list-style: none; padding-left: 1.2rem; margin: .2rem 0; }
.truth { font-weight: 600; white-space: nowrap; } .yes { color: var(--yes); } .no { color: var(--no); } .unknown { color: var(--unknown); }
.grade { letter-spacing: .1em; white-space: nowrap; } .value { background: #f2f2f5; padding: 0 .3em; border-radius: .2em; }
ol.timeline { list-style: none; padding-left: 0; border-left: 3px solid var(--line); }
ol.timeline > li { margin: 0 0 1rem 0; padding-left: 1rem; } ol.timeline time { font-weight: 700; }
figure { margin: .5rem 0; border: 1px solid var(--line); border-radius: .3rem; } figure svg { max-width: 100%; height: auto; }
figcaption { padding: .3rem .5rem; }
a { color: #0b57d0; } a:focus, summary:focus { outline: 3px solid #0b57d0; outline-offset: 2px; }
@media print { details { display: block; } details > * { display: block; } summary { list-style: none; } a::after { content: \" (\" attr(href) \")\"; font-size: .8em; } body { max-width: none; } }
";

/// Each finding's reasoning drawn as SVG (the subgraph behind it, coloured
/// by this evaluation's truth), by rule id, for [`render`].
pub fn figures(
    graph: &crate::graph::KnowledgeGraph,
    evidence: &crate::evidence::EvidenceBase,
    evaluation: &crate::infer::Evaluation<'_>,
    report: &Report,
) -> BTreeMap<String, String> {
    use crate::graph::export;
    [&report.suggestions, &report.tests, &report.cautions, &report.background]
        .into_iter()
        .flatten()
        .filter_map(|finding| {
            let rule = export::find_rule(&graph.program, finding.id).ok()?;
            let drawn = export::export(graph, evidence, Some(evaluation), Some(rule));
            let svg = export::render(&drawn, export::Format::Svg);
            // Many figures share one page: each gets its own ids (arrow
            // markers, edge paths), and says what it is to a screen reader.
            let prefix = format!("figure-{}-", finding.id);
            let svg = svg
                .replace(" id=\"", &format!(" id=\"{prefix}"))
                .replace("href=\"#", &format!("href=\"#{prefix}"))
                .replace("url(#", &format!("url(#{prefix}"));
            let label = format!(
                "<svg role=\"img\" aria-label=\"The reasoning behind {}, drawn\" ",
                text(finding.label)
            );
            Some((finding.id.to_string(), svg.replacen("<svg ", &label, 1)))
        })
        .collect()
}

/// The report as an HTML document, with each finding's figure from
/// `figures` (by rule id) when there is one.
pub fn render(report: &Report, figures: &BTreeMap<String, String>) -> String {
    let profile = report.profile.as_deref().unwrap_or("unnamed profile");
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
         <title>Warrant report: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        text(profile)
    );
    let _ = writeln!(out, "<header>\n<h1>Warrant report: {}</h1>", text(profile));
    let _ = writeln!(
        out,
        "<p class=\"note\" role=\"note\"><strong>Not medical advice.</strong> {}</p>",
        text(report.disclaimer)
    );
    let _ = write!(out, "<p class=\"muted\">Report date: {}", text(&report.report_date.to_string()));
    if let Some(person) = report.person.describe() {
        let _ = write!(out, ". Person: {}", text(&person));
    }
    out.push_str(".</p>\n</header>\n<main>\n");
    nav(&mut out, report);
    if !report.not_considered.is_empty() {
        section_start(&mut out, "not-considered", "Not considered");
        out.push_str("<p>No rule reads these entries, so nothing below takes them into account:</p>\n<ul>\n");
        for entry in &report.not_considered {
            let _ = writeln!(out, "<li>{}</li>", text(&entry.describe()));
        }
        out.push_str("</ul>\n</section>\n");
    }
    if !report.labs.is_empty() {
        section_start(&mut out, "labs", "Lab values read");
        out.push_str("<table>\n<thead><tr><th scope=\"col\">Lab</th><th scope=\"col\">Value</th><th scope=\"col\">Reference range</th><th scope=\"col\">Date</th></tr></thead>\n<tbody>\n");
        for lab in &report.labs {
            let given = lab
                .given()
                .map(|g| format!(" <span class=\"muted\">(given as {})</span>", text(g)))
                .unwrap_or_default();
            let missing = lab
                .counted_as_missing()
                .map(|m| format!("<br/><span class=\"unknown\">{}</span>", text(m)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "<tr><th scope=\"row\">{}</th><td>{}{given}{missing}</td><td>{}</td><td>{}</td></tr>",
                text(lab.label),
                text(&lab.value),
                text(lab.range().unwrap_or("—")),
                text(lab.date().unwrap_or("—"))
            );
        }
        out.push_str("</tbody>\n</table>\n</section>\n");
    }
    findings(
        &mut out,
        report,
        figures,
        "suggestions",
        "Suggestions",
        &report.suggestions,
        "No supplement is suggested for this profile.",
    );
    findings(
        &mut out,
        report,
        figures,
        "tests",
        "Tests to consider",
        &report.tests,
        "No test is called for by the data given.",
    );
    section_start(&mut out, "test-first", "Test first");
    if report.test_first.is_empty() {
        out.push_str("<p>Nothing is left undecided by missing data.</p>\n");
    } else {
        out.push_str("<ul>\n");
        for (missing, outcomes) in report.test_first_by_missing() {
            let missing: Vec<String> = missing
                .iter()
                .map(|m| {
                    format!(
                        "{} ({})",
                        text(m.label),
                        m.fields_quoted(|f| format!("<code>{}</code>", text(f)))
                    )
                })
                .collect();
            let _ = writeln!(out, "<li>To decide these, give {}:\n<ul>", missing.join("; "));
            for undecided in outcomes {
                let _ = writeln!(
                    out,
                    "<li>{} <span class=\"muted\">({} <code>{}</code>)</span></li>",
                    text(undecided.label),
                    undecided.kind,
                    text(undecided.id)
                );
            }
            out.push_str("</ul></li>\n");
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
    findings(
        &mut out,
        report,
        figures,
        "cautions",
        "Cautions",
        &report.cautions,
        "No caution applies to the data given.",
    );
    section_start(&mut out, "daily-plan", "Daily plan");
    plan_timeline(&mut out, &report.daily_plan);
    out.push_str("</section>\n");
    if !report.ruled_out.is_empty() {
        section_start(&mut out, "ruled-out", "Ruled out");
        for finding in &report.ruled_out {
            let _ = writeln!(out, "<details>\n<summary>{} — ruled out</summary>", text(finding.label));
            reason_tree(&mut out, finding.excluded_by.root());
            out.push_str("</details>\n");
        }
        out.push_str("</section>\n");
    }
    if !report.outside_population.is_empty() {
        section_start(&mut out, "not-for-this-person", "Not for this person");
        for finding in &report.outside_population {
            let _ =
                writeln!(out, "<details>\n<summary>{} — for another group</summary>", text(finding.label));
            reason_tree(&mut out, finding.population.root());
            out.push_str("</details>\n");
        }
        out.push_str("</section>\n");
    }
    if !report.background.is_empty() {
        findings(&mut out, report, figures, "background", "Background", &report.background, "");
    }
    if !report.references.is_empty() {
        section_start(&mut out, "references", "References");
        out.push_str("<ol>\n");
        for reference in &report.references {
            reference_item(&mut out, reference);
        }
        out.push_str("</ol>\n</section>\n");
    }
    let _ = writeln!(
        out,
        "</main>\n<footer>\n<p class=\"note\" role=\"note\">{}</p>\n</footer>\n</body>\n</html>",
        text(report.disclaimer)
    );
    out
}

fn nav(out: &mut String, report: &Report) {
    let mut links = vec![
        ("suggestions", "Suggestions"),
        ("tests", "Tests"),
        ("test-first", "Test first"),
        ("cautions", "Cautions"),
        ("daily-plan", "Daily plan"),
    ];
    if !report.references.is_empty() {
        links.push(("references", "References"));
    }
    out.push_str("<nav aria-label=\"Sections\"><ul>\n");
    for (id, label) in links {
        let _ = writeln!(out, "<li><a href=\"#{id}\">{label}</a></li>");
    }
    out.push_str("</ul></nav>\n");
}

fn section_start(out: &mut String, id: &str, title: &str) {
    let _ = writeln!(
        out,
        "<section id=\"{id}\" aria-labelledby=\"{id}-title\">\n<h2 id=\"{id}-title\">{title}</h2>"
    );
}

fn findings(
    out: &mut String,
    report: &Report,
    figures: &BTreeMap<String, String>,
    id: &str,
    title: &str,
    findings: &[Finding],
    empty: &str,
) {
    section_start(out, id, title);
    if findings.is_empty() && !empty.is_empty() {
        let _ = writeln!(out, "<p>{empty}</p>");
    }
    for finding in findings {
        finding_article(out, report, figures.get(finding.id), finding);
    }
    out.push_str("</section>\n");
}

fn finding_article(out: &mut String, report: &Report, figure: Option<&String>, finding: &Finding) {
    let _ = writeln!(out, "<article id=\"rule-{}\">", text(finding.id));
    let strength = match finding.strength {
        Some(crate::syntax::ast::Strength::Strong) => " <span class=\"muted\">— strong recommendation</span>",
        Some(crate::syntax::ast::Strength::Conditional) => {
            " <span class=\"muted\">— conditional recommendation</span>"
        }
        None => "",
    };
    let _ = writeln!(out, "<h3>{}{strength}</h3>", text(finding.label));
    if !finding.verified_support {
        out.push_str("<p class=\"unknown\">It rests only on citations that could not be verified.</p>\n");
    }
    if let Some(advice) = &finding.advice {
        out.push_str("<dl>\n");
        let mut entry = |term: &str, value: String| {
            if !value.is_empty() {
                let _ = writeln!(out, "<dt>{term}</dt><dd>{}</dd>", text(&value));
            }
        };
        entry("Form", advice.form.unwrap_or_default().to_string());
        entry("Dose", advice.dose.clone().unwrap_or_default());
        entry("Timing", advice.timing.join(", ").replace('_', " "));
        entry("Take with", advice.take_with.join(", ").replace('_', " "));
        for separation in &advice.separate_from {
            entry(
                "Keep apart from",
                format!(
                    "{} (at least {} h)",
                    separation.items.join(", ").replace('_', " "),
                    format_number(separation.hours)
                ),
            );
        }
        out.push_str("</dl>\n");
    }
    for (title, reason) in [
        ("Who it is for", &finding.population),
        ("Why", &finding.because),
        ("Contraindications checked", &finding.contraindications),
    ] {
        if let Some(reason) = reason {
            let _ = writeln!(out, "<details>\n<summary>{title}</summary>");
            reason_tree(out, reason.root());
            out.push_str("</details>\n");
        }
    }
    if !finding.evidence.is_empty() {
        out.push_str("<details>\n<summary>Evidence</summary>\n<ul>\n");
        for citation in &finding.evidence {
            citation_item(out, report, citation);
        }
        out.push_str("</ul>\n</details>\n");
    }
    if !finding.caveats.is_empty() {
        out.push_str("<details>\n<summary>Caveats</summary>\n<ul>\n");
        for caveat in finding.caveats {
            let _ = writeln!(out, "<li>{}</li>", text(caveat));
        }
        out.push_str("</ul>\n</details>\n");
    }
    if let Some(figure) = figure {
        let _ = writeln!(
            out,
            "<details>\n<summary>The reasoning, drawn</summary>\n<figure>\n{}<figcaption>What “{}” rests on: the profile's values (boxes), the conditions (ovals), the rules and the evidence they cite (notes); green holds, red does not, grey is unknown. An overview: the lists above say each step in words.</figcaption>\n</figure>\n</details>",
            figure.trim_end(),
            text(finding.label)
        );
    }
    if !finding.over_limits.is_empty() {
        out.push_str("<p class=\"no\"><strong>Caution:</strong> with this, a safety limit can be passed: ");
        let limits: Vec<String> = finding.over_limits.iter().map(|l| text(l.label())).collect();
        let _ = writeln!(out, "{}.</p>", limits.join("; "));
    }
    let _ = writeln!(
        out,
        "<p class=\"muted\"><small>Rule <code>{}</code> at <code>{}</code></small></p>\n</article>",
        text(finding.id),
        text(finding.source)
    );
}

/// A reason as a nested list, each line marked by its truth in a symbol
/// and a word, not only a colour.
fn reason_tree(out: &mut String, reason: Condition) {
    out.push_str("<ul class=\"tree\">\n");
    reason_item(out, reason);
    out.push_str("</ul>\n");
}

fn reason_item(out: &mut String, reason: Condition) {
    let (class, mark) = match reason.truth() {
        Truth::True => ("yes", "✓ yes"),
        Truth::False => ("no", "✗ no"),
        Truth::Unknown => ("unknown", "? unknown"),
    };
    let value =
        reason.value().map(|v| format!(": <span class=\"value\">{}</span>", text(v))).unwrap_or_default();
    let _ = write!(
        out,
        "<li><span class=\"truth {class}\">{mark}</span> {}{value}",
        text(&super::text::describe_reason(reason))
    );
    if reason.has_parts() {
        out.push_str("\n<ul>\n");
        for part in reason.parts() {
            reason_item(out, part);
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</li>\n");
}

/// GRADE's four levels as filled and open circles, with the words for
/// screen readers and anyone who does not know the convention.
fn grade(certainty: &str) -> String {
    let filled = match certainty {
        "high" => 4,
        "moderate" => 3,
        "low" => 2,
        "very low" => 1,
        _ => 0,
    };
    let circles: String = (0..4).map(|i| if i < filled { '⊕' } else { '◯' }).collect();
    format!(
        "<span class=\"grade\" role=\"img\" aria-label=\"certainty {certainty}: {filled} of 4\">{circles}</span> {certainty}"
    )
}

fn citation_item(out: &mut String, report: &Report, citation: &CitationView) {
    let n = citation.n.map(|n| format!(", n = {n}")).unwrap_or_default();
    let graded = if citation.graded { " (its grade for this)" } else { "" };
    let link = report
        .references
        .iter()
        .find(|r| r.number == citation.reference)
        .and_then(Reference::url)
        .map(|url| format!(" <a href=\"{}\">source</a>", text(&url)))
        .unwrap_or_default();
    let status = super::text::citation_status(citation);
    let check = if status.is_empty() {
        String::from("source verified")
    } else {
        status.trim_start_matches("; ").to_string()
    };
    let _ = writeln!(
        out,
        "<li><a href=\"#ref-{}\">[{}]</a> {}: {}{n}; certainty {}{graded}; {}; {}{link}</li>",
        citation.reference,
        citation.reference,
        text(citation.short),
        citation.design,
        grade(citation.certainty),
        citation.stance.keyword(),
        text(&check)
    );
}

fn reference_item(out: &mut String, reference: &Reference) {
    let _ = write!(out, "<li id=\"ref-{}\" value=\"{}\">", reference.number, reference.number);
    match &reference.record {
        None => {
            let _ = write!(out, "<code>{}</code>", text(reference.id));
        }
        Some(record) => {
            let n = record.n.map(|n| format!(", n = {n}")).unwrap_or_default();
            let _ = write!(
                out,
                "{} <em>{}{n}</em>; certainty {}.",
                text(&record.citation),
                record.design,
                grade(record.certainty)
            );
            let _ = write!(out, "<br/>Finding: {}", text(record.finding));
            if !record.limitations.is_empty() {
                let _ = write!(out, "<br/>Limitations: {}.", text(&record.limitations.join("; ")));
            }
            match &record.citation_check {
                Some(check) => {
                    let _ = write!(
                        out,
                        "<br/>The article's citation: <strong>{}</strong>. {}",
                        record.verification.describe(),
                        text(check)
                    );
                }
                None => {
                    let _ = write!(out, "<br/>Source {}.", record.verification.describe());
                }
            }
            if let Some(url) = reference.url() {
                let _ = write!(
                    out,
                    "<br/><a href=\"{}\">{}</a>",
                    text(&url),
                    text(&record.identifiers.join(", "))
                );
            }
        }
    }
    out.push_str("</li>\n");
}

/// The daily plan as the day's timeline.
fn plan_timeline(out: &mut String, plan: &crate::plan::DailyPlan) {
    if plan.slots.is_empty() {
        out.push_str("<p>Nothing to place: no supplement is suggested or listed.</p>\n");
        return;
    }
    out.push_str("<ol class=\"timeline\">\n");
    for slot in &plan.slots {
        let _ = writeln!(out, "<li><time>{}</time> {}\n<ul>", text(&slot.time), text(&slot.label));
        for placement in &slot.items {
            let _ = writeln!(
                out,
                "<li><strong>{}</strong>{}</li>",
                text(&placement.label),
                text(&placement.notes())
            );
        }
        out.push_str("</ul></li>\n");
    }
    out.push_str("</ol>\n");
    if !plan.broken.is_empty() {
        out.push_str("<p class=\"no\">Constraints no plan can keep together:</p>\n<ul>\n");
        for constraint in &plan.broken {
            let _ = writeln!(out, "<li>{}</li>", text(&constraint.text));
        }
        out.push_str("</ul>\n");
    }
}

/// Text for HTML content, markup characters escaped and control
/// characters made visible.
fn text(value: &str) -> String {
    markup_escaped(&crate::escape::escape_controls(value))
}

fn markup_escaped(visible: &str) -> String {
    let mut escaped = String::with_capacity(visible.len());
    for c in visible.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// The daily plan alone, as a page (`warrant plan --format html`).
pub fn render_plan(plan: &crate::plan::DailyPlan) -> String {
    let profile = plan.profile.as_deref().unwrap_or("unnamed profile");
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>Daily plan: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n<h1>Daily plan: {}</h1>\n<p class=\"note\" role=\"note\"><strong>Not medical advice.</strong> {}</p>\n",
        text(profile),
        text(profile),
        text(plan.disclaimer)
    );
    plan_timeline(&mut out, plan);
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

/// A why-not explanation as a page: its text, as `--format text` lays it
/// out, under the disclaimer.
pub fn render_why_not(laid_out: &str, disclaimer: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>Why not</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n<p class=\"note\" role=\"note\"><strong>Not medical advice.</strong> {}</p>\n<pre>{}</pre>\n</main>\n</body>\n</html>\n",
        text(disclaimer),
        markup_escaped(&crate::escape::escape_controls_in_lines(laid_out))
    )
}
