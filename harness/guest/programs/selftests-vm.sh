# SPDX-License-Identifier: GPL-2.0
# Sourced by harness/initramfs: the selftests of tools/testing/selftests/vm/
# that the guest runs (iommu_quarantine_attack by tests/attack.sh, _bench by
# tests/bench.sh, _soak by tests/soak.sh), built by that directory's own
# Makefile so that its entries for them are exercised too. Static, for a
# guest without a C library; the UAPI headers come from "make headers".
vm_out=$HQ_BUILD/selftests-vm-${HQ_OBJ_NAME:-$flavour}
rm -rf "$vm_out"
mkdir -p "$vm_out"
for prog in iommu_quarantine_attack iommu_quarantine_bench iommu_quarantine_soak; do
	make -s -C "$HQ_SRC/tools/testing/selftests/vm" ARCH=$HQ_ARCH MACHINE=$HQ_ARCH \
		CROSS_COMPILE=$HQ_CROSS CC="ccache ${HQ_CROSS}gcc" OUTPUT="$vm_out" \
		KHDR_INCLUDES="-isystem $uapi" EXTRA_CFLAGS="-static -O2 -Werror" \
		"$vm_out/$prog" || hq_die "building selftests/vm/$prog failed"
	cp "$vm_out/$prog" "$root/harness/bin/$prog"
done
