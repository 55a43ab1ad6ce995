#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything the build, the VM test rig and the demo need, from
# Debian packages only: a 6.12 kernel image with the headers of exactly the
# same version and QEMU 10 (both from bookworm-backports), busybox for the
# guest initramfs, sparse, libnl for the userspace library, jq (run in the
# guest to read lmctl's JSON back), man-db (to check the man pages), the
# Python modules of the kernel's netlink code generator (scripts/ynl-gen.sh),
# the kernel's source package with what building a kernel takes, for the
# rig's debug kernel (tests/debug-kernel/), and what building and testing
# the Debian packages takes (debhelper, dh-dkms, lintian, debootstrap for
# the chroot they are installed into, udev's udevadm to apply their rules
# in the guest).
#
# The backports mirror is derived from the machine's own apt configuration.
# Idempotent: a second run with everything present is a no-op.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source-path=SCRIPTDIR/.. source=scripts/apt-mirror.sh
. scripts/apt-mirror.sh

need_cmds() {
	local c
	for c in "$@"; do command -v "$c" >/dev/null 2>&1 || return 1; done
}

enable_backports() {
	local list=/etc/apt/sources.list.d/lm-backports.list mirror
	if grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		return 0
	fi
	mirror=$(debian_mirror | head -n1)
	if [ -z "$mirror" ]; then
		echo "deps: no Debian bookworm mirror in the apt configuration" >&2
		exit 1
	fi
	echo "deb $mirror bookworm-backports main" > "$list"
}

apt_updated=
apt_update() {
	[ -n "$apt_updated" ] && return 0
	apt-get update -qq
	apt_updated=1
}

# The newest 6.12 image of the generic amd64 flavour (not rt, not cloud), and
# headers of exactly its version.
kernel_pkgs() {
	local img
	img=$(apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+[a-z0-9.~]+-amd64$' |
	      awk '{print $1}' | sort -V | tail -n1)
	if [ -z "$img" ]; then
		echo "deps: no linux-image-6.12 package found" >&2
		exit 1
	fi
	echo "$img" "${img/linux-image-/linux-headers-}"
}

main() {
	local pkgs=(build-essential bc bison flex libelf-dev libssl-dev kmod cpio
		    busybox-static sparse pkg-config libnl-3-dev libnl-genl-3-dev
		    python3 zstd xz-utils perl jq man-db groff-base
		    debhelper dh-dkms lintian debootstrap udev)
	local kpkgs

	export DEBIAN_FRONTEND=noninteractive
	enable_backports
	if [ -z "$(scripts/kver.sh 2>/dev/null)" ] ||
	   ! need_cmds qemu-system-x86_64 busybox sparse cpio jq man groff \
		bc bison flex depmod dh dh_dkms lintian debootstrap udevadm ||
	   [ ! -e /usr/include/gelf.h ] ||
	   [ ! -e /usr/include/openssl/opensslv.h ] ||
	   ! qemu-system-x86_64 --version | grep -q 'version 10\.' ||
	   ! pkg-config --exists libnl-genl-3.0; then
		apt_update
		read -r -a kpkgs <<< "$(kernel_pkgs)"
		apt-get install -y -qq --no-install-recommends "${pkgs[@]}" "${kpkgs[@]}" >/dev/null
		apt-get install -y -qq --no-install-recommends -t bookworm-backports \
			qemu-system-x86 qemu-utils >/dev/null
	fi
	# ynl-gen-c.py reads the spec with PyYAML and validates it against the
	# schema with jsonschema, under whichever python3 runs it.
	if ! python3 -c 'import yaml, jsonschema' 2>/dev/null; then
		apt_update
		apt-get install -y -qq --no-install-recommends \
			python3-yaml python3-jsonschema >/dev/null
	fi
	# The kselftest harness header and checkpatch.pl come from the kernel's
	# source package.
	if ! ls /usr/src/linux-source-6.12.tar.* >/dev/null 2>&1; then
		apt_update
		apt-get install -y -qq --no-install-recommends -t bookworm-backports \
			linux-source-6.12 >/dev/null
	fi
}

main "$@"
