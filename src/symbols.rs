//! Names in a knowledge base for an editor: what a word in a rule file
//! refers to (an input, a rule, a term, a group, an evidence record),
//! where it is defined, and a Markdown description of it for a hover.
//! The language server (`warrant lsp`) is built on these; so could any
//! other tool that shows rules to their authors.

use std::fmt::Write as _;
use std::ops::Range;

use crate::check::InputKind;
use crate::knowledge_base::KnowledgeBase;
use crate::span::{FileId, Span};

/// What a name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymbolKind {
    Input,
    /// A rule, with its keyword (`recommend`, `derive`, `population`, ...).
    Rule(&'static str),
    Term,
    Group,
    Evidence,
}

/// A name, where it is defined (when the knowledge base knows), and what
/// an author wants to see when pointing at it.
#[derive(Debug, Clone, PartialEq)]
pub struct Symbol {
    pub name: String,
    pub kind: SymbolKind,
    pub definition: Option<Span>,
    /// Markdown.
    pub description: String,
}

/// The identifier (letters, digits, `_`) around byte `offset` of `text`
/// (an offset past the end is the end), with its byte range; `None` when
/// the offset is not on one.
pub fn word_at(text: &str, offset: usize) -> Option<(Range<usize>, &str)> {
    let range = run_around(text, offset, |c| c.is_ascii_alphanumeric() || c == '_')?;
    let word = text.get(range.clone())?;
    (!word.is_empty() && !word.starts_with(|c: char| c.is_ascii_digit())).then_some((range, word))
}

/// The byte range of the run of `is_part` characters around byte
/// `offset` (an offset past the end is the end); possibly empty.
fn run_around(text: &str, offset: usize, is_part: impl Fn(char) -> bool) -> Option<Range<usize>> {
    let offset = offset.min(text.len());
    let before = text.get(..offset)?;
    let start =
        before.char_indices().rev().take_while(|(_, c)| is_part(*c)).last().map_or(offset, |(i, _)| i);
    let after = text.get(offset..)?;
    let end = offset + after.char_indices().find(|(_, c)| !is_part(*c)).map_or(after.len(), |(i, _)| i);
    Some(start..end)
}

/// What `name` refers to in `kb`, if anything: a rule, an input, a term, a
/// group or an evidence record, in that order.
pub fn lookup(kb: &KnowledgeBase, name: &str) -> Option<Symbol> {
    let program = &kb.graph.program;
    if let Some(rule) = program.find_rule(name).and_then(|id| program.rule(id)) {
        let mut text = format!("**{}** `{}`: {}\n", rule.kind.keyword(), rule.name, rule.label);
        if let Some(strength) = rule.strength {
            let strength = match strength {
                crate::syntax::ast::Strength::Strong => "strong",
                crate::syntax::ast::Strength::Conditional => "conditional",
            };
            let _ = writeln!(text, "\nStrength: {strength}");
        }
        if !rule.citations.is_empty() {
            text.push_str("\nCites:\n");
            for citation in &rule.citations {
                let graded = if citation.graded { ", graded for this" } else { "" };
                let _ = writeln!(
                    text,
                    "- `{}` ({}, certainty {}{graded})",
                    citation.evidence,
                    citation.stance.keyword(),
                    citation.certainty.describe()
                );
            }
        }
        return Some(Symbol {
            name: rule.name.clone(),
            kind: SymbolKind::Rule(rule.kind.keyword()),
            definition: Some(rule.span),
            description: text,
        });
    }
    if let Some(input) = program.find_input(name).and_then(|id| program.input(id)) {
        let what = match input.kind {
            InputKind::Flag => String::from("a flag, read from `conditions`"),
            InputKind::List(list) => format!("a list, the profile's `{}`", list.name()),
            InputKind::Lab { unit, molar_mass } => {
                let molar = molar_mass.map(|m| format!(", molar mass {m} g/mol")).unwrap_or_default();
                format!("a lab value, {}, in {}{molar}", unit.dimension.describe(), unit.symbol)
            }
            InputKind::Age => String::from("the person's age, in years"),
            InputKind::Sex => String::from("the person's sex"),
        };
        let mut text = format!("**input** `{}`: {}\n\n{what}\n", input.name, input.label);
        if !input.loinc.is_empty() {
            let _ = writeln!(text, "\nLOINC: {}", input.loinc.join(", "));
        }
        for (system, code) in &input.codes {
            let _ = writeln!(text, "\n{}: {code}", system.title());
        }
        if !input.aliases.is_empty() {
            let _ = writeln!(text, "\nAlso written: {}", input.aliases.join(", "));
        }
        return Some(Symbol {
            name: input.name.clone(),
            kind: SymbolKind::Input,
            definition: Some(input.span),
            description: text,
        });
    }
    if let Some(term) = program.terms.iter().find(|term| term.name == name) {
        let codes: Vec<String> = term.codes.iter().map(|(s, c)| format!("{} {c}", s.title())).collect();
        return Some(Symbol {
            name: term.name.clone(),
            kind: SymbolKind::Term,
            definition: Some(term.span),
            description: format!("**term** `{}`: {}\n\nCodes: {}\n", term.name, term.label, codes.join(", ")),
        });
    }
    if let Some(members) = program.groups.get(name) {
        return Some(Symbol {
            name: name.to_string(),
            kind: SymbolKind::Group,
            definition: None,
            description: format!("**group** `{name}`: {}\n", members.join(", ")),
        });
    }
    let located = kb.evidence.get(name)?;
    let record = &located.record;
    let mut text = format!("**evidence** `{}`\n\n", record.id);
    let authors = record
        .authors
        .first()
        .map(|a| if record.authors.len() > 1 { format!("{a} et al.") } else { a.clone() });
    let year = record.year.map(|y| format!(" ({y})")).unwrap_or_default();
    let _ = writeln!(text, "{}{year}. {}", authors.unwrap_or_default(), record.title);
    let n = record.n.map(|n| format!(", n = {n}")).unwrap_or_default();
    let _ = writeln!(
        text,
        "\n{}{n}; certainty {}; citation {}",
        record.kind.describe(),
        record.certainty.describe(),
        record.verification.describe()
    );
    if let Some(cited) = &record.as_cited {
        let _ = writeln!(text, "\nThe article cites it as: {}", cited.text);
    }
    if let Some(note) = &record.note {
        let _ = writeln!(text, "\n{note}");
    }
    let ids = record.ids.listed();
    if !ids.is_empty() {
        let _ = writeln!(text, "\n{}", ids.join(", "));
    }
    Some(Symbol {
        name: record.id.clone(),
        kind: SymbolKind::Evidence,
        definition: Some(located.span),
        description: text,
    })
}

/// The inputs, terms and rules defined in `file`, in the order written.
pub fn defined_in(kb: &KnowledgeBase, file: FileId) -> Vec<Symbol> {
    let program = &kb.graph.program;
    let names = program
        .inputs
        .iter()
        .filter(|input| input.span.file == file)
        .map(|input| (input.span.start, input.name.as_str()))
        .chain(program.terms.iter().filter(|t| t.span.file == file).map(|t| (t.span.start, t.name.as_str())))
        .chain(program.rules.iter().filter(|r| r.span.file == file).map(|r| (r.span.start, r.name.as_str())));
    let mut names: Vec<(usize, &str)> = names.collect();
    names.sort_unstable();
    names.into_iter().filter_map(|(_, name)| lookup(kb, name)).collect()
}

/// The rule language's keywords, as `grammar/warrant.pest` lists them (a
/// test holds the two equal).
pub const KEYWORDS: [&str; 57] = [
    "above",
    "aliases",
    "and",
    "at",
    "below",
    "by",
    "caveat",
    "certainty",
    "cite",
    "codes",
    "conditional",
    "contains",
    "daily",
    "derive",
    "dose",
    "flag",
    "for",
    "form",
    "group",
    "has",
    "inform",
    "input",
    "is",
    "known",
    "limit",
    "list",
    "loinc",
    "mixed",
    "molar_mass",
    "not",
    "older",
    "or",
    "plausible",
    "population",
    "provides",
    "range",
    "recommend",
    "refutes",
    "reviewed",
    "separate_from",
    "slot",
    "strength",
    "strong",
    "supports",
    "take_with",
    "term",
    "test",
    "than",
    "timing",
    "title",
    "to",
    "unknown",
    "unless",
    "valid_for",
    "version",
    "warn",
    "when",
];

/// A completion for the word being typed.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    pub label: String,
    pub kind: CompletionKind,
    /// A line about it: a name's label, a unit's dimension.
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletionKind {
    Keyword,
    Name(SymbolKind),
    Unit,
}

/// What can complete the word at the end of `line` (the line up to the
/// cursor): after `cite`, evidence ids; after a lab, a comparison and a
/// number, the units of the lab's dimension; else keywords and the names
/// of rules, inputs, terms and groups. Sorted by label.
pub fn completions(kb: &KnowledgeBase, line: &str) -> Vec<Completion> {
    let prefix_start = line
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_alphanumeric() || *c == '_' || *c == '/' || *c == 'µ')
        .last()
        .map_or(line.len(), |(i, _)| i);
    let (context, prefix) = line.split_at(prefix_start);
    let words: Vec<&str> = context.split_whitespace().collect();
    let program = &kb.graph.program;
    let mut found: Vec<Completion> = Vec::new();
    let citing = words.last().is_some_and(|w| *w == "cite" || w.ends_with(','))
        && words.iter().rev().take_while(|w| **w != "when" && **w != "unless").any(|w| *w == "cite");
    if citing {
        found.extend(kb.evidence.iter().map(|located| Completion {
            label: located.record.id.clone(),
            kind: CompletionKind::Name(SymbolKind::Evidence),
            detail: located.record.title.clone(),
        }));
    } else if let [.., lab, comparator, number] = words.as_slice()
        && matches!(*comparator, "<" | "<=" | ">" | ">=" | "=" | "==" | "!=")
        && number.parse::<f64>().is_ok()
    {
        if let Some(InputKind::Lab { unit, .. }) =
            program.find_input(lab).and_then(|id| program.input(id)).map(|i| i.kind)
        {
            found.extend(crate::units::Unit::symbols_of(unit.dimension).into_iter().map(|symbol| {
                Completion {
                    label: symbol.to_string(),
                    kind: CompletionKind::Unit,
                    detail: unit.dimension.describe().to_string(),
                }
            }));
        }
    } else {
        found.extend(KEYWORDS.iter().map(|k| Completion {
            label: k.to_string(),
            kind: CompletionKind::Keyword,
            detail: String::from("keyword"),
        }));
        found.extend(program.rules.iter().map(|rule| Completion {
            label: rule.name.clone(),
            kind: CompletionKind::Name(SymbolKind::Rule(rule.kind.keyword())),
            detail: rule.label.clone(),
        }));
        found.extend(program.inputs.iter().map(|input| Completion {
            label: input.name.clone(),
            kind: CompletionKind::Name(SymbolKind::Input),
            detail: input.label.clone(),
        }));
        found.extend(program.terms.iter().map(|term| Completion {
            label: term.name.clone(),
            kind: CompletionKind::Name(SymbolKind::Term),
            detail: term.label.clone(),
        }));
        found.extend(program.groups.iter().map(|(name, members)| Completion {
            label: name.clone(),
            kind: CompletionKind::Name(SymbolKind::Group),
            detail: members.join(", "),
        }));
    }
    found.retain(|completion| completion.label.starts_with(prefix));
    found.sort_by(|a, b| a.label.cmp(&b.label));
    found.dedup_by(|a, b| a.label == b.label);
    found
}

/// Where `name` is written in rule text as a whole word, outside comments
/// and strings: its byte ranges, for references and renames.
pub fn occurrences(text: &str, name: &str) -> Vec<Range<usize>> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut found = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let mut in_string = false;
        let mut chars = line.char_indices().peekable();
        while let Some((index, c)) = chars.next() {
            match c {
                '"' => in_string = !in_string,
                '\\' if in_string => {
                    chars.next();
                }
                '/' if !in_string && chars.peek().is_some_and(|(_, next)| *next == '/') => break,
                c if !in_string && is_word(c) => {
                    let end = line
                        .get(index..)
                        .and_then(|rest| rest.find(|c: char| !is_word(c)))
                        .map_or(line.len(), |n| index + n);
                    let before = line.get(..index).and_then(|b| b.chars().next_back());
                    if line.get(index..end) == Some(name) && !before.is_some_and(is_word) {
                        found.push(line_start + index..line_start + end);
                    }
                    while chars.peek().is_some_and(|(i, _)| *i < end) {
                        chars.next();
                    }
                }
                _ => {}
            }
        }
        line_start += line.len();
    }
    found
}

/// The unit written around byte `offset` (`ng/mL`, `µg/L`, `%`), with its
/// byte range and a Markdown line on what it is and what one of it is in
/// the other units of its dimension.
pub fn unit_at(text: &str, offset: usize) -> Option<(Range<usize>, String)> {
    let is_unit = |c: char| c.is_ascii_alphanumeric() || matches!(c, 'µ' | 'μ' | '/' | '_' | '.' | '²' | '%');
    let Range { start, end } = run_around(text, offset, is_unit)?;
    let written = text.get(start..end)?;
    let unit = crate::units::Unit::parse(written)?;
    let others: Vec<String> = crate::units::Unit::symbols_of(unit.dimension)
        .into_iter()
        .filter(|symbol| *symbol != unit.symbol)
        .filter_map(|symbol| {
            let other = crate::units::Unit::parse(symbol)?;
            let value = crate::units::convert(1.0, unit, other, None).ok()?;
            Some(format!("{} {symbol}", crate::units::format_number(value)))
        })
        .collect();
    let mut description = format!("**unit** `{}`: {}", unit.symbol, unit.dimension.describe());
    if !others.is_empty() {
        let _ = write!(description, "\n\n1 {} = {}", unit.symbol, others.join(" = "));
    }
    Some((start..end, description))
}
