//! Hashes, Merkle trees, signatures and trust roots.

pub mod batch;
pub mod encoding;
pub mod hash;
pub mod lanes;
pub mod merkle;
pub mod policy;
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
        /// The key is pinned, but not for the role this signature needs.
        KeyRoleNotAllowed = ("sig.key.role_not_allowed", Unauthenticated,
            "The signature is valid under a key the auditor pinned, but the trust file does not grant that key the role this signature needs (for example a trace key signing a REQ_SEEN head). A key vouches only for what it was pinned for. If the key really holds this role, add the role to its entry in the trust file; otherwise treat the signature as unauthenticated."),
        /// The evidence names a signature algorithm evv does not implement.
        AlgorithmUnknown = ("sig.algorithm.unknown", Malformed,
            "The evidence declares a signature algorithm evv does not know (evv verifies ed25519, ML-DSA-44, ML-DSA-65 and ML-DSA-87). evv never falls back to another algorithm, so the signature cannot count. Check the algorithm name against the producer's specification."),
        /// A key or signature value in the evidence cannot be decoded.
        EncodingMalformed = ("sig.encoding.malformed", Malformed,
            "A public key or signature in the evidence is not a valid encoding (hex, base64 or base58, with the exact length its algorithm requires, decodable one way only) or is not a usable key (for Ed25519: a non-canonical or small-order point). Nothing was verified with it. Check how the producer encodes keys and signatures."),
        /// The Ed25519 half of a hybrid signature does not verify.
        HybridEd25519Invalid = ("sig.hybrid.ed25519_invalid", Integrity,
            "A hybrid record must carry a valid Ed25519 signature and a valid ML-DSA signature over the same message. The Ed25519 signature did not verify, so the record fails even if the ML-DSA signature holds: the signed bytes, the signature or the key were changed. Treat the evidence as tampered."),
        /// The ML-DSA half of a hybrid signature does not verify.
        HybridMlDsaInvalid = ("sig.hybrid.mldsa_invalid", Integrity,
            "A hybrid record must carry a valid Ed25519 signature and a valid ML-DSA signature over the same message. The ML-DSA signature (FIPS 204, with the record's context string) did not verify, so the record fails even if the Ed25519 signature holds. Treat the evidence as tampered."),
        /// A hybrid record lacks one of its two signatures.
        HybridIncomplete = ("sig.hybrid.incomplete", Malformed,
            "A hybrid record needs both an Ed25519 signature and an ML-DSA signature; one of them (key or signature) is missing. One family alone never suffices, because the point of a hybrid is to stay secure if either family is broken. Ask the producer for the complete record."),
        /// Fewer than m distinct pinned keys of a policy signed.
        ThresholdNotMet = ("sig.threshold.not_met", Unauthenticated,
            "The trust policy for this role requires valid signatures from at least m distinct keys among the n it names. Fewer were found: each pinned key counts once, and signatures by keys outside the policy do not count. The evidence is not authenticated by the council. Obtain the missing signatures, or check the policy in the trust file."),
        /// A signature by a key the policy does not name (reported, then ignored).
        ThresholdOutsider = ("sig.threshold.outsider", Unauthenticated,
            "A signature on a council record comes from a key the role's policy does not name. It is ignored: it neither counts towards the threshold nor fails the record. Reported as a warning so the auditor can see who else signed."),
        /// The same pinned key signed twice (counted once).
        ThresholdDuplicateSigner = ("sig.threshold.duplicate_signer", Unauthenticated,
            "A key of the policy signed the same council record more than once. A key counts once towards the threshold however many signatures it made; the extra signatures are ignored. Reported as a warning because a producer should not emit them."),
        /// A declared m-of-n policy is not valid.
        PolicyMalformed = ("sig.policy.malformed", Malformed,
            "An m-of-n signing policy is not valid: m must lie between 1 and the number of named keys n, no key may be named twice, and the role must be a non-empty lowercase name. Such a policy could let fewer real signers through, so nothing is authenticated under it. Fix the policy."),
        /// A pinned fingerprint prefix is short (warning).
        TrustShortFingerprint = ("sig.trust.short_fingerprint", Unauthenticated,
            "A key was pinned with --expect-fingerprint using fewer than 16 hex digits of its SHA-256 fingerprint. Finding a key whose fingerprint starts with d given digits takes about 16^d attempts (2^32 for 8 digits), well within an attacker's reach for short prefixes. evv honours the pin but warns; pin the full 64-digit fingerprint."),
    }
}
