# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the suites on QEMU's emulated NVMe controller with SR-IOV.
#
# nvme_late_kmods DIR: the stock nvme driver, to run in the guest after
# nvme-lm took the primary controller (and nvme-core with it, loaded with
# native multipath off so that each controller has its own block device):
# the guest kernel's nvme and nvme-core modules, uncompressed into DIR, and
# in nvme_kmods the options that put them in /lm/kmods-late/ and load what
# they need at boot. Debian's kernel ships them compressed and with NVMe
# authentication; the debug kernel's ($LM_KDIR) has neither.

nvme_kmods=()
nvme_late_kmods() {
	local dir=$1 m
	mkdir -p "$dir"
	for m in nvme nvme-core; do
		if [ "$LM_KERNEL" = debug ]; then
			cp "$LM_KDIR"/modules/lib/modules/*/kernel/drivers/nvme/host/$m.ko \
				"$dir/$m.ko"
		else
			xz -dc "/lib/modules/$KVER/kernel/drivers/nvme/host/$m.ko.xz" \
				> "$dir/$m.ko"
		fi
	done
	[ "$LM_KERNEL" = debug ] || nvme_kmods=(--kmod nvme-auth)
	nvme_kmods+=(--file "$dir/nvme-core.ko:/lm/kmods-late/nvme-core.ko"
		     --file "$dir/nvme.ko:/lm/kmods-late/nvme.ko")
}

# nvme_rig_devices IMAGE: in nvme_devices, the QEMU options of a primary
# controller with four secondary controllers (one per VF) in an NVMe
# subsystem, behind a root port, and a namespace of IMAGE they all share.
# The flexible resources give a pool of 12 VQ and 8 VI, at most 6 VQ and 4
# VI per secondary controller (QEMU requires sriov_vq_flexible >= 2 *
# sriov_max_vfs, max_ioqpairs >= sriov_vq_flexible + 2, sriov_vi_flexible
# >= sriov_max_vfs and msix_qsize >= sriov_vi_flexible + 1).
nvme_devices=()
nvme_rig_devices() {
	local img=$1
	nvme_devices=(--qemu-arg -device
		      --qemu-arg pcie-root-port,id=rp0,chassis=1,slot=1
		      --qemu-arg -device --qemu-arg nvme-subsys,id=subsys0
		      --qemu-arg -device
		      --qemu-arg nvme,id=nvme0,serial=lmpf,bus=rp0,subsys=subsys0,sriov_max_vfs=4,sriov_vq_flexible=12,sriov_vi_flexible=8,max_ioqpairs=14,msix_qsize=9,sriov_max_vq_per_vf=6,sriov_max_vi_per_vf=4
		      --qemu-arg -drive
		      --qemu-arg "file=$img,if=none,id=nsd0,format=raw"
		      --qemu-arg -device
		      --qemu-arg nvme-ns,drive=nsd0,bus=nvme0,nsid=1,shared=on)
}
