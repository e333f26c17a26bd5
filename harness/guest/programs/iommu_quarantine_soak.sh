# SPDX-License-Identifier: GPL-2.0
# Sourced by harness/initramfs: the soak test's load generators and
# malformed-ioctl checks, run in the guest by tests/soak.sh.
build_prog iommu_quarantine_soak -Werror \
	"$HQ_SRC/tools/testing/selftests/mm/iommu_quarantine_soak.c"
