#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Inside the test VM: the unit tests of nvme-lm's command code, then nvme-lm
# on the emulated NVMe controller with SR-IOV (tests/suites/nvme.sh): bind the
# primary controller to nvme-lm before the stock nvme driver is loaded, keep
# VFs from being probed automatically, run the device tests with an interrupt
# and again, in part, polling for completions; then lmctl as an operator uses
# it (tests/guest/nvme-lmctl.sh).
. /lm/lib/tap.sh

export LM_MODULES=/lm/modules

echo "# ==== nvme_lm_cmds"
/lm/bin/nvme_lm_cmds

# The primary controller: the NVMe function that has SR-IOV.
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
# driver_override first: nvme-lm matches nothing by itself, and the stock
# nvme driver, loaded next, must not take the primary controller.
tap_run override-pf sh -c "echo nvme-lm > /sys/bus/pci/devices/$PF/driver_override" || exit 1
tap_run load-nvme-lm insmod "$LM_MODULES/nvme-lm.ko" || exit 1
tap_run pf-bound-to-nvme-lm test "$(readlink /sys/bus/pci/devices/$PF/driver)" \
	= ../../../../bus/pci/drivers/nvme-lm || exit 1
# VFs of offline secondary controllers must not go to the nvme driver.
tap_run vf-autoprobe-off sh -c "echo 0 > /sys/bus/pci/devices/$PF/sriov_drivers_autoprobe" || exit 1
tap_run load-nvme-core insmod /lm/kmods-late/nvme-core.ko multipath=N || exit 1
tap_run load-nvme insmod /lm/kmods-late/nvme.ko || exit 1

echo "# ==== nvme_lm_dev"
/lm/bin/nvme_lm_dev

# The admin path again without an interrupt.
tap_run unload-nvme-lm rmmod nvme_lm
tap_run load-nvme-lm-polling insmod "$LM_MODULES/nvme-lm.ko" poll=1
tap_run polling-no-irq sh -c "! grep -q nvme-lm /proc/interrupts"
echo "# ==== nvme_lm_dev (polling)"
/lm/bin/nvme_lm_dev -t enumerate -t refuse_bad_values -t io_through_vf \
	-t admin_timeout_resets \
	-t controller_reset_reprovisions

# The operator's walk-through with lmctl (docs/nvme-lm.rst), with the
# driver as it loads by default; it ends with the primary controller bound
# to nvme-lm through new_id.
tap_run unload-nvme-lm-polling rmmod nvme_lm
tap_run load-nvme-lm-again insmod "$LM_MODULES/nvme-lm.ko"
tap_run pf-bound-again test "$(readlink /sys/bus/pci/devices/$PF/driver)" \
	= ../../../../bus/pci/drivers/nvme-lm
echo "# ==== nvme-lmctl"
sh /lm/nvme-lmctl.sh

tap_run unload-nvme rmmod nvme
tap_run unload-nvme-core rmmod nvme-core
tap_run unload-nvme-lm rmmod nvme_lm
tap_run unload-lm rmmod lm
tap_exit
