//! A non-allocating fast path for JSON Lines that are already canonical.
//!
//! [`members`] scans one line and answers either "sure": the line is exactly
//! `canon::to_vec(&parse(line)?, d)` for **every** dialect `d`, and here are the byte
//! spans of the top-level members asked for; or "not sure" (`None`), in which case the
//! caller must take the ordinary parse-and-serialise path. "Not sure" is allowed for
//! any canonical line: the scanner accepts only a deliberately small subset of JSON on
//! which the three dialects agree byte for byte:
//!
//! - no whitespace anywhere, nothing after the top-level object, which must be an object;
//! - strings of printable ASCII only (0x20..=0x7e) with no `"` or `\` inside: no escapes,
//!   no control characters, no DEL, no non-ASCII (each dialect writes such a string as
//!   its raw bytes, and for ASCII keys byte order = code-point order = UTF-16 order);
//! - object keys in strictly increasing byte order (so also no duplicate key);
//! - integers only, `0` or `-?[1-9][0-9]*`, at most 15 digits (no `-0`, no fraction, no
//!   exponent): Python and canonicaljson write an integer literal verbatim, and below
//!   10^15 every integer is an exact double that ECMAScript prints as the same digits;
//! - `true`, `false`, `null`; arrays; nesting at most [`MAX_FAST_DEPTH`] deep.
//!
//! Everything else (floats, exponents, escapes, non-ASCII, whitespace, unsorted or
//! duplicate keys, long integers, deep nesting, trailing bytes, invalid JSON) is
//! "not sure". The soundness rule `members(line).is_some() => to_vec(parse(line), d) ==
//! line` is checked by a differential property test (this module's tests, on generated values
//! written in each dialect and then mutated) and the `jsonl_canon` fuzz target.
//!
//! When a line is canonical, the canonical bytes of its object without one top-level
//! member are the line with that member and one adjacent comma cut out, so "SHA-256 of
//! the canonical bytes without field Y" is SHA-256 over two slices of the line
//! ([`Members::sha256_without`]).

use std::cmp::Ordering;

use sha2::{Digest, Sha256};

/// Deepest nesting the fast path accepts (deeper lines take the tree path).
pub const MAX_FAST_DEPTH: usize = 64;
/// Longest integer literal (in digits) the fast path accepts.
pub const MAX_FAST_INT_DIGITS: usize = 15;

/// Byte spans of one top-level member of a canonical line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Member {
    /// Offset of the opening quote of the key.
    pub start: usize,
    /// Offset of the first byte of the value.
    pub value_start: usize,
    /// Offset just past the value.
    pub end: usize,
}

impl Member {
    /// The value's bytes as written (a string keeps its quotes).
    pub fn value<'a>(&self, line: &'a [u8]) -> &'a [u8] {
        &line[self.value_start..self.end]
    }

    /// The value's bytes if it is a string (they need no unescaping on the fast path).
    pub fn str_bytes<'a>(&self, line: &'a [u8]) -> Option<&'a [u8]> {
        self.value(line).strip_prefix(b"\"")?.strip_suffix(b"\"")
    }

    /// The value if it is a string.
    pub fn as_str<'a>(&self, line: &'a [u8]) -> Option<&'a str> {
        std::str::from_utf8(self.str_bytes(line)?).ok()
    }

    /// The value if it is a non-negative integer.
    pub fn as_u64(&self, line: &[u8]) -> Option<u64> {
        let v = self.value(line);
        if v.is_empty() || !v.iter().all(u8::is_ascii_digit) {
            return None;
        }
        v.iter().try_fold(0u64, |acc, &c| {
            acc.checked_mul(10)?.checked_add(u64::from(c - b'0'))
        })
    }

    /// True if the value is an object.
    pub fn is_object(&self, line: &[u8]) -> bool {
        line.get(self.value_start) == Some(&b'{')
    }

    /// True if the value is a string, an integer, `true`, `false` or `null` (not an
    /// object or an array).
    pub fn is_scalar(&self, line: &[u8]) -> bool {
        !matches!(line.get(self.value_start), Some(b'{' | b'['))
    }
}

/// The result of a successful scan: the spans of the members asked for.
#[derive(Clone, Copy, Debug)]
pub struct Members<const N: usize> {
    /// Per key asked for (same order): its member, or `None` if the object lacks it.
    pub found: [Option<Member>; N],
    /// Number of top-level members of the object (asked for or not).
    pub count: usize,
    /// True if every top-level value is a scalar (no nested object or array).
    pub flat: bool,
    /// Per key asked for as a digest ([`members_all_hex`]): its value decoded when it
    /// is a string of exactly 64 lowercase hex digits, else `None`.
    pub hex: [Option<[u8; 32]>; N],
}

impl<const N: usize> Members<N> {
    /// SHA-256 of the canonical bytes (in any dialect) of the line's object without the
    /// member `m`: the line with `m` and one adjacent comma excised. Only meaningful for
    /// the `line` that was scanned and one of its members.
    pub fn sha256_without(&self, line: &[u8], m: &Member) -> [u8; 32] {
        let [a, b] = self.without(line, m);
        let mut h = Sha256::new();
        h.update(a);
        h.update(b);
        h.finalize().into()
    }

    /// The two pieces of the line whose concatenation [`Members::sha256_without`]
    /// hashes: the line before member `m` and the line after it, one adjacent comma
    /// excised with the member.
    pub fn without<'l>(&self, line: &'l [u8], m: &Member) -> [&'l [u8]; 2] {
        let (cut_start, cut_end) = if line.get(m.end) == Some(&b',') {
            // `{..,"k":v,..}` or `{"k":v,..}`: drop the member and the comma after it.
            (m.start, m.end + 1)
        } else if m.start > 1 && line[m.start - 1] == b',' {
            // The last member: drop the comma before it.
            (m.start - 1, m.end)
        } else {
            // The only member: `{}` remains.
            (m.start, m.end)
        };
        [&line[..cut_start], &line[cut_end..]]
    }
}

/// Scans `line`; `Some` only if it is certainly the canonical encoding, in every
/// dialect, of the object it parses to (see the module documentation). `keys` are the
/// top-level keys whose spans are wanted, in increasing byte order (a key out of order
/// is reported as absent, which only sends the caller to the tree path).
pub fn members<const N: usize>(line: &[u8], keys: &[&str; N]) -> Option<Members<N>> {
    scan(line, keys, false)
}

/// [`members`] for a caller that needs every one of `keys`: `None` as soon as one is
/// known to be absent (without scanning the rest of the line), so a line that would
/// take the tree path anyway costs little.
pub fn members_all<const N: usize>(line: &[u8], keys: &[&str; N]) -> Option<Members<N>> {
    scan(line, keys, true)
}

/// [`members_all`], also decoding the values of the keys whose bit is set in `hex`
/// (bit `k` for `keys[k]`) when they are strings of exactly 64 lowercase hex digits
/// ([`Members::hex`]), in the same pass. The answer and the spans are those of
/// [`members_all`]: such a string is one the scanner accepts anyway, with the same end.
pub fn members_all_hex<const N: usize>(
    line: &[u8],
    keys: &[&str; N],
    hex: u64,
) -> Option<Members<N>> {
    scan_hex(line, keys, true, hex)
}

fn scan<const N: usize>(line: &[u8], keys: &[&str; N], all: bool) -> Option<Members<N>> {
    scan_hex(line, keys, all, 0)
}

fn scan_hex<const N: usize>(
    line: &[u8],
    keys: &[&str; N],
    all: bool,
    hex: u64,
) -> Option<Members<N>> {
    let mut s = Scanner { b: line, i: 0 };
    let mut out = Members {
        found: [None; N],
        count: 0,
        flat: true,
        hex: [None; N],
    };
    if line.first() != Some(&b'{') {
        return None;
    }
    s.i = 1;
    // Cursor over `keys`: the first one not yet matched.
    let mut next = 0;
    if s.peek() == Some(b'}') {
        s.i += 1;
    } else {
        let mut prev: &[u8] = &[];
        loop {
            let start = s.i;
            let key = s.string()?;
            if out.count > 0 && key_cmp(key, prev) != Ordering::Greater {
                return None;
            }
            prev = key;
            // Keys arrive in increasing order: one cursor over the sorted `keys`.
            while next < N && key_cmp(keys[next].as_bytes(), key) == Ordering::Less {
                if all {
                    // keys[next] sorts before this key and was not seen: absent.
                    return None;
                }
                next += 1;
            }
            let wanted = next < N && key_cmp(keys[next].as_bytes(), key) == Ordering::Equal;
            if s.peek() != Some(b':') {
                return None;
            }
            s.i += 1;
            let value_start = s.i;
            if matches!(s.peek(), Some(b'{' | b'[')) {
                out.flat = false;
            }
            let digest = if wanted && next < 64 && hex & (1 << next) != 0 {
                s.hex32()
            } else {
                None
            };
            if digest.is_some() {
                out.hex[next] = digest;
            } else {
                s.value(1)?;
            }
            out.count += 1;
            if wanted {
                out.found[next] = Some(Member {
                    start,
                    value_start,
                    end: s.i,
                });
                next += 1;
            }
            match s.peek() {
                Some(b',') => s.i += 1,
                Some(b'}') => {
                    s.i += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    if all && next < N {
        return None;
    }
    (s.i == line.len()).then_some(out)
}

/// Byte-order comparison of two (short) keys, eight bytes at a time: the same order as
/// `a.cmp(b)` without a library call for every member.
#[inline]
fn key_cmp(a: &[u8], b: &[u8]) -> Ordering {
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + 8 <= n {
        let x = u64::from_be_bytes(a[i..i + 8].try_into().unwrap_or([0; 8]));
        let y = u64::from_be_bytes(b[i..i + 8].try_into().unwrap_or([0; 8]));
        if x != y {
            return x.cmp(&y);
        }
        i += 8;
    }
    while i < n {
        if a[i] != b[i] {
            return a[i].cmp(&b[i]);
        }
        i += 1;
    }
    a.len().cmp(&b.len())
}

/// The end of the plain run of a string's bytes starting at `at`: the first byte that
/// the scanner does not accept inside a string (`"`, `\`, a control character, DEL or
/// a non-ASCII byte), or the end of `b`. The string is sure only if that byte is its
/// closing quote. Shared with the line shapes ([`super::shape`]), whose string slots
/// must accept exactly what the scanner accepts.
#[inline]
pub(super) fn plain_end(b: &[u8], mut at: usize) -> usize {
    // Sixteen bytes at a time while none is special, then eight at a time; the lowest
    // flag of `escape_mask8` is the exact first special byte.
    while let Some(w) = b.get(at..at + 16) {
        let (lo, hi) = w.split_at(8);
        let lo = u64::from_le_bytes(lo.try_into().unwrap_or([0; 8]));
        let hi = u64::from_le_bytes(hi.try_into().unwrap_or([0; 8]));
        if (super::escape_mask8(lo, true) | super::escape_mask8(hi, true)) != 0 {
            break;
        }
        at += 16;
    }
    while let Some(w) = b.get(at..at + 8) {
        let m = super::escape_mask8(u64::from_le_bytes(w.try_into().unwrap_or([0; 8])), true);
        if m != 0 {
            return at + (m.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    // Fewer than eight bytes left: byte by byte.
    while let Some(&c) = b.get(at) {
        if c == b'"' || c == b'\\' || !(0x20..0x7f).contains(&c) {
            return at;
        }
        at += 1;
    }
    at
}

/// The end of an integer literal starting at `at` by the scanner's rule (`0` or
/// `-?[1-9][0-9]*`, no `-0`, at most [`MAX_FAST_INT_DIGITS`] digits); `None` if there is
/// none. The caller decides what may follow (the scanner refuses `.`, `e`, `E` and a
/// digit after a leading zero). Shared with the line shapes ([`super::shape`]).
#[inline]
pub(super) fn int_end(b: &[u8], mut at: usize) -> Option<usize> {
    if b.get(at) == Some(&b'-') {
        at += 1;
        // `-0` is written `0`; a lone `-` is not JSON.
        if !matches!(b.get(at), Some(b'1'..=b'9')) {
            return None;
        }
    }
    let start = at;
    match b.get(at)? {
        b'0' => at += 1,
        b'1'..=b'9' => {
            while matches!(b.get(at), Some(b'0'..=b'9')) {
                at += 1;
            }
        }
        _ => return None,
    }
    (at - start <= MAX_FAST_INT_DIGITS).then_some(at)
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Scanner<'a> {
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// One value at nesting `depth` (the enclosing containers); `None` if not sure.
    fn value(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(|_| ()),
            b'{' => self.object(depth + 1),
            b'[' => self.array(depth + 1),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.int(),
            _ => None,
        }
    }

    fn literal(&mut self, w: &[u8]) -> Option<()> {
        if self.b[self.i..].starts_with(w) {
            self.i += w.len();
            Some(())
        } else {
            None
        }
    }

    fn int(&mut self) -> Option<()> {
        self.i = int_end(self.b, self.i)?;
        // A fraction, an exponent or a leading zero followed by digits: not sure.
        if matches!(self.peek(), Some(b'.' | b'e' | b'E' | b'0'..=b'9')) {
            return None;
        }
        Some(())
    }

    /// A string of exactly 64 lowercase hex digits, decoded and consumed; `None` (and
    /// nothing consumed) for anything else. Such a string is printable ASCII without
    /// `"` or `\`, so [`Scanner::string`] would accept it with the same end.
    #[inline]
    fn hex32(&mut self) -> Option<[u8; 32]> {
        let w = self.b.get(self.i..self.i + 66)?;
        let (open, rest) = w.split_first()?;
        let (close, digits) = rest.split_last()?;
        if *open != b'"' || *close != b'"' {
            return None;
        }
        let d = crate::crypto::hash::parse_hex32_bytes(digits)?;
        self.i += 66;
        Some(d)
    }

    /// A string of plain printable ASCII; returns its bytes without the quotes.
    #[inline]
    fn string(&mut self) -> Option<&'a [u8]> {
        if self.peek() != Some(b'"') {
            return None;
        }
        let start = self.i + 1;
        self.close(start, plain_end(self.b, start))
    }

    /// Ends the string that began at `start` (after its opening quote) if the special
    /// byte at `at` is its closing quote; `None` (not sure) if it is anything else.
    #[inline]
    fn close(&mut self, start: usize, at: usize) -> Option<&'a [u8]> {
        if self.b.get(at) != Some(&b'"') {
            return None;
        }
        self.i = at + 1;
        Some(&self.b[start..at])
    }

    fn object(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_FAST_DEPTH {
            return None;
        }
        self.i += 1;
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Some(());
        }
        let mut prev: Option<&[u8]> = None;
        loop {
            let key = self.string()?;
            if prev.is_some_and(|p| key_cmp(key, p) != Ordering::Greater) {
                return None;
            }
            prev = Some(key);
            if self.peek() != Some(b':') {
                return None;
            }
            self.i += 1;
            self.value(depth)?;
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn array(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_FAST_DEPTH {
            return None;
        }
        self.i += 1;
        if self.peek() == Some(b']') {
            self.i += 1;
            return Some(());
        }
        loop {
            self.value(depth)?;
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }
}

/// Generators shared by the differential tests of the fast paths (canon, chain, ledger).
#[cfg(test)]
pub(crate) mod arb {
    use crate::canon::{Number, Object, Value};
    use proptest::prelude::*;

    /// Mostly plain ASCII, with the characters that make a line not canonical-sure.
    pub fn string() -> impl Strategy<Value = String> {
        let ch = prop_oneof![
            6 => prop::char::range('a', 'f'),
            3 => prop::char::range(' ', '~'),
            1 => prop::sample::select(vec![
                '"', '\\', '/', '\u{0}', '\n', '\u{1f}', '\u{7f}', '\u{80}', 'é', '\u{2028}',
                '\u{e000}', '\u{ffff}', '\u{1f600}',
            ]),
        ];
        prop::collection::vec(ch, 0..10).prop_map(|v| v.into_iter().collect())
    }

    /// Integer literals around the fast path's limits, and doubles.
    pub fn number() -> impl Strategy<Value = Number> {
        prop_oneof![
            3 => (0u64..1000).prop_map(Number::from),
            2 => any::<i64>().prop_map(Number::from),
            1 => prop::sample::select(vec![
                "999999999999999", "-999999999999999", "1000000000000000",
                "9007199254740993", "123456789012345678901234567890",
            ]).prop_map(|s| Number::Int(s.into())),
            1 => prop::sample::select(vec![0.0, -0.0, 1.0, 1.5, 1e16, 1e21, 1e-7, 0.1, -2.5e-300])
                .prop_map(Number::Float),
        ]
    }

    /// Any value, nested a few levels.
    pub fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            number().prop_map(Value::Number),
            string().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 24, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec((string(), inner), 0..4).prop_map(|kv| {
                    let mut o = Object::new();
                    for (k, v) in kv {
                        o.insert(k, v);
                    }
                    Value::Object(o)
                }),
            ]
        })
    }

    /// One edit of a line: a byte replaced, inserted or deleted (any position), a
    /// member duplicated or the first two members swapped, whitespace or a trailing
    /// byte added.
    pub fn mutate(line: &[u8], op: u8, at: usize, byte: u8) -> Vec<u8> {
        const BYTES: &[u8] = b"\"\\ ,:{}[]01-.eE+afgnutx\t\r\x7f\xc3\xa9\xff";
        let b = BYTES[byte as usize % BYTES.len()];
        let mut out = line.to_vec();
        let at = if line.is_empty() { 0 } else { at % line.len() };
        match op % 7 {
            0 if !out.is_empty() => out[at] = b,
            1 => out.insert(at, b),
            2 if !out.is_empty() => {
                out.remove(at);
            }
            3 | 4 => {
                // Top-level members split at depth-1 commas (strings are plain enough
                // for the generator's keys; a wrong split only makes another mutation).
                let inner = line.strip_prefix(b"{").and_then(|x| x.strip_suffix(b"}"));
                if let Some(inner) = inner {
                    let mut parts: Vec<&[u8]> = Vec::new();
                    let (mut depth, mut instr, mut esc, mut last) = (0i32, false, false, 0);
                    for (i, &c) in inner.iter().enumerate() {
                        if instr {
                            match (esc, c) {
                                (true, _) => esc = false,
                                (false, b'\\') => esc = true,
                                (false, b'"') => instr = false,
                                _ => {}
                            }
                            continue;
                        }
                        match c {
                            b'"' => instr = true,
                            b'{' | b'[' => depth += 1,
                            b'}' | b']' => depth -= 1,
                            b',' if depth == 0 => {
                                parts.push(&inner[last..i]);
                                last = i + 1;
                            }
                            _ => {}
                        }
                    }
                    parts.push(&inner[last..]);
                    if op % 7 == 3 {
                        let k = at % parts.len();
                        parts.insert(k, parts[k]);
                    } else if parts.len() > 1 {
                        parts.swap(0, 1);
                    }
                    out = b"{".to_vec();
                    out.extend(parts.join(&b","[..]));
                    out.push(b'}');
                }
            }
            5 => out.insert(at, b' '),
            _ => out.push(b),
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canon::{parse, sha256_without, to_vec, Dialect, Value};

    const ALL: [Dialect; 3] = [Dialect::Python, Dialect::CanonicalJson, Dialect::Jcs];

    /// The soundness rule on one line, plus the excision hash for every member.
    fn check(line: &str) -> bool {
        let b = line.as_bytes();
        let Some(m) = members(b, &["a", "b", "z"]) else {
            return false;
        };
        let v = parse(b).expect("a sure line parses");
        let o = v.as_object().expect("an object");
        for d in ALL {
            assert_eq!(to_vec(&v, d).unwrap(), b, "{d:?}: {line}");
        }
        assert_eq!(m.count, o.len());
        let all = members_all(b, &["a", "b", "z"]);
        let has_all = ["a", "b", "z"].iter().all(|k| o.contains_key(k));
        assert_eq!(all.is_some(), has_all, "{line}");
        if let Some(a) = all {
            assert_eq!(a.found, m.found);
        }
        // Decoding digests in the scan changes neither the answer nor the spans.
        for mask in [0b001, 0b010, 0b111] {
            let h = members_all_hex(b, &["a", "b", "z"], mask);
            assert_eq!(
                h.map(|h| (h.found, h.count, h.flat)),
                all.map(|a| (a.found, a.count, a.flat))
            );
            if let Some(h) = h {
                for (k, (f, d)) in h.found.iter().zip(h.hex).enumerate() {
                    let want = f
                        .filter(|_| mask & (1 << k) != 0)
                        .and_then(|f| crate::crypto::hash::parse_hex32_bytes(f.str_bytes(b)?));
                    assert_eq!(d, want, "{line}");
                }
            }
        }
        for (k, f) in ["a", "b", "z"].iter().zip(m.found) {
            assert_eq!(f.is_some(), o.contains_key(k));
            if let Some(f) = f {
                assert_eq!(parse(f.value(b)).ok().as_ref(), o.get(k));
                for d in ALL {
                    assert_eq!(m.sha256_without(b, &f), sha256_without(o, &[k], d).unwrap());
                }
            }
        }
        assert_eq!(
            m.flat,
            o.iter()
                .all(|(_, x)| !matches!(x, Value::Object(_) | Value::Array(_)))
        );
        true
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 2048, failure_persistence: None, ..Default::default()
        })]

        /// Differential: any value written in any dialect, as is or edited once; every
        /// line the scanner is sure of is its own canonical form in all dialects, and
        /// the spans and excision hashes agree with the tree.
        #[test]
        fn sure_implies_canonical(
            v in proptest::collection::vec((arb::string(), arb::value()), 0..6),
            keys in proptest::collection::vec(
                (proptest::sample::select(vec!["a", "b", "z"]), 0usize..6, 0usize..64),
                0..3,
            ),
            d in 0usize..3,
            edit in proptest::option::of((0u8..7, 0usize..4096, proptest::prelude::any::<u8>())),
        ) {
            let mut o = crate::canon::Object::new();
            for (k, x) in v {
                o.insert(k, x);
            }
            for (k, kind, at) in keys {
                // An integer, or a digest string and its near misses (decoded in the
                // scan by `members_all_hex`, or not).
                let hex: String = (0..64).map(|i| b"0123456789abcdef"[(i * 7 + at) % 16] as char).collect();
                let mut x = hex.clone();
                match kind {
                    0 => {
                        o.insert(k, 7u64);
                        continue;
                    }
                    1 => {}
                    2 => x.replace_range(at..at + 1, "A"),
                    3 => x.truncate(63),
                    4 => x.push('0'),
                    _ => x.replace_range(at..at + 1, "g"),
                }
                o.insert(k, x);
            }
            let Ok(line) = to_vec(&Value::Object(o), ALL[d]) else { return Ok(()) };
            let line = match edit {
                Some((op, at, b)) => arb::mutate(&line, op, at, b),
                None => line,
            };
            if let Ok(s) = std::str::from_utf8(&line) {
                check(s);
            } else {
                proptest::prop_assert!(members(&line, &["a"]).is_none());
            }
        }
    }

    #[test]
    fn key_order_is_byte_order() {
        let keys: [&[u8]; 12] = [
            b"",
            b"a",
            b"ab",
            b"abcdefgh",
            b"abcdefgh0",
            b"abcdefghi",
            b"abcdefgi",
            b"b",
            b"event_hash",
            b"event_hashes",
            b"prev_hash",
            b"~",
        ];
        for a in keys {
            for b in keys {
                assert_eq!(key_cmp(a, b), a.cmp(b), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn sure_only_of_canonical_lines() {
        for ok in [
            "{}",
            r#"{"a":1}"#,
            r#"{"a":1,"b":"x"}"#,
            r#"{"a":{"c":[1,-2,true,false,null,"s",[],{}]},"b":0,"z":"~ !#"}"#,
            r#"{"b":"x","z":999999999999999}"#,
            r#"{"A":1,"a":2,"b":-123456789012345}"#,
        ] {
            assert!(check(ok), "{ok}");
        }
        for unsure in [
            "",
            "[]",
            "1",
            r#"{"b":1,"a":2}"#,
            r#"{"a":1,"a":2}"#,
            r#"{"a":1.0}"#,
            r#"{"a":1e2}"#,
            r#"{"a":-0}"#,
            r#"{"a":01}"#,
            r#"{"a":1000000000000000}"#,
            r#"{"a":"\u0041"}"#,
            r#"{"a":"é"}"#,
            "{\"a\":\"\x7f\"}",
            "{\"a\":\"\t\"}",
            r#"{"a": 1}"#,
            r#"{"a":1} "#,
            "{\"a\":1}\r",
            r#"{"a":1}x"#,
            r#"{"a":1,}"#,
            r#"{"a":[1,]}"#,
            r#"{"a":tru}"#,
            r#"{"a":"x"#,
            r#"{"a":{"y":1,"x":2}}"#,
            r#"{"a":-}"#,
        ] {
            assert!(members(unsure.as_bytes(), &["a"]).is_none(), "{unsure}");
            assert!(!check(unsure));
        }
        let deep = |n: usize| format!("{{\"a\":{}1{}}}", "[".repeat(n), "]".repeat(n));
        assert!(check(&deep(MAX_FAST_DEPTH - 1)));
        assert!(!check(&deep(MAX_FAST_DEPTH)));
    }
}
