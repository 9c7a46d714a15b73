//! REQ_SEEN: the hourly witness ledger, its signed Merkle head, and this request's
//! inclusion proof.

use std::collections::BTreeMap;
use std::io::Read;

use super::fields;
use super::privacy;
use super::Code;
use crate::canon::shape::Shapes;
use crate::canon::{self, Dialect, Object, Value};
use crate::container::lines::{pipeline_chunks, LineMeta, MAX_LINE};
use crate::crypto::hash::is_hex64_bytes;
use crate::crypto::lanes;
use crate::crypto::merkle::{self, RootBuilder};
use crate::crypto::sig::Alg;
use crate::crypto::trust::{check_signature, SigCheck, TrustStore};
use crate::verdict::{Report, Subject};

/// Format identifier of a head.
pub const HEAD_SCHEMA: &str = "if.emotion.req_seen_head.v1";
/// The app key id the protocol names.
pub const APP_KEY_ID: &str = "ed25519-app-v1";
/// The fields of an entry, exactly.
pub const ENTRY_FIELDS: [&str; 8] = [
    "client_sha256",
    "decision",
    "hour",
    "index",
    "leaf_hash",
    "reason",
    "request_sha256",
    "trace_id_sha256",
];
/// The [`ENTRY_FIELDS`] whose digests (64 lowercase hex digits) the scan decodes, as
/// the bit mask of `canon::fast::members_all_hex`: `leaf_hash` (key 4), the Merkle
/// leaf's value. The other digests (`client_sha256`, `request_sha256`,
/// `trace_id_sha256`) need only be well-formed, which is cheaper to check than to
/// decode.
pub const ENTRY_HEX_MASK: u64 = 0b1_0000;

/// The shape cache of the entry scan ([`ENTRY_FIELDS`], [`ENTRY_HEX_MASK`]).
type EntryShapes = Shapes<'static, 8>;

/// Denial reasons.
pub const REASONS: [&str; 3] = ["invalid_input", "missing_login", "quota_exceeded"];

/// Ledger path of an hour.
pub fn ledger_path(hour: &str) -> String {
    format!("payload/req_seen/{hour}.jsonl")
}
/// Head path of an hour.
pub fn head_path(hour: &str) -> String {
    format!("payload/req_seen/heads/{hour}.json")
}

/// A checked REQ_SEEN entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Hour of the ledger.
    pub hour: String,
    /// Leaf index.
    pub index: u64,
    /// Commitment to the trace id.
    pub trace_id_sha256: [u8; 32],
    /// SHA-256 of the raw request bytes.
    pub request_sha256: [u8; 32],
    /// `received` or `denied`.
    pub denied: bool,
    /// The leaf hash as written (already compared with its recomputation).
    pub leaf_hash: [u8; 32],
}

/// `leaf_hash` preimage: canonicaljson of the entry without `leaf_hash`.
pub fn compute_leaf_hash(o: &Object) -> Result<[u8; 32], canon::EncodeError> {
    canon::sha256_without(o, &["leaf_hash"], Dialect::CanonicalJson)
}

/// Validates one entry (privacy, shape, leaf hash). Returns the entry if its shape is
/// valid (even if the leaf hash mismatched, which is reported).
pub fn check_entry(v: &Value, subj: &Subject, report: &mut Report) -> Option<Entry> {
    check_entry_at(v, &|| subj.clone(), report)
}

/// [`check_entry`] with the subject built only when something is reported.
fn check_entry_at(v: &Value, subj: &dyn Fn() -> Subject, report: &mut Report) -> Option<Entry> {
    if let Some((field, why)) = privacy::scan(v, "") {
        report.fail(
            Code::ReqSeenPrivacy,
            subj().field(field),
            format!("looks like {why}; entries must hold commitments only"),
        );
        return None;
    }
    let Value::Object(o) = v else {
        report.fail(
            Code::ReqSeenEntryInvalid,
            subj(),
            format!("entry is a {}, expected an object", v.type_name()),
        );
        return None;
    };
    if let Some(k) = o.keys().find(|k| !ENTRY_FIELDS.contains(k)) {
        report.fail(
            Code::ReqSeenEntryInvalid,
            subj().field(k),
            "field not allowed in a REQ_SEEN entry",
        );
        return None;
    }
    let parsed = (|| {
        let hour = fields::str_field(o, "hour")?;
        if !fields::is_hour(hour) {
            return Err("field hour is not YYYYMMDDTHH".to_string());
        }
        let decision = fields::str_field(o, "decision")?;
        let denied = match decision {
            "received" => false,
            "denied" => true,
            d => {
                return Err(format!(
                    "field decision is {d:?}, expected received or denied"
                ))
            }
        };
        match (denied, o.get("reason")) {
            (false, Some(Value::Null)) => {}
            (true, Some(Value::String(r))) if REASONS.contains(&r.as_str()) => {}
            (_, r) => {
                return Err(format!(
                "field reason must be null for received and one of {REASONS:?} for denied, got {}",
                r.map(|x| x.type_name()).unwrap_or("nothing")
            ))
            }
        }
        fields::hex32_field(o, "client_sha256")?;
        Ok::<_, String>(Entry {
            hour: hour.to_string(),
            index: fields::u64_field(o, "index")?,
            trace_id_sha256: fields::hex32_field(o, "trace_id_sha256")?,
            request_sha256: fields::hex32_field(o, "request_sha256")?,
            denied,
            leaf_hash: fields::hex32_field(o, "leaf_hash")?,
        })
    })();
    let e = match parsed {
        Ok(e) => e,
        Err(m) => {
            report.fail(Code::ReqSeenEntryInvalid, subj(), m);
            return None;
        }
    };
    match compute_leaf_hash(o) {
        Ok(h) if h == e.leaf_hash => {}
        Ok(h) => report.fail(
            Code::ReqSeenLeafHash,
            subj().field("leaf_hash"),
            format!(
                "leaf_hash {} but the entry hashes to {}",
                hex::encode(e.leaf_hash),
                hex::encode(h)
            ),
        ),
        Err(err) => report.fail(canon::Code::Unencodable, subj(), err.to_string()),
    }
    Some(e)
}

/// The streamed state of one hourly ledger.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    /// Root over the leaf hashes so far.
    pub builder: RootBuilder,
    /// Entries whose shape or leaf hash failed (the root is still computed over what
    /// was written, so the head comparison stays meaningful).
    pub bad_entries: u64,
}

/// What one ledger line yields on its own: its findings, whether the entry is bad,
/// and the Merkle leaf it contributes.
#[derive(Debug)]
struct LedgerLine {
    /// Findings, if any (boxed: most lines have none, and the result is small to move).
    findings: Option<Box<Report>>,
    bad: bool,
    /// The leaf hash pushed to the root (none for a line that did not parse).
    leaf: Option<merkle::Hash>,
}

/// `report` boxed if it holds anything.
fn boxed(report: Report) -> Option<Box<Report>> {
    (!report.is_empty()).then(|| Box::new(report))
}

/// Checks consecutive ledger lines (everything but the Merkle accumulation, which
/// needs the lines in order), one result per line pushed to `out`; `shapes` only
/// speeds up the fast path's scan. Each line is scanned ([`ledger_scan_fast`]), then
/// the `leaf_hash` preimages of the lines the fast path took are hashed two at a time
/// ([`lanes::sha256_each`]), and so are the Merkle leaves of those that matched; a
/// line whose `leaf_hash` does not match, and every line the scan declined, takes the
/// tree path ([`ledger_line_tree`]), which reports exactly as the fast
/// path would have. A line's result depends on that line alone.
fn ledger_lines<'l>(
    shapes: &mut EntryShapes,
    hour: &str,
    path: &str,
    lines: impl Iterator<Item = (&'l [u8], LineMeta)>,
    out: &mut Vec<LedgerLine>,
) {
    // Per line the fast path took: its index in `out`, its line and meta, and the
    // leaf_hash it states; with its preimage.
    let mut fast: Vec<(usize, &'l [u8], LineMeta, [u8; 32])> = Vec::new();
    let mut preimages: Vec<[&'l [u8]; 2]> = Vec::new();
    let hour_ok = fields::is_hour(hour);
    for (line, meta) in lines {
        if meta.terminated && !meta.too_long {
            if let Some((leaf_hash, pre)) =
                ledger_scan_fast(shapes, hour, hour_ok, meta.no - 1, line)
            {
                fast.push((out.len(), line, meta, leaf_hash));
                preimages.push(pre);
                out.push(LedgerLine {
                    findings: None,
                    bad: false,
                    leaf: None,
                });
                continue;
            }
        }
        out.push(ledger_line_tree(hour, path, line, meta));
    }
    let mut digests = Vec::with_capacity(preimages.len());
    lanes::sha256_each(&preimages, &mut digests);
    let mut matched = Vec::with_capacity(fast.len());
    for (f, d) in fast.iter().zip(digests) {
        if d == f.3 {
            matched.push(f);
        } else {
            out[f.0] = ledger_line_tree(hour, path, f.1, f.2);
        }
    }
    // RFC 9162 leaves: SHA-256(0x00 || leaf_hash).
    let leaves: Vec<[&[u8]; 2]> = matched.iter().map(|f| [&[0u8][..], &f.3[..]]).collect();
    let mut hashes = Vec::with_capacity(leaves.len());
    lanes::sha256_each(&leaves, &mut hashes);
    for (f, h) in matched.into_iter().zip(hashes) {
        out[f.0].leaf = Some(h);
    }
}

/// One ledger line on its own, by the tree path: the lines that [`ledger_lines`] does
/// not take by its fast path.
fn ledger_line_tree(hour: &str, path: &str, line: &[u8], meta: LineMeta) -> LedgerLine {
    let mut report = Report::default();
    let subj = || Subject::file(path).line(meta.no);
    let index = meta.no - 1;
    if meta.too_long || !meta.terminated {
        report.fail(
            Code::ReqSeenEntryInvalid,
            subj(),
            if meta.too_long {
                "line longer than 1 MiB"
            } else {
                "last line does not end with a line feed"
            },
        );
        if meta.too_long {
            return LedgerLine {
                findings: boxed(report),
                bad: true,
                leaf: None,
            };
        }
    }
    let v = match canon::parse(line) {
        Ok(v) => v,
        Err(e) => {
            report.fail(canon::Code::Parse, subj(), e.to_string());
            return LedgerLine {
                findings: boxed(report),
                bad: true,
                leaf: None,
            };
        }
    };
    // The leaf is the leaf_hash as written, whatever else is wrong with the entry.
    let written = v
        .as_object()
        .and_then(|o| fields::hex32_field(o, "leaf_hash").ok());
    let bad = match check_entry_at(&v, &subj, &mut report) {
        Some(e) => {
            if e.index != index || e.hour != hour {
                report.fail(
                    Code::ReqSeenEntryInvalid,
                    subj(),
                    format!(
                        "entry says index {} hour {}, but it is line {} of the {hour} ledger",
                        e.index, e.hour, meta.no
                    ),
                );
            }
            false
        }
        None => true,
    };
    LedgerLine {
        findings: boxed(report),
        bad,
        // No usable leaf: the root cannot match the head; count a placeholder.
        leaf: Some(merkle::leaf_hash(&written.unwrap_or([0u8; 32]))),
    }
}

/// The fast path alone, one line at a time (for the tests): the leaf hash if the line
/// is [`ledger_scan_fast`]'s and its `leaf_hash` is SHA-256 of the preimage that returns.
#[cfg(test)]
fn ledger_line_fast(
    shapes: &mut EntryShapes,
    hour: &str,
    index: u64,
    line: &[u8],
) -> Option<[u8; 32]> {
    let (leaf_hash, pre) = ledger_scan_fast(shapes, hour, fields::is_hour(hour), index, line)?;
    (crate::crypto::hash::sha256(&pre.concat()) == leaf_hash).then_some(leaf_hash)
}

/// The fast path of [`ledger_lines`] for an entry that passes every check: the line is
/// certainly canonical in every dialect ([`canon::fast`]), has exactly the entry fields,
/// all scalars, none of them raw content, with valid values, the expected `index` and
/// `hour`. Returns the stated `leaf_hash` and the two pieces of the line without that
/// member (its canonicaljson preimage), which must hash to it: the caller compares.
/// `None` on any doubt or failure, so that the tree path reports exactly as before.
fn ledger_scan_fast<'l>(
    shapes: &mut EntryShapes,
    hour: &str,
    hour_ok: bool,
    index: u64,
    line: &'l [u8],
) -> Option<([u8; 32], [&'l [u8]; 2])> {
    let m = shapes.members_all_hex(line)?;
    if m.count != ENTRY_FIELDS.len() || !m.flat {
        return None;
    }
    let [client, decision, h, idx, leaf, reason, request, trace] = m.found;
    let (decision, h, idx, leaf, reason) = (decision?, h?, idx?, leaf?, reason?);
    let leaf_hash = m.hex[4]?;
    // The other three digests need only be well-formed.
    for d in [client, request, trace] {
        if !is_hex64_bytes(d?.str_bytes(line)?) {
            return None;
        }
    }
    // The values are checked against what an entry may hold. Every value that passes
    // is clean to the privacy scan (`raw_content`; see the test
    // `values_the_fast_path_accepts_are_clean`): the digests (64 lowercase hex
    // digits), the hour (11 digits and a `T`), the decisions, null and the denial
    // reasons (lowercase words joined by `_`); the keys are the fixed entry fields.
    if !hour_ok || h.str_bytes(line)? != hour.as_bytes() {
        return None;
    }
    let denied = match decision.str_bytes(line)? {
        b"received" => false,
        b"denied" => true,
        _ => return None,
    };
    let reason_ok = if denied {
        reason
            .str_bytes(line)
            .is_some_and(|r| REASONS.iter().any(|x| x.as_bytes() == r))
    } else {
        reason.value(line) == b"null"
    };
    if !reason_ok || idx.as_u64(line)? != index || index >= 1 << 53 {
        return None;
    }
    Some((leaf_hash, m.without(line, &leaf)))
}

/// Streams `payload/req_seen/<hour>.jsonl`: lines are checked in batches on the rayon
/// pool, and their findings and leaves are taken one line at a time in line order.
pub fn stream_ledger(hour: &str, r: &mut dyn Read, report: &mut Report) -> std::io::Result<Ledger> {
    let path = ledger_path(hour);
    let mut ledger = Ledger::default();
    // Leaves go to the tree a group at a time (nodes hashed two at a time).
    let mut leaves = Vec::with_capacity(merkle::GROUP);
    pipeline_chunks(
        r,
        MAX_LINE,
        || Shapes::new(&ENTRY_FIELDS, ENTRY_HEX_MASK),
        |shapes, chunk, out| ledger_lines(shapes, hour, &path, chunk.iter(), out),
        |_, _, l| {
            if let Some(f) = l.findings {
                report.absorb(*f);
            }
            if l.bad {
                ledger.bad_entries += 1;
            }
            if let Some(h) = l.leaf {
                leaves.push(h);
                if leaves.len() == merkle::GROUP {
                    ledger.builder.push_leaf_hashes(&leaves);
                    leaves.clear();
                }
            }
        },
    )?;
    ledger.builder.push_leaf_hashes(&leaves);
    Ok(ledger)
}

/// A parsed head.
#[derive(Clone, Debug)]
pub struct Head {
    /// Hour.
    pub hour: String,
    /// Entries witnessed.
    pub count: u64,
    /// Merkle root.
    pub root: [u8; 32],
    /// The app's Ed25519 public key (raw).
    pub public_key: Vec<u8>,
    /// True if the signature verified (pinned or not).
    pub sig_valid: bool,
}

/// Parses and signature-checks a head.
pub fn check_head(hour: &str, v: &Value, trust: &TrustStore, report: &mut Report) -> Option<Head> {
    let path = head_path(hour);
    let subj = Subject::file(&path);
    let parsed = (|| {
        let o = v.as_object().ok_or("head is not an object")?;
        for k in o.keys() {
            if ![
                "schema",
                "hour",
                "count",
                "merkle_root",
                "key_id",
                "public_key",
                "sig_ed25519",
            ]
            .contains(&k)
            {
                return Err(format!("field {k} not allowed in a head"));
            }
        }
        fields::const_field(o, "schema", HEAD_SCHEMA)?;
        fields::const_field(o, "key_id", APP_KEY_ID)?;
        let h = fields::str_field(o, "hour")?;
        if h != hour {
            return Err(format!("field hour is {h:?} but the file is named {hour}"));
        }
        let pk = fields::b64_field(o, "public_key")?;
        let sig = fields::b64_field(o, "sig_ed25519")?;
        Ok::<_, String>((
            o,
            Head {
                hour: hour.to_string(),
                count: fields::u64_field(o, "count")?,
                root: fields::hex32_field(o, "merkle_root")?,
                public_key: pk,
                sig_valid: false,
            },
            sig,
        ))
    })();
    let (o, mut head, sig) = match parsed {
        Ok(x) => x,
        Err(m) => {
            report.fail(Code::DocumentInvalid, subj, m);
            return None;
        }
    };
    let msg = match canon::to_vec(
        &Value::Object(o.without(&["sig_ed25519"])),
        Dialect::CanonicalJson,
    ) {
        Ok(m) => m,
        Err(e) => {
            report.fail(canon::Code::Unencodable, subj, e.to_string());
            return None;
        }
    };
    let out = check_signature(
        report,
        trust,
        SigCheck {
            invalid_code: Code::ReqSeenHeadSig.into(),
            subject: subj.field("sig_ed25519"),
            alg: Alg::Ed25519,
            public_key: &head.public_key,
            message: &msg,
            signature: &sig,
            context: b"",
            role: Some("req_seen_head"),
        },
    );
    head.sig_valid = out.is_valid();
    Some(head)
}

/// Compares each ledger with its head.
pub fn check_ledgers(
    ledgers: &BTreeMap<String, Ledger>,
    heads: &BTreeMap<String, Head>,
    report: &mut Report,
) {
    for (hour, l) in ledgers {
        let subj = Subject::file(ledger_path(hour));
        let Some(h) = heads.get(hour) else {
            report.fail(
                Code::FileMissing,
                Subject::file(head_path(hour)),
                "a ledger without its signed head",
            );
            continue;
        };
        if l.builder.count() == h.count {
            report.pass(
                Code::ReqSeenCount,
                subj.clone(),
                format!("{} entries", h.count),
            );
        } else {
            report.fail(
                Code::ReqSeenCount,
                subj.clone(),
                format!("{} entries, head says {}", l.builder.count(), h.count),
            );
        }
        let root = l.builder.root();
        if root == h.root {
            report.pass(
                Code::ReqSeenRoot,
                subj,
                format!("root {}", hex::encode(root)),
            );
        } else {
            report.fail(
                Code::ReqSeenRoot,
                subj,
                format!(
                    "recomputed root {} differs from the head's {}",
                    hex::encode(root),
                    hex::encode(h.root)
                ),
            );
        }
    }
}

/// The `req_seen` event's witness data, checked against the head: returns the hour
/// it names and this request's entry when its shape is valid.
pub fn check_event(
    data: &Object,
    subj: &Subject,
    heads: &BTreeMap<String, Head>,
    report: &mut Report,
) -> (Option<String>, Option<Entry>) {
    let hour = fields::str_field(data, "hour")
        .ok()
        .filter(|h| fields::is_hour(h))
        .map(str::to_string);
    (hour, check_witness(data, subj, heads, report))
}

fn check_witness(
    data: &Object,
    subj: &Subject,
    heads: &BTreeMap<String, Head>,
    report: &mut Report,
) -> Option<Entry> {
    let parsed = (|| {
        let hour = fields::str_field(data, "hour")?.to_string();
        let size = fields::u64_field(data, "tree_size")?;
        let proof = fields::arr_field(data, "inclusion_proof")?
            .iter()
            .map(|x| x.as_str().and_then(crate::crypto::hash::parse_hex32))
            .collect::<Option<Vec<_>>>()
            .ok_or("inclusion_proof must be an array of 64-hex digests")?;
        let entry = data.get("entry").ok_or("field entry is missing")?;
        Ok::<_, String>((hour, size, proof, entry))
    })();
    let (hour, size, proof, entry_v) = match parsed {
        Ok(x) => x,
        Err(m) => {
            report.fail(Code::ReqSeenEntryInvalid, subj.clone().field("data"), m);
            return None;
        }
    };
    let e = check_entry(entry_v, &subj.clone().field("data.entry"), report)?;
    if e.hour != hour {
        report.fail(
            Code::ReqSeenEntryMismatch,
            subj.clone().field("data.entry.hour"),
            format!("entry hour {} differs from the event's hour {hour}", e.hour),
        );
    }
    let Some(head) = heads.get(&hour) else {
        report.fail(
            Code::ReqSeenProof,
            subj.clone().field("data.hour"),
            format!("no head {} in the bundle", head_path(&hour)),
        );
        return Some(e);
    };
    let psubj = subj.clone().field("data.inclusion_proof");
    if size != head.count {
        report.fail(
            Code::ReqSeenProof,
            psubj,
            format!(
                "tree_size {size} differs from the head's count {}",
                head.count
            ),
        );
        return Some(e);
    }
    let leaf = merkle::leaf_hash(&e.leaf_hash);
    match merkle::verify_inclusion(&leaf, e.index, size, &proof, &head.root) {
        Ok(()) => report.pass(
            Code::ReqSeenProof,
            psubj,
            format!("leaf {} of {size} included under the head's root", e.index),
        ),
        Err(err) => report.fail(
            Code::ReqSeenProof,
            psubj,
            format!("leaf {} of {size}: {err}", e.index),
        ),
    }
    Some(e)
}

/// Checks that this request's entry commits to the trace (id, decision) and to the
/// raw request bytes (`request_sha256`, the SHA-256 of `payload/request.json`).
pub fn check_bindings(
    e: &Entry,
    subj: &Subject,
    trace_id: Option<&str>,
    decision: Option<super::grammar::EventType>,
    request_sha256: Option<&[u8; 32]>,
    report: &mut Report,
) {
    let mut ok = true;
    if let Some(t) = trace_id {
        if crate::crypto::hash::sha256(t.as_bytes()) != e.trace_id_sha256 {
            ok = false;
            report.fail(
                Code::ReqSeenEntryMismatch,
                subj.clone().field("data.entry.trace_id_sha256"),
                "entry does not commit to this trace id",
            );
        }
    }
    if let Some(d) = decision {
        let denied = d == super::grammar::EventType::RequestDenied;
        if e.denied != denied {
            ok = false;
            report.fail(
                Code::ReqSeenEntryMismatch,
                subj.clone().field("data.entry.decision"),
                format!(
                    "entry says {}, the trace says {}",
                    if e.denied { "denied" } else { "received" },
                    d.name()
                ),
            );
        }
    }
    if ok {
        report.pass(
            Code::ReqSeenEntryMismatch,
            subj.clone(),
            "entry commits to this trace and decision",
        );
    }
    let rsubj = Subject::file(super::contract::REQUEST_PATH);
    match request_sha256 {
        Some(actual) if *actual == e.request_sha256 => report.pass(
            Code::ArtifactHash,
            rsubj,
            "request bytes are the witnessed ones",
        ),
        Some(actual) => report.fail(
            Code::ArtifactHash,
            rsubj,
            format!(
                "request hashes to {}, the REQ_SEEN entry commits to {}",
                hex::encode(actual),
                hex::encode(e.request_sha256)
            ),
        ),
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canon::fast::arb;
    use proptest::prelude::*;

    const HOUR: &str = "20261123T19";

    /// An entry line with the given values, its leaf hash computed, in canonicaljson.
    fn entry_line(
        index: u64,
        denied: bool,
        reason: Value,
        extra: Option<(String, Value)>,
    ) -> Vec<u8> {
        let mut o = Object::new();
        o.insert("client_sha256", "1b".repeat(32));
        o.insert("decision", if denied { "denied" } else { "received" });
        o.insert("hour", HOUR);
        o.insert("index", index);
        o.insert("reason", reason);
        o.insert("request_sha256", "0a".repeat(32));
        o.insert("trace_id_sha256", "2e".repeat(32));
        if let Some((k, v)) = extra {
            o.insert(k, v);
        }
        let h = compute_leaf_hash(&o).map(hex::encode).unwrap_or_default();
        o.insert("leaf_hash", h);
        canon::to_vec(&Value::Object(o), Dialect::CanonicalJson).unwrap_or_default()
    }

    fn shapes() -> EntryShapes {
        Shapes::new(&ENTRY_FIELDS, ENTRY_HEX_MASK)
    }

    /// The fast path (when it answers) gives exactly the tree path's line result, with
    /// a new shape cache and with one that has learned from `learned` (which may or may
    /// not share the line's shape).
    fn same_as_tree(line: &[u8], learned: &[u8], no: u64, terminated: bool) -> bool {
        let meta = LineMeta {
            no,
            terminated,
            too_long: false,
        };
        let path = ledger_path(HOUR);
        let mut warm = shapes();
        let _ = warm.members_all_hex(learned);
        let tree = ledger_line_tree(HOUR, &path, line, meta);
        for cache in [&mut shapes(), &mut warm] {
            // The production path, on the line alone and on the line twice (so that
            // its preimage and leaf are hashed in a pair).
            for copies in [1, 2] {
                let mut out = Vec::new();
                ledger_lines(
                    cache,
                    HOUR,
                    &path,
                    std::iter::repeat_n((line, meta), copies),
                    &mut out,
                );
                assert_eq!(out.len(), copies);
                for fast in out {
                    assert_eq!(
                        format!("{:?}", (&fast.findings, fast.bad, fast.leaf)),
                        format!("{:?}", (&tree.findings, tree.bad, tree.leaf)),
                        "{}",
                        String::from_utf8_lossy(line)
                    );
                }
            }
        }
        ledger_line_fast(&mut shapes(), HOUR, no - 1, line).is_some()
    }

    /// The fast path skips the privacy scan because every value it accepts is clean
    /// to it: the fixed strings, and every hour (11 bytes of digits and one `T`: no
    /// `@`, `.` or `:`, printable, short), tried here for every hour of a year.
    #[test]
    fn values_the_fast_path_accepts_are_clean() {
        for s in ["received", "denied"]
            .iter()
            .chain(&REASONS)
            .chain(&ENTRY_FIELDS)
        {
            assert_eq!(privacy::raw_content(s), None, "{s}");
        }
        assert_eq!(privacy::raw_content(&"ab".repeat(32)), None);
        for m in 1..=12 {
            for d in 1..=31 {
                for h in 0..24 {
                    let hour = format!("2026{m:02}{d:02}T{h:02}");
                    assert!(fields::is_hour(&hour));
                    assert_eq!(privacy::raw_content(&hour), None, "{hour}");
                }
            }
        }
    }

    #[test]
    fn fast_path_taken_for_valid_entries() {
        let good = entry_line(0, false, Value::Null, None);
        assert!(same_as_tree(&good, &good, 1, true));
        assert!(same_as_tree(
            &entry_line(4, true, "quota_exceeded".into(), None),
            &good,
            5,
            false
        ));
        // Wrong index, bad reason, extra field: the tree path reports.
        assert!(!same_as_tree(
            &entry_line(3, false, Value::Null, None),
            &good,
            1,
            true
        ));
        assert!(!same_as_tree(
            &entry_line(0, true, "nope".into(), None),
            &good,
            1,
            true
        ));
        assert!(!same_as_tree(
            &entry_line(0, true, Value::Null, None),
            &good,
            1,
            true
        ));
        let extra = Some(("zz".to_string(), Value::from(1u64)));
        assert!(!same_as_tree(
            &entry_line(0, false, Value::Null, extra),
            &good,
            1,
            true
        ));
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2048, failure_persistence: None, ..ProptestConfig::default() })]

        /// Differential over generated entries, as written or edited once.
        #[test]
        fn fast_path_matches_tree(
            index in 0u64..3,
            no_off in prop_oneof![3 => Just(1u64), 1 => 1u64..4],
            denied in any::<bool>(),
            reason in prop_oneof![
                2 => Just(Value::Null),
                2 => prop::sample::select(vec!["quota_exceeded", "missing_login", "me@example.org", "a b"]).prop_map(Value::from),
                1 => arb::value(),
            ],
            extra in prop::option::weighted(0.2, (arb::string(), arb::value())),
            edit in prop::option::of((0u8..7, 0usize..4096, any::<u8>())),
            terminated in any::<bool>(),
        ) {
            let learned = entry_line(index, denied, reason, extra);
            let line = match edit {
                Some((op, at, b)) => arb::mutate(&learned, op, at, b),
                None => learned.clone(),
            };
            same_as_tree(&line, &learned, index + no_off, terminated);
        }
    }
}
