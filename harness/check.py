#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Build what the tests need, run every test suite, print a summary.

Each suite is a kernel build, a host check or a boot of a guest (arm64 with
an SMMUv3, x86_64 with VT-d). A boot counts the TAP results of the guest
tests it ran, the KUnit results on its console, and one more failure if
the kernel reported a bug (WARN, BUG, lockdep, KASAN...) or the boot did not
finish (panic, hang, QEMU exit). The last line is "N passed, N failed"; the
exit status is non-zero if anything failed or nothing ran.
"""

import argparse
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import figures  # noqa: E402
import hqlib  # noqa: E402
import series  # noqa: E402
import static  # noqa: E402

HARNESS = os.path.dirname(os.path.abspath(__file__))
# When this check started: suites that read other suites' logs take only
# logs written since.
CHECK_START = time.time()
TAP_RE = re.compile(r'^(not )?ok \d+(?: (?:- )?(.*?))?(?:\s*#\s*(SKIP|TODO)\b(.*))?$')


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


def count_tap(res, name, lines, finished=True, skips=None, xfails=None):
    """Count a guest test's TAP results; a finished test's plan must match.

    A result may skip only if SKIPS (description: why) lists it, and a
    listed one must skip. A result in XFAILS (description: why) must fail,
    and counts as a skip: a known failure of upstream's, pinned.
    """
    skips, xfails = skips or {}, xfails or {}
    seen, plans, reported = 0, [], set()
    for line in lines:
        if line.startswith('Bail out!'):
            res.fail('%s: bailed out: %s' % (name, line[len('Bail out!'):].strip()))
            continue
        m = re.match(r'^1\.\.(\d+)', line)
        if m:
            plans.append(int(m.group(1)))
            continue
        m = TAP_RE.match(line)
        if not m:
            continue
        seen += 1
        reported.add(m.group(2))
        what = '%s: %s' % (name, m.group(2))
        if m.group(2) in xfails and m.group(1) and not m.group(3):
            res.skip(what, 'expected failure: ' + xfails[m.group(2)])
        elif m.group(2) in xfails:
            res.fail('%s did not fail, but is pinned as an expected failure (%s)'
                     % (what, xfails[m.group(2)]))
        elif m.group(3) == 'SKIP' and m.group(2) in skips:
            res.skip(what, (m.group(4) or '').strip())
        elif m.group(3) == 'SKIP':
            res.fail('%s skipped, which it must not here (%s)' % (what, (m.group(4) or '').strip()))
        elif m.group(2) in skips:
            res.fail('%s ran, but should skip here (%s)' % (what, skips[m.group(2)]))
        elif m.group(1):
            res.fail(what, '\n'.join('    ' + l for l in lines if l.startswith('#')))
        else:
            res.ok(what)
    if not finished:
        pass        # the caller says why it did not finish (or that it was asked)
    elif seen and len(plans) != 1:
        res.fail('%s: %s' % (name, 'no TAP plan line (1..N): it did not finish'
                             if not plans else 'more than one TAP plan line'))
    elif plans and plans[0] != seen:
        res.fail('%s: the TAP plan says %d results, %d were reported' % (name, plans[0], seen))
    return seen, reported


# Our KUnit suites. A boot that runs KUnit must run the ones it names, and
# only their cases are counted: other suites built in are not ours.
KUNIT_SUITES = ('iommu_quarantine', 'iommu_quarantine_dma', 'iommu_quarantine_reuse')

# The cases that skip in a boot, by what the boot lacks; a skip not listed
# fails, and so does a listed case that did not skip.
SKIP_INIT_ON_FREE = {'iommu_quarantine.test_init_on_free': 'needs init_on_free=1'}
SKIPS_LAZY = dict(SKIP_INIT_ON_FREE, **{
    'iommu_quarantine_dma.test_dma_lazy_unprotected': 'the control, for iommu_quarantine=off',
    'iommu_quarantine_dma.test_dma_strict': 'needs iommu.strict=1'})
SKIPS_OFF = {'iommu_quarantine_dma.test_dma_lazy': 'needs iommu_quarantine=on',
             'iommu_quarantine_dma.test_dma_strict': 'needs iommu.strict=1'}
# The attack's cases that need another mode.
ATTACK_SKIPS_LAZY = {'attack.failed_strict_unmap': 'needs strict mode'}
ATTACK_SKIPS_OFF = {'attack.failed_strict_unmap': 'needs strict mode',
                    'attack.stale_after_failed_flush': 'needs lazy mode with the quarantine'}
ATTACK_SKIPS_STRICT = {'attack.stale_after_failed_flush': 'needs lazy mode with the quarantine'}
SKIPS_STRICT = dict(SKIP_INIT_ON_FREE, **{
    'iommu_quarantine_dma.test_dma_lazy': 'needs iommu.strict=0',
    'iommu_quarantine_dma.test_dma_lazy_unprotected': 'needs iommu.strict=0'})


def count_kunit(res, boot, suites, skips):
    """Count the cases of our KUnit SUITES on BOOT's console, skips pinned."""
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
    status = kunit_parser.TestStatus
    ran = {t.name: t for t in test.subtests}
    counts = {'passed': 0, 'failed': 0, 'skipped': 0}
    seen_skips = set()
    for name in suites:
        suite = ran.get(name)
        if suite is None:
            res.fail('kunit: suite %s did not run' % name)
            counts['failed'] += 1
            continue
        if not suite.subtests:
            res.fail('kunit: suite %s ran no case (%s)' % (name, suite.status.name))
            counts['failed'] += 1
            continue
        for case in suite.subtests:
            what = '%s.%s' % (name, case.name)
            if case.status == status.SKIPPED and what in skips:
                res.skip('kunit: ' + what, skips[what])
                seen_skips.add(what)
                counts['skipped'] += 1
            elif case.status == status.SKIPPED:
                res.fail('kunit: %s skipped, which it must not here' % what,
                         '\n'.join(case.log[-5:]))
                counts['failed'] += 1
            elif case.status == status.SUCCESS and what not in skips:
                res.ok('kunit: ' + what)
                counts['passed'] += 1
            elif case.status == status.SUCCESS:
                res.fail('kunit: %s ran, but should skip here (%s)' % (what, skips[what]))
                counts['failed'] += 1
            else:
                res.fail('kunit: %s %s' % (what, case.status.name.lower()),
                         'see ' + os.path.relpath(log, hqlib.ROOT))
                counts['failed'] += 1
        if all(c.status == status.SKIPPED for c in suite.subtests):
            res.fail('kunit: every case of %s skipped' % name)
    for what in sorted(set(skips) - seen_skips):
        suite, _, case = what.partition('.')
        if suite in suites and suite in ran and case not in {c.name for c in ran[suite].subtests}:
            res.fail('kunit: %s, expected to skip here, did not run' % what)
    others = [t.name for t in test.subtests if t.name not in suites]
    res.notes.append('kunit: %s: %d passed, %d failed, %d skipped as expected (%s)%s' % (
        ', '.join(suites), counts['passed'], counts['failed'], counts['skipped'],
        os.path.relpath(log, hqlib.ROOT),
        '; not counted: ' + ', '.join(others) if others else ''))


def check_boot(res, boot, run, kunit, skips=None, xfails=None):
    sections = boot.sections()
    reported, finished = set(), bool(run)
    for name in run:
        if name not in sections:
            res.fail('%s: never ran (%s)' % (name, boot.reason or boot.ended),
                     boot.console_tail())
            finished = False
            continue
        rc, lines = sections[name]
        failed_before = res.failed
        seen, got = count_tap(res, name, lines, finished=rc is not None, skips=skips,
                              xfails=xfails)
        reported |= got
        finished &= rc is not None
        if rc is None and boot.ended == 'dumped' and 'HQ-DUMP' in lines:
            pass    # the host ended the boot after the dump, as asked
        elif rc is None:
            res.fail('%s: did not finish (%s)' % (name, boot.reason or boot.ended),
                     boot.console_tail())
        elif rc != 0 and res.failed == failed_before:
            res.fail('%s: exited with status %d' % (name, rc), '\n'.join(lines[-15:]))
        elif seen == 0 and rc == 0:
            res.fail('%s: reported no test result' % name, '\n'.join(lines[-15:]))
    # A pinned TAP skip that no guest test reported (KUnit's are checked
    # by count_kunit).
    for what in sorted(w for w in (skips or {}) if w.split('.')[0] not in KUNIT_SUITES):
        if finished and what not in reported:
            res.fail('%s, expected to skip here, was not reported' % what)
    for what in sorted(xfails or {}):
        if finished and what not in reported:
            res.fail('%s, expected to fail here, was not reported' % what)
    if kunit:
        count_kunit(res, boot, kunit, skips or {})
    if boot.ended not in ('done', 'dumped'):
        res.fail('boot did not finish: %s' % (boot.reason or boot.ended),
                 'last console lines (%s):\n%s' % (boot.console_path, boot.console_tail()))
    bugs = boot.kernel_bugs()
    if bugs:
        res.fail('the kernel reported %d problem(s)' % len(bugs),
                 '\n'.join('    ' + b for b in bugs[:10]) + '\n    (%s)' % boot.console_path)


class Suite:
    """A boot of the guest; an optional suite runs only when named by --only."""

    def __init__(self, name, kernel='test', append='', run=(), kunit=(), skips=None,
                 post=None, dump=False, timeout=600, optional=False, drivers=False,
                 iommu=None, swap_mib=0, xfails=None):
        self.name, self.kernel, self.append = name, kernel, append
        self.run, self.kunit, self.skips = list(run), tuple(kunit), skips or {}
        self.post, self.dump, self.timeout = post, dump, timeout
        self.optional, self.drivers, self.iommu = optional, drivers, iommu
        self.swap_mib, self.xfails = swap_mib, xfails or {}

    def execute(self, built):
        res = Result(self.name)
        if not built.get(self.kernel):
            res.fail('not run: the %s kernel did not build' % self.kernel)
            return res
        dump = os.path.join(hqlib.BUILD, 'vmcore', self.name + '.elf') if self.dump else None
        if dump:
            os.makedirs(os.path.dirname(dump), exist_ok=True)
        extra = hqlib.driver_devices(self.name, self.swap_mib) if self.drivers else ()
        boot = hqlib.boot(self.kernel, self.name, run=self.run, append=self.append,
                          timeout=self.timeout, dump=dump, extra_qemu=extra,
                          iommu=self.iommu)
        res.notes.append('boot took %.0fs, logs: %s' % (boot.seconds, os.path.relpath(
            boot.console_path, hqlib.ROOT)))
        check_boot(res, boot, self.run, self.kunit, self.skips, self.xfails)
        if self.post:
            self.post(res, boot, dump)
        return res


QUARANTINE_SCRIPT = os.path.join(hqlib.ROOT, 'tools/mm/iommu_quarantine.py')
HELD_COLUMNS = ('pfn', 'order', 'slot', 'domain', 'generation', 'stale', 'list', 'held_ms')
DOMAIN_COLUMNS = ('slot', 'domain', 'started', 'completed', 'failed', 'held', 'stale',
                  'oldest_ms')


def run_drgn(dump, kernel, script, *args):
    """Run a drgn script on a dump with build/obj-KERNEL/vmlinux."""
    vmlinux = os.path.join(hqlib.obj_dir(kernel), 'vmlinux')
    env = dict(os.environ, DRGN_USE_LIBKDUMPFILE_FOR_ELF='1')
    return subprocess.run(['drgn', '-q', '-c', dump, '-s', vmlinux, script] + list(args),
                          env=env, capture_output=True, text=True, timeout=300)


def guest_lines(boot, prefix):
    """The lines the vmcore guest test printed with PREFIX, without it."""
    lines = boot.sections().get('vmcore', (None, []))[1]
    return [l[len(prefix):] for l in lines if l.startswith(prefix)]


def drgn_smoke(res, boot, dump):
    """drgn reads the release and hostname the guest set; False if no dump."""
    want = dict(l.split('=', 1) for l in guest_lines(boot, '')
                if re.match(r'^(hostname|release)=', l))
    if not os.path.exists(dump or '') or 'hostname' not in want:
        res.fail('drgn: no vmcore to read (the guest did not reach HQ-DUMP)')
        return False
    proc = run_drgn(dump, boot.kernel, os.path.join(HARNESS, 'vmcore-smoke.py'))
    got = dict(l.split('=', 1) for l in proc.stdout.splitlines() if '=' in l)
    if proc.returncode != 0:
        res.fail('drgn: could not read the vmcore', proc.stderr.strip()[-800:])
        return False
    for key in ('release', 'hostname'):
        if got.get(key) == want.get(key):
            res.ok('drgn reads %s from the vmcore' % key)
        else:
            res.fail('drgn: %s in the vmcore is %r, the guest said %r' % (
                key, got.get(key), want.get(key)))
    return True


def expect_script(res, what, proc, status, stdout_has=None, stderr_has=None):
    """Check a run of tools/mm/iommu_quarantine.py; return its stdout lines."""
    problems = []
    if proc.returncode != status:
        problems.append('exit status %d, want %d' % (proc.returncode, status))
    if 'Traceback' in proc.stderr:
        problems.append('a Python traceback')
    if stdout_has and stdout_has not in proc.stdout:
        problems.append('no %r on stdout' % stdout_has)
    if stderr_has and stderr_has not in proc.stderr:
        problems.append('no %r on stderr' % stderr_has)
    if problems:
        res.fail('iommu_quarantine.py %s: %s' % (what, '; '.join(problems)),
                 'stdout:\n%s\nstderr:\n%s' % (proc.stdout[-1500:], proc.stderr[-1500:]))
    else:
        res.ok('iommu_quarantine.py %s' % what)
    return proc.stdout.splitlines()


def rows(lines, columns):
    """Whitespace-separated rows under a header line naming COLUMNS."""
    out = []
    for line in lines:
        fields = line.split()
        if len(fields) == len(columns) and tuple(fields) != columns:
            out.append(dict(zip(columns, fields)))
    return out


def compare(res, what, got, want):
    if got == want:
        res.ok(what)
    else:
        res.fail(what, 'drgn script: %r\nguest:       %r' % (got, want))


def compare_ages(res, what, got, want):
    """The dump is taken after the guest read its files: ages grow, a little."""
    bad = [(g, w) for g, w in zip(got, want) if not int(w) <= int(g) <= int(w) + 60000]
    if len(got) != len(want) or bad:
        res.fail(what, 'drgn script: %r\nguest:       %r' % (got, want))
    else:
        res.ok(what)


def drgn_vmcore_check(res, boot, dump):
    """Read the dump with drgn and tools/mm/iommu_quarantine.py; compare with
    what the guest itself reported (debugfs, meminfo) just before the dump."""
    if not drgn_smoke(res, boot, dump):
        return

    def script(*args):
        return run_drgn(dump, boot.kernel, QUARANTINE_SCRIPT, *args)

    edu = (guest_lines(boot, 'edu=') or [None])[0]
    stats = dict(l.split(': ', 1) for l in guest_lines(boot, 'stats: ') if ': ' in l)
    held = rows(guest_lines(boot, 'held: '), HELD_COLUMNS)
    domains = rows(guest_lines(boot, 'domains: '), DOMAIN_COLUMNS)
    stale = [h for h in held if h['stale'] == 'yes']
    fresh = [h for h in held if h['stale'] == 'no']
    if not (edu and stale and fresh and domains):
        res.fail('vmcore: the guest did not report held pages, stale and not, of edu\'s domain')
        return
    no_age = [c for c in HELD_COLUMNS if c != 'held_ms']

    # held: every block, the same columns as debugfs "held".
    got = rows(expect_script(res, 'held', script('held'), 0), HELD_COLUMNS)
    compare(res, 'held: the blocks, domains, generations, stale flags and lists of debugfs',
            [[h[c] for c in no_age] for h in got], [[h[c] for c in no_age] for h in held])
    compare_ages(res, 'held: hold times a little longer than when the guest read them',
                 [h['held_ms'] for h in got], [h['held_ms'] for h in held])
    got = expect_script(res, 'held --stale --no-header',
                        script('held', '--stale', '--no-header'), 0)
    compare(res, 'held --stale: the stale pfns', [l.split()[0] for l in got],
            [h['pfn'] for h in stale])
    got = expect_script(res, 'held --not-stale --limit 1',
                        script('held', '--not-stale', '--limit', '1', '--no-header'), 0)
    compare(res, 'held --not-stale --limit 1: the first fresh pfn',
            [l.split()[0] for l in got], [fresh[0]['pfn']])
    got = expect_script(res, 'held --domain NAME --cpu N',
                        script('held', '--domain', edu, '--cpu', held[0]['list'][3:],
                               '--no-header'), 0)
    compare(res, 'held --domain %s --cpu %s: the pfns' % (edu, held[0]['list'][3:]),
            [l.split()[0] for l in got],
            [h['pfn'] for h in held if h['domain'] == edu and h['list'] == held[0]['list']])

    # overview: the domain table, the totals, the counters.
    out = expect_script(res, 'overview', script('overview'), 0,
                        stdout_has='compiled in, enabled at boot, static key on')
    got = rows(out, DOMAIN_COLUMNS)
    compare(res, 'overview: the domain table of debugfs "domains"',
            [[d[c] for c in DOMAIN_COLUMNS[:-1]] for d in got],
            [[d[c] for c in DOMAIN_COLUMNS[:-1]] for d in domains])
    compare_ages(res, 'overview: the oldest holds',
                 [d['oldest_ms'] for d in got], [d['oldest_ms'] for d in domains])
    m = re.search(r'^held: (\d+) pages, (\d+) bytes, .*; stale: (\d+) pages', '\n'.join(out),
                  re.M)
    meminfo = (guest_lines(boot, 'meminfo: IOMMUQuarantined:') or ['?'])[0].split()[0]
    vmstat = (guest_lines(boot, 'vmstat: nr_iommu_quarantined ') or ['?'])[0]
    compare(res, 'overview: pages and bytes held, stale pages, as stats, vmstat, meminfo say',
            m and (m.group(1), m.group(2), m.group(3), m.group(1), str(int(m.group(2)) // 1024)),
            (stats.get('pages held now'), stats.get('bytes held now'),
             stats.get('stale pages held now'), vmstat, meminfo))
    total = [l.split() for l in out if l.startswith('total ')]
    compare(res, 'overview: the lists total the blocks and pages held',
            total, [['total', str(len(held)), stats.get('pages held now')]])
    counters = dict(l.strip().split(': ', 1) for l in out if l.startswith('  ') and ': ' in l)
    compare(res, 'overview: every counter as debugfs "stats" has it', counters,
            {k: v for k, v in stats.items() if not k.startswith(('domain ', 'cap '))})

    # page: a stale page by pfn, a fresh one by physical address, then by
    # the struct page address the first lookup printed, an untagged page.
    slot, name = domains[0]['slot'], domains[0]['domain']
    now = 'domain now: started %s completed %s failed %s' % (
        domains[0]['started'], domains[0]['completed'], domains[0]['failed'])
    for what, args, block in [
            ('page --pfn (stale)', ('--pfn', stale[0]['pfn']), stale[0]),
            ('page --phys (not stale)', ('--phys', hex(int(fresh[0]['pfn'], 16) << 12 | 0x123)),
             fresh[0])]:
        out = expect_script(res, what, script('page', *args), 0)
        info = dict(l.split(': ', 1) for l in out if ': ' in l)
        compare(res, '%s: pfn, state, domain, generation, stale, domain now' % what,
                [info.get('pfn'), info.get('state', '').split(',')[0], info.get('domain'),
                 info.get('generation'), info.get('stale', '').split()[0:1], now in out],
                [block['pfn'], 'held', '%s %s' % (slot, name), block['generation'],
                 [block['stale']], True])
    address = dict(l.split(': ', 1) for l in out if ': ' in l).get('page', '0')
    out = expect_script(res, 'page --page (struct page address)', script('page', '--page', address),
                        0, stdout_has='pfn: %s\n' % fresh[0]['pfn'])
    pfn = next(p for p in range(int(held[0]['pfn'], 16) + 1, 1 << 40)
               if '%#x' % p not in [h['pfn'] for h in held])
    expect_script(res, 'page --pfn (never unmapped)', script('page', '--pfn', str(pfn)), 0,
                  stdout_has='state: not tagged')

    # Errors: clear messages and the documented exit status, no traceback.
    for what, args, status, message in [
            ('with no command', (), 2, 'required'),
            ('bogus', ('bogus',), 2, 'invalid choice'),
            ('page --pfn notanumber', ('page', '--pfn', 'notanumber'), 2, 'not a number'),
            ('page --pfn 1 (no memory there)', ('page', '--pfn', '1'), 2, 'no page_ext'),
            ('page --page 0x1234', ('page', '--page', '0x1234'), 2, 'not a struct page'),
            ('held --limit -1', ('held', '--limit', '-1'), 2, 'want a number')]:
        expect_script(res, what, script(*args), status, stderr_has=message)
    # A dump read with another kernel's vmlinux: vmcore-absent, which runs
    # once the other kernel is built.


def drgn_vmcore_absent_check(res, boot, dump):
    """The scripts on a kernel built without the quarantine: exit 3, say why."""
    if not drgn_smoke(res, boot, dump):
        return
    for args in (('overview',), ('held',), ('page', '--pfn', '0x40000')):
        expect_script(res, ' '.join(args) + ' (compiled out)',
                      run_drgn(dump, boot.kernel, QUARANTINE_SCRIPT, *args), 3,
                      stderr_has='built without CONFIG_IOMMU_PAGE_QUARANTINE')
    # Built before this kernel: the first kernel harness/check builds.
    expect_script(res, 'overview with the test kernel\'s vmlinux',
                  run_drgn(dump, 'test', QUARANTINE_SCRIPT, 'overview'), 1,
                  stderr_has='the vmlinux does not match the kernel')


def drgn_vmcore_disabled_check(res, boot, dump):
    """The scripts on a kernel that has the quarantine off: exit 4, say why."""
    if not drgn_smoke(res, boot, dump):
        return
    expect_script(res, 'overview (off at boot)',
                  run_drgn(dump, boot.kernel, QUARANTINE_SCRIPT, 'overview'), 4,
                  stdout_has='compiled in, OFF in this boot, static key off',
                  stderr_has='off in this boot')
    for args in (('held',), ('page', '--pfn', '0x40000')):
        expect_script(res, ' '.join(args) + ' (off at boot)',
                      run_drgn(dump, boot.kernel, QUARANTINE_SCRIPT, *args), 4,
                      stderr_has='off in this boot')


def static_checks(res):
    """checkpatch --strict and kernel-doc on everything we ship; every file
    and patch in exactly one patch of the exported series."""
    _, errors = series.check_mapping()
    (res.fail('patches/files maps every file and patch once', '\n'.join(errors[:15])) if errors
     else res.ok('patches/files maps every file and patch once'))
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
    # Every benchmark figure README.md and the documentation publish is
    # generated from harness/published/: none was typed or went stale.
    problems = figures.check_or_write(write=False)
    (res.fail('published figures match harness/published/', '\n'.join(problems))
     if problems else res.ok('published figures match harness/published/'))
    # Sign-offs are added when the series is exported for submission.
    for p in subprocess.run(['git', '-C', hqlib.ROOT, 'ls-files', '-co', '--exclude-standard',
                             'patches/*.patch'], capture_output=True, text=True).stdout.split():
        with open(os.path.join(hqlib.ROOT, p)) as patch:
            out = subprocess.run(checkpatch + ['--ignore', 'MISSING_SIGN_OFF', '-'],
                                 stdin=patch, capture_output=True, text=True).stdout
        bad = [l for l in out.splitlines() if re.search(r'(ERROR|WARNING|CHECK):', l)]
        (res.fail('checkpatch --strict: %s' % p, '\n'.join(bad[:10])) if bad
         else res.ok('checkpatch --strict: %s' % p))


# Upstream's mm selftests (guest/tests/vmtests.sh): the programs that skip
# in this guest, each one's result a TAP line "vm: PROGRAM ARGS".
VMTESTS_SKIPS = {
    'vm: ./thuge-gen': 'needs 4 huge pages of every size, 1 GiB ones included',
    'vm: ./ksm_tests -N -m 1': 'needs CONFIG_NUMA and two NUMA nodes; the guest has one',
    'vm: ./ksm_tests -N -m 0': 'needs CONFIG_NUMA and two NUMA nodes; the guest has one',
    'vm: ./soft-dirty': 'arm64 has no soft-dirty bit in 6.1 (no HAVE_ARCH_SOFT_DIRTY)',
    'vm: ./migration': 'needs two NUMA nodes; the guest has one (every test skips)',
}


# Upstream's 6.1 programs that fail on this kernel, with the quarantine on
# or off: pinned, so that one that starts to pass (or a new failure) shows.
UFFD_XFAIL = ('6.1\'s test asks UFFDIO_API for every feature of its UAPI header, '
              'uffd-wp included, which 6.1 lacks on arm64: EINVAL')
VMTESTS_XFAILS = {'vm: ./userfaultfd %s %s' % (t, args): UFFD_XFAIL
                  for t, args in (('anon', '4 2'), ('hugetlb', '8 2'),
                                  ('hugetlb_shared', '8 2 /harness/vm/huge/uffd-test'),
                                  ('shmem', '4 2'))}
VMTESTS_XFAILS.update({
    'vm: ./split_huge_page_test': 'no THP at its first fault (AnonHugePages 0) on this kernel, '
    'with the quarantine on or off; not investigated',
})


def vm_results(boot):
    """{program: 'pass' | 'fail' | 'skip'} of a boot's vmtests run."""
    out = {}
    for line in boot.sections().get('vmtests', (None, []))[1]:
        m = TAP_RE.match(line)
        if m and (m.group(2) or '').startswith('vm: '):
            out[m.group(2)] = ('fail' if m.group(1) else
                               'skip' if m.group(3) == 'SKIP' else 'pass')
    return out


def vmtests_same(res, boot, dump):
    """The control: every program has the result it had with the quarantine
    on (the vmtests-lazy suite, run before this one in the same check)."""
    lazy = hqlib.Boot('vmtests-lazy', boot.kernel)
    if not os.path.exists(lazy.out_path) or os.path.getmtime(lazy.out_path) < CHECK_START:
        res.fail('vmtests: the vmtests-lazy suite did not run in this check: run both')
        return
    on, off = vm_results(lazy), vm_results(boot)
    if not on or not off:
        res.fail('vmtests: no program results to compare (on: %d, off: %d)' % (len(on), len(off)))
        return
    differ = sorted(p for p in set(on) | set(off) if on.get(p) != off.get(p))
    if differ:
        res.fail('vmtests: %d program(s) differ with the quarantine on and off' % len(differ),
                 '\n'.join('    %s: on %s, off %s' % (p, on.get(p, 'absent'), off.get(p, 'absent'))
                           for p in differ))
    else:
        counts = {}
        for r in on.values():
            counts[r] = counts.get(r, 0) + 1
        res.ok('vmtests: the same result on and off for all %d programs' % len(on))
        res.notes.append('vmtests: on and off alike: %s' % ', '.join(
            '%d %s' % (n, r) for r, n in sorted(counts.items())))


# The smoke runs of the benchmarks: which suite ran which mode.
BENCH_SMOKE = [('compiled-out', 'compiled-out', 'absent'), ('boot-strict', 'strict', 'on'),
               ('quarantine-off', 'lazy', 'off'), ('boot-lazy', 'lazy+quarantine', 'on')]


def bench_report(res):
    """harness/bench.py's tables, files and plots, from the smoke runs."""
    import bench
    data = {}
    for suite, mode, quarantine in BENCH_SMOKE:
        boot = hqlib.Boot(suite, 'test')
        # Only this run's boots: a log left by an earlier run proves nothing.
        if not os.path.exists(boot.out_path) or os.path.getmtime(boot.out_path) < CHECK_START:
            res.fail('bench: the %s suite did not run in this check (run it with bench-report)'
                     % suite)
            continue
        lines = boot.sections().get('bench', (None, []))[1]
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

    def __init__(self, name, run, kernel='test'):
        self.name, self.kernel, self.fn = name, kernel, run

    def execute(self, built):
        res = Result(self.name)
        if not os.path.exists(os.path.join(hqlib.SRC, 'scripts/checkpatch.pl')):
            res.fail('not run: no kernel tree in build/linux')
            return res
        self.fn(res)
        if res.passed + res.failed + res.skipped == 0:
            res.fail('%s recorded no result' % self.name)
        return res


# iommu_quarantine= values that are not booleans (kstrtobool() reads only
# the first one or two characters: "0x1" or "offx" would be accepted).
BAD_PARAM_VALUES = ['=bogus', '=2', '=-1', '=+1', '=o', '=enable', '=', '', '=' + 'q' * 200]

SOAK_SECONDS = int(os.environ.get('SOAK_SECONDS') or 600)

SUITES = [
    HostSuite('static-checks', static_checks),
    # sparse and W=1 on what we touch (arm-smmu-v3 as a module, its imports
    # exported); the same objects for x86_64; our documentation page; the
    # exported series, each step building what it touches.
    HostSuite('sparse-w1', static.sparse_w1),
    HostSuite('build-x86', static.build_x86),
    HostSuite('htmldocs', static.htmldocs),
    HostSuite('series', static.series),
    # The entry points a reviewer uses: upstream's kunit.py running our
    # KUnit suites on QEMU virt with an SMMUv3 and edu (its own kernel, in
    # build/obj-kunit), and harness/apply-to on a clone of the pristine tree.
    HostSuite('kunit-py', static.kunit_py, kernel=None),
    HostSuite('apply-to', static.apply_to, kernel=None),
    # "bench" is the benchmarks' smoke variant (200 ms a run): it proves
    # they run in each mode; the bench-report suite reads their output.
    Suite('boot-lazy', append='iommu.strict=0 hq.bench_sample=1 hugepages=2',
          run=['iommu-domain', 'quarantine-state', 'bench'], kunit=KUNIT_SUITES,
          skips=SKIPS_LAZY),
    Suite('boot-strict', append='iommu.strict=1 hugepages=2',
          run=['iommu-domain', 'quarantine-state', 'bench'], kunit=KUNIT_SUITES,
          skips=SKIPS_STRICT),
    # init_on_free applied when a held page is released (needs the free
    # page readable, so debug_pagealloc off for this boot).
    Suite('init-on-free', append='iommu.strict=0 init_on_free=1 debug_pagealloc=off '
          'kunit.filter_glob=iommu_quarantine', kunit=['iommu_quarantine']),
    # Off: the DMA suite's control (lazy without the quarantine reuses the
    # page at once); the other suites have nothing to test and skip.
    Suite('quarantine-off', append='iommu.strict=0 iommu_quarantine=0 hq.quarantine=off',
          run=['iommu-domain', 'quarantine-state', 'bench'], kunit=['iommu_quarantine_dma'],
          skips=SKIPS_OFF),
    # Malformed values, each given once: each is refused, the default kept.
    Suite('bad-param', append='iommu.strict=0 ' + ' '.join(
          'iommu_quarantine' + v for v in BAD_PARAM_VALUES) + ' hq.bad_param=1 kunit.enable=0',
          run=['quarantine-state']),
    # The DMA use-after-free through a stale IOTLB entry (edu + test driver):
    # it must work with the quarantine off, and never with it on or strict.
    Suite('attack-lazy', append='iommu.strict=0 kunit.enable=0', run=['attack'],
          skips=ATTACK_SKIPS_LAZY),
    Suite('attack-off', append='iommu.strict=0 iommu_quarantine=0 kunit.enable=0',
          run=['attack'], skips=ATTACK_SKIPS_OFF),
    Suite('attack-strict', append='iommu.strict=1 kunit.enable=0', run=['attack'],
          skips=ATTACK_SKIPS_STRICT),
    # Strict with a quarantine on edu's domain, as an ATS device would get:
    # an unmap whose invalidation fails keeps its page out until a flush.
    Suite('attack-strict-ats', append='iommu.strict=1 dma_iommu.strict_quarantine=1 '
          'kunit.enable=0', run=['attack'], skips=ATTACK_SKIPS_STRICT),
    # The tracepoints, then a known quarantine state dumped and read back
    # with drgn and tools/mm/iommu_quarantine.py; the script's errors on a
    # kernel without the quarantine and on one that has it off.
    Suite('vmcore', append='iommu.strict=0 kunit.enable=0', run=['trace', 'vmcore'],
          dump=True, post=drgn_vmcore_check),
    Suite('vmcore-off', append='iommu.strict=0 iommu_quarantine=0 kunit.enable=0 mem=256M',
          run=['vmcore'], dump=True, post=drgn_vmcore_disabled_check),
    # Real drivers behind the SMMUv3, every byte checked: virtio-blk (O_DIRECT
    # into buffers then munmap()ed, writes, the page cache under pressure)
    # and virtio-net both ways between two NICs joined inside QEMU. With
    # the quarantine on, their pages must go through it. The control, off,
    # is vmtests-off: the same loads, devices and domains, the page-cache
    # part under the same memory pressure.
    Suite('drivers-lazy', append='iommu.strict=0 kunit.enable=0', run=['drivers'],
          drivers=True),
    # Upstream's mm selftests (6.1's tools/testing/selftests/vm, the entries
    # of its run_vmtests.sh) with the real drivers' DMA load running and
    # swap on a virtio-blk disk behind the SMMUv3; the control must give
    # every program the same result. secretmem.enable=1 for memfd_secret.
    Suite('vmtests-lazy', append='iommu.strict=0 kunit.enable=0 secretmem.enable=1',
          run=['vmtests'], drivers=True, swap_mib=128, skips=VMTESTS_SKIPS,
          xfails=VMTESTS_XFAILS),
    Suite('vmtests-off', append='iommu.strict=0 iommu_quarantine=0 kunit.enable=0 '
          'secretmem.enable=1', run=['vmtests'], drivers=True, swap_mib=128,
          skips=VMTESTS_SKIPS, xfails=VMTESTS_XFAILS, post=vmtests_same),
    # Both at once with the soak's stresses: CPU 1 offline and online every
    # 2 s, windows of failing invalidations, memory pressure.
    Suite('drivers-soak', append='iommu.strict=0 kunit.enable=0 hq.drivers_stress=1 '
          'hq.drivers_seconds=40', run=['drivers'], drivers=True),
    # Everything at once (guest/tests/soak.sh): DMA load on both CPUs, DMA
    # use-after-free attempts, memory pressure in waves, CPU hotplug, the
    # cap lowered, injected invalidation failures, lazy -> strict -> lazy;
    # then the counters must balance. mem=384M: the memory pressure's
    # ballast takes a third of the time to build. About 2 min.
    Suite('soak', append='iommu.strict=0 kunit.enable=0 mem=384M hq.soak_seconds=36',
          run=['soak']),
    # The kernel with the quarantine compiled out (built in the background
    # meanwhile, as the x86_64 one is): the same machine and tools; then
    # the benchmarks' smoke runs of four suites side by side.
    Suite('compiled-out', kernel='bench-off', append='iommu.strict=0 hq.quarantine=absent',
          run=['iommu-domain', 'quarantine-state', 'bench']),
    HostSuite('bench-report', bench_report),
    Suite('vmcore-absent', kernel='bench-off', append='iommu.strict=0 kunit.enable=0 mem=256M',
          run=['vmcore'], dump=True, post=drgn_vmcore_absent_check),
    # x86_64, where lazy mode is the kernel's default: q35 with Intel VT-d
    # in front of edu, the same kernel options. The KUnit suites (the DMA
    # one on VT-d), the attack in the three modes, the short soak with
    # VT-d invalidations failing, and the real drivers.
    Suite('x86-boot-lazy', kernel='x86-test', append='iommu.strict=0 hugepages=2',
          run=['iommu-domain', 'quarantine-state'], kunit=KUNIT_SUITES, skips=SKIPS_LAZY),
    Suite('x86-attack-lazy', kernel='x86-test', append='iommu.strict=0 kunit.enable=0',
          run=['attack'], skips=ATTACK_SKIPS_LAZY),
    Suite('x86-attack-off', kernel='x86-test',
          append='iommu.strict=0 iommu_quarantine=0 kunit.enable=0', run=['attack'],
          skips=ATTACK_SKIPS_OFF),
    Suite('x86-attack-strict', kernel='x86-test', append='iommu.strict=1 kunit.enable=0',
          run=['attack'], skips=ATTACK_SKIPS_STRICT),
    Suite('x86-drivers', kernel='x86-test', append='iommu.strict=0 kunit.enable=0',
          run=['drivers'], drivers=True),
    # AMD-Vi as far as QEMU 7.2's model allows: it advertises NpCache, so
    # 6.1 makes every domain strict (lazy mode cannot be reached there).
    # Strict: the DMA suite, and the attack with an injected completion-wait
    # time-out on a strict unmap. The model logs no IO page fault, so only
    # the victims' bytes show that the late writes did not land.
    Suite('x86-amd-strict', kernel='x86-test', iommu='amd',
          append='iommu.strict=0 hq.domain=DMA hq.fault_reports=0 '
          'kunit.filter_glob=iommu_quarantine_dma',
          run=['iommu-domain', 'attack'], kunit=['iommu_quarantine_dma'], skips=dict(
              ATTACK_SKIPS_STRICT, **{
                  'the IOMMU reported a translation fault for the write after the flush':
                  'QEMU\'s AMD-Vi reports no IO page fault',
                  "strict: the device's writes after the unmap faulted in the IOMMU":
                  'QEMU\'s AMD-Vi reports no IO page fault',
                  'iommu_quarantine_dma.test_dma_lazy': 'AMD-Vi under QEMU is strict only',
                  'iommu_quarantine_dma.test_dma_lazy_unprotected':
                  'AMD-Vi under QEMU is strict only'})),
    Suite('x86-soak', kernel='x86-test',
          append='iommu.strict=0 kunit.enable=0 mem=384M hq.soak_seconds=36', run=['soak']),
    # The same for SOAK_SECONDS (default 600) with all of the guest's 1 GiB:
    # "make soak".
    Suite('soak-long', append='iommu.strict=0 kunit.enable=0 hq.soak_seconds=%d' % SOAK_SECONDS,
          run=['soak'], timeout=2 * SOAK_SECONDS + 600, optional=True),
    # The real drivers under the same stresses for SOAK_SECONDS: "make soak".
    Suite('drivers-soak-long', append='iommu.strict=0 kunit.enable=0 hq.drivers_stress=1 '
          'hq.drivers_seconds=%d' % SOAK_SECONDS, run=['drivers'], drivers=True,
          timeout=2 * SOAK_SECONDS + 600, optional=True),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--only', action='append', metavar='SUITE',
                        help='run only this suite (repeatable); one of: ' +
                        ', '.join(s.name for s in SUITES) + ' (soak-long runs only when named)')
    parser.add_argument('--no-build', action='store_true',
                        help='use the kernels and initramfs already built')
    args = parser.parse_args()
    names = [s.name for s in SUITES]
    for name in args.only or []:
        if name not in names:
            parser.error('unknown suite %r (known: %s)' % (name, ', '.join(names)))
    suites = [s for s in SUITES if s.name in args.only] if args.only else \
        [s for s in SUITES if not getattr(s, 'optional', False)]

    os.makedirs(hqlib.LOGS, exist_ok=True)
    results, built = [], {}
    start = time.time()
    kernels = [k for k in hqlib.KERNELS.values() if any(s.kernel == k.name for s in suites)]
    background = None
    if args.no_build:
        for kernel in kernels:
            built[kernel.name] = os.path.exists(hqlib.kernel_image(kernel.name))
    elif kernels:
        # The first kernel now; the others meanwhile, at the lowest CPU
        # priority, each waited for by the first suite that boots it.
        res = Build(kernels[0])
        res.run()
        built[kernels[0].name] = res.ok_built
        results.append(res)
        res.show()
        background = Background([Build(k, background=True) for k in kernels[1:]])

    for suite in suites:
        if background:
            for res in background.wait_for(suite.kernel):
                built[res.kernel.name] = res.ok_built
                results.insert(len([r for r in results if isinstance(r, Build)]), res)
                res.show()
        print('== %s' % suite.name, flush=True)
        res = suite.execute(built)
        results.append(res)
        report(res)
    if background:
        for res in background.wait_for(None, every=True):
            results.insert(len([r for r in results if isinstance(r, Build)]), res)
            res.show()

    passed = sum(r.passed for r in results)
    failed = sum(r.failed for r in results)
    skipped = sum(r.skipped for r in results)
    print()
    print('Summary (%.0f s):' % (time.time() - start))
    for r in results:
        print('  %-14s %3d passed, %d failed, %d skipped' % (r.suite, r.passed, r.failed, r.skipped))
    print('%d passed, %d failed%s' % (passed, failed, ', %d skipped' % skipped if skipped else ''))
    sys.exit(1 if failed or passed == 0 else 0)


class Build(Result):
    """Building one kernel and its initramfs, as a result."""

    def __init__(self, kernel, background=False):
        super().__init__('build-' + kernel.name)
        self.kernel, self.background, self.ok_built = kernel, background, False

    def run(self):
        if not self.background:
            print('== building the %s kernel (%s) and its initramfs' % (
                self.kernel.name, self.kernel.what), flush=True)
        build_start = time.time()
        ok, tail, log = hqlib.build_kernel(self.kernel, background=self.background)
        self.ok_built = ok
        self.notes.append('took %.0fs%s, log: %s' % (
            time.time() - build_start, ' in the background' if self.background else '',
            os.path.relpath(log, hqlib.ROOT)))
        if ok:
            self.ok('the %s kernel builds without warnings' % self.kernel.name)
        else:
            self.fail('the %s kernel or initramfs failed to build' % self.kernel.name, tail)

    def show(self):
        if self.background:
            print('== the %s kernel (%s) and its initramfs, built in the background'
                  % (self.kernel.name, self.kernel.what), flush=True)
        report(self)


class Background:
    """Builds run one after the other in a thread while the suites run."""

    def __init__(self, builds):
        import threading
        self.builds, self.shown = builds, set()
        self.done = {b.kernel.name: threading.Event() for b in builds}
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        for build in self.builds:
            try:
                build.run()
            except Exception as e:  # a failed build must not hang the check
                build.fail('the %s kernel build raised %r' % (build.kernel.name, e))
            self.done[build.kernel.name].set()

    def wait_for(self, name, every=False):
        """The builds up to the one of kernel NAME (or all of them), done,
        each returned once."""
        out = []
        for build in self.builds:
            if build.kernel.name in self.shown:
                continue
            if not every and name not in [b.kernel.name for b in self.builds[
                    self.builds.index(build):]]:
                break
            self.done[build.kernel.name].wait()
            self.shown.add(build.kernel.name)
            out.append(build)
            if build.kernel.name == name:
                break
        return out


def report(res):
    for note in res.notes:
        print('   ' + note)
    for failure in res.failures:
        print('   FAIL: ' + failure.replace('\n', '\n      '))
    print('   %s: %d passed, %d failed, %d skipped' % (res.suite, res.passed, res.failed,
                                                        res.skipped), flush=True)


if __name__ == '__main__':
    main()
