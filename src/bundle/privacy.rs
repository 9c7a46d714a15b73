//! Detection of raw content in REQ_SEEN entries, which must hold commitments only.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::canon::Value;

/// Why a string looks like raw content, or `None` if it looks like a commitment or a
/// short code word.
pub fn raw_content(s: &str) -> Option<&'static str> {
    // One pass over the bytes decides which of the checks below can match at all.
    let class = s.bytes().fold(0u8, |acc, c| acc | CLASS[c as usize]);
    let (at, dot_colon) = (class & AT != 0, class & DOT_COLON != 0);
    let (printable, hex) = (class & UNPRINTABLE == 0, class & NOT_HEX == 0);
    if at && looks_like_email(s) {
        return Some("an email address");
    }
    if dot_colon && contains_ip(s) {
        return Some("an IP address");
    }
    // Visible ASCII holds no whitespace or control character.
    if !printable && s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("free text (whitespace or control characters)");
    }
    if s.len() > 64 && !hex {
        return Some("free text (more than 64 characters, not a hex digest)");
    }
    None
}

const AT: u8 = 1;
const DOT_COLON: u8 = 2;
/// Outside visible ASCII (0x21..=0x7e).
const UNPRINTABLE: u8 = 4;
/// Not a lowercase hex digit.
const NOT_HEX: u8 = 8;
/// The classes of each byte, for [`raw_content`]'s single pass.
const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        let mut k = 0;
        if b == b'@' {
            k |= AT;
        }
        if b == b'.' || b == b':' {
            k |= DOT_COLON;
        }
        if !matches!(b, 0x21..=0x7e) {
            k |= UNPRINTABLE;
        }
        if !matches!(b, b'0'..=b'9' | b'a'..=b'f') {
            k |= NOT_HEX;
        }
        t[c] = k;
        c += 1;
    }
    t
};

fn looks_like_email(s: &str) -> bool {
    if !s.contains('@') {
        return false;
    }
    let b = s.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        if c != b'@' || i == 0 {
            return false;
        }
        let local_ok = b[i - 1].is_ascii_alphanumeric() || b"._%+-".contains(&b[i - 1]);
        let domain: String = s[i + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-')
            .collect();
        local_ok && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
    })
}

fn contains_ip(s: &str) -> bool {
    if !s.contains(['.', ':']) {
        return false;
    }
    s.split(|c: char| !(c.is_ascii_hexdigit() || c == '.' || c == ':'))
        .filter(|t| !t.is_empty())
        .any(|t| {
            let t4 = t.trim_matches(|c| c == '.' || c == ':');
            t4.parse::<Ipv4Addr>().is_ok()
                || t.parse::<Ipv6Addr>().is_ok()
                || t.strip_prefix("::ffff:")
                    .is_some_and(|x| x.parse::<Ipv4Addr>().is_ok())
        })
}

/// Scans every key and string of `v`; returns the first (field path, reason). The path
/// is only built for a hit, so clean entries cost no allocation.
pub fn scan(v: &Value, path: &str) -> Option<(String, &'static str)> {
    fn walk(v: &Value, segs: &mut Vec<String>) -> Option<&'static str> {
        match v {
            Value::String(s) => raw_content(s),
            Value::Array(a) => a.iter().enumerate().find_map(|(i, x)| {
                let r = walk(x, segs);
                if r.is_some() {
                    segs.push(format!("[{i}]"));
                }
                r
            }),
            Value::Object(o) => o.iter().find_map(|(k, x)| {
                let r = raw_content(k).or_else(|| walk(x, segs));
                if r.is_some() {
                    segs.push(format!(".{k}"));
                }
                r
            }),
            _ => None,
        }
    }
    let mut segs = Vec::new();
    let why = walk(v, &mut segs)?;
    let mut p = path.to_string();
    for s in segs.iter().rev() {
        p.push_str(s);
    }
    Some((p.trim_start_matches('.').to_string(), why))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_raw_content_only() {
        for ok in [
            "20261123T19",
            "received",
            "quota_exceeded",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "1.2.3",
            "v1",
        ] {
            assert_eq!(raw_content(ok), None, "{ok}");
        }
        for bad in [
            "alice@example.org",
            "ip=203.0.113.7",
            "2001:db8::1",
            "::ffff:10.0.0.1",
            "hello world",
            "line\nbreak",
            &"x".repeat(65),
        ] {
            assert!(raw_content(bad).is_some(), "{bad}");
        }
        let v = crate::canon::parse_str(r#"{"a":{"b":["x","me@example.org"]}}"#).unwrap();
        assert_eq!(scan(&v, "").unwrap().0, "a.b[1]");
    }
}
