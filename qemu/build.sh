#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the project's QEMU, or reuse the one already built: Debian's qemu
# 10.0 source package (with Debian's own patches, as dpkg-source applies
# them) and the patches of qemu/patches/ on top, as a TCG x86_64-softmmu with
# the devices of qemu/x86_64-devices.mak and nothing the rig does not use.
# It reads its firmware (SeaBIOS, the option ROMs) from where Debian's
# qemu-system-x86 has it, so that it boots a guest as Debian's binary does.
#
#	qemu/build.sh
#
# Prints one line on stdout, the directory of the result:
#	DIR/bin/qemu-system-x86_64	the emulator
#	DIR/info			what it was built from
#	DIR/build.log			how
# Everything else goes to stderr. The result is cached outside the clone,
# under $LM_CACHE_DIR/qemu (default /var/cache/lm), keyed by the source
# package version, the patches, the device list, this script's recipe and
# the compiler; a build of the same key waits for a concurrent one to finish
# instead of duplicating it. Results unused for LM_CACHE_DAYS days (default
# 14) are removed.
#
# The source comes through apt: a deb-src entry for the suites that carry
# qemu 10.0 (bookworm-backports, trixie) on the mirror of the machine's own
# apt configuration. The version is that of the installed qemu-system-x86
# if the mirror serves its source, else the newest 10.0 it serves.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source-path=SCRIPTDIR/.. source=scripts/apt-mirror.sh
. scripts/apt-mirror.sh
# shellcheck source=scripts/cache.sh
. scripts/cache.sh

SOURCE_PKG=qemu
SOURCE_SERIES=1:10.0.
SOURCE_SUITES=(bookworm-backports trixie)
SOURCE_LIST=/etc/apt/sources.list.d/lm-src.list
PATCH_DIR=qemu/patches
DEVICES=qemu/x86_64-devices.mak
CACHE_ROOT=${LM_CACHE_DIR:-/var/cache/lm}/qemu
DOWNLOAD_DIR=$CACHE_ROOT/download
# Source versions the mirror lists but does not serve, one a line.
UNAVAILABLE=$CACHE_ROOT/unavailable
CACHE_DAYS=${LM_CACHE_DAYS:-14}
# Debian's qemu-system-x86 looks for its firmware there (debian/rules).
FIRMWAREPATH=/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu
# Change when a change of this script changes what it builds (the configure
# options below are part of the key already).
RECIPE="dpkg-source -x; patches; configure; ninja qemu-system-x86_64; v1"
CONFIGURE_OPTS=(
	--python=/usr/bin/python3
	--target-list=x86_64-softmmu
	--without-default-features
	--without-default-devices
	--with-devices-x86_64=lm
	--enable-tcg
	--enable-pixman
	--firmwarepath="$FIRMWAREPATH"
	--disable-docs
	--disable-tools
	--disable-user
	--disable-download
	--disable-install-blobs
	--disable-debug-info
)
# What building takes beyond build-essential, as Debian's source package
# asks for it (meson >= 1.5 only bookworm-backports has).
BUILD_DEPS=(dpkg-dev patch xz-utils pkg-config ninja-build python3-venv
	    flex bison libglib2.0-dev libpixman-1-dev zlib1g-dev)
MESON_MIN=1.5.0

say() {
	echo "qemu: $*" >&2
}

die() {
	say "$*"
	exit 1
}

# The deb-src entry, one line per suite, on the machine's Debian mirror.
source_entry() {
	local mirror suite
	mirror=$(debian_mirror | head -n1)
	[ -n "$mirror" ] || die "no Debian mirror in the apt configuration"
	for suite in "${SOURCE_SUITES[@]}"; do
		echo "deb-src $mirror $suite main"
	done
}

# The qemu 10.0 source versions apt knows, in order of preference: the
# installed qemu-system-x86's, then the newest first; without the ones
# found unavailable. Reads apt's local index only.
source_candidates() {
	local installed all v
	all=$(apt-cache showsrc "$SOURCE_PKG" 2>/dev/null |
	      awk '$1 == "Version:" { print $2 }' | grep -F "$SOURCE_SERIES" |
	      grep -vxF -f <(cat "$UNAVAILABLE" 2>/dev/null; echo '#') |
	      sort -urV) || true
	installed=$(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null) || true
	if [ -n "$installed" ] && grep -qxF -- "$installed" <<< "$all"; then
		echo "$installed"
	fi
	for v in $all; do
		[ "$v" = "$installed" ] || echo "$v"
	done
}

# The cache key of source version $1: the version (readable) and a hash of
# everything else that decides the result.
cache_key() {
	local version=$1 hash p
	hash=$({
		echo "$RECIPE"
		printf '%s\n' "${CONFIGURE_OPTS[@]}"
		cat "$DEVICES"
		for p in "${patches[@]}"; do
			echo "patch ${p##*/}"
			cat "$p"
		done
		${CC:-gcc} --version | head -n1
	} | sha256sum | cut -c1-16)
	echo "${version//[^A-Za-z0-9.+-]/_}-$hash"
}

have_pkg() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'
}

# Install what building takes, when something is missing.
build_deps() {
	local missing=() p meson
	for p in "${BUILD_DEPS[@]}"; do
		have_pkg "$p" || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		say "installing ${missing[*]}"
		apt_get install -y -qq --no-install-recommends "${missing[@]}" >&2
	fi
	meson=$(dpkg-query -W -f='${Version}' meson 2>/dev/null) || meson=""
	if [ -z "$meson" ] || ! have_pkg meson ||
	   ! dpkg --compare-versions "$meson" ge "$MESON_MIN"; then
		say "installing meson >= $MESON_MIN from bookworm-backports"
		apt_get install -y -qq --no-install-recommends \
			-t bookworm-backports meson >&2
	fi
	if [ ! -r /usr/share/seabios/bios-256k.bin ] ||
	   [ ! -r /usr/share/qemu/linuxboot_dma.bin ]; then
		die "no firmware of Debian's qemu-system-x86 in $FIRMWAREPATH (make deps)"
	fi
}

# Build source version $1 into $2, a fresh directory, installed as if at $3.
build() {
	local version=$1 out=$2 dest=$3 src=$2/src obj=$2/obj log=$2/build.log
	local start=$SECONDS dsc p n=0

	dsc=$DOWNLOAD_DIR/${SOURCE_PKG}_${version#*:}.dsc
	say "extracting $dsc"
	# Checks every file against the .dsc's checksums (apt checked the .dsc
	# against the suite's signed index), then applies Debian's patches.
	if ! nice -n 10 dpkg-source --no-copy -x "$dsc" "$src" > "$log" 2>&1; then
		tail -n 20 "$log" >&2
		# Download it again next time.
		find "$DOWNLOAD_DIR" -mindepth 1 -delete
		die "dpkg-source -x failed"
	fi

	for p in "${patches[@]}"; do
		say "applying ${p#"$PWD"/}"
		echo "== patch -p1 < $p" >> "$log"
		patch -d "$src" -p1 --forward --batch < "$p" >> "$log" 2>&1 ||
			{ tail -n 20 "$log" >&2; die "${p##*/} does not apply"; }
		n=$((n + 1))
	done
	cp "$DEVICES" "$src/configs/devices/x86_64-softmmu/lm.mak"

	say "configuring (log: $log)"
	mkdir -p "$obj"
	(cd "$obj" && nice -n 10 "$src/configure" --prefix="$dest" \
		--with-pkgversion="Debian $version, lm ${dest##*-}" \
		"${CONFIGURE_OPTS[@]}") >> "$log" 2>&1 ||
		{ tail -n 40 "$log" >&2; die "configure failed"; }

	say "building qemu-system-x86_64"
	nice -n 10 ninja -C "$obj" -j"$(nproc)" qemu-system-x86_64 >> "$log" 2>&1 ||
		{ tail -n 60 "$log" >&2; die "build failed"; }
	install -D -m 0755 "$obj/qemu-system-x86_64" "$out/bin/qemu-system-x86_64"
	"$out/bin/qemu-system-x86_64" -machine q35 -accel tcg -display none \
		-nodefaults -S -device nvme,help > /dev/null 2>> "$log" ||
		{ tail -n 20 "$log" >&2; die "the built binary does not run"; }

	{
		echo "source $SOURCE_PKG $version"
		for p in "${patches[@]}"; do
			echo "patch ${p##*/} sha256 $(sha256sum < "$p" | cut -d' ' -f1)"
		done
		echo "patches $n"
		echo "devices $DEVICES sha256 $(sha256sum < "$DEVICES" | cut -d' ' -f1)"
		echo "configure ${CONFIGURE_OPTS[*]}"
		echo "firmware $FIRMWAREPATH"
		echo "compiler $(${CC:-gcc} --version | head -n1)"
		echo "version $("$out/bin/qemu-system-x86_64" --version | head -n1)"
		echo "built in $((SECONDS - start)) s"
	} > "$out/info"
	rm -rf -- "$src" "$obj"
	say "built in $((SECONDS - start)) s"
}

tmp=""
cleanup() {
	[ -z "$tmp" ] || rm -rf -- "$tmp"
}

# Under the lock: set dir to the result of the first candidate version that
# is cached, or that the mirror serves and is built now. Fails, leaving dir
# empty, when there is no such version.
find_or_build() {
	local version key
	dir=""
	for version in $(source_candidates); do
		key=$(cache_key "$version")
		dir=$CACHE_ROOT/$key
		[ ! -f "$dir/info" ] || return 0
		build_deps
		if ! cache_download "$DOWNLOAD_DIR" "$SOURCE_PKG" "$version"; then
			say "the mirror does not serve $SOURCE_PKG $version; trying the next"
			echo "$version" >> "$UNAVAILABLE"
			dir=""
			continue
		fi
		trap cleanup EXIT
		trap 'exit 130' INT TERM
		tmp=$(mktemp -d "$CACHE_ROOT/.$key.XXXXXX")
		chmod 755 "$tmp"
		build "$version" "$tmp" "$dir"
		rm -rf -- "$dir"
		mv -- "$tmp" "$dir"
		tmp=""
		return 0
	done
	return 1
}

main() {
	local dir
	local -a patches

	shopt -s nullglob
	patches=("$PWD/$PATCH_DIR"/*.patch)
	shopt -u nullglob
	mkdir -p "$CACHE_ROOT"

	# One build at a time; whoever waited finds the result done.
	exec 9> "$CACHE_ROOT/.lock"
	flock 9
	# A first run, or the mirror moved on since apt last read its index.
	if ! find_or_build; then
		apt_source_list "$SOURCE_LIST" "$(source_entry)"
		find_or_build ||
			die "the mirror serves no $SOURCE_PKG $SOURCE_SERIES* source (see $SOURCE_LIST)"
	fi
	say "using $dir ($(grep '^source ' "$dir/info"), $(grep '^patches ' "$dir/info"))"
	# The directory's time says when it was last used.
	touch "$dir"
	cache_prune "$CACHE_ROOT" "$CACHE_DAYS" "$dir" "$DOWNLOAD_DIR"
	flock -u 9
	echo "$dir"
}

main "$@"
