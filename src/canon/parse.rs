//! A strict JSON parser (RFC 8259) that keeps what canonical hashing needs.
//!
//! Strictness is deliberate: anything two producers could read differently is refused
//! rather than guessed. Refused: `NaN`/`Infinity`, duplicate object keys, lone UTF-16
//! surrogate escapes, raw control characters in strings, invalid UTF-8, a byte-order
//! mark, trailing data, nesting deeper than [`MAX_DEPTH`], integer literals longer than
//! [`MAX_INT_DIGITS`] digits (CPython's own limit), and numbers that overflow a double.

use super::value::{Key, Number, Object, Value};

/// Deepest nesting accepted (CPython's recursive decoder fails near 1,000).
pub const MAX_DEPTH: usize = 512;
/// Longest integer literal accepted: CPython's default `int` string-conversion limit.
pub const MAX_INT_DIGITS: usize = 4300;

/// A parse failure at a byte offset, with its 1-based line and column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// What was wrong.
    pub message: String,
    /// Byte offset into the parsed text.
    pub offset: usize,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in bytes).
    pub column: usize,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {} column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for ParseError {}

/// Inputs at least this long are parsed by several threads when the caller is not
/// already a worker of the rayon pool (batch and gate parallelise across files instead).
pub const PARALLEL_MIN_BYTES: usize = 4 << 20;
/// Most threads one parse uses.
const MAX_SEGMENTS: usize = 8;
/// How far past a split point the search for a candidate element start goes.
const CANDIDATE_WINDOW: usize = 1 << 20;

/// Parses one complete JSON text (surrounding JSON whitespace allowed).
///
/// Large inputs are parsed by up to `rayon::current_num_threads()` threads (see
/// [`parse_segmented`]); the result, value or error, is always exactly that of the
/// one-threaded parse.
pub fn parse(input: &[u8]) -> Result<Value, ParseError> {
    let segments = if input.len() >= PARALLEL_MIN_BYTES && rayon::current_thread_index().is_none() {
        rayon::current_num_threads().clamp(1, MAX_SEGMENTS)
    } else {
        1
    };
    parse_segmented(input, segments)
}

/// Parses `input` with up to `segments` threads by speculation.
///
/// The input is cut at `segments - 1` evenly spaced points; after each, the first
/// `{` or `[` that follows a comma (and JSON whitespace) is a *candidate*: it may be
/// the start of an element of a large array. A helper thread parses array elements
/// from each candidate, as the one-threaded parser would inside an array, until the
/// array's `]` or the next candidate. The main thread parses from the start; only when
/// it is itself about to parse an array element at exactly a candidate's offset does it
/// take the helper's elements and jump past them. Parsing from a given state is
/// deterministic, so what it takes is exactly what it would have parsed. Anything else
/// (a candidate inside a string, a helper that met an error, nesting that would pass
/// [`MAX_DEPTH`] at the real depth) discards the helper's work and the main thread
/// parses on: errors, positions and values never depend on the thread count.
pub fn parse_segmented(input: &[u8], segments: usize) -> Result<Value, ParseError> {
    // One fast whole-input check lets every string skip its own validation. When it
    // fails, strings are validated one by one so that errors (and which error comes
    // first) are exactly those of a per-string check.
    let text = std::str::from_utf8(input).ok();
    let candidates = if segments > 1 && !input.starts_with(BOM) {
        candidates(input, segments)
    } else {
        Vec::new()
    };
    if candidates.is_empty() {
        return Parser::new(input, text).document();
    }
    std::thread::scope(|scope| {
        let mut splices = Vec::with_capacity(candidates.len());
        for (k, &at) in candidates.iter().enumerate() {
            let stop = candidates.get(k + 1).copied().unwrap_or(usize::MAX);
            let (tx, rx) = std::sync::mpsc::sync_channel(1);
            let helper = std::thread::Builder::new().spawn_scoped(scope, move || {
                // A send fails only if the main thread no longer wants the result.
                let _ = tx.send(speculate(input, text, at, stop));
            });
            // Without a thread (resource limits) there is simply no speculation there.
            splices.push((at, helper.is_ok().then_some(rx)));
        }
        let mut p = Parser::new(input, text);
        p.splices = splices;
        p.document()
    })
}

/// Parses the one JSON value that starts at `at` (no whitespace before it) as the
/// one-threaded parser would at nesting `depth`, and returns it with the offset just
/// past it. For callers that walk a document's outer structure themselves and parse
/// only some members into values; errors carry positions in `input`.
pub(crate) fn value_at(
    input: &[u8],
    at: usize,
    depth: usize,
) -> Result<(Value, usize), ParseError> {
    let mut p = Parser::new(input, None);
    p.i = at;
    p.depth = depth;
    let v = p.value()?;
    Ok((v, p.i))
}

/// Size of the parser's recent-key table.
const KEY_SLOTS: usize = 64;
/// Shortest text for which the parser keeps a recent-key table.
const KEY_TABLE_MIN: usize = 64 << 10;

/// The byte-order mark refused before a JSON text.
const BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

/// Candidate element starts (increasing offsets), one per split point at most.
fn candidates(input: &[u8], segments: usize) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    for k in 1..segments {
        let from = input.len() / segments * k;
        let to = (from + CANDIDATE_WINDOW).min(input.len());
        let mut i = from;
        let found = loop {
            let Some(off) = input[i..to].iter().position(|&c| c == b',') else {
                break None;
            };
            let mut j = i + off + 1;
            while matches!(input.get(j), Some(b' ' | b'\n' | b'\r' | b'\t')) {
                j += 1;
            }
            if matches!(input.get(j), Some(b'{' | b'[')) {
                break Some(j);
            }
            i = i + off + 1;
        };
        if let Some(c) = found {
            if out.last().is_none_or(|&l| l < c) {
                out.push(c);
            }
        }
    }
    out
}

/// Array elements parsed by a helper from candidate `at`.
struct Segment {
    items: Vec<Value>,
    /// Offset just after the last element's `]` (`closed`) or the next candidate.
    end: usize,
    /// True if the array ended (`]` consumed).
    closed: bool,
    /// Deepest nesting reached by the elements, relative to the array.
    peak: usize,
}

/// Parses array elements from `at` until the closing `]` or the element starting at
/// `stop`; `None` on any error (the main thread then parses this part itself).
fn speculate(input: &[u8], text: Option<&str>, at: usize, stop: usize) -> Option<Segment> {
    let mut p = Parser::new(input, text);
    p.i = at;
    let mut items = Vec::new();
    loop {
        if p.i == stop {
            return Some(Segment {
                items,
                end: stop,
                closed: false,
                peak: p.peak,
            });
        }
        items.push(p.value().ok()?);
        p.ws();
        match p.b.get(p.i) {
            Some(b',') => {
                p.i += 1;
                p.ws();
            }
            Some(b']') => {
                return Some(Segment {
                    items,
                    end: p.i + 1,
                    closed: true,
                    peak: p.peak,
                })
            }
            _ => return None,
        }
    }
}

/// Parses text that is already known to be a `&str`.
pub fn parse_str(s: &str) -> Result<Value, ParseError> {
    parse(s.as_bytes())
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
    depth: usize,
    /// The whole input, when it is valid UTF-8.
    text: Option<&'a str>,
    /// Scratch stack of object members being parsed (all nesting levels share it, so
    /// each finished object is allocated once at its exact size).
    members: Vec<(Key, Value)>,
    /// Recently seen keys (direct-mapped by length and three bytes), so that a key
    /// repeated through the document is one shared allocation.
    /// Only for texts of [`KEY_TABLE_MIN`] bytes or more: a JSON line would pay for the
    /// table more than it saves.
    keys: Option<Box<[Option<Key>; KEY_SLOTS]>>,
    /// Scratch stack of array items being parsed (same idea).
    items: Vec<Value>,
    /// Deepest nesting reached so far.
    peak: usize,
    /// Candidate element starts and their helpers' results, in offset order; taken
    /// or dropped as the parse passes them.
    splices: Vec<(usize, Option<std::sync::mpsc::Receiver<Option<Segment>>>)>,
    /// Index of the first splice not yet passed.
    next_splice: usize,
}

/// Eight copies of a byte.
const fn splat(b: u8) -> u64 {
    u64::from_ne_bytes([b; 8])
}

/// True if any byte of `w` is `"`, `\` or below 0x20 (SWAR: eight bytes per step).
#[inline]
fn special_in(w: u64) -> bool {
    const LO: u64 = splat(0x01);
    const HI: u64 = splat(0x80);
    let zero = |x: u64| x.wrapping_sub(LO) & !x & HI;
    let ctrl = w.wrapping_sub(splat(0x20)) & !w & HI;
    (zero(w ^ splat(b'"')) | zero(w ^ splat(b'\\')) | ctrl) != 0
}

impl<'a> Parser<'a> {
    fn new(b: &'a [u8], text: Option<&'a str>) -> Self {
        Parser {
            b,
            i: 0,
            depth: 0,
            text,
            members: Vec::new(),
            keys: (b.len() >= KEY_TABLE_MIN).then(|| Box::new([const { None }; KEY_SLOTS])),
            items: Vec::new(),
            peak: 0,
            splices: Vec::new(),
            next_splice: 0,
        }
    }

    /// Parses the whole input as one JSON text.
    fn document(mut self) -> Result<Value, ParseError> {
        if self.b.starts_with(BOM) {
            return Err(self.err("byte-order mark before JSON text"));
        }
        self.ws();
        let v = self.value()?;
        self.ws();
        if self.i != self.b.len() {
            return Err(self.err("trailing data after JSON value"));
        }
        Ok(v)
    }

    /// A helper's elements if the parse, about to read an array element at `self.i`,
    /// stands exactly at a candidate whose helper succeeded within the depth limit.
    #[inline]
    fn splice(&mut self) -> Option<Segment> {
        while let Some((at, _)) = self.splices.get(self.next_splice) {
            if *at >= self.i {
                break;
            }
            // Passed without taking it: the helper's work is not needed.
            self.splices[self.next_splice].1 = None;
            self.next_splice += 1;
        }
        let (at, rx) = self.splices.get_mut(self.next_splice)?;
        if *at != self.i {
            return None;
        }
        let rx = rx.take()?;
        self.next_splice += 1;
        let seg = rx.recv().ok()??;
        (self.depth + seg.peak <= MAX_DEPTH).then_some(seg)
    }

    fn err(&self, msg: impl Into<String>) -> ParseError {
        self.err_at(self.i, msg)
    }

    fn err_at(&self, at: usize, msg: impl Into<String>) -> ParseError {
        let at = at.min(self.b.len());
        let before = &self.b[..at];
        let line = before.iter().filter(|&&c| c == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(0, |p| p + 1);
        ParseError {
            message: msg.into(),
            offset: at,
            line,
            column: at - line_start + 1,
        }
    }

    #[inline]
    fn ws(&mut self) {
        while let Some(&c) = self.b.get(self.i) {
            if c == b' ' || c == b'\n' || c == b'\r' || c == b'\t' {
                self.i += 1;
            } else {
                break;
            }
        }
    }

    fn value(&mut self) -> Result<Value, ParseError> {
        match self.b.get(self.i) {
            None => Err(self.err("unexpected end of input, expected a value")),
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => Ok(Value::String(self.string()?)),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'N') if self.b[self.i..].starts_with(b"NaN") => Err(self.err("NaN is not JSON")),
            Some(b'I') if self.b[self.i..].starts_with(b"Infinity") => {
                Err(self.err("Infinity is not JSON"))
            }
            Some(&c) => Err(self.err(format!("unexpected character {}", show_byte(c)))),
        }
    }

    fn literal(&mut self, word: &str, v: Value) -> Result<Value, ParseError> {
        if self.b[self.i..].starts_with(word.as_bytes()) {
            self.i += word.len();
            Ok(v)
        } else {
            Err(self.err(format!("invalid literal, expected {word}")))
        }
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        self.peak = self.peak.max(self.depth);
        if self.depth > MAX_DEPTH {
            return Err(self.err(format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    fn object(&mut self) -> Result<Value, ParseError> {
        let start = self.i;
        self.enter()?;
        self.i += 1;
        let mark = self.members.len();
        self.ws();
        if self.b.get(self.i) == Some(&b'}') {
            self.i += 1;
            self.depth -= 1;
            return Ok(Value::Object(Object::new()));
        }
        loop {
            self.ws();
            if self.b.get(self.i) != Some(&b'"') {
                return Err(self.err("expected a string key"));
            }
            let k = self.key()?;
            self.ws();
            if self.b.get(self.i) != Some(&b':') {
                return Err(self.err("expected ':' after object key"));
            }
            self.i += 1;
            self.ws();
            // On any error the whole parse fails, so scratch leftovers never matter.
            let v = self.value()?;
            self.members.push((k, v));
            self.ws();
            match self.b.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    break;
                }
                Some(&c) => {
                    return Err(self.err(format!("expected ',' or '}}', found {}", show_byte(c))))
                }
                None => return Err(self.err("unexpected end of input inside object")),
            }
        }
        self.depth -= 1;
        let mut entries = Vec::with_capacity(self.members.len() - mark);
        entries.extend(self.members.drain(mark..));
        Object::from_keyed(entries)
            .map(Value::Object)
            .map_err(|k| self.err_at(start, format!("duplicate object key {k:?}")))
    }

    fn array(&mut self) -> Result<Value, ParseError> {
        self.enter()?;
        self.i += 1;
        let mark = self.items.len();
        self.ws();
        if self.b.get(self.i) == Some(&b']') {
            self.i += 1;
            self.depth -= 1;
            return Ok(Value::Array(Vec::new()));
        }
        loop {
            self.ws();
            if !self.splices.is_empty() {
                if let Some(seg) = self.splice() {
                    self.items.extend(seg.items);
                    self.i = seg.end;
                    if seg.closed {
                        break;
                    }
                    continue;
                }
            }
            let v = self.value()?;
            self.items.push(v);
            self.ws();
            match self.b.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    break;
                }
                Some(&c) => {
                    return Err(self.err(format!("expected ',' or ']', found {}", show_byte(c))))
                }
                None => return Err(self.err("unexpected end of input inside array")),
            }
        }
        self.depth -= 1;
        let mut items = Vec::with_capacity(self.items.len() - mark);
        items.extend(self.items.drain(mark..));
        Ok(Value::Array(items))
    }

    /// Advances `self.i` past plain string bytes (not `"`, `\\`, or a control byte).
    #[inline]
    fn skip_plain(&mut self) {
        let b = self.b;
        let mut i = self.i;
        while i + 8 <= b.len() {
            let w = u64::from_ne_bytes(b[i..i + 8].try_into().expect("8 bytes"));
            if special_in(w) {
                break;
            }
            i += 8;
        }
        while let Some(&c) = b.get(i) {
            if c == b'"' || c == b'\\' || c < 0x20 {
                break;
            }
            i += 1;
        }
        self.i = i;
    }

    /// The string at `self.i` when it has no escape and the input is valid UTF-8: its
    /// text, borrowed, with `self.i` past the closing quote. Otherwise `None` and
    /// `self.i` unchanged.
    #[inline]
    fn plain_str(&mut self) -> Option<&'a str> {
        let open = self.i;
        self.i += 1;
        self.skip_plain();
        if self.b.get(self.i) == Some(&b'"') {
            // Both ends sit next to an ASCII quote, so they are char boundaries.
            if let Some(t) = self.text.and_then(|t| t.get(open + 1..self.i)) {
                self.i += 1;
                return Some(t);
            }
        }
        self.i = open;
        None
    }

    /// An object key: a plain key is looked up among recent keys first.
    fn key(&mut self) -> Result<Key, ParseError> {
        let Some(t) = self.plain_str() else {
            return Ok(self.string()?.into());
        };
        let Some(keys) = self.keys.as_deref_mut() else {
            return Ok(t.into());
        };
        let b = t.as_bytes();
        let slot = match (b.first(), b.last()) {
            (Some(&f), Some(&l)) => {
                (b.len()
                    ^ usize::from(f) << 2
                    ^ usize::from(b[b.len() / 2]) << 4
                    ^ usize::from(l) << 1)
                    % KEY_SLOTS
            }
            _ => 0,
        };
        if let Some(k) = &keys[slot] {
            if k.as_bytes() == b {
                return Ok(k.clone());
            }
        }
        let k: Key = t.into();
        keys[slot] = Some(k.clone());
        Ok(k)
    }

    fn string(&mut self) -> Result<String, ParseError> {
        if let Some(t) = self.plain_str() {
            return Ok(t.to_owned());
        }
        let open = self.i;
        self.i += 1;
        self.skip_plain();
        if self.b.get(self.i) == Some(&b'"') {
            // No escape, but the input is not valid UTF-8: validate this string alone.
            let (start, end) = (open + 1, self.i);
            self.i += 1;
            return self.owned(self.b[start..end].to_vec(), open);
        }
        let mut out: Vec<u8> = Vec::with_capacity(self.i - open + 16);
        self.i = open + 1;
        loop {
            // Copy a run of plain bytes.
            let run_start = self.i;
            self.skip_plain();
            out.extend_from_slice(&self.b[run_start..self.i]);
            match self.b.get(self.i) {
                None => return Err(self.err_at(open, "unterminated string")),
                Some(b'"') => {
                    self.i += 1;
                    break;
                }
                Some(b'\\') => {
                    self.i += 1;
                    let e = *self
                        .b
                        .get(self.i)
                        .ok_or_else(|| self.err("unterminated escape"))?;
                    self.i += 1;
                    let ch = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        c => {
                            return Err(
                                self.err_at(self.i - 1, format!("invalid escape \\{}", c as char))
                            )
                        }
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                Some(&c) => {
                    return Err(
                        self.err(format!("raw control character {} in string", show_byte(c)))
                    );
                }
            }
        }
        self.owned(out, open)
    }

    /// The decoded bytes of the string opened at `open` as a `String`.
    fn owned(&self, out: Vec<u8>, open: usize) -> Result<String, ParseError> {
        String::from_utf8(out).map_err(|e| {
            // Report the offset of the first invalid byte in the input.
            let bad = open + 1 + e.utf8_error().valid_up_to();
            self.err_at(bad, "invalid UTF-8 in string")
        })
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let s = self
            .b
            .get(self.i..self.i + 4)
            .ok_or_else(|| self.err("truncated \\u escape"))?;
        let mut v = 0u32;
        for &c in s {
            let d = (c as char)
                .to_digit(16)
                .ok_or_else(|| self.err("invalid hex digit in \\u escape"))?;
            v = v * 16 + d;
        }
        self.i += 4;
        Ok(v)
    }

    fn unicode_escape(&mut self) -> Result<char, ParseError> {
        let at = self.i - 2;
        let hi = self.hex4()?;
        if (0xD800..0xDC00).contains(&hi) {
            if self.b.get(self.i..self.i + 2) != Some(b"\\u") {
                return Err(self.err_at(at, "lone high surrogate escape"));
            }
            self.i += 2;
            let lo = self.hex4()?;
            if !(0xDC00..0xE000).contains(&lo) {
                return Err(
                    self.err_at(at, "high surrogate escape not followed by a low surrogate")
                );
            }
            let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
            Ok(char::from_u32(c).expect("valid astral scalar"))
        } else if (0xDC00..0xE000).contains(&hi) {
            Err(self.err_at(at, "lone low surrogate escape"))
        } else {
            Ok(char::from_u32(hi).expect("BMP non-surrogate scalar"))
        }
    }

    fn number(&mut self) -> Result<Value, ParseError> {
        let start = self.i;
        let b = self.b;
        if b.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        let int_start = self.i;
        match b.get(self.i) {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                while matches!(b.get(self.i), Some(b'0'..=b'9')) {
                    self.i += 1;
                }
            }
            _ if b[self.i..].starts_with(b"Infinity") => {
                return Err(self.err("-Infinity is not JSON"))
            }
            _ => return Err(self.err("invalid number")),
        }
        let int_end = self.i;
        let mut is_float = false;
        if b.get(self.i) == Some(&b'.') {
            is_float = true;
            self.i += 1;
            if !matches!(b.get(self.i), Some(b'0'..=b'9')) {
                return Err(self.err("expected digit after decimal point"));
            }
            while matches!(b.get(self.i), Some(b'0'..=b'9')) {
                self.i += 1;
            }
        }
        if matches!(b.get(self.i), Some(b'e' | b'E')) {
            is_float = true;
            self.i += 1;
            if matches!(b.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !matches!(b.get(self.i), Some(b'0'..=b'9')) {
                return Err(self.err("expected digit in exponent"));
            }
            while matches!(b.get(self.i), Some(b'0'..=b'9')) {
                self.i += 1;
            }
        }
        // Only ASCII was consumed.
        let text = std::str::from_utf8(&b[start..self.i]).expect("ascii");
        if is_float {
            let f: f64 = text
                .parse()
                .map_err(|_| self.err_at(start, "invalid number"))?;
            if !f.is_finite() {
                return Err(self.err_at(start, "number overflows a double"));
            }
            Ok(Value::Number(Number::Float(f)))
        } else {
            if int_end - int_start > MAX_INT_DIGITS {
                return Err(self.err_at(
                    start,
                    format!("integer literal longer than {MAX_INT_DIGITS} digits"),
                ));
            }
            let norm = if text == "-0" { "0" } else { text };
            Ok(Value::Number(Number::Int(norm.into())))
        }
    }
}

fn show_byte(c: u8) -> String {
    if c.is_ascii_graphic() {
        format!("'{}'", c as char)
    } else {
        format!("0x{c:02x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_what_is_ambiguous() {
        for bad in [
            &b"NaN"[..],
            b"-Infinity",
            b"Infinity",
            b"{\"a\":1,\"a\":2}",
            b"\"\\ud800\"",
            b"\"\\udc00\"",
            b"\"\x01\"",
            b"\xef\xbb\xbf{}",
            b"1e400",
            b"01",
            b"1.",
            b"[1,]",
            b"{} x",
            b"\"\xff\"",
        ] {
            assert!(
                parse(bad).is_err(),
                "{:?} accepted",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn keeps_int_float_distinction_and_big_ints() {
        let v = parse(b"[1,1.0,-0,123456789012345678901234567890,1e2]").unwrap();
        let a = v.as_array().unwrap();
        assert_eq!(a[0], Value::Number(Number::Int("1".into())));
        assert_eq!(a[1], Value::Number(Number::Float(1.0)));
        assert_eq!(a[2], Value::Number(Number::Int("0".into())));
        assert_eq!(
            a[3],
            Value::Number(Number::Int("123456789012345678901234567890".into()))
        );
        assert_eq!(a[4], Value::Number(Number::Float(100.0)));
    }

    #[test]
    fn positions_are_one_based() {
        let e = parse(b"{\n  \"a\": tru\n}").unwrap_err();
        assert_eq!((e.line, e.column), (2, 8));
    }

    /// Texts where speculation must be refused or must splice, each parsed with
    /// every split count: the result is always the one-threaded result.
    #[test]
    fn segmented_parse_equals_sequential() {
        let deep = |n: usize| "[".repeat(n) + &"]".repeat(n);
        let many = |el: &str, n: usize| {
            let v: Vec<&str> = std::iter::repeat_n(el, n).collect();
            format!("{{\"a\":[{}],\"z\":true}}", v.join(", "))
        };
        // A 100-element array holding a 3-deep element, under `outer` arrays and an object.
        let nested_at = |outer: usize| {
            let (open, close) = ("[".repeat(outer), "]".repeat(outer));
            format!("{open}{{\"a\":[{}{}]}}{close}", "{}, ".repeat(100), deep(3))
        };
        let mut cases: Vec<String> = vec![
            many("{\"k\":1,\"s\":\"x,{y\"}", 200),
            many("[1,{\"a\":[2,3]}]", 300),
            // A candidate inside a string: the helper's parse is wrong and discarded.
            format!("[\"{}\", {{}}]", ",{\"q\":1}".repeat(400)),
            // Errors late, early and inside helper ranges.
            many("{\"k\":1}", 200).replacen("1}", "1,}", 150),
            many("{\"k\":1}", 200).replacen("{\"k\"", "{\"k\":0,\"k\"", 120),
            many("{\"k\":NaN}", 3),
            many("{\"k\":1}", 200)[..1000].to_string(),
            // Nesting that is legal for the helper but too deep at the real depth.
            nested_at(MAX_DEPTH - 3),
            nested_at(MAX_DEPTH - 5),
            format!("[{}{}]", "{}, ".repeat(100), deep(MAX_DEPTH)),
            format!("[{}{}]", "{}, ".repeat(100), deep(MAX_DEPTH - 1)),
            String::from_utf8_lossy(b"\xEF\xBB\xBF[{}, {}]").into_owned(),
            format!("[{}{{\"b\":\"\u{e9}\"}}] x", "{}, ".repeat(100)),
        ];
        // Invalid UTF-8 in a string inside a helper's range.
        let mut bad = many("{\"k\":\"v\"}", 200).into_bytes();
        let at = bad.len() * 3 / 4;
        let at = at + bad[at..].iter().position(|&c| c == b'v').expect("a v");
        bad[at] = 0xff;
        let mut texts: Vec<Vec<u8>> = cases.drain(..).map(String::into_bytes).collect();
        texts.push(bad);
        // The two texts around the depth limit: one fails, one parses, either way.
        assert!(parse_segmented(&texts[7], 2).is_err());
        assert!(parse_segmented(&texts[8], 2).is_ok());
        assert!(parse_segmented(&texts[9], 2).is_err());
        assert!(parse_segmented(&texts[10], 2).is_ok());
        for t in &texts {
            let one = parse_segmented(t, 1);
            for n in 2..=9 {
                assert_eq!(parse_segmented(t, n), one, "{n} segments");
            }
        }
        // The splice really happens on the shape it is for.
        let t = many("{\"k\":[1,2.5,\"s\"]}", 1000);
        let c = candidates(t.as_bytes(), 2);
        assert_eq!(c.len(), 1);
        let seg = speculate(t.as_bytes(), Some(&t), c[0], usize::MAX).expect("helper parses");
        assert!(seg.closed && seg.items.len() > 400 && seg.peak == 2);
        assert!(parse_segmented(t.as_bytes(), 2).is_ok());
    }

    #[test]
    fn depth_limit() {
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(parse(deep.as_bytes())
            .unwrap_err()
            .message
            .contains("nesting"));
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(ok.as_bytes()).is_ok());
    }

    /// The eight-bytes-at-a-time scans (parser and serializer) must find a special
    /// character at every position of a word, in every string length around a word.
    #[test]
    fn word_scans_find_specials_everywhere() {
        use crate::canon::{to_vec, Dialect};
        for special in ['"', '\\', '\n', '\u{1f}', '\u{7f}', 'é', '😀', '\u{e000}'] {
            for len in 0..=25 {
                for pos in 0..len {
                    let mut text = String::new();
                    for i in 0..len {
                        text.push(if i == pos { special } else { 'a' });
                    }
                    // Reference JSON literal: escape by hand.
                    let mut lit = String::from("\"");
                    for ch in text.chars() {
                        match ch {
                            '"' => lit.push_str("\\\""),
                            '\\' => lit.push_str("\\\\"),
                            c if (c as u32) < 0x20 => lit.push_str(&format!("\\u{:04x}", c as u32)),
                            c => lit.push(c),
                        }
                    }
                    lit.push('"');
                    let v = parse(lit.as_bytes()).unwrap();
                    assert_eq!(v.as_str(), Some(text.as_str()), "{lit}");
                    // Raw-UTF-8 dialect writes the literal back (with \n short form).
                    let want = lit.replace("\\u000a", "\\n");
                    let got =
                        String::from_utf8(to_vec(&v, Dialect::CanonicalJson).unwrap()).unwrap();
                    assert_eq!(got, want);
                    // ensure_ascii: every non-ASCII or DEL scalar becomes \u escapes.
                    let mut py = String::new();
                    for ch in want.chars() {
                        if (ch as u32) < 0x7f {
                            py.push(ch);
                        } else {
                            let mut u = [0u16; 2];
                            for x in ch.encode_utf16(&mut u) {
                                py.push_str(&format!("\\u{x:04x}"));
                            }
                        }
                    }
                    let got = String::from_utf8(to_vec(&v, Dialect::Python).unwrap()).unwrap();
                    assert_eq!(got, py);
                }
            }
        }
        // Invalid UTF-8 inside a long string is still refused, at its own offset.
        let mut bad = b"\"aaaaaaaaaaaaaaaa".to_vec();
        bad.push(0xff);
        bad.extend_from_slice(b"aaaaaaaa\"");
        let e = parse(&bad).unwrap_err();
        assert_eq!(
            (e.offset, e.message.as_str()),
            (17, "invalid UTF-8 in string")
        );
    }

    #[test]
    fn unsorted_and_sorted_objects_agree() {
        let a = parse(br#"{"b":1,"a":{"y":2,"x":[3,{"q":4,"p":5}]}}"#).unwrap();
        let b = parse(br#"{"a":{"x":[3,{"p":5,"q":4}],"y":2},"b":1}"#).unwrap();
        assert_eq!(a, b);
        assert!(parse(br#"{"a":1,"b":2,"a":3}"#).is_err());
        assert!(parse(br#"{"a":1,"a":2}"#).is_err());
    }

    #[test]
    fn sha256_without_matches_a_cloned_preimage() {
        use crate::canon::{sha256, sha256_without, Dialect};
        let v = parse("{\"a\":1,\"leaf_hash\":\"x\",\"z\":[1.5,{\"\u{e000}\":1,\"\u{1f600}\":2}],\"\u{e001}\":0,\"\u{1f601}\":-0.0}".as_bytes()).unwrap();
        let o = v.as_object().unwrap();
        for d in [Dialect::Python, Dialect::CanonicalJson, Dialect::Jcs] {
            for skip in [&[][..], &["leaf_hash"][..], &["a", "z"][..]] {
                assert_eq!(
                    sha256_without(o, skip, d).unwrap(),
                    sha256(&Value::Object(o.without(skip)), d).unwrap()
                );
            }
        }
    }
}
