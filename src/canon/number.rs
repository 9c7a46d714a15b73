//! Number formatting of the three dialects.
//!
//! All three start from the shortest decimal digit string that round-trips the double,
//! choosing the nearer candidate and, on an exact tie, the even one. That is what
//! CPython's `repr` (David Gay's dtoa, mode 0) and ECMAScript's `Number::toString` both
//! specify, and what Ryū computes; Rust's own `{:e}` does not break ties to even
//! (586925334443322.25 prints as `…322.3`, CPython prints `…322.2`), so it is not used.

/// Shortest round-trip digits and decimal exponent of a finite, non-zero magnitude:
/// `x = 0.d1d2…dk × 10^n` is returned as `(digits, n)`.
fn shortest(x: f64) -> (String, i32) {
    let mut buf = ryu::Buffer::new();
    let s = buf.format_finite(x.abs());
    let (mant, exp) = match s.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().expect("ryu exponent")),
        None => (s, 0),
    };
    let (int_part, frac_part) = mant.split_once('.').unwrap_or((mant, ""));
    let all: String = format!("{int_part}{frac_part}");
    let lead = all.len() - all.trim_start_matches('0').len();
    let digits = all
        .trim_start_matches('0')
        .trim_end_matches('0')
        .to_string();
    let n = int_part.len() as i32 - lead as i32 + exp;
    (digits, n)
}

/// CPython's `float.__repr__` (and so `json.dumps`) for a finite double.
pub fn python_float(x: f64) -> String {
    debug_assert!(x.is_finite());
    if x == 0.0 {
        return if x.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    let (d, n) = shortest(x);
    let e = n - 1; // scientific exponent
    let k = d.len() as i32;
    let mut out = String::new();
    if x < 0.0 {
        out.push('-');
    }
    if (-4..16).contains(&e) {
        if e >= 0 {
            if k <= e + 1 {
                out.push_str(&d);
                out.extend(std::iter::repeat_n('0', (e + 1 - k) as usize));
                out.push_str(".0");
            } else {
                out.push_str(&d[..(e + 1) as usize]);
                out.push('.');
                out.push_str(&d[(e + 1) as usize..]);
            }
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-e - 1) as usize));
            out.push_str(&d);
        }
    } else {
        out.push_str(&d[..1]);
        if k > 1 {
            out.push('.');
            out.push_str(&d[1..]);
        }
        out.push('e');
        out.push(if e < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", e.abs()));
    }
    out
}

/// ECMAScript `Number::toString(x)` (radix 10) for a finite double, as used by
/// `JSON.stringify` and RFC 8785.
pub fn js_number(x: f64) -> String {
    debug_assert!(x.is_finite());
    if x == 0.0 {
        return "0".into();
    }
    let (d, n) = shortest(x);
    let k = d.len() as i32;
    let mut out = String::new();
    if x < 0.0 {
        out.push('-');
    }
    if k <= n && n <= 21 {
        out.push_str(&d);
        out.extend(std::iter::repeat_n('0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        out.push_str(&d[..n as usize]);
        out.push('.');
        out.push_str(&d[n as usize..]);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-n) as usize));
        out.push_str(&d);
    } else {
        out.push_str(&d[..1]);
        if k > 1 {
            out.push('.');
            out.push_str(&d[1..]);
        }
        out.push('e');
        out.push(if n - 1 < 0 { '-' } else { '+' });
        out.push_str(&(n - 1).abs().to_string());
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
