//! The floor for bundle verification: the least work any verifier must do on a
//! `.tar.gz` (or `.tar`) bundle — inflate it, SHA-256 the exact input bytes, walk the tar
//! and SHA-256 every file — with nothing else. `scripts/bench.sh` compares `evv verify`
//! against this program on the same file.
//!
//! Usage: `cargo bench --bench floor -- FILE [--backend zlib-rs|miniz]`
//! (`--backend miniz` inflates with miniz_oxide instead, to justify the backend choice).

use std::io::{self, Read};
use std::time::Instant;

use sha2::{Digest, Sha256};

struct HashingReader<R> {
    inner: R,
    hash: Sha256,
    bytes: u64,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

fn walk<R: Read>(r: R) -> io::Result<(u64, u64)> {
    let mut ar = tar::Archive::new(r);
    let mut files = 0u64;
    let mut total = 0u64;
    let mut buf = vec![0u8; 256 * 1024];
    for e in ar.entries()? {
        let mut e = e?;
        let mut h = Sha256::new();
        loop {
            let n = e.read(&mut buf)?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
            total += n as u64;
        }
        std::hint::black_box(h.finalize());
        files += 1;
    }
    Ok((files, total))
}

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let Some(path) = args.first() else {
        eprintln!("usage: floor FILE [--backend zlib-rs|miniz]");
        return Ok(());
    };
    let backend = args
        .iter()
        .position(|a| a == "--backend")
        .and_then(|i| args.get(i + 1))
        .map_or("zlib-rs", |s| s);
    let t = Instant::now();
    let f = io::BufReader::with_capacity(1 << 20, std::fs::File::open(path)?);
    let mut src = HashingReader {
        inner: f,
        hash: Sha256::new(),
        bytes: 0,
    };
    let mut magic = [0u8; 2];
    let gz = {
        let mut peek = std::fs::File::open(path)?;
        peek.read_exact(&mut magic).is_ok() && magic == [0x1f, 0x8b]
    };
    let (files, total) = if !gz {
        walk(&mut src)?
    } else if backend == "miniz" {
        walk(MinizGz::new(&mut src))?
    } else {
        walk(flate2::read::GzDecoder::new(&mut src))?
    };
    io::copy(&mut src, &mut io::sink())?;
    let digest = src.hash.finalize();
    eprintln!(
        "floor[{backend}]: {files} files, {total} bytes inflated, input sha256 {}, {:.3} s",
        hex::encode(digest),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

/// A minimal streaming gzip reader on miniz_oxide (single member, header without
/// optional fields beyond FNAME/FEXTRA/FCOMMENT/FHCRC), for the backend comparison only.
struct MinizGz<R> {
    inner: R,
    state: Box<miniz_oxide::inflate::stream::InflateState>,
    inbuf: Vec<u8>,
    start: usize,
    end: usize,
    header_done: bool,
    done: bool,
}

impl<R: Read> MinizGz<R> {
    fn new(inner: R) -> Self {
        MinizGz {
            inner,
            state: miniz_oxide::inflate::stream::InflateState::new_boxed(
                miniz_oxide::DataFormat::Raw,
            ),
            inbuf: vec![0; 1 << 18],
            start: 0,
            end: 0,
            header_done: false,
            done: false,
        }
    }
    fn fill(&mut self) -> io::Result<()> {
        if self.start == self.end {
            self.start = 0;
            self.end = self.inner.read(&mut self.inbuf)?;
        }
        Ok(())
    }
    fn byte(&mut self) -> io::Result<u8> {
        self.fill()?;
        if self.start == self.end {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        self.start += 1;
        Ok(self.inbuf[self.start - 1])
    }
    fn header(&mut self) -> io::Result<()> {
        let mut h = [0u8; 10];
        for b in h.iter_mut() {
            *b = self.byte()?;
        }
        let flg = h[3];
        if flg & 4 != 0 {
            let n = self.byte()? as usize | (self.byte()? as usize) << 8;
            for _ in 0..n {
                self.byte()?;
            }
        }
        for bit in [8u8, 16] {
            if flg & bit != 0 {
                while self.byte()? != 0 {}
            }
        }
        if flg & 2 != 0 {
            self.byte()?;
            self.byte()?;
        }
        self.header_done = true;
        Ok(())
    }
}

impl<R: Read> Read for MinizGz<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if !self.header_done {
            self.header()?;
        }
        loop {
            if self.done {
                return Ok(0);
            }
            self.fill()?;
            let res = miniz_oxide::inflate::stream::inflate(
                &mut self.state,
                &self.inbuf[self.start..self.end],
                out,
                miniz_oxide::MZFlush::None,
            );
            self.start += res.bytes_consumed;
            match res.status {
                Ok(miniz_oxide::MZStatus::StreamEnd) => self.done = true,
                Ok(_) => {}
                Err(e) => return Err(io::Error::other(format!("{e:?}"))),
            }
            if res.bytes_written > 0 {
                return Ok(res.bytes_written);
            }
            if self.done {
                return Ok(0);
            }
        }
    }
}
