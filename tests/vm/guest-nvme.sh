# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# The set-up the guest tests on the emulated NVMe controller share, installed
# in the guest as /lm/lib/nvme.sh after /lm/lib/tap.sh:
#
#	. /lm/lib/tap.sh
#	. /lm/lib/nvme.sh
#	nvme_find_pf || tap_exit
#	nvme_lm_bind || tap_exit
#	nvme_load_stock || tap_exit
#
# Each step is one or more tests; a step that fails returns false.

# shellcheck disable=SC3043 # busybox sh has "local"

# nvme_find_pf: PF (exported as NVME_LM_PF, which the device tests read) is
# the primary controller, the NVMe function that has SR-IOV.
nvme_find_pf() {
	local d

	PF=""
	for d in /sys/bus/pci/devices/*; do
		if [ -e "$d/sriov_totalvfs" ] &&
		   [ "$(cat "$d/class")" = 0x010802 ]; then
			PF=${d##*/}
			break
		fi
	done
	if [ -z "$PF" ]; then
		tap_fail find-primary-controller "no NVMe function with SR-IOV"
		return 1
	fi
	export NVME_LM_PF="$PF"
	tap_diag "primary controller $PF"
}

# nvme_lm_bind [NVME_LM_PARAMS...]: lm and nvme-lm loaded, the primary
# controller given to nvme-lm (which matches nothing by itself) with
# driver_override before the stock nvme driver is loaded, and VFs of
# offline secondary controllers kept from being probed automatically.
nvme_lm_bind() {
	local pf=/sys/bus/pci/devices/$PF

	tap_run load-lm insmod /lm/modules/lm.ko || return 1
	tap_run override-pf sh -c "echo nvme-lm > $pf/driver_override" ||
		return 1
	tap_run load-nvme-lm insmod /lm/modules/nvme-lm.ko "$@" || return 1
	tap_run pf-bound-to-nvme-lm \
		test "$(basename "$(readlink "$pf/driver")")" = nvme-lm ||
		return 1
	tap_run vf-autoprobe-off \
		sh -c "echo 0 > $pf/sriov_drivers_autoprobe"
}

# nvme_load_stock: the stock nvme driver (tests/vm/nvme-rig.sh holds it
# back until nvme-lm has the primary controller), for the VFs of online
# secondary controllers.
nvme_load_stock() {
	tap_run load-nvme-core \
		insmod /lm/kmods-late/nvme-core.ko multipath=N || return 1
	tap_run load-nvme insmod /lm/kmods-late/nvme.ko
}
