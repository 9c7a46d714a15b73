//! The trust file loader (`--trust FILE`, SPEC.md §5.5). A file that loads must give a
//! consistent store: distinct key ids, no key pinned twice, every policy naming keys of
//! the store, and every pinned key a valid key of its algorithm.
#![no_main]

use evv::crypto::sig;
use evv::crypto::trust::TrustStore;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut t = TrustStore::empty();
    if t.load_trust_file("fuzz.json", data).is_err() {
        return;
    }
    assert!(
        !t.keys.is_empty(),
        "a loaded trust file pins at least one key"
    );
    for (i, k) in t.keys.iter().enumerate() {
        assert_eq!(k.public_key.len(), k.alg.public_key_len());
        if k.alg == sig::Alg::Ed25519 {
            let a: [u8; 32] = k.public_key.as_slice().try_into().unwrap();
            assert!(
                sig::ed25519_verifying_key(&a).is_ok(),
                "weak Ed25519 key pinned"
            );
        }
        for other in &t.keys[i + 1..] {
            assert_ne!(k.id, other.id, "duplicate key id");
            assert!(
                !(k.alg == other.alg && k.public_key == other.public_key),
                "same key pinned twice"
            );
        }
    }
    for p in &t.policies {
        assert!(
            p.m() >= 1 && p.m() <= p.n(),
            "policy threshold out of range"
        );
        for id in p.keys() {
            assert!(t.key(id).is_some(), "policy names an unknown key");
        }
    }
});
