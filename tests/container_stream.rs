//! The container reader on in-memory archives: stream-level edge cases that the
//! committed corpus does not cover, each asserted by finding code.

#[path = "support/archive.rs"]
mod archive;
#[path = "support/bundle_fixtures.rs"]
mod bundle_fixtures;

use std::io::Read;

use archive::{gzip, header_block, set_checksum, Header, Magic, TarWriter, BLOCK};
use bundle_fixtures::{tar_of, tar_writer, valid_files};
use evv::container::{read_archive, Code, EntrySink, FileRecord, Limits, NullSink, Summary};
use evv::verdict::{Code as AnyCode, InputCode, Report};
use sha2::{Digest, Sha256};

fn read(bytes: &[u8], limits: Limits) -> (Summary, Report) {
    let mut r = Report::new("t", "mem");
    let s = read_archive(bytes, &limits, &mut NullSink, &mut r).expect("recognised");
    (s, r)
}

fn codes(r: &Report) -> Vec<AnyCode> {
    r.failure_codes()
}

fn only(r: &Report, c: Code) {
    assert_eq!(
        codes(r),
        vec![AnyCode::from(c)],
        "{}",
        evv::verdict::render_text(r)
    );
}

#[test]
fn tarball_hash_is_the_sha256_of_every_input_byte() {
    for bytes in [gzip(&tar_of(&valid_files())), tar_of(&valid_files())] {
        let (s, r) = read(&bytes, Limits::default());
        assert_eq!(codes(&r), vec![]);
        assert_eq!(s.tarball_sha256, Some(Sha256::digest(&bytes).into()));
        assert_eq!(s.input_bytes, bytes.len() as u64);
    }
    // Also when reading stops early (the rest is still hashed).
    let mut w = tar_writer(&valid_files());
    w.raw(&header_block(&Header::file(b"payload/huge", 1 << 40)));
    let mut bytes = gzip(&w.unfinished());
    bytes.extend_from_slice(&[7u8; 100_000]);
    let (s, r) = read(&bytes, Limits::default());
    only(&r, Code::LimitFileSize);
    assert_eq!(s.tarball_sha256, Some(Sha256::digest(&bytes).into()));
    assert!(!s.complete);
}

#[test]
fn ignored_header_fields_do_not_matter() {
    let base = tar_of(&valid_files());
    let (s0, _) = read(&base, Limits::default());
    let mut b = base.clone();
    // Rewrite mtime, uid, gid, uname, gname, mode of every header, fix checksums,
    // and scribble over entry padding: the records must not change.
    let mut off = 0;
    while off + BLOCK <= b.len() && b[off..off + BLOCK].iter().any(|x| *x != 0) {
        let size =
            u64::from_str_radix(std::str::from_utf8(&b[off + 124..off + 135]).unwrap(), 8).unwrap();
        b[off + 100..off + 107].copy_from_slice(b"0000777");
        b[off + 108..off + 115].copy_from_slice(b"0001750");
        b[off + 116..off + 123].copy_from_slice(b"0001750");
        b[off + 136..off + 147].copy_from_slice(b"17000000000");
        b[off + 265..off + 270].copy_from_slice(b"alice");
        b[off + 297..off + 300].copy_from_slice(b"eve");
        set_checksum(&mut b[off..off + BLOCK]);
        let data_end = off + BLOCK + size as usize;
        let padded = off + BLOCK + (size as usize).div_ceil(BLOCK) * BLOCK;
        for x in &mut b[data_end..padded] {
            *x = b'#';
        }
        off = padded;
    }
    assert_ne!(b, base);
    let (s1, r) = read(&b, Limits::default());
    assert_eq!(codes(&r), vec![]);
    assert_eq!(s0.records, s1.records);
}

#[test]
fn gnu_base256_size_and_gnu_magic_are_read() {
    let mut w = TarWriter::new();
    let mut h = Header::file(b"payload/a.txt", 3);
    h.magic = Magic::Gnu;
    let mut blk = header_block(&h);
    blk[124..136].fill(0);
    blk[124] = 0x80;
    blk[135] = 3;
    set_checksum(&mut blk);
    w.raw(&blk).raw(b"abc").raw(&[0u8; BLOCK - 3]);
    let (s, r) = read(&w.finish(), Limits::default());
    assert_eq!(codes(&r), vec![]);
    assert_eq!(s.records[0].size, 3);
}

#[test]
fn pax_size_overrides_the_header_and_meets_the_limits_first() {
    let mut w = TarWriter::new();
    w.pax(&[("size", b"5000000000000")]);
    w.raw(&header_block(&Header::file(b"payload/x", 0)));
    let (_, r) = read(&w.unfinished(), Limits::default());
    only(&r, Code::LimitFileSize);
}

#[test]
fn extension_headers_are_capped_before_reading() {
    let mut h = Header::file(b"././@LongLink", 1 << 40);
    h.typeflag = b'L';
    h.magic = Magic::Gnu;
    let mut w = TarWriter::new();
    w.raw(&header_block(&h));
    let (_, r) = read(&gzip(&w.unfinished()), Limits::default());
    only(&r, Code::HeaderInvalid);
}

#[test]
fn extension_header_without_entry_and_twice() {
    let mut w = TarWriter::new();
    w.pax(&[("path", b"payload/a")]);
    let (_, r) = read(&w.finish(), Limits::default());
    only(&r, Code::HeaderInvalid);
    let mut w = TarWriter::new();
    w.pax(&[("path", b"payload/a")])
        .pax(&[("path", b"payload/b")]);
    w.file("payload/c", b"x");
    let (_, r) = read(&w.finish(), Limits::default());
    only(&r, Code::HeaderInvalid);
    let mut w = TarWriter::new();
    w.pax(&[("path", b"payload/a")]).gnu_long_name(b"payload/b");
    w.file("payload/c", b"x");
    let (_, r) = read(&w.finish(), Limits::default());
    only(&r, Code::HeaderInvalid);
}

#[test]
fn pax_path_is_checked_like_any_name() {
    let mut w = TarWriter::new();
    w.pax(&[("path", b"../../etc/passwd")]);
    w.file("payload/innocent", b"x");
    let (s, r) = read(&w.finish(), Limits::default());
    only(&r, Code::PathDotDot);
    assert!(s.records.is_empty());
}

#[test]
fn pax_global_header_changing_paths_is_refused_others_ignored() {
    let mut h = Header::file(b"pax_global_header", 0);
    h.typeflag = b'g';
    let data = archive::pax_record("path", b"payload/x");
    h.size = data.len() as u64;
    let mut w = TarWriter::new();
    w.entry(&h, &data);
    w.file("payload/a", b"x");
    let (_, r) = read(&w.finish(), Limits::default());
    only(&r, Code::EntryUnsupported);
    let data = archive::pax_record("comment", b"git commit 0123");
    h.size = data.len() as u64;
    let mut w = TarWriter::new();
    w.entry(&h, &data);
    w.file("payload/a", b"x");
    let (s, r) = read(&w.finish(), Limits::default());
    assert_eq!(codes(&r), vec![]);
    assert_eq!(s.records.len(), 1);
}

#[test]
fn pax_sparse_entries_are_refused() {
    let mut w = TarWriter::new();
    w.pax(&[("GNU.sparse.major", b"1"), ("GNU.sparse.minor", b"0")]);
    w.file("payload/s", b"map");
    let (_, r) = read(&w.finish(), Limits::default());
    only(&r, Code::EntryUnsupported);
}

#[test]
fn directory_entry_with_data_is_refused() {
    let mut w = TarWriter::new();
    let mut h = Header::of_type(b"payload/d/", b'5');
    h.size = 3;
    w.entry(&h, b"abc");
    let (_, r) = read(&w.finish(), Limits::default());
    only(&r, Code::HeaderInvalid);
}

#[test]
fn regular_file_named_payload_is_refused() {
    let mut w = TarWriter::new();
    w.file("payload", b"x");
    let (_, r) = read(&w.finish(), Limits::default());
    only(&r, Code::PathInvalid);
}

#[test]
fn lone_zero_block_then_eof_is_truncated() {
    let mut w = tar_writer(&valid_files());
    w.raw(&[0u8; BLOCK]);
    let (_, r) = read(&w.unfinished(), Limits::default());
    only(&r, Code::Truncated);
}

#[test]
fn gzip_edge_cases() {
    let tgz = gzip(&tar_of(&valid_files()));
    // Trailer cut after 3 bytes: the tar stream is complete, the member is not.
    let (s, r) = read(&tgz[..tgz.len() - 5], Limits::default());
    only(&r, Code::Truncated);
    assert!(s.complete);
    // ISIZE changed.
    let mut b = tgz.clone();
    let n = b.len();
    b[n - 1] ^= 1;
    let (_, r) = read(&b, Limits::default());
    only(&r, Code::GzipCrcMismatch);
    // Method other than deflate.
    let mut b = tgz.clone();
    b[2] = 7;
    let (_, r) = read(&b, Limits::default());
    only(&r, Code::GzipCorrupt);
    // Reserved deflate block type (BTYPE = 11) in the first block.
    let mut b = tgz.clone();
    b[10] |= 0b110;
    let (_, r) = read(&b, Limits::default());
    only(&r, Code::GzipCorrupt);
    // Optional header fields (FEXTRA, FNAME, FCOMMENT, FHCRC) are accepted.
    let mut e = flate2::GzBuilder::new()
        .mtime(12345)
        .filename("bundle.tar")
        .comment("hello")
        .extra(vec![1, 2, 3])
        .write(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut e, &tar_of(&valid_files())).unwrap();
    let b = e.finish().unwrap();
    let (s, r) = read(&b, Limits::default());
    assert_eq!(codes(&r), vec![]);
    assert_eq!(s.records.len(), valid_files().len());
}

#[test]
fn gzip_member_shorter_than_the_tar_is_truncated() {
    let tar = tar_of(&valid_files());
    let mut b = gzip(&tar[..2048]);
    b.extend_from_slice(&gzip(&tar[2048..]));
    let (_, r) = read(&b, Limits::default());
    only(&r, Code::Truncated);
}

#[test]
fn limits_on_entries_total_and_ratio() {
    let tar = tar_of(&valid_files());
    let (_, r) = read(
        &tar,
        Limits {
            max_entries: 2,
            ..Limits::default()
        },
    );
    only(&r, Code::LimitEntries);
    let (_, r) = read(
        &tar,
        Limits {
            max_total_size: 3000,
            ..Limits::default()
        },
    );
    only(&r, Code::LimitTotalSize);
    // Zero padding after the end marker counts toward the total as well.
    let mut padded = tar.clone();
    padded.extend_from_slice(&vec![0u8; 1 << 20]);
    let (_, r) = read(
        &padded,
        Limits {
            max_total_size: 100_000,
            ..Limits::default()
        },
    );
    only(&r, Code::LimitTotalSize);
    // The ratio limit applies only beyond 16 MiB inflated.
    let mut w = TarWriter::new();
    w.file("payload/z", &vec![0u8; 8 << 20]);
    let (_, r) = read(
        &gzip(&w.finish()),
        Limits {
            max_ratio: 2,
            ..Limits::default()
        },
    );
    assert_eq!(codes(&r), vec![]);
}

#[test]
fn unrecognised_input_is_an_open_error() {
    let mut r = Report::new("t", "mem");
    for bytes in [&b""[..], b"{\"json\":true}", &[0u8; 1024]] {
        assert!(read_archive(bytes, &Limits::default(), &mut NullSink, &mut r).is_err());
    }
}

/// Reads the first `n` bytes of every file, then fails on one path.
struct Partial {
    n: usize,
    got: Vec<(String, Vec<u8>)>,
    fail_on: &'static str,
}

impl EntrySink for Partial {
    fn file(&mut self, path: &str, _size: u64, data: &mut dyn Read) -> std::io::Result<()> {
        let mut buf = vec![0u8; self.n];
        let k = data.read(&mut buf)?;
        buf.truncate(k);
        self.got.push((path.to_string(), buf));
        if path == self.fail_on {
            return Err(std::io::Error::other("sink gave up"));
        }
        Ok(())
    }
}

#[test]
fn sinks_see_streams_and_the_rest_is_drained_and_hashed() {
    let files = valid_files();
    let tgz = gzip(&tar_of(&files));
    let mut sink = Partial {
        n: 4,
        got: Vec::new(),
        fail_on: "payload/request.json",
    };
    let mut r = Report::new("t", "mem");
    let s = read_archive(&tgz[..], &Limits::default(), &mut sink, &mut r).unwrap();
    assert_eq!(r.failure_codes(), vec![AnyCode::from(InputCode::Read)]);
    let want: Vec<FileRecord> = files
        .iter()
        .map(|(p, b)| FileRecord {
            path: format!("payload/{p}"),
            size: b.len() as u64,
            sha256: Sha256::digest(b).into(),
        })
        .collect();
    assert_eq!(s.records, want);
    assert_eq!(sink.got.len(), files.len());
    for ((p, head), (fp, fb)) in sink.got.iter().zip(files.iter()) {
        assert_eq!(p, &format!("payload/{fp}"));
        assert_eq!(&head[..], &fb[..4]);
    }
}

/// A sink that reads everything and swallows the container's error.
struct Swallow;

impl EntrySink for Swallow {
    fn file(&mut self, _: &str, _: u64, data: &mut dyn Read) -> std::io::Result<()> {
        let _ = std::io::copy(data, &mut std::io::sink());
        Ok(())
    }
}

#[test]
fn a_container_fault_inside_a_sink_is_reported_even_if_swallowed() {
    let tar = tar_of(&valid_files());
    let cut = &tar[..BLOCK * 2 + 10];
    let mut r = Report::new("t", "mem");
    let s = read_archive(cut, &Limits::default(), &mut Swallow, &mut r).unwrap();
    assert_eq!(r.failure_codes(), vec![AnyCode::from(Code::Truncated)]);
    assert!(s.records.is_empty());
    assert!(!s.complete);
}

/// Random byte flips and cuts of valid archives never panic or hang, and a flip
/// inside a payload file's bytes is never VALID.
#[test]
fn random_mutations_are_survived() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
    let tar = tar_of(&valid_files());
    let tgz = gzip(&tar);
    for i in 0..400 {
        let base = if i % 2 == 0 { &tar } else { &tgz };
        let mut b = base.clone();
        match i % 4 {
            0 | 1 => {
                for _ in 0..rng.gen_range(1..4) {
                    let at = rng.gen_range(0..b.len());
                    b[at] ^= 1 << rng.gen_range(0..8);
                }
            }
            2 => b.truncate(rng.gen_range(0..b.len())),
            _ => {
                let at = rng.gen_range(0..b.len());
                b.insert(at, rng.gen());
            }
        }
        let mut r = Report::new("t", "mem");
        let _ = evv::container::read_archive(&b[..], &Limits::default(), &mut NullSink, &mut r);
    }
    // Every byte of file data in the plain tar, flipped, changes that file's record.
    let (s0, _) = read(&tar, Limits::default());
    let mut off = 0;
    while off + BLOCK <= tar.len() && tar[off..off + BLOCK].iter().any(|x| *x != 0) {
        let size = u64::from_str_radix(std::str::from_utf8(&tar[off + 124..off + 135]).unwrap(), 8)
            .unwrap() as usize;
        for k in 0..size {
            let mut b = tar.clone();
            b[off + BLOCK + k] ^= 0x40;
            let (s1, r) = read(&b, Limits::default());
            assert!(codes(&r).is_empty());
            assert_ne!(s0.records, s1.records);
        }
        off += BLOCK + size.div_ceil(BLOCK) * BLOCK;
    }
}

/// A hundred thousand and one tiny entries stop at the default entry limit.
#[test]
fn many_tiny_entries_stop_at_the_default_limit() {
    let mut w = TarWriter::new();
    w.dir("payload/");
    for i in 0..Limits::default().max_entries {
        w.dir(&format!("payload/d{i}/"));
    }
    let bytes = w.finish();
    let t = std::time::Instant::now();
    let (s, r) = read(&bytes, Limits::default());
    only(&r, Code::LimitEntries);
    assert!(!s.complete);
    assert!(t.elapsed() < std::time::Duration::from_secs(20));
}
