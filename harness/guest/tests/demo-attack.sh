# SPDX-License-Identifier: GPL-2.0
# The main job's attack run: 30 attempts of the DMA use-after-free through a
# stale IOTLB entry, then the quarantine's own counters.
. /harness/lib.sh

edu=$(pci_find $EDU_VENDOR $EDU_DEVICE) || { tap_fail "edu present"; tap_done; exit; }
pci_bind "$edu" test_iommu_quarantine || { tap_fail "bind edu to test_iommu_quarantine"; tap_done; exit; }
faults=$(iommu_faults)
IOMMU_QUARANTINE_TESTS=use_after_free /harness/bin/iommu_quarantine_attack >/tmp/out 2>&1
rc=$?
grep -o 'attack: mode=.*' /tmp/out
echo "iommu_faults=$(($(iommu_faults) - faults))"
if [ -r /sys/kernel/debug/iommu_quarantine/stats ]; then
	sleep 2	# one flush interval (1 s during the attack) and a margin
	sed -n 's/^\(pages tagged\|pages held now\|pages released\|bytes held peak\|hold time total ms\|hold time max ms\): \(.*\)/\1=\2/p' \
		/sys/kernel/debug/iommu_quarantine/stats | tr ' ' '_'
fi
[ $rc -eq 0 ] && tap_ok "attack run as expected for this mode" || { cat /tmp/out; tap_fail "attack run"; }
tap_done
