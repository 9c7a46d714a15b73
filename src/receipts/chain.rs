//! The chain of custody across the lines of a receipts file.
//!
//! Line order is custody order: line `i`'s `prev_receipt_hash` must be the declared
//! `receipt_hash` of the previous receipt (GENESIS for the first). When it is not, the
//! anomaly is classified (see SPEC.md §9.4) as a duplicate, a fork, a reordering or a
//! gap. Classification needs an index of the ids and hashes seen so far: two compact
//! maps of 32-byte digests ([`DigestMap`]), the only state that grows with the file
//! (about 104 bytes per receipt: 40 for its id, 48 for its hash, 16 of table).

use crate::crypto::hash::parse_hex32;
use crate::verdict::{Finding, Outcome, Subject};

use super::index::DigestMap;
use super::receipt::{ChainFields, GENESIS};
use super::Code;

#[derive(Clone, Copy, Debug, Default)]
struct Node {
    /// Line whose declared `receipt_hash` is this digest (0: none yet).
    hash_line: u64,
    /// First line naming this digest as `prev_receipt_hash` (0: none yet), with
    /// [`PENDING`] set while that line named it unknown and off-chain (resolved later).
    named: u64,
}

/// Flag bit of [`Node::named`] (line numbers stay far below 2^63).
const PENDING: u64 = 1 << 63;

impl Node {
    fn named_by(&self) -> u64 {
        self.named & !PENDING
    }
    fn pending(&self) -> bool {
        self.named & PENDING != 0
    }
}

/// How one line linked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    /// `prev_receipt_hash` is the previous receipt's hash (or GENESIS on the first).
    Linked,
    /// The receipt_id occurred on an earlier line.
    Duplicate,
    /// Another receipt already named the same predecessor.
    Fork,
    /// Names a receipt elsewhere in the file.
    Reordered,
    /// Names a predecessor not seen yet: a gap unless it turns up later (reordered).
    Pending,
}

/// Running state of the chain check.
#[derive(Debug)]
pub struct Chain {
    file: String,
    ids: DigestMap<u64>,
    nodes: DigestMap<Node>,
    tip: [u8; 32],
    count: u64,
    failures: u64,
    first: u64,
}

fn finding(file: &str, line: u64, code: Code, msg: String) -> Finding {
    Finding {
        code: code.into(),
        outcome: Outcome::Fail,
        subject: Subject::file(file).line(line).field("prev_receipt_hash"),
        message: msg,
    }
}

impl Chain {
    /// A chain check over the file named `file`.
    pub fn new(file: &str) -> Self {
        Chain {
            file: file.to_string(),
            ids: DigestMap::new(),
            nodes: DigestMap::new(),
            tip: genesis(),
            count: 0,
            failures: 0,
            first: 0,
        }
    }

    /// Number of receipts linked so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The declared hash the next receipt must name (the chain tip).
    pub fn tip(&self) -> [u8; 32] {
        self.tip
    }

    /// Chain anomalies found so far (including pending resolutions).
    pub fn failures(&self) -> u64 {
        self.failures
    }

    /// Links one persisted receipt on 1-based line `line`; findings go to `out`.
    pub fn push(&mut self, line: u64, c: &ChainFields, out: &mut Vec<Finding>) -> Link {
        self.count += 1;
        if self.first == 0 {
            self.first = line;
        }
        let file = self.file.clone();
        let mut fail = |s: &mut Self, l: u64, code: Code, msg: String| {
            s.failures += 1;
            out.push(finding(&file, l, code, msg));
        };
        let first_id = *self.ids.get_or_insert_with(&c.id, || line);
        let dup = match first_id {
            first if first != line => {
                fail(
                    self,
                    line,
                    Code::DuplicateId,
                    format!(
                        "receipt_id {} already appeared on line {first}",
                        hex::encode(c.id)
                    ),
                );
                true
            }
            _ => false,
        };
        let link = if dup {
            Link::Duplicate
        } else if c.prev == self.tip {
            Link::Linked
        } else {
            let node = self.nodes.get(&c.prev).copied().unwrap_or_default();
            if node.named_by() != 0 {
                fail(
                    self,
                    line,
                    Code::Fork,
                    format!(
                        "prev_receipt_hash {} is already the predecessor named on line {}",
                        hex::encode(c.prev),
                        node.named_by()
                    ),
                );
                Link::Fork
            } else if node.hash_line != 0 {
                fail(
                    self,
                    line,
                    Code::Reordered,
                    format!(
                        "prev_receipt_hash names the receipt on line {}, not the previous receipt",
                        node.hash_line
                    ),
                );
                Link::Reordered
            } else if c.prev == genesis() {
                fail(
                    self,
                    line,
                    Code::Reordered,
                    "prev_receipt_hash is GENESIS but this is not the first receipt".to_string(),
                );
                Link::Reordered
            } else {
                Link::Pending
            }
        };
        if !dup {
            let n = self.nodes.get_or_insert_with(&c.prev, Node::default);
            if n.named_by() == 0 {
                n.named = (line & !PENDING) | if link == Link::Pending { PENDING } else { 0 };
            }
        }
        if !matches!(link, Link::Duplicate | Link::Fork) {
            self.tip = c.hash;
        }
        // Record this receipt's hash; a line that named it earlier was out of order.
        let n = self.nodes.get_or_insert_with(&c.hash, Node::default);
        if n.hash_line == 0 {
            n.hash_line = line;
            if n.pending() {
                n.named &= !PENDING;
                let by = n.named_by();
                fail(
                    self,
                    by,
                    Code::Reordered,
                    format!("prev_receipt_hash names the receipt on later line {line}"),
                );
            }
        }
        link
    }

    /// Ends the file: every still-pending predecessor is a gap (reported in line order).
    pub fn finish(mut self) -> (Vec<Finding>, ChainSummary) {
        let mut gaps: Vec<(u64, [u8; 32])> = self
            .nodes
            .iter()
            .filter(|(_, n)| n.pending())
            .map(|(h, n)| (n.named_by(), *h))
            .collect();
        gaps.sort();
        let mut out = Vec::new();
        for (line, h) in gaps {
            self.failures += 1;
            let msg = if line == self.first {
                format!(
                    "the first receipt names {} instead of GENESIS: receipts before it are missing",
                    hex::encode(h)
                )
            } else {
                format!(
                    "prev_receipt_hash {} names no receipt in the file: receipts are missing",
                    hex::encode(h)
                )
            };
            out.push(finding(&self.file, line, Code::Gap, msg));
        }
        let summary = ChainSummary {
            count: self.count,
            tip: self.tip,
            failures: self.failures,
        };
        (out, summary)
    }
}

/// Totals of a finished chain check.
#[derive(Clone, Copy, Debug)]
pub struct ChainSummary {
    /// Persisted receipts linked.
    pub count: u64,
    /// Declared hash of the last receipt on the main line (GENESIS when none).
    pub tip: [u8; 32],
    /// Number of chain anomalies.
    pub failures: u64,
}

/// The GENESIS digest.
pub fn genesis() -> [u8; 32] {
    parse_hex32(GENESIS).unwrap_or([0; 32])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(n: u8) -> [u8; 32] {
        [n; 32]
    }
    /// Receipt `n` with id n, hash 100+n, naming predecessor `prev` (0 = GENESIS).
    fn r(n: u8, prev: u8) -> ChainFields {
        ChainFields {
            id: h(n),
            prev: if prev == 0 { genesis() } else { h(100 + prev) },
            hash: h(100 + n),
        }
    }
    fn run(seq: &[ChainFields]) -> Vec<(u64, Code)> {
        let mut c = Chain::new("f");
        let mut out = Vec::new();
        for (i, x) in seq.iter().enumerate() {
            c.push(i as u64 + 1, x, &mut out);
        }
        let (more, _) = c.finish();
        out.extend(more);
        out.iter()
            .map(|f| {
                let crate::verdict::Code::Receipts(code) = f.code else {
                    panic!()
                };
                (f.subject.line.unwrap(), code)
            })
            .collect()
    }

    #[test]
    fn linear_chain_is_clean() {
        assert!(run(&[r(1, 0), r(2, 1), r(3, 2)]).is_empty());
    }
    #[test]
    fn duplicate_only() {
        assert_eq!(
            run(&[r(1, 0), r(2, 1), r(2, 1), r(3, 2)]),
            vec![(3, Code::DuplicateId)]
        );
    }
    #[test]
    fn fork_only() {
        let mut b2 = r(9, 1);
        b2.hash = h(109);
        assert_eq!(run(&[r(1, 0), r(2, 1), b2, r(3, 2)]), vec![(3, Code::Fork)]);
        assert_eq!(run(&[r(1, 0), r(2, 0)]), vec![(2, Code::Fork)]);
    }
    #[test]
    fn swap_is_reordering() {
        let got = run(&[r(1, 0), r(3, 2), r(2, 1), r(4, 3)]);
        assert!(got.iter().all(|(_, c)| *c == Code::Reordered), "{got:?}");
        let mut lines: Vec<u64> = got.iter().map(|x| x.0).collect();
        lines.sort();
        assert_eq!(lines, vec![2, 3, 4]);
        let got = run(&[r(2, 1), r(1, 0)]);
        assert!(got.iter().all(|(_, c)| *c == Code::Reordered), "{got:?}");
    }
    #[test]
    fn removal_is_gap() {
        assert_eq!(run(&[r(1, 0), r(2, 1), r(4, 3)]), vec![(3, Code::Gap)]);
        assert_eq!(run(&[r(2, 1), r(3, 2)]), vec![(1, Code::Gap)]);
    }

    /// Every single mutation of every position of chains of 1..8 receipts yields
    /// exactly its own code (deleting the last receipt is undetectable by design).
    #[test]
    fn exhaustive_single_mutations() {
        let only = |got: Vec<(u64, Code)>, want: Code, what: &str| {
            assert!(!got.is_empty(), "{what}: nothing reported");
            assert!(got.iter().all(|(_, c)| *c == want), "{what}: {got:?}");
        };
        for n in 1..=8u8 {
            let chain: Vec<ChainFields> = (1..=n).map(|i| r(i, i - 1)).collect();
            assert!(run(&chain).is_empty());
            for k in 0..n as usize {
                let mut c = chain.clone();
                c.remove(k);
                if k + 1 == n as usize {
                    assert!(run(&c).is_empty(), "tail deletion is invisible");
                } else {
                    only(run(&c), Code::Gap, &format!("n={n} delete {k}"));
                }
                let mut c = chain.clone();
                c.insert(k + 1, chain[k]);
                only(run(&c), Code::DuplicateId, &format!("n={n} duplicate {k}"));
                let mut c = chain.clone();
                let mut alt = chain[k];
                alt.id = h(200);
                alt.hash = h(201);
                c.insert(k + 1, alt);
                only(run(&c), Code::Fork, &format!("n={n} fork at {k}"));
                if k + 1 < n as usize {
                    let mut c = chain.clone();
                    c.swap(k, k + 1);
                    only(run(&c), Code::Reordered, &format!("n={n} swap {k}"));
                }
            }
        }
    }
}
