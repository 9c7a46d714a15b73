//! `verify_path`: the whole bundle verification in one pass over the container.

use std::io::Read;
use std::path::Path;

use super::{read_path, EntrySink, Limits, OpenError};
use crate::bundle::{BundleOptions, BundleSink};
use crate::crypto::trust::TrustStore;
use crate::manifest::Collector;
use crate::verdict::{Report, Subject};

/// What `evv verify` was asked to do.
#[derive(Clone, Debug, Default)]
pub struct VerifyOptions {
    /// Resource limits against archive bombs.
    pub limits: Limits,
    /// The tarball hash the auditor expects (`--expect-sha256`).
    pub expect_sha256: Option<[u8; 32]>,
    /// Keys the auditor pinned.
    pub trust: TrustStore,
    /// `--allow-compromised`.
    pub allow_compromised: bool,
    /// How the input is named in the report (defaults to the path as given).
    pub display_name: Option<String>,
    /// A detached signed tarball record (`--record FILE`): display name and bytes.
    pub record: Option<(String, Vec<u8>)>,
}

/// Feeds every payload file to both the manifest collector and the bundle checks.
struct VerifySink {
    manifest: Collector,
    bundle: BundleSink,
}

impl EntrySink for VerifySink {
    fn file(&mut self, path: &str, size: u64, data: &mut dyn Read) -> std::io::Result<()> {
        if Collector::wants(path) {
            self.manifest.file(path, size, data)?;
            if let Some(bytes) = self.manifest.bytes(path) {
                let mut b: &[u8] = bytes;
                return self.bundle.file(path, size, &mut b);
            }
        }
        self.bundle.file(path, size, data)
    }
}

/// A verification's report plus what a front end needs to explain it.
#[derive(Clone, Debug)]
pub struct Verification {
    /// The verdict.
    pub report: Report,
    /// The bytes of `payload/manifest.json` when they were read (for diagnostics
    /// such as a parse error rendered with its source excerpt).
    pub manifest_bytes: Option<Vec<u8>>,
}

/// Verifies a bundle (gzip tar, plain tar or directory) in one streaming pass:
/// container rules, tarball hash, manifest and hash lists, then the bundle's own
/// checks. `Err` only when `path` cannot be opened or is not a bundle at all.
///
/// ```
/// use evv::container::{verify_path, VerifyOptions};
/// let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
///     .join("testdata/bundle-basic/valid.tar.gz");
/// let report = verify_path(&path, &VerifyOptions::default()).unwrap();
/// assert!(report.facts.contains_key("tarball_sha256"));
/// ```
pub fn verify_path(path: &Path, opts: &VerifyOptions) -> Result<Report, OpenError> {
    verify_path_full(path, opts).map(|v| v.report)
}

/// [`verify_path`], also returning the manifest bytes.
pub fn verify_path_full(path: &Path, opts: &VerifyOptions) -> Result<Verification, OpenError> {
    let name = opts
        .display_name
        .clone()
        .unwrap_or_else(|| path.to_string_lossy().into_owned());
    let mut report = Report::new("bundle", name);
    report.allow_compromised = opts.allow_compromised;
    opts.trust.record_warnings(&mut report);
    let mut sink = VerifySink {
        manifest: Collector::new(),
        bundle: BundleSink::new(BundleOptions {
            trust: opts.trust.clone(),
            record: opts.record.clone(),
        }),
    };
    if opts.expect_sha256.is_some() && path.is_dir() {
        return Err(OpenError::Unrecognized(format!(
            "{}: --expect-sha256 needs an archive file; a directory has no tarball hash",
            path.display()
        )));
    }
    let summary = read_path(path, &opts.limits, &mut sink, &mut report)?;
    report.fact("container", summary.format.name());
    if let Some(h) = summary.tarball_sha256 {
        report.fact("tarball_sha256", hex::encode(h));
        if let Some(want) = opts.expect_sha256 {
            if want == h {
                report.pass(
                    super::Code::Sha256Mismatch,
                    Subject::file(""),
                    "the tarball hash matches --expect-sha256",
                );
            } else {
                report.fail(
                    super::Code::Sha256Mismatch,
                    Subject::file(""),
                    format!(
                        "tarball sha256 is {}, expected {}",
                        hex::encode(h),
                        hex::encode(want)
                    ),
                );
            }
        }
    }
    let VerifySink { manifest, bundle } = sink;
    if summary.complete {
        let parsed = manifest.check(&summary.records, &mut report);
        bundle.finish(&summary.records, parsed.as_ref(), &mut report);
    }
    let manifest_bytes = match manifest.manifest {
        crate::manifest::Slot::Present(b) => Some(b),
        _ => None,
    };
    Ok(Verification {
        report,
        manifest_bytes,
    })
}
