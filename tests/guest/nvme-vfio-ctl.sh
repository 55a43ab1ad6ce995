# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# nvme_vfio_io, the user-space NVMe driver of the migration tests, run in
# the background and controlled as a VMM controls its guest, for the guest
# scripts that move its secondary controller (nvme-vfio.sh, nvme-cli.sh);
# installed in the guest as /lm/lib/nvme-vfio-ctl.sh. Needs $T (a
# directory for its files), $DEVS (/sys/bus/pci/devices), /lm/lib/tap.sh
# and a same NAME GOT WANT; the control FIFO, status and log files are
# $FIFO, $ST and $LOG.

# shellcheck disable=SC3043 # busybox sh has "local"

# bind_vfio VF: VF to vfio-pci, in an IOMMU group of its own.
bind_vfio() {
	local group
	echo vfio-pci > $DEVS/$1/driver_override &&
		echo $1 > /sys/bus/pci/drivers/vfio-pci/bind || return 1
	group=$(basename "$(readlink $DEVS/$1/iommu_group)")
	[ "$(ls $DEVS/$1/iommu_group/devices)" = "$1" ] || {
		echo "group $group holds $(ls $DEVS/$1/iommu_group/devices)"
		return 1
	}
	tap_wait_path /dev/vfio/$group 10 || { echo "no /dev/vfio/$group"; return 1; }
}

FIFO=$T/control
ST=$T/status
LOG=$T/bg.log
[ -p $FIFO ] || mkfifo $FIFO

st() {
	sed -n "s/^$1 //p" $ST
}

# These run in this shell, never under tap_run (a subshell): $BG and
# $SEQ, the background program and the commands sent to it, must stay set.

# bg_start NAME ARGS...: nvme_vfio_io --control ARGS in the background, a
# test passed once it runs.
bg_start() {
	local name="$1" n=0
	shift
	rm -f $ST
	SEQ=0
	nvme_vfio_io --control $FIFO --status $ST "$@" > $LOG 2>&1 &
	BG=$!
	while [ "$(st state 2> /dev/null)" != running ]; do
		if ! kill -0 $BG 2> /dev/null || [ $n -ge 1200 ]; then
			tap_fail "$name" "not running after $((n / 10)) s: nvme_vfio_io $*
$(cat $LOG)"
			return 1
		fi
		n=$((n + 1))
		sleep 0.1
	done
	tap_ok "$name"
}

# ctl CMD...: one control command; 0 once the status file has its result
# and that is "ok", else 1 with what went wrong in $T/ctl.out. The FIFO is
# opened read-write, so a writer never blocks, whatever became of the
# reader.
ctl() {
	local n=0
	SEQ=$((SEQ + 1))
	echo "$*" 1<> $FIFO
	while [ "$(st seq)" != $SEQ ]; do
		# gone: its answer may have come just before it exited
		if ! kill -0 $BG 2> /dev/null; then
			[ "$(st seq)" != $SEQ ] || break
			{ echo "exited without answering '$*'"; tail -n 20 $LOG; } > $T/ctl.out
			return 1
		fi
		if [ $n -ge 1200 ]; then
			{ echo "no answer to '$*' in 120 s"; tail -n 20 $LOG; } > $T/ctl.out
			return 1
		fi
		n=$((n + 1))
		sleep 0.1
	done
	[ "$(st result)" = ok ] || { st result > $T/ctl.out; return 1; }
}

# bg_end: its exit status, once it has exited, as its status file's last
# words say ("state exited", "exit_code N").
bg_end() {
	local n=0
	while [ "$(st state)" != exited ]; do
		if [ $n -ge 3000 ]; then
			echo "# not exited after 300 s"
			kill $BG
			break
		fi
		n=$((n + 1))
		sleep 0.1
	done
	wait $BG
	rc=$(st exit_code)
	return ${rc:-1}
}

# ctl_test NAME CMD...: ctl as a test.
ctl_test() {
	local name="$1"
	shift
	if ctl "$@"; then
		tap_ok "$name"
	else
		tap_fail "$name" "$(cat $T/ctl.out)"
	fi
}

# advances NAME: submitted grows within 10 s of running.
advances() {
	local before=$(st submitted) n=0
	while :; do
		ctl status || break
		[ "$(st submitted)" -le "$before" ] || break
		n=$((n + 1))
		[ $n -lt 100 ] || break
		sleep 0.1
	done
	if [ "$(st submitted)" -gt "$before" ] && [ "$(st errors)" = 0 ] &&
	   [ "$(st mismatches)" = 0 ]; then
		tap_ok "$1"
	else
		tap_fail "$1" "submitted $before -> $(st submitted), errors $(st errors), mismatches $(st mismatches)
$(tail -n 20 $LOG)"
	fi
}

# completed_since_pause NAME: every command submitted before the last
# pause ($PAUSED_SUBMITTED) has completed, within 30 s; the in-flight
# ones among them complete on whatever controller the program went on with.
completed_since_pause() {
	local n=0 completed
	while :; do
		ctl status || break
		completed=$(($(st writes) + $(st reads)))
		[ $completed -lt $PAUSED_SUBMITTED ] || break
		n=$((n + 1))
		[ $n -lt 300 ] || break
		sleep 0.1
	done
	if [ "${completed:-0}" -ge $PAUSED_SUBMITTED ] && [ "$(st errors)" = 0 ]; then
		tap_ok "$1"
	else
		tap_fail "$1" "$PAUSED_SUBMITTED submitted before the pause, $completed completed in all
$(tail -n 20 $LOG)"
	fi
}

# pause NAME: "pause" as a test; $PAUSED_SUBMITTED what had been submitted.
pause() {
	ctl_test "$1" pause
	PAUSED_SUBMITTED=$(st submitted)
}

# bg_kill: no background program left, whatever state it was left in
# (its VFs cannot leave vfio-pci while it has them open).
bg_kill() {
	if [ -n "$BG" ] && kill -0 $BG 2> /dev/null; then
		kill $BG
		wait $BG
	fi
	BG=""
}

# positions: the queues' positions and counts in the status file.
positions() {
	grep -E '^(admin_|io_|outstanding|submitted|writes|reads) ' $ST | tr '\n' ' '
}

# bg_stop NAME: "stop", then exit 0 with every written LBA read back.
bg_stop() {
	local rc
	ctl stop || { tap_fail "$1" "$(cat $T/ctl.out)"; return; }
	bg_end
	rc=$?
	if [ $rc -eq 0 ] && grep -q ': PASS$' $LOG &&
	   ! grep -q ' verify_blocks 0 ' $LOG; then
		tap_ok "$1"
		tap_diag "$(tail -n 1 $LOG)"
	else
		tap_fail "$1" "exit $rc
$(tail -n 30 $LOG)"
	fi
}

# mig NAME MOVE SRC_FN SRC_VF DST_FN DST_VF SEED: verified I/O on SRC_VF,
# paused with commands in flight, the state moved by MOVE, the I/O going
# on with DST_VF without initialising it: the commands in flight complete
# there and every LBA written before, during and after reads back.
mig() {
	local name=$1 move=$2 sfn=$3 svf=$4 dfn=$5 dvf=$6 seed=$7
	bg_start "mig $name: background on $svf" --seed $seed $svf || return
	advances "mig $name: I/O advances on $svf"
	ctl_test "mig $name: attach $dvf before its state is set" attach $dvf
	pause "mig $name: pause"
	tap_diag "mig $name: paused at $(positions)"
	tap_run "mig $name: $move $sfn $dfn" $move $sfn $dfn || { bg_kill; return; }
	same "mig $name: the source is left stopped" \
		"$(lmctl -j fn show $sfn | jq -r '.fn[].state')" stop
	same "mig $name: the destination runs" \
		"$(lmctl -j fn show $dfn | jq -r '.fn[].state')" running
	ctl_test "mig $name: switch to $dvf --no-init" switch $dvf --no-init
	same "mig $name: on $dvf" "$(st bdf)" $dvf
	completed_since_pause "mig $name: the commands in flight completed on $dvf"
	advances "mig $name: I/O advances on $dvf"
	bg_stop "mig $name: stop: every LBA written read back through $dvf"
	# closing the source's VF reset it (vfio-pci does on a last close)
	tap_run "mig $name: the source runs again" lmctl fn set $sfn state running
}
