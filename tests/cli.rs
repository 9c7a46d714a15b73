//! Process-level behaviour of the `evv` binary that is independent of any format.

use std::process::Command;

fn evv(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_evv"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap()
}

#[test]
fn internal_errors_exit_4_without_backtrace() {
    let out = evv(&["__internal-error-selftest"]);
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("internal error"), "{err}");
    assert!(err.contains("Please report"), "{err}");
    assert!(
        !err.contains("stack backtrace") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(evv(&["no-such-command"]).status.code(), Some(2));
    assert_eq!(
        evv(&["canon", "--dialect", "nope", "x.json"]).status.code(),
        Some(2)
    );
    assert_eq!(
        evv(&["canon", "/nonexistent/evv-test.json"]).status.code(),
        Some(2)
    );
}

#[test]
fn canon_refuses_bad_json_with_a_located_diagnostic() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.json");
    std::fs::write(&p, b"{\n  \"a\": 1,\n  \"a\": 2\n}").unwrap();
    let out = evv(&["canon", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("duplicate object key"), "{err}");
    assert!(err.contains("line 1 column 1"), "{err}");
    std::fs::write(&p, b"[1, NaN]").unwrap();
    let out = evv(&["canon", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("NaN is not JSON"));
}

#[test]
fn canon_and_hash_write_exact_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("v.json");
    std::fs::write(&p, "{\"b\":1.0,\"a\":\"é\"}").unwrap();
    let out = evv(&["canon", "--dialect", "python", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(out.stdout, b"{\"a\":\"\\u00e9\",\"b\":1.0}");
    let out = evv(&["canon", "--dialect", "jcs", p.to_str().unwrap()]);
    assert_eq!(out.stdout, "{\"a\":\"é\",\"b\":1}".as_bytes());
    let out = evv(&["hash", "--dialect", "jcs", p.to_str().unwrap()]);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        evv::crypto::hash::sha256_hex("{\"a\":\"é\",\"b\":1}".as_bytes())
    );
}

#[test]
fn completions_and_man_are_generated_from_clap() {
    for shell in ["bash", "zsh", "fish"] {
        let out = evv(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let s = String::from_utf8(out.stdout).unwrap();
        assert!(s.contains("verify") && s.contains("explain"), "{shell}");
    }
    let out = evv(&["man"]);
    assert_eq!(out.status.code(), Some(0));
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(
        s.starts_with(".ie") || s.contains(".TH evv"),
        "{}",
        &s[..80.min(s.len())]
    );
    assert!(s.contains(".TH evv-verify"));
}
