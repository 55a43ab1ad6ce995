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
. /lm/lib/nvme.sh

export LM_MODULES=/lm/modules

nvme_find_pf || exit 1
nvme_lm_bind || exit 1
nvme_load_stock || exit 1
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
