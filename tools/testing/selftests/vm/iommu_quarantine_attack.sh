#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run iommu_quarantine_attack with what it needs: QEMU's edu PCI device
# (1234:11e8, "-device edu") behind an IOMMU, bound to the
# test_iommu_quarantine driver (CONFIG_TEST_IOMMU_QUARANTINE), which makes
# /dev/test_iommu_quarantine. An edu with no driver is bound to it here; if
# something is missing, say what and exit 4 (skip). Arguments and the
# environment are passed on to the test.

ksft_skip=4
driver=test_iommu_quarantine
here=$(dirname "$0")

skip() {
	echo "iommu_quarantine_attack: SKIP: $*"
	exit $ksft_skip
}

find_edu() {
	for dev in /sys/bus/pci/devices/*; do
		if [ "$(cat "$dev/vendor" 2>/dev/null)" = 0x1234 ] &&
		   [ "$(cat "$dev/device" 2>/dev/null)" = 0x11e8 ]; then
			echo "$dev"
			return 0
		fi
	done
	return 1
}

if [ ! -c /dev/$driver ]; then
	edu=$(find_edu) ||
		skip "needs QEMU's edu PCI device (1234:11e8, -device edu) behind an IOMMU"
	name=$(basename "$edu")
	if [ ! -d /sys/bus/pci/drivers/$driver ]; then
		modprobe -q $driver 2>/dev/null
		[ -d /sys/bus/pci/drivers/$driver ] ||
			skip "needs the $driver driver (CONFIG_TEST_IOMMU_QUARANTINE=m or y)"
	fi
	if [ -e "$edu/driver" ]; then
		bound=$(basename "$(readlink "$edu/driver")")
		unbind=/sys/bus/pci/drivers/$bound/unbind
		[ "$bound" = $driver ] ||
			skip "edu ($name) is bound to $bound: unbind it" \
			     "(echo $name > $unbind) and this test binds it to $driver"
	else
		# As root: edu has no driver, so ours may take it.
		echo $driver 2>/dev/null >"$edu/driver_override" &&
			echo "$name" 2>/dev/null >/sys/bus/pci/drivers_probe
		[ -e "$edu/driver" ] ||
			skip "could not bind edu ($name) to $driver; as root:" \
			     "echo $driver > $edu/driver_override;" \
			     "echo $name > /sys/bus/pci/drivers_probe"
	fi
	# devtmpfs makes the node when the driver registers it.
	tries=10
	while [ ! -c /dev/$driver ] && [ $tries -gt 0 ]; do
		sleep 1
		tries=$((tries - 1))
	done
	[ -c /dev/$driver ] ||
		skip "edu ($name) is bound to $driver but there is no" \
		     "/dev/$driver (is devtmpfs mounted?)"
fi
exec "$here/iommu_quarantine_attack" "$@"
