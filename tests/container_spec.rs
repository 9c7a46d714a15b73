//! SPEC.md §3 and §4 list every container and manifest code exactly as the code
//! declares it (id, class, explanation).

use evv::verdict::Code;

fn rows() -> Vec<String> {
    let mut v: Vec<Code> = evv::container::Code::ALL
        .iter()
        .map(|c| (*c).into())
        .collect();
    v.extend(evv::manifest::Code::ALL.iter().map(|c| Code::from(*c)));
    v.iter()
        .map(|c| {
            format!(
                "| `{}` | {} | {} |",
                c.id(),
                c.class().as_str(),
                c.explain()
            )
        })
        .collect()
}

#[test]
fn spec_lists_every_container_and_manifest_code() {
    let spec = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/SPEC.md")).unwrap();
    let missing: Vec<String> = rows()
        .into_iter()
        .filter(|r| !spec.lines().any(|l| l == r))
        .collect();
    assert!(
        missing.is_empty(),
        "rows missing from SPEC.md:\n{}",
        missing.join("\n")
    );
}
