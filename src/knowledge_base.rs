//! Loading a knowledge base: the bundled one, or rule and evidence files
//! from directories, compiled through every stage up to the graph.

use std::path::Path;

use rayon::prelude::*;

use crate::diagnostic::{self, Diagnostic};
use crate::evidence::{self, EvidenceBase};
use crate::graph::{self, KnowledgeGraph};
use crate::limits::{self, Limits};
use crate::span::{SourceFile, SourceMap};
use crate::{check, syntax};

mod bundled {
    include!(concat!(env!("OUT_DIR"), "/bundled.rs"));
}

/// A compiled knowledge base, ready to evaluate profiles.
#[derive(Debug, Clone)]
pub struct KnowledgeBase {
    pub sources: SourceMap,
    pub graph: KnowledgeGraph,
    pub evidence: EvidenceBase,
}

/// The raw files of a knowledge base, before compiling.
#[derive(Debug, Clone, Default)]
pub struct Files {
    pub rules: Vec<SourceFile>,
    pub evidence: Vec<SourceFile>,
}

impl Files {
    /// The knowledge base embedded in the binary at build time.
    pub fn bundled() -> Files {
        let load =
            |files: &[(&str, &str)]| files.iter().map(|(name, text)| SourceFile::new(*name, *text)).collect();
        Files { rules: load(bundled::RULES), evidence: load(bundled::EVIDENCE) }
    }

    /// Bundled files, with either half replaced by a directory's files,
    /// each read within `limits`.
    pub fn from_dirs(
        rules: Option<&Path>,
        evidence: Option<&Path>,
        limits: &Limits,
    ) -> Result<Files, Diagnostic> {
        let bundled = Files::bundled();
        Ok(Files {
            rules: match rules {
                Some(dir) => read_dir(dir, &["warrant"], limits)?,
                None => bundled.rules,
            },
            evidence: match evidence {
                Some(dir) => read_dir(dir, &["yaml", "yml"], limits)?,
                None => bundled.evidence,
            },
        })
    }
}

impl Files {
    /// The rule and evidence files as they were at revision `rev` of the
    /// git repository around the working directory: those under `rules`
    /// and `evidence` (paths relative to the working directory, `rules`
    /// and `evidence` when not given), read with `git show`. Each file is
    /// named `REV:PATH` in diagnostics.
    pub fn at_revision(
        rev: &str,
        rules: Option<&Path>,
        evidence: Option<&Path>,
        limits: &Limits,
    ) -> Result<Files, Diagnostic> {
        let rules = rules.unwrap_or(Path::new("rules"));
        let evidence = evidence.unwrap_or(Path::new("evidence"));
        Ok(Files {
            rules: git_files(rev, rules, &["warrant"], limits)?,
            evidence: git_files(rev, evidence, &["yaml", "yml"], limits)?,
        })
    }
}

/// Runs git with `args`, its standard output as text.
fn git(args: &[&str]) -> Result<String, Diagnostic> {
    let output = std::process::Command::new("git").args(args).output().map_err(|error| {
        Diagnostic::error("E0708", format!("cannot run git: {error}"))
            .help("`--base` reads an earlier revision with git: install git, or compare two directories with `--base-rules` and `--base-evidence`")
    })?;
    if !output.status.success() {
        let said = String::from_utf8_lossy(&output.stderr);
        return Err(Diagnostic::error("E0708", format!("`git {}` failed: {}", args.join(" "), said.trim()))
            .help("give a revision of the repository around the working directory, e.g. `--base main` or `--base HEAD~1`"));
    }
    String::from_utf8(output.stdout).map_err(|_| {
        Diagnostic::error("E0708", format!("`git {}` wrote text that is not UTF-8", args.join(" ")))
    })
}

/// The files in `dir` with one of `extensions` at `rev`, sorted by name.
fn git_files(
    rev: &str,
    dir: &Path,
    extensions: &[&str],
    limits: &Limits,
) -> Result<Vec<SourceFile>, Diagnostic> {
    let dir_text = dir.display().to_string();
    let listing =
        git(&["ls-tree", "--name-only", rev, "--", &format!("{}/", dir_text.trim_end_matches('/'))])?;
    let mut paths: Vec<&str> = listing
        .lines()
        .filter(|path| {
            Path::new(path).extension().and_then(|e| e.to_str()).is_some_and(|e| extensions.contains(&e))
        })
        .collect();
    paths.sort_unstable();
    if paths.is_empty() {
        let wanted = extensions.iter().map(|e| format!("`*.{e}`")).collect::<Vec<_>>().join(" or ");
        return Err(Diagnostic::error("E0702", format!("`{dir_text}` at `{rev}` holds no {wanted} files"))
            .help("point `--rules` or `--evidence` at the directory that held the files at that revision"));
    }
    paths
        .into_iter()
        .map(|path| {
            let name = format!("{rev}:{path}");
            let text = git(&["show", &format!("{rev}:./{path}")])?;
            if text.len() as u64 > limits.input_bytes {
                return Err(limits::too_large_file(&name, limits.input_bytes));
            }
            Ok(SourceFile::new(name, text))
        })
        .collect()
}

/// Every file in `dir` with one of `extensions`, sorted by name.
fn read_dir(dir: &Path, extensions: &[&str], limits: &Limits) -> Result<Vec<SourceFile>, Diagnostic> {
    let cannot = |error: std::io::Error| {
        Diagnostic::error("E0701", format!("cannot read `{}`: {error}", dir.display()))
            .help("give a directory that exists and can be read")
    };
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(cannot)?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().and_then(|e| e.to_str()).is_some_and(|e| extensions.contains(&e)))
        .collect();
    paths.sort();
    if paths.is_empty() {
        let wanted = extensions.iter().map(|e| format!("`*.{e}`")).collect::<Vec<_>>().join(" or ");
        return Err(Diagnostic::error("E0702", format!("`{}` holds no {wanted} files", dir.display()))
            .help("point at the directory that holds the files"));
    }
    let what = if extensions.contains(&"warrant") { "rule file" } else { "evidence file" };
    paths.into_iter().map(|path| limits::read_file(&path, what, limits)).collect()
}

/// Parses, checks and builds the graph, collecting the problems of every
/// stage that could run. The knowledge base is returned only when there is
/// no error at all.
pub fn compile(files: Files) -> (SourceMap, Result<KnowledgeBase, Vec<Diagnostic>>) {
    compile_rules(&LoadedEvidence::load(files.evidence), files.rules)
}

/// Evidence files read once, for compiling rules against them again and
/// again (an editor, a fuzzer) without reading them each time.
#[derive(Debug, Clone)]
pub struct LoadedEvidence {
    /// The evidence files, first in the map every compiled base points into.
    pub sources: SourceMap,
    pub base: EvidenceBase,
    pub diagnostics: Vec<Diagnostic>,
}

impl LoadedEvidence {
    pub fn load(files: Vec<SourceFile>) -> LoadedEvidence {
        let mut sources = SourceMap::new();
        let ids: Vec<_> = files.into_iter().map(|f| sources.add(f)).collect();
        let (base, diagnostics) = evidence::load(&sources, &ids);
        LoadedEvidence { sources, base, diagnostics }
    }
}

/// Compiles rule files against evidence already loaded: as [`compile`].
pub fn compile_rules(
    evidence: &LoadedEvidence,
    rules: Vec<SourceFile>,
) -> (SourceMap, Result<KnowledgeBase, Vec<Diagnostic>>) {
    let mut sources = evidence.sources.clone();
    let rule_ids: Vec<_> = rules.into_iter().map(|f| sources.add(f)).collect();
    let mut diagnostics = evidence.diagnostics.clone();
    // Files are parsed in parallel (and a large one in pieces); the results
    // are taken in file order.
    let results: Vec<_> = rule_ids
        .par_iter()
        .filter_map(|&id| sources.get(id).map(|source| (id, syntax::parse(id, source))))
        .collect();
    let mut parsed = Vec::new();
    for (id, result) in results {
        match result {
            Ok(rule_file) => parsed.push((id, rule_file)),
            Err(errors) => diagnostics.extend(errors),
        }
    }
    let (program, check_diagnostics) = check::check(&sources, &parsed, &evidence.base);
    diagnostics.extend(check_diagnostics);
    // The syntax trees are done with: freeing their many small allocations
    // takes as long as building the graph, so the two run side by side.
    let ((), graph) = rayon::join(move || drop(parsed), move || graph::build(program));
    let result = match graph {
        Ok(graph) if diagnostics.iter().all(|d| !d.is_error()) => {
            Ok(KnowledgeBase { sources: sources.clone(), graph, evidence: evidence.base.clone() })
        }
        Ok(_) => Err(diagnostics),
        Err(cycles) => {
            diagnostics.extend(cycles);
            Err(diagnostics)
        }
    };
    let result = result.map_err(|mut all| {
        diagnostic::sort(&mut all);
        all
    });
    (sources, result)
}
