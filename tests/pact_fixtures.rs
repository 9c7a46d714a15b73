//! The committed PACT fixtures under `testdata/pact/` are exactly what
//! `tests/support/pact.rs` generates. `EVV_BLESS=1` rewrites them.

#[path = "support/pact.rs"]
mod support;

use std::path::Path;

#[test]
fn committed_fixtures_match_the_generator() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/pact");
    let bless = std::env::var_os("EVV_BLESS").is_some();
    for (name, bytes) in support::fixtures() {
        let path = dir.join(name);
        if bless {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &bytes).unwrap();
            continue;
        }
        let committed = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (run with EVV_BLESS=1)", path.display()));
        assert!(
            committed == bytes,
            "{} drifted from tests/support/pact.rs (run with EVV_BLESS=1 and review)",
            path.display()
        );
    }
}
