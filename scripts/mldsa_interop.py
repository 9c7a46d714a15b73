#!/usr/bin/env python3
"""ML-DSA interop: signatures made by dilithium-py (independent, pure-Python FIPS 204)
must verify in evv, and every one-bit change to message, signature, key or context
must be rejected -- by evv and, as a cross-check, by dilithium-py itself.

Usage: scripts/mldsa_interop.py [--evv PATH] [--seeds N]
  --evv    the evv binary (default: $EVV, else target/debug/evv after `cargo build`)
  --seeds  keys per parameter set (default 6)

Deterministic: keys come from fixed 32-byte seeds (ML-DSA.KeyGen_internal), signatures
use the deterministic variant (rnd = 0) plus hedged signatures with fixed rnd values, and
bit positions come from a seeded PRNG. Exit 0 when every case is as expected.
"""

import argparse
import base64
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile

try:
    from dilithium_py.ml_dsa import ML_DSA_44, ML_DSA_65, ML_DSA_87
except ImportError:
    sys.exit("mldsa_interop: dilithium-py is not installed (pip install dilithium-py)")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LEVELS = [("ML-DSA-44", ML_DSA_44), ("ML-DSA-65", ML_DSA_65), ("ML-DSA-87", ML_DSA_87)]
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58encode(b: bytes) -> str:
    n = int.from_bytes(b, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = B58[r] + out
    pad = len(b) - len(b.lstrip(b"\0"))
    return "1" * pad + out


def encode(b: bytes, style: int) -> str:
    """Rotate through evv's key/signature encodings (SPEC.md 5.3)."""
    return [
        lambda: b.hex(),
        lambda: "hex:" + b.hex().upper(),
        lambda: base64.b64encode(b).decode(),
        lambda: "b64:" + base64.b64encode(b).decode(),
        lambda: "b58:" + b58encode(b),
    ][style % 5]()


def flip(b: bytes, bit: int) -> bytes:
    a = bytearray(b)
    a[bit // 8] ^= 1 << (bit % 8)
    return bytes(a)


def evv_binary(arg):
    if arg:
        return arg
    if os.environ.get("EVV"):
        return os.environ["EVV"]
    # Build (a no-op when up to date) so a stale binary is never tested.
    subprocess.run(["cargo", "build", "--quiet", "--bin", "evv"], cwd=ROOT, check=True)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    return os.path.join(target, "debug", "evv")


def make_cases(seeds: int):
    """Yields (label, case-dict, expected 'valid'/'invalid', python's own verdict)."""
    rng = random.Random(204)
    contexts = [b"", b"evv", bytes(range(255))]
    messages = [b"", b"\x00", b"interop message", bytes(rng.randrange(256) for _ in range(1000))]
    for name, impl in LEVELS:
        for s in range(seeds):
            seed = hashlib.sha256(f"evv-interop-{name}-{s}".encode()).digest()
            pk, sk = impl.key_derive(seed)
            for i, (msg, ctx) in enumerate(
                [(messages[(s + j) % len(messages)], contexts[(s + j) % len(contexts)]) for j in range(3)]
            ):
                if i == 2:
                    # Hedged signature with a fixed rnd (FIPS 204 Algorithm 2, internal).
                    m_prime = bytes([0, len(ctx)]) + ctx + msg
                    sig = impl._sign_internal(sk, m_prime, hashlib.sha256(seed + b"rnd").digest())
                else:
                    sig = impl.sign(sk, msg, ctx=ctx, deterministic=True)
                style = s * 3 + i

                def case(m, k, g, c, expect, what):
                    py = "valid" if len(c) <= 255 and impl.verify(k, m, g, ctx=c) else "invalid"
                    d = {"id": f"{name}/{s}/{i}/{what}", "alg": name, "key": encode(k, style),
                         "sig": encode(g, style + 1), "msg": m.hex()}
                    if c or style % 2:
                        d["ctx"] = c.hex()
                    return (name, d, expect, py)

                yield case(msg, pk, sig, ctx, "valid", "valid")
                for t in range(4):
                    if msg:
                        yield case(flip(msg, rng.randrange(len(msg) * 8)), pk, sig, ctx, "invalid", f"msg-bit{t}")
                    # Spread signature flips over c~, z and the hint section.
                    third = len(sig) * 8 // 3
                    bit = rng.randrange(t * third // 2, len(sig) * 8) if t < 3 else len(sig) * 8 - 1 - rng.randrange(8 * 8)
                    yield case(msg, pk, flip(sig, bit), ctx, "invalid", f"sig-bit{t}")
                    yield case(msg, flip(pk, rng.randrange(len(pk) * 8)), sig, ctx, "invalid", f"key-bit{t}")
                if ctx:
                    yield case(msg, pk, sig, flip(ctx, rng.randrange(len(ctx) * 8)), "invalid", "ctx-bit")
                    yield case(msg, pk, sig, b"", "invalid", "ctx-dropped")
                else:
                    yield case(msg, pk, sig, b"x", "invalid", "ctx-added")
                # The same bytes declared as another parameter set never verify.
                other = LEVELS[(LEVELS.index((name, impl)) + 1) % 3][0]
                n, d, _, _ = case(msg, pk, sig, ctx, "invalid", "other-level")
                d["alg"] = other
                yield (n, d, "invalid", "invalid")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--evv")
    ap.add_argument("--seeds", type=int, default=6)
    a = ap.parse_args()
    evv = evv_binary(a.evv)
    cases = list(make_cases(a.seeds))
    bad = []
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        for _, d, _, _ in cases:
            f.write(json.dumps(d, sort_keys=True) + "\n")
        path = f.name
    try:
        p = subprocess.run([evv, "sig", "verify-batch", path], capture_output=True, text=True)
        lines = p.stdout.splitlines()
        if p.returncode not in (0, 1) or len(lines) != len(cases):
            sys.exit(f"evv sig verify-batch failed (exit {p.returncode}, {len(lines)} lines): {p.stderr}")
        if p.returncode != 1:
            bad.append("verify-batch must exit 1 when some case is invalid")
        counts = {}
        for (name, d, expect, py), line in zip(cases, lines):
            got = json.loads(line)
            ok = got.get("id") == d["id"] and got["result"] == expect and py == expect
            tot, good = counts.get(name, (0, 0))
            counts[name] = (tot + 1, good + ok)
            if not ok:
                bad.append(f"{d['id']}: expected {expect}, evv {got}, dilithium-py {py}")

        # The single-case command: exit 0 on a valid signature, 1 on a flipped one.
        for name, d, expect, _ in cases[:1] + [c for c in cases if c[1]["id"].endswith("/sig-bit0")][:1]:
            with tempfile.NamedTemporaryFile("wb", delete=False) as m:
                m.write(bytes.fromhex(d["msg"]))
            cmd = [evv, "sig", "verify", "--alg", d["alg"], "--key", d["key"], "--sig", d["sig"],
                   "--msg-file", m.name, "--context", d.get("ctx", "")]
            rc = subprocess.run(cmd, capture_output=True).returncode
            os.unlink(m.name)
            want = 0 if expect == "valid" else 1
            if rc != want:
                bad.append(f"evv sig verify {d['id']}: exit {rc}, expected {want}")
    finally:
        os.unlink(path)
    for name, _ in LEVELS:
        tot, good = counts.get(name, (0, 0))
        print(f"mldsa_interop {name}: {good}/{tot} cases as expected (dilithium-py signer)")
    for b in bad:
        print("MISMATCH", b)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
