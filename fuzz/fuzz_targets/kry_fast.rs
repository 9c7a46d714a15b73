//! The tree-free KRY savings path (`kry::tree_free_savings`, `src/kry/fast.rs`) against
//! the general path (`canon::parse` then `kry::verify_parsed`, default options): whenever
//! the tree-free path decides, with 1, 2 or 3 threads, pieces of the default size and of
//! a size taken from the input, from a slice or a reader, its rendered report is
//! byte-identical to the general path's. Checked without an anchor and with the
//! `testdata/kry/anchor_valid.json` anchor.
#![no_main]

use evv::kry::{self, SideInput};
use evv::verdict::{render_json, Report};
use libfuzzer_sys::fuzz_target;

const ANCHOR: &[u8] = include_bytes!("../../testdata/kry/anchor_valid.json");

/// The general path's report, rendered.
fn general(bytes: &[u8], anchor: Option<&SideInput>) -> String {
    let mut r = Report::new("kry", "att.json");
    kry::general_savings("att.json", bytes, anchor, &mut r);
    render_json(&r)
}

fn check(bytes: &[u8], anchor: Option<&SideInput>) {
    let mut want = None;
    // Pieces from one byte up, cut where the input says, borrowed or read through a
    // reader that gives one piece a call.
    let piece = 1 + bytes.len() % 61 * (1 + bytes.first().copied().unwrap_or(0) as usize % 5);
    for threads in 1..=3 {
        for (piece, streamed) in [(piece, threads == 2), (1 << 20, threads != 2)] {
            let mut r = Report::new("kry", "att.json");
            if kry::tree_free_savings("att.json", bytes, anchor, threads, piece, streamed, &mut r)
                .is_none()
            {
                continue;
            }
            let got = render_json(&r);
            let want = want.get_or_insert_with(|| general(bytes, anchor));
            assert_eq!(
                &got,
                want,
                "threads {threads}, piece {piece}, streamed {streamed}, anchor {}",
                anchor.is_some()
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    check(data, None);
    let side = SideInput {
        name: "anchor.json".into(),
        bytes: ANCHOR.to_vec(),
    };
    check(data, Some(&side));
});
