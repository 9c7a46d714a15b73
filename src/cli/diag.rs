//! miette diagnostics for malformed inputs, pointing at file, line and column.

use miette::{Diagnostic, MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use crate::canon::ParseError;

/// Bytes of context shown on each side of the error.
const WINDOW: usize = 4096;

/// A JSON parse error rendered with the offending source excerpt.
#[derive(Debug, Diagnostic)]
#[diagnostic(code(json::parse))]
pub struct JsonDiagnostic {
    message: String,
    #[source_code]
    src: Excerpt,
    #[label("here")]
    span: SourceSpan,
}

/// At most `2 * WINDOW` bytes around the error, with the line and column of its
/// first byte in the whole input, so miette numbers lines as in the file.
#[derive(Debug)]
struct Excerpt {
    name: String,
    text: String,
    /// 0-based line and column (bytes) of `text[0]` in the input.
    line: usize,
    column: usize,
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let c = self.text.read_span(span, before, after)?;
        let column = if c.line() == 0 {
            c.column() + self.column
        } else {
            c.column()
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            c.data(),
            *c.span(),
            c.line() + self.line,
            column,
            c.line_count(),
        )))
    }
}

impl JsonDiagnostic {
    /// Builds the diagnostic for `err` in file `name` whose bytes are `bytes`.
    pub fn new(name: &str, bytes: &[u8], err: &ParseError) -> Self {
        // Show a bounded window around the error so huge inputs (a line of hundreds of
        // MB) stay cheap to render: from the first line start at most WINDOW bytes
        // back (the whole input if it starts there), else from WINDOW bytes back at a
        // character boundary; up to WINDOW bytes after the error.
        let at = err.offset.min(bytes.len());
        let lo = at.saturating_sub(WINDOW);
        let start = if lo == 0 {
            0
        } else {
            match bytes[lo..at].iter().position(|&c| c == b'\n') {
                Some(p) => lo + p + 1,
                None => (lo..at).find(|&i| bytes[i] & 0xC0 != 0x80).unwrap_or(at),
            }
        };
        let end = (at + WINDOW).min(bytes.len());
        let text = String::from_utf8_lossy(&bytes[start..end]).into_owned();
        let off = (at - start).min(text.len());
        let newlines = bytes[start..at].iter().filter(|&&c| c == b'\n').count();
        let (line, column) = if newlines > 0 || start == 0 {
            (err.line - 1 - newlines.min(err.line - 1), 0)
        } else {
            (err.line - 1, (err.column - 1).saturating_sub(at - start))
        };
        JsonDiagnostic {
            message: format!(
                "{name}: line {} column {}: {}",
                err.line, err.column, err.message
            ),
            src: Excerpt {
                name: name.to_string(),
                text,
                line,
                column,
            },
            span: SourceSpan::from((off, usize::from(at < end))),
        }
    }
}

impl std::fmt::Display for JsonDiagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for JsonDiagnostic {}
