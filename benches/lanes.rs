//! SHA-256 of many short independent messages: one at a time with the `sha2` crate (the
//! baseline, measured in the same run) against two at a time with
//! `evv::crypto::lanes::sha256_each` (two-lane SHA-NI where the CPU has it). The message
//! sizes are those of a bundle's hot paths: a Merkle leaf (33 bytes), a Merkle node (65
//! bytes) and a trace event's preimage (about 300 bytes).
//!
//! `cargo bench --bench lanes`

use std::time::Instant;

use sha2::{Digest, Sha256};

fn main() {
    let n = 200_000usize;
    for (name, len) in [
        ("leaf 33 B", 33usize),
        ("node 65 B", 65),
        ("event 300 B", 300),
    ] {
        let data: Vec<Vec<u8>> = (0..n)
            .map(|i| (0..len).map(|j| (i * 31 + j * 7) as u8).collect())
            .collect();
        let msgs: Vec<[&[u8]; 1]> = data.iter().map(|d| [&d[..]]).collect();
        let mut best = (f64::MAX, f64::MAX);
        for _ in 0..5 {
            let t = Instant::now();
            let one: Vec<[u8; 32]> = data.iter().map(|d| Sha256::digest(d).into()).collect();
            let a = t.elapsed().as_secs_f64();
            let t = Instant::now();
            let mut two = Vec::with_capacity(n);
            evv::crypto::lanes::sha256_each(&msgs, &mut two);
            let b = t.elapsed().as_secs_f64();
            assert_eq!(one, two, "same digests");
            best = (best.0.min(a), best.1.min(b));
        }
        let mb = (n * len) as f64 / 1e6;
        println!(
            "{name:<12} sha2 one at a time {:>7.1} MB/s   lanes {:>7.1} MB/s   {:>4.2}x",
            mb / best.0,
            mb / best.1,
            best.0 / best.1
        );
    }
}
