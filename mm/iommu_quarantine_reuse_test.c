// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the IOMMU page quarantine and the caches that reuse
 * memory without the page allocator: page_frag caches, which reuse their
 * page in place once every fragment of it is freed, and hugetlb pools.
 * Each test first shows that reuse on an untagged page, then that a page a
 * fake IOMMU domain unmapped lazily is not reused before an invalidation
 * covers it. Needs iommu_quarantine=on (or
 * CONFIG_IOMMU_PAGE_QUARANTINE_DEFAULT_ON); the hugetlb case needs a pool
 * (hugepages=2 on the command line).
 */

#include <kunit/test.h>
#include <linux/gfp.h>
#include <linux/hugetlb.h>
#include <linux/iommu_quarantine.h>
#include <linux/mm.h>
#include <net/sock.h>

#include "iommu_quarantine_internal.h"
#include "iommu_quarantine_test.h"

struct reuse_test_ctx {
	struct iommu_quarantine_domain qd;
};

static void reuse_test_flush(struct iommu_quarantine_domain *qd)
{
	iommu_quarantine_flush_end(qd, iommu_quarantine_flush_begin(qd), true);
}

/* Tag the page of @va as just unmapped from the test's domain. */
static void reuse_test_tag(struct kunit *test, void *va)
{
	struct reuse_test_ctx *ctx = test->priv;

	iommu_quarantine_tag_pages(&ctx->qd, virt_to_page(va), 1,
				   iommu_quarantine_generation(&ctx->qd));
}

/* Use up the rest of @nc's page, freeing each fragment at once. */
static void reuse_test_use_up(struct kunit *test, struct page_frag_cache *nc)
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
static struct page *reuse_test_cycle(struct kunit *test, bool tagged)
{
	struct page_frag_cache nc = {};
	struct page *page;
	void *va, *again;

	va = page_frag_alloc(&nc, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, va);
	page = virt_to_head_page(va);
	reuse_test_use_up(test, &nc);
	KUNIT_EXPECT_FALSE(test, iommu_quarantine_busy(page, compound_order(page)));
	if (tagged) {
		reuse_test_tag(test, va);
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
	struct reuse_test_ctx *ctx = test->priv;
	long refused = iommu_quarantine_counter_read(IOMMU_QUARANTINE_COUNTER_REUSE_REFUSED);
	struct page *page;

	/* The control: an untagged page is reused in place. */
	KUNIT_ASSERT_NULL_MSG(test, reuse_test_cycle(test, false),
			      "page_frag_alloc() did not reuse its page in place");

	page = reuse_test_cycle(test, true);
	KUNIT_ASSERT_NOT_NULL_MSG(test, page, "a page a device may reach was reused in place");
	KUNIT_EXPECT_GT(test, iommu_quarantine_counter_read(IOMMU_QUARANTINE_COUNTER_REUSE_REFUSED),
			refused);
	/* Freed by the cache, held by the quarantine. */
	KUNIT_EXPECT_FALSE(test, iqt_released(page));
	reuse_test_flush(&ctx->qd);
	KUNIT_EXPECT_TRUE(test, iqt_wait_released(page));
}

#if IS_ENABLED(CONFIG_NET)
/*
 * A socket's page_frag: a fragment's user holds a reference while the page
 * is mapped; once only the cache's is left, skb_page_frag_refill() starts
 * the page over. Return: the page, or NULL if it was started over.
 */
static struct page *skb_reuse_test_cycle(struct kunit *test, bool tagged)
{
	struct page_frag pf = {};
	struct page *page;

	KUNIT_ASSERT_TRUE(test, skb_page_frag_refill(PAGE_SIZE, &pf, GFP_KERNEL));
	page = pf.page;
	get_page(page);			/* the fragment's user */
	if (tagged)
		reuse_test_tag(test, page_address(page));
	pf.offset = pf.size;		/* the rest was used and is gone */
	put_page(page);			/* the user is done with it */

	KUNIT_ASSERT_TRUE(test, skb_page_frag_refill(PAGE_SIZE, &pf, GFP_KERNEL));
	put_page(pf.page);
	return pf.page == page ? NULL : page;
}

static void test_skb_page_frag_refill(struct kunit *test)
{
	struct reuse_test_ctx *ctx = test->priv;
	struct page *page;

	KUNIT_ASSERT_NULL_MSG(test, skb_reuse_test_cycle(test, false),
			      "skb_page_frag_refill() did not start its page over");

	page = skb_reuse_test_cycle(test, true);
	KUNIT_ASSERT_NOT_NULL_MSG(test, page, "a page a device may reach was started over");
	KUNIT_EXPECT_FALSE(test, iqt_released(page));
	reuse_test_flush(&ctx->qd);
	KUNIT_EXPECT_TRUE(test, iqt_wait_released(page));
}
#else
static void test_skb_page_frag_refill(struct kunit *test)
{
	kunit_skip(test, "needs CONFIG_NET");
}
#endif

#ifdef CONFIG_HUGETLB_PAGE
/* Take a page from the default hstate's pool; free it; take one again. */
static struct page *hugetlb_test_cycle(struct kunit *test, struct hstate *h, bool tagged)
{
	struct page *page, *again;

	page = alloc_huge_page_nodemask(h, numa_mem_id(), NULL, htlb_alloc_mask(h));
	KUNIT_ASSERT_NOT_NULL(test, page);
	if (tagged)
		reuse_test_tag(test, page_address(page));
	put_page(page);
	again = alloc_huge_page_nodemask(h, numa_mem_id(), NULL, htlb_alloc_mask(h));
	KUNIT_ASSERT_NOT_NULL(test, again);
	put_page(again);
	return again == page ? NULL : page;
}

static void test_hugetlb_pool(struct kunit *test)
{
	struct reuse_test_ctx *ctx = test->priv;
	struct hstate *h = &default_hstate;
	struct page *page;

	if (!hugepages_supported() || h->free_huge_pages < 2)
		kunit_skip(test, "needs two free huge pages (hugepages=2)");

	/* The control: the pool hands the page it just got back out again. */
	KUNIT_ASSERT_NULL_MSG(test, hugetlb_test_cycle(test, h, false),
			      "the hugetlb pool did not reuse its last page");

	page = hugetlb_test_cycle(test, h, true);
	KUNIT_ASSERT_NOT_NULL_MSG(test, page, "a huge page a device may reach was reused");
	KUNIT_EXPECT_TRUE(test, iommu_quarantine_busy(page, huge_page_order(h)));
	reuse_test_flush(&ctx->qd);
	KUNIT_EXPECT_FALSE(test, iommu_quarantine_busy(page, huge_page_order(h)));
}
#else
static void test_hugetlb_pool(struct kunit *test)
{
	kunit_skip(test, "needs CONFIG_HUGETLB_PAGE");
}
#endif

static int reuse_test_init(struct kunit *test)
{
	struct reuse_test_ctx *ctx;

	if (!iommu_quarantine_enabled())
		kunit_skip(test, "boot with iommu_quarantine=on");
	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	KUNIT_ASSERT_EQ(test, iommu_quarantine_domain_init(&ctx->qd, NULL, NULL,
							   "kunit-reuse"), 0);
	test->priv = ctx;
	return 0;
}

static void reuse_test_exit(struct kunit *test)
{
	struct reuse_test_ctx *ctx = test->priv;

	if (ctx)
		iommu_quarantine_domain_destroy(&ctx->qd);
}

static struct kunit_case reuse_test_cases[] = {
	KUNIT_CASE(test_page_frag_alloc),
	KUNIT_CASE(test_skb_page_frag_refill),
	KUNIT_CASE(test_hugetlb_pool),
	{}
};

static struct kunit_suite reuse_test_suite = {
	.name = "iommu_quarantine_reuse",
	.init = reuse_test_init,
	.exit = reuse_test_exit,
	.test_cases = reuse_test_cases,
};

kunit_test_suite(reuse_test_suite);
