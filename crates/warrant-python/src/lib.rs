//! `warrant._warrant`, the extension module behind the `warrant` Python
//! package: a knowledge base loaded and checked once, profiles explained
//! and planned as the CLI's `--format json` gives them, and Arrow record
//! batches evaluated column by column. Everything here only converts
//! between Python and the engine's public API.

mod arrow_columns;

use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyList;
use warrant::dates::{self, Date};
use warrant::diagnostic::{self, Diagnostic, ErrorFormat};
use warrant::explain::{self, Format as ReportFormat};
use warrant::knowledge_base::{self, Files};
use warrant::limits::Limits;
use warrant::profile::Format;
use warrant::span::{SourceFile, SourceMap};

create_exception!(
    _warrant,
    WarrantError,
    PyValueError,
    "Bad input: the message says where, what and how to fix it; `diagnostics` lists them as JSON-shaped dicts."
);

/// A checked, compiled knowledge base.
#[pyclass(frozen, module = "warrant")]
struct KnowledgeBase {
    kb: knowledge_base::KnowledgeBase,
}

#[pymethods]
impl KnowledgeBase {
    /// The knowledge base bundled with Warrant.
    #[staticmethod]
    fn bundled(py: Python<'_>) -> PyResult<Self> {
        KnowledgeBase::compile(py, Files::bundled())
    }

    /// The `.warrant` files under `rules` and the `.yaml` records under
    /// `evidence` (the bundled ones for a directory not given); raises
    /// `WarrantError` with every diagnostic when they do not check.
    #[staticmethod]
    #[pyo3(signature = (rules = None, evidence = None))]
    fn from_dirs(
        py: Python<'_>,
        rules: Option<std::path::PathBuf>,
        evidence: Option<std::path::PathBuf>,
    ) -> PyResult<Self> {
        let files = Files::from_dirs(rules.as_deref(), evidence.as_deref(), &Limits::default())
            .map_err(|diagnostic| error(py, &SourceMap::new(), &[diagnostic]))?;
        KnowledgeBase::compile(py, files)
    }

    /// `warrant explain --format json` for one profile (YAML or JSON text,
    /// or a FHIR R4 Bundle), as text.
    #[pyo3(signature = (profile, today = None, strict = false))]
    fn explain_json(
        &self,
        py: Python<'_>,
        profile: &str,
        today: Option<&str>,
        strict: bool,
    ) -> PyResult<String> {
        // The report borrows from the evaluation's knowledge base: render it there.
        self.with_profile(py, profile, today, strict, |evaluation| {
            let report = explain::build(evaluation, &self.kb.evidence);
            explain::render(&report, ReportFormat::Json, false)
        })
    }

    /// `warrant plan --format json` for one profile, as text.
    #[pyo3(signature = (profile, today = None, strict = false))]
    fn plan_json(
        &self,
        py: Python<'_>,
        profile: &str,
        today: Option<&str>,
        strict: bool,
    ) -> PyResult<String> {
        let plan = self.with_profile(py, profile, today, strict, |evaluation| {
            warrant::plan::build(evaluation, &self.kb.evidence)
        })?;
        Ok(explain::render_plan(&plan, ReportFormat::Json, false))
    }

    /// Evaluates an Arrow record batch, one profile per row and one column
    /// per input, column by column. Returns a batch with `fired`,
    /// `undecided` and `not_considered` per row (and `id_column` first,
    /// unchanged, when given).
    #[pyo3(signature = (batch, id_column = None))]
    fn evaluate_arrow(
        &self,
        py: Python<'_>,
        batch: arrow_pyarrow::PyArrowType<arrow_array::RecordBatch>,
        id_column: Option<&str>,
    ) -> PyResult<arrow_pyarrow::PyArrowType<arrow_array::RecordBatch>> {
        let batch = batch.0;
        let result = py.detach(|| arrow_columns::evaluate(&self.kb, &batch, id_column));
        result
            .map(arrow_pyarrow::PyArrowType)
            .map_err(|diagnostic| error(py, &SourceMap::new(), &[diagnostic]))
    }

    /// The ids of the outcomes a report can show, in the order rules
    /// declare them.
    #[getter]
    fn outcomes(&self) -> Vec<String> {
        self.kb.graph.program.outcomes().map(|(_, rule)| rule.name.clone()).collect()
    }
}

impl KnowledgeBase {
    fn compile(py: Python<'_>, files: Files) -> PyResult<Self> {
        let (sources, compiled) = py.detach(|| knowledge_base::compile(files));
        match compiled {
            Ok(kb) => Ok(KnowledgeBase { kb }),
            Err(diagnostics) => Err(error(py, &sources, &diagnostics)),
        }
    }

    /// Reads and evaluates `profile`, then builds what `build` makes of it.
    fn with_profile<T: Send>(
        &self,
        py: Python<'_>,
        profile: &str,
        today: Option<&str>,
        strict: bool,
        build: impl Fn(&warrant::infer::Evaluation<'_>) -> T + Send + Sync,
    ) -> PyResult<T> {
        let today = report_date(today)?;
        // A profile's diagnostics point into the profile alone, so it gets
        // a map of its own, as each line of `warrant batch` does.
        let mut sources = SourceMap::new();
        let source = SourceFile::new("<profile>", profile);
        let file = sources.add(source.clone());
        let format = Format::of_text(profile);
        let result = py.detach(|| {
            let facts = warrant::read_profile(
                &self.kb.graph.program,
                file,
                &source,
                format,
                today,
                &Limits::default(),
            )?;
            if strict {
                warrant::profile::refuse_not_considered(
                    &facts,
                    warrant::profile::Written::file(file, &source),
                )?;
            }
            Ok(build(&warrant::infer::evaluate(&self.kb.graph, facts)))
        });
        result.map_err(|diagnostics: Vec<Diagnostic>| error(py, &sources, &diagnostics))
    }
}

/// `today` as a date, or the machine's date when it is not given.
fn report_date(today: Option<&str>) -> PyResult<Date> {
    match today {
        None => Ok(dates::today()),
        Some(text) => dates::parse_argument(text).map_err(|_| {
            WarrantError::new_err(format!("`today` is `{text}`, which is not a date: write YYYY-MM-DD"))
        }),
    }
}

/// A `WarrantError` whose message is the rendered diagnostics and whose
/// `diagnostics` attribute holds them as the CLI's `--error-format json`.
fn error(py: Python<'_>, sources: &SourceMap, diagnostics: &[Diagnostic]) -> PyErr {
    let message = diagnostic::render_as(sources, diagnostics, ErrorFormat::Plain, false);
    let error = WarrantError::new_err(message.trim_end().to_owned());
    let values: Vec<String> =
        diagnostic::json_values(sources, diagnostics).iter().map(serde_json::Value::to_string).collect();
    let attached = PyList::new(py, values).and_then(|list| error.value(py).setattr("diagnostics_json", list));
    match attached {
        Ok(()) => error,
        Err(failure) => failure,
    }
}

#[pymodule]
fn _warrant(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<KnowledgeBase>()?;
    module.add("WarrantError", module.py().get_type::<WarrantError>())?;
    Ok(())
}
