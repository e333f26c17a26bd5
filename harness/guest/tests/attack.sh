# SPDX-License-Identifier: GPL-2.0
# The DMA use-after-free attack: lib/test_iommu_quarantine.c makes edu write
# into a page its driver unmapped and freed, and
# /harness/bin/iommu_quarantine_attack judges the result by mode. Lazy
# without the quarantine: the write lands in the reallocated page. Lazy with
# it: the page is never handed out early and no victim changes. Strict, and
# lazy once the flush has run: the write faults in the IOMMU.
. /harness/lib.sh

prog=/harness/bin/iommu_quarantine_attack
driver=test_iommu_quarantine
# hq.fault_reports=0: this IOMMU model reports no translation faults (QEMU's
# AMD-Vi), so the checks that a write faulted are skipped, saying why.
fault_reports=$(cmdline_value hq.fault_reports 1)

# check_faults BEFORE AFTER DESCRIPTION: the IOMMU reported faults in between.
check_faults() {
	if [ "$fault_reports" = 0 ]; then
		tap_skip "$3" "this IOMMU model reports no translation faults"
	elif [ "$2" -gt "$1" ]; then
		tap_ok "$3 ($(($2 - $1)) reported)"
	else
		tap_fail "$3"
	fi
}

# run_attack OUTPUT TESTS: run the selftests named in TESTS (comma list),
# show their output as TAP comments (so that only our lines count), turn
# their results into TAP lines. Returns the program's exit status.
run_attack() {
	local out=$1 line name=iommu_quarantine_attack rc=0
	IOMMU_QUARANTINE_TESTS=$2 $prog >"$out" 2>&1 || rc=$?
	sed 's/^/# /' "$out"
	while IFS= read -r line; do
		case $line in
		"#  RUN "*) name=${line##* attack.}; name=attack.${name%% ...} ;;
		"ok "*" # SKIP not selected"*) ;;
		# 6.1's harness names no test on its skip lines.
		"ok "*" # SKIP "* | "1..0 # SKIP "*) tap_skip "$name" "${line#* # SKIP }" ;;
		"ok "*) line=${line#ok }; tap_ok "${line#* }" ;;
		"not ok "*) line=${line#not ok }; tap_fail "${line#* }" ;;
		esac
	done <"$out"
	return $rc
}

# exit_status RC: 0 passed, 1 failed (said above), 4 skipped; else it died.
exit_status() {
	case $1 in
	0 | 1 | 4) ;;
	*) tap_fail "iommu_quarantine_attack exited with status $1" ;;
	esac
}

# passed OUTPUT TEST: did the selftest TEST pass in OUTPUT?
passed() {
	grep -q "^ok [0-9]* attack\.$2\$" "$1"
}

if [ ! -x $prog ]; then
	tap_fail "$prog is in the initramfs"
	tap_done
	exit
fi
edu=$(pci_find $EDU_VENDOR $EDU_DEVICE) || edu=
if [ -z "$edu" ]; then
	tap_fail "edu PCI device present"
	tap_done
	exit
fi
[ -d /sys/bus/pci/drivers/$driver ] || modprobe $driver 2>/dev/null || true
if [ ! -d /sys/bus/pci/drivers/$driver ]; then
	tap_skip "edu bound to $driver" "kernel built without CONFIG_TEST_IOMMU_QUARANTINE"
	tap_done
	exit
fi
if pci_bind "$edu" $driver; then
	tap_ok "edu bound to $driver"
else
	tap_fail "edu bound to $driver"
	tap_done
	exit
fi
# devtmpfs made the node before the bind returned.
[ -c /dev/$driver ] && tap_ok "/dev/$driver exists" || tap_fail "/dev/$driver exists"
tap_diag "kernel command line: $(cat /proc/cmdline)"
tap_diag "edu's IOMMU domain: $(cat /sys/bus/pci/devices/$edu/iommu_group/type 2>/dev/null)"

# The write after the flush, alone, so that the IOMMU reports are its own.
before=$(iommu_faults)
run_attack /tmp/attack-fault.out fault_after_flush
rc=$?
exit_status $rc
after=$(iommu_faults)
if passed /tmp/attack-fault.out fault_after_flush; then
	check_faults "$before" "$after" "the IOMMU reported a translation fault for the write after the flush"
fi

# The rest: argument checks, the control run, the window, the attack.
before=$(iommu_faults)
run_attack /tmp/attack.out bad_arguments,control_without_dma,stale_write_window,stale_after_failed_flush,failed_strict_unmap,use_after_free,page_frag_reuse
rc=$?
exit_status $rc
after=$(iommu_faults)
summary=$(grep -o "attack: mode=.*" /tmp/attack.out)
frag=$(grep -o "page_frag: mode=.*" /tmp/attack.out)
[ -n "$frag" ] && tap_diag "$frag"
[ -n "$summary" ] && tap_diag "$summary"
tap_diag "IOMMU translation faults during the attack: $((after - before))"
# In strict mode the writes after the unmap must fault, not just miss.
case $summary in
*mode=strict*)
	check_faults "$before" "$after" "strict: the device's writes after the unmap faulted in the IOMMU"
	;;
esac
tap_done
