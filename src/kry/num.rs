//! Number handling KRY needs to reproduce the reference bit for bit: `canon_f64`, the
//! exact CPython `round(x, n)`, and the tolerance comparisons of KRY-SPEC §3.5.

use crate::canon::Value;

/// `canon_f64` sentinel of the savings profile for a missing, non-numeric or
/// non-finite value.
pub const SAVINGS_SENTINEL: &str = "nonfinite";
/// `canon_f64` sentinel of the action profile.
pub const ACTION_SENTINEL: &str = "ffffffffffffffff";

/// The tolerance for every declared-vs-derived amount (KRY-SPEC §3.5).
pub const AMOUNT_TOLERANCE: f64 = 1e-9;

/// The value as a finite double when it is a JSON number (booleans and strings are
/// not numbers here, even though Python's `float()` would accept some of them).
pub fn finite(v: Option<&Value>) -> Option<f64> {
    match v {
        Some(Value::Number(n)) => Some(n.as_f64()).filter(|f| f.is_finite()),
        _ => None,
    }
}

/// `canon_f64(x)`: the 16 lowercase hex digits of the big-endian IEEE-754 binary64
/// value, or `sentinel` when `x` is absent, not a number, or not finite as a double.
/// Integers and equal floats encode alike because both go through the double.
pub fn canon_f64(v: Option<&Value>, sentinel: &'static str) -> CanonF64 {
    match finite(v) {
        Some(f) => CanonF64::Hex(f.to_bits()),
        None => CanonF64::Sentinel(sentinel),
    }
}

/// An encoded `canon_f64` value (kept unformatted so hashing needs no allocation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CanonF64 {
    /// The bits of a finite double.
    Hex(u64),
    /// The profile's sentinel string.
    Sentinel(&'static str),
}

impl CanonF64 {
    /// Writes the 16 hex digits (or the sentinel) into `out`.
    pub fn write_to(self, out: &mut [u8; 16]) -> &[u8] {
        match self {
            CanonF64::Hex(bits) => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                for (i, b) in out.iter_mut().enumerate() {
                    *b = HEX[((bits >> (60 - 4 * i)) & 15) as usize];
                }
                &out[..]
            }
            CanonF64::Sentinel(s) => s.as_bytes(),
        }
    }
}

impl std::fmt::Display for CanonF64 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CanonF64::Hex(bits) => write!(f, "{bits:016x}"),
            CanonF64::Sentinel(s) => f.write_str(s),
        }
    }
}

/// CPython's `round(x, ndigits)` for a float and `0 <= ndigits <= 22`.
///
/// CPython rounds the *exact* binary value of `x` to `ndigits` decimal places with
/// ties to even (`_Py_dg_dtoa` mode 3) and converts that decimal back to the nearest
/// double. This does the same with exact integer arithmetic: `x = m·2^e`, so
/// `x·10^n = m·10^n / 2^-e` is split into quotient and remainder, rounded half-even,
/// and the decimal `q·10^-n` is parsed with Rust's correctly rounded parser.
pub fn py_round(x: f64, ndigits: u32) -> f64 {
    assert!(ndigits <= 22, "py_round supports 0..=22 digits");
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    let bits = x.to_bits();
    let neg = bits >> 63 == 1;
    let exp_bits = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1u64 << 52) - 1);
    let (m, e) = if exp_bits == 0 {
        (frac, -1074)
    } else {
        (frac | (1u64 << 52), exp_bits - 1075)
    };
    if e >= 0 {
        // x is an integer: rounding to n >= 0 places is the identity.
        return x;
    }
    let k = (-e) as u32;
    // m < 2^53 and 10^22 < 2^74, so m·10^n < 2^127 fits u128.
    let v = (m as u128) * 10u128.pow(ndigits);
    let q = if k >= 127 {
        // v < 2^127 <= 2^(k-1)... only exactly half when v == 2^(k-1), impossible
        // for k > 127; for k == 127 compare explicitly.
        let half = if k == 127 { Some(1u128 << 126) } else { None };
        match half {
            Some(h) if v > h => 1,
            Some(h) if v == h => 0, // tie between 0 and 1: even is 0
            _ => 0,
        }
    } else {
        let q = v >> k;
        let r = v & ((1u128 << k) - 1);
        let half = 1u128 << (k - 1);
        if r > half || (r == half && q & 1 == 1) {
            q + 1
        } else {
            q
        }
    };
    let s = format!("{}{q}e-{ndigits}", if neg { "-" } else { "" });
    s.parse::<f64>().unwrap_or(x)
}

/// True when `declared` equals `derived` within [`AMOUNT_TOLERANCE`].
pub fn amount_eq(declared: f64, derived: f64) -> bool {
    (declared - derived).abs() <= AMOUNT_TOLERANCE
}

/// Formats a double as Python's `repr` would (for messages).
pub fn show(x: f64) -> String {
    if x.is_finite() {
        crate::canon::python_float(x)
    } else {
        format!("{x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canon::Number;

    #[test]
    fn canon_f64_examples() {
        let n = |f: f64| Value::Number(Number::Float(f));
        let hex = |v: Option<&Value>| canon_f64(v, SAVINGS_SENTINEL).to_string();
        assert_eq!(hex(Some(&n(0.0))), "0000000000000000");
        assert_eq!(hex(Some(&n(1.0))), "3ff0000000000000");
        assert_eq!(hex(Some(&Value::from(1i64))), "3ff0000000000000");
        assert_eq!(hex(Some(&n(0.1))), "3fb999999999999a");
        assert_eq!(hex(Some(&n(2.5e-8))), "3e5ad7f29abcaf48");
        assert_eq!(hex(Some(&n(1e308))), "7fe1ccf385ebc8a0");
        assert_eq!(hex(None), "nonfinite");
        assert_eq!(hex(Some(&Value::Bool(true))), "nonfinite");
        assert_eq!(hex(Some(&Value::from("1.5"))), "nonfinite");
        let big = Value::Number(Number::Int("1".repeat(400).into()));
        assert_eq!(hex(Some(&big)), "nonfinite");
        assert_eq!(
            canon_f64(None, ACTION_SENTINEL).to_string(),
            "ffffffffffffffff"
        );
        let mut buf = [0u8; 16];
        assert_eq!(
            canon_f64(Some(&n(-1.0)), SAVINGS_SENTINEL).write_to(&mut buf),
            b"bff0000000000000"
        );
    }

    #[test]
    fn round_known_python_results() {
        // Values checked against CPython 3.11.
        assert_eq!(py_round(2.675, 2), 2.67); // 2.675 is below the tie in binary
        assert_eq!(py_round(0.125, 2), 0.12); // exact tie, even
        assert_eq!(py_round(0.375, 2), 0.38); // exact tie, even
        assert_eq!(py_round(1.00005, 4), 1.0001);
        assert_eq!(py_round(37020.425237511234, 4), 37020.4252);
        assert_eq!(py_round(0.925510630937780, 6), 0.925511);
        assert_eq!(py_round(-0.00001, 4).to_bits(), (-0.0f64).to_bits());
        assert_eq!(py_round(5e-324, 4), 0.0);
        assert_eq!(py_round(1e300, 4), 1e300);
        assert_eq!(py_round(2.5, 0), 2.0);
        assert_eq!(py_round(3.5, 0), 4.0);
    }
}
