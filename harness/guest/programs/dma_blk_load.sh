# SPDX-License-Identifier: GPL-2.0
# Sourced by harness/initramfs: a checked DMA load on a virtio-blk disk
# (O_DIRECT reads and writes into fresh anonymous buffers, and page cache
# I/O), for guest tests that drive block I/O through the quarantine.
build_prog dma_blk_load -Werror \
	"$HQ_HARNESS/guest/programs/dma_blk_load.c"
