//! Rendering a [`Report`] as text (for people) or JSON (for machines).
//!
//! Both renderings are pure functions of the report: no clocks, no absolute paths,
//! no hash-map order, so the same evidence always renders to the same bytes.

use super::{Outcome, Report, Status};
use crate::canon::{Object, Value};
use crate::obj;

/// The version string stamped into JSON output.
pub const EVV_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Text rendering: summary line first, then each failure and warning with its code,
/// then counts, then a hint for the first failure.
pub fn render_text(r: &Report) -> String {
    let mut s = String::new();
    let status = r.status();
    s.push_str(&format!("{}  {} {}\n", status.as_str(), r.kind, r.input));
    if status == Status::Tampered && r.allow_compromised {
        if r.compromise_allowed() {
            s.push_str("compromise allowed: only container-level hash mismatches failed and inner evidence verified (--allow-compromised)\n");
        } else {
            s.push_str("compromise NOT allowed: failures beyond container-level hash mismatches (--allow-compromised)\n");
        }
    }
    for (k, v) in &r.facts {
        s.push_str(&format!("  {k}: {}\n", fact_text(v)));
    }
    for f in r.findings().iter().filter(|f| f.outcome != Outcome::Pass) {
        let tag = if f.outcome == Outcome::Fail {
            "FAIL"
        } else {
            "WARN"
        };
        s.push_str(&format!(
            "{tag} {} {}: {}\n",
            f.code.id(),
            f.subject,
            f.message
        ));
    }
    for (code, n) in r.suppressed() {
        s.push_str(&format!(
            "FAIL {} ... and {n} more failures of this code not listed\n",
            code.id()
        ));
    }
    let (p, f, w) = r.counts();
    s.push_str(&format!("checks: {p} passed, {f} failed, {w} warnings\n"));
    if let Some(first) = r.failures().next() {
        s.push_str(&format!(
            "hint: run `evv explain {}` for what this means and what to do next\n",
            first.code.id()
        ));
    }
    s
}

fn fact_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => String::from_utf8(
            crate::canon::to_vec(other, crate::canon::Dialect::CanonicalJson).unwrap_or_default(),
        )
        .unwrap_or_default(),
    }
}

/// The verdict as a JSON value (see `schemas/verdict.schema.json`).
pub fn report_to_value(r: &Report) -> Value {
    let findings: Vec<Value> = r
        .findings()
        .iter()
        .map(|f| {
            let mut subj = Object::new();
            subj.insert("file", f.subject.file.as_str());
            if let Some(l) = f.subject.line {
                subj.insert("line", l);
            }
            if let Some(fl) = &f.subject.field {
                subj.insert("field", fl.as_str());
            }
            obj! {
                "code" => f.code.id(),
                "class" => f.code.class().as_str(),
                "outcome" => f.outcome.as_str(),
                "subject" => subj,
                "message" => f.message.as_str(),
            }
        })
        .collect();
    let suppressed: Vec<Value> = r
        .suppressed()
        .iter()
        .map(|(c, n)| obj! {"code" => c.id(), "count" => *n})
        .collect();
    let (p, f, w) = r.counts();
    let mut facts = Object::new();
    for (k, v) in &r.facts {
        facts.insert(k.as_str(), v.clone());
    }
    obj! {
        "evv_version" => EVV_VERSION,
        "kind" => r.kind.as_str(),
        "input" => r.input.as_str(),
        "status" => r.status().as_str(),
        "exit_code" => r.exit_code(),
        "allow_compromised" => r.allow_compromised,
        "compromise_allowed" => r.compromise_allowed(),
        "counts" => obj!{"pass" => p, "fail" => f, "warn" => w},
        "facts" => facts,
        "findings" => findings,
        "suppressed" => suppressed,
    }
}

/// JSON rendering (pretty, sorted keys, trailing newline).
pub fn render_json(r: &Report) -> String {
    let mut s = crate::canon::to_pretty(&report_to_value(r));
    s.push('\n');
    s
}

/// GitHub Actions workflow annotations: one `::error`/`::warning` per failing or
/// warning finding, then a `::notice` with the status.
pub fn render_github(r: &Report) -> String {
    fn esc_data(s: &str) -> String {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    }
    fn esc_prop(s: &str) -> String {
        esc_data(s).replace(':', "%3A").replace(',', "%2C")
    }
    // Annotations must name files of the checked-out repository: a finding inside a
    // bundle directory is joined to the directory; one inside an archive points at the
    // archive (the inner path stays in the message).
    let container = r.facts.get("container").and_then(Value::as_str);
    let file_of = |inner: &str| -> String {
        match (r.kind.as_str(), container) {
            ("bundle", Some("directory")) => {
                format!("{}/{}", r.input.trim_end_matches('/'), inner)
            }
            ("bundle", _) => r.input.clone(),
            _ => inner.to_string(),
        }
    };
    let mut s = String::new();
    for f in r.findings().iter().filter(|f| f.outcome != Outcome::Pass) {
        let level = if f.outcome == Outcome::Fail {
            "error"
        } else {
            "warning"
        };
        let mut props = format!("file={}", esc_prop(&file_of(&f.subject.file)));
        if let Some(l) = f.subject.line {
            props.push_str(&format!(",line={l}"));
        }
        props.push_str(&format!(",title={}", esc_prop(f.code.id())));
        s.push_str(&format!(
            "::{level} {props}::{}\n",
            esc_data(&format!("{}: {}: {}", f.code.id(), f.subject, f.message))
        ));
    }
    for (code, n) in r.suppressed() {
        s.push_str(&format!(
            "::error title={}::{n} more failures of this code not listed\n",
            esc_prop(code.id())
        ));
    }
    let (p, f, w) = r.counts();
    s.push_str(&format!(
        "::notice title=evv {}::{} {}: {p} passed, {f} failed, {w} warnings\n",
        r.status().as_str(),
        r.kind,
        esc_data(&r.input)
    ));
    s
}
