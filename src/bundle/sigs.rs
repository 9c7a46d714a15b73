//! Signature arrays of IF.TTT records: `[{alg, key_id, public_key, sig}, ...]`, each
//! checked through [`crate::crypto::trust::check_signature`].

use super::fields;
use super::Code;
use crate::canon::Value;
use crate::crypto::sig::Alg;
use crate::crypto::trust::{check_signature, SigCheck, SigOutcome, TrustStore};
use crate::verdict::{Report, Subject};

/// Algorithms a record signature may use.
pub const RECORD_ALGS: [Alg; 2] = [Alg::Ed25519, Alg::MlDsa65];

/// What a signature array established.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SigSummary {
    /// Valid Ed25519 signatures.
    pub ed25519: usize,
    /// Valid ML-DSA-65 signatures.
    pub mldsa65: usize,
    /// Signatures that did not verify or could not be read.
    pub bad: usize,
}

/// Checks every entry of `sigs` over `message` (ML-DSA context empty). Malformed
/// entries are reported under [`Code::DocumentInvalid`], invalid signatures under
/// `invalid_code`, unpinned keys by `check_signature` itself.
pub fn check_all(
    report: &mut Report,
    trust: &TrustStore,
    sigs: &[Value],
    message: &[u8],
    subj: &Subject,
    invalid_code: Code,
    role: &str,
) -> SigSummary {
    let mut s = SigSummary::default();
    if sigs.is_empty() {
        report.fail(invalid_code, subj.clone(), "no signatures");
    }
    for (i, v) in sigs.iter().enumerate() {
        let es = match &subj.field {
            Some(f) => subj.clone().field(format!("{f}.signatures[{i}]")),
            None => subj.clone().field(format!("signatures[{i}]")),
        };
        let parsed = (|| {
            let o = v.as_object().ok_or("signature entry is not an object")?;
            let alg_name = fields::str_field(o, "alg")?;
            // Exact names only: one spelling per algorithm.
            let alg = RECORD_ALGS
                .into_iter()
                .find(|a| a.name() == alg_name)
                .ok_or_else(|| format!("alg {alg_name:?} is not \"ed25519\" or \"ML-DSA-65\""))?;
            fields::str_field(o, "key_id")?;
            Ok::<_, String>((
                alg,
                fields::b64_field(o, "public_key")?,
                fields::b64_field(o, "sig")?,
            ))
        })();
        let (alg, pk, sig) = match parsed {
            Ok(x) => x,
            Err(m) => {
                report.fail(Code::DocumentInvalid, es, m);
                s.bad += 1;
                continue;
            }
        };
        let out = check_signature(
            report,
            trust,
            SigCheck {
                invalid_code: invalid_code.into(),
                subject: es,
                alg,
                public_key: &pk,
                message,
                signature: &sig,
                context: b"",
                role: Some(role),
            },
        );
        match (out, alg) {
            (SigOutcome::Invalid(_), _) => s.bad += 1,
            (_, Alg::Ed25519) => s.ed25519 += 1,
            (_, _) => s.mldsa65 += 1,
        }
    }
    s
}

/// [`check_all`], then the hybrid rule: at least one valid signature of each family.
pub fn check_hybrid(
    report: &mut Report,
    trust: &TrustStore,
    sigs: &[Value],
    message: &[u8],
    subj: &Subject,
    invalid_code: Code,
    role: &str,
) -> SigSummary {
    let s = check_all(report, trust, sigs, message, subj, invalid_code, role);
    if s.ed25519 > 0 && s.mldsa65 > 0 {
        report.pass(
            Code::Hybrid,
            subj.clone(),
            "valid Ed25519 and ML-DSA-65 signatures over the same message",
        );
    } else {
        report.fail(
            Code::Hybrid,
            subj.clone(),
            format!(
                "hybrid record needs a valid Ed25519 and a valid ML-DSA-65 signature; found {} and {}",
                s.ed25519, s.mldsa65
            ),
        );
    }
    s
}
