//! SPEC.md section 7 lists every KRY code exactly as the code declares it, and its
//! worked examples match what evv computes.

use evv::kry::{self, Code};

fn spec() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/SPEC.md")).unwrap()
}

#[test]
fn codes_table_matches_code() {
    let spec = spec();
    let start = spec.find("## 7. KRY attestations").expect("section 7");
    let end = spec[start..]
        .find("\n## 8.")
        .map_or(spec.len(), |e| start + e);
    let section = &spec[start..end];
    let rows: Vec<&str> = section
        .lines()
        .filter(|l| l.starts_with("| `kry."))
        .collect();
    assert_eq!(rows.len(), Code::ALL.len(), "one row per code");
    for c in Code::ALL {
        let row = format!(
            "| `{}` | {} | {} |",
            c.id(),
            c.class().as_str(),
            c.explain()
        );
        assert!(
            rows.contains(&row.as_str()),
            "SPEC.md lacks or differs for:\n{row}"
        );
    }
}

#[test]
fn worked_examples() {
    let spec = spec();
    let att = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/kry/savings_valid.json"
    ))
    .unwrap();
    let v = evv::canon::parse(&att).unwrap();
    let link = v.get("links").unwrap().as_array().unwrap()[0]
        .as_object()
        .unwrap();
    let mut block = Vec::new();
    kry::public_block(link, 7, &mut block);
    let block = String::from_utf8(block).unwrap();
    assert!(spec.contains(&format!("public_block = {block}")));
    let mut buf = Vec::new();
    let h = kry::savings_chain_hash(
        &[b'0'; 64],
        link.get("receipt_hash")
            .unwrap()
            .as_str()
            .unwrap()
            .as_bytes(),
        link,
        7,
        &mut buf,
    );
    assert!(spec.contains(&format!("chain_hash   = {}", String::from_utf8_lossy(&h))));
    let seal = v.get("attestation_hash").unwrap().as_str().unwrap();
    assert!(spec.contains(seal));
}
