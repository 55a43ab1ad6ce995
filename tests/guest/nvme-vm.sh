#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Inside the nvme-vm test guest (tests/suites/nvme-vm.sh): a VM with a VF
# of the emulated NVMe controller passed through migrates live from one
# QEMU to another, the way an operator runs it. nvme-lm has the primary
# controller; three secondary controllers are provisioned, made migratable
# and attached to VFIO with lmctl; unmodified QEMUs (Debian's binary, TCG)
# run the VM (tests/vmm/l2.sh: the stock nvme driver, vm_blk_io's verified
# I/O) on VF A. First a migration to a QEMU on VF C, whose controller has
# too few queues for the VM's: the destination refuses the device state,
# and the VM must go on running on VF A with its I/O intact. Then the
# migration to a QEMU on VF B, after which the VM goes on on B; told to
# stop, it reads every block back and checks its kernel log.
#
# The walk-through of docs/vm-migration.rst is this test's: its named
# blocks run here as they stand (the lmctl commands, the QEMU options of
# the VF and the monitor, the monitor commands at both ends).
. /lm/lib/tap.sh
. /lm/lib/nvme.sh
. /lm/lib/checks.sh

# The document's paths: the monitors' and the migration's sockets.
T=/run/vm
mkdir -p $T
DOC=/lm/vm-migration.rst
: > $T/doc-run
. /lm/lib/doc.sh
QEMU=/lm/bin/qemu-system-x86_64
# How long the nested VM may take to boot and to get its I/O going, and a
# migration to end (TCG in TCG).
BOOT_S=${NVME_VM_BOOT_S:-900}
MIG_S=${NVME_VM_MIG_S:-600}

nvme_find_pf || tap_exit
nvme_lm_bind || tap_exit
# No modprobe here to load it on the first attach.
tap_run load-lm-vfio-pci insmod /lm/modules/lm-vfio-pci.ko || tap_exit

# vf_of FN: the PCI address of FN's VF.
vf_of() {
	lmctl -j fn show "$1" | jq -r '.fn[].pci'
}

# on_vfio FN: FN's VF is on lm-vfio-pci, its VFIO group file there.
on_vfio() {
	local vf group
	vf=$(vf_of "$1")
	group=$(basename "$(readlink /sys/bus/pci/devices/$vf/iommu_group)")
	same "$1: VF $vf on lm-vfio-pci, /dev/vfio/$group there" \
		"$(basename "$(readlink /sys/bus/pci/devices/$vf/driver)") $(test -c /dev/vfio/$group && echo ok)" \
		"lm-vfio-pci ok"
}

FN_A=$PF/0
FN_B=$PF/1
FN_C=$PF/2
# The source's and the destination's functions, as the document has them.
doc_run vm-attach
on_vfio $FN_A
on_vfio $FN_B
# A third, with too few queues for the VM: the destination that refuses.
tap_run "$FN_C: provisioned, 2 VQ, online" \
	lmctl fn provision $FN_C queues 2 irqs 2 online on || tap_exit
tap_run "$FN_C: migratable" lmctl fn set $FN_C migratable on || tap_exit
tap_run "$FN_C: attached" lmctl fn attach $FN_C vfio || tap_exit
on_vfio $FN_C
VF_A=$(vf_of $FN_A)
VF_B=$(vf_of $FN_B)
VF_C=$(vf_of $FN_C)
[ -n "$VF_A" ] && [ -n "$VF_B" ] && [ -n "$VF_C" ] || tap_exit
tap_diag "VF A $VF_A, VF B $VF_B, VF C $VF_C (too few queues)"

# fn_state FN: the function's migration state, as lmctl says it.
fn_state() {
	lmctl -j fn show "$1" | jq -r '.fn[].state'
}

# --- The QEMUs. Each has its console on a pipe (NAME.in, NAME.out, copied
# to NAME.log as it comes) and QMP on NAME.qmp.

# The document's options of the VF and the monitor.
doc_take vm-qemu-vf && cp $T/block $T/vm-qemu-vf

# vm_start NAME VF [QEMU_ARGS...]
vm_start() {
	local name=$1 vf=$2
	shift 2
	rm -f $T/$name.in $T/$name.out $T/$name.qmp
	mkfifo $T/$name.in $T/$name.out
	: > $T/$name.log
	cat $T/$name.out >> $T/$name.log &
	eval "${name}_cat=$!"
	# shellcheck disable=SC2054 # the commas are QEMU's
	$QEMU -nodefaults -no-user-config -machine q35 -accel tcg -cpu max \
		-m 256 -smp 1 -display none \
		-kernel /lm/vm/vmlinuz -initrd /lm/vm/initrd.img \
		-append "console=ttyS0 panic=-1 quiet loglevel=4 no_timer_check" \
		-chardev pipe,id=con,path=$T/$name -serial chardev:con \
		$(sed "s|\\\$VF|$vf|g; s|\\\$NAME|$name|g" $T/vm-qemu-vf) \
		"$@" > $T/$name.qemu 2>&1 &
	eval "${name}_pid=$!"
}

# qmp NAME COMMAND [ARGUMENTS]: QEMU NAME's answer, the JSON object.
qmp() {
	local name=$1
	shift
	lm_qmp --wait 60 $T/$name.qmp "$@"
}

# vm_status NAME: "running", "inmigrate", "postmigrate", ...
vm_status() {
	qmp "$1" query-status | jq -r '.return.status'
}

# vm_wait NAME SECONDS PATTERN [COUNT]: wait until NAME's console has
# COUNT (default 1) lines matching PATTERN; false on timeout or if its QEMU
# is gone.
vm_wait() {
	local name=$1 s=$2 pat=$3 count=${4:-1} pid
	eval "pid=\$${name}_pid"
	while [ "$(grep -c -- "$pat" $T/$name.log)" -lt "$count" ]; do
		kill -0 "$pid" 2>/dev/null || return 1
		[ "$s" -gt 0 ] || return 1
		s=$((s - 1))
		sleep 1
	done
}

# vm_reap NAME: wait for NAME's QEMU to exit (up to 60 s, then kill it);
# its exit status in vm_rc.
vm_reap() {
	local name=$1 pid cat s=60
	eval "pid=\$${name}_pid cat=\$${name}_cat"
	while kill -0 "$pid" 2>/dev/null && [ $s -gt 0 ]; do
		sleep 1
		s=$((s - 1))
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
	wait "$pid"
	vm_rc=$?
	kill "$cat" 2>/dev/null
	wait "$cat" 2>/dev/null
}

# progress NAME: vm_blk_io's progress lines on NAME's console so far.
progress() {
	grep -c 'vm_blk_io: progress' $T/$1.log
}

# vm_fail NAME TEST: the test failed; NAME's console and QEMU output.
vm_fail() {
	tap_fail "$2" "console:
$(tail -n 30 $T/$1.log | tr -d '\r')
qemu:
$(tail -n 20 $T/$1.qemu)"
}

# hmp NAME COMMAND: a monitor command to QEMU NAME; what it prints.
hmp() {
	local name=$1 cmd=$2
	qmp $name human-monitor-command \
		"$(jq -cn --arg c "$cmd" '{"command-line": $c}')" > $T/hmp.json ||
		{ cat $T/hmp.json; return 1; }
	jq -j '.return' $T/hmp.json
}

# doc_hmp NAME VM: the monitor block NAME of the document, command by
# command in VM's monitor, each with what the block says it prints.
doc_hmp() {
	local name=$1 vm=$2 line cmd=""
	doc_take "$name" || return
	: > $T/want
	while IFS= read -r line; do
		case $line in
		'(qemu) '*)
			[ -z "$cmd" ] || hmp_check "$name" "$vm" "$cmd"
			cmd=${line#(qemu) }
			: > $T/want
			;;
		*)
			printf '%s\n' "$line" >> $T/want
			;;
		esac
	done < $T/block
	[ -z "$cmd" ] || hmp_check "$name" "$vm" "$cmd"
}

hmp_check() {
	hmp "$2" "$3" > $T/out 2>&1
	if [ $? -eq 0 ] && cmp -s $T/want $T/out; then
		tap_ok "doc $1: ($2) $3"
	else
		tap_fail "doc $1: ($2) $3" "got:
$(cat $T/out)
the document says:
$(cat $T/want)"
	fi
}

# migrate_wait SRC: wait for the end of SRC's migration; its status in
# mig_status, query-migrate's answer in $T/SRC.mig.
migrate_wait() {
	local src=$1 s=0
	while :; do
		qmp $src query-migrate > $T/$src.mig
		mig_status=$(jq -r '.return.status' $T/$src.mig)
		case "$mig_status" in
		completed | failed | cancelled) return ;;
		esac
		[ $((s % 30)) -ne 29 ] ||
			tap_diag "$src: $(jq -c '.return | {status, "expected-downtime", ram: (.ram // {} | {transferred, remaining, "dirty-sync-count"})}' $T/$src.mig)"
		[ $s -lt "$MIG_S" ] || return
		s=$((s + 1))
		sleep 1
	done
}

# --- The VM, on VF A.

vm_start a $VF_A
t0=$(date +%s)
if ! vm_wait a $BOOT_S 'vm_blk_io: running'; then
	vm_fail a "vm: booted on VF A, I/O running"
	vm_reap a
	tap_exit
fi
tap_ok "vm: booted on VF A, I/O running (after $(($(date +%s) - t0)) s)"
same "vm: the VM's QEMU runs" "$(vm_status a)" running
same "$FN_A: running" "$(fn_state $FN_A)" running

# Before: two progress reports, I/O going.
vm_wait a 300 'vm_blk_io: progress' 2 ||
	vm_fail a "vm: I/O advances on VF A"

# --- A migration that the destination refuses.

# The document's commands, with this destination's socket.
vm_start c $VF_C -incoming defer
hmp c "migrate_set_capability return-path on" &&
	hmp c "migrate_incoming unix:$T/c.sock"
same "refused: the destination QEMU waits for the stream" "$(vm_status c)" inmigrate
before=$(progress a)
hmp a "migrate_set_capability return-path on" &&
	hmp a "migrate_set_parameter avail-switchover-bandwidth 4G" &&
	hmp a "migrate -d unix:$T/c.sock"
migrate_wait a
same "refused: the migration failed" "$mig_status" failed
tap_diag "refused: $(jq -c '.return | {status, "error-desc"}' $T/a.mig)"
vm_reap c
if [ "$vm_rc" -ne 0 ] && grep -qi 'vfio' $T/c.qemu; then
	tap_ok "refused: the destination QEMU quit over the VF's state (status $vm_rc)"
else
	tap_fail "refused: the destination QEMU quit over the VF's state" \
		"status $vm_rc: $(cat $T/c.qemu)"
fi
tap_diag "$(grep -i 'vfio\|error' $T/c.qemu | head -n 5)"
same "refused: the source VM runs again" "$(vm_status a)" running
same "refused: $FN_A running again" "$(fn_state $FN_A)" running
if vm_wait a 300 'vm_blk_io: progress' $((before + 2)); then
	tap_ok "refused: I/O advances on VF A after the failed migration"
else
	vm_fail a "refused: I/O advances on VF A after the failed migration"
fi
same "refused: $FN_C left as it was, running" "$(fn_state $FN_C)" running

# --- The migration.

vm_start b $VF_B -incoming defer
doc_hmp vm-incoming b
same "migrate: the destination QEMU waits for the stream" "$(vm_status b)" inmigrate
doc_hmp vm-migrate a
migrate_wait a
same "migrate: completed" "$mig_status" completed
downtime=$(jq -r '.return.downtime' $T/a.mig)
total=$(jq -r '.return["total-time"]' $T/a.mig)
vfio=$(jq -r '.return.vfio.transferred // "none"' $T/a.mig)
ram=$(jq -r '.return.ram.transferred' $T/a.mig)
tap_diag "migrate: downtime $downtime ms, total $total ms; device state $vfio bytes, RAM $ram bytes"
echo "nvme-vm: downtime_ms $downtime total_ms $total vfio_bytes $vfio ram_bytes $ram"
if [ "$vfio" != none ] && [ "$vfio" -gt 0 ]; then
	tap_ok "migrate: the VF's device state went with the VM ($vfio bytes)"
else
	tap_fail "migrate: the VF's device state went with the VM" "$(cat $T/a.mig)"
fi
same "migrate: the source QEMU is done" "$(vm_status a)" postmigrate
same "migrate: the VM runs on the destination" "$(vm_status b)" running
doc_run vm-after
qmp a quit > /dev/null
vm_reap a
same "migrate: the source QEMU quit" "$vm_rc" 0
same "migrate: $FN_A, closed, reset to running" "$(fn_state $FN_A)" running

# After: the VM's console is now on the destination's QEMU.
if vm_wait b 300 'vm_blk_io: progress' 2; then
	tap_ok "migrate: I/O advances on VF B"
else
	vm_fail b "migrate: I/O advances on VF B"
fi
echo stop > $T/b.in
if vm_wait b 600 'LM-VM-END'; then
	tap_ok "vm: stopped, powered off"
else
	vm_fail b "vm: stopped, powered off"
fi
vm_reap b
same "vm: the destination QEMU exited" "$vm_rc" 0
tap_diag "$(grep 'vm_blk_io:' $T/b.log | tail -n 3 | tr -d '\r')"
# The VM's own results, from both consoles: each is a result here.
cat $T/a.log $T/b.log | tr -d '\r' | sed -n '/^LM-VM-BEGIN/,/^LM-VM-END/p' |
	grep -E '^(not )?ok ' > $T/vm.tap
same "vm: the VM reported its five results" "$(wc -l < $T/vm.tap)" 5
while read -r res; do
	name=$(echo "$res" | sed -E 's/^(not )?ok [0-9]+ (vm: )?//')
	name="vm: $name"
	case "$res" in
	"not ok "*) tap_fail "$name" "the VM's result" ;;
	*) tap_ok "$name" ;;
	esac
done < $T/vm.tap

# --- Detach: the VFs back to no driver, the functions free again.
doc_run vm-detach
tap_run "$FN_C: lmctl fn detach" lmctl fn detach $FN_C
for fn in $FN_A $FN_B $FN_C; do
	same "$fn: detached, its VF on no driver" \
		"$(fn_state $fn) $(lmctl -j fn show $fn | jq -r '.fn[].vfio') $(test -e /sys/bus/pci/devices/$(vf_of $fn)/driver && echo bound || echo unbound)" \
		"running false unbound"
done
doc_all_run
tap_exit
