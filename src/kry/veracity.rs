//! Veracity (KRY-SPEC §3.5) and the promotion overlay (§3.7): per-tier totals, value
//! moved by promotions, and the comparison with the declared `veracity` block.

use std::collections::HashMap;

use super::num::{amount_eq, py_round, show};
use super::Code;
use crate::canon::{Object, Value};
use crate::verdict::{Report, Subject};

/// The one tier that is not anchored.
pub const SELF_REPORTED: &str = "self_reported";

/// Totals per evidence tier, in first-appearance order (as the reference's dict).
#[derive(Default, Debug)]
pub struct TierTotals {
    order: Vec<(String, f64)>,
    index: HashMap<String, usize>,
}

impl TierTotals {
    /// Adds `v` to `tier` (creating it at 0.0 first).
    pub fn add(&mut self, tier: &str, v: f64) {
        // An attestation names a handful of tiers: a short scan beats hashing the name
        // for every link. The map serves documents with many.
        if self.order.len() <= 8 {
            if let Some(e) = self.order.iter_mut().find(|e| e.0 == tier) {
                e.1 += v;
                return;
            }
        }
        let i = self.slot(tier);
        self.add_at(i, v);
    }
    /// The index of `tier`, entered at 0.0 if absent; [`TierTotals::add_at`] then
    /// adds to it (a new tier's total is `0.0 + v`, whichever way it was entered).
    pub fn slot(&mut self, tier: &str) -> usize {
        if let Some(&i) = self.index.get(tier) {
            return i;
        }
        self.index.insert(tier.to_owned(), self.order.len());
        self.order.push((tier.to_owned(), 0.0));
        self.order.len() - 1
    }
    /// Adds `v` to the tier at `slot` (from [`TierTotals::slot`]).
    pub fn add_at(&mut self, slot: usize, v: f64) {
        self.order[slot].1 += v;
    }
    /// The unrounded total of `tier` (0.0 if absent).
    pub fn get(&self, tier: &str) -> f64 {
        self.index.get(tier).map_or(0.0, |&i| self.order[i].1)
    }
    /// Tiers and totals in first-appearance order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, f64)> {
        self.order.iter().map(|(k, v)| (k.as_str(), *v))
    }
}

/// A hash-bound receipt a promotion may target.
#[derive(Clone, Debug)]
pub struct Target<'a> {
    /// Its receipt_id.
    pub id: &'a str,
    /// Its tier.
    pub tier: &'a str,
    /// Its kry_minted.
    pub value: f64,
    /// Its link index.
    pub pos: usize,
    /// Already promoted (the map entry is deleted).
    pub used: bool,
}

/// The `receipt_id → target` map of hash-bound links, kept as a sorted vector that
/// borrows from the document (no per-link allocation or hashing).
#[derive(Default, Debug)]
pub struct Targets<'a> {
    entries: Vec<Target<'a>>,
}

impl<'a> Targets<'a> {
    /// Records a hash-bound link.
    pub fn push(&mut self, id: &'a str, tier: &'a str, value: f64, pos: usize) {
        self.entries.push(Target {
            id,
            tier,
            value,
            pos,
            used: false,
        });
    }
    /// Sorts the map and removes repeated ids, keeping the first link of each id;
    /// returns the link indices of the repeats, in link order.
    pub fn finish(&mut self) -> Vec<usize> {
        self.entries
            .sort_by(|a, b| a.id.cmp(b.id).then(a.pos.cmp(&b.pos)));
        let mut dups = Vec::new();
        self.entries.dedup_by(|later, first| {
            let same = later.id == first.id;
            if same {
                dups.push(later.pos);
            }
            same
        });
        dups.sort_unstable();
        dups
    }
    fn find(&mut self, id: &str) -> Option<&mut Target<'a>> {
        let i = self.entries.binary_search_by(|t| t.id.cmp(id)).ok()?;
        Some(&mut self.entries[i]).filter(|t| !t.used)
    }
}

/// A zero-value T2 link naming an earlier receipt.
#[derive(Clone, Debug)]
pub struct Promotion<'a> {
    /// The receipt_id it supersedes.
    pub supersedes: &'a str,
    /// The promoting tier.
    pub tier: &'a str,
    /// Its link index.
    pub pos: usize,
}

/// Applies the overlay in link order (after [`Targets::finish`]); returns how many
/// promotions moved value.
pub fn apply_overlay(
    totals: &mut TierTotals,
    targets: &mut Targets<'_>,
    promotions: &[Promotion<'_>],
) -> usize {
    let mut applied = 0;
    for p in promotions {
        let Some(t) = targets.find(p.supersedes) else {
            continue;
        };
        if t.pos >= p.pos || t.value <= 0.0 {
            continue;
        }
        t.used = true;
        let (tier, value) = (t.tier, t.value);
        totals.add(tier, -value);
        totals.add(p.tier, value);
        applied += 1;
    }
    applied
}

/// The outcome guard of §3.7: tiers whose overlaid total is below -0.01. With
/// non-negative amounts and each receipt promoted at most once this cannot happen; the
/// guard stays so that any future change to the overlay fails closed.
pub fn negative_tiers(totals: &TierTotals) -> Vec<(String, f64)> {
    totals
        .iter()
        .filter(|(_, v)| *v < -0.01)
        .map(|(t, v)| (t.to_owned(), v))
        .collect()
}

/// The derived veracity figures.
pub struct Derived {
    /// Rounded per-tier totals.
    pub by_tier: Vec<(String, f64)>,
    /// round(Σ anchored tiers, 4).
    pub anchored: f64,
    /// round(self_reported, 4).
    pub self_reported: f64,
    /// round(anchored / total, 4), 0.0 when total is 0.
    pub floor: f64,
}

/// Derives the veracity figures from (overlaid) tier totals and the rounded total.
pub fn derive(totals: &TierTotals, total_rounded: f64) -> Derived {
    let mut anchored = 0.0;
    for (t, v) in totals.iter() {
        if t != SELF_REPORTED {
            anchored += v;
        }
    }
    let anchored = py_round(anchored, 4);
    let floor = if total_rounded == 0.0 {
        0.0
    } else {
        py_round(anchored / total_rounded, 4)
    };
    Derived {
        by_tier: totals
            .iter()
            .map(|(t, v)| (t.to_owned(), py_round(v, 4)))
            .collect(),
        anchored,
        self_reported: py_round(totals.get(SELF_REPORTED), 4),
        floor,
    }
}

/// Compares the declared `veracity` member with the derivation.
pub fn compare(file: &str, declared: Option<&Value>, d: &Derived, report: &mut Report) {
    let subject = |f: &str| Subject::file(file).field(f.to_string());
    let v = match declared {
        None => {
            report.fail(
                Code::FieldMissing,
                subject("veracity"),
                "veracity is absent; KRY-SPEC v1.3 requires the veracity object",
            );
            return;
        }
        Some(Value::Object(o)) => o,
        Some(other) => {
            report.fail(
                Code::FieldInvalid,
                subject("veracity"),
                format!(
                    "veracity must be a JSON object, found {}",
                    other.type_name()
                ),
            );
            return;
        }
    };
    let mut ok = true;
    match v.get("by_tier") {
        None => {
            ok = false;
            report.fail(
                Code::FieldMissing,
                subject("veracity.by_tier"),
                "veracity.by_tier is absent",
            )
        }
        Some(Value::Object(bt)) => ok &= compare_by_tier(file, bt, &d.by_tier, report),
        Some(other) => {
            ok = false;
            report.fail(
                Code::FieldInvalid,
                subject("veracity.by_tier"),
                format!(
                    "veracity.by_tier must be an object, found {}",
                    other.type_name()
                ),
            )
        }
    }
    for (key, derived) in [
        ("anchored_kry", d.anchored),
        ("self_reported_kry", d.self_reported),
        ("veracity_floor", d.floor),
    ] {
        let field = format!("veracity.{key}");
        match v.get(key) {
            None => {
                ok = false;
                report.fail(
                    Code::FieldMissing,
                    subject(&field),
                    format!("{field} is absent"),
                )
            }
            Some(Value::Number(n)) => {
                let x = n.as_f64();
                if !amount_eq(x, derived) {
                    ok = false;
                    report.fail(
                        Code::Veracity,
                        subject(&field),
                        format!(
                            "{field} declares {}, the links (after promotions) give {}",
                            show(x),
                            show(derived)
                        ),
                    );
                }
            }
            Some(other) => {
                ok = false;
                report.fail(
                    Code::FieldInvalid,
                    subject(&field),
                    format!("{field} must be a number, found {}", other.type_name()),
                )
            }
        }
    }
    if ok {
        report.pass(
            Code::Veracity,
            subject("veracity"),
            format!(
                "veracity re-derived: {} tier(s), anchored_kry {}, self_reported_kry {}, veracity_floor {}",
                d.by_tier.len(),
                show(d.anchored),
                show(d.self_reported),
                show(d.floor)
            ),
        );
    }
}

fn compare_by_tier(
    file: &str,
    declared: &Object,
    derived: &[(String, f64)],
    report: &mut Report,
) -> bool {
    let mut ok = true;
    let mut derived_sorted: Vec<&(String, f64)> = derived.iter().collect();
    derived_sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let invented: Vec<&str> = declared
        .keys()
        .filter(|k| !derived.iter().any(|(t, _)| t == k))
        .collect();
    let dropped: Vec<&str> = derived_sorted
        .iter()
        .filter(|(t, _)| !declared.contains_key(t))
        .map(|(t, _)| t.as_str())
        .collect();
    if !invented.is_empty() || !dropped.is_empty() {
        ok = false;
        report.fail(
            Code::Veracity,
            Subject::file(file).field("veracity.by_tier"),
            format!(
                "by_tier key set differs from the links' tiers: declared but absent from the links {:?}, present in the links but not declared {:?}",
                invented, dropped
            ),
        );
    }
    for (t, v) in derived_sorted {
        if let Some(x) = declared.get(t) {
            let good = matches!(x, Value::Number(n) if amount_eq(n.as_f64(), *v));
            if !good {
                ok = false;
                let shown = match x {
                    Value::Number(n) => show(n.as_f64()),
                    other => other.type_name().to_string(),
                };
                report.fail(
                    Code::Veracity,
                    Subject::file(file).field(format!("veracity.by_tier.{t}")),
                    format!(
                        "by_tier[{t:?}] declares {shown}, the links (after promotions) give {}",
                        show(*v)
                    ),
                );
            }
        }
    }
    ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlay_moves_value_once_and_only_backwards() {
        let mut t = TierTotals::default();
        t.add("self_reported", 500.0);
        t.add("tlsn_attested", 0.0);
        let mut targets = Targets::default();
        targets.push("A", "self_reported", 500.0, 0);
        targets.push("A", "self_reported", 7.0, 4);
        assert_eq!(targets.finish(), vec![4]);
        let promos = vec![
            Promotion {
                supersedes: "A",
                tier: "tlsn_attested",
                pos: 1,
            },
            Promotion {
                supersedes: "A",
                tier: "tlsn_attested",
                pos: 2,
            },
        ];
        assert_eq!(apply_overlay(&mut t, &mut targets, &promos), 1);
        assert_eq!(t.get("tlsn_attested"), 500.0);
        assert_eq!(t.get("self_reported"), 0.0);
        // forward reference
        let mut t2 = TierTotals::default();
        t2.add("self_reported", 500.0);
        let mut targets2 = Targets::default();
        targets2.push("A", "self_reported", 500.0, 3);
        targets2.finish();
        assert_eq!(apply_overlay(&mut t2, &mut targets2, &promos), 0);
        let d = derive(&t, 500.0);
        assert!(negative_tiers(&t).is_empty());
        let mut neg = TierTotals::default();
        neg.add("tlsn_attested", -0.02);
        neg.add("self_reported", -0.01);
        assert_eq!(
            negative_tiers(&neg),
            vec![("tlsn_attested".to_string(), -0.02)]
        );
        assert_eq!(d.floor, 1.0);
        assert_eq!(d.anchored, 500.0);
    }
}
