//! What both benchmarks (`benches/engine.rs`, criterion, and
//! `benches/side_by_side.rs`, ratios measured pair by pair) build: the
//! synthetic knowledge base, and the in-process baseline `warrant batch` is
//! held to.
//!
//! A crate of its own so that `cargo bench -p warrant-bench` builds the
//! engine with its shipped features: the root package's test-only
//! dependencies would turn on pest's stack probe, a fifth more
//! instructions when loading rules.

#![allow(clippy::unwrap_used, clippy::panic, reason = "a benchmark set up wrongly should stop at once")]

use std::hint::black_box;

use warrant::infer::Evaluator;
use warrant::knowledge_base::{self, Files, KnowledgeBase};
use warrant::limits::Limits;
use warrant::profile::Format;
use warrant::span::{FileId, SourceFile};
use warrant::synthetic;

pub const SEED: u64 = 1;
/// The report date: synthetic profiles carry no dates, so any fixed day will do.
pub const TODAY: warrant::dates::Date = warrant::dates::date(2026, 11, 29);

pub fn files(count: usize) -> Files {
    Files {
        rules: vec![SourceFile::new(
            "synthetic.warrant",
            synthetic::warrant_rules(&synthetic::rules(count, SEED)),
        )],
        evidence: vec![SourceFile::new("synthetic.yaml", synthetic::WARRANT_EVIDENCE)],
    }
}

pub fn compile(count: usize) -> KnowledgeBase {
    knowledge_base::compile(files(count)).1.unwrap_or_else(|_| panic!("the synthetic rules check clean"))
}

/// The baseline for `batch`: each line read, bound and evaluated in
/// process on this thread, with no chunking and no output.
pub fn evaluate_in_process(kb: &KnowledgeBase, lines: &[SourceFile], evaluator: &mut Evaluator<'_>) {
    for line in lines {
        let facts = warrant::read_profile(
            &kb.graph.program,
            FileId(0),
            line,
            Format::Json,
            TODAY,
            &Limits::default(),
        )
        .unwrap();
        black_box(evaluator.run(&facts));
    }
}

/// A `warrant batch` run of plain JSON Lines on `pool`'s threads.
pub fn batch_options(pool: &rayon::ThreadPool) -> warrant::batch::Options<'_> {
    warrant::batch::Options {
        fail_fast: false,
        explain: false,
        strict: false,
        today: TODAY,
        limits: Limits::default(),
        format: Format::Json,
        pool,
        progress: &|_| {},
        input_name: "profiles.jsonl",
        error_format: warrant::diagnostic::ErrorFormat::Plain,
        colour: false,
    }
}
