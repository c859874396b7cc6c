#!/usr/bin/env python3
"""mkcheck.py SEED N OUTDIR [--base COMMIT] [--only-task T]: sample N questions added since BASE
(default de0139d); write options.md (options only), blind.md (stems+options, no keys), key.json."""
import sys, re, glob, json, random, subprocess, os
from pathlib import Path
REPO = Path(__file__).resolve().parents[3]
seed, n, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
base = 'de0139d'
if '--base' in sys.argv: base = sys.argv[sys.argv.index('--base') + 1]
BANK = str(REPO / 'question-bank')
old = subprocess.run(['git', '-C', str(REPO), 'grep', '-h', '^id = ', base, '--', 'question-bank'],
                     capture_output=True, text=True).stdout
old_ids = set(re.findall(r'id = "([^"]+)"', old))
def parse(p):
    src = open(p).read()
    hdr, body = src.split('+++', 2)[1:]
    qid = re.search(r'^id = "([^"]+)"', hdr, re.M).group(1)
    lines = body.strip('\n').split('\n')
    stem, opts, i = [], [], 0
    while i < len(lines) and not re.match(r'- \[[ x]\] ', lines[i]):
        stem.append(lines[i]); i += 1
    while i < len(lines) and not lines[i].startswith('## Explanation'):
        l = lines[i]
        m = re.match(r'- \[([ x])\] (.*)', l)
        if m:
            opts.append([m.group(1) == 'x', m.group(2)])
        elif l.startswith('  ') and not l.strip().startswith('>') and opts:
            opts[-1][1] += ' ' + l.strip()
        i += 1
    return qid, '\n'.join(stem).strip(), opts
qs = [parse(p) for p in sorted(glob.glob(BANK + '/*/questions/*/*.md'))]
new = [q for q in qs if q[0] not in old_ids]
random.Random(seed).shuffle(new)
sample = new[:n]
os.makedirs(out, exist_ok=True)
L = 'ABCDEFGH'
key, o, b = {}, ['# Options only\n'], ['# Blind check\n']
for k, (qid, stem, opts) in enumerate(sample, 1):
    key[f'Q{k}'] = {'id': qid, 'key': ''.join(L[j] for j, (c, _) in enumerate(opts) if c)}
    picks = sum(c for c, _ in opts)
    ol = '\n'.join(f'{L[j]}. {t}' for j, (_, t) in enumerate(opts))
    note = f' (choose {picks})' if picks > 1 else ''
    o.append(f'## Q{k}{note}\n{ol}\n')
    b.append(f'## Q{k}\n{stem}\n\n{ol}\n')
open(f'{out}/options.md', 'w').write('\n'.join(o))
open(f'{out}/blind.md', 'w').write('\n'.join(b))
json.dump(key, open(f'{out}/key.json', 'w'), indent=1)
print(f'{len(new)} new questions, sampled {len(sample)}')
