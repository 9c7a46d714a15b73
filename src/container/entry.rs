//! The reader a sink gets for one file: bounded to the entry, hashing what passes.

use std::io::Read;

use sha2::{Digest, Sha256};

use super::stream::{Fault, Stream};
use super::Code;

/// Reads one entry's data from the tar stream, hashing every byte it hands out or
/// skips, and remembering the first container fault so that the walker can report
/// it even if the sink swallowed the error.
pub(crate) struct EntryReader<'s, 'a> {
    stream: &'s mut Stream<'a>,
    remaining: u64,
    hasher: Sha256,
    fault: Option<Fault>,
}

fn truncated(remaining: u64) -> Fault {
    Fault::new(
        Code::Truncated,
        format!("the archive ends {remaining} bytes before the end of this entry"),
    )
}

impl<'s, 'a> EntryReader<'s, 'a> {
    pub fn new(stream: &'s mut Stream<'a>, size: u64) -> Self {
        EntryReader {
            stream,
            remaining: size,
            hasher: Sha256::new(),
            fault: None,
        }
    }

    /// True if the container failed while the sink was reading.
    pub fn fault(&self) -> Option<&Fault> {
        self.fault.as_ref()
    }

    /// Reads and hashes whatever the sink left; returns the entry's SHA-256.
    pub fn finish(mut self) -> Result<[u8; 32], Fault> {
        if let Some(f) = self.fault.take() {
            return Err(f);
        }
        while self.remaining > 0 {
            let c = self.stream.fill()?;
            if c.is_empty() {
                return Err(truncated(self.remaining));
            }
            let n = (c.len() as u64).min(self.remaining) as usize;
            self.hasher.update(&c[..n]);
            self.remaining -= n as u64;
            self.stream.consume(n)?;
        }
        Ok(self.hasher.finalize().into())
    }

    fn read_inner(&mut self, buf: &mut [u8]) -> Result<usize, Fault> {
        if let Some(f) = &self.fault {
            return Err(f.clone());
        }
        if self.remaining == 0 || buf.is_empty() {
            return Ok(0);
        }
        let c = self.stream.fill()?;
        if c.is_empty() {
            return Err(truncated(self.remaining));
        }
        let n = (c.len() as u64).min(self.remaining).min(buf.len() as u64) as usize;
        buf[..n].copy_from_slice(&c[..n]);
        self.hasher.update(&buf[..n]);
        self.remaining -= n as u64;
        self.stream.consume(n)?;
        Ok(n)
    }
}

impl Read for EntryReader<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.read_inner(buf).map_err(|f| {
            let e = std::io::Error::other(f.message.clone());
            self.fault = Some(f);
            e
        })
    }
}
