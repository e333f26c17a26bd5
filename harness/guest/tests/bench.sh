# SPDX-License-Identifier: GPL-2.0
# Benchmarks, in whatever IOMMU mode this boot runs: the map, unmap, free
# cycle and the page allocator's alloc/free (lib/test_iommu_quarantine.c
# through /harness/bin/iommu_quarantine_bench), then upstream's
# dma_map_benchmark. Prints "bench ..." lines that harness/bench.py reads,
# and TAP lines that check each run produced sane numbers.
#   hq.bench_ms=N     milliseconds per run (default 200: the smoke variant)
#   hq.bench_reps=N   runs per configuration (default 1)
#   hq.bench_sample=1 print held-page samples for the sampled configuration
. /harness/lib.sh

prog=/harness/bin/iommu_quarantine_bench
driver=test_iommu_quarantine
ms=$(cmdline_value hq.bench_ms 200)
reps=$(cmdline_value hq.bench_reps 1)
sample=$(cmdline_value hq.bench_sample 0)

edu=$(pci_find $EDU_VENDOR $EDU_DEVICE) || edu=
if [ -z "$edu" ] || [ ! -x $prog ] || [ ! -d /sys/bus/pci/drivers/$driver ]; then
	tap_fail "edu, $prog and the $driver driver are present"
	tap_done
	exit
fi
if ! pci_bind "$edu" $driver; then
	tap_fail "edu bound to $driver"
	tap_done
	exit
fi

type=$(cat /sys/bus/pci/devices/$edu/iommu_group/type 2>/dev/null)
stats=/sys/kernel/debug/iommu_quarantine/stats
case $type in
DMA) mode=strict ;;
DMA-FQ) [ -r $stats ] && mode=lazy+quarantine || mode=lazy ;;
*) mode=unknown ;;
esac
if [ -r $stats ]; then
	quarantine=on
elif grep -q '^nr_iommu_quarantined ' /proc/vmstat; then
	quarantine=off
else
	quarantine=absent
fi
# A domain registered with the quarantine turns its static key on: idle
# means none.
domains=$(grep -c '^domain ' $stats 2>/dev/null) || domains=0
echo "bench mode=$mode type=$type quarantine=$quarantine quarantine_domains=$domains ms=$ms reps=$reps"
if [ "$type" = DMA ] || [ "$type" = DMA-FQ ]; then
	tap_ok "edu is translated ($type, $mode)"
else
	tap_fail "edu is translated (domain type '$type')"
fi

# run KIND PAGES THREADS [-s MS]: one configuration, checked.
run() {
	local kind=$1 pages=$2 threads=$3 out=/tmp/bench.out line cycles held
	shift 3
	# -S: give the pages 2 s to come back (a loaded TCG host is slow).
	if ! $prog -k "$kind" -p "$pages" -t "$threads" -d "$ms" -r "$reps" -S 2000 "$@" >$out 2>&1; then
		sed 's/^/# /' $out
		tap_fail "bench $kind pages=$pages threads=$threads ran"
		return
	fi
	sed 's/^/bench /' $out
	line=$(grep '^result ' $out | tail -n 1)
	cycles=$(echo "$line" | tr ' ' '\n' | sed -n 's/^cycles=//p')
	held=$(echo "$line" | tr ' ' '\n' | sed -n 's/^held_end=//p')
	if [ "${cycles:-0}" -gt 0 ]; then
		tap_ok "bench $kind pages=$pages threads=$threads: $cycles cycles"
	else
		tap_fail "bench $kind pages=$pages threads=$threads completed cycles"
	fi
	# Lazy with the quarantine: everything comes back once the load stops.
	if [ "$mode" = lazy+quarantine ] && [ "$kind" != alloc ]; then
		tap_is "$held" 0 "bench $kind pages=$pages threads=$threads: nothing held after the load"
	fi
}

# The free path alone, order 0 and order 3, before any DMA: what the
# quarantine adds to a free it does not hold.
for threads in 1 2; do
	run alloc 1 $threads
	run alloc 8 $threads
done
for threads in 1 2; do
	for pages in 1 16; do
		run page $pages $threads
		run sg $pages $threads
	done
done
if [ "$sample" = 1 ] && [ "$mode" = lazy+quarantine ]; then
	run page 16 2 -s 2
fi

# Upstream's benchmark on the same device: the unmap path as a tool we did
# not write measures it (whole seconds only).
secs=$(((ms + 999) / 1000))
if pci_bind "$edu" dma_map_benchmark; then
	for threads in 1 2; do
		out=$(/harness/bin/dma_map_benchmark -t $threads -s $secs -g 1 2>&1)
		map=$(echo "$out" | sed -n 's/.*average map latency(us):\([0-9.]*\).*/\1/p')
		unmap=$(echo "$out" | sed -n 's/.*average unmap latency(us):\([0-9.]*\).*/\1/p')
		if [ -n "$map" ] && [ -n "$unmap" ]; then
			echo "bench upstream threads=$threads map_us=$map unmap_us=$unmap"
			tap_ok "dma_map_benchmark threads=$threads: map $map us, unmap $unmap us"
		else
			echo "$out" | sed 's/^/# /'
			tap_fail "dma_map_benchmark threads=$threads reported latencies"
		fi
	done
	pci_bind "$edu" $driver || tap_fail "edu bound back to $driver"
else
	tap_fail "edu bound to dma_map_benchmark"
fi
tap_done
