//! The signed completion record (`ttt_signed_record.json`) and the detached tarball
//! record (`--record FILE`).

use super::fields;
use super::sigs;
use super::Code;
use crate::canon::{self, Dialect, Value};
use crate::crypto::trust::TrustStore;
use crate::verdict::{Report, Subject};

/// Path of the completion record.
pub const RECORD_PATH: &str = "payload/ttt_signed_record.json";
/// Format identifier of the completion record.
pub const RECORD_SCHEMA: &str = "if.ttt.signed_record.v1";
/// Format identifier of the detached tarball record.
pub const TARBALL_SCHEMA: &str = "if.ttt.tarball_record.v1";

/// The values a completion record must bind, re-derived from the bundle.
#[derive(Clone, Debug, Default)]
pub struct Derived {
    /// The manifest's trace id.
    pub trace_id: Option<String>,
    /// SHA-256 of the exact bytes of `payload/manifest.json`.
    pub manifest_sha256: Option<[u8; 32]>,
    /// The chain's last `event_hash`.
    pub final_event_hash: Option<[u8; 32]>,
    /// Events in the chain.
    pub event_count: u64,
    /// The hour named by the `req_seen` event.
    pub req_seen_hour: Option<String>,
    /// That hour's signed head root.
    pub req_seen_root: Option<[u8; 32]>,
}

/// Checks the completion record's shape, bindings and hybrid signatures.
pub fn check_record(
    v: &Value,
    d: &Derived,
    dialect: Dialect,
    trust: &TrustStore,
    report: &mut Report,
) {
    let subj = Subject::file(RECORD_PATH);
    let parsed = (|| {
        let o = v.as_object().ok_or("record is not an object")?;
        fields::const_field(o, "schema", RECORD_SCHEMA)?;
        Ok::<_, String>((
            o,
            fields::str_field(o, "trace_id")?,
            fields::hex32_field(o, "manifest_sha256")?,
            fields::hex32_field(o, "final_event_hash")?,
            fields::u64_field(o, "event_count")?,
            fields::str_field(o, "req_seen_hour")?,
            fields::hex32_field(o, "req_seen_root")?,
            fields::arr_field(o, "signatures")?,
        ))
    })();
    let (o, trace_id, manifest_sha, final_hash, count, hour, root, sigs) = match parsed {
        Ok(x) => x,
        Err(m) => {
            report.fail(Code::DocumentInvalid, subj, m);
            return;
        }
    };
    let mut mismatch = |field: &str, got: String, want: Option<String>| match want {
        Some(w) if w == got => {}
        Some(w) => report.fail(
            Code::RecordBinding,
            subj.clone().field(field),
            format!("record binds {got}, the bundle has {w}"),
        ),
        None => report.fail(
            Code::RecordBinding,
            subj.clone().field(field),
            format!("record binds {got}, the bundle has nothing to compare"),
        ),
    };
    mismatch("trace_id", trace_id.to_string(), d.trace_id.clone());
    mismatch(
        "manifest_sha256",
        hex::encode(manifest_sha),
        d.manifest_sha256.map(hex::encode),
    );
    mismatch(
        "final_event_hash",
        hex::encode(final_hash),
        d.final_event_hash.map(hex::encode),
    );
    mismatch(
        "event_count",
        count.to_string(),
        Some(d.event_count.to_string()),
    );
    mismatch("req_seen_hour", hour.to_string(), d.req_seen_hour.clone());
    mismatch(
        "req_seen_root",
        hex::encode(root),
        d.req_seen_root.map(hex::encode),
    );
    if !report.has_failure(Code::RecordBinding) {
        report.pass(
            Code::RecordBinding,
            subj.clone(),
            "trace id, manifest hash, final event hash, event count and REQ_SEEN root re-derived",
        );
    }
    let msg = match canon::to_vec(&Value::Object(o.without(&["signatures"])), dialect) {
        Ok(m) => m,
        Err(e) => {
            report.fail(canon::Code::Unencodable, subj, e.to_string());
            return;
        }
    };
    sigs::check_hybrid(
        report,
        trust,
        sigs,
        &msg,
        &subj,
        Code::RecordSig,
        "ttt_record",
    );
}

/// Checks a detached tarball record against the container's `tarball_sha256` fact.
pub fn check_tarball_record(
    name: &str,
    bytes: &[u8],
    trace_id: Option<&str>,
    tarball_sha256: Option<&str>,
    trust: &TrustStore,
    report: &mut Report,
) {
    let subj = Subject::file(name);
    let v = match canon::parse(bytes) {
        Ok(v) => v,
        Err(e) => {
            report.fail(canon::Code::Parse, subj, e.to_string());
            return;
        }
    };
    let parsed = (|| {
        let o = v.as_object().ok_or("record is not an object")?;
        fields::const_field(o, "schema", TARBALL_SCHEMA)?;
        let handle = fields::str_field(o, "handle")?;
        if !fields::is_handle(handle) {
            return Err(format!(
                "handle {handle:?} is not if://citation/<uuid>/v<n>"
            ));
        }
        Ok::<_, String>((
            o,
            fields::str_field(o, "trace_id")?,
            fields::hex32_field(o, "tarball_sha256")?,
            fields::arr_field(o, "signatures")?,
        ))
    })();
    let (o, rec_trace, rec_sha, sigs) = match parsed {
        Ok(x) => x,
        Err(m) => {
            report.fail(Code::TarballRecordInvalid, subj, m);
            return;
        }
    };
    if trace_id != Some(rec_trace) {
        report.fail(
            Code::TarballRecordInvalid,
            subj.clone().field("trace_id"),
            format!(
                "record names trace {rec_trace}, the bundle's manifest {}",
                trace_id.unwrap_or("names none")
            ),
        );
    }
    match tarball_sha256 {
        None => report.fail(
            Code::TarballRecordInvalid,
            subj.clone().field("tarball_sha256"),
            "the input is not an archive (no tarball_sha256 fact): a tarball record cannot apply",
        ),
        Some(t) if t == hex::encode(rec_sha) => report.pass(
            Code::TarballRecordHash,
            subj.clone().field("tarball_sha256"),
            "archive bytes are the ones the record binds",
        ),
        Some(t) => report.fail(
            Code::TarballRecordHash,
            subj.clone().field("tarball_sha256"),
            format!(
                "record binds {}, the archive hashes to {t}",
                hex::encode(rec_sha)
            ),
        ),
    }
    let msg = match canon::to_vec(
        &Value::Object(o.without(&["signatures"])),
        Dialect::CanonicalJson,
    ) {
        Ok(m) => m,
        Err(e) => {
            report.fail(canon::Code::Unencodable, subj, e.to_string());
            return;
        }
    };
    sigs::check_hybrid(
        report,
        trust,
        sigs,
        &msg,
        &subj,
        Code::TarballRecordSig,
        "ttt_record",
    );
}
