//! The formatter: a file that parses formats to one that parses to the same
//! syntax tree (spans aside), and formatting that again changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warrant::span::{FileId, SourceFile};
use warrant::syntax::{self, print};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let source = SourceFile::new("fuzz.warrant", text);
    let Ok(original) = syntax::parse(FileId(0), &source) else { return };
    let formatted = match print::format_source(FileId(0), &source) {
        Ok(formatted) => formatted,
        Err(_) => panic!("a file that parses must format"),
    };
    let again = SourceFile::new("fuzz.warrant", formatted.as_str());
    match syntax::parse(FileId(0), &again) {
        Ok(reparsed) => assert_eq!(
            syntax::shape(&reparsed),
            syntax::shape(&original),
            "formatting changed the meaning:\n{formatted}"
        ),
        Err(_) => panic!("the formatted file does not parse:\n{formatted}"),
    }
    match print::format_source(FileId(0), &again) {
        Ok(twice) => assert_eq!(twice, formatted, "formatting is not idempotent"),
        Err(_) => panic!("the formatted file does not format"),
    }
});
