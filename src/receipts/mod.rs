//! LIVE_HASHED receipts, reconciliation and thermodynamics debits.

crate::define_codes! {
    /// Codes of the receipt checks.
    pub enum Code {
        /// A receipt's recomputed hash differs.
        ReceiptHash = ("receipts.hash_mismatch", Integrity,
            "receipt_hash was recomputed from the receipt's canonical bytes. A mismatch means the receipt was edited after it was chained."),
    }
}
