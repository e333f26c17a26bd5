// SPDX-License-Identifier: GPL-2.0
/*
 * Test driver for the IOMMU page quarantine (CONFIG_IOMMU_PAGE_QUARANTINE).
 *
 * It binds to QEMU's "edu" PCI DMA device and, on request through
 * /dev/test_iommu_quarantine, makes the device write into a page after the
 * driver unmapped and freed it: a DMA use-after-free. In lazy IOMMU mode the
 * stale IOTLB entry lets the write through; the quarantine must keep the page
 * away from the page allocator until then. The driver reports what happened
 * to the pages allocated right after the free; it does not use the
 * quarantine's API, so it observes the effect, not the bookkeeping.
 *
 * It also times the map, unmap and free cycle that the quarantine adds to
 * (TEST_IOMMU_QUARANTINE_BENCH), for tools/testing/selftests/vm/iommu_quarantine_bench.
 *
 * With the quarantine off this corrupts memory on purpose. Test machines only.
 */
#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/iommu.h>
#include <linux/iopoll.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/pci.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/test_iommu_quarantine.h>
#include <linux/uaccess.h>

#define EDU_VENDOR_ID			0x1234
#define EDU_DEVICE_ID			0x11e8

/* edu's BAR0 registers (QEMU docs/specs/edu.rst) */
#define EDU_REG_IDENTIFICATION		0x00
#define EDU_IDENTIFICATION_MAGIC	0xed
#define EDU_REG_DMA_SOURCE		0x80
#define EDU_REG_DMA_DESTINATION		0x88
#define EDU_REG_DMA_COUNT		0x90
#define EDU_REG_DMA_COMMAND		0x98
#define EDU_DMA_COMMAND_START		BIT(0)
#define EDU_DMA_COMMAND_TO_RAM		BIT(1)

/* The device-internal buffer, as seen in DMA source/destination addresses. */
#define EDU_DMA_BUFFER			0x40000
#define EDU_DMA_MASK_BITS		28

/* A DMA runs ~100 ms after its command; allow for a slow TCG host. */
#define EDU_DMA_POLL_US			1000
#define EDU_DMA_TIMEOUT_US		2000000

/**
 * struct quarantine_test_device - the bound edu device
 * @pdev: the PCI device
 * @mmio: BAR0
 * @misc: /dev/test_iommu_quarantine
 * @wedged: a DMA never completed; bus mastering is off, attempts fail
 */
struct quarantine_test_device {
	struct pci_dev *pdev;
	void __iomem *mmio;
	struct miscdevice misc;
	bool wedged;
};

/* Serialises attempts (edu runs one DMA at a time) and guards the pointer. */
static DEFINE_MUTEX(quarantine_test_lock);
static struct quarantine_test_device *quarantine_test_dev;

static bool edu_dma_busy(struct quarantine_test_device *qdev)
{
	return readq(qdev->mmio + EDU_REG_DMA_COMMAND) & EDU_DMA_COMMAND_START;
}

/*
 * Queue one DMA of TEST_IOMMU_QUARANTINE_DMA_BYTES. edu ignores register
 * writes while a DMA runs, so refuse rather than queue a different one.
 */
static int edu_dma_start(struct quarantine_test_device *qdev, u64 source,
			 u64 destination, u64 command)
{
	if (qdev->wedged || edu_dma_busy(qdev))
		return -EIO;
	writeq(source, qdev->mmio + EDU_REG_DMA_SOURCE);
	writeq(destination, qdev->mmio + EDU_REG_DMA_DESTINATION);
	writeq(TEST_IOMMU_QUARANTINE_DMA_BYTES, qdev->mmio + EDU_REG_DMA_COUNT);
	/* writeq() orders the CPU's earlier writes to the pages before this. */
	writeq(command | EDU_DMA_COMMAND_START, qdev->mmio + EDU_REG_DMA_COMMAND);
	return 0;
}

/*
 * Wait for the queued DMA. A DMA the IOMMU blocks completes all the same, it
 * just moves nothing. One that never completes might still write later:
 * turn bus mastering off so that freeing its pages is safe.
 */
static int edu_dma_wait(struct quarantine_test_device *qdev)
{
	u64 command;
	int ret;

	ret = readq_poll_timeout(qdev->mmio + EDU_REG_DMA_COMMAND, command,
				 !(command & EDU_DMA_COMMAND_START),
				 EDU_DMA_POLL_US, EDU_DMA_TIMEOUT_US);
	if (ret) {
		pci_clear_master(qdev->pdev);
		qdev->wedged = true;
		dev_err(&qdev->pdev->dev, "DMA did not complete, bus mastering off\n");
	}
	return ret;
}

static int edu_dma(struct quarantine_test_device *qdev, u64 source,
		   u64 destination, u64 command)
{
	int ret;

	ret = edu_dma_start(qdev, source, destination, command);
	if (ret)
		return ret;
	return edu_dma_wait(qdev);
}

/* Bytes of @va that are @pattern. */
static unsigned int count_pattern_bytes(const void *va, u8 pattern)
{
	const u8 *bytes = va;
	unsigned int i, n = 0;

	for (i = 0; i < PAGE_SIZE; i++)
		n += bytes[i] == pattern;
	return n;
}

static unsigned int count_changed_bytes(const void *va, u8 pattern)
{
	const u8 *bytes = va;
	unsigned int i, changed = 0;

	if (!memchr_inv(bytes, pattern, PAGE_SIZE))
		return 0;
	for (i = 0; i < PAGE_SIZE; i++)
		changed += bytes[i] != pattern;
	return changed;
}

/*
 * The attack needs the device behind a DMA-API IOMMU domain: without
 * translation the write would land in whatever the page became, unguarded.
 */
static bool quarantine_test_translated(struct quarantine_test_device *qdev)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(&qdev->pdev->dev);

	return domain && iommu_is_dma_domain(domain);
}

/*
 * Where the attacked page and its victims come from: single pages from the
 * page allocator, or page-sized fragments of one page_frag cache, whose page
 * is reused in place once every fragment of it has been freed.
 */
struct quarantine_test_source {
	bool frag;
	struct page_frag_cache cache;
};

static void *quarantine_test_get(struct quarantine_test_source *src, gfp_t gfp)
{
	struct page *page;

	if (src->frag)
		return page_frag_alloc(&src->cache, PAGE_SIZE, gfp);
	page = alloc_page(gfp);
	return page ? page_address(page) : NULL;
}

static void quarantine_test_put(struct quarantine_test_source *src, void *va)
{
	if (src->frag)
		page_frag_free(va);
	else
		__free_page(virt_to_page(va));
}

/*
 * Take the rest of the cache's page and give it back, so that the only
 * fragment left in use is the attacked one: once it is freed, the next
 * fragment reuses the page in place.
 */
static void quarantine_test_fill_cache(struct quarantine_test_source *src)
{
	void *va;

	while (src->frag && src->cache.offset >= PAGE_SIZE) {
		va = page_frag_alloc(&src->cache, PAGE_SIZE, GFP_KERNEL);
		if (!va)
			break;
		page_frag_free(va);
	}
}

static void quarantine_test_source_destroy(struct quarantine_test_source *src)
{
	if (src->frag && src->cache.va)
		__page_frag_cache_drain(virt_to_head_page(src->cache.va),
					src->cache.pagecnt_bias);
}

static int quarantine_test_attack(struct quarantine_test_device *qdev,
				  struct test_iommu_quarantine_attack *attack)
{
	bool write_back = !(attack->flags & TEST_IOMMU_QUARANTINE_ATTACK_NO_DMA);
	struct quarantine_test_source src = {
		.frag = attack->flags & TEST_IOMMU_QUARANTINE_ATTACK_PAGE_FRAG,
	};
	struct device *dev = &qdev->pdev->dev;
	unsigned int i, allocated;
	unsigned long flags;
	void **victims;
	dma_addr_t iova;
	ktime_t start;
	void *va;
	int ret;

	victims = kcalloc(attack->victim_pages, sizeof(*victims), GFP_KERNEL);
	if (!victims)
		return -ENOMEM;
	va = quarantine_test_get(&src, GFP_KERNEL);
	if (!va) {
		ret = -ENOMEM;
		goto free_victims;
	}
	quarantine_test_fill_cache(&src);
	memset(va, attack->device_pattern, PAGE_SIZE);
	iova = dma_map_page(dev, virt_to_page(va), 0, PAGE_SIZE, DMA_BIDIRECTIONAL);
	if (dma_mapping_error(dev, iova)) {
		ret = -ENOMEM;
		quarantine_test_put(&src, va);
		goto free_victims;
	}

	/* The device reads the page: the IOMMU now caches the translation. */
	ret = edu_dma(qdev, iova, EDU_DMA_BUFFER, 0);
	if (!ret && write_back)
		ret = edu_dma_start(qdev, EDU_DMA_BUFFER, iova,
				    EDU_DMA_COMMAND_TO_RAM);
	start = ktime_get();
	dma_unmap_page(dev, iova, PAGE_SIZE, DMA_BIDIRECTIONAL);
	if (ret) {
		quarantine_test_put(&src, va);
		goto free_victims;
	}
	if (attack->delay_us)
		fsleep(attack->delay_us);

	/*
	 * Free and reallocate on one CPU with interrupts off: the freed page is
	 * the first one this CPU's free list (or the cache) hands out, unless
	 * held back.
	 */
	local_irq_save(flags);
	attack->cpu = smp_processor_id();
	quarantine_test_put(&src, va);
	for (allocated = 0; allocated < attack->victim_pages; allocated++) {
		victims[allocated] = quarantine_test_get(&src, GFP_ATOMIC | __GFP_NOWARN);
		if (!victims[allocated])
			break;
	}
	local_irq_restore(flags);

	attack->victims_allocated = allocated;
	attack->victim_index = -1;
	for (i = 0; i < allocated; i++) {
		memset(victims[i], attack->victim_pattern, PAGE_SIZE);
		if (victims[i] == va)
			attack->victim_index = i;
	}
	attack->dma_early = 0;
	if (write_back) {
		attack->dma_early = !edu_dma_busy(qdev);
		ret = edu_dma_wait(qdev);
	}
	attack->dma_wait_us = ktime_us_delta(ktime_get(), start);

	attack->victims_changed = 0;
	attack->victim_bytes_changed = 0;
	attack->victim_device_bytes = 0;
	attack->pad = 0;
	if (attack->victim_index >= 0)
		attack->victim_device_bytes = count_pattern_bytes(victims[attack->victim_index],
								  attack->device_pattern);
	for (i = 0; i < allocated; i++) {
		unsigned int changed;

		changed = count_changed_bytes(victims[i], attack->victim_pattern);
		attack->victims_changed += changed != 0;
		attack->victim_bytes_changed += changed;
		quarantine_test_put(&src, victims[i]);
	}
free_victims:
	quarantine_test_source_destroy(&src);
	kfree(victims);
	return ret;
}

static int quarantine_test_fault_probe(struct quarantine_test_device *qdev,
				       struct test_iommu_quarantine_fault_probe *probe)
{
	struct device *dev = &qdev->pdev->dev;
	struct page *page;
	dma_addr_t iova;
	int ret;

	page = alloc_page(GFP_KERNEL);
	if (!page)
		return -ENOMEM;
	memset(page_address(page), probe->device_pattern, PAGE_SIZE);
	iova = dma_map_page(dev, page, 0, PAGE_SIZE, DMA_BIDIRECTIONAL);
	if (dma_mapping_error(dev, iova)) {
		ret = -ENOMEM;
		goto free_page;
	}

	/* The device's buffer takes the device pattern; the IOMMU caches it. */
	ret = edu_dma(qdev, iova, EDU_DMA_BUFFER, 0);
	if (ret)
		goto unmap;

	/* A write through the live mapping must land, or the probe proves nothing. */
	dma_sync_single_for_cpu(dev, iova, PAGE_SIZE, DMA_BIDIRECTIONAL);
	memset(page_address(page), probe->page_pattern, PAGE_SIZE);
	dma_sync_single_for_device(dev, iova, PAGE_SIZE, DMA_BIDIRECTIONAL);
	ret = edu_dma(qdev, EDU_DMA_BUFFER, iova, EDU_DMA_COMMAND_TO_RAM);
	if (ret)
		goto unmap;
	dma_sync_single_for_cpu(dev, iova, PAGE_SIZE, DMA_BIDIRECTIONAL);
	probe->mapped_bytes_changed = count_changed_bytes(page_address(page), probe->page_pattern);

	dma_unmap_page(dev, iova, PAGE_SIZE, DMA_BIDIRECTIONAL);
	memset(page_address(page), probe->page_pattern, PAGE_SIZE);
	if (probe->wait_ms)
		msleep(probe->wait_ms);
	/* The page stays ours until the stale write is over: no use-after-free. */
	ret = edu_dma(qdev, EDU_DMA_BUFFER, iova, EDU_DMA_COMMAND_TO_RAM);
	if (!ret)
		probe->stale_bytes_changed = count_changed_bytes(page_address(page),
								 probe->page_pattern);
	goto free_page;

unmap:
	dma_unmap_page(dev, iova, PAGE_SIZE, DMA_BIDIRECTIONAL);
free_page:
	__free_page(page);
	return ret;
}

/*
 * Benchmark: one kernel thread per requested CPU runs cycles until told to
 * stop, timing each on its own.
 */
struct quarantine_bench_thread {
	struct quarantine_test_device *qdev;
	const struct test_iommu_quarantine_bench *params;
	struct task_struct *task;
	struct page *pages[TEST_IOMMU_QUARANTINE_BENCH_MAX_PAGES];
	struct sg_table sgt;
	u64 cycles;
	u64 sum_ns;
	u64 sum_sq_ns;
	u64 min_ns;
	u64 max_ns;
	u64 start_ns;
	u64 end_ns;
	bool overflow;
	int ret;
};

static bool quarantine_bench_stop;

static void quarantine_bench_free(struct quarantine_bench_thread *t,
				  unsigned int nr, unsigned int order)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		__free_pages(t->pages[i], order);
}

static int quarantine_bench_alloc(struct quarantine_bench_thread *t,
				  unsigned int nr, unsigned int order)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		t->pages[i] = alloc_pages(GFP_KERNEL, order);
		if (!t->pages[i]) {
			quarantine_bench_free(t, i, order);
			return -ENOMEM;
		}
	}
	return 0;
}

static int quarantine_bench_cycle(struct quarantine_bench_thread *t)
{
	struct device *dev = &t->qdev->pdev->dev;
	unsigned int pages = t->params->pages;
	unsigned int order = ilog2(pages);
	struct scatterlist *sg;
	dma_addr_t iova;
	unsigned int i;
	int ret;

	switch (t->params->kind) {
	case TEST_IOMMU_QUARANTINE_BENCH_MAP_PAGE:
		ret = quarantine_bench_alloc(t, 1, order);
		if (ret)
			return ret;
		iova = dma_map_page(dev, t->pages[0], 0, pages * PAGE_SIZE,
				    DMA_BIDIRECTIONAL);
		ret = dma_mapping_error(dev, iova);
		if (!ret)
			dma_unmap_page(dev, iova, pages * PAGE_SIZE, DMA_BIDIRECTIONAL);
		quarantine_bench_free(t, 1, order);
		return ret;
	case TEST_IOMMU_QUARANTINE_BENCH_MAP_SG:
		ret = quarantine_bench_alloc(t, pages, 0);
		if (ret)
			return ret;
		for_each_sgtable_sg(&t->sgt, sg, i)
			sg_set_page(sg, t->pages[i], PAGE_SIZE, 0);
		ret = dma_map_sgtable(dev, &t->sgt, DMA_BIDIRECTIONAL, 0);
		if (!ret)
			dma_unmap_sgtable(dev, &t->sgt, DMA_BIDIRECTIONAL, 0);
		quarantine_bench_free(t, pages, 0);
		return ret;
	default:
		ret = quarantine_bench_alloc(t, 1, order);
		if (!ret)
			quarantine_bench_free(t, 1, order);
		return ret;
	}
}

static int quarantine_bench_thread_fn(void *data)
{
	struct quarantine_bench_thread *t = data;
	u64 start, ns, sq;

	t->min_ns = U64_MAX;
	t->start_ns = ktime_get_ns();
	while (!READ_ONCE(quarantine_bench_stop)) {
		start = ktime_get_ns();
		t->ret = quarantine_bench_cycle(t);
		ns = ktime_get_ns() - start;
		if (t->ret)
			break;
		t->cycles++;
		t->sum_ns += ns;
		if (check_mul_overflow(ns, ns, &sq) ||
		    check_add_overflow(t->sum_sq_ns, sq, &t->sum_sq_ns))
			t->overflow = true;
		t->min_ns = min(t->min_ns, ns);
		t->max_ns = max(t->max_ns, ns);
		cond_resched();
	}
	t->end_ns = ktime_get_ns();
	/* The caller holds a task reference for kthread_stop(). */
	return 0;
}

static void quarantine_bench_sum(struct test_iommu_quarantine_bench *bench,
				 struct quarantine_bench_thread *threads,
				 unsigned int nr, bool *overflow)
{
	u64 sum = 0, sum_sq = 0, first = U64_MAX, last = 0, mean_sq;
	unsigned int i;

	bench->min_ns = U64_MAX;
	for (i = 0; i < nr; i++) {
		struct quarantine_bench_thread *t = &threads[i];

		bench->cycles += t->cycles;
		sum += t->sum_ns;
		*overflow |= t->overflow ||
			     check_add_overflow(sum_sq, t->sum_sq_ns, &sum_sq);
		bench->min_ns = min(bench->min_ns, t->min_ns);
		bench->max_ns = max(bench->max_ns, t->max_ns);
		first = min(first, t->start_ns);
		last = max(last, t->end_ns);
	}
	bench->elapsed_ns = last - first;
	if (!bench->cycles) {
		bench->min_ns = 0;
		return;
	}
	bench->mean_ns = div64_u64(sum, bench->cycles);
	/* Var(X) = E[X^2] - E[X]^2, both exact to a nanosecond squared. */
	mean_sq = div64_u64(sum_sq, bench->cycles);
	if (mean_sq > bench->mean_ns * bench->mean_ns)
		bench->stddev_ns = int_sqrt64(mean_sq - bench->mean_ns * bench->mean_ns);
}

static int quarantine_test_bench(struct quarantine_test_device *qdev,
				 struct test_iommu_quarantine_bench *bench)
{
	struct quarantine_bench_thread *threads;
	unsigned int i, started = 0;
	bool overflow = false;
	int ret = 0;

	threads = kcalloc(bench->threads, sizeof(*threads), GFP_KERNEL);
	if (!threads)
		return -ENOMEM;
	WRITE_ONCE(quarantine_bench_stop, false);
	/* Keep the online mask still while threads are placed on it. */
	cpus_read_lock();
	for (i = 0; i < bench->threads; i++) {
		struct quarantine_bench_thread *t = &threads[i];

		t->qdev = qdev;
		t->params = bench;
		if (bench->kind == TEST_IOMMU_QUARANTINE_BENCH_MAP_SG) {
			ret = sg_alloc_table(&t->sgt, bench->pages, GFP_KERNEL);
			if (ret)
				break;
		}
		t->task = kthread_create_on_cpu(quarantine_bench_thread_fn, t,
						cpumask_nth(i % num_online_cpus(),
							    cpu_online_mask),
						"iommuq_bench/%u");
		if (IS_ERR(t->task)) {
			ret = PTR_ERR(t->task);
			t->task = NULL;
			break;
		}
		get_task_struct(t->task);
		started++;
	}
	cpus_read_unlock();
	for (i = 0; i < started; i++)
		wake_up_process(threads[i].task);
	if (!ret)
		msleep_interruptible(bench->duration_ms);
	WRITE_ONCE(quarantine_bench_stop, true);
	for (i = 0; i < started; i++) {
		kthread_stop(threads[i].task);
		put_task_struct(threads[i].task);
		if (threads[i].ret && !ret)
			ret = threads[i].ret;
	}
	for (i = 0; i < bench->threads; i++)
		sg_free_table(&threads[i].sgt);
	if (!ret && signal_pending(current))
		ret = -EINTR;
	if (!ret) {
		quarantine_bench_sum(bench, threads, started, &overflow);
		if (overflow)
			ret = -EOVERFLOW;
	}
	kfree(threads);
	return ret;
}

static int quarantine_test_ioctl_attack(struct quarantine_test_device *qdev,
					void __user *argp)
{
	struct test_iommu_quarantine_attack attack;
	int ret;

	if (copy_from_user(&attack, argp, sizeof(attack)))
		return -EFAULT;
	if (attack.flags & ~TEST_IOMMU_QUARANTINE_ATTACK_FLAGS ||
	    attack.delay_us > TEST_IOMMU_QUARANTINE_MAX_DELAY_US ||
	    !attack.victim_pages ||
	    attack.victim_pages > TEST_IOMMU_QUARANTINE_MAX_VICTIMS ||
	    attack.device_pattern == attack.victim_pattern || attack.reserved)
		return -EINVAL;
	ret = quarantine_test_attack(qdev, &attack);
	if (ret)
		return ret;
	return copy_to_user(argp, &attack, sizeof(attack)) ? -EFAULT : 0;
}

static int quarantine_test_ioctl_fault_probe(struct quarantine_test_device *qdev,
					     void __user *argp)
{
	struct test_iommu_quarantine_fault_probe probe;
	int ret;

	if (copy_from_user(&probe, argp, sizeof(probe)))
		return -EFAULT;
	if (probe.flags || probe.wait_ms > TEST_IOMMU_QUARANTINE_MAX_WAIT_MS ||
	    probe.device_pattern == probe.page_pattern || probe.reserved)
		return -EINVAL;
	probe.mapped_bytes_changed = 0;
	probe.stale_bytes_changed = 0;
	ret = quarantine_test_fault_probe(qdev, &probe);
	if (ret)
		return ret;
	return copy_to_user(argp, &probe, sizeof(probe)) ? -EFAULT : 0;
}

static int quarantine_test_ioctl_bench(struct quarantine_test_device *qdev,
				       void __user *argp)
{
	struct test_iommu_quarantine_bench bench;
	int ret;

	if (copy_from_user(&bench, argp, sizeof(bench)))
		return -EFAULT;
	if (bench.kind >= TEST_IOMMU_QUARANTINE_BENCH_KINDS ||
	    !bench.pages || bench.pages > TEST_IOMMU_QUARANTINE_BENCH_MAX_PAGES ||
	    (bench.kind != TEST_IOMMU_QUARANTINE_BENCH_MAP_SG &&
	     !is_power_of_2(bench.pages)) ||
	    !bench.threads || bench.threads > TEST_IOMMU_QUARANTINE_BENCH_MAX_THREADS ||
	    !bench.duration_ms ||
	    bench.duration_ms > TEST_IOMMU_QUARANTINE_BENCH_MAX_DURATION_MS)
		return -EINVAL;
	bench.cycles = 0;
	bench.mean_ns = 0;
	bench.stddev_ns = 0;
	bench.min_ns = 0;
	bench.max_ns = 0;
	bench.elapsed_ns = 0;
	ret = quarantine_test_bench(qdev, &bench);
	if (ret)
		return ret;
	return copy_to_user(argp, &bench, sizeof(bench)) ? -EFAULT : 0;
}

static long quarantine_test_ioctl(struct file *file, unsigned int command,
				  unsigned long arg)
{
	void __user *argp = (void __user *)arg;
	struct quarantine_test_device *qdev;
	long ret;

	if (command != TEST_IOMMU_QUARANTINE_ATTACK &&
	    command != TEST_IOMMU_QUARANTINE_FAULT_PROBE &&
	    command != TEST_IOMMU_QUARANTINE_BENCH)
		return -ENOTTY;

	mutex_lock(&quarantine_test_lock);
	qdev = quarantine_test_dev;
	if (!qdev)
		ret = -ENODEV;
	else if (qdev->wedged)
		ret = -EIO;
	else if (!quarantine_test_translated(qdev))
		ret = -EOPNOTSUPP;
	else if (command == TEST_IOMMU_QUARANTINE_ATTACK)
		ret = quarantine_test_ioctl_attack(qdev, argp);
	else if (command == TEST_IOMMU_QUARANTINE_FAULT_PROBE)
		ret = quarantine_test_ioctl_fault_probe(qdev, argp);
	else
		ret = quarantine_test_ioctl_bench(qdev, argp);
	mutex_unlock(&quarantine_test_lock);
	return ret;
}

static int quarantine_test_open(struct inode *inode, struct file *file)
{
	/* A device that writes into freed memory is not for everyone. */
	if (!capable(CAP_SYS_RAWIO))
		return -EPERM;
	return nonseekable_open(inode, file);
}

static const struct file_operations quarantine_test_fops = {
	.owner		= THIS_MODULE,
	.open		= quarantine_test_open,
	.unlocked_ioctl	= quarantine_test_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= no_llseek,
};

static int quarantine_test_probe(struct pci_dev *pdev,
				 const struct pci_device_id *id)
{
	struct quarantine_test_device *qdev;
	u32 identification;
	int ret;

	qdev = devm_kzalloc(&pdev->dev, sizeof(*qdev), GFP_KERNEL);
	if (!qdev)
		return -ENOMEM;
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = pcim_iomap_regions(pdev, BIT(0), KBUILD_MODNAME);
	if (ret)
		return ret;
	qdev->pdev = pdev;
	qdev->mmio = pcim_iomap_table(pdev)[0];
	pci_set_drvdata(pdev, qdev);

	identification = readl(qdev->mmio + EDU_REG_IDENTIFICATION);
	if ((identification & 0xff) != EDU_IDENTIFICATION_MAGIC) {
		dev_err(&pdev->dev, "not an edu device: identification %#x\n",
			identification);
		return -ENODEV;
	}
	/* edu really drops address bits above 28; QEMU checks the range too. */
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(EDU_DMA_MASK_BITS));
	if (ret)
		return ret;
	pci_set_master(pdev);

	qdev->misc.minor = MISC_DYNAMIC_MINOR;
	qdev->misc.name = "test_iommu_quarantine";
	qdev->misc.fops = &quarantine_test_fops;
	qdev->misc.parent = &pdev->dev;

	mutex_lock(&quarantine_test_lock);
	if (quarantine_test_dev) {
		ret = -EBUSY;
	} else {
		ret = misc_register(&qdev->misc);
		if (!ret)
			quarantine_test_dev = qdev;
	}
	mutex_unlock(&quarantine_test_lock);
	if (ret) {
		pci_clear_master(pdev);
		return ret;
	}
	return 0;
}

static void quarantine_test_remove(struct pci_dev *pdev)
{
	struct quarantine_test_device *qdev = pci_get_drvdata(pdev);

	/* Waits for a running attempt; later ioctls on open files see -ENODEV. */
	mutex_lock(&quarantine_test_lock);
	quarantine_test_dev = NULL;
	mutex_unlock(&quarantine_test_lock);
	misc_deregister(&qdev->misc);
	pci_clear_master(pdev);
}

static const struct pci_device_id quarantine_test_ids[] = {
	{ PCI_DEVICE(EDU_VENDOR_ID, EDU_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, quarantine_test_ids);

static struct pci_driver quarantine_test_driver = {
	.name		= "test_iommu_quarantine",
	.id_table	= quarantine_test_ids,
	.probe		= quarantine_test_probe,
	.remove		= quarantine_test_remove,
};
module_pci_driver(quarantine_test_driver);

MODULE_DESCRIPTION("DMA use-after-free test driver for the IOMMU page quarantine");
MODULE_LICENSE("GPL");
