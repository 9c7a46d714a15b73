//! IF.emotion evidence bundles: trace chain, REQ_SEEN, signed records, nested priors, IF.story.

crate::define_codes! {
    /// Codes of the bundle checks.
    pub enum Code {
        /// An event's recomputed hash differs from its `event_hash`.
        TraceEventHash = ("trace.event_hash_mismatch", Integrity,
            "Each trace event's event_hash was recomputed from the canonical bytes of the event without event_hash. A mismatch means the event was edited after it was hashed."),
    }
}
