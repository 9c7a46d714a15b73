//! Key and signature text encodings (`crypto::encoding`, SPEC.md §5.3) and the
//! `--key` / `--expect-fingerprint` parsers built on them.
//!
//! The first input byte picks an algorithm and a target length; the rest, if UTF-8, is
//! the encoded text. A successful decode must have exactly the requested length and
//! must be reproduced by re-encoding the bytes with the reported encoding.
#![no_main]

use evv::crypto::encoding::{self, Encoding};
use evv::crypto::sig::Alg;
use evv::crypto::trust::TrustStore;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let Ok(s) = std::str::from_utf8(rest) else {
        return;
    };
    let alg = Alg::ALL[usize::from(sel) % Alg::ALL.len()];
    // Small lengths make all three decoders succeed often (exercising the ambiguity
    // rule); the algorithm lengths are the ones evidence uses.
    let len = match sel >> 4 {
        0 => alg.public_key_len(),
        1 => alg.signature_len(),
        n => usize::from(n) - 1,
    };
    if let Ok((b, enc)) = encoding::decode_exact(s, len) {
        assert_eq!(b.len(), len);
        let again = format!("{}{}", enc.prefix(), enc.encode(&b));
        assert_eq!(encoding::decode_exact(&again, len), Ok((b, enc)));
    }
    if let Ok(pk) = encoding::decode_public_key(alg, s) {
        assert_eq!(pk.len(), alg.public_key_len());
        for e in Encoding::ALL {
            let t = format!("{}{}", e.prefix(), e.encode(&pk));
            assert_eq!(encoding::decode_public_key(alg, &t).as_ref(), Ok(&pk));
        }
    }
    if let Ok(sg) = encoding::decode_signature(alg, s) {
        assert_eq!(sg.len(), alg.signature_len());
    }
    let mut t = TrustStore::empty();
    if t.add_key_arg(s).is_ok() {
        assert_eq!(t.keys.len(), 1);
    }
    let _ = t.add_fingerprint(s);
});
