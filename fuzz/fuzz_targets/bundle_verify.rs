//! `evv verify` end to end on an archive (container + manifest + bundle checks), with
//! no pinned key: the bytes go to a per-process temporary file because the verifier
//! opens paths. Without pinned keys no input may be VALID unless it carries no
//! signature requirement at all; the property checked is that nothing panics and the
//! exit code agrees with the status.
#![no_main]

use std::sync::OnceLock;

use evv::container::{verify_path, VerifyOptions};
use libfuzzer_sys::fuzz_target;

fn path() -> &'static std::path::PathBuf {
    static P: OnceLock<std::path::PathBuf> = OnceLock::new();
    P.get_or_init(|| std::env::temp_dir().join(format!("evv-fuzz-{}.tar.gz", std::process::id())))
}

fuzz_target!(|data: &[u8]| {
    std::fs::write(path(), data).expect("temporary file");
    if let Ok(report) = verify_path(path(), &VerifyOptions::default()) {
        let code = report.exit_code();
        assert!((0..=3).contains(&code), "exit code {code}");
    }
});
