#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Measure what the IOMMU page quarantine costs, mode by mode.

Boots the bench kernel (no debug options) once per mode and runs the guest
test "bench" in each: lib/test_iommu_quarantine.c's map/unmap/free cycle and
alloc/free loop, then upstream's dma_map_benchmark. Prints one table per
benchmark with the ratios, and writes the raw numbers (results.json,
results.csv, samples.csv) and two plots into the output directory.

With --arch x86_64 the guest is q35 with VT-d instead of arm64 virt with
an SMMUv3 (kernels x86-bench and x86-bench-off, output in build/bench-x86_64),
measured in wall-clock time: under -icount the x86 guest hangs at SMP
bring-up.

Modes: compiled-out (quarantine compiled out, lazy), strict
(iommu.strict=1: the quarantine is built in but idle), lazy
(iommu_quarantine=0: built in, off at boot), lazy+quarantine.

Times under QEMU TCG are not hardware times: only ratios between modes of
the same run mean anything. By default the guest runs with -icount shift=0:
its clock advances one nanosecond per instruction executed, so a time is an
instruction count, the same whatever else the host is doing (on a shared
host, wall-clock ratios swing by tens of percent). Caches, TLBs and lock
contention cost nothing in that model; --wall-clock measures real time.
Each mode is booted --boots times, alternating modes, since a boot's
timing of timers and workers can change its results.
"""

import argparse
import csv
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hqlib  # noqa: E402

MODES = [
    # name, kernel, command line, what
    ('compiled-out', 'bench-off', 'iommu.strict=0', 'lazy, quarantine compiled out'),
    ('strict', 'bench', 'iommu.strict=1', 'strict; quarantine built in, idle'),
    ('lazy', 'bench', 'iommu.strict=0 iommu_quarantine=0', 'lazy; built in, off at boot'),
    ('lazy+quarantine', 'bench', 'iommu.strict=0 iommu_quarantine=1', 'lazy + quarantine'),
]
MODE_NAMES = [m[0] for m in MODES]
NOTE = ('Times are from QEMU TCG (%s emulated on x86_64), not hardware: '
        'compare the ratios between modes, measured in the same run.')
# The guests: arm64 virt with an SMMUv3 (the default), x86_64 q35 with VT-d.
ARCHES = {'arm64': ('bench', 'bench-off', 'arm64 virt, SMMUv3'),
          'x86_64': ('x86-bench', 'x86-bench-off', 'x86_64 q35, VT-d')}
PUBLISHED = os.path.join(hqlib.HARNESS, 'published')
NOTE_ICOUNT = ('Guest clock: -icount shift=0, one ns per guest instruction executed '
               '(on either vCPU): "ns" are instructions.')


def parse_line(line):
    """'result k=v k=v' -> dict, numbers as int or float, '-' as None."""
    fields = {}
    for word in line.split()[1:]:
        if '=' not in word:
            continue
        key, value = word.split('=', 1)
        if value == '-':
            fields[key] = None
            continue
        try:
            fields[key] = int(value)
        except ValueError:
            try:
                fields[key] = float(value)
            except ValueError:
                fields[key] = value
    return fields


def parse_boot(lines):
    """The 'bench ...' lines of one boot -> {'info', 'results', 'samples', 'upstream'}."""
    out = {'info': {}, 'results': [], 'samples': [], 'upstream': []}
    for line in lines:
        if not line.startswith('bench '):
            continue
        line = line[len('bench '):]
        kind = line.split(' ', 1)[0]
        if kind.startswith('mode='):
            out['info'] = parse_line('x ' + line)
        elif kind == 'result':
            out['results'].append(parse_line(line))
        elif kind == 'sample':
            out['samples'].append(parse_line(line))
        elif kind == 'upstream':
            out['upstream'].append(parse_line(line))
    return out


def throughput(r):
    """Cycles per second over all threads."""
    return r['cycles'] * 1e9 / r['elapsed_ns'] if r.get('elapsed_ns') else 0.0


def group(results, kind, pages, threads):
    """One configuration's runs. A boot's sampled run of a configuration it
    also ran unsampled (bench.sh's "-s" run, lazy + quarantine only)
    repeats its boot and rep: only the first of each counts."""
    seen, out = set(), []
    for r in results:
        if r['kind'] != kind or r['pages'] != pages or r['threads'] != threads:
            continue
        key = (r.get('boot'), r.get('rep'))
        if key[0] is not None and key in seen:
            continue
        seen.add(key)
        out.append(r)
    return out


def spread(values):
    """(mean, half the max-min range as a fraction of the mean)."""
    if not values:
        return None, None
    mean = statistics.mean(values)
    return mean, ((max(values) - min(values)) / 2 / mean if mean else 0.0)


def fmt_ratio(a, b):
    return '%.3f' % (a / b) if a and b else '-'


# Issue #16's targets: lazy + quarantine over lazy for the map, unmap, free
# cycle (a scatterlist of several pages has its own), and alloc + free of
# untagged pages while a lazy domain exists over the option compiled out.
TARGET_PAGE = 0.95
TARGET_SG = 0.90
TARGET_ALLOC = 1.03


def target_of(kind, pages):
    return TARGET_SG if kind == 'sg' and pages > 1 else TARGET_PAGE


def verdict(value, target, higher_is_better=True):
    if value is None:
        return '-'
    return 'PASS' if (value >= target if higher_is_better else value <= target) else 'FAIL'


def configs(data, kinds):
    seen = []
    for mode in data.values():
        for r in mode['results']:
            key = (r['kind'], r['pages'], r['threads'])
            if r['kind'] in kinds and key not in seen:
                seen.append(key)
    return sorted(seen, key=lambda k: (kinds.index(k[0]), k[2], k[1]))


def header(first, first_width, columns, width, ratios, ratio_width):
    """A table's heading line: a first column, one per mode, the ratios."""
    line = '   %-*s' % (first_width, first)
    line += ''.join(' %*s' % (width, c) for c in columns)
    return line + ''.join(' %*s' % (ratio_width, r) for r in ratios)


def table_cycle(data, out):
    """Benchmark 1: the map/unmap/free cycle by mode, throughput ratios."""
    modes = [m for m in ('strict', 'lazy', 'lazy+quarantine') if m in data]
    out.append('1. Map, unmap, free cycle: throughput (cycles/s, all threads; +-: half the')
    out.append('   spread over runs) and mean cycle time; ratios against lazy')
    out.append(header('cycle', 14, modes, 21, ('q/lazy', 'strict/lazy'), 9))
    rows = []
    for kind, pages, threads in configs(data, ['page', 'sg']):
        label = '%s x%d, %dT' % (kind, pages, threads)
        line = '   %-14s' % label
        tput = {}
        for m in modes:
            rs = group(data[m]['results'], kind, pages, threads)
            mean, sp = spread([throughput(r) for r in rs])
            tput[m] = mean
            mean_ns = statistics.mean(r['mean_ns'] for r in rs) if rs else None
            line += ' %21s' % ('%.0f+-%.0f%% %5.1fus' % (mean, sp * 100, mean_ns / 1000)
                               if mean else '-')
        line += ' %9s %9s' % (fmt_ratio(tput.get('lazy+quarantine'), tput.get('lazy')),
                              fmt_ratio(tput.get('strict'), tput.get('lazy')))
        out.append(line)
        rows.append({'cycle': label, 'throughput': tput})
    return rows


def table_quarantine(data, out):
    """What the quarantine held during benchmark 1."""
    if 'lazy+quarantine' not in data:
        return
    out.append('')
    out.append('   The quarantine during benchmark 1 (lazy+quarantine): invalidations')
    out.append('   started per second, pages held (peak, at the end), time until nothing')
    out.append('   was held after the load stopped, mean hold per page')
    out.append('   %-14s %10s %10s %9s %10s %10s' % ('cycle', 'flushes/s', 'peak held',
                                                  'held end', 'settle ms', 'hold ms'))
    for kind, pages, threads in configs(data, ['page', 'sg']):
        rs = group(data['lazy+quarantine']['results'], kind, pages, threads)
        if not rs:
            continue
        flushes = [r['flushes'] * 1e9 / r['elapsed_ns'] for r in rs
                   if r.get('flushes') is not None and r.get('elapsed_ns')]

        def worst(key):
            values = [r[key] for r in rs if r.get(key) is not None]
            return str(max(values)) if values else '-'
        hold = [r['hold_ms_mean'] for r in rs if r.get('hold_ms_mean') is not None]
        out.append('   %-14s %10s %10s %9s %10s %10s' % (
            '%s x%d, %dT' % (kind, pages, threads),
            '%.0f' % statistics.mean(flushes) if flushes else '-',
            worst('held_peak'), worst('held_end'), worst('settle_ms'),
            '%.1f' % statistics.mean(hold) if hold else '-'))


def table_upstream(data, out):
    """Benchmark 2: upstream dma_map_benchmark."""
    modes = [m for m in ('strict', 'lazy', 'lazy+quarantine') if m in data]
    out.append('')
    out.append('2. Upstream dma_map_benchmark (map/unmap of one page, microseconds,')
    out.append('   0.1 us resolution); ratios against lazy')
    out.append(header('threads', 10, modes, 22, ('unmap q/lazy', 'strict/lazy'), 13))
    for threads in (1, 2):
        line = '   %-10s' % threads
        unmap = {}
        for m in modes:
            rs = [u for u in data[m]['upstream'] if u.get('threads') == threads]
            if rs:
                mp = statistics.mean(u['map_us'] for u in rs)
                unmap[m] = statistics.mean(u['unmap_us'] for u in rs)
                line += ' %22s' % ('map %.1f unmap %.1f' % (mp, unmap[m]))
            else:
                line += ' %22s' % '-'
        line += ' %13s %13s' % (fmt_ratio(unmap.get('lazy+quarantine'), unmap.get('lazy')),
                                fmt_ratio(unmap.get('strict'), unmap.get('lazy')))
        out.append(line)


def table_free_path(data, out):
    """Benchmark 3: alloc/free, the page allocator's free path."""
    modes = [m for m in ('compiled-out', 'strict', 'lazy', 'lazy+quarantine') if m in data]
    labels = {'compiled-out': 'compiled out', 'strict': 'idle (strict)',
              'lazy': 'off at boot', 'lazy+quarantine': 'active'}
    out.append('')
    out.append('3. Page allocator alloc+free (mean ns per cycle +- half the spread over')
    out.append('   runs); ratios against compiled out')
    out.append(header('cycle', 14, [labels[m] for m in modes], 16,
                      [labels[m].split(' ')[0] for m in modes[1:]], 13))
    for kind, pages, threads in configs(data, ['alloc']):
        label = 'order %d, %dT' % (pages.bit_length() - 1, threads)
        line = '   %-14s' % label
        means = {}
        for m in modes:
            rs = group(data[m]['results'], kind, pages, threads)
            mean, sp = spread([r['mean_ns'] for r in rs])
            means[m] = mean
            line += ' %16s' % ('%.0f+-%.1f%%' % (mean, sp * 100) if mean else '-')
        for m in modes[1:]:
            line += ' %13s' % fmt_ratio(means.get(m), means.get('compiled-out'))
        out.append(line)
    idle = data.get('strict', {}).get('info', {})
    if idle.get('quarantine_domains') == 0:
        out.append('   idle: no quarantine domain in the strict boot, the static key is off;')
        out.append('   active: a lazy domain holds the key on, the freed pages are untagged')
    elif idle:
        out.append('   NOT IDLE: %s quarantine domain(s) in the strict boot'
                   % idle.get('quarantine_domains'))


def mode_mean(data, mode, kind, pages, threads, value):
    """Mean of value(result) over one configuration's runs in one mode, or None."""
    rs = group(data.get(mode, {}).get('results', []), kind, pages, threads)
    return statistics.mean(value(r) for r in rs) if rs else None


def table_targets(data, out):
    """Issue #16's targets, measured value and verdict beside each."""
    out.append('')
    out.append('5. Targets (lazy + quarantine over lazy; alloc + free active over compiled out)')
    rows = []
    for kind, pages, threads in configs(data, ['page', 'sg']):
        q = mode_mean(data, 'lazy+quarantine', kind, pages, threads, throughput)
        lz = mode_mean(data, 'lazy', kind, pages, threads, throughput)
        rows.append(('%s x%d, %dT' % (kind, pages, threads), q / lz if q and lz else None,
                     target_of(kind, pages), True))
    for kind, pages, threads in configs(data, ['alloc']):
        a = mode_mean(data, 'lazy+quarantine', kind, pages, threads, lambda r: r['mean_ns'])
        c = mode_mean(data, 'compiled-out', kind, pages, threads, lambda r: r['mean_ns'])
        rows.append(('alloc o%d, %dT' % (pages.bit_length() - 1, threads),
                     a / c if a and c else None, TARGET_ALLOC, False))
    for label, value, target, higher in rows:
        out.append('   %-14s %7s  %s %.2f  %s' % (
            label, '%.3f' % value if value else '-', '>=' if higher else '<=', target,
            verdict(value, target, higher)))


def table_memory(data, out, page_ext):
    out.append('')
    out.append('4. Memory: page_ext per page: %s' % (page_ext or '-'))
    q = data.get('lazy+quarantine')
    if q and q['samples']:
        load = [s['held'] for s in q['samples'] if s.get('load')]
        after = [s for s in q['samples'] if not s.get('load')]
        out.append('   held pages sampled during "page x16, 2T": mean %.0f, peak %d; '
                   '%d sample(s) after the load, last %s' % (
                       statistics.mean(load) if load else 0, max(load) if load else 0,
                       len(after), after[-1]['held'] if after else '-'))


def report(data, page_ext=None, icount=False, arch='arm64'):
    out = [NOTE % ARCHES[arch][2]] + ([NOTE_ICOUNT] if icount else []) + ['']
    table_cycle(data, out)
    table_quarantine(data, out)
    table_upstream(data, out)
    table_free_path(data, out)
    table_memory(data, out, page_ext)
    if icount:
        table_targets(data, out)
    else:
        out.append('')
        out.append('5. Targets: judged on instruction counts only (-icount), not wall clock')
    return '\n'.join(out)


def write_files(data, outdir):
    """results.json, results.csv, samples.csv and, with gnuplot, two plots."""
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, 'results.json'), 'w') as f:
        json.dump(data, f, indent=1, sort_keys=True)
    keys = ['mode', 'boot', 'kind', 'pages', 'threads', 'rep', 'cycles', 'mean_ns', 'stddev_ns',
            'min_ns', 'max_ns', 'elapsed_ns', 'flushes', 'held_peak', 'held_end',
            'settle_ms', 'released', 'hold_ms_mean', 'hold_ms_max_boot']
    with open(os.path.join(outdir, 'results.csv'), 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(keys + ['cycles_per_s'])
        for mode, d in data.items():
            for r in d['results']:
                w.writerow([mode] + [r.get(k) for k in keys[1:]] + ['%.1f' % throughput(r)])
    with open(os.path.join(outdir, 'samples.csv'), 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['mode', 'run', 't_ms', 'held_pages', 'under_load'])
        for mode, d in data.items():
            for run, samples in enumerate(sample_runs(d['samples'])):
                for s in samples:
                    w.writerow([mode, run + 1, s['t_ms'], s['held'], s['load']])
    return plot(data, outdir)


def sample_runs(samples):
    """The samples split into runs: each run's clock starts at 0 again."""
    runs = []
    for s in samples:
        key = s.get('rep')
        if not runs or (key is not None and key != runs[-1][0]) or \
                (key is None and s['t_ms'] < runs[-1][1][-1]['t_ms']):
            runs.append((key, []))
        runs[-1][1].append(s)
    return [r[1] for r in runs]


def plot(data, outdir):
    """Throughput by mode and held pages over time, as PNG; [] without gnuplot."""
    if not shutil.which('gnuplot'):
        return []
    modes = [m for m in ('strict', 'lazy', 'lazy+quarantine') if m in data]
    rows = configs(data, ['page', 'sg'])
    dat = os.path.join(outdir, 'throughput.dat')
    with open(dat, 'w') as f:
        f.write('cycle ' + ' '.join('"%s"' % m for m in modes) + '\n')
        for kind, pages, threads in rows:
            vals = []
            for m in modes:
                rs = group(data[m]['results'], kind, pages, threads)
                vals.append('%.1f' % statistics.mean(throughput(r) for r in rs) if rs else '0')
            f.write('"%s x%d %dT" %s\n' % (kind, pages, threads, ' '.join(vals)))
    # One gnuplot data block per run (blocks are separated by two blank
    # lines), so that no line joins one run's end to the next one's start.
    held = os.path.join(outdir, 'held.dat')
    titles, ends = [], []
    with open(held, 'w') as f:
        for run in sample_runs(data.get('lazy+quarantine', {}).get('samples', [])):
            if titles:
                f.write('\n\n')
            for s in run:
                f.write('%d %d %d\n' % (s['t_ms'], s['held'], s['load']))
            ends.append(max([s['t_ms'] for s in run if s['load']] or [0]))
            titles.append('run %d: the load stops at about %d ms (dashed line)' % (len(titles) + 1,
                                                                           ends[-1]))
    script = '''set terminal pngcairo size 900,500 noenhanced
set output "{out}/throughput.png"
set title "Map, unmap, free cycles per second by IOMMU mode (QEMU TCG: compare ratios)"
set style data histograms
set style histogram cluster gap 1
set style fill solid border -1
set ylabel "cycles/s"
set key top right
set xtics rotate by -30
plot for [i=2:{ncol}] "{dat}" using i:xtic(1) title columnhead(i)
set terminal pngcairo size 900,{height} noenhanced
set output "{out}/held.png"
set multiplot layout {nruns},1 title "Pages held by the quarantine, page x16 on 2 threads, lazy+quarantine: one panel per run"
set xlabel "ms since the run started"
set ylabel "pages held"
set xtics norotate
set yrange [0:*]
unset key
array titles[{nruns}] = [{titles}]
array ends[{nruns}] = [{ends}]
do for [i=0:{nruns}-1] {{
  set title titles[i+1]
  set arrow 1 from ends[i+1], graph 0 to ends[i+1], graph 1 nohead dt 2
  plot "{held}" index i using 1:2 with lines lw 1.5
}}
unset multiplot
'''.format(out=outdir, dat=dat, held=held, ncol=len(modes) + 1, nruns=max(len(titles), 1),
           height=60 + 220 * max(len(titles), 1),
           titles=', '.join('"%s"' % t for t in titles) or '""',
           ends=', '.join(str(e) for e in ends) or '0')
    if not os.path.getsize(held):
        script = script.split('set output "{}/held.png"'.format(outdir))[0]
    proc = subprocess.run(['gnuplot'], input=script, text=True, capture_output=True)
    if proc.returncode:
        raise RuntimeError('gnuplot failed: ' + proc.stderr.strip()[-500:])
    return [p for p in ('throughput.png', 'held.png')
            if os.path.exists(os.path.join(outdir, p))]


def head_commit():
    """The commit checked out, and whether tracked files differ from it."""
    head = subprocess.run(['git', '-C', hqlib.ROOT, 'rev-parse', '--short', 'HEAD'],
                          capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(['git', '-C', hqlib.ROOT, 'status', '--porcelain',
                            '--untracked-files=no'], capture_output=True, text=True).stdout.strip()
    return head + (' with local changes' if dirty else '')


def publish(arch, outdir, command, icount, commit=None):
    """Copy a run's results.json to harness/published/, with where it came from:
    harness/figures makes the published tables from it."""
    with open(os.path.join(outdir, 'results.json')) as f:
        data = json.load(f)
    page_ext = None
    report = os.path.join(outdir, 'report.txt')
    if os.path.exists(report):
        with open(report) as f:
            m = re.search(r'page_ext per page: (.*)', f.read())
            page_ext = m.group(1).strip() if m else None
    stamp = datetime.datetime.fromtimestamp(
        os.path.getmtime(os.path.join(outdir, 'results.json')), datetime.timezone.utc)
    pub = {'meta': {'arch': arch, 'date': stamp.strftime('%Y-%m-%d'),
                    'icount': icount,
                    'commit': commit or head_commit(),
                    'command': command, 'page_ext': page_ext},
           'data': data}
    os.makedirs(PUBLISHED, exist_ok=True)
    path = os.path.join(PUBLISHED, 'bench-%s.json' % arch)
    with open(path, 'w') as f:
        json.dump(pub, f, indent=1, sort_keys=True)
        f.write('\n')
    return path


def parse_profile(lines):
    """The "profile ..." lines of one boot -> {config: {'cycles', 'cpus': {cpu: {name: [hit, us]}}}}."""
    out = {}
    for line in lines:
        if line.startswith('profile result '):
            f = parse_line('x ' + line[len('profile result '):])
            out.setdefault(f['config'], {'cpus': {}})['cycles'] = f.get('cycles')
        elif line.startswith('profile func '):
            f = parse_line('x ' + line[len('profile func '):])
            cpus = out.setdefault(f['config'], {'cpus': {}})['cpus']
            cpus.setdefault(str(f['cpu']), {})[str(f['name'])] = [f.get('hit') or 0,
                                                                 f.get('time_us') or 0.0]
    return out


def bench_cpu(config):
    """The functions of the CPU that ran the benchmark's thread (the most unmaps)."""
    cpus = config.get('cpus', {})
    if not cpus:
        return {}
    return max(cpus.values(), key=lambda funcs: funcs.get('__iommu_dma_unmap', [0])[0])


def table_profile(prof, out, icount, top=20):
    """Where lazy + quarantine spends more than lazy, per map/unmap/free cycle."""
    unit = 'instructions' if icount else 'ns'
    out.append('')
    out.append('6. Where the extra %s go: ftrace\'s function profiler (self time, without' % unit)
    out.append('   time scheduled out) on the CPU that ran the benchmark, one run of each')
    out.append('   configuration on one thread, lazy + quarantine against lazy, per map,')
    out.append('   unmap, free cycle. Calls are exact; times include the profiler\'s own cost')
    out.append('   per call, so read them as relative. Not seen: work on the other CPU (the')
    out.append('   release worker, timers), and lazy + quarantine alone runs the benchmark\'s')
    out.append('   sampler thread (it reads debugfs every 20 ms).')
    lazy, q = prof.get('lazy', {}), prof.get('lazy+quarantine', {})
    for config in sorted(set(lazy) & set(q)):
        lc, qc = lazy[config].get('cycles'), q[config].get('cycles')
        lf, qf = bench_cpu(lazy[config]), bench_cpu(q[config])
        if not lc or not qc or not lf or not qf:
            continue
        rows = []
        for name in set(lf) | set(qf):
            lh, lt = lf.get(name, [0, 0.0])
            qh, qt = qf.get(name, [0, 0.0])
            rows.append((qt * 1000 / qc - lt * 1000 / lc, qh / qc, lh / lc, name))
        rows.sort(reverse=True)
        total = sum(r[0] for r in rows)
        out.append('   %s: %d cycles (lazy), %d (lazy + quarantine); profiled self time'
                   % (config, lc, qc))
        out.append('   %+.0f %s per cycle in all' % (total, unit))
        out.append('     %-36s %12s %14s %14s' % ('function', 'extra/cycle', 'calls/cycle q',
                                                 'calls/cycle lazy'))
        for extra, qcalls, lcalls, name in rows[:top]:
            out.append('     %-36s %12.0f %14.2f %14.2f' % (name[:36], extra, qcalls, lcalls))


def boot_lines(boot, test):
    """The lines of one guest test of a boot, and whether the boot failed
    (said on stdout): the test did not end well, a TAP case failed, or the
    kernel complained."""
    rc, lines = boot.sections().get(test, (None, []))
    bad = [l for l in lines if l.startswith('not ok')] + boot.kernel_bugs()
    failed = rc != 0 or bool(bad) or boot.ended != 'done'
    if failed:
        print('   FAIL: %s' % (boot.reason or boot.ended), '\n      '.join(bad[:10]),
              '(%s)' % boot.out_path)
    return lines, failed


def run_profile(args, extra):
    """Boot the profiling kernel in lazy and lazy + quarantine; profile each."""
    k = hqlib.Kernel(ARCHES[args.arch][0] + '-profile', 'bench', ['profiler.config'],
                     arch=args.arch, what="bench kernel with ftrace's function profiler")
    if not args.no_build:
        print('== building the %s kernel (%s)' % (k.name, k.what), flush=True)
        ok, tail, log = hqlib.build_kernel(k)
        if not ok:
            print(tail, file=sys.stderr)
            sys.exit('error: the %s kernel did not build (log: %s)' % (k.name, log))
    prof, failed = {}, False
    for mode, append in (('lazy', 'iommu.strict=0 iommu_quarantine=0'),
                         ('lazy+quarantine', 'iommu.strict=0 iommu_quarantine=1')):
        print('== profile: %s (%s)' % (mode, append), flush=True)
        boot = hqlib.boot(k.name, '%s-%s' % (k.name, mode.replace('+', '-')), run=['profile'],
                          extra_qemu=extra, append='%s kunit.enable=0 hq.bench_ms=%d'
                          % (append, args.ms), timeout=600 + args.ms * 200 // 1000)
        lines, boot_failed = boot_lines(boot, 'profile')
        failed |= boot_failed
        prof[mode] = parse_profile(lines)
        print('   %d configurations in %.0fs' % (len(prof[mode]), boot.seconds), flush=True)
    return prof, failed


def page_ext_line(console):
    for line in console.splitlines():
        if 'iommu_quarantine: enabled:' in line:
            part = line.split('enabled:', 1)[1]
            return part.split(',')[0].strip()
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--ms', type=int, default=500,
                        help='milliseconds (guest clock) per run (default 500)')
    parser.add_argument('--reps', type=int, default=3, help='runs per configuration (default 3)')
    parser.add_argument('--boots', type=int, default=2,
                        help='boots per mode, alternating modes (default 2)')
    parser.add_argument('--wall-clock', action='store_true',
                        help='real time instead of -icount (noisy on a busy host)')
    parser.add_argument('--smoke', action='store_true',
                        help='a few seconds per mode: --ms 200 --reps 1 --boots 1')
    parser.add_argument('--no-build', action='store_true',
                        help='use the bench kernels already built')
    parser.add_argument('--arch', choices=sorted(ARCHES), default='arm64',
                        help='the guest: arm64 (virt, SMMUv3; default) or x86_64 (q35, VT-d)')
    parser.add_argument('--no-profile', action='store_true',
                        help='skip the function profile (a third kernel, two boots)')
    parser.add_argument('--publish', action='store_true',
                        help='if every boot passed, copy the results to harness/published/ '
                        '(harness/figures --write then regenerates the published tables)')
    parser.add_argument('--out', help='output directory (default build/bench, '
                        'build/bench-x86_64 for x86_64)')
    args = parser.parse_args()
    if args.smoke and args.publish:
        parser.error('--smoke runs are not published')
    if args.smoke:
        args.ms, args.reps, args.boots = 200, 1, 1
        args.no_profile = True
    if not 1 <= args.boots <= 10:
        parser.error('--boots must be 1 to 10')
    if not 1 <= args.ms <= 60000:
        parser.error('--ms must be 1 to 60000')
    if not 1 <= args.reps <= 100:
        parser.error('--reps must be 1 to 100')

    if args.arch == 'x86_64' and not args.wall_clock:
        # QEMU 7.2's q35 under -icount never gets past "x86: Booting SMP
        # configuration" (seen 2026-11-30): x86 is measured in real time.
        print('note: x86_64 guests hang at SMP bring-up under -icount; measuring wall clock',
              flush=True)
        args.wall_clock = True
    args.out = args.out or os.path.join(
        hqlib.BUILD, 'bench' if args.arch == 'arm64' else 'bench-' + args.arch)
    start, commit = time.time(), head_commit()
    on, off, _ = ARCHES[args.arch]
    kernels = {'bench': hqlib.Kernel(on, 'bench', what='no debug options, quarantine on',
                                     arch=args.arch),
               'bench-off': hqlib.Kernel(off, 'bench', ['quarantine-off.config'], arch=args.arch,
                                         what='no debug options, quarantine compiled out')}
    if not args.no_build:
        for k in kernels.values():
            print('== building the %s kernel (%s)' % (k.name, k.what), flush=True)
            ok, tail, log = hqlib.build_kernel(k)
            if not ok:
                print(tail, file=sys.stderr)
                sys.exit('error: the %s kernel did not build (log: %s)' % (k.name, log))

    # The measured kernels must not carry the profiler's call hooks: under
    # -icount every call would pay for them.
    for k in kernels.values():
        config = os.path.join(hqlib.obj_dir(k.name), '.config')
        with open(config) as f:
            if 'CONFIG_FUNCTION_TRACER=y' in f.read().splitlines():
                sys.exit('error: the %s kernel has CONFIG_FUNCTION_TRACER (%s): '
                         'the profiler belongs in the bench-profile kernel only'
                         % (k.name, config))

    data, page_ext, failed = {}, None, False
    extra = [] if args.wall_clock else ['-icount', 'shift=0']
    for n in range(args.boots):
        for mode, kernel, append, what in MODES:
            print('== %s: %s (%s), boot %d' % (mode, what, append, n + 1), flush=True)
            boot = hqlib.boot(kernels[kernel].name, '%s-%s-%d' % (
                kernels['bench'].name, mode.replace('+', '-'), n + 1),
                              run=['bench'], extra_qemu=extra,
                              append='%s kunit.enable=0 hq.bench_ms=%d hq.bench_reps=%d '
                              'hq.bench_sample=%d' % (append, args.ms, args.reps, n == 0),
                              timeout=300 + args.ms * args.reps * 40 // 1000)
            lines, boot_failed = boot_lines(boot, 'bench')
            failed |= boot_failed
            d = parse_boot(lines)
            for r in d['results']:
                r['boot'] = n + 1
            if mode in data:
                for key in ('results', 'samples', 'upstream'):
                    data[mode][key] += d[key]
            else:
                data[mode] = d
            page_ext = page_ext or page_ext_line(boot.console())
            print('   %d results in %.0fs' % (len(d['results']), boot.seconds), flush=True)

    text = report(data, page_ext, icount=not args.wall_clock, arch=args.arch)
    plots = write_files(data, args.out)
    if not args.no_profile:
        prof, profile_failed = run_profile(args, extra)
        failed |= profile_failed
        out = []
        table_profile(prof, out, icount=not args.wall_clock)
        text += '\n' + '\n'.join(out)
        with open(os.path.join(args.out, 'profile.json'), 'w') as f:
            json.dump(prof, f, indent=1, sort_keys=True)
    with open(os.path.join(args.out, 'report.txt'), 'w') as f:
        f.write(text + '\n')
    print()
    print(text)
    print()
    print('Raw numbers: %s/results.{json,csv}, samples.csv; plots: %s (%.0f s)' % (
        os.path.relpath(args.out, hqlib.ROOT), ', '.join(plots) or 'none (no gnuplot)',
        time.time() - start))
    if args.publish:
        if failed:
            sys.exit('error: a boot failed: nothing published')
        print('Published: %s' % os.path.relpath(
            publish(args.arch, args.out, ' '.join(['harness/bench'] + sys.argv[1:]),
                    not args.wall_clock, commit),
            hqlib.ROOT))
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
