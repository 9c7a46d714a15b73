//! Action attestations (KRY-SPEC §4): a content-free, fully recomputable hash chain of
//! agent actions, with the veracity floor over witnessed actions.

use std::collections::HashSet;

use sha2::{Digest, Sha256};

use super::agg::LinkIssues;
use super::num::{canon_f64, finite, py_round, show, ACTION_SENTINEL};
use super::{short, Code, GENESIS};
use crate::canon::{self, Dialect, Object, Value};
use crate::verdict::{Report, Subject};

/// The action kind string.
pub const KIND: &str = "kry_action_attestation";
/// Tolerance of the declared floor.
const FLOOR_TOLERANCE: f64 = 0.01;

/// Writes the canonical payload `P` of an action link (KRY-SPEC §4.2), keys sorted.
/// Absent nullable members read as `null`.
pub fn payload(link: &Object, out: &mut Vec<u8>) {
    fn raw(out: &mut Vec<u8>, v: Option<&Value>) {
        match v {
            Some(v) => {
                let _ = canon::write(v, Dialect::Python, out);
            }
            None => out.extend_from_slice(b"null"),
        }
    }
    out.extend_from_slice(b"{\"action_hash_version\":1,\"agent_id\":");
    raw(out, link.get("agent_id"));
    out.extend_from_slice(b",\"args_commit\":");
    raw(out, link.get("args_commit"));
    out.extend_from_slice(b",\"evidence_tier\":");
    raw(out, link.get("evidence_tier"));
    out.extend_from_slice(b",\"result_commit\":");
    raw(out, link.get("result_commit"));
    out.extend_from_slice(b",\"server_evidence_commit\":");
    raw(out, link.get("server_evidence_commit"));
    out.extend_from_slice(b",\"status\":");
    raw(out, link.get("status"));
    out.extend_from_slice(b",\"tool\":");
    raw(out, link.get("tool"));
    out.extend_from_slice(b",\"ts\":\"");
    let mut buf = [0u8; 16];
    out.extend_from_slice(canon_f64(link.get("ts"), ACTION_SENTINEL).write_to(&mut buf));
    out.extend_from_slice(b"\"}");
}

/// Members every action link must carry (nullable ones may be null but not absent...
/// except `result_commit` and `server_evidence_commit`, which read as null).
const REQUIRED: &[&str] = &[
    "receipt_id",
    "tool",
    "args_commit",
    "status",
    "ts",
    "agent_id",
    "evidence_tier",
    "receipt_hash",
    "chain_hash",
];

/// Verifies an action attestation.
pub fn verify(file: &str, doc: &Object, report: &mut Report) {
    let subject = |f: &str| Subject::file(file).field(f.to_string());
    match doc.get("kind") {
        Some(Value::String(k)) if k == KIND => {}
        None => report.fail(Code::FieldMissing, subject("kind"), "kind is absent"),
        Some(other) => report.fail(
            Code::ActionKind,
            subject("kind"),
            format!(
                "kind must be {KIND:?}, found {}",
                String::from_utf8(canon::to_vec(other, Dialect::Python).unwrap_or_default())
                    .unwrap_or_default()
            ),
        ),
    }
    let version_ok = match doc.get("action_hash_version") {
        None => {
            report.fail(
                Code::FieldMissing,
                subject("action_hash_version"),
                "action_hash_version is absent",
            );
            false
        }
        Some(v) if v.as_i64() == Some(1) => true,
        Some(other) => {
            report.fail(
                Code::ActionVersion,
                subject("action_hash_version"),
                format!(
                    "action_hash_version {} is not 1, the only version KRY-SPEC v1.3 defines (fail closed)",
                    String::from_utf8(canon::to_vec(other, Dialect::Python).unwrap_or_default())
                        .unwrap_or_default()
                ),
            );
            false
        }
    };
    let links = super::links_of(file, doc, report);
    if !version_ok {
        // An unknown version's payload shape is unknown: do not guess at its hashes.
        return;
    }

    let mut issues = LinkIssues::default();
    let mut ids: HashSet<&str> = HashSet::new();
    let mut prev = GENESIS.as_bytes().to_vec();
    let mut prev_ts: Option<f64> = None;
    let mut buf = Vec::with_capacity(512);
    let (mut anchored, mut coerced) = (0u64, 0u64);
    let mut backwards = Vec::new();
    for (i, lv) in links.iter().enumerate() {
        let Value::Object(link) = lv else {
            issues.add(
                Code::FieldInvalid,
                "link is not a JSON object".into(),
                i,
                "",
                || format!("found {}", lv.type_name()),
            );
            continue;
        };
        let loc = || {
            let id = match link.get("receipt_id") {
                Some(Value::String(s)) => s.clone(),
                _ => "?".into(),
            };
            format!("receipt_id {id}")
        };
        for key in REQUIRED {
            if !link.contains_key(key) {
                issues.add(Code::FieldMissing, format!("{key} is absent"), i, key, loc);
            }
        }
        match link.get("receipt_id") {
            Some(Value::String(id)) if !ids.insert(id.as_str()) => issues.add(
                Code::ActionDuplicateId,
                format!("receipt_id {id:?} repeats an earlier link's"),
                i,
                "receipt_id",
                loc,
            ),
            None | Some(Value::String(_)) => {}
            Some(other) => issues.add(
                Code::ActionReceiptId,
                "receipt_id is not a string".into(),
                i,
                "receipt_id",
                || format!("found {}", other.type_name()),
            ),
        }
        buf.clear();
        payload(link, &mut buf);
        let rh = hex::encode(Sha256::digest(&buf));
        let declared_rh = link.get("receipt_hash").and_then(Value::as_str);
        if declared_rh != Some(rh.as_str()) {
            issues.add(
                Code::ActionReceiptHash,
                "recomputed receipt_hash differs (a payload field was changed after logging)"
                    .into(),
                i,
                "receipt_hash",
                || {
                    format!(
                        "{}, declared {}, recomputed {rh}",
                        loc(),
                        declared_rh.unwrap_or("(none)")
                    )
                },
            );
        }
        // The chain binds the declared receipt_hash, so a payload edit is reported once
        // (above) and the chain still localises insertions and reorderings.
        let mut h = Sha256::new();
        h.update(&prev);
        h.update(b":");
        match link.get("receipt_hash") {
            Some(Value::String(s)) => h.update(s.as_bytes()),
            _ => h.update(b"None"),
        }
        let ch = hex::encode(h.finalize());
        let declared_ch = link.get("chain_hash").and_then(Value::as_str);
        if declared_ch != Some(ch.as_str()) {
            issues.add(
                Code::ActionChainHash,
                "recomputed chain_hash differs (links reordered, inserted or dropped)".into(),
                i,
                "chain_hash",
                || {
                    format!(
                        "{}, declared {}, recomputed {}",
                        loc(),
                        declared_ch.map(short).unwrap_or_else(|| "(none)".into()),
                        short(&ch)
                    )
                },
            );
        }
        prev = ch.into_bytes();
        if let Some(t) = finite(link.get("ts")) {
            if prev_ts.is_some_and(|p| t < p) && backwards.len() < 5 {
                backwards.push(i);
            }
            prev_ts = Some(t);
        }
        let tier = link.get("evidence_tier").and_then(Value::as_str);
        if matches!(tier, Some("server_witnessed") | Some("attested")) {
            let witnessed = match link.get("server_evidence_commit") {
                None | Some(Value::Null) => false,
                Some(Value::String(s)) => !s.is_empty(),
                Some(_) => true,
            };
            if witnessed {
                anchored += 1;
            } else {
                coerced += 1;
            }
        }
    }
    let n = links.len();
    if !issues.has(Code::ActionReceiptHash) && !issues.has(Code::ActionChainHash) {
        report.pass(
            Code::ActionChainHash,
            subject("links"),
            format!(
                "{n} action(s): every receipt_hash and chain_hash recomputed from genesis matches"
            ),
        );
    }
    issues.emit(report, file, n);
    if !backwards.is_empty() {
        let list: Vec<String> = backwards.iter().map(|i| i.to_string()).collect();
        report.warn(
            Code::ActionTsBackwards,
            subject("links"),
            format!(
                "ts goes backwards at link(s) {} (allowed: the chain fixes the order)",
                list.join(", ")
            ),
        );
    }
    if coerced > 0 {
        report.warn(
            Code::ActionTierCoerced,
            subject("links"),
            format!("{coerced} link(s) claim an anchored tier without server_evidence_commit; counted as self_reported"),
        );
    }
    let tip = String::from_utf8_lossy(&prev).into_owned();
    report.fact("kry_chain_head", tip.as_str());
    report.fact("kry_links", n);
    match doc.get("chain_tip") {
        None => report.fail(
            Code::FieldMissing,
            subject("chain_tip"),
            "chain_tip is absent",
        ),
        Some(Value::String(t)) if *t == tip => report.pass(
            Code::ActionChainTip,
            subject("chain_tip"),
            "chain_tip equals the recomputed tip",
        ),
        Some(v) => report.fail(
            Code::ActionChainTip,
            subject("chain_tip"),
            format!(
                "chain_tip declares {}, the chain recomputed from genesis ends at {tip}",
                v.as_str().unwrap_or("(not a string)")
            ),
        ),
    }
    match doc.get("action_count") {
        None => report.fail(
            Code::FieldMissing,
            subject("action_count"),
            "action_count is absent",
        ),
        Some(v) if v.as_u64() == Some(n as u64) => report.pass(
            Code::ActionCount,
            subject("action_count"),
            format!("action_count {n} equals the number of links"),
        ),
        Some(v) => report.fail(
            Code::ActionCount,
            subject("action_count"),
            format!(
                "action_count declares {}, links holds {n}",
                String::from_utf8(canon::to_vec(v, Dialect::Python).unwrap_or_default())
                    .unwrap_or_default()
            ),
        ),
    }
    let floor = if n == 0 {
        0.0
    } else {
        py_round(anchored as f64 / n as f64, 4)
    };
    report.fact("kry_veracity_floor", floor);
    match doc.get("veracity") {
        None => {}
        Some(Value::Object(v)) => match v.get("veracity_floor") {
            None => {}
            Some(Value::Number(d)) => {
                let d = d.as_f64();
                if (d - floor).abs() > FLOOR_TOLERANCE {
                    report.fail(
                        Code::ActionFloor,
                        subject("veracity.veracity_floor"),
                        format!(
                            "veracity_floor declares {}, re-derived {} ({anchored} of {n} actions witnessed{})",
                            show(d),
                            show(floor),
                            if coerced > 0 {
                                format!(", {coerced} unwitnessed anchored claim(s) counted as self_reported")
                            } else {
                                String::new()
                            }
                        ),
                    );
                } else {
                    report.pass(
                        Code::ActionFloor,
                        subject("veracity.veracity_floor"),
                        format!(
                            "veracity_floor {} matches the re-derived {}",
                            show(d),
                            show(floor)
                        ),
                    );
                }
            }
            Some(other) => report.fail(
                Code::FieldInvalid,
                subject("veracity.veracity_floor"),
                format!(
                    "veracity_floor must be a number, found {}",
                    other.type_name()
                ),
            ),
        },
        Some(other) => report.fail(
            Code::FieldInvalid,
            subject("veracity"),
            format!(
                "veracity must be an object when present, found {}",
                other.type_name()
            ),
        ),
    }
}
