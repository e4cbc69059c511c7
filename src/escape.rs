//! Control characters made visible. Text a person supplies (a profile's
//! name, its list entries, a unit) reaches terminals, Markdown and JSON
//! consumers; a NUL, an escape sequence or a bidirectional override in it
//! must show as what it is, never act on the reader's screen.

use std::borrow::Cow;

/// `text` with every control character and bidirectional formatting
/// character written as a Rust-style escape, e.g. `\u{1b}`; unchanged
/// (and not copied) when it has none.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            escaped.push_str(&c.escape_unicode().to_string());
        } else {
            escaped.push(c);
        }
    }
    Cow::Owned(escaped)
}

/// Like [`escape_controls`], but keeping line breaks and tabs: for text
/// laid out in lines, such as a diagnostic's source excerpt.
pub fn escape_controls_in_lines(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| needs_escape(c) && c != '\n' && c != '\t') {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.split('\n')
            .map(|line| line.split('\t').map(escape_controls).collect::<Vec<_>>().join("\t"))
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_written_as_escapes() {
        assert_eq!(escape_controls("a\u{0}b\u{1b}[31mred"), "a\\u{0}b\\u{1b}[31mred");
        assert_eq!(escape_controls("x\u{202e}y\nz"), "x\\u{202e}y\\u{a}z");
        assert!(matches!(escape_controls("Zoë, µg/L"), Cow::Borrowed(_)));
    }

    #[test]
    fn line_layout_survives_when_asked() {
        assert_eq!(escape_controls_in_lines("a\tb\n\u{7}c"), "a\tb\n\\u{7}c");
    }
}
