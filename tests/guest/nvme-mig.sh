#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Inside the test VM, on the emulated NVMe controller with live migration
# (tests/suites/nvme-mig.sh): bind the primary controller to nvme-lm before
# the stock nvme driver is loaded, keep VFs from being probed
# automatically, check that nvme-lm found live migration, then run the
# migration device tests, and some again with the controller state moved
# in small pieces.
. /lm/lib/tap.sh

export LM_MODULES=/lm/modules

PF=""
for d in /sys/bus/pci/devices/*; do
	if [ -e "$d/sriov_totalvfs" ] && [ "$(cat "$d/class")" = 0x010802 ]; then
		PF=${d##*/}
		break
	fi
done
if [ -z "$PF" ]; then
	tap_fail find-primary-controller "no NVMe function with SR-IOV"
	exit 1
fi
export NVME_LM_PF=$PF
tap_diag "primary controller $PF"

tap_run load-lm insmod "$LM_MODULES/lm.ko" || exit 1
tap_run override-pf sh -c "echo nvme-lm > /sys/bus/pci/devices/$PF/driver_override" || exit 1
tap_run load-nvme-lm insmod "$LM_MODULES/nvme-lm.ko" || exit 1
tap_run vf-autoprobe-off sh -c "echo 0 > /sys/bus/pci/devices/$PF/sriov_drivers_autoprobe" || exit 1
tap_run load-nvme-core insmod /lm/kmods-late/nvme-core.ko multipath=N || exit 1
tap_run load-nvme insmod /lm/kmods-late/nvme.ko || exit 1
# Live migration found, so the device tests below do not skip.
tap_run mig-caps sh -c "lmctl -j dev show | jq -e '.dev[].mig_caps | index(\"stop_copy\") != null'"

echo "# ==== nvme_lm_mig"
/lm/bin/nvme_lm_mig

# The controller state 36 bytes a command (Migration Receive and Send at
# offsets, Set Controller State in first, middle and last pieces): what
# the controller refuses, it refuses whole.
echo "# ==== nvme_lm_mig, state in 36-byte pieces"
echo 36 > /sys/module/nvme_lm/parameters/state_xfer
/lm/bin/nvme_lm_mig -t save_under_nvme_driver -f hostile
echo 0 > /sys/module/nvme_lm/parameters/state_xfer

tap_run unload-nvme rmmod nvme
tap_run unload-nvme-core rmmod nvme-core
tap_run unload-nvme-lm rmmod nvme_lm
tap_run unload-lm rmmod lm
tap_exit
