//! Deterministic tar and gzip writing for test fixtures (shared test-support code).
//!
//! Headers are written by hand (not with the `tar` crate) so that tests can produce
//! exactly the malformed archives a verifier must refuse. Every header is
//! deterministic: mtime 0, uid/gid 0, empty uname/gname, mode 0644 (0755 for
//! directories); gzip output has mtime 0, no file name, OS byte 255.
#![allow(dead_code)]

use std::io::Write;

/// Tar block size.
pub const BLOCK: usize = 512;
/// GNU tar and Python's tarfile pad archives to 20 blocks.
pub const RECORD: usize = 20 * BLOCK;

/// Header magic flavours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Magic {
    /// POSIX ustar (`ustar\0` `00`), as written by pax-format tools.
    Ustar,
    /// GNU (`ustar ` ` \0`).
    Gnu,
    /// Pre-POSIX v7: no magic at all.
    V7,
}

/// One tar header's fields.
#[derive(Clone, Debug)]
pub struct Header {
    pub name: Vec<u8>,
    pub typeflag: u8,
    pub size: u64,
    pub mode: u32,
    pub mtime: u64,
    pub uid: u64,
    pub gid: u64,
    pub uname: Vec<u8>,
    pub gname: Vec<u8>,
    pub linkname: Vec<u8>,
    pub magic: Magic,
}

impl Header {
    /// A regular-file header.
    pub fn file(name: &[u8], size: u64) -> Self {
        Header {
            name: name.to_vec(),
            typeflag: b'0',
            size,
            mode: 0o644,
            mtime: 0,
            uid: 0,
            gid: 0,
            uname: Vec::new(),
            gname: Vec::new(),
            linkname: Vec::new(),
            magic: Magic::Ustar,
        }
    }
    /// A header of another type.
    pub fn of_type(name: &[u8], typeflag: u8) -> Self {
        let mut h = Header::file(name, 0);
        h.typeflag = typeflag;
        if typeflag == b'5' {
            h.mode = 0o755;
        }
        h
    }
}

fn octal(field: &mut [u8], v: u64) {
    let s = format!("{:0width$o}\0", v, width = field.len() - 1);
    assert!(s.len() == field.len(), "value {v} does not fit the field");
    field.copy_from_slice(s.as_bytes());
}

/// Recomputes and stores a header block's checksum.
pub fn set_checksum(b: &mut [u8]) {
    b[148..156].fill(b' ');
    let sum: u64 = b[..512].iter().map(|x| *x as u64).sum();
    let s = format!("{sum:06o}\0 ");
    b[148..156].copy_from_slice(s.as_bytes());
}

/// Encodes a header block (name must fit 100 bytes; use pax or GNU headers otherwise).
pub fn header_block(h: &Header) -> [u8; BLOCK] {
    let mut b = [0u8; BLOCK];
    assert!(h.name.len() <= 100, "name too long for a plain header");
    b[..h.name.len()].copy_from_slice(&h.name);
    octal(&mut b[100..108], h.mode as u64);
    octal(&mut b[108..116], h.uid);
    octal(&mut b[116..124], h.gid);
    if h.size < 1 << 33 {
        octal(&mut b[124..136], h.size);
    } else {
        // GNU base-256.
        b[124] = 0x80;
        b[128..136].copy_from_slice(&h.size.to_be_bytes());
    }
    octal(&mut b[136..148], h.mtime);
    b[156] = h.typeflag;
    b[157..157 + h.linkname.len()].copy_from_slice(&h.linkname);
    match h.magic {
        Magic::Ustar => {
            b[257..263].copy_from_slice(b"ustar\0");
            b[263..265].copy_from_slice(b"00");
        }
        Magic::Gnu => {
            b[257..263].copy_from_slice(b"ustar ");
            b[263..265].copy_from_slice(b" \0");
        }
        Magic::V7 => {}
    }
    b[265..265 + h.uname.len()].copy_from_slice(&h.uname);
    b[297..297 + h.gname.len()].copy_from_slice(&h.gname);
    if h.magic != Magic::V7 {
        octal(&mut b[329..337], 0);
        octal(&mut b[337..345], 0);
    }
    set_checksum(&mut b);
    b
}

/// One pax record `"<len> <key>=<value>\n"`.
pub fn pax_record(key: &str, value: &[u8]) -> Vec<u8> {
    let body = key.len() + value.len() + 2;
    let mut len = body + 2;
    while len.to_string().len() + 1 + body != len {
        len = body + 1 + len.to_string().len();
    }
    let mut r = format!("{len} {key}=").into_bytes();
    r.extend_from_slice(value);
    r.push(b'\n');
    r
}

/// Builds a tar stream block by block.
#[derive(Default)]
pub struct TarWriter {
    /// The bytes so far.
    pub out: Vec<u8>,
}

impl TarWriter {
    pub fn new() -> Self {
        TarWriter::default()
    }
    fn pad(&mut self) {
        let rem = self.out.len() % BLOCK;
        if rem != 0 {
            self.out.resize(self.out.len() + BLOCK - rem, 0);
        }
    }
    /// A header followed by `data` and zero padding.
    pub fn entry(&mut self, h: &Header, data: &[u8]) -> &mut Self {
        self.out.extend_from_slice(&header_block(h));
        self.out.extend_from_slice(data);
        self.pad();
        self
    }
    /// A regular file (a pax `path` record is added for names over 100 bytes).
    pub fn file(&mut self, name: &str, data: &[u8]) -> &mut Self {
        if name.len() > 100 {
            self.pax(&[("path", name.as_bytes())]);
            let short = format!("PaxHeaders/{}", &name[name.len() - 50..]);
            return self.entry(&Header::file(short.as_bytes(), data.len() as u64), data);
        }
        self.entry(&Header::file(name.as_bytes(), data.len() as u64), data)
    }
    /// A directory entry.
    pub fn dir(&mut self, name: &str) -> &mut Self {
        self.entry(&Header::of_type(name.as_bytes(), b'5'), &[])
    }
    /// A pax extended header (`x`) for the next entry.
    pub fn pax(&mut self, records: &[(&str, &[u8])]) -> &mut Self {
        let data: Vec<u8> = records.iter().flat_map(|(k, v)| pax_record(k, v)).collect();
        let mut h = Header::file(b"./PaxHeaders/entry", data.len() as u64);
        h.typeflag = b'x';
        self.entry(&h, &data)
    }
    /// A GNU long-name header (`L`) for the next entry.
    pub fn gnu_long_name(&mut self, name: &[u8]) -> &mut Self {
        let mut data = name.to_vec();
        data.push(0);
        let mut h = Header::file(b"././@LongLink", data.len() as u64);
        h.typeflag = b'L';
        h.magic = Magic::Gnu;
        self.entry(&h, &data)
    }
    /// Raw bytes, unpadded.
    pub fn raw(&mut self, b: &[u8]) -> &mut Self {
        self.out.extend_from_slice(b);
        self
    }
    /// The end-of-archive marker (two zero blocks), padded to a 10240-byte record.
    pub fn finish(&mut self) -> Vec<u8> {
        self.out.extend_from_slice(&[0u8; 2 * BLOCK]);
        let rem = self.out.len() % RECORD;
        if rem != 0 {
            self.out.resize(self.out.len() + RECORD - rem, 0);
        }
        std::mem::take(&mut self.out)
    }
    /// The bytes without any end-of-archive marker.
    pub fn unfinished(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }
}

/// Deterministic gzip (one member, mtime 0, no name, OS 255, level 9).
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(Vec::new(), flate2::Compression::best());
    e.write_all(data).expect("in-memory write");
    e.finish().expect("in-memory write")
}
