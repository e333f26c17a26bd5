# SPDX-License-Identifier: GPL-2.0
#
# QEMU "virt" with an SMMUv3 in front of its PCI bus and QEMU's "edu" PCI
# DMA device behind it, in lazy (non-strict) IOMMU mode: the machine the
# IOMMU page quarantine's DMA KUnit suite needs.

from ..qemu_config import QemuArchParams

QEMU_ARCH = QemuArchParams(linux_arch='arm64',
			   kconfig='''
CONFIG_SERIAL_AMBA_PL011=y
CONFIG_SERIAL_AMBA_PL011_CONSOLE=y
CONFIG_PCI=y
CONFIG_PCI_HOST_GENERIC=y
CONFIG_IOMMU_SUPPORT=y
CONFIG_ARM_SMMU_V3=y''',
			   qemu_arch='aarch64',
			   kernel_path='arch/arm64/boot/Image.gz',
			   kernel_command_line='console=ttyAMA0 iommu.strict=0 hugepages=2',
			   extra_qemu_params=['-machine', 'virt,iommu=smmuv3',
					      '-cpu', 'cortex-a57', '-smp', '2',
					      '-device', 'edu'])
