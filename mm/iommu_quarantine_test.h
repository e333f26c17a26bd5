/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the page allocator hands out after a page was freed: helpers shared
 * by the IOMMU page quarantine's KUnit suites.
 */
#ifndef _MM_IOMMU_QUARANTINE_TEST_H
#define _MM_IOMMU_QUARANTINE_TEST_H

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/page-flags.h>
#include <linux/preempt.h>

#include "iommu_quarantine_internal.h"

/* Allocations tried when checking whether a freed page comes back. */
#define IQT_REUSE_TRIES		32
/* Up to ~1 s for the release worker. */
#define IQT_WAIT_TRIES		200
#define IQT_WAIT_STEP_MS	5

/*
 * A held page has a zero refcount without being free in the buddy lists.
 * A released one may sit on a per-CPU list first: drain those to see it.
 */
static inline bool iqt_released(struct page *page)
{
	if (is_free_buddy_page(page) || page_count(page))
		return true;
	drain_all_pages(page_zone(page));
	return is_free_buddy_page(page) || page_count(page);
}

/* Wait up to ~1 s for @page to leave the quarantine. */
static inline bool iqt_wait_released(struct page *page)
{
	int i;

	for (i = 0; i < IQT_WAIT_TRIES; i++) {
		iommu_quarantine_wait_worker();
		if (iqt_released(page))
			return true;
		msleep(IQT_WAIT_STEP_MS);
	}
	return false;
}

/*
 * A block that, freed untagged on this CPU, the allocator hands straight
 * back: the pcp lists are LIFO. This proves that iqt_free_and_probe() can
 * see reuse, so a test fails if the free path stops diverting tagged pages.
 */
static inline struct page *iqt_get_recyclable(struct kunit *test, unsigned int order)
{
	struct page *page, *again;
	int try;

	for (try = 0; try < 8; try++) {
		page = alloc_pages(GFP_KERNEL, order);
		KUNIT_ASSERT_NOT_NULL(test, page);
		preempt_disable();
		__free_pages(page, order);
		again = alloc_pages(GFP_NOWAIT | __GFP_NOWARN, order);
		preempt_enable();
		if (again == page)
			return page;
		if (again)
			__free_pages(again, order);
	}
	kunit_skip(test, "freed order-%u pages are not reused on this CPU", order);
	return NULL;
}

/*
 * Free @page and allocate on the same CPU. Return: true if @page was handed
 * out again. Everything allocated is freed.
 */
static inline bool iqt_free_and_probe(struct kunit *test, struct page *page,
				      unsigned int order)
{
	struct page **got;
	bool reused = false;
	int i;

	got = kunit_kcalloc(test, IQT_REUSE_TRIES, sizeof(*got), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, got);

	preempt_disable();
	__free_pages(page, order);
	for (i = 0; i < IQT_REUSE_TRIES; i++) {
		got[i] = alloc_pages(GFP_NOWAIT | __GFP_NOWARN, order);
		if (got[i] == page)
			reused = true;
	}
	preempt_enable();

	for (i = 0; i < IQT_REUSE_TRIES; i++) {
		if (got[i])
			__free_pages(got[i], order);
	}
	return reused;
}

#endif /* _MM_IOMMU_QUARANTINE_TEST_H */
