//! Ed25519 verification of many signatures at once, with exactly the verdicts of
//! [`super::sig::verify`] (strict RFC 8032) for every single item.
//!
//! # When batching is sound
//!
//! Batch verification checks one random linear combination of the verification
//! equations, `Σ zᵢ·(Rᵢ + hᵢ·Aᵢ − sᵢ·B) = 0`, instead of each equation. Strict single
//! verification accepts exactly when `Rᵢ = sᵢ·B − hᵢ·Aᵢ` holds as encoded points. The two
//! agree only when every term lives in the prime-order subgroup: a term carrying a
//! small-order (torsion) component vanishes in the sum whenever `zᵢ` is a multiple of its
//! order (probability ≥ 1/8, and the coefficients are derived from the inputs, so a signer
//! can grind for it). Such a batch would accept a signature that strict verification
//! rejects, and evv's verdict would depend on how many rounds a transcript has.
//!
//! So an item enters a batch only when it is *provably clean*: a 32-byte public key that
//! decodes, is not of small order and is torsion-free; a 64-byte signature whose `S` is
//! canonical (`S < ℓ`) and whose `R` is a canonical encoding of a torsion-free point that
//! is not of small order. For clean items the batch equation holds (except with
//! probability about 2⁻¹²⁸ over the 128-bit coefficients) exactly when every strict
//! equation holds. Every other item, and every item of a batch that fails, is verified
//! singly with [`super::sig::verify`], which names the culprit and its exact error.
//!
//! # Cost
//!
//! The torsion check of each `R` is a full scalar multiplication, so on current x86-64
//! a sound batch costs about as much per signature as a strict single check (measured on
//! the development machine: single ≈ 33 µs, batch equation ≈ 10 µs, torsion check of `R`
//! ≈ 26–30 µs). The gain comes from spreading chunks over all cores; see `BENCHMARKS` in
//! `scripts/bench_pact.sh`.

use std::collections::BTreeMap;

use ed25519_dalek::{Signature, VerifyingKey};
use rayon::prelude::*;

use super::sig::{self, Alg, SigError};

/// One signature to verify: raw public key bytes, the exact message, raw signature bytes.
#[derive(Clone, Copy, Debug)]
pub struct Ed25519Item<'a> {
    /// Raw 32-byte public key (other lengths fail as in [`sig::verify`]).
    pub public_key: &'a [u8],
    /// The signed message.
    pub message: &'a [u8],
    /// Raw 64-byte signature.
    pub signature: &'a [u8],
}

/// Items per batch (one rayon task each). Large enough to amortise the multiscalar
/// multiplication, small enough that a failing batch costs few single re-checks.
const CHUNK: usize = 256;
/// Below this many clean items a batch does not pay for itself.
const MIN_BATCH: usize = 4;

/// The group order ℓ = 2²⁵² + 27742317777372353535851937790883648493, little-endian.
const ELL: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// Verifies every item; result `i` is exactly `sig::verify(Alg::Ed25519, ..)` of item `i`.
/// Uses all cores (rayon) and a sound batch equation for clean items.
pub fn verify_ed25519_many(items: &[Ed25519Item<'_>]) -> Vec<Result<(), SigError>> {
    let keys = clean_keys(items);
    items
        .par_chunks(CHUNK)
        .flat_map_iter(|chunk| verify_chunk(chunk, &keys))
        .collect()
}

/// The distinct public keys that are clean (decode, not small order, torsion-free),
/// checked once each.
fn clean_keys(items: &[Ed25519Item<'_>]) -> BTreeMap<[u8; 32], VerifyingKey> {
    let mut distinct: Vec<[u8; 32]> = items
        .iter()
        .filter_map(|it| <[u8; 32]>::try_from(it.public_key).ok())
        .collect();
    distinct.sort_unstable();
    distinct.dedup();
    distinct
        .par_iter()
        .filter_map(|k| clean_point(k).map(|vk| (*k, vk)))
        .collect()
}

/// Decodes a compressed point and returns it only if it is canonically encoded, not of
/// small order, and in the prime-order subgroup.
fn clean_point(bytes: &[u8; 32]) -> Option<VerifyingKey> {
    let vk = VerifyingKey::from_bytes(bytes).ok()?;
    if vk.is_weak() {
        return None;
    }
    let p = vk.to_edwards();
    if p.compress().to_bytes() != *bytes || !p.is_torsion_free() {
        return None;
    }
    Some(vk)
}

/// True if the little-endian scalar is fully reduced (`s < ℓ`).
fn scalar_is_canonical(s: &[u8]) -> bool {
    for i in (0..32).rev() {
        if s[i] != ELL[i] {
            return s[i] < ELL[i];
        }
    }
    false
}

/// Whether an item may enter a batch: its key is clean and its signature has a canonical
/// `S` and a clean `R`.
fn batchable(
    it: &Ed25519Item<'_>,
    keys: &BTreeMap<[u8; 32], VerifyingKey>,
) -> Option<(VerifyingKey, Signature)> {
    let pk = <[u8; 32]>::try_from(it.public_key).ok()?;
    let vk = *keys.get(&pk)?;
    let sig = <[u8; 64]>::try_from(it.signature).ok()?;
    if !scalar_is_canonical(&sig[32..]) {
        return None;
    }
    let r: [u8; 32] = sig[..32].try_into().ok()?;
    clean_point(&r)?;
    Some((vk, Signature::from_bytes(&sig)))
}

fn verify_chunk(
    chunk: &[Ed25519Item<'_>],
    keys: &BTreeMap<[u8; 32], VerifyingKey>,
) -> Vec<Result<(), SigError>> {
    let single = |it: &Ed25519Item<'_>| {
        sig::verify(Alg::Ed25519, it.public_key, it.message, it.signature, &[])
    };
    let mut out: Vec<Option<Result<(), SigError>>> = vec![None; chunk.len()];
    let mut idx = Vec::new();
    let mut msgs: Vec<&[u8]> = Vec::new();
    let mut sigs = Vec::new();
    let mut vks = Vec::new();
    for (i, it) in chunk.iter().enumerate() {
        match batchable(it, keys) {
            Some((vk, s)) => {
                idx.push(i);
                msgs.push(it.message);
                sigs.push(s);
                vks.push(vk);
            }
            None => out[i] = Some(single(it)),
        }
    }
    let batch_ok =
        idx.len() >= MIN_BATCH && ed25519_dalek::verify_batch(&msgs, &sigs, &vks).is_ok();
    for i in idx {
        out[i] = Some(if batch_ok { Ok(()) } else { single(&chunk[i]) });
    }
    out.into_iter()
        .map(|r| r.unwrap_or(Err(SigError::Mismatch)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    type Signed = (Vec<[u8; 32]>, Vec<Vec<u8>>, Vec<[u8; 64]>);

    fn signed(n: usize) -> Signed {
        let keys: Vec<SigningKey> = (0..3u8)
            .map(|i| SigningKey::from_bytes(&[i + 7; 32]))
            .collect();
        let msgs: Vec<Vec<u8>> = (0..n)
            .map(|i| format!("message {i}").into_bytes())
            .collect();
        let sigs = msgs
            .iter()
            .enumerate()
            .map(|(i, m)| keys[i % 3].sign(m).to_bytes())
            .collect();
        let pks = (0..n)
            .map(|i| keys[i % 3].verifying_key().to_bytes())
            .collect();
        (pks, msgs, sigs)
    }

    fn items<'a>(
        pks: &'a [[u8; 32]],
        msgs: &'a [Vec<u8>],
        sigs: &'a [[u8; 64]],
    ) -> Vec<Ed25519Item<'a>> {
        (0..pks.len())
            .map(|i| Ed25519Item {
                public_key: &pks[i],
                message: &msgs[i],
                signature: &sigs[i],
            })
            .collect()
    }

    #[test]
    fn all_valid_pass_in_batch() {
        let (pks, msgs, sigs) = signed(600);
        let r = verify_ed25519_many(&items(&pks, &msgs, &sigs));
        assert!(r.iter().all(Result::is_ok));
    }

    #[test]
    fn culprits_are_named_exactly_as_single_verification_would() {
        let (mut pks, mut msgs, mut sigs) = signed(700);
        sigs[3][10] ^= 1; // R changed
        msgs[300].push(b'!'); // message changed
        sigs[301][63] |= 0xf0; // S not canonical
        pks[650] = [0u8; 32]; // not a valid point / small order
        let it = items(&pks, &msgs, &sigs);
        let r = verify_ed25519_many(&it);
        for (i, x) in r.iter().enumerate() {
            let single = sig::verify(
                Alg::Ed25519,
                it[i].public_key,
                it[i].message,
                it[i].signature,
                &[],
            );
            assert_eq!(x, &single, "item {i}");
        }
        let bad: Vec<usize> = r
            .iter()
            .enumerate()
            .filter(|(_, x)| x.is_err())
            .map(|(i, _)| i)
            .collect();
        assert_eq!(bad, vec![3, 300, 301, 650]);
    }

    #[test]
    fn torsioned_r_and_odd_lengths_never_enter_a_batch() {
        let (pks, msgs, sigs) = signed(8);
        let keys = clean_keys(&items(&pks, &msgs, &sigs));
        // An 8-torsion point (order 8), canonical encoding.
        let t8 = hex::decode("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05")
            .unwrap();
        let t8 = VerifyingKey::from_bytes(&t8.try_into().unwrap())
            .unwrap()
            .to_edwards();
        let r = VerifyingKey::from_bytes(&sigs[0][..32].try_into().unwrap())
            .unwrap()
            .to_edwards();
        let mut forged = sigs[0];
        forged[..32].copy_from_slice(&(r + t8).compress().to_bytes());
        let it = Ed25519Item {
            public_key: &pks[0],
            message: &msgs[0],
            signature: &forged,
        };
        assert!(batchable(&it, &keys).is_none());
        let ok = Ed25519Item {
            public_key: &pks[0],
            message: &msgs[0],
            signature: &sigs[0],
        };
        assert!(batchable(&ok, &keys).is_some());
        let short = Ed25519Item {
            public_key: &pks[0][..31],
            message: &msgs[0],
            signature: &sigs[0],
        };
        assert!(batchable(&short, &keys).is_none());
        assert_eq!(
            verify_ed25519_many(&[short])[0],
            sig::verify(
                Alg::Ed25519,
                short.public_key,
                short.message,
                short.signature,
                &[]
            )
        );
    }

    #[test]
    fn scalar_canonicality() {
        assert!(!scalar_is_canonical(&ELL));
        let mut below = ELL;
        below[0] -= 1;
        assert!(scalar_is_canonical(&below));
        assert!(scalar_is_canonical(&[0u8; 32]));
    }
}
