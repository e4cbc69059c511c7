//! FHIR R4 Bundles against the bundled knowledge base, read as FHIR whatever
//! they hold, through to every report format and the daily plan.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warrant::profile::Format;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    warrant_fuzz::explain(warrant_fuzz::bundled(), text, Format::Fhir);
});
