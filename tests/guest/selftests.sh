#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Inside the test VM: load the modules, run every selftest program, unload.
# Each program prints TAP; the VM rig counts the results.
. /lm/lib/tap.sh

export LM_MODULES=/lm/modules

tap_run load-lm insmod "$LM_MODULES/lm.ko" || exit 1
tap_run load-lm_sim insmod "$LM_MODULES/lm_sim.ko" devices=0 || exit 1

for t in /lm/bin/lm_*; do
	echo "# ==== ${t##*/}"
	"$t"
done

tap_run unload-lm_sim rmmod lm_sim
tap_run unload-lm rmmod lm
