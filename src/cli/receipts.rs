//! `evv receipts` and `evv reconcile`.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use clap::Args;

use super::{display_name, CliError, OutputFormat};
use crate::receipts::{self, ReceiptOptions, ReconcileOptions, ThermoOptions, Tolerance};
use crate::verdict::Report;

/// `evv receipts`.
#[derive(Args, Debug)]
pub struct ReceiptsArgs {
    /// The receipts JSONL file (line order is custody order).
    pub receipts: PathBuf,
    /// Allowed provider host, repeatable; replaces the per-provider defaults
    /// (openai: api.openai.com, openrouter: openrouter.ai, anthropic: api.anthropic.com).
    #[arg(long = "allow-host", value_name = "HOST")]
    pub allow_hosts: Vec<String>,
    /// A thermodynamics ledger (JSONL debits) to check against the receipts.
    #[arg(long, value_name = "LEDGER.jsonl")]
    pub thermo: Option<PathBuf>,
    /// Refuse thermo debits without usage (requires --thermo).
    #[arg(long, requires = "thermo")]
    pub require_usage: bool,
}

/// `evv reconcile`.
#[derive(Args, Debug)]
pub struct ReconcileArgs {
    /// The receipts JSONL file.
    pub receipts: PathBuf,
    /// The provider usage export (CSV, JSON or JSONL; detected from content).
    #[arg(long)]
    pub export: PathBuf,
    /// Absolute token difference always allowed.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub tolerance_tokens: u64,
    /// Relative token difference allowed, in percent of the export's value (at most two decimals).
    #[arg(long, value_name = "P", default_value = "0")]
    pub tolerance_pct: String,
    /// How far (ms) the export's time may lie outside the receipt's window.
    #[arg(long, value_name = "MS", default_value_t = receipts::reconcile::DEFAULT_TIME_MS)]
    pub tolerance_ms: u64,
    /// Allowed provider host, repeatable (as for `evv receipts`).
    #[arg(long = "allow-host", value_name = "HOST")]
    pub allow_hosts: Vec<String>,
}

fn open(p: &Path) -> Result<BufReader<File>, CliError> {
    File::open(p)
        .map(|f| BufReader::with_capacity(1 << 20, f))
        .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", p.display())))
}

fn io_err(p: &Path, e: std::io::Error) -> CliError {
    CliError::Usage(format!("cannot read {}: {e}", p.display()))
}

/// Runs `evv receipts`.
pub fn receipts(a: ReceiptsArgs, fmt: OutputFormat) -> Result<i32, CliError> {
    let name = display_name(&a.receipts);
    let mut report = Report::new("receipts", name.clone());
    let opts = ReceiptOptions {
        allow_hosts: a.allow_hosts,
    };
    let r = open(&a.receipts)?;
    match &a.thermo {
        None => {
            receipts::verify::verify_receipts_with(&name, r, &opts, &mut report, &mut |_| {})
                .map_err(|e| io_err(&a.receipts, e))?;
        }
        Some(t) => {
            let ledger = open(t)?;
            let idx = receipts::verify_receipts(&name, r, &opts, &mut report)
                .map_err(|e| io_err(&a.receipts, e))?;
            receipts::verify_thermo(
                &display_name(t),
                ledger,
                &idx,
                ThermoOptions {
                    require_usage: a.require_usage,
                },
                &mut report,
            )
            .map_err(|e| io_err(t, e))?;
        }
    }
    super::emit(&report, fmt)
}

/// Runs `evv reconcile`: prints the reconciliation report (JSON, whatever `--format`
/// says, since the report is the deliverable) and exits 0 only when it passes.
pub fn reconcile(a: ReconcileArgs, _fmt: OutputFormat) -> Result<i32, CliError> {
    let pct = Tolerance::parse_pct(&a.tolerance_pct).ok_or_else(|| {
        CliError::Usage(format!(
            "--tolerance-pct {:?}: expected a percentage in 0..100 with at most two decimals",
            a.tolerance_pct
        ))
    })?;
    let rname = display_name(&a.receipts);
    let ename = display_name(&a.export);
    let mut report = Report::new("reconcile", rname.clone());
    let opts = ReconcileOptions {
        receipts: ReceiptOptions {
            allow_hosts: a.allow_hosts,
        },
        tolerance: Tolerance {
            tokens: a.tolerance_tokens,
            pct_hundredths: pct,
            time_ms: a.tolerance_ms,
        },
    };
    let r = open(&a.receipts)?;
    let e = open(&a.export)?;
    let rec = receipts::reconcile(&rname, r, &ename, e, &opts, &mut report)
        .map_err(|e| CliError::Usage(format!("cannot read input: {e}")))?;
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(rec.render().as_bytes())?;
    out.flush()?;
    Ok(report.exit_code())
}
