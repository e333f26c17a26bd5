# SPDX-License-Identifier: GPL-2.0
# Sourced by harness/initramfs: the DMA use-after-free attack selftest,
# run in the guest by tests/attack.sh. Its UAPI header
# (linux/test_iommu_quarantine.h) comes from the kernel's "make headers".
build_prog iommu_quarantine_attack -Werror -I"$HQ_SRC/tools/testing/selftests" \
	"$HQ_SRC/tools/testing/selftests/mm/iommu_quarantine_attack.c"
