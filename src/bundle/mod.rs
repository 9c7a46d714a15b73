//! IF.emotion evidence bundles: trace chain, REQ_SEEN, signed records, nested priors, IF.story.
//!
//! [`BundleSink`] receives payload files from the container as they stream past and
//! keeps only what later checks need (running chain state, Merkle stacks, small JSON
//! documents under a size cap); [`BundleSink::finish`] then runs the cross-file checks.
//! SPEC.md §6 is the normative description; each submodule does one job:
//!
//! | module | job |
//! |---|---|
//! | [`chain`] | replays `trace_events.jsonl` line by line |
//! | [`grammar`] | the order event types may appear in |
//! | [`req_seen`] | ledger entries, streamed Merkle root, signed head, inclusion proof |
//! | [`privacy`] | raw-content detection in REQ_SEEN entries |
//! | [`records`] | the signed completion record and the detached tarball record |
//! | [`children`] | nested priors and their signed registry chain |
//! | [`story`] | IF.story anchors |
//! | [`contract`] | the trace id contract (response line, headers, trace signature) |

use std::collections::BTreeMap;
use std::io::Read;

use crate::canon::{self, Dialect, Value};
use crate::container::{EntrySink, FileRecord};
use crate::crypto::trust::TrustStore;
use crate::verdict::{Report, Subject};

pub mod anchors;
pub mod chain;
pub mod children;
mod codes;
pub mod contract;
pub mod fields;
pub mod grammar;
pub mod privacy;
pub mod records;
pub mod req_seen;
pub mod sigs;
pub mod story;

pub use codes::Code;

/// Largest small JSON document buffered (head, records, priors, headers, manifest).
pub const MAX_DOCUMENT: u64 = 1 << 20;
/// Path of the manifest.
pub const MANIFEST_PATH: &str = "payload/manifest.json";

/// Files every bundle must carry (besides the manifest, checked by [`crate::manifest`],
/// and the REQ_SEEN head named by the `req_seen` event).
pub const REQUIRED: [&str; 8] = [
    chain::TRACE_PATH,
    contract::REQUEST_PATH,
    contract::RESPONSE_PATH,
    contract::HEADERS_PATH,
    records::RECORD_PATH,
    story::STORY_PATH,
    children::CHILDREN_PATH,
    children::RECORDS_PATH,
];

/// Options of a bundle verification.
#[derive(Clone, Debug, Default)]
pub struct BundleOptions {
    /// Keys the auditor pinned.
    pub trust: TrustStore,
    /// The detached tarball record given with `--record FILE`: (display name, bytes).
    /// Its `tarball_sha256` is compared with the report fact `tarball_sha256` that the
    /// container records before [`BundleSink::finish`] runs.
    pub record: Option<(String, Vec<u8>)>,
}

/// Collects what the bundle checks need while the container streams.
#[derive(Default)]
pub struct BundleSink {
    opts: BundleOptions,
    /// Findings made while streaming, merged into the final report by `finish`.
    pending: Report,
    /// Dialect from a manifest that arrived before the trace.
    early_dialect: Option<Dialect>,
    chain: Option<chain::ChainVerifier>,
    ledgers: BTreeMap<String, req_seen::Ledger>,
    heads: BTreeMap<String, Value>,
    docs: BTreeMap<&'static str, Value>,
    response_last: Option<Option<Vec<u8>>>,
    story: Option<anchors::AnchorSeq>,
}

impl std::fmt::Debug for BundleSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BundleSink").finish_non_exhaustive()
    }
}

/// Reads a small document, refusing more than [`MAX_DOCUMENT`] bytes.
fn read_doc(
    path: &str,
    data: &mut dyn Read,
    report: &mut Report,
) -> std::io::Result<Option<Value>> {
    let mut buf = Vec::new();
    data.take(MAX_DOCUMENT + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > MAX_DOCUMENT {
        report.fail(
            Code::DocumentInvalid,
            Subject::file(path),
            format!("larger than {MAX_DOCUMENT} bytes"),
        );
        return Ok(None);
    }
    match canon::parse(&buf) {
        Ok(v) => Ok(Some(v)),
        Err(e) => {
            report.fail(canon::Code::Parse, Subject::file(path), e.to_string());
            Ok(None)
        }
    }
}

/// The manifest fields the bundle checks use.
struct ManifestView {
    trace_id: Option<String>,
    dialect: Option<Dialect>,
    /// path relative to `payload/` → declared hex SHA-256.
    listed: BTreeMap<String, String>,
}

fn manifest_view(m: Option<&Value>) -> ManifestView {
    let o = m.and_then(|m| m.as_object());
    let trace_id = o
        .and_then(|o| o.get("trace_id"))
        .and_then(|v| v.as_str())
        .filter(|t| fields::is_uuid(t))
        .map(str::to_string);
    let dialect = o
        .and_then(|o| o.get("canonical_json"))
        .and_then(|v| v.as_str())
        .and_then(Dialect::from_name);
    let mut listed = BTreeMap::new();
    for f in o
        .and_then(|o| o.get("files"))
        .and_then(|v| v.as_array())
        .map(|a| a.as_slice())
        .unwrap_or_default()
    {
        if let (Some(p), Some(h)) = (
            f.get("path").and_then(|v| v.as_str()),
            f.get("sha256").and_then(|v| v.as_str()),
        ) {
            let p = p.strip_prefix("payload/").unwrap_or(p);
            listed.insert(p.to_string(), h.to_string());
        }
    }
    ManifestView {
        trace_id,
        dialect,
        listed,
    }
}

impl BundleSink {
    /// A sink for one bundle.
    pub fn new(opts: BundleOptions) -> Self {
        BundleSink {
            opts,
            ..Default::default()
        }
    }

    /// Runs the cross-file checks once every entry has streamed. `files` are the
    /// container's records of every payload file; `manifest` is the parsed
    /// `payload/manifest.json` when it parsed. The fact `tarball_sha256`, if the
    /// container recorded it in `report`, is what a `--record` file is compared with.
    pub fn finish(self, files: &[FileRecord], manifest: Option<&Value>, report: &mut Report) {
        let BundleSink {
            opts,
            pending,
            chain,
            ledgers,
            heads,
            docs,
            response_last,
            story,
            ..
        } = self;
        report.absorb(pending);
        let trust = &opts.trust;
        let present: BTreeMap<String, [u8; 32]> =
            files.iter().map(|f| (f.path.clone(), f.sha256)).collect();

        // Manifest.
        let mv = manifest_view(manifest);
        let dialect = mv.dialect.unwrap_or(Dialect::CanonicalJson);
        if manifest.is_none() || mv.trace_id.is_none() || mv.dialect.is_none() {
            report.fail(
                Code::ManifestUnusable,
                Subject::file(MANIFEST_PATH),
                match (manifest.is_some(), mv.trace_id.is_some()) {
                    (false, _) => "manifest absent or unparseable".to_string(),
                    (true, false) => "manifest has no trace_id that is a lowercase UUID".into(),
                    _ => "manifest's canonical_json names no known dialect (python, canonicaljson, jcs)".into(),
                },
            );
        }
        for p in REQUIRED {
            if !present.contains_key(p) {
                report.fail(
                    Code::FileMissing,
                    Subject::file(p),
                    "required file is absent",
                );
            }
        }

        // Trace chain.
        let summary = chain.map(|c| c.finish(dialect, report)).unwrap_or_default();
        let trace_id = mv.trace_id.clone().or(summary.trace_id.clone());
        if let (Some(m), Some(c)) = (&mv.trace_id, &summary.trace_id) {
            if m == c {
                report.pass(
                    Code::TraceIdMismatch,
                    Subject::file(chain::TRACE_PATH),
                    "every event names the manifest's trace id",
                );
            } else {
                report.fail(
                    Code::TraceIdMismatch,
                    Subject::file(chain::TRACE_PATH).line(1).field("trace_id"),
                    format!("trace_id {c} differs from the manifest's {m}"),
                );
            }
        }
        if let Some(t) = &trace_id {
            report.fact("trace_id", t.as_str());
        }
        report.fact("trace_events", summary.count);
        report.fact("canonical_json", dialect.name());

        // REQ_SEEN heads, ledgers, this request's witness.
        let heads: BTreeMap<String, req_seen::Head> = heads
            .iter()
            .filter_map(|(h, v)| req_seen::check_head(h, v, trust, report).map(|x| (h.clone(), x)))
            .collect();
        req_seen::check_ledgers(&ledgers, &heads, report);
        let witness = match &summary.req_seen {
            Some((data, line)) => {
                let subj = Subject::file(chain::TRACE_PATH).line(*line);
                let (h, e) = req_seen::check_event(data, &subj, &heads, report);
                Some((h, e, subj))
            }
            None => {
                if present.contains_key(chain::TRACE_PATH) {
                    report.fail(
                        Code::ReqSeenProof,
                        Subject::file(chain::TRACE_PATH),
                        "no req_seen event: the request's witness cannot be checked",
                    );
                }
                None
            }
        };
        let hour = witness.as_ref().and_then(|w| w.0.clone());
        if let Some(h) = &hour {
            report.fact(
                "req_seen_mode",
                if ledgers.contains_key(h) {
                    "ledger"
                } else {
                    "privacy (head and proof only)"
                },
            );
        }
        if let Some((_, Some(e), subj)) = &witness {
            req_seen::check_bindings(
                e,
                subj,
                trace_id.as_deref(),
                summary.decision,
                present.get(contract::REQUEST_PATH),
                report,
            );
        }
        for (code, n) in [
            (Code::ReqSeenLeafHash, "leaf hashes"),
            (Code::ReqSeenPrivacy, "commitments only"),
        ] {
            if !report.has_failure(code) && (!ledgers.is_empty() || witness.is_some()) {
                report.pass(
                    code,
                    Subject::file("payload/req_seen"),
                    format!("REQ_SEEN entries: {n} verified"),
                );
            }
        }

        // Response binding and the trace id contract.
        let response_sha = present.get(contract::RESPONSE_PATH);
        if let Some((data, line)) = &summary.finalizing {
            contract::check_response_binding(data, *line, response_sha, report);
        }
        if let (Some(t), Some(last)) = (&trace_id, &response_last) {
            contract::check_response_line(last.as_deref(), t, report);
        }
        let app_key = hour
            .as_ref()
            .and_then(|h| heads.get(h))
            .map(|h| h.public_key.as_slice());
        if let (Some(t), Some(hv)) = (&trace_id, docs.get(contract::HEADERS_PATH)) {
            contract::check_headers(hv, t, response_sha, app_key, trust, report);
        }

        // Signed completion record.
        if let Some(rv) = docs.get(records::RECORD_PATH) {
            let d = records::Derived {
                trace_id: trace_id.clone(),
                manifest_sha256: present.get(MANIFEST_PATH).copied(),
                final_event_hash: summary.final_hash,
                event_count: summary.count,
                req_seen_root: hour.as_ref().and_then(|h| heads.get(h)).map(|h| h.root),
                req_seen_hour: hour.clone(),
            };
            records::check_record(rv, &d, dialect, trust, report);
        }

        // Nested priors.
        if docs.contains_key(children::CHILDREN_PATH) || docs.contains_key(children::RECORDS_PATH) {
            children::check(
                docs.get(children::CHILDREN_PATH),
                docs.get(children::RECORDS_PATH),
                &present,
                &mv.listed,
                dialect,
                trust,
                report,
            );
        }

        // IF.story.
        if let Some(s) = &story {
            if summary.count > 0 {
                story::compare(&summary.anchors, s, report);
            }
        }

        // Detached tarball record.
        if let Some((name, bytes)) = &opts.record {
            let fact = report
                .facts
                .get("tarball_sha256")
                .and_then(|v| v.as_str())
                .map(str::to_string);
            records::check_tarball_record(
                name,
                bytes,
                trace_id.as_deref(),
                fact.as_deref(),
                trust,
                report,
            );
        }
    }
}

impl EntrySink for BundleSink {
    fn file(&mut self, path: &str, _size: u64, data: &mut dyn Read) -> std::io::Result<()> {
        let r = &mut self.pending;
        match path {
            MANIFEST_PATH => {
                // Parsed here only to learn the dialect early; the manifest module
                // reports on the manifest itself.
                let mut scratch = Report::default();
                if let Some(v) = read_doc(path, data, &mut scratch)? {
                    self.early_dialect = manifest_view(Some(&v)).dialect;
                }
            }
            chain::TRACE_PATH => {
                let mut c = chain::ChainVerifier::new(self.early_dialect);
                c.stream(data, r)?;
                self.chain = Some(c);
            }
            contract::RESPONSE_PATH => {
                self.response_last = Some(contract::stream_last_line(data)?);
            }
            story::STORY_PATH => self.story = Some(story::stream(data, r)?),
            contract::HEADERS_PATH
            | records::RECORD_PATH
            | children::CHILDREN_PATH
            | children::RECORDS_PATH => {
                let key = [
                    contract::HEADERS_PATH,
                    records::RECORD_PATH,
                    children::CHILDREN_PATH,
                    children::RECORDS_PATH,
                ]
                .into_iter()
                .find(|k| *k == path)
                .unwrap_or(records::RECORD_PATH);
                if let Some(v) = read_doc(path, data, r)? {
                    self.docs.insert(key, v);
                }
            }
            p => {
                if let Some(rest) = p.strip_prefix("payload/req_seen/") {
                    if let Some(h) = rest
                        .strip_prefix("heads/")
                        .and_then(|x| x.strip_suffix(".json"))
                    {
                        if fields::is_hour(h) {
                            if let Some(v) = read_doc(path, data, r)? {
                                self.heads.insert(h.to_string(), v);
                            }
                            return Ok(());
                        }
                    } else if let Some(h) =
                        rest.strip_suffix(".jsonl").filter(|h| fields::is_hour(h))
                    {
                        let l = req_seen::stream_ledger(h, data, r)?;
                        self.ledgers.insert(h.to_string(), l);
                        return Ok(());
                    }
                    r.fail(
                        Code::DocumentInvalid,
                        Subject::file(p),
                        "not a REQ_SEEN file name: expected req_seen/<YYYYMMDDTHH>.jsonl or req_seen/heads/<YYYYMMDDTHH>.json",
                    );
                }
            }
        }
        Ok(())
    }
}
