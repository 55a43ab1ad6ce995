#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build lm's Debian packages (debian/) from a copy of the tree in
# build/deb/lm-VERSION, source and binaries, as dpkg-buildpackage does it
# (unsigned), then run lintian over them: any tag it prints, of any
# severity but the ones lintian only shows on request (pedantic,
# experimental), fails, unless debian/ overrides it with its reason.
#
#	tests/pkg/build.sh
#
# The results go to build/deb: the .dsc, the source tarball, the .debs,
# the .changes, and build.log and lintian.log.
set -euo pipefail
cd "$(dirname "$0")/../.."

OUT=build/deb

die() {
	echo "deb: $*" >&2
	exit 1
}

version=$(dpkg-parsechangelog -S Version)
# One version everywhere.
make_version=$(sed -n 's/^LM_VERSION := //p' Makefile)
dkms_version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf)
[ "$version" = "$make_version" ] && [ "$version" = "$dkms_version" ] ||
	die "versions differ: debian/changelog $version, Makefile $make_version, dkms.conf $dkms_version"

rm -rf "$OUT"
src=$OUT/lm-$version
mkdir -p "$src"
# The tree as it is, less what git ignores (build/ included).
git ls-files -co --exclude-standard -z |
	while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
	tar --null -T - -cf - | tar -xf - -C "$src"

echo "deb: dpkg-buildpackage in $src (log: $OUT/build.log)"
if ! (cd "$src" && dpkg-buildpackage -us -uc --build=full) > "$OUT/build.log" 2>&1; then
	tail -n 40 "$OUT/build.log" >&2
	die "dpkg-buildpackage failed"
fi
ls "$OUT"/*.deb

changes=$OUT/lm_${version}_$(dpkg-architecture -qDEB_HOST_ARCH).changes
echo "deb: lintian $changes"
lintian --info --display-info --fail-on error,warning,info "$changes" \
	> "$OUT/lintian.log" 2>&1 || { cat "$OUT/lintian.log" >&2; die "lintian"; }
cat "$OUT/lintian.log"
echo "deb: lintian: no tag"
