// SPDX-License-Identifier: GPL-2.0
/*
 * iommu_quarantine_free_mapped [N]: have lib/test_iommu_quarantine.c map a
 * page for edu, let the device read it, unmap it and free it, N times
 * (default 1), without the device write of the attack. In lazy mode each
 * page is freed before its IOTLB flush, so the quarantine holds it until
 * the flush completes (or, if the flush fails, until one succeeds). Guest
 * tests use it to leave a known number of held pages.
 *
 * Exits 0 on success, 1 on a failed ioctl, 2 on bad usage, 4 without the
 * test driver.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/test_iommu_quarantine.h>

#define DEVICE_PATH	"/dev/test_iommu_quarantine"

int main(int argc, char **argv)
{
	struct test_iommu_quarantine_attack attack;
	long count = 1, i;
	char *end = "";
	int fd;

	if (argc == 2)
		count = strtol(argv[1], &end, 10);
	if (argc > 2 || count < 1 || count > 4096 || *end) {
		fprintf(stderr, "usage: %s [COUNT (1 to 4096)]\n", argv[0]);
		return 2;
	}
	fd = open(DEVICE_PATH, O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "%s: %s\n", DEVICE_PATH, strerror(errno));
		return errno == ENOENT ? 4 : 1;
	}
	for (i = 0; i < count; i++) {
		memset(&attack, 0, sizeof(attack));
		attack.flags = TEST_IOMMU_QUARANTINE_ATTACK_NO_DMA;
		attack.victim_pages = 1;
		attack.device_pattern = 0xa5;
		attack.victim_pattern = 0x5a;
		if (ioctl(fd, TEST_IOMMU_QUARANTINE_ATTACK, &attack)) {
			fprintf(stderr, "attempt %ld: %s\n", i + 1, strerror(errno));
			close(fd);
			return 1;
		}
	}
	close(fd);
	return 0;
}
