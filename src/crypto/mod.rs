//! Hashes, Merkle trees, signatures and trust roots.

pub mod batch;
pub mod hash;
pub mod merkle;
pub mod sig;
pub mod trust;

crate::define_codes! {
    /// Codes of the authenticity layer (signatures, keys, trust policies).
    pub enum Code {
        /// A signature verified.
        SignatureInvalid = ("sig.invalid", Integrity,
            "A signature was verified over the exact message its format defines. A failure means the signed bytes, the signature or the key were changed, or the key is not the one that signed. Treat the evidence as tampered."),
        /// The signature verified, but only under a key carried inside the evidence.
        KeyNotPinned = ("sig.key_not_pinned", Unauthenticated,
            "The signature is mathematically valid, but the key that verifies it came inside the evidence itself, so anyone could have made it. Obtain the producer's public key out-of-band, compare the printed fingerprint, and re-run with --trust, --key or --expect-fingerprint."),
    }
}
