// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the IOMMU page quarantine against the real IOMMU.
 *
 * A page that a device behind a DMA domain had mapped, unmapped through the
 * DMA API and freed. In a lazy (DMA-FQ) domain the IOTLB may still translate
 * to it until the flush queue's timer flushes; the allocator must not hand
 * it out before then, and must after. Under QEMU the device is edu behind
 * the emulated SMMUv3, whose driver does the invalidation. Failed
 * invalidations need the driver's fault injection, which is driven from
 * debugfs: the iommu_quarantine_attack selftest covers them.
 */

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/iommu.h>
#include <linux/iommu_quarantine.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/pci.h>

#include "iommu_quarantine_internal.h"
#include "iommu_quarantine_test.h"

/* dma-iommu's flush-queue timeout, ms: the tests below run with the default. */
#define DMA_FQ_TIMEOUT_MS	10
/*
 * Unmap, free and probe again when a flush may have come in between: on a
 * slow emulator one try in a few misses the window; all of these missing
 * it means a machine too slow for the test, which then skips.
 */
#define DMA_PROBE_TRIES		32

struct dma_test_ctx {
	struct pci_dev *pdev;	/* the device whose DMA domain is used */
	struct page *held;	/* freed, not handed out again yet */
};

/*
 * Map @page for the suite's device, unmap it, free it and allocate on this
 * CPU. Return: 1 if the allocator handed @page out, 0 if it did not, or
 * -EAGAIN if the flush queue's timer may have fired in between (the answer
 * would then say nothing about an early release).
 */
static int dma_unmap_free_probe(struct kunit *test, struct page *page)
{
	struct dma_test_ctx *ctx = test->priv;
	struct device *dev = &ctx->pdev->dev;
	unsigned long start;
	dma_addr_t iova;
	bool reused;

	iova = dma_map_page(dev, page, 0, PAGE_SIZE, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, iova));
	/* The timer an earlier unmap armed has fired by now. */
	msleep(5 * DMA_FQ_TIMEOUT_MS);

	start = jiffies;
	dma_unmap_page(dev, iova, PAGE_SIZE, DMA_BIDIRECTIONAL);
	reused = iqt_free_and_probe(test, page, 0);
	if (!reused)
		ctx->held = page;
	/* The timer this unmap armed cannot fire before start + timeout. */
	if (!time_before(jiffies, start + msecs_to_jiffies(DMA_FQ_TIMEOUT_MS)))
		return -EAGAIN;
	return reused;
}

/* Wait for the page a probe left behind; false if it never came back. */
static bool wait_held(struct kunit *test)
{
	struct dma_test_ctx *ctx = test->priv;

	if (ctx->held && !iqt_wait_released(ctx->held))
		return false;
	ctx->held = NULL;
	return true;
}

/* Retry dma_unmap_free_probe() on fresh pages until it gives an answer. */
static int dma_probe(struct kunit *test)
{
	int i, ret = -EAGAIN;

	for (i = 0; i < DMA_PROBE_TRIES && ret == -EAGAIN; i++) {
		ret = dma_unmap_free_probe(test, iqt_get_recyclable(test, 0));
		if (ret == -EAGAIN)
			KUNIT_ASSERT_TRUE_MSG(test, wait_held(test),
					      "a page freed after its flush never came back");
	}
	if (ret == -EAGAIN)
		kunit_skip(test, "every try took longer than the %d ms flush timeout",
			   DMA_FQ_TIMEOUT_MS);
	return ret;
}

static void require_domain(struct kunit *test, unsigned int type, const char *mode)
{
	struct dma_test_ctx *ctx = test->priv;
	struct iommu_domain *domain = iommu_get_domain_for_dev(&ctx->pdev->dev);

	if (!domain || domain->type != type)
		kunit_skip(test, "%s's domain is not %s: boot with iommu.strict=%d",
			   pci_name(ctx->pdev), mode, type == IOMMU_DOMAIN_DMA);
}

static void test_dma_lazy(struct kunit *test)
{
	long released_before = iommu_quarantine_counter_read(IOMMU_QUARANTINE_COUNTER_RELEASED);

	require_domain(test, IOMMU_DOMAIN_DMA_FQ, "lazy");
	if (!iommu_quarantine_enabled())
		kunit_skip(test, "boot with iommu_quarantine=on");

	KUNIT_EXPECT_EQ_MSG(test, dma_probe(test), 0,
			    "handed out before the invalidation covering it");
	/* The flush queue's timer flushes the IOTLB through the driver. */
	KUNIT_EXPECT_TRUE(test, wait_held(test));
	KUNIT_EXPECT_GE(test, iommu_quarantine_counter_read(IOMMU_QUARANTINE_COUNTER_RELEASED),
			released_before + 1);
}

/* What the quarantine is for: without it, the page comes straight back. */
static void test_dma_lazy_unprotected(struct kunit *test)
{
	require_domain(test, IOMMU_DOMAIN_DMA_FQ, "lazy");
	if (iommu_quarantine_enabled())
		kunit_skip(test, "the control for iommu_quarantine=off");

	KUNIT_EXPECT_EQ_MSG(test, dma_probe(test), 1,
			    "lazy mode without the quarantine did not reuse the page");
}

/* Strict unmaps invalidate before they return: nothing to hold. */
static void test_dma_strict(struct kunit *test)
{
	long tagged = iommu_quarantine_counter_read(IOMMU_QUARANTINE_COUNTER_TAGGED);

	require_domain(test, IOMMU_DOMAIN_DMA, "strict");
	KUNIT_EXPECT_EQ_MSG(test, dma_probe(test), 1,
			    "a page unmapped strictly was held back");
	KUNIT_EXPECT_EQ(test, iommu_quarantine_counter_read(IOMMU_QUARANTINE_COUNTER_TAGGED),
			tagged);
}

/* The first device with a driver whose DMA the IOMMU translates. */
static int iommu_quarantine_dma_test_init(struct kunit *test)
{
	struct pci_dev *pdev = NULL;
	struct dma_test_ctx *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	test->priv = ctx;

	for_each_pci_dev(pdev) {
		struct iommu_domain *domain = iommu_get_domain_for_dev(&pdev->dev);

		if (pdev->dev.driver && domain && iommu_is_dma_domain(domain)) {
			ctx->pdev = pdev;
			break;
		}
	}
	if (!ctx->pdev)
		kunit_skip(test, "no PCI device behind an IOMMU DMA domain");
	return 0;
}

static void iommu_quarantine_dma_test_exit(struct kunit *test)
{
	struct dma_test_ctx *ctx = test->priv;

	if (!ctx)
		return;
	/* Whatever a test left in quarantine must come back. */
	KUNIT_EXPECT_TRUE_MSG(test, wait_held(test), "page leaked in quarantine");
	pci_dev_put(ctx->pdev);
}

static struct kunit_case iommu_quarantine_dma_test_cases[] = {
	KUNIT_CASE(test_dma_lazy),
	KUNIT_CASE(test_dma_lazy_unprotected),
	KUNIT_CASE(test_dma_strict),
	{}
};

static struct kunit_suite iommu_quarantine_dma_test_suite = {
	.name = "iommu_quarantine_dma",
	.init = iommu_quarantine_dma_test_init,
	.exit = iommu_quarantine_dma_test_exit,
	.test_cases = iommu_quarantine_dma_test_cases,
};

kunit_test_suite(iommu_quarantine_dma_test_suite);
