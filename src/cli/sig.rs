//! `evv sig`: signature tools for auditors and interop tests, and the construction of
//! the trust store from the command line ([`TrustStore::from_args`]).
//!
//! - `evv sig verify --alg ALG --key ENC --sig ENC --msg-file FILE [--context HEX]`
//!   verifies one signature under a key the auditor typed (so it is pinned) and prints
//!   a verdict: exit 0 valid, 1 invalid, 2 usage error.
//! - `evv sig verify-batch CASES.jsonl` verifies one case per line and prints one JSON
//!   line per case, in input order (SPEC.md §5.8).
//! - `evv sig fingerprint ALG:ENC` prints the fingerprint of a key, for trust files.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{display_name, CliError, OutputFormat, TrustArgs};
use crate::canon::{self, Dialect, Object, Value};
use crate::crypto::encoding;
use crate::crypto::sig::{self, Alg};
use crate::crypto::trust::{self, check_signature, PinnedKey, SigCheck, TrustStore};
use crate::verdict::{exit, Report, Subject};

/// Largest trust file evv reads (trust files are a few KB).
const MAX_TRUST_FILE: u64 = 16 << 20;

impl TrustStore {
    /// Builds the trust store from `--trust FILE`, `--key ALG:ENCODED` and
    /// `--expect-fingerprint HEX`. Errors are usage errors (exit 2). Warnings (short
    /// fingerprint prefixes) are kept in [`TrustStore::warnings`]; record them with
    /// [`TrustStore::record_warnings`].
    pub fn from_args(a: &TrustArgs) -> Result<TrustStore, String> {
        let file = match &a.trust {
            None => None,
            Some(p) => {
                let name = display_name(p);
                let len = std::fs::metadata(p)
                    .map_err(|e| format!("cannot read trust file {name}: {e}"))?
                    .len();
                if len > MAX_TRUST_FILE {
                    return Err(format!(
                        "trust file {name} is {len} bytes; more than {MAX_TRUST_FILE} is not a trust file"
                    ));
                }
                let bytes =
                    std::fs::read(p).map_err(|e| format!("cannot read trust file {name}: {e}"))?;
                Some((name, bytes))
            }
        };
        TrustStore::from_parts(
            file.as_ref().map(|(n, b)| (n.as_str(), b.as_slice())),
            &a.keys,
            &a.fingerprints,
        )
    }
}

/// `evv sig`.
#[derive(Args, Debug)]
pub struct SigArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: SigCommand,
}

/// The `evv sig` subcommands.
#[derive(Subcommand, Debug)]
pub enum SigCommand {
    /// Verify one signature under a key given on the command line.
    Verify(VerifyOneArgs),
    /// Verify many signatures, one JSON case per line; print one JSON line per case.
    VerifyBatch(VerifyBatchArgs),
    /// Print the fingerprint (SHA-256 of the raw key bytes) of ALG:ENCODED.
    Fingerprint(FingerprintArgs),
}

/// `evv sig verify`.
#[derive(Args, Debug)]
pub struct VerifyOneArgs {
    /// Algorithm: ed25519, ML-DSA-44, ML-DSA-65 or ML-DSA-87.
    #[arg(long)]
    pub alg: String,
    /// Public key: hex, base64 or base58 of the raw bytes (optional prefix hex:, b64:,
    /// b58:), or an Ed25519 SubjectPublicKeyInfo PEM.
    #[arg(long, value_name = "ENCODED")]
    pub key: String,
    /// Signature: hex, base64 or base58 (optional prefix hex:, b64:, b58:).
    #[arg(long, value_name = "ENCODED")]
    pub sig: String,
    /// The signed message (exact bytes).
    #[arg(long, value_name = "FILE")]
    pub msg_file: PathBuf,
    /// ML-DSA context string in hex (empty by default; at most 255 bytes).
    #[arg(long, value_name = "HEX", default_value = "")]
    pub context: String,
}

/// `evv sig verify-batch`.
#[derive(Args, Debug)]
pub struct VerifyBatchArgs {
    /// JSONL file of cases: {"alg", "key", "sig", "msg" (hex), "ctx" (hex, optional),
    /// "id" (optional, echoed)}.
    pub cases: PathBuf,
}

/// `evv sig fingerprint`.
#[derive(Args, Debug)]
pub struct FingerprintArgs {
    /// The key as ALG:ENCODED (as for --key).
    pub key: String,
}

/// Runs `evv sig ...`.
pub fn run(a: SigArgs, fmt: OutputFormat) -> Result<i32, CliError> {
    match a.command {
        SigCommand::Verify(v) => verify_one(v, fmt),
        SigCommand::VerifyBatch(b) => verify_batch(b),
        SigCommand::Fingerprint(f) => {
            let mut t = TrustStore::empty();
            t.add_key_arg(&f.key).map_err(CliError::Usage)?;
            println!("{}", t.keys[0].fingerprint());
            Ok(exit::VALID)
        }
    }
}

fn parse_alg(name: &str) -> Result<Alg, CliError> {
    Alg::from_name(name).ok_or_else(|| {
        CliError::Usage(format!(
            "unknown algorithm {name:?}: expected ed25519, ML-DSA-44, ML-DSA-65 or ML-DSA-87"
        ))
    })
}

fn parse_context(hex_ctx: &str) -> Result<Vec<u8>, String> {
    let c = hex::decode(hex_ctx).map_err(|e| format!("context is not hex: {e}"))?;
    if c.len() > 255 {
        return Err(format!("context is {} bytes; at most 255", c.len()));
    }
    Ok(c)
}

fn verify_one(a: VerifyOneArgs, fmt: OutputFormat) -> Result<i32, CliError> {
    let alg = parse_alg(&a.alg)?;
    let ctx = parse_context(&a.context).map_err(|e| CliError::Usage(format!("--context: {e}")))?;
    if alg == Alg::Ed25519 && !ctx.is_empty() {
        return Err(CliError::Usage(
            "--context applies to ML-DSA only (Ed25519 has no context string)".into(),
        ));
    }
    let msg = super::read_file(&a.msg_file)?;
    let mut report = Report::new("sig", display_name(&a.msg_file));
    report.fact("algorithm", alg.name());
    let key_subject = Subject::file("--key");
    let sig_subject = Subject::file("--sig");
    let pk = trust::decode_key_field(&mut report, &key_subject, alg, None, &a.key);
    let sg = trust::decode_signature_field(&mut report, &sig_subject, alg, None, &a.sig);
    if let (Some(pk), Some(sg)) = (pk, sg) {
        // The auditor typed the key, so it is pinned for this run.
        let fp = trust::fingerprint(&pk);
        report.fact("key_fingerprint", fp.as_str());
        let mut t = TrustStore::empty();
        let k = PinnedKey::new("--key", alg, pk.clone(), Vec::new()).map_err(CliError::Usage)?;
        t.add_key(k).map_err(CliError::Usage)?;
        check_signature(
            &mut report,
            &t,
            SigCheck {
                invalid_code: crate::crypto::Code::SignatureInvalid.into(),
                subject: sig_subject,
                alg,
                public_key: &pk,
                message: &msg,
                signature: &sg,
                context: &ctx,
                role: None,
            },
        );
    }
    super::emit(&report, fmt)
}

/// The result of one batch case.
enum CaseResult {
    Valid,
    Invalid(String),
    Error(String),
}

fn batch_case(line: &[u8]) -> CaseResult {
    let v = match canon::parse(line) {
        Ok(v) => v,
        Err(e) => return CaseResult::Error(format!("column {}: {}", e.column, e.message)),
    };
    let Some(o) = v.as_object() else {
        return CaseResult::Error("a case must be a JSON object".into());
    };
    if let Some(k) = o
        .keys()
        .find(|k| !matches!(*k, "id" | "alg" | "key" | "sig" | "msg" | "ctx"))
    {
        return CaseResult::Error(format!("unknown member {k:?}"));
    }
    let s = |f: &str| {
        o.get(f)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{f}: missing or not a string"))
    };
    let parsed = (|| -> Result<_, String> {
        let alg = Alg::from_name(s("alg")?).ok_or("alg: unknown algorithm")?;
        let msg = hex::decode(s("msg")?).map_err(|e| format!("msg: not hex: {e}"))?;
        let ctx = match o.get("ctx") {
            None => Vec::new(),
            Some(c) => {
                let c = c.as_str().ok_or("ctx: not a string")?;
                hex::decode(c).map_err(|e| format!("ctx: not hex: {e}"))?
            }
        };
        Ok((alg, s("key")?, s("sig")?, msg, ctx))
    })();
    let (alg, key, sg, msg, ctx) = match parsed {
        Ok(x) => x,
        Err(e) => return CaseResult::Error(e),
    };
    let pk = match encoding::decode_public_key(alg, key) {
        Ok(pk) => pk,
        Err(e) => return CaseResult::Invalid(format!("key: {e}")),
    };
    let sg = match encoding::decode_signature(alg, sg) {
        Ok(b) => b,
        Err(e) => return CaseResult::Invalid(format!("sig: {e}")),
    };
    match sig::verify(alg, &pk, &msg, &sg, &ctx) {
        Ok(()) => CaseResult::Valid,
        Err(e) => CaseResult::Invalid(e.to_string()),
    }
}

/// Streams the cases file line by line (bounded memory); exit 0 when every case is
/// valid, 1 when some case is invalid, 2 when some line is not a well-formed case.
fn verify_batch(a: VerifyBatchArgs) -> Result<i32, CliError> {
    let name = display_name(&a.cases);
    let f = std::fs::File::open(&a.cases)
        .map_err(|e| CliError::Usage(format!("cannot read {name}: {e}")))?;
    let mut rd = std::io::BufReader::new(f);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let (mut n, mut valid, mut invalid, mut errors) = (0u64, 0u64, 0u64, 0u64);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let got = rd
            .read_until(b'\n', &mut buf)
            .map_err(|e| CliError::Usage(format!("cannot read {name}: {e}")))?;
        if got == 0 {
            break;
        }
        n += 1;
        let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
        if line.is_empty() {
            continue;
        }
        let mut rec = Object::new();
        rec.insert("line", Value::Number(n.into()));
        if let Ok(v) = canon::parse(line) {
            if let Some(id) = v.get("id") {
                rec.insert("id", id.clone());
            }
        }
        match batch_case(line) {
            CaseResult::Valid => {
                valid += 1;
                rec.insert("result", "valid");
            }
            CaseResult::Invalid(r) => {
                invalid += 1;
                rec.insert("result", "invalid");
                rec.insert("reason", r);
            }
            CaseResult::Error(r) => {
                errors += 1;
                rec.insert("result", "error");
                rec.insert("reason", r);
            }
        }
        let bytes = canon::to_vec(&Value::Object(rec), Dialect::Python)
            .map_err(|e| CliError::Usage(e.to_string()))?;
        out.write_all(&bytes)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    drop(out);
    eprintln!("{valid} valid, {invalid} invalid, {errors} malformed cases");
    Ok(if errors > 0 {
        exit::USAGE
    } else if invalid > 0 {
        exit::FAILED
    } else {
        exit::VALID
    })
}
