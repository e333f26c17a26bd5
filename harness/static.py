# SPDX-License-Identifier: GPL-2.0
"""Host-side checks of the kernel tree, run by harness/check.py.

  sparse_w1      sparse (C=2) and W=1 on every object we touch, with the
                 test kernel's configuration and arm-smmu-v3 as a module: a
                 warning in our files or on a line we added fails; every
                 symbol the module imports must be exported
  build_x86      x86_64, native gcc, Intel and AMD IOMMU: mm/, drivers/iommu/
                 and the other objects we touch build without warnings
  htmldocs       make SPHINXDIRS=mm htmldocs: no warning about our files
  series         harness/series: the mapping, the export, git am, the
                 messages, checkpatch on every exported patch, and the objects
                 each patch touches built at every step
  kunit_py       tools/testing/kunit/kunit.py run with our kunitconfig and
                 the arm64 SMMUv3 + edu qemu_config: each of our KUnit
                 suites ran, each case passed or skipped as pinned
  apply_to       harness/apply-to: refuses a tree that is not 6.1, not
                 clean or not in git; applies the series to a clone of the
                 pristine tree, giving build/linux's tree with our files

Each takes a check.Result-like object (ok, fail, notes) and records what it
did and how long it took. Objects go to build/obj-sparse, obj-x86 and
obj-docs, next to build/linux so that ccache hits across trees.
"""

import glob
import os
import re
import shutil
import subprocess
import time

import hqlib
import series as series_py

HARNESS = os.path.dirname(os.path.abspath(__file__))
CONFIGS = os.path.join(HARNESS, 'configs')
CROSS = 'aarch64-linux-gnu-'


def git_src(*args):
    return subprocess.run(['git', '-C', hqlib.SRC] + list(args), capture_output=True,
                          text=True, check=True).stdout


def our_files():
    """Our new kernel files, as laid over build/linux (symlinks)."""
    path = os.path.join(hqlib.SRC, '.git', 'hq-overlay')
    with open(path) as f:
        return [l.strip() for l in f if l.strip()]


def touched_sources():
    """The C files the series changes, and our new C files (not tools/)."""
    # The work tree, edits not yet in patches/ included: that is what builds.
    changed = git_src('diff', '--name-only', 'pristine').split()
    files = [f for f in changed + our_files()
             if f.endswith('.c') and not f.startswith(('tools/', 'scripts/', 'Documentation/'))]
    return sorted(set(files))


def added_lines():
    """{path: set of line numbers} the series adds to upstream files."""
    lines, path = {}, None
    for l in git_src('diff', '-U0', '--no-color', 'pristine').splitlines():
        if l.startswith('+++ '):
            path = l[6:] if l.startswith('+++ b/') else None
        m = re.match(r'@@ -\S+ \+(\d+)(?:,(\d+))? @@', l)
        if m and path:
            start, count = int(m.group(1)), int(m.group(2) or 1)
            lines.setdefault(path, set()).update(range(start, start + count))
    return lines


DIAG_RE = re.compile(r'^(\S+?):(\d+):(?:\d+:)? ((?:fatal )?error|warning): (.*)$')


def tree_path(path, obj):
    """PATH as the compiler printed it (relative to the object directory,
    or absolute; through our symlinks or not) as a path in the kernel tree."""
    full = os.path.normpath(os.path.join(obj, path))
    for root in (hqlib.SRC, hqlib.ROOT):
        if full.startswith(root + '/'):
            return full[len(root) + 1:]
    return full


def our_diagnostics(output, ours, added, obj):
    """The warnings and errors in OUTPUT that are ours: anywhere in our own
    files, or on a line we added to an upstream file. Returns (ours,
    number of others)."""
    mine, others = [], 0
    for line in output.splitlines():
        m = DIAG_RE.match(line.strip())
        if not m:
            continue
        path = tree_path(m.group(1), obj)
        if path in ours or int(m.group(2)) in added.get(path, ()):
            mine.append('%s:%s: %s: %s' % (path, m.group(2), m.group(3), m.group(4)))
        else:
            others += 1
    return mine, others


def make(obj, *args, arch='arm64', log=None, env=None):
    """kbuild in build/linux; returns (ok, output)."""
    cmd = ['make', '-C', hqlib.SRC, 'O=' + obj, 'ARCH=' + arch,
           '-j%d' % (os.cpu_count() or 2), 'HOSTCC=ccache gcc']
    if arch == 'arm64':
        cmd += ['CROSS_COMPILE=' + CROSS, 'CC=ccache %sgcc' % CROSS]
    else:
        cmd += ['CC=ccache gcc']
    proc = subprocess.run(cmd + list(args), capture_output=True, text=True,
                          env=dict(os.environ, **(env or {})))
    out = proc.stdout + proc.stderr
    if log:
        with open(log, 'w') as f:
            f.write(out)
    return proc.returncode == 0, out


def tail(text, n=20):
    return '\n'.join(text.strip().splitlines()[-n:])


# Diagnostics on lines we added that are upstream's, moved: (file, text)
# and why they are accepted.
KNOWN_DIAGNOSTICS = {
    ('mm/page_alloc.c', "context imbalance in '__free_unref_page'"):
        "upstream's free_unref_page() has it (pcp_spin_trylock); 0002 only renamed it",
}


def known(line):
    return any(f in line and text in line for f, text in KNOWN_DIAGNOSTICS)


def configure_arm64(obj, extra):
    """obj/.config: the test kernel's fragments (as harness/kernel merges
    them) plus EXTRA, checked; returns an error or None."""
    import series
    frags = [os.path.join(CONFIGS, f) for f in ('base.config', 'test.config')]
    frags += sorted(os.path.join(CONFIGS, f) for f in os.listdir(CONFIGS)
                    if f.startswith(('feature-', 'test-')) and f.endswith('.config'))
    frags.append(extra)
    os.makedirs(obj, exist_ok=True)
    merged = os.path.join(obj, '.hq-fragment')
    with open(merged, 'w') as f:
        f.write(series.config_fragments(hqlib.SRC, frags))
    # allnoconfig into a scratch copy: an unchanged config keeps its mtime.
    scratch = os.path.join(obj, '.hq-config')
    ok, out = make(scratch, 'KCONFIG_ALLCONFIG=' + merged, 'allnoconfig')
    if not ok:
        return 'make allnoconfig failed:\n' + tail(out)
    with open(os.path.join(scratch, '.config')) as f:
        config = f.read()
    missing = [l for l in read_fragment(extra) if not re.search(
        '^%s$' % re.escape(l), config, re.M)]
    if missing:
        return 'not set: ' + ', '.join(missing)
    path = os.path.join(obj, '.config')
    if not os.path.exists(path) or open(path).read() != config:
        with open(path, 'w') as f:
            f.write(config)
    return None


def exported_symbols():
    """The symbols vmlinux exports, from the test kernel's Module.symvers
    (the same sources; exports do not depend on ARM_SMMU_V3)."""
    path = os.path.join(hqlib.obj_dir('test'), 'Module.symvers')
    with open(path) as f:
        return {l.split('\t')[1] for l in f if l.count('\t') >= 2}


def module_imports(obj, module_objs):
    """Undefined symbols of a module's objects that none of them defines."""
    undefined, defined = set(), set()
    for o in module_objs:
        out = subprocess.run([CROSS + 'nm', os.path.join(obj, o)], capture_output=True,
                             text=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == 'U':
                undefined.add(parts[1])
            elif len(parts) == 3:
                defined.add(parts[2])
    return undefined - defined


def sparse_w1(res):
    """sparse (C=2) and W=1 on the objects we touch, with the test kernel's
    configuration and arm-smmu-v3 as a module, whose imports must all be
    exported."""
    start = time.time()
    obj = hqlib.obj_dir('sparse')
    err = configure_arm64(obj, os.path.join(CONFIGS, 'static.config'))
    if err:
        res.fail('configuration: the test kernel with static.config', err)
        return
    # Only what the configuration builds: a file it leaves out does not
    # compile alone; build-x86 covers what is not for arm64.
    import series
    config = series.read_config(obj)
    sources, absent = [], []
    for s in touched_sources():
        (sources if series.object_enabled(hqlib.SRC, config, s[:-2] + '.o')
         else absent).append(s)
    objs = [s[:-2] + '.o' for s in sources]
    # Compile them again every time, so that their warnings (replayed by
    # ccache) are seen on every run.
    for o in objs:
        if os.path.exists(os.path.join(obj, o)):
            os.remove(os.path.join(obj, o))
    log = os.path.join(hqlib.LOGS, 'static-sparse.log')
    ok, out = make(obj, '-k', 'C=2', 'W=1', *objs, log=log)
    mine, others = our_diagnostics(out, set(our_files()), added_lines(), obj)
    if not ok and not mine:
        res.fail('sparse and W=1 build of the objects we touch', tail(out))
    accepted = [l for l in mine if known(l)]
    mine = [l for l in mine if not known(l)]
    for s in sources:
        bad = [l for l in mine if s in l]
        what = 'sparse and W=1 clean: %s' % s
        if not os.path.exists(os.path.join(obj, s[:-2] + '.o')):
            res.fail(what, 'not compiled')
        elif bad:
            res.fail(what, '\n'.join(bad[:10]))
        else:
            res.ok(what)
    stray = [l for l in mine if not any(s in l for s in sources)]
    if stray:
        res.fail('sparse and W=1: warnings on lines we added to headers', '\n'.join(stray[:10]))
    if absent:
        res.notes.append('not in the arm64 configuration, compiled by build-x86: ' +
                         ', '.join(absent))
    for l in accepted:
        res.notes.append('accepted: %s' % l.split(': ', 1)[-1])

    # arm-smmu-v3 as a module: compiled with -DMODULE above; everything it
    # imports must be exported (what modpost would check against vmlinux).
    mod_dir = 'drivers/iommu/arm/arm-smmu-v3'
    mod_objs = [o for o in objs if o.startswith(mod_dir + '/')]
    cmd = os.path.join(obj, mod_dir, '.arm-smmu-v3.o.cmd')
    if not mod_objs or not os.path.exists(cmd) or '-DMODULE' not in open(cmd).read():
        res.fail('arm-smmu-v3 compiled as a module (-DMODULE)')
    else:
        try:
            missing = sorted(module_imports(obj, mod_objs) - exported_symbols() -
                             {'__this_module'})
        except FileNotFoundError as e:
            res.fail('arm-smmu-v3 as a module: no exports to check against (is the test '
                     'kernel built?)', str(e))
            missing = None
        if missing is None:
            pass
        elif missing:
            res.fail('arm-smmu-v3 as a module: it uses symbols nobody exports',
                     ', '.join(missing[:20]))
        else:
            res.ok('ARM_SMMU_V3=m: the driver compiles as a module and every symbol it '
                   'imports is exported')
    res.notes.append('sparse + W=1 on %d objects, ARM_SMMU_V3=m: %.0fs; %d diagnostics on '
                     'upstream lines we did not touch ignored (log: %s)' % (
                         len(objs), time.time() - start, others,
                         os.path.relpath(log, hqlib.ROOT)))


def read_fragment(path):
    with open(path) as f:
        return [l.strip() for l in f if re.match(r'CONFIG_\w+=', l)]


def build_x86(res):
    """x86_64 with the Intel and AMD IOMMU drivers: what we touch builds."""
    start = time.time()
    obj = hqlib.obj_dir('x86')
    os.makedirs(obj, exist_ok=True)
    frag = os.path.join(CONFIGS, 'x86_64.config')
    ok, out = make(obj, 'KCONFIG_ALLCONFIG=' + frag, 'allnoconfig', arch='x86_64')
    if not ok:
        res.fail('x86_64: make allnoconfig', tail(out))
        return
    with open(os.path.join(obj, '.config')) as f:
        config = f.read()
    missing = [l for l in read_fragment(frag) if not re.search(
        '^%s$' % re.escape(l), config, re.M)]
    if missing:
        res.fail('x86_64: the configuration has what %s asks for' % os.path.basename(frag),
                 'not set: ' + ', '.join(missing))
        return
    # mm/ and drivers/iommu/ whole, and our other objects.
    targets = ['mm/', 'drivers/iommu/'] + [s[:-2] + '.o' for s in touched_sources()
                                           if not s.startswith(('mm/', 'drivers/iommu/'))]
    for s in touched_sources():
        o = os.path.join(obj, s[:-2] + '.o')
        if os.path.exists(o):
            os.remove(o)      # compile again so that its warnings are seen
    log = os.path.join(hqlib.LOGS, 'static-x86.log')
    ok, out = make(obj, '-k', *targets, arch='x86_64', log=log)
    warnings = [l for l in out.splitlines() if DIAG_RE.match(l)]
    if not ok or warnings:
        res.fail('x86_64: %s build without warnings' % ' '.join(targets),
                 '\n'.join(warnings[:15]) or tail(out))
    else:
        res.ok('x86_64 (Intel and AMD IOMMU, quarantine on): %s build without warnings' %
               ' '.join(targets))
    for s in touched_sources():
        if s.startswith('drivers/iommu/arm/'):
            continue        # arm64 only
        (res.ok if os.path.exists(os.path.join(obj, s[:-2] + '.o')) else res.fail)(
            'x86_64: %s compiled' % s)
    res.notes.append('x86_64 build: %.0fs (log: %s)' % (time.time() - start,
                                                        os.path.relpath(log, hqlib.ROOT)))


def htmldocs(res):
    """make SPHINXDIRS=mm htmldocs: no warning that names our files."""
    start = time.time()
    obj = hqlib.obj_dir('docs')
    os.makedirs(obj, exist_ok=True)
    log = os.path.join(hqlib.LOGS, 'static-htmldocs.log')
    # From scratch (5 s): Sphinx reports a page's warnings only when it
    # reads the page again.
    shutil.rmtree(os.path.join(obj, 'Documentation', 'output'), ignore_errors=True)
    ok, out = make(obj, 'SPHINXDIRS=mm', 'htmldocs', log=log,
                   env={'SPHINXOPTS': '-j1'})
    if not ok:
        res.fail('make SPHINXDIRS=mm htmldocs', tail(out))
        return
    ours = [l for l in out.splitlines() if re.search(r'(WARNING|ERROR|warning|error)', l) and
            'iommu_quarantine' in l]
    page = os.path.join(obj, 'Documentation/output/mm/iommu_quarantine.html')
    if ours:
        res.fail('htmldocs: warnings about our files', '\n'.join(ours[:15]))
    elif not os.path.exists(page):
        res.fail('htmldocs: no mm/iommu_quarantine.html')
    else:
        with open(page, errors='replace') as f:
            html = f.read()
        # The kernel-doc directives must have produced the API.
        missing = [fn for fn in ('iommu_quarantine_free', 'iommu_quarantine_domain_init',
                                 'iommu_quarantine_tag_pages') if fn not in html]
        if missing:
            res.fail('htmldocs: the interface section lacks %s' % ', '.join(missing))
        else:
            res.ok('make SPHINXDIRS=mm htmldocs: our page builds with its kernel-doc, '
                   'no warning about our files')
    others = len([l for l in out.splitlines() if 'WARNING' in l]) - len(ours)
    res.notes.append('htmldocs: %.0fs, %d warnings elsewhere in Documentation/mm ignored '
                     '(log: %s)' % (time.time() - start, others,
                                    os.path.relpath(log, hqlib.ROOT)))


def series(res):
    """The exported series: mapping, git am, messages, checkpatch, and
    every step built (the objects it touches)."""
    start = time.time()
    log = os.path.join(hqlib.LOGS, 'series.log')
    # No sign-off without a real identity: a placeholder is refused.
    bad = subprocess.run([os.path.join(HARNESS, 'series'), '-o', os.path.join(
        hqlib.BUILD, 'series-refused')], capture_output=True, text=True,
        env=dict(os.environ, HQ_PATCH_FROM='IOMMU page quarantine <iommu-quarantine@localhost>'))
    if bad.returncode == 2 and 'cannot sign off' in bad.stderr:
        res.ok('series: export refused with a placeholder identity')
    else:
        res.fail('series: export refused with a placeholder identity',
                 'exit status %d: %s' % (bad.returncode, bad.stderr[-300:]))
    env = dict(os.environ)
    try:
        identity = series_py.exporter_identity()
    except ValueError:
        # This machine has no git identity: sign with one for the check.
        identity = env['HQ_PATCH_FROM'] = 'iommuq check <check@iommuq.example.org>'
        res.notes.append('series: no git identity here, exported as %s' % identity)
    proc = subprocess.run([os.path.join(HARNESS, 'series'), '-o',
                           os.path.join(hqlib.BUILD, 'series')],
                          capture_output=True, text=True, env=env)
    with open(log, 'w') as f:
        f.write(proc.stdout + proc.stderr)
    lines = proc.stdout.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r'  (ok|FAIL|warn)  (.*)', line)
        if not m:
            continue
        if m.group(1) == 'ok':
            res.ok('series: ' + m.group(2))
        elif m.group(1) == 'FAIL':
            detail = []
            for more in lines[i + 1:]:
                if not more.startswith('        '):
                    break
                detail.append(more.strip())
            res.fail('series: ' + m.group(2), '\n'.join(detail[:15]))
        else:
            res.notes.append('series: ' + m.group(2))
    if proc.returncode == 2 or (proc.returncode and not res.failed):
        res.fail('harness/series failed', tail(proc.stdout + proc.stderr))
    else:
        patches = sorted(glob.glob(os.path.join(hqlib.BUILD, 'series', '0*.patch')))
        unsigned = [os.path.basename(p) for p in patches[1:]
                    if 'Signed-off-by: %s\n' % identity not in open(p).read()]
        if unsigned or not patches:
            res.fail('series: every patch signed off by %s' % identity,
                     'not: ' + (' '.join(unsigned) or 'no patch exported'))
        else:
            res.ok('series: every patch signed off by %s' % identity)
        maint = [p for p in patches if 'MAINTAINERS' in os.path.basename(p)]
        (res.ok if maint and '+M:\t%s\n' % identity in open(maint[0]).read() else res.fail)(
            'series: the MAINTAINERS entry names %s' % identity)
    res.notes.append('series export and checks: %.0fs (log: %s)' % (
        time.time() - start, os.path.relpath(log, hqlib.ROOT)))


# ---------------------------------------------------------------------------
# The entry points reviewers use: kunit.py on the SMMUv3 machine, and
# harness/apply-to on a tree of their own.

KUNIT_CONFIG = 'tools/testing/kunit/configs/iommu_quarantine.config'
KUNIT_QEMU_CONFIG = 'tools/testing/kunit/qemu_configs/arm64_smmuv3.py'
# What kunit.py must report for each case of our suites on that machine
# (lazy mode, the quarantine on by default): PASS, or SKIP with the reason.
KUNIT_PY_SKIPS = {
    'iommu_quarantine.test_init_on_free': 'needs init_on_free=1',
    'iommu_quarantine_dma.test_dma_lazy_unprotected': 'the control, for iommu_quarantine=off',
    'iommu_quarantine_dma.test_dma_strict': 'needs iommu.strict=1',
}
# The cases each suite has: a suite that lost one fails as surely as one
# whose case failed.
KUNIT_PY_CASES = {'iommu_quarantine': 17, 'iommu_quarantine_dma': 3,
                  'iommu_quarantine_reuse': 3}


def check(res, cond, what, detail=''):
    if cond:
        res.ok(what)
    else:
        res.fail(what, detail)


def kunit_py_command(build_dir, json_path):
    """The command README.md and Documentation/mm/iommu_quarantine.rst
    give, with a build directory, ccache and two jobs."""
    return ['./tools/testing/kunit/kunit.py', 'run', '--arch=arm64',
            '--cross_compile=' + CROSS, '--kunitconfig=' + KUNIT_CONFIG,
            '--qemu_config=' + KUNIT_QEMU_CONFIG, '--build_dir=' + build_dir,
            '--make_options', 'CC=ccache %sgcc' % CROSS, '--jobs', '2',
            '--timeout', '600', '--json=' + json_path]


def kunit_groups(top):
    """{suite name: {case name: status}} from kunit.py's JSON: the suites
    are the top group's sub-groups; a suite that ran no case is one of its
    test cases."""
    found = {c['name']: {} for c in top.get('test_cases', [])}
    for sub in top.get('sub_groups', []):
        found[sub['name']] = {c['name']: c['status'] for c in sub.get('test_cases', [])}
    return found


def kunit_py_results(res, groups):
    """Each of our suites ran all its cases; each passed, or skipped where
    KUNIT_PY_SKIPS says it must."""
    for suite, ncases in KUNIT_PY_CASES.items():
        cases = groups.get(suite)
        if cases is None:
            res.fail('kunit.py: suite %s ran' % suite, 'suites seen: ' + ', '.join(groups))
            continue
        if len(cases) != ncases:
            res.fail('kunit.py: suite %s ran its %d cases' % (suite, ncases),
                     'it reported %d: %s' % (len(cases), ', '.join(cases)))
        for case, status in sorted(cases.items()):
            name = '%s.%s' % (suite, case)
            if status == 'SKIP' and name in KUNIT_PY_SKIPS:
                res.skip('kunit.py: ' + name, KUNIT_PY_SKIPS[name])
            elif name in KUNIT_PY_SKIPS:
                res.fail('kunit.py: %s is %s, but must skip here (%s)' % (
                    name, status, KUNIT_PY_SKIPS[name]))
            elif status == 'PASS':
                res.ok('kunit.py: ' + name)
            else:
                res.fail('kunit.py: %s is %s' % (name, status))


def kunit_py(res):
    """tools/testing/kunit/kunit.py run on QEMU virt with an SMMUv3 and
    edu: our three suites ran, every case passed or skipped as pinned."""
    import json
    start = time.time()
    build_dir = hqlib.obj_dir('kunit')
    json_path = os.path.join(hqlib.LOGS, 'kunit-py.json')
    log = os.path.join(hqlib.LOGS, 'kunit-py.log')
    os.makedirs(hqlib.LOGS, exist_ok=True)
    # Results of an earlier run must not count for this one.
    for stale in (json_path, os.path.join(build_dir, 'test.log')):
        if os.path.exists(stale):
            os.remove(stale)
    # harness/check's ccache (harness/lib.sh) when run without it.
    env = dict(os.environ)
    env.setdefault('CCACHE_DIR', '/var/cache/iommuq-ccache')
    cmd = kunit_py_command(build_dir, json_path)
    proc = subprocess.run(cmd, cwd=hqlib.SRC, capture_output=True, text=True, env=env)
    out = proc.stdout + proc.stderr
    with open(log, 'w') as f:
        f.write('$ ' + ' '.join(cmd) + '\n' + out)
    elapsed = time.time() - start
    res.notes.append('kunit.py run (build and boot): %.0fs (log: %s)' % (
        elapsed, os.path.relpath(log, hqlib.ROOT)))
    if proc.returncode:
        res.fail('kunit.py run exits with status 0', 'status %d\n%s' % (proc.returncode,
                                                                        tail(out, 25)))
    else:
        res.ok('kunit.py run exits with status 0')
    try:
        with open(json_path) as f:
            groups = kunit_groups(json.load(f))
    except (OSError, ValueError) as e:
        res.fail('kunit.py wrote its parsed results (--json)', str(e))
        return
    kunit_py_results(res, groups)
    # The console, whatever the tests said.
    try:
        with open(os.path.join(build_dir, 'test.log'), errors='replace') as f:
            bugs = [l.strip() for l in f if hqlib.KERNEL_BUG_RE.search(l)]
    except OSError as e:
        bugs = ['no console log: %s' % e]
    (res.fail('kunit.py: the kernel reported no bug', '\n'.join(bugs[:10])) if bugs
     else res.ok('kunit.py: the kernel reported no bug'))
    # The device-free kunitconfig resolves on the stock arm64 machine too.
    cfg_dir = hqlib.obj_dir('kunit-mm')
    proc = subprocess.run(['./tools/testing/kunit/kunit.py', 'config', '--arch=arm64',
                           '--cross_compile=' + CROSS, '--kunitconfig=mm',
                           '--build_dir=' + cfg_dir], cwd=hqlib.SRC, capture_output=True,
                          text=True, env=env)
    check(res, not proc.returncode,
          'kunit.py config --kunitconfig=mm --arch=arm64: every option set',
          tail(proc.stdout + proc.stderr))


def apply_to(res):
    """harness/apply-to on a clone of the pristine tree: it refuses a tree
    that is not 6.1, one with uncommitted changes and one that is not a git
    work tree, changing nothing; on the pristine tree it gives the tree
    harness/tree builds, one commit per patch."""
    start = time.time()
    work = os.path.join(hqlib.BUILD, 'apply-to-check')
    tree = os.path.join(work, 'linux')
    os.makedirs(work, exist_ok=True)
    apply_cmd = [os.path.join(HARNESS, 'apply-to')]

    def run(*args, cwd=tree, check=True):
        proc = subprocess.run(list(args), cwd=cwd, capture_output=True, text=True)
        if check and proc.returncode:
            raise RuntimeError('%s: %s' % (' '.join(args), proc.stderr.strip()))
        return proc

    def head():
        return run('git', 'rev-parse', 'HEAD').stdout.strip()

    def refused(what, target, reason_re):
        before = head()
        proc = run(*apply_cmd, target, check=False)
        text = proc.stdout + proc.stderr
        if proc.returncode == 1 and re.search(reason_re, text) and head() == before:
            res.ok('apply-to refuses %s, and says why' % what)
        else:
            res.fail('apply-to refuses %s, and says why (%s), changing nothing' % (
                what, reason_re), 'exit status %d, HEAD %s\n%s' % (
                    proc.returncode, 'unchanged' if head() == before else 'moved', tail(text)))

    def pristine_of(path):
        return subprocess.run(['git', '-C', path, 'rev-parse', '-q', '--verify',
                               'pristine^{tree}'], capture_output=True, text=True).stdout

    try:
        # A clone of build/linux at "pristine": made once (checking out
        # the whole tree takes minutes), then reset to it and cleaned of
        # everything, ignored files included, on each run.
        if os.path.isdir(tree) and pristine_of(tree) and pristine_of(tree) == pristine_of(
                hqlib.SRC) and not run('git', 'fetch', '-q', 'origin', check=False).returncode:
            run('git', 'checkout', '-q', '-f', '-B', 'mine', 'pristine')
            run('git', 'clean', '-q', '-ffdx')
        else:
            shutil.rmtree(work, ignore_errors=True)
            os.makedirs(work)
            run('git', 'clone', '-q', '--shared', '--no-checkout', hqlib.SRC, tree, cwd=work)
            run('git', 'checkout', '-q', '-b', 'mine', 'pristine')
            res.notes.append('apply-to check: cloned and checked out the pristine tree')
        for key, value in (('user.name', 'apply-to check'),
                           ('user.email', 'check@iommuq.example.org'), ('gc.auto', '0')):
            run('git', 'config', key, value)
        if run('git', 'status', '--porcelain', '--ignored').stdout or \
                run('git', 'rev-parse', 'HEAD^{tree}').stdout != pristine_of(tree):
            raise RuntimeError('the clone in %s is not the pristine tree' % tree)
        # Not 6.1: the same tree with the Makefile saying 6.2, committed.
        with open(os.path.join(tree, 'Makefile')) as f:
            makefile = f.read()
        with open(os.path.join(tree, 'Makefile'), 'w') as f:
            f.write(re.sub(r'^PATCHLEVEL = 1$', 'PATCHLEVEL = 2', makefile, count=1,
                           flags=re.M))
        run('git', 'commit', '-q', '-a', '-m', 'not 6.1')
        refused('a Linux 6.2 tree', tree, r'is Linux 6\.2\.\d+; the series is for Linux 6\.1')
        run('git', 'reset', '-q', '--hard', 'pristine')
        # Dirty: a change not committed, which must still be there after.
        with open(os.path.join(tree, 'README'), 'a') as f:
            f.write('local change\n')
        refused('a tree with uncommitted changes', tree, r'has uncommitted changes.*\n.*README')
        if run('git', 'status', '--porcelain').stdout.split() != ['M', 'README']:
            res.fail('apply-to left the uncommitted change alone')
        run('git', 'checkout', '-q', '--', 'README')
        # Not a git work tree: a directory in it.
        refused('a directory that is not the top of a git work tree',
                os.path.join(tree, 'mm'), r'is not a Linux source tree|not the top of a git')
        plain = os.path.join(work, 'plain')
        shutil.rmtree(plain, ignore_errors=True)
        os.makedirs(os.path.join(plain, 'mm'))
        shutil.copy(os.path.join(tree, 'Makefile'), plain)
        shutil.copy(os.path.join(tree, 'mm', 'page_alloc.c'), os.path.join(plain, 'mm'))
        refused('a 6.1 tree that is not in git', plain, r'not the top of a git work tree')

        base = head()
        proc = run(*apply_cmd, tree, check=False)
        text = proc.stdout + proc.stderr
        entries, _ = series_py.read_mapping()
        if proc.returncode:
            res.fail('apply-to applies the series to the pristine tree', tail(text))
            return
        res.ok('apply-to applies the series to the pristine tree')
        subjects = run('git', 'log', '--reverse', '--format=%s', base + '..HEAD').stdout
        want = [series_py.read_message(e.source)[0] for e in entries]
        check(res, subjects.splitlines() == want,
              'apply-to: one commit per patch, in order, with its subject', 'got:\n' + subjects)
        check(res, 'apply-to: Linux 6.1' in text and '%d commits on mine' % len(entries) in text,
              'apply-to says what it did', tail(text))
        check(res, not run('git', 'status', '--porcelain').stdout,
              'apply-to: the work tree is clean afterwards')
        # What it must equal: build/linux's series (harness/tree's commits)
        # plus our new files, as harness/tree lays them over it.
        env = dict(os.environ, GIT_INDEX_FILE=os.path.join(work, 'expected-index'))
        subprocess.run(['git', 'read-tree', 'origin/work'], cwd=tree, env=env, check=True)
        for f in series_py.overlay_files():
            src = os.path.join(hqlib.ROOT, f)
            blob = run('git', 'hash-object', '-w', '--', src).stdout.strip()
            mode = '100755' if os.access(src, os.X_OK) else '100644'
            subprocess.run(['git', 'update-index', '--add', '--cacheinfo',
                            '%s,%s,%s' % (mode, blob, f)], cwd=tree, env=env, check=True)
        expected = subprocess.run(['git', 'write-tree'], cwd=tree, env=env, check=True,
                                  capture_output=True, text=True).stdout.strip()
        diff = run('git', 'diff', '--stat', expected, 'HEAD').stdout
        (res.fail('apply-to gives the tree of build/linux with our files (is build/linux '
                  'current? harness/tree)', tail(diff)) if diff
         else res.ok('apply-to gives the tree of build/linux with our files'))
        # What the user does next: merge the fragment into a configuration.
        cfg = os.path.join(work, 'obj-config')
        shutil.rmtree(cfg, ignore_errors=True)
        proc = run('make', '-s', 'O=' + cfg, 'ARCH=arm64', 'CROSS_COMPILE=' + CROSS, 'defconfig',
                   'iommu_quarantine.config', check=False)
        try:
            with open(os.path.join(cfg, '.config')) as f:
                config = f.read()
        except OSError:
            config = ''
        check(res, not proc.returncode and re.search(r'^CONFIG_IOMMU_PAGE_QUARANTINE=y$', config,
                                                     re.M),
              'make defconfig iommu_quarantine.config in the applied tree enables the '
              'quarantine', tail(proc.stdout + proc.stderr))
        # Applied once, it is refused again: the files are there.
        refused('the series twice', tree, r'does not apply|already has')
    except (OSError, RuntimeError, subprocess.CalledProcessError) as e:
        res.fail('apply-to check: setting up the trees', str(e))
    finally:
        shutil.rmtree(os.path.join(work, 'plain'), ignore_errors=True)
        res.notes.append('apply-to check: %.0fs' % (time.time() - start))
