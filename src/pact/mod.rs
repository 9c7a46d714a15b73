//! PACT v4 transcripts.

crate::define_codes! {
    /// Codes of PACT replay.
    pub enum Code {
        /// The transcript's `final_hash` differs from the recomputed hash.
        FinalHashMismatch = ("pact.final_hash_mismatch", ContainerHash,
            "final_hash was recomputed as the SHA-256 of the canonical transcript without final_hash. A mismatch means the container was altered; rounds may still verify. Only --allow-compromised may excuse it."),
    }
}
