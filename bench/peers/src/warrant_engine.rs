//! Warrant itself, through its public API only: `knowledge_base::compile`,
//! `profile::{parse, bind}` and `infer::Evaluator`, the compiled plan with
//! reused buffers that `warrant batch` runs.

use warrant::check::RuleId;
use warrant::infer::{self, Truth};
use warrant::knowledge_base::{self, Files, KnowledgeBase};
use warrant::profile::{self, Facts, Format};
use warrant::span::{FileId, SourceFile};
use warrant::synthetic;

use crate::workload::Workload;

pub struct Warrant {
    pub kb: KnowledgeBase,
    /// `(n, id)` for outcome `o<n>`, in outcome order.
    outcomes: Vec<(usize, RuleId)>,
}

impl Warrant {
    pub fn compile(workload: &Workload) -> Result<Warrant, String> {
        let files = Files {
            rules: vec![SourceFile::new("synthetic.warrant", synthetic::warrant_rules(&workload.rules))],
            evidence: vec![SourceFile::new("synthetic.yaml", synthetic::WARRANT_EVIDENCE)],
        };
        let (sources, compiled) = knowledge_base::compile(files);
        let kb = compiled.map_err(|d| warrant::diagnostic::render(&sources, &d, false))?;
        let program = &kb.graph.program;
        let mut outcomes: Vec<(usize, RuleId)> = program
            .rule_ids()
            .filter_map(|id| {
                let name = &program.rule(id)?.name;
                let n = name.strip_prefix('o')?.parse().ok()?;
                Some((n, id))
            })
            .collect();
        outcomes.sort();
        if outcomes.len() != workload.outcomes || outcomes.iter().enumerate().any(|(i, (n, _))| i != *n) {
            return Err(format!("expected outcomes o0..o{}, found {}", workload.outcomes, outcomes.len()));
        }
        Ok(Warrant { kb, outcomes })
    }

    /// Parses and binds one profile (JSON, as `warrant explain` reads it).
    /// Done once per profile, outside the timed region.
    pub fn bind(&self, index: usize, json: &str) -> Result<Facts, String> {
        // The file id only labels diagnostics; none are expected here.
        let file = FileId(0);
        let source = SourceFile::new(format!("p{index}.json"), json);
        let parsed = profile::parse(file, &source, Format::Json).map_err(|d| d.message.clone())?;
        let written = profile::Written::file(file, &source);
        let limits = warrant::limits::Limits::default();
        profile::bind(&parsed, &self.kb.graph.program, written, warrant::dates::date(2026, 11, 29), &limits)
            .map_err(|d| d.iter().map(|d| d.message.clone()).collect::<Vec<_>>().join("; "))
    }

    /// What is timed: `Evaluator::run`, every rule's verdict for one profile.
    pub fn evaluator(&self) -> infer::Evaluator<'_> {
        infer::Evaluator::new(&self.kb.graph)
    }

    /// The outcomes whose verdict is true, from the same evaluator that is
    /// timed. With every field given nothing should be unknown; an unknown
    /// outcome is reported as an error.
    pub fn fired(&self, evaluator: &mut infer::Evaluator<'_>, facts: &Facts) -> Result<Vec<usize>, String> {
        let verdicts = evaluator.run(facts);
        let mut fired = Vec::new();
        for &(n, id) in &self.outcomes {
            match verdicts.get(id.0).copied().unwrap_or(Truth::Unknown) {
                Truth::True => fired.push(n),
                Truth::False => {}
                Truth::Unknown => return Err(format!("o{n} is unknown although every field is given")),
            }
        }
        Ok(fired)
    }
}
