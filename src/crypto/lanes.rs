//! SHA-256 of many short, independent messages, two at a time.
//!
//! A single SHA-256 stream is a chain of dependent rounds: on CPUs with the SHA
//! extensions (SHA-NI) each `sha256rnds2` waits for the one before it, and the SHA
//! unit idles between them. Two independent messages stepped through their rounds side
//! by side fill those gaps: measured on the AMD EPYC of BENCHMARKS.md (optimisation
//! 13), 1.6-1.8 times the single-stream throughput of the `sha2` crate. evv hashes a
//! million short preimages per trace and per REQ_SEEN ledger (`event_hash`,
//! `leaf_hash`, the Merkle leaves), which are independent of each other, so they are
//! hashed here in pairs.
//!
//! The digests are exactly SHA-256 (FIPS 180-4) of each message; only the schedule of
//! the work differs. Without SHA-NI (or off x86-64) every message goes through the
//! `sha2` crate's block function, one after the other. The differential tests below
//! compare both paths with `sha2` on every length up to several blocks and on random
//! splits into parts.
//!
//! This module's one `unsafe` is the call into the SHA-NI kernel, made only after the
//! CPU was seen to have the instructions the kernel is compiled for (the crate's other
//! is the huge-page advice of `container::whole`). The kernel itself is safe code
//! (Rust's `std::arch` intrinsics are safe inside a function compiled for their target
//! features).

use sha2::digest::generic_array::GenericArray;

/// SHA-256 initial state (FIPS 180-4, 5.3.3).
const H0: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// The padded blocks of a message given as parts (concatenated in order).
struct Feed<'a> {
    parts: &'a [&'a [u8]],
    /// Next part, and the offset in it.
    part: usize,
    off: usize,
    /// Message length in bytes.
    len: u64,
    /// Blocks still to produce.
    left: usize,
    /// Whether the `0x80` byte has been written.
    marked: bool,
}

impl<'a> Feed<'a> {
    fn new(parts: &'a [&'a [u8]]) -> Self {
        let len: u64 = parts.iter().map(|p| p.len() as u64).sum();
        // Message, 0x80, zeros, 8-byte length: a whole number of blocks.
        let left = usize::try_from(len.saturating_add(9).div_ceil(64)).unwrap_or(usize::MAX);
        Feed {
            parts,
            part: 0,
            off: 0,
            len,
            left,
            marked: false,
        }
    }

    /// The next block: in the current part if it lies there whole (no copy), else
    /// assembled in `b`.
    #[inline]
    fn next<'s>(&'s mut self, b: &'s mut [u8; 64]) -> &'s [u8; 64] {
        if let Some(whole) = self
            .parts
            .get(self.part)
            .and_then(|p| p.get(self.off..self.off + 64))
        {
            self.off += 64;
            if self.off == self.parts[self.part].len() {
                self.part += 1;
                self.off = 0;
            }
            self.left -= 1;
            return whole.try_into().expect("64 bytes");
        }
        self.fill(b);
        b
    }

    /// Fills `b` with the next block.
    fn fill(&mut self, b: &mut [u8; 64]) {
        let mut at = 0;
        while at < 64 && self.part < self.parts.len() {
            let p = &self.parts[self.part][self.off..];
            let k = p.len().min(64 - at);
            b[at..at + k].copy_from_slice(&p[..k]);
            at += k;
            self.off += k;
            if self.off == self.parts[self.part].len() {
                self.part += 1;
                self.off = 0;
            }
        }
        if at < 64 {
            if !self.marked {
                b[at] = 0x80;
                self.marked = true;
                at += 1;
            }
            b[at..].fill(0);
            if self.left == 1 {
                b[56..].copy_from_slice(&(self.len.wrapping_mul(8)).to_be_bytes());
            }
        }
        self.left -= 1;
    }
}

fn digest(s: &[u32; 8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (o, w) in out.chunks_exact_mut(4).zip(s) {
        o.copy_from_slice(&w.to_be_bytes());
    }
    out
}

/// The rest of one message, block by block, with the `sha2` crate's block function.
fn finish_one(f: &mut Feed, s: &mut [u32; 8]) {
    let mut b = [0u8; 64];
    while f.left > 0 {
        let block = f.next(&mut b);
        sha2::compress256(s, &[GenericArray::clone_from_slice(block)]);
    }
}

/// SHA-256 of each message (a message is its parts, concatenated), appended to `out`
/// in order. Messages are taken two at a time through the SHA-NI kernel when the CPU
/// has it.
pub fn sha256_each<'a, M: AsRef<[&'a [u8]]>>(msgs: &[M], out: &mut Vec<[u8; 32]>) {
    sha256_each_with(msgs, out, shani());
}

fn sha256_each_with<'a, M: AsRef<[&'a [u8]]>>(msgs: &[M], out: &mut Vec<[u8; 32]>, ni: bool) {
    out.reserve(msgs.len());
    let mut pairs = msgs.chunks_exact(2);
    for p in &mut pairs {
        let (mut fa, mut fb) = (Feed::new(p[0].as_ref()), Feed::new(p[1].as_ref()));
        let (mut sa, mut sb) = (H0, H0);
        let both = fa.left.min(fb.left);
        if ni {
            x86::pair(&mut fa, &mut sa, &mut fb, &mut sb, both);
        }
        finish_one(&mut fa, &mut sa);
        finish_one(&mut fb, &mut sb);
        out.push(digest(&sa));
        out.push(digest(&sb));
    }
    for m in pairs.remainder() {
        let mut f = Feed::new(m.as_ref());
        let mut s = H0;
        finish_one(&mut f, &mut s);
        out.push(digest(&s));
    }
}

/// True if the CPU has the SHA extensions and the SSE levels the kernel uses.
fn shani() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("sha")
            && std::is_x86_feature_detected!("sse2")
            && std::is_x86_feature_detected!("ssse3")
            && std::is_x86_feature_detected!("sse4.1")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    //! The two-lane SHA-NI kernel (the round and schedule steps of Intel's SHA
    //! extensions reference, for two states at once).

    use super::Feed;
    use std::arch::x86_64::*;

    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];

    /// Compresses `n` blocks of each feed into its state, two lanes at a time.
    #[allow(unsafe_code)]
    pub(super) fn pair(
        fa: &mut Feed,
        sa: &mut [u32; 8],
        fb: &mut Feed,
        sb: &mut [u32; 8],
        n: usize,
    ) {
        debug_assert!(super::shani());
        // SAFETY: `pair_ni` is compiled for sha, sse2, ssse3 and sse4.1, and is called
        // only when `shani()` saw all four on this CPU (the caller's `ni` flag is
        // `shani()`, or false in the tests of the portable path).
        unsafe { pair_ni(fa, sa, fb, sb, n) }
    }

    /// Four message words, big-endian in `b[i..i + 16]`, as a vector (word 0 low).
    #[inline]
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    fn words(b: &[u8; 64], i: usize) -> __m128i {
        let w = |j: usize| {
            let k = i + 4 * j;
            u32::from_be_bytes([b[k], b[k + 1], b[k + 2], b[k + 3]]) as i32
        };
        _mm_set_epi32(w(3), w(2), w(1), w(0))
    }

    #[inline]
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    fn k4(g: usize) -> __m128i {
        _mm_set_epi32(
            K[4 * g + 3] as i32,
            K[4 * g + 2] as i32,
            K[4 * g + 1] as i32,
            K[4 * g] as i32,
        )
    }

    /// A state `a..h` in the instructions' layout: (ABEF, CDGH), highest word first.
    #[inline]
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    fn load(s: &[u32; 8]) -> (__m128i, __m128i) {
        let w = |i: usize| s[i] as i32;
        (
            _mm_set_epi32(w(0), w(1), w(4), w(5)),
            _mm_set_epi32(w(2), w(3), w(6), w(7)),
        )
    }

    #[inline]
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    fn store(abef: __m128i, cdgh: __m128i, s: &mut [u32; 8]) {
        let x = |v: __m128i, i: i32| -> u32 {
            match i {
                0 => _mm_extract_epi32(v, 0) as u32,
                1 => _mm_extract_epi32(v, 1) as u32,
                2 => _mm_extract_epi32(v, 2) as u32,
                _ => _mm_extract_epi32(v, 3) as u32,
            }
        };
        *s = [
            x(abef, 3),
            x(abef, 2),
            x(cdgh, 3),
            x(cdgh, 2),
            x(abef, 1),
            x(abef, 0),
            x(cdgh, 1),
            x(cdgh, 0),
        ];
    }

    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    fn pair_ni(fa: &mut Feed, sa: &mut [u32; 8], fb: &mut Feed, sb: &mut [u32; 8], n: usize) {
        let (mut a0, mut a1) = load(sa);
        let (mut b0, mut b1) = load(sb);
        let (mut ba, mut bb) = ([0u8; 64], [0u8; 64]);
        for _ in 0..n {
            let (xa, xb) = (fa.next(&mut ba), fb.next(&mut bb));
            let (sa0, sa1, sb0, sb1) = (a0, a1, b0, b1);
            let (mut wa0, mut wa1, mut wa2, mut wa3) =
                (words(xa, 0), words(xa, 16), words(xa, 32), words(xa, 48));
            let (mut wb0, mut wb1, mut wb2, mut wb3) =
                (words(xb, 0), words(xb, 16), words(xb, 32), words(xb, 48));
            // Four rounds of each lane with message words `wa`, `wb` (already scheduled).
            macro_rules! rounds {
                ($g:expr, $wa:ident, $wb:ident) => {{
                    let k = k4($g);
                    let ma = _mm_add_epi32($wa, k);
                    let mb = _mm_add_epi32($wb, k);
                    a1 = _mm_sha256rnds2_epu32(a1, a0, ma);
                    b1 = _mm_sha256rnds2_epu32(b1, b0, mb);
                    a0 = _mm_sha256rnds2_epu32(a0, a1, _mm_shuffle_epi32(ma, 0x0E));
                    b0 = _mm_sha256rnds2_epu32(b0, b1, _mm_shuffle_epi32(mb, 0x0E));
                }};
            }
            // The next four schedule words in place of the oldest four:
            // W[t..t+4] from W[t-16..t] (msg1: the sigma0 terms; alignr: W[t-7..t-3];
            // msg2: the sigma1 terms).
            macro_rules! sched {
                ($w0:ident, $w1:ident, $w2:ident, $w3:ident) => {{
                    let t =
                        _mm_add_epi32(_mm_sha256msg1_epu32($w0, $w1), _mm_alignr_epi8($w3, $w2, 4));
                    $w0 = _mm_sha256msg2_epu32(t, $w3);
                }};
            }
            macro_rules! four {
                ($g:expr) => {{
                    sched!(wa0, wa1, wa2, wa3);
                    sched!(wb0, wb1, wb2, wb3);
                    rounds!($g, wa0, wb0);
                    sched!(wa1, wa2, wa3, wa0);
                    sched!(wb1, wb2, wb3, wb0);
                    rounds!($g + 1, wa1, wb1);
                    sched!(wa2, wa3, wa0, wa1);
                    sched!(wb2, wb3, wb0, wb1);
                    rounds!($g + 2, wa2, wb2);
                    sched!(wa3, wa0, wa1, wa2);
                    sched!(wb3, wb0, wb1, wb2);
                    rounds!($g + 3, wa3, wb3);
                }};
            }
            rounds!(0, wa0, wb0);
            rounds!(1, wa1, wb1);
            rounds!(2, wa2, wb2);
            rounds!(3, wa3, wb3);
            four!(4);
            four!(8);
            four!(12);
            a0 = _mm_add_epi32(a0, sa0);
            a1 = _mm_add_epi32(a1, sa1);
            b0 = _mm_add_epi32(b0, sb0);
            b1 = _mm_add_epi32(b1, sb1);
        }
        store(a0, a1, sa);
        store(b0, b1, sb);
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod x86 {
    use super::Feed;

    /// Never called: `shani()` is false off x86-64.
    pub(super) fn pair(_: &mut Feed, _: &mut [u32; 8], _: &mut Feed, _: &mut [u32; 8], _: usize) {
        unreachable!("no SHA-NI off x86-64")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use sha2::{Digest, Sha256};

    fn reference(parts: &[&[u8]]) -> [u8; 32] {
        Sha256::digest(parts.concat()).into()
    }

    fn check(msgs: &[Vec<&[u8]>]) {
        for ni in [false, shani()] {
            let mut out = Vec::new();
            sha256_each_with(msgs, &mut out, ni);
            assert_eq!(out.len(), msgs.len());
            for (m, d) in msgs.iter().zip(&out) {
                assert_eq!(*d, reference(m), "ni {ni}, length {}", m.concat().len());
            }
        }
    }

    #[test]
    fn every_length_pair_up_to_five_blocks() {
        let data: Vec<u8> = (0..400u32).map(|i| (i * 7 + 3) as u8).collect();
        let other: Vec<u8> = (0..400u32).map(|i| (i * 13 + 1) as u8).collect();
        // Each length against a few others, crossing every padding boundary (55/56/64).
        for la in 0..=320 {
            for lb in [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, la, 320 - la] {
                check(&[vec![&data[..la]], vec![&other[..lb]]]);
            }
        }
    }

    #[test]
    fn known_answers() {
        // FIPS 180-4 examples: "abc" and the two-block message.
        let mut out = Vec::new();
        let two: &[u8] = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        sha256_each(&[[&b"abc"[..]], [two]], &mut out);
        assert_eq!(
            hex::encode(out[0]),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex::encode(out[1]),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        let mut two = Vec::new();
        sha256_each(&[&[&b""[..]][..], &[&b"a"[..], b"bc"][..]], &mut two);
        assert_eq!(
            hex::encode(two[0]),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(two[1], out[0]);
    }

    #[test]
    fn odd_counts_and_empty_input() {
        let mut out = Vec::new();
        sha256_each::<[&[u8]; 1]>(&[], &mut out);
        assert!(out.is_empty());
        let m: [&[u8]; 1] = [b"x"];
        check(&[m.to_vec()]);
        check(&[m.to_vec(), m.to_vec(), vec![&b"yz"[..], b""]]);
    }

    proptest! {
        #[test]
        fn random_messages_in_random_parts(
            msgs in prop::collection::vec(
                (prop::collection::vec(any::<u8>(), 0..300), prop::collection::vec(0usize..300, 0..4)),
                0..7,
            )
        ) {
            let split: Vec<Vec<&[u8]>> = msgs
                .iter()
                .map(|(m, cuts)| {
                    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (m.len() + 1)).collect();
                    cuts.sort_unstable();
                    let mut parts = Vec::new();
                    let mut at = 0;
                    for c in cuts {
                        parts.push(&m[at..c]);
                        at = c;
                    }
                    parts.push(&m[at..]);
                    parts
                })
                .collect();
            check(&split);
        }
    }
}
