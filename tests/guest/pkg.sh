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
# /dev/lm/by-parent/.
. /lm/lib/tap.sh

# The device lm_sim creates at load: sim0, the parent lm_sim.0 of lm0.
D=/sys/kernel/debug/lm_sim/sim0
VERSION=$1

tap_run "load lm.ko built by DKMS" insmod /lm/modules/lm.ko || exit 1
tap_run "load lm_sim.ko built by DKMS" insmod /lm/modules/lm_sim.ko || exit 1
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
tap_run "unload lm" rmmod lm
tap_exit
