//! The streaming driver of `evv receipts`: reads a receipts JSONL file line by line,
//! checks batches of lines in parallel (pure per-line checks), then applies the
//! order-dependent chain checks sequentially, so findings come out in line order.

use std::collections::HashMap;
use std::io::{self, BufRead};

use crate::verdict::{Finding, Outcome, Report, Subject};

use super::chain::{Chain, Link};
use super::receipt::{check_line, LineCheck, LineOptions, Usage};
use super::Code;

/// Longest accepted line of a JSONL file (receipts are a few hundred bytes): the one
/// line cap of every JSONL reader.
pub use crate::container::lines::MAX_LINE;

/// Options of a receipts verification.
#[derive(Clone, Debug, Default)]
pub struct ReceiptOptions {
    /// Hosts from `--allow-host`; when empty the per-provider defaults apply.
    pub allow_hosts: Vec<String>,
}

/// What reconciliation and the thermo ledger need from one persisted receipt.
#[derive(Clone, Debug)]
pub struct ReceiptSummary {
    /// 1-based line.
    pub line: u64,
    /// Declared `receipt_id`.
    pub receipt_id: [u8; 32],
    /// Declared `receipt_hash`.
    pub receipt_hash: [u8; 32],
    /// SHA-256 of the provider request id.
    pub request_key: Option<[u8; 32]>,
    /// Model.
    pub model: Option<String>,
    /// Call start (ms).
    pub t_start_ms: Option<u64>,
    /// Call end (ms).
    pub t_end_ms: Option<u64>,
    /// Usage, when supplied.
    pub usage: Option<Usage>,
    /// The receipt's own verdict.
    pub pass: Option<bool>,
    /// Every check of the line passed and it is neither a duplicate nor a fork.
    pub verified: bool,
}

/// Receipts by declared `receipt_hash` (first occurrence), for the thermo ledger.
#[derive(Clone, Debug, Default)]
pub struct ReceiptIndex {
    /// Summaries by declared receipt hash.
    pub by_hash: HashMap<[u8; 32], ReceiptSummary>,
    /// Number of receipt lines (objects) in the file.
    pub count: u64,
}

/// Reads one line of at most `max` bytes (without its `\n`). `Ok(None)` at end of
/// input; `Ok(Some(false))` when the line was longer than `max` (its excess is skipped).
pub fn read_line_bounded<R: BufRead>(
    r: &mut R,
    buf: &mut Vec<u8>,
    max: usize,
) -> io::Result<Option<bool>> {
    buf.clear();
    append_line_bounded(r, buf, max)
}

/// Like [`read_line_bounded`], but appends the line to `buf` (whose earlier content is
/// kept). A line longer than `max` leaves `buf` as it was.
fn append_line_bounded<R: BufRead>(
    r: &mut R,
    buf: &mut Vec<u8>,
    max: usize,
) -> io::Result<Option<bool>> {
    let start = buf.len();
    let mut any = false;
    let mut fits = true;
    loop {
        let avail = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            return Ok(if any { Some(fits) } else { None });
        }
        any = true;
        let (chunk, done) = match crate::container::find_newline(avail) {
            Some(i) => (&avail[..i], i + 1),
            None => (avail, 0),
        };
        if fits {
            if buf.len() - start + chunk.len() > max {
                fits = false;
                buf.truncate(start);
            } else {
                buf.extend_from_slice(chunk);
            }
        }
        if done > 0 {
            r.consume(done);
            return Ok(Some(fits));
        }
        let n = avail.len();
        r.consume(n);
    }
}

/// Verifies a receipts JSONL stream and returns the receipts indexed by hash (for the
/// thermo ledger). `file` names the input in findings.
pub fn verify_receipts<R: BufRead>(
    file: &str,
    reader: R,
    opts: &ReceiptOptions,
    report: &mut Report,
) -> io::Result<ReceiptIndex> {
    let mut idx = ReceiptIndex::default();
    idx.count = verify_receipts_with(file, reader, opts, report, &mut |s| {
        idx.by_hash.entry(s.receipt_hash).or_insert(s);
    })?;
    Ok(idx)
}

/// Verifies a receipts JSONL stream, handing every persisted receipt's summary to
/// `sink` in line order (nothing is retained here beyond the chain index). Returns the
/// number of receipt lines.
///
/// The per-line checks (parse, content, receipt-only scan, both preimage digests) run
/// on the rayon pool through [`crate::container::lines::pipeline`], in batches of whole
/// lines, and their results are applied to the chain check one at a time in line order. So
/// a few batches at most are in memory, and the findings and their order are those of a
/// line-by-line run whatever the thread count or batch size.
pub fn verify_receipts_with<R: BufRead>(
    file: &str,
    mut reader: R,
    opts: &ReceiptOptions,
    report: &mut Report,
    sink: &mut (dyn FnMut(ReceiptSummary) + Send),
) -> io::Result<u64> {
    let lopts = LineOptions {
        allow_hosts: opts.allow_hosts.clone(),
    };
    let mut st = State {
        chain: Chain::new(file),
        receipts: 0,
        id_ok: 0,
        hash_ok: 0,
        persisted: 0,
    };
    crate::container::lines::pipeline(
        &mut reader,
        MAX_LINE,
        |line, meta| {
            if meta.too_long {
                too_long(file, meta.no)
            } else {
                check_line(file, meta.no, line, &lopts)
            }
        },
        |_, meta, c| st.apply(meta.no, c, report, sink),
    )?;
    let n = st.receipts;
    st.finish(file, report);
    Ok(n)
}

fn too_long(file: &str, line: u64) -> LineCheck {
    LineCheck {
        findings: vec![Finding {
            code: crate::canon::Code::Parse.into(),
            outcome: Outcome::Fail,
            subject: Subject::file(file).line(line),
            message: format!("line longer than {MAX_LINE} bytes"),
        }],
        ..Default::default()
    }
}

struct State {
    chain: Chain,
    receipts: u64,
    persisted: u64,
    id_ok: u64,
    hash_ok: u64,
}

impl State {
    fn apply(
        &mut self,
        line: u64,
        c: LineCheck,
        report: &mut Report,
        sink: &mut (dyn FnMut(ReceiptSummary) + Send),
    ) {
        for f in c.findings {
            report.push(f);
        }
        if !c.is_receipt {
            return;
        }
        self.receipts += 1;
        self.id_ok += u64::from(c.id_ok);
        self.hash_ok += u64::from(c.hash_ok);
        let Some(ch) = c.facts.chain else { return };
        self.persisted += 1;
        let mut out = Vec::new();
        let link = self.chain.push(line, &ch, &mut out);
        for f in out {
            report.push(f);
        }
        let f = c.facts;
        sink(ReceiptSummary {
            line,
            receipt_id: ch.id,
            receipt_hash: ch.hash,
            request_key: f.request_key,
            model: f.model,
            t_start_ms: f.t_start_ms,
            t_end_ms: f.t_end_ms,
            usage: f.usage,
            pass: f.pass,
            verified: c.clean && !matches!(link, Link::Duplicate | Link::Fork),
        });
    }

    fn finish(self, file: &str, report: &mut Report) {
        let State {
            chain,
            receipts,
            persisted,
            id_ok,
            hash_ok,
        } = self;
        let (gaps, sum) = chain.finish();
        for f in gaps {
            report.push(f);
        }
        let subj = || Subject::file(file);
        if receipts == 0 {
            report.fail(Code::FileEmpty, subj(), "the file holds no receipt");
            return;
        }
        if id_ok == persisted && persisted > 0 {
            report.pass(
                Code::IdMismatch,
                subj(),
                format!("{id_ok} receipt_id values recomputed"),
            );
        }
        if hash_ok == persisted && persisted > 0 {
            report.pass(
                Code::HashMismatch,
                subj(),
                format!("{hash_ok} receipt_hash values recomputed"),
            );
        }
        if sum.failures == 0 && persisted > 0 {
            report.pass(
                Code::Gap,
                subj(),
                format!(
                    "{} receipts link from GENESIS in line order without duplicate, fork, gap or reordering",
                    sum.count
                ),
            );
        }
        report.fact("receipts", receipts);
        report.fact("receipts_chain_tip", hex::encode(sum.tip));
    }
}
