# SPDX-License-Identifier: GPL-2.0
# Leave a known state in guest memory, say what it is, and ask the host for
# a memory dump (HQ-DUMP); the host reads it back with drgn.
. /harness/lib.sh

name=hq-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
hostname "$name"
tap_is "$(hostname)" "$name" "hostname set to a fresh random value"
echo "hostname=$name"
echo "release=$(uname -r)"
sync
tap_done
echo "HQ-DUMP"
# The host dumps memory with the VM paused, then ends the boot.
sleep 600
