//! Plain text for a terminal: headings, indented and word-wrapped lines, and
//! ANSI styles only when colour is on. Shared by every text renderer.

use anstyle::Style;

/// Text lines are wrapped to this many columns.
pub const WIDTH: usize = 88;

/// The text being built, and whether to colour it.
pub struct TextOut {
    pub text: String,
    pub colour: bool,
}

impl TextOut {
    pub fn new(colour: bool) -> Self {
        TextOut { text: String::new(), colour }
    }

    /// `text` in `style` when colour is on, else as it is.
    pub fn paint(&self, text: &str, style: Style) -> String {
        if self.colour { format!("{style}{text}{style:#}") } else { text.to_string() }
    }

    /// An upper-case, bold heading line.
    pub fn heading(&mut self, text: &str) {
        let styled = self.paint(&text.to_uppercase(), Style::new().bold().underline());
        self.text.push_str(&styled);
        self.text.push('\n');
    }

    pub fn blank(&mut self) {
        self.text.push('\n');
    }

    pub fn line(&mut self, indent: usize, text: &str) {
        push_spaces(&mut self.text, indent);
        self.text.push_str(text);
        self.text.push('\n');
    }

    /// Word-wraps `text` at [`WIDTH`], the first line after `prefix` and the
    /// rest aligned under it. Written straight into the text, counting
    /// columns as it goes: a line built apart and measured again for every
    /// word was a sixth of rendering a report.
    pub fn wrapped(&mut self, indent: usize, prefix: &str, text: &str) {
        let hang = indent + prefix.chars().count();
        let mut line_start = self.text.len();
        push_spaces(&mut self.text, indent);
        self.text.push_str(prefix);
        let mut width = hang;
        let mut empty = true;
        for word in text.split_whitespace() {
            let word_width = word.chars().count();
            if !empty && width + 1 + word_width > WIDTH {
                self.text.push('\n');
                line_start = self.text.len();
                push_spaces(&mut self.text, hang);
                width = hang;
                empty = true;
            }
            if !empty {
                self.text.push(' ');
                width += 1;
            }
            self.text.push_str(word);
            width += word_width;
            empty = false;
        }
        // A line with no words ends without the spaces before them.
        if empty {
            let kept = self.text.get(line_start..).map_or(0, |line| line.trim_end().len());
            self.text.truncate(line_start + kept);
        }
        self.text.push('\n');
    }
}

fn push_spaces(text: &mut String, count: usize) {
    text.extend(std::iter::repeat_n(' ', count));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How lines were wrapped before they were written in place: the line
    /// built apart, measured in characters for every word, trimmed at the end.
    fn wrapped_as_before(indent: usize, prefix: &str, text: &str) -> String {
        let mut out = String::new();
        let mut line = format!("{}{prefix}", " ".repeat(indent));
        let rest = " ".repeat(indent + prefix.chars().count());
        let mut empty = true;
        for word in text.split_whitespace() {
            if !empty && line.chars().count() + 1 + word.chars().count() > WIDTH {
                out.push_str(line.trim_end());
                out.push('\n');
                line = rest.clone();
                empty = true;
            }
            if !empty {
                line.push(' ');
            }
            line.push_str(word);
            empty = false;
        }
        out.push_str(line.trim_end());
        out.push('\n');
        out
    }

    #[test]
    fn lines_wrap_at_the_width_counting_characters_not_bytes() {
        let long = "ferritin ≤ 75 µg/L, ".repeat(12);
        // Seven words of ten and one of eleven fill a line to the column.
        let exactly_full = format!("{}bbbbbbbbbbb c", "aaaaaaaaaa ".repeat(7));
        let cases = [
            (0, "", exactly_full.as_str()),
            (0, "", ""),
            (6, "- ", ""),
            (4, "", "   "),
            (2, "[yes] ", long.as_str()),
            (6, "[unknown] ", "one"),
            (0, "", "x".repeat(WIDTH + 5).as_str()),
            (3, "• ", "a\tb\n c  d"),
        ]
        .map(|(indent, prefix, text)| (indent, prefix, text.to_string()));
        for (indent, prefix, text) in cases {
            let mut out = TextOut::new(false);
            out.text.push_str("before\n");
            out.wrapped(indent, prefix, &text);
            let expected = format!("before\n{}", wrapped_as_before(indent, prefix, &text));
            assert_eq!(out.text, expected, "indent {indent}, prefix {prefix:?}, text {text:?}");
        }
        let mut out = TextOut::new(false);
        out.wrapped(0, "", &exactly_full);
        assert_eq!(out.text.lines().map(|line| line.chars().count()).collect::<Vec<_>>(), [WIDTH, 1]);
        let mut out = TextOut::new(false);
        out.wrapped(2, "- ", &long);
        assert!(out.text.lines().count() > 2);
        assert!(out.text.lines().all(|line| line.chars().count() <= WIDTH));
    }
}
