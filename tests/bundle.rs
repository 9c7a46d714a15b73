//! IF.emotion bundle checks driven directly through `BundleSink`: the three valid
//! fixtures, then one tamper case (at least) per check, each asserting its code.

#[path = "support/bundle.rs"]
mod fixture;

use evv::bundle::{BundleOptions, Code as B};
use evv::canon::{Dialect, Object, Value};
use evv::crypto::trust::TrustStore;
use evv::verdict::{Code, Report, Status};
use fixture::*;

fn ids(r: &Report) -> Vec<&'static str> {
    r.failure_codes().iter().map(|c| c.id()).collect()
}

/// Verifies with pinned keys and asserts exactly these failure codes.
fn expect(b: &Bundle, want: &[B]) -> Report {
    let r = verify(b, keys().trust());
    let mut want: Vec<Code> = want.iter().map(|c| Code::from(*c)).collect();
    want.sort();
    want.dedup();
    assert_eq!(
        r.failure_codes(),
        want,
        "{:#?}",
        r.failures().collect::<Vec<_>>()
    );
    r
}

fn accepted() -> (Bundle, Keys) {
    let k = keys();
    (build(&Params::accepted(), &k), k)
}

fn hexh(s: &str) -> String {
    evv::crypto::hash::sha256_hex(s.as_bytes())
}

// ---------------------------------------------------------------- valid bundles

#[test]
fn valid_fixtures_with_and_without_pinned_keys() {
    let k = keys();
    for p in [Params::accepted(), Params::denied(), Params::privacy()] {
        let b = build(&p, &k);
        let r = expect(&b, &[]);
        assert_eq!(r.status(), Status::Valid);
        let r = verify(&b, TrustStore::empty());
        assert_eq!(r.status(), Status::Unverified, "{p:?}");
        assert_eq!(ids(&r), vec!["sig.key_not_pinned"]);
    }
    let r = verify(&build(&Params::privacy(), &k), k.trust());
    assert_eq!(
        r.facts["req_seen_mode"].as_str(),
        Some("privacy (head and proof only)")
    );
}

#[test]
fn manifest_after_trace_uses_the_declared_dialect() {
    let k = keys();
    for d in [Dialect::Python, Dialect::CanonicalJson, Dialect::Jcs] {
        let p = Params {
            dialect: d,
            note: Some("caf\u{e9} \u{1F600} 1e16".into()),
            ..Params::accepted()
        };
        let b = build(&p, &k);
        for order in [Order::Sorted, Order::ManifestLast] {
            let opts = BundleOptions {
                trust: k.trust(),
                record: None,
            };
            let r = verify_with(&b, opts, order, None);
            assert_eq!(ids(&r), Vec::<&str>::new(), "{d:?} {order:?}");
        }
    }
}

#[test]
fn hashes_under_another_dialect_than_declared_fail() {
    let k = keys();
    let p = Params {
        dialect: Dialect::Python,
        note: Some("caf\u{e9}".into()),
        ..Params::accepted()
    };
    let mut b = build(&p, &k);
    // The producer hashed with Python escaping but the manifest claims canonicaljson.
    b.params.dialect = Dialect::CanonicalJson;
    refresh(&mut b, &k);
    for order in [Order::Sorted, Order::ManifestLast] {
        let opts = BundleOptions {
            trust: k.trust(),
            record: None,
        };
        let r = verify_with(&b, opts, order, None);
        assert!(r.has_failure(B::TraceEventHash), "{order:?} {:?}", ids(&r));
    }
}

// ---------------------------------------------------------------- trace chain

#[test]
fn trace_line_invalid_and_parse_error() {
    let (mut b, k) = accepted();
    let mut t = b.files["payload/trace_events.jsonl"].clone();
    t.extend_from_slice(b"{\"seq\":8}\n");
    b.files
        .insert("payload/trace_events.jsonl".into(), t.clone());
    refresh(&mut b, &k);
    let r = verify(&b, k.trust());
    assert!(r.has_failure(B::TraceLineInvalid), "{:?}", ids(&r));
    t.extend_from_slice(b"not json\n");
    b.files.insert("payload/trace_events.jsonl".into(), t);
    refresh(&mut b, &k);
    let r = verify(&b, k.trust());
    assert!(r.has_failure(evv::canon::Code::Parse));
    let line = r
        .failures()
        .find(|f| f.code == evv::canon::Code::Parse.into())
        .unwrap();
    assert_eq!(line.subject.line, Some(10));
}

#[test]
fn seq_gap() {
    let (mut b, k) = accepted();
    rebuild_chain(&mut b, &k, |e| {
        e[3].insert("seq", 4u64);
        for (i, x) in e.iter_mut().enumerate().skip(4) {
            x.insert("seq", i as u64 + 1);
        }
    });
    expect(&b, &[B::TraceSeqGap]);
}

#[test]
fn event_edited_after_hashing() {
    let (mut b, k) = accepted();
    let mut evs = events(&b);
    let mut d = evs[4].get("data").unwrap().as_object().unwrap().clone();
    d.insert("model", "a-different-model");
    evs[4].insert("data", Value::Object(d));
    put_events(&mut b, &k, &evs, false);
    let r = expect(&b, &[B::TraceEventHash]);
    assert_eq!(
        r.failures().next().unwrap().subject.line,
        Some(5),
        "names the edited line"
    );
}

#[test]
fn genesis_cut() {
    let (mut b, k) = accepted();
    let mut evs = events(&b);
    chain_from(&mut evs, Dialect::CanonicalJson, &hexh("an earlier event"));
    put_events(&mut b, &k, &evs, true);
    expect(&b, &[B::TraceGenesis]);
}

#[test]
fn event_removed_breaks_links() {
    let (mut b, k) = accepted();
    let mut evs = events(&b);
    evs.remove(3);
    put_events(&mut b, &k, &evs, true);
    let r = verify(&b, k.trust());
    assert!(r.has_failure(B::TracePrevHash) && r.has_failure(B::TraceSeqGap));
}

#[test]
fn prev_hash_replaced() {
    let (mut b, k) = accepted();
    let mut evs = events(&b);
    // Re-link event 4 onto a foreign predecessor and re-hash it and everything after:
    // seq stays contiguous, only the link to event 3 breaks.
    let mut tail = evs.split_off(4);
    chain_from(&mut tail, Dialect::CanonicalJson, &hexh("foreign"));
    evs.extend(tail);
    put_events(&mut b, &k, &evs, true);
    expect(&b, &[B::TracePrevHash]);
}

#[test]
fn spliced_trace_id() {
    let (mut b, k) = accepted();
    rebuild_chain(&mut b, &k, |e| {
        e[2].insert("trace_id", "11111111-2222-4333-8444-555555555555");
    });
    expect(&b, &[B::TraceIdMismatch]);
}

fn with_types(base: Params, types: &[&str]) -> Bundle {
    let p = Params {
        types: Some(types.iter().map(|s| s.to_string()).collect()),
        ..base
    };
    build(&p, &keys())
}

#[test]
fn grammar_violations() {
    let a = Params::accepted;
    for (p, types) in [
        (
            a(),
            &["request_received", "req_seen", "trace_finalizing"][..],
        ),
        (a(), &["req_seen", "trace_finalizing"]),
        (
            Params::denied(),
            &[
                "req_seen",
                "request_denied",
                "model_done",
                "trace_finalizing",
            ],
        ),
        (
            a(),
            &[
                "req_seen",
                "request_received",
                "request_received",
                "trace_finalizing",
            ],
        ),
        (
            a(),
            &[
                "req_seen",
                "request_received",
                "model_done",
                "prompt_built",
                "trace_finalizing",
            ],
        ),
        (
            a(),
            &[
                "req_seen",
                "request_received",
                "trace_finalizing",
                "guard_applied",
            ],
        ),
        (a(), &["req_seen", "request_received", "model_done"]),
    ] {
        let b = with_types(p, types);
        let r = verify(&b, keys().trust());
        assert!(r.has_failure(B::TraceGrammar), "{types:?}: {:?}", ids(&r));
        assert!(
            r.failure_codes()
                .iter()
                .all(|c| *c == B::TraceGrammar.into()
                    || *c == B::ArtifactHash.into()
                    || *c == B::ReqSeenEntryMismatch.into()),
            "{types:?}: {:?}",
            ids(&r)
        );
    }
}

#[test]
fn unknown_event_type_fails_closed() {
    let b = with_types(
        Params::accepted(),
        &[
            "req_seen",
            "request_received",
            "debug_dump",
            "trace_finalizing",
        ],
    );
    expect(&b, &[B::TraceEventTypeUnknown]);
}

// ---------------------------------------------------------------- trace id contract

#[test]
fn response_without_trace_line() {
    let k = keys();
    let p = Params {
        response: Some(
            b"Here is an answer.\nTrace: 11111111-2222-4333-8444-555555555555\n".to_vec(),
        ),
        ..Params::accepted()
    };
    expect(&build(&p, &k), &[B::ContractResponseLine]);
}

#[test]
fn header_names_another_trace() {
    let (mut b, k) = accepted();
    let mut h = json(&b, "payload/response_headers.json");
    h.as_object_mut()
        .unwrap()
        .insert("X-IF-Emotion-Trace", "11111111-2222-4333-8444-555555555555");
    put_json(&mut b, "payload/response_headers.json", &h);
    refresh(&mut b, &k);
    expect(&b, &[B::ContractHeader]);
}

#[test]
fn trace_signature_by_another_key() {
    let (mut b, k) = accepted();
    let other = Keys {
        app: ed25519_dalek::SigningKey::from_bytes(&[0x44; 32]),
        ..keys()
    };
    let resp = b.files["payload/response.txt"].clone();
    b.files.insert(
        "payload/response_headers.json".into(),
        headers_bytes(&other, TRACE_ID, &resp),
    );
    refresh(&mut b, &k);
    expect(&b, &[B::ContractSig]);
}

#[test]
fn artifacts_replaced() {
    let (mut b, k) = accepted();
    b.files.insert(
        "payload/request.json".into(),
        b"{\"model\":\"x\"}\n".to_vec(),
    );
    refresh(&mut b, &k);
    expect(&b, &[B::ArtifactHash]);
    let (mut b, k) = accepted();
    let mut resp = b.files["payload/response.txt"].clone();
    resp.splice(0..2, b"I ".iter().copied());
    b.files.insert("payload/response.txt".into(), resp);
    refresh(&mut b, &k);
    // The response is bound by the trace and signed by the trace signature.
    expect(&b, &[B::ArtifactHash, B::ContractSig]);
}

// ---------------------------------------------------------------- REQ_SEEN

#[test]
fn ledger_entry_with_unknown_field() {
    let p = Params {
        ledger_pre: Some(|l: &mut [Object]| {
            l[0].insert("shard", "a1");
        }),
        ..Params::accepted()
    };
    expect(&build(&p, &keys()), &[B::ReqSeenEntryInvalid]);
}

#[test]
fn ledger_leaks_raw_content() {
    for f in [
        (|l: &mut [Object]| {
            l[1].insert("client_sha256", "alice@example.org");
        }) as fn(&mut [Object]),
        |l: &mut [Object]| {
            l[2].insert("client_ip", "203.0.113.7");
        },
        |l: &mut [Object]| {
            l[3].insert("reason", "user typed: I want to hurt myself");
        },
        |l: &mut [Object]| {
            l[4].insert("client_sha256", "2001:db8::17");
        },
    ] {
        let p = Params {
            ledger_pre: Some(f),
            ..Params::accepted()
        };
        expect(&build(&p, &keys()), &[B::ReqSeenPrivacy]);
    }
}

#[test]
fn witnessed_entry_with_raw_content_in_privacy_mode() {
    let p = Params {
        ledger_pre: Some(|l: &mut [Object]| {
            l[5].insert("client_sha256", "198.51.100.4");
        }),
        ..Params::privacy()
    };
    expect(&build(&p, &keys()), &[B::ReqSeenPrivacy]);
}

#[test]
fn ledger_entry_edited_after_hashing() {
    let p = Params {
        ledger_post: Some(|l: &mut [Object]| {
            l[0].insert("decision", "denied");
            l[0].insert("reason", "missing_login");
        }),
        ..Params::accepted()
    };
    expect(&build(&p, &keys()), &[B::ReqSeenLeafHash]);
}

fn edit_head(b: &mut Bundle, k: &Keys, resign: bool, f: impl FnOnce(&mut Object)) {
    let path = format!("payload/req_seen/heads/{HOUR}.json");
    let mut h = json(b, &path).as_object().unwrap().clone();
    f(&mut h);
    if resign {
        sign_head(k, &mut h);
    }
    put_json(b, &path, &Value::Object(h));
    refresh(b, k);
}

#[test]
fn ledger_line_removed() {
    let (mut b, k) = accepted();
    let path = format!("payload/req_seen/{HOUR}.jsonl");
    let mut ledger = lines_json(&b.files[&path]);
    ledger.pop();
    b.files.insert(path, jsonl(&ledger));
    refresh(&mut b, &k);
    expect(&b, &[B::ReqSeenCount, B::ReqSeenRoot]);
}

#[test]
fn head_count_and_root_rewritten_and_resigned() {
    let (mut b, k) = accepted();
    edit_head(&mut b, &k, true, |h| {
        h.insert("count", 6u64);
    });
    expect(&b, &[B::ReqSeenCount, B::ReqSeenProof]);
    let (mut b, k) = accepted();
    edit_head(&mut b, &k, true, |h| {
        h.insert("merkle_root", hexh("other root"));
    });
    expect(&b, &[B::ReqSeenRoot, B::ReqSeenProof]);
}

#[test]
fn head_signature_broken() {
    let (mut b, k) = accepted();
    edit_head(&mut b, &k, false, |h| {
        h.insert("key_id", "ed25519-app-v1");
        let s = h.get("sig_ed25519").unwrap().as_str().unwrap().to_string();
        let mut raw =
            base64::Engine::decode(&base64::engine::general_purpose::STANDARD, s).unwrap();
        raw[5] ^= 1;
        h.insert(
            "sig_ed25519",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, raw),
        );
    });
    expect(&b, &[B::ReqSeenHeadSig]);
}

#[test]
fn inclusion_proof_altered_in_both_modes() {
    for p in [Params::accepted(), Params::privacy()] {
        let k = keys();
        let mut b = build(&p, &k);
        rebuild_chain(&mut b, &k, |e| {
            let mut d = e[0].get("data").unwrap().as_object().unwrap().clone();
            let mut proof = d
                .get("inclusion_proof")
                .unwrap()
                .as_array()
                .unwrap()
                .clone();
            proof[0] = Value::from(hexh("sibling"));
            d.insert("inclusion_proof", Value::Array(proof));
            e[0].insert("data", Value::Object(d));
        });
        expect(&b, &[B::ReqSeenProof]);
    }
}

#[test]
fn privacy_mode_tree_size_lie() {
    let k = keys();
    let mut b = build(&Params::privacy(), &k);
    rebuild_chain(&mut b, &k, |e| {
        let mut d = e[0].get("data").unwrap().as_object().unwrap().clone();
        d.insert("tree_size", 8u64);
        e[0].insert("data", Value::Object(d));
    });
    expect(&b, &[B::ReqSeenProof]);
}

#[test]
fn witness_of_another_request() {
    let p = Params {
        witness_index: Some(3),
        ..Params::accepted()
    };
    // Entry 3 commits to another trace and another request.
    expect(
        &build(&p, &keys()),
        &[B::ReqSeenEntryMismatch, B::ArtifactHash],
    );
}

// ---------------------------------------------------------------- signed record

fn record(b: &Bundle) -> Object {
    json(b, "payload/ttt_signed_record.json")
        .as_object()
        .unwrap()
        .clone()
}

#[test]
fn record_binds_every_value() {
    for (field, v) in [
        ("event_count", Value::from(9u64)),
        ("final_event_hash", Value::from(hexh("x"))),
        ("trace_id", Value::from(DENIED_TRACE_ID)),
        ("req_seen_root", Value::from(hexh("root"))),
        ("req_seen_hour", Value::from("20261123T18")),
        ("manifest_sha256", Value::from(hexh("manifest"))),
    ] {
        let (mut b, k) = accepted();
        let mut rec = record(&b);
        rec.insert(field, v);
        sign_record(&mut b, &k, rec);
        let r = expect(&b, &[B::RecordBinding]);
        assert_eq!(
            r.failures().next().unwrap().subject.field.as_deref(),
            Some(field)
        );
    }
}

#[test]
fn manifest_rewritten_after_signing() {
    let (mut b, _k) = accepted();
    let mut m = b.files["payload/manifest.json"].clone();
    m.push(b'\n');
    b.files.insert("payload/manifest.json".into(), m);
    expect(&b, &[B::RecordBinding]);
}

#[test]
fn record_signature_broken_and_stripped() {
    let (mut b, _k) = accepted();
    let mut rec = record(&b);
    let mut sigs = rec.get("signatures").unwrap().as_array().unwrap().clone();
    let mut s0 = sigs[0].as_object().unwrap().clone();
    s0.insert("sig", sigs[1].get("sig").unwrap().clone());
    sigs[0] = Value::Object(s0);
    rec.insert("signatures", Value::Array(sigs.clone()));
    put_json(
        &mut b,
        "payload/ttt_signed_record.json",
        &Value::Object(rec.clone()),
    );
    expect(&b, &[B::RecordSig, B::Hybrid]);
    // Post-quantum signature stripped: the Ed25519 one alone does not satisfy hybrid.
    let (mut b, _k) = accepted();
    let mut rec = record(&b);
    let sigs = rec.get("signatures").unwrap().as_array().unwrap().clone();
    rec.insert("signatures", Value::Array(vec![sigs[0].clone()]));
    put_json(
        &mut b,
        "payload/ttt_signed_record.json",
        &Value::Object(rec),
    );
    expect(&b, &[B::Hybrid]);
}

#[test]
fn record_changed_after_signing() {
    let (mut b, _k) = accepted();
    let mut rec = record(&b);
    rec.insert("event_count", 9u64);
    put_json(
        &mut b,
        "payload/ttt_signed_record.json",
        &Value::Object(rec),
    );
    expect(&b, &[B::RecordBinding, B::RecordSig, B::Hybrid]);
}

// ---------------------------------------------------------------- tarball record

#[test]
fn detached_tarball_record() {
    let (b, k) = accepted();
    let tgz = tar_gz(&b);
    let sha = evv::crypto::hash::sha256_hex(&tgz);
    let rec = tarball_record(&k, TRACE_ID, &sha);
    let run = |rec: &[u8], fact: Option<&str>| {
        verify_with(
            &b,
            BundleOptions {
                trust: k.trust(),
                record: Some(("record.json".into(), rec.to_vec())),
            },
            Order::Sorted,
            fact,
        )
    };
    assert_eq!(ids(&run(&rec, Some(&sha))), Vec::<&str>::new());
    let r = run(&rec, Some(&hexh("another archive")));
    assert_eq!(ids(&r), vec!["bundle.tarball_record.sha256_mismatch"]);
    let mut r = r;
    r.allow_compromised = true;
    assert!(r.compromise_allowed(), "only the container hash failed");
    assert_eq!(ids(&run(&rec, None)), vec!["bundle.tarball_record.invalid"]);
    let forged = String::from_utf8(rec.clone())
        .unwrap()
        .replace(&sha, &hexh("x"));
    let r = run(forged.as_bytes(), Some(&hexh("x")));
    assert_eq!(
        ids(&r),
        vec![
            "bundle.record.hybrid_incomplete",
            "bundle.tarball_record.sig_invalid"
        ]
    );
    let other = tarball_record(&k, DENIED_TRACE_ID, &sha);
    assert_eq!(
        ids(&run(&other, Some(&sha))),
        vec!["bundle.tarball_record.invalid"]
    );
}

// ---------------------------------------------------------------- nested priors

fn edit_children(b: &mut Bundle, f: impl FnOnce(&mut Vec<Value>)) {
    let mut c = json(b, "payload/ttt_children.json")
        .as_object()
        .unwrap()
        .clone();
    let mut list = c.get("children").unwrap().as_array().unwrap().clone();
    f(&mut list);
    c.insert("children", Value::Array(list));
    put_json(b, "payload/ttt_children.json", &Value::Object(c));
}

#[test]
fn prior_names_absent_file() {
    let (mut b, k) = accepted();
    set_children(&mut b, &k, &["trace_events.jsonl", "response.txt"]);
    let recs = read_records(&b);
    edit_children(&mut b, |l| {
        let mut c = l[1].as_object().unwrap().clone();
        c.insert("path", "attachments/scan.pdf");
        l[1] = Value::Object(c);
    });
    write_records(&mut b, &recs);
    reseal(&mut b, &k);
    expect(&b, &[B::ChildrenPathUnknown]);
}

#[test]
fn prior_hash_differs_from_bundle() {
    let (mut b, k) = accepted();
    // Registry and children agree on other bytes than the bundle carries.
    let sha = hexh("registered bytes");
    edit_children(&mut b, |l| {
        let mut c = l[0].as_object().unwrap().clone();
        c.insert("sha256", sha.as_str());
        l[0] = Value::Object(c);
    });
    let mut recs = read_records(&b);
    recs[0].insert("content_sha256", sha.as_str());
    let mut prev = GENESIS.to_string();
    for r in recs.iter_mut() {
        r.insert("prev_record_hash", prev.as_str());
        sign_chain_record(r, &k, Dialect::CanonicalJson);
        prev = r.get("record_hash").unwrap().as_str().unwrap().to_string();
    }
    write_records(&mut b, &recs);
    reseal(&mut b, &k);
    expect(&b, &[B::ChildrenHash]);
}

#[test]
fn prior_handles_malformed_and_duplicated() {
    let (mut b, k) = accepted();
    edit_children(&mut b, |l| {
        let mut c = l[0].as_object().unwrap().clone();
        c.insert("handle", "if://citation/NOT-A-UUID/v1");
        l[0] = Value::Object(c);
    });
    reseal(&mut b, &k);
    let r = verify(&b, k.trust());
    assert!(r.has_failure(B::ChildrenHandle), "{:?}", ids(&r));
    let (mut b, k) = accepted();
    edit_children(&mut b, |l| {
        let dup = l[0].clone();
        l.push(dup);
    });
    reseal(&mut b, &k);
    expect(&b, &[B::ChildrenDuplicate]);
}

fn relink(recs: &mut [Object], k: &Keys) {
    let mut prev = GENESIS.to_string();
    for (i, r) in recs.iter_mut().enumerate() {
        r.insert("seq", i as u64);
        r.insert("prev_record_hash", prev.as_str());
        sign_chain_record(r, k, Dialect::CanonicalJson);
        prev = r.get("record_hash").unwrap().as_str().unwrap().to_string();
    }
}

#[test]
fn chain_records_tampered() {
    // record_hash edited (and re-signed by the attacker's key holder).
    let (mut b, k) = accepted();
    let mut recs = read_records(&b);
    recs[2].insert("record_hash", hexh("x"));
    recs[2].remove("signatures");
    let msg = evv::canon::to_vec(&Value::Object(recs[2].clone()), Dialect::CanonicalJson).unwrap();
    recs[2].insert(
        "signatures",
        Value::Array(vec![k.hybrid(&msg).as_array().unwrap()[0].clone()]),
    );
    write_records(&mut b, &recs);
    reseal(&mut b, &k);
    expect(&b, &[B::ChainRecordHash]);
    // Reordered.
    let (mut b, k) = accepted();
    let mut recs = read_records(&b);
    recs.swap(1, 2);
    write_records(&mut b, &recs);
    reseal(&mut b, &k);
    expect(&b, &[B::ChainRecordLink]);
    // A record binds another content hash (consistently chained and signed).
    let (mut b, k) = accepted();
    let mut recs = read_records(&b);
    recs[1].insert("content_sha256", hexh("other"));
    relink(&mut recs, &k);
    write_records(&mut b, &recs);
    reseal(&mut b, &k);
    expect(&b, &[B::ChainRecordBinding]);
    // A prior without a record.
    let (mut b, k) = accepted();
    let mut recs = read_records(&b);
    recs.pop();
    write_records(&mut b, &recs);
    reseal(&mut b, &k);
    expect(&b, &[B::ChainRecordBinding]);
    // Signature no longer verifies.
    let (mut b, k) = accepted();
    let mut recs = read_records(&b);
    let other = recs[1].get("signatures").unwrap().clone();
    recs[0].insert("signatures", other);
    write_records(&mut b, &recs);
    reseal(&mut b, &k);
    expect(&b, &[B::ChainRecordSig]);
}

// ---------------------------------------------------------------- IF.story

fn edit_story(b: &mut Bundle, k: &Keys, f: impl FnOnce(&mut Vec<String>)) {
    let s = String::from_utf8(b.files["payload/if_story.md"].clone()).unwrap();
    let mut lines: Vec<String> = s.lines().map(String::from).collect();
    f(&mut lines);
    b.files.insert(
        "payload/if_story.md".into(),
        (lines.join("\n") + "\n").into_bytes(),
    );
    refresh(b, k);
}

#[test]
fn story_tampered() {
    let (mut b, k) = accepted();
    edit_story(&mut b, &k, |l| {
        l.insert(3, "Note: the operator reviewed this by hand.".into())
    });
    let r = expect(&b, &[B::StoryAnchorMissing]);
    assert_eq!(r.failures().next().unwrap().subject.line, Some(4));
    let (mut b, k) = accepted();
    edit_story(&mut b, &k, |l| {
        l.insert(2, format!("{} an event that never happened", hexh("ghost")))
    });
    expect(&b, &[B::StoryAnchorUnknown]);
    let (mut b, k) = accepted();
    edit_story(&mut b, &k, |l| l.swap(1, 2));
    expect(&b, &[B::StoryAnchorOrder]);
    let (mut b, k) = accepted();
    edit_story(&mut b, &k, |l| {
        l.remove(2);
    });
    expect(&b, &[B::StoryNotNarrated]);
}

// ---------------------------------------------------------------- structure

#[test]
fn missing_files_and_manifest() {
    let (mut b, k) = accepted();
    b.files.remove("payload/if_story.md");
    set_children(&mut b, &k, &["trace_events.jsonl", "response.txt"]);
    reseal(&mut b, &k);
    expect(&b, &[B::FileMissing]);
    let (mut b, _k) = accepted();
    b.files.remove("payload/manifest.json");
    let r = verify(&b, keys().trust());
    assert!(r.has_failure(B::ManifestUnusable), "{:?}", ids(&r));
}

#[test]
fn documents_of_wrong_shape() {
    let (mut b, k) = accepted();
    put_json(&mut b, "payload/ttt_children.json", &Value::from("no"));
    edit_head(&mut b, &k, true, |h| {
        h.insert("schema", "if.emotion.req_seen_head.v9");
    });
    let r = verify(&b, k.trust());
    assert!(r.has_failure(B::DocumentInvalid), "{:?}", ids(&r));
    let (mut b, _k) = accepted();
    b.files
        .insert("payload/req_seen/notes.jsonl".into(), b"{}\n".to_vec());
    let r = verify(&b, keys().trust());
    assert!(r.has_failure(B::DocumentInvalid));
}

#[test]
fn randomized_single_edits_are_located() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(4);
    let (base, k) = accepted();
    let n = events(&base).len();
    for _ in 0..25 {
        let mut b = base.clone();
        let mut evs = events(&b);
        let i = rng.gen_range(0..n);
        let field = ["ts", "type", "trace_id"][rng.gen_range(0..3)];
        let mut s = evs[i].get(field).unwrap().as_str().unwrap().to_string();
        let pos = rng.gen_range(0..s.len());
        let c = if s.as_bytes()[pos] == b'0' { "1" } else { "0" };
        s.replace_range(pos..pos + 1, c);
        evs[i].insert(field, s);
        put_events(&mut b, &k, &evs, false);
        let r = verify(&b, k.trust());
        let hit = r
            .failures()
            .find(|f| f.code == B::TraceEventHash.into())
            .unwrap_or_else(|| panic!("edit of {field} at line {} undetected", i + 1));
        assert_eq!(hit.subject.line, Some(i as u64 + 1));
    }
}

#[test]
fn overlong_lines_are_refused_not_buffered() {
    let (mut b, k) = accepted();
    let mut t = b.files["payload/trace_events.jsonl"].clone();
    let big = format!("{{\"pad\":\"{}\"}}\n", "x".repeat(2 << 20));
    t.extend_from_slice(big.as_bytes());
    b.files.insert("payload/trace_events.jsonl".into(), t);
    let path = format!("payload/req_seen/{HOUR}.jsonl");
    let mut l = b.files[&path].clone();
    l.extend_from_slice(big.as_bytes());
    b.files.insert(path.clone(), l);
    let mut s = b.files["payload/if_story.md"].clone();
    s.extend_from_slice(big.as_bytes());
    b.files.insert("payload/if_story.md".into(), s);
    refresh(&mut b, &k);
    let r = verify(&b, k.trust());
    for (code, file, line) in [
        (B::TraceLineInvalid, "payload/trace_events.jsonl", 9),
        (B::ReqSeenEntryInvalid, path.as_str(), 8),
        (B::StoryAnchorMissing, "payload/if_story.md", 10),
    ] {
        assert!(
            r.failures().any(|f| f.code == code.into()
                && f.subject.file == file
                && f.subject.line == Some(line)),
            "{code:?}: {:?}",
            ids(&r)
        );
    }
}

#[test]
fn keys_pinned_for_another_role_do_not_authenticate() {
    let (b, k) = accepted();
    let mut trust = k.trust();
    // The app key pinned only as a registry key: heads and trace signatures stay unpinned.
    trust.keys[0].roles = vec!["ttt_record".into()];
    let r = verify(&b, trust);
    assert_eq!(r.status(), Status::Unverified);
    // The key is pinned, but not for these roles: `sig.key.role_not_allowed`.
    let unpinned: Vec<&str> = r
        .failures()
        .filter(|f| f.code.id() == "sig.key.role_not_allowed")
        .map(|f| f.subject.file.as_str())
        .collect();
    assert_eq!(
        unpinned,
        vec![
            "payload/req_seen/heads/20261123T19.json",
            "payload/response_headers.json"
        ]
    );
    // Only the Ed25519 half of the hybrid registry key pinned: the record stays unverified.
    let mut trust = k.trust();
    trust.keys.remove(2);
    let r = verify(&b, trust);
    assert_eq!(r.status(), Status::Unverified);
    assert!(r
        .failures()
        .all(|f| f.subject.file == "payload/ttt_signed_record.json"));
}
