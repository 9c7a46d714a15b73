//! PACT v4 replay: one tamper case per error class, the Rules of Evidence, trust, LVSH,
//! and snapshots of both output formats. Transcripts come from `tests/support/pact.rs`.

#[path = "support/pact.rs"]
mod support;

use evv::canon::{self, Dialect, Value};
use evv::obj;
use evv::pact::{self, Code, ReplayOptions};
use evv::verdict::{exit, render_json, render_text, Code as AnyCode, Report, Status};
use support::*;

fn run(t: &Value) -> Report {
    pact::replay(t, "t.json", &pinned())
}

fn codes(r: &Report) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = r.failure_codes().iter().map(|c| c.id()).collect();
    v.sort_unstable();
    v
}

fn lvsh(r: &Report) -> Option<i64> {
    r.facts
        .get("lvsh")
        .and_then(|v| v.get("round_number"))
        .and_then(Value::as_i64)
}

#[test]
fn honest_transcript_is_valid_under_pinned_agents() {
    let r = run(&transcript(4));
    assert_eq!(r.status(), Status::Valid, "{}", render_text(&r));
    assert_eq!(r.exit_code(), exit::VALID);
    assert_eq!(lvsh(&r), Some(3));
}

#[test]
fn unpinned_signers_are_warned_once_per_agent_key() {
    // Nothing pinned: PACT replay semantics. Integrity decides the status; each
    // (agent, key) is reported once as a sig.key_not_pinned warning with its fingerprint.
    let r = pact::replay(&transcript(6), "t.json", &ReplayOptions::default());
    assert_eq!(r.status(), Status::Valid, "{}", render_text(&r));
    assert_eq!(r.exit_code(), exit::VALID);
    let warned: Vec<_> = r
        .findings()
        .iter()
        .filter(|f| f.outcome == evv::verdict::Outcome::Warn)
        .collect();
    assert_eq!(
        warned.len(),
        2,
        "one warning per (agent, key), not per round"
    );
    assert!(warned
        .iter()
        .all(|f| f.code.id() == "sig.key_not_pinned" && f.message.contains("fingerprint")));
    // Integrity still verified and reported as passing checks.
    assert!(r
        .findings()
        .iter()
        .any(|f| f.code == AnyCode::from(Code::SignatureInvalid)
            && f.outcome == evv::verdict::Outcome::Pass));
}

#[test]
fn with_pins_an_unpinned_signer_is_unverified() {
    // Only the buyer pinned: the seller's valid signatures now fail authenticity.
    let mut opts = pinned();
    let seller = pub_b58("seller");
    let seller_raw = bs58::decode(&seller).into_vec().unwrap();
    opts.trust.keys.retain(|k| k.public_key != seller_raw);
    let r = pact::replay(&transcript(6), "t.json", &opts);
    assert_eq!(codes(&r), vec!["sig.key_not_pinned"], "{}", render_text(&r));
    assert_eq!(r.status(), Status::Unverified);
    assert_eq!(r.exit_code(), exit::UNVERIFIED);
    assert_eq!(r.failures().count(), 1, "one finding per (agent, key)");
}

#[test]
fn a_key_pinned_for_another_agent_does_not_count() {
    let mut t = transcript(2);
    // The seller signs round 1 with the buyer's pinned key and claims to be seller.
    with_round(&mut t, 1, |r| {
        r.insert("public_key_b58", pub_b58("buyer"));
        let mut s = r.remove("signature").unwrap();
        s.as_object_mut()
            .unwrap()
            .insert("signer_public_key_b58", pub_b58("buyer"));
        r.insert("signature", s);
        sign_round(r, "buyer");
    });
    rehash_all(&mut t);
    let r = run(&t);
    assert_eq!(codes(&r), vec!["sig.key_not_pinned"], "{}", render_text(&r));
    assert_eq!(r.status(), Status::Unverified);
}

#[test]
fn round_sequence_invalid() {
    let mut t = transcript(4);
    with_round(&mut t, 2, |r| {
        r.insert("round_number", 7i64);
    });
    rehash_all(&mut t);
    let r = run(&t);
    assert_eq!(codes(&r), vec!["pact.round_sequence_invalid"]);
    assert_eq!(r.status(), Status::Tampered);
    assert_eq!(lvsh(&r), Some(3), "chain and signatures still hold");
}

#[test]
fn timestamp_non_monotonic() {
    let mut t = transcript(4);
    with_round(&mut t, 3, |r| {
        r.insert("timestamp_ms", CREATED_AT_MS);
    });
    rehash_all(&mut t);
    let r = run(&t);
    assert_eq!(codes(&r), vec!["pact.timestamp_non_monotonic"]);
    // Equal timestamps are allowed.
    let mut t = transcript(3);
    with_round(&mut t, 2, |r| {
        r.insert("timestamp_ms", CREATED_AT_MS + 1000);
    });
    rehash_all(&mut t);
    assert_eq!(run(&t).status(), Status::Valid);
}

#[test]
fn hash_chain_broken_by_content_edit() {
    let mut t = transcript(4);
    with_round(&mut t, 2, |r| {
        r.insert("content_summary", obj! {"price" => 0.5});
    });
    let r = run(&t);
    assert_eq!(
        codes(&r),
        vec!["pact.final_hash_mismatch", "pact.hash_chain_broken"]
    );
    assert_eq!(lvsh(&r), Some(1));
    let f = r
        .failures()
        .find(|f| f.code == AnyCode::from(Code::HashChainBroken))
        .unwrap();
    assert_eq!(f.subject.field.as_deref(), Some("rounds[2].round_hash"));
}

#[test]
fn hash_chain_broken_at_genesis() {
    let mut t = transcript(3);
    set(&mut t, "created_at_ms", CREATED_AT_MS + 1);
    refinal(&mut t);
    let r = run(&t);
    assert_eq!(codes(&r), vec!["pact.hash_chain_broken"]);
    assert_eq!(r.facts.get("lvsh"), Some(&Value::Null));
    let f = r.failures().next().unwrap();
    assert_eq!(
        f.subject.field.as_deref(),
        Some("rounds[0].previous_round_hash")
    );
}

#[test]
fn hash_chain_broken_at_a_link() {
    let mut t = transcript(4);
    with_round(&mut t, 2, |r| {
        r.insert("previous_round_hash", "00".repeat(32));
    });
    rehash_round(&mut t, 2);
    // Round 3 links to round 2's (new) stored hash, as an attacker would arrange.
    let h2 = with_round(&mut t, 2, |r| {
        r.get("round_hash").unwrap().as_str().unwrap().to_string()
    });
    with_round(&mut t, 3, |r| {
        r.insert("previous_round_hash", h2);
    });
    rehash_round(&mut t, 3);
    refinal(&mut t);
    let r = run(&t);
    assert_eq!(codes(&r), vec!["pact.hash_chain_broken"]);
    assert_eq!(r.failures().count(), 1);
    assert_eq!(lvsh(&r), Some(1));
}

#[test]
fn signature_invalid_variants() {
    type Edit = fn(&mut evv::canon::Object);
    let edits: [(&str, Edit); 5] = [
        ("bit flip", |s| {
            let bad = corrupt_b58(s.get("signature_b58").unwrap().as_str().unwrap());
            s.insert("signature_b58", bad);
        }),
        ("scheme", |s| {
            s.insert("scheme", "ed448");
        }),
        ("signer differs", |s| {
            s.insert("signer_public_key_b58", pub_b58("seller"));
        }),
        ("not base58", |s| {
            s.insert("signature_b58", "0OIl");
        }),
        ("short", |s| {
            s.insert("signature_b58", "3mJr7AoUXx2Wqd");
        }),
    ];
    for (what, edit) in edits {
        let mut t = transcript(3);
        with_sig(&mut t, 0, edit);
        rehash_all(&mut t);
        let r = run(&t);
        assert_eq!(
            codes(&r),
            vec!["pact.signature_invalid"],
            "{what}: {}",
            render_text(&r)
        );
        assert_eq!(lvsh(&r), None, "{what}");
    }
    // scheme absent is allowed.
    let mut t = transcript(3);
    with_sig(&mut t, 1, |s| {
        s.remove("scheme");
    });
    rehash_all(&mut t);
    assert_eq!(run(&t).status(), Status::Valid);
    // envelope_hash edited: the signature no longer matches.
    let mut t = transcript(3);
    with_round(&mut t, 1, |r| {
        r.insert("envelope_hash", "ab".repeat(32));
    });
    rehash_all(&mut t);
    assert_eq!(codes(&run(&t)), vec!["pact.signature_invalid"]);
}

#[test]
fn every_independent_finding_is_reported() {
    let mut t = transcript(5);
    with_round(&mut t, 1, |r| {
        r.insert("round_number", 9i64);
    });
    with_round(&mut t, 4, |r| {
        r.insert("timestamp_ms", 1i64);
    });
    with_sig(&mut t, 3, |s| {
        let bad = corrupt_b58(s.get("signature_b58").unwrap().as_str().unwrap());
        s.insert("signature_b58", bad);
    });
    rehash_all(&mut t);
    with_round(&mut t, 2, |r| {
        r.insert("content_summary", obj! {});
    });
    let r = run(&t);
    assert_eq!(
        codes(&r),
        vec![
            "pact.final_hash_mismatch",
            "pact.hash_chain_broken",
            "pact.round_sequence_invalid",
            "pact.signature_invalid",
            "pact.timestamp_non_monotonic",
        ]
    );
    assert_eq!(lvsh(&r), Some(1));
}

#[test]
fn wrong_version_and_no_rounds_are_invalid() {
    let mut t = transcript(2);
    set(&mut t, "transcript_version", "pact-transcript/3.0");
    let r = run(&t);
    assert_eq!(codes(&r), vec!["pact.version_unsupported"]);
    assert_eq!(r.status(), Status::Invalid);
    let mut t = transcript(2);
    set(&mut t, "rounds", Vec::<Value>::new());
    let r = run(&t);
    assert_eq!(codes(&r), vec!["pact.rounds_empty"]);
    assert_eq!(r.status(), Status::Invalid);
}

#[test]
fn missing_fields_are_invalid_and_named() {
    let mut t = transcript(3);
    with_round(&mut t, 1, |r| {
        r.remove("envelope_hash");
        r.insert("timestamp_ms", "soon");
    });
    let r = run(&t);
    assert!(r.has_failure(Code::FieldInvalid));
    let fields: Vec<_> = r
        .failures()
        .filter(|f| f.code == AnyCode::from(Code::FieldInvalid))
        .map(|f| f.subject.field.clone().unwrap())
        .collect();
    assert_eq!(
        fields,
        vec!["rounds[1].timestamp_ms", "rounds[1].envelope_hash"]
    );
    let r = pact::replay_bytes(b"{\"transcript_version\": ", "x.json", &pinned());
    assert_eq!(codes(&r), vec!["json.parse"]);
    assert_eq!(r.status(), Status::Invalid);
}

#[test]
fn rules_of_evidence_allow_compromised() {
    // Allowed: only final_hash differs, every round verified under pinned keys.
    let mut t = transcript(4);
    set(&mut t, "metadata", obj! {"audit_tier" => "T3"});
    let mut r = run(&t);
    assert_eq!(codes(&r), vec!["pact.final_hash_mismatch"]);
    assert_eq!(r.exit_code(), exit::FAILED);
    r.allow_compromised = true;
    assert_eq!(r.status(), Status::Tampered);
    assert!(r.compromise_allowed());
    assert_eq!(r.exit_code(), exit::VALID);

    // Refused: a round signature also fails.
    let mut t = transcript(4);
    with_sig(&mut t, 3, |s| {
        let bad = corrupt_b58(s.get("signature_b58").unwrap().as_str().unwrap());
        s.insert("signature_b58", bad);
    });
    rehash_round(&mut t, 3);
    let mut r = run(&t);
    r.allow_compromised = true;
    assert_eq!(
        codes(&r),
        vec!["pact.final_hash_mismatch", "pact.signature_invalid"]
    );
    assert!(!r.compromise_allowed());
    assert_eq!(r.exit_code(), exit::FAILED);

    // Nothing pinned (PACT replay semantics, the staging pipeline's case): allowed.
    let mut t = transcript(4);
    set(&mut t, "metadata", obj! {"audit_tier" => "T3"});
    let mut r = pact::replay(&t, "t.json", &ReplayOptions::default());
    r.allow_compromised = true;
    assert!(r.compromise_allowed(), "{}", render_text(&r));
    assert_eq!(r.exit_code(), exit::VALID);

    // Refused: keys pinned, but a signer is not among them.
    let mut opts = pinned();
    let seller_raw = bs58::decode(pub_b58("seller")).into_vec().unwrap();
    opts.trust.keys.retain(|k| k.public_key != seller_raw);
    let mut r = pact::replay(&t, "t.json", &opts);
    r.allow_compromised = true;
    assert!(!r.compromise_allowed());
    assert_eq!(r.exit_code(), exit::FAILED);
}

#[test]
fn failure_event_hash_is_a_warning_only() {
    let t = with_failure_event(transcript(3));
    let r = run(&t);
    assert_eq!(r.status(), Status::Valid);
    assert!(!r
        .findings()
        .iter()
        .any(|f| f.outcome == evv::verdict::Outcome::Warn));
    let mut t = with_failure_event(transcript(3));
    let mut fe = t.get("failure_event").unwrap().clone();
    fe.as_object_mut()
        .unwrap()
        .insert("transcript_hash", "cd".repeat(32));
    set(&mut t, "failure_event", fe);
    refinal(&mut t);
    let r = run(&t);
    assert_eq!(r.status(), Status::Valid);
    let w: Vec<_> = r
        .findings()
        .iter()
        .filter(|f| f.outcome == evv::verdict::Outcome::Warn)
        .map(|f| f.code.id())
        .collect();
    assert_eq!(w, vec!["pact.failure_event_hash_mismatch"]);
}

#[test]
fn hashes_use_the_javascript_dialect() {
    // The generated transcripts carry 0.00005, which Python writes as 5e-05: only the
    // RFC 8785 / JavaScript dialect reproduces round_hash and final_hash.
    let t = transcript(2);
    let top = t.as_object().unwrap().without(&["final_hash"]);
    let fh = t.get("final_hash").unwrap().as_str().unwrap();
    assert_eq!(
        canon::sha256_hex(&Value::Object(top.clone()), Dialect::Jcs).unwrap(),
        fh
    );
    assert_ne!(
        canon::sha256_hex(&Value::Object(top.clone()), Dialect::Python).unwrap(),
        fh
    );
    assert_ne!(
        canon::sha256_hex(&Value::Object(top), Dialect::CanonicalJson).unwrap(),
        fh
    );
}

#[test]
fn ten_thousand_rounds_name_the_culprit() {
    let mut t = transcript(2_000);
    with_sig(&mut t, 1_500, |s| {
        let bad = corrupt_b58(s.get("signature_b58").unwrap().as_str().unwrap());
        s.insert("signature_b58", bad);
    });
    rehash_all(&mut t);
    let r = run(&t);
    assert_eq!(codes(&r), vec!["pact.signature_invalid"]);
    let f = r.failures().next().unwrap();
    assert_eq!(f.subject.field.as_deref(), Some("rounds[1500].signature"));
    assert_eq!(lvsh(&r), Some(1_499));
    // Passing checks are aggregated, not one per round.
    assert!(r.findings().len() < 10, "{}", r.findings().len());
}

#[test]
fn snapshot_text_and_json() {
    let mut t = transcript(3);
    set(&mut t, "metadata", obj! {"audit_tier" => "T3"});
    let mut r = pact::replay(&t, "compromised.json", &pinned());
    r.allow_compromised = true;
    insta::assert_snapshot!("compromised_allowed_text", render_text(&r));
    insta::assert_snapshot!("compromised_allowed_json", render_json(&r));

    let mut t = transcript(4);
    with_round(&mut t, 2, |r| {
        r.insert("content_summary", obj! {"price" => 0.5});
    });
    let r = pact::replay(&t, "tampered.json", &ReplayOptions::default());
    insta::assert_snapshot!("tampered_unpinned_text", render_text(&r));
    insta::assert_snapshot!("tampered_unpinned_json", render_json(&r));
}

#[test]
fn spec_lists_every_pact_code_exactly() {
    let spec = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/SPEC.md")).unwrap();
    for c in Code::ALL {
        let row = format!(
            "| `{}` | {} | {} |",
            c.id(),
            c.class().as_str(),
            c.explain()
        );
        assert!(spec.lines().any(|l| l == row), "SPEC.md lacks: {row}");
    }
}
