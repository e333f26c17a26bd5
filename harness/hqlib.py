# SPDX-License-Identifier: GPL-2.0
"""Boot the guest under QEMU and read what it reports.

The guest is arm64 "virt" with an SMMUv3, or x86_64 "q35" with VT-d for a
kernel built with HQ_ARCH=x86_64; edu, the DMA engine, is behind the IOMMU.

One boot is one QEMU run: the kernel of a flavour, our initramfs, a kernel
command line and a list of guest tests. Kernel messages go to a serial log
(NAME.console); the guest tests write to a virtio console (NAME.out), framed
by HQ-BEGIN/HQ-END lines. A boot that panics, hangs or never reaches HQ-DONE
is reported as such, with the last lines of the console.
"""

import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HARNESS = os.path.join(ROOT, 'harness')
BUILD = os.environ.get('HQ_BUILD', os.path.join(ROOT, 'build'))
SRC = os.path.join(BUILD, 'linux')
LOGS = os.path.join(BUILD, 'logs')

# Console lines that mean the kernel found a bug, whatever the tests said.
KERNEL_BUG_PATTERNS = [
    r'WARNING: CPU: \d+ PID: \d+ at ',
    r'BUG: ',
    r'Kernel panic',
    r'Internal error: ',
    r'Unable to handle kernel ',
    r'possible circular locking dependency',
    r'possible recursive locking',
    r'inconsistent lock state',
    r'INFO: rcu_.* detected stalls',
    r'INFO: task .* blocked for more than',
    r'list_(add|del) corruption',
    r'page dumped because',
    r'Bad page (state|map)',
    r'ODEBUG: ',
    r'UBSAN: ',
    r'kmemleak: .* new suspected memory leaks',
]
KERNEL_BUG_RE = re.compile('|'.join(KERNEL_BUG_PATTERNS))


def obj_dir(flavour):
    return os.path.join(BUILD, 'obj-' + flavour)


def kernel_arch(kernel):
    """arm64 or x86_64: what build/obj-KERNEL was configured for."""
    try:
        with open(os.path.join(obj_dir(kernel), '.config')) as f:
            return 'x86_64' if re.search(r'^CONFIG_X86_64=y$', f.read(), re.M) else 'arm64'
    except FileNotFoundError:
        return 'arm64'


def kernel_image(kernel):
    """The image QEMU boots for build/obj-KERNEL."""
    return os.path.join(obj_dir(kernel), {'arm64': 'arch/arm64/boot/Image',
                                          'x86_64': 'arch/x86/boot/bzImage'}[kernel_arch(kernel)])


# The x86_64 IOMMU models of QEMU: VT-d with caching mode off, so that
# Linux keeps lazy flushing, and no interrupt remapping, which TCG does not
# need; AMD-Vi, which advertises NpCache, so that 6.1 forces strict mode
# ("AMD-Vi: Using strict mode due to virtualization").
X86_IOMMUS = {'intel': ('intel-iommu,intremap=off,caching-mode=off', 'intel_iommu=on'),
              'amd': ('amd-iommu', 'intel_iommu=off')}


def machine(arch, smp, mem, iommu=None):
    """QEMU's machine for ARCH: (command, console device, machine arguments,
    kernel command line).

    arm64: "virt" with its SMMUv3 in front of the PCI bus. x86_64: "q35"
    with IOMMU (X86_IOMMUS, default intel) placed before every PCI device,
    as QEMU requires.
    """
    if arch == 'x86_64':
        device, cmdline = X86_IOMMUS[iommu or 'intel']
        return ('qemu-system-x86_64', 'ttyS0',
                ['-M', 'q35', '-accel', 'tcg', '-cpu', 'qemu64',
                 '-smp', str(smp), '-m', mem,
                 '-device', device,
                 # Test output: a virtio console without ACCESS_PLATFORM
                 # (not translated), as virtio-mmio is on arm64.
                 '-device', 'virtio-serial-pci,disable-legacy=on'], cmdline)
    if iommu:
        raise ValueError('arm64 has one IOMMU model, the SMMUv3')
    return ('qemu-system-aarch64', 'ttyAMA0',
            ['-M', 'virt,iommu=smmuv3,gic-version=3', '-cpu', 'cortex-a57',
             '-smp', str(smp), '-m', mem, '-device', 'virtio-serial-device'], '')


class QMP:
    """Just enough of the QEMU Machine Protocol for dump and quit."""

    def __init__(self, path, timeout=30):
        deadline = time.time() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        self.file = self.sock.makefile('rw')
        self._read()                      # greeting
        self.command('qmp_capabilities')

    def _read(self):
        while True:
            line = self.file.readline()
            if not line:
                raise EOFError('QMP connection closed')
            msg = json.loads(line)
            if 'event' not in msg:
                return msg

    def command(self, name, **args):
        req = {'execute': name}
        if args:
            req['arguments'] = args
        self.file.write(json.dumps(req) + '\n')
        self.file.flush()
        reply = self._read()
        if 'error' in reply:
            raise RuntimeError('QMP %s: %s' % (name, reply['error'].get('desc')))
        return reply.get('return')

    def close(self):
        self.sock.close()


class Boot:
    """The result of one boot: console, test output, and how it ended."""

    def __init__(self, name, kernel):
        self.name = name
        self.kernel = kernel
        self.console_path = os.path.join(LOGS, name + '.console')
        self.out_path = os.path.join(LOGS, name + '.out')
        self.ended = None       # 'done', 'timeout', 'panic', 'exit', 'dumped'
        self.reason = ''
        self.seconds = 0.0

    def console(self):
        try:
            with open(self.console_path, errors='replace') as f:
                return f.read()
        except FileNotFoundError:
            return ''

    def out(self):
        try:
            with open(self.out_path, errors='replace') as f:
                return f.read()
        except FileNotFoundError:
            return ''

    def console_tail(self, n=25):
        return '\n'.join(self.console().splitlines()[-n:])

    def kernel_bugs(self):
        """Console lines reporting a kernel bug (WARN, BUG, lockdep...)."""
        return [l for l in self.console().splitlines() if KERNEL_BUG_RE.search(l)]

    def sections(self):
        """{test: (return code or None, [lines])} from the framed output."""
        result, current, lines = {}, None, []
        for line in self.out().splitlines():
            line = line.rstrip('\r')
            m = re.match(r'^HQ-BEGIN (\S+)$', line)
            if m:
                current, lines = m.group(1), []
                result[current] = (None, lines)
                continue
            m = re.match(r'^HQ-END (\S+) (\d+)$', line)
            if m and m.group(1) == current:
                result[current] = (int(m.group(2)), lines)
                current = None
                continue
            if current:
                lines.append(line)
        return result


DISK_MIB = 32


def driver_devices(name, swap_mib=0):
    """QEMU arguments for real drivers behind the SMMUv3, for boot NAME.

    A virtio-blk disk (a fresh sparse image in build/) and two virtio-net
    NICs, all modern virtio-pci with iommu_platform=on so that their DMA is
    translated. The NICs' backends are ports of one QEMU hub: what one
    sends, the other receives, and nothing leaves QEMU. With SWAP_MIB, a
    second virtio-blk disk of that size for swap, serial "hqswap".
    """
    disk = os.path.join(BUILD, 'disk-%s.img' % name)
    with open(disk, 'wb') as f:
        f.truncate(DISK_MIB << 20)
    virtio = 'iommu_platform=on,disable-legacy=on'
    args = ['-drive', 'if=none,id=hqdisk,format=raw,file=' + disk,
            '-device', 'virtio-blk-pci,drive=hqdisk,' + virtio]
    if swap_mib:
        swap = os.path.join(BUILD, 'swap-%s.img' % name)
        with open(swap, 'wb') as f:
            f.truncate(swap_mib << 20)
        args += ['-drive', 'if=none,id=hqswap,format=raw,file=' + swap,
                 '-device', 'virtio-blk-pci,drive=hqswap,serial=hqswap,' + virtio]
    for i in (1, 2):
        args += ['-netdev', 'hubport,id=hqnet%d,hubid=0' % i,
                 '-device', 'virtio-net-pci,netdev=hqnet%d,romfile=,mac=52:54:00:00:00:%02x,%s'
                 % (i, i, virtio)]
    return args


def boot(kernel, name, run=(), append='', timeout=600, dump=None,
         shell=False, smp=2, mem='1G', extra_qemu=(), initramfs=None, iommu=None):
    """Boot kernel build/obj-KERNEL once and wait for it; returns a Boot.

    With dump=PATH, the guest test that prints "HQ-DUMP" on its output gets
    the guest memory written to PATH as an ELF core (QMP dump-guest-memory,
    with the VM paused) and the boot ends there.
    """
    os.makedirs(LOGS, exist_ok=True)
    image = kernel_image(kernel)
    arch = kernel_arch(kernel)
    initrd = initramfs or os.path.join(BUILD, 'initramfs-%s.cpio.gz' % kernel)
    for path in (image, initrd):
        if not os.path.exists(path):
            raise FileNotFoundError('%s is missing: build it first' % path)
    result = Boot(name, kernel)
    for path in (result.console_path, result.out_path):
        if os.path.exists(path):
            os.unlink(path)
    qmp_path = os.path.join(LOGS, name + '.qmp')
    if os.path.exists(qmp_path):
        os.unlink(qmp_path)

    qemu_bin, console, machine_args, machine_cmdline = machine(arch, smp, mem, iommu)
    cmdline = ' '.join(a for a in ('console=%s panic=-1' % console, machine_cmdline, append)
                       if a)
    if run:
        cmdline += ' hq.run=' + ','.join(run)
    if shell:
        cmdline += ' hq.shell=1'
    qemu = [qemu_bin] + machine_args + [
            '-display', 'none', '-no-reboot',
            # No network: the default NIC needs ipxe-qemu's option ROM.
            '-nic', 'none',
            '-kernel', image, '-initrd', initrd, '-append', cmdline.strip(),
            '-device', 'edu',
            '-device', 'vmcoreinfo',
            '-chardev', 'file,id=hqout,path=' + result.out_path,
            '-device', 'virtconsole,chardev=hqout',
            '-qmp', 'unix:%s,server=on,wait=off' % qmp_path]
    qemu += list(extra_qemu)
    if shell:
        qemu += ['-serial', 'mon:stdio']
        start = time.time()
        subprocess.call(qemu)
        result.ended, result.seconds = 'exit', time.time() - start
        return result
    qemu += ['-serial', 'file:' + result.console_path, '-monitor', 'none']

    start = time.time()
    proc = subprocess.Popen(qemu, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    qemu_output = b''
    try:
        while True:
            if proc.poll() is not None:
                qemu_output += proc.stdout.read()
                break
            if time.time() - start > timeout:
                result.ended = 'timeout'
                result.reason = 'no HQ-DONE after %ds' % timeout
                break
            out = result.out()
            if dump and 'HQ-DUMP' in out:
                _dump(qmp_path, dump)
                result.ended = 'dumped'
                break
            if 'HQ-DONE' in out:
                # The guest powers off right after; give it a moment.
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    pass
                break
            r, _, _ = select.select([proc.stdout], [], [], 0.5)
            if r:
                qemu_output += os.read(proc.stdout.fileno(), 65536)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    result.seconds = time.time() - start
    if result.ended is None:
        if 'HQ-DONE' in result.out():
            result.ended = 'done'
        elif 'Kernel panic' in result.console():
            result.ended = 'panic'
            result.reason = 'kernel panic'
        else:
            result.ended = 'exit'
            result.reason = 'QEMU exited (status %s) before the guest finished: %s' % (
                proc.returncode, qemu_output.decode(errors='replace').strip()[-500:])
    return result


def _dump(qmp_path, path):
    if os.path.exists(path):
        os.unlink(path)
    qmp = QMP(qmp_path)
    # Paging off: a physical-memory ELF core, which is what drgn reads.
    qmp.command('dump-guest-memory', paging=False, protocol='file:' + path)
    qmp.command('quit')
    qmp.close()


# The kernels: built by harness/kernel and harness/initramfs.

def run_step(cmd, log, env=None):
    """Run a harness command; return (ok, last lines of its output)."""
    with open(log, 'w') as f:
        rc = subprocess.call(cmd, stdout=f, stderr=subprocess.STDOUT, env=env)
    with open(log, errors='replace') as f:
        tail = '\n'.join(f.read().splitlines()[-30:])
    return rc == 0, tail


class Kernel:
    """A kernel the suites boot: a flavour, an architecture, extra fragments."""

    def __init__(self, name, flavour, fragments=(), what='', arch='arm64'):
        self.name, self.flavour, self.fragments, self.what = name, flavour, fragments, what
        self.arch = arch


KERNELS = {k.name: k for k in [
    Kernel('test', 'test', what='debug options, quarantine built in and on by default'),
    Kernel('bench-off', 'bench', ['quarantine-off.config'],
           what='no debug options, quarantine compiled out'),
    Kernel('x86-test', 'test', arch='x86_64',
           what='x86_64 for q35 with VT-d, the test kernel\'s options'),
]}


def build_kernel(kernel, background=False):
    """Build a kernel and its initramfs; return (ok, last log lines, log path).

    background: at the lowest CPU priority, with build/linux already
    prepared and left alone (others use it meanwhile)."""
    os.makedirs(LOGS, exist_ok=True)
    env = dict(os.environ, HQ_OBJ_NAME=kernel.name, HQ_ARCH=kernel.arch)
    prefix = []
    if background:
        env['HQ_TREE_READY'] = '1'
        prefix = ['nice', '-n', '19']
    log = os.path.join(LOGS, 'build-%s.log' % kernel.name)
    ok, tail = run_step(prefix + [os.path.join(HARNESS, 'kernel'), kernel.flavour] +
                        [os.path.join(HARNESS, 'configs', f) for f in kernel.fragments],
                        log, env)
    if ok:
        ok, tail = run_step(prefix + [os.path.join(HARNESS, 'initramfs'), kernel.flavour],
                            log + '.initramfs', env)
    return ok, tail, log
