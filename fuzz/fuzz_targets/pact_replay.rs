//! `evv replay` on arbitrary transcript bytes (round sequence, genesis and round hash
//! chain, Ed25519 signatures, `final_hash`, `failure_event`), no pinned keys.
#![no_main]

use evv::pact::{replay_bytes, ReplayOptions};
use evv::verdict::render_json;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = ReplayOptions::default();
    let a = replay_bytes(data, "fuzz.json", &opts);
    let code = a.exit_code();
    assert!((0..=3).contains(&code), "exit code {code}");
    // Replay is a pure function of the bytes: a second run renders identically.
    let b = replay_bytes(data, "fuzz.json", &opts);
    assert_eq!(render_json(&a), render_json(&b));
});
