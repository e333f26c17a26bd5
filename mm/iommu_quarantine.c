// SPDX-License-Identifier: GPL-2.0
/*
 * IOMMU page quarantine.
 *
 * In lazy (flush queue) mode an unmapped page stays reachable by its device
 * through the IOTLB until the next invalidation. Each unmapped page is
 * tagged, in page_ext, with its domain's invalidation generation; the page
 * allocator diverts a freed page whose tag is not safe yet onto a per-CPU
 * quarantine list, and a worker hands it back once an invalidation that
 * started after the tag has completed successfully.
 *
 * See Documentation/mm/iommu_quarantine.rst.
 */

#define pr_fmt(fmt) "iommu_quarantine: " fmt

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/iommu_quarantine.h>
#include <linux/irq_work.h>
#include <linux/jiffies.h>
#include <linux/kstrtox.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/page_ext.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/shrinker.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/swap.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include <kunit/visibility.h>

#include "internal.h"
#include "iommu_quarantine_internal.h"

#define CREATE_TRACE_POINTS
#include <trace/events/iommu_quarantine.h>

/*
 * A page's tag: the slot of the domain that unmapped it in the top 16 bits,
 * that domain's flush-start count read after the unmap in the low 48 bits;
 * 0 means untagged. Two slot values are reserved: SHARED (several domains
 * unmapped the page; the low bits are a round epoch, see
 * iommu_quarantine_round_start()) and HELD (head of a block on a quarantine
 * list; the low bits are the block's order and, above them, the jiffies at
 * which it was held; its tag is in page->index).
 */
#define IOMMU_QUARANTINE_GEN_BITS	48
#define IOMMU_QUARANTINE_GEN_MASK	GENMASK_ULL(IOMMU_QUARANTINE_GEN_BITS - 1, 0)
#define IOMMU_QUARANTINE_SLOT_SHARED	0xffffU
#define IOMMU_QUARANTINE_SLOT_HELD	0xfffeU
#define IOMMU_QUARANTINE_HELD_ORDER_BITS	6
#define IOMMU_QUARANTINE_HELD_ORDER_MASK	GENMASK_ULL(IOMMU_QUARANTINE_HELD_ORDER_BITS - 1, 0)

/* Slot 0 is never used, so a zero tag means "untagged". */
#define IOMMU_QUARANTINE_MAX_DOMAINS	1024

/* Forced flushes and rounds, unless urgent, are at most this frequent. */
#define IOMMU_QUARANTINE_FORCE_INTERVAL	msecs_to_jiffies(10)

/* Stale pages and stalled rounds are asked for again this often, by default. */
#define IOMMU_QUARANTINE_RETRY_MS	1000
#define IOMMU_QUARANTINE_RETRY_MS_MAX	3600000

/* debugfs tables look at no more than this many blocks of each list. */
#define IOMMU_QUARANTINE_WALK_MAX	4096

/* Release pass: reschedule after this many blocks. */
#define IOMMU_QUARANTINE_BATCH		32

/* Safe blocks a hold releases from the head of its CPU's list, at most. */
#define IOMMU_QUARANTINE_INLINE_RELEASE	4

/* Default cap: this fraction of RAM, like the KASAN quarantine. */
#define IOMMU_QUARANTINE_CAP_FRACTION	32

/* iommu_quarantine_domain.flags */
#define IOMMU_QUARANTINE_DOMAIN_WARNED	0

/* iommu_quarantine_requests */
#define IOMMU_QUARANTINE_REQUEST_FORCE	0
#define IOMMU_QUARANTINE_REQUEST_SHRINK	1

struct iommu_quarantine_page {
	atomic64_t tag;
};

/*
 * Generation counters of one domain. They live here rather than in the
 * domain so that they keep growing when a slot is reused: a tag left by a
 * destroyed domain then always reads as safe.
 */
struct iommu_quarantine_slot {
	atomic64_t started;
	atomic64_t completed;
	atomic64_t failed;
	atomic_long_t held_pages;
	/* The rest is protected by iommu_quarantine_mutex. */
	struct iommu_quarantine_domain *domain;
	u64 round_target;
	bool in_round;
};

/* Blocks are linked through page->private; never page->lru. */
struct iommu_quarantine_list {
	spinlock_t lock;	/* protects the list; the free path takes it irqsave */
	struct page *head;
	struct page *tail;
	unsigned long nr_blocks;
};

DEFINE_STATIC_KEY_FALSE(iommu_quarantine_key);

static bool iommu_quarantine_boot_enabled __initdata =
	IS_ENABLED(CONFIG_IOMMU_PAGE_QUARANTINE_DEFAULT_ON);
static bool iommu_quarantine_ready __read_mostly;
static unsigned long iommu_quarantine_cap_bytes __read_mostly;

static struct iommu_quarantine_slot iommu_quarantine_slots[IOMMU_QUARANTINE_MAX_DOMAINS];
static DEFINE_PER_CPU(struct iommu_quarantine_list, iommu_quarantine_cpu_lists);
/* Blocks from CPUs that went offline. */
static struct iommu_quarantine_list iommu_quarantine_offline_list = {
	.lock = __SPIN_LOCK_UNLOCKED(iommu_quarantine_offline_list.lock),
};

/* Serialises slot assignment, flush_now calls and release passes. */
static DEFINE_MUTEX(iommu_quarantine_mutex);

/* Rounds: global syncs that release pages unmapped from several domains. */
static atomic64_t iommu_quarantine_shared_started;
static atomic64_t iommu_quarantine_shared_completed;
static atomic_long_t iommu_quarantine_shared_held;
static u64 iommu_quarantine_round;		/* pending round, 0 if none */
static unsigned long iommu_quarantine_last_forced;
static unsigned long iommu_quarantine_last_retry;
/* debugfs retry_ms; 0: only the shrinker and drains ask again. */
static unsigned int iommu_quarantine_retry_ms __read_mostly = IOMMU_QUARANTINE_RETRY_MS;
/* Slots whose busy pages a cache wants back; bit 0: a round is wanted. */
static DECLARE_BITMAP(iommu_quarantine_wanted, IOMMU_QUARANTINE_MAX_DOMAINS);
static unsigned long iommu_quarantine_requests;

/*
 * Levels and maxima, read on the hot path (the cap) or raised with a
 * compare: one shared word each. "bytes held now" is "pages held now" in
 * bytes and has no word of its own.
 */
static atomic_long_t iommu_quarantine_counters[IOMMU_QUARANTINE_COUNTER_COUNT];
/*
 * Events, only ever added to: counted on the CPU where they happen, summed
 * when read, so that tagging, freeing and releasing a page write no counter
 * another CPU writes too.
 */
static DEFINE_PER_CPU(unsigned long, iommu_quarantine_events[IOMMU_QUARANTINE_COUNTER_COUNT]);
#define IOMMU_QUARANTINE_EVENTS	(BIT(IOMMU_QUARANTINE_COUNTER_TAGGED) |		\
				 BIT(IOMMU_QUARANTINE_COUNTER_SHARED) |		\
				 BIT(IOMMU_QUARANTINE_COUNTER_PASSED) |		\
				 BIT(IOMMU_QUARANTINE_COUNTER_RELEASED) |		\
				 BIT(IOMMU_QUARANTINE_COUNTER_FAILED_FLUSHES) |	\
				 BIT(IOMMU_QUARANTINE_COUNTER_FORCED_FLUSHES) |	\
				 BIT(IOMMU_QUARANTINE_COUNTER_HOLD_MS_TOTAL) |	\
				 BIT(IOMMU_QUARANTINE_COUNTER_REUSE_REFUSED) |	\
				 BIT(IOMMU_QUARANTINE_COUNTER_SHRINK_BUSY))
static const char *const iommu_quarantine_counter_names[] = {
	[IOMMU_QUARANTINE_COUNTER_TAGGED]		= "pages tagged",
	[IOMMU_QUARANTINE_COUNTER_SHARED]		= "pages tagged by several domains",
	[IOMMU_QUARANTINE_COUNTER_PASSED]		= "tagged pages freed when already safe",
	[IOMMU_QUARANTINE_COUNTER_HELD]			= "pages held now",
	[IOMMU_QUARANTINE_COUNTER_RELEASED]		= "pages released",
	[IOMMU_QUARANTINE_COUNTER_STALE]		= "stale pages held now",
	[IOMMU_QUARANTINE_COUNTER_FAILED_FLUSHES]	= "failed invalidations",
	[IOMMU_QUARANTINE_COUNTER_FORCED_FLUSHES]	= "forced invalidations",
	[IOMMU_QUARANTINE_COUNTER_BYTES_HELD]		= "bytes held now",
	[IOMMU_QUARANTINE_COUNTER_BYTES_PEAK]		= "bytes held peak",
	[IOMMU_QUARANTINE_COUNTER_HOLD_MS_TOTAL]	= "hold time total ms",
	[IOMMU_QUARANTINE_COUNTER_HOLD_MS_MAX]		= "hold time max ms",
	[IOMMU_QUARANTINE_COUNTER_REUSE_REFUSED]	= "in-place reuses refused",
	[IOMMU_QUARANTINE_COUNTER_SHRINK_BUSY]		= "shrinker calls turned away while busy",
};

static_assert(ARRAY_SIZE(iommu_quarantine_counter_names) == IOMMU_QUARANTINE_COUNTER_COUNT);

static void iommu_quarantine_work_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(iommu_quarantine_work, iommu_quarantine_work_fn);

static void iommu_quarantine_irq_work_fn(struct irq_work *work)
{
	mod_delayed_work(system_unbound_wq, &iommu_quarantine_work, 0);
}

/* The free path may hold any lock, even the runqueue lock: defer to irq_work. */
static DEFINE_IRQ_WORK(iommu_quarantine_irq_work, iommu_quarantine_irq_work_fn);

static void iommu_quarantine_kick(bool force)
{
	if (force)
		set_bit(IOMMU_QUARANTINE_REQUEST_FORCE, &iommu_quarantine_requests);
	irq_work_queue(&iommu_quarantine_irq_work);
}

/*
 * Count @nr events: irq-safe, on this CPU's copy. @id is always a
 * constant: that it names an event is checked at build time.
 */
static __always_inline void iommu_quarantine_count(enum iommu_quarantine_counter_id id,
						   unsigned long nr)
{
	BUILD_BUG_ON(IOMMU_QUARANTINE_COUNTER_COUNT > BITS_PER_LONG);
	BUILD_BUG_ON(!(IOMMU_QUARANTINE_EVENTS & BIT(id)));
	this_cpu_add(iommu_quarantine_events[id], nr);
}

static long iommu_quarantine_read(enum iommu_quarantine_counter_id id)
{
	unsigned long sum = 0;
	int cpu;

	if (id == IOMMU_QUARANTINE_COUNTER_BYTES_HELD)
		return atomic_long_read(&iommu_quarantine_counters[IOMMU_QUARANTINE_COUNTER_HELD])
			<< PAGE_SHIFT;
	if (!(IOMMU_QUARANTINE_EVENTS & BIT(id)))
		return atomic_long_read(&iommu_quarantine_counters[id]);
	/* CPUs that went offline keep their counts. */
	for_each_possible_cpu(cpu)
		sum += per_cpu(iommu_quarantine_events[id], cpu);
	return sum;
}

/* === Tags ================================================================= */

static inline unsigned int iommu_quarantine_tag_slot(u64 tag)
{
	return tag >> IOMMU_QUARANTINE_GEN_BITS;
}

static inline u64 iommu_quarantine_tag_gen(u64 tag)
{
	return tag & IOMMU_QUARANTINE_GEN_MASK;
}

static inline u64 iommu_quarantine_make_tag(unsigned int slot, u64 gen)
{
	return (u64)slot << IOMMU_QUARANTINE_GEN_BITS | (gen & IOMMU_QUARANTINE_GEN_MASK);
}

static atomic64_t *iommu_quarantine_tag_of(struct page_ext *page_ext)
{
	struct iommu_quarantine_page *qp;

	qp = (void *)page_ext + iommu_quarantine_page_ext_ops.offset;
	return &qp->tag;
}

/* Raise @counter to @gen; flushes may complete out of order. */
static void iommu_quarantine_advance(atomic64_t *counter, u64 gen)
{
	s64 old = atomic64_read(counter);

	while ((u64)old < gen && !atomic64_try_cmpxchg(counter, &old, gen))
		;
}

/*
 * Has @counter gone past @gen? Tags keep the low 48 bits of a counter that
 * does not stop there, so compare modulo 2^48, as time_after() does: a tag
 * taken after the counter wrapped is not mistaken for an old one. Only a
 * tag 2^47 invalidations old reads wrong, and then as not safe.
 */
static bool iommu_quarantine_gen_after(u64 a, u64 b)
{
	return (s64)((a - b) << (64 - IOMMU_QUARANTINE_GEN_BITS)) > 0;
}

static bool iommu_quarantine_gen_passed(atomic64_t *counter, u64 gen)
{
	return iommu_quarantine_gen_after(atomic64_read(counter), gen);
}

/*
 * Has an invalidation that started after @tag completed successfully? For
 * any value: one that is no domain's tag (0, HELD, garbage) reads false.
 */
static __always_inline bool iommu_quarantine_tag_passed(u64 tag)
{
	unsigned int slot = iommu_quarantine_tag_slot(tag);
	u64 gen = iommu_quarantine_tag_gen(tag);

	if (slot == IOMMU_QUARANTINE_SLOT_SHARED)
		return iommu_quarantine_gen_passed(&iommu_quarantine_shared_completed, gen);
	if (!slot || slot >= IOMMU_QUARANTINE_MAX_DOMAINS)
		return false;
	return iommu_quarantine_gen_passed(&iommu_quarantine_slots[slot].completed, gen);
}

/*
 * A tag is safe once an invalidation that started after it has succeeded.
 * Inlined: the free path asks once per tag, the release once per block.
 */
static __always_inline bool iommu_quarantine_tag_safe(u64 tag)
{
	unsigned int slot = iommu_quarantine_tag_slot(tag);

	if (!tag)
		return true;
	/* A corrupt tag: warn, and do not hold memory forever for it. */
	if (slot != IOMMU_QUARANTINE_SLOT_SHARED &&
	    WARN_ON_ONCE(!slot || slot >= IOMMU_QUARANTINE_MAX_DOMAINS))
		return true;
	return iommu_quarantine_tag_passed(tag);
}

/* Covered by a failed invalidation and by no successful one since. */
static bool iommu_quarantine_tag_stale(u64 tag)
{
	unsigned int slot = iommu_quarantine_tag_slot(tag);
	u64 gen = iommu_quarantine_tag_gen(tag);

	if (!slot || slot >= IOMMU_QUARANTINE_MAX_DOMAINS)
		return false;
	return iommu_quarantine_gen_passed(&iommu_quarantine_slots[slot].failed, gen) &&
	       !iommu_quarantine_tag_safe(tag);
}

/*
 * A SHARED tag is safe once a round that started after it has completed.
 * The caller's unmaps from every domain involved precede this read.
 */
static u64 iommu_quarantine_shared_tag(void)
{
	u64 epoch;

	/* Pairs with the fully ordered increment in iommu_quarantine_round_start(). */
	smp_mb();
	epoch = atomic64_read(&iommu_quarantine_shared_started);
	return iommu_quarantine_make_tag(IOMMU_QUARANTINE_SLOT_SHARED, epoch);
}

/* The tag that becomes safe only once both @a and @b are safe. */
static u64 iommu_quarantine_merge(u64 a, u64 b)
{
	if (iommu_quarantine_tag_safe(a))
		return b;
	if (iommu_quarantine_tag_safe(b))
		return a;
	/* Within a slot generations only grow: the newer tag covers both. */
	if (iommu_quarantine_tag_slot(a) == iommu_quarantine_tag_slot(b))
		return iommu_quarantine_gen_after(iommu_quarantine_tag_gen(b),
						  iommu_quarantine_tag_gen(a)) ? b : a;
	return iommu_quarantine_shared_tag();
}

static void iommu_quarantine_tag_ext(struct page_ext *ext, u64 tag)
{
	atomic64_t *tagp = iommu_quarantine_tag_of(ext);
	s64 old = 0;
	u64 new;

	/* Most pages are untagged when they are unmapped. */
	if (atomic64_try_cmpxchg(tagp, &old, tag))
		return;
	do {
		/* Unmapping a page that was already freed: a driver bug. */
		if (WARN_ON_ONCE(iommu_quarantine_tag_slot(old) ==
				 IOMMU_QUARANTINE_SLOT_HELD))
			return;
		new = iommu_quarantine_merge(old, tag);
	} while (!atomic64_try_cmpxchg(tagp, &old, new));

	if (iommu_quarantine_tag_slot(new) == IOMMU_QUARANTINE_SLOT_SHARED &&
	    iommu_quarantine_tag_slot(old) != IOMMU_QUARANTINE_SLOT_SHARED)
		iommu_quarantine_count(IOMMU_QUARANTINE_COUNTER_SHARED, 1);
}

/*
 * Within a run of this many pages, aligned, the page_ext entries are
 * contiguous and the pages share their memory section, its online state
 * and, ZONE_DEVICE being mapped by subsections, their zone.
 */
#ifdef CONFIG_SPARSEMEM
#define IOMMU_QUARANTINE_RUN_PAGES	min_t(unsigned long, MAX_ORDER_NR_PAGES, \
					      PAGES_PER_SUBSECTION)
#else
#define IOMMU_QUARANTINE_RUN_PAGES	MAX_ORDER_NR_PAGES
#endif

/* Tag the pages from @pfn to @end_pfn - 1; returns how many it tagged. */
static unsigned long iommu_quarantine_tag_pfns(u64 tag, unsigned long pfn,
					       unsigned long end_pfn)
{
	unsigned long i, next, nr = 0;
	struct page_ext *page_ext, *ext;
	struct page *page;

	for (; pfn < end_pfn; pfn = next) {
		next = min(end_pfn, ALIGN(pfn + 1, IOMMU_QUARANTINE_RUN_PAGES));
		/* No struct page (MMIO), or never back in the allocator. */
		page = pfn_to_online_page(pfn);
		if (!page || is_zone_device_page(page))
			continue;
		page_ext = page_ext_get(page);
		if (!page_ext)
			continue;
		for (i = pfn, ext = page_ext; i < next; i++, ext = page_ext_next(ext))
			iommu_quarantine_tag_ext(ext, tag);
		page_ext_put(page_ext);
		nr += next - pfn;
	}
	return nr;
}

static struct iommu_quarantine_slot *
iommu_quarantine_slot_of(struct iommu_quarantine_domain *qd)
{
	if (!qd->slot || WARN_ON_ONCE(qd->slot >= IOMMU_QUARANTINE_MAX_DOMAINS))
		return NULL;
	return &iommu_quarantine_slots[qd->slot];
}

/**
 * iommu_quarantine_tag_pages() - mark pages just unmapped from a domain
 * @qd: the domain they were unmapped from
 * @page: first page
 * @nr_pages: number of pages
 * @gen: iommu_quarantine_generation() read after the PTEs were cleared
 *
 * From now on, freeing any of these pages keeps it out of the allocator until
 * an invalidation of @qd that started after @gen has completed successfully.
 * ZONE_DEVICE pages are skipped: they never go back to the page allocator.
 *
 * Context: any context; allocates nothing.
 * Return: nothing.
 */
void iommu_quarantine_tag_pages(struct iommu_quarantine_domain *qd,
				struct page *page, unsigned long nr_pages,
				u64 gen)
{
	unsigned long pfn = page_to_pfn(page), nr;

	if (!iommu_quarantine_slot_of(qd))
		return;
	nr = iommu_quarantine_tag_pfns(iommu_quarantine_make_tag(qd->slot, gen),
				       pfn, pfn + nr_pages);
	iommu_quarantine_count(IOMMU_QUARANTINE_COUNTER_TAGGED, nr);
}

/**
 * iommu_quarantine_tag_phys_range() - mark a physical range just unmapped
 * @qd: the domain it was unmapped from
 * @phys: start of the range
 * @size: size of the range in bytes; partial pages count as whole pages
 * @gen: iommu_quarantine_generation() read after the PTEs were cleared
 *
 * Like iommu_quarantine_tag_pages(), for callers that only know physical
 * addresses. Frames without an online struct page (MMIO,
 * dma_map_resource()) and ZONE_DEVICE pages are skipped.
 *
 * Context: any context; allocates nothing.
 * Return: nothing.
 */
void iommu_quarantine_tag_phys_range(struct iommu_quarantine_domain *qd,
				     phys_addr_t phys, size_t size, u64 gen)
{
	unsigned long nr;

	if (!iommu_quarantine_slot_of(qd) || !size)
		return;
	nr = iommu_quarantine_tag_pfns(iommu_quarantine_make_tag(qd->slot, gen),
				       PHYS_PFN(phys), PHYS_PFN(phys + size - 1) + 1);
	iommu_quarantine_count(IOMMU_QUARANTINE_COUNTER_TAGGED, nr);
}
EXPORT_SYMBOL_GPL(iommu_quarantine_tag_phys_range);

/* === Holding ============================================================== */

static void iommu_quarantine_list_append(struct iommu_quarantine_list *list,
					 struct page *page)
{
	set_page_private(page, 0);
	if (list->tail)
		set_page_private(list->tail, (unsigned long)page);
	else
		list->head = page;
	list->tail = page;
	list->nr_blocks++;
}

/* Raise a "peak" or "max" counter to @value. */
static void iommu_quarantine_count_max(enum iommu_quarantine_counter_id id, long value)
{
	atomic_long_t *max = &iommu_quarantine_counters[id];
	long old = atomic_long_read(max);

	while (value > old && !atomic_long_try_cmpxchg(max, &old, value))
		;
}

static long iommu_quarantine_held_now(void)
{
	return atomic_long_read(&iommu_quarantine_counters[IOMMU_QUARANTINE_COUNTER_HELD]);
}

/* Held pages per slot let a forced flush pick only the domains that matter. */
static atomic_long_t *iommu_quarantine_held_of(u64 tag)
{
	unsigned int slot = iommu_quarantine_tag_slot(tag);

	if (slot == IOMMU_QUARANTINE_SLOT_SHARED)
		return &iommu_quarantine_shared_held;
	return &iommu_quarantine_slots[slot].held_pages;
}

static void iommu_quarantine_hold(struct page *page, unsigned int order, u64 tag)
{
	atomic_long_t *held_now = &iommu_quarantine_counters[IOMMU_QUARANTINE_COUNTER_HELD];
	unsigned long nr_pages = 1UL << order;
	struct iommu_quarantine_list *list;
	unsigned long flags;
	long held;

	page->index = tag;

	/*
	 * Counted before the block is on a list, so that no release can
	 * subtract it first: the counters never read negative.
	 */
	atomic_long_add(nr_pages, iommu_quarantine_held_of(tag));
	mod_node_page_state(page_pgdat(page), NR_IOMMU_QUARANTINED, nr_pages);
	held = atomic_long_add_return(nr_pages, held_now);
	iommu_quarantine_count_max(IOMMU_QUARANTINE_COUNTER_BYTES_PEAK, held << PAGE_SHIFT);
	/*
	 * Pairs with the smp_mb() in iommu_quarantine_flush_end() between its
	 * advance and its read of held_pages: either it sees this block and
	 * kicks the worker, or the caller's tag_safe() check after the hold
	 * sees the flush done.
	 */
	smp_mb__after_atomic();

	/* Any CPU's list will do if we migrate: the lock protects it. */
	list = raw_cpu_ptr(&iommu_quarantine_cpu_lists);
	spin_lock_irqsave(&list->lock, flags);
	iommu_quarantine_list_append(list, page);
	spin_unlock_irqrestore(&list->lock, flags);

	trace_iommu_quarantine_hold(page_to_pfn(page), order, iommu_quarantine_tag_slot(tag),
				    iommu_quarantine_tag_gen(tag));

	if (iommu_quarantine_over_cap()) {
		if (!test_bit(IOMMU_QUARANTINE_REQUEST_FORCE, &iommu_quarantine_requests))
			iommu_quarantine_kick(true);
	} else if (iommu_quarantine_tag_slot(tag) == IOMMU_QUARANTINE_SLOT_SHARED) {
		iommu_quarantine_kick(false);
	}
}

static bool iommu_quarantine_release_head(struct iommu_quarantine_list *list,
					  struct page *wanted);

/**
 * __iommu_quarantine_free() - slow path of iommu_quarantine_free()
 * @page: head page of the block being freed
 * @order: order of the block
 *
 * Context: any context; allocates nothing.
 * Return: true if the block was taken into quarantine.
 */
bool __iommu_quarantine_free(struct page *page, unsigned int order)
{
	unsigned long i, nr_pages = 1UL << order, passed = 0;
	struct page_ext *page_ext, *ext;
	u64 block_tag = 0, held_since;

	/* The key is on only once the quarantine is ready. */
	page_ext = page_ext_get(page);
	if (!page_ext)
		return false;

	/* A buddy-aligned block never crosses a page_ext section. */
	for (i = 0, ext = page_ext; i < nr_pages; i++, ext = page_ext_next(ext)) {
		atomic64_t *tagp = iommu_quarantine_tag_of(ext);
		u64 tag = atomic64_read(tagp);

		if (!tag)
			continue;
		if (WARN_ON_ONCE(iommu_quarantine_tag_slot(tag) ==
				 IOMMU_QUARANTINE_SLOT_HELD)) {
			/* Freed twice: linking it again would corrupt a list. */
			page_ext_put(page_ext);
			return true;
		}
		/* The pages of one unmap share a tag: judge it once. */
		if (tag == block_tag)
			;
		else if (iommu_quarantine_tag_safe(tag))
			passed++;
		else if (!block_tag)
			block_tag = tag;
		else
			block_tag = iommu_quarantine_merge(block_tag, tag);
		atomic64_set(tagp, 0);
	}
	/*
	 * A flush that completes during the walk can make the block's last
	 * pages safe after its first ones were found unsafe: they are held with
	 * the block then, and counted as held, not as passed.
	 */
	if (!block_tag) {
		if (passed)
			iommu_quarantine_count(IOMMU_QUARANTINE_COUNTER_PASSED, passed);
		page_ext_put(page_ext);
		return false;
	}
	held_since = jiffies;
	atomic64_set(iommu_quarantine_tag_of(page_ext),
		     iommu_quarantine_make_tag(IOMMU_QUARANTINE_SLOT_HELD,
					       held_since << IOMMU_QUARANTINE_HELD_ORDER_BITS |
					       order));
	page_ext_put(page_ext);

	iommu_quarantine_hold(page, order, block_tag);
	/*
	 * A flush that completed after the walk, or a domain destroyed since,
	 * may have kicked nobody: its pass ran before this block was on a list.
	 * If the block is safe now and was not released from the head here,
	 * the worker must come for it. Only its tag is looked at: the block
	 * may already be gone.
	 */
	if (!iommu_quarantine_release_head(raw_cpu_ptr(&iommu_quarantine_cpu_lists), page) &&
	    iommu_quarantine_tag_safe(block_tag))
		iommu_quarantine_kick(false);
	return true;
}

/**
 * __iommu_quarantine_busy() - slow path of iommu_quarantine_busy()
 * @page: head page of the block about to be reused in place
 * @order: order of the block
 *
 * The caller owns the block, but keeps it: nothing here changes its tags,
 * a later free judges them again. Call it after seeing the last other user
 * drop its reference: the read barrier orders that before the tag reads, so
 * a tag set by an unmap before that user's put_page() is seen.
 *
 * Context: any context; allocates nothing.
 * Return: true if a page of the block carries a tag that is not safe yet.
 */
bool __iommu_quarantine_busy(struct page *page, unsigned int order)
{
	unsigned long pfn = page_to_pfn(page), end_pfn = pfn + (1UL << order);
	struct page_ext *page_ext, *ext;
	unsigned long i, next;
	unsigned int slot;
	u64 tag = 0;

	/* Pairs with the full barrier of the other user's reference drop. */
	smp_rmb();
	/* Gigantic pages span page_ext sections: one run at a time. */
	for (; pfn < end_pfn && !tag; pfn = next) {
		next = min(end_pfn, ALIGN(pfn + 1, IOMMU_QUARANTINE_RUN_PAGES));
		page_ext = page_ext_get(pfn_to_page(pfn));
		if (!page_ext)
			continue;
		for (i = pfn, ext = page_ext; i < next && !tag; i++, ext = page_ext_next(ext)) {
			tag = atomic64_read(iommu_quarantine_tag_of(ext));
			if (iommu_quarantine_tag_safe(tag))
				tag = 0;
		}
		page_ext_put(page_ext);
	}
	/* (A HELD tag, a block in use on a hold list, was warned about.) */
	if (!tag)
		return false;
	iommu_quarantine_count(IOMMU_QUARANTINE_COUNTER_REUSE_REFUSED, 1);
	/*
	 * Nothing else may flush for it soon: a page in a cache is not held.
	 * Ask its domain (a round for SHARED) to invalidate.
	 */
	slot = iommu_quarantine_tag_slot(tag);
	set_bit(slot == IOMMU_QUARANTINE_SLOT_SHARED ? 0 : slot, iommu_quarantine_wanted);
	iommu_quarantine_kick(false);
	return true;
}
EXPORT_SYMBOL_GPL(__iommu_quarantine_busy);

/* === Releasing ============================================================ */

/*
 * The HELD marker of a held block: its order, and in @held_jiffies for how
 * long it has been held. Clears the marker if @clear.
 */
static unsigned int iommu_quarantine_held(struct page *page, bool clear,
					  unsigned long *held_jiffies)
{
	const u64 jiffies_mask = IOMMU_QUARANTINE_GEN_MASK >> IOMMU_QUARANTINE_HELD_ORDER_BITS;
	struct page_ext *page_ext;
	unsigned int order = 0;
	atomic64_t *tagp;
	u64 tag, gen;

	*held_jiffies = 0;
	page_ext = page_ext_get(page);
	if (WARN_ON_ONCE(!page_ext))
		return 0;
	tagp = iommu_quarantine_tag_of(page_ext);
	tag = atomic64_read(tagp);
	if (!WARN_ON_ONCE(iommu_quarantine_tag_slot(tag) != IOMMU_QUARANTINE_SLOT_HELD)) {
		gen = iommu_quarantine_tag_gen(tag);
		order = gen & IOMMU_QUARANTINE_HELD_ORDER_MASK;
		*held_jiffies = (jiffies - (gen >> IOMMU_QUARANTINE_HELD_ORDER_BITS)) &
				jiffies_mask;
	}
	if (clear)
		atomic64_set(tagp, 0);
	page_ext_put(page_ext);
	return order;
}

static unsigned int iommu_quarantine_held_order(struct page *page)
{
	unsigned long held_jiffies;

	return iommu_quarantine_held(page, false, &held_jiffies);
}

/*
 * What one release pass did, for its tracepoint, and the counts it owes:
 * it settles them every few blocks rather than once per block. Until then
 * they read high, never low.
 */
struct iommu_quarantine_pass {
	unsigned long released;
	unsigned long blocks;
	unsigned long stale;
	u64 hold_jiffies_total;		/* summed over pages */
	unsigned long hold_jiffies_max;
	/* Released since the last settlement. */
	unsigned long owed_pages;
	u64 owed_jiffies;
	/* Of which in a run of one domain's counter and one node. */
	atomic_long_t *held_of;
	unsigned long held_of_pages;
	struct pglist_data *pgdat;
	unsigned long pgdat_pages;
};

static void iommu_quarantine_pass_settle(struct iommu_quarantine_pass *pass)
{
	if (pass->held_of_pages)
		atomic_long_sub(pass->held_of_pages, pass->held_of);
	if (pass->pgdat_pages)
		mod_node_page_state(pass->pgdat, NR_IOMMU_QUARANTINED, -(long)pass->pgdat_pages);
	pass->held_of_pages = 0;
	pass->pgdat_pages = 0;
	if (!pass->owed_pages)
		return;
	atomic_long_sub(pass->owed_pages,
			&iommu_quarantine_counters[IOMMU_QUARANTINE_COUNTER_HELD]);
	iommu_quarantine_count(IOMMU_QUARANTINE_COUNTER_RELEASED, pass->owed_pages);
	iommu_quarantine_count(IOMMU_QUARANTINE_COUNTER_HOLD_MS_TOTAL,
			       jiffies64_to_msecs(pass->owed_jiffies));
	iommu_quarantine_count_max(IOMMU_QUARANTINE_COUNTER_HOLD_MS_MAX,
				   jiffies_to_msecs(pass->hold_jiffies_max));
	pass->owed_pages = 0;
	pass->owed_jiffies = 0;
}

static void iommu_quarantine_trace_pass(struct iommu_quarantine_pass *pass,
					unsigned long stale)
{
	trace_iommu_quarantine_release(pass->released, pass->blocks,
				       pass->released ?
				       jiffies64_to_msecs(pass->hold_jiffies_total) /
				       pass->released : 0,
				       jiffies_to_msecs(pass->hold_jiffies_max),
				       iommu_quarantine_held_now(), stale);
}

static void iommu_quarantine_release_block(struct page *page,
					   struct iommu_quarantine_pass *pass)
{
	unsigned long held_jiffies;
	unsigned int order = iommu_quarantine_held(page, true, &held_jiffies);
	unsigned long nr_pages = 1UL << order;
	atomic_long_t *held_of = iommu_quarantine_held_of(page->index);
	struct pglist_data *pgdat = page_pgdat(page);

	pass->released += nr_pages;
	pass->blocks++;
	pass->hold_jiffies_total += (u64)held_jiffies * nr_pages;
	pass->hold_jiffies_max = max(pass->hold_jiffies_max, held_jiffies);
	pass->owed_pages += nr_pages;
	pass->owed_jiffies += (u64)held_jiffies * nr_pages;
	/* Blocks come in runs of one domain and one node. */
	if (held_of != pass->held_of || pgdat != pass->pgdat) {
		iommu_quarantine_pass_settle(pass);
		pass->held_of = held_of;
		pass->pgdat = pgdat;
	}
	pass->held_of_pages += nr_pages;
	pass->pgdat_pages += nr_pages;

	page->index = 0;
	set_page_private(page, 0);
	/* Poisoning, init_on_free, KASAN and debug_pagealloc happen here. */
	iommu_quarantine_free_pages(page, order);
}

/*
 * A hold releases the blocks at the head of its CPU's list that became safe,
 * a few at a time, as the free that held them would have: on this CPU,
 * while the pages are hot, at the rate pages arrive. Blocks are appended in
 * the order their tags were taken, so the head is the first to be safe; a
 * head that is not (another domain, a failed flush) waits for the worker.
 */
static bool iommu_quarantine_release_head(struct iommu_quarantine_list *list,
					  struct page *wanted)
{
	atomic_long_t *stale = &iommu_quarantine_counters[IOMMU_QUARANTINE_COUNTER_STALE];
	struct page *batch[IOMMU_QUARANTINE_INLINE_RELEASE], *page;
	struct iommu_quarantine_pass pass = {};
	bool found = false, safe;
	unsigned int i, nr = 0;
	unsigned long flags;

	/*
	 * Most holds find the head not safe yet: look without the lock. The
	 * head may be released meanwhile and its struct page reused, its
	 * index then anything: read it without judging it (no warning), and
	 * let the lock decide. A safe head missed here is the worker's: the
	 * flush that made it safe kicked it.
	 */
	rcu_read_lock();	/* memory hot-remove frees the memmap after a grace period */
	page = READ_ONCE(list->head);
	safe = page && iommu_quarantine_tag_passed(READ_ONCE(page->index));
	rcu_read_unlock();
	if (!safe)
		return false;

	spin_lock_irqsave(&list->lock, flags);
	while (nr < ARRAY_SIZE(batch) && (page = list->head) &&
	       iommu_quarantine_tag_safe(page->index)) {
		list->head = (struct page *)page_private(page);
		if (!list->head)
			list->tail = NULL;
		list->nr_blocks--;
		batch[nr++] = page;
	}
	spin_unlock_irqrestore(&list->lock, flags);

	for (i = 0; i < nr; i++) {
		found |= batch[i] == wanted;
		iommu_quarantine_release_block(batch[i], &pass);
	}
	if (nr) {
		iommu_quarantine_pass_settle(&pass);
		if (trace_iommu_quarantine_release_enabled())
			iommu_quarantine_trace_pass(&pass, atomic_long_read(stale));
	}
	return found;
}

/*
 * Release the safe blocks of @list. The list is taken whole so that the free
 * path is never kept waiting, and what stays is put back in front.
 */
static void iommu_quarantine_release_list(struct iommu_quarantine_list *list,
					  struct iommu_quarantine_pass *pass)
{
	struct page *page, *next, *keep_head = NULL, *keep_tail = NULL;
	unsigned long flags, keep_blocks = 0, seen = 0;

	spin_lock_irqsave(&list->lock, flags);
	page = list->head;
	list->head = NULL;
	list->tail = NULL;
	list->nr_blocks = 0;
	spin_unlock_irqrestore(&list->lock, flags);

	for (; page; page = next) {
		next = (struct page *)page_private(page);
		if (iommu_quarantine_tag_safe(page->index)) {
			iommu_quarantine_release_block(page, pass);
		} else {
			if (iommu_quarantine_tag_stale(page->index))
				pass->stale += 1UL << iommu_quarantine_held_order(page);
			set_page_private(page, 0);
			if (keep_tail)
				set_page_private(keep_tail, (unsigned long)page);
			else
				keep_head = page;
			keep_tail = page;
			keep_blocks++;
		}
		if (++seen == IOMMU_QUARANTINE_BATCH) {
			seen = 0;
			iommu_quarantine_pass_settle(pass);
			cond_resched();
		}
	}
	iommu_quarantine_pass_settle(pass);
	if (!keep_head)
		return;

	spin_lock_irqsave(&list->lock, flags);
	set_page_private(keep_tail, (unsigned long)list->head);
	if (!list->head)
		list->tail = keep_tail;
	list->head = keep_head;
	list->nr_blocks += keep_blocks;
	spin_unlock_irqrestore(&list->lock, flags);
}

static unsigned long iommu_quarantine_release_safe(void)
{
	atomic_long_t *stale = &iommu_quarantine_counters[IOMMU_QUARANTINE_COUNTER_STALE];
	struct iommu_quarantine_pass pass = {};
	int cpu;

	lockdep_assert_held(&iommu_quarantine_mutex);
	iommu_quarantine_release_list(&iommu_quarantine_offline_list, &pass);
	for_each_possible_cpu(cpu)
		iommu_quarantine_release_list(per_cpu_ptr(&iommu_quarantine_cpu_lists, cpu),
					      &pass);
	iommu_quarantine_pass_settle(&pass);
	if (pass.released || pass.stale != atomic_long_read(stale))
		iommu_quarantine_trace_pass(&pass, pass.stale);
	atomic_long_set(stale, pass.stale);
	return pass.released;
}

/* Return: 1 if the domain was asked to invalidate, else 0. */
static unsigned int iommu_quarantine_flush_domain(struct iommu_quarantine_slot *slot)
{
	struct iommu_quarantine_domain *qd = slot->domain;

	if (!qd || !qd->flush_now)
		return 0;
	qd->flush_now(qd->cookie);
	iommu_quarantine_count(IOMMU_QUARANTINE_COUNTER_FORCED_FLUSHES, 1);
	return 1;
}

/* Complete the pending round if every domain in it has flushed since. */
static bool iommu_quarantine_round_check(void)
{
	struct iommu_quarantine_slot *slot;
	unsigned int i;

	lockdep_assert_held(&iommu_quarantine_mutex);
	if (!iommu_quarantine_round)
		return true;
	for (i = 1; i < IOMMU_QUARANTINE_MAX_DOMAINS; i++) {
		slot = &iommu_quarantine_slots[i];
		if (!slot->in_round)
			continue;
		/* A destroyed domain has no translations left. */
		if (slot->domain &&
		    (u64)atomic64_read(&slot->completed) <= slot->round_target)
			return false;
		slot->in_round = false;
	}
	iommu_quarantine_advance(&iommu_quarantine_shared_completed,
				 iommu_quarantine_round);
	iommu_quarantine_round = 0;
	return true;
}

/*
 * Ask again each domain of the pending round that has not completed an
 * invalidation since it started: it was idle, or its invalidation failed.
 * Without this a round could wait forever, and every SHARED page with it.
 */
static void iommu_quarantine_round_retry(void)
{
	struct iommu_quarantine_slot *slot;
	unsigned int i, flushed = 0;

	lockdep_assert_held(&iommu_quarantine_mutex);
	for (i = 1; i < IOMMU_QUARANTINE_MAX_DOMAINS; i++) {
		slot = &iommu_quarantine_slots[i];
		if (slot->in_round && slot->domain &&
		    (u64)atomic64_read(&slot->completed) <= slot->round_target)
			flushed += iommu_quarantine_flush_domain(slot);
	}
	trace_iommu_quarantine_force_flush("round", flushed, iommu_quarantine_held_now());
}

/*
 * A round covers every SHARED tag taken before it started: each live domain
 * must complete an invalidation that started after the round did. Domains
 * registered later cannot hold translations of those pages.
 */
static void iommu_quarantine_round_start(void)
{
	long held = iommu_quarantine_held_now();
	struct iommu_quarantine_slot *slot;
	unsigned int i, flushed = 0;

	lockdep_assert_held(&iommu_quarantine_mutex);
	/* Fully ordered: each target below is read after the new epoch. */
	iommu_quarantine_round = atomic64_inc_return(&iommu_quarantine_shared_started);
	for (i = 1; i < IOMMU_QUARANTINE_MAX_DOMAINS; i++) {
		slot = &iommu_quarantine_slots[i];
		slot->in_round = !!slot->domain;
		if (slot->in_round)
			slot->round_target = atomic64_read(&slot->started);
	}
	for (i = 1; i < IOMMU_QUARANTINE_MAX_DOMAINS; i++) {
		slot = &iommu_quarantine_slots[i];
		if (slot->in_round)
			flushed += iommu_quarantine_flush_domain(slot);
	}
	trace_iommu_quarantine_force_flush("round", flushed, held);
}

/*
 * One pass: force invalidations of the domains that hold pages if a
 * @force_reason is given (for the tracepoint), advance rounds, hand back
 * every block that is safe. @urgent ignores the rate limit (reclaim,
 * teardown, contiguous allocation).
 *
 * Return: pages released.
 */
static unsigned long iommu_quarantine_process(const char *force_reason, bool urgent)
{
	bool may_force = urgent || !time_before(jiffies, iommu_quarantine_last_forced +
						IOMMU_QUARANTINE_FORCE_INTERVAL);
	unsigned long retry_jiffies = msecs_to_jiffies(READ_ONCE(iommu_quarantine_retry_ms));
	bool retry = urgent || (retry_jiffies &&
				!time_before(jiffies, iommu_quarantine_last_retry + retry_jiffies));
	long stale = atomic_long_read(&iommu_quarantine_counters[IOMMU_QUARANTINE_COUNTER_STALE]);
	struct iommu_quarantine_slot *slots = iommu_quarantine_slots;
	unsigned long *wanted = iommu_quarantine_wanted;
	bool force = !!force_reason, deferred = false, want_round = false, retrying = false;
	unsigned int i, flushed = 0;
	unsigned long released;
	long held;

	lockdep_assert_held(&iommu_quarantine_mutex);
	/*
	 * Pages a failed invalidation keeps, or a round it stalls, are asked
	 * for again once a second: a device that recovered gives them back,
	 * one that did not costs a flush a second, not a hundred.
	 */
	if (!force && retry && (stale || iommu_quarantine_round)) {
		force_reason = "retry";
		force = true;
		retrying = true;
	}
	if (force && may_force) {
		held = iommu_quarantine_held_now();
		for (i = 1; i < IOMMU_QUARANTINE_MAX_DOMAINS; i++) {
			struct iommu_quarantine_slot *slot = &iommu_quarantine_slots[i];

			if (atomic_long_read(&slot->held_pages))
				flushed += iommu_quarantine_flush_domain(slot);
		}
		iommu_quarantine_last_forced = jiffies;
		trace_iommu_quarantine_force_flush(force_reason, flushed, held);
	} else if (force) {
		deferred = true;
	}

	/* Busy pages a cache would reuse: their domains flush now. */
	if (!bitmap_empty(wanted, IOMMU_QUARANTINE_MAX_DOMAINS)) {
		if (may_force) {
			held = iommu_quarantine_held_now();
			flushed = 0;
			for_each_set_bit(i, wanted, IOMMU_QUARANTINE_MAX_DOMAINS) {
				clear_bit(i, wanted);
				if (i)
					flushed += iommu_quarantine_flush_domain(&slots[i]);
				else
					want_round = true;
			}
			iommu_quarantine_last_forced = jiffies;
			trace_iommu_quarantine_force_flush("reuse", flushed, held);
		} else {
			deferred = true;
		}
	}

	iommu_quarantine_round_check();
	released = iommu_quarantine_release_safe();

	if (atomic_long_read(&iommu_quarantine_shared_held) || want_round) {
		if (!iommu_quarantine_round && may_force) {
			iommu_quarantine_round_start();
			iommu_quarantine_last_forced = jiffies;
		} else if (iommu_quarantine_round && retry) {
			iommu_quarantine_round_retry();
			iommu_quarantine_last_retry = jiffies;
		} else if (!iommu_quarantine_round) {
			deferred = true;
		}
		if (iommu_quarantine_round_check())
			released += iommu_quarantine_release_safe();
	}
	if (retrying && may_force)
		iommu_quarantine_last_retry = jiffies;

	if (deferred) {
		/* A retry needs no request: the next pass finds it due again. */
		if (force && !retrying)
			set_bit(IOMMU_QUARANTINE_REQUEST_FORCE, &iommu_quarantine_requests);
		mod_delayed_work(system_unbound_wq, &iommu_quarantine_work,
				 IOMMU_QUARANTINE_FORCE_INTERVAL);
	} else if (retry_jiffies &&
		   (atomic_long_read(&iommu_quarantine_counters[IOMMU_QUARANTINE_COUNTER_STALE]) ||
		    iommu_quarantine_round)) {
		/* Not mod_delayed_work(): a kick meanwhile must not wait. */
		queue_delayed_work(system_unbound_wq, &iommu_quarantine_work, retry_jiffies);
	}
	return released;
}

/**
 * iommu_quarantine_over_cap() - does the quarantine hold more than its cap
 *
 * A lazy IOMMU domain that sees it invalidate at once instead of queueing,
 * since its queued unmaps are what the quarantine is holding back.
 *
 * Stale pages (their domain's invalidations failed) do not count: flushing
 * sooner cannot release them, and counting them would make every lazy unmap
 * of every domain flush at once, and the worker force flushes without end,
 * for as long as one broken device keeps them. The shrinker still forces
 * invalidations for them under memory pressure.
 *
 * Context: any context.
 * Return: true if the memory held, less the stale pages, is over the cap.
 */
bool iommu_quarantine_over_cap(void)
{
	atomic_long_t *counters = iommu_quarantine_counters;
	long pages = atomic_long_read(&counters[IOMMU_QUARANTINE_COUNTER_HELD]);

	pages -= atomic_long_read(&counters[IOMMU_QUARANTINE_COUNTER_STALE]);
	/* Never read a negative count as huge. */
	return pages > 0 &&
	       (unsigned long)pages > READ_ONCE(iommu_quarantine_cap_bytes) >> PAGE_SHIFT;
}

static void iommu_quarantine_work_fn(struct work_struct *work)
{
	unsigned long *requests = &iommu_quarantine_requests;
	bool force, shrink;

	mutex_lock(&iommu_quarantine_mutex);
	/* A shrinker call found the mutex taken: do its pass for it. */
	shrink = test_and_clear_bit(IOMMU_QUARANTINE_REQUEST_SHRINK, requests);
	/* Otherwise only the cap asks for forced invalidations from here. */
	force = test_and_clear_bit(IOMMU_QUARANTINE_REQUEST_FORCE, requests) ||
		iommu_quarantine_over_cap();
	if (shrink)
		iommu_quarantine_process("shrinker", true);
	else
		iommu_quarantine_process(force ? "cap" : NULL, false);
	mutex_unlock(&iommu_quarantine_mutex);
}

/**
 * iommu_quarantine_drain_all() - force invalidations and release what they cover
 * @reason: who asks, for messages and the iommu_quarantine_force_flush
 *          tracepoint
 *
 * For callers that need every reusable page back in the allocator now, such
 * as alloc_contig_range() and memory offlining. Stale pages (their device
 * keeps failing invalidations) stay held.
 *
 * Context: process context, may sleep.
 * Return: nothing.
 */
void iommu_quarantine_drain_all(const char *reason)
{
	long held;

	if (!static_branch_unlikely(&iommu_quarantine_key) ||
	    !atomic_long_read(&iommu_quarantine_counters[IOMMU_QUARANTINE_COUNTER_HELD]))
		return;
	might_sleep();
	mutex_lock(&iommu_quarantine_mutex);
	iommu_quarantine_process(reason, true);
	mutex_unlock(&iommu_quarantine_mutex);

	held = atomic_long_read(&iommu_quarantine_counters[IOMMU_QUARANTINE_COUNTER_HELD]);
	if (held)
		pr_info_ratelimited("%s: %ld pages still held after forced invalidation\n",
				    reason, held);
}

/* === Shrinker ============================================================= */

static unsigned long iommu_quarantine_shrink_count(struct shrinker *shrinker,
						   struct shrink_control *sc)
{
	long held = atomic_long_read(&iommu_quarantine_counters[IOMMU_QUARANTINE_COUNTER_HELD]);

	return held > 0 ? held : SHRINK_EMPTY;
}

static unsigned long iommu_quarantine_shrink_scan(struct shrinker *shrinker,
						  struct shrink_control *sc)
{
	unsigned long released;

	/*
	 * Reclaim must not wait here: the holder may be forcing invalidations
	 * of a device that lets them time out, and a reclaimer may hold what a
	 * flush_now callback waits for. Under DMA load the worker holds the
	 * mutex often: then the worker runs this pass, as urgent, right after
	 * its own, and the pages it frees are there for the next attempt.
	 */
	if (!mutex_trylock(&iommu_quarantine_mutex)) {
		iommu_quarantine_count(IOMMU_QUARANTINE_COUNTER_SHRINK_BUSY, 1);
		set_bit(IOMMU_QUARANTINE_REQUEST_SHRINK, &iommu_quarantine_requests);
		iommu_quarantine_kick(false);
		return SHRINK_STOP;
	}
	released = iommu_quarantine_process("shrinker", true);
	mutex_unlock(&iommu_quarantine_mutex);
	/* Pages, not objects of a cache: tell reclaim it made progress. */
	if (current->reclaim_state)
		current->reclaim_state->reclaimed_slab += released;
	return released ?: SHRINK_STOP;
}

VISIBLE_IF_KUNIT struct shrinker iommu_quarantine_shrinker = {
	.count_objects	= iommu_quarantine_shrink_count,
	.scan_objects	= iommu_quarantine_shrink_scan,
	.seeks		= DEFAULT_SEEKS,
};

/* === Domains ============================================================== */

/**
 * iommu_quarantine_enabled() - is the quarantine active in this boot
 *
 * Return: true if page_ext space was claimed and domains can be registered.
 */
bool iommu_quarantine_enabled(void)
{
	return READ_ONCE(iommu_quarantine_ready);
}

/**
 * iommu_quarantine_domain_init() - register an IOMMU domain
 * @qd: the domain's quarantine state, owned by the caller
 * @flush_now: invalidates the whole domain, or NULL; see
 *             struct iommu_quarantine_domain
 * @cookie: argument for @flush_now
 * @name: device name for messages, copied
 *
 * Context: process context, may sleep.
 * Return: 0 on success; -EOPNOTSUPP if the quarantine is off in this boot,
 * -ENOSPC if all domain slots are in use. On error @qd stays usable and
 * every call on it is a no-op, so the caller should prefer strict mode.
 */
int iommu_quarantine_domain_init(struct iommu_quarantine_domain *qd,
				 void (*flush_now)(void *cookie), void *cookie,
				 const char *name)
{
	unsigned int i;

	qd->slot = 0;
	qd->flags = 0;
	qd->flush_now = flush_now;
	qd->cookie = cookie;
	strscpy(qd->name, name ?: "(unnamed)", sizeof(qd->name));
	if (!iommu_quarantine_enabled())
		return -EOPNOTSUPP;

	might_sleep();
	mutex_lock(&iommu_quarantine_mutex);
	for (i = 1; i < IOMMU_QUARANTINE_MAX_DOMAINS; i++) {
		if (!iommu_quarantine_slots[i].domain)
			break;
	}
	if (i == IOMMU_QUARANTINE_MAX_DOMAINS) {
		mutex_unlock(&iommu_quarantine_mutex);
		/* The caller says what it does instead. */
		return -ENOSPC;
	}
	/* A reused slot keeps its counters: started == completed here. */
	iommu_quarantine_slots[i].domain = qd;
	qd->slot = i;
	mutex_unlock(&iommu_quarantine_mutex);

	/* Sleeps; the key stays on while any domain exists. */
	static_branch_inc(&iommu_quarantine_key);
	return 0;
}

/**
 * iommu_quarantine_domain_destroy() - unregister an IOMMU domain
 * @qd: the domain
 *
 * The caller guarantees that every translation of the domain is gone (the
 * domain is detached and freed, its IOTLB entries invalidated). Everything
 * tagged by @qd is then safe: held pages go back to the allocator now, and
 * pages still in use pass straight through when freed.
 *
 * Context: process context, may sleep.
 * Return: nothing.
 */
void iommu_quarantine_domain_destroy(struct iommu_quarantine_domain *qd)
{
	struct iommu_quarantine_slot *slot = iommu_quarantine_slot_of(qd);
	u64 gen;

	if (!slot)
		return;
	might_sleep();
	mutex_lock(&iommu_quarantine_mutex);
	gen = atomic64_inc_return(&slot->started);
	iommu_quarantine_advance(&slot->completed, gen);
	slot->domain = NULL;
	/* No flush_now calls here: the caller may hold IOMMU locks. */
	iommu_quarantine_round_check();
	iommu_quarantine_release_safe();
	mutex_unlock(&iommu_quarantine_mutex);
	if (atomic_long_read(&iommu_quarantine_shared_held))
		iommu_quarantine_kick(false);

	qd->slot = 0;
	static_branch_dec(&iommu_quarantine_key);
}

/**
 * iommu_quarantine_generation() - the generation to tag unmapped pages with
 * @qd: the domain
 *
 * Call after the PTEs were cleared and before the pages can be freed.
 *
 * Context: any context.
 * Return: the number of invalidations of @qd started so far.
 */
u64 iommu_quarantine_generation(struct iommu_quarantine_domain *qd)
{
	struct iommu_quarantine_slot *slot = iommu_quarantine_slot_of(qd);

	if (!slot)
		return 0;
	/*
	 * Order the caller's PTE clearing before this read, as queue_iova()
	 * does: an invalidation that starts after it sees the cleared PTE.
	 */
	smp_mb();
	return atomic64_read(&slot->started);
}
EXPORT_SYMBOL_GPL(iommu_quarantine_generation);

/**
 * iommu_quarantine_flush_begin() - an invalidation of the whole domain starts
 * @qd: the domain
 *
 * Call before issuing the invalidation; pass the result to
 * iommu_quarantine_flush_end().
 *
 * Context: any context.
 * Return: the generation of this invalidation.
 */
u64 iommu_quarantine_flush_begin(struct iommu_quarantine_domain *qd)
{
	struct iommu_quarantine_slot *slot = iommu_quarantine_slot_of(qd);

	if (!slot)
		return 0;
	/* Fully ordered: the invalidation is issued after the increment. */
	return atomic64_inc_return(&slot->started);
}
EXPORT_SYMBOL_GPL(iommu_quarantine_flush_begin);

/**
 * iommu_quarantine_flush_end() - an invalidation of the whole domain ended
 * @qd: the domain
 * @gen: what iommu_quarantine_flush_begin() returned for it
 * @success: the IOMMU confirmed completion (CMD_SYNC, ATC invalidation)
 *
 * On success, pages tagged before @gen become safe and are released from a
 * worker. On failure nothing becomes safe; held pages it covered are counted
 * stale and the failure is reported once per domain.
 *
 * Context: any context (dma-iommu calls it from its flush timer).
 * Return: nothing.
 */
void iommu_quarantine_flush_end(struct iommu_quarantine_domain *qd, u64 gen,
				bool success)
{
	struct iommu_quarantine_slot *slot = iommu_quarantine_slot_of(qd);

	if (!slot)
		return;
	if (WARN_ON_ONCE(!gen || gen > (u64)atomic64_read(&slot->started)))
		return;

	if (success) {
		iommu_quarantine_advance(&slot->completed, gen);
	} else {
		iommu_quarantine_advance(&slot->failed, gen);
		iommu_quarantine_count(IOMMU_QUARANTINE_COUNTER_FAILED_FLUSHES, 1);
		trace_iommu_quarantine_flush_failed(qd->slot, qd->name, gen,
						    atomic_long_read(&slot->held_pages));
		if (!test_and_set_bit(IOMMU_QUARANTINE_DOMAIN_WARNED, &qd->flags))
			pr_warn("%s: IOTLB invalidation failed; %ld page(s) held, and the pages it unmapped stay out of the allocator until an invalidation succeeds\n",
				qd->name, atomic_long_read(&slot->held_pages));
	}
	/* Pairs with the barrier in iommu_quarantine_hold(). */
	smp_mb();
	if (atomic_long_read(&slot->held_pages) ||
	    atomic_long_read(&iommu_quarantine_shared_held))
		iommu_quarantine_kick(false);
}
EXPORT_SYMBOL_GPL(iommu_quarantine_flush_end);

/* === Control ============================================================== */

/**
 * iommu_quarantine_parse_enable() - parse the iommu_quarantine= value
 * @str: the value, may be NULL
 * @enable: updated only on success
 *
 * Return: 0, or -EINVAL (reported) if @str is not a boolean.
 */
VISIBLE_IF_KUNIT int iommu_quarantine_parse_enable(const char *str, bool *enable)
{
	bool value;

	if (!str || kstrtobool(str, &value)) {
		pr_err("invalid iommu_quarantine=%s, expected on/off; keeping it %s\n",
		       str ?: "", *enable ? "on" : "off");
		return -EINVAL;
	}
	*enable = value;
	return 0;
}

static int __init iommu_quarantine_param(char *str)
{
	iommu_quarantine_parse_enable(str, &iommu_quarantine_boot_enabled);
	/* Reported above: do not also get "Malformed early option". */
	return 0;
}
early_param("iommu_quarantine", iommu_quarantine_param);

static unsigned long iommu_quarantine_max_cap(void)
{
	return totalram_pages() << PAGE_SHIFT;
}

/**
 * iommu_quarantine_parse_cap() - parse a cap in bytes
 * @str: decimal or 0x-prefixed number, may end in a newline
 * @bytes: updated only on success
 *
 * Return: 0, or -EINVAL unless @str is a number from PAGE_SIZE to the size
 * of RAM.
 */
VISIBLE_IF_KUNIT int iommu_quarantine_parse_cap(const char *str, unsigned long *bytes)
{
	unsigned long value;

	if (kstrtoul(str, 0, &value) || value < PAGE_SIZE ||
	    value > iommu_quarantine_max_cap())
		return -EINVAL;
	*bytes = value;
	return 0;
}

/**
 * iommu_quarantine_get_cap() - the cap on held memory
 *
 * Return: the cap in bytes.
 */
VISIBLE_IF_KUNIT unsigned long iommu_quarantine_get_cap(void)
{
	return READ_ONCE(iommu_quarantine_cap_bytes);
}

/**
 * iommu_quarantine_set_cap() - set the cap on held memory
 * @bytes: new cap, from PAGE_SIZE to the size of RAM
 *
 * Reaching the cap forces invalidations; it never releases an unsafe page.
 *
 * Return: 0, or -EINVAL (nothing changed) if @bytes is out of range.
 */
VISIBLE_IF_KUNIT int iommu_quarantine_set_cap(unsigned long bytes)
{
	if (bytes < PAGE_SIZE || bytes > iommu_quarantine_max_cap())
		return -EINVAL;
	WRITE_ONCE(iommu_quarantine_cap_bytes, bytes);
	if (iommu_quarantine_over_cap())
		iommu_quarantine_kick(true);
	return 0;
}

/**
 * iommu_quarantine_counter_read() - read a statistics counter
 * @id: the counter
 *
 * Return: its value.
 */
VISIBLE_IF_KUNIT long iommu_quarantine_counter_read(enum iommu_quarantine_counter_id id)
{
	return iommu_quarantine_read(id);
}

/**
 * iommu_quarantine_wait_worker() - wait for pending release work
 *
 * Context: process context, may sleep.
 * Return: nothing.
 */
VISIBLE_IF_KUNIT void iommu_quarantine_wait_worker(void)
{
	irq_work_sync(&iommu_quarantine_irq_work);
	flush_delayed_work(&iommu_quarantine_work);
}

#if IS_ENABLED(CONFIG_IOMMU_QUARANTINE_KUNIT_TEST)
/**
 * iommu_quarantine_skip_generations() - add @delta to a domain's counters
 * @qd: a registered domain with no invalidation in flight
 * @delta: invalidations to pretend happened, all successful
 *
 * For tests of the generation arithmetic across the tags' 48-bit wrap.
 * Every counter of the slot moves by @delta, so tags taken before keep
 * their standing.
 *
 * Context: process context, may sleep.
 * Return: nothing.
 */
void iommu_quarantine_skip_generations(struct iommu_quarantine_domain *qd, u64 delta)
{
	struct iommu_quarantine_slot *slot = iommu_quarantine_slot_of(qd);

	if (!slot)
		return;
	mutex_lock(&iommu_quarantine_mutex);
	atomic64_add(delta, &slot->started);
	atomic64_add(delta, &slot->completed);
	atomic64_add(delta, &slot->failed);
	mutex_unlock(&iommu_quarantine_mutex);
}
#endif

/* === Initialisation ======================================================= */

static bool __init iommu_quarantine_need(void)
{
	return iommu_quarantine_boot_enabled;
}

static void __init iommu_quarantine_page_ext_init(void)
{
	int cpu;

	if (!iommu_quarantine_boot_enabled)
		return;
	for_each_possible_cpu(cpu)
		spin_lock_init(&per_cpu_ptr(&iommu_quarantine_cpu_lists, cpu)->lock);
	iommu_quarantine_cap_bytes = max(iommu_quarantine_max_cap() /
					 IOMMU_QUARANTINE_CAP_FRACTION, PAGE_SIZE);
	WRITE_ONCE(iommu_quarantine_ready, true);
	pr_info("enabled: %zu bytes of page_ext per page, cap %lu KiB\n",
		sizeof(struct iommu_quarantine_page), iommu_quarantine_cap_bytes >> 10);
}

struct page_ext_operations iommu_quarantine_page_ext_ops = {
	.size	= sizeof(struct iommu_quarantine_page),
	.need	= iommu_quarantine_need,
	.init	= iommu_quarantine_page_ext_init,
};

/* Nothing frees on a dead CPU; move its blocks where release passes look. */
static int iommu_quarantine_cpu_dead(unsigned int cpu)
{
	struct iommu_quarantine_list *from = per_cpu_ptr(&iommu_quarantine_cpu_lists, cpu);
	struct iommu_quarantine_list *to = &iommu_quarantine_offline_list;
	unsigned long flags;

	spin_lock_irqsave(&from->lock, flags);
	if (from->head) {
		spin_lock(&to->lock);
		if (to->tail)
			set_page_private(to->tail, (unsigned long)from->head);
		else
			to->head = from->head;
		to->tail = from->tail;
		to->nr_blocks += from->nr_blocks;
		spin_unlock(&to->lock);
		from->head = NULL;
		from->tail = NULL;
		from->nr_blocks = 0;
	}
	spin_unlock_irqrestore(&from->lock, flags);
	return 0;
}

static int __init iommu_quarantine_init(void)
{
	int ret;

	if (!iommu_quarantine_enabled())
		return 0;
	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "mm/iommu_quarantine:dead",
					NULL, iommu_quarantine_cpu_dead);
	if (ret < 0)
		pr_err("CPU hotplug state not registered: %d\n", ret);
	ret = register_shrinker(&iommu_quarantine_shrinker, "iommu-quarantine");
	if (ret)
		pr_err("shrinker not registered: %d\n", ret);
	return 0;
}
subsys_initcall(iommu_quarantine_init);

#ifdef CONFIG_DEBUG_FS

static int iommu_quarantine_stats_show(struct seq_file *m, void *v)
{
	struct iommu_quarantine_slot *slot;
	unsigned int i;

	for (i = 0; i < IOMMU_QUARANTINE_COUNTER_COUNT; i++)
		seq_printf(m, "%s: %ld\n", iommu_quarantine_counter_names[i],
			   iommu_quarantine_read(i));
	seq_printf(m, "cap bytes: %lu\n", iommu_quarantine_get_cap());

	mutex_lock(&iommu_quarantine_mutex);
	for (i = 1; i < IOMMU_QUARANTINE_MAX_DOMAINS; i++) {
		slot = &iommu_quarantine_slots[i];
		if (!slot->domain)
			continue;
		seq_printf(m, "domain %s: slot %u started %lld completed %lld failed %lld held pages %ld\n",
			   slot->domain->name, i, atomic64_read(&slot->started),
			   atomic64_read(&slot->completed), atomic64_read(&slot->failed),
			   atomic_long_read(&slot->held_pages));
	}
	mutex_unlock(&iommu_quarantine_mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(iommu_quarantine_stats);

/*
 * Call @visit on the held blocks, at most IOMMU_QUARANTINE_WALK_MAX of each
 * list, from its head; @cpu is the list's CPU, or -1 for the
 * list of CPUs gone offline. Release passes, which take blocks off the lists
 * for a while, are kept out by the mutex, CPU hotplug, which moves them, by
 * cpus_read_lock(), and the free path, which adds blocks and releases safe
 * ones from the head, by each list's lock.
 */
static void iommu_quarantine_walk_held(void (*visit)(struct page *page, int cpu, void *arg),
				       void *arg)
{
	struct iommu_quarantine_list *list = &iommu_quarantine_offline_list;
	unsigned long flags;
	struct page *page;
	int cpu = -1;

	lockdep_assert_cpus_held();
	lockdep_assert_held(&iommu_quarantine_mutex);
	for (;;) {
		unsigned long seen = 0;

		/* Bounded: the free path waits on this lock with IRQs off. */
		spin_lock_irqsave(&list->lock, flags);
		for (page = list->head; page && seen < IOMMU_QUARANTINE_WALK_MAX;
		     page = (struct page *)page_private(page), seen++)
			visit(page, cpu, arg);
		spin_unlock_irqrestore(&list->lock, flags);
		cpu = cpumask_next(cpu, cpu_possible_mask);
		if (cpu >= nr_cpu_ids)
			break;
		list = per_cpu_ptr(&iommu_quarantine_cpu_lists, cpu);
	}
}

/* Pages, stale pages and the longest hold of the blocks tagged by one slot. */
struct iommu_quarantine_slot_usage {
	unsigned int slot;
	unsigned long pages;
	unsigned long stale;
	unsigned long oldest_ms;
};

static void iommu_quarantine_usage_visit(struct page *page, int cpu, void *arg)
{
	struct iommu_quarantine_slot_usage *usage = arg;
	unsigned long held_jiffies, nr_pages;

	if (iommu_quarantine_tag_slot(page->index) != usage->slot)
		return;
	nr_pages = 1UL << iommu_quarantine_held(page, false, &held_jiffies);
	usage->pages += nr_pages;
	if (iommu_quarantine_tag_stale(page->index))
		usage->stale += nr_pages;
	usage->oldest_ms = max_t(unsigned long, usage->oldest_ms,
				 jiffies_to_msecs(held_jiffies));
}

static void iommu_quarantine_usage(unsigned int slot, struct iommu_quarantine_slot_usage *usage)
{
	memset(usage, 0, sizeof(*usage));
	usage->slot = slot;
	iommu_quarantine_walk_held(iommu_quarantine_usage_visit, usage);
}

static int iommu_quarantine_domains_show(struct seq_file *m, void *v)
{
	struct iommu_quarantine_slot_usage usage;
	struct iommu_quarantine_slot *slot;
	unsigned int i;

	seq_puts(m, "slot domain started completed failed held stale oldest_ms\n");
	cpus_read_lock();
	mutex_lock(&iommu_quarantine_mutex);
	for (i = 1; i < IOMMU_QUARANTINE_MAX_DOMAINS; i++) {
		slot = &iommu_quarantine_slots[i];
		if (!slot->domain)
			continue;
		iommu_quarantine_usage(i, &usage);
		seq_printf(m, "%u %s %lld %lld %lld %lu %lu %lu\n", i, slot->domain->name,
			   atomic64_read(&slot->started), atomic64_read(&slot->completed),
			   atomic64_read(&slot->failed), usage.pages, usage.stale,
			   usage.oldest_ms);
	}
	/* Pages unmapped by several domains wait for a round of invalidations. */
	iommu_quarantine_usage(IOMMU_QUARANTINE_SLOT_SHARED, &usage);
	seq_printf(m, "shared - %lld %lld - %lu 0 %lu\n",
		   atomic64_read(&iommu_quarantine_shared_started),
		   atomic64_read(&iommu_quarantine_shared_completed), usage.pages,
		   usage.oldest_ms);
	mutex_unlock(&iommu_quarantine_mutex);
	cpus_read_unlock();
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(iommu_quarantine_domains);

static void iommu_quarantine_held_visit(struct page *page, int cpu, void *arg)
{
	unsigned int slot = iommu_quarantine_tag_slot(page->index);
	struct iommu_quarantine_domain *qd = NULL;
	struct seq_file *m = arg;
	unsigned long held_jiffies;
	unsigned int order;

	order = iommu_quarantine_held(page, false, &held_jiffies);
	seq_printf(m, "%#lx %u ", page_to_pfn(page), order);
	if (slot == IOMMU_QUARANTINE_SLOT_SHARED) {
		seq_puts(m, "shared -");
	} else {
		if (slot < IOMMU_QUARANTINE_MAX_DOMAINS)
			qd = iommu_quarantine_slots[slot].domain;
		seq_printf(m, "%u %s", slot, qd ? qd->name : "-");
	}
	seq_printf(m, " %llu %s ", iommu_quarantine_tag_gen(page->index),
		   iommu_quarantine_tag_stale(page->index) ? "yes" : "no");
	if (cpu < 0)
		seq_puts(m, "offline");
	else
		seq_printf(m, "cpu%d", cpu);
	seq_printf(m, " %u\n", jiffies_to_msecs(held_jiffies));
}

static int iommu_quarantine_held_show(struct seq_file *m, void *v)
{
	seq_puts(m, "pfn order slot domain generation stale list held_ms\n");
	cpus_read_lock();
	mutex_lock(&iommu_quarantine_mutex);
	iommu_quarantine_walk_held(iommu_quarantine_held_visit, m);
	mutex_unlock(&iommu_quarantine_mutex);
	cpus_read_unlock();
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(iommu_quarantine_held);

/* A debugfs file holding one number: how to read it, how to set it from text. */
struct iommu_quarantine_knob {
	unsigned long (*get)(void);
	int (*set)(const char *buf);
};

static int iommu_quarantine_knob_show(struct seq_file *m, void *v)
{
	struct iommu_quarantine_knob *knob = m->private;

	seq_printf(m, "%lu\n", knob->get());
	return 0;
}

static int iommu_quarantine_knob_open(struct inode *inode, struct file *file)
{
	return single_open(file, iommu_quarantine_knob_show, inode->i_private);
}

static ssize_t iommu_quarantine_knob_write(struct file *file, const char __user *ubuf,
					   size_t count, loff_t *ppos)
{
	struct seq_file *m = file->private_data;
	struct iommu_quarantine_knob *knob = m->private;
	char buf[32];

	if (!count || count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	return knob->set(buf) ? -EINVAL : count;
}

static const struct file_operations iommu_quarantine_knob_fops = {
	.owner		= THIS_MODULE,
	.open		= iommu_quarantine_knob_open,
	.read		= seq_read,
	.write		= iommu_quarantine_knob_write,
	.llseek		= seq_lseek,
	.release	= single_release,
};

static int iommu_quarantine_cap_set(const char *buf)
{
	unsigned long bytes;

	return iommu_quarantine_parse_cap(buf, &bytes) ?: iommu_quarantine_set_cap(bytes);
}

static struct iommu_quarantine_knob iommu_quarantine_cap_knob = {
	.get	= iommu_quarantine_get_cap,
	.set	= iommu_quarantine_cap_set,
};

static unsigned long iommu_quarantine_retry_get(void)
{
	return READ_ONCE(iommu_quarantine_retry_ms);
}

/* Milliseconds between retries of stale pages, 0 (never) to one hour. */
static int iommu_quarantine_retry_set(const char *buf)
{
	unsigned int ms;

	if (kstrtouint(buf, 10, &ms) || ms > IOMMU_QUARANTINE_RETRY_MS_MAX)
		return -EINVAL;
	WRITE_ONCE(iommu_quarantine_retry_ms, ms);
	/* The next pass schedules the retries anew. */
	iommu_quarantine_kick(false);
	return 0;
}

static struct iommu_quarantine_knob iommu_quarantine_retry_knob = {
	.get	= iommu_quarantine_retry_get,
	.set	= iommu_quarantine_retry_set,
};

static int __init iommu_quarantine_debugfs_init(void)
{
	struct dentry *dir;

	if (!iommu_quarantine_enabled())
		return 0;
	dir = debugfs_create_dir("iommu_quarantine", NULL);
	debugfs_create_file("stats", 0444, dir, NULL, &iommu_quarantine_stats_fops);
	debugfs_create_file("cap_bytes", 0644, dir, &iommu_quarantine_cap_knob,
			    &iommu_quarantine_knob_fops);
	debugfs_create_file("retry_ms", 0644, dir, &iommu_quarantine_retry_knob,
			    &iommu_quarantine_knob_fops);
	debugfs_create_file("domains", 0444, dir, NULL, &iommu_quarantine_domains_fops);
	debugfs_create_file("held", 0444, dir, NULL, &iommu_quarantine_held_fops);
	return 0;
}
late_initcall(iommu_quarantine_debugfs_init);

#endif /* CONFIG_DEBUG_FS */
