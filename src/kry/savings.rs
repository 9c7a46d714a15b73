//! Savings attestations (KRY-SPEC §3): envelope, link chain, magnitude, tier schema,
//! veracity with the promotion overlay, and the optional anchor check.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::agg::LinkIssues;
use super::anchor::{self, Anchor};
use super::num::{amount_eq, canon_f64, finite, py_round, show, SAVINGS_SENTINEL};
use super::veracity::{self, Promotion, Targets, TierTotals, SELF_REPORTED};
use super::{hash_with_blank, magnitude, short, truthy, Code, SideInput, GENESIS};
use crate::canon::{self, Dialect, Object, Value};
use crate::verdict::{Report, Subject};

/// Lowest and highest hash_version KRY-SPEC v1.3 defines.
const VERSIONS: std::ops::RangeInclusive<i64> = 4..=7;
/// The hash_version an absent field reads as (pre-versioning legacy links).
const LEGACY_VERSION: i64 = 1;
/// USD per KRY.
const USD_PER_KRY: f64 = 0.000025;

/// How a link's hash_version reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Version {
    /// An integer (possibly absent = legacy 1).
    Int(i64),
    /// Not an integer: cannot be interpreted.
    Bad,
}

/// Writes the canonical public block of a link (KRY-SPEC §3.3) into `out`. Keys are
/// emitted in sorted order directly, so no intermediate object is built.
pub fn public_block(link: &Object, version: i64, out: &mut Vec<u8>) {
    public_block_of(&LinkView::of(link), version, out)
}

/// The members of a savings link the checks read, found in one pass over the link.
#[derive(Clone, Copy, Debug, Default)]
pub struct LinkView<'a> {
    seq: Option<&'a Value>,
    event_type: Option<&'a Value>,
    kry_minted: Option<&'a Value>,
    ts: Option<&'a Value>,
    receipt_hash: Option<&'a Value>,
    chain_hash: Option<&'a Value>,
    evidence_tier: Option<&'a Value>,
    tokens_saved: Option<&'a Value>,
    earn_rate: Option<&'a Value>,
    metered_tokens: Option<&'a Value>,
    hash_version: Option<&'a Value>,
    supersedes: Option<&'a Value>,
    receipt_id: Option<&'a Value>,
}

/// The members a savings link's checks read, in the slot order of [`LinkView::from_slots`].
pub const LINK_FIELDS: [&str; 13] = [
    "seq",
    "event_type",
    "kry_minted",
    "ts",
    "receipt_hash",
    "chain_hash",
    "evidence_tier",
    "tokens_saved",
    "earn_rate",
    "metered_tokens",
    "hash_version",
    "supersedes",
    "receipt_id",
];

/// The slot of `key` in [`LINK_FIELDS`]. Dispatches on length and first byte, then
/// compares once: this runs for every member of every link.
pub(super) fn link_slot(key: &str) -> Option<usize> {
    let k = key.as_bytes();
    let (slot, name): (usize, &[u8]) = match (k.len(), *k.first()?) {
        (3, b's') => (0, b"seq"),
        (10, b'e') => (1, b"event_type"),
        (10, b'k') => (2, b"kry_minted"),
        (2, b't') => (3, b"ts"),
        (12, b'r') => (4, b"receipt_hash"),
        (10, b'c') => (5, b"chain_hash"),
        (13, b'e') => (6, b"evidence_tier"),
        (12, b't') => (7, b"tokens_saved"),
        (9, b'e') => (8, b"earn_rate"),
        (14, b'm') => (9, b"metered_tokens"),
        (12, b'h') => (10, b"hash_version"),
        (10, b's') => (11, b"supersedes"),
        (10, b'r') => (12, b"receipt_id"),
        _ => return None,
    };
    (k == name).then_some(slot)
}

impl<'a> LinkView<'a> {
    /// Reads the members of `link` (one linear pass instead of a lookup per member).
    pub fn of(link: &'a Object) -> Self {
        let mut slots = [None; 13];
        for (k, x) in link.iter() {
            if let Some(s) = link_slot(k) {
                slots[s] = Some(x);
            }
        }
        Self::from_slots(slots)
    }

    /// The view of members given by slot ([`LINK_FIELDS`] order).
    pub(super) fn from_slots(s: [Option<&'a Value>; 13]) -> Self {
        let [seq, event_type, kry_minted, ts, receipt_hash, chain_hash, evidence_tier, tokens_saved, earn_rate, metered_tokens, hash_version, supersedes, receipt_id] =
            s;
        LinkView {
            seq,
            event_type,
            kry_minted,
            ts,
            receipt_hash,
            chain_hash,
            evidence_tier,
            tokens_saved,
            earn_rate,
            metered_tokens,
            hash_version,
            supersedes,
            receipt_id,
        }
    }
}

fn public_block_of(link: &LinkView<'_>, version: i64, out: &mut Vec<u8>) {
    fn raw(out: &mut Vec<u8>, v: Option<&Value>) {
        match v {
            // The strict parser never yields non-finite numbers, so writing cannot fail.
            Some(v) => {
                let _ = canon::write(v, Dialect::Python, out);
            }
            None => out.extend_from_slice(b"null"),
        }
    }
    fn num(out: &mut Vec<u8>, v: Option<&Value>, version: i64) {
        if version >= 5 {
            let mut buf = [0u8; 16];
            out.push(b'"');
            out.extend_from_slice(canon_f64(v, SAVINGS_SENTINEL).write_to(&mut buf));
            out.push(b'"');
        } else {
            raw(out, v);
        }
    }
    fn or_empty(out: &mut Vec<u8>, v: Option<&Value>) {
        if truthy(v) {
            raw(out, v);
        } else {
            out.extend_from_slice(b"\"\"");
        }
    }
    out.extend_from_slice(b"{\"earn_rate\":");
    num(out, link.earn_rate, version);
    if version >= 7 {
        out.extend_from_slice(b",\"event_type\":");
        or_empty(out, link.event_type);
    }
    out.extend_from_slice(b",\"evidence_tier\":");
    raw(out, link.evidence_tier);
    out.extend_from_slice(b",\"hash_version\":");
    push_int(out, version);
    out.extend_from_slice(b",\"kry_minted\":");
    num(out, link.kry_minted, version);
    out.extend_from_slice(b",\"metered_tokens\":");
    raw(out, link.metered_tokens);
    if version >= 6 {
        out.extend_from_slice(b",\"receipt_id\":");
        or_empty(out, link.receipt_id);
    }
    if let Some(s) = link.supersedes.filter(|v| !matches!(v, Value::Null)) {
        out.extend_from_slice(b",\"supersedes\":");
        raw(out, Some(s));
    }
    out.extend_from_slice(b",\"tokens_saved\":");
    num(out, link.tokens_saved, version);
    out.extend_from_slice(b",\"ts\":");
    num(out, link.ts, version);
    out.push(b'}');
}

/// Appends the decimal digits of `v` (as `v.to_string()`, without allocating).
fn push_int(out: &mut Vec<u8>, v: i64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = v.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&buf[i..]);
}

/// The chain hash of a link: `SHA256(prev:receipt_hash:public_block)` for version >= 4,
/// `SHA256(prev:receipt_hash)` before. `block` is a reusable buffer.
pub fn chain_hash(
    prev: &[u8; 64],
    receipt_hash: &[u8],
    link: &Object,
    version: i64,
    block: &mut Vec<u8>,
) -> [u8; 64] {
    chain_hash_of(prev, receipt_hash, &LinkView::of(link), version, block)
}

fn chain_hash_of(
    prev: &[u8; 64],
    receipt_hash: &[u8],
    link: &LinkView<'_>,
    version: i64,
    tail: &mut Vec<u8>,
) -> [u8; 64] {
    chain_tail(receipt_hash, link, version, tail);
    hash_tail(prev, tail)
}

/// The part of a link's chain-hash preimage after `prev:`: `receipt_hash:public_block`
/// (hash_version >= 4) or `receipt_hash` (earlier), written into `tail`.
pub(super) fn chain_tail(
    receipt_hash: &[u8],
    link: &LinkView<'_>,
    version: i64,
    tail: &mut Vec<u8>,
) {
    tail.clear();
    tail.extend_from_slice(receipt_hash);
    if version >= 4 {
        tail.push(b':');
        public_block_of(link, version, tail);
    }
}

/// `hex(SHA256(prev:tail))`, the chain hash of a link whose [`chain_tail`] is `tail`.
pub(super) fn hash_tail(prev: &[u8; 64], tail: &[u8]) -> [u8; 64] {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(b":");
    h.update(tail);
    let digest: [u8; 32] = h.finalize().into();
    let mut out = [0u8; 64];
    // hex of 32 bytes is exactly 64 bytes
    let _ = hex::encode_to_slice(digest, &mut out);
    out
}

/// `str(x)` of the receipt_hash as Python's f-string would show it, for the preimage.
pub(super) fn receipt_hash_text(v: Option<&Value>) -> std::borrow::Cow<'_, [u8]> {
    use std::borrow::Cow;
    match v {
        Some(Value::String(s)) => Cow::Borrowed(s.as_bytes()),
        None | Some(Value::Null) => Cow::Borrowed(b"None"),
        Some(other) => Cow::Owned(canon::to_vec(other, Dialect::Python).unwrap_or_default()),
    }
}

fn link_locator(link: &LinkView<'_>) -> String {
    let seq = match link.seq {
        Some(Value::Number(n)) => canon::number(n, Dialect::Python).unwrap_or_default(),
        _ => "?".into(),
    };
    let rh = link
        .receipt_hash
        .and_then(Value::as_str)
        .map(short)
        .unwrap_or_else(|| "?".into());
    format!("seq {seq}, receipt_hash {rh}")
}

/// What the scan of the links derived.
pub(super) struct Scan<'a> {
    pub(super) total: f64,
    pub(super) tiers: TierTotals,
    pub(super) event_counts: BTreeMap<&'a str, u64>,
    pub(super) head: [u8; 64],
    pub(super) targets: Targets<'a>,
    pub(super) promotions: Vec<Promotion<'a>>,
    pub(super) anchor_link: Option<Option<String>>,
    pub(super) links: usize,
}

/// What checks 1 and 2 (field shapes, version) read from one link.
pub(super) struct Shape<'a> {
    pub(super) seq: Option<u64>,
    pub(super) kry: Option<f64>,
    pub(super) tier: Option<&'a str>,
    pub(super) version: Version,
}

impl Shape<'_> {
    /// The version the chain hash is computed with: a non-integer version is hashed
    /// with the newest block shape.
    pub(super) fn hash_version(&self) -> i64 {
        match self.version {
            Version::Int(v) => v,
            Version::Bad => 7,
        }
    }
}

/// Checks 1 (field shapes) and 2 (version range) of link `i`, which need no other link.
pub(super) fn check_shape<'a>(i: usize, lv: &LinkView<'a>, issues: &mut LinkIssues) -> Shape<'a> {
    let loc = || link_locator(lv);
    let seq = lv.seq.and_then(Value::as_u64);
    if seq.is_none() {
        issues.add(
            Code::LinkField,
            "seq is not an integer >= 0".into(),
            i,
            "seq",
            loc,
        );
    }
    for (key, val) in [
        ("receipt_hash", lv.receipt_hash),
        ("chain_hash", lv.chain_hash),
        ("event_type", lv.event_type),
    ] {
        if !matches!(val, Some(Value::String(x)) if !x.is_empty()) {
            issues.add(
                Code::LinkField,
                format!("{key} is not a non-empty string"),
                i,
                key,
                loc,
            );
        }
    }
    let kry = finite(lv.kry_minted).filter(|k| *k >= 0.0);
    if kry.is_none() {
        issues.add(
            Code::LinkField,
            "kry_minted is not a finite number >= 0".into(),
            i,
            "kry_minted",
            loc,
        );
    }
    let tier = match lv.evidence_tier {
        Some(Value::String(t)) => Some(t.as_str()),
        _ => {
            issues.add(
                Code::LinkField,
                "evidence_tier is not a string".into(),
                i,
                "evidence_tier",
                loc,
            );
            None
        }
    };
    let version = match lv.hash_version {
        None => Version::Int(LEGACY_VERSION),
        Some(Value::Number(n)) => n.as_i64().map_or(Version::Bad, Version::Int),
        Some(_) => Version::Bad,
    };
    match version {
        Version::Int(v) if VERSIONS.contains(&v) => {}
        Version::Int(v) => {
            let summary = if lv.hash_version.is_some() {
                format!("hash_version {v} is outside 4..7 (fail closed)")
            } else {
                "hash_version is absent (legacy, read as 1), outside 4..7 (fail closed)".to_string()
            };
            issues.add(Code::HashVersion, summary, i, "hash_version", loc);
        }
        Version::Bad => issues.add(
            Code::HashVersion,
            "hash_version is not an integer (fail closed)".into(),
            i,
            "hash_version",
            loc,
        ),
    }
    Shape {
        seq,
        kry,
        tier,
        version,
    }
}

/// Check 2b: link `i`'s version against the highest version before it.
pub(super) fn check_rollback(
    i: usize,
    lv: &LinkView<'_>,
    version: Version,
    max_version: &mut Option<i64>,
    issues: &mut LinkIssues,
) {
    if let Version::Int(v) = version {
        if let Some(m) = max_version.filter(|m| v < *m) {
            issues.add(
                Code::VersionRollback,
                format!("hash_version {v} after an earlier link's {m} (partial-tail rollback)"),
                i,
                "hash_version",
                || link_locator(lv),
            );
        }
        *max_version = Some(max_version.map_or(v, |m| m.max(v)));
    }
}

/// Checks 4 (tier binding), 5 (magnitude) and 6 (tier schema) of link `i`, which need
/// no other link.
pub(super) fn check_claims(
    i: usize,
    lv: &LinkView<'_>,
    shape: &Shape<'_>,
    issues: &mut LinkIssues,
) {
    let loc = || link_locator(lv);
    // 4. Tier binding.
    if let (Version::Int(v), Some(t)) = (shape.version, shape.tier) {
        if v < 4 && t != SELF_REPORTED {
            issues.add(
                Code::TierUnbound,
                format!("evidence_tier {t:?} on a hash_version {v} link, which does not bind its tier (only self_reported is allowed before v4)"),
                i,
                "evidence_tier",
                loc,
            );
        }
    }
    // 5. Magnitude.
    let event_type = lv.event_type.and_then(Value::as_str).unwrap_or("");
    let declared_input = |v: Option<&Value>| !matches!(v, None | Some(Value::Null));
    if declared_input(lv.earn_rate) && declared_input(lv.tokens_saved) {
        match (finite(lv.tokens_saved), finite(lv.earn_rate)) {
            (Some(ts), Some(er)) => {
                if let Some(k) = shape.kry {
                    magnitude::check(issues, i, event_type, ts, er, k);
                }
            }
            _ => issues.add(
                Code::LinkField,
                "earn_rate or tokens_saved is declared but not a finite number".into(),
                i,
                "earn_rate",
                loc,
            ),
        }
    }
    // 6. Tier schema.
    if shape.tier == Some("provider_metered") {
        let ts_ok = finite(lv.ts).is_some_and(|t| t >= 0.0);
        let mt_ok = matches!(lv.metered_tokens, Some(Value::Array(a))
            if a.len() == 2 && a.iter().all(|x| matches!(x, Value::Number(n) if n.is_int() && n.as_i64().is_none_or(|v| v >= 0) && !n.as_f64().is_sign_negative())));
        if !ts_ok {
            issues.add(
                Code::MeteredInvalid,
                "provider_metered link without a numeric ts >= 0".into(),
                i,
                "ts",
                loc,
            );
        }
        if !mt_ok {
            issues.add(
                Code::MeteredInvalid,
                "provider_metered link without metered_tokens = [prompt, completion] of non-negative integers".into(),
                i,
                "metered_tokens",
                loc,
            );
        }
    }
}

/// The tiers whose zero-value links with a `supersedes` promote an earlier receipt.
pub(super) fn is_promotion(tier: &str, supersedes: &str, kry: f64) -> bool {
    (tier == "tlsn_attested" || tier == "tee_attested") && !supersedes.is_empty() && kry <= 0.0
}

fn scan_links<'a>(
    file: &str,
    links: &'a [Value],
    anchor_count: Option<u64>,
    report: &mut Report,
) -> Scan<'a> {
    let mut issues = LinkIssues::default();
    let mut s = Scan {
        total: 0.0,
        tiers: TierTotals::default(),
        event_counts: BTreeMap::new(),
        head: [b'0'; 64],
        targets: Targets::default(),
        promotions: Vec::new(),
        anchor_link: None,
        links: links.len(),
    };
    let mut prev = [b'0'; 64];
    // The previous link's DECLARED chain hash, to tell a link that breaks the chain
    // from a later one that merely extends an already-broken chain.
    let mut prev_declared: Option<&str> = Some(GENESIS);
    let mut max_version: Option<i64> = None;
    let mut block = Vec::with_capacity(512);
    let mut tally = ChainTally::default();
    for (i, lv) in links.iter().enumerate() {
        let Value::Object(link) = lv else {
            issues.add(
                Code::LinkField,
                "link is not a JSON object".into(),
                i,
                "",
                || format!("found {}", lv.type_name()),
            );
            prev_declared = None;
            continue;
        };
        let lv = LinkView::of(link);
        let loc = || link_locator(&lv);
        let shape = check_shape(i, &lv, &mut issues);
        check_rollback(i, &lv, shape.version, &mut max_version, &mut issues);
        // 3. Chain.
        let hv = shape.hash_version();
        if hv < 4 {
            tally.legacy += 1;
        }
        let rh = receipt_hash_text(lv.receipt_hash);
        let recomputed = chain_hash_of(&prev, &rh, &lv, hv, &mut block);
        let declared = lv.chain_hash.and_then(Value::as_str);
        if declared.map(str::as_bytes) != Some(&recomputed[..]) {
            // Would the link match if its declared predecessor were right?
            let local = prev_declared.and_then(|p| {
                let p: [u8; 64] = p.as_bytes().try_into().ok()?;
                Some(chain_hash_of(&p, &rh, &lv, hv, &mut block))
            });
            let extends_broken = local.is_some_and(|l| declared.map(str::as_bytes) == Some(&l[..]));
            let rc = String::from_utf8_lossy(&recomputed).into_owned();
            let summary = if extends_broken {
                tally.cascades += 1;
                "chain_hash is consistent with its declared predecessor but not with the recomputed chain (it extends an earlier break)".to_string()
            } else {
                tally.breaks += 1;
                "recomputed chain_hash differs from the declared one (a bound field was altered, or a link inserted, removed or reordered)".to_string()
            };
            issues.add(Code::ChainHash, summary, i, "chain_hash", || {
                format!(
                    "{}, declared {}, recomputed {}",
                    loc(),
                    declared.unwrap_or("(none)"),
                    rc
                )
            });
        }
        prev = recomputed;
        prev_declared = declared;
        check_claims(i, &lv, &shape, &mut issues);
        // Accumulate.
        let k = shape.kry.unwrap_or(0.0);
        s.total += k;
        if let Some(t) = shape.tier {
            s.tiers.add(t, k);
        }
        if let Some(Value::String(e)) = lv.event_type {
            match s.event_counts.get_mut(e.as_str()) {
                Some(c) => *c += 1,
                None => {
                    s.event_counts.insert(e.as_str(), 1);
                }
            }
        }
        // Overlay bookkeeping (duplicates are found after the scan).
        if let (Some(Value::String(id)), Version::Int(v), Some(t)) =
            (lv.receipt_id, shape.version, shape.tier)
        {
            if !id.is_empty() && v >= 6 {
                s.targets.push(id, t, k, i);
            }
        }
        if let (Some(t), Some(Value::String(sup))) = (shape.tier, lv.supersedes) {
            if is_promotion(t, sup, k) {
                s.promotions.push(Promotion {
                    supersedes: sup,
                    tier: t,
                    pos: i,
                });
            }
        }
        if let (Some(c), Some(sq)) = (anchor_count, shape.seq) {
            if sq == c && s.anchor_link.is_none() {
                s.anchor_link = Some(declared.map(str::to_owned));
            }
        }
    }
    s.head = prev;
    for dup in s.targets.finish() {
        let Value::Object(link) = &links[dup] else {
            continue;
        };
        let lv = LinkView::of(link);
        let id = lv.receipt_id.and_then(Value::as_str).unwrap_or("");
        issues.add(
            Code::DuplicateReceiptId,
            format!("receipt_id {id:?} repeats an earlier hash-bound receipt_id"),
            dup,
            "receipt_id",
            || link_locator(&lv),
        );
    }
    report_scan(file, links.len(), issues, &tally, report);
    s
}

/// Counts of the chain check the findings report.
#[derive(Default)]
pub(super) struct ChainTally {
    /// Links hashed with the pre-v4 formula.
    pub(super) legacy: u64,
    /// Links that break the chain themselves.
    pub(super) breaks: u64,
    /// Later links that only extend a break.
    pub(super) cascades: u64,
}

/// Reports the outcome of the link scan over `n` links: the passes of the chain,
/// version and magnitude rules, then one failure per group of `issues`.
pub(super) fn report_scan(
    file: &str,
    n: usize,
    issues: LinkIssues,
    tally: &ChainTally,
    report: &mut Report,
) {
    let subject = Subject::file(file).field("links");
    if !issues.has(Code::ChainHash) {
        report.pass(
            Code::ChainHash,
            subject.clone(),
            if tally.legacy > 0 {
                format!("{n} link(s): every chain_hash recomputed from genesis matches ({} of them under the pre-v4 formula prev:receipt_hash, which binds no public field)", tally.legacy)
            } else {
                format!("{n} link(s): every chain_hash recomputed from genesis matches")
            },
        );
    } else if tally.cascades > 0 {
        report.warn(
            Code::ChainHash,
            subject.clone(),
            format!("{} link(s) break the chain; {} later link(s) fail only because the chain is re-derived from genesis through the break", tally.breaks, tally.cascades),
        );
    }
    if !issues.has(Code::HashVersion) && !issues.has(Code::VersionRollback) {
        report.pass(
            Code::HashVersion,
            subject.clone(),
            format!("{n} link(s): hash_version within 4..7 and never decreasing"),
        );
    }
    let magnitude_codes = [
        Code::RateNonstandard,
        Code::ZeroRateBypass,
        Code::MultiplierUnpublished,
    ];
    if magnitude_codes.iter().all(|c| !issues.has(*c)) {
        report.pass(
            Code::MultiplierUnpublished,
            subject,
            format!("{n} link(s): published earn rates and price multipliers"),
        );
    }
    issues.emit(report, file, n);
}

/// Verifies a savings attestation.
pub fn verify(file: &str, doc: &Object, report: &mut Report, anchor_in: Option<&SideInput>) {
    let anchor: Option<Anchor> = anchor_in.and_then(|a| anchor::parse(a, report));
    let links = super::links_of(file, doc, report);
    check_envelope(file, doc, links.len(), report);

    // The seal covers the whole document and is independent of the link scan: compute
    // both at once (the scan itself is sequential, each link chaining on the last).
    let sealed = is_sealed(doc);
    let (scan, seal) = std::thread::scope(|sc| {
        // Without a thread (resource limits) the seal is computed after the scan.
        let seal = sealed
            .then(|| {
                std::thread::Builder::new()
                    .spawn_scoped(sc, || hash_with_blank(doc, "attestation_hash"))
                    .ok()
            })
            .flatten();
        let scan = scan_links(file, links, anchor.as_ref().map(|a| a.count), report);
        let seal = seal.map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        (scan, seal)
    });
    let seal = seal.or_else(|| sealed.then(|| hash_with_blank(doc, "attestation_hash")));
    conclude(
        file,
        doc,
        scan,
        seal,
        anchor.as_ref().zip(anchor_in),
        report,
    );
}

/// True if the attestation carries a non-empty `attestation_hash` string (only then is
/// the seal recomputed).
pub(super) fn is_sealed(doc: &Object) -> bool {
    matches!(doc.get("attestation_hash"), Some(Value::String(h)) if !h.is_empty())
}

/// The envelope's `receipts` and `chain_valid` against `n` links.
pub(super) fn check_envelope(file: &str, doc: &Object, n: usize, report: &mut Report) {
    let subject = |f: &str| Subject::file(file).field(f.to_string());
    match doc.get("receipts") {
        None => report.fail(
            Code::FieldMissing,
            subject("receipts"),
            "receipts is absent",
        ),
        Some(v) => match v.as_u64() {
            Some(r) if r == n as u64 => report.pass(
                Code::ReceiptsMismatch,
                subject("receipts"),
                format!("receipts {r} equals the number of links"),
            ),
            Some(r) => report.fail(
                Code::ReceiptsMismatch,
                subject("receipts"),
                format!("receipts declares {r} but links holds {n}"),
            ),
            None => report.fail(
                Code::FieldInvalid,
                subject("receipts"),
                "receipts must be an integer >= 0",
            ),
        },
    }
    match doc.get("chain_valid") {
        None => report.fail(
            Code::FieldMissing,
            subject("chain_valid"),
            "chain_valid is absent",
        ),
        Some(Value::Bool(true)) => {}
        Some(other) => report.fail(
            Code::ChainValidFalse,
            subject("chain_valid"),
            format!(
                "chain_valid must be true, found {}",
                String::from_utf8(canon::to_vec(other, Dialect::Python).unwrap_or_default())
                    .unwrap_or_default()
            ),
        ),
    }
}

/// Everything after the link scan: the promotion overlay, amounts, event counts, chain
/// head, veracity, the attestation hash (`seal`, the recomputed hash when the document
/// is sealed) and the anchor. `doc`'s `links` member is not read.
pub(super) fn conclude(
    file: &str,
    doc: &Object,
    mut scan: Scan<'_>,
    seal: Option<[u8; 32]>,
    anchor: Option<(&Anchor, &SideInput)>,
    report: &mut Report,
) {
    let subject = |f: &str| Subject::file(file).field(f.to_string());
    // Promotion overlay (§3.7).
    let applied = veracity::apply_overlay(&mut scan.tiers, &mut scan.targets, &scan.promotions);
    if !scan.promotions.is_empty() {
        report.fact("kry_promotions_applied", applied);
    }
    for (t, v) in veracity::negative_tiers(&scan.tiers) {
        report.fail(
            Code::NegativeTier,
            subject("veracity.by_tier"),
            format!(
                "after promotions tier {t:?} totals {}, below -0.01",
                show(v)
            ),
        );
    }

    // Amounts.
    let total_r = py_round(scan.total, 4);
    let usd_r = py_round(total_r * USD_PER_KRY, 6);
    compare_amount(file, doc, "total_kry", total_r, Code::TotalKry, report);
    compare_amount(
        file,
        doc,
        "usd_equivalent",
        usd_r,
        Code::UsdEquivalent,
        report,
    );

    // Event type counts.
    match doc.get("event_type_counts") {
        None => report.fail(
            Code::FieldMissing,
            subject("event_type_counts"),
            "event_type_counts is absent",
        ),
        Some(Value::Object(o)) => {
            let mut diffs = Vec::new();
            for (k, v) in o.iter() {
                let want = scan.event_counts.get(k).copied().unwrap_or(0);
                let same = matches!(v, Value::Number(n) if scan.event_counts.contains_key(k) && n.as_f64() == want as f64);
                if !same {
                    diffs.push(format!(
                        "{k:?} declared {}, links {want}",
                        String::from_utf8(canon::to_vec(v, Dialect::Python).unwrap_or_default())
                            .unwrap_or_default()
                    ));
                }
            }
            for (k, n) in &scan.event_counts {
                if !o.contains_key(k) {
                    diffs.push(format!("{k:?} not declared, links {n}"));
                }
            }
            if diffs.is_empty() {
                report.pass(
                    Code::EventTypeCounts,
                    subject("event_type_counts"),
                    format!(
                        "{} event type(s) counted over the links",
                        scan.event_counts.len()
                    ),
                );
            } else {
                report.fail(
                    Code::EventTypeCounts,
                    subject("event_type_counts"),
                    format!(
                        "event_type_counts differs from the links: {}",
                        diffs.join("; ")
                    ),
                );
            }
        }
        Some(other) => report.fail(
            Code::FieldInvalid,
            subject("event_type_counts"),
            format!(
                "event_type_counts must be an object, found {}",
                other.type_name()
            ),
        ),
    }

    // Chain head.
    let head = String::from_utf8_lossy(&scan.head).into_owned();
    report.fact("kry_chain_head", head.as_str());
    report.fact("kry_links", scan.links);
    match doc.get("chain_head") {
        None => report.fail(
            Code::FieldMissing,
            subject("chain_head"),
            "chain_head is absent",
        ),
        Some(Value::String(h)) if *h == head => report.pass(
            Code::ChainHead,
            subject("chain_head"),
            "chain_head equals the recomputed chain head",
        ),
        Some(Value::String(h)) => report.fail(
            Code::ChainHead,
            subject("chain_head"),
            if scan.links == 0 {
                format!("chain_head {h} must be the genesis value (64 zeros) for an empty chain")
            } else {
                format!("chain_head declares {h}, the chain recomputed from genesis ends at {head}")
            },
        ),
        Some(other) => report.fail(
            Code::FieldInvalid,
            subject("chain_head"),
            format!("chain_head must be a string, found {}", other.type_name()),
        ),
    }

    // Veracity.
    let derived = veracity::derive(&scan.tiers, total_r);
    veracity::compare(file, doc.get("veracity"), &derived, report);

    // Attestation hash.
    match doc.get("attestation_hash") {
        None => report.fail(
            Code::FieldMissing,
            subject("attestation_hash"),
            "attestation_hash is absent",
        ),
        Some(Value::String(h)) if h.is_empty() => report.fail(
            Code::FieldMissing,
            subject("attestation_hash"),
            "attestation_hash is empty: the attestation is not sealed",
        ),
        Some(Value::String(h)) => {
            // `seal` is present whenever the hash is a non-empty string.
            let got = seal.map(hex::encode).unwrap_or_default();
            if *h == got {
                report.pass(
                    Code::AttestationHash,
                    subject("attestation_hash"),
                    "attestation_hash recomputed over the canonical attestation",
                );
            } else {
                report.fail(
                    Code::AttestationHash,
                    subject("attestation_hash"),
                    format!("attestation_hash declares {h}, SHA-256 of the canonical attestation with attestation_hash \"\" is {got}"),
                );
            }
        }
        Some(other) => report.fail(
            Code::FieldInvalid,
            subject("attestation_hash"),
            format!(
                "attestation_hash must be a string, found {}",
                other.type_name()
            ),
        ),
    }

    // Anchor (§3.8).
    if let Some((a, input)) = anchor {
        anchor::check(
            file,
            &input.name,
            a,
            scan.anchor_link.as_ref().map(|o| o.as_deref()),
            report,
        );
    }
}

fn compare_amount(
    file: &str,
    doc: &Object,
    key: &str,
    derived: f64,
    code: Code,
    report: &mut Report,
) {
    let subject = Subject::file(file).field(key.to_string());
    match doc.get(key) {
        None => report.fail(Code::FieldMissing, subject, format!("{key} is absent")),
        Some(Value::Number(n)) => {
            let x = n.as_f64();
            if amount_eq(x, derived) {
                report.pass(
                    code,
                    subject,
                    format!("{key} {} re-derived from the links", show(x)),
                );
            } else {
                report.fail(
                    code,
                    subject,
                    format!(
                        "{key} declares {}, the links give {}",
                        show(x),
                        show(derived)
                    ),
                );
            }
        }
        Some(other) => report.fail(
            Code::FieldInvalid,
            subject,
            format!("{key} must be a number, found {}", other.type_name()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_written_as_to_string_writes_them() {
        let mut vals = vec![i64::MIN, i64::MIN + 1, i64::MAX, -1, 0, 1, 9, 10, 99, 100];
        vals.extend(
            (0..64)
                .map(|k| 1i64 << k)
                .flat_map(|v| [v.wrapping_sub(1), v, v.wrapping_neg()]),
        );
        for v in vals {
            let mut out = b"x".to_vec();
            push_int(&mut out, v);
            assert_eq!(out, format!("x{v}").into_bytes(), "{v}");
        }
    }

    #[test]
    fn link_slots_follow_the_field_list() {
        for (i, k) in LINK_FIELDS.iter().enumerate() {
            assert_eq!(link_slot(k), Some(i), "{k}");
        }
        for k in [
            "sealed_evidence",
            "",
            "sea",
            "tx",
            "receipt_idx",
            "seq ",
            "Seq",
        ] {
            assert_eq!(link_slot(k), None, "{k}");
        }
    }
}
