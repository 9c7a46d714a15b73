//! `evv kry`.

use std::path::PathBuf;

use clap::Args;

use super::{CliError, OutputFormat, TrustArgs};

/// `evv kry`.
#[derive(Args, Debug)]
pub struct KryArgs {
    /// The attestation JSON file.
    pub attestation: PathBuf,
    /// Pinned keys.
    #[command(flatten)]
    pub trust: TrustArgs,
}

fn not_yet(what: &str) -> Result<i32, CliError> {
    Err(CliError::Usage(format!(
        "{what} is not available in this build"
    )))
}

/// Runs `evv kry`.
pub fn run(_a: KryArgs, _fmt: OutputFormat) -> Result<i32, CliError> {
    not_yet("evv kry")
}
