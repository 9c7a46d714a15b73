//! schemas/verdict.schema.json describes evv's JSON verdicts, and
//! schemas/manifest.schema.json the bundle manifests, checked with `jsonschema`.

#[path = "support/archive.rs"]
mod archive;
#[path = "support/bundle_fixtures.rs"]
mod bundle_fixtures;

use std::path::PathBuf;

use bundle_fixtures::{corpus, edit_manifest, valid_files};
use evv::container::{verify_path, VerifyOptions};
use evv::verdict::render_json;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

type Edit = Box<dyn Fn(&mut evv::canon::Object)>;

fn validator(name: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("schemas").join(name)).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft202012::new(&schema).unwrap()
}

fn errors(v: &jsonschema::Validator, instance: &serde_json::Value) -> Vec<String> {
    v.iter_errors(instance).map(|e| e.to_string()).collect()
}

#[test]
fn every_fixture_verdict_matches_the_verdict_schema() {
    let v = validator("verdict.schema.json");
    for c in corpus() {
        let path = root().join("testdata/bundle-basic").join(c.name);
        let opts = VerifyOptions {
            allow_compromised: c.args.iter().any(|a| a == "--allow-compromised"),
            ..VerifyOptions::default()
        };
        let json = render_json(&verify_path(&path, &opts).unwrap());
        let inst: serde_json::Value = serde_json::from_str(&json).unwrap();
        let errs = errors(&v, &inst);
        assert!(errs.is_empty(), "{}: {errs:?}", c.name);
    }
}

#[test]
fn manifest_schema_accepts_the_fixture_and_rejects_bad_shapes() {
    let v = validator("manifest.schema.json");
    let parse = |b: &[u8]| -> serde_json::Value { serde_json::from_slice(b).unwrap() };
    let good = valid_files();
    assert!(errors(&v, &parse(&good["manifest.json"])).is_empty());
    let bad_edits: Vec<(&str, Edit)> = vec![
        (
            "schema",
            Box::new(|o| {
                o.insert("schema", "if.emotion.bundle.manifest/v2");
            }),
        ),
        (
            "trace_id",
            Box::new(|o| {
                o.remove("trace_id");
            }),
        ),
        (
            "created_at",
            Box::new(|o| {
                o.insert("created_at", "yesterday");
            }),
        ),
        (
            "canonical_json",
            Box::new(|o| {
                o.insert("canonical_json", "sorted");
            }),
        ),
        (
            "path",
            Box::new(|o| {
                let mut a = o.get("files").unwrap().as_array().unwrap().clone();
                a[0].as_object_mut().unwrap().insert("path", "../x");
                o.insert("files", a);
            }),
        ),
        (
            "sha256",
            Box::new(|o| {
                let mut a = o.get("files").unwrap().as_array().unwrap().clone();
                a[0].as_object_mut().unwrap().insert("sha256", "ABC");
                o.insert("files", a);
            }),
        ),
    ];
    for (what, edit) in bad_edits {
        let mut f = valid_files();
        edit_manifest(&mut f, |o| edit(o));
        assert!(
            !errors(&v, &parse(&f["manifest.json"])).is_empty(),
            "{what}"
        );
    }
}
