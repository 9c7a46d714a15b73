//! The auditor's toolbox: one `evv verify` for every kind of evidence (recognised by
//! content, not name), batch mode, GitHub annotations, the gate over bundles.

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn evv(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_evv"))
        .current_dir(root())
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn verify_recognises_every_kind_from_content() {
    let cases: &[(&str, &str, i32)] = &[
        ("testdata/bundles/accepted.tar.gz", "UNVERIFIED  bundle", 3),
        ("testdata/bundles/denied", "UNVERIFIED  bundle", 3),
        ("testdata/kry/savings_valid.json", "VALID  kry", 0),
        ("testdata/kry/action_valid.json", "VALID  kry", 0),
        ("testdata/kry/savings_tampered.json", "TAMPERED  kry", 1),
        ("testdata/pact/valid.json", "VALID  pact", 0),
        ("testdata/pact/tampered-signature.json", "TAMPERED  pact", 1),
        (
            "testdata/receipts/valid/openai_chain/receipts.jsonl",
            "VALID  receipts",
            0,
        ),
    ];
    for (path, first, code) in cases {
        let (c, out, err) = evv(&["verify", path]);
        assert_eq!(c, *code, "{path}: {out}{err}");
        assert!(out.starts_with(first), "{path}: {out}");
    }
}

#[test]
fn content_not_name_decides() {
    // A PACT transcript renamed to .tar.gz, and a bundle archive renamed to .json.
    let dir = tempfile::tempdir().unwrap();
    let pact = dir.path().join("transcript.tar.gz");
    std::fs::copy(root().join("testdata/pact/valid.json"), &pact).unwrap();
    let (c, out, _) = evv(&["verify", pact.to_str().unwrap()]);
    assert_eq!(c, 0);
    assert!(out.starts_with("VALID  pact"), "{out}");
    let bundle = dir.path().join("bundle.json");
    std::fs::copy(root().join("testdata/bundles/accepted.tar.gz"), &bundle).unwrap();
    let (c, out, _) = evv(&[
        "verify",
        bundle.to_str().unwrap(),
        "--trust",
        "testdata/bundles/trust.json",
    ]);
    assert_eq!(c, 0, "{out}");
    assert!(out.starts_with("VALID  bundle"), "{out}");
}

#[test]
fn unrecognised_input_is_a_usage_error_naming_what_evv_verifies() {
    for path in [
        "testdata/kry/council_policy.json",
        "testdata/bundles/README.md",
        "SPEC.md",
    ] {
        let (c, _, err) = evv(&["verify", path]);
        assert_eq!(c, 2, "{path}");
        assert!(
            err.contains("evv verifies evidence bundles"),
            "{path}: {err}"
        );
    }
    let (c, _, _) = evv(&[
        "verify",
        "testdata/kry/savings_valid.json",
        "--expect-sha256",
        &"0".repeat(64),
    ]);
    assert_eq!(c, 2, "--expect-sha256 applies to bundle archives only");
}

#[test]
fn batch_prints_ndjson_in_input_order_then_a_summary() {
    let (c, out, _) = evv(&["verify", "--batch", "testdata/gate/batch.txt"]);
    assert_eq!(
        c, 1,
        "a tampered item and an unrecognised one fail the batch"
    );
    insta::assert_snapshot!("batch_ndjson", out);
    // Byte-identical whatever the thread count.
    for threads in ["1", "2", "7"] {
        let o = Command::new(env!("CARGO_BIN_EXE_evv"))
            .current_dir(root())
            .env("RAYON_NUM_THREADS", threads)
            .args(["verify", "--batch", "testdata/gate/batch.txt"])
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8(o.stdout).unwrap(),
            out,
            "RAYON_NUM_THREADS={threads}"
        );
    }
}

#[test]
fn batch_over_a_directory() {
    let (c, out, _) = evv(&[
        "verify",
        "--batch",
        "testdata/bundles",
        "--trust",
        "testdata/bundles/trust.json",
    ]);
    // README.md, trust.json and the detached records are not evidence: they fail.
    assert_eq!(c, 1);
    let valid = out
        .lines()
        .filter(|l| l.contains("\"status\":\"VALID\""))
        .count();
    assert_eq!(valid, 6, "{out}");
    assert!(out.lines().last().unwrap().starts_with("{\"summary\":"));
}

#[test]
fn github_annotations() {
    let (c, out, _) = evv(&[
        "--format",
        "github",
        "verify",
        "testdata/pact/tampered-content.json",
    ]);
    assert_eq!(c, 1);
    insta::assert_snapshot!("github_tampered_pact", out);
    assert!(out
        .lines()
        .any(|l| l.starts_with("::error file=testdata/pact/tampered-content.json")));
    let (c, out, _) = evv(&[
        "--format",
        "github",
        "verify",
        "testdata/kry/savings_valid.json",
    ]);
    assert_eq!(c, 0);
    assert!(out.starts_with("::notice title=evv VALID::"), "{out}");
}

#[test]
fn text_verdicts_end_with_an_explain_hint_for_the_first_failure() {
    let (_, out, _) = evv(&["verify", "testdata/kry/savings_tampered.json"]);
    let last = out.lines().last().unwrap();
    assert!(last.starts_with("hint: run `evv explain "), "{last}");
    let code = last
        .split('`')
        .nth(1)
        .unwrap()
        .trim_start_matches("evv explain ");
    let (c, text, _) = evv(&["explain", code]);
    assert_eq!(c, 0);
    assert!(text.starts_with(code));
}

#[test]
fn gate_verifies_bundles_with_pinned_keys() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("j.xml");
    let (c, out, err) = evv(&[
        "gate",
        "testdata/bundles",
        "--expect",
        "testdata/gate/bundles.expect.json",
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(c, 0, "{out}{err}");
    assert!(out.ends_with("\n12 passed, 0 failed\n"), "{out}");
    let xml = std::fs::read_to_string(junit).unwrap();
    assert!(
        xml.contains("tests=\"12\"") && xml.contains("failures=\"0\""),
        "{xml}"
    );
}

#[test]
fn broken_pipe_is_not_an_internal_error() {
    use std::io::Read;
    let mut child = Command::new(env!("CARGO_BIN_EXE_evv"))
        .current_dir(root())
        .args([
            "--format",
            "json",
            "verify",
            "testdata/bundles/accepted.tar.gz",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away at once
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(!err.contains("internal error"), "{err}");
    assert_ne!(status.code(), Some(4));
}

/// Colour on a terminal only, never with NO_COLOR; never in a pipe. The terminal is a
/// pseudo-terminal made by util-linux `script` (skipped where it is missing).
#[test]
fn colour_only_on_a_terminal_and_never_with_no_color() {
    let (_, piped, _) = evv(&["verify", "testdata/kry/savings_tampered.json"]);
    assert!(!piped.contains('\x1b'), "colour in a pipe");
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("SKIP: util-linux script not installed");
        return;
    }
    let cmd = format!(
        "{} verify testdata/kry/savings_tampered.json",
        env!("CARGO_BIN_EXE_evv")
    );
    let tty = |no_color: bool| {
        let mut c = Command::new("script");
        c.current_dir(root())
            .args(["-qec", &cmd, "/dev/null"])
            .env_remove("NO_COLOR");
        if no_color {
            c.env("NO_COLOR", "1");
        }
        String::from_utf8(c.output().unwrap().stdout).unwrap()
    };
    let coloured = tty(false);
    assert!(
        coloured.contains("\x1b[1;31mTAMPERED\x1b[0m"),
        "{coloured:?}"
    );
    let plain = tty(true);
    assert!(
        plain.contains("TAMPERED") && !plain.contains('\x1b'),
        "{plain:?}"
    );
}
