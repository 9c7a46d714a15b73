//! KRY attestations (KRY-SPEC v1.3): savings and action profiles, the promotion-overlay
//! and chain-head anchor profiles, and kry-pqc signatures and councils.
//!
//! [`verify_attestation_bytes`] is the one entry point: it parses the attestation,
//! recognises its profile from its content, runs every check of the spec, and states
//! the spec's own verdict word in the `kry_verdict` fact so conformance can compare it
//! with the reference directly. Signatures and councils are checked beside it; they are
//! not part of KRY-SPEC v1.3, so they never change `kry_verdict`, only evv's status.
//!
//! The module is pure: side inputs (anchor, signature, council policy and artifact)
//! arrive as bytes in [`KryOptions`]; reading files is the CLI's job.

mod action;
mod agg;
mod anchor;
mod council;
mod fast;
mod magnitude;
pub mod num;
mod pqc;
mod savings;
mod veracity;

use sha2::{Digest, Sha256};

use crate::canon::{self, Dialect, Object, Sink, Value};
use crate::crypto::trust::TrustStore;
use crate::verdict::{Report, Subject};

pub use action::payload as action_payload;
pub use pqc::b64 as pqc_b64;
pub use savings::{chain_hash as savings_chain_hash, public_block};

/// The savings-link members the checks read, in slot order. Exposed only so that the
/// fast/general differential tests and the fuzz targets build links from the same list;
/// not part of the supported API.
#[doc(hidden)]
pub use savings::LINK_FIELDS;

pub use magnitude::{published_rate, LEGAL_MULTIPLIERS, LEGAL_MULTIPLIERS_PROVENANCE};

/// The genesis chain value: 64 ASCII zeros.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

crate::define_codes! {
    /// Codes of the KRY checks.
    pub enum Code {
        /// A required field is absent.
        FieldMissing = ("kry.field.missing", Malformed,
            "A field KRY-SPEC v1.3 requires (envelope, veracity, action link or action envelope) was looked up and is absent or empty. A verifier must fail closed: without the field the claim it carries cannot be re-derived. Ask the producer for a complete attestation; do not fill the field in yourself."),
        /// A field has the wrong JSON type or an out-of-range value.
        FieldInvalid = ("kry.field.invalid", Malformed,
            "A field was present but of the wrong JSON type or out of range (for example veracity is not an object, links is not an array, receipts is negative or not an integer). The attestation does not follow KRY-SPEC v1.3 and cannot be verified; obtain a conforming attestation from the producer."),
        /// `receipts` differs from the number of links.
        ReceiptsMismatch = ("kry.receipts_mismatch", Integrity,
            "The declared receipts count was compared with the number of links. A difference means links were added or removed after the envelope was written (or the envelope was edited). Treat the attestation as tampered and compare it with the producer's ledger."),
        /// `chain_valid` is not `true`.
        ChainValidFalse = ("kry.chain_valid_false", Malformed,
            "The envelope's chain_valid flag must be the JSON value true. Any other value means the producer itself does not vouch for the chain; the attestation cannot be accepted."),
        /// `total_kry` differs from the rounded sum of `kry_minted`.
        TotalKry = ("kry.total_kry_mismatch", Integrity,
            "total_kry was re-derived as CPython round(sum of every link's kry_minted, 4) and compared with absolute tolerance 1e-9. A mismatch means the headline amount does not follow from the links: the envelope or a link was edited. Re-derive the amount from the links and reject the attestation."),
        /// `usd_equivalent` differs from its derivation.
        UsdEquivalent = ("kry.usd_equivalent_mismatch", Integrity,
            "usd_equivalent was re-derived as round(round(sum of kry_minted, 4) x 0.000025, 6) and compared with tolerance 1e-9. A mismatch means the stated dollar value does not follow from the links. Reject the attestation."),
        /// `event_type_counts` differs from the counts over links.
        EventTypeCounts = ("kry.event_type_counts_mismatch", Integrity,
            "event_type_counts was compared, as a map, with the number of links of each event_type. A difference means events were relabelled, added or dropped. Reject the attestation and ask for the ledger."),
        /// `chain_head` differs from the last recomputed chain hash.
        ChainHead = ("kry.chain_head_mismatch", Integrity,
            "chain_head was compared with the last chain hash recomputed from genesis (64 zeros for an empty chain). A mismatch means the envelope does not commit to these links: the chain was truncated, extended or replaced. Reject the attestation."),
        /// The recomputed attestation hash differs.
        AttestationHash = ("kry.attestation_hash_mismatch", Integrity,
            "attestation_hash was recomputed as the SHA-256 of the CPython-canonical attestation with attestation_hash set to the empty string. A mismatch means the attestation was edited after it was sealed (or sealed by a non-conforming producer). Treat it as tampered."),
        /// A veracity field differs from its derivation.
        Veracity = ("kry.veracity_mismatch", Integrity,
            "The veracity block (by_tier compared as a map with equal key sets, anchored_kry, self_reported_kry, veracity_floor) was re-derived from the links, after the promotion overlay, and compared with tolerance 1e-9. A mismatch means the trust surface is misstated: value was moved between evidence tiers or tiers were invented or dropped. Reject the attestation's veracity claim."),
        /// A link field consumed by the checks is missing or malformed.
        LinkField = ("kry.link.field_invalid", Malformed,
            "Each link must carry an integer seq >= 0, non-empty string receipt_hash, chain_hash and event_type, a finite kry_minted >= 0, a string evidence_tier and, when present, numeric earn_rate and tokens_saved. A failure means the link cannot be checked as the spec requires; the attestation is malformed."),
        /// A link's hash_version is outside 4..7.
        HashVersion = ("kry.link.hash_version_unsupported", Malformed,
            "A link's hash_version (an absent one reads as legacy version 1) was compared with the versions KRY-SPEC v1.3 defines, 4 to 7. Any other version must fail closed: before v4 the public fields (tier, amounts, rate) are not bound into the chain hash, so nothing but the opaque receipt hash is protected. Ask the producer to re-mint under hash_version 5 or later."),
        /// A link's hash_version is lower than an earlier link's.
        VersionRollback = ("kry.link.version_rollback", Integrity,
            "hash_version must never decrease along the chain. A lower version after a higher one is the signature of a partial-tail rollback: a later part of the chain was replaced by weaker, legacy-bound links. Treat the attestation as tampered."),
        /// A link's recomputed chain hash differs from its declared one.
        ChainHash = ("kry.link.chain_hash_mismatch", Integrity,
            "Every link's chain_hash was recomputed from genesis as SHA-256 of prev:receipt_hash:public_block (hash_version >= 4) or prev:receipt_hash (earlier), where prev is the previous RECOMPUTED hash. A mismatch means a bound field of that link was altered or a link was inserted, removed or reordered; the message separates links that break the chain themselves from later links that only extend a broken one. Treat the attestation as tampered."),
        /// A pre-v4 link claims an anchored tier.
        TierUnbound = ("kry.link.tier_unbound", Malformed,
            "A link with hash_version below 4 does not bind its evidence_tier into the chain hash, so it may only be self_reported. An anchored tier on such a link is an unprovable claim: anyone could have written it. The attestation cannot support its veracity figures; ask for a re-mint under hash_version 5 or later."),
        /// A link's earn_rate differs from the published rate.
        RateNonstandard = ("kry.link.rate_nonstandard", Integrity,
            "A link declaring earn_rate and tokens_saved must use the published rate of its event_type within 1e-6 (cache_hit 1.0, l3_semantic_match 0.8, short_circuit 1.0, continuity_capsule 0.1, compression 0.6, feed_bag_deposit 0.7, cache_creation 0.0, anything else 0.5). A different rate means the amount or the event type was manipulated. Reject the attestation."),
        /// Positive value minted from zero inputs.
        ZeroRateBypass = ("kry.link.zero_rate_bypass", Integrity,
            "A link whose declared tokens_saved or earn_rate is zero or negative minted a positive kry_minted: value from nothing. Reject the attestation."),
        /// The implied price multiplier is not published.
        MultiplierUnpublished = ("kry.link.multiplier_unpublished", Integrity,
            "kry_minted / (tokens_saved x earn_rate) must lie within 1e-3 of a published price multiplier (the KRY legal_multipliers set embedded in evv). Any other multiplier means the amount was computed with a non-public price or edited. Reject the attestation."),
        /// A provider_metered link lacks a valid ts or metered_tokens.
        MeteredInvalid = ("kry.link.metered_invalid", Malformed,
            "A provider_metered link must carry a numeric ts >= 0 and metered_tokens as two non-negative integers [prompt, completion]. Without them the honest-anchor tier has no provider evidence behind it; the attestation is malformed."),
        /// Two hash-bound links share a receipt_id.
        DuplicateReceiptId = ("kry.overlay.duplicate_receipt_id", Integrity,
            "receipt_id values of hash-bound links (hash_version >= 6) must be unique, because tier promotions name their target by receipt_id. A duplicate makes the promotion target ambiguous and is how a double claim is staged. Reject the attestation."),
        /// A tier total ended below -0.01 after the overlay.
        NegativeTier = ("kry.overlay.negative_tier", Integrity,
            "After promotions moved value between tiers, no tier total may be below -0.01: a promotion only transfers value that exists. A negative tier means promotions moved more than was minted. Reject the attestation."),
        /// The anchor document is malformed.
        AnchorMalformed = ("kry.anchor.malformed", Malformed,
            "The chain-head anchor given with --anchor must be {\"schema\":\"kry_chain_anchor/v1\",\"count\":integer >= 0,\"tip\":64-character string} and can only be checked against a savings attestation. A malformed anchor proves nothing; obtain the anchor from its external publication again."),
        /// An anchor of count 0 does not name the genesis tip.
        AnchorGenesis = ("kry.anchor.genesis_mismatch", Integrity,
            "An anchor publishing count 0 must carry the genesis tip (64 zeros). Any other tip contradicts itself; the anchor or the chain it describes was altered."),
        /// The attestation has no link at the anchor's count.
        AnchorTruncated = ("kry.anchor.truncated", Integrity,
            "The published anchor names a chain of count links, so a link with seq equal to count must exist. Its absence means the chain is shorter than what was published: it was truncated, rolled back or re-minted. Reject the attestation and ask for the full chain."),
        /// The link at the anchor's count has another chain hash.
        AnchorRemint = ("kry.anchor.remint", Integrity,
            "The chain_hash of the link whose seq equals the anchor's count was compared with the published tip. A difference means the chain was re-derived from genesis after publication (a retroactive re-mint). Reject the attestation. The anchor only counts if it came from its external publication, not from the producer at verification time."),
        /// Not an action attestation of a known kind.
        ActionKind = ("kry.action.kind_invalid", Malformed,
            "An attestation carrying kind or action_hash_version is an action attestation and must have kind \"kry_action_attestation\". Anything else is an unknown document; evv fails closed."),
        /// Unsupported action_hash_version.
        ActionVersion = ("kry.action.version_unsupported", Malformed,
            "action_hash_version must be the integer 1, the only version KRY-SPEC v1.3 defines. Another version cannot be verified and fails closed; use a verifier that implements it."),
        /// An action link's receipt_id is not a string.
        ActionReceiptId = ("kry.action.receipt_id_invalid", Malformed,
            "Every action link's receipt_id must be a string. A non-string id is malformed and fails closed."),
        /// Two action links share a receipt_id.
        ActionDuplicateId = ("kry.action.duplicate_receipt_id", Integrity,
            "receipt_id must be unique within an action attestation. A duplicate means an action was replayed or copied into the log. Reject the attestation."),
        /// An action link's receipt_hash differs from the recomputed payload hash.
        ActionReceiptHash = ("kry.action.receipt_hash_mismatch", Integrity,
            "Each action link's receipt_hash was recomputed as SHA-256 of the canonical payload {action_hash_version, tool, args_commit, result_commit, status, ts as canon_f64, agent_id, evidence_tier, server_evidence_commit}. A mismatch means one of those fields was changed after the action was logged. Treat the attestation as tampered."),
        /// An action link's chain hash differs.
        ActionChainHash = ("kry.action.chain_hash_mismatch", Integrity,
            "Each action link's chain_hash was recomputed from genesis as SHA-256 of prev:receipt_hash with prev the previous recomputed hash. A mismatch means links were reordered, inserted or dropped. Treat the attestation as tampered."),
        /// chain_tip differs from the recomputed tip.
        ActionChainTip = ("kry.action.chain_tip_mismatch", Integrity,
            "chain_tip must equal the last recomputed chain hash (64 zeros when there are no links). A mismatch means the envelope does not commit to these links. Reject the attestation."),
        /// action_count differs from the number of links.
        ActionCount = ("kry.action.count_mismatch", Integrity,
            "action_count must be an integer equal to the number of links. A difference means actions were added or removed after the envelope was written. Reject the attestation."),
        /// A timestamp goes backwards (warning only).
        ActionTsBackwards = ("kry.action.ts_backwards", Malformed,
            "Reported as a warning only: an action's ts is earlier than the previous action's. Concurrent agents may log out of order and the hash chain still fixes the order, so this never fails verification; an auditor may still want to know."),
        /// An anchored tier without witness evidence was coerced (warning only).
        ActionTierCoerced = ("kry.action.tier_coerced", Malformed,
            "Reported as a warning only: a link claims an anchored tier (server_witnessed or attested) but carries no server_evidence_commit, so it is counted as self_reported for the veracity floor. If the attestation's declared floor relied on such links, kry.action.veracity_floor_mismatch fails."),
        /// The declared action veracity_floor differs by more than 0.01.
        ActionFloor = ("kry.action.veracity_floor_mismatch", Integrity,
            "A declared veracity.veracity_floor was compared with round(anchored links / all links, 4), counting unwitnessed anchored claims as self_reported; a difference above 0.01 fails. It means the share of witnessed actions is overstated. Reject the veracity claim."),
        /// The kry-pqc signature file is malformed.
        SigMalformed = ("kry.sig.malformed", Malformed,
            "The kry-pqc signature file must be a JSON object {scheme: kry-pqc/v1 or kry-pqc/v2, alg: ML-DSA-44/65/87, message_sha256: 64 hex, public_key: base64, signature: base64}, and a --public-key file must hold one base64 key. Anything else cannot be checked; obtain the signature again."),
        /// The signature file's digest is not the attestation's.
        SigDigest = ("kry.sig.digest_mismatch", Integrity,
            "message_sha256 of the signature file was compared with the SHA-256 of the attestation file's exact bytes. A mismatch means the signature was made over other bytes: the attestation was changed after signing, or the signature belongs to another file."),
        /// The ML-DSA signature does not verify.
        SigInvalid = ("kry.sig.invalid", Integrity,
            "The ML-DSA signature was verified over the exact signed message (kry-pqc/v2: the bytes kry-pqc/v2/single, a zero byte, then the attestation bytes; kry-pqc/v1: the attestation bytes). A failure means the attestation, the signature or the key were changed. Treat the attestation as tampered."),
        /// A legacy kry-pqc/v1 signature.
        SigV1 = ("kry.sig.v1_scheme", Unauthenticated,
            "The signature uses kry-pqc/v1, which signs the raw attestation bytes without a domain-separation prefix, so the same signature could be replayed in another protocol. It is a warning by default and a failure with --require-v2; ask the producer to re-sign under kry-pqc/v2."),
        /// The council policy is malformed.
        CouncilPolicy = ("kry.council.policy_invalid", Malformed,
            "The council policy must be {scheme: kry-pqc-council/v1, alg: ML-DSA-44/65/87, threshold: integer in 1..number of signers, signers: [{name, public_key base64, fingerprint = first 16 hex digits of SHA-256 of the key}]} with no repeated key. A policy that is not exactly this cannot define a quorum; fix the policy file you were given."),
        /// The threshold artifact is malformed.
        CouncilArtifact = ("kry.council.artifact_invalid", Malformed,
            "The threshold artifact must be {scheme: kry-pqc-threshold/v2, message_sha256, policy_sha256 (64 hex each), threshold equal to the policy's, signatures: [{fingerprint, signature}]}. Anything else cannot be checked; obtain the artifact again."),
        /// The artifact's message digest is not the attestation's.
        CouncilDigest = ("kry.council.digest_mismatch", Integrity,
            "The artifact's message_sha256 was compared with the SHA-256 of the attestation file's bytes. A mismatch means the council signed other bytes: the attestation was changed after signing, or the artifact belongs to another file."),
        /// The artifact names another policy.
        CouncilPolicyHash = ("kry.council.policy_hash_mismatch", Integrity,
            "The artifact's policy_sha256 was compared with SHA-256 of the canonical (CPython) JSON of the policy given with --council. A mismatch means the signatures were made under another policy (other members or threshold); they cannot count toward this one."),
        /// A contribution was skipped (warning only).
        CouncilContribution = ("kry.council.contribution_skipped", Malformed,
            "Reported as a warning only: one entry of the artifact's signatures did not count toward the quorum (malformed, unknown fingerprint, repeated signer or invalid signature). Skipped entries never fail by themselves; only the quorum decides."),
        /// Fewer valid distinct signers than the threshold.
        CouncilQuorum = ("kry.council.quorum_not_met", Unauthenticated,
            "The quorum is the number of distinct registered council members whose signature over kry-pqc/v2/threshold, a zero byte, the policy_sha256 in ASCII, a zero byte and the attestation bytes verifies. Fewer than the policy's threshold means the council did not vouch for this attestation; its authenticity is not established."),
    }
}

/// Which KRY profile an attestation follows, recognised from its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// A savings attestation (KRY-SPEC §3).
    Savings,
    /// An action attestation (KRY-SPEC §4).
    Action,
}

impl Profile {
    /// Recognises the profile: an object carrying `kind` or `action_hash_version` is
    /// an action attestation, any other object a savings attestation.
    pub fn detect(doc: &Object) -> Profile {
        if doc.contains_key("kind") || doc.contains_key("action_hash_version") {
            Profile::Action
        } else {
            Profile::Savings
        }
    }
    /// Lowercase name.
    pub const fn name(self) -> &'static str {
        match self {
            Profile::Savings => "savings",
            Profile::Action => "action",
        }
    }
}

/// The verdict word of KRY-SPEC v1.3 §1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KryVerdict {
    /// Every spec check passed.
    Valid,
    /// Some spec check failed.
    Invalid,
    /// The input is not standard JSON.
    ParseError,
}

impl KryVerdict {
    /// The spec's word.
    pub const fn as_str(self) -> &'static str {
        match self {
            KryVerdict::Valid => "VALID",
            KryVerdict::Invalid => "INVALID",
            KryVerdict::ParseError => "PARSE_ERROR",
        }
    }
}

/// A side input (anchor, signature, policy, artifact): its display name and bytes.
#[derive(Clone, Debug)]
pub struct SideInput {
    /// Name used in findings (as the user wrote it).
    pub name: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

/// A council check: the policy the auditor trusts and the artifact to check.
#[derive(Clone, Debug)]
pub struct CouncilInput {
    /// `kry-pqc-council/v1` policy.
    pub policy: SideInput,
    /// `kry-pqc-threshold/v2` artifact.
    pub artifact: SideInput,
}

/// What to check besides the attestation itself.
#[derive(Clone, Debug, Default)]
pub struct KryOptions {
    /// Chain-head anchor (profile §3.8).
    pub anchor: Option<SideInput>,
    /// Detached kry-pqc signature.
    pub signature: Option<SideInput>,
    /// Pinned public key (base64 file contents) for the signature.
    pub public_key: Option<SideInput>,
    /// Keys and fingerprint prefixes the auditor pinned.
    pub trust: TrustStore,
    /// Refuse kry-pqc/v1 signatures.
    pub require_v2: bool,
    /// Council policy and threshold artifact.
    pub council: Option<CouncilInput>,
}

/// Verifies one KRY attestation given as the exact bytes of its file, recording every
/// finding in `report` (subjects name `name`) and the fact `kry_verdict`. Returns the
/// KRY-SPEC verdict word (signatures and councils do not affect it).
pub fn verify_attestation_bytes(
    name: &str,
    bytes: &[u8],
    opts: &KryOptions,
    report: &mut Report,
) -> KryVerdict {
    verify_bytes_with(name, bytes, opts, report, drop)
}

/// As [`verify_attestation_bytes`]. A savings attestation is first offered to the
/// tree-free path (`fast`), which either gives exactly the findings of the general
/// path or declines; when the general path parsed the document into a tree, `dispose`
/// receives the tree afterwards (a caller about to exit may forget it rather than free
/// millions of nodes one by one).
pub fn verify_bytes_with(
    name: &str,
    bytes: &[u8],
    opts: &KryOptions,
    report: &mut Report,
    dispose: impl FnOnce(Value),
) -> KryVerdict {
    let mut spec = Report::new(report.kind.clone(), report.input.clone());
    if fast::savings(name, bytes, opts.anchor.as_ref(), &mut spec).is_some() {
        let verdict = verdict_of(&spec);
        return finish(name, bytes, spec, verdict, opts, report);
    }
    verify_general_with(name, bytes, opts, report, dispose)
}

/// As [`verify_bytes_with`], by the general path alone: for a caller whose
/// [`verify_streamed`] of the same bytes declined.
pub fn verify_general_with(
    name: &str,
    bytes: &[u8],
    opts: &KryOptions,
    report: &mut Report,
    dispose: impl FnOnce(Value),
) -> KryVerdict {
    let parsed = canon::parse(bytes);
    let verdict = verify_parsed(name, bytes, parsed.as_ref(), opts, report);
    if let Ok(tree) = parsed {
        dispose(tree);
    }
    verdict
}

/// Verifies an attestation of `len` bytes read once, front to back, from `input` (its
/// file), by the tree-free savings path: memory stays bounded by the size of a few
/// pieces of the links, not the document's. `Ok(None)` where that path declines, or
/// where the options need the whole bytes (a detached signature or a council): the
/// caller then reads the whole file and calls [`verify_general_with`] (or
/// [`verify_bytes_with`] when the options need the bytes). An error is the reader's.
pub fn verify_streamed(
    name: &str,
    input: &mut dyn std::io::Read,
    len: u64,
    opts: &KryOptions,
    report: &mut Report,
) -> std::io::Result<Option<KryVerdict>> {
    if opts.signature.is_some() || opts.council.is_some() {
        return Ok(None);
    }
    let mut spec = Report::new(report.kind.clone(), report.input.clone());
    let feed = fast::Feed::Reader(input);
    let threads = fast::threads_for(len);
    if fast::savings_stream(
        name,
        feed,
        opts.anchor.as_ref(),
        threads,
        fast::PIECE,
        &mut spec,
    )?
    .is_none()
    {
        return Ok(None);
    }
    let verdict = verdict_of(&spec);
    // Neither a signature nor a council reads the bytes here.
    Ok(Some(finish(name, &[], spec, verdict, opts, report)))
}

/// The findings of the tree-free savings path alone, with the links split between at
/// most `threads` threads in pieces of about `piece` bytes (fed from a reader that
/// returns at most `piece` bytes a call, or borrowed from `bytes`, as `streamed` says),
/// or `None` where it declines (the general path would then decide). For differential
/// tests against [`verify_parsed`]; not part of the API.
#[doc(hidden)]
pub fn tree_free_savings(
    name: &str,
    bytes: &[u8],
    anchor: Option<&SideInput>,
    threads: usize,
    piece: usize,
    streamed: bool,
    report: &mut Report,
) -> Option<KryVerdict> {
    let mut spec = Report::new(report.kind.clone(), report.input.clone());
    if streamed {
        let mut r = Trickle(bytes, piece.max(1));
        fast::savings_stream(
            name,
            fast::Feed::Reader(&mut r),
            anchor,
            threads,
            piece,
            &mut spec,
        )
        .ok()??;
    } else {
        fast::savings_with(name, bytes, anchor, threads, piece, &mut spec)?;
    }
    let verdict = verdict_of(&spec);
    Some(finish(
        name,
        bytes,
        spec,
        verdict,
        &KryOptions::default(),
        report,
    ))
}

/// A reader of a slice that gives at most `.1` bytes a call, as a pipe may.
struct Trickle<'a>(&'a [u8], usize);

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.1).min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

/// The findings of the general (tree) path alone for `bytes` with an optional anchor
/// and otherwise default options: the reference [`tree_free_savings`] is compared with
/// in differential tests and fuzzing; not part of the API.
#[doc(hidden)]
pub fn general_savings(name: &str, bytes: &[u8], anchor: Option<&SideInput>, report: &mut Report) {
    let parsed = canon::parse(bytes);
    let opts = KryOptions {
        anchor: anchor.cloned(),
        ..Default::default()
    };
    verify_parsed(name, bytes, parsed.as_ref(), &opts, report);
}

/// As [`verify_attestation_bytes`], for a caller that already parsed `bytes` with
/// [`canon::parse`] (and so may keep or discard the tree as it likes). This is always
/// the general path.
pub fn verify_parsed(
    name: &str,
    bytes: &[u8],
    parsed: Result<&Value, &canon::ParseError>,
    opts: &KryOptions,
    report: &mut Report,
) -> KryVerdict {
    let mut spec = Report::new(report.kind.clone(), report.input.clone());
    let verdict = match parsed {
        Err(e) => {
            spec.fail(
                canon::Code::Parse,
                Subject::file(name).line(e.line as u64),
                format!("line {} column {}: {}", e.line, e.column, e.message),
            );
            KryVerdict::ParseError
        }
        Ok(Value::Object(doc)) => {
            let profile = Profile::detect(doc);
            spec.fact("kry_profile", profile.name());
            match profile {
                Profile::Savings => savings::verify(name, doc, &mut spec, opts.anchor.as_ref()),
                Profile::Action => {
                    action::verify(name, doc, &mut spec);
                    if let Some(a) = &opts.anchor {
                        spec.fail(
                            Code::AnchorMalformed,
                            Subject::file(&a.name),
                            "a chain-head anchor applies to savings attestations only; this is an action attestation",
                        );
                    }
                }
            }
            verdict_of(&spec)
        }
        Ok(other) => {
            spec.fail(
                Code::FieldInvalid,
                Subject::file(name),
                format!(
                    "a KRY attestation is a JSON object, this is {}",
                    other.type_name()
                ),
            );
            KryVerdict::Invalid
        }
    };
    finish(name, bytes, spec, verdict, opts, report)
}

/// The spec verdict of a document's checks: VALID unless something failed.
fn verdict_of(spec: &Report) -> KryVerdict {
    if spec.failures().next().is_some() || !spec.suppressed().is_empty() {
        KryVerdict::Invalid
    } else {
        KryVerdict::Valid
    }
}

/// States the verdict, moves the spec findings into `report`, then checks the
/// signature and the council, which never change the spec verdict.
fn finish(
    name: &str,
    bytes: &[u8],
    mut spec: Report,
    verdict: KryVerdict,
    opts: &KryOptions,
    report: &mut Report,
) -> KryVerdict {
    spec.fact("kry_verdict", verdict.as_str());
    report.absorb(spec);
    if let Some(sig) = &opts.signature {
        pqc::verify_single(name, bytes, sig, opts, report);
    }
    if let Some(c) = &opts.council {
        council::verify(name, bytes, c, report);
    }
    verdict
}

/// SHA-256 of the CPython-canonical bytes of `doc` with member `key` replaced by the
/// empty string, streamed into the hasher without copying the document.
pub(crate) fn hash_with_blank(doc: &Object, key: &str) -> [u8; 32] {
    // Staged through a block buffer: the document is millions of tiny pieces.
    let mut h = canon::Buffered::new(Sha256::new());
    h.put(b"{");
    for (i, (k, v)) in doc.iter().enumerate() {
        if i > 0 {
            h.put(b",");
        }
        // Keys are strings and values come from the strict parser (always finite), so
        // encoding cannot fail; an error would only drop bytes and force a mismatch.
        let _ = canon::write(&Value::String(k.to_owned()), Dialect::Python, &mut h);
        h.put(b":");
        if k == key {
            h.put(b"\"\"");
        } else {
            let _ = canon::write(v, Dialect::Python, &mut h);
        }
    }
    h.put(b"}");
    h.finish().finalize().into()
}

/// The `links` array of an attestation; absent or not an array is a finding (and no
/// links).
pub(crate) fn links_of<'a>(file: &str, doc: &'a Object, report: &mut Report) -> &'a [Value] {
    let subject = || Subject::file(file).field("links");
    match doc.get("links") {
        Some(Value::Array(a)) => a,
        None => {
            report.fail(Code::FieldMissing, subject(), "links is absent");
            &[]
        }
        Some(other) => {
            report.fail(
                Code::FieldInvalid,
                subject(),
                format!("links must be an array, found {}", other.type_name()),
            );
            &[]
        }
    }
}

/// Python truthiness of an optional JSON value (`None`, `false`, `0`, `""`, `[]`, `{}`
/// are false), for the spec's `x or ""` defaults.
pub(crate) fn truthy(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64() != 0.0,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
    }
}

/// Short form of a hash for messages.
pub(crate) fn short(s: &str) -> String {
    if s.len() > 16 && s.is_char_boundary(16) {
        format!("{}…", &s[..16])
    } else {
        s.to_string()
    }
}
