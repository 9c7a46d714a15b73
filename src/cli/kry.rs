//! `evv kry`.

use std::path::{Path, PathBuf};

use clap::Args;

use super::{display_name, emit, read_file, CliError, OutputFormat, TrustArgs};
use crate::crypto::trust::TrustStore;
use crate::kry::{self, CouncilInput, KryOptions, SideInput};
use crate::verdict::Report;

/// `evv kry ATTESTATION`: verify a KRY savings or action attestation (recognised from
/// its content) under KRY-SPEC v1.3, with the overlay and anchor profiles, and
/// optionally a kry-pqc signature or council quorum.
#[derive(Args, Debug)]
pub struct KryArgs {
    /// The attestation JSON file.
    pub attestation: PathBuf,
    /// Published chain-head anchor `{"schema":"kry_chain_anchor/v1","count","tip"}`.
    #[arg(long, value_name = "FILE")]
    pub anchor: Option<PathBuf>,
    /// Detached kry-pqc signature `{scheme, alg, message_sha256, public_key, signature}`.
    #[arg(long, value_name = "SIG.json")]
    pub signature: Option<PathBuf>,
    /// Pinned ML-DSA public key for --signature (a file holding the base64 raw key).
    #[arg(long, value_name = "FILE", requires = "signature")]
    pub public_key: Option<PathBuf>,
    /// Refuse legacy kry-pqc/v1 signatures.
    #[arg(long, requires = "signature")]
    pub require_v2: bool,
    /// Council policy `kry-pqc-council/v1` (the auditor's copy).
    #[arg(long, value_name = "POLICY", requires = "threshold_artifact")]
    pub council: Option<PathBuf>,
    /// Council threshold artifact `kry-pqc-threshold/v2`.
    #[arg(long, value_name = "FILE", requires = "council")]
    pub threshold_artifact: Option<PathBuf>,
    /// Pinned keys.
    #[command(flatten)]
    pub trust: TrustArgs,
}

fn side(p: &Path) -> Result<SideInput, CliError> {
    Ok(SideInput {
        name: display_name(p),
        bytes: read_file(p)?,
    })
}

/// The trust store of `evv kry`: the shared `--trust`, `--key` and
/// `--expect-fingerprint` handling (SPEC 5).
fn trust_store(t: &TrustArgs) -> Result<TrustStore, CliError> {
    super::verify::trust_from_args(t)
}

/// Runs `evv kry`.
pub fn run(a: KryArgs, fmt: OutputFormat) -> Result<i32, CliError> {
    let name = display_name(&a.attestation);
    let unreadable = |e: std::io::Error| CliError::Usage(format!("cannot read {name}: {e}"));
    let mut file = std::fs::File::open(&a.attestation).map_err(unreadable)?;
    let len = file.metadata().map_err(unreadable)?.len();
    let opts = KryOptions {
        anchor: a.anchor.as_deref().map(side).transpose()?,
        signature: a.signature.as_deref().map(side).transpose()?,
        public_key: a.public_key.as_deref().map(side).transpose()?,
        trust: trust_store(&a.trust)?,
        require_v2: a.require_v2,
        council: match (&a.council, &a.threshold_artifact) {
            (Some(p), Some(t)) => Some(CouncilInput {
                policy: side(p)?,
                artifact: side(t)?,
            }),
            _ => None,
        },
    };
    let mut report = Report::new("kry", name.clone());
    // A savings attestation is first read once, piece by piece, by the tree-free
    // path; where that declines (or the options need the whole bytes) the file is
    // read whole for the general path.
    let streamable = opts.signature.is_none() && opts.council.is_none();
    if streamable
        && kry::verify_streamed(&name, &mut file, len, &opts, &mut report)
            .map_err(unreadable)?
            .is_some()
    {
        return emit(&report, fmt);
    }
    drop(file);
    let bytes = read_file(&a.attestation)?;
    // The process ends right after printing: freeing a tree of millions of nodes one
    // by one would cost about a fifth of the run for nothing.
    if streamable {
        kry::verify_general_with(&name, &bytes, &opts, &mut report, std::mem::forget);
    } else {
        kry::verify_bytes_with(&name, &bytes, &opts, &mut report, std::mem::forget);
    }
    emit(&report, fmt)
}
