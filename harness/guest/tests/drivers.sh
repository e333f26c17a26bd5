# SPDX-License-Identifier: GPL-2.0
# Real drivers' DMA through the SMMUv3: virtio-blk and two virtio-net NICs
# (modern virtio-pci, iommu_platform=on) that QEMU joins through a hub.
# The block load reads into fresh anonymous buffers with O_DIRECT and
# munmap()s them (release_pages() -> free_unref_page_list()), writes and
# reads back, and goes through the page cache under memory pressure; the
# network load sends TCP and UDP both ways between the NICs, one of them in
# a network namespace of its own, so that every packet crosses the devices.
# Every byte is checked. With the quarantine on, the drivers' pages must
# have been tagged and released, and nothing held once the load stops.
#
# hq.drivers_seconds=N: seconds of each load (default 20).
# hq.drivers_stress=1: run both loads at once, with CPU 1 going offline and
# online every 2 s and, in lazy mode, 2 s windows in which a quarter of the
# SMMUv3's invalidations fail (the soak's stresses); every byte must still
# match, and a forced flush must then release everything held, stale or not.
. /harness/lib.sh

seconds=$(cmdline_value hq.drivers_seconds 20)
stress=$(cmdline_value hq.drivers_stress 0)
cpu1=/sys/devices/system/cpu/cpu1/online
blk=/harness/bin/dma_blk_load
net=/harness/bin/dma_net_load

want=DMA-FQ
[ "$(cmdline_value iommu.strict 0)" = 0 ] || want=DMA
quarantine=on
[ -d $QUARANTINE_DIR ] || quarantine=absent
case $(cmdline_value iommu_quarantine 1) in
0 | off | n | N) quarantine=off ;;
esac
tap_diag "iommu.strict=$(cmdline_value iommu.strict 0) quarantine=$quarantine load=${seconds}s"

# stats_line LABEL: the quarantine's counters that the load moves.
stats_line() {
	[ $quarantine = on ] || return 0
	tap_diag "$1: tagged $(quarantine_stat 'pages tagged') held $(quarantine_stat 'pages held now') released $(quarantine_stat 'pages released') passed $(quarantine_stat 'tagged pages freed when already safe') in-place reuses refused $(quarantine_stat 'in-place reuses refused') shared $(quarantine_stat 'pages tagged by several domains')"
}

# start_load NAME PROGRAM ARGS...: start a load in the background; its
# output goes to /tmp/NAME.out and .err, its pid to /tmp/NAME.pid.
start_load() {
	local name=$1
	shift
	"$@" >/tmp/$name.out 2>/tmp/$name.err &
	echo $! >/tmp/$name.pid
}

# end_load NAME: wait for a load, show its output; pass if it exited 0.
end_load() {
	local name=$1 rc=0
	wait "$(cat /tmp/$name.pid)" || rc=$?
	sed 's/^/# /' /tmp/$name.out /tmp/$name.err
	if [ $rc -eq 0 ]; then
		tap_ok "$name: every byte checked, no mismatch"
	else
		tap_fail "$name: exited with status $rc"
	fi
}

uptime_s() { cut -d. -f1 /proc/uptime; }

# Offline and online CPU 1 every 2 s for $1 seconds; prints the cycles.
hotplug_loop() {
	local end=$(($(uptime_s) + $1)) cycles=0 errors=0
	while [ "$(uptime_s)" -lt $end ]; do
		sleep 1
		if echo 0 >$cpu1; then cycles=$((cycles + 1)); else errors=$((errors + 1)); fi
		sleep 1
		echo 1 >$cpu1 || errors=$((errors + 1))
	done
	[ "$(cat $cpu1)" = 1 ] || echo 1 >$cpu1 || errors=$((errors + 1))
	echo "cycles=$cycles errors=$errors"
}

# 2 s windows in which 25% of the invalidations fail, for $1 seconds.
inject_loop() {
	local d end windows=0
	d=$(inject_dir)
	end=$(($(uptime_s) + $1))
	echo 0 >$d/verbose && echo 1 >$d/interval && echo -1 >$d/times || return 1
	while [ "$(uptime_s)" -lt $((end - 2)) ]; do
		sleep 2
		echo 25 >$d/probability
		windows=$((windows + 1))
		sleep 2
		echo 0 >$d/probability
	done
	echo "windows=$windows"
}

blk_ok= net_ok=
if [ ! -b /dev/vda ]; then
	tap_fail "virtio-blk disk /dev/vda present"
else
	tap_ok "virtio-blk disk /dev/vda present"
	tap_is "$(virtio_domain_of /sys/block/vda/device)" $want "virtio-blk's IOMMU domain is $want"
	blk_ok=1
fi
ifaces=" $(virtio_net_ifaces)"
# shellcheck disable=SC2086
set -- $ifaces
if [ $# -ne 2 ]; then
	tap_fail "two virtio-net NICs present (found:$ifaces)"
else
	tap_ok "two virtio-net NICs present: $1 $2"
	tap_is "$(virtio_domain_of /sys/class/net/$1/device)" $want "virtio-net's IOMMU domain is $want"
	net_ok=1
fi

tagged_before=$(quarantine_stat 'pages tagged' 2>/dev/null)
stats_line "before the load"
if [ "$stress" = 1 ]; then
	tap_diag "both loads at once for ${seconds}s, with CPU hotplug and failing invalidations"
	[ -n "$blk_ok" ] && start_load blk $blk -p 2 -t "$seconds" -M 64 /dev/vda
	# shellcheck disable=SC2086
	[ -n "$net_ok" ] && start_load net $net -t "$seconds" $ifaces
	hotplug_loop "$seconds" >/tmp/hotplug &
	hotplug=$!
	inject=
	if [ $quarantine = on ] && [ "$want" = DMA-FQ ] &&
	   [ -n "$(inject_dir)" ]; then
		inject_loop "$seconds" >/tmp/inject &
		inject=$!
	fi
	[ -n "$blk_ok" ] && end_load blk
	[ -n "$net_ok" ] && end_load net
	wait $hotplug
	case $(cat /tmp/hotplug) in
	cycles=0\ * | *errors=[1-9]*)
		tap_fail "CPU 1 went offline and online during the load ($(cat /tmp/hotplug))" ;;
	*) tap_ok "CPU 1 went offline and online during the load ($(cat /tmp/hotplug))" ;;
	esac
	if [ -n "$inject" ]; then
		wait $inject
		fail_invalidations off
		tap_diag "failing invalidations: $(cat /tmp/inject); failed so far $(quarantine_stat 'failed invalidations'), stale now $(quarantine_stat 'stale pages held now')"
		# A forced invalidation (the shrinker) releases what stayed stale.
		echo 2 >/proc/sys/vm/drop_caches
	fi
else
	if [ -n "$blk_ok" ]; then
		start_load blk $blk -p 4 -t "$seconds" -M 128 /dev/vda
		end_load blk
		stats_line "after the block load"
	fi
	if [ -n "$net_ok" ]; then
		# shellcheck disable=SC2086
		start_load net $net -t "$seconds" $ifaces
		end_load net
	fi
fi
stats_line "after the load"
if [ $quarantine = on ] && [ "$want" = DMA-FQ ]; then
	tagged=$(quarantine_stat 'pages tagged')
	if [ "$tagged" -gt "${tagged_before:-0}" ]; then
		tap_ok "the drivers' unmapped pages were tagged ($((tagged - tagged_before)))"
	else
		tap_fail "the drivers' unmapped pages were tagged"
	fi
fi

# Once the load stops, the next flushes release everything it left held.
if [ $quarantine = on ] && [ "$want" = DMA-FQ ]; then
	if wait_stat 'pages held now' 0; then
		tap_ok "nothing held once the load stopped"
	else
		tap_fail "nothing held once the load stopped ($(quarantine_stat 'pages held now') held)"
		sed 's/^/# /' $QUARANTINE_DIR/stats
		head -n 20 $QUARANTINE_DIR/held | sed 's/^/# /'
	fi
	released=$(quarantine_stat 'pages released')
	if [ "${released:-0}" -gt 0 ]; then
		tap_ok "the quarantine held and released the drivers' pages ($released released)"
	else
		tap_fail "the quarantine held and released the drivers' pages"
	fi
	stats_line "at the end"
fi
tap_done
