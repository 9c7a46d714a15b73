//! kry-pqc detached signatures: one ML-DSA signature over the attestation's exact bytes.
//!
//! `kry-pqc/v2` signs `b"kry-pqc/v2/single\0" ‖ bytes` (domain-separated); legacy
//! `kry-pqc/v1` signs the raw bytes. The outcome is recorded through
//! [`crate::crypto::trust::check_signature`], so a signature is authentic only under a
//! key the auditor pinned (`--public-key`, `--key`, `--expect-fingerprint`).

use base64::Engine;

use super::{Code, KryOptions, SideInput};
use crate::canon::{self, Value};
use crate::crypto::hash::{is_hex64, sha256_hex};
use crate::crypto::sig::Alg;
use crate::crypto::trust::{check_signature, fingerprint, PinnedKey, SigCheck};
use crate::verdict::{Report, Subject};

/// Domain-separation prefix of kry-pqc/v2 single signatures.
pub const V2_SINGLE_PREFIX: &[u8] = b"kry-pqc/v2/single\x00";

/// Decodes standard base64 (padding optional), ignoring surrounding whitespace.
pub fn b64(s: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
    let s = s.trim();
    STANDARD
        .decode(s)
        .or_else(|_| STANDARD_NO_PAD.decode(s))
        .ok()
}

/// Parses an ML-DSA algorithm name as KRY writes it (`ML-DSA-44/65/87`).
pub fn mldsa_alg(s: &str) -> Option<Alg> {
    match Alg::from_name(s)? {
        Alg::Ed25519 => None,
        a => Some(a),
    }
}

/// The message a kry-pqc signature of `scheme` covers.
pub fn signed_message(v2: bool, bytes: &[u8]) -> Vec<u8> {
    if v2 {
        let mut m = Vec::with_capacity(V2_SINGLE_PREFIX.len() + bytes.len());
        m.extend_from_slice(V2_SINGLE_PREFIX);
        m.extend_from_slice(bytes);
        m
    } else {
        bytes.to_vec()
    }
}

/// Checks a detached kry-pqc signature over the attestation `bytes`.
pub fn verify_single(
    att_name: &str,
    bytes: &[u8],
    sig: &SideInput,
    opts: &KryOptions,
    report: &mut Report,
) {
    let subject = |f: &str| Subject::file(&sig.name).field(f.to_string());
    let malformed = |report: &mut Report, f: &str, m: String| {
        report.fail(Code::SigMalformed, subject(f), m);
    };
    let doc = match canon::parse(&sig.bytes) {
        Ok(Value::Object(o)) => o,
        Ok(other) => {
            return malformed(
                report,
                "",
                format!(
                    "a kry-pqc signature is a JSON object, this is {}",
                    other.type_name()
                ),
            )
        }
        Err(e) => {
            return report.fail(
                Code::SigMalformed,
                Subject::file(&sig.name).line(e.line as u64),
                format!("line {} column {}: {}", e.line, e.column, e.message),
            )
        }
    };
    let v2 = match doc.get("scheme").and_then(Value::as_str) {
        Some("kry-pqc/v2") => true,
        Some("kry-pqc/v1") => false,
        _ => {
            return malformed(
                report,
                "scheme",
                "scheme must be \"kry-pqc/v2\" or \"kry-pqc/v1\"".into(),
            )
        }
    };
    let Some(alg) = doc.get("alg").and_then(Value::as_str).and_then(mldsa_alg) else {
        return malformed(
            report,
            "alg",
            "alg must be ML-DSA-44, ML-DSA-65 or ML-DSA-87".into(),
        );
    };
    let Some(digest) = doc
        .get("message_sha256")
        .and_then(Value::as_str)
        .filter(|d| is_hex64(d))
    else {
        return malformed(
            report,
            "message_sha256",
            "message_sha256 must be 64 lowercase hex digits".into(),
        );
    };
    let Some(signature) = doc.get("signature").and_then(Value::as_str).and_then(b64) else {
        return malformed(report, "signature", "signature must be base64".into());
    };
    let pinned = match &opts.public_key {
        None => None,
        Some(pk) => match std::str::from_utf8(&pk.bytes).ok().and_then(b64) {
            Some(k) => Some(k),
            None => {
                return report.fail(
                    Code::SigMalformed,
                    Subject::file(&pk.name),
                    "--public-key must hold one base64-encoded raw ML-DSA public key",
                )
            }
        },
    };
    let embedded = match doc.get("public_key") {
        Some(Value::String(s)) => match b64(s) {
            Some(k) => Some(k),
            None => return malformed(report, "public_key", "public_key must be base64".into()),
        },
        None => None,
        Some(_) => return malformed(report, "public_key", "public_key must be a string".into()),
    };
    let Some(key) = embedded.clone().or_else(|| pinned.clone()) else {
        return malformed(
            report,
            "public_key",
            "public_key is absent and no --public-key was given".into(),
        );
    };
    report.fact(
        "kry_signature_scheme",
        if v2 { "kry-pqc/v2" } else { "kry-pqc/v1" },
    );
    report.fact("kry_signature_alg", alg.name());
    report.fact("kry_signature_key_fingerprint", fingerprint(&key));

    let actual = sha256_hex(bytes);
    if digest == actual {
        report.pass(
            Code::SigDigest,
            subject("message_sha256"),
            format!("message_sha256 is the SHA-256 of {att_name}"),
        );
    } else {
        report.fail(
            Code::SigDigest,
            subject("message_sha256"),
            format!("message_sha256 {digest} is not the SHA-256 of {att_name} ({actual})"),
        );
    }
    if !v2 {
        let msg = "kry-pqc/v1 signs the raw bytes without domain separation; ask for a kry-pqc/v2 signature";
        if opts.require_v2 {
            report.fail(
                Code::SigV1,
                subject("scheme"),
                format!("{msg} (refused: --require-v2)"),
            );
        } else {
            report.warn(Code::SigV1, subject("scheme"), msg);
        }
    }
    let mut trust = opts.trust.clone();
    if let Some(p) = &pinned {
        if embedded.as_ref().is_some_and(|e| e != p) {
            report.warn(
                Code::SigInvalid,
                subject("public_key"),
                format!(
                    "the signature file's public_key (fingerprint {}) is not the key given with --public-key (fingerprint {})",
                    fingerprint(&key),
                    fingerprint(p)
                ),
            );
        }
        trust.keys.push(PinnedKey {
            id: "--public-key".into(),
            alg,
            public_key: p.clone(),
            roles: Vec::new(),
        });
    }
    let message = signed_message(v2, bytes);
    check_signature(
        report,
        &trust,
        SigCheck {
            invalid_code: Code::SigInvalid.into(),
            subject: subject("signature"),
            alg,
            public_key: &key,
            message: &message,
            signature: &signature,
            context: b"",
            role: None,
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_and_encodings() {
        assert_eq!(
            signed_message(true, b"{}"),
            b"kry-pqc/v2/single\x00{}".to_vec()
        );
        assert_eq!(signed_message(false, b"{}"), b"{}".to_vec());
        assert_eq!(b64("AAEC"), Some(vec![0, 1, 2]));
        assert_eq!(b64("AAECAw"), Some(vec![0, 1, 2, 3]));
        assert_eq!(b64(" AAECAw==\n"), Some(vec![0, 1, 2, 3]));
        assert_eq!(b64("not base64!"), None);
        assert_eq!(mldsa_alg("ML-DSA-65"), Some(Alg::MlDsa65));
        assert_eq!(mldsa_alg("ed25519"), None);
    }
}
