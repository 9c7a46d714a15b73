//! The thermodynamics ledger: one JSONL debit per charged call, each referencing the
//! receipt that evidences it.

use std::collections::HashMap;
use std::io::{self, BufRead};

use crate::canon::{self, Value};
use crate::crypto::hash::parse_hex32;
use crate::verdict::{Report, Subject};

use super::privacy;
use super::verify::{read_line_bounded, ReceiptIndex, MAX_LINE};
use super::Code;

/// Schema identity of a debit.
pub const DEBIT_SCHEMA_ID: &str = "kt.thermo.debit.v1";
/// Every field of a debit.
pub const DEBIT_FIELDS: [&str; 6] = [
    "lane",
    "model",
    "receipt_hash",
    "schema_id",
    "timestamp_ms",
    "total_tokens",
];

/// Options of the ledger check.
#[derive(Clone, Copy, Debug, Default)]
pub struct ThermoOptions {
    /// `--require-usage`: every debit must carry total_tokens.
    pub require_usage: bool,
}

struct Debit {
    timestamp_ms: u64,
    receipt_hash: [u8; 32],
    model: String,
    total_tokens: Option<u64>,
}

fn parse_debit(v: &Value) -> Result<Debit, (String, String)> {
    let e = |f: &str, m: String| (f.to_string(), m);
    let Value::Object(o) = v else {
        return Err(e(
            "",
            format!("debit is a JSON {}, not an object", v.type_name()),
        ));
    };
    let mut flagged = Vec::new();
    privacy::scan(o, &mut |_, f, m| flagged.push((f.to_string(), m)));
    if let Some((f, m)) = flagged.into_iter().next() {
        return Err((f, m));
    }
    for k in o.keys() {
        if !DEBIT_FIELDS.contains(&k) {
            return Err(e(
                k,
                format!("field {k:?} is not part of {DEBIT_SCHEMA_ID}"),
            ));
        }
    }
    if o.get("schema_id").and_then(Value::as_str) != Some(DEBIT_SCHEMA_ID) {
        return Err(e(
            "schema_id",
            format!("schema_id must be {DEBIT_SCHEMA_ID:?}"),
        ));
    }
    if o.get("lane").and_then(Value::as_str) != Some("LIVE_HASHED") {
        return Err(e("lane", "lane must be \"LIVE_HASHED\"".into()));
    }
    let timestamp_ms = o
        .get("timestamp_ms")
        .and_then(Value::as_u64)
        .ok_or_else(|| {
            e(
                "timestamp_ms",
                "timestamp_ms must be a non-negative integer".into(),
            )
        })?;
    let receipt_hash = o
        .get("receipt_hash")
        .and_then(Value::as_str)
        .and_then(parse_hex32)
        .ok_or_else(|| {
            e(
                "receipt_hash",
                "receipt_hash must be 64 lowercase hex digits".into(),
            )
        })?;
    let model = match o.get("model").and_then(Value::as_str) {
        Some(m) if !m.is_empty() => m.to_string(),
        _ => return Err(e("model", "model must be a non-empty string".into())),
    };
    let total_tokens = match o.get("total_tokens") {
        None => {
            return Err(e(
                "total_tokens",
                "total_tokens is missing (use null for no usage)".into(),
            ))
        }
        Some(Value::Null) => None,
        Some(v) => Some(v.as_u64().ok_or_else(|| {
            e(
                "total_tokens",
                "total_tokens must be a non-negative integer or null".into(),
            )
        })?),
    };
    Ok(Debit {
        timestamp_ms,
        receipt_hash,
        model,
        total_tokens,
    })
}

/// Checks a thermo ledger against verified receipts.
pub fn verify_thermo<R: BufRead>(
    file: &str,
    mut reader: R,
    receipts: &ReceiptIndex,
    opts: ThermoOptions,
    report: &mut Report,
) -> io::Result<()> {
    let mut debited: HashMap<[u8; 32], u64> = HashMap::new();
    let mut buf = Vec::new();
    let mut line = 0u64;
    let mut ok = 0u64;
    let mut failed = false;
    while let Some(fits) = read_line_bounded(&mut reader, &mut buf, MAX_LINE)? {
        line += 1;
        let subj = || Subject::file(file).line(line);
        let mut fail = |report: &mut Report, code: Code, field: &str, msg: String| {
            failed = true;
            report.fail(code, subj().field(field), msg);
        };
        if !fits {
            report.fail(
                canon::Code::Parse,
                subj(),
                format!("line longer than {MAX_LINE} bytes"),
            );
            failed = true;
            continue;
        }
        let v = match canon::parse(&buf) {
            Ok(v) => v,
            Err(e) => {
                report.fail(
                    canon::Code::Parse,
                    subj(),
                    format!("column {}: {}", e.column, e.message),
                );
                failed = true;
                continue;
            }
        };
        let d = match parse_debit(&v) {
            Ok(d) => d,
            Err((f, m)) => {
                fail(report, Code::ThermoMalformed, &f, m);
                continue;
            }
        };
        let h = hex::encode(d.receipt_hash);
        if let Some(first) = debited.get(&d.receipt_hash) {
            fail(
                report,
                Code::ThermoDoubleDebit,
                "receipt_hash",
                format!("receipt {h} was already debited on line {first}"),
            );
            continue;
        }
        debited.insert(d.receipt_hash, line);
        if opts.require_usage && d.total_tokens.is_none() {
            fail(
                report,
                Code::ThermoUsageMissing,
                "total_tokens",
                "debit carries no usage and --require-usage is set".into(),
            );
        }
        let Some(r) = receipts.by_hash.get(&d.receipt_hash) else {
            fail(
                report,
                Code::ThermoUnknownReceipt,
                "receipt_hash",
                format!("no receipt has receipt_hash {h}"),
            );
            continue;
        };
        if !r.verified {
            fail(
                report,
                Code::ThermoUnverifiedReceipt,
                "receipt_hash",
                format!("the receipt on line {} failed verification", r.line),
            );
            continue;
        }
        let mut good = true;
        if r.model.as_deref() != Some(d.model.as_str()) {
            good = false;
            fail(
                report,
                Code::ThermoModel,
                "model",
                format!(
                    "debit model {:?}, receipt (line {}) model {:?}",
                    d.model,
                    r.line,
                    r.model.as_deref().unwrap_or("")
                ),
            );
        }
        let rt = r.usage.map(|u| u.total);
        if rt != d.total_tokens {
            good = false;
            let show = |x: Option<u64>| x.map_or("none".to_string(), |n| n.to_string());
            fail(
                report,
                Code::ThermoTokens,
                "total_tokens",
                format!(
                    "debit total_tokens {}, receipt (line {}) total_tokens {}",
                    show(d.total_tokens),
                    r.line,
                    show(rt)
                ),
            );
        }
        if let Some(end) = r.t_end_ms {
            if d.timestamp_ms < end {
                good = false;
                fail(
                    report,
                    Code::ThermoBeforeReceipt,
                    "timestamp_ms",
                    format!(
                        "debit at {} ms precedes the call's end {end} ms (line {})",
                        d.timestamp_ms, r.line
                    ),
                );
            }
        }
        ok += u64::from(good);
    }
    if !failed {
        report.pass(
            Code::ThermoUnknownReceipt,
            Subject::file(file),
            format!(
                "{ok} debits reference distinct verified receipts with matching model and tokens"
            ),
        );
    }
    report.fact("thermo_debits", line);
    Ok(())
}
