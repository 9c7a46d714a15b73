//! Hostile inputs against the layers in place today (canon, crypto, cli): each must be
//! refused with a clear error (or, where legal, handled) within bounded time and
//! memory. Time bounds are generous (the CI machine is shared and this is a debug
//! build); memory is bounded by running the `evv` binary under `ulimit -v` and, where
//! `/usr/bin/time` exists, its peak RSS is printed (`cargo test --test hostile --
//! --nocapture`).
//!
//! Format-specific hostile inputs (gzip bombs, tar sizes, entry counts, huge trace and
//! receipt lines) belong to the container and format modules' own tests.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use evv::canon::{self, Dialect};
use evv::crypto::encoding;
use evv::crypto::sig::Alg;
use evv::crypto::trust::TrustStore;

const GENEROUS: Duration = Duration::from_secs(10);

/// Runs `f`, failing if it takes longer than `limit`.
fn within<T>(limit: Duration, what: &str, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let r = f();
    let el = t.elapsed();
    assert!(el < limit, "{what}: took {el:?}, limit {limit:?}");
    eprintln!("{what}: {el:?}");
    r
}

/// Runs the evv binary with its address space limited to `mem_mb` MiB (via the
/// shell's `ulimit -v`), stdin from `stdin` (or empty), and returns its output and
/// peak RSS in KiB when `/usr/bin/time` is available.
fn evv_limited(args: &[&str], stdin: Option<&Path>, mem_mb: u64) -> (Output, Option<u64>) {
    let dir = tempfile::tempdir().unwrap();
    let rss_file = dir.path().join("rss");
    let have_time = Path::new("/usr/bin/time").exists();
    let mut script = format!("ulimit -v {} && exec ", mem_mb * 1024);
    if have_time {
        script.push_str("/usr/bin/time -f %M -o \"$EVV_RSS\" ");
    }
    script.push_str("\"$EVV_BIN\" \"$@\"");
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(script)
        .arg("evv")
        .args(args)
        .env("EVV_BIN", env!("CARGO_BIN_EXE_evv"))
        .env("EVV_RSS", &rss_file)
        .env_remove("RUST_BACKTRACE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    match stdin {
        Some(p) => cmd.stdin(std::fs::File::open(p).unwrap()),
        None => cmd.stdin(Stdio::null()),
    };
    let out = cmd.output().unwrap();
    let rss = std::fs::read_to_string(&rss_file)
        .ok()
        .and_then(|s| s.lines().last().and_then(|l| l.trim().parse().ok()));
    (out, rss)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn parse_err(doc: &[u8]) -> String {
    canon::parse(doc).unwrap_err().message
}

// ---- nesting -----------------------------------------------------------------

#[test]
fn json_nested_100000_deep_is_refused() {
    let n = 100_000;
    let arrays = "[".repeat(n) + &"]".repeat(n);
    let objects = "{\"a\":".repeat(n) + "1" + &"}".repeat(n);
    let unclosed = "[".repeat(n);
    let mixed = "[{\"a\":".repeat(n / 2);
    for (name, doc) in [
        ("arrays", &arrays),
        ("objects", &objects),
        ("unclosed", &unclosed),
        ("mixed", &mixed),
    ] {
        let e = within(GENEROUS, name, || canon::parse(doc.as_bytes()).unwrap_err());
        assert!(e.message.contains("nesting deeper than 512"), "{name}: {e}");
        // The refusal comes at the first level too deep, not at the end of the input.
        assert!(e.offset <= 1024 * 8, "{name}: error at offset {}", e.offset);
    }
    // Through the binary (a panic or stack overflow would be exit 4 or a signal).
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("deep.json");
    std::fs::write(&f, &arrays).unwrap();
    let (out, _) = within(GENEROUS, "evv canon deep", || {
        evv_limited(&["canon"], Some(&f), 512)
    });
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("nesting deeper than 512"),
        "{}",
        stderr(&out)
    );
    let jl = dir.path().join("deep.jsonl");
    std::fs::write(&jl, format!("{{\"ok\":1}}\n{arrays}\n[]\n")).unwrap();
    let (out, _) = evv_limited(&["canon", "--jsonl", jl.to_str().unwrap()], None, 512);
    assert_eq!(out.status.code(), Some(1));
    let s = stdout(&out);
    let lines: Vec<&str> = s.lines().collect();
    assert_eq!(lines.len(), 3, "{s}");
    assert_eq!(lines[0], "{\"ok\":1}");
    assert!(lines[1].starts_with("!error 2: ") && lines[1].contains("nesting"));
    assert_eq!(lines[2], "[]");
}

// ---- one huge line -----------------------------------------------------------

/// A single JSON line of 300 MB (one object, a 300 MB string member), through
/// `evv canon`, `evv canon --jsonl` and `evv hash`. A JSON document (or, with
/// `--jsonl`, one line) must be parsed whole before its keys can be sorted, so memory
/// is proportional to the longest document: the test pins the bound at 4 x input +
/// 256 MiB of address space and prints the measured peak RSS.
#[test]
fn json_line_of_300_mb() {
    const SIZE: usize = 300 << 20;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("huge.jsonl");
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&f).unwrap());
        w.write_all(b"{\"big\":\"").unwrap();
        let chunk = "0123456789abcdef".repeat(4096);
        let mut left = SIZE;
        while left > 0 {
            let n = left.min(chunk.len());
            w.write_all(&chunk.as_bytes()[..n]).unwrap();
            left -= n;
        }
        w.write_all(b"\",\"n\":1}\n").unwrap();
    }
    let path = f.to_str().unwrap();
    let limit_mb = 4 * (SIZE as u64 >> 20) + 256;
    for args in [
        vec!["hash", path],
        vec!["hash", "--jsonl", path],
        vec!["canon", "--jsonl", path],
    ] {
        let t = Instant::now();
        let (out, rss) = evv_limited(&args, None, limit_mb);
        let el = t.elapsed();
        eprintln!(
            "evv {}: {el:?}, peak RSS {} MiB (input {} MiB, address-space limit {limit_mb} MiB)",
            args[..args.len() - 1].join(" "),
            rss.map_or("?".into(), |k| (k / 1024).to_string()),
            SIZE >> 20
        );
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert!(el < Duration::from_secs(120), "{args:?} took {el:?}");
        if args[0] == "canon" {
            assert_eq!(out.stdout.len(), SIZE + 17);
            assert!(out.stdout.starts_with(b"{\"big\":\"0123"));
            assert!(out.stdout.ends_with(b"\",\"n\":1}\n"));
        } else {
            assert_eq!(stdout(&out).trim().len(), 64);
        }
    }
    // The same line, broken at its very end: a located error, no huge excerpt.
    let g = dir.path().join("broken.json");
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&g).unwrap());
        std::io::copy(&mut std::fs::File::open(&f).unwrap(), &mut w).unwrap();
        w.write_all(b"x").unwrap();
    }
    drop(std::fs::remove_file(&f));
    let (out, _) = evv_limited(&["canon"], Some(&g), limit_mb);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let e = stderr(&out);
    assert!(
        e.contains("line 2 column 1: trailing data"),
        "{}",
        &e[..e.len().min(2000)]
    );
    assert!(e.len() < 64 << 10, "diagnostic of {} bytes", e.len());
}

// ---- byte-level garbage in JSON Lines ----------------------------------------

#[test]
fn jsonl_with_invalid_utf8_and_byte_order_marks() {
    let mut doc = Vec::new();
    doc.extend_from_slice(b"{\"a\":1}\n"); // 1 ok
    doc.extend_from_slice(b"\xef\xbb\xbf{\"a\":2}\n"); // 2 BOM at line start
    doc.extend_from_slice(b"{\"a\":\"\xff\"}\n"); // 3 invalid UTF-8 in a string
    doc.extend_from_slice(b"{\"a\":\xc3\xa9}\n"); // 4 non-ASCII outside a string
    doc.extend_from_slice(b"{\"a\":\"\xed\xa0\x80\"}\n"); // 5 UTF-8-encoded surrogate
    doc.extend_from_slice(b"{\"a\":\"\xc0\xaf\"}\n"); // 6 overlong encoding of '/'
    doc.extend_from_slice(b"{\"a\":3}\xef\xbb\xbf\n"); // 7 BOM after the value
    doc.extend_from_slice(b"{\"a\":\"\xef\xbb\xbf\"}\n"); // 8 U+FEFF inside a string: legal
    doc.extend_from_slice(b"{\"a\":4}\r\n"); // 9 CR is JSON whitespace: legal
    doc.extend_from_slice(b"\x00\n"); // 10 NUL byte
    doc.extend_from_slice(b"{\"a\":\"\xf4\x90\x80\x80\"}\n"); // 11 beyond U+10FFFF
    let expect_err = [2, 3, 4, 5, 6, 7, 10, 11];
    // Library: each line on its own.
    for (i, line) in doc
        .strip_suffix(b"\n")
        .unwrap()
        .split(|&b| b == b'\n')
        .enumerate()
    {
        let r = canon::parse(line);
        assert_eq!(
            r.is_err(),
            expect_err.contains(&(i + 1)),
            "line {}: {r:?}",
            i + 1
        );
    }
    assert!(parse_err(b"\xef\xbb\xbf{}").contains("byte-order mark"));
    assert!(parse_err(b"\"\xff\"").contains("invalid UTF-8"));
    // Binary: one output line per input line, errors located, exit 1.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("garbage.jsonl");
    std::fs::write(&f, &doc).unwrap();
    let (out, _) = within(GENEROUS, "evv canon --jsonl garbage", || {
        evv_limited(&["canon", "--jsonl", f.to_str().unwrap()], None, 512)
    });
    assert_eq!(out.status.code(), Some(1));
    let s = stdout(&out);
    let lines: Vec<&str> = s.lines().collect();
    assert_eq!(lines.len(), 11, "{s}");
    for (i, l) in lines.iter().enumerate() {
        let n = i + 1;
        if expect_err.contains(&n) {
            assert!(l.starts_with(&format!("!error {n}: ")), "{n}: {l}");
        } else {
            assert!(l.starts_with("{\"a\":"), "{n}: {l}");
        }
    }
    assert!(lines[1].contains("byte-order mark"), "{}", lines[1]);
    assert!(lines[2].contains("invalid UTF-8"), "{}", lines[2]);
    assert_eq!(lines[7], "{\"a\":\"\\ufeff\"}");
    // Batch signature verification reads JSONL too: the bad lines are errors, exit 2.
    let (out, _) = evv_limited(&["sig", "verify-batch", f.to_str().unwrap()], None, 512);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let s = stdout(&out);
    assert_eq!(s.lines().count(), 11, "{s}");
    assert!(s.lines().all(|l| l.contains("\"result\":\"error\"")), "{s}");
}

// ---- duplicate keys ----------------------------------------------------------

#[test]
fn duplicate_keys_are_refused_however_spelled() {
    for doc in [
        &br#"{"a":1,"a":1}"#[..],
        br#"{"a":1,"\u0061":2}"#,
        br#"{"\ud83d\ude00":1,"\ud83d\ude00":2}"#,
        "{\"\u{e9}\":1,\"\\u00e9\":2}".as_bytes(),
        br#"{"x":{"b":1,"c":2,"b":3}}"#,
        br#"[{},{"k":[],"k":{}}]"#,
    ] {
        let e = parse_err(doc);
        assert!(
            e.contains("duplicate object key"),
            "{}: {e}",
            String::from_utf8_lossy(doc)
        );
    }
    // NFC and NFD spellings are different keys (no normalisation), so both stay.
    let v = canon::parse("{\"\u{e9}\":1,\"e\u{301}\":2}".as_bytes()).unwrap();
    assert_eq!(v.as_object().unwrap().len(), 2);
    // Many distinct keys then a duplicate at the end: still found, quickly.
    let mut doc = String::from("{");
    for i in 0..200_000 {
        doc.push_str(&format!("\"k{i}\":{i},"));
    }
    doc.push_str("\"k7\":0}");
    let e = within(GENEROUS, "200k keys + duplicate", || {
        parse_err(doc.as_bytes())
    });
    assert!(e.contains("duplicate object key \"k7\""), "{e}");
    // A trust file with a duplicate member is refused as a whole.
    let mut t = TrustStore::empty();
    let e = t
        .load_trust_file("t.json", br#"{"version":1,"version":1,"keys":[]}"#)
        .unwrap_err();
    assert!(e.contains("duplicate object key"), "{e}");
    // Through the binary: exit 1 with the diagnostic.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("dup.json");
    std::fs::write(&f, br#"{"a":1,"a":2}"#).unwrap();
    let (out, _) = evv_limited(&["hash"], Some(&f), 512);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("duplicate object key"),
        "{}",
        stderr(&out)
    );
}

// ---- numbers with 10,000 digits ----------------------------------------------

#[test]
fn numbers_with_10000_digits() {
    let digits: String = (0..10_000)
        .map(|i| char::from(b'1' + (i % 9) as u8))
        .collect();
    // Integer form: refused (CPython's own 4300-digit limit), quickly, both signs.
    for doc in [digits.clone(), format!("-{digits}"), format!("[{digits}]")] {
        let e = within(GENEROUS, "10k-digit int", || parse_err(doc.as_bytes()));
        assert!(e.contains("longer than 4300 digits"), "{e}");
    }
    // The limit itself: 4300 digits parse; Python dialects keep them verbatim; JCS
    // (a double) refuses them as not finite rather than printing a wrong number.
    let max = &digits[..4300];
    let v = canon::parse(max.as_bytes()).unwrap();
    assert_eq!(canon::to_vec(&v, Dialect::Python).unwrap(), max.as_bytes());
    assert!(canon::to_vec(&v, Dialect::Jcs).is_err());
    assert!(parse_err(&digits.as_bytes()[..4301]).contains("4300"));
    // Float forms: 10,000 significant digits round to the nearest double.
    let frac = format!("0.{digits}");
    let v = within(GENEROUS, "10k-digit fraction", || {
        canon::parse(frac.as_bytes()).unwrap()
    });
    let want: f64 = frac.parse().unwrap();
    assert_eq!(
        canon::to_vec(&v, Dialect::Python).unwrap(),
        canon::python_float(want).as_bytes()
    );
    let mant = format!("{digits}e-9990"); // 1.23...e9 in effect
    let v = canon::parse(mant.as_bytes()).unwrap();
    assert_eq!(
        canon::to_vec(&v, Dialect::Jcs).unwrap(),
        canon::js_number(mant.parse().unwrap()).as_bytes()
    );
    // 10,000-digit mantissa that overflows, and 10,000-digit exponents.
    for (doc, ok) in [
        (format!("{digits}.0"), false),
        (format!("1e{digits}"), false),
        (format!("-1E+{digits}"), false),
        (format!("1e-{digits}"), true),
        (format!("0.{}1", "0".repeat(10_000)), true),
        (format!("{}e-{digits}", digits), true),
    ] {
        let r = within(GENEROUS, "10k-digit float form", || {
            canon::parse(doc.as_bytes())
        });
        match r {
            Ok(v) => {
                assert!(ok, "{}… accepted", &doc[..20]);
                assert_eq!(canon::to_vec(&v, Dialect::Jcs).unwrap(), b"0");
            }
            Err(e) => {
                assert!(!ok, "{}…: {e}", &doc[..20]);
                assert!(e.message.contains("overflows a double"), "{e}");
            }
        }
    }
    // Through the binary: the integer form is a located parse error.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("n.json");
    std::fs::write(&f, format!("{{\"n\":{digits}}}")).unwrap();
    let (out, _) = evv_limited(&["canon"], Some(&f), 512);
    assert_eq!(out.status.code(), Some(1));
    let e = stderr(&out);
    assert!(
        e.contains("<stdin>: line 1 column 6: integer literal longer than 4300 digits"),
        "{e}"
    );
}

// ---- trust file of 100 MB ----------------------------------------------------

#[test]
fn trust_file_of_100_mb() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("trust.json");
    // Valid JSON, shaped like a trust file, with a 100 MB comment.
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&f).unwrap());
        w.write_all(b"{\"version\":1,\"keys\":[],\"comment\":\"")
            .unwrap();
        let chunk = vec![b'x'; 1 << 20];
        for _ in 0..100 {
            w.write_all(&chunk).unwrap();
        }
        w.write_all(b"\"}").unwrap();
    }
    // The command line refuses it by size, before reading it.
    let args = evv::cli::TrustArgs {
        trust: Some(f.clone()),
        ..Default::default()
    };
    let e = within(GENEROUS, "from_args 100 MB", || {
        TrustStore::from_args(&args).unwrap_err()
    });
    assert!(e.contains("is not a trust file"), "{e}");
    // The library loader, handed the bytes anyway, parses them once and refuses the
    // content (no key) with a clear message, in bounded time.
    let bytes = std::fs::read(&f).unwrap();
    let mut t = TrustStore::empty();
    let e = within(GENEROUS, "load_trust_file 100 MB", || {
        t.load_trust_file("trust.json", &bytes).unwrap_err()
    });
    assert!(e.contains("keys: at least one key is required"), "{e}");
    // 100 MB of nesting or garbage: refused at the first bad byte.
    let deep = "[".repeat(100 << 20);
    let e = within(GENEROUS, "load_trust_file 100 MB deep", || {
        t.load_trust_file("trust.json", deep.as_bytes())
            .unwrap_err()
    });
    assert!(e.contains("nesting"), "{e}");
}

// ---- base58 keys of 1 MB -----------------------------------------------------

#[test]
fn base58_keys_of_1_mb() {
    let b58 = "2".repeat(1 << 20);
    let prefixed = format!("b58:{b58}");
    for alg in Alg::ALL {
        for s in [&b58, &prefixed] {
            let e = within(GENEROUS, "decode_public_key 1 MB", || {
                encoding::decode_public_key(alg, s).unwrap_err()
            });
            assert!(e.contains("too long"), "{e}");
            let e = encoding::decode_signature(alg, s).unwrap_err();
            assert!(e.contains("too long"), "{e}");
        }
    }
    let mut t = TrustStore::empty();
    let e = within(GENEROUS, "--key 1 MB", || {
        t.add_key_arg(&format!("ed25519:{b58}")).unwrap_err()
    });
    assert!(e.contains("too long"), "{e}");
    // In a trust file.
    let trust = format!(
        r#"{{"version":1,"keys":[{{"id":"k","algorithm":"ed25519","public_key":"{prefixed}"}}]}}"#
    );
    let e = within(GENEROUS, "trust file with 1 MB key", || {
        TrustStore::empty()
            .load_trust_file("t.json", trust.as_bytes())
            .unwrap_err()
    });
    assert!(e.contains("too long"), "{e}");
    // In a signature batch (keys and signatures of 1 MB): invalid, located, quick.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("cases.jsonl");
    let pk = "11".repeat(Alg::MlDsa87.public_key_len());
    std::fs::write(
        &f,
        format!(
            "{{\"alg\":\"ed25519\",\"key\":\"{b58}\",\"sig\":\"{}\",\"msg\":\"\"}}\n{{\"alg\":\"ML-DSA-87\",\"key\":\"{pk}\",\"sig\":\"{b58}\",\"msg\":\"\"}}\n",
            "00".repeat(64)
        ),
    )
    .unwrap();
    let (out, _) = within(GENEROUS, "verify-batch 1 MB keys", || {
        evv_limited(&["sig", "verify-batch", f.to_str().unwrap()], None, 512)
    });
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let s = stdout(&out);
    assert_eq!(s.lines().count(), 2);
    assert!(
        s.lines()
            .all(|l| l.contains("\"result\":\"invalid\"") && l.contains("too long")),
        "{s}"
    );
}

// ---- the parse-error diagnostic ----------------------------------------------

/// Regression (found by tests/hostile.rs, fixed in src/cli/diag.rs): the excerpt
/// window used to reach back to the start of the error's line however far that was,
/// so an error after a 300 MB line printed the whole line (300 MB on stderr, 5 minutes);
/// and miette numbered the excerpt's lines from its own start, not the file's.
#[test]
fn parse_error_diagnostic_is_bounded_and_numbered_as_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    // Error at line 3002, more than a window after the start of the file.
    let f = dir.path().join("lines.json");
    std::fs::write(&f, format!("[\n{}x]", "1,\n".repeat(3000))).unwrap();
    let (out, _) = evv_limited(&["canon"], Some(&f), 512);
    assert_eq!(out.status.code(), Some(1));
    let e = stderr(&out);
    assert!(
        e.contains("<stdin>: line 3002 column 1: unexpected character 'x'"),
        "{e}"
    );
    assert!(e.contains("[<stdin>:3002:1]"), "{e}");
    assert!(e.contains("3002 │ x]"), "{e}");
    // Error after a 4 MB line, and at the end of a 4 MB line: a few KB of output.
    let long = "1,".repeat(2 << 20);
    for (name, doc) in [
        ("after", format!("[{long}1]\nx")),
        ("end", format!("[{long}x]")),
        ("utf8", format!("[\"{}\", x]", "é".repeat(2 << 20))),
    ] {
        let g = dir.path().join(name);
        std::fs::write(&g, &doc).unwrap();
        let (out, _) = within(GENEROUS, name, || evv_limited(&["canon"], Some(&g), 512));
        assert_eq!(out.status.code(), Some(1), "{name}");
        let e = stderr(&out);
        assert!(
            e.len() < 32 << 10,
            "{name}: diagnostic of {} bytes",
            e.len()
        );
        assert!(e.contains("here"), "{name}: {e}");
    }
}
