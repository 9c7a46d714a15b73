#!/usr/bin/env python3
"""Differential test of evv's canonical JSON dialects against the real implementations.

Generates random JSON texts (deep nesting, astral and control characters, DEL, escaped
surrogate pairs, floats across the whole exponent range including subnormals, huge
integers, integer-like keys), then compares, line for line, evv's bytes with:

  python        CPython json.dumps(json.loads(t), sort_keys=True, separators=(",",":"),
                ensure_ascii=True, allow_nan=False)
  canonicaljson matrix-org canonicaljson.encode_canonical_json(json.loads(t))
  jcs           node: JSON.parse then RFC 8785 serialisation (keys sorted by UTF-16 code
                units, primitives by JSON.stringify), as the reference `canonicalize`
                package does

It also checks that evv refuses what it must refuse (NaN, Infinity, duplicate keys, lone
surrogates, overflowing numbers, BOM) in every dialect.

Usage: canon_diff.py [--evv PATH] [--count N] [--seed S]
Exit status 0 only with 0 mismatches.
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

NODE_JCS = r"""
const fs = require('fs');
function canon(v) {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return '[' + v.map(canon).join(',') + ']';
  const keys = Object.keys(v).sort();
  return '{' + keys.map(k => JSON.stringify(k) + ':' + canon(v[k])).join(',') + '}';
}
const lines = fs.readFileSync(process.argv[1], 'utf8').split('\n');
if (lines[lines.length - 1] === '') lines.pop();
const out = [];
for (const l of lines) {
  const v = JSON.parse(l);
  out.push(canon(v));
}
fs.writeFileSync(process.argv[2], out.join('\n') + (out.length ? '\n' : ''));
"""


def rand_string(r):
    parts = []
    for _ in range(r.randint(0, 12)):
        k = r.random()
        if k < 0.30:
            parts.append(chr(r.randint(0x20, 0x7E)).replace('\\', '\\\\').replace('"', '\\"'))
        elif k < 0.38:
            parts.append('\\u%04x' % r.randint(0, 0x1F))          # control chars, escaped
        elif k < 0.42:
            parts.append(r.choice(['\\n', '\\t', '\\r', '\\b', '\\f', '\\/', '\\\\', '\\"']))
        elif k < 0.46:
            parts.append('\x7f')                                    # raw DEL
        elif k < 0.56:
            parts.append(chr(r.randint(0x80, 0xD7FF)))              # raw BMP
        elif k < 0.62:
            parts.append(chr(r.randint(0xE000, 0xFFFF)))            # raw BMP above surrogates
        elif k < 0.72:
            parts.append(chr(r.randint(0x10000, 0x10FFFF)))         # raw astral
        elif k < 0.80:
            c = r.randint(0x10000, 0x10FFFF) - 0x10000              # escaped surrogate pair
            hi, lo = 0xD800 + (c >> 10), 0xDC00 + (c & 0x3FF)
            fmt = r.choice(['\\u%04x\\u%04x', '\\u%04X\\u%04X'])
            parts.append(fmt % (hi, lo))
        elif k < 0.86:
            parts.append('\\u%04x' % r.choice([r.randint(0x80, 0xD7FF), r.randint(0xE000, 0xFFFF)]))
        elif k < 0.90:
            parts.append(r.choice(['\u2028', '\u2029', '\ufeff', '\u00e9', '\U0001F600']))
        else:
            parts.append(str(r.randint(0, 10**r.randint(0, 3))))
    return '"' + ''.join(parts) + '"'


def rand_float_text(r):
    k = r.random()
    if k < 0.35:
        # random finite double from bits, printed with repr (round-trips exactly)
        import struct
        while True:
            bits = r.getrandbits(64)
            x = struct.unpack('>d', bits.to_bytes(8, 'big'))[0]
            if x == x and x not in (float('inf'), float('-inf')):
                break
        t = repr(x)
        if 'e' not in t and '.' not in t:
            t += '.0'
        return t
    if k < 0.65:
        mant = str(r.randint(0, 10**r.randint(1, 25)))
        if r.random() < 0.5 and len(mant) > 1:
            p = r.randint(1, len(mant) - 1)
            mant = mant[:p] + '.' + mant[p:]
        exp = r.randint(-340, 300)
        e = r.choice(['e', 'E']) + r.choice(['', '+', '-'] if exp >= 0 else ['-']) + str(abs(exp))
        return r.choice(['', '-']) + mant.lstrip('0').rjust(1, '0') if False else r.choice(['', '-']) + mant + e
    if k < 0.85:
        return r.choice(['', '-']) + str(r.randint(0, 10**r.randint(0, 20))) + '.' + str(r.randint(0, 10**r.randint(0, 20)))
    return r.choice(['0.0', '-0.0', '1.0', '100.0', '1e16', '1e-05', '1E2', '1e21', '1e-7', '5e-324',
                     '1.7976931348623157e308', '2.2250738585072014e-308', '0.1', '123456789012345678.0',
                     '1e+22', '9007199254740993.0', '4.35', '2.675', '1e15', '1e-4', '0.000001'])


def fix_float(t):
    # JSON forbids leading zeros in the integer part: normalise "-007.5e3" → "-7.5e3"
    neg = t.startswith('-')
    body = t[1:] if neg else t
    i = 0
    while i < len(body) - 1 and body[i] == '0' and body[i + 1].isdigit():
        i += 1
    body = body[i:]
    if body[0] in '.eE':
        body = '0' + body
    return ('-' if neg else '') + body


def rand_number(r):
    k = r.random()
    if k < 0.4:
        n = r.randint(-10**r.randint(0, 18), 10**r.randint(0, 18))
        return str(n)
    if k < 0.5:
        return r.choice(['', '-']) + str(r.randint(1, 9)) + ''.join(r.choice('0123456789') for _ in range(r.randint(18, 300)))
    if k < 0.55:
        return r.choice(['0', '-0', '9007199254740993', '-9223372036854775809', '18446744073709551616'])
    return fix_float(rand_float_text(r))


def rand_value(r, depth):
    k = r.random()
    if depth > 0 and k < 0.15:
        return '[' + ','.join(rand_value(r, depth - 1) for _ in range(r.randint(0, 5))) + ']'
    if depth > 0 and k < 0.30:
        keys = set()
        items = []
        for _ in range(r.randint(0, 6)):
            kk = r.random()
            if kk < 0.2:
                key = '"%d"' % r.randint(0, 100)           # integer-like keys (JS ordering trap)
            else:
                key = rand_string(r)
            dec = json.loads(key)
            if dec in keys:
                continue
            keys.add(dec)
            items.append(key + ':' + rand_value(r, depth - 1))
        return '{' + ','.join(items) + '}'
    if k < 0.45:
        return rand_string(r)
    if k < 0.85:
        return rand_number(r)
    return r.choice(['true', 'false', 'null'])


def deep(r):
    d = r.randint(50, 400)
    inner = rand_value(r, 2)
    out = inner
    for _ in range(d):
        out = r.choice(['[%s]', '{"k":%s}', '[1,%s]', '{"a":%s,"b":0}']) % out
    return out


def gen(r):
    t = deep(r) if r.random() < 0.01 else rand_value(r, r.randint(0, 6))
    if r.random() < 0.1:
        t = r.choice([' ', '\n', '\t', '\r\n']) + t + r.choice([' ', '\t', ''])
    return t.replace('\n', ' ') if '\n' in t else t


MUST_REJECT = [
    'NaN', 'Infinity', '-Infinity', '[NaN]', '{"a":Infinity}', '{"a":1,"a":2}',
    '{"a":{"b":1,"b":1}}', '"\\ud800"', '"\\udc00"', '"\\ud800x"', '"\\ud800\\u0041"', '1e400', '-1e400',
    '\ufeff{}', '01', '[1,]', '{"a":1,}', '"\x01"', "'a'", '[1] 2', '1' * 4301,
]


def run_evv(evv, dialect, path):
    p = subprocess.run([evv, 'canon', '--jsonl', '--dialect', dialect, path], capture_output=True)
    if p.returncode not in (0, 1):
        sys.exit('evv canon failed: %r' % p.stderr[:500])
    return p.stdout.split(b'\n')[:-1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--evv', default=os.path.join(os.path.dirname(__file__), '..', 'target', 'debug', 'evv'))
    ap.add_argument('--count', type=int, default=100000)
    ap.add_argument('--seed', type=int, default=20261123)
    a = ap.parse_args()
    import canonicaljson

    r = random.Random(a.seed)
    texts = []
    while len(texts) < a.count:
        t = gen(r)
        try:
            json.loads(t)
        except (ValueError, RecursionError):
            continue
        texts.append(t)

    tmp = tempfile.mkdtemp(prefix='evv-canon-diff-')
    inp = os.path.join(tmp, 'in.jsonl')
    with open(inp, 'w', encoding='utf-8') as f:
        for t in texts:
            f.write(t + '\n')

    # Reference outputs. Values the reference itself cannot encode (Python ints above
    # the digit limit do not occur; JS turns >1e308 integers into Infinity → null) are
    # compared as "must be refused by evv".
    ref = {'python': [], 'canonicaljson': []}
    # A reference that refuses a value (CPython: a float literal that overflows to inf,
    # allow_nan=False) is recorded as None: evv must refuse it too.
    for t in texts:
        v = json.loads(t)
        try:
            ref['python'].append(json.dumps(v, sort_keys=True, separators=(',', ':'), ensure_ascii=True, allow_nan=False).encode())
        except ValueError:
            ref['python'].append(None)
        try:
            ref['canonicaljson'].append(canonicaljson.encode_canonical_json(v))
        except ValueError:
            ref['canonicaljson'].append(None)
    outp = os.path.join(tmp, 'node.jsonl')
    subprocess.run(['node', '-e', NODE_JCS, inp, outp], check=True)
    with open(outp, 'rb') as f:
        ref['jcs'] = f.read().split(b'\n')[:-1]

    failures = 0
    for dialect in ('python', 'canonicaljson', 'jcs'):
        got = run_evv(a.evv, dialect, inp)
        want = ref[dialect]
        assert len(got) == len(want) == len(texts), (dialect, len(got), len(want))
        bad = 0
        for i, (g, w) in enumerate(zip(got, want)):
            if dialect == 'jcs' and any(abs(x) == float('inf') for x in _numbers(json.loads(texts[i]))):
                # JSON.parse turns a number beyond the double range into Infinity and
                # JSON.stringify prints it as null; evv refuses such a value instead.
                w = None
            if w is None:
                if not g.startswith(b'!error'):
                    bad += 1
                    if bad <= 5:
                        print('NOT REFUSED %s line %d: %r -> %r' % (dialect, i + 1, texts[i][:200], g[:200]))
                continue
            if g != w:
                bad += 1
                if bad <= 5:
                    print('MISMATCH %s line %d\n  input: %r\n  evv:   %r\n  ref:   %r' % (dialect, i + 1, texts[i][:300], g[:300], w[:300]))
        print('%-14s %d values, %d mismatches' % (dialect, len(texts), bad))
        failures += bad

    rej = os.path.join(tmp, 'reject.jsonl')
    with open(rej, 'w', encoding='utf-8') as f:
        for t in MUST_REJECT:
            f.write(t + '\n')
    for dialect in ('python', 'canonicaljson', 'jcs'):
        got = run_evv(a.evv, dialect, rej)
        accepted = [MUST_REJECT[i] for i, g in enumerate(got) if not g.startswith(b'!error')]
        print('%-14s %d must-reject inputs, %d accepted' % (dialect, len(MUST_REJECT), len(accepted)))
        for t in accepted:
            print('  wrongly accepted: %r' % t[:80])
        failures += len(accepted)

    print('canon-diff: %d passed, %d failed' % (3 * len(texts) + 3 * len(MUST_REJECT) - failures, failures))
    sys.exit(1 if failures else 0)


def _numbers(v):
    if isinstance(v, bool):
        return
    if isinstance(v, int):
        yield float(v) if abs(v) < 10**309 else float('inf')
    elif isinstance(v, float):
        yield v
    elif isinstance(v, list):
        for x in v:
            yield from _numbers(x)
    elif isinstance(v, dict):
        for x in v.values():
            yield from _numbers(x)


if __name__ == '__main__':
    main()
