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
. /lm/lib/nvme.sh

export LM_MODULES=/lm/modules

echo "# ==== nvme_lm_cmds"
/lm/bin/nvme_lm_cmds

nvme_find_pf || exit 1
nvme_lm_bind || exit 1
nvme_load_stock || exit 1

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
