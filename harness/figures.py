#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The published benchmark figures, generated from the run that measured them.

A benchmark run (harness/bench) writes its raw results to build/bench*/;
"harness/bench --publish" (or "harness/figures --publish DIR") copies them,
with the date, the commit and the command, to harness/published/bench-ARCH.json.
Every benchmark figure in README.md, Documentation/mm/iommu_quarantine.rst
and the cover letter is generated from those files, into marked regions:

  README.md         <!-- figures: NAME --> ... <!-- end figures -->
  the .rst page     .. figures: NAME
                    (generated text)
                    .. end figures
  cover letter      @MEASURED_COSTS@, filled in at export (harness/series)

  harness/figures --write    regenerate every region
  harness/figures --check    exit 1 if a region differs from what the
                             published results give (the static-checks
                             suite runs this)
"""

import argparse
import json
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402
import hqlib  # noqa: E402

PUBLISHED = bench.PUBLISHED
README = os.path.join(hqlib.ROOT, 'README.md')
RST = os.path.join(hqlib.ROOT, 'Documentation', 'mm', 'iommu_quarantine.rst')


def load(arch):
    path = os.path.join(PUBLISHED, 'bench-%s.json' % arch)
    with open(path) as f:
        pub = json.load(f)
    for key in ('meta', 'data'):
        if key not in pub:
            raise ValueError('%s: no "%s"' % (path, key))
    return pub


# === Numbers ==============================================================

def tput(data, mode, kind, pages, threads):
    rs = bench.group(data.get(mode, {}).get('results', []), kind, pages, threads)
    return statistics.mean(bench.throughput(r) for r in rs) if rs else None


def mean_ns(data, mode, kind, pages, threads):
    rs = bench.group(data.get(mode, {}).get('results', []), kind, pages, threads)
    return statistics.mean(r['mean_ns'] for r in rs) if rs else None


def unmap_us(data, mode, threads):
    rs = [u for u in data.get(mode, {}).get('upstream', []) if u.get('threads') == threads]
    return statistics.mean(u['unmap_us'] for u in rs) if rs else None


def cycle_label(kind, pages):
    if kind == 'page':
        return 'one page' if pages == 1 else 'one %d-page range' % pages
    return 'a %d-page scatterlist' % pages if pages > 1 else 'a 1-entry scatterlist'


def ratio(a, b):
    return a / b if a and b else None


def cycles(data, threads):
    """(kind, pages, {mode: cycles/s}, q/lazy) for each map/unmap/free config."""
    out = []
    for kind, pages, t in bench.configs(data, ['page', 'sg']):
        if t != threads:
            continue
        modes = {m: tput(data, m, kind, pages, t) for m in ('strict', 'lazy', 'lazy+quarantine')}
        out.append((kind, pages, modes, ratio(modes['lazy+quarantine'], modes['lazy'])))
    return out


def allocs(data, threads):
    """(order, {mode: ns per pair}) for the alloc + free loop."""
    out = []
    for kind, pages, t in bench.configs(data, ['alloc']):
        if t == threads:
            out.append((pages.bit_length() - 1,
                        {m: mean_ns(data, m, kind, pages, t) for m in bench.MODE_NAMES}))
    return out


def held(data):
    """(kind, pages, threads, peak held, settle ms) under lazy + quarantine."""
    out = []
    for kind, pages, threads in bench.configs(data, ['page', 'sg']):
        rs = bench.group(data.get('lazy+quarantine', {}).get('results', []), kind, pages,
                         threads)
        peaks = [r['held_peak'] for r in rs if r.get('held_peak') is not None]
        settles = [r['settle_ms'] for r in rs if r.get('settle_ms') is not None]
        out.append((kind, pages, threads, max(peaks) if peaks else None,
                    max(settles) if settles else None))
    return out


def fmt(value, spec='%.0f'):
    return spec % value if value is not None else '-'


def thousands(value):
    return '{:,.0f}'.format(value) if value is not None else '-'


def pct(value):
    if value is None:
        return '-'
    return '%+d%%' % round((value - 1) * 100) if round((value - 1) * 100) else '+0%'


def unit(meta):
    return 'instructions' if meta.get('icount') else 'ns'


# === Regions ==============================================================

def readme_summary(pubs):
    """One phrase for the README's status paragraph."""
    parts = []
    for arch, pub in pubs:
        one = [r for r in cycles(pub['data'], 1) if r[0] == 'page' and r[1] == 1]
        if one and one[0][3]:
            parts.append('%.2f on %s (%s)' % (
                one[0][3], arch, 'instructions' if pub['meta'].get('icount') else 'wall clock'))
    if not parts:
        return 'no figures published'
    return ("lazy + quarantine runs at %s of lazy mode's map, unmap, free throughput "
            "for one page" % ' and '.join(parts))


def readme_bench(pub):
    meta, data = pub['meta'], pub['data']
    icount = meta.get('icount', False)
    out = ['Measured %s at commit %s with `%s`%s. Generated by `harness/figures` from'
           % (meta['date'], meta['commit'], meta['command'],
              ' (guest clock `-icount shift=0`: times are guest instructions)' if icount
              else ' (wall clock)'),
           '`harness/published/bench-%s.json`; targets are issue #16\'s%s.' % (
               meta['arch'], '' if icount else ', judged only on instruction counts'), '']
    out.append('| map, unmap, free: cycles per second | threads | strict | lazy '
               '| lazy + quarantine | quarantine / lazy | target |')
    out.append('| --- | --- | --- | --- | --- | --- | --- |')
    for threads in (1, 2):
        for kind, pages, modes, r in cycles(data, threads):
            t = bench.target_of(kind, pages)
            out.append('| %s | %d | %s | %s | %s | %s | >= %.2f %s |' % (
                cycle_label(kind, pages), threads, thousands(modes['strict']),
                thousands(modes['lazy']), thousands(modes['lazy+quarantine']),
                fmt(r, '%.3f'), t, bench.verdict(r, t) if icount else '(wall clock)'))
    out.append('')
    out.append('| alloc + free, %s per pair | threads | compiled out | built in, idle '
               '| off at boot | active, untagged pages | target |' % (
                   'instructions' if icount else 'ns'))
    out.append('| --- | --- | --- | --- | --- | --- | --- |')
    for threads in (1, 2):
        for order, m in allocs(data, threads):
            base = m.get('compiled-out')
            active = ratio(m.get('lazy+quarantine'), base)
            out.append('| order %d | %d | %s | %s (%s) | %s (%s) | %s (%s) | <= +3%% %s |' % (
                order, threads, fmt(base), fmt(m.get('strict')), pct(ratio(m.get('strict'), base)),
                fmt(m.get('lazy')), pct(ratio(m.get('lazy'), base)),
                fmt(m.get('lazy+quarantine')), pct(active),
                bench.verdict(active, bench.TARGET_ALLOC, higher_is_better=False) if icount
                else '(wall clock)'))
    out.append('')
    ups = [(t, unmap_us(data, 'strict', t), unmap_us(data, 'lazy', t),
            unmap_us(data, 'lazy+quarantine', t)) for t in (1, 2)]
    out.append('Upstream `dma_map_benchmark`, unmap (us, 0.1 us resolution): ' + '; '.join(
        '%d thread%s strict %s, lazy %s, lazy + quarantine %s' % (
            t, 's' if t > 1 else '', fmt(s, '%.1f'), fmt(lz, '%.1f'), fmt(q, '%.1f'))
        for t, s, lz, q in ups) + '.')
    rows = held(data)
    if rows:
        out.append('Pages held under lazy + quarantine, peak (and ms until none was held '
                   'after the load): ' + '; '.join(
                       '%s x%d %dT %s (%s ms)' % (k, p, t, fmt(pk), fmt(st))
                       for k, p, t, pk, st in rows) + '.')
    # Where the extra time goes, one page on one thread.
    one = [r for r in cycles(data, 1) if r[0] == 'page' and r[1] == 1]
    a0 = [m for o, m in allocs(data, 1) if o == 0]
    # Only instruction counts add up: wall-clock figures of different
    # kernels and boots do not.
    if icount and one and one[0][2]['lazy'] and one[0][2]['lazy+quarantine'] and a0 \
            and ups[0][2] and ups[0][3]:
        extra = 1e9 / one[0][2]['lazy+quarantine'] - 1e9 / one[0][2]['lazy']
        lookup = a0[0]['lazy+quarantine'] - a0[0]['compiled-out']
        tag = (ups[0][3] - ups[0][2]) * 1000
        out.append('Per page (one page, one thread): %.0f %s more per cycle than lazy; of '
                   'them about %.0f tagging it at unmap (`dma_map_benchmark` unmap, to 100 '
                   'at its 0.1 us resolution), %.0f '
                   'looking its tag up at free (the alloc + free loop, active), and the '
                   'rest, about %.0f, holding and releasing it.' % (
                       extra, 'instructions' if icount else 'ns', tag, lookup,
                       extra - tag - lookup))
    return '\n'.join(out)


def rst_ratios(pubs):
    out = ['Lazy + quarantine over lazy, one thread (higher is better; 1.00 is free),',
           'and alloc + free of untagged pages while a lazy domain exists over a',
           'kernel without the option (lower is better):', '']
    head = ['cycle'] + [p['meta']['arch'] for _, p in pubs]
    rows = []
    labels = []
    for arch, pub in pubs:
        for kind, pages, modes, r in cycles(pub['data'], 1):
            label = 'map/unmap/free, ' + cycle_label(kind, pages)
            if label not in labels:
                labels.append(label)
    for label in labels:
        row = [label]
        for arch, pub in pubs:
            val = [r for k, p, m, r in cycles(pub['data'], 1)
                   if 'map/unmap/free, ' + cycle_label(k, p) == label]
            row.append(fmt(val[0], '%.2f') if val and val[0] else '-')
        rows.append(row)
    for order in (0, 3):
        row = ['alloc + free, order %d' % order]
        for arch, pub in pubs:
            m = [m for o, m in allocs(pub['data'], 1) if o == order]
            row.append(fmt(ratio(m[0]['lazy+quarantine'], m[0]['compiled-out']), '%.2f')
                       if m else '-')
        rows.append(row)
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    rule = '  '.join('=' * w for w in widths)
    out.append(rule)
    out.append('  '.join(h.ljust(w) for h, w in zip(head, widths)).rstrip())
    out.append(rule)
    for r in rows:
        out.append('  '.join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    out.append(rule)
    return '\n'.join(out)


def cover_text(pubs):
    """The cover letter's "Measured costs" section."""
    out = []
    for arch, pub in pubs:
        meta, data = pub['meta'], pub['data']
        icount = meta.get('icount', False)
        out.append('%s (QEMU TCG on an x86_64 host, %s; %s):' % (
            bench.ARCHES[arch][2], meta['date'],
            'guest clock counting instructions' if icount else 'wall clock'))
        out.append('')
        for kind, pages, modes, r in cycles(data, 1):
            out.append('  map, unmap, free %s: lazy + quarantine at %s of lazy, strict at %s'
                       % (cycle_label(kind, pages), fmt(r, '%.2f'),
                          fmt(ratio(modes['strict'], modes['lazy']), '%.2f')))
        for order, m in allocs(data, 1):
            out.append('  alloc + free of untagged pages, order %d, a lazy domain active: %s'
                       % (order, pct(ratio(m['lazy+quarantine'], m['compiled-out']))))
        out.append('')
    out.append('Only ratios measured in one run mean anything under TCG, and strict')
    out.append('mode looks cheap there: QEMU completes an invalidation at once.')
    return '\n'.join(out)


def published():
    pubs = []
    for arch in ('arm64', 'x86_64'):
        if os.path.exists(os.path.join(PUBLISHED, 'bench-%s.json' % arch)):
            pubs.append((arch, load(arch)))
    return pubs


def regions(pubs):
    """{(file, name): text} for every generated region."""
    by_arch = dict(pubs)
    out = {(README, 'summary'): readme_summary(pubs),
           (RST, 'ratios'): rst_ratios(pubs)}
    for arch in by_arch:
        out[(README, 'bench-' + arch)] = readme_bench(by_arch[arch])
    return out


# A region's body never contains the start of another: a lost end marker
# is an error, not a region that swallows the next one.
MD_RE = r'<!-- figures: %s -->((?:(?!<!-- figures:).)*?)<!-- end figures -->'
RST_RE = r'^\.\. figures: %s\n((?:(?!^\.\. figures:).)*?)^\.\. end figures$'
MARKERS = {README: r'<!-- figures: ([\w-]+) -->', RST: r'(?m)^\.\. figures: ([\w-]+)$'}


def splice(text, path, name, body):
    """Text with region NAME replaced by BODY; None if it has no such region."""
    if path.endswith('.rst'):
        m = re.search(RST_RE % re.escape(name), text, re.S | re.M)
        new = '.. figures: %s\n\n%s\n\n.. end figures' % (name, body)
    else:
        m = re.search(MD_RE % re.escape(name), text, re.S)
        # Inside a paragraph the region stays inline.
        inline = m and '\n' not in m.group(1) and m.start() > 0 and text[m.start() - 1] != '\n'
        new = '<!-- figures: %s -->%s<!-- end figures -->' % (
            name, body if inline else '\n' + body + '\n')
    if not m:
        return None
    return text[:m.start()] + new + text[m.end():]


def check_or_write(write):
    """Return the list of problems (empty: every region is as generated)."""
    problems = []
    pubs = published()
    if not pubs:
        return ['no published results in %s' % os.path.relpath(PUBLISHED, hqlib.ROOT)]
    texts = {}
    for (path, name), body in regions(pubs).items():
        if path not in texts:
            with open(path) as f:
                texts[path] = f.read()
        new = splice(texts[path], path, name, body)
        rel = os.path.relpath(path, hqlib.ROOT)
        if new is None:
            problems.append('%s has no region "%s"' % (rel, name))
        elif new != texts[path]:
            if write:
                texts[path] = new
            else:
                problems.append('%s: region "%s" differs from the published results '
                                '(harness/figures --write)' % (rel, name))
    # Every region in the files is one this script generates: a region of an
    # architecture without published results would go stale unseen.
    generated = regions(pubs)
    for path, pattern in MARKERS.items():
        with open(path) as f:
            for name in re.findall(pattern, f.read()):
                if (path, name) not in generated:
                    problems.append('%s: region "%s" has no published results to come from'
                                    % (os.path.relpath(path, hqlib.ROOT), name))
    if write and not problems:
        for path, text in texts.items():
            with open(path, 'w') as f:
                f.write(text)
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument('--write', action='store_true', help='regenerate every region')
    group.add_argument('--check', action='store_true',
                       help='fail if a region differs from the published results')
    group.add_argument('--cover', action='store_true',
                       help="print the cover letter's measured costs")
    group.add_argument('--publish', metavar='DIR',
                       help="publish DIR's results.json (a harness/bench output directory)")
    parser.add_argument('--arch', choices=sorted(bench.ARCHES), default='arm64',
                        help='with --publish: the run\'s guest (default arm64)')
    parser.add_argument('--command', default=None,
                        help='with --publish: the command that made the run')
    args = parser.parse_args()
    if args.publish:
        if not os.path.exists(os.path.join(args.publish, 'results.json')):
            parser.error('%s has no results.json' % args.publish)
        if not args.command:
            parser.error('--publish needs --command: the command that made the run')
        print(bench.publish(args.arch, args.publish, args.command,
                            icount=args.arch == 'arm64' and '--wall-clock' not in args.command))
        return
    if args.cover:
        print(cover_text(published()))
        return
    problems = check_or_write(args.write)
    for p in problems:
        print('figures: ' + p, file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == '__main__':
    main()
