//! IF.emotion bundle checks driven directly through `BundleSink`.

#[path = "support/bundle.rs"]
mod fixture;

use evv::verdict::Status;
use fixture::*;

#[test]
fn accepted_is_valid_with_pinned_keys() {
    let k = keys();
    let b = build(&Params::accepted(), &k);
    let r = verify(&b, k.trust());
    assert_eq!(
        r.failure_codes(),
        vec![],
        "{:#?}",
        r.failures().collect::<Vec<_>>()
    );
    assert_eq!(r.status(), Status::Valid);
}

#[test]
fn dump_accepted() {
    let k = keys();
    let b = build(&Params::accepted(), &k);
    let r = verify(&b, evv::crypto::trust::TrustStore::empty());
    for f in r.findings() {
        eprintln!("{:?} {} {} {}", f.outcome, f.code, f.subject, f.message);
    }
    eprintln!("{:?}", r.facts);
}
