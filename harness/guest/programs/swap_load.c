// SPDX-License-Identifier: GPL-2.0
/*
 * swap_load MIB [PASSES]: push anonymous memory out to swap and back,
 * checking every word.
 *
 * Maps MIB MiB of private anonymous memory and fills each 4 KiB page with
 * words that are a function of (page, word, pass). Each further pass (2 in
 * all by default), in the other direction, checks every page against the
 * previous pass and rewrites it for this one. Asked for more memory than
 * is free, the kernel swaps pages out while we fill and in again while we
 * check, so every page that went to swap made a round trip through the
 * swap device's DMA.
 *
 * Prints the pages checked and mismatched; exits 0 if nothing mismatched,
 * 1 otherwise, 2 on bad usage or if the memory cannot be mapped.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#define PAGE_BYTES 4096
#define WORDS (PAGE_BYTES / sizeof(uint64_t))

static uint64_t pattern(uint64_t page, uint64_t word, uint64_t pass)
{
	uint64_t x = (page << 20) ^ (word << 8) ^ pass ^ 0x9e3779b97f4a7c15ull;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 29;
	return x;
}

int main(int argc, char **argv)
{
	unsigned long mib, passes = 2, pages, i, pass, checked = 0, bad = 0;
	uint64_t *mem;
	char *end;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: swap_load MIB [PASSES]\n");
		return 2;
	}
	mib = strtoul(argv[1], &end, 10);
	if (*end || !mib || mib > 65536) {
		fprintf(stderr, "swap_load: MIB must be 1 to 65536\n");
		return 2;
	}
	if (argc == 3) {
		passes = strtoul(argv[2], &end, 10);
		if (*end || passes < 2 || passes > 100) {
			fprintf(stderr, "swap_load: PASSES must be 2 to 100\n");
			return 2;
		}
	}
	pages = mib * (1024 * 1024 / PAGE_BYTES);
	mem = mmap(NULL, pages * PAGE_BYTES, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("swap_load: mmap");
		return 2;
	}
	for (pass = 0; pass < passes; pass++) {
		for (i = 0; i < pages; i++) {
			/* Every other pass backwards: the pages touched last
			 * are still in memory and the ones swapped out come
			 * last, so a pass moves about the excess, not all.
			 */
			unsigned long page = pass % 2 ? pages - 1 - i : i;
			uint64_t *p = mem + page * WORDS;
			unsigned long w, wrong = 0;

			for (w = 0; pass && w < WORDS; w++)
				wrong += p[w] != pattern(page, w, pass - 1);
			if (pass)
				checked++;
			if (wrong && bad++ < 10)
				fprintf(stderr, "swap_load: pass %lu: page %lu: %lu bad words\n",
					pass, page, wrong);
			for (w = 0; w < WORDS; w++)
				p[w] = pattern(page, w, pass);
		}
	}
	printf("pages checked: %lu\npages mismatched: %lu\n", checked, bad);
	return bad ? 1 : 0;
}
