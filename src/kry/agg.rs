//! Aggregation of per-link failures.
//!
//! A legacy or tampered chain can fail the same rule on every one of a million links.
//! An auditor needs one line per *kind* of failure — how many links, which is first,
//! a few more positions — not a million lines. [`LinkIssues`] groups failures by code
//! and summary in first-occurrence order (deterministic) and renders each group as a
//! single finding.

use std::collections::HashMap;

use super::Code;
use crate::verdict::{Report, Subject};

/// How many further link positions a grouped finding lists after the first.
const MORE_POSITIONS: usize = 5;

struct Group {
    code: Code,
    summary: String,
    count: u64,
    first_index: usize,
    first_field: String,
    first_detail: String,
    more: Vec<usize>,
}

/// Per-link failures of one attestation, grouped by (code, summary).
#[derive(Default)]
pub struct LinkIssues {
    groups: Vec<Group>,
    index: HashMap<(Code, String), usize>,
}

impl LinkIssues {
    /// Records that link `i` failed `code`. `summary` names the rule and the offending
    /// value (links with equal summaries are grouped); `field` locates it inside the
    /// link; `detail` (only rendered for the first link of a group) says exactly
    /// what differed there.
    pub fn add(
        &mut self,
        code: Code,
        summary: String,
        i: usize,
        field: &str,
        detail: impl FnOnce() -> String,
    ) {
        let key = (code, summary);
        if let Some(&g) = self.index.get(&key) {
            let g = &mut self.groups[g];
            g.count += 1;
            if g.more.len() < MORE_POSITIONS {
                g.more.push(i);
            }
            return;
        }
        self.index.insert(key.clone(), self.groups.len());
        self.groups.push(Group {
            code,
            summary: key.1,
            count: 1,
            first_index: i,
            first_field: field.to_string(),
            first_detail: detail(),
            more: Vec::new(),
        });
    }

    /// True if no link failed.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// True if `code` was recorded for any link.
    pub fn has(&self, code: Code) -> bool {
        self.groups.iter().any(|g| g.code == code)
    }

    /// Emits one failing finding per group into `report`.
    pub fn emit(self, report: &mut Report, file: &str, total: usize) {
        for g in self.groups {
            let scope = if g.count == total as u64 && total > 1 {
                format!("all {total} links")
            } else {
                format!("{} of {total} links", g.count)
            };
            let mut msg = format!(
                "{} on {scope} (first at link {}: {})",
                g.summary, g.first_index, g.first_detail
            );
            if !g.more.is_empty() && g.count != total as u64 {
                let list: Vec<String> = g.more.iter().map(|i| i.to_string()).collect();
                msg.push_str(&format!("; also links {}", list.join(", ")));
                if g.count > 1 + g.more.len() as u64 {
                    msg.push_str(", ...");
                }
            }
            let field = if g.first_field.is_empty() {
                format!("links[{}]", g.first_index)
            } else {
                format!("links[{}].{}", g.first_index, g.first_field)
            };
            report.fail(g.code, Subject::file(file).field(field), msg);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::Report;

    #[test]
    fn groups_by_code_and_summary_in_first_occurrence_order() {
        let mut is = LinkIssues::default();
        for i in 0..10 {
            is.add(Code::HashVersion, "v1".into(), i, "hash_version", || {
                format!("detail {i}")
            });
        }
        is.add(Code::TierUnbound, "tier".into(), 3, "evidence_tier", || {
            "d".into()
        });
        is.add(Code::HashVersion, "v8".into(), 4, "hash_version", || {
            "d".into()
        });
        assert!(is.has(Code::TierUnbound));
        let mut r = Report::new("kry", "x");
        is.emit(&mut r, "f.json", 10);
        let msgs: Vec<&str> = r.failures().map(|f| f.message.as_str()).collect();
        assert_eq!(msgs.len(), 3);
        assert_eq!(msgs[0], "v1 on all 10 links (first at link 0: detail 0)");
        assert_eq!(msgs[1], "tier on 1 of 10 links (first at link 3: d)");
        let fields: Vec<_> = r
            .failures()
            .map(|f| f.subject.field.clone().unwrap())
            .collect();
        assert_eq!(fields[0], "links[0].hash_version");
        let mut is = LinkIssues::default();
        for i in 0..9 {
            is.add(Code::ChainHash, "c".into(), i, "chain_hash", || "d".into());
        }
        let mut r = Report::new("kry", "x");
        is.emit(&mut r, "f.json", 20);
        assert_eq!(
            r.failures().next().unwrap().message,
            "c on 9 of 20 links (first at link 0: d); also links 1, 2, 3, 4, 5, ..."
        );
    }
}
