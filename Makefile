# SPDX-License-Identifier: GPL-2.0
#
# Entry points; the work is done by the scripts in harness/.
#
#   make demo            build, boot, show the IOMMU and the quarantine at work
#   make check           build and run every test suite; ends "N passed, N failed"
#   make bench           benchmarks: strict, lazy, lazy+quarantine side by side,
#                        the targets' verdicts and a function profile
#   make bench-x86       the same on x86_64 (q35, VT-d)
#   make soak            the soak test for SOAK_SECONDS (default 600) of load
#   make tree            prepare build/linux (Linux 6.1 + patches/ + our files)
#   make kernel          build the test kernel (FLAVOUR=bench for the other)
#   make qemu-shell      boot the test kernel to a shell on the serial console
#   make refresh-patches fold edits to upstream files in build/linux into patches/
#   make series          the patch series for the mailing list in build/series/, checked
#   make kunit           upstream's kunit.py runs our KUnit suites (arm64 virt, SMMUv3, edu)
#   make apply-to LINUX_TREE=DIR  apply the series to your own Linux 6.1 git tree
#   make clean           remove build/ (the ccache stays)

FLAVOUR ?= test

.PHONY: demo check bench bench-x86 soak tree kernel initramfs qemu-shell refresh-patches clean series \
	kunit apply-to

demo:
	harness/demo

check:
	harness/check

bench:
	harness/bench

bench-x86:
	harness/bench --arch x86_64

soak:
	SOAK_SECONDS=$(SOAK_SECONDS) harness/check --only soak-long --only drivers-soak-long

tree:
	harness/tree

kunit: tree
	harness/check --only kunit-py

apply-to:
	harness/apply-to $(LINUX_TREE)

kernel:
	harness/kernel $(FLAVOUR)

initramfs: kernel
	harness/initramfs $(FLAVOUR)

qemu-shell: initramfs
	harness/boot --kernel $(FLAVOUR) --shell --append "$(APPEND)"

refresh-patches:
	harness/refresh-patches

series:
	harness/series

clean:
	rm -rf build
