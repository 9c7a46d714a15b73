//! Deterministic IF.emotion bundle fixtures (test support only, never in the binary).
//!
//! Keys come from fixed seeds; every hash, signature and byte is reproducible, so the
//! committed fixtures under `testdata/bundles/` can be regenerated and compared.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use base64::Engine;
use ed25519_dalek::Signer;
use evv::bundle::{BundleOptions, BundleSink};
use evv::canon::{self, Dialect, Object, Value};
use evv::container::{EntrySink, FileRecord};
use evv::crypto::hash::{sha256, sha256_hex};
use evv::crypto::merkle;
use evv::crypto::sig::Alg;
use evv::crypto::trust::{PinnedKey, TrustStore};
use evv::obj;
use evv::verdict::Report;

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
pub const TRACE_ID: &str = "09aad3e1-f420-451e-a189-e86f68073dc0";
pub const DENIED_TRACE_ID: &str = "5b0c6f7e-2d41-4c8a-9e3b-7a1d2c3e4f50";
pub const HOUR: &str = "20261123T19";

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// Fixture signing keys, from fixed seeds.
pub struct Keys {
    /// App key `ed25519-app-v1`: REQ_SEEN heads and the trace signature header.
    pub app: ed25519_dalek::SigningKey,
    /// IF.TTT registry Ed25519 key.
    pub ttt_ed: ed25519_dalek::SigningKey,
    /// IF.TTT registry ML-DSA-65 key.
    pub ttt_pq: ml_dsa::SigningKey<ml_dsa::MlDsa65>,
}

pub fn keys() -> Keys {
    Keys {
        app: ed25519_dalek::SigningKey::from_bytes(&[0x11; 32]),
        ttt_ed: ed25519_dalek::SigningKey::from_bytes(&[0x22; 32]),
        ttt_pq: ml_dsa::SigningKey::<ml_dsa::MlDsa65>::from_seed(&[0x33u8; 32].into()),
    }
}

impl Keys {
    pub fn app_pk(&self) -> Vec<u8> {
        self.app.verifying_key().to_bytes().to_vec()
    }
    pub fn ttt_ed_pk(&self) -> Vec<u8> {
        self.ttt_ed.verifying_key().to_bytes().to_vec()
    }
    pub fn ttt_pq_pk(&self) -> Vec<u8> {
        use ml_dsa::Keypair;
        self.ttt_pq.verifying_key().encode().to_vec()
    }
    pub fn sign_pq(&self, msg: &[u8]) -> Vec<u8> {
        self.ttt_pq
            .expanded_key()
            .sign_deterministic(msg, b"")
            .expect("ML-DSA signs")
            .encode()
            .to_vec()
    }
    /// The pinned keys of the fixture with their roles.
    pub fn pinned(&self) -> Vec<(String, Alg, Vec<u8>, Vec<&'static str>)> {
        vec![
            (
                "ed25519-app-v1".into(),
                Alg::Ed25519,
                self.app_pk(),
                vec!["req_seen_head", "trace"],
            ),
            (
                "ttt-ed25519-v1".into(),
                Alg::Ed25519,
                self.ttt_ed_pk(),
                vec!["ttt_record"],
            ),
            (
                "ttt-mldsa65-v1".into(),
                Alg::MlDsa65,
                self.ttt_pq_pk(),
                vec!["ttt_record"],
            ),
        ]
    }
    pub fn trust(&self) -> TrustStore {
        TrustStore {
            keys: self
                .pinned()
                .into_iter()
                .map(|(id, alg, pk, roles)| PinnedKey {
                    id,
                    alg,
                    public_key: pk,
                    roles: roles.into_iter().map(String::from).collect(),
                })
                .collect(),
            fingerprint_prefixes: vec![],
            ..Default::default()
        }
    }
    /// `testdata/bundles/trust.json`.
    pub fn trust_json(&self) -> String {
        let keys: Vec<Value> = self
            .pinned()
            .into_iter()
            .map(|(id, alg, pk, roles)| {
                obj! {
                    "id" => id,
                    "algorithm" => alg.name(),
                    "public_key" => b64(&pk),
                    "fingerprint" => sha256_hex(&pk),
                    "roles" => Value::Array(roles.into_iter().map(Value::from).collect()),
                }
            })
            .collect();
        canon::to_pretty(&obj! {"version" => 1i64, "keys" => Value::Array(keys)}) + "\n"
    }
    fn ed_sig(&self, key: &ed25519_dalek::SigningKey, kid: &str, msg: &[u8]) -> Value {
        obj! {
            "alg" => "ed25519",
            "key_id" => kid,
            "public_key" => b64(&key.verifying_key().to_bytes()),
            "sig" => b64(&key.sign(msg).to_bytes()),
        }
    }
    fn pq_sig(&self, msg: &[u8]) -> Value {
        obj! {
            "alg" => "ML-DSA-65",
            "key_id" => "ttt-mldsa65-v1",
            "public_key" => b64(&self.ttt_pq_pk()),
            "sig" => b64(&self.sign_pq(msg)),
        }
    }
    /// A hybrid `signatures` array over `msg`.
    pub fn hybrid(&self, msg: &[u8]) -> Value {
        Value::Array(vec![
            self.ed_sig(&self.ttt_ed, "ttt-ed25519-v1", msg),
            self.pq_sig(msg),
        ])
    }
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct Params {
    pub trace_id: String,
    pub hour: String,
    pub denied: bool,
    /// Omit the ledger (head and proof only).
    pub privacy: bool,
    pub ledger_size: u64,
    pub leaf_index: u64,
    pub dialect: Dialect,
    /// Event types to emit instead of the protocol default.
    pub types: Option<Vec<String>>,
    /// A string added to `model_done` data (to make dialects differ).
    pub note: Option<String>,
    /// User-visible response bytes instead of the default.
    pub response: Option<Vec<u8>>,
    /// Edits ledger entries before their leaf hashes are (re)computed.
    pub ledger_pre: Option<fn(&mut [Object])>,
    /// Edits ledger entries after their leaf hashes are computed.
    pub ledger_post: Option<fn(&mut [Object])>,
    /// The ledger entry (and proof) the req_seen event carries, if not `leaf_index`.
    pub witness_index: Option<u64>,
}

impl Params {
    pub fn accepted() -> Self {
        Params {
            trace_id: TRACE_ID.into(),
            hour: HOUR.into(),
            denied: false,
            privacy: false,
            ledger_size: 7,
            leaf_index: 5,
            dialect: Dialect::CanonicalJson,
            types: None,
            note: None,
            response: None,
            ledger_pre: None,
            ledger_post: None,
            witness_index: None,
        }
    }
    pub fn denied() -> Self {
        Params {
            trace_id: DENIED_TRACE_ID.into(),
            denied: true,
            leaf_index: 2,
            ..Self::accepted()
        }
    }
    pub fn privacy() -> Self {
        Params {
            privacy: true,
            ..Self::accepted()
        }
    }
    pub fn default_types(&self) -> Vec<String> {
        let t: &[&str] = if self.denied {
            &["req_seen", "request_denied", "trace_finalizing"]
        } else {
            &[
                "req_seen",
                "request_received",
                "retrieval_done",
                "prompt_built",
                "model_done",
                "replacement_applied",
                "guard_applied",
                "trace_finalizing",
            ]
        };
        t.iter().map(|s| s.to_string()).collect()
    }
}

/// A bundle as path → bytes (paths start with `payload/`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bundle {
    pub files: BTreeMap<String, Vec<u8>>,
    pub params: Params,
}

impl PartialEq for Params {
    fn eq(&self, o: &Self) -> bool {
        format!("{self:?}") == format!("{o:?}")
    }
}
impl Eq for Params {}

pub fn cj(v: &Value) -> Vec<u8> {
    canon::to_vec(v, Dialect::CanonicalJson).unwrap()
}

fn hexs(h: &[u8]) -> String {
    hex::encode(h)
}

/// A deterministic UUID-shaped handle from a label.
pub fn handle(label: &str) -> String {
    let h = sha256_hex(label.as_bytes());
    format!(
        "if://citation/{}-{}-4{}-8{}-{}/v1",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

/// One REQ_SEEN entry with its leaf hash.
pub fn entry(hour: &str, index: u64, trace_id: &str, request: &[u8], denied: bool) -> Object {
    let mut o = obj! {
        "hour" => hour,
        "index" => index,
        "trace_id_sha256" => sha256_hex(trace_id.as_bytes()),
        "request_sha256" => sha256_hex(request),
        "client_sha256" => sha256_hex(format!("client-commitment|{index}").as_bytes()),
        "decision" => if denied { "denied" } else { "received" },
        "reason" => if denied { Value::from("quota_exceeded") } else { Value::Null },
    };
    let o2 = o.as_object_mut().unwrap();
    let lh = sha256_hex(&cj(&Value::Object(o2.clone())));
    o2.insert("leaf_hash", lh);
    o2.clone()
}

/// Signs a head object (adds `sig_ed25519`).
pub fn sign_head(k: &Keys, head: &mut Object) {
    head.remove("sig_ed25519");
    let msg = cj(&Value::Object(head.clone()));
    head.insert("sig_ed25519", b64(&k.app.sign(&msg).to_bytes()));
}

/// Hashes events into a chain: sets `prev_hash` and `event_hash`.
pub fn chain(events: &mut [Object], d: Dialect) {
    chain_from(events, d, GENESIS)
}

/// [`chain`] starting from another genesis value.
pub fn chain_from(events: &mut [Object], d: Dialect, genesis: &str) {
    let mut prev = genesis.to_string();
    for e in events.iter_mut() {
        e.remove("event_hash");
        e.insert("prev_hash", prev.clone());
        let h = canon::sha256_hex(&Value::Object(e.clone()), d).unwrap();
        e.insert("event_hash", h.clone());
        prev = h;
    }
}

pub fn jsonl(objs: &[Object]) -> Vec<u8> {
    let mut out = Vec::new();
    for o in objs {
        out.extend(cj(&Value::Object(o.clone())));
        out.push(b'\n');
    }
    out
}

pub fn story(events: &[Object]) -> Vec<u8> {
    let mut s = String::new();
    for e in events {
        let h = e.get("event_hash").unwrap().as_str().unwrap();
        let t = e.get("type").unwrap().as_str().unwrap();
        let seq = e.get("seq").unwrap().as_u64().unwrap();
        s += &format!("{h} {seq}. {t}: {}\n", narrate(t));
        if t == "model_done" {
            s += &format!(
                "{h}    (the answer's text stays in response.txt; only its hash is in the chain)\n"
            );
        }
    }
    s.into_bytes()
}

fn narrate(t: &str) -> &'static str {
    match t {
        "req_seen" => "the witness recorded the attempt in the hourly REQ_SEEN ledger.",
        "request_received" => "the request passed login, quota and input checks.",
        "request_denied" => "the request was denied: quota exceeded.",
        "retrieval_done" => "three passages were retrieved from the clinical corpus.",
        "prompt_built" => "the prompt was assembled from the request and the passages.",
        "model_done" => "the model answered.",
        "replacement_applied" => "citations were normalised to if:// handles.",
        "guard_applied" => "the output guard softened one sentence.",
        "trace_finalizing" => "the trace was closed and bound to the response.",
        _ => "an event the narrator does not know.",
    }
}

fn event_data(t: &str, p: &Params, witness: &Object, response: &[u8]) -> Value {
    let h = |s: &str| sha256_hex(format!("{}|{s}", p.trace_id).as_bytes());
    match t {
        "req_seen" => Value::Object(witness.clone()),
        "request_received" => obj! {"user_sha256" => h("user"), "route" => "/api/chat/completions"},
        "request_denied" => obj! {"reason" => "quota_exceeded", "route" => "/api/chat/completions"},
        "retrieval_done" => obj! {"k" => 3, "passages_sha256" => h("passages")},
        "prompt_built" => obj! {"prompt_sha256" => h("prompt"), "template" => "if.emotion.v2"},
        "model_done" => {
            let mut v = obj! {"model" => "if-emotion-base", "output_sha256" => h("output"), "latency_ms" => 812};
            if let Some(n) = &p.note {
                v.as_object_mut().unwrap().insert("note", n.as_str());
            }
            v
        }
        "replacement_applied" => obj! {"replacements" => 2, "output_sha256" => h("output2")},
        "guard_applied" => obj! {"guard" => "tone-v3", "output_sha256" => h("output3")},
        "trace_finalizing" => obj! {"response_sha256" => sha256_hex(response)},
        _ => obj! {},
    }
}

pub fn request_bytes(p: &Params) -> Vec<u8> {
    let msg = if p.denied {
        "Can you help me again today?"
    } else {
        "I feel overwhelmed at work. How do I talk to my manager?"
    };
    let v = obj! {
        "model" => "if-emotion",
        "messages" => Value::Array(vec![obj!{"role" => "user", "content" => msg}]),
    };
    let mut b = canon::to_pretty(&v).into_bytes();
    b.push(b'\n');
    b
}

pub fn response_bytes(p: &Params) -> Vec<u8> {
    let body = if p.denied {
        "Request denied: the daily quota for this account is used up.".to_string()
    } else {
        "It makes sense to feel that way. Start with one concrete example and one request.\n\nSources: if://citation/2f6e0c1a-4b7d-4e2a-9c3f-5d8e1a2b3c4d/v1".to_string()
    };
    format!("{body}\nTrace: {}\n", p.trace_id).into_bytes()
}

pub fn headers_bytes(k: &Keys, trace_id: &str, response: &[u8]) -> Vec<u8> {
    let msg = format!(
        "if.emotion.trace-sig.v2\n{trace_id}\n{}",
        sha256_hex(response)
    );
    let v = obj! {
        "Content-Type" => "text/plain; charset=utf-8",
        "X-IF-Emotion-Trace" => trace_id,
        "X-IF-Emotion-Trace-Sig" => b64(&k.app.sign(msg.as_bytes()).to_bytes()),
    };
    (canon::to_pretty(&v) + "\n").into_bytes()
}

/// Builds a complete, consistent bundle.
pub fn build(p: &Params, k: &Keys) -> Bundle {
    let mut files = BTreeMap::new();
    let request = request_bytes(p);
    let response = p.response.clone().unwrap_or_else(|| response_bytes(p));
    // REQ_SEEN ledger and head.
    let mut ledger = Vec::new();
    for i in 0..p.ledger_size {
        ledger.push(if i == p.leaf_index {
            entry(&p.hour, i, &p.trace_id, &request, p.denied)
        } else {
            entry(
                &p.hour,
                i,
                &format!("other-trace-{i}"),
                format!("other-request-{i}").as_bytes(),
                i % 3 == 1,
            )
        });
    }
    if let Some(f) = p.ledger_pre {
        f(&mut ledger);
        for e in ledger.iter_mut() {
            e.remove("leaf_hash");
            let lh = sha256_hex(&cj(&Value::Object(e.clone())));
            e.insert("leaf_hash", lh);
        }
    }
    if let Some(f) = p.ledger_post {
        f(&mut ledger);
    }
    let leaves: Vec<merkle::Hash> = ledger
        .iter()
        .map(|e| {
            let lh = evv::crypto::hash::parse_hex32(e.get("leaf_hash").unwrap().as_str().unwrap())
                .unwrap();
            merkle::leaf_hash(&lh)
        })
        .collect();
    let root = merkle::root_of_leaf_hashes(&leaves);
    let wi = p.witness_index.unwrap_or(p.leaf_index) as usize;
    let proof = merkle::inclusion_proof(&leaves, wi).unwrap_or_default();
    let mut head = obj! {
        "schema" => "if.emotion.req_seen_head.v1",
        "hour" => p.hour.as_str(),
        "count" => p.ledger_size,
        "merkle_root" => hexs(&root),
        "key_id" => "ed25519-app-v1",
        "public_key" => b64(&k.app_pk()),
    }
    .as_object()
    .unwrap()
    .clone();
    sign_head(k, &mut head);
    if !p.privacy {
        files.insert(format!("payload/req_seen/{}.jsonl", p.hour), jsonl(&ledger));
    }
    files.insert(
        format!("payload/req_seen/heads/{}.json", p.hour),
        (canon::to_pretty(&Value::Object(head)) + "\n").into_bytes(),
    );
    // Trace chain.
    let witness = obj! {
        "hour" => p.hour.as_str(),
        "entry" => Value::Object(ledger[wi].clone()),
        "tree_size" => p.ledger_size,
        "inclusion_proof" => Value::Array(proof.iter().map(|h| Value::from(hexs(h))).collect()),
    }
    .as_object()
    .unwrap()
    .clone();
    let types = p.types.clone().unwrap_or_else(|| p.default_types());
    let mut events: Vec<Object> = types
        .iter()
        .enumerate()
        .map(|(i, t)| {
            obj! {
                "seq" => i as u64,
                "trace_id" => p.trace_id.as_str(),
                "type" => t.as_str(),
                "ts" => format!("2026-11-23T19:05:{:02}.{:03}Z", 7 + i / 10, (i % 10) * 100),
                "data" => event_data(t, p, &witness, &response),
            }
            .as_object()
            .unwrap()
            .clone()
        })
        .collect();
    chain(&mut events, p.dialect);
    files.insert("payload/trace_events.jsonl".into(), jsonl(&events));
    files.insert("payload/if_story.md".into(), story(&events));
    files.insert("payload/request.json".into(), request);
    files.insert(
        "payload/response_headers.json".into(),
        headers_bytes(k, &p.trace_id, &response),
    );
    files.insert("payload/response.txt".into(), response);
    // Nested priors.
    let mut b = Bundle {
        files,
        params: p.clone(),
    };
    set_children(
        &mut b,
        k,
        &["trace_events.jsonl", "if_story.md", "response.txt"],
    );
    reseal(&mut b, k);
    b
}

/// Writes `ttt_children.json` and its signed registry chain for the named files.
pub fn set_children(b: &mut Bundle, k: &Keys, paths: &[&str]) {
    let d = b.params.dialect;
    let mut children = Vec::new();
    let mut records: Vec<Object> = Vec::new();
    let mut prev = GENESIS.to_string();
    for (i, p) in paths.iter().enumerate() {
        let sha = sha256_hex(&b.files[&format!("payload/{p}")]);
        let h = handle(&format!("{}|{p}", b.params.trace_id));
        children.push(obj! {"path" => *p, "sha256" => sha.as_str(), "handle" => h.as_str()});
        let mut r = obj! {
            "seq" => i as u64,
            "handle" => h.as_str(),
            "content_sha256" => sha.as_str(),
            "prev_record_hash" => prev.as_str(),
        }
        .as_object()
        .unwrap()
        .clone();
        sign_chain_record(&mut r, k, d);
        prev = r.get("record_hash").unwrap().as_str().unwrap().to_string();
        records.push(r);
    }
    b.files.insert(
        "payload/ttt_children.json".into(),
        (canon::to_pretty(
            &obj! {"schema" => "if.ttt.children.v1", "children" => Value::Array(children)},
        ) + "\n")
            .into_bytes(),
    );
    write_records(b, &records);
}

/// Sets `record_hash` and one Ed25519 signature on a chain record.
pub fn sign_chain_record(r: &mut Object, k: &Keys, d: Dialect) {
    r.remove("signatures");
    r.remove("record_hash");
    let rh = canon::sha256_hex(&Value::Object(r.clone()), d).unwrap();
    r.insert("record_hash", rh);
    let msg = canon::to_vec(&Value::Object(r.clone()), d).unwrap();
    r.insert(
        "signatures",
        Value::Array(vec![k.ed_sig(&k.ttt_ed, "ttt-ed25519-v1", &msg)]),
    );
}

pub fn write_records(b: &mut Bundle, records: &[Object]) {
    let v = obj! {
        "schema" => "if.ttt.chain_records.v1",
        "records" => Value::Array(records.iter().cloned().map(Value::Object).collect()),
    };
    b.files.insert(
        "payload/ttt_children_chain_records.json".into(),
        (canon::to_pretty(&v) + "\n").into_bytes(),
    );
}

pub fn read_records(b: &Bundle) -> Vec<Object> {
    json(b, "payload/ttt_children_chain_records.json")
        .get("records")
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_object().unwrap().clone())
        .collect()
}

pub fn json(b: &Bundle, path: &str) -> Value {
    canon::parse(&b.files[path]).unwrap()
}

pub fn put_json(b: &mut Bundle, path: &str, v: &Value) {
    b.files
        .insert(path.into(), (canon::to_pretty(v) + "\n").into_bytes());
}

pub fn events(b: &Bundle) -> Vec<Object> {
    lines_json(&b.files["payload/trace_events.jsonl"])
}

pub fn lines_json(bytes: &[u8]) -> Vec<Object> {
    bytes
        .split(|c| *c == b'\n')
        .filter(|l| !l.is_empty())
        .filter_map(|l| canon::parse(l).ok()?.as_object().cloned())
        .collect()
}

/// Files the manifest leaves out: itself, `sha256s.txt`, and the signed record (which
/// binds the manifest's hash and so cannot be listed in it).
pub const UNLISTED: [&str; 3] = [
    "payload/manifest.json",
    "payload/sha256s.txt",
    "payload/ttt_signed_record.json",
];

/// Rewrites manifest.json, re-signs the completion record over the current chain,
/// head and manifest, and rewrites sha256s.txt: what an honest producer (or an
/// attacker with every key) would do after changing files.
pub fn reseal(b: &mut Bundle, k: &Keys) {
    reseal_manifest(b);
    let evs = events(b);
    let last = evs
        .last()
        .and_then(|e| e.get("event_hash"))
        .and_then(|h| h.as_str())
        .map(str::to_string);
    let head = json(b, &format!("payload/req_seen/heads/{}.json", b.params.hour));
    let record = obj! {
        "schema" => "if.ttt.signed_record.v1",
        "trace_id" => b.params.trace_id.as_str(),
        "manifest_sha256" => sha256_hex(&b.files["payload/manifest.json"]),
        "final_event_hash" => last.unwrap_or_else(|| GENESIS.into()),
        "event_count" => evs.len() as u64,
        "req_seen_hour" => b.params.hour.as_str(),
        "req_seen_root" => head.get("merkle_root").unwrap().as_str().unwrap(),
    };
    sign_record(b, k, record.as_object().unwrap().clone());
}

/// Signs and stores a completion record (hybrid), then rewrites sha256s.txt.
pub fn sign_record(b: &mut Bundle, k: &Keys, mut record: Object) {
    record.remove("signatures");
    let msg = canon::to_vec(&Value::Object(record.clone()), b.params.dialect).unwrap();
    record.insert("signatures", k.hybrid(&msg));
    put_json(b, "payload/ttt_signed_record.json", &Value::Object(record));
    reseal_sums(b);
}

pub fn reseal_manifest(b: &mut Bundle) {
    let files: Vec<Value> = b
        .files
        .iter()
        .filter(|(p, _)| !UNLISTED.contains(&p.as_str()))
        .map(|(p, d)| {
            obj! {
                "path" => p.strip_prefix("payload/").unwrap(),
                "size" => d.len() as u64,
                "sha256" => sha256_hex(d),
            }
        })
        .collect();
    let m = obj! {
        "schema" => "if.emotion.bundle.manifest/v1",
        "trace_id" => b.params.trace_id.as_str(),
        "created_at" => "2026-11-23T19:05:09Z",
        "canonical_json" => b.params.dialect.name(),
        "files" => Value::Array(files),
    };
    put_json(b, "payload/manifest.json", &m);
}

pub fn reseal_sums(b: &mut Bundle) {
    let mut s = String::new();
    for (p, d) in &b.files {
        if p != "payload/sha256s.txt" {
            s += &format!(
                "{}  {}\n",
                sha256_hex(d),
                p.strip_prefix("payload/").unwrap()
            );
        }
    }
    b.files.insert("payload/sha256s.txt".into(), s.into_bytes());
}

/// Order in which files reach the sink.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// Sorted by path (what the container does for directories).
    Sorted,
    /// Trace and ledgers first, manifest last (a plausible producer tar order).
    ManifestLast,
}

/// Feeds the bundle to a [`BundleSink`] and finishes it, as `evv verify` would.
pub fn verify_with(b: &Bundle, opts: BundleOptions, order: Order, tarball: Option<&str>) -> Report {
    let mut report = Report::new("bundle", "fixture");
    if let Some(t) = tarball {
        report.fact("tarball_sha256", t);
    }
    let mut sink = BundleSink::new(opts);
    let mut paths: Vec<&String> = b.files.keys().collect();
    if order == Order::ManifestLast {
        paths.sort_by_key(|p| (p.as_str() == "payload/manifest.json", p.as_str()));
    }
    let mut records = Vec::new();
    for p in paths {
        let d = &b.files[p];
        sink.file(p, d.len() as u64, &mut &d[..]).unwrap();
        records.push(FileRecord {
            path: p.clone(),
            size: d.len() as u64,
            sha256: sha256(d),
        });
    }
    let manifest = b
        .files
        .get("payload/manifest.json")
        .and_then(|m| canon::parse(m).ok());
    sink.finish(&records, manifest.as_ref(), &mut report);
    report
}

pub fn verify(b: &Bundle, trust: TrustStore) -> Report {
    verify_with(
        b,
        BundleOptions {
            trust,
            record: None,
        },
        Order::Sorted,
        None,
    )
}

/// A deterministic `.tar.gz` of the bundle: regular files only, sorted, mode 0644,
/// uid/gid 0, mtime 0, empty user and group names; gzip header mtime 0, no name.
pub fn tar_gz(b: &Bundle) -> Vec<u8> {
    let gz = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::new(9));
    let mut t = tar::Builder::new(gz);
    t.mode(tar::HeaderMode::Deterministic);
    for (p, d) in &b.files {
        let mut h = tar::Header::new_ustar();
        h.set_size(d.len() as u64);
        h.set_mode(0o644);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(0);
        h.set_entry_type(tar::EntryType::Regular);
        t.append_data(&mut h, p, &d[..]).unwrap();
    }
    t.into_inner().unwrap().finish().unwrap()
}

/// The detached tarball record for an archive.
pub fn tarball_record(k: &Keys, trace_id: &str, tar_sha256: &str) -> Vec<u8> {
    let mut r = obj! {
        "schema" => "if.ttt.tarball_record.v1",
        "handle" => handle(&format!("{trace_id}|tarball")),
        "trace_id" => trace_id,
        "tarball_sha256" => tar_sha256,
    }
    .as_object()
    .unwrap()
    .clone();
    let msg = cj(&Value::Object(r.clone()));
    r.insert("signatures", k.hybrid(&msg));
    (canon::to_pretty(&Value::Object(r)) + "\n").into_bytes()
}

/// Writes the bundle as a directory tree under `dir`.
pub fn write_dir(b: &Bundle, dir: &Path) -> std::io::Result<()> {
    for (p, d) in &b.files {
        let f = dir.join(p);
        std::fs::create_dir_all(f.parent().unwrap())?;
        std::fs::File::create(f)?.write_all(d)?;
    }
    Ok(())
}

/// Every file of a committed fixture (directory tree + tar.gz + record), as
/// path relative to `testdata/bundles/` → bytes.
pub fn fixture_files() -> BTreeMap<String, Vec<u8>> {
    let k = keys();
    let mut out = BTreeMap::new();
    for (name, p) in [
        ("accepted", Params::accepted()),
        ("denied", Params::denied()),
        ("privacy", Params::privacy()),
    ] {
        let b = build(&p, &k);
        for (path, d) in &b.files {
            out.insert(format!("{name}/{path}"), d.clone());
        }
        let tgz = tar_gz(&b);
        out.insert(
            format!("{name}.tar.gz.record.json"),
            tarball_record(&k, &p.trace_id, &sha256_hex(&tgz)),
        );
        out.insert(format!("{name}.tar.gz"), tgz);
    }
    out.insert("trust.json".into(), k.trust_json().into_bytes());
    out
}

/// Rewrites the trace (as given), the story, the priors and the seals.
pub fn put_events(b: &mut Bundle, k: &Keys, evs: &[Object], with_story: bool) {
    b.files
        .insert("payload/trace_events.jsonl".into(), jsonl(evs));
    if with_story {
        b.files.insert("payload/if_story.md".into(), story(evs));
    }
    refresh(b, k);
}

/// Edits events, re-hashes the chain, rewrites story, priors and seals: only what
/// the edit itself breaks stays broken.
pub fn rebuild_chain(b: &mut Bundle, k: &Keys, f: impl FnOnce(&mut Vec<Object>)) {
    let mut evs = events(b);
    f(&mut evs);
    chain(&mut evs, b.params.dialect);
    put_events(b, k, &evs, true);
}

/// Re-registers the default priors and reseals after a file changed.
pub fn refresh(b: &mut Bundle, k: &Keys) {
    set_children(b, k, &["trace_events.jsonl", "if_story.md", "response.txt"]);
    reseal(b, k);
}
