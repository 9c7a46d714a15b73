//! Findings, statuses, exit codes and the rendering of a verdict.
//!
//! Format modules produce [`Finding`]s into a [`Report`]; the overall [`Status`] and
//! exit code are derived from the findings alone, never stored beside them, so they
//! cannot disagree.

mod codes;
mod render;

pub use codes::{Class, Code, InputCode};
pub use render::{render_github, render_json, render_text, report_to_value};

use crate::canon::Value;

/// The outcome of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    /// The check ran and held.
    Pass,
    /// The check ran and failed; drives the status through the code's [`Class`].
    Fail,
    /// Worth an auditor's attention, but does not change the status.
    Warn,
}

impl Outcome {
    /// Stable lowercase name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Warn => "warn",
        }
    }
}

/// Where a finding points: a file inside the evidence (relative, `/`-separated), and
/// optionally a 1-based line (JSONL) and a field path.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Subject {
    /// Path relative to the evidence root, or the input's display name.
    pub file: String,
    /// 1-based line number for line-oriented files.
    pub line: Option<u64>,
    /// Dotted field path or other locator inside the file.
    pub field: Option<String>,
}

impl Subject {
    /// A subject naming a file only.
    pub fn file(file: impl Into<String>) -> Self {
        Subject {
            file: file.into(),
            line: None,
            field: None,
        }
    }
    /// Adds a 1-based line number.
    pub fn line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }
    /// Adds a field locator.
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

impl std::fmt::Display for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
        }
        if let Some(fld) = &self.field {
            write!(f, " [{fld}]")?;
        }
        Ok(())
    }
}

/// One result of one check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Stable code.
    pub code: Code,
    /// Pass, fail or warn.
    pub outcome: Outcome,
    /// What it is about.
    pub subject: Subject,
    /// Human explanation of this instance.
    pub message: String,
}

/// The overall verdict word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// Every check passed and every signature verified under a pinned key.
    Valid,
    /// An integrity check failed: the evidence was changed.
    Tampered,
    /// The evidence is malformed or of an unsupported version.
    Invalid,
    /// Integrity holds, authenticity could not be established.
    Unverified,
}

impl Status {
    /// Stable uppercase name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Status::Valid => "VALID",
            Status::Tampered => "TAMPERED",
            Status::Invalid => "INVALID",
            Status::Unverified => "UNVERIFIED",
        }
    }
    /// Parses the uppercase name.
    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "VALID" => Status::Valid,
            "TAMPERED" => Status::Tampered,
            "INVALID" => Status::Invalid,
            "UNVERIFIED" => Status::Unverified,
            _ => return None,
        })
    }
}

/// Documented process exit codes.
pub mod exit {
    /// VALID, or TAMPERED excused by `--allow-compromised`.
    pub const VALID: i32 = 0;
    /// TAMPERED or INVALID.
    pub const FAILED: i32 = 1;
    /// Usage error or unreadable input.
    pub const USAGE: i32 = 2;
    /// UNVERIFIED: intact, but not authenticated under a pinned key.
    pub const UNVERIFIED: i32 = 3;
    /// Internal error in evv itself (a bug: please report it).
    pub const INTERNAL: i32 = 4;
}

/// Caps how many failing findings of one code are listed individually; the rest are
/// summarised in one finding so a million-line tamper does not produce a million lines.
pub const MAX_FINDINGS_PER_CODE: usize = 50;

/// The findings of one verification, plus facts worth printing (fingerprints, hashes).
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// What kind of evidence this was (`bundle`, `kry`, `pact`, `receipts`, ...).
    pub kind: String,
    /// The input as the user named it.
    pub input: String,
    findings: Vec<Finding>,
    listed_failures: std::collections::BTreeMap<Code, usize>,
    suppressed: std::collections::BTreeMap<Code, u64>,
    /// Named facts (sorted by name) rendered in the output, e.g. `tarball_sha256`.
    pub facts: std::collections::BTreeMap<String, Value>,
    /// Whether the user passed `--allow-compromised`.
    pub allow_compromised: bool,
}

impl Report {
    /// An empty report for one input.
    pub fn new(kind: impl Into<String>, input: impl Into<String>) -> Self {
        Report {
            kind: kind.into(),
            input: input.into(),
            ..Default::default()
        }
    }

    /// Records a finding (failing findings beyond [`MAX_FINDINGS_PER_CODE`] of one code
    /// are counted, not stored).
    pub fn push(&mut self, f: Finding) {
        if f.outcome == Outcome::Fail {
            let listed = self.listed_failures.entry(f.code).or_default();
            if *listed >= MAX_FINDINGS_PER_CODE {
                *self.suppressed.entry(f.code).or_default() += 1;
                return;
            }
            *listed += 1;
        }
        self.findings.push(f);
    }

    /// Records a passing check.
    pub fn pass(&mut self, code: impl Into<Code>, subject: Subject, message: impl Into<String>) {
        self.push(Finding {
            code: code.into(),
            outcome: Outcome::Pass,
            subject,
            message: message.into(),
        });
    }
    /// Records a failed check.
    pub fn fail(&mut self, code: impl Into<Code>, subject: Subject, message: impl Into<String>) {
        self.push(Finding {
            code: code.into(),
            outcome: Outcome::Fail,
            subject,
            message: message.into(),
        });
    }
    /// Records a warning.
    pub fn warn(&mut self, code: impl Into<Code>, subject: Subject, message: impl Into<String>) {
        self.push(Finding {
            code: code.into(),
            outcome: Outcome::Warn,
            subject,
            message: message.into(),
        });
    }
    /// Records a named fact.
    pub fn fact(&mut self, name: impl Into<String>, v: impl Into<Value>) {
        self.facts.insert(name.into(), v.into());
    }
    /// Appends every finding and fact of another report (e.g. a nested format).
    pub fn absorb(&mut self, other: Report) {
        for f in other.findings {
            self.push(f);
        }
        for (c, n) in other.suppressed {
            *self.suppressed.entry(c).or_default() += n;
        }
        self.facts.extend(other.facts);
    }

    /// True if nothing was recorded: no finding, no suppressed count, no fact (nothing
    /// that [`Report::absorb`] would carry over).
    pub fn is_empty(&self) -> bool {
        self.findings.is_empty() && self.suppressed.is_empty() && self.facts.is_empty()
    }

    /// All recorded findings, in the order checks ran.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }
    /// Failing findings that were counted but not listed, per code.
    pub fn suppressed(&self) -> &std::collections::BTreeMap<Code, u64> {
        &self.suppressed
    }
    /// Failing findings.
    pub fn failures(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.outcome == Outcome::Fail)
    }
    /// True if any failure carries this code.
    pub fn has_failure(&self, code: impl Into<Code>) -> bool {
        let c = code.into();
        self.failures().any(|f| f.code == c)
    }
    /// Failing codes, sorted and deduplicated.
    pub fn failure_codes(&self) -> Vec<Code> {
        let mut v: Vec<Code> = self.failures().map(|f| f.code).collect();
        v.sort();
        v.dedup();
        v
    }
    /// Counts of (pass, fail, warn), suppressed failures included.
    pub fn counts(&self) -> (u64, u64, u64) {
        let mut c = (0, 0, 0);
        for f in &self.findings {
            match f.outcome {
                Outcome::Pass => c.0 += 1,
                Outcome::Fail => c.1 += 1,
                Outcome::Warn => c.2 += 1,
            }
        }
        c.1 += self.suppressed.values().sum::<u64>();
        c
    }

    /// The overall status, derived from the failures' classes with the precedence
    /// TAMPERED > INVALID > UNVERIFIED > VALID.
    pub fn status(&self) -> Status {
        let mut classes = self.failures().map(|f| f.code.class()).collect::<Vec<_>>();
        classes.extend(self.suppressed.keys().map(|c| c.class()));
        if classes
            .iter()
            .any(|c| matches!(c, Class::Integrity | Class::ContainerHash))
        {
            Status::Tampered
        } else if classes.contains(&Class::Malformed) {
            Status::Invalid
        } else if classes.contains(&Class::Unauthenticated) {
            Status::Unverified
        } else {
            Status::Valid
        }
    }

    /// True when `--allow-compromised` was given and its Rules of Evidence excuse this
    /// report: every failure is a container-level hash mismatch, and at least one inner
    /// hashed or signed item verified (a passing integrity finding).
    pub fn compromise_allowed(&self) -> bool {
        if !self.allow_compromised {
            return false;
        }
        let mut any_failure = false;
        for f in self.failures() {
            any_failure = true;
            if f.code.class() != Class::ContainerHash {
                return false;
            }
        }
        if self
            .suppressed
            .keys()
            .any(|c| c.class() != Class::ContainerHash)
        {
            return false;
        }
        let inner_verified = self
            .findings
            .iter()
            .any(|f| f.outcome == Outcome::Pass && f.code.class() == Class::Integrity);
        any_failure && inner_verified
    }

    /// The process exit code for this report.
    pub fn exit_code(&self) -> i32 {
        match self.status() {
            Status::Valid => exit::VALID,
            Status::Unverified => exit::UNVERIFIED,
            Status::Tampered if self.compromise_allowed() => exit::VALID,
            Status::Tampered | Status::Invalid => exit::FAILED,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_and_allow_compromised() {
        let mut r = Report::new("t", "x");
        assert_eq!(r.status(), Status::Valid);
        r.fail(InputCode::Read, Subject::file("a"), "m");
        assert_eq!(r.status(), Status::Invalid);
        assert_eq!(r.exit_code(), exit::FAILED);
        r.allow_compromised = true;
        assert!(!r.compromise_allowed());
    }

    #[test]
    fn every_code_id_is_unique_and_dotted() {
        let mut ids: Vec<&str> = Code::all().map(|c| c.id()).collect();
        let n = ids.len();
        for id in &ids {
            assert!(id.contains('.'), "{id} is not dotted");
            assert!(
                id.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_'),
                "{id}"
            );
            assert_eq!(Code::from_id(id).unwrap().id(), *id);
        }
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate code ids");
    }

    #[test]
    fn suppression_counts_but_caps() {
        let mut r = Report::new("t", "x");
        for i in 0..(MAX_FINDINGS_PER_CODE + 7) {
            r.fail(InputCode::Read, Subject::file(format!("f{i}")), "m");
        }
        assert_eq!(r.failures().count(), MAX_FINDINGS_PER_CODE);
        assert_eq!(r.counts().1, (MAX_FINDINGS_PER_CODE + 7) as u64);
    }
}
