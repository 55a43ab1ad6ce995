#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Inside the nvme-vfio VM (tests/suites/nvme-vfio.sh): nvme_vfio_io, the
# user-space NVMe driver of the migration tests, on two VFs whose secondary
# controllers nvme-lm put online, handed to vfio-pci. It runs the way a VMM
# runs a guest around it: one-shot verified I/O; in the background with
# pause and resume; continuing without init on a second open of the same
# VF (the path a migrated controller takes, minus the migration); a fresh
# start on the other VF in the same container, which reads back what the
# first wrote; refusals (a switch to a controller that got no state, to a
# function that is not there, while running); a bit flipped from outside,
# which the final read-back must find; a kill with commands in flight,
# after which the VF serves the next run. Then the migration itself, from
# one VF to the other and back, three ways (mig; one of them with the
# controller state in 64-byte pieces), skipped on a controller that cannot
# migrate.
. /lm/lib/tap.sh
. /lm/lib/nvme.sh

# same NAME GOT WANT
same() {
	if [ "$2" = "$3" ]; then
		tap_ok "$1"
	else
		tap_fail "$1" "got '$2', want '$3'"
	fi
}

DEVS=/sys/bus/pci/devices
T=/tmp/nvme-vfio
mkdir -p $T

nvme_find_pf || tap_exit
tap_run iommu-group-of-the-pf test -e $DEVS/$PF/iommu_group || tap_exit
nvme_lm_bind || tap_exit

# Two secondary controllers online, one I/O queue pair each (2 VQ: the
# admin queue and one); one VI, which the polled queues do not use.
FN_A=$PF/0
FN_B=$PF/1
tap_run "provision $FN_A" lmctl fn provision $FN_A queues 2 irqs 1 online on || tap_exit
tap_run "provision $FN_B" lmctl fn provision $FN_B queues 2 irqs 1 online on || tap_exit
VF_A=$(lmctl -j fn show $FN_A | jq -r '.fn[].pci')
VF_B=$(lmctl -j fn show $FN_B | jq -r '.fn[].pci')
tap_diag "VF A $VF_A ($FN_A), VF B $VF_B ($FN_B)"

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
tap_run "VF A to vfio-pci" bind_vfio $VF_A || tap_exit
tap_run "VF B to vfio-pci" bind_vfio $VF_B || tap_exit

# --- One-shot runs: initialise, N verified I/Os, read everything back.

# oneshot NAME ARGS...: nvme_vfio_io ARGS passes, having checked blocks.
oneshot() {
	local name="$1" checked
	shift
	nvme_vfio_io "$@" > $T/oneshot.log 2>&1
	rc=$?
	checked=$(sed -n 's/.* blocks_checked \([0-9]*\) .*: PASS$/\1/p' $T/oneshot.log)
	if [ $rc -eq 0 ] && [ "${checked:-0}" -gt 0 ]; then
		tap_ok "$name"
		tap_diag "$(tail -n 1 $T/oneshot.log)"
	else
		tap_fail "$name" "exit $rc: nvme_vfio_io $*
$(tail -n 30 $T/oneshot.log)"
	fi
}

oneshot "one-shot: 2000 I/Os, 16 in flight, queue depth 64" --ios 2000 $VF_A
oneshot "one-shot: PRP lists (64 KiB transfers), 32 in flight, depth 256" \
	--ios 1000 --qdepth 256 --outstanding 32 --max-xfer 65536 --seed 7 $VF_B
oneshot "one-shot: queue depth 2, phase wrap every other command" \
	--ios 300 --qdepth 2 --outstanding 1 --seed 9 --lbas 64 $VF_A
nvme_vfio_io --no-init $VF_A > $T/noinit.log 2>&1
rc=$?
if [ $rc -eq 2 ] && grep -q 'switch BDF --no-init' $T/noinit.log; then
	tap_ok "--no-init at start: refused, it is a switch's"
else
	tap_fail "--no-init at start: refused, it is a switch's" "exit $rc: $(cat $T/noinit.log)"
fi

# --- In the background, controlled as a VMM would.

FIFO=$T/control
ST=$T/status
LOG=$T/bg.log
mkfifo $FIFO

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

if bg_start "background on VF A" $VF_A; then
	advances "running: I/O advances"
	pause "pause"
	same_pause=$(positions)
	outstanding=$(st outstanding)
	if [ "$(st state)" = paused ] && [ "$outstanding" -gt 0 ]; then
		tap_ok "paused with $outstanding commands in flight"
	else
		tap_fail "paused with commands in flight" "$(cat $ST)"
	fi
	sleep 1
	ctl status
	if [ "$(positions)" = "$same_pause" ]; then
		tap_ok "paused: nothing moves in 1 s"
	else
		tap_fail "paused: nothing moves in 1 s" "before: $same_pause
after:  $(positions)"
	fi
	ctl_test "resume" resume
	completed_since_pause "resumed: the commands left in flight completed"
	advances "resumed: I/O advances"

	ctl_test "pause for the refusals" pause
	ctl switch $VF_A
	same "switch without --no-init or --fresh: refused" \
		"$(st result | cut -d: -f1)" error
	ctl_test "resume for the refusals" resume
	ctl switch $VF_A --no-init
	same "switch while running: refused" "$(st result)" "error: pause first"

	pause "pause again"
	ctl_test "switch to the same VF --no-init (a second open: no reset)" \
		switch $VF_A --no-init
	same "switched: one switch" "$(st switches)" 1
	same "switched: still on VF A" "$(st bdf)" $VF_A
	completed_since_pause "switched without init: the commands in flight completed"
	advances "switched without init: I/O advances"

	ctl attach 0000:ff:1f.7
	case "$(st result)" in
	"error: cannot open 0000:ff:1f.7") tap_ok "attach a function that is not there: refused" ;;
	*) tap_fail "attach a function that is not there: refused" "$(st result)" ;;
	esac
	# VF B was never set up: its first open resets it, its controller is
	# disabled, and continuing on it must be refused, not tried.
	ctl_test "attach VF B while running (opened, so reset by vfio-pci)" attach $VF_B
	ctl_test "pause before VF B" pause
	ctl switch $VF_B --no-init
	case "$(st result)" in
	*"controller not running"*) tap_ok "switch --no-init to a controller without state: refused" ;;
	*) tap_fail "switch --no-init to a controller without state: refused" "$(st result)" ;;
	esac
	same "refused: still on VF A" "$(st bdf)" $VF_A
	ctl_test "switch to VF B --fresh (same container, same IOVAs)" \
		switch $VF_B --fresh
	same "fresh: on VF B" "$(st bdf)" $VF_B
	advances "fresh: I/O advances on VF B, reading what VF A wrote"
	ctl bogus
	same "an unknown command: refused" "$(st result | cut -d' ' -f1-3)" \
		"error: unknown command"
	bg_stop "stop: every LBA written read back through VF B"
fi

# --- A bit flipped from outside must be found.
if bg_start "background on VF A, seed 3" --seed 3 $VF_A; then
	advances "seed 3: I/O advances"
	ctl_test "seed 3: pause" pause
	LBA=$(st written_lba)
	tap_run "flip a bit of LBA $LBA through VF B" \
		nvme_vfio_io --corrupt-lba $LBA $VF_B
	ctl stop || tap_diag "$(cat $T/ctl.out)"
	bg_end
	rc=$?
	if [ $rc -eq 1 ] && grep -q "MISMATCH lba $LBA: checksum mismatch" $LOG &&
	   grep -q ' mismatches 1 .*: FAIL$' $LOG; then
		tap_ok "the final read-back finds the flipped bit, exit 1"
	else
		tap_fail "the final read-back finds the flipped bit, exit 1" "exit $rc
$(tail -n 20 $LOG)"
	fi
fi

# --- Killed with commands in flight: vfio-pci resets the VF on the last
# close, and the next run starts from a clean controller.
if bg_start "background on VF A, to be killed" --seed 5 $VF_A; then
	advances "to be killed: I/O advances"
	kill -KILL $BG
	wait $BG
	BG=""
	oneshot "after a kill with commands in flight: one-shot on VF A" \
		--ios 500 --seed 6 $VF_A
fi

# --- Live migration of the running controller from VF A to VF B.
#
# As a VMM does it: the destination is opened first (vfio-pci resets a
# function on its first open, which must come before its state is set);
# the guest's driver stops with commands in flight; nvme-lm moves the
# secondary controller's state (queues with their positions, registers);
# the driver goes on with VF B where it stopped, ringing its doorbells at
# the same positions and collecting the in-flight commands' completions
# from the same memory; everything written is read back.
# The ways a secondary controller's state moves from SRC to DST (functions
# PF/N), the I/O on SRC paused as a VMM stops its vCPUs: one lmctl fn
# migrate with plain stop-and-copy, one with PRE_COPY rounds first
# (logging user data changes, then suspending and reading the state at the
# stop), and a save to a file, restored later.
move_stop_copy() {
	lmctl fn migrate $1 $2 precopy off
}

move_pre_copy() {
	lmctl fn migrate $1 $2 precopy on rounds 2
}

move_save_restore() {
	lmctl fn set $1 state stop &&
		lmctl fn save $1 $T/state.lm &&
		sleep 1 &&
		lmctl fn restore $2 $T/state.lm
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

caps=$(lmctl -j dev show $PF | jq -r '.dev[].mig_caps | join(" ")')
if [ -z "$caps" ]; then
	tap_skip "migration" "the controller cannot migrate (mig_caps none: $(dmesg | grep -o 'live migration unavailable: [^;]*' | head -n 1))"
else
	tap_run "mig: $FN_A migratable" lmctl fn set $FN_A migratable on
	tap_run "mig: $FN_B migratable" lmctl fn set $FN_B migratable on
	mig stop-copy move_stop_copy $FN_A $VF_A $FN_B $VF_B 11
	# This one moves the controller state 64 bytes a command: Get and
	# Set Controller State at offsets, the pieces marked first, middle
	# and last.
	echo 64 > /sys/module/nvme_lm/parameters/state_xfer
	case " $caps " in
	*" pre_copy "*)
		mig pre-copy move_pre_copy $FN_B $VF_B $FN_A $VF_A 12 ;;
	*)
		tap_skip "mig pre-copy" "mig_caps $caps" ;;
	esac
	echo 0 > /sys/module/nvme_lm/parameters/state_xfer
	mig save-restore move_save_restore $FN_A $VF_A $FN_B $VF_B 13
	lmctl fn set $FN_A migratable off
	lmctl fn set $FN_B migratable off
fi

# vfio_mig NAME [precopy]: both secondary controllers online and
# migratable, their VFs handed to VFIO through lm-vfio-pci; nvme_vfio_io
# does I/O on VF A and, as a VMM, migrates the controller to VF B through
# the two VFIO devices (with "precopy": its initial image read while the
# I/O runs), then goes on there; every LBA is read back.
vfio_mig() {
	local name="vfio $1" vf
	tap_run "$name: $FN_A online, migratable" \
		lmctl fn provision $FN_A queues 2 irqs 1 online on || return
	tap_run "$name: $FN_B online, migratable" \
		lmctl fn provision $FN_B queues 2 irqs 1 online on || return
	lmctl fn set $FN_A migratable on && lmctl fn set $FN_B migratable on
	VF_A=$(lmctl -j fn show $FN_A | jq -r '.fn[].pci')
	VF_B=$(lmctl -j fn show $FN_B | jq -r '.fn[].pci')
	for vf in $VF_A $VF_B; do
		tap_run "$name: $vf to lm-vfio-pci" sh -c "
			echo lm-vfio-pci > $DEVS/$vf/driver_override &&
			echo $vf > /sys/bus/pci/drivers/lm-vfio-pci/bind" || return
	done
	same "$name: lmctl says VFIO has $FN_A" \
		"$(lmctl -j fn show $FN_A | jq -r '.fn[].vfio')" true
	tap_run "$name: lmctl refuses to stop $FN_A" \
		sh -c "! lmctl fn set $FN_A state stop"
	if bg_start "$name: background on VF A" $VF_A; then
		advances "$name: I/O advances on VF A"
		ctl_test "$name: attach VF B (its reset comes now)" attach $VF_B
		if [ -n "$2" ]; then
			ctl_test "$name: PRE_COPY, initial image read" precopy
			advances "$name: I/O advances in PRE_COPY"
		fi
		pause "$name: pause (the VM's vCPUs stop)"
		ctl_test "$name: migrate through the VFIO devices" migrate $VF_B
		tap_diag "$name: $(st mig_bytes) stream bytes ($(st mig_precopy_bytes) in PRE_COPY), $(st mig_stop_ms) ms stopped"
		ctl_test "$name: switch to VF B --no-init" switch $VF_B --no-init
		completed_since_pause "$name: the commands in flight completed on VF B"
		advances "$name: I/O advances on VF B"
		bg_stop "$name: stop: every LBA written read back through VF B"
	fi
	bg_kill
	for vf in $VF_A $VF_B; do
		tap_run "$name: $vf from lm-vfio-pci" sh -c "
			echo $vf > /sys/bus/pci/drivers/lm-vfio-pci/unbind &&
			echo > $DEVS/$vf/driver_override"
	done
	same "$name: VFIO gave $FN_A back" \
		"$(lmctl -j fn show $FN_A | jq -r '.fn[].vfio')" false
	lmctl fn set $FN_A migratable off
	lmctl fn set $FN_B migratable off
	tap_run "$name: offline $FN_A" lmctl fn provision $FN_A online off
	tap_run "$name: offline $FN_B" lmctl fn provision $FN_B online off
}

# --- Everything back.
bg_kill
for vf in $VF_A $VF_B; do
	tap_run "$vf from vfio-pci" sh -c "echo $vf > /sys/bus/pci/drivers/vfio-pci/unbind"
done
tap_run "offline $FN_A" lmctl fn provision $FN_A online off
tap_run "offline $FN_B" lmctl fn provision $FN_B online off

# --- The VFs handed to VFIO through lm-vfio-pci and migrated through it.
if tap_run load-lm-vfio-pci insmod /lm/modules/lm-vfio-pci.ko; then
	echo "# ==== nvme_lm_vfio"
	/lm/bin/nvme_lm_vfio
	if [ -n "$caps" ]; then
		vfio_mig stop-copy ""
		case " $caps " in
		*" pre_copy "*) vfio_mig pre-copy precopy ;;
		*) tap_skip "vfio pre-copy" "mig_caps $caps" ;;
		esac
	fi
	tap_run unload-lm-vfio-pci rmmod lm_vfio_pci
fi
tap_run unload-nvme-lm rmmod nvme_lm
tap_run unload-lm rmmod lm
tap_exit
