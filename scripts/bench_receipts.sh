#!/usr/bin/env bash
# Benchmark of `evv receipts` and `evv reconcile` on N receipts (default 1,000,000) and an
# N-row provider export, generated deterministically by an independent Python producer
# (CPython json.dumps(sort_keys=True, separators=(",", ":")) + hashlib, exactly the
# producer's stdlib dialect) into a temporary directory (never committed).
#
# Usage: scripts/bench_receipts.sh [N]   (env EVV_BIN to use a prebuilt binary,
#        BENCH_DIR to choose the scratch directory, default /tmp/evv_bench_receipts,
#        BENCH_REUSE=1 to keep already generated inputs)
# Prints wall time and peak RSS (from /usr/bin/time -v) of each run, and fails unless
# the Python-produced chain verifies VALID and reconciles with pass: true.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
DIR="${BENCH_DIR:-/tmp/evv_bench_receipts}"
mkdir -p "$DIR"

if [ -z "${EVV_BIN:-}" ]; then
  cargo build --release --locked --quiet
  EVV_BIN="${CARGO_TARGET_DIR:-target}/release/evv"
fi

if [ -n "${BENCH_REUSE:-}" ] && [ -s "$DIR/receipts.jsonl" ] && [ -s "$DIR/export.csv" ]; then
  echo "== reusing $DIR (BENCH_REUSE set)"
else
echo "== generating $N receipts and $N export rows into $DIR"
python3 - "$N" "$DIR" <<'PY'
import hashlib, json, sys
n, d = int(sys.argv[1]), sys.argv[2]
dumps = lambda o: json.dumps(o, sort_keys=True, separators=(",", ":"))
sha = lambda b: hashlib.sha256(b).hexdigest()
SCHEMA = "kt.live_hashed.receipt.v1"
VH = sha(SCHEMA.encode())
CERT = sha(b"tls-cert:api.openai.com")
MODELS = ["gpt-4o-mini", "gpt-4o", "o3-mini"]
SNAP = {"gpt-4o-mini": "gpt-4o-mini-2024-07-18", "gpt-4o": "gpt-4o-2024-08-06", "o3-mini": "o3-mini-2025-01-31"}
T0 = 1732300400000
prev = "0" * 64
rows = [None] * n
with open(f"{d}/receipts.jsonl", "w") as f:
    for i in range(n):
        rid = "chatcmpl-" + sha(b"req%d" % i)[:29]
        ts = T0 + i * 250
        lat = 300 + (i * 7919) % 4000
        p, c = 50 + (i * 31) % 3000, 1 + (i * 17) % 800
        model = MODELS[i % 3]
        r = {
            "schema_id": SCHEMA, "schema_version_hash": VH,
            "trace_id": "%08x-0000-4000-a000-%012x" % (i, i),
            "provider_id": "openai", "lane": "LIVE_HASHED", "model": model,
            "endpoint": "/v1/chat/completions", "key_index": i % 4, "key_count": 4,
            "t_start_ms": ts, "t_end_ms": ts + lat, "latency_ms": lat,
            "host": "api.openai.com", "http_status": 200, "tls_cert_sha256": CERT,
            "request_id": rid, "request_id_sha256": sha(rid.encode()),
            "usage": {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c},
            "response_bytes_sha256": sha(b"resp%d" % i), "response_bytes_len": 400 + c * 4,
            "pass": True,
        }
        r["receipt_id"] = sha(dumps(r).encode())
        r["prev_receipt_hash"] = prev
        r["receipt_hash"] = prev = sha(dumps(r).encode())
        f.write(dumps(r) + "\n")
        rows[(i * 7919) % n] = "%s,chat.completion,%d,%s,%d,%d,%d\n" % (rid, ts // 1000, SNAP[model], p, c, p + c)
with open(f"{d}/export.csv", "w") as f:
    f.write("id,object,created,model,prompt_tokens,completion_tokens,total_tokens\n")
    f.writelines(rows)
PY
fi
ls -l "$DIR"/receipts.jsonl "$DIR"/export.csv

measure() {
  local label="$1"; shift
  local log="$DIR/time.$label.txt"
  set +e
  /usr/bin/time -v "$@" >"$DIR/out.$label.txt" 2>"$log"
  local rc=$?
  set -e
  local wall rss usr sys
  wall=$(grep "Elapsed (wall clock)" "$log" | awk '{print $NF}')
  rss=$(grep "Maximum resident set size" "$log" | awk '{print $NF}')
  usr=$(grep "User time" "$log" | awk '{print $NF}')
  sys=$(grep "System time" "$log" | awk '{print $NF}')
  echo "$label: exit $rc, wall $wall, CPU ${usr}s user + ${sys}s sys, peak RSS $((rss / 1024)) MiB"
  [ "$rc" -eq 0 ] || { head -20 "$DIR/out.$label.txt"; exit 1; }
}

echo "== evv receipts ($N receipts)"
measure receipts "$EVV_BIN" receipts "$DIR/receipts.jsonl"
head -3 "$DIR/out.receipts.txt"
echo "== evv reconcile ($N receipts x $N export rows)"
measure reconcile "$EVV_BIN" reconcile "$DIR/receipts.jsonl" --export "$DIR/export.csv"
grep -E '"(pass|matched)"' "$DIR/out.reconcile.txt"
echo "== sha256sum of the receipts file (I/O + hashing floor)"
measure sha256sum sha256sum "$DIR/receipts.jsonl"
