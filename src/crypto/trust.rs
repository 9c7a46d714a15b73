//! Trust roots: keys the auditor obtained out-of-band, and how a signature's outcome
//! is decided and recorded.
//!
//! A signature proves who vouched only under a key the auditor pinned. Every signature
//! check in every format goes through [`check_signature`], so the three outcomes —
//! authentic, valid-but-unpinned (`UNVERIFIED`), invalid (`TAMPERED`) — are decided in
//! one place.

use super::sig::{self, Alg};
use crate::verdict::{Code, Report, Subject};

/// A key the auditor pinned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PinnedKey {
    /// Identifier (from the trust file, or derived from the fingerprint).
    pub id: String,
    /// Algorithm the key is for. A key never verifies a signature of another algorithm.
    pub alg: Alg,
    /// Raw public key bytes.
    pub public_key: Vec<u8>,
    /// Roles the key may sign for; empty means any role.
    pub roles: Vec<String>,
}

impl PinnedKey {
    /// Lowercase hex SHA-256 of the raw public key bytes.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.public_key)
    }
    /// True if the key may sign for `role` (`None` = no role requirement).
    pub fn allows(&self, role: Option<&str>) -> bool {
        match role {
            None => true,
            Some(r) => self.roles.is_empty() || self.roles.iter().any(|x| x == r),
        }
    }
}

/// A key's fingerprint: lowercase hex SHA-256 of its raw public key bytes.
pub fn fingerprint(raw_public_key: &[u8]) -> String {
    super::hash::sha256_hex(raw_public_key)
}

/// The auditor's trust roots for one run.
#[derive(Clone, Debug, Default)]
pub struct TrustStore {
    /// Pinned keys.
    pub keys: Vec<PinnedKey>,
    /// Pinned fingerprint prefixes (lowercase hex) from `--expect-fingerprint`.
    pub fingerprint_prefixes: Vec<String>,
}

impl TrustStore {
    /// No pinned keys: every valid signature is at best `UNVERIFIED`.
    pub fn empty() -> Self {
        TrustStore::default()
    }

    /// True if nothing is pinned.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.fingerprint_prefixes.is_empty()
    }

    /// The pinned identity of `public_key` for `alg` and `role`, if any: either a
    /// pinned key with the same algorithm and bytes, or a pinned fingerprint prefix.
    pub fn pinned(&self, alg: Alg, public_key: &[u8], role: Option<&str>) -> Option<String> {
        if let Some(k) = self
            .keys
            .iter()
            .find(|k| k.alg == alg && k.public_key == public_key && k.allows(role))
        {
            return Some(k.id.clone());
        }
        let fp = fingerprint(public_key);
        self.fingerprint_prefixes
            .iter()
            .find(|p| fp.starts_with(p.as_str()))
            .map(|p| format!("fingerprint:{p}"))
    }
}

/// What one signature check concluded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SigOutcome {
    /// Valid under a pinned key (its id).
    Authentic(String),
    /// Valid, but only under a key carried in the evidence (its fingerprint).
    Unpinned(String),
    /// Did not verify.
    Invalid(String),
}

impl SigOutcome {
    /// True if the signature verified at all (pinned or not).
    pub fn is_valid(&self) -> bool {
        !matches!(self, SigOutcome::Invalid(_))
    }
}

/// One signature to check.
pub struct SigCheck<'a> {
    /// Code reported when the signature does not verify (class `integrity`).
    pub invalid_code: Code,
    /// What the signature is on.
    pub subject: Subject,
    /// Algorithm the evidence declares.
    pub alg: Alg,
    /// Public key bytes the evidence names (or a pinned key's bytes).
    pub public_key: &'a [u8],
    /// The exact signed message.
    pub message: &'a [u8],
    /// The signature bytes.
    pub signature: &'a [u8],
    /// ML-DSA context string (empty by default and for Ed25519).
    pub context: &'a [u8],
    /// Role the signer must hold in the trust store.
    pub role: Option<&'a str>,
}

/// Verifies one signature, records the outcome in `report`, and returns it:
/// a pass under `invalid_code` and a fact naming the key when authentic; a pass plus
/// a `sig.key_not_pinned` failure (with the fingerprint) when valid but unpinned; a
/// failure under `invalid_code` when invalid.
pub fn check_signature(report: &mut Report, trust: &TrustStore, c: SigCheck<'_>) -> SigOutcome {
    match sig::verify(c.alg, c.public_key, c.message, c.signature, c.context) {
        Err(e) => {
            report.fail(
                c.invalid_code,
                c.subject,
                format!("{} signature: {e}", c.alg.name()),
            );
            SigOutcome::Invalid(e.to_string())
        }
        Ok(()) => {
            let fp = fingerprint(c.public_key);
            match trust.pinned(c.alg, c.public_key, c.role) {
                Some(id) => {
                    report.pass(
                        c.invalid_code,
                        c.subject,
                        format!(
                            "{} signature valid under pinned key {id} (fingerprint {fp})",
                            c.alg.name()
                        ),
                    );
                    SigOutcome::Authentic(id)
                }
                None => {
                    report.pass(
                        c.invalid_code,
                        c.subject.clone(),
                        format!("{} signature valid", c.alg.name()),
                    );
                    report.fail(
                        super::Code::KeyNotPinned,
                        c.subject,
                        format!(
                            "{} signature valid only under a key carried in the evidence; compare its fingerprint {fp} out-of-band and pin it",
                            c.alg.name()
                        ),
                    );
                    SigOutcome::Unpinned(fp)
                }
            }
        }
    }
}
