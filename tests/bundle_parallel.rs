//! The trace chain, the REQ_SEEN ledger and the story are checked in batches of lines
//! on the rayon pool (src/container/lines.rs `pipeline`). These tests make the trace and
//! the ledger span many batches (tiny batch sizes) and assert that the verdict, in
//! JSON and in text, is byte-identical with 1 and 2 threads and whatever the batch
//! size, on a valid bundle and on tampered ones, and that each tampered line is
//! reported at its line with its code.

#[path = "support/bundle.rs"]
mod fixture;

use evv::bundle::{BundleOptions, Code as B};
use evv::canon::Object;
use evv::container::lines::set_batch_bytes;
use evv::verdict::{render_json, render_text, Code, Report, Status};
use fixture::*;

/// Events of the long trace (a few hundred bytes each).
const EVENTS: usize = 400;
/// Leaves of the long ledger.
const LEAVES: u64 = 500;
const TRACE: &str = "payload/trace_events.jsonl";
const STORY: &str = "payload/if_story.md";

fn ledger_path() -> String {
    format!("payload/req_seen/{HOUR}.jsonl")
}

/// A valid bundle whose trace and ledger have hundreds of lines.
fn long_bundle() -> (Bundle, Keys) {
    let k = keys();
    let mut types = vec!["req_seen".to_string(), "request_received".to_string()];
    types.extend(std::iter::repeat_n(
        "retrieval_done".to_string(),
        EVENTS - 3,
    ));
    types.push("trace_finalizing".to_string());
    let p = Params {
        ledger_size: LEAVES,
        leaf_index: LEAVES - 2,
        types: Some(types),
        ..Params::accepted()
    };
    (build(&p, &k), k)
}

/// Verifies `b` on a pool of `threads` threads with batches of `batch` bytes (0: the
/// default) and renders the verdict as JSON and as text.
fn run(b: &Bundle, k: &Keys, threads: usize, batch: usize, order: Order) -> (Report, String) {
    // The batch size is process-wide: one verification at a time in this file.
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    set_batch_bytes(batch);
    let r = pool.install(|| {
        verify_with(
            b,
            BundleOptions {
                trust: k.trust(),
                record: None,
            },
            order,
            None,
        )
    });
    set_batch_bytes(0);
    let out = format!("{}\n{}", render_json(&r), render_text(&r));
    (r, out)
}

/// Every (threads, batch size, order) gives the same bytes; returns the report.
fn same_everywhere(b: &Bundle, k: &Keys) -> Report {
    let (r, want) = run(b, k, 1, 0, Order::Sorted);
    for threads in [1, 2] {
        for batch in [1, 700, 4096] {
            let (_, got) = run(b, k, threads, batch, Order::Sorted);
            assert_eq!(got, want, "{threads} threads, {batch}-byte batches");
        }
    }
    // Trace before the manifest: hashed under all three dialects, same verdict.
    let (_, early) = run(b, k, 1, 0, Order::ManifestLast);
    for threads in [1, 2] {
        let (_, got) = run(b, k, threads, 512, Order::ManifestLast);
        assert_eq!(got, early, "manifest last, {threads} threads");
    }
    r
}

/// True if a failure with `code` names `file` at `line`.
fn failed_at(r: &Report, code: impl Into<Code>, file: &str, line: u64) -> bool {
    let c = code.into();
    r.failures()
        .any(|f| f.code == c && f.subject.file == file && f.subject.line == Some(line))
}

/// Replaces line `no` (1-based) of `file`.
fn edit_line(b: &mut Bundle, file: &str, no: usize, f: impl FnOnce(&str) -> String) {
    let text = String::from_utf8(b.files[file].clone()).unwrap();
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    lines[no - 1] = f(&lines[no - 1]);
    b.files
        .insert(file.to_string(), lines.join("\n").into_bytes());
}

/// Edits the JSON object on line `no` of `file` and writes it back canonically.
fn edit_obj(b: &mut Bundle, file: &str, no: usize, f: impl FnOnce(&mut Object)) {
    edit_line(b, file, no, |l| {
        let mut v = evv::canon::parse(l.as_bytes()).unwrap();
        f(v.as_object_mut().unwrap());
        String::from_utf8(cj(&v)).unwrap()
    });
}

#[test]
fn valid_long_bundle_is_identical_for_any_threads_and_batches() {
    let (b, k) = long_bundle();
    assert!(b.files[TRACE].len() > 100 * 700);
    let r = same_everywhere(&b, &k);
    assert_eq!(
        r.status(),
        Status::Valid,
        "{}",
        evv::verdict::render_text(&r)
    );
}

#[test]
fn tampered_trace_lines_reported_at_their_lines() {
    let (mut b, k) = long_bundle();
    // An event edited after hashing (its hash no longer matches).
    edit_obj(&mut b, TRACE, 123, |o| {
        o.insert("ts", "2026-11-23T19:05:08.000Z");
    });
    edit_line(&mut b, TRACE, 200, |l| {
        l.replace("\"seq\":199", "\"seq\":1999")
    });
    // Not JSON.
    edit_line(&mut b, TRACE, 250, |l| l[..l.len() - 1].to_string());
    // A line over the 1 MiB cap.
    edit_line(&mut b, TRACE, 300, |_| "x".repeat((1 << 20) + 5));
    // A broken story anchor.
    edit_line(&mut b, STORY, 321, |l| format!("z{}", &l[1..]));
    // No final line feed.
    let t = b.files.get_mut(TRACE).unwrap();
    assert_eq!(t.pop(), Some(b'\n'));
    let r = same_everywhere(&b, &k);
    for (code, line) in [
        (B::TraceEventHash, 123),
        (B::TraceSeqGap, 200),
        (B::TraceSeqGap, 201),
        (B::TraceLineInvalid, 300),
        (B::TraceLineInvalid, EVENTS as u64),
    ] {
        assert!(
            failed_at(&r, code, TRACE, line),
            "{code:?} at line {line}: {}",
            render_text(&r)
        );
    }
    assert!(failed_at(&r, evv::canon::Code::Parse, TRACE, 250));
    assert!(failed_at(&r, B::StoryAnchorMissing, STORY, 321));
    // The edited event's successor still links to its written hash; the unreadable
    // lines break the links after them.
    assert!(!failed_at(&r, B::TracePrevHash, TRACE, 124));
}

#[test]
fn tampered_ledger_lines_reported_at_their_lines() {
    let (mut b, k) = long_bundle();
    let path = ledger_path();
    // Edited after hashing.
    edit_obj(&mut b, &path, 101, |o| {
        o.insert("client_sha256", "a".repeat(64));
    });
    // Raw content.
    edit_obj(&mut b, &path, 222, |o| {
        o.insert("client_sha256", "a@b.example");
    });
    // Not JSON.
    edit_line(&mut b, &path, 333, |l| format!("{l},"));
    // Wrong index.
    edit_line(&mut b, &path, 444, |l| {
        l.replace("\"index\":443", "\"index\":7")
    });
    let r = same_everywhere(&b, &k);
    for (code, line) in [(B::ReqSeenLeafHash, 101), (B::ReqSeenEntryInvalid, 444)] {
        assert!(
            failed_at(&r, code, &path, line),
            "{code:?} at line {line}: {}",
            render_text(&r)
        );
    }
    assert!(failed_at(&r, evv::canon::Code::Parse, &path, 333));
    assert!(failed_at(&r, B::ReqSeenPrivacy, &path, 222));
    assert!(r.has_failure(B::ReqSeenRoot));
}

#[test]
fn many_failures_of_one_code_keep_the_same_listing() {
    // More failures of one code than are listed (MAX_FINDINGS_PER_CODE), spread over
    // many batches: the listed ones and the count beyond the cap are the same.
    let (mut b, k) = long_bundle();
    for no in (3..EVENTS - 1).step_by(3) {
        edit_obj(&mut b, TRACE, no, |o| {
            o.insert("ts", "t");
        });
    }
    let path = ledger_path();
    for no in (1..LEAVES as usize - 3).step_by(4) {
        edit_obj(&mut b, &path, no, |o| {
            o.insert("client_sha256", "b".repeat(64));
        });
    }
    let r = same_everywhere(&b, &k);
    assert!(r.counts().1 > 100, "{}", render_text(&r));
}

#[test]
fn evv_verify_output_is_identical_for_rayon_num_threads_1_and_2() {
    // The binary path (container streaming into the sink), valid and tampered.
    let (valid, k) = long_bundle();
    let mut tampered = valid.clone();
    edit_obj(&mut tampered, TRACE, 77, |o| {
        o.insert("ts", "t");
    });
    edit_obj(&mut tampered, &ledger_path(), 88, |o| {
        o.insert("client_sha256", "c".repeat(64));
    });
    let dir = tempfile::tempdir().unwrap();
    let trust = dir.path().join("trust.json");
    std::fs::write(&trust, k.trust_json()).unwrap();
    for (name, b, want) in [("valid", &valid, 0), ("tampered", &tampered, 1)] {
        let path = dir.path().join(format!("{name}.tar.gz"));
        std::fs::write(&path, tar_gz(b)).unwrap();
        for format in ["json", "text"] {
            let run = |threads: &str| {
                std::process::Command::new(env!("CARGO_BIN_EXE_evv"))
                    .args(["--format", format, "verify", "--trust"])
                    .arg(&trust)
                    .arg(&path)
                    .env("RAYON_NUM_THREADS", threads)
                    .output()
                    .unwrap()
            };
            let (one, two) = (run("1"), run("2"));
            assert_eq!(one.status.code(), Some(want), "{name} {format}");
            assert_eq!(one.status.code(), two.status.code());
            assert_eq!(one.stdout, two.stdout, "{name} {format}");
            assert!(!one.stdout.is_empty());
        }
    }
}
