# SPDX-License-Identifier: GPL-2.0
# Sourced by harness/initramfs: a helper that leaves pages in quarantine
# (map, device read, unmap, free through the test driver), used by
# tests/vmcore.sh and tests/trace.sh.
build_prog iommu_quarantine_free_mapped -Werror \
	"$HQ_HARNESS/guest/programs/iommu_quarantine_free_mapped.c"
