//! Property test of a hash chain (issue 10): in a random LIVE_HASHED receipts chain
//! built by the test producer (tests/support/receipts.rs), any single-byte edit of any
//! line makes the verdict non-VALID, and the first failing finding is on the edited
//! line: nothing before it is blamed, and the edit is not first noticed later.

#[path = "support/receipts.rs"]
mod support;

use evv::receipts::{self, ReceiptOptions};
use evv::verdict::{Report, Status};
use proptest::prelude::*;

fn chain_file(n: u64, model_pick: u64) -> Vec<u8> {
    let models = ["gpt-4o-mini", "gpt-4o", "o3-mini"];
    let bases: Vec<_> = (0..n)
        .map(|i| {
            let m = models[((i + model_pick) % 3) as usize];
            support::base("openai", i, m, Some((10 + i, 20 + 2 * i)), 200)
        })
        .collect();
    support::jsonl(&support::chain(bases))
}

fn verify(bytes: &[u8]) -> Report {
    let mut r = Report::new("receipts", "receipts.jsonl");
    receipts::verify_receipts("receipts.jsonl", bytes, &ReceiptOptions::default(), &mut r).unwrap();
    r
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_single_edit_is_detected_on_its_line(
        n in 2u64..12,
        model_pick in 0u64..3,
        line_pick in any::<usize>(),
        byte_pick in any::<usize>(),
        replacement in 0x20u8..0x7f,
    ) {
        let file = chain_file(n, model_pick);
        let clean = verify(&file);
        prop_assert_eq!(clean.status(), Status::Valid, "producer output must verify");

        // Pick a line and a byte in it (not the newline) and change that byte.
        let starts: Vec<usize> = std::iter::once(0)
            .chain(file.iter().enumerate().filter(|(_, &b)| b == b'\n').map(|(i, _)| i + 1))
            .filter(|&i| i < file.len())
            .collect();
        let line = line_pick % starts.len();
        let start = starts[line];
        let end = file[start..].iter().position(|&b| b == b'\n').unwrap() + start;
        let at = start + byte_pick % (end - start);
        let mut edited = file.clone();
        let new = if edited[at] == replacement { replacement ^ 1 } else { replacement };
        prop_assume!(new != b'\n');
        edited[at] = new;

        let r = verify(&edited);
        prop_assert_ne!(r.status(), Status::Valid, "edit at line {} byte {} undetected", line + 1, at - start);
        let first = r.failures().filter_map(|f| f.subject.line).min();
        prop_assert_eq!(
            first,
            Some(line as u64 + 1),
            "edit at line {} byte {} ({:?} -> {:?}): failures {:?}",
            line + 1,
            at - start,
            file[at] as char,
            new as char,
            r.failures().map(|f| (f.code.id(), f.subject.line)).collect::<Vec<_>>()
        );
    }
}
