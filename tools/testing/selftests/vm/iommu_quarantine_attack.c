// SPDX-License-Identifier: GPL-2.0
/*
 * DMA use-after-free attack on the IOMMU page quarantine.
 *
 * lib/test_iommu_quarantine.c makes QEMU's edu PCI device write into a page
 * after the driver unmapped and freed it, then reports whether the page came
 * back from the allocator and whether the write reached it. In lazy IOMMU
 * mode (iommu.strict=0) without the quarantine the attack must succeed, with
 * the quarantine it must never succeed, and in strict mode the write faults.
 * The mode comes from edu's IOMMU domain type and the kernel command line.
 *
 * edu runs a DMA 100 ms after its command, later than the default 10 ms
 * flush of lazy mode, so the test widens the flush timeout to 1 s through
 * /sys/module/dma_iommu/parameters/fq_timeout_ms and restores it afterwards.
 *
 * "make -C tools/testing/selftests TARGETS=vm" builds it and
 * run_vmtests.sh runs it. For a guest without a C library, build it static:
 *   aarch64-linux-gnu-gcc -static -Wall -Werror -I<make headers>/usr/include \
 *	-o iommu_quarantine_attack THIS_FILE
 *
 * Environment:
 *   IOMMU_QUARANTINE_ATTEMPTS  attack attempts (default 30)
 *   IOMMU_QUARANTINE_SEED      seed of the random delays (default: time)
 *   IOMMU_QUARANTINE_TESTS     comma-separated tests to run; others skip
 *				with the reason "not selected"
 *
 * Exits 4 (skip) when /dev/test_iommu_quarantine is missing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/test_iommu_quarantine.h>

#include "../kselftest_harness.h"

#define DEVICE_PATH		"/dev/test_iommu_quarantine"
#define DOMAIN_TYPE_PATH	"/sys/class/misc/test_iommu_quarantine/device/iommu_group/type"
#define FQ_TIMEOUT_PATH		"/sys/module/dma_iommu/parameters/fq_timeout_ms"
#define QUARANTINE_DIR		"/sys/kernel/debug/iommu_quarantine"
#define QUARANTINE_STATS	QUARANTINE_DIR "/stats"
#define DROP_CACHES_PATH	"/proc/sys/vm/drop_caches"
#define STRICT_QUARANTINE_PATH	"/sys/module/dma_iommu/parameters/strict_quarantine"

/* The IOMMU drivers' fault injection for invalidations that do not complete. */
static const char * const fail_invalidation_dirs[] = {
	"/sys/kernel/debug/fail_arm_smmu_v3_invalidation",	/* FAIL_ARM_SMMU_V3_INVALIDATION */
	"/sys/kernel/debug/fail_intel_iommu_invalidation",	/* FAIL_INTEL_IOMMU_INVALIDATION */
	"/sys/kernel/debug/fail_amd_iommu_invalidation",	/* FAIL_AMD_IOMMU_INVALIDATION */
};

#define NO_FAIL_INVALIDATION \
	"no invalidation fault injection (CONFIG_FAIL_ARM_SMMU_V3_INVALIDATION, " \
	"CONFIG_FAIL_INTEL_IOMMU_INVALIDATION, CONFIG_FAIL_AMD_IOMMU_INVALIDATION)"

/* Upstream's IOVA_FQ_TIMEOUT, in effect when there is no knob. */
#define DEFAULT_FQ_TIMEOUT_MS	10
/* Well past edu's 100 ms DMA delay. */
#define ATTACK_FQ_TIMEOUT_MS	1000
/* Slack after the flush timeout before the write that must fault. */
#define FLUSH_SLACK_MS		500
/* Slack after the flush timeout before an attempt that must start unarmed. */
#define PACE_SLACK_MS		50

#define DEFAULT_ATTEMPTS	30
#define MAX_ATTEMPTS		10000
#define CONTROL_ATTEMPTS	3
#define FRAG_ATTEMPTS		10
#define WINDOW_ATTEMPTS		3
#define VICTIM_PAGES		8
#define MAX_RANDOM_DELAY_US	20000

#define DEVICE_PATTERN		0xa5
#define VICTIM_PATTERN		0x5a

/* Unbuffered: the harness ends each test with _exit(), stdout is lost. */
#define diag(fmt, ...)	fprintf(stderr, "# " fmt "\n", ##__VA_ARGS__)

FIXTURE(attack) {
	int fd;
	bool strict;
	bool quarantine;
	const char *mode;
	/* fq_timeout_ms before the test, -1 without the knob */
	int saved_fq_timeout_ms;
	/* the flush timeout in effect during the test */
	int fq_timeout_ms;
};

static bool test_selected(const char *name)
{
	const char *list = getenv("IOMMU_QUARANTINE_TESTS");
	size_t len = strlen(name);
	const char *p;

	if (!list || !*list)
		return true;
	for (p = list; (p = strstr(p, name)); p += len) {
		if ((p == list || p[-1] == ',') && (p[len] == ',' || !p[len]))
			return true;
	}
	return false;
}

/* The first line of a file, without its newline; false if unreadable. */
static bool read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	bool ok;

	if (!f)
		return false;
	ok = !!fgets(buf, size, f);
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

static int read_int(const char *path)
{
	char buf[32], *end;
	long value;

	if (!read_line(path, buf, sizeof(buf)))
		return -1;
	errno = 0;
	value = strtol(buf, &end, 10);
	if (errno || end == buf || *end || value < 0 || value > INT_MAX)
		return -1;
	return value;
}

static bool write_int(const char *path, int value)
{
	FILE *f = fopen(path, "w");
	bool ok;

	if (!f)
		return false;
	ok = fprintf(f, "%d\n", value) > 0;
	return fclose(f) == 0 && ok;
}

/* kstrtobool()'s reading of a boolean; -1 if it is none. */
static int parse_bool(const char *s)
{
	switch (s[0]) {
	case 'y': case 'Y': case '1':
		return 1;
	case 'n': case 'N': case '0':
		return 0;
	case 'o': case 'O':
		if (s[1] == 'n' || s[1] == 'N')
			return 1;
		if (s[1] == 'f' || s[1] == 'F')
			return 0;
	}
	return -1;
}

/* The boolean value of "name=" on the kernel command line, or -1. */
static int cmdline_bool(const char *name)
{
	static char cmdline[4096];
	size_t len = strlen(name);
	char *arg, *save;
	int value = -1;
	char copy[4096];

	if (!cmdline[0] && !read_line("/proc/cmdline", cmdline, sizeof(cmdline)))
		return -1;
	strcpy(copy, cmdline);
	for (arg = strtok_r(copy, " ", &save); arg; arg = strtok_r(NULL, " ", &save)) {
		if (!strncmp(arg, name, len) && arg[len] == '=')
			value = parse_bool(arg + len + 1);	/* the last one wins */
	}
	return value;
}

static void print_quarantine_stats(const char *when)
{
	static const char *const wanted[] = {
		"pages tagged:", "pages held now:", "pages released:",
		"hold time max ms:",
	};
	char line[256];
	unsigned int i;
	FILE *f;

	f = fopen(QUARANTINE_STATS, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		for (i = 0; i < ARRAY_SIZE(wanted); i++) {
			if (!strncmp(line, wanted[i], strlen(wanted[i])))
				fprintf(stderr, "# quarantine %s: %s", when, line);
		}
	}
	fclose(f);
}

/* The value of the stats line starting with @name, or -1. */
static long quarantine_stat(const char *name)
{
	char line[256];
	long value = -1;
	FILE *f;

	f = fopen(QUARANTINE_STATS, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, name, strlen(name)) && line[strlen(name)] == ':') {
			value = strtol(line + strlen(name) + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return value;
}

static bool write_str(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, value, strlen(value)) == (ssize_t)strlen(value);
	close(fd);
	return ok;
}

/* nr_iommu_quarantined from /proc/vmstat (what free-style tools see), or -1. */
static long vmstat_quarantined(void)
{
	const char *name = "nr_iommu_quarantined ";
	char line[256];
	long value = -1;
	FILE *f;

	/* Fold the per-CPU deltas first, or the value lags behind. */
	write_str("/proc/sys/vm/stat_refresh", "1");
	f = fopen("/proc/vmstat", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, name, strlen(name))) {
			value = strtol(line + strlen(name), NULL, 10);
			break;
		}
	}
	fclose(f);
	return value;
}

/* The fault-injection directory of this machine's IOMMU driver, or NULL. */
static const char *fail_invalidation_dir(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fail_invalidation_dirs); i++)
		if (!access(fail_invalidation_dirs[i], F_OK))
			return fail_invalidation_dirs[i];
	return NULL;
}

static bool write_attr(const char *dir, const char *attr, const char *value)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	return write_str(path, value);
}

/* Make every invalidation of the IOMMU report a failure, or stop doing so. */
static bool fail_invalidations(bool fail)
{
	const char *dir = fail_invalidation_dir();

	return dir && write_attr(dir, "verbose", "0") && write_attr(dir, "interval", "1") &&
	       write_attr(dir, "times", "-1") && write_attr(dir, "probability", fail ? "100" : "0");
}

static bool pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) == 0;
}

/* Up to two CPUs this process may run on, so attempts alternate. */
static int usable_cpus(int cpus[2])
{
	cpu_set_t set;
	int cpu, n = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 0;
	for (cpu = 0; cpu < CPU_SETSIZE && n < 2; cpu++) {
		if (CPU_ISSET(cpu, &set))
			cpus[n++] = cpu;
	}
	return n;
}

static struct test_iommu_quarantine_attack attack_args(__u32 flags, __u32 delay_us)
{
	struct test_iommu_quarantine_attack attack = {
		.flags = flags,
		.delay_us = delay_us,
		.victim_pages = VICTIM_PAGES,
		.device_pattern = DEVICE_PATTERN,
		.victim_pattern = VICTIM_PATTERN,
	};

	return attack;
}

static struct test_iommu_quarantine_fault_probe probe_args(__u32 wait_ms)
{
	struct test_iommu_quarantine_fault_probe probe = {
		.wait_ms = wait_ms,
		.device_pattern = DEVICE_PATTERN,
		.page_pattern = VICTIM_PATTERN,
	};

	return probe;
}

FIXTURE_SETUP(attack)
{
	char type[32];
	int strict;

	self->fd = -1;
	self->saved_fq_timeout_ms = -1;
	if (!test_selected(_metadata->name))
		SKIP(return, "not selected");

	self->fd = open(DEVICE_PATH, O_RDWR);
	if (self->fd < 0)
		SKIP(return, "%s: %s", DEVICE_PATH, strerror(errno));

	/* The domain edu is in says what the IOMMU does; the command line is a fallback. */
	strict = cmdline_bool("iommu.strict");
	if (read_line(DOMAIN_TYPE_PATH, type, sizeof(type))) {
		if (strcmp(type, "DMA") && strcmp(type, "DMA-FQ"))
			SKIP(return, "edu's IOMMU domain is %s, not a DMA API one", type);
		if (strict >= 0 && strict != !strcmp(type, "DMA"))
			diag("iommu.strict=%d on the command line, yet edu's domain is %s",
			     strict, type);
		self->strict = !strcmp(type, "DMA");
	} else {
		self->strict = strict == 1;
	}
	self->quarantine = cmdline_bool("iommu_quarantine") != 0 &&
			   access(QUARANTINE_DIR, F_OK) == 0;
	if (self->strict)
		self->mode = self->quarantine ? "strict+quarantine" : "strict";
	else
		self->mode = self->quarantine ? "lazy+quarantine" : "lazy";

	self->fq_timeout_ms = DEFAULT_FQ_TIMEOUT_MS;
	self->saved_fq_timeout_ms = read_int(FQ_TIMEOUT_PATH);
	if (self->saved_fq_timeout_ms >= 0 && !self->strict) {
		ASSERT_TRUE(write_int(FQ_TIMEOUT_PATH, ATTACK_FQ_TIMEOUT_MS)) {
			TH_LOG("cannot set %s: %s", FQ_TIMEOUT_PATH, strerror(errno));
		}
		self->fq_timeout_ms = ATTACK_FQ_TIMEOUT_MS;
	}
	diag("mode=%s fq_timeout_ms=%d%s", self->mode, self->fq_timeout_ms,
	     self->saved_fq_timeout_ms < 0 ? " (no fq_timeout_ms knob)" : "");
}

FIXTURE_TEARDOWN(attack)
{
	if (self->saved_fq_timeout_ms >= 0 && !self->strict &&
	    !write_int(FQ_TIMEOUT_PATH, self->saved_fq_timeout_ms))
		diag("cannot restore %s to %d", FQ_TIMEOUT_PATH, self->saved_fq_timeout_ms);
	if (self->fd >= 0)
		close(self->fd);
}

/* Lazy mode needs the flush to come after edu's write: the knob. */
static bool window_too_narrow(bool strict, int saved_fq_timeout_ms)
{
	return !strict && saved_fq_timeout_ms < 0;
}

#define NARROW_WINDOW_REASON \
	"no " FQ_TIMEOUT_PATH ": the 10 ms flush beats edu's 100 ms DMA"

TEST_F(attack, bad_arguments)
{
	struct test_iommu_quarantine_fault_probe probe;
	struct test_iommu_quarantine_attack attack;

	if (_metadata->skip)	/* the 6.1 harness runs it after a setup SKIP */
		return;

	attack = attack_args(1U << 31, 0);
	EXPECT_EQ(-1, ioctl(self->fd, TEST_IOMMU_QUARANTINE_ATTACK, &attack));
	EXPECT_EQ(EINVAL, errno);

	attack = attack_args(0, 0);
	attack.victim_pages = 0;
	EXPECT_EQ(-1, ioctl(self->fd, TEST_IOMMU_QUARANTINE_ATTACK, &attack));
	EXPECT_EQ(EINVAL, errno);

	attack.victim_pages = TEST_IOMMU_QUARANTINE_MAX_VICTIMS + 1;
	EXPECT_EQ(-1, ioctl(self->fd, TEST_IOMMU_QUARANTINE_ATTACK, &attack));
	EXPECT_EQ(EINVAL, errno);

	attack = attack_args(0, TEST_IOMMU_QUARANTINE_MAX_DELAY_US + 1);
	EXPECT_EQ(-1, ioctl(self->fd, TEST_IOMMU_QUARANTINE_ATTACK, &attack));
	EXPECT_EQ(EINVAL, errno);

	attack = attack_args(0, 0);
	attack.victim_pattern = attack.device_pattern;
	EXPECT_EQ(-1, ioctl(self->fd, TEST_IOMMU_QUARANTINE_ATTACK, &attack));
	EXPECT_EQ(EINVAL, errno);

	attack = attack_args(0, 0);
	attack.reserved = 1;
	EXPECT_EQ(-1, ioctl(self->fd, TEST_IOMMU_QUARANTINE_ATTACK, &attack));
	EXPECT_EQ(EINVAL, errno);

	EXPECT_EQ(-1, ioctl(self->fd, TEST_IOMMU_QUARANTINE_ATTACK, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, TEST_IOMMU_QUARANTINE_FAULT_PROBE, (void *)8));
	EXPECT_EQ(EFAULT, errno);

	probe = probe_args(0);
	probe.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, TEST_IOMMU_QUARANTINE_FAULT_PROBE, &probe));
	EXPECT_EQ(EINVAL, errno);

	probe = probe_args(TEST_IOMMU_QUARANTINE_MAX_WAIT_MS + 1);
	EXPECT_EQ(-1, ioctl(self->fd, TEST_IOMMU_QUARANTINE_FAULT_PROBE, &probe));
	EXPECT_EQ(EINVAL, errno);

	probe = probe_args(0);
	probe.page_pattern = probe.device_pattern;
	EXPECT_EQ(-1, ioctl(self->fd, TEST_IOMMU_QUARANTINE_FAULT_PROBE, &probe));
	EXPECT_EQ(EINVAL, errno);

	EXPECT_EQ(-1, ioctl(self->fd, _IOWR(0xB2, 0x7f, struct test_iommu_quarantine_attack),
			    &attack));
	EXPECT_EQ(ENOTTY, errno);
}

/*
 * No device write: whatever the mode, no victim may change, or the attack's
 * verdicts below would not be about DMA. Without the quarantine (or in
 * strict mode, where nothing is held) the freed page must come straight back,
 * which is what the attack relies on.
 */
TEST_F(attack, control_without_dma)
{
	struct test_iommu_quarantine_attack attack;
	int i, got_page = 0;

	if (_metadata->skip)	/* the 6.1 harness runs it after a setup SKIP */
		return;

	for (i = 0; i < CONTROL_ATTEMPTS; i++) {
		attack = attack_args(TEST_IOMMU_QUARANTINE_ATTACK_NO_DMA, 0);
		ASSERT_EQ(0, ioctl(self->fd, TEST_IOMMU_QUARANTINE_ATTACK, &attack)) {
			TH_LOG("attack ioctl: %s", strerror(errno));
		}
		diag("control %d: cpu=%u victim=%d bytes_changed=%u", i, attack.cpu,
		     attack.victim_index, attack.victim_bytes_changed);
		EXPECT_EQ(VICTIM_PAGES, attack.victims_allocated);
		EXPECT_EQ(0, attack.victim_bytes_changed);
		EXPECT_EQ(0, attack.dma_early);
		got_page += attack.victim_index >= 0;
	}
	if (self->strict || !self->quarantine) {
		EXPECT_LT(0, got_page) {
			TH_LOG("mode=%s: the freed page never came back as a victim",
			       self->mode);
		}
	}
}

/*
 * A write queued right after the unmap, to a page the driver still owns:
 * lazy mode lets it through the stale IOTLB entry (the window the
 * quarantine covers), strict mode does not.
 */
TEST_F(attack, stale_write_window)
{
	struct test_iommu_quarantine_fault_probe probe;
	int i, landed = 0;

	if (_metadata->skip)
		return;
	if (window_too_narrow(self->strict, self->saved_fq_timeout_ms))
		SKIP(return, NARROW_WINDOW_REASON);

	/* A flush timer armed before the unmap may still beat edu: retry. */
	for (i = 0; i < WINDOW_ATTEMPTS && !landed; i++) {
		probe = probe_args(0);
		ASSERT_EQ(0, ioctl(self->fd, TEST_IOMMU_QUARANTINE_FAULT_PROBE, &probe)) {
			TH_LOG("fault probe ioctl: %s", strerror(errno));
		}
		diag("window %d: mapped write changed %u bytes, stale write %u",
		     i, probe.mapped_bytes_changed, probe.stale_bytes_changed);
		ASSERT_EQ(TEST_IOMMU_QUARANTINE_DMA_BYTES, probe.mapped_bytes_changed) {
			TH_LOG("the device's write through a live mapping did not land");
		}
		landed = probe.stale_bytes_changed == TEST_IOMMU_QUARANTINE_DMA_BYTES;
		if (self->strict)
			break;
	}
	if (self->strict) {
		EXPECT_EQ(0, probe.stale_bytes_changed) {
			TH_LOG("strict mode let a write through after the unmap");
		}
	} else {
		EXPECT_TRUE(landed) {
			TH_LOG("lazy mode: the flush came before edu's write; does %s work?",
			       FQ_TIMEOUT_PATH);
		}
	}
}

/* Once the flush has run, the same write faults (an SMMU event 0x10). */
TEST_F(attack, fault_after_flush)
{
	struct test_iommu_quarantine_fault_probe probe;

	if (_metadata->skip)	/* the 6.1 harness runs it after a setup SKIP */
		return;

	probe = probe_args(self->fq_timeout_ms + FLUSH_SLACK_MS);
	ASSERT_EQ(0, ioctl(self->fd, TEST_IOMMU_QUARANTINE_FAULT_PROBE, &probe)) {
		TH_LOG("fault probe ioctl: %s", strerror(errno));
	}
	diag("after %u ms: mapped write changed %u bytes, stale write %u",
	     probe.wait_ms, probe.mapped_bytes_changed, probe.stale_bytes_changed);
	ASSERT_EQ(TEST_IOMMU_QUARANTINE_DMA_BYTES, probe.mapped_bytes_changed) {
		TH_LOG("the device's write through a live mapping did not land");
	}
	EXPECT_EQ(0, probe.stale_bytes_changed) {
		TH_LOG("a write %u ms after the unmap still reached the page", probe.wait_ms);
	}
}

/*
 * An invalidation that times out (injected where the driver detects a real
 * CMD_SYNC timeout) leaves the pages it covered stale: held, and counted,
 * until a later invalidation of the domain succeeds.
 */
TEST_F(attack, stale_after_failed_flush)
{
	struct test_iommu_quarantine_attack attack;
	long failed_before, stale, held;

	if (_metadata->skip)
		return;
	if (self->strict || !self->quarantine)
		SKIP(return, "mode=%s: needs lazy mode with the quarantine", self->mode);
	if (!fail_invalidation_dir())
		SKIP(return, NO_FAIL_INVALIDATION);

	/* Let earlier tests' pages go first. */
	usleep((self->fq_timeout_ms + FLUSH_SLACK_MS) * 1000);
	failed_before = quarantine_stat("failed invalidations");
	ASSERT_LE(0, failed_before);
	ASSERT_TRUE(fail_invalidations(true));

	attack = attack_args(TEST_IOMMU_QUARANTINE_ATTACK_NO_DMA, 0);
	EXPECT_EQ(0, ioctl(self->fd, TEST_IOMMU_QUARANTINE_ATTACK, &attack));
	EXPECT_EQ(-1, attack.victim_index);
	usleep((self->fq_timeout_ms + FLUSH_SLACK_MS) * 1000);
	stale = quarantine_stat("stale pages held now");
	diag("after the failed flush: failed invalidations %ld -> %ld, stale pages %ld",
	     failed_before, quarantine_stat("failed invalidations"), stale);
	EXPECT_LT(failed_before, quarantine_stat("failed invalidations"));
	EXPECT_LT(0, stale);
	EXPECT_LE(stale, vmstat_quarantined());

	/* Still failing: the pages stay out however long we wait. */
	usleep((self->fq_timeout_ms + FLUSH_SLACK_MS) * 1000);
	EXPECT_LE(stale, quarantine_stat("stale pages held now"));

	/* The next invalidation succeeds (another unmap queues one). */
	ASSERT_TRUE(fail_invalidations(false));
	attack = attack_args(TEST_IOMMU_QUARANTINE_ATTACK_NO_DMA, 0);
	EXPECT_EQ(0, ioctl(self->fd, TEST_IOMMU_QUARANTINE_ATTACK, &attack));
	usleep((self->fq_timeout_ms + FLUSH_SLACK_MS) * 1000);
	stale = quarantine_stat("stale pages held now");
	held = quarantine_stat("pages held now");
	diag("after a successful flush: stale pages %ld, pages held %ld", stale, held);
	EXPECT_EQ(0, stale);
	EXPECT_EQ(0, held);
	EXPECT_EQ(0, vmstat_quarantined());
}

/*
 * Strict mode: an unmap waits for its invalidation, but an ATS device that
 * does not answer the ATC invalidation keeps its translation. The driver
 * then reports the failure (injected here where it detects a real one);
 * without a quarantine on the strict domain the page is reused at once,
 * with one it stays out, stale, until an invalidation of the whole domain
 * succeeds. QEMU has no ATS: dma_iommu.strict_quarantine=1 gives edu's
 * strict domain the quarantine an ATS device's would get.
 */
TEST_F(attack, failed_strict_unmap)
{
	struct test_iommu_quarantine_attack attack;
	long failed_before, held;
	char on[8];
	bool quarantined;

	if (_metadata->skip)
		return;
	if (!self->strict)
		SKIP(return, "mode=%s: needs strict mode", self->mode);
	if (!fail_invalidation_dir())
		SKIP(return, NO_FAIL_INVALIDATION);
	quarantined = self->quarantine &&
		      read_line(STRICT_QUARANTINE_PATH, on, sizeof(on)) && on[0] == 'Y';

	failed_before = quarantined ? quarantine_stat("failed invalidations") : 0;
	ASSERT_TRUE(fail_invalidations(true));
	attack = attack_args(TEST_IOMMU_QUARANTINE_ATTACK_NO_DMA, 0);
	EXPECT_EQ(0, ioctl(self->fd, TEST_IOMMU_QUARANTINE_ATTACK, &attack));
	ASSERT_TRUE(fail_invalidations(false));
	if (!quarantined) {
		/* The hazard: the allocator hands the page out at once. */
		diag("no quarantine on the strict domain: victim %d got the page",
		     attack.victim_index);
		EXPECT_LE(0, attack.victim_index);
		return;
	}
	EXPECT_EQ(-1, attack.victim_index);
	EXPECT_LT(failed_before, quarantine_stat("failed invalidations"));
	held = quarantine_stat("pages held now");
	diag("after the failed strict unmap: pages held %ld", held);
	EXPECT_LT(0, held);
	EXPECT_LE(held, vmstat_quarantined());

	/* Nothing invalidates all of a strict domain on its own: still held. */
	usleep(FLUSH_SLACK_MS * 1000);
	EXPECT_LE(held, quarantine_stat("pages held now"));

	/* Reclaim runs the shrinker, which forces an invalidation: it succeeds. */
	ASSERT_TRUE(write_str(DROP_CACHES_PATH, "2"));
	usleep(FLUSH_SLACK_MS * 1000);
	held = quarantine_stat("pages held now");
	diag("after a forced invalidation: pages held %ld, stale %ld", held,
	     quarantine_stat("stale pages held now"));
	EXPECT_EQ(0, held);
	EXPECT_EQ(0, quarantine_stat("stale pages held now"));
	EXPECT_EQ(0, vmstat_quarantined());
}

/*
 * @attempts DMA use-after-free attempts with the page from @source (flags
 * of struct test_iommu_quarantine_attack), judged by mode: without the
 * quarantine in lazy mode the device's write must land in a victim that is
 * the freed page; with it, or strict, no victim may change.
 */
/* @self is the fixture: FIXTURE_DATA(attack), spelled out for checkpatch. */
static void run_attempts(struct __test_metadata *_metadata,
			 struct _test_data_attack *self, const char *name,
			 __u32 source, int attempts)
{
	int got_page = 0, corrupted = 0, succeeded = 0, early = 0, conclusive;
	struct test_iommu_quarantine_attack attack;
	int cpus[2], ncpus, i;
	const char *env;
	unsigned int seed;

	env = getenv("IOMMU_QUARANTINE_SEED");
	seed = env ? strtoul(env, NULL, 0) : (unsigned int)time(NULL) ^ getpid();
	srand(seed);
	ncpus = usable_cpus(cpus);
	ASSERT_LT(0, ncpus);
	/* Not "NAME: mode=": that prefix marks the summary line below. */
	diag("mode=%s attempts=%d seed=%u cpus=%d (%s)", self->mode, attempts, seed,
	     ncpus, name);
	print_quarantine_stats("before");

	for (i = 0; i < attempts; i++) {
		int cpu = cpus[i % ncpus];

		ASSERT_TRUE(pin_to_cpu(cpu)) {
			TH_LOG("sched_setaffinity(%d): %s", cpu, strerror(errno));
		}
		/*
		 * A flush timer armed by an earlier unmap could fire between
		 * this attempt's unmap and free, and rightly release the page
		 * to a victim. Let it run first: then this unmap arms the
		 * timer, and the only flush that can cover the page comes a
		 * whole timeout later, after edu's write. A victim getting the
		 * page is then an early release.
		 */
		if (self->quarantine && !self->strict)
			usleep((self->fq_timeout_ms + PACE_SLACK_MS) * 1000);
		attack = attack_args(source, rand() % (MAX_RANDOM_DELAY_US + 1));
		ASSERT_EQ(0, ioctl(self->fd, TEST_IOMMU_QUARANTINE_ATTACK, &attack)) {
			TH_LOG("attack ioctl: %s", strerror(errno));
		}
		diag("attempt %d: cpu=%u delay_us=%u victim=%d changed=%u/%u dma_us=%llu%s",
		     i, attack.cpu, attack.delay_us, attack.victim_index,
		     attack.victims_changed, attack.victim_bytes_changed,
		     (unsigned long long)attack.dma_wait_us,
		     attack.dma_early ? " (inconclusive: the device wrote first)" : "");
		EXPECT_EQ(cpu, attack.cpu);
		EXPECT_EQ(VICTIM_PAGES, attack.victims_allocated);
		got_page += attack.victim_index >= 0;
		corrupted += attack.victim_bytes_changed != 0;
		/* The header's criterion: the freed page's victim holds the write. */
		succeeded += attack.victim_index >= 0 &&
			     attack.victim_device_bytes == TEST_IOMMU_QUARANTINE_DMA_BYTES;
		early += attack.dma_early != 0;
	}
	conclusive = attempts - early;

	print_quarantine_stats("after");
	diag("%s: mode=%s attempts=%d victim_got_P=%d victim_corrupted=%d %s=%d %s=%d",
	     name, self->mode, attempts, got_page, corrupted, "succeeded", succeeded,
	     "inconclusive", early);

	if (!self->strict && !self->quarantine) {
		/* The attack must work here, or the other verdicts mean nothing. */
		EXPECT_GE(succeeded * 2, attempts) {
			TH_LOG("no quarantine, yet the attack worked in only %d of %d attempts",
			       succeeded, attempts);
		}
		return;
	}
	EXPECT_GE(conclusive * 2, attempts) {
		TH_LOG("the device wrote before the victims were ready in %d of %d attempts",
		       early, attempts);
	}
	EXPECT_EQ(0, corrupted) {
		TH_LOG("mode=%s: a victim page was overwritten by the device", self->mode);
	}
	if (!self->strict) {
		EXPECT_EQ(0, got_page) {
			TH_LOG("the quarantine let the freed page be reused before the flush");
		}
	}
}

TEST_F_TIMEOUT(attack, use_after_free, 900)
{
	int attempts = DEFAULT_ATTEMPTS;
	const char *env;

	if (_metadata->skip)
		return;
	if (window_too_narrow(self->strict, self->saved_fq_timeout_ms))
		SKIP(return, NARROW_WINDOW_REASON);

	env = getenv("IOMMU_QUARANTINE_ATTEMPTS");
	if (env) {
		attempts = atoi(env);
		ASSERT_TRUE(attempts > 0 && attempts <= MAX_ATTEMPTS) {
			TH_LOG("IOMMU_QUARANTINE_ATTEMPTS=%s: want 1 to %d", env, MAX_ATTEMPTS);
		}
	}
	run_attempts(_metadata, self, "attack", 0, attempts);
}

/*
 * The same through a page_frag cache, as network receive buffers come: the
 * cache reuses its page in place once all its fragments are freed, never
 * asking the page allocator, so the free-path hook alone cannot see it.
 */
TEST_F_TIMEOUT(attack, page_frag_reuse, 300)
{
	if (_metadata->skip)
		return;
	if (window_too_narrow(self->strict, self->saved_fq_timeout_ms))
		SKIP(return, NARROW_WINDOW_REASON);
	run_attempts(_metadata, self, "page_frag", TEST_IOMMU_QUARANTINE_ATTACK_PAGE_FRAG,
		     FRAG_ATTEMPTS);
}

int main(int argc, char **argv)
{
	if (access(DEVICE_PATH, F_OK))
		ksft_exit_skip("%s missing: %s\n", DEVICE_PATH,
			       "bind edu (1234:11e8) to test_iommu_quarantine");
	return test_harness_run(argc, argv);
}
