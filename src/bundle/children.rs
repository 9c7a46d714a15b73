//! Nested priors: `ttt_children.json` maps payload files to IF.TTT handles, and
//! `ttt_children_chain_records.json` is the signed, hash-chained registry of those
//! handles.

use std::collections::{BTreeMap, BTreeSet};

use super::fields::{self, GENESIS};
use super::sigs;
use super::Code;
use crate::canon::{self, Dialect, Value};
use crate::crypto::trust::TrustStore;
use crate::verdict::{Report, Subject};

/// Path of the children map.
pub const CHILDREN_PATH: &str = "payload/ttt_children.json";
/// Path of the chain records.
pub const RECORDS_PATH: &str = "payload/ttt_children_chain_records.json";
/// Format identifier of the children map.
pub const CHILDREN_SCHEMA: &str = "if.ttt.children.v1";
/// Format identifier of the chain records.
pub const RECORDS_SCHEMA: &str = "if.ttt.chain_records.v1";

/// One nested prior.
#[derive(Clone, Debug)]
struct Child {
    handle: String,
    sha256: [u8; 32],
}

/// Checks the children map against the files and the manifest; returns the children
/// by handle for the chain-record check.
fn check_children(
    v: &Value,
    present: &BTreeMap<String, [u8; 32]>,
    listed: &BTreeMap<String, String>,
    report: &mut Report,
) -> Option<BTreeMap<String, Child>> {
    let subj = Subject::file(CHILDREN_PATH);
    let parsed = (|| {
        let o = v.as_object().ok_or("children map is not an object")?;
        fields::const_field(o, "schema", CHILDREN_SCHEMA)?;
        fields::arr_field(o, "children")
    })();
    let list = match parsed {
        Ok(x) => x,
        Err(m) => {
            report.fail(Code::DocumentInvalid, subj, m);
            return None;
        }
    };
    let mut by_handle = BTreeMap::new();
    let mut paths = BTreeSet::new();
    for (i, c) in list.iter().enumerate() {
        let cs = subj.clone().field(format!("children[{i}]"));
        let parsed = (|| {
            let o = c.as_object().ok_or("child is not an object")?;
            Ok::<_, String>((
                fields::str_field(o, "path")?,
                fields::hex32_field(o, "sha256")?,
                fields::str_field(o, "handle")?,
            ))
        })();
        let (path, sha, handle) = match parsed {
            Ok(x) => x,
            Err(m) => {
                report.fail(Code::DocumentInvalid, cs, m);
                continue;
            }
        };
        if !fields::is_handle(handle) {
            report.fail(
                Code::ChildrenHandle,
                cs.clone().field("handle"),
                format!("{handle:?} is not if://citation/<uuid>/v<n>"),
            );
        }
        if !paths.insert(path.to_string()) {
            report.fail(
                Code::ChildrenDuplicate,
                cs.clone(),
                format!("path {path} listed twice"),
            );
        }
        if by_handle.contains_key(handle) {
            report.fail(
                Code::ChildrenDuplicate,
                cs.clone(),
                format!("handle {handle} listed twice"),
            );
            continue;
        }
        let full = format!("payload/{path}");
        match (present.get(&full), listed.get(path)) {
            (Some(actual), Some(in_manifest)) => {
                if &sha != actual || hex::encode(sha) != *in_manifest {
                    report.fail(
                        Code::ChildrenHash,
                        cs.clone().field("sha256"),
                        format!(
                            "prior {path} registered as {}, bundle bytes hash to {}, manifest says {in_manifest}",
                            hex::encode(sha),
                            hex::encode(actual)
                        ),
                    );
                }
            }
            (p, l) => report.fail(
                Code::ChildrenPathUnknown,
                cs.clone().field("path"),
                format!(
                    "prior {path} is {} and {}",
                    if p.is_some() { "present" } else { "absent" },
                    if l.is_some() {
                        "listed in the manifest"
                    } else {
                        "not listed in the manifest"
                    }
                ),
            ),
        }
        by_handle.insert(
            handle.to_string(),
            Child {
                handle: handle.to_string(),
                sha256: sha,
            },
        );
    }
    for code in [Code::ChildrenHash, Code::ChildrenPathUnknown] {
        if !report.has_failure(code) {
            report.pass(
                code,
                subj.clone(),
                format!("{} priors match the bundle", list.len()),
            );
        }
    }
    Some(by_handle)
}

/// Checks both files. `present` maps every payload file to its SHA-256; `listed`
/// maps manifest paths (relative to `payload/`) to their declared hex SHA-256.
pub fn check(
    children: Option<&Value>,
    records: Option<&Value>,
    present: &BTreeMap<String, [u8; 32]>,
    listed: &BTreeMap<String, String>,
    dialect: Dialect,
    trust: &TrustStore,
    report: &mut Report,
) {
    let kids = children.and_then(|c| check_children(c, present, listed, report));
    let Some(rv) = records else { return };
    let subj = Subject::file(RECORDS_PATH);
    let parsed = (|| {
        let o = rv
            .as_object()
            .ok_or("chain records file is not an object")?;
        fields::const_field(o, "schema", RECORDS_SCHEMA)?;
        fields::arr_field(o, "records")
    })();
    let list = match parsed {
        Ok(x) => x,
        Err(m) => {
            report.fail(Code::DocumentInvalid, subj, m);
            return;
        }
    };
    let mut prev = GENESIS.to_string();
    let mut seen = BTreeSet::new();
    for (i, r) in list.iter().enumerate() {
        let rs = subj.clone().field(format!("records[{i}]"));
        let parsed = (|| {
            let o = r.as_object().ok_or("record is not an object")?;
            Ok::<_, String>((
                o,
                fields::u64_field(o, "seq")?,
                fields::str_field(o, "handle")?,
                fields::hex32_field(o, "content_sha256")?,
                fields::str_field(o, "prev_record_hash")?,
                fields::hex32_field(o, "record_hash")?,
                fields::arr_field(o, "signatures")?,
            ))
        })();
        let (o, seq, handle, content, prev_hash, record_hash, sigs) = match parsed {
            Ok(x) => x,
            Err(m) => {
                report.fail(Code::DocumentInvalid, rs, m);
                prev = String::new();
                continue;
            }
        };
        if seq != i as u64 {
            report.fail(
                Code::ChainRecordLink,
                rs.clone().field("seq"),
                format!("seq {seq} at position {i}"),
            );
        }
        if !prev.is_empty() && prev_hash != prev {
            report.fail(
                Code::ChainRecordLink,
                rs.clone().field("prev_record_hash"),
                format!("prev_record_hash {prev_hash} is not the previous record_hash {prev}"),
            );
        }
        prev = hex::encode(record_hash);
        match canon::sha256(
            &Value::Object(o.without(&["record_hash", "signatures"])),
            dialect,
        ) {
            Ok(h) if h == record_hash => {}
            Ok(h) => report.fail(
                Code::ChainRecordHash,
                rs.clone().field("record_hash"),
                format!(
                    "record_hash {} but the record hashes to {}",
                    hex::encode(record_hash),
                    hex::encode(h)
                ),
            ),
            Err(e) => report.fail(canon::Code::Unencodable, rs.clone(), e.to_string()),
        }
        match canon::to_vec(&Value::Object(o.without(&["signatures"])), dialect) {
            Ok(msg) => {
                sigs::check_all(
                    report,
                    trust,
                    sigs,
                    &msg,
                    &rs,
                    Code::ChainRecordSig,
                    "ttt_record",
                );
            }
            Err(e) => report.fail(canon::Code::Unencodable, rs.clone(), e.to_string()),
        }
        if !seen.insert(handle.to_string()) {
            report.fail(
                Code::ChildrenDuplicate,
                rs.clone().field("handle"),
                format!("handle {handle} has two records"),
            );
            continue;
        }
        if let Some(kids) = &kids {
            match kids.get(handle) {
                Some(c) if c.sha256 == content => {}
                Some(c) => report.fail(
                    Code::ChainRecordBinding,
                    rs.clone().field("content_sha256"),
                    format!(
                        "record binds {} to {}, the prior is {}",
                        c.handle,
                        hex::encode(content),
                        hex::encode(c.sha256)
                    ),
                ),
                None => report.fail(
                    Code::ChainRecordBinding,
                    rs.clone().field("handle"),
                    format!("record for {handle}, which no prior lists"),
                ),
            }
        }
    }
    if let Some(kids) = &kids {
        for h in kids.keys().filter(|h| !seen.contains(*h)) {
            report.fail(
                Code::ChainRecordBinding,
                Subject::file(CHILDREN_PATH).field(h.clone()),
                format!("prior {h} has no chain record"),
            );
        }
    }
    for code in [
        Code::ChainRecordHash,
        Code::ChainRecordLink,
        Code::ChainRecordBinding,
    ] {
        if !list.is_empty() && !report.has_failure(code) {
            report.pass(code, subj.clone(), format!("{} chain records", list.len()));
        }
    }
}
