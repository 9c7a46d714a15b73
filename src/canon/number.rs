//! Number formatting of the three dialects.
//!
//! All three start from the shortest decimal digit string that round-trips the double,
//! choosing the nearer candidate and, on an exact tie, the even one. That is what
//! CPython's `repr` (David Gay's dtoa, mode 0) and ECMAScript's `Number::toString` both
//! specify, and what Ryū computes; Rust's own `{:e}` does not break ties to even
//! (586925334443322.25 prints as `…322.3`, CPython prints `…322.2`), so it is not used.
//!
//! Everything is formatted into a fixed stack buffer ([`NumBuf`]): canonical hashing
//! writes numbers straight into the sink without allocating.

/// A small stack buffer holding one formatted number (at most 26 bytes are ever needed).
pub(crate) struct NumBuf {
    buf: [u8; 40],
    len: usize,
}

impl NumBuf {
    fn new() -> Self {
        NumBuf {
            buf: [0; 40],
            len: 0,
        }
    }
    #[inline]
    fn push(&mut self, b: u8) {
        self.buf[self.len] = b;
        self.len += 1;
    }
    #[inline]
    fn extend(&mut self, s: &[u8]) {
        self.buf[self.len..self.len + s.len()].copy_from_slice(s);
        self.len += s.len();
    }
    #[inline]
    fn zeros(&mut self, n: usize) {
        self.buf[self.len..self.len + n].fill(b'0');
        self.len += n;
    }
    /// Up to three decimal digits of a small non-negative number, optionally padded to two.
    fn small_int(&mut self, v: u32, min2: bool) {
        if v >= 100 {
            self.push(b'0' + (v / 100) as u8);
        }
        if v >= 10 || min2 {
            self.push(b'0' + (v / 10 % 10) as u8);
        }
        self.push(b'0' + (v % 10) as u8);
    }
    /// The formatted bytes (always ASCII).
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
    fn into_string(self) -> String {
        // Only ASCII digits, signs, '.', 'e' are ever pushed.
        String::from_utf8(self.as_bytes().to_vec()).expect("ascii number")
    }
}

/// Shortest round-trip digits of a finite, non-zero magnitude: `x = 0.d1d2…dk × 10^n`.
struct Digits {
    d: [u8; 24],
    k: usize,
    n: i32,
}

impl Digits {
    fn digits(&self) -> &[u8] {
        &self.d[..self.k]
    }
}

fn shortest(x: f64) -> Digits {
    let mut buf = ryu::Buffer::new();
    let s = buf.format_finite(x.abs()).as_bytes();
    let (mant, exp) = match s.iter().position(|&c| c == b'e') {
        Some(p) => {
            let (mut neg, mut e, mut i) = (false, 0i32, p + 1);
            if s[i] == b'-' {
                neg = true;
                i += 1;
            }
            for &c in &s[i..] {
                e = e * 10 + (c - b'0') as i32;
            }
            (&s[..p], if neg { -e } else { e })
        }
        None => (s, 0),
    };
    let int_len = mant.iter().position(|&c| c == b'.').unwrap_or(mant.len());
    let mut out = Digits {
        d: [0; 24],
        k: 0,
        n: 0,
    };
    let mut lead = 0usize;
    let mut seen = false;
    for &c in mant.iter().filter(|&&c| c != b'.') {
        if !seen && c == b'0' {
            lead += 1;
            continue;
        }
        seen = true;
        out.d[out.k] = c;
        out.k += 1;
    }
    while out.k > 0 && out.d[out.k - 1] == b'0' {
        out.k -= 1;
    }
    out.n = int_len as i32 - lead as i32 + exp;
    out
}

/// CPython's `float.__repr__` (and so `json.dumps`) for a finite double.
pub fn python_float(x: f64) -> String {
    python_float_buf(x).into_string()
}

/// [`python_float`] into a stack buffer.
pub(crate) fn python_float_buf(x: f64) -> NumBuf {
    debug_assert!(x.is_finite());
    let mut out = NumBuf::new();
    if x == 0.0 {
        out.extend(if x.is_sign_negative() {
            b"-0.0"
        } else {
            b"0.0"
        });
        return out;
    }
    let dg = shortest(x);
    let d = dg.digits();
    let e = dg.n - 1; // scientific exponent
    let k = d.len() as i32;
    if x < 0.0 {
        out.push(b'-');
    }
    if (-4..16).contains(&e) {
        if e >= 0 {
            if k <= e + 1 {
                out.extend(d);
                out.zeros((e + 1 - k) as usize);
                out.extend(b".0");
            } else {
                out.extend(&d[..(e + 1) as usize]);
                out.push(b'.');
                out.extend(&d[(e + 1) as usize..]);
            }
        } else {
            out.extend(b"0.");
            out.zeros((-e - 1) as usize);
            out.extend(d);
        }
    } else {
        out.push(d[0]);
        if k > 1 {
            out.push(b'.');
            out.extend(&d[1..]);
        }
        out.push(b'e');
        out.push(if e < 0 { b'-' } else { b'+' });
        out.small_int(e.unsigned_abs(), true);
    }
    out
}

/// ECMAScript `Number::toString(x)` (radix 10) for a finite double, as used by
/// `JSON.stringify` and RFC 8785.
pub fn js_number(x: f64) -> String {
    js_number_buf(x).into_string()
}

/// [`js_number`] into a stack buffer.
pub(crate) fn js_number_buf(x: f64) -> NumBuf {
    debug_assert!(x.is_finite());
    let mut out = NumBuf::new();
    if x == 0.0 {
        out.push(b'0');
        return out;
    }
    let dg = shortest(x);
    let d = dg.digits();
    let n = dg.n;
    let k = d.len() as i32;
    if x < 0.0 {
        out.push(b'-');
    }
    if k <= n && n <= 21 {
        out.extend(d);
        out.zeros((n - k) as usize);
    } else if 0 < n && n <= 21 {
        out.extend(&d[..n as usize]);
        out.push(b'.');
        out.extend(&d[n as usize..]);
    } else if -6 < n && n <= 0 {
        out.extend(b"0.");
        out.zeros((-n) as usize);
        out.extend(d);
    } else {
        out.push(d[0]);
        if k > 1 {
            out.push(b'.');
            out.extend(&d[1..]);
        }
        out.push(b'e');
        out.push(if n - 1 < 0 { b'-' } else { b'+' });
        out.small_int((n - 1).unsigned_abs(), false);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::excessive_precision)] // the exact tie value is the point of the test
    fn python_repr_examples() {
        for (x, s) in [
            (1e16, "1e+16"),
            (1e-5, "1e-05"),
            (100.0, "100.0"),
            (1.5, "1.5"),
            (-0.0, "-0.0"),
            (0.0001, "0.0001"),
            (123456789012345.6, "123456789012345.6"),
            (1234567890123456.7, "1234567890123456.8"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (0.1, "0.1"),
            (586925334443322.25, "586925334443322.2"),
            (0.0001234, "0.0001234"),
            (1e-300, "1e-300"),
        ] {
            assert_eq!(python_float(x), s, "{x:e}");
        }
    }

    #[test]
    fn js_examples() {
        for (x, s) in [
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (1e-7, "1e-7"),
            (1e-6, "0.000001"),
            (100.0, "100"),
            (-0.0, "0"),
            (1.5, "1.5"),
            (123e-20, "1.23e-18"),
        ] {
            assert_eq!(js_number(x), s, "{x:e}");
        }
    }
}
