//! Conformance against the third-party KRY corpus (`../shared/vectors/kry`).
//!
//! Every vector must yield its `expected.verdict` as the `kry_verdict` fact, both
//! primitives files must be reproduced byte for byte, the legal-multiplier set embedded
//! in evv must equal the corpus's, and the real WildChat attestation must be INVALID
//! for the reasons KRY-SPEC v1.3 gives (legacy hash_version, unbound tiers), each
//! reported once in aggregate. Skips (passing) when the corpus is absent. The corpus
//! location can be overridden with `EVV_VECTORS=/path/to/vectors`.

use std::path::PathBuf;

use evv::canon::{self, Dialect, Value};
use evv::kry::{self, num, KryOptions, SideInput};
use evv::verdict::{Code, Report};

fn corpus() -> Option<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut candidates = Vec::new();
    if let Ok(p) = std::env::var("EVV_VECTORS") {
        candidates.push(PathBuf::from(p));
    }
    candidates.push(manifest.join("../shared/vectors"));
    candidates.push(manifest.join("../../shared/vectors"));
    candidates
        .into_iter()
        .map(|p| p.join("kry"))
        .find(|p| p.join("manifest.json").is_file())
}

fn load(p: &std::path::Path) -> Value {
    let bytes = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    canon::parse(&bytes).unwrap_or_else(|e| panic!("{}: {e:?}", p.display()))
}

fn check_primitives(dir: &std::path::Path) -> usize {
    let mut n = 0;
    let cj = load(&dir.join("primitives/canonical_json.json"));
    for case in cj.get("cases").and_then(Value::as_array).expect("cases") {
        let label = case.get("label").and_then(Value::as_str).unwrap();
        let input = case.get("input_object").expect("input_object");
        let want = case.get("expected_bytes").and_then(Value::as_str).unwrap();
        let got = canon::to_vec(input, Dialect::Python).unwrap();
        assert_eq!(
            got,
            want.as_bytes(),
            "canonical_json/{label}: {}",
            String::from_utf8_lossy(&got)
        );
        println!(
            "  {:<56} {:<12} ok",
            format!("primitives/canonical_json/{label}"),
            "bytes"
        );
        n += 1;
    }
    let cf = load(&dir.join("primitives/canon_f64.json"));
    for case in cf.get("cases").and_then(Value::as_array).expect("cases") {
        let label = case.get("label").and_then(Value::as_str).unwrap();
        let want = case.get("expected_hex").and_then(Value::as_str).unwrap();
        let got = match case.get("input_number") {
            Some(v) => num::canon_f64(Some(v), num::SAVINGS_SENTINEL).to_string(),
            None if label.contains("savings") => {
                num::canon_f64(None, num::SAVINGS_SENTINEL).to_string()
            }
            None if label.contains("action") => {
                num::canon_f64(None, num::ACTION_SENTINEL).to_string()
            }
            None => panic!("canon_f64/{label}: no input and unknown sentinel"),
        };
        assert_eq!(got, want, "canon_f64/{label}");
        println!(
            "  {:<56} {:<12} ok",
            format!("primitives/canon_f64/{label}"),
            want
        );
        n += 1;
    }
    let lm = load(&dir.join("primitives/legal_multipliers.json"));
    let ms: Vec<f64> = lm
        .get("multipliers")
        .and_then(Value::as_array)
        .expect("multipliers")
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let embedded: Vec<u64> = kry::LEGAL_MULTIPLIERS.iter().map(|m| m.to_bits()).collect();
    let corpus: Vec<u64> = ms.iter().map(|m| m.to_bits()).collect();
    assert_eq!(
        embedded, corpus,
        "embedded legal multipliers drifted from the corpus"
    );
    println!(
        "  {:<56} {:<12} ok",
        "primitives/legal_multipliers",
        ms.len()
    );
    n + 1
}

#[test]
fn kry_corpus() {
    let Some(dir) = corpus() else {
        println!("SKIP: KRY conformance corpus not found (../shared/vectors/kry); set EVV_VECTORS to run it");
        return;
    };
    println!("KRY conformance corpus: {}", dir.display());
    let manifest = load(&dir.join("manifest.json"));
    let mut failures = Vec::new();
    let mut count = check_primitives(&dir);
    println!(
        "  {:<56} {:<12} {:<12} {:<10}",
        "vector", "expected", "kry_verdict", "evv"
    );
    for v in manifest
        .get("vectors")
        .and_then(Value::as_array)
        .expect("vectors")
    {
        let cat = v.get("category").and_then(Value::as_str).unwrap();
        if cat == "primitives" {
            continue;
        }
        let id = v.get("id").and_then(Value::as_str).unwrap();
        let vec = load(&dir.join(cat).join(format!("{id}.json")));
        let expected = vec
            .get("expected")
            .and_then(|e| e.get("verdict"))
            .and_then(Value::as_str)
            .unwrap();
        assert_eq!(
            Some(expected),
            v.get("verdict").and_then(Value::as_str),
            "{cat}/{id}: manifest and vector disagree"
        );
        let bytes = match (vec.get("input_raw_text"), vec.get("input")) {
            (Some(Value::String(raw)), _) => raw.as_bytes().to_vec(),
            (_, Some(input)) => canon::to_vec(input, Dialect::Python).unwrap(),
            _ => panic!("{cat}/{id}: no input"),
        };
        let opts = KryOptions {
            anchor: vec.get("input_anchor").map(|a| SideInput {
                name: "anchor.json".into(),
                bytes: canon::to_vec(a, Dialect::Python).unwrap(),
            }),
            ..Default::default()
        };
        let mut report = Report::new("kry", format!("{cat}/{id}"));
        let verdict = kry::verify_attestation_bytes(id, &bytes, &opts, &mut report);
        let fact = report.facts.get("kry_verdict").and_then(Value::as_str);
        assert_eq!(fact, Some(verdict.as_str()));
        let ok = verdict.as_str() == expected;
        println!(
            "  {:<56} {:<12} {:<12} {:<10} {}",
            format!("{cat}/{id}"),
            expected,
            verdict.as_str(),
            report.status().as_str(),
            if ok { "ok" } else { "MISMATCH" }
        );
        if !ok {
            failures.push(format!(
                "{cat}/{id}: expected {expected}, got {}",
                verdict.as_str()
            ));
        }
        // evv's status must agree in direction with the KRY verdict.
        assert_eq!(
            expected == "VALID",
            report.status() == evv::verdict::Status::Valid,
            "{cat}/{id}: evv status {} vs KRY {expected}",
            report.status().as_str()
        );
        let exp = vec.get("expected").unwrap();
        if let Some(tip) = exp.get("chain_tip").and_then(Value::as_str) {
            assert_eq!(
                report.facts.get("kry_chain_head").and_then(Value::as_str),
                Some(tip),
                "{cat}/{id}: recomputed chain tip"
            );
        }
        if let Some(want) = exp.get("receipt_payload_bytes").and_then(Value::as_str) {
            let link = vec
                .get("input")
                .and_then(|i| i.get("links"))
                .and_then(Value::as_array)
                .and_then(|l| l.first())
                .and_then(Value::as_object)
                .expect("first link");
            let mut got = Vec::new();
            kry::action_payload(link, &mut got);
            assert_eq!(
                String::from_utf8(got).unwrap(),
                want,
                "{cat}/{id}: payload bytes"
            );
        }
        if expected == "PARSE_ERROR" {
            assert!(report.has_failure(canon::Code::Parse), "{cat}/{id}");
        }
        count += 1;
    }

    // The real, legacy attestation: INVALID, with aggregated reasons.
    let real = dir.join("real/wildchat_attestation.json");
    if real.is_file() {
        let bytes = std::fs::read(&real).unwrap();
        let mut report = Report::new("kry", "real/wildchat_attestation.json");
        let verdict = kry::verify_attestation_bytes(
            "wildchat_attestation.json",
            &bytes,
            &KryOptions::default(),
            &mut report,
        );
        let codes = report.failure_codes();
        println!(
            "  {:<56} {:<12} {:<12} {:<10} {}",
            "real/wildchat_attestation",
            "INVALID",
            verdict.as_str(),
            report.status().as_str(),
            codes.iter().map(|c| c.id()).collect::<Vec<_>>().join(",")
        );
        if verdict.as_str() != "INVALID" {
            failures.push("real/wildchat_attestation: expected INVALID".into());
        }
        for code in [
            kry::Code::HashVersion,
            kry::Code::TierUnbound,
            kry::Code::AttestationHash,
        ] {
            let c: Code = code.into();
            let n = report.failures().filter(|f| f.code == c).count();
            assert_eq!(
                n,
                1,
                "wildchat: {} reported {n} times, want once in aggregate",
                c.id()
            );
        }
        let hv = report
            .failures()
            .find(|f| f.code == Code::from(kry::Code::HashVersion))
            .unwrap();
        assert!(hv.message.contains("all 406 links"), "{}", hv.message);
        assert!(
            report.failures().count() <= 4,
            "{:?}",
            report.failures().collect::<Vec<_>>()
        );
        count += 1;
    }
    println!(
        "{count} KRY conformance checks, {} mismatches",
        failures.len()
    );
    assert!(failures.is_empty(), "{failures:#?}");
}
