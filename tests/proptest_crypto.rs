//! Property tests of the authenticity layer available today (issue 10): key and
//! signature encodings never decode to the wrong bytes, and a genuine Ed25519
//! signature verifies while any single bit flip of signature, message or key fails.
//! (Merkle proofs and hash chains get their property tests with `crypto::merkle` and
//! the format modules.)

use ed25519_dalek::{Signer, SigningKey};
use evv::crypto::encoding::{decode_exact, Encoding};
use evv::crypto::sig::{verify, Alg};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    /// Prefixed: always the original bytes. Unprefixed: the original bytes with the
    /// same encoding, or an error (ambiguity is refused) -- never other bytes.
    #[test]
    fn encodings_never_decode_to_other_bytes(b in prop::collection::vec(any::<u8>(), 1..80)) {
        for e in Encoding::ALL {
            let s = e.encode(&b);
            let p = format!("{}{s}", e.prefix());
            prop_assert_eq!(decode_exact(&p, b.len()), Ok((b.clone(), e)));
            match decode_exact(&s, b.len()) {
                Ok((got, enc)) => {
                    prop_assert_eq!(got, b.clone());
                    prop_assert_eq!(enc, e);
                }
                Err(msg) => prop_assert!(msg.contains("ambiguous"), "{}", msg),
            }
            // Any other requested length is refused.
            prop_assert!(decode_exact(&p, b.len() + 1).is_err());
        }
    }

    /// A genuine Ed25519 signature verifies; flipping any one bit of the signature,
    /// the message or the public key makes verification fail.
    #[test]
    fn ed25519_single_bit_flips_fail(
        seed in any::<[u8; 32]>(),
        msg in prop::collection::vec(any::<u8>(), 0..200),
        bit in any::<u16>(),
    ) {
        let sk = SigningKey::from_bytes(&seed);
        let pk = sk.verifying_key().to_bytes();
        let sig = sk.sign(&msg).to_bytes();
        prop_assert_eq!(verify(Alg::Ed25519, &pk, &msg, &sig, b""), Ok(()));
        let flip = |b: &mut [u8]| {
            let i = usize::from(bit / 8) % b.len();
            b[i] ^= 1 << (bit % 8);
        };
        let mut s2 = sig;
        flip(&mut s2);
        prop_assert!(verify(Alg::Ed25519, &pk, &msg, &s2, b"").is_err());
        let mut k2 = pk;
        flip(&mut k2);
        prop_assert!(verify(Alg::Ed25519, &k2, &msg, &sig, b"").is_err());
        if !msg.is_empty() {
            let mut m2 = msg.clone();
            flip(&mut m2);
            prop_assert!(verify(Alg::Ed25519, &pk, &m2, &sig, b"").is_err());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    /// Every length evv uses is unambiguous (SPEC.md §5.3), for random bytes. (Few
    /// cases: base58 decoding of the ML-DSA lengths is quadratic.)
    #[test]
    fn evv_lengths_decode_unprefixed(seed in any::<[u8; 32]>(), which in 0usize..8) {
        let alg = Alg::ALL[which % 4];
        let len = if which < 4 { alg.public_key_len() } else { alg.signature_len() };
        let mut b = Vec::with_capacity(len);
        let mut ctr = 0u32;
        while b.len() < len {
            let mut x = seed.to_vec();
            x.extend(ctr.to_le_bytes());
            b.extend(evv::crypto::hash::sha256(&x));
            ctr += 1;
        }
        b.truncate(len);
        for e in Encoding::ALL {
            prop_assert_eq!(decode_exact(&e.encode(&b), len), Ok((b.clone(), e)));
        }
    }
}

/// Regression (found by `encodings_never_decode_to_other_bytes`, fixed in
/// src/crypto/encoding.rs): the length guard refused `b64:AA==`, the canonical base64
/// of one byte, as "too long"; the guard now allows base64 of any length.
#[test]
fn one_byte_base64_with_prefix() {
    assert_eq!(decode_exact("b64:AA==", 1), Ok((vec![0], Encoding::Base64)));
    assert_eq!(
        decode_exact("b64:/w==", 1),
        Ok((vec![255], Encoding::Base64))
    );
    assert!(decode_exact("b64:AAA=", 1).is_err());
}
