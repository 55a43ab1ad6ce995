# SPDX-License-Identifier: GPL-2.0
#
# lm's Debian packages in use: the modules DKMS built in the package test's
# chroot (tests/pkg/install.sh, a host step of tests/run.sh), the packaged
# lmctl, liblm, udev rules and lm-nvme-bind, the last on QEMU's emulated
# NVMe controller with SR-IOV (tests/vm/nvme-rig.sh); see
# tests/guest/pkg.sh.

if [ "$LM_KERNEL" = debug ]; then
	suite_skip="DKMS built the modules for Debian's kernel, not this one"
	return 0
fi

pkg_vm=build/pkg/vm
pkg_suite_dir=build/vm/pkg-$LM_KERNEL
mkdir -p "$pkg_suite_dir"
truncate -s 64M "$pkg_suite_dir/ns.img"
# shellcheck source=tests/vm/nvme-rig.sh
. tests/vm/nvme-rig.sh
nvme_late_kmods "$pkg_suite_dir"
nvme_rig_devices "$pkg_suite_dir/ns.img"

suite_vm_args=(--mem 1024 --timeout 600 "${nvme_kmods[@]}" "${nvme_devices[@]}"
	       --file "$pkg_vm/lib/modules:/lib/modules"
	       --bin "$pkg_vm/lmctl" --bin "$pkg_vm/lm-nvme-bind" --bin udevadm
	       --file "$pkg_vm/liblm.so.1:/usr/lib/x86_64-linux-gnu/liblm.so.1"
	       --file "$pkg_vm/60-lm.rules:/lib/udev/rules.d/60-lm.rules"
	       --file "$pkg_vm/61-lm-nvme-bind.rules:/lib/udev/rules.d/61-lm-nvme-bind.rules"
	       --file tests/guest/pkg.sh:/lm/pkg.sh)
# What the packaged liblm needs (libnl), from the host, where it is.
if [ -f "$pkg_vm/liblm.so.1" ]; then
	while read -r lib; do
		suite_vm_args+=(--file "$lib:$lib")
	done < <(ldd "$pkg_vm/liblm.so.1" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }')
fi
suite_command=(sh /lm/pkg.sh "$(dpkg-parsechangelog -S Version)")
