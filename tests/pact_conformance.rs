//! Conformance: `evv gate` over the third-party PACT fixtures in `../shared/vectors/pact`
//! against `conformance/pact.expect.json`. Skipped (with a message) when the vectors are
//! absent. `EVV_SHARED_VECTORS=/path/to/vectors` overrides the location.

use std::path::PathBuf;
use std::process::Command;

use ed25519_dalek::SigningKey;

fn vectors() -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = match std::env::var_os("EVV_SHARED_VECTORS") {
        Some(v) => PathBuf::from(v),
        None => root.join("../shared/vectors"),
    }
    .join("pact");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipping PACT conformance: {} not found (set EVV_SHARED_VECTORS)",
            dir.display()
        );
        None
    }
}

#[test]
fn gate_passes_over_shared_pact_vectors() {
    let Some(dir) = vectors() else { return };
    let out = Command::new(env!("CARGO_BIN_EXE_evv"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "gate",
            dir.to_str().unwrap(),
            "--expect",
            "conformance/pact.expect.json",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.ends_with("\n60 passed, 0 failed\n"), "{text}");
}

/// The pins in `conformance/pact-test-agents.json` are not taken from the transcripts:
/// they are re-derived here from the seeds PACT's fixture generator publishes
/// (`nacl.sign.keyPair.fromSeed(SHA-256(seed))`).
#[test]
fn pact_test_agent_pins_derive_from_published_seeds() {
    let pins = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/conformance/pact-test-agents.json"
    ))
    .unwrap();
    let pins = evv::canon::parse(&pins).unwrap();
    for (agent, seed) in [
        ("buyer", "buyer-test-seed-v1"),
        ("seller", "seller-test-seed-v1"),
    ] {
        let sk = SigningKey::from_bytes(&evv::crypto::hash::sha256(seed.as_bytes()));
        let b58 = bs58::encode(sk.verifying_key().as_bytes()).into_string();
        assert_eq!(
            pins.get(agent).and_then(|v| v.as_str()),
            Some(b58.as_str()),
            "{agent}"
        );
    }
}
