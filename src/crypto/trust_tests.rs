//! Unit tests of the trust store and the signature outcomes (keys from fixed seeds).

use super::*;
use crate::crypto::Code as C;
use crate::verdict::{Outcome, Status};
use ed25519_dalek::Signer;
use ml_dsa::Keypair;

const MSG: &[u8] = b"evidence bytes";

fn ed(seed: u8) -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&[seed; 32])
}
fn ed_pk(seed: u8) -> Vec<u8> {
    ed(seed).verifying_key().to_bytes().to_vec()
}
fn ed_sig(seed: u8, msg: &[u8]) -> Vec<u8> {
    ed(seed).sign(msg).to_bytes().to_vec()
}
fn ml65(seed: u8) -> ml_dsa::SigningKey<ml_dsa::MlDsa65> {
    ml_dsa::SigningKey::<ml_dsa::MlDsa65>::from_seed(&[seed; 32].into())
}
fn ml_pk(seed: u8) -> Vec<u8> {
    ml65(seed).verifying_key().encode().to_vec()
}
fn ml_sig(seed: u8, msg: &[u8], ctx: &[u8]) -> Vec<u8> {
    ml65(seed)
        .expanded_key()
        .sign_deterministic(msg, ctx)
        .expect("sign")
        .encode()
        .to_vec()
}

fn pin(t: &mut TrustStore, id: &str, alg: Alg, pk: Vec<u8>, roles: &[&str]) {
    let roles = roles.iter().map(|s| s.to_string()).collect();
    t.add_key(PinnedKey::new(id, alg, pk, roles).unwrap())
        .unwrap();
}

fn subj() -> Subject {
    Subject::file("rec.json").field("signature")
}

fn check(
    t: &TrustStore,
    alg: Alg,
    pk: &[u8],
    sig: &[u8],
    role: Option<&str>,
) -> (Report, SigOutcome) {
    let mut r = Report::new("t", "x");
    let o = check_signature(
        &mut r,
        t,
        SigCheck {
            invalid_code: C::SignatureInvalid.into(),
            subject: subj(),
            alg,
            public_key: pk,
            message: MSG,
            signature: sig,
            context: b"",
            role,
        },
    );
    (r, o)
}

fn codes(r: &Report) -> Vec<Code> {
    r.failure_codes()
}
fn warn_codes(r: &Report) -> Vec<Code> {
    r.findings()
        .iter()
        .filter(|f| f.outcome == Outcome::Warn)
        .map(|f| f.code)
        .collect()
}

#[test]
fn authentic_under_pinned_key() {
    let mut t = TrustStore::empty();
    pin(&mut t, "signer", Alg::Ed25519, ed_pk(1), &["trace"]);
    let (r, o) = check(&t, Alg::Ed25519, &ed_pk(1), &ed_sig(1, MSG), Some("trace"));
    assert_eq!(o, SigOutcome::Authentic("signer".into()));
    assert!(codes(&r).is_empty());
    assert_eq!(r.status(), Status::Valid);
}

#[test]
fn valid_but_unpinned_is_unverified() {
    let (r, o) = check(
        &TrustStore::empty(),
        Alg::Ed25519,
        &ed_pk(1),
        &ed_sig(1, MSG),
        None,
    );
    assert_eq!(o, SigOutcome::Unpinned(fingerprint(&ed_pk(1))));
    assert_eq!(codes(&r), vec![C::KeyNotPinned.into()]);
    assert_eq!(r.status(), Status::Unverified);
    // Pinning another key does not help.
    let mut t = TrustStore::empty();
    pin(&mut t, "other", Alg::Ed25519, ed_pk(2), &[]);
    let (r, _) = check(&t, Alg::Ed25519, &ed_pk(1), &ed_sig(1, MSG), None);
    assert_eq!(codes(&r), vec![C::KeyNotPinned.into()]);
}

#[test]
fn invalid_signature_is_tampered() {
    let mut t = TrustStore::empty();
    pin(&mut t, "signer", Alg::Ed25519, ed_pk(1), &[]);
    let mut s = ed_sig(1, MSG);
    s[3] ^= 0x20;
    let (r, o) = check(&t, Alg::Ed25519, &ed_pk(1), &s, None);
    assert!(matches!(o, SigOutcome::Invalid(_)));
    assert_eq!(codes(&r), vec![C::SignatureInvalid.into()]);
    assert_eq!(r.status(), Status::Tampered);
    // Signed by another key.
    let (r, _) = check(&t, Alg::Ed25519, &ed_pk(1), &ed_sig(2, MSG), None);
    assert_eq!(codes(&r), vec![C::SignatureInvalid.into()]);
}

#[test]
fn role_not_allowed() {
    let mut t = TrustStore::empty();
    pin(&mut t, "tracer", Alg::Ed25519, ed_pk(1), &["trace"]);
    let (r, o) = check(
        &t,
        Alg::Ed25519,
        &ed_pk(1),
        &ed_sig(1, MSG),
        Some("req_seen_head"),
    );
    assert!(matches!(o, SigOutcome::Unpinned(_)));
    assert_eq!(codes(&r), vec![C::KeyRoleNotAllowed.into()]);
    assert_eq!(r.status(), Status::Unverified);
}

#[test]
fn fingerprint_prefix_pins_and_short_prefix_warns() {
    let fp = fingerprint(&ed_pk(1));
    let mut t = TrustStore::empty();
    t.add_fingerprint(&fp[..16].to_ascii_uppercase()).unwrap();
    assert!(t.warnings.is_empty());
    let (r, o) = check(&t, Alg::Ed25519, &ed_pk(1), &ed_sig(1, MSG), Some("kry"));
    assert_eq!(
        o,
        SigOutcome::Authentic(format!("fingerprint:{}", &fp[..16]))
    );
    assert!(codes(&r).is_empty());

    let mut t = TrustStore::empty();
    t.add_fingerprint(&fp[..8]).unwrap();
    assert_eq!(t.warnings.len(), 1);
    let mut r = Report::new("t", "x");
    t.record_warnings(&mut r);
    assert_eq!(warn_codes(&r), vec![C::TrustShortFingerprint.into()]);
    assert_eq!(
        r.status(),
        Status::Valid,
        "a warning never changes the status"
    );

    for bad in ["", "xyz", &"a".repeat(65)] {
        assert!(TrustStore::empty().add_fingerprint(bad).is_err(), "{bad}");
    }
}

#[test]
fn no_algorithm_confusion() {
    // The ML-DSA key of a pinned signer never verifies as Ed25519 and vice versa,
    // and a key pinned for one algorithm does not pin the other.
    let mut t = TrustStore::empty();
    pin(&mut t, "ml", Alg::MlDsa65, ml_pk(1), &[]);
    pin(&mut t, "ed", Alg::Ed25519, ed_pk(1), &[]);
    let (r, o) = check(&t, Alg::Ed25519, &ml_pk(1), &ml_sig(1, MSG, b""), None);
    assert!(matches!(o, SigOutcome::Invalid(_)));
    assert_eq!(codes(&r), vec![C::SignatureInvalid.into()]);
    let (r, _) = check(&t, Alg::MlDsa44, &ml_pk(1), &ml_sig(1, MSG, b""), None);
    assert_eq!(codes(&r), vec![C::SignatureInvalid.into()]);
    let (r, _) = check(&t, Alg::MlDsa65, &ed_pk(1), &ed_sig(1, MSG), None);
    assert_eq!(codes(&r), vec![C::SignatureInvalid.into()]);
    assert!(t.pinned(Alg::MlDsa65, &ed_pk(1), None).is_none());
    // --key refuses a key of the wrong algorithm.
    let ml_hex = hex::encode(ml_pk(1));
    assert!(TrustStore::empty()
        .add_key_arg(&format!("ed25519:{ml_hex}"))
        .is_err());
    assert!(TrustStore::empty()
        .add_key_arg(&format!("ML-DSA-44:{ml_hex}"))
        .is_err());
    assert!(TrustStore::empty()
        .add_key_arg(&format!("ML-DSA-65:{ml_hex}"))
        .is_ok());
}

#[test]
fn unknown_algorithm_and_bad_encoding_fail_closed() {
    let mut r = Report::new("t", "x");
    assert_eq!(parse_alg(&mut r, &subj(), "rsa-pss"), None);
    assert_eq!(parse_alg(&mut r, &subj(), "ed25519"), Some(Alg::Ed25519));
    assert_eq!(codes(&r), vec![C::AlgorithmUnknown.into()]);
    assert_eq!(r.status(), Status::Invalid);

    let mut r = Report::new("t", "x");
    let b58 = Encoding::Base58.encode(&ed_pk(1));
    assert_eq!(
        decode_key_field(&mut r, &subj(), Alg::Ed25519, Some(Encoding::Base58), &b58),
        Some(ed_pk(1))
    );
    // The format says base58: the hex spelling is refused.
    let hx = hex::encode(ed_pk(1));
    assert_eq!(
        decode_key_field(&mut r, &subj(), Alg::Ed25519, Some(Encoding::Base58), &hx),
        None
    );
    assert_eq!(codes(&r), vec![C::EncodingMalformed.into()]);
    let mut r = Report::new("t", "x");
    assert_eq!(
        decode_signature_field(&mut r, &subj(), Alg::Ed25519, None, "abc"),
        None
    );
    assert_eq!(codes(&r), vec![C::EncodingMalformed.into()]);
    assert!(TrustStore::empty().add_key_arg("rsa:abcd").is_err());
    assert!(TrustStore::empty().add_key_arg("ed25519").is_err());
}

#[test]
fn key_arg_encodings() {
    let pk = ed_pk(4);
    for v in [
        format!("ed25519:{}", hex::encode(&pk)),
        format!("ed25519:hex:{}", hex::encode(&pk)),
        format!("Ed25519:b64:{}", Encoding::Base64.encode(&pk)),
        format!("ed25519:b58:{}", Encoding::Base58.encode(&pk)),
        format!("ed25519:{}", Encoding::Base58.encode(&pk)),
    ] {
        let mut t = TrustStore::empty();
        t.add_key_arg(&v).unwrap();
        assert_eq!(t.keys[0].public_key, pk);
        assert_eq!(t.keys[0].id, format!("key:{}", &fingerprint(&pk)[..16]));
    }
    // The same key twice is refused (one signer must not count twice).
    let mut t = TrustStore::empty();
    t.add_key_arg(&format!("ed25519:{}", hex::encode(&pk)))
        .unwrap();
    assert!(t
        .add_key_arg(&format!("ed25519:b64:{}", Encoding::Base64.encode(&pk)))
        .is_err());
}

fn hybrid<'a>(
    ed: Option<KeySig<'a>>,
    ml: Option<(MlDsaLevel, KeySig<'a>)>,
    ctx: &'a [u8],
) -> HybridCheck<'a> {
    HybridCheck {
        subject: Subject::file("rec.json"),
        message: MSG,
        ed25519: ed,
        mldsa: ml,
        context: ctx,
        role: Some("ttt_record"),
    }
}

#[test]
fn hybrid_outcomes() {
    let mut t = TrustStore::empty();
    pin(&mut t, "ed", Alg::Ed25519, ed_pk(1), &["ttt_record"]);
    pin(&mut t, "pq", Alg::MlDsa65, ml_pk(1), &["ttt_record"]);
    let (epk, esig) = (ed_pk(1), ed_sig(1, MSG));
    let (mpk, msig) = (ml_pk(1), ml_sig(1, MSG, b"ttt"));
    let e = KeySig {
        public_key: &epk,
        signature: &esig,
    };
    let m = KeySig {
        public_key: &mpk,
        signature: &msig,
    };

    let mut r = Report::new("t", "x");
    let o = check_hybrid(
        &mut r,
        &t,
        hybrid(Some(e), Some((MlDsaLevel::L65, m)), b"ttt"),
    );
    assert_eq!(o, SigOutcome::Authentic("ed+pq".into()));
    assert!(codes(&r).is_empty());

    // Ed25519 half broken: its own code, even though ML-DSA holds.
    let mut bad = esig.clone();
    bad[0] ^= 1;
    let mut r = Report::new("t", "x");
    let o = check_hybrid(
        &mut r,
        &t,
        hybrid(
            Some(KeySig {
                public_key: &epk,
                signature: &bad,
            }),
            Some((MlDsaLevel::L65, m)),
            b"ttt",
        ),
    );
    assert!(matches!(o, SigOutcome::Invalid(_)));
    assert_eq!(codes(&r), vec![C::HybridEd25519Invalid.into()]);

    // ML-DSA half broken (wrong context = signed over other bytes).
    let mut r = Report::new("t", "x");
    let o = check_hybrid(&mut r, &t, hybrid(Some(e), Some((MlDsaLevel::L65, m)), b""));
    assert!(matches!(o, SigOutcome::Invalid(_)));
    assert_eq!(codes(&r), vec![C::HybridMlDsaInvalid.into()]);

    // Wrong level declared for the ML-DSA half.
    let mut r = Report::new("t", "x");
    check_hybrid(
        &mut r,
        &t,
        hybrid(Some(e), Some((MlDsaLevel::L87, m)), b"ttt"),
    );
    assert_eq!(codes(&r), vec![C::HybridMlDsaInvalid.into()]);

    // One family alone never suffices.
    let mut r = Report::new("t", "x");
    let o = check_hybrid(&mut r, &t, hybrid(Some(e), None, b"ttt"));
    assert!(matches!(o, SigOutcome::Invalid(_)));
    assert_eq!(codes(&r), vec![C::HybridIncomplete.into()]);
    let mut r = Report::new("t", "x");
    check_hybrid(&mut r, &t, hybrid(None, Some((MlDsaLevel::L65, m)), b"ttt"));
    assert_eq!(codes(&r), vec![C::HybridIncomplete.into()]);

    // Both valid, ML-DSA key not pinned: unverified, naming the unpinned half.
    let mut t2 = TrustStore::empty();
    pin(&mut t2, "ed", Alg::Ed25519, ed_pk(1), &[]);
    let mut r = Report::new("t", "x");
    let o = check_hybrid(
        &mut r,
        &t2,
        hybrid(Some(e), Some((MlDsaLevel::L65, m)), b"ttt"),
    );
    assert_eq!(o, SigOutcome::Unpinned(fingerprint(&mpk)));
    assert_eq!(codes(&r), vec![C::KeyNotPinned.into()]);
    let f = r.failures().next().unwrap();
    assert_eq!(f.subject.field.as_deref(), Some("mldsa"));
}

struct Council {
    trust: TrustStore,
    pks: Vec<Vec<u8>>,
    sigs: Vec<Vec<u8>>,
}

/// Keys k1..k4 (Ed25519 seeds 11..14) pinned; k1..k3 form a 2-of-3 "kry" council;
/// seed 15 is an outsider; k4 is pinned but not in the policy.
fn council() -> Council {
    let mut t = TrustStore::empty();
    for i in 1..=4u8 {
        pin(&mut t, &format!("k{i}"), Alg::Ed25519, ed_pk(10 + i), &[]);
    }
    let ids = ["k1", "k2", "k3"].iter().map(|s| s.to_string()).collect();
    t.add_policy(Policy::new("kry", 2, ids).unwrap()).unwrap();
    let pks = (10..=15).map(ed_pk).collect();
    let sigs = (10..=15).map(|s| ed_sig(s, MSG)).collect();
    Council {
        trust: t,
        pks,
        sigs,
    }
}

fn run_council(c: &Council, signers: &[(usize, Option<&[u8]>)]) -> (Report, ThresholdOutcome) {
    let sigs: Vec<Signed> = signers
        .iter()
        .enumerate()
        .map(|(i, (k, s))| Signed {
            subject: Subject::file("council.json").field(format!("signatures[{i}]")),
            alg: Alg::Ed25519,
            public_key: &c.pks[*k],
            signature: s.unwrap_or(&c.sigs[*k]),
        })
        .collect();
    let mut r = Report::new("t", "x");
    let o = check_threshold(
        &mut r,
        &c.trust,
        ThresholdCheck {
            policy: c.trust.policy("kry").unwrap(),
            invalid_code: C::SignatureInvalid.into(),
            subject: Subject::file("council.json"),
            message: MSG,
            context: b"",
            signatures: &sigs,
        },
    );
    (r, o)
}

#[test]
fn threshold_met() {
    let c = council();
    let (r, o) = run_council(&c, &[(3, None), (1, None)]);
    assert!(o.met());
    assert_eq!(o.counted, vec!["k1".to_string(), "k3".to_string()]);
    assert!(codes(&r).is_empty());
    assert_eq!(r.status(), Status::Valid);
}

#[test]
fn threshold_not_met() {
    let c = council();
    let (r, o) = run_council(&c, &[(1, None)]);
    assert!(!o.met());
    assert_eq!(codes(&r), vec![C::ThresholdNotMet.into()]);
    assert_eq!(r.status(), Status::Unverified);
}

#[test]
fn threshold_key_counts_once() {
    let c = council();
    let (r, o) = run_council(&c, &[(1, None), (1, None)]);
    assert_eq!(o.counted, vec!["k1".to_string()]);
    assert_eq!(codes(&r), vec![C::ThresholdNotMet.into()]);
    assert_eq!(warn_codes(&r), vec![C::ThresholdDuplicateSigner.into()]);
}

#[test]
fn threshold_outsiders_ignored() {
    let c = council();
    // Seed 15: not pinned at all; k4 (index 4): pinned but not in the policy.
    let (r, o) = run_council(&c, &[(1, None), (5, None), (4, None)]);
    assert_eq!(o.counted, vec!["k1".to_string()]);
    assert_eq!(codes(&r), vec![C::ThresholdNotMet.into()]);
    assert_eq!(
        warn_codes(&r),
        vec![C::ThresholdOutsider.into(), C::ThresholdOutsider.into()]
    );
    // Outsiders beside a met threshold: still valid, with the warnings.
    let (r, o) = run_council(&c, &[(1, None), (5, None), (2, None)]);
    assert!(o.met());
    assert!(codes(&r).is_empty());
    assert_eq!(warn_codes(&r), vec![C::ThresholdOutsider.into()]);
}

#[test]
fn threshold_member_invalid_signature_is_tampered() {
    let c = council();
    let mut bad = c.sigs[2].clone();
    bad[5] ^= 4;
    let (r, o) = run_council(&c, &[(1, None), (2, Some(&bad)), (3, None)]);
    assert!(o.met(), "k1 and k3 still count");
    assert_eq!(codes(&r), vec![C::SignatureInvalid.into()]);
    assert_eq!(r.status(), Status::Tampered);
}

#[test]
fn malformed_policy_recorded() {
    for bad in [
        r#"{"role":"kry","m":0,"keys":["k1","k2"]}"#,
        r#"{"role":"kry","m":3,"keys":["k1","k2"]}"#,
        r#"{"role":"kry","m":2,"keys":["k1","k1"]}"#,
    ] {
        let v = crate::canon::parse(bad.as_bytes()).unwrap();
        let mut r = Report::new("t", "x");
        assert!(parse_policy(&mut r, &subj(), &v).is_none(), "{bad}");
        assert_eq!(codes(&r), vec![C::PolicyMalformed.into()], "{bad}");
        assert_eq!(r.status(), Status::Invalid);
    }
    let v = crate::canon::parse(br#"{"role":"kry","m":2,"keys":["k1","k2"]}"#).unwrap();
    let mut r = Report::new("t", "x");
    assert!(parse_policy(&mut r, &subj(), &v).is_some());
    assert!(codes(&r).is_empty());
}

fn trust_file(keys: &str, policies: &str) -> String {
    format!(r#"{{"version":1,"keys":[{keys}]{policies}}}"#)
}

fn key_entry(id: &str, alg: &str, pk: &[u8], fp: &str, roles: &str) -> String {
    format!(
        r#"{{"id":"{id}","algorithm":"{alg}","public_key":"hex:{}","fingerprint":"{fp}"{roles}}}"#,
        hex::encode(pk)
    )
}

#[test]
fn trust_file_loads() {
    let a = key_entry(
        "a",
        "ed25519",
        &ed_pk(1),
        &fingerprint(&ed_pk(1)),
        r#","roles":["kry","trace"]"#,
    );
    let b = key_entry("b", "ML-DSA-65", &ml_pk(1), &fingerprint(&ml_pk(1)), "");
    let doc = trust_file(
        &format!("{a},{b}"),
        r#","policies":[{"role":"kry","m":2,"keys":["a","b"],"comment":"council"}]"#,
    );
    let t = TrustStore::from_parts(Some(("trust.json", doc.as_bytes())), &[], &[]).unwrap();
    assert_eq!(t.keys.len(), 2);
    assert_eq!(t.policy("kry").map(|p| (p.m(), p.n())), Some((2, 2)));
    assert_eq!(t.key("a").unwrap().roles, vec!["kry", "trace"]);
    assert!(t.key("b").unwrap().roles.is_empty());
}

#[test]
fn trust_file_errors() {
    let fp1 = fingerprint(&ed_pk(1));
    let good = key_entry("a", "ed25519", &ed_pk(1), &fp1, "");
    let cases: Vec<(String, &str)> = vec![
        (
            trust_file(
                &key_entry("a", "ed25519", &ed_pk(1), &fingerprint(&ed_pk(2)), ""),
                "",
            ),
            "fingerprint",
        ),
        (
            trust_file(&key_entry("a", "ed25519", &ed_pk(1), &fp1[..16], ""), ""),
            "fingerprint",
        ),
        (
            trust_file(&key_entry("a", "rsa", &ed_pk(1), &fp1, ""), ""),
            "algorithm",
        ),
        (
            trust_file(
                &key_entry("a", "ed25519", &ed_pk(1), &fp1, r#","roles":[]"#),
                "",
            ),
            "roles",
        ),
        (
            trust_file(
                &key_entry("a", "ed25519", &ed_pk(1), &fp1, r#","rolez":["kry"]"#),
                "",
            ),
            "unknown member",
        ),
        (trust_file(&format!("{good},{good}"), ""), "twice"),
        (
            trust_file(
                &format!("{good},{}", key_entry("b", "ed25519", &ed_pk(1), &fp1, "")),
                "",
            ),
            "same",
        ),
        (
            trust_file(&good, r#","policies":[{"role":"kry","m":1,"keys":["zz"]}]"#),
            "unknown key",
        ),
        (
            trust_file(&good, r#","policies":[{"role":"kry","m":2,"keys":["a"]}]"#),
            "outside",
        ),
        (
            trust_file(
                &good,
                r#","policies":[{"role":"kry","m":1,"keys":["a","a"]}]"#,
            ),
            "twice",
        ),
        (
            trust_file(
                &key_entry("a", "ed25519", &ed_pk(1), &fp1, r#","roles":["trace"]"#),
                r#","policies":[{"role":"kry","m":1,"keys":["a"]}]"#,
            ),
            "roles do not include",
        ),
        (format!(r#"{{"keys":[{good}]}}"#), "version"),
        (format!(r#"{{"version":2,"keys":[{good}]}}"#), "version"),
        (format!(r#"{{"version":1.0,"keys":[{good}]}}"#), "version"),
        (r#"{"version":1,"keys":[]}"#.to_string(), "at least one"),
        (
            format!(r#"{{"version":1,"keys":[{good}],"extra":1}}"#),
            "unknown member",
        ),
        (
            format!(r#"{{"version":1,"keys":[{good}],"version":1}}"#),
            "trust.json:",
        ),
        ("[]".to_string(), "object"),
    ];
    for (doc, needle) in cases {
        let e =
            TrustStore::from_parts(Some(("trust.json", doc.as_bytes())), &[], &[]).expect_err(&doc);
        assert!(e.contains(needle), "{doc}\n=> {e}\n(expected {needle:?})");
        assert!(e.starts_with("trust.json"), "{e}");
    }
}

#[test]
fn from_parts_combines_inputs() {
    let fp = fingerprint(&ed_pk(2));
    let t = TrustStore::from_parts(
        None,
        &[format!("ed25519:{}", hex::encode(ed_pk(1)))],
        &[fp[..10].to_string()],
    )
    .unwrap();
    assert_eq!(t.keys.len(), 1);
    assert_eq!(t.fingerprint_prefixes, vec![fp[..10].to_string()]);
    assert_eq!(t.warnings.len(), 1);
    let e = TrustStore::from_parts(None, &["ed25519:zz".into()], &[]).unwrap_err();
    assert!(e.starts_with("--key ed25519:zz"), "{e}");
}
