//! Auditor tools: `evv canon`, `evv hash`, `evv explain`.

use std::io::{BufRead, Read, Write};
use std::path::PathBuf;

use clap::Args;

use super::CliError;
use crate::canon::{self, Dialect};
use crate::verdict::{exit, Code};

/// `evv canon` / `evv hash`.
#[derive(Args, Debug)]
pub struct CanonArgs {
    /// Dialect: python, canonicaljson or jcs.
    #[arg(long, default_value = "python")]
    pub dialect: String,
    /// Treat the input as JSON Lines: canonicalize each non-empty line and write one
    /// output line per input line; a line that fails writes `!error LINE: MESSAGE`.
    #[arg(long)]
    pub jsonl: bool,
    /// JSON file (stdin when absent).
    pub file: Option<PathBuf>,
}

/// `evv explain CODE`.
#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// A finding code, e.g. manifest.file.hash_mismatch.
    pub code: String,
}

/// Writes canonical bytes (or their SHA-256) of a JSON document.
pub fn canon(a: CanonArgs, hash: bool) -> Result<i32, CliError> {
    let dialect = Dialect::from_name(&a.dialect).ok_or_else(|| {
        CliError::Usage(format!(
            "unknown dialect {:?}: expected python, canonicaljson or jcs",
            a.dialect
        ))
    })?;
    if a.jsonl {
        // Line by line: memory is bounded by the longest line, not the input.
        return match &a.file {
            Some(p) => {
                let f = std::fs::File::open(p)
                    .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", p.display())))?;
                canon_lines(std::io::BufReader::with_capacity(1 << 16, f), dialect, hash)
            }
            None => canon_lines(std::io::stdin().lock(), dialect, hash),
        };
    }
    let (name, bytes) = match &a.file {
        Some(p) => (super::display_name(p), super::read_file(p)?),
        None => {
            let mut b = Vec::new();
            std::io::stdin().read_to_end(&mut b)?;
            ("<stdin>".to_string(), b)
        }
    };
    let value = match canon::parse(&bytes) {
        Ok(v) => v,
        Err(e) => {
            let report =
                miette::Report::new(crate::cli::diag::JsonDiagnostic::new(&name, &bytes, &e));
            eprintln!("{report:?}");
            return Err(CliError::Reported(exit::FAILED));
        }
    };
    // The input is no longer needed: free it before producing the output.
    drop(bytes);
    let mut stdout = std::io::stdout().lock();
    if hash {
        // Streams the canonical bytes into the hasher; they are never materialised.
        let digest =
            canon::sha256_hex(&value, dialect).map_err(|e| CliError::Usage(e.to_string()))?;
        writeln!(stdout, "{digest}")?;
    } else {
        let out = canon::to_vec(&value, dialect).map_err(|e| CliError::Usage(e.to_string()))?;
        drop(value);
        stdout.write_all(&out)?;
    }
    stdout.flush()?;
    Ok(exit::VALID)
}

/// Line buffers above this capacity are released after each line.
const LARGE_LINE: usize = 16 << 20;

/// `--jsonl`: one canonical form (or digest) per input line, read one line at a time.
///
/// Lines are the input split at `\n`, with one final `\n` ignored (an empty input, or
/// one that is a single `\n`, has no lines). Every other line, empty ones included, is
/// a JSON document; one that fails writes `!error LINE: MESSAGE` and the exit is 1.
fn canon_lines(mut input: impl BufRead, dialect: Dialect, hash: bool) -> Result<i32, CliError> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut failed = false;
    let mut line = Vec::new();
    let mut number = 0u64;
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        if line.last() == Some(&b'\n') {
            line.pop();
            // The one trailing newline of the whole input does not start a line; the
            // only case where that newline is also the first byte is the input "\n".
            if number == 0 && line.is_empty() && input.fill_buf()?.is_empty() {
                break;
            }
        }
        number += 1;
        let parsed = canon::parse(&line).map_err(|e| e.to_string());
        if line.capacity() > LARGE_LINE {
            // A huge line's bytes are dead once parsed: free them before the output
            // is built, so the peak is value + output, not line + value + output.
            line = Vec::new();
        }
        let result = parsed.and_then(|v| {
            if hash {
                canon::sha256_hex(&v, dialect).map(String::into_bytes)
            } else {
                canon::to_vec(&v, dialect)
            }
            .map_err(|e| e.to_string())
        });
        match result {
            Ok(c) => {
                out.write_all(&c)?;
                out.write_all(b"\n")?;
            }
            Err(e) => {
                failed = true;
                writeln!(out, "!error {number}: {e}")?;
            }
        }
    }
    out.flush()?;
    Ok(if failed { exit::FAILED } else { exit::VALID })
}

/// Prints the explanation of a finding code.
pub fn explain(a: ExplainArgs) -> Result<i32, CliError> {
    match Code::from_id(&a.code) {
        Some(c) => {
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "{} ({})\n\n{}",
                c.id(),
                c.class().as_str(),
                c.explain()
            )?;
            Ok(exit::VALID)
        }
        None => Err(CliError::Usage(format!(
            "unknown finding code {:?}; SPEC.md lists every code",
            a.code
        ))),
    }
}

/// `evv completions SHELL`.
#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, elvish or powershell.
    pub shell: clap_complete::Shell,
}

/// Writes a completion script generated from the clap definitions.
pub fn completions(a: CompletionsArgs) -> Result<i32, CliError> {
    use clap::CommandFactory;
    let mut cmd = super::Cli::command();
    clap_complete::generate(a.shell, &mut cmd, "evv", &mut std::io::stdout().lock());
    Ok(exit::VALID)
}

/// Writes the roff manual page generated from the clap definitions.
pub fn man() -> Result<i32, CliError> {
    use clap::CommandFactory;
    let cmd = super::Cli::command();
    let mut out = std::io::stdout().lock();
    clap_mangen::Man::new(cmd).render(&mut out)?;
    for sub in super::Cli::command()
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
    {
        let name: &'static str = Box::leak(format!("evv-{}", sub.get_name()).into_boxed_str());
        let sub = sub.clone().name(name);
        clap_mangen::Man::new(sub).render(&mut out)?;
    }
    out.flush()?;
    Ok(exit::VALID)
}

/// Every JSON Schema evv ships (`schemas/NAME.schema.json`), embedded.
pub const SCHEMAS: &[(&str, &str)] = &[
    (
        "batch_line",
        include_str!("../../schemas/batch_line.schema.json"),
    ),
    (
        "gate-expectations",
        include_str!("../../schemas/gate-expectations.schema.json"),
    ),
    (
        "kry_action_attestation",
        include_str!("../../schemas/kry_action_attestation.schema.json"),
    ),
    (
        "kry_chain_anchor",
        include_str!("../../schemas/kry_chain_anchor.schema.json"),
    ),
    (
        "kry_council_policy",
        include_str!("../../schemas/kry_council_policy.schema.json"),
    ),
    (
        "kry_pqc_signature",
        include_str!("../../schemas/kry_pqc_signature.schema.json"),
    ),
    (
        "kry_savings_attestation",
        include_str!("../../schemas/kry_savings_attestation.schema.json"),
    ),
    (
        "kry_threshold_artifact",
        include_str!("../../schemas/kry_threshold_artifact.schema.json"),
    ),
    (
        "live_hashed_receipt",
        include_str!("../../schemas/live_hashed_receipt.schema.json"),
    ),
    (
        "manifest",
        include_str!("../../schemas/manifest.schema.json"),
    ),
    (
        "pact-agents",
        include_str!("../../schemas/pact-agents.schema.json"),
    ),
    (
        "pact-transcript",
        include_str!("../../schemas/pact-transcript.schema.json"),
    ),
    (
        "provider_export_row",
        include_str!("../../schemas/provider_export_row.schema.json"),
    ),
    (
        "reconciliation_report",
        include_str!("../../schemas/reconciliation_report.schema.json"),
    ),
    (
        "req_seen_entry",
        include_str!("../../schemas/req_seen_entry.schema.json"),
    ),
    (
        "req_seen_head",
        include_str!("../../schemas/req_seen_head.schema.json"),
    ),
    (
        "response_headers",
        include_str!("../../schemas/response_headers.schema.json"),
    ),
    (
        "sig_batch_case",
        include_str!("../../schemas/sig_batch_case.schema.json"),
    ),
    (
        "sig_batch_result",
        include_str!("../../schemas/sig_batch_result.schema.json"),
    ),
    (
        "thermo_debit",
        include_str!("../../schemas/thermo_debit.schema.json"),
    ),
    (
        "trace_event",
        include_str!("../../schemas/trace_event.schema.json"),
    ),
    ("trust", include_str!("../../schemas/trust.schema.json")),
    (
        "ttt_chain_records",
        include_str!("../../schemas/ttt_chain_records.schema.json"),
    ),
    (
        "ttt_children",
        include_str!("../../schemas/ttt_children.schema.json"),
    ),
    (
        "ttt_signed_record",
        include_str!("../../schemas/ttt_signed_record.schema.json"),
    ),
    (
        "ttt_tarball_record",
        include_str!("../../schemas/ttt_tarball_record.schema.json"),
    ),
    ("verdict", include_str!("../../schemas/verdict.schema.json")),
];

/// `evv schema NAME`.
#[derive(Args, Debug)]
pub struct SchemaArgs {
    /// A schema name (e.g. `verdict`, `manifest`, `trust`); omit to list them.
    pub name: Option<String>,
}

/// Prints one embedded schema, or the list of names.
pub fn schema(a: SchemaArgs) -> Result<i32, CliError> {
    let mut out = std::io::stdout().lock();
    match a.name {
        None => {
            for (n, _) in SCHEMAS {
                writeln!(out, "{n}")?;
            }
            Ok(exit::VALID)
        }
        Some(n) => match SCHEMAS
            .iter()
            .find(|(k, _)| *k == n.trim_end_matches(".schema.json"))
        {
            Some((_, text)) => {
                out.write_all(text.as_bytes())?;
                Ok(exit::VALID)
            }
            None => Err(CliError::Usage(format!(
                "unknown schema {n:?}; `evv schema` lists them"
            ))),
        },
    }
}
