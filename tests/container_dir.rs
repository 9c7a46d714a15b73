//! Directory bundles: the same rules as archives, without following links.

#[path = "support/archive.rs"]
mod archive;
#[path = "support/bundle_fixtures.rs"]
mod bundle_fixtures;

use std::path::Path;

use bundle_fixtures::{valid_files, Files};
use evv::container::{verify_path, Code, Limits, VerifyOptions};
use evv::manifest::Code as MCode;
use evv::verdict::{render_text, Code as AnyCode, Report};

fn write_bundle(root: &Path, files: &Files) {
    for (p, b) in files {
        let path = root.join("payload").join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, b).unwrap();
    }
}

fn verify(root: &Path, limits: Limits) -> Report {
    verify_path(
        root,
        &VerifyOptions {
            limits,
            ..VerifyOptions::default()
        },
    )
    .unwrap()
}

fn codes(r: &Report) -> Vec<AnyCode> {
    r.failure_codes()
}

#[test]
fn valid_directory_and_siblings_of_payload_are_ignored() {
    let d = tempfile::tempdir().unwrap();
    write_bundle(d.path(), &valid_files());
    std::fs::write(d.path().join("NOTES.txt"), b"not part of the bundle").unwrap();
    let r = verify(d.path(), Limits::default());
    assert_eq!(codes(&r), vec![], "{}", render_text(&r));
}

#[test]
fn symlinks_are_refused_never_followed() {
    let d = tempfile::tempdir().unwrap();
    write_bundle(d.path(), &valid_files());
    std::os::unix::fs::symlink("/etc/passwd", d.path().join("payload/passwd")).unwrap();
    std::os::unix::fs::symlink("..", d.path().join("payload/up")).unwrap();
    let r = verify(d.path(), Limits::default());
    assert_eq!(
        codes(&r),
        vec![AnyCode::from(Code::EntrySymlink)],
        "{}",
        render_text(&r)
    );
    assert_eq!(r.failures().count(), 2);
}

#[test]
fn payload_itself_as_symlink_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let real = tempfile::tempdir().unwrap();
    write_bundle(real.path(), &valid_files());
    std::os::unix::fs::symlink(real.path().join("payload"), d.path().join("payload")).unwrap();
    let r = verify(d.path(), Limits::default());
    assert!(r.has_failure(Code::EntrySymlink), "{}", render_text(&r));
}

#[test]
fn fifos_are_refused_without_opening_them() {
    let d = tempfile::tempdir().unwrap();
    write_bundle(d.path(), &valid_files());
    let fifo = d.path().join("payload/pipe");
    let ok = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(ok.success());
    let r = verify(d.path(), Limits::default());
    assert_eq!(
        codes(&r),
        vec![AnyCode::from(Code::EntrySpecial)],
        "{}",
        render_text(&r)
    );
}

#[test]
fn non_utf8_names_are_refused() {
    use std::os::unix::ffi::OsStrExt;
    let d = tempfile::tempdir().unwrap();
    write_bundle(d.path(), &valid_files());
    let name = std::ffi::OsStr::from_bytes(b"evil\xff.txt");
    std::fs::write(d.path().join("payload").join(name), b"x").unwrap();
    let r = verify(d.path(), Limits::default());
    assert_eq!(
        codes(&r),
        vec![AnyCode::from(Code::PathNotUtf8)],
        "{}",
        render_text(&r)
    );
}

#[test]
fn unlisted_and_changed_files_fail_like_archives() {
    let d = tempfile::tempdir().unwrap();
    write_bundle(d.path(), &valid_files());
    std::fs::write(d.path().join("payload/story/extra.md"), b"added").unwrap();
    std::fs::write(d.path().join("payload/request.json"), b"{}\n").unwrap();
    let r = verify(d.path(), Limits::default());
    assert_eq!(
        codes(&r),
        vec![
            AnyCode::from(MCode::FileSizeMismatch),
            AnyCode::from(MCode::FileHashMismatch),
            AnyCode::from(MCode::FileUnlisted),
        ],
        "{}",
        render_text(&r)
    );
}

#[test]
fn limits_apply_to_directories() {
    let d = tempfile::tempdir().unwrap();
    write_bundle(d.path(), &valid_files());
    let r = verify(
        d.path(),
        Limits {
            max_entries: 2,
            ..Limits::default()
        },
    );
    assert_eq!(codes(&r), vec![AnyCode::from(Code::LimitEntries)]);
    let r = verify(
        d.path(),
        Limits {
            max_file_size: 64,
            ..Limits::default()
        },
    );
    assert_eq!(codes(&r), vec![AnyCode::from(Code::LimitFileSize)]);
    let r = verify(
        d.path(),
        Limits {
            max_total_size: 300,
            ..Limits::default()
        },
    );
    assert_eq!(codes(&r), vec![AnyCode::from(Code::LimitTotalSize)]);
}

#[test]
fn a_directory_without_payload_is_not_a_bundle() {
    let d = tempfile::tempdir().unwrap();
    assert!(verify_path(d.path(), &VerifyOptions::default()).is_err());
}
