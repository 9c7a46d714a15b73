//! IF.emotion evidence bundles: trace chain, REQ_SEEN, signed records, nested priors, IF.story.
//!
//! [`BundleSink`] receives payload files from the container as they stream past and
//! keeps only what later checks need (running chain state, small JSON documents);
//! [`BundleSink::finish`] then runs the cross-file checks.

use std::io::Read;

use crate::container::{EntrySink, FileRecord};
use crate::crypto::trust::TrustStore;
use crate::verdict::Report;

crate::define_codes! {
    /// Codes of the bundle checks.
    pub enum Code {
        /// An event's recomputed hash differs from its `event_hash`.
        TraceEventHash = ("trace.event_hash_mismatch", Integrity,
            "Each trace event's event_hash was recomputed from the canonical bytes of the event without event_hash. A mismatch means the event was edited after it was hashed."),
    }
}

/// Options of a bundle verification.
#[derive(Clone, Debug, Default)]
pub struct BundleOptions {
    /// Keys the auditor pinned.
    pub trust: TrustStore,
}

/// Collects what the bundle checks need while the container streams.
#[derive(Debug, Default)]
pub struct BundleSink {
    opts: BundleOptions,
}

impl BundleSink {
    /// A sink for one bundle.
    pub fn new(opts: BundleOptions) -> Self {
        BundleSink { opts }
    }

    /// Runs the cross-file checks once every entry has streamed. `files` are the
    /// container's records of every payload file; `manifest` is the parsed
    /// `payload/manifest.json` when it parsed.
    pub fn finish(
        self,
        _files: &[FileRecord],
        _manifest: Option<&crate::canon::Value>,
        _report: &mut Report,
    ) {
        let _ = &self.opts;
    }
}

impl EntrySink for BundleSink {
    fn file(&mut self, _path: &str, _size: u64, _data: &mut dyn Read) -> std::io::Result<()> {
        Ok(())
    }
}
