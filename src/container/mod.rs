//! Reading evidence containers (gzip tar, plain tar, directory) safely and in one pass.
//!
//! The reader never extracts anything: each regular file under `payload/` is offered
//! to an [`EntrySink`] as a stream, hashed while the sink reads it, and drained to the
//! end afterwards so the recorded SHA-256 and size always cover the whole entry.
//!
//! The format is recognised from content (gzip magic `1f 8b`, the ustar magic at
//! offset 257, or a directory), never from the file name. Every byte of a file input
//! is hashed exactly once as it is read (the "tarball hash"), in the same pass that
//! inflates and parses it. The exact rules are in SPEC.md §3.

use std::io::Read;
use std::path::Path;

mod dir;
mod entry;
pub mod lines;
mod path;
mod stream;
pub use stream::BYTES_READ;
mod tar;
mod verify;
mod whole;
pub use whole::{read_whole, PARALLEL_READ_MIN};

pub use path::{check as check_path, display_bytes, Checked, PathRefusal};
pub use verify::{verify_archive, verify_path, verify_path_full, Verification, VerifyOptions};

use crate::verdict::{InputCode, Report, Subject};

crate::define_codes! {
    /// Codes of the container reader.
    pub enum Code {
        /// The tarball's SHA-256 differs from `--expect-sha256`.
        Sha256Mismatch = ("container.sha256_mismatch", ContainerHash,
            "The SHA-256 of the exact input bytes was compared with the value the auditor expected (--expect-sha256 or a detached record). A mismatch means this is not the archive that was vouched for; inner checks may still hold. Obtain the archive again from the custodian."),
        /// An entry name starts with `/`.
        PathAbsolute = ("container.path.absolute", Malformed,
            "Every archive entry name was checked to be relative. An absolute name could make an extracting tool write outside the target directory; no honest bundle producer writes one. The entry was refused and not verified; treat the archive as hostile and do not extract it with other tools."),
        /// An entry name has a `..` component.
        PathDotDot = ("container.path.dotdot", Malformed,
            "Every archive entry name was checked for `..` components. Such a name escapes the bundle directory when extracted (path traversal); no honest bundle producer writes one. The entry was refused; treat the archive as hostile and do not extract it with other tools."),
        /// An entry lies outside `payload/`.
        PathOutsidePayload = ("container.path.outside_payload", Malformed,
            "A bundle holds its evidence under payload/ and nothing else (apart from directory entries for the root and payload/). An entry elsewhere is not covered by the manifest and could mislead a reader. The entry was refused; ask the producer why the archive carries it."),
        /// An entry name is not UTF-8.
        PathNotUtf8 = ("container.path.not_utf8", Malformed,
            "Entry names must be valid UTF-8 so that a name in the archive, in manifest.json and in sha256s.txt denote the same file. A name that is not UTF-8 cannot be matched unambiguously. The entry was refused; the producer must use UTF-8 names."),
        /// An entry name is empty or has a forbidden character.
        PathInvalid = ("container.path.invalid", Malformed,
            "Entry names must be non-empty and free of control characters (U+0000 to U+001F, U+007F) and backslashes, which different tools interpret differently (a backslash is a separator on Windows). The entry was refused; the producer must use plain names."),
        /// Two entries have the same normalised path, or a path is both file and directory.
        PathDuplicate = ("container.path.duplicate", Integrity,
            "Entry names were normalised (leading ./ and repeated or trailing slashes removed) and compared. Two entries with one name, or a name that is both a file and a directory, give the same path two contents: which one a tool sees depends on the tool, a classic way to smuggle a replacement file into an archive (tar -r appends). Only the first entry was verified; treat the archive as tampered."),
        /// A symbolic link entry.
        EntrySymlink = ("container.entry.symlink", Malformed,
            "Bundles contain only regular files and directories. A symbolic link can point anywhere on the auditor's machine and its target is not evidence; evv never follows it. The entry was refused; ask the producer for a bundle without links."),
        /// A hard link entry.
        EntryHardlink = ("container.entry.hardlink", Malformed,
            "Bundles contain only regular files and directories. A hard-link entry has no content of its own and names another path, which extracting tools resolve in different ways. The entry was refused; ask the producer for a bundle without links."),
        /// A device or FIFO entry.
        EntrySpecial = ("container.entry.special", Malformed,
            "Bundles contain only regular files and directories. Character and block devices, FIFOs and sockets are not evidence and are dangerous to extract or open. The entry was refused; ask the producer for a plain bundle."),
        /// An entry type evv does not read (sparse, contiguous, volume, multi-volume...).
        EntryUnsupported = ("container.entry.unsupported", Malformed,
            "The entry's tar type (for example a GNU sparse file, a contiguous file, a volume label, a multi-volume continuation, or a pax header that changes paths or sizes globally) is not one evv reads, so its bytes cannot be verified as they would be extracted. The entry was refused; ask the producer for a plain ustar, pax or GNU archive."),
        /// The archive ends early.
        Truncated = ("container.truncated", Malformed,
            "The archive was read to its end-of-archive marker (two zero blocks) and, for gzip, to the end of its member with CRC and length. A truncated archive ends earlier: inside a header, inside an entry's data, before the marker, or inside the gzip stream. Files after the cut were never seen, so nothing about completeness can be concluded. Obtain the full archive again."),
        /// Bytes other than zero padding after the end of the archive.
        DataAfterEnd = ("container.data_after_end", Integrity,
            "After the tar end-of-archive marker only zero bytes may follow inside the (first) gzip member, and nothing at all may follow the gzip member in the file. Anything else (more tar blocks, a second gzip member, appended bytes) is content a simple reader never shows but another tool may, a way to hide or substitute evidence. Treat the archive as tampered."),
        /// A tar header's checksum is wrong.
        HeaderChecksum = ("container.tar.header_checksum", Integrity,
            "Each tar header's checksum field was compared with the unsigned byte sum of the header (checksum field counted as spaces). A mismatch means the header bytes were changed after the archive was written. Reading stopped at that header; treat the archive as tampered."),
        /// A tar header is not well-formed.
        HeaderInvalid = ("container.tar.header_invalid", Malformed,
            "Each tar header must carry the ustar or GNU magic, numeric fields in octal or GNU base-256, well-formed pax records, and extension headers (pax x, GNU L and K) of at most 1 MiB that are followed by the entry they describe. A header that is not well-formed cannot be read unambiguously; reading stopped there. The archive is malformed; ask the producer for a standard ustar, pax or GNU archive."),
        /// The gzip stream is not well-formed.
        GzipCorrupt = ("container.gzip.corrupt", Malformed,
            "The gzip header (method deflate, no reserved flags, valid header CRC when present) and the deflate data were decoded. A corrupt stream cannot be inflated; nothing after the corruption was read. Obtain the archive again; if it was transferred intact, the producer wrote a broken file."),
        /// The gzip trailer's CRC-32 or length differs from the inflated data.
        GzipCrcMismatch = ("container.gzip.crc_mismatch", Integrity,
            "The gzip trailer's CRC-32 and length (ISIZE) were compared with the inflated bytes. A mismatch means the compressed data was changed after it was written. Treat the archive as tampered."),
        /// Too many entries.
        LimitEntries = ("container.limit.entries", Malformed,
            "The number of tar headers (or directory entries) was limited (--max-entries, default 100000) to bound time and memory. Reading stopped when the limit was passed, so the bundle was not verified. If the bundle is legitimately that large, re-run with a higher --max-entries."),
        /// A file is larger than allowed.
        LimitFileSize = ("container.limit.file_size", Malformed,
            "Each file's declared size was compared with --max-file-size (default 8 GiB) before any of its data was read, so a header declaring terabytes fails at once. Reading stopped; the bundle was not verified. If the file is legitimately that large, re-run with a higher --max-file-size."),
        /// The uncompressed archive is larger than allowed.
        LimitTotalSize = ("container.limit.total_size", Malformed,
            "The uncompressed size of the archive (every tar block, padding included; for directories the sum of file sizes) was limited by --max-total-size (default 32 GiB), checked against declared sizes before reading and against bytes actually read. Reading stopped; the bundle was not verified. If it is legitimately that large, re-run with a higher --max-total-size."),
        /// The compression ratio exceeds the limit (a decompression bomb).
        LimitRatio = ("container.limit.ratio", Malformed,
            "Once more than 16 MiB had been inflated, the inflated size was compared with --max-ratio (default 200) times the compressed bytes consumed. A larger ratio is the signature of a decompression bomb; inflating stopped and the bundle was not verified. If the data is legitimately that compressible, re-run with a higher --max-ratio."),
    }
}

/// The record of one payload file as it streamed past.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileRecord {
    /// Path relative to the bundle root, `/`-separated, normalised (e.g. `payload/a.json`).
    pub path: String,
    /// Bytes in the entry.
    pub size: u64,
    /// SHA-256 of the entry's bytes.
    pub sha256: [u8; 32],
}

/// Receives the payload files of a container, in archive order (directories: sorted
/// by path). Implementations read as much of `data` as they need; the container
/// drains and hashes the rest.
///
/// An error returned by `data` is the container's (truncation, limit, I/O): the
/// container reports it and stops. Any other error a sink returns is reported as
/// `input.read` on that file, and reading continues with the next entry. Sinks record
/// their own findings about content; they should not return errors for bad content.
pub trait EntrySink {
    /// One regular file. `path` is normalised and relative (`payload/...`).
    fn file(&mut self, path: &str, size: u64, data: &mut dyn Read) -> std::io::Result<()>;
}

/// A sink that ignores every file (the container still hashes them).
#[derive(Clone, Copy, Debug, Default)]
pub struct NullSink;

impl EntrySink for NullSink {
    fn file(&mut self, _: &str, _: u64, _: &mut dyn Read) -> std::io::Result<()> {
        Ok(())
    }
}

/// Resource limits against archive bombs (SPEC.md §3.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most tar headers (extension headers included) or directory entries.
    pub max_entries: u64,
    /// Largest declared size of one file, in bytes.
    pub max_file_size: u64,
    /// Largest uncompressed archive (tar stream bytes, or sum of file sizes), in bytes.
    pub max_total_size: u64,
    /// Largest ratio of inflated bytes to compressed bytes (gzip only), checked once
    /// more than [`RATIO_FLOOR`] bytes were inflated.
    pub max_ratio: u64,
}

/// Inflated bytes below which the ratio limit does not apply (small archives of
/// mostly zero padding compress far beyond any sane ratio).
pub const RATIO_FLOOR: u64 = 16 * 1024 * 1024;
/// Largest pax or GNU long-name/long-link extension header evv reads.
pub const MAX_META_SIZE: u64 = 1024 * 1024;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: 100_000,
            max_file_size: 8 << 30,
            max_total_size: 32 << 30,
            max_ratio: 200,
        }
    }
}

/// What the input turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// gzip-compressed tar.
    TarGzip,
    /// Plain tar.
    Tar,
    /// A directory holding `payload/`.
    Directory,
}

impl Format {
    /// Stable name used in facts (`tar+gzip`, `tar`, `directory`).
    pub const fn name(self) -> &'static str {
        match self {
            Format::TarGzip => "tar+gzip",
            Format::Tar => "tar",
            Format::Directory => "directory",
        }
    }
}

/// Why a container could not be opened at all (exit 2; no verdict).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpenError {
    /// The path could not be opened or read.
    Io(String),
    /// The input is neither a gzip stream, a tar archive nor a directory with `payload/`.
    Unrecognized(String),
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenError::Io(s) | OpenError::Unrecognized(s) => f.write_str(s),
        }
    }
}
impl std::error::Error for OpenError {}

/// What reading a container produced besides findings.
#[derive(Clone, Debug)]
pub struct Summary {
    /// The recognised format.
    pub format: Format,
    /// Every accepted payload file, in the order it was read.
    pub records: Vec<FileRecord>,
    /// SHA-256 of the exact input bytes (files only).
    pub tarball_sha256: Option<[u8; 32]>,
    /// Number of input bytes (files only).
    pub input_bytes: u64,
    /// True when the container was read to its end; false when reading stopped at a
    /// fault (truncation, corrupt header or stream, limit), so that completeness
    /// checks over [`Summary::records`] would be meaningless.
    pub complete: bool,
}

/// Detects the format of `path` and reads it, feeding payload files to `sink` and
/// recording container findings in `report`. Only an input that cannot be opened
/// or recognised at all is an error; everything wrong inside is a finding.
pub fn read_path(
    path: &Path,
    limits: &Limits,
    sink: &mut dyn EntrySink,
    report: &mut Report,
) -> Result<Summary, OpenError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| OpenError::Io(format!("cannot open {}: {e}", path.display())))?;
    if meta.is_dir() {
        return dir::read_dir(path, limits, sink, report);
    }
    let file = std::fs::File::open(path)
        .map_err(|e| OpenError::Io(format!("cannot open {}: {e}", path.display())))?;
    read_archive(file, limits, sink, report).map_err(|e| match e {
        OpenError::Unrecognized(m) => OpenError::Unrecognized(format!("{}: {m}", path.display())),
        OpenError::Io(m) => OpenError::Io(format!("cannot read {}: {m}", path.display())),
    })
}

/// Reads a gzip-compressed or plain tar archive from any reader (detected from its
/// first bytes). Used by [`read_path`], and by tests and fuzzers on in-memory bytes.
pub fn read_archive<R: Read + Send>(
    input: R,
    limits: &Limits,
    sink: &mut dyn EntrySink,
    report: &mut Report,
) -> Result<Summary, OpenError> {
    std::thread::scope(|scope| {
        let raw = stream::Raw::spawn(scope, input);
        read_stream(raw, limits, sink, report)
    })
}

fn read_stream(
    mut raw: stream::Raw<'_>,
    limits: &Limits,
    sink: &mut dyn EntrySink,
    report: &mut Report,
) -> Result<Summary, OpenError> {
    let head = raw.peek(512).map_err(|f| OpenError::Io(f.message))?;
    let format = if head.len() >= 2 && head[0] == 0x1f && head[1] == 0x8b {
        Format::TarGzip
    } else if head.len() >= 262 && &head[257..262] == b"ustar" {
        Format::Tar
    } else {
        return Err(OpenError::Unrecognized(
            "not a gzip stream, a tar archive (ustar magic at offset 257) or a directory holding payload/"
                .into(),
        ));
    };
    let mut st = match format {
        Format::TarGzip => stream::Stream::gzip(raw, *limits),
        _ => stream::Stream::plain(raw, *limits),
    };
    let mut records = Vec::new();
    let outcome = tar::walk(&mut st, limits, sink, report, &mut records);
    let complete = match outcome {
        Ok(stats) => {
            st.finish_tail(report);
            report.pass(
                InputCode::Read,
                Subject::file(""),
                format!(
                    "read {} tar headers to the end-of-archive marker: {} payload files, {} bytes",
                    stats.headers,
                    records.len(),
                    records.iter().map(|r| r.size).sum::<u64>()
                ),
            );
            true
        }
        Err(fault) => {
            report.fail(
                fault.code,
                Subject::file(fault.file.clone()),
                format!(
                    "{}; reading stopped here, so manifest and bundle checks were not run",
                    fault.message
                ),
            );
            false
        }
    };
    let (hash, n) = st.into_raw().finish(report);
    Ok(Summary {
        format,
        records,
        tarball_sha256: hash,
        input_bytes: n,
        complete,
    })
}

/// Index of the first `\n` in `b`: the line splitter of every JSON Lines reader
/// (bundle trace, ledger and story; receipts). `memchr` picks SIMD at run time.
#[inline]
pub(crate) fn find_newline(b: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', b)
}
