//! Trust-store fixtures and the `evv sig` command line.
//!
//! The fixtures in `testdata/trust/` are generated here from fixed seeds; the first
//! test fails if the committed bytes drift (`EVV_BLESS=1` rewrites them). The other
//! tests run the `evv` binary on them and assert exit codes, finding codes and
//! snapshots of both output formats.

use std::path::PathBuf;
use std::process::Command;

use ed25519_dalek::Signer;
use evv::cli::TrustArgs;
use evv::crypto::encoding::Encoding;
use evv::crypto::trust::{fingerprint, TrustStore};
use ml_dsa::Keypair;

const MESSAGE: &[u8] = b"evv trust fixture: the signed message\n";

fn ed(seed: u8) -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&[seed; 32])
}

fn ml_key_sig<P: ml_dsa::MlDsaParams>(seed: u8, msg: &[u8], ctx: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let sk = ml_dsa::SigningKey::<P>::from_seed(&[seed; 32].into());
    let pk = sk.verifying_key().encode().to_vec();
    let sig = sk
        .expanded_key()
        .sign_deterministic(msg, ctx)
        .expect("sign")
        .encode()
        .to_vec();
    (pk, sig)
}

fn key_entry(id: &str, alg: &str, pk: &[u8], enc: Encoding, roles: &[&str]) -> String {
    let roles = if roles.is_empty() {
        String::new()
    } else {
        format!(
            ",\n      \"roles\": [{}]",
            roles
                .iter()
                .map(|r| format!("\"{r}\""))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    format!(
        "    {{\n      \"id\": \"{id}\",\n      \"algorithm\": \"{alg}\",\n      \"public_key\": \"{}{}\",\n      \"fingerprint\": \"{}\"{roles}\n    }}",
        enc.prefix(),
        enc.encode(pk),
        fingerprint(pk)
    )
}

fn flip(mut b: Vec<u8>, i: usize) -> Vec<u8> {
    b[i] ^= 1;
    b
}

/// Every fixture file: (name, bytes).
fn fixtures() -> Vec<(&'static str, Vec<u8>)> {
    let (ml_pk, _) = ml_key_sig::<ml_dsa::MlDsa65>(0x12, b"", b"");
    let keys = [
        key_entry(
            "release",
            "ed25519",
            &ed(0x11).verifying_key().to_bytes(),
            Encoding::Hex,
            &["trace", "req_seen_head"],
        ),
        key_entry(
            "pq-release",
            "ML-DSA-65",
            &ml_pk,
            Encoding::Base64,
            &["ttt_record"],
        ),
        key_entry(
            "council-1",
            "ed25519",
            &ed(0x21).verifying_key().to_bytes(),
            Encoding::Base58,
            &["kry"],
        ),
        key_entry(
            "council-2",
            "ed25519",
            &ed(0x22).verifying_key().to_bytes(),
            Encoding::Base58,
            &["kry"],
        ),
        key_entry(
            "council-3",
            "ed25519",
            &ed(0x23).verifying_key().to_bytes(),
            Encoding::Base58,
            &[],
        ),
    ];
    let trust = format!(
        "{{\n  \"version\": 1,\n  \"comment\": \"evv test keys from fixed seeds; never use outside tests\",\n  \"keys\": [\n{}\n  ],\n  \"policies\": [\n    {{\"role\": \"kry\", \"m\": 2, \"keys\": [\"council-1\", \"council-2\", \"council-3\"]}}\n  ]\n}}\n",
        keys.join(",\n")
    );

    // verify-batch cases, one per line.
    let ed_pk = ed(0x11).verifying_key().to_bytes();
    let ed_sig = ed(0x11).sign(MESSAGE).to_bytes().to_vec();
    let (p44, s44) = ml_key_sig::<ml_dsa::MlDsa44>(0x44, MESSAGE, b"evv");
    let (p87, s87) = ml_key_sig::<ml_dsa::MlDsa87>(0x87, MESSAGE, b"");
    let msg = hex::encode(MESSAGE);
    let b64 = |b: &[u8]| Encoding::Base64.encode(b);
    let case = |id: &str, alg: &str, pk: &str, sig: &str, m: &str, ctx: Option<&str>| {
        let ctx = ctx.map(|c| format!(",\"ctx\":\"{c}\"")).unwrap_or_default();
        format!("{{\"alg\":\"{alg}\"{ctx},\"id\":\"{id}\",\"key\":\"{pk}\",\"msg\":\"{m}\",\"sig\":\"{sig}\"}}\n")
    };
    let mut cases = String::new();
    cases += &case(
        "ed25519-valid",
        "ed25519",
        &hex::encode(ed_pk),
        &hex::encode(&ed_sig),
        &msg,
        None,
    );
    cases += &case(
        "ed25519-msg-flipped",
        "ed25519",
        &hex::encode(ed_pk),
        &hex::encode(&ed_sig),
        &hex::encode(flip(MESSAGE.to_vec(), 0)),
        None,
    );
    cases += &case(
        "ed25519-sig-flipped",
        "ed25519",
        &hex::encode(ed_pk),
        &hex::encode(flip(ed_sig.clone(), 40)),
        &msg,
        None,
    );
    cases += &case(
        "ed25519-key-as-mldsa",
        "ML-DSA-44",
        &hex::encode(ed_pk),
        &hex::encode(&ed_sig),
        &msg,
        None,
    );
    cases += &case(
        "mldsa44-ctx-valid",
        "ML-DSA-44",
        &format!("b64:{}", b64(&p44)),
        &b64(&s44),
        &msg,
        Some("657676"),
    );
    cases += &case(
        "mldsa44-ctx-missing",
        "ML-DSA-44",
        &b64(&p44),
        &b64(&s44),
        &msg,
        None,
    );
    cases += &case(
        "mldsa87-valid",
        "ML-DSA-87",
        &b64(&p87),
        &b64(&s87),
        &msg,
        None,
    );
    cases += &case(
        "mldsa87-as-65",
        "ML-DSA-65",
        &b64(&p87),
        &b64(&s87),
        &msg,
        None,
    );
    cases +=
        "{\"alg\":\"rsa\",\"id\":\"unknown-alg\",\"key\":\"00\",\"msg\":\"\",\"sig\":\"00\"}\n";
    cases += "not json\n";

    let sig_file = format!("{}\n", hex::encode(&ed_sig));
    vec![
        ("trust.json", trust.into_bytes()),
        ("message.txt", MESSAGE.to_vec()),
        ("message.ed25519.sig", sig_file.into_bytes()),
        ("cases.jsonl", cases.into_bytes()),
    ]
}

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/trust")
}

#[test]
fn fixtures_are_current() {
    let bless = std::env::var_os("EVV_BLESS").is_some();
    for (name, bytes) in fixtures() {
        let p = dir().join(name);
        if bless {
            std::fs::create_dir_all(dir()).unwrap();
            std::fs::write(&p, &bytes).unwrap();
        }
        let committed = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert!(
            committed == bytes,
            "testdata/trust/{name} drifted from its generator; run with EVV_BLESS=1 and review"
        );
    }
}

fn evv(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_evv"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run evv");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn ed_sig_hex() -> String {
    let s = std::fs::read_to_string(dir().join("message.ed25519.sig")).unwrap();
    s.trim().to_string()
}

fn ed_pk_hex() -> String {
    hex::encode(ed(0x11).verifying_key().to_bytes())
}

const MSG_FILE: &str = "testdata/trust/message.txt";

#[test]
fn trust_fixture_loads_from_args() {
    let t = TrustStore::from_args(&TrustArgs {
        trust: Some(dir().join("trust.json")),
        keys: vec![format!(
            "ML-DSA-44:{}",
            hex::encode(ml_key_sig::<ml_dsa::MlDsa44>(0x44, b"", b"").0)
        )],
        fingerprints: vec!["abcdef".into()],
    })
    .unwrap();
    assert_eq!(t.keys.len(), 6);
    assert_eq!(t.policy("kry").map(|p| (p.m(), p.n())), Some((2, 3)));
    assert_eq!(t.warnings.len(), 1, "short fingerprint prefix warns");
    let e = TrustStore::from_args(&TrustArgs {
        trust: Some(dir().join("missing.json")),
        ..Default::default()
    })
    .unwrap_err();
    assert!(e.contains("cannot read trust file"), "{e}");
}

#[test]
fn sig_verify_valid_text_and_json() {
    let pk = ed_pk_hex();
    let sig = ed_sig_hex();
    let args = [
        "sig",
        "verify",
        "--alg",
        "ed25519",
        "--key",
        &pk,
        "--sig",
        &sig,
        "--msg-file",
        MSG_FILE,
    ];
    let (code, out, _) = evv(&args);
    assert_eq!(code, 0, "{out}");
    insta::assert_snapshot!("sig_verify_valid_text", out);
    let mut j = vec!["--format", "json"];
    j.extend(args);
    let (code, out, _) = evv(&j);
    assert_eq!(code, 0);
    insta::assert_snapshot!("sig_verify_valid_json", out);
}

#[test]
fn sig_verify_invalid_and_malformed() {
    let pk = ed_pk_hex();
    let mut sig = hex::decode(ed_sig_hex()).unwrap();
    sig[1] ^= 0x80;
    let bad = hex::encode(sig);
    let (code, out, _) = evv(&[
        "sig",
        "verify",
        "--alg",
        "ed25519",
        "--key",
        &pk,
        "--sig",
        &bad,
        "--msg-file",
        MSG_FILE,
    ]);
    assert_eq!(code, 1);
    assert!(out.starts_with("TAMPERED"), "{out}");
    assert!(out.contains("FAIL sig.invalid --sig"), "{out}");
    insta::assert_snapshot!("sig_verify_invalid_text", out);

    // A signature that is not an encoding of 64 bytes.
    let (code, out, _) = evv(&[
        "sig",
        "verify",
        "--alg",
        "ed25519",
        "--key",
        &pk,
        "--sig",
        "abc",
        "--msg-file",
        MSG_FILE,
    ]);
    assert_eq!(code, 1);
    assert!(
        out.starts_with("INVALID") && out.contains("FAIL sig.encoding.malformed --sig"),
        "{out}"
    );

    // A small-order key is refused as a key.
    let mut id = [0u8; 32];
    id[0] = 1;
    let (code, out, _) = evv(&[
        "sig",
        "verify",
        "--alg",
        "ed25519",
        "--key",
        &hex::encode(id),
        "--sig",
        &ed_sig_hex(),
        "--msg-file",
        MSG_FILE,
    ]);
    assert_eq!(code, 1);
    assert!(out.contains("FAIL sig.encoding.malformed --key"), "{out}");
}

#[test]
fn sig_verify_usage_errors() {
    let pk = ed_pk_hex();
    let sig = ed_sig_hex();
    for args in [
        vec![
            "sig",
            "verify",
            "--alg",
            "rsa",
            "--key",
            &pk,
            "--sig",
            &sig,
            "--msg-file",
            MSG_FILE,
        ],
        vec![
            "sig",
            "verify",
            "--alg",
            "ed25519",
            "--key",
            &pk,
            "--sig",
            &sig,
            "--msg-file",
            MSG_FILE,
            "--context",
            "01",
        ],
        vec![
            "sig",
            "verify",
            "--alg",
            "ML-DSA-44",
            "--key",
            &pk,
            "--sig",
            &sig,
            "--msg-file",
            MSG_FILE,
            "--context",
            "zz",
        ],
        vec![
            "sig",
            "verify",
            "--alg",
            "ed25519",
            "--key",
            &pk,
            "--sig",
            &sig,
            "--msg-file",
            "testdata/trust/absent",
        ],
        vec![
            "sig", "verify", "--alg", "ed25519", "--key", &pk, "--sig", &sig,
        ],
    ] {
        let (code, _, err) = evv(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
    }
}

#[test]
fn sig_verify_batch() {
    let (code, out, err) = evv(&["sig", "verify-batch", "testdata/trust/cases.jsonl"]);
    assert_eq!(
        code, 2,
        "a malformed line makes the run a usage error: {err}"
    );
    assert_eq!(err, "3 valid, 5 invalid, 2 malformed cases\n");
    insta::assert_snapshot!("sig_verify_batch", out);
    let results: Vec<&str> = out
        .lines()
        .map(|l| {
            l.split("\"result\":\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
        })
        .collect();
    assert_eq!(
        results,
        [
            "valid", "invalid", "invalid", "invalid", "valid", "invalid", "valid", "invalid",
            "error", "error"
        ]
    );
}

#[test]
fn sig_fingerprint_matches_trust_file() {
    let (code, out, _) = evv(&["sig", "fingerprint", &format!("ed25519:{}", ed_pk_hex())]);
    assert_eq!(code, 0);
    let trust = std::fs::read_to_string(dir().join("trust.json")).unwrap();
    assert!(trust.contains(out.trim()), "{out}");
    assert_eq!(
        out.trim(),
        fingerprint(&ed(0x11).verifying_key().to_bytes())
    );
    let (code, _, _) = evv(&["sig", "fingerprint", "ed25519:00"]);
    assert_eq!(code, 2);
}
