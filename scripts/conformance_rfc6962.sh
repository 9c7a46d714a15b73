#!/usr/bin/env bash
# RFC 6962 / RFC 9162 Merkle conformance: evv's tree hashing and inclusion proofs against
# the transparency-dev reference tree in ../shared/vectors/rfc6962. Skips (exit 0) when
# the vectors are absent.
set -euo pipefail
cd "$(dirname "$0")/.."
V="${EVV_VECTORS:-../shared/vectors}"
if [ ! -f "$V/rfc6962/reference_tree.json" ]; then
  echo "skip: $V/rfc6962/reference_tree.json not found"
  exit 0
fi
EVV_VECTORS="$(cd "$V" && pwd)" cargo test --test merkle rfc6962_reference_vectors -- --nocapture
