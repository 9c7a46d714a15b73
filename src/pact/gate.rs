//! The CI fixture gate: expectations (globs → expected status, exit code and finding
//! codes, with and without `--allow-compromised`), their evaluation against verdicts,
//! and the gate's text and JUnit renderings. Pure: the CLI walks the tree and verifies.
//!
//! An expectations file (`schemas/gate-expectations.schema.json`):
//!
//! ```json
//! {
//!   "gate_expectations_version": "evv-gate/1",
//!   "ignore": ["**/_*_pubkeys.json"],
//!   "cases": [
//!     {"glob": "success/*.json", "label": "pinned", "agents": ["{dir}/success/_keys.json"],
//!      "expect": {"status": "VALID", "exit": 0, "codes": []},
//!      "expect_allow_compromised": {"status": "VALID", "exit": 0, "codes": []}}
//!   ]
//! }
//! ```
//!
//! Every file under the gated directory that is not ignored must match at least one case
//! glob; every matching case is checked (so one fixture may be gated both unpinned and
//! pinned); a case glob that matches no file fails too, so stale expectations are seen.

use std::collections::BTreeSet;

use glob::{MatchOptions, Pattern};

use crate::canon::{Object, Value};
use crate::verdict::{Code, Outcome, Report, Status};

/// The version string of expectations files.
pub const EXPECTATIONS_VERSION: &str = "evv-gate/1";

/// What one verification must yield in one mode.
#[derive(Clone, Debug, PartialEq)]
pub struct Expect {
    /// Expected status.
    pub status: Status,
    /// Expected process exit code.
    pub exit: i32,
    /// Expected failing codes (sorted, deduplicated), exactly.
    pub codes: Vec<String>,
    /// Expected warning codes (sorted, deduplicated), exactly, when given.
    pub warnings: Option<Vec<String>>,
    /// Facts that must be present with exactly these values, when given.
    pub facts: Option<Object>,
}

/// One entry of an expectations file.
#[derive(Clone, Debug)]
pub struct Case {
    /// The glob as written, relative to the gated directory, `/`-separated.
    pub glob: String,
    pattern: Pattern,
    /// Distinguishes several cases for the same file in the output.
    pub label: Option<String>,
    /// Agent key files to pin (`{dir}/…` relative to the gated directory, other paths
    /// relative to the expectations file).
    pub agents: Vec<String>,
    /// Trust files to load (SPEC 5; same path rules as `agents`).
    pub trust: Vec<String>,
    /// Expectation without `--allow-compromised`.
    pub expect: Expect,
    /// Expectation with `--allow-compromised`.
    pub expect_allow_compromised: Expect,
}

/// A parsed expectations file.
#[derive(Clone, Debug)]
pub struct Expectations {
    /// Files never gated (e.g. agent key files).
    pub ignore: Vec<Pattern>,
    /// The cases, in file order.
    pub cases: Vec<Case>,
}

fn opts() -> MatchOptions {
    MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: false,
    }
}

impl Expectations {
    /// Without an expectations file: every JSON file except `_*` files must be VALID
    /// (exit 0) in both modes.
    pub fn all_valid() -> Self {
        let valid = Expect {
            status: Status::Valid,
            exit: 0,
            codes: vec![],
            warnings: None,
            facts: None,
        };
        Expectations {
            ignore: vec![Pattern::new("**/_*").expect("static glob")],
            cases: vec![Case {
                glob: "**/*.json".into(),
                pattern: Pattern::new("**/*.json").expect("static glob"),
                label: None,
                agents: vec![],
                trust: vec![],
                expect: valid.clone(),
                expect_allow_compromised: valid,
            }],
        }
    }

    /// True if the relative path is ignored.
    pub fn ignored(&self, rel: &str) -> bool {
        self.ignore.iter().any(|p| p.matches_with(rel, opts()))
    }

    /// Indices of the cases whose glob matches the relative path.
    pub fn matching(&self, rel: &str) -> Vec<usize> {
        (0..self.cases.len())
            .filter(|i| self.cases[*i].pattern.matches_with(rel, opts()))
            .collect()
    }
}

fn str_list(v: Option<&Value>, what: &str) -> Result<Vec<String>, String> {
    match v {
        None => Ok(vec![]),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("{what}: every entry must be a string"))
            })
            .collect(),
        Some(_) => Err(format!("{what} must be an array of strings")),
    }
}

fn code_list(v: Option<&Value>, what: &str) -> Result<Vec<String>, String> {
    let mut l = str_list(v, what)?;
    for c in &l {
        if Code::from_id(c).is_none() {
            return Err(format!("{what}: unknown finding code {c:?}"));
        }
    }
    l.sort();
    l.dedup();
    Ok(l)
}

fn parse_expect(v: Option<&Value>, what: &str) -> Result<Expect, String> {
    let o = v
        .and_then(Value::as_object)
        .ok_or_else(|| format!("{what} must be an object"))?;
    for k in o.keys() {
        if !["status", "exit", "codes", "warnings", "facts"].contains(&k) {
            return Err(format!("{what}: unknown member {k:?}"));
        }
    }
    let status = o
        .get("status")
        .and_then(Value::as_str)
        .and_then(Status::parse)
        .ok_or_else(|| format!("{what}.status must be VALID, TAMPERED, INVALID or UNVERIFIED"))?;
    let exit = o
        .get("exit")
        .and_then(Value::as_i64)
        .and_then(|x| i32::try_from(x).ok())
        .ok_or_else(|| format!("{what}.exit must be an integer"))?;
    let codes = code_list(o.get("codes"), &format!("{what}.codes"))?;
    if o.get("codes").is_none() {
        return Err(format!("{what}.codes is required (use [] for none)"));
    }
    let warnings = match o.get("warnings") {
        None => None,
        w => Some(code_list(w, &format!("{what}.warnings"))?),
    };
    let facts = match o.get("facts") {
        None => None,
        Some(Value::Object(f)) => Some(f.clone()),
        Some(_) => return Err(format!("{what}.facts must be an object")),
    };
    Ok(Expect {
        status,
        exit,
        codes,
        warnings,
        facts,
    })
}

/// Parses an expectations document.
pub fn parse_expectations(doc: &Value) -> Result<Expectations, String> {
    let top = doc
        .as_object()
        .ok_or("an expectations file is a JSON object")?;
    match top.get("gate_expectations_version").and_then(Value::as_str) {
        Some(EXPECTATIONS_VERSION) => {}
        other => {
            return Err(format!(
                "gate_expectations_version must be {EXPECTATIONS_VERSION:?}, found {other:?}"
            ))
        }
    }
    let ignore = str_list(top.get("ignore"), "ignore")?
        .iter()
        .map(|g| Pattern::new(g).map_err(|e| format!("ignore glob {g:?}: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let cases_v = top
        .get("cases")
        .and_then(Value::as_array)
        .ok_or("cases must be an array")?;
    let mut cases = Vec::new();
    for (i, c) in cases_v.iter().enumerate() {
        let what = format!("cases[{i}]");
        let o = c
            .as_object()
            .ok_or_else(|| format!("{what} must be an object"))?;
        for k in o.keys() {
            if ![
                "glob",
                "label",
                "agents",
                "trust",
                "expect",
                "expect_allow_compromised",
                "note",
            ]
            .contains(&k)
            {
                return Err(format!("{what}: unknown member {k:?}"));
            }
        }
        let glob = o
            .get("glob")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{what}.glob must be a string"))?
            .to_string();
        let pattern = Pattern::new(&glob).map_err(|e| format!("{what}.glob {glob:?}: {e}"))?;
        let label = match o.get("label") {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(format!("{what}.label must be a string")),
        };
        cases.push(Case {
            glob,
            pattern,
            label,
            agents: str_list(o.get("agents"), &format!("{what}.agents"))?,
            trust: str_list(o.get("trust"), &format!("{what}.trust"))?,
            expect: parse_expect(o.get("expect"), &format!("{what}.expect"))?,
            expect_allow_compromised: parse_expect(
                o.get("expect_allow_compromised"),
                &format!("{what}.expect_allow_compromised"),
            )?,
        });
    }
    Ok(Expectations { ignore, cases })
}

/// What a verdict says, in the terms of an expectation.
#[derive(Clone, Debug, PartialEq)]
pub struct Observed {
    /// Status.
    pub status: Status,
    /// Exit code.
    pub exit: i32,
    /// Failing codes, sorted and deduplicated.
    pub codes: Vec<String>,
    /// Warning codes, sorted and deduplicated.
    pub warnings: Vec<String>,
}

impl Observed {
    /// Reads a report in one mode.
    pub fn of(report: &Report, allow_compromised: bool) -> Self {
        let mut r = report.clone();
        r.allow_compromised = allow_compromised;
        let mut codes: Vec<String> = r
            .failure_codes()
            .iter()
            .map(|c| c.id().to_string())
            .collect();
        codes.extend(r.suppressed().keys().map(|c| c.id().to_string()));
        codes.sort();
        codes.dedup();
        let warnings: BTreeSet<String> = r
            .findings()
            .iter()
            .filter(|f| f.outcome == Outcome::Warn)
            .map(|f| f.code.id().to_string())
            .collect();
        Observed {
            status: r.status(),
            exit: r.exit_code(),
            codes,
            warnings: warnings.into_iter().collect(),
        }
    }

    /// `STATUS exit N [codes]`.
    pub fn summary(&self) -> String {
        summary(self.status, self.exit, &self.codes)
    }
}

fn summary(status: Status, exit: i32, codes: &[String]) -> String {
    format!("{} exit {} [{}]", status.as_str(), exit, codes.join(", "))
}

/// The unmet parts of an expectation (empty when met).
pub fn check(report: &Report, allow_compromised: bool, e: &Expect) -> Vec<String> {
    let o = Observed::of(report, allow_compromised);
    let mut p = Vec::new();
    if o.status != e.status || o.exit != e.exit || o.codes != e.codes {
        p.push(format!(
            "expected {}, got {}",
            summary(e.status, e.exit, &e.codes),
            o.summary()
        ));
    }
    if let Some(w) = &e.warnings {
        if *w != o.warnings {
            p.push(format!(
                "expected warnings [{}], got [{}]",
                w.join(", "),
                o.warnings.join(", ")
            ));
        }
    }
    if let Some(f) = &e.facts {
        for (k, v) in f.iter() {
            match report.facts.get(k) {
                Some(got) if got == v => {}
                got => p.push(format!(
                    "expected fact {k} = {}, got {}",
                    compact(v),
                    got.map_or("nothing".into(), compact)
                )),
            }
        }
    }
    p
}

fn compact(v: &Value) -> String {
    String::from_utf8(crate::canon::to_vec(v, crate::canon::Dialect::Jcs).unwrap_or_default())
        .unwrap_or_default()
}

/// One line of the gate: a (file, case, mode) check, or a structural problem.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseResult {
    /// The fixture (relative path) or the case glob for structural problems.
    pub name: String,
    /// `default`, `allow-compromised`, or `expectations`.
    pub mode: String,
    /// The case label, if any.
    pub label: Option<String>,
    /// What evv observed (or the problem).
    pub observed: String,
    /// Unmet expectations; empty means passed.
    pub problems: Vec<String>,
}

impl CaseResult {
    /// True if every expectation held.
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
    fn title(&self) -> String {
        match &self.label {
            Some(l) => format!("{} [{l}] {}", self.name, self.mode),
            None => format!("{} {}", self.name, self.mode),
        }
    }
}

/// The gate's text: one line per case, then `N passed, N failed` alone on a line.
pub fn render_text(results: &[CaseResult]) -> String {
    let mut s = String::new();
    for r in results {
        if r.passed() {
            s.push_str(&format!("ok    {}: {}\n", r.title(), r.observed));
        } else {
            s.push_str(&format!("FAIL  {}: {}\n", r.title(), r.problems.join("; ")));
        }
    }
    let passed = results.iter().filter(|r| r.passed()).count();
    s.push_str(&format!(
        "{passed} passed, {} failed\n",
        results.len() - passed
    ));
    s
}

/// XML text with the five special characters escaped and characters XML 1.0 forbids
/// replaced by U+FFFD.
pub fn xml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            '\t' | '\n' | '\r' => o.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => o.push('\u{fffd}'),
            c => o.push(c),
        }
    }
    o
}

/// Deterministic JUnit XML: one `testcase` per case, no timestamps or durations.
pub fn render_junit(results: &[CaseResult]) -> String {
    let failed = results.iter().filter(|r| !r.passed()).count();
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    s.push_str(&format!(
        "<testsuites name=\"evv gate\" tests=\"{}\" failures=\"{failed}\">\n",
        results.len()
    ));
    s.push_str(&format!(
        "  <testsuite name=\"evv gate\" tests=\"{}\" failures=\"{failed}\" errors=\"0\" skipped=\"0\">\n",
        results.len()
    ));
    for r in results {
        let classname = match r.name.rfind('/') {
            Some(i) => r.name[..i].replace('/', "."),
            None => "gate".to_string(),
        };
        let name = match &r.label {
            Some(l) => format!("{} [{l}] {}", r.name, r.mode),
            None => format!("{} {}", r.name, r.mode),
        };
        s.push_str(&format!(
            "    <testcase classname=\"{}\" name=\"{}\"",
            xml_escape(&classname),
            xml_escape(&name)
        ));
        if r.passed() {
            s.push_str(&format!(
                ">\n      <system-out>{}</system-out>\n    </testcase>\n",
                xml_escape(&r.observed)
            ));
        } else {
            let msg = r.problems.join("; ");
            s.push_str(&format!(
                ">\n      <failure message=\"{}\" type=\"expectation\">{}</failure>\n    </testcase>\n",
                xml_escape(&msg),
                xml_escape(&format!("{msg}\nobserved: {}", r.observed))
            ));
        }
    }
    s.push_str("  </testsuite>\n</testsuites>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::Subject;

    fn exp(json: &str) -> Result<Expectations, String> {
        parse_expectations(&crate::canon::parse_str(json).unwrap())
    }

    #[test]
    fn parsing_refuses_typos_and_unknown_codes() {
        let good = r#"{"gate_expectations_version":"evv-gate/1","cases":[{"glob":"a/*.json",
            "expect":{"status":"TAMPERED","exit":1,"codes":["pact.final_hash_mismatch"]},
            "expect_allow_compromised":{"status":"TAMPERED","exit":0,"codes":["pact.final_hash_mismatch"]}}]}"#;
        let e = exp(good).unwrap();
        assert_eq!(e.matching("a/x.json"), vec![0]);
        assert!(
            e.matching("a/b/x.json").is_empty(),
            "* must not cross directories"
        );
        assert!(exp(&good.replace("pact.final_hash_mismatch", "pact.nope")).is_err());
        assert!(exp(&good.replace("evv-gate/1", "evv-gate/2")).is_err());
        assert!(exp(&good.replace("\"exit\":1", "\"exit\":1,\"exitt\":1")).is_err());
        assert!(exp(&good.replace("TAMPERED", "BROKEN")).is_err());
    }

    #[test]
    fn check_compares_status_exit_codes_and_warnings() {
        let mut r = Report::new("pact", "x");
        r.pass(crate::pact::Code::HashChainBroken, Subject::file("x"), "ok");
        r.fail(
            crate::pact::Code::FinalHashMismatch,
            Subject::file("x"),
            "m",
        );
        let e = Expect {
            status: Status::Tampered,
            exit: 0,
            codes: vec!["pact.final_hash_mismatch".into()],
            warnings: Some(vec![]),
            facts: None,
        };
        assert!(check(&r, true, &e).is_empty());
        assert_eq!(check(&r, false, &e).len(), 1);
        let mut w = e.clone();
        w.warnings = Some(vec!["pact.failure_event_hash_mismatch".into()]);
        assert_eq!(check(&r, true, &w).len(), 1);
    }

    #[test]
    fn junit_escapes_and_is_deterministic() {
        let rs = vec![CaseResult {
            name: "d/<x>&\"y\".json".into(),
            mode: "default".into(),
            label: None,
            observed: "VALID exit 0 []".into(),
            problems: vec!["expected 'a' \u{1} <b>".into()],
        }];
        let x = render_junit(&rs);
        assert!(x.contains("name=\"d/&lt;x&gt;&amp;&quot;y&quot;.json default\""));
        assert!(x.contains("expected &apos;a&apos; \u{fffd} &lt;b&gt;"));
        assert_eq!(x, render_junit(&rs));
        assert!(render_text(&rs).ends_with("0 passed, 1 failed\n"));
    }
}
