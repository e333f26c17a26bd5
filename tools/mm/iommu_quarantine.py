#!/usr/bin/env drgn
# SPDX-License-Identifier: GPL-2.0
"""Show the IOMMU page quarantine (CONFIG_IOMMU_PAGE_QUARANTINE) of a live
kernel (drgn -k) or of a crash dump (drgn -c VMCORE -s VMLINUX).

  overview    the feature's state, each domain's invalidation generations,
              pages held and stale, the per-CPU hold lists, totals vs the cap
  page        why a page is (not) coming back: held or tagged, by which
              domain, at which generation, stale or not, the domain now
  held        the held blocks, one per line (pfn order slot domain generation
              stale list held_ms), like debugfs iommu_quarantine/held

Exit status: 0 done; 1 cannot read the kernel (not a kernel, wrong vmlinux,
memory unreadable); 2 bad arguments; 3 kernel built without
CONFIG_IOMMU_PAGE_QUARANTINE; 4 quarantine off in this boot.
See Documentation/mm/iommu_quarantine.rst.
"""

import argparse
import sys

from drgn import FaultError, Object, ProgramFlags, TypeKind
from drgn.helpers.linux.cpumask import for_each_possible_cpu
from drgn.helpers.linux.mm import page_to_pfn, pfn_to_page
from drgn.helpers.linux.percpu import per_cpu

PROG_NAME = 'iommu_quarantine.py'
EXIT_OK, EXIT_KERNEL, EXIT_USAGE, EXIT_ABSENT, EXIT_DISABLED = 0, 1, 2, 3, 4

# The tag layout of mm/iommu_quarantine.c.
GEN_BITS = 48
GEN_MASK = (1 << GEN_BITS) - 1
SLOT_SHARED = 0xffff
SLOT_HELD = 0xfffe
HELD_ORDER_BITS = 6


# vmcoreinfo's SYMBOL() entries that are addresses of the symbol itself.
VMCOREINFO_SYMBOLS = ('_stext', 'init_uts_ns', 'swapper_pg_dir', 'node_online_map',
                      'kallsyms_names', 'kallsyms_offsets', 'kallsyms_token_table')


def read_counters(prog):
    """[(name, value)] as debugfs "stats" prints them: levels and maxima
    from iommu_quarantine_counters, events summed over every CPU's
    iommu_quarantine_events, bytes held from pages held."""
    names = [n.string_().decode() for n in prog['iommu_quarantine_counter_names']]
    levels = prog['iommu_quarantine_counters']
    events = prog['iommu_quarantine_events']
    event_mask = 0
    for name in EVENT_COUNTERS:
        event_mask |= 1 << names.index(name)
    page_size = prog['PAGE_SIZE'].value_()
    values = []
    for i, name in enumerate(names):
        if name == 'bytes held now':
            values.append(levels[names.index('pages held now')].counter.value_() * page_size)
        elif event_mask & (1 << i):
            values.append(sum(per_cpu(events, cpu)[i].value_()
                              for cpu in for_each_possible_cpu(prog)))
        else:
            values.append(levels[i].counter.value_())
    return list(zip(names, values))


# The counters only ever added to, per CPU in the kernel
# (IOMMU_QUARANTINE_EVENTS in mm/iommu_quarantine.c).
EVENT_COUNTERS = ('pages tagged', 'pages tagged by several domains',
                  'tagged pages freed when already safe', 'pages released',
                  'failed invalidations', 'forced invalidations', 'hold time total ms',
                  'in-place reuses refused', 'shrinker calls turned away while busy')


class Failure(Exception):
    """An error for the user, with the exit status it maps to."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def fail(status, message):
    raise Failure(status, message)


def vmcoreinfo(prog):
    """The kernel's own vmcoreinfo text, as a dict; None if it makes no sense."""
    data, size = prog['vmcoreinfo_data'].value_(), prog['vmcoreinfo_size'].value_()
    if not data or not 0 < size <= prog['PAGE_SIZE'].value_():
        return None
    text = prog.read(data, size).decode(errors='replace')
    return dict(line.split('=', 1) for line in text.splitlines() if '=' in line)


def check_kernel(prog):
    """Fail unless this is a Linux kernel read with its own vmlinux."""
    if not prog.flags & ProgramFlags.IS_LINUX_KERNEL:
        fail(EXIT_KERNEL, 'not a Linux kernel: run with drgn -k or drgn -c VMCORE -s VMLINUX')
    wrong = 'the vmlinux does not match the kernel (%s): pass the vmlinux it was built with'
    try:
        dumped = prog['UTS_RELEASE'].string_().decode()
        release = prog['init_uts_ns'].name.release.string_().decode(errors='replace')
        if release != dumped:
            fail(EXIT_KERNEL, wrong % ('release %s, vmlinux reads %s' % (ascii(dumped),
                                                                         ascii(release))))
        info = vmcoreinfo(prog)
    except KeyError as e:
        fail(EXIT_KERNEL, 'no debugging information for %s: is the vmlinux given with -s?' % e)
    except FaultError:
        fail(EXIT_KERNEL, wrong % 'its symbols point to unreadable memory')
    if info is None:
        fail(EXIT_KERNEL, wrong % 'no vmcoreinfo where the vmlinux says')
    # Any rebuild moves some of the symbols whose address the kernel gives
    # in vmcoreinfo (kallsyms tables follow every change of the text).
    for name in VMCOREINFO_SYMBOLS:
        value = info.get('SYMBOL(%s)' % name)
        try:
            address = prog.symbol(name).address
        except LookupError:
            continue
        if value is not None and address != int(value, 16):
            fail(EXIT_KERNEL, wrong % ('%s is at %s, the vmlinux says %#x' % (
                name, value, address)))
    return info


class Quarantine:
    """The quarantine's state as read from the kernel."""

    def __init__(self, prog):
        self.prog = prog
        self.info = check_kernel(prog)
        try:
            self.slots = prog['iommu_quarantine_slots']
        except KeyError:
            fail(EXIT_ABSENT, 'this kernel is built without CONFIG_IOMMU_PAGE_QUARANTINE')
        self.ready = bool(prog['iommu_quarantine_ready'])
        self.key = prog['iommu_quarantine_key'].key.enabled.counter.value_()
        self.hz = round(1e9 / prog['tick_nsec'].value_())
        self.jiffies = prog['jiffies_64'].value_()
        self.counters = read_counters(prog)

    def require_enabled(self):
        if not self.ready:
            fail(EXIT_DISABLED, 'the quarantine is compiled in but off in this boot '
                 '(iommu_quarantine=0 or CONFIG_IOMMU_PAGE_QUARANTINE_DEFAULT_ON=n)')

    def counter(self, name):
        return dict(self.counters)[name]

    def domains(self):
        """(slot number, slot object, name) of each registered domain."""
        for i in range(1, len(self.slots)):
            domain = self.slots[i].domain
            if domain.value_():
                yield i, self.slots[i], domain.name.string_().decode(errors='replace')

    def domain_name(self, slot):
        if slot == SLOT_SHARED or slot >= len(self.slots):
            return '-'
        domain = self.slots[slot].domain
        return domain.name.string_().decode(errors='replace') if domain.value_() else '-'

    # page_ext, as mm/page_ext.c finds it with SPARSEMEM: the section's
    # page_ext pointer is biased by the section's first pfn.
    def page_ext_tag(self, pfn):
        """The quarantine's page_ext word of @pfn, or None without page_ext."""
        prog = self.prog
        try:
            section_bits = int(self.info['NUMBER(SECTION_SIZE_BITS)'])
        except KeyError:
            fail(EXIT_KERNEL, 'no SECTION_SIZE_BITS in vmcoreinfo: not a SPARSEMEM kernel?')
        nr = pfn >> (section_bits - prog['PAGE_SHIFT'].value_())
        mem_section = prog['mem_section']
        per_root = prog['PAGE_SIZE'].value_() // prog.type('struct mem_section').size
        if mem_section.type_.type.kind == TypeKind.POINTER:   # SPARSEMEM_EXTREME
            roots = int(self.info.get('LENGTH(mem_section)', 0))
            if nr // per_root >= roots or not mem_section.value_():
                return None
            root = mem_section[nr // per_root]
            if not root.value_():
                return None
            section = root[nr % per_root]
        else:
            if nr // per_root >= len(mem_section):
                return None
            section = mem_section[nr // per_root][nr % per_root]
        base = section.page_ext.value_()
        if not base or base & 1:                    # PAGE_EXT_INVALID
            return None
        entry = (base + prog['page_ext_size'].value_() * pfn) & 0xffffffffffffffff
        offset = prog['iommu_quarantine_page_ext_ops'].offset.value_()
        return prog.read_u64(entry + offset)

    def held_ms(self, since):
        mask = GEN_MASK >> HELD_ORDER_BITS
        return ((self.jiffies - since) & mask) * 1000 // self.hz

    def lists(self):
        """(name, list object) of the offline list and each CPU's."""
        yield 'offline', self.prog['iommu_quarantine_offline_list']
        for cpu in for_each_possible_cpu(self.prog):
            yield 'cpu%d' % cpu, per_cpu(self.prog['iommu_quarantine_cpu_lists'], cpu)

    def blocks(self):
        """Every held block, as a dict, in list order."""
        limit = self.prog['max_pfn'].value_() + 1
        for list_name, qlist in self.lists():
            page, seen = qlist.head, set()
            while page.value_():
                if page.value_() in seen or len(seen) > limit:
                    fail(EXIT_KERNEL, 'the %s list loops at %#x' % (list_name, page.value_()))
                seen.add(page.value_())
                block = self.block(page, list_name)
                if block:
                    yield block
                page = Object(self.prog, 'struct page *', page.private.value_())

    def block(self, page, list_name):
        pfn = page_to_pfn(page).value_()
        tag = page.index.value_()
        slot, gen = tag >> GEN_BITS, tag & GEN_MASK
        held = self.page_ext_tag(pfn) or 0
        if held >> GEN_BITS != SLOT_HELD:
            if self.prog.flags & ProgramFlags.IS_LIVE:
                return None         # released while we looked
            fail(EXIT_KERNEL, 'held block at pfn %#x has no HELD marker (page_ext %#x)' % (
                pfn, held))
        marker = held & GEN_MASK
        return {'pfn': pfn, 'page': page.value_(),
                'order': marker & ((1 << HELD_ORDER_BITS) - 1),
                'slot': slot, 'domain': self.domain_name(slot), 'generation': gen,
                'stale': self.tag_stale(tag), 'list': list_name,
                'held_ms': self.held_ms(marker >> HELD_ORDER_BITS)}

    @staticmethod
    def passed(counter, gen):
        """Has a 64-bit counter gone past a 48-bit generation? (As the kernel
        compares them: modulo 2^48.)"""
        d = (counter - gen) & GEN_MASK
        return 0 < d < (1 << (GEN_BITS - 1))

    def tag_safe(self, tag):
        slot, gen = tag >> GEN_BITS, tag & GEN_MASK
        if not tag:
            return True
        if slot == SLOT_SHARED:
            return self.passed(self.prog['iommu_quarantine_shared_completed'].counter.value_(),
                               gen)
        if not slot or slot >= len(self.slots):
            return True
        return self.passed(self.slots[slot].completed.counter.value_(), gen)

    def tag_stale(self, tag):
        slot, gen = tag >> GEN_BITS, tag & GEN_MASK
        if not slot or slot >= len(self.slots):
            return False
        return self.passed(self.slots[slot].failed.counter.value_(), gen) and \
            not self.tag_safe(tag)


def print_table(rows):
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print('  '.join(str(v).ljust(w) for v, w in zip(row, widths)).rstrip())


def overview(q, args):
    state = 'enabled at boot' if q.ready else 'OFF in this boot'
    print('IOMMU page quarantine: compiled in, %s, static key %s (%d)' % (
        state, 'on' if q.key else 'off', q.key))
    q.require_enabled()
    blocks = list(q.blocks())
    held = sum(1 << b['order'] for b in blocks)
    stale = sum(1 << b['order'] for b in blocks if b['stale'])
    cap = q.prog['iommu_quarantine_cap_bytes'].value_()
    page_size = q.prog['PAGE_SIZE'].value_()
    print('held: %d pages, %d bytes, %.1f%% of the %d-byte cap; stale: %d pages; '
          'peak: %d bytes' % (held, held * page_size, 100.0 * held * page_size / cap,
                              cap, stale, q.counter('bytes held peak')))
    if held != q.counter('pages held now'):
        print('note: the lists hold %d pages, the counter says %d (a live kernel moving?)' % (
            held, q.counter('pages held now')))
    print()
    rows = [('slot', 'domain', 'started', 'completed', 'failed', 'held', 'stale',
             'oldest_ms')]
    for i, slot, name in q.domains():
        mine = [b for b in blocks if b['slot'] == i]
        rows.append((i, name, slot.started.counter.value_(), slot.completed.counter.value_(),
                     slot.failed.counter.value_(), sum(1 << b['order'] for b in mine),
                     sum(1 << b['order'] for b in mine if b['stale']),
                     max((b['held_ms'] for b in mine), default=0)))
    shared = [b for b in blocks if b['slot'] == SLOT_SHARED]
    rows.append(('shared', '-', q.prog['iommu_quarantine_shared_started'].counter.value_(),
                 q.prog['iommu_quarantine_shared_completed'].counter.value_(), '-',
                 sum(1 << b['order'] for b in shared), 0,
                 max((b['held_ms'] for b in shared), default=0)))
    print_table(rows)
    print()
    rows = [('list', 'blocks', 'pages')]
    for name, qlist in q.lists():
        mine = [b for b in blocks if b['list'] == name]
        if mine or name != 'offline' or qlist.nr_blocks.value_():
            rows.append((name, len(mine), sum(1 << b['order'] for b in mine)))
    rows.append(('total', len(blocks), held))
    print_table(rows)
    print()
    print('counters:')
    for name, value in q.counters:
        print('  %s: %d' % (name, value))


def parse_address(text):
    try:
        value = int(text, 0)
    except ValueError:
        fail(EXIT_USAGE, 'not a number: %r (decimal, or hexadecimal with 0x)' % text)
    if value < 0:
        fail(EXIT_USAGE, 'negative: %r' % text)
    return value


def page(q, args):
    q.require_enabled()
    prog = q.prog
    page_shift = prog['PAGE_SHIFT'].value_()
    if args.pfn is not None:
        pfn = parse_address(args.pfn)
    elif args.phys is not None:
        pfn = parse_address(args.phys) >> page_shift
    else:
        address = parse_address(args.page)
        vmemmap = prog['vmemmap'].value_()
        size = prog.type('struct page').size
        if address < vmemmap or (address - vmemmap) % size:
            fail(EXIT_USAGE, '%#x is not a struct page address (vmemmap starts at %#x, '
                 'entries of %d bytes)' % (address, vmemmap, size))
        pfn = (address - vmemmap) // size
    tag = q.page_ext_tag(pfn) if pfn <= prog['max_pfn'].value_() else None
    if tag is None:
        fail(EXIT_USAGE, 'pfn %#x has no page_ext: no memory there, or not online' % pfn)
    print('pfn: %#x' % pfn)
    print('phys: %#x' % (pfn << page_shift))
    print('page: %#x' % pfn_to_page(prog, pfn).value_())

    block = next((b for b in q.blocks() if b['pfn'] <= pfn < b['pfn'] + (1 << b['order'])),
                 None)
    if block:
        print('state: held, in the order-%d block at pfn %#x on the %s list for %d ms' % (
            block['order'], block['pfn'], block['list'], block['held_ms']))
        tag = block['slot'] << GEN_BITS | block['generation']
    elif not tag:
        print('state: not tagged (no lazy unmap since it was last freed)')
        return
    elif tag >> GEN_BITS == SLOT_HELD:
        print('state: HELD marker, but on no list: being released right now?')
        return
    elif q.tag_safe(tag):
        print('state: tagged, already safe (will pass straight through when freed)')
    else:
        print('state: tagged, not safe yet (will be held if freed now)')
    slot, gen = tag >> GEN_BITS, tag & GEN_MASK
    if slot == SLOT_SHARED:
        print('domain: shared (unmapped by several domains)')
        print('generation: round %d' % gen)
        print('stale: no')
        print('rounds now: started %d completed %d' % (
            prog['iommu_quarantine_shared_started'].counter.value_(),
            prog['iommu_quarantine_shared_completed'].counter.value_()))
        return
    print('domain: %d %s' % (slot, q.domain_name(slot)))
    print('generation: %d' % gen)
    stale = q.tag_stale(tag)
    print('stale: %s' % ('yes (an invalidation covering it failed, none succeeded since)'
                         if stale else 'no'))
    if 0 < slot < len(q.slots):
        s = q.slots[slot]
        print('domain now: started %d completed %d failed %d' % (
            s.started.counter.value_(), s.completed.counter.value_(),
            s.failed.counter.value_()))


def held(q, args):
    q.require_enabled()
    if not args.no_header:
        print('pfn order slot domain generation stale list held_ms')
    shown = 0
    for b in q.blocks():
        if args.limit is not None and shown >= args.limit:
            break
        if args.domain is not None and args.domain not in (str(b['slot']), b['domain']) \
                and not (args.domain == 'shared' and b['slot'] == SLOT_SHARED):
            continue
        if args.cpu is not None and b['list'] != ('offline' if args.cpu == 'offline'
                                                  else 'cpu' + args.cpu):
            continue
        if args.stale is not None and b['stale'] != args.stale:
            continue
        slot = 'shared' if b['slot'] == SLOT_SHARED else b['slot']
        print('%#x %d %s %s %d %s %s %d' % (b['pfn'], b['order'], slot, b['domain'],
                                             b['generation'], 'yes' if b['stale'] else 'no',
                                             b['list'], b['held_ms']))
        shown += 1


def non_negative(text):
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError('want a number from 0 up, not %r' % text)
    return value


def cpu_name(text):
    if text != 'offline' and not text.isdigit():
        raise argparse.ArgumentTypeError('want a CPU number or "offline", not %r' % text)
    return text


def parse_args(argv):
    parser = argparse.ArgumentParser(prog=PROG_NAME, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest='command', metavar='COMMAND')
    sub.required = True
    sub.add_parser('overview', help='state, domains, lists, counters')
    p = sub.add_parser('page', help='look up one page')
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument('--pfn', help='page frame number')
    which.add_argument('--phys', help='physical address')
    which.add_argument('--page', help='struct page address')
    p = sub.add_parser('held', help='list held blocks, one per line')
    p.add_argument('--limit', type=non_negative, help='show at most this many blocks')
    p.add_argument('--domain', help='only this domain (slot number, device name, "shared")')
    p.add_argument('--cpu', type=cpu_name, help='only this CPU\'s list (or "offline")')
    stale = p.add_mutually_exclusive_group()
    stale.add_argument('--stale', action='store_true', default=None, help='only stale blocks')
    stale.add_argument('--not-stale', dest='stale', action='store_false',
                       help='only blocks that are not stale')
    p.add_argument('--no-header', action='store_true', help='no column header line')
    return parser.parse_args(argv)


def main():
    args = parse_args(sys.argv[1:])
    try:
        program = globals()['prog']
    except KeyError:
        print('%s: error: run me with drgn (drgn -k, or drgn -c VMCORE -s VMLINUX)' % PROG_NAME,
              file=sys.stderr)
        sys.exit(EXIT_KERNEL)
    try:
        q = Quarantine(program)
        {'overview': overview, 'page': page, 'held': held}[args.command](q, args)
    except Failure as e:
        print('%s: error: %s' % (PROG_NAME, e), file=sys.stderr)
        sys.exit(e.status)
    except FaultError as e:
        print('%s: error: cannot read kernel memory: %s' % (PROG_NAME, e), file=sys.stderr)
        sys.exit(EXIT_KERNEL)
    except BrokenPipeError:
        sys.stderr.close()      # "| head" is fine
        sys.exit(EXIT_OK)


if __name__ == '__main__':
    main()
