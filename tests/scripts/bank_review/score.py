#!/usr/bin/env python3
"""score.py OUTDIR ANSWERS: lines 'Q1: B | ...'; prints hits and misses."""
import sys, json, re
key = json.load(open(sys.argv[1] + '/key.json'))
hits, miss, n = 0, [], 0
for l in open(sys.argv[2]):
    m = re.match(r'\s*(Q\d+)\s*:\s*([A-H](?:\s*,?\s*[A-H])*)\s*(\|.*)?$', l.strip())
    if not m: continue
    q, a = m.group(1), ''.join(sorted(re.findall('[A-H]', m.group(2))))
    n += 1
    if a == key[q]['key']: hits += 1
    else: miss.append(f"{q} {key[q]['id']}: answered {a}, key {key[q]['key']} {m.group(3) or ''}")
print(f'{hits}/{n} ({100*hits/max(n,1):.0f} %) match the key')
print('\n'.join(miss))
