/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IOMMU page quarantine: state shared between mm/iommu_quarantine.c and its
 * KUnit test. Not an API.
 */
#ifndef _MM_IOMMU_QUARANTINE_INTERNAL_H
#define _MM_IOMMU_QUARANTINE_INTERNAL_H

#include <linux/types.h>

enum iommu_quarantine_counter_id {
	IOMMU_QUARANTINE_COUNTER_TAGGED,
	IOMMU_QUARANTINE_COUNTER_SHARED,
	IOMMU_QUARANTINE_COUNTER_PASSED,
	IOMMU_QUARANTINE_COUNTER_HELD,
	IOMMU_QUARANTINE_COUNTER_RELEASED,
	IOMMU_QUARANTINE_COUNTER_STALE,
	IOMMU_QUARANTINE_COUNTER_FAILED_FLUSHES,
	IOMMU_QUARANTINE_COUNTER_FORCED_FLUSHES,
	IOMMU_QUARANTINE_COUNTER_BYTES_HELD,
	IOMMU_QUARANTINE_COUNTER_BYTES_PEAK,
	IOMMU_QUARANTINE_COUNTER_HOLD_MS_TOTAL,
	IOMMU_QUARANTINE_COUNTER_HOLD_MS_MAX,
	IOMMU_QUARANTINE_COUNTER_REUSE_REFUSED,
	IOMMU_QUARANTINE_COUNTER_SHRINK_BUSY,
	IOMMU_QUARANTINE_COUNTER_COUNT,
};

#if IS_ENABLED(CONFIG_KUNIT)
struct shrinker;

extern struct shrinker iommu_quarantine_shrinker;

long iommu_quarantine_counter_read(enum iommu_quarantine_counter_id id);
int iommu_quarantine_parse_enable(const char *str, bool *enable);
int iommu_quarantine_parse_cap(const char *str, unsigned long *bytes);
unsigned long iommu_quarantine_get_cap(void);
int iommu_quarantine_set_cap(unsigned long bytes);
void iommu_quarantine_wait_worker(void);
#endif

#if IS_ENABLED(CONFIG_IOMMU_QUARANTINE_KUNIT_TEST)
struct iommu_quarantine_domain;

void iommu_quarantine_skip_generations(struct iommu_quarantine_domain *qd, u64 delta);
#endif

#endif /* _MM_IOMMU_QUARANTINE_INTERNAL_H */
