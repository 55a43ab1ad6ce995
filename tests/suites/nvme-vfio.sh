# SPDX-License-Identifier: GPL-2.0
#
# nvme_vfio_io, the user-space NVMe driver of the migration tests, on VFs
# of QEMU's emulated NVMe controller with SR-IOV (tests/guest/nvme-vfio.sh):
# the controller of tests/suites/nvme.sh, behind an emulated Intel IOMMU so
# that the VFs, each in an IOMMU group of its own, can be handed to
# vfio-pci. The IOMMU remaps interrupts (intremap=on), or VFIO's type1
# refuses the groups ("no interrupt remapping"); under TCG nothing asks for
# a split irqchip. The nvme suite passes behind the same IOMMU too; this
# one is apart so that what it leaves behind (VFs on vfio-pci, secondary
# controllers reset by vfio-pci) and its failures are its own. No stock
# nvme driver here: the VFs' controllers are driven from user space only.

nvme_vfio_dir=build/vm/nvme-vfio-$LM_KERNEL
mkdir -p "$nvme_vfio_dir"
rm -f "$nvme_vfio_dir/ns.img"
truncate -s 64M "$nvme_vfio_dir/ns.img"

suite_vm_args=(--mem 2048 --timeout 1200
	       --kmod vfio-pci --kmod vfio-iommu-type1
	       --append intel_iommu=on
	       --module "$LM_MODULE_DIR/drivers/lm/lm.ko"
	       --module "$LM_MODULE_DIR/drivers/nvme-lm/nvme-lm.ko"
	       --file tests/guest/nvme-vfio.sh:/lm/nvme-vfio.sh
	       --bin build/tests/nvme-lm/nvme_vfio_io
	       --bin build/cli/lmctl --bin jq
	       --file build/lib/liblm.so.1:/lm/lib/liblm.so.1
	       --qemu-arg -device --qemu-arg intel-iommu,intremap=on
	       --qemu-arg -device --qemu-arg pcie-root-port,id=rp0,chassis=1,slot=1
	       --qemu-arg -device --qemu-arg nvme-subsys,id=subsys0
	       --qemu-arg -device
	       --qemu-arg nvme,id=nvme0,serial=lmpf,bus=rp0,subsys=subsys0,sriov_max_vfs=4,sriov_vq_flexible=12,sriov_vi_flexible=8,max_ioqpairs=14,msix_qsize=9,sriov_max_vq_per_vf=6,sriov_max_vi_per_vf=4
	       --qemu-arg -drive
	       --qemu-arg "file=$nvme_vfio_dir/ns.img,if=none,id=nsd0,format=raw"
	       --qemu-arg -device --qemu-arg nvme-ns,drive=nsd0,bus=nvme0,nsid=1,shared=on)
suite_command=(sh /lm/nvme-vfio.sh)
