/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of the IOMMU page quarantine (mm/iommu_quarantine.c).
 * See Documentation/mm/iommu_quarantine.rst.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM iommu_quarantine

#if !defined(_TRACE_IOMMU_QUARANTINE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_IOMMU_QUARANTINE_H

#include <linux/tracepoint.h>
#include <linux/types.h>

/*
 * A freed block was taken into quarantine. @slot is the domain slot of its
 * tag (65535: unmapped by several domains, @generation is then a round
 * epoch); the block goes back once that domain completes an invalidation
 * that started after @generation.
 */
TRACE_EVENT(iommu_quarantine_hold,
	    TP_PROTO(unsigned long pfn, unsigned int order, unsigned int slot,
		     u64 generation),
	    TP_ARGS(pfn, order, slot, generation),
	    TP_STRUCT__entry(__field(unsigned long, pfn)
			     __field(unsigned int, order)
			     __field(unsigned int, slot)
			     __field(u64, generation)),
	    TP_fast_assign(__entry->pfn = pfn;
			   __entry->order = order;
			   __entry->slot = slot;
			   __entry->generation = generation;),
	    TP_printk("pfn=0x%lx order=%u slot=%u generation=%llu",
		      __entry->pfn, __entry->order, __entry->slot,
		      __entry->generation)
);

/*
 * A release pass handed @blocks blocks (@released pages) back to the page
 * allocator, or found that the number of stale pages changed. Hold times are
 * per page, in milliseconds; @held and @stale are what stays held.
 */
TRACE_EVENT(iommu_quarantine_release,
	    TP_PROTO(unsigned long released, unsigned long blocks,
		     unsigned long hold_ms_mean, unsigned long hold_ms_max,
		     long held, unsigned long stale),
	    TP_ARGS(released, blocks, hold_ms_mean, hold_ms_max, held, stale),
	    TP_STRUCT__entry(__field(unsigned long, released)
			     __field(unsigned long, blocks)
			     __field(unsigned long, hold_ms_mean)
			     __field(unsigned long, hold_ms_max)
			     __field(long, held)
			     __field(unsigned long, stale)),
	    TP_fast_assign(__entry->released = released;
			   __entry->blocks = blocks;
			   __entry->hold_ms_mean = hold_ms_mean;
			   __entry->hold_ms_max = hold_ms_max;
			   __entry->held = held;
			   __entry->stale = stale;),
	    TP_printk("released=%lu blocks=%lu hold_ms_mean=%lu hold_ms_max=%lu held=%ld stale=%lu",
		      __entry->released, __entry->blocks, __entry->hold_ms_mean,
		      __entry->hold_ms_max, __entry->held, __entry->stale)
);

/*
 * An invalidation of a domain failed. The pages the domain holds that were
 * unmapped before invalidation @generation started are now stale: they stay
 * held until a later invalidation of the domain succeeds.
 */
TRACE_EVENT(iommu_quarantine_flush_failed,
	    TP_PROTO(unsigned int slot, const char *name, u64 generation,
		     long held),
	    TP_ARGS(slot, name, generation, held),
	    TP_STRUCT__entry(__field(unsigned int, slot)
			     __string(name, name)
			     __field(u64, generation)
			     __field(long, held)),
	    TP_fast_assign(__entry->slot = slot;
			   __assign_str(name, name);
			   __entry->generation = generation;
			   __entry->held = held;),
	    TP_printk("slot=%u domain=%s generation=%llu held=%ld",
		      __entry->slot, __get_str(name), __entry->generation,
		      __entry->held)
);

/*
 * The quarantine made @domains domains invalidate now rather than at their
 * flush timers: over the cap ("cap"), for the shrinker ("shrinker"), for a
 * caller of iommu_quarantine_drain_all() ("alloc_contig_range", "memory
 * offline"), or to complete a round for pages unmapped by several domains
 * ("round"). @held is the number of pages held before it.
 */
TRACE_EVENT(iommu_quarantine_force_flush,
	    TP_PROTO(const char *reason, unsigned int domains, long held),
	    TP_ARGS(reason, domains, held),
	    TP_STRUCT__entry(__string(reason, reason)
			     __field(unsigned int, domains)
			     __field(long, held)),
	    TP_fast_assign(__assign_str(reason, reason);
			   __entry->domains = domains;
			   __entry->held = held;),
	    TP_printk("reason=\"%s\" domains=%u held=%ld",
		      __get_str(reason), __entry->domains, __entry->held)
);

#endif /* _TRACE_IOMMU_QUARANTINE_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
