//! The tree-free savings path against the general (tree) path: wherever the tree-free
//! path gives a verdict, its rendered report must be byte-identical to the general
//! path's, for every thread count; and it must actually give one for the ordinary
//! shapes of a valid attestation (otherwise these comparisons would prove nothing).

#[path = "support/kry.rs"]
mod k;

use evv::canon::{self, Value};
use evv::kry::{self, KryOptions, SideInput};
use evv::verdict::{render_json, Report};

/// The general path's report, rendered.
fn general(bytes: &[u8], anchor: Option<&SideInput>) -> String {
    let mut r = Report::new("kry", "att.json");
    kry::general_savings("att.json", bytes, anchor, &mut r);
    render_json(&r)
}

/// The tree-free path's report with `threads` threads and pieces of about `piece`
/// bytes (read through a reader when `streamed`), rendered, if it decides.
fn tree_free(
    bytes: &[u8],
    anchor: Option<&SideInput>,
    (threads, piece, streamed): (usize, usize, bool),
) -> Option<String> {
    let mut r = Report::new("kry", "att.json");
    kry::tree_free_savings("att.json", bytes, anchor, threads, piece, streamed, &mut r)?;
    Some(render_json(&r))
}

/// Thread counts, piece sizes (from one byte, so that every link is a piece of its
/// own, to the default) and feeds the comparisons run with.
const SPLITS: [(usize, usize, bool); 9] = [
    (1, 1 << 20, false),
    (2, 1 << 20, false),
    (1, 1, true),
    (2, 1, false),
    (3, 13, true),
    (4, 97, false),
    (5, 700, true),
    (2, 4096, true),
    (3, 50, false),
];

/// Asserts that every thread count agrees with the general path where it decides;
/// returns how many thread counts decided.
fn agree(bytes: &[u8], anchor: Option<&SideInput>) -> usize {
    let want = general(bytes, anchor);
    let mut decided = 0;
    for split in SPLITS {
        if let Some(got) = tree_free(bytes, anchor, split) {
            assert_eq!(
                got,
                want,
                "split {split:?}, input {:?}",
                String::from_utf8_lossy(&bytes[..bytes.len().min(400)])
            );
            decided += 1;
        }
    }
    // The public entry point (whichever path it takes) says the same.
    let mut r = Report::new("kry", "att.json");
    let opts = KryOptions {
        anchor: anchor.cloned(),
        ..Default::default()
    };
    kry::verify_attestation_bytes("att.json", bytes, &opts, &mut r);
    assert_eq!(render_json(&r), want);
    decided
}

/// A deterministic generator (xorshift).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A valid attestation of `n` links of mixed tiers, event types and versions.
fn mixed(n: usize, rng: &mut Rng) -> Value {
    let types = [
        ("cache_hit", 1.0),
        ("l3_semantic_match", 0.8),
        ("compression", 0.6),
        ("other", 0.5),
    ];
    let mut links = Vec::new();
    for i in 1..=n {
        let (t, rate) = types[rng.below(types.len())];
        let tokens = (100 + rng.below(5000)) as f64;
        let mut l = k::Link::cache_hit(i, tokens);
        l.event_type = t.into();
        l.earn_rate = rate;
        l.kry_minted = tokens * rate * 0.4;
        l.ts = 1_700_000_000.0 + i as f64 * 0.25;
        l.hash_version = if i < n / 3 {
            5
        } else if i < n / 2 {
            6
        } else {
            7
        };
        if rng.below(3) == 0 {
            l.tier = "provider_metered".into();
            l.metered = Some([tokens as u64, 17]);
        }
        links.push(l);
    }
    k::savings(&links)
}

/// The same document written as Python's `json.dumps(indent=1)` would (key order as
/// given, one member per line).
fn pretty(v: &Value) -> Vec<u8> {
    canon::to_pretty(v).into_bytes()
}

/// The document with each link's keys in reverse order and spaces after separators
/// (the envelope stays canonical, so `links` keeps its sorted place).
fn links_reversed(v: &Value) -> Vec<u8> {
    let o = v.as_object().unwrap();
    let mut out = String::from("{");
    for (i, (key, val)) in o.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&format!("{key:?}:"));
        match (key, val) {
            ("links", Value::Array(links)) => {
                out.push('[');
                for (j, l) in links.iter().enumerate() {
                    if j > 0 {
                        out.push_str(", ");
                    }
                    let lo = l.as_object().unwrap();
                    let mut members: Vec<String> = lo
                        .iter()
                        .map(|(k2, v2)| {
                            format!("{k2:?}: {}", String::from_utf8(k::canon_bytes(v2)).unwrap())
                        })
                        .collect();
                    members.reverse();
                    out.push_str(&format!("{{ {} }}", members.join(", ")));
                }
                out.push(']');
            }
            _ => out.push_str(&String::from_utf8(k::canon_bytes(val)).unwrap()),
        }
    }
    out.push('}');
    out.into_bytes()
}

#[test]
fn decides_ordinary_attestations_exactly_as_the_general_path() {
    let mut rng = Rng(0x5EED_0001);
    for v in [k::savings3(), mixed(1, &mut rng), mixed(40, &mut rng)] {
        for bytes in [k::canon_bytes(&v), pretty(&v), links_reversed(&v)] {
            assert_eq!(agree(&bytes, None), SPLITS.len(), "every split decides");
        }
    }
    // The empty chain.
    let v = k::savings(&[]);
    assert_eq!(agree(&k::canon_bytes(&v), None), SPLITS.len());
}

/// An edit of a whole attestation.
type Edit = Box<dyn Fn(&mut Value)>;

#[test]
fn envelope_failures_are_reported_like_the_general_path() {
    let mut rng = Rng(0x5EED_0002);
    let base = mixed(30, &mut rng);
    let edits: Vec<Edit> = vec![
        Box::new(|a| k::set(a, "total_kry", 1.5)),
        Box::new(|a| k::set(a, "usd_equivalent", 0.0)),
        Box::new(|a| k::set(a, "receipts", 3)),
        Box::new(|a| k::set(a, "chain_valid", false)),
        Box::new(|a| k::set(a, "chain_head", k::GENESIS)),
        Box::new(|a| k::set(a, "attestation_hash", "00")),
        Box::new(|a| k::set(a, "attestation_hash", "")),
        Box::new(|a| k::remove(a, "attestation_hash")),
        Box::new(|a| k::remove(a, "event_type_counts")),
        Box::new(|a| k::remove(a, "veracity")),
        Box::new(|a| k::veracity_set(a, "veracity_floor", Some(Value::from(0.9)))),
        Box::new(|a| k::set(a, "extra_member", "x")),
        Box::new(|a| k::set(a, "aaa_before_links", 1)),
    ];
    for edit in &edits {
        let mut v = base.clone();
        edit(&mut v);
        for bytes in [k::canon_bytes(&v), pretty(&v)] {
            assert_eq!(agree(&bytes, None), SPLITS.len());
        }
    }
}

#[test]
fn link_tampering_is_never_decided_differently() {
    let mut rng = Rng(0x5EED_0003);
    let base = mixed(24, &mut rng);
    let values = [
        Value::from(0.0),
        Value::from(-1.0),
        Value::from(1e300),
        Value::from(7),
        Value::from("x"),
        Value::from(""),
        Value::Null,
        Value::Bool(true),
        Value::Array(vec![Value::from(1)]),
        canon::parse(br#"{"nested":1}"#).unwrap(),
        Value::from("caf\u{e9}"),
        Value::from("line\nbreak"),
    ];
    let keys = kry::LINK_FIELDS
        .iter()
        .chain(&["sealed_evidence", "unknown"]);
    for key in keys {
        for v in values.iter().cloned().map(Some).chain([None]) {
            let i = rng.below(24);
            let mut a = base.clone();
            k::link_set(&mut a, i, key, v);
            // Both as tampered, and re-sealed so that only the link rules can object.
            let mut sealed = a.clone();
            k::envelope(&mut sealed);
            for doc in [&a, &sealed] {
                agree(&k::canon_bytes(doc), None);
                agree(&pretty(doc), None);
                agree(&links_reversed(doc), None);
            }
        }
    }
}

#[test]
fn repeated_ids_promotions_versions_and_chains() {
    let mut rng = Rng(0x5EED_0004);
    let mut links: Vec<k::Link> = (1..=12)
        .map(|i| k::Link::cache_hit(i, 100.0 * i as f64))
        .collect();
    // A repeated receipt_id.
    let mut dup = links.clone();
    dup[7].receipt_id = dup[2].receipt_id.clone();
    // A promotion of an earlier receipt.
    let mut promo = links.clone();
    promo[9].tier = "tlsn_attested".into();
    promo[9].kry_minted = 0.0;
    promo[9].tokens_saved = 0.0;
    promo[9].supersedes = links[3].receipt_id.clone();
    // A version rollback and a legacy version.
    let mut rollback = links.clone();
    rollback[6].hash_version = 5;
    let mut legacy = links.clone();
    legacy[0].hash_version = 3;
    links[4].receipt_id = None;
    for ls in [&links, &dup, &promo, &rollback, &legacy] {
        let v = k::savings(ls);
        agree(&k::canon_bytes(&v), None);
        agree(&pretty(&v), None);
    }
    // Links swapped or dropped after sealing (the chain breaks).
    let v = k::savings(&links);
    for (a, b) in [(3, 4), (0, 11)] {
        let mut swapped = v.clone();
        let o = swapped.as_object_mut().unwrap();
        let mut l = match o.remove("links") {
            Some(Value::Array(l)) => l,
            _ => unreachable!(),
        };
        l.swap(a, b);
        if rng.below(2) == 0 {
            l.pop();
        }
        o.insert("links", l);
        agree(&k::canon_bytes(&swapped), None);
        agree(&links_reversed(&swapped), None);
    }
}

/// The tree-free path hashes the chain of two consecutive links side by side and
/// checks a run's odd last link alone: a chain broken at any position of any length
/// (odd and even, the first, a paired and the last link) is never decided by it, the
/// envelope re-sealed so that only the chain rule objects.
#[test]
fn a_chain_broken_at_any_position_is_never_decided() {
    let mut rng = Rng(0x5EED_0005);
    for n in 1..=9 {
        let base = mixed(n, &mut rng);
        for i in 0..n {
            for key in ["chain_hash", "receipt_hash"] {
                let mut a = base.clone();
                let o = a.as_object().unwrap();
                let link = &o.get("links").unwrap().as_array().unwrap()[i];
                let old = link
                    .as_object()
                    .unwrap()
                    .get(key)
                    .unwrap()
                    .as_str()
                    .unwrap();
                // Another lowercase hex digest of the same form.
                let flip = if old.ends_with('0') { "1" } else { "0" };
                let new = format!("{}{flip}", &old[..old.len() - 1]);
                k::link_set(&mut a, i, key, Some(Value::from(new.as_str())));
                k::envelope(&mut a);
                for bytes in [k::canon_bytes(&a), pretty(&a)] {
                    let report = canon::parse(general(&bytes, None).as_bytes()).unwrap();
                    let findings = report.as_object().unwrap().get("findings").unwrap();
                    let failed = |f: &Value| {
                        let f = f.as_object().unwrap();
                        f.get("code").and_then(Value::as_str)
                            == Some("kry.link.chain_hash_mismatch")
                            && f.get("outcome").and_then(Value::as_str) == Some("fail")
                    };
                    assert!(
                        findings.as_array().unwrap().iter().any(failed),
                        "{n} links, link {i}, {key}"
                    );
                    assert_eq!(agree(&bytes, None), 0, "{n} links, link {i}, {key}");
                }
            }
        }
    }
}

#[test]
fn text_level_variations() {
    let v = k::savings3();
    let c = String::from_utf8(k::canon_bytes(&v)).unwrap();
    let cases = [
        c.clone(),
        format!(" \n\t{c}\r\n"),
        format!("\u{feff}{c}"),
        format!("{c} x"),
        c.replacen("\"seq\":1", "\"seq\":1,\"seq\":1", 1),
        c.replacen("\"seq\":1", "\"seq\":1.0", 1),
        c.replacen("\"seq\":1", "\"seq\":01", 1),
        c.replacen("\"seq\":1", "\"seq\":-0", 1),
        c.replacen(
            "\"event_type\":\"cache_hit\"",
            "\"event_type\":\"cache\\u005fhit\"",
            1,
        ),
        c.replacen("\"links\":[", "\"links\" : [ ", 1),
        c.replacen("\"earn_rate\":1.0", "\"earn_rate\":1", 1),
        c.replacen("\"earn_rate\":1.0", "\"earn_rate\":1.00", 1),
        c.replacen("\"earn_rate\":1.0", "\"earn_rate\":1e0", 1),
        c.replacen("\"earn_rate\":1.0", "\"earn_rate\":NaN", 1),
        c.replacen("},{", "} , {", 1),
        c.replacen("},{", "},", 1),
        c.replacen("]", "", 1),
        c.replacen("\"links\":[", "\"links\":[],\"links2\":[", 1),
        c.replacen("{", "{\"links\":[],", 1),
        c.replacen("{", "{\"kind\":\"kry_action_attestation\",", 1),
        c.replace("\"metered_tokens\":null", "\"metered_tokens\":[ 1 , 2 ]"),
        c.replace("\"sealed_evidence\":\"", "\"sealed_evidence\":\"},{"),
        "[]".into(),
        "{}".into(),
        "{\"links\":[]}".into(),
        "{\"links\":{}}".into(),
    ];
    for t in cases {
        agree(t.as_bytes(), None);
    }
}

#[test]
fn anchors_agree() {
    let mut rng = Rng(0x5EED_0005);
    let v = mixed(20, &mut rng);
    let links = match v.get("links") {
        Some(Value::Array(l)) => l.clone(),
        _ => unreachable!(),
    };
    let tip = |i: usize| {
        links[i]
            .get("chain_hash")
            .and_then(Value::as_str)
            .unwrap()
            .to_string()
    };
    let anchors = [
        k::anchor(5, &tip(4)),
        k::anchor(5, &tip(6)),
        k::anchor(0, k::GENESIS),
        k::anchor(0, &tip(0)),
        k::anchor(20, &tip(19)),
        k::anchor(21, &tip(19)),
        b"{\"schema\":\"other\"}".to_vec(),
        b"not json".to_vec(),
    ];
    for a in anchors {
        let side = SideInput {
            name: "anchor.json".into(),
            bytes: a,
        };
        for bytes in [k::canon_bytes(&v), pretty(&v)] {
            agree(&bytes, Some(&side));
        }
    }
}

#[test]
fn large_attestations_split_between_threads_agree() {
    // Large enough that the public entry point splits it between threads as well.
    let mut rng = Rng(0x5EED_0006);
    let v = mixed(9_000, &mut rng);
    let bytes = pretty(&v);
    assert!(bytes.len() >= canon::PARALLEL_MIN_BYTES, "{}", bytes.len());
    assert_eq!(agree(&bytes, None), SPLITS.len());
    // A tampered link late in the document (in a helper thread's range).
    let mut t = v.clone();
    k::link_set(&mut t, 8_000, "kry_minted", Some(Value::from(1.0)));
    assert_eq!(agree(&pretty(&t), None), 0);
    // Strings that look like link boundaries near every cut point.
    let mut s = v.clone();
    for i in (0..9_000).step_by(97) {
        k::link_set(&mut s, i, "sealed_evidence", Some(Value::from("},{x}, {y")));
    }
    k::envelope(&mut s);
    let text = pretty(&s);
    agree(&text, None);
    assert!(tree_free(&text, None, (1, 1 << 20, false)).is_some());
}

#[test]
fn testdata_attestations_agree() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/kry");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    let mut decided = 0;
    for p in &names {
        let bytes = std::fs::read(p).unwrap();
        decided += usize::from(agree(&bytes, None) > 0);
        for a in ["anchor_valid.json", "anchor_longer.json"] {
            let side = SideInput {
                name: a.into(),
                bytes: std::fs::read(dir.join(a)).unwrap(),
            };
            agree(&bytes, Some(&side));
        }
    }
    assert!(decided >= 1, "savings_valid.json at least");
}

/// Writes the `kry_fast` fuzz target's generated seeds (valid attestations the
/// tree-free path decides, compact, pretty-printed and with reversed link keys) into
/// `fuzz/seeds/kry_fast/`. Run by hand when the generator changes:
/// `cargo test --test kry_fast write_fuzz_seeds -- --ignored`.
#[test]
#[ignore]
fn write_fuzz_seeds() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/kry_fast");
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = Rng(0x5EED_00F2);
    let docs = [
        ("savings3", k::savings3()),
        ("empty", k::savings(&[])),
        ("mixed1", mixed(1, &mut rng)),
        ("mixed6", mixed(6, &mut rng)),
    ];
    for (name, v) in &docs {
        for (form, bytes) in [
            ("compact", k::canon_bytes(v)),
            ("pretty", pretty(v)),
            ("reversed", links_reversed(v)),
        ] {
            assert_eq!(agree(&bytes, None), SPLITS.len(), "{name} {form}");
            std::fs::write(dir.join(format!("{name}-{form}.json")), bytes).unwrap();
        }
    }
}

/// Found by the `kry_fast` fuzz target (2026-12-01): a link with a key longer than 16
/// bytes (the layout cache is then left empty but its sort order kept) followed by an
/// empty link `{}` made the tree-free path index the stale order: a panic
/// (`src/kry/fast.rs`, `link`, index out of bounds). Must decide like the general path
/// or decline.
#[test]
fn empty_link_after_a_long_key_regression() {
    let v = k::savings3();
    let c = String::from_utf8(k::canon_bytes(&v)).unwrap();
    let cases = [
        c.replacen("\"links\":[{", "\"links\":[{\"a_key_longer_than_16\":1,", 1)
            .replacen("},{", "},{},{", 1),
        c.replacen("\"links\":[{", "\"links\":[{\"a_key_longer_than_16\":1,", 1)
            .replacen("}],", "},{}],", 1),
    ];
    for t in cases {
        agree(t.as_bytes(), None);
    }
}

/// Pieces are cut wherever `}` `,` `{` appears, which strings and the members after the
/// links may contain too: a cut inside a string must never be taken for a link start
/// (the path declines or decides exactly as the general path), and objects after the
/// links' `]` are the rest of the document, not links.
#[test]
fn link_starts_inside_strings_and_after_the_links_are_not_links() {
    let mut links: Vec<k::Link> = (1..=40).map(|i| k::Link::cache_hit(i, 100.0)).collect();
    links[17].receipt_id = Some("R-},{a:1}, {b:2".into());
    links[30].receipt_id = Some("}, {".into());
    let v = k::savings(&links);
    // A lone link start inside a string also checks the general path's own rules.
    let with_strings = [k::canon_bytes(&v), pretty(&v)];
    for bytes in &with_strings {
        agree(bytes, None);
        assert!(
            tree_free(bytes, None, (2, 1 << 20, true)).is_some(),
            "pieces of the default size decide"
        );
    }
    // Members after the links that look like links, and one before.
    let mut v = k::savings(&links[..10]);
    k::set(
        &mut v,
        "zz_after",
        canon::parse(br#"[{"a":"},{"}, {"b":1},{"c":[{"d":2}, {"e":3}]}]"#).unwrap(),
    );
    k::set(
        &mut v,
        "aa_before",
        canon::parse(br#"[{"a":1}, {"b":"}, {"}]"#).unwrap(),
    );
    k::seal(&mut v);
    for bytes in [k::canon_bytes(&v), pretty(&v)] {
        assert_eq!(agree(&bytes, None), SPLITS.len());
    }
}

/// The document with link `j`'s keys rotated by `j % 3` places and the whitespace
/// between its tokens varied: consecutive links change their key layout, so the scan
/// of a link by the layout learnt from the link before must notice the change.
fn layouts_varied(v: &Value) -> Vec<u8> {
    let o = v.as_object().unwrap();
    let mut out = String::from("{");
    for (i, (key, val)) in o.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&format!("{key:?}:"));
        match (key, val) {
            ("links", Value::Array(links)) => {
                out.push('[');
                for (j, l) in links.iter().enumerate() {
                    if j > 0 {
                        out.push_str([",", " ,\n", ",\t"][j % 3]);
                    }
                    let mut members: Vec<String> = l
                        .as_object()
                        .unwrap()
                        .iter()
                        .map(|(k2, v2)| {
                            let sep = [":", " : ", ":\n"][(j / 3) % 3];
                            format!(
                                "{k2:?}{sep}{}",
                                String::from_utf8(k::canon_bytes(v2)).unwrap()
                            )
                        })
                        .collect();
                    members.rotate_left(j % 3);
                    out.push_str(&format!("{{{}}}", members.join([",", " , "][j % 2])));
                }
                out.push(']');
            }
            _ => out.push_str(&String::from_utf8(k::canon_bytes(val)).unwrap()),
        }
    }
    out.push('}');
    out.into_bytes()
}

#[test]
fn links_that_change_their_key_layout_agree() {
    let mut rng = Rng(0x5EED_0007);
    let v = mixed(60, &mut rng);
    assert_eq!(agree(&layouts_varied(&v), None), SPLITS.len());
    // A link whose keys are its predecessor's but one, which is renamed.
    let mut t = v.clone();
    k::link_set(&mut t, 20, "supersedes", None);
    k::link_set(&mut t, 20, "supersedez", Some(Value::Null));
    k::seal(&mut t);
    agree(&layouts_varied(&t), None);
    agree(&pretty(&t), None);
}
