#!/usr/bin/env sh
# KRY conformance: every vector of ../shared/vectors/kry (or $EVV_VECTORS/kry) must give
# its expected KRY verdict and both primitives files must match byte for byte. Prints a
# per-vector table. Skips (exit 0) when the corpus is absent.
set -eu
cd "$(dirname "$0")/.."
if [ -z "${EVV_VECTORS:-}" ] && [ ! -d ../shared/vectors/kry ]; then
  echo "SKIP: ../shared/vectors/kry not found (set EVV_VECTORS=/path/to/vectors)"
  exit 0
fi
exec cargo test --quiet --test kry_conformance -- --nocapture
