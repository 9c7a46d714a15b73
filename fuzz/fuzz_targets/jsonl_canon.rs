//! JSON Lines as `evv canon --jsonl` reads them: the input minus one trailing newline is
//! split on `\n`, and every line is parsed and canonicalized on its own (a bad line is
//! an error for that line only). Also checks that a line's canonical form never holds
//! a raw newline (one output line per input line) and that hashing never panics.
#![no_main]

use evv::canon::{self, Dialect};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let body = data.strip_suffix(b"\n").unwrap_or(data);
    if body.is_empty() {
        return;
    }
    for line in body.split(|&b| b == b'\n') {
        let v = match canon::parse(line) {
            Ok(v) => v,
            Err(e) => {
                assert!(e.offset <= line.len(), "error offset past the line");
                assert_eq!(e.line, 1, "a single line reported an error on another line");
                continue;
            }
        };
        for d in [Dialect::Python, Dialect::CanonicalJson, Dialect::Jcs] {
            if let Ok(c) = canon::to_vec(&v, d) {
                assert!(!c.contains(&b'\n'), "{d:?} output holds a raw newline");
                let _ = evv::crypto::hash::sha256_hex(&c);
            }
        }
    }
});
