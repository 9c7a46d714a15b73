//! Exhaustive tamper detection (issue 10): every byte of every payload file of the
//! valid bundle, flipped, yields a verdict other than VALID — also when the attacker
//! re-hashes manifest.json and sha256s.txt afterwards (then the signed completion
//! record must catch it). Bytes that are not evidence (SPEC.md §3.8) are changed and
//! shown to leave the verdict VALID.
//!
//! Speed: the bundle is written once as a plain tar; each case patches bytes of that
//! tar in place (a flip never changes a file's size, and re-hashing only rewrites
//! fixed-width hex digits), verifies it from memory with
//! [`evv::container::verify_archive`], and restores the bytes.

#[path = "support/archive.rs"]
mod archive;
#[path = "support/bundle.rs"]
mod bundle;
#[path = "support/bundle_fixtures.rs"]
mod bundle_fixtures;

use std::collections::BTreeMap;
use std::ops::Range;
use std::time::Instant;

use archive::{set_checksum, BLOCK};
use bundle_fixtures::{tar_of, trust, valid_files};
use evv::container::{verify_archive, VerifyOptions};
use evv::crypto::hash::sha256_hex;
use evv::verdict::{render_text, Report, Status};

const MANIFEST: &str = "payload/manifest.json";
const SUMS: &str = "payload/sha256s.txt";
const RECORD: &str = "payload/ttt_signed_record.json";

/// The valid bundle as a plain tar, with where each entry's header and data lie.
struct Layout {
    tar: Vec<u8>,
    /// Path → range of its data bytes in `tar`.
    data: BTreeMap<String, Range<usize>>,
    /// Offsets of every header block (directories included).
    headers: Vec<usize>,
}

fn octal(field: &[u8]) -> usize {
    let s = std::str::from_utf8(field).unwrap();
    usize::from_str_radix(s.trim_matches(|c: char| c == '\0' || c == ' '), 8).unwrap()
}

fn layout() -> Layout {
    let tar = tar_of(&valid_files());
    let mut data = BTreeMap::new();
    let mut headers = Vec::new();
    let mut off = 0;
    while tar[off..off + BLOCK].iter().any(|b| *b != 0) {
        let h = &tar[off..off + BLOCK];
        let name_len = h[..100].iter().position(|b| *b == 0).unwrap_or(100);
        let name = std::str::from_utf8(&h[..name_len]).unwrap().to_string();
        let size = octal(&h[124..136]);
        headers.push(off);
        if h[156] == b'0' {
            data.insert(name, off + BLOCK..off + BLOCK + size);
        }
        off += BLOCK + size.div_ceil(BLOCK) * BLOCK;
    }
    Layout { tar, data, headers }
}

fn opts() -> VerifyOptions {
    VerifyOptions {
        trust: trust(),
        ..VerifyOptions::default()
    }
}

fn verify(bytes: &[u8], opts: &VerifyOptions) -> Report {
    verify_archive(bytes, opts).expect("still a tar").report
}

/// The single-byte changes tried at a byte: XOR 0x01 always, plus the changes that
/// could keep a lenient reader's meaning: hex-letter case, another JSON whitespace
/// byte, and the unused low bit of a base64 character that precedes padding.
fn patterns(bytes: &[u8], i: usize) -> Vec<u8> {
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = bytes[i];
    let mut p = vec![b ^ 0x01];
    match b {
        b'a'..=b'f' | b'A'..=b'F' => p.push(b ^ 0x20),
        b' ' => p.push(b'\t'),
        b'\t' | b'\r' => p.push(b' '),
        b'\n' => p.push(b'\r'),
        _ => {}
    }
    if bytes.get(i + 1) == Some(&b'=') {
        if let Some(v) = B64.iter().position(|c| *c == b) {
            p.push(B64[v ^ 1]);
        }
    }
    p.dedup();
    p
}

/// Where `needle` occurs exactly once in `hay`.
fn find_once(hay: &[u8], needle: &[u8]) -> usize {
    let hits: Vec<usize> = hay
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(hits.len(), 1, "{}", String::from_utf8_lossy(needle));
    hits[0]
}

/// The attacker's re-hashing after changing `path`: the 64 hex digits of its entry in
/// manifest.json (if listed there), of its line in sha256s.txt, and last of
/// manifest.json's line in sha256s.txt (covering the manifest as rewritten).
struct Rehash {
    /// (path whose hash is written, tar offset of the hex digits), in order.
    fields: Vec<(String, usize)>,
}

fn rehash_plan(l: &Layout, path: &str) -> Rehash {
    let orig = |p: &str| sha256_hex(&l.tar[l.data[p].clone()]);
    let in_list = |list: &str, needle: String| {
        let r = &l.data[list];
        r.start + find_once(&l.tar[r.clone()], needle.as_bytes())
    };
    let line = |p: &str| format!("{}  {}\n", orig(p), p.strip_prefix("payload/").unwrap());
    let mut fields = Vec::new();
    if path != MANIFEST && path != RECORD {
        fields.push((path.to_string(), in_list(MANIFEST, orig(path))));
    }
    if path != MANIFEST {
        fields.push((path.to_string(), in_list(SUMS, line(path))));
    }
    fields.push((MANIFEST.to_string(), in_list(SUMS, line(MANIFEST))));
    Rehash { fields }
}

fn apply_rehash(tar: &mut [u8], l: &Layout, plan: &Rehash) {
    for (p, at) in &plan.fields {
        let h = sha256_hex(&tar[l.data[p.as_str()].clone()]);
        tar[*at..*at + 64].copy_from_slice(h.as_bytes());
    }
}

/// Bytes of ttt_signed_record.json that are not evidence (SPEC.md §3.8): whitespace
/// between JSON tokens (the signatures cover the record's parsed value, and nothing
/// signed binds its bytes) and the characters of each `signatures[].key_id` (an
/// unsigned label; keys are identified by their bytes).
struct RecordFreedom {
    /// Offsets (in the record) of whitespace outside strings.
    whitespace: Vec<bool>,
    /// Offsets of characters inside a `key_id` string value.
    key_id: Vec<bool>,
}

fn record_freedom(record: &[u8]) -> RecordFreedom {
    let mut whitespace = vec![false; record.len()];
    let mut key_id = vec![false; record.len()];
    let mut in_string = false;
    let mut escaped = false;
    for (i, b) in record.iter().enumerate() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
        } else if *b == b'"' {
            in_string = true;
        } else if b" \t\r\n".contains(b) {
            whitespace[i] = true;
        }
    }
    let marker = b"\"key_id\": \"";
    for (i, w) in record.windows(marker.len()).enumerate() {
        if w == marker {
            let start = i + marker.len();
            let len = record[start..].iter().position(|b| *b == b'"').unwrap();
            key_id[start..start + len].fill(true);
        }
    }
    assert_eq!(
        key_id.iter().filter(|x| **x).count(),
        "ttt-ed25519-v1ttt-mldsa65-v1".len()
    );
    RecordFreedom { whitespace, key_id }
}

impl RecordFreedom {
    /// True when changing byte `i` of the record to `to` changes no evidence.
    fn ignores(&self, i: usize, to: u8) -> bool {
        (self.whitespace[i] && b" \t\r\n".contains(&to))
            || (self.key_id[i] && (0x20..0x7f).contains(&to) && to != b'"' && to != b'\\')
    }
}

/// Failures whose subject is one of `files`.
fn failed_on(r: &Report, files: &[&str]) -> bool {
    r.failures()
        .any(|f| files.contains(&f.subject.file.as_str()))
}

/// One flip: file, offset in the file, replacement byte.
type Flip = (String, usize, u8);

/// What one worker found.
#[derive(Default)]
struct Tally {
    plain: usize,
    rehashed: usize,
    /// Re-hashed flips of bytes that are not evidence, which stayed VALID as they must.
    ignored: usize,
    /// Flips that stayed VALID although they change evidence.
    holes: Vec<String>,
    /// Flips of bytes that are not evidence which did not stay VALID.
    not_ignored: Vec<String>,
}

/// Verifies `flips` on a private copy of the tar: each flipped byte with the lists
/// as they were, then with manifest.json and sha256s.txt re-hashed by the attacker.
fn run_flips(
    l: &Layout,
    plans: &BTreeMap<String, Rehash>,
    free: &RecordFreedom,
    flips: &[Flip],
) -> Tally {
    let opts = opts();
    let mut tar = l.tar.clone();
    let mut t = Tally::default();
    for (path, i, p) in flips {
        let at = l.data[path].start + i;
        let orig = l.tar[at];
        tar[at] = *p;
        let what = format!("{path}[{i}] {orig:#04x}->{p:#04x}");
        // 1. The lists as they were.
        let r = verify(&tar, &opts);
        t.plain += 1;
        if r.status() == Status::Valid {
            t.holes.push(what.clone());
        }
        // 2. The attacker re-hashes manifest.json and sha256s.txt. (For a flip inside
        // sha256s.txt, rewriting it from the files would undo the flip: no plan.)
        if let Some(plan) = plans.get(path) {
            apply_rehash(&mut tar, l, plan);
            let r = verify(&tar, &opts);
            t.rehashed += 1;
            if path == RECORD && free.ignores(*i, *p) {
                if r.status() == Status::Valid {
                    t.ignored += 1;
                } else {
                    t.not_ignored.push(format!("{what}: {}", render_text(&r)));
                }
            } else if r.status() == Status::Valid {
                t.holes.push(format!("{what} (lists re-hashed)"));
            } else if path != RECORD {
                // Only the signed record binds manifest.json's bytes.
                assert!(
                    r.has_failure(evv::bundle::Code::RecordBinding),
                    "{what}: {}",
                    render_text(&r)
                );
            } else {
                assert!(failed_on(&r, &[RECORD]), "{what}: {}", render_text(&r));
            }
            for (_, at) in &plan.fields {
                tar[*at..*at + 64].copy_from_slice(&l.tar[*at..*at + 64]);
            }
        }
        tar[at] = orig;
    }
    assert_eq!(tar, l.tar);
    t
}

#[test]
fn every_flipped_payload_byte_is_detected_even_after_rehashing_the_lists() {
    let t0 = Instant::now();
    let l = layout();
    let base = verify(&l.tar, &opts());
    assert_eq!(base.status(), Status::Valid, "{}", render_text(&base));
    let plans: BTreeMap<String, Rehash> = l
        .data
        .keys()
        .filter(|p| p.as_str() != SUMS)
        .map(|p| (p.clone(), rehash_plan(&l, p)))
        .collect();
    let free = record_freedom(&l.tar[l.data[RECORD].clone()]);
    // Every flip when built with optimisations or with EVV_EXHAUSTIVE=1 (.ci/run);
    // a plain debug `cargo test` takes every SAMPLE-th flip plus every flip of a byte
    // that is not evidence (about 2.7 ms per verification in debug, mostly ML-DSA).
    let exhaustive = !cfg!(debug_assertions) || std::env::var_os("EVV_EXHAUSTIVE").is_some();
    const SAMPLE: usize = 9;
    let mut flips: Vec<Flip> = Vec::new();
    let mut all = 0usize;
    for (path, range) in &l.data {
        let file = &l.tar[range.clone()];
        for i in 0..file.len() {
            for p in patterns(file, i) {
                let keep = exhaustive
                    || all.is_multiple_of(SAMPLE)
                    || (path == RECORD && free.ignores(i, p));
                all += 1;
                if keep {
                    flips.push((path.clone(), i, p));
                }
            }
        }
    }
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .max(2);
    let chunk = flips.len().div_ceil(workers);
    let tallies: Vec<Tally> = std::thread::scope(|s| {
        let hs: Vec<_> = flips
            .chunks(chunk)
            .map(|c| s.spawn(|| run_flips(&l, &plans, &free, c)))
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let plain: usize = tallies.iter().map(|t| t.plain).sum();
    let rehashed: usize = tallies.iter().map(|t| t.rehashed).sum();
    let ignored: usize = tallies.iter().map(|t| t.ignored).sum();
    let holes: Vec<&String> = tallies.iter().flat_map(|t| &t.holes).collect();
    let not_ignored: Vec<&String> = tallies.iter().flat_map(|t| &t.not_ignored).collect();
    eprintln!(
        "{} payload bytes, {} of {all} flips{}: {plain} verified with the lists as they were, {rehashed} with the lists re-hashed ({ignored} of them bytes that are not evidence, VALID as required); {workers} workers, {:?}",
        l.data.values().map(|r| r.len()).sum::<usize>(),
        flips.len(),
        if exhaustive { " (exhaustive)" } else { " (debug sample; EVV_EXHAUSTIVE=1 for all)" },
        t0.elapsed()
    );
    assert!(
        holes.is_empty(),
        "{} flips stayed VALID: {holes:#?}",
        holes.len()
    );
    assert!(
        not_ignored.is_empty(),
        "bytes listed as not evidence changed the verdict: {not_ignored:#?}"
    );
    // Whitespace and key_id bytes were all tried (the sample always includes them).
    assert!(ignored >= free.key_id.iter().filter(|x| **x).count());
}

/// Byte ranges of a tar header that are not evidence (SPEC.md §3.3, §3.8): mode,
/// uid, gid, mtime, linkname (of non-link entries), uname, gname, devmajor, devminor.
const IGNORED_HEADER_FIELDS: [(&str, Range<usize>); 9] = [
    ("mode", 100..108),
    ("uid", 108..116),
    ("gid", 116..124),
    ("mtime", 136..148),
    ("linkname", 157..257),
    ("uname", 265..297),
    ("gname", 297..329),
    ("devmajor", 329..337),
    ("devminor", 337..345),
];

/// Every byte position of every ignored header field, flipped in every header at once
/// (checksums fixed), leaves the verdict VALID; so does scribbling over every byte of
/// entry padding. The tarball hash still changes: those bytes are bound only there.
#[test]
fn tar_header_fields_and_padding_that_are_not_evidence_are_ignored() {
    let l = layout();
    let opts = opts();
    let base_sha = verify(&l.tar, &opts).facts["tarball_sha256"].clone();
    let mut n = 0;
    for (field, range) in IGNORED_HEADER_FIELDS {
        for k in range {
            for pattern in [0x01u8, 0x80] {
                let mut tar = l.tar.clone();
                for h in &l.headers {
                    tar[h + k] ^= pattern;
                    set_checksum(&mut tar[*h..h + BLOCK]);
                }
                let r = verify(&tar, &opts);
                n += 1;
                assert_eq!(
                    r.status(),
                    Status::Valid,
                    "{field} byte {k} ^ {pattern:#04x}: {}",
                    render_text(&r)
                );
                assert_ne!(r.facts["tarball_sha256"], base_sha);
            }
        }
    }
    // Padding between an entry's data and the next block boundary.
    let mut tar = l.tar.clone();
    let mut padding = 0;
    for r in l.data.values() {
        let end = r.start + r.len().div_ceil(BLOCK) * BLOCK;
        for b in &mut tar[r.end..end] {
            *b = 0xa5;
            padding += 1;
        }
    }
    assert!(padding > 0);
    let r = verify(&tar, &opts);
    assert_eq!(r.status(), Status::Valid, "{}", render_text(&r));
    // The archive hash binds these bytes for whoever pins it.
    let pinned = VerifyOptions {
        expect_sha256: evv::crypto::hash::parse_hex32(base_sha.as_str().unwrap()),
        ..opts.clone()
    };
    let r = verify(&tar, &pinned);
    assert_eq!(
        r.failure_codes(),
        vec![evv::verdict::Code::from(
            evv::container::Code::Sha256Mismatch
        )]
    );
    eprintln!("{n} header-field flips and {padding} padding bytes ignored");
}

/// gzip header fields that describe the compression, not the evidence: MTIME, XFL,
/// OS, and optional FNAME, FCOMMENT and FEXTRA.
#[test]
fn gzip_header_fields_that_are_not_evidence_are_ignored() {
    let l = layout();
    let opts = opts();
    let tgz = archive::gzip(&l.tar);
    for k in 4..10 {
        for pattern in [0x01u8, 0xff] {
            let mut b = tgz.clone();
            b[k] ^= pattern;
            let r = verify(&b, &opts);
            assert_eq!(
                r.status(),
                Status::Valid,
                "gzip byte {k}: {}",
                render_text(&r)
            );
        }
    }
    let mut e = flate2::GzBuilder::new()
        .mtime(1_700_000_000)
        .filename("bundle.tar")
        .comment("made elsewhere")
        .extra(vec![0x41, 0x42, 2, 0, 7, 7])
        .operating_system(3)
        .write(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut e, &l.tar).unwrap();
    let r = verify(&e.finish().unwrap(), &opts);
    assert_eq!(r.status(), Status::Valid, "{}", render_text(&r));
}

/// Beyond single bytes: another encoding of the record's value (compact, members
/// reordered, a string escaped), any key_id label, and sha256s.txt in another line
/// order all leave the verdict VALID; the report never repeats the evidence's label.
#[test]
fn record_encoding_key_id_and_list_order_are_not_evidence() {
    let opts = opts();
    let run = |f: &bundle_fixtures::Files| verify(&tar_of(f), &opts);
    let record = |f: &bundle_fixtures::Files| -> evv::canon::Object {
        evv::canon::parse(&f["ttt_signed_record.json"])
            .unwrap()
            .as_object()
            .unwrap()
            .clone()
    };

    // Compact canonical JSON (members sorted, no whitespace), re-hashed list.
    let mut f = valid_files();
    let compact = evv::canon::to_vec(
        &evv::canon::Value::Object(record(&f)),
        evv::canon::Dialect::CanonicalJson,
    )
    .unwrap();
    assert_ne!(compact, f["ttt_signed_record.json"]);
    f.insert("ttt_signed_record.json".into(), compact.clone());
    bundle_fixtures::rehash(&mut f);
    let r = run(&f);
    assert_eq!(r.status(), Status::Valid, "{}", render_text(&r));

    // Members in reverse order and `schema` with an escaped character.
    let text = String::from_utf8(compact).unwrap();
    let inner = &text[1..text.len() - 1];
    let mut members: Vec<String> = Vec::new();
    let mut depth = 0i32;
    let mut in_str = false;
    let mut cur = String::new();
    let mut prev = ' ';
    for ch in inner.chars() {
        if ch == '"' && prev != '\\' {
            in_str = !in_str;
        }
        if !in_str {
            depth += match ch {
                '[' | '{' => 1,
                ']' | '}' => -1,
                _ => 0,
            };
        }
        if ch == ',' && depth == 0 && !in_str {
            members.push(std::mem::take(&mut cur));
        } else {
            cur.push(ch);
        }
        prev = ch;
    }
    members.push(cur);
    members.reverse();
    let reordered = format!("{{{}}}", members.join(",")).replacen(
        "if.ttt.signed_record.v1",
        "if.ttt.signed\\u005frecord.v1",
        1,
    );
    let mut f = valid_files();
    f.insert("ttt_signed_record.json".into(), reordered.into_bytes());
    bundle_fixtures::rehash(&mut f);
    let r = run(&f);
    assert_eq!(r.status(), Status::Valid, "{}", render_text(&r));

    // Any key_id label.
    let mut f = valid_files();
    let mut rec = record(&f);
    let mut sigs = rec.get("signatures").unwrap().as_array().unwrap().clone();
    for s in &mut sigs {
        s.as_object_mut().unwrap().insert("key_id", "forged-label");
    }
    rec.insert("signatures", sigs);
    f.insert(
        "ttt_signed_record.json".into(),
        bundle_fixtures::json_bytes(&evv::canon::Value::Object(rec)),
    );
    bundle_fixtures::rehash(&mut f);
    let r = run(&f);
    assert_eq!(r.status(), Status::Valid, "{}", render_text(&r));
    assert!(!evv::verdict::render_json(&r).contains("forged-label"));

    // sha256s.txt lines in reverse order.
    let mut f = valid_files();
    let mut lines: Vec<&str> = std::str::from_utf8(&f["sha256s.txt"])
        .unwrap()
        .lines()
        .collect();
    lines.reverse();
    let reversed = lines.iter().map(|l| format!("{l}\n")).collect::<String>();
    f.insert("sha256s.txt".into(), reversed.into_bytes());
    let r = run(&f);
    assert_eq!(r.status(), Status::Valid, "{}", render_text(&r));

    // The record's value, by contrast, is evidence: one member more breaks the signatures.
    let mut f = valid_files();
    let mut rec = record(&f);
    rec.insert("note", "added");
    f.insert(
        "ttt_signed_record.json".into(),
        bundle_fixtures::json_bytes(&evv::canon::Value::Object(rec)),
    );
    bundle_fixtures::rehash(&mut f);
    let r = run(&f);
    assert!(
        r.has_failure(evv::bundle::Code::RecordSig),
        "{}",
        render_text(&r)
    );
}
