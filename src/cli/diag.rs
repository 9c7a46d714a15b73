//! miette diagnostics for malformed inputs, pointing at file, line and column.

use miette::{Diagnostic, NamedSource, SourceSpan};

use crate::canon::ParseError;

/// A JSON parse error rendered with the offending source excerpt.
#[derive(Debug, Diagnostic)]
#[diagnostic(code(json::parse))]
pub struct JsonDiagnostic {
    message: String,
    #[source_code]
    src: NamedSource<String>,
    #[label("here")]
    span: SourceSpan,
}

impl JsonDiagnostic {
    /// Builds the diagnostic for `err` in file `name` whose bytes are `bytes`.
    pub fn new(name: &str, bytes: &[u8], err: &ParseError) -> Self {
        // Show a window around the error so huge inputs stay cheap to render.
        let start = err.offset.saturating_sub(4096);
        let start = (0..=start)
            .rev()
            .find(|&i| i == 0 || bytes[i - 1] == b'\n')
            .unwrap_or(0);
        let end = (err.offset + 4096).min(bytes.len());
        let text = String::from_utf8_lossy(&bytes[start..end]).into_owned();
        let off = err.offset - start;
        let off = off.min(text.len());
        JsonDiagnostic {
            message: format!(
                "{name}: line {} column {}: {}",
                err.line, err.column, err.message
            ),
            src: NamedSource::new(name, text),
            span: SourceSpan::from((off, usize::from(off < bytes.len() - start))),
        }
    }
}

impl std::fmt::Display for JsonDiagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for JsonDiagnostic {}
