//! SPEC.md §5's code table must list exactly the `sig.*` codes, with their class and
//! explanation exactly as in the code.

use evv::crypto::Code;

#[test]
fn spec_section_5_code_table_matches_code() {
    let spec = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/SPEC.md")).unwrap();
    let start = spec
        .find("## 5. Signatures, keys and trust")
        .expect("section 5");
    let end = spec[start..]
        .find("\n## 6.")
        .map(|e| start + e)
        .expect("section 6");
    let section = &spec[start..end];
    let table = &section[section.find("### Codes").expect("### Codes")..];
    let rows: Vec<&str> = table.lines().filter(|l| l.starts_with("| `")).collect();
    let expected: Vec<String> = Code::ALL
        .iter()
        .map(|c| {
            format!(
                "| `{}` | {} | {} |",
                c.id(),
                c.class().as_str(),
                c.explain()
            )
        })
        .collect();
    assert_eq!(rows, expected);
}

#[test]
fn every_sig_code_is_explained_by_the_cli() {
    for c in Code::ALL {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_evv"))
            .args(["explain", c.id()])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", c.id());
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(c.explain()),
            "{}",
            c.id()
        );
    }
}
