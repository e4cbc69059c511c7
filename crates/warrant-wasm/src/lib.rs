//! Warrant in the browser: the playground's one call. Rules, evidence and
//! a profile go in as text; the diagnostics (with lines and columns, as
//! `--error-format json` gives them) and the HTML report with its drawn
//! reasoning come out as JSON. Everything runs in the page: no server.

use serde_json::{Value, json};
use warrant::knowledge_base::{self, Files};
use warrant::limits::Limits;
use warrant::profile::Format;
use warrant::span::SourceFile;
use wasm_bindgen::prelude::wasm_bindgen;

/// The playground's call from JavaScript: [`run`] as JSON text.
#[wasm_bindgen]
pub fn playground(rules: &str, evidence: &str, profile: &str, today: &str) -> String {
    run(rules, evidence, profile, today).to_string()
}

/// Checks `rules` against `evidence` (the bundled evidence when empty),
/// evaluates `profile` (YAML, or JSON when it starts with `{`) on the
/// report date `today`, and returns `{"diagnostics": [...]}` with, when
/// nothing is wrong, `"report"`: the HTML report.
pub fn run(rules: &str, evidence: &str, profile: &str, today: &str) -> Value {
    let today = match warrant::dates::parse_argument(today) {
        Ok(today) => today,
        Err(_) => {
            return json!({ "diagnostics": [ { "severity": "error", "message": format!("`{today}` is not a date: write YYYY-MM-DD") } ] });
        }
    };
    let evidence = if evidence.trim().is_empty() {
        Files::bundled().evidence
    } else {
        vec![SourceFile::new("evidence.yaml", evidence)]
    };
    let files = Files { rules: vec![SourceFile::new("rules.warrant", rules)], evidence };
    let (mut sources, compiled) = knowledge_base::compile(files);
    let kb = match compiled {
        Ok(kb) => kb,
        Err(diagnostics) => {
            return json!({ "diagnostics": warrant::diagnostic::json_values(&sources, &diagnostics) });
        }
    };
    let source = SourceFile::new("profile.yaml", profile);
    let file = sources.add(source.clone());
    let format = Format::of_text(profile);
    match warrant::evaluate_profile(&kb, file, &source, format, today, &Limits::default()) {
        Ok(evaluation) => {
            let report = warrant::explain::build(&evaluation, &kb.evidence);
            let html = warrant::explain::render_html_with_figures(&report, &evaluation, &kb.evidence);
            json!({ "diagnostics": [], "report": html })
        }
        Err(diagnostics) => {
            json!({ "diagnostics": warrant::diagnostic::json_values(&sources, &diagnostics) })
        }
    }
}
