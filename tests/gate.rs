//! `evv gate` end to end on the committed PACT fixtures: pass, fail, JUnit, determinism.

use std::path::Path;
use std::process::Command;

fn evv() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_evv"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn run(args: &[&str]) -> (i32, String) {
    let out = evv().args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

#[test]
fn gate_passes_on_committed_fixtures_with_junit() {
    let tmp = tempfile::tempdir().unwrap();
    let junit = tmp.path().join("gate.xml");
    let (code, out) = run(&[
        "gate",
        "testdata/pact",
        "--expect",
        "testdata/pact/expect.json",
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.ends_with("\n18 passed, 0 failed\n"), "{out}");
    insta::assert_snapshot!("gate_pass_text", out);
    let xml = std::fs::read_to_string(&junit).unwrap();
    insta::assert_snapshot!("gate_pass_junit", xml);
    // Deterministic across runs (parallel verification, fixed order).
    let (_, again) = run(&[
        "gate",
        "testdata/pact",
        "--expect",
        "testdata/pact/expect.json",
    ]);
    assert_eq!(out, again);
}

#[test]
fn gate_fails_on_unmet_stale_and_missing_expectations() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("fx");
    std::fs::create_dir(&dir).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/pact");
    for f in [
        "valid.json",
        "compromised.json",
        "tampered-signature.json",
        "agents.json",
    ] {
        std::fs::copy(src.join(f), dir.join(f)).unwrap();
    }
    // A directory name that claims success does not make the bytes valid.
    std::fs::create_dir(dir.join("success")).unwrap();
    std::fs::copy(
        src.join("tampered-content.json"),
        dir.join("success/ok.json"),
    )
    .unwrap();
    let expect = tmp.path().join("expect.json");
    std::fs::write(
        &expect,
        r#"{"gate_expectations_version": "evv-gate/1", "ignore": ["agents.json"], "cases": [
  {"glob": "valid.json", "agents": ["{dir}/agents.json"],
   "expect": {"status": "VALID", "exit": 0, "codes": []},
   "expect_allow_compromised": {"status": "VALID", "exit": 0, "codes": []}},
  {"glob": "compromised.json", "agents": ["{dir}/agents.json"],
   "expect": {"status": "TAMPERED", "exit": 1, "codes": ["pact.final_hash_mismatch"]},
   "expect_allow_compromised": {"status": "TAMPERED", "exit": 1, "codes": ["pact.final_hash_mismatch"]}},
  {"glob": "success/*.json", "agents": ["{dir}/agents.json"],
   "expect": {"status": "VALID", "exit": 0, "codes": []},
   "expect_allow_compromised": {"status": "VALID", "exit": 0, "codes": []}},
  {"glob": "gone/*.json",
   "expect": {"status": "VALID", "exit": 0, "codes": []},
   "expect_allow_compromised": {"status": "VALID", "exit": 0, "codes": []}}
]}"#,
    )
    .unwrap();
    let tmp_s = tmp.path().to_str().unwrap();
    let (code, out) = run(&[
        "gate",
        dir.to_str().unwrap(),
        "--expect",
        expect.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}");
    let out = out.replace(tmp_s, "TMP");
    insta::assert_snapshot!("gate_fail_text", out);
    assert!(out.ends_with("\n3 passed, 5 failed\n"), "{out}");

    // Without an expectations file every transcript must be VALID: the unpinned valid
    // transcript is (PACT replay semantics), the compromised one is not.
    let (code, out) = run(&["gate", dir.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        out.contains("ok    valid.json default: VALID exit 0 []"),
        "{out}"
    );
    assert!(out.contains("FAIL  compromised.json default: expected VALID exit 0 [], got TAMPERED exit 1 [pact.final_hash_mismatch]"), "{out}");
}

#[test]
fn gate_usage_errors_exit_2() {
    let (code, _) = run(&["gate", "no/such/dir"]);
    assert_eq!(code, 2);
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("e.json");
    std::fs::write(
        &bad,
        r#"{"gate_expectations_version": "evv-gate/1", "cases": [{"glob": "*", "expect": {}}]}"#,
    )
    .unwrap();
    let (code, _) = run(&["gate", "testdata/pact", "--expect", bad.to_str().unwrap()]);
    assert_eq!(code, 2);
}

#[test]
fn replay_cli_exit_codes() {
    let cases: [(&[&str], i32); 7] = [
        // Nothing pinned: PACT replay semantics (signers are warnings).
        (&["replay", "testdata/pact/valid.json"], 0),
        (
            &[
                "replay",
                "--allow-compromised",
                "testdata/pact/compromised.json",
            ],
            0,
        ),
        (
            &[
                "replay",
                "--agents",
                "testdata/pact/agents.json",
                "testdata/pact/valid.json",
            ],
            0,
        ),
        (
            &[
                "replay",
                "--agents",
                "testdata/pact/agents.json",
                "testdata/pact/compromised.json",
            ],
            1,
        ),
        (
            &[
                "replay",
                "--allow-compromised",
                "--agents",
                "testdata/pact/agents.json",
                "testdata/pact/compromised.json",
            ],
            0,
        ),
        (
            &[
                "replay",
                "--allow-compromised",
                "--agents",
                "testdata/pact/agents.json",
                "testdata/pact/compromised-and-forged.json",
            ],
            1,
        ),
        (&["replay", "testdata/pact/missing.json"], 2),
    ];
    for (args, want) in cases {
        let (code, out) = run(args);
        assert_eq!(code, want, "{args:?}\n{out}");
    }
    let (code, out) = run(&[
        "--format",
        "json",
        "replay",
        "--allow-compromised",
        "--agents",
        "testdata/pact/agents.json",
        "testdata/pact/compromised.json",
    ]);
    assert_eq!(code, 0);
    assert!(out.contains("\"compromise_allowed\": true"), "{out}");
    // A key given with --key pins it for every agent.
    let agents = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/pact/agents.json"),
    )
    .unwrap();
    let doc = evv::canon::parse_str(&agents).unwrap();
    let buyer = format!("ed25519:{}", doc.get("buyer").unwrap().as_str().unwrap());
    let seller = format!("ed25519:{}", doc.get("seller").unwrap().as_str().unwrap());
    let (code, _) = run(&[
        "replay",
        "--key",
        &buyer,
        "--key",
        &seller,
        "testdata/pact/valid.json",
    ]);
    assert_eq!(code, 0);
    let (code, _) = run(&["replay", "--key", &buyer, "testdata/pact/valid.json"]);
    assert_eq!(code, 3);
}
