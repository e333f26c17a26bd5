# SPDX-License-Identifier: GPL-2.0
# Boot smoke test: the IOMMU probed (the SMMUv3 on arm64, VT-d or AMD-Vi on
# x86_64), and the edu DMA device sits behind it in a lazy (DMA-FQ) domain
# with iommu.strict=0, a strict (DMA) one with iommu.strict=1.
#   hq.domain=TYPE   the type expected whatever iommu.strict says (AMD-Vi
#                    under QEMU: the driver forces strict)
. /harness/lib.sh

case $(uname -m) in
x86_64) kind="VT-d or AMD-Vi unit" pattern='^(dmar|ivhd)[0-9]' ;;
*) kind=SMMUv3 pattern=smmu3 ;;
esac
iommus=$(ls /sys/class/iommu 2>/dev/null | grep -cE "$pattern")
tap_is "$iommus" 1 "one $kind registered in /sys/class/iommu"

edu=$(pci_find $EDU_VENDOR $EDU_DEVICE) || edu=
if [ -z "$edu" ]; then
	tap_fail "edu PCI device present"
	tap_done
	exit
fi
tap_ok "edu PCI device present at $edu"

# 6.1 puts a PCI device in an IOMMU group only when a driver binds to it.
if pci_bind "$edu" dma_map_benchmark; then
	tap_ok "edu bound to dma_map_benchmark"
else
	tap_fail "edu bound to dma_map_benchmark"
fi

group=$(readlink /sys/bus/pci/devices/$edu/iommu_group 2>/dev/null) || group=
if [ -n "$group" ]; then
	tap_ok "edu is in IOMMU group $(basename "$group")"
	iommu=$(basename "$(readlink /sys/bus/pci/devices/$edu/iommu)")
	tap_diag "edu is translated by $iommu"
	type=$(cat /sys/kernel/iommu_groups/$(basename "$group")/type)
else
	tap_fail "edu is in an IOMMU group"
	type=none
fi

case $(cmdline_value iommu.strict 0) in
0) want=DMA-FQ ;;
*) want=DMA ;;
esac
forced=$(cmdline_value hq.domain "")
if [ -n "$forced" ]; then
	tap_diag "$(dmesg | grep -m1 'strict mode due to' | sed 's/^\[[^]]*\] //')"
	want=$forced
fi
tap_is "$type" "$want" "edu's domain type is $want with iommu.strict=$(cmdline_value iommu.strict 0)"
tap_done
