//! Signature verification primitives: Ed25519 (strict) and FIPS 204 ML-DSA.

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
    use ed25519_dalek::{Signature, VerifyingKey};
    let pk: &[u8; 32] = pk
        .try_into()
        .map_err(|_| SigError::BadKey(format!("{} bytes, expected 32", pk.len())))?;
    let sig: &[u8; 64] = sig
        .try_into()
        .map_err(|_| SigError::BadSignature(format!("{} bytes, expected 64", sig.len())))?;
    let vk = VerifyingKey::from_bytes(pk).map_err(|e| SigError::BadKey(e.to_string()))?;
    if vk.is_weak() {
        return Err(SigError::BadKey("small-order public key".into()));
    }
    let sig = Signature::from_bytes(sig);
    vk.verify_strict(msg, &sig).map_err(|_| SigError::Mismatch)
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
