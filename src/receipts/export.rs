//! Provider usage exports: CSV (with a header), a JSON document, or JSONL, mapped row by
//! row onto request id, model, time and usage through a fixed table of column names.

use std::collections::HashMap;
use std::io::BufRead;

use crate::canon::{self, Object, Value};
use crate::crypto::hash::{parse_hex32, sha256};

use super::csv::CsvReader;
use super::time::parse_datetime_ms;
use super::verify::{read_line_bounded, MAX_LINE};

/// Column names accepted for the provider request id (hashed with SHA-256 for the join).
pub const REQUEST_ID: [&str; 3] = ["generation_id", "id", "request_id"];
/// Column names accepted for the SHA-256 of the request id (64 lowercase hex).
pub const REQUEST_ID_SHA256: [&str; 1] = ["request_id_sha256"];
/// Column names accepted for the model.
pub const MODEL: [&str; 2] = ["model", "model_permaslug"];
/// Time columns: milliseconds since the epoch.
pub const TIME_MS: [&str; 1] = ["timestamp_ms"];
/// Time columns: Unix seconds (integer) or an RFC 3339 string.
pub const TIME_ANY: [&str; 3] = ["created", "created_at", "timestamp"];
/// Prompt-token columns.
pub const PROMPT: [&str; 3] = ["input_tokens", "prompt_tokens", "tokens_prompt"];
/// Completion-token columns.
pub const COMPLETION: [&str; 3] = ["completion_tokens", "output_tokens", "tokens_completion"];
/// Total-token columns (optional).
pub const TOTAL: [&str; 2] = ["tokens_total", "total_tokens"];

/// The shape the export was read as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// RFC 4180 CSV with a header.
    Csv,
    /// One JSON document (array of rows, or an object with `data`).
    Json,
    /// One JSON object per line.
    Jsonl,
}

impl ExportFormat {
    /// Lowercase name.
    pub const fn name(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
            ExportFormat::Jsonl => "jsonl",
        }
    }
}

/// One usable export row.
#[derive(Clone, Debug)]
pub struct ExportRow {
    /// 1-based data row number (header and container excluded).
    pub row: u64,
    /// 1-based line where the row starts (CSV, JSONL); 0 for a JSON document.
    pub line: u64,
    /// SHA-256 of the request id.
    pub request_key: [u8; 32],
    /// Index into [`Export::models`].
    pub model: u32,
    /// Time of the call, ms since the epoch.
    pub t_ms: i64,
    /// Prompt tokens.
    pub prompt: u64,
    /// Completion tokens.
    pub completion: u64,
    /// Total tokens, when exported.
    pub total: Option<u64>,
}

/// A row that could not be mapped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// 1-based data row (0: the file as a whole).
    pub row: u64,
    /// 1-based line (0 when unknown).
    pub line: u64,
    /// What was wrong.
    pub message: String,
}

/// A parsed export.
#[derive(Debug)]
pub struct Export {
    /// The detected format.
    pub format: ExportFormat,
    /// Usable rows in file order.
    pub rows: Vec<ExportRow>,
    /// Interned model names.
    pub models: Vec<String>,
    /// Rows or the file that could not be read.
    pub errors: Vec<RowError>,
    /// Number of data rows seen (usable or not).
    pub seen: u64,
}

/// A field accessor over a CSV record or a JSON row.
trait RowSource {
    /// The value of a column: `Some(Ok(text_or_number))`; empty CSV cells are absent.
    fn get(&self, name: &str) -> Option<Cell<'_>>;
}

enum Cell<'a> {
    Text(&'a str),
    Json(&'a Value),
}

/// Every list of column names the row mapping looks up.
const KNOWN: [&[&str]; 8] = [
    &REQUEST_ID,
    &REQUEST_ID_SHA256,
    &MODEL,
    &TIME_MS,
    &TIME_ANY,
    &PROMPT,
    &COMPLETION,
    &TOTAL,
];

struct CsvRow<'a> {
    /// The known column names present in the header, with their positions (resolved
    /// once per file instead of a hash lookup per name and row).
    cols: &'a [(&'static str, usize)],
    fields: &'a [String],
}
impl RowSource for CsvRow<'_> {
    fn get(&self, name: &str) -> Option<Cell<'_>> {
        let i = self.cols.iter().find(|(n, _)| *n == name)?.1;
        let s = self.fields.get(i)?;
        (!s.is_empty()).then_some(Cell::Text(s))
    }
}

struct JsonRow<'a>(&'a Object);
impl RowSource for JsonRow<'_> {
    fn get(&self, name: &str) -> Option<Cell<'_>> {
        if let Some(v) = self.0.get(name) {
            if !matches!(v, Value::Null) {
                return Some(Cell::Json(v));
            }
        }
        // OpenAI completion objects nest token counts under `usage`.
        if PROMPT.contains(&name) || COMPLETION.contains(&name) || TOTAL.contains(&name) {
            if let Some(Value::Object(u)) = self.0.get("usage") {
                return u
                    .get(name)
                    .filter(|v| !matches!(v, Value::Null))
                    .map(Cell::Json);
            }
        }
        None
    }
}

fn one<'a>(
    src: &'a dyn RowSource,
    names: &'static [&'static str],
) -> Result<Option<(&'static str, Cell<'a>)>, String> {
    let mut found: Option<(&'static str, Cell<'a>)> = None;
    for &n in names {
        if let Some(c) = src.get(n) {
            if let Some((prev, _)) = &found {
                return Err(format!("ambiguous: both {prev:?} and {n:?} are present"));
            }
            found = Some((n, c));
        }
    }
    Ok(found)
}

fn text<'a>(c: &Cell<'a>, name: &str) -> Result<&'a str, String> {
    match c {
        Cell::Text(s) => Ok(s),
        Cell::Json(Value::String(s)) => Ok(s),
        Cell::Json(v) => Err(format!("{name} must be a string, found {}", v.type_name())),
    }
}

fn uint(c: &Cell, name: &str) -> Result<u64, String> {
    let bad = || format!("{name} must be a non-negative integer");
    match c {
        Cell::Text(s) => {
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            s.parse().map_err(|_| bad())
        }
        Cell::Json(v) => v.as_u64().ok_or_else(bad),
    }
}

fn time(c: &Cell, name: &str, ms: bool) -> Result<i64, String> {
    if let Ok(n) = uint(c, name) {
        let n = i64::try_from(n).map_err(|_| format!("{name} is out of range"))?;
        return if ms {
            Ok(n)
        } else {
            n.checked_mul(1000)
                .ok_or_else(|| format!("{name} is out of range"))
        };
    }
    if ms {
        return Err(format!("{name} must be integer milliseconds"));
    }
    let s = text(c, name)?;
    parse_datetime_ms(s)
        .ok_or_else(|| format!("{name} {s:?} is not Unix seconds or an RFC 3339 time"))
}

struct Interner {
    names: Vec<String>,
    ids: HashMap<String, u32>,
}
impl Interner {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.ids.get(s) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(s.to_string());
        self.ids.insert(s.to_string(), i);
        i
    }
}

fn map_row(
    src: &dyn RowSource,
    row: u64,
    line: u64,
    models: &mut Interner,
) -> Result<ExportRow, String> {
    let rid = one(src, &REQUEST_ID)?;
    let rh = one(src, &REQUEST_ID_SHA256)?;
    let request_key = match (rid, rh) {
        (Some((n, c)), None) => {
            let s = text(&c, n)?;
            sha256(s.as_bytes())
        }
        (None, Some((n, c))) => {
            let s = text(&c, n)?;
            parse_hex32(s).ok_or_else(|| format!("{n} must be 64 lowercase hex digits"))?
        }
        (Some((a, _)), Some((b, _))) => {
            return Err(format!("ambiguous: both {a:?} and {b:?} are present"))
        }
        (None, None) => {
            return Err(
                "no request id column (request_id, id, generation_id, request_id_sha256)".into(),
            )
        }
    };
    let (mn, mc) = one(src, &MODEL)?.ok_or("no model column (model, model_permaslug)")?;
    let model = text(&mc, mn)?;
    if model.is_empty() {
        return Err(format!("{mn} is empty"));
    }
    let t_ms = match (one(src, &TIME_MS)?, one(src, &TIME_ANY)?) {
        (Some((n, c)), None) => time(&c, n, true)?,
        (None, Some((n, c))) => time(&c, n, false)?,
        (Some((a, _)), Some((b, _))) => {
            return Err(format!("ambiguous: both {a:?} and {b:?} are present"))
        }
        (None, None) => {
            return Err("no time column (timestamp_ms, created, created_at, timestamp)".into())
        }
    };
    let (pn, pc) = one(src, &PROMPT)?
        .ok_or("no prompt-token column (prompt_tokens, tokens_prompt, input_tokens)")?;
    let (cn, cc) = one(src, &COMPLETION)?.ok_or(
        "no completion-token column (completion_tokens, tokens_completion, output_tokens)",
    )?;
    let total = match one(src, &TOTAL)? {
        Some((n, c)) => Some(uint(&c, n)?),
        None => None,
    };
    Ok(ExportRow {
        row,
        line,
        request_key,
        model: models.id(model),
        t_ms,
        prompt: uint(&pc, pn)?,
        completion: uint(&cc, cn)?,
        total,
    })
}

/// Reads an export, detecting its format from its first non-whitespace byte: `[` is a
/// JSON document; `{` is JSONL when the first line is a complete object and more lines
/// follow, else a JSON document; anything else is CSV.
pub fn read_export<R: BufRead>(mut r: R) -> std::io::Result<Export> {
    let mut models = Interner {
        names: Vec::new(),
        ids: HashMap::new(),
    };
    let mut ex = Export {
        format: ExportFormat::Csv,
        rows: Vec::new(),
        models: Vec::new(),
        errors: Vec::new(),
        seen: 0,
    };
    if r.fill_buf()?.starts_with(&[0xEF, 0xBB, 0xBF]) {
        ex.errors.push(RowError {
            row: 0,
            line: 1,
            message: "byte-order mark before the export (spreadsheet export?): remove it".into(),
        });
        return Ok(ex);
    }
    let first = loop {
        let b = r.fill_buf()?;
        match b
            .iter()
            .position(|c| !matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
        {
            Some(i) => break Some(b[i]),
            None if b.is_empty() => break None,
            None => {
                let n = b.len();
                r.consume(n);
            }
        }
    };
    match first {
        None => ex.errors.push(RowError {
            row: 0,
            line: 0,
            message: "the export is empty".into(),
        }),
        Some(b'[') => {
            ex.format = ExportFormat::Json;
            let mut all = Vec::new();
            r.read_to_end(&mut all)?;
            json_doc(&all, &mut ex, &mut models);
        }
        Some(b'{') => {
            let mut line1 = Vec::new();
            let _ = read_line_bounded(&mut r, &mut line1, MAX_LINE)?;
            let one_line = canon::parse(&line1);
            let mut rest = Vec::new();
            let got = read_line_bounded(&mut r, &mut rest, MAX_LINE)?;
            let more = got.is_some() && !rest.iter().all(u8::is_ascii_whitespace);
            if one_line.is_ok() && more {
                ex.format = ExportFormat::Jsonl;
                jsonl(line1, rest, r, &mut ex, &mut models)?;
            } else {
                ex.format = ExportFormat::Json;
                let mut all = line1;
                all.push(b'\n');
                all.extend_from_slice(&rest);
                all.push(b'\n');
                r.read_to_end(&mut all)?;
                json_doc(&all, &mut ex, &mut models);
            }
        }
        Some(_) => csv(r, &mut ex, &mut models),
    }
    ex.models = models.names;
    Ok(ex)
}

fn push_row(ex: &mut Export, res: Result<ExportRow, String>, row: u64, line: u64) {
    match res {
        Ok(r) => ex.rows.push(r),
        Err(message) => ex.errors.push(RowError { row, line, message }),
    }
}

fn json_doc(all: &[u8], ex: &mut Export, models: &mut Interner) {
    let v = match canon::parse(all) {
        Ok(v) => v,
        Err(e) => {
            ex.errors.push(RowError {
                row: 0,
                line: e.line as u64,
                message: format!("JSON: column {}: {}", e.column, e.message),
            });
            return;
        }
    };
    let rows: Vec<&Value> = match &v {
        Value::Array(a) => a.iter().collect(),
        Value::Object(o) => match o.get("data") {
            Some(Value::Array(a)) => a.iter().collect(),
            Some(d @ Value::Object(_)) => vec![d],
            _ => vec![&v],
        },
        _ => vec![],
    };
    if rows.is_empty() && !matches!(&v, Value::Array(_) | Value::Object(_)) {
        ex.errors.push(RowError {
            row: 0,
            line: 0,
            message: "a JSON export must be an array of rows or an object with data".into(),
        });
    }
    for (i, r) in rows.into_iter().enumerate() {
        let row = i as u64 + 1;
        ex.seen += 1;
        let res = match r {
            Value::Object(o) => map_row(&JsonRow(o), row, 0, models),
            other => Err(format!(
                "row is a JSON {}, not an object",
                other.type_name()
            )),
        };
        push_row(ex, res, row, 0);
    }
}

fn jsonl<R: BufRead>(
    line1: Vec<u8>,
    line2: Vec<u8>,
    mut r: R,
    ex: &mut Export,
    models: &mut Interner,
) -> std::io::Result<()> {
    let mut n = 0u64;
    let mut one_line = |bytes: &[u8], ex: &mut Export, fits: bool| {
        n += 1;
        ex.seen += 1;
        let res = if !fits {
            Err(format!("line longer than {MAX_LINE} bytes"))
        } else {
            match canon::parse(bytes) {
                Ok(Value::Object(o)) => map_row(&JsonRow(&o), n, n, models),
                Ok(other) => Err(format!(
                    "row is a JSON {}, not an object",
                    other.type_name()
                )),
                Err(e) => Err(format!("JSON: column {}: {}", e.column, e.message)),
            }
        };
        push_row(ex, res, n, n);
    };
    one_line(&line1, ex, true);
    one_line(&line2, ex, true);
    let mut buf = Vec::new();
    while let Some(fits) = read_line_bounded(&mut r, &mut buf, MAX_LINE)? {
        one_line(&buf, ex, fits);
    }
    Ok(())
}

fn csv<R: BufRead>(r: R, ex: &mut Export, models: &mut Interner) {
    let mut rd = CsvReader::new(r);
    let header = match rd.next_record() {
        Ok(Some((_, h))) => h,
        Ok(None) => return,
        Err(e) => {
            ex.errors.push(RowError {
                row: 0,
                line: e.line,
                message: format!("CSV header: {}", e.message),
            });
            return;
        }
    };
    let mut map = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        if map.insert(h.clone(), i).is_some() {
            ex.errors.push(RowError {
                row: 0,
                line: 1,
                message: format!("CSV header names column {h:?} twice"),
            });
            return;
        }
    }
    let cols: Vec<(&'static str, usize)> = KNOWN
        .iter()
        .flat_map(|names| names.iter())
        .filter_map(|&n| map.get(n).map(|&i| (n, i)))
        .collect();
    let mut row = 0u64;
    loop {
        match rd.next_record() {
            Ok(Some((line, fields))) => {
                row += 1;
                ex.seen += 1;
                let res = map_row(
                    &CsvRow {
                        cols: &cols,
                        fields: &fields,
                    },
                    row,
                    line,
                    models,
                );
                push_row(ex, res, row, line);
            }
            Ok(None) => break,
            Err(e) => {
                // A syntax error desynchronises the reader: stop here, fail closed.
                ex.errors.push(RowError {
                    row: row + 1,
                    line: e.line,
                    message: format!("CSV: {}", e.message),
                });
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(s: &str) -> Export {
        read_export(s.as_bytes()).unwrap()
    }

    #[test]
    fn format_detection() {
        let row = r#"{"id":"gen-1","model":"m","created_at":"2024-11-22T18:33:20Z","tokens_prompt":1,"tokens_completion":2}"#;
        // A single generation response: {"data": {...}}.
        let e = read(&format!("{{\"data\":{row}}}"));
        assert_eq!(
            (e.format, e.rows.len(), e.errors.len()),
            (ExportFormat::Json, 1, 0)
        );
        assert_eq!(e.rows[0].t_ms, 1_732_300_400_000);
        // Pretty-printed document whose first line is not a complete value.
        let e = read(&format!("{{\n \"data\": [{row}, {row}]\n}}\n"));
        assert_eq!((e.format, e.rows.len()), (ExportFormat::Json, 2));
        // JSON Lines.
        let e = read(&format!("{row}\n{row}\n{row}\n"));
        assert_eq!(
            (e.format, e.rows.len(), e.seen),
            (ExportFormat::Jsonl, 3, 3)
        );
        // One line only: a document holding one row.
        let e = read(&format!("{row}\n"));
        assert_eq!((e.format, e.rows.len()), (ExportFormat::Json, 1));
        // CSV.
        let e = read("request_id,model,timestamp_ms,input_tokens,output_tokens\nr,m,5,1,2\n");
        assert_eq!((e.format, e.rows.len()), (ExportFormat::Csv, 1));
        assert_eq!(e.rows[0].request_key, sha256(b"r"));
    }

    #[test]
    fn row_mapping_is_strict() {
        let e = read("id,model,created,prompt_tokens,completion_tokens\nr,m,1.5,1,2\nr2,m,1,-1,2\nr3,,1,1,2\n");
        assert_eq!(e.rows.len(), 0);
        assert_eq!(e.errors.len(), 3);
        let e = read(
            r#"[{"id":"a","request_id":"b","model":"m","created":1,"prompt_tokens":1,"completion_tokens":1}]"#,
        );
        assert!(e.errors[0].message.contains("ambiguous"), "{:?}", e.errors);
        let e = read(
            r#"[{"id":"a","model":"m","created":1,"created_at":"2024-01-01T00:00:00Z","prompt_tokens":1,"completion_tokens":1}]"#,
        );
        assert!(e.errors[0].message.contains("ambiguous"), "{:?}", e.errors);
        let e = read(
            r#"[{"id":"a","model":"m","created":1,"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}]"#,
        );
        assert_eq!(
            (e.rows[0].prompt, e.rows[0].completion, e.rows[0].total),
            (3, 4, Some(7))
        );
    }
}
