//! KRY attestations built from the spec by `support/kry.rs`: one valid case per
//! profile and a tamper case per rule, each asserting the exact failing codes.

#[path = "support/kry.rs"]
mod k;

use evv::canon::Value;
use evv::kry::{self, Code as K, CouncilInput, KryOptions, KryVerdict, SideInput};
use evv::verdict::{Code, Report, Status};
use evv::{crypto, obj};

fn verify_bytes(bytes: &[u8], opts: &KryOptions) -> (KryVerdict, Report) {
    let mut r = Report::new("kry", "att.json");
    let v = kry::verify_attestation_bytes("att.json", bytes, opts, &mut r);
    assert_eq!(
        r.facts.get("kry_verdict").and_then(Value::as_str),
        Some(v.as_str())
    );
    (v, r)
}

fn verify(att: &Value) -> (KryVerdict, Report) {
    verify_bytes(&k::canon_bytes(att), &KryOptions::default())
}

fn ids(r: &Report) -> Vec<&'static str> {
    r.failure_codes().iter().map(|c| c.id()).collect()
}

/// Asserts the KRY verdict is INVALID and the failing codes are exactly `want`.
fn expect(att: &Value, want: &[K]) -> Report {
    let (v, r) = verify(att);
    assert_eq!(v, KryVerdict::Invalid, "{:?}", ids(&r));
    let mut want: Vec<Code> = want.iter().map(|c| (*c).into()).collect();
    want.sort();
    want.dedup();
    assert_eq!(r.failure_codes(), want, "got {:?}", ids(&r));
    r
}

// ---------- savings: valid ----------

#[test]
fn valid_savings_chain() {
    let (v, r) = verify(&k::savings3());
    assert_eq!(v, KryVerdict::Valid, "{:?}", r.findings());
    assert_eq!(r.status(), Status::Valid);
    assert_eq!(
        r.facts.get("kry_profile").and_then(Value::as_str),
        Some("savings")
    );
}

#[test]
fn valid_empty_savings_chain() {
    let (v, r) = verify(&k::savings(&[]));
    assert_eq!(v, KryVerdict::Valid, "{:?}", ids(&r));
}

#[test]
fn valid_mixed_tiers_and_versions() {
    let mut a = k::Link::cache_hit(1, 100.0);
    a.hash_version = 5;
    let mut b = k::Link::cache_hit(2, 200.0);
    b.hash_version = 6;
    b.tier = "provider_metered".into();
    b.metered = Some([120, 80]);
    let mut c = k::Link::cache_hit(3, 64.0);
    c.event_type = "compression".into();
    c.earn_rate = 0.6;
    c.kry_minted = 64.0 * 0.6 * 0.25;
    c.tier = "holdout_validated".into();
    let (v, r) = verify(&k::savings(&[a, b, c]));
    assert_eq!(v, KryVerdict::Valid, "{:?}", r.findings());
}

#[test]
fn v4_link_binds_raw_numbers() {
    let mut a = k::Link::cache_hit(1, 100.0);
    a.hash_version = 4;
    let (v, r) = verify(&k::savings(&[a]));
    assert_eq!(v, KryVerdict::Valid, "{:?}", r.findings());
}

// ---------- savings: envelope tampers ----------

#[test]
fn receipts_mismatch() {
    let mut a = k::savings3();
    k::set(&mut a, "receipts", 4i64);
    k::seal(&mut a);
    expect(&a, &[K::ReceiptsMismatch]);
}

#[test]
fn chain_valid_false() {
    let mut a = k::savings3();
    k::set(&mut a, "chain_valid", false);
    k::seal(&mut a);
    expect(&a, &[K::ChainValidFalse]);
}

#[test]
fn total_kry_inflated() {
    let mut a = k::savings3();
    k::set(&mut a, "total_kry", 704.8001);
    k::seal(&mut a);
    expect(&a, &[K::TotalKry]);
}

#[test]
fn total_kry_missing() {
    let mut a = k::savings3();
    k::remove(&mut a, "total_kry");
    k::seal(&mut a);
    expect(&a, &[K::FieldMissing]);
}

#[test]
fn usd_equivalent_inflated() {
    let mut a = k::savings3();
    k::set(&mut a, "usd_equivalent", 0.017621);
    k::seal(&mut a);
    expect(&a, &[K::UsdEquivalent]);
}

#[test]
fn event_type_counts_relabelled() {
    let mut a = k::savings3();
    k::set(
        &mut a,
        "event_type_counts",
        obj! {"cache_hit" => 2i64, "compression" => 1i64},
    );
    k::seal(&mut a);
    expect(&a, &[K::EventTypeCounts]);
}

#[test]
fn event_type_counts_not_object() {
    let mut a = k::savings3();
    k::set(&mut a, "event_type_counts", Value::Null);
    k::seal(&mut a);
    expect(&a, &[K::FieldInvalid]);
}

#[test]
fn chain_head_replaced() {
    let mut a = k::savings3();
    k::set(&mut a, "chain_head", k::sha(b"other chain"));
    k::seal(&mut a);
    expect(&a, &[K::ChainHead]);
}

#[test]
fn empty_chain_head_not_genesis() {
    let mut a = k::savings(&[]);
    k::set(&mut a, "chain_head", k::sha(b"x"));
    k::seal(&mut a);
    let r = expect(&a, &[K::ChainHead]);
    assert!(r.failures().any(|f| f.message.contains("genesis")));
}

#[test]
fn attestation_hash_edited_envelope() {
    let mut a = k::savings3();
    k::set(&mut a, "total_kry", 704.8001);
    // not resealed
    expect(&a, &[K::TotalKry, K::AttestationHash]);
}

#[test]
fn attestation_hash_blank() {
    let mut a = k::savings3();
    k::set(&mut a, "attestation_hash", "");
    expect(&a, &[K::FieldMissing]);
}

#[test]
fn links_not_array() {
    let mut a = k::savings3();
    k::set(&mut a, "links", obj! {});
    k::seal(&mut a);
    let (v, r) = verify(&a);
    assert_eq!(v, KryVerdict::Invalid);
    assert!(r.has_failure(K::FieldInvalid));
}

#[test]
fn not_an_object() {
    let (v, r) = verify_bytes(b"[1,2]", &KryOptions::default());
    assert_eq!(v, KryVerdict::Invalid);
    assert_eq!(ids(&r), vec!["kry.field.invalid"]);
}

#[test]
fn nan_is_a_parse_error() {
    let (v, r) = verify_bytes(
        br#"{"receipts":1,"links":[{"seq":0,"kry_minted":NaN}]}"#,
        &KryOptions::default(),
    );
    assert_eq!(v, KryVerdict::ParseError);
    assert_eq!(ids(&r), vec!["json.parse"]);
    assert_eq!(r.status(), Status::Invalid);
}

// ---------- savings: veracity ----------

#[test]
fn veracity_floor_misstated() {
    let mut a = k::savings3();
    k::veracity_set(&mut a, "veracity_floor", Some(0.5.into()));
    k::seal(&mut a);
    expect(&a, &[K::Veracity]);
}

#[test]
fn veracity_by_tier_invented_tier() {
    let mut a = k::savings3();
    k::veracity_set(
        &mut a,
        "by_tier",
        Some(obj! {"self_reported" => 704.8, "tee_attested" => 0.0}),
    );
    k::seal(&mut a);
    let r = expect(&a, &[K::Veracity]);
    assert!(r.failures().any(|f| f.message.contains("tee_attested")));
}

#[test]
fn veracity_anchored_and_self_reported_misstated() {
    let mut a = k::savings3();
    k::veracity_set(&mut a, "anchored_kry", Some(1.0.into()));
    k::veracity_set(&mut a, "self_reported_kry", Some(703.8.into()));
    k::seal(&mut a);
    let r = expect(&a, &[K::Veracity]);
    assert_eq!(r.failures().count(), 2);
}

#[test]
fn veracity_missing_null_and_fields_missing() {
    let mut a = k::savings3();
    k::remove(&mut a, "veracity");
    k::seal(&mut a);
    expect(&a, &[K::FieldMissing]);
    let mut a = k::savings3();
    k::set(&mut a, "veracity", Value::Null);
    k::seal(&mut a);
    expect(&a, &[K::FieldInvalid]);
    for f in [
        "by_tier",
        "anchored_kry",
        "self_reported_kry",
        "veracity_floor",
    ] {
        let mut a = k::savings3();
        k::veracity_set(&mut a, f, None);
        k::seal(&mut a);
        expect(&a, &[K::FieldMissing]);
    }
}

#[test]
fn tolerance_is_1e9_on_the_rounded_derivation() {
    let mut a = k::savings3();
    let t = a.get("total_kry").and_then(Value::as_f64).unwrap();
    k::set(&mut a, "total_kry", t + 5e-10);
    k::seal(&mut a);
    let (v, r) = verify(&a);
    assert_eq!(v, KryVerdict::Valid, "{:?}", ids(&r));
    k::set(&mut a, "total_kry", t + 1e-6);
    k::seal(&mut a);
    expect(&a, &[K::TotalKry]);
}

// ---------- savings: link rules ----------

#[test]
fn bound_field_altered_breaks_chain_once() {
    let mut a = k::savings3();
    k::link_set(&mut a, 0, "tokens_saved", Some(1001.0.into()));
    // keep magnitude legal so only the chain (and what follows from it) fails
    k::link_set(&mut a, 0, "kry_minted", Some(400.4.into()));
    k::envelope(&mut a);
    // The declared head is the producer's; the recomputed head differs after a break.
    let r = expect(&a, &[K::ChainHash, K::ChainHead]);
    // One group for the break at link 0, one for links extending it.
    let msgs: Vec<&str> = r
        .failures()
        .filter(|f| f.code == Code::from(K::ChainHash))
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    assert!(msgs[0].contains("first at link 0"), "{}", msgs[0]);
    assert!(msgs[1].contains("extends an earlier break"), "{}", msgs[1]);
}

#[test]
fn links_reordered() {
    let mut a = k::savings3();
    let o = a.as_object_mut().unwrap();
    let mut links = o.remove("links").unwrap();
    if let Value::Array(l) = &mut links {
        l.swap(1, 2);
    }
    o.insert("links", links);
    k::envelope(&mut a);
    expect(&a, &[K::ChainHash, K::ChainHead]);
}

#[test]
fn hash_version_above_range() {
    let mut a = k::savings3();
    k::link_set(&mut a, 0, "hash_version", Some(8i64.into()));
    k::link_set(&mut a, 1, "hash_version", Some(8i64.into()));
    k::link_set(&mut a, 2, "hash_version", Some(8i64.into()));
    k::rechain(&mut a);
    k::envelope(&mut a);
    let r = expect(&a, &[K::HashVersion]);
    let f = r.failures().next().unwrap();
    assert!(
        f.message.contains("hash_version 8 is outside 4..7"),
        "{}",
        f.message
    );
    assert!(f.message.contains("on all 3 links"), "{}", f.message);
}

#[test]
fn legacy_links_aggregate_hash_version_and_tier() {
    // hash_version absent (legacy) with an anchored tier, like the WildChat export.
    let mut links: Vec<k::Link> = (1..=40)
        .map(|i| k::Link::cache_hit(i, 10.0 * i as f64))
        .collect();
    for l in &mut links {
        l.tier = "holdout_validated".into();
    }
    let mut a = k::savings(&links);
    for i in 0..40 {
        k::link_set(&mut a, i, "hash_version", None);
    }
    k::rechain(&mut a);
    k::envelope(&mut a);
    let r = expect(&a, &[K::HashVersion, K::TierUnbound]);
    assert_eq!(r.failures().count(), 2, "aggregated, not one line per link");
    assert!(r.failures().all(|f| f.message.contains("on all 40 links")));
}

#[test]
fn version_rollback() {
    let mut a = k::savings3();
    k::link_set(&mut a, 2, "hash_version", Some(6i64.into()));
    k::rechain(&mut a);
    k::envelope(&mut a);
    expect(&a, &[K::VersionRollback]);
}

#[test]
fn pre_v4_anchored_tier_is_unbound() {
    let mut l = k::Link::cache_hit(1, 100.0);
    l.hash_version = 3;
    l.tier = "tee_attested".into();
    let a = k::savings(&[l]);
    expect(&a, &[K::HashVersion, K::TierUnbound]);
}

#[test]
fn rate_nonstandard() {
    let mut l = k::Link::cache_hit(1, 100.0);
    l.earn_rate = 0.9;
    l.kry_minted = 100.0 * 0.9 * 0.4;
    expect(&k::savings(&[l]), &[K::RateNonstandard]);
}

#[test]
fn zero_rate_bypass() {
    let mut l = k::Link::cache_hit(1, 0.0);
    l.kry_minted = 50.0;
    expect(&k::savings(&[l]), &[K::ZeroRateBypass]);
}

#[test]
fn multiplier_unpublished() {
    let mut l = k::Link::cache_hit(1, 100.0);
    l.kry_minted = 50.0; // multiplier 0.5
    expect(&k::savings(&[l]), &[K::MultiplierUnpublished]);
}

#[test]
fn undeclared_inputs_skip_magnitude() {
    let mut a = k::savings(&[k::Link::cache_hit(1, 100.0)]);
    k::link_set(&mut a, 0, "earn_rate", None);
    k::link_set(&mut a, 0, "kry_minted", Some(77.0.into()));
    k::rechain(&mut a);
    k::envelope(&mut a);
    let (v, r) = verify(&a);
    assert_eq!(v, KryVerdict::Valid, "{:?}", ids(&r));
}

#[test]
fn provider_metered_needs_metered_tokens() {
    let mut l = k::Link::cache_hit(1, 100.0);
    l.tier = "provider_metered".into();
    expect(&k::savings(&[l.clone()]), &[K::MeteredInvalid]);
    let mut a = k::savings(&[l]);
    k::link_set(
        &mut a,
        0,
        "metered_tokens",
        Some(Value::Array(vec![Value::from(5i64), Value::from(-1i64)])),
    );
    k::rechain(&mut a);
    k::envelope(&mut a);
    expect(&a, &[K::MeteredInvalid]);
}

#[test]
fn link_field_shapes() {
    for (key, v) in [
        ("seq", Value::from(-1i64)),
        ("kry_minted", Value::from(-4.0)),
        ("event_type", Value::from("")),
        ("receipt_hash", Value::from("")),
    ] {
        let mut a = k::savings(&[k::Link::cache_hit(1, 100.0)]);
        k::link_set(&mut a, 0, key, Some(v));
        k::rechain(&mut a);
        k::envelope(&mut a);
        let (verdict, r) = verify(&a);
        assert_eq!(verdict, KryVerdict::Invalid, "{key}");
        assert!(r.has_failure(K::LinkField), "{key}: {:?}", ids(&r));
    }
}

// ---------- overlay profile ----------

fn promotion_chain(promoter_value: f64, before: bool) -> Value {
    let mut target = k::Link::cache_hit(1, 1000.0);
    target.event_type = "displacement".into();
    target.earn_rate = 0.5;
    target.kry_minted = 500.0;
    let mut p = k::Link::cache_hit(2, 0.0);
    p.event_type = "tier_promotion".into();
    p.earn_rate = 0.5;
    p.kry_minted = promoter_value;
    p.tokens_saved = if promoter_value > 0.0 { 1000.0 } else { 0.0 };
    p.tier = "tlsn_attested".into();
    p.supersedes = Some("KRY-00000001".into());
    if before {
        k::savings(&[p, target])
    } else {
        k::savings(&[target, p])
    }
}

#[test]
fn overlay_legit_promotion() {
    let a = promotion_chain(0.0, false);
    let by = a.get("veracity").unwrap().get("by_tier").unwrap();
    assert_eq!(by.get("tlsn_attested").and_then(Value::as_f64), Some(500.0));
    let (v, r) = verify(&a);
    assert_eq!(v, KryVerdict::Valid, "{:?}", r.findings());
    assert_eq!(
        r.facts
            .get("kry_promotions_applied")
            .and_then(Value::as_u64),
        Some(1)
    );
}

#[test]
fn overlay_forward_reference_moves_nothing() {
    let mut a = promotion_chain(0.0, true);
    // Claim the promoted floor anyway.
    k::veracity_set(
        &mut a,
        "by_tier",
        Some(obj! {"tlsn_attested" => 500.0, "self_reported" => 0.0}),
    );
    k::veracity_set(&mut a, "anchored_kry", Some(500.0.into()));
    k::veracity_set(&mut a, "self_reported_kry", Some(0.0.into()));
    k::veracity_set(&mut a, "veracity_floor", Some(1.0.into()));
    k::seal(&mut a);
    expect(&a, &[K::Veracity]);
}

#[test]
fn overlay_positive_value_promoter_keeps_its_own_value() {
    let mut a = promotion_chain(500.0, false);
    let (v, _) = verify(&a);
    assert_eq!(v, KryVerdict::Valid);
    k::veracity_set(
        &mut a,
        "by_tier",
        Some(obj! {"tlsn_attested" => 1000.0, "self_reported" => 0.0}),
    );
    k::veracity_set(&mut a, "anchored_kry", Some(1000.0.into()));
    k::veracity_set(&mut a, "self_reported_kry", Some(0.0.into()));
    k::veracity_set(&mut a, "veracity_floor", Some(1.0.into()));
    k::seal(&mut a);
    expect(&a, &[K::Veracity]);
}

#[test]
fn overlay_duplicate_hash_bound_id() {
    let mut a = promotion_chain(0.0, false);
    k::link_set(&mut a, 1, "receipt_id", Some("KRY-00000001".into()));
    k::rechain(&mut a);
    k::envelope(&mut a);
    let (v, r) = verify(&a);
    assert_eq!(v, KryVerdict::Invalid);
    assert!(r.has_failure(K::DuplicateReceiptId), "{:?}", ids(&r));
}

#[test]
fn overlay_v5_ids_are_not_targets() {
    let mut a = promotion_chain(0.0, false);
    k::link_set(&mut a, 0, "hash_version", Some(5i64.into()));
    k::link_set(&mut a, 1, "hash_version", Some(5i64.into()));
    k::rechain(&mut a);
    let before = a.get("veracity").cloned().unwrap();
    k::envelope(&mut a); // the support code also refuses v5 targets
    assert_ne!(Some(&before), a.get("veracity"));
    let (v, r) = verify(&a);
    assert_eq!(v, KryVerdict::Valid, "{:?}", ids(&r));
    assert_eq!(
        r.facts
            .get("kry_promotions_applied")
            .and_then(Value::as_u64),
        Some(0)
    );
}

// ---------- anchor profile ----------

fn with_anchor(att: &Value, anchor: Vec<u8>) -> (KryVerdict, Report) {
    verify_bytes(
        &k::canon_bytes(att),
        &KryOptions {
            anchor: Some(SideInput {
                name: "anchor.json".into(),
                bytes: anchor,
            }),
            ..Default::default()
        },
    )
}

#[test]
fn anchor_valid_truncated_reminted_genesis_malformed() {
    let a = k::savings3();
    let tip = a
        .get("chain_head")
        .and_then(Value::as_str)
        .unwrap()
        .to_string();
    let (v, r) = with_anchor(&a, k::anchor(3, &tip));
    assert_eq!(v, KryVerdict::Valid, "{:?}", ids(&r));

    // Trailing truncation: drop the last link, re-derive the envelope.
    let mut t = a.clone();
    let o = t.as_object_mut().unwrap();
    let mut links = o.remove("links").unwrap();
    if let Value::Array(l) = &mut links {
        l.pop();
    }
    o.insert("links", links);
    k::envelope(&mut t);
    assert_eq!(
        verify(&t).0,
        KryVerdict::Valid,
        "standalone the prefix is valid"
    );
    let (v, r) = with_anchor(&t, k::anchor(3, &tip));
    assert_eq!(v, KryVerdict::Invalid);
    assert_eq!(ids(&r), vec!["kry.anchor.truncated"]);

    // Re-mint: same length, different contents.
    let m = k::savings(&[
        k::Link::cache_hit(1, 1000.0),
        k::Link::cache_hit(2, 250.0),
        k::Link::cache_hit(3, 1024.0),
    ]);
    let (v, r) = with_anchor(&m, k::anchor(3, &tip));
    assert_eq!(v, KryVerdict::Invalid);
    assert_eq!(ids(&r), vec!["kry.anchor.remint"]);

    // Count 0 must carry genesis.
    let (v, r) = with_anchor(&a, k::anchor(0, &tip));
    assert_eq!(v, KryVerdict::Invalid);
    assert_eq!(ids(&r), vec!["kry.anchor.genesis_mismatch"]);
    let (v, _) = with_anchor(&a, k::anchor(0, k::GENESIS));
    assert_eq!(v, KryVerdict::Valid);

    for bad in [
        br#"{"schema":"kry_chain_anchor/v2","count":3,"tip":"x"}"#.to_vec(),
        br#"{"schema":"kry_chain_anchor/v1","count":-1,"tip":"x"}"#.to_vec(),
        br#"{"schema":"kry_chain_anchor/v1","count":3,"tip":"short"}"#.to_vec(),
        b"not json".to_vec(),
    ] {
        let (v, r) = with_anchor(&a, bad);
        assert_eq!(v, KryVerdict::Invalid);
        assert_eq!(ids(&r), vec!["kry.anchor.malformed"]);
    }
}

// ---------- action profile ----------

#[test]
fn valid_action() {
    let a = k::action3();
    let (v, r) = verify(&a);
    assert_eq!(v, KryVerdict::Valid, "{:?}", r.findings());
    assert_eq!(
        r.facts.get("kry_profile").and_then(Value::as_str),
        Some("action")
    );
    assert_eq!(
        r.facts.get("kry_veracity_floor").and_then(Value::as_f64),
        Some(0.6667)
    );
}

#[test]
fn action_kind_and_version() {
    let mut a = k::action3();
    k::set(&mut a, "kind", "kry_savings_attestation");
    expect(&a, &[K::ActionKind]);
    let mut a = k::action3();
    k::set(&mut a, "action_hash_version", 2i64);
    expect(&a, &[K::ActionVersion]);
}

#[test]
fn action_args_tampered() {
    let mut a = k::action3();
    k::link_set(
        &mut a,
        1,
        "args_commit",
        Some(k::commit(&obj! {"path" => "/etc/shadow"}).into()),
    );
    let r = expect(&a, &[K::ActionReceiptHash]);
    assert!(r
        .failures()
        .next()
        .unwrap()
        .message
        .contains("ACT-00000001"));
}

#[test]
fn action_reordered() {
    let mut a = k::action3();
    let o = a.as_object_mut().unwrap();
    let mut links = o.remove("links").unwrap();
    if let Value::Array(l) = &mut links {
        l.swap(0, 1);
    }
    o.insert("links", links);
    expect(&a, &[K::ActionChainHash, K::ActionChainTip]);
}

#[test]
fn action_duplicate_and_non_string_ids() {
    let mut a = k::action3();
    k::link_set(&mut a, 2, "receipt_id", Some("ACT-00000000".into()));
    k::action_rechain(&mut a, true);
    expect(&a, &[K::ActionDuplicateId]);
    let mut a = k::action3();
    k::link_set(&mut a, 2, "receipt_id", Some(7i64.into()));
    k::action_rechain(&mut a, true);
    expect(&a, &[K::ActionReceiptId]);
}

#[test]
fn action_tip_and_count() {
    let mut a = k::action3();
    k::set(&mut a, "chain_tip", k::GENESIS);
    expect(&a, &[K::ActionChainTip]);
    let mut a = k::action3();
    k::set(&mut a, "action_count", 2i64);
    expect(&a, &[K::ActionCount]);
}

#[test]
fn action_forged_tier_is_coerced() {
    let mut a = k::action3();
    k::link_set(&mut a, 2, "server_evidence_commit", Some(Value::Null));
    k::action_rechain(&mut a, true);
    // Declared floor 0.6667 still claims the unwitnessed link: re-derived 0.3333.
    let r = expect(&a, &[K::ActionFloor]);
    assert!(r
        .findings()
        .iter()
        .any(|f| f.code == Code::from(K::ActionTierCoerced)));
}

#[test]
fn action_ts_backwards_is_only_a_warning() {
    let mut a = k::action3();
    k::link_set(&mut a, 2, "ts", Some(1.0.into()));
    k::action_rechain(&mut a, true);
    let (v, r) = verify(&a);
    assert_eq!(v, KryVerdict::Valid, "{:?}", ids(&r));
    assert!(r
        .findings()
        .iter()
        .any(|f| f.code == Code::from(K::ActionTsBackwards)));
}

#[test]
fn action_missing_field_and_nonfinite_sentinel() {
    let mut a = k::action3();
    k::link_set(&mut a, 0, "tool", None);
    k::action_rechain(&mut a, true);
    expect(&a, &[K::FieldMissing]);
    // A non-numeric ts encodes as the action sentinel; hashes made with the sentinel
    // verify, and the payload shows it.
    let mut a = k::action3();
    k::link_set(&mut a, 0, "ts", Some("soon".into()));
    k::action_rechain(&mut a, true);
    let link = a.get("links").unwrap().as_array().unwrap()[0]
        .as_object()
        .unwrap()
        .clone();
    assert!(String::from_utf8(k::action_payload(&link))
        .unwrap()
        .contains("\"ts\":\"ffffffffffffffff\""));
    let (v, r) = verify(&a);
    assert_eq!(v, KryVerdict::Valid, "{:?}", ids(&r));
}

// ---------- kry-pqc signatures ----------

fn sig_opts(sig: Vec<u8>, pinned: Option<Vec<u8>>) -> KryOptions {
    KryOptions {
        signature: Some(SideInput {
            name: "att.sig.json".into(),
            bytes: sig,
        }),
        public_key: pinned.map(|pk| SideInput {
            name: "signer.pub".into(),
            bytes: k::b64(&pk).into_bytes(),
        }),
        ..Default::default()
    }
}

#[test]
fn signature_pinned_unpinned_fingerprint() {
    let bytes = k::canon_bytes(&k::savings3());
    let key = k::keypair(1);
    let sig = k::signature(&key, &bytes, true);
    let (v, r) = verify_bytes(&bytes, &sig_opts(sig.clone(), Some(k::public_key(&key))));
    assert_eq!(v, KryVerdict::Valid);
    assert_eq!(r.status(), Status::Valid, "{:?}", ids(&r));

    let (_, r) = verify_bytes(&bytes, &sig_opts(sig.clone(), None));
    assert_eq!(ids(&r), vec!["sig.key_not_pinned"]);
    assert_eq!(r.status(), Status::Unverified);

    let mut opts = sig_opts(sig.clone(), None);
    let fp = crypto::trust::fingerprint(&k::public_key(&key));
    opts.trust.fingerprint_prefixes.push(fp[..12].to_string());
    let (_, r) = verify_bytes(&bytes, &opts);
    assert_eq!(r.status(), Status::Valid, "{:?}", ids(&r));

    // Pinning another key does not authenticate this signature.
    let (_, r) = verify_bytes(&bytes, &sig_opts(sig, Some(k::public_key(&k::keypair(2)))));
    assert_eq!(ids(&r), vec!["sig.key_not_pinned"]);
}

#[test]
fn signature_over_other_bytes() {
    let bytes = k::canon_bytes(&k::savings3());
    let key = k::keypair(1);
    let sig = k::signature(&key, &bytes, true);
    let mut edited = bytes.clone();
    edited.push(b' ');
    let (v, r) = verify_bytes(&edited, &sig_opts(sig, Some(k::public_key(&key))));
    assert_eq!(v, KryVerdict::Valid, "the KRY verdict ignores signatures");
    assert_eq!(ids(&r), vec!["kry.sig.digest_mismatch", "kry.sig.invalid"]);
    assert_eq!(r.status(), Status::Tampered);
}

#[test]
fn signature_v1_warns_and_require_v2_refuses() {
    let bytes = k::canon_bytes(&k::savings3());
    let key = k::keypair(1);
    let sig = k::signature(&key, &bytes, false);
    let (_, r) = verify_bytes(&bytes, &sig_opts(sig.clone(), Some(k::public_key(&key))));
    assert_eq!(r.status(), Status::Valid, "{:?}", ids(&r));
    assert!(r.findings().iter().any(|f| f.code == Code::from(K::SigV1)));
    let mut opts = sig_opts(sig, Some(k::public_key(&key)));
    opts.require_v2 = true;
    let (_, r) = verify_bytes(&bytes, &opts);
    assert_eq!(ids(&r), vec!["kry.sig.v1_scheme"]);
    assert_eq!(r.status(), Status::Unverified);
}

#[test]
fn signature_v2_message_is_domain_separated() {
    // A v1 signature relabelled as v2 does not verify.
    let bytes = k::canon_bytes(&k::savings3());
    let key = k::keypair(1);
    let v1 = k::signature(&key, &bytes, false);
    let relabelled = String::from_utf8(v1)
        .unwrap()
        .replace("kry-pqc/v1", "kry-pqc/v2");
    let (_, r) = verify_bytes(
        &bytes,
        &sig_opts(relabelled.into_bytes(), Some(k::public_key(&key))),
    );
    assert_eq!(ids(&r), vec!["kry.sig.invalid"]);
}

#[test]
fn signature_malformed() {
    let bytes = k::canon_bytes(&k::savings3());
    for bad in [
        b"{}".to_vec(),
        br#"{"scheme":"kry-pqc/v2","alg":"Ed25519","message_sha256":"00","public_key":"","signature":""}"#.to_vec(),
        br#"{"scheme":"kry-pqc/v3"}"#.to_vec(),
        b"nope".to_vec(),
    ] {
        let (_, r) = verify_bytes(&bytes, &sig_opts(bad, None));
        assert_eq!(ids(&r), vec!["kry.sig.malformed"]);
    }
}

// ---------- councils ----------

fn council(policy: &Value, artifact: &Value) -> KryOptions {
    KryOptions {
        council: Some(CouncilInput {
            policy: SideInput {
                name: "policy.json".into(),
                bytes: k::canon_bytes(policy),
            },
            artifact: SideInput {
                name: "threshold.json".into(),
                bytes: k::canon_bytes(artifact),
            },
        }),
        ..Default::default()
    }
}

#[test]
fn council_quorum_met_and_not_met() {
    let bytes = k::canon_bytes(&k::savings3());
    let p = k::policy(&[11, 12, 13], 2);
    let (_, r) = verify_bytes(&bytes, &council(&p, &k::artifact(&p, &[11, 13], &bytes)));
    assert_eq!(r.status(), Status::Valid, "{:?}", r.findings());
    let (_, r) = verify_bytes(&bytes, &council(&p, &k::artifact(&p, &[12], &bytes)));
    assert_eq!(ids(&r), vec!["kry.council.quorum_not_met"]);
    assert_eq!(r.status(), Status::Unverified);
}

#[test]
fn council_repeated_unknown_and_invalid_contributions_do_not_count() {
    let bytes = k::canon_bytes(&k::savings3());
    let p = k::policy(&[11, 12, 13], 2);
    // Same member twice.
    let (_, r) = verify_bytes(&bytes, &council(&p, &k::artifact(&p, &[11, 11], &bytes)));
    assert_eq!(ids(&r), vec!["kry.council.quorum_not_met"]);
    // Outsider (seed 99) plus one member.
    let (_, r) = verify_bytes(&bytes, &council(&p, &k::artifact(&p, &[99, 12], &bytes)));
    assert_eq!(ids(&r), vec!["kry.council.quorum_not_met"]);
    // A member's signature over other bytes, plus a malformed entry.
    let mut art = k::artifact(&p, &[11], &bytes);
    let psha = k::sha(&k::canon_bytes(&p));
    let o = art.as_object_mut().unwrap();
    let mut sigs = o.remove("signatures").unwrap();
    if let Value::Array(s) = &mut sigs {
        s.push(k::contribution(12, &psha, b"other bytes"));
        s.push(obj! {"fingerprint" => 5i64});
    }
    o.insert("signatures", sigs);
    let (_, r) = verify_bytes(&bytes, &council(&p, &art));
    assert_eq!(ids(&r), vec!["kry.council.quorum_not_met"]);
    let skipped = r
        .findings()
        .iter()
        .filter(|f| f.code == Code::from(K::CouncilContribution))
        .count();
    assert_eq!(skipped, 2);
}

#[test]
fn council_digest_and_policy_hash() {
    let bytes = k::canon_bytes(&k::savings3());
    let p = k::policy(&[11, 12, 13], 2);
    let art = k::artifact(&p, &[11, 12], &bytes);
    let mut edited = bytes.clone();
    edited.push(b'\n');
    let (_, r) = verify_bytes(&edited, &council(&p, &art));
    assert_eq!(
        ids(&r),
        vec!["kry.council.digest_mismatch", "kry.council.quorum_not_met"]
    );
    // Signed under a 1-of-3 policy, presented with the 2-of-3 one.
    let p1 = k::policy(&[11, 12, 13], 1);
    let art1 = k::artifact(&p1, &[11, 12], &bytes);
    let mut art1 = art1;
    k::set(&mut art1, "threshold", 2i64);
    let (_, r) = verify_bytes(&bytes, &council(&p, &art1));
    assert_eq!(
        ids(&r),
        vec![
            "kry.council.policy_hash_mismatch",
            "kry.council.quorum_not_met"
        ]
    );
}

#[test]
fn council_policy_and_artifact_malformed() {
    let bytes = k::canon_bytes(&k::savings3());
    let good = k::policy(&[11, 12, 13], 2);
    let art = k::artifact(&good, &[11, 12], &bytes);
    let mut bad_threshold = good.clone();
    k::set(&mut bad_threshold, "threshold", 4i64);
    let mut zero = good.clone();
    k::set(&mut zero, "threshold", 0i64);
    let dup = k::policy(&[11, 11, 13], 2);
    let mut bad_fp = good.clone();
    let signers = bad_fp.get("signers").unwrap().as_array().unwrap().clone();
    let mut s0 = signers[0].as_object().unwrap().clone();
    s0.insert("fingerprint", "0000000000000000");
    let mut new = signers.clone();
    new[0] = Value::Object(s0);
    k::set(&mut bad_fp, "signers", new);
    for p in [bad_threshold, zero, dup, bad_fp] {
        let (_, r) = verify_bytes(&bytes, &council(&p, &art));
        assert_eq!(ids(&r), vec!["kry.council.policy_invalid"]);
    }
    let mut a2 = art.clone();
    k::set(&mut a2, "scheme", "kry-pqc-threshold/v1");
    let (_, r) = verify_bytes(&bytes, &council(&good, &a2));
    assert_eq!(ids(&r), vec!["kry.council.artifact_invalid"]);
    let mut a3 = art.clone();
    k::set(&mut a3, "threshold", 1i64);
    let (_, r) = verify_bytes(&bytes, &council(&good, &a3));
    assert_eq!(ids(&r), vec!["kry.council.artifact_invalid"]);
}
