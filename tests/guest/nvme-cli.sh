#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Inside the nvme-cli VM (tests/suites/nvme-cli.sh): nvme-cli's secondary
# plugin (nvme-cli/) driving nvme-lm on the emulated NVMe controller with
# live migration of the project's QEMU, the way an NVMe operator would.
# Every command: its --help; what it changes, read back with lmctl -j (and
# sysfs); list's JSON parsed with jq and compared field by field with
# lmctl -j, its normal output with its JSON; bad arguments and requests
# the kernel refuses, each with its clear message (the kernel's reason
# where it gives one), exit status 1, nothing on stdout and nothing
# changed. Then the real thing: a secondary controller under verified I/O
# (nvme_vfio_io, a user-space NVMe driver over vfio-pci, paused with
# commands in flight as a VMM stops its guest) moved into another by
# "nvme secondary migrate" with and without pre-copy and by suspend, save
# and restore, the I/O going on there with every block read back.
. /lm/lib/tap.sh
. /lm/lib/nvme.sh

T=/tmp/nvme-cli
mkdir -p $T
. /lm/lib/checks.sh
DEVS=/sys/bus/pci/devices

nvme_find_pf || tap_exit
nvme_lm_bind || tap_exit
LMN=$(ls $DEVS/$PF/lm)
same "lm device" "$LMN" lm0

# --- Help.
ok "help: the plugin's commands" nvme secondary help
CMDS="list provision online offline enable-migration disable-migration suspend resume save restore migrate"
for c in $CMDS; do
	holds "help: lists $c" -n "$(grep "^  $c " $T/out)"
done
# cmd_opts CMD: the long options of CMD.
cmd_opts() {
	case $1 in
	list) echo cntlid output-format ;;
	provision) echo cntlid nvq nvi online offline ;;
	save | restore) echo cntlid file output-format ;;
	migrate) echo source destination no-precopy rounds output-format ;;
	*) echo cntlid ;;
	esac
}
for c in $CMDS; do
	for h in --help -h; do
		nvme secondary $c $h > $T/out 2> $T/err
		rc=$?
		missing=""
		for o in $(cmd_opts $c); do
			grep -q -- "--$o" $T/err || missing="$missing --$o"
		done
		if [ $rc -eq 0 ] && grep -q "Usage: nvme secondary $c <device>" $T/err &&
		   grep -q 'primary controller, bound to nvme-lm' $T/err &&
		   [ -z "$missing" ]; then
			tap_ok "help: $c $h"
		else
			tap_fail "help: $c $h" "exit $rc, options missing:$missing
$(cat $T/err)"
		fi
	done
done

# --- list, against lmctl.

# list_agrees WHEN [HANDLE]: nvme secondary list -o json says of every
# secondary controller what lmctl -j fn show says of its function, and of
# the primary controller what lmctl -j dev show says.
list_agrees() {
	local when="$1" h="${2:-$PF}"
	ok "$when: list -o json" nvme secondary list $h -o json
	cp $T/out $T/list.json
	lmctl -j fn show $PF > $T/lmctl-fn.json
	lmctl -j dev show $PF > $T/lmctl-dev.json
	same "$when: list: num = lmctl's functions" \
		"$(jq -r .num $T/list.json)" "$(jq -r '.fn | length' $T/lmctl-fn.json)"
	same "$when: list: primary-controller, lm-device, driver, migration-capabilities = lmctl dev show" \
		"$(jq -c '[."primary-controller", ."lm-device", .driver, ."migration-capabilities"]' $T/list.json)" \
		"$(jq -c '.dev[] | [.parent, "lm\(.id)", .driver, .mig_caps]' $T/lmctl-dev.json)"
	same "$when: list: every controller = lmctl fn show" \
		"$(jq -c '[."secondary-controllers"[] | [."lm-function", ."secondary-controller-identifier", ."virtual-function-number", ."num-virtual-queues", ."num-virtual-interrupts", .online, ."secondary-controller-state", .migratable, ."migration-state", ."virtual-function-address"]]' $T/list.json)" \
		"$(jq -c '[.fn[] | [.index, .hw_id, .vf, .queues, .irqs, .online, (if .online then 1 else 0 end), .migratable, .state, .pci]]' $T/lmctl-fn.json)"
	# Owner: lm's VFIO handoff, else the VF's driver, else none.
	local want="" e pci drv
	for e in $(jq -r '."secondary-controllers"[] | "\(."virtual-function-address")"' $T/list.json); do
		drv=none
		[ "$e" = null ] || [ ! -e $DEVS/$e/driver ] ||
			drv=$(basename "$(readlink $DEVS/$e/driver)")
		want="$want $drv"
	done
	same "$when: list: owner = the VF's driver" \
		"$(jq -r '[."secondary-controllers"[].owner] | join(" ")' $T/list.json)" "${want# }"
	# The normal output shows the same values.
	ok "$when: list, normal output" nvme secondary list $h
	same "$when: list, normal: the header" "$(head -n 1 $T/out)" \
		"Secondary Controller List of $PF ($LMN), driver nvme_lm:"
	awk -F' : ' '
		/^     SCID / { printf "%s", $3 }
		/^     SCS / { split($3, a, " "); printf " %s", a[1] }
		/^     (VFN|NVQ|NVI|OWNER|MIGST) / { printf " %s", $3 }
		/^     MIG / { printf " %s", $3 == "Yes" ? "true" : "false" }
		/^     LMFN / { printf " %s\n", $3 }' $T/out |
	while read -r line; do
		# the hexadecimal fields in decimal
		for w in $line; do
			case $w in 0x*) printf '%d ' $((w)) ;; *) printf '%s ' $w ;; esac
		done
		echo
	done > $T/normal.txt
	same "$when: list, normal = json" "$(cat $T/normal.txt)" \
		"$(jq -r '."secondary-controllers"[] | "\(."secondary-controller-identifier") \(."secondary-controller-state") \(."virtual-function-number") \(."num-virtual-queues") \(."num-virtual-interrupts") \(.owner) \(.migratable) \(."migration-state") '"$LMN"'/\(."lm-function") "' $T/list.json)"
}

list_agrees "bound"
tap_diag "nvme secondary list $PF:
$(nvme secondary list $PF 2>&1 | head -n 16)"
same "list: four secondary controllers, 1 to 4" \
	"$(jq -c '[."secondary-controllers"[]."secondary-controller-identifier"]' $T/list.json)" "[1,2,3,4]"
same "list: live migration" "$(jq -c '."migration-capabilities"' $T/list.json)" \
	'["stop_copy","pre_copy"]'
list_agrees "by lmN" $LMN
list_agrees "by the short address" ${PF#0000:}
ok "list -c 0x3" nvme secondary list $PF -c 0x3 -o json
same "list -c 0x3: that one only" \
	"$(jqo '[."secondary-controllers"[]."secondary-controller-identifier"] | join(" ")')" 3
ok "list -c 2 --output-format=json" nvme secondary list $PF --cntlid=2 --output-format=json
same "list -c 2: lm function 1" "$(jqo '."secondary-controllers"[0]."lm-function"')" 1

# --- Refused, with nothing changed.
lmctl -j fn show $PF > $T/before.json
# refused NAME PATTERN ARGS...: nvme secondary ARGS exits 1 with PATTERN
# on stderr, nothing on stdout.
refused() {
	local name="$1" pattern="$2"
	shift 2
	fails "refused: $name" 1 "$pattern" nvme secondary "$@"
}
refused "no device" "list: missing the primary controller" list
refused "two devices" "one primary controller only, not 'lm1'" list $LMN lm1
refused "no such lm device" "'lm7': no such primary controller" list lm7
refused "a malformed name" "'lm01': invalid primary controller" list lm01
refused "a PCI function not bound to nvme-lm" \
	"'0000:00:00.0': not bound to nvme-lm \(it has no driver\)|'0000:00:00.0': not bound to nvme-lm \(its driver is" \
	list 0000:00:00.0
refused "binary output" "--output-format: 'binary': expected normal or json" list $PF -o binary
refused "list -c of no controller" "no secondary controller 0x99" list $PF -c 0x99
refused "list -c not a number" "--cntlid: 'two' is not a number" list $PF -c two
refused "provision without -c" "--cntlid: which secondary controller" provision $PF --nvq=2
refused "provision -c of no controller" \
	"$PF \($LMN\): no secondary controller 0x9 \(it has 4, 0x1 to 0x4\)" \
	provision $PF -c 9 --nvq=2
refused "provision --nvq=12abc" "--nvq: '12abc' is not a number" provision $PF -c 2 --nvq=12abc
refused "provision --nvq=-1" "--nvq: '-1' is not a number" provision $PF -c 2 --nvq=-1
refused "provision --nvi=0x10000" "--nvi: '0x10000' is out of range \(0-65535\)" \
	provision $PF -c 2 --nvi=0x10000
refused "provision --online --offline" "--online and --offline exclude each other" \
	provision $PF -c 2 --nvq=2 --online --offline
refused "provision nothing" "nothing to provision" provision $PF -c 2
refused "provision by the kernel: too many VQ" \
	"^secondary: $PF \($LMN\): secondary controller 0x2 \($LMN/1\): provision: Invalid argument: the device cannot take these provisioning values$" \
	provision $PF -c 2 --nvq=7 --nvi=1
refused "online without resources" \
	"^secondary: $PF \($LMN\): secondary controller 0x2 \($LMN/1\): online: Invalid argument: the device cannot take these provisioning values$" \
	online $PF -c 2
refused "an unknown option" "unrecognized option|Usage" list $PF --bogus
refused "save: not enabled for migration" \
	"save: secondary controller 0x1 is not enabled for migration \(see enable-migration\)" \
	save $PF -c 1 -f $T/state
holds "refused save: no file written" ! -e $T/state
refused "save without --file" "--file: where is the state" save $PF -c 1
refused "restore from no file" "$T/none: No such file or directory" restore $PF -c 1 -f $T/none
refused "suspend: not enabled for migration" "suspend: secondary controller 0x1 is not enabled" \
	suspend $PF -c 1
refused "migrate into itself" "secondary controller 0x1 is both source and destination" \
	migrate $PF -s 1 -d 0x1
refused "migrate without -d" "--source and --destination" migrate $PF -s 1
refused "migrate --rounds=0" "--rounds: at least 1" migrate $PF -s 1 -d 2 --rounds=0
refused "migrate --rounds with --no-precopy" "exclude each other" \
	migrate $PF -s 1 -d 2 --rounds=2 --no-precopy
refused "migrate: not enabled for migration" "migrate: secondary controller 0x1 is not enabled" \
	migrate $PF -s 1 -d 2
# The pool: 12 VQ for all; two take 6 each, a third gets none.
ok "pool: 6 VQ to 0x1" nvme secondary provision $PF -c 1 --nvq=6 --nvi=4
ok "pool: 6 VQ to 0x2" nvme secondary provision $PF -c 2 --nvq=6 --nvi=4
refused "pool: none left for 0x3" \
	"secondary controller 0x3 \($LMN/2\): provision: No space left on device: the controlling function has too few resources left$" \
	provision $PF -c 3 --nvq=2 --nvi=1
ok "pool: 0x1 back" nvme secondary provision $PF -c 1 --nvq=0 --nvi=0
ok "pool: 0x2 back" nvme secondary provision $PF -c 2 --nvq=0 --nvi=0
lmctl -j fn show $PF > $T/after.json
same "refused: nothing changed" "$(cat $T/after.json)" "$(cat $T/before.json)"

# --- Provisioning.
# fn_is SCID FILTER: FILTER over lmctl's function of SCID (hw_id).
fn_is() {
	lmctl -j fn show $PF | jq -r ".fn[] | select(.hw_id == $1) | $2"
}
ok "provision 0x1: 2 VQ, 1 VI, online" nvme secondary provision $PF -c 1 --nvq=2 --nvi=1 --online
same "provisioned 0x1: lmctl" "$(fn_is 1 '"\(.queues) \(.irqs) \(.online)"')" "2 1 true"
holds "provisioned 0x1: nothing on stdout" ! -s $T/out
same "provisioned 0x1: the VFs are enabled" "$(cat $DEVS/$PF/sriov_numvfs)" 4
refused "provision an online controller" \
	"provision: Device or resource busy: resources of an online function cannot change: take it offline in the same request$" \
	provision $PF -c 1 --nvq=3
ok "provision 0x1 --offline with 3 VQ, 2 VI" nvme secondary provision $PF -c 1 -q 3 -i 2 -F
same "offline with new resources: lmctl" "$(fn_is 1 '"\(.queues) \(.irqs) \(.online)"')" "3 2 false"
ok "online 0x1" nvme secondary online $PF -c 1
same "online: lmctl" "$(fn_is 1 '"\(.queues) \(.irqs) \(.online)"')" "3 2 true"
ok "offline 0x1" nvme secondary offline $LMN -c 0x1
same "offline: lmctl (going offline releases the resources)" \
	"$(fn_is 1 '"\(.queues) \(.irqs) \(.online)"')" "0 0 false"
ok "provision 0x1 -O with 2 VQ, 1 VI, by the short address" \
	nvme secondary provision ${PF#0000:} -c 1 -q 2 -i 1 -O
ok "provision 0x2: 2 VQ, 1 VI, online" nvme secondary provision $PF --cntlid=2 --nvq=2 --nvi=1 --online
list_agrees "online"

# --- Migration enabled, suspended, resumed.
ok "enable-migration 0x1" nvme secondary enable-migration $PF -c 1
same "enable-migration: lmctl" "$(fn_is 1 .migratable)" true
ok "disable-migration 0x1" nvme secondary disable-migration $PF -c 1
same "disable-migration: lmctl" "$(fn_is 1 .migratable)" false
ok "enable-migration 0x1 again" nvme secondary enable-migration $PF -c 1
ok "enable-migration 0x2" nvme secondary enable-migration $PF -c 2
ok "suspend 0x1" nvme secondary suspend $PF -c 1
same "suspended: lmctl" "$(fn_is 1 .state)" stop
refused "disable-migration while suspended" "disable-migration: Device or resource busy" \
	disable-migration $PF -c 1
ok "resume 0x1" nvme secondary resume $PF -c 1
same "resumed: lmctl" "$(fn_is 1 .state)" running
list_agrees "migratable"

# --- save and restore, the files: a save replaces FILE once whole; a
# stream that is none is refused and the destination is left usable.
ok "save 0x2 -o json" nvme secondary save $PF -c 2 -f $T/idle.lm -o json
same "save: the JSON" "$(jqo '"\(.operation) \(."secondary-controller-identifier") \(."lm-function") \(.file)"')" \
	"save 2 1 $T/idle.lm"
same "save: as many bytes as the file has" "$(jqo .bytes)" "$(wc -c < $T/idle.lm)"
same "save: the file is lm's stream (LM_STREAM_MAGIC)" "$(head -c 4 $T/idle.lm)" LMST
same "save: 0x2 runs on" "$(fn_is 2 .state)" running
ok "save 0x2, normal" nvme secondary save $PF -c 2 -f $T/idle2.lm
holds "save, normal: the summary" -n "$(grep -E "^saved secondary controller 0x2 \($LMN/1\): [0-9]+ bytes to $T/idle2.lm in [0-9.]+ ms$" $T/out)"
echo garbage > $T/garbage.lm
cp $T/garbage.lm $T/keep.lm
refused "save into a directory that is not there" "$T/no/dir/x.lm: No such file or directory" \
	save $PF -c 2 -f $T/no/dir/x.lm
refused "save onto a file: 0x3 is not enabled for migration" "secondary controller 0x3 is not enabled" \
	save $PF -c 3 -f $T/keep.lm
same "refused save: the file as it was" "$(cat $T/keep.lm)" garbage
ok "save 0x2 onto a file" nvme secondary save $PF -c 2 -f $T/keep.lm
same "saved onto a file: replaced by the stream" "$(head -c 4 $T/keep.lm)" LMST
same "saved: no file left beside it" "$(ls -A $T | grep -c '^\.keep\.lm\.')" 0
refused "restore a file that is no stream" "restore secondary controller 0x2 \($LMN/1\): .+: " \
	restore $PF -c 2 -f $T/garbage.lm
same "refused restore: 0x2 runs" "$(fn_is 2 .state)" running
ok "restore 0x2 from its own save -o json" nvme secondary restore $PF -c 2 -f $T/idle.lm -o json
same "restore: the JSON" "$(jqo '"\(.operation) \(."secondary-controller-identifier") \(.bytes)"')" \
	"restore 2 $(wc -c < $T/idle.lm)"
same "restored: 0x2 runs" "$(fn_is 2 .state)" running

# --- The real thing: verified I/O moved from one VF to the other.
VF_A=$(fn_is 1 .pci)
VF_B=$(fn_is 2 .pci)
tap_diag "VF A $VF_A (0x1), VF B $VF_B (0x2)"
. /lm/lib/nvme-vfio-ctl.sh
tap_run "VF A to vfio-pci" bind_vfio $VF_A || tap_exit
tap_run "VF B to vfio-pci" bind_vfio $VF_B || tap_exit
list_agrees "VFs with vfio-pci"
same "owners: vfio-pci for 0x1 and 0x2" \
	"$(jq -r '[."secondary-controllers"[].owner] | join(" ")' $T/list.json)" "vfio-pci vfio-pci none none"

# scid FN: the secondary controller identifier of lm function PF/N.
scid() {
	lmctl -j fn show $1 | jq -r '.fn[].hw_id'
}

# The moves, as mig (nvme-vfio-ctl.sh) calls them with lm functions; each
# checks what nvme secondary printed.
move_stop_copy() {
	local s d
	s=$(scid $1) d=$(scid $2)
	nvme secondary migrate $PF -s $s -d $d --no-precopy -o json > $T/mig.json &&
		jq -e --argjson s $s --argjson d $d \
			'.source == $s and .destination == $d and ."precopy-rounds" == 0 and
			 ."precopy-bytes" == 0 and ."stop-copy-bytes" > 0 and
			 .bytes == ."stop-copy-bytes"' $T/mig.json > /dev/null ||
		{ cat $T/mig.json; return 1; }
}

move_pre_copy() {
	local s d
	s=$(scid $1) d=$(scid $2)
	nvme secondary migrate $PF --source=$s --destination=$d --rounds=2 > $T/mig.txt &&
		grep -qE "^migrated secondary controller 0x$s \($LMN/${1##*/}\) to 0x$d \($LMN/${2##*/}\): [12] pre-copy rounds, [0-9]+ bytes while running, [1-9][0-9]* bytes stopped, downtime [0-9.]+ ms, migration [0-9.]+ ms$" \
			$T/mig.txt || { cat $T/mig.txt; return 1; }
}

move_save_restore() {
	local s d
	s=$(scid $1) d=$(scid $2)
	nvme secondary suspend $PF -c $s &&
		nvme secondary save $PF -c $s -f $T/state.lm -o json > $T/save.json &&
		[ "$(jq -r .bytes $T/save.json)" = "$(wc -c < $T/state.lm)" ] &&
		[ "$(lmctl -j fn show $1 | jq -r '.fn[].state')" = stop ] &&
		sleep 1 &&
		nvme secondary restore $PF -c $d -f $T/state.lm -o json > $T/restore.json &&
		[ "$(jq -r .bytes $T/restore.json)" = "$(wc -c < $T/state.lm)" ]
}

mig stop-copy move_stop_copy $PF/0 $VF_A $PF/1 $VF_B 21
mig pre-copy move_pre_copy $PF/1 $VF_B $PF/0 $VF_A 22
mig save-restore move_save_restore $PF/0 $VF_A $PF/1 $VF_B 23
list_agrees "migrated"
tap_diag "nvme secondary list $PF -c 2 -o json:
$(nvme secondary list $PF -c 2 -o json 2>&1)"
bg_kill

# --- Everything back.
for vf in $VF_A $VF_B; do
	tap_run "$vf from vfio-pci" sh -c "echo $vf > /sys/bus/pci/drivers/vfio-pci/unbind"
done

# --- attach-vfio and detach-vfio: the VF to lm-vfio-pci and back.
if tap_run load-lm-vfio-pci insmod /lm/modules/lm-vfio-pci.ko; then
	group=$(basename "$(readlink $DEVS/$VF_A/iommu_group)")
	ok "attach-vfio 0x1" nvme secondary attach-vfio $PF -c 1 -o json
	same "attach-vfio: the VF and its IOMMU group" \
		"$(jqo '"\(.vf) \(."iommu-group") \(."secondary-controller-identifier")"')" \
		"$VF_A $group 1"
	same "attach-vfio: the VF is on lm-vfio-pci" \
		"$(basename "$(readlink $DEVS/$VF_A/driver)")" lm-vfio-pci
	same "attach-vfio: lmctl says vfio" \
		"$(lmctl -j fn show $PF/0 | jq -r '.fn[].vfio')" true
	fails "attach-vfio again: refused" 1 "handed to VFIO already" \
		nvme secondary attach-vfio $PF -c 1
	fails "suspend while VFIO has it: refused" 1 "Device or resource busy" \
		nvme secondary suspend $PF -c 1
	fails "attach-vfio without -c: refused" 1 "cntlid" \
		nvme secondary attach-vfio $PF
	ok "detach-vfio 0x1" nvme secondary detach-vfio $PF -c 1
	same "detach-vfio: the VF is on no driver" \
		"$(readlink $DEVS/$VF_A/driver)" ""
	fails "detach-vfio again: refused" 1 "not handed to VFIO" \
		nvme secondary detach-vfio $PF -c 1
	tap_run unload-lm-vfio-pci rmmod lm_vfio_pci
fi
ok "disable-migration 0x1" nvme secondary disable-migration $PF -c 1
ok "disable-migration 0x2" nvme secondary disable-migration $PF -c 2
ok "offline 0x1" nvme secondary offline $PF -c 1
ok "offline 0x2" nvme secondary offline $PF -c 2
tap_run "VFs disabled" sh -c "echo 0 > $DEVS/$PF/sriov_numvfs"
lmctl -j fn show $PF > $T/after.json
same "back: as at the start" "$(cat $T/after.json)" "$(cat $T/before.json)"
tap_run unload-nvme-lm rmmod nvme_lm
tap_run unload-lm rmmod lm
tap_exit
