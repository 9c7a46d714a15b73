//! The bundle-basic fixture corpus: the complete valid IF.emotion bundle that
//! `bundle.rs` generates and signs (as .tar.gz, .tar and directory), and one tampered
//! archive per container or manifest mutation class, each with its expected status,
//! exit code and failure codes. `tests/container_fixtures.rs` regenerates these and
//! compares them with `testdata/bundle-basic/`.
//!
//! Division of labour: `bundle.rs` makes the valid payload and signs it (and is the
//! only code that holds the keys); `archive.rs` writes tar and gzip bytes; this file
//! applies one mutation per case. A mutation made "by the attacker" (no keys) leaves
//! every signature as it was, so the expectations include what the signed records
//! catch (e.g. an edited manifest.json breaks the completion record's binding).
#![allow(dead_code)]

use std::collections::BTreeMap;

use evv::canon::{self, Value};
use evv::crypto::trust::TrustStore;

use crate::archive::{gzip, header_block, Header, Magic, TarWriter, BLOCK};
use crate::bundle::{self as gen, Bundle, Params};

/// Payload files by path relative to `payload/`.
pub type Files = BTreeMap<String, Vec<u8>>;

/// The corpus's trust file (the fixture keys of `bundle.rs`), relative to the crate root.
pub const TRUST_PATH: &str = "testdata/bundle-basic/trust.json";

/// The valid bundle: the accepted request of `bundle.rs`, signed with its fixture keys.
pub fn valid_bundle() -> Bundle {
    gen::build(&Params::accepted(), &gen::keys())
}

/// A bundle's files relative to `payload/`.
pub fn files_of(b: &Bundle) -> Files {
    b.files
        .iter()
        .map(|(p, d)| {
            let rel = p
                .strip_prefix("payload/")
                .expect("bundle paths start with payload/");
            (rel.to_string(), d.clone())
        })
        .collect()
}

/// Files relative to `payload/` as a bundle of the valid bundle's parameters.
pub fn bundle_of(files: &Files) -> Bundle {
    Bundle {
        files: files
            .iter()
            .map(|(p, d)| (format!("payload/{p}"), d.clone()))
            .collect(),
        params: Params::accepted(),
    }
}

/// The complete valid payload.
pub fn valid_files() -> Files {
    files_of(&valid_bundle())
}

/// The keys an auditor pins for this corpus.
pub fn trust() -> TrustStore {
    gen::keys().trust()
}

/// The bytes of `testdata/bundle-basic/trust.json`.
pub fn trust_json() -> Vec<u8> {
    gen::keys().trust_json().into_bytes()
}

/// Pretty JSON with a trailing newline (the generator's layout).
pub fn json_bytes(v: &Value) -> Vec<u8> {
    let mut s = canon::to_pretty(v).into_bytes();
    s.push(b'\n');
    s
}

/// Recomputes sha256s.txt from the current files (anyone can; it is not signed).
pub fn rehash(files: &mut Files) {
    let mut b = bundle_of(files);
    gen::reseal_sums(&mut b);
    *files = files_of(&b);
}

/// The attacker's manifest edit: edits manifest.json as JSON, then re-hashes
/// sha256s.txt. The completion record still binds the old manifest bytes.
pub fn edit_manifest(files: &mut Files, edit: impl FnOnce(&mut canon::Object)) {
    let mut v = canon::parse(&files["manifest.json"]).unwrap();
    edit(v.as_object_mut().unwrap());
    files.insert("manifest.json".into(), json_bytes(&v));
    rehash(files);
}

/// An honest producer's change: `edit` the bundle, then re-sign the completion
/// record over the manifest as it now is, and rewrite sha256s.txt.
pub fn producer_edit(edit: impl FnOnce(&mut Bundle)) -> Files {
    let mut b = valid_bundle();
    edit(&mut b);
    gen::reseal_record(&mut b, &gen::keys());
    files_of(&b)
}

/// A tar writer holding `payload/`, its sub-directories and files (sorted); each file
/// is written by `put` (given the full name); not finished.
pub fn tar_writer_by(files: &Files, mut put: impl FnMut(&mut TarWriter, &str, &[u8])) -> TarWriter {
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
        put(&mut w, &format!("payload/{p}"), b);
    }
    w
}

/// A tar writer holding `payload/`, its sub-directories and files, sorted; not finished.
pub fn tar_writer(files: &Files) -> TarWriter {
    tar_writer_by(files, |w, name, b| {
        w.file(name, b);
    })
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
    /// Whether the case runs with the corpus's pinned keys (`--trust TRUST_PATH`,
    /// before `args`). True unless authenticity is what the case is about.
    pub trusted: bool,
    /// Extra `evv verify` arguments.
    pub args: Vec<String>,
    /// Expected status word.
    pub status: &'static str,
    /// Expected exit code.
    pub exit: i32,
    /// Expected failing codes (compared as sets).
    pub codes: Vec<&'static str>,
    /// The mutation, for the README.
    pub what: &'static str,
}

impl Case {
    /// Every `evv verify` argument before the path.
    pub fn cli_args(&self) -> Vec<String> {
        let mut a = Vec::new();
        if self.trusted {
            a.push("--trust".to_string());
            a.push(TRUST_PATH.to_string());
        }
        a.extend(self.args.iter().cloned());
        a
    }
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
        trusted: true,
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

fn untrusted(mut c: Case) -> Case {
    c.trusted = false;
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
    evv::crypto::hash::sha256_hex(&tgz_of(&valid_files()))
}

/// Replaces `files[i]` of the manifest (a JSON array) through `f`.
fn edit_file_entry(o: &mut canon::Object, i: usize, f: impl FnOnce(&mut canon::Object)) {
    let mut a = o.get("files").unwrap().as_array().unwrap().clone();
    f(a[i].as_object_mut().unwrap());
    o.insert("files", a);
}

/// The completion record's manifest binding, which every attacker edit of
/// manifest.json breaks.
const BINDING: &str = "bundle.record.binding_mismatch";

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
    c.push(untrusted(case(
        "valid.tar.gz",
        "the valid bundle without pinned keys: every signature verifies, none is authentic",
        valid_tgz.clone(),
        "UNVERIFIED",
        &["sig.key_not_pinned"],
    )));
    c.push(case(
        "valid_long_names.tar.gz",
        "valid: the producer adds two files with 120-byte names, one written via a pax path record, one via a GNU long name",
        {
            let long_a = format!("deep/{}.json", "a".repeat(110));
            let long_b = format!("deep/{}.json", "b".repeat(110));
            let mut b = valid_bundle();
            b.files
                .insert(format!("payload/{long_a}"), b"{\"pax\":true}\n".to_vec());
            b.files
                .insert(format!("payload/{long_b}"), b"{\"gnu\":true}\n".to_vec());
            gen::reseal(&mut b, &gen::keys());
            let gnu = format!("payload/{long_b}");
            let mut w = tar_writer_by(&files_of(&b), |w, name, data| {
                if name == gnu {
                    w.gnu_long_name(name.as_bytes());
                    let mut h = Header::file(b"././@LongLink", data.len() as u64);
                    h.magic = Magic::Gnu;
                    w.entry(&h, data);
                } else {
                    w.file(name, data);
                }
            });
            gzip(&w.finish())
        },
        v,
        &[],
    ));
    c.push(case(
        "valid_unknown_field.tar.gz",
        "valid with a warning: the producer's manifest.json carries an extra top-level field (record signed over it)",
        tgz_of(&producer_edit(|b| {
            let mut m = gen::json(b, "payload/manifest.json");
            m.as_object_mut().unwrap().insert("producer_note", "x");
            gen::put_json(b, "payload/manifest.json", &m);
        })),
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

    // Container: names and entry types (entries appended after the valid files).
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
        "a FIFO payload/pipe (devices, type 3 and 4, are refused the same way)",
        tgz_plus(|w| {
            w.entry(&Header::of_type(b"payload/pipe", b'6'), &[]);
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

    // Container: structure. Faults that stop reading leave the manifest and bundle
    // checks unrun, so they are the only codes.
    c.push(case(
        "truncated.tar.gz",
        "the .tar.gz cut to half its length",
        valid_tgz[..valid_tgz.len() / 2].to_vec(),
        i,
        &["container.truncated"],
    ));
    c.push(case(
        "truncated_data.tar",
        "a plain tar cut inside the first file's data",
        valid_tar[..3 * BLOCK + 10].to_vec(),
        i,
        &["container.truncated"],
    ));
    c.push(case(
        "no_end_marker.tar.gz",
        "a tar without the two zero blocks",
        gzip(&tar_writer(&valid_files()).unfinished()),
        i,
        &["container.truncated"],
    ));
    c.push(case(
        "data_after_end.tar.gz",
        "a non-zero byte in the zero padding after the end-of-archive marker",
        {
            let mut b = valid_tar.clone();
            let n = b.len();
            b[n - 1] = b'!';
            gzip(&b)
        },
        t,
        &["container.data_after_end"],
    ));
    c.push(case(
        "hidden_after_zero_block.tar.gz",
        "an entry hidden after a single zero block",
        {
            let mut w = tar_writer(&valid_files());
            w.raw(&[0u8; BLOCK]);
            w.file("payload/hidden.txt", b"x");
            gzip(&w.finish())
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
        "header_checksum.tar.gz",
        "a header byte changed without fixing the checksum",
        {
            let mut b = valid_tar.clone();
            b[BLOCK + 9] ^= 0x20; // the name of the second header
            gzip(&b)
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
        "no manifest.json (sha256s.txt re-hashed): the record binds a manifest that is gone",
        files_with(|f| {
            f.remove("manifest.json");
            rehash(f);
        }),
        t,
        &[
            "manifest.absent",
            "bundle.manifest_unusable",
            "bundle.children.path_unknown",
            BINDING,
        ],
    ));
    c.push(case(
        "sha256s_absent.tar.gz",
        "no sha256s.txt (nothing signed binds it)",
        files_with(|f| {
            f.remove("sha256s.txt");
        }),
        i,
        &["manifest.sha256s.absent"],
    ));
    c.push(case(
        "file_changed.tar.gz",
        "one byte of response.txt changed, lists untouched",
        files_with(|f| {
            f.get_mut("response.txt").unwrap()[2] ^= 0x01;
        }),
        t,
        &[
            "manifest.file.hash_mismatch",
            "bundle.contract.trace_sig_invalid",
            "bundle.artifact.hash_mismatch",
            "bundle.children.hash_mismatch",
        ],
    ));
    c.push(case(
        "size_mismatch.tar.gz",
        "manifest.json states a wrong size (sha256s.txt re-hashed)",
        files_with(|f| {
            edit_manifest(f, |o| {
                edit_file_entry(o, 0, |e| {
                    e.insert("size", 999u64);
                })
            })
        }),
        t,
        &["manifest.file.size_mismatch", BINDING],
    ));
    c.push(case(
        "file_missing.tar.gz",
        "request.json removed, lists untouched",
        files_with(|f| {
            f.remove("request.json");
        }),
        t,
        &["manifest.file.missing", "bundle.file_missing"],
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
        "record_unlisted.tar.gz",
        "sha256s.txt without its ttt_signed_record.json line (only manifest.json may omit it)",
        files_with(|f| {
            let s = String::from_utf8(f["sha256s.txt"].clone()).unwrap();
            let s: String = s
                .lines()
                .filter(|l| !l.ends_with("  ttt_signed_record.json"))
                .map(|l| format!("{l}\n"))
                .collect();
            f.insert("sha256s.txt".into(), s.into_bytes());
        }),
        t,
        &["manifest.file.unlisted"],
    ));
    c.push(case(
        "lists_disagree.tar.gz",
        "a narration byte of if_story.md changed and sha256s.txt re-hashed, manifest.json not",
        files_with(|f| {
            let s = f.get_mut("if_story.md").unwrap();
            let eol = s.iter().position(|b| *b == b'\n').unwrap();
            s[eol - 1] ^= 0x01;
            rehash(f);
        }),
        t,
        &[
            "manifest.file.hash_mismatch",
            "manifest.lists.disagree",
            "bundle.children.hash_mismatch",
        ],
    ));
    c.push(case(
        "manifest_rehashed.tar.gz",
        "created_at edited in manifest.json, sha256s.txt re-hashed: only the signed record's manifest binding notices",
        files_with(|f| {
            edit_manifest(f, |o| {
                o.insert("created_at", "2026-11-23T19:05:10Z");
            })
        }),
        t,
        &[BINDING],
    ));
    c.push(case(
        "manifest_duplicate.tar.gz",
        "manifest.json lists if_story.md twice (sha256s.txt re-hashed)",
        files_with(|f| {
            edit_manifest(f, |o| {
                let mut a = o.get("files").unwrap().as_array().unwrap().clone();
                a.push(a[0].clone());
                o.insert("files", a);
            })
        }),
        t,
        &["manifest.list.duplicate", BINDING],
    ));
    c.push(case(
        "sha256s_duplicate.tar.gz",
        "sha256s.txt lists if_story.md twice",
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
        "manifest.json declares schema if.emotion.bundle.manifest/v2 (sha256s.txt re-hashed)",
        files_with(|f| {
            edit_manifest(f, |o| {
                o.insert("schema", "if.emotion.bundle.manifest/v2");
            })
        }),
        t,
        &[
            "manifest.schema.unsupported",
            "bundle.manifest_unusable",
            "bundle.children.path_unknown",
            BINDING,
        ],
    ));
    c.push(case(
        "field_missing.tar.gz",
        "manifest.json without trace_id (sha256s.txt re-hashed)",
        files_with(|f| {
            edit_manifest(f, |o| {
                o.remove("trace_id");
            })
        }),
        t,
        &[
            "manifest.field.missing",
            "bundle.manifest_unusable",
            BINDING,
        ],
    ));
    c.push(case(
        "file_field_missing.tar.gz",
        "files[0] (if_story.md) without sha256 (sha256s.txt re-hashed)",
        files_with(|f| {
            edit_manifest(f, |o| {
                edit_file_entry(o, 0, |e| {
                    e.remove("sha256");
                })
            })
        }),
        t,
        &[
            "manifest.field.missing",
            "bundle.children.path_unknown",
            BINDING,
        ],
    ));
    c.push(case(
        "field_invalid.tar.gz",
        "files[1].sha256 in uppercase hex (sha256s.txt re-hashed)",
        files_with(|f| {
            edit_manifest(f, |o| {
                edit_file_entry(o, 1, |e| {
                    let h = e.get("sha256").unwrap().as_str().unwrap().to_uppercase();
                    e.insert("sha256", h);
                })
            })
        }),
        t,
        &["manifest.field.invalid", BINDING],
    ));
    c.push(case(
        "dialect_unknown.tar.gz",
        "canonical_json names an unknown dialect (sha256s.txt re-hashed)",
        files_with(|f| {
            edit_manifest(f, |o| {
                o.insert("canonical_json", "sorted-ish");
            })
        }),
        t,
        &[
            "manifest.field.invalid",
            "bundle.manifest_unusable",
            BINDING,
        ],
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
        t,
        &[
            "json.parse",
            "bundle.manifest_unusable",
            "bundle.children.path_unknown",
            BINDING,
        ],
    ));
    c.push(case(
        "manifest_path_invalid.tar.gz",
        "manifest.json lists ./if_story.md (sha256s.txt re-hashed)",
        files_with(|f| {
            edit_manifest(f, |o| {
                edit_file_entry(o, 0, |e| {
                    e.insert("path", "./if_story.md");
                })
            })
        }),
        t,
        &[
            "manifest.path.invalid",
            "bundle.children.path_unknown",
            BINDING,
        ],
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
    c
}
