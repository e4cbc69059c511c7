//! Where each field of a YAML or JSON document is written, from the YAML
//! parser's own positions (saphyr's event spans), so that diagnostics about
//! `labs.ferritin.value` or an evidence record's `year` point at that field
//! and never at the first text that happens to match. Keys written twice in
//! one mapping are found here too.
//!
//! serde reads values; this index is built beside it, usually only once
//! something needs reporting. JSON is read as the YAML it also is. The walk
//! is a loop over events with an explicit stack: nesting costs no recursion.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;

use saphyr_parser::{Event, Parser, Span as YamlSpan};

/// One step of a path into a document.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// `labs.ferritin.value`, `supplements[2].unit`, `[3].title`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct FieldPath(pub Vec<Step>);

impl FieldPath {
    pub fn root() -> FieldPath {
        FieldPath(Vec::new())
    }

    /// This path with a key added.
    pub fn key(&self, key: &str) -> FieldPath {
        let mut steps = self.0.clone();
        steps.push(Step::Key(key.to_string()));
        FieldPath(steps)
    }

    /// This path with a list index added.
    pub fn index(&self, index: usize) -> FieldPath {
        let mut steps = self.0.clone();
        steps.push(Step::Index(index));
        FieldPath(steps)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (at, step) in self.0.iter().enumerate() {
            match step {
                Step::Key(key) if at == 0 => write!(f, "{key}")?,
                Step::Key(key) => write!(f, ".{key}")?,
                Step::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// Where one field is written: its key (for a mapping entry) and its value,
/// as byte ranges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub key: Option<Range<usize>>,
    pub value: Range<usize>,
}

/// A key written twice in one mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    /// The path of the field, e.g. `[3].title`.
    pub path: FieldPath,
    pub first: Range<usize>,
    pub second: Range<usize>,
}

/// The fields of one document, by path. A document with a syntax error is
/// indexed up to the error.
#[derive(Debug, Default)]
pub struct FieldSpans {
    fields: HashMap<FieldPath, Field>,
    duplicates: Vec<Duplicate>,
}

impl FieldSpans {
    /// Indexes the first document in `text`.
    pub fn of(text: &str) -> FieldSpans {
        Walker::new(text).walk()
    }

    pub fn get(&self, path: &FieldPath) -> Option<&Field> {
        self.fields.get(path)
    }

    /// The field's key when it has one, else the start of its value (a
    /// list entry's first token, not the whole entry): what a label naming
    /// the field should underline.
    pub fn key_or_value(&self, path: &FieldPath, text: &str) -> Option<Range<usize>> {
        let field = self.get(path)?;
        if let Some(key) = &field.key {
            return Some(key.clone());
        }
        let start = field.value.start;
        let rest = text.get(start..field.value.end).unwrap_or("");
        let token = rest.find(|c: char| c.is_whitespace() || c == ':' || c == ',').filter(|&n| n > 0);
        Some(start..start + token.unwrap_or(rest.len().min(rest.chars().next().map_or(0, char::len_utf8))))
    }

    /// The field's value.
    pub fn value(&self, path: &FieldPath) -> Option<Range<usize>> {
        self.get(path).map(|field| field.value.clone())
    }

    /// Keys written twice, in document order.
    pub fn duplicates(&self) -> &[Duplicate] {
        &self.duplicates
    }
}

/// A mapping or sequence being read.
enum Frame {
    Map {
        path: FieldPath,
        /// Where each key was first written.
        keys: HashMap<String, Range<usize>>,
        /// The key whose value comes next.
        pending: Option<(Step, Range<usize>)>,
    },
    Seq {
        path: FieldPath,
        next: usize,
    },
}

struct Walker<'t> {
    text: &'t str,
    /// saphyr counts characters; spans here are bytes. Positions only move
    /// forward, so the conversion walks the text once.
    cursor_chars: usize,
    cursor_bytes: usize,
    index: FieldSpans,
    stack: Vec<Frame>,
    /// Fields whose value ends at a collection's end event.
    open: Vec<FieldPath>,
}

impl<'t> Walker<'t> {
    fn new(text: &'t str) -> Self {
        Walker {
            text,
            cursor_chars: 0,
            cursor_bytes: 0,
            index: FieldSpans::default(),
            stack: Vec::new(),
            open: Vec::new(),
        }
    }

    fn walk(mut self) -> FieldSpans {
        let mut parser = Parser::new_from_str(self.text);
        let mut documents = 0;
        while let Some(Ok((event, span))) = parser.next_event() {
            match event {
                Event::DocumentStart(_) => {
                    documents += 1;
                    if documents > 1 {
                        break;
                    }
                }
                Event::Scalar(value, ..) => {
                    let range = self.range(span);
                    if let Some(Frame::Map { keys, pending: pending @ None, path }) = self.stack.last_mut() {
                        if let Some(first) = keys.get(value.as_ref()) {
                            self.index.duplicates.push(Duplicate {
                                path: path.key(&value),
                                first: first.clone(),
                                second: range.clone(),
                            });
                        } else {
                            keys.insert(value.to_string(), range.clone());
                        }
                        *pending = Some((Step::Key(value.to_string()), range));
                    } else {
                        self.value(range, false);
                    }
                }
                Event::Alias(_) => {
                    let range = self.range(span);
                    self.value(range, false);
                }
                Event::MappingStart(..) | Event::SequenceStart(..) => {
                    let range = self.range(span);
                    let path = self.value(range, true);
                    let frame = match event {
                        Event::MappingStart(..) => Frame::Map { path, keys: HashMap::new(), pending: None },
                        _ => Frame::Seq { path, next: 0 },
                    };
                    self.stack.push(frame);
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    self.stack.pop();
                    let end = self.range(span).end;
                    if let Some(path) = self.open.pop() {
                        if let Some(field) = self.index.fields.get_mut(&path) {
                            field.value.end = end.max(field.value.start);
                        }
                    }
                }
                Event::StreamEnd => break,
                _ => {}
            }
        }
        self.index
    }

    /// Records a value at the current position of the enclosing collection
    /// and returns its path; a collection's value stays open until its end.
    fn value(&mut self, range: Range<usize>, opens: bool) -> FieldPath {
        let (path, key) = match self.stack.last_mut() {
            None => (FieldPath::root(), None),
            Some(Frame::Seq { path, next }) => {
                *next += 1;
                (path.index(*next - 1), None)
            }
            Some(Frame::Map { path, pending, .. }) => match pending.take() {
                Some((step, key)) => {
                    let mut steps = path.0.clone();
                    steps.push(step);
                    (FieldPath(steps), Some(key))
                }
                // A mapping or sequence used as a key: not a field anyone names.
                None => (path.key("?"), None),
            },
        };
        // A repeated key keeps the place of its first value, as it was first written.
        self.index.fields.entry(path.clone()).or_insert(Field { key, value: range });
        if opens {
            self.open.push(path.clone());
        }
        path
    }

    fn range(&mut self, span: YamlSpan) -> Range<usize> {
        let start = self.byte_at(span.start.index());
        let end = self.byte_at(span.end.index()).max(start);
        start..end
    }

    /// The byte offset of a character index.
    fn byte_at(&mut self, chars: usize) -> usize {
        if chars < self.cursor_chars {
            self.cursor_chars = 0;
            self.cursor_bytes = 0;
        }
        let rest = self.text.get(self.cursor_bytes..).unwrap_or("");
        let step = chars - self.cursor_chars;
        let advanced = rest.char_indices().nth(step).map_or(rest.len(), |(at, _)| at);
        self.cursor_chars = chars;
        self.cursor_bytes += advanced;
        self.cursor_bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(text: &str) -> FieldPath {
        let mut steps = Vec::new();
        for part in text.split('.') {
            match part.split_once('[') {
                Some((key, index)) => {
                    if !key.is_empty() {
                        steps.push(Step::Key(key.to_string()));
                    }
                    steps.push(Step::Index(index.trim_end_matches(']').parse().unwrap()));
                }
                None => steps.push(Step::Key(part.to_string())),
            }
        }
        FieldPath(steps)
    }

    fn text_at(text: &str, range: Option<Range<usize>>) -> &str {
        text.get(range.unwrap()).unwrap()
    }

    #[test]
    fn block_yaml_fields_are_found_by_path() {
        let text = "name: Ann # ferritin: here\nlabs:\n  ferritin: {value: 32, unit: ng/mL}\nsupplements:\n  - name: iron\n    dose: 65\n";
        let index = FieldSpans::of(text);
        assert_eq!(text_at(text, index.key_or_value(&path("labs.ferritin"), text)), "ferritin");
        assert_eq!(text_at(text, index.value(&path("labs.ferritin.value"))), "32");
        assert_eq!(text_at(text, index.value(&path("supplements[0].dose"))), "65");
        assert_eq!(path("supplements[0].dose").to_string(), "supplements[0].dose");
    }

    #[test]
    fn json_on_one_line_with_multibyte_text_is_indexed_in_bytes() {
        let text = r#"{"name": "Zoë µ", "labs": {"ferritin": {"value": 32, "unit": "µg/L"}}}"#;
        let index = FieldSpans::of(text);
        assert_eq!(text_at(text, index.value(&path("labs.ferritin.unit"))), r#""µg/L""#);
    }

    #[test]
    fn duplicate_keys_are_reported_at_both_places() {
        let text = "labs:\n  ferritin: {value: 30, unit: ng/mL}\n  tsat: {value: 20, unit: '%'}\n  ferritin: {value: 300, unit: ng/mL}\n";
        let index = FieldSpans::of(text);
        let [duplicate] = index.duplicates() else { panic!("{:?}", index.duplicates()) };
        assert_eq!(duplicate.path.to_string(), "labs.ferritin");
        assert_eq!(
            (text[..duplicate.first.start].lines().count(), text[..duplicate.second.start].lines().count()),
            (2, 4)
        );
        assert_eq!(
            text_at(text, index.value(&path("labs.ferritin.value"))),
            "30",
            "the first one is indexed"
        );
    }

    #[test]
    fn deep_nesting_is_walked_or_refused_without_recursion() {
        let nested = |depth: usize| format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
        let deep = FieldSpans::of(&nested(200));
        let innermost = FieldPath(vec![Step::Index(0); 200]);
        assert_eq!(deep.value(&innermost), Some(200..201));
        // saphyr refuses nesting past its own limit; the index is then empty.
        assert!(FieldSpans::of(&nested(100_000)).get(&FieldPath::root()).is_none());
    }
}
