//! The bundle-basic fixture corpus: a small valid bundle (as .tar.gz, .tar and
//! directory) and one tampered archive per mutation class, each with its expected
//! status, exit code and failure codes. `tests/container_fixtures.rs` regenerates
//! these and compares them with `testdata/bundle-basic/`.
#![allow(dead_code)]

use std::collections::BTreeMap;

use evv::canon::{self, Value};
use evv::obj;
use sha2::{Digest, Sha256};

use crate::archive::{gzip, header_block, Header, Magic, TarWriter, BLOCK};

/// Payload files by path relative to `payload/`.
pub type Files = BTreeMap<String, Vec<u8>>;

/// A fixed trace id (not a real producer's).
pub const TRACE_ID: &str = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b";
/// A fixed creation time.
pub const CREATED_AT: &str = "2026-01-02T03:04:05Z";

fn sha_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

/// The artifacts of the valid bundle (everything except the two lists).
pub fn artifacts() -> Files {
    let mut f = Files::new();
    f.insert(
        "request.json".into(),
        b"{\"model\":\"demo-model\",\"trace_id\":\"6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b\"}\n"
            .to_vec(),
    );
    f.insert(
        "response.json".into(),
        b"{\"finish_reason\":\"stop\",\"output_sha256\":\"2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae\"}\n"
            .to_vec(),
    );
    f.insert(
        "story/if_story.md".into(),
        b"# IF.story\n\n1. request received\n2. model done\n".to_vec(),
    );
    f
}

/// manifest.json's value for these artifacts.
pub fn manifest_value(arts: &Files) -> Value {
    let files: Vec<Value> = arts
        .iter()
        .map(|(p, b)| {
            obj! {"path" => p.as_str(), "size" => b.len() as u64, "sha256" => sha_hex(b)}
        })
        .collect();
    obj! {
        "schema" => "if.emotion.bundle.manifest/v1",
        "trace_id" => TRACE_ID,
        "created_at" => CREATED_AT,
        "canonical_json" => "canonicaljson",
        "files" => files,
    }
}

/// Pretty JSON with a trailing newline.
pub fn json_bytes(v: &Value) -> Vec<u8> {
    let mut s = canon::to_pretty(v).into_bytes();
    s.push(b'\n');
    s
}

/// sha256s.txt for every file but itself, sorted by path.
pub fn sha256s_bytes(files: &Files) -> Vec<u8> {
    let mut out = String::new();
    for (p, b) in files.iter().filter(|(p, _)| p.as_str() != "sha256s.txt") {
        out.push_str(&format!("{}  {p}\n", sha_hex(b)));
    }
    out.into_bytes()
}

/// Recomputes sha256s.txt from the current files (what an attacker who edits
/// manifest.json would also do).
pub fn rehash(files: &mut Files) {
    let s = sha256s_bytes(files);
    files.insert("sha256s.txt".into(), s);
}

/// The complete valid payload.
pub fn valid_files() -> Files {
    let mut f = artifacts();
    f.insert(
        "manifest.json".into(),
        json_bytes(&manifest_value(&artifacts())),
    );
    rehash(&mut f);
    f
}

/// Edits manifest.json as JSON, then re-hashes sha256s.txt.
pub fn edit_manifest(files: &mut Files, edit: impl FnOnce(&mut canon::Object)) {
    let mut v = canon::parse(&files["manifest.json"]).unwrap();
    edit(v.as_object_mut().unwrap());
    files.insert("manifest.json".into(), json_bytes(&v));
    rehash(files);
}

/// A tar writer holding `payload/`, its sub-directories and files, sorted; not finished.
pub fn tar_writer(files: &Files) -> TarWriter {
    let mut w = TarWriter::new();
    w.dir("payload/");
    let mut dirs = std::collections::BTreeSet::new();
    for (p, b) in files {
        let parts: Vec<&str> = p.split('/').collect();
        for i in 1..parts.len() {
            let d = parts[..i].join("/");
            if dirs.insert(d.clone()) {
                w.dir(&format!("payload/{d}/"));
            }
        }
        w.file(&format!("payload/{p}"), b);
    }
    w
}

/// The finished tar of these files.
pub fn tar_of(files: &Files) -> Vec<u8> {
    tar_writer(files).finish()
}

/// gzip of the tar of these files.
pub fn tgz_of(files: &Files) -> Vec<u8> {
    gzip(&tar_of(files))
}

/// One fixture and what `evv verify` must say about it.
pub struct Case {
    /// File name under testdata/bundle-basic/.
    pub name: &'static str,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Extra `evv verify` arguments.
    pub args: Vec<String>,
    /// Expected status word.
    pub status: &'static str,
    /// Expected exit code.
    pub exit: i32,
    /// Expected failing codes, sorted by code order in evv (compare as sets).
    pub codes: Vec<&'static str>,
    /// The mutation, for the README.
    pub what: &'static str,
}

fn case(
    name: &'static str,
    what: &'static str,
    bytes: Vec<u8>,
    status: &'static str,
    codes: &[&'static str],
) -> Case {
    let exit = match status {
        "VALID" => 0,
        "UNVERIFIED" => 3,
        _ => 1,
    };
    Case {
        name,
        bytes,
        args: Vec::new(),
        status,
        exit,
        codes: codes.to_vec(),
        what,
    }
}

fn with_args(mut c: Case, args: &[&str], exit: i32) -> Case {
    c.args = args.iter().map(|s| s.to_string()).collect();
    c.exit = exit;
    c
}

/// Valid files plus extra tar entries appended before the end marker, gzipped.
fn tgz_plus(extra: impl FnOnce(&mut TarWriter)) -> Vec<u8> {
    let mut w = tar_writer(&valid_files());
    extra(&mut w);
    gzip(&w.finish())
}

fn files_with(edit: impl FnOnce(&mut Files)) -> Vec<u8> {
    let mut f = valid_files();
    edit(&mut f);
    tgz_of(&f)
}

/// SHA-256 of the valid .tar.gz, for `--expect-sha256` cases.
pub fn valid_tgz_sha256() -> String {
    sha_hex(&tgz_of(&valid_files()))
}

/// The whole corpus, valid fixtures first.
pub fn corpus() -> Vec<Case> {
    let t = "TAMPERED";
    let i = "INVALID";
    let v = "VALID";
    let mut c = Vec::new();
    let valid_tgz = tgz_of(&valid_files());
    let valid_tar = tar_of(&valid_files());
    c.push(case(
        "valid.tar.gz",
        "the valid bundle, gzip-compressed tar",
        valid_tgz.clone(),
        v,
        &[],
    ));
    c.push(case(
        "valid.tar",
        "the valid bundle, plain tar",
        valid_tar.clone(),
        v,
        &[],
    ));
    c.push(with_args(
        case(
            "valid.tar.gz",
            "the valid bundle with the right --expect-sha256",
            valid_tgz.clone(),
            v,
            &[],
        ),
        &["--expect-sha256", &valid_tgz_sha256()],
        0,
    ));
    c.push(case(
        "valid_long_names.tar.gz",
        "valid: a 120-byte name via a pax path record and another via a GNU long name",
        {
            let mut f = artifacts();
            let long_a = format!("deep/{}.json", "a".repeat(110));
            let long_b = format!("deep/{}.json", "b".repeat(110));
            f.insert(long_a.clone(), b"{\"pax\":true}\n".to_vec());
            f.insert(long_b.clone(), b"{\"gnu\":true}\n".to_vec());
            f.insert("manifest.json".into(), json_bytes(&manifest_value(&f)));
            rehash(&mut f);
            let mut w = TarWriter::new();
            w.dir("payload/");
            w.dir("payload/deep/");
            for (p, b) in &f {
                let full = format!("payload/{p}");
                if *p == long_b {
                    w.gnu_long_name(full.as_bytes());
                    let mut h = Header::file(b"././@LongLink", b.len() as u64);
                    h.magic = Magic::Gnu;
                    w.entry(&h, b);
                } else {
                    w.file(&full, b);
                }
            }
            gzip(&w.finish())
        },
        v,
        &[],
    ));
    c.push(case(
        "valid_unknown_field.tar.gz",
        "valid with a warning: manifest.json carries an extra top-level field",
        files_with(|f| {
            edit_manifest(f, |o| {
                o.insert("producer_note", "x");
            })
        }),
        v,
        &[],
    ));

    // Container: tarball hash.
    c.push(with_args(
        case(
            "valid.tar.gz",
            "--expect-sha256 of another archive",
            valid_tgz.clone(),
            t,
            &["container.sha256_mismatch"],
        ),
        &["--expect-sha256", &"0".repeat(64)],
        1,
    ));
    c.push(with_args(
        case(
            "valid.tar.gz",
            "--expect-sha256 of another archive, with --allow-compromised",
            valid_tgz.clone(),
            t,
            &["container.sha256_mismatch"],
        ),
        &["--expect-sha256", &"0".repeat(64), "--allow-compromised"],
        0,
    ));

    // Container: names and entry types.
    c.push(case(
        "abs_path.tar.gz",
        "an entry named /payload/evil.txt",
        tgz_plus(|w| {
            w.file("/payload/evil.txt", b"x");
        }),
        i,
        &["container.path.absolute"],
    ));
    c.push(case(
        "dotdot.tar.gz",
        "an entry named payload/../evil.txt",
        tgz_plus(|w| {
            w.file("payload/../evil.txt", b"x");
        }),
        i,
        &["container.path.dotdot"],
    ));
    c.push(case(
        "outside_payload.tar.gz",
        "an entry README.txt beside payload/",
        tgz_plus(|w| {
            w.file("README.txt", b"x");
        }),
        i,
        &["container.path.outside_payload"],
    ));
    c.push(case(
        "not_utf8.tar.gz",
        "an entry name with the byte 0xff",
        tgz_plus(|w| {
            w.entry(&Header::file(b"payload/\xffevil.txt", 1), b"x");
        }),
        i,
        &["container.path.not_utf8"],
    ));
    c.push(case(
        "backslash.tar.gz",
        "an entry name with a backslash",
        tgz_plus(|w| {
            w.file("payload/a\\b.txt", b"x");
        }),
        i,
        &["container.path.invalid"],
    ));
    c.push(case(
        "duplicate.tar.gz",
        "payload/request.json appended a second time with other bytes",
        tgz_plus(|w| {
            w.file("payload/request.json", b"{\"model\":\"other\"}\n");
        }),
        t,
        &["container.path.duplicate"],
    ));
    c.push(case(
        "duplicate_normalised.tar.gz",
        "./payload//request.json appended (same path after normalisation)",
        tgz_plus(|w| {
            w.file("./payload//request.json", b"{\"model\":\"other\"}\n");
        }),
        t,
        &["container.path.duplicate"],
    ));
    c.push(case(
        "file_dir_conflict.tar.gz",
        "a directory entry payload/request.json/ after the file",
        tgz_plus(|w| {
            w.dir("payload/request.json/");
        }),
        t,
        &["container.path.duplicate"],
    ));
    c.push(case(
        "symlink.tar.gz",
        "a symbolic link payload/passwd -> /etc/passwd",
        tgz_plus(|w| {
            let mut h = Header::of_type(b"payload/passwd", b'2');
            h.linkname = b"/etc/passwd".to_vec();
            w.entry(&h, &[]);
        }),
        i,
        &["container.entry.symlink"],
    ));
    c.push(case(
        "hardlink.tar.gz",
        "a hard link payload/copy.json -> payload/request.json",
        tgz_plus(|w| {
            let mut h = Header::of_type(b"payload/copy.json", b'1');
            h.linkname = b"payload/request.json".to_vec();
            w.entry(&h, &[]);
        }),
        i,
        &["container.entry.hardlink"],
    ));
    c.push(case(
        "fifo.tar.gz",
        "a FIFO payload/pipe",
        tgz_plus(|w| {
            w.entry(&Header::of_type(b"payload/pipe", b'6'), &[]);
        }),
        i,
        &["container.entry.special"],
    ));
    c.push(case(
        "device.tar.gz",
        "a character device payload/null",
        tgz_plus(|w| {
            w.entry(&Header::of_type(b"payload/null", b'3'), &[]);
        }),
        i,
        &["container.entry.special"],
    ));
    c.push(case(
        "sparse.tar.gz",
        "a GNU sparse entry (type S)",
        tgz_plus(|w| {
            w.entry(&Header::of_type(b"payload/sparse.bin", b'S'), &[]);
        }),
        i,
        &["container.entry.unsupported"],
    ));

    // Container: structure.
    c.push(case(
        "truncated.tar.gz",
        "the .tar.gz cut to half its length",
        valid_tgz[..valid_tgz.len() / 2].to_vec(),
        i,
        &["container.truncated"],
    ));
    c.push(case(
        "truncated_data.tar",
        "a plain tar cut inside an entry's data",
        {
            let w = tar_writer(&valid_files());
            let n = w.out.len();
            w.out[..n - BLOCK + 10].to_vec()
        },
        i,
        &["container.truncated"],
    ));
    c.push(case(
        "no_end_marker.tar",
        "a plain tar without the two zero blocks",
        tar_writer(&valid_files()).unfinished(),
        i,
        &["container.truncated"],
    ));
    c.push(case(
        "data_after_end.tar",
        "a non-zero byte in the padding after the end-of-archive marker",
        {
            let mut b = valid_tar.clone();
            let n = b.len();
            b[n - 1] = b'!';
            b
        },
        t,
        &["container.data_after_end"],
    ));
    c.push(case(
        "hidden_after_zero_block.tar",
        "an entry hidden after a single zero block",
        {
            let mut w = tar_writer(&valid_files());
            w.raw(&[0u8; BLOCK]);
            w.file("payload/hidden.txt", b"x");
            w.finish()
        },
        t,
        &["container.data_after_end"],
    ));
    c.push(case(
        "second_gzip_member.tar.gz",
        "a second gzip member appended",
        {
            let mut b = valid_tgz.clone();
            b.extend_from_slice(&gzip(b"appended"));
            b
        },
        t,
        &["container.data_after_end"],
    ));
    c.push(case(
        "trailing_garbage.tar.gz",
        "bytes appended after the gzip member",
        {
            let mut b = valid_tgz.clone();
            b.extend_from_slice(b"garbage");
            b
        },
        t,
        &["container.data_after_end"],
    ));
    c.push(case(
        "header_checksum.tar",
        "a header byte changed without fixing the checksum",
        {
            let mut b = valid_tar.clone();
            b[BLOCK + 9] ^= 0x20; // the name of the second header
            b
        },
        t,
        &["container.tar.header_checksum"],
    ));
    c.push(case(
        "header_v7.tar.gz",
        "a pre-POSIX (v7) header without magic",
        tgz_plus(|w| {
            let mut h = Header::file(b"payload/v7.txt", 1);
            h.magic = Magic::V7;
            w.entry(&h, b"x");
        }),
        i,
        &["container.tar.header_invalid"],
    ));
    c.push(case(
        "gzip_crc.tar.gz",
        "the gzip trailer's CRC-32 changed",
        {
            let mut b = valid_tgz.clone();
            let n = b.len();
            b[n - 8] ^= 0x01;
            b
        },
        t,
        &["container.gzip.crc_mismatch"],
    ));
    c.push(case(
        "gzip_reserved_flag.tar.gz",
        "a reserved gzip header flag set",
        {
            let mut b = valid_tgz.clone();
            b[3] |= 0x80;
            b
        },
        i,
        &["container.gzip.corrupt"],
    ));

    // Container: limits.
    c.push(case(
        "terabyte_header.tar.gz",
        "a header declaring a 1 TiB file (no data follows)",
        {
            let mut w = tar_writer(&valid_files());
            w.raw(&header_block(&Header::file(b"payload/huge.bin", 1 << 40)));
            gzip(&w.unfinished())
        },
        i,
        &["container.limit.file_size"],
    ));
    c.push(with_args(
        case(
            "valid.tar.gz",
            "--max-entries 3",
            valid_tgz.clone(),
            i,
            &["container.limit.entries"],
        ),
        &["--max-entries", "3"],
        1,
    ));
    c.push(with_args(
        case(
            "valid.tar.gz",
            "--max-file-size 64",
            valid_tgz.clone(),
            i,
            &["container.limit.file_size"],
        ),
        &["--max-file-size", "64"],
        1,
    ));
    c.push(with_args(
        case(
            "valid.tar.gz",
            "--max-total-size 4KiB",
            valid_tgz.clone(),
            i,
            &["container.limit.total_size"],
        ),
        &["--max-total-size", "4KiB"],
        1,
    ));
    c.push(case(
        "bomb.tar.gz",
        "17 MiB of zeros in one entry (ratio about 1000:1)",
        {
            let mut w = tar_writer(&valid_files());
            w.file("payload/zeros.bin", &vec![0u8; 17 << 20]);
            gzip(&w.finish())
        },
        i,
        &["container.limit.ratio"],
    ));

    // Manifest and hash lists.
    c.push(case(
        "manifest_absent.tar.gz",
        "no manifest.json (sha256s.txt re-hashed)",
        files_with(|f| {
            f.remove("manifest.json");
            rehash(f);
        }),
        i,
        &["manifest.absent"],
    ));
    c.push(case(
        "sha256s_absent.tar.gz",
        "no sha256s.txt",
        files_with(|f| {
            f.remove("sha256s.txt");
        }),
        i,
        &["manifest.sha256s.absent"],
    ));
    c.push(case(
        "file_changed.tar.gz",
        "one byte of response.json changed, lists untouched",
        files_with(|f| {
            let b = f.get_mut("response.json").unwrap();
            b[2] ^= 0x01;
        }),
        t,
        &["manifest.file.hash_mismatch"],
    ));
    c.push(case(
        "size_mismatch.tar.gz",
        "manifest.json states a wrong size (sha256s.txt re-hashed)",
        files_with(|f| {
            edit_manifest(f, |o| {
                if let Some(Value::Array(a)) = o.get("files").cloned() {
                    let mut a = a;
                    a[0].as_object_mut().unwrap().insert("size", 999u64);
                    o.insert("files", a);
                }
            })
        }),
        t,
        &["manifest.file.size_mismatch"],
    ));
    c.push(case(
        "file_missing.tar.gz",
        "request.json removed, lists untouched",
        files_with(|f| {
            f.remove("request.json");
        }),
        t,
        &["manifest.file.missing"],
    ));
    c.push(case(
        "file_unlisted.tar.gz",
        "an extra payload file added, lists untouched",
        files_with(|f| {
            f.insert("extra.txt".into(), b"added later\n".to_vec());
        }),
        t,
        &["manifest.file.unlisted"],
    ));
    c.push(case(
        "lists_disagree.tar.gz",
        "sha256s.txt re-hashed after response.json changed, manifest.json not",
        files_with(|f| {
            f.get_mut("response.json").unwrap()[2] ^= 0x01;
            rehash(f);
        }),
        t,
        &["manifest.file.hash_mismatch", "manifest.lists.disagree"],
    ));
    c.push(case(
        "manifest_duplicate.tar.gz",
        "manifest.json lists request.json twice",
        files_with(|f| {
            edit_manifest(f, |o| {
                let mut a = o.get("files").unwrap().as_array().unwrap().clone();
                a.push(a[0].clone());
                o.insert("files", a);
            })
        }),
        i,
        &["manifest.list.duplicate"],
    ));
    c.push(case(
        "sha256s_duplicate.tar.gz",
        "sha256s.txt lists request.json twice",
        files_with(|f| {
            let mut s = f["sha256s.txt"].clone();
            let first: Vec<u8> = s.split(|b| *b == b'\n').next().unwrap().to_vec();
            s.extend_from_slice(&first);
            s.push(b'\n');
            f.insert("sha256s.txt".into(), s);
        }),
        i,
        &["manifest.list.duplicate"],
    ));
    c.push(case(
        "schema_v2.tar.gz",
        "manifest.json declares schema if.emotion.bundle.manifest/v2",
        files_with(|f| {
            edit_manifest(f, |o| {
                o.insert("schema", "if.emotion.bundle.manifest/v2");
            })
        }),
        i,
        &["manifest.schema.unsupported"],
    ));
    c.push(case(
        "field_missing.tar.gz",
        "manifest.json without trace_id",
        files_with(|f| {
            edit_manifest(f, |o| {
                o.remove("trace_id");
            })
        }),
        i,
        &["manifest.field.missing"],
    ));
    c.push(case(
        "file_field_missing.tar.gz",
        "files[0] without sha256",
        files_with(|f| {
            edit_manifest(f, |o| {
                let mut a = o.get("files").unwrap().as_array().unwrap().clone();
                a[0].as_object_mut().unwrap().remove("sha256");
                o.insert("files", a);
            })
        }),
        i,
        &["manifest.field.missing"],
    ));
    c.push(case(
        "field_invalid.tar.gz",
        "files[1].sha256 in uppercase hex",
        files_with(|f| {
            edit_manifest(f, |o| {
                let mut a = o.get("files").unwrap().as_array().unwrap().clone();
                let h = a[1].get("sha256").unwrap().as_str().unwrap().to_uppercase();
                a[1].as_object_mut().unwrap().insert("sha256", h);
                o.insert("files", a);
            })
        }),
        i,
        &["manifest.field.invalid"],
    ));
    c.push(case(
        "dialect_unknown.tar.gz",
        "canonical_json names an unknown dialect",
        files_with(|f| {
            edit_manifest(f, |o| {
                o.insert("canonical_json", "sorted-ish");
            })
        }),
        i,
        &["manifest.field.invalid"],
    ));
    c.push(case(
        "manifest_parse.tar.gz",
        "manifest.json with a duplicate key (sha256s.txt re-hashed)",
        files_with(|f| {
            let mut m = f["manifest.json"].clone();
            let pos = m.iter().position(|b| *b == b'{').unwrap();
            m.splice(pos + 1..pos + 1, b"\"schema\":\"x\",".iter().copied());
            f.insert("manifest.json".into(), m);
            rehash(f);
        }),
        i,
        &["json.parse"],
    ));
    c.push(case(
        "manifest_path_invalid.tar.gz",
        "manifest.json lists ./request.json",
        files_with(|f| {
            edit_manifest(f, |o| {
                let mut a = o.get("files").unwrap().as_array().unwrap().clone();
                a[0].as_object_mut()
                    .unwrap()
                    .insert("path", "./request.json");
                o.insert("files", a);
            })
        }),
        i,
        &["manifest.path.invalid"],
    ));
    c.push(case(
        "sha256s_binary_marker.tar.gz",
        "a sha256s.txt line with the binary-mode `*` marker",
        files_with(|f| {
            let s = String::from_utf8(f["sha256s.txt"].clone()).unwrap();
            let s = s.replacen("  ", " *", 1);
            f.insert("sha256s.txt".into(), s.into_bytes());
        }),
        i,
        &["manifest.sha256s.syntax"],
    ));
    c.push(case(
        "sha256s_crlf.tar.gz",
        "sha256s.txt with CRLF line endings",
        files_with(|f| {
            let s = String::from_utf8(f["sha256s.txt"].clone()).unwrap();
            f.insert("sha256s.txt".into(), s.replace('\n', "\r\n").into_bytes());
        }),
        i,
        &["manifest.sha256s.syntax"],
    ));
    c
}
