//! `evv reconcile`: the report is snapshot-tested, byte-identical across runs and
//! processes, and the tolerances behave as documented.

#[path = "support/receipts.rs"]
mod support;

use std::path::Path;

use evv::receipts::{self, ReconcileOptions, Tolerance};
use evv::verdict::Report;

fn report(receipts: &[u8], export: &[u8], ename: &str, tol: Tolerance) -> (Report, String) {
    let mut r = Report::new("reconcile", "receipts.jsonl");
    let opts = ReconcileOptions {
        tolerance: tol,
        ..Default::default()
    };
    let rec =
        receipts::reconcile("receipts.jsonl", receipts, ename, export, &opts, &mut r).unwrap();
    assert_eq!(rec.pass(), r.failure_codes().is_empty());
    (r, rec.render())
}

fn case(name: &str) -> support::Case {
    support::valid_cases()
        .into_iter()
        .chain(support::tamper_cases())
        .find(|c| c.name == name)
        .unwrap()
}

fn files(c: &support::Case) -> (&[u8], &str, &[u8]) {
    let r = &c.files[0].1;
    let (en, e) = (&c.files[1].0, &c.files[1].1);
    (r, en, e)
}

#[test]
fn reports_are_snapshotted() {
    for name in [
        "openai_json",
        "openrouter_csv",
        "usage_mismatch",
        "unmatched_receipt",
        "unmatched_export_row",
        "duplicate_request",
        "export_malformed",
    ] {
        let c = case(name);
        let (r, e_name, e) = files(&c);
        let (_, text) = report(r, e, e_name, Tolerance::default());
        insta::assert_snapshot!(format!("reconcile_{name}"), text);
    }
}

#[test]
fn reports_are_byte_identical_across_runs_and_processes() {
    for name in ["openai_csv", "usage_mismatch", "time_mismatch"] {
        let c = case(name);
        let (r, en, e) = files(&c);
        let a = report(r, e, en, Tolerance::default()).1;
        let b = report(r, e, en, Tolerance::default()).1;
        assert_eq!(a, b);
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/receipts")
            .join(if name == "openai_csv" {
                "valid"
            } else {
                "tamper"
            })
            .join(name);
        let run = || {
            std::process::Command::new(env!("CARGO_BIN_EXE_evv"))
                .current_dir(&dir)
                .args(["reconcile", "receipts.jsonl", "--export", en])
                .output()
                .unwrap()
        };
        let (x, y) = (run(), run());
        assert_eq!(x.stdout, y.stdout);
        assert_eq!(
            String::from_utf8(x.stdout).unwrap(),
            a,
            "CLI and library agree"
        );
        assert_eq!(
            x.status.code(),
            Some(if name == "openai_csv" { 0 } else { 1 })
        );
    }
}

#[test]
fn token_tolerances() {
    let c = case("usage_mismatch"); // prompt and total are 50 over
    let (r, en, e) = files(&c);
    let t = |tokens, pct: &str| Tolerance {
        tokens,
        pct_hundredths: Tolerance::parse_pct(pct).unwrap(),
        ..Default::default()
    };
    assert!(report(r, e, en, t(49, "0"))
        .0
        .has_failure(receipts::Code::UsageMismatch));
    assert!(report(r, e, en, t(50, "0")).0.failure_codes().is_empty());
    // 50 of 1084 prompt tokens = 4.61 %; of 1305 total = 3.83 %.
    assert!(report(r, e, en, t(0, "4.6"))
        .0
        .has_failure(receipts::Code::UsageMismatch));
    assert!(report(r, e, en, t(0, "4.62")).0.failure_codes().is_empty());
}

#[test]
fn time_tolerance() {
    let c = case("time_mismatch"); // one hour late
    let (r, en, e) = files(&c);
    let t = |ms| Tolerance {
        time_ms: ms,
        ..Default::default()
    };
    assert!(report(r, e, en, t(3_590_000))
        .0
        .has_failure(receipts::Code::TimeMismatch));
    assert!(report(r, e, en, t(3_600_000)).0.failure_codes().is_empty());
}

#[test]
fn jsonl_exports_and_request_id_hashes() {
    // A JSONL export that carries only hashed request ids joins the same way.
    let oa = support::openai_receipts();
    let mut e = Vec::new();
    for row in support::rows_of(&oa, "openai") {
        e.extend_from_slice(
            format!(
                "{{\"request_id_sha256\":\"{}\",\"model\":\"{}\",\"timestamp_ms\":{},\"input_tokens\":{},\"output_tokens\":{}}}\n",
                evv::crypto::hash::sha256_hex(row.id.as_bytes()),
                row.model,
                row.t_ms,
                row.prompt,
                row.completion
            )
            .as_bytes(),
        );
    }
    let (r, text) = report(
        &support::jsonl(&oa),
        &e,
        "export.jsonl",
        Tolerance::default(),
    );
    assert!(r.failure_codes().is_empty(), "{text}");
    assert!(text.contains("\"export_format\": \"jsonl\""));
}

#[test]
fn ambiguous_export_columns_fail() {
    let oa = support::openai_receipts();
    let e = b"id,request_id,created,model,prompt_tokens,completion_tokens\nx,y,1,gpt-4o,1,1\n";
    let (r, _) = report(&support::jsonl(&oa), e, "export.csv", Tolerance::default());
    assert!(r.has_failure(receipts::Code::ExportMalformed));
    let e = b"id,created,model,prompt_tokens,completion_tokens,prompt_tokens\n";
    let (r, _) = report(&support::jsonl(&oa), e, "export.csv", Tolerance::default());
    assert!(r.has_failure(receipts::Code::ExportMalformed));
    let (r, _) = report(
        &support::jsonl(&oa),
        b"",
        "export.csv",
        Tolerance::default(),
    );
    assert!(r.has_failure(receipts::Code::ExportMalformed));
}

#[test]
fn receipt_failures_fail_the_reconciliation() {
    let c = case("content_edited");
    let oa = support::openai_receipts();
    let rows = support::rows_of(&oa, "openai");
    let (r, text) = report(
        &c.files[0].1,
        &support::openai_csv(&rows),
        "export.csv",
        Tolerance::default(),
    );
    assert!(r.has_failure(receipts::Code::IdMismatch));
    assert!(text.contains("\"pass\": false"));
}
