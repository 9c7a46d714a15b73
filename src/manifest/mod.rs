//! `payload/manifest.json` and `payload/sha256s.txt`: the per-file hash lists.

crate::define_codes! {
    /// Codes of the manifest checks.
    pub enum Code {
        /// A listed file's content hash differs.
        FileHashMismatch = ("manifest.file.hash_mismatch", Integrity,
            "Every payload file's SHA-256 was recomputed while it streamed and compared with manifest.json. A mismatch means the file was changed after the manifest was written. Treat the bundle as tampered and compare the file with the producer's copy."),
    }
}
