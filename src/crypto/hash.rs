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
    let b = s.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    let mut bad = 0u8;
    for (o, p) in out.iter_mut().zip(b.chunks_exact(2)) {
        let (hi, lo) = (LOWER_HEX[p[0] as usize], LOWER_HEX[p[1] as usize]);
        bad |= (hi | lo) & 0x10;
        *o = (hi << 4) | (lo & 0x0f);
    }
    (bad == 0).then_some(out)
}

/// Value of each lowercase hex digit; 0x10 marks every other byte.
const LOWER_HEX: [u8; 256] = {
    let mut t = [0x10u8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// True if every character is `0-9a-f`.
pub fn is_lower_hex(s: &str) -> bool {
    s.bytes()
        .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
}

/// True for 64 lowercase hex digits.
pub fn is_hex64(s: &str) -> bool {
    s.len() == 64 && is_lower_hex(s)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
