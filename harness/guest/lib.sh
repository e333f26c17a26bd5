# SPDX-License-Identifier: GPL-2.0
# TAP helpers for guest tests (busybox sh). Source, then call tap_* and
# finish with tap_done.

tap_n=0
tap_failed=0
echo "TAP version 13"

tap_ok()   { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
tap_fail() { tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1)); echo "not ok $tap_n - $*"; }
tap_skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1 # SKIP $2"; }
tap_diag() { echo "# $*"; }

# tap_is GOT WANT DESCRIPTION
tap_is() {
	if [ "$1" = "$2" ]; then
		tap_ok "$3"
	else
		tap_diag "got '$1', want '$2'"
		tap_fail "$3"
	fi
}

tap_done() {
	echo "1..$tap_n"
	[ $tap_failed -eq 0 ]
}

# The kernel command line value of a parameter, or $2 when absent.
cmdline_value() {
	local arg
	for arg in $(cat /proc/cmdline); do
		case $arg in
		"$1"=*) echo "${arg#*=}"; return ;;
		esac
	done
	echo "$2"
}

# The sysfs name of the first PCI device with vendor $1 and device $2.
pci_find() {
	local d
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor")" = "$1" ] && [ "$(cat "$d/device")" = "$2" ] &&
			{ basename "$d"; return 0; }
	done
	return 1
}

# Bind PCI device $1 to driver $2 through driver_override.
pci_bind() {
	local dev=/sys/bus/pci/devices/$1
	if [ -e "$dev/driver" ]; then
		[ "$(basename "$(readlink "$dev/driver")")" = "$2" ] && return 0
		echo "$1" >"$dev/driver/unbind"
	fi
	echo "$2" >"$dev/driver_override"
	echo "$1" >/sys/bus/pci/drivers_probe
	[ "$(basename "$(readlink "$dev/driver" 2>/dev/null)")" = "$2" ]
}

EDU_VENDOR=0x1234
EDU_DEVICE=0x11e8

# The quarantine's debugfs directory, and the value of one line of its stats.
QUARANTINE_DIR=/sys/kernel/debug/iommu_quarantine
quarantine_stat() {
	sed -n "s/^$1: //p" $QUARANTINE_DIR/stats
}

# wait_stat NAME VALUE: wait up to 10 s for the stats line NAME to read VALUE.
wait_stat() {
	local i=0
	while [ "$(quarantine_stat "$1")" != "$2" ]; do
		i=$((i + 1))
		[ $i -le 100 ] || return 1
		usleep 100000
	done
}

# Bind edu to the quarantine's test driver (lib/test_iommu_quarantine.c);
# prints edu's PCI name. Fails without edu or without the driver.
edu_bind_test_driver() {
	local edu
	edu=$(pci_find $EDU_VENDOR $EDU_DEVICE) || return 1
	[ -d /sys/bus/pci/drivers/test_iommu_quarantine ] ||
		modprobe test_iommu_quarantine 2>/dev/null || return 1
	pci_bind "$edu" test_iommu_quarantine || return 1
	echo "$edu"
}

# The IOMMU driver's fault-injection directory for invalidations that do
# not complete (CONFIG_FAIL_ARM_SMMU_V3_INVALIDATION on arm64,
# CONFIG_FAIL_INTEL_IOMMU_INVALIDATION or _AMD_ on x86_64); empty if none.
inject_dir() {
	local d
	for d in fail_arm_smmu_v3_invalidation fail_intel_iommu_invalidation \
		fail_amd_iommu_invalidation; do
		[ -d /sys/kernel/debug/$d ] && echo /sys/kernel/debug/$d && return
	done
	true
}

# Make every IOMMU invalidation report failure (on) or none (off).
fail_invalidations() {
	local d p=0
	d=$(inject_dir)
	[ "$1" = on ] && p=100
	[ -n "$d" ] && echo 0 >$d/verbose && echo 1 >$d/interval && echo -1 >$d/times &&
		echo $p >$d/probability
}

# IOMMU fault records so far: the drivers' own counts (arm-smmu-v3's
# "unhandled_events", VT-d's "faults"), which, unlike their logs, are not
# rate-limited (records an IOMMU drops on a queue overflow are missed by
# both). Every record counts, of any device: the suites' guests have one
# device that DMAs through the IOMMU while they count. AMD-Vi has no
# count: its IO_PAGE_FAULT log lines are counted.
iommu_faults() {
	local f v n=0 counted=
	for f in /sys/class/iommu/*/arm-smmu-v3/unhandled_events \
		 /sys/class/iommu/*/intel-iommu/faults; do
		[ -r "$f" ] || continue
		v=$(cat "$f")
		n=$((n + ${v:-0}))
		counted=1
	done
	if [ -n "$counted" ]; then
		echo $n
	else
		dmesg | grep -c 'Event logged \[IO_PAGE_FAULT'
	fi
}

# The lazy flush timeout (dma_iommu.fq_timeout_ms, test-only knob).
FQ_TIMEOUT=/sys/module/dma_iommu/parameters/fq_timeout_ms

# virtio_domain_of SYSFS_DEVICE: the IOMMU domain type of the PCI device
# above a virtio device ("none" if it has no IOMMU group).
virtio_domain_of() {
	cat "$(readlink -f "$1/..")/iommu_group/type" 2>/dev/null || echo none
}

# The network interfaces virtio_net drives, space-separated, in sysfs order.
virtio_net_ifaces() {
	local d ifaces=
	for d in /sys/class/net/*; do
		[ -e "$d/device/driver" ] || continue
		[ "$(basename "$(readlink "$d/device/driver")")" = virtio_net ] &&
			ifaces="$ifaces $(basename "$d")"
	done
	echo $ifaces
}
