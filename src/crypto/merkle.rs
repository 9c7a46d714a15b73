//! RFC 9162 (RFC 6962) Merkle tree hashing and inclusion proofs.
