//! Control characters made visible. Text a person supplies (a profile's
//! name, its list entries, a unit) reaches terminals, Markdown and JSON
//! consumers; a NUL, an escape sequence or a bidirectional override in it
//! must show as what it is, never act on the reader's screen.

use std::borrow::Cow;
use std::io;

use serde::Serialize;

/// `value` as pretty-printed JSON ending in a line break, every control
/// character escaped (see [`escape_json`]).
pub fn json_document<T: Serialize + ?Sized>(value: &T) -> String {
    let mut json = Vec::with_capacity(4096);
    let mut serializer = serde_json::Serializer::with_formatter(&mut json, Indented::default());
    // Serialising plain data to memory cannot fail, and serde_json writes
    // UTF-8; an empty document would stand for either going wrong.
    let mut json = match value.serialize(&mut serializer) {
        Ok(()) => String::from_utf8(json).unwrap_or_default(),
        Err(_) => String::new(),
    };
    json.push('\n');
    escape_json(json)
}

/// serde_json's pretty layout, two spaces a level, byte for byte, with
/// each line break and its indentation written at once: serde_json's own
/// writes the indentation two bytes at a time, which was a quarter of
/// rendering a report as JSON.
#[derive(Debug, Default)]
struct Indented {
    level: usize,
    /// Whether the array or object being written has had a value yet.
    has_value: bool,
}

/// A line break and the deepest indentation written in one piece; deeper
/// lines take more pieces.
const BREAK_AND_INDENT: &[u8] = b"\n                                                                ";
const INDENT: &[u8] = b"                                                                ";

impl Indented {
    /// A line break (after a comma unless `first`) and the indentation of
    /// the current level.
    fn new_line<W: ?Sized + io::Write>(&self, out: &mut W, first: bool) -> io::Result<()> {
        if !first {
            out.write_all(b",")?;
        }
        self.break_line(out, self.level)
    }

    fn break_line<W: ?Sized + io::Write>(&self, out: &mut W, level: usize) -> io::Result<()> {
        let indentation = 2 * level;
        let first = indentation.min(INDENT.len());
        out.write_all(BREAK_AND_INDENT.get(..=first).unwrap_or(BREAK_AND_INDENT))?;
        let mut left = indentation - first;
        while left > 0 {
            let piece = left.min(INDENT.len());
            out.write_all(INDENT.get(..piece).unwrap_or(INDENT))?;
            left -= piece;
        }
        Ok(())
    }

    fn open<W: ?Sized + io::Write>(&mut self, out: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        out.write_all(bracket)
    }

    fn close<W: ?Sized + io::Write>(&mut self, out: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level = self.level.saturating_sub(1);
        if self.has_value {
            self.break_line(out, self.level)?;
        }
        out.write_all(bracket)
    }
}

impl serde_json::ser::Formatter for Indented {
    fn begin_array<W: ?Sized + io::Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.open(out, b"[")
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.close(out, b"]")
    }

    fn begin_array_value<W: ?Sized + io::Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.new_line(out, first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, _out: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.open(out, b"{")
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.close(out, b"}")
    }

    fn begin_object_key<W: ?Sized + io::Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.new_line(out, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, out: &mut W) -> io::Result<()> {
        out.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, _out: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
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
    fn documents_are_laid_out_as_serde_json_lays_them_out() {
        // Deeper than one piece of indentation, with empty and one-item
        // arrays and objects at every depth.
        let mut deep = serde_json::json!({"leaf": [], "empty": {}, "one": [1], "text": "a\u{7}b"});
        for depth in 0..40 {
            deep = serde_json::json!({"depth": depth, "list": [[], {}, [depth]], "inner": deep});
        }
        let expected = format!("{}\n", serde_json::to_string_pretty(&deep).unwrap());
        assert_eq!(json_document(&deep), expected);
        assert_eq!(json_document(&Vec::<u8>::new()), "[]\n");
        assert_eq!(json_document(&7), "7\n");
    }

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
