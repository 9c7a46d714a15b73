//! `evv receipts` and `evv reconcile` check lines in parallel batches and apply the
//! chain checks in line order: the output must be byte-identical whatever the thread
//! count and batch size, on valid and on tampered inputs that span many batches, and
//! every finding must name the line it is about.

#[path = "support/receipts.rs"]
mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use evv::canon::Object;

/// Receipts per generated file (about 1 KB per line).
const N: u64 = 240;
/// Batch size forced through the hidden knob: a few lines per batch.
const SMALL_BATCH: &str = "3000";

fn bases() -> Vec<Object> {
    (0..N)
        .map(|i| {
            let model = ["gpt-4o-mini", "gpt-4o", "o3-mini"][i as usize % 3];
            support::base("openai", i, model, Some((10 + i, 1 + i % 50)), 200)
        })
        .collect()
}

fn line_of(r: &Object) -> Vec<u8> {
    let mut l = support::jsonl(std::slice::from_ref(r));
    l.pop();
    l
}

/// Runs evv with `threads` rayon threads and, when given, the batch size knob.
fn run(dir: &Path, args: &[&str], threads: u32, batch: Option<&str>) -> (i32, Vec<u8>) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_evv"));
    c.current_dir(dir)
        .args(args)
        .env("RAYON_NUM_THREADS", threads.to_string())
        .env_remove("EVV_BATCH_BYTES");
    if let Some(b) = batch {
        c.env("EVV_BATCH_BYTES", b);
    }
    let out = c.output().unwrap();
    (out.status.code().unwrap_or(-1), out.stdout)
}

/// The same command under 1 and 2 threads, one big batch and many small ones: every
/// run must print exactly the same bytes with the same exit code. Returns that output.
fn identical(dir: &Path, args: &[&str]) -> (i32, Vec<u8>) {
    let reference = run(dir, args, 1, None);
    for (threads, batch) in [
        (2, None),
        (1, Some(SMALL_BATCH)),
        (2, Some(SMALL_BATCH)),
        (2, Some("1")),
    ] {
        let got = run(dir, args, threads, batch);
        assert_eq!(
            got.0, reference.0,
            "exit code differs: {args:?} threads={threads} batch={batch:?}"
        );
        assert!(
            got.1 == reference.1,
            "output differs: {args:?} threads={threads} batch={batch:?}\n--- reference\n{}\n--- got\n{}",
            String::from_utf8_lossy(&reference.1),
            String::from_utf8_lossy(&got.1)
        );
    }
    reference
}

/// (code, line) of every failing finding of a JSON verdict or reconciliation report.
/// Asserts that every wanted (code, line) failure was reported.
fn assert_each_at(got: &BTreeSet<(String, u64)>, want: &[(&str, u64)], what: &str) {
    for (c, l) in want {
        assert!(
            got.contains(&(c.to_string(), *l)),
            "{what}: missing {c} at line {l}; got {got:?}"
        );
    }
}

fn failures(json: &[u8]) -> BTreeSet<(String, u64)> {
    let v: serde_json::Value = serde_json::from_slice(json).unwrap();
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f.get("outcome").is_none_or(|o| o == "fail"))
        .map(|f| {
            let line = f
                .get("subject")
                .unwrap_or(f)
                .get("line")
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(0);
            (f["code"].as_str().unwrap().to_string(), line)
        })
        .collect()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap();
}

#[test]
fn valid_chain_is_identical_across_threads_and_batches() {
    let dir = tempfile::tempdir().unwrap();
    let rs = support::chain(bases());
    let bytes = support::jsonl(&rs);
    assert!(bytes.len() > 40 * SMALL_BATCH.parse::<usize>().unwrap());
    write(dir.path(), "receipts.jsonl", &bytes);
    let rows = support::rows_of(&rs, "openai");
    write(dir.path(), "export.csv", &support::openai_csv(&rows));

    let (code, text) = identical(dir.path(), &["receipts", "receipts.jsonl"]);
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&text));
    assert!(text.starts_with(b"VALID"));
    let (code, json) = identical(
        dir.path(),
        &["--format", "json", "receipts", "receipts.jsonl"],
    );
    assert_eq!(code, 0);
    assert!(failures(&json).is_empty());
    let (code, rep) = identical(
        dir.path(),
        &["reconcile", "receipts.jsonl", "--export", "export.csv"],
    );
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&rep));
    let v: serde_json::Value = serde_json::from_slice(&rep).unwrap();
    assert_eq!(v["counts"]["matched"], N);
}

#[test]
fn tampered_chain_is_identical_and_findings_name_their_lines() {
    let dir = tempfile::tempdir().unwrap();
    let rs = support::chain(bases());
    let mut lines: Vec<Vec<u8>> = Vec::new();
    // (code, 1-based line) every run must report.
    let mut want: Vec<(&str, u64)> = Vec::new();
    let mut rows = support::rows_of(&rs, "openai");
    for (i, r) in rs.iter().enumerate() {
        let i = i as u64;
        match i {
            // Content edited after chaining: both digests mismatch on this line.
            30 => {
                let mut t = r.clone();
                t.insert("latency_ms", 1u64);
                t.insert("t_end_ms", support::t_start(i) + 1);
                lines.push(line_of(&t));
                let l = lines.len() as u64;
                want.push(("receipts.chain.id_mismatch", l));
                want.push(("receipts.chain.hash_mismatch", l));
            }
            // Replayed receipt: the copy is a duplicate.
            60 => {
                lines.push(line_of(r));
                lines.push(line_of(r));
                want.push(("receipts.chain.duplicate_id", lines.len() as u64));
            }
            // Swapped with its successor: reordered.
            100 => {
                lines.push(line_of(&rs[101]));
                lines.push(line_of(r));
                want.push(("receipts.chain.reordered", lines.len() as u64));
            }
            101 => {}
            // Removed: its successor names a missing predecessor.
            150 => {
                want.push(("receipts.chain.gap", lines.len() as u64 + 1));
                rows.retain(|row| row.id != support::request_id("openai", 150));
            }
            // Not JSON, and a line longer than the line limit (longer than a batch).
            180 => {
                lines.push(line_of(r));
                lines.push(b"this is not json".to_vec());
                want.push(("json.parse", lines.len() as u64));
                lines.push(vec![b' '; evv::receipts::verify::MAX_LINE + 10]);
                want.push(("json.parse", lines.len() as u64));
            }
            // A secret-shaped value in an undeclared field, chained properly.
            _ if i == N - 1 => {
                let mut t = r.clone();
                t.insert("note", "sk-proj-abcdefghijklmnopqrstuvwx");
                support::rechain(&mut t, &support::hash_of(&rs[i as usize - 1]));
                lines.push(line_of(&t));
                let l = lines.len() as u64;
                want.push(("receipts.privacy.secret_value", l));
                want.push(("receipts.content.unknown_field", l));
            }
            _ => lines.push(line_of(r)),
        }
    }
    // The last line has no newline.
    let bytes = lines.join(&b'\n');
    write(dir.path(), "receipts.jsonl", &bytes);
    // The export bills every receipt left in the file (the replayed one twice claims
    // its row: a duplicate request on top of the receipt findings).
    write(dir.path(), "export.csv", &support::openai_csv(&rows));

    let (code, text) = identical(dir.path(), &["receipts", "receipts.jsonl"]);
    assert_eq!(code, 1, "{}", String::from_utf8_lossy(&text));
    let (code, json) = identical(
        dir.path(),
        &["--format", "json", "receipts", "receipts.jsonl"],
    );
    assert_eq!(code, 1);
    let got = failures(&json);
    assert_each_at(&got, &want, "receipts");
    let codes: BTreeSet<&str> = got.iter().map(|(c, _)| c.as_str()).collect();
    let want_codes: BTreeSet<&str> = want.iter().map(|(c, _)| *c).collect();
    assert_eq!(codes, want_codes, "unexpected codes: {got:?}");

    let (code, rep) = identical(
        dir.path(),
        &["reconcile", "receipts.jsonl", "--export", "export.csv"],
    );
    assert_eq!(code, 1);
    let got = failures(&rep);
    assert_each_at(&got, &want, "reconcile");
    assert!(got.contains(&("receipts.reconcile.duplicate_request".to_string(), 62)));
}
