#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Inside the nvme VM (tests/suites/nvme.sh), once tests/guest/nvme.sh has
# bound the primary controller $NVME_LM_PF to nvme-lm and loaded the stock
# nvme driver: nvme-lm driven with lmctl the way an operator drives it, by
# the PCI address of the primary controller.
#
# The walk-through of docs/nvme-lm.rst runs from the document itself. Each
# named console block ("$ COMMAND" lines, each followed by what it prints)
# runs here command by command, its output compared line for line; each
# named text block holds kernel log lines that must have been logged since
# the step before; every named block must run. So the document shows
# nothing that does not work. Between the steps, what lmctl reports (-j,
# parsed with jq) is compared with what the kernel says through sysfs,
# nvme-lm's debugfs and the lm ioctls (ioctl_info), and with what the stock
# nvme driver finds behind the VF (with the VM's 2 CPUs, a VF with N VQ and
# N VI gets N - 1 I/O queues and N interrupts); data written through the VF
# is read back through the primary controller once the stock driver has it.
. /lm/lib/tap.sh

DOC=/lm/nvme-lm.rst
T=/tmp/nvme-lmctl
mkdir -p $T
: > $T/doc-run
. /lm/lib/checks.sh
. /lm/lib/doc.sh

PFX=$NVME_LM_PF
if [ -z "$PFX" ] || [ ! -e /sys/bus/pci/drivers/nvme-lm/$PFX ]; then
	tap_fail "primary controller" "NVME_LM_PF='$PFX' is not bound to nvme-lm"
	tap_exit
fi
DEVS=/sys/bus/pci/devices
DBG=/sys/kernel/debug/nvme-lm/$PFX
STATES="error stop running stop_copy resuming running_p2p pre_copy pre_copy_p2p"

# --- What the kernel says.

# fn_line_ioctl FN: what LM_FN_INFO says of function FN of $LMN, in the
# words of fn_line_lmctl.
fn_line_ioctl() {
	local pci
	# flags state vf hw_id domain bdf queues irqs memory
	set -- $(ioctl_info /dev/$LMN $1 | jq -r '"\(.fn_flags) \(.mig_state) \(.vf) \(.hw_id) \(.pci_domain) \(.pci_bdf) \(.queues) \(.irqs) \(.memory)"')
	pci=none
	[ $(($1 & 8)) -eq 0 ] ||
		pci=$(printf '%04x:%02x:%02x.%x' $5 $(($6 >> 8)) \
			$((($6 >> 3) & 31)) $(($6 & 7)))
	echo "state $(echo $STATES | cut -d' ' -f$(($2 + 1))) online $(tf $(($1 & 1))) migratable $(tf $(($1 & 2))) vfio $(tf $(($1 & 4))) pci $pci vf $3 hw_id $4 queues $7 irqs $8 memory $9"
}

tf() {
	if [ "$1" -ne 0 ]; then echo true; else echo false; fi
}

# fn_line_lmctl FN: what lmctl -j says of function FN of the PF, on a line.
fn_line_lmctl() {
	lmctl -j fn show $PF/$1 | jq -r '.fn[] | "state \(.state) online \(.online) migratable \(.migratable) vfio \(.vfio) pci \(.pci // "none") vf \(.vf) hw_id \(.hw_id) queues \(.queues) irqs \(.irqs) memory \(.memory)"'
}

# fns_agree WHEN: for every function, lmctl and LM_FN_INFO say the same.
fns_agree() {
	local fn
	for fn in 0 1 2 3; do
		fn_line_lmctl $fn > $T/fn-lmctl
		if grep -q '^state ' $T/fn-lmctl; then
			same "$1: fn $fn: lmctl = LM_FN_INFO" \
				"$(cat $T/fn-lmctl)" "$(fn_line_ioctl $fn)"
		else
			tap_fail "$1: fn $fn: lmctl = LM_FN_INFO" "lmctl said nothing"
		fi
	done
}

# primary_cap KEY: a value of the Primary Controller Capabilities, read from
# the controller by nvme-lm's debugfs.
primary_cap() {
	sed -n "s/^$1 //p" $DBG/primary_caps
}

# resources_agree WHEN: the VQ and VI the controller counts as assigned to
# secondary controllers are those lmctl shows.
resources_agree() {
	ok "$1: fn show -j" lmctl -j fn show $PF
	same "$1: VQ assigned (VQRFA) = lmctl's queues" \
		"$(primary_cap vqrfa)" "$(jqo '[.fn[].queues] | add')"
	same "$1: VI assigned (VIRFA) = lmctl's irqs" \
		"$(primary_cap virfa)" "$(jqo '[.fn[].irqs] | add')"
}

# blockdev_of BDF: the namespace block device (nvmeXnY) the nvme driver
# made for the controller at BDF, waiting up to 20 s for its scan.
blockdev_of() {
	local tenths=200 d
	while [ $tenths -gt 0 ]; do
		for d in $DEVS/$1/nvme/nvme*/nvme*n*; do
			if [ -e "$d" ] && [ -b /dev/${d##*/} ]; then
				echo ${d##*/}
				return 0
			fi
		done
		sleep 0.1
		tenths=$((tenths - 1))
	done
	return 1
}

# The same 1 MiB, 4 MiB into the shared namespace, through any controller.
dd if=/dev/urandom of=$T/pattern bs=64k count=16 2> /dev/null
PATTERN=$(md5sum < $T/pattern | cut -d' ' -f1)
write_pattern() {
	dd if=$T/pattern of=/dev/$1 bs=64k seek=64 conv=fsync 2> /dev/null
}
read_pattern() {
	echo 3 > /proc/sys/vm/drop_caches
	dd if=/dev/$1 bs=64k skip=64 count=16 2> /dev/null | md5sum | cut -d' ' -f1
}

driver_of() {
	basename "$(readlink $DEVS/$1/driver)"
}

# --- Listening from the start: the document's monitor and one in JSON.
# They listen once a change made after they started shows in both.
doc_monitor_start nvme-lm-monitor
lmctl -j monitor > $T/monitor.json &
MON_PID=$!
n=0
while ! { grep -q '/0:' $T/nvme-lm-monitor.out &&
	  grep -q '/0"' $T/monitor.json; } && [ $n -lt 100 ]; do
	lmctl fn provision $PFX/0 queues 1
	lmctl fn provision $PFX/0 queues 0
	sleep 0.1
	n=$((n + 1))
done
holds "monitors listening" $n -lt 100

# --- The walk-through starts with the controller under the stock driver.
tap_run "setup: unbind the primary controller from nvme-lm" \
	sh -c "echo $PFX > /sys/bus/pci/drivers/nvme-lm/unbind"
tap_run "setup: no driver_override" \
	sh -c "echo > $DEVS/$PFX/driver_override"
tap_run "setup: bind it to nvme" sh -c "echo $PFX > /sys/bus/pci/drivers/nvme/bind"
PF_BLK=$(blockdev_of $PFX)
holds "setup: nvme has it, with a namespace" -n "$PF_BLK"

doc_run nvme-lm-before
same "the document's PF is this controller" "$PF" "$PFX"
fails "no lm device, by the short address" 1 \
	"^lmctl: '${PF#0000:}': no such lm device \(the PCI function's driver is nvme\)$" \
	lmctl fn show ${PF#0000:}/1

kmsg_mark
doc_run nvme-lm-bind
doc_log nvme-lm-probe-log
same "bound: the driver" "$(driver_of $PF)" nvme-lm
same "bound: VFs are not probed" "$(cat $DEVS/$PF/sriov_drivers_autoprobe)" 0
LMN=$(ls $DEVS/$PF/lm)
S=/sys/class/lm/$LMN
same "bound: lm0 is the lm device of the PCI function" "$LMN" lm0

# --- What lmctl shows, against sysfs and LM_DEVICE_INFO.
doc_run nvme-lm-show
ok "dev show -j" lmctl -j dev show $PF
cp $T/out $T/dev.json
ioctl_info /dev/$LMN > $T/dev-ioctl.json
dev_ioctl() {
	jq -r "$1" $T/dev-ioctl.json
}
same "dev: the device" "$(jqo '.dev | keys | join(" ")')" "$LMN"
same "dev: id" "$(jqo ".dev.$LMN.id")" "${LMN#lm}"
same "dev: parent" "$(jqo ".dev.$LMN.parent")" "$PF"
same "dev: parent = LM_DEVICE_INFO's" "$(jqo ".dev.$LMN.parent")" \
	"$(dev_ioctl .parent)"
same "dev: driver = sysfs" "$(jqo ".dev.$LMN.driver")" "$(cat $S/driver_name)"
same "dev: driver = LM_DEVICE_INFO's" "$(jqo ".dev.$LMN.driver")" \
	"$(dev_ioctl .driver)"
same "dev: compat = sysfs" "$(jqo ".dev.$LMN.compat")" "$(cat $S/compat)"
same "dev: num_fns = sysfs" "$(jqo ".dev.$LMN.num_fns")" "$(cat $S/num_fns)"
same "dev: num_fns = LM_DEVICE_INFO's" "$(jqo ".dev.$LMN.num_fns")" \
	"$(dev_ioctl .num_fns)"
same "dev: num_fns = the VFs the PF has" "$(jqo ".dev.$LMN.num_fns")" \
	"$(cat $DEVS/$PF/sriov_totalvfs)"
same "dev: no mig_caps" "$(jqo ".dev.$LMN.mig_caps | length")" 0
same "dev: no mig_caps in sysfs" "$(cat $S/mig_caps)" none
same "dev: no mig_caps in LM_DEVICE_INFO" "$(dev_ioctl .mig_caps)" 0
same "dev: prov_caps = LM_DEVICE_INFO's" \
	"$(jqo "[.dev.$LMN.prov_caps[] | {queues: 1, irqs: 2, memory: 4, online: 8}[.]] | add")" \
	"$(dev_ioctl .prov_caps)"
same "dev: stream_version = LM_DEVICE_INFO's" \
	"$(jqo ".dev.$LMN.stream_version")" "$(dev_ioctl .stream_version)"
ok "dev show by the short address" lmctl -j dev show ${PF#0000:}
same "dev: the short address is the same device" "$(cat $T/out)" "$(cat $T/dev.json)"
ok "dev show by lmN" lmctl -j dev show $LMN
same "dev: lmN is the same device" "$(cat $T/out)" "$(cat $T/dev.json)"
ok "dev show, all" lmctl -j dev show
same "dev show, all: the PCI function's device" \
	"$(jqo "[.dev[] | select(.parent == \"$PF\")] | length")" 1

ok "fn show -j" lmctl -j fn show $PF
same "fn: the four functions" "$(jqo '.fn | keys | join(" ")')" \
	"$LMN/0 $LMN/1 $LMN/2 $LMN/3"
same "fn: VF 1 to 4, in order" "$(jqo '[.fn[].vf] | join(" ")')" "1 2 3 4"
same "fn: distinct secondary controllers" \
	"$(jqo '[.fn[].hw_id] | unique | length')" 4
same "fn: all offline" "$(jqo '[.fn[] | select(.online)] | length')" 0
fns_agree "bound"
ok "fn show by the short address" lmctl -j fn show ${PF#0000:}/1
same "fn: the short address is the same function" \
	"$(jqo '.fn | keys[0]')" "$LMN/1"

fails "handle: a device where a function is needed" 2 \
	"'$PF': expected a function" lmctl fn provision $PF queues 2
fails "handle: a function where a device is needed" 2 \
	"'$PF/1': expected a device" lmctl dev show $PF/1
fails "handle: a malformed function" 2 "invalid function number 'x'" \
	lmctl fn show $PF/x

# --- Refused before anything changes: the kernel's reason, exit status 1.
ok "refused: fn show -j before" lmctl -j fn show $PF
cp $T/out $T/before.json
kmsg_mark
doc_run nvme-lm-refused
doc_log nvme-lm-refused-log
fails "refused: more VI than a secondary controller may have" 1 \
	"^lmctl: fn provision $LMN/1: Invalid argument: the device cannot take these provisioning values$" \
	lmctl fn provision $PF/1 queues 2 irqs 5
fails "refused: online without a VI" 1 \
	"^lmctl: fn provision $LMN/1: Invalid argument: the device cannot take these provisioning values$" \
	lmctl fn provision $PF/1 queues 2 online on
fails "refused: not a number" 2 "queues: '0x10' is not a number" \
	lmctl fn provision $PF/1 queues 0x10
kmsg_mark
doc_run nvme-lm-pool
doc_log nvme-lm-pool-log
ok "refused: fn show -j after" lmctl -j fn show $PF
same "refused: nothing changed" "$(cat $T/out)" "$(cat $T/before.json)"
resources_agree "refused"

# --- Online.
doc_run nvme-lm-provision
VFX=$(basename "$(readlink $DEVS/$PF/virtfn1)")
ok "online: fn show -j" lmctl -j fn show $PF/1
same "online: on" "$(jqo '.fn[].online')" true
same "online: its VF is VF 2" "$(jqo '.fn[].vf')" 2
same "online: its VF's address" "$(jqo '.fn[].pci')" "$VFX"
same "online: every VF enabled" "$(cat $DEVS/$PF/sriov_numvfs)" 4
fns_agree "online"
resources_agree "online"
doc_run nvme-lm-virtfn

doc_run nvme-lm-vf
same "the document's VF is the function's" "$VF" "$VFX"
VF_BLK=$(blockdev_of $VF)
holds "vf: nvme has it, with a namespace" -n "$VF_BLK"
doc_run nvme-lm-vf-check
ok "vf: fn show -j" lmctl -j fn show $PF/1
same "vf: the controller nvme found is the function's" \
	"$(cat $DEVS/$VF/nvme/nvme*/cntlid)" "$(jqo '.fn[].hw_id')"
same "vf: as many queues as VQ" \
	"$(cat $DEVS/$VF/nvme/nvme*/queue_count)" "$(jqo '.fn[].queues')"
same "vf: as many interrupts as VI" "$(ls $DEVS/$VF/msi_irqs | wc -l)" 3
ok "vf: write through it" write_pattern $VF_BLK
same "vf: read back" "$(read_pattern $VF_BLK)" "$PATTERN"
fails "vf: no lm device" 1 \
	"^lmctl: '$VF': no such lm device \(the PCI function's driver is nvme\)$" \
	lmctl dev show $VF

# --- Refused while online: nothing changes, the VF keeps working.
ok "online: fn show -j before the refusals" lmctl -j fn show $PF/1
cp $T/out $T/online.json
kmsg_mark
doc_run nvme-lm-offline-busy
doc_log nvme-lm-offline-busy-log
fails "online: resources cannot change" 1 \
	"^lmctl: fn provision $LMN/1: Device or resource busy: resources of an online function cannot change: take it offline in the same request$" \
	lmctl fn provision $PF/1 queues 2
fails "online: migratable on" 1 \
	"^lmctl: fn set $LMN/1: Operation not supported: the device cannot migrate$" \
	lmctl fn set $PF/1 migratable on
NOMIG="Operation not supported: $LMN cannot migrate \\(mig_caps none\\)$"
fails "online: state stop" 1 "^lmctl: fn set $LMN/1 state stop: $NOMIG" \
	lmctl fn set $PF/1 state stop
fails "online: save" 1 "^lmctl: fn save $LMN/1: .+: $NOMIG" \
	lmctl fn save $PF/1 $T/fn1.lms
fails "online: reset" 1 "^lmctl: fn reset $LMN/1: $NOMIG" lmctl fn reset $PF/1
ok "online: fn show -j after the refusals" lmctl -j fn show $PF/1
same "online: refusals changed nothing" "$(cat $T/out)" "$(cat $T/online.json)"
same "online: the VF's controller is live" "$(cat $DEVS/$VF/nvme/nvme*/state)" live
same "online: the data is still there" "$(read_pattern $VF_BLK)" "$PATTERN"

# --- Offline, and online again with other resources.
doc_run nvme-lm-offline
same "offline: LM_FN_INFO" "$(fn_line_ioctl 1)" \
	"state running online false migratable false vfio false pci $VF vf 2 hw_id 2 queues 0 irqs 0 memory 0"
resources_agree "offline"
fails "offline: the VF has no driver" 1 \
	"^lmctl: '$VF': no such lm device \(the PCI function has no driver\)$" \
	lmctl dev show $VF
ok "again: online with 2 VQ and 1 VI, by the short address" \
	lmctl fn provision ${PF#0000:}/1 queues 2 irqs 1 online on
resources_agree "again"
tap_run "again: the VF to nvme" sh -c "echo $VF > /sys/bus/pci/drivers/nvme/bind"
VF_BLK=$(blockdev_of $VF)
holds "again: nvme has it, with a namespace" -n "$VF_BLK"
same "again: one I/O queue" "$(cat $DEVS/$VF/nvme/nvme*/queue_count)" 2
same "again: one interrupt" "$(ls $DEVS/$VF/msi_irqs | wc -l)" 1
same "again: the data is there" "$(read_pattern $VF_BLK)" "$PATTERN"
tap_run "again: the VF from nvme" sh -c "echo $VF > /sys/bus/pci/drivers/nvme/unbind"
ok "again: offline, by lmN" lmctl fn provision $LMN/1 online off
fns_agree "again"

# --- The controller back to nvme; the data written through the VF is on
# the namespace they share.
doc_run nvme-lm-give-back
same "given back: the driver" "$(driver_of $PF)" nvme
PF_BLK=$(blockdev_of $PF)
holds "given back: nvme has it, with a namespace" -n "$PF_BLK"
same "given back: the data written through the VF" \
	"$(read_pattern $PF_BLK)" "$PATTERN"
fails "given back: no lm device" 1 \
	"^lmctl: '$PF': no such lm device \(the PCI function's driver is nvme\)$" \
	lmctl dev show $PF
holds "given back: no VFs" ! -e $DEVS/$VF

# --- What the monitors saw.
doc_monitor_check nvme-lm-monitor
kill -TERM $MON_PID
wait $MON_PID
same "monitor -j: ends on SIGTERM with 0" $? 0
same "monitor -j: one JSON object per line" \
	"$(jq -c . $T/monitor.json | wc -l)" "$(wc -l < $T/monitor.json)"
# From the device's arrival on: function 1 online with 3 VQ and 3 VI,
# offline, online with 2 and 1, offline; refusals are no changes.
same "monitor -j: function 1's changes" \
	"$(jq -s -c --arg pf "$PF" --arg fn "$LMN/1" '
		(to_entries | map(select(.value.event == "add" and
			any((.value.dev // {})[]; .parent == $pf))) | last.key) as $i
		| .[$i:] | map(.fn[$fn] // empty | [.online, .queues, .irqs, .pci])' $T/monitor.json)" \
	"[[true,3,3,\"$VF\"],[false,0,0,\"$VF\"],[true,2,1,\"$VF\"],[false,0,0,\"$VF\"]]"
same "monitor -j: the device came and went" \
	"$(jq -r --arg pf "$PF" 'select(.dev) | select(.dev[].parent == $pf) | .event' $T/monitor.json | tail -n 2 | tr '\n' ' ')" \
	"add del "

# --- new_id, the other way to bind.
doc_run nvme-lm-new-id
same "new_id: the driver" "$(driver_of $PF)" nvme-lm

doc_all_run
tap_exit
