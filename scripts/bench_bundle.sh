#!/usr/bin/env bash
# Scale benchmark of the IF.emotion bundle checks: generates (deterministically) a
# bundle with a 1,000,000-event trace chain, a 1,000,000-line story and a
# 1,000,000-leaf REQ_SEEN ledger, then verifies it through BundleSink, reporting
# wall time and peak RSS (GNU time). Sizes: EVV_BENCH_EVENTS, EVV_BENCH_LEAVES.
# EVV_BENCH_ORDER=manifest_last streams the manifest after the trace (the chain is then
# hashed under all three dialects).
# Also times a raw SHA-256 (sha2 crate) of the same files and prints evv's throughput
# as a percentage of it. Fails if peak RSS exceeds EVV_BENCH_MAX_RSS_KIB (default 65536).
set -euo pipefail
cd "$(dirname "$0")/.."
export EVV_BENCH_DIR="${EVV_BENCH_DIR:-$(mktemp -d)}"
export EVV_BENCH_EVENTS="${EVV_BENCH_EVENTS:-1000000}"
export EVV_BENCH_LEAVES="${EVV_BENCH_LEAVES:-1000000}"
max_rss="${EVV_BENCH_MAX_RSS_KIB:-65536}"
bin=$(cargo test --release --test bundle_scale --no-run --message-format=json 2>/dev/null |
  python3 -c 'import sys,json
for l in sys.stdin:
    m=json.loads(l)
    if m.get("reason")=="compiler-artifact" and m.get("target",{}).get("name")=="bundle_scale" and m.get("executable"): print(m["executable"])' | tail -1)
echo "== generate ($EVV_BENCH_EVENTS events, $EVV_BENCH_LEAVES leaves) in $EVV_BENCH_DIR"
"$bin" --ignored --exact generate --nocapture >/dev/null
du -sh "$EVV_BENCH_DIR/payload/trace_events.jsonl" "$EVV_BENCH_DIR/payload/if_story.md" "$EVV_BENCH_DIR/payload/req_seen/"*.jsonl
echo "== raw SHA-256 of the same files (floor)"
/usr/bin/time -f "sha256sum: %e s, peak RSS %M KiB" sha256sum "$EVV_BENCH_DIR/payload/trace_events.jsonl" "$EVV_BENCH_DIR/payload/if_story.md" "$EVV_BENCH_DIR/payload/req_seen/"*.jsonl >/dev/null
# The fair floor: Rust's sha2 crate (SHA-NI when the CPU has it, as evv uses) over the
# same bytes, one thread (tests/bundle_scale.rs raw_sha256).
"$bin" --ignored --exact raw_sha256 --nocapture 2>"$EVV_BENCH_DIR/raw.txt" >/dev/null
grep "raw sha256" "$EVV_BENCH_DIR/raw.txt"
raw_s=$(sed -n 's/.* in \([0-9.]*\) s .*/\1/p' "$EVV_BENCH_DIR/raw.txt")
echo "== verify"
status=0
/usr/bin/time -v "$bin" --ignored --exact verify --nocapture >"$EVV_BENCH_DIR/out.txt" 2>"$EVV_BENCH_DIR/time.txt" || status=$?
grep -E "verified|streamed|finish" "$EVV_BENCH_DIR/time.txt" || true
rss=$(awk -F: '/Maximum resident set size/ {gsub(/ /,"",$2); print $2}' "$EVV_BENCH_DIR/time.txt")
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$EVV_BENCH_DIR/time.txt")
echo "verify: wall $wall, peak RSS ${rss} KiB (bound ${max_rss} KiB)"
# Throughput of evv relative to raw SHA-256 over the same bytes (issue 9: >= 70%).
wall_s=$(echo "$wall" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
awk -v r="$raw_s" -v w="$wall_s" 'BEGIN { if (w > 0 && r > 0) printf "evv / raw SHA-256 throughput: %.0f%% (raw %.3f s, evv %.3f s wall; target >= 70%%)\n", 100 * r / w, r, w }'
[ "$status" -eq 0 ] && grep -q "test result: ok" "$EVV_BENCH_DIR/out.txt" || { cat "$EVV_BENCH_DIR/out.txt" "$EVV_BENCH_DIR/time.txt"; echo "verify failed"; exit 1; }
[ "$rss" -le "$max_rss" ] || { echo "peak RSS above bound"; exit 1; }
