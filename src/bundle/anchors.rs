//! A sequence of 32-byte anchors (event hashes) kept exactly up to a cap and as a
//! running digest beyond it, so the story check stays bounded for huge traces.

use sha2::{Digest, Sha256};

/// How many anchors are kept for exact, line-precise comparison (2 MiB of hashes).
pub const EXACT_CAP: usize = 1 << 16;

/// Anchors gathered before they are hashed in one call (32 KiB).
const PENDING: usize = 1024;

/// An anchor sequence.
#[derive(Clone, Debug, Default)]
pub struct AnchorSeq {
    exact: Vec<([u8; 32], u64)>,
    overflow: bool,
    /// SHA-256 over the anchors up to `pending`.
    digest: Sha256,
    /// The anchors not yet hashed (fewer than [`PENDING`]): hashing them in runs costs
    /// the same compressions as one at a time without a call for each, on the thread
    /// that takes the lines in order.
    pending: Vec<u8>,
    len: u64,
}

impl AnchorSeq {
    /// Appends an anchor found at `pos` (a line number or a seq).
    pub fn push(&mut self, h: [u8; 32], pos: u64) {
        self.pending.extend_from_slice(&h);
        if self.pending.len() >= PENDING * 32 {
            self.digest.update(&self.pending);
            self.pending.clear();
        }
        self.len += 1;
        if !self.overflow {
            if self.exact.len() < EXACT_CAP {
                self.exact.push((h, pos));
            } else {
                self.overflow = true;
                self.exact = Vec::new();
            }
        }
    }

    /// The anchors with their positions, if the sequence fit under the cap.
    pub fn exact(&self) -> Option<&[([u8; 32], u64)]> {
        (!self.overflow).then_some(&self.exact[..])
    }

    /// The last anchor pushed, if it is still held.
    pub fn last(&self) -> Option<[u8; 32]> {
        self.exact.last().map(|x| x.0)
    }

    /// Number of anchors.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True if empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// SHA-256 over the concatenated anchors.
    pub fn digest(&self) -> [u8; 32] {
        self.digest
            .clone()
            .chain_update(&self.pending)
            .finalize()
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The digest is SHA-256 of the concatenation, wherever the pending run ends.
    #[test]
    fn digest_is_the_hash_of_the_concatenation() {
        for n in [0, 1, PENDING - 1, PENDING, PENDING + 1, 3 * PENDING + 5] {
            let mut s = AnchorSeq::default();
            let mut all = Vec::new();
            for i in 0..n {
                let h = [(i % 251) as u8; 32];
                s.push(h, i as u64);
                all.extend_from_slice(&h);
            }
            assert_eq!(s.digest(), <[u8; 32]>::from(Sha256::digest(&all)), "{n}");
            assert_eq!(s.len(), n as u64);
        }
    }
}
