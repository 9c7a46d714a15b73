//! Finding codes of the IF.emotion bundle checks (mirrored in SPEC.md §6 "Codes").

crate::define_codes! {
    /// Codes of the bundle checks.
    pub enum Code {
        /// The manifest could not be used by the bundle checks.
        ManifestUnusable = ("bundle.manifest_unusable", Malformed,
            "The bundle checks read trace_id and canonical_json from payload/manifest.json. A failure means the manifest is absent, did not parse, or lacks a usable trace id or a known dialect, so event hashes and bindings were recomputed under fallbacks (canonicaljson, the first event's trace id) and cannot be trusted. Fix or obtain the manifest; see the manifest findings."),
        /// A file the bundle format requires is absent.
        FileMissing = ("bundle.file_missing", Malformed,
            "Every IF.emotion bundle must carry the files listed in SPEC.md section 6.1 (trace chain, request and response artifacts, recorded headers, signed record, REQ_SEEN head, story, nested priors). A failure names the absent file; the checks that depend on it could not run. Ask the producer for a complete bundle."),
        /// A small JSON document of the bundle is too large, of the wrong shape, or lacks a field.
        DocumentInvalid = ("bundle.document_invalid", Malformed,
            "Each small JSON document of the bundle (REQ_SEEN head, signed record, nested priors, recorded headers, detached record) was checked against its schema: required fields, types, encodings, size cap (1 MiB). A failure means the document does not follow the format and the checks built on it could not run. Compare it with the schema named in SPEC.md section 6."),
        /// A trace line is not a well-formed trace event.
        TraceLineInvalid = ("bundle.trace.line_invalid", Malformed,
            "Each line of payload/trace_events.jsonl must be one JSON object with seq, trace_id, type, ts, data, prev_hash and event_hash of the documented types, terminated by a line feed and at most 1 MiB long. A failure means the line cannot be replayed; later links are checked against what could be read. Inspect the named line."),
        /// `seq` is not contiguous from 0.
        TraceSeqGap = ("bundle.trace.seq_gap", Integrity,
            "Event seq values must be 0, 1, 2, ... in file order. A gap or repeat means events were removed, inserted or reordered after the chain was written. Treat the trace as tampered and obtain the producer's original."),
        /// An event's recomputed hash differs from its `event_hash`.
        TraceEventHash = ("bundle.trace.event_hash_mismatch", Integrity,
            "Each event's event_hash was recomputed as SHA-256 of the canonical JSON (the manifest's dialect) of the event without event_hash. A mismatch means the event was edited after it was hashed (or hashed under another dialect than the manifest declares). Treat the trace as tampered; use evv canon on the event to see the exact preimage."),
        /// The first event does not start from the genesis value.
        TraceGenesis = ("bundle.trace.genesis_mismatch", Integrity,
            "The first event's prev_hash must be the genesis value, 64 zeros. A different value means the chain was cut at the front: earlier events of this trace were removed. Treat the trace as tampered."),
        /// An event's `prev_hash` is not the previous event's `event_hash`.
        TracePrevHash = ("bundle.trace.prev_hash_mismatch", Integrity,
            "Each event's prev_hash must equal the event_hash of the line before it. A mismatch means an event was removed, inserted or replaced between the two lines. Treat the trace as tampered."),
        /// An event names another trace id.
        TraceIdMismatch = ("bundle.trace.trace_id_mismatch", Integrity,
            "Every event's trace_id must equal the manifest's trace_id. A mismatch means events of another request were spliced in, or the manifest was re-labelled. Treat the bundle as tampered."),
        /// Event order violates the protocol's grammar.
        TraceGrammar = ("bundle.trace.grammar", Malformed,
            "The event types must follow the trace grammar: req_seen first, then exactly one of request_received or request_denied; after a denial only trace_finalizing; after acceptance the processing events in pipeline order, then trace_finalizing; nothing after trace_finalizing. A failure means the trace does not describe one complete request as the protocol defines it (an incomplete export or a non-conforming producer). Read the named line."),
        /// An event type evv does not know.
        TraceEventTypeUnknown = ("bundle.trace.event_type_unknown", Malformed,
            "Only the nine event types of the IF.emotion trace protocol v2 are accepted. An unknown type fails closed: evv cannot say what the event means for the request. Check the producer's version; a newer protocol needs a newer evv."),
        /// The response artifact does not end with the trace line.
        ContractResponseLine = ("bundle.contract.response_trace_line", Integrity,
            "The last line of payload/response.txt (the user-visible output) must be exactly `Trace: <trace_id>` with the manifest's trace id. A failure means the user saw another trace id or none, so the user cannot point at this evidence. Treat the bundle as not belonging to the response."),
        /// The recorded trace header differs from the trace id.
        ContractHeader = ("bundle.contract.header_trace_id", Integrity,
            "payload/response_headers.json must record the X-IF-Emotion-Trace header with the manifest's trace id. A missing or different value means the HTTP response pointed at another trace. Treat the bundle as not belonging to the response."),
        /// The trace signature header does not verify.
        ContractSig = ("bundle.contract.trace_sig_invalid", Integrity,
            "X-IF-Emotion-Trace-Sig was verified as an Ed25519 signature by the app key (the REQ_SEEN head's public_key) over `if.emotion.trace-sig.v2`, the trace id and the SHA-256 of payload/response.txt, separated by line feeds. A failure means the trace id or the response was changed, or another key signed. Treat the bundle as tampered."),
        /// A raw artifact's hash differs from the hash the evidence binds.
        ArtifactHash = ("bundle.artifact.hash_mismatch", Integrity,
            "The SHA-256 of payload/request.json must equal request_sha256 of this request's REQ_SEEN entry, and the SHA-256 of payload/response.txt must equal data.response_sha256 of the trace_finalizing event. A mismatch means the raw artifacts are not the ones the system witnessed and hashed. Treat the artifacts as tampered."),
        /// A REQ_SEEN entry is malformed.
        ReqSeenEntryInvalid = ("bundle.req_seen.entry_invalid", Malformed,
            "Each REQ_SEEN entry (ledger line or the req_seen event's data.entry) must hold exactly the documented commitment fields with the documented types, and its index must equal its position in the hourly ledger. A failure means the entry cannot be recomputed. Inspect the named line."),
        /// A REQ_SEEN entry holds something that looks like raw content.
        ReqSeenPrivacy = ("bundle.req_seen.privacy", Malformed,
            "REQ_SEEN entries must hold commitments only. Every string in an entry was scanned for raw content: free text (whitespace, control characters, or more than 64 characters that are not lowercase hex), an IPv4 or IPv6 address, or an email address. A failure means the witness ledger leaks personal data and violates the protocol; report it to the producer and handle the file as sensitive."),
        /// A REQ_SEEN entry's `leaf_hash` differs from its recomputation.
        ReqSeenLeafHash = ("bundle.req_seen.leaf_hash_mismatch", Integrity,
            "Each entry's leaf_hash was recomputed as SHA-256 of the canonicaljson bytes of the entry without leaf_hash. A mismatch means the entry's commitments were changed after it was witnessed. Treat the ledger as tampered."),
        /// The ledger holds another number of entries than the head says.
        ReqSeenCount = ("bundle.req_seen.count_mismatch", Integrity,
            "The number of entries in req_seen/<hour>.jsonl must equal the signed head's count. A mismatch means witnessed requests were removed from or added to the ledger. Treat the ledger as tampered."),
        /// The ledger's Merkle root differs from the head's.
        ReqSeenRoot = ("bundle.req_seen.root_mismatch", Integrity,
            "The RFC 9162 Merkle root over the 32 raw bytes of every entry's leaf_hash, in ledger order, must equal the signed head's merkle_root. A mismatch means entries were changed, reordered, removed or added. Treat the ledger as tampered."),
        /// The REQ_SEEN head signature does not verify.
        ReqSeenHeadSig = ("bundle.req_seen.head_sig_invalid", Integrity,
            "The head's sig_ed25519 was verified under its public_key over the canonicaljson bytes of the head without sig_ed25519. A failure means the head (count, root, hour or key) was changed after signing. Treat the head as forged."),
        /// The inclusion proof of this request does not verify against the head.
        ReqSeenProof = ("bundle.req_seen.proof_invalid", Integrity,
            "The req_seen event carries this request's REQ_SEEN entry, the tree size and an RFC 9162 audit path; the path must lead from the entry's leaf to the signed head's merkle_root, the tree size must equal the head's count, and the hour must name a head in the bundle. A failure means the request cannot be shown to have been witnessed. Treat completeness as unproven."),
        /// This request's REQ_SEEN entry contradicts the trace.
        ReqSeenEntryMismatch = ("bundle.req_seen.entry_mismatch", Integrity,
            "The req_seen event's entry must commit to this trace: trace_id_sha256 = SHA-256 of the trace id, decision matching request_received or request_denied, hour equal to the event's hour. A mismatch means the witness record belongs to another request. Treat the bundle as tampered."),
        /// A bound value of the signed completion record differs from the bundle.
        RecordBinding = ("bundle.record.binding_mismatch", Integrity,
            "ttt_signed_record.json binds the trace id, the SHA-256 of manifest.json, the chain's final event_hash and event count, and the REQ_SEEN hour and root; each was re-derived from the bundle. A mismatch names the field: the bundle is not the one that was signed. Treat it as tampered."),
        /// A signature of the completion record does not verify.
        RecordSig = ("bundle.record.sig_invalid", Integrity,
            "Each signature of ttt_signed_record.json was verified over the canonical JSON (manifest dialect) of the record without signatures. A failure means the record was changed after signing or another key signed. Treat the record as forged."),
        /// A hybrid record lacks a valid Ed25519 or ML-DSA-65 signature.
        Hybrid = ("bundle.record.hybrid_incomplete", Integrity,
            "IF.TTT completion and tarball records are PQ hybrid signed: each needs a valid Ed25519 signature and a valid ML-DSA-65 signature over the same message. A failure means one family is missing or invalid, so the record does not carry the promised post-quantum protection (possibly a stripped signature). Treat the record as not authenticated."),
        /// The detached tarball record names another tarball hash.
        TarballRecordHash = ("bundle.tarball_record.sha256_mismatch", ContainerHash,
            "The detached record given with --record binds the SHA-256 of the exact archive bytes. A mismatch means this is not the archive that was vouched for; inner checks may still hold (--allow-compromised may excuse it). Obtain the archive again from the custodian."),
        /// A signature of the detached tarball record does not verify.
        TarballRecordSig = ("bundle.tarball_record.sig_invalid", Integrity,
            "Each signature of the --record file was verified over the canonicaljson bytes of the record without signatures. A failure means the record was changed after signing or another key signed it. Do not rely on the record."),
        /// The detached tarball record is malformed or not applicable.
        TarballRecordInvalid = ("bundle.tarball_record.invalid", Malformed,
            "The --record file must parse, follow schemas/ttt_tarball_record.schema.json, name the manifest's trace id, and apply to an archive (a directory has no tarball hash). A failure means the fast-audit handle could not be checked. Pass the record that belongs to this archive."),
        /// A nested prior names a file that is not in the bundle or manifest.
        ChildrenPathUnknown = ("bundle.children.path_unknown", Integrity,
            "Every ttt_children.json entry must name a payload file that is present and listed in manifest.json. A failure means a registered prior is missing from the bundle. Treat the bundle as incomplete; fetch the prior by its handle."),
        /// A nested prior's hash differs from the file or the manifest.
        ChildrenHash = ("bundle.children.hash_mismatch", Integrity,
            "Every ttt_children.json entry's sha256 must equal the manifest's sha256 for that path and the SHA-256 of the bytes in the bundle. A mismatch means the bundle carries other bytes than the ones registered as the prior. Treat the file as tampered."),
        /// A nested prior's handle is malformed.
        ChildrenHandle = ("bundle.children.handle_invalid", Malformed,
            "Handles must have the form if://citation/<lowercase uuid>/v<n> with n a positive integer without leading zeros. A failure means the prior cannot be looked up. Report it to the producer."),
        /// A handle or path is listed twice.
        ChildrenDuplicate = ("bundle.children.duplicate", Malformed,
            "Handles (and paths) in ttt_children.json, and handles in ttt_children_chain_records.json, must be unique. A duplicate makes the mapping ambiguous. Report it to the producer."),
        /// A chain record's `record_hash` differs from its recomputation.
        ChainRecordHash = ("bundle.chain_records.hash_mismatch", Integrity,
            "Each record's record_hash was recomputed as SHA-256 of the canonical JSON (manifest dialect) of the record without record_hash and signatures. A mismatch means the record was edited. Treat it as tampered."),
        /// Chain records are not linked in order.
        ChainRecordLink = ("bundle.chain_records.link_mismatch", Integrity,
            "Records must have seq 0, 1, 2, ... and each prev_record_hash must be the previous record's record_hash (64 zeros for the first). A failure means records were removed, inserted or reordered. Treat the chain as tampered."),
        /// A chain record does not bind its child's handle to its content hash.
        ChainRecordBinding = ("bundle.chain_records.binding_mismatch", Integrity,
            "Every nested prior must have exactly one chain record with its handle and content_sha256 equal to the prior's sha256, and every record must belong to a listed prior. A failure means the registry and the bundle disagree about a prior's content. Treat the prior as unproven."),
        /// A chain record's signature does not verify.
        ChainRecordSig = ("bundle.chain_records.sig_invalid", Integrity,
            "Each chain record must carry at least one signature, and every signature was verified over the canonical JSON (manifest dialect) of the record without signatures. A failure means the record was changed after signing or another key signed. Treat it as forged."),
        /// A story line carries no anchor.
        StoryAnchorMissing = ("bundle.story.anchor_missing", Integrity,
            "Every line of payload/if_story.md must start with the 64-hex event_hash of the event it narrates, a space, and text. A line without an anchor is narration with no evidence behind it. Treat the story as unreliable; read the trace instead."),
        /// A story anchor names no event of the chain.
        StoryAnchorUnknown = ("bundle.story.anchor_unknown", Integrity,
            "Every story anchor must be the event_hash of an event in trace_events.jsonl. An unknown anchor narrates an event that is not in the chain. Treat the story as unreliable."),
        /// Story anchors are out of chain order.
        StoryAnchorOrder = ("bundle.story.anchor_order", Integrity,
            "Story anchors must follow chain order (several consecutive lines may narrate one event; an event may not be narrated again later). A failure means the narrative reorders what happened. Treat the story as unreliable."),
        /// An event of the chain is not narrated.
        StoryNotNarrated = ("bundle.story.event_not_narrated", Integrity,
            "Every event of the chain must be narrated by at least one story line. A missing event means the narrative hides part of what happened. Treat the story as unreliable."),
        /// Story and chain differ beyond the exact-comparison window.
        StorySequence = ("bundle.story.sequence_mismatch", Integrity,
            "For traces longer than 65,536 events the story is compared with the chain by a running SHA-256 over the anchor sequence (consecutive repeats collapsed) and over the chain's event hashes. A mismatch means the story does not narrate exactly the chain's events in order; evv cannot locate the line. Treat the story as unreliable."),
    }
}
