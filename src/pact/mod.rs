//! PACT v4 transcripts: replay of a negotiation transcript the way PACT's own replayer
//! does, with every independent finding reported and evv's trust rules applied.
//!
//! A transcript (`pact-transcript/4.0`) holds numbered rounds. Each round is hashed
//! (SHA-256 of its RFC 8785 canonical JSON without `round_hash`), linked to its
//! predecessor through `previous_round_hash` (round 0 to a genesis hash of
//! `"{intent_id}:{created_at_ms}"`), and signed with Ed25519 over the 32 bytes of its
//! `envelope_hash`. The container hash `final_hash` covers the whole transcript.
//!
//! Note what the signatures cover: only `envelope_hash`, the hash of a message the
//! transcript does not carry. The round's other fields are bound by `round_hash` and
//! `final_hash`, which are unkeyed: whoever edits a round and recomputes those hashes is
//! not caught by any signature. SPEC.md §8 states this for auditors.
//!
//! This module is pure: [`replay`] maps a parsed document to findings.

pub mod agents;
pub mod gate;

use crate::canon::{self, Dialect, Object, Sink, Value};
use crate::crypto::batch::{verify_ed25519_many, Ed25519Item};
use crate::crypto::hash::{parse_hex32, sha256_hex};
use crate::crypto::sig::Alg;
use crate::crypto::trust::{fingerprint, TrustStore};
use crate::obj;
use crate::verdict::{Report, Subject};
use rayon::prelude::*;

/// The only transcript version this replayer understands.
pub const TRANSCRIPT_VERSION: &str = "pact-transcript/4.0";

crate::define_codes! {
    /// Codes of PACT replay.
    pub enum Code {
        /// `transcript_version` is not `pact-transcript/4.0`.
        VersionUnsupported = ("pact.version_unsupported", Malformed,
            "transcript_version was compared with pact-transcript/4.0, the only version evv replays (PACT reports this as ROUND_SEQUENCE_INVALID with status INVALID). A failure means evv cannot tell how the transcript's hashes and signatures are defined, so nothing in it was checked. Obtain a v4 transcript or a verifier for its version."),
        /// The transcript has no rounds.
        RoundsEmpty = ("pact.rounds_empty", Malformed,
            "The rounds array must hold at least one round (PACT reports an empty transcript as ROUND_SEQUENCE_INVALID with status INVALID). A failure means there is no signed evidence at all to replay. Ask the producer for the transcript with its rounds."),
        /// A field the replay needs is missing or of the wrong type.
        FieldInvalid = ("pact.field_invalid", Malformed,
            "Every field the replay needs was checked for presence and type: transcript_version, intent_id, created_at_ms and rounds at the top; round_number, timestamp_ms, previous_round_hash, round_hash, envelope_hash, agent_id, public_key_b58 and signature (an object with signer_public_key_b58, signature_b58 and optionally scheme) in each round; final_hash when present. A failure means the transcript is malformed and the checks that need the field could not run; the finding names the field. Treat the transcript as invalid."),
        /// `round_number` differs from the round's position.
        RoundSequenceInvalid = ("pact.round_sequence_invalid", Integrity,
            "Each round's round_number was compared with its zero-based position in rounds (PACT class ROUND_SEQUENCE_INVALID). A failure means rounds were inserted, removed or reordered after they were numbered. Treat the transcript as tampered; the finding names the first position that disagrees and every other one."),
        /// A round's `timestamp_ms` is earlier than its predecessor's.
        TimestampNonMonotonic = ("pact.timestamp_non_monotonic", Integrity,
            "Each round's timestamp_ms was compared with the previous round's; it may be equal or later, never earlier (PACT class TIMESTAMP_NON_MONOTONIC). A failure means rounds were reordered or a timestamp was edited. Treat the transcript as tampered."),
        /// Genesis, round hash or link disagrees.
        HashChainBroken = ("pact.hash_chain_broken", Integrity,
            "The hash chain was recomputed: round 0's previous_round_hash must be the SHA-256 of \"{intent_id}:{created_at_ms}\", every round_hash the SHA-256 of the round's RFC 8785 canonical JSON without round_hash, and every later previous_round_hash the stored round_hash of the round before (PACT class HASH_CHAIN_BROKEN). A failure means a round's content, the chain's anchor or a link was changed after hashing. Treat the transcript as tampered; the lvsh fact shows how far the chain still holds."),
        /// A round's signature does not verify.
        SignatureInvalid = ("pact.signature_invalid", Integrity,
            "Each round's signature was checked: scheme absent or ed25519, signer_public_key_b58 equal to the round's public_key_b58, and a strict Ed25519 signature (base58 key and signature, Bitcoin alphabet) over the 32 bytes of the hex envelope_hash (PACT class SIGNATURE_INVALID). A failure means the round was not signed by the key it names, or the signed hash, key or signature was changed. Treat the transcript as tampered. Note that the signature covers envelope_hash only, not the round's other fields."),
        /// The transcript's `final_hash` differs from the recomputed hash.
        FinalHashMismatch = ("pact.final_hash_mismatch", ContainerHash,
            "final_hash was recomputed as the SHA-256 of the canonical transcript without final_hash. A mismatch means the container was altered; rounds may still verify. Only --allow-compromised may excuse it."),
        /// `failure_event.transcript_hash` differs from the recomputed hash (warning only).
        FailureEventHashMismatch = ("pact.failure_event_hash_mismatch", Integrity,
            "failure_event.transcript_hash was compared with the SHA-256 of the RFC 8785 canonical transcript without failure_event and final_hash, as PACT's replayer does. It is reported as a warning only and never changes the status: PACT's own fixture generator hashes a preimage that is not JSON (it contains the member \"failure_event\":undefined), so its transcript_hash never matches; evv says when the value matches that known producer preimage. A value that matches neither was edited or copied from another transcript; compare it with the producer's records."),
    }
}

/// How to replay.
#[derive(Clone, Debug, Default)]
pub struct ReplayOptions {
    /// Pinned keys. Empty: signatures are checked under the keys the transcript names,
    /// as PACT's replayer does, and each signer is reported as a `sig.key_not_pinned`
    /// warning with its fingerprint. Non-empty: every signer must be pinned for its
    /// agent, or `sig.key_not_pinned` fails (UNVERIFIED).
    pub trust: TrustStore,
}

/// The trust-store role a key must hold to sign rounds of agent `agent_id`.
pub fn agent_role(agent_id: &str) -> String {
    format!("pact_agent:{agent_id}")
}

/// The genesis hash: SHA-256 hex of `"{intent_id}:{created_at_ms}"`, the number as
/// JavaScript prints it.
pub fn genesis_hash(intent_id: &str, created_at_ms: f64) -> String {
    sha256_hex(format!("{intent_id}:{}", canon::js_number(created_at_ms)).as_bytes())
}

/// Replays raw transcript bytes: a parse error becomes a `json.parse` finding.
pub fn replay_bytes(bytes: &[u8], input: &str, opts: &ReplayOptions) -> Report {
    match canon::parse(bytes) {
        Ok(v) => replay(&v, input, opts),
        Err(e) => {
            let mut r = Report::new("pact", input);
            r.fail(
                canon::Code::Parse,
                Subject::file(input).line(e.line as u64),
                format!("not JSON: {e}"),
            );
            r
        }
    }
}

/// One round's fields, as far as they are well-formed.
struct Round<'a> {
    obj: &'a Object,
    number: Option<f64>,
    timestamp: Option<f64>,
    prev: Option<&'a str>,
    hash: Option<&'a str>,
    envelope: Option<&'a str>,
    agent: Option<&'a str>,
    public_key: Option<&'a str>,
    sig: Option<SigFields<'a>>,
}

struct SigFields<'a> {
    scheme: Option<&'a str>,
    signer: &'a str,
    signature: &'a str,
}

/// What the signature check of one round concluded before any curve arithmetic.
enum Prepared {
    Item {
        key: Vec<u8>,
        msg: [u8; 32],
        sig: Vec<u8>,
    },
    Refused(String),
}

fn field<'a>(
    r: &mut Report,
    input: &str,
    o: &'a Object,
    path: &str,
    key: &str,
    want: &str,
) -> Option<&'a Value> {
    let full = if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    };
    let v = o.get(key);
    let ok = match (v, want) {
        (Some(Value::String(_)), "string") => true,
        (Some(Value::Number(n)), "number") => n.as_f64().is_finite(),
        (Some(Value::Array(_)), "array") => true,
        (Some(Value::Object(_)), "object") => true,
        _ => false,
    };
    if ok {
        return v;
    }
    let got = v.map_or("missing", Value::type_name);
    r.fail(
        Code::FieldInvalid,
        Subject::file(input).field(full),
        format!("expected a {want}, found {got}"),
    );
    None
}

fn as_str(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str)
}

/// Replays a parsed transcript.
pub fn replay(doc: &Value, input: &str, opts: &ReplayOptions) -> Report {
    let mut r = Report::new("pact", input);
    let Some(top) = doc.as_object() else {
        r.fail(
            Code::FieldInvalid,
            Subject::file(input),
            format!("a transcript is a JSON object, found {}", doc.type_name()),
        );
        return r;
    };
    let Some(version) = as_str(field(
        &mut r,
        input,
        top,
        "",
        "transcript_version",
        "string",
    )) else {
        return r;
    };
    if version != TRANSCRIPT_VERSION {
        r.fail(
            Code::VersionUnsupported,
            Subject::file(input).field("transcript_version"),
            format!("ROUND_SEQUENCE_INVALID: transcript_version is {version:?}, evv replays only {TRANSCRIPT_VERSION:?}"),
        );
        return r;
    }
    r.pass(
        Code::VersionUnsupported,
        Subject::file(input).field("transcript_version"),
        format!("transcript_version is {TRANSCRIPT_VERSION}"),
    );
    let intent = as_str(field(&mut r, input, top, "", "intent_id", "string"));
    let created = field(&mut r, input, top, "", "created_at_ms", "number").and_then(Value::as_f64);
    let Some(rounds) = field(&mut r, input, top, "", "rounds", "array").and_then(Value::as_array)
    else {
        return r;
    };
    if rounds.is_empty() {
        r.fail(
            Code::RoundsEmpty,
            Subject::file(input).field("rounds"),
            "ROUND_SEQUENCE_INVALID: the transcript has no rounds",
        );
        return r;
    }
    r.fact("rounds", rounds.len());

    let parsed: Vec<Option<Round<'_>>> = rounds
        .iter()
        .enumerate()
        .map(|(i, v)| parse_round(&mut r, input, i, v))
        .collect();

    // The expensive, independent computations run in parallel; findings are then
    // recorded in a fixed order.
    let ((hashes, final_hash), sig_results) = rayon::join(
        || {
            rayon::join(
                || {
                    parsed
                        .par_iter()
                        .map(|rd| rd.as_ref().and_then(|x| round_hash_of(x.obj).ok()))
                        .collect::<Vec<_>>()
                },
                || {
                    top.get("final_hash")
                        .map(|_| jcs_hash_without(top, &["final_hash"], None))
                },
            )
        },
        || verify_rounds(&parsed),
    );
    check_sequence(&mut r, input, &parsed);
    let chain_ok = check_chain(&mut r, input, &parsed, intent, created, &hashes);
    let sig_ok = check_signatures(&mut r, input, &parsed, &sig_results, &opts.trust);
    lvsh(&mut r, &parsed, &chain_ok, &sig_ok);
    check_final_hash(&mut r, input, top, final_hash);
    check_failure_event(&mut r, input, top);
    r
}

fn parse_round<'a>(r: &mut Report, input: &str, i: usize, v: &'a Value) -> Option<Round<'a>> {
    let path = format!("rounds[{i}]");
    let Some(o) = v.as_object() else {
        r.fail(
            Code::FieldInvalid,
            Subject::file(input).field(path),
            format!("a round is a JSON object, found {}", v.type_name()),
        );
        return None;
    };
    let number = field(r, input, o, &path, "round_number", "number").and_then(Value::as_f64);
    let timestamp = field(r, input, o, &path, "timestamp_ms", "number").and_then(Value::as_f64);
    let prev = as_str(field(r, input, o, &path, "previous_round_hash", "string"));
    let hash = as_str(field(r, input, o, &path, "round_hash", "string"));
    let envelope = as_str(field(r, input, o, &path, "envelope_hash", "string"));
    let agent = as_str(field(r, input, o, &path, "agent_id", "string"));
    let public_key = as_str(field(r, input, o, &path, "public_key_b58", "string"));
    let sig = field(r, input, o, &path, "signature", "object")
        .and_then(Value::as_object)
        .and_then(|s| {
            let sp = format!("{path}.signature");
            let signer = as_str(field(r, input, s, &sp, "signer_public_key_b58", "string"));
            let signature = as_str(field(r, input, s, &sp, "signature_b58", "string"));
            let scheme = match s.get("scheme") {
                None => Some(None),
                Some(Value::String(x)) => Some(Some(x.as_str())),
                Some(_) => {
                    field(r, input, s, &sp, "scheme", "string");
                    None
                }
            };
            Some(SigFields {
                scheme: scheme?,
                signer: signer?,
                signature: signature?,
            })
        });
    Some(Round {
        obj: o,
        number,
        timestamp,
        prev,
        hash,
        envelope,
        agent,
        public_key,
        sig,
    })
}

fn check_sequence(r: &mut Report, input: &str, rounds: &[Option<Round<'_>>]) {
    let mut seq_fail = false;
    for (i, rd) in rounds.iter().enumerate() {
        let Some(n) = rd.as_ref().and_then(|x| x.number) else {
            continue;
        };
        if n != i as f64 {
            seq_fail = true;
            r.fail(
                Code::RoundSequenceInvalid,
                Subject::file(input).field(format!("rounds[{i}].round_number")),
                format!(
                    "ROUND_SEQUENCE_INVALID: round at position {i} has round_number {}",
                    canon::js_number(n)
                ),
            );
        }
    }
    if !seq_fail {
        r.pass(
            Code::RoundSequenceInvalid,
            Subject::file(input).field("rounds"),
            format!(
                "round_number equals position for all {} rounds",
                rounds.len()
            ),
        );
    }
    let mut ts_fail = false;
    let mut last: Option<(usize, f64)> = None;
    for (i, rd) in rounds.iter().enumerate() {
        let Some(t) = rd.as_ref().and_then(|x| x.timestamp) else {
            continue;
        };
        if let Some((j, p)) = last {
            if t < p {
                ts_fail = true;
                r.fail(
                    Code::TimestampNonMonotonic,
                    Subject::file(input).field(format!("rounds[{i}].timestamp_ms")),
                    format!(
                        "TIMESTAMP_NON_MONOTONIC: round {i} timestamp_ms {} is earlier than round {j}'s {}",
                        canon::js_number(t),
                        canon::js_number(p)
                    ),
                );
            }
        }
        last = Some((i, t));
    }
    if !ts_fail {
        r.pass(
            Code::TimestampNonMonotonic,
            Subject::file(input).field("rounds"),
            "timestamp_ms never decreases",
        );
    }
}

/// SHA-256 of the JCS bytes of `o` without `round_hash`.
fn round_hash_of(o: &Object) -> Result<String, canon::EncodeError> {
    jcs_hash_without(o, &["round_hash"], None)
}

/// SHA-256 of the RFC 8785 bytes of object `o` without the members `skip`, streamed
/// (no copy of the object). With `undefined_member`, one more member is written whose
/// value is the JavaScript text `undefined` (not JSON): the preimage PACT's fixture
/// generator hashes for `failure_event.transcript_hash`.
fn jcs_hash_without(
    o: &Object,
    skip: &[&str],
    undefined_member: Option<&str>,
) -> Result<String, canon::EncodeError> {
    use sha2::{Digest, Sha256};
    let mut keys: Vec<&str> = o
        .keys()
        .filter(|k| !skip.contains(k))
        .chain(undefined_member)
        .collect();
    if keys.iter().any(|k| k.chars().any(|c| c as u32 >= 0xE000)) || undefined_member.is_some() {
        keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
    }
    let mut h = Sha256::new();
    h.put(b"{");
    for (n, k) in keys.iter().enumerate() {
        if n > 0 {
            h.put(b",");
        }
        canon::write(&Value::String((*k).to_string()), Dialect::Jcs, &mut h)?;
        h.put(b":");
        match o.get(k) {
            Some(v) if Some(*k) != undefined_member => canon::write(v, Dialect::Jcs, &mut h)?,
            _ => h.put(b"undefined"),
        }
    }
    h.put(b"}");
    Ok(hex::encode(h.finalize()))
}

/// Checks genesis, round hashes and links; returns per round whether its own hash and
/// its link to the predecessor hold.
fn check_chain(
    r: &mut Report,
    input: &str,
    rounds: &[Option<Round<'_>>],
    intent: Option<&str>,
    created: Option<f64>,
    hashes: &[Option<String>],
) -> Vec<bool> {
    let mut ok = vec![false; rounds.len()];
    let mut failed = false;
    for (i, rd) in rounds.iter().enumerate() {
        let Some(rd) = rd else { continue };
        let subj = |f: &str| Subject::file(input).field(format!("rounds[{i}].{f}"));
        // Link.
        let expected_prev: Option<String> = if i == 0 {
            match (intent, created) {
                (Some(id), Some(c)) => Some(genesis_hash(id, c)),
                _ => None,
            }
        } else {
            rounds[i - 1]
                .as_ref()
                .and_then(|p| p.hash)
                .map(str::to_string)
        };
        let link_ok = match (rd.prev, &expected_prev) {
            (Some(p), Some(e)) if p == e => true,
            (Some(p), Some(e)) => {
                let what = if i == 0 {
                    "the genesis hash of \"{intent_id}:{created_at_ms}\"".to_string()
                } else {
                    format!("round {}'s round_hash", i - 1)
                };
                r.fail(
                    Code::HashChainBroken,
                    subj("previous_round_hash"),
                    format!("HASH_CHAIN_BROKEN: previous_round_hash is {p}, expected {what} {e}"),
                );
                false
            }
            _ => false,
        };
        // Own hash.
        let own_ok = match (rd.hash, &hashes[i]) {
            (Some(h), Some(c)) if h == c => true,
            (Some(h), Some(c)) => {
                r.fail(
                    Code::HashChainBroken,
                    subj("round_hash"),
                    format!("HASH_CHAIN_BROKEN: round_hash is {h}, the round's canonical JSON hashes to {c}"),
                );
                false
            }
            (Some(_), None) => {
                r.fail(
                    canon::Code::Unencodable,
                    subj("round_hash"),
                    "the round cannot be written as canonical JSON",
                );
                false
            }
            _ => false,
        };
        failed |= !(link_ok && own_ok);
        ok[i] = link_ok && own_ok;
    }
    if !failed && ok.iter().all(|x| *x) {
        r.pass(
            Code::HashChainBroken,
            Subject::file(input).field("rounds"),
            format!(
                "genesis, {} round hashes and {} links verified",
                rounds.len(),
                rounds.len() - 1
            ),
        );
    }
    ok
}

fn prepare(rd: &Round<'_>) -> Option<Prepared> {
    let sig = rd.sig.as_ref()?;
    let pk = rd.public_key?;
    let env = rd.envelope?;
    if let Some(s) = sig.scheme {
        if s != "ed25519" {
            return Some(Prepared::Refused(format!(
                "signature.scheme is {s:?}; only ed25519 is defined"
            )));
        }
    }
    if sig.signer != pk {
        return Some(Prepared::Refused(format!(
            "signature.signer_public_key_b58 {} differs from the round's public_key_b58 {pk}",
            sig.signer
        )));
    }
    let Ok(key) = bs58::decode(pk).into_vec() else {
        return Some(Prepared::Refused("public_key_b58 is not base58".into()));
    };
    let Ok(s) = bs58::decode(sig.signature).into_vec() else {
        return Some(Prepared::Refused("signature_b58 is not base58".into()));
    };
    let Some(msg) = parse_hex32(env) else {
        return Some(Prepared::Refused(
            "envelope_hash is not 64 lowercase hex digits, so the signed 32 bytes are undefined"
                .into(),
        ));
    };
    Some(Prepared::Item { key, msg, sig: s })
}

/// Verifies every round's signature (batched), applies the trust store, and returns per
/// round whether the signature is mathematically valid.
/// Verifies every round's signature (pure, parallel): per round `None` when fields are
/// missing, else valid or the reason it is not.
fn verify_rounds(rounds: &[Option<Round<'_>>]) -> Vec<Option<Result<(), String>>> {
    let prepared: Vec<Option<Prepared>> = rounds
        .par_iter()
        .map(|rd| rd.as_ref().and_then(prepare))
        .collect();
    let mut slots = Vec::new();
    let mut items = Vec::new();
    for (i, p) in prepared.iter().enumerate() {
        if let Some(Prepared::Item { key, msg, sig }) = p {
            slots.push(i);
            items.push(Ed25519Item {
                public_key: key,
                message: msg,
                signature: sig,
            });
        }
    }
    let results = verify_ed25519_many(&items);
    let mut out: Vec<Option<Result<(), String>>> = vec![None; rounds.len()];
    for (slot, res) in slots.iter().zip(results) {
        out[*slot] = Some(res.map_err(|e| e.to_string()));
    }
    for (i, p) in prepared.into_iter().enumerate() {
        if let Some(Prepared::Refused(why)) = p {
            out[i] = Some(Err(why));
        }
    }
    out
}

/// Records the signature outcomes and applies the trust store; returns per round
/// whether the signature is mathematically valid.
fn check_signatures(
    r: &mut Report,
    input: &str,
    rounds: &[Option<Round<'_>>],
    results: &[Option<Result<(), String>>],
    trust: &TrustStore,
) -> Vec<bool> {
    let ok: Vec<bool> = results.iter().map(|x| matches!(x, Some(Ok(())))).collect();
    let outcome: Vec<Option<&String>> = results
        .iter()
        .map(|x| x.as_ref().and_then(|y| y.as_ref().err()))
        .collect();
    let mut failed = false;
    for (i, why) in outcome.iter().enumerate() {
        if let Some(why) = why {
            failed = true;
            r.fail(
                Code::SignatureInvalid,
                Subject::file(input).field(format!("rounds[{i}].signature")),
                format!("SIGNATURE_INVALID: {why}"),
            );
        }
    }
    let valid = ok.iter().filter(|x| **x).count();
    if !failed && valid == rounds.len() {
        r.pass(
            Code::SignatureInvalid,
            Subject::file(input).field("rounds"),
            format!("{valid} ed25519 signatures over envelope_hash verified"),
        );
    }
    // Trust: group valid signatures by (agent, key).
    let mut groups: std::collections::BTreeMap<(String, String), Vec<usize>> = Default::default();
    for (i, rd) in rounds.iter().enumerate() {
        if !ok[i] {
            continue;
        }
        let rd = rd
            .as_ref()
            .expect("valid signatures come from parsed rounds");
        let agent = rd.agent.unwrap_or_default().to_string();
        let key = rd.public_key.unwrap_or_default().to_string();
        groups.entry((agent, key)).or_default().push(i);
    }
    let mut pinned = Vec::new();
    for ((agent, key_b58), idx) in &groups {
        let raw = bs58::decode(key_b58).into_vec().unwrap_or_default();
        let fp = fingerprint(&raw);
        let role = agent_role(agent);
        match trust.pinned(Alg::Ed25519, &raw, Some(&role)) {
            Some(id) => pinned.push(format!("{agent}={id}")),
            None => {
                let subject =
                    Subject::file(input).field(format!("rounds[{}].public_key_b58", idx[0]));
                let rounds_signed = format!("{} {}", plural(idx.len(), "round"), list_rounds(idx));
                if trust.is_empty() {
                    // PACT's replayer checks rounds under the keys the transcript names,
                    // and the Rules of Evidence define replay's exit codes that way: with
                    // nothing pinned, the signer is reported (warning, with fingerprint)
                    // but does not make the verdict UNVERIFIED. Pinning anything (--trust,
                    // --agents) demands that every signer be pinned.
                    r.warn(
                        crate::crypto::Code::KeyNotPinned,
                        subject,
                        format!(
                            "agent {agent:?} key {key_b58} (fingerprint {fp}) signed {rounds_signed}, verified under the key the transcript names (PACT replay semantics); compare the fingerprint out-of-band, and pin it with --agents or --trust to require it"
                        ),
                    );
                } else {
                    r.fail(
                        crate::crypto::Code::KeyNotPinned,
                        subject,
                        format!(
                            "agent {agent:?} key {key_b58} (fingerprint {fp}) signed {rounds_signed}: the key is not pinned for agent {agent:?} (role {role}); compare the fingerprint out-of-band and pin it with --agents or --trust"
                        ),
                    );
                }
            }
        }
    }
    if !pinned.is_empty() && pinned.len() == groups.len() && !failed {
        r.pass(
            Code::SignatureInvalid,
            Subject::file(input).field("rounds"),
            format!(
                "every signer is pinned for its agent: {}",
                pinned.join(", ")
            ),
        );
    }
    ok
}

fn plural(n: usize, w: &str) -> String {
    if n == 1 {
        format!("1 {w}")
    } else {
        format!("{n} {w}s")
    }
}

/// `0, 2, 4` or `0, 2, 4, ... (10000 in all)` for long lists.
fn list_rounds(idx: &[usize]) -> String {
    let shown: Vec<String> = idx.iter().take(8).map(usize::to_string).collect();
    if idx.len() > 8 {
        format!("({}, ...)", shown.join(", "))
    } else {
        format!("({})", shown.join(", "))
    }
}

/// LVSH: the last round such that it and every earlier round have an intact hash chain
/// and a valid signature.
fn lvsh(r: &mut Report, rounds: &[Option<Round<'_>>], chain: &[bool], sig: &[bool]) {
    let mut last: Option<usize> = None;
    for i in 0..rounds.len() {
        if chain[i] && sig[i] {
            last = Some(i);
        } else {
            break;
        }
    }
    let v = match last {
        Some(i) => obj! {
            "round_number" => i,
            "round_hash" => rounds[i].as_ref().and_then(|x| x.hash).unwrap_or_default(),
        },
        None => Value::Null,
    };
    r.fact("lvsh", v);
}

fn check_final_hash(
    r: &mut Report,
    input: &str,
    top: &Object,
    computed: Option<Result<String, canon::EncodeError>>,
) {
    let (Some(fh), Some(computed)) = (top.get("final_hash"), computed) else {
        return;
    };
    let Some(fh) = fh.as_str() else {
        field(r, input, top, "", "final_hash", "string");
        return;
    };
    let subj = Subject::file(input).field("final_hash");
    match computed {
        Ok(c) if c == fh => r.pass(Code::FinalHashMismatch, subj, format!("final_hash {c} verified")),
        Ok(c) => r.fail(
            Code::FinalHashMismatch,
            subj,
            format!("FINAL_HASH_MISMATCH: final_hash is {fh}, the transcript without final_hash hashes to {c}"),
        ),
        Err(e) => r.fail(canon::Code::Unencodable, subj, e.to_string()),
    }
}

fn check_failure_event(r: &mut Report, input: &str, top: &Object) {
    let Some(fe) = top.get("failure_event").and_then(Value::as_object) else {
        return;
    };
    let Some(th) = fe.get("transcript_hash").and_then(Value::as_str) else {
        return;
    };
    let subj = Subject::file(input).field("failure_event.transcript_hash");
    let Ok(expected) = jcs_hash_without(top, &["failure_event", "final_hash"], None) else {
        return;
    };
    if th == expected {
        r.pass(
            Code::FailureEventHashMismatch,
            subj,
            "transcript_hash verified",
        );
        return;
    }
    let artifact =
        jcs_hash_without(top, &["failure_event", "final_hash"], Some("failure_event")).ok();
    let suffix = th
        .rsplit_once('-')
        .filter(|(_, d)| crate::crypto::hash::is_hex64(d));
    let why = if artifact.as_deref() == Some(th) {
        "it equals the hash of PACT's generator preimage with the non-JSON member \"failure_event\":undefined (a producer artifact, not tampering)".to_string()
    } else if let Some((prefix, digest)) =
        suffix.filter(|(_, d)| artifact.as_deref() == Some(*d) || *d == expected)
    {
        format!("it is the digest {digest} behind an added prefix {:?}; the digest alone equals {} (the value was edited after hashing)",
            format!("{prefix}-"),
            if *digest == expected { "the expected hash" } else { "the hash of PACT's generator preimage with \"failure_event\":undefined" })
    } else if !crate::crypto::hash::is_hex64(th) {
        "it is not a 64-digit lowercase hex digest and matches no known preimage".to_string()
    } else {
        "it matches no known preimage (edited, or copied from another transcript)".to_string()
    };
    r.warn(
        Code::FailureEventHashMismatch,
        subj,
        format!("transcript_hash is {th}, the transcript without failure_event and final_hash hashes to {expected}; {why}"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn genesis_uses_javascript_number_text() {
        assert_eq!(
            genesis_hash("intent-x", 1e12),
            sha256_hex(b"intent-x:1000000000000")
        );
        assert_eq!(genesis_hash("i", 1.5e21), sha256_hex(b"i:1.5e+21"));
    }

    #[test]
    fn undefined_member_preimage() {
        let o = match obj! {"a" => 1i64, "z" => "x"} {
            Value::Object(o) => o,
            _ => unreachable!(),
        };
        assert_eq!(
            jcs_hash_without(&o, &[], Some("m")).ok(),
            Some(sha256_hex(br#"{"a":1,"m":undefined,"z":"x"}"#))
        );
    }

    #[test]
    fn round_lists_are_bounded() {
        assert_eq!(list_rounds(&[0, 2]), "(0, 2)");
        let many: Vec<usize> = (0..100).collect();
        assert_eq!(list_rounds(&many), "(0, 1, 2, 3, 4, 5, 6, 7, ...)");
    }
}
