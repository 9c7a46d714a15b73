//! Differential test of `kry::num::py_round` against CPython's `round(x, n)`.
//!
//! Generates deterministic doubles (random bit patterns across magnitudes, values
//! near decimal ties, amounts shaped like KRY totals), has python3 round them, and
//! requires bit-identical results. Skips (passing) when python3 is not installed.

use std::io::Write;
use std::process::{Command, Stdio};

use evv::kry::num::py_round;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

fn cases() -> Vec<(f64, u32)> {
    let mut rng = ChaCha20Rng::seed_from_u64(0x6b7279);
    let mut v = Vec::new();
    for _ in 0..40_000 {
        let n = rng.gen_range(0..=8u32);
        let x = match rng.gen_range(0..5) {
            // Any finite double.
            0 => loop {
                let f = f64::from_bits(rng.gen::<u64>());
                if f.is_finite() {
                    break f;
                }
            },
            // Amounts like KRY sums.
            1 => rng.gen_range(-1e6..1e7),
            // Exactly representable ties and their neighbours.
            2 => {
                let k: i64 = rng.gen_range(-1_000_000..1_000_000);
                let t = (k as f64 + 0.5) / 10f64.powi(n as i32);
                let bits = t.to_bits() as i64 + rng.gen_range(-2..=2);
                f64::from_bits(bits as u64)
            }
            // Dyadic ties (exact halves in binary).
            3 => (rng.gen_range(-4096i64..4096) as f64) / 2f64.powi(rng.gen_range(1..12)),
            // Tiny and huge magnitudes.
            _ => rng.gen_range(-1.0..1.0) * 10f64.powi(rng.gen_range(-320..300)),
        };
        v.push((x, n));
    }
    v.extend([
        (0.5, 0),
        (1.5, 0),
        (2.5, 0),
        (2.675, 2),
        (-0.0, 3),
        (5e-324, 8),
    ]);
    v
}

#[test]
fn py_round_matches_cpython() {
    let cases = cases();
    let script = "import sys\nfor line in sys.stdin:\n    h, n = line.split()\n    print(round(float.fromhex(h), int(n)).hex())\n";
    let child = Command::new("python3")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        println!("SKIP: python3 not available");
        return;
    };
    let mut input = String::new();
    for (x, n) in &cases {
        input.push_str(&format!("{} {n}\n", hexfloat(*x)));
    }
    // Feed stdin from a thread so python's output cannot fill the pipe and deadlock.
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut mismatches = 0;
    for ((x, n), line) in cases.iter().zip(text.lines()) {
        let want = parse_hexfloat(line);
        let got = py_round(*x, *n);
        if got.to_bits() != want.to_bits() {
            mismatches += 1;
            if mismatches < 10 {
                eprintln!("round({x:e}, {n}): python {want:e}, evv {got:e}");
            }
        }
    }
    assert_eq!(text.lines().count(), cases.len());
    assert_eq!(mismatches, 0, "{mismatches} of {} differ", cases.len());
    println!("{} values rounded identically to CPython", cases.len());
}

/// Python's `float.hex()` format.
fn hexfloat(x: f64) -> String {
    if x == 0.0 {
        return if x.is_sign_negative() {
            "-0x0.0p+0".into()
        } else {
            "0x0.0p+0".into()
        };
    }
    let bits = x.to_bits();
    let sign = if bits >> 63 == 1 { "-" } else { "" };
    let e = ((bits >> 52) & 0x7ff) as i64;
    let m = bits & ((1 << 52) - 1);
    if e == 0 {
        format!("{sign}0x0.{m:013x}p-1022")
    } else {
        format!("{sign}0x1.{m:013x}p{:+}", e - 1023)
    }
}

fn parse_hexfloat(s: &str) -> f64 {
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let s = s.strip_prefix("0x").expect("hex float");
    let (mant, exp) = s.split_once('p').unwrap();
    let exp: i32 = exp.parse().unwrap();
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    let mut v = u64::from_str_radix(int, 16).unwrap() as f64;
    let mut scale = 1.0 / 16.0;
    for c in frac.chars() {
        v += c.to_digit(16).unwrap() as f64 * scale;
        scale /= 16.0;
    }
    // frac has at most 13 hex digits: exact in f64; scaling by 2^exp is exact unless
    // subnormal, where powi would underflow in steps; use repeated halving.
    let mut r = v;
    if exp >= 0 {
        for _ in 0..exp {
            r *= 2.0;
        }
    } else {
        for _ in 0..(-exp) {
            r /= 2.0;
        }
    }
    if neg {
        -r
    } else {
        r
    }
}
