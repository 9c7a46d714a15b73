//! Signature verification primitives: Ed25519 (strict) and FIPS 204 ML-DSA.
//!
//! Strictness rules (SPEC.md §5.1):
//! - Ed25519 follows RFC 8032 with the "strict" choices: `S` must be canonical
//!   (`S < L`), `R` must be the canonical encoding of a point that is not of small
//!   order, and the public key `A` must be a canonical encoding (`y < p`) of a point
//!   that is not of small order. ed25519-dalek's `verify_strict` checks `S`, `R` and
//!   small-order `A`, but decompression silently reduces a non-canonical `y`, so evv
//!   checks the key encoding itself ([`ed25519_key_is_canonical`]).
//! - ML-DSA follows FIPS 204 (final), `ML-DSA.Verify` with a context string of at
//!   most 255 bytes (empty by default). Keys and signatures must have exactly the
//!   length of their parameter set; the signature decoder rejects malformed hints and
//!   `z` beyond the infinity-norm bound.
//! - There is no fallback and no algorithm negotiation: a name evv does not know is
//!   not an [`Alg`], so it can never verify.

/// A signature algorithm evv can verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Alg {
    /// Ed25519 (RFC 8032), verified strictly.
    Ed25519,
    /// ML-DSA-44 (FIPS 204).
    MlDsa44,
    /// ML-DSA-65 (FIPS 204).
    MlDsa65,
    /// ML-DSA-87 (FIPS 204).
    MlDsa87,
}

impl Alg {
    /// Parses an algorithm name (`ed25519`, `ML-DSA-65`, `mldsa65`, ...).
    pub fn from_name(s: &str) -> Option<Alg> {
        let n: String = s
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .collect::<String>()
            .to_ascii_lowercase();
        Some(match n.as_str() {
            "ed25519" => Alg::Ed25519,
            "mldsa44" => Alg::MlDsa44,
            "mldsa65" => Alg::MlDsa65,
            "mldsa87" => Alg::MlDsa87,
            _ => return None,
        })
    }
    /// Canonical name.
    pub const fn name(self) -> &'static str {
        match self {
            Alg::Ed25519 => "ed25519",
            Alg::MlDsa44 => "ML-DSA-44",
            Alg::MlDsa65 => "ML-DSA-65",
            Alg::MlDsa87 => "ML-DSA-87",
        }
    }
    /// Raw public key length in bytes.
    pub const fn public_key_len(self) -> usize {
        match self {
            Alg::Ed25519 => 32,
            Alg::MlDsa44 => 1312,
            Alg::MlDsa65 => 1952,
            Alg::MlDsa87 => 2592,
        }
    }
    /// Every algorithm, in a fixed order.
    pub const ALL: [Alg; 4] = [Alg::Ed25519, Alg::MlDsa44, Alg::MlDsa65, Alg::MlDsa87];

    /// True for the three ML-DSA parameter sets.
    pub const fn is_mldsa(self) -> bool {
        !matches!(self, Alg::Ed25519)
    }

    /// Signature length in bytes.
    pub const fn signature_len(self) -> usize {
        match self {
            Alg::Ed25519 => 64,
            Alg::MlDsa44 => 2420,
            Alg::MlDsa65 => 3309,
            Alg::MlDsa87 => 4627,
        }
    }
}

/// An ML-DSA parameter set: an [`Alg`] that cannot be Ed25519 (used where a type must
/// rule out the other family, e.g. the post-quantum half of a hybrid signature).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MlDsaLevel {
    /// ML-DSA-44.
    L44,
    /// ML-DSA-65.
    L65,
    /// ML-DSA-87.
    L87,
}

impl MlDsaLevel {
    /// The algorithm.
    pub const fn alg(self) -> Alg {
        match self {
            MlDsaLevel::L44 => Alg::MlDsa44,
            MlDsaLevel::L65 => Alg::MlDsa65,
            MlDsaLevel::L87 => Alg::MlDsa87,
        }
    }
    /// The level of an ML-DSA algorithm; `None` for Ed25519.
    pub const fn of(alg: Alg) -> Option<MlDsaLevel> {
        match alg {
            Alg::Ed25519 => None,
            Alg::MlDsa44 => Some(MlDsaLevel::L44),
            Alg::MlDsa65 => Some(MlDsaLevel::L65),
            Alg::MlDsa87 => Some(MlDsaLevel::L87),
        }
    }
}

/// Why a signature did not verify.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SigError {
    /// Public key of the wrong length or not a valid encoding.
    BadKey(String),
    /// Signature of the wrong length or malformed.
    BadSignature(String),
    /// Context string longer than 255 bytes (ML-DSA).
    BadContext,
    /// Well-formed, but the equation does not hold.
    Mismatch,
}

impl std::fmt::Display for SigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SigError::BadKey(s) => write!(f, "bad public key: {s}"),
            SigError::BadSignature(s) => write!(f, "bad signature encoding: {s}"),
            SigError::BadContext => f.write_str("context string longer than 255 bytes"),
            SigError::Mismatch => f.write_str("signature does not verify"),
        }
    }
}

/// Verifies `sig` over `msg` under raw public key bytes `pk`. `ctx` is the ML-DSA
/// context string (must be empty for Ed25519).
pub fn verify(alg: Alg, pk: &[u8], msg: &[u8], sig: &[u8], ctx: &[u8]) -> Result<(), SigError> {
    match alg {
        Alg::Ed25519 => {
            if !ctx.is_empty() {
                return Err(SigError::BadContext);
            }
            verify_ed25519(pk, msg, sig)
        }
        Alg::MlDsa44 => verify_mldsa::<ml_dsa::MlDsa44>(pk, msg, sig, ctx),
        Alg::MlDsa65 => verify_mldsa::<ml_dsa::MlDsa65>(pk, msg, sig, ctx),
        Alg::MlDsa87 => verify_mldsa::<ml_dsa::MlDsa87>(pk, msg, sig, ctx),
    }
}

fn verify_ed25519(pk: &[u8], msg: &[u8], sig: &[u8]) -> Result<(), SigError> {
    use ed25519_dalek::Signature;
    let pk: &[u8; 32] = pk
        .try_into()
        .map_err(|_| SigError::BadKey(format!("{} bytes, expected 32", pk.len())))?;
    let sig: &[u8; 64] = sig
        .try_into()
        .map_err(|_| SigError::BadSignature(format!("{} bytes, expected 64", sig.len())))?;
    let vk = ed25519_verifying_key(pk)?;
    let sig = Signature::from_bytes(sig);
    // verify_strict rejects S >= L (non-canonical S), a non-canonical or small-order R
    // (the recomputed R is compared byte-for-byte with the canonical compression) and
    // a small-order A.
    vk.verify_strict(msg, &sig).map_err(|_| SigError::Mismatch)
}

/// Decodes a strict Ed25519 public key: canonical `y`, on the curve, not of small order.
pub fn ed25519_verifying_key(pk: &[u8; 32]) -> Result<ed25519_dalek::VerifyingKey, SigError> {
    if !ed25519_key_is_canonical(pk) {
        return Err(SigError::BadKey(
            "non-canonical Ed25519 public key encoding (y >= 2^255-19)".into(),
        ));
    }
    let vk = ed25519_dalek::VerifyingKey::from_bytes(pk)
        .map_err(|_| SigError::BadKey("not a point on edwards25519".into()))?;
    if vk.is_weak() {
        return Err(SigError::BadKey("small-order Ed25519 public key".into()));
    }
    Ok(vk)
}

/// True if the 255-bit little-endian `y` coordinate of an encoded Edwards point
/// (the sign bit of `x` masked off) is below p = 2^255 - 19.
///
/// The only encodings with `y >= p` are `y = p + k` for `k` in `0..=18`: the top
/// byte (masked) is `0x7f`, the 30 middle bytes are `0xff` and the low byte is at
/// least `0xed`.
pub fn ed25519_key_is_canonical(enc: &[u8; 32]) -> bool {
    let top = enc[31] & 0x7f;
    !(top == 0x7f && enc[1..31].iter().all(|b| *b == 0xff) && enc[0] >= 0xed)
}

fn verify_mldsa<P: ml_dsa::MlDsaParams>(
    pk: &[u8],
    msg: &[u8],
    sig: &[u8],
    ctx: &[u8],
) -> Result<(), SigError> {
    use ml_dsa::{EncodedSignature, EncodedVerifyingKey, Signature, VerifyingKey};
    if ctx.len() > 255 {
        return Err(SigError::BadContext);
    }
    let enc_pk = EncodedVerifyingKey::<P>::try_from(pk).map_err(|_| {
        SigError::BadKey(format!(
            "{} bytes is not an ML-DSA public key of this level",
            pk.len()
        ))
    })?;
    let vk = VerifyingKey::<P>::decode(&enc_pk);
    let enc_sig = EncodedSignature::<P>::try_from(sig).map_err(|_| {
        SigError::BadSignature(format!(
            "{} bytes is not an ML-DSA signature of this level",
            sig.len()
        ))
    })?;
    let sig = Signature::<P>::decode(&enc_sig)
        .ok_or_else(|| SigError::BadSignature("malformed ML-DSA signature".into()))?;
    if vk.verify_with_context(msg, ctx, &sig) {
        Ok(())
    } else {
        Err(SigError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};
    use ml_dsa::Keypair;

    fn ed_key() -> SigningKey {
        SigningKey::from_bytes(&[7u8; 32])
    }

    #[test]
    fn ed25519_roundtrip_and_bit_flips() {
        let sk = ed_key();
        let pk = sk.verifying_key().to_bytes();
        let sig = sk.sign(b"msg").to_bytes();
        assert_eq!(verify(Alg::Ed25519, &pk, b"msg", &sig, b""), Ok(()));
        assert_eq!(
            verify(Alg::Ed25519, &pk, b"msh", &sig, b""),
            Err(SigError::Mismatch)
        );
        let mut s2 = sig;
        s2[10] ^= 1;
        assert!(verify(Alg::Ed25519, &pk, b"msg", &s2, b"").is_err());
        assert_eq!(
            verify(Alg::Ed25519, &pk, b"msg", &sig, b"ctx"),
            Err(SigError::BadContext)
        );
        assert!(matches!(
            verify(Alg::Ed25519, &pk[..31], b"msg", &sig, b""),
            Err(SigError::BadKey(_))
        ));
        assert!(matches!(
            verify(Alg::Ed25519, &pk, b"msg", &sig[..63], b""),
            Err(SigError::BadSignature(_))
        ));
    }

    #[test]
    fn ed25519_non_canonical_s_rejected() {
        // S + L is the same scalar mod L; a lax verifier accepts it (malleability).
        const L: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
            0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        let sk = ed_key();
        let pk = sk.verifying_key().to_bytes();
        let mut sig = sk.sign(b"m").to_bytes();
        let mut carry = 0u16;
        for i in 0..32 {
            let v = sig[32 + i] as u16 + L[i] as u16 + carry;
            sig[32 + i] = v as u8;
            carry = v >> 8;
        }
        // S < L < 2^253, so S + L < 2^254 fits in 32 bytes.
        assert_eq!(carry, 0);
        assert_eq!(
            verify(Alg::Ed25519, &pk, b"m", &sig, b""),
            Err(SigError::Mismatch)
        );
    }

    /// ed25519-dalek decompresses `y = p + k` as `y = k`; evv must refuse the
    /// encoding itself. All 38 non-canonical encodings (19 values of `y`, two signs)
    /// are refused by evv, and at least one is accepted by dalek's decoder (the reason
    /// for the explicit check).
    #[test]
    fn ed25519_non_canonical_public_key_rejected() {
        let mut dalek_accepted = 0;
        for k in 0u8..=18 {
            for sign in [0u8, 0x80] {
                let mut enc = [0xffu8; 32];
                enc[0] = 0xed + k;
                enc[31] = 0x7f | sign;
                assert!(!ed25519_key_is_canonical(&enc));
                if ed25519_dalek::VerifyingKey::from_bytes(&enc).is_ok() {
                    dalek_accepted += 1;
                }
                assert!(matches!(
                    ed25519_verifying_key(&enc),
                    Err(SigError::BadKey(_))
                ));
            }
        }
        assert!(
            dalek_accepted > 0,
            "the explicit canonicity check would be redundant"
        );
        // The largest canonical y (p - 1) passes the encoding check.
        let mut enc = [0xffu8; 32];
        enc[0] = 0xec;
        enc[31] = 0x7f;
        assert!(ed25519_key_is_canonical(&enc));
        assert!(ed25519_key_is_canonical(
            &ed_key().verifying_key().to_bytes()
        ));
    }

    #[test]
    fn ed25519_small_order_key_rejected() {
        // The identity point (y = 1) has order 1.
        let mut id = [0u8; 32];
        id[0] = 1;
        assert!(matches!(
            verify(Alg::Ed25519, &id, b"m", &[0u8; 64], b""),
            Err(SigError::BadKey(_))
        ));
    }

    fn mldsa_case<P: ml_dsa::MlDsaParams>(alg: Alg) {
        let sk = ml_dsa::SigningKey::<P>::from_seed(&[3u8; 32].into());
        let pk = sk.verifying_key().encode().to_vec();
        assert_eq!(pk.len(), alg.public_key_len());
        let sig = sk
            .expanded_key()
            .sign_deterministic(b"hello", b"ctx")
            .expect("sign")
            .encode()
            .to_vec();
        assert_eq!(sig.len(), alg.signature_len());
        assert_eq!(verify(alg, &pk, b"hello", &sig, b"ctx"), Ok(()));
        assert_eq!(
            verify(alg, &pk, b"hello", &sig, b""),
            Err(SigError::Mismatch),
            "context is bound"
        );
        assert_eq!(
            verify(alg, &pk, b"hellp", &sig, b"ctx"),
            Err(SigError::Mismatch)
        );
        assert_eq!(
            verify(alg, &pk, b"hello", &sig, &[0u8; 256]),
            Err(SigError::BadContext)
        );
        assert!(matches!(
            verify(alg, &pk[1..], b"hello", &sig, b"ctx"),
            Err(SigError::BadKey(_))
        ));
        // Other levels never accept this key or signature.
        for other in Alg::ALL {
            if other != alg {
                assert!(verify(other, &pk, b"hello", &sig, b"ctx").is_err());
            }
        }
    }

    #[test]
    fn mldsa_all_levels() {
        mldsa_case::<ml_dsa::MlDsa44>(Alg::MlDsa44);
        mldsa_case::<ml_dsa::MlDsa65>(Alg::MlDsa65);
        mldsa_case::<ml_dsa::MlDsa87>(Alg::MlDsa87);
    }

    #[test]
    fn names() {
        for a in Alg::ALL {
            assert_eq!(Alg::from_name(a.name()), Some(a));
        }
        assert_eq!(Alg::from_name("ml_dsa_65"), Some(Alg::MlDsa65));
        assert_eq!(Alg::from_name("rsa"), None);
        assert_eq!(Alg::from_name(""), None);
    }
}
