//! The committed fixtures under `testdata/bundles/` are exactly what the generator
//! produces (set `EVV_BLESS=1` to rewrite them), and each verifies as documented in
//! `testdata/bundles/README.md`, from its directory tree and from its `.tar.gz`.

#[path = "support/bundle.rs"]
mod fixture;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use evv::bundle::{BundleOptions, BundleSink};
use evv::container::{EntrySink, FileRecord};
use evv::crypto::hash::{sha256, sha256_hex};
use evv::verdict::{render_text, Report, Status};
use fixture::*;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/bundles")
}

fn walk(dir: &Path, base: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, base, out);
        } else {
            let rel = p
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.insert(rel, std::fs::read(&p).unwrap());
        }
    }
}

#[test]
fn committed_fixtures_do_not_drift() {
    let want = fixture_files();
    let dir = root();
    if std::env::var_os("EVV_BLESS").is_some() {
        let _ = std::fs::remove_dir_all(dir.join("accepted"));
        let _ = std::fs::remove_dir_all(dir.join("denied"));
        let _ = std::fs::remove_dir_all(dir.join("privacy"));
        for (p, d) in &want {
            let f = dir.join(p);
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
            std::fs::write(f, d).unwrap();
        }
    }
    let mut have = BTreeMap::new();
    walk(&dir, &dir, &mut have);
    have.remove("README.md");
    assert_eq!(
        have.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "fixture file set drifted; regenerate with EVV_BLESS=1"
    );
    for (p, d) in &want {
        assert!(have[p] == *d, "{p} drifted; regenerate with EVV_BLESS=1");
    }
}

/// Streams a `.tar.gz` through the sink the way the container does (archive order).
fn verify_tgz(bytes: &[u8], opts: BundleOptions) -> Report {
    let mut report = Report::new("bundle", "fixture.tar.gz");
    report.fact("tarball_sha256", sha256_hex(bytes));
    let mut sink = BundleSink::new(opts);
    let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    let mut records = Vec::new();
    let mut manifest = None;
    for e in ar.entries().unwrap() {
        let mut e = e.unwrap();
        let path = e.path().unwrap().to_string_lossy().into_owned();
        let mut d = Vec::new();
        e.read_to_end(&mut d).unwrap();
        sink.file(&path, d.len() as u64, &mut &d[..]).unwrap();
        if path == "payload/manifest.json" {
            manifest = evv::canon::parse(&d).ok();
        }
        records.push(FileRecord {
            path,
            size: d.len() as u64,
            sha256: sha256(&d),
        });
    }
    sink.finish(&records, manifest.as_ref(), &mut report);
    report
}

#[test]
fn committed_fixtures_verify() {
    let files = fixture_files();
    let k = keys();
    for name in ["accepted", "denied", "privacy"] {
        let tgz = &files[&format!("{name}.tar.gz")];
        let rec = files[&format!("{name}.tar.gz.record.json")].clone();
        let opts = BundleOptions {
            trust: k.trust(),
            record: Some((format!("{name}.tar.gz.record.json"), rec)),
        };
        let r = verify_tgz(tgz, opts);
        assert_eq!(r.status(), Status::Valid, "{name}: {}", render_text(&r));
        let r = verify_tgz(
            tgz,
            BundleOptions {
                trust: Default::default(),
                record: None,
            },
        );
        assert_eq!(r.status(), Status::Unverified, "{name}");
        insta::assert_snapshot!(format!("{name}_unpinned"), render_text(&r));
    }
}

#[test]
fn tampered_verdict_snapshot() {
    let k = keys();
    let mut b = build(&Params::accepted(), &k);
    // Edit an event after hashing and drop a story line: two independent findings.
    let t = String::from_utf8(b.files["payload/trace_events.jsonl"].clone())
        .unwrap()
        .replace("if-emotion-base", "if-emotion-large");
    b.files
        .insert("payload/trace_events.jsonl".into(), t.into_bytes());
    let s = String::from_utf8(b.files["payload/if_story.md"].clone()).unwrap();
    let s: Vec<&str> = s.lines().filter(|l| !l.contains("prompt_built")).collect();
    b.files.insert(
        "payload/if_story.md".into(),
        (s.join("\n") + "\n").into_bytes(),
    );
    refresh(&mut b, &k);
    let r = verify(&b, k.trust());
    assert_eq!(r.status(), Status::Tampered);
    insta::assert_snapshot!("tampered_text", render_text(&r));
    insta::assert_snapshot!("tampered_json", evv::verdict::render_json(&r));
}
