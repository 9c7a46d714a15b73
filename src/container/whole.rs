//! Reading a whole (JSON) input file into memory, with its pages faulted in parallel.
//!
//! A KRY attestation or PACT transcript is parsed as one JSON text, so it is read whole.
//! For a file of tens of megabytes most of the read's cost is not the copy but the
//! kernel supplying and zeroing fresh pages for the buffer; reading disjoint ranges on
//! several threads spreads that over the cores. The bytes are those of one sequential
//! read: if the file changes size while it is read, the parallel read is discarded and
//! the file is read again sequentially.
//!
//! On Linux the buffer's whole 2 MiB pages are first advised to be backed by
//! transparent huge pages (`madvise(MADV_HUGEPAGE)`): one fault then supplies 512
//! pages, which took the read of a 52 MB attestation from about 46 ms to about 17 ms
//! (median of 12 on the AMD EPYC of BENCHMARKS.md, optimisation 14). The advice only
//! changes how the pages are backed, never what they hold; where the kernel has no
//! huge page to give, it falls back to small pages.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// Files shorter than this are read by one `read` loop.
pub const PARALLEL_READ_MIN: u64 = 8 << 20;

/// Reads the whole file at `path`, on up to `threads` threads.
pub fn read_whole(path: &Path, threads: usize) -> io::Result<Vec<u8>> {
    let mut f = File::open(path)?;
    let len = f.metadata()?.len();
    if threads > 1 && len >= PARALLEL_READ_MIN && usize::try_from(len).is_ok() {
        if let Some(buf) = read_parallel(&f, len as usize, threads)? {
            return Ok(buf);
        }
    }
    let mut buf = Vec::new();
    f.read_to_end(&mut buf)?;
    Ok(buf)
}

/// The file's `len` bytes read in `threads` ranges; `None` if the file is not exactly
/// `len` bytes long any more (the caller then reads it sequentially).
#[cfg(unix)]
fn read_parallel(f: &File, len: usize, threads: usize) -> io::Result<Option<Vec<u8>>> {
    use std::os::unix::fs::FileExt;
    let mut buf = vec![0u8; len];
    advise_huge_pages(&mut buf);
    let chunk = len.div_ceil(threads.max(1)).max(1);
    // Per range: its read's result, or `None` when no thread could run it (resource
    // limits) or it panicked; then the whole file is read again in order.
    let results: Vec<Option<io::Result<()>>> = std::thread::scope(|s| {
        let handles: Vec<_> = buf
            .chunks_mut(chunk)
            .enumerate()
            .map(|(k, part)| {
                let at = (k * chunk) as u64;
                std::thread::Builder::new()
                    .spawn_scoped(s, move || f.read_exact_at(part, at))
                    .ok()
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.and_then(|h| h.join().ok()))
            .collect()
    });
    for r in results {
        match r {
            Some(Ok(())) => {}
            // Shrunk while it was read.
            Some(Err(e)) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
            Some(Err(e)) => return Err(e),
            None => return Ok(None),
        }
    }
    // Grown since its length was taken: not one consistent snapshot either.
    let mut probe = [0u8; 1];
    if f.read_at(&mut probe, len as u64)? != 0 {
        return Ok(None);
    }
    Ok(Some(buf))
}

/// Size of a transparent huge page on x86-64 and of the common arm64 configuration.
#[cfg(target_os = "linux")]
const HUGE_PAGE: usize = 2 << 20;

/// Advises the kernel to back the whole huge pages inside `buf` with huge pages. The
/// buffer of a large file is fresh (`calloc` maps it untouched), so its pages are
/// first faulted in by the read that fills them.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn advise_huge_pages(buf: &mut [u8]) {
    let start = buf.as_mut_ptr() as usize;
    let first = start.next_multiple_of(HUGE_PAGE);
    let end = (start + buf.len()) / HUGE_PAGE * HUGE_PAGE;
    if end > first {
        // SAFETY: `[first, end)` lies inside `buf`, which is borrowed mutably here, so
        // no other reference sees its pages while the advice is given; MADV_HUGEPAGE
        // changes how pages are backed, never what they contain (the kernel zeroes a
        // huge page as it does a small one). The result is ignored on purpose: advice
        // the kernel refuses (THP disabled, no huge page free) leaves small pages.
        unsafe {
            libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(all(unix, not(target_os = "linux")))]
fn advise_huge_pages(_: &mut [u8]) {}

#[cfg(not(unix))]
fn read_parallel(_: &File, _: usize, _: usize) -> io::Result<Option<Vec<u8>>> {
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_read_is_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        for len in [0usize, 1, 4097, PARALLEL_READ_MIN as usize + 12_345] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 + i / 251) as u8).collect();
            let p = dir.path().join(format!("f{len}"));
            std::fs::write(&p, &data).expect("write");
            for threads in [1, 2, 3, 8] {
                assert_eq!(
                    read_whole(&p, threads).expect("read"),
                    data,
                    "{len} {threads}"
                );
            }
            let f = File::open(&p).expect("open");
            if len > 0 {
                // A length the file no longer has: discarded, never padded or cut.
                assert!(read_parallel(&f, len + 1, 2).expect("io").is_none());
                assert!(read_parallel(&f, len - 1, 2).expect("io").is_none());
            }
        }
        assert!(read_whole(&dir.path().join("missing"), 2).is_err());
    }
}
