//! Benchmark (ignored by default): replay a 10,000-round transcript. Run through
//! `scripts/bench_pact.sh`, or directly:
//! `cargo test --release --test pact_bench -- --ignored --nocapture`.
//! With `EVV_BENCH_OUT=DIR` it also writes the transcript and its agent key file there.

#[path = "support/pact.rs"]
mod support;

use std::time::Instant;

#[test]
#[ignore = "benchmark: run with --release --ignored"]
fn replay_10000_rounds() {
    let n = 10_000;
    let t = support::transcript(n);
    let bytes = support::to_bytes(&t);
    if let Some(dir) = std::env::var_os("EVV_BENCH_OUT") {
        let dir = std::path::PathBuf::from(dir);
        std::fs::write(dir.join("pact-10000.json"), &bytes).unwrap();
        std::fs::write(
            dir.join("agents.json"),
            support::to_bytes(&support::agents_file()),
        )
        .unwrap();
    }
    let opts = support::pinned();
    let mut times = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        let r = evv::pact::replay_bytes(&bytes, "bench.json", &opts);
        times.push(start.elapsed());
        assert_eq!(r.status(), evv::verdict::Status::Valid);
    }
    times.sort();
    println!(
        "pact replay, {n} rounds, {} bytes, {} threads: median {:?} (min {:?}, max {:?})",
        bytes.len(),
        rayon::current_num_threads(),
        times[2],
        times[0],
        times[4]
    );
}
