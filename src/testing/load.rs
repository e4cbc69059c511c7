//! Finding, reading and checking test files: every id resolved against the
//! knowledge base, every profile parsed and bound as `explain` does.

use crate::document::FieldPath;
use crate::limits::{self, Limits};
use crate::profile::Written;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use super::format::{RawCase, RawFile};
use super::{Case, Suite, TestFile};
use crate::check::RuleId;
use crate::dates::{self, Date};
use crate::diagnostic::{self, Diagnostic};
use crate::knowledge_base::KnowledgeBase;
use crate::profile::{self, Facts, Profile};
use crate::span::{FileId, SourceFile, SourceMap, Span};
use crate::suggest::did_you_mean;

/// Where `warrant test` looks when given no path.
pub const DEFAULT_DIR: &str = "tests/rule_tests";

const FORMAT_HELP: &str = "a test file holds `cases:`, a list; each case has a `name`, one of `profile` and \
`profile_file`, and any of `fires`, `does_not_fire`, `undecided` (lists of outcome ids) and `evidence` \
(outcome id -> list of evidence ids)";

/// Reads every test file under `paths` (files, or directories of `*.yaml`
/// files), adding each to `sources`. Returns the suite with any warnings,
/// or every problem found when there is an error.
pub fn load(
    kb: &KnowledgeBase,
    sources: &mut SourceMap,
    paths: &[PathBuf],
    today: Date,
    limits: &Limits,
) -> Result<(Suite, Vec<Diagnostic>), Vec<Diagnostic>> {
    let found = discover(paths)?;
    let mut loader = Loader {
        kb,
        sources,
        diagnostics: Vec::new(),
        profiles: BTreeMap::new(),
        default_today: today,
        today,
        limits: *limits,
    };
    let mut files = Vec::new();
    for found in found {
        if let Some(file) = loader.file(&found) {
            files.push(file);
        }
    }
    let mut diagnostics = loader.diagnostics;
    diagnostic::sort(&mut diagnostics);
    if diagnostics.iter().any(Diagnostic::is_error) {
        Err(diagnostics)
    } else {
        Ok((Suite { files, limits: *limits }, diagnostics))
    }
}

/// A test file to read: where it is, and how results name it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Found {
    path: PathBuf,
    display: String,
}

/// The files under `paths` in sorted path order, each once.
fn discover(paths: &[PathBuf]) -> Result<Vec<Found>, Vec<Diagnostic>> {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        let cannot = |error: std::io::Error| {
            Diagnostic::error("E0701", format!("cannot read `{}`: {error}", path.display()))
                .help("give test files or directories of `*.yaml` test files that exist and can be read")
        };
        let metadata = match std::fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(error) => {
                problems.push(cannot(error));
                continue;
            }
        };
        if !metadata.is_dir() {
            found.push(Found { path: path.clone(), display: path.display().to_string() });
            continue;
        }
        let entries = match std::fs::read_dir(path) {
            Ok(entries) => entries,
            Err(error) => {
                problems.push(cannot(error));
                continue;
            }
        };
        let before = found.len();
        for entry in entries.filter_map(Result::ok) {
            let file = entry.path();
            let is_yaml =
                file.extension().and_then(|e| e.to_str()).is_some_and(|e| e == "yaml" || e == "yml");
            if is_yaml && file.is_file() {
                let display = file
                    .file_name()
                    .map_or_else(|| file.display().to_string(), |name| name.to_string_lossy().into_owned());
                found.push(Found { path: file, display });
            }
        }
        if found.len() == before {
            problems.push(
                Diagnostic::error("E0702", format!("`{}` holds no `*.yaml` test files", path.display()))
                    .help("point at the directory that holds the test files"),
            );
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    found.sort();
    found.dedup_by(|a, b| a.path == b.path);
    Ok(found)
}

/// A profile file read once, however many cases use it.
#[derive(Debug, Clone)]
enum CachedProfile {
    Bound(Box<(Profile, Facts)>),
    /// Its problems were reported with the first case that used it.
    Failed,
}

struct Loader<'a> {
    kb: &'a KnowledgeBase,
    sources: &'a mut SourceMap,
    diagnostics: Vec<Diagnostic>,
    /// Profile files by path and the report date they were bound on.
    profiles: BTreeMap<(PathBuf, Date), CachedProfile>,
    /// The report date of files that do not give their own.
    default_today: Date,
    /// The report date of the file being read.
    today: Date,
    limits: Limits,
}

impl Loader<'_> {
    fn file(&mut self, found: &Found) -> Option<TestFile> {
        let source = match limits::read_file(&found.path, "rule-test file", &self.limits) {
            Ok(source) => source,
            Err(error) => {
                self.diagnostics.push(error);
                return None;
            }
        };
        let file = self.sources.add(source.clone());
        let raw = match serde_yaml::from_str::<RawFile>(&source.text) {
            Ok(raw) => raw,
            Err(error) => {
                self.diagnostics.push(yaml_error(file, &source, &error));
                return None;
            }
        };
        self.today = match raw.today.as_deref().map(|text| (text, dates::parse(text))) {
            None => self.default_today,
            Some((_, Some(date))) => date,
            Some((text, None)) => {
                self.diagnostics.push(
                    Diagnostic::error("E0809", format!("`today` is `{text}`, which is not a calendar date"))
                        .maybe_primary(
                            Locator { file, text: &source.text, region: 0..source.text.len(), case: 0 }
                                .key_span("today"),
                            "not a date",
                        )
                        .help("write the report date as YYYY-MM-DD, e.g. `today: 2026-11-29`"),
                );
                return None;
            }
        };
        let regions = case_regions(&source.text, raw.cases.len());
        let directory = found.path.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut names: BTreeMap<String, Option<Span>> = BTreeMap::new();
        let mut cases = Vec::new();
        for (index, raw_case) in raw.cases.into_iter().enumerate() {
            let region = regions.get(index).cloned().unwrap_or(0..source.text.len());
            let at = Locator { file, text: &source.text, region, case: index };
            let name_span = at
                .key_position("name")
                .and_then(|from| at.text_from(from, &raw_case.name))
                .or_else(|| at.find(&raw_case.name));
            match names.get(&raw_case.name) {
                Some(first) => {
                    let mut duplicate = Diagnostic::error(
                        "E0806",
                        format!("two cases are named `{}` in this file", raw_case.name),
                    )
                    .maybe_primary(name_span, "second case with this name")
                    .help("give every case its own name, so a failure names one case");
                    if let Some(first) = first {
                        duplicate = duplicate.secondary(*first, "first case with this name");
                    }
                    self.diagnostics.push(duplicate);
                }
                None => {
                    names.insert(raw_case.name.clone(), name_span);
                }
            }
            if let Some(case) = self.case(raw_case, &at, name_span, &directory) {
                cases.push(case);
            }
        }
        Some(TestFile { display: found.display.clone(), file, cases })
    }

    /// Checks one case; `None` when it has an error (already reported).
    fn case(&mut self, raw: RawCase, at: &Locator<'_>, name_span: Option<Span>, dir: &Path) -> Option<Case> {
        let errors_before = self.error_count();
        let mut resolved: Vec<(&'static str, Vec<RuleId>)> = Vec::new();
        for (key, ids) in
            [("fires", &raw.fires), ("does_not_fire", &raw.does_not_fire), ("undecided", &raw.undecided)]
        {
            let mut rules = Vec::new();
            for id in ids {
                if let Some(rule) = self.rule(id, at.id_after_key(key, id)) {
                    if !rules.contains(&rule) {
                        rules.push(rule);
                    }
                }
            }
            resolved.push((key, rules));
        }
        self.contradictions(&raw, &resolved, at);

        let mut evidence = Vec::new();
        for (outcome, ids) in &raw.evidence {
            let outcome_at = at.key_position("evidence").and_then(|from| at.word_from(from, outcome));
            let Some(rule) = self.rule(outcome, outcome_at) else { continue };
            let mut wanted = Vec::new();
            for id in ids {
                let from = outcome_at.map_or(at.region.start, |span| span.end);
                if self.kb.evidence.get(id).is_none() {
                    self.diagnostics.push(
                        Diagnostic::error("E0804", format!("unknown evidence id `{id}`"))
                            .maybe_primary(at.word_from(from, id).or_else(|| at.word(id)), "no such record")
                            .help(did_you_mean(id, self.kb.evidence.ids()).unwrap_or_else(|| {
                                String::from(
                                    "evidence ids are the `id:` of the records in the evidence files; `warrant evidence` lists them",
                                )
                            })),
                    );
                } else if !wanted.contains(id) {
                    wanted.push(id.clone());
                }
            }
            evidence.push((rule, wanted));
        }

        let expects_nothing = resolved.iter().all(|(_, rules)| rules.is_empty()) && raw.evidence.is_empty();
        if expects_nothing && self.error_count() == errors_before {
            self.diagnostics.push(
                Diagnostic::warning("E0808", format!("case `{}` expects nothing", raw.name))
                    .maybe_primary(name_span, "this case tests nothing")
                    .help("list outcomes under `fires`, `does_not_fire` or `undecided`"),
            );
        }

        let bound = match (raw.profile, &raw.profile_file) {
            (Some(profile), None) => self.inline_profile(profile, at),
            (None, Some(path)) => self.profile_file(path, at, dir),
            (profile, _) => {
                let (message, label) = if profile.is_some() {
                    (
                        format!("case `{}` gives both `profile` and `profile_file`", raw.name),
                        "a second profile",
                    )
                } else {
                    (format!("case `{}` gives no profile", raw.name), "this case needs a profile")
                };
                let place = if profile.is_some() { at.key_span("profile_file") } else { None };
                self.diagnostics.push(
                    Diagnostic::error("E0802", message)
                        .maybe_primary(place.or(name_span), label)
                        .help("give exactly one of `profile` (inline) and `profile_file` (a path relative to the test file)"),
                );
                None
            }
        };
        let (profile, facts) = bound?;
        if self.error_count() > errors_before {
            return None;
        }
        let take = |key: &str| {
            resolved.iter().find(|(k, _)| *k == key).map(|(_, rules)| rules.clone()).unwrap_or_default()
        };
        Some(Case {
            name: raw.name,
            profile,
            facts,
            fires: take("fires"),
            does_not_fire: take("does_not_fire"),
            undecided: take("undecided"),
            evidence,
        })
    }

    fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    /// Resolves a rule id, reporting an unknown one with a suggestion.
    fn rule(&mut self, id: &str, span: Option<Span>) -> Option<RuleId> {
        let program = &self.kb.graph.program;
        if let Some(rule) = program.find_rule(id) {
            return Some(rule);
        }
        let names = program.rules.iter().map(|r| r.name.as_str());
        self.diagnostics.push(
            Diagnostic::error("E0803", format!("unknown outcome `{id}`"))
                .maybe_primary(span, "no rule has this id")
                .help(did_you_mean(id, names).unwrap_or_else(|| {
                    String::from(
                        "outcome ids are the names after `recommend`, `test`, `warn`, `limit` and `derive` in the rule files",
                    )
                })),
        );
        None
    }

    /// An outcome expected two ways in one case can never pass.
    fn contradictions(&mut self, raw: &RawCase, resolved: &[(&'static str, Vec<RuleId>)], at: &Locator<'_>) {
        for (index, (key, rules)) in resolved.iter().enumerate() {
            for (earlier_key, earlier) in resolved.iter().take(index) {
                for rule in rules.iter().filter(|r| earlier.contains(r)) {
                    let name = self.kb.graph.program.rule(*rule).map_or("?", |r| r.name.as_str());
                    let mut diagnostic = Diagnostic::error(
                        "E0807",
                        format!(
                            "case `{}` expects `{name}` under both `{earlier_key}` and `{key}`",
                            raw.name
                        ),
                    )
                    .maybe_primary(at.id_after_key(key, name), format!("also under `{key}`"))
                    .help("an outcome is either true, false or undecided: keep it under one of them");
                    if let Some(first) = at.id_after_key(earlier_key, name) {
                        diagnostic = diagnostic.secondary(first, format!("under `{earlier_key}` here"));
                    }
                    self.diagnostics.push(diagnostic);
                }
            }
        }
    }

    /// Binds an inline profile. Its errors point into the test file, at the
    /// fields under this case's `profile`.
    fn inline_profile(&mut self, profile: Profile, at: &Locator<'_>) -> Option<(Profile, Facts)> {
        let source = self.sources.get(at.file)?;
        let root = FieldPath::root().key("cases").index(at.case).key("profile");
        let written = Written { file: at.file, source, root };
        match profile::bind(&profile, &self.kb.graph.program, written, self.today, &self.limits) {
            Ok(facts) => Some((profile, facts)),
            Err(problems) => {
                self.diagnostics.extend(problems);
                None
            }
        }
    }

    /// Reads, parses and binds a profile file, once per path.
    fn profile_file(&mut self, written: &str, at: &Locator<'_>, dir: &Path) -> Option<(Profile, Facts)> {
        let path = normalise(&dir.join(written));
        let used_here = at.key_position("profile_file").and_then(|from| at.text_from(from, written));
        let key = (path.clone(), self.today);
        if let Some(cached) = self.profiles.get(&key) {
            return match cached {
                CachedProfile::Bound(bound) => Some((**bound).clone()),
                CachedProfile::Failed => None,
            };
        }
        let result = self.read_profile(&path, used_here);
        self.profiles.insert(
            key,
            match &result {
                Some(bound) => CachedProfile::Bound(Box::new(bound.clone())),
                None => CachedProfile::Failed,
            },
        );
        result
    }

    fn read_profile(&mut self, path: &Path, used_here: Option<Span>) -> Option<(Profile, Facts)> {
        let shown = path.display().to_string();
        let Some(format) = profile::Format::from_path(&shown) else {
            self.diagnostics.push(
                Diagnostic::error("E0805", format!("cannot tell the format of profile `{shown}`"))
                    .maybe_primary(used_here, "named here")
                    .help("name the profile file `.yaml`, `.yml` or `.json`"),
            );
            return None;
        };
        if !path.is_file() {
            self.diagnostics.push(
                Diagnostic::error("E0805", format!("cannot read profile `{shown}`: no such file"))
                    .maybe_primary(used_here, "named here")
                    .help("`profile_file` is a path relative to the directory of the test file"),
            );
            return None;
        }
        let source = match limits::read_file(path, "profile", &self.limits) {
            Ok(source) => source,
            Err(error) => {
                self.diagnostics.push(error.maybe_secondary(used_here, "named here"));
                return None;
            }
        };
        let file = self.sources.add(source.clone());
        let with_use = |d: Diagnostic| match used_here {
            Some(span) => d.secondary(span, "the profile of this case"),
            None => d,
        };
        let program = &self.kb.graph.program;
        let (parsed, not_considered) = match crate::parse_profile(program, file, &source, format) {
            Ok(parsed) => parsed,
            Err(errors) => {
                self.diagnostics.extend(errors.into_iter().map(with_use));
                return None;
            }
        };
        match profile::bind(&parsed, program, Written::file(file, &source), self.today, &self.limits) {
            Ok(mut facts) => {
                facts.not_considered.extend(not_considered);
                Some((parsed, facts))
            }
            Err(problems) => {
                self.diagnostics.extend(problems.into_iter().map(with_use));
                None
            }
        }
    }
}

/// A serde error as a diagnostic at its place: `E0601` inside an inline
/// profile, `E0801` anywhere else.
fn yaml_error(file: FileId, source: &SourceFile, error: &serde_yaml::Error) -> Diagnostic {
    let full = error.to_string();
    let message = match full.find(" at line ") {
        Some(cut) => full.get(..cut).unwrap_or(&full),
        None => &full,
    };
    // serde_yaml starts the message with the path: `cases[0].profile.labs: ...`.
    let (path, said) = match message.split_once(": ") {
        Some((path, said)) if !path.contains(' ') => (path, said),
        _ => ("", message),
    };
    let in_profile = path.split('.').any(|segment| segment == "profile");
    let plain = crate::document::in_plain_words(said);
    let message = if path.is_empty() { plain } else { format!("{path}: {plain}") };
    let diagnostic = if in_profile {
        Diagnostic::error("E0601", format!("invalid profile: {message}")).help(profile::FIELDS_HELP)
    } else {
        let help = if ["unknown field", "missing field", "invalid type"].iter().any(|m| said.contains(m)) {
            FORMAT_HELP
        } else {
            "check the test file's YAML syntax here"
        };
        Diagnostic::error("E0801", format!("invalid test file: {message}")).help(help)
    };
    match error.location() {
        Some(location) => {
            let at = location.index().min(source.text.len());
            let rest = source.text.get(at..).unwrap_or("");
            diagnostic.primary(Span::new(file, at..at + value_len(rest)), "here")
        }
        None => diagnostic,
    }
}

/// How much of `rest` the value at its start takes: a flow list or mapping
/// (`[1, 2]`, `{ a: 1 }`) up to its closing bracket, anything else up to the
/// end of its token.
fn value_len(rest: &str) -> usize {
    if rest.starts_with(['[', '{']) {
        let (mut depth, mut quote) = (0usize, None);
        for (index, c) in rest.char_indices() {
            match (quote, c) {
                (Some(open), c) if c == open => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '[' | '{') => depth += 1,
                (None, ']' | '}') => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return index + 1;
                    }
                }
                _ => {}
            }
        }
    }
    rest.find(['\n', ',', '}', ']']).filter(|&n| n > 0).unwrap_or(rest.len().min(1))
}

/// `a/b/../c` -> `a/c`, without touching the file system.
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.components().next_back(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The byte range of each case in a block-style `cases:` list: from one
/// `- ` item marker to the next. When the layout is anything else (a flow
/// list, say), every case gets the whole file.
fn case_regions(text: &str, count: usize) -> Vec<Range<usize>> {
    let mut starts = Vec::new();
    let mut in_cases = false;
    let mut item_indent = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let content = line.trim_start_matches(' ');
        let indent = line.len() - content.len();
        let content = content.trim_end();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        if indent == 0 && !content.starts_with('-') {
            in_cases = content.starts_with("cases:");
            continue;
        }
        let is_item = content == "-" || content.starts_with("- ");
        if in_cases && is_item && *item_indent.get_or_insert(indent) == indent {
            starts.push(start);
        }
    }
    if starts.len() != count {
        return vec![0..text.len(); count];
    }
    let ends = starts.iter().skip(1).copied().chain(std::iter::once(text.len()));
    starts.iter().copied().zip(ends).map(|(start, end)| start..end).collect()
}

/// Finds written text inside one case, for labels.
struct Locator<'a> {
    file: FileId,
    text: &'a str,
    region: Range<usize>,
    /// The case's index in `cases`.
    case: usize,
}

impl Locator<'_> {
    fn span(&self, start: usize, len: usize) -> Span {
        Span::new(self.file, start..start + len)
    }

    /// The first occurrence of `needle` in the case, as written.
    fn find(&self, needle: &str) -> Option<Span> {
        self.text_from(self.region.start, needle)
    }

    fn text_from(&self, from: usize, needle: &str) -> Option<Span> {
        if needle.is_empty() {
            return None;
        }
        let haystack = self.text.get(from..self.region.end)?;
        haystack.find(needle).map(|at| self.span(from + at, needle.len()))
    }

    /// The first occurrence of `word` from `from` that is a whole id.
    fn word_from(&self, from: usize, word: &str) -> Option<Span> {
        let haystack = self.text.get(from..self.region.end)?;
        let is_id = |c: char| c.is_alphanumeric() || c == '_';
        haystack
            .match_indices(word)
            .find(|(at, _)| {
                let before = haystack.get(..*at).and_then(|b| b.chars().next_back());
                let after = haystack.get(at + word.len()..).and_then(|a| a.chars().next());
                !word.is_empty() && !before.is_some_and(is_id) && !after.is_some_and(is_id)
            })
            .map(|(at, _)| self.span(from + at, word.len()))
    }

    fn word(&self, word: &str) -> Option<Span> {
        self.word_from(self.region.start, word)
    }

    /// Where `key:` is written in the case.
    fn key_span(&self, key: &str) -> Option<Span> {
        let mut from = self.region.start;
        while let Some(found) = self.word_from(from, key) {
            let after = self.text.get(found.end..self.region.end).unwrap_or("");
            if after.trim_start_matches(['"', '\'']).starts_with(':') {
                return Some(found);
            }
            from = found.end;
        }
        None
    }

    /// Just after `key:` in the case.
    fn key_position(&self, key: &str) -> Option<usize> {
        self.key_span(key).map(|s| s.end)
    }

    /// An id listed under `key`, or anywhere in the case.
    fn id_after_key(&self, key: &str, id: &str) -> Option<Span> {
        self.key_position(key).and_then(|from| self.word_from(from, id)).or_else(|| self.word(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_follow_block_items() {
        let text = "# tests\ncases:\n  - name: a\n    fires: [x]\n\n  - name: b\n    profile:\n      supplements:\n        - { name: b6 }\n";
        let regions = case_regions(text, 2);
        assert_eq!(regions.len(), 2);
        assert!(
            text.get(regions.first().cloned().unwrap_or_default()).is_some_and(|t| t.contains("name: a"))
        );
        assert!(text.get(regions.get(1).cloned().unwrap_or_default()).is_some_and(|t| t.contains("b6")));
        // A flow list falls back to the whole file.
        assert_eq!(case_regions("cases: [{name: a}, {name: b}]\n", 2), vec![0..30, 0..30]);
    }

    #[test]
    fn paths_are_normalised_lexically() {
        assert_eq!(
            normalise(Path::new("tests/rule_tests/../fixtures/profiles/a.yaml")),
            PathBuf::from("tests/fixtures/profiles/a.yaml")
        );
        assert_eq!(normalise(Path::new("../a/./b")), PathBuf::from("../a/b"));
    }
}
