#!/bin/sh
# Wycheproof conformance for Ed25519 and ML-DSA-44/65/87 (SPEC.md 5.1, 5.9).
# Reads ../shared/vectors/wycheproof (or $EVV_VECTORS/wycheproof); prints a skip
# message and succeeds when the vectors are absent.
set -eu
cd "$(dirname "$0")/.."
exec cargo test --quiet --test wycheproof -- --nocapture
