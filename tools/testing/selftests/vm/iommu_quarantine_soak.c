// SPDX-License-Identifier: GPL-2.0
/*
 * Load and checks for a soak test of the IOMMU page quarantine, through
 * lib/test_iommu_quarantine.c:
 *
 *   dma SECONDS       map, unmap and free on every CPU (BENCH ioctl), in turn
 *                     single pages, high-order blocks and scatterlists
 *   attack SECONDS    DMA use-after-free attempts (ATTACK ioctl); fails if a
 *                     victim page was overwritten by the device, or if the
 *                     freed page was handed out although no invalidation
 *                     that could cover it completed during the attempt
 *   pressure SECONDS  anonymous memory up to a few MiB above the high
 *                     watermark and back, in waves, counting quarantined
 *                     pages as reclaimable; 0 seconds: until SIGTERM
 *   badioctl          malformed ioctls and open/read/write misuse get a
 *                     clean error and change nothing
 *
 * Each mode prints "soak-MODE key=value ..." on its last line, and
 * "FAIL: ..." for each failed check; pressure prints "pressure-ready" once
 * its ballast is in place. Around them, kselftest's TAP (the mode is one
 * test), "Bail out!" on bad arguments, and kselftest's exit status: 0
 * pass, 1 fail, 4 no test driver (a skip).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/test_iommu_quarantine.h>

#include "../kselftest.h"

#define DEVICE_PATH	"/dev/test_iommu_quarantine"
#define STATS_PATH	"/sys/kernel/debug/iommu_quarantine/stats"
/* The type of the domain of the device the test driver drives. */
#define GROUP_TYPE_PATH	"/sys/class/misc/test_iommu_quarantine/device/iommu_group/type"
#define MAX_SLOTS	16
#define PAGE		4096UL

static unsigned int failures;

static void fail(const char *fmt, ...)
{
	va_list ap;

	failures++;
	printf("FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The flush counters of the quarantine's domains, from its debugfs stats. */
struct domains {
	unsigned int nr;
	unsigned int slot[MAX_SLOTS];
	long long started[MAX_SLOTS];
	long long completed[MAX_SLOTS];
};

static void read_domains(struct domains *d)
{
	long long started, completed;
	unsigned int slot;
	char line[512];
	const char *p;
	FILE *f;

	d->nr = 0;
	f = fopen(STATS_PATH, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f) && d->nr < MAX_SLOTS) {
		p = strstr(line, ": slot ");
		if (strncmp(line, "domain ", 7) || !p ||
		    sscanf(p, ": slot %u started %lld completed %lld", &slot, &started,
			   &completed) != 3)
			continue;
		d->slot[d->nr] = slot;
		d->started[d->nr] = started;
		d->completed[d->nr] = completed;
		d->nr++;
	}
	fclose(f);
}

/*
 * Could a page unmapped between @before and @after have become safe? Only
 * if an invalidation that started after @before was read has completed.
 */
static bool flush_completed_since(const struct domains *before, const struct domains *after)
{
	unsigned int i, j;

	for (i = 0; i < after->nr; i++) {
		for (j = 0; j < before->nr; j++)
			if (before->slot[j] == after->slot[i])
				break;
		/* A new domain, or the slot was reused: assume a flush. */
		if (j == before->nr || after->completed[i] > before->started[j])
			return true;
	}
	return false;
}

/*
 * The type of the test driver's device's domain ("DMA-FQ" is lazy), or
 * NULL if it cannot be read.
 */
static const char *device_domain_type(void)
{
	static char type[32];
	FILE *f = fopen(GROUP_TYPE_PATH, "r");
	bool ok;

	if (!f)
		return NULL;
	ok = fgets(type, sizeof(type), f);
	fclose(f);
	if (!ok)
		return NULL;
	type[strcspn(type, "\n")] = 0;
	return type;
}

static int open_device(void)
{
	int fd = open(DEVICE_PATH, O_RDWR);

	if (fd < 0)
		fprintf(stderr, "%s: %s\n", DEVICE_PATH, strerror(errno));
	return fd;
}

/* === dma ================================================================= */

static const struct {
	unsigned int kind;
	unsigned int pages;
} dma_cycles[] = {
	{ TEST_IOMMU_QUARANTINE_BENCH_MAP_PAGE, 1 },
	{ TEST_IOMMU_QUARANTINE_BENCH_MAP_SG, 32 },
	{ TEST_IOMMU_QUARANTINE_BENCH_MAP_PAGE, 16 },
	{ TEST_IOMMU_QUARANTINE_BENCH_MAP_SG, 3 },
	{ TEST_IOMMU_QUARANTINE_BENCH_MAP_PAGE, 4 },
	{ TEST_IOMMU_QUARANTINE_BENCH_ALLOC_FREE, 8 },
	{ TEST_IOMMU_QUARANTINE_BENCH_MAP_PAGE, 64 },
};

static int soak_dma(unsigned int seconds)
{
	unsigned long long cycles = 0, ioctls = 0, enomem = 0;
	double end = now() + seconds;
	unsigned int i;
	int fd;

	fd = open_device();
	if (fd < 0)
		return KSFT_SKIP;
	for (i = 0; now() < end; i++) {
		struct test_iommu_quarantine_bench bench = {
			.kind = dma_cycles[i % ARRAY_SIZE(dma_cycles)].kind,
			.pages = dma_cycles[i % ARRAY_SIZE(dma_cycles)].pages,
			/* Two threads per CPU every other run. */
			.threads = i % 2 ? 4 : 2,
			/* Short, so that attack attempts get the driver in between. */
			.duration_ms = 300,
		};

		ioctls++;
		if (!ioctl(fd, TEST_IOMMU_QUARANTINE_BENCH, &bench)) {
			cycles += bench.cycles;
		} else if (errno == ENOMEM) {
			/* A high-order block under memory pressure. */
			enomem++;
		} else {
			fail("BENCH kind %u pages %u threads %u: %s", bench.kind, bench.pages,
			     bench.threads, strerror(errno));
			break;
		}
		usleep(1000);
	}
	close(fd);
	printf("soak-dma ioctls=%llu cycles=%llu enomem=%llu failures=%u\n",
	       ioctls, cycles, enomem, failures);
	return failures ? 1 : 0;
}

/* === attack ============================================================== */

static int soak_attack(unsigned int seconds)
{
	unsigned long attempts = 0, got_after_flush = 0, overwritten = 0;
	unsigned long early_release = 0, dma_early = 0, enomem = 0;
	double end = now() + seconds;
	struct domains before, after;
	const char *type;
	bool lazy = false;
	int fd;

	fd = open_device();
	if (fd < 0)
		return KSFT_SKIP;
	srand(getpid());
	while (now() < end) {
		struct test_iommu_quarantine_attack attack = {
			.delay_us = rand() % 2001,
			.victim_pages = 16,
			.device_pattern = 0xd5,
			.victim_pattern = 0x3c ^ (attempts & 0xf),
		};

		read_domains(&before);
		if (ioctl(fd, TEST_IOMMU_QUARANTINE_ATTACK, &attack)) {
			if (errno == ENOMEM) {
				enomem++;
				continue;
			}
			fail("ATTACK: %s", strerror(errno));
			break;
		}
		read_domains(&after);
		attempts++;
		/* Other devices may have quarantine domains: ask for this one's. */
		type = device_domain_type();
		if (!type) {
			fail("cannot read %s", GROUP_TYPE_PATH);
			break;
		}
		lazy = after.nr > 0 && !strcmp(type, "DMA-FQ");
		dma_early += attack.dma_early != 0;
		if (attack.victim_bytes_changed) {
			overwritten++;
			fail("attempt %lu: device wrote %u bytes to %u victims; freed page: %d",
			     attempts, attack.victim_bytes_changed, attack.victims_changed,
			     attack.victim_index);
		}
		if (attack.victim_index < 0 || !lazy)
			continue;
		if (flush_completed_since(&before, &after)) {
			got_after_flush++;
		} else {
			early_release++;
			fail("attempt %lu: freed page went to victim %d before a flush (%u us)",
			     attempts, attack.victim_index, attack.delay_us);
		}
	}
	close(fd);
	printf("soak-attack mode=%s attempts=%lu overwritten=%lu early_release=%lu",
	       lazy ? "lazy" : "strict", attempts, overwritten, early_release);
	printf(" got_page_after_flush=%lu dma_early=%lu enomem=%lu failures=%u\n",
	       got_after_flush, dma_early, enomem, failures);
	if (!attempts)
		fail("no attack attempt completed in %u s", seconds);
	return failures ? 1 : 0;
}

/* === pressure ============================================================ */

/* A /proc/meminfo line, in KiB; -1 if absent. */
static long meminfo_kb(const char *name)
{
	size_t len = strlen(name);
	char line[256];
	long value = -1;
	FILE *f;

	f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, name, len) && line[len] == ':') {
			value = strtol(line + len + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return value;
}

/*
 * The free memory user allocations cannot take, in KiB: per populated zone,
 * its high watermark plus what it keeps back from allocations that could
 * use a higher zone (the largest "protection", lowmem_reserve), at most all
 * of it. On x86_64 the DMA zone's free pages count in MemFree but sit behind
 * that reserve.
 */
static long high_watermark_kb(void)
{
	long pages = 0, high = 0, managed = 0, reserve = 0, v;
	char line[256], *p;
	FILE *f;

	f = fopen("/proc/zoneinfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Node ", 5)) {
			if (managed > 0)
				pages += high + reserve < managed ? high + reserve : managed;
			high = 0;
			managed = 0;
			reserve = 0;
		} else if (sscanf(line, " high %ld", &v) == 1) {
			high = v;
		} else if (sscanf(line, " managed %ld", &v) == 1) {
			managed = v;
		} else if (strstr(line, "protection: (")) {
			p = strstr(line, "protection: (") + strlen("protection: (");
			while (*p && *p != ')') {
				char *end;

				v = strtol(p, &end, 10);
				if (end == p) {
					p++;
					continue;
				}
				if (v > reserve)
					reserve = v;
				p = end;
			}
		}
	}
	if (managed > 0)
		pages += high + reserve < managed ? high + reserve : managed;
	fclose(f);
	return pages * (PAGE / 1024);
}

#define CHUNK_BYTES	(2UL << 20)
#define MAX_CHUNKS	4096
/* Waves rise this far above the ballast. */
#define WAVE_KB		(48L << 10)

/* Set by SIGTERM; __atomic, as the handler and the loop share it. */
static int pressure_stop;
static char *chunks[MAX_CHUNKS];
static unsigned int nr_chunks;
static long min_free_kb = 1L << 40;

static void pressure_signal(int sig)
{
	__atomic_store_n(&pressure_stop, 1, __ATOMIC_RELAXED);
}

static bool pressure_stopped(void)
{
	return __atomic_load_n(&pressure_stop, __ATOMIC_RELAXED);
}

/* Free plus quarantined, in KiB: held pages come back when reclaim asks. */
static long available_kb(void)
{
	long free_kb = meminfo_kb("MemFree");

	if (free_kb >= 0 && free_kb < min_free_kb)
		min_free_kb = free_kb;
	return free_kb < 0 ? -1 : free_kb + meminfo_kb("IOMMUQuarantined");
}

/* Take and touch memory until only @target_kb is available. */
static void fill_to(long target_kb)
{
	unsigned long off;
	long avail;

	while (!pressure_stopped() && nr_chunks < MAX_CHUNKS) {
		avail = available_kb();
		if (avail < 0 || avail <= target_kb)
			break;
		chunks[nr_chunks] = mmap(NULL, CHUNK_BYTES, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (chunks[nr_chunks] == MAP_FAILED)
			break;
		for (off = 0; off < CHUNK_BYTES; off += PAGE)
			chunks[nr_chunks][off] = (char)(nr_chunks + off / PAGE);
		nr_chunks++;
	}
}

/* Check what was written, give back all but the first @keep chunks. */
static void release_to(unsigned int keep)
{
	unsigned long off;

	while (nr_chunks > keep) {
		nr_chunks--;
		for (off = 0; off < CHUNK_BYTES; off += PAGE) {
			if (chunks[nr_chunks][off] != (char)(nr_chunks + off / PAGE)) {
				fail("anonymous page %lu of chunk %u changed under memory pressure",
				     off / PAGE, nr_chunks);
				break;
			}
		}
		munmap(chunks[nr_chunks], CHUNK_BYTES);
	}
}

/*
 * Ballast up to WAVE_KB above the limit, then waves from there to the
 * limit and back; the limit is @reserve_kb above the high watermark, or
 * four times that every third wave. @seconds 0: until SIGTERM.
 */
static int soak_pressure(unsigned int seconds, long reserve_kb)
{
	long high_kb = high_watermark_kb(), peak_kb = 0;
	double start = now(), end = start + (seconds ? seconds : 1e9);
	unsigned int waves = 0, ballast;
	double ballast_s;

	if (high_kb < 0) {
		fail("cannot read the watermarks in /proc/zoneinfo");
		return 1;
	}
	signal(SIGTERM, pressure_signal);
	signal(SIGINT, pressure_signal);
	fill_to(high_kb + reserve_kb + WAVE_KB);
	ballast = nr_chunks;
	ballast_s = now() - start;
	printf("pressure-ready ballast_kb=%lu\n", ballast * (CHUNK_BYTES >> 10));
	while (!pressure_stopped() && now() < end) {
		fill_to(high_kb + (waves % 3 == 2 ? 4 : 1) * reserve_kb);
		if (nr_chunks * (long)(CHUNK_BYTES >> 10) > peak_kb)
			peak_kb = nr_chunks * (CHUNK_BYTES >> 10);
		usleep((200 + rand() % 600) * 1000);
		available_kb();
		release_to(ballast);
		waves++;
		usleep((100 + rand() % 400) * 1000);
	}
	release_to(0);
	printf("soak-pressure waves=%u ballast_kb=%lu ballast_s=%.0f peak_kb=%ld",
	       waves, ballast * (CHUNK_BYTES >> 10), ballast_s, peak_kb);
	printf(" min_free_kb=%ld high_watermark_kb=%ld reserve_kb=%ld failures=%u\n",
	       min_free_kb, high_kb, reserve_kb, failures);
	if (!waves)
		fail("no wave of memory pressure completed");
	return failures ? 1 : 0;
}

/* === badioctl ============================================================ */

/* Counter lines of the stats file, the domain lines without "started". */
static void stats_snapshot(char *buf, size_t size)
{
	size_t len = 0;
	char line[512];
	FILE *f;

	buf[0] = '\0';
	f = fopen(STATS_PATH, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f) && len + strlen(line) < size) {
		strcpy(buf + len, line);
		len += strlen(line);
	}
	fclose(f);
}

static unsigned int checks;

/* ioctl(@fd, @cmd, @arg) must fail with @want and leave *@arg as it was. */
static void expect_error(int fd, unsigned long cmd, void *arg, size_t size, int want,
			 const char *what)
{
	unsigned char saved[256];
	bool readable = arg && size && size <= sizeof(saved);
	int ret, err;

	checks++;
	if (readable)
		memcpy(saved, arg, size);
	ret = ioctl(fd, cmd, arg);
	err = errno;
	if (ret != -1 || err != want)
		fail("%s: got %d (%s), want -1 (%s)", what, ret, ret ? strerror(err) : "success",
		     strerror(want));
	else if (readable && memcmp(saved, arg, size))
		fail("%s: the refused ioctl wrote to its argument", what);
}

static struct test_iommu_quarantine_attack good_attack(void)
{
	return (struct test_iommu_quarantine_attack){
		.flags = TEST_IOMMU_QUARANTINE_ATTACK_NO_DMA,
		.victim_pages = 1,
		.device_pattern = 0xaa,
		.victim_pattern = 0x55,
	};
}

static struct test_iommu_quarantine_fault_probe good_probe(void)
{
	return (struct test_iommu_quarantine_fault_probe){
		.device_pattern = 0xaa,
		.page_pattern = 0x55,
	};
}

static struct test_iommu_quarantine_bench good_bench(void)
{
	return (struct test_iommu_quarantine_bench){
		.kind = TEST_IOMMU_QUARANTINE_BENCH_MAP_PAGE,
		.pages = 1,
		.threads = 1,
		.duration_ms = 1,
	};
}

#define BAD(fd, cmd, make, field, value, what) do {			\
	typeof(make()) arg_ = make();					\
	arg_.field = (value);						\
	expect_error(fd, cmd, &arg_, sizeof(arg_), EINVAL, what);	\
} while (0)

static void bad_fields(int fd)
{
	const unsigned long a = TEST_IOMMU_QUARANTINE_ATTACK;
	const unsigned long p = TEST_IOMMU_QUARANTINE_FAULT_PROBE;
	const unsigned long b = TEST_IOMMU_QUARANTINE_BENCH;

	BAD(fd, a, good_attack, flags, (TEST_IOMMU_QUARANTINE_ATTACK_FLAGS << 1) &
	    ~TEST_IOMMU_QUARANTINE_ATTACK_FLAGS, "ATTACK the first unknown flag");
	BAD(fd, a, good_attack, flags, ~0U, "ATTACK all flags");
	BAD(fd, a, good_attack, delay_us, TEST_IOMMU_QUARANTINE_MAX_DELAY_US + 1,
	    "ATTACK delay_us just over the limit");
	BAD(fd, a, good_attack, delay_us, (__u32)-1, "ATTACK delay_us -1");
	BAD(fd, a, good_attack, victim_pages, 0, "ATTACK no victims");
	BAD(fd, a, good_attack, victim_pages, TEST_IOMMU_QUARANTINE_MAX_VICTIMS + 1,
	    "ATTACK too many victims");
	BAD(fd, a, good_attack, victim_pages, (__u32)-1, "ATTACK victim_pages -1");
	BAD(fd, a, good_attack, victim_pattern, 0xaa, "ATTACK equal patterns");
	BAD(fd, a, good_attack, reserved, 1, "ATTACK reserved field set");

	BAD(fd, p, good_probe, flags, 1, "FAULT_PROBE flags set");
	BAD(fd, p, good_probe, wait_ms, TEST_IOMMU_QUARANTINE_MAX_WAIT_MS + 1,
	    "FAULT_PROBE wait_ms just over the limit");
	BAD(fd, p, good_probe, wait_ms, (__u32)-1, "FAULT_PROBE wait_ms -1");
	BAD(fd, p, good_probe, page_pattern, 0xaa, "FAULT_PROBE equal patterns");
	BAD(fd, p, good_probe, reserved, 0xffff, "FAULT_PROBE reserved field set");

	BAD(fd, b, good_bench, kind, TEST_IOMMU_QUARANTINE_BENCH_KINDS, "BENCH unknown kind");
	BAD(fd, b, good_bench, kind, (__u32)-1, "BENCH kind -1");
	BAD(fd, b, good_bench, pages, 0, "BENCH no pages");
	BAD(fd, b, good_bench, pages, 3, "BENCH 3 contiguous pages (not a power of two)");
	BAD(fd, b, good_bench, pages, TEST_IOMMU_QUARANTINE_BENCH_MAX_PAGES * 2,
	    "BENCH too many pages");
	BAD(fd, b, good_bench, pages, (__u32)-1, "BENCH pages -1");
	BAD(fd, b, good_bench, threads, 0, "BENCH no threads");
	BAD(fd, b, good_bench, threads, TEST_IOMMU_QUARANTINE_BENCH_MAX_THREADS + 1,
	    "BENCH too many threads");
	BAD(fd, b, good_bench, threads, (__u32)-1, "BENCH threads -1");
	BAD(fd, b, good_bench, duration_ms, 0, "BENCH zero duration");
	BAD(fd, b, good_bench, duration_ms, TEST_IOMMU_QUARANTINE_BENCH_MAX_DURATION_MS + 1,
	    "BENCH duration just over the limit");
	BAD(fd, b, good_bench, duration_ms, (__u32)-1, "BENCH duration -1");
}

static void bad_pointers(int fd)
{
	static const struct {
		unsigned long cmd;
		const char *name;
	} cmds[] = {
		{ TEST_IOMMU_QUARANTINE_ATTACK, "ATTACK" },
		{ TEST_IOMMU_QUARANTINE_FAULT_PROBE, "FAULT_PROBE" },
		{ TEST_IOMMU_QUARANTINE_BENCH, "BENCH" },
	};
	char what[128];
	unsigned int i;
	char *map;

	/* Two pages, the second unmapped: a struct that runs off the first. */
	map = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		fail("mmap: %s", strerror(errno));
		return;
	}
	munmap(map + PAGE, PAGE);
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		snprintf(what, sizeof(what), "%s with a NULL argument", cmds[i].name);
		expect_error(fd, cmds[i].cmd, NULL, 0, EFAULT, what);
		snprintf(what, sizeof(what), "%s with an unmapped argument", cmds[i].name);
		expect_error(fd, cmds[i].cmd, map + PAGE, 0, EFAULT, what);
		snprintf(what, sizeof(what), "%s with an argument running into an unmapped page",
			 cmds[i].name);
		expect_error(fd, cmds[i].cmd, map + PAGE - 8, 0, EFAULT, what);
		snprintf(what, sizeof(what), "%s with a kernel address", cmds[i].name);
		expect_error(fd, cmds[i].cmd, (void *)-4096L, 0, EFAULT, what);
	}
	munmap(map, PAGE);
}

static void bad_commands(int fd)
{
	struct test_iommu_quarantine_bench bench = good_bench();
	__u32 word = 0;

	expect_error(fd, 0, &bench, sizeof(bench), ENOTTY, "ioctl command 0");
	expect_error(fd, _IOWR(0xB2, 0x03, struct test_iommu_quarantine_bench), &bench,
		     sizeof(bench), ENOTTY, "unknown ioctl number 0x03");
	expect_error(fd, _IOWR(0xB2, 0x00, __u32), &word, sizeof(word), ENOTTY,
		     "ATTACK number with the wrong size");
	expect_error(fd, _IOR(0xB2, 0x02, struct test_iommu_quarantine_bench), &bench,
		     sizeof(bench), ENOTTY, "BENCH number with the wrong direction");
	expect_error(fd, _IOWR(0xB3, 0x02, struct test_iommu_quarantine_bench), &bench,
		     sizeof(bench), ENOTTY, "BENCH number with the wrong type");
	expect_error(fd, (unsigned long)-1, &bench, sizeof(bench), ENOTTY, "ioctl command -1");
}

static void bad_file_use(int fd)
{
	char buf[16] = "x";
	pid_t pid;
	int status;

	checks += 3;
	if (read(fd, buf, sizeof(buf)) != -1)
		fail("read() on %s succeeded", DEVICE_PATH);
	if (write(fd, buf, 1) != -1)
		fail("write() on %s succeeded", DEVICE_PATH);
	if (lseek(fd, 0, SEEK_SET) != -1 || errno != ESPIPE)
		fail("lseek() on %s: want ESPIPE", DEVICE_PATH);

	/* Without privileges the device does not open. */
	checks++;
	pid = fork();
	if (pid == 0) {
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(2);
		_exit(open(DEVICE_PATH, O_RDWR) >= 0 ? 1 : 0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		fail("an unprivileged process opened %s (or could not try)", DEVICE_PATH);
}

/* Valid requests at odd or read-only addresses still behave. */
static void odd_but_valid(int fd)
{
	struct test_iommu_quarantine_attack attack = good_attack();
	struct test_iommu_quarantine_bench bench = good_bench();
	char *map;

	map = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		fail("mmap: %s", strerror(errno));
		return;
	}
	checks += 4;
	memcpy(map + 1, &attack, sizeof(attack));
	if (ioctl(fd, TEST_IOMMU_QUARANTINE_ATTACK, map + 1))
		fail("ATTACK at a misaligned address: %s", strerror(errno));
	memcpy(map + 3, &bench, sizeof(bench));
	if (ioctl(fd, TEST_IOMMU_QUARANTINE_BENCH, map + 3))
		fail("BENCH at a misaligned address: %s", strerror(errno));
	/* Read-only: the request is read and run, the result cannot be written. */
	memcpy(map, &attack, sizeof(attack));
	mprotect(map, PAGE, PROT_READ);
	if (ioctl(fd, TEST_IOMMU_QUARANTINE_ATTACK, map) != -1 || errno != EFAULT)
		fail("ATTACK with a read-only argument: want EFAULT");
	munmap(map, PAGE);
	/* And the driver still works. */
	attack = good_attack();
	if (ioctl(fd, TEST_IOMMU_QUARANTINE_ATTACK, &attack))
		fail("a valid ATTACK after the malformed ones: %s", strerror(errno));
}

static int soak_badioctl(void)
{
	static char before[8192], after[8192];
	int fd;

	fd = open_device();
	if (fd < 0)
		return KSFT_SKIP;
	stats_snapshot(before, sizeof(before));
	bad_fields(fd);
	bad_pointers(fd);
	bad_commands(fd);
	bad_file_use(fd);
	stats_snapshot(after, sizeof(after));
	checks++;
	if (strcmp(before, after))
		fail("the quarantine's stats changed across refused ioctls:\n%s---\n%s",
		     before, after);
	odd_but_valid(fd);
	close(fd);
	printf("soak-badioctl checks=%u failures=%u\n", checks, failures);
	return failures ? 1 : 0;
}

static int print_usage(void)
{
	fprintf(stderr,
		"usage: iommu_quarantine_soak dma SECONDS | attack SECONDS |\n"
		"                             pressure SECONDS [RESERVE_KB] | badioctl\n");
	return ksft_exit_fail_msg("bad arguments\n");
}

/* One mode is one kselftest test. */
static int report(const char *mode, int ret)
{
	if (ret == KSFT_SKIP)
		return ksft_exit_skip("soak %s: no test driver (%s)\n", mode, DEVICE_PATH);
	ksft_test_result(ret == 0, "soak %s\n", mode);
	return ret ? ksft_exit_fail() : ksft_exit_pass();
}

static int parse_seconds(const char *arg, unsigned int *seconds)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < 0 || v > 86400)
		return -1;
	*seconds = v;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int seconds = 0;
	long reserve_kb = 8192;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	ksft_set_plan(1);
	if (argc == 2 && !strcmp(argv[1], "badioctl"))
		return report(argv[1], soak_badioctl());
	if (argc < 3 || parse_seconds(argv[2], &seconds))
		return print_usage();
	if (!seconds && strcmp(argv[1], "pressure"))
		return print_usage();
	if (!strcmp(argv[1], "dma") && argc == 3)
		return report(argv[1], soak_dma(seconds));
	if (!strcmp(argv[1], "attack") && argc == 3)
		return report(argv[1], soak_attack(seconds));
	if (!strcmp(argv[1], "pressure") && argc <= 4) {
		if (argc == 4) {
			reserve_kb = strtol(argv[3], NULL, 10);
			if (reserve_kb < 0 || reserve_kb > (1L << 22))
				return print_usage();
		}
		return report(argv[1], soak_pressure(seconds, reserve_kb));
	}
	return print_usage();
}
