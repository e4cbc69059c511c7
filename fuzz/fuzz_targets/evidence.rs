//! Evidence files: every record that reads is kept, every problem is a
//! diagnostic, and both render.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warrant::evidence;
use warrant::span::{SourceFile, SourceMap};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut sources = SourceMap::new();
    let file = sources.add(SourceFile::new("fuzz.yaml", text));
    let (base, diagnostics) = evidence::load(&sources, &[file]);
    assert!(base.is_complete() || !diagnostics.is_empty(), "an unread file says why");
    warrant_fuzz::render_all(&sources, &diagnostics);
});
