//! # evv — an offline verifier for evidence
//!
//! evv decides, without trusting the producer, whether evidence is intact, complete,
//! authentic and honestly derived. It reads evidence bundles (`.tar.gz`, `.tar` or a
//! directory), KRY attestations, PACT v4 transcripts and LIVE_HASHED receipts, and
//! returns a deterministic [`verdict::Report`]: [`verify`] is the one entry point.
//!
//! evv is read-only and offline: it never writes to disk, never opens a socket and
//! never executes anything from the evidence. Format modules are pure functions from
//! parsed inputs to findings; all I/O lives in [`container`] and [`cli`].

// Two functions may use `unsafe`: the call into the two-lane SHA-NI kernel
// (`crypto::lanes`), made only after the CPU was seen to have its instructions, and
// the huge-page advice on a whole-file read buffer (`container::whole`).
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod canon;
pub mod cli;
pub mod container;
pub mod crypto;
pub mod evidence;
pub mod manifest;
pub mod verdict;

pub mod bundle;
pub mod kry;
pub mod pact;
pub mod receipts;

pub use evidence::{verify, Options};
