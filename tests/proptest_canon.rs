//! Property tests of the canonical JSON layer (issue 10): for arbitrary values --
//! integers far beyond 64 bits, doubles across the whole exponent range (subnormals
//! included), strings with control, astral, private-use and line-separator characters
//! -- canonicalization in each of the three dialects is idempotent, and
//! parse -> canonicalize -> parse is stable. A value written in any legal but
//! non-canonical spelling (whitespace, `\u` escapes, shuffled keys, other number
//! layouts) canonicalizes to the same bytes.

use std::collections::BTreeMap;

use evv::canon::{self, Dialect, Number, Object, Value};
use proptest::prelude::*;

const DIALECTS: [Dialect; 3] = [Dialect::Python, Dialect::CanonicalJson, Dialect::Jcs];

/// Characters where the dialects differ or parsers go wrong, mixed with any scalar.
fn tricky_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => any::<char>(),
        1 => prop::char::range('\u{0}', '\u{1f}'),
        1 => prop::sample::select(vec![
            '"', '\\', '/', '\u{7f}', '\u{80}', '\u{ff}', '\u{2028}', '\u{2029}', '\u{d7ff}',
            '\u{e000}', '\u{fdd0}', '\u{fffd}', '\u{ffff}', '\u{10000}', '\u{1f600}',
            '\u{10ffff}', 'é', 'a', 'Z', '0',
        ]),
    ]
}

fn string() -> impl Strategy<Value = String> {
    prop::collection::vec(tricky_char(), 0..12).prop_map(|v| v.into_iter().collect())
}

/// A normalised integer literal: no leading zeros, no `-0`; up to 600 digits.
fn int_literal() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|i| i.to_string()),
        any::<u64>().prop_map(|i| i.to_string()),
        (
            any::<bool>(),
            1u8..=9,
            prop::collection::vec(0u8..=9, 0..600)
        )
            .prop_map(|(neg, first, rest)| {
                let mut s = String::from(if neg { "-" } else { "" });
                s.push(char::from(b'0' + first));
                s.extend(rest.into_iter().map(|d| char::from(b'0' + d)));
                s
            }),
    ]
}

/// Any finite double: random bit patterns cover every exponent, plus the edges.
#[allow(clippy::excessive_precision)] // exact tie and 2^53+1 values are the point
fn finite_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => any::<u64>().prop_map(f64::from_bits).prop_filter("finite", |f| f.is_finite()),
        1 => prop::sample::select(vec![
            0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, f64::MAX, f64::MIN, 1e16,
            1e15, 1e21, 1e-7, 1e-6, 1e-5, 0.1, 586925334443322.25, 9007199254740993.0,
        ]),
        1 => (any::<i32>(), -30i32..30).prop_map(|(m, e)| f64::from(m) * 10f64.powi(e)),
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        int_literal().prop_map(|s| Value::Number(Number::Int(s.into()))),
        finite_f64().prop_map(|f| Value::Number(Number::Float(f))),
        string().prop_map(Value::String),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(6, 96, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map(string(), inner, 0..8).prop_map(|m: BTreeMap<_, _>| {
                Value::Object(Object::from_entries(m.into_iter().collect()).expect("unique keys"))
            }),
        ]
    })
}

/// A legal, deliberately non-canonical JSON spelling of `v`, driven by `seed`.
fn ugly(v: &Value, seed: &mut u64, out: &mut String) {
    fn next(seed: &mut u64) -> u64 {
        // xorshift64*: deterministic per test case.
        *seed ^= *seed >> 12;
        *seed ^= *seed << 25;
        *seed ^= *seed >> 27;
        seed.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn ws(seed: &mut u64, out: &mut String) {
        for _ in 0..next(seed) % 3 {
            out.push([' ', '\n', '\r', '\t'][(next(seed) % 4) as usize]);
        }
    }
    fn string(s: &str, seed: &mut u64, out: &mut String) {
        out.push('"');
        for c in s.chars() {
            let escape = next(seed).is_multiple_of(3);
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '/' if escape => out.push_str("\\/"),
                c if (c as u32) < 0x20 || escape => {
                    let mut u = [0u16; 2];
                    for x in c.encode_utf16(&mut u) {
                        if next(seed).is_multiple_of(2) {
                            out.push_str(&format!("\\u{x:04x}"));
                        } else {
                            out.push_str(&format!("\\u{x:04X}"));
                        }
                    }
                }
                c => out.push(c),
            }
        }
        out.push('"');
    }
    ws(seed, out);
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(Number::Int(s)) => out.push_str(s),
        Value::Number(Number::Float(f)) => {
            // Every spelling must read back as the same double and stay a float.
            match next(seed) % 3 {
                0 => out.push_str(&format!("{f:e}")),
                1 => out.push_str(&format!("{f:E}").replace('E', "E+").replace("E+-", "E-")),
                _ => out.push_str(&format!("{f:?}")),
            }
        }
        Value::String(s) => string(s, seed, out),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                ugly(x, seed, out);
            }
            ws(seed, out);
            out.push(']');
        }
        Value::Object(o) => {
            out.push('{');
            let mut entries: Vec<(&str, &Value)> = o.iter().collect();
            // Shuffle: producers need not sort their keys.
            for i in (1..entries.len()).rev() {
                entries.swap(i, (next(seed) % (i as u64 + 1)) as usize);
            }
            for (i, (k, x)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                ws(seed, out);
                string(k, seed, out);
                ws(seed, out);
                out.push(':');
                ugly(x, seed, out);
            }
            ws(seed, out);
            out.push('}');
        }
    }
    ws(seed, out);
}

/// The `{:?}` / `{:e}` spellings of a float must contain `.`, `e` or `E` to stay a
/// float; Rust's `{:?}` does (`1.0`, `1e16`), `{:e}` always has `e`.
fn is_float_literal(s: &str) -> bool {
    s.contains(['.', 'e', 'E'])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    /// parse(canon(v)) == v for the two dialects that keep every value (Python and
    /// canonicaljson), and canon is a fixed point in all three.
    #[test]
    fn canon_is_stable_and_idempotent(v in value()) {
        for d in DIALECTS {
            let c = match canon::to_vec(&v, d) {
                Ok(c) => c,
                Err(e) => {
                    // Only JCS may refuse, and only integers beyond a double.
                    prop_assert_eq!(d, Dialect::Jcs, "{}", e);
                    continue;
                }
            };
            let w = canon::parse(&c).map_err(|e| TestCaseError::fail(format!("{d:?}: {e}")))?;
            if d != Dialect::Jcs {
                prop_assert_eq!(&w, &v, "{:?}", d);
            }
            prop_assert_eq!(canon::to_vec(&w, d).unwrap(), c.clone(), "{:?} not idempotent", d);
            prop_assert_eq!(canon::sha256(&v, d).unwrap(), evv::crypto::hash::sha256(&c));
            if d == Dialect::Python {
                prop_assert!(c.is_ascii(), "python dialect output must be ASCII");
            }
        }
    }

    /// Any legal spelling of a value canonicalizes to the canonical bytes of the value.
    #[test]
    fn canon_ignores_spelling(v in value(), seed in 1u64..) {
        let mut s = String::new();
        let mut st = seed;
        ugly(&v, &mut st, &mut s);
        let w = canon::parse(s.as_bytes()).map_err(|e| TestCaseError::fail(format!("{e}\n{s}")))?;
        prop_assert_eq!(&w, &v);
        for d in DIALECTS {
            prop_assert_eq!(canon::to_vec(&w, d).ok(), canon::to_vec(&v, d).ok(), "{:?}", d);
        }
    }

    /// The multi-threaded parse gives exactly the one-threaded result (value or error,
    /// with its offset, line and column) for any split count, on array-heavy texts in
    /// legal spellings and after arbitrary byte damage (flips, cuts, splices).
    #[test]
    fn segmented_parse_is_the_sequential_parse(
        items in prop::collection::vec(value(), 1..40),
        seed in 1u64..,
        damage in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 0..3),
    ) {
        let mut s = String::from("{\"head\":1,\"links\":[");
        let mut st = seed;
        for (i, v) in items.iter().enumerate() {
            if i > 0 {
                s.push_str(if st % 2 == 0 { "," } else { " ,\n " });
            }
            // Elements that are objects and arrays make candidates; leaves do not.
            let el = match (i + seed as usize) % 3 {
                0 => Value::Array(vec![v.clone()]),
                _ => {
                    let mut o = Object::new();
                    o.insert("v", v.clone());
                    Value::Object(o)
                }
            };
            ugly(&el, &mut st, &mut s);
        }
        s.push_str("],\"tail\":[{},[]]}");
        let mut bytes = s.into_bytes();
        for (at, b, kind) in damage {
            if bytes.is_empty() {
                break;
            }
            let i = at.index(bytes.len());
            match kind {
                0 => bytes[i] = b,
                1 => bytes.truncate(i),
                2 => bytes.insert(i, b),
                _ => bytes.insert(i, [b'"', b',', b'{', b']'][(b % 4) as usize]),
            }
        }
        let one = canon::parse_segmented(&bytes, 1);
        for n in 2..=5 {
            prop_assert_eq!(&canon::parse_segmented(&bytes, n), &one, "{} segments", n);
        }
    }

    /// Number layouts round-trip the exact double, and keep int/float apart.
    #[test]
    fn number_layouts_round_trip(f in finite_f64()) {
        let p = canon::python_float(f);
        prop_assert!(is_float_literal(&p), "{}", p);
        prop_assert_eq!(p.parse::<f64>().unwrap().to_bits(), f.to_bits(), "{}", p);
        let j = canon::js_number(f);
        prop_assert_eq!(j.parse::<f64>().unwrap(), f, "{}", j);
        let dbg = format!("{f:?}");
        prop_assert!(is_float_literal(&dbg), "{}", dbg);
    }

    /// JCS orders keys by UTF-16 code units, the others by code point.
    #[test]
    fn key_order(keys in prop::collection::btree_set(string(), 0..10)) {
        let o = Object::from_entries(keys.iter().map(|k| (k.clone(), Value::Null)).collect()).unwrap();
        let v = Value::Object(o);
        for d in DIALECTS {
            let back = canon::parse(&canon::to_vec(&v, d).unwrap()).unwrap();
            prop_assert_eq!(&back, &v);
        }
        // JCS: the members in UTF-16 order, each key in JCS string form.
        let jcs = canon::to_vec(&v, Dialect::Jcs).unwrap();
        let mut expect: Vec<&String> = keys.iter().collect();
        expect.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
        let members: Vec<String> = expect
            .iter()
            .map(|k| {
                let enc = canon::to_vec(&Value::String((*k).clone()), Dialect::Jcs).unwrap();
                format!("{}:null", String::from_utf8(enc).unwrap())
            })
            .collect();
        prop_assert_eq!(String::from_utf8(jcs).unwrap(), format!("{{{}}}", members.join(",")));
    }
}

/// Deterministic corner cases the generators might miss.
#[test]
fn fixed_corner_cases() {
    for doc in [
        "-0".to_string(),
        "-0.0".into(),
        "0e0".into(),
        "1E-400000000000000000000".into(),
        "[1e-400]".into(),
        "\"\\ud83d\\ude00\\u0000\\u001f\\u007f\\u2028\"".into(),
        format!("{}1", "9".repeat(4299)),
    ] {
        let v = canon::parse(doc.as_bytes()).unwrap_or_else(|e| panic!("{doc}: {e}"));
        for d in DIALECTS {
            if let Ok(c) = canon::to_vec(&v, d) {
                let w = canon::parse(&c).unwrap();
                assert_eq!(canon::to_vec(&w, d).unwrap(), c, "{doc} {d:?}");
            } else {
                assert_eq!(d, Dialect::Jcs, "{doc}");
            }
        }
    }
}
