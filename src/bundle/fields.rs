//! Typed access to JSON fields and the value formats of the bundle (hex digests,
//! lowercase UUIDs, REQ_SEEN hours, citation handles, base64).

use base64::Engine;

use crate::canon::{Object, Value};
use crate::crypto::hash::parse_hex32;

/// The genesis value: the `prev_hash` of the first trace event and the
/// `prev_record_hash` of the first chain record (64 zeros).
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A field that is absent or of the wrong type: the message says which.
pub type FieldResult<T> = Result<T, String>;

/// A required string field.
pub fn str_field<'a>(o: &'a Object, k: &str) -> FieldResult<&'a str> {
    match o.get(k) {
        Some(Value::String(s)) => Ok(s),
        Some(v) => Err(format!(
            "field {k} is a {}, expected a string",
            v.type_name()
        )),
        None => Err(format!("field {k} is missing")),
    }
}

/// A required non-negative integer field (below 2^53, so every dialect writes it alike).
pub fn u64_field(o: &Object, k: &str) -> FieldResult<u64> {
    match o.get(k) {
        Some(Value::Number(n)) if n.is_int() => match n.as_u64() {
            Some(x) if x < (1u64 << 53) => Ok(x),
            _ => Err(format!(
                "field {k} must be an integer in 0..2^53, got {}",
                crate::canon::number(n, crate::canon::Dialect::Python).unwrap_or_default()
            )),
        },
        Some(v) => Err(format!(
            "field {k} is a {}, expected an integer",
            v.type_name()
        )),
        None => Err(format!("field {k} is missing")),
    }
}

/// A required 64-hex lowercase digest field.
pub fn hex32_field(o: &Object, k: &str) -> FieldResult<[u8; 32]> {
    let s = str_field(o, k)?;
    parse_hex32(s).ok_or_else(|| format!("field {k} must be 64 lowercase hex digits"))
}

/// A required object field.
pub fn obj_field<'a>(o: &'a Object, k: &str) -> FieldResult<&'a Object> {
    match o.get(k) {
        Some(Value::Object(x)) => Ok(x),
        Some(v) => Err(format!(
            "field {k} is a {}, expected an object",
            v.type_name()
        )),
        None => Err(format!("field {k} is missing")),
    }
}

/// A required array field.
pub fn arr_field<'a>(o: &'a Object, k: &str) -> FieldResult<&'a [Value]> {
    match o.get(k) {
        Some(Value::Array(x)) => Ok(x),
        Some(v) => Err(format!(
            "field {k} is a {}, expected an array",
            v.type_name()
        )),
        None => Err(format!("field {k} is missing")),
    }
}

/// A required string field with an exact value (format identifiers).
pub fn const_field(o: &Object, k: &str, want: &str) -> FieldResult<()> {
    let s = str_field(o, k)?;
    if s == want {
        Ok(())
    } else {
        Err(format!(
            "field {k} is {s:?}, expected {want:?} (unsupported version)"
        ))
    }
}

/// A required base64 (RFC 4648 standard alphabet, padded) field, decoded.
pub fn b64_field(o: &Object, k: &str) -> FieldResult<Vec<u8>> {
    let s = str_field(o, k)?;
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .map_err(|e| format!("field {k} is not padded standard base64: {e}"))
}

/// True for a lowercase hyphenated UUID (`8-4-4-4-12` hex digits).
pub fn is_uuid(s: &str) -> bool {
    is_uuid_bytes(s.as_bytes())
}

/// [`is_uuid`] on bytes.
pub fn is_uuid_bytes(b: &[u8]) -> bool {
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_digit() || (b'a'..=b'f').contains(&c),
        })
}

/// True for a REQ_SEEN hour `YYYYMMDDTHH` (month 01-12, day 01-31, hour 00-23).
pub fn is_hour(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 11 || b[8] != b'T' {
        return false;
    }
    if !b[..8].iter().chain(&b[9..]).all(|c| c.is_ascii_digit()) {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap_or(99);
    (1..=12).contains(&num(4..6)) && (1..=31).contains(&num(6..8)) && num(9..11) <= 23
}

/// True for `if://citation/<uuid>/v<n>`, `n` a positive integer without leading zero.
pub fn is_handle(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("if://citation/") else {
        return false;
    };
    let Some((uuid, v)) = rest.split_once("/v") else {
        return false;
    };
    is_uuid(uuid)
        && !v.is_empty()
        && v.len() <= 9
        && v.bytes().all(|c| c.is_ascii_digit())
        && !v.starts_with('0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert!(is_uuid("09aad3e1-f420-451e-a189-e86f68073dc0"));
        assert!(!is_uuid("09AAD3E1-f420-451e-a189-e86f68073dc0"));
        assert!(is_hour("20261123T19"));
        assert!(!is_hour("20261323T19") && !is_hour("20261123T24") && !is_hour("20261123 19"));
        assert!(is_handle(
            "if://citation/1c1cca4e-b63e-4259-8d0d-de2a038585fe/v1"
        ));
        assert!(is_handle(
            "if://citation/1c1cca4e-b63e-4259-8d0d-de2a038585fe/v12"
        ));
        for bad in [
            "if://citation/1c1cca4e-b63e-4259-8d0d-de2a038585fe/v0",
            "if://citation/1c1cca4e-b63e-4259-8d0d-de2a038585fe/v01",
            "if://citation/1c1cca4e-b63e-4259-8d0d-de2a038585fe/",
            "if://citation/not-a-uuid/v1",
            "https://citation/1c1cca4e-b63e-4259-8d0d-de2a038585fe/v1",
        ] {
            assert!(!is_handle(bad), "{bad}");
        }
        assert_eq!(GENESIS.len(), 64);
    }
}
