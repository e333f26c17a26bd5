#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Export the work as a patch series for the mailing list, and check it.

From Linux 6.1 as Debian ships it, the patches and our new files,
following patches/files (which patch adds which file, in which order):

  1. commit each patch of the series on the pristine base, with its message
     from the patch header (or the .msg file) and a Signed-off-by;
  2. git format-patch it, with a cover letter, into the output directory;
  3. check that the exported files apply with git am to the pristine base
     and give the same tree, and that checkpatch --strict passes on each;
  4. build, at every step, the objects the patch touches (--build, the
     default; --full builds the whole kernel at every step instead).

Exit status: 0 if everything passed, 1 if a check failed, 2 on bad usage
or a broken mapping.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HARNESS = os.path.join(ROOT, 'harness')
PATCHES = os.path.join(ROOT, 'patches')
MAPPING = os.path.join(PATCHES, 'files')
OVERLAY_DIRS = ('mm', 'include', 'drivers', 'lib', 'kernel', 'tools', 'Documentation',
                'samples')
COVER = os.path.join(PATCHES, 'cover-letter')
# Checkpatch types not applied to the exported series: a patch that adds
# files asks whether MAINTAINERS needs updating; the last patch does that.
CHECKPATCH_IGNORE = ('FILE_PATH_CHANGES',)


class Entry:
    """One patch of the exported series."""

    def __init__(self, name, lineno):
        self.name, self.lineno, self.files = name, lineno, []

    @property
    def source(self):
        return os.path.join(PATCHES, self.name)

    @property
    def has_diff(self):
        return self.name.endswith('.patch')


def git(*args, cwd=ROOT, check=True, env=None, input=None):
    proc = subprocess.run(['git'] + list(args), cwd=cwd, capture_output=True, text=True,
                          env=env, input=input)
    if check and proc.returncode != 0:
        raise RuntimeError('git %s failed: %s' % (' '.join(args), proc.stderr.strip()))
    return proc.stdout


def overlay_files(root=ROOT):
    """Every new file we ship at a kernel path, committed or not yet (what
    harness/tree lays over the kernel tree)."""
    out = git('ls-files', '-co', '--exclude-standard', '--', *OVERLAY_DIRS, cwd=root)
    return sorted(set(out.split()))


def read_mapping(path=MAPPING):
    """Parse patches/files; return (entries, errors)."""
    entries, errors = [], []
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            text = line.split('#', 1)[0].rstrip()
            if not text:
                continue
            if text[0] in ' \t':
                if not entries:
                    errors.append('%s:%d: file %s before any patch' % (
                        os.path.relpath(path, ROOT), lineno, text.strip()))
                    continue
                entries[-1].files.append((text.strip(), lineno))
            elif re.fullmatch(r'[A-Za-z0-9][A-Za-z0-9._-]*\.(patch|msg)', text):
                entries.append(Entry(text, lineno))
            else:
                errors.append('%s:%d: not a NAME.patch, NAME.msg or an indented file: %r' % (
                    os.path.relpath(path, ROOT), lineno, text))
    return entries, errors


def check_mapping(root=ROOT, path=MAPPING):
    """Every overlay file in exactly one patch of patches/files, every patch
    in patches/ named there once, and everything named there exists.
    Returns (entries, errors)."""
    entries, errors = read_mapping(path)
    rel = os.path.relpath(path, root)
    overlay = set(overlay_files(root))
    seen_files, seen_patches = {}, {}
    for e in entries:
        if e.name in seen_patches:
            errors.append('%s:%d: %s is already at line %d' % (rel, e.lineno, e.name,
                                                               seen_patches[e.name]))
        seen_patches[e.name] = e.lineno
        if not os.path.isfile(e.source):
            errors.append('%s:%d: patches/%s does not exist' % (rel, e.lineno, e.name))
        for f, lineno in e.files:
            if f in seen_files:
                errors.append('%s:%d: %s is already in the patch at line %d' % (
                    rel, lineno, f, seen_files[f]))
            seen_files[f] = lineno
            if f not in overlay:
                why = ('does not exist' if not os.path.exists(os.path.join(root, f))
                       else 'is not one of our files under %s' % '/ '.join(OVERLAY_DIRS))
                errors.append('%s:%d: %s %s' % (rel, lineno, f, why))
    for f in sorted(overlay - set(seen_files)):
        errors.append('%s is in no patch of %s: add it under the patch that builds it' % (
            f, rel))
    for p in sorted(os.listdir(os.path.join(root, 'patches'))):
        if p.endswith(('.patch', '.msg')) and p not in seen_patches:
            errors.append('patches/%s is not in %s' % (p, rel))
    return entries, errors


def read_message(path):
    """Subject and body of a patch or .msg file: the mail header's Subject
    (without '[PATCH]'), then the body up to '---' or the diff."""
    subject, body, state = None, [], 'header'
    with open(path) as f:
        for line in f:
            line = line.rstrip('\n')
            if state == 'header':
                m = re.match(r'Subject:\s*(?:\[[^]]*\]\s*)?(.*)', line)
                if m:
                    subject = m.group(1).strip()
                elif line == '':
                    state = 'body'
                continue
            if line == '---' or line.startswith('diff --git '):
                break
            body.append(line)
    while body and not body[0].strip():
        body.pop(0)
    while body and not body[-1].strip():
        body.pop()
    if not subject:
        raise ValueError('%s has no Subject: line' % os.path.relpath(path, ROOT))
    return subject, '\n'.join(body)


def exporter_identity():
    """"Name <email>" of whoever exports: HQ_PATCH_FROM, else git's
    user.name and user.email. It signs off every patch (the Developer's
    Certificate of Origin is theirs to give) and is the MAINTAINERS entry's
    M: line, so there is no default: no identity, no export."""
    identity = os.environ.get('HQ_PATCH_FROM', '').strip()
    if not identity:
        name = subprocess.run(['git', 'config', 'user.name'], cwd=ROOT, capture_output=True,
                              text=True).stdout.strip()
        email = subprocess.run(['git', 'config', 'user.email'], cwd=ROOT, capture_output=True,
                               text=True).stdout.strip()
        if not name or not email:
            raise ValueError('no identity to sign the patches off with: set git config '
                             'user.name and user.email (or HQ_PATCH_FROM="Name <email>")')
        identity = '%s <%s>' % (name, email)
    m = re.fullmatch(r'([^<>@]+?)\s*<([^<>\s@]+@[^<>\s@]+\.[^<>\s@]+)>', identity)
    if not m or m.group(2).lower().endswith(('.localdomain', '.invalid', '.local',
                                             '.localhost', '.home.arpa')):
        raise ValueError('%r is not "Name <user@domain>" with a real domain: it cannot sign '
                         'off patches' % identity)
    return identity


# The MAINTAINERS entry the series adds names whoever sends it.
MAINTAINERS_ENTRY = 'IOMMU PAGE QUARANTINE\n'


def add_maintainer(src, identity):
    """Put the exporter on the M: line of our MAINTAINERS entry."""
    path = os.path.join(src, 'MAINTAINERS')
    with open(path) as f:
        text = f.read()
    if MAINTAINERS_ENTRY not in text or MAINTAINERS_ENTRY + 'M:\t' in text:
        return False
    text = text.replace(MAINTAINERS_ENTRY, MAINTAINERS_ENTRY + 'M:\t%s\n' % identity, 1)
    with open(path, 'w') as f:
        f.write(text)
    git('add', 'MAINTAINERS', cwd=src)
    return True


def log(msg):
    print('[%s] %s' % (time.strftime('%H:%M:%S'), msg), file=sys.stderr, flush=True)


class Checks:
    """Counts and failures of the series checks."""

    def __init__(self):
        self.passed, self.failures, self.warnings = 0, [], []

    def ok(self, what):
        self.passed += 1
        print('  ok    %s' % what, flush=True)

    def fail(self, what, detail=''):
        self.failures.append(what)
        print('  FAIL  %s' % what, flush=True)
        if detail:
            print('        ' + detail.strip().replace('\n', '\n        '), flush=True)

    def warn(self, what):
        self.warnings.append(what)
        print('  warn  %s' % what, flush=True)


def prepare_base(work):
    """work/linux: a git repository with the pristine tree at tag
    "pristine", taken from build/linux if that exists, else the tarball."""
    src = os.path.join(work, 'linux')
    if os.path.isdir(os.path.join(src, '.git')):
        return src
    os.makedirs(work, exist_ok=True)
    tmp = src + '.tmp'
    shutil.rmtree(tmp, ignore_errors=True)
    main = os.path.join(ROOT, 'build', 'linux')
    if os.path.isdir(os.path.join(main, '.git')) and \
            git('rev-parse', '-q', '--verify', 'pristine', cwd=main, check=False).strip():
        log('cloning the pristine tree from build/linux')
        git('clone', '-q', '--no-checkout', main, tmp, cwd=work)
        git('checkout', '-q', '-B', 'base', 'pristine', cwd=tmp)
    else:
        tarball = '/usr/src/linux-source-6.1.tar.xz'
        log('unpacking %s' % tarball)
        os.makedirs(tmp)
        subprocess.run(['tar', '-xf', tarball, '-C', tmp, '--strip-components=1'], check=True)
        git('init', '-q', cwd=tmp)
        git('add', '-A', '-f', cwd=tmp)
        git('-c', 'user.name=iommuq harness', '-c', 'user.email=harness@localhost',
            'commit', '-q', '-m', 'Linux 6.1 (Debian linux-source-6.1)', cwd=tmp)
        git('tag', 'pristine', cwd=tmp)
    for key, value in (('user.name', 'iommuq series'), ('user.email', 'series@localhost'),
                       ('gc.auto', '0'), ('core.autocrlf', 'false')):
        git('config', key, value, cwd=tmp)
    os.rename(tmp, src)
    return src


def commit_series(src, entries, identity):
    """Commit each patch of the series on the pristine base (branch
    "series"); return the commits in order."""
    name, email = re.fullmatch(r'\s*(.*?)\s*<([^>]+)>\s*', identity).groups()
    # Fixed dates: the same input gives the same commits and the same files.
    env = dict(os.environ, GIT_AUTHOR_NAME=name, GIT_AUTHOR_EMAIL=email,
               GIT_COMMITTER_NAME=name, GIT_COMMITTER_EMAIL=email)
    git('checkout', '-q', '-f', '--detach', 'pristine', cwd=src)
    git('clean', '-q', '-f', '-d', '-x', cwd=src)
    commits = []
    for i, e in enumerate(entries):
        if e.has_diff:
            proc = subprocess.run(['git', 'apply', '--index', '--whitespace=nowarn', e.source],
                                  cwd=src, capture_output=True, text=True)
            if proc.returncode:
                raise RuntimeError('%s does not apply to the pristine tree plus the patches '
                                   'before it in patches/files:\n%s' % (e.name, proc.stderr))
        for f, _ in e.files:
            dst = os.path.join(src, f)
            if os.path.lexists(dst):
                raise RuntimeError('%s (in %s) is already in the kernel tree' % (f, e.name))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy2(os.path.join(ROOT, f), dst)
        if e.files:
            git('add', '-f', '--', *[f for f, _ in e.files], cwd=src)
        if e.has_diff and 'MAINTAINERS' in git('diff', '--cached', '--name-only',
                                               cwd=src).split():
            add_maintainer(src, identity)
        subject, body = read_message(e.source)
        message = subject + '\n\n' + (body + '\n\n' if body else '') + \
            'Signed-off-by: %s\n' % identity
        date = '2023-01-01T%02d:%02d:00+0000' % (12 + i // 60, i % 60)
        git('commit', '-q', '--no-verify', '-F', '-', cwd=src, input=message,
            env=dict(env, GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date))
        commits.append(git('rev-parse', 'HEAD', cwd=src).strip())
    git('checkout', '-q', '-B', 'series', cwd=src)
    return commits


def measured_costs():
    """The cover letter's measured costs, generated (harness/figures.py) from
    the published results of the benchmark runs that measured them."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import figures  # pylint: disable=import-outside-toplevel
    return figures.cover_text(figures.published())


def fill_cover(path, entries, base_version):
    """Replace format-patch's placeholders with patches/cover-letter."""
    with open(COVER) as f:
        template = f.read()
    m = re.match(r'Subject:\s*(.*)\n\n', template)
    if not m:
        raise RuntimeError('patches/cover-letter must start with "Subject: ..." and a '
                           'blank line')
    blurb = template[m.end():].rstrip() + '\n'
    blurb = blurb.replace('@MEASURED_COSTS@', measured_costs())
    blurb = blurb.replace('@BASE@', base_version)
    with open(path) as f:
        text = f.read()
    text = text.replace('*** SUBJECT HERE ***', m.group(1).strip())
    text = text.replace('*** BLURB HERE ***', blurb.rstrip())
    with open(path, 'w') as f:
        f.write(text)


def export(src, entries, out, identity, version):
    name, email = re.fullmatch(r'\s*(.*?)\s*<([^>]+)>\s*', identity).groups()
    git('config', 'user.name', name, cwd=src)      # the cover letter's author
    git('config', 'user.email', email, cwd=src)
    commit_series(src, entries, identity)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    prefix = 'PATCH' if version <= 1 else 'PATCH v%d' % version
    git('-c', 'diff.noprefix=false', 'format-patch', '-q', '--cover-letter', '--thread=shallow',
        '--no-signature', '--subject-prefix', prefix, '-o', out, 'pristine..series', cwd=src)
    files = sorted(os.listdir(out))
    base_version = subprocess.run(['make', '-s', '-C', src, 'kernelversion'],
                                  capture_output=True, text=True).stdout.strip()
    fill_cover(os.path.join(out, files[0]), entries, base_version)
    return [os.path.join(out, f) for f in files]


def check_am(src, files, checks):
    """The exported mails apply with git am on the pristine base and give
    exactly the tree of the series."""
    git('checkout', '-q', '-f', '-B', 'am-check', 'pristine', cwd=src)
    proc = subprocess.run(['git', 'am', '-q', '--whitespace=error-all'] + files[1:], cwd=src,
                          capture_output=True, text=True)
    if proc.returncode:
        git('am', '--abort', cwd=src, check=False)
        checks.fail('git am: the series does not apply to the pristine base',
                    proc.stdout + proc.stderr)
        return False
    got, want = (git('rev-parse', b + '^{tree}', cwd=src).strip() for b in ('am-check', 'series'))
    if got != want:
        checks.fail('git am: the applied series differs from what was exported',
                    git('diff', '--stat', 'series', 'am-check', cwd=src))
        return False
    checks.ok('git am: all %d patches apply to the pristine base, same tree as exported' %
              (len(files) - 1))
    return True


def check_messages(files, checks):
    """Each message: a subsystem prefix, a body, no harness internals."""
    internal = re.compile(r'\b(harness/|patches/|build/(linux|obj)|refresh-patches|'
                          r'hq_[a-z]|HQ_)')
    for path in files[1:]:
        with open(path) as f:
            text = f.read()
        head, _, diff = text.partition('\n---\n')
        subject = re.search(r'^Subject: \[PATCH[^]]*\] (.*(?:\n .*)*)', head, re.M)
        subject = re.sub(r'\n ', ' ', subject.group(1)) if subject else ''
        name = os.path.basename(path)
        problems = []
        if not re.match(r'[A-Za-z0-9_./-]+(, ?[A-Za-z0-9_./-]+)*: \S', subject):
            problems.append('subject %r has no "subsystem: " prefix' % subject)
        body = head.split('\n\n', 1)[1] if '\n\n' in head else ''
        if len([l for l in body.splitlines() if l.strip() and
                not l.startswith('Signed-off-by:')]) < 2:
            problems.append('no commit message body')
        if internal.search(head):
            problems.append('the message names the build harness: %r' %
                            internal.search(head).group(0))
        if problems:
            checks.fail('message of %s: %s' % (name, '; '.join(problems)))
        else:
            checks.ok('message of %s' % name)
        for line in diff.splitlines():
            if line.startswith('+') and not line.startswith('+++') and \
                    re.search(r'\bharness/', line):
                checks.warn('%s: an added line names this repository\'s harness: %s' % (
                    name, line[1:].strip()[:90]))


def check_checkpatch(src, files, checks):
    checkpatch = [os.path.join(src, 'scripts', 'checkpatch.pl'), '--strict', '--terse',
                  '--show-types', '--no-tree', '--ignore', ','.join(CHECKPATCH_IGNORE)]
    for path in files[1:]:
        proc = subprocess.run(['perl'] + checkpatch + [path], capture_output=True, text=True)
        bad = [l for l in proc.stdout.splitlines() if re.search(r'(ERROR|WARNING|CHECK):', l)]
        if bad or proc.returncode:
            checks.fail('checkpatch --strict: %s' % os.path.basename(path),
                        '\n'.join(bad[:10]) or proc.stdout[-800:] + proc.stderr[-800:])
        else:
            checks.ok('checkpatch --strict: %s' % os.path.basename(path))


# ---------------------------------------------------------------------------
# Building every step

def hq_make(src, obj, *args, arch='arm64', cross='aarch64-linux-gnu-', log_path=None,
            jobs=None):
    cmd = ['make', '-C', src, 'O=' + obj, 'ARCH=' + arch, '-j%d' % (jobs or os.cpu_count() or 2)]
    if cross:
        cmd += ['CROSS_COMPILE=' + cross, 'CC=ccache %sgcc' % cross]
    else:
        cmd += ['CC=ccache gcc']
    cmd += ['HOSTCC=ccache gcc'] + list(args)
    with open(log_path or os.devnull, 'w') as f:
        rc = subprocess.call(cmd, stdout=f, stderr=subprocess.STDOUT)
    return rc == 0


def config_fragments(src, fragments):
    """Fragments as harness/kernel uses them: one whose first line is
    "# requires: CONFIG_X" only when the tree defines X."""
    symbols = set()
    for d, _, names in os.walk(src):
        if '.git' in d:
            continue
        for n in names:
            if n.startswith('Kconfig'):
                with open(os.path.join(d, n), errors='replace') as f:
                    symbols.update(re.findall(r'^\s*(?:menu)?config\s+(\w+)', f.read(), re.M))
    text = ''
    for frag in fragments:
        with open(frag) as f:
            body = f.read()
        m = re.match(r'# requires: *CONFIG_(\w+)', body)
        if m and m.group(1) not in symbols:
            continue
        text += body
    return text


def configure(src, obj, fragments, log_path, **kw):
    os.makedirs(obj, exist_ok=True)
    merged = os.path.join(obj, '.series-fragment')
    with open(merged, 'w') as f:
        f.write(config_fragments(src, fragments))
    return hq_make(src, obj, 'KCONFIG_ALLCONFIG=' + merged, 'allnoconfig', log_path=log_path,
                   **kw)


def read_config(obj):
    values = {}
    with open(os.path.join(obj, '.config')) as f:
        for line in f:
            m = re.match(r'CONFIG_(\w+)=(.*)', line)
            if m:
                values[m.group(1)] = m.group(2)
    return values


def object_enabled(src, config, path):
    """Whether kbuild builds PATH (dir/name.o, or dir/ for a directory)
    with CONFIG, read from the Makefiles: obj-y, obj-$(CONFIG_X) with X
    set, or part of a composite object (name-objs, name-y) that is."""
    path = path.rstrip('/')
    parent, name = os.path.dirname(path), os.path.basename(path)
    if not parent:
        return True
    target = name if name.endswith('.o') else name + '/'
    try:
        with open(os.path.join(src, parent, 'Makefile')) as f:
            text = f.read().replace('\\\n', ' ')
    except FileNotFoundError:
        return True
    for m in re.finditer(r'^\s*([\w-]+?)-(y|objs|\$\(CONFIG_(\w+)\))\s*[:+]?=(.*)$', text, re.M):
        if not re.search(r'(^|\s)%s(\s|$)' % re.escape(target), m.group(4)):
            continue
        if m.group(3) and config.get(m.group(3)) not in ('y', 'm'):
            continue
        if m.group(1) in ('obj', 'lib', 'core', 'drivers'):
            return object_enabled(src, config, parent + '/')
        # A part of a composite object (foo-y, foo-objs, foo-objs-y): is
        # that one built?
        composite = re.sub(r'-objs$', '', m.group(1))
        if object_enabled(src, config, os.path.join(parent, composite + '.o')):
            return True
        # A list spliced into obj-y: "foo-$(CONFIG_X) += a.o", "$(foo-y)".
        if re.search(r'^\s*obj-y\s*[:+]?=.*\$\(%s-y\)' % re.escape(m.group(1)), text, re.M):
            return True
    return False


def step_targets(src, commit):
    """What to build after COMMIT: the object of every C file it adds or
    changes, and the C files of the same directories that include a
    header it changes (at most a few per header)."""
    changed = git('diff-tree', '--no-commit-id', '--name-only', '-r', commit, cwd=src).split()
    objs, progs = [], []
    for f in changed:
        if f.startswith('tools/testing/selftests/') and f.endswith('.c'):
            progs.append(f)
        elif f.startswith(('tools/', 'Documentation/', 'scripts/')):
            continue
        elif f.endswith(('.c', '.S')):
            objs.append(f[:-2] + '.o')
    return sorted(set(objs)), progs, changed


def build_steps(src, work, commits, checks, full=False):
    """Build every step of the series: the touched objects (or the whole
    kernel with FULL) with the test kernel's configuration."""
    cfg = os.path.join(HARNESS, 'configs')
    fragments = [os.path.join(cfg, f) for f in ('base.config', 'test.config')]
    fragments += sorted(os.path.join(cfg, f) for f in os.listdir(cfg)
                        if f.startswith(('feature-', 'test-')) and f.endswith('.config'))
    fragments.append(os.path.join(cfg, 'static.config'))
    obj = os.path.join(work, 'obj-series')
    logs = os.path.join(work, 'logs')
    os.makedirs(logs, exist_ok=True)
    total = time.time()
    for i, c in enumerate(commits, 1):
        start = time.time()
        git('checkout', '-q', '-f', c, cwd=src)
        subject = git('log', '-1', '--format=%s', c, cwd=src).strip()
        objs, progs, _ = step_targets(src, c)
        log_path = os.path.join(logs, 'step-%02d.log' % i)
        what = 'the kernel' if full else ' '.join(objs) or 'nothing to compile'
        warnings = []
        # Nothing to build: no configuration needed either.
        ok = (not full and not objs and not progs) or configure(src, obj, fragments, log_path)
        if ok and (full or objs or progs):
            # A new file must come with the rule that builds it.
            config = read_config(obj)
            added = git('diff-tree', '--no-commit-id', '--name-only', '--diff-filter=A', '-r',
                        c, cwd=src).split()
            skipped = [o for o in objs if not object_enabled(src, config, o)]
            unbuilt = [o for o in skipped if o[:-2] + '.c' in added]
            if unbuilt:
                ok = False
                warnings = ['%s: added, but no Makefile rule builds it with the test '
                            'configuration at this step' % (o[:-2] + '.c') for o in unbuilt]
            if not full:
                objs = [o for o in objs if o not in skipped]
                what = ' '.join(objs) or 'nothing to compile'
                if skipped:
                    what += '; not configured: ' + ' '.join(skipped)
        if ok and (full or objs):
            # A warning fails the step, like the harness' kernel builds.
            for o in objs:
                if os.path.exists(os.path.join(obj, o)):
                    os.remove(os.path.join(obj, o))
            args = ['Image', 'modules'] if full else objs
            ok = hq_make(src, obj, *args, log_path=log_path + '.build')
            with open(log_path + '.build', errors='replace') as f:
                out = f.read()
            warnings = [l for l in out.splitlines()
                        if re.search(r': (warning|error|fatal error): ', l)]
            if warnings:
                ok = False
        if ok and progs:
            ok, warnings = build_selftests(src, obj, progs, log_path + '.progs')
        if progs:
            names = ' '.join(os.path.basename(p)[:-2] for p in progs)
            what = names if what == 'nothing to compile' else what + '; ' + names
        label = 'step %d/%d builds (%s): %s' % (i, len(commits), what, subject)
        if ok:
            checks.ok('%s [%.0fs]' % (label, time.time() - start))
        else:
            checks.fail(label, '\n'.join(warnings[:15]) or 'see %s' % log_path)
    log('every step built in %.0fs' % (time.time() - total))


# Appended to a selftest directory's Makefile: what it builds.
LIST_TARGETS = 'hq-list-targets:\n\t@echo $(TEST_GEN_PROGS) $(TEST_GEN_FILES) ' \
               '$(TEST_GEN_PROGS_EXTENDED)\n'


def build_selftests(src, obj, progs, log_path):
    """Build the kselftests a step adds through their directory's own
    Makefile, against the step's UAPI headers: each must be one of the
    Makefile's targets and compile without a warning."""
    if not hq_make(src, obj, 'headers', log_path=log_path):
        return False, ['make headers failed (%s)' % log_path]
    out = os.path.join(obj, 'selftests')
    base = ['make', '-s', '--no-print-directory', 'ARCH=arm64', 'MACHINE=arm64',
            'CROSS_COMPILE=aarch64-linux-gnu-', 'CC=ccache aarch64-linux-gnu-gcc',
            'KHDR_INCLUDES=-isystem ' + os.path.join(obj, 'usr/include'),
            'EXTRA_CFLAGS=-Werror']
    problems = []
    for p in progs:
        d, name = os.path.dirname(p), os.path.basename(p)[:-2]
        outdir = os.path.join(out, d)
        os.makedirs(outdir, exist_ok=True)
        cmd = base + ['-C', os.path.join(src, d), 'OUTPUT=' + outdir]
        listed = subprocess.run(cmd + ['-f', 'Makefile', '-f', '-', 'hq-list-targets'],
                                input=LIST_TARGETS, capture_output=True, text=True)
        targets = {os.path.basename(t) for t in listed.stdout.split()}
        if name not in targets:
            problems.append('%s: not a target of %s/Makefile' % (p, d))
            continue
        built = subprocess.run(cmd + [os.path.join(outdir, name)], capture_output=True,
                               text=True)
        if built.returncode or built.stderr.strip():
            problems += ['%s: %s' % (p, l) for l in built.stderr.splitlines()[:5]]
            problems += [] if built.stderr.strip() else ['%s: make failed' % p]
    return not problems, problems


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('-o', '--output', default=os.path.join(ROOT, 'build', 'series'),
                        help='directory for the mails (default: build/series)')
    parser.add_argument('--work', default=None,
                        help='scratch directory: the git tree and objects (default: '
                        '$HQ_BUILD/series-work, $HQ_BUILD being build/)')
    parser.add_argument('-v', '--reroll-count', type=int, default=1, metavar='N',
                        help='version of the series ([PATCH vN])')
    group = parser.add_mutually_exclusive_group()
    group.add_argument('--no-build', action='store_true',
                       help='skip building every step (export and static checks only)')
    group.add_argument('--full', action='store_true',
                       help='build the whole kernel at every step, not only the touched '
                       'objects')
    parser.add_argument('--check-mapping', action='store_true',
                        help='only check patches/files against the repository, then exit')
    args = parser.parse_args()

    entries, errors = check_mapping()
    if errors:
        for e in errors:
            print('error: ' + e, file=sys.stderr)
        sys.exit(2)
    if args.check_mapping:
        print('patches/files: %d patches, %d files, each in exactly one patch' % (
            len(entries), sum(len(e.files) for e in entries)))
        return
    dirty = git('status', '--porcelain', '--', 'patches', *OVERLAY_DIRS).strip()
    if dirty:
        log('note: exporting uncommitted changes too:\n' + dirty)

    build = os.environ.get('HQ_BUILD', os.path.join(ROOT, 'build'))
    work = os.path.abspath(args.work or os.path.join(build, 'series-work'))
    out = os.path.abspath(args.output)
    try:
        identity = exporter_identity()
    except ValueError as e:
        print('error: %s' % e, file=sys.stderr)
        sys.exit(2)
    checks = Checks()
    start = time.time()
    src = prepare_base(work)
    log('exporting %d patches to %s' % (len(entries), out))
    try:
        files = export(src, entries, out, identity, args.reroll_count)
    except (RuntimeError, ValueError) as e:
        print('error: %s' % e, file=sys.stderr)
        sys.exit(1)
    checks.ok('exported %d patches and a cover letter' % (len(files) - 1))
    commits = git('rev-list', '--reverse', 'pristine..series', cwd=src).split()
    if check_am(src, files, checks):
        check_messages(files, checks)
        check_checkpatch(src, files, checks)
        if not args.no_build:
            build_steps(src, work, commits, checks, full=args.full)
    git('checkout', '-q', '-f', 'series', cwd=src)

    print()
    print('Series in %s:' % os.path.relpath(out, os.getcwd()))
    for f in files:
        print('  ' + os.path.basename(f))
    print()
    print(git('diff', '--stat=72', 'pristine', 'series', cwd=src).rstrip())
    print()
    print('%d passed, %d failed%s (%.0f s)' % (
        checks.passed, len(checks.failures),
        ', %d warnings' % len(checks.warnings) if checks.warnings else '',
        time.time() - start))
    sys.exit(1 if checks.failures else 0)


if __name__ == '__main__':
    main()
