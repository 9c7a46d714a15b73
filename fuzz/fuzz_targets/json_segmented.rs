//! The multi-threaded JSON parse against the one-threaded parse.
//!
//! Property (any panic is a finding): for any bytes, `canon::parse_segmented` with 2, 3
//! and 5 threads returns exactly what it returns with one thread, value or error (same
//! message, offset, line and column). Speculation may only ever save time.
#![no_main]

use evv::canon;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let one = canon::parse_segmented(data, 1);
    for n in [2, 3, 5] {
        assert_eq!(canon::parse_segmented(data, n), one, "{n} segments");
    }
});
