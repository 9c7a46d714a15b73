//! `manifest::check` as a pure function: every check fails on a tampered input with
//! its own code.

#[path = "support/archive.rs"]
mod archive;
#[path = "support/bundle_fixtures.rs"]
mod bundle_fixtures;

use bundle_fixtures::{edit_manifest, rehash, valid_files, Files};
use evv::container::{EntrySink, FileRecord};
use evv::manifest::{check, is_rfc3339, is_uuid, valid_list_path, Code, Collector, SCHEMA_ID};
use evv::verdict::{render_text, Code as AnyCode, Report};
use sha2::{Digest, Sha256};

fn records(files: &Files) -> Vec<FileRecord> {
    files
        .iter()
        .map(|(p, b)| FileRecord {
            path: format!("payload/{p}"),
            size: b.len() as u64,
            sha256: Sha256::digest(b).into(),
        })
        .collect()
}

fn run(files: &Files) -> Report {
    let mut r = Report::new("t", "mem");
    check(
        files.get("manifest.json").map(|v| &v[..]),
        files.get("sha256s.txt").map(|v| &v[..]),
        &records(files),
        &mut r,
    );
    r
}

fn codes(r: &Report) -> Vec<AnyCode> {
    r.failure_codes()
}

fn one(c: Code) -> Vec<AnyCode> {
    vec![AnyCode::from(c)]
}

fn with_sha256s(text: &str) -> Files {
    let mut f = valid_files();
    f.insert("sha256s.txt".into(), text.as_bytes().to_vec());
    f
}

#[test]
fn valid_lists_pass_and_return_the_manifest() {
    let f = valid_files();
    let mut r = Report::new("t", "mem");
    let v = check(
        Some(&f["manifest.json"]),
        Some(&f["sha256s.txt"]),
        &records(&f),
        &mut r,
    );
    assert_eq!(codes(&r), vec![]);
    assert_eq!(v.unwrap().get("schema").unwrap().as_str(), Some(SCHEMA_ID));
    assert!(r
        .findings()
        .iter()
        .any(|x| x.code == AnyCode::from(Code::FileHashMismatch)));
}

#[test]
fn sha256s_syntax_variants() {
    let good = String::from_utf8(valid_files()["sha256s.txt"].clone()).unwrap();
    let first = good.lines().next().unwrap().to_string();
    let cases = [
        good.trim_end_matches('\n').to_string(), // no final newline
        good.replacen("  ", " ", 1),             // one space
        format!("{good}\n"),                     // blank line
        format!("\\{first}\n{good}"),            // escaped name
        good.replacen(&first[..4], &first[..4].to_uppercase(), 1), // uppercase hex (if letters)
        format!("{}\n{good}", &first[..30]),     // short line
    ];
    for (i, text) in cases.iter().enumerate() {
        if i == 4 && first[..4] == first[..4].to_uppercase() {
            continue;
        }
        let r = run(&with_sha256s(text));
        assert!(
            r.has_failure(Code::Sha256sSyntax),
            "case {i}: {}",
            render_text(&r)
        );
        assert!(
            !r.has_failure(Code::FileUnlisted),
            "case {i}: unsound list judged complete"
        );
    }
    let mut f = valid_files();
    f.insert("sha256s.txt".into(), vec![0xff, b'\n']);
    assert_eq!(codes(&run(&f)), one(Code::Sha256sSyntax));
}

#[test]
fn sha256s_listing_itself_or_a_bad_path() {
    let good = String::from_utf8(valid_files()["sha256s.txt"].clone()).unwrap();
    let z = "0".repeat(64);
    let r = run(&with_sha256s(&format!("{good}{z}  sha256s.txt\n")));
    assert_eq!(codes(&r), one(Code::PathInvalid));
    for bad in ["/abs", "a//b", "./a", "a/../b", "a\\b"] {
        let r = run(&with_sha256s(&format!("{good}{z}  {bad}\n")));
        assert_eq!(codes(&r), one(Code::PathInvalid), "{bad}");
    }
}

#[test]
fn sha256s_must_cover_manifest_json() {
    let good = String::from_utf8(valid_files()["sha256s.txt"].clone()).unwrap();
    let without: String = good
        .lines()
        .filter(|l| !l.ends_with("manifest.json"))
        .map(|l| format!("{l}\n"))
        .collect();
    let r = run(&with_sha256s(&without));
    assert_eq!(codes(&r), one(Code::FileUnlisted));
}

#[test]
fn manifest_json_changed_is_caught_by_sha256s() {
    let mut f = valid_files();
    let mut m = f["manifest.json"].clone();
    m.push(b' ');
    f.insert("manifest.json".into(), m);
    assert_eq!(codes(&run(&f)), one(Code::FileHashMismatch));
}

#[test]
fn lists_disagree_on_membership() {
    // A file listed only in sha256s.txt (and present): unlisted in manifest.json and
    // a disagreement.
    let mut f = valid_files();
    f.insert("extra.txt".into(), b"x".to_vec());
    rehash(&mut f);
    assert_eq!(
        codes(&run(&f)),
        vec![
            AnyCode::from(Code::FileUnlisted),
            AnyCode::from(Code::ListsDisagree)
        ]
    );
}

#[test]
fn manifest_lists_itself() {
    let mut f = valid_files();
    edit_manifest(&mut f, |o| {
        let mut a = o.get("files").unwrap().as_array().unwrap().clone();
        a.push(evv::obj! {"path" => "sha256s.txt", "size" => 1u64, "sha256" => "0".repeat(64)});
        o.insert("files", a);
    });
    assert_eq!(codes(&run(&f)), one(Code::PathInvalid));
}

#[test]
fn field_shapes() {
    let mut bad = Vec::new();
    for (k, v) in [
        (
            "trace_id",
            evv::canon::Value::from("6F1C2A3B-4D5E-4F60-8A7B-9C0D1E2F3A4B"),
        ),
        ("created_at", "2026-13-01T00:00:00Z".into()),
        ("created_at", 1700000000i64.into()),
        ("canonical_json", "matrix-canonicaljson".into()),
        ("files", "none".into()),
    ] {
        let mut f = valid_files();
        edit_manifest(&mut f, |o| {
            o.insert(k, v.clone());
        });
        let r = run(&f);
        if !r.has_failure(Code::FieldInvalid) {
            bad.push(k);
        }
    }
    assert!(bad.is_empty(), "{bad:?}");
    // size as a float or negative.
    for size in [evv::canon::Value::from(3.0f64), (-1i64).into(), "3".into()] {
        let mut f = valid_files();
        edit_manifest(&mut f, |o| {
            let mut a = o.get("files").unwrap().as_array().unwrap().clone();
            a[0].as_object_mut().unwrap().insert("size", size.clone());
            o.insert("files", a);
        });
        assert_eq!(codes(&run(&f)), one(Code::FieldInvalid));
    }
}

#[test]
fn schema_missing_and_not_an_object() {
    let mut f = valid_files();
    edit_manifest(&mut f, |o| {
        o.remove("schema");
    });
    assert_eq!(codes(&run(&f)), one(Code::FieldMissing));
    let mut f = valid_files();
    f.insert("manifest.json".into(), b"[]".to_vec());
    rehash(&mut f);
    assert_eq!(codes(&run(&f)), one(Code::FieldInvalid));
}

#[test]
fn unknown_fields_warn_only() {
    let mut f = valid_files();
    edit_manifest(&mut f, |o| {
        let mut a = o.get("files").unwrap().as_array().unwrap().clone();
        a[0].as_object_mut().unwrap().insert("mode", "0755");
        o.insert("files", a);
    });
    let r = run(&f);
    assert_eq!(codes(&r), vec![]);
    assert!(r
        .findings()
        .iter()
        .any(|x| x.code == AnyCode::from(Code::FieldUnknown)));
}

#[test]
fn collector_caps_list_sizes() {
    let f = valid_files();
    let mut c = Collector::with_cap(16);
    let m = &f["manifest.json"];
    c.file("payload/manifest.json", m.len() as u64, &mut &m[..])
        .unwrap();
    let s = &f["sha256s.txt"];
    c.file("payload/sha256s.txt", s.len() as u64, &mut &s[..])
        .unwrap();
    c.file("payload/other", 3, &mut &b"abc"[..]).unwrap();
    let mut r = Report::new("t", "mem");
    assert!(c.check(&records(&f), &mut r).is_none());
    assert_eq!(codes(&r), one(Code::TooLarge));
}

#[test]
fn shape_helpers() {
    assert!(is_uuid("6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"));
    assert!(!is_uuid("6f1c2a3b4d5e4f608a7b9c0d1e2f3a4b"));
    assert!(is_rfc3339("2026-01-02T03:04:05Z"));
    assert!(is_rfc3339("2026-01-02T03:04:05.123456+05:30"));
    assert!(!is_rfc3339("2026-01-02 03:04:05Z"));
    assert!(!is_rfc3339("2026-01-02T03:04:05"));
    assert!(!is_rfc3339("2026-01-02T03:04:05.Z"));
    assert!(valid_list_path("a/b.json").is_ok());
    assert!(valid_list_path("a/").is_err());
}

/// The worked example of SPEC.md §4.4, byte for byte.
#[test]
fn spec_worked_example() {
    let hello = b"hello\n";
    let manifest = "{\n  \"canonical_json\": \"canonicaljson\",\n  \"created_at\": \"2026-01-02T03:04:05Z\",\n  \"files\": [\n    {\n      \"path\": \"hello.txt\",\n      \"sha256\": \"5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03\",\n      \"size\": 6\n    }\n  ],\n  \"schema\": \"if.emotion.bundle.manifest/v1\",\n  \"trace_id\": \"6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b\"\n}\n";
    assert_eq!(manifest.len(), 336);
    let mh = hex::encode(Sha256::digest(manifest.as_bytes()));
    assert_eq!(
        mh,
        "5dd3b0a1d98fc99c72e994631deb77448a4a2f4d0f6d43ebc877c1c13666dcc8"
    );
    let sums = format!(
        "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03  hello.txt\n{mh}  manifest.json\n"
    );
    assert_eq!(sums.len(), 156);
    assert_eq!(
        hex::encode(Sha256::digest(sums.as_bytes())),
        "bc09884ccfb8a2659e63da5ea294d8fb589ca3af7a488aab89b8a38c305072b9"
    );
    let mut f = Files::new();
    f.insert("hello.txt".into(), hello.to_vec());
    f.insert("manifest.json".into(), manifest.as_bytes().to_vec());
    f.insert("sha256s.txt".into(), sums.into_bytes());
    let r = run(&f);
    assert_eq!(codes(&r), vec![], "{}", render_text(&r));
}
