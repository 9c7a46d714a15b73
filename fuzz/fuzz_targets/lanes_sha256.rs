//! The two-lane SHA-256 of short independent messages (`crypto::lanes::sha256_each`,
//! the SHA-NI kernel where the CPU has it) against the `sha2` crate: the input is cut
//! into messages, each message into parts, at lengths taken from the input itself, and
//! every digest must equal `sha2::Sha256` of the message's parts concatenated.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

fuzz_target!(|data: &[u8]| {
    // The first bytes are cut lengths; the rest is the material cut into messages.
    let Some((&n, rest)) = data.split_first() else {
        return;
    };
    let cuts = usize::from(n % 32).min(rest.len());
    let (lens, mut body) = rest.split_at(cuts);
    let mut msgs: Vec<Vec<&[u8]>> = Vec::new();
    let mut parts: Vec<&[u8]> = Vec::new();
    for &l in lens {
        // Low bits: part length (0..=127 bytes, crossing block boundaries); the top
        // bit ends the message after this part.
        let take = usize::from(l & 0x7f).min(body.len());
        let (part, tail) = body.split_at(take);
        parts.push(part);
        body = tail;
        if l & 0x80 != 0 {
            msgs.push(std::mem::take(&mut parts));
        }
    }
    parts.push(body);
    msgs.push(parts);
    let mut got = Vec::new();
    evv::crypto::lanes::sha256_each(&msgs, &mut got);
    assert_eq!(got.len(), msgs.len());
    for (m, d) in msgs.iter().zip(&got) {
        let mut h = Sha256::new();
        for p in m {
            h.update(p);
        }
        let want: [u8; 32] = h.finalize().into();
        assert_eq!(*d, want, "message of {} parts", m.len());
    }
});
