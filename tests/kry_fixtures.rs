//! Generated KRY fixtures in `testdata/kry/`: drift check (EVV_BLESS=1 rewrites),
//! expected verdicts per fixture, the `evv kry` command line, and insta snapshots of
//! the text and JSON output for a valid and a tampered attestation.

#[path = "support/kry.rs"]
mod k;

use std::path::PathBuf;
use std::process::Command;

use evv::canon::{self, Value};
use evv::kry::{self, CouncilInput, KryOptions, SideInput};
use evv::verdict::{render_json, render_text, Report};

fn pretty(v: &Value) -> Vec<u8> {
    let mut s = canon::to_pretty(v);
    s.push('\n');
    s.into_bytes()
}

/// Every fixture, generated deterministically from the spec.
fn fixtures() -> Vec<(&'static str, Vec<u8>)> {
    let valid = k::savings3();
    let valid_bytes = pretty(&valid);
    let mut tampered = k::savings3();
    k::link_set(&mut tampered, 1, "kry_minted", Some(125.0.into()));
    k::envelope(&mut tampered);
    let mut legacy_links: Vec<k::Link> = (1..=6)
        .map(|i| k::Link::cache_hit(i, 64.0 * i as f64))
        .collect();
    for l in &mut legacy_links {
        l.tier = "holdout_validated".into();
    }
    let mut legacy = k::savings(&legacy_links);
    for i in 0..6 {
        k::link_set(&mut legacy, i, "hash_version", None);
    }
    k::rechain(&mut legacy);
    k::envelope(&mut legacy);
    let mut action_tampered = k::action3();
    k::link_set(
        &mut action_tampered,
        1,
        "args_commit",
        Some(k::commit(&evv::obj! {"path" => "/etc/shadow"}).into()),
    );
    let tip = valid
        .get("chain_head")
        .and_then(Value::as_str)
        .unwrap()
        .to_string();
    let key = k::keypair(1);
    let policy = k::policy(&[11, 12, 13], 2);
    let threshold = k::artifact(&policy, &[11, 13], &valid_bytes);
    vec![
        ("savings_valid.json", valid_bytes.clone()),
        ("savings_tampered.json", pretty(&tampered)),
        ("savings_legacy.json", pretty(&legacy)),
        ("action_valid.json", pretty(&k::action3())),
        ("action_tampered.json", pretty(&action_tampered)),
        ("anchor_valid.json", k::anchor(3, &tip)),
        ("anchor_longer.json", k::anchor(4, &tip)),
        (
            "savings_valid.sig.json",
            k::signature(&key, &valid_bytes, true),
        ),
        (
            "savings_valid.v1.sig.json",
            k::signature(&key, &valid_bytes, false),
        ),
        (
            "signer.pub",
            format!("{}\n", k::b64(&k::public_key(&key))).into_bytes(),
        ),
        ("council_policy.json", pretty(&policy)),
        ("council_threshold.json", pretty(&threshold)),
    ]
}

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/kry")
}

#[test]
fn fixtures_do_not_drift() {
    let bless = std::env::var_os("EVV_BLESS").is_some();
    for (name, bytes) in fixtures() {
        let p = dir().join(name);
        if bless {
            std::fs::create_dir_all(dir()).unwrap();
            std::fs::write(&p, &bytes).unwrap();
            continue;
        }
        let committed = std::fs::read(&p)
            .unwrap_or_else(|e| panic!("{}: {e}; run with EVV_BLESS=1", p.display()));
        assert!(
            committed == bytes,
            "{name} drifted from its generator; run with EVV_BLESS=1 and review"
        );
    }
}

fn side(name: &str) -> SideInput {
    SideInput {
        name: format!("testdata/kry/{name}"),
        bytes: std::fs::read(dir().join(name)).unwrap(),
    }
}

fn run(att: &str, opts: &KryOptions) -> Report {
    let name = format!("testdata/kry/{att}");
    let mut r = Report::new("kry", name.clone());
    let bytes = std::fs::read(dir().join(att)).unwrap();
    kry::verify_attestation_bytes(&name, &bytes, opts, &mut r);
    r
}

fn ids(r: &Report) -> Vec<&'static str> {
    r.failure_codes().iter().map(|c| c.id()).collect()
}

#[test]
fn fixture_verdicts_match_readme() {
    let none = KryOptions::default();
    let cases: Vec<(&str, KryOptions, &str, Vec<&str>)> = vec![
        ("savings_valid.json", KryOptions::default(), "VALID", vec![]),
        (
            "savings_tampered.json",
            KryOptions::default(),
            "TAMPERED",
            vec![
                "kry.chain_head_mismatch",
                "kry.link.chain_hash_mismatch",
                "kry.link.multiplier_unpublished",
            ],
        ),
        (
            "savings_legacy.json",
            KryOptions::default(),
            "INVALID",
            vec!["kry.link.hash_version_unsupported", "kry.link.tier_unbound"],
        ),
        ("action_valid.json", KryOptions::default(), "VALID", vec![]),
        (
            "action_tampered.json",
            KryOptions::default(),
            "TAMPERED",
            vec!["kry.action.receipt_hash_mismatch"],
        ),
        (
            "savings_valid.json",
            KryOptions {
                anchor: Some(side("anchor_valid.json")),
                ..Default::default()
            },
            "VALID",
            vec![],
        ),
        (
            "savings_valid.json",
            KryOptions {
                anchor: Some(side("anchor_longer.json")),
                ..Default::default()
            },
            "TAMPERED",
            vec!["kry.anchor.truncated"],
        ),
        (
            "savings_valid.json",
            KryOptions {
                signature: Some(side("savings_valid.sig.json")),
                public_key: Some(side("signer.pub")),
                ..Default::default()
            },
            "VALID",
            vec![],
        ),
        (
            "savings_valid.json",
            KryOptions {
                signature: Some(side("savings_valid.sig.json")),
                ..Default::default()
            },
            "UNVERIFIED",
            vec!["sig.key_not_pinned"],
        ),
        (
            "savings_valid.json",
            KryOptions {
                signature: Some(side("savings_valid.v1.sig.json")),
                public_key: Some(side("signer.pub")),
                require_v2: true,
                ..Default::default()
            },
            "UNVERIFIED",
            vec!["kry.sig.v1_scheme"],
        ),
        (
            "savings_tampered.json",
            KryOptions {
                signature: Some(side("savings_valid.sig.json")),
                public_key: Some(side("signer.pub")),
                ..Default::default()
            },
            "TAMPERED",
            vec![
                "kry.chain_head_mismatch",
                "kry.link.chain_hash_mismatch",
                "kry.link.multiplier_unpublished",
                "kry.sig.digest_mismatch",
                "kry.sig.invalid",
            ],
        ),
        (
            "savings_valid.json",
            KryOptions {
                council: Some(CouncilInput {
                    policy: side("council_policy.json"),
                    artifact: side("council_threshold.json"),
                }),
                ..Default::default()
            },
            "VALID",
            vec![],
        ),
    ];
    let _ = none;
    for (att, opts, status, codes) in cases {
        let r = run(att, &opts);
        assert_eq!(r.status().as_str(), status, "{att}: {:?}", ids(&r));
        assert_eq!(ids(&r), codes, "{att}");
    }
}

#[test]
fn cli_exit_codes() {
    let evv = env!("CARGO_BIN_EXE_evv");
    let d = dir();
    let go = |args: &[&str]| {
        let out = Command::new(evv)
            .current_dir(&d)
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
        )
    };
    assert_eq!(go(&["kry", "savings_valid.json"]).0, 0);
    assert_eq!(go(&["kry", "savings_tampered.json"]).0, 1);
    assert_eq!(
        go(&["kry", "action_valid.json", "--anchor", "anchor_valid.json"]).0,
        1
    );
    let (code, out) = go(&["--format", "json", "kry", "savings_legacy.json"]);
    assert_eq!(code, 1);
    assert!(out.contains("\"kry_verdict\": \"INVALID\""), "{out}");
    assert_eq!(
        go(&[
            "kry",
            "savings_valid.json",
            "--signature",
            "savings_valid.sig.json"
        ])
        .0,
        3
    );
    assert_eq!(
        go(&[
            "kry",
            "savings_valid.json",
            "--signature",
            "savings_valid.sig.json",
            "--public-key",
            "signer.pub"
        ])
        .0,
        0
    );
    let fp = evv::crypto::hash::sha256_hex(&k::public_key(&k::keypair(1)));
    assert_eq!(
        go(&[
            "kry",
            "savings_valid.json",
            "--signature",
            "savings_valid.sig.json",
            "--expect-fingerprint",
            &fp[..16]
        ])
        .0,
        0
    );
    assert_eq!(
        go(&[
            "kry",
            "savings_valid.json",
            "--signature",
            "savings_valid.v1.sig.json",
            "--public-key",
            "signer.pub",
            "--require-v2"
        ])
        .0,
        3
    );
    assert_eq!(
        go(&[
            "kry",
            "savings_valid.json",
            "--council",
            "council_policy.json",
            "--threshold-artifact",
            "council_threshold.json"
        ])
        .0,
        0
    );
    // Usage errors: missing file, --council without artifact.
    assert_eq!(go(&["kry", "no_such_file.json"]).0, 2);
    assert_eq!(
        go(&[
            "kry",
            "savings_valid.json",
            "--council",
            "council_policy.json"
        ])
        .0,
        2
    );
}

#[test]
fn snapshots() {
    let valid = run("savings_valid.json", &KryOptions::default());
    insta::assert_snapshot!("kry_valid_text", render_text(&valid));
    insta::assert_snapshot!("kry_valid_json", render_json(&valid));
    let tampered = run("savings_tampered.json", &KryOptions::default());
    insta::assert_snapshot!("kry_tampered_text", render_text(&tampered));
    insta::assert_snapshot!("kry_tampered_json", render_json(&tampered));
    let legacy = run("savings_legacy.json", &KryOptions::default());
    insta::assert_snapshot!("kry_legacy_text", render_text(&legacy));
}
