//! The tar parser: ustar, pax (`x`) and GNU (`L`, `K`) headers, strictly.
//!
//! Written here rather than taken from the `tar` crate because evv needs control the
//! crate does not offer: extension headers must be size-capped before they are read,
//! declared sizes must meet the limits before any data is read, the end-of-archive
//! marker must be exactly two zero blocks, and every defect needs its own code.

use super::entry::EntryReader;
use super::path::{self, display_bytes, Checked, Seen};
use super::stream::{Fault, Stream};
use super::{Code, EntrySink, FileRecord, Limits, MAX_META_SIZE};
use crate::verdict::{InputCode, Report, Subject};

const BLOCK: u64 = 512;

/// Counts of one walk.
pub(crate) struct Stats {
    /// Header blocks read (extension headers included).
    pub headers: u64,
}

/// A parsed header block.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Header {
    pub name: Vec<u8>,
    pub typeflag: u8,
    pub size: u64,
    pub linkname: Vec<u8>,
}

fn cstr(f: &[u8]) -> &[u8] {
    match f.iter().position(|b| *b == 0) {
        Some(i) => &f[..i],
        None => f,
    }
}

/// An octal field: optional leading spaces, octal digits, then only NULs or spaces.
/// An empty field is 0.
pub(crate) fn parse_octal(f: &[u8]) -> Option<u64> {
    let start = f.iter().position(|b| *b != b' ').unwrap_or(f.len());
    let f = &f[start..];
    let end = f
        .iter()
        .position(|b| *b == 0 || *b == b' ')
        .unwrap_or(f.len());
    if !f[end..].iter().all(|b| *b == 0 || *b == b' ') {
        return None;
    }
    let mut v: u64 = 0;
    for &b in &f[..end] {
        if !(b'0'..=b'7').contains(&b) {
            return None;
        }
        v = v.checked_mul(8)?.checked_add((b - b'0') as u64)?;
    }
    Some(v)
}

/// A numeric field: octal, or GNU base-256 (high bit of the first byte set;
/// negative values refused).
pub(crate) fn parse_numeric(f: &[u8]) -> Option<u64> {
    if f.first().is_some_and(|b| b & 0x80 != 0) {
        if f[0] & 0x40 != 0 {
            return None;
        }
        let mut v: u64 = (f[0] & 0x3f) as u64;
        for &b in &f[1..] {
            if v >> 56 != 0 {
                return None;
            }
            v = (v << 8) | b as u64;
        }
        return Some(v);
    }
    parse_octal(f)
}

/// Parses and validates one non-zero header block.
pub(crate) fn parse_header(b: &[u8; 512]) -> Result<Header, Fault> {
    let stored = parse_octal(&b[148..156])
        .ok_or_else(|| Fault::new(Code::HeaderInvalid, "the checksum field is not octal"))?;
    let computed: u64 = b[..148].iter().map(|x| *x as u64).sum::<u64>()
        + 8 * 32
        + b[156..].iter().map(|x| *x as u64).sum::<u64>();
    if stored != computed {
        return Err(Fault::new(
            Code::HeaderChecksum,
            format!("header checksum field says {stored}, the header sums to {computed}"),
        ));
    }
    let ustar = &b[257..263] == b"ustar\0" && &b[263..265] == b"00";
    let gnu = &b[257..263] == b"ustar " && &b[263..265] == b" \0";
    if !ustar && !gnu {
        return Err(Fault::new(
            Code::HeaderInvalid,
            "not a ustar or GNU tar header (magic and version at offset 257)",
        ));
    }
    let mut name = cstr(&b[0..100]).to_vec();
    if ustar {
        let prefix = cstr(&b[345..500]);
        if !prefix.is_empty() {
            let mut full = prefix.to_vec();
            full.push(b'/');
            full.extend_from_slice(&name);
            name = full;
        }
    }
    let size = parse_numeric(&b[124..136]).ok_or_else(|| {
        Fault::new(Code::HeaderInvalid, "the size field is not a valid number")
            .at(&display_bytes(&name))
    })?;
    Ok(Header {
        name,
        typeflag: b[156],
        size,
        linkname: cstr(&b[157..257]).to_vec(),
    })
}

/// What a pax extended header (`x`) says about the next entry.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Pax {
    pub path: Option<Vec<u8>>,
    pub size: Option<u64>,
    pub linkpath: Option<Vec<u8>>,
    /// A `GNU.sparse.*` key: the entry's data is a sparse map, not the file.
    pub sparse: bool,
}

/// Parses pax records `"<len> <key>=<value>\n"` (len counts the whole record).
pub(crate) fn parse_pax(data: &[u8]) -> Result<Pax, String> {
    let mut pax = Pax::default();
    let mut i = 0;
    while i < data.len() {
        let rest = &data[i..];
        let sp = rest
            .iter()
            .position(|b| *b == b' ')
            .ok_or("pax record without a length")?;
        let len: usize = std::str::from_utf8(&rest[..sp])
            .ok()
            .filter(|s| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()))
            .and_then(|s| s.parse().ok())
            .ok_or("pax record length is not a decimal number")?;
        if len <= sp + 1 || len > rest.len() || rest[len - 1] != b'\n' {
            return Err(format!("pax record at byte {i} has a wrong length"));
        }
        let rec = &rest[sp + 1..len - 1];
        let eq = rec
            .iter()
            .position(|b| *b == b'=')
            .ok_or("pax record without `=`")?;
        let (key, value) = (&rec[..eq], &rec[eq + 1..]);
        match key {
            b"path" | b"size" | b"linkpath" if value.is_empty() => {
                return Err(format!(
                    "pax record `{}` has an empty value",
                    String::from_utf8_lossy(key)
                ))
            }
            b"path" => set_once(&mut pax.path, value.to_vec(), "path")?,
            b"linkpath" => set_once(&mut pax.linkpath, value.to_vec(), "linkpath")?,
            b"size" => {
                let v = std::str::from_utf8(value)
                    .ok()
                    .filter(|s| s.bytes().all(|c| c.is_ascii_digit()))
                    .and_then(|s| s.parse::<u64>().ok())
                    .ok_or("pax size is not a decimal number")?;
                set_once(&mut pax.size, v, "size")?;
            }
            k if k.starts_with(b"GNU.sparse.") => pax.sparse = true,
            _ => {}
        }
        i += len;
    }
    Ok(pax)
}

fn set_once<T>(slot: &mut Option<T>, v: T, key: &str) -> Result<(), String> {
    if slot.is_some() {
        return Err(format!("pax key `{key}` appears twice"));
    }
    *slot = Some(v);
    Ok(())
}

fn round_up(n: u64) -> Option<u64> {
    n.checked_add(BLOCK - 1).map(|x| x & !(BLOCK - 1))
}

/// Reads the data of an extension header (capped, then padding skipped).
fn read_meta(st: &mut Stream<'_>, size: u64, what: &str) -> Result<Vec<u8>, Fault> {
    if size > MAX_META_SIZE {
        return Err(Fault::new(
            Code::HeaderInvalid,
            format!("{what} declares {size} bytes (at most {MAX_META_SIZE})"),
        ));
    }
    let mut data = vec![0u8; size as usize];
    if st.read_full(&mut data)? < data.len() {
        return Err(Fault::new(
            Code::Truncated,
            format!("the archive ends inside a {what}"),
        ));
    }
    skip_padding(st, size)?;
    Ok(data)
}

fn skip_padding(st: &mut Stream<'_>, size: u64) -> Result<(), Fault> {
    let pad = round_up(size).unwrap_or(size) - size;
    if st.skip(pad)? < pad {
        return Err(Fault::new(
            Code::Truncated,
            "the archive ends inside entry padding",
        ));
    }
    Ok(())
}

fn skip_data(st: &mut Stream<'_>, size: u64) -> Result<(), Fault> {
    let got = st.skip(size)?;
    if got < size {
        return Err(Fault::new(
            Code::Truncated,
            format!(
                "the archive ends {} bytes before the end of this entry",
                size - got
            ),
        ));
    }
    Ok(())
}

/// Extension headers waiting for the entry they describe.
#[derive(Default)]
struct Pending {
    pax: Option<Pax>,
    long_name: Option<Vec<u8>>,
    long_link: Option<Vec<u8>>,
}

impl Pending {
    fn any(&self) -> bool {
        self.pax.is_some() || self.long_name.is_some() || self.long_link.is_some()
    }
}

/// Walks the archive up to and including its end-of-archive marker. `Err` is a fault
/// that stopped reading; refusals of single entries are findings in `report`.
pub(crate) fn walk(
    st: &mut Stream<'_>,
    limits: &Limits,
    sink: &mut dyn EntrySink,
    report: &mut Report,
    records: &mut Vec<FileRecord>,
) -> Result<Stats, Fault> {
    let mut headers: u64 = 0;
    let mut seen = Seen::default();
    let mut pending = Pending::default();
    let mut block = [0u8; 512];
    loop {
        let got = st.read_full(&mut block)?;
        if got == 0 {
            return Err(Fault::new(
                Code::Truncated,
                "the archive ends without an end-of-archive marker (two zero blocks)",
            ));
        }
        if got < 512 {
            return Err(Fault::new(
                Code::Truncated,
                "the archive ends inside a header",
            ));
        }
        if block.iter().all(|b| *b == 0) {
            if pending.any() {
                return Err(Fault::new(
                    Code::HeaderInvalid,
                    "an extension header is not followed by the entry it describes",
                ));
            }
            let got = st.read_full(&mut block)?;
            if got < 512 {
                return Err(Fault::new(
                    Code::Truncated,
                    "the end-of-archive marker is a single zero block",
                ));
            }
            if !block.iter().all(|b| *b == 0) {
                return Err(Fault::new(
                    Code::DataAfterEnd,
                    "a header follows a single zero block (entries hidden after an end marker)",
                ));
            }
            return Ok(Stats { headers });
        }
        headers += 1;
        if headers > limits.max_entries {
            return Err(Fault::new(
                Code::LimitEntries,
                format!("more than --max-entries {} tar headers", limits.max_entries),
            ));
        }
        let h = parse_header(&block)?;
        let shown = display_bytes(&h.name);
        match h.typeflag {
            b'x' => {
                let data = read_meta(st, h.size, "pax extended header")?;
                let pax =
                    parse_pax(&data).map_err(|e| Fault::new(Code::HeaderInvalid, e).at(&shown))?;
                if pending.pax.replace(pax).is_some() {
                    return Err(Fault::new(
                        Code::HeaderInvalid,
                        "two pax headers for one entry",
                    ));
                }
                continue;
            }
            b'g' => {
                let data = read_meta(st, h.size, "pax global header")?;
                let pax =
                    parse_pax(&data).map_err(|e| Fault::new(Code::HeaderInvalid, e).at(&shown))?;
                if pax != Pax::default() {
                    return Err(Fault::new(
                        Code::EntryUnsupported,
                        "a pax global header sets path, size, linkpath or sparse keys for all later entries",
                    ));
                }
                continue;
            }
            b'L' | b'K' => {
                let what = if h.typeflag == b'L' {
                    "GNU long name"
                } else {
                    "GNU long link"
                };
                let data = read_meta(st, h.size, what)?;
                let v = cstr(&data).to_vec();
                let slot = if h.typeflag == b'L' {
                    &mut pending.long_name
                } else {
                    &mut pending.long_link
                };
                if slot.replace(v).is_some() {
                    return Err(Fault::new(
                        Code::HeaderInvalid,
                        format!("two {what} headers for one entry"),
                    ));
                }
                continue;
            }
            _ => {}
        }
        let pax = pending.pax.take().unwrap_or_default();
        let long_name = pending.long_name.take();
        let long_link = pending.long_link.take();
        let name = match (long_name, pax.path) {
            (Some(_), Some(_)) => {
                return Err(Fault::new(
                    Code::HeaderInvalid,
                    "an entry has both a GNU long name and a pax path",
                )
                .at(&shown))
            }
            (Some(n), None) | (None, Some(n)) => n,
            (None, None) => h.name,
        };
        let link = long_link.or(pax.linkpath).unwrap_or(h.linkname);
        let shown = display_bytes(&name);
        let size = pax.size.unwrap_or(h.size);
        if matches!(h.typeflag, b'0' | 0) && size > limits.max_file_size {
            return Err(Fault::new(
                Code::LimitFileSize,
                format!(
                    "the file declares {size} bytes, beyond --max-file-size {}",
                    limits.max_file_size
                ),
            )
            .at(&shown));
        }
        let data_end = round_up(size).and_then(|s| s.checked_add(st.pos()));
        if data_end.is_none_or(|e| e > limits.max_total_size) {
            return Err(Fault::new(
                Code::LimitTotalSize,
                format!(
                    "the entry declares {size} bytes, beyond --max-total-size {}",
                    limits.max_total_size
                ),
            )
            .at(&shown));
        }
        let refuse = |report: &mut Report, code: Code, msg: String| {
            report.fail(code, Subject::file(shown.clone()), msg)
        };
        match h.typeflag {
            b'0' | 0 if pax.sparse => {
                refuse(
                    report,
                    Code::EntryUnsupported,
                    "a GNU sparse file (pax GNU.sparse keys)".into(),
                );
                skip_data(st, size).map_err(|f| f.at(&shown))?;
            }
            b'0' | 0 => match path::check(&name) {
                Err(r) => {
                    refuse(report, r.code, r.why);
                    skip_data(st, size).map_err(|f| f.at(&shown))?;
                }
                Ok(Checked::Root | Checked::PayloadDir) => {
                    let what = if name.is_empty() {
                        "the root"
                    } else {
                        "payload"
                    };
                    refuse(
                        report,
                        Code::PathInvalid,
                        format!("a regular file cannot stand for {what}"),
                    );
                    skip_data(st, size).map_err(|f| f.at(&shown))?;
                }
                Ok(Checked::Payload(p)) => {
                    if let Err(why) = seen.add_file(&p) {
                        report.fail(Code::PathDuplicate, Subject::file(p.clone()), why);
                        skip_data(st, size).map_err(|f| f.at(&p))?;
                    } else {
                        let sha256 = stream_file(st, sink, report, &p, size)?;
                        records.push(FileRecord {
                            path: p,
                            size,
                            sha256,
                        });
                    }
                }
            },
            b'5' => {
                if size != 0 {
                    return Err(Fault::new(
                        Code::HeaderInvalid,
                        format!("a directory entry carries {size} data bytes"),
                    )
                    .at(&shown));
                }
                match path::check(&name) {
                    Err(r) => refuse(report, r.code, r.why),
                    Ok(Checked::Root | Checked::PayloadDir) => {}
                    Ok(Checked::Payload(p)) => {
                        if let Err(why) = seen.add_dir(&p) {
                            report.fail(Code::PathDuplicate, Subject::file(p), why);
                        }
                    }
                }
            }
            t => {
                let (code, what) = match t {
                    b'1' => (Code::EntryHardlink, "a hard link"),
                    b'2' => (Code::EntrySymlink, "a symbolic link"),
                    b'3' => (Code::EntrySpecial, "a character device"),
                    b'4' => (Code::EntrySpecial, "a block device"),
                    b'6' => (Code::EntrySpecial, "a FIFO"),
                    _ => (Code::EntryUnsupported, "an entry of an unsupported type"),
                };
                let msg = match t {
                    b'1' | b'2' => format!("{what} to `{}`", display_bytes(&link)),
                    b'3' | b'4' | b'6' => what.to_string(),
                    _ => format!("{what} (type {})", display_bytes(&[t])),
                };
                refuse(report, code, msg);
                skip_data(st, size).map_err(|f| f.at(&shown))?;
            }
        }
        skip_padding(st, size).map_err(|f| f.at(&shown))?;
    }
}

/// Offers one payload file to the sink and drains the rest; returns its SHA-256.
fn stream_file(
    st: &mut Stream<'_>,
    sink: &mut dyn EntrySink,
    report: &mut Report,
    p: &str,
    size: u64,
) -> Result<[u8; 32], Fault> {
    let mut rdr = EntryReader::new(st, size);
    let res = sink.file(p, size, &mut rdr);
    if let Some(f) = rdr.fault() {
        return Err(f.clone().at(p));
    }
    if let Err(e) = res {
        report.fail(
            InputCode::Read,
            Subject::file(p),
            format!("the file could not be processed: {e}"),
        );
    }
    rdr.finish().map_err(|f| f.at(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_octal(b"0000644\0"), Some(0o644));
        assert_eq!(parse_octal(b"  644 \0"), Some(0o644));
        assert_eq!(parse_octal(b"\0\0\0"), Some(0));
        assert_eq!(parse_octal(b"64 4"), None);
        assert_eq!(parse_octal(b"0008"), None);
        assert_eq!(
            parse_numeric(&[0x80, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]),
            Some(1 << 32)
        );
        assert_eq!(parse_numeric(&[0xff; 12]), None);
        assert_eq!(
            parse_numeric(&[0x80, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            None
        );
    }

    #[test]
    fn pax_records() {
        let p = parse_pax(b"18 path=payload/x\n12 size=100\n20 mtime=1700000000\n").unwrap();
        assert_eq!(p.path.as_deref(), Some(&b"payload/x"[..]));
        assert_eq!(p.size, Some(100));
        assert!(parse_pax(b"19 path=payload/x\n").is_err());
        assert!(parse_pax(b"9 path=a\n9 path=b\n").is_err());
        assert!(parse_pax(b"11 size=1x\n").is_err());
        assert!(parse_pax(b"22 GNU.sparse.major=1\n").unwrap().sparse);
    }
}
