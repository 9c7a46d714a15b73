//! One entry point for every kind of evidence: recognise what a path holds from its
//! content (never its name) and run the right verifier.
//!
//! ```
//! use evv::evidence::{verify, Options};
//! let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
//!     .join("testdata/bundles/accepted.tar.gz");
//! let report = verify(&path, &Options::default()).unwrap();
//! // Intact, but no key pinned: authenticity is not established.
//! assert_eq!(report.status(), evv::verdict::Status::Unverified);
//! assert_eq!(report.exit_code(), 3);
//! ```

use std::io::{BufRead, Read};
use std::path::Path;

use crate::canon::{self, Value};
use crate::container::{self, Limits, VerifyOptions};
use crate::crypto::trust::TrustStore;
use crate::verdict::Report;

/// What kind of evidence a path holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// An IF.emotion evidence bundle: gzip tar, plain tar, or a directory with `payload/`.
    Bundle,
    /// A KRY savings or action attestation (a JSON document).
    Kry,
    /// A PACT v4 transcript (a JSON document).
    Pact,
    /// A LIVE_HASHED receipts file (JSON Lines).
    Receipts,
}

impl Kind {
    /// Lowercase name, as in verdicts.
    pub const fn name(self) -> &'static str {
        match self {
            Kind::Bundle => "bundle",
            Kind::Kry => "kry",
            Kind::Pact => "pact",
            Kind::Receipts => "receipts",
        }
    }
}

/// Why a path could not be verified at all (exit code 2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotEvidence(pub String);

impl std::fmt::Display for NotEvidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NotEvidence {}

/// What evv can verify, for error messages.
pub const WHAT_EVV_VERIFIES: &str = "evv verifies evidence bundles (.tar.gz, .tar, or a directory holding payload/), KRY savings and action attestations (JSON), PACT v4 transcripts (JSON) and LIVE_HASHED receipts (JSON Lines)";

/// Largest JSON document read to recognise it (bigger inputs are bundles or JSONL).
const MAX_DOCUMENT: u64 = 1 << 30;
/// Longest first line read to recognise a JSON Lines file.
const MAX_FIRST_LINE: u64 = 1 << 20;

/// Recognises a path's kind from its content. For a JSON document the parsed bytes
/// are returned too, so they are read only once.
pub fn recognise(path: &Path) -> Result<(Kind, Option<Vec<u8>>), NotEvidence> {
    let meta = std::fs::metadata(path)
        .map_err(|e| NotEvidence(format!("cannot read {}: {e}", path.display())))?;
    if meta.is_dir() {
        return if path.join("payload").is_dir() {
            Ok((Kind::Bundle, None))
        } else {
            Err(NotEvidence(format!(
                "{} is a directory without payload/; {WHAT_EVV_VERIFIES}",
                path.display()
            )))
        };
    }
    let mut f = std::fs::File::open(path)
        .map_err(|e| NotEvidence(format!("cannot read {}: {e}", path.display())))?;
    let mut head = Vec::with_capacity(512);
    (&mut f)
        .take(512)
        .read_to_end(&mut head)
        .map_err(|e| NotEvidence(format!("cannot read {}: {e}", path.display())))?;
    if head.starts_with(&[0x1f, 0x8b]) || (head.len() >= 262 && &head[257..262] == b"ustar") {
        return Ok((Kind::Bundle, None));
    }
    // JSON Lines: the first line is a complete object that looks like a receipt.
    let first = first_line(path)?;
    if let Ok(Value::Object(o)) = canon::parse(&first) {
        if o.contains_key("receipt_hash")
            || o.get("lane").and_then(Value::as_str) == Some("LIVE_HASHED")
        {
            return Ok((Kind::Receipts, None));
        }
    }
    if meta.len() > MAX_DOCUMENT {
        return Err(NotEvidence(format!(
            "{}: not a bundle, and too large for a JSON document; {WHAT_EVV_VERIFIES}",
            path.display()
        )));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| NotEvidence(format!("cannot read {}: {e}", path.display())))?;
    let kind = match canon::parse(&bytes) {
        Ok(Value::Object(o)) if o.contains_key("transcript_version") => Some(Kind::Pact),
        Ok(Value::Object(o))
            if o.contains_key("links")
                || o.contains_key("action_hash_version")
                || o.get("kind").and_then(Value::as_str) == Some("kry_action_attestation") =>
        {
            Some(Kind::Kry)
        }
        _ => None,
    };
    match kind {
        Some(k) => Ok((k, Some(bytes))),
        None => Err(NotEvidence(format!(
            "{}: content not recognised; {WHAT_EVV_VERIFIES}",
            path.display()
        ))),
    }
}

fn first_line(path: &Path) -> Result<Vec<u8>, NotEvidence> {
    let f = std::fs::File::open(path)
        .map_err(|e| NotEvidence(format!("cannot read {}: {e}", path.display())))?;
    let mut r = std::io::BufReader::new(f).take(MAX_FIRST_LINE);
    let mut line = Vec::new();
    r.read_until(b'\n', &mut line)
        .map_err(|e| NotEvidence(format!("cannot read {}: {e}", path.display())))?;
    Ok(line)
}

/// Options shared by every kind (each verifier takes what applies to it).
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Keys the auditor pinned.
    pub trust: TrustStore,
    /// `--allow-compromised` (Rules of Evidence).
    pub allow_compromised: bool,
    /// Bundle limits against archive bombs.
    pub limits: Limits,
    /// Expected tarball SHA-256 (bundles only).
    pub expect_sha256: Option<[u8; 32]>,
    /// Detached signed tarball record (bundles only): display name and bytes.
    pub record: Option<(String, Vec<u8>)>,
    /// How the input is named in the report (defaults to the path as given).
    pub display_name: Option<String>,
}

/// Recognises `path` and verifies it. `Err` only when the path cannot be read or holds
/// nothing evv verifies; everything wrong inside evidence is a finding.
pub fn verify(path: &Path, opts: &Options) -> Result<Report, NotEvidence> {
    let (kind, bytes) = recognise(path)?;
    verify_as(kind, path, bytes, opts)
}

/// Verifies `path` as `kind` (`bytes`: the file's content when already read).
pub fn verify_as(
    kind: Kind,
    path: &Path,
    bytes: Option<Vec<u8>>,
    opts: &Options,
) -> Result<Report, NotEvidence> {
    let name = opts
        .display_name
        .clone()
        .unwrap_or_else(|| path.to_string_lossy().into_owned());
    let read = |b: Option<Vec<u8>>| match b {
        Some(b) => Ok(b),
        None => std::fs::read(path)
            .map_err(|e| NotEvidence(format!("cannot read {}: {e}", path.display()))),
    };
    if kind != Kind::Bundle && (opts.expect_sha256.is_some() || opts.record.is_some()) {
        return Err(NotEvidence(format!(
            "{name}: --expect-sha256 and --record apply to bundle archives; this is {} evidence",
            kind.name()
        )));
    }
    let mut report = match kind {
        Kind::Bundle => {
            let v = VerifyOptions {
                limits: opts.limits,
                expect_sha256: opts.expect_sha256,
                trust: opts.trust.clone(),
                allow_compromised: opts.allow_compromised,
                display_name: Some(name.clone()),
                record: opts.record.clone(),
            };
            return container::verify_path(path, &v).map_err(|e| NotEvidence(e.to_string()));
        }
        Kind::Kry => {
            let bytes = read(bytes)?;
            let mut r = Report::new("kry", name.clone());
            let o = crate::kry::KryOptions {
                trust: opts.trust.clone(),
                ..Default::default()
            };
            crate::kry::verify_attestation_bytes(&name, &bytes, &o, &mut r);
            r
        }
        Kind::Pact => {
            let bytes = read(bytes)?;
            crate::pact::replay_bytes(
                &bytes,
                &name,
                &crate::pact::ReplayOptions {
                    trust: opts.trust.clone(),
                },
            )
        }
        Kind::Receipts => {
            let f = std::fs::File::open(path)
                .map_err(|e| NotEvidence(format!("cannot read {}: {e}", path.display())))?;
            let mut r = Report::new("receipts", name.clone());
            crate::receipts::verify::verify_receipts_with(
                &name,
                std::io::BufReader::new(f),
                &crate::receipts::verify::ReceiptOptions::default(),
                &mut r,
                &mut |_| {},
            )
            .map_err(|e| NotEvidence(format!("cannot read {}: {e}", path.display())))?;
            r
        }
    };
    opts.trust.record_warnings(&mut report);
    report.allow_compromised = opts.allow_compromised;
    Ok(report)
}
