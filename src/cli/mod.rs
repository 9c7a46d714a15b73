//! The command-line interface: argument parsing, dispatch, output and exit codes.
//!
//! Everything that touches the outside world for the binary lives here or in
//! [`crate::container`]; the format modules stay pure.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::verdict::{exit, render_json, render_text, Report};

mod batch;
pub mod diag;
mod kry;
mod pact;
mod receipts;
mod sig;
mod term;
mod tools;
pub(crate) mod verify;

/// evv: offline, read-only, fail-closed verifier for evidence.
#[derive(Parser, Debug)]
#[command(name = "evv", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Output format of verdicts.
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// How a verdict is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Summary line, failures with codes, counts, a hint.
    Text,
    /// One JSON document (schemas/verdict.schema.json).
    Json,
    /// GitHub Actions workflow annotations.
    Github,
}

/// Keys the auditor obtained out-of-band.
#[derive(Args, Debug, Clone, Default)]
pub struct TrustArgs {
    /// Trust file listing pinned keys and m-of-n policies (schemas/trust.schema.json).
    #[arg(long, value_name = "FILE")]
    pub trust: Option<PathBuf>,
    /// A pinned key as ALG:ENCODED, repeatable: raw key bytes in hex, base64 or base58,
    /// optionally prefixed hex:, b64:, b58: (or an Ed25519 PEM); pinned for any role.
    #[arg(long = "key", value_name = "ALG:ENCODED")]
    pub keys: Vec<String>,
    /// Pin a key by (a prefix of) the SHA-256 of its raw bytes, repeatable; fewer than
    /// 16 hex digits draws a warning.
    #[arg(long = "expect-fingerprint", value_name = "HEX")]
    pub fingerprints: Vec<String>,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Verify evidence: a bundle (.tar.gz, .tar, directory) or any format evv knows.
    Verify(verify::VerifyArgs),
    /// Verify a KRY attestation (KRY-SPEC v1.3).
    Kry(kry::KryArgs),
    /// Replay a PACT v4 transcript.
    Replay(pact::ReplayArgs),
    /// Verify a fixture tree against an expectations file (CI gate).
    Gate(pact::GateArgs),
    /// Verify a LIVE_HASHED receipts file.
    Receipts(receipts::ReceiptsArgs),
    /// Reconcile LIVE_HASHED receipts against a provider usage export.
    Reconcile(receipts::ReconcileArgs),
    /// Write the canonical bytes of a JSON document.
    Canon(tools::CanonArgs),
    /// Print the SHA-256 of a JSON document's canonical bytes.
    Hash(tools::CanonArgs),
    /// Explain a finding code.
    Explain(tools::ExplainArgs),
    /// Signature tools: verify one signature or a batch, print a key's fingerprint.
    Sig(sig::SigArgs),
    /// Print one of the JSON Schemas evv ships (no NAME: list them).
    Schema(tools::SchemaArgs),
    /// Print a shell completion script.
    Completions(tools::CompletionsArgs),
    /// Print the manual page (roff).
    Man,
    /// Deliberately triggers an internal error, to test that panics become exit code 4
    /// with a report request and no backtrace.
    #[command(hide = true, name = "__internal-error-selftest")]
    InternalErrorSelftest,
}

/// An error that ends the command before a verdict exists.
#[derive(Debug)]
pub enum CliError {
    /// Bad arguments or unreadable input: exit 2.
    Usage(String),
    /// A diagnostic already rendered (e.g. a miette report); carries the exit code.
    Reported(i32),
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            // The reader (e.g. `| head`) stopped early: not an error of ours.
            CliError::Reported(exit::VALID)
        } else {
            CliError::Usage(e.to_string())
        }
    }
}

/// Entry point of the binary: parses arguments, runs, and returns the exit code.
/// Panics never reach the user as a backtrace: they become exit code 4.
pub fn main() -> i32 {
    std::panic::set_hook(Box::new(|info| {
        let loc = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "evv: internal error{loc}: {}\nThis is a bug in evv, not a verdict on the evidence. Please report it with the command you ran.",
            panic_message(info.payload())
        );
    }));
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { exit::USAGE } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    match std::panic::catch_unwind(move || run(cli)) {
        Ok(Ok(code)) => code,
        Ok(Err(CliError::Usage(msg))) => {
            eprintln!("evv: {msg}");
            exit::USAGE
        }
        Ok(Err(CliError::Reported(code))) => code,
        Err(_) => exit::INTERNAL,
    }
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".into()
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<i32, CliError> {
    let fmt = cli.format;
    match cli.command {
        Command::Verify(a) => verify::run(a, fmt),
        Command::Kry(a) => kry::run(a, fmt),
        Command::Replay(a) => pact::replay(a, fmt),
        Command::Gate(a) => pact::gate(a, fmt),
        Command::Receipts(a) => receipts::receipts(a, fmt),
        Command::Reconcile(a) => receipts::reconcile(a, fmt),
        Command::Canon(a) => tools::canon(a, false),
        Command::Hash(a) => tools::canon(a, true),
        Command::Explain(a) => tools::explain(a),
        Command::Sig(a) => sig::run(a, fmt),
        Command::Schema(a) => tools::schema(a),
        Command::Completions(a) => tools::completions(a),
        Command::Man => tools::man(),
        Command::InternalErrorSelftest => panic!("internal error self-test"),
    }
}

/// Prints a report in the chosen format and returns its exit code.
pub fn emit(report: &Report, fmt: OutputFormat) -> Result<i32, CliError> {
    let out = match fmt {
        OutputFormat::Text if term::colour_stdout() => term::colourise(&render_text(report)),
        OutputFormat::Text => render_text(report),
        OutputFormat::Json => render_json(report),
        OutputFormat::Github => crate::verdict::render_github(report),
    };
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
    {
        // A reader that stopped early (`| head`) does not change the verdict.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(report.exit_code()),
    }
}

/// Reads a whole input file (large ones on the pool's threads); a missing or
/// unreadable file is a usage error.
pub fn read_file(path: &Path) -> Result<Vec<u8>, CliError> {
    let threads = if rayon::current_thread_index().is_none() {
        rayon::current_num_threads()
    } else {
        1
    };
    crate::container::read_whole(path, threads)
        .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", path.display())))
}

/// How an input path is shown in output: exactly as the user wrote it.
pub fn display_name(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}
