//! Reading evidence containers (gzip tar, plain tar, directory) safely and in one pass.

crate::define_codes! {
    /// Codes of the container reader.
    pub enum Code {
        /// The tarball's SHA-256 differs from `--expect-sha256`.
        Sha256Mismatch = ("container.sha256_mismatch", ContainerHash,
            "The SHA-256 of the exact input bytes was compared with the value the auditor expected (--expect-sha256 or a detached record). A mismatch means this is not the archive that was vouched for; inner checks may still hold. Obtain the archive again from the custodian."),
    }
}
