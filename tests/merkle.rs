//! RFC 9162 Merkle hashing: third-party reference vectors (skipped when absent) and
//! randomized inclusion-proof properties with a fixed seed.

use std::path::PathBuf;

use evv::crypto::merkle::{
    inclusion_proof, leaf_hash, root_of_leaf_hashes, verify_inclusion, Hash, RootBuilder,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

fn h32(s: &str) -> Hash {
    let mut o = [0u8; 32];
    hex::decode_to_slice(s, &mut o).expect("hex32");
    o
}

/// `$EVV_VECTORS`, else `../shared/vectors` or `../../shared/vectors` from the crate.
fn vectors_dir() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("EVV_VECTORS") {
        return Some(PathBuf::from(p));
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    [
        root.join("../shared/vectors"),
        root.join("../../shared/vectors"),
    ]
    .into_iter()
    .find(|p| p.is_dir())
}

#[test]
fn rfc6962_reference_vectors() {
    let Some(dir) = vectors_dir() else {
        eprintln!("skipped: no shared vectors directory (set EVV_VECTORS)");
        return;
    };
    let file = dir.join("rfc6962/reference_tree.json");
    let Ok(bytes) = std::fs::read(&file) else {
        // Asked for explicitly: absence is an error, not a skip.
        assert!(
            std::env::var_os("EVV_VECTORS").is_none(),
            "{} absent",
            file.display()
        );
        eprintln!("skipped: {} absent", file.display());
        return;
    };
    let v = evv::canon::parse(&bytes).expect("vector file parses");
    let inputs: Vec<Vec<u8>> = v
        .get("leaf_inputs_hex")
        .and_then(|x| x.as_array())
        .expect("leaf_inputs_hex")
        .iter()
        .map(|s| hex::decode(s.as_str().unwrap()).unwrap())
        .collect();
    let leaves: Vec<Hash> = inputs.iter().map(|d| leaf_hash(d)).collect();
    let levels = v
        .get("node_hashes_by_level")
        .and_then(|x| x.as_array())
        .unwrap();
    let level0 = levels[0].as_array().unwrap();
    for (i, want) in level0.iter().enumerate() {
        assert_eq!(leaves[i], h32(want.as_str().unwrap()), "leaf {i}");
    }
    let roots = v
        .get("root_by_tree_size")
        .and_then(|x| x.as_array())
        .unwrap();
    let mut b = RootBuilder::new();
    for (n, want) in roots.iter().enumerate() {
        let want = h32(want.as_str().unwrap());
        assert_eq!(
            root_of_leaf_hashes(&leaves[..n]),
            want,
            "recursive root n={n}"
        );
        assert_eq!(b.root(), want, "streaming root n={n}");
        if n < leaves.len() {
            b.push_data(&inputs[n]);
        }
    }
    let proofs = v
        .get("inclusion_proofs")
        .and_then(|x| x.as_array())
        .unwrap();
    assert!(!proofs.is_empty());
    for p in proofs {
        let idx = p.get("leaf_index").unwrap().as_u64().unwrap();
        let size = p.get("tree_size").unwrap().as_u64().unwrap();
        let leaf =
            leaf_hash(&hex::decode(p.get("leaf_input_hex").unwrap().as_str().unwrap()).unwrap());
        let root = h32(p.get("root").unwrap().as_str().unwrap());
        let path: Vec<Hash> = p
            .get("audit_path")
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|x| h32(x.as_str().unwrap()))
            .collect();
        verify_inclusion(&leaf, idx, size, &path, &root)
            .unwrap_or_else(|e| panic!("vector proof {idx}/{size}: {e}"));
        assert_eq!(
            inclusion_proof(&leaves[..size as usize], idx as usize).unwrap(),
            path,
            "generated path {idx}/{size}"
        );
    }
    eprintln!(
        "rfc6962: {} roots, {} proofs verified",
        roots.len(),
        proofs.len()
    );
}

#[test]
fn randomized_every_leaf_proves_and_alterations_fail() {
    let mut rng = ChaCha20Rng::seed_from_u64(0x6962);
    for _ in 0..60 {
        let n = rng.gen_range(1..=70usize);
        let leaves: Vec<Hash> = (0..n).map(|_| leaf_hash(&rng.gen::<[u8; 16]>())).collect();
        let root = root_of_leaf_hashes(&leaves);
        let mut b = RootBuilder::new();
        leaves.iter().for_each(|l| b.push_leaf_hash(*l));
        assert_eq!(b.root(), root);
        for i in 0..n {
            let path = inclusion_proof(&leaves, i).unwrap();
            verify_inclusion(&leaves[i], i as u64, n as u64, &path, &root).unwrap();
            // Wrong index.
            for j in [i.wrapping_sub(1), i + 1] {
                if j < n && j != i {
                    assert!(
                        verify_inclusion(&leaves[i], j as u64, n as u64, &path, &root).is_err()
                    );
                }
            }
            // A wrong tree size is not always detectable from the path alone (the
            // leftmost leaf of 65 leaves has the same path in a tree of 72): the size is
            // authenticated by the signed head, which the bundle checks separately.
            // One flipped bit in one path node.
            if !path.is_empty() {
                let mut bad = path.clone();
                let k = rng.gen_range(0..bad.len());
                bad[k][rng.gen_range(0..32)] ^= 1 << rng.gen_range(0..8);
                assert!(verify_inclusion(&leaves[i], i as u64, n as u64, &bad, &root).is_err());
                // Dropped or extra node.
                assert!(
                    verify_inclusion(&leaves[i], i as u64, n as u64, &path[1..], &root).is_err()
                );
            }
            let mut extra = path.clone();
            extra.push(root);
            assert!(verify_inclusion(&leaves[i], i as u64, n as u64, &extra, &root).is_err());
            // Flipped leaf.
            let mut leaf = leaves[i];
            leaf[0] ^= 0x80;
            assert!(verify_inclusion(&leaf, i as u64, n as u64, &path, &root).is_err());
        }
    }
}
