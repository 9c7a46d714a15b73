//! `crypto::sig::verify` for every algorithm, in two modes chosen by the first byte:
//!
//! - arbitrary: public key, signature, message and context are slices of the input
//!   (with the algorithm's exact lengths when the input is long enough, so the
//!   decoders and the verification equation are both reached); must never panic and,
//!   for keys and signatures nobody signed with, never verify.
//! - tamper: a fixed test key signs the fuzzed message; the genuine signature must
//!   verify, and flipping one input-chosen bit of the signature, message or context
//!   must make it fail.
#![no_main]

use std::sync::OnceLock;

use ed25519_dalek::Signer;
use evv::crypto::sig::{verify, Alg};
use libfuzzer_sys::fuzz_target;
use ml_dsa::Keypair;

struct Keys {
    ed: ed25519_dalek::SigningKey,
    ml44: ml_dsa::SigningKey<ml_dsa::MlDsa44>,
    ml65: ml_dsa::SigningKey<ml_dsa::MlDsa65>,
    ml87: ml_dsa::SigningKey<ml_dsa::MlDsa87>,
}

fn keys() -> &'static Keys {
    static K: OnceLock<Keys> = OnceLock::new();
    K.get_or_init(|| Keys {
        ed: ed25519_dalek::SigningKey::from_bytes(&[0x5a; 32]),
        ml44: ml_dsa::SigningKey::from_seed(&[0x44; 32].into()),
        ml65: ml_dsa::SigningKey::from_seed(&[0x65; 32].into()),
        ml87: ml_dsa::SigningKey::from_seed(&[0x87; 32].into()),
    })
}

/// (public key, signature) of `msg` with context `ctx` under the fixed key of `alg`.
fn sign(alg: Alg, msg: &[u8], ctx: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let k = keys();
    match alg {
        Alg::Ed25519 => (
            k.ed.verifying_key().to_bytes().to_vec(),
            k.ed.sign(msg).to_bytes().to_vec(),
        ),
        Alg::MlDsa44 => (
            k.ml44.verifying_key().encode().to_vec(),
            k.ml44
                .expanded_key()
                .sign_deterministic(msg, ctx)
                .unwrap()
                .encode()
                .to_vec(),
        ),
        Alg::MlDsa65 => (
            k.ml65.verifying_key().encode().to_vec(),
            k.ml65
                .expanded_key()
                .sign_deterministic(msg, ctx)
                .unwrap()
                .encode()
                .to_vec(),
        ),
        Alg::MlDsa87 => (
            k.ml87.verifying_key().encode().to_vec(),
            k.ml87
                .expanded_key()
                .sign_deterministic(msg, ctx)
                .unwrap()
                .encode()
                .to_vec(),
        ),
    }
}

fn take<'a>(d: &mut &'a [u8], n: usize) -> &'a [u8] {
    let n = n.min(d.len());
    let (a, b) = d.split_at(n);
    *d = b;
    a
}

fuzz_target!(|data: &[u8]| {
    let mut d = data;
    let [mode, ctx_len, ..] = *take(&mut d, 2) else {
        return;
    };
    let alg = Alg::ALL[usize::from(mode & 3)];
    let ctx_len = if alg == Alg::Ed25519 {
        0
    } else {
        usize::from(ctx_len)
    };
    if mode & 4 == 0 {
        // Arbitrary bytes. Bit 3 asks for off-by-one lengths.
        let skew = usize::from(mode & 8 != 0);
        let pk = take(&mut d, alg.public_key_len() - skew);
        let sg = take(&mut d, alg.signature_len() + skew);
        let ctx = take(&mut d, ctx_len);
        let msg = d;
        assert!(
            verify(alg, pk, msg, sg, ctx).is_err(),
            "forged signature verified"
        );
    } else {
        // Tamper mode: two bytes pick the bit to flip, the rest is context and message.
        let pos = take(&mut d, 2);
        let pos = usize::from(u16::from_le_bytes([
            pos.first().copied().unwrap_or(0),
            pos.get(1).copied().unwrap_or(0),
        ]));
        let ctx = take(&mut d, ctx_len.min(255)).to_vec();
        let msg = d.to_vec();
        let (pk, sg) = sign(alg, &msg, &ctx);
        assert_eq!(
            verify(alg, &pk, &msg, &sg, &ctx),
            Ok(()),
            "genuine signature refused"
        );
        // One flip per run (verification dominates the cost): signature, message or
        // context, chosen by the input.
        let bit = |b: &mut Vec<u8>| {
            let i = (pos / 8) % b.len();
            b[i] ^= 1 << (pos % 8);
        };
        match pos % 3 {
            0 => {
                let mut sg2 = sg.clone();
                bit(&mut sg2);
                assert!(
                    verify(alg, &pk, &msg, &sg2, &ctx).is_err(),
                    "flipped signature bit verified"
                );
            }
            1 if !msg.is_empty() => {
                let mut m2 = msg.clone();
                bit(&mut m2);
                assert!(
                    verify(alg, &pk, &m2, &sg, &ctx).is_err(),
                    "flipped message bit verified"
                );
            }
            2 if !ctx.is_empty() => {
                let mut c2 = ctx.clone();
                bit(&mut c2);
                assert!(
                    verify(alg, &pk, &msg, &sg, &c2).is_err(),
                    "flipped context bit verified"
                );
            }
            _ => {}
        }
    }
});
