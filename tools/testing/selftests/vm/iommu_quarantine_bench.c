// SPDX-License-Identifier: GPL-2.0
/*
 * Time the map, unmap and free cycle of a DMA device, in whatever IOMMU mode
 * the kernel runs (strict, lazy, lazy with the IOMMU page quarantine), with
 * lib/test_iommu_quarantine.c's TEST_IOMMU_QUARANTINE_BENCH ioctl, and watch
 * the quarantine meanwhile: pages held over time, how soon they all come
 * back after the load stops, flushes started.
 *
 * One line per run, "result key=value ...", and with -s one "sample ..."
 * line per sampling interval; a key whose value is unknown in this mode
 * (there is no quarantine) reads "-". Around them, kselftest's TAP: one
 * test per run, a skip without the driver, "Bail out!" on bad arguments,
 * and kselftest's exit status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/test_iommu_quarantine.h>

#include "../kselftest.h"

#define DEVICE_PATH	"/dev/test_iommu_quarantine"
#define STATS_PATH	"/sys/kernel/debug/iommu_quarantine/stats"
#define MAX_SAMPLES	100000

/* What the quarantine's debugfs says at one moment; -1 if it says nothing. */
struct quarantine_state {
	long held;		/* pages held now */
	long released;		/* pages released so far */
	long hold_ms_total;	/* summed over released pages */
	long hold_ms_max;
	long flushes;		/* invalidations started, all domains */
};

struct sample {
	long t_ms;
	long held;
};

static const char *const kind_names[] = {
	[TEST_IOMMU_QUARANTINE_BENCH_MAP_PAGE] = "page",
	[TEST_IOMMU_QUARANTINE_BENCH_MAP_SG] = "sg",
	[TEST_IOMMU_QUARANTINE_BENCH_ALLOC_FREE] = "alloc",
};

static struct {
	unsigned int interval_ms;
	unsigned int settle_ms;
	bool stop;		/* __atomic: set by main, read by the sampler */
	struct timespec start;
	struct sample *samples;
	unsigned int nr_samples;
} sampler;

static long now_ms(const struct timespec *since)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec - since->tv_sec) * 1000 +
	       (ts.tv_nsec - since->tv_nsec) / 1000000;
}

static long stat_value(const char *line, const char *name)
{
	size_t len = strlen(name);

	if (strncmp(line, name, len) || line[len] != ':')
		return -1;
	return strtol(line + len + 1, NULL, 10);
}

/* Returns false if there is no quarantine to read (off or compiled out). */
static bool read_state(struct quarantine_state *state)
{
	char line[512];
	const char *p;
	bool domains = false;
	FILE *f;
	long v;

	memset(state, 0xff, sizeof(*state));
	f = fopen(STATS_PATH, "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		v = stat_value(line, "pages held now");
		if (v >= 0)
			state->held = v;
		v = stat_value(line, "pages released");
		if (v >= 0)
			state->released = v;
		v = stat_value(line, "hold time total ms");
		if (v >= 0)
			state->hold_ms_total = v;
		v = stat_value(line, "hold time max ms");
		if (v >= 0)
			state->hold_ms_max = v;
		p = strstr(line, " started ");
		if (!strncmp(line, "domain ", 7) && p) {
			if (!domains)
				state->flushes = 0;
			domains = true;
			state->flushes += strtol(p + 9, NULL, 10);
		}
	}
	fclose(f);
	return state->held >= 0;
}

static void *sampler_fn(void *arg)
{
	struct quarantine_state state;
	long stopped_at = -1, t;

	(void)arg;
	for (;;) {
		t = now_ms(&sampler.start);
		if (!read_state(&state))
			break;
		if (sampler.nr_samples < MAX_SAMPLES)
			sampler.samples[sampler.nr_samples++] =
				(struct sample){ .t_ms = t, .held = state.held };
		if (__atomic_load_n(&sampler.stop, __ATOMIC_ACQUIRE) && stopped_at < 0)
			stopped_at = t;
		/* After the load: sample until nothing is held, or give up. */
		if (stopped_at >= 0 && (!state.held || t - stopped_at >= sampler.settle_ms))
			break;
		/* Sparingly under load, which it competes with; closely after. */
		usleep(stopped_at < 0 ? sampler.interval_ms * 1000 : 1000);
	}
	return NULL;
}

static void print_value(const char *key, long value)
{
	if (value < 0)
		printf(" %s=-", key);
	else
		printf(" %s=%ld", key, value);
}

static long delta(long after, long before)
{
	return after < 0 || before < 0 ? -1 : after - before;
}

static int run(int fd, struct test_iommu_quarantine_bench *bench, unsigned int rep,
	       bool print_samples)
{
	struct quarantine_state before, after;
	long peak = -1, load_end_ms, settle = -1, released;
	bool have_quarantine;
	pthread_t thread;
	unsigned int i;
	int ret;

	have_quarantine = read_state(&before);
	__atomic_store_n(&sampler.stop, false, __ATOMIC_RELEASE);
	sampler.nr_samples = 0;
	clock_gettime(CLOCK_MONOTONIC, &sampler.start);
	if (have_quarantine && pthread_create(&thread, NULL, sampler_fn, NULL)) {
		ksft_test_result_fail("%s pages=%u threads=%u rep=%u: pthread_create failed\n",
				      kind_names[bench->kind], bench->pages, bench->threads, rep);
		return -1;
	}
	ret = ioctl(fd, TEST_IOMMU_QUARANTINE_BENCH, bench);
	load_end_ms = now_ms(&sampler.start);
	__atomic_store_n(&sampler.stop, true, __ATOMIC_RELEASE);
	if (have_quarantine)
		pthread_join(thread, NULL);
	if (ret) {
		ksft_test_result_fail("%s pages=%u threads=%u rep=%u: BENCH ioctl: %s\n",
				      kind_names[bench->kind], bench->pages, bench->threads,
				      rep, strerror(errno));
		return -1;
	}
	read_state(&after);

	for (i = 0; i < sampler.nr_samples; i++) {
		peak = sampler.samples[i].held > peak ? sampler.samples[i].held : peak;
		if (settle < 0 && sampler.samples[i].t_ms >= load_end_ms &&
		    !sampler.samples[i].held)
			settle = sampler.samples[i].t_ms - load_end_ms;
	}
	printf("result kind=%s pages=%u threads=%u rep=%u cycles=%llu mean_ns=%llu",
	       kind_names[bench->kind], bench->pages, bench->threads, rep,
	       (unsigned long long)bench->cycles, (unsigned long long)bench->mean_ns);
	printf(" stddev_ns=%llu min_ns=%llu max_ns=%llu elapsed_ns=%llu",
	       (unsigned long long)bench->stddev_ns, (unsigned long long)bench->min_ns,
	       (unsigned long long)bench->max_ns, (unsigned long long)bench->elapsed_ns);
	print_value("flushes", delta(after.flushes, before.flushes));
	print_value("held_peak", peak);
	print_value("held_end", sampler.nr_samples ?
		    sampler.samples[sampler.nr_samples - 1].held : -1);
	print_value("settle_ms", settle);
	released = delta(after.released, before.released);
	print_value("released", released);
	print_value("hold_ms_mean", released > 0 ?
		    delta(after.hold_ms_total, before.hold_ms_total) / released : -1);
	print_value("hold_ms_max_boot", after.hold_ms_max);
	printf("\n");
	for (i = 0; print_samples && i < sampler.nr_samples; i++)
		printf("sample kind=%s pages=%u threads=%u rep=%u t_ms=%ld held=%ld load=%d\n",
		       kind_names[bench->kind], bench->pages, bench->threads, rep,
		       sampler.samples[i].t_ms, sampler.samples[i].held,
		       sampler.samples[i].t_ms < load_end_ms);
	ksft_test_result(bench->cycles > 0, "%s pages=%u threads=%u rep=%u: %llu cycles\n",
			 kind_names[bench->kind], bench->pages, bench->threads, rep,
			 (unsigned long long)bench->cycles);
	fflush(stdout);
	return bench->cycles > 0 ? 0 : -1;
}

static int parse_uint(const char *arg, const char *what, unsigned int min,
		      unsigned int max, unsigned int *value)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 0);
	if (errno || end == arg || *end || arg[0] == '-' || v < min || v > max) {
		fprintf(stderr, "bad %s '%s': expected %u to %u\n", what, arg, min, max);
		return -1;
	}
	*value = v;
	return 0;
}

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: iommu_quarantine_bench [-k page|sg|alloc] [-p PAGES] [-t THREADS]\n"
		"                              [-d MS] [-r REPS] [-s MS] [-S MS]\n"
		"  -k  cycle: map one contiguous range (page), a scatterlist of single\n"
		"      pages (sg), or only allocate and free (alloc); default page\n"
		"  -p  pages per cycle (default 1)    -t  threads (default 1)\n"
		"  -d  duration of a run in ms (default 1000)\n"
		"  -r  runs (default 1)\n"
		"  -s  sample the pages held every MS ms and print the samples\n"
		"      (default: sample every 20 ms, print nothing; every 1 ms\n"
		"      once the run is over)\n"
		"  -S  after a run, wait up to MS ms for the held pages to return\n"
		"      (default 200)\n");
}

int main(int argc, char **argv)
{
	struct test_iommu_quarantine_bench bench = {
		.kind = TEST_IOMMU_QUARANTINE_BENCH_MAP_PAGE,
		.pages = 1, .threads = 1, .duration_ms = 1000,
	};
	unsigned int reps = 1, rep, k;
	bool print_samples = false;
	int opt, fd;

	sampler.interval_ms = 20;
	sampler.settle_ms = 200;
	while ((opt = getopt(argc, argv, "k:p:t:d:r:s:S:h")) != -1) {
		switch (opt) {
		case 'k':
			for (k = 0; k < TEST_IOMMU_QUARANTINE_BENCH_KINDS; k++)
				if (!strcmp(optarg, kind_names[k]))
					break;
			if (k == TEST_IOMMU_QUARANTINE_BENCH_KINDS) {
				fprintf(stderr, "bad cycle '%s': expected page, sg or alloc\n",
					optarg);
				return ksft_exit_fail_msg("bad arguments (see -h)\n");
			}
			bench.kind = k;
			break;
		case 'p':
			if (parse_uint(optarg, "page count", 1,
				       TEST_IOMMU_QUARANTINE_BENCH_MAX_PAGES, &bench.pages))
				return ksft_exit_fail_msg("bad arguments (see -h)\n");
			break;
		case 't':
			if (parse_uint(optarg, "thread count", 1,
				       TEST_IOMMU_QUARANTINE_BENCH_MAX_THREADS, &bench.threads))
				return ksft_exit_fail_msg("bad arguments (see -h)\n");
			break;
		case 'd':
			if (parse_uint(optarg, "duration", 1,
				       TEST_IOMMU_QUARANTINE_BENCH_MAX_DURATION_MS,
				       &bench.duration_ms))
				return ksft_exit_fail_msg("bad arguments (see -h)\n");
			break;
		case 'r':
			if (parse_uint(optarg, "run count", 1, 1000, &reps))
				return ksft_exit_fail_msg("bad arguments (see -h)\n");
			break;
		case 's':
			if (parse_uint(optarg, "sampling interval", 1, 10000,
				       &sampler.interval_ms))
				return ksft_exit_fail_msg("bad arguments (see -h)\n");
			print_samples = true;
			break;
		case 'S':
			if (parse_uint(optarg, "settle time", 0, 60000, &sampler.settle_ms))
				return ksft_exit_fail_msg("bad arguments (see -h)\n");
			break;
		case 'h':
			print_usage(stdout);
			return 0;
		default:
			print_usage(stderr);
			return ksft_exit_fail_msg("bad arguments (see -h)\n");
		}
	}
	if (optind != argc) {
		fprintf(stderr, "unexpected argument '%s'\n", argv[optind]);
		print_usage(stderr);
		return ksft_exit_fail_msg("bad arguments (see -h)\n");
	}
	if (bench.kind != TEST_IOMMU_QUARANTINE_BENCH_MAP_SG &&
	    (bench.pages & (bench.pages - 1))) {
		fprintf(stderr, "bad page count %u: a %s cycle needs a power of two\n",
			bench.pages, kind_names[bench.kind]);
		return ksft_exit_fail_msg("bad arguments (see -h)\n");
	}
	sampler.samples = calloc(MAX_SAMPLES, sizeof(*sampler.samples));
	if (!sampler.samples)
		return ksft_exit_fail_msg("calloc: %s\n", strerror(errno));
	ksft_print_header();
	fd = open(DEVICE_PATH, O_RDWR);
	if (fd < 0 && (errno == ENOENT || errno == ENODEV))
		ksft_exit_skip("%s: %s (test_iommu_quarantine bound to an edu device is needed)\n",
			       DEVICE_PATH, strerror(errno));
	if (fd < 0)
		ksft_exit_fail_msg("%s: %s\n", DEVICE_PATH, strerror(errno));
	ksft_set_plan(reps);
	for (rep = 0; rep < reps; rep++)
		run(fd, &bench, rep, print_samples);
	close(fd);
	free(sampler.samples);
	return ksft_get_pass_cnt() == reps ? ksft_exit_pass() : ksft_exit_fail();
}
