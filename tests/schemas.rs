//! Every JSON document in `testdata/` (and every line of every JSON Lines file) is
//! validated against its JSON Schema (draft 2020-12) with the `jsonschema` crate, and so
//! are evv's own JSON outputs. A file with no rule here fails the test: each new kind of
//! fixture must name its schema (or be listed as an opaque artifact).
//!
//! Tamper corpora (`tamper/`, `adversarial`) are exempt: some are malformed on purpose;
//! schemas describe shape, and the verifier's checks decide validity.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn validator(name: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join(format!("schemas/{name}.schema.json")))
        .unwrap_or_else(|e| panic!("schema {name}: {e}"));
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft202012::new(&schema).unwrap_or_else(|e| panic!("schema {name}: {e}"))
}

fn check(schema: &str, what: &str, instance: &serde_json::Value) {
    let v = validator(schema);
    let errs: Vec<String> = v
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errs.is_empty(),
        "{what} does not match schemas/{schema}.schema.json:\n{}",
        errs.join("\n")
    );
}

/// The schema of a testdata file, by its place and (for KRY side files) its content.
/// `None`: an opaque artifact that no evv format defines.
fn schema_for(rel: &str, doc: Option<&serde_json::Value>) -> Option<&'static str> {
    let file = rel.rsplit('/').next().unwrap();
    let in_payload = rel.contains("/payload/");
    Some(match file {
        "manifest.json" if in_payload => "manifest",
        "trace_events.jsonl" => "trace_event",
        "response_headers.json" => "response_headers",
        "ttt_signed_record.json" => "ttt_signed_record",
        "ttt_children.json" => "ttt_children",
        "ttt_children_chain_records.json" => "ttt_chain_records",
        "request.json" | "response.json" if in_payload => return None,
        _ if rel.contains("/payload/req_seen/heads/") => "req_seen_head",
        _ if rel.contains("/payload/req_seen/") && file.ends_with(".jsonl") => "req_seen_entry",
        _ if file.ends_with(".record.json") => "ttt_tarball_record",
        "trust.json" => "trust",
        "receipts.jsonl" => "live_hashed_receipt",
        "thermo.jsonl" => "thermo_debit",
        "export.json" => "provider_export_row",
        "cases.jsonl" if rel.starts_with("testdata/trust/") => "sig_batch_case",
        "agents.json" if rel.starts_with("testdata/pact/") => "pact-agents",
        "expect.json" | "bundles.expect.json" => "gate-expectations",
        _ if rel.starts_with("testdata/pact/") => "pact-transcript",
        _ if rel.starts_with("testdata/kry/") => {
            let d = doc.expect("kry documents are JSON");
            if d.get("scheme").and_then(|s| s.as_str()) == Some("kry-pqc-council/v1") {
                "kry_council_policy"
            } else if d.get("scheme").and_then(|s| s.as_str()) == Some("kry-pqc-threshold/v2") {
                "kry_threshold_artifact"
            } else if d.get("schema").and_then(|s| s.as_str()) == Some("kry_chain_anchor/v1") {
                "kry_chain_anchor"
            } else if d.get("scheme").is_some() {
                "kry_pqc_signature"
            } else if d.get("kind").is_some() || d.get("action_hash_version").is_some() {
                "kry_action_attestation"
            } else {
                "kry_savings_attestation"
            }
        }
        _ => panic!("{rel}: no schema rule; add one to tests/schemas.rs"),
    })
}

/// Fixtures that violate their schema on purpose (the README of their folder says so);
/// the test asserts that they really do not validate, so this list stays exact.
/// Entries are a file, or `file:LINE` for one line of a JSON Lines file.
const MALFORMED_ON_PURPOSE: &[&str] = &[
    "testdata/pact/invalid-version.json",
    "testdata/trust/cases.jsonl:10",
];

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    for p in v {
        if p.is_dir() {
            walk(&p, out);
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("json" | "jsonl")
        ) {
            out.push(p);
        }
    }
}

#[test]
fn every_testdata_json_file_matches_its_schema() {
    let mut files = Vec::new();
    walk(&root().join("testdata"), &mut files);
    let mut checked = 0;
    for p in files {
        let rel = p
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if rel.contains("/tamper/") || rel.contains("adversarial") || rel.contains("tampered") {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        if rel.ends_with(".jsonl") {
            let Some(schema) = schema_for(&rel, None) else {
                continue;
            };
            for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.is_empty()) {
                if MALFORMED_ON_PURPOSE.contains(&format!("{rel}:{}", i + 1).as_str()) {
                    let ok = serde_json::from_str::<serde_json::Value>(line)
                        .is_ok_and(|v| validator(schema).is_valid(&v));
                    assert!(!ok, "{rel}:{} is listed as malformed but validates", i + 1);
                    continue;
                }
                let v: serde_json::Value =
                    serde_json::from_str(line).unwrap_or_else(|e| panic!("{rel}:{}: {e}", i + 1));
                check(schema, &format!("{rel}:{}", i + 1), &v);
                checked += 1;
            }
        } else {
            let v: serde_json::Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"));
            let Some(schema) = schema_for(&rel, Some(&v)) else {
                continue;
            };
            if MALFORMED_ON_PURPOSE.contains(&rel.as_str()) {
                assert!(
                    !validator(schema).is_valid(&v),
                    "{rel} is listed as malformed but validates"
                );
                continue;
            }
            if schema == "provider_export_row" {
                // An export document holds its rows in its first array member.
                let rows = v
                    .as_array()
                    .or_else(|| {
                        v.as_object()
                            .and_then(|o| o.values().find_map(|x| x.as_array()))
                    })
                    .unwrap_or_else(|| panic!("{rel}: no rows"));
                for (i, row) in rows.iter().enumerate() {
                    check(schema, &format!("{rel} row {i}"), row);
                }
            } else {
                check(schema, &rel, &v);
            }
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} documents checked");
}

fn evv(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_evv"))
        .current_dir(root())
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

#[test]
fn verdict_outputs_match_the_verdict_schema() {
    for args in [
        &[
            "--format",
            "json",
            "verify",
            "testdata/bundles/accepted.tar.gz",
        ][..],
        &[
            "--format",
            "json",
            "verify",
            "testdata/bundles/accepted",
            "--trust",
            "testdata/bundles/trust.json",
        ],
        &[
            "--format",
            "json",
            "verify",
            "testdata/kry/savings_tampered.json",
        ],
        &[
            "--format",
            "json",
            "verify",
            "testdata/pact/compromised.json",
            "--allow-compromised",
        ],
        &[
            "--format",
            "json",
            "verify",
            "testdata/receipts/valid/openai_chain/receipts.jsonl",
        ],
    ] {
        let (_, out) = evv(args);
        let v: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}\n{out}"));
        check("verdict", &format!("{args:?}"), &v);
    }
}

#[test]
fn batch_lines_match_the_batch_schema() {
    let (code, out) = evv(&["verify", "--batch", "testdata/gate/batch.txt"]);
    assert_eq!(code, 1);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 9);
    for l in lines {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        check("batch_line", l, &v);
    }
}

#[test]
fn evv_schema_prints_every_shipped_schema() {
    let mut names: Vec<String> = std::fs::read_dir(root().join("schemas"))
        .unwrap()
        .map(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .trim_end_matches(".schema.json")
                .to_string()
        })
        .collect();
    names.sort();
    let (code, out) = evv(&["schema"]);
    assert_eq!(code, 0);
    assert_eq!(out.lines().collect::<Vec<_>>(), names);
    for n in &names {
        let (code, text) = evv(&["schema", n]);
        assert_eq!(code, 0);
        assert_eq!(
            text,
            std::fs::read_to_string(root().join(format!("schemas/{n}.schema.json"))).unwrap()
        );
        validator(n); // compiles as draft 2020-12
    }
    assert_eq!(evv(&["schema", "no-such-schema"]).0, 2);
}
