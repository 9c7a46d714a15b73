//! Chain-head anchor profile (KRY-SPEC §3.8): a published `{count, tip}` commitment
//! that detects trailing truncation and retroactive re-mints.

use super::{Code, SideInput, GENESIS};
use crate::canon::{self, Value};
use crate::verdict::{Report, Subject};

/// A well-formed `kry_chain_anchor/v1`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anchor {
    /// Number of links the publisher committed to.
    pub count: u64,
    /// The chain hash at `seq == count`.
    pub tip: String,
}

/// Parses an anchor; a malformed one is reported and yields `None`.
pub fn parse(input: &SideInput, report: &mut Report) -> Option<Anchor> {
    let subject = |f: Option<&str>| {
        let s = Subject::file(&input.name);
        match f {
            Some(f) => s.field(f),
            None => s,
        }
    };
    let bad = |report: &mut Report, f: Option<&str>, m: String| {
        report.fail(Code::AnchorMalformed, subject(f), m);
        None
    };
    let v = match canon::parse(&input.bytes) {
        Ok(v) => v,
        Err(e) => {
            return bad(
                report,
                None,
                format!("line {} column {}: {}", e.line, e.column, e.message),
            )
        }
    };
    let Value::Object(o) = v else {
        return bad(
            report,
            None,
            format!("an anchor is a JSON object, this is {}", v.type_name()),
        );
    };
    if o.get("schema").and_then(Value::as_str) != Some("kry_chain_anchor/v1") {
        return bad(
            report,
            Some("schema"),
            "schema must be \"kry_chain_anchor/v1\"".into(),
        );
    }
    let Some(count) = o.get("count").and_then(Value::as_u64) else {
        return bad(
            report,
            Some("count"),
            "count must be an integer >= 0".into(),
        );
    };
    let tip = match o.get("tip").and_then(Value::as_str) {
        Some(t) if t.chars().count() == 64 => t.to_owned(),
        _ => {
            return bad(
                report,
                Some("tip"),
                "tip must be a 64-character string".into(),
            )
        }
    };
    Some(Anchor { count, tip })
}

/// Checks a savings chain against the anchor. `at_count` is the declared chain_hash of
/// the first link whose seq equals `anchor.count` (outer `None`: no such link).
pub fn check(
    file: &str,
    anchor_name: &str,
    anchor: &Anchor,
    at_count: Option<Option<&str>>,
    report: &mut Report,
) {
    let subject = Subject::file(file).field("links");
    if anchor.count == 0 {
        if anchor.tip == GENESIS {
            report.pass(
                Code::AnchorGenesis,
                Subject::file(anchor_name),
                "anchor publishes an empty chain with the genesis tip",
            );
        } else {
            report.fail(
                Code::AnchorGenesis,
                Subject::file(anchor_name).field("tip"),
                format!(
                    "anchor publishes count 0 but tip {} is not the genesis value (64 zeros)",
                    anchor.tip
                ),
            );
        }
        return;
    }
    match at_count {
        None => report.fail(
            Code::AnchorTruncated,
            subject,
            format!(
                "no link has seq {}: the chain is shorter than the published anchor (truncation, rollback or re-mint)",
                anchor.count
            ),
        ),
        Some(declared) if declared == Some(anchor.tip.as_str()) => report.pass(
            Code::AnchorRemint,
            subject,
            format!(
                "the link at seq {} carries the published tip {}",
                anchor.count, anchor.tip
            ),
        ),
        Some(declared) => report.fail(
            Code::AnchorRemint,
            subject,
            format!(
                "the link at seq {} has chain_hash {} but the published anchor's tip is {}: the chain was re-minted after publication",
                anchor.count,
                declared.unwrap_or("(none)"),
                anchor.tip
            ),
        ),
    }
}
