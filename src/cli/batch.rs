//! `evv verify --batch`: many items in parallel, one JSON line each, in input order.
//!
//! Items are verified in chunks of a few per core, and each chunk's lines are printed
//! before the next starts, so memory stays bounded by the largest items of one chunk,
//! not by the batch.

use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::CliError;
use crate::canon::{self, Value};
use crate::evidence::{self, Options};
use crate::obj;
use crate::verdict::{exit, Status};

/// The items of a batch: the lines of a list file (blank lines and `#` comments
/// skipped; relative paths resolved against the list's folder), or the entries of a
/// directory, sorted by name.
pub fn items(list: &Path) -> Result<Vec<(String, PathBuf)>, CliError> {
    if list.is_dir() {
        let mut v: Vec<(String, PathBuf)> = std::fs::read_dir(list)
            .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", list.display())))?
            .filter_map(Result::ok)
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .map(|e| (e.path().to_string_lossy().into_owned(), e.path()))
            .collect();
        v.sort();
        return Ok(v);
    }
    let text = String::from_utf8(super::read_file(list)?)
        .map_err(|_| CliError::Usage(format!("{}: not UTF-8 text", list.display())))?;
    let base = list.parent().unwrap_or(Path::new(""));
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let p = Path::new(l);
            let full = if p.is_absolute() {
                p.to_path_buf()
            } else {
                base.join(p)
            };
            (l.to_string(), full)
        })
        .collect())
}

/// One batch line for one item.
fn line(name: &str, path: &Path, opts: &Options) -> (Value, Option<Status>) {
    let o = Options {
        display_name: Some(name.to_string()),
        ..opts.clone()
    };
    match evidence::verify(path, &o) {
        Ok(r) => {
            let codes: Vec<Value> = r
                .failure_codes()
                .iter()
                .map(|c| Value::from(c.id()))
                .collect();
            let (p, f, w) = r.counts();
            let status = r.status();
            (
                obj! {
                    "input" => name,
                    "kind" => r.kind.as_str(),
                    "status" => status.as_str(),
                    "exit_code" => r.exit_code(),
                    "compromise_allowed" => r.compromise_allowed(),
                    "counts" => obj!{"pass" => p, "fail" => f, "warn" => w},
                    "failure_codes" => codes,
                },
                Some(status),
            )
        }
        Err(e) => (
            obj! {
                "input" => name,
                "status" => Value::Null,
                "exit_code" => exit::USAGE,
                "error" => e.0,
            },
            None,
        ),
    }
}

/// Runs a batch and returns the exit code: 0 when every item exited 0, 1 when any
/// item failed (TAMPERED, INVALID, or not verifiable), else 3 (some UNVERIFIED).
pub fn run(list: &Path, opts: &Options) -> Result<i32, CliError> {
    let items = items(list)?;
    let chunk = rayon::current_num_threads().max(1) * 4;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let (mut valid, mut failed, mut unverified, mut allowed) = (0u64, 0u64, 0u64, 0u64);
    for group in items.chunks(chunk) {
        let lines: Vec<(Value, Option<Status>, i32)> = group
            .par_iter()
            .map(|(name, path)| {
                let (v, s) = line(name, path, opts);
                let code = v.get("exit_code").and_then(Value::as_i64).unwrap_or(2) as i32;
                (v, s, code)
            })
            .collect();
        for (v, status, code) in lines {
            match (status, code) {
                (Some(Status::Valid), _) => valid += 1,
                (Some(Status::Unverified), _) => unverified += 1,
                (Some(Status::Tampered), 0) => allowed += 1,
                _ => failed += 1,
            }
            out.write_all(&canon::to_vec(&v, canon::Dialect::CanonicalJson).expect("finite"))?;
            out.write_all(b"\n")?;
        }
    }
    let summary = obj! {
        "summary" => obj!{
            "items" => items.len(),
            "valid" => valid,
            "unverified" => unverified,
            "compromise_allowed" => allowed,
            "failed" => failed,
        }
    };
    out.write_all(&canon::to_vec(&summary, canon::Dialect::CanonicalJson).expect("finite"))?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(if failed > 0 {
        exit::FAILED
    } else if unverified > 0 {
        exit::UNVERIFIED
    } else {
        exit::VALID
    })
}
