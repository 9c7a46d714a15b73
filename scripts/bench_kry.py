#!/usr/bin/env python3
"""Benchmark `evv kry` on a deterministic 100,000-link savings attestation.

Generates the attestation from KRY-SPEC v1.3 (hash_version 7, canon_f64 public blocks,
CPython round) into a temporary directory, checks that evv says VALID, and prints the
wall time of `evv kry` (best and median of several runs; process start, file read,
parse and every check included). Usage:

    cargo build --release && scripts/bench_kry.py [--links N] [--runs R] [--evv PATH]
"""
import argparse
import hashlib
import json
import os
import random
import resource
import statistics
import struct
import subprocess
import sys
import tempfile
import time


def canon(v):
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def f64(x):
    return struct.pack(">d", float(x)).hex()


def sha(s):
    return hashlib.sha256(s.encode("utf-8")).hexdigest()


def build(n):
    rng = random.Random(20261123)
    prev = "0" * 64
    links = []
    total = 0.0
    tiers = {}
    for i in range(n):
        tokens = float(rng.randint(1, 4000))
        tier = "self_reported" if i % 3 else "provider_metered"
        kry = tokens * 1.0 * 0.4
        link = {
            "seq": i + 1,
            "event_type": "cache_hit",
            "kry_minted": kry,
            "ts": 1700000000.0 + i * 0.25,
            "receipt_hash": sha("receipt-%d" % i),
            "sealed_evidence": sha("evidence-%d" % i)[:16],
            "evidence_tier": tier,
            "tokens_saved": tokens,
            "earn_rate": 1.0,
            "metered_tokens": [int(tokens), 17] if tier == "provider_metered" else None,
            "hash_version": 7,
            "supersedes": None,
            "receipt_id": "KRY-%08d" % (i + 1),
        }
        block = {
            "hash_version": 7,
            "tokens_saved": f64(tokens),
            "ts": f64(link["ts"]),
            "evidence_tier": tier,
            "metered_tokens": link["metered_tokens"],
            "kry_minted": f64(kry),
            "earn_rate": f64(1.0),
            "receipt_id": link["receipt_id"],
            "event_type": "cache_hit",
        }
        prev = sha("%s:%s:%s" % (prev, link["receipt_hash"], canon(block)))
        link["chain_hash"] = prev
        links.append(link)
        total += kry
        tiers[tier] = tiers.get(tier, 0) + kry
    total_r = round(total, 4)
    anchored = round(sum(v for t, v in tiers.items() if t != "self_reported"), 4)
    att = {
        "receipts": n,
        "total_kry": total_r,
        "usd_equivalent": round(total_r * 0.000025, 6),
        "chain_head": prev,
        "chain_valid": True,
        "event_type_counts": {"cache_hit": n},
        "links": links,
        "veracity": {
            "by_tier": {t: round(v, 4) for t, v in tiers.items()},
            "anchored_kry": anchored,
            "self_reported_kry": round(tiers.get("self_reported", 0), 4),
            "veracity_floor": round(anchored / total_r, 4) if total_r else 0.0,
        },
        "attestation_hash": "",
    }
    att["attestation_hash"] = sha(canon(att))
    return att


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--links", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=7)
    here = os.path.dirname(os.path.abspath(__file__))
    default_evv = os.path.join(os.path.dirname(here), "target", "release", "evv")
    ap.add_argument("--evv", default=os.environ.get("EVV_BIN", default_evv))
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "kry_%d.json" % a.links)
        with open(path, "w") as f:
            json.dump(build(a.links), f, indent=1)
        size = os.path.getsize(path)
        out = subprocess.run([a.evv, "--format", "json", "kry", path], capture_output=True, text=True)
        rep = json.loads(out.stdout)
        if rep["status"] != "VALID" or rep["facts"].get("kry_verdict") != "VALID":
            print(out.stdout[:4000], file=sys.stderr)
            sys.exit("benchmark attestation did not verify VALID")
        times, cpu = [], []
        for _ in range(a.runs):
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            subprocess.run([a.evv, "kry", path], stdout=subprocess.DEVNULL, check=True)
            times.append(time.perf_counter() - t)
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append((r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime))
        print("evv kry: %d links, %.1f MB: wall best %.3f s, median %.3f s; CPU (user+sys) best %.3f s over %d runs; load average %.1f"
              % (a.links, size / 1e6, min(times), statistics.median(times), min(cpu), a.runs, os.getloadavg()[0]))


if __name__ == "__main__":
    main()
