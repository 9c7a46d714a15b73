//! Trust roots: keys the auditor obtained out-of-band, and how a signature's outcome
//! is decided and recorded.
//!
//! A signature proves who vouched only under a key the auditor pinned. Every signature
//! check in every format goes through [`check_signature`] (or its two compositions,
//! [`check_hybrid`] and [`check_threshold`]), so the three outcomes — authentic,
//! valid-but-unpinned (`UNVERIFIED`), invalid (`TAMPERED`) — are decided in one place.
//!
//! The store is built from the auditor's inputs only: a trust file
//! ([`TrustStore::load_trust_file`], format in SPEC.md §5.5 and
//! `schemas/trust.schema.json`), `--key ALG:ENCODED` ([`TrustStore::add_key_arg`]) and
//! `--expect-fingerprint HEX` ([`TrustStore::add_fingerprint`]). The CLI entry point
//! `TrustStore::from_args` lives in `cli::sig`, where reading files is allowed.

use super::encoding::{self, Encoding};
use super::policy::{valid_role, Policy, PolicyError};
use super::sig::{self, Alg, MlDsaLevel};
use crate::canon::Value;
use crate::verdict::{Code, Report, Subject};

/// A key the auditor pinned.
///
/// Build it with [`PinnedKey::new`], which checks that the bytes are a usable key of
/// `alg`; [`TrustStore::add_key`] re-checks keys built by hand.
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
    /// A pinned key, checked: non-empty id, valid role names, key bytes of the exact
    /// length for `alg` and (Ed25519) a canonical point not of small order.
    pub fn new(
        id: impl Into<String>,
        alg: Alg,
        public_key: Vec<u8>,
        roles: Vec<String>,
    ) -> Result<PinnedKey, String> {
        let k = PinnedKey {
            id: id.into(),
            alg,
            public_key,
            roles,
        };
        k.validate()?;
        Ok(k)
    }

    fn validate(&self) -> Result<(), String> {
        if self.id.is_empty() {
            return Err("key id must not be empty".into());
        }
        if let Some(r) = self.roles.iter().find(|r| !valid_role(r)) {
            return Err(format!(
                "key {}: role {r:?} must be non-empty and use only a-z, 0-9, '_', '.', '-', ':'",
                self.id
            ));
        }
        if self.public_key.len() != self.alg.public_key_len() {
            return Err(format!(
                "key {}: {} bytes is not a {} public key ({} bytes)",
                self.id,
                self.public_key.len(),
                self.alg.name(),
                self.alg.public_key_len()
            ));
        }
        if self.alg == Alg::Ed25519 {
            let a: [u8; 32] = self
                .public_key
                .as_slice()
                .try_into()
                .map_err(|_| "32 bytes")?;
            sig::ed25519_verifying_key(&a).map_err(|e| format!("key {}: {e}", self.id))?;
        }
        Ok(())
    }

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

/// Fingerprint prefixes shorter than this many hex digits draw a warning.
pub const MIN_FINGERPRINT_DIGITS: usize = 16;

/// The auditor's trust roots for one run.
#[derive(Clone, Debug, Default)]
pub struct TrustStore {
    /// Pinned keys (ids distinct; no two with the same algorithm and bytes).
    pub keys: Vec<PinnedKey>,
    /// Pinned fingerprint prefixes (lowercase hex) from `--expect-fingerprint`; they pin
    /// a key of any algorithm for any role.
    pub fingerprint_prefixes: Vec<String>,
    /// m-of-n policies, at most one per role, naming keys of this store.
    pub policies: Vec<Policy>,
    /// Warnings found while building the store (e.g. short fingerprint prefixes);
    /// [`TrustStore::record_warnings`] puts them into a report.
    pub warnings: Vec<String>,
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

    /// Builds a store from the auditor's three inputs: an optional trust file (display
    /// name and bytes), `--key ALG:ENCODED` values and `--expect-fingerprint` values.
    /// Any error is the auditor's to fix (a usage error), never a verdict.
    pub fn from_parts(
        trust_file: Option<(&str, &[u8])>,
        keys: &[String],
        fingerprints: &[String],
    ) -> Result<TrustStore, String> {
        let mut t = TrustStore::empty();
        if let Some((name, bytes)) = trust_file {
            t.load_trust_file(name, bytes)?;
        }
        for k in keys {
            t.add_key_arg(k).map_err(|e| format!("--key {k}: {e}"))?;
        }
        for f in fingerprints {
            t.add_fingerprint(f)
                .map_err(|e| format!("--expect-fingerprint {f}: {e}"))?;
        }
        Ok(t)
    }

    /// Adds a key; refuses an invalid key, a duplicate id, or the same key (algorithm
    /// and bytes) under a second id — which would let one signer count twice.
    pub fn add_key(&mut self, k: PinnedKey) -> Result<(), String> {
        k.validate()?;
        if self.keys.iter().any(|x| x.id == k.id) {
            return Err(format!("key id {:?} is defined twice", k.id));
        }
        if let Some(x) = self
            .keys
            .iter()
            .find(|x| x.alg == k.alg && x.public_key == k.public_key)
        {
            return Err(format!(
                "keys {:?} and {:?} are the same {} key",
                x.id,
                k.id,
                k.alg.name()
            ));
        }
        self.keys.push(k);
        Ok(())
    }

    /// Adds `--key ALG:ENCODED`: the algorithm name, a colon, then the key in one of
    /// the encodings of [`encoding`] (prefix `hex:`/`b64:`/`b58:` optional, or an
    /// Ed25519 PEM). The key gets id `key:<first 16 fingerprint digits>` and any role.
    pub fn add_key_arg(&mut self, arg: &str) -> Result<(), String> {
        let (alg_name, enc) = arg
            .split_once(':')
            .ok_or("expected ALG:ENCODED, e.g. ed25519:hex:<64 hex digits>")?;
        let alg = Alg::from_name(alg_name).ok_or_else(|| {
            format!("unknown algorithm {alg_name:?} (expected ed25519, ML-DSA-44, ML-DSA-65 or ML-DSA-87)")
        })?;
        let raw = encoding::decode_public_key(alg, enc)?;
        let id = format!("key:{}", &fingerprint(&raw)[..16]);
        self.add_key(PinnedKey::new(id, alg, raw, Vec::new())?)
    }

    /// Adds `--expect-fingerprint HEX`: 1 to 64 hex digits (uppercase is folded to
    /// lowercase), pinning every key whose fingerprint starts with them. Fewer than
    /// [`MIN_FINGERPRINT_DIGITS`] digits adds a warning.
    pub fn add_fingerprint(&mut self, hex: &str) -> Result<(), String> {
        let p = hex.to_ascii_lowercase();
        if p.is_empty() || p.len() > 64 || !super::hash::is_lower_hex(&p) {
            return Err("expected 1 to 64 hex digits of a SHA-256 key fingerprint".into());
        }
        if p.len() < MIN_FINGERPRINT_DIGITS {
            self.warnings.push(format!(
                "--expect-fingerprint {p}: only {} hex digits; a key matching a short prefix is cheap to forge, pin at least {MIN_FINGERPRINT_DIGITS} (better all 64)",
                p.len()
            ));
        }
        if !self.fingerprint_prefixes.contains(&p) {
            self.fingerprint_prefixes.push(p);
        }
        Ok(())
    }

    /// Adds a policy; its keys must be in the store and allowed to sign for its role,
    /// and a role has at most one policy.
    pub fn add_policy(&mut self, p: Policy) -> Result<(), String> {
        if self.policies.iter().any(|x| x.role() == p.role()) {
            return Err(format!("role {:?} has two policies", p.role()));
        }
        for id in p.keys() {
            let k = self
                .key(id)
                .ok_or_else(|| format!("policy for {:?} names unknown key {id:?}", p.role()))?;
            if !k.allows(Some(p.role())) {
                return Err(format!(
                    "policy for {:?} names key {id:?}, whose roles do not include it",
                    p.role()
                ));
            }
        }
        self.policies.push(p);
        Ok(())
    }

    /// Loads a trust file (SPEC.md §5.5). `name` is used in error messages.
    pub fn load_trust_file(&mut self, name: &str, bytes: &[u8]) -> Result<(), String> {
        let v = crate::canon::parse(bytes)
            .map_err(|e| format!("{name}:{}:{}: {}", e.line, e.column, e.message))?;
        self.load_trust_value(&v)
            .map_err(|e| format!("{name}: {e}"))
    }

    fn load_trust_value(&mut self, v: &Value) -> Result<(), String> {
        let o = v
            .as_object()
            .ok_or("the trust file must be a JSON object")?;
        only_members(o, &["version", "keys", "policies", "comment"], "")?;
        optional_comment(o, "")?;
        match o.get("version").and_then(Value::as_u64) {
            Some(1)
                if o.get("version")
                    .and_then(Value::as_number)
                    .is_some_and(|n| n.is_int()) => {}
            _ => return Err("version: must be the integer 1".into()),
        }
        let keys = o
            .get("keys")
            .and_then(Value::as_array)
            .ok_or("keys: missing or not an array")?;
        if keys.is_empty() {
            return Err("keys: at least one key is required".into());
        }
        for (i, k) in keys.iter().enumerate() {
            let at = format!("keys[{i}]");
            let key = parse_key_entry(k, &at)?;
            self.add_key(key).map_err(|e| format!("{at}: {e}"))?;
        }
        if let Some(ps) = o.get("policies") {
            let ps = ps.as_array().ok_or("policies: not an array")?;
            for (i, p) in ps.iter().enumerate() {
                let pol = Policy::from_value(p).map_err(|e| format!("policies[{i}]: {e}"))?;
                self.add_policy(pol)
                    .map_err(|e| format!("policies[{i}]: {e}"))?;
            }
        }
        Ok(())
    }

    /// The key with this id.
    pub fn key(&self, id: &str) -> Option<&PinnedKey> {
        self.keys.iter().find(|k| k.id == id)
    }

    /// The policy for `role`.
    pub fn policy(&self, role: &str) -> Option<&Policy> {
        self.policies.iter().find(|p| p.role() == role)
    }

    /// Records every warning of the store as a `sig.trust.short_fingerprint` warning
    /// (the only kind today) with subject `--expect-fingerprint`. Call it once per
    /// report, before the format's own checks.
    pub fn record_warnings(&self, report: &mut Report) {
        for w in &self.warnings {
            report.warn(
                super::Code::TrustShortFingerprint,
                Subject::file("--expect-fingerprint"),
                w.clone(),
            );
        }
    }

    /// The pinned identity of `public_key` for `alg` and `role`, if any: either a
    /// pinned key with the same algorithm and bytes that may sign for `role`, or a
    /// pinned fingerprint prefix.
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

    /// A pinned key with these bytes and algorithm that may NOT sign for `role`.
    fn pinned_for_other_role(&self, alg: Alg, public_key: &[u8]) -> Option<&PinnedKey> {
        self.keys
            .iter()
            .find(|k| k.alg == alg && k.public_key == public_key)
    }
}

fn only_members(o: &crate::canon::Object, allowed: &[&str], at: &str) -> Result<(), String> {
    match o.keys().find(|k| !allowed.contains(k)) {
        Some(k) => Err(format!(
            "{at}{}unknown member {k:?}",
            if at.is_empty() { "" } else { ": " }
        )),
        None => Ok(()),
    }
}

fn optional_comment(o: &crate::canon::Object, at: &str) -> Result<(), String> {
    if o.get("comment").is_some_and(|c| c.as_str().is_none()) {
        return Err(format!(
            "{at}{}comment: must be a string",
            if at.is_empty() { "" } else { "." }
        ));
    }
    Ok(())
}

fn parse_key_entry(k: &Value, at: &str) -> Result<PinnedKey, String> {
    let o = k
        .as_object()
        .ok_or_else(|| format!("{at}: must be an object"))?;
    only_members(
        o,
        &[
            "id",
            "algorithm",
            "public_key",
            "fingerprint",
            "roles",
            "comment",
        ],
        at,
    )?;
    optional_comment(o, at)?;
    let s = |f: &str| {
        o.get(f)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{at}.{f}: missing or not a string"))
    };
    let id = s("id")?;
    let alg_name = s("algorithm")?;
    let alg = Alg::from_name(alg_name)
        .ok_or_else(|| format!("{at}.algorithm: unknown algorithm {alg_name:?}"))?;
    let raw = encoding::decode_public_key(alg, s("public_key")?)
        .map_err(|e| format!("{at}.public_key: {e}"))?;
    let expected = s("fingerprint")?;
    if !super::hash::is_hex64(expected) {
        return Err(format!(
            "{at}.fingerprint: must be the 64 lowercase hex digits of SHA-256(raw public key)"
        ));
    }
    let fp = fingerprint(&raw);
    if fp != expected {
        return Err(format!(
            "{at}.fingerprint: the key's fingerprint is {fp}, not {expected}: the key or the pin is wrong"
        ));
    }
    let roles = match o.get("roles") {
        None => Vec::new(),
        Some(r) => {
            let arr = r
                .as_array()
                .ok_or_else(|| format!("{at}.roles: not an array"))?;
            let mut out = Vec::new();
            for x in arr {
                let x = x
                    .as_str()
                    .ok_or_else(|| format!("{at}.roles: every role must be a string"))?;
                if out.iter().any(|y: &String| y == x) {
                    return Err(format!("{at}.roles: {x:?} is listed twice"));
                }
                out.push(x.to_string());
            }
            if out.is_empty() {
                return Err(format!(
                    "{at}.roles: an empty list is ambiguous; omit roles to allow any role"
                ));
            }
            out
        }
    };
    PinnedKey::new(id, alg, raw, roles).map_err(|e| format!("{at}: {e}"))
}

/// What one signature check concluded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SigOutcome {
    /// Valid under a pinned key (its id).
    Authentic(String),
    /// Valid, but not under a key pinned for this role (its fingerprint).
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
/// - invalid: a failure under `invalid_code`;
/// - valid under a key pinned for the role: a pass under `invalid_code` naming the key;
/// - valid under a key pinned for other roles only: a pass under `invalid_code` and a
///   `sig.key.role_not_allowed` failure;
/// - valid otherwise: a pass under `invalid_code` and a `sig.key_not_pinned` failure
///   carrying the fingerprint.
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
                    match (trust.pinned_for_other_role(c.alg, c.public_key), c.role) {
                        (Some(k), Some(role)) => report.fail(
                            super::Code::KeyRoleNotAllowed,
                            c.subject,
                            format!(
                                "{} signature valid under pinned key {} (fingerprint {fp}), which is not pinned for role {role} (its roles: {})",
                                c.alg.name(),
                                k.id,
                                k.roles.join(", ")
                            ),
                        ),
                        _ => report.fail(
                            super::Code::KeyNotPinned,
                            c.subject,
                            format!(
                                "{} signature valid only under a key carried in the evidence; compare its fingerprint {fp} out-of-band and pin it",
                                c.alg.name()
                            ),
                        ),
                    }
                    SigOutcome::Unpinned(fp)
                }
            }
        }
    }
}

/// Parses an algorithm name from the evidence; an unknown name is recorded as
/// `sig.algorithm.unknown` (fail closed) and yields `None`.
pub fn parse_alg(report: &mut Report, subject: &Subject, name: &str) -> Option<Alg> {
    let a = Alg::from_name(name);
    if a.is_none() {
        report.fail(
            super::Code::AlgorithmUnknown,
            subject.clone(),
            format!("unknown signature algorithm {name:?}; evv verifies ed25519, ML-DSA-44, ML-DSA-65 and ML-DSA-87"),
        );
    }
    a
}

/// Decodes a public key of `alg` from an evidence field. `enc` is the encoding the
/// format defines (`None`: the general rules of [`encoding::decode_exact`]). A value
/// that does not decode to a usable key is recorded as `sig.encoding.malformed`.
pub fn decode_key_field(
    report: &mut Report,
    subject: &Subject,
    alg: Alg,
    enc: Option<Encoding>,
    value: &str,
) -> Option<Vec<u8>> {
    decode_field(
        report,
        subject,
        alg,
        enc,
        value,
        encoding::decode_public_key,
    )
}

/// Decodes a signature of `alg` from an evidence field (see [`decode_key_field`]).
pub fn decode_signature_field(
    report: &mut Report,
    subject: &Subject,
    alg: Alg,
    enc: Option<Encoding>,
    value: &str,
) -> Option<Vec<u8>> {
    decode_field(report, subject, alg, enc, value, encoding::decode_signature)
}

/// The shared body of [`decode_key_field`] and [`decode_signature_field`]: a format
/// that fixes the encoding gets its prefix prepended, so one decoder serves both.
fn decode_field(
    report: &mut Report,
    subject: &Subject,
    alg: Alg,
    enc: Option<Encoding>,
    value: &str,
    decode: fn(Alg, &str) -> Result<Vec<u8>, String>,
) -> Option<Vec<u8>> {
    let r = match enc {
        None => decode(alg, value),
        Some(e) => decode(alg, &format!("{}{value}", e.prefix())),
    };
    r.map_err(|e| report.fail(super::Code::EncodingMalformed, subject.clone(), e))
        .ok()
}

/// Parses an m-of-n policy carried by the evidence; an invalid one is recorded as
/// `sig.policy.malformed` and yields `None`.
pub fn parse_policy(report: &mut Report, subject: &Subject, v: &Value) -> Option<Policy> {
    Policy::from_value(v)
        .map_err(|e: PolicyError| {
            report.fail(
                super::Code::PolicyMalformed,
                subject.clone(),
                format!("invalid m-of-n policy: {e}"),
            )
        })
        .ok()
}

/// A public key and a signature over the record's message.
#[derive(Clone, Copy, Debug)]
pub struct KeySig<'a> {
    /// Raw public key bytes.
    pub public_key: &'a [u8],
    /// Signature bytes.
    pub signature: &'a [u8],
}

/// A hybrid record: an Ed25519 and an ML-DSA signature over the same message. The
/// types rule out a second signature of the same family.
pub struct HybridCheck<'a> {
    /// What the record is.
    pub subject: Subject,
    /// The exact signed message (both signatures cover these bytes).
    pub message: &'a [u8],
    /// The Ed25519 half (`None` when the evidence lacks it).
    pub ed25519: Option<KeySig<'a>>,
    /// The ML-DSA half with its parameter set (`None` when the evidence lacks it).
    pub mldsa: Option<(MlDsaLevel, KeySig<'a>)>,
    /// ML-DSA context string (empty by default).
    pub context: &'a [u8],
    /// Role both signers must hold.
    pub role: Option<&'a str>,
}

/// Checks a hybrid record: both halves must be present and valid, each verified with
/// [`check_signature`] under its own code (`sig.hybrid.ed25519_invalid`,
/// `sig.hybrid.mldsa_invalid`); a missing half is `sig.hybrid.incomplete`. The record
/// is authentic only when both keys are pinned (each unpinned half reports its own
/// `sig.key_not_pinned`). Returns `Authentic("<ed id>+<ml-dsa id>")`, the first
/// `Unpinned` fingerprint, or `Invalid`.
pub fn check_hybrid(report: &mut Report, trust: &TrustStore, h: HybridCheck<'_>) -> SigOutcome {
    let mut missing = Vec::new();
    if h.ed25519.is_none() {
        missing.push("Ed25519");
    }
    if h.mldsa.is_none() {
        missing.push("ML-DSA");
    }
    if !missing.is_empty() {
        report.fail(
            super::Code::HybridIncomplete,
            h.subject.clone(),
            format!(
                "hybrid record lacks its {} signature; one family alone never suffices",
                missing.join(" and ")
            ),
        );
    } else {
        report.pass(
            super::Code::HybridIncomplete,
            h.subject.clone(),
            "hybrid record carries an Ed25519 and an ML-DSA signature",
        );
    }
    let ed = h.ed25519.map(|ks| {
        check_signature(
            report,
            trust,
            SigCheck {
                invalid_code: super::Code::HybridEd25519Invalid.into(),
                subject: h.subject.clone().field_suffix("ed25519"),
                alg: Alg::Ed25519,
                public_key: ks.public_key,
                message: h.message,
                signature: ks.signature,
                context: b"",
                role: h.role,
            },
        )
    });
    let ml = h.mldsa.map(|(level, ks)| {
        check_signature(
            report,
            trust,
            SigCheck {
                invalid_code: super::Code::HybridMlDsaInvalid.into(),
                subject: h.subject.clone().field_suffix("mldsa"),
                alg: level.alg(),
                public_key: ks.public_key,
                message: h.message,
                signature: ks.signature,
                context: h.context,
                role: h.role,
            },
        )
    });
    match (ed, ml) {
        (Some(SigOutcome::Authentic(a)), Some(SigOutcome::Authentic(b))) => {
            SigOutcome::Authentic(format!("{a}+{b}"))
        }
        (Some(SigOutcome::Invalid(e)), _) | (_, Some(SigOutcome::Invalid(e))) => {
            SigOutcome::Invalid(e)
        }
        (None, _) | (_, None) => SigOutcome::Invalid(format!(
            "hybrid record lacks its {} signature",
            missing.join(" and ")
        )),
        (Some(SigOutcome::Unpinned(f)), _) | (_, Some(SigOutcome::Unpinned(f))) => {
            SigOutcome::Unpinned(f)
        }
    }
}

trait FieldSuffix {
    fn field_suffix(self, s: &str) -> Self;
}

impl FieldSuffix for Subject {
    /// Appends `.s` to the field locator (or sets it to `s`).
    fn field_suffix(mut self, s: &str) -> Subject {
        self.field = Some(match self.field.take() {
            Some(f) => format!("{f}.{s}"),
            None => s.to_string(),
        });
        self
    }
}

/// One signature on a council record.
#[derive(Clone, Debug)]
pub struct Signed<'a> {
    /// Where it is in the evidence (e.g. the field `signatures[2]`).
    pub subject: Subject,
    /// Algorithm the evidence declares for it.
    pub alg: Alg,
    /// Public key bytes the evidence names.
    pub public_key: &'a [u8],
    /// Signature bytes.
    pub signature: &'a [u8],
}

/// A council record: one message, many signatures, an m-of-n policy.
pub struct ThresholdCheck<'a> {
    /// The policy (usually `trust.policy(role)`); its role is required of every signer.
    pub policy: &'a Policy,
    /// Code reported for a member's signature that does not verify (class `integrity`).
    pub invalid_code: Code,
    /// What the record is (the threshold finding points here).
    pub subject: Subject,
    /// The exact signed message.
    pub message: &'a [u8],
    /// ML-DSA context string (empty by default).
    pub context: &'a [u8],
    /// The signatures the evidence carries, in evidence order.
    pub signatures: &'a [Signed<'a>],
}

/// What a threshold check concluded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThresholdOutcome {
    /// Ids of the distinct policy keys with a valid signature, in the policy's order.
    pub counted: Vec<String>,
    /// Required count `m`.
    pub required: usize,
}

impl ThresholdOutcome {
    /// True if at least `m` distinct policy keys signed validly.
    pub fn met(&self) -> bool {
        self.counted.len() >= self.required
    }
}

/// Checks an m-of-n council record. For each signature:
/// - by a key the policy does not name (same algorithm and bytes as a named pinned
///   key): `sig.threshold.outsider` warning, ignored (not verified, not counted);
/// - by a named key: verified with [`check_signature`] under the policy's role; an
///   invalid one fails under `invalid_code`; a valid one counts once per key (a
///   repeat is a `sig.threshold.duplicate_signer` warning).
///
/// Then `sig.threshold.not_met` passes when at least `m` distinct keys counted and
/// fails otherwise.
pub fn check_threshold(
    report: &mut Report,
    trust: &TrustStore,
    t: ThresholdCheck<'_>,
) -> ThresholdOutcome {
    let role = t.policy.role();
    let mut counted_ids: Vec<&str> = Vec::new();
    for s in t.signatures {
        let member = t.policy.keys().iter().find_map(|id| {
            trust
                .key(id)
                .filter(|k| k.alg == s.alg && k.public_key == s.public_key)
        });
        let Some(member) = member else {
            report.warn(
                super::Code::ThresholdOutsider,
                s.subject.clone(),
                format!(
                    "{} signature by key {} which the {role} policy does not name; ignored",
                    s.alg.name(),
                    fingerprint(s.public_key)
                ),
            );
            continue;
        };
        let outcome = check_signature(
            report,
            trust,
            SigCheck {
                invalid_code: t.invalid_code,
                subject: s.subject.clone(),
                alg: s.alg,
                public_key: s.public_key,
                message: t.message,
                signature: s.signature,
                context: t.context,
                role: Some(role),
            },
        );
        if outcome.is_valid() {
            if counted_ids.contains(&member.id.as_str()) {
                report.warn(
                    super::Code::ThresholdDuplicateSigner,
                    s.subject.clone(),
                    format!("key {} already signed this record; counted once", member.id),
                );
            } else {
                counted_ids.push(&member.id);
            }
        }
    }
    let counted: Vec<String> = t
        .policy
        .keys()
        .iter()
        .filter(|id| counted_ids.contains(&id.as_str()))
        .cloned()
        .collect();
    let out = ThresholdOutcome {
        counted,
        required: t.policy.m(),
    };
    let msg = format!(
        "{} of {} keys of the {role} policy signed validly ({} required){}",
        out.counted.len(),
        t.policy.n(),
        out.required,
        if out.counted.is_empty() {
            String::new()
        } else {
            format!(": {}", out.counted.join(", "))
        }
    );
    if out.met() {
        report.pass(super::Code::ThresholdNotMet, t.subject, msg);
    } else {
        report.fail(super::Code::ThresholdNotMet, t.subject, msg);
    }
    out
}

#[cfg(test)]
#[path = "trust_tests.rs"]
mod tests;
