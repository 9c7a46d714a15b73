#!/usr/bin/env bash
# Benchmark: PACT v4 replay of a 10,000-round transcript (target: under 0.5 s).
# Prints the in-process median (parse + replay) and the end-to-end `evv replay` time
# of the release binary. Generates its input deterministically (tests/support/pact.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cargo build --quiet --release --locked --bin evv
EVV_BENCH_OUT="$work" cargo test --quiet --release --locked --test pact_bench -- --ignored --nocapture 2>&1 | grep '^pact replay'
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) (wall times are only meaningful on an idle machine; CPU times less so)"
TIMEFORMAT='evv replay (release, end to end): %R s wall, %U s user, %S s sys'
for _ in 1 2 3 4 5; do
  time "$target/release/evv" replay --agents "$work/agents.json" "$work/pact-10000.json" > /dev/null
done
