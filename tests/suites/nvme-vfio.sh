# SPDX-License-Identifier: GPL-2.0
#
# nvme_vfio_io, the user-space NVMe driver of the migration tests, on VFs
# of the project's QEMU's emulated NVMe controller with live migration
# (tests/guest/nvme-vfio.sh): the controller of tests/vm/nvme-rig.sh,
# behind an emulated Intel IOMMU so that the VFs, each in an IOMMU group of
# its own, can be handed to vfio-pci, and its I/O moved from one VF to
# another by lmctl fn migrate. The IOMMU remaps interrupts (intremap=on),
# or VFIO's type1 refuses the groups ("no interrupt remapping"); under TCG
# nothing asks for a split irqchip. No stock nvme driver here: the VFs'
# controllers are driven from user space only.
#
# One guest CPU: with VFIO in the guest, every device open, reset and IOMMU
# context change rebuilds QEMU's memory map, and under TCG another vCPU
# still holding TLB entries of the old map may take an MMIO access through
# them before its flush runs (QEMU 10.0 aborts in iotlb_to_section(), seen
# here in about one run of three with two vCPUs).

nvme_vfio_dir=build/vm/nvme-vfio-$LM_KERNEL
mkdir -p "$nvme_vfio_dir"
rm -f "$nvme_vfio_dir/ns.img"
truncate -s 64M "$nvme_vfio_dir/ns.img"
# shellcheck source=tests/vm/nvme-rig.sh
. tests/vm/nvme-rig.sh
nvme_rig_devices "$nvme_vfio_dir/ns.img"

suite_vm_args=(--qemu "$LM_QEMU" --mem 2048 --smp 1 --timeout 1200
	       --kmod vfio-pci --kmod vfio-iommu-type1
	       --append intel_iommu=on
	       --module "$LM_MODULE_DIR/drivers/lm/lm.ko"
	       --module "$LM_MODULE_DIR/drivers/nvme-lm/nvme-lm.ko"
	       --module "$LM_MODULE_DIR/drivers/lm-vfio/lm-vfio-pci.ko"
	       --file tests/guest/nvme-vfio.sh:/lm/nvme-vfio.sh
	       --bin build/tests/nvme-lm/nvme_vfio_io
	       --bin build/tests/nvme-lm/nvme_lm_vfio
	       --bin build/cli/lmctl --bin jq
	       --file build/lib/liblm.so.1:/lm/lib/liblm.so.1
	       --qemu-arg -device --qemu-arg intel-iommu,intremap=on
	       "${nvme_devices[@]}")
suite_command=(sh /lm/nvme-vfio.sh)
