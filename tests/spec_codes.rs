//! SPEC.md's code tables and the code enums must agree exactly: every code has one row
//! `| `id` | class | explanation |` whose class and explanation equal the code's.

use std::collections::BTreeMap;

use evv::verdict::Code;

fn spec_rows() -> BTreeMap<String, Vec<(String, String)>> {
    let spec = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/SPEC.md")).unwrap();
    let mut rows: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for line in spec.lines() {
        let Some(rest) = line.strip_prefix("| `") else {
            continue;
        };
        let Some((id, rest)) = rest.split_once("` | ") else {
            continue;
        };
        if !id.contains('.') || id.contains(' ') {
            continue;
        }
        let Some((class, rest)) = rest.split_once(" | ") else {
            continue;
        };
        if ![
            "integrity",
            "container_hash",
            "malformed",
            "unauthenticated",
        ]
        .contains(&class)
        {
            continue;
        }
        let Some(text) = rest.strip_suffix(" |") else {
            continue;
        };
        rows.entry(id.to_string())
            .or_default()
            .push((class.to_string(), text.to_string()));
    }
    rows
}

#[test]
fn every_code_has_exactly_one_matching_spec_row() {
    let rows = spec_rows();
    let mut problems = Vec::new();
    for code in Code::all() {
        let want = format!(
            "| `{}` | {} | {} |",
            code.id(),
            code.class().as_str(),
            code.explain()
        );
        match rows.get(code.id()).map(Vec::as_slice) {
            None => problems.push(format!("missing row:\n{want}")),
            Some([(class, text)]) => {
                if class != code.class().as_str() || text != code.explain() {
                    problems.push(format!("row differs, expected:\n{want}"));
                }
            }
            Some(_) => problems.push(format!("duplicate rows for {}", code.id())),
        }
    }
    for id in rows.keys() {
        if Code::from_id(id).is_none() {
            problems.push(format!("SPEC.md lists unknown code {id}"));
        }
    }
    assert!(
        problems.is_empty(),
        "SPEC.md code tables out of step:\n{}",
        problems.join("\n")
    );
}

#[test]
fn explain_prints_every_code() {
    for code in Code::all() {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_evv"))
            .args(["explain", code.id()])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", code.id());
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains(code.explain()), "{}", code.id());
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_evv"))
        .args(["explain", "no.such.code"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
