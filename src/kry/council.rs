//! kry-pqc councils: an m-of-n quorum of ML-DSA signatures under a policy the auditor
//! holds (`kry-pqc-council/v1`), carried in a `kry-pqc-threshold/v2` artifact.
//!
//! KRY's council has its own artifact format and rules, kept here rather than in the
//! generic m-of-n helper: each contribution signs
//! `b"kry-pqc/v2/threshold\0" ‖ policy_sha256 (ASCII hex) ‖ b"\0" ‖ attestation bytes`,
//! and the quorum counts distinct registered signers whose signature verifies;
//! malformed, unknown, repeated or invalid entries are skipped (with a warning).

use std::collections::BTreeSet;

use super::pqc::{b64, mldsa_alg};
use super::{Code, CouncilInput};
use crate::canon::{self, Dialect, Value};
use crate::crypto::hash::{is_hex64, sha256, sha256_hex};
use crate::crypto::sig::{self, Alg};
use crate::verdict::{Report, Subject};

/// Domain-separation prefix of threshold contributions.
pub const THRESHOLD_PREFIX: &[u8] = b"kry-pqc/v2/threshold\x00";

/// A registered council member.
#[derive(Clone, Debug)]
pub struct Signer {
    /// Member name.
    pub name: String,
    /// Raw public key.
    pub public_key: Vec<u8>,
    /// First 16 hex digits of SHA-256 of the key.
    pub fingerprint: String,
}

/// A validated council policy.
#[derive(Clone, Debug)]
pub struct Policy {
    /// Signature algorithm of every member.
    pub alg: Alg,
    /// Signatures required.
    pub threshold: u64,
    /// Members.
    pub signers: Vec<Signer>,
    /// SHA-256 hex of the policy's canonical JSON.
    pub sha256: String,
}

/// The short fingerprint of a council key: first 16 hex digits of its SHA-256.
pub fn short_fingerprint(key: &[u8]) -> String {
    sha256_hex(key)[..16].to_string()
}

/// Parses and validates a policy document.
pub fn parse_policy(v: &Value) -> Result<Policy, String> {
    let o = v.as_object().ok_or("the policy is not a JSON object")?;
    if o.get("scheme").and_then(Value::as_str) != Some("kry-pqc-council/v1") {
        return Err("scheme must be \"kry-pqc-council/v1\"".into());
    }
    let alg = o
        .get("alg")
        .and_then(Value::as_str)
        .and_then(mldsa_alg)
        .ok_or("alg must be ML-DSA-44, ML-DSA-65 or ML-DSA-87")?;
    let signers_v = o
        .get("signers")
        .and_then(Value::as_array)
        .ok_or("signers must be an array")?;
    let mut signers = Vec::new();
    let mut keys = BTreeSet::new();
    for (i, s) in signers_v.iter().enumerate() {
        let name = s
            .get("name")
            .and_then(Value::as_str)
            .ok_or(format!("signers[{i}].name must be a string"))?;
        let key = s
            .get("public_key")
            .and_then(Value::as_str)
            .and_then(b64)
            .ok_or(format!("signers[{i}].public_key must be base64"))?;
        if key.len() != alg.public_key_len() {
            return Err(format!(
                "signers[{i}].public_key is {} bytes, {} keys are {}",
                key.len(),
                alg.name(),
                alg.public_key_len()
            ));
        }
        let fp = s
            .get("fingerprint")
            .and_then(Value::as_str)
            .ok_or(format!("signers[{i}].fingerprint must be a string"))?;
        let want = short_fingerprint(&key);
        if fp != want {
            return Err(format!(
                "signers[{i}] ({name}): fingerprint {fp} is not the first 16 hex digits of SHA-256 of its key ({want})"
            ));
        }
        if !keys.insert(key.clone()) {
            return Err(format!(
                "signers[{i}] ({name}) repeats an earlier member's key"
            ));
        }
        signers.push(Signer {
            name: name.to_owned(),
            public_key: key,
            fingerprint: want,
        });
    }
    let threshold = o
        .get("threshold")
        .and_then(Value::as_u64)
        .filter(|t| *t >= 1 && *t <= signers.len() as u64)
        .ok_or(format!(
            "threshold must be an integer in 1..{} (the number of signers)",
            signers.len()
        ))?;
    let canon = canon::to_vec(v, Dialect::Python).map_err(|e| e.to_string())?;
    Ok(Policy {
        alg,
        threshold,
        signers,
        sha256: sha256_hex(&canon),
    })
}

/// The message one council contribution signs.
pub fn contribution_message(policy_sha256: &str, bytes: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(THRESHOLD_PREFIX.len() + 65 + bytes.len());
    m.extend_from_slice(THRESHOLD_PREFIX);
    m.extend_from_slice(policy_sha256.as_bytes());
    m.push(0);
    m.extend_from_slice(bytes);
    m
}

/// Checks the council artifact over the attestation `bytes`.
pub fn verify(att_name: &str, bytes: &[u8], c: &CouncilInput, report: &mut Report) {
    let policy = match canon::parse(&c.policy.bytes)
        .map_err(|e| format!("line {} column {}: {}", e.line, e.column, e.message))
        .and_then(|v| parse_policy(&v))
    {
        Ok(p) => p,
        Err(m) => {
            report.fail(Code::CouncilPolicy, Subject::file(&c.policy.name), m);
            return;
        }
    };
    let art_subject = |f: &str| Subject::file(&c.artifact.name).field(f.to_string());
    let art = match canon::parse(&c.artifact.bytes) {
        Ok(Value::Object(o)) => o,
        Ok(_) => {
            report.fail(
                Code::CouncilArtifact,
                Subject::file(&c.artifact.name),
                "the threshold artifact is not a JSON object",
            );
            return;
        }
        Err(e) => {
            report.fail(
                Code::CouncilArtifact,
                Subject::file(&c.artifact.name).line(e.line as u64),
                format!("line {} column {}: {}", e.line, e.column, e.message),
            );
            return;
        }
    };
    let bad = |report: &mut Report, f: &str, m: &str| {
        report.fail(Code::CouncilArtifact, art_subject(f), m.to_string());
    };
    if art.get("scheme").and_then(Value::as_str) != Some("kry-pqc-threshold/v2") {
        return bad(report, "scheme", "scheme must be \"kry-pqc-threshold/v2\"");
    }
    let hex_field = |k: &str| art.get(k).and_then(Value::as_str).filter(|s| is_hex64(s));
    let (Some(msg_sha), Some(pol_sha)) = (hex_field("message_sha256"), hex_field("policy_sha256"))
    else {
        return bad(
            report,
            "message_sha256",
            "message_sha256 and policy_sha256 must be 64 lowercase hex digits",
        );
    };
    let Some(entries) = art.get("signatures").and_then(Value::as_array) else {
        return bad(report, "signatures", "signatures must be an array");
    };
    match art.get("threshold").and_then(Value::as_u64) {
        Some(t) if t == policy.threshold => {}
        _ => report.fail(
            Code::CouncilArtifact,
            art_subject("threshold"),
            format!(
                "threshold must be the policy's threshold {}",
                policy.threshold
            ),
        ),
    }
    let actual = hex::encode(sha256(bytes));
    if msg_sha == actual {
        report.pass(
            Code::CouncilDigest,
            art_subject("message_sha256"),
            format!("message_sha256 is the SHA-256 of {att_name}"),
        );
    } else {
        report.fail(
            Code::CouncilDigest,
            art_subject("message_sha256"),
            format!("message_sha256 {msg_sha} is not the SHA-256 of {att_name} ({actual})"),
        );
    }
    if pol_sha == policy.sha256 {
        report.pass(
            Code::CouncilPolicyHash,
            art_subject("policy_sha256"),
            "policy_sha256 is the SHA-256 of the canonical policy",
        );
    } else {
        report.fail(
            Code::CouncilPolicyHash,
            art_subject("policy_sha256"),
            format!(
                "policy_sha256 {pol_sha} is not the SHA-256 of the canonical policy given with --council ({})",
                policy.sha256
            ),
        );
    }
    let message = contribution_message(&policy.sha256, bytes);
    let mut counted: BTreeSet<usize> = BTreeSet::new();
    for (i, e) in entries.iter().enumerate() {
        let field = format!("signatures[{i}]");
        let skip = |report: &mut Report, why: String| {
            report.warn(
                Code::CouncilContribution,
                art_subject(&field),
                format!("skipped: {why}"),
            );
        };
        let (Some(fp), Some(sig_b)) = (
            e.get("fingerprint").and_then(Value::as_str),
            e.get("signature").and_then(Value::as_str).and_then(b64),
        ) else {
            skip(
                report,
                "not {fingerprint: string, signature: base64}".into(),
            );
            continue;
        };
        let Some(idx) = policy.signers.iter().position(|s| s.fingerprint == fp) else {
            skip(
                report,
                format!("fingerprint {fp} is not a registered member"),
            );
            continue;
        };
        let member = &policy.signers[idx];
        if counted.contains(&idx) {
            skip(report, format!("{} already counted", member.name));
            continue;
        }
        match sig::verify(policy.alg, &member.public_key, &message, &sig_b, b"") {
            Ok(()) => {
                counted.insert(idx);
            }
            Err(err) => skip(report, format!("{}'s signature: {err}", member.name)),
        }
    }
    let names: Vec<&str> = counted
        .iter()
        .map(|i| policy.signers[*i].name.as_str())
        .collect();
    report.fact(
        "kry_council_quorum",
        format!(
            "{} of {} members (threshold {})",
            counted.len(),
            policy.signers.len(),
            policy.threshold
        ),
    );
    if counted.len() as u64 >= policy.threshold {
        report.pass(
            Code::CouncilQuorum,
            art_subject("signatures"),
            format!(
                "{} valid signature(s) from distinct members under the policy you supplied ({}), threshold {}",
                counted.len(),
                names.join(", "),
                policy.threshold
            ),
        );
    } else {
        report.fail(
            Code::CouncilQuorum,
            art_subject("signatures"),
            format!(
                "only {} distinct member(s) signed validly ({}), the policy requires {}",
                counted.len(),
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                },
                policy.threshold
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contribution_message_layout_and_fingerprint() {
        let m = contribution_message(&"ab".repeat(32), b"{}");
        let mut want = b"kry-pqc/v2/threshold\x00".to_vec();
        want.extend_from_slice("ab".repeat(32).as_bytes());
        want.extend_from_slice(b"\x00{}");
        assert_eq!(m, want);
        assert_eq!(short_fingerprint(b"abc"), "ba7816bf8f01cfea");
        let bad = canon::parse(
            br#"{"scheme":"kry-pqc-council/v1","alg":"ML-DSA-44","threshold":1,"signers":[]}"#,
        )
        .unwrap();
        assert!(parse_policy(&bad).unwrap_err().contains("threshold"));
    }
}
