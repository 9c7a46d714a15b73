//! IF.story: the narrative projection of the chain. Every line starts with the
//! `event_hash` of the event it narrates.

use std::collections::BTreeMap;
use std::io::Read;

use super::anchors::AnchorSeq;
use super::Code;
use crate::container::lines::pipeline;
use crate::crypto::hash::parse_hex32_bytes;
use crate::verdict::{Report, Subject};

/// Path of the story.
pub const STORY_PATH: &str = "payload/if_story.md";
/// Longest story line kept.
pub const MAX_STORY_LINE: usize = 64 * 1024;

/// Streams the story: anchors (consecutive repeats collapsed) with their first line.
/// Anchors are decoded in batches on the rayon pool and collected in line order.
pub fn stream(r: &mut dyn Read, report: &mut Report) -> std::io::Result<AnchorSeq> {
    let mut seq = AnchorSeq::default();
    let mut last: Option<[u8; 32]> = None;
    pipeline(
        r,
        MAX_STORY_LINE,
        |l, meta| {
            (!meta.too_long && l.len() > 65 && l[64] == b' ')
                .then(|| parse_hex32_bytes(&l[..64]))
                .flatten()
        },
        |_, meta, anchor| {
            let Some(a) = anchor else {
                report.fail(
                    Code::StoryAnchorMissing,
                    Subject::file(STORY_PATH).line(meta.no),
                    "line does not start with a 64-hex event_hash, a space and text",
                );
                return;
            };
            if last != Some(a) {
                seq.push(a, meta.no);
                last = Some(a);
            }
        },
    )?;
    Ok(seq)
}

/// Compares the story's anchors with the chain's event hashes.
pub fn compare(chain: &AnchorSeq, story: &AnchorSeq, report: &mut Report) {
    let subj = Subject::file(STORY_PATH);
    match (chain.exact(), story.exact()) {
        (Some(events), Some(anchors)) => {
            let index: BTreeMap<[u8; 32], usize> = events
                .iter()
                .enumerate()
                .map(|(i, (h, _))| (*h, i))
                .collect();
            let mut narrated = vec![false; events.len()];
            let mut last: Option<usize> = None;
            for (a, line) in anchors {
                let s = subj.clone().line(*line);
                match index.get(a) {
                    None => report.fail(
                        Code::StoryAnchorUnknown,
                        s,
                        format!("anchor {} is not an event of the chain", hex::encode(a)),
                    ),
                    Some(&i) => {
                        if last.is_some_and(|l| i <= l) {
                            report.fail(
                                Code::StoryAnchorOrder,
                                s,
                                format!(
                                    "narrates seq {} after seq {}",
                                    events[i].1,
                                    events[last.unwrap_or(0)].1
                                ),
                            );
                        } else {
                            last = Some(i);
                        }
                        narrated[i] = true;
                    }
                }
            }
            for (i, n) in narrated.iter().enumerate() {
                if !n {
                    report.fail(
                        Code::StoryNotNarrated,
                        subj.clone(),
                        format!(
                            "event seq {} ({}) is not narrated",
                            events[i].1,
                            hex::encode(events[i].0)
                        ),
                    );
                }
            }
        }
        _ => {
            if chain.digest() != story.digest() || chain.len() != story.len() {
                report.fail(
                    Code::StorySequence,
                    subj.clone(),
                    format!(
                        "{} narrated events do not equal the chain's {} events in order",
                        story.len(),
                        chain.len()
                    ),
                );
            }
        }
    }
    for code in [
        Code::StoryAnchorMissing,
        Code::StoryAnchorUnknown,
        Code::StoryAnchorOrder,
        Code::StoryNotNarrated,
        Code::StorySequence,
    ] {
        if !report.has_failure(code) {
            report.pass(
                code,
                subj.clone(),
                format!("{} events narrated in order", chain.len()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::anchors::EXACT_CAP;

    fn seq(n: usize, skip: Option<usize>) -> AnchorSeq {
        let mut s = AnchorSeq::default();
        for i in 0..n {
            if Some(i) != skip {
                s.push(crate::crypto::hash::sha256(&i.to_le_bytes()), i as u64);
            }
        }
        s
    }

    #[test]
    fn beyond_the_exact_window_the_digest_decides() {
        let n = EXACT_CAP + 10;
        let mut r = Report::default();
        compare(&seq(n, None), &seq(n, None), &mut r);
        assert!(r.failure_codes().is_empty());
        let mut r = Report::default();
        compare(&seq(n, None), &seq(n, Some(7)), &mut r);
        assert_eq!(r.failure_codes(), vec![Code::StorySequence.into()]);
        // Same length, one anchor swapped.
        let mut a = seq(n, None);
        let b = seq(n, None);
        a = {
            let mut s = AnchorSeq::default();
            let _ = a;
            for i in 0..n {
                let j = if i == 3 {
                    4
                } else if i == 4 {
                    3
                } else {
                    i
                };
                s.push(crate::crypto::hash::sha256(&j.to_le_bytes()), i as u64);
            }
            s
        };
        let mut r = Report::default();
        compare(&b, &a, &mut r);
        assert_eq!(r.failure_codes(), vec![Code::StorySequence.into()]);
    }
}
