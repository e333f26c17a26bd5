# SPDX-License-Identifier: GPL-2.0
# The quarantine's tracepoints fire, with the right fields: pages held and
# released around lazy unmaps, a failed invalidation making pages stale, and
# flushes forced by the shrinker (drop_caches) and by the retry of stale
# pages (retry_ms). Leaves nothing held and no flush pending.
. /harness/lib.sh

T=/sys/kernel/tracing
E=$T/events/iommu_quarantine
prog=/harness/bin/iommu_quarantine_free_mapped

[ -d $T/events ] || mount -t tracefs nodev $T 2>/dev/null
if [ ! -d $QUARANTINE_DIR ]; then
	tap_skip "quarantine tracepoints" "the quarantine is not enabled in this boot"
	tap_done
	exit
fi
if [ ! -d $E ]; then
	tap_fail "tracefs has $E"
	tap_done
	exit
fi
if ! edu=$(edu_bind_test_driver); then
	tap_fail "edu bound to the test driver"
	tap_done
	exit
fi

# events: the iommu_quarantine lines of the trace buffer, without the
# task/CPU/timestamp prefix.
events() { grep -o 'iommu_quarantine_[a-z_]*: .*' $T/trace; }
# field NAME: the values of NAME= in the events on stdin.
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }

saved_fq=$(cat $FQ_TIMEOUT)
echo 0 >$T/tracing_on
echo >$T/trace
echo 1 >$E/enable
echo 1 >$T/tracing_on

# Held, then released by the flush 200 ms later.
echo 200 >$FQ_TIMEOUT
$prog 2 || tap_fail "$prog 2 exited with $?"
wait_stat 'pages held now' 0 || tap_diag "still held: $(quarantine_stat 'pages held now')"
usleep 200000	# the pass that released them reports them when it ends
holds=$(events | grep -c '^iommu_quarantine_hold: ')
[ "$holds" -ge 2 ] && tap_ok "iommu_quarantine_hold fired for the 2 pages freed ($holds)" ||
	tap_fail "iommu_quarantine_hold fired for the 2 pages freed ($holds)"
slot=$(events | grep '^iommu_quarantine_hold: ' | field slot | tail -n 1)
released=$(events | grep '^iommu_quarantine_release: ' | field released |
	awk '{ n += $1 } END { print n + 0 }')
[ "$released" -ge 2 ] && tap_ok "iommu_quarantine_release reported $released pages released" ||
	tap_fail "iommu_quarantine_release reported the 2 pages released (got $released)"
# The flush ran 200 ms after the unmap: no page can have gone back sooner.
max=$(events | grep '^iommu_quarantine_release: ' | field hold_ms_max | sort -n | tail -n 1)
[ "${max:-0}" -ge 100 ] && tap_ok "release hold_ms_max is $max ms (flush window 200 ms)" ||
	tap_fail "release hold_ms_max is at least 100 ms (got '$max')"

# Failed invalidations: the next pages go stale and stay held.
echo >$T/trace
fail_invalidations on || tap_fail "invalidation failures injected"
$prog 2 || tap_fail "$prog 2 exited with $?"
wait_stat 'stale pages held now' 2 || tap_diag "stale: $(quarantine_stat 'stale pages held now')"
failed=$(events | grep '^iommu_quarantine_flush_failed: ' | tail -n 1)
tap_diag "$failed"
case $failed in
*"slot=$slot domain=$edu "*) tap_ok "iommu_quarantine_flush_failed names edu's domain" ;;
*) tap_fail "iommu_quarantine_flush_failed names edu's domain (slot $slot, $edu)" ;;
esac
stale=$(events | grep '^iommu_quarantine_release: ' | field stale | tail -n 1)
tap_is "$stale" 2 "iommu_quarantine_release counts the 2 stale pages"
tap_is "$(quarantine_stat 'stale pages held now')" 2 "debugfs stats agree: 2 stale pages"

# The shrinker forces a flush; it fails too, the pages stay.
echo 2 >/proc/sys/vm/drop_caches
forced=$(events | grep '^iommu_quarantine_force_flush: reason="shrinker"' | tail -n 1)
tap_diag "$forced"
case $forced in
*" domains=1 held=2") tap_ok "iommu_quarantine_force_flush: the shrinker flushed 1 domain" ;;
*) tap_fail "iommu_quarantine_force_flush: the shrinker flushed 1 domain holding 2 pages" ;;
esac
tap_is "$(quarantine_stat 'pages held now')" 2 "stale pages survive the shrinker's failed flush"

# Invalidations work again: the quarantine's retry (once a second while
# pages are stale) flushes the domain and frees them.
echo >$T/trace
fail_invalidations off
wait_stat 'pages held now' 0 || tap_diag "still held: $(quarantine_stat 'pages held now')"
usleep 200000	# the pass that released them reports them when it ends
forced=$(events | grep '^iommu_quarantine_force_flush: reason="retry"' | tail -n 1)
tap_diag "$forced"
case $forced in
*" domains=1 held=2") tap_ok "iommu_quarantine_force_flush: the retry flushed 1 domain" ;;
*) tap_fail "iommu_quarantine_force_flush: the retry flushed 1 domain holding 2 pages" ;;
esac
released=$(events | grep '^iommu_quarantine_release: ' | field released |
	awk '{ n += $1 } END { print n + 0 }')
tap_is "$released" 2 "iommu_quarantine_release: the 2 stale pages released after the retry"
tap_is "$(quarantine_stat 'pages held now')" 0 "nothing held any more"

echo 0 >$T/tracing_on
echo 0 >$E/enable
echo "$saved_fq" >$FQ_TIMEOUT
tap_done
