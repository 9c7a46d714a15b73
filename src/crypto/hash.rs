//! SHA-256 helpers and strict hex handling.

use sha2::{Digest, Sha256};

/// SHA-256 of bytes.
pub fn sha256(b: &[u8]) -> [u8; 32] {
    Sha256::digest(b).into()
}

/// Lowercase hex SHA-256 of bytes.
pub fn sha256_hex(b: &[u8]) -> String {
    hex::encode(sha256(b))
}

/// Decodes exactly 64 lowercase hex digits. Uppercase is refused: evidence formats
/// define their digests as lowercase, and two spellings of one digest are ambiguous.
pub fn parse_hex32(s: &str) -> Option<[u8; 32]> {
    parse_hex32_bytes(s.as_bytes())
}

/// [`parse_hex32`] on bytes (anything but 64 lowercase hex digits is refused).
pub fn parse_hex32_bytes(b: &[u8]) -> Option<[u8; 32]> {
    let b: &[u8; 64] = b.try_into().ok()?;
    let mut out = [0u8; 32];
    // All eight words are converted and their faults gathered, with one test at the
    // end: no branch per word (a refused digest costs the same as an accepted one).
    let mut bad = 0;
    for (o, p) in out.chunks_exact_mut(4).zip(b.chunks_exact(8)) {
        let mut w = [0u8; 8];
        w.copy_from_slice(p);
        let (v, fault) = hex8(u64::from_le_bytes(w));
        bad |= fault;
        o.copy_from_slice(&v.to_le_bytes());
    }
    (bad == 0).then_some(out)
}

/// Eight lowercase hex digits (little-endian in `w`: the first digit is the low byte)
/// decoded to four bytes (first byte low), with a fault word that is non-zero iff any
/// byte is not `0-9a-f` (the decoded value is then meaningless). SWAR: all eight digits
/// are checked and converted at once.
#[inline]
fn hex8(w: u64) -> (u32, u64) {
    const fn splat(b: u8) -> u64 {
        u64::from_le_bytes([b; 8])
    }
    const HI: u64 = splat(0x80);
    // A byte >= 0x80 is a fault by itself. For the others these sums never carry into
    // the next byte: the high bit of a byte of `v + splat(0x80 - lo)` is set iff that
    // byte is >= lo. (Faulty high bytes are masked off first so that they cannot carry
    // into their neighbours' tests; the fault is kept in `fault`.)
    let v = w & !HI;
    let ge = |lo: u8| v.wrapping_add(splat(0x80 - lo)) & HI;
    let digit = ge(b'0') & !ge(b'9' + 1);
    let alpha = ge(b'a') & !ge(b'f' + 1);
    let fault = (w & HI) | ((digit | alpha) ^ HI);
    // '0'..'9' -> low nibble; 'a'..'f' -> low nibble (1..6) + 9.
    let nib = (w & splat(0x0f)) + (alpha >> 7) * 9;
    // Pair each digit with the next: byte 2j becomes (nib[2j] << 4) | nib[2j+1].
    let pairs = ((nib << 4) | (nib >> 8)) & 0x00ff_00ff_00ff_00ff;
    let value = (pairs & 0xff) as u32
        | ((pairs >> 8) & 0xff00) as u32
        | ((pairs >> 16) & 0xff_0000) as u32
        | ((pairs >> 24) & 0xff00_0000) as u32;
    (value, fault)
}

/// True if every character is `0-9a-f`.
pub fn is_lower_hex(s: &str) -> bool {
    s.bytes()
        .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
}

/// True for 64 lowercase hex digits.
pub fn is_hex64(s: &str) -> bool {
    is_hex64_bytes(s.as_bytes())
}

/// [`is_hex64`] on bytes. Every byte is tested, with no early exit, so that the test
/// vectorises: it is cheaper than decoding ([`parse_hex32_bytes`]) when only the
/// form of a digest matters.
#[inline]
pub fn is_hex64_bytes(b: &[u8]) -> bool {
    let Ok(d) = <&[u8; 64]>::try_from(b) else {
        return false;
    };
    d.iter().fold(true, |ok, &c| {
        ok & ((c.wrapping_sub(b'0') < 10) | (c.wrapping_sub(b'a') < 6))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_hex32_decodes_like_hex() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..2000 {
            let mut b = [0u8; 32];
            for c in b.iter_mut() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *c = x as u8;
            }
            assert_eq!(parse_hex32(&hex::encode(b)), Some(b));
        }
    }

    #[test]
    fn parse_hex32_accepts_only_64_lowercase_hex_digits() {
        let good = "0123456789abcdef".repeat(4);
        assert_eq!(parse_hex32(&good).map(hex::encode), Some(good.clone()));
        for i in 0..64 {
            for c in ['A', 'F', 'g', 'G', ' ', '/', ':', '@', '`', '\u{7f}'] {
                let mut s: Vec<char> = good.chars().collect();
                s[i] = c;
                let s: String = s.into_iter().collect();
                assert_eq!(parse_hex32(&s), None, "{s}");
            }
        }
        for s in ["", "00", &good[1..], &format!("{good}0"), &"é".repeat(32)] {
            assert_eq!(parse_hex32(s), None, "{s}");
        }
        for b in 0..=255u8 {
            let s = format!("{}{b:02x}", "0".repeat(62));
            assert_eq!(parse_hex32(&s).map(|h| h[31]), Some(b));
        }
    }

    /// Every byte value in every lane of the SWAR words (and in the first and last
    /// word), beside digits that are valid: refused exactly when it is not `0-9a-f`,
    /// and never able to disturb a neighbouring digit's verdict.
    #[test]
    fn hex64_every_byte_everywhere() {
        let good = b"0123456789abcdef".repeat(4);
        assert!(is_hex64_bytes(&good));
        assert!(!is_hex64_bytes(&good[1..]));
        assert!(!is_hex64_bytes(&[good.as_slice(), b"0"].concat()));
        for pos in 0..64 {
            for b in 0..=255u8 {
                let mut s = good.clone();
                s[pos] = b;
                let ok = b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
                assert_eq!(is_hex64_bytes(&s), ok, "byte {b:#04x} at {pos}");
            }
        }
    }

    #[test]
    fn parse_hex32_bytes_every_byte_in_every_lane() {
        let good = b"0123456789abcdef".repeat(4);
        for pos in (0..16).chain(56..64) {
            for b in 0..=255u8 {
                let mut s = good.clone();
                s[pos] = b;
                let ok = b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
                let got = parse_hex32_bytes(&s);
                assert_eq!(got.is_some(), ok, "byte {b:#04x} at {pos}");
                if ok {
                    assert_eq!(got.map(hex::encode), Some(String::from_utf8(s).unwrap()));
                }
            }
        }
    }
}
