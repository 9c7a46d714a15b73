//! LIVE_HASHED receipts: chain of custody, required content, receipt-only persistence,
//! reconciliation against provider usage exports, and thermodynamics debits.
//!
//! The LIVE_HASHED lane of the producer (a Python runner using only the standard
//! library) appends one JSON receipt per authoritative provider call to a JSONL file.
//! Receipts carry hashes and attestations only. Every function here is pure over its
//! readers: the CLI (and the bundle verifier, for receipts listed in a manifest) hands in
//! readers and a [`Report`](crate::verdict::Report), and gets findings back.
//!
//! * [`receipt`]: the per-line checks (required content, hash preimages).
//! * [`privacy`]: the receipt-only scanners (forbidden fields, secrets, blobs).
//! * [`chain`]: the chain of custody across lines (duplicates, forks, gaps, reordering).
//! * [`verify`](mod@verify): streaming driver tying the three together ([`verify_receipts`]).
//! * [`export`] and [`csv`]: provider usage exports (CSV, JSON, JSONL).
//! * [`reconcile`](mod@reconcile): the hash join of receipts against an export and its JSON report.
//! * [`thermo`](mod@thermo): the thermodynamics debit ledger.

pub mod chain;
pub mod csv;
pub mod export;
mod index;
pub mod privacy;
pub mod receipt;
pub mod reconcile;
pub mod thermo;
pub mod time;
pub mod verify;

pub use reconcile::{reconcile, ReconcileOptions, ReconciliationReport, Tolerance};
pub use thermo::{verify_thermo, ThermoOptions};
pub use verify::{verify_receipts, ReceiptIndex, ReceiptOptions, ReceiptSummary};

crate::define_codes! {
    /// Codes of the LIVE_HASHED receipt, reconciliation and thermodynamics checks.
    pub enum Code {
        /// The receipts file holds no receipt.
        FileEmpty = ("receipts.file.empty", Malformed,
            "The receipts file was read line by line. It holds no receipt at all, so no call can be audited from it and an empty file proves nothing. Obtain the complete receipts.jsonl from the custodian."),
        /// A line is valid JSON but not an object.
        NotObject = ("receipts.content.not_object", Malformed,
            "Each line of a receipts file must be one JSON object. The line is valid JSON of another type, so it is not a receipt. The file was not written by a conforming LIVE_HASHED store; inspect the line."),
        /// The receipt names an unknown schema.
        SchemaUnknown = ("receipts.content.schema_unknown", Malformed,
            "schema_id must name the receipt schema this verifier implements (kt.live_hashed.receipt.v1). Another or missing identity means evv cannot know what the fields mean and refuses to guess. Upgrade evv or obtain receipts in the supported version."),
        /// The schema version hash does not pin the implemented version.
        SchemaVersion = ("receipts.content.schema_version_mismatch", Malformed,
            "schema_version_hash must equal the SHA-256 of the schema identity string (see SPEC.md section 9). A different value means the receipt claims a schema revision evv does not implement, or the field was edited. Obtain receipts of the supported revision."),
        /// A required field is absent.
        MissingField = ("receipts.content.missing_field", Malformed,
            "Every field the LIVE_HASHED audit requires (identity, trace, provider, lane, model, endpoint, key routing, timing, transport, attestation, payload hash, verdict) was looked up. A missing one means the call cannot be audited; the receipt is not conforming. Check the producer's receipt builder."),
        /// A field has the wrong type or format.
        FieldType = ("receipts.content.field_type", Malformed,
            "Each receipt field was checked for its type and format (non-negative integers, lowercase 64-digit hex digests, non-empty strings, booleans). A failure means the field cannot be interpreted unambiguously. Inspect the named field on the named line."),
        /// A top-level field is not part of the receipt schema.
        UnknownField = ("receipts.content.unknown_field", Malformed,
            "A receipt may carry only the fields its schema declares, so that nothing unreviewed (and possibly sensitive) is persisted. The named field is not declared. Remove it at the producer or upgrade evv if the schema grew."),
        /// lane is not LIVE_HASHED.
        Lane = ("receipts.content.lane", Malformed,
            "lane must be exactly LIVE_HASHED: only that lane persists receipts. Another value means the record comes from a lane that must not produce receipts (a silent downgrade or a mislabelled dry run). Treat the file as not authoritative."),
        /// key_index is outside 0..key_count.
        KeyRange = ("receipts.content.key_index_range", Malformed,
            "Deterministic key routing persists key_index and key_count with 0 <= key_index < key_count and key_count >= 1. A value outside that range cannot come from the routing formula. Check the runner's key routing."),
        /// Timing fields disagree.
        Timing = ("receipts.content.timing", Malformed,
            "The timing fields were checked: t_start_ms <= t_end_ms and latency_ms == t_end_ms - t_start_ms. A failure means the timing was fabricated or edited. Compare with the provider export's timestamps."),
        /// total_tokens differs from prompt_tokens + completion_tokens.
        UsageSum = ("receipts.content.usage_sum", Malformed,
            "When a receipt carries usage, total_tokens must equal prompt_tokens + completion_tokens. A different total means the usage was edited or mis-recorded; reconciliation against the provider export will not be meaningful."),
        /// request_id_sha256 is not the hash of request_id.
        RequestIdHash = ("receipts.content.request_id_hash", Malformed,
            "When a receipt carries both request_id and request_id_sha256, the latter must be the SHA-256 of the UTF-8 bytes of the former. A mismatch means one of them was edited; the provider attestation cannot be trusted."),
        /// pass/fail_reason are inconsistent.
        FailReason = ("receipts.content.fail_reason", Malformed,
            "A receipt with pass == false must carry a non-empty fail_reason (at most 256 characters); a passing receipt must not carry one. A failure means the call's verdict is ambiguous. Inspect the named line."),
        /// A non-200 response is recorded as passing.
        Non200Pass = ("receipts.content.non200_pass", Malformed,
            "A call whose http_status is not 200 must be recorded with pass == false and a fail_reason. The receipt claims success for a failed call, which is exactly the silent failure the lane forbids. Treat the run as failed."),
        /// The host is not on the allowlist.
        HostNotAllowed = ("receipts.content.host_not_allowed", Malformed,
            "host was compared with the allowlist: the hosts given with --allow-host, or else the documented default hosts of the receipt's provider_id. Any other host means the call may have gone to an impostor or through a redirect. If the host is legitimate, pass it with --allow-host after checking it out-of-band."),
        /// A forbidden field name appears.
        ForbiddenField = ("receipts.privacy.forbidden_field", Malformed,
            "The receipt-only rule forbids fields that hold raw content (prompt, messages, content, output, completion text, response bodies) or credentials (authorization headers, api keys, secrets) at any depth. Such a field was found: the lane persisted what it must never persist. Quarantine the file and rotate any exposed key."),
        /// A key name describes key material other than key_index/key_count.
        KeyMaterial = ("receipts.privacy.key_material", Malformed,
            "Only key_index and key_count may describe API keys; no key, key hash, key id or key fingerprint may be persisted. A field naming a key was found. Quarantine the file and rotate the keys concerned."),
        /// A value looks like a secret.
        SecretValue = ("receipts.privacy.secret_value", Malformed,
            "Every string (keys and values, at any depth) was scanned for secret shapes: sk-... API keys, Bearer/Basic authorization values, AWS, GitHub and Slack token prefixes, PEM private keys. A match means a credential may have been persisted. Quarantine the file and rotate the credential."),
        /// A long base64/hex blob in an undeclared field.
        Blob = ("receipts.privacy.blob", Malformed,
            "Strings of 48 or more characters drawn only from the base64, base64url or hex alphabets are allowed only in the declared digest fields. Elsewhere such a blob may be a reversible encoding of a prompt or output. Inspect and quarantine the file."),
        /// A receipt without chain fields.
        Unpersisted = ("receipts.chain.unpersisted", Malformed,
            "Every persisted receipt carries receipt_id, prev_receipt_hash and receipt_hash. A line without all three is a base receipt that never went through the store, so it is not a persisted receipt and has no place in the file. Find out how it was appended."),
        /// receipt_id does not match its preimage.
        IdMismatch = ("receipts.chain.id_mismatch", Integrity,
            "receipt_id was recomputed as the SHA-256 of the Python-canonical JSON of the receipt without its three chain fields. A mismatch means the receipt's content was edited after the store chained it."),
        /// receipt_hash does not match its preimage.
        HashMismatch = ("receipts.chain.hash_mismatch", Integrity,
            "receipt_hash was recomputed as the SHA-256 of the Python-canonical JSON of the receipt without receipt_hash (so it covers receipt_id and prev_receipt_hash). A mismatch means the receipt or its chain fields were edited after chaining."),
        /// Two lines carry the same receipt_id.
        DuplicateId = ("receipts.chain.duplicate_id", Integrity,
            "Every receipt_id must occur once. The same id on a later line means a receipt was replayed (appended twice), which would double-count a call. Remove nothing: report the file to its custodian."),
        /// Two receipts name the same predecessor.
        Fork = ("receipts.chain.fork", Integrity,
            "Each receipt's prev_receipt_hash names its predecessor; in an append-only log no two receipts name the same one (nor may a second receipt name GENESIS). Two different receipts naming one predecessor are a fork: two histories were merged or one was rewritten."),
        /// A receipt names a predecessor that is not in the file.
        Gap = ("receipts.chain.gap", Integrity,
            "A receipt's prev_receipt_hash names neither the receipt on the previous line nor any receipt in the file (or the first receipt does not start from GENESIS). Receipts were removed, or one was replaced and re-chained. Obtain the complete file from the custodian."),
        /// A receipt names a predecessor that is elsewhere in the file.
        Reordered = ("receipts.chain.reordered", Integrity,
            "A receipt's prev_receipt_hash names a receipt that is in the file but not on the previous line. Line order is custody order, so the lines were moved after they were appended."),
        /// The export could not be read.
        ExportMalformed = ("receipts.export.malformed", Malformed,
            "The provider usage export was parsed (strict RFC 4180 CSV with a header, a JSON document, or JSONL) and each row mapped to request id, model, time and usage through the documented column names. A failure means the export is not in an accepted shape or a row is ambiguous; reconciliation cannot proceed for it."),
        /// Two export rows carry the same request id.
        ExportDuplicate = ("receipts.export.duplicate_request", Malformed,
            "Each provider request id may appear on one export row only. Two rows with one id make the match ambiguous (the provider may have billed it twice). Ask the provider for a corrected export."),
        /// Two receipts claim the same provider request.
        ReceiptDuplicateRequest = ("receipts.reconcile.duplicate_request", Integrity,
            "Each provider request id (after hashing) may be claimed by one receipt only. Two receipts claiming one request would count one provider call twice."),
        /// A receipt has no export row.
        UnmatchedReceipt = ("receipts.reconcile.unmatched_receipt", Integrity,
            "Every passing receipt was looked up in the export by its hashed request id. No row was found: the receipt claims a provider call the provider did not report (fabricated usage), or the export covers another time window."),
        /// An export row has no receipt.
        UnmatchedExport = ("receipts.reconcile.unmatched_export_row", Integrity,
            "Every export row was paired with a receipt by hashed request id. No receipt claims this row: the provider billed a call that was not receipted (an unrecorded call, or a leaked key)."),
        /// The model differs between receipt and export row.
        ModelMismatch = ("receipts.reconcile.model_mismatch", Integrity,
            "The matched export row's model must equal the receipt's model, or be that model with a dated snapshot suffix (-YYYY-MM-DD). A different model means the receipt misstates what was called."),
        /// The export row's time lies outside the receipt's window.
        TimeMismatch = ("receipts.reconcile.time_mismatch", Integrity,
            "The matched export row's time must fall within the receipt's [t_start_ms, t_end_ms] window widened by the time tolerance. Outside it, the receipt's timing is fabricated or the row belongs to another call."),
        /// Token counts differ beyond tolerance.
        UsageMismatch = ("receipts.reconcile.usage_mismatch", Integrity,
            "Prompt, completion and total tokens of the matched pair were compared within the tolerance (--tolerance-tokens, --tolerance-pct). A difference beyond it means the receipt's usage disagrees with what the provider billed."),
        /// A thermo debit is malformed.
        ThermoMalformed = ("receipts.thermo.malformed", Malformed,
            "Each thermodynamics debit must be a JSON object with schema_id kt.thermo.debit.v1, timestamp_ms, receipt_hash (64 lowercase hex), model, total_tokens (integer or null), lane LIVE_HASHED and nothing else. A failure means the debit cannot be checked against the receipts."),
        /// A debit references no receipt.
        ThermoUnknownReceipt = ("receipts.thermo.unknown_receipt", Integrity,
            "A debit's receipt_hash was looked up among the receipts' declared receipt_hash values. It names no receipt in the file: a cost was debited without evidence of a call."),
        /// A debit references a receipt that failed verification.
        ThermoUnverifiedReceipt = ("receipts.thermo.unverified_receipt", Integrity,
            "A debit may reference only a receipt that verified (its receipt_id, receipt_hash, content and receipt-only checks passed). The referenced receipt failed a check, so the debit rests on untrustworthy evidence."),
        /// A debit's model differs from its receipt's.
        ThermoModel = ("receipts.thermo.model_mismatch", Integrity,
            "A debit's model must equal the model of the receipt it references. A different model means the debit was priced against the wrong evidence."),
        /// A debit's token count differs from its receipt's.
        ThermoTokens = ("receipts.thermo.tokens_mismatch", Integrity,
            "A debit's total_tokens must equal the referenced receipt's usage.total_tokens (both absent counts as equal). A difference means the debit claims more or less than the call used."),
        /// A receipt is debited twice.
        ThermoDoubleDebit = ("receipts.thermo.double_debit", Integrity,
            "Each receipt may be debited once. A second debit for the same receipt_hash double-charges one call."),
        /// A debit without usage under --require-usage.
        ThermoUsageMissing = ("receipts.thermo.usage_missing", Malformed,
            "With --require-usage every debit must carry total_tokens (and so must its receipt). A debit without usage cannot be priced under that policy and is refused."),
        /// A debit precedes the call it charges.
        ThermoBeforeReceipt = ("receipts.thermo.debit_before_call", Integrity,
            "A debit's timestamp_ms must not be earlier than the referenced receipt's t_end_ms: a cost cannot be debited before the call ended. An earlier debit was fabricated or back-dated."),
    }
}
