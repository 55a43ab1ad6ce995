#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the base chroot of the package test, or reuse the one already
# built: a fresh Debian 12 (debootstrap, minbase) with what lm's packages
# depend on already installed, so that the test installs and purges them
# with dpkg alone, offline: dkms, the linux-headers of the kernel the test
# rig boots (scripts/kver.sh) and the image they depend on, the C
# library's and libnl's development files, pkg-config and adduser.
#
#	tests/pkg/chroot.sh [KVER]
#
# Prints one line on stdout, the tarball of the chroot (zstd); everything
# else goes to stderr. The tarball is cached outside the clone, under
# $LM_CACHE_DIR/pkg-chroot (default /var/cache/lm), keyed by the kernel
# version, the package list, this script's recipe and debootstrap's
# version; a build of the same key waits for a concurrent one to finish
# instead of duplicating it. Tarballs unused for LM_CACHE_DAYS days
# (default 14) are removed.
#
# The packages come from the mirrors of the machine's own apt
# configuration (bookworm, bookworm-updates, bookworm-security, whichever
# it has); a .deb that the machine's apt cache holds already is taken from
# there (apt checks it against the index as if it had downloaded it).
set -euo pipefail
cd "$(dirname "$0")/../.."

# shellcheck source-path=SCRIPTDIR/../.. source=scripts/apt-mirror.sh
. scripts/apt-mirror.sh
# shellcheck source-path=SCRIPTDIR/../.. source=scripts/cache.sh
. scripts/cache.sh

SUITE=bookworm
SUITES=(bookworm bookworm-updates bookworm-security)
CACHE_ROOT=${LM_CACHE_DIR:-/var/cache/lm}/pkg-chroot
CACHE_DAYS=${LM_CACHE_DAYS:-14}
HOST_ARCHIVES=/var/cache/apt/archives
# Change when a change of this script changes what it builds.
RECIPE="debootstrap minbase; no kernel modules, no initramfs; v1"

say() {
	echo "pkg-chroot: $*" >&2
}

die() {
	say "$*"
	exit 1
}

# What lm's packages need installed (debian/control's Depends and what
# building a module with DKMS takes), for kernel $1.
base_packages() {
	echo dkms "linux-headers-$1" "linux-image-$1" libc6-dev libnl-3-dev \
		libnl-genl-3-dev pkg-config adduser
}

cache_key() {
	local kver=$1 hash
	hash=$({
		echo "$RECIPE"
		base_packages "$kver"
		dpkg-query -W -f='${Version}\n' debootstrap
	} | sha256sum | cut -c1-16)
	echo "${kver//[^A-Za-z0-9.+-]/_}-$hash"
}

# The apt sources of the chroot: each suite on the mirror the machine's
# configuration has for it.
chroot_sources() {
	local suite uri
	for suite in "${SUITES[@]}"; do
		uri=$(debian_suite_mirror "$suite" | head -n1)
		[ -z "$uri" ] || echo "deb $uri $suite main"
	done
}

in_chroot() {
	local root=$1
	shift
	# shellcheck disable=SC2016 # expanded by that shell
	# A mount namespace of its own: /proc goes away with it, whatever
	# happens to this script.
	unshare --mount --propagation private sh -c '
		mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' \
		"$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"
}

# Copy into the chroot's apt cache the .debs apt is about to download that
# the machine's own cache holds.
seed_archives() {
	local root=$1 name n=0
	shift
	[ -d "$HOST_ARCHIVES" ] || return 0
	while read -r name; do
		if [ -f "$HOST_ARCHIVES/$name" ]; then
			cp -- "$HOST_ARCHIVES/$name" "$root/var/cache/apt/archives/"
			n=$((n + 1))
		fi
	done < <(in_chroot "$root" apt-get install -qq --print-uris \
			--no-install-recommends "$@" | awk '{ print $2 }')
	say "$n packages from the machine's apt cache"
}

build() {
	local root=$1/root kver=$2 mirror start=$SECONDS
	local -a pkgs
	read -r -a pkgs <<< "$(base_packages "$kver")"

	mirror=$(debian_suite_mirror "$SUITE" | head -n1)
	[ -n "$mirror" ] || die "no Debian $SUITE mirror in the apt configuration"
	say "debootstrap $SUITE (log: $1/build.log)"
	debootstrap --variant=minbase "$SUITE" "$root" "$mirror" \
		> "$1/build.log" 2>&1 ||
		{ tail -n 30 "$1/build.log" >&2; die "debootstrap failed"; }

	chroot_sources > "$root/etc/apt/sources.list"
	# No daemon starts in the chroot; no initramfs is built for the
	# kernel image (nothing boots it), and its modules are left out
	# (the headers are what a module build takes).
	printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
	chmod 755 "$root/usr/sbin/policy-rc.d"
	echo 'path-exclude=/lib/modules/*/kernel/*' \
		> "$root/etc/dpkg/dpkg.cfg.d/lm-no-kernel-modules"
	in_chroot "$root" dpkg-divert --local --rename \
		--add /usr/sbin/update-initramfs >> "$1/build.log" 2>&1
	ln -s /bin/true "$root/usr/sbin/update-initramfs"

	say "installing ${pkgs[*]}"
	{
		in_chroot "$root" apt-get update -qq &&
		seed_archives "$root" "${pkgs[@]}" &&
		in_chroot "$root" apt-get install -y -qq --no-install-recommends \
			"${pkgs[@]}" &&
		in_chroot "$root" apt-get clean
	} >> "$1/build.log" 2>&1 ||
		{ tail -n 30 "$1/build.log" >&2; die "installing the packages failed"; }
	[ -f "$root/usr/src/linux-headers-$kver/Makefile" ] ||
		die "no linux-headers-$kver in the chroot"

	say "packing"
	tar -C "$root" --numeric-owner -cf - . | zstd -q -T0 -3 > "$1/base.tar.zst"
	rm -rf -- "$root"
	{
		echo "suite $SUITE"
		echo "kernel $kver"
		echo "packages $(base_packages "$kver")"
		echo "debootstrap $(dpkg-query -W -f='${Version}' debootstrap)"
		echo "built in $((SECONDS - start)) s"
	} > "$1/info"
	say "built in $((SECONDS - start)) s"
}

tmp=""
cleanup() {
	[ -z "$tmp" ] || rm -rf -- "$tmp"
}

main() {
	local kver=${1:-} key dir

	[ -n "$kver" ] || kver=$(scripts/kver.sh) ||
		die "no Debian 6.12 kernel with headers (make deps)"
	command -v debootstrap >/dev/null || die "no debootstrap (make deps)"
	key=$(cache_key "$kver")
	dir=$CACHE_ROOT/$key
	mkdir -p "$CACHE_ROOT"

	exec 9> "$CACHE_ROOT/.lock"
	flock 9
	if [ ! -f "$dir/info" ]; then
		trap cleanup EXIT
		trap 'exit 130' INT TERM
		tmp=$(mktemp -d "$CACHE_ROOT/.$key.XXXXXX")
		chmod 755 "$tmp"
		build "$tmp" "$kver"
		rm -rf -- "$dir"
		mv -- "$tmp" "$dir"
		tmp=""
	else
		say "reusing $dir"
	fi
	touch "$dir"
	cache_prune "$CACHE_ROOT" "$CACHE_DAYS" "$dir"
	flock -u 9
	echo "$dir/base.tar.zst"
}

main "$@"
