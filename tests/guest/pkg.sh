#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Inside the VM of tests/suites/pkg.sh: what lm's Debian packages installed
# in the chroot of tests/pkg/install.sh, used as a host would: the modules
# DKMS built there, loaded; the packaged lmctl (with the packaged liblm, in
# /usr/lib/x86_64-linux-gnu) showing the simulated controlling function
# and migrating one of its functions into another, the states compared
# byte for byte (lm_sim's digest); the packaged udev rules applied to
# /dev/lmN by the host's udevadm: group lm, mode 0660, the link in
# /dev/lm/by-parent/; the packaged lm-nvme-bind handing the emulated NVMe
# primary controller from the stock nvme driver to nvme-lm, only once it
# is configured and none of its namespaces is in use.
. /lm/lib/tap.sh

# The device lm_sim creates at load: sim0, the parent lm_sim.0 of lm0.
D=/sys/kernel/debug/lm_sim/sim0
VERSION=$1

tap_run "modprobe lm_sim: DKMS's modules, lm with it" modprobe lm_sim || exit 1
tap_run "lm and lm_sim from updates/dkms" sh -c "
	grep -q '^lm_sim ' /proc/modules && grep -q '^lm ' /proc/modules"
tap_run "lmctl is the packaged one, on the packaged liblm" sh -c "
	lmctl -V | grep -qx 'lmctl $VERSION' &&
	[ \"\$(command -v lmctl)\" = /lm/bin/lmctl ] &&
	[ -f /usr/lib/x86_64-linux-gnu/liblm.so.1 ] && [ ! -e /lm/lib/liblm.so.1 ]"

lmctl dev show > /tmp/dev.txt 2>&1
tap_diag "$(cat /tmp/dev.txt)"
if grep -q '^lm0: parent lm_sim\.0 driver lm_sim .* fns 4 ' /tmp/dev.txt; then
	tap_ok "lmctl dev show: lm0 of lm_sim.0, 4 functions"
else
	tap_fail "lmctl dev show: lm0 of lm_sim.0, 4 functions"
fi

for f in 0 1; do
	tap_run "lmctl fn provision lm0/$f" sh -c "
		lmctl fn provision lm0/$f online off &&
		lmctl fn provision lm0/$f queues 2 irqs 2 memory 8M online on &&
		lmctl fn set lm0/$f migratable on"
done
echo 4242 > $D/fn0/fill
if [ "$(cat $D/fn0/digest)" != "$(cat $D/fn1/digest)" ]; then
	tap_ok "before the migration the states differ"
else
	tap_fail "before the migration the states differ"
fi
tap_run "lmctl fn migrate lm0/0 lm0/1 (PRE_COPY)" \
	sh -c "lmctl fn migrate lm0/0 lm0/1 precopy on > /tmp/migrate.txt 2>&1"
tap_diag "$(cat /tmp/migrate.txt)"
src=$(cat $D/fn0/digest)
dst=$(cat $D/fn1/digest)
if [ -n "$src" ] && [ "$src" = "$dst" ]; then
	tap_ok "the destination's state is the source's (digest $src)"
else
	tap_fail "the destination's state is the source's" "source $src, destination $dst"
fi
tap_run "lmctl fn show lm0/1: running" \
	sh -c "lmctl fn show lm0/1 | grep -q '^lm0/1: state running '"

# The system group the package creates, as udev resolves it.
echo "lm:x:999:" >> /etc/group
tap_run "udevadm test applies 60-lm.rules to lm0" \
	sh -c "udevadm test --action=add /class/lm/lm0 > /tmp/udev.txt 2>&1"
tap_run "/dev/lm0: group lm, mode 0660" \
	sh -c "[ \"\$(stat -c '%G %a' /dev/lm0)\" = 'lm 660' ]" ||
	tap_diag "$(ls -l /dev/lm0; tail -n 20 /tmp/udev.txt)"
tap_run "/dev/lm/by-parent/lm_sim.0 links to lm0" \
	sh -c "[ \"\$(readlink -f /dev/lm/by-parent/lm_sim.0)\" = /dev/lm0 ]" ||
	tap_diag "$(ls -lR /dev/lm; tail -n 20 /tmp/udev.txt)"

tap_run "unload lm_sim" rmmod lm_sim

# --- lm-nvme-bind. The primary controller: the NVMe function with SR-IOV.
PF=""
for d in /sys/bus/pci/devices/*; do
	if [ -e "$d/sriov_totalvfs" ] && [ "$(cat "$d/class")" = 0x010802 ]; then
		PF=${d##*/}
	fi
done
[ -n "$PF" ] || { tap_fail "find the NVMe primary controller"; tap_exit; }
DEV=/sys/bus/pci/devices/$PF
driver() {
	basename "$(readlink "$DEV/driver")"
}
# bind_says WHAT STATUS LINE DRIVER ARGS...: lm-nvme-bind ARGS exits
# with STATUS, says LINE (nothing if LINE is empty) and leaves the
# controller with DRIVER. With --udev it speaks to the kernel log.
bind_says() {
	what=$1 want_rc=$2 line=$3 want_driver=$4
	shift 4
	logged=$(dmesg | wc -l)
	lm-nvme-bind "$@" > /tmp/bind.txt 2>&1
	rc=$?
	dmesg | tail -n +$((logged + 1)) | sed -n 's/^\[[^]]*\] \(lm-nvme-bind: \)/\1/p' \
		>> /tmp/bind.txt
	if [ -z "$line" ]; then
		printed=$([ ! -s /tmp/bind.txt ] && echo yes)
	else
		printed=$(grep -qxF -- "$line" /tmp/bind.txt && echo yes)
	fi
	if [ $rc -eq "$want_rc" ] && [ "$printed" = yes ] &&
	   [ "$(driver)" = "$want_driver" ]; then
		tap_ok "lm-nvme-bind: $what"
	else
		tap_fail "lm-nvme-bind: $what" \
			"exit $rc, driver $(driver): $(cat /tmp/bind.txt)"
	fi
}

# What udev runs as it finds the controller: lm-nvme-bind, for NVMe only.
udevadm test --action=add "/bus/pci/devices/$PF" > /tmp/udev-pf.txt 2>&1
udevadm test --action=add /bus/pci/devices/0000:00:00.0 > /tmp/udev-other.txt 2>&1
if grep -qxF "run: '/usr/sbin/lm-nvme-bind --udev $PF'" /tmp/udev-pf.txt &&
   ! grep -q "^run: .*lm-nvme-bind" /tmp/udev-other.txt; then
	tap_ok "61-lm-nvme-bind.rules runs lm-nvme-bind --udev for $PF, not for others"
else
	tap_fail "61-lm-nvme-bind.rules runs lm-nvme-bind --udev for $PF, not for others" \
		"$(grep -i run /tmp/udev-pf.txt /tmp/udev-other.txt)"
fi

tap_run "the stock nvme driver takes $PF" sh -c "
	insmod /lm/kmods-late/nvme-core.ko multipath=N &&
	insmod /lm/kmods-late/nvme.ko" || tap_exit
tap_wait_path /dev/nvme0n1 20

bind_says "a controller not configured is left alone (udev)" 0 "" nvme --udev "$PF"
bind_says "nothing configured, nothing done" 0 \
	"lm-nvme-bind: no controller given and none in /etc/lm/nvme-bind.conf" nvme
mkdir -p /etc/lm
printf '# the emulated controller\n%s\n' "$PF" > /etc/lm/nvme-bind.conf
tap_run "swap on its namespace" sh -c "
	mkswap /dev/nvme0n1 > /dev/null && swapon /dev/nvme0n1"
bind_says "refused while its namespace is swap" 1 \
	"lm-nvme-bind: $PF: not taken from nvme: /dev/nvme0n1 is swap" nvme --udev "$PF"
tap_run "swap off" swapoff /dev/nvme0n1
bind_says "-n: says, does nothing" 0 \
	"lm-nvme-bind: $PF: would bind to nvme-lm (taken from nvme)" nvme -n
bind_says "as udev runs it: taken from nvme, nvme-lm loaded and bound" 0 \
	"lm-nvme-bind: $PF: bound to nvme-lm (taken from nvme)" nvme-lm --udev "$PF"
tap_run "driver_override nvme-lm, VF autoprobe off" sh -c "
	[ \"\$(cat $DEV/driver_override)\" = nvme-lm ] &&
	[ \"\$(cat $DEV/sriov_drivers_autoprobe)\" = 0 ]"
bind_says "again: bound already" 0 "lm-nvme-bind: $PF: bound to nvme-lm already" nvme-lm
tap_run "lmctl dev show $PF: an lm device of nvme-lm" \
	sh -c "lmctl dev show $PF | grep -q ': parent $PF driver nvme_lm '"

tap_run "unload nvme-lm" rmmod nvme_lm
tap_run "unload lm" rmmod lm
tap_exit
