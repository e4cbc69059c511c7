//! Source files and byte spans into them.
//!
//! Every AST node and every diagnostic label carries a [`Span`]: a file id and
//! a byte range. Lines and columns are computed only when rendering.

use std::ops::Range;

/// Index of a file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FileId(pub usize);

/// A byte range in one source file.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub file: FileId,
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(file: FileId, range: Range<usize>) -> Self {
        Span { file, start: range.start, end: range.end }
    }

    pub fn range(self) -> Range<usize> {
        self.start..self.end
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span { file: self.file, start: self.start.min(other.start), end: self.end.max(other.end) }
    }
}

impl std::fmt::Debug for Span {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}..{}", self.file.0, self.start, self.end)
    }
}

/// A value with the span it was written at. Equality ignores the span, so
/// tests can compare syntax trees parsed from differently laid-out text.
#[derive(Clone)]
pub struct Spanned<T> {
    pub node: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(node: T, span: Span) -> Self {
        Spanned { node, span }
    }
}

impl<T: PartialEq> PartialEq for Spanned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.node == other.node
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Spanned<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.node.fmt(f)
    }
}

/// A named text, as read from disk, stdin or the bundled knowledge base.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
    line_starts: Vec<usize>,
    /// The number, in the file named `name`, of the text's first line: 1
    /// for a whole file, more for one line of a JSON Lines file.
    first_line: usize,
    /// Characters before each [`STRIDE`] bytes of the text, built the first
    /// time a column far into a long line is asked for: a thousand errors
    /// on a one-line, megabyte profile must not count its characters a
    /// thousand times.
    char_marks: std::sync::OnceLock<Vec<usize>>,
}

/// Bytes between the marks of [`SourceFile::char_marks`].
const STRIDE: usize = 4096;

/// Characters that start in `bytes`: every byte but UTF-8 continuations.
fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count()
}

impl SourceFile {
    /// A leading UTF-8 byte-order mark is dropped: it is not part of the
    /// text, and YAML parsers would read it as content.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        let mut text: String = text.into();
        if text.starts_with('\u{feff}') {
            text.drain(..'\u{feff}'.len_utf8());
        }
        let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(at, _)| at + 1)).collect();
        SourceFile {
            name: name.into(),
            text,
            line_starts,
            first_line: 1,
            char_marks: std::sync::OnceLock::new(),
        }
    }

    /// Line `line` of the file `name`, on its own: diagnostics give the
    /// line's number in that file.
    pub fn line_of(name: impl Into<String>, text: impl Into<String>, line: usize) -> Self {
        SourceFile { first_line: line.max(1), ..SourceFile::new(name, text) }
    }

    /// Where a byte offset is for a reader: line and column (both from
    /// one) in the file `name`.
    pub fn location(&self, offset: usize) -> (usize, usize) {
        let (line, column) = self.line_col(offset);
        (line + self.first_line - 1, column)
    }

    /// The number a line index (from zero, within the text) has in the file.
    pub fn line_number(&self, line_index: usize) -> usize {
        line_index + self.first_line
    }

    /// One-based line and column (in characters) of a byte offset, within
    /// the text.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line(offset);
        let line_start = self.line_starts.get(line - 1).copied().unwrap_or(0);
        let column = if offset - line_start <= STRIDE {
            self.text.as_bytes().get(line_start..offset).map_or(0, count_chars)
        } else {
            self.chars_before(offset) - self.chars_before(line_start)
        };
        (line, column + 1)
    }

    /// The one-based line of a byte offset, within the text.
    pub fn line(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&start| start <= offset).max(1)
    }

    /// Characters in the text before a byte offset.
    fn chars_before(&self, offset: usize) -> usize {
        let bytes = self.text.as_bytes();
        let marks = self.char_marks.get_or_init(|| {
            let mut marks = vec![0];
            let mut count = 0;
            for block in bytes.chunks(STRIDE) {
                count += count_chars(block);
                marks.push(count);
            }
            marks
        });
        let block = offset / STRIDE;
        marks.get(block).copied().unwrap_or(0) + bytes.get(block * STRIDE..offset).map_or(0, count_chars)
    }

    /// Byte offset of a one-based line and column, clamped to the text.
    pub fn offset_of(&self, line: usize, column: usize) -> usize {
        let line_start = self.line_starts.get(line.saturating_sub(1)).copied().unwrap_or(self.text.len());
        let rest = self.text.get(line_start..).unwrap_or("");
        let in_line = rest.char_indices().nth(column.saturating_sub(1)).map_or(rest.len(), |(at, _)| at);
        line_start + in_line
    }
}

/// All files that diagnostics may point into.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> Self {
        SourceMap::default()
    }

    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(self.files.len() - 1)
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0)
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate().map(|(i, f)| (FileId(i), f))
    }

    /// The text a span covers, or "" when the span is out of range.
    pub fn snippet(&self, span: Span) -> &str {
        self.get(span.file).and_then(|f| f.text.get(span.range())).unwrap_or("")
    }

    /// `file:line:col` of a span's start.
    pub fn locate(&self, span: Span) -> String {
        match self.get(span.file) {
            Some(file) => {
                // Written piece by piece: every finding of every report
                // carries one, and `format!` costs several times more.
                let (line, col) = file.location(span.start);
                let mut numbers = itoa::Buffer::new();
                let mut located = String::with_capacity(file.name.len() + 12);
                located.push_str(&file.name);
                located.push(':');
                located.push_str(numbers.format(line));
                located.push(':');
                located.push_str(numbers.format(col));
                located
            }
            None => String::from("<unknown file>"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_on_short_and_long_lines() {
        let short = SourceFile::new("f", "ab\nµé x");
        assert_eq!(short.line_col(short.text.find('x').unwrap()), (2, 4));
        let long = format!("a\n{}x{}", "µ".repeat(10_000), "é".repeat(3));
        let file = SourceFile::new("f", long.as_str());
        assert_eq!(file.line_col(long.find('x').unwrap()), (2, 10_001));
        assert_eq!(file.line_col(long.len()), (2, 10_005));
    }

    #[test]
    fn a_byte_order_mark_is_not_text() {
        assert_eq!(SourceFile::new("f", "\u{feff}age: 4").text, "age: 4");
    }
}
