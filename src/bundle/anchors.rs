//! A sequence of 32-byte anchors (event hashes) kept exactly up to a cap and as a
//! running digest beyond it, so the story check stays bounded for huge traces.

use sha2::{Digest, Sha256};

/// How many anchors are kept for exact, line-precise comparison (2 MiB of hashes).
pub const EXACT_CAP: usize = 1 << 16;

/// An anchor sequence.
#[derive(Clone, Debug, Default)]
pub struct AnchorSeq {
    exact: Vec<([u8; 32], u64)>,
    overflow: bool,
    digest: Sha256,
    len: u64,
}

impl AnchorSeq {
    /// Appends an anchor found at `pos` (a line number or a seq).
    pub fn push(&mut self, h: [u8; 32], pos: u64) {
        self.digest.update(h);
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
        self.digest.clone().finalize().into()
    }
}
