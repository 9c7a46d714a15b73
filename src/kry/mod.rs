//! KRY attestations (KRY-SPEC v1.3).

crate::define_codes! {
    /// Codes of the KRY checks.
    pub enum Code {
        /// The recomputed attestation hash differs.
        AttestationHash = ("kry.attestation_hash_mismatch", Integrity,
            "attestation_hash was recomputed as the SHA-256 of the canonical attestation with attestation_hash set to the empty string. A mismatch means the envelope was edited."),
    }
}
