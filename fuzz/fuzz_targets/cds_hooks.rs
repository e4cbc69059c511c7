//! CDS Hooks requests against the bundled knowledge base, as `warrant
//! serve` answers them: cards or diagnostics, never a panic, and every card
//! as the specification wants it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warrant::span::{SourceFile, SourceMap};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let kb = warrant_fuzz::bundled();
    let mut sources = SourceMap::new();
    let source = SourceFile::new("request", text);
    let file = sources.add(source.clone());
    let limits = warrant::limits::Limits::default();
    match warrant::cds_hooks::respond(kb, file, &source, warrant_fuzz::TODAY, &limits) {
        Ok(answer) => {
            for card in &answer.cards {
                assert!(!card.summary.is_empty() && card.summary.chars().count() < 140, "{}", card.summary);
                assert!(card.detail.contains("not medical advice"), "{}", card.summary);
                assert!(!card.source.label.is_empty());
            }
            let json = serde_json::to_value(&answer).unwrap_or_default();
            assert_no_null_or_empty(&json);
        }
        Err(diagnostics) => {
            assert!(!diagnostics.is_empty(), "a refused request says why");
            warrant_fuzz::render_all(&sources, &diagnostics);
        }
    }
});

/// CDS Hooks: no element null or empty (but `cards`, which may be `[]`).
fn assert_no_null_or_empty(value: &serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Null => panic!("a null field"),
        Value::String(text) => assert!(!text.is_empty(), "an empty string"),
        Value::Array(items) => items.iter().for_each(assert_no_null_or_empty),
        Value::Object(fields) => {
            assert!(!fields.is_empty(), "an empty object");
            for (key, item) in fields {
                let empty_list = item.as_array().is_some_and(Vec::is_empty);
                assert!(key == "cards" || !empty_list, "`{key}` is an empty list");
                assert_no_null_or_empty(item);
            }
        }
        Value::Bool(_) | Value::Number(_) => {}
    }
}
