//! The container reader (`container::read_archive`): gzip and tar parsing, path rules
//! and limits, on in-memory bytes. Anything may be a finding or an open error; nothing
//! may panic, hang or exceed the default limits' memory.
#![no_main]

use evv::container::{read_archive, Limits, NullSink};
use evv::verdict::Report;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut report = Report::new("bundle", "fuzz.tar.gz");
    if let Ok(summary) = read_archive(data, &Limits::default(), &mut NullSink, &mut report) {
        assert!(summary.input_bytes <= data.len() as u64);
    }
});
