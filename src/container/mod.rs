//! Reading evidence containers (gzip tar, plain tar, directory) safely and in one pass.
//!
//! The reader never extracts anything: each regular file under `payload/` is offered
//! to an [`EntrySink`] as a stream, hashed while the sink reads it, and drained to the
//! end afterwards so the recorded SHA-256 and size always cover the whole entry.

use std::io::Read;

crate::define_codes! {
    /// Codes of the container reader.
    pub enum Code {
        /// The tarball's SHA-256 differs from `--expect-sha256`.
        Sha256Mismatch = ("container.sha256_mismatch", ContainerHash,
            "The SHA-256 of the exact input bytes was compared with the value the auditor expected (--expect-sha256 or a detached record). A mismatch means this is not the archive that was vouched for; inner checks may still hold. Obtain the archive again from the custodian."),
    }
}

/// The record of one payload file as it streamed past.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileRecord {
    /// Path relative to the bundle root, `/`-separated, normalised (e.g. `payload/a.json`).
    pub path: String,
    /// Bytes in the entry.
    pub size: u64,
    /// SHA-256 of the entry's bytes.
    pub sha256: [u8; 32],
}

/// Receives the payload files of a container, in archive order (directories: sorted
/// by path). Implementations read as much of `data` as they need; the container
/// drains and hashes the rest.
pub trait EntrySink {
    /// One regular file. `path` is normalised and relative (`payload/...`).
    fn file(&mut self, path: &str, size: u64, data: &mut dyn Read) -> std::io::Result<()>;
}
