//! What the fuzz targets share: the knowledge bases they run against, and
//! the properties every input must keep. A target panics (and libFuzzer
//! reports a finding) only when a property breaks; a rejected input is
//! fine, as long as it is rejected with diagnostics.

use std::sync::OnceLock;

use warrant::diagnostic;
use warrant::explain::{self, Format};
use warrant::infer::Evaluation;
use warrant::knowledge_base::{self, Files, KnowledgeBase, LoadedEvidence};
use warrant::limits::Limits;
use warrant::profile;
use warrant::span::{FileId, SourceFile, SourceMap};

/// The report date every target uses, so runs are reproducible.
pub const TODAY: warrant::dates::Date = warrant::dates::date(2026, 11, 29);

/// The bundled knowledge base, compiled once per process.
pub fn bundled() -> &'static KnowledgeBase {
    static KB: OnceLock<KnowledgeBase> = OnceLock::new();
    KB.get_or_init(|| match knowledge_base::compile(Files::bundled()).1 {
        Ok(kb) => kb,
        Err(_) => panic!("the bundled knowledge base must compile"),
    })
}

/// Rule text compiled against the bundled evidence, as `check --rules` would
/// (the evidence read once per process).
pub fn compile_rules(text: &str) -> (SourceMap, Result<KnowledgeBase, Vec<diagnostic::Diagnostic>>) {
    static EVIDENCE: OnceLock<LoadedEvidence> = OnceLock::new();
    let evidence = EVIDENCE.get_or_init(|| LoadedEvidence::load(Files::bundled().evidence));
    knowledge_base::compile_rules(evidence, vec![SourceFile::new("fuzz.warrant", text)])
}

/// Every diagnostic renders in every format without panicking.
pub fn render_all(sources: &SourceMap, diagnostics: &[diagnostic::Diagnostic]) {
    for format in
        [diagnostic::ErrorFormat::Human, diagnostic::ErrorFormat::Plain, diagnostic::ErrorFormat::Json]
    {
        let rendered = diagnostic::render_as(sources, diagnostics, format, false);
        assert_no_raw_controls(&rendered);
    }
}

/// Output meant for a terminal carries no control character but line breaks.
pub fn assert_no_raw_controls(text: &str) {
    if let Some(c) = text.chars().find(|&c| c.is_control() && c != '\n') {
        panic!("raw control character {c:?} in output:\n{text}");
    }
}

/// Reads, binds and evaluates a profile against `kb` as `explain` does,
/// then checks the properties of the result: the compiled evaluator agrees
/// with walking the conditions, and every report format renders.
pub fn explain(kb: &KnowledgeBase, text: &str, format: profile::Format) {
    let mut sources = SourceMap::new();
    let source = SourceFile::new("fuzz.profile", text);
    let file: FileId = sources.add(source.clone());
    match warrant::evaluate_profile(kb, file, &source, format, TODAY, &Limits::default()) {
        Ok(evaluation) => check_evaluation(kb, &evaluation),
        Err(diagnostics) => {
            assert!(!diagnostics.is_empty(), "a refused profile says why");
            render_all(&sources, &diagnostics);
        }
    }
}

/// The compiled evaluator and the walk over conditions agree on every
/// rule; every report format and the daily plan render, and the text
/// formats carry no raw control characters.
pub fn check_evaluation(kb: &KnowledgeBase, evaluation: &Evaluation<'_>) {
    for (index, rule) in kb.graph.program.rules.iter().enumerate() {
        let id = warrant::check::RuleId(index);
        assert_eq!(evaluation.verdict(id), evaluation.verdict_by_walking(rule), "rule `{}`", rule.name);
    }
    let report = explain::build(evaluation, &kb.evidence);
    for format in [Format::Text, Format::Markdown] {
        assert_no_raw_controls(&explain::render(&report, format, false));
    }
    let json = explain::render(&report, Format::Json, false);
    assert!(json.starts_with('{'), "JSON report");
    let plan = warrant::plan::build(evaluation, &kb.evidence);
    assert_no_raw_controls(&explain::render_plan(&plan, Format::Text, false));
}
