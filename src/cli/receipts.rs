//! `evv receipts` and `evv reconcile`.

use std::path::PathBuf;

use clap::Args;

use super::{CliError, OutputFormat};

/// `evv receipts`.
#[derive(Args, Debug)]
pub struct ReceiptsArgs {
    /// The receipts JSONL file.
    pub receipts: PathBuf,
}

/// `evv reconcile`.
#[derive(Args, Debug)]
pub struct ReconcileArgs {
    /// The receipts JSONL file.
    pub receipts: PathBuf,
    /// The provider usage export (CSV or JSON).
    #[arg(long)]
    pub export: PathBuf,
}

fn not_yet(what: &str) -> Result<i32, CliError> {
    Err(CliError::Usage(format!(
        "{what} is not available in this build"
    )))
}

/// Runs `evv receipts`.
pub fn receipts(_a: ReceiptsArgs, _fmt: OutputFormat) -> Result<i32, CliError> {
    not_yet("evv receipts")
}

/// Runs `evv reconcile`.
pub fn reconcile(_a: ReconcileArgs, _fmt: OutputFormat) -> Result<i32, CliError> {
    not_yet("evv reconcile")
}
