//! `evv receipts` on arbitrary JSON Lines (receipt hashes, custody chain, privacy and
//! time rules), streamed from memory.
#![no_main]

use evv::receipts::{verify_receipts, ReceiptOptions};
use evv::verdict::Report;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut report = Report::new("receipts", "fuzz.jsonl");
    if let Ok(idx) = verify_receipts("fuzz.jsonl", data, &ReceiptOptions::default(), &mut report) {
        assert!(idx.count as usize <= data.iter().filter(|&&b| b == b'\n').count() + 1);
    }
    let _ = report.exit_code();
});
