//! The byte streams under the tar parser: the raw input (hashed as it is read) and
//! the inflated gzip member, with the size and ratio limits applied to the bytes
//! the tar layer consumes.

use std::io::Read;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::ScopedJoinHandle;

use flate2::{Crc, Decompress, FlushDecompress, Status};
use sha2::{Digest, Sha256};

use super::{Code, Limits, RATIO_FLOOR};
use crate::verdict::{Code as AnyCode, InputCode, Report, Subject};

/// Read buffer of the raw input and of the inflated output. Large enough that
/// syscalls and per-call overheads vanish, small enough to stay in L2.
pub(crate) const BUF_SIZE: usize = 256 * 1024;

/// A condition that stops reading the container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Fault {
    /// The code to report.
    pub code: AnyCode,
    /// Entry the fault concerns (empty for the archive as a whole).
    pub file: String,
    /// What happened.
    pub message: String,
}

impl Fault {
    pub fn new(code: impl Into<AnyCode>, message: impl Into<String>) -> Self {
        Fault {
            code: code.into(),
            file: String::new(),
            message: message.into(),
        }
    }
    pub fn at(mut self, file: &str) -> Self {
        if self.file.is_empty() {
            self.file = file.to_string();
        }
        self
    }
}

/// What the reader thread hands over: a full chunk (only the last may be short).
type Chunk = Result<Vec<u8>, String>;

/// The reader thread's result: tarball hash and input length, or the I/O error.
type Hashed = (Result<[u8; 32], String>, u64);

/// Reads `input` in full chunks, hashing each (the tarball hash) on this thread so
/// that hashing the compressed bytes overlaps with inflating and hashing files.
fn read_and_hash<R: Read>(
    mut input: R,
    tx: SyncSender<Chunk>,
    recycle: Receiver<Vec<u8>>,
) -> Hashed {
    let mut hasher = Sha256::new();
    let mut total: u64 = 0;
    loop {
        let mut buf = recycle.try_recv().unwrap_or_else(|_| vec![0u8; BUF_SIZE]);
        buf.resize(BUF_SIZE, 0);
        let mut n = 0;
        while n < buf.len() {
            match input.read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let msg = format!("read error: {e}");
                    let _ = tx.send(Err(msg.clone()));
                    return (Err(msg), total);
                }
            }
        }
        buf.truncate(n);
        hasher.update(&buf);
        total += n as u64;
        let last = n < BUF_SIZE;
        if n > 0 && tx.send(Ok(buf)).is_err() {
            // The consumer stopped early (unrecognised input); nothing more to do.
            return (Ok(hasher.finalize().into()), total);
        }
        if last {
            return (Ok(hasher.finalize().into()), total);
        }
    }
}

/// The input file as chunks from the reader thread: every byte is hashed exactly
/// once there (the tarball hash), in the same pass that parses it here.
pub(crate) struct Raw<'a> {
    rx: Receiver<Chunk>,
    recycle: SyncSender<Vec<u8>>,
    thread: Option<ScopedJoinHandle<'a, Hashed>>,
    buf: Vec<u8>,
    pos: usize,
    /// Bytes handed over before `buf`.
    before: u64,
    eof: bool,
}

impl<'a> Raw<'a> {
    /// Starts the reader thread inside `scope`.
    pub fn spawn<'env, R: Read + Send + 'a>(
        scope: &'a std::thread::Scope<'a, 'env>,
        input: R,
    ) -> Self {
        let (tx, rx) = sync_channel::<Chunk>(4);
        let (recycle, back) = sync_channel::<Vec<u8>>(4);
        let thread = scope.spawn(move || read_and_hash(input, tx, back));
        Raw {
            rx,
            recycle,
            thread: Some(thread),
            buf: Vec::new(),
            pos: 0,
            before: 0,
            eof: false,
        }
    }

    /// Replaces the exhausted chunk with the next one; false at end of input.
    fn next_chunk(&mut self) -> Result<bool, Fault> {
        if self.eof {
            return Ok(false);
        }
        match self.rx.recv() {
            Ok(Ok(next)) => {
                self.before += self.buf.len() as u64;
                let old = std::mem::replace(&mut self.buf, next);
                let _ = self.recycle.try_send(old);
                self.pos = 0;
                Ok(true)
            }
            Ok(Err(msg)) => {
                self.eof = true;
                Err(Fault::new(InputCode::Read, msg))
            }
            Err(_) => {
                self.eof = true;
                Ok(false)
            }
        }
    }

    /// Up to `n` bytes from the current position without consuming them (only used
    /// at the start, where the first chunk is full unless the input is shorter).
    pub fn peek(&mut self, n: usize) -> Result<&[u8], Fault> {
        if self.pos == self.buf.len() {
            self.next_chunk()?;
        }
        let m = n.min(self.buf.len() - self.pos);
        Ok(&self.buf[self.pos..self.pos + m])
    }

    /// The buffered bytes, fetching the next chunk if none are left (empty at end).
    pub fn fill(&mut self) -> Result<&[u8], Fault> {
        while self.pos == self.buf.len() {
            if !self.next_chunk()? {
                break;
            }
        }
        Ok(&self.buf[self.pos..])
    }

    pub fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.buf.len());
    }

    /// Input bytes consumed so far.
    pub fn offset(&self) -> u64 {
        self.before + self.pos as u64
    }

    /// One byte, or `None` at end of input.
    pub fn byte(&mut self) -> Result<Option<u8>, Fault> {
        let b = self.fill()?.first().copied();
        if b.is_some() {
            self.consume(1);
        }
        Ok(b)
    }

    /// True if no byte follows the current position.
    pub fn at_end(&mut self) -> Result<bool, Fault> {
        Ok(self.fill()?.is_empty())
    }

    /// Lets the reader thread read the rest of the input (hashing it) and returns the
    /// tarball hash and the input length; an I/O error is reported and yields no hash.
    pub fn finish(mut self, report: &mut Report) -> (Option<[u8; 32]>, u64) {
        // Drain without parsing; the thread hashes as it reads.
        while let Ok(Ok(_)) = self.rx.recv() {}
        let (hash, total) = match self.thread.take().map(|t| t.join()) {
            Some(Ok(h)) => h,
            _ => (Err("the input reader stopped unexpectedly".into()), 0),
        };
        match hash {
            Ok(h) => (Some(h), total),
            Err(msg) => {
                report.fail(
                    InputCode::Read,
                    Subject::file(""),
                    format!("{msg}; the tarball hash could not be computed"),
                );
                (None, total)
            }
        }
    }
}

/// One gzip member being inflated (RFC 1952).
struct Gzip {
    dec: Decompress,
    out: Box<[u8]>,
    opos: usize,
    oend: usize,
    crc: Crc,
    isize: u64,
    ended: bool,
    /// Outcome of the trailer check, reported after the tar stream was read.
    trailer: Option<Fault>,
    header_len: u64,
}

const FTEXT_RESERVED: u8 = 0xe0;
const FHCRC: u8 = 0x02;
const FEXTRA: u8 = 0x04;
const FNAME: u8 = 0x08;
const FCOMMENT: u8 = 0x10;

fn truncated_gzip() -> Fault {
    Fault::new(
        Code::Truncated,
        "the gzip stream ends before the end of its member",
    )
}

impl Gzip {
    /// Parses the member header. MTIME, XFL, OS, FNAME, FCOMMENT and FEXTRA are read
    /// past and ignored: they are not evidence.
    fn start(raw: &mut Raw<'_>) -> Result<Gzip, Fault> {
        let mut hcrc = Crc::new();
        let mut n: u64 = 0;
        let mut next = |raw: &mut Raw<'_>| -> Result<u8, Fault> {
            let b = raw.byte()?.ok_or_else(truncated_gzip)?;
            hcrc.update(&[b]);
            n += 1;
            Ok(b)
        };
        let mut fixed = [0u8; 10];
        for b in fixed.iter_mut() {
            *b = next(raw)?;
        }
        if fixed[0] != 0x1f || fixed[1] != 0x8b {
            return Err(Fault::new(Code::GzipCorrupt, "no gzip magic"));
        }
        if fixed[2] != 8 {
            return Err(Fault::new(
                Code::GzipCorrupt,
                format!("gzip compression method {} is not deflate (8)", fixed[2]),
            ));
        }
        let flg = fixed[3];
        if flg & FTEXT_RESERVED != 0 {
            return Err(Fault::new(
                Code::GzipCorrupt,
                format!("gzip header sets reserved flag bits ({flg:#04x})"),
            ));
        }
        if flg & FEXTRA != 0 {
            let lo = next(raw)? as u16;
            let hi = next(raw)? as u16;
            for _ in 0..(lo | (hi << 8)) {
                next(raw)?;
            }
        }
        for flag in [FNAME, FCOMMENT] {
            if flg & flag != 0 {
                while next(raw)? != 0 {}
            }
        }
        let expect = hcrc.sum() as u16;
        if flg & FHCRC != 0 {
            let lo = raw.byte()?.ok_or_else(truncated_gzip)? as u16;
            let hi = raw.byte()?.ok_or_else(truncated_gzip)? as u16;
            n += 2;
            if lo | (hi << 8) != expect {
                return Err(Fault::new(Code::GzipCorrupt, "gzip header CRC mismatch"));
            }
        }
        Ok(Gzip {
            dec: Decompress::new(false),
            out: vec![0u8; BUF_SIZE].into_boxed_slice(),
            opos: 0,
            oend: 0,
            crc: Crc::new(),
            isize: 0,
            ended: false,
            trailer: None,
            header_len: n,
        })
    }

    /// Inflated bytes not yet consumed (empty once the member ended).
    fn fill(&mut self, raw: &mut Raw<'_>) -> Result<&[u8], Fault> {
        while self.opos == self.oend && !self.ended {
            let input = raw.fill()?;
            let at_eof = input.is_empty();
            let (in0, out0) = (self.dec.total_in(), self.dec.total_out());
            let status = self
                .dec
                .decompress(input, &mut self.out, FlushDecompress::None)
                .map_err(|e| Fault::new(Code::GzipCorrupt, format!("corrupt deflate data: {e}")))?;
            let used = (self.dec.total_in() - in0) as usize;
            let made = (self.dec.total_out() - out0) as usize;
            raw.consume(used);
            self.crc.update(&self.out[..made]);
            self.isize += made as u64;
            self.opos = 0;
            self.oend = made;
            if status == Status::StreamEnd {
                self.ended = true;
                self.trailer = self.check_trailer(raw)?;
            } else if made == 0 && used == 0 {
                // Input that yields nothing cannot be inflated; stop rather than loop.
                return Err(if at_eof {
                    truncated_gzip()
                } else {
                    Fault::new(Code::GzipCorrupt, "deflate data makes no progress")
                });
            }
        }
        Ok(&self.out[self.opos..self.oend])
    }

    /// Reads the 8-byte trailer: CRC-32 and ISIZE (length mod 2^32), little-endian.
    fn check_trailer(&mut self, raw: &mut Raw<'_>) -> Result<Option<Fault>, Fault> {
        let mut t = [0u8; 8];
        for (i, b) in t.iter_mut().enumerate() {
            match raw.byte()? {
                Some(x) => *b = x,
                None => {
                    return Ok(Some(Fault::new(
                        Code::Truncated,
                        format!("the gzip trailer is cut after {i} of 8 bytes"),
                    )))
                }
            }
        }
        let crc = u32::from_le_bytes([t[0], t[1], t[2], t[3]]);
        let len = u32::from_le_bytes([t[4], t[5], t[6], t[7]]);
        let (got_crc, got_len) = (self.crc.sum(), self.isize as u32);
        Ok(if crc != got_crc || len != got_len {
            Some(Fault::new(
                Code::GzipCrcMismatch,
                format!(
                    "gzip trailer says CRC-32 {crc:08x} and length {len}, inflated data has {got_crc:08x} and {got_len}"
                ),
            ))
        } else {
            None
        })
    }
}

enum Kind<'a> {
    Plain(Raw<'a>),
    Gzip(Raw<'a>, Box<Gzip>),
    Failed(Raw<'a>),
}

/// The tar byte stream (plain or inflated), with limits on what is consumed.
pub(crate) struct Stream<'a> {
    kind: Kind<'a>,
    pos: u64,
    limits: Limits,
    /// A fault that occurred while opening (bad gzip header), raised on first read.
    pending: Option<Fault>,
}

impl<'a> Stream<'a> {
    pub fn plain(raw: Raw<'a>, limits: Limits) -> Self {
        Stream {
            kind: Kind::Plain(raw),
            pos: 0,
            limits,
            pending: None,
        }
    }

    pub fn gzip(mut raw: Raw<'a>, limits: Limits) -> Self {
        match Gzip::start(&mut raw) {
            Ok(g) => Stream {
                kind: Kind::Gzip(raw, Box::new(g)),
                pos: 0,
                limits,
                pending: None,
            },
            Err(f) => Stream {
                kind: Kind::Failed(raw),
                pos: 0,
                limits,
                pending: Some(f),
            },
        }
    }

    /// Bytes of the tar stream consumed so far.
    pub fn pos(&self) -> u64 {
        self.pos
    }

    /// Buffered tar-stream bytes (empty at the end of the stream).
    pub fn fill(&mut self) -> Result<&[u8], Fault> {
        if let Some(f) = &self.pending {
            return Err(f.clone());
        }
        match &mut self.kind {
            Kind::Plain(r) => r.fill(),
            Kind::Gzip(r, g) => g.fill(r),
            Kind::Failed(_) => Ok(&[]),
        }
    }

    /// Consumes `n` buffered bytes and applies the total-size and ratio limits to the
    /// new position.
    pub fn consume(&mut self, n: usize) -> Result<(), Fault> {
        match &mut self.kind {
            Kind::Plain(r) => r.consume(n),
            Kind::Gzip(_, g) => g.opos = (g.opos + n).min(g.oend),
            Kind::Failed(_) => {}
        }
        self.pos += n as u64;
        if self.pos > self.limits.max_total_size {
            return Err(Fault::new(
                Code::LimitTotalSize,
                format!(
                    "the uncompressed archive exceeds --max-total-size {} bytes",
                    self.limits.max_total_size
                ),
            ));
        }
        if let Kind::Gzip(_, g) = &self.kind {
            let compressed = g.dec.total_in() + g.header_len;
            if self.pos > RATIO_FLOOR && self.pos > self.limits.max_ratio.saturating_mul(compressed)
            {
                return Err(Fault::new(
                    Code::LimitRatio,
                    format!(
                        "{} bytes inflated from {compressed} compressed bytes exceed --max-ratio {}",
                        self.pos, self.limits.max_ratio
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Reads up to `buf.len()` bytes; returns how many (fewer only at end of stream).
    pub fn read_full(&mut self, buf: &mut [u8]) -> Result<usize, Fault> {
        let mut got = 0;
        while got < buf.len() {
            let chunk = self.fill()?;
            if chunk.is_empty() {
                break;
            }
            let n = chunk.len().min(buf.len() - got);
            buf[got..got + n].copy_from_slice(&chunk[..n]);
            self.consume(n)?;
            got += n;
        }
        Ok(got)
    }

    /// Skips `n` bytes; returns how many were skipped (fewer only at end of stream).
    pub fn skip(&mut self, mut n: u64) -> Result<u64, Fault> {
        let want = n;
        while n > 0 {
            let chunk = self.fill()?;
            if chunk.is_empty() {
                break;
            }
            let k = (chunk.len() as u64).min(n) as usize;
            self.consume(k)?;
            n -= k as u64;
        }
        Ok(want - n)
    }

    /// After the end-of-archive marker: the rest of the tar stream must be zero bytes,
    /// a gzip member must end with a matching trailer, and nothing may follow it.
    /// Findings go to `report`; nothing here stops the verification.
    pub fn finish_tail(&mut self, report: &mut Report) {
        let mut nonzero_at: Option<u64> = None;
        loop {
            let start = self.pos;
            let chunk = match self.fill() {
                Ok(c) => c,
                Err(f) => {
                    report.fail(f.code, Subject::file(f.file), f.message);
                    return;
                }
            };
            if chunk.is_empty() {
                break;
            }
            let n = chunk.len();
            if nonzero_at.is_none() {
                if let Some(i) = chunk.iter().position(|b| *b != 0) {
                    nonzero_at = Some(start + i as u64);
                }
            }
            if let Err(f) = self.consume(n) {
                report.fail(f.code, Subject::file(f.file), f.message);
                return;
            }
        }
        if let Some(at) = nonzero_at {
            report.fail(
                Code::DataAfterEnd,
                Subject::file(""),
                format!("non-zero byte at offset {at} of the tar stream, after the end-of-archive marker"),
            );
        }
        if let Kind::Gzip(raw, g) = &mut self.kind {
            if let Some(f) = g.trailer.take() {
                report.fail(f.code, Subject::file(""), f.message);
            } else if g.ended {
                match raw.at_end() {
                    Ok(true) => {}
                    Ok(false) => report.fail(
                        Code::DataAfterEnd,
                        Subject::file(""),
                        format!(
                            "bytes follow the gzip member that ends at input offset {} (a second member or appended data)",
                            raw.offset()
                        ),
                    ),
                    Err(f) => report.fail(f.code, Subject::file(""), f.message),
                }
            }
        }
    }

    /// The raw input, to finish the tarball hash.
    pub fn into_raw(self) -> Raw<'a> {
        match self.kind {
            Kind::Plain(r) | Kind::Gzip(r, _) | Kind::Failed(r) => r,
        }
    }
}
