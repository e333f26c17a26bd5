# SPDX-License-Identifier: GPL-2.0
# Leave a known state in guest memory, say what it is, and ask the host for
# a memory dump (HQ-DUMP); the host reads it back with drgn and the scripts
# in tools/mm/ and compares.
#
# With the quarantine on (its debugfs directory exists): pages held by the
# edu device's lazy domain, some of them stale. Injected invalidation
# failures make the first pages stale; then, with the flush window widened
# to 10 s, more pages are freed before their flush. The guest prints the
# quarantine's own view (debugfs, vmstat, meminfo) just before the dump,
# which pauses the VM well within those 10 s.
. /harness/lib.sh

STALE_PAGES=3
FRESH_PAGES=2
prog=/harness/bin/iommu_quarantine_free_mapped

name=hq-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
hostname "$name"
tap_is "$(hostname)" "$name" "hostname set to a fresh random value"
echo "hostname=$name"
echo "release=$(uname -r)"

if [ -d $QUARANTINE_DIR ]; then
	if edu=$(edu_bind_test_driver); then
		tap_ok "edu ($edu) bound to the test driver"
		echo "edu=$edu"
	else
		tap_fail "edu bound to the test driver"
	fi
	# Stale: every invalidation fails while these pages wait for theirs.
	# No retries: one would release them all once invalidations work.
	echo 0 >$QUARANTINE_DIR/retry_ms
	echo 100 >$FQ_TIMEOUT
	if fail_invalidations on; then
		tap_ok "invalidation failures injected"
	else
		tap_fail "invalidation failures injected"
	fi
	$prog $STALE_PAGES || tap_fail "$prog $STALE_PAGES exited with $?"
	wait_stat 'stale pages held now' $STALE_PAGES ||
		tap_diag "stale pages: $(quarantine_stat 'stale pages held now')"
	fail_invalidations off
	# Held, not stale: freed before an invalidation that has not run yet.
	echo 10000 >$FQ_TIMEOUT
	$prog $FRESH_PAGES || tap_fail "$prog $FRESH_PAGES exited with $?"

	tap_is "$(quarantine_stat 'pages held now')" $((STALE_PAGES + FRESH_PAGES)) \
		"$((STALE_PAGES + FRESH_PAGES)) pages held"
	stale=$(grep -c ' yes [a-z0-9]* [0-9]*$' $QUARANTINE_DIR/held)
	tap_is "$stale" $STALE_PAGES "$STALE_PAGES held pages stale"
	sed 's/^/stats: /' $QUARANTINE_DIR/stats
	sed 's/^/domains: /' $QUARANTINE_DIR/domains
	sed 's/^/held: /' $QUARANTINE_DIR/held
	# vmstat counts per CPU and folds now and then: fold it now.
	echo 1 >/proc/sys/vm/stat_refresh
	grep '^nr_iommu_quarantined ' /proc/vmstat | sed 's/^/vmstat: /'
	grep '^IOMMUQuarantined:' /proc/meminfo | sed 's/^/meminfo: /'
fi
sync
tap_done
echo "HQ-DUMP"
# The host dumps memory with the VM paused, then ends the boot.
sleep 600
