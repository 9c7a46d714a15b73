//! One receipt: its fields, its two hash preimages, and the per-line content checks.
//!
//! Everything here looks at a single line and is pure, so the driver can check lines in
//! parallel and apply the order-dependent chain checks afterwards.

use crate::canon::{self, Dialect, Object, Value};
use crate::crypto::hash::{parse_hex32, sha256, sha256_hex};
use crate::verdict::{Finding, Outcome, Subject};

use super::privacy;
use super::Code;

/// The schema identity every receipt of this version carries in `schema_id`.
pub const SCHEMA_ID: &str = "kt.live_hashed.receipt.v1";

/// The canonical dialect of both preimages: the producer is a Python runner restricted
/// to the standard library (`json`, `hashlib`), whose canonical form is
/// `json.dumps(sort_keys=True, separators=(",", ":"))` with ASCII escaping.
pub const DIALECT: Dialect = Dialect::Python;

/// `prev_receipt_hash` of the first receipt: 64 zeros. It has the same shape as every
/// other digest (one schema pattern, no special case in parsers), no known preimage, and
/// is the genesis convention used by the neighbouring KRY chain.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The three chain fields the store adds.
pub const CHAIN_FIELDS: [&str; 3] = ["prev_receipt_hash", "receipt_hash", "receipt_id"];

/// Fields whose values are declared digests (exempt from the blob scanner).
pub const DIGEST_FIELDS: [&str; 7] = [
    "prev_receipt_hash",
    "receipt_hash",
    "receipt_id",
    "request_id_sha256",
    "response_bytes_sha256",
    "schema_version_hash",
    "tls_cert_sha256",
];

/// Every top-level field a receipt may carry.
pub const FIELDS: [&str; 25] = [
    "endpoint",
    "fail_reason",
    "host",
    "http_status",
    "key_count",
    "key_index",
    "lane",
    "latency_ms",
    "model",
    "pass",
    "prev_receipt_hash",
    "provider_id",
    "receipt_hash",
    "receipt_id",
    "request_id",
    "request_id_sha256",
    "response_bytes_len",
    "response_bytes_sha256",
    "schema_id",
    "schema_version_hash",
    "t_end_ms",
    "t_start_ms",
    "tls_cert_sha256",
    "trace_id",
    "usage",
];

/// Position of a declared top-level field in [`FIELDS`] (a `match`, so lookups of a
/// literal name compile to a constant).
#[inline]
pub(crate) fn field_index(name: &str) -> Option<usize> {
    Some(match name {
        "endpoint" => 0,
        "fail_reason" => 1,
        "host" => 2,
        "http_status" => 3,
        "key_count" => 4,
        "key_index" => 5,
        "lane" => 6,
        "latency_ms" => 7,
        "model" => 8,
        "pass" => 9,
        "prev_receipt_hash" => 10,
        "provider_id" => 11,
        "receipt_hash" => 12,
        "receipt_id" => 13,
        "request_id" => 14,
        "request_id_sha256" => 15,
        "response_bytes_len" => 16,
        "response_bytes_sha256" => 17,
        "schema_id" => 18,
        "schema_version_hash" => 19,
        "t_end_ms" => 20,
        "t_start_ms" => 21,
        "tls_cert_sha256" => 22,
        "trace_id" => 23,
        "usage" => 24,
        _ => return None,
    })
}

/// True for the fields of [`DIGEST_FIELDS`].
#[inline]
pub(crate) fn is_digest_field(name: &str) -> bool {
    matches!(
        name,
        "prev_receipt_hash"
            | "receipt_hash"
            | "receipt_id"
            | "request_id_sha256"
            | "response_bytes_sha256"
            | "schema_version_hash"
            | "tls_cert_sha256"
    )
}

/// Field lookups on a receipt or on its `usage` object.
trait Get {
    fn get(&self, f: &str) -> Option<&Value>;
}

impl Get for Object {
    fn get(&self, f: &str) -> Option<&Value> {
        Object::get(self, f)
    }
}

/// A receipt whose declared fields were located once (one pass over its members)
/// instead of by a binary search per lookup.
struct Rec<'a> {
    obj: &'a Object,
    slots: [Option<&'a Value>; FIELDS.len()],
}

impl<'a> Rec<'a> {
    fn new(obj: &'a Object) -> Self {
        let mut slots = [None; FIELDS.len()];
        for (k, v) in obj.iter() {
            if let Some(i) = field_index(k) {
                slots[i] = Some(v);
            }
        }
        Rec { obj, slots }
    }
    fn contains_key(&self, f: &str) -> bool {
        self.get(f).is_some()
    }
}

impl Get for Rec<'_> {
    #[inline]
    fn get(&self, f: &str) -> Option<&Value> {
        match field_index(f) {
            Some(i) => self.slots[i],
            None => self.obj.get(f),
        }
    }
}

/// Fields of the `usage` object.
pub const USAGE_FIELDS: [&str; 3] = ["completion_tokens", "prompt_tokens", "total_tokens"];

/// Longest accepted `fail_reason` (a reason, not a transcript).
pub const MAX_FAIL_REASON: usize = 256;

/// The `schema_version_hash` of [`SCHEMA_ID`]: SHA-256 of its UTF-8 bytes.
pub fn schema_version_hash() -> String {
    sha256_hex(SCHEMA_ID.as_bytes())
}

fn expected_version_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(schema_version_hash)
}

/// Default host allowlist per `provider_id` (used when no `--allow-host` is given).
pub fn default_hosts(provider_id: &str) -> &'static [&'static str] {
    match provider_id {
        "openai" => &["api.openai.com"],
        "openrouter" => &["openrouter.ai"],
        "anthropic" => &["api.anthropic.com"],
        _ => &[],
    }
}

/// `receipt_id`: SHA-256 of the canonical receipt without its three chain fields.
pub fn receipt_id(receipt: &Object) -> Result<[u8; 32], canon::EncodeError> {
    canon::sha256(&Value::Object(receipt.without(&CHAIN_FIELDS)), DIALECT)
}

/// `receipt_hash`: SHA-256 of the canonical receipt without `receipt_hash` only.
pub fn receipt_hash(receipt: &Object) -> Result<[u8; 32], canon::EncodeError> {
    canon::sha256_without(receipt, &["receipt_hash"], DIALECT)
}

/// Both preimage digests (`receipt_id`, `receipt_hash`) in one pass, without copying
/// the receipt: each member is encoded once and fed to the hashers whose preimage
/// includes it. Equal to [`receipt_id`] and [`receipt_hash`] (tested), but this is
/// the hot path of a million-line file.
pub fn chain_digests(receipt: &Object) -> Result<([u8; 32], [u8; 32]), canon::EncodeError> {
    use sha2::{Digest, Sha256};
    let (mut hid, mut hh) = (Sha256::new(), Sha256::new());
    let (mut first_id, mut first_h) = (true, true);
    let mut buf: Vec<u8> = Vec::with_capacity(256);
    hid.update(b"{");
    hh.update(b"{");
    for (k, v) in receipt.iter() {
        let in_id = !CHAIN_FIELDS.contains(&k);
        let in_h = k != "receipt_hash";
        if !in_id && !in_h {
            continue;
        }
        buf.clear();
        if k.bytes()
            .all(|c| (0x20..0x7f).contains(&c) && c != b'"' && c != b'\\')
        {
            buf.push(b'"');
            buf.extend_from_slice(k.as_bytes());
            buf.push(b'"');
        } else {
            canon::write(&Value::String(k.to_string()), DIALECT, &mut buf)?;
        }
        buf.push(b':');
        canon::write(v, DIALECT, &mut buf)?;
        if in_id {
            if !first_id {
                hid.update(b",");
            }
            first_id = false;
            hid.update(&buf);
        }
        if in_h {
            if !first_h {
                hh.update(b",");
            }
            first_h = false;
            hh.update(&buf);
        }
    }
    hid.update(b"}");
    hh.update(b"}");
    Ok((hid.finalize().into(), hh.finalize().into()))
}

/// Token usage as the provider reported it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Usage {
    /// Prompt (input) tokens.
    pub prompt: u64,
    /// Completion (output) tokens.
    pub completion: u64,
    /// Total tokens.
    pub total: u64,
}

/// Parsed chain fields of a persisted receipt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChainFields {
    /// Declared `receipt_id`.
    pub id: [u8; 32],
    /// Declared `prev_receipt_hash`.
    pub prev: [u8; 32],
    /// Declared `receipt_hash`.
    pub hash: [u8; 32],
}

/// What later stages (chain, reconciliation, thermo) need from one line.
#[derive(Clone, Debug, Default)]
pub struct LineFacts {
    /// Chain fields, when all three are present and well-formed.
    pub chain: Option<ChainFields>,
    /// SHA-256 of the provider request id (computed from `request_id`, else declared).
    pub request_key: Option<[u8; 32]>,
    /// The model.
    pub model: Option<String>,
    /// Call start, ms since the Unix epoch.
    pub t_start_ms: Option<u64>,
    /// Call end.
    pub t_end_ms: Option<u64>,
    /// Usage, when the provider supplied it.
    pub usage: Option<Usage>,
    /// The receipt's verdict.
    pub pass: Option<bool>,
}

/// The result of checking one line.
#[derive(Debug, Default)]
pub struct LineCheck {
    /// Findings of this line, in check order.
    pub findings: Vec<Finding>,
    /// Extracted facts.
    pub facts: LineFacts,
    /// True when the line parsed as an object and no check on it failed.
    pub clean: bool,
    /// True when the line parsed as a JSON object (counts as a receipt).
    pub is_receipt: bool,
    /// Recomputed ids/hashes that matched (for pass counts).
    pub id_ok: bool,
    /// Recomputed hash matched.
    pub hash_ok: bool,
}

/// Options of the per-line checks.
#[derive(Clone, Debug, Default)]
pub struct LineOptions {
    /// Hosts from `--allow-host`; when empty, [`default_hosts`] of the provider apply.
    pub allow_hosts: Vec<String>,
}

struct Ctx<'a> {
    file: &'a str,
    line: u64,
    out: Vec<Finding>,
}

impl Ctx<'_> {
    fn fail(&mut self, code: Code, field: Option<&str>, msg: String) {
        let mut s = Subject::file(self.file).line(self.line);
        if let Some(f) = field {
            s = s.field(f);
        }
        self.out.push(Finding {
            code: code.into(),
            outcome: Outcome::Fail,
            subject: s,
            message: msg,
        });
    }
}

/// Checks one line of a receipts file (`line` is 1-based, `bytes` without the newline).
pub fn check_line(file: &str, line: u64, bytes: &[u8], opts: &LineOptions) -> LineCheck {
    let mut cx = Ctx {
        file,
        line,
        out: Vec::new(),
    };
    let mut res = LineCheck::default();
    let value = match canon::parse(bytes) {
        Ok(v) => v,
        Err(e) => {
            cx.out.push(Finding {
                code: canon::Code::Parse.into(),
                outcome: Outcome::Fail,
                subject: Subject::file(file).line(line),
                message: format!("column {}: {}", e.column, e.message),
            });
            res.findings = cx.out;
            return res;
        }
    };
    let Value::Object(obj) = value else {
        cx.fail(
            Code::NotObject,
            None,
            format!("line is a JSON {}, not an object", value.type_name()),
        );
        res.findings = cx.out;
        return res;
    };
    res.is_receipt = true;

    let flagged = privacy::scan(&obj, &mut |code, field, msg| {
        cx.fail(code, Some(field), msg)
    });
    for k in obj.keys() {
        if field_index(k).is_none() && !flagged.contains(k) {
            cx.fail(
                Code::UnknownField,
                Some(k),
                format!("field {k:?} is not part of {SCHEMA_ID}"),
            );
        }
    }
    let rec = Rec::new(&obj);
    content(&mut cx, &rec, opts, &mut res.facts);
    chain_fields(&mut cx, &rec, &mut res);
    res.clean = cx.out.is_empty();
    res.findings = cx.out;
    res
}

fn chain_fields(cx: &mut Ctx, obj: &Rec, res: &mut LineCheck) {
    let present: Vec<&str> = CHAIN_FIELDS
        .iter()
        .copied()
        .filter(|f| obj.contains_key(f))
        .collect();
    if present.len() < CHAIN_FIELDS.len() {
        let missing: Vec<&str> = CHAIN_FIELDS
            .iter()
            .copied()
            .filter(|f| !obj.contains_key(f))
            .collect();
        cx.fail(
            Code::Unpersisted,
            Some(&missing.join(",")),
            format!(
                "receipt lacks chain field(s) {}: not a persisted receipt",
                missing.join(", ")
            ),
        );
        return;
    }
    let mut get = |f: &str| -> Option<[u8; 32]> {
        let v = obj.get(f).and_then(Value::as_str).and_then(parse_hex32);
        if v.is_none() {
            cx.fail(
                Code::FieldType,
                Some(f),
                format!("{f} must be 64 lowercase hex digits"),
            );
        }
        v
    };
    let (id, prev, hash) = (
        get("receipt_id"),
        get("prev_receipt_hash"),
        get("receipt_hash"),
    );
    let (Some(id), Some(prev), Some(hash)) = (id, prev, hash) else {
        return;
    };
    let (rid, rhash) = match chain_digests(obj.obj) {
        Ok(d) => d,
        Err(e) => {
            cx.fail(
                Code::FieldType,
                Some("receipt_id"),
                format!("receipt cannot be canonicalised: {e}"),
            );
            return;
        }
    };
    if rid == id {
        res.id_ok = true;
    } else {
        cx.fail(
            Code::IdMismatch,
            Some("receipt_id"),
            format!(
                "receipt_id is {} but the receipt without chain fields hashes to {}",
                hex::encode(id),
                hex::encode(rid)
            ),
        );
    }
    if rhash == hash {
        res.hash_ok = true;
    } else {
        cx.fail(
            Code::HashMismatch,
            Some("receipt_hash"),
            format!(
                "receipt_hash is {} but the receipt without receipt_hash hashes to {}",
                hex::encode(hash),
                hex::encode(rhash)
            ),
        );
    }
    res.facts.chain = Some(ChainFields { id, prev, hash });
}

#[inline]
fn req<'v>(cx: &mut Ctx, obj: &'v impl Get, f: &str) -> Option<&'v Value> {
    let v = obj.get(f);
    if v.is_none() {
        cx.fail(
            Code::MissingField,
            Some(f),
            format!("required field {f} is missing"),
        );
    }
    v
}

#[inline]
fn want_str<'v>(cx: &mut Ctx, obj: &'v impl Get, f: &str) -> Option<&'v str> {
    let v = req(cx, obj, f)?;
    match v.as_str() {
        Some(s) if !s.is_empty() => Some(s),
        _ => {
            cx.fail(
                Code::FieldType,
                Some(f),
                format!("{f} must be a non-empty string"),
            );
            None
        }
    }
}

#[inline]
fn want_u64_in(cx: &mut Ctx, obj: &impl Get, f: &str, path: &str) -> Option<u64> {
    let v = req(cx, obj, f)?;
    match v.as_u64() {
        Some(n) => Some(n),
        None => {
            cx.fail(
                Code::FieldType,
                Some(path),
                format!(
                    "{path} must be a non-negative integer, found {}",
                    v.type_name()
                ),
            );
            None
        }
    }
}

#[inline]
fn want_u64(cx: &mut Ctx, obj: &impl Get, f: &str) -> Option<u64> {
    want_u64_in(cx, obj, f, f)
}

#[inline]
fn want_hex(cx: &mut Ctx, obj: &impl Get, f: &str) -> Option<[u8; 32]> {
    let v = req(cx, obj, f)?;
    let d = v.as_str().and_then(parse_hex32);
    if d.is_none() {
        cx.fail(
            Code::FieldType,
            Some(f),
            format!("{f} must be 64 lowercase hex digits"),
        );
    }
    d
}

fn content(cx: &mut Ctx, obj: &Rec, opts: &LineOptions, facts: &mut LineFacts) {
    // Identity.
    if let Some(v) = req(cx, obj, "schema_id") {
        if v.as_str() != Some(SCHEMA_ID) {
            cx.fail(
                Code::SchemaUnknown,
                Some("schema_id"),
                format!("schema_id must be {SCHEMA_ID:?}"),
            );
        } else if let Some(h) = req(cx, obj, "schema_version_hash") {
            if h.as_str() != Some(expected_version_hash()) {
                cx.fail(
                    Code::SchemaVersion,
                    Some("schema_version_hash"),
                    format!(
                        "schema_version_hash must be {} (SHA-256 of {SCHEMA_ID:?})",
                        schema_version_hash()
                    ),
                );
            }
        }
    }
    want_str(cx, obj, "trace_id");
    let provider = want_str(cx, obj, "provider_id");
    if let Some(lane) = req(cx, obj, "lane") {
        if lane.as_str() != Some("LIVE_HASHED") {
            cx.fail(
                Code::Lane,
                Some("lane"),
                "lane must be \"LIVE_HASHED\"".to_string(),
            );
        }
    }
    facts.model = want_str(cx, obj, "model").map(str::to_string);
    if let Some(ep) = want_str(cx, obj, "endpoint") {
        if !ep.starts_with('/') || ep.chars().any(|c| c.is_whitespace() || c == '?') {
            cx.fail(
                Code::FieldType,
                Some("endpoint"),
                "endpoint must be a path starting with / without query or whitespace".into(),
            );
        }
    }
    // Key routing.
    let ki = want_u64(cx, obj, "key_index");
    let kc = want_u64(cx, obj, "key_count");
    if let (Some(i), Some(c)) = (ki, kc) {
        if c == 0 || i >= c {
            cx.fail(
                Code::KeyRange,
                Some("key_index"),
                format!("key_index {i} is not in 0..{c}"),
            );
        }
    }
    // Timing.
    let ts = want_u64(cx, obj, "t_start_ms");
    let te = want_u64(cx, obj, "t_end_ms");
    let lat = want_u64(cx, obj, "latency_ms");
    if let (Some(s), Some(e)) = (ts, te) {
        if s > e {
            cx.fail(
                Code::Timing,
                Some("t_end_ms"),
                format!("t_start_ms {s} is after t_end_ms {e}"),
            );
        } else if let Some(l) = lat {
            if l != e - s {
                cx.fail(
                    Code::Timing,
                    Some("latency_ms"),
                    format!("latency_ms {l} != t_end_ms - t_start_ms = {}", e - s),
                );
            }
        }
    }
    facts.t_start_ms = ts;
    facts.t_end_ms = te;
    // Transport.
    let host = want_str(cx, obj, "host");
    if let (Some(h), Some(p)) = (host, provider) {
        let allowed = if opts.allow_hosts.is_empty() {
            default_hosts(p).contains(&h)
        } else {
            opts.allow_hosts.iter().any(|a| a == h)
        };
        if !allowed {
            let list: Vec<String> = if opts.allow_hosts.is_empty() {
                default_hosts(p).iter().map(|s| s.to_string()).collect()
            } else {
                opts.allow_hosts.clone()
            };
            cx.fail(
                Code::HostNotAllowed,
                Some("host"),
                format!(
                    "host {h:?} is not on the allowlist [{}] for provider {p:?}",
                    list.join(", ")
                ),
            );
        }
    }
    let status = req(cx, obj, "http_status").and_then(|v| match v.as_u64() {
        Some(n) if (100..=599).contains(&n) => Some(n),
        _ => {
            cx.fail(
                Code::FieldType,
                Some("http_status"),
                "http_status must be an integer in 100..599".into(),
            );
            None
        }
    });
    want_hex(cx, obj, "tls_cert_sha256");
    // Provider attestation.
    let rid = obj.get("request_id");
    let rid_hash = obj.get("request_id_sha256");
    if rid.is_none() && rid_hash.is_none() {
        cx.fail(
            Code::MissingField,
            Some("request_id"),
            "neither request_id nor request_id_sha256 is present".into(),
        );
    }
    let mut key_from_id = None;
    if let Some(v) = rid {
        match v.as_str() {
            Some(s) if !s.is_empty() => key_from_id = Some(sha256(s.as_bytes())),
            _ => cx.fail(
                Code::FieldType,
                Some("request_id"),
                "request_id must be a non-empty string".into(),
            ),
        }
    }
    let mut declared = None;
    if rid_hash.is_some() {
        declared = want_hex(cx, obj, "request_id_sha256");
    }
    if let (Some(a), Some(b)) = (key_from_id, declared) {
        if a != b {
            cx.fail(
                Code::RequestIdHash,
                Some("request_id_sha256"),
                format!(
                    "request_id_sha256 is {} but SHA-256(request_id) is {}",
                    hex::encode(b),
                    hex::encode(a)
                ),
            );
        }
    }
    facts.request_key = key_from_id.or(declared);
    // Usage.
    match obj.get("usage") {
        None | Some(Value::Null) => {}
        Some(Value::Object(u)) => {
            for k in u.keys() {
                if !USAGE_FIELDS.contains(&k) {
                    cx.fail(
                        Code::UnknownField,
                        Some(&format!("usage.{k}")),
                        format!("usage.{k} is not a usage field"),
                    );
                }
            }
            let p = want_u64_in(cx, u, "prompt_tokens", "usage.prompt_tokens");
            let c = want_u64_in(cx, u, "completion_tokens", "usage.completion_tokens");
            let t = want_u64_in(cx, u, "total_tokens", "usage.total_tokens");
            if let (Some(p), Some(c), Some(t)) = (p, c, t) {
                if p.checked_add(c) != Some(t) {
                    cx.fail(
                        Code::UsageSum,
                        Some("usage.total_tokens"),
                        format!("total_tokens {t} != prompt_tokens {p} + completion_tokens {c}"),
                    );
                }
                facts.usage = Some(Usage {
                    prompt: p,
                    completion: c,
                    total: t,
                });
            }
        }
        Some(other) => cx.fail(
            Code::FieldType,
            Some("usage"),
            format!(
                "usage must be an object or null, found {}",
                other.type_name()
            ),
        ),
    }
    // Payload.
    want_hex(cx, obj, "response_bytes_sha256");
    want_u64(cx, obj, "response_bytes_len");
    // Verdict.
    let pass = req(cx, obj, "pass").and_then(|v| {
        let b = v.as_bool();
        if b.is_none() {
            cx.fail(
                Code::FieldType,
                Some("pass"),
                "pass must be a boolean".into(),
            );
        }
        b
    });
    facts.pass = pass;
    let reason = match obj.get("fail_reason") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(other) => {
            cx.fail(
                Code::FieldType,
                Some("fail_reason"),
                format!(
                    "fail_reason must be a string or null, found {}",
                    other.type_name()
                ),
            );
            Some("")
        }
    };
    match (pass, reason) {
        (Some(false), None) => cx.fail(
            Code::FailReason,
            Some("fail_reason"),
            "pass is false but fail_reason is missing".into(),
        ),
        (Some(false), Some(r)) if !reason_ok(r) => {
            let msg = format!(
                "fail_reason must be a non-empty reason of at most {MAX_FAIL_REASON} characters"
            );
            cx.fail(Code::FailReason, Some("fail_reason"), msg)
        }
        (Some(true), Some(_)) => cx.fail(
            Code::FailReason,
            Some("fail_reason"),
            "pass is true but a fail_reason is present".into(),
        ),
        _ => {}
    }
    if let (Some(s), Some(true)) = (status, pass) {
        if s != 200 {
            cx.fail(
                Code::Non200Pass,
                Some("pass"),
                format!("http_status {s} is recorded with pass == true"),
            );
        }
    }
}

fn reason_ok(r: &str) -> bool {
    !r.trim().is_empty() && r.chars().count() <= MAX_FAIL_REASON
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn genesis_and_version_hash_shapes() {
        assert!(crate::crypto::hash::is_hex64(GENESIS));
        assert!(crate::crypto::hash::is_hex64(&schema_version_hash()));
        // Lookups binary-search these tables: they must stay sorted.
        for t in [&FIELDS[..], &DIGEST_FIELDS, &USAGE_FIELDS, &CHAIN_FIELDS] {
            assert!(t.windows(2).all(|w| w[0] < w[1]), "{t:?} not sorted");
        }
    }

    #[test]
    fn lookup_tables_agree_with_the_field_lists() {
        for (i, f) in FIELDS.iter().enumerate() {
            assert_eq!(field_index(f), Some(i), "{f}");
            assert_eq!(is_digest_field(f), DIGEST_FIELDS.contains(f), "{f}");
        }
        for f in [
            "",
            "usage.total_tokens",
            "Model",
            "model ",
            "prompt_tokens",
            "receipt",
        ] {
            assert_eq!(field_index(f), None, "{f}");
            assert!(!is_digest_field(f), "{f}");
        }
    }

    #[test]
    fn preimages_exclude_the_right_fields() {
        let Value::Object(o) = crate::obj!("a" => 1, "receipt_id" => "x", "prev_receipt_hash" => "y", "receipt_hash" => "z")
        else {
            unreachable!()
        };
        let id = receipt_id(&o).unwrap();
        assert_eq!(id, sha256(br#"{"a":1}"#));
        let h = receipt_hash(&o).unwrap();
        assert_eq!(
            h,
            sha256(br#"{"a":1,"prev_receipt_hash":"y","receipt_id":"x"}"#)
        );
    }
}
