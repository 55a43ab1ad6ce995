# SPDX-License-Identifier: GPL-2.0
#
# nvme-lm migrating secondary controllers on the emulated NVMe controller
# of the project's QEMU (qemu/: Debian's QEMU with qemu/patches/, which add
# NVMe live migration to it), otherwise the rig of tests/vm/nvme-rig.sh:
# the device tests of tests/nvme-lm/nvme_lm_mig.c and a user-space NVMe
# driver's I/O moved from one VF to another by lmctl fn migrate.

nvme_suite_dir=build/vm/nvme-mig-$LM_KERNEL
mkdir -p "$nvme_suite_dir"
truncate -s 64M "$nvme_suite_dir/ns.img"
# shellcheck source=tests/vm/nvme-rig.sh
. tests/vm/nvme-rig.sh
nvme_late_kmods "$nvme_suite_dir"
nvme_rig_devices "$nvme_suite_dir/ns.img"

suite_vm_args=(--qemu "$LM_QEMU" --mem 2048 --timeout 2400
	       "${nvme_kmods[@]}"
	       --module "$LM_MODULE_DIR/drivers/lm/lm.ko"
	       --module "$LM_MODULE_DIR/drivers/nvme-lm/nvme-lm.ko"
	       --file tests/guest/nvme-mig.sh:/lm/nvme-mig.sh
	       --bin build/tests/nvme-lm/nvme_lm_mig
	       --bin build/cli/lmctl --bin jq
	       --file build/lib/liblm.so.1:/lm/lib/liblm.so.1
	       "${nvme_devices[@]}")
suite_command=(sh /lm/nvme-mig.sh)
