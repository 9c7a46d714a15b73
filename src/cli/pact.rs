//! `evv replay` and `evv gate`.

use std::path::PathBuf;

use clap::Args;

use super::{CliError, OutputFormat, TrustArgs};

/// `evv replay`.
#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// The transcript JSON file.
    pub transcript: PathBuf,
    /// Exit 0 when the only failure is a container-level hash mismatch.
    #[arg(long)]
    pub allow_compromised: bool,
    /// Pinned keys.
    #[command(flatten)]
    pub trust: TrustArgs,
}

/// `evv gate`.
#[derive(Args, Debug)]
pub struct GateArgs {
    /// The fixture tree.
    pub dir: PathBuf,
    /// Expectations file.
    #[arg(long)]
    pub expect: Option<PathBuf>,
    /// Write JUnit XML here.
    #[arg(long)]
    pub junit: Option<PathBuf>,
}

fn not_yet(what: &str) -> Result<i32, CliError> {
    Err(CliError::Usage(format!(
        "{what} is not available in this build"
    )))
}

/// Runs `evv replay`.
pub fn replay(_a: ReplayArgs, _fmt: OutputFormat) -> Result<i32, CliError> {
    not_yet("evv replay")
}

/// Runs `evv gate`.
pub fn gate(_a: GateArgs, _fmt: OutputFormat) -> Result<i32, CliError> {
    not_yet("evv gate")
}
