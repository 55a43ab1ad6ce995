# SPDX-License-Identifier: GPL-2.0
#
# nvme-lm on QEMU's emulated NVMe controller with SR-IOV: a primary
# controller with four secondary controllers (one per VF) in an NVMe
# subsystem, and a namespace they all share. The flexible resources give a
# pool of 12 VQ and 8 VI, at most 6 VQ and 4 VI per secondary controller
# (QEMU requires sriov_vq_flexible >= 2 * sriov_max_vfs, max_ioqpairs >=
# sriov_vq_flexible + 2, sriov_vi_flexible >= sriov_max_vfs and msix_qsize
# >= sriov_vi_flexible + 1). The stock nvme driver is shipped apart from the
# modules loaded at boot, so that it is loaded after nvme-lm took the primary
# controller, and nvme-core with it, to load it with native multipath off:
# each controller then has its own block device, one path each. lmctl (with
# liblm, found in ../lib), jq and ioctl_info drive and check the operator's
# walk-through, which runs from docs/nvme-lm.rst itself.

nvme_suite_dir=build/vm/nvme-$LM_KERNEL
mkdir -p "$nvme_suite_dir"
truncate -s 64M "$nvme_suite_dir/ns.img"
# The stock driver of the kernel the VM boots: Debian's ships it compressed
# and with NVMe authentication; the debug kernel's ($LM_KDIR) has neither.
nvme_kmods=()
if [ "$LM_KERNEL" = debug ]; then
	for m in nvme nvme-core; do
		cp "$LM_KDIR"/modules/lib/modules/*/kernel/drivers/nvme/host/$m.ko \
			"$nvme_suite_dir/$m.ko"
	done
else
	for m in nvme nvme-core; do
		xz -dc "/lib/modules/$KVER/kernel/drivers/nvme/host/$m.ko.xz" \
			> "$nvme_suite_dir/$m.ko"
	done
	nvme_kmods=(--kmod nvme-auth)
fi

suite_vm_args=(--mem 2048 --timeout 2400 "${nvme_kmods[@]}"
	       --module "$LM_MODULE_DIR/drivers/lm/lm.ko"
	       --module "$LM_MODULE_DIR/drivers/nvme-lm/nvme-lm.ko"
	       --file "$nvme_suite_dir/nvme-core.ko:/lm/kmods-late/nvme-core.ko"
	       --file "$nvme_suite_dir/nvme.ko:/lm/kmods-late/nvme.ko"
	       --file tests/guest/nvme.sh:/lm/nvme.sh
	       --bin build/tests/nvme-lm/nvme_lm_cmds
	       --bin build/tests/nvme-lm/nvme_lm_dev
	       --bin build/cli/lmctl --bin jq --bin build/tests/ioctl_info
	       --file build/lib/liblm.so.1:/lm/lib/liblm.so.1
	       --file tests/guest/checks.sh:/lm/lib/checks.sh
	       --file tests/guest/nvme-lmctl.sh:/lm/nvme-lmctl.sh
	       --file docs/nvme-lm.rst:/lm/nvme-lm.rst
	       --qemu-arg -device --qemu-arg pcie-root-port,id=rp0,chassis=1,slot=1
	       --qemu-arg -device --qemu-arg nvme-subsys,id=subsys0
	       --qemu-arg -device
	       --qemu-arg nvme,id=nvme0,serial=lmpf,bus=rp0,subsys=subsys0,sriov_max_vfs=4,sriov_vq_flexible=12,sriov_vi_flexible=8,max_ioqpairs=14,msix_qsize=9,sriov_max_vq_per_vf=6,sriov_max_vi_per_vf=4
	       --qemu-arg -drive
	       --qemu-arg "file=$nvme_suite_dir/ns.img,if=none,id=nsd0,format=raw"
	       --qemu-arg -device --qemu-arg nvme-ns,drive=nsd0,bus=nvme0,nsid=1,shared=on)
suite_command=(sh /lm/nvme.sh)
