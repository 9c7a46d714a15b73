//! Throughput of the strict parser and the canonical serialisers, against raw SHA-256
//! of the same bytes measured in the same run (the ratio is what matters).
//!
//! `cargo bench --bench canon`

use std::time::Instant;

use sha2::{Digest, Sha256};

fn main() {
    // A receipt-shaped line and a trace-event-shaped line.
    let lines: Vec<&[u8]> = vec![
        br#"{"endpoint":"/v1/chat/completions","host":"api.openai.com","http_status":200,"key_count":3,"key_index":0,"lane":"LIVE_HASHED","latency_ms":800,"model":"gpt-4o-mini","pass":true,"prev_receipt_hash":"0000000000000000000000000000000000000000000000000000000000000000","provider_id":"openai","receipt_hash":"8f34ba70925d9f2e00f8fde232779b5b229275026cb6266b45b655f753f1bf1f","receipt_id":"05ccf79987ba8571ff85dcc9f6be7e851f43367e17426baeff3c51d92a24208f","request_id":"chatcmpl-sBnV4s6DZBMrMFx6VutQ3fKYoEYUH","response_bytes_len":512,"response_bytes_sha256":"8b498c138bab0adcacff8587f91c47556036328151dd127f20392d5e5d8b8665","schema_id":"kt.live_hashed.receipt.v1","t_end_ms":1732300400800,"t_start_ms":1732300400000,"trace_id":"3c0b8b99-49d3-4d4d-ac9f-496bce134b30","usage":{"completion_tokens":96,"prompt_tokens":412,"total_tokens":508}}"#,
        br#"{"event_hash":"5d41402abc4b2a76b9719d911017c592aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","payload":{"retrieved":["doc-1","doc-2"],"scores":[0.91,0.87],"note":"caf\u00e9 \ud83d\ude00"},"prev_hash":"0000000000000000000000000000000000000000000000000000000000000000","seq":3,"trace_id":"3c0b8b99-49d3-4d4d-ac9f-496bce134b30","ts":1732300400.125,"type":"retrieval_done"}"#,
    ];
    let reps = 100_000;
    let bytes: usize = lines.iter().map(|l| l.len()).sum::<usize>() * reps;

    let t = Instant::now();
    let mut h = Sha256::new();
    for _ in 0..reps {
        for l in &lines {
            h.update(l);
        }
    }
    std::hint::black_box(h.finalize());
    let sha = t.elapsed().as_secs_f64();

    let t = Instant::now();
    for _ in 0..reps {
        for l in &lines {
            std::hint::black_box(evv::canon::parse(l).unwrap());
        }
    }
    let parse = t.elapsed().as_secs_f64();

    let values: Vec<_> = lines
        .iter()
        .map(|l| evv::canon::parse(l).unwrap())
        .collect();
    let row = |name: &str, d: evv::canon::Dialect| {
        let t = Instant::now();
        for _ in 0..reps {
            for v in &values {
                std::hint::black_box(evv::canon::sha256(v, d).unwrap());
            }
        }
        let s = t.elapsed().as_secs_f64();
        println!(
            "canon+sha256 {name:<14} {:>8.1} MB/s  {:>5.2}x raw sha256",
            bytes as f64 / s / 1e6,
            s / sha
        );
    };
    println!(
        "raw sha256                  {:>8.1} MB/s",
        bytes as f64 / sha / 1e6
    );
    println!(
        "parse                       {:>8.1} MB/s  {:>5.2}x raw sha256",
        bytes as f64 / parse / 1e6,
        parse / sha
    );
    row("python", evv::canon::Dialect::Python);
    row("canonicaljson", evv::canon::Dialect::CanonicalJson);
    row("jcs", evv::canon::Dialect::Jcs);
}
