//! Control characters made visible. Text a person supplies (a profile's
//! name, its list entries, a unit) reaches terminals, Markdown and JSON
//! consumers; a NUL, an escape sequence or a bidirectional override in it
//! must show as what it is, never act on the reader's screen.

use std::borrow::Cow;

use serde::Serialize;

/// `value` as pretty-printed JSON ending in a line break, every control
/// character escaped (see [`escape_json`]).
pub fn json_document<T: Serialize + ?Sized>(value: &T) -> String {
    // Serialising plain data to a String cannot fail.
    let mut json = serde_json::to_string_pretty(value).unwrap_or_default();
    json.push('\n');
    escape_json(json)
}

/// `value` as one line of JSON, without a line break, every control
/// character escaped.
pub fn json_line<T: Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    serde_json::to_string(value).map(escape_json)
}

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

/// JSON text with the characters serde_json leaves raw (DEL, the C1
/// controls, bidirectional formatting) written as `\uXXXX`. They can only
/// occur inside JSON strings, where the escape means the same character.
pub fn escape_json(json: String) -> String {
    if !json_needs_escape(json.as_bytes()) {
        return json;
    }
    let mut escaped = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if left_raw_by_serde(c) {
            escaped.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            escaped.push(c);
        }
    }
    escaped
}

/// A character serde_json leaves raw that [`escape_json`] escapes: serde
/// already escapes the ASCII controls but DEL, and a pretty document's own
/// line breaks stay.
fn left_raw_by_serde(c: char) -> bool {
    c == '\u{7f}' || (!c.is_ascii() && needs_escape(c))
}

/// Whether JSON text holds a character [`escape_json`] escapes, read from
/// its UTF-8 bytes: DEL (`7f`), a C1 control (`c2 80`-`c2 9f`), or a
/// bidirectional mark, embedding or isolate (`e2 80 8e`-`8f`, `e2 80
/// aa`-`ae`, `e2 81 a6`-`a9`). A report's `µ`, `≥` and dashes are not
/// among them, and decoding every character of every line to find that
/// out was a sixth of `batch --explain`'s time.
pub fn json_needs_escape(json: &[u8]) -> bool {
    memchr::memchr3_iter(0x7f, 0xc2, 0xe2, json).any(|at| {
        let after = |n: usize| json.get(at + n).copied().unwrap_or(0);
        match json.get(at) {
            Some(0xc2) => (0x80..=0x9f).contains(&after(1)),
            Some(0xe2) => {
                matches!((after(1), after(2)), (0x80, 0x8e | 0x8f | 0xaa..=0xae) | (0x81, 0xa6..=0xa9))
            }
            _ => true,
        }
    })
}

/// A control character or a bidirectional formatting character: one that
/// changes how text around it is shown instead of showing itself.
pub fn is_hidden(c: char) -> bool {
    needs_escape(c)
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
    fn json_keeps_its_meaning_with_every_control_escaped() {
        let json = serde_json::to_string("a\u{7f}b\u{85}c\u{202e}d\u{1b}").unwrap();
        let escaped = escape_json(json);
        assert_eq!(escaped, r#""a\u007fb\u0085c\u202ed\u001b""#);
        assert_eq!(serde_json::from_str::<String>(&escaped).unwrap(), "a\u{7f}b\u{85}c\u{202e}d\u{1b}");
    }

    /// The byte-level check agrees with the character-level rule for every
    /// character there is, alone and between others.
    #[test]
    fn the_byte_check_finds_exactly_the_characters_escaped() {
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            let text = format!("µ{c}≥");
            let want = left_raw_by_serde(c);
            assert_eq!(json_needs_escape(text.as_bytes()), want, "U+{:04X}", u32::from(c));
        }
    }

    #[test]
    fn line_layout_survives_when_asked() {
        assert_eq!(escape_controls_in_lines("a\tb\n\u{7}c"), "a\tb\n\\u{7}c");
    }
}
