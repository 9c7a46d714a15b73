//! Canonical JSON: a strict parser and the three serialization dialects evidence
//! producers hash.
//!
//! | dialect | producer implementation | strings | key order | numbers |
//! |---|---|---|---|---|
//! | [`Dialect::Python`] | CPython `json.dumps(v, sort_keys=True, separators=(",",":"))` | non-ASCII and DEL escaped `\uXXXX` (lowercase, surrogate pairs) | code point | ints verbatim, floats by `repr` |
//! | [`Dialect::CanonicalJson`] | matrix-org `canonicaljson` 2.x | raw UTF-8 | code point | as Python |
//! | [`Dialect::Jcs`] | RFC 8785 / JS `JSON.stringify` with sorted keys | raw UTF-8 | UTF-16 code units | ECMAScript `Number::toString` |
//!
//! Each is proven byte-identical to the real implementation by `scripts/canon_diff.py`.

pub mod fast;
mod number;
mod parse;
pub mod shape;
mod value;

pub use number::{js_number, python_float};
pub(crate) use parse::value_at;
pub use parse::{
    parse, parse_segmented, parse_str, ParseError, MAX_DEPTH, MAX_INT_DIGITS, PARALLEL_MIN_BYTES,
};
pub use value::{Number, Object, Value};

use sha2::{Digest, Sha256};

/// A canonical JSON dialect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// CPython `json.dumps(sort_keys=True, separators=(",",":"))` (ensure_ascii on).
    Python,
    /// matrix-org `canonicaljson` 2.x (as Python, but ensure_ascii off).
    CanonicalJson,
    /// RFC 8785 JCS / JavaScript `JSON.stringify` with recursively sorted keys.
    Jcs,
}

impl Dialect {
    /// Parses a dialect name as used on the command line and in manifests.
    pub fn from_name(s: &str) -> Option<Dialect> {
        Some(match s {
            "python" | "cpython" | "python-json" => Dialect::Python,
            "canonicaljson" | "matrix-canonicaljson" => Dialect::CanonicalJson,
            "jcs" | "rfc8785" | "js" => Dialect::Jcs,
            _ => return None,
        })
    }
    /// The canonical name.
    pub const fn name(self) -> &'static str {
        match self {
            Dialect::Python => "python",
            Dialect::CanonicalJson => "canonicaljson",
            Dialect::Jcs => "jcs",
        }
    }
}

crate::define_codes! {
    /// Codes for JSON syntax and canonical encoding.
    pub enum Code {
        /// A JSON or JSONL document did not parse.
        Parse = ("json.parse", Malformed,
            "The file (or line of a JSONL file) was parsed as strict JSON (RFC 8259) with evv's extra refusals: no NaN or Infinity, no duplicate object keys, no lone surrogate escapes, no byte-order mark, nesting at most 512 deep, integers at most 4300 digits. A failure means the evidence is not well-formed and none of its hashes can be reproduced. Look at the reported line and column; a producer that emits such bytes is non-conforming."),
        /// A value cannot be written in the required dialect (a non-finite number).
        Unencodable = ("json.unencodable", Malformed,
            "A value had to be re-encoded in a canonical dialect to recompute a hash but cannot be (a non-finite number). The evidence cannot be hashed as its format requires; treat it as malformed."),
    }
}

/// Error for values no dialect can encode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodeError(pub String);

impl std::fmt::Display for EncodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for EncodeError {}

/// Where canonical bytes go: a buffer or straight into a hash.
pub trait Sink {
    /// Appends bytes.
    fn put(&mut self, b: &[u8]);
}
impl Sink for Vec<u8> {
    fn put(&mut self, b: &[u8]) {
        self.extend_from_slice(b);
    }
}
impl Sink for Sha256 {
    fn put(&mut self, b: &[u8]) {
        self.update(b);
    }
}

/// The canonical bytes of `v` in `dialect`.
pub fn to_vec(v: &Value, dialect: Dialect) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::new();
    write(v, dialect, &mut out)?;
    Ok(out)
}

/// SHA-256 of the canonical bytes, without materialising them.
pub fn sha256(v: &Value, dialect: Dialect) -> Result<[u8; 32], EncodeError> {
    let mut h = Buffered::new(Sha256::new());
    write(v, dialect, &mut h)?;
    Ok(h.finish().finalize().into())
}

/// SHA-256 of the canonical bytes of `o` without the members named in `skip`: the same
/// digest as `sha256(&Value::Object(o.without(skip)), dialect)`, without cloning the
/// object (the "hash of X without field Y" preimage of every chain format).
pub fn sha256_without(
    o: &Object,
    skip: &[&str],
    dialect: Dialect,
) -> Result<[u8; 32], EncodeError> {
    let mut h = Buffered::new(Sha256::new());
    write_members(o.iter().filter(|(k, _)| !skip.contains(k)), dialect, &mut h)?;
    Ok(h.finish().finalize().into())
}

/// A fixed-size staging buffer in front of a sink: canonical output is a stream of
/// many tiny pieces (quotes, commas, short keys), and feeding each one to SHA-256
/// separately costs more than copying them into one block first. Bounded memory.
pub struct Buffered<S: Sink> {
    buf: [u8; 4096],
    len: usize,
    inner: S,
}

impl<S: Sink> Buffered<S> {
    /// Wraps a sink.
    pub fn new(inner: S) -> Self {
        Buffered {
            buf: [0; 4096],
            len: 0,
            inner,
        }
    }
    /// Flushes what is staged and returns the inner sink.
    pub fn finish(mut self) -> S {
        self.inner.put(&self.buf[..self.len]);
        self.inner
    }
}

impl<S: Sink> Sink for Buffered<S> {
    #[inline]
    fn put(&mut self, b: &[u8]) {
        if self.len + b.len() <= self.buf.len() {
            self.buf[self.len..self.len + b.len()].copy_from_slice(b);
            self.len += b.len();
            return;
        }
        self.inner.put(&self.buf[..self.len]);
        self.len = 0;
        if b.len() >= self.buf.len() {
            self.inner.put(b);
        } else {
            self.buf[..b.len()].copy_from_slice(b);
            self.len = b.len();
        }
    }
}

/// Lowercase hex SHA-256 of the canonical bytes.
pub fn sha256_hex(v: &Value, dialect: Dialect) -> Result<String, EncodeError> {
    sha256(v, dialect).map(hex::encode)
}

/// Writes the canonical bytes of `v` into a sink.
pub fn write<S: Sink>(v: &Value, dialect: Dialect, out: &mut S) -> Result<(), EncodeError> {
    match v {
        Value::Null => out.put(b"null"),
        Value::Bool(true) => out.put(b"true"),
        Value::Bool(false) => out.put(b"false"),
        Value::Number(n) => write_number(n, dialect, out)?,
        Value::String(s) => string(s, dialect, out),
        Value::Array(a) => {
            out.put(b"[");
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.put(b",");
                }
                write(x, dialect, out)?;
            }
            out.put(b"]");
        }
        Value::Object(o) => write_members(o.iter(), dialect, out)?,
    }
    Ok(())
}

/// Writes an object from its members, given in code-point order of their keys.
fn write_members<'a, S: Sink>(
    members: impl Iterator<Item = (&'a str, &'a Value)> + Clone,
    dialect: Dialect,
    out: &mut S,
) -> Result<(), EncodeError> {
    out.put(b"{");
    let mut first = true;
    let mut member = |k: &str, x: &Value, out: &mut S| -> Result<(), EncodeError> {
        if !first {
            out.put(b",");
        }
        first = false;
        string(k, dialect, out);
        out.put(b":");
        write(x, dialect, out)
    };
    if dialect == Dialect::Jcs && members.clone().any(|(k, _)| needs_utf16_order(k)) {
        let mut entries: Vec<(&str, &Value)> = members.collect();
        entries.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
        for (k, x) in entries {
            member(k, x, out)?;
        }
    } else {
        for (k, x) in members {
            member(k, x, out)?;
        }
    }
    out.put(b"}");
    Ok(())
}

/// UTF-16 order differs from code point order only when a key holds a character at or
/// above U+E000 (astral characters sort below U+E000..U+FFFF in UTF-16).
fn needs_utf16_order(k: &str) -> bool {
    k.chars().any(|c| c as u32 >= 0xE000)
}

/// Writes the number text of `n` in `dialect` without allocating.
fn write_number<S: Sink>(n: &Number, dialect: Dialect, out: &mut S) -> Result<(), EncodeError> {
    match (n, dialect) {
        (Number::Int(s), Dialect::Python | Dialect::CanonicalJson) => out.put(s.as_bytes()),
        (Number::Float(f), Dialect::Python | Dialect::CanonicalJson) if f.is_finite() => {
            out.put(number::python_float_buf(*f).as_bytes())
        }
        (n, Dialect::Jcs) => {
            let f = n.as_f64();
            if !f.is_finite() {
                return number(n, dialect).map(|_| ());
            }
            out.put(number::js_number_buf(f).as_bytes())
        }
        _ => return number(n, dialect).map(|_| ()),
    }
    Ok(())
}

/// The number text of `n` in `dialect`.
pub fn number(n: &Number, dialect: Dialect) -> Result<String, EncodeError> {
    match (n, dialect) {
        (Number::Int(s), Dialect::Python | Dialect::CanonicalJson) => Ok(s.to_string()),
        (Number::Float(f), Dialect::Python | Dialect::CanonicalJson) => {
            if f.is_finite() {
                Ok(python_float(*f))
            } else {
                Err(EncodeError(format!("non-finite number {f}")))
            }
        }
        (n, Dialect::Jcs) => {
            let f = n.as_f64();
            if f.is_finite() {
                Ok(js_number(f))
            } else {
                Err(EncodeError(format!(
                    "number {n:?} is not finite as a double"
                )))
            }
        }
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Bytes that must be escaped in a string: controls, `"` and `\\` (raw UTF-8 dialects).
static ESC_RAW: [bool; 256] = esc_table(false);
/// As [`ESC_RAW`] plus DEL and every non-ASCII byte (CPython `ensure_ascii`).
static ESC_ASCII: [bool; 256] = esc_table(true);

/// True if any of the eight bytes in `w` may need escaping (never a false negative):
/// a control byte, `"`, `\\`, and with `ascii` DEL or any byte with the high bit set.
#[inline]
fn needs_escape8(w: u64, ascii: bool) -> bool {
    escape_mask8(w, ascii) != 0
}

/// The bytes of `w` (little-endian: byte 0 is the low byte) that may need escaping, as
/// the high bit of each flagged byte. The *lowest* flag is exact: it marks the first
/// byte that needs escaping, and no byte before it is flagged. (Each test below flags
/// its first true byte exactly and can only add false flags above it, through the
/// borrow of the subtraction; so the lowest flag of their union is exact too.)
#[inline]
fn escape_mask8(w: u64, ascii: bool) -> u64 {
    const LO: u64 = u64::from_le_bytes([0x01; 8]);
    const HI: u64 = u64::from_le_bytes([0x80; 8]);
    let splat = |b: u8| u64::from_le_bytes([b; 8]);
    let zero = |x: u64| x.wrapping_sub(LO) & !x & HI;
    let ctrl = w.wrapping_sub(splat(0x20)) & !w & HI;
    let mut hit = zero(w ^ splat(b'"')) | zero(w ^ splat(b'\\')) | ctrl;
    if ascii {
        hit |= (w & HI) | zero(w ^ splat(0x7f));
    }
    hit
}

const fn esc_table(ascii: bool) -> [bool; 256] {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = c < 0x20 || c == b'"' as usize || c == b'\\' as usize || (ascii && c >= 0x7f);
        c += 1;
    }
    t
}

fn string<S: Sink>(s: &str, dialect: Dialect, out: &mut S) {
    let ascii = dialect == Dialect::Python;
    out.put(b"\"");
    let bytes = s.as_bytes();
    let mut run = 0;
    let table = if ascii { &ESC_ASCII } else { &ESC_RAW };
    let mut i = 0;
    while i < bytes.len() {
        // Eight plain bytes at a time (most evidence strings are hex or ASCII ids).
        if let Some(w) = bytes.get(i..i + 8) {
            if !needs_escape8(u64::from_le_bytes(w.try_into().expect("8 bytes")), ascii) {
                i += 8;
                continue;
            }
        }
        let c = bytes[i];
        if !table[c as usize] {
            i += 1;
            continue;
        }
        out.put(&bytes[run..i]);
        if c < 0x80 {
            match c {
                b'"' => out.put(b"\\\""),
                b'\\' => out.put(b"\\\\"),
                b'\n' => out.put(b"\\n"),
                b'\r' => out.put(b"\\r"),
                b'\t' => out.put(b"\\t"),
                0x08 => out.put(b"\\b"),
                0x0c => out.put(b"\\f"),
                _ => put_u(out, c as u16),
            }
            i += 1;
        } else {
            // ensure_ascii: escape the whole scalar as UTF-16 units.
            let ch = s[i..].chars().next().expect("char boundary");
            let mut units = [0u16; 2];
            for u in ch.encode_utf16(&mut units) {
                put_u(out, *u);
            }
            i += ch.len_utf8();
        }
        run = i;
    }
    out.put(&bytes[run..]);
    out.put(b"\"");
}

fn put_u<S: Sink>(out: &mut S, u: u16) {
    let b = [
        b'\\',
        b'u',
        HEX[(u >> 12) as usize & 15],
        HEX[(u >> 8) as usize & 15],
        HEX[(u >> 4) as usize & 15],
        HEX[u as usize & 15],
    ];
    out.put(&b);
}

/// Human-readable JSON (2-space indent, sorted keys, raw UTF-8, Python number layout)
/// used for evv's own JSON output. Deterministic; ends without a newline.
pub fn to_pretty(v: &Value) -> String {
    let mut out = Vec::new();
    pretty(v, 0, &mut out);
    String::from_utf8(out).expect("canonical output is UTF-8")
}

fn pretty(v: &Value, indent: usize, out: &mut Vec<u8>) {
    let pad = |n: usize, out: &mut Vec<u8>| out.extend(std::iter::repeat_n(b' ', n));
    match v {
        Value::Array(a) if !a.is_empty() => {
            out.extend_from_slice(b"[\n");
            for (i, x) in a.iter().enumerate() {
                pad(indent + 2, out);
                pretty(x, indent + 2, out);
                out.extend_from_slice(if i + 1 < a.len() { b",\n" } else { b"\n" });
            }
            pad(indent, out);
            out.push(b']');
        }
        Value::Object(o) if !o.is_empty() => {
            out.extend_from_slice(b"{\n");
            let n = o.len();
            for (i, (k, x)) in o.iter().enumerate() {
                pad(indent + 2, out);
                string(k, Dialect::CanonicalJson, out);
                out.extend_from_slice(b": ");
                pretty(x, indent + 2, out);
                out.extend_from_slice(if i + 1 < n { b",\n" } else { b"\n" });
            }
            pad(indent, out);
            out.push(b'}');
        }
        Value::Number(Number::Float(f)) if !f.is_finite() => out.extend_from_slice(b"null"),
        other => write(other, Dialect::CanonicalJson, out).expect("finite"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lowest flag of `escape_mask8` is exactly the first byte that needs escaping
    /// (the scanner of `canon::fast` takes it as the end of a string), for every byte
    /// value in every lane, alone or followed by a second chosen byte.
    #[test]
    fn escape_mask8_lowest_flag_is_exact() {
        let picks = [
            0x00, 0x01, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x5b, 0x5c, 0x5d, 0x61, 0x7e, 0x7f, 0x80,
            0x81, 0xc3, 0xff,
        ];
        for ascii in [false, true] {
            let table = if ascii { &ESC_ASCII } else { &ESC_RAW };
            let check = |w: [u8; 8]| {
                let m = escape_mask8(u64::from_le_bytes(w), ascii);
                let first = w.iter().position(|&c| table[c as usize]);
                let got = (m != 0).then(|| (m.trailing_zeros() / 8) as usize);
                assert_eq!(got, first, "{w:02x?} ascii={ascii}");
            };
            for p in 0..8 {
                for b in 0..=255u8 {
                    let mut w = [b'a'; 8];
                    w[p] = b;
                    check(w);
                    for q in p + 1..8 {
                        for &c in &picks {
                            w[q] = c;
                            check(w);
                            w[q] = b'a';
                        }
                    }
                }
            }
        }
    }

    fn canon(s: &str, d: Dialect) -> String {
        String::from_utf8(to_vec(&parse_str(s).unwrap(), d).unwrap()).unwrap()
    }

    #[test]
    fn dialects_differ_where_they_should() {
        let doc = r#"{"b":[1,1.0,1e16,1E2,-0.0,12345678901234567890123],"a":"é\u007f😀","\ue000":1,"😀":2}"#;
        assert_eq!(
            canon(doc, Dialect::Python),
            r#"{"a":"\u00e9\u007f\ud83d\ude00","b":[1,1.0,1e+16,100.0,-0.0,12345678901234567890123],"\ue000":1,"\ud83d\ude00":2}"#
        );
        assert_eq!(
            canon(doc, Dialect::CanonicalJson),
            "{\"a\":\"é\u{7f}😀\",\"b\":[1,1.0,1e+16,100.0,-0.0,12345678901234567890123],\"\u{e000}\":1,\"😀\":2}"
        );
        assert_eq!(
            canon(doc, Dialect::Jcs),
            "{\"a\":\"é\u{7f}😀\",\"b\":[1,1,10000000000000000,100,0,1.2345678901234568e+22],\"😀\":2,\"\u{e000}\":1}"
        );
    }

    #[test]
    fn control_characters() {
        let doc = r#""\u0000\b\f\n\r\t\u001f\"\\/""#;
        assert_eq!(
            canon(doc, Dialect::Python),
            r#""\u0000\b\f\n\r\t\u001f\"\\/""#
        );
        assert_eq!(canon(doc, Dialect::Jcs), r#""\u0000\b\f\n\r\t\u001f\"\\/""#);
    }
}
