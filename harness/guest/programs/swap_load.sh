# SPDX-License-Identifier: GPL-2.0
# Sourced by harness/initramfs: anonymous memory pushed out to swap and
# back, every word checked (tests/vmtests.sh, swap on virtio-blk).
build_prog swap_load -Werror "$HQ_HARNESS/guest/programs/swap_load.c"
