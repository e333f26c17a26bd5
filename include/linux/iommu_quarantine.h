/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IOMMU page quarantine: keep pages that a device may still reach through a
 * stale IOTLB entry out of the page allocator until an invalidation that
 * covers them has completed successfully.
 *
 * See Documentation/mm/iommu_quarantine.rst.
 */
#ifndef _LINUX_IOMMU_QUARANTINE_H
#define _LINUX_IOMMU_QUARANTINE_H

#include <linux/errno.h>
#include <linux/jump_label.h>
#include <linux/types.h>

struct page;
struct page_ext_operations;

/* Longest device name kept for messages, including the terminating NUL. */
#define IOMMU_QUARANTINE_NAME_LEN	32

/**
 * struct iommu_quarantine_domain - an IOMMU domain as seen by the quarantine
 * @slot: index of this domain's generation counters in the slot table; 0
 *        while the domain is not registered (all calls are then no-ops)
 * @flags: IOMMU_QUARANTINE_DOMAIN_* bits
 * @flush_now: invalidates every translation of the domain now, reporting it
 *             with iommu_quarantine_flush_begin()/iommu_quarantine_flush_end();
 *             called from process context, may sleep, must not allocate
 *             memory with direct reclaim (it is called from a shrinker);
 *             may be NULL
 * @cookie: passed to @flush_now
 * @name: the device, for messages
 *
 * An IOMMU DMA domain embeds (or points to) one of these. The fields are
 * owned by mm/iommu_quarantine.c; set them up with
 * iommu_quarantine_domain_init().
 */
struct iommu_quarantine_domain {
	unsigned int slot;
	unsigned long flags;
	void (*flush_now)(void *cookie);
	void *cookie;
	char name[IOMMU_QUARANTINE_NAME_LEN];
};

#ifdef CONFIG_IOMMU_PAGE_QUARANTINE

DECLARE_STATIC_KEY_FALSE(iommu_quarantine_key);
extern struct page_ext_operations iommu_quarantine_page_ext_ops;

bool __iommu_quarantine_free(struct page *page, unsigned int order);
bool __iommu_quarantine_busy(struct page *page, unsigned int order);

/**
 * iommu_quarantine_free() - divert a freed page that a device may still reach
 * @page: head page of the block being freed, reference count already zero
 * @order: order of the block
 * @releasing: the quarantine itself is handing the block back
 *
 * Called early in free_pages_prepare(). If any page of the block carries a
 * tag that is not safe yet, the block is kept on a quarantine list and handed
 * back to the allocator once an invalidation covering it has completed.
 * While no domain uses the quarantine this is one static branch: @releasing
 * is only looked at behind it.
 *
 * Context: any context, including hard IRQ; allocates nothing.
 * Return: true if the quarantine took the block (the caller must stop
 * freeing it), false if the caller carries on as usual.
 */
static __always_inline __must_check bool
iommu_quarantine_free(struct page *page, unsigned int order, bool releasing)
{
	if (static_branch_unlikely(&iommu_quarantine_key) && !releasing)
		return __iommu_quarantine_free(page, order);
	return false;
}

/**
 * iommu_quarantine_busy() - may a device still reach a block reused in place?
 * @page: head page of a block its owner is about to reuse without freeing it
 * @order: order of the block
 *
 * A cache that recycles its pages without handing them back to the page
 * allocator (page_frag caches) bypasses iommu_quarantine_free(). Before it
 * reuses a block whose users are all gone, it asks here; if the answer is
 * true it must free the block instead (the quarantine then holds it) and
 * take a new one. While no domain uses the quarantine this is one static
 * branch.
 *
 * Context: any context; allocates nothing.
 * Return: true if a page of the block was unmapped lazily and no
 * invalidation covering it has completed yet.
 */
static __always_inline bool iommu_quarantine_busy(struct page *page, unsigned int order)
{
	if (static_branch_unlikely(&iommu_quarantine_key))
		return __iommu_quarantine_busy(page, order);
	return false;
}

bool iommu_quarantine_enabled(void);
int iommu_quarantine_domain_init(struct iommu_quarantine_domain *qd,
				 void (*flush_now)(void *cookie), void *cookie,
				 const char *name);
void iommu_quarantine_domain_destroy(struct iommu_quarantine_domain *qd);
u64 iommu_quarantine_flush_begin(struct iommu_quarantine_domain *qd);
void iommu_quarantine_flush_end(struct iommu_quarantine_domain *qd, u64 gen,
				bool success);
u64 iommu_quarantine_generation(struct iommu_quarantine_domain *qd);
void iommu_quarantine_tag_pages(struct iommu_quarantine_domain *qd,
				struct page *page, unsigned long nr_pages,
				u64 gen);
void iommu_quarantine_tag_phys_range(struct iommu_quarantine_domain *qd,
				     phys_addr_t phys, size_t size, u64 gen);
void iommu_quarantine_drain_all(const char *reason);
bool iommu_quarantine_over_cap(void);

#else /* CONFIG_IOMMU_PAGE_QUARANTINE */

static inline bool iommu_quarantine_free(struct page *page, unsigned int order,
					 bool releasing) { return false; }
static inline bool iommu_quarantine_busy(struct page *page, unsigned int order) { return false; }
static inline bool iommu_quarantine_enabled(void) { return false; }
static inline int iommu_quarantine_domain_init(struct iommu_quarantine_domain *qd,
					       void (*flush_now)(void *cookie), void *cookie,
					       const char *name) { return -EOPNOTSUPP; }
static inline void iommu_quarantine_domain_destroy(struct iommu_quarantine_domain *qd) { }
static inline u64 iommu_quarantine_flush_begin(struct iommu_quarantine_domain *qd) { return 0; }
static inline void iommu_quarantine_flush_end(struct iommu_quarantine_domain *qd, u64 gen,
					      bool success) { }
static inline u64 iommu_quarantine_generation(struct iommu_quarantine_domain *qd) { return 0; }
static inline void iommu_quarantine_tag_pages(struct iommu_quarantine_domain *qd,
					      struct page *page, unsigned long nr_pages,
					      u64 gen) { }
static inline void iommu_quarantine_tag_phys_range(struct iommu_quarantine_domain *qd,
						   phys_addr_t phys, size_t size, u64 gen) { }
static inline void iommu_quarantine_drain_all(const char *reason) { }
static inline bool iommu_quarantine_over_cap(void) { return false; }

#endif /* CONFIG_IOMMU_PAGE_QUARANTINE */

#endif /* _LINUX_IOMMU_QUARANTINE_H */
