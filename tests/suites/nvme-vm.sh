# SPDX-License-Identifier: GPL-2.0
#
# A VM with a VF passed through migrates live between two unmodified QEMUs
# (tests/guest/nvme-vm.sh): the test guest is the nvme-vfio rig (the
# project's QEMU's emulated NVMe controller with live migration, behind an
# emulated Intel IOMMU), with nvme-lm and lm-vfio-pci; in it, Debian's own
# qemu-system-x86_64 (this machine's, with its shared libraries and
# firmware) runs the VM under TCG, a VF on vfio-pci with
# enable-migration=on (no dirty tracking without IOMMUFD) and x-no-mmap=on
# (the BAR through read/write: a TCG-only QEMU issue with an unaligned BAR's
# dirty sync). The VM boots Debian's kernel, whichever kernel the test
# guest runs, from an initramfs packed here (tests/vmm/l2.sh, vm_blk_io and
# the stock nvme driver).
#
# One test-guest CPU, as in nvme-vfio.sh (QEMU 10.0's TCG iotlb_to_section
# race with VFIO in the guest).

nvme_vm_dir=build/vm/nvme-vm-$LM_KERNEL
mkdir -p "$nvme_vm_dir"
rm -f "$nvme_vm_dir/ns.img"
truncate -s 64M "$nvme_vm_dir/ns.img"
# shellcheck source=tests/vm/nvme-rig.sh
. tests/vm/nvme-rig.sh
nvme_rig_devices "$nvme_vm_dir/ns.img"

# The VM's initramfs: Debian's kernel's nvme modules, not the test guest's.
xz -dc "/lib/modules/$KVER/kernel/drivers/nvme/host/nvme.ko.xz" \
	> "$nvme_vm_dir/nvme.ko"
if ! tests/vm/run.sh --kver "$KVER" --pack "$nvme_vm_dir/vm-initrd.img" \
	--kmod nvme-core \
	--file "$nvme_vm_dir/nvme.ko:/lm/kmods-late/nvme.ko" \
	--bin build/tests/vmm/vm_blk_io \
	--file tests/vmm/l2.sh:/lm/l2.sh -- sh /lm/l2.sh; then
	suite_fail="could not pack the VM's initramfs"
fi
vm_qemu=$(command -v qemu-system-x86_64) ||
	suite_fail="no qemu-system-x86_64 for the VM (make deps)"

suite_vm_args=(--qemu "$LM_QEMU" --mem 3072 --smp 1 --timeout 2400
	       --kmod vfio-pci --kmod vfio-iommu-type1
	       --append intel_iommu=on --append no_timer_check
	       --module "$LM_MODULE_DIR/drivers/lm/lm.ko"
	       --module "$LM_MODULE_DIR/drivers/nvme-lm/nvme-lm.ko"
	       --module "$LM_MODULE_DIR/drivers/lm-vfio/lm-vfio-pci.ko"
	       --file tests/guest/nvme-vm.sh:/lm/nvme-vm.sh
	       --file tests/guest/checks.sh:/lm/lib/checks.sh
	       --file tests/guest/doc.sh:/lm/lib/doc.sh
	       --file docs/vm-migration.rst:/lm/vm-migration.rst
	       --bin build/tests/vmm/lm_qmp
	       --bin build/cli/lmctl --bin jq
	       --file build/lib/liblm.so.1:/lm/lib/liblm.so.1
	       --bin "$vm_qemu"
	       --file /usr/share/qemu:/usr/share/qemu
	       --file /usr/share/seabios:/usr/share/seabios
	       --file "/boot/vmlinuz-$KVER:/lm/vm/vmlinuz"
	       --file "$nvme_vm_dir/vm-initrd.img:/lm/vm/initrd.img"
	       --qemu-arg -device --qemu-arg intel-iommu,intremap=on
	       "${nvme_devices[@]}")
suite_command=(sh /lm/nvme-vm.sh)
