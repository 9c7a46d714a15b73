//! JSON Lines as `evv canon --jsonl` reads them: the input minus one trailing newline is
//! split on `\n`, and every line is parsed and canonicalized on its own (a bad line is
//! an error for that line only). Also checks that a line's canonical form never holds
//! a raw newline (one output line per input line) and that hashing never panics.
//! Also the soundness rule of the canonical-line fast path (`canon::fast`): a line it
//! is sure of parses, is its own canonical form in every dialect, and the spans and
//! two-slice hashes it returns agree with the tree (`canon::sha256_without`).
//! And `canon::fast::members_all_hex` (the bundle trace-line scan) agrees with
//! `members_all` (same answer, spans, count, flatness) and decodes exactly the asked-for
//! values that `crypto::hash::parse_hex32` decodes.
//! And the line-shape cache (`canon::shape::Shapes`), which keeps what it learned from
//! the earlier lines of the input: it answers every line exactly as `members_all_hex`.
#![no_main]

use evv::canon::shape::Shapes;
use evv::canon::{self, Dialect};
use libfuzzer_sys::fuzz_target;

/// The comparable parts of a scan's answer.
type Answer<const N: usize> = Option<(
    [Option<canon::fast::Member>; N],
    usize,
    bool,
    [Option<[u8; 32]>; N],
)>;

fn answer<const N: usize>(m: Option<canon::fast::Members<N>>) -> Answer<N> {
    m.map(|m| (m.found, m.count, m.flat, m.hex))
}

/// A shape cache answers `line` as the scanner does with the cache's keys and mask.
fn check_shapes<const N: usize>(c: &mut Shapes<'_, N>, line: &[u8], keys: &[&str; N], mask: u64) {
    assert_eq!(
        answer(c.members_all_hex(line)),
        answer(canon::fast::members_all_hex(line, keys, mask)),
        "the shape cache and the scanner disagree (mask {mask:#b})"
    );
}

/// `members_all_hex(line, keys, mask)` is `members_all(line, keys)` plus, per key whose
/// bit is set, the member's string value decoded by `parse_hex32`.
fn check_hex<const N: usize>(line: &[u8], keys: &[&str; N], mask: u64) {
    let all = canon::fast::members_all(line, keys);
    let h = canon::fast::members_all_hex(line, keys, mask);
    assert_eq!(
        h.map(|h| (h.found, h.count, h.flat)),
        all.map(|a| (a.found, a.count, a.flat)),
        "members_all_hex and members_all disagree (mask {mask:#b})"
    );
    if let Some(h) = h {
        for (k, (f, d)) in h.found.iter().zip(h.hex).enumerate() {
            let want = f
                .filter(|_| mask & (1 << k) != 0)
                .and_then(|f| evv::crypto::hash::parse_hex32(f.as_str(line)?));
            assert_eq!(d, want, "digest of {} (mask {mask:#b})", keys[k]);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let body = data.strip_suffix(b"\n").unwrap_or(data);
    if body.is_empty() {
        return;
    }
    let keys = ["a", "data", "event_hash", "leaf_hash"];
    let event_keys = evv::bundle::chain::EVENT_KEYS;
    let event_mask = evv::bundle::chain::EVENT_HEX_MASK;
    let mut shapes_all = Shapes::new(&keys, 0b1111);
    let mut shapes_none = Shapes::new(&keys, 0);
    let mut shapes_event = Shapes::new(&event_keys, event_mask);
    for line in body.split(|&b| b == b'\n') {
        check_shapes(&mut shapes_all, line, &keys, 0b1111);
        check_shapes(&mut shapes_none, line, &keys, 0);
        check_shapes(&mut shapes_event, line, &event_keys, event_mask);
        for mask in [0b1111, 0b0110, 0] {
            check_hex(line, &keys, mask);
        }
        // The bundle trace-line keys, with the mask `bundle::chain` uses and all bits.
        for mask in [event_mask, 0x7f] {
            check_hex(line, &event_keys, mask);
        }
        let m = canon::fast::members(line, &keys);
        if m.is_none() {
            assert!(
                canon::fast::members_all(line, &keys).is_none(),
                "members_all sure alone"
            );
        }
        if let Some(m) = m {
            let v = canon::parse(line).expect("a line the fast path is sure of parses");
            let o = v
                .as_object()
                .expect("a line the fast path is sure of is an object");
            assert_eq!(m.count, o.len(), "member count");
            for d in [Dialect::Python, Dialect::CanonicalJson, Dialect::Jcs] {
                let c = canon::to_vec(&v, d).expect("a sure line encodes");
                assert_eq!(
                    c, line,
                    "{d:?}: the fast path was sure of a non-canonical line"
                );
            }
            // The early-exit variant agrees: sure iff every key is present.
            let all = canon::fast::members_all(line, &keys);
            assert_eq!(
                all.is_some(),
                m.found.iter().all(Option::is_some),
                "members_all"
            );
            for (k, f) in keys.iter().zip(m.found) {
                assert_eq!(f.is_some(), o.contains_key(k), "member {k} found");
                if let Some(f) = f {
                    let x = canon::parse(f.value(line)).expect("member value parses");
                    assert_eq!(Some(&x), o.get(k), "member {k} span");
                    for d in [Dialect::Python, Dialect::CanonicalJson, Dialect::Jcs] {
                        assert_eq!(
                            m.sha256_without(line, &f),
                            canon::sha256_without(o, &[k], d).expect("encodes"),
                            "{d:?}: two-slice hash without {k}"
                        );
                    }
                }
            }
        }
        let v = match canon::parse(line) {
            Ok(v) => v,
            Err(e) => {
                assert!(e.offset <= line.len(), "error offset past the line");
                assert_eq!(e.line, 1, "a single line reported an error on another line");
                continue;
            }
        };
        for d in [Dialect::Python, Dialect::CanonicalJson, Dialect::Jcs] {
            if let Ok(c) = canon::to_vec(&v, d) {
                assert!(!c.contains(&b'\n'), "{d:?} output holds a raw newline");
                let _ = evv::crypto::hash::sha256_hex(&c);
            }
        }
    }
});
