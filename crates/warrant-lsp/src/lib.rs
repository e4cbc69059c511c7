//! `warrant lsp`: the Language Server Protocol for rule files. The
//! workspace's `rules/*.warrant` and `evidence/*.yaml` (the bundled
//! evidence when it has none) are compiled on every change, open
//! documents taking the place of their files, and the diagnostics are
//! those `warrant check` gives, with `warrant lint`'s warnings once the
//! rules check clean. Hover, go to definition, formatting and document
//! symbols come from the engine (`warrant::symbols`, `warrant::syntax`),
//! using the last knowledge base that compiled, so they keep working while
//! a file is half-typed.
//!
//! [`Server`] is the protocol's logic without the transport, so tests can
//! drive it directly; `main.rs` puts it on stdio.

mod position;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, CompletionItem, CompletionItemKind,
    CompletionParams, Diagnostic as LspDiagnostic, DiagnosticSeverity, DocumentSymbol, DocumentSymbolParams,
    DocumentSymbolResponse, GotoDefinitionParams, Hover, HoverContents, HoverParams, Location, MarkupContent,
    MarkupKind, NumberOrString, PublishDiagnosticsParams, Range, ReferenceParams, RenameParams,
    SymbolKind as LspSymbolKind, TextDocumentPositionParams, TextEdit, Url, WorkspaceEdit,
};
use serde_json::Value;
use warrant::dates::Date;
use warrant::diagnostic::{Diagnostic, Severity};
use warrant::knowledge_base::{self, Files, KnowledgeBase};
use warrant::lint::{self, LintOptions};
use warrant::span::{SourceFile, SourceMap, Span};
use warrant::symbols::{self, SymbolKind};

pub use position::{offset_of, position_of};

/// A request the server could not answer: JSON-RPC's error code and why.
#[derive(Debug)]
pub struct Failure {
    pub code: i32,
    pub message: String,
}

const INVALID_PARAMS: i32 = -32602;
const METHOD_NOT_FOUND: i32 = -32601;

fn invalid(message: impl Into<String>) -> Failure {
    Failure { code: INVALID_PARAMS, message: message.into() }
}

pub struct Server {
    root: PathBuf,
    today: Date,
    /// Open documents by path: their text, not the file's.
    open: BTreeMap<PathBuf, String>,
    /// The last knowledge base that compiled, for hover and definitions.
    last_good: Option<(SourceMap, KnowledgeBase)>,
    /// Files diagnostics were last published for, so fixed ones are cleared.
    published: BTreeSet<Url>,
}

impl Server {
    /// A server for the workspace at `root`, reporting as of `today`.
    pub fn new(root: PathBuf, today: Date) -> Server {
        Server { root, today, open: BTreeMap::new(), last_good: None, published: BTreeSet::new() }
    }

    /// Handles a notification; returns the notifications to send back
    /// (`textDocument/publishDiagnostics`), as (method, params).
    pub fn notify(&mut self, method: &str, params: Value) -> Vec<(String, Value)> {
        let text_of =
            |params: &Value, pointer: &str| params.pointer(pointer).and_then(Value::as_str).map(String::from);
        let path = params
            .pointer("/textDocument/uri")
            .and_then(Value::as_str)
            .and_then(|uri| self.path_of(uri).ok());
        match method {
            "textDocument/didOpen" => {
                let (Some(path), Some(text)) = (path, text_of(&params, "/textDocument/text")) else {
                    return Vec::new();
                };
                self.open.insert(path, text);
            }
            "textDocument/didChange" => {
                // Full synchronisation: the last change holds the whole text.
                let changes = params.get("contentChanges").and_then(Value::as_array);
                let text = changes.and_then(|c| c.last()).and_then(|c| c.get("text")).and_then(Value::as_str);
                let (Some(path), Some(text)) = (path, text) else { return Vec::new() };
                self.open.insert(path, text.to_string());
            }
            "textDocument/didClose" => {
                if let Some(path) = path {
                    self.open.remove(&path);
                }
            }
            "textDocument/didSave" | "workspace/didChangeWatchedFiles" => {}
            _ => return Vec::new(),
        }
        self.recompile()
    }

    /// Answers a request, by method.
    pub fn request(&mut self, method: &str, params: Value) -> Result<Value, Failure> {
        let json = |value: Result<Value, serde_json::Error>| value.map_err(|e| invalid(e.to_string()));
        match method {
            "textDocument/hover" => {
                let params: HoverParams =
                    serde_json::from_value(params).map_err(|e| invalid(e.to_string()))?;
                json(serde_json::to_value(self.hover(&params.text_document_position_params)?))
            }
            "textDocument/definition" => {
                let params: GotoDefinitionParams =
                    serde_json::from_value(params).map_err(|e| invalid(e.to_string()))?;
                json(serde_json::to_value(self.definition(&params.text_document_position_params)?))
            }
            "textDocument/formatting" => {
                let uri = params.pointer("/textDocument/uri").and_then(Value::as_str).unwrap_or("");
                json(serde_json::to_value(self.formatting(uri)?))
            }
            "textDocument/completion" => {
                let params: CompletionParams =
                    serde_json::from_value(params).map_err(|e| invalid(e.to_string()))?;
                json(serde_json::to_value(self.completion(&params.text_document_position)?))
            }
            "textDocument/references" => {
                let params: ReferenceParams =
                    serde_json::from_value(params).map_err(|e| invalid(e.to_string()))?;
                json(serde_json::to_value(self.references(&params.text_document_position)?))
            }
            "textDocument/rename" => {
                let params: RenameParams =
                    serde_json::from_value(params).map_err(|e| invalid(e.to_string()))?;
                json(serde_json::to_value(self.rename(&params.text_document_position, &params.new_name)?))
            }
            "textDocument/codeAction" => {
                let params: CodeActionParams =
                    serde_json::from_value(params).map_err(|e| invalid(e.to_string()))?;
                json(serde_json::to_value(quick_fixes(&params)))
            }
            "textDocument/documentSymbol" => {
                let params: DocumentSymbolParams =
                    serde_json::from_value(params).map_err(|e| invalid(e.to_string()))?;
                json(serde_json::to_value(self.document_symbols(params.text_document.uri.as_str())?))
            }
            _ => Err(Failure { code: METHOD_NOT_FOUND, message: format!("`{method}` is not supported") }),
        }
    }

    /// A path in the workspace for a `file:` URI; anything else is refused.
    fn path_of(&self, uri: &str) -> Result<PathBuf, Failure> {
        let url = Url::parse(uri).map_err(|e| invalid(format!("`{uri}` is not a URI: {e}")))?;
        let path = url.to_file_path().map_err(|()| invalid(format!("`{uri}` is not a file")))?;
        if !path.starts_with(&self.root) {
            return Err(invalid(format!("`{uri}` is outside the workspace `{}`", self.root.display())));
        }
        Ok(path)
    }

    /// The document's text: open, else on disk.
    fn text_of(&self, path: &Path) -> Result<String, Failure> {
        match self.open.get(path) {
            Some(text) => Ok(text.clone()),
            None => std::fs::read_to_string(path)
                .map_err(|e| invalid(format!("cannot read `{}`: {e}", path.display()))),
        }
    }

    /// The workspace's rule and evidence files, open documents in place of
    /// their files; the bundled evidence when there is no `evidence/`.
    fn files(&self) -> Files {
        let gather = |dir: &str, extensions: &[&str]| -> Option<Vec<SourceFile>> {
            let dir = self.root.join(dir);
            let mut paths: BTreeSet<PathBuf> = std::fs::read_dir(&dir)
                .ok()?
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| has_extension(path, extensions))
                .collect();
            paths.extend(
                self.open
                    .keys()
                    .filter(|p| p.parent() == Some(dir.as_path()) && has_extension(p, extensions))
                    .cloned(),
            );
            let files: Vec<SourceFile> = paths
                .into_iter()
                .filter_map(|path| {
                    let text = self.text_of(&path).ok()?;
                    Some(SourceFile::new(path.display().to_string(), text))
                })
                .collect();
            (!files.is_empty()).then_some(files)
        };
        let bundled = Files::bundled();
        Files {
            rules: gather("rules", &["warrant"]).unwrap_or_default(),
            evidence: gather("evidence", &["yaml", "yml"]).unwrap_or(bundled.evidence),
        }
    }

    /// Compiles the workspace and publishes every file's diagnostics.
    fn recompile(&mut self) -> Vec<(String, Value)> {
        let (sources, compiled) = knowledge_base::compile(self.files());
        let diagnostics = match &compiled {
            Ok(kb) => lint::lint(kb, &LintOptions { max_age_days: 365, today: self.today }),
            Err(diagnostics) => diagnostics.clone(),
        };
        let mut by_file: BTreeMap<Url, Vec<LspDiagnostic>> = BTreeMap::new();
        for (_, source) in sources.files() {
            if let Ok(url) = Url::from_file_path(&source.name) {
                by_file.entry(url).or_default();
            }
        }
        for diagnostic in &diagnostics {
            let Some(span) = diagnostic.primary_span() else { continue };
            let Some(source) = sources.get(span.file) else { continue };
            let Ok(url) = Url::from_file_path(&source.name) else { continue };
            by_file.entry(url).or_default().push(to_lsp(diagnostic, span, source));
        }
        let mut notifications = Vec::new();
        let stale: Vec<Url> =
            self.published.iter().filter(|url| !by_file.contains_key(*url)).cloned().collect();
        for url in stale {
            by_file.insert(url, Vec::new());
        }
        self.published = by_file.keys().cloned().collect();
        for (uri, diagnostics) in by_file {
            let params = PublishDiagnosticsParams { uri, diagnostics, version: None };
            if let Ok(params) = serde_json::to_value(params) {
                notifications.push((String::from("textDocument/publishDiagnostics"), params));
            }
        }
        match compiled {
            Ok(kb) => self.last_good = Some((sources, kb)),
            // Opened broken, before anything compiled: the files as saved.
            Err(_) if self.last_good.is_none() => {
                let open = std::mem::take(&mut self.open);
                let (sources, saved) = knowledge_base::compile(self.files());
                self.open = open;
                self.last_good = saved.ok().map(|kb| (sources, kb));
            }
            Err(_) => {}
        }
        notifications
    }

    /// The word under the cursor and the knowledge base to look it up in.
    fn symbol_at(
        &self,
        at: &TextDocumentPositionParams,
    ) -> Result<Option<(Range, symbols::Symbol, &SourceMap)>, Failure> {
        let path = self.path_of(at.text_document.uri.as_str())?;
        let text = self.text_of(&path)?;
        let offset = offset_of(&text, at.position);
        let Some((range, word)) = symbols::word_at(&text, offset) else { return Ok(None) };
        let Some((sources, kb)) = &self.last_good else { return Ok(None) };
        let Some(symbol) = symbols::lookup(kb, word) else { return Ok(None) };
        let range = Range { start: position_of(&text, range.start), end: position_of(&text, range.end) };
        Ok(Some((range, symbol, sources)))
    }

    /// A name's description, or a unit's conversions.
    fn hover(&self, at: &TextDocumentPositionParams) -> Result<Option<Hover>, Failure> {
        let markdown = |value: String, range: Range| Hover {
            contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value }),
            range: Some(range),
        };
        if let Some((range, symbol, _)) = self.symbol_at(at)? {
            return Ok(Some(markdown(symbol.description, range)));
        }
        let text = self.text_of(&self.path_of(at.text_document.uri.as_str())?)?;
        let offset = offset_of(&text, at.position);
        Ok(symbols::unit_at(&text, offset).map(|(range, description)| {
            markdown(
                description,
                Range { start: position_of(&text, range.start), end: position_of(&text, range.end) },
            )
        }))
    }

    fn definition(&self, at: &TextDocumentPositionParams) -> Result<Option<Location>, Failure> {
        let Some((_, symbol, sources)) = self.symbol_at(at)? else { return Ok(None) };
        if let Some(span) = symbol.definition {
            return Ok(location(sources, span));
        }
        // A group keeps no place in the checked program: its `group NAME` line.
        let declaration = format!("group {} ", symbol.name);
        for (path, text) in self.rule_texts() {
            let Some(start) = text
                .match_indices(&declaration)
                .map(|(i, _)| i)
                .find(|&i| i == 0 || text[..i].ends_with('\n'))
            else {
                continue;
            };
            let Ok(uri) = Url::from_file_path(&path) else { continue };
            let name = start + "group ".len();
            let range =
                Range { start: position_of(&text, name), end: position_of(&text, name + symbol.name.len()) };
            return Ok(Some(Location { uri, range }));
        }
        Ok(None)
    }

    /// Keywords, names, evidence ids after `cite`, and units that fit a lab
    /// after a comparison, for the word at the cursor.
    fn completion(&self, at: &TextDocumentPositionParams) -> Result<Vec<CompletionItem>, Failure> {
        let path = self.path_of(at.text_document.uri.as_str())?;
        let text = self.text_of(&path)?;
        let offset = offset_of(&text, at.position);
        let line_start = text.get(..offset).and_then(|before| before.rfind('\n')).map_or(0, |i| i + 1);
        let Some((_, kb)) = &self.last_good else { return Ok(Vec::new()) };
        let line = text.get(line_start..offset).unwrap_or("");
        Ok(symbols::completions(kb, line)
            .into_iter()
            .map(|completion| CompletionItem {
                kind: Some(match completion.kind {
                    symbols::CompletionKind::Keyword => CompletionItemKind::KEYWORD,
                    symbols::CompletionKind::Unit => CompletionItemKind::UNIT,
                    symbols::CompletionKind::Name(SymbolKind::Rule(_)) => CompletionItemKind::FUNCTION,
                    symbols::CompletionKind::Name(SymbolKind::Input) => CompletionItemKind::VARIABLE,
                    symbols::CompletionKind::Name(SymbolKind::Evidence) => CompletionItemKind::REFERENCE,
                    symbols::CompletionKind::Name(SymbolKind::Term | SymbolKind::Group) => {
                        CompletionItemKind::CONSTANT
                    }
                }),
                label: completion.label,
                detail: Some(completion.detail),
                ..CompletionItem::default()
            })
            .collect())
    }

    /// Every rule file's text, open documents in place of their files.
    fn rule_texts(&self) -> Vec<(PathBuf, String)> {
        let mut paths: BTreeSet<PathBuf> = std::fs::read_dir(self.root.join("rules"))
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| has_extension(path, &["warrant"]))
            .collect();
        paths.extend(self.open.keys().filter(|path| has_extension(path, &["warrant"])).cloned());
        paths.into_iter().filter_map(|path| self.text_of(&path).ok().map(|text| (path, text))).collect()
    }

    /// Where the name at the cursor is written: every rule file, and an
    /// evidence record's `id`.
    fn occurrences_of(&self, at: &TextDocumentPositionParams) -> Result<Vec<Location>, Failure> {
        let Some((_, symbol, sources)) = self.symbol_at(at)? else { return Ok(Vec::new()) };
        let mut locations = Vec::new();
        for (path, text) in self.rule_texts() {
            let Ok(uri) = Url::from_file_path(&path) else { continue };
            for range in symbols::occurrences(&text, &symbol.name) {
                let range =
                    Range { start: position_of(&text, range.start), end: position_of(&text, range.end) };
                locations.push(Location { uri: uri.clone(), range });
            }
        }
        if symbol.kind == SymbolKind::Evidence
            && let Some(span) = symbol.definition
            && let Some(source) = sources.get(span.file)
            && let Ok(uri) = Url::from_file_path(&source.name)
        {
            let line_end = source
                .text
                .get(span.start..)
                .and_then(|rest| rest.find('\n'))
                .map_or(source.text.len(), |n| span.start + n);
            if let Some(found) =
                source.text.get(span.start..line_end).and_then(|line| line.find(&symbol.name))
            {
                let start = span.start + found;
                let range = Range {
                    start: position_of(&source.text, start),
                    end: position_of(&source.text, start + symbol.name.len()),
                };
                locations.push(Location { uri, range });
            }
        }
        Ok(locations)
    }

    fn references(&self, at: &TextDocumentPositionParams) -> Result<Vec<Location>, Failure> {
        self.occurrences_of(at)
    }

    /// Renames a rule, input, term, group or evidence id everywhere it is
    /// written; the new name must be a name no keyword or other name has.
    fn rename(
        &self,
        at: &TextDocumentPositionParams,
        new_name: &str,
    ) -> Result<Option<WorkspaceEdit>, Failure> {
        let valid = new_name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && new_name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid || symbols::KEYWORDS.contains(&new_name) {
            return Err(invalid(format!(
                "`{new_name}` cannot be a name: use lower-case letters, digits and `_`, not a keyword"
            )));
        }
        if let Some((_, kb)) = &self.last_good
            && symbols::lookup(kb, new_name).is_some()
        {
            return Err(invalid(format!("`{new_name}` is already a name in these rules")));
        }
        let locations = self.occurrences_of(at)?;
        if locations.is_empty() {
            return Ok(None);
        }
        let mut changes: std::collections::HashMap<Url, Vec<TextEdit>> = std::collections::HashMap::new();
        for location in locations {
            changes
                .entry(location.uri)
                .or_default()
                .push(TextEdit { range: location.range, new_text: new_name.to_string() });
        }
        Ok(Some(WorkspaceEdit { changes: Some(changes), ..WorkspaceEdit::default() }))
    }

    /// The whole document as `warrant fmt` writes it; nothing when it does
    /// not parse (the diagnostics say why).
    fn formatting(&self, uri: &str) -> Result<Vec<TextEdit>, Failure> {
        let path = self.path_of(uri)?;
        let text = self.text_of(&path)?;
        let source = SourceFile::new(path.display().to_string(), text.clone());
        let mut sources = SourceMap::new();
        let file = sources.add(source.clone());
        match warrant::syntax::print::format_source(file, &source) {
            Ok(formatted) if formatted != text => Ok(vec![TextEdit {
                range: Range { start: position_of(&text, 0), end: position_of(&text, text.len()) },
                new_text: formatted,
            }]),
            _ => Ok(Vec::new()),
        }
    }

    fn document_symbols(&self, uri: &str) -> Result<DocumentSymbolResponse, Failure> {
        let path = self.path_of(uri)?;
        let Some((sources, kb)) = &self.last_good else {
            return Ok(DocumentSymbolResponse::Nested(Vec::new()));
        };
        let name = path.display().to_string();
        let Some((file, source)) = sources.files().find(|(_, source)| source.name == name) else {
            return Ok(DocumentSymbolResponse::Nested(Vec::new()));
        };
        let symbols = symbols::defined_in(kb, file)
            .into_iter()
            .filter_map(|symbol| {
                let span = symbol.definition?;
                let range = range_in(source, span);
                #[allow(
                    deprecated,
                    reason = "the field is deprecated in the protocol but required by lsp-types"
                )]
                Some(DocumentSymbol {
                    name: symbol.name,
                    detail: Some(first_line(&symbol.description)),
                    kind: match symbol.kind {
                        SymbolKind::Input => LspSymbolKind::VARIABLE,
                        SymbolKind::Rule(_) => LspSymbolKind::FUNCTION,
                        SymbolKind::Term => LspSymbolKind::CONSTANT,
                        SymbolKind::Group => LspSymbolKind::ENUM,
                        SymbolKind::Evidence => LspSymbolKind::OBJECT,
                    },
                    tags: None,
                    deprecated: None,
                    range,
                    selection_range: range,
                    children: None,
                })
            })
            .collect();
        Ok(DocumentSymbolResponse::Nested(symbols))
    }
}

/// A quick fix for every diagnostic that says "did you mean `X`?": put `X`
/// where the diagnostic points.
fn quick_fixes(params: &CodeActionParams) -> Vec<CodeActionOrCommand> {
    params
        .context
        .diagnostics
        .iter()
        .filter_map(|diagnostic| {
            let (_, after) = diagnostic.message.split_once("did you mean `")?;
            let (suggestion, _) = after.split_once('`')?;
            let edit = TextEdit { range: diagnostic.range, new_text: suggestion.to_string() };
            let changes = std::collections::HashMap::from([(params.text_document.uri.clone(), vec![edit])]);
            Some(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("Change to `{suggestion}`"),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![diagnostic.clone()]),
                edit: Some(WorkspaceEdit { changes: Some(changes), ..WorkspaceEdit::default() }),
                is_preferred: Some(true),
                ..CodeAction::default()
            }))
        })
        .collect()
}

fn has_extension(path: &Path, extensions: &[&str]) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| extensions.contains(&e))
}

fn first_line(markdown: &str) -> String {
    markdown.lines().next().unwrap_or("").replace("**", "").replace('`', "")
}

fn range_in(source: &SourceFile, span: Span) -> Range {
    Range { start: position_of(&source.text, span.start), end: position_of(&source.text, span.end) }
}

fn location(sources: &SourceMap, span: Span) -> Option<Location> {
    let source = sources.get(span.file)?;
    let uri = Url::from_file_path(&source.name).ok()?;
    Some(Location { uri, range: range_in(source, span) })
}

/// A Warrant diagnostic at its primary span, with its other labels and
/// help folded into the message as `check` prints them.
fn to_lsp(diagnostic: &Diagnostic, span: Span, source: &SourceFile) -> LspDiagnostic {
    let mut message = diagnostic.message.clone();
    if let Some(help) = &diagnostic.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    LspDiagnostic {
        range: range_in(source, span),
        severity: Some(match diagnostic.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(diagnostic.code.to_string())),
        source: Some(String::from("warrant")),
        message,
        ..LspDiagnostic::default()
    }
}
