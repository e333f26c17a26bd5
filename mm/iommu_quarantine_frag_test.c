// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the IOMMU page quarantine and page_frag caches.
 *
 * A page_frag cache reuses its page in place, without the page allocator,
 * once every fragment of it is freed. Each test first shows that reuse on
 * an untagged page, then that a page a fake IOMMU domain unmapped lazily
 * is not reused before an invalidation covers it, and is released after.
 * Needs iommu_quarantine=on (or CONFIG_IOMMU_PAGE_QUARANTINE_DEFAULT_ON).
 */

#include <kunit/test.h>
#include <linux/gfp.h>
#include <linux/iommu_quarantine.h>
#include <linux/mm.h>
#include <net/sock.h>

#include "iommu_quarantine_internal.h"
#include "iommu_quarantine_test.h"

struct frag_test_ctx {
	struct iommu_quarantine_domain qd;
};

static void frag_test_flush(struct iommu_quarantine_domain *qd)
{
	iommu_quarantine_flush_end(qd, iommu_quarantine_flush_begin(qd), true);
}

/* Tag the page of @va as just unmapped from the test's domain. */
static void frag_test_tag(struct kunit *test, void *va)
{
	struct frag_test_ctx *ctx = test->priv;

	iommu_quarantine_tag_pages(&ctx->qd, virt_to_page(va), 1,
				   iommu_quarantine_generation(&ctx->qd));
}

/* Use up the rest of @nc's page, freeing each fragment at once. */
static void frag_test_use_up(struct kunit *test, struct page_frag_cache *nc)
{
	void *rest;

	while (nc->offset >= PAGE_SIZE) {
		rest = page_frag_alloc(nc, PAGE_SIZE, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, rest);
		page_frag_free(rest);
	}
}

/*
 * Take a fragment, free every fragment of its page, take one more: with
 * @tagged, the first fragment was unmapped lazily. Return: the first
 * fragment's page, or NULL if it was reused in place. The cache is drained.
 */
static struct page *frag_test_cycle(struct kunit *test, bool tagged)
{
	struct page_frag_cache nc = {};
	struct page *page;
	void *va, *again;

	va = page_frag_alloc(&nc, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, va);
	page = virt_to_head_page(va);
	frag_test_use_up(test, &nc);
	KUNIT_EXPECT_FALSE(test, iommu_quarantine_busy(page, compound_order(page)));
	if (tagged) {
		frag_test_tag(test, va);
		KUNIT_EXPECT_TRUE(test, iommu_quarantine_busy(page, compound_order(page)));
	}
	page_frag_free(va);

	again = page_frag_alloc(&nc, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, again);
	page_frag_free(again);
	__page_frag_cache_drain(virt_to_head_page(nc.va), nc.pagecnt_bias);
	return again == va ? NULL : page;
}

static void test_page_frag_alloc(struct kunit *test)
{
	struct frag_test_ctx *ctx = test->priv;
	long refused = iommu_quarantine_counter_read(IOMMU_QUARANTINE_COUNTER_REUSE_REFUSED);
	struct page *page;

	/* The control: an untagged page is reused in place. */
	KUNIT_ASSERT_NULL_MSG(test, frag_test_cycle(test, false),
			      "page_frag_alloc() did not reuse its page in place");

	page = frag_test_cycle(test, true);
	KUNIT_ASSERT_NOT_NULL_MSG(test, page, "a page a device may reach was reused in place");
	KUNIT_EXPECT_GT(test, iommu_quarantine_counter_read(IOMMU_QUARANTINE_COUNTER_REUSE_REFUSED),
			refused);
	/* Freed by the cache, held by the quarantine. */
	KUNIT_EXPECT_FALSE(test, iqt_released(page));
	frag_test_flush(&ctx->qd);
	KUNIT_EXPECT_TRUE(test, iqt_wait_released(page));
}

#if IS_ENABLED(CONFIG_NET)
/*
 * A socket's page_frag: a fragment's user holds a reference while the page
 * is mapped; once only the cache's is left, skb_page_frag_refill() starts
 * the page over. Return: the page, or NULL if it was started over.
 */
static struct page *skb_frag_test_cycle(struct kunit *test, bool tagged)
{
	struct page_frag pf = {};
	struct page *page;

	KUNIT_ASSERT_TRUE(test, skb_page_frag_refill(PAGE_SIZE, &pf, GFP_KERNEL));
	page = pf.page;
	get_page(page);			/* the fragment's user */
	if (tagged)
		frag_test_tag(test, page_address(page));
	pf.offset = pf.size;		/* the rest was used and is gone */
	put_page(page);			/* the user is done with it */

	KUNIT_ASSERT_TRUE(test, skb_page_frag_refill(PAGE_SIZE, &pf, GFP_KERNEL));
	put_page(pf.page);
	return pf.page == page ? NULL : page;
}

static void test_skb_page_frag_refill(struct kunit *test)
{
	struct frag_test_ctx *ctx = test->priv;
	struct page *page;

	KUNIT_ASSERT_NULL_MSG(test, skb_frag_test_cycle(test, false),
			      "skb_page_frag_refill() did not start its page over");

	page = skb_frag_test_cycle(test, true);
	KUNIT_ASSERT_NOT_NULL_MSG(test, page, "a page a device may reach was started over");
	KUNIT_EXPECT_FALSE(test, iqt_released(page));
	frag_test_flush(&ctx->qd);
	KUNIT_EXPECT_TRUE(test, iqt_wait_released(page));
}
#else
static void test_skb_page_frag_refill(struct kunit *test)
{
	kunit_skip(test, "needs CONFIG_NET");
}
#endif

static int frag_test_init(struct kunit *test)
{
	struct frag_test_ctx *ctx;

	if (!iommu_quarantine_enabled())
		kunit_skip(test, "boot with iommu_quarantine=on");
	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	KUNIT_ASSERT_EQ(test, iommu_quarantine_domain_init(&ctx->qd, NULL, NULL,
							   "kunit-frag"), 0);
	test->priv = ctx;
	return 0;
}

static void frag_test_exit(struct kunit *test)
{
	struct frag_test_ctx *ctx = test->priv;

	if (ctx)
		iommu_quarantine_domain_destroy(&ctx->qd);
}

static struct kunit_case frag_test_cases[] = {
	KUNIT_CASE(test_page_frag_alloc),
	KUNIT_CASE(test_skb_page_frag_refill),
	{}
};

static struct kunit_suite frag_test_suite = {
	.name = "iommu_quarantine_frag",
	.init = frag_test_init,
	.exit = frag_test_exit,
	.test_cases = frag_test_cases,
};

kunit_test_suite(frag_test_suite);
