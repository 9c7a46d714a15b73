//! The miette diagnostic `evv canon` prints for a JSON parse error: building and
//! rendering it must never panic, whatever bytes (invalid UTF-8, multi-byte characters
//! cut by the excerpt window, errors at end of input) surround the error.
#![no_main]

use evv::canon;
use evv::cli::diag::JsonDiagnostic;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Err(e) = canon::parse(data) else { return };
    assert!(e.offset <= data.len());
    assert!(e.line >= 1 && e.column >= 1);
    let d = JsonDiagnostic::new("fuzz.json", data, &e);
    let rendered = format!("{:?}", miette::Report::new(d));
    assert!(rendered.contains("fuzz.json"));
});
