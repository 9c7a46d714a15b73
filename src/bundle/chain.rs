//! The trace chain, replayed line by line as `payload/trace_events.jsonl` streams.
//!
//! Every check except the event-hash recomputation is independent of the canonical
//! dialect. The recomputation needs the manifest's dialect; when the archive delivers
//! the trace before the manifest, the chain is hashed under all three dialects at
//! once and the tally of the declared one is reported at the end (see SPEC.md §6.3).

use std::io::Read;

use super::anchors::AnchorSeq;
use super::fields;
use super::grammar::{EventType, Grammar};
use super::Code;
use crate::canon::shape::Shapes;
use crate::canon::{self, Dialect, Object, Value};
use crate::container::lines::{LineMeta, MAX_LINE};
use crate::crypto::hash::parse_hex32_bytes;
use crate::crypto::lanes;
use crate::verdict::{Report, Subject, MAX_FINDINGS_PER_CODE};

/// Path of the trace chain.
pub const TRACE_PATH: &str = "payload/trace_events.jsonl";

/// Hash-recomputation failures under one dialect, held until the dialect is known.
#[derive(Clone, Debug)]
struct Tally {
    dialect: Dialect,
    failures: Vec<(crate::verdict::Code, Subject, String)>,
    count: u64,
}

/// What the rest of the bundle needs from the chain.
#[derive(Clone, Debug, Default)]
pub struct ChainSummary {
    /// Events read (valid or not).
    pub count: u64,
    /// The last line's `event_hash` as written.
    pub final_hash: Option<[u8; 32]>,
    /// The first event's `trace_id`.
    pub trace_id: Option<String>,
    /// `data` of the `req_seen` event (seq 0), with its line.
    pub req_seen: Option<(Object, u64)>,
    /// `data` of the `trace_finalizing` event, with its line.
    pub finalizing: Option<(Object, u64)>,
    /// The decision event, if any.
    pub decision: Option<EventType>,
    /// Event hashes in chain order (exact up to a cap), for the story.
    pub anchors: AnchorSeq,
}

/// Streams and checks the chain.
pub struct ChainVerifier {
    tallies: Vec<Tally>,
    next_seq: u64,
    prev: Option<[u8; 32]>,
    /// Whether the first event's `trace_id` (`summary.trace_id`) is a lowercase UUID.
    trace_id_uuid: bool,
    grammar: Grammar,
    /// The summary built while streaming.
    pub summary: ChainSummary,
}

impl ChainVerifier {
    /// A verifier hashing under `dialect`, or under all three when `None`.
    pub fn new(dialect: Option<Dialect>) -> Self {
        let ds = match dialect {
            Some(d) => vec![d],
            None => vec![Dialect::CanonicalJson, Dialect::Python, Dialect::Jcs],
        };
        ChainVerifier {
            tallies: ds
                .into_iter()
                .map(|dialect| Tally {
                    dialect,
                    failures: Vec::new(),
                    count: 0,
                })
                .collect(),
            next_seq: 0,
            prev: None,
            trace_id_uuid: false,
            grammar: Grammar::new(),
            summary: ChainSummary::default(),
        }
    }

    /// Reads the whole chain from `r`. Lines are parsed and hashed in batches on the
    /// rayon pool ([`prepare_lines`]); the checks that link an event to the ones before it
    /// run one event at a time in line order ([`ChainVerifier::event`]), so the findings
    /// are the same for any number of threads.
    pub fn stream(&mut self, r: &mut dyn Read, report: &mut Report) -> std::io::Result<()> {
        let dialects: Vec<Dialect> = self.tallies.iter().map(|t| t.dialect).collect();
        crate::container::lines::pipeline_chunks(
            r,
            MAX_LINE,
            || Shapes::new(&EVENT_KEYS, EVENT_HEX_MASK),
            |shapes, chunk, out| prepare_lines(shapes, chunk.iter(), &dialects, out),
            |line, meta, p| {
                let subj = || Subject::file(TRACE_PATH).line(meta.no);
                if meta.too_long {
                    report.fail(
                        Code::TraceLineInvalid,
                        subj(),
                        format!("line longer than {MAX_LINE} bytes"),
                    );
                    self.skip_event();
                    return;
                }
                if !meta.terminated {
                    report.fail(
                        Code::TraceLineInvalid,
                        subj(),
                        "last line does not end with a line feed",
                    );
                }
                self.event(line, meta.no, p, report);
            },
        )
    }

    /// Counts an unreadable line as an event whose links cannot be checked.
    fn skip_event(&mut self) {
        self.summary.count += 1;
        self.next_seq += 1;
        self.prev = None;
        self.summary.final_hash = None;
    }

    /// The checks of one event that depend on the events before it, in line order.
    fn event(&mut self, line: &[u8], no: u64, p: Prepared, report: &mut Report) {
        let subj = || Subject::file(TRACE_PATH).line(no);
        let boxed;
        let (seq, trace_id, uuid, ty, prev_hash, event_hash, hashes) = match p {
            Prepared::Unusable(code, msg) => {
                report.fail(code, subj(), msg);
                self.skip_event();
                return;
            }
            Prepared::Fast(f) => {
                // The spans lie inside the line (the fast path took them from it); on
                // doubt, the line is unusable (fail closed).
                let ty = match f.ty {
                    Ok(t) => Some(Ok(t)),
                    Err(s) => span(line, s).map(Err),
                };
                let (Some(trace_id), Some(ty)) = (span(line, f.trace_id), ty) else {
                    report.fail(Code::TraceLineInvalid, subj(), "internal: bad field span");
                    self.skip_event();
                    return;
                };
                // Whether trace_id is a UUID: below, reusing the first event's
                // answer when it is the same id (most events).
                (f.seq, trace_id, None, ty, f.prev_hash, f.event_hash, None)
            }
            Prepared::Event(e) => {
                boxed = e;
                let Event {
                    seq,
                    ref trace_id,
                    uuid,
                    ref ty,
                    prev_hash,
                    event_hash,
                    ref hashes,
                } = *boxed;
                let ty = ty.as_ref().map(|t| *t).map_err(|s| s.as_bytes());
                (
                    seq,
                    trace_id.as_bytes(),
                    Some(uuid),
                    ty,
                    prev_hash,
                    event_hash,
                    Some(hashes),
                )
            }
        };
        let same_id = same_id(&self.summary.trace_id, trace_id);
        let uuid = match (uuid, same_id) {
            (Some(u), _) => u,
            (None, Some(true)) => self.trace_id_uuid,
            (None, _) => fields::is_uuid_bytes(trace_id),
        };
        if !uuid {
            report.fail(
                Code::TraceLineInvalid,
                subj().field("trace_id"),
                "trace_id is not a lowercase UUID",
            );
        }
        // seq contiguous from 0.
        if seq != self.next_seq {
            report.fail(
                Code::TraceSeqGap,
                subj().field("seq"),
                format!("seq {seq} where {} was expected", self.next_seq),
            );
        }
        self.next_seq = seq.saturating_add(1);
        // prev_hash links (both are 64 lowercase hex digits as written, so comparing
        // the decoded digests compares the strings).
        if self.summary.count == 0 {
            if prev_hash != [0u8; 32] {
                report.fail(
                    Code::TraceGenesis,
                    subj().field("prev_hash"),
                    "first event's prev_hash is not the genesis value (64 zeros)",
                );
            }
        } else if let Some(p) = &self.prev {
            if prev_hash != *p {
                report.fail(
                    Code::TracePrevHash,
                    subj().field("prev_hash"),
                    format!(
                        "prev_hash {} is not the previous event_hash {}",
                        hex::encode(prev_hash),
                        hex::encode(p)
                    ),
                );
            }
        }
        // event_hash recomputed under each candidate dialect.
        for (t, h) in self.tallies.iter_mut().zip(hashes.into_iter().flatten()) {
            let Some((code, msg)) = h else { continue };
            t.count += 1;
            if t.failures.len() < MAX_FINDINGS_PER_CODE {
                t.failures
                    .push((*code, subj().field("event_hash"), msg.clone()));
            }
        }
        // trace_id constant within the chain (compared with the manifest at the end).
        // (Both paths hold UTF-8 here: a tree string, or printable ASCII on the fast
        // path, so the lossy conversion is the exact text.)
        match &self.summary.trace_id {
            None => {
                self.summary.trace_id = Some(String::from_utf8_lossy(trace_id).into_owned());
                self.trace_id_uuid = uuid;
            }
            Some(t) if same_id == Some(false) => report.fail(
                Code::TraceIdMismatch,
                subj().field("trace_id"),
                format!(
                    "trace_id {} differs from the first event's {t}",
                    String::from_utf8_lossy(trace_id)
                ),
            ),
            Some(_) => {}
        }
        // Type and grammar.
        match ty {
            Err(ty) => report.fail(
                Code::TraceEventTypeUnknown,
                subj().field("type"),
                format!("unknown event type {:?}", String::from_utf8_lossy(ty)),
            ),
            Ok(t) => {
                if let Err(m) = self.grammar.step(t) {
                    report.fail(Code::TraceGrammar, subj().field("type"), m);
                }
                match t {
                    EventType::ReqSeen if self.summary.req_seen.is_none() => {
                        self.summary.req_seen = event_data(line).map(|d| (d, no))
                    }
                    EventType::TraceFinalizing if self.summary.finalizing.is_none() => {
                        self.summary.finalizing = event_data(line).map(|d| (d, no))
                    }
                    EventType::RequestReceived | EventType::RequestDenied
                        if self.summary.decision.is_none() =>
                    {
                        self.summary.decision = Some(t)
                    }
                    _ => {}
                }
            }
        }
        self.summary.anchors.push(event_hash, seq);
        self.summary.count += 1;
        self.summary.final_hash = Some(event_hash);
        self.prev = Some(event_hash);
    }

    /// Ends the chain: reports the hash tally of `dialect` (the manifest's) and the
    /// grammar's end state, plus passing findings for the checks that held.
    pub fn finish(self, dialect: Dialect, report: &mut Report) -> ChainSummary {
        let subj = Subject::file(TRACE_PATH);
        match self.tallies.into_iter().find(|t| t.dialect == dialect) {
            Some(t) => {
                let listed = t.failures.len() as u64;
                for (code, s, m) in t.failures {
                    report.fail(code, s, m);
                }
                for _ in listed..t.count {
                    // Counted beyond the per-code cap, like any other failure.
                    report.fail(
                        Code::TraceEventHash,
                        subj.clone(),
                        "event_hash mismatch (not listed)",
                    );
                }
            }
            None => report.fail(
                Code::ManifestUnusable,
                subj.clone(),
                format!("no hash tally for dialect {}", dialect.name()),
            ),
        }
        if let Err(m) = self.grammar.finish() {
            report.fail(Code::TraceGrammar, subj.clone(), m);
        }
        let n = self.summary.count;
        for (code, what) in [
            (Code::TraceEventHash, "event hashes recomputed"),
            (Code::TraceSeqGap, "seq contiguous from 0"),
            (Code::TraceGenesis, "chain starts at genesis"),
            (Code::TracePrevHash, "prev_hash links intact"),
            (Code::TraceGrammar, "event order follows the grammar"),
        ] {
            if n > 0 && !report.has_failure(code) {
                report.pass(
                    code,
                    subj.clone(),
                    format!("{what} ({n} events, {})", dialect.name()),
                );
            }
        }
        self.summary
    }
}

/// A hash-recomputation failure under one dialect: (code, message).
type HashFailure = Option<(crate::verdict::Code, String)>;

/// What one trace line yields on its own (no earlier line needed).
#[derive(Debug, PartialEq)]
enum Prepared {
    /// The line is not a usable event: the finding, reported at the line.
    Unusable(crate::verdict::Code, String),
    /// A well-formed event (the tree path).
    Event(Box<Event>),
    /// A well-formed event whose `event_hash` matches in every dialect (the fast
    /// path): no allocation, its strings are spans of the line.
    Fast(FastEvent),
}

/// Whether `id` is the first event's trace_id (`None` before the first event). The
/// ids are short (a UUID is 36 bytes): compared inline, which is cheaper per event
/// than a library call.
#[inline]
fn same_id(first: &Option<String>, id: &[u8]) -> Option<bool> {
    let t = first.as_ref()?.as_bytes();
    Some(t.len() == id.len() && t.iter().zip(id).fold(true, |eq, (a, b)| eq & (a == b)))
}

/// A byte range `start..end` of the line.
type LineSpan = (u32, u32);

/// The bytes of `s` in `line`.
fn span(line: &[u8], s: LineSpan) -> Option<&[u8]> {
    line.get(s.0 as usize..s.1 as usize)
}

/// [`Event`] as the fast path prepares it: `trace_id` and an unknown type name are
/// spans of the line (printable ASCII), every recomputed hash matched, and whether
/// `trace_id` is a UUID is left to [`ChainVerifier::event`] (which knows the first
/// event's answer).
#[derive(Clone, Copy, Debug, PartialEq)]
struct FastEvent {
    seq: u64,
    trace_id: LineSpan,
    ty: Result<EventType, LineSpan>,
    prev_hash: [u8; 32],
    event_hash: [u8; 32],
}

/// The fields of a well-formed event and its recomputed hashes.
#[derive(Debug, PartialEq)]
struct Event {
    seq: u64,
    trace_id: String,
    /// True if `trace_id` is a lowercase UUID.
    uuid: bool,
    /// The event type, or the unknown name.
    ty: Result<EventType, String>,
    prev_hash: [u8; 32],
    event_hash: [u8; 32],
    /// Per candidate dialect (in the tallies' order): `None` if the recomputed hash
    /// equals `event_hash`, else the failure to tally.
    hashes: [HashFailure; 3],
}

/// [`prepare_lines`] for one line (the tests' reference of what each line gets): run
/// on the line twice, so that its preimage is hashed in a pair, and the two results
/// must agree.
#[cfg(test)]
fn prepare(shapes: &mut EventShapes, line: &[u8], dialects: &[Dialect]) -> Prepared {
    let meta = LineMeta {
        no: 1,
        terminated: true,
        too_long: false,
    };
    let mut out = Vec::new();
    prepare_lines(
        shapes,
        std::iter::repeat_n((line, meta), 2),
        dialects,
        &mut out,
    );
    assert_eq!(out.len(), 2, "one result per line");
    let second = out.pop().expect("two results");
    let first = out.pop().expect("two results");
    assert_eq!(first, second, "the two copies of one line");
    first
}

/// The top-level members of an event, in canonical (sorted) order.
pub const EVENT_KEYS: [&str; 7] = [
    "data",
    "event_hash",
    "prev_hash",
    "seq",
    "trace_id",
    "ts",
    "type",
];

/// The [`EVENT_KEYS`] whose values the scan decodes as digests (`canon::fast::members_all_hex`):
/// `event_hash` and `prev_hash`, keys 1 and 2.
pub const EVENT_HEX_MASK: u64 = 0b110;

/// The shape cache of the event scan ([`EVENT_KEYS`], [`EVENT_HEX_MASK`]).
type EventShapes = Shapes<'static, 7>;

/// Parses consecutive lines and recomputes each event hash under each of `dialects`,
/// one result per line pushed to `out` (`shapes` only speeds up the fast path's scan).
/// Each line is scanned ([`scan_fast`]), then the preimages of the lines the fast path
/// took are hashed two at a time ([`lanes::sha256_each`]); a line whose `event_hash`
/// does not match, and every line the scan declined, takes the tree path
/// ([`prepare_tree`]), which reports exactly as the fast path would have. A line's
/// result depends on that line alone.
fn prepare_lines<'l>(
    shapes: &mut EventShapes,
    lines: impl Iterator<Item = (&'l [u8], LineMeta)>,
    dialects: &[Dialect],
    out: &mut Vec<Prepared>,
) {
    // Per line the fast path took: its index in `out`, its line and its preimage.
    let mut fast: Vec<(usize, &'l [u8])> = Vec::new();
    let mut preimages: Vec<[&'l [u8]; 2]> = Vec::new();
    for (line, meta) in lines {
        if meta.too_long {
            out.push(Prepared::Unusable(
                Code::TraceLineInvalid.into(),
                String::new(),
            ));
            continue;
        }
        match scan_fast(shapes, line) {
            Some((e, pre)) => {
                fast.push((out.len(), line));
                preimages.push(pre);
                out.push(Prepared::Fast(e));
            }
            None => out.push(prepare_tree(line, dialects)),
        }
    }
    let mut digests = Vec::with_capacity(preimages.len());
    lanes::sha256_each(&preimages, &mut digests);
    for ((i, line), d) in fast.into_iter().zip(digests) {
        if matches!(&out[i], Prepared::Fast(e) if e.event_hash != d) {
            out[i] = prepare_tree(line, dialects);
        }
    }
}

/// The fast path alone, one line at a time (for the tests).
#[cfg(test)]
fn prepare_fast(shapes: &mut EventShapes, line: &[u8]) -> Option<FastEvent> {
    let (e, pre) = scan_fast(shapes, line)?;
    (crate::crypto::hash::sha256(&pre.concat()) == e.event_hash).then_some(e)
}

/// The fast path of [`prepare_lines`], without building the line's tree, for a line
/// that is certainly canonical in every dialect ([`canon::fast`]) and whose fields are
/// all well-formed: the event, and the two pieces of the line whose concatenation
/// must hash to its `event_hash` (the canonical bytes without `event_hash` are then the
/// line with that member cut out, whatever the dialect). `None` (take the tree path,
/// which reports exactly as before) on any doubt or any failure; with a matching hash
/// this returns only what [`prepare_tree`] would return for the line.
fn scan_fast<'l>(shapes: &mut EventShapes, line: &'l [u8]) -> Option<(FastEvent, [&'l [u8]; 2])> {
    let m = shapes.members_all_hex(line)?;
    let [data, event_hash, prev_hash, seq, trace_id_m, ts, ty_m] = m.found;
    let (data, event_hash_m, trace_id_m, ty_m) = (data?, event_hash?, trace_id_m?, ty_m?);
    let seq = seq?.as_u64(line).filter(|&x| x < (1u64 << 53))?;
    // Strings the scanner is sure of are printable ASCII: no UTF-8 check needed.
    trace_id_m.str_bytes(line)?;
    let ty = ty_m.str_bytes(line)?;
    ts?.str_bytes(line)?;
    if !data.is_object(line) {
        return None;
    }
    let [_, event_hash, prev_hash_d, ..] = m.hex;
    let prev_hash = match prev_hash_d {
        Some(h) => h,
        None => parse_hex32_bytes(prev_hash?.str_bytes(line)?)?,
    };
    let event_hash = match event_hash {
        Some(h) => h,
        None => parse_hex32_bytes(event_hash_m.str_bytes(line)?)?,
    };
    // The string's bytes without its quotes.
    let span = |mm: &canon::fast::Member| -> Option<LineSpan> {
        Some((
            u32::try_from(mm.value_start + 1).ok()?,
            u32::try_from(mm.end.checked_sub(1)?).ok()?,
        ))
    };
    let ty = match EventType::from_name_bytes(ty) {
        Some(t) => Ok(t),
        None => Err(span(&ty_m)?),
    };
    Some((
        FastEvent {
            seq,
            trace_id: span(&trace_id_m)?,
            ty,
            prev_hash,
            event_hash,
        },
        m.without(line, &event_hash_m),
    ))
}

/// [`prepare_lines`] by the general path: parse the line into a tree, check the fields,
/// re-serialise the event without `event_hash` in each dialect and hash it.
fn prepare_tree(line: &[u8], dialects: &[Dialect]) -> Prepared {
    let v = match canon::parse(line) {
        Ok(v) => v,
        Err(e) => return Prepared::Unusable(canon::Code::Parse.into(), e.to_string()),
    };
    let Value::Object(o) = v else {
        return Prepared::Unusable(
            Code::TraceLineInvalid.into(),
            format!("event is a {}, expected an object", v.type_name()),
        );
    };
    let parsed = (|| {
        Ok::<_, String>((
            fields::u64_field(&o, "seq")?,
            fields::str_field(&o, "trace_id")?,
            fields::str_field(&o, "type")?,
            fields::str_field(&o, "ts")?,
            fields::obj_field(&o, "data")?,
            fields::hex32_field(&o, "prev_hash")?,
            fields::hex32_field(&o, "event_hash")?,
        ))
    })();
    let (seq, trace_id, ty, _ts, _data, prev_hash, event_hash) = match parsed {
        Ok(x) => x,
        Err(m) => return Prepared::Unusable(Code::TraceLineInvalid.into(), m),
    };
    let mut hashes: [HashFailure; 3] = [None, None, None];
    for (slot, &d) in hashes.iter_mut().zip(dialects) {
        *slot = match canon::sha256_without(&o, &["event_hash"], d) {
            Ok(h) if h == event_hash => None,
            Ok(h) => Some((
                Code::TraceEventHash.into(),
                format!(
                    "event_hash {} but the {} canonical bytes hash to {}",
                    hex::encode(event_hash),
                    d.name(),
                    hex::encode(h)
                ),
            )),
            Err(e) => Some((canon::Code::Unencodable.into(), e.to_string())),
        };
    }
    Prepared::Event(Box::new(Event::new(
        seq, trace_id, ty, prev_hash, event_hash, hashes,
    )))
}

impl Event {
    /// An event from its checked fields (both preparation paths build it here).
    fn new(
        seq: u64,
        trace_id: &str,
        ty: &str,
        prev_hash: [u8; 32],
        event_hash: [u8; 32],
        hashes: [HashFailure; 3],
    ) -> Self {
        Event {
            seq,
            uuid: fields::is_uuid(trace_id),
            trace_id: trace_id.to_string(),
            ty: EventType::from_name(ty).ok_or_else(|| ty.to_string()),
            prev_hash,
            event_hash,
            hashes,
        }
    }
}

/// The `data` object of an event line already prepared as well-formed (parsed again:
/// only the first `req_seen` and `trace_finalizing` events need it).
fn event_data(line: &[u8]) -> Option<Object> {
    match canon::parse(line).ok()? {
        Value::Object(o) => fields::obj_field(&o, "data").ok().cloned(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::fields::GENESIS;
    use super::*;
    use crate::canon::Object;

    /// A linked chain of `types` hashed under `d`, as JSONL.
    fn chain_bytes(types: &[&str], d: Dialect, note: &str) -> Vec<u8> {
        let mut prev = GENESIS.to_string();
        let mut out = Vec::new();
        for (i, t) in types.iter().enumerate() {
            let mut o = Object::new();
            o.insert("seq", i as u64);
            o.insert("trace_id", "09aad3e1-f420-451e-a189-e86f68073dc0");
            o.insert("type", *t);
            o.insert("ts", "t");
            let mut data = Object::new();
            data.insert("note", note);
            o.insert("data", Value::Object(data));
            o.insert("prev_hash", prev.clone());
            let h = canon::sha256_hex(&Value::Object(o.clone()), d).unwrap();
            o.insert("event_hash", h.clone());
            prev = h;
            out.extend(canon::to_vec(&Value::Object(o), Dialect::CanonicalJson).unwrap());
            out.push(b'\n');
        }
        out
    }

    fn run(bytes: &[u8], early: Option<Dialect>, declared: Dialect) -> (Report, ChainSummary) {
        let mut r = Report::default();
        let mut c = ChainVerifier::new(early);
        c.stream(&mut &bytes[..], &mut r).unwrap();
        let s = c.finish(declared, &mut r);
        (r, s)
    }

    #[test]
    fn dialect_chosen_after_streaming() {
        let types = ["req_seen", "request_denied", "trace_finalizing"];
        for d in [Dialect::Python, Dialect::CanonicalJson, Dialect::Jcs] {
            let b = chain_bytes(&types, d, "\u{e9}\u{1F600}");
            let (r, s) = run(&b, None, d);
            assert!(
                r.failure_codes().is_empty(),
                "{d:?}: {:?}",
                r.failure_codes()
            );
            assert_eq!(s.count, 3);
            assert_eq!(s.decision, Some(EventType::RequestDenied));
            // Declaring another dialect than the one hashed fails every event.
            let other = if d == Dialect::Python {
                Dialect::Jcs
            } else {
                Dialect::Python
            };
            let (r, _) = run(&b, None, other);
            assert_eq!(r.failure_codes(), vec![Code::TraceEventHash.into()]);
            assert_eq!(r.failures().count(), 3);
        }
    }

    const ALL: [Dialect; 3] = [Dialect::CanonicalJson, Dialect::Python, Dialect::Jcs];

    /// An event line: fields from the generator, hashed under `hd`, written in `wd`.
    fn event_line(seq: u64, ty: &str, data: Value, hd: Dialect, wd: Dialect) -> Vec<u8> {
        let mut o = Object::new();
        o.insert("seq", seq);
        o.insert("trace_id", "09aad3e1-f420-451e-a189-e86f68073dc0");
        o.insert("type", ty);
        o.insert("ts", "2026-11-23T19:05:07.000Z");
        o.insert("data", data);
        o.insert("prev_hash", GENESIS);
        if let Ok(h) = canon::sha256_hex(&Value::Object(o.clone()), hd) {
            o.insert("event_hash", h);
        }
        canon::to_vec(&Value::Object(o), wd).unwrap_or_default()
    }

    /// `p` with a fast-path event written out as the tree path builds it.
    fn owned(p: Prepared, line: &[u8]) -> Prepared {
        match p {
            Prepared::Fast(f) => {
                let text = |s| std::str::from_utf8(span(line, s).unwrap()).unwrap();
                let ty = match f.ty {
                    Ok(t) => t.name(),
                    Err(s) => text(s),
                };
                let e = Event::new(
                    f.seq,
                    text(f.trace_id),
                    ty,
                    f.prev_hash,
                    f.event_hash,
                    [None, None, None],
                );
                Prepared::Event(Box::new(e))
            }
            p => p,
        }
    }

    fn shapes() -> EventShapes {
        Shapes::new(&EVENT_KEYS, EVENT_HEX_MASK)
    }

    /// `prepare` (fast path first) answers exactly as the tree path, for each set of
    /// candidate dialects, with a new shape cache and with one that has learned from
    /// `learned` (which may or may not share the line's shape); true if the fast path
    /// answered.
    fn same_as_tree(line: &[u8], learned: &[u8]) -> bool {
        let mut warm = shapes();
        prepare_fast(&mut warm, learned);
        for ds in [&ALL[..], &ALL[..1], &ALL[1..2], &ALL[2..]] {
            for cache in [&mut shapes(), &mut warm] {
                assert_eq!(
                    owned(prepare(cache, line, ds), line),
                    prepare_tree(line, ds),
                    "{}",
                    String::from_utf8_lossy(line)
                );
            }
        }
        prepare_fast(&mut shapes(), line).is_some()
    }

    #[test]
    fn fast_path_taken_for_canonical_events() {
        let data = canon::parse(br#"{"k":3,"passages_sha256":"ab"}"#).unwrap();
        for d in ALL {
            let good = event_line(5, "retrieval_done", data.clone(), d, d);
            assert!(same_as_tree(&good, &good));
            // Not canonical-sure (non-ASCII): the tree path, same answer.
            let line = event_line(5, "x", Value::from("\u{e9}"), d, d);
            assert!(!same_as_tree(&line, &good));
            // Canonical but the hash does not match: the tree path reports it.
            let mut line = event_line(5, "retrieval_done", data.clone(), d, d);
            let at = line.len() - 3;
            line[at] = if line[at] == b'a' { b'b' } else { b'a' };
            assert!(!same_as_tree(&line, &good));
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 2048, failure_persistence: None, ..Default::default()
        })]

        /// Differential over generated events (any data, hashed in one dialect, written
        /// in another), as written or edited once.
        #[test]
        fn fast_path_matches_tree(
            seq in proptest::prop_oneof![0u64..10, proptest::prelude::Just(1u64 << 53)],
            ty in proptest::sample::select(vec!["req_seen", "retrieval_done", "nope", ""]),
            data in proptest::prop_oneof![
                3 => proptest::prelude::Strategy::prop_map(crate::canon::fast::arb::value(), |v| {
                    let mut o = Object::new();
                    o.insert("v", v);
                    Value::Object(o)
                }),
                1 => crate::canon::fast::arb::value(),
            ],
            hd in 0usize..3,
            wd in 0usize..3,
            edit in proptest::option::of((0u8..7, 0usize..4096, proptest::prelude::any::<u8>())),
        ) {
            let learned = event_line(seq, ty, data, ALL[hd], ALL[wd]);
            let line = match edit {
                Some((op, at, b)) => crate::canon::fast::arb::mutate(&learned, op, at, b),
                None => learned.clone(),
            };
            same_as_tree(&line, &learned);
        }
    }

    /// Streams a chain whose lines take the fast path, and the same chain with every
    /// line made non-canonical (a space after `{`, so the tree path): the findings and
    /// the summary are the same, including changed trace_ids (UUID or not), unknown
    /// types, seq gaps and broken links.
    #[test]
    fn fast_and_tree_paths_report_alike() {
        let ids = [
            "09aad3e1-f420-451e-a189-e86f68073dc0",
            "09aad3e1-f420-451e-a189-e86f68073dc0",
            "not-a-uuid",
            "19aad3e1-f420-451e-a189-e86f68073dc0",
            "09aad3e1-f420-451e-a189-e86f68073dc0",
            "09AAD3E1-f420-451e-a189-e86f68073dc0",
        ];
        let types = [
            "req_seen",
            "request_received",
            "no_such_type",
            "model_done",
            "model_done",
            "trace_finalizing",
        ];
        for first_id in ["09aad3e1-f420-451e-a189-e86f68073dc0", "x"] {
            let mut prev = GENESIS.to_string();
            let mut fast = Vec::new();
            let mut tree = Vec::new();
            for (i, (id, ty)) in ids.iter().zip(types).enumerate() {
                let mut o = Object::new();
                // A gap at 4 and a broken link at 5.
                o.insert("seq", if i == 4 { 7 } else { i as u64 });
                o.insert("trace_id", if i == 0 { first_id } else { *id });
                o.insert("type", ty);
                o.insert("ts", "t");
                o.insert("data", Value::Object(Object::new()));
                o.insert("prev_hash", if i == 5 { GENESIS.to_string() } else { prev });
                let h = canon::sha256_hex(&Value::Object(o.clone()), Dialect::Jcs).unwrap();
                o.insert("event_hash", h.clone());
                prev = h;
                let line = canon::to_vec(&Value::Object(o), Dialect::CanonicalJson).unwrap();
                assert!(prepare_fast(&mut shapes(), &line).is_some());
                fast.extend_from_slice(&line);
                tree.extend_from_slice(b"{ ");
                tree.extend_from_slice(&line[1..]);
                assert!(
                    prepare_fast(&mut shapes(), &tree[tree.len() - line.len() - 1..]).is_none()
                );
                fast.push(b'\n');
                tree.push(b'\n');
            }
            let (rf, sf) = run(&fast, None, Dialect::Jcs);
            let (rt, st) = run(&tree, None, Dialect::Jcs);
            assert_eq!(rf.findings(), rt.findings());
            let codes = rf.failure_codes();
            for c in [
                Code::TraceIdMismatch,
                Code::TraceEventTypeUnknown,
                Code::TraceLineInvalid,
                Code::TraceSeqGap,
                Code::TracePrevHash,
            ] {
                assert!(codes.contains(&c.into()), "{c:?} in {codes:?}");
            }
            assert_eq!(
                (sf.count, sf.trace_id, sf.final_hash, sf.decision),
                (st.count, st.trace_id, st.final_hash, st.decision)
            );
        }
    }

    #[test]
    fn known_dialect_streams_one_tally() {
        let b = chain_bytes(
            &["req_seen", "request_received", "trace_finalizing"],
            Dialect::Jcs,
            "x",
        );
        let (r, s) = run(&b, Some(Dialect::Jcs), Dialect::Jcs);
        assert!(r.failure_codes().is_empty());
        assert!(s.req_seen.is_some() && s.finalizing.is_some());
        assert_eq!(s.anchors.len(), 3);
    }
}
