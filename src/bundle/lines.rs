//! A bounded line reader: JSONL and text evidence is read one line at a time, and no
//! line may make evv hold more than a fixed number of bytes.

use std::io::{self, BufRead, BufReader, Read};

/// Longest line kept (1 MiB). Longer lines are reported and skipped to their end.
pub const MAX_LINE: usize = 1 << 20;

/// What one call to [`Lines::next_line`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineMeta {
    /// 1-based line number.
    pub no: u64,
    /// True if the line ended with `\n` (false only for the last line).
    pub terminated: bool,
    /// True if the line exceeded the cap; its bytes were discarded.
    pub too_long: bool,
}

/// Iterates the lines of a stream without holding more than `max` bytes.
pub struct Lines<R: Read> {
    r: BufReader<R>,
    buf: Vec<u8>,
    max: usize,
    no: u64,
}

impl<R: Read> Lines<R> {
    /// Lines of `r`, each capped at `max` bytes.
    pub fn new(r: R, max: usize) -> Self {
        Lines {
            r: BufReader::with_capacity(64 * 1024, r),
            buf: Vec::new(),
            max,
            no: 0,
        }
    }

    /// The bytes of the line last returned, without its `\n`.
    pub fn line(&self) -> &[u8] {
        &self.buf
    }

    /// Advances to the next line; `None` at the end of the stream.
    pub fn next_line(&mut self) -> io::Result<Option<LineMeta>> {
        self.buf.clear();
        let n = (&mut self.r)
            .take(self.max as u64 + 1)
            .read_until(b'\n', &mut self.buf)?;
        if n == 0 {
            return Ok(None);
        }
        self.no += 1;
        let terminated = self.buf.last() == Some(&b'\n');
        if terminated {
            self.buf.pop();
        }
        if self.buf.len() > self.max {
            // Skip to the end of the overlong line without keeping it.
            self.buf.clear();
            let mut terminated = false;
            loop {
                let chunk = self.r.fill_buf()?;
                if chunk.is_empty() {
                    break;
                }
                if let Some(i) = chunk.iter().position(|&b| b == b'\n') {
                    self.r.consume(i + 1);
                    terminated = true;
                    break;
                }
                let l = chunk.len();
                self.r.consume(l);
            }
            return Ok(Some(LineMeta {
                no: self.no,
                terminated,
                too_long: true,
            }));
        }
        Ok(Some(LineMeta {
            no: self.no,
            terminated,
            too_long: false,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_caps() {
        let data = b"ab\nccccccccc\nd".to_vec();
        let mut l = Lines::new(&data[..], 4);
        let m = l.next_line().unwrap().unwrap();
        assert_eq!(
            (m.no, m.terminated, m.too_long, l.line()),
            (1, true, false, &b"ab"[..])
        );
        let m = l.next_line().unwrap().unwrap();
        assert!(m.too_long && m.terminated);
        let m = l.next_line().unwrap().unwrap();
        assert_eq!((m.no, m.terminated, l.line()), (3, false, &b"d"[..]));
        assert!(l.next_line().unwrap().is_none());
    }
}
