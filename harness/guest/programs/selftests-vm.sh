# SPDX-License-Identifier: GPL-2.0
# Sourced by harness/initramfs: the selftests of tools/testing/selftests/vm/
# that the guest runs (iommu_quarantine_attack by tests/attack.sh, _bench by
# tests/bench.sh, _soak by tests/soak.sh), built by that directory's own
# Makefile so that its entries for them are exercised too. Static, for a
# guest without a C library; the UAPI headers come from "make headers".
#
# For the arm64 test kernel, also upstream's own programs that
# tests/vmtests.sh runs, in /harness/vm with the scripts they need. Four of
# them link libcap or libnuma: Debian's static libraries for the guest's
# architecture (libcap-dev, libnuma-dev) are unpacked into build/, as
# busybox is, without installing them.
vm_out=$HQ_BUILD/selftests-vm-${HQ_OBJ_NAME:-$flavour}
vm_src=$HQ_SRC/tools/testing/selftests/vm
rm -rf "$vm_out"
mkdir -p "$vm_out"
# vm_make CFLAGS TARGET: build one program of the directory.
vm_make() {
	make -s -C "$vm_src" ARCH=$HQ_ARCH MACHINE=$HQ_ARCH \
		CROSS_COMPILE=$HQ_CROSS CC="ccache ${HQ_CROSS}gcc" OUTPUT="$vm_out" \
		KHDR_INCLUDES="-isystem $uapi" EXTRA_CFLAGS="$1" \
		"$vm_out/$2" || hq_die "building selftests/vm/$2 failed"
}
for prog in iommu_quarantine_attack iommu_quarantine_bench iommu_quarantine_soak; do
	vm_make "-static -O2 -Werror" $prog
	cp "$vm_out/$prog" "$root/harness/bin/$prog"
done

if [ "$flavour" = test ] && [ "$HQ_ARCH" = arm64 ]; then
	sysroot=$HQ_BUILD/sysroot-$HQ_DEB_ARCH
	if [ ! -f "$sysroot/.complete" ]; then
		hq_log "fetching Debian's libcap-dev and libnuma-dev for $HQ_DEB_ARCH"
		[ -n "$hq_apt_updated" ] || DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null ||
			hq_die "apt-get update failed"
		dl=$(mktemp -d)
		chmod 777 "$dl"
		(cd "$dl" && apt-get download -q "libcap-dev:$HQ_DEB_ARCH" \
			"libnuma-dev:$HQ_DEB_ARCH" >/dev/null 2>&1) ||
			hq_die "apt-get download libcap-dev:$HQ_DEB_ARCH libnuma-dev:$HQ_DEB_ARCH failed"
		rm -rf "$sysroot"
		for deb in "$dl"/*.deb; do
			dpkg-deb -x "$deb" "$sysroot"
		done
		rm -rf "$dl"
		touch "$sysroot/.complete"
	fi
	vm_flags="-static -O2 -I$sysroot/usr/include -L$sysroot/usr/lib/aarch64-linux-gnu"
	mkdir -p "$root/harness/vm"
	for prog in hugepage-mmap hugepage-shm map_hugetlb hugepage-mremap \
		hugepage-vmemmap hugetlb-madvise map_fixed_noreplace gup_test \
		userfaultfd compaction_test on-fault-limit map_populate \
		mlock-random-test mlock2-tests mrelease_test mremap_test thuge-gen \
		mremap_dontunmap madv_populate memfd_secret ksm_tests soft-dirty \
		split_huge_page_test migration iommu_quarantine_attack; do
		flags=$vm_flags
		# 6.1's mrelease_test uses __NR_process_mrelease without
		# <sys/syscall.h>, falls back to -1 and always skips.
		[ $prog != mrelease_test ] || flags="$flags -include sys/syscall.h"
		[ -e "$vm_out/$prog" ] || vm_make "$flags" $prog
		# Stripped: every boot of this initramfs unpacks them.
		${HQ_CROSS}strip -o "$root/harness/vm/$prog" "$vm_out/$prog"
	done
	cp "$vm_src/iommu_quarantine_attack.sh" "$vm_src/run_vmtests.sh" "$root/harness/vm/"
fi
