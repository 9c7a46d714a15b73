#!/usr/bin/env bash
# PACT v4 conformance: gate every transcript of ../shared/vectors/pact against
# conformance/pact.expect.json (with and without --allow-compromised). Skips when the
# vectors are absent. Usage: scripts/pact_conformance.sh [VECTORS_DIR] [JUNIT_OUT]
set -euo pipefail
cd "$(dirname "$0")/.."
vectors="${1:-${EVV_SHARED_VECTORS:-../shared/vectors}}/pact"
if [ ! -d "$vectors" ]; then
  echo "skipping PACT conformance: $vectors not found"
  exit 0
fi
cargo build --quiet --locked --bin evv
args=(gate "$vectors" --expect conformance/pact.expect.json)
if [ -n "${2:-}" ]; then args+=(--junit "$2"); fi
exec "${CARGO_TARGET_DIR:-target}/debug/evv" "${args[@]}"
