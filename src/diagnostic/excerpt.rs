//! What a rendered diagnostic shows of the source: only the lines its
//! labels touch, each cut to a window around its labels when it is long,
//! with control characters escaped. A 5 MB line or a line of escape
//! sequences costs a few hundred bytes of stderr, and is shown safely;
//! line and column numbers stay those of the real file.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use codespan_reporting::files::{Error as FilesError, Files, Location};

use crate::escape::escape_controls;
use crate::span::{FileId, SourceFile, SourceMap, Span};

/// Lines longer than this many bytes are shown as a window around their labels.
const WIDE: usize = 160;
/// How much of a long line is shown before its first label.
const LEAD: usize = 40;
/// Windows shown of one long line, at most.
const MAX_WINDOWS: usize = 8;
/// A label over more lines than this is shown on its first line only.
const TALL: usize = 6;

/// The excerpts of every file one diagnostic points into.
pub(super) struct Excerpts<'a> {
    views: BTreeMap<FileId, View<'a>>,
}

/// One file's excerpt: the chosen lines, rewritten.
struct View<'a> {
    original: &'a SourceFile,
    name: String,
    text: String,
    line_starts: Vec<usize>,
    /// For each line of `text`, its index in the original file.
    original_lines: Vec<usize>,
    /// (offset in `text`, offset in the original), at each shown character
    /// and at the end of each line's window, in order.
    marks: Vec<(usize, usize)>,
}

impl<'a> Excerpts<'a> {
    /// The excerpts the labels `spans` need.
    pub(super) fn new(sources: &'a SourceMap, spans: impl Iterator<Item = Span>) -> Self {
        let mut by_file: BTreeMap<FileId, Vec<Range<usize>>> = BTreeMap::new();
        for span in spans {
            if let Some(source) = sources.get(span.file) {
                by_file.entry(span.file).or_default().push(shown_part(source, span.range()));
            }
        }
        let views = by_file
            .into_iter()
            .filter_map(|(file, ranges)| Some((file, View::new(sources.get(file)?, &ranges))))
            .collect();
        Excerpts { views }
    }

    /// Where a label's span falls in its excerpt.
    pub(super) fn range(&self, span: Span) -> Range<usize> {
        match self.views.get(&span.file) {
            Some(view) => {
                let shown = shown_part(view.original, span.range());
                view.to_view(shown.start)..view.to_view(shown.end).max(view.to_view(shown.start))
            }
            None => 0..0,
        }
    }
}

/// The part of a label shown: all of it, or when it runs over more than
/// [`TALL`] lines, the rest of its first line.
fn shown_part(source: &SourceFile, range: Range<usize>) -> Range<usize> {
    let line_of = |offset: usize| source.line(offset);
    if line_of(range.end) - line_of(range.start) <= TALL {
        return range;
    }
    let rest = source.text.get(range.start..).unwrap_or("");
    range.start..range.start + rest.find('\n').unwrap_or(rest.len())
}

impl<'a> View<'a> {
    fn new(original: &'a SourceFile, ranges: &[Range<usize>]) -> Self {
        let line_of = |offset: usize| original.line(offset) - 1;
        let mut lines = BTreeSet::new();
        for range in ranges {
            lines.extend(line_of(range.start)..=line_of(range.end));
        }
        let mut view = View {
            original,
            name: escape_controls(&original.name).into_owned(),
            text: String::new(),
            line_starts: Vec::new(),
            original_lines: Vec::new(),
            marks: Vec::new(),
        };
        let mut previous: Option<usize> = None;
        for line in lines {
            match previous.map(|p| line - p) {
                // codespan shows a single skipped line itself...
                Some(2) => view.add_line(line - 1, ranges),
                // ...and marks a longer gap with `·` when the excerpt has one too.
                Some(gap) if gap > 2 => {
                    for _ in 0..2 {
                        view.line_starts.push(view.text.len());
                        view.original_lines.push(line - 1);
                        view.text.push('\n');
                    }
                }
                _ => {}
            }
            view.add_line(line, ranges);
            previous = Some(line);
        }
        view
    }

    /// Appends one original line: all of it, or when it is long, a window
    /// of it around each group of labels that starts on it, each window on
    /// a line of its own with the original line's number.
    fn add_line(&mut self, line: usize, ranges: &[Range<usize>]) {
        let source = self.original.text.as_str();
        let start = self.original.offset_of(line + 1, 1);
        let end = self.original.offset_of(line + 2, 1);
        let content = source.get(start..end).unwrap_or("").trim_end_matches(['\n', '\r']);
        let end = start + content.len();
        if content.len() <= WIDE {
            return self.add_window(line, start, end, start, end);
        }
        let mut starts: Vec<usize> =
            ranges.iter().map(|r| r.start).filter(|s| (start..=end).contains(s)).collect();
        starts.sort_unstable();
        if starts.is_empty() {
            // Inside a label that started on an earlier line.
            starts.push(start);
        }
        let mut windows: Vec<(usize, usize)> = Vec::new();
        for label in starts {
            let last = windows.last().copied();
            if last.is_some_and(|(from, to)| (from..to).contains(&label)) {
                continue;
            }
            if windows.len() == MAX_WINDOWS {
                break;
            }
            let earliest = last.map_or(start, |(_, to)| to);
            let from = floor_boundary(source, label.saturating_sub(LEAD).max(earliest));
            windows.push((from, ceil_boundary(source, (from + WIDE).min(end))));
        }
        for (from, to) in windows {
            self.add_window(line, start, end, from, to);
        }
    }

    /// Appends `from..to` of the line `start..end` as a line of the excerpt,
    /// with `…` where it is cut.
    fn add_window(&mut self, line: usize, start: usize, end: usize, from: usize, to: usize) {
        let source = self.original.text.as_str();
        self.line_starts.push(self.text.len());
        self.original_lines.push(line);
        if from > start {
            self.text.push('…');
        }
        for (at, c) in source.get(from..to).unwrap_or("").char_indices() {
            self.marks.push((self.text.len(), from + at));
            if c == '\t' {
                self.text.push(c);
            } else {
                self.text.push_str(&escape_controls(c.encode_utf8(&mut [0; 4])));
            }
        }
        self.marks.push((self.text.len(), to));
        if to < end {
            self.text.push('…');
        }
        self.text.push('\n');
    }

    /// The excerpt offset of an original offset: outside the shown window,
    /// the nearest edge of it.
    fn to_view(&self, original: usize) -> usize {
        let after = self.marks.partition_point(|&(_, o)| o <= original);
        match after.checked_sub(1).and_then(|i| self.marks.get(i)) {
            Some(&(view, _)) => view,
            None => self.marks.first().map_or(0, |&(view, _)| view),
        }
    }

    /// The original offset of an excerpt offset.
    fn to_original(&self, view: usize) -> usize {
        let after = self.marks.partition_point(|&(v, _)| v <= view);
        after.checked_sub(1).and_then(|i| self.marks.get(i)).map_or(0, |&(_, original)| original)
    }

    fn line_index(&self, view: usize) -> usize {
        self.line_starts.partition_point(|&start| start <= view).saturating_sub(1)
    }
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

impl<'a> Files<'a> for Excerpts<'a> {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        self.views.get(&id).map(|v| v.name.as_str()).ok_or(FilesError::FileMissing)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        self.views.get(&id).map(|v| v.text.as_str()).ok_or(FilesError::FileMissing)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, FilesError> {
        Ok(self.views.get(&id).ok_or(FilesError::FileMissing)?.line_index(byte_index))
    }

    fn line_number(&'a self, id: FileId, line_index: usize) -> Result<usize, FilesError> {
        let view = self.views.get(&id).ok_or(FilesError::FileMissing)?;
        let original = view.original_lines.get(line_index).copied().unwrap_or(line_index);
        Ok(view.original.line_number(original))
    }

    fn location(&'a self, id: FileId, byte_index: usize) -> Result<Location, FilesError> {
        let view = self.views.get(&id).ok_or(FilesError::FileMissing)?;
        let (line_number, column_number) = view.original.location(view.to_original(byte_index));
        Ok(Location { line_number, column_number })
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, FilesError> {
        let view = self.views.get(&id).ok_or(FilesError::FileMissing)?;
        let start = *view.line_starts.get(line_index).ok_or(FilesError::LineTooLarge {
            given: line_index,
            max: view.line_starts.len().saturating_sub(1),
        })?;
        let end = view.line_starts.get(line_index + 1).copied().unwrap_or(view.text.len());
        Ok(start..end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn excerpt(text: &str, label: Range<usize>) -> (String, Range<usize>, Location) {
        let mut sources = SourceMap::new();
        let file = sources.add(SourceFile::new("f", text));
        let span = Span::new(file, label);
        let excerpts = Excerpts::new(&sources, std::iter::once(span));
        let range = excerpts.range(span);
        let location = excerpts.location(file, range.start).unwrap();
        (excerpts.source(file).unwrap().to_string(), range, location)
    }

    #[test]
    fn short_lines_are_shown_whole_and_only_those_labelled() {
        let (text, range, location) = excerpt("one\ntwo words\nthree\n", 8..13);
        assert_eq!(text, "two words\n");
        assert_eq!(&text[range], "words");
        assert_eq!((location.line_number, location.column_number), (2, 5));
    }

    #[test]
    fn a_long_line_is_cut_around_its_label() {
        let line = format!("{}needle{}", "x".repeat(5_000_000), "y".repeat(5_000_000));
        let (text, range, location) = excerpt(&line, 5_000_000..5_000_006);
        assert!(text.len() < 2 * WIDE, "{}", text.len());
        assert_eq!(&text[range], "needle");
        assert_eq!(location.column_number, 5_000_001);
    }

    #[test]
    fn labels_far_apart_on_a_long_line_get_a_window_each() {
        let line = format!("{}first{}second", "x".repeat(1_000), "y".repeat(1_000));
        let mut sources = SourceMap::new();
        let file = sources.add(SourceFile::new("f", line.as_str()));
        let (first, second) = (Span::new(file, 1_000..1_005), Span::new(file, 2_005..2_011));
        let excerpts = Excerpts::new(&sources, [first, second].into_iter());
        let text = excerpts.source(file).unwrap();
        assert_eq!(text.lines().count(), 2, "{text}");
        assert_eq!(&text[excerpts.range(first)], "first");
        assert_eq!(&text[excerpts.range(second)], "second");
        assert_eq!(excerpts.line_number(file, 1).unwrap(), 1, "both windows are line 1");
    }

    #[test]
    fn control_characters_are_escaped_and_labels_still_fit() {
        let (text, range, _) = excerpt("name: \"a\u{1b}[2Jb\"\n", 6..14);
        assert_eq!(text, "name: \"a\\u{1b}[2Jb\"\n");
        assert_eq!(&text[range], "\"a\\u{1b}[2Jb\"");
    }
}
