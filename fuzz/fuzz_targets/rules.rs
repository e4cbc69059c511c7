//! Rule files: parse, check, build the graph and lint. Any text is either
//! a knowledge base or a list of diagnostics, and both render.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warrant::lint::{self, LintOptions};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (sources, compiled) = warrant_fuzz::compile_rules(text);
    match compiled {
        Ok(kb) => {
            let warnings = lint::lint(&kb, &LintOptions { max_age_days: 365, today: warrant_fuzz::TODAY });
            warrant_fuzz::render_all(&sources, &warnings);
        }
        Err(diagnostics) => {
            assert!(!diagnostics.is_empty());
            warrant_fuzz::render_all(&sources, &diagnostics);
        }
    }
});
