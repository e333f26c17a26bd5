// SPDX-License-Identifier: GPL-2.0
/*
 * dma_blk_load [-p PROCS] [-t SECONDS] [-n MAX_OPS] [-m MODE] [-M MIB] DEVICE
 *
 * A DMA load for a block device (a virtio-blk disk behind an IOMMU in lazy
 * mode) that checks every byte it reads. It first writes a known pattern over
 * the whole device with O_DIRECT: 4096-byte block b holds 512 little-endian
 * 64-bit words, word i being a hash of (b, i, generation), generation 0 at
 * first. Then, for each MODE asked, PROCS child processes loop until the
 * time or MAX_OPS (per child and mode) runs out:
 *
 *   direct-read   mmap a fresh anonymous buffer (4 KiB to 256 KiB), read a
 *                 random part of the disk into it with O_DIRECT, check it,
 *                 munmap it, so that the pages the device wrote go straight
 *                 back to the page allocator.
 *   direct-write  on a part of the disk of its own: fill a fresh buffer with
 *                 the next generation of the pattern, write it with O_DIRECT,
 *                 munmap it, read it back into another fresh buffer, check it.
 *   buffered      the same through the page cache: write, fsync, drop the
 *                 range from the page cache (POSIX_FADV_DONTNEED, and now and
 *                 then /proc/sys/vm/drop_caches), read back and check. With -M,
 *                 these children also touch MIB of anonymous memory (all of
 *                 them together) in waves, to push the page cache out.
 *
 * MODE "all" (the default) runs the three modes one after the other, each
 * for a third of SECONDS (default 10) on its own third of the disk. PROCS
 * defaults to 4. A child stops at its first failed system call.
 *
 * Prints the totals on stdout ("mismatched blocks" counts every block read
 * that had a bad word, so one corrupt block read twice counts twice), and
 * the first bad word each child finds on stderr. Exits 0 when nothing
 * mismatched, nothing failed and every mode asked did some work, 1 otherwise,
 * 2 on bad usage (including a device it cannot open with O_DIRECT or one
 * smaller than 1 MiB). DEVICE may be a regular file on a file system that
 * supports O_DIRECT.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/fs.h>

#define BLK_SIZE	4096
#define BLK_WORDS	(BLK_SIZE / sizeof(uint64_t))
#define MAX_IO_BLKS	64			/* 256 KiB */
#define SETUP_BLKS	256			/* 1 MiB per setup write */
#define MIN_DEV_SIZE	(1024 * 1024)
#define DROP_EVERY	64			/* buffered ops between cache drops */
#define WAVE_EVERY	16			/* buffered ops between pressure waves */
#define MAX_PROCS	1024

enum mode { DIRECT_READ, DIRECT_WRITE, BUFFERED, NR_MODES };

static const char *const mode_name[NR_MODES] = {
	[DIRECT_READ]	= "direct-read",
	[DIRECT_WRITE]	= "direct-write",
	[BUFFERED]	= "buffered",
};

/* One per child, in a MAP_SHARED page the parent sums at the end. */
struct counters {
	uint64_t ops;
	uint64_t bytes_read;
	uint64_t bytes_written;
	uint64_t mismatches;
	uint64_t mismatched_blocks;
	uint64_t errors;
};

struct config {
	long procs;
	long seconds;
	long max_ops;			/* 0: no limit */
	long pressure_mib;
	unsigned int modes;		/* bit per enum mode */
	const char *path;
};

/* What one child works on. */
struct worker {
	enum mode mode;
	int fd;
	uint64_t first;			/* its part of the disk, in blocks */
	uint64_t nblocks;
	uint32_t *gen;			/* per block of its part; NULL: all 0 */
	uint64_t rng;
	uint64_t deadline;		/* CLOCK_MONOTONIC, ns */
	long max_ops;
	size_t wave_bytes;
	bool reported;
	struct counters *cnt;
};

static const char *prog = "dma_blk_load";

/* splitmix64's output function: a cheap, well mixed hash. */
static uint64_t mix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t block_seed(uint64_t blk, uint32_t gen)
{
	return mix64(mix64(blk) ^ gen);
}

/* Word @i of a block whose block_seed() is @seed. */
static uint64_t pattern_word(uint64_t seed, unsigned int i)
{
	return mix64(seed + i);
}

static void fill_block(uint64_t *words, uint64_t blk, uint32_t gen)
{
	uint64_t seed = block_seed(blk, gen);
	unsigned int i;

	for (i = 0; i < BLK_WORDS; i++)
		words[i] = htole64(pattern_word(seed, i));
}

static uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static uint64_t random_below(struct worker *w, uint64_t n)
{
	return xorshift64(&w->rng) % n;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void usage(const char *fmt, const char *arg)
{
	if (fmt) {
		fprintf(stderr, "%s: ", prog);
		fprintf(stderr, fmt, arg);
		fputc('\n', stderr);
	}
	fprintf(stderr,
		"usage: %s [-p PROCS] [-t SECONDS] [-n MAX_OPS] [-m MODE] [-M MIB] DEVICE\n"
		"  -p PROCS    child processes per mode (default 4)\n"
		"  -t SECONDS  run time, split among the modes (default 10)\n"
		"  -n MAX_OPS  stop each child after this many operations\n"
		"  -m MODE     direct-read, direct-write, buffered or all (default)\n"
		"  -M MIB      anonymous memory the buffered children touch in waves\n"
		"              (default 0)\n",
		prog);
	exit(2);
}

static long parse_num(const char *arg, char opt, long min, long max)
{
	char *end;
	long val;

	errno = 0;
	val = strtol(arg, &end, 10);
	if (errno || end == arg || *end || val < min || val > max) {
		fprintf(stderr, "%s: -%c: '%s' is not a number from %ld to %ld\n",
			prog, opt, arg, min, max);
		usage(NULL, NULL);
	}
	return val;
}

static unsigned int parse_mode(const char *arg)
{
	int m;

	if (!strcmp(arg, "all"))
		return (1u << NR_MODES) - 1;
	for (m = 0; m < NR_MODES; m++)
		if (!strcmp(arg, mode_name[m]))
			return 1u << m;
	usage("unknown mode '%s'", arg);
	return 0;
}

static void parse_args(int argc, char **argv, struct config *cfg)
{
	int opt;

	*cfg = (struct config){ .procs = 4, .seconds = 10,
				.modes = (1u << NR_MODES) - 1 };
	while ((opt = getopt(argc, argv, "p:t:n:m:M:")) != -1) {
		switch (opt) {
		case 'p':
			cfg->procs = parse_num(optarg, opt, 1, MAX_PROCS);
			break;
		case 't':
			cfg->seconds = parse_num(optarg, opt, 1, 86400 * 365);
			break;
		case 'n':
			cfg->max_ops = parse_num(optarg, opt, 1, LONG_MAX);
			break;
		case 'm':
			cfg->modes = parse_mode(optarg);
			break;
		case 'M':
			cfg->pressure_mib = parse_num(optarg, opt, 0, 1L << 20);
			break;
		default:
			usage(NULL, NULL);
		}
	}
	if (optind == argc)
		usage("missing DEVICE", NULL);
	if (optind + 1 < argc)
		usage("unexpected argument '%s'", argv[optind + 1]);
	cfg->path = argv[optind];
}

/* Size of a block device, or of a regular file, in bytes; 0 on failure. */
static uint64_t device_size(int fd, const char *path)
{
	uint64_t size;
	struct stat st;

	if (fstat(fd, &st)) {
		fprintf(stderr, "%s: fstat %s: %s\n", prog, path, strerror(errno));
		return 0;
	}
	if (S_ISREG(st.st_mode))
		return st.st_size;
	if (!S_ISBLK(st.st_mode)) {
		fprintf(stderr, "%s: %s is neither a block device nor a file\n",
			prog, path);
		return 0;
	}
	if (ioctl(fd, BLKGETSIZE64, &size)) {
		fprintf(stderr, "%s: BLKGETSIZE64 %s: %s\n", prog, path,
			strerror(errno));
		return 0;
	}
	return size;
}

static void *fresh_buf(size_t len)
{
	void *buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return buf == MAP_FAILED ? NULL : buf;
}

/* The whole of a pread or pwrite; 0 or an errno (EIO for end of file). */
static int full_io(int fd, void *buf, size_t len, uint64_t off, bool write)
{
	size_t done = 0;
	ssize_t ret;

	while (done < len) {
		if (write)
			ret = pwrite(fd, (char *)buf + done, len - done, off + done);
		else
			ret = pread(fd, (char *)buf + done, len - done, off + done);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0)
			return errno;
		if (ret == 0)
			return EIO;
		done += ret;
	}
	return 0;
}

/* Pattern generation 0 over the whole device, with O_DIRECT. */
static int write_initial_pattern(int fd, uint64_t nblocks)
{
	size_t len = SETUP_BLKS * BLK_SIZE;
	uint64_t *buf = fresh_buf(len);
	uint64_t blk, n, k;
	int err = 0;

	if (!buf)
		return errno;
	for (blk = 0; blk < nblocks && !err; blk += n) {
		n = nblocks - blk < SETUP_BLKS ? nblocks - blk : SETUP_BLKS;
		for (k = 0; k < n; k++)
			fill_block(buf + k * BLK_WORDS, blk + k, 0);
		err = full_io(fd, buf, n * BLK_SIZE, blk * BLK_SIZE, true);
	}
	munmap(buf, len);
	if (!err && fsync(fd))
		err = errno;
	return err;
}

static uint32_t *block_gen(struct worker *w, uint64_t blk)
{
	return w->gen ? &w->gen[blk - w->first] : NULL;
}

static void report_mismatch(struct worker *w, uint64_t blk, unsigned int i,
			    uint64_t want, uint64_t got)
{
	fprintf(stderr,
		"%s: %s (pid %d): mismatch at block %" PRIu64 " word %u: "
		"expected 0x%016" PRIx64 ", read 0x%016" PRIx64 "\n",
		prog, mode_name[w->mode], getpid(), blk, i, want, got);
	w->reported = true;
}

/* Check @n blocks from @blk against their current generation. */
static void verify(struct worker *w, const uint64_t *buf, uint64_t blk,
		   uint64_t n)
{
	uint64_t k, seed, want, got, bad;
	uint32_t *gen;
	unsigned int i;

	for (k = 0; k < n; k++, buf += BLK_WORDS) {
		gen = block_gen(w, blk + k);
		seed = block_seed(blk + k, gen ? *gen : 0);
		bad = 0;
		for (i = 0; i < BLK_WORDS; i++) {
			want = pattern_word(seed, i);
			got = le64toh(buf[i]);
			if (got == want)
				continue;
			if (!w->reported)
				report_mismatch(w, blk + k, i, want, got);
			bad++;
		}
		w->cnt->mismatches += bad;
		w->cnt->mismatched_blocks += !!bad;
	}
}

/* Fill @buf with the next generation of @n blocks from @blk. */
static void fill_next_gen(struct worker *w, uint64_t *buf, uint64_t blk,
			  uint64_t n)
{
	uint64_t k;

	for (k = 0; k < n; k++) {
		uint32_t *gen = block_gen(w, blk + k);

		fill_block(buf + k * BLK_WORDS, blk + k, ++*gen);
	}
}

static bool fail(struct worker *w, const char *what, int err)
{
	fprintf(stderr, "%s: %s (pid %d): %s: %s\n", prog, mode_name[w->mode],
		getpid(), what, strerror(err));
	w->cnt->errors++;
	return false;
}

/* Read @n blocks from @blk into a fresh buffer, check them, free it. */
static bool read_and_verify(struct worker *w, uint64_t blk, uint64_t n)
{
	size_t len = n * BLK_SIZE;
	uint64_t *buf = fresh_buf(len);
	int err;

	if (!buf)
		return fail(w, "mmap", errno);
	err = full_io(w->fd, buf, len, blk * BLK_SIZE, false);
	if (!err) {
		w->cnt->bytes_read += len;
		verify(w, buf, blk, n);
	}
	munmap(buf, len);
	return err ? fail(w, "pread", err) : true;
}

/* Write the next generation of @n blocks from @blk from a fresh buffer. */
static bool write_next_gen(struct worker *w, uint64_t blk, uint64_t n)
{
	size_t len = n * BLK_SIZE;
	uint64_t *buf = fresh_buf(len);
	int err;

	if (!buf)
		return fail(w, "mmap", errno);
	fill_next_gen(w, buf, blk, n);
	err = full_io(w->fd, buf, len, blk * BLK_SIZE, true);
	munmap(buf, len);
	if (err)
		return fail(w, "pwrite", err);
	w->cnt->bytes_written += len;
	return true;
}

/*
 * Ask the kernel to drop all clean page cache. Callers ignore failure (not
 * root, say): the fadvise has to do then.
 */
static bool purge_page_cache(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	bool done;

	if (fd < 0)
		return false;
	done = write(fd, "1", 1) == 1;
	close(fd);
	return done;
}

/* Touch w->wave_bytes of anonymous memory, then give it back. */
static bool pressure_wave(struct worker *w)
{
	long page = sysconf(_SC_PAGESIZE);
	char *mem = fresh_buf(w->wave_bytes);
	size_t off;

	if (!mem)
		return fail(w, "mmap (pressure)", errno);
	for (off = 0; off < w->wave_bytes; off += page)
		mem[off] = 1;
	munmap(mem, w->wave_bytes);
	return true;
}

static bool buffered_drop(struct worker *w, uint64_t blk, uint64_t n)
{
	int err;

	if (fsync(w->fd))
		return fail(w, "fsync", errno);
	err = posix_fadvise(w->fd, blk * BLK_SIZE, n * BLK_SIZE,
			    POSIX_FADV_DONTNEED);
	if (err)
		return fail(w, "posix_fadvise", err);
	if (w->cnt->ops % DROP_EVERY == DROP_EVERY - 1)
		purge_page_cache();
	if (w->wave_bytes && w->cnt->ops % WAVE_EVERY == WAVE_EVERY - 1)
		return pressure_wave(w);
	return true;
}

/* One operation of w->mode on a random 4 KiB to 256 KiB of its part. */
static bool do_op(struct worker *w)
{
	uint64_t max = w->nblocks < MAX_IO_BLKS ? w->nblocks : MAX_IO_BLKS;
	uint64_t n = 1 + random_below(w, max);
	uint64_t blk = w->first + random_below(w, w->nblocks - n + 1);

	switch (w->mode) {
	case DIRECT_READ:
		return read_and_verify(w, blk, n);
	case DIRECT_WRITE:
		return write_next_gen(w, blk, n) && read_and_verify(w, blk, n);
	case BUFFERED:
		return write_next_gen(w, blk, n) && buffered_drop(w, blk, n) &&
		       read_and_verify(w, blk, n);
	default:
		return false;
	}
}

static void run_worker(struct worker *w)
{
	if (w->mode != DIRECT_READ) {
		w->gen = calloc(w->nblocks, sizeof(*w->gen));
		if (!w->gen) {
			fail(w, "calloc", ENOMEM);
			return;
		}
	}
	w->rng = mix64(((uint64_t)getpid() << 32) ^ now_ns()) | 1;
	while (now_ns() < w->deadline &&
	       (!w->max_ops || w->cnt->ops < (uint64_t)w->max_ops)) {
		if (!do_op(w))
			break;
		w->cnt->ops++;
	}
}

/* Reap @nr children; a child that did not exit with 0 is an error. */
static void reap(pid_t *pids, long nr, enum mode mode, struct counters *cnt)
{
	int status;
	long i;

	for (i = 0; i < nr; i++) {
		while (waitpid(pids[i], &status, 0) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: waitpid: %s\n", prog, strerror(errno));
			cnt[i].errors++;
			break;
		}
		if (WIFSIGNALED(status)) {
			fprintf(stderr, "%s: %s child %d killed by signal %d\n",
				prog, mode_name[mode], pids[i], WTERMSIG(status));
			cnt[i].errors++;
		} else if (WIFEXITED(status) && WEXITSTATUS(status)) {
			fprintf(stderr, "%s: %s child %d exited with %d\n", prog,
				mode_name[mode], pids[i], WEXITSTATUS(status));
			cnt[i].errors++;
		}
	}
}

/*
 * Run cfg->procs children of @w->mode on @w's part of the disk, each with a
 * counters slot of @cnt. Readers share the part; writers split it.
 */
static void run_phase(const struct config *cfg, struct worker *w,
		      struct counters *cnt)
{
	uint64_t per = w->nblocks / cfg->procs;
	pid_t pids[MAX_PROCS];
	long i, nr = 0;

	for (i = 0; i < cfg->procs; i++) {
		struct worker child = *w;

		child.cnt = &cnt[i];
		if (w->mode != DIRECT_READ) {
			child.first = w->first + i * per;
			child.nblocks = per;
		}
		fflush(NULL);
		pids[nr] = fork();
		if (pids[nr] < 0) {
			fprintf(stderr, "%s: fork: %s\n", prog, strerror(errno));
			cnt[i].errors++;
			continue;
		}
		if (!pids[nr]) {
			run_worker(&child);
			_exit(0);
		}
		nr++;
	}
	reap(pids, nr, w->mode, cnt);
}

static int open_device(const struct config *cfg, int flags)
{
	int fd = open(cfg->path, O_RDWR | O_CLOEXEC | flags);

	if (fd < 0) {
		fprintf(stderr, "%s: cannot open %s%s: %s\n", prog, cfg->path,
			flags & O_DIRECT ? " with O_DIRECT" : "", strerror(errno));
		exit(2);
	}
	return fd;
}

static int popcount(unsigned int x)
{
	return __builtin_popcount(x);
}

static void print_totals(const struct counters *cnt, long nr)
{
	struct counters sum = { 0 };
	long i;

	for (i = 0; i < nr; i++) {
		sum.ops += cnt[i].ops;
		sum.bytes_read += cnt[i].bytes_read;
		sum.bytes_written += cnt[i].bytes_written;
		sum.mismatches += cnt[i].mismatches;
		sum.mismatched_blocks += cnt[i].mismatched_blocks;
		sum.errors += cnt[i].errors;
	}
	printf("ops: %" PRIu64 "\n", sum.ops);
	printf("bytes read: %" PRIu64 "\n", sum.bytes_read);
	printf("bytes written: %" PRIu64 "\n", sum.bytes_written);
	printf("mismatches: %" PRIu64 "\n", sum.mismatches);
	printf("mismatched blocks: %" PRIu64 "\n", sum.mismatched_blocks);
	printf("errors: %" PRIu64 "\n", sum.errors);
}

/* 0 if every mode asked ran an op and nothing went wrong, else 1. */
static int verdict(const struct config *cfg, const struct counters *cnt)
{
	int ret = 0, m;
	long i;

	for (m = 0; m < NR_MODES; m++) {
		const struct counters *c = &cnt[m * cfg->procs];
		uint64_t ops = 0;

		if (!(cfg->modes & (1u << m)))
			continue;
		for (i = 0; i < cfg->procs; i++) {
			ops += c[i].ops;
			if (c[i].mismatches || c[i].errors)
				ret = 1;
		}
		if (!ops) {
			fprintf(stderr, "%s: %s: no operation ran\n", prog,
				mode_name[m]);
			ret = 1;
		}
	}
	return ret;
}

int main(int argc, char **argv)
{
	int dfd, bfd, err, m, nmodes, area = 0;
	size_t cnt_len;
	struct counters *cnt;
	struct config cfg;
	uint64_t nblocks, per_area, phase_ns;

	parse_args(argc, argv, &cfg);
	dfd = open_device(&cfg, O_DIRECT);
	bfd = open_device(&cfg, 0);
	nblocks = device_size(dfd, cfg.path) / BLK_SIZE;
	if (nblocks < MIN_DEV_SIZE / BLK_SIZE) {
		fprintf(stderr, "%s: %s: need a device of at least 1 MiB\n",
			prog, cfg.path);
		return 2;
	}
	nmodes = popcount(cfg.modes);
	per_area = nblocks / nmodes;
	if ((cfg.modes & ~(1u << DIRECT_READ)) && per_area / cfg.procs == 0) {
		fprintf(stderr, "%s: %s: too small for %ld writers per mode\n",
			prog, cfg.path, cfg.procs);
		return 2;
	}

	cnt_len = NR_MODES * cfg.procs * sizeof(*cnt);
	cnt = mmap(NULL, cnt_len, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (cnt == MAP_FAILED) {
		fprintf(stderr, "%s: mmap: %s\n", prog, strerror(errno));
		return 1;
	}

	err = write_initial_pattern(dfd, nblocks);
	if (err) {
		fprintf(stderr, "%s: writing the initial pattern: %s\n", prog,
			strerror(err));
		return 1;
	}

	phase_ns = cfg.seconds * 1000000000ULL / nmodes;
	for (m = 0; m < NR_MODES; m++) {
		struct worker w = {
			.mode = m,
			.fd = m == BUFFERED ? bfd : dfd,
			.first = area * per_area,
			.nblocks = per_area,
			.max_ops = cfg.max_ops,
			.wave_bytes = (cfg.pressure_mib << 20) / cfg.procs,
		};

		if (!(cfg.modes & (1u << m)))
			continue;
		w.deadline = now_ns() + phase_ns;
		run_phase(&cfg, &w, &cnt[m * cfg.procs]);
		area++;
	}

	print_totals(cnt, NR_MODES * cfg.procs);
	return verdict(&cfg, cnt);
}
