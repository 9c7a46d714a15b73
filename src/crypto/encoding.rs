//! Unambiguous text encodings of keys and signatures (SPEC.md §5.3).
//!
//! Keys and signatures travel as text in three encodings: hex, base64 and base58
//! (Bitcoin alphabet). One string can be valid in more than one of them, so evv never
//! guesses silently:
//!
//! 1. An explicit prefix `hex:`, `b64:` or `b58:` selects exactly one decoder. `:` is
//!    in none of the three alphabets, so a prefix cannot be confused with data.
//! 2. Without a prefix, the value is decoded with all three decoders, and the
//!    candidates whose output has exactly the expected length (fixed by the
//!    algorithm) are kept. Exactly one candidate must remain; none is an error, and
//!    two or more is an ambiguity error (fail closed).
//! 3. Public keys only: a PEM `-----BEGIN PUBLIC KEY-----` block holding an Ed25519
//!    SubjectPublicKeyInfo (RFC 8410) is accepted for Ed25519.
//!
//! Hex accepts either case (the bytes, and so the fingerprint, are the same); base64
//! is the standard alphabet in its canonical form: padding required, unused trailing
//! bits zero (one spelling per byte string). No whitespace is accepted outside PEM.
//!
//! With these rules no key or signature length evv uses can be ambiguous: hex of `L`
//! bytes has `2L` characters, which no base64 or base58 string of `L` bytes has;
//! canonical base64 of 32, 64, 1312, 1952, 2420 or 4627 bytes ends in `=`, which is
//! not in the base58 alphabet; and 3456 (2592-byte key) or 4412 (3309-byte signature)
//! base58 characters carry too few bits. The ambiguity check remains as a guard.

use base64::Engine;

use super::sig::{self, Alg};

/// A text encoding of raw bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Encoding {
    /// Hex digits, either case.
    Hex,
    /// Standard base64 alphabet, canonical (padding required, zero trailing bits).
    Base64,
    /// Base58 with the Bitcoin alphabet.
    Base58,
}

impl Encoding {
    /// Every encoding, in the order ambiguity errors list them.
    pub const ALL: [Encoding; 3] = [Encoding::Hex, Encoding::Base64, Encoding::Base58];

    /// The explicit prefix that selects this encoding.
    pub const fn prefix(self) -> &'static str {
        match self {
            Encoding::Hex => "hex:",
            Encoding::Base64 => "b64:",
            Encoding::Base58 => "b58:",
        }
    }

    /// Decodes `s` with this encoding alone (no length check).
    pub fn decode(self, s: &str) -> Result<Vec<u8>, String> {
        match self {
            Encoding::Hex => hex::decode(s).map_err(|e| format!("not hex: {e}")),
            Encoding::Base64 => base64_engine()
                .decode(s)
                .map_err(|e| format!("not base64: {e}")),
            Encoding::Base58 => bs58::decode(s)
                .with_alphabet(bs58::Alphabet::BITCOIN)
                .into_vec()
                .map_err(|e| format!("not base58: {e}")),
        }
    }

    /// Encodes bytes (hex lowercase, base64 padded).
    pub fn encode(self, b: &[u8]) -> String {
        match self {
            Encoding::Hex => hex::encode(b),
            Encoding::Base64 => base64::engine::general_purpose::STANDARD.encode(b),
            Encoding::Base58 => bs58::encode(b)
                .with_alphabet(bs58::Alphabet::BITCOIN)
                .into_string(),
        }
    }

    const fn name(self) -> &'static str {
        match self {
            Encoding::Hex => "hex",
            Encoding::Base64 => "base64",
            Encoding::Base58 => "base58",
        }
    }
}

fn base64_engine() -> base64::engine::GeneralPurpose {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::RequireCanonical)
            .with_decode_allow_trailing_bits(false),
    )
}

/// Decodes `s` to exactly `len` bytes under the rules of this module (prefix, or a
/// unique length match). Returns the bytes and the encoding used.
pub fn decode_exact(s: &str, len: usize) -> Result<(Vec<u8>, Encoding), String> {
    if s.is_empty() {
        return Err("empty value".into());
    }
    // No encoding of `len` bytes is longer than hex plus a prefix (base58 needs at most
    // ~1.37 characters per byte), except base64 of one byte (`b64:AA==`, 8 characters),
    // hence `max(len, 2)`. Refusing longer input first also keeps the quadratic base58
    // decoder away from hostile megabyte-long values.
    if s.len() > 2 * len.max(2) + 4 {
        return Err(format!(
            "{} characters is too long for an encoding of {len} bytes",
            s.len()
        ));
    }
    if let Some(enc) = Encoding::ALL.iter().find(|e| s.starts_with(e.prefix())) {
        let b = enc.decode(&s[enc.prefix().len()..])?;
        if b.len() != len {
            return Err(format!(
                "{} value decodes to {} bytes, expected {len}",
                enc.name(),
                b.len()
            ));
        }
        return Ok((b, *enc));
    }
    if s.contains(':') {
        return Err("unknown encoding prefix (expected hex:, b64: or b58:)".into());
    }
    let hits: Vec<(Vec<u8>, Encoding)> = Encoding::ALL
        .iter()
        .filter_map(|e| e.decode(s).ok().map(|b| (b, *e)))
        .filter(|(b, _)| b.len() == len)
        .collect();
    match hits.len() {
        0 => Err(format!(
            "not a hex, base64 or base58 encoding of {len} bytes"
        )),
        1 => Ok(hits.into_iter().next().expect("one hit")),
        _ => Err(format!(
            "ambiguous: valid as {} encodings of {len} bytes; add a hex:, b64: or b58: prefix",
            hits.iter()
                .map(|(_, e)| e.name())
                .collect::<Vec<_>>()
                .join(" and ")
        )),
    }
}

/// Longest PEM text accepted (an Ed25519 SPKI PEM is about 113 characters).
const MAX_PEM: usize = 4096;

/// Decodes a public key for `alg` from text: an encoding of the raw key bytes (see
/// [`decode_exact`]) or, for Ed25519, an SPKI PEM block. The key is also checked to
/// be usable for `alg` (Ed25519: canonical, on the curve, not of small order).
pub fn decode_public_key(alg: Alg, s: &str) -> Result<Vec<u8>, String> {
    let raw = if s.trim_start().starts_with("-----BEGIN") {
        if s.len() > MAX_PEM {
            return Err(format!("PEM block longer than {MAX_PEM} characters"));
        }
        if alg != Alg::Ed25519 {
            return Err(format!(
                "PEM keys are accepted for ed25519 only, not {}",
                alg.name()
            ));
        }
        use ed25519_dalek::pkcs8::DecodePublicKey;
        ed25519_dalek::VerifyingKey::from_public_key_pem(s.trim())
            .map_err(|e| format!("not an Ed25519 SubjectPublicKeyInfo PEM: {e}"))?
            .to_bytes()
            .to_vec()
    } else {
        decode_exact(s, alg.public_key_len())
            .map_err(|e| format!("{} public key: {e}", alg.name()))?
            .0
    };
    if alg == Alg::Ed25519 {
        let a: [u8; 32] = raw
            .as_slice()
            .try_into()
            .map_err(|_| "ed25519 public key must be 32 bytes".to_string())?;
        sig::ed25519_verifying_key(&a).map_err(|e| e.to_string())?;
    }
    Ok(raw)
}

/// Decodes a signature for `alg` from text (see [`decode_exact`]).
pub fn decode_signature(alg: Alg, s: &str) -> Result<Vec<u8>, String> {
    decode_exact(s, alg.signature_len())
        .map(|(b, _)| b)
        .map_err(|e| format!("{} signature: {e}", alg.name()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ed_pk() -> [u8; 32] {
        ed25519_dalek::SigningKey::from_bytes(&[9u8; 32])
            .verifying_key()
            .to_bytes()
    }

    #[test]
    fn every_encoding_roundtrips_unprefixed_and_prefixed() {
        let pk = ed_pk();
        for e in Encoding::ALL {
            let s = e.encode(&pk);
            assert_eq!(decode_exact(&s, 32), Ok((pk.to_vec(), e)), "{s}");
            let p = format!("{}{s}", e.prefix());
            assert_eq!(decode_exact(&p, 32), Ok((pk.to_vec(), e)), "{p}");
            assert_eq!(decode_public_key(Alg::Ed25519, &s), Ok(pk.to_vec()));
        }
        let up = hex::encode_upper(pk);
        assert_eq!(decode_exact(&up, 32).map(|x| x.0), Ok(pk.to_vec()));
    }

    /// Random keys and signatures of every length evv uses decode unprefixed, in
    /// every encoding, to themselves (never ambiguous).
    #[test]
    fn evv_lengths_are_never_ambiguous() {
        let mut seed = [0u8; 32];
        for alg in Alg::ALL {
            for len in [alg.public_key_len(), alg.signature_len()] {
                for round in 0..3u8 {
                    seed[0] = round;
                    seed[1] = len as u8;
                    let mut b = Vec::with_capacity(len);
                    let mut ctr = 0u32;
                    while b.len() < len {
                        let mut x = seed.to_vec();
                        x.extend(ctr.to_le_bytes());
                        b.extend(super::super::hash::sha256(&x));
                        ctr += 1;
                    }
                    b.truncate(len);
                    if round == 0 {
                        b[0] = 0; // leading zero bytes are '1' in base58
                        b[1] = 0;
                    }
                    for e in Encoding::ALL {
                        assert_eq!(decode_exact(&e.encode(&b), len), Ok((b.clone(), e)));
                    }
                }
            }
        }
    }

    #[test]
    fn ambiguity_fails_closed() {
        // 32 characters valid both as canonical base64 (24 bytes) and, thanks to
        // leading '1's (zero bytes in base58), as base58 of 24 bytes.
        let mut found = false;
        let alpha: Vec<char> = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
            .chars()
            .collect();
        'outer: for ones in 1..8usize {
            for i in 0u32..2000 {
                let h = super::super::hash::sha256(&i.to_le_bytes());
                let s: String = "1".repeat(ones)
                    + &h[..32 - ones]
                        .iter()
                        .map(|x| alpha[*x as usize % alpha.len()])
                        .collect::<String>();
                let (Ok(a), Ok(b)) = (Encoding::Base64.decode(&s), Encoding::Base58.decode(&s))
                else {
                    continue;
                };
                if a.len() == 24 && b.len() == 24 {
                    let e = decode_exact(&s, 24).unwrap_err();
                    assert!(e.contains("ambiguous"), "{e}");
                    assert_eq!(decode_exact(&format!("b64:{s}"), 24).unwrap().0, a);
                    assert_eq!(decode_exact(&format!("b58:{s}"), 24).unwrap().0, b);
                    found = true;
                    break 'outer;
                }
            }
        }
        assert!(found, "no ambiguous sample found");
    }

    #[test]
    fn malformed_values_refused() {
        let pk = ed_pk();
        let h = hex::encode(pk);
        for bad in [
            String::new(),
            format!("hex:{}", &h[..62]),
            format!("b58:{h}"),
            format!("zz:{h}"),
            format!(" {h}"),
            format!("{h}\n"),
            h[..63].to_string(),
            "b64:".to_string() + &Encoding::Base64.encode(&pk[..31]),
            Encoding::Base64
                .encode(&pk)
                .trim_end_matches('=')
                .to_string(),
        ] {
            assert!(decode_exact(&bad, 32).is_err(), "{bad:?}");
        }
        // Non-zero trailing bits: a second spelling of the same bytes.
        let mut s = Encoding::Base64.encode(&pk);
        let last = s.as_bytes()[42];
        let alt = base64::alphabet::STANDARD.as_str().as_bytes();
        let pos = alt.iter().position(|c| *c == last).unwrap();
        s.replace_range(42..43, &(alt[pos ^ 1] as char).to_string());
        assert!(decode_exact(&s, 32).is_err(), "{s}");
    }

    #[test]
    fn hostile_lengths_refused_before_decoding() {
        let long = "2".repeat(10_000_000);
        let t = std::time::Instant::now();
        assert!(decode_exact(&long, 2592).unwrap_err().contains("too long"));
        assert!(decode_public_key(Alg::Ed25519, &format!("-----BEGIN {long}")).is_err());
        assert!(t.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn pem_ed25519_only() {
        use ed25519_dalek::pkcs8::{spki::der::pem::LineEnding, EncodePublicKey};
        let vk = ed25519_dalek::VerifyingKey::from_bytes(&ed_pk()).unwrap();
        let pem = vk.to_public_key_pem(LineEnding::LF).unwrap();
        assert_eq!(decode_public_key(Alg::Ed25519, &pem), Ok(ed_pk().to_vec()));
        assert!(decode_public_key(Alg::MlDsa44, &pem).is_err());
        let broken = pem.replace("MCow", "MCox");
        assert!(decode_public_key(Alg::Ed25519, &broken).is_err());
    }

    #[test]
    fn keys_are_checked_for_their_algorithm() {
        // Small-order Ed25519 key (identity) and a non-canonical one.
        let mut id = [0u8; 32];
        id[0] = 1;
        assert!(decode_public_key(Alg::Ed25519, &hex::encode(id)).is_err());
        let mut nc = [0xffu8; 32];
        nc[0] = 0xef;
        nc[31] = 0x7f;
        assert!(decode_public_key(Alg::Ed25519, &hex::encode(nc)).is_err());
        // An Ed25519 key is never an ML-DSA key and vice versa.
        let pk = hex::encode(ed_pk());
        for a in [Alg::MlDsa44, Alg::MlDsa65, Alg::MlDsa87] {
            assert!(decode_public_key(a, &pk).is_err());
            let ml = hex::encode(vec![1u8; a.public_key_len()]);
            assert!(decode_public_key(Alg::Ed25519, &ml).is_err());
            assert_eq!(
                decode_public_key(a, &ml).map(|v| v.len()),
                Ok(a.public_key_len())
            );
        }
    }

    #[test]
    fn signatures() {
        let s = hex::encode([0u8; 64]);
        assert_eq!(decode_signature(Alg::Ed25519, &s).map(|v| v.len()), Ok(64));
        assert!(decode_signature(Alg::MlDsa44, &s).is_err());
    }
}
