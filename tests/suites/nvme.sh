# SPDX-License-Identifier: GPL-2.0
#
# nvme-lm on the emulated NVMe controller with SR-IOV of Debian's QEMU,
# which has no live migration (tests/vm/nvme-rig.sh): provisioning, I/O by
# the stock nvme driver through the VFs, resets, refusals, migration
# refused cleanly. lmctl (with liblm, found in ../lib), jq and ioctl_info
# drive and check the operator's walk-through, which runs from
# docs/nvme-lm.rst itself.

nvme_suite_dir=build/vm/nvme-$LM_KERNEL
mkdir -p "$nvme_suite_dir"
truncate -s 64M "$nvme_suite_dir/ns.img"
# shellcheck source=tests/vm/nvme-rig.sh
. tests/vm/nvme-rig.sh
nvme_late_kmods "$nvme_suite_dir"
nvme_rig_devices "$nvme_suite_dir/ns.img"

suite_vm_args=(--mem 2048 --timeout 2400 "${nvme_kmods[@]}"
	       --module "$LM_MODULE_DIR/drivers/lm/lm.ko"
	       --module "$LM_MODULE_DIR/drivers/nvme-lm/nvme-lm.ko"
	       --file tests/guest/nvme.sh:/lm/nvme.sh
	       --bin build/tests/nvme-lm/nvme_lm_cmds
	       --bin build/tests/nvme-lm/nvme_lm_dev
	       --bin build/cli/lmctl --bin jq --bin build/tests/ioctl_info
	       --file build/lib/liblm.so.1:/lm/lib/liblm.so.1
	       --file tests/guest/checks.sh:/lm/lib/checks.sh
	       --file tests/guest/doc.sh:/lm/lib/doc.sh
	       --file tests/guest/nvme-lmctl.sh:/lm/nvme-lmctl.sh
	       --file docs/nvme-lm.rst:/lm/nvme-lm.rst
	       "${nvme_devices[@]}")
suite_command=(sh /lm/nvme.sh)
