# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# TAP helpers for shell-written guest tests (busybox sh), installed in the
# guest as /lm/lib/tap.sh:
#
#	. /lm/lib/tap.sh
#	tap_plan 3
#	tap_run "load module" insmod /lm/modules/lm.ko
#	tap_skip "sriov" "no SR-IOV capable device"
#	[ -e /dev/foo ] && tap_ok "dev node" || tap_fail "dev node" "no /dev/foo"
#	tap_exit
#
# Results are numbered in order. Diagnostics are "# " lines, which the host
# does not count.

# shellcheck disable=SC3043 # busybox sh has "local"

_tap_n=0
_tap_failed=0

# tap_plan N: announce N results.
tap_plan() {
	echo "TAP version 13"
	echo "1..$1"
}

# tap_diag TEXT...: print TEXT as diagnostics, one "# " line per line.
tap_diag() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

# tap_ok NAME
tap_ok() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n $1"
}

# tap_fail NAME [REASON]
tap_fail() {
	_tap_n=$((_tap_n + 1))
	_tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n $1"
	[ $# -lt 2 ] || tap_diag "$2"
}

# tap_skip NAME REASON
tap_skip() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n $1 # SKIP $2"
}

# tap_run NAME CMD [ARGS...]: ok if CMD exits 0, else not ok with CMD's
# output (stdout and stderr) and exit code as diagnostics.
tap_run() {
	local name="$1" out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ]; then
		tap_ok "$name"
	else
		tap_fail "$name"
		[ -z "$out" ] || tap_diag "$out"
		tap_diag "exit code $rc: $*"
	fi
	return "$rc"
}

# tap_wait_path PATH [SECONDS]: wait up to SECONDS (default 10) for PATH to
# exist, e.g. a device node that a driver probes asynchronously (there is no
# udev in the guest to settle). Returns 1 on timeout.
tap_wait_path() {
	local path="$1" tenths=$((${2:-10} * 10))
	while [ ! -e "$path" ]; do
		[ "$tenths" -gt 0 ] || return 1
		tenths=$((tenths - 1))
		sleep 0.1
	done
}

# tap_exit: exit 1 if any result failed, else 0.
tap_exit() {
	[ "$_tap_failed" -eq 0 ] && exit 0
	exit 1
}
