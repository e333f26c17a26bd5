/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Interface of lib/test_iommu_quarantine.c, a test driver that makes QEMU's
 * "edu" PCI DMA device write into a page after its driver unmapped and freed
 * it: the DMA use-after-free that the IOMMU page quarantine prevents in lazy
 * IOMMU mode. Used by tools/testing/selftests/vm/iommu_quarantine_attack.c.
 */
#ifndef _UAPI_LINUX_TEST_IOMMU_QUARANTINE_H
#define _UAPI_LINUX_TEST_IOMMU_QUARANTINE_H

#include <linux/ioctl.h>
#include <linux/types.h>

/*
 * Bytes each device write copies. edu's buffer is 4096 bytes, and QEMU 7.2
 * aborts on a transfer of exactly that size.
 */
#define TEST_IOMMU_QUARANTINE_DMA_BYTES		4000

#define TEST_IOMMU_QUARANTINE_MAX_VICTIMS	64
/* edu runs a DMA 100 ms after the command: the victims must be ready first. */
#define TEST_IOMMU_QUARANTINE_MAX_DELAY_US	50000
#define TEST_IOMMU_QUARANTINE_MAX_WAIT_MS	10000

/* Queue no device write: a control run, the victims must stay intact. */
#define TEST_IOMMU_QUARANTINE_ATTACK_NO_DMA	0x1U
/*
 * Take the page from a page_frag cache, as network receive paths do, free
 * it with page_frag_free() and take the victims from the same cache: the
 * cache reuses its page in place, without a trip through the allocator.
 */
#define TEST_IOMMU_QUARANTINE_ATTACK_PAGE_FRAG	0x2U
#define TEST_IOMMU_QUARANTINE_ATTACK_FLAGS	(TEST_IOMMU_QUARANTINE_ATTACK_NO_DMA | \
						 TEST_IOMMU_QUARANTINE_ATTACK_PAGE_FRAG)

/**
 * struct test_iommu_quarantine_attack - one DMA use-after-free attempt
 * @flags: (in) TEST_IOMMU_QUARANTINE_ATTACK_* flags
 * @delay_us: (in) microseconds between unmapping the page and freeing it,
 *	at most TEST_IOMMU_QUARANTINE_MAX_DELAY_US
 * @victim_pages: (in) pages allocated right after the free, on the same CPU
 *	with interrupts off, 1 to TEST_IOMMU_QUARANTINE_MAX_VICTIMS; with
 *	TEST_IOMMU_QUARANTINE_ATTACK_PAGE_FRAG, page-sized fragments of the
 *	cache the freed page came from
 * @device_pattern: (in) byte the page holds when the device reads it, and so
 *	the byte the device writes back
 * @victim_pattern: (in) byte the victims are filled with; must differ from
 *	@device_pattern
 * @reserved: (in) must be zero
 * @cpu: (out) CPU that freed the page and allocated the victims
 * @victims_allocated: (out) victims allocated, fewer than @victim_pages if
 *	atomic allocations failed
 * @victim_index: (out) index of the victim that is the freed page, or -1
 * @victims_changed: (out) victims in which a byte is no longer @victim_pattern
 * @victim_bytes_changed: (out) bytes, over all victims, that are no longer
 *	@victim_pattern after the device write
 * @dma_early: (out) 1 if the device write had already run when the victims
 *	were filled: the fill may have hidden it, the attempt proves nothing
 * @dma_wait_us: (out) microseconds from the unmap to the end of the device
 *	write
 * @victim_device_bytes: (out) bytes of @device_pattern in the victim that is
 *	the freed page after the device write (0 if no victim is)
 * @pad: (out) zero
 *
 * The driver maps a page, lets the device read it (so the IOMMU caches the
 * translation), queues a device write back to it, unmaps it, frees it and
 * allocates the victims. A successful attack is the one
 * @victim_device_bytes shows: the victim that is the freed page holds
 * TEST_IOMMU_QUARANTINE_DMA_BYTES bytes of @device_pattern.
 */
struct test_iommu_quarantine_attack {
	__u32 flags;
	__u32 delay_us;
	__u32 victim_pages;
	__u8 device_pattern;
	__u8 victim_pattern;
	__u16 reserved;
	__u32 cpu;
	__u32 victims_allocated;
	__s32 victim_index;
	__u32 victims_changed;
	__u32 victim_bytes_changed;
	__u32 dma_early;
	__u64 dma_wait_us;
	__u32 victim_device_bytes;
	__u32 pad;
};

/**
 * struct test_iommu_quarantine_fault_probe - a device write to the old IOVA
 *	of an unmapped page the driver still owns
 * @flags: (in) must be zero
 * @wait_ms: (in) milliseconds between the unmap and queuing the write, at
 *	most TEST_IOMMU_QUARANTINE_MAX_WAIT_MS; longer than the flush timeout,
 *	the write must fault
 * @device_pattern: (in) byte the device writes
 * @page_pattern: (in) byte the page holds before each write; must differ
 *	from @device_pattern
 * @reserved: (in) must be zero
 * @mapped_bytes_changed: (out) bytes changed by a first write, through the
 *	live mapping: TEST_IOMMU_QUARANTINE_DMA_BYTES if the device works
 * @stale_bytes_changed: (out) bytes changed by the write to the unmapped
 *	IOVA: 0 if the IOMMU blocked it
 *
 * The page is never freed while the device can reach it.
 */
struct test_iommu_quarantine_fault_probe {
	__u32 flags;
	__u32 wait_ms;
	__u8 device_pattern;
	__u8 page_pattern;
	__u16 reserved;
	__u32 mapped_bytes_changed;
	__u32 stale_bytes_changed;
};

/* What one benchmark cycle does; see struct test_iommu_quarantine_bench. */
enum test_iommu_quarantine_bench_kind {
	TEST_IOMMU_QUARANTINE_BENCH_MAP_PAGE,
	TEST_IOMMU_QUARANTINE_BENCH_MAP_SG,
	TEST_IOMMU_QUARANTINE_BENCH_ALLOC_FREE,
	TEST_IOMMU_QUARANTINE_BENCH_KINDS,
};

#define TEST_IOMMU_QUARANTINE_BENCH_MAX_PAGES		64
#define TEST_IOMMU_QUARANTINE_BENCH_MAX_THREADS		8
#define TEST_IOMMU_QUARANTINE_BENCH_MAX_DURATION_MS	60000

/**
 * struct test_iommu_quarantine_bench - time a cycle on every thread
 * @kind: (in) a TEST_IOMMU_QUARANTINE_BENCH_* cycle:
 *	MAP_PAGE: allocate @pages physically contiguous pages, dma_map_page()
 *	them as one range, unmap, free;
 *	MAP_SG: allocate @pages single pages, dma_map_sgtable() them as one
 *	scatterlist, unmap, free;
 *	ALLOC_FREE: allocate @pages contiguous pages and free them, no DMA
 *	(the page allocator's own cost, free path included)
 * @pages: (in) pages per cycle, 1 to TEST_IOMMU_QUARANTINE_BENCH_MAX_PAGES;
 *	a power of two unless @kind is MAP_SG
 * @threads: (in) kernel threads running cycles at once, one per online CPU
 *	in turn, 1 to TEST_IOMMU_QUARANTINE_BENCH_MAX_THREADS
 * @duration_ms: (in) how long the threads run, 1 to
 *	TEST_IOMMU_QUARANTINE_BENCH_MAX_DURATION_MS
 * @cycles: (out) cycles completed by all threads
 * @mean_ns: (out) mean time of one cycle, nanoseconds
 * @stddev_ns: (out) standard deviation of the cycle time, nanoseconds
 * @min_ns: (out) shortest cycle, nanoseconds
 * @max_ns: (out) longest cycle, nanoseconds
 * @elapsed_ns: (out) wall time from the start of the first thread to the
 *	end of the last
 *
 * The device is not asked to access the pages: the cycle is what a driver
 * pays around a DMA, not the DMA. Each cycle is timed on its own, from the
 * first allocation to the last free.
 */
struct test_iommu_quarantine_bench {
	__u32 kind;
	__u32 pages;
	__u32 threads;
	__u32 duration_ms;
	__u64 cycles;
	__u64 mean_ns;
	__u64 stddev_ns;
	__u64 min_ns;
	__u64 max_ns;
	__u64 elapsed_ns;
};

/* 0xB2 is registered in Documentation/userspace-api/ioctl/ioctl-number.rst */
#define TEST_IOMMU_QUARANTINE_ATTACK \
	_IOWR(0xB2, 0x00, struct test_iommu_quarantine_attack)
#define TEST_IOMMU_QUARANTINE_FAULT_PROBE \
	_IOWR(0xB2, 0x01, struct test_iommu_quarantine_fault_probe)
#define TEST_IOMMU_QUARANTINE_BENCH \
	_IOWR(0xB2, 0x02, struct test_iommu_quarantine_bench)

#endif /* _UAPI_LINUX_TEST_IOMMU_QUARANTINE_H */
