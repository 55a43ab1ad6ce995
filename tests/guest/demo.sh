#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Inside the demo VM: load the modules and migrate one simulated function
# into another while it is busy.
. /lm/lib/tap.sh

insmod /lm/modules/lm.ko && insmod /lm/modules/lm_sim.ko devices=0 || exit 1
echo
echo "=== live migration of a busy simulated function (${1} MiB of state) ==="
if lm_demo "$1" "$2"; then
	tap_ok "demo: destination state matches the source"
else
	tap_fail "demo: destination state matches the source"
fi
echo
