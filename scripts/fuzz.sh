#!/usr/bin/env bash
# Runs every cargo-fuzz target of fuzz/ within a total time budget.
#
#   scripts/fuzz.sh SECONDS [TARGET...]
#
# The budget is split evenly over the targets (all of them, or the ones named), which
# run one after another with one libFuzzer process each (the machine is shared). Each
# target's corpus lives in fuzz/corpus/TARGET (gitignored) and is seeded from testdata/
# on every run; crashes land in fuzz/artifacts/TARGET/. The script prints, per target,
# libFuzzer's final executions, coverage (cov: edges, ft: features) and corpus size,
# and exits 1 if any target found a crash (or failed to build).
#
# Works on the stable toolchain: RUSTC_BOOTSTRAP=1 lets stable rustc accept the -Z
# flags cargo-fuzz passes. Sanitizer: none by default (evv denies unsafe code but for
# the call into its SHA-NI kernel, crypto::lanes, whose memory access is safe Rust, and
# a madvise huge-page advice in container::whole;
# coverage-guided fuzzing without ASan runs about twice as many executions); set
# FUZZ_SANITIZER=address to use AddressSanitizer (its runtime ships with stable).
# Overflow checks and debug assertions are on either way (cargo fuzz's default).
#
# Adding a target: see fuzz/README.md (one file in fuzz/fuzz_targets/, one [[bin]] in
# fuzz/Cargo.toml, and a line in seeds_for below if it wants specific seeds).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

if [ $# -lt 1 ] || ! [[ $1 =~ ^[0-9]+$ ]]; then
  echo "usage: scripts/fuzz.sh SECONDS [TARGET...]" >&2
  exit 2
fi
BUDGET=$1
shift

export RUSTC_BOOTSTRAP=1
SAN=${FUZZ_SANITIZER:-none}

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz (crates.io)"
  cargo install --locked cargo-fuzz
fi

# Targets: the ones named, else every file in fuzz/fuzz_targets (only targets that
# exist are ever run).
if [ $# -gt 0 ]; then
  TARGETS=("$@")
else
  TARGETS=()
  for f in fuzz/fuzz_targets/*.rs; do
    TARGETS+=("$(basename "$f" .rs)")
  done
fi
for t in "${TARGETS[@]}"; do
  if [ ! -f "fuzz/fuzz_targets/$t.rs" ]; then
    echo "no such fuzz target: $t (see fuzz/fuzz_targets/)" >&2
    exit 2
  fi
done
N=${#TARGETS[@]}
PER=$((BUDGET / N))
if [ "$PER" -lt 1 ]; then PER=1; fi

# Seeds for one target, written as files into directory $2. Every target also gets
# the hand-written seeds in fuzz/seeds/TARGET/ if that directory exists.
seeds_for() {
  local t=$1 dir=$2
  local json
  json=$(find testdata -type f \( -name '*.json' -o -name '*.jsonl' \) 2>/dev/null | sort)
  case "$t" in
    json_canon | json_diag)
      # Whole JSON files, and every line of every JSONL file on its own.
      for f in $json; do
        cp "$f" "$dir/$(echo "$f" | tr '/' '_')"
        case "$f" in
          *.jsonl)
            local i=0
            while IFS= read -r line; do
              i=$((i + 1))
              printf '%s' "$line" >"$dir/$(echo "$f" | tr '/' '_').$i"
            done <"$f"
            ;;
        esac
      done
      ;;
    jsonl_canon)
      for f in $json; do cp "$f" "$dir/$(echo "$f" | tr '/' '_')"; done
      ;;
    trust_file)
      for f in $(find testdata -type f -name '*trust*.json' | sort); do
        cp "$f" "$dir/$(echo "$f" | tr '/' '_')"
      done
      ;;
    key_encoding)
      # Every string value of the testdata JSON that looks like an encoded key or
      # signature, prefixed with each selector byte class (pk, sig, small length).
      python3 - "$dir" $json <<'EOF'
import json, sys, hashlib
out = sys.argv[1]
vals = set()
def walk(v):
    if isinstance(v, dict):
        for x in v.values(): walk(x)
    elif isinstance(v, list):
        for x in v: walk(x)
    elif isinstance(v, str) and len(v) >= 16:
        vals.add(v)
for f in sys.argv[2:]:
    try:
        docs = [json.loads(l) for l in open(f, encoding="utf-8") if l.strip()] if f.endswith(".jsonl") else [json.load(open(f, encoding="utf-8"))]
    except Exception:
        continue
    for d in docs: walk(d)
for v in sorted(vals):
    for sel in (0x00, 0x01, 0x11, 0x40):
        b = bytes([sel]) + v.encode()
        open(f"{out}/{hashlib.sha256(b).hexdigest()[:16]}", "wb").write(b)
EOF
      ;;
    sig_verify)
      # Tamper-mode inputs for each algorithm (mode byte 4..7), short and long messages.
      for a in 4 5 6 7; do
        printf "\\x$(printf %02x $a)\\x03\\x10\\x00ctxevv trust fixture: the signed message\n" >"$dir/tamper-$a"
        printf "\\x$(printf %02x $((a + 8)))\\x00\\x00\\x00" >"$dir/tamper-empty-$a"
      done
      ;;
    container_archive | bundle_verify)
      for f in $(find testdata -type f \( -name '*.tar' -o -name '*.gz' -o -name '*.tgz' \) | sort); do
        cp "$f" "$dir/$(echo "$f" | tr '/' '_')"
      done
      ;;
    json_segmented)
      # Large arrays of objects (where the parse splits) and the KRY fixtures.
      for f in $(find testdata/kry testdata/pact -type f -name '*.json' 2>/dev/null | sort); do
        cp "$f" "$dir/$(echo "$f" | tr '/' '_')"
      done
      python3 - "$dir" <<'EOF2'
import json, sys
els = [{"seq": i, "h": "%064x" % i, "v": [i, 2.5, None], "s": ",{x"} for i in range(300)]
open(sys.argv[1] + "/array-of-objects", "w").write(json.dumps({"head": 1, "links": els, "tail": [{}, []]}, indent=1))
open(sys.argv[1] + "/nested-arrays", "w").write(json.dumps([[i, [i]] for i in range(500)]))
EOF2
      ;;
    kry_verify)
      for f in $(find testdata/kry -type f -name '*.json' 2>/dev/null | sort); do
        cp "$f" "$dir/$(echo "$f" | tr '/' '_')"
      done
      ;;
    kry_fast)
      # The KRY fixtures; generated valid attestations (compact, pretty-printed, link
      # keys reversed) come from fuzz/seeds/kry_fast/ (written by the ignored test
      # write_fuzz_seeds in tests/kry_fast.rs).
      for f in $(find testdata/kry -type f -name '*.json' 2>/dev/null | sort); do
        cp "$f" "$dir/$(echo "$f" | tr '/' '_')"
      done
      ;;
    pact_replay)
      for f in $(find testdata/pact testdata/gate -type f -name '*.json' 2>/dev/null | sort); do
        cp "$f" "$dir/$(echo "$f" | tr '/' '_')"
      done
      ;;
    receipts_verify)
      for f in $(find testdata/receipts -type f -name '*.jsonl' 2>/dev/null | sort); do
        cp "$f" "$dir/$(echo "$f" | tr '/' '_')"
      done
      ;;
    *)
      # Default for future targets: every JSON/JSONL file of testdata/ and every
      # archive (bundles) -- a target that wants other seeds adds a case above.
      for f in $json $(find testdata -type f \( -name '*.tar' -o -name '*.gz' -o -name '*.tgz' \) | sort); do
        cp "$f" "$dir/$(echo "$f" | tr '/' '_')"
      done
      ;;
  esac
  if [ -d "fuzz/seeds/$t" ]; then cp fuzz/seeds/"$t"/* "$dir/" 2>/dev/null || true; fi
}

echo "== building ${N} fuzz targets (sanitizer: $SAN)"
(cd fuzz && cargo fuzz build -s "$SAN") >/tmp/evv-fuzz-build.$$ 2>&1 || {
  cat /tmp/evv-fuzz-build.$$ >&2
  rm -f /tmp/evv-fuzz-build.$$
  exit 1
}
rm -f /tmp/evv-fuzz-build.$$

declare -a SUMMARY
FAILED=0
for t in "${TARGETS[@]}"; do
  corpus="fuzz/corpus/$t"
  artifacts="fuzz/artifacts/$t"
  mkdir -p "$corpus" "$artifacts"
  seeds_for "$t" "$corpus"
  log=$(mktemp)
  echo "== $t: ${PER}s"
  set +e
  (cd fuzz && cargo fuzz run -s "$SAN" "$t" "corpus/$t" -- \
    -max_total_time="$PER" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$ROOT/$artifacts/") >"$log" 2>&1
  rc=$?
  set -e
  runs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}' | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
  ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
  corp=$(echo "$last" | sed -n 's/.*corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p')
  rss=$(grep -E '^stat::peak_rss_mb' "$log" | awk '{print $2}' | tail -1)
  status=ok
  if [ $rc -ne 0 ]; then
    status="CRASH (exit $rc; see $artifacts/ and the log below)"
    FAILED=1
    grep -E -A30 'panicked|ERROR: libFuzzer|SUMMARY' "$log" | head -60 >&2 || tail -40 "$log" >&2
  fi
  line=$(printf '%-14s %6ss  execs %-10s cov %-6s ft %-7s corpus %-12s rss %sMB  %s' \
    "$t" "$PER" "${runs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "${rss:-?}" "$status")
  echo "$line"
  SUMMARY+=("$line")
  rm -f "$log" "${TMPDIR:-/tmp}"/evv-fuzz-*.tar.gz
done

echo "== summary (budget ${BUDGET}s, sanitizer $SAN)"
printf '%s\n' "${SUMMARY[@]}"
exit $FAILED
