//! Builds KRY attestations, signatures and councils from KRY-SPEC v1.3 for tests.
//!
//! Deliberately independent of `evv::kry`: public blocks, chain hashes, action payloads
//! and envelopes are built here from the spec's text with `evv::canon` (the shared,
//! separately proven canonical JSON) and `sha2`, so a bug in the verifier cannot be
//! mirrored by the fixtures. Keys come from fixed seeds.

#![allow(dead_code)]

use evv::canon::{self, Dialect, Object, Value};
use evv::obj;
use sha2::{Digest, Sha256};

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

pub fn sha(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

pub fn canon_bytes(v: &Value) -> Vec<u8> {
    canon::to_vec(v, Dialect::Python).unwrap()
}

pub fn f64hex(x: f64) -> String {
    hex::encode(x.to_be_bytes())
}

/// One savings link as the spec describes it.
#[derive(Clone, Debug)]
pub struct Link {
    pub event_type: String,
    pub tokens_saved: f64,
    pub earn_rate: f64,
    pub kry_minted: f64,
    pub tier: String,
    pub ts: f64,
    pub metered: Option<[u64; 2]>,
    pub receipt_id: Option<String>,
    pub supersedes: Option<String>,
    pub hash_version: i64,
}

impl Link {
    /// A cache_hit link, rate 1.0, multiplier 0.4 (published), self_reported, v7.
    pub fn cache_hit(i: usize, tokens: f64) -> Link {
        Link {
            event_type: "cache_hit".into(),
            tokens_saved: tokens,
            earn_rate: 1.0,
            kry_minted: tokens * 0.4,
            tier: "self_reported".into(),
            ts: 1_700_000_000.0 + i as f64,
            metered: None,
            receipt_id: Some(format!("KRY-{i:08}")),
            supersedes: None,
            hash_version: 7,
        }
    }
}

/// The link object (without chain fields).
fn link_object(l: &Link, seq: usize) -> Object {
    let mut o = Object::new();
    o.insert("seq", seq);
    o.insert("event_type", l.event_type.as_str());
    o.insert("kry_minted", l.kry_minted);
    o.insert("ts", l.ts);
    o.insert(
        "receipt_hash",
        sha(format!("sealed-receipt-{seq}").as_bytes()),
    );
    o.insert(
        "sealed_evidence",
        &sha(format!("evidence-{seq}").as_bytes())[..16],
    );
    o.insert("evidence_tier", l.tier.as_str());
    o.insert("tokens_saved", l.tokens_saved);
    o.insert("earn_rate", l.earn_rate);
    o.insert(
        "metered_tokens",
        match l.metered {
            Some([a, b]) => Value::Array(vec![Value::from(a), Value::from(b)]),
            None => Value::Null,
        },
    );
    o.insert("hash_version", l.hash_version);
    o.insert(
        "supersedes",
        l.supersedes.clone().map_or(Value::Null, Value::from),
    );
    if let Some(id) = &l.receipt_id {
        o.insert("receipt_id", id.as_str());
    }
    o
}

/// The public block of KRY-SPEC §3.3, built as an object and canonicalised.
pub fn public_block(link: &Object) -> Vec<u8> {
    let hv = link
        .get("hash_version")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let num = |k: &str| -> Value {
        let v = link.get(k).cloned().unwrap_or(Value::Null);
        if hv >= 5 {
            match v.as_f64() {
                Some(f) if f.is_finite() && matches!(v, Value::Number(_)) => f64hex(f).into(),
                _ => "nonfinite".into(),
            }
        } else {
            v
        }
    };
    let mut b = obj! {
        "hash_version" => hv,
        "tokens_saved" => num("tokens_saved"),
        "ts" => num("ts"),
        "evidence_tier" => link.get("evidence_tier").cloned().unwrap_or(Value::Null),
        "metered_tokens" => link.get("metered_tokens").cloned().unwrap_or(Value::Null),
        "kry_minted" => num("kry_minted"),
        "earn_rate" => num("earn_rate"),
    };
    let b_obj = b.as_object_mut().unwrap();
    if let Some(s) = link.get("supersedes").filter(|v| !matches!(v, Value::Null)) {
        b_obj.insert("supersedes", s.clone());
    }
    let or_empty = |k: &str| match link.get(k) {
        Some(Value::String(s)) if !s.is_empty() => Value::from(s.as_str()),
        _ => Value::from(""),
    };
    if hv >= 6 {
        b_obj.insert("receipt_id", or_empty("receipt_id"));
    }
    if hv >= 7 {
        b_obj.insert("event_type", or_empty("event_type"));
    }
    canon_bytes(&b)
}

/// Recomputes every link's chain_hash from genesis (KRY-SPEC §3.3).
pub fn rechain(att: &mut Value) {
    let links = match att.as_object_mut().unwrap().remove("links") {
        Some(Value::Array(l)) => l,
        _ => panic!("links"),
    };
    let mut prev = GENESIS.to_string();
    let mut out = Vec::new();
    for lv in links {
        let mut link = match lv {
            Value::Object(o) => o,
            other => {
                out.push(other);
                continue;
            }
        };
        let hv = link
            .get("hash_version")
            .and_then(Value::as_i64)
            .unwrap_or(1);
        let rh = link
            .get("receipt_hash")
            .and_then(Value::as_str)
            .unwrap()
            .to_string();
        let mut pre = format!("{prev}:{rh}").into_bytes();
        if hv >= 4 {
            pre.push(b':');
            pre.extend(public_block(&link));
        }
        let h = sha(&pre);
        link.insert("chain_hash", h.as_str());
        prev = h;
        out.push(Value::Object(link));
    }
    att.as_object_mut().unwrap().insert("links", out);
}

fn round4(x: f64) -> f64 {
    // Test amounts are multiples of 1/1024, so this is exact.
    (x * 10000.0).round() / 10000.0
}

/// Recomputes the envelope (receipts, totals, counts, chain_head, veracity with the
/// overlay) from the links, then seals.
pub fn envelope(att: &mut Value) {
    let o = att.as_object_mut().unwrap();
    let links = o.get("links").and_then(Value::as_array).unwrap().clone();
    let mut total = 0.0;
    let mut tiers: Vec<(String, f64)> = Vec::new();
    let mut counts = Object::new();
    let mut ids: Vec<(String, String, f64, usize)> = Vec::new();
    let mut promos: Vec<(String, String, usize)> = Vec::new();
    let add =
        |tiers: &mut Vec<(String, f64)>, t: &str, v: f64| match tiers.iter_mut().find(|x| x.0 == t)
        {
            Some(x) => x.1 += v,
            None => tiers.push((t.to_string(), v)),
        };
    for (i, l) in links.iter().enumerate() {
        let k = l.get("kry_minted").and_then(Value::as_f64).unwrap_or(0.0);
        let t = l
            .get("evidence_tier")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        total += k;
        add(&mut tiers, &t, k);
        let e = l
            .get("event_type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let c = counts.get(&e).and_then(Value::as_i64).unwrap_or(0);
        counts.insert(e, c + 1);
        let hv = l.get("hash_version").and_then(Value::as_i64).unwrap_or(1);
        if let Some(id) = l.get("receipt_id").and_then(Value::as_str) {
            if hv >= 6 && !id.is_empty() && !ids.iter().any(|x| x.0 == id) {
                ids.push((id.into(), t.clone(), k, i));
            }
        }
        if let Some(s) = l.get("supersedes").and_then(Value::as_str) {
            if (t == "tlsn_attested" || t == "tee_attested") && k <= 0.0 {
                promos.push((s.into(), t.clone(), i));
            }
        }
    }
    for (s, t, pos) in promos {
        if let Some(j) = ids.iter().position(|x| x.0 == s && x.3 < pos && x.2 > 0.0) {
            let (_, tt, v, _) = ids.remove(j);
            add(&mut tiers, &tt, -v);
            add(&mut tiers, &t, v);
        }
    }
    let total_r = round4(total);
    let anchored: f64 = tiers
        .iter()
        .filter(|t| t.0 != "self_reported")
        .fold(0.0, |a, t| a + t.1);
    let anchored_r = round4(anchored);
    let mut by_tier = Object::new();
    for (t, v) in &tiers {
        by_tier.insert(t.as_str(), round4(*v));
    }
    let self_r = round4(
        tiers
            .iter()
            .find(|t| t.0 == "self_reported")
            .map_or(0.0, |t| t.1),
    );
    let floor = if total_r == 0.0 {
        0.0
    } else {
        (anchored_r / total_r * 10000.0).round() / 10000.0
    };
    let head = links
        .last()
        .and_then(|l| l.get("chain_hash"))
        .and_then(Value::as_str)
        .unwrap_or(GENESIS)
        .to_string();
    o.insert("receipts", links.len());
    o.insert("chain_valid", true);
    o.insert("total_kry", total_r);
    o.insert("usd_equivalent", (total_r * 0.000025 * 1e6).round() / 1e6);
    o.insert("event_type_counts", counts);
    o.insert("chain_head", head);
    o.insert(
        "veracity",
        obj! {
            "by_tier" => by_tier,
            "anchored_kry" => anchored_r,
            "self_reported_kry" => self_r,
            "veracity_floor" => floor,
        },
    );
    seal(att);
}

/// Recomputes attestation_hash (KRY-SPEC §3.1).
pub fn seal(att: &mut Value) {
    let o = att.as_object_mut().unwrap();
    o.insert("attestation_hash", "");
    let h = sha(&canon_bytes(att));
    att.as_object_mut().unwrap().insert("attestation_hash", h);
}

/// A complete, valid savings attestation.
pub fn savings(links: &[Link]) -> Value {
    let ls: Vec<Value> = links
        .iter()
        .enumerate()
        .map(|(i, l)| Value::Object(link_object(l, i + 1)))
        .collect();
    let mut att = obj! {"links" => ls};
    rechain(&mut att);
    envelope(&mut att);
    att
}

/// The default three-link valid savings attestation.
pub fn savings3() -> Value {
    savings(&[
        Link::cache_hit(1, 1000.0),
        Link::cache_hit(2, 250.0),
        Link::cache_hit(3, 512.0),
    ])
}

/// Replaces a top-level member.
pub fn set(att: &mut Value, key: &str, v: impl Into<Value>) {
    att.as_object_mut().unwrap().insert(key, v.into());
}

/// Removes a top-level member.
pub fn remove(att: &mut Value, key: &str) {
    att.as_object_mut().unwrap().remove(key);
}

/// Replaces (or with `None` removes) a member of link `i`.
pub fn link_set(att: &mut Value, i: usize, key: &str, v: Option<Value>) {
    let o = att.as_object_mut().unwrap();
    let mut links = match o.remove("links") {
        Some(Value::Array(l)) => l,
        _ => panic!("links"),
    };
    let l = links[i].as_object_mut().unwrap();
    match v {
        Some(v) => {
            l.insert(key, v);
        }
        None => {
            l.remove(key);
        }
    }
    o.insert("links", links);
}

/// Replaces a member of the veracity object.
pub fn veracity_set(att: &mut Value, key: &str, v: Option<Value>) {
    let o = att.as_object_mut().unwrap();
    let mut ver = o.remove("veracity").unwrap();
    let vo = ver.as_object_mut().unwrap();
    match v {
        Some(v) => {
            vo.insert(key, v);
        }
        None => {
            vo.remove(key);
        }
    }
    o.insert("veracity", ver);
}

/// An anchor document.
pub fn anchor(count: u64, tip: &str) -> Vec<u8> {
    canon_bytes(&obj! {"schema" => "kry_chain_anchor/v1", "count" => count, "tip" => tip})
}

// ---- action attestations (KRY-SPEC §4) ----

/// One action.
#[derive(Clone, Debug)]
pub struct Action {
    pub receipt_id: Value,
    pub tool: String,
    pub args: Value,
    pub result: Option<Value>,
    pub status: String,
    pub ts: f64,
    pub agent_id: String,
    pub tier: String,
    pub witness: Option<Value>,
}

impl Action {
    pub fn new(i: usize, tier: &str, witnessed: bool) -> Action {
        Action {
            receipt_id: Value::from(format!("ACT-{i:08}")),
            tool: "read_file".into(),
            args: obj! {"path" => format!("/srv/data/{i}.txt")},
            result: Some(obj! {"bytes" => 1024i64 * i as i64}),
            status: "ok".into(),
            ts: 1_700_000_000.0 + i as f64,
            agent_id: "agent-A".into(),
            tier: tier.into(),
            witness: witnessed.then(|| obj! {"server" => "tool-host-1", "seq" => i as i64}),
        }
    }
}

pub fn commit(v: &Value) -> String {
    sha(&canon_bytes(v))
}

/// The receipt payload P of KRY-SPEC §4.2 for a link object.
pub fn action_payload(link: &Object) -> Vec<u8> {
    let g = |k: &str| link.get(k).cloned().unwrap_or(Value::Null);
    let ts = match link.get("ts") {
        Some(Value::Number(n)) if n.as_f64().is_finite() => f64hex(n.as_f64()),
        _ => "ffffffffffffffff".into(),
    };
    canon_bytes(&obj! {
        "action_hash_version" => 1i64,
        "tool" => g("tool"),
        "args_commit" => g("args_commit"),
        "result_commit" => g("result_commit"),
        "status" => g("status"),
        "ts" => ts,
        "agent_id" => g("agent_id"),
        "evidence_tier" => g("evidence_tier"),
        "server_evidence_commit" => g("server_evidence_commit"),
    })
}

/// Recomputes receipt and chain hashes of every action link, chain_tip and count.
pub fn action_rechain(att: &mut Value, recompute_receipts: bool) {
    let o = att.as_object_mut().unwrap();
    let links = match o.remove("links") {
        Some(Value::Array(l)) => l,
        _ => panic!("links"),
    };
    let mut prev = GENESIS.to_string();
    let mut out = Vec::new();
    for lv in links {
        let mut l = lv.as_object().unwrap().clone();
        if recompute_receipts {
            l.insert("receipt_hash", sha(&action_payload(&l)));
        }
        let rh = l
            .get("receipt_hash")
            .and_then(Value::as_str)
            .unwrap()
            .to_string();
        let h = sha(format!("{prev}:{rh}").as_bytes());
        l.insert("chain_hash", h.as_str());
        prev = h;
        out.push(Value::Object(l));
    }
    o.insert("action_count", out.len());
    o.insert("links", out);
    o.insert("chain_tip", prev);
}

/// A valid action attestation; declares the veracity floor it should have.
pub fn action(actions: &[Action]) -> Value {
    let links: Vec<Value> = actions
        .iter()
        .map(|a| {
            let mut l = Object::new();
            l.insert("receipt_id", a.receipt_id.clone());
            l.insert("tool", a.tool.as_str());
            l.insert("args_commit", commit(&a.args));
            l.insert(
                "result_commit",
                a.result.as_ref().map_or(Value::Null, |r| commit(r).into()),
            );
            l.insert("status", a.status.as_str());
            l.insert("ts", a.ts);
            l.insert("agent_id", a.agent_id.as_str());
            l.insert("evidence_tier", a.tier.as_str());
            l.insert(
                "server_evidence_commit",
                a.witness.as_ref().map_or(Value::Null, |w| commit(w).into()),
            );
            l.insert("action_hash_version", 1i64);
            Value::Object(l)
        })
        .collect();
    let anchored = actions
        .iter()
        .filter(|a| (a.tier == "server_witnessed" || a.tier == "attested") && a.witness.is_some())
        .count();
    let floor = if actions.is_empty() {
        0.0
    } else {
        (anchored as f64 / actions.len() as f64 * 10000.0).round() / 10000.0
    };
    let mut att = obj! {
        "kind" => "kry_action_attestation",
        "action_hash_version" => 1i64,
        "links" => links,
        "veracity" => obj!{"veracity_floor" => floor},
    };
    action_rechain(&mut att, true);
    att
}

pub fn action3() -> Value {
    action(&[
        Action::new(0, "self_reported", false),
        Action::new(1, "server_witnessed", true),
        Action::new(2, "attested", true),
    ])
}

// ---- kry-pqc signatures and councils ----

use ml_dsa::{MlDsa44, SigningKey};

/// An ML-DSA-44 key pair from a fixed seed byte.
pub fn keypair(seed: u8) -> SigningKey<MlDsa44> {
    let s: [u8; 32] = [seed; 32];
    SigningKey::<MlDsa44>::from_seed(&s.into())
}

pub fn public_key(k: &SigningKey<MlDsa44>) -> Vec<u8> {
    use ml_dsa::signature::Keypair;
    k.verifying_key().encode().to_vec()
}

pub fn sign(k: &SigningKey<MlDsa44>, msg: &[u8]) -> Vec<u8> {
    k.expanded_key()
        .sign_deterministic(msg, b"")
        .unwrap()
        .encode()
        .to_vec()
}

pub fn b64(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// A kry-pqc signature document over `bytes`.
pub fn signature(k: &SigningKey<MlDsa44>, bytes: &[u8], v2: bool) -> Vec<u8> {
    let mut msg = Vec::new();
    if v2 {
        msg.extend_from_slice(b"kry-pqc/v2/single\x00");
    }
    msg.extend_from_slice(bytes);
    canon_bytes(&obj! {
        "scheme" => if v2 { "kry-pqc/v2" } else { "kry-pqc/v1" },
        "alg" => "ML-DSA-44",
        "message_sha256" => sha(bytes),
        "public_key" => b64(&public_key(k)),
        "signature" => b64(&sign(k, &msg)),
    })
}

/// A council policy over the keys of `seeds`.
pub fn policy(seeds: &[u8], threshold: i64) -> Value {
    let signers: Vec<Value> = seeds
        .iter()
        .map(|s| {
            let pk = public_key(&keypair(*s));
            obj! {
                "name" => format!("member-{s}"),
                "public_key" => b64(&pk),
                "fingerprint" => sha(&pk)[..16].to_string(),
            }
        })
        .collect();
    obj! {
        "scheme" => "kry-pqc-council/v1",
        "alg" => "ML-DSA-44",
        "threshold" => threshold,
        "signers" => signers,
    }
}

/// One council contribution by the key of `seed`.
pub fn contribution(seed: u8, policy_sha: &str, bytes: &[u8]) -> Value {
    let k = keypair(seed);
    let mut msg = b"kry-pqc/v2/threshold\x00".to_vec();
    msg.extend_from_slice(policy_sha.as_bytes());
    msg.push(0);
    msg.extend_from_slice(bytes);
    obj! {
        "fingerprint" => sha(&public_key(&k))[..16].to_string(),
        "signature" => b64(&sign(&k, &msg)),
    }
}

/// A threshold artifact with contributions from `signers`.
pub fn artifact(policy: &Value, signers: &[u8], bytes: &[u8]) -> Value {
    let psha = sha(&canon_bytes(policy));
    let sigs: Vec<Value> = signers
        .iter()
        .map(|s| contribution(*s, &psha, bytes))
        .collect();
    obj! {
        "scheme" => "kry-pqc-threshold/v2",
        "message_sha256" => sha(bytes),
        "policy_sha256" => psha,
        "threshold" => policy.get("threshold").cloned().unwrap(),
        "signatures" => sigs,
    }
}
