//! Rules and a profile together, separated by a line `---profile---`: when
//! the rules compile, the compiled evaluator must agree with walking the
//! conditions for the profile, rule by rule.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warrant::profile::Format;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Some((rules, profile)) = text.split_once("\n---profile---\n") else { return };
    let (_, compiled) = warrant_fuzz::compile_rules(rules);
    if let Ok(kb) = compiled {
        warrant_fuzz::explain(&kb, profile, Format::Yaml);
    }
});
