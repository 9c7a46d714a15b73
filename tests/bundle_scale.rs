//! Scale benchmark (ignored by default; run by `scripts/bench_bundle.sh`):
//! `generate` writes a valid bundle directory with a 1,000,000-event chain, a
//! 1,000,000-line story and a 1,000,000-leaf REQ_SEEN ledger to `$EVV_BENCH_DIR`,
//! streaming (nothing large in memory); `verify` streams it through `BundleSink`
//! and prints the time and the process's peak RSS.

#[path = "support/bundle.rs"]
mod fixture;

use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use evv::bundle::{BundleOptions, BundleSink};
use evv::canon::{self, Dialect, Object, Value};
use evv::container::{EntrySink, FileRecord};
use evv::crypto::hash::{sha256, sha256_hex};
use evv::crypto::merkle::{self, RootBuilder};
use evv::obj;
use evv::verdict::{Report, Status};
use fixture::*;
use sha2::{Digest, Sha256};

fn bench_dir() -> PathBuf {
    PathBuf::from(std::env::var("EVV_BENCH_DIR").expect("set EVV_BENCH_DIR"))
}

fn n(var: &str) -> u64 {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

/// A file writer that hashes what it writes.
struct HashingFile {
    w: BufWriter<std::fs::File>,
    h: Sha256,
    len: u64,
}

impl HashingFile {
    fn create(p: &Path) -> Self {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        HashingFile {
            w: BufWriter::with_capacity(1 << 20, std::fs::File::create(p).unwrap()),
            h: Sha256::new(),
            len: 0,
        }
    }
    fn put(&mut self, b: &[u8]) {
        self.w.write_all(b).unwrap();
        self.h.update(b);
        self.len += b.len() as u64;
    }
    fn done(mut self) -> String {
        self.w.flush().unwrap();
        hex::encode(self.h.finalize())
    }
}

#[test]
#[ignore]
fn generate() {
    let dir = bench_dir();
    let pay = dir.join("payload");
    let _ = std::fs::remove_dir_all(&pay);
    let (events_n, leaves_n) = (n("EVV_BENCH_EVENTS").max(3), n("EVV_BENCH_LEAVES").max(1));
    let k = keys();
    let p = Params::accepted();
    let d = Dialect::CanonicalJson;
    let request = request_bytes(&p);
    let response = response_bytes(&p);
    let w = |rel: &str, b: &[u8]| {
        std::fs::create_dir_all(pay.join(rel).parent().unwrap()).unwrap();
        std::fs::write(pay.join(rel), b).unwrap();
    };
    w("request.json", &request);
    w("response.txt", &response);
    w(
        "response_headers.json",
        &headers_bytes(&k, &p.trace_id, &response),
    );

    // Ledger: this request is the last leaf, so its audit path is the builder's stack.
    let mut ledger = HashingFile::create(&pay.join(format!("req_seen/{HOUR}.jsonl")));
    let mut rb = RootBuilder::new();
    let mut proof = Vec::new();
    let mut mine = Object::new();
    for i in 0..leaves_n {
        let e = if i + 1 == leaves_n {
            proof = rb.subtree_roots().rev().copied().collect();
            mine = entry(HOUR, i, &p.trace_id, &request, false);
            mine.clone()
        } else {
            entry(HOUR, i, "other", b"other", i % 3 == 1)
        };
        let lh =
            evv::crypto::hash::parse_hex32(e.get("leaf_hash").unwrap().as_str().unwrap()).unwrap();
        rb.push_data(&lh);
        ledger.put(&cj(&Value::Object(e)));
        ledger.put(b"\n");
    }
    ledger.done();
    let mut head = obj! {
        "schema" => "if.emotion.req_seen_head.v1",
        "hour" => HOUR,
        "count" => leaves_n,
        "merkle_root" => hex::encode(rb.root()),
        "key_id" => "ed25519-app-v1",
        "public_key" => base64::Engine::encode(&base64::engine::general_purpose::STANDARD, k.app_pk()),
    }
    .as_object()
    .unwrap()
    .clone();
    sign_head(&k, &mut head);
    w(
        &format!("req_seen/heads/{HOUR}.json"),
        &cj(&Value::Object(head)),
    );

    // Chain and story.
    let witness = obj! {
        "hour" => HOUR,
        "entry" => Value::Object(mine),
        "tree_size" => leaves_n,
        "inclusion_proof" => Value::Array(proof.iter().map(|h| Value::from(hex::encode(h))).collect()),
    };
    let mut trace = HashingFile::create(&pay.join("trace_events.jsonl"));
    let mut story = HashingFile::create(&pay.join("if_story.md"));
    let mut prev = GENESIS.to_string();
    for i in 0..events_n {
        let (t, data) = match i {
            0 => ("req_seen", witness.clone()),
            1 => (
                "request_received",
                obj! {"route" => "/api/chat/completions"},
            ),
            x if x + 1 == events_n => (
                "trace_finalizing",
                obj! {"response_sha256" => sha256_hex(&response)},
            ),
            x => (
                "retrieval_done",
                obj! {"k" => 3, "passages_sha256" => sha256_hex(&x.to_le_bytes())},
            ),
        };
        let mut e = obj! {
            "seq" => i,
            "trace_id" => p.trace_id.as_str(),
            "type" => t,
            "ts" => "2026-11-23T19:05:07.000Z",
            "data" => data,
            "prev_hash" => prev.as_str(),
        }
        .as_object()
        .unwrap()
        .clone();
        let h = canon::sha256_hex(&Value::Object(e.clone()), d).unwrap();
        e.insert("event_hash", h.as_str());
        trace.put(&canon::to_vec(&Value::Object(e), d).unwrap());
        trace.put(b"\n");
        story.put(format!("{h} {i}. {t}\n").as_bytes());
        prev = h;
    }
    let trace_sha = trace.done();
    let story_sha = story.done();

    // Priors, manifest, record, sums.
    let mut children = Vec::new();
    let mut records = Vec::new();
    let mut rprev = GENESIS.to_string();
    for (i, (path, sha)) in [
        ("trace_events.jsonl", trace_sha),
        ("if_story.md", story_sha),
    ]
    .into_iter()
    .enumerate()
    {
        let h = handle(path);
        children.push(obj! {"path" => path, "sha256" => sha.as_str(), "handle" => h.as_str()});
        let mut r = obj! {"seq" => i as u64, "handle" => h.as_str(), "content_sha256" => sha.as_str(), "prev_record_hash" => rprev.as_str()}
            .as_object()
            .unwrap()
            .clone();
        sign_chain_record(&mut r, &k, d);
        rprev = r.get("record_hash").unwrap().as_str().unwrap().to_string();
        records.push(Value::Object(r));
    }
    w(
        "ttt_children.json",
        &cj(&obj! {"schema" => "if.ttt.children.v1", "children" => Value::Array(children)}),
    );
    w(
        "ttt_children_chain_records.json",
        &cj(&obj! {"schema" => "if.ttt.chain_records.v1", "records" => Value::Array(records)}),
    );
    let listed = list_files(&pay);
    let files: Vec<Value> = listed
        .iter()
        .map(|(rel, size, sha)| obj! {"path" => rel.as_str(), "size" => *size, "sha256" => sha.as_str()})
        .collect();
    let manifest = cj(&obj! {
        "schema" => "if.emotion.evidence_bundle.v2",
        "trace_id" => p.trace_id.as_str(),
        "created" => "2026-11-23T19:05:09Z",
        "canonical_json" => "canonicaljson",
        "files" => Value::Array(files),
    });
    w("manifest.json", &manifest);
    let mut rec = obj! {
        "schema" => "if.ttt.signed_record.v1",
        "trace_id" => p.trace_id.as_str(),
        "manifest_sha256" => sha256_hex(&manifest),
        "final_event_hash" => prev.as_str(),
        "event_count" => events_n,
        "req_seen_hour" => HOUR,
        "req_seen_root" => hex::encode(rb.root()),
    }
    .as_object()
    .unwrap()
    .clone();
    let msg = cj(&Value::Object(rec.clone()));
    rec.insert("signatures", k.hybrid(&msg));
    w("ttt_signed_record.json", &cj(&Value::Object(rec)));
    let mut sums = String::new();
    for (rel, _, sha) in list_files(&pay) {
        sums += &format!("{sha}  {rel}\n");
    }
    sums += &format!("{}  manifest.json\n", sha256_hex(&manifest));
    w("sha256s.txt", sums.as_bytes());
    eprintln!(
        "generated {events_n} events and {leaves_n} leaves in {}",
        dir.display()
    );
}

/// (path relative to payload/, size, sha256) of every file except the unlisted ones.
fn list_files(pay: &Path) -> Vec<(String, u64, String)> {
    let mut out = Vec::new();
    for p in sorted_files(pay) {
        let rel = p.strip_prefix(pay).unwrap().to_string_lossy().into_owned();
        if UNLISTED.contains(&format!("payload/{rel}").as_str()) {
            continue;
        }
        let mut f = std::fs::File::open(&p).unwrap();
        let mut h = Sha256::new();
        let size = std::io::copy(&mut f, &mut h).unwrap();
        out.push((rel, size, hex::encode(h.finalize())));
    }
    out
}

fn sorted_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// A reader that hashes what passes through, as the container does.
struct Tee<R> {
    r: R,
    h: Sha256,
    n: u64,
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, b: &mut [u8]) -> std::io::Result<usize> {
        let k = self.r.read(b)?;
        self.h.update(&b[..k]);
        self.n += k as u64;
        Ok(k)
    }
}

fn peak_rss_kib() -> String {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .unwrap_or("VmHWM: ?")
        .to_string()
}

#[test]
#[ignore]
fn verify() {
    let dir = bench_dir();
    let k = keys();
    let t0 = Instant::now();
    let mut sink = BundleSink::new(BundleOptions {
        trust: k.trust(),
        record: None,
    });
    let mut records = Vec::new();
    let mut manifest = None;
    let mut files = sorted_files(&dir.join("payload"));
    if std::env::var("EVV_BENCH_ORDER").as_deref() == Ok("manifest_last") {
        // The archive delivers the trace before the manifest: all three dialects.
        files.sort_by_key(|p| p.ends_with("manifest.json"));
    }
    for p in files {
        let rel = p.strip_prefix(&dir).unwrap().to_string_lossy().into_owned();
        let size = std::fs::metadata(&p).unwrap().len();
        let mut tee = Tee {
            r: std::io::BufReader::with_capacity(1 << 16, std::fs::File::open(&p).unwrap()),
            h: Sha256::new(),
            n: 0,
        };
        let t = Instant::now();
        sink.file(&rel, size, &mut tee).unwrap();
        std::io::copy(&mut tee, &mut std::io::sink()).unwrap();
        if rel == "payload/manifest.json" {
            manifest = canon::parse(&std::fs::read(&p).unwrap()).ok();
        }
        if size > 1 << 20 {
            eprintln!("  {rel}: {size} bytes streamed in {:.2?}", t.elapsed());
        }
        records.push(FileRecord {
            path: rel,
            size: tee.n,
            sha256: tee.h.finalize().into(),
        });
    }
    let mut report = Report::new("bundle", dir.display().to_string());
    let t = Instant::now();
    sink.finish(&records, manifest.as_ref(), &mut report);
    eprintln!("  finish: {:.2?}", t.elapsed());
    eprintln!(
        "verified in {:.2?}: {} ({} events); {}",
        t0.elapsed(),
        report.status().as_str(),
        report
            .facts
            .get("trace_events")
            .and_then(|v| v.as_u64())
            .unwrap_or(0),
        peak_rss_kib()
    );
    let _ = sha256(b"");
    let _ = merkle::empty_root();
    assert_eq!(
        report.status(),
        Status::Valid,
        "{}",
        evv::verdict::render_text(&report)
    );
}

/// The raw SHA-256 baseline of `scripts/bench_bundle.sh`: the `sha2` crate (SHA-NI when
/// the CPU has it, as evv itself uses) over the same three files `verify` streams (the
/// chain, the story, the ledgers), one thread, 1 MiB reads. Prints the time and the
/// throughput.
#[test]
#[ignore]
fn raw_sha256() {
    let pay = bench_dir().join("payload");
    let mut files = vec![pay.join("trace_events.jsonl"), pay.join("if_story.md")];
    files.extend(
        sorted_files(&pay.join("req_seen"))
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "jsonl")),
    );
    let t = Instant::now();
    let mut total = 0u64;
    let mut buf = vec![0u8; 1 << 20];
    for p in &files {
        let mut f = std::fs::File::open(p).unwrap();
        let mut h = Sha256::new();
        loop {
            let k = f.read(&mut buf).unwrap();
            if k == 0 {
                break;
            }
            h.update(&buf[..k]);
            total += k as u64;
        }
        std::hint::black_box(h.finalize());
    }
    let s = t.elapsed().as_secs_f64();
    eprintln!(
        "raw sha256 (sha2 crate): {total} bytes in {s:.3} s ({:.0} MB/s)",
        total as f64 / s / 1e6
    );
}
