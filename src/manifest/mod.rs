//! `payload/manifest.json` and `payload/sha256s.txt`: the per-file hash lists.
//!
//! Both lists are checked against the container's [`FileRecord`]s (what actually
//! streamed past), against each other, and for completeness. [`Collector`] buffers
//! just these two files (size-capped) while the container streams; [`check`] is a
//! pure function of their bytes and the records. The format is in SPEC.md §4.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

use crate::canon::{self, Dialect, Value};
use crate::container::{EntrySink, FileRecord};
use crate::crypto::hash::parse_hex32;
use crate::verdict::{Report, Subject};

crate::define_codes! {
    /// Codes of the manifest checks.
    pub enum Code {
        /// `payload/manifest.json` is absent.
        Absent = ("manifest.absent", Malformed,
            "A bundle must carry payload/manifest.json, the list of every payload file with its size and SHA-256. Without it nothing says which files belong to the bundle, so completeness cannot be checked. Ask the producer for a bundle with a manifest."),
        /// `payload/sha256s.txt` is absent.
        Sha256sAbsent = ("manifest.sha256s.absent", Malformed,
            "A bundle must carry payload/sha256s.txt, the coreutils-format hash list of every payload file except itself (manifest.json included). Without it the manifest itself is not bound to a hash list. Ask the producer for a complete bundle."),
        /// A list file exceeds the size cap.
        TooLarge = ("manifest.too_large", Malformed,
            "manifest.json and sha256s.txt are read into memory and are therefore capped at 16 MiB each. A larger list was not read, so no file could be checked against it. If the bundle legitimately lists that many files, report it so the cap can be reconsidered."),
        /// The manifest's schema id is not one evv knows.
        SchemaUnsupported = ("manifest.schema.unsupported", Malformed,
            "The manifest's `schema` field was compared with the schema ids evv implements (if.emotion.bundle.manifest/v1). An unknown id or version may define fields evv would misread, so evv fails closed and checks nothing else in the manifest. Use a verifier that supports that schema version."),
        /// A required manifest field is missing.
        FieldMissing = ("manifest.field.missing", Malformed,
            "Every required field of manifest.json (schema, trace_id, created_at, canonical_json, files, and path, size, sha256 of each file entry) was looked up. A missing field leaves a check impossible; the finding names the field. The manifest is malformed; ask the producer to regenerate it."),
        /// A manifest field has the wrong type or format.
        FieldInvalid = ("manifest.field.invalid", Malformed,
            "Each manifest field was checked for its type and format: UUID trace_id, RFC 3339 created_at, a known canonical_json dialect name, relative path strings, non-negative integer sizes, 64 lowercase hex digits for sha256. A field of the wrong shape cannot be relied on; the finding names it. The manifest is malformed."),
        /// A manifest object has a field evv does not know (warning).
        FieldUnknown = ("manifest.field.unknown", Malformed,
            "The manifest (or one of its file entries) carries a field that the schema does not define. evv ignores it and warns, because whatever the producer meant by it was not checked."),
        /// A line of sha256s.txt is not in the required format.
        Sha256sSyntax = ("manifest.sha256s.syntax", Malformed,
            "Each line of sha256s.txt must be 64 lowercase hex digits, two spaces and a relative path, ending in a line feed (no CR, no binary-mode `*` marker, no backslash-escaped names, no blank lines). A line that differs cannot be matched to a file; the finding names the line. The list is malformed; regenerate it with `sha256sum` in text mode from inside payload/."),
        /// A listed path is not a canonical relative path, or names a list file.
        PathInvalid = ("manifest.path.invalid", Malformed,
            "Paths in manifest.json and sha256s.txt must be relative to payload/, `/`-separated, without empty, `.` or `..` components, control characters or backslashes, and must not name the list itself (manifest.json lists neither itself nor sha256s.txt; sha256s.txt does not list itself). A path that breaks these rules cannot be matched unambiguously."),
        /// A path is listed twice in one list.
        ListDuplicate = ("manifest.list.duplicate", Malformed,
            "Each path may appear once per list. A path listed twice (possibly with two different hashes) makes the list ambiguous; only the first entry was used. The list is malformed; ask the producer to regenerate it."),
        /// A listed file is absent from the payload.
        FileMissing = ("manifest.file.missing", Integrity,
            "Every path listed in manifest.json or sha256s.txt was looked up among the payload files that streamed past. A listed file that is absent was removed after the list was written (or never shipped). Treat the bundle as tampered or incomplete and ask the producer for the missing file."),
        /// A listed file has a different size.
        FileSizeMismatch = ("manifest.file.size_mismatch", Integrity,
            "Every payload file's size was compared with the size manifest.json lists for it. A difference means the file was changed (truncated or extended) after the manifest was written. Treat the bundle as tampered."),
        /// A listed file's content hash differs.
        FileHashMismatch = ("manifest.file.hash_mismatch", Integrity,
            "Every payload file's SHA-256 was recomputed while it streamed and compared with manifest.json. A mismatch means the file was changed after the manifest was written. Treat the bundle as tampered and compare the file with the producer's copy."),
        /// A payload file is not listed.
        FileUnlisted = ("manifest.file.unlisted", Integrity,
            "Every payload file was looked up in manifest.json (all files except manifest.json and sha256s.txt) and in sha256s.txt (all files except itself). A file that is not listed was added after the lists were written; nothing vouches for it. Treat the bundle as tampered and do not rely on the unlisted file."),
        /// manifest.json and sha256s.txt disagree.
        ListsDisagree = ("manifest.lists.disagree", Integrity,
            "manifest.json and sha256s.txt must list the same files (sha256s.txt additionally lists manifest.json) with the same SHA-256. A disagreement means one list was edited without the other; the other findings show which one matches the files. Treat the bundle as tampered."),
    }
}

/// The schema id of the manifest format evv implements.
pub const SCHEMA_ID: &str = "if.emotion.bundle.manifest/v1";
/// Where the manifest lives in a bundle.
pub const MANIFEST_PATH: &str = "payload/manifest.json";
/// Where the coreutils hash list lives in a bundle.
pub const SHA256S_PATH: &str = "payload/sha256s.txt";
/// Most bytes read from either list file.
pub const MAX_LIST_BYTES: u64 = 16 * 1024 * 1024;

const MANIFEST_REL: &str = "manifest.json";
const SHA256S_REL: &str = "sha256s.txt";
/// The signed completion record binds the SHA-256 of manifest.json, so manifest.json
/// cannot also carry the record's hash (the two would be circular). It is the one
/// payload file that only sha256s.txt lists (SPEC 4.2, 6).
pub const SIGNED_RECORD_REL: &str = "ttt_signed_record.json";

/// What the collector holds for one list file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Slot {
    /// Not (yet) seen.
    #[default]
    Absent,
    /// Its bytes.
    Present(Vec<u8>),
    /// Larger than the cap (its size); not read.
    TooLarge(u64),
}

/// Buffers `payload/manifest.json` and `payload/sha256s.txt` as they stream past;
/// ignores every other file.
#[derive(Clone, Debug)]
pub struct Collector {
    /// manifest.json.
    pub manifest: Slot,
    /// sha256s.txt.
    pub sha256s: Slot,
    cap: u64,
}

impl Default for Collector {
    fn default() -> Self {
        Collector::with_cap(MAX_LIST_BYTES)
    }
}

impl Collector {
    /// A collector with the default cap.
    pub fn new() -> Self {
        Collector::default()
    }
    /// A collector with a custom cap (tests).
    pub fn with_cap(cap: u64) -> Self {
        Collector {
            manifest: Slot::Absent,
            sha256s: Slot::Absent,
            cap,
        }
    }
    /// True for the two paths this collector buffers.
    pub fn wants(path: &str) -> bool {
        path == MANIFEST_PATH || path == SHA256S_PATH
    }
    /// The buffered bytes of `path`, if it was collected.
    pub fn bytes(&self, path: &str) -> Option<&[u8]> {
        let slot = match path {
            MANIFEST_PATH => &self.manifest,
            SHA256S_PATH => &self.sha256s,
            _ => return None,
        };
        match slot {
            Slot::Present(b) => Some(b),
            _ => None,
        }
    }

    /// Runs [`check`] on what was collected.
    pub fn check(&self, records: &[FileRecord], report: &mut Report) -> Option<Value> {
        for (slot, path) in [
            (&self.manifest, MANIFEST_PATH),
            (&self.sha256s, SHA256S_PATH),
        ] {
            if let Slot::TooLarge(n) = slot {
                report.fail(
                    Code::TooLarge,
                    Subject::file(path),
                    format!("{n} bytes, more than the {} bytes evv reads", self.cap),
                );
            }
        }
        check_inputs(
            slot_input(&self.manifest),
            slot_input(&self.sha256s),
            records,
            report,
        )
    }
}

impl EntrySink for Collector {
    fn file(&mut self, path: &str, size: u64, data: &mut dyn Read) -> std::io::Result<()> {
        let cap = self.cap;
        let slot = match path {
            MANIFEST_PATH => &mut self.manifest,
            SHA256S_PATH => &mut self.sha256s,
            _ => return Ok(()),
        };
        if size > cap {
            *slot = Slot::TooLarge(size);
            return Ok(());
        }
        let mut buf = Vec::with_capacity(size as usize);
        data.take(cap).read_to_end(&mut buf)?;
        *slot = Slot::Present(buf);
        Ok(())
    }
}

fn slot_input(s: &Slot) -> ListInput<'_> {
    match s {
        Slot::Absent => ListInput::Absent,
        Slot::Present(b) => ListInput::Bytes(b),
        Slot::TooLarge(_) => ListInput::Unreadable,
    }
}

fn opt_input(b: Option<&[u8]>) -> ListInput<'_> {
    b.map(ListInput::Bytes).unwrap_or(ListInput::Absent)
}

/// One list file as [`check`] sees it.
enum ListInput<'a> {
    Absent,
    Unreadable,
    Bytes(&'a [u8]),
}

/// Checks manifest.json and sha256s.txt (their bytes, `None` when absent) against
/// the records of every payload file. Returns the parsed manifest when it parsed and
/// declares the supported schema.
pub fn check(
    manifest: Option<&[u8]>,
    sha256s: Option<&[u8]>,
    records: &[FileRecord],
    report: &mut Report,
) -> Option<Value> {
    check_inputs(opt_input(manifest), opt_input(sha256s), records, report)
}

/// One entry of either list.
#[derive(Clone, Debug)]
struct Listed {
    path: String,
    size: Option<u64>,
    sha256: Option<[u8; 32]>,
    /// Where it was listed (`files[3]` or `line 4`).
    at: Subject,
}

/// A parsed list: its usable entries and whether it was complete and well-formed
/// (only then are completeness and agreement judged on it).
struct List {
    entries: Vec<Listed>,
    sound: bool,
}

fn check_inputs(
    manifest: ListInput<'_>,
    sha256s: ListInput<'_>,
    records: &[FileRecord],
    report: &mut Report,
) -> Option<Value> {
    let mut parsed = None;
    let mlist = match manifest {
        ListInput::Absent => {
            report.fail(
                Code::Absent,
                Subject::file(MANIFEST_PATH),
                "the bundle has no payload/manifest.json",
            );
            None
        }
        ListInput::Unreadable => None,
        ListInput::Bytes(b) => parse_manifest(b, report).map(|(v, l)| {
            parsed = Some(v);
            l
        }),
    };
    let slist = match sha256s {
        ListInput::Absent => {
            report.fail(
                Code::Sha256sAbsent,
                Subject::file(SHA256S_PATH),
                "the bundle has no payload/sha256s.txt",
            );
            None
        }
        ListInput::Unreadable => None,
        ListInput::Bytes(b) => Some(parse_sha256s(b, report)),
    };

    let by_path: BTreeMap<&str, &FileRecord> = records
        .iter()
        .filter_map(|r| r.path.strip_prefix("payload/").map(|p| (p, r)))
        .collect();

    let mut mset = None;
    if let Some(l) = &mlist {
        mset = Some(compare(
            l,
            MANIFEST_PATH,
            &by_path,
            &[MANIFEST_REL, SHA256S_REL, SIGNED_RECORD_REL],
            report,
        ));
    }
    let mut sset = None;
    if let Some(l) = &slist {
        sset = Some(compare(l, SHA256S_PATH, &by_path, &[SHA256S_REL], report));
    }
    if let (Some(m), Some(s), Some(ml), Some(sl)) = (mset, sset, &mlist, &slist) {
        if ml.sound && sl.sound {
            agree(&m, &s, report);
        }
    }
    parsed
}

/// Checks one list's entries against the files and the files against the list.
/// Returns the list's first entry per path (path → sha256).
fn compare(
    list: &List,
    list_path: &str,
    files: &BTreeMap<&str, &FileRecord>,
    excluded: &[&str],
    report: &mut Report,
) -> BTreeMap<String, Option<[u8; 32]>> {
    let name = list_path.trim_start_matches("payload/");
    let mut first: BTreeMap<String, Option<[u8; 32]>> = BTreeMap::new();
    for e in &list.entries {
        if first.contains_key(&e.path) {
            report.fail(
                Code::ListDuplicate,
                e.at.clone(),
                format!("`{}` is listed more than once", e.path),
            );
            continue;
        }
        first.insert(e.path.clone(), e.sha256);
        let Some(rec) = files.get(e.path.as_str()) else {
            report.fail(
                Code::FileMissing,
                e.at.clone(),
                format!("lists `{}`, which is not in the payload", e.path),
            );
            continue;
        };
        let subj = Subject::file(rec.path.clone());
        if let Some(size) = e.size {
            if size != rec.size {
                report.fail(
                    Code::FileSizeMismatch,
                    subj.clone(),
                    format!("{} bytes, {name} says {size}", rec.size),
                );
            }
        }
        if let Some(h) = e.sha256 {
            if h != rec.sha256 {
                report.fail(
                    Code::FileHashMismatch,
                    subj,
                    format!(
                        "sha256 {}, {name} says {}",
                        hex::encode(rec.sha256),
                        hex::encode(h)
                    ),
                );
            } else {
                report.pass(
                    Code::FileHashMismatch,
                    subj,
                    format!("sha256 matches {name}"),
                );
            }
        }
    }
    if list.sound {
        let mut unlisted = 0;
        for (p, rec) in files {
            if !excluded.contains(p) && !first.contains_key(*p) {
                unlisted += 1;
                report.fail(
                    Code::FileUnlisted,
                    Subject::file(rec.path.clone()),
                    format!("not listed in {name}"),
                );
            }
        }
        if unlisted == 0 {
            report.pass(
                Code::FileUnlisted,
                Subject::file(list_path),
                format!("every payload file is listed in {name}"),
            );
        }
    }
    first
}

/// manifest.json and sha256s.txt must cover the same files with the same hashes
/// (sha256s.txt also covers manifest.json, which is set aside here).
fn agree(
    m: &BTreeMap<String, Option<[u8; 32]>>,
    s: &BTreeMap<String, Option<[u8; 32]>>,
    report: &mut Report,
) {
    let paths: BTreeSet<&String> = m
        .keys()
        .chain(
            s.keys()
                .filter(|p| p.as_str() != MANIFEST_REL && p.as_str() != SIGNED_RECORD_REL),
        )
        .collect();
    let mut bad = 0;
    for p in paths {
        let msg = match (m.get(p), s.get(p)) {
            (Some(_), None) => format!("`{p}` is listed in manifest.json but not in sha256s.txt"),
            (None, Some(_)) => format!("`{p}` is listed in sha256s.txt but not in manifest.json"),
            (Some(Some(a)), Some(Some(b))) if a != b => format!(
                "`{p}`: manifest.json says {}, sha256s.txt says {}",
                hex::encode(a),
                hex::encode(b)
            ),
            _ => continue,
        };
        bad += 1;
        report.fail(
            Code::ListsDisagree,
            Subject::file(format!("payload/{p}")),
            msg,
        );
    }
    if bad == 0 {
        report.pass(
            Code::ListsDisagree,
            Subject::file(SHA256S_PATH),
            format!("manifest.json and sha256s.txt agree on {} files", m.len()),
        );
    }
}

/// A list path must be relative to payload/, `/`-separated, with no empty, `.` or
/// `..` components, no control characters and no backslash.
pub fn valid_list_path(p: &str) -> Result<(), &'static str> {
    if p.is_empty() {
        return Err("empty path");
    }
    if p.chars().any(|c| c.is_control() || c == '\\') {
        return Err("control character or backslash in path");
    }
    if p.starts_with('/') {
        return Err("absolute path");
    }
    if p.split('/').any(|c| c.is_empty() || c == "." || c == "..") {
        return Err("empty, `.` or `..` path component");
    }
    Ok(())
}

const TOP_FIELDS: &[&str] = &[
    "schema",
    "trace_id",
    "created_at",
    "canonical_json",
    "files",
];
const FILE_FIELDS: &[&str] = &["path", "size", "sha256"];

fn parse_manifest(bytes: &[u8], report: &mut Report) -> Option<(Value, List)> {
    let subj = || Subject::file(MANIFEST_PATH);
    let v = match canon::parse(bytes) {
        Ok(v) => v,
        Err(e) => {
            report.fail(
                canon::Code::Parse,
                subj().line(e.line as u64),
                format!("column {}: {}", e.column, e.message),
            );
            return None;
        }
    };
    let Some(obj) = v.as_object() else {
        report.fail(
            Code::FieldInvalid,
            subj(),
            format!("the manifest is a JSON {}, not an object", v.type_name()),
        );
        return None;
    };
    match obj.get("schema") {
        None => {
            report.fail(
                Code::FieldMissing,
                subj().field("schema"),
                "missing field `schema`",
            );
            return None;
        }
        Some(Value::String(s)) if s == SCHEMA_ID => {
            report.pass(
                Code::SchemaUnsupported,
                subj().field("schema"),
                format!("schema {SCHEMA_ID}"),
            );
        }
        Some(other) => {
            report.fail(
                Code::SchemaUnsupported,
                subj().field("schema"),
                format!(
                    "schema {} is not supported (evv implements {SCHEMA_ID}); nothing else in the manifest was checked",
                    String::from_utf8_lossy(&canon::to_vec(other, Dialect::CanonicalJson).unwrap_or_default())
                ),
            );
            return None;
        }
    }
    let mut sound = true;
    for k in obj.keys().filter(|k| !TOP_FIELDS.contains(k)) {
        report.warn(
            Code::FieldUnknown,
            subj().field(k),
            format!("unknown field `{k}` ignored"),
        );
    }
    let string_field = |name: &str,
                        valid: &dyn Fn(&str) -> bool,
                        what: &str,
                        report: &mut Report| match obj.get(name) {
        None => {
            report.fail(
                Code::FieldMissing,
                subj().field(name),
                format!("missing field `{name}`"),
            );
            None
        }
        Some(Value::String(s)) if valid(s) => Some(s.clone()),
        Some(_) => {
            report.fail(
                Code::FieldInvalid,
                subj().field(name),
                format!("`{name}` must be {what}"),
            );
            None
        }
    };
    let trace = string_field("trace_id", &is_uuid, "a lowercase UUID string", report);
    let created = string_field(
        "created_at",
        &is_rfc3339,
        "an RFC 3339 timestamp string",
        report,
    );
    let dialect = string_field(
        "canonical_json",
        &|s| Dialect::from_name(s).is_some_and(|d| d.name() == s),
        "one of \"canonicaljson\", \"python\", \"jcs\"",
        report,
    );
    if let Some(t) = trace {
        report.fact("trace_id", t);
    }
    if let Some(d) = dialect {
        report.fact("canonical_json", d);
    }
    let _ = created;
    let mut entries = Vec::new();
    match obj.get("files") {
        None => {
            report.fail(
                Code::FieldMissing,
                subj().field("files"),
                "missing field `files`",
            );
            sound = false;
        }
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                match file_entry(item, i, report) {
                    Some(e) if e.sha256.is_some() && e.size.is_some() => entries.push(e),
                    Some(e) => {
                        sound = false;
                        entries.push(e);
                    }
                    None => sound = false,
                }
            }
        }
        Some(_) => {
            report.fail(
                Code::FieldInvalid,
                subj().field("files"),
                "`files` must be an array",
            );
            sound = false;
        }
    }
    Some((v.clone(), List { entries, sound }))
}

/// One `files[i]` entry; `None` when its path is unusable.
fn file_entry(item: &Value, i: usize, report: &mut Report) -> Option<Listed> {
    let at = |f: &str| Subject::file(MANIFEST_PATH).field(format!("files[{i}]{f}"));
    let Some(o) = item.as_object() else {
        report.fail(Code::FieldInvalid, at(""), "a file entry must be an object");
        return None;
    };
    for k in o.keys().filter(|k| !FILE_FIELDS.contains(k)) {
        report.warn(
            Code::FieldUnknown,
            at(&format!(".{k}")),
            format!("unknown field `{k}` ignored"),
        );
    }
    let path = match o.get("path") {
        None => {
            report.fail(Code::FieldMissing, at(".path"), "missing field `path`");
            return None;
        }
        Some(Value::String(p)) => p.clone(),
        Some(_) => {
            report.fail(Code::FieldInvalid, at(".path"), "`path` must be a string");
            return None;
        }
    };
    if let Err(why) = valid_list_path(&path) {
        report.fail(Code::PathInvalid, at(".path"), format!("`{path}`: {why}"));
        return None;
    }
    if path == MANIFEST_REL || path == SHA256S_REL {
        report.fail(
            Code::PathInvalid,
            at(".path"),
            format!("manifest.json must not list `{path}`"),
        );
        return None;
    }
    let size = match o.get("size") {
        None => {
            report.fail(Code::FieldMissing, at(".size"), "missing field `size`");
            None
        }
        Some(Value::Number(n)) if n.is_int() && n.as_u64().is_some() => n.as_u64(),
        Some(_) => {
            report.fail(
                Code::FieldInvalid,
                at(".size"),
                "`size` must be a non-negative integer",
            );
            None
        }
    };
    let sha256 = match o.get("sha256") {
        None => {
            report.fail(Code::FieldMissing, at(".sha256"), "missing field `sha256`");
            None
        }
        Some(Value::String(s)) if parse_hex32(s).is_some() => parse_hex32(s),
        Some(_) => {
            report.fail(
                Code::FieldInvalid,
                at(".sha256"),
                "`sha256` must be 64 lowercase hex digits",
            );
            None
        }
    };
    Some(Listed {
        path,
        size,
        sha256,
        at: at(""),
    })
}

/// Parses sha256s.txt: lines `<64 lowercase hex>  <path>\n`.
fn parse_sha256s(bytes: &[u8], report: &mut Report) -> List {
    let subj = |line: u64| Subject::file(SHA256S_PATH).line(line);
    let Ok(text) = std::str::from_utf8(bytes) else {
        report.fail(
            Code::Sha256sSyntax,
            Subject::file(SHA256S_PATH),
            "sha256s.txt is not UTF-8",
        );
        return List {
            entries: Vec::new(),
            sound: false,
        };
    };
    let mut sound = true;
    let mut entries = Vec::new();
    let mut lines: Vec<&str> = text.split('\n').collect();
    if lines.last() == Some(&"") {
        lines.pop();
    } else {
        report.fail(
            Code::Sha256sSyntax,
            subj(lines.len() as u64),
            "the last line does not end with a line feed",
        );
        sound = false;
    }
    for (i, line) in lines.iter().enumerate() {
        let n = i as u64 + 1;
        let why = if line.is_empty() {
            Some("blank line")
        } else if line.ends_with('\r') {
            Some("line ends with CR (CRLF line endings)")
        } else if line.starts_with('\\') {
            Some("backslash-escaped name (coreutils escaping is not accepted)")
        } else if line.len() < 67 || !line.is_char_boundary(64) {
            Some("too short for `<64 hex digits>  <path>`")
        } else if parse_hex32(&line[..64]).is_none() {
            Some("the hash is not 64 lowercase hex digits")
        } else if &line[64..66] == " *" {
            Some("binary-mode `*` marker")
        } else if &line[64..66] != "  " {
            Some("the hash must be followed by exactly two spaces")
        } else {
            None
        };
        if let Some(why) = why {
            report.fail(Code::Sha256sSyntax, subj(n), why);
            sound = false;
            continue;
        }
        let path = &line[66..];
        if let Err(why) = valid_list_path(path) {
            report.fail(Code::PathInvalid, subj(n), format!("`{path}`: {why}"));
            sound = false;
            continue;
        }
        if path == SHA256S_REL {
            report.fail(
                Code::PathInvalid,
                subj(n),
                "sha256s.txt must not list itself",
            );
            sound = false;
            continue;
        }
        entries.push(Listed {
            path: path.to_string(),
            size: None,
            sha256: parse_hex32(&line[..64]),
            at: subj(n),
        });
    }
    List { entries, sound }
}

/// `8-4-4-4-12` lowercase hex.
pub fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_digit() || (b'a'..=b'f').contains(c),
        })
}

/// RFC 3339 date-time: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)` with an
/// uppercase `T` and `Z`.
pub fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>, lo: u32, hi: u32| -> bool {
        b.get(r.clone())
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
            && s[r].parse::<u32>().is_ok_and(|v| (lo..=hi).contains(&v))
    };
    if b.len() < 20
        || !(num(0..4, 0, 9999)
            && b[4] == b'-'
            && num(5..7, 1, 12)
            && b[7] == b'-'
            && num(8..10, 1, 31)
            && b[10] == b'T'
            && num(11..13, 0, 23)
            && b[13] == b':'
            && num(14..16, 0, 59)
            && b[16] == b':'
            && num(17..19, 0, 60))
    {
        return false;
    }
    let mut i = 19;
    if b[i] == b'.' {
        let start = i + 1;
        i = start;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match &s[i..] {
        "Z" => true,
        tz => {
            let t = tz.as_bytes();
            t.len() == 6
                && (t[0] == b'+' || t[0] == b'-')
                && t[3] == b':'
                && tz[1..3].parse::<u32>().is_ok_and(|h| h < 24)
                && tz[4..6].parse::<u32>().is_ok_and(|m| m < 60)
                && t[1..3].iter().chain(&t[4..6]).all(u8::is_ascii_digit)
        }
    }
}
