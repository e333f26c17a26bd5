# SPDX-License-Identifier: GPL-2.0
# Sourced by harness/initramfs: checked TCP and UDP traffic both ways
# between the guest's two virtio-net NICs (one moved into its own network
# namespace, IPv6 link-local only), used by tests/drivers.sh.
build_prog dma_net_load -Werror \
	"$HQ_HARNESS/guest/programs/dma_net_load.c"
