//! `evv verify`.

use std::path::PathBuf;

use clap::Args;

use super::{display_name, emit, CliError, OutputFormat, TrustArgs};
use crate::container::{verify_path_full, Limits, OpenError, VerifyOptions};
use crate::crypto::trust::TrustStore;

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
    /// Most tar headers (or directory entries) read [default: 100000].
    #[arg(long, value_name = "N")]
    pub max_entries: Option<u64>,
    /// Largest size of one file, e.g. 8GiB [default: 8GiB].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_file_size: Option<u64>,
    /// Largest uncompressed archive, e.g. 32GiB [default: 32GiB].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_total_size: Option<u64>,
    /// Largest ratio of inflated to compressed bytes [default: 200].
    #[arg(long, value_name = "N")]
    pub max_ratio: Option<u64>,
    /// A detached signed record for the tarball (`ttt_tarball_record.json`, SPEC 6).
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// Pinned keys.
    #[command(flatten)]
    pub trust: TrustArgs,
}

/// Parses a byte count: digits with an optional binary suffix (K, M, G, T, with or
/// without `iB`/`B`), e.g. `4096`, `512MiB`, `8G`.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    let (num, unit) = t.split_at(digits);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a size (e.g. 4096, 512MiB, 8GiB)"))?;
    let shift = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => return Err(format!("`{s}`: unknown size unit `{unit}`")),
    };
    n.checked_mul(1u64 << shift)
        .ok_or_else(|| format!("`{s}` is too large"))
}

/// The auditor's pinned keys (`--trust`, `--key`, `--expect-fingerprint`).
pub fn trust_from_args(args: &TrustArgs) -> Result<TrustStore, CliError> {
    TrustStore::from_args(args).map_err(CliError::Usage)
}

/// Runs `evv verify`.
pub fn run(a: VerifyArgs, fmt: OutputFormat) -> Result<i32, CliError> {
    let expect_sha256 = match &a.expect_sha256 {
        None => None,
        Some(h) => Some(
            crate::crypto::hash::parse_hex32(&h.to_ascii_lowercase()).ok_or_else(|| {
                CliError::Usage(format!("--expect-sha256 `{h}` is not 64 hex digits"))
            })?,
        ),
    };
    let d = Limits::default();
    let limits = Limits {
        max_entries: a.max_entries.unwrap_or(d.max_entries),
        max_file_size: a.max_file_size.unwrap_or(d.max_file_size),
        max_total_size: a.max_total_size.unwrap_or(d.max_total_size),
        max_ratio: a.max_ratio.unwrap_or(d.max_ratio),
    };
    let opts = VerifyOptions {
        limits,
        expect_sha256,
        trust: trust_from_args(&a.trust)?,
        record: match &a.record {
            Some(p) => Some((display_name(p), super::read_file(p)?)),
            None => None,
        },
        allow_compromised: a.allow_compromised,
        display_name: Some(display_name(&a.path)),
    };
    match verify_path_full(&a.path, &opts) {
        Ok(v) => {
            if let Some(bytes) = &v.manifest_bytes {
                if let Err(e) = crate::canon::parse(bytes) {
                    let d =
                        super::diag::JsonDiagnostic::new(crate::manifest::MANIFEST_PATH, bytes, &e);
                    eprintln!("{:?}", miette::Report::new(d));
                }
            }
            emit(&v.report, fmt)
        }
        Err(OpenError::Io(m)) | Err(OpenError::Unrecognized(m)) => Err(CliError::Usage(m)),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("512MiB"), Ok(512 << 20));
        assert_eq!(parse_size("8G"), Ok(8 << 30));
        assert!(parse_size("8X").is_err());
        assert!(parse_size("").is_err());
        assert!(parse_size("99999999999T").is_err());
    }
}
