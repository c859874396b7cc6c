#!/usr/bin/env python3
"""Regenerate question-bank/COVERAGE.md.
Items: /work/review/items.tsv (code<TAB>desc), extracted from COVERAGE.md if missing.
Mappings: /work/review/coverage/<task>.tsv (id<TAB>codes, codes space/comma separated);
tasks without tsv keep the mapping in the current COVERAGE.md."""
import re, os, sys, glob, collections
from pathlib import Path
REPO = Path(__file__).resolve().parents[3]
BANK = str(REPO / 'question-bank')
COV = BANK + '/COVERAGE.md'
REV = os.environ.get('MOCKEXAM_REVIEW_DIR', '/tmp/mockexam-review')
text = open(COV).read()
items = collections.OrderedDict()
existing = collections.defaultdict(set)  # id -> codes
for m in re.finditer(r'^- \*\*(\d\.\d\.[a-z])\*\* (.*?) — \d+: (.*)$', text, re.M):
    items[m.group(1)] = m.group(2)
    for i in re.findall(r'`([^`]+)`', m.group(3)):
        existing[i].add(m.group(1))
for m in re.finditer(r'^\*Not yet mapped\.\* Items: (.*)$', text, re.M):
    parts = re.split(r'(?:^|; )(\d\.\d\.[a-z]) ', m.group(1))
    for k in range(1, len(parts), 2):
        items[parts[k]] = parts[k + 1]
os.makedirs(REV, exist_ok=True)
ipath = REV + '/items.tsv'
if os.path.exists(ipath):
    items = collections.OrderedDict(l.rstrip('\n').split('\t', 1) for l in open(ipath) if l.strip())
else:
    with open(ipath, 'w') as f:
        for k, v in items.items():
            f.write(f'{k}\t{v}\n')
# questions per task
qs = collections.defaultdict(list)
for p in glob.glob(BANK + '/*/questions/*/*.md'):
    src = open(p).read()
    qid = re.search(r'^id = "([^"]+)"', src, re.M).group(1)
    task = re.search(r'^task = "([^"]+)"', src, re.M).group(1)
    if re.search(r'^status = "(retired|draft)"', src, re.M):
        continue
    qs[task].append(qid)
tasks = sorted(qs)
titles = dict(re.findall(r'^## (\d\.\d) (.*?) \(\d+ questions\)$', text, re.M))
out = [text.split('\n## ')[0].rstrip() + '\n']
problems = []
for t in tasks:
    tsv = f'{REV}/coverage/{t}.tsv'
    mapping = collections.defaultdict(set)
    if os.path.exists(tsv):
        for l in open(tsv):
            if not l.strip() or l.startswith('#'):
                continue
            qid, codes = l.rstrip('\n').split('\t')[:2]
            for c in re.split(r'[ ,;]+', codes.strip()):
                if c:
                    mapping[qid].add(c)
        mapped = True
    else:
        for q in qs[t]:
            if q in existing:
                mapping[q] = existing[q]
        mapped = bool(mapping)
    out.append(f'## {t} {titles.get(t, "")} ({len(qs[t])} questions)\n')
    codes = [c for c in items if c.startswith(t + '.')]
    if not mapped:
        out.append('*Not yet mapped.* Items: ' + '; '.join(f'{c} {items[c]}' for c in codes) + '\n')
        problems.append(f'{t}: not mapped')
        continue
    for q in qs[t]:
        if q not in mapping:
            problems.append(f'{t}: {q} maps to no item')
    for q in mapping:
        if q not in qs[t]:
            problems.append(f'{t}: {q} in mapping but not a live question of the task')
        for c in mapping[q]:
            if c not in items:
                problems.append(f'{t}: {q} unknown code {c}')
    for c in codes:
        ids = sorted(q for q in mapping if c in mapping[q] and q in qs[t])
        if not ids:
            problems.append(f'{c}: no question')
        out.append(f'- **{c}** {items[c]} — {len(ids)}: ' + ', '.join(f'`{i}`' for i in ids))
    out.append('')
open(COV, 'w').write('\n'.join(out).rstrip() + '\n')
print('\n'.join(problems) or 'coverage complete')
