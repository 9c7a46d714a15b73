//! Line shapes: the canonical-line fast path ([`super::fast`]) for runs of lines that
//! differ only in their values.
//!
//! JSON Lines evidence repeats a handful of shapes: every REQ_SEEN entry has the same
//! keys in the same order, and trace events come in a few kinds. Scanning such a line
//! spends most of its time re-reading keys and punctuation that are the same on every
//! line. A [`Shapes`] cache learns the shape of a line that the scanner
//! ([`super::fast::members_all_hex`]) was sure of, and answers later lines of that shape
//! without scanning them.
//!
//! A shape splits the learned line into *literals* and *slots*. Every string value
//! (between its quotes) and every integer is a slot; everything else is literal: the
//! braces, brackets, commas and colons, every key with its quotes, the quotes around
//! string values, and `true`, `false` and `null`. A line *matches* the shape if it is
//! the shape's literals, in order, with in each slot a value that the scanner accepts
//! in that place:
//!
//! - a string slot: bytes up to the first one that the scanner treats as special (not
//!   printable ASCII, `"` or `\`); the literal after the slot begins with the closing
//!   quote, so that byte must be the quote;
//! - a digest slot (learned from a string of exactly 64 lowercase hex digits): exactly
//!   64 lowercase hex digits, which are plain printable ASCII, then the closing quote;
//! - an integer slot: the scanner's integer rule (`0` or `-?[1-9][0-9]*`, at most
//!   [`super::fast::MAX_FAST_INT_DIGITS`] digits), and the literal after it begins with
//!   `,`, `}` or `]`, never with a byte that would continue a number.
//!
//! **Why a match is as sure as a scan.** The scanner's path through a line depends only
//! on its structural bytes and keys, which a matching line shares byte for byte with
//! the learned line, and on each value being acceptable, which the slot rules check
//! with the scanner's own rules. So the scanner, run on a matching line, meets the same
//! tokens in the same order, accepts each one and is sure of the line, with the same
//! members at positions that differ only by the lengths of the slots before them, the
//! same member count and the same flatness; [`Shapes::members_all_hex`] returns exactly
//! that. A line that matches no shape is scanned (and may teach a new shape), so the
//! answer never depends on what was learned before. The differential tests below and
//! the `jsonl_canon` fuzz target check that the cache answers exactly as the scanner.

use super::fast::{int_end, members_all_hex, plain_end, Member, Members};
use crate::crypto::hash::{is_hex64_bytes, parse_hex32_bytes};

/// Shapes kept per cache. A new shape goes first and a full cache drops its last one,
/// so shapes of a new run take the place of those no longer used.
pub const MAX_SHAPES: usize = 8;
/// Most shapes one cache learns (a cache lives for one batch of one thread): past
/// that, lines of ever new shapes (unusual, or crafted) cost one scan each and no
/// copy of the line.
pub const MAX_LEARNED: u32 = 64;
/// Most slots in a shape: a line with more values (a long array, say) is not learned.
pub const MAX_SLOTS: usize = 48;

/// What a slot holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    /// A string's bytes (between its quotes).
    Str,
    /// A string of exactly 64 lowercase hex digits (between its quotes); `Some(k)` if it
    /// is the value of wanted key `k` whose digest the cache decodes (checked and decoded
    /// in one pass).
    Hex(Option<u8>),
    /// An integer.
    Int,
}

/// One literal of a shape and the slot after it (none after the last literal).
#[derive(Clone, Copy, Debug)]
struct Seg {
    /// The literal is `Shape::text[start..end]`.
    start: u32,
    end: u32,
    slot: Option<Slot>,
}

/// A position in a matching line: `off` bytes past the start of literal `seg`.
#[derive(Clone, Copy, Debug, Default)]
struct Pos {
    seg: u8,
    off: u32,
}

/// Where a wanted member lies, relative to the literals.
#[derive(Clone, Copy, Debug, Default)]
struct MemberPos {
    start: Pos,
    value_start: Pos,
    end: Pos,
}

/// One learned shape.
#[derive(Clone, Debug)]
struct Shape<const N: usize> {
    /// The learned line (its literals are ranges of it).
    text: Vec<u8>,
    segs: Vec<Seg>,
    /// Per wanted key (the learned line had them all): where its member lies.
    members: [MemberPos; N],
    count: usize,
    flat: bool,
    /// The cache's digest mask (as for [`members_all_hex`]).
    hex: u64,
    /// Lines this shape answered (the cache keeps the most used first).
    hits: u32,
}

/// A per-thread cache of line shapes for one set of wanted keys and digest mask: the
/// arguments of [`members_all_hex`], fixed when the cache is made.
#[derive(Debug)]
pub struct Shapes<'k, const N: usize> {
    keys: &'k [&'k str; N],
    hex: u64,
    shapes: Vec<Shape<N>>,
    /// Shapes learned so far (at most [`MAX_LEARNED`]).
    learned: u32,
}

impl<'k, const N: usize> Shapes<'k, N> {
    /// An empty cache for `members_all_hex(_, keys, hex)`.
    pub fn new(keys: &'k [&'k str; N], hex: u64) -> Self {
        Shapes {
            keys,
            hex,
            shapes: Vec::new(),
            learned: 0,
        }
    }

    /// Exactly `members_all_hex(line, keys, hex)` for the cache's keys and mask: from a
    /// learned shape that the line matches, else by scanning it (learning its shape
    /// when the scanner is sure of it).
    pub fn members_all_hex(&mut self, line: &[u8]) -> Option<Members<N>> {
        for k in 0..self.shapes.len() {
            if let Some(m) = self.shapes[k].matches(line) {
                let s = &mut self.shapes[k];
                s.hits = s.hits.saturating_add(1);
                // Most used first: a shape moves up past one used less. (Moving the
                // last match to the front would make every change of shape in a
                // mixed run, such as received and denied entries, miss first.)
                if k > 0 && self.shapes[k - 1].hits < self.shapes[k].hits {
                    self.shapes.swap(k - 1, k);
                }
                return Some(m);
            }
        }
        let m = members_all_hex(line, self.keys, self.hex)?;
        if self.learned < MAX_LEARNED {
            if let Some(s) = Shape::learn(line, &m, self.hex) {
                self.learned += 1;
                if self.shapes.len() == MAX_SHAPES {
                    self.shapes.pop();
                }
                // First, so that two new shapes taking turns cannot keep replacing
                // each other at the end while old, much used shapes stay.
                self.shapes.insert(0, s);
            }
        }
        Some(m)
    }
}

/// True if `line[at..]` begins with `lit`. Literals are short, so an inline comparison
/// (eight bytes at a time, the last eight overlapping) beats a library call.
#[inline]
fn lit_at(line: &[u8], at: usize, lit: &[u8]) -> bool {
    let Some(w) = line.get(at..at + lit.len()) else {
        return false;
    };
    let n = lit.len();
    if n < 8 {
        return w.iter().zip(lit).all(|(a, b)| a == b);
    }
    let word = |s: &[u8], i: usize| u64::from_le_bytes(s[i..i + 8].try_into().unwrap_or([0; 8]));
    let mut i = 0;
    while i + 8 <= n {
        if word(w, i) != word(lit, i) {
            return false;
        }
        i += 8;
    }
    i == n || word(w, n - 8) == word(lit, n - 8)
}

impl<const N: usize> Shape<N> {
    /// The shape of `line`, which the scanner was sure of with members `m` (all wanted
    /// keys present) for digest mask `hex`; `None` if it has more than [`MAX_SLOTS`]
    /// slots.
    fn learn(line: &[u8], m: &Members<N>, hex: u64) -> Option<Self> {
        let mut segs = Vec::new();
        // Per container entered: true for an object.
        let mut stack: Vec<bool> = Vec::new();
        let mut expect_key = false;
        let mut lit_start = 0;
        let mut i = 0;
        while i < line.len() {
            match line[i] {
                b'{' => {
                    stack.push(true);
                    expect_key = true;
                    i += 1;
                }
                b'[' => {
                    stack.push(false);
                    expect_key = false;
                    i += 1;
                }
                b'}' | b']' => {
                    stack.pop();
                    i += 1;
                }
                b':' => {
                    expect_key = false;
                    i += 1;
                }
                b',' => {
                    expect_key = stack.last() == Some(&true);
                    i += 1;
                }
                b'"' => {
                    // A sure line's strings are plain: the next quote closes it.
                    let close = i + 1 + line[i + 1..].iter().position(|&c| c == b'"')?;
                    if expect_key {
                        i = close + 1;
                        continue;
                    }
                    let body = &line[i + 1..close];
                    let slot = match <&[u8; 64]>::try_from(body) {
                        Ok(d) if is_hex64_bytes(d) => Slot::Hex(None),
                        _ => Slot::Str,
                    };
                    segs.push(Seg {
                        start: u32::try_from(lit_start).ok()?,
                        end: u32::try_from(i + 1).ok()?,
                        slot: Some(slot),
                    });
                    lit_start = close;
                    i = close + 1;
                }
                b'-' | b'0'..=b'9' => {
                    let end = int_end(line, i)?;
                    segs.push(Seg {
                        start: u32::try_from(lit_start).ok()?,
                        end: u32::try_from(i).ok()?,
                        slot: Some(Slot::Int),
                    });
                    lit_start = end;
                    i = end;
                }
                // `true`, `false`, `null`: literal bytes.
                _ => i += 1,
            }
            if segs.len() > MAX_SLOTS {
                return None;
            }
        }
        segs.push(Seg {
            start: u32::try_from(lit_start).ok()?,
            end: u32::try_from(line.len()).ok()?,
            slot: None,
        });
        // A position of the learned line as (literal, offset): every member's start,
        // and its end, lies in a literal or at the end of the line; so does the start
        // of a value, except an integer's, which is the start of its slot
        // ([`slot_start`]).
        let pos = |p: usize| -> Option<Pos> {
            let k = segs
                .iter()
                .position(|s| p >= s.start as usize && p < s.end as usize);
            let k = match k {
                Some(k) => k,
                // The end of the line: past the last literal.
                None if p == line.len() => segs.len() - 1,
                None => return None,
            };
            Some(Pos {
                seg: u8::try_from(k).ok()?,
                off: u32::try_from(p - segs[k].start as usize).ok()?,
            })
        };
        let mut members = [MemberPos::default(); N];
        for (mp, f) in members.iter_mut().zip(&m.found) {
            let f = f.as_ref()?;
            *mp = MemberPos {
                start: pos(f.start)?,
                value_start: pos(f.value_start).or_else(|| slot_start(&segs, f.value_start))?,
                end: pos(f.end)?,
            };
        }
        // A digest slot that is the value of a key whose digest is wanted decodes it
        // (its opening quote ends the literal before the slot).
        for (k, mp) in members
            .iter()
            .enumerate()
            .filter(|(k, _)| *k < 64 && hex & (1 << k) != 0)
        {
            let seg = &mut segs[usize::from(mp.value_start.seg)];
            if mp.value_start.off + 1 == seg.end - seg.start && seg.slot == Some(Slot::Hex(None)) {
                seg.slot = Some(Slot::Hex(Some(u8::try_from(k).ok()?)));
            }
        }
        Some(Shape {
            text: line.to_vec(),
            segs,
            members,
            count: m.count,
            flat: m.flat,
            hex,
            hits: 0,
        })
    }

    /// The members of `line` if it matches this shape (see the module documentation).
    #[inline]
    fn matches(&self, line: &[u8]) -> Option<Members<N>> {
        let mut out = Members {
            found: [None; N],
            count: self.count,
            flat: self.flat,
            hex: [None; N],
        };
        // Where each literal starts in `line`.
        let mut at = [0usize; MAX_SLOTS + 1];
        let mut p = 0;
        for (k, s) in self.segs.iter().enumerate() {
            let lit = &self.text[s.start as usize..s.end as usize];
            if !lit_at(line, p, lit) {
                return None;
            }
            at[k] = p;
            p += lit.len();
            match s.slot {
                None => {}
                Some(Slot::Str) => p = plain_end(line, p),
                Some(Slot::Hex(decode)) => {
                    let d: &[u8; 64] = line.get(p..p + 64)?.try_into().ok()?;
                    match decode {
                        // Decoding checks the digits too: not hex, not this shape.
                        Some(k) => out.hex[usize::from(k)] = Some(parse_hex32_bytes(d)?),
                        None if is_hex64_bytes(d) => {}
                        None => return None,
                    }
                    p += 64;
                }
                Some(Slot::Int) => p = int_end(line, p)?,
            }
        }
        if p != line.len() {
            return None;
        }
        let place = |q: Pos| at[q.seg as usize] + q.off as usize;
        for (k, mp) in self.members.iter().enumerate() {
            let f = Member {
                start: place(mp.start),
                value_start: place(mp.value_start),
                end: place(mp.end),
            };
            // A wanted digest not decoded in its slot (a string slot): decoded here if
            // the string is 64 lowercase hex digits, as the scanner does.
            if k < 64 && self.hex & (1 << k) != 0 && out.hex[k].is_none() {
                out.hex[k] = f.str_bytes(line).and_then(parse_hex32_bytes);
            }
            out.found[k] = Some(f);
        }
        Some(out)
    }
}

/// The position of an integer value's first byte: the start of the slot after a
/// literal, so the end of that literal.
fn slot_start(segs: &[Seg], p: usize) -> Option<Pos> {
    let k = segs
        .iter()
        .position(|s| s.end as usize == p && s.slot == Some(Slot::Int))?;
    Some(Pos {
        seg: u8::try_from(k).ok()?,
        off: segs[k].end - segs[k].start,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canon::fast::arb;
    use crate::canon::{to_vec, Dialect, Number, Object, Value};
    use proptest::prelude::*;

    const KEYS: [&str; 4] = ["a", "data", "event_hash", "leaf_hash"];
    const MASKS: [u64; 3] = [0b1111, 0b0110, 0];

    type Answer<const N: usize> = Option<([Option<Member>; N], usize, bool, [Option<[u8; 32]>; N])>;

    fn answer<const N: usize>(m: Option<Members<N>>) -> Answer<N> {
        m.map(|m| (m.found, m.count, m.flat, m.hex))
    }

    /// A cache that has learned from `learned` answers `line` exactly as the scanner,
    /// for every mask; true if a learned shape answered (the line was not scanned).
    fn same_as_scan(learned: &[&[u8]], line: &[u8]) -> bool {
        let mut hit = false;
        for mask in MASKS {
            let mut c = Shapes::new(&KEYS, mask);
            for l in learned {
                let _ = c.members_all_hex(l);
            }
            hit |= c.shapes.iter().any(|s| s.matches(line).is_some());
            let want = answer(members_all_hex(line, &KEYS, mask));
            assert_eq!(
                answer(c.members_all_hex(line)),
                want,
                "mask {mask:#b}: {}",
                String::from_utf8_lossy(line)
            );
            // Twice: the second time from whatever the first one learned.
            assert_eq!(answer(c.members_all_hex(line)), want);
        }
        hit
    }

    /// 64 lowercase hex digits from `x`.
    fn hex64(x: u64) -> String {
        let mut s = String::new();
        for i in 0..8 {
            s.push_str(&format!("{:08x}", x.rotate_left(8 * i) ^ u64::from(i)));
        }
        s[..64].to_string()
    }

    /// `v` with every string and number replaced by another drawn from `seed`: mostly
    /// a value of the same class (so the same shape), sometimes one that no slot
    /// accepts in that place.
    fn vary(v: &Value, seed: &mut u64) -> Value {
        let mut next = || {
            *seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            *seed >> 33
        };
        match v {
            Value::String(s) => {
                let r = next();
                let digest = s.len() == 64;
                Value::String(match r % 16 {
                    0 => hex64(r).to_uppercase(),
                    1 => hex64(r)[..63].to_string(),
                    2 => "\u{e9}\"\\\u{7f}"
                        .chars()
                        .nth((r / 16 % 4) as usize)
                        .unwrap()
                        .to_string(),
                    3 => String::new(),
                    4 => hex64(r),
                    _ if digest => hex64(r),
                    _ => format!("{}-{}", s.chars().take(3).collect::<String>(), r % 1000),
                })
            }
            Value::Number(_) => {
                let r = next();
                Value::Number(match r % 16 {
                    0 => Number::from(1_000_000_000_000_000u64),
                    1 => Number::Float(1.5),
                    2 => Number::from(0u64),
                    3 => Number::from(-(r as i64 % 50)),
                    4 => Number::from(999_999_999_999_999u64),
                    _ => Number::from(r % 100_000),
                })
            }
            Value::Array(a) => Value::Array(a.iter().map(|x| vary(x, seed)).collect()),
            Value::Object(o) => {
                let mut out = Object::new();
                for (k, x) in o.iter() {
                    out.insert(k, vary(x, seed));
                }
                Value::Object(out)
            }
            x => x.clone(),
        }
    }

    fn line(v: &Value) -> Vec<u8> {
        to_vec(v, Dialect::CanonicalJson).unwrap_or_default()
    }

    /// Values that are mostly plain (so the line is learned), with digests.
    fn plain() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            3 => any::<u64>().prop_map(|x| Value::String(hex64(x))),
            2 => "[a-z0-9 ._-]{0,12}".prop_map(Value::String),
            2 => (0u64..100_000).prop_map(|x| Value::Number(Number::from(x))),
            1 => Just(Value::Null),
            1 => any::<bool>().prop_map(Value::Bool),
            1 => arb::value(),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec(("[a-z_]{1,6}", inner), 0..4).prop_map(|kv| {
                    let mut o = Object::new();
                    for (k, v) in kv {
                        o.insert(k, v);
                    }
                    Value::Object(o)
                }),
            ]
        })
    }

    /// An object with every wanted key (now and then one missing) and a few others.
    fn top() -> impl Strategy<Value = Value> {
        let extra = prop::sample::select(vec!["b", "zz", "\u{e9}", "data_"]);
        (
            prop::collection::vec(plain(), 4),
            prop::collection::vec((extra, plain()), 0..3),
            prop::option::weighted(0.1, 0..KEYS.len()),
        )
            .prop_map(|(vals, extra, drop)| {
                let mut o = Object::new();
                for (k, (key, v)) in KEYS.iter().zip(vals).enumerate() {
                    if drop != Some(k) {
                        o.insert(*key, v);
                    }
                }
                for (k, v) in extra {
                    o.insert(k, v);
                }
                Value::Object(o)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4096, failure_persistence: None, ..ProptestConfig::default() })]

        /// Differential: a cache that learned a line answers lines of the same shape
        /// with other values, and the learned line edited once, exactly as the scanner.
        #[test]
        fn cache_answers_as_the_scanner(
            v in top(),
            w in top(),
            seed in any::<u64>(),
            edit in prop::option::of((0u8..7, 0usize..4096, any::<u8>())),
        ) {
            let learned = line(&v);
            let mut s = seed;
            let varied = line(&vary(&v, &mut s));
            let other = line(&w);
            for l in [&learned, &varied, &other] {
                let l = match edit {
                    Some((op, at, b)) => arb::mutate(l, op, at, b),
                    None => l.clone(),
                };
                same_as_scan(&[&learned], &l);
                same_as_scan(&[&other, &learned], &l);
            }
        }
    }

    #[test]
    fn same_shape_other_values_is_answered_by_the_shape() {
        let a = br#"{"a":"x","data":{"k":3,"p":["0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"]},"event_hash":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","leaf_hash":null,"seq":-12}"#;
        let b = br#"{"a":"a longer plain string","data":{"k":30000,"p":["ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"]},"event_hash":"abcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcd","leaf_hash":null,"seq":0}"#;
        assert!(same_as_scan(&[a], b));
        assert!(same_as_scan(&[b], a));
        // Not the shape: each edit either breaks a literal or puts a value in a slot
        // that the slot (and the scanner) refuses.
        for bad in [
            &br#"{"a":"x","data":{"k":3,"p":["0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeF"]},"event_hash":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","leaf_hash":null,"seq":-12}"#[..],
            br#"{"a":"x\"","data":{"k":3,"p":["0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"]},"event_hash":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","leaf_hash":null,"seq":-12}"#,
            br#"{"a":"x","data":{"k":03,"p":["0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"]},"event_hash":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","leaf_hash":null,"seq":-12}"#,
            br#"{"a":"x","data":{"k":3,"p":["0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"]},"event_hash":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","leaf_hash":null,"seq":-0}"#,
            br#"{"a":"x","data":{"k":3,"p":["0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"]},"event_hash":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","leaf_hash":null,"seq":1.5}"#,
            br#"{"a":"x","data":{"k":3,"p":["0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"]},"event_hash":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","leaf_hash":null,"seq":1234567890123456}"#,
            br#"{"a":"x","data":{"k":3,"p":["0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"]},"event_hash":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","leaf_hash":null,"seq":-12} "#,
            br#"{"a":"x","data":{"k":3,"p":["0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"]},"event_hash":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","leaf_hash":nul,"seq":-12}"#,
            // A decoded digest slot (`event_hash`, masks 0b1111 and 0b0110) refuses a
            // digit outside 0-9a-f as the checking slot does.
            br#"{"a":"x","data":{"k":3,"p":["0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"]},"event_hash":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg","leaf_hash":null,"seq":-12}"#,
        ] {
            assert!(!same_as_scan(&[a], bad), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn lines_with_many_values_are_not_learned() {
        let many: Vec<Value> = (0..MAX_SLOTS as u64 + 1).map(Value::from).collect();
        let mut o = Object::new();
        o.insert("a", Value::Array(many));
        o.insert("data", 1u64);
        o.insert("event_hash", 2u64);
        o.insert("leaf_hash", 3u64);
        let l = line(&Value::Object(o));
        let mut c = Shapes::new(&KEYS, 0);
        assert!(c.members_all_hex(&l).is_some());
        assert!(c.shapes.is_empty());
        assert!(!same_as_scan(&[&l], &l));
    }

    #[test]
    fn at_most_max_shapes_most_used_first() {
        let shape = |i: usize| {
            let mut o = Object::new();
            for k in KEYS {
                o.insert(k, 1u64);
            }
            o.insert(format!("k{i:02}"), "v");
            line(&Value::Object(o))
        };
        let kept = |c: &Shapes<'_, 4>, i| c.shapes.iter().any(|s| s.matches(&shape(i)).is_some());
        let mut c = Shapes::new(&KEYS, 0);
        for i in 0..MAX_SHAPES + 3 {
            assert!(c.members_all_hex(&shape(i)).is_some());
        }
        assert_eq!(c.shapes.len(), MAX_SHAPES);
        // The last learned is first; the oldest were dropped.
        assert!(c.shapes[0].matches(&shape(MAX_SHAPES + 2)).is_some());
        assert!(!kept(&c, 0) && kept(&c, 3));
        // A shape used more than those before it moves to the front.
        let used = shape(5);
        for _ in 0..MAX_SHAPES {
            assert!(c.members_all_hex(&used).is_some());
        }
        assert!(c.shapes[0].matches(&used).is_some());
        // Two new shapes taking turns are both kept, beside much used old ones.
        let mut c = Shapes::new(&KEYS, 0);
        for i in 0..MAX_SHAPES {
            for _ in 0..10 {
                assert!(c.members_all_hex(&shape(i)).is_some());
            }
        }
        for _ in 0..4 {
            for i in [50, 51] {
                assert!(c.members_all_hex(&shape(i)).is_some());
            }
        }
        assert!(kept(&c, 50) && kept(&c, 51));
        assert_eq!(c.learned, MAX_SHAPES as u32 + 2);
    }

    #[test]
    fn learning_stops_after_max_learned() {
        let mut c = Shapes::new(&KEYS, 0);
        for i in 0..MAX_LEARNED + 10 {
            let mut o = Object::new();
            for k in KEYS {
                o.insert(k, 1u64);
            }
            o.insert(format!("k{i:03}"), "v");
            let l = line(&Value::Object(o));
            // Answered (by the scan) whether or not the shape is learned.
            assert_eq!(
                answer(c.members_all_hex(&l)),
                answer(members_all_hex(&l, &KEYS, 0))
            );
        }
        assert_eq!(c.learned, MAX_LEARNED);
    }
}
