//! Helpers shared by the integration tests.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::path::Path;

use assert_cmd::Command;

use warrant::dates::Date;
use warrant::diagnostic::{self, Diagnostic};
use warrant::explain::{self, Format};
use warrant::knowledge_base::{self, Files, KnowledgeBase};
use warrant::profile;
use warrant::span::{SourceFile, SourceMap};

/// The report date every test uses, so reports are the same on any day.
pub const TODAY: Date = jiff::civil::date(2026, 11, 29);

/// The `warrant` binary with no colour, no error format from the
/// environment and the report date pinned to [`TODAY`], so its output is
/// the same on every machine and every day.
pub fn warrant() -> Command {
    let mut command = Command::cargo_bin("warrant").unwrap();
    command
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("WARRANT_ERROR_FORMAT")
        .env("WARRANT_TODAY", TODAY.to_string());
    command
}

/// The bundled knowledge base, compiled; it must be free of errors.
pub fn bundled() -> KnowledgeBase {
    let (sources, result) = knowledge_base::compile(Files::bundled());
    result
        .map_err(|diagnostics| diagnostic::render(&sources, &diagnostics, false))
        .expect("the bundled knowledge base checks clean")
}

/// The fixture's file name, used as its name in diagnostics so snapshots do
/// not depend on where the repository is checked out.
pub fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// Compiles one rule file against the bundled evidence.
pub fn check_rules(name: &str, text: &str) -> (SourceMap, Vec<Diagnostic>) {
    let files = Files { rules: vec![SourceFile::new(name, text)], evidence: Files::bundled().evidence };
    match knowledge_base::compile(files) {
        (sources, Ok(_)) => (sources, Vec::new()),
        (sources, Err(diagnostics)) => (sources, diagnostics),
    }
}

/// Explains a profile with the bundled knowledge base.
pub fn explain(kb: &KnowledgeBase, name: &str, text: &str, format: Format) -> Result<String, String> {
    let profile_format = profile::Format::from_path(name).expect("fixture has a known extension");
    let mut sources = kb.sources.clone();
    let source = SourceFile::new(name, text);
    let file = sources.add(source.clone());
    warrant::explain_profile(kb, file, &source, profile_format, TODAY, &warrant::limits::Limits::default())
        .map(|report| explain::render(&report, format, false))
        .map_err(|diagnostics| diagnostic::render(&sources, &diagnostics, false))
}

/// The codes of the diagnostics, in order.
pub fn codes(diagnostics: &[Diagnostic]) -> Vec<&'static str> {
    diagnostics.iter().map(|d| d.code).collect()
}
