//! Writing a diff as it is computed: text and JSON profile by profile (a
//! corpus of any size in bounded memory), Markdown with the summary first
//! and at most `max_details` profiles' details, collapsed, as a
//! pull-request comment wants.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::{ChangeKind, ProfileDiff, Summary};
use crate::escape::{escape_controls, json_line};

/// The output formats of `warrant diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    /// For a pull-request comment: a summary table, then each changed profile collapsed.
    Markdown,
    Json,
}

/// Streams a diff to `out`.
pub struct Writer<W: Write> {
    out: W,
    format: Format,
    max_details: usize,
    summary: Summary,
    /// Markdown: the rendered details kept for after the summary.
    held: Vec<String>,
}

impl<W: Write> Writer<W> {
    pub fn new(mut out: W, format: Format, max_details: usize) -> io::Result<Self> {
        if format == Format::Json {
            out.write_all(b"{\"schema_version\":1,\"profiles\":[")?;
        }
        Ok(Writer { out, format, max_details, summary: Summary::default(), held: Vec::new() })
    }

    /// Counts a profile and writes what changed for it, if anything did.
    pub fn profile(&mut self, diff: &ProfileDiff) -> io::Result<()> {
        let first_change = self.summary.changed == 0;
        self.summary.add(diff);
        if diff.is_empty() {
            return Ok(());
        }
        match self.format {
            Format::Text => self.out.write_all(text_profile(diff).as_bytes()),
            Format::Json => {
                let comma = if first_change { "" } else { "," };
                let line = json_line(diff).map_err(io::Error::other)?;
                write!(self.out, "{comma}\n{line}")
            }
            Format::Markdown => {
                if self.held.len() < self.max_details {
                    self.held.push(markdown_profile(diff));
                }
                Ok(())
            }
        }
    }

    /// Counts a profile that could not be read.
    pub fn refused(&mut self) {
        self.summary.add_refused();
    }

    /// Writes the summary (and Markdown's held details) and hands it back.
    pub fn finish(mut self) -> io::Result<Summary> {
        match self.format {
            Format::Text => self.out.write_all(text_summary(&self.summary).as_bytes())?,
            Format::Json => {
                let summary = json_line(&self.summary).map_err(io::Error::other)?;
                write!(self.out, "\n],\"summary\":{summary}}}\n")?;
            }
            Format::Markdown => {
                let mut text = markdown_summary(&self.summary);
                for details in &self.held {
                    text.push_str(details);
                }
                let hidden = self.summary.changed.saturating_sub(self.held.len());
                if hidden > 0 {
                    let _ =
                        writeln!(text, "\n*{hidden} more changed profiles are not shown (`--max-details`).*");
                }
                self.out.write_all(text.as_bytes())?;
            }
        }
        self.out.flush()?;
        Ok(self.summary)
    }
}

fn change_line(change: &super::Change) -> String {
    let how = match &change.what {
        ChangeKind::Details { fields } => {
            let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
            format!("details: {}", names.join(", "))
        }
        other => other.transition(),
    };
    format!("{} `{}` \"{}\": {how}", change.kind, change.id, change.label)
}

fn text_profile(diff: &ProfileDiff) -> String {
    let mut out = format!("{}\n", escape_controls(&diff.profile));
    for change in &diff.changes {
        let mark = match change.what {
            ChangeKind::Appeared { .. } => '+',
            ChangeKind::Disappeared { .. } => '-',
            ChangeKind::Truth { .. } | ChangeKind::Details { .. } => '~',
        };
        let _ = writeln!(out, "  {mark} {}", change_line(change));
        if let ChangeKind::Details { fields } = &change.what {
            for field in fields {
                let _ = writeln!(out, "      {}:", field.field);
                lines(&mut out, "        - ", &field.values.before);
                lines(&mut out, "        + ", &field.values.after);
            }
        }
    }
    if let Some(plan) = &diff.daily_plan {
        let _ = writeln!(out, "  ~ daily plan:");
        for line in &plan.removed {
            let _ = writeln!(out, "      - {}", escape_controls(line));
        }
        for line in &plan.added {
            let _ = writeln!(out, "      + {}", escape_controls(line));
        }
    }
    out.push('\n');
    out
}

/// Each line of `text` after `mark`; `(none)` for empty text.
fn lines(out: &mut String, mark: &str, text: &str) {
    if text.is_empty() {
        let _ = writeln!(out, "{mark}(none)");
    }
    for line in text.lines() {
        let _ = writeln!(out, "{mark}{}", escape_controls(line));
    }
}

fn transitions(count: &super::OutcomeCount) -> String {
    let parts: Vec<String> = count.transitions.iter().map(|(how, n)| format!("{how} {n}")).collect();
    parts.join(", ")
}

fn text_summary(summary: &Summary) -> String {
    let mut out = format!(
        "diff: {} profile{}, {} changed, {} could not be read\n",
        summary.profiles,
        if summary.profiles == 1 { "" } else { "s" },
        summary.changed,
        summary.refused
    );
    for (id, count) in &summary.outcomes {
        let _ = writeln!(out, "  {id} \"{}\": {} ({})", count.label, count.profiles, transitions(count));
    }
    if summary.daily_plan > 0 {
        let _ = writeln!(out, "  daily plan: {}", summary.daily_plan);
    }
    out
}

/// Text safe in a Markdown table cell or inside `<details>`.
fn markdown_text(text: &str) -> String {
    escape_controls(text).replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('|', "\\|")
}

fn markdown_summary(summary: &Summary) -> String {
    let mut out = String::from("## What this rule change does\n\n");
    let _ = writeln!(
        out,
        "**{} of {} profiles change**{}.\n",
        summary.changed,
        summary.profiles,
        if summary.refused > 0 { format!(" ({} could not be read)", summary.refused) } else { String::new() }
    );
    if summary.outcomes.is_empty() && summary.daily_plan == 0 {
        return out;
    }
    out.push_str("| outcome | profiles | how |\n|---|---:|---|\n");
    for (id, count) in &summary.outcomes {
        let _ = writeln!(
            out,
            "| `{id}` {} | {} | {} |",
            markdown_text(&count.label),
            count.profiles,
            markdown_text(&transitions(count))
        );
    }
    if summary.daily_plan > 0 {
        let _ = writeln!(out, "| daily plan | {} | |", summary.daily_plan);
    }
    out.push('\n');
    out
}

fn markdown_profile(diff: &ProfileDiff) -> String {
    let count = diff.changes.len() + usize::from(diff.daily_plan.is_some());
    let mut out = format!(
        "<details><summary><code>{}</code>: {count} change{}</summary>\n\n",
        markdown_text(&diff.profile),
        if count == 1 { "" } else { "s" }
    );
    for change in &diff.changes {
        let _ = writeln!(out, "- {}", markdown_text(&change_line(change)));
        if let ChangeKind::Details { fields } = &change.what {
            for field in fields {
                let _ = writeln!(
                    out,
                    "  - {}: {} → {}",
                    markdown_text(&field.field),
                    shown(&field.values.before),
                    shown(&field.values.after)
                );
            }
        }
    }
    if let Some(plan) = &diff.daily_plan {
        let _ = writeln!(out, "- daily plan:");
        for line in &plan.removed {
            let _ = writeln!(out, "  - removed: {}", markdown_text(line));
        }
        for line in &plan.added {
            let _ = writeln!(out, "  - added: {}", markdown_text(line));
        }
    }
    out.push_str("\n</details>\n\n");
    out
}

/// A value in Markdown: its lines joined, or *none*.
fn shown(text: &str) -> String {
    if text.is_empty() {
        String::from("*none*")
    } else {
        format!("“{}”", markdown_text(&text.lines().collect::<Vec<_>>().join(" / ")))
    }
}
