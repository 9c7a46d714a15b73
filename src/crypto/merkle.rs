//! RFC 9162 (RFC 6962) Merkle tree hashing and inclusion proofs.
//!
//! - leaf hash `SHA-256(0x00 ‖ d)`, interior node `SHA-256(0x01 ‖ left ‖ right)`;
//! - a tree of `n > 1` leaves splits at `k`, the largest power of two strictly below `n`;
//! - the empty tree's root is `SHA-256("")`.
//!
//! [`RootBuilder`] computes a root while leaves stream past with a stack of at most
//! `log2(n) + 1` subtree roots, so a million-leaf ledger costs a few kilobytes.
//! [`verify_inclusion`] is the audit-path algorithm of RFC 9162 §2.1.3.2.

use sha2::{Digest, Sha256};

/// A 32-byte SHA-256 digest.
pub type Hash = [u8; 32];

/// `SHA-256(0x00 ‖ d)`: the hash of one leaf's data.
pub fn leaf_hash(d: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(d);
    h.finalize().into()
}

/// `SHA-256(0x01 ‖ l ‖ r)`: the hash of an interior node.
pub fn node_hash(l: &Hash, r: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(l);
    h.update(r);
    h.finalize().into()
}

/// `SHA-256("")`: the root of the empty tree.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// Largest power of two strictly below `n` (`n >= 2`).
fn split(n: usize) -> usize {
    debug_assert!(n >= 2);
    1 << (usize::BITS - 1 - (n - 1).leading_zeros())
}

/// The root over already-hashed leaves (`leaf_hash` of each datum), by the recursive
/// definition. Reference implementation for tests and fixture producers; it needs every
/// leaf in memory — verification uses [`RootBuilder`].
pub fn root_of_leaf_hashes(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(
                &root_of_leaf_hashes(&leaves[..k]),
                &root_of_leaf_hashes(&leaves[k..]),
            )
        }
    }
}

/// The audit path of leaf `index` in the tree over `leaves` (already-hashed leaves),
/// as RFC 9162 §2.1.3.1 defines it (nearest sibling first). `None` if out of range.
pub fn inclusion_proof(leaves: &[Hash], index: usize) -> Option<Vec<Hash>> {
    if index >= leaves.len() {
        return None;
    }
    let mut path = Vec::new();
    fn walk(leaves: &[Hash], m: usize, path: &mut Vec<Hash>) {
        let n = leaves.len();
        if n <= 1 {
            return;
        }
        let k = split(n);
        if m < k {
            walk(&leaves[..k], m, path);
            path.push(root_of_leaf_hashes(&leaves[k..]));
        } else {
            walk(&leaves[k..], m - k, path);
            path.push(root_of_leaf_hashes(&leaves[..k]));
        }
    }
    walk(leaves, index, &mut path);
    Some(path)
}

/// Why an inclusion proof did not verify.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProofError {
    /// `index >= tree_size`.
    IndexOutOfRange,
    /// The path has more or fewer nodes than a tree of this size needs.
    WrongLength,
    /// The recomputed root differs from the expected root.
    RootMismatch,
}

impl std::fmt::Display for ProofError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ProofError::IndexOutOfRange => "leaf index is not below the tree size",
            ProofError::WrongLength => "audit path has the wrong number of nodes",
            ProofError::RootMismatch => "audit path does not lead to the expected root",
        })
    }
}

/// Verifies that `leaf` (an already-hashed leaf) sits at `index` in the tree of
/// `tree_size` leaves whose root is `root`, following RFC 9162 §2.1.3.2 exactly.
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    tree_size: u64,
    path: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= tree_size {
        return Err(ProofError::IndexOutOfRange);
    }
    let mut fnode = index;
    let mut snode = tree_size - 1;
    let mut r = *leaf;
    for p in path {
        if snode == 0 {
            return Err(ProofError::WrongLength);
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(ProofError::WrongLength);
    }
    if &r != root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Leaves folded together by [`RootBuilder::push_leaf_hashes`] (a power of two).
pub const GROUP: usize = 64;

/// Streaming root computation: push leaves in order, then [`RootBuilder::root`].
///
/// The stack holds the roots of the complete (power-of-two) subtrees the leaves so far
/// decompose into, largest first; their heights strictly decrease, so the stack never
/// exceeds 64 entries. Closing the tree folds them right to left, which is the same
/// as splitting at the largest power of two below `n` recursively.
#[derive(Clone, Debug, Default)]
pub struct RootBuilder {
    stack: Vec<(u32, Hash)>,
    count: u64,
}

impl RootBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a leaf given its data `d` (hashed as `SHA-256(0x00 ‖ d)`).
    pub fn push_data(&mut self, d: &[u8]) {
        self.push_leaf_hash(leaf_hash(d));
    }

    /// Appends an already-hashed leaf.
    pub fn push_leaf_hash(&mut self, h: Hash) {
        self.push_subtree(0, h);
    }

    /// Appends already-hashed leaves, in order: the same tree as pushing them one by
    /// one. Each run of [`GROUP`] leaves that starts at a multiple of [`GROUP`] is
    /// folded into its subtree root level by level, the nodes of a level hashed two at
    /// a time ([`super::lanes`]); the other leaves are pushed one by one.
    pub fn push_leaf_hashes(&mut self, leaves: &[Hash]) {
        let mut rest = leaves;
        while !rest.is_empty() {
            let aligned = self.count.is_multiple_of(GROUP as u64);
            if aligned && rest.len() >= GROUP {
                let (group, tail) = rest.split_at(GROUP);
                let mut level = group.to_vec();
                let mut next = Vec::with_capacity(GROUP / 2);
                while level.len() > 1 {
                    // Interior nodes: SHA-256(0x01 || left || right).
                    let mut msgs: [[&[u8]; 3]; GROUP / 2] = [[&[]; 3]; GROUP / 2];
                    for (m, p) in msgs.iter_mut().zip(level.chunks_exact(2)) {
                        *m = [&[1u8], &p[0], &p[1]];
                    }
                    next.clear();
                    super::lanes::sha256_each(&msgs[..level.len() / 2], &mut next);
                    std::mem::swap(&mut level, &mut next);
                }
                self.push_subtree(GROUP.trailing_zeros(), level[0]);
                // The subtree stands for GROUP leaves (push_subtree counted one).
                self.count += GROUP as u64 - 1;
                rest = tail;
            } else {
                self.push_leaf_hash(rest[0]);
                rest = &rest[1..];
            }
        }
    }

    /// Pushes the root `h` of a complete subtree of height `height` whose leaves
    /// start where the leaves so far end (so every subtree held is at least as high),
    /// merging it with the subtrees of its height on the way up; counts one leaf.
    fn push_subtree(&mut self, mut height: u32, mut h: Hash) {
        while let Some(&(top_h, ref top)) = self.stack.last() {
            if top_h != height {
                break;
            }
            h = node_hash(top, &h);
            self.stack.pop();
            height += 1;
        }
        self.stack.push((height, h));
        self.count += 1;
    }

    /// Leaves pushed so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Subtree roots currently held (at most 64; `log2(n)+1` in practice).
    pub fn stack_len(&self) -> usize {
        self.stack.len()
    }

    /// The roots of the complete subtrees held, largest (leftmost) first. Reversed,
    /// they are the audit path of the next leaf if that leaf is the last one.
    pub fn subtree_roots(&self) -> impl DoubleEndedIterator<Item = &Hash> {
        self.stack.iter().map(|(_, h)| h)
    }

    /// The root of the tree over every leaf pushed so far.
    pub fn root(&self) -> Hash {
        let mut it = self.stack.iter().rev();
        let Some(&(_, mut acc)) = it.next() else {
            return empty_root();
        };
        for (_, left) in it {
            acc = node_hash(left, &acc);
        }
        acc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaves_in_groups_build_the_same_tree() {
        let leaves: Vec<Hash> = (0..(3 * GROUP as u32 + 5))
            .map(|i| leaf_hash(&i.to_be_bytes()))
            .collect();
        // Every start (aligned or not) and every length, in one or two calls.
        for start in [0, 1, 5, GROUP - 1, GROUP, GROUP + 3] {
            for n in 0..leaves.len() - start {
                let mut one = RootBuilder::new();
                let mut many = RootBuilder::new();
                for l in &leaves[..start] {
                    one.push_leaf_hash(*l);
                    many.push_leaf_hash(*l);
                }
                for l in &leaves[start..start + n] {
                    one.push_leaf_hash(*l);
                }
                let (a, b) = leaves[start..start + n].split_at(n / 3);
                many.push_leaf_hashes(a);
                many.push_leaf_hashes(b);
                assert_eq!(many.count(), one.count());
                assert_eq!(many.stack, one.stack, "start {start}, {n} leaves");
                assert_eq!(many.root(), one.root());
            }
        }
    }

    fn h(s: &str) -> Hash {
        let mut o = [0u8; 32];
        hex::decode_to_slice(s, &mut o).unwrap();
        o
    }

    #[test]
    fn empty_and_single() {
        assert_eq!(
            hex::encode(empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        // RFC 6962 leaf hash of the empty string.
        assert_eq!(
            leaf_hash(b""),
            h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
        );
        assert_eq!(RootBuilder::new().root(), empty_root());
    }

    #[test]
    fn builder_matches_recursive_definition_for_every_size() {
        let leaves: Vec<Hash> = (0u32..300).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mut b = RootBuilder::new();
        for n in 0..=leaves.len() {
            assert_eq!(b.root(), root_of_leaf_hashes(&leaves[..n]), "n={n}");
            assert!(b.stack_len() <= 9);
            if n < leaves.len() {
                b.push_leaf_hash(leaves[n]);
            }
        }
    }

    #[test]
    fn last_leaf_path_is_the_reversed_stack() {
        let leaves: Vec<Hash> = (0u32..40).map(|i| leaf_hash(&i.to_le_bytes())).collect();
        let mut b = RootBuilder::new();
        for n in 1..=leaves.len() {
            let path: Vec<Hash> = b.subtree_roots().rev().copied().collect();
            assert_eq!(Some(path), inclusion_proof(&leaves[..n], n - 1), "n={n}");
            b.push_leaf_hash(leaves[n - 1]);
        }
    }

    #[test]
    fn three_leaf_tree_by_hand() {
        // n=3 splits at k=2: root = node(node(l0,l1), l2).
        let l: Vec<Hash> = [b"a", b"b", b"c"].iter().map(|d| leaf_hash(*d)).collect();
        let want = node_hash(&node_hash(&l[0], &l[1]), &l[2]);
        assert_eq!(root_of_leaf_hashes(&l), want);
        let p = inclusion_proof(&l, 2).unwrap();
        assert_eq!(p, vec![node_hash(&l[0], &l[1])]);
        verify_inclusion(&l[2], 2, 3, &p, &want).unwrap();
        let p0 = inclusion_proof(&l, 0).unwrap();
        assert_eq!(p0, vec![l[1], l[2]]);
        verify_inclusion(&l[0], 0, 3, &p0, &want).unwrap();
    }

    #[test]
    fn proof_errors() {
        let l: Vec<Hash> = (0u8..5).map(|i| leaf_hash(&[i])).collect();
        let root = root_of_leaf_hashes(&l);
        let p = inclusion_proof(&l, 3).unwrap();
        assert_eq!(
            verify_inclusion(&l[3], 5, 5, &p, &root),
            Err(ProofError::IndexOutOfRange)
        );
        assert_eq!(
            verify_inclusion(&l[3], 3, 5, &p[..p.len() - 1], &root),
            Err(ProofError::WrongLength)
        );
        let mut longer = p.clone();
        longer.push(root);
        assert_eq!(
            verify_inclusion(&l[3], 3, 5, &longer, &root),
            Err(ProofError::WrongLength)
        );
        assert_eq!(
            verify_inclusion(&l[2], 3, 5, &p, &root),
            Err(ProofError::RootMismatch)
        );
        assert!(inclusion_proof(&l, 5).is_none());
    }
}
