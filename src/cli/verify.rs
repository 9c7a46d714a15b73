//! `evv verify`.

use std::path::PathBuf;

use clap::Args;

use super::{CliError, OutputFormat, TrustArgs};

/// `evv verify PATH`.
#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// A bundle (.tar.gz, .tar or directory holding payload/).
    pub path: PathBuf,
    /// Expected SHA-256 of the exact input bytes (the tarball hash).
    #[arg(long, value_name = "HEX")]
    pub expect_sha256: Option<String>,
    /// Exit 0 when the only failures are container-level hash mismatches.
    #[arg(long)]
    pub allow_compromised: bool,
    /// Pinned keys.
    #[command(flatten)]
    pub trust: TrustArgs,
}

/// Runs `evv verify`.
pub fn run(_a: VerifyArgs, _fmt: OutputFormat) -> Result<i32, CliError> {
    Err(CliError::Usage(
        "evv verify is not available in this build".into(),
    ))
}
