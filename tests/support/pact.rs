//! Test support for PACT v4: builds transcripts signed with fixed test keys, tampers
//! with them the way an attacker would (including recomputing every unkeyed hash), and
//! generates the committed fixtures under `testdata/pact/`.
//!
//! Keys: agent `A`'s Ed25519 secret seed is SHA-256(`"evv-pact-test:" + A`). Nothing here
//! is random; the same calls always produce the same bytes.
#![allow(dead_code)]

use ed25519_dalek::{Signer, SigningKey};
use evv::canon::{self, Dialect, Object, Value};
use evv::crypto::hash::{sha256, sha256_hex};
use evv::obj;

/// The agents of generated transcripts.
pub const AGENTS: [&str; 2] = ["buyer", "seller"];
/// `created_at_ms` of generated transcripts.
pub const CREATED_AT_MS: u64 = 1_700_000_000_000;
/// `intent_id` of generated transcripts.
pub const INTENT_ID: &str = "intent-evv-test";

/// The fixed signing key of a test agent.
pub fn key(agent: &str) -> SigningKey {
    SigningKey::from_bytes(&sha256(format!("evv-pact-test:{agent}").as_bytes()))
}

/// Base58 public key of a test agent.
pub fn pub_b58(agent: &str) -> String {
    bs58::encode(key(agent).verifying_key().as_bytes()).into_string()
}

/// An agent key file pinning the test agents (`{"buyer": "...", "seller": "..."}`).
pub fn agents_file() -> Value {
    let mut o = Object::new();
    for a in AGENTS {
        o.insert(a, pub_b58(a));
    }
    Value::Object(o)
}

/// A trust store pinning the test agents for their roles.
pub fn pinned() -> evv::pact::ReplayOptions {
    let keys = evv::pact::agents::parse_agents(&agents_file(), "agents.json").unwrap();
    let mut trust = evv::crypto::trust::TrustStore::empty();
    trust.keys = keys;
    evv::pact::ReplayOptions { trust }
}

fn obj_mut(v: &mut Value) -> &mut Object {
    v.as_object_mut().expect("object")
}

/// Sets a top-level member.
pub fn set(t: &mut Value, key: &str, v: impl Into<Value>) {
    obj_mut(t).insert(key, v);
}

/// Runs `f` on the rounds array.
pub fn with_rounds<R>(t: &mut Value, f: impl FnOnce(&mut Vec<Value>) -> R) -> R {
    let o = obj_mut(t);
    let Some(Value::Array(mut a)) = o.remove("rounds") else {
        panic!("no rounds")
    };
    let r = f(&mut a);
    o.insert("rounds", Value::Array(a));
    r
}

/// Runs `f` on round `i`.
pub fn with_round<R>(t: &mut Value, i: usize, f: impl FnOnce(&mut Object) -> R) -> R {
    with_rounds(t, |a| f(obj_mut(&mut a[i])))
}

/// Runs `f` on round `i`'s signature object.
pub fn with_sig(t: &mut Value, i: usize, f: impl FnOnce(&mut Object)) {
    with_round(t, i, |r| {
        let mut s = r.remove("signature").expect("signature");
        f(obj_mut(&mut s));
        r.insert("signature", s);
    });
}

/// SHA-256 of the round's JCS bytes without `round_hash`.
pub fn round_hash(r: &Object) -> String {
    canon::sha256_hex(&Value::Object(r.without(&["round_hash"])), Dialect::Jcs).unwrap()
}

/// The genesis hash for the generated transcripts' intent.
pub fn genesis(intent_id: &str, created_at_ms: u64) -> String {
    sha256_hex(format!("{intent_id}:{created_at_ms}").as_bytes())
}

/// Re-signs round `i`'s `envelope_hash` with `agent`'s test key.
pub fn sign_round(r: &mut Object, agent: &str) {
    let env = r
        .get("envelope_hash")
        .and_then(Value::as_str)
        .unwrap()
        .to_string();
    let msg = hex::decode(env).unwrap();
    let sig = key(agent).sign(&msg);
    let mut s = r.remove("signature").expect("signature");
    obj_mut(&mut s).insert("signature_b58", bs58::encode(sig.to_bytes()).into_string());
    r.insert("signature", s);
}

/// What an attacker does after editing: recompute every round hash and link from the
/// genesis anchor stored in round 0, then `final_hash` (when present).
pub fn rehash_all(t: &mut Value) {
    with_rounds(t, |a| {
        let mut prev: Option<String> = None;
        for r in a.iter_mut() {
            let r = obj_mut(r);
            if let Some(p) = &prev {
                r.insert("previous_round_hash", p.as_str());
            }
            let h = round_hash(r);
            r.insert("round_hash", h.as_str());
            prev = Some(h);
        }
    });
    refinal(t);
}

/// Recomputes only round `i`'s own `round_hash`.
pub fn rehash_round(t: &mut Value, i: usize) {
    with_round(t, i, |r| {
        let h = round_hash(r);
        r.insert("round_hash", h);
    });
}

/// Recomputes `final_hash` (if present) as the JCS hash of the transcript without it.
pub fn refinal(t: &mut Value) {
    if t.get("final_hash").is_some() {
        let h = canon::sha256_hex(
            &Value::Object(t.as_object().unwrap().without(&["final_hash"])),
            Dialect::Jcs,
        )
        .unwrap();
        set(t, "final_hash", h);
    }
}

/// An honest transcript of `n` rounds, alternating buyer and seller, with a price that
/// JavaScript and Python print differently (0.00005), signed, hashed and sealed.
pub fn transcript(n: usize) -> Value {
    let types = ["INTENT", "ASK", "BID", "COUNTER", "ACCEPT"];
    let mut rounds = Vec::with_capacity(n);
    let mut prev = genesis(INTENT_ID, CREATED_AT_MS);
    for i in 0..n {
        let agent = AGENTS[i % 2];
        let rtype = if i == 0 {
            "INTENT"
        } else {
            types[1 + (i - 1) % 4]
        };
        let env = canon::sha256_hex(
            &obj! {"type" => rtype, "intent_id" => INTENT_ID, "n" => i},
            Dialect::Jcs,
        )
        .unwrap();
        let ts = CREATED_AT_MS + 1000 * i as u64;
        let content = if i == 0 {
            obj! {"intent_type" => "weather.data"}
        } else {
            obj! {"price" => 0.00005, "note" => "caf\u{e9} \u{1f600}"}
        };
        let mut r = match obj! {
            "round_number" => i,
            "round_type" => rtype,
            "message_hash" => env.as_str(),
            "envelope_hash" => env.as_str(),
            "signature" => obj!{
                "signer_public_key_b58" => pub_b58(agent),
                "signature_b58" => "",
                "signed_at_ms" => ts,
                "scheme" => "ed25519",
            },
            "timestamp_ms" => ts,
            "previous_round_hash" => prev.as_str(),
            "agent_id" => agent,
            "public_key_b58" => pub_b58(agent),
            "content_summary" => content,
        } {
            Value::Object(o) => o,
            _ => unreachable!(),
        };
        sign_round(&mut r, agent);
        let h = round_hash(&r);
        r.insert("round_hash", h.as_str());
        prev = h;
        rounds.push(Value::Object(r));
    }
    let mut t = obj! {
        "transcript_version" => "pact-transcript/4.0",
        "transcript_id" => format!("transcript-{}", sha256_hex(INTENT_ID.as_bytes())),
        "intent_id" => INTENT_ID,
        "intent_type" => "weather.data",
        "created_at_ms" => CREATED_AT_MS,
        "policy_hash" => sha256_hex(b"policy"),
        "strategy_hash" => sha256_hex(b"strategy"),
        "identity_snapshot_hash" => sha256_hex(b"identity"),
        "rounds" => rounds,
        "final_hash" => "",
    };
    refinal(&mut t);
    t
}

/// Adds a `failure_event` whose `transcript_hash` is what PACT's replayer recomputes
/// (JCS of the transcript without failure_event and final_hash), then reseals.
pub fn with_failure_event(mut t: Value) -> Value {
    let th = canon::sha256_hex(
        &Value::Object(
            t.as_object()
                .unwrap()
                .without(&["failure_event", "final_hash"]),
        ),
        Dialect::Jcs,
    )
    .unwrap();
    set(
        &mut t,
        "failure_event",
        obj! {
            "code" => "PACT-404",
            "stage" => "settlement",
            "fault_domain" => "settlement",
            "terminality" => "non_terminal",
            "evidence_refs" => vec![Value::from("settlement-handle")],
            "timestamp" => CREATED_AT_MS + 10_000,
            "transcript_hash" => th,
        },
    );
    refinal(&mut t);
    t
}

/// Pretty, deterministic bytes of a document (what a fixture file holds).
pub fn to_bytes(v: &Value) -> Vec<u8> {
    let mut s = canon::to_pretty(v);
    s.push('\n');
    s.into_bytes()
}

/// Flips one bit of a base58-encoded signature.
pub fn corrupt_b58(s: &str) -> String {
    let mut b = bs58::decode(s).into_vec().unwrap();
    b[40] ^= 1;
    bs58::encode(b).into_string()
}

/// Every committed fixture: (file name, bytes). See `testdata/pact/README.md`.
pub fn fixtures() -> Vec<(&'static str, Vec<u8>)> {
    let mut out = vec![
        ("agents.json", to_bytes(&agents_file())),
        ("valid.json", to_bytes(&transcript(4))),
        (
            "failure-event.json",
            to_bytes(&with_failure_event(transcript(3))),
        ),
    ];

    // Container-level tamper only: a top-level member added after sealing.
    let mut compromised = transcript(4);
    set(&mut compromised, "metadata", obj! {"audit_tier" => "T3"});
    out.push(("compromised.json", to_bytes(&compromised)));

    // Content edit without recomputing anything: round hash and final hash disagree.
    let mut content = transcript(4);
    with_round(&mut content, 2, |r| {
        r.insert("content_summary", obj! {"price" => 0.5});
    });
    out.push(("tampered-content.json", to_bytes(&content)));

    // Forged signature on round 1, hashes recomputed by the attacker.
    let mut sig = transcript(4);
    with_sig(&mut sig, 1, |s| {
        let bad = corrupt_b58(s.get("signature_b58").unwrap().as_str().unwrap());
        s.insert("signature_b58", bad);
    });
    rehash_all(&mut sig);
    out.push(("tampered-signature.json", to_bytes(&sig)));

    // Rounds 1 and 2 swapped (numbers and timestamps travel with them), hashes recomputed.
    let mut seq = transcript(4);
    with_rounds(&mut seq, |a| a.swap(1, 2));
    rehash_all(&mut seq);
    out.push(("tampered-order.json", to_bytes(&seq)));

    let mut version = transcript(2);
    set(&mut version, "transcript_version", "pact-transcript/3.0");
    out.push(("invalid-version.json", to_bytes(&version)));

    // A compromised container whose rounds do not all verify: not excusable.
    let mut both = transcript(4);
    with_sig(&mut both, 3, |s| {
        let bad = corrupt_b58(s.get("signature_b58").unwrap().as_str().unwrap());
        s.insert("signature_b58", bad);
    });
    rehash_round(&mut both, 3);
    out.push(("compromised-and-forged.json", to_bytes(&both)));
    out
}
