# SPDX-License-Identifier: GPL-2.0
#
# nvme-cli's secondary plugin (nvme-cli/, "make nvme-cli") against nvme-lm
# on the emulated NVMe controller with live migration of the project's
# QEMU (tests/guest/nvme-cli.sh): the rig of tests/vm/nvme-rig.sh behind an
# emulated Intel IOMMU, as tests/suites/nvme-vfio.sh has it, so that the
# migrations move a secondary controller that nvme_vfio_io keeps busy
# through vfio-pci. lmctl and jq check what the plugin says and does.

nvme_cli_dir=build/vm/nvme-cli-$LM_KERNEL
mkdir -p "$nvme_cli_dir"
rm -f "$nvme_cli_dir/ns.img"
truncate -s 64M "$nvme_cli_dir/ns.img"
# shellcheck source=tests/vm/nvme-rig.sh
. tests/vm/nvme-rig.sh
nvme_rig_devices "$nvme_cli_dir/ns.img"

if [ ! -x build/nvme-cli/nvme ]; then
	suite_fail="no build/nvme-cli/nvme (make nvme-cli)"
fi
# no_timer_check: on a busy host, TCG can be slow enough for the boot's
# check of the timer through the interrupt-remapped IO-APIC to fail, and
# the kernel panics then ("timer doesn't work through Interrupt-remapped
# IO-APIC"). One vCPU, as tests/suites/nvme-vfio.sh says why.
suite_vm_args=(--qemu "$LM_QEMU" --mem 2048 --smp 1 --timeout 1500
	       --kmod vfio-pci --kmod vfio-iommu-type1
	       --append intel_iommu=on --append no_timer_check
	       --module "$LM_MODULE_DIR/drivers/lm/lm.ko"
	       --module "$LM_MODULE_DIR/drivers/nvme-lm/nvme-lm.ko"
	       --module "$LM_MODULE_DIR/drivers/lm-vfio/lm-vfio-pci.ko"
	       --file tests/guest/nvme-cli.sh:/lm/nvme-cli.sh
	       --file tests/guest/checks.sh:/lm/lib/checks.sh
	       --file tests/guest/nvme-vfio-ctl.sh:/lm/lib/nvme-vfio-ctl.sh
	       --bin build/nvme-cli/nvme
	       --bin build/tests/nvme-lm/nvme_vfio_io
	       --bin build/cli/lmctl --bin jq
	       --file build/lib/liblm.so.1:/lm/lib/liblm.so.1
	       --qemu-arg -device --qemu-arg intel-iommu,intremap=on
	       "${nvme_devices[@]}")
suite_command=(sh /lm/nvme-cli.sh)
