#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the debug kernel of the test rig, or reuse the one already built:
# Debian's linux-source-6.12 configured as tinyconfig + debug.config (KASAN,
# lockdep, kmemleak, fault injection, KUnit and what the tests need).
#
#	tests/debug-kernel/build.sh
#
# Prints one line on stdout, the directory of the result:
#	DIR/bzImage	the kernel image to boot
#	DIR/build	its build tree, ready for out-of-tree modules (M=)
#	DIR/modules	its own modules, installed: DIR/modules/lib/modules/RELEASE
#	DIR/info	what it was built from
# Everything else goes to stderr. The result is cached outside the clone,
# under $LM_CACHE_DIR/debug-kernel (default /var/cache/lm), keyed by the
# linux-source package version, the fragment, this script's recipe and the
# compiler; a build of the same key waits for a concurrent one to finish
# instead of duplicating it. Results unused for LM_CACHE_DAYS days (default
# 14) are removed.
set -euo pipefail
cd "$(dirname "$0")/../.."

# shellcheck source-path=SCRIPTDIR/../.. source=scripts/cache.sh
. scripts/cache.sh

SOURCE_PKG=linux-source-6.12
TARBALL=/usr/src/$SOURCE_PKG.tar.xz
FRAGMENT=tests/debug-kernel/debug.config
CACHE_ROOT=${LM_CACHE_DIR:-/var/cache/lm}/debug-kernel
CACHE_DAYS=${LM_CACHE_DAYS:-14}
# Change when a change of this script changes what it builds.
RECIPE="tinyconfig+fragment; bzImage modules modules_install; v1"
export ARCH=x86_64

say() {
	echo "debug-kernel: $*" >&2
}

die() {
	say "$*"
	exit 1
}

# The cache key: the package version (readable) and a hash of everything
# else that decides the result.
cache_key() {
	local version hash
	version=$(dpkg-query -W -f='${Version}' "$SOURCE_PKG" 2>/dev/null) ||
		die "$SOURCE_PKG is not installed (make deps)"
	hash=$({
		cat "$FRAGMENT"
		echo "$RECIPE"
		${CC:-gcc} --version | head -n1
	} | sha256sum | cut -c1-16)
	echo "${version//[^A-Za-z0-9.+-]/_}-$hash"
}

# Every line of the fragment must hold in the final .config: "CONFIG_X=v"
# literally, "# CONFIG_X is not set" as X not being y or m. An option whose
# dependencies are missing is silently dropped by Kconfig; this is where
# that becomes an error.
verify_config() {
	local config=$1 line sym bad=0 n=0
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*)
			n=$((n + 1))
			if ! grep -qxF -- "$line" "$config"; then
				sym=${line%%=*}
				say "not set as asked: $line (got: $(grep -E "^(# )?${sym}[= ]" "$config" || echo absent))"
				bad=1
			fi
			;;
		"# CONFIG_"*" is not set")
			n=$((n + 1))
			sym=${line#"# "}
			sym=${sym%" is not set"}
			if grep -qE "^$sym=" "$config"; then
				say "not unset as asked: $(grep -E "^$sym=" "$config")"
				bad=1
			fi
			;;
		"" | "#"*) ;;
		*) die "$FRAGMENT: cannot read line: $line" ;;
		esac
	done < "$FRAGMENT"
	[ "$bad" -eq 0 ] || die "the configuration lacks options of $FRAGMENT (see above)"
	say "all $n options of $FRAGMENT verified"
}

# Build into $1, a fresh directory.
build() {
	local out=$1 src=$1/build log=$1/build.log start=$SECONDS
	# Reproducible: no host, user or time of this build in the image.
	export KBUILD_BUILD_USER=lm KBUILD_BUILD_HOST=lm
	KBUILD_BUILD_TIMESTAMP="@$(stat -c %Y "$TARBALL")"
	export KBUILD_BUILD_TIMESTAMP

	say "extracting $TARBALL"
	mkdir -p "$src"
	tar -xf "$TARBALL" -C "$src" --strip-components=1

	say "configuring: tinyconfig + $FRAGMENT"
	{
		make -C "$src" tinyconfig
		"$src/scripts/kconfig/merge_config.sh" -m -O "$src" \
			"$src/.config" "$PWD/$FRAGMENT"
		make -C "$src" olddefconfig
	} > "$log" 2>&1 || { tail -n 40 "$log" >&2; die "configuration failed"; }
	verify_config "$src/.config"

	say "building bzImage and modules (log: $log)"
	# "modules" also writes Module.symvers, which out-of-tree builds need.
	if ! make -C "$src" -j"$(nproc)" bzImage modules >> "$log" 2>&1 ||
	   ! make -C "$src" INSTALL_MOD_PATH="$out/modules" modules_install \
		>> "$log" 2>&1; then
		tail -n 60 "$log" >&2
		die "build failed"
	fi
	cp "$src/arch/x86/boot/bzImage" "$out/bzImage"
	# modules_install links to the tree where it was built, which moves.
	rm -f "$out"/modules/lib/modules/*/build "$out"/modules/lib/modules/*/source
	{
		echo "package $SOURCE_PKG $(dpkg-query -W -f='${Version}' "$SOURCE_PKG")"
		echo "kernel $(make -s -C "$src" kernelrelease)"
		echo "fragment $FRAGMENT sha256 $(sha256sum < "$FRAGMENT" | cut -d' ' -f1)"
		echo "compiler $(${CC:-gcc} --version | head -n1)"
		echo "built in $((SECONDS - start)) s"
	} > "$out/info"
	say "built in $((SECONDS - start)) s"
}

tmp=""
cleanup() {
	[ -z "$tmp" ] || rm -rf -- "$tmp"
}

main() {
	local key dir

	[ -r "$TARBALL" ] || die "no $TARBALL: install $SOURCE_PKG (make deps)"
	key=$(cache_key)
	dir=$CACHE_ROOT/$key
	mkdir -p "$CACHE_ROOT"

	# One build at a time; whoever waited finds the result done.
	exec 9> "$CACHE_ROOT/.lock"
	flock 9
	if [ ! -f "$dir/info" ]; then
		trap cleanup EXIT
		trap 'exit 130' INT TERM
		tmp=$(mktemp -d "$CACHE_ROOT/.$key.XXXXXX")
		chmod 755 "$tmp"
		build "$tmp"
		rm -rf -- "$dir"
		mv -- "$tmp" "$dir"
		tmp=""
	else
		say "reusing $dir ($(grep '^kernel ' "$dir/info"))"
	fi
	# The directory's time says when it was last used.
	touch "$dir"
	cache_prune "$CACHE_ROOT" "$CACHE_DAYS" "$dir"
	flock -u 9
	echo "$dir"
}

main "$@"
