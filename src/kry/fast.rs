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
use std::io::{self, Read};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex};

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
/// Bytes of links a piece holds at most, unless one link is longer: many
/// pieces per thread, so that the cores stay busy to the end and the hash trails the
/// scan by little, yet each piece's buffers stay cache-sized and reused.
pub(crate) const PIECE: usize = 1 << 20;
/// Pieces handed out and not yet joined, per worker thread: what bounds the memory.
const AHEAD_PER_THREAD: usize = 3;
/// Longest integer literal the scanner takes (longer ones go to the general path).
const MAX_INT_DIGITS: usize = 64;

/// Where an attestation's bytes come from.
pub(crate) enum Feed<'s> {
    /// All of them, in memory: pieces are borrowed from it, not copied.
    Slice(&'s [u8]),
    /// A reader (the file), read piece by piece into a few reused buffers, so that
    /// memory stays bounded and no fresh page has to be zeroed for every 4 KiB read.
    Reader(&'s mut dyn Read),
}

/// How many threads a document of `len` bytes is split between: large ones between
/// the pool's threads, unless this already is one of them (batch and gate
/// parallelise across files instead).
pub(crate) fn threads_for(len: u64) -> usize {
    if len >= canon::PARALLEL_MIN_BYTES as u64 && rayon::current_thread_index().is_none() {
        rayon::current_num_threads().clamp(1, MAX_SEGMENTS)
    } else {
        1
    }
}

/// Verifies a savings attestation given as its file's bytes into `report`, or returns
/// `None` (leaving `report` to be discarded) when the general path must decide.
pub(super) fn savings(
    file: &str,
    bytes: &[u8],
    anchor_in: Option<&SideInput>,
    report: &mut Report,
) -> Option<()> {
    let threads = threads_for(bytes.len() as u64);
    savings_with(file, bytes, anchor_in, threads, PIECE, report)
}

/// As [`savings`], with the links split between at most `threads` threads in pieces
/// of about `piece` bytes.
pub(super) fn savings_with(
    file: &str,
    bytes: &[u8],
    anchor_in: Option<&SideInput>,
    threads: usize,
    piece: usize,
    report: &mut Report,
) -> Option<()> {
    // A slice never fails to read.
    savings_stream(file, Feed::Slice(bytes), anchor_in, threads, piece, report)
        .ok()
        .flatten()
}

/// As [`savings_with`], reading the document from `feed` once, front to back; an
/// error is the reader's.
pub(super) fn savings_stream(
    file: &str,
    feed: Feed<'_>,
    anchor_in: Option<&SideInput>,
    threads: usize,
    piece: usize,
    report: &mut Report,
) -> io::Result<Option<()>> {
    // The anchor's count picks the link whose chain hash it must match; its findings
    // are recorded below, in the general path's order.
    let anchor_count = anchor_in
        .and_then(|a| anchor::parse(a, &mut Report::new(report.kind.clone(), "")))
        .map(|a| a.count);
    let Some(mut top) = Top::read(feed, threads, piece.max(1), anchor_count)? else {
        return Ok(None);
    };
    if Profile::detect(&top.doc) != Profile::Savings {
        return Ok(None);
    }
    let seal = if savings::is_sealed(&top.doc) {
        match top.seal.finish(&top.doc) {
            Some(s) => Some(s),
            None => return Ok(None),
        }
    } else {
        None
    };
    report.fact("kry_profile", Profile::Savings.name());
    let anchor: Option<Anchor> = anchor_in.and_then(|a| anchor::parse(a, report));
    let n = top.links.len();
    savings::check_envelope(file, &top.doc, n, report);
    let Some(scan) = top.links.scan(anchor.as_ref().map(|a| a.count)) else {
        return Ok(None);
    };
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
    Ok(Some(()))
}

/// The document's outer object: its members other than `links` as a tree (with
/// `links` an empty array, so the key keeps its place), the scanned links, and the
/// attestation hash hashed up to the end of the links.
struct Top {
    doc: Object,
    links: Links,
    seal: Seal,
}

impl Top {
    /// Reads the document from `feed`: the members before `links` (read until they are
    /// whole), the links in pieces, and whatever follows the links' `]`.
    fn read(
        feed: Feed<'_>,
        threads: usize,
        piece: usize,
        anchor: Option<u64>,
    ) -> io::Result<Option<Top>> {
        let mut win = Window::new(feed, piece);
        win.more(piece)?;
        let (mut members, first) = loop {
            if let Some(p) = valid_prefix(win.bytes()).and_then(prefix) {
                break p;
            }
            // A member cut off by the window's end, or a document this path does
            // not take: only the whole text tells, so read on (doubling).
            let n = win.bytes().len().max(piece);
            if !win.more(n)? {
                return Ok(None);
            }
        };
        let head = win.take(first);
        win.recycle(head);
        let mut seal = Seal::start(&members);
        let (links, rest) = if win.bytes().first() == Some(&b']') {
            // No links: everything after the `]` is the rest of the document.
            while win.more(piece)? {}
            let all = win.take(win.bytes().len());
            (Links::default(), all.bytes()[1..].to_vec())
        } else {
            match Links::read(&mut win, &mut seal, threads, anchor)? {
                Some(r) => r,
                None => return Ok(None),
            }
        };
        members.push(("links".to_owned(), Value::Array(Vec::new())));
        let Ok(rest) = std::str::from_utf8(&rest) else {
            return Ok(None);
        };
        if after_links(rest, &mut members).is_none() {
            return Ok(None);
        }
        Ok(Object::from_entries(members)
            .ok()
            .map(|doc| Top { doc, links, seal }))
    }
}

/// The longest prefix of `w` that may be the start of a UTF-8 text: all of it, or all
/// but a character cut off at its end; `None` if it is not UTF-8 at all.
fn valid_prefix(w: &[u8]) -> Option<&str> {
    match std::str::from_utf8(w) {
        Ok(t) => Some(t),
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&w[..e.valid_up_to()]).ok(),
        Err(_) => None,
    }
}

/// The members of the outer object before `links`, and the offset of the array's
/// first link (or of its `]` when empty); `None` if `t` does not reach them (it may
/// be cut short) or the document is not one this path takes.
fn prefix(t: &str) -> Option<(Vec<(String, Value)>, usize)> {
    let mut c = Cur::new(t, 0);
    c.ws();
    if !c.eat(b'{') {
        return None;
    }
    c.ws();
    let mut members = Vec::new();
    loop {
        let key = c.string()?;
        c.ws();
        if !c.eat(b':') {
            return None;
        }
        c.ws();
        if key == "links" {
            if !c.eat(b'[') {
                return None;
            }
            c.ws();
            return matches!(c.peek(), Some(b'{' | b']')).then_some((members, c.i));
        }
        let (v, end) = canon::value_at(c.b, c.i, 1).ok()?;
        c.i = end;
        members.push((key.to_owned(), v));
        c.ws();
        // A `}` here is a document without links (the general path's).
        if !c.eat(b',') {
            return None;
        }
        c.ws();
    }
}

/// Adds the members after the links' `]` (`t` is the rest of the document) to
/// `members`; `None` unless `t` ends the outer object and nothing but whitespace
/// follows it, or if `links` repeats.
fn after_links(t: &str, members: &mut Vec<(String, Value)>) -> Option<()> {
    let mut c = Cur::new(t, 0);
    loop {
        c.ws();
        if c.eat(b'}') {
            c.ws();
            return (c.i == t.len()).then_some(());
        }
        if !c.eat(b',') {
            return None;
        }
        c.ws();
        let key = c.string()?;
        if key == "links" {
            return None;
        }
        c.ws();
        if !c.eat(b':') {
            return None;
        }
        c.ws();
        let (v, end) = canon::value_at(c.b, c.i, 1).ok()?;
        c.i = end;
        members.push((key.to_owned(), v));
    }
}

/// A piece of the document: borrowed from a slice feed, or a reader's buffer.
enum Text<'s> {
    Borrowed(&'s [u8]),
    Owned(Vec<u8>),
}

impl Text<'_> {
    fn bytes(&self) -> &[u8] {
        match self {
            Text::Borrowed(b) => b,
            Text::Owned(v) => v,
        }
    }
}

/// The part of the document read and not yet handed out, at the front of the rest.
struct Window<'s> {
    feed: Feed<'s>,
    /// For a slice: the window is `slice[at..end]`.
    at: usize,
    end: usize,
    /// For a reader: the window is `buf`.
    buf: Vec<u8>,
    eof: bool,
    piece: usize,
    /// Buffers of pieces already scanned, for the next reads.
    pool: Vec<Vec<u8>>,
}

impl<'s> Window<'s> {
    fn new(feed: Feed<'s>, piece: usize) -> Self {
        Window {
            feed,
            at: 0,
            end: 0,
            buf: Vec::new(),
            eof: false,
            piece,
            pool: Vec::new(),
        }
    }

    fn bytes(&self) -> &[u8] {
        match &self.feed {
            Feed::Slice(s) => &s[self.at..self.end],
            Feed::Reader(_) => &self.buf,
        }
    }

    /// Extends the window by up to `n` bytes; false if nothing was left to read.
    fn more(&mut self, n: usize) -> io::Result<bool> {
        match &mut self.feed {
            Feed::Slice(s) => {
                let to = self.end.saturating_add(n).min(s.len());
                let grew = to > self.end;
                self.end = to;
                Ok(grew)
            }
            Feed::Reader(r) => {
                if self.eof {
                    return Ok(false);
                }
                // Reads into the buffer's spare room without zeroing it first; fewer
                // than `n` bytes only at the end of the input.
                let n = n as u64;
                let got = (&mut **r).take(n).read_to_end(&mut self.buf)? as u64;
                self.eof = got < n;
                Ok(got > 0)
            }
        }
    }

    /// Hands out the window's first `n` bytes.
    fn take(&mut self, n: usize) -> Text<'s> {
        match &self.feed {
            Feed::Slice(s) => {
                let s: &'s [u8] = s;
                let t = &s[self.at..self.at + n];
                self.at += n;
                Text::Borrowed(t)
            }
            Feed::Reader(_) => {
                let mut next = self
                    .pool
                    .pop()
                    .unwrap_or_else(|| Vec::with_capacity(2 * self.piece));
                next.clear();
                next.extend_from_slice(&self.buf[n..]);
                let mut t = std::mem::replace(&mut self.buf, next);
                t.truncate(n);
                Text::Owned(t)
            }
        }
    }

    /// Takes back a piece's buffer for later reads.
    fn recycle(&mut self, t: Text<'_>) {
        if let Text::Owned(v) = t {
            self.pool.push(v);
        }
    }

    /// The next piece of links, from the window's start (a link's `{`): up to the
    /// last link start (see [`last_cut`]) in the next `piece` bytes (or more, up to
    /// the first one, where a link is longer), or all that is left at the end of the
    /// input; `None` when nothing is left.
    fn cut(&mut self) -> io::Result<Option<Text<'s>>> {
        let mut from = 1;
        loop {
            let w = self.bytes();
            if w.len() >= self.piece {
                if let Some(at) = last_cut(w, from) {
                    return Ok(Some(self.take(at)));
                }
                // A cut found later ends in the bytes read next.
                from = w.len().max(1);
            }
            if !self.more(self.piece)? {
                let n = self.bytes().len();
                return Ok((n > 0).then(|| self.take(n)));
            }
        }
    }
}

/// The offset of the last `{` at or after `from` that follows a `}` and a comma (JSON
/// whitespace allowed between): where the next link starts, unless those bytes are
/// inside a string, which the scan of the piece before then finds (see [`run`]).
fn last_cut(w: &[u8], from: usize) -> Option<usize> {
    let mut i = w.len();
    while i > from {
        i -= 1;
        if w[i] != b'{' {
            continue;
        }
        let mut j = i;
        let back = |j: &mut usize| {
            while *j > 0 && matches!(w[*j - 1], b' ' | b'\n' | b'\r' | b'\t') {
                *j -= 1;
            }
        };
        back(&mut j);
        if j == 0 || w[j - 1] != b',' {
            continue;
        }
        j -= 1;
        back(&mut j);
        if j > 0 && w[j - 1] == b'}' {
            return Some(i);
        }
    }
    None
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
struct LinkOut {
    kry: f64,
    /// The link's tier, as an index into its run's [`Seg::tiers`].
    tier: u32,
}

/// The links of one piece, scanned.
struct Seg {
    links: Vec<LinkOut>,
    /// The run's tiers, in order of first appearance.
    tiers: Vec<String>,
    /// Canonical bytes of the links, joined by commas (with a leading comma unless
    /// this is the first piece), not yet handed to the hash.
    canon: Vec<u8>,
    /// The chain tail of the first link, whose predecessor belongs to the previous
    /// piece (empty for the first piece, whose chain starts at genesis).
    first_tail: Vec<u8>,
    first_declared: [u8; 64],
    last_declared: [u8; 64],
    first_version: i64,
    last_version: i64,
    event_counts: BTreeMap<String, u64>,
    /// [`id_hash`] of the receipt_id of every hash-bound link (hash_version >= 6,
    /// non-empty id), sorted.
    ids: Vec<u64>,
    /// The declared chain hash of the piece's first link whose seq is the anchor's
    /// count.
    anchor: Option<[u8; 64]>,
    /// Where the links' `]` ended this piece, if it did.
    closed: Option<usize>,
}

/// All links, in order: the runs' links one after the other (not copied into one).
#[derive(Default)]
struct Links {
    /// Each run's links and tiers.
    runs: Vec<(Vec<LinkOut>, Vec<String>)>,
    /// Every run's sorted receipt_id hashes, concatenated.
    ids: Vec<u64>,
    event_counts: BTreeMap<String, u64>,
    /// The declared chain hash of the first link whose seq is the anchor's count.
    anchor: Option<[u8; 64]>,
    /// The last link's declared chain hash.
    head: Option<[u8; 64]>,
}

/// A piece handed to a worker: its index, text, and a buffer for its canonical bytes.
type Job<'s> = (usize, Text<'s>, Vec<u8>);
/// A worker's answer: the piece's index, its text (for the rest of the document and
/// the buffer's reuse) and its scan.
type Done<'s> = (usize, Text<'s>, Option<Seg>);

impl Links {
    /// Scans the links from the window's start (the first link's `{`) to the array's
    /// `]`, hashing their canonical bytes into `seal`; returns them and the rest of the
    /// document after the `]`.
    ///
    /// The window is cut into pieces at link starts ([`Window::cut`]). On one thread
    /// each piece is scanned as it is cut, its canonical bytes hashed as they are
    /// written. Otherwise worker threads take the pieces in order while this thread
    /// reads and cuts ahead (at most [`AHEAD_PER_THREAD`] pieces per worker), and joins
    /// and hashes the pieces in order as they come back ([`Join`]): the hash trails the
    /// scan by about one piece, whatever the relative speed of scanning and hashing.
    fn read(
        win: &mut Window<'_>,
        seal: &mut Seal,
        threads: usize,
        anchor: Option<u64>,
    ) -> io::Result<Option<(Links, Vec<u8>)>> {
        let mut join = Join::default();
        if threads <= 1 {
            let never = AtomicUsize::new(usize::MAX);
            let mut canon = Vec::new();
            while let Some(text) = win.cut()? {
                let k = join.next;
                join.next += 1;
                if join.closed {
                    join.rest.extend_from_slice(text.bytes());
                    win.recycle(text);
                    join.done += 1;
                    continue;
                }
                let mut emit = |buf: &mut Vec<u8>| {
                    seal.h.put(buf);
                    buf.clear();
                };
                let seg = std::str::from_utf8(text.bytes()).ok().and_then(|t| {
                    run(
                        t,
                        k,
                        &never,
                        Some(&mut emit),
                        std::mem::take(&mut canon),
                        anchor,
                    )
                });
                if join.accept(k, text, seg, seal, win).is_none() {
                    return Ok(None);
                }
                canon = join.spare.pop().unwrap_or_default();
            }
            return Ok(join.end());
        }
        // The lowest index of a piece that failed: the pieces after it are of no use
        // (before the `]` any failure declines; after it, they are not links).
        let cancel = AtomicUsize::new(usize::MAX);
        let (jobs_tx, jobs_rx) = mpsc::channel::<Job<'_>>();
        let jobs_rx = Mutex::new(jobs_rx);
        let (done_tx, done_rx) = mpsc::channel::<Done<'_>>();
        let out = std::thread::scope(|sc| {
            let mut workers = Vec::new();
            for _ in 0..threads {
                let (jobs_rx, done_tx, cancel) = (&jobs_rx, done_tx.clone(), &cancel);
                let spawned = std::thread::Builder::new().spawn_scoped(sc, move || loop {
                    let job = match jobs_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    // The channel closes when the joining thread has decided.
                    let Ok((k, text, canon)) = job else { return };
                    let seg = if cancel.load(Ordering::Relaxed) <= k {
                        None
                    } else {
                        std::str::from_utf8(text.bytes())
                            .ok()
                            .and_then(|t| run(t, k, cancel, None, canon, anchor))
                    };
                    if seg.is_none() {
                        cancel.fetch_min(k, Ordering::Relaxed);
                    }
                    if done_tx.send((k, text, seg)).is_err() {
                        return;
                    }
                });
                match spawned {
                    Ok(h) => workers.push(h),
                    // Fewer workers take more pieces each.
                    Err(_) => break,
                }
            }
            drop(done_tx);
            if workers.is_empty() {
                return Ok(None);
            }
            let limit = workers.len() * AHEAD_PER_THREAD;
            let out = (|| {
                let mut eof = false;
                loop {
                    while !eof && join.next - join.done < limit {
                        match win.cut()? {
                            // After the `]`, the rest is only gathered.
                            Some(text) if join.closed && join.next == join.done => {
                                join.rest.extend_from_slice(text.bytes());
                                win.recycle(text);
                                join.next += 1;
                                join.done += 1;
                            }
                            Some(text) => {
                                let canon = join.spare.pop().unwrap_or_default();
                                if jobs_tx.send((join.next, text, canon)).is_err() {
                                    return Ok(None);
                                }
                                join.next += 1;
                            }
                            None => eof = true,
                        }
                    }
                    if join.done == join.next {
                        return Ok(join.end());
                    }
                    let Ok((k, text, seg)) = done_rx.recv() else {
                        return Ok(None);
                    };
                    if join.accept(k, text, seg, seal, win).is_none() {
                        return Ok(None);
                    }
                }
            })();
            // Decided either way: pieces still being scanned are of no use.
            cancel.store(0, Ordering::Relaxed);
            drop(jobs_tx);
            for w in workers {
                w.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
            }
            out
        });
        drop(done_rx);
        out
    }

    /// Appends a run's links, receipt_id hashes and event counts.
    fn push(&mut self, mut seg: Seg) {
        for (e, n) in std::mem::take(&mut seg.event_counts) {
            *self.event_counts.entry(e).or_insert(0) += n;
        }
        self.ids.extend_from_slice(&seg.ids);
        if self.anchor.is_none() {
            self.anchor = seg.anchor;
        }
        self.head = Some(seg.last_declared);
        self.runs.push((seg.links, seg.tiers));
    }

    fn len(&self) -> usize {
        self.runs.iter().map(|r| r.0.len()).sum()
    }

    /// The scan the general path would have made of these links (all of which passed
    /// their own checks), or `None` if a receipt_id may repeat. Without promotions
    /// (declined earlier) the targets only serve that duplicate check, so the scan
    /// carries none.
    fn scan(&mut self, anchor_count: Option<u64>) -> Option<Scan<'_>> {
        // Sorted runs one after the other: the stable sort merges them in linear time.
        self.ids.sort();
        if self.ids.windows(2).any(|w| w[0] == w[1]) {
            return None;
        }
        let mut total = 0.0;
        let mut tiers = TierTotals::default();
        for (links, names) in &self.runs {
            // A run's tiers first appear in the order of its table, after the tiers of
            // the runs before it: entering them now keeps first-appearance order.
            let slots: Vec<usize> = names.iter().map(|t| tiers.slot(t)).collect();
            for l in links {
                // Sums in link order, as the general path adds them.
                total += l.kry;
                tiers.add_at(*slots.get(l.tier as usize)?, l.kry);
            }
        }
        Some(Scan {
            total,
            tiers,
            event_counts: self
                .event_counts
                .iter()
                .map(|(k, &n)| (k.as_str(), n))
                .collect(),
            head: self.head.unwrap_or(GENESIS_BYTES),
            targets: Targets::default(),
            promotions: Vec::new(),
            anchor_link: self
                .anchor
                .filter(|_| anchor_count.is_some())
                .map(|d| Some(String::from_utf8_lossy(&d).into_owned())),
            links: self.len(),
        })
    }
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

/// Joins the scanned pieces in order: each must continue the versions and extend the
/// chain of the piece before it; their canonical bytes go to the hash, and the text
/// after the links' `]` is gathered.
#[derive(Default)]
struct Join<'s> {
    /// Pieces handed out, and pieces joined.
    next: usize,
    done: usize,
    /// Pieces that came back before the ones before them.
    ready: BTreeMap<usize, (Text<'s>, Option<Seg>)>,
    /// The last joined piece's last hash_version and declared chain hash.
    before: Option<(i64, [u8; 64])>,
    closed: bool,
    /// The document after the links' `]`.
    rest: Vec<u8>,
    /// Canonical-bytes buffers of hashed pieces, for the next pieces.
    spare: Vec<Vec<u8>>,
    links: Links,
}

impl<'s> Join<'s> {
    /// Takes piece `k` back and joins every piece now in order; `None` declines.
    fn accept(
        &mut self,
        k: usize,
        text: Text<'s>,
        seg: Option<Seg>,
        seal: &mut Seal,
        win: &mut Window<'s>,
    ) -> Option<()> {
        self.ready.insert(k, (text, seg));
        while let Some((text, seg)) = self.ready.remove(&self.done) {
            self.done += 1;
            if self.closed {
                // Past the links: whatever the scan made of it, it is the rest.
                self.rest.extend_from_slice(text.bytes());
                win.recycle(text);
                continue;
            }
            let mut seg = seg?;
            if let Some((version, declared)) = self.before {
                if seg.first_version < version
                    || savings::hash_tail(&declared, &seg.first_tail) != seg.first_declared
                {
                    return None;
                }
            }
            seal.h.put(&seg.canon);
            self.spare.push(std::mem::take(&mut seg.canon));
            self.before = Some((seg.last_version, seg.last_declared));
            if let Some(end) = seg.closed {
                self.closed = true;
                self.rest = text.bytes()[end..].to_vec();
            }
            win.recycle(text);
            self.links.push(seg);
        }
        Some(())
    }

    /// The links and the rest of the document, once every piece is joined; `None` if
    /// the links' `]` never came.
    fn end(self) -> Option<(Links, Vec<u8>)> {
        self.closed.then_some((self.links, self.rest))
    }
}

/// Takes a run's canonical bytes so far (and may leave the buffer empty).
type Emit<'e> = dyn FnMut(&mut Vec<u8>) + 'e;

/// Canonical bytes a run on the calling thread hands over to the attestation hash at
/// a time.
const CHUNK: usize = 1 << 20;

/// Scans the links of piece `k`, whose text `t` starts at a link's `{`, until the
/// links' `]` or the end of the piece, which must come right after a comma between
/// links (whitespace allowed). The first piece's chain starts at genesis; the others
/// keep their first link's chain tail for the join. The canonical bytes go to `canon`
/// (a buffer to reuse); with `emit`, they are handed to it whenever a chunk's worth has
/// gathered; without, they are kept whole in the run.
///
/// A piece cut at a `{` that was not a link's start (inside a string) is never taken
/// for links: the piece before it started at a link (by induction from the first), so
/// its scan is the true reading of the text, which at that cut is inside a link, not
/// between links; the scan fails there. `None` if any link is in doubt or fails a
/// rule; a `cancel` at or below `k` stops it early.
fn run(
    t: &str,
    k: usize,
    cancel: &AtomicUsize,
    mut emit: Option<&mut Emit>,
    mut canon: Vec<u8>,
    anchor: Option<u64>,
) -> Option<Seg> {
    let mut seg = Seg {
        links: Vec::with_capacity(t.len() / 256),
        tiers: Vec::new(),
        canon: {
            // Canonical text is about as long as the indented text it comes from.
            canon.clear();
            canon.reserve(if emit.is_some() { CHUNK * 2 } else { t.len() });
            if k > 0 {
                canon.push(b',');
            }
            canon
        },
        first_tail: Vec::new(),
        first_declared: [0; 64],
        last_declared: [0; 64],
        first_version: 0,
        last_version: 0,
        event_counts: BTreeMap::new(),
        ids: Vec::with_capacity(t.len() / 256),
        anchor: None,
        closed: None,
    };
    let mut prev: Option<&[u8; 64]> = (k == 0).then_some(&GENESIS_BYTES);
    let mut c = Cur::new(t, 0);
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
    let mut pend: Option<(&[u8; 64], &[u8; 64])> = None;
    let mut pend_tail: Vec<u8> = Vec::with_capacity(512);
    let mut digests: Vec<[u8; 32]> = Vec::with_capacity(2);
    loop {
        if seg.links.len() % 1024 == 1023 && cancel.load(Ordering::Relaxed) <= k {
            return None;
        }
        if !seg.links.is_empty() {
            seg.canon.push(b',');
        }
        let (out, target_id) = link(&mut c, &mut w, &mut seg.canon)?;
        if seg.links.is_empty() {
            seg.first_version = w.max_version?;
            seg.first_declared = *out.declared;
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
        if anchor == Some(out.seq) && seg.anchor.is_none() {
            seg.anchor = Some(*out.declared);
        }
        match seg.event_counts.get_mut(out.event_type) {
            Some(n) => *n += 1,
            None => {
                seg.event_counts.insert(out.event_type.to_owned(), 1);
            }
        }
        if let Some(id) = target_id {
            seg.ids.push(id);
        }
        let tier = match seg.tiers.iter().position(|t| t == out.tier) {
            Some(i) => i,
            None => {
                seg.tiers.push(out.tier.to_owned());
                seg.tiers.len() - 1
            }
        };
        seg.links.push(LinkOut {
            kry: out.kry,
            tier: u32::try_from(tier).ok()?,
        });
        c.ws();
        if c.eat(b']') {
            seg.closed = Some(c.i);
            break;
        }
        if !c.eat(b',') {
            return None;
        }
        c.ws();
        if c.i == t.len() {
            break;
        }
        if c.peek() != Some(b'{') {
            return None;
        }
    }
    if let Some((p, d)) = pend {
        if savings::hash_tail(p, &pend_tail) != *d {
            return None;
        }
    }
    seg.last_declared = *prev?;
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
    let start = c.i;
    if layout.expect(c, members).is_none() {
        c.i = start;
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
    }
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
    /// The keys of the layout learnt last, each quoted as in the text (`"seq"`), in
    /// document order; empty when none is known.
    quoted: Vec<Vec<u8>>,
}

impl Layout {
    /// Scans the link at `c` (its `{`) into `members` if it has exactly the keys of
    /// the layout learnt last, in the same order: each key is then matched as bytes
    /// rather than scanned, and `sorted` and `slots` hold as they are. `None` (with
    /// `c` and `members` to be reset) if it does not, or if anything else in it is not
    /// what [`Cur::object`] accepts; the caller then scans the link the general way.
    /// The grammar is [`Cur::object`]'s: `{`, members separated by commas, `}`, with
    /// whitespace around each token; a quoted key that matches is what
    /// [`Cur::string`] reads there (keys are printable ASCII without quotes).
    fn expect<'a>(&self, c: &mut Cur<'a>, members: &mut Vec<Member<'a>>) -> Option<()> {
        let last = self.quoted.len().checked_sub(1)?;
        if !c.eat(b'{') {
            return None;
        }
        for (j, q) in self.quoted.iter().enumerate() {
            c.ws();
            let at = c.i;
            if c.b.get(at..at + q.len())? != q.as_slice() {
                return None;
            }
            let key = c.t.get(at + 1..at + q.len() - 1)?;
            c.i = at + q.len();
            c.ws();
            if !c.eat(b':') {
                return None;
            }
            c.ws();
            let val = c.value()?;
            members.push(Member { order: 0, key, val });
            c.ws();
            if !c.eat(if j == last { b'}' } else { b',' }) {
                return None;
            }
        }
        Some(())
    }

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
            self.quoted.clear();
            return None;
        }
        self.quoted.clear();
        self.quoted.extend(members.iter().map(|m| {
            let mut q = Vec::with_capacity(m.key.len() + 2);
            q.push(b'"');
            q.extend_from_slice(m.key.as_bytes());
            q.push(b'"');
            q
        }));
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
    #[inline(always)]
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

    #[inline(always)]
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
        let m_first_zero = match self.peek()? {
            b'0' => {
                self.i += 1;
                true
            }
            b'1'..=b'9' => {
                while let Some(c @ b'0'..=b'9') = self.peek() {
                    take(c, &mut m);
                    self.i += 1;
                }
                false
            }
            _ => return None,
        };
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
            // `repr_as_is(text)`, from what the scan counted (a leading zero can only
            // be the `0` of `0.x`, after which `significant` skips the fraction's
            // leading zeros).
            let int_zero = int_digits == 1 && m_first_zero;
            let as_is = !exponent
                && (frac_digits == 1 || self.b[self.i - 1] != b'0')
                && significant <= 15
                && !(int_zero && significant > 0 && frac_digits - significant > 3);
            debug_assert_eq!(as_is, repr_as_is(text), "{text}");
            f.is_finite()
                .then_some(Val::Float(f, as_is.then_some(text)))
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
        let b = br#"{"a":1} , {"a":2},{"a":"},{"},
 {"a":3}]}"#;
        // The last `}` `,` `{` (whitespace between) at or after `from`, never at 0;
        // 26 is inside a string, which only the scan of the piece before it can tell.
        assert_eq!(last_cut(b, 1), Some(32));
        assert_eq!(last_cut(&b[..32], 1), Some(26));
        assert_eq!(last_cut(&b[..26], 1), Some(18));
        assert_eq!(last_cut(&b[..18], 1), Some(10));
        assert_eq!(last_cut(&b[..10], 1), None);
        assert_eq!(last_cut(b, 33), None);
        assert_eq!(last_cut(b"{", 0), None);
    }

    #[test]
    fn pieces_are_cut_at_link_starts_and_rejoin_to_the_input() {
        let doc: Vec<u8> = (0..200)
            .flat_map(|i| format!("{{\"a\":{i},\"b\":[1, 2]}},\n  ").into_bytes())
            .chain(b"{}]}".iter().copied())
            .collect();
        for piece in [1, 2, 7, 64, 1000, 1 << 20] {
            for streamed in [false, true] {
                let mut r: &[u8] = &doc;
                let feed = if streamed {
                    Feed::Reader(&mut r)
                } else {
                    Feed::Slice(&doc)
                };
                let mut win = Window::new(feed, piece);
                let mut joined = Vec::new();
                let mut pieces = 0;
                while let Some(t) = win.cut().expect("read") {
                    let t = t.bytes().to_vec();
                    assert_eq!(t[0], b'{', "{piece}");
                    if joined.len() + t.len() < doc.len() {
                        let end = t.trim_ascii_end();
                        assert_eq!(end.last(), Some(&b','), "{piece}");
                    }
                    joined.extend_from_slice(&t);
                    pieces += 1;
                }
                assert_eq!(joined, doc);
                if piece <= 7 {
                    assert_eq!(pieces, 201, "{piece}");
                }
            }
        }
    }
}
