#!/usr/bin/env bash
# Benchmark: `evv verify` on a generated ~500 MB .tar.gz bundle against the floor of
# `gzip -dc FILE | sha256sum` on the same file. Prints wall time and peak RSS.
#
# Usage: scripts/bench_container.sh [WORKDIR]   (default: a fresh temp dir, removed after)
# Env:   BENCH_MB=500   approximate size of the .tar.gz in MB
#        BENCH_TAR=1    also time the same bundle as a plain .tar
#        EVV=path       evv binary (default: builds target/release/evv)
#        BENCH_GEN_ONLY=1  only generate WORKDIR/bench.tar.gz (used by scripts/bench.sh)
# The bundle is generated deterministically (fixed seeds, mtime 0) by python3.
set -euo pipefail
cd "$(dirname "$0")/.."
MB="${BENCH_MB:-500}"
WORK="${1:-}"
if [[ -z "$WORK" ]]; then
  WORK="$(mktemp -d)"
  trap 'rm -rf "$WORK"' EXIT
fi
mkdir -p "$WORK"
if [[ -z "${EVV:-}" && "${BENCH_GEN_ONLY:-0}" != 1 ]]; then
  cargo build --release --quiet
  EVV="${CARGO_TARGET_DIR:-target}/release/evv"
fi
BUNDLE="$WORK/bench.tar.gz"

if [[ ! -f "$BUNDLE" ]]; then
  echo "== generating ~${MB} MB bundle in $WORK" >&2
  python3 - "$BUNDLE" "$MB" <<'PY'
# Streams: every file is written once to a scratch directory beside the bundle while its
# size and SHA-256 are taken, then copied into the archive, so the generator's memory is
# bounded (a few chunks) whatever the size (BENCH_4G=1 in scripts/bench.sh).
import gzip, hashlib, json, os, random, shutil, sys, tarfile
out, mb = sys.argv[1], int(sys.argv[2])
gen = out + ".payload"
shutil.rmtree(gen, ignore_errors=True)
os.makedirs(os.path.join(gen, "artifacts"))
rng = random.Random(20260102)
CHUNK = 1 << 24
meta = {}  # path in payload/ -> (size, sha256 hex)
def write(path, chunks):
    h, n = hashlib.sha256(), 0
    with open(os.path.join(gen, path), "wb") as f:
        for c in chunks:
            f.write(c); h.update(c); n += len(c)
    meta[path] = (n, h.hexdigest())
# Incompressible artifacts (~80% of the compressed size) ...
n_bin = 4
def blob(size):
    while size:
        k = min(CHUNK, size); size -= k
        yield rng.randbytes(k)
for i in range(n_bin):
    write(f"artifacts/blob_{i}.bin", blob(mb * 1024 * 1024 * 8 // 10 // n_bin))
# ... and a compressible JSONL trace (~20%: about 5x that uncompressed): a hash chain
# of events in the bundle format (SPEC.md section 6.3), canonical JSON as the manifest
# declares, in the order of the trace grammar (req_seen, request_received, model_done...,
# trace_finalizing), so evv does the per-line work of a real trace: the chain is intact;
# the bundle lacks its ledger, records and signatures, so the verdict is not VALID.
def canon(v):
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
def trace():
    lines, size, pending, k = [], 0, 0, 0
    target = mb * 1024 * 1024 // 5 * 5
    prev = "0" * 64
    done = False
    while not done:
        done = size >= target
        kind = "trace_finalizing" if done else {0: "req_seen", 1: "request_received"}.get(k, "model_done")
        ev = {"seq": k, "type": kind, "trace_id": "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b",
              "ts": "2026-01-02T03:04:%02d.%03dZ" % (k // 1000 % 60, k % 1000), "prev_hash": prev,
              "data": {"latency_ms": rng.randrange(1, 5000), "tokens": rng.randrange(1, 4096)}}
        ev["event_hash"] = prev = hashlib.sha256(canon(ev).encode()).hexdigest()
        line = canon(ev) + "\n"
        lines.append(line); size += len(line); pending += len(line); k += 1
        if pending >= CHUNK:
            yield "".join(lines).encode(); lines, pending = [], 0
    yield "".join(lines).encode()
write("trace_events.jsonl", trace())
def put(path, b):
    write(path, [b])
man = {"schema": "if.emotion.bundle.manifest/v1", "trace_id": "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b",
       "created_at": "2026-01-02T03:04:05Z", "canonical_json": "canonicaljson",
       "files": [{"path": p, "size": n, "sha256": h} for p, (n, h) in sorted(meta.items())]}
put("manifest.json", (json.dumps(man, indent=2, sort_keys=True) + "\n").encode())
put("sha256s.txt", "".join(f"{h}  {p}\n" for p, (n, h) in sorted(meta.items())).encode())
with open(out, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="", compresslevel=6) as gz:
    with tarfile.open(fileobj=gz, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        def add_dir(name):
            ti = tarfile.TarInfo(name); ti.type = tarfile.DIRTYPE; ti.mode = 0o755; ti.mtime = 0
            tar.addfile(ti)
        add_dir("payload"); add_dir("payload/artifacts")
        for p, (n, _) in sorted(meta.items()):
            ti = tarfile.TarInfo("payload/" + p); ti.size = n; ti.mode = 0o644; ti.mtime = 0
            with open(os.path.join(gen, p), "rb") as f:
                tar.addfile(ti, f)
shutil.rmtree(gen)
PY
fi

[[ "${BENCH_GEN_ONLY:-0}" == 1 ]] && exit 0
SIZE=$(stat -c %s "$BUNDLE")
echo "== bundle: $SIZE bytes compressed; CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs); cores: $(nproc)" >&2

measure() { # label, command...
  local label="$1"; shift
  local log; log="$(mktemp)"
  /usr/bin/time -v "$@" >/dev/null 2>"$log" || { echo "$label failed:"; cat "$log"; rm -f "$log"; return 1; }
  local wall rss
  wall=$(grep 'Elapsed (wall clock)' "$log" | awk '{print $NF}')
  rss=$(grep 'Maximum resident set size' "$log" | awk '{print $NF}')
  printf '%-40s wall %8s  peak RSS %7d KiB\n' "$label" "$wall" "$rss"
  rm -f "$log"
}

# Warm the page cache so both runs read from memory.
cat "$BUNDLE" >/dev/null
"$EVV" verify "$BUNDLE" | head -1
measure "evv verify (tar.gz)" "$EVV" verify "$BUNDLE"
measure "gzip -dc | sha256sum (tar.gz)" sh -c "gzip -dc '$BUNDLE' | sha256sum"
measure "sha256sum (tar.gz, hash only)" sha256sum "$BUNDLE"
if [[ "${BENCH_TAR:-0}" == 1 ]]; then
  gzip -dc "$BUNDLE" >"$WORK/bench.tar"
  measure "evv verify (tar)" "$EVV" verify "$WORK/bench.tar"
  measure "sha256sum (tar)" sha256sum "$WORK/bench.tar"
fi
