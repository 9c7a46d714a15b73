//! The strict JSON parser and all three canonicalizers.
//!
//! Properties checked on every input that parses (any panic is a finding):
//! - Python and canonicaljson: `parse(canon(v)) == v` (no information lost), and the
//!   canonical bytes are a fixed point: `canon(parse(canon(v))) == canon(v)`.
//! - JCS: canonicalization may refuse (integers beyond a double) but never panics;
//!   when it succeeds its output parses and is a fixed point.
//! - `canon::sha256` (streamed into the hasher) equals SHA-256 of `canon::to_vec`.
//! - evv's own pretty JSON output parses back to the same value.
#![no_main]

use evv::canon::{self, Dialect};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(v) = canon::parse(data) else { return };
    for d in [Dialect::Python, Dialect::CanonicalJson, Dialect::Jcs] {
        let c = match canon::to_vec(&v, d) {
            Ok(c) => c,
            Err(_) if d == Dialect::Jcs => continue,
            Err(e) => panic!("{d:?} refused a parsed value: {e}"),
        };
        let w = canon::parse(&c).unwrap_or_else(|e| panic!("{d:?} output does not parse: {e}"));
        if d != Dialect::Jcs {
            assert_eq!(w, v, "{d:?}: parse(canon(v)) != v");
        }
        let c2 = canon::to_vec(&w, d).expect("canonical output re-encodes");
        assert_eq!(c2, c, "{d:?}: canonicalization is not idempotent");
        let streamed = canon::sha256(&v, d).expect("same value encodes");
        assert_eq!(
            streamed,
            evv::crypto::hash::sha256(&c),
            "{d:?}: streamed hash differs"
        );
    }
    let pretty = canon::to_pretty(&v);
    let p = canon::parse(pretty.as_bytes()).expect("pretty output parses");
    assert_eq!(p, v, "pretty output changes the value");
});
