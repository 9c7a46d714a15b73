//! Number formatting of the three dialects.
//!
//! All three start from the shortest decimal digit string that round-trips the double
//! (Rust's `{:e}` formatting produces it, as CPython's `repr` and ECMAScript's
//! `Number::toString` do) and differ only in layout.

/// Shortest round-trip digits and decimal exponent of a finite, non-zero magnitude:
/// `x = 0.d1d2…dk × 10^n` is returned as `(digits, n)`.
fn shortest(x: f64) -> (String, i32) {
    let s = format!("{:e}", x.abs());
    let (mant, exp) = s.split_once('e').expect("{:e} always has an exponent");
    let exp: i32 = exp.parse().expect("integer exponent");
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    (digits, exp + 1)
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
