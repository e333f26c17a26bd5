# SPDX-License-Identifier: GPL-2.0
# Where the quarantine's instructions go: one map, unmap, free run of the
# test driver's benchmark under ftrace's function profiler (bench-profile
# kernel), per configuration, with self time (graph-time and sleep-time
# off), on one thread. Prints
# "profile result ..." (the benchmark's own result line) and one
# "profile func config=... cpu=N name=F hit=H time_us=T" line per function
# that ran; harness/bench.py --profile compares the modes.
#   hq.bench_ms=N     milliseconds per run (default 200)
. /harness/lib.sh

prog=/harness/bin/iommu_quarantine_bench
tr=/sys/kernel/tracing
ms=$(cmdline_value hq.bench_ms 200)
[ -d $tr/options ] || mount -t tracefs nodev $tr 2>/dev/null

edu=$(pci_find $EDU_VENDOR $EDU_DEVICE) || edu=
if [ -z "$edu" ] || ! pci_bind "$edu" test_iommu_quarantine; then
	tap_fail "edu bound to test_iommu_quarantine"
	tap_done
	exit
fi
if [ ! -w $tr/function_profile_enabled ] || [ ! -w $tr/options/graph-time ]; then
	tap_fail "ftrace's function profiler with the graph tracer ($tr/function_profile_enabled)"
	tap_done
	exit
fi
type=$(cat /sys/bus/pci/devices/$edu/iommu_group/type)
if [ -r /sys/kernel/debug/iommu_quarantine/stats ] && [ "$type" = DMA-FQ ]; then
	mode=lazy+quarantine
elif [ "$type" = DMA-FQ ]; then
	mode=lazy
else
	mode=strict
fi
echo "profile mode=$mode type=$type ms=$ms"
# Self time: a function's time without its callees', nor the time its task
# was scheduled out.
echo 0 >$tr/options/graph-time
echo 0 >$tr/options/sleep-time

for config in "page 1" "sg 16"; do
	set -- $config
	name=$1-$2
	# Enabling resets the counts.
	echo 1 >$tr/function_profile_enabled
	$prog -k "$1" -p "$2" -t 1 -d "$ms" -r 1 >/tmp/profile.out 2>&1
	rc=$?
	echo 0 >$tr/function_profile_enabled
	if [ $rc -ne 0 ]; then
		sed 's/^/# /' /tmp/profile.out
		tap_fail "profile $name: the benchmark ran"
		continue
	fi
	sed -n "s/^result /profile result config=$name /p" /tmp/profile.out
	for f in $tr/trace_stat/function*; do
		cpu=${f##*function}
		# "  name   hit   time us   avg us   s^2 us": skip the two header lines.
		awk -v c="$name" -v cpu="$cpu" 'NR > 2 && NF >= 3 {
			printf "profile func config=%s cpu=%s name=%s hit=%s time_us=%s\n", c, cpu, $1, $2, $3 }' "$f"
	done
	tap_ok "profile $name: $(grep -c . $tr/trace_stat/function0) functions on CPU 0"
done
tap_done
