//! `warrant test [PATH…]`: run declarative rule tests, optionally with
//! coverage and boundary probes.

use std::path::PathBuf;

use clap::Args;

use super::{ExitStatus, KnowledgeBaseArgs, Output};
use crate::diagnostic::{self, Diagnostic};
use crate::knowledge_base::{self, Files};
use crate::span::SourceMap;
use crate::testing;

#[derive(Debug, Args)]
#[command(after_long_help = "\
A test file is YAML:

  cases:
    - name: low ferritin gets oral iron
      profile: { labs: { ferritin: { value: 32, unit: ng/mL } }, conditions: [rls] }
      fires: [oral_iron]
      does_not_fire: [iv_iron]
      undecided: [magnesium]
      evidence: { oral_iron: [aasm_2025_rls_guideline] }
    - name: haemochromatosis rules out iron
      profile_file: ../fixtures/profiles/hemochromatosis.yaml   # relative to the test file
      does_not_fire: [oral_iron]

Output: one line per case (`ok   FILE: NAME` or `FAIL FILE: NAME`, then expected against actual),
ending with `N passed, M failed`; or with `--format json` one JSON document, with `--format junit`
JUnit XML for CI test reports.

Exit status: 0 every case passed; 1 an invalid test file, profile or knowledge base (nothing on
stdout); 3 a case failed, or coverage fell below `--min-coverage`. Boundary findings are reported,
not failures.")]
pub struct TestArgs {
    /// Test files, or directories of `*.yaml` test files [default: tests/rule_tests].
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Report which rules, conditions and evidence records the tests exercised, and list what they did not.
    #[arg(long)]
    pub coverage: bool,
    /// Try every threshold just below, at and just above, and report outcomes that change there without test cases on both sides.
    #[arg(long)]
    pub boundaries: bool,
    /// Output format: `text`, `json`, or `junit` (JUnit XML for CI test reports).
    #[arg(long, value_enum, default_value_t = TestFormat::Text)]
    pub format: TestFormat,
    /// Fail (exit 3) when rule, condition or evidence coverage is below this percentage.
    #[arg(long, value_name = "PCT", value_parser = clap::value_parser!(u8).range(0..=100))]
    pub min_coverage: Option<u8>,
    #[command(flatten)]
    pub knowledge_base: KnowledgeBaseArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TestFormat {
    Text,
    Json,
    Junit,
}

pub fn run(args: &TestArgs, output: &Output) -> ExitStatus {
    let kb_args = &args.knowledge_base;
    let files = match Files::from_dirs(kb_args.rules.as_deref(), kb_args.evidence.as_deref(), output.limits())
    {
        Ok(files) => files,
        Err(error) => return fail(output, &SourceMap::new(), &[error]),
    };
    let (mut sources, compiled) = knowledge_base::compile(files);
    let kb = match compiled {
        Ok(kb) => kb,
        Err(diagnostics) => {
            output.eprint("the knowledge base has errors; run `warrant check` for the full list\n");
            return fail(output, &sources, &diagnostics);
        }
    };
    let paths =
        if args.paths.is_empty() { vec![PathBuf::from(testing::DEFAULT_DIR)] } else { args.paths.clone() };
    let suite = match testing::load(&kb, &mut sources, &paths, output.today(), output.limits()) {
        Ok((suite, warnings)) => {
            if !warnings.is_empty() {
                output.diagnostics(&sources, &warnings);
            }
            suite
        }
        Err(diagnostics) => {
            output.diagnostics(&sources, &diagnostics);
            output
                .summary(&diagnostics, &format!("invalid test files: {}", diagnostic::summary(&diagnostics)));
            return ExitStatus::InputError;
        }
    };
    let results = testing::run(&kb, &suite);
    let coverage = (args.coverage || args.min_coverage.is_some()).then(|| testing::coverage(&kb, &suite));
    let boundaries = args.boundaries.then(|| testing::boundaries(&kb, &suite));
    let program = &kb.graph.program;
    let text = match args.format {
        TestFormat::Text => {
            let shown = coverage.as_ref().filter(|_| args.coverage);
            testing::render(program, &suite, &results, shown, boundaries.as_ref(), output.stdout_colour())
        }
        TestFormat::Json => testing::json(program, &suite, &results, coverage.as_ref()),
        TestFormat::Junit => testing::junit(program, &suite, &results),
    };
    output.print(&text);
    let below: Vec<String> = match (args.min_coverage, &coverage) {
        (Some(minimum), Some(coverage)) => coverage
            .shares()
            .into_iter()
            .filter(|(_, share)| *share < usize::from(minimum))
            .map(|(what, share)| format!("{what} {share}%"))
            .collect(),
        _ => Vec::new(),
    };
    if !below.is_empty() {
        output.eprint(&format!(
            "test: coverage below the minimum of {}%: {} (`--coverage` lists what no case exercised)\n",
            args.min_coverage.unwrap_or(0),
            below.join(", ")
        ));
    }
    if results.iter().all(testing::CaseResult::passed) && below.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::CheckFailed
    }
}

fn fail(output: &Output, sources: &SourceMap, diagnostics: &[Diagnostic]) -> ExitStatus {
    output.diagnostics(sources, diagnostics);
    ExitStatus::InputError
}
