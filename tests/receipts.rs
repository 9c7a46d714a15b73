//! LIVE_HASHED receipts: the committed fixture corpus, every tamper case asserted by
//! finding code and status (library and CLI), SPEC.md's worked example and code table.

#[path = "support/receipts.rs"]
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use evv::receipts::{self, ReceiptOptions, ReconcileOptions, ThermoOptions, Tolerance};
use evv::verdict::{render_text, Report};
use support::{Case, Cmd};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/receipts")
}

fn file<'a>(c: &'a Case, name: &str) -> &'a [u8] {
    &c.files.iter().find(|(n, _)| *n == name).expect(name).1
}

/// Runs a case through the library exactly as the CLI would.
fn run(c: &Case) -> Report {
    match &c.cmd {
        Cmd::Receipts {
            thermo,
            require_usage,
            allow_hosts,
        } => {
            let mut r = Report::new("receipts", "receipts.jsonl");
            let opts = ReceiptOptions {
                allow_hosts: allow_hosts.iter().map(|s| s.to_string()).collect(),
            };
            let idx = receipts::verify_receipts(
                "receipts.jsonl",
                file(c, "receipts.jsonl"),
                &opts,
                &mut r,
            )
            .unwrap();
            if *thermo {
                receipts::verify_thermo(
                    "thermo.jsonl",
                    file(c, "thermo.jsonl"),
                    &idx,
                    ThermoOptions {
                        require_usage: *require_usage,
                    },
                    &mut r,
                )
                .unwrap();
            }
            r
        }
        Cmd::Reconcile {
            export,
            tolerance_tokens,
        } => {
            let mut r = Report::new("reconcile", "receipts.jsonl");
            let opts = ReconcileOptions {
                tolerance: Tolerance {
                    tokens: *tolerance_tokens,
                    ..Default::default()
                },
                ..Default::default()
            };
            receipts::reconcile(
                "receipts.jsonl",
                file(c, "receipts.jsonl"),
                export,
                file(c, export),
                &opts,
                &mut r,
            )
            .unwrap();
            r
        }
    }
}

fn codes(r: &Report) -> Vec<String> {
    let mut v: Vec<String> = r
        .failure_codes()
        .iter()
        .map(|c| c.id().to_string())
        .collect();
    v.sort();
    v
}

#[test]
fn committed_fixtures_do_not_drift() {
    let want = support::fixture_files();
    let root = testdata();
    if std::env::var_os("EVV_BLESS").is_some() {
        let _ = std::fs::remove_dir_all(&root);
        for (p, b) in &want {
            let path = root.join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, b).unwrap();
        }
    }
    let mut have = BTreeMap::new();
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("testdata/receipts exists (EVV_BLESS=1 to create)") {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                have.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    assert_eq!(
        have.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "file set drifted; EVV_BLESS=1 rewrites"
    );
    for (p, b) in &want {
        assert!(have[p] == *b, "{p} drifted; EVV_BLESS=1 rewrites");
    }
}

#[test]
fn every_fixture_yields_its_documented_status_and_codes() {
    for (group, c) in support::all_cases() {
        let r = run(&c);
        let mut want: Vec<String> = c.codes.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(codes(&r), want, "{group}/{}:\n{}", c.name, render_text(&r));
        assert_eq!(r.status().as_str(), c.status, "{group}/{}", c.name);
    }
}

#[test]
fn every_receipt_code_has_a_tamper_fixture() {
    let mut covered: Vec<&str> = support::tamper_cases()
        .iter()
        .flat_map(|c| c.codes.clone())
        .collect();
    covered.sort();
    for c in receipts::Code::ALL {
        assert!(
            covered.binary_search(&c.id()).is_ok(),
            "no tamper fixture asserts {}",
            c.id()
        );
    }
}

fn evv(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_evv"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
    )
}

#[test]
fn cli_exit_codes_match_for_every_committed_fixture() {
    for (group, c) in support::all_cases() {
        let dir = testdata().join(group).join(c.name);
        let line = support::command_line(&c);
        let args: Vec<&str> = line.split(' ').skip(1).collect();
        let (code, out) = evv(&dir, &args);
        let want = if c.status == "VALID" { 0 } else { 1 };
        assert_eq!(code, want, "{group}/{}: {line}\n{out}", c.name);
        if matches!(c.cmd, Cmd::Receipts { .. }) {
            assert!(out.starts_with(c.status), "{group}/{}: {out}", c.name);
        }
    }
}

#[test]
fn usage_errors_exit_2() {
    let dir = testdata().join("valid/openai_csv");
    assert_eq!(evv(&dir, &["receipts", "missing.jsonl"]).0, 2);
    assert_eq!(
        evv(&dir, &["receipts", "receipts.jsonl", "--require-usage"]).0,
        2
    );
    assert_eq!(
        evv(
            &dir,
            &[
                "reconcile",
                "receipts.jsonl",
                "--export",
                "export.csv",
                "--tolerance-pct",
                "1.234"
            ]
        )
        .0,
        2
    );
}

#[test]
fn verdict_text_snapshots() {
    let cases = support::tamper_cases();
    for name in ["fork", "reordered", "secret_value", "thermo_double_debit"] {
        let c = cases.iter().find(|c| c.name == name).unwrap();
        insta::assert_snapshot!(format!("receipts_{name}"), render_text(&run(c)));
    }
    let v = support::valid_cases();
    insta::assert_snapshot!("receipts_valid_openai_chain", render_text(&run(&v[0])));
    let gap = cases.iter().find(|c| c.name == "gap").unwrap();
    insta::assert_snapshot!("receipts_gap_json", evv::verdict::render_json(&run(gap)));
}

#[test]
fn python_dialect_matters_for_non_ascii() {
    // The producer is CPython with ensure_ascii: a non-ASCII model name must hash in
    // escaped form. A receipt chained in the canonicaljson dialect fails.
    use evv::canon::{self, Dialect, Value};
    let mut b = support::openai_bases();
    b[0].insert("model", "gpt-4o-mini-ü");
    let rs = support::chain(b.clone());
    let mut r = Report::new("receipts", "x");
    receipts::verify_receipts(
        "x",
        &support::jsonl(&rs)[..],
        &ReceiptOptions::default(),
        &mut r,
    )
    .unwrap();
    assert!(r.failure_codes().is_empty(), "{}", render_text(&r));
    // Same receipt, id computed over UTF-8 (canonicaljson) instead.
    let mut o = b[0].clone();
    let id = canon::sha256_hex(&Value::Object(o.clone()), Dialect::CanonicalJson).unwrap();
    o.insert("receipt_id", id);
    o.insert("prev_receipt_hash", evv::receipts::receipt::GENESIS);
    let h = canon::sha256_hex(&Value::Object(o.clone()), Dialect::CanonicalJson).unwrap();
    o.insert("receipt_hash", h);
    let mut r = Report::new("receipts", "x");
    receipts::verify_receipts(
        "x",
        &support::jsonl(&[o])[..],
        &ReceiptOptions::default(),
        &mut r,
    )
    .unwrap();
    assert!(r.has_failure(receipts::Code::IdMismatch));
    assert!(r.has_failure(receipts::Code::HashMismatch));
}

#[test]
fn many_failures_are_capped_but_counted() {
    let mut b = Vec::new();
    for i in 0..120 {
        let mut x = support::base("openai", i, "gpt-4o-mini", Some((1, 1)), 200);
        x.insert("lane", "DRY_RUN");
        b.push(x);
    }
    let rs = support::chain(b);
    let mut r = Report::new("receipts", "x");
    receipts::verify_receipts(
        "x",
        &support::jsonl(&rs)[..],
        &ReceiptOptions::default(),
        &mut r,
    )
    .unwrap();
    assert_eq!(codes(&r), vec!["receipts.content.lane"]);
    assert_eq!(r.counts().1, 120);
}

#[test]
fn overlong_line_fails_closed() {
    let mut bytes = vec![b' '; evv::receipts::verify::MAX_LINE + 10];
    bytes.push(b'\n');
    let mut r = Report::new("receipts", "x");
    receipts::verify_receipts("x", &bytes[..], &ReceiptOptions::default(), &mut r).unwrap();
    assert_eq!(codes(&r), vec!["json.parse", "receipts.file.empty"]);
}

/// SPEC.md §9 carries a worked example computed from the first OpenAI fixture receipt;
/// this keeps the text and the code in agreement.
#[test]
fn spec_worked_example_matches() {
    use evv::canon::{self, Dialect, Value};
    let spec =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("SPEC.md")).unwrap();
    let r = &support::openai_receipts()[0];
    let id_pre = canon::to_vec(
        &Value::Object(r.without(&evv::receipts::receipt::CHAIN_FIELDS)),
        Dialect::Python,
    )
    .unwrap();
    let hash_pre = canon::to_vec(
        &Value::Object(r.without(&["receipt_hash"])),
        Dialect::Python,
    )
    .unwrap();
    let flat: String = spec.split_whitespace().collect();
    for needle in [
        String::from_utf8(id_pre.clone()).unwrap(),
        hex::encode(&id_pre),
        hex::encode(&hash_pre),
        support::hash_of(r),
        r.get("receipt_id").unwrap().as_str().unwrap().to_string(),
        evv::receipts::receipt::schema_version_hash(),
    ] {
        assert!(flat.contains(&needle), "SPEC.md lacks {needle}");
    }
}

#[test]
fn spec_code_table_matches_the_code() {
    let spec =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("SPEC.md")).unwrap();
    let start = spec.find("## 9. LIVE_HASHED receipts").unwrap();
    let end = spec[start..]
        .find("\n## 10.")
        .map_or(spec.len(), |e| start + e);
    let sec = &spec[start..end];
    let rows: Vec<&str> = sec
        .lines()
        .filter(|l| l.starts_with("| `receipts."))
        .collect();
    let want: Vec<String> = receipts::Code::ALL
        .iter()
        .map(|c| {
            format!(
                "| `{}` | {} | {} |",
                c.id(),
                c.class().as_str(),
                c.explain()
            )
        })
        .collect();
    assert_eq!(rows, want.iter().map(String::as_str).collect::<Vec<_>>());
}
