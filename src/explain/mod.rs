//! Stage five: an [`Evaluation`](crate::infer::Evaluation) in, a rendered
//! report out, as text, Markdown or JSON.
//!
//! [`report::build`] walks back from each outcome to the facts, thresholds
//! and evidence behind it; the renderers only lay that model out. Output is
//! deterministic: outcomes in declaration order, citations as written.

mod html;
pub(crate) mod markdown;
mod phrase;
pub mod report;
mod text;
pub mod why_not;

pub use phrase::Phrase;
pub use report::{Citing, Report, build, build_citing};

/// The output formats of `explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
    /// One self-contained page: no script, no network, printable.
    Html,
}

/// Renders a report. `colour` applies to text only.
pub fn render(report: &Report, format: Format, colour: bool) -> String {
    match format {
        Format::Text => text::render(report, colour),
        Format::Markdown => markdown::render(report),
        Format::Json => crate::escape::json_document(report),
        Format::Html => html::render(report, &std::collections::BTreeMap::new()),
    }
}

/// The report as an HTML page with each finding's reasoning drawn: the
/// subgraph behind it, coloured by `evaluation`'s truth.
pub fn render_html_with_figures(
    report: &Report,
    evaluation: &crate::infer::Evaluation<'_>,
    evidence: &crate::evidence::EvidenceBase,
) -> String {
    let figures = html::figures(evaluation.graph, evidence, evaluation, report);
    html::render(report, &figures)
}

/// Renders a why-not explanation. `colour` applies to text only.
pub fn render_why_not(why: &why_not::WhyNot, format: Format, colour: bool) -> String {
    match format {
        Format::Text => text::render_why_not(why, colour),
        Format::Markdown => markdown::render_why_not(why),
        Format::Json => crate::escape::json_document(why),
        Format::Html => html::render_why_not(&text::render_why_not(why, false), why.disclaimer),
    }
}

/// Renders a daily plan on its own (`warrant plan`).
pub fn render_plan(plan: &crate::plan::DailyPlan, format: Format, colour: bool) -> String {
    match format {
        Format::Text => text::render_plan(plan, colour),
        Format::Markdown => markdown::render_plan(plan),
        Format::Json => crate::escape::json_document(plan),
        Format::Html => html::render_plan(plan),
    }
}
