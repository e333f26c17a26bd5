# SPDX-License-Identifier: GPL-2.0
# The main job's guest side: show the SMMUv3 translating for the edu DMA
# device, the domain type the kernel chose, and what lazy mode buys.
. /harness/lib.sh

strict=$(cmdline_value iommu.strict 0)
echo "# kernel $(uname -r), iommu.strict=$strict"
dmesg | grep -E 'arm-smmu-v3|iommu:' | sed 's/^/#   /'

edu=$(pci_find $EDU_VENDOR $EDU_DEVICE) || { tap_fail "edu present"; tap_done; exit; }
pci_bind "$edu" dma_map_benchmark || { tap_fail "bind edu"; tap_done; exit; }
group=$(basename "$(readlink /sys/bus/pci/devices/$edu/iommu_group)")
echo "# edu ($edu) is in IOMMU group $group, domain type $(cat /sys/kernel/iommu_groups/$group/type)"
tap_ok "edu is behind the SMMUv3"

# Upstream's dma_map_benchmark: map+unmap latency through this domain.
# edu can address 28 bits; one thread, then two, 2 seconds each.
for threads in 1 2; do
	/harness/bin/dma_map_benchmark -t $threads -s 2 -b 28 -g 1 -d 0 >/tmp/bench 2>&1
	rc=$?
	sed -n 's/^\(average\|standard\).*/&/p' /tmp/bench | sed "s/^/#   $threads thread(s): /"
	[ $rc -eq 0 ] && tap_ok "dma_map_benchmark, $threads thread(s)" ||
		{ cat /tmp/bench; tap_fail "dma_map_benchmark, $threads thread(s)"; }
done
tap_done
