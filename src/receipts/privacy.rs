//! Receipt-only persistence: scanners for raw content, key material, secret-shaped values
//! and opaque blobs, run over every key and string at every depth of a record.
//!
//! These are heuristics by necessity (no scanner can prove the absence of an encoding),
//! so they are deliberately broad and fail closed: a false alarm costs an auditor a look,
//! a miss costs a leaked prompt or key.

use std::collections::BTreeSet;

use crate::canon::{Object, Value};

use super::receipt::{field_index, is_digest_field};
#[cfg(test)]
use super::receipt::{DIGEST_FIELDS, FIELDS, USAGE_FIELDS};
use super::Code;

/// Field names (lowercase, `-` read as `_`) that hold raw content or credentials.
pub const FORBIDDEN_NAMES: [&str; 40] = [
    "access_token",
    "auth",
    "authorization",
    "bearer",
    "body",
    "choices",
    "completion",
    "completion_text",
    "completions",
    "content",
    "contents",
    "cookie",
    "credential",
    "credentials",
    "delta",
    "headers",
    "input",
    "inputs",
    "message",
    "messages",
    "output",
    "output_text",
    "outputs",
    "password",
    "prompt",
    "prompt_text",
    "prompts",
    "proxy_authorization",
    "raw",
    "raw_output",
    "raw_prompt",
    "raw_response",
    "request_body",
    "request_headers",
    "response",
    "response_body",
    "response_headers",
    "response_text",
    "secret",
    "text",
];

/// Suffixes that make a field name forbidden as well (`system_prompt`, `model_output`).
pub const FORBIDDEN_SUFFIXES: [&str; 5] = ["_prompt", "_output", "_text", "_content", "_secret"];

/// The only field names that may mention keys.
pub const KEY_FIELDS: [&str; 2] = ["key_count", "key_index"];

/// Shortest string the blob scanner considers.
pub const BLOB_MIN_LEN: usize = 48;

fn norm(name: &str) -> String {
    name.to_ascii_lowercase().replace('-', "_")
}

/// True for the declared receipt and usage field names: never forbidden and free of
/// secret shapes (both tested), so the scanners skip them.
#[inline]
fn declared(name: &str) -> bool {
    field_index(name).is_some()
        || matches!(name, "completion_tokens" | "prompt_tokens" | "total_tokens")
}

/// Classifies a field name: `Some(ForbiddenField | KeyMaterial)` when it must not appear.
pub fn name_rule(name: &str) -> Option<Code> {
    // Fast path: the declared field names are never forbidden.
    if declared(name) {
        return None;
    }
    let n = norm(name);
    if FORBIDDEN_NAMES.contains(&n.as_str()) || FORBIDDEN_SUFFIXES.iter().any(|s| n.ends_with(s)) {
        return Some(Code::ForbiddenField);
    }
    if n.contains("key") && !KEY_FIELDS.contains(&n.as_str()) {
        return Some(Code::KeyMaterial);
    }
    None
}

fn is_tok(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

fn run_len(b: &[u8], from: usize, pred: impl Fn(u8) -> bool) -> usize {
    b[from.min(b.len())..]
        .iter()
        .take_while(|&&c| pred(c))
        .count()
}

/// True if `b` holds `-`, `_`, a space or `A` (eight bytes per step).
fn any_trigger(b: &[u8]) -> bool {
    const fn splat(c: u8) -> u64 {
        u64::from_ne_bytes([c; 8])
    }
    const LO: u64 = splat(0x01);
    const HI: u64 = splat(0x80);
    let zero = |x: u64| x.wrapping_sub(LO) & !x & HI;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let w = u64::from_ne_bytes(w);
        if zero(w ^ splat(b'-'))
            | zero(w ^ splat(b'_'))
            | zero(w ^ splat(b' '))
            | zero(w ^ splat(b'A'))
            != 0
        {
            return true;
        }
    }
    chunks
        .remainder()
        .iter()
        .any(|&c| matches!(c, b'-' | b'_' | b' ' | b'A'))
}

/// Names the secret shape found in `s`, if any.
pub fn secret_shape(s: &str) -> Option<&'static str> {
    let b = s.as_bytes();
    // Every shape contains `-`, `_`, a space or `AKIA`: most strings (digests, ids,
    // numbers-as-text) contain none of them and are dismissed in one tight pass.
    if !any_trigger(b) {
        return None;
    }
    let ci =
        |i: usize, p: &[u8]| b.len() >= i + p.len() && b[i..i + p.len()].eq_ignore_ascii_case(p);
    let starts = |i: usize, p: &[u8]| b[i..].starts_with(p);
    for i in 0..b.len() {
        if i > 0 && b[i - 1].is_ascii_alphanumeric() {
            continue;
        }
        // Dispatch on the first byte so most positions cost one comparison.
        let hit = match b[i] {
            b's' | b'S' => {
                (ci(i, b"sk-") && run_len(b, i + 3, is_tok) >= 16).then_some("an sk-... API key")
            }
            b'b' | b'B' => {
                if ci(i, b"bearer ") && run_len(b, i + 7, |c| !c.is_ascii_whitespace()) >= 8 {
                    Some("a Bearer authorization value")
                } else if ci(i, b"basic ")
                    && run_len(b, i + 6, |c| {
                        c.is_ascii_alphanumeric() || c == b'+' || c == b'/' || c == b'='
                    }) >= 12
                {
                    Some("a Basic authorization value")
                } else {
                    None
                }
            }
            b'A' => (starts(i, b"AKIA")
                && run_len(b, i + 4, |c| c.is_ascii_uppercase() || c.is_ascii_digit()) >= 16)
                .then_some("an AWS access key id"),
            b'g' => [
                &b"ghp_"[..],
                b"gho_",
                b"ghu_",
                b"ghs_",
                b"ghr_",
                b"github_pat_",
            ]
            .iter()
            .any(|p| starts(i, p) && run_len(b, i + p.len(), is_tok) >= 20)
            .then_some("a GitHub token"),
            b'x' => [&b"xoxb-"[..], b"xoxp-", b"xoxa-", b"xoxs-"]
                .iter()
                .any(|p| starts(i, p) && run_len(b, i + p.len(), is_tok) >= 10)
                .then_some("a Slack token"),
            _ => None,
        };
        if hit.is_some() {
            return hit;
        }
    }
    if s.contains("-----BEGIN") && s.contains("PRIVATE KEY") {
        return Some("a PEM private key");
    }
    None
}

/// True for a string of at least [`BLOB_MIN_LEN`] characters from the base64,
/// base64url or hex alphabets only.
pub fn is_blob(s: &str) -> bool {
    s.len() >= BLOB_MIN_LEN
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=' | b'_' | b'-'))
}

/// Scans a top-level record. `fail(code, field_path, message)` is called per finding.
/// Returns the top-level keys that were flagged by name (so the unknown-field check does
/// not report them twice).
pub fn scan<'o>(obj: &'o Object, fail: &mut dyn FnMut(Code, &str, String)) -> BTreeSet<&'o str> {
    let mut flagged = BTreeSet::new();
    for (k, v) in obj.iter() {
        if walk_member(k, v, k, true, fail) {
            flagged.insert(k);
        }
    }
    flagged
}

/// Checks one member (name and value); returns true when the name itself was flagged.
fn walk_member(
    k: &str,
    v: &Value,
    path: &str,
    top: bool,
    fail: &mut dyn FnMut(Code, &str, String),
) -> bool {
    let mut named = false;
    if declared(k) {
        // Neither forbidden nor secret-shaped (see `names` below): only the value.
        walk_value(v, path, top && is_digest_field(k), fail);
        return false;
    }
    if let Some(code) = name_rule(k) {
        named = true;
        let what = if code == Code::KeyMaterial {
            "only key_index and key_count may describe keys"
        } else {
            "raw content and credentials must never be persisted"
        };
        fail(code, path, format!("field {path:?} is forbidden: {what}"));
    }
    if let Some(shape) = secret_shape(k) {
        fail(
            Code::SecretValue,
            path,
            format!("field name {path:?} contains {shape}"),
        );
    }
    walk_value(v, path, false, fail);
    named
}

fn walk_value(v: &Value, path: &str, digest: bool, fail: &mut dyn FnMut(Code, &str, String)) {
    match v {
        Value::String(s) => {
            if let Some(shape) = secret_shape(s) {
                fail(
                    Code::SecretValue,
                    path,
                    format!("value of {path:?} contains {shape}"),
                );
            } else if !digest && is_blob(s) {
                fail(
                    Code::Blob,
                    path,
                    format!(
                        "value of {path:?} is a {}-character base64/hex blob outside the declared digest fields",
                        s.len()
                    ),
                );
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                walk_value(x, &format!("{path}[{i}]"), false, fail);
            }
        }
        Value::Object(o) => {
            for (k, x) in o.iter() {
                walk_member(k, x, &format!("{path}.{k}"), false, fail);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(name_rule("prompt"), Some(Code::ForbiddenField));
        assert_eq!(name_rule("System-Prompt"), Some(Code::ForbiddenField));
        assert_eq!(name_rule("Authorization"), Some(Code::ForbiddenField));
        assert_eq!(name_rule("api_key"), Some(Code::KeyMaterial));
        assert_eq!(name_rule("key_hash"), Some(Code::KeyMaterial));
        assert_eq!(name_rule("key_index"), None);
        assert_eq!(name_rule("prompt_tokens"), None);
        assert_eq!(name_rule("model"), None);
        // The fast path must agree with the full rule for every declared field.
        for f in FIELDS.iter().chain(USAGE_FIELDS.iter()) {
            assert!(declared(f), "{f}");
            assert_eq!(secret_shape(f), None, "{f}");
            assert!(!FORBIDDEN_NAMES.contains(f), "{f}");
            assert!(!FORBIDDEN_SUFFIXES.iter().any(|s| f.ends_with(s)), "{f}");
            assert!(!f.contains("key") || KEY_FIELDS.contains(f), "{f}");
        }
    }

    #[test]
    fn secrets() {
        assert!(secret_shape("sk-proj-abcdefghijklmnopqrstuv").is_some());
        assert!(secret_shape("key was sk-or-v1-0123456789abcdef0123").is_some());
        assert!(secret_shape("Authorization: Bearer abcdefgh1234").is_some());
        assert!(secret_shape("AKIAABCDEFGHIJKLMNOP").is_some());
        assert!(secret_shape("-----BEGIN PRIVATE KEY-----").is_some());
        assert!(secret_shape("http 429: rate limited (basic tier)").is_none());
        assert!(secret_shape("task-xyz").is_none());
        assert!(secret_shape("chatcmpl-AbCdEf0123456789").is_none());
        assert!(secret_shape("SK-ABCDEFGHIJKLMNOPQRST").is_some());
        assert!(secret_shape("bearer abcdefgh1234").is_some());
        assert!(secret_shape("ask-abcdefghijklmnopqrstuv").is_none());
    }

    #[test]
    fn trigger_prefilter_matches_bytewise() {
        for len in 0..40 {
            for at in 0..len {
                for c in [b'-', b'_', b' ', b'A', b'a', b'0', 0x80, 0xff] {
                    let mut b = vec![b'x'; len];
                    b[at] = c;
                    let want = b.iter().any(|&c| matches!(c, b'-' | b'_' | b' ' | b'A'));
                    assert_eq!(any_trigger(&b), want, "{len} {at} {c}");
                }
            }
        }
        assert!(DIGEST_FIELDS.iter().all(|f| is_digest_field(f)));
    }

    #[test]
    fn blobs() {
        assert!(is_blob(&"QUJD".repeat(12)));
        assert!(!is_blob("chatcmpl-AbCdEf0123456789"));
        assert!(!is_blob(&"a b ".repeat(20)));
    }
}
