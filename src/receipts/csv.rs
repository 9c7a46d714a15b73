//! A small strict RFC 4180 CSV reader (no dependency): comma separator, `"`-quoted
//! fields with `""` escapes, CRLF or LF record ends, a header record, and every record
//! with exactly the header's number of fields. Anything else is an error with its line,
//! never a guess.

use std::io::BufRead;

use super::verify::read_line_bounded;

/// Longest accepted physical line.
pub const MAX_LINE: usize = 1 << 20;

/// A CSV syntax error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvError {
    /// 1-based physical line where the problem was seen.
    pub line: u64,
    /// What was wrong.
    pub message: String,
}

/// Reads records one at a time.
pub struct CsvReader<R> {
    r: R,
    line: u64,
    buf: Vec<u8>,
    width: Option<usize>,
}

impl<R: BufRead> CsvReader<R> {
    /// A reader; the first record read is the header.
    pub fn new(r: R) -> Self {
        CsvReader {
            r,
            line: 0,
            buf: Vec::new(),
            width: None,
        }
    }

    fn physical(&mut self) -> Result<Option<Vec<u8>>, CsvError> {
        let got =
            read_line_bounded(&mut self.r, &mut self.buf, MAX_LINE).map_err(|e| CsvError {
                line: self.line + 1,
                message: format!("read error: {e}"),
            })?;
        match got {
            None => Ok(None),
            Some(false) => Err(CsvError {
                line: self.line + 1,
                message: format!("line longer than {MAX_LINE} bytes"),
            }),
            Some(true) => {
                self.line += 1;
                let mut l = std::mem::take(&mut self.buf);
                if l.last() == Some(&b'\r') {
                    l.pop();
                }
                Ok(Some(l))
            }
        }
    }

    /// The next record with the 1-based line it starts on; `None` at end of input.
    pub fn next_record(&mut self) -> Result<Option<(u64, Vec<String>)>, CsvError> {
        let Some(first) = self.physical()? else {
            return Ok(None);
        };
        let start = self.line;
        let err = |line: u64, m: &str| CsvError {
            line,
            message: m.to_string(),
        };
        let mut fields: Vec<Vec<u8>> = Vec::new();
        let mut cur: Vec<u8> = Vec::new();
        let mut line = first;
        let mut i = 0;
        // States: at field start, in unquoted, in quoted, after closing quote.
        #[derive(PartialEq)]
        enum S {
            Start,
            Plain,
            Quoted,
            AfterQuote,
        }
        let mut s = S::Start;
        loop {
            if i == line.len() {
                if s == S::Quoted {
                    cur.push(b'\n');
                    line = self
                        .physical()?
                        .ok_or_else(|| err(self.line, "end of input inside a quoted field"))?;
                    i = 0;
                    continue;
                }
                fields.push(std::mem::take(&mut cur));
                break;
            }
            let c = line[i];
            i += 1;
            match s {
                S::Start | S::Plain if c == b',' => {
                    fields.push(std::mem::take(&mut cur));
                    s = S::Start;
                }
                S::Start if c == b'"' => s = S::Quoted,
                S::Start | S::Plain => {
                    if c == b'"' {
                        return Err(err(self.line, "quote inside an unquoted field"));
                    }
                    if c == b'\r' {
                        return Err(err(self.line, "bare carriage return in a field"));
                    }
                    cur.push(c);
                    s = S::Plain;
                }
                S::Quoted if c == b'"' => {
                    if line.get(i) == Some(&b'"') {
                        cur.push(b'"');
                        i += 1;
                    } else {
                        s = S::AfterQuote;
                    }
                }
                S::Quoted => cur.push(c),
                S::AfterQuote => {
                    if c == b',' {
                        fields.push(std::mem::take(&mut cur));
                        s = S::Start;
                    } else {
                        return Err(err(self.line, "character after a closing quote"));
                    }
                }
            }
        }
        let fields = fields
            .into_iter()
            .map(|f| String::from_utf8(f).map_err(|_| err(start, "field is not UTF-8")))
            .collect::<Result<Vec<_>, _>>()?;
        match self.width {
            None => self.width = Some(fields.len()),
            Some(w) if w != fields.len() => {
                return Err(err(
                    start,
                    &format!("record has {} fields, the header has {w}", fields.len()),
                ))
            }
            _ => {}
        }
        Ok(Some((start, fields)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(s: &str) -> Result<Vec<Vec<String>>, CsvError> {
        let mut r = CsvReader::new(s.as_bytes());
        let mut v = Vec::new();
        while let Some((_, f)) = r.next_record()? {
            v.push(f);
        }
        Ok(v)
    }

    #[test]
    fn quoting_and_line_ends() {
        let v = all("a,b,c\r\n1,\"x,\"\"y\"\"\",\r\n\"multi\nline\",2,3\n").unwrap();
        assert_eq!(v[1], vec!["1", "x,\"y\"", ""]);
        assert_eq!(v[2], vec!["multi\nline", "2", "3"]);
    }

    #[test]
    fn strictness() {
        assert!(all("a,b\n1\n").is_err());
        assert!(all("a,b\n1,x\"y\n").is_err());
        assert!(all("a,b\n\"1\"x,2\n").is_err());
        assert!(all("a,b\n\"1,2\n").is_err());
        assert!(all("a,b\n1,2\n\n").is_err());
    }
}
