# SPDX-License-Identifier: GPL-2.0
# Is the quarantine in the state the command line asks for?
#   hq.quarantine=on       enabled (default on, or iommu_quarantine=on)
#   hq.quarantine=off      built in, disabled at boot
#   hq.quarantine=absent   compiled out
#   hq.bad_param=1         every iommu_quarantine[=VALUE] given is malformed:
#                          each must be refused, and the default kept
. /harness/lib.sh

want=$(cmdline_value hq.quarantine on)
bad=$(cmdline_value hq.bad_param "")
dir=/sys/kernel/debug/iommu_quarantine
enabled_line=$(dmesg | grep 'iommu_quarantine: enabled:')

case $want in
on)
	if [ -n "$enabled_line" ]; then
		tap_ok "enabled at boot: ${enabled_line#*] }"
	else
		tap_fail "enabled at boot (no 'iommu_quarantine: enabled' line)"
	fi
	[ -r $dir/stats ] && tap_ok "debugfs stats readable" || tap_fail "debugfs stats readable"
	grep -q '^nr_iommu_quarantined ' /proc/vmstat && tap_ok "nr_iommu_quarantined in /proc/vmstat" ||
		tap_fail "nr_iommu_quarantined in /proc/vmstat"
	grep -q '^IOMMUQuarantined: ' /proc/meminfo && tap_ok "IOMMUQuarantined in /proc/meminfo" ||
		tap_fail "IOMMUQuarantined in /proc/meminfo"
	;;
off | absent)
	tap_is "$enabled_line" "" "not enabled at boot"
	[ -e $dir ] && tap_fail "no debugfs directory when disabled" ||
		tap_ok "no debugfs directory when disabled"
	if [ "$want" = absent ]; then
		grep -q '^nr_iommu_quarantined ' /proc/vmstat &&
			tap_fail "no nr_iommu_quarantined when compiled out" ||
			tap_ok "no nr_iommu_quarantined when compiled out"
	fi
	;;
*)
	tap_fail "hq.quarantine=$want is not on, off or absent"
	;;
esac

if [ -n "$bad" ]; then
	given=0
	for arg in $(cat /proc/cmdline); do
		case $arg in
		iommu_quarantine) value= ;;
		iommu_quarantine=*) value=${arg#iommu_quarantine=} ;;
		*) continue ;;
		esac
		given=$((given + 1))
		what=$(echo "$arg" | cut -c1-40)
		[ "$what" = "$arg" ] || what="$what... (${#value} characters)"
		what="$what refused with a clear message, kept $want"
		if dmesg | grep -qF "iommu_quarantine: invalid iommu_quarantine=$value, expected on/off; keeping it $want"; then
			tap_ok "$what"
		else
			tap_fail "$what"
		fi
	done
	tap_is "$(dmesg | grep -c 'iommu_quarantine: invalid iommu_quarantine=')" $given \
		"one refusal per malformed iommu_quarantine ($given given)"
fi

# cap_bytes: bad writes are refused and change nothing; a good one sticks.
if [ "$want" = on ] && [ -w $dir/cap_bytes ]; then
	cap=$(cat $dir/cap_bytes)
	for value in garbage -4096 0 99999999999999999999999 0x 4096x; do
		if printf '%s' "$value" >$dir/cap_bytes 2>/dev/null; then
			tap_fail "cap_bytes refuses '$value'"
		else
			tap_ok "cap_bytes refuses '$value'"
		fi
	done
	tap_is "$(cat $dir/cap_bytes)" "$cap" "cap_bytes unchanged by refused writes"
	echo $((cap / 2)) >$dir/cap_bytes
	tap_is "$(cat $dir/cap_bytes)" "$((cap / 2))" "cap_bytes takes a valid value"
	echo "$cap" >$dir/cap_bytes
fi
tap_done
