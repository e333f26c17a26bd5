# SPDX-License-Identifier: GPL-2.0
# Sourced by harness/initramfs: the map/unmap/free benchmark's user side,
# run in the guest by tests/bench.sh.
build_prog iommu_quarantine_bench -Werror \
	"$HQ_SRC/tools/testing/selftests/mm/iommu_quarantine_bench.c"
