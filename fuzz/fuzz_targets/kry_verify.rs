//! `evv kry` on arbitrary attestation bytes (every KRY profile, signatures, councils)
//! with an empty trust store.
#![no_main]

use evv::kry::{verify_attestation_bytes, KryOptions};
use evv::verdict::Report;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut report = Report::new("kry", "fuzz.json");
    let _ = verify_attestation_bytes("fuzz.json", data, &KryOptions::default(), &mut report);
    let _ = report.exit_code();
});
