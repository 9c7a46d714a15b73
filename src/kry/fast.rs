//! The tree-free path for savings attestations (KRY-SPEC §3).
//!
//! Why it exists: a 100,000-link attestation is a 50 MB document, and building its
//! tree (about 180 MiB of small allocations the kernel must first zero) cost more than
//! every check together. This path walks the document's outer object itself, parses
//! each member other than `links` with the strict parser, and streams `links`: each
//! link is scanned in place, its canonical bytes are written once for the attestation
//! hash, and only the members the checks read become [`Value`]s, dropped with the link.
//! Links are split into runs by speculation, as in [`canon::parse_segmented`]: about
//! eight runs per thread, which worker threads take in order ([`stitch`]).
//!
//! It is a *sure-or-decline* path, like [`canon::fast`]: it gives a verdict only when
//! it can prove the general path gives the same findings, in the same order, and
//! declines (`None`) otherwise. It accepts only links that it scans without doubt
//! (members whose keys and strings are printable ASCII without escapes, numbers,
//! literals and arrays of those, keys unique) and that pass every per-link rule: shapes,
//! versions (never decreasing), the chain, tier binding, magnitude, tier schema, no
//! repeated receipt_id, no promotion. Whatever fails or is in doubt goes to the general
//! path, which finds and words it; the envelope checks after the scan are the general
//! path's own code ([`savings::conclude`]).
//!
//! The attestation hash is one SHA-256 stream over the canonical document. The calling
//! thread starts it with the members met before `links` (plus the blanked
//! `attestation_hash`, usually written last), then hashes each run's canonical bytes
//! in order as the runs come in (on one thread, as it writes them);
//! [`Seal::finish`] declines if a member sorting before `links` turns up after it.
//!
//! Links of one producer repeat one key layout: the canonical key order and the slots
//! of the members the checks read are worked out once per layout ([`Layout`]), and the
//! values the checks read are updated in place from link to link.
//!
//! The chain is checked link-locally: link `i` must hash, from its predecessor's
//! *declared* chain_hash, to its own declared chain_hash. If that holds for every link
//! and the first predecessor is the genesis value, the chain recomputed from genesis
//! equals the declared chain link by link (induction), which is what the general path
//! checks; so the links of different threads can be checked independently, and the
//! chain hashes of two consecutive links side by side (`crypto::lanes`).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use super::agg::LinkIssues;
use super::anchor::{self, Anchor};
use super::savings::{self, ChainTally, LinkView, Scan, Version};
use super::veracity::{Targets, TierTotals};
use super::{Profile, SideInput, GENESIS};
use crate::canon::{self, Dialect, Number, Object, Sink, Value};
use crate::verdict::Report;

/// Most threads one attestation's links use.
const MAX_SEGMENTS: usize = 8;
/// Runs per worker thread: enough that the runs still being scanned at the end, and
/// the bytes the hash has left when the last one ends, are a small part of the whole.
const RUNS_PER_THREAD: usize = 8;
/// How far past a cut point the search for a link start goes.
const CANDIDATE_WINDOW: usize = 1 << 20;
/// Longest integer literal the scanner takes (longer ones go to the general path).
const MAX_INT_DIGITS: usize = 64;

/// Verifies a savings attestation given as its file's bytes into `report`, or returns
/// `None` (leaving `report` to be discarded) when the general path must decide.
pub(super) fn savings(
    file: &str,
    bytes: &[u8],
    anchor_in: Option<&SideInput>,
    report: &mut Report,
) -> Option<()> {
    // Large documents are split between the pool's threads, unless this already is
    // one of them (batch and gate parallelise across files instead).
    let threads =
        if bytes.len() >= canon::PARALLEL_MIN_BYTES && rayon::current_thread_index().is_none() {
            rayon::current_num_threads().clamp(1, MAX_SEGMENTS)
        } else {
            1
        };
    savings_with(file, bytes, anchor_in, threads, report)
}

/// As [`savings`], with the links split between at most `threads` threads.
pub(super) fn savings_with(
    file: &str,
    bytes: &[u8],
    anchor_in: Option<&SideInput>,
    threads: usize,
    report: &mut Report,
) -> Option<()> {
    // One validation of the whole text lets every string be taken without its own.
    let top = Top::walk(std::str::from_utf8(bytes).ok()?, threads)?;
    if Profile::detect(&top.doc) != Profile::Savings {
        return None;
    }
    let seal = if savings::is_sealed(&top.doc) {
        Some(top.seal.finish(&top.doc)?)
    } else {
        None
    };
    report.fact("kry_profile", Profile::Savings.name());
    let anchor: Option<Anchor> = anchor_in.and_then(|a| anchor::parse(a, report));
    let n = top.links.len();
    savings::check_envelope(file, &top.doc, n, report);
    let scan = top.links.scan(anchor.as_ref().map(|a| a.count))?;
    savings::report_scan(
        file,
        n,
        LinkIssues::default(),
        &ChainTally::default(),
        report,
    );
    savings::conclude(
        file,
        &top.doc,
        scan,
        seal,
        anchor.as_ref().zip(anchor_in),
        report,
    );
    Some(())
}

/// The document's outer object: its members other than `links` as a tree (with
/// `links` an empty array, so the key keeps its place), the scanned links, and the
/// attestation hash hashed up to the end of the links.
struct Top<'a> {
    doc: Object,
    links: Links<'a>,
    seal: Seal,
}

impl<'a> Top<'a> {
    fn walk(b: &'a str, threads: usize) -> Option<Top<'a>> {
        let mut c = Cur::new(b, 0);
        c.ws();
        let mut members = Vec::new();
        let mut links = None;
        c.object(|c, key, _| {
            if key == "links" {
                if links.is_some() || c.peek() != Some(b'[') {
                    return None;
                }
                let (l, seal, end) = Links::read(b, c.i, &members, threads)?;
                links = Some((l, seal));
                c.i = end;
                members.push((key.to_owned(), Value::Array(Vec::new())));
            } else {
                let (v, end) = canon::value_at(c.b, c.i, 1).ok()?;
                c.i = end;
                members.push((key.to_owned(), v));
            }
            Some(())
        })?;
        c.ws();
        if c.i != b.len() {
            return None;
        }
        let (links, seal) = links?;
        Some(Top {
            doc: Object::from_entries(members).ok()?,
            links,
            seal,
        })
    }
}

/// The attestation hash, computed while the links are scanned.
///
/// The hash runs over the canonical document, whose members are sorted, so the links'
/// bytes come after every member whose key sorts before `links`. The members the walk
/// met before `links`, plus `attestation_hash` (blanked, and usually written last), are
/// taken to be all of them; [`Seal::finish`] checks that against the whole document
/// and declines if another such member came after the links.
struct Seal {
    h: canon::Buffered<Sha256>,
    /// The keys before `links` the hash was started with, sorted.
    before: Vec<String>,
}

impl Seal {
    /// Starts the hash with the members of `seen` (and `attestation_hash`) that sort
    /// before `links`, up to the array's `[`.
    fn start(seen: &[(String, Value)]) -> Seal {
        let mut before: Vec<(&str, Option<&Value>)> = seen
            .iter()
            .filter(|(k, _)| k.as_str() < "links" && k != BLANK)
            .map(|(k, v)| (k.as_str(), Some(v)))
            .collect();
        before.push((BLANK, None));
        before.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut h = canon::Buffered::new(Sha256::new());
        h.put(b"{");
        for (k, v) in &before {
            // Keys and parsed values always encode (see `hash_with_blank`).
            let _ = canon::write(&Value::String((*k).to_owned()), Dialect::Python, &mut h);
            h.put(b":");
            match v {
                Some(v) => {
                    let _ = canon::write(v, Dialect::Python, &mut h);
                }
                None => h.put(b"\"\""),
            }
            h.put(b",");
        }
        h.put(b"\"links\":[");
        Seal {
            h,
            before: before.into_iter().map(|(k, _)| k.to_owned()).collect(),
        }
    }

    /// Ends the hash with the members of `doc` after `links`; `None` if the members
    /// before `links` are not the ones it was started with.
    fn finish(mut self, doc: &Object) -> Option<[u8; 32]> {
        let before = doc.keys().take_while(|k| *k < "links");
        if !before.eq(self.before.iter().map(String::as_str)) {
            return None;
        }
        self.h.put(b"]");
        for (k, v) in doc.iter().filter(|(k, _)| *k > "links") {
            self.h.put(b",");
            let _ = canon::write(&Value::String(k.to_owned()), Dialect::Python, &mut self.h);
            self.h.put(b":");
            let _ = canon::write(v, Dialect::Python, &mut self.h);
        }
        self.h.put(b"}");
        Some(self.h.finish().finalize().into())
    }
}

/// The member the attestation hash blanks.
const BLANK: &str = "attestation_hash";

/// What one link contributes after its own checks passed, as [`link`] returns it.
struct Scanned<'a> {
    kry: f64,
    tier: &'a str,
    event_type: &'a str,
    seq: u64,
    declared: &'a [u8; 64],
}

/// What a run keeps of each link for the scan after all runs are in: compact, since
/// that scan walks every link on one thread.
struct LinkOut<'a> {
    kry: f64,
    seq: u64,
    /// The declared chain_hash, in the document.
    declared: &'a [u8; 64],
    /// The link's tier, as an index into its run's [`Seg::tiers`].
    tier: u32,
}

/// The links of one thread: a run of consecutive links.
struct Seg<'a> {
    links: Vec<LinkOut<'a>>,
    /// The run's tiers, in order of first appearance.
    tiers: Vec<&'a str>,
    /// Canonical bytes of the links, joined by commas, not yet handed to the hash.
    canon: Vec<u8>,
    /// The chain tail of the first link, whose predecessor belongs to the previous run.
    first_tail: Vec<u8>,
    first_version: i64,
    last_version: i64,
    event_counts: BTreeMap<&'a str, u64>,
    /// [`id_hash`] of the receipt_id of every hash-bound link (hash_version >= 6,
    /// non-empty id), sorted.
    ids: Vec<u64>,
    /// Where the run stopped: at the next link's `{`, or after the array's `]`.
    end: usize,
    /// The run ended the array.
    closed: bool,
}

/// All links, in order: the runs' links one after the other (not copied into one).
struct Links<'a> {
    /// Each run's links and tiers.
    runs: Vec<(Vec<LinkOut<'a>>, Vec<&'a str>)>,
    /// Every run's sorted receipt_id hashes, concatenated.
    ids: Vec<u64>,
    event_counts: BTreeMap<&'a str, u64>,
}

impl<'a> Links<'a> {
    /// Scans the array at `open` (its `[`); returns the links, the canonical bytes of
    /// each run, and the offset after the `]`.
    fn read(
        b: &'a str,
        open: usize,
        seen: &[(String, Value)],
        threads: usize,
    ) -> Option<(Links<'a>, Seal, usize)> {
        let mut seal = Seal::start(seen);
        let mut out = Links {
            runs: Vec::new(),
            ids: Vec::new(),
            event_counts: BTreeMap::new(),
        };
        let mut c = Cur::new(b, open + 1);
        c.ws();
        if c.eat(b']') {
            return Some((out, seal, c.i));
        }
        if c.peek() != Some(b'{') {
            return None;
        }
        let first = c.i;
        let starts = if threads > 1 {
            candidates(b, first, threads * RUNS_PER_THREAD)
        } else {
            vec![first]
        };
        let cancel = AtomicBool::new(false);
        if starts.len() == 1 {
            // One run, on this thread, hashing its canonical bytes as it goes.
            let mut emit = |buf: &mut Vec<u8>| {
                seal.h.put(buf);
                buf.clear();
            };
            let seg = run(
                b,
                first,
                usize::MAX,
                Some(&GENESIS_BYTES),
                &cancel,
                Some(&mut emit),
                Vec::new(),
            )?;
            seal.h.put(&seg.canon);
            let end = seg.end;
            let closed = seg.closed;
            out.push(seg);
            return closed.then_some((out, seal, end));
        }
        let next = AtomicUsize::new(0);
        // Canonical-bytes buffers of runs already hashed, for the next runs: fresh
        // memory costs the kernel a fault and a zeroed page per 4 KiB.
        let spare: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());
        let (tx, rx) = std::sync::mpsc::channel::<(usize, Option<Seg<'a>>)>();
        let end = std::thread::scope(|sc| {
            let mut workers = Vec::new();
            for _ in 0..threads.min(starts.len()) {
                let (tx, next, cancel, starts, spare) =
                    (tx.clone(), &next, &cancel, &starts, &spare);
                let spawned = std::thread::Builder::new().spawn_scoped(sc, move || {
                    // Takes the runs in order, so that they end roughly in order.
                    loop {
                        let k = next.fetch_add(1, Ordering::Relaxed);
                        if k >= starts.len() || cancel.load(Ordering::Relaxed) {
                            return;
                        }
                        let stop = starts.get(k + 1).copied().unwrap_or(usize::MAX);
                        // The first run starts from genesis; the others keep their
                        // first link's chain tail for the stitch.
                        let prev = (k == 0).then_some(&GENESIS_BYTES);
                        let buf = spare.lock().ok().and_then(|mut s| s.pop());
                        let seg = run(
                            b,
                            starts[k],
                            stop,
                            prev,
                            cancel,
                            None,
                            buf.unwrap_or_default(),
                        );
                        let seg = or_cancel(cancel, seg);
                        // A send fails only when the main thread has given up.
                        if tx.send((k, seg)).is_err() {
                            return;
                        }
                    }
                });
                match spawned {
                    Ok(h) => workers.push(h),
                    // Fewer workers take more runs each.
                    Err(_) => break,
                }
            }
            drop(tx);
            if workers.is_empty() {
                return None;
            }
            let end = stitch(rx, &starts, &spare, &mut seal, &mut out);
            // Decided either way: runs still being scanned (past the array's end, or
            // after a doubt) are of no use.
            cancel.store(true, Ordering::Relaxed);
            for w in workers {
                w.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
            }
            end
        })?;
        Some((out, seal, end))
    }

    /// Appends a run's links, receipt_id hashes and event counts.
    fn push(&mut self, mut seg: Seg<'a>) {
        for (e, n) in std::mem::take(&mut seg.event_counts) {
            *self.event_counts.entry(e).or_insert(0) += n;
        }
        self.ids.extend_from_slice(&seg.ids);
        self.runs.push((seg.links, seg.tiers));
    }

    fn len(&self) -> usize {
        self.runs.iter().map(|r| r.0.len()).sum()
    }

    /// The scan the general path would have made of these links (all of which passed
    /// their own checks), or `None` if a receipt_id may repeat. Without promotions
    /// (declined earlier) the targets only serve that duplicate check, so the scan
    /// carries none.
    fn scan(mut self, anchor_count: Option<u64>) -> Option<Scan<'a>> {
        // Sorted runs one after the other: the stable sort merges them in linear time.
        self.ids.sort();
        if self.ids.windows(2).any(|w| w[0] == w[1]) {
            return None;
        }
        let mut total = 0.0;
        let mut tiers = TierTotals::default();
        let mut anchor_link = None;
        for (links, names) in &self.runs {
            // A run's tiers first appear in the order of its table, after the tiers of
            // the runs before it: entering them now keeps first-appearance order.
            let slots: Vec<usize> = names.iter().map(|t| tiers.slot(t)).collect();
            for l in links {
                // Sums in link order, as the general path adds them.
                total += l.kry;
                tiers.add_at(*slots.get(l.tier as usize)?, l.kry);
                if anchor_count == Some(l.seq) && anchor_link.is_none() {
                    anchor_link = Some(Some(String::from_utf8_lossy(l.declared).into_owned()));
                }
            }
        }
        let links = self.len();
        Some(Scan {
            total,
            tiers,
            event_counts: self.event_counts,
            head: self
                .runs
                .iter()
                .flat_map(|r| &r.0)
                .last()
                .map_or(GENESIS_BYTES, |l| *l.declared),
            targets: Targets::default(),
            promotions: Vec::new(),
            anchor_link,
            links,
        })
    }
}

/// `r`, raising `cancel` first when it is `None`: one run's doubt ends the others.
fn or_cancel<T>(cancel: &AtomicBool, r: Option<T>) -> Option<T> {
    if r.is_none() {
        cancel.store(true, Ordering::Relaxed);
    }
    r
}

/// The genesis chain value as bytes.
const GENESIS_BYTES: [u8; 64] = {
    let mut g = [0u8; 64];
    let s = GENESIS.as_bytes();
    let mut i = 0;
    while i < 64 {
        g[i] = s[i];
        i += 1;
    }
    g
};

/// Joins the runs in order into `out` and hashes their canonical bytes into `seal`,
/// each as soon as the runs before it are in: each run must stop exactly where the
/// next one started, continue the versions and extend the chain of the run before it.
/// Returns the offset after the array's `]`.
///
/// The runs are scanned on worker threads while this one only waits and hashes: the
/// workers take the runs in order, many more runs than workers, so the cores stay
/// busy until the last run and the hash trails it by one run's bytes, whatever the
/// relative speed of scanning and hashing on this machine.
fn stitch<'a>(
    results: std::sync::mpsc::Receiver<(usize, Option<Seg<'a>>)>,
    starts: &[usize],
    spare: &Mutex<Vec<Vec<u8>>>,
    seal: &mut Seal,
    out: &mut Links<'a>,
) -> Option<usize> {
    let mut ready: Vec<Option<Seg<'a>>> =
        std::iter::repeat_with(|| None).take(starts.len()).collect();
    let mut k = 0;
    // The previous run's end, last hash_version and last declared chain hash.
    let mut before: Option<(usize, i64, [u8; 64])> = None;
    // Ends when every worker has dropped its sender.
    for (at, seg) in results {
        *ready.get_mut(at)? = Some(seg?);
        while let Some(mut seg) = ready.get_mut(k).and_then(Option::take) {
            let head = seg.links.first()?;
            if let Some((end, version, declared)) = before {
                // The previous run stopped before the array's end: this one must start
                // exactly there (a start that was not a link's never does).
                if starts[k] != end
                    || seg.first_version < version
                    || savings::hash_tail(&declared, &seg.first_tail) != *head.declared
                {
                    return None;
                }
                seal.h.put(b",");
            }
            seal.h.put(&seg.canon);
            if let Ok(mut s) = spare.lock() {
                s.push(std::mem::take(&mut seg.canon));
            }
            before = Some((seg.end, seg.last_version, *seg.links.last()?.declared));
            let closed = seg.closed;
            out.push(seg);
            if closed {
                return before.map(|(end, _, _)| end);
            }
            k += 1;
        }
    }
    None
}

/// Takes a run's canonical bytes so far (and may leave the buffer empty).
type Emit<'e> = dyn FnMut(&mut Vec<u8>) + 'e;

/// Canonical bytes a run on the calling thread hands over to the attestation hash at
/// a time.
const CHUNK: usize = 1 << 20;

/// Where each run starts: `first`, then for each further run the first link-like
/// start (`}`, a comma, `{`, with whitespace between) after a cut; the cuts share the
/// text evenly.
fn candidates(b: &str, first: usize, runs: usize) -> Vec<usize> {
    let mut out = vec![first];
    let span = b.len() - first;
    for k in 1..runs {
        let cut = first + span / runs * k;
        let from = cut.max(out[out.len() - 1] + 1);
        let to = (from + CANDIDATE_WINDOW).min(b.len());
        if let Some(at) = link_start_in(b, from, to) {
            out.push(at);
        }
    }
    out
}

/// The offset of the `{` of the first `}` `,` `{` (JSON whitespace allowed between)
/// in `b[from..to]`.
fn link_start_in(b: &str, from: usize, to: usize) -> Option<usize> {
    let bytes = b.as_bytes();
    let mut i = from;
    while i < to {
        if bytes[i] == b'}' {
            let mut c = Cur::new(b, i + 1);
            c.ws();
            if c.eat(b',') {
                c.ws();
                if c.peek() == Some(b'{') {
                    return Some(c.i);
                }
            }
        }
        i += 1;
    }
    None
}

/// Scans links from `at` (a `{`) until the array's `]` or until the next link would
/// start at or after `stop`. `prev` is the declared chain hash before the first link
/// when known (the genesis value for the first run); otherwise the first link's chain
/// tail is kept for the stitch. The canonical bytes go to `canon` (a buffer to reuse);
/// with `emit`, they are handed to it whenever a chunk's worth has gathered; without,
/// they are kept whole in the run.
/// `None` if any link is in doubt or fails a rule (the caller then raises `cancel`,
/// see [`or_cancel`]); a raised `cancel` stops it early.
fn run<'a>(
    b: &'a str,
    at: usize,
    stop: usize,
    mut prev: Option<&'a [u8; 64]>,
    cancel: &AtomicBool,
    mut emit: Option<&mut Emit>,
    mut canon: Vec<u8>,
) -> Option<Seg<'a>> {
    let span = stop.min(b.len()).saturating_sub(at);
    let mut seg = Seg {
        links: Vec::with_capacity(span / 256),
        tiers: Vec::new(),
        canon: {
            // Canonical text is about as long as the indented text it comes from.
            canon.clear();
            canon.reserve(if emit.is_some() { CHUNK * 2 } else { span });
            canon
        },
        first_tail: Vec::new(),
        first_version: 0,
        last_version: 0,
        event_counts: BTreeMap::new(),
        ids: Vec::with_capacity(span / 256),
        end: at,
        closed: false,
    };
    let mut c = Cur::new(b, at);
    let mut w = Work {
        members: Vec::with_capacity(32),
        layout: Layout::default(),
        owned: Default::default(),
        tail: Vec::with_capacity(512),
        issues: LinkIssues::default(),
        max_version: None,
    };
    // The chain check of a link with a known predecessor waits here, its tail in
    // `pend_tail`, for the next such link: the two preimages are hashed side by side
    // (`crypto::lanes`). Any failure declines, so checking a link late changes nothing.
    let mut pend: Option<(&'a [u8; 64], &'a [u8; 64])> = None;
    let mut pend_tail: Vec<u8> = Vec::with_capacity(512);
    let mut digests: Vec<[u8; 32]> = Vec::with_capacity(2);
    loop {
        if seg.links.len() % 1024 == 1023 && cancel.load(Ordering::Relaxed) {
            return None;
        }
        if !seg.links.is_empty() {
            seg.canon.push(b',');
        }
        let (out, target_id) = link(&mut c, &mut w, &mut seg.canon)?;
        if seg.links.is_empty() {
            seg.first_version = w.max_version?;
            if prev.is_none() {
                seg.first_tail = w.tail.clone();
            }
        }
        if let Some(p) = prev {
            match pend.take() {
                None => {
                    std::mem::swap(&mut w.tail, &mut pend_tail);
                    pend = Some((p, out.declared));
                }
                Some((pp, pd)) => {
                    let preimages = [[&pp[..], b":", &pend_tail], [&p[..], b":", &w.tail]];
                    digests.clear();
                    crate::crypto::lanes::sha256_each(&preimages, &mut digests);
                    if !is_hex_of(pd, &digests[0]) || !is_hex_of(out.declared, &digests[1]) {
                        return None;
                    }
                }
            }
        }
        seg.last_version = w.max_version?;
        if let Some(emit) = emit.as_mut().filter(|_| seg.canon.len() >= CHUNK) {
            emit(&mut seg.canon);
        }
        prev = Some(out.declared);
        *seg.event_counts.entry(out.event_type).or_insert(0) += 1;
        if let Some(id) = target_id {
            seg.ids.push(id);
        }
        let tier = match seg.tiers.iter().position(|&t| t == out.tier) {
            Some(i) => i,
            None => {
                seg.tiers.push(out.tier);
                seg.tiers.len() - 1
            }
        };
        seg.links.push(LinkOut {
            kry: out.kry,
            seq: out.seq,
            declared: out.declared,
            tier: u32::try_from(tier).ok()?,
        });
        c.ws();
        if c.eat(b']') {
            seg.end = c.i;
            seg.closed = true;
            break;
        }
        if !c.eat(b',') {
            return None;
        }
        c.ws();
        if c.peek() != Some(b'{') {
            return None;
        }
        if c.i >= stop {
            seg.end = c.i;
            break;
        }
    }
    if let Some((p, d)) = pend {
        if savings::hash_tail(p, &pend_tail) != *d {
            return None;
        }
    }
    seg.ids.sort_unstable();
    Some(seg)
}

/// True if `hex` is the lowercase hex of `digest` (as the chain hash is written).
fn is_hex_of(hex: &[u8; 64], digest: &[u8; 32]) -> bool {
    let mut want = [0u8; 64];
    // hex of 32 bytes is exactly 64 bytes
    let _ = hex::encode_to_slice(digest, &mut want);
    *hex == want
}

/// What a run keeps from link to link.
struct Work<'a> {
    /// The members of the current link, in document order.
    members: Vec<Member<'a>>,
    layout: Layout,
    /// The members the checks read, as values, by [`savings::link_slot`].
    owned: [Option<Value>; 13],
    /// The current link's chain tail.
    tail: Vec<u8>,
    /// Always empty between links (any finding declines).
    issues: LinkIssues,
    /// The highest hash_version so far in the run.
    max_version: Option<i64>,
}

/// Scans, canonicalises and checks the link at `c` (its `{`); returns what it
/// contributes and, for a hash-bound link, the [`id_hash`] of its receipt_id. Its
/// chain tail is left in the work's `tail` for the caller's chain check.
fn link<'a>(
    c: &mut Cur<'a>,
    w: &mut Work<'a>,
    canon_out: &mut Vec<u8>,
) -> Option<(Scanned<'a>, Option<u64>)> {
    let Work {
        members,
        layout,
        owned,
        tail,
        issues,
        max_version,
    } = w;
    members.clear();
    c.object(|c, key, at| {
        members.push(Member {
            order: order_key(c.b, at, key.len()),
            key,
            val: c.value()?,
        });
        Some(())
    })?;
    layout.learn(members)?;
    canon_out.push(b'{');
    for (j, &at) in layout.sorted.iter().enumerate() {
        let Member { key: k, val: v, .. } = &members[at];
        if j > 0 {
            canon_out.push(b',');
        }
        canon_out.push(b'"');
        canon_out.extend_from_slice(k.as_bytes());
        canon_out.extend_from_slice(b"\":");
        v.write(canon_out);
    }
    canon_out.push(b'}');

    // The members the checks read, as values: updated in place from link to link,
    // so that a run of links allocates only where a value grows or changes shape.
    let mut spans: [Option<Val<'a>>; 13] = [None; 13];
    for (m, slot) in members.iter().zip(&layout.slots) {
        if let Some(s) = *slot {
            spans[s] = Some(m.val);
        }
    }
    for (o, v) in owned.iter_mut().zip(spans) {
        match v {
            Some(v) => v.assign(o),
            None => *o = None,
        }
    }
    let lv = LinkView::from_slots(owned.each_ref().map(Option::as_ref));
    // Positions only word findings, and any finding declines.
    let shape = savings::check_shape(0, &lv, issues);
    savings::check_rollback(0, &lv, shape.version, max_version, issues);
    let hv = shape.hash_version();
    savings::chain_tail(
        &savings::receipt_hash_text(owned[4].as_ref()),
        &lv,
        hv,
        tail,
    );
    // The chain check itself is the caller's (`run` pairs the hashes).
    let declared: &'a [u8; 64] = spans[5]?.str()?.as_bytes().try_into().ok()?;
    savings::check_claims(0, &lv, &shape, issues);
    if !issues.is_empty() || !matches!(shape.version, Version::Int(_)) {
        return None;
    }
    let tier = spans[6]?.str()?;
    let kry = shape.kry?;
    if let Some(sup) = spans[11].and_then(|v| v.str()) {
        if savings::is_promotion(tier, sup, kry) {
            return None;
        }
    }
    let Version::Int(version) = shape.version else {
        return None;
    };
    let target_id = spans[12]
        .and_then(|v| v.str())
        .filter(|id| !id.is_empty() && version >= 6)
        .map(id_hash);
    let out = Scanned {
        kry,
        tier,
        event_type: spans[1]?.str()?,
        seq: shape.seq?,
        declared,
    };
    Some((out, target_id))
}

/// A 64-bit hash of a receipt_id for the duplicate check: equal ids hash alike, and
/// two different ids that collide only send the attestation to the general path.
fn id_hash(id: &str) -> u64 {
    // FNV-1a, then a final mix.
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for &b in id.as_bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 33;
    h.wrapping_mul(0xff51_afd7_ed55_8ccd)
}

/// One member of a link as scanned.
struct Member<'a> {
    /// The key's first 16 bytes, big-endian, zero-padded: comparing these orders keys
    /// as bytes do unless they tie, and with the length it is the key itself for keys
    /// of at most 16 bytes.
    order: u128,
    key: &'a str,
    val: Val<'a>,
}

/// See [`Member::order`]: of the key of `len` bytes at `b[at..]`. Loads 16 bytes at
/// once where the input has them and masks off what follows the key.
#[inline]
fn order_key(b: &[u8], at: usize, len: usize) -> u128 {
    let n = len.min(16);
    let w = match b.get(at..at + 16) {
        Some(w) => u128::from_be_bytes(w.try_into().unwrap_or([0; 16])),
        None => {
            let mut w = [0u8; 16];
            w[..n].copy_from_slice(&b[at..at + n]);
            return u128::from_be_bytes(w);
        }
    };
    match n {
        0 => 0,
        16 => w,
        n => w & !(u128::MAX >> (8 * n)),
    }
}

/// The keys of the last link whose layout was worked out: links of one producer
/// repeat the same keys in the same order, so the sort and the slot lookup are done
/// once per layout rather than once per link.
#[derive(Default)]
struct Layout {
    /// Each key's [`Member::order`] and length, in document order; only layouts whose
    /// keys all have at most 16 bytes are kept (for them this identifies the keys).
    keys: Vec<(u128, usize)>,
    /// Document positions in canonical (sorted) order.
    sorted: Vec<usize>,
    /// Each member's slot in [`savings::link_slot`], in document order.
    slots: Vec<Option<usize>>,
    /// `keys` identifies the layout of `sorted` and `slots` (a layout with a key longer
    /// than 16 bytes, or none learnt yet, is never reused: fuzzing found that an
    /// uncached layout's empty `keys` matched a following empty link).
    cached: bool,
}

impl Layout {
    /// Makes `self` the layout of `members`; `None` if a key repeats.
    fn learn(&mut self, members: &[Member<'_>]) -> Option<()> {
        let same = self.cached
            && self.keys.len() == members.len()
            && self
                .keys
                .iter()
                .zip(members)
                .all(|(&(o, n), m)| o == m.order && n == m.key.len());
        if same {
            return Some(());
        }
        self.sorted.clear();
        self.sorted.extend(0..members.len());
        // CPython sorts keys by code point; for ASCII keys that is byte order.
        self.sorted.sort_unstable_by(|&a, &b| {
            let (a, b) = (&members[a], &members[b]);
            a.order.cmp(&b.order).then_with(|| a.key.cmp(b.key))
        });
        if self
            .sorted
            .windows(2)
            .any(|w| members[w[0]].key == members[w[1]].key)
        {
            self.keys.clear();
            self.cached = false;
            return None;
        }
        self.slots.clear();
        self.slots
            .extend(members.iter().map(|m| savings::link_slot(m.key)));
        self.keys.clear();
        self.cached = members.iter().all(|m| m.key.len() <= 16);
        if self.cached {
            self.keys
                .extend(members.iter().map(|m| (m.order, m.key.len())));
        }
        Some(())
    }
}

/// A scalar or an array of scalars, in place in the input.
#[derive(Clone, Copy, Debug)]
enum Val<'a> {
    /// A string of printable ASCII without escapes (its contents).
    Str(&'a str),
    /// An integer literal, normalised (`-0` is `0`).
    Int(&'a str),
    /// A literal with a fraction or exponent, as the strict parser reads it, and its
    /// text when that is already CPython's `repr` of the value (see [`repr_as_is`]).
    Float(f64, Option<&'a str>),
    Null,
    True,
    False,
    /// An array of scalars: its text from `[` to `]`.
    Array(&'a str),
}

impl<'a> Val<'a> {
    fn str(self) -> Option<&'a str> {
        match self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Appends the CPython canonical encoding (what `canon::write` writes for the
    /// same value parsed by the strict parser).
    fn write(self, out: &mut Vec<u8>) {
        match self {
            Val::Str(s) => {
                out.push(b'"');
                out.extend_from_slice(s.as_bytes());
                out.push(b'"');
            }
            Val::Int(t) => out.extend_from_slice(t.as_bytes()),
            // Finite by construction, so writing cannot fail.
            Val::Float(_, Some(text)) => out.extend_from_slice(text.as_bytes()),
            Val::Float(f, None) => {
                let _ = canon::write(&Value::Number(Number::Float(f)), Dialect::Python, out);
            }
            Val::Null => out.extend_from_slice(b"null"),
            Val::True => out.extend_from_slice(b"true"),
            Val::False => out.extend_from_slice(b"false"),
            Val::Array(text) => {
                out.push(b'[');
                for (j, v) in elements(text).enumerate() {
                    if j > 0 {
                        out.push(b',');
                    }
                    v.write(out);
                }
                out.push(b']');
            }
        }
    }

    /// Makes `slot` the value the strict parser builds for the same text, reusing what
    /// `slot` already holds where it can.
    fn assign(self, slot: &mut Option<Value>) {
        match (slot.as_mut(), self) {
            (Some(Value::String(s)), Val::Str(t)) => {
                s.clear();
                s.push_str(t);
            }
            (Some(Value::Number(Number::Int(d))), Val::Int(t)) if **d == *t => {}
            (Some(Value::Number(n)), Val::Float(f, _)) => *n = Number::Float(f),
            (Some(Value::Null), Val::Null) => {}
            (Some(Value::Array(a)), Val::Array(text)) => {
                let mut n = 0;
                for v in elements(text) {
                    match a.get_mut(n) {
                        Some(x) => {
                            let mut x1 = Some(std::mem::replace(x, Value::Null));
                            v.assign(&mut x1);
                            *x = x1.unwrap_or(Value::Null);
                        }
                        None => a.push(v.to_value()),
                    }
                    n += 1;
                }
                a.truncate(n);
            }
            _ => *slot = Some(self.to_value()),
        }
    }

    /// The value the strict parser builds for the same text.
    fn to_value(self) -> Value {
        match self {
            Val::Str(s) => Value::String(s.to_owned()),
            Val::Int(t) => Value::Number(Number::Int(t.into())),
            Val::Float(f, _) => Value::Number(Number::Float(f)),
            Val::Null => Value::Null,
            Val::True => Value::Bool(true),
            Val::False => Value::Bool(false),
            Val::Array(text) => Value::Array(elements(text).map(Val::to_value).collect()),
        }
    }
}

/// The elements of an array text the scanner accepted.
fn elements(text: &str) -> impl Iterator<Item = Val<'_>> {
    let mut c = Cur::new(text, 1);
    c.ws();
    let mut done = c.peek() == Some(b']');
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        // The text was scanned once already: each element is a scalar.
        let v = c.scalar()?;
        c.ws();
        if !c.eat(b',') {
            done = true;
        }
        c.ws();
        Some(v)
    })
}

/// How many leading bytes of `b` are printable ASCII other than `"` and `\\` (string
/// contents that need no escape in any dialect), eight at a time.
#[inline]
fn plain_len(b: &[u8]) -> usize {
    const fn splat(x: u8) -> u64 {
        (x as u64) * 0x0101_0101_0101_0101
    }
    const HI: u64 = splat(0x80);
    let zero = |x: u64| x.wrapping_sub(splat(1)) & !x & HI;
    let mut i = 0;
    while let Some(chunk) = b.get(i..i + 8) {
        let mut w8 = [0u8; 8];
        w8.copy_from_slice(chunk);
        let w = u64::from_le_bytes(w8);
        // Any byte below 0x20, at or above 0x7F (high bit, or DEL), a quote or a
        // backslash stops the word scan (false alarms only send it to the byte loop).
        let low = w.wrapping_sub(splat(0x20)) & !w & HI;
        if (low | (w & HI) | zero(w ^ splat(0x7F)) | zero(w ^ splat(b'"')) | zero(w ^ splat(b'\\')))
            != 0
        {
            break;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if !(0x20..=0x7E).contains(&c) || c == b'"' || c == b'\\' {
            break;
        }
        i += 1;
    }
    i
}

/// True if the float literal `text` (JSON grammar, with a fraction or exponent) is
/// exactly CPython's `repr` of the double it denotes, so it can be copied instead of
/// formatted: positional notation (`-?int.frac`, no exponent) with no superfluous zero
/// (the integer part has no leading zero, the fraction no trailing zero unless it is
/// the single `0` of `X.0`), at most 15 significant digits, and a magnitude that
/// `repr` writes positionally (below 1e16, and at least 1e-4 unless zero).
///
/// Why this is exact: a decimal of at most 15 significant digits survives the round
/// trip decimal -> double -> 15 digits (DBL_DIG = 15), so no other decimal of at most
/// 15 digits denotes the same double, and the shortest round-trip digits `repr` uses
/// are the literal's own digits; `repr` then writes them positionally exactly as the
/// rules above require (`1e16` and `1e-05` switch to exponents).
fn repr_as_is(text: &str) -> bool {
    let t = text.strip_prefix('-').unwrap_or(text).as_bytes();
    let Some(dot) = t.iter().position(|&c| c == b'.') else {
        return false;
    };
    let (int, frac) = (&t[..dot], &t[dot + 1..]);
    if frac.is_empty() || !frac.iter().all(u8::is_ascii_digit) {
        // An exponent (or nothing after the point, which JSON does not allow).
        return false;
    }
    if frac.len() > 1 && frac.ends_with(b"0") {
        return false;
    }
    let significant = if int == b"0" {
        let zeros = frac.iter().take_while(|&&c| c == b'0').count();
        if zeros == frac.len() {
            // 0.0 (or -0.0), which repr writes so.
            return true;
        }
        if zeros > 3 {
            return false;
        }
        frac.len() - zeros
    } else {
        if int.first() == Some(&b'0') {
            return false;
        }
        int.len() + frac.len()
    };
    significant <= 15
}

/// The powers of ten that are exact doubles.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// A cursor over the input, which is valid UTF-8 as a whole (checked once), so a
/// range between two ASCII bytes is a `str` without another validation.
struct Cur<'a> {
    t: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> Cur<'a> {
    fn new(t: &'a str, i: usize) -> Self {
        Cur {
            t,
            b: t.as_bytes(),
            i,
        }
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    #[inline]
    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    #[inline]
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.i += 1;
        }
    }

    /// An object at the cursor (its `{`): for each member, `member` gets the cursor at
    /// the value, the key and the key's offset, and must consume the value.
    fn object(
        &mut self,
        mut member: impl FnMut(&mut Self, &'a str, usize) -> Option<()>,
    ) -> Option<()> {
        if !self.eat(b'{') {
            return None;
        }
        self.ws();
        if self.eat(b'}') {
            return Some(());
        }
        loop {
            let at = self.i + 1;
            let key = self.string()?;
            self.ws();
            if !self.eat(b':') {
                return None;
            }
            self.ws();
            member(self, key, at)?;
            self.ws();
            if self.eat(b',') {
                self.ws();
                continue;
            }
            if self.eat(b'}') {
                return Some(());
            }
            return None;
        }
    }

    /// A string of printable ASCII without escapes; its contents.
    #[inline]
    fn string(&mut self) -> Option<&'a str> {
        if !self.eat(b'"') {
            return None;
        }
        let start = self.i;
        self.i += plain_len(&self.b[start..]);
        if self.peek()? != b'"' {
            return None;
        }
        let s = self.t.get(start..self.i)?;
        self.i += 1;
        Some(s)
    }

    /// A scalar, or an array of scalars.
    fn value(&mut self) -> Option<Val<'a>> {
        if self.peek() != Some(b'[') {
            return self.scalar();
        }
        let start = self.i;
        self.i += 1;
        self.ws();
        if !self.eat(b']') {
            loop {
                self.scalar()?;
                self.ws();
                if self.eat(b',') {
                    self.ws();
                    continue;
                }
                if self.eat(b']') {
                    break;
                }
                return None;
            }
        }
        Some(Val::Array(self.t.get(start..self.i)?))
    }

    fn scalar(&mut self) -> Option<Val<'a>> {
        match self.peek()? {
            b'"' => self.string().map(Val::Str),
            b'-' | b'0'..=b'9' => self.number(),
            b't' => self.word(b"true", Val::True),
            b'f' => self.word(b"false", Val::False),
            b'n' => self.word(b"null", Val::Null),
            _ => None,
        }
    }

    fn word(&mut self, w: &[u8], v: Val<'a>) -> Option<Val<'a>> {
        if self.b[self.i..].starts_with(w) {
            self.i += w.len();
            Some(v)
        } else {
            None
        }
    }

    /// A number by the JSON grammar, read as the strict parser reads it.
    fn number(&mut self) -> Option<Val<'a>> {
        let start = self.i;
        let negative = self.eat(b'-');
        let int_start = self.i;
        // The digits as an integer while they fit 15 significant digits.
        let mut m = 0u64;
        let mut significant = 0usize;
        let mut take = |c: u8, m: &mut u64| {
            if *m != 0 || c != b'0' {
                significant += 1;
            }
            if significant <= 15 {
                *m = *m * 10 + u64::from(c - b'0');
            }
        };
        match self.peek()? {
            b'0' => self.i += 1,
            b'1'..=b'9' => {
                while let Some(c @ b'0'..=b'9') = self.peek() {
                    take(c, &mut m);
                    self.i += 1;
                }
            }
            _ => return None,
        }
        let int_digits = self.i - int_start;
        let mut float = false;
        let mut frac_digits = 0;
        if self.eat(b'.') {
            float = true;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return None;
            }
            while let Some(c @ b'0'..=b'9') = self.peek() {
                take(c, &mut m);
                self.i += 1;
                frac_digits += 1;
            }
        }
        let mut exponent = false;
        if matches!(self.peek(), Some(b'e' | b'E')) {
            float = true;
            exponent = true;
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return None;
            }
            self.digits();
        }
        let text = self.t.get(start..self.i)?;
        if float {
            let f = if !exponent && significant <= 15 && frac_digits < POW10.len() {
                // Exact: m < 2^53 and 10^k (k <= 22) are doubles, and one IEEE
                // division rounds correctly, as the decimal parser does.
                let f = m as f64 / POW10[frac_digits];
                if negative {
                    -f
                } else {
                    f
                }
            } else {
                text.parse().ok()?
            };
            f.is_finite()
                .then_some(Val::Float(f, repr_as_is(text).then_some(text)))
        } else if int_digits > MAX_INT_DIGITS {
            None
        } else {
            Some(Val::Int(if text == "-0" { "0" } else { text }))
        }
    }

    #[inline]
    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Option<Vec<u8>> {
        let mut c = Cur::new(text, 0);
        let v = c.value()?;
        (c.i == text.len()).then_some(())?;
        let mut out = Vec::new();
        v.write(&mut out);
        Some(out)
    }

    #[test]
    fn scalars_canonicalise_like_the_strict_parser_and_writer() {
        for t in [
            "0",
            "-0",
            "12",
            "-12",
            "1.5",
            "1e16",
            "1E2",
            "100.0",
            "1236.8000000000002",
            "3092.0",
            "1700000000.25",
            "0.0001",
            "0.00001",
            "0.000123",
            "-0.5",
            "1.50",
            "0.0",
            "0.000",
            "123456789012345.0",
            "999999999999999.9",
            "1000000000000000.0",
            "12345678901234.56",
            "0.1",
            "0.30000000000000004",
            "-0.0",
            "5e-324",
            "true",
            "false",
            "null",
            "\"abc def\"",
            "[ 1 , 2 ]",
            "[]",
            "[ ]",
            "[1.0,\"x\",null]",
        ] {
            let want =
                canon::to_vec(&canon::parse(t.as_bytes()).unwrap(), Dialect::Python).unwrap();
            assert_eq!(one(t).as_deref(), Some(&want[..]), "{t}");
        }
    }

    #[test]
    fn floats_copied_as_written_are_exactly_repr() {
        // Every literal repr_as_is accepts must be what the writer produces; sample
        // decimals of every digit count and position around the 15-digit bound.
        let mut seen = 0;
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let digits = (state % 18 + 1) as usize;
            let mant = format!("{:018}", state >> 5);
            let mant = &mant[mant.len() - digits..];
            let point = ((state >> 40) % (digits as u64 + 5)) as usize;
            let text = if point >= digits {
                format!("0.{}{}", "0".repeat(point - digits), mant)
            } else {
                format!("{}.{}", &mant[..digits - point], &mant[digits - point..])
            };
            let text = if state & 1 == 1 {
                format!("-{text}")
            } else {
                text
            };
            let Ok(v) = canon::parse(text.as_bytes()) else {
                continue;
            };
            let want = canon::to_vec(&v, Dialect::Python).unwrap();
            let mut c = Cur::new(&text, 0);
            match (c.value(), &v) {
                (Some(Val::Float(f, _)), Value::Number(Number::Float(g))) => {
                    assert_eq!(f.to_bits(), g.to_bits(), "{text}")
                }
                other => panic!("{text}: {other:?}"),
            }
            if repr_as_is(&text) {
                seen += 1;
                assert_eq!(text.as_bytes(), &want[..], "{text}");
            }
            assert_eq!(one(&text).as_deref(), Some(&want[..]), "{text}");
        }
        assert!(seen > 10_000, "{seen}");
    }

    #[test]
    fn declines_what_it_cannot_be_sure_of() {
        for t in [
            "01",
            "1.",
            ".5",
            "-",
            "1e",
            "1e+",
            "+1",
            "NaN",
            "Infinity",
            "1e400",
            "\"a\\n\"",
            "\"\u{e9}\"",
            "\"\x7f\"",
            "\"\t\"",
            "{}",
            "[[1]]",
            "[{}]",
            "[1,]",
            "[,1]",
            "tru",
            "nul",
        ] {
            assert_eq!(one(t), None, "{t:?}");
        }
        let long = "9".repeat(MAX_INT_DIGITS + 1);
        assert_eq!(one(&long), None);
    }

    #[test]
    fn cut_points_find_link_starts() {
        let b = r#"{"links":[{"a":1} , {"a":2},{"a":"},{"}]}"#;
        assert_eq!(link_start_in(b, 0, b.len()), Some(20));
        let c = candidates(b, 10, 3);
        assert_eq!(c[0], 10);
        assert!(c.windows(2).all(|w| w[0] < w[1]));
    }
}
