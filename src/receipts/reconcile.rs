//! Reconciliation of receipts against a provider usage export: a hash join on the
//! SHA-256 of the provider request id, then model, time and usage checks on each pair,
//! and a deterministic JSON report.
//!
//! Memory: the export is held as compact rows (about 96 bytes each) with an index of
//! row numbers by hashed request id (an open-addressing table of `u32`: 4 to 8
//! bytes per row, the key is not copied); the receipts stream through the join and
//! only the chain index of the receipt check grows with them.

use std::io::{self, BufRead};

use crate::canon::Value;
use crate::obj;
use crate::verdict::{Report, Subject};

use super::export::{read_export, Export, ExportRow};
use super::index::KeyIndex;
use super::verify::{verify_receipts_with, ReceiptOptions, ReceiptSummary};
use super::Code;

/// Identifier of the report format (schemas/reconciliation_report.schema.json).
pub const REPORT_ID: &str = "evv.reconciliation_report.v1";

/// Default time tolerance: providers stamp calls in whole seconds and clocks drift.
pub const DEFAULT_TIME_MS: u64 = 60_000;

/// How far receipts and export may disagree and still match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tolerance {
    /// Absolute token difference always allowed (`--tolerance-tokens`).
    pub tokens: u64,
    /// Relative difference in hundredths of a percent (`--tolerance-pct 1.5` = 150).
    pub pct_hundredths: u64,
    /// How far (ms) the export's time may lie outside the receipt's window.
    pub time_ms: u64,
}

impl Default for Tolerance {
    fn default() -> Self {
        Tolerance {
            tokens: 0,
            pct_hundredths: 0,
            time_ms: DEFAULT_TIME_MS,
        }
    }
}

impl Tolerance {
    /// Parses a percentage with at most two decimals in 0..=100 into hundredths.
    pub fn parse_pct(s: &str) -> Option<u64> {
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        if int.is_empty()
            || frac.len() > 2
            || !int.bytes().all(|c| c.is_ascii_digit())
            || !frac.bytes().all(|c| c.is_ascii_digit())
            || int.len() > 3
        {
            return None;
        }
        let mut v: u64 = int.parse().ok()?;
        v *= 100;
        if !frac.is_empty() {
            let f: u64 = frac.parse().ok()?;
            v += if frac.len() == 1 { f * 10 } else { f };
        }
        (v <= 10_000).then_some(v)
    }

    /// The percentage as written back: `P.PP` without superfluous zeros.
    pub fn pct_text(&self) -> String {
        let (i, f) = (self.pct_hundredths / 100, self.pct_hundredths % 100);
        match f {
            0 => format!("{i}"),
            f if f % 10 == 0 => format!("{i}.{}", f / 10),
            f => format!("{i}.{f:02}"),
        }
    }

    /// Largest allowed difference against the export's value `e`.
    pub fn allowed(&self, e: u64) -> u64 {
        let rel = (u128::from(e) * u128::from(self.pct_hundredths) / 10_000) as u64;
        self.tokens.max(rel)
    }
}

/// Options of a reconciliation.
#[derive(Clone, Debug, Default)]
pub struct ReconcileOptions {
    /// Receipt checks.
    pub receipts: ReceiptOptions,
    /// Tolerances.
    pub tolerance: Tolerance,
}

/// True when the export's model is the receipt's model, or it with a dated snapshot
/// suffix `-YYYY-MM-DD` (providers report the resolved snapshot).
pub fn model_matches(receipt: &str, export: &str) -> bool {
    if receipt == export {
        return true;
    }
    let Some(rest) = export.strip_prefix(receipt) else {
        return false;
    };
    let b = rest.as_bytes();
    b.len() == 11
        && b[0] == b'-'
        && b[5] == b'-'
        && b[8] == b'-'
        && [1, 2, 3, 4, 6, 7, 9, 10]
            .iter()
            .all(|&i| b[i].is_ascii_digit())
}

/// The outcome of one reconciliation, rendered by [`ReconciliationReport::to_value`].
#[derive(Debug, Default)]
pub struct ReconciliationReport {
    receipts_name: String,
    export_name: String,
    export_format: String,
    tolerance: Option<Tolerance>,
    receipt_lines: u64,
    export_rows: u64,
    matched: u64,
    unbilled_failures: u64,
    unmatched_receipts: Vec<Value>,
    unmatched_rows: Vec<Value>,
    mismatched: Vec<Value>,
    duplicates: Vec<Value>,
    export_errors: Vec<Value>,
    status: String,
    failure_codes: Vec<String>,
    findings: Vec<Value>,
    pass: bool,
}

impl ReconciliationReport {
    /// True when every check of the reconciliation (receipts included) passed.
    pub fn pass(&self) -> bool {
        self.pass
    }

    /// The report as a JSON value (schemas/reconciliation_report.schema.json).
    pub fn to_value(&self) -> Value {
        let t = self.tolerance.unwrap_or_default();
        obj! {
            "report" => REPORT_ID,
            "pass" => self.pass,
            "status" => self.status.as_str(),
            "failure_codes" => self.failure_codes.iter().map(|c| Value::from(c.as_str())).collect::<Vec<_>>(),
            "inputs" => obj!{
                "receipts" => self.receipts_name.as_str(),
                "export" => self.export_name.as_str(),
                "export_format" => self.export_format.as_str(),
            },
            "tolerance" => obj!{
                "tokens" => t.tokens,
                "pct" => t.pct_text(),
                "time_ms" => t.time_ms,
            },
            "counts" => obj!{
                "receipts" => self.receipt_lines,
                "export_rows" => self.export_rows,
                "matched" => self.matched,
                "unmatched_receipts" => self.unmatched_receipts.len(),
                "unmatched_export_rows" => self.unmatched_rows.len(),
                "mismatched" => self.mismatched.len(),
                "duplicate_requests" => self.duplicates.len(),
                "export_errors" => self.export_errors.len(),
                "failed_calls_not_billed" => self.unbilled_failures,
            },
            "unmatched_receipts" => self.unmatched_receipts.clone(),
            "unmatched_export_rows" => self.unmatched_rows.clone(),
            "mismatched" => self.mismatched.clone(),
            "duplicate_requests" => self.duplicates.clone(),
            "export_errors" => self.export_errors.clone(),
            "findings" => self.findings.clone(),
        }
    }

    /// The report as pretty JSON with a trailing newline (byte-identical across runs).
    pub fn render(&self) -> String {
        let mut s = crate::canon::to_pretty(&self.to_value());
        s.push('\n');
        s
    }
}

struct Join<'a> {
    export: &'a Export,
    index: KeyIndex,
    matched_by: Vec<u64>,
    tol: Tolerance,
    rname: &'a str,
    ename: &'a str,
    out: ReconciliationReport,
    findings: Vec<(Code, Subject, String)>,
}

impl Join<'_> {
    fn row_subject(&self, r: &ExportRow) -> Subject {
        let s = Subject::file(self.ename);
        let s = if r.line > 0 { s.line(r.line) } else { s };
        s.field(format!("row {}", r.row))
    }

    fn receipt(&mut self, s: ReceiptSummary) {
        let Some(key) = s.request_key else { return };
        let model = s.model.unwrap_or_default();
        let rows = &self.export.rows;
        let Some(ri) = self.index.get(&key, |e| rows[e].request_key) else {
            if s.pass == Some(false) {
                self.out.unbilled_failures += 1;
                return;
            }
            self.findings.push((
                Code::UnmatchedReceipt,
                Subject::file(self.rname).line(s.line),
                format!("no export row has this receipt's request id (model {model:?})"),
            ));
            self.out.unmatched_receipts.push(obj! {
                "line" => s.line,
                "receipt_id" => hex::encode(s.receipt_id),
                "request_id_sha256" => hex::encode(key),
                "model" => model,
            });
            return;
        };
        let row = &self.export.rows[ri];
        let first = self.matched_by[ri];
        if first != 0 {
            self.findings.push((
                Code::ReceiptDuplicateRequest,
                Subject::file(self.rname).line(s.line),
                format!(
                    "the request of export row {} is already claimed by line {first}",
                    row.row
                ),
            ));
            self.out.duplicates.push(obj! {
                "line" => s.line,
                "first_line" => first,
                "export_row" => row.row,
                "request_id_sha256" => hex::encode(key),
            });
            return;
        }
        self.matched_by[ri] = s.line;
        self.out.matched += 1;
        let mut issues: Vec<Value> = Vec::new();
        let emodel = &self.export.models[row.model as usize];
        let rname = self.rname;
        let subj = || Subject::file(rname).line(s.line);
        if !model_matches(&model, emodel) {
            self.findings.push((
                Code::ModelMismatch,
                subj().field("model"),
                format!(
                    "receipt model {model:?}, export row {} model {emodel:?}",
                    row.row
                ),
            ));
            issues.push(
                obj! {"field" => "model", "receipt" => model.as_str(), "export" => emodel.as_str()},
            );
        }
        if let (Some(a), Some(b)) = (s.t_start_ms, s.t_end_ms) {
            let w = self.tol.time_ms as i128;
            let t = row.t_ms as i128;
            if t < a as i128 - w || t > b as i128 + w {
                self.findings.push((
                    Code::TimeMismatch,
                    subj().field("t_start_ms"),
                    format!(
                        "export row {} time {} ms lies outside [{a}, {b}] widened by {} ms",
                        row.row, row.t_ms, self.tol.time_ms
                    ),
                ));
                issues.push(obj! {"field" => "time_ms", "receipt" => format!("{a}..{b}"), "export" => row.t_ms, "allowed" => self.tol.time_ms});
            }
        }
        let pairs: [(&str, Option<u64>, Option<u64>); 3] = [
            ("prompt_tokens", s.usage.map(|u| u.prompt), Some(row.prompt)),
            (
                "completion_tokens",
                s.usage.map(|u| u.completion),
                Some(row.completion),
            ),
            ("total_tokens", s.usage.map(|u| u.total), row.total),
        ];
        for (field, r, e) in pairs {
            let Some(e) = e else { continue };
            let allowed = self.tol.allowed(e);
            let bad = match r {
                Some(r) => r.abs_diff(e) > allowed,
                None => e > allowed,
            };
            if bad {
                let rtext = r.map_or("absent".to_string(), |r| r.to_string());
                self.findings.push((
                    Code::UsageMismatch,
                    subj().field(format!("usage.{field}")),
                    format!(
                        "receipt {field} {rtext}, export row {} {e}, allowed difference {allowed}",
                        row.row
                    ),
                ));
                issues.push(obj! {"field" => field, "receipt" => r.map_or(Value::Null, Value::from), "export" => e, "allowed" => allowed});
            }
        }
        if !issues.is_empty() {
            self.out.mismatched.push(obj! {
                "line" => s.line,
                "receipt_id" => hex::encode(s.receipt_id),
                "export_row" => row.row,
                "issues" => issues,
            });
        }
    }
}

/// Verifies the receipts and reconciles them with the export. Findings go to `report`
/// (receipt checks, export errors, reconciliation failures, in that order); the
/// returned report is the deterministic JSON document of `evv reconcile`.
pub fn reconcile<R: BufRead, E: BufRead>(
    receipts_name: &str,
    receipts: R,
    export_name: &str,
    export: E,
    opts: &ReconcileOptions,
    report: &mut Report,
) -> io::Result<ReconciliationReport> {
    let ex = read_export(export)?;
    let mut index = KeyIndex::new();
    let mut dup_rows: Vec<(u64, u64, u64)> = Vec::new();
    let mut is_dup = vec![false; ex.rows.len()];
    for (i, r) in ex.rows.iter().enumerate() {
        if let Some(first) = index.insert(&r.request_key, i, |e| ex.rows[e].request_key) {
            dup_rows.push((r.row, r.line, ex.rows[first].row));
            is_dup[i] = true;
        }
    }
    let mut j = Join {
        export: &ex,
        index,
        matched_by: vec![0; ex.rows.len()],
        tol: opts.tolerance,
        rname: receipts_name,
        ename: export_name,
        out: ReconciliationReport {
            receipts_name: receipts_name.to_string(),
            export_name: export_name.to_string(),
            export_format: ex.format.name().to_string(),
            tolerance: Some(opts.tolerance),
            export_rows: ex.seen,
            ..Default::default()
        },
        findings: Vec::new(),
    };
    let lines = verify_receipts_with(receipts_name, receipts, &opts.receipts, report, &mut |s| {
        j.receipt(s)
    })?;
    j.out.receipt_lines = lines;
    // Export problems.
    for e in &ex.errors {
        let mut s = Subject::file(export_name);
        if e.line > 0 {
            s = s.line(e.line);
        }
        if e.row > 0 {
            s = s.field(format!("row {}", e.row));
        }
        report.fail(Code::ExportMalformed, s, e.message.clone());
        j.out
            .export_errors
            .push(obj! {"row" => e.row, "line" => e.line, "message" => e.message.as_str()});
    }
    for (row, line, first) in &dup_rows {
        let mut s = Subject::file(export_name);
        if *line > 0 {
            s = s.line(*line);
        }
        report.fail(
            Code::ExportDuplicate,
            s.field(format!("row {row}")),
            format!("row {row} repeats the request id of row {first}"),
        );
        j.out.export_errors.push(obj! {"row" => *row, "line" => *line, "message" => format!("repeats the request id of row {first}")});
    }
    // Join results.
    for (code, subj, msg) in std::mem::take(&mut j.findings) {
        report.fail(code, subj, msg);
    }
    for (i, r) in ex.rows.iter().enumerate() {
        if j.matched_by[i] == 0 && !is_dup[i] {
            report.fail(
                Code::UnmatchedExport,
                j.row_subject(r),
                format!(
                    "no receipt claims this request (model {:?})",
                    ex.models[r.model as usize]
                ),
            );
            j.out.unmatched_rows.push(obj! {
                "row" => r.row,
                "line" => r.line,
                "request_id_sha256" => hex::encode(r.request_key),
                "model" => ex.models[r.model as usize].as_str(),
            });
        }
    }
    let mut out = j.out;
    if out.unmatched_receipts.is_empty()
        && out.unmatched_rows.is_empty()
        && out.mismatched.is_empty()
        && out.duplicates.is_empty()
        && out.export_errors.is_empty()
    {
        report.pass(
            Code::UnmatchedReceipt,
            Subject::file(export_name),
            format!(
                "{} receipts and {} export rows reconcile one to one within tolerance",
                out.matched, out.export_rows
            ),
        );
    }
    report.fact("reconcile_matched", out.matched);
    out.status = report.status().as_str().to_string();
    out.failure_codes = report
        .failure_codes()
        .iter()
        .map(|c| c.id().to_string())
        .collect();
    out.pass = report.failure_codes().is_empty();
    out.findings = report
        .failures()
        .map(|f| {
            let mut o = crate::canon::Object::new();
            o.insert("code", f.code.id());
            o.insert("file", f.subject.file.as_str());
            if let Some(l) = f.subject.line {
                o.insert("line", l);
            }
            if let Some(fl) = &f.subject.field {
                o.insert("field", fl.as_str());
            }
            o.insert("message", f.message.as_str());
            Value::Object(o)
        })
        .collect();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pct_round_trip() {
        for (s, h, back) in [
            ("0", 0, "0"),
            ("1.5", 150, "1.5"),
            ("2.25", 225, "2.25"),
            ("100", 10_000, "100"),
        ] {
            let v = Tolerance::parse_pct(s).unwrap();
            assert_eq!(v, h);
            let t = Tolerance {
                pct_hundredths: v,
                ..Default::default()
            };
            assert_eq!(t.pct_text(), back);
        }
        assert_eq!(Tolerance::parse_pct("100.01"), None);
        assert_eq!(Tolerance::parse_pct("1.234"), None);
        assert_eq!(Tolerance::parse_pct("-1"), None);
        let t = Tolerance {
            tokens: 2,
            pct_hundredths: 150,
            time_ms: 0,
        };
        assert_eq!(t.allowed(100), 2);
        assert_eq!(t.allowed(1000), 15);
    }

    #[test]
    fn snapshots_are_accepted() {
        assert!(model_matches("gpt-4o-mini", "gpt-4o-mini"));
        assert!(model_matches("gpt-4o-mini", "gpt-4o-mini-2024-07-18"));
        assert!(model_matches("openai/gpt-4o", "openai/gpt-4o-2024-08-06"));
        assert!(!model_matches("gpt-4o", "gpt-4o-mini"));
        assert!(!model_matches("gpt-4o", "gpt-4o-2024-08"));
    }
}
