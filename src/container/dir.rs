//! Directory input: `PATH/payload` walked without following links.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::path::{self, display_bytes, Checked, Seen};
use super::{Code, EntrySink, FileRecord, Format, Limits, OpenError, Summary};
use crate::verdict::{InputCode, Report, Subject};

/// One entry found by the walk.
struct Found {
    rel: String,
    full: PathBuf,
}

/// Reads a directory bundle. Only `PATH/payload` is read; anything else in `PATH`
/// is not part of the bundle. Files are offered to the sink in byte-wise order of
/// their relative paths.
pub(crate) fn read_dir(
    root: &Path,
    limits: &Limits,
    sink: &mut dyn EntrySink,
    report: &mut Report,
) -> Result<Summary, OpenError> {
    let payload = root.join("payload");
    let meta = fs::symlink_metadata(&payload).map_err(|_| {
        OpenError::Unrecognized(format!(
            "{}: a directory must hold payload/ to be verified as a bundle",
            root.display()
        ))
    })?;
    let mut summary = Summary {
        format: Format::Directory,
        records: Vec::new(),
        tarball_sha256: None,
        input_bytes: 0,
        complete: false,
    };
    if meta.file_type().is_symlink() || !meta.is_dir() {
        let code = if meta.file_type().is_symlink() {
            Code::EntrySymlink
        } else {
            Code::PathOutsidePayload
        };
        report.fail(
            code,
            Subject::file("payload"),
            "payload is not a directory; nothing was read",
        );
        return Ok(summary);
    }
    let mut files = Vec::new();
    let mut entries: u64 = 0;
    let mut declared: u64 = 0;
    if let Err(f) = walk(
        &payload,
        "payload",
        limits,
        report,
        &mut files,
        &mut entries,
        &mut declared,
    ) {
        report.fail(f.0, Subject::file(f.1), f.2);
        return Ok(summary);
    }
    files.sort_by(|a, b| a.rel.as_bytes().cmp(b.rel.as_bytes()));
    let mut seen = Seen::default();
    for f in files {
        if let Err(why) = seen.add_file(&f.rel) {
            report.fail(Code::PathDuplicate, Subject::file(f.rel.clone()), why);
            continue;
        }
        match stream_file(&f, limits, sink, report) {
            Ok(Some(rec)) => summary.records.push(rec),
            Ok(None) => {}
            Err((code, msg)) => {
                report.fail(code, Subject::file(f.rel.clone()), msg);
                return Ok(summary);
            }
        }
    }
    report.pass(
        InputCode::Read,
        Subject::file(""),
        format!(
            "read {entries} directory entries: {} payload files, {} bytes",
            summary.records.len(),
            summary.records.iter().map(|r| r.size).sum::<u64>()
        ),
    );
    summary.complete = true;
    Ok(summary)
}

type Stop = (crate::verdict::Code, String, String);

fn walk(
    dir: &Path,
    rel: &str,
    limits: &Limits,
    report: &mut Report,
    files: &mut Vec<Found>,
    entries: &mut u64,
    declared: &mut u64,
) -> Result<(), Stop> {
    let rd = fs::read_dir(dir).map_err(|e| {
        (
            InputCode::Read.into(),
            rel.to_string(),
            format!("cannot list directory: {e}"),
        )
    })?;
    let mut names = Vec::new();
    for e in rd {
        let e = e.map_err(|e| {
            (
                InputCode::Read.into(),
                rel.to_string(),
                format!("cannot list directory: {e}"),
            )
        })?;
        names.push(e.file_name());
    }
    names.sort_by(|a, b| a.as_encoded_bytes().cmp(b.as_encoded_bytes()));
    for name in names {
        *entries += 1;
        if *entries > limits.max_entries {
            return Err((
                Code::LimitEntries.into(),
                rel.to_string(),
                format!(
                    "more than --max-entries {} directory entries",
                    limits.max_entries
                ),
            ));
        }
        let raw = name.as_encoded_bytes();
        let mut joined = rel.as_bytes().to_vec();
        joined.push(b'/');
        joined.extend_from_slice(raw);
        let shown = display_bytes(&joined);
        let full = dir.join(&name);
        let p = match path::check(&joined) {
            Ok(Checked::Payload(p)) => p,
            Ok(_) => shown.clone(),
            Err(r) => {
                report.fail(r.code, Subject::file(shown), r.why);
                continue;
            }
        };
        let meta = match fs::symlink_metadata(&full) {
            Ok(m) => m,
            Err(e) => {
                report.fail(
                    InputCode::Read,
                    Subject::file(p),
                    format!("cannot stat: {e}"),
                );
                continue;
            }
        };
        let ft = meta.file_type();
        if ft.is_symlink() {
            let target = fs::read_link(&full)
                .map(|t| t.to_string_lossy().into_owned())
                .unwrap_or_default();
            report.fail(
                Code::EntrySymlink,
                Subject::file(p),
                format!("a symbolic link to `{target}`"),
            );
        } else if ft.is_dir() {
            walk(&full, &p, limits, report, files, entries, declared)?;
        } else if ft.is_file() {
            let size = meta.len();
            if size > limits.max_file_size {
                return Err((
                    Code::LimitFileSize.into(),
                    p,
                    format!(
                        "the file has {size} bytes, beyond --max-file-size {}",
                        limits.max_file_size
                    ),
                ));
            }
            *declared = declared.saturating_add(size);
            if *declared > limits.max_total_size {
                return Err((
                    Code::LimitTotalSize.into(),
                    p,
                    format!(
                        "payload files exceed --max-total-size {}",
                        limits.max_total_size
                    ),
                ));
            }
            files.push(Found { rel: p, full });
        } else {
            report.fail(
                Code::EntrySpecial,
                Subject::file(p),
                "a device, FIFO or socket",
            );
        }
    }
    Ok(())
}

/// Streams one regular file; `Ok(None)` when it was refused (a finding was made).
fn stream_file(
    f: &Found,
    limits: &Limits,
    sink: &mut dyn EntrySink,
    report: &mut Report,
) -> Result<Option<FileRecord>, (crate::verdict::Code, String)> {
    let file = match fs::File::open(&f.full) {
        Ok(x) => x,
        Err(e) => {
            report.fail(
                InputCode::Read,
                Subject::file(f.rel.clone()),
                format!("cannot open: {e}"),
            );
            return Ok(None);
        }
    };
    let meta = match file.metadata() {
        Ok(m) if m.is_file() => m,
        _ => {
            report.fail(
                Code::EntrySpecial,
                Subject::file(f.rel.clone()),
                "the entry changed into something other than a regular file while being read",
            );
            return Ok(None);
        }
    };
    let size = meta.len();
    if size > limits.max_file_size {
        return Err((
            Code::LimitFileSize.into(),
            format!(
                "the file has {size} bytes, beyond --max-file-size {}",
                limits.max_file_size
            ),
        ));
    }
    let mut rdr = HashingFile {
        inner: std::io::BufReader::with_capacity(super::stream::BUF_SIZE, file).take(size),
        hasher: Sha256::new(),
        got: 0,
    };
    if let Err(e) = sink.file(&f.rel, size, &mut rdr) {
        report.fail(
            InputCode::Read,
            Subject::file(f.rel.clone()),
            format!("the file could not be read or processed: {e}"),
        );
        return Ok(None);
    }
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match rdr.read(&mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                report.fail(
                    InputCode::Read,
                    Subject::file(f.rel.clone()),
                    format!("read error: {e}"),
                );
                return Ok(None);
            }
        }
    }
    let mut more = [0u8; 1];
    let grew = rdr
        .inner
        .get_mut()
        .read(&mut more)
        .map(|n| n > 0)
        .unwrap_or(false);
    if rdr.got != size || grew {
        report.fail(
            InputCode::Read,
            Subject::file(f.rel.clone()),
            format!("the file changed size while being read (expected {size} bytes)"),
        );
        return Ok(None);
    }
    Ok(Some(FileRecord {
        path: f.rel.clone(),
        size,
        sha256: rdr.hasher.finalize().into(),
    }))
}

struct HashingFile<R> {
    inner: R,
    hasher: Sha256,
    got: u64,
}

impl<R: Read> Read for HashingFile<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.got += n as u64;
        Ok(n)
    }
}
