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

. /lm/lib/nvme-vfio-ctl.sh

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
	local name="vfio $1" vf fn group
	tap_run "$name: $FN_A online, migratable" \
		lmctl fn provision $FN_A queues 2 irqs 1 online on || return
	tap_run "$name: $FN_B online, migratable" \
		lmctl fn provision $FN_B queues 2 irqs 1 online on || return
	lmctl fn attach $FN_A vfio > $T/refused.out 2>&1
	rc=$?
	same "$name: attach while not migratable: refused, with the reason" \
		"$rc $(grep -c 'only a migratable function' $T/refused.out)" "1 1"
	lmctl fn set $FN_A migratable on && lmctl fn set $FN_B migratable on
	VF_A=$(lmctl -j fn show $FN_A | jq -r '.fn[].pci')
	VF_B=$(lmctl -j fn show $FN_B | jq -r '.fn[].pci')
	# A VF some other driver has is not taken from it.
	echo vfio-pci > $DEVS/$VF_A/driver_override
	echo $VF_A > /sys/bus/pci/drivers/vfio-pci/bind
	lmctl fn attach $FN_A vfio > $T/refused.out 2>&1
	rc=$?
	same "$name: attach while the VF is on vfio-pci: refused, VF left there" \
		"$rc $(grep -c 'is bound to a driver' $T/refused.out) $(basename "$(readlink $DEVS/$VF_A/driver)")" \
		"1 1 vfio-pci"
	echo $VF_A > /sys/bus/pci/drivers/vfio-pci/unbind
	echo > $DEVS/$VF_A/driver_override
	for fn in $FN_A $FN_B; do
		tap_run "$name: lmctl fn attach $fn vfio" \
			sh -c "lmctl -j fn attach $fn vfio > $T/attach.json" || return
		vf=$(lmctl -j fn show $fn | jq -r '.fn[].pci')
		group=$(basename "$(readlink $DEVS/$vf/iommu_group)")
		same "$name: $fn attached: its VF, IOMMU group and VFIO group file" \
			"$(jq -r '.attach | "\(.pci) \(.driver) \(.iommu_group) \(.vfio)"' $T/attach.json)" \
			"$vf lm-vfio-pci $group /dev/vfio/$group"
		same "$name: $vf is on lm-vfio-pci" \
			"$(basename "$(readlink $DEVS/$vf/driver)")" lm-vfio-pci
	done
	same "$name: lmctl says VFIO has $FN_A" \
		"$(lmctl -j fn show $FN_A | jq -r '.fn[].vfio')" true
	lmctl fn attach $FN_A vfio > $T/again.out 2>&1
	rc=$?
	same "$name: attached again: refused, with the reason" \
		"$rc $(grep -c 'handed to VFIO already' $T/again.out)" "1 1"
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
	for fn in $FN_A $FN_B; do
		tap_run "$name: lmctl fn detach $fn" lmctl fn detach $fn
	done
	same "$name: VFIO gave $FN_A back" \
		"$(lmctl -j fn show $FN_A | jq -r '.fn[].vfio')" false
	same "$name: $VF_A is on no driver, no override left" \
		"$(readlink $DEVS/$VF_A/driver; cat $DEVS/$VF_A/driver_override)" "(null)"
	lmctl fn detach $FN_A > $T/again.out 2>&1
	rc=$?
	same "$name: detached again: refused, with the reason" \
		"$rc $(grep -c 'not handed to VFIO' $T/again.out)" "1 1"
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
