//! The worked examples of SPEC.md §6 are computed by evv itself: if an example in
//! the specification changes, this test must change with it.

use evv::bundle::contract::sig_message;
use evv::bundle::req_seen::compute_leaf_hash;
use evv::canon::{self, Dialect, Value};
use evv::crypto::hash::{sha256, sha256_hex};
use evv::crypto::merkle::{leaf_hash, node_hash, root_of_leaf_hashes, RootBuilder};

const TID: &str = "5b0c6f7e-2d41-4c8a-9e3b-7a1d2c3e4f50";

fn spec() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/SPEC.md")).unwrap()
}

#[test]
fn event_hash_example() {
    let ev = canon::parse_str(r#"{"seq":1,"trace_id":"5b0c6f7e-2d41-4c8a-9e3b-7a1d2c3e4f50","type":"request_denied","ts":"2026-11-23T19:05:07.100Z","data":{"reason":"quota_exceeded"},"prev_hash":"1111111111111111111111111111111111111111111111111111111111111111","event_hash":"52625576c9d3dcaed86ca3ed0ceed58927dc9c0a641b85607ff3fb44dc1129ee"}"#).unwrap();
    let pre = Value::Object(ev.as_object().unwrap().without(&["event_hash"]));
    let bytes = canon::to_vec(&pre, Dialect::CanonicalJson).unwrap();
    let s = spec();
    assert!(s.contains(&hex::encode(&bytes)), "preimage hex in SPEC");
    assert!(s.contains(std::str::from_utf8(&bytes).unwrap()));
    assert_eq!(
        sha256_hex(&bytes),
        "52625576c9d3dcaed86ca3ed0ceed58927dc9c0a641b85607ff3fb44dc1129ee"
    );
}

#[test]
fn leaf_hash_and_merkle_examples() {
    let e = canon::parse_str(r#"{"hour":"20261123T19","index":2,"trace_id_sha256":"07878fd44209ee6dfa78a80243dea207583874274546acf1522cfaf793a67caa","request_sha256":"44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","client_sha256":"1f7807f37a519d7d6606a3cb415e099f99890994ae4b63f66689c679ab2e183e","decision":"denied","reason":"quota_exceeded","leaf_hash":"x"}"#).unwrap();
    assert_eq!(
        sha256_hex(TID.as_bytes()),
        "07878fd44209ee6dfa78a80243dea207583874274546acf1522cfaf793a67caa"
    );
    assert_eq!(
        hex::encode(compute_leaf_hash(e.as_object().unwrap()).unwrap()),
        "90df254f811572843344f0cce0530399e5fabb3ca6d4615ceb7f633354797134"
    );
    let d: Vec<[u8; 32]> = [b"a", b"b", b"c"].iter().map(|x| sha256(*x)).collect();
    let l: Vec<[u8; 32]> = d.iter().map(|x| leaf_hash(x)).collect();
    assert_eq!(
        hex::encode(l[0]),
        "a23bd5b06da9048238a65b3f1d9d0b9e15fae3dde262688e6489aa4c763d1820"
    );
    assert_eq!(
        hex::encode(node_hash(&l[0], &l[1])),
        "ad5ca6cddc0b27c6a83e332bf28011769236e6c6a1f786ebf7b5267b37a5bd22"
    );
    let root = "cac3d448d4e20a2ad5eae1f500e63c2a7f9217cd14572ba7fd22e26dc1ec2648";
    assert_eq!(hex::encode(root_of_leaf_hashes(&l)), root);
    let mut b = RootBuilder::new();
    d.iter().for_each(|x| b.push_data(x));
    assert_eq!(hex::encode(b.root()), root);
    let s = spec();
    for h in [
        root,
        "a23bd5b06da9048238a65b3f1d9d0b9e15fae3dde262688e6489aa4c763d1820",
        "90df254f811572843344f0cce0530399e5fabb3ca6d4615ceb7f633354797134",
    ] {
        assert!(s.contains(h), "{h} in SPEC");
    }
}

#[test]
fn trace_signature_message_example() {
    let resp = format!("Request denied.\nTrace: {TID}\n");
    let m = sig_message(TID, &sha256(resp.as_bytes()));
    assert!(spec().contains(&hex::encode(&m)));
}

#[test]
fn chain_record_example() {
    let r = canon::parse_str(r#"{"seq":0,"handle":"if://citation/1c1cca4e-b63e-4259-8d0d-de2a038585fe/v1","content_sha256":"2e7d2c03a9507ae265ecf5b5356885a53393a2029d241394997265a1a25aefc6","prev_record_hash":"0000000000000000000000000000000000000000000000000000000000000000"}"#).unwrap();
    assert_eq!(
        canon::sha256_hex(&r, Dialect::CanonicalJson).unwrap(),
        "98e450addd9810057b3d4ada0ec5670adeb6e8899052f754f57d56ade2fc7b69"
    );
}

#[test]
fn spec_code_table_matches_the_code() {
    let s = spec();
    for c in evv::bundle::Code::ALL {
        let row = format!(
            "| `{}` | {} | {} |",
            c.id(),
            c.class().as_str(),
            c.explain()
        );
        assert!(s.contains(&row), "SPEC.md lacks the row for {}", c.id());
    }
}
