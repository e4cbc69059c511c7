//! Plain text for a terminal: headings, indented and word-wrapped lines, and
//! ANSI styles only when colour is on. Shared by every text renderer.

use std::fmt::Write as _;

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
        let _ = writeln!(self.text, "{}{text}", " ".repeat(indent));
    }

    /// Word-wraps `text` at [`WIDTH`], the first line after `prefix` and the
    /// rest aligned under it.
    pub fn wrapped(&mut self, indent: usize, prefix: &str, text: &str) {
        let first = format!("{}{prefix}", " ".repeat(indent));
        let rest = " ".repeat(indent + prefix.chars().count());
        let mut line = first;
        let mut empty = true;
        for word in text.split_whitespace() {
            let fits = line.chars().count() + 1 + word.chars().count() <= WIDTH;
            if !empty && !fits {
                self.text.push_str(line.trim_end());
                self.text.push('\n');
                line = rest.clone();
                empty = true;
            }
            if !empty {
                line.push(' ');
            }
            line.push_str(word);
            empty = false;
        }
        self.text.push_str(line.trim_end());
        self.text.push('\n');
    }
}
