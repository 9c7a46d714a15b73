//! Conformance run over the Wycheproof vectors in `../shared/vectors/wycheproof`
//! (relative to the crate root; `EVV_VECTORS` overrides the `vectors` folder). Skipped, with a message, when that folder is absent.
//!
//! Every `valid` case must verify and every `invalid` case must be rejected. The files
//! carry no `acceptable` case today; should one appear, evv's rule (SPEC.md §5.1) is
//! that it must be *rejected* (strict verification), and this runner checks that.

use std::path::PathBuf;

use evv::canon::{self, Value};
use evv::crypto::sig::{self, Alg};

/// `$EVV_VECTORS/wycheproof` when that variable is set, else
/// `../shared/vectors/wycheproof` next to the crate.
fn vectors_dir() -> Option<PathBuf> {
    let base = match std::env::var_os("EVV_VECTORS") {
        Some(v) => PathBuf::from(v),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors"),
    };
    let d = base.join("wycheproof");
    if d.is_dir() {
        Some(d)
    } else {
        eprintln!(
            "wycheproof: SKIPPED: {} does not exist (conformance vectors are not shipped with evv)",
            d.display()
        );
        None
    }
}

fn load(dir: &std::path::Path, name: &str) -> Value {
    let bytes = std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    canon::parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e:?}"))
}

fn hexf(v: &Value, field: &str) -> Vec<u8> {
    let s = v
        .get(field)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("missing {field}"));
    hex::decode(s).unwrap_or_else(|e| panic!("{field}: {e}"))
}

/// Runs one file; returns (cases, as-expected, mismatches as descriptions).
fn run(dir: &std::path::Path, file: &str, alg: Alg) -> (usize, usize, Vec<String>) {
    let doc = load(dir, file);
    let declared = doc.get("numberOfTests").and_then(Value::as_u64);
    let mut total = 0usize;
    let mut ok = 0usize;
    let mut bad = Vec::new();
    for g in doc
        .get("testGroups")
        .and_then(Value::as_array)
        .expect("testGroups")
    {
        let pk = match alg {
            Alg::Ed25519 => hexf(g.get("publicKey").expect("publicKey"), "pk"),
            _ => hexf(g, "publicKey"),
        };
        for t in g.get("tests").and_then(Value::as_array).expect("tests") {
            total += 1;
            let id = t.get("tcId").and_then(Value::as_u64).unwrap_or(0);
            let msg = hexf(t, "msg");
            let sg = hexf(t, "sig");
            let ctx = if t.get("ctx").is_some() {
                hexf(t, "ctx")
            } else {
                Vec::new()
            };
            let result = t.get("result").and_then(Value::as_str).expect("result");
            let got = sig::verify(alg, &pk, &msg, &sg, &ctx);
            let expect_accept = match result {
                "valid" => true,
                // evv verifies strictly: an `acceptable` case is rejected.
                "invalid" | "acceptable" => false,
                other => panic!("{file} tcId {id}: unknown result {other:?}"),
            };
            if got.is_ok() == expect_accept {
                ok += 1;
            } else {
                let comment = t.get("comment").and_then(Value::as_str).unwrap_or("");
                bad.push(format!(
                    "{file} tcId {id} ({result}, {comment:?}): evv said {got:?}"
                ));
            }
        }
    }
    if let Some(n) = declared {
        assert_eq!(
            n as usize, total,
            "{file}: numberOfTests disagrees with the cases found"
        );
    }
    (total, ok, bad)
}

#[test]
fn wycheproof_conformance() {
    let Some(dir) = vectors_dir() else { return };
    let mut all_bad = Vec::new();
    for (file, alg, label) in [
        ("ed25519_test.json", Alg::Ed25519, "ed25519"),
        ("mldsa_44_verify_test.json", Alg::MlDsa44, "ML-DSA-44"),
        ("mldsa_65_verify_test.json", Alg::MlDsa65, "ML-DSA-65"),
        ("mldsa_87_verify_test.json", Alg::MlDsa87, "ML-DSA-87"),
    ] {
        let (total, ok, bad) = run(&dir, file, alg);
        println!("{label}: {ok}/{total} cases as expected");
        assert!(total > 0, "{file}: no cases");
        all_bad.extend(bad);
    }
    assert!(all_bad.is_empty(), "mismatches:\n{}", all_bad.join("\n"));
}
