#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Build what the tests need, run every test suite, print a summary.

Each suite is a kernel build or a boot of the arm64 guest. A boot counts the
TAP results of the guest tests it ran, the KUnit results on its console, and
one more failure if the kernel reported a bug (WARN, BUG, lockdep, KASAN...)
or the boot did not finish (panic, hang, QEMU exit). The last line is
"N passed, N failed"; the exit status is non-zero if anything failed or
nothing ran.
"""

import argparse
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hqlib  # noqa: E402

HARNESS = os.path.dirname(os.path.abspath(__file__))
TAP_RE = re.compile(r'^(not )?ok \d+ (?:- )?(.*?)(?:\s+#\s*(SKIP|TODO)\b(.*))?$')


class Result:
    def __init__(self, suite):
        self.suite = suite
        self.passed = self.failed = self.skipped = 0
        self.failures = []
        self.notes = []

    def ok(self, what):
        self.passed += 1

    def fail(self, what, detail=''):
        self.failed += 1
        self.failures.append(what + (('\n' + detail) if detail else ''))

    def skip(self, what, why):
        self.skipped += 1
        self.notes.append('skipped: %s (%s)' % (what, why))


def run_step(cmd, log, env=None):
    """Run a harness command; return (ok, last lines of its output)."""
    with open(log, 'w') as f:
        rc = subprocess.call(cmd, stdout=f, stderr=subprocess.STDOUT, env=env)
    with open(log, errors='replace') as f:
        tail = '\n'.join(f.read().splitlines()[-30:])
    return rc == 0, tail


def count_tap(res, name, lines):
    seen = 0
    for line in lines:
        m = TAP_RE.match(line)
        if not m:
            continue
        seen += 1
        what = '%s: %s' % (name, m.group(2))
        if m.group(3) == 'SKIP':
            res.skip(what, (m.group(4) or '').strip())
        elif m.group(1):
            res.fail(what, '\n'.join('    ' + l for l in lines if l.startswith('#')))
        else:
            res.ok(what)
    return seen


def count_kunit(res, boot):
    sys.path.insert(0, os.path.join(hqlib.SRC, 'tools/testing/kunit'))
    import kunit_parser
    lines = boot.console().splitlines(keepends=True)
    if not any('KTAP version' in l or 'TAP version' in l for l in lines):
        res.fail('kunit: no KUnit output on the console')
        return
    # The parser narrates every test; keep that in a log, print the counts.
    log = os.path.join(hqlib.LOGS, boot.name + '.kunit')
    with open(log, 'w') as f:
        saved, kunit_parser.stdout._output = kunit_parser.stdout._output, f
        try:
            test = kunit_parser.parse_run_tests(lines)
        finally:
            kunit_parser.stdout._output = saved
    c = test.counts
    if c.passed + c.failed + c.crashed + c.skipped == 0:
        res.fail('kunit: no KUnit test ran')
        return
    res.passed += c.passed
    res.skipped += c.skipped
    for _ in range(c.failed + c.crashed + c.errors):
        res.failed += 1
    if c.failed + c.crashed + c.errors:
        res.failures.append('kunit: %d failed, %d crashed, %d errors (see %s)' % (
            c.failed, c.crashed, c.errors, os.path.relpath(log, hqlib.ROOT)))
    res.notes.append('kunit: %d passed, %d failed, %d skipped (%s)' % (
        c.passed, c.failed + c.crashed + c.errors, c.skipped, os.path.relpath(log, hqlib.ROOT)))


def check_boot(res, boot, run, kunit):
    sections = boot.sections()
    for name in run:
        if name not in sections:
            res.fail('%s: never ran (%s)' % (name, boot.reason or boot.ended),
                     boot.console_tail())
            continue
        rc, lines = sections[name]
        failed_before = res.failed
        seen = count_tap(res, name, lines)
        if rc is None and boot.ended == 'dumped' and 'HQ-DUMP' in lines:
            pass    # the host ended the boot after the dump, as asked
        elif rc is None:
            res.fail('%s: did not finish (%s)' % (name, boot.reason or boot.ended),
                     boot.console_tail())
        elif rc != 0 and res.failed == failed_before:
            res.fail('%s: exited with status %d' % (name, rc), '\n'.join(lines[-15:]))
        elif seen == 0 and rc == 0:
            res.fail('%s: reported no test result' % name, '\n'.join(lines[-15:]))
    if kunit:
        count_kunit(res, boot)
    if boot.ended not in ('done', 'dumped'):
        res.fail('boot did not finish: %s' % (boot.reason or boot.ended),
                 'last console lines (%s):\n%s' % (boot.console_path, boot.console_tail()))
    bugs = boot.kernel_bugs()
    if bugs:
        res.fail('the kernel reported %d problem(s)' % len(bugs),
                 '\n'.join('    ' + b for b in bugs[:10]) + '\n    (%s)' % boot.console_path)


class Kernel:
    """A kernel the suites boot: a flavour plus extra config fragments."""

    def __init__(self, name, flavour, fragments=(), what=''):
        self.name, self.flavour, self.fragments, self.what = name, flavour, fragments, what


KERNELS = {k.name: k for k in [
    Kernel('test', 'test', what='debug options, quarantine built in and on by default'),
    Kernel('bench-off', 'bench', ['quarantine-off.config'],
           what='no debug options, quarantine compiled out'),
]}


def build_kernel(kernel):
    """Build a kernel and its initramfs; return (ok, last log lines, log path)."""
    os.makedirs(hqlib.LOGS, exist_ok=True)
    env = dict(os.environ, HQ_OBJ_NAME=kernel.name)
    log = os.path.join(hqlib.LOGS, 'build-%s.log' % kernel.name)
    ok, tail = run_step([os.path.join(HARNESS, 'kernel'), kernel.flavour] +
                        [os.path.join(HARNESS, 'configs', f) for f in kernel.fragments],
                        log, env)
    if ok:
        ok, tail = run_step([os.path.join(HARNESS, 'initramfs'), kernel.flavour],
                            log + '.initramfs', env)
    return ok, tail, log


class Suite:
    def __init__(self, name, kernel='test', append='', run=(), kunit=False,
                 post=None, dump=False, timeout=600):
        self.name, self.kernel, self.append = name, kernel, append
        self.run, self.kunit = list(run), kunit
        self.post, self.dump, self.timeout = post, dump, timeout

    def execute(self, built):
        res = Result(self.name)
        if not built.get(self.kernel):
            res.fail('not run: the %s kernel did not build' % self.kernel)
            return res
        dump = os.path.join(hqlib.BUILD, 'vmcore', self.name + '.elf') if self.dump else None
        if dump:
            os.makedirs(os.path.dirname(dump), exist_ok=True)
        boot = hqlib.boot(self.kernel, self.name, run=self.run, append=self.append,
                          timeout=self.timeout, dump=dump)
        res.notes.append('boot took %.0fs, logs: %s' % (boot.seconds, os.path.relpath(
            boot.console_path, hqlib.ROOT)))
        check_boot(res, boot, self.run, self.kunit)
        if self.post:
            self.post(res, boot, dump)
        return res


def drgn_vmcore_check(res, boot, dump):
    """Open the dump with drgn and the matching vmlinux; compare with the guest."""
    sections = boot.sections()
    lines = sections.get('vmcore', (None, []))[1]
    want = dict(l.split('=', 1) for l in lines if re.match(r'^(hostname|release)=', l))
    if not os.path.exists(dump or '') or 'hostname' not in want:
        res.fail('drgn: no vmcore to read (the guest did not reach HQ-DUMP)')
        return
    vmlinux = os.path.join(hqlib.obj_dir(boot.kernel), 'vmlinux')
    env = dict(os.environ, DRGN_USE_LIBKDUMPFILE_FOR_ELF='1')
    proc = subprocess.run(['drgn', '-q', '-c', dump, '-s', vmlinux,
                           os.path.join(HARNESS, 'vmcore-smoke.py')],
                          env=env, capture_output=True, text=True, timeout=300)
    got = dict(l.split('=', 1) for l in proc.stdout.splitlines() if '=' in l)
    if proc.returncode != 0:
        res.fail('drgn: could not read the vmcore', proc.stderr.strip()[-800:])
        return
    for key in ('release', 'hostname'):
        if got.get(key) == want.get(key):
            res.ok('drgn reads %s from the vmcore' % key)
        else:
            res.fail('drgn: %s in the vmcore is %r, the guest said %r' % (
                key, got.get(key), want.get(key)))


def static_checks(res):
    """checkpatch --strict and kernel-doc on everything we ship."""
    scripts = os.path.join(hqlib.SRC, 'scripts')
    files = subprocess.run(['git', '-C', hqlib.ROOT, 'ls-files', '-co', '--exclude-standard',
                            '--', 'mm', 'include', 'drivers', 'lib', 'kernel', 'tools'],
                           capture_output=True, text=True).stdout.split()
    files = sorted(f for f in files if f.endswith(('.c', '.h')))
    checkpatch = ['perl', os.path.join(scripts, 'checkpatch.pl'), '--strict', '--no-tree',
                  '--terse', '--show-types']
    for f in files:
        out = subprocess.run(checkpatch + ['-f', os.path.join(hqlib.ROOT, f)],
                             capture_output=True, text=True).stdout
        bad = [l for l in out.splitlines() if re.search(r'(ERROR|WARNING|CHECK):', l)]
        (res.fail('checkpatch --strict: %s' % f, '\n'.join(bad[:10])) if bad
         else res.ok('checkpatch --strict: %s' % f))
        if f.startswith('tools/'):
            continue
        out = subprocess.run(['perl', os.path.join(scripts, 'kernel-doc'), '-none',
                              os.path.join(hqlib.ROOT, f)], capture_output=True, text=True)
        (res.fail('kernel-doc: %s' % f, out.stderr.strip()[:800]) if out.stderr.strip()
         else res.ok('kernel-doc: %s' % f))
    # Sign-offs are added when the series is exported for submission.
    for p in subprocess.run(['git', '-C', hqlib.ROOT, 'ls-files', '-co', '--exclude-standard',
                             'patches/*.patch'], capture_output=True, text=True).stdout.split():
        with open(os.path.join(hqlib.ROOT, p)) as patch:
            out = subprocess.run(checkpatch + ['--ignore', 'MISSING_SIGN_OFF', '-'],
                                 stdin=patch, capture_output=True, text=True).stdout
        bad = [l for l in out.splitlines() if re.search(r'(ERROR|WARNING|CHECK):', l)]
        (res.fail('checkpatch --strict: %s' % p, '\n'.join(bad[:10])) if bad
         else res.ok('checkpatch --strict: %s' % p))


# The smoke runs of the benchmarks: which suite ran which mode.
BENCH_SMOKE = [('compiled-out', 'compiled-out', 'absent'), ('boot-strict', 'strict', 'on'),
               ('quarantine-off', 'lazy', 'off'), ('boot-lazy', 'lazy+quarantine', 'on')]


def bench_report(res):
    """harness/bench.py's tables, files and plots, from the smoke runs."""
    import bench
    data = {}
    for suite, mode, quarantine in BENCH_SMOKE:
        lines = hqlib.Boot(suite, 'test').sections().get('bench', (None, []))[1]
        d = bench.parse_boot(lines)
        info = d['info']
        if not d['results']:
            res.fail('bench: no results from the %s suite' % suite)
            continue
        got = (info.get('mode'), info.get('quarantine'))
        want = (mode.replace('compiled-out', 'lazy'), quarantine)
        if got == want:
            res.ok('bench: %s ran in mode %s, quarantine %s' % (suite, *want))
        else:
            res.fail('bench: %s ran in mode %s, quarantine %s; expected %s, %s' % (
                suite, *got, *want))
        data[mode] = d
    if len(data) != len(BENCH_SMOKE):
        return
    if data['strict']['info'].get('quarantine_domains') == 0:
        res.ok('bench: no quarantine domain in strict mode (the free path is idle)')
    else:
        res.fail('bench: strict mode registered a quarantine domain')
    text = bench.report(data, None)
    missing = [l for l in text.splitlines() if l.startswith('   ') and ' - ' in l + ' ']
    if missing:
        res.fail('bench: the report lacks figures', '\n'.join(missing))
    else:
        res.ok('bench: every table row has its figures and ratios')
    out = os.path.join(hqlib.BUILD, 'bench-smoke')
    try:
        plots = bench.write_files(data, out)
    except (OSError, RuntimeError) as e:
        res.fail('bench: writing the raw numbers and plots', str(e))
        return
    with open(os.path.join(out, 'results.csv')) as f:
        rows = len(f.read().splitlines()) - 1
    want = sum(len(d['results']) for d in data.values())
    (res.ok if rows == want else res.fail)('bench: results.csv has %d of %d results' % (
        rows, want))
    (res.ok if sorted(plots) == ['held.png', 'throughput.png'] else res.fail)(
        'bench: plots drawn: %s' % (', '.join(plots) or 'none'))


class HostSuite:
    """A suite that runs on the host against the prepared tree, no boot."""

    def __init__(self, name, run):
        self.name, self.kernel, self.fn = name, 'test', run

    def execute(self, built):
        res = Result(self.name)
        if not os.path.exists(os.path.join(hqlib.SRC, 'scripts/checkpatch.pl')):
            res.fail('not run: no kernel tree in build/linux')
            return res
        self.fn(res)
        return res


SUITES = [
    HostSuite('static-checks', static_checks),
    # "bench" is the benchmarks' smoke variant (200 ms a run): it proves
    # they run in each mode; the bench-report suite reads their output.
    Suite('boot-lazy', append='iommu.strict=0 hq.bench_sample=1',
          run=['iommu-domain', 'quarantine-state', 'bench'], kunit=True),
    Suite('boot-strict', append='iommu.strict=1',
          run=['iommu-domain', 'quarantine-state', 'bench'], kunit=True),
    # init_on_free applied when a held page is released (needs the free
    # page readable, so debug_pagealloc off for this boot).
    Suite('init-on-free', append='iommu.strict=0 init_on_free=1 debug_pagealloc=off '
          'kunit.filter_glob=iommu_quarantine', kunit=True),
    Suite('quarantine-off', append='iommu.strict=0 iommu_quarantine=0 hq.quarantine=off',
          run=['iommu-domain', 'quarantine-state', 'bench'], kunit=True),
    Suite('bad-param', append='iommu.strict=0 iommu_quarantine=bogus hq.bad_param=bogus '
          'kunit.enable=0', run=['quarantine-state']),
    Suite('compiled-out', kernel='bench-off', append='iommu.strict=0 hq.quarantine=absent',
          run=['iommu-domain', 'quarantine-state', 'bench'], kunit=True),
    HostSuite('bench-report', bench_report),
    # The DMA use-after-free through a stale IOTLB entry (edu + test driver):
    # it must work with the quarantine off, and never with it on or strict.
    Suite('attack-lazy', append='iommu.strict=0 kunit.enable=0', run=['attack']),
    Suite('attack-off', append='iommu.strict=0 iommu_quarantine=0 kunit.enable=0',
          run=['attack']),
    Suite('attack-strict', append='iommu.strict=1 kunit.enable=0', run=['attack']),
    Suite('vmcore', append='iommu.strict=0 kunit.enable=0', run=['vmcore'],
          dump=True, post=drgn_vmcore_check),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--only', action='append', metavar='SUITE',
                        help='run only this suite (repeatable); one of: ' +
                        ', '.join(s.name for s in SUITES))
    parser.add_argument('--no-build', action='store_true',
                        help='use the kernels and initramfs already built')
    args = parser.parse_args()
    names = [s.name for s in SUITES]
    for name in args.only or []:
        if name not in names:
            parser.error('unknown suite %r (known: %s)' % (name, ', '.join(names)))
    suites = [s for s in SUITES if not args.only or s.name in args.only]

    os.makedirs(hqlib.LOGS, exist_ok=True)
    results, built = [], {}
    start = time.time()
    for kernel in [k for k in KERNELS.values() if any(s.kernel == k.name for s in suites)]:
        res = Result('build-' + kernel.name)
        obj = hqlib.obj_dir(kernel.name)
        if args.no_build:
            built[kernel.name] = os.path.exists(os.path.join(obj, 'arch/arm64/boot/Image'))
            continue
        print('== building the %s kernel (%s) and its initramfs' % (kernel.name, kernel.what),
              flush=True)
        build_start = time.time()
        ok, tail, log = build_kernel(kernel)
        built[kernel.name] = ok
        res.notes.append('took %.0fs, log: %s' % (time.time() - build_start,
                                                  os.path.relpath(log, hqlib.ROOT)))
        if ok:
            res.ok('the %s kernel builds without warnings' % kernel.name)
        else:
            res.fail('the %s kernel or initramfs failed to build' % kernel.name, tail)
        results.append(res)
        report(res)

    for suite in suites:
        print('== %s' % suite.name, flush=True)
        res = suite.execute(built)
        results.append(res)
        report(res)

    passed = sum(r.passed for r in results)
    failed = sum(r.failed for r in results)
    skipped = sum(r.skipped for r in results)
    print()
    print('Summary (%.0f s):' % (time.time() - start))
    for r in results:
        print('  %-14s %3d passed, %d failed, %d skipped' % (r.suite, r.passed, r.failed, r.skipped))
    print('%d passed, %d failed%s' % (passed, failed, ', %d skipped' % skipped if skipped else ''))
    sys.exit(1 if failed or passed == 0 else 0)


def report(res):
    for note in res.notes:
        print('   ' + note)
    for failure in res.failures:
        print('   FAIL: ' + failure.replace('\n', '\n      '))
    print('   %s: %d passed, %d failed, %d skipped' % (res.suite, res.passed, res.failed,
                                                        res.skipped), flush=True)


if __name__ == '__main__':
    main()
